/*
 * scorecard.c: the drill scorecard; see scorecard.h. One pass over the
 * journal collects each step's facts and the deviations, which only the
 * order of events shows (a step started after a later one had ended).
 * Verdicts, rankings and criteria then follow from those facts alone, so
 * the report and the terminal show the same numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "cond.h"
#include "duration.h"
#include "jsonget.h"
#include "report.h"
#include "scorecard.h"
#include "strbuf.h"
#include "xmalloc.h"

#define NO_TIME JSONGET_NO_TIME
#define DUR_LEN 32
/* The reason engine_mark_done journals for a step done by hand. */
#define MARKED_DONE "marked done by the operator"
/* How the engine words a skip the runbook itself decided (a false
 * `when:`, a step a drill skips, a dry run): planned, so no deviation. */
static const char *planned_skips[] = {
	"condition is false: ", "drill: ", "dry run: ",
};
#define SLOWEST 3

/* What the pass over the journal collects. */
struct sc {
	json_t		*byid;		/* step id -> its facts */
	json_t		*steps;		/* the facts, in order of first sight */
	json_t		*deviations;
	json_t		*first;		/* the first run.start */
	json_t		*drill;		/* the first run.start's drill object */
	const char	*outcome;	/* the last run.end's status */
	size_t		 line;		/* 1-based line being read */
	size_t		 open_line;	/* the last run.start or run.resume */
	size_t		 end_line;	/* the last run.end */
	int64_t		 first_ms;
	int64_t		 end_ms;
	int64_t		 rto_ms;	/* the runbook's objective, 0 if none */
	int64_t		 max_ended;	/* highest index of a step that ended */
	const char	*max_ended_id;
};

typedef void (*sc_fn)(struct sc *, json_t *);

static void
dur(int64_t ms, char buf[DUR_LEN])
{
	if (ms == 0)
		snprintf(buf, DUR_LEN, "0s");
	else
		duration_format(ms < 0 ? -ms : ms, buf, DUR_LEN);
}

/* "3. restore", or the id alone without an index. */
static char *
step_label(json_t *s)
{
	int64_t index = jsonget_int(s, "index", 0);

	if (index > 0)
		return xprintf("%lld. %s", (long long)index,
		    jsonget_or_q(jsonget_str(s, "id")));
	return xstrdup(jsonget_or_q(jsonget_str(s, "id")));
}

/* --- the pass over the journal --- */

/* The facts of the step a line is about, made on first sight. */
static json_t *
sc_step(struct sc *sc, json_t *ev)
{
	const char *id = jsonget_str(ev, "step");
	int64_t index = jsonget_int(ev, "index", 0);
	json_t *s;

	if (id == NULL)
		return NULL;
	if ((s = json_object_get(sc->byid, id)) == NULL) {
		s = json_pack("{s:o, s:s, s:s, s:i, s:n, s:n, s:i, s:[], s:n, "
		    "s:n, s:n, s:n, s:[], s:b, s:I}",
		    "index", jsonget_new_int(index, 0), "id", id,
		    "status", "pending", "attempts", 0, "duration_ms",
		    "expected_ms", "retries", 0, "retry_reasons", "rollback",
		    "reason", "note", "was", "decisions", "out_of_order", 0,
		    "seen", (json_int_t)json_array_size(sc->steps));
		json_array_append_new(sc->steps, s);
		json_object_set(sc->byid, id, s);
	} else if (index > 0 && !json_is_integer(json_object_get(s, "index")))
		json_object_set_new(s, "index", json_integer(index));
	return s;
}

static void
sc_attempts(json_t *s, int64_t attempt)
{
	if (attempt > jsonget_int(s, "attempts", 0))
		json_object_set_new(s, "attempts", json_integer(attempt));
}

static void
sc_deviation(struct sc *sc, const char *kind, json_t *s, char *text)
{
	json_array_append_new(sc->deviations, json_pack("{s:s, s:O, s:O, s:s}",
	    "kind", kind, "step", json_object_get(s, "id"), "index",
	    json_object_get(s, "index"), "text", text));
	free(text);
}

/* A step begun after a later one had ended left the runbook's order. */
static void
sc_check_order(struct sc *sc, json_t *s, json_t *ev)
{
	int64_t index = jsonget_int(ev, "index", 0);
	char *label;

	if (index <= 0 || index >= sc->max_ended ||
	    json_is_true(json_object_get(s, "out_of_order")))
		return;
	json_object_set_new(s, "out_of_order", json_true());
	label = step_label(s);
	sc_deviation(sc, "out of order", s, xprintf("%s started after %lld. %s "
	    "had ended", label, (long long)sc->max_ended,
	    jsonget_or_q(sc->max_ended_id)));
	free(label);
}

static void
on_run_start(struct sc *sc, json_t *ev)
{
	/* The engine journals the plan as drill_plan ("drill" is true on
	 * every line of a drill); "drill" as an object is read too. */
	json_t *drill = json_object_get(ev, "drill_plan");

	if (!json_is_object(drill))
		drill = json_object_get(ev, "drill");

	sc->open_line = sc->line;
	if (sc->first == NULL) {
		sc->first = ev;
		sc->first_ms = jsonget_ts(ev);
	}
	if (sc->rto_ms <= 0)
		sc->rto_ms = jsonget_int(json_object_get(ev, "objectives"),
		    "rto_ms", 0);
	if (sc->drill == NULL && json_is_object(drill))
		sc->drill = drill;
}

static void
on_run_resume(struct sc *sc, json_t *ev)
{
	(void)ev;
	sc->open_line = sc->line;
}

static void
on_run_end(struct sc *sc, json_t *ev)
{
	sc->end_line = sc->line;
	sc->end_ms = jsonget_ts(ev);
	sc->outcome = jsonget_str(ev, "status");
}

static void
on_step_confirm(struct sc *sc, json_t *ev)
{
	json_t *s = sc_step(sc, ev);

	if (s != NULL)
		sc_check_order(sc, s, ev);
}

static void
on_step_start(struct sc *sc, json_t *ev)
{
	json_t *s = sc_step(sc, ev), *expected;

	if (s == NULL)
		return;
	/* Until its step.end, a started step is unfinished. */
	json_object_set_new(s, "status", json_string("interrupted"));
	sc_attempts(s, jsonget_int(ev, "attempt", 1));
	expected = json_object_get(ev, "expected_duration_ms");
	if (json_is_integer(expected) && json_integer_value(expected) > 0)
		json_object_set(s, "expected_ms", expected);
	sc_check_order(sc, s, ev);
}

static void
sc_copy(json_t *s, json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	json_object_set(s, key, v != NULL ? v : json_null());
}

static int
skip_planned(const char *reason)
{
	for (size_t i = 0; i < sizeof planned_skips / sizeof planned_skips[0];
	    i++) {
		if (strncmp(reason, planned_skips[i],
		    strlen(planned_skips[i])) == 0)
			return 1;
	}
	return 0;
}

/* Overrides and skips: where an operator, not the runbook, decided. */
static void
sc_end_deviation(struct sc *sc, json_t *s, json_t *ev)
{
	const char *status = jsonget_or_q(jsonget_str(ev, "status")), *reason;
	const char *note = jsonget_str(ev, "note");
	char *label = step_label(s);

	reason = jsonget_str(ev, "reason") != NULL ?
	    jsonget_str(ev, "reason") : "";
	if (strcmp(reason, MARKED_DONE) == 0)
		sc_deviation(sc, "override", s, xprintf("%s marked done by hand"
		    "%s%s", label, note != NULL ? ": " : "", note ? note : ""));
	else if (strcmp(jsonget_or_q(jsonget_str(ev, "was")),
	    "interrupted") == 0)
		sc_deviation(sc, "override", s, xprintf("%s was interrupted; the "
		    "operator set it to %s%s%s", label, status,
		    *reason != '\0' ? ": " : "", reason));
	else if (strcmp(status, "skipped") == 0 && !skip_planned(reason))
		sc_deviation(sc, "skip", s, xprintf("%s skipped%s%s", label,
		    *reason != '\0' ? ": " : "", reason));
	free(label);
}

static void
on_step_end(struct sc *sc, json_t *ev)
{
	json_t *s = sc_step(sc, ev);
	int64_t d = jsonget_int(ev, "duration_ms", -1), index;

	if (s == NULL)
		return;
	json_object_set_new(s, "status",
	    jsonget_new_str(jsonget_str(ev, "status")));
	if (d >= 0)
		json_object_set_new(s, "duration_ms", json_integer(d +
		    jsonget_int(s, "duration_ms", 0)));
	sc_attempts(s,
	    jsonget_int(ev, "attempt", jsonget_str(ev, "attested_by") ? 1 : 0));
	sc_copy(s, ev, "reason");
	sc_copy(s, ev, "was");
	if (jsonget_str(ev, "note") != NULL)
		sc_copy(s, ev, "note");
	sc_end_deviation(sc, s, ev);
	if ((index = jsonget_int(s, "index", 0)) > sc->max_ended) {
		sc->max_ended = index;
		sc->max_ended_id = jsonget_str(s, "id");
	}
}

static void
on_step_retry(struct sc *sc, json_t *ev)
{
	json_t *s = sc_step(sc, ev), *reasons, *r;
	const char *reason = jsonget_str(ev, "reason");
	size_t i;

	if (s == NULL)
		return;
	json_object_set_new(s, "retries",
	    json_integer(jsonget_int(s, "retries", 0) + 1));
	reasons = json_object_get(s, "retry_reasons");
	json_array_foreach(reasons, i, r) {
		if (reason != NULL && strcmp(json_string_value(r), reason) == 0)
			return;
	}
	if (reason != NULL && *reason != '\0')
		json_array_append_new(reasons, json_string(reason));
}

static void
on_step_rollback(struct sc *sc, json_t *ev)
{
	json_t *s = sc_step(sc, ev);

	if (s == NULL)
		return;
	/* A rollback without its end never finished. */
	json_object_set_new(s, "rollback",
	    strcmp(jsonget_or_q(jsonget_str(ev, "phase")), "start") == 0 ?
	    json_string("interrupted") :
	    jsonget_new_str(jsonget_str(ev, "status")));
}

static void
on_decision(struct sc *sc, json_t *ev)
{
	json_t *s = sc_step(sc, ev);

	if (s != NULL && jsonget_str(ev, "decision") != NULL)
		json_array_append_new(json_object_get(s, "decisions"),
		    json_string(jsonget_str(ev, "decision")));
}

static const struct {
	const char	*event;
	sc_fn		 fn;
} sc_table[] = {
	{ "run.start", on_run_start },
	{ "run.resume", on_run_resume },
	{ "run.end", on_run_end },
	{ "step.confirm", on_step_confirm },
	{ "step.start", on_step_start },
	{ "step.end", on_step_end },
	{ "step.retry", on_step_retry },
	{ "step.rollback", on_step_rollback },
	{ "decision", on_decision },
};

static void
sc_event(struct sc *sc, json_t *ev)
{
	const char *event = jsonget_str(ev, "event");

	for (size_t i = 0; event != NULL &&
	    i < sizeof sc_table / sizeof sc_table[0]; i++) {
		if (strcmp(event, sc_table[i].event) == 0)
			sc_table[i].fn(sc, ev);
	}
}

/* --- RTO --- */

static json_t *
verdict_new(int64_t limit, const char *verdict, json_t *met, json_t *margin,
    char *text)
{
	json_t *v = json_pack("{s:o, s:s, s:o, s:o, s:s}", "limit_ms",
	    jsonget_new_int(limit, 0), "verdict", verdict, "met", met,
	    "margin_ms", margin, "text", text);

	free(text);
	return v;
}

/* A limit (the objective or the drill's target) against the time taken,
 * which is NO_TIME without a run.start. */
static json_t *
sc_verdict(int64_t limit, int64_t elapsed, int closed, const char *outcome)
{
	char took[DUR_LEN], by[DUR_LEN];
	int64_t margin;

	if (limit <= 0)
		return verdict_new(0, "none", json_null(), json_null(),
		    xstrdup("not set"));
	if (elapsed == NO_TIME)
		return verdict_new(limit, "unknown", json_null(), json_null(),
		    xstrdup("unknown: no run.start in the journal"));
	margin = limit - elapsed;
	dur(elapsed, took);
	dur(margin, by);
	if (closed && strcmp(jsonget_or_q(outcome), "completed") != 0)
		return verdict_new(limit, "not met", json_false(),
		    json_integer(margin), xprintf("not met: the drill ended %s "
		    "after %s", jsonget_or_q(outcome), took));
	if (margin < 0)
		return verdict_new(limit, "not met", json_false(),
		    json_integer(margin), xprintf("not met: over by %s (%s%s)",
		    by, closed ? "" : "still running after ", took));
	if (!closed)
		return verdict_new(limit, "open", json_null(),
		    json_integer(margin), xprintf("open: %s so far, %s left",
		    took, by));
	return verdict_new(limit, "met", json_true(), json_integer(margin),
	    xprintf("met: %s, %s to spare", took, by));
}

/* Times, outcome and both verdicts; an open run is measured to now. */
static void
sc_finish_rto(struct sc *sc, json_t *card)
{
	int closed = sc->end_line > sc->open_line && sc->end_ms != NO_TIME;
	int64_t elapsed = NO_TIME,
	    target = jsonget_int(sc->drill, "target_rto_ms", 0);
	char ts[CLOCK_RFC3339_LEN];

	json_object_set_new(card, "still_open", json_boolean(!closed));
	json_object_set_new(card, "outcome",
	    jsonget_new_str(closed ? sc->outcome : NULL));
	if (closed) {
		clock_format_rfc3339(sc->end_ms, ts);
		json_object_set_new(card, "ended", json_string(ts));
	}
	if (sc->first_ms != NO_TIME) {
		clock_format_rfc3339(sc->first_ms, ts);
		json_object_set_new(card, "started", json_string(ts));
		elapsed = (closed ? sc->end_ms : clock_wall_ms()) - sc->first_ms;
		json_object_set_new(card, "elapsed_ms", json_integer(elapsed));
		if (closed)
			json_object_set_new(card, "rto_ms", json_integer(elapsed));
	}
	json_object_set_new(card, "objective", sc_verdict(sc->rto_ms, elapsed,
	    closed, sc->outcome));
	json_object_set_new(card, "target", sc_verdict(target, elapsed,
	    closed, sc->outcome));
}

/* --- steps --- */

static int
slow_order(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t i = jsonget_int(x, "duration_ms", 0),
	    j = jsonget_int(y, "duration_ms", 0);

	if (i != j)
		return i > j ? -1 : 1;
	return report_step_order(a, b);
}

/* The facts in the array, sorted by cmp; references, not copies. */
static json_t *
sc_sort(json_t *facts, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(facts), i;
	json_t **v = xcalloc(n + 1, sizeof *v), *out = json_array(), *s;

	json_array_foreach(facts, i, s)
		v[i] = s;
	qsort(v, n, sizeof *v, cmp);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

/* A step as the card shows it, with its time against the expected. */
static json_t *
sc_step_out(json_t *s)
{
	int64_t took = jsonget_int(s, "duration_ms", -1);
	int64_t expected = jsonget_int(s, "expected_ms", 0);
	json_t *out;

	out = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:n, s:n}", "index",
	    json_object_get(s, "index"), "id", json_object_get(s, "id"),
	    "status", json_object_get(s, "status"), "attempts",
	    json_object_get(s, "attempts"), "duration_ms",
	    json_object_get(s, "duration_ms"), "expected_ms",
	    json_object_get(s, "expected_ms"), "over_ms", "timing");
	if (took >= 0 && expected > 0) {
		json_object_set_new(out, "over_ms",
		    json_integer(took - expected));
		json_object_set_new(out, "timing", json_string(took > expected ?
		    "over" : took < expected ? "under" : "on time"));
	}
	return out;
}

static json_t *
sc_steps_out(json_t *sorted)
{
	json_t *out = json_array(), *s;
	size_t i;

	json_array_foreach(sorted, i, s)
		json_array_append_new(out, sc_step_out(s));
	return out;
}

static json_t *
sc_slowest(json_t *sorted)
{
	json_t *by_time = sc_sort(sorted, slow_order), *out = json_array(), *s;
	size_t i;

	json_array_foreach(by_time, i, s) {
		if (json_array_size(out) == SLOWEST ||
		    jsonget_int(s, "duration_ms", 0) <= 0)
			break;
		json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O}",
		    "index", json_object_get(s, "index"), "id",
		    json_object_get(s, "id"), "duration_ms",
		    json_object_get(s, "duration_ms"), "expected_ms",
		    json_object_get(s, "expected_ms")));
	}
	json_decref(by_time);
	return out;
}

static int
status_is(json_t *s, const char *status)
{
	return strcmp(jsonget_or_q(jsonget_str(s, "status")), status) == 0;
}

static int
step_failed(json_t *s)
{
	return status_is(s, "failed") || status_is(s, "timeout") ||
	    status_is(s, "cancelled");
}

/* What went wrong with a step, in words; empty if nothing did. */
static json_t *
sc_what(json_t *s)
{
	int64_t retries = jsonget_int(s, "retries", 0);
	const char *rollback = jsonget_str(s, "rollback");
	json_t *what = json_array();

	if (step_failed(s))
		json_array_append_new(what, json_string(status_is(s, "timeout") ?
		    "timed out" : jsonget_or_q(jsonget_str(s, "status"))));
	else if (status_is(s, "skipped"))
		json_array_append_new(what, json_string("skipped"));
	else if (status_is(s, "interrupted"))
		json_array_append_new(what, json_string("never ended"));
	if (retries == 1)
		json_array_append_new(what, json_string("retried once"));
	else if (retries > 1)
		json_array_append_new(what, json_sprintf("retried %lld times",
		    (long long)retries));
	if (rollback != NULL)
		json_array_append_new(what, json_sprintf("rollback %s",
		    rollback));
	return what;
}

static void
add_list(struct strbuf *sb, json_t *list, const char *sep)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v) {
		strbuf_adds(sb, i > 0 ? sep : "");
		strbuf_adds(sb, jsonget_or_q(json_string_value(v)));
	}
}

/* "2. restore: ok after 2 attempts; retried once (exited 3)". */
static char *
trouble_text(json_t *s)
{
	int64_t attempts = jsonget_int(s, "attempts", 0), retries;
	json_t *reasons = json_object_get(s, "retry_reasons");
	struct strbuf sb;
	char *label = step_label(s);

	strbuf_init(&sb);
	strbuf_addf(&sb, "%s: %s", label,
	    jsonget_or_q(jsonget_str(s, "status")));
	free(label);
	if (jsonget_str(s, "reason") != NULL &&
	    *jsonget_str(s, "reason") != '\0')
		strbuf_addf(&sb, ": %s", jsonget_str(s, "reason"));
	if (attempts > 1)
		strbuf_addf(&sb, " after %lld attempts", (long long)attempts);
	if ((retries = jsonget_int(s, "retries", 0)) == 1)
		strbuf_adds(&sb, "; retried once");
	else if (retries > 1)
		strbuf_addf(&sb, "; retried %lld times", (long long)retries);
	if (retries > 0 && json_array_size(reasons) > 0) {
		strbuf_adds(&sb, " (");
		add_list(&sb, reasons, ", ");
		strbuf_addch(&sb, ')');
	}
	if (jsonget_str(s, "rollback") != NULL)
		strbuf_addf(&sb, "; rollback %s", jsonget_str(s, "rollback"));
	if (json_array_size(json_object_get(s, "decisions")) > 0) {
		strbuf_adds(&sb, "; decided: ");
		add_list(&sb, json_object_get(s, "decisions"), ", ");
	}
	if (jsonget_str(s, "note") != NULL)
		strbuf_addf(&sb, "; note: %s", jsonget_str(s, "note"));
	return strbuf_detach(&sb);
}

static json_t *
sc_trouble(json_t *sorted)
{
	json_t *out = json_array(), *s, *what;
	char *text;
	size_t i;

	json_array_foreach(sorted, i, s) {
		what = sc_what(s);
		if (json_array_size(what) == 0) {
			json_decref(what);
			continue;
		}
		text = trouble_text(s);
		json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O, s:o, "
		    "s:O, s:O, s:O, s:O, s:o}", "index", json_object_get(s, "index"),
		    "id", json_object_get(s, "id"), "status",
		    json_object_get(s, "status"), "attempts",
		    json_object_get(s, "attempts"), "what", what, "reason",
		    json_object_get(s, "reason"), "retry_reasons",
		    json_object_get(s, "retry_reasons"), "decisions",
		    json_object_get(s, "decisions"), "note",
		    json_object_get(s, "note"), "text", jsonget_new_str(text)));
		free(text);
	}
	return out;
}

static json_t *
sc_counts(json_t *sorted, json_t *deviations)
{
	int64_t failed = 0, skipped = 0, retried = 0, rolled = 0;
	json_t *s;
	size_t i;

	json_array_foreach(sorted, i, s) {
		failed += step_failed(s);
		skipped += status_is(s, "skipped");
		retried += jsonget_int(s, "retries", 0) > 0;
		rolled += jsonget_str(s, "rollback") != NULL;
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "steps",
	    (json_int_t)json_array_size(sorted), "steps_failed",
	    (json_int_t)failed, "steps_skipped", (json_int_t)skipped,
	    "steps_retried", (json_int_t)retried, "steps_rolled_back",
	    (json_int_t)rolled, "deviations",
	    (json_int_t)json_array_size(deviations));
}

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
	    strcmp(dot, ".duration_ms") == 0))
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

static void
sc_criteria(struct sc *sc, json_t *card, json_t *sorted)
{
	json_t *list = json_object_get(sc->drill, "success_criteria"), *c;
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

/* --- building --- */

/* The card's members, in the order its JSON shows them. */
static const char *card_keys[] = {
	"mode", "environment", "title", "incident", "started", "ended",
	"still_open", "outcome", "elapsed_ms", "rto_ms", "objective", "target",
	"steps", "slowest", "trouble", "deviations", "counts", "criteria",
	"criteria_met", "criteria_total"
};

static json_t *
sc_card(struct sc *sc)
{
	json_t *card = json_object(), *first = sc->first;

	for (size_t i = 0; i < sizeof card_keys / sizeof card_keys[0]; i++)
		json_object_set_new(card, card_keys[i], json_null());
	json_object_set_new(card, "mode",
	    jsonget_new_str(jsonget_str(first, "mode")));
	json_object_set_new(card, "environment",
	    jsonget_new_str(jsonget_str(sc->drill, "environment") ?
	    jsonget_str(sc->drill, "environment") :
	    jsonget_str(first, "environment")));
	json_object_set_new(card, "title",
	    jsonget_new_str(jsonget_str(json_object_get(first, "runbook"),
	    "title")));
	json_object_set_new(card, "incident",
	    jsonget_new_str(jsonget_str(first, "incident")));
	return card;
}

json_t *
scorecard_build(json_t *events)
{
	struct sc sc = { 0 };
	json_t *card, *ev, *sorted;
	size_t i;

	sc.byid = json_object();
	sc.steps = json_array();
	sc.deviations = json_array();
	sc.first_ms = sc.end_ms = NO_TIME;
	json_array_foreach(events, i, ev) {
		sc.line = i + 1;
		sc_event(&sc, ev);
	}
	card = sc_card(&sc);
	sc_finish_rto(&sc, card);
	sorted = sc_sort(sc.steps, report_step_order);
	json_object_set_new(card, "steps", sc_steps_out(sorted));
	json_object_set_new(card, "slowest", sc_slowest(sorted));
	json_object_set_new(card, "trouble", sc_trouble(sorted));
	json_object_set(card, "deviations", sc.deviations);
	json_object_set_new(card, "counts", sc_counts(sorted, sc.deviations));
	sc_criteria(&sc, card, sorted);
	json_decref(sorted);
	json_decref(sc.deviations);
	json_decref(sc.steps);
	json_decref(sc.byid);
	return card;
}

json_t *
scorecard_load(const char *incident_dir, char **cause)
{
	json_t *events, *card;
	int torn;

	if (report_load(incident_dir, &events, &torn, cause) != 0)
		return NULL;
	card = scorecard_build(events);
	json_decref(events);
	return card;
}
