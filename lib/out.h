/* Tables and JSON through libsmartcols, for the tools that print data. */
#ifndef IPCKIT_OUT_H
#define IPCKIT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <libsmartcols.h>   /* out.c only; json.c needs none of it */

struct out {
	struct libscols_table *tb;
	unsigned flags;           /* OUT_* from ipckit.h */
};

/* A column of a tool's table: its name, a line of help and how JSON types it. */
struct out_col {
	const char *name;
	const char *help;
	int json;                 /* SCOLS_JSON_STRING, _NUMBER, _ARRAY_STRING, ... */
	bool right;
};

int out_init(struct out *o, unsigned flags, const char *json_name);
int out_add_columns(struct out *o, const struct out_col *cols, const int *sel, size_t nsel);
struct libscols_line *out_line(struct out *o);
int out_cell(struct out *o, struct libscols_line *ln, size_t col, const char *text);
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
