/*
 * The output layer: every table, --raw, --noheadings and --json. It prints
 * what util-linux's libsmartcols prints for the same table (not on a
 * terminal), byte for byte, without loading it: a table is every cell kept
 * once, in one arena, and written in one pass after the widths are known.
 *
 * The tools never call setlocale, so text is taken in the C locale, as
 * libsmartcols took it: a table shows a control byte, a byte past ASCII and a
 * backslash that starts "\x" as \xHH, and every other byte is one column wide.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "ipckit.h"
#include "out.h"

/*
 * The cells and the arena grow by doubling in mappings of their own, which
 * mremap moves without copying: a big table touches each page once.
 */
static int grow(void **p, size_t *cap, size_t need)
{
	size_t cap2 = *cap ? *cap : 65536;
	void *q;

	while (cap2 < need) {
		if (cap2 > SIZE_MAX / 4) {
			errno = ENOMEM;
			return -1;
		}
		cap2 *= 2;
	}
	if (cap2 == *cap)
		return 0;
	q = *p ? mremap(*p, *cap, cap2, MREMAP_MAYMOVE)
	       : mmap(NULL, cap2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return -1;
	*p = q;
	*cap = cap2;
	return 0;
}

int out_init(struct out *o, unsigned flags, const char *json_name)
{
	memset(o, 0, sizeof(*o));
	o->flags = flags;
	o->name = json_name ? json_name : "";
	return 0;
}

int out_add_columns(struct out *o, const struct out_col *cols, const int *sel, size_t nsel)
{
	const struct out_col **v;

	if (o->nrows) {
		errno = EINVAL;   /* the rows are already sized */
		return -1;
	}
	if ((v = reallocarray(o->cols, o->ncols + nsel, sizeof(*v))) == NULL)
		return -1;
	o->cols = v;
	for (size_t i = 0; i < nsel; i++)
		v[o->ncols++] = &cols[sel[i]];
	return 0;
}

/* A row is handed out as its number + 1: the cells may move as the table grows. */
struct out_line *out_line(struct out *o)
{
	size_t need = (o->nrows + 1) * o->ncols * sizeof(uint32_t);

	if (need > o->cells_cap && grow((void **)&o->cells, &o->cells_cap, need) == -1)
		return NULL;
	o->nrows++;
	return (struct out_line *)(uintptr_t)o->nrows;   /* fresh pages: its cells are 0, empty */
}

static uint32_t *row_cells(const struct out *o, size_t row)
{
	return o->cells + row * o->ncols;
}

/* Room for n more bytes in the arena, whose offsets must fit 32 bits. */
static char *arena_room(struct out *o, size_t n)
{
	if (n >= UINT32_MAX - o->used) {
		errno = ENOMEM;
		return NULL;
	}
	if (o->used + n > o->cap && grow((void **)&o->arena, &o->cap, o->used + n) == -1)
		return NULL;
	return o->arena + o->used;
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* A table cell: control bytes, bytes past ASCII and a backslash before 'x' as \xHH. */
static bool table_unsafe(const unsigned char *p)
{
	return is_ctl(*p) || *p >= 0x80 || (*p == '\\' && p[1] == 'x');
}

/* A --raw cell: as a table cell, and blanks and every backslash too (one word per cell). */
static bool raw_unsafe(const unsigned char *p)
{
	return *p <= ' ' || *p >= 0x7f || *p == '\\';
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

/* Copies text into the arena in the form its mode prints; returns its offset. */
static int store(struct out *o, const char *text, size_t *off)
{
	const unsigned char *p = (const unsigned char *)text;
	bool raw = o->flags & OUT_RAW, json = o->flags & OUT_JSON;
	size_t n = 0, len = strlen(text);
	char *d;

	if (!json)
		for (size_t i = 0; i < len; i++)
			n += (raw ? raw_unsafe(p + i) : table_unsafe(p + i)) ? 4 : 1;
	else
		n = len;
	if ((d = arena_room(o, n + 1)) == NULL)
		return -1;
	*off = o->used;
	if (n == len) {
		memcpy(d, text, len + 1);
	} else {
		static const char hex[] = "0123456789abcdef";
		for (size_t i = 0; i < len; i++) {
			if (raw ? raw_unsafe(p + i) : table_unsafe(p + i)) {
				*d++ = '\\';
				*d++ = 'x';
				*d++ = hex[p[i] >> 4];
				*d++ = hex[p[i] & 15];
			} else {
				*d++ = (char)p[i];
			}
		}
		*d = '\0';
	}
	o->used += n + 1;
	return 0;
}

/*
 * Tables and --raw show unsafe bytes as \xHH. JSON: every cell goes out in the
 * form of esc(), so the document is valid UTF-8 and a name reads back as
 * ipc-rm takes it.
 */
int out_cell(struct out *o, struct out_line *ln, size_t col, const char *text)
{
	char buf[1024];
	char *big = NULL;
	size_t off;
	int r;

	size_t row = (size_t)(uintptr_t)ln;

	if (text == NULL || col >= o->ncols || row == 0 || row > o->nrows)
		return 0;   /* empty in a table, null in JSON */
	if ((o->flags & OUT_JSON) && needs_esc(text)) {
		if (4 * strlen(text) + 8 <= sizeof(buf))
			text = esc(text, buf, sizeof(buf));
		else if ((text = big = esc_alloc(text)) == NULL)
			return -1;
	}
	r = store(o, text, &off);
	if (r == 0)
		row_cells(o, row - 1)[col] = (uint32_t)off + 1;
	free(big);
	return r;
}

static const char *cell_text(const struct out *o, size_t row, size_t col)
{
	uint32_t off = row_cells(o, row)[col];

	return off ? o->arena + off - 1 : NULL;
}

static void put_spaces(FILE *f, size_t n)
{
	static const char sp[] = "                                                                ";

	for (; n > sizeof(sp) - 1; n -= sizeof(sp) - 1)
		fwrite(sp, 1, sizeof(sp) - 1, f);
	fwrite(sp, 1, n, f);
}

/* A header cell in its table form. */
static const char *head_text(const struct out *o, size_t col, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)o->cols[col]->name;
	size_t w = 0;
	bool raw = o->flags & OUT_RAW;

	for (; *p && w + 5 < len; p++) {
		if (raw ? raw_unsafe(p) : table_unsafe(p))
			w += (size_t)snprintf(buf + w, len - w, "\\x%02x", *p);
		else
			buf[w++] = (char)*p;
	}
	buf[w] = '\0';
	return buf;
}

/* One line of a table: cells padded to their widths, one space apart, the last one unpadded. */
static void table_row(const struct out *o, FILE *f, const char *const *text, const size_t *width)
{
	for (size_t c = 0; c < o->ncols; c++) {
		bool last = c + 1 == o->ncols;
		size_t n = text[c] ? strlen(text[c]) : 0;
		if (text[c] == NULL || n == 0) {
			if (!last) {
				put_spaces(f, width[c]);
				fputc(' ', f);
			}
			continue;
		}
		if (o->cols[c]->right)
			put_spaces(f, width[c] - n);
		fwrite(text[c], 1, n, f);
		if (!last) {
			if (!o->cols[c]->right)
				put_spaces(f, width[c] - n);
			fputc(' ', f);
		}
	}
	fputc('\n', f);
}

static int print_table(const struct out *o, FILE *f)
{
	size_t *width = calloc(o->ncols, sizeof(*width));
	const char **text = calloc(o->ncols, sizeof(*text));
	char (*head)[128] = calloc(o->ncols, sizeof(*head));
	bool heads = !(o->flags & OUT_NOHEADINGS), raw = o->flags & OUT_RAW;

	if (width == NULL || text == NULL || head == NULL) {
		free(width);
		free(text);
		free(head);
		return -1;
	}
	for (size_t c = 0; c < o->ncols; c++) {
		head_text(o, c, head[c], sizeof(head[c]));
		if (!raw)
			width[c] = strlen(head[c]);   /* with --noheadings too */
	}
	for (size_t r = 0; r < o->nrows && !raw; r++)
		for (size_t c = 0; c < o->ncols; c++) {
			const char *t = cell_text(o, r, c);
			size_t n = t ? strlen(t) : 0;
			if (n > width[c])
				width[c] = n;
		}
	for (size_t r = 0; r <= o->nrows; r++) {
		if (r == 0 && !heads)
			continue;
		for (size_t c = 0; c < o->ncols; c++)
			text[c] = r == 0 ? head[c] : cell_text(o, r - 1, c);
		if (raw) {
			for (size_t c = 0; c < o->ncols; c++) {
				if (text[c])
					fputs(text[c], f);
				if (c + 1 < o->ncols)
					fputc(' ', f);
			}
			fputc('\n', f);
		} else {
			table_row(o, f, text, width);
		}
	}
	free(width);
	free(text);
	free(head);
	return 0;
}

/* A JSON string as libsmartcols quotes one: '"' and '\' escaped, control bytes as \b \f \n \r \t \u00XX. */
static void json_quoted(FILE *f, const char *s, bool lower)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc((int)c, f);
		} else if (c >= 0x20) {
			fputc(lower && c >= 'A' && c <= 'Z' ? (int)(c | 0x20) : (int)c, f);
		} else {
			switch (c) {
			case '\b': fputs("\\b", f); break;
			case '\f': fputs("\\f", f); break;
			case '\n': fputs("\\n", f); break;
			case '\r': fputs("\\r", f); break;
			case '\t': fputs("\\t", f); break;
			default: fprintf(f, "\\u00%02x", c); break;
			}
		}
	}
	fputc('"', f);
}

/* { "NAME": [ {row}, ... ] } with three-space indents, as util-linux's tools print it. */
static int print_json(const struct out *o, FILE *f)
{
	fputs("{\n   ", f);
	json_quoted(f, o->name, true);
	fputs(": [", f);
	for (size_t r = 0; r < o->nrows; r++) {
		fputs(r == 0 ? "\n      {" : "},{", f);
		for (size_t c = 0; c < o->ncols; c++) {
			const char *t = cell_text(o, r, c);
			fputs("\n         ", f);
			json_quoted(f, o->cols[c]->name, true);
			fputs(": ", f);
			if (t == NULL || *t == '\0')
				fputs("null", f);
			else if (o->cols[c]->json == OUT_NUMBER)
				fputs(t, f);
			else
				json_quoted(f, t, false);
			if (c + 1 < o->ncols)
				fputc(',', f);
		}
		fputs("\n      ", f);
	}
	fputs(o->nrows ? "}\n   ]\n}\n" : "\n\n   ]\n}\n", f);
	return 0;
}

int out_print(struct out *o)
{
	if (o->ncols == 0)
		return 0;
	if (o->flags & OUT_JSON)
		print_json(o, stdout);
	else if (o->nrows > 0 && print_table(o, stdout) == -1)
		return -1;
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
}

void out_free(struct out *o)
{
	if (o->cells)
		munmap(o->cells, o->cells_cap);
	if (o->arena)
		munmap(o->arena, o->cap);
	free(o->cols);
	memset(o, 0, sizeof(*o));
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
