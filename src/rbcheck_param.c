/* rbcheck_param.c: whether a value fits its param (type, choices, pattern,
 * a secret's shape). One rule for lint, the params form, line mode's
 * prompts, --param, input steps and resume: all call rbcheck_param_value. */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "mask.h"
#include "rbcheck.h"
#include "xmalloc.h"

/* An optional sign and digits, nothing else: strtoll alone would take
 * leading white space, and a newline in an "int" is a command break. */
static int
parse_int_value(const char *s)
{
	char *end;

	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	(void)strtoll(s, &end, 10);
	return *end == '\0' && errno == 0 ? 0 : -1;
}

static char *
check_pattern(const struct param *p, const char *v)
{
	regex_t re;
	int rc;

	if (p->pattern.s == NULL || regcomp(&re, p->pattern.s, REG_EXTENDED | REG_NOSUB) != 0)
		return NULL;	/* lint reports a pattern that does not compile */
	rc = regexec(&re, v, 0, NULL, 0);
	regfree(&re);
	if (rc == 0 && strlen(v) == strcspn(v, "\n"))
		return NULL;
	return p->type == PARAM_SECRET ? xprintf("the value of '%s' does not match its pattern %s",
	    p->name, p->pattern.s) : xprintf("'%s' does not match the pattern %s of '%s'", v,
	    p->pattern.s, p->name);
}

/* A list holds one item a line; each must match the pattern on its own. */
static char *
check_list_items(const struct param *p, const char *v)
{
	char *copy = xstrdup(v), *save = NULL, *why = NULL;

	for (char *item = strtok_r(copy, "\n", &save); item != NULL && why == NULL;
	    item = strtok_r(NULL, "\n", &save))
		why = check_pattern(p, item);
	free(copy);
	return why;
}

char *
rbcheck_param_value(const struct param *p, const char *v)
{
	int64_t ms;
	char *why;

	if (p->type == PARAM_LIST)
		return check_list_items(p, v);
	if ((why = check_pattern(p, v)) != NULL)
		return why;
	switch (p->type) {
	case PARAM_CHOICE:
		for (int i = 0; i < p->nchoices; i++) {
			if (strcmp(p->choices[i], v) == 0)
				return NULL;
		}
		return xprintf("'%s' is not one of the choices for '%s'", v, p->name);
	case PARAM_TIMESTAMP:
		if (clock_parse_timestamp(v, &ms) != 0)
			return xprintf("'%s' is not a timestamp for '%s' (like 2026-11-23T14:05:00Z)", v, p->name);
		return NULL;
	case PARAM_INT:
		if (parse_int_value(v) != 0)
			return xprintf("'%s' is not a whole number for '%s'", v, p->name);
		return NULL;
	case PARAM_BOOL:
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return xprintf("'%s' must be true or false for '%s'", v, p->name);
		return NULL;
	case PARAM_SECRET:
		return mask_check_secret(p->name, v);
	default:
		return NULL;
	}
}
