/* JSON for the few documents that are not tables: one object's fields. */
#include <stdio.h>

#include "ipckit.h"
#include "out.h"

void json_string(FILE *f, const char *s)
{
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				putc(*p, f);
		}
	}
	putc('"', f);
}

void kv_print(FILE *f, const struct kv *v, size_t n, bool json)
{
	if (json)
		fputs("{", f);
	for (size_t i = 0; i < n; i++) {
		if (!json) {
			if (v[i].value)
				fprintf(f, "%-12s %s\n", v[i].key, v[i].value);
			continue;
		}
		fprintf(f, "%s\n   ", i ? "," : "");
		json_string(f, v[i].key);
		fputs(": ", f);
		if (v[i].value == NULL)
			fputs("null", f);
		else if (v[i].number)
			fputs(v[i].value, f);
		else
			json_string(f, v[i].value);
	}
	if (json)
		fputs("\n}\n", f);
}
