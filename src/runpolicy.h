/* runpolicy.h: the rules of a run, written once for both front ends (the
 * console, ui_run.c and ui_act.c, and line mode, cmd_run*.c): which step
 * comes next, a skip on a false `when:`, how a step is confirmed, what a
 * failure leads to and which choices follow it, when a step can run again,
 * and how the run ends (its status and the exit code). The front ends only
 * ask the operator and draw what the policy decided.
 *
 * Every decision journaled is an enum run_decision; its text in the
 * journal's "decision" field is the table's, never typed by a front end. */
#ifndef DRC_RUNPOLICY_H
#define DRC_RUNPOLICY_H

#include "engine.h"

/* The decisions a run journals: each its decision kind (jschema.def's,
 * journaled as "kind", so no reader guesses it from the words) and its
 * stable journal text. A text with %s takes a detail (runpolicy_decide). */
#define RUN_DECISIONS(X) \
	X(DECISION_ABORT, JDEC_ABORT, "abort") \
	X(DECISION_RETRY, JDEC_RETRY, "retry") \
	X(DECISION_ROLLBACK, JDEC_ROLLBACK, "rollback") \
	X(DECISION_CONTINUE_ON_FAILURE, JDEC_CONTINUE, "continue (on_failure: continue)") \
	X(DECISION_ABORT_ON_FAILURE, JDEC_ABORT, "abort (on_failure: abort)") \
	X(DECISION_ABORT_NO_TERMINAL, JDEC_ABORT, "abort (no terminal to ask)") \
	X(DECISION_ABORT_INTERRUPTED, JDEC_ABORT, "abort (interrupted)") \
	X(DECISION_ABORT_WRITE_FAILED, JDEC_ABORT, "abort (an incident file could not be written)") \
	X(DECISION_RERUN_INTERRUPTED, JDEC_RETRY, "re-run the interrupted step") \
	X(DECISION_ATTACHED, JDEC_OTHER, "attached") \
	X(DECISION_DETACHED, JDEC_OTHER, "detached") \
	X(DECISION_RUN_WITHOUT_INPUT, JDEC_CONTINUE, "run without input (no terminal; --yes and stop_ok)") \
	X(DECISION_ABORT_INTERACTIVE, JDEC_ABORT, "abort (interactive step, no terminal)") \
	X(DECISION_QUIT_CANCEL, JDEC_QUIT, "quit: cancel the running step") \
	X(DECISION_QUIT_LEAVE, JDEC_QUIT, "quit: leave the step running") \
	X(DECISION_QUIT_OPEN, JDEC_QUIT, "quit: incident left open") \
	X(DECISION_SIGNAL_EXIT, JDEC_QUIT, "%s: exit, incident left open") \
	X(DECISION_SIGNAL_CANCEL_EXIT, JDEC_QUIT, "%s: cancel the running step and exit, incident left open") \
	X(DECISION_RUN_AHEAD, JDEC_OTHER, "run ahead: %s still pending") \
	X(DECISION_CONTINUE_ON_TIMEOUT, JDEC_CONTINUE, "continue (until: on_timeout: continue)") \
	X(DECISION_END_RUN, JDEC_OTHER, "end the run (end_run): %s") \
	X(DECISION_END_RUN_UNDECIDED, JDEC_CONTINUE, "go on (end_run.when cannot be evaluated: %s)") \
	X(DECISION_INJECT_READ, JDEC_OTHER, "inject read: %s")

enum run_decision {
#define RUN_DECISION_ENUM(id, kind, text) id,
	RUN_DECISIONS(RUN_DECISION_ENUM)
#undef RUN_DECISION_ENUM
	DECISION_COUNT
};

/* The journal text of d (with %s where a detail goes). */
const char *run_decision_text(enum run_decision d);
/* The decision kind of d. */
enum js_decision run_decision_kind(enum run_decision d);

/* How a run ended: run.end's status. */
#define RUN_OUTCOMES(X) \
	X(OUTCOME_COMPLETED, "completed") \
	X(OUTCOME_FAILED, "failed") \
	X(OUTCOME_ABORTED, "aborted") \
	X(OUTCOME_INTERRUPTED, "interrupted")

enum run_outcome {
#define RUN_OUTCOME_ENUM(id, text) id,
	RUN_OUTCOMES(RUN_OUTCOME_ENUM)
#undef RUN_OUTCOME_ENUM
};

const char *run_outcome_name(enum run_outcome o);

/* What the front end can do: the same flags give the same decisions. */
struct runpolicy_opts {
	int interactive;	/* someone is there to answer */
	int yes;		/* --yes: confirm: yes steps and manual steps unattended */
	int allow_destructive;	/* --allow-destructive: confirm: type steps without typing */
	int interrupted;	/* the operator interrupted (Ctrl-C) with nobody to ask */
};

/* --- before a step --- */

/* Step i's `when:`: 0 it runs; 1 it was false and the step is skipped,
 * journaled, with *why (allocated) saying so; -1 it cannot be evaluated or
 * the skip not journaled, *why says why. */
int runpolicy_condition(struct engine *e, int i, char **why);

/* After step i ended ok: when its end_run.when holds, the incident is over:
 * the decision is journaled with the outcome, every step not started yet
 * is skipped with it as the reason, and 1 is returned (the run then ends
 * completed as every step is done). 0 the run goes on (a condition that
 * cannot be evaluated is journaled and does not end it). */
int runpolicy_end_run(struct engine *e, int i);

/* What the operator is asked before step i runs. */
enum confirm_ask {
	ASK_NOTHING,		/* runs now: confirm: no, --yes, a dry run (HOW_AUTO) */
	ASK_YES,		/* y / Enter (HOW_CONFIRMED) */
	ASK_TYPED,		/* the step id, typed: a destructive step (HOW_TYPED) */
	ASK_APPROVAL,		/* a second operator's approval (HOW_APPROVED) */
	ASK_ATTEST,		/* a manual step, attested by the operator (HOW_ATTESTED) */
	ASK_ATTEST_UNATTENDED,	/* a manual step attested by --yes (HOW_AUTO) */
	ASK_DRY_SKIP,		/* a manual step in a dry run: skipped, not attested */
	ASK_REFUSED,		/* it needs a person and nobody is there: the run stops */
	ASK_INPUT,		/* an input step: the operator types its value (HOW_ANSWERED) */
	ASK_INPUT_GIVEN,	/* an input step answered before the run (--answer): engine_given_answer */
};
enum confirm_ask runpolicy_confirm(const struct engine *e, int i, const struct runpolicy_opts *o);
/* Why ASK_REFUSED, for people; allocated. */
char *runpolicy_refusal(const struct engine *e, int i);
/* The note journaled with an attestation by --yes. */
#define RUNPOLICY_UNATTENDED_NOTE "attested unattended (--yes)"
/* The note journaled with an answer given before the run. */
#define RUNPOLICY_ANSWER_NOTE "answered before the run (--answer or DRCONSOLE_ANSWER_*)"
/* Step i's answer given before the run, once the policy says ASK_INPUT_GIVEN:
 * 0 answered; -1 it cannot be used (a secret on the command line, an
 * invalid value) and the run stops, *cause saying why. */
int runpolicy_answer_given(struct engine *e, int i, char **cause);
/* The reason of a manual step skipped in a dry run. */
#define RUNPOLICY_DRY_REASON ENGINE_DRY_RUN_REASON

/* --- after a failure --- */

enum failure_next {
	FAILURE_ASK,		/* ask the operator (runpolicy_choices) */
	FAILURE_CONTINUE,	/* on_failure: continue: go on (journaled) */
	FAILURE_ABORT,		/* the run stops (journaled) */
	FAILURE_INTERRUPTED,	/* the operator interrupted with nobody to ask: the run ends interrupted */
	FAILURE_STOPPED,	/* a file cannot be written: nothing starts again (journaled) */
};
/* What follows step i's failure; journals the decision it took. */
enum failure_next runpolicy_after_failure(struct engine *e, int i, const struct runpolicy_opts *o);

/* The operator's choices after a failure. */
#define CHOICE_RETRY 0x1
#define CHOICE_SKIP 0x2
#define CHOICE_ROLLBACK 0x4
#define CHOICE_ABORT 0x8
unsigned runpolicy_choices(const struct engine *e, int i);

/* --- running a step again --- */

/* What running step i (Enter, or r) means now. */
enum step_rerun {
	RERUN_FIRST,		/* not run yet: confirm and run it */
	RERUN_AFTER_FAILURE,	/* failed, timed out or cancelled: the failure's choices */
	RERUN_INTERRUPTED,	/* outcome unknown: re-run, mark done or skip */
	RERUN_AGAIN,		/* skipped or rolled back: running it is a new decision */
	RERUN_DONE,		/* ok: nothing to run */
	RERUN_BUSY,		/* it runs now */
};
enum step_rerun runpolicy_rerun(const struct engine *e, int i);
/* The one message for a step that cannot run now (RERUN_DONE, RERUN_BUSY),
 * or NULL; allocated. */
char *runpolicy_why_not(const struct engine *e, int i);

/* --- an interrupted step, on resume --- */

enum interrupted_next {
	INTERRUPTED_ASK,	/* no flag: the operator re-runs it, marks it done or skips it */
	INTERRUPTED_RERUN,	/* --rerun-interrupted: journaled; run it again, confirmed as any step */
	INTERRUPTED_SKIPPED,	/* --skip-interrupted: skipped, journaled */
	INTERRUPTED_STOPPED,	/* the skip was refused (*cause): the run stops */
};
/* How interrupted step i is settled by --rerun-interrupted (rerun) or
 * --skip-interrupted (skip), in line mode and the console alike. */
enum interrupted_next runpolicy_interrupted(struct engine *e, int i, int rerun, int skip, char **cause);
/* The reason of a step skipped by --skip-interrupted. */
#define RUNPOLICY_SKIP_INTERRUPTED_REASON "interrupted; skipped on resume (--skip-interrupted)"

/* --- what comes next, and the end --- */

/* Whether step i still needs the operator. passed (may be NULL) marks the
 * failed steps the run went on past. */
int runpolicy_needs_operator(const struct engine *e, int i, const int *passed);
/* The first step from `from` on (no wrapping) that needs the operator, or -1. */
int runpolicy_next(const struct engine *e, int from, const int *passed);
/* The next step after `from`, round to the top, that needs the operator;
 * from itself when none does. */
int runpolicy_next_round(const struct engine *e, int from, const int *passed);
/* 1 when every step from `first` on is over: ok, skipped, or ended and passed. */
int runpolicy_over(const struct engine *e, int first, const int *passed);
/* The outcome of a run whose steps from `first` on are over. */
enum run_outcome runpolicy_outcome(const struct engine *e, int first);
/* Journals run.end with the outcome; -1 with *cause. */
int runpolicy_finish(struct engine *e, enum run_outcome o, char **cause);
/* The process's exit code for a run that ended so. */
int runpolicy_exit_code(const struct engine *e, enum run_outcome o);

/* Journals decision d about step i (-1: the run), with detail for a text
 * that takes one; -1 with *cause when the journal cannot be written. */
int runpolicy_decide(struct engine *e, int i, enum run_decision d, const char *detail, char **cause);

#endif
