/* The output layer: every table, --json, --raw and --noheadings goes through libsmartcols. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipckit.h"
#include "out.h"

int out_init(struct out *o, unsigned flags, const char *json_name)
{
	o->flags = flags;
	if ((o->tb = scols_new_table()) == NULL)
		return -1;
	scols_table_enable_json(o->tb, (flags & OUT_JSON) != 0);
	scols_table_enable_raw(o->tb, (flags & OUT_RAW) != 0);
	scols_table_enable_noheadings(o->tb, (flags & OUT_NOHEADINGS) != 0);
	if (json_name)
		scols_table_set_name(o->tb, json_name);
	return 0;
}

int out_add_columns(struct out *o, const struct out_col *cols, const int *sel, size_t nsel)
{
	for (size_t i = 0; i < nsel; i++) {
		const struct out_col *c = &cols[sel[i]];
		struct libscols_column *cl = scols_table_new_column(o->tb, c->name, 0,
		                                                    c->right ? SCOLS_FL_RIGHT : 0);
		if (cl == NULL)
			return -1;
		if (o->flags & OUT_JSON) {
			char lower[32];
			size_t n = strlen(c->name);
			if (n >= sizeof(lower))
				n = sizeof(lower) - 1;
			for (size_t j = 0; j < n; j++)
				lower[j] = (char)(c->name[j] | 0x20);
			lower[n] = '\0';
			scols_column_set_json_type(cl, c->json);
			if (scols_cell_set_data(scols_column_get_header(cl), lower) != 0)
				return -1;
		}
	}
	return 0;
}

struct libscols_line *out_line(struct out *o)
{
	return scols_table_new_line(o->tb, NULL);
}

/* Whether esc() would change s: a control byte, a byte past ASCII, a backslash, an edge space. */
static bool needs_esc(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == ' ')
		return true;
	for (; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '\\' || (*p == ' ' && p[1] == '\0'))
			return true;
	return false;
}

/*
 * Tables and --raw: libsmartcols escapes unsafe bytes as \xHH itself. JSON: it
 * writes the bytes as they are, so every cell goes out in the form of esc(): the
 * document is valid UTF-8 and a name reads back as ipc-rm takes it.
 */
int out_cell(struct out *o, struct libscols_line *ln, size_t col, const char *text)
{
	char buf[1024];
	char *big = NULL;
	int r;

	if (text == NULL)
		return 0;   /* empty in a table, null in JSON */
	if ((o->flags & OUT_JSON) && needs_esc(text)) {
		if (4 * strlen(text) + 8 <= sizeof(buf))
			text = esc(text, buf, sizeof(buf));
		else if ((text = big = esc_alloc(text)) == NULL)
			return -1;
	}
	r = scols_line_set_data(ln, col, text) == 0 ? 0 : -1;
	free(big);
	return r;
}

int out_print(struct out *o)
{
	return scols_print_table(o->tb) == 0 ? 0 : -1;
}

void out_free(struct out *o)
{
	scols_unref_table(o->tb);
	o->tb = NULL;
}

static int column_index(const char *name, size_t n, const struct out_col *cols, size_t ncols)
{
	for (size_t i = 0; i < ncols; i++)
		if (strlen(cols[i].name) == n && strncasecmp(cols[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

int columns_parse(const char *list, const struct out_col *cols, size_t ncols,
                  const int *defaults, size_t ndefaults, int *sel, size_t max,
                  char *bad, size_t badlen)
{
	size_t n = 0;
	const char *p = list;

	if (*p == '+') {
		for (; n < ndefaults && n < max; n++)
			sel[n] = defaults[n];
		p++;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		int c = column_index(p, len, cols, ncols);
		if (c < 0 || n == max) {
			snprintf(bad, badlen, "%.*s", (int)len, p);
			errno = EINVAL;
			return -1;
		}
		sel[n++] = c;
		p += len;
		if (*p == ',')
			p++;
	}
	if (n == 0) {
		snprintf(bad, badlen, "%s", list);
		errno = EINVAL;
		return -1;
	}
	return (int)n;
}

