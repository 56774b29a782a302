/* sqlexpect.c: parsing and evaluating a sql step's expect clause. */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "sqlexpect.h"
#include "xmalloc.h"

static const struct {
	const char *text;
	enum sqlexpect_op op;
} ops[] = {
	{ ">=", SQLX_GE }, { "<=", SQLX_LE }, { "!=", SQLX_NE }, { "==", SQLX_EQ },
	{ ">", SQLX_GT }, { "<", SQLX_LT }, { "=", SQLX_EQ }, { "~", SQLX_MATCH },
};

static const char *
skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static int
parse_number(const char *s, double *out)
{
	char *end;

	if (*s == '\0')
		return -1;
	*out = strtod(s, &end);
	return *skip_ws(end) == '\0' ? 0 : -1;
}

int
sqlexpect_parse(const char *s, struct sqlexpect *x, char **cause)
{
	size_t i, n;
	regex_t re;

	memset(x, 0, sizeof *x);
	s = skip_ws(s);
	if (strncmp(s, "rows", 4) == 0 && !isalnum((unsigned char)s[4])) {
		x->subject = SQLX_ROWS;
		s = skip_ws(s + 4);
	}
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (strncmp(s, ops[i].text, strlen(ops[i].text)) == 0)
			break;
	}
	if (i == sizeof ops / sizeof ops[0]) {
		*cause = xprintf("expect '%s' must start with a comparison (>, >=, <, <=, =, !=) "
		    "or ~ regex, optionally after 'rows'", s);
		return -1;
	}
	x->op = ops[i].op;
	s = skip_ws(s + strlen(ops[i].text));
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	x->value = xstrndup(s, n);
	x->numeric = parse_number(x->value, &x->number) == 0;
	if (x->op == SQLX_MATCH) {
		if (regcomp(&re, x->value, REG_EXTENDED | REG_NOSUB) != 0) {
			*cause = xprintf("expect '~ %s' is not a valid regular expression", x->value);
			return -1;
		}
		regfree(&re);
	} else if (x->subject == SQLX_ROWS && !x->numeric) {
		*cause = xprintf("expect 'rows' must be compared with a number, not '%s'", x->value);
		return -1;
	} else if (x->value[0] == '\0') {
		*cause = xstrdup("expect needs a value after the comparison");
		return -1;
	}
	return 0;
}

static int
compare(enum sqlexpect_op op, int c)
{
	switch (op) {
	case SQLX_EQ: return c == 0;
	case SQLX_NE: return c != 0;
	case SQLX_LT: return c < 0;
	case SQLX_LE: return c <= 0;
	case SQLX_GT: return c > 0;
	case SQLX_GE: return c >= 0;
	default: return 0;
	}
}

int
sqlexpect_eval(const struct sqlexpect *x, long rows, const char *cell, char **why)
{
	double v;
	int c, ok;
	regex_t re;

	if (x->subject == SQLX_ROWS) {
		c = (double)rows < x->number ? -1 : (double)rows > x->number;
		*why = xprintf("%ld rows", rows);
		return compare(x->op, c);
	}
	if (cell == NULL) {
		*why = xstrdup("no rows, so no value to check");
		return 0;
	}
	*why = xprintf("value '%s'", cell);
	if (x->op == SQLX_MATCH) {
		if (regcomp(&re, x->value, REG_EXTENDED | REG_NOSUB) != 0)
			return 0;
		ok = regexec(&re, cell, 0, NULL, 0) == 0;
		regfree(&re);
		return ok;
	}
	if (x->numeric && parse_number(cell, &v) == 0)
		c = v < x->number ? -1 : v > x->number;
	else
		c = strcmp(cell, x->value);
	return compare(x->op, c);
}

void
sqlexpect_free(struct sqlexpect *x)
{
	free(x->value);
	x->value = NULL;
}
