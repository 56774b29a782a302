/* test_runpolicy.c: the run policy both front ends call, driven directly
 * over a real engine (real children, a real journal): confirm kinds for
 * every mode and flag, what follows a failure and what it journals, the
 * choices after it, running a step again, what comes next, the outcome
 * and the exit code; and the decisions' journal texts, which must never
 * change (old journals are read by them). */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "commands.h"
#include "diag.h"
#include "journal.h"
#include "loader.h"
#include "runpolicy.h"
#include "xmalloc.h"

struct run {
	char dir[64];
	struct runbook *rb;
	struct loop *loop;
	struct engine *e;
};

#define RB_HEAD "id: t\ntitle: T\nobjectives: { rto: 4h, rpo: 15m }\n"

/* --answer NAME=VALUE for the next open_run (engine_opts.answers). */
static struct param_value *given_answers;
static int ngiven_answers;

static void
open_run(struct run *r, const char *yaml, enum run_mode mode)
{
	struct engine_opts o = { 0 };
	struct diags d = { 0 };
	char *cause = NULL;

	strcpy(r->dir, "/tmp/drc-policy-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	strcat(r->dir, "/incident");
	r->rb = loader_load_buffer("test.yaml", (const unsigned char *)yaml, strlen(yaml), &d);
	if (r->rb == NULL) {
		diags_print(&d, stderr);
		fail_msg("runbook did not load");
	}
	diags_clear(&d);
	r->loop = loop_new();
	o.rb = r->rb;
	o.loop = r->loop;
	o.operator = "tester";
	o.mode = mode;
	o.incident_dir = r->dir;
	o.answers = given_answers;
	o.nanswers = ngiven_answers;
	if (engine_new(&r->e, &o, &cause) != 0)
		fail_msg("engine_new: %s", cause);
}

static void
wait_idle(struct run *r)
{
	int64_t deadline = clock_mono_ms() + 15000;

	while (engine_busy(r->e) && clock_mono_ms() < deadline)
		loop_run_once(r->loop, 100);
	assert_false(engine_busy(r->e));
}

static void
run_step(struct run *r, int i)
{
	char *cause = NULL;

	if (engine_start_step(r->e, i, HOW_AUTO, &cause) != 0)
		fail_msg("start: %s", cause);
	wait_idle(r);
}

static void
close_run(struct run *r)
{
	char cmd[128], *top;

	engine_free(r->e);
	loop_free(r->loop);
	runbook_free(r->rb);
	top = strrchr(r->dir, '/');
	*top = '\0';
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
	assert_int_equal(system(cmd), 0);
}

/* The journal's decisions, one a line; with kinds, "KIND DECISION". */
static char *
journaled_decisions_as(struct run *r, int kinds)
{
	json_t *events, *ev;
	char *cause = NULL, *out = xcalloc(1, 4096), both[512];
	size_t n;

	assert_int_equal(journal_load(r->dir, &events, &cause), 0);
	json_array_foreach(events, n, ev) {
		const char *d = json_string_value(json_object_get(ev, "decision"));

		if (d != NULL && kinds) {
			snprintf(both, sizeof both, "%s %s", json_string_value(json_object_get(ev, "kind")), d);
			d = both;
		}

		if (d != NULL && strlen(out) + strlen(d) + 2 < 4096) {
			strcat(out, d);
			strcat(out, "\n");
		}
	}
	json_decref(events);
	return out;
}

static char *
journaled_decisions(struct run *r)
{
	return journaled_decisions_as(r, 0);
}

/* Readers of old journals match these: they are part of the format. */
static void
test_decision_texts_are_stable(void **state)
{
	static const char *const want[DECISION_COUNT] = {
		"abort", "retry", "rollback", "continue (on_failure: continue)", "abort (on_failure: abort)",
		"abort (no terminal to ask)", "abort (interrupted)", "abort (an incident file could not be written)",
		"re-run the interrupted step", "attached", "detached",
		"run without input (no terminal; --yes and stop_ok)", "abort (interactive step, no terminal)",
		"quit: cancel the running step", "quit: leave the step running", "quit: incident left open",
		"%s: exit, incident left open", "%s: cancel the running step and exit, incident left open",
		"run ahead: %s still pending", "continue (until: on_timeout: continue)",
		"end the run (end_run): %s", "go on (end_run.when cannot be evaluated: %s)", "inject read: %s",
	};

	(void)state;
	for (int d = 0; d < DECISION_COUNT; d++)
		assert_string_equal(run_decision_text((enum run_decision)d), want[d]);
	assert_string_equal(run_outcome_name(OUTCOME_COMPLETED), "completed");
	assert_string_equal(run_outcome_name(OUTCOME_FAILED), "failed");
	assert_string_equal(run_outcome_name(OUTCOME_ABORTED), "aborted");
	assert_string_equal(run_outcome_name(OUTCOME_INTERRUPTED), "interrupted");
}

static void
test_decide_fills_the_detail(void **state)
{
	struct run r;
	char *cause = NULL, *got;

	(void)state;
	open_run(&r, RB_HEAD "steps:\n  - { id: a, title: a, run: 'true' }\n", MODE_LIVE);
	assert_int_equal(runpolicy_decide(r.e, -1, DECISION_SIGNAL_EXIT, "SIGTERM", &cause), 0);
	assert_int_equal(runpolicy_decide(r.e, 0, DECISION_RUN_AHEAD, "1 a", &cause), 0);
	assert_int_equal(runpolicy_decide(r.e, 0, DECISION_RETRY, "ignored", &cause), 0);
	/* A detail is data, never a format: step ids are the runbook author's. */
	assert_int_equal(runpolicy_decide(r.e, 0, DECISION_RUN_AHEAD, "%s%n%x", &cause), 0);
	got = journaled_decisions(&r);
	assert_string_equal(got, "SIGTERM: exit, incident left open\nrun ahead: 1 a still pending\nretry\n"
	    "run ahead: %s%n%x still pending\n");
	free(got);
	/* The kind is the table's, never guessed from the words: a signal's
	 * exit is a quit though its text starts with the signal's name. */
	got = journaled_decisions_as(&r, 1);
	assert_string_equal(got, "quit SIGTERM: exit, incident left open\nother run ahead: 1 a still pending\n"
	    "retry retry\nother run ahead: %s%n%x still pending\n");
	free(got);
	close_run(&r);
}

#define CONFIRM_RB RB_HEAD "steps:\n" \
	"  - { id: no, title: no, run: 'true', confirm: no }\n" \
	"  - { id: yes, title: yes, run: 'true' }\n" \
	"  - { id: type, title: type, run: 'true', confirm: type }\n" \
	"  - { id: appr, title: appr, run: 'true', confirm: approval }\n" \
	"  - { id: man, title: man, manual: 'do it' }\n"

static void
test_confirm_kinds(void **state)
{
	struct runpolicy_opts tty = { 1, 0, 0, 0 }, tty_yes = { 1, 1, 0, 0 }, cron = { 0, 0, 0, 0 },
	    cron_yes = { 0, 1, 0, 0 }, cron_destr = { 0, 1, 1, 0 };
	struct run r;
	char *why;

	(void)state;
	open_run(&r, CONFIRM_RB, MODE_LIVE);
	assert_int_equal(runpolicy_confirm(r.e, 0, &tty), ASK_NOTHING);
	assert_int_equal(runpolicy_confirm(r.e, 1, &tty), ASK_YES);
	assert_int_equal(runpolicy_confirm(r.e, 1, &tty_yes), ASK_NOTHING);
	assert_int_equal(runpolicy_confirm(r.e, 1, &cron), ASK_NOTHING);
	assert_int_equal(runpolicy_confirm(r.e, 2, &tty), ASK_TYPED);
	assert_int_equal(runpolicy_confirm(r.e, 2, &tty_yes), ASK_TYPED);	/* --yes never types an id */
	assert_int_equal(runpolicy_confirm(r.e, 2, &cron_yes), ASK_REFUSED);
	assert_int_equal(runpolicy_confirm(r.e, 2, &cron_destr), ASK_NOTHING);
	assert_int_equal(runpolicy_confirm(r.e, 3, &tty), ASK_APPROVAL);
	assert_int_equal(runpolicy_confirm(r.e, 3, &cron_destr), ASK_APPROVAL);
	assert_int_equal(runpolicy_confirm(r.e, 4, &tty), ASK_ATTEST);
	assert_int_equal(runpolicy_confirm(r.e, 4, &cron_yes), ASK_ATTEST_UNATTENDED);
	assert_int_equal(runpolicy_confirm(r.e, 4, &cron), ASK_REFUSED);
	why = runpolicy_refusal(r.e, 2);
	assert_non_null(strstr(why, "--allow-destructive"));
	free(why);
	why = runpolicy_refusal(r.e, 4);
	assert_non_null(strstr(why, "--yes attests"));
	free(why);
	close_run(&r);

	/* A dry run asks nothing and attests nothing. */
	open_run(&r, CONFIRM_RB, MODE_DRY_RUN);
	for (int i = 0; i < 4; i++)
		assert_int_equal(runpolicy_confirm(r.e, i, &tty), ASK_NOTHING);
	assert_int_equal(runpolicy_confirm(r.e, 4, &tty), ASK_DRY_SKIP);
	close_run(&r);
}

#define INPUT_RB RB_HEAD "steps:\n" \
	"  - { id: size, title: size, input: { name: size, type: int } }\n" \
	"  - { id: tok, title: tok, input: { name: tok, type: secret } }\n" \
	"  - { id: use, title: use, run: 'echo {{ size }}', confirm: no }\n"

/* An input step is asked on a terminal, refused unattended without an
 * answer (saying how to give one), taken from --answer when given (a
 * secret never), and skipped by a dry run; its answer is checked as a
 * param's value and becomes a capture later steps use. */
static void
test_input_asks(void **state)
{
	struct runpolicy_opts tty = { 1, 0, 0, 0 }, tty_yes = { 1, 1, 0, 0 }, cron = { 0, 0, 0, 0 };
	struct param_value answers[] = { { "size", "3" }, { "tok", "Zq8-a-long-secret" } };
	struct run r;
	char *why, *cause = NULL;

	(void)state;
	open_run(&r, INPUT_RB, MODE_LIVE);
	assert_int_equal(runpolicy_confirm(r.e, 0, &tty), ASK_INPUT);
	assert_int_equal(runpolicy_confirm(r.e, 0, &tty_yes), ASK_REFUSED);
	assert_int_equal(runpolicy_confirm(r.e, 0, &cron), ASK_REFUSED);
	why = runpolicy_refusal(r.e, 0);
	assert_non_null(strstr(why, "--answer size=VALUE"));
	free(why);
	why = runpolicy_refusal(r.e, 1);
	assert_non_null(strstr(why, "DRCONSOLE_ANSWER_tok"));
	free(why);
	assert_int_equal(engine_answer(r.e, 0, "three", HOW_ANSWERED, NULL, &cause), -1);
	assert_non_null(strstr(cause, "not a whole number"));
	free(cause);
	assert_int_equal(engine_answer(r.e, 0, "3\x1b[2J", HOW_ANSWERED, NULL, &cause), -1);
	assert_non_null(strstr(cause, "control character"));
	free(cause);
	assert_int_equal(engine_step(r.e, 0)->status, STEP_PENDING);
	assert_int_equal(engine_answer(r.e, 0, "7", HOW_ANSWERED, NULL, &cause), 0);
	assert_int_equal(engine_step(r.e, 0)->status, STEP_OK);
	assert_int_equal(engine_start_step(r.e, 1, HOW_AUTO, &cause), -1);	/* answered, never started */
	free(cause);
	run_step(&r, 2);
	assert_int_equal(engine_step(r.e, 2)->status, STEP_OK);
	close_run(&r);

	given_answers = answers;
	ngiven_answers = 2;
	open_run(&r, INPUT_RB, MODE_LIVE);
	assert_int_equal(runpolicy_confirm(r.e, 0, &cron), ASK_INPUT_GIVEN);
	assert_int_equal(runpolicy_answer_given(r.e, 0, &cause), 0);
	assert_int_equal(engine_step(r.e, 0)->status, STEP_OK);
	assert_int_equal(runpolicy_confirm(r.e, 1, &cron), ASK_INPUT_GIVEN);
	assert_int_equal(runpolicy_answer_given(r.e, 1, &cause), -1);	/* a secret on a command line */
	assert_non_null(strstr(cause, "not --answer"));
	free(cause);
	close_run(&r);

	open_run(&r, INPUT_RB, MODE_DRY_RUN);
	assert_int_equal(runpolicy_confirm(r.e, 0, &tty), ASK_DRY_SKIP);
	close_run(&r);
	given_answers = NULL;
	ngiven_answers = 0;
}

static void
test_condition_skips(void **state)
{
	struct run r;
	char *why = NULL;

	(void)state;
	open_run(&r, RB_HEAD "steps:\n  - { id: a, title: a, run: 'exit 1', on_failure: continue }\n"
	    "  - { id: b, title: b, run: 'true', when: 'a.status == \"ok\"' }\n"
	    "  - { id: c, title: c, run: 'true', when: 'a.status == \"failed\"' }\n", MODE_LIVE);
	run_step(&r, 0);
	assert_int_equal(runpolicy_condition(r.e, 1, &why), 1);
	assert_non_null(why);
	free(why);
	why = NULL;
	assert_int_equal(engine_step(r.e, 1)->status, STEP_SKIPPED);
	assert_int_equal(runpolicy_condition(r.e, 2, &why), 0);
	assert_int_equal(engine_step(r.e, 2)->status, STEP_PENDING);
	free(why);
	close_run(&r);
}

#define FAIL_RB RB_HEAD "steps:\n" \
	"  - { id: go-on, title: a, run: 'exit 1', on_failure: continue }\n" \
	"  - { id: stop, title: b, run: 'exit 1', on_failure: abort }\n" \
	"  - { id: ask, title: c, run: 'exit 1', rollback: 'true' }\n" \
	"  - { id: plain, title: d, run: 'exit 1' }\n"

static void
test_after_failure(void **state)
{
	struct runpolicy_opts tty = { 1, 0, 0, 0 }, cron = { 0, 1, 0, 0 }, cron_int = { 0, 1, 0, 1 };
	struct run r;
	char *got;

	(void)state;
	open_run(&r, FAIL_RB, MODE_LIVE);
	for (int i = 0; i < 4; i++)
		run_step(&r, i);
	assert_int_equal(runpolicy_after_failure(r.e, 0, &tty), FAILURE_CONTINUE);
	assert_int_equal(runpolicy_after_failure(r.e, 1, &tty), FAILURE_ABORT);
	assert_int_equal(runpolicy_after_failure(r.e, 2, &tty), FAILURE_ASK);
	assert_int_equal(runpolicy_after_failure(r.e, 3, &cron), FAILURE_ABORT);
	/* Interrupted with nobody to ask ends the run only for a cancelled step. */
	assert_int_equal(runpolicy_after_failure(r.e, 3, &cron_int), FAILURE_ABORT);
	got = journaled_decisions(&r);
	assert_string_equal(got, "continue (on_failure: continue)\nabort (on_failure: abort)\n"
	    "abort (no terminal to ask)\nabort (no terminal to ask)\n");
	free(got);
	assert_int_equal(runpolicy_choices(r.e, 3), CHOICE_RETRY | CHOICE_SKIP | CHOICE_ABORT);
	assert_int_equal(runpolicy_choices(r.e, 2), CHOICE_RETRY | CHOICE_SKIP | CHOICE_ABORT | CHOICE_ROLLBACK);
	close_run(&r);
}

static void
test_interrupt_with_nobody_to_ask(void **state)
{
	struct runpolicy_opts cron_int = { 0, 1, 0, 1 };
	struct run r;
	char *cause = NULL, *got;

	(void)state;
	open_run(&r, RB_HEAD "steps:\n  - { id: s, title: s, run: 'sleep 30' }\n", MODE_LIVE);
	assert_int_equal(engine_start_step(r.e, 0, HOW_AUTO, &cause), 0);
	engine_cancel(r.e, 0);
	wait_idle(&r);
	assert_int_equal(engine_step(r.e, 0)->status, STEP_CANCELLED);
	assert_int_equal(runpolicy_after_failure(r.e, 0, &cron_int), FAILURE_INTERRUPTED);
	got = journaled_decisions(&r);
	assert_string_equal(got, "abort (interrupted)\n");
	free(got);
	close_run(&r);
}

/* Enter and r on any step mean one thing, with one message: a rolled-back
 * step runs again, a done one does not. */
static void
test_rerun(void **state)
{
	struct run r;
	char *cause = NULL, *why;

	(void)state;
	open_run(&r, RB_HEAD "steps:\n  - { id: a, title: a, run: 'true', rollback: 'true' }\n"
	    "  - { id: b, title: b, run: 'exit 1' }\n  - { id: c, title: c, run: 'true' }\n", MODE_LIVE);
	assert_int_equal(runpolicy_rerun(r.e, 0), RERUN_FIRST);
	assert_null(runpolicy_why_not(r.e, 0));
	run_step(&r, 0);
	run_step(&r, 1);
	assert_int_equal(runpolicy_rerun(r.e, 0), RERUN_DONE);
	why = runpolicy_why_not(r.e, 0);
	assert_non_null(strstr(why, "'a' is done"));
	free(why);
	assert_int_equal(runpolicy_rerun(r.e, 1), RERUN_AFTER_FAILURE);
	assert_int_equal(engine_rollback(r.e, 0, &cause), 0);
	assert_int_equal(runpolicy_rerun(r.e, 0), RERUN_BUSY);
	wait_idle(&r);
	assert_int_equal(engine_step(r.e, 0)->status, STEP_ROLLED_BACK);
	assert_int_equal(runpolicy_rerun(r.e, 0), RERUN_AGAIN);
	assert_null(runpolicy_why_not(r.e, 0));
	assert_int_equal(runpolicy_choices(r.e, 0) & CHOICE_ROLLBACK, 0);
	assert_int_equal(engine_skip(r.e, 2, JSKIP_OPERATOR, "not now", &cause), 0);
	assert_int_equal(runpolicy_rerun(r.e, 2), RERUN_AGAIN);
	close_run(&r);
}

static void
test_next_outcome_and_exit(void **state)
{
	struct run r;
	int passed[3] = { 0 };
	char *cause = NULL;

	(void)state;
	open_run(&r, RB_HEAD "steps:\n  - { id: a, title: a, run: 'true' }\n"
	    "  - { id: b, title: b, run: 'exit 1', on_failure: continue }\n  - { id: c, title: c, run: 'true' }\n",
	    MODE_LIVE);
	assert_int_equal(runpolicy_next(r.e, 0, NULL), 0);
	run_step(&r, 0);
	assert_int_equal(runpolicy_next(r.e, 0, NULL), 1);
	run_step(&r, 1);
	assert_int_equal(runpolicy_next(r.e, 0, passed), 1);	/* unanswered: still needs the operator */
	assert_int_equal(runpolicy_next_round(r.e, 2, passed), 1);
	passed[1] = 1;
	assert_int_equal(runpolicy_next(r.e, 0, passed), 2);
	assert_false(runpolicy_over(r.e, 0, passed));
	run_step(&r, 2);
	assert_int_equal(runpolicy_next(r.e, 0, passed), -1);
	assert_int_equal(runpolicy_next_round(r.e, 2, passed), 2);
	assert_true(runpolicy_over(r.e, 0, passed));
	assert_false(runpolicy_over(r.e, 0, NULL));
	assert_int_equal(runpolicy_outcome(r.e, 0), OUTCOME_FAILED);
	assert_int_equal(runpolicy_outcome(r.e, 2), OUTCOME_COMPLETED);
	assert_int_equal(runpolicy_exit_code(r.e, OUTCOME_COMPLETED), EXIT_OK);
	assert_int_equal(runpolicy_exit_code(r.e, OUTCOME_FAILED), EXIT_FAILED);
	assert_int_equal(runpolicy_exit_code(r.e, OUTCOME_ABORTED), EXIT_FAILED);
	assert_int_equal(runpolicy_exit_code(r.e, OUTCOME_INTERRUPTED), EXIT_INTERRUPTED);
	assert_int_equal(runpolicy_finish(r.e, OUTCOME_FAILED, &cause), 0);
	close_run(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decision_texts_are_stable),
		cmocka_unit_test(test_decide_fills_the_detail),
		cmocka_unit_test(test_confirm_kinds),
		cmocka_unit_test(test_condition_skips),
		cmocka_unit_test(test_after_failure),
		cmocka_unit_test(test_interrupt_with_nobody_to_ask),
		cmocka_unit_test(test_rerun),
		cmocka_unit_test(test_input_asks),
		cmocka_unit_test(test_next_outcome_and_exit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
