/* engine_int.h: what the engine's own files share; nothing outside
 * engine*.c and resume.c includes this. */
#ifndef DRC_ENGINE_INT_H
#define DRC_ENGINE_INT_H

#include <regex.h>

#include <jansson.h>

#include "cast.h"
#include "engine.h"
#include "job.h"
#include "journal.h"
#include "jschema.h"
#include "mask.h"
#include "outfile.h"
#include "strbuf.h"
#include "template.h"

#define ENGINE_DEFAULT_GRACE_MS 5000
#define ENGINE_SCROLLBACK_LINES 5000
#define ENGINE_SCROLLBACK_BYTES (2 * 1024 * 1024)

struct engine;

/* What a step's callbacks get: the engine and the step's index. */
struct exec_ctx {
	struct engine *e;
	int step;
};

struct step_run {
	struct step_state st;
	struct exec_ctx ctx;
	struct sqlstep *sql;
	struct httpstep *http;
	struct notifystep *notify;
	struct loop_timer *refused_timer;	/* http, notify: a value refused; ends the attempt */
	char *refused;		/* why, for the attempt's end */
	struct fanout *fanout;	/* a run step with on: (engine_remote.c) */
	struct job *job;
	struct outfile *of;
	struct loop_timer *timeout_timer;
	struct loop_timer *retry_timer;
	struct loop_timer *flush_timer;
	int64_t started_mono;
	int timed_out;
	int cancelled;
	int write_failed;	/* stopped: an incident file could not be written */
	int of_failed;		/* the output file could not be: it stays a prefix */
	int output_matched;
	int has_re;
	regex_t re;
	int in_rollback;	/* the job is the rollback command */
	int in_verify;		/* the job or action is the step's verify */
	int in_handler;		/* the job is the on_failure handler */
	int handler_ran;	/* this failure's handler ran (reset by exec_start) */
	json_t *pending_end;	/* step.end fields waiting for the verify */
	uint64_t lines;		/* lines written to the output file this attempt */
	int64_t first_start_mono;	/* of attempt 1, for until: within */
	struct loop_timer *wait_timer;	/* ACTION_WAIT */
	struct strbuf cap_out;	/* capture: what the step printed */
	struct strbuf filtered;	/* flow_filter's rewritten block */
	/* Each stream's bytes are masked (mask.h) on their way into the
	 * scrollback, and, for an interactive step, to the raw_output hook. */
	struct maskstream *out_ms[OUTBUF_STREAMS];
	struct out_sink { struct exec_ctx *c; int stream; } out_sink[OUTBUF_STREAMS];
	struct maskstream *relay_ms;
	struct outbuf *cap_lines;	/* capture: the raw lines it reads */
	/* One of each per capture of the step (ncap of them, made on demand): */
	int *captured_secret;	/* captured[j] is a secret, or holds one */
	char **cap_value;	/* capture: last line or regex group so far */
	char **captured;	/* the value kept after the step ended ok */
	int ncap;
	char **dry_placeholder;	/* a dry run: "<n, captured by step count>", per capture */
	int ndry;
	int approved;		/* confirm: approval given by a second operator */
	char *approver;
};

struct pvalue {
	const struct param *p;
	char *value;		/* NULL: not given and no default; a list: one item a line */
	int generated;
	int placeholder;	/* a dry run: required, not given, shown as a placeholder */
	char **items;		/* PARAM_LIST: value split into its items */
	int nitems;
	char *var;		/* DRCONSOLE_PARAM_<name>, the child's copy of it */
};

struct engine {
	const struct runbook *rb;
	struct loop *loop;
	enum run_mode mode;
	int dry_drill;		/* a dry run of a drill (engine_opts) */
	char *operator;
	char *incident_dir;
	char *incident_id;
	struct journal *journal;
	json_t *pending;	/* [[event, fields], ...] not yet journaled */
	char *journal_error;
	char *write_cause;	/* the first file that could not be written, and why */
	char *write_error;	/* that, what was lost and what to do: for people */
	int write_error_journal;	/* it was the journal: over once it is written */
	int reaping;		/* reaper_enable succeeded: undo it */
	struct engine_hooks hooks;
	int64_t grace_ms;
	int64_t started_wall;
	struct pvalue *values;	/* one per runbook param, in order */
	struct mask *mask;	/* secrets: masked wherever they appear */
	int pty_cols, pty_rows;	/* a pty step's terminal starts this big (0: 80x24) */
	struct step_run *runs;
	int running;		/* step with a job or retry timer, or -1 */
	int finished;
	int resuming;
	struct loop_timer *inbox_timer;
	struct httpctx *httpctx;	/* libcurl multi, made at the first http step */
	const struct environment *env;	/* the target: production, staging... */
	struct approval_server *approvals;	/* listening while a step awaits approval */
	int approvals_warned;	/* the operator was told they cannot be taken */
	int refusals_journaled;	/* approval.refused lines, up to ENGINE_MAX_REFUSALS */
	struct cast *cast;	/* INCIDENT/recording.cast, or NULL */
	struct param_value *answers;	/* --answer: copies, freed with the engine */
	int nanswers;
};

/* engine.c */
json_t *engine_jstr(const char *s);
struct engine *engine_alloc(const struct engine_opts *opts);
void engine_start_inbox(struct engine *e);
void engine_open_cast(struct engine *e);
void engine_flush_cast(struct engine *e);
void engine_cast_text(struct engine *e, int64_t ts_ms, const char *text);
int engine_open_journal(struct engine *e, char **cause);
int engine_journal(struct engine *e, const char *event, json_t *fields, char **cause);
void engine_notify_step(struct engine *e, int i);
/* A file of the incident cannot be written: stops the run (engine.c). */
void engine_write_failed(struct engine *e, const char *cause, const char *lost);
json_t *engine_step_fields(struct engine *e, int i);
/* step.confirm's "how" for h. */
const char *engine_how_name(enum confirm_how h);
/* 0 when step i may start now (nothing runs, the run goes on, the journal
 * is written); -1 with *cause. */
int engine_check_startable(struct engine *e, int i, char **cause);
void engine_set_reason(struct step_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* How an attempt (or its verify, or a rollback) ended, as its kind tells
 * it: the one input of exec_attempt_ended. The kind judges only what is
 * its own (an exit code, a policy of hosts, an HTTP status); cancels,
 * timeouts and stopped runs are judged once, by the engine. */
struct attempt_end {
	int ok;			/* the kind's own verdict */
	int timed_out;		/* the kind ran out of its time (never read from a reason) */
	const char *reason;	/* why not ok, in the kind's words; NULL: none */
	int has_exit;		/* exit_code and exit go into the journal */
	int exit_code;		/* -1: none */
	const char *exit_desc;	/* "exited 3", "2 of 3 hosts ok"; NULL: "ok" or "failed" */
	json_t *evidence;	/* the kind's facts, or NULL; stolen, masked before the journal */
	json_t *extra;		/* fields of this kind's step.end (left_running), or NULL; stolen */
	const char *first_cell;	/* sql: a capture: cell's value */
};

/* A step kind's operations (engine_ops.c): everything that differs between
 * run, sql, http, notify, manual, wait and remote steps. The rest of the
 * engine (journal, retries, verify, capture, rollback, the end of an
 * attempt) is the same for all and never switches on the kind. */
struct step_ops {
	const char *kind;	/* as step.start's "kind" says */
	/* Starts an attempt; its end comes through exec_attempt_ended. */
	int (*start)(struct engine *e, int i, char **cause);
	/* Asks the running attempt to stop; the end still comes as usual. */
	void (*cancel)(struct engine *e, struct step_run *r);
	/* What the step does, for people (secrets as ****); allocated. */
	char *(*describe)(struct engine *e, int i);
	/* A dry run: shows what would run and ends the step skipped. */
	int (*dry_run)(struct engine *e, int i, char **cause);
	/* Starts this kind as another step's verify; NULL: cannot verify. */
	int (*verify)(struct engine *e, int i, char **cause);
};
/* The operations of step s (remote for a run step with on:). */
const struct step_ops *step_ops_for(const struct step *s);
/* The operations of a verify of kind a. */
const struct step_ops *step_ops_for_action(enum step_action a);
/* The operations of what runs for step i now: its verify, its rollback or
 * its own attempt. */
const struct step_ops *step_ops_running(const struct engine *e, int i);

/* engine_end.c: the one end of every attempt, verify and rollback */
void exec_attempt_ended(struct engine *e, int i, struct attempt_end *end);
/* The attempt could not start after its step.start was journaled: it
 * ends failed, journaled, so every step.start has its step.end. */
void exec_start_failed(struct engine *e, int i, const char *cause);

/* engine_exec.c */
void exec_output(void *arg, int stream, const char *data, size_t len);
int exec_open_output(struct engine *e, int i, int rollback, char **cause);
void exec_end_output(struct engine *e, struct step_run *r);
void exec_close_output(struct engine *e, struct step_run *r, json_t *f);
/* The on_failure handler ended: its end journaled (f, taken), the step is
 * over and the front ends are told. */
void exec_handler_ended(struct engine *e, int i, json_t *f, int ok);
void exec_conclude(struct engine *e, int i);
int exec_start(struct engine *e, int i, char **cause);
int exec_spawn_main(struct engine *e, int i, char **cause);
char *exec_describe(struct engine *e, int i);
int exec_dry_run(struct engine *e, int i, char **cause);
void exec_job_cancel(struct engine *e, struct step_run *r);
const char *exec_command(const struct engine *e, int i);
int exec_spawn_verify(struct engine *e, int i, char **cause);
int exec_start_rollback(struct engine *e, int i, char **cause);
void exec_cancel(struct engine *e, int i);
void exec_release(struct step_run *r);

/* engine_flow.c: capture, verify, until and wait */
const char *flow_filter(void *arg, const char *text, size_t *len);
void flow_capture_block(void *arg, const struct outblock *b);
void flow_attempt_begins(struct engine *e, int i);
void flow_attempt_end(struct engine *e, int i, json_t *f, const char *first_cell);
void flow_verify_end(struct engine *e, int i, int ok, const char *reason, json_t *vf);
int flow_until_retry(struct engine *e, int i, int64_t *delay_ms);
int flow_start_wait(struct engine *e, int i, char **cause);
int flow_cancel_wait(struct engine *e, int i);
void flow_release(struct step_run *r);
const char *flow_capture_value(const struct engine *e, const char *name, int *secret);
/* A dry run's stand-in for a value no step captured (it ran nothing):
 * "<n, captured by step count>"; NULL outside a dry run or for a name no
 * step captures, or once the value was captured. */
const char *flow_dry_placeholder(const struct engine *e, const char *name);
/* Capture j of step i has value v again (a resume read it back). */
/* Keeps v (taken) as capture j of step i: secret when it holds one (then
 * masked from here on); its journal form goes into cap, and f gets
 * capture_secret. Every capture, and an input step's answer, ends here. */
void flow_store_capture(struct engine *e, int i, int j, char *v, json_t *cap, json_t *f);
void flow_restore_capture(struct engine *e, int i, int j, const char *v);

/* engine_approve.c: the second person of a two-person rule */
void approve_poll(struct engine *e);
void approve_stop(struct engine *e);

/* engine_native.c: sql, http and notify steps */
int native_spawn(struct engine *e, int i, char **cause);
/* An http step's URL as it is sent, secrets as ****; NULL if refused. */
char *native_display_url(struct engine *e, int i);
/* A sql step for a dry run: its connection (password ****), query and
 * bound values (secrets ****), lines, allocated (engine_native.c). */
char *native_dry_sql(struct engine *e, int i);
int native_spawn_verify(struct engine *e, int i, char **cause);
void native_cancel(struct engine *e, struct step_run *r);
char *native_describe(struct engine *e, int i);
void native_release(struct engine *e, struct step_run *r);
char *native_display_query(struct engine *e, int i, const struct sql_action *a);

/* engine_remote.c: run steps on remote hosts through ssh */
int remote_spawn(struct engine *e, int i, const char *command_tmpl, int rollback, char **cause);
/* 1 when step s's on: uses a value captured earlier in the run. */
int remote_on_uses_capture(const struct engine *e, const struct step *s);
void remote_cancel(struct engine *e, struct step_run *r);
void remote_release(struct engine *e, struct step_run *r);
/* Closes the run's ssh master connections (engine_free). */
void remote_close_connections(struct engine *e);
/* "copy SRC (N bytes, sha256 H) to DEST on HOSTS, mode M", for people. */
char *remote_copy_display(struct engine *e, int i);

/* engine_input.c: interactive steps */
void input_relay(struct engine *e, int i, const char *data, size_t len);
void input_relay_flush(struct engine *e, int i);
void input_relay_forget(struct step_run *r);

/* engine_params.c */
/* run.start's value of a plain param whose value holds a secret. */
#define PARAMS_MASKED JSCHEMA_MASKED

/* engine_answer.c */
void answers_copy(struct engine *e, const struct engine_opts *opts);
void answers_free(struct engine *e);

/* engine_params.c */
int params_resolve(struct engine *e, const struct engine_opts *opts, char **cause);
int params_keep_sandbox(struct engine *e, char **cause);
int params_choose_environment(struct engine *e, const char *name, char **cause);
void params_free(struct engine *e);
json_t *params_journal_view(const struct engine *e);
int params_expand(struct engine *e, int step, const char *tmpl, enum template_mode mode,
    struct texpansion *out, char **cause);
/* A shell command of step i: the text and variables for the shell, and
 * what a person sees (values shell-quoted, secrets ****). */
int params_expand_shell(struct engine *e, int step, const char *tmpl, struct texpansion *out,
    char **shown, char **cause);
/* Only what a person sees of it; NULL with *cause. */
char *params_shown_command(struct engine *e, int step, const char *tmpl, char **cause);
void params_add_secret(struct engine *e, const char *value);
char **params_build_env(struct engine *e, int step, const struct texpansion *x);
void params_free_env(char **envp);
int params_is_secret_text(const struct engine *e, const char *s);

#endif
