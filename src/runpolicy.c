/* runpolicy.c: the rules of a run that the console and line mode share
 * (runpolicy.h). Nothing here asks or draws; it reads the engine's state,
 * decides, and journals what it decided through the engine. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "runpolicy.h"
#include "xmalloc.h"

static const char *const decision_texts[] = {
#define RUN_DECISION_TEXT(id, kind, text) [id] = text,
	RUN_DECISIONS(RUN_DECISION_TEXT)
#undef RUN_DECISION_TEXT
};

static const char *const outcome_names[] = {
#define RUN_OUTCOME_TEXT(id, text) [id] = text,
	RUN_OUTCOMES(RUN_OUTCOME_TEXT)
#undef RUN_OUTCOME_TEXT
};

static const enum js_decision decision_kinds[] = {
#define RUN_DECISION_KIND(id, kind, text) [id] = kind,
	RUN_DECISIONS(RUN_DECISION_KIND)
#undef RUN_DECISION_KIND
};

enum js_decision
run_decision_kind(enum run_decision d)
{
	return (unsigned)d < DECISION_COUNT ? decision_kinds[d] : JDEC_OTHER;
}

const char *
run_decision_text(enum run_decision d)
{
	return (unsigned)d < DECISION_COUNT ? decision_texts[d] : "?";
}

const char *
run_outcome_name(enum run_outcome o)
{
	return (unsigned)o < sizeof outcome_names / sizeof outcome_names[0] ? outcome_names[o] : "?";
}

int
runpolicy_decide(struct engine *e, int i, enum run_decision d, const char *detail, char **cause)
{
	const char *text = run_decision_text(d), *at = strstr(text, "%s");
	char *line;
	int rc;

	if (at == NULL)
		return engine_decision(e, i, run_decision_kind(d), text, cause);
	/* The table's texts hold at most one %s: the detail goes there. */
	line = xprintf("%.*s%s%s", (int)(at - text), text, detail != NULL ? detail : "", at + 2);
	rc = engine_decision(e, i, run_decision_kind(d), line, cause);
	free(line);
	return rc;
}

/* A decision whose journaling failed is still taken: the engine keeps the
 * event to write later and told the front end already (engine.h). */
static void
decide(struct engine *e, int i, enum run_decision d)
{
	char *cause = NULL;

	if (runpolicy_decide(e, i, d, NULL, &cause) != 0)
		free(cause);
}

/* --- before a step --- */

int
runpolicy_condition(struct engine *e, int i, char **why)
{
	char *cause = NULL;
	int run = engine_condition(e, i, why);

	if (run == 1)
		return 0;
	if (run == 0 && engine_skip(e, i, JSKIP_WHEN, *why, &cause) == 0)
		return 1;
	if (cause != NULL) {
		free(*why);
		*why = cause;
	}
	return -1;
}

int
runpolicy_end_run(struct engine *e, int i)
{
	const struct step *s = &engine_runbook(e)->steps[i];
	char *why = NULL, *cause = NULL, *reason;
	int holds;

	/* A dry run ran nothing: it shows end_run, never takes it. */
	if (engine_mode(e) == MODE_DRY_RUN || engine_step(e, i)->status != STEP_OK)
		return 0;
	if ((holds = engine_end_run_holds(e, i, &why)) < 0) {
		if (runpolicy_decide(e, i, DECISION_END_RUN_UNDECIDED, why, &cause) != 0)
			free(cause);
		free(why);
		return 0;
	}
	if (holds == 0)
		return 0;
	if (runpolicy_decide(e, i, DECISION_END_RUN, s->end_run_outcome.s, &cause) != 0) {
		free(cause);
		cause = NULL;
	}
	reason = xprintf("end_run after '%s': %s", s->id, s->end_run_outcome.s);
	for (int k = 0; k < engine_runbook(e)->nsteps; k++) {
		if (engine_step(e, k)->status == STEP_PENDING && engine_skip(e, k, JSKIP_END_RUN, reason, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
	}
	free(reason);
	return 1;
}

enum confirm_ask
runpolicy_confirm(const struct engine *e, int i, const struct runpolicy_opts *o)
{
	const struct step *s = &engine_runbook(e)->steps[i];
	int dry = engine_mode(e) == MODE_DRY_RUN;
	enum confirm_mode mode;

	if (s->action == ACTION_INPUT) {
		if (dry)
			return ASK_DRY_SKIP;
		/* Given before the run wins, as --param does; unattended
		 * (--yes, or nobody there) without one nobody can answer. */
		if (engine_given_answer(e, i) != NULL)
			return ASK_INPUT_GIVEN;
		return o->interactive && !o->yes ? ASK_INPUT : ASK_REFUSED;
	}
	if (s->action == ACTION_MANUAL) {
		if (dry)
			return ASK_DRY_SKIP;
		if (o->interactive)
			return ASK_ATTEST;
		return o->yes ? ASK_ATTEST_UNATTENDED : ASK_REFUSED;
	}
	/* confirm.when decides between confirm and confirm.else here. */
	mode = engine_confirm_mode(e, i, NULL);
	if (dry || mode == CONFIRM_NO)
		return ASK_NOTHING;
	switch (mode) {
	case CONFIRM_APPROVAL:
		return ASK_APPROVAL;
	case CONFIRM_TYPE:
		if (o->allow_destructive)
			return ASK_NOTHING;
		return o->interactive ? ASK_TYPED : ASK_REFUSED;
	default:
		return o->yes || !o->interactive ? ASK_NOTHING : ASK_YES;
	}
}

char *
runpolicy_refusal(const struct engine *e, int i)
{
	const struct step *s = &engine_runbook(e)->steps[i];

	if (s->action == ACTION_INPUT && s->input.type == PARAM_SECRET)
		return xprintf("step '%s' asks for the secret '%s' and nobody is there to answer (--yes, or "
		    "no terminal): stopping here. Give it before the run in DRCONSOLE_ANSWER_%s.", s->id,
		    s->input.name, s->input.name);
	if (s->action == ACTION_INPUT)
		return xprintf("step '%s' asks for '%s' and nobody is there to answer (--yes, or no terminal): "
		    "stopping here. Give it before the run with --answer %s=VALUE.", s->id, s->input.name,
		    s->input.name);
	if (s->action == ACTION_MANUAL)
		return xprintf("step '%s' is manual and there is no terminal to attest it: stopping here "
		    "(--yes attests manual steps unattended)", s->id);
	return xprintf("step '%s' is destructive (confirm: type%s%s) and there is no terminal to confirm it: "
	    "stopping here. Re-run with --allow-destructive to run it unattended.", s->id,
	    s->confirm_when.s != NULL ? ", as confirm.when holds: " : "", s->confirm_when.s ? s->confirm_when.s : "");
}

int
runpolicy_answer_given(struct engine *e, int i, char **cause)
{
	if ((*cause = engine_answer_source_check(e, i)) != NULL)
		return -1;
	return engine_answer(e, i, engine_given_answer(e, i), HOW_AUTO, RUNPOLICY_ANSWER_NOTE, cause);
}

/* --- after a failure --- */

enum failure_next
runpolicy_after_failure(struct engine *e, int i, const struct runpolicy_opts *o)
{
	const struct step *s = &engine_runbook(e)->steps[i];

	if (engine_write_error(e) != NULL) {
		decide(e, i, DECISION_ABORT_WRITE_FAILED);
		return FAILURE_STOPPED;
	}
	/* Ctrl-C with nobody to ask: the operator meant to stop. */
	if (!o->interactive && o->interrupted && engine_step(e, i)->status == STEP_CANCELLED) {
		decide(e, i, DECISION_ABORT_INTERRUPTED);
		return FAILURE_INTERRUPTED;
	}
	/* until: ran out of time and the runbook says that is no failure of
	 * the run (on_timeout: continue), whatever on_failure says. */
	if (engine_step(e, i)->until_expired && runbook_until_continues(s)) {
		decide(e, i, DECISION_CONTINUE_ON_TIMEOUT);
		return FAILURE_CONTINUE;
	}
	if (s->on_failure == ONFAIL_CONTINUE) {
		decide(e, i, DECISION_CONTINUE_ON_FAILURE);
		return FAILURE_CONTINUE;
	}
	if (s->on_failure == ONFAIL_ABORT) {
		decide(e, i, DECISION_ABORT_ON_FAILURE);
		return FAILURE_ABORT;
	}
	if (!o->interactive) {
		decide(e, i, DECISION_ABORT_NO_TERMINAL);
		return FAILURE_ABORT;
	}
	return FAILURE_ASK;
}

unsigned
runpolicy_choices(const struct engine *e, int i)
{
	unsigned c = CHOICE_RETRY | CHOICE_SKIP | CHOICE_ABORT;

	/* Rolled back already: there is nothing left to undo. */
	if (engine_runbook(e)->steps[i].rollback.s != NULL && engine_step(e, i)->status != STEP_ROLLED_BACK)
		c |= CHOICE_ROLLBACK;
	return c;
}

/* --- running a step again --- */

enum step_rerun
runpolicy_rerun(const struct engine *e, int i)
{
	if (engine_running_step(e) == i)
		return RERUN_BUSY;
	switch (engine_step(e, i)->status) {
	case STEP_OK: return RERUN_DONE;
	case STEP_RUNNING: return RERUN_BUSY;
	case STEP_FAILED:
	case STEP_TIMEOUT:
	case STEP_CANCELLED: return RERUN_AFTER_FAILURE;
	case STEP_INTERRUPTED: return RERUN_INTERRUPTED;
	case STEP_SKIPPED:
	case STEP_ROLLED_BACK: return RERUN_AGAIN;
	default: return RERUN_FIRST;
	}
}

char *
runpolicy_why_not(const struct engine *e, int i)
{
	const char *id = engine_runbook(e)->steps[i].id;

	switch (runpolicy_rerun(e, i)) {
	case RERUN_DONE: return xprintf("'%s' is done: nothing to run (b rolls it back, if it has a rollback)", id);
	case RERUN_BUSY: return xprintf("'%s' is running", id);
	default: return NULL;
	}
}

/* --- an interrupted step, on resume --- */

enum interrupted_next
runpolicy_interrupted(struct engine *e, int i, int rerun, int skip, char **cause)
{
	if (rerun) {
		decide(e, i, DECISION_RERUN_INTERRUPTED);
		return INTERRUPTED_RERUN;
	}
	if (!skip)
		return INTERRUPTED_ASK;
	if (engine_skip(e, i, JSKIP_INTERRUPTED, RUNPOLICY_SKIP_INTERRUPTED_REASON, cause) != 0)
		return INTERRUPTED_STOPPED;
	return INTERRUPTED_SKIPPED;
}

/* --- what comes next, and the end --- */

int
runpolicy_needs_operator(const struct engine *e, int i, const int *passed)
{
	enum step_status st = engine_step(e, i)->status;

	if (st == STEP_OK || st == STEP_SKIPPED || st == STEP_RUNNING)
		return 0;
	return !(step_status_final(st) && passed != NULL && passed[i]);
}

int
runpolicy_next(const struct engine *e, int from, const int *passed)
{
	for (int i = from < 0 ? 0 : from; i < engine_runbook(e)->nsteps; i++) {
		if (runpolicy_needs_operator(e, i, passed))
			return i;
	}
	return -1;
}

int
runpolicy_next_round(const struct engine *e, int from, const int *passed)
{
	int n = engine_runbook(e)->nsteps;

	for (int k = 1; k <= n; k++) {
		int i = (from + k) % n;

		if (runpolicy_needs_operator(e, i, passed))
			return i;
	}
	return from;
}

int
runpolicy_over(const struct engine *e, int first, const int *passed)
{
	for (int i = first; i < engine_runbook(e)->nsteps; i++) {
		enum step_status st = engine_step(e, i)->status;

		if (st == STEP_OK || st == STEP_SKIPPED)
			continue;
		if (!step_status_final(st) || passed == NULL || !passed[i])
			return 0;
	}
	return 1;
}

/* Completed when every step from first on is ok or skipped; a step left
 * failed, or rolled back, makes it failed. */
enum run_outcome
runpolicy_outcome(const struct engine *e, int first)
{
	for (int i = first; i < engine_runbook(e)->nsteps; i++) {
		enum step_status st = engine_step(e, i)->status;

		if (st != STEP_OK && st != STEP_SKIPPED)
			return OUTCOME_FAILED;
	}
	return OUTCOME_COMPLETED;
}

int
runpolicy_finish(struct engine *e, enum run_outcome o, char **cause)
{
	return engine_finish(e, run_outcome_name(o), cause);
}

/* A run is a success only when it completed and its journal holds all of
 * it; an interrupted run says so as a shell does (128 + SIGINT). */
int
runpolicy_exit_code(const struct engine *e, enum run_outcome o)
{
	if (o == OUTCOME_INTERRUPTED)
		return EXIT_INTERRUPTED;
	return o == OUTCOME_COMPLETED && engine_journal_error(e) == NULL ? EXIT_OK : EXIT_FAILED;
}
