/*
 * scorecard_criteria.c: a drill's success criteria (cond.h expressions)
 * evaluated over the scorecard's facts; the names they may use are listed
 * in scorecard.h. Split from scorecard.c, which gathers the facts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cond.h"
#include "jsonget.h"
#include "scorecard.h"
#include "scorecard_int.h"
#include "xmalloc.h"

/* --- success criteria --- */

/* The names a criterion can use, and why the others have no value. */
struct names {
	json_t	*vals;		/* name -> its value, a string */
	json_t	*whys;		/* name -> why it has none */
	json_t	*used;		/* what the criterion being evaluated read */
	char	*why;		/* why it cannot be evaluated */
};

static void
name_int(struct names *nm, const char *name, json_t *v, const char *why)
{
	if (json_is_integer(v))
		json_object_set_new(nm->vals, name, json_sprintf("%lld",
		    (long long)json_integer_value(v)));
	else
		json_object_set_new(nm->whys, name, jsonget_new_str(why));
}

/* "true" or "false" from a verdict, or why it is not known yet. */
static void
name_met(struct names *nm, const char *name, json_t *verdict,
    const char *none)
{
	json_t *met = json_object_get(verdict, "met");
	const char *v = jsonget_str(verdict, "verdict");

	if (json_is_boolean(met))
		json_object_set_new(nm->vals, name,
		    json_string(json_is_true(met) ? "true" : "false"));
	else
		json_object_set_new(nm->whys, name, json_string(
		    strcmp(jsonget_or_q(v), "none") == 0 ? none :
		    strcmp(jsonget_or_q(v), "open") == 0 ?
		    "the drill is still running and within the limit so far" :
		    "no run.start in the journal"));
}

static void
name_step(struct names *nm, json_t *s)
{
	const char *id = jsonget_str(s, "id");
	char *key = xprintf("%s.status", id), *why;

	json_object_set(nm->vals, key, json_object_get(s, "status"));
	free(key);
	key = xprintf("%s.duration_ms", id);
	why = xprintf("the step has no recorded duration (it is %s)",
	    jsonget_or_q(jsonget_str(s, "status")));
	name_int(nm, key, json_object_get(s, "duration_ms"), why);
	free(key);
	key = xprintf("%s.total_ms", id);
	name_int(nm, key, json_object_get(s, "total_ms"), why);
	free(why);
	free(key);
}

static void
names_build(struct names *nm, json_t *card, json_t *sorted)
{
	json_t *counts = json_object_get(card, "counts"), *s;
	size_t i;

	nm->vals = json_object();
	nm->whys = json_object();
	name_met(nm, "rto_met", json_object_get(card, "objective"),
	    "the runbook sets no RTO objective");
	name_met(nm, "target_met", json_object_get(card, "target"),
	    "the drill sets no target_rto");
	name_int(nm, "rto_ms", json_object_get(card, "rto_ms"),
	    json_is_integer(json_object_get(card, "elapsed_ms")) ?
	    "the drill has not ended" : "no run.start in the journal");
	name_int(nm, "elapsed_ms", json_object_get(card, "elapsed_ms"),
	    "no run.start in the journal");
	name_int(nm, "steps_failed", json_object_get(counts, "steps_failed"),
	    NULL);
	name_int(nm, "steps_skipped", json_object_get(counts,
	    "steps_skipped"), NULL);
	json_array_foreach(sorted, i, s)
		name_step(nm, s);
}

static char *
names_why(struct names *nm, const char *name)
{
	const char *why = jsonget_str(nm->whys, name),
	    *dot = strrchr(name, '.');

	if (why != NULL)
		return xprintf("%s: %s", name, why);
	if (dot != NULL && (strcmp(dot, ".status") == 0 ||
	    strcmp(dot, ".duration_ms") == 0 || strcmp(dot, ".total_ms") == 0))
		return xprintf("%s: no step '%.*s' in the journal", name,
		    (int)(dot - name), name);
	return xprintf("unknown name '%s'", name);
}

static int
names_lookup(void *arg, const char *name, const char **value)
{
	struct names *nm = arg;
	json_t *v = json_object_get(nm->vals, name);

	if (v != NULL) {
		*value = json_string_value(v);
		json_object_set(nm->used, name, v);
		return 0;
	}
	if (nm->why == NULL)
		nm->why = names_why(nm, name);
	return -1;
}

/* Evaluates one criterion into out's verdict, why and values. */
static void
sc_evaluate(struct names *nm, const char *when, json_t *out)
{
	struct cond *c;
	char *cause = NULL, *why = NULL;
	size_t off;
	int met;

	if ((c = cond_parse(when, &off, &cause)) == NULL) {
		why = xprintf("the expression does not parse at byte %zu: %s",
		    off, cause);
		free(cause);
	} else {
		nm->used = json_object_get(out, "values");
		nm->why = NULL;
		if (cond_eval(c, names_lookup, nm, &met, &cause) != 0) {
			/* Our reason for an unknown name says more than
			 * cond's "unknown name". */
			if (nm->why != NULL) {
				why = nm->why;
				free(cause);
			} else
				why = cause;
		} else
			json_object_set_new(out, "verdict",
			    json_string(met ? "met" : "not met"));
		cond_free(c);
	}
	if (why != NULL)
		json_object_set_new(out, "why", jsonget_new_str(why));
	free(why);
}

static json_t *
sc_criterion(struct names *nm, json_t *crit, size_t i)
{
	const char *name = jsonget_str(crit, "name"),
	    *when = jsonget_str(crit, "when");
	char *fallback = xprintf("criterion %zu", i + 1);
	json_t *out;

	out = json_pack("{s:s, s:o, s:s, s:n, s:{}}", "name",
	    name != NULL ? name : fallback, "when", jsonget_new_str(when),
	    "verdict", "cannot evaluate", "why", "values");
	free(fallback);
	if (when == NULL)
		json_object_set_new(out, "why", json_string("it has no when: "
		    "expression"));
	else
		sc_evaluate(nm, when, out);
	return out;
}

void
scorecard_criteria(json_t *plan, json_t *card, json_t *sorted)
{
	json_t *list = json_object_get(plan, "success_criteria"), *c;
	json_t *out = json_array();
	struct names nm = { 0 };
	int64_t met = 0;
	size_t i;

	names_build(&nm, card, sorted);
	json_array_foreach(list, i, c) {
		json_array_append_new(out, sc_criterion(&nm, c, i));
		met += strcmp(jsonget_str(json_array_get(out, i), "verdict"),
		    "met") == 0;
	}
	json_object_set_new(card, "criteria", out);
	json_object_set_new(card, "criteria_met", json_integer(met));
	json_object_set_new(card, "criteria_total",
	    json_integer((json_int_t)json_array_size(out)));
	json_decref(nm.vals);
	json_decref(nm.whys);
}

