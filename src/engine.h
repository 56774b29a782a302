/* engine.h: the run of one runbook: its params, its steps' states, and the
 * actions front ends take on them. Both the full-screen console and the line
 * runner drive a run only through these functions and hear back through the
 * hooks; the engine knows nothing of screens.
 *
 * Every fact is journaled before the hooks hear of it, so nothing a front
 * end shows can be missing from the journal. If the journal cannot be
 * written, events wait in memory, in order, the running step is stopped
 * and no new step starts (engine_write_error). */
#ifndef DRC_ENGINE_H
#define DRC_ENGINE_H

#include <stdint.h>

#include "loop.h"
#include "jschema.h"
#include "outbuf.h"
#include "runbook.h"

enum step_status {
	STEP_PENDING,
	STEP_RUNNING,
	STEP_OK,
	STEP_FAILED,
	STEP_TIMEOUT,
	STEP_CANCELLED,
	STEP_SKIPPED,
	STEP_INTERRUPTED,	/* resumed after a crash: outcome unknown */
	STEP_ROLLED_BACK,	/* its rollback ran and succeeded: undone, may run again */
};
#define STEP_NSTATUS (STEP_ROLLED_BACK + 1)

enum run_mode {
	MODE_LIVE,
	MODE_DRILL,
	MODE_DRY_RUN,
	MODE_TRAINING,
};

/* How a step was confirmed, as the journal records it. */
enum confirm_how {
	HOW_CONFIRMED,		/* y / Enter */
	HOW_TYPED,		/* the operator typed the step id */
	HOW_AUTO,		/* confirm: no, --yes, or no terminal */
	HOW_ATTESTED,		/* a manual step */
	HOW_APPROVED,		/* confirm: approval, by a second operator */
	HOW_ANSWERED,		/* an input step, answered by the operator */
};

struct step_state {
	enum step_status status;
	int attempt;		/* 1-based; 0 before the first */
	int64_t started_wall;	/* ms since the epoch; 0 before the first start */
	int64_t duration_ms;	/* of the last attempt */
	int exit_code;		/* -1: none (signal, not run) */
	char exit_desc[48];	/* "exited 3", "killed by signal 9" */
	char *reason;		/* why it failed, or was skipped */
	char *note;		/* the operator's note, if any */
	char *command;		/* the expanded command, secrets masked */
	struct outbuf *out;	/* the scrollback, across attempts */
	int rolled_back;	/* 0 none, 1 rollback ok, -1 rollback failed */
	int rollback_running;
	int retry_waiting;	/* between attempts, waiting retry_delay_ms */
	int64_t retry_delay_ms;	/* the wait before the next attempt: retry_delay or until's every */
	int64_t wait_until_wall;	/* a wait step's end, for its countdown */
	int until_expired;	/* until: its within passed, the condition still not met */
};

struct engine_hooks {
	/* A step's state changed (status, attempt, rollback). */
	void (*step_changed)(void *arg, int step);
	/* Completed output lines of a step that arrived together (masked),
	 * already in the step's scrollback. */
	void (*output_block)(void *arg, int step, const struct outblock *block);
	/* Something the operator must see now: journal trouble and the like. */
	void (*notice)(void *arg, const char *message);
	/* A journal event was written (for the timeline). */
	void (*journaled)(void *arg, const char *event, const char *summary);
	/* An interactive step's output as it arrives, escape sequences and
	 * unfinished lines included (secrets masked within each piece), for
	 * a front end that shows a terminal. The same bytes still arrive as
	 * lines through output_block. Not called for a capture: secret step. */
	void (*raw_output)(void *arg, int step, const char *data, size_t len);
	/* A file of the incident (the journal, an output file) cannot be
	 * written: the running step was stopped and no further step starts.
	 * message says which file, why, what was lost and how to go on. */
	void (*write_failed)(void *arg, const char *message);
	/* Asked while the engine must block outside the loop (a secret's
	 * from_command, before the run starts): non-zero when the operator
	 * interrupted (Ctrl-C, SIGTERM), and the wait ends at once. NULL: the
	 * wait runs to its end or deadline. */
	int (*interrupted)(void *arg);
	void *arg;
};

struct param_value {
	char *name;
	char *value;
};

struct engine_opts {
	const struct runbook *rb;
	struct loop *loop;
	enum run_mode mode;
	int dry_drill;			/* MODE_DRY_RUN of a drill: stand-ins and drill skips */
	const char *operator;
	const char *incident_dir;	/* NULL: the default under XDG_STATE_HOME */
	struct param_value *params;	/* given values; the rest use defaults */
	int nparams;
	int64_t kill_grace_ms;		/* SIGTERM to SIGKILL; 0: 5 s */
	int accept_changed_runbook;	/* resume: go on though the file changed */
	int force_resume;		/* resume: go on though the journal does not verify */
	const char *environment;	/* NULL: the mode's default */
	struct param_value *answers;	/* --answer NAME=VALUE: input steps' answers (copied) */
	int nanswers;
	struct engine_hooks hooks;
};

struct engine;

/* Checks params (required, types, choices), generates secrets, creates
 * the incident directory and journal, and journals run.start. */
int engine_new(struct engine **out, const struct engine_opts *opts, char **cause);
/* Reopens an incident from its journal: done steps stay done, a step that
 * was running when the console died is STEP_INTERRUPTED. Returns
 * ENGINE_RESUME_CHANGED (ENGINE_RUNBOOK_CHANGED as *cause, for people) when
 * the runbook file's SHA-256 differs from run.start's, unless
 * opts->accept_changed_runbook: a front end asks on that typed result. A journal that
 * does not verify (verify.h) is refused, naming the first broken line,
 * unless opts->force_resume, and then run.resume records it as "forced".
 * Secret params must be given again: they were never written anywhere. */
#define ENGINE_RUNBOOK_CHANGED "the runbook file changed since the incident started"
#define ENGINE_RESUME_CHANGED (-2)
int engine_resume(struct engine **out, const struct engine_opts *opts, char **cause);
/* Whether the incident in dir may be resumed: its journal's chain and head
 * verify (0; output files are not reread), or not (-1 and *cause naming
 * the first broken line) unless force, when
 * *forced (if not NULL) says what was wrong. A journal does not verify
 * without its key, so a keyed incident is refused without it. */
int engine_resume_check(const char *dir, int force, char **forced, char **cause);

/* How an incident runs: the mode and environment its run.start recorded.
 * A resume keeps both, so a drill stays a drill and training stays training. */
struct run_setup {
	enum run_mode mode;
	char *environment;	/* NULL: the incident had none */
	struct param_value *params;	/* run.start's written values (never a secret's) */
	int nparams;
};
/* Reads the setup a resume of incident_dir keeps. asked_mode and asked_env
 * are what the command line said (MODE_LIVE and NULL: nothing); a flag that
 * contradicts the incident is refused with a message naming it. engine_resume
 * applies the same rule to opts->mode and opts->environment. */
int engine_resume_setup(const char *incident_dir, enum run_mode asked_mode, const char *asked_env,
    struct run_setup *out, char **cause);
void run_setup_clear(struct run_setup *s);
/* The value param p takes back on resume from the run.start a setup was
 * read from: its written value, never a secret's (those were never
 * written). NULL when there is none. */
const char *run_setup_value(const struct run_setup *s, const struct param *p);

/* Where a param's value comes from before anyone is asked: the one rule
 * engine_new and engine_resume resolve params by, and the front ends'
 * forms and prompts ask by. PSOURCE_NONE: nobody gives it; its default
 * applies, or the operator is asked. */
enum param_source {
	PSOURCE_NONE,
	PSOURCE_GIVEN,		/* --param NAME=VALUE or DRCONSOLE_PARAM_NAME */
	PSOURCE_RECORDED,	/* resume: run.start's value (run_setup_value) */
	PSOURCE_ENVIRONMENT,	/* the chosen environment's params */
	PSOURCE_KEPT,		/* resume of a training sandbox: its kept password */
	PSOURCE_COMMAND,	/* its from_command prints it when the run starts */
	PSOURCE_GENERATED,	/* generated when the run starts */
};
/* The source of p's value for a run started (resumed: resumed is the
 * incident's setup, else NULL) with opts; *value (when value is not NULL)
 * is the value a given, recorded or environment source holds, else NULL. */
enum param_source engine_param_source(const struct engine_opts *opts, const struct run_setup *resumed,
    const struct param *p, const char **value);
void engine_free(struct engine *e);

const struct runbook *engine_runbook(const struct engine *e);
const struct step_state *engine_step(const struct engine *e, int i);
const char *engine_incident_dir(const struct engine *e);
enum run_mode engine_mode(const struct engine *e);
const char *engine_operator(const struct engine *e);
int64_t engine_started_wall(const struct engine *e);
/* The environment the run targets, or NULL. */
const struct environment *engine_environment(const struct engine *e);
/* One host of a remote step (on:), as its fan-out last knew it. */
struct host_status {
	const char *name;	/* valid until the step starts again */
	const char *status;	/* "pending", "running", "ok", "failed", "unreachable", ... */
	int ended;		/* 1 once the host has a result this round */
	int ok;
	int exit_code;		/* -1: none */
	int64_t duration_ms;
};
/* Step i's hosts, at most max into out; returns how many it has (0: not a
 * remote step, or no fan-out has run yet). */
int engine_step_hosts(const struct engine *e, int i, struct host_status *out, int max);
/* The step running now, or -1. */
int engine_running_step(const struct engine *e);
/* 1 while a step, its retry wait or a rollback is in progress. */
int engine_busy(const struct engine *e);
/* The journal's trouble, or NULL when all events are written. */
const char *engine_journal_error(const struct engine *e);
/* Why the run was stopped by a file that could not be written (as told to
 * write_failed), or NULL. Nothing starts again in this process: once there
 * is room, the incident is resumed. */
const char *engine_write_error(const struct engine *e);
/* What step i will run, expanded for people (secrets as ****); allocated.
 * For non-shell steps, a one-line description of the action. */
char *engine_display_command(struct engine *e, int i);
/* Step i's rollback command as it will run, expanded and quoted for the
 * shell as the step's command is (secrets as ****); allocated. */
char *engine_display_rollback(struct engine *e, int i);
/* Any runbook text of step i (a title, a manual step's words) expanded for
 * people, secrets as ****; the text itself when it cannot be. Allocated. */
char *engine_display_text(struct engine *e, int i, const char *tmpl);
/* The value of a generated secret, for showing once on request. */
const char *engine_generated_secret(const struct engine *e, const char *name);

/* Evaluates step i's `when:`: 1 run it, 0 skip it (*why says so), -1 it
 * cannot be evaluated (*why). Front ends skip a step whose condition is
 * false with engine_skip(e, i, JSKIP_WHEN, why). */
int engine_condition(struct engine *e, int i, char **why);
/* A dry run: the placeholder ("<n, captured by step count>") step i's
 * when: depends on, so its outcome is known only at run time (allocated);
 * NULL when the condition does not depend on one. */
char *engine_condition_depends(struct engine *e, int i);
/* Step i's end_run.when, read after it ended: 1 it holds, 0 it does not
 * (or there is none), -1 it cannot be evaluated, *why (allocated) saying
 * why. */
int engine_end_run_holds(struct engine *e, int i, char **why);
/* How step i is confirmed now: its confirm, or with confirm.when its
 * confirm when the condition holds or cannot be evaluated, its
 * confirm.else when it does not. *depends (when given; allocated or NULL)
 * names the captured value a dry run could not know. */
enum confirm_mode engine_confirm_mode(const struct engine *e, int i, char **depends);
/* Everything step i would do, for a dry run (dryrun.c): its command or
 * request expanded (secrets as ****), its hosts, confirmation, rollback,
 * what a drill does with it, and a when: decided only at run time. Lines,
 * allocated. */
char *engine_dry_run_text(struct engine *e, int i);
/* What a dry run shows for a required param nobody gave: "<name: not
 * given>". Allocated. */
char *engine_param_placeholder(const char *name);
/* 1 when a confirm: approval step was approved; *approver says by whom. */
int engine_step_approved(const struct engine *e, int i, const char **approver);
/* Confirms and starts step i (a manual step is attested instead: use
 * engine_attest). Retries follow the step's retries/retry_delay. */
int engine_start_step(struct engine *e, int i, enum confirm_how how, char **cause);
/* A typed confirmation of step i that did not match its id: journaled
 * (confirm.refused), nothing runs. */
int engine_confirm_refused(struct engine *e, int i, const char *typed, char **cause);
/* Records that the operator attests a manual step was done. */
int engine_attest(struct engine *e, int i, enum confirm_how how, const char *note, char **cause);
/* An input step's answer (engine_answer.c): checked as a param's value
 * is (rbcheck_param_value), kept as the step's capture, journaled (masked
 * when secret) and the step ends ok. -1 with *cause when the value is not
 * valid (ask again) or the journal cannot be written. note: journaled
 * with it (the unattended note), or NULL. */
int engine_answer(struct engine *e, int i, const char *value, enum confirm_how how, const char *note,
    char **cause);
/* The answer given before the run to input step i: --answer NAME=VALUE,
 * then DRCONSOLE_ANSWER_<NAME>; NULL when none (borrowed). */
const char *engine_given_answer(const struct engine *e, int i);
/* Refuses a secret input's answer given on the command line (ps and shell
 * history keep it): NULL when it may be used, else why (allocated). */
char *engine_answer_source_check(const struct engine *e, int i);
/* The prompt of input step i: its prompt, or its name, with the type and
 * the choices when it has them (allocated). */
char *engine_input_prompt(const struct engine *e, int i);
/* Stops the running step: SIGTERM to its group, SIGKILL after the grace. */
void engine_cancel(struct engine *e, int i);
/* The reason a dry run journals for each step it skips (stable: readers
 * of the journal know a dry run's skips by it). */
#define ENGINE_DRY_RUN_REASON "dry run: not executed"
/* Marks a pending, failed or interrupted step skipped, with the skip kind
 * (journaled as step.end "skip") and the reason in words. */
int engine_skip(struct engine *e, int i, enum js_skip kind, const char *reason, char **cause);
/* Marks an interrupted step done on the operator's word, with a note. */
int engine_mark_done(struct engine *e, int i, const char *note, char **cause);
/* Runs step i's rollback command. */
int engine_rollback(struct engine *e, int i, char **cause);
/* Journals a note from the operator. */
int engine_note(struct engine *e, const char *text, char **cause);
/* Journals a decision the front end made ("abort", "continue", ...). */
int engine_decision(struct engine *e, int i, enum js_decision kind, const char *decision, char **cause);
/* Journals run.end with status ("completed", "failed", "aborted",
 * "interrupted"). No step may be running. The engine writes no report:
 * the front ends write the postmortem after it (report.h). */
int engine_finish(struct engine *e, const char *status, char **cause);
/* Writes events still waiting for the journal; -1 if it still fails. */
int engine_flush_journal(struct engine *e, char **cause);

/* An interactive step (interactive: true) runs on a pseudo-terminal with a
 * terminal's line discipline: the operator types into it (engine_input.c). */
/* Sends bytes to step i's terminal as typed keys (Enter is "\r", Ctrl-C
 * "\003"). -1 with *cause when the step is not interactive or runs nothing
 * now, or when the program has not read what was typed before (a queue of
 * JOB_WRITE_MAX bytes): then none of data was sent. */
int engine_send_input(struct engine *e, int i, const char *data, size_t len, char **cause);
/* Gives step i's terminal a size; its program hears SIGWINCH. -1 when the
 * step is not interactive or runs nothing now. */
int engine_resize_pty(struct engine *e, int i, int cols, int rows);
/* The size the terminal of a pty step started from now on gets (the
 * console's pane); 0 keeps 80x24. */
void engine_set_pty_size(struct engine *e, int cols, int rows);
/* Who runs drconsole when --operator is not given: $USER, else the login
 * name; allocated. */
char *engine_default_operator(void);

const char *step_status_name(enum step_status s);
const char *run_mode_name(enum run_mode m);
/* The mode run_mode_name calls name; -1 for a name it never gives. */
int run_mode_from_name(const char *name, enum run_mode *m);
/* 1 for statuses a step ends in. */
int step_status_final(enum step_status s);

#endif
