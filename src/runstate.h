/*
 * runstate.h: the one fold of an incident journal into a typed run state.
 * Every reader of a journal (resume, replay, the picker's incident list,
 * and follow, watch, report and scorecard as they move onto it) feeds the
 * journal's lines here, in order, and reads the state: the run's mode,
 * environment, params and runbook, each step's status, attempts, outputs,
 * captures, decisions, approvals and rollbacks, and the notes, injects,
 * handoffs and resumes, with times in wall milliseconds. The state never
 * holds a line's JSON: feeding is linear in the journal and memory is
 * bounded (RS_* caps below; what a cap drops is counted).
 *
 * The schema (jschema.h) names every event, member and kind; a journal
 * without "schema" (version 0) reads the same, its missing kinds derived
 * from its other members (rs_legacy_* in runstate.c, nowhere else).
 */
#ifndef DRC_RUNSTATE_H
#define DRC_RUNSTATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jschema.h"

#define RS_STEPS_MAX 4096	/* distinct steps kept; more are counted only */
#define RS_ATTEMPTS_KEPT 64	/* attempts kept per step: the first half, the newest half */
#define RS_LIST_MAX 1000	/* notes, decisions, handoffs, resumes kept: the newest */

/* One attempt of a step (or of its rollback). Times are wall ms, 0 unknown. */
struct rs_attempt {
	int		 n;		/* 1-based attempt number */
	int64_t		 start_ms;
	int64_t		 end_ms;	/* 0 while it runs */
	int64_t		 duration_ms;	/* as journaled; else end - start */
	enum js_status	 status;	/* JSTATUS_RUNNING while it runs */
	enum js_reason	 reason_kind;
	int		 exit_code;	/* -1 none */
	char		*exit_desc;	/* "exited 3", or NULL */
	char		*reason;	/* in words, or NULL */
	char		*command;	/* as journaled (secrets masked), or NULL */
	char		*output;	/* its output file, relative to the incident */
	int64_t		 lines;		/* output lines, -1 unknown (still running) */
};

/* A value a step captured, as its step.end journaled it (a secret one
 * reads as the mask, or is absent). */
struct rs_capture {
	char	*name;
	char	*value;		/* NULL: not a string in the journal */
};

/* A step as the journal tells it. */
struct rs_step {
	char		*id;
	int		 index;		/* 1-based place in the runbook, as journaled */
	char		*kind;		/* "run", "sql", ..., or NULL */
	enum js_status	 status;
	enum js_skip	 skip;		/* JSKIP_COUNT unless skipped */
	enum js_reason	 reason_kind;	/* of the last ending */
	char		*reason;	/* of the last ending, in words, or NULL */
	char		*note;		/* the operator's, or NULL */
	char		*confirm_how;	/* the last step.confirm's how, or NULL */
	char		*attested_by;	/* a manual step's attester, or NULL */
	char		*approved_by;	/* a two-person approver, or NULL */
	int64_t		 approved_ms;
	int64_t		 offered_ms;	/* first step.confirm (or start), 0 none */
	int64_t		 first_start_ms;	/* 0 never started */
	int64_t		 end_ms;	/* the last step.end, 0 none */
	int64_t		 duration_ms;	/* the last attempt's */
	int64_t		 total_ms;	/* every ended attempt's, added */
	int		 nattempts_total;	/* attempts started (or ended without a start) */
	struct rs_attempt *attempts;	/* the kept ones, oldest first */
	int		 nattempts;
	int		 retry_waiting;	/* a step.retry came after the last ending */
	int		 interrupted_before;	/* an ending said was: interrupted */
	int		 rolled_back;	/* 0 none, 1 ok, -1 failed */
	int		 rollback_running;
	struct rs_attempt rollback;	/* the last rollback (n 0: none) */
	int		 nrollbacks;
	struct rs_attempt on_failure;	/* its last on_failure handler's run (n: how many; 0 none) */
	char		*capture_name;	/* the last capture, NULL none */
	char		*capture_value;	/* NULL when secret (never written) */
	int		 capture_secret;	/* the last step.end said a capture held a secret */
	struct rs_capture *captures;	/* every value the last step.end captured */
	int		 ncaptures;
	int		 ndecisions;	/* decisions about this step */
};

/* A run's parameter as run.start journaled it. */
struct rs_param {
	char	*name;
	char	*value;		/* NULL: null in the journal (unset) */
	int	 masked;	/* the value is the mask: a secret, never written */
};

struct rs_note {
	int64_t	 ts_ms;
	int	 injected;	/* a drill inject (drconsole inject) */
	char	*by;		/* who gave it from outside, or NULL */
	char	*operator;	/* the line's operator */
	char	*text;
	int	 step;		/* the step running or last started then, -1 none */
};

struct rs_decision {
	int64_t	 ts_ms;
	int	 step;		/* index into steps, -1 none */
	enum js_decision kind;
	char	*text;
	char	*operator;
};

struct rs_handoff {
	int64_t	 ts_ms;
	char	*from, *to;
};

struct rs_resume {
	int64_t	 ts_ms;
	long	 pid, previous_pid;
	int	 runbook_changed;
	char	*interrupted_step;	/* its id, or NULL */
	char	*forced;		/* why --force was needed, or NULL */
	char	*operator;
};

/* A bounded list: the newest RS_LIST_MAX kept, `dropped` older ones not. */
#define RS_LIST(type) struct { type *v; size_t n, dropped; }

/* What the journal says of the whole run. */
struct runstate {
	int		 started;	/* run.start was read */
	int		 schema;	/* run.start's schema, 0 before it had one */
	enum js_mode	 mode;
	int		 mode_known;	/* 0: run.start's mode is one we do not know */
	int		 drill_marked;	/* a line carried "drill": true */
	char		*environment;	/* NULL: none */
	char		*runbook_id, *runbook_title, *runbook_path, *runbook_sha256, *scenario;
	char		*executor, *classification;	/* the runbook's, when it names them */
	char		*incident, *host, *version;
	long		 pid;		/* the driving process, per the last run.start/resume */
	int64_t		 rto_ms, rpo_ms;	/* 0 none */
	int64_t		 drill_target_rto_ms;
	struct rs_param	*params;
	int		 nparams;
	char		*started_by;	/* run.start's operator */
	char		*operator;	/* the last line's operator: who drives now */
	int64_t		 started_ms;
	int64_t		 ended_ms;	/* the last run.end, 0 none */
	int64_t		 end_duration_ms;
	enum js_outcome	 outcome;	/* JOUTCOME_NONE without a run.end */
	char		*outcome_word;	/* run.end's status as written */
	char		*outcome_reason;	/* run.end's reason (a dismissal's), or NULL */
	int		 open;		/* a run.start/run.resume has no run.end after it */
	struct rs_step	*steps;		/* in the order they first appear */
	int		 nsteps;
	int64_t		 steps_dropped;	/* events about steps past RS_STEPS_MAX */
	int		 running;	/* the step with an attempt under way, -1 none */
	int		 last_step;	/* the step that started last, -1 none */
	RS_LIST(struct rs_note) notes;
	RS_LIST(struct rs_decision) decisions;
	RS_LIST(struct rs_handoff) handoffs;
	RS_LIST(struct rs_resume) resumes;
	int64_t		 injects;	/* injected notes, all of them */
	int64_t		 loss_ms;	/* the data-loss window recorded last (dataloss.h), -1 none */
	char		*loss_from;	/* where it was recorded, or NULL */
	int64_t		 events;	/* lines folded */
	int64_t		 unknown;	/* of them, events not in the schema */
	int64_t		 bad_lines;	/* lines that were not JSON objects */
	int64_t		 last_seq;
	int64_t		 last_ms;
	enum js_event	 last_event;
	/* Private: the step looked up last; when the last step, start or
	 * resume ended (a step's offer time). */
	int		 hint;
	int64_t		 last_boundary_ms;
};

/* One line as the fold saw it, for a reader that shows events one by one
 * (replay, a timeline). raw is the line's JSON, valid only during the call
 * that hands it over; nothing in the state points into it. */
struct rs_event {
	enum js_event	 ev;		/* JEV_UNKNOWN: not in the schema */
	const char	*name;		/* the event's name as written */
	int64_t		 seq, ts_ms;
	int		 step;		/* index into steps, -1 none */
	const json_t	*raw;
};

/* An empty state (no run.start yet); runstate_clear frees what it holds. */
void runstate_init(struct runstate *rs);
void runstate_clear(struct runstate *rs);

/* Folds one parsed journal line; ev (may be NULL) gets its typed view. */
void runstate_apply(struct runstate *rs, const json_t *line, struct rs_event *ev);
/* Parses and folds one line of len bytes (no newline needed): 0, or -1
 * when it is not a JSON object (counted in bad_lines, nothing else). */
int runstate_feed(struct runstate *rs, const char *line, size_t len, struct rs_event *ev);

/* Called after each line is folded; non-zero stops the reading. */
typedef int (*runstate_cb)(void *arg, const struct runstate *rs, const struct rs_event *ev);

/*
 * Folds the journal of incident dir, a line at a time (never held whole;
 * a torn last line is left out). cb (may be NULL) sees each event. 0, or
 * -1 with *cause when the journal cannot be read or a complete line is not
 * JSON (RS_LOAD_LENIENT: such lines are counted in bad_lines instead).
 */
#define RS_LOAD_LENIENT 0x1
int runstate_load(struct runstate *rs, const char *dir, int flags, runstate_cb cb, void *arg,
    char **cause);

/* Parses one line of len bytes for runstate_load_with, as json_loadb
 * would (NULL and *error when it is not JSON); the fold takes the
 * reference it returns. */
typedef json_t *(*runstate_parse_fn)(void *arg, const char *line, size_t len, json_error_t *error);

/* How runstate_load_with reads, and what it found. */
struct rs_load {
	int		 flags;		/* RS_LOAD_* */
	runstate_cb	 cb;		/* as runstate_load's, or NULL */
	void		*arg;
	runstate_parse_fn parse;	/* each line's JSON; NULL: json_loadb */
	void		*parse_arg;
	void		(*skipped)(void *arg);	/* with arg: RS_LOAD_LENIENT passed a line that is
						 * not a JSON object (or NULL) */
	size_t		 torn;		/* out: bytes of a last line without its newline */
	int		 stopped;	/* out: cb or a bad line stopped it before the end */
};

/* runstate_load, with each line parsed by how->parse: a reader that
 * checks every line too (verify_fold) parses it once for both. */
int runstate_load_with(struct runstate *rs, const char *dir, struct rs_load *how, char **cause);

/* The step whose id is id, -1 none. */
int runstate_find_step(const struct runstate *rs, const char *id);
/* The param called name, or NULL. */
const struct rs_param *runstate_param(const struct runstate *rs, const char *name);
/* The last kept attempt of step i, or NULL. */
const struct rs_attempt *runstate_last_attempt(const struct runstate *rs, int i);
/* Output lines of every kept attempt of step i (-1 counted as 0). */
int64_t runstate_step_lines(const struct runstate *rs, int i);
/* 1 if the step was skipped as planned (a drill's, a dry run's, when:,
 * an earlier end_run),
 * not by a person's choice nor after a failure. */
int runstate_skip_planned(const struct rs_step *s);

/* A text made from an incident's run state (a report in some format). */
typedef char *(*runstate_render_fn)(const struct runstate *rs, const char *dir);
/* Folds the incident in dir (leniently) and renders it; -1 with *cause
 * when its journal cannot be read. */
int runstate_render_dir(const char *dir, runstate_render_fn render, char **out, char **cause);

#endif
