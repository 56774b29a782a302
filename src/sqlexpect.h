/* sqlexpect.h: the small language of a sql step's `expect`:
 *   "> 0"  "= 42"  "!= 0"  "rows >= 1"  "= ok"  "~ ^[0-9]+$"
 * A comparison is against the first cell of the first row unless it starts
 * with "rows", which compares the row count; "~" matches a regex. */
#ifndef DRC_SQLEXPECT_H
#define DRC_SQLEXPECT_H

enum sqlexpect_subject {
	SQLX_CELL,
	SQLX_ROWS,
};

enum sqlexpect_op {
	SQLX_EQ,
	SQLX_NE,
	SQLX_LT,
	SQLX_LE,
	SQLX_GT,
	SQLX_GE,
	SQLX_MATCH,
};

struct sqlexpect {
	enum sqlexpect_subject subject;
	enum sqlexpect_op op;
	char *value;
	double number;
	int numeric;
};

int sqlexpect_parse(const char *s, struct sqlexpect *x, char **cause);
/* 1 when the result meets x, 0 when not; *why (allocated) says what was seen. */
int sqlexpect_eval(const struct sqlexpect *x, long rows, const char *first_cell, char **why);
void sqlexpect_free(struct sqlexpect *x);

#endif
