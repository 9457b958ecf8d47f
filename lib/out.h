/*
 * Tables and JSON for the tools that print data: aligned columns, --raw,
 * --noheadings and --json, in the forms util-linux's tools print (lsipc,
 * lsfd), by a small printer of our own: no libsmartcols to load at start-up.
 */
#ifndef IPCKIT_OUT_H
#define IPCKIT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How --json types a column. */
enum out_json { OUT_STRING, OUT_NUMBER };

/* A column of a tool's table: its name, a line of help and how JSON types it. */
struct out_col {
	const char *name;
	const char *help;
	enum out_json json;
	bool right;               /* right-aligned in a table */
};

struct out_line;              /* a row, as out_line hands it out: opaque */

struct out {
	unsigned flags;           /* OUT_* from ipckit.h */
	const char *name;         /* the JSON document's one key */
	const struct out_col **cols;
	size_t ncols, nrows;
	uint32_t *cells;          /* nrows * ncols: offset + 1 of a cell's text in the arena; 0: empty */
	size_t cells_cap;         /* bytes mapped */
	char *arena;              /* every cell's text, NUL-terminated, one after another */
	size_t used, cap;         /* bytes used, bytes mapped */
};

int out_init(struct out *o, unsigned flags, const char *json_name);
int out_add_columns(struct out *o, const struct out_col *cols, const int *sel, size_t nsel);
/* A new row, its cells empty (null in JSON) until out_cell sets them. */
struct out_line *out_line(struct out *o);
int out_cell(struct out *o, struct out_line *ln, size_t col, const char *text);
/* Writes the table to stdout; -1 with errno if it could not be written whole. */
int out_print(struct out *o);
void out_free(struct out *o);

/*
 * "-o KIND,REF" or "-o +USERS" (add to the defaults): fills sel[] with column
 * indexes; returns how many, or -1 with *bad pointing at the unknown name.
 */
int columns_parse(const char *list, const struct out_col *cols, size_t ncols,
                  const int *defaults, size_t ndefaults, int *sel, size_t max,
                  char *bad, size_t badlen);

#endif
