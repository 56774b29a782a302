/*
 * scorecard.c: the drill scorecard; see scorecard.h. The journal goes
 * through the one fold (runstate), which gives each step's status, skip
 * kind, attempts and durations; this pass, watching the fold's events,
 * adds only what takes the events' order (deviations, the time an inject
 * waited for an answer) and what the fold does not keep (expected
 * durations, the drill's plan). Verdicts, rankings and criteria then
 * follow from those facts alone, so the report and the terminal show the
 * same numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "duration.h"
#include "jsonget.h"
#include "jschema.h"
#include "report.h"
#include "runstate.h"
#include "scorecard.h"
#include "scorecard_int.h"
#include "strbuf.h"
#include "xmalloc.h"

#define NO_TIME JSONGET_NO_TIME
#define DUR_LEN 32
#define SLOWEST 3

/*
 * What the fold does not keep and the card needs, gathered while the
 * journal is folded: the order of events (deviations, injects answered),
 * each step's expected duration and automatic retries, and the drill's
 * plan. Everything else is read from the run state afterwards.
 */
struct sc {
	json_t		*extra;		/* step id -> {expected_ms, retries, retry_reasons, out_of_order} */
	json_t		*deviations;
	json_t		*plan;		/* the first run.start's drill plan, or NULL */
	json_t		*injects;	/* [{ts, by, text, response_ms, answer}] */
	size_t		 unanswered;	/* injects[unanswered..] wait for an answer */
	int		 max_ended;	/* highest index of a step that ended */
	char		*max_ended_id;
};


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

static char *
rs_label(const struct rs_step *s)
{
	if (s->index > 0)
		return xprintf("%d. %s", s->index, s->id);
	return xstrdup(s->id);
}

/* --- while the journal is folded --- */

static json_t *
sc_extra(struct sc *sc, const struct rs_step *s)
{
	json_t *x = json_object_get(sc->extra, s->id);

	if (x == NULL) {
		x = json_pack("{s:n, s:i, s:[], s:b}", "expected_ms", "retries", 0,
		    "retry_reasons", "out_of_order", 0);
		json_object_set_new(sc->extra, s->id, x);
	}
	return x;
}

static void
sc_deviation(struct sc *sc, const char *kind, const struct rs_step *s, char *text)
{
	json_array_append_new(sc->deviations, json_pack("{s:s, s:s, s:o, s:s}",
	    "kind", kind, "step", s->id, "index", jsonget_new_int(s->index, 0),
	    "text", text));
	free(text);
}

/* A step offered or begun after a later one had ended left the runbook's
 * order. */
static void
sc_check_order(struct sc *sc, const struct rs_step *s)
{
	json_t *x = sc_extra(sc, s);
	char *label;

	if (s->index <= 0 || s->index >= sc->max_ended ||
	    json_is_true(json_object_get(x, "out_of_order")))
		return;
	json_object_set_new(x, "out_of_order", json_true());
	label = rs_label(s);
	sc_deviation(sc, "out of order", s, xprintf("%s started after %d. %s "
	    "had ended", label, sc->max_ended, jsonget_or_q(sc->max_ended_id)));
	free(label);
}

static void
sc_on_start(struct sc *sc, const struct rs_step *s, const struct rs_event *ev)
{
	json_t *expected = json_object_get(ev->raw, "expected_duration_ms");

	if (json_is_integer(expected) && json_integer_value(expected) > 0)
		json_object_set(sc_extra(sc, s), "expected_ms", expected);
	sc_check_order(sc, s);
}

/* Overrides and skips: where an operator, not the runbook, decided. Kinds
 * come from the fold (the typed skip; a step ended ok without an attempt
 * or an attester was marked done by hand), never from a reason's words. */
static void
sc_on_end(struct sc *sc, const struct rs_step *s, const struct rs_event *ev)
{
	const char *reason = s->reason != NULL ? s->reason : "";
	const char *was = jsonget_str((json_t *)ev->raw, "was");
	char *label = rs_label(s);

	if (s->status == JSTATUS_OK && json_object_get(ev->raw, "attempt") == NULL &&
	    s->attested_by == NULL)
		sc_deviation(sc, "override", s, xprintf("%s marked done by hand"
		    "%s%s", label, s->note != NULL ? ": " : "", s->note ? s->note : ""));
	else if (was != NULL && strcmp(was, "interrupted") == 0)
		sc_deviation(sc, "override", s, xprintf("%s was interrupted; the "
		    "operator set it to %s%s%s", label, jschema_status_name(s->status),
		    *reason != '\0' ? ": " : "", reason));
	else if (s->status == JSTATUS_SKIPPED && !runstate_skip_planned(s))
		sc_deviation(sc, "skip", s, xprintf("%s skipped%s%s", label,
		    *reason != '\0' ? ": " : "", reason));
	free(label);
	if (s->index > sc->max_ended) {
		sc->max_ended = s->index;
		free(sc->max_ended_id);
		sc->max_ended_id = xstrdup(s->id);
	}
}

static void
sc_on_retry(struct sc *sc, const struct rs_step *s, const struct rs_event *ev)
{
	json_t *x = sc_extra(sc, s), *reasons = json_object_get(x, "retry_reasons"), *r;
	const char *reason = jsonget_str((json_t *)ev->raw, "reason");
	size_t i;

	json_object_set_new(x, "retries", json_integer(jsonget_int(x, "retries", 0) + 1));
	json_array_foreach(reasons, i, r) {
		if (reason != NULL && strcmp(json_string_value(r), reason) == 0)
			return;
	}
	if (reason != NULL && *reason != '\0')
		json_array_append_new(reasons, json_string(reason));
}

/* An inject waits for the team's next decision or note of its own; that
 * answer times every inject still waiting (the response time a
 * facilitator scores). */
static void
sc_on_note(struct sc *sc, const struct runstate *rs, const struct rs_event *ev, int decision)
{
	const struct rs_note *n = rs->notes.n > 0 ? &rs->notes.v[rs->notes.n - 1] : NULL;
	char ts[CLOCK_RFC3339_LEN];
	json_t *inj;

	if (!decision && n != NULL && n->injected) {
		clock_format_rfc3339(ev->ts_ms, ts);
		json_array_append_new(sc->injects, json_pack("{s:s, s:I, s:o, s:o, s:n, s:n}",
		    "ts", ts, "ts_ms", (json_int_t)ev->ts_ms, "by", jsonget_new_str(n->by),
		    "note", jsonget_new_str(n->text), "response_ms", "answer"));
		return;
	}
	for (; sc->unanswered < json_array_size(sc->injects); sc->unanswered++) {
		inj = json_array_get(sc->injects, sc->unanswered);
		json_object_set_new(inj, "response_ms",
		    json_integer(ev->ts_ms - jsonget_int(inj, "ts_ms", ev->ts_ms)));
		json_object_set_new(inj, "answer", json_string(decision ? "decision" : "note"));
	}
}

static void
sc_on_run_start(struct sc *sc, const struct rs_event *ev)
{
	/* The engine journals the plan as drill_plan ("drill" is true on
	 * every line of a drill); "drill" as an object is read too. */
	json_t *plan = json_object_get(ev->raw, "drill_plan");

	if (!json_is_object(plan))
		plan = json_object_get(ev->raw, "drill");
	if (sc->plan == NULL && json_is_object(plan))
		sc->plan = json_incref(plan);
}

/* A runstate_cb: sees each line after the fold took it. */
static int
sc_observe(void *arg, const struct runstate *rs, const struct rs_event *ev)
{
	struct sc *sc = arg;
	const struct rs_step *s = ev->step >= 0 ? &rs->steps[ev->step] : NULL;

	switch (ev->ev) {
	case JEV_RUN_START:
		sc_on_run_start(sc, ev);
		break;
	case JEV_STEP_CONFIRM:
		if (s != NULL)
			sc_check_order(sc, s);
		break;
	case JEV_STEP_START:
		if (s != NULL)
			sc_on_start(sc, s, ev);
		break;
	case JEV_STEP_END:
		if (s != NULL)
			sc_on_end(sc, s, ev);
		break;
	case JEV_STEP_RETRY:
		if (s != NULL)
			sc_on_retry(sc, s, ev);
		break;
	case JEV_NOTE:
	case JEV_DECISION:
		sc_on_note(sc, rs, ev, ev->ev == JEV_DECISION);
		break;
	default:
		break;
	}
	return 0;
}

/* "inject by anna: the primary is gone: answered by a decision after
 * 2m05s", or "...: no answer yet". */
static json_t *
inject_text(json_t *inj)
{
	json_t *resp = json_object_get(inj, "response_ms");
	char took[DUR_LEN];
	char *text;
	json_t *out;

	duration_format_abs(jsonget_int(inj, "response_ms", 0), took, sizeof took);
	if (json_is_integer(resp))
		text = xprintf("inject%s%s: %s: answered by a %s after %s",
		    jsonget_str(inj, "by") != NULL ? " by " : "",
		    jsonget_str(inj, "by") ? jsonget_str(inj, "by") : "",
		    jsonget_or_q(jsonget_str(inj, "note")),
		    jsonget_or_q(jsonget_str(inj, "answer")), took);
	else
		text = xprintf("inject%s%s: %s: no answer yet",
		    jsonget_str(inj, "by") != NULL ? " by " : "",
		    jsonget_str(inj, "by") ? jsonget_str(inj, "by") : "",
		    jsonget_or_q(jsonget_str(inj, "note")));
	out = json_string(text);
	free(text);
	return out;
}

/* --- a step's facts, from the fold --- */

static json_t *
rollback_word(const struct rs_step *s)
{
	if (s->rollback_running)
		return json_string("interrupted");	/* it never finished */
	if (s->rolled_back != 0)
		return json_string(s->rolled_back > 0 ? "ok" : "failed");
	return json_null();
}

static json_t *
step_decisions(const struct runstate *rs, int i)
{
	json_t *out = json_array();

	for (size_t k = 0; k < rs->decisions.n; k++) {
		if (rs->decisions.v[k].step == i && rs->decisions.v[k].text != NULL)
			json_array_append_new(out, json_string(rs->decisions.v[k].text));
	}
	return out;
}

/*
 * One step's facts. Its duration is the one rule every reader keeps: the
 * last attempt's (a manual step's from its offer to its attestation);
 * total_ms adds every attempt's, the time the team spent on it, and is
 * what is weighed against the expected duration.
 */
static json_t *
sc_step_facts(struct sc *sc, const struct runstate *rs, int i)
{
	const struct rs_step *s = &rs->steps[i];
	const struct rs_attempt *last = runstate_last_attempt(rs, i);
	json_t *x = sc_extra(sc, s);
	int ended = last != NULL && last->end_ms != 0;
	enum js_status st = s->status == JSTATUS_RUNNING ? JSTATUS_INTERRUPTED : s->status;

	return json_pack("{s:o, s:s, s:s, s:i, s:o, s:o, s:O, s:O, s:O, s:o, s:o, s:o, "
	    "s:o, s:o, s:b, s:I}",
	    "index", jsonget_new_int(s->index, 0), "id", s->id,
	    "status", jschema_status_name(st), "attempts", s->nattempts_total,
	    "duration_ms", ended ? json_integer(s->duration_ms) : json_null(),
	    "total_ms", ended ? json_integer(s->total_ms) : json_null(),
	    "expected_ms", json_object_get(x, "expected_ms"),
	    "retries", json_object_get(x, "retries"),
	    "retry_reasons", json_object_get(x, "retry_reasons"),
	    "rollback", rollback_word(s), "reason", jsonget_new_str(s->reason),
	    "note", jsonget_new_str(s->note), "decisions", step_decisions(rs, i),
	    "skip", s->status == JSTATUS_SKIPPED ?
	    json_string(jschema_skip_name(s->skip)) : json_null(),
	    "planned", runstate_skip_planned(s), "seen", (json_int_t)i);
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
	duration_format_abs(elapsed, took, sizeof took);
	duration_format_abs(margin, by, sizeof by);
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
sc_finish_rto(struct sc *sc, const struct runstate *rs, json_t *card)
{
	int closed = !rs->open && rs->ended_ms != 0 && rs->outcome_word != NULL;
	int64_t elapsed = NO_TIME;
	char ts[CLOCK_RFC3339_LEN];
	const char *outcome = closed ? rs->outcome_word : NULL;

	json_object_set_new(card, "still_open", json_boolean(!closed));
	json_object_set_new(card, "outcome", jsonget_new_str(outcome));
	if (closed) {
		clock_format_rfc3339(rs->ended_ms, ts);
		json_object_set_new(card, "ended", json_string(ts));
	}
	if (rs->started && rs->started_ms != 0) {
		clock_format_rfc3339(rs->started_ms, ts);
		json_object_set_new(card, "started", json_string(ts));
		elapsed = (closed ? rs->ended_ms : clock_wall_ms()) - rs->started_ms;
		json_object_set_new(card, "elapsed_ms", json_integer(elapsed));
		if (closed)
			json_object_set_new(card, "rto_ms", json_integer(elapsed));
	}
	json_object_set_new(card, "objective", sc_verdict(rs->rto_ms, elapsed,
	    closed, outcome));
	json_object_set_new(card, "target", sc_verdict(
	    jsonget_int(sc->plan, "target_rto_ms", rs->drill_target_rto_ms), elapsed,
	    closed, outcome));
}

/* --- steps --- */

static int
slow_order(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t i = jsonget_int(x, "total_ms", 0),
	    j = jsonget_int(y, "total_ms", 0);

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
	int64_t took = jsonget_int(s, "total_ms", -1);
	int64_t expected = jsonget_int(s, "expected_ms", 0);
	json_t *out;

	out = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:n, s:n}",
	    "index", json_object_get(s, "index"), "id", json_object_get(s, "id"),
	    "status", json_object_get(s, "status"), "skip", json_object_get(s, "skip"),
	    "planned", json_object_get(s, "planned"), "attempts",
	    json_object_get(s, "attempts"), "duration_ms",
	    json_object_get(s, "duration_ms"), "total_ms",
	    json_object_get(s, "total_ms"), "expected_ms",
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
		    jsonget_int(s, "total_ms", 0) <= 0)
			break;
		json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O}",
		    "index", json_object_get(s, "index"), "id",
		    json_object_get(s, "id"), "duration_ms",
		    json_object_get(s, "total_ms"), "expected_ms",
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
	/* A step rolled back failed first (the engine's rolled_back status). */
	return status_is(s, "failed") || status_is(s, "timeout") ||
	    status_is(s, "cancelled") || status_is(s, "rolled_back");
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
	else if (status_is(s, "skipped") && !json_is_true(json_object_get(s, "planned")))
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
	int64_t failed = 0, skipped = 0, planned = 0, retried = 0, rolled = 0;
	json_t *s;
	size_t i;

	json_array_foreach(sorted, i, s) {
		failed += step_failed(s);
		planned += json_is_true(json_object_get(s, "planned"));
		skipped += status_is(s, "skipped") && !json_is_true(json_object_get(s, "planned"));
		retried += jsonget_int(s, "retries", 0) > 0;
		rolled += jsonget_str(s, "rollback") != NULL;
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "steps",
	    (json_int_t)json_array_size(sorted), "steps_failed",
	    (json_int_t)failed, "steps_skipped", (json_int_t)skipped,
	    "steps_skipped_planned", (json_int_t)planned,
	    "steps_retried", (json_int_t)retried, "steps_rolled_back",
	    (json_int_t)rolled, "deviations",
	    (json_int_t)json_array_size(deviations));
}

/* --- building --- */

/* The card's members, in the order its JSON shows them. */
static const char *card_keys[] = {
	"mode", "environment", "title", "incident", "started", "ended",
	"still_open", "outcome", "elapsed_ms", "rto_ms", "objective", "target",
	"steps", "slowest", "trouble", "deviations", "injects", "counts", "criteria",
	"criteria_met", "criteria_total"
};

static json_t *
sc_card(struct sc *sc, const struct runstate *rs)
{
	json_t *card = json_object();
	const char *env = jsonget_str(sc->plan, "environment");

	for (size_t i = 0; i < sizeof card_keys / sizeof card_keys[0]; i++)
		json_object_set_new(card, card_keys[i], json_null());
	json_object_set_new(card, "mode", rs->started && rs->mode_known ?
	    json_string(jschema_mode_name(rs->mode)) : json_null());
	json_object_set_new(card, "environment",
	    jsonget_new_str(env != NULL ? env : rs->environment));
	json_object_set_new(card, "title", jsonget_new_str(rs->runbook_title));
	json_object_set_new(card, "incident", jsonget_new_str(rs->incident));
	return card;
}

/* The facts of every step, in the runbook's order. */
static json_t *
sc_sorted_steps(struct sc *sc, const struct runstate *rs)
{
	json_t *facts = json_array(), *sorted;

	for (int i = 0; i < rs->nsteps; i++)
		json_array_append_new(facts, sc_step_facts(sc, rs, i));
	sorted = sc_sort(facts, report_step_order);
	json_decref(facts);
	return sorted;
}

struct scorecard *
scorecard_new(void)
{
	struct sc *sc = xcalloc(1, sizeof *sc);

	sc->extra = json_object();
	sc->deviations = json_array();
	sc->injects = json_array();
	return (struct scorecard *)sc;
}

int
scorecard_observe(void *arg, const struct runstate *rs, const struct rs_event *ev)
{
	return sc_observe(arg, rs, ev);
}

json_t *
scorecard_finish(struct scorecard *card_pass, const struct runstate *rs)
{
	struct sc *sc = (struct sc *)card_pass;
	json_t *card, *sorted, *inj;
	size_t i;

	card = sc_card(sc, rs);
	sc_finish_rto(sc, rs, card);
	sorted = sc_sorted_steps(sc, rs);
	json_object_set_new(card, "steps", sc_steps_out(sorted));
	json_object_set_new(card, "slowest", sc_slowest(sorted));
	json_object_set_new(card, "trouble", sc_trouble(sorted));
	json_object_set(card, "deviations", sc->deviations);
	json_array_foreach(sc->injects, i, inj) {
		json_object_del(inj, "ts_ms");
		json_object_set_new(inj, "text", inject_text(inj));
	}
	json_object_set(card, "injects", sc->injects);
	json_object_set_new(card, "counts", sc_counts(sorted, sc->deviations));
	json_object_set_new(json_object_get(card, "counts"), "injects",
	    json_integer((json_int_t)rs->injects));
	scorecard_criteria(sc->plan, card, sorted);
	json_decref(sorted);
	scorecard_free(card_pass);
	return card;
}

void
scorecard_free(struct scorecard *card_pass)
{
	struct sc *sc = (struct sc *)card_pass;

	if (sc == NULL)
		return;
	json_decref(sc->extra);
	json_decref(sc->deviations);
	json_decref(sc->injects);
	json_decref(sc->plan);
	free(sc->max_ended_id);
	free(sc);
}

json_t *
scorecard_build(json_t *events)
{
	struct scorecard *pass = scorecard_new();
	struct runstate rs;
	struct rs_event ev;
	json_t *line, *card;
	size_t i;

	runstate_init(&rs);
	json_array_foreach(events, i, line) {
		if (!json_is_object(line)) {
			rs.bad_lines++;
			continue;
		}
		runstate_apply(&rs, line, &ev);
		scorecard_observe(pass, &rs, &ev);
	}
	card = scorecard_finish(pass, &rs);
	runstate_clear(&rs);
	return card;
}

json_t *
scorecard_load(const char *incident_dir, char **cause)
{
	struct scorecard *pass = scorecard_new();
	struct runstate rs;
	json_t *card;

	runstate_init(&rs);
	if (runstate_load(&rs, incident_dir, RS_LOAD_LENIENT, scorecard_observe, pass, cause) != 0) {
		scorecard_free(pass);
		runstate_clear(&rs);
		return NULL;
	}
	card = scorecard_finish(pass, &rs);
	runstate_clear(&rs);
	return card;
}
