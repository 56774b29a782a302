/*
 * test_scorecard.c: the drill scorecard from journals built in memory,
 * line by line as the engine writes them, with the clock pinned
 * (DRCONSOLE_FAKE_NOW) where a run is still open. Each test states the
 * facts a drill's review needs: the RTO against the objective and the
 * drill's target with their margins, steps over or under their expected
 * time, the slowest steps, what went wrong and why, steps run out of
 * order, overrides and skips, and success criteria met, not met or not
 * evaluable with the reason. The text form must fit its width and show
 * no control character from the journal.
 */
#include "cmocka_all.h"

#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "journal.h"
#include "scorecard.h"
#include "xmalloc.h"

/* 2026-11-23T23:30:00Z */
#define T0 1795476600000LL
#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

static void
pin(int64_t ms)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)ms);
	setenv("DRCONSOLE_FAKE_NOW", buf, 1);
}

static int
unpin(void **state)
{
	(void)state;
	unsetenv("DRCONSOLE_FAKE_NOW");
	return 0;
}

/* Appends a journal line at time at; fields are stolen. */
static void
add(json_t *j, int64_t at, const char *event, json_t *fields)
{
	char ts[CLOCK_RFC3339_LEN];

	clock_format_rfc3339(at, ts);
	json_object_set_new(fields, "ts", json_string(ts));
	json_object_set_new(fields, "event", json_string(event));
	/* As the engine marks every line of a drill. */
	if (json_object_get(fields, "drill") == NULL)
		json_object_set_new(fields, "drill", json_true());
	json_array_append_new(j, fields);
}

/* run.start of a drill as the engine writes it, the plan in drill_plan;
 * criteria (stolen) may be NULL. */
static json_t *
drill_start(int64_t target_ms, json_t *criteria)
{
	json_t *f = json_pack("{s:{s:s, s:s}, s:s, s:s, s:{s:I, s:I}, s:s}",
	    "runbook", "id", "db-failover", "title", "Fail over orders DB",
	    "mode", "drill", "incident", "INC-7", "objectives", "rto_ms",
	    (json_int_t)(4 * HOUR), "rpo_ms", (json_int_t)(15 * MIN),
	    "environment", "staging");
	json_t *d = json_pack("{s:s}", "environment", "staging");

	if (target_ms > 0)
		json_object_set_new(d, "target_rto_ms", json_integer(target_ms));
	if (criteria != NULL)
		json_object_set_new(d, "success_criteria", criteria);
	json_object_set_new(f, "drill_plan", d);
	return f;
}

static json_t *
start_f(const char *step, int index, int attempt, int64_t expected_ms)
{
	json_t *f = json_pack("{s:s, s:i, s:i, s:s, s:s}", "step", step,
	    "index", index, "attempt", attempt, "kind", "run", "command",
	    "true");

	if (expected_ms > 0)
		json_object_set_new(f, "expected_duration_ms",
		    json_integer(expected_ms));
	return f;
}

static json_t *
end_f(const char *step, int index, const char *status, int attempt,
    int64_t ms, const char *reason)
{
	json_t *f = json_pack("{s:s, s:i, s:s, s:i, s:I}", "step", step,
	    "index", index, "status", status, "attempt", attempt,
	    "duration_ms", (json_int_t)ms);

	if (reason != NULL)
		json_object_set_new(f, "reason", json_string(reason));
	return f;
}

/* A step run once: start at at, end ms later. */
static void
ran(json_t *j, int64_t at, const char *step, int index, int64_t expected,
    const char *status, int64_t ms, const char *reason)
{
	add(j, at, "step.confirm", json_pack("{s:s, s:i, s:s}", "step", step,
	    "index", index, "how", "confirmed"));
	add(j, at, "step.start", start_f(step, index, 1, expected));
	add(j, at + ms, "step.end", end_f(step, index, status, 1, ms, reason));
}

static void
run_end(json_t *j, int64_t at, const char *status)
{
	add(j, at, "run.end", json_pack("{s:s, s:I}", "status", status,
	    "duration_ms", (json_int_t)(at - T0)));
}

static json_t *
crit(const char *name, const char *when)
{
	return json_pack("{s:s, s:s}", "name", name, "when", when);
}

/* The member path a.b of card, which must exist. */
static json_t *
at(json_t *card, const char *a, const char *b)
{
	json_t *v = json_object_get(card, a);

	if (b != NULL)
		v = json_object_get(v, b);
	if (v == NULL)
		fail_msg("no %s%s%s in the card", a, b ? "." : "", b ? b : "");
	return v;
}

static const char *
s_at(json_t *card, const char *a, const char *b)
{
	const char *s = json_string_value(at(card, a, b));

	if (s == NULL)
		fail_msg("%s%s%s is not a string", a, b ? "." : "", b ? b : "");
	return s;
}

static json_int_t
i_at(json_t *card, const char *a, const char *b)
{
	json_t *v = at(card, a, b);

	if (!json_is_integer(v))
		fail_msg("%s%s%s is not an integer", a, b ? "." : "",
		    b ? b : "");
	return json_integer_value(v);
}

/* The entry of list whose key is value, or NULL. */
static json_t *
find_or_null(json_t *list, const char *key, const char *value)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v) {
		if (strcmp(json_string_value(json_object_get(v, key)) ?: "",
		    value) == 0)
			return v;
	}
	return NULL;
}

/* The entry of list whose key is value, which must exist. */
static json_t *
find(json_t *list, const char *key, const char *value)
{
	json_t *v = find_or_null(list, key, value);

	if (v == NULL)
		fail_msg("no entry with %s \"%s\"", key, value);
	return v;
}

static void
assert_has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("missing \"%s\" in:\n%s", needle, hay);
}

/* A drill of four steps ending at end_at with status. */
static json_t *
four_steps(int64_t target, json_t *criteria, const char *status,
    int64_t end_at)
{
	json_t *j = json_array();

	add(j, T0, "run.start", drill_start(target, criteria));
	ran(j, T0 + MIN, "check", 1, 3 * MIN, "ok", 125 * SEC, NULL);
	/* restore: fails once, retried, then ok; 5m + 20m. */
	add(j, T0 + 4 * MIN, "step.start", start_f("restore", 2, 1, 10 * MIN));
	add(j, T0 + 9 * MIN, "step.end", end_f("restore", 2, "failed", 1,
	    5 * MIN, "exited 3, expected 0"));
	add(j, T0 + 9 * MIN, "step.retry", json_pack("{s:s, s:i, s:i, s:i, "
	    "s:s}", "step", "restore", "index", 2, "next_attempt", 2, "of", 3,
	    "reason", "exited 3, expected 0"));
	add(j, T0 + 10 * MIN, "step.start", start_f("restore", 2, 2, 10 * MIN));
	add(j, T0 + 30 * MIN, "step.end", end_f("restore", 2, "ok", 2,
	    20 * MIN, NULL));
	ran(j, T0 + 31 * MIN, "promote", 3, 0, "failed", 5 * MIN, "exited 1");
	add(j, T0 + 37 * MIN, "decision", json_pack("{s:s, s:i, s:s}", "step",
	    "promote", "index", 3, "decision", "rollback"));
	add(j, T0 + 37 * MIN, "step.rollback", json_pack("{s:s, s:i, s:s}",
	    "step", "promote", "index", 3, "phase", "start"));
	add(j, T0 + 38 * MIN, "step.rollback", json_pack("{s:s, s:i, s:s, "
	    "s:s}", "step", "promote", "index", 3, "phase", "end", "status",
	    "ok"));
	ran(j, T0 + 39 * MIN, "verify", 4, 2 * MIN, "ok", 1 * MIN, NULL);
	if (end_at > 0)
		run_end(j, end_at, status);
	return j;
}

/* --- the RTO --- */

static void
test_objective_met_target_missed(void **state)
{
	json_t *j, *card;

	(void)state;
	j = four_steps(HOUR, NULL, "completed", T0 + HOUR + 12 * MIN);
	card = scorecard_build(j);
	assert_string_equal(s_at(card, "mode", NULL), "drill");
	assert_string_equal(s_at(card, "environment", NULL), "staging");
	assert_true(json_is_false(at(card, "still_open", NULL)));
	assert_int_equal(i_at(card, "elapsed_ms", NULL), HOUR + 12 * MIN);
	assert_int_equal(i_at(card, "rto_ms", NULL), HOUR + 12 * MIN);
	assert_string_equal(s_at(card, "objective", "verdict"), "met");
	assert_true(json_is_true(at(card, "objective", "met")));
	assert_int_equal(i_at(card, "objective", "margin_ms"),
	    2 * HOUR + 48 * MIN);
	assert_string_equal(s_at(card, "objective", "text"),
	    "met: 1h12m, 2h48m to spare");
	assert_string_equal(s_at(card, "target", "verdict"), "not met");
	assert_true(json_is_false(at(card, "target", "met")));
	assert_int_equal(i_at(card, "target", "limit_ms"), HOUR);
	assert_int_equal(i_at(card, "target", "margin_ms"), -12 * MIN);
	assert_string_equal(s_at(card, "target", "text"),
	    "not met: over by 12m (1h12m)");
	json_decref(card);
	json_decref(j);
}

static void
test_both_met(void **state)
{
	json_t *j, *card;

	(void)state;
	j = four_steps(HOUR, NULL, "completed", T0 + 50 * MIN);
	card = scorecard_build(j);
	assert_string_equal(s_at(card, "target", "verdict"), "met");
	assert_int_equal(i_at(card, "target", "margin_ms"), 10 * MIN);
	assert_string_equal(s_at(card, "objective", "verdict"), "met");
	json_decref(card);
	json_decref(j);
}

/* A drill that ended aborted did not recover, however quick. */
static void
test_aborted(void **state)
{
	json_t *j, *card;

	(void)state;
	j = four_steps(HOUR, NULL, "aborted", T0 + 45 * MIN);
	card = scorecard_build(j);
	assert_string_equal(s_at(card, "outcome", NULL), "aborted");
	assert_string_equal(s_at(card, "target", "verdict"), "not met");
	assert_int_equal(i_at(card, "target", "margin_ms"), 15 * MIN);
	assert_string_equal(s_at(card, "objective", "text"),
	    "not met: the drill ended aborted after 45m");
	json_decref(card);
	json_decref(j);
}

/* Still running: measured to now; over the target already is a miss. */
static void
test_open(void **state)
{
	json_t *j, *card, *c;

	(void)state;
	c = json_pack("[o, o, o, o]", crit("fast", "rto_ms < 3600000"),
	    crit("on target", "target_met"), crit("so far", "elapsed_ms < "
	    "3600000"), crit("objective", "rto_met"));
	j = four_steps(HOUR, c, NULL, 0);
	pin(T0 + 40 * MIN);
	card = scorecard_build(j);
	assert_true(json_is_true(at(card, "still_open", NULL)));
	assert_true(json_is_null(at(card, "rto_ms", NULL)));
	assert_true(json_is_null(at(card, "ended", NULL)));
	assert_int_equal(i_at(card, "elapsed_ms", NULL), 40 * MIN);
	assert_string_equal(s_at(card, "target", "verdict"), "open");
	assert_true(json_is_null(at(card, "target", "met")));
	assert_string_equal(s_at(card, "target", "text"),
	    "open: 40m so far, 20m left");
	c = at(card, "criteria", NULL);
	assert_string_equal(s_at(json_array_get(c, 0), "verdict", NULL),
	    "cannot evaluate");
	assert_string_equal(s_at(json_array_get(c, 0), "why", NULL),
	    "rto_ms: the drill has not ended");
	assert_string_equal(s_at(json_array_get(c, 1), "why", NULL),
	    "target_met: the drill is still running and within the limit "
	    "so far");
	assert_string_equal(s_at(json_array_get(c, 2), "verdict", NULL),
	    "met");
	json_decref(card);
	pin(T0 + HOUR + 5 * MIN);
	card = scorecard_build(j);
	assert_string_equal(s_at(card, "target", "verdict"), "not met");
	assert_string_equal(s_at(card, "target", "text"),
	    "not met: over by 5m (still running after 1h05m)");
	c = at(card, "criteria", NULL);
	assert_string_equal(s_at(json_array_get(c, 1), "verdict", NULL),
	    "not met");
	assert_string_equal(s_at(json_array_get(c, 2), "verdict", NULL),
	    "not met");
	/* The objective (4h) is still open, so rto_met is not known. */
	assert_string_equal(s_at(json_array_get(c, 3), "verdict", NULL),
	    "cannot evaluate");
	json_decref(card);
	json_decref(j);
}

/* A resume reopens the drill: the time runs from the first start. */
static void
test_resumed(void **state)
{
	json_t *j, *card;

	(void)state;
	j = four_steps(HOUR, NULL, "interrupted", T0 + 40 * MIN);
	add(j, T0 + 50 * MIN, "run.resume", json_object());
	run_end(j, T0 + 70 * MIN, "completed");
	card = scorecard_build(j);
	assert_int_equal(i_at(card, "rto_ms", NULL), 70 * MIN);
	assert_string_equal(s_at(card, "target", "verdict"), "not met");
	json_decref(card);
	add(j, T0 + 80 * MIN, "run.resume", json_object());
	pin(T0 + 90 * MIN);
	card = scorecard_build(j);
	assert_true(json_is_true(at(card, "still_open", NULL)));
	assert_int_equal(i_at(card, "elapsed_ms", NULL), 90 * MIN);
	json_decref(card);
	json_decref(j);
}

/* No drill target and no start at all: said, not guessed. */
static void
test_nothing_to_measure(void **state)
{
	json_t *j = json_array(), *card;

	(void)state;
	json_array_append_new(j, json_null());
	card = scorecard_build(j);
	assert_string_equal(s_at(card, "objective", "verdict"), "none");
	assert_true(json_is_null(at(card, "elapsed_ms", NULL)));
	assert_int_equal(i_at(card, "criteria_total", NULL), 0);
	json_decref(card);
	add(j, T0, "run.start", drill_start(0, json_pack("[o]",
	    crit("target", "target_met"))));
	run_end(j, T0 + MIN, "completed");
	card = scorecard_build(j);
	assert_string_equal(s_at(card, "target", "verdict"), "none");
	assert_string_equal(s_at(card, "target", "text"), "not set");
	assert_string_equal(s_at(json_array_get(at(card, "criteria", NULL), 0),
	    "why", NULL), "target_met: the drill sets no target_rto");
	json_decref(card);
	json_decref(j);
}

/* The plan may also come as a "drill" object on run.start. */
static void
test_drill_object(void **state)
{
	json_t *j = json_array(), *card, *f;

	(void)state;
	f = json_pack("{s:s, s:{s:I}, s:{s:I, s:s, s:[{s:s, s:s}]}}", "mode",
	    "drill", "objectives", "rto_ms", (json_int_t)HOUR, "drill",
	    "target_rto_ms", (json_int_t)(30 * MIN), "environment", "dr-site",
	    "success_criteria", "name", "target", "when", "target_met");
	add(j, T0, "run.start", f);
	run_end(j, T0 + 20 * MIN, "completed");
	card = scorecard_build(j);
	assert_string_equal(s_at(card, "environment", NULL), "dr-site");
	assert_int_equal(i_at(card, "target", "margin_ms"), 10 * MIN);
	assert_string_equal(s_at(json_array_get(at(card, "criteria", NULL), 0),
	    "verdict", NULL), "met");
	json_decref(card);
	json_decref(j);
}

/* --- steps --- */

static void
test_step_times(void **state)
{
	json_t *j, *card, *steps, *s;

	(void)state;
	j = four_steps(HOUR, NULL, "completed", 0);
	ran(j, T0 + 41 * MIN, "exact", 5, MIN, "ok", MIN, NULL);
	run_end(j, T0 + HOUR, "completed");
	card = scorecard_build(j);
	steps = at(card, "steps", NULL);
	assert_int_equal(json_array_size(steps), 5);
	s = json_array_get(steps, 4);
	assert_string_equal(s_at(s, "timing", NULL), "on time");
	assert_int_equal(i_at(s, "over_ms", NULL), 0);
	s = json_array_get(steps, 0);
	assert_string_equal(s_at(s, "id", NULL), "check");
	assert_string_equal(s_at(s, "timing", NULL), "under");
	assert_int_equal(i_at(s, "over_ms", NULL), -55 * SEC);
	s = json_array_get(steps, 1);
	assert_string_equal(s_at(s, "id", NULL), "restore");
	assert_int_equal(i_at(s, "attempts", NULL), 2);
	/* One rule in every reader: a step's duration is its last
	 * attempt's; total_ms (weighed against the expected) adds them. */
	assert_int_equal(i_at(s, "duration_ms", NULL), 20 * MIN);
	assert_int_equal(i_at(s, "total_ms", NULL), 25 * MIN);
	assert_int_equal(i_at(s, "expected_ms", NULL), 10 * MIN);
	assert_string_equal(s_at(s, "timing", NULL), "over");
	assert_int_equal(i_at(s, "over_ms", NULL), 15 * MIN);
	s = json_array_get(steps, 2);
	assert_true(json_is_null(at(s, "timing", NULL)));
	assert_true(json_is_null(at(s, "expected_ms", NULL)));
	s = json_array_get(steps, 3);
	assert_string_equal(s_at(s, "timing", NULL), "under");
	/* The slowest three, slowest first. */
	s = at(card, "slowest", NULL);
	assert_int_equal(json_array_size(s), 3);
	assert_string_equal(s_at(json_array_get(s, 0), "id", NULL), "restore");
	assert_string_equal(s_at(json_array_get(s, 1), "id", NULL), "promote");
	assert_string_equal(s_at(json_array_get(s, 2), "id", NULL), "check");
	assert_int_equal(i_at(card, "counts", "steps_failed"), 1);
	assert_int_equal(i_at(card, "counts", "steps_retried"), 1);
	assert_int_equal(i_at(card, "counts", "steps_rolled_back"), 1);
	json_decref(card);
	json_decref(j);
}

static void
test_trouble(void **state)
{
	json_t *j, *card, *t;

	(void)state;
	j = four_steps(HOUR, NULL, "completed", T0 + HOUR);
	add(j, T0 + 41 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s}",
	    "step", "notify", "index", 5, "status", "skipped", "reason",
	    "condition is false: when: env == 'prod'"));
	add(j, T0 + 42 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s}",
	    "step", "page", "index", 6, "status", "skipped", "reason",
	    "drill: this step is skipped in a drill"));
	/* Typed: skip "drill" is planned whatever its words; skip
	 * "operator" is the team's choice even when worded like the runbook. */
	add(j, T0 + 43 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s, s:s}",
	    "step", "pager", "index", 7, "status", "skipped", "skip", "drill",
	    "reason", "customer-facing notification"));
	add(j, T0 + 44 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s, s:s}",
	    "step", "mail", "index", 8, "status", "skipped", "skip", "operator",
	    "reason", "drill: not needed"));
	card = scorecard_build(j);
	t = at(card, "trouble", NULL);
	/* Planned skips (a false when:, a drill's) are not what went wrong. */
	assert_int_equal(json_array_size(t), 3);
	assert_null(find_or_null(t, "id", "notify"));
	assert_null(find_or_null(t, "id", "page"));
	assert_null(find_or_null(t, "id", "pager"));
	assert_string_equal(s_at(find(t, "id", "mail"), "text", NULL),
	    "8. mail: skipped: drill: not needed");
	assert_string_equal(s_at(find(t, "id", "restore"), "text", NULL),
	    "2. restore: ok after 2 attempts; retried once (exited 3, "
	    "expected 0)");
	assert_string_equal(s_at(find(t, "id", "promote"), "text", NULL),
	    "3. promote: rolled_back: exited 1; rollback ok; decided: rollback");
	assert_string_equal(json_string_value(json_array_get(at(find(t, "id",
	    "promote"), "what", NULL), 0)), "rolled_back");
	assert_int_equal(json_array_size(at(card, "deviations", NULL)), 1);
	assert_string_equal(s_at(json_array_get(at(card, "deviations", NULL), 0),
	    "text", NULL), "8. mail skipped: drill: not needed");
	assert_int_equal(i_at(card, "counts", "steps_skipped"), 1);
	assert_int_equal(i_at(card, "counts", "steps_skipped_planned"), 3);
	assert_true(json_is_true(at(json_array_get(at(card, "steps", NULL), 6),
	    "planned", NULL)));
	json_decref(card);
	json_decref(j);
}

static void
test_deviations(void **state)
{
	json_t *j = json_array(), *card, *d;

	(void)state;
	add(j, T0, "run.start", drill_start(HOUR, NULL));
	ran(j, T0 + MIN, "a", 1, 0, "ok", MIN, NULL);
	/* c before b: b then starts after a later step had ended. */
	ran(j, T0 + 3 * MIN, "c", 3, 0, "ok", MIN, NULL);
	ran(j, T0 + 5 * MIN, "b", 2, 0, "ok", MIN, NULL);
	/* d was interrupted by a crash and marked done by hand. */
	add(j, T0 + 7 * MIN, "step.start", start_f("d", 4, 1, 0));
	add(j, T0 + 9 * MIN, "run.resume", json_object());
	add(j, T0 + 10 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s, s:s, "
	    "s:s}", "step", "d", "index", 4, "status", "ok", "reason",
	    "marked done by the operator", "note", "saw the replica promoted",
	    "was", "interrupted"));
	/* e interrupted and then skipped on resume; f skipped outright. */
	add(j, T0 + 11 * MIN, "step.start", start_f("e", 5, 1, 0));
	add(j, T0 + 12 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s, s:s}",
	    "step", "e", "index", 5, "status", "skipped", "reason",
	    "interrupted; skipped on resume", "was", "interrupted"));
	add(j, T0 + 13 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s}",
	    "step", "f", "index", 6, "status", "skipped", "reason",
	    "no pager in drills"));
	run_end(j, T0 + 14 * MIN, "completed");
	card = scorecard_build(j);
	d = at(card, "deviations", NULL);
	assert_int_equal(json_array_size(d), 4);
	assert_string_equal(s_at(json_array_get(d, 0), "kind", NULL),
	    "out of order");
	assert_string_equal(s_at(json_array_get(d, 0), "text", NULL),
	    "2. b started after 3. c had ended");
	assert_string_equal(s_at(json_array_get(d, 1), "kind", NULL),
	    "override");
	assert_string_equal(s_at(json_array_get(d, 1), "text", NULL),
	    "4. d marked done by hand: saw the replica promoted");
	assert_string_equal(s_at(json_array_get(d, 2), "text", NULL),
	    "5. e was interrupted; the operator set it to skipped: "
	    "interrupted; skipped on resume");
	assert_string_equal(s_at(json_array_get(d, 3), "kind", NULL), "skip");
	assert_string_equal(s_at(json_array_get(d, 3), "text", NULL),
	    "6. f skipped: no pager in drills");
	assert_int_equal(i_at(card, "counts", "deviations"), 4);
	assert_int_equal(i_at(card, "counts", "steps_skipped"), 2);
	json_decref(card);
	json_decref(j);
}

/* A manual step is timed from its offer (the end of the step before) to
 * its attestation; each inject from its arrival to the team's next
 * decision or note (its response time). */
static void
test_manual_and_injects(void **state)
{
	json_t *j = json_array(), *card, *s, *inj;
	char *text;

	(void)state;
	add(j, T0, "run.start", drill_start(HOUR, NULL));
	ran(j, T0 + MIN, "a", 1, 0, "ok", MIN, NULL);
	add(j, T0 + 3 * MIN, "note", json_pack("{s:s, s:b, s:s}", "text",
	    "the primary is gone", "injected", 1, "by", "facil"));
	add(j, T0 + 4 * MIN, "note", json_pack("{s:s}", "text", "paging dba"));
	add(j, T0 + 6 * MIN, "note", json_pack("{s:s, s:b, s:s}", "text",
	    "the replica lags", "injected", 1, "by", "facil"));
	add(j, T0 + 8 * MIN, "decision", json_pack("{s:s, s:s}", "decision",
	    "continue", "kind", "continue"));
	add(j, T0 + 9 * MIN, "step.confirm", json_pack("{s:s, s:i, s:s}", "step",
	    "call", "index", 2, "how", "attested"));
	add(j, T0 + 9 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s}", "step",
	    "call", "index", 2, "status", "ok", "attested_by", "anna"));
	add(j, T0 + 10 * MIN, "note", json_pack("{s:s, s:b}", "text",
	    "the DNS is stale", "injected", 1));
	run_end(j, T0 + 11 * MIN, "completed");
	card = scorecard_build(j);
	s = find(at(card, "steps", NULL), "id", "call");
	/* Offered when a ended (T0 + 2m), attested at T0 + 9m. */
	assert_int_equal(i_at(s, "duration_ms", NULL), 7 * MIN);
	assert_null(find_or_null(at(card, "deviations", NULL), "step", "call"));
	inj = at(card, "injects", NULL);
	assert_int_equal(json_array_size(inj), 3);
	assert_int_equal(i_at(json_array_get(inj, 0), "response_ms", NULL), MIN);
	assert_string_equal(s_at(json_array_get(inj, 0), "answer", NULL), "note");
	assert_int_equal(i_at(json_array_get(inj, 1), "response_ms", NULL), 2 * MIN);
	assert_string_equal(s_at(json_array_get(inj, 1), "answer", NULL), "decision");
	assert_true(json_is_null(at(json_array_get(inj, 2), "response_ms", NULL)));
	assert_string_equal(s_at(json_array_get(inj, 1), "text", NULL),
	    "inject by facil: the replica lags: answered by a decision after 2m");
	assert_int_equal(i_at(card, "counts", "injects"), 3);
	text = scorecard_render_text(card, 100);
	assert_has(text, "Injects    inject by facil: the primary is gone: "
	    "answered by a note after 1m\n");
	assert_has(text, "the DNS is stale: no answer yet");
	free(text);
	json_decref(card);
	json_decref(j);
}

/* --- success criteria --- */

static void
test_criteria(void **state)
{
	json_t *j, *card, *c, *list;

	(void)state;
	list = json_pack("[o, o, o, o, o, o, o, o, o, o, o]",
	    crit("recovered within the objective", "rto_met"),
	    crit("restore in time", "restore.total_ms <= 1200000"),
	    crit("no failures", "steps_failed == 0 && steps_skipped == 0"),
	    crit("verified", "verify.status == 'ok'"),
	    crit("smoke tested", "smoke.status == 'ok'"),
	    crit("typo", "rto_ms <"),
	    crit("bad regex", "verify.status =~ '('"),
	    json_pack("{s:s}", "name", "no expression"),
	    crit("either", "rto_met || nosuch.status == 'ok'"),
	    crit("promote timing", "promote.duration_ms < 1"),
	    json_pack("{s:s}", "when", "target_met"));
	j = four_steps(HOUR, list, "completed", T0 + HOUR + 12 * MIN);
	add(j, T0 + HOUR, "step.end", json_pack("{s:s, s:i, s:s, s:s}", "step",
	    "skipme", "index", 5, "status", "skipped", "reason", "later"));
	card = scorecard_build(j);
	list = at(card, "criteria", NULL);
	c = json_array_get(list, 0);
	assert_string_equal(s_at(c, "verdict", NULL), "met");
	assert_string_equal(s_at(c, "values", "rto_met"), "true");
	c = json_array_get(list, 1);
	assert_string_equal(s_at(c, "verdict", NULL), "not met");
	assert_string_equal(s_at(c, "values", "restore.total_ms"), "1500000");
	c = json_array_get(list, 2);
	assert_string_equal(s_at(c, "verdict", NULL), "not met");
	assert_string_equal(s_at(c, "values", "steps_failed"), "1");
	c = json_array_get(list, 3);
	assert_string_equal(s_at(c, "verdict", NULL), "met");
	c = json_array_get(list, 4);
	assert_string_equal(s_at(c, "verdict", NULL), "cannot evaluate");
	assert_string_equal(s_at(c, "why", NULL),
	    "smoke.status: no step 'smoke' in the journal");
	c = json_array_get(list, 5);
	assert_string_equal(s_at(c, "verdict", NULL), "cannot evaluate");
	assert_has(s_at(c, "why", NULL), "does not parse at byte 8");
	c = json_array_get(list, 6);
	assert_string_equal(s_at(c, "verdict", NULL), "cannot evaluate");
	assert_has(s_at(c, "why", NULL), "not a valid regular expression");
	c = json_array_get(list, 7);
	assert_string_equal(s_at(c, "why", NULL), "it has no when: expression");
	/* rto_met decides it before the unknown name is looked at. */
	c = json_array_get(list, 8);
	assert_string_equal(s_at(c, "verdict", NULL), "met");
	c = json_array_get(list, 9);
	assert_string_equal(s_at(c, "values", "promote.duration_ms"), "300000");
	assert_string_equal(s_at(c, "verdict", NULL), "not met");
	c = json_array_get(list, 10);
	assert_string_equal(s_at(c, "name", NULL), "criterion 11");
	assert_string_equal(s_at(c, "verdict", NULL), "not met");
	assert_int_equal(i_at(card, "criteria_met", NULL), 3);
	assert_int_equal(i_at(card, "criteria_total", NULL), 11);
	json_decref(card);
	json_decref(j);
}

/* A step without a duration cannot answer for one. */
static void
test_criteria_no_duration(void **state)
{
	json_t *j = json_array(), *card, *c;

	(void)state;
	add(j, T0, "run.start", drill_start(HOUR, json_pack("[o, o]",
	    crit("quick skip", "notify.duration_ms < 1000"),
	    crit("skipped", "notify.status == \"skipped\""))));
	add(j, T0 + MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s}", "step",
	    "notify", "index", 1, "status", "skipped", "reason", "no pager"));
	run_end(j, T0 + 2 * MIN, "completed");
	card = scorecard_build(j);
	c = json_array_get(at(card, "criteria", NULL), 0);
	assert_string_equal(s_at(c, "verdict", NULL), "cannot evaluate");
	assert_string_equal(s_at(c, "why", NULL), "notify.duration_ms: the "
	    "step has no recorded duration (it is skipped)");
	c = json_array_get(at(card, "criteria", NULL), 1);
	assert_string_equal(s_at(c, "verdict", NULL), "met");
	json_decref(card);
	json_decref(j);
}

/* --- text --- */

/* Every line at most width columns, and no control but '\n'. */
static void
assert_fits(const char *text, int width)
{
	const unsigned char *p;
	int col = 0;

	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("a control character in the text");
		if ((*p & 0xc0) != 0x80 && ++col > width)
			fail_msg("a line is wider than %d:\n%s", width, text);
	}
}

static void
test_render_text(void **state)
{
	json_t *j, *card;
	char *text;

	(void)state;
	j = four_steps(HOUR, json_pack("[o, o, o]", crit("fast", "rto_ms < "
	    "5400000"), crit("clean", "steps_failed == 0"), crit("verified",
	    "verify.status == 'ok' && smoke.status == 'ok'")), "completed",
	    T0 + HOUR + 12 * MIN);
	add(j, T0 + 50 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s}",
	    "step", "notify", "index", 5, "status", "skipped", "reason",
	    "\x1b[2Jwiped\r\nthe screen \xe2\x80\xae" "desrever and a "
	    "veryveryveryveryveryveryveryveryveryveryveryverylongword"));
	card = scorecard_build(j);
	text = scorecard_render_text(card, 100);
	assert_fits(text, 100);
	assert_has(text, "Scorecard  Fail over orders DB (drill, staging)\n");
	assert_has(text, "RTO        1h12m, completed\n");
	assert_has(text, "Objective  4h: met: 1h12m, 2h48m to spare\n");
	assert_has(text, "Target     1h: not met: over by 12m (1h12m)\n");
	assert_has(text, "Steps      5 reached: 1 failed, 1 skipped, 1 retried, "
	    "1 rolled back\n");
	assert_has(text, "Timing     1. check: 2m05s, expected 3m: 55s under\n"
	    "           2. restore: 25m, expected 10m: 15m over\n");
	assert_has(text, "Slowest    2. restore 25m, 3. promote 5m, 1. check "
	    "2m05s\n");
	assert_has(text, "Trouble    2. restore: ok after 2 attempts; retried "
	    "once (exited 3, expected 0)\n");
	assert_has(text, "Deviations 5. notify skipped: ^[[2Jwiped the screen "
	    "\xef\xbf\xbd" "desrever");
	assert_has(text, "Criteria   met: fast: rto_ms < 5400000 (rto_ms = "
	    "4320000)\n           NOT MET: clean: steps_failed == 0 "
	    "(steps_failed = 1)\n           CANNOT EVALUATE: verified: ");
	assert_has(text, "Result     1 of 3 criteria met\n");
	free(text);
	/* Narrow: wrapped under the labels, long words cut. */
	text = scorecard_render_text(card, 20);
	assert_fits(text, 40);
	assert_has(text, "\n           ");
	free(text);
	json_decref(card);
	json_decref(j);
}

/* --- from an incident directory --- */

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void
append(struct journal *jr, int64_t when, const char *event, json_t *fields)
{
	char *cause = NULL;

	pin(when);
	if (journal_append(jr, event, fields, &cause) != 0)
		fail_msg("append %s: %s", event, cause);
	json_decref(fields);
}

static void
test_load(void **state)
{
	char top[] = "/tmp/drc-scorecard-XXXXXX", *dir, *cause = NULL;
	struct journal *jr;
	json_t *card;

	(void)state;
	assert_non_null(mkdtemp(top));
	dir = xprintf("%s/INC-7", top);
	unsetenv(JOURNAL_KEY_ENV);
	pin(T0);
	assert_int_equal(journal_open(&jr, dir, 0, &cause), 0);
	append(jr, T0, "run.start", drill_start(HOUR, NULL));
	append(jr, T0 + MIN, "step.start", start_f("check", 1, 1, 3 * MIN));
	append(jr, T0 + 3 * MIN, "step.end", end_f("check", 1, "ok", 1,
	    2 * MIN, NULL));
	append(jr, T0 + 50 * MIN, "run.end", json_pack("{s:s}", "status",
	    "completed"));
	journal_close(jr);
	card = scorecard_load(dir, &cause);
	assert_non_null(card);
	assert_string_equal(s_at(card, "target", "verdict"), "met");
	assert_int_equal(i_at(card, "rto_ms", NULL), 50 * MIN);
	assert_string_equal(s_at(json_array_get(at(card, "steps", NULL), 0),
	    "timing", NULL), "under");
	json_decref(card);
	free(dir);
	dir = xprintf("%s/none", top);
	assert_null(scorecard_load(dir, &cause));
	assert_has(cause, "journal.jsonl");
	free(cause);
	free(dir);
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objective_met_target_missed),
		cmocka_unit_test(test_both_met),
		cmocka_unit_test(test_aborted),
		cmocka_unit_test_teardown(test_open, unpin),
		cmocka_unit_test_teardown(test_resumed, unpin),
		cmocka_unit_test(test_nothing_to_measure),
		cmocka_unit_test(test_drill_object),
		cmocka_unit_test(test_step_times),
		cmocka_unit_test(test_trouble),
		cmocka_unit_test(test_deviations),
		cmocka_unit_test(test_criteria),
		cmocka_unit_test(test_criteria_no_duration),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_manual_and_injects),
		cmocka_unit_test_teardown(test_load, unpin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
