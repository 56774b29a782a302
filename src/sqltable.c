/* sqltable.c: owns the text form of a query result: aligned columns as
 * psql prints them, wide cells cut with "…" so a line fits, numbers
 * right-aligned, and a cap on the rows shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "sqltable.h"
#include "strbuf.h"
#include "termsafe.h"
#include "xmalloc.h"

#define SQLTABLE_LINE_MAX	200	/* widest table line, in columns */
#define SQLTABLE_CELL_MIN	8	/* a column is never squeezed below this */
#define SQLTABLE_SHOW_ROWS	500	/* rows printed per result */

/* Columns a UTF-8 string takes on a terminal: a CJK character two. */
static size_t
utf8_width(const char *p)
{
	return termsafe_columns(p, strlen(p));
}

static int
sqltable_is_number(Oid type)
{
	switch (type) {
	case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID:
	case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC:
		return 1;
	default:
		return 0;
	}
}

/* A cell's text: the column name when row is -1, "null" for SQL NULL. */
const char *
sqltable_cell(const PGresult *r, int row, int col)
{
	if (row < 0)
		return PQfname(r, col);
	return PQgetisnull(r, row, col) ? "null" : PQgetvalue(r, row, col);
}

/* Narrows the widest columns until a line fits in SQLTABLE_LINE_MAX; the
 * rule under the names is the longest, at 3 columns of frame per column
 * less one. */
static void
table_fit(size_t *w, int ncol)
{
	size_t	cap, total;
	int	c;

	for (cap = SQLTABLE_LINE_MAX; cap > SQLTABLE_CELL_MIN; cap--) {
		total = 3 * (size_t)ncol - 1;
		for (c = 0; c < ncol; c++)
			total += w[c] < cap ? w[c] : cap;
		if (total <= SQLTABLE_LINE_MAX)
			break;
	}
	for (c = 0; c < ncol; c++) {
		if (w[c] > cap)
			w[c] = cap;
	}
}

/* Appends v in a column w wide, cut with "…"; line breaks become spaces. */
static void
table_cell(struct strbuf *b, const char *v, size_t w, int right, int pad)
{
	size_t	n = utf8_width(v), len = strlen(v), fill, i;
	int	cut = n > w;

	if (cut) {
		len = termsafe_fit(v, w - 1);
		n = termsafe_columns(v, len) + 1;
	}
	fill = w - n;
	if (right)
		strbuf_addf(b, "%*s", (int)fill, "");
	for (i = 0; i < len; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			strbuf_addch(b, ' ');
		else
			strbuf_addch(b, v[i]);
	}
	if (cut)
		strbuf_adds(b, "…");
	if (!right && pad)
		strbuf_addf(b, "%*s", (int)fill, "");
}

/* One line: the column names when row is -1. */
static void
table_row(struct strbuf *b, const PGresult *r, int row, const size_t *w)
{
	int	c, ncol = PQnfields(r);

	for (c = 0; c < ncol; c++) {
		strbuf_adds(b, c == 0 ? " " : " | ");
		table_cell(b, sqltable_cell(r, row, c), w[c],
		    row >= 0 && sqltable_is_number(PQftype(r, c)), c < ncol - 1);
	}
	strbuf_addch(b, '\n');
}

/* The result as psql shows it: names, a rule, rows, then the count. */
char *
sqltable_format(const PGresult *r)
{
	int		 ncol = PQnfields(r), nrow = PQntuples(r), row, col;
	int		 shown = nrow < SQLTABLE_SHOW_ROWS ? nrow : SQLTABLE_SHOW_ROWS;
	size_t		*w, n;
	struct strbuf	 b;

	strbuf_init(&b);
	if (ncol > 0) {
		w = xcalloc((size_t)ncol, sizeof *w);
		for (col = 0; col < ncol; col++) {
			for (row = -1; row < shown; row++) {
				n = utf8_width(sqltable_cell(r, row, col));
				w[col] = n > w[col] ? n : w[col];
			}
		}
		table_fit(w, ncol);
		table_row(&b, r, -1, w);
		for (col = 0; col < ncol; col++) {
			for (n = 0; n < w[col] + 2; n++)
				strbuf_addch(&b, '-');
			strbuf_addch(&b, col < ncol - 1 ? '+' : '\n');
		}
		for (row = 0; row < shown; row++)
			table_row(&b, r, row, w);
		free(w);
	}
	if (shown < nrow)
		strbuf_addf(&b, "… %d more rows not shown\n", nrow - shown);
	strbuf_addf(&b, "(%d row%s)\n", nrow, nrow == 1 ? "" : "s");
	return strbuf_detach(&b);
}
