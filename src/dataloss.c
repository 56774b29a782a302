/* dataloss.c: the data-loss window in a journal line; see dataloss.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dataloss.h"
#include "xmalloc.h"

/* Minutes as a JSON number or a numeric string, into ms; -1 if not. */
static int64_t
loss_minutes(const json_t *v)
{
	const char *s = json_string_value(v);
	double min;
	char *end;

	if (json_is_number(v))
		min = json_number_value(v);
	else if (s != NULL) {
		min = strtod(s, &end);
		if (end == s || *(end + strspn(end, " \t")) != '\0')
			return -1;
	} else
		return -1;
	if (!(min >= 0 && min < 1e9))
		return -1;
	return (int64_t)(min * 60000 + 0.5);
}

/* A note "data_loss_minutes: 12" (or "=12", or "12"), then any words. */
static int64_t
loss_from_text(const char *text)
{
	size_t n = strlen(DATALOSS_MINUTES);
	const char *p = text + strspn(text, " \t");
	double min;
	char *end;

	if (strncmp(p, DATALOSS_MINUTES, n) != 0)
		return -1;
	p += n;
	p += strspn(p, " \t");
	if (*p == ':' || *p == '=')
		p++;
	min = strtod(p, &end);
	if (end == p || !(min >= 0 && min < 1e9) ||
	    (*end != '\0' && !isspace((unsigned char)*end)))
		return -1;
	return (int64_t)(min * 60000 + 0.5);
}

/* Keeps ms and its origin when ms says something. */
static void
take(int64_t ms, char *why, int64_t *best, char **from)
{
	if (ms < 0) {
		free(why);
		return;
	}
	*best = ms;
	free(*from);
	*from = why;
}

int64_t
dataloss_of_line(const json_t *line, enum js_event ev, int64_t lineno, char **from)
{
	const char *event = json_string_value(json_object_get(line, "event"));
	const char *status = json_string_value(json_object_get(line, "status"));
	const char *text = json_string_value(json_object_get(line, "text"));
	const json_t *v;
	int64_t best = -1;
	long long n = (long long)lineno;

	*from = NULL;
	if (ev == JEV_RUN_START && (v = json_object_get(json_object_get(line, "params"),
	    DATALOSS_MINUTES)) != NULL)
		take(loss_minutes(v), xprintf("parameter %s on line %lld", DATALOSS_MINUTES, n),
		    &best, from);
	if (json_is_integer(v = json_object_get(line, DATALOSS_MS)) && json_integer_value(v) >= 0)
		take(json_integer_value(v), xprintf("%s on line %lld (%s)", DATALOSS_MS, n,
		    event != NULL ? event : "?"), &best, from);
	if ((v = json_object_get(line, DATALOSS_MINUTES)) != NULL)
		take(loss_minutes(v), xprintf("%s on line %lld (%s)", DATALOSS_MINUTES, n,
		    event != NULL ? event : "?"), &best, from);
	if (ev == JEV_STEP_END && status != NULL && strcmp(status, "ok") == 0 &&
	    (v = json_object_get(json_object_get(line, "capture"), DATALOSS_MINUTES)) != NULL)
		take(loss_minutes(v), xprintf("captured by step %s on line %lld",
		    json_string_value(json_object_get(line, "step")) ?
		    json_string_value(json_object_get(line, "step")) : "?", n), &best, from);
	if (ev == JEV_NOTE && text != NULL)
		take(loss_from_text(text), xprintf("note on line %lld", n), &best, from);
	return best;
}
