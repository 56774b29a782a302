/* sqltable.h: a query result as text for people, the way psql shows it:
 * column names, a rule, the rows in aligned columns, then the row count. */
#ifndef DRC_SQLTABLE_H
#define DRC_SQLTABLE_H

#include <libpq-fe.h>

/* Type OIDs from PostgreSQL's pg_type.dat, fixed since long ago: numbers are
 * right-aligned in tables and become JSON numbers in evidence. */
#define OID_INT8		20
#define OID_INT2		21
#define OID_INT4		23
#define OID_OID			26
#define OID_FLOAT4		700
#define OID_FLOAT8		701
#define OID_NUMERIC		1700

/* The text of a cell: the column name when row is -1, "null" for SQL NULL.
 * Points into r. */
const char *sqltable_cell(const PGresult *r, int row, int col);
/* r as an aligned text table ending in "(N rows)\n"; lines fit in 200
 * columns, at most 500 rows are shown. Allocated. */
char *sqltable_format(const PGresult *r);

#endif
