/* follow.h: an incident seen from outside its driving console, as it is
 * written: the journal and the output files are followed as they grow and
 * the run's state (steps, output tails, timeline) is rebuilt from them
 * alone, the journal through the one fold (runstate.h) every reader uses. Nothing here writes to the incident or takes the journal's lock;
 * follow_inject is the one way an observer adds to it, through the inbox.
 * The watch view and `drconsole replay` read incidents through this. */
#ifndef DRC_FOLLOW_H
#define DRC_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jschema.h"

/* follow_open flag: load the runbook run.start names, so the checklist
 * holds every step (with titles and phases) before any has started. */
#define FOLLOW_RUNBOOK 0x1

#define FOLLOW_TAIL_LINES 2000		/* output lines kept per step */
#define FOLLOW_TAIL_KEEP (4 * 1024 * 1024)	/* and their bytes, at most */
#define FOLLOW_READ_MAX (1024 * 1024)	/* bytes read per poll, all files */
/* An output file further behind than FOLLOW_SKIP_BYTES is read from its
 * last FOLLOW_TAIL_BYTES on: a viewer shows a tail, and a flooding step's
 * file keeps every line for whoever needs them. */
#define FOLLOW_SKIP_BYTES (4 * 1024 * 1024)
#define FOLLOW_TAIL_BYTES (64 * 1024)

/* The stream of the line that marks output skipped, in a step's tail. */
#define FOLLOW_GAP 0

struct outbuf;
struct runbook;

/* One output line of a step as an output file holds it: its time, stream
 * and text (follow_read_line). */
struct follow_line {
	int64_t	 ts_ms;
	int	 stream;	/* OUTFILE_STDOUT, OUTFILE_STDERR or FOLLOW_GAP */
	char	*text;		/* NUL-terminated */
	size_t	 len;
};

/* A remote step's host as its last step.end's evidence lists it. */
struct follow_host {
	char	*name;
	char	*status;	/* "ok", "failed", "unreachable", ... */
	int	 exit_code;	/* -1 none */
	int64_t	 duration_ms;
};

/* A step as the journal tells it. */
struct follow_step {
	char	*id;
	char	*title;		/* the runbook's, else the id */
	char	*phase;		/* a phase heading starts here, or NULL */
	int	 index;		/* 1-based place in the runbook, 0 unknown */
	enum js_status status;	/* the fold's (the same values as the engine's) */
	enum js_skip skip;	/* a skipped step's kind, else JSKIP_COUNT */
	int	 attempt;	/* 0 before the first start */
	int	 retry_waiting;	/* between attempts */
	int	 rollback_running;
	int	 rolled_back;	/* 0 none, 1 ok, -1 failed */
	int64_t	 started_ms;	/* wall time of the first start, 0 none */
	int64_t	 attempt_ms;	/* wall time this attempt started */
	int64_t	 duration_ms;	/* of the last attempt that ended (every reader's rule) */
	int64_t	 total_ms;	/* every attempt's, added */
	int64_t	 expected_ms;	/* expected_duration_ms, 0 none */
	int	 exit_code;	/* -1 none */
	char	*exit_desc;	/* "exited 3", or NULL */
	char	*reason;	/* why it failed or was skipped, or NULL */
	char	*note;
	char	*command;	/* as journaled, secrets masked */
	char	*kind;		/* "run", "sql", ... */
	char	*attested_by;	/* a manual step's attester, or NULL */
	char	*approved_by;	/* a two-person approval's approver, or NULL */
	struct follow_host *hosts;	/* a remote step's, once it ended; else NULL */
	int	 nhosts;
	uint64_t skipped;	/* output bytes passed over unread */
	/* The kept tail, every attempt's lines in order (gap marks on stream
	 * FOLLOW_GAP): outbuf_total counts every line read. */
	struct outbuf *out;
	/* Private: the files read. */
	struct follow_file *files;
	int	 nfiles;
};

/* What run.start and the events after it say about the whole run. */
struct follow_run {
	int	 started;	/* run.start was read */
	char	*title;
	char	*runbook_id;
	char	*runbook_path;
	char	*mode;		/* "live", "drill", "dry-run", "training" */
	char	*environment;	/* the environment targeted, or NULL */
	char	*driver;	/* the operator driving it now (handoffs too) */
	char	*incident;
	char	*host;
	long	 pid;		/* of the driving process, per the journal */
	int64_t	 rto_ms, rpo_ms;	/* 0: none */
	int64_t	 started_ms;
	int64_t	 ended_ms;	/* 0 while the run goes on */
	char	*end_status;	/* run.end's status, or NULL */
	int	 running;	/* the step running now, -1 none */
	int	 last_step;	/* the step that started last, -1 none */
	int64_t	 lines;		/* journal lines read */
	int64_t	 chain_break;	/* seq of the first line not chained to the one
				 * before (seq or prev), 0 if none seen */
	int64_t	 bad_lines;	/* complete lines that were not JSON */
	char	*runbook_problem;	/* why the runbook's steps are not shown */
};

struct follow;

/* Starts following the incident in dir (nothing is read until the first
 * poll). Fails if dir holds no journal. */
int follow_open(struct follow **out, const char *dir, int flags, char **cause);
/* Reads what is new: 1 if anything changed, 0 if not, -1 with *cause when
 * the journal cannot be read (the state so far is kept). At most
 * FOLLOW_READ_MAX bytes a call: follow_behind says if more is waiting. */
int follow_poll(struct follow *f, char **cause);
int follow_behind(const struct follow *f);
void follow_free(struct follow *f);

const char *follow_dir(const struct follow *f);
const struct follow_run *follow_run(const struct follow *f);
int follow_nsteps(const struct follow *f);
const struct follow_step *follow_step(const struct follow *f, int i);
int follow_find_step(const struct follow *f, const char *id);
/* The loaded runbook whose steps are the checklist's first ones (with
 * FOLLOW_RUNBOOK, when it could be read), or NULL. */
const struct runbook *follow_runbook(const struct follow *f);
/* Called for each journal line after the fold took it in (a timeline
 * reads the events without parsing the journal again): parsed, and its
 * len bytes as written; step is the view's step, -1 none. Both are valid
 * only during the call. line NULL: the journal was replaced and is read
 * again from its start. */
typedef void (*follow_event_cb)(void *arg, const json_t *line, const char *raw, size_t len, int step);
void follow_set_event_cb(struct follow *f, follow_event_cb cb, void *arg);
/* Changes whenever the state changes, so a view redraws only then. */
uint64_t follow_generation(const struct follow *f);

/*
 * Where a reader of one output file stands, between its lines. The file
 * holds two forms, mixed: "<RFC 3339 ts> out|err <text>", one line, and
 * "<ts> out|err:N", a header for the N lines after it, which are raw
 * output (verbatim, unstamped, never parsed) that arrived at ts on that
 * stream. Zero-initialised: not in a block, as at the start of a file.
 */
struct follow_reader {
	int64_t	 ts_ms;		/* of the block being read */
	int	 stream;	/* OUTFILE_STDOUT or OUTFILE_STDERR */
	uint64_t left;		/* raw lines of it still to come, 0 none */
};

/*
 * Reads the next line of an output file (without its newline) with the
 * file's reader: 1 and *line to show (a stamped line, or a block's raw line
 * at the block's time and stream, one trailing '\r' dropped); 0 for a
 * header, nothing to show; -1 if it does not parse, with *line the whole
 * line, untimed, on stdout. line->text points into s, not NUL-terminated.
 */
int follow_read_line(struct follow_reader *rd, const char *s, size_t len,
    struct follow_line *line);
/* The output file of a step attempt, relative to the incident directory:
 * "output/03-restore.log", ".2.log" for attempt 2, ".rollback.log"; the
 * name is jschema_output_name's. (For replay; follow takes the fold's.) */
char *follow_output_path(int index, const char *id, int attempt, int rollback);
/* A one-line account of a journal event, for timelines; allocated. */
char *follow_summary(json_t *ev);
/* The milliseconds of a journal line's ts, or 0. */
int64_t follow_event_ms(json_t *ev);

/* What follow_inject did. */
struct follow_inject_result {
	int	 journaled;	/* 1: appended by us (no console drives it) */
	int	 taken;		/* 1: the driving console journaled it */
	int	 queued;	/* 1: still waiting in the inbox */
	int64_t	 seq;		/* the line, when journaled by us */
	long	 holder;	/* the driving console's pid, -1 unknown */
	char	*path;		/* the request file; allocated */
};

/*
 * Adds an injected event (a note with injected: true and by) to the
 * incident in dir through its inbox: the driving console journals it
 * within a second; with none, it is appended here. Waits up to wait_ms
 * for the console to take it.
 */
int follow_inject(const char *dir, const char *by, const char *text,
    int64_t wait_ms, struct follow_inject_result *res, char **cause);
void follow_inject_result_clear(struct follow_inject_result *res);

#endif
