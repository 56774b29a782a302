/*
 * test_readers.c: every reader of a journal tells the same run. For each
 * recorded incident of the corpus (tests/data/incidents, made by the real
 * binary), the fold (runstate) is the reference, and the watch view's
 * model (follow), the report (JSON, and so the Markdown made from it),
 * the scorecard, the JUnit XML and the metrics must agree with it on each
 * step's status, attempts and duration, on the decisions and on the
 * outcome. One rule for time holds everywhere: a step's duration is its
 * last attempt's; total_ms adds every attempt's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "follow.h"
#include "junit.h"
#include "metrics.h"
#include "report.h"
#include "runfacts.h"
#include "runstate.h"
#include "scorecard.h"
#include "strbuf.h"
#include "xmalloc.h"

static const char *corpus[] = {
	"drill", "training", "dryrun", "failed", "rolledback", "resumed", "v0-drill", "v0-resumed",
};

static char *
incident(const char *name)
{
	const char *top = getenv("top_srcdir");

	return xprintf("%s/tests/data/incidents/%s", top != NULL ? top : ".", name);
}

/* The status a reader that judges a finished run shows: a step the fold
 * has running or merely offered never ended. */
static const char *
judged(const struct rs_step *s)
{
	return jschema_status_name(s->status == JSTATUS_RUNNING || s->status == JSTATUS_PENDING ?
	    JSTATUS_INTERRUPTED : s->status);
}

static int
ended(const struct runstate *rs, int k)
{
	const struct rs_attempt *a = runstate_last_attempt(rs, k);

	return a != NULL && a->end_ms != 0;
}

static json_t *
by_id(json_t *list, const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v) {
		if (strcmp(json_string_value(json_object_get(v, "id")) ?: "", id) == 0)
			return v;
	}
	fail_msg("no step %s", id);
	return NULL;
}

static void
check_follow(const char *name, const char *dir, const struct runstate *rs)
{
	struct follow *f = NULL;
	char *cause = NULL;

	if (follow_open(&f, dir, 0, &cause) != 0)
		fail_msg("%s: follow_open: %s", name, cause);
	do {
		if (follow_poll(f, &cause) < 0)
			fail_msg("%s: follow_poll: %s", name, cause);
	} while (follow_behind(f));
	assert_int_equal(follow_nsteps(f), rs->nsteps);
	for (int k = 0; k < rs->nsteps; k++) {
		const struct rs_step *s = &rs->steps[k];
		const struct follow_step *st = follow_step(f, follow_find_step(f, s->id));
		const struct rs_attempt *a = runstate_last_attempt(rs, k);

		assert_non_null(st);
		if (st->status != s->status)
			fail_msg("%s: watch says %s is %s, the fold %s", name, s->id,
			    jschema_status_name(st->status), jschema_status_name(s->status));
		assert_int_equal(st->duration_ms, s->duration_ms);
		assert_int_equal(st->total_ms, s->total_ms);
		assert_int_equal(st->attempt, a != NULL ? a->n : 0);
	}
	assert_string_equal(follow_run(f)->end_status ?: "open",
	    rs->open ? "open" : rs->outcome_word);
	follow_free(f);
}

/* A step's on_failure handler in the report is the fold's: null when it
 * never ran, else how it ended. */
static void
check_on_failure(const char *name, json_t *h, const struct rs_step *s)
{
	if (s->on_failure.n == 0) {
		if (!json_is_null(h))
			fail_msg("%s: the report has an on_failure handler for %s, the fold none", name, s->id);
		return;
	}
	if (!json_is_object(h))
		fail_msg("%s: the report lacks %s's on_failure handler", name, s->id);
	assert_int_equal(json_integer_value(json_object_get(h, "runs")), s->on_failure.n);
	assert_string_equal(json_string_value(json_object_get(h, "status")),
	    jschema_status_name(s->on_failure.status));
	assert_int_equal(json_integer_value(json_object_get(h, "exit_code")), s->on_failure.exit_code);
	assert_string_equal(json_string_value(json_object_get(h, "output")), s->on_failure.output);
}

static void
check_report(const char *name, const char *dir, const struct runstate *rs)
{
	char *text = NULL, *cause = NULL;
	json_t *m, *s;

	if (report_render(dir, REPORT_JSON, &text, &cause) != 0)
		fail_msg("%s: report: %s", name, cause);
	m = json_loads(text, 0, NULL);
	assert_non_null(m);
	assert_int_equal(json_array_size(json_object_get(m, "steps")), rs->nsteps);
	for (int k = 0; k < rs->nsteps; k++) {
		s = by_id(json_object_get(m, "steps"), rs->steps[k].id);
		if (strcmp(json_string_value(json_object_get(s, "status")), judged(&rs->steps[k])) != 0)
			fail_msg("%s: report says %s is %s, the fold %s", name, rs->steps[k].id,
			    json_string_value(json_object_get(s, "status")), judged(&rs->steps[k]));
		assert_int_equal(json_integer_value(json_object_get(s, "attempts")),
		    rs->steps[k].nattempts_total);
		if (ended(rs, k)) {
			assert_int_equal(json_integer_value(json_object_get(s, "duration_ms")),
			    rs->steps[k].duration_ms);
			assert_int_equal(json_integer_value(json_object_get(s, "total_ms")),
			    rs->steps[k].total_ms);
		} else
			assert_true(json_is_null(json_object_get(s, "duration_ms")));
		check_on_failure(name, json_object_get(s, "on_failure"), &rs->steps[k]);
	}
	assert_int_equal(json_array_size(json_object_get(m, "decisions")), rs->decisions.n);
	if (rs->open)
		assert_true(json_is_null(json_object_get(m, "outcome")));
	else
		assert_string_equal(json_string_value(json_object_get(m, "outcome")), rs->outcome_word);
	/* A drill's report carries the scorecard, which must agree too. */
	if (rs->mode == JMODE_DRILL)
		assert_true(json_is_object(json_object_get(m, "scorecard")));
	json_decref(m);
	free(text);
}

static void
check_scorecard(const char *name, const char *dir, const struct runstate *rs)
{
	char *cause = NULL;
	json_t *card = scorecard_load(dir, &cause), *s;

	if (card == NULL)
		fail_msg("%s: scorecard: %s", name, cause);
	for (int k = 0; k < rs->nsteps; k++) {
		s = by_id(json_object_get(card, "steps"), rs->steps[k].id);
		assert_string_equal(json_string_value(json_object_get(s, "status")), judged(&rs->steps[k]));
		assert_int_equal(json_integer_value(json_object_get(s, "attempts")),
		    rs->steps[k].nattempts_total);
		if (ended(rs, k)) {
			if (json_integer_value(json_object_get(s, "duration_ms")) != rs->steps[k].duration_ms)
				fail_msg("%s: the scorecard times %s %lld ms, the fold %lld", name,
				    rs->steps[k].id, (long long)json_integer_value(json_object_get(s,
				    "duration_ms")), (long long)rs->steps[k].duration_ms);
			assert_int_equal(json_integer_value(json_object_get(s, "total_ms")),
			    rs->steps[k].total_ms);
		}
		assert_int_equal(json_is_true(json_object_get(s, "planned")),
		    runstate_skip_planned(&rs->steps[k]));
	}
	if (rs->open)
		assert_true(json_is_null(json_object_get(card, "outcome")));
	else
		assert_string_equal(json_string_value(json_object_get(card, "outcome")), rs->outcome_word);
	json_decref(card);
}

/* JUnit: each testcase's time is the step's duration; the metrics: each
 * ended step's duration and the run's success. */
static void
check_exports(const char *name, const char *dir, const struct runstate *rs)
{
	char *x = junit_render(rs, dir), *m = metrics_render(rs), *want;

	for (int k = 0; k < rs->nsteps; k++) {
		const struct rs_step *s = &rs->steps[k];

		want = xprintf("name=\"%02d-%s\" time=\"%lld.%03lld\"", s->index, s->id,
		    (long long)s->duration_ms / 1000, (long long)s->duration_ms % 1000);
		if (strstr(x, want) == NULL)
			fail_msg("%s: no %s in the JUnit XML", name, want);
		free(want);
		if (!ended(rs, k))
			continue;
		want = xprintf(",step=\"%s\"} %lld.%03lld\n", s->id, (long long)s->duration_ms / 1000,
		    (long long)s->duration_ms % 1000);
		if (strstr(m, want) == NULL)
			fail_msg("%s: no %s in the metrics", name, want);
		free(want);
	}
	want = xprintf("<property name=\"outcome\" value=\"%s\"/>",
	    rs->open ? "open" : jschema_outcome_name(rs->outcome));
	if (strstr(x, want) == NULL)
		fail_msg("%s: no %s in the JUnit XML", name, want);
	free(want);
	free(x);
	free(m);
}

static void
test_every_reader_agrees(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
		char *dir = incident(corpus[i]), *cause = NULL;
		struct runstate rs;

		runstate_init(&rs);
		if (runstate_load(&rs, dir, 0, NULL, NULL, &cause) != 0)
			fail_msg("%s: %s", corpus[i], cause);
		assert_true(rs.nsteps > 0);
		check_follow(corpus[i], dir, &rs);
		check_report(corpus[i], dir, &rs);
		check_scorecard(corpus[i], dir, &rs);
		check_exports(corpus[i], dir, &rs);
		runstate_clear(&rs);
		free(dir);
	}
}

/* The rule is kept where it shows: a retried step of the corpus has a
 * last attempt shorter than all of them, and every reader says the last. */
static void
test_retried_step_rule(void **state)
{
	char *dir = incident("drill"), *cause = NULL;
	struct runstate rs;
	int k;

	(void)state;
	runstate_init(&rs);
	assert_int_equal(runstate_load(&rs, dir, 0, NULL, NULL, &cause), 0);
	k = runstate_find_step(&rs, "flaky");
	assert_true(k >= 0);
	assert_int_equal(rs.steps[k].nattempts_total, 2);
	assert_true(rs.steps[k].total_ms > rs.steps[k].duration_ms);
	assert_int_equal(rs.steps[k].duration_ms, runstate_last_attempt(&rs, k)->duration_ms);
	runstate_clear(&rs);
	free(dir);
}

/* The postmortem's failed step, and its timeline, say what its on_failure
 * handler did. */
static void
test_on_failure_in_postmortem(void **state)
{
	const char *names[] = { "failed", "rolledback" };

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *dir = incident(names[i]), *text = NULL, *cause = NULL;

		if (report_render(dir, REPORT_MARKDOWN, &text, &cause) != 0)
			fail_msg("%s: report: %s", names[i], cause);
		if (strstr(text, "- On-failure handler: failed, exited 4, in ") == NULL ||
		    strstr(text, "- On-failure command: `echo \"collected the logs\"; exit 4`") == NULL ||
		    strstr(text, "- On-failure output: output/08-risky.on_failure.log") == NULL ||
		    strstr(text, "risky on_failure handler failed (exited 4, ") == NULL)
			fail_msg("%s: the postmortem does not show risky's handler:\n%s", names[i], text);
		free(text);
		free(dir);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reader_agrees),
		cmocka_unit_test(test_retried_step_rule),
		cmocka_unit_test(test_on_failure_in_postmortem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
