/* fanout.h: one command on N hosts, each host a local process (an ssh
 * call: ssh.h) run as a job on the loop, at most max_parallel at a time.
 * Output comes back as whole lines tagged with the host; each host ends
 * ok, failed, unreachable, cancelled, timed out or skipped; a policy (all,
 * any, at least N) turns those into one verdict. A fanout outlives its
 * rounds: the next round runs only the hosts that did not end ok, which is
 * how a retried step reruns only its failed hosts. */
#ifndef DRC_FANOUT_H
#define DRC_FANOUT_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "runbook.h"

/* After a cancel closed every host's stdin (the remote wrapper stops the
 * command within the grace), how much longer the local ssh gets to end on
 * its own before it is sent SIGTERM, then SIGKILL 1 s later. */
#define FANOUT_SLACK_MS		2000
/* A line longer than this reaches the callback in pieces. */
#define FANOUT_LINE_MAX		(32 * 1024)

enum fanout_status {
	FANOUT_PENDING,		/* waiting for a free slot in this round */
	FANOUT_RUNNING,
	FANOUT_OK,
	FANOUT_FAILED,		/* ran, and its exit or output was not the expected */
	FANOUT_UNREACHABLE,	/* ssh exited 255: no connection, or it was lost */
	FANOUT_CANCELLED,
	FANOUT_TIMEOUT,
	FANOUT_SKIPPED,		/* not started: the policy could no longer be met */
};

struct fanout_result {
	enum fanout_status status;
	int exit_code;		/* -1: none (never ran, killed by a signal) */
	char *desc;		/* "exited 3, expected 0"; NULL while pending */
	int64_t offset_ms;	/* when it started, from the round's start */
	int64_t duration_ms;
	int round;		/* the round that gave this result; 0: none yet */
};

struct fanout_opts {
	int max_parallel;	/* 0: every host at once */
	enum fanout_policy policy;
	int at_least;		/* POLICY_AT_LEAST */
	int expect_exit;	/* the exit status that means success */
	const regex_t *expect_output;	/* NULL, or some line must match */
	int64_t grace_ms;	/* the remote wrapper's SIGTERM-to-SIGKILL time */
	const struct mask *mask;	/* NULL, or secrets masked in each host's
				   output before it is cut into lines */
	const char *cwd;	/* where each ssh runs (its master connections'
				   folder); NULL: ours. Copied. */
	int keep_masters;	/* an ssh may leave its master connection
				   running (job.h's detach): the reuse */
};

/* A whole line of one host's output, without its '\n'; stream is
 * JOB_STDOUT or JOB_STDERR. Must not free the fanout. */
typedef void (*fanout_line_cb)(void *arg, int host, int stream, const char *line, size_t len);
/* The round is over: every host has a result. Called from a timer, never
 * from inside fanout_start or fanout_cancel; may free the fanout. */
typedef void (*fanout_done_cb)(void *arg);

struct fanout;

/* A fanout over n hosts, named for the results and the output. */
struct fanout *fanout_new(struct loop *loop, const char *const *names, int n);
/* Starts a round on every host that has not ended ok: argvs[h] is what
 * host h runs (copied); stdin_data (copied, wiped after) is written to
 * each one's stdin, which then stays open until the host ends or the round
 * is cancelled. -1 with *cause when a round is still running. */
int fanout_start(struct fanout *f, const struct fanout_opts *opts, char *const *const *argvs,
    const char *stdin_data, size_t stdin_len, fanout_line_cb line_cb, fanout_done_cb done_cb,
    void *arg, char **cause);
/* Stops the round: hosts not started end cancelled (or timeout), running
 * ones have their stdin closed so the remote command stops, and their ssh
 * is killed if it has not ended FANOUT_SLACK_MS after the grace. */
void fanout_cancel(struct fanout *f, int timed_out);
/* 1 from fanout_start until just before done_cb. */
int fanout_running(const struct fanout *f);
int fanout_count(const struct fanout *f);
const char *fanout_name(const struct fanout *f, int host);
const struct fanout_result *fanout_result(const struct fanout *f, int host);
/* Hosts whose result is ok, and how many the policy needs. */
int fanout_ok_count(const struct fanout *f);
int fanout_needed(const struct fanout *f);
/* 1 when the policy is met. */
int fanout_met(const struct fanout *f);
/* The host's pid of its local process while it runs, else -1. */
int fanout_pid(const struct fanout *f, int host);
/* "ok", "failed", "unreachable", ... */
const char *fanout_status_name(enum fanout_status s);
/* "all", "any", "at_least" */
const char *fanout_policy_name(enum fanout_policy p);
/* Frees f; running hosts' ssh are killed (the remote wrappers then see
 * their stdin close and stop the commands). */
void fanout_free(struct fanout *f);

#endif
