/*
 * test_runstate.c: the fold of a journal into a run state, on the corpus of
 * journals recorded with the real binary (tests/data/incidents, made by
 * record.sh): a drill, a training run, a dry run, a failed live run, a
 * rollback in the console, a run killed -9 and resumed by another
 * operator, and two journals as written before the schema. Then the fold's
 * limits: bounded lists and attempts, unknown events, lines that are not
 * JSON, a torn tail, and a reader that stops early.
 */
#include "cmocka_all.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jschema.h"
#include "journal.h"
#include "runstate.h"
#include "xmalloc.h"

static char *
corpus(const char *name)
{
	const char *top = getenv("top_srcdir");

	return xprintf("%s/tests/data/incidents/%s", top != NULL ? top : ".", name);
}

static void
fold(struct runstate *rs, const char *name)
{
	char *dir = corpus(name), *cause = NULL;

	runstate_init(rs);
	if (runstate_load(rs, dir, 0, NULL, NULL, &cause) != 0)
		fail_msg("%s: %s", name, cause);
	free(dir);
}

static const struct rs_step *
step(const struct runstate *rs, const char *id)
{
	int i = runstate_find_step(rs, id);

	if (i < 0)
		fail_msg("no step %s", id);
	return &rs->steps[i];
}

/* What every recorded run of corpus.yaml shares up to its hold step. */
static void
check_common(const struct runstate *rs)
{
	const struct rs_step *s;

	assert_true(rs->started);
	assert_string_equal(rs->runbook_id, "corpus");
	assert_string_equal(rs->runbook_title, "Corpus of recorded incidents");
	assert_int_equal(rs->rto_ms, 3600000);
	assert_int_equal(rs->rpo_ms, 300000);
	assert_int_equal(rs->unknown, 0);
	assert_int_equal(rs->bad_lines, 0);
	s = step(rs, "prepare");
	assert_int_equal(s->index, 1);
	assert_int_equal(s->status, JSTATUS_OK);
	assert_int_equal(s->nattempts, 1);
	assert_int_equal(s->attempts[0].lines, 4);
	assert_string_equal(s->attempts[0].output, "output/01-prepare.log");
	assert_string_equal(s->attempts[0].command, "echo one; echo two; echo three; echo warn >&2");
	assert_string_equal(s->kind, "run");
}

static void
check_flaky(const struct runstate *rs)
{
	const struct rs_step *s = step(rs, "flaky");

	assert_int_equal(s->status, JSTATUS_OK);
	assert_int_equal(s->nattempts, 2);
	assert_int_equal(s->attempts[0].n, 1);
	assert_int_equal(s->attempts[0].status, JSTATUS_FAILED);
	assert_int_equal(s->attempts[0].reason_kind, JREASON_EXIT);
	assert_int_equal(s->attempts[0].exit_code, 1);
	assert_string_equal(s->attempts[0].output, "output/02-flaky.log");
	assert_int_equal(s->attempts[1].n, 2);
	assert_int_equal(s->attempts[1].status, JSTATUS_OK);
	assert_string_equal(s->attempts[1].output, "output/02-flaky.2.log");
	assert_int_equal(s->attempts[1].lines, 1);
	/* The step's time is every attempt's, not the last one's. */
	assert_int_equal(s->total_ms, s->attempts[0].duration_ms + s->attempts[1].duration_ms);
	assert_int_equal(s->duration_ms, s->attempts[1].duration_ms);
	assert_int_equal(runstate_step_lines(rs, runstate_find_step(rs, "flaky")), 2);
}

static void
test_drill(void **state)
{
	struct runstate rs;
	const struct rs_step *s;
	const struct rs_param *p;

	(void)state;
	fold(&rs, "drill");
	check_common(&rs);
	check_flaky(&rs);
	assert_int_equal(rs.schema, JSCHEMA_VERSION);
	assert_int_equal(rs.mode, JMODE_DRILL);
	assert_true(rs.drill_marked);
	assert_string_equal(rs.environment, "staging");
	assert_int_equal(rs.drill_target_rto_ms, 30 * 60 * 1000);
	assert_non_null(p = runstate_param(&rs, "region"));
	assert_string_equal(p->value, "us-west-2");
	assert_non_null(p = runstate_param(&rs, "token"));
	assert_false(p->value != NULL && strstr(p->value, "secret-value") != NULL);
	s = step(&rs, "page");
	assert_int_equal(s->status, JSTATUS_SKIPPED);
	assert_int_equal(s->skip, JSKIP_DRILL);
	assert_true(runstate_skip_planned(s));
	assert_int_equal(s->nattempts, 0);
	s = step(&rs, "optional");
	assert_int_equal(s->skip, JSKIP_WHEN);
	assert_true(runstate_skip_planned(s));
	s = step(&rs, "dns");
	assert_string_equal(s->attempts[0].command, "echo \"simulated us-west-2\"");
	/* The manual step: from when it was offered to when it was attested. */
	s = step(&rs, "attest");
	assert_int_equal(s->status, JSTATUS_OK);
	assert_string_equal(s->attested_by, "alice");
	assert_int_equal(s->nattempts, 1);
	assert_int_equal(s->attempts[0].start_ms, step(&rs, "optional")->end_ms);
	assert_int_equal(s->attempts[0].duration_ms, s->end_ms - s->attempts[0].start_ms);
	/* The note and the inject came while hold ran. */
	assert_int_equal(rs.notes.n, 2);
	assert_int_equal(rs.injects, 1);
	assert_false(rs.notes.v[0].injected);
	assert_string_equal(rs.notes.v[0].text, "replica lags 4s");
	assert_true(rs.notes.v[1].injected);
	assert_string_equal(rs.notes.v[1].by, "facilitator");
	assert_int_equal(rs.notes.v[1].step, runstate_find_step(&rs, "hold"));
	assert_int_equal(rs.outcome, JOUTCOME_COMPLETED);
	assert_false(rs.open);
	assert_int_equal(rs.running, -1);
	assert_int_equal(rs.nsteps, 8);
	runstate_clear(&rs);
}

static void
test_training(void **state)
{
	struct runstate rs;

	(void)state;
	fold(&rs, "training");
	check_common(&rs);
	check_flaky(&rs);
	assert_int_equal(rs.mode, JMODE_TRAINING);
	assert_false(rs.drill_marked);
	assert_string_equal(rs.environment, "training");
	assert_string_equal(runstate_param(&rs, "region")->value, "sandbox");
	assert_int_equal(step(&rs, "page")->status, JSTATUS_OK);
	assert_int_equal(step(&rs, "dns")->attempts[0].lines, 1);
	runstate_clear(&rs);
}

static void
test_dry_run(void **state)
{
	struct runstate rs;

	(void)state;
	fold(&rs, "dryrun");
	assert_int_equal(rs.mode, JMODE_DRY_RUN);
	for (int i = 0; i < rs.nsteps; i++) {
		assert_int_equal(rs.steps[i].status, JSTATUS_SKIPPED);
		assert_int_equal(rs.steps[i].skip, strcmp(rs.steps[i].id, "optional") == 0 ? JSKIP_WHEN : JSKIP_DRY_RUN);
		assert_int_equal(rs.steps[i].nattempts, 0);
	}
	assert_int_equal(rs.nsteps, 8);
	assert_int_equal(rs.outcome, JOUTCOME_COMPLETED);
	runstate_clear(&rs);
}

static void
test_failed(void **state)
{
	struct runstate rs;
	const struct rs_step *s;

	(void)state;
	fold(&rs, "failed");
	check_common(&rs);
	assert_int_equal(rs.mode, JMODE_LIVE);
	assert_string_equal(rs.environment, "production");
	s = step(&rs, "risky");
	assert_int_equal(s->status, JSTATUS_FAILED);
	assert_int_equal(s->reason_kind, JREASON_EXIT);
	assert_int_equal(s->ndecisions, 1);
	assert_int_equal(rs.decisions.n, 1);
	assert_int_equal(rs.decisions.v[0].kind, JDEC_ABORT);
	assert_int_equal(rs.decisions.v[0].step, runstate_find_step(&rs, "risky"));
	/* Its on_failure handler ran (and failed) before the decision; the
	 * step keeps its own failure. */
	assert_int_equal(s->on_failure.n, 1);
	assert_int_equal(s->on_failure.status, JSTATUS_FAILED);
	assert_int_equal(s->on_failure.exit_code, 4);
	assert_string_equal(s->on_failure.exit_desc, "exited 4");
	assert_string_equal(s->on_failure.command, "echo \"collected the logs\"; exit 4");
	assert_string_equal(s->on_failure.output, "output/08-risky.on_failure.log");
	assert_true(s->on_failure.start_ms > 0 && s->on_failure.end_ms >= s->on_failure.start_ms);
	assert_int_equal(s->attempts[s->nattempts - 1].exit_code, 1);
	assert_int_equal(step(&rs, "flaky")->on_failure.n, 0);
	assert_int_equal(rs.outcome, JOUTCOME_ABORTED);
	assert_string_equal(rs.outcome_word, "aborted");
	runstate_clear(&rs);
}

static void
test_rolled_back(void **state)
{
	struct runstate rs;
	const struct rs_step *s;

	(void)state;
	fold(&rs, "rolledback");
	check_common(&rs);
	assert_string_equal(rs.started_by, "bob");
	s = step(&rs, "risky");
	assert_int_equal(s->rolled_back, 1);
	assert_false(s->rollback_running);
	assert_int_equal(s->nrollbacks, 1);
	assert_int_equal(s->rollback.status, JSTATUS_OK);
	assert_string_equal(s->rollback.output, "output/08-risky.rollback.log");
	assert_int_equal(s->rollback.lines, 1);
	assert_int_equal(s->nattempts, 1);
	assert_int_equal(s->attempts[0].status, JSTATUS_FAILED);
	/* Skipped by a person after the rollback: not a planned skip. */
	assert_int_equal(s->status, JSTATUS_SKIPPED);
	assert_int_equal(s->skip, JSKIP_OPERATOR);
	assert_false(runstate_skip_planned(s));
	assert_string_equal(s->reason, "rolled back, not needed");
	assert_int_equal(rs.decisions.v[0].kind, JDEC_ROLLBACK);
	assert_string_equal(step(&rs, "attest")->note, "green on the dashboard");
	runstate_clear(&rs);
}

static void
test_resumed(void **state)
{
	struct runstate rs;
	const struct rs_step *s;

	(void)state;
	fold(&rs, "resumed");
	check_common(&rs);
	check_flaky(&rs);
	assert_int_equal(rs.resumes.n, 1);
	assert_string_equal(rs.resumes.v[0].interrupted_step, "hold");
	assert_string_equal(rs.resumes.v[0].operator, "carol");
	assert_int_equal(rs.handoffs.n, 1);
	assert_string_equal(rs.handoffs.v[0].from, "alice");
	assert_string_equal(rs.handoffs.v[0].to, "carol");
	assert_string_equal(rs.started_by, "alice");
	assert_string_equal(rs.operator, "carol");
	/* The attempt the kill cut stays unknown; the rerun ended ok. */
	s = step(&rs, "hold");
	assert_int_equal(s->nattempts, 2);
	assert_int_equal(s->attempts[0].status, JSTATUS_INTERRUPTED);
	assert_int_equal(s->attempts[0].reason_kind, JREASON_INTERRUPTED);
	assert_int_equal(s->attempts[0].end_ms, 0);
	assert_int_equal(s->attempts[1].status, JSTATUS_OK);
	assert_int_equal(s->status, JSTATUS_OK);
	assert_int_equal(rs.outcome, JOUTCOME_COMPLETED);
	runstate_clear(&rs);
}

/* Journals from before the schema: no schema, no mode, no skip kinds. */
static void
test_old_journals(void **state)
{
	struct runstate rs;

	(void)state;
	fold(&rs, "v0-drill");
	check_common(&rs);
	assert_int_equal(rs.schema, 0);
	assert_int_equal(rs.mode, JMODE_DRILL);
	assert_true(rs.mode_known);
	assert_int_equal(step(&rs, "page")->skip, JSKIP_DRILL);
	assert_int_equal(step(&rs, "optional")->skip, JSKIP_WHEN);
	runstate_clear(&rs);
	fold(&rs, "v0-resumed");
	check_common(&rs);
	assert_int_equal(rs.schema, 0);
	assert_int_equal(rs.mode, JMODE_LIVE);
	assert_int_equal(rs.resumes.n, 1);
	runstate_clear(&rs);
}

/* --- limits, fed line by line --- */

static void
feed(struct runstate *rs, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	runstate_feed(rs, buf, strlen(buf), NULL);
}

static void
test_bounded(void **state)
{
	struct runstate rs;
	const struct rs_step *s;

	(void)state;
	runstate_init(&rs);
	feed(&rs, "{\"seq\":1,\"ts\":\"2026-11-23T10:00:00Z\",\"event\":\"run.start\",\"mode\":\"live\"}");
	for (int k = 0; k < RS_LIST_MAX + 500; k++)
		feed(&rs, "{\"event\":\"note\",\"text\":\"n%d\"}", k);
	assert_int_equal(rs.notes.n, RS_LIST_MAX);
	assert_int_equal(rs.notes.dropped, 500);
	assert_string_equal(rs.notes.v[0].text, "n500");
	for (int k = 1; k <= 3 * RS_ATTEMPTS_KEPT; k++) {
		feed(&rs, "{\"event\":\"step.start\",\"step\":\"s\",\"index\":1,\"attempt\":%d}", k);
		feed(&rs, "{\"event\":\"step.end\",\"step\":\"s\",\"index\":1,\"attempt\":%d,\"status\":\"failed\","
		    "\"duration_ms\":10,\"exit_code\":2}", k);
	}
	s = step(&rs, "s");
	assert_int_equal(s->nattempts, RS_ATTEMPTS_KEPT);
	assert_int_equal(s->nattempts_total, 3 * RS_ATTEMPTS_KEPT);
	assert_int_equal(s->attempts[0].n, 1);
	assert_int_equal(s->attempts[RS_ATTEMPTS_KEPT / 2 - 1].n, RS_ATTEMPTS_KEPT / 2);
	assert_int_equal(s->attempts[RS_ATTEMPTS_KEPT - 1].n, 3 * RS_ATTEMPTS_KEPT);
	assert_int_equal(s->total_ms, 10 * 3 * RS_ATTEMPTS_KEPT);
	assert_string_equal(s->attempts[RS_ATTEMPTS_KEPT - 1].output, "output/01-s.192.log");
	runstate_clear(&rs);
}

static void
test_hostile_lines(void **state)
{
	struct runstate rs;

	(void)state;
	runstate_init(&rs);
	assert_int_equal(runstate_feed(&rs, "[1,2]", 5, NULL), -1);
	assert_int_equal(runstate_feed(&rs, "{\"event\":", 9, NULL), -1);
	assert_int_equal(rs.bad_lines, 2);
	feed(&rs, "{\"event\":\"step.launch\",\"step\":\"x\"}");
	feed(&rs, "{\"event\":\"step.end\"}");			/* no step: nothing to fold */
	feed(&rs, "{\"event\":\"step.end\",\"step\":7}");	/* not a string */
	feed(&rs, "{\"event\":\"step.end\",\"step\":\"x\",\"status\":\"exploded\"}");
	feed(&rs, "{\"event\":\"run.start\",\"mode\":\"chaos\"}");
	/* A journaled kind wins over the words; a decision never makes a step. */
	feed(&rs, "{\"event\":\"decision\",\"decision\":\"abort now\",\"kind\":\"retry\",\"step\":\"y\"}");
	feed(&rs, "{\"event\":\"decision\",\"decision\":\"continue (on_failure: continue)\"}");
	assert_int_equal(rs.decisions.n, 2);
	assert_int_equal(rs.decisions.v[0].kind, JDEC_RETRY);
	assert_int_equal(rs.decisions.v[0].step, -1);
	assert_int_equal(rs.decisions.v[1].kind, JDEC_CONTINUE);
	assert_int_equal(rs.unknown, 1);
	assert_int_equal(rs.nsteps, 1);
	assert_int_equal(rs.steps[0].status, JSTATUS_FAILED);	/* an unknown status is no success */
	assert_false(rs.mode_known);
	assert_int_equal(rs.events, 7);
	/* A dismissal from the console's list is a run.end of its own kind. */
	feed(&rs, "{\"event\":\"run.end\",\"status\":\"dismissed\",\"reason\":\"stale drill\"}");
	assert_int_equal(rs.outcome, JOUTCOME_DISMISSED);
	assert_string_equal(rs.outcome_reason, "stale drill");
	assert_false(rs.open);
	runstate_clear(&rs);
}

struct stopper {
	int seen;
};

static int
stop_at_three(void *arg, const struct runstate *rs, const struct rs_event *ev)
{
	struct stopper *st = arg;

	(void)rs;
	assert_non_null(ev->raw);
	assert_int_equal(ev->seq, ++st->seen);
	return st->seen == 3;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/drc-runstate-XXXXXX", *path, *cause = NULL;
	struct runstate rs;
	struct stopper st = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xprintf("%s/%s", dir, JOURNAL_FILE);
	/* A torn last line (a crash mid-write) is left out. */
	write_file(path, "{\"seq\":1,\"event\":\"run.start\"}\n{\"seq\":2,\"event\":\"note\",\"text\":\"a\"}\n"
	    "{\"seq\":3,\"event\":\"note\",\"text\":\"b\"}\n{\"seq\":4,\"event\":\"note\",\"te");
	runstate_init(&rs);
	assert_int_equal(runstate_load(&rs, dir, 0, NULL, NULL, &cause), 0);
	assert_int_equal(rs.events, 3);
	assert_int_equal(rs.notes.n, 2);
	runstate_clear(&rs);
	/* A reader may stop early. */
	assert_int_equal(runstate_load(&rs, dir, 0, stop_at_three, &st, &cause), 0);
	assert_int_equal(st.seen, 3);
	runstate_clear(&rs);
	/* A complete line that is not JSON fails, unless lenient. */
	write_file(path, "{\"seq\":1,\"event\":\"run.start\"}\nnot json\n{\"seq\":3,\"event\":\"note\",\"text\":\"b\"}\n");
	assert_int_equal(runstate_load(&rs, dir, 0, NULL, NULL, &cause), -1);
	assert_non_null(strstr(cause, ":2: not a JSON object"));
	free(cause);
	runstate_clear(&rs);
	assert_int_equal(runstate_load(&rs, dir, RS_LOAD_LENIENT, NULL, NULL, &cause), 0);
	assert_int_equal(rs.bad_lines, 1);
	assert_int_equal(rs.notes.n, 1);
	runstate_clear(&rs);
	unlink(path);
	assert_int_equal(runstate_load(&rs, dir, 0, NULL, NULL, &cause), -1);
	free(cause);
	runstate_clear(&rs);
	rmdir(dir);
	free(path);
}

/* runstate_load_with's parse hook: counts the lines and hides "text". */
static json_t *
parse_counting(void *arg, const char *line, size_t len, json_error_t *error)
{
	json_t *o = json_loadb(line, len, 0, error);

	(*(int *)arg)++;
	json_object_del(o, "text");
	return o;
}

static void
count_skipped(void *arg)
{
	((struct stopper *)arg)->seen += 100;
}

static void
test_load_with(void **state)
{
	char dir[] = "/tmp/drc-runstate-XXXXXX", *path, *cause = NULL;
	struct stopper st = { 0 };
	struct rs_load how = { .flags = RS_LOAD_LENIENT, .skipped = count_skipped, .arg = &st };
	struct runstate rs;
	int parsed = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xprintf("%s/%s", dir, JOURNAL_FILE);
	write_file(path, "{\"seq\":1,\"event\":\"run.start\"}\nnot json\n{\"seq\":3,\"event\":\"note\",\"text\":\"b\"}\n"
	    "{\"seq\":4,\"ev");
	/* Lenient: the line that is not JSON is skipped and said so; the
	 * torn tail is measured. */
	runstate_init(&rs);
	assert_int_equal(runstate_load_with(&rs, dir, &how, &cause), 0);
	assert_int_equal(st.seen, 100);
	assert_int_equal(rs.bad_lines, 1);
	assert_int_equal(rs.events, 2);
	assert_int_equal(how.torn, strlen("{\"seq\":4,\"ev"));
	assert_false(how.stopped);
	runstate_clear(&rs);
	/* The parse hook's JSON is what is folded. */
	how.parse = parse_counting;
	how.parse_arg = &parsed;
	runstate_init(&rs);
	assert_int_equal(runstate_load_with(&rs, dir, &how, &cause), 0);
	assert_int_equal(parsed, 3);
	assert_int_equal(rs.notes.n, 1);
	assert_null(rs.notes.v[0].text);
	runstate_clear(&rs);
	/* Not lenient: the bad line stops the reading. */
	how.flags = 0;
	runstate_init(&rs);
	assert_int_equal(runstate_load_with(&rs, dir, &how, &cause), -1);
	assert_true(how.stopped);
	assert_int_equal(st.seen, 200);	/* skipped is for lenient readings only */
	free(cause);
	runstate_clear(&rs);
	unlink(path);
	rmdir(dir);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drill),
		cmocka_unit_test(test_training),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_rolled_back),
		cmocka_unit_test(test_resumed),
		cmocka_unit_test(test_old_journals),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_with),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
