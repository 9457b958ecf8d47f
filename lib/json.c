/*
 * The one JSON string encoder of the kit. Every document a tool prints is valid
 * UTF-8 whatever bytes it is given: names arrive already in the \xHH form of
 * esc(); message payloads that are not UTF-8 go out as base64 instead.
 */
#include <stdio.h>
#include <string.h>

#include "ipckit.h"

bool utf8_valid(const void *buf, size_t n)
{
	const unsigned char *p = buf;

	for (size_t i = 0, len; i < n; i += len)
		if ((len = utf8_seq_len(p + i, n - i)) == 0)
			return false;
	return true;
}

/* The escape JSON needs for byte c, or NULL when it goes as it is. */
static const char *json_escape(unsigned char c, char tmp[8])
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	}
	if (c >= 0x20)
		return NULL;
	snprintf(tmp, 8, "\\u%04x", c);
	return tmp;
}

void json_str(FILE *f, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	size_t run = 0;             /* bytes from p + i - run that go out as they are */
	char tmp[8];

	putc('"', f);
	for (size_t i = 0; i < n;) {
		size_t len = p[i] < 0x80 ? 1 : utf8_seq_len(p + i, n - i);
		const char *e = len == 1 ? json_escape(p[i], tmp) : NULL;
		if (len == 0) {     /* not UTF-8: the text \xHH, as esc() writes it */
			snprintf(tmp, sizeof(tmp), "\\\\x%02x", p[i]);
			e = tmp;
			len = 1;
		}
		if (e) {
			fwrite(p + i - run, 1, run, f);
			fputs(e, f);
			run = 0;
		} else {
			run += len;
		}
		i += len;
	}
	fwrite(p + n - run, 1, run, f);
	putc('"', f);
}

void json_string(FILE *f, const char *s)
{
	json_str(f, s, strlen(s));
}

void json_text(FILE *f, const char *s)
{
	char buf[ESC_MAX];

	json_string(f, esc(s, buf, sizeof(buf)));
}

void json_base64(FILE *f, const void *buf, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = buf;
	char out[4];

	putc('"', f);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[0] = abc[v >> 18];
		out[1] = abc[(v >> 12) & 63];
		out[2] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
		out[3] = i + 2 < n ? abc[v & 63] : '=';
		fwrite(out, 1, 4, f);
	}
	putc('"', f);
}

void json_payload(FILE *f, const char *key, const void *buf, size_t n)
{
	bool text = utf8_valid(buf, n);

	json_string(f, key);
	fputs(": ", f);
	if (text)
		json_str(f, buf, n);
	else
		json_base64(f, buf, n);
	fprintf(f, ", \"encoding\": \"%s\"", text ? "utf-8" : "base64");
}
