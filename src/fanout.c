/* fanout.c: runs one argv per host as jobs on the loop, with a cap on how
 * many run at once, assembles each host's output into lines, judges each
 * host, and reports the round's end. Hosts that ended ok keep their result
 * across rounds; the others run again in the next. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "fanout.h"
#include "job.h"
#include "log.h"
#include "mask.h"
#include "ssh.h"
#include "strbuf.h"
#include "xmalloc.h"

/* Once the slack is over: SIGTERM to the local ssh, SIGKILL after this. */
#define FANOUT_LOCAL_GRACE_MS	1000

struct fo_host {
	struct fanout *f;
	int index;
	char *name;
	char **argv;		/* this round's */
	struct job *job;	/* while it runs */
	struct strbuf part[2];	/* the unfinished line of stdout, stderr */
	struct maskstream *ms[2];	/* each stream's masking, made on demand */
	struct fo_sink { struct fo_host *h; int stream; } sink[2];
	int matched;		/* some line matched expect_output */
	int stopped;		/* a cancel closed its stdin */
	int64_t started;
	struct fanout_result res;
};

struct fanout {
	struct loop *loop;
	struct fo_host *hosts;
	int n;
	struct fanout_opts opts;
	char *payload;		/* for every host's stdin; may hold secrets */
	size_t paylen;
	fanout_line_cb line_cb;
	fanout_done_cb done_cb;
	void *arg;
	int round;
	int active;		/* a round is in progress */
	int running;		/* hosts with a job */
	enum fanout_status stopping;	/* FANOUT_CANCELLED, FANOUT_TIMEOUT, or 0 */
	int64_t round_start;
	struct loop_timer *kill_timer;
	struct loop_timer *done_timer;
	char *cwd;		/* opts.cwd's copy */
};

static void pump(struct fanout *f);

/* A fanout over n named hosts, no round run yet. */
struct fanout *
fanout_new(struct loop *loop, const char *const *names, int n)
{
	struct fanout *f = xcalloc(1, sizeof *f);

	f->loop = loop;
	f->n = n;
	f->hosts = xcalloc((size_t)n + 1, sizeof *f->hosts);
	for (int k = 0; k < n; k++) {
		f->hosts[k].f = f;
		f->hosts[k].index = k;
		f->hosts[k].name = xstrdup(names[k]);
		f->hosts[k].res.exit_code = -1;
		strbuf_init(&f->hosts[k].part[0]);
		strbuf_init(&f->hosts[k].part[1]);
	}
	return f;
}

static void
set_result(struct fo_host *h, enum fanout_status st, int exit_code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
set_result(struct fo_host *h, enum fanout_status st, int exit_code, const char *fmt, ...)
{
	va_list ap;

	h->res.status = st;
	h->res.exit_code = exit_code;
	free(h->res.desc);
	va_start(ap, fmt);
	if (vasprintf(&h->res.desc, fmt, ap) == -1)
		h->res.desc = NULL;
	va_end(ap);
}

/* --- output --- */

static void
deliver(struct fo_host *h, int stream, char *line, size_t len)
{
	const regex_t *re = h->f->opts.expect_output;
	char saved = line[len];

	line[len] = '\0';
	if (re != NULL && !h->matched && regexec(re, line, 0, NULL, 0) == 0)
		h->matched = 1;
	h->f->line_cb(h->f->arg, h->index, stream, line, len);
	line[len] = saved;
}

/* Hands over every whole line held for stream; at the end (final) the
 * unfinished one too. An endless line goes in FANOUT_LINE_MAX pieces. */
static void
split_lines(struct fo_host *h, int stream, int final)
{
	struct strbuf *b = &h->part[stream == JOB_STDERR];
	size_t start = 0, rest;
	char *nl;

	while (b->len > start) {
		rest = b->len - start;
		if ((nl = memchr(b->buf + start, '\n', rest)) != NULL) {
			deliver(h, stream, b->buf + start, (size_t)(nl - b->buf) - start);
			start = (size_t)(nl - b->buf) + 1;
		} else if (rest >= FANOUT_LINE_MAX) {
			deliver(h, stream, b->buf + start, FANOUT_LINE_MAX);
			start += FANOUT_LINE_MAX;
		} else if (final) {
			deliver(h, stream, b->buf + start, rest);
			start = b->len;
		} else
			break;
	}
	if (start == 0)
		return;
	memmove(b->buf, b->buf + start, b->len - start);
	b->len -= start;
	b->buf[b->len] = '\0';
}

/* Masked bytes of one stream, into its lines. */
static void
on_masked(void *arg, const char *data, size_t len)
{
	struct fo_sink *s = arg;

	strbuf_add(&s->h->part[s->stream == JOB_STDERR], data, len);
	split_lines(s->h, s->stream, 0);
}

/* Masked before the cut into lines, so a secret across a newline or the
 * FANOUT_LINE_MAX cut is masked whole, and never behind the "host | "
 * prefix a line gets later. */
static void
on_output(void *arg, int stream, const char *data, size_t len)
{
	struct fo_host *h = arg;
	int k;

	if (stream != JOB_STDOUT && stream != JOB_STDERR)
		stream = JOB_STDOUT;
	k = stream == JOB_STDERR;
	if (h->ms[k] == NULL) {
		h->sink[k] = (struct fo_sink){ h, stream };
		h->ms[k] = maskstream_new(h->f->opts.mask, NULL, on_masked, &h->sink[k]);
	}
	maskstream_feed(h->ms[k], data, len);
}

/* The held bytes of both streams go out, then the unfinished lines. */
static void
end_output(struct fo_host *h)
{
	for (int k = 0; k < 2; k++) {
		maskstream_flush(h->ms[k]);
		maskstream_free(h->ms[k]);
		h->ms[k] = NULL;
	}
	split_lines(h, JOB_STDOUT, 1);
	split_lines(h, JOB_STDERR, 1);
}

/* --- one host --- */

static void
judge_host(struct fo_host *h, int ws)
{
	const struct fanout_opts *o = &h->f->opts;
	int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	char d[48];

	job_describe_status(ws, d, sizeof d);
	if (code == o->expect_exit && (o->expect_output == NULL || h->matched))
		set_result(h, FANOUT_OK, code, "%s", d);
	else if (h->stopped)
		set_result(h, h->f->stopping, code, "stopped, ssh %s", d);
	else if (code == SSH_EXIT_UNREACHABLE)
		set_result(h, FANOUT_UNREACHABLE, code, "ssh exited %d", code);
	else if (code == o->expect_exit)
		set_result(h, FANOUT_FAILED, code, "no output line matched");
	else if (code >= 0)
		set_result(h, FANOUT_FAILED, code, "%s, expected %d", d, o->expect_exit);
	else
		set_result(h, FANOUT_FAILED, code, "%s", d);
}

static void
on_host_done(void *arg, int wait_status)
{
	struct fo_host *h = arg;
	struct fanout *f = h->f;

	h->res.duration_ms = clock_mono_ms() - h->started;
	end_output(h);
	judge_host(h, wait_status);
	log_debug("fanout: %s %s: %s", h->name, fanout_status_name(h->res.status), h->res.desc);
	job_free(h->job);
	h->job = NULL;
	f->running--;
	pump(f);
}

static void
start_host(struct fo_host *h)
{
	struct fanout *f = h->f;
	struct job_spec spec = { 0 };
	char *cause = NULL, *line;

	spec.argv = h->argv;
	spec.stdin_pipe = 1;
	spec.cwd = f->cwd;
	spec.detach = f->opts.keep_masters;
	h->started = clock_mono_ms();
	h->res.offset_ms = h->started - f->round_start;
	h->res.round = f->round;
	h->job = job_start(f->loop, &spec, on_output, on_host_done, h, &cause);
	if (h->job == NULL) {
		line = xprintf("drconsole: could not start ssh: %s", cause);
		f->line_cb(f->arg, h->index, JOB_STDERR, line, strlen(line));
		set_result(h, FANOUT_FAILED, -1, "could not start: %s", cause);
		free(line);
		free(cause);
		return;
	}
	h->res.status = FANOUT_RUNNING;
	f->running++;
	/* The secrets go first; the stdin then stays open, the remote
	 * wrapper's signal to stop when it closes. */
	job_send_stdin(h->job, f->payload, f->paylen);
}

/* --- the round --- */

/* How many hosts the policy needs ok. */
int
fanout_needed(const struct fanout *f)
{
	switch (f->opts.policy) {
	case POLICY_ANY:
		return 1;
	case POLICY_AT_LEAST:
		return f->opts.at_least;
	default:
		return f->n;
	}
}

/* Hosts whose last result is ok, from this round or an earlier one. */
int
fanout_ok_count(const struct fanout *f)
{
	int ok = 0;

	for (int k = 0; k < f->n; k++)
		ok += f->hosts[k].res.status == FANOUT_OK;
	return ok;
}

/* 1 when enough hosts are ok for the policy. */
int
fanout_met(const struct fanout *f)
{
	return fanout_ok_count(f) >= fanout_needed(f);
}

/* Could the policy still be met if every host not yet ended succeeded? */
static int
still_possible(const struct fanout *f)
{
	int could = 0;

	for (int k = 0; k < f->n; k++) {
		enum fanout_status st = f->hosts[k].res.status;

		could += st == FANOUT_OK || st == FANOUT_RUNNING || st == FANOUT_PENDING;
	}
	return could >= fanout_needed(f);
}

static void
on_done_timer(void *arg)
{
	struct fanout *f = arg;

	f->done_timer = NULL;
	if (f->kill_timer != NULL)
		loop_cancel_timer(f->loop, f->kill_timer);
	f->kill_timer = NULL;
	f->active = 0;
	ssh_payload_free(f->payload, f->paylen);
	f->payload = NULL;
	f->paylen = 0;
	f->done_cb(f->arg);	/* last: it may free f */
}

/* Starts pending hosts while there is room; in a rolling fan-out, stops
 * starting them once the policy is lost, so a failure does not roll on
 * through the fleet. Reports the end from a timer, never from here. */
static void
pump(struct fanout *f)
{
	int pending = 0;

	for (int k = 0; k < f->n; k++) {
		struct fo_host *h = &f->hosts[k];

		if (h->res.status != FANOUT_PENDING)
			continue;
		if (f->opts.max_parallel > 0 && f->running >= f->opts.max_parallel) {
			pending++;
			continue;
		}
		if (!still_possible(f)) {
			set_result(h, FANOUT_SKIPPED, -1, "not started: the policy can no longer be met");
			continue;
		}
		start_host(h);
	}
	if (f->active && f->running == 0 && pending == 0 && f->done_timer == NULL)
		f->done_timer = loop_add_timer(f->loop, 0, on_done_timer, f);
}

static void
reset_host(struct fo_host *h, char *const *argv)
{
	int n = 0;

	ssh_argv_free(h->argv);
	while (argv[n] != NULL)
		n++;
	h->argv = xcalloc((size_t)n + 1, sizeof *h->argv);
	for (int k = 0; k < n; k++)
		h->argv[k] = xstrdup(argv[k]);
	free(h->res.desc);
	memset(&h->res, 0, sizeof h->res);
	h->res.status = FANOUT_PENDING;
	h->res.exit_code = -1;
	h->matched = h->stopped = 0;
	strbuf_reset(&h->part[0]);
	strbuf_reset(&h->part[1]);
	for (int k = 0; k < 2; k++) {
		maskstream_free(h->ms[k]);
		h->ms[k] = NULL;
	}
}

/* Starts a round on the hosts not yet ok. */
int
fanout_start(struct fanout *f, const struct fanout_opts *opts, char *const *const *argvs,
    const char *stdin_data, size_t stdin_len, fanout_line_cb line_cb, fanout_done_cb done_cb,
    void *arg, char **cause)
{
	if (f->active) {
		*cause = xstrdup("the hosts of the last round are still running");
		return -1;
	}
	f->opts = *opts;
	free(f->cwd);
	f->cwd = opts->cwd != NULL ? xstrdup(opts->cwd) : NULL;
	f->opts.cwd = f->cwd;
	f->line_cb = line_cb;
	f->done_cb = done_cb;
	f->arg = arg;
	f->round++;
	f->stopping = 0;
	f->round_start = clock_mono_ms();
	f->payload = xmalloc(stdin_len + 1);
	if (stdin_len > 0)
		memcpy(f->payload, stdin_data, stdin_len);
	f->paylen = stdin_len;
	for (int k = 0; k < f->n; k++) {
		if (f->hosts[k].res.status != FANOUT_OK)
			reset_host(&f->hosts[k], argvs[k]);
	}
	f->active = 1;
	pump(f);
	return 0;
}

/* --- stopping --- */

static void
on_kill_timer(void *arg)
{
	struct fanout *f = arg;

	f->kill_timer = NULL;
	for (int k = 0; k < f->n; k++) {
		if (f->hosts[k].job != NULL) {
			log_debug("fanout: %s: ssh still running after the grace", f->hosts[k].name);
			job_terminate(f->hosts[k].job, FANOUT_LOCAL_GRACE_MS);
		}
	}
}

/* Stops the round; the end still comes through done_cb. */
void
fanout_cancel(struct fanout *f, int timed_out)
{
	if (!f->active || f->stopping != 0)
		return;
	f->stopping = timed_out ? FANOUT_TIMEOUT : FANOUT_CANCELLED;
	for (int k = 0; k < f->n; k++) {
		struct fo_host *h = &f->hosts[k];

		if (h->res.status == FANOUT_PENDING)
			set_result(h, f->stopping, -1, "not started");
		else if (h->job != NULL) {
			h->stopped = 1;
			job_close_stdin(h->job);
		}
	}
	if (f->running > 0)
		f->kill_timer = loop_add_timer(f->loop, f->opts.grace_ms + FANOUT_SLACK_MS, on_kill_timer, f);
	pump(f);
}

/* --- accessors --- */

int fanout_running(const struct fanout *f) { return f->active; }
int fanout_count(const struct fanout *f) { return f->n; }
const char *fanout_name(const struct fanout *f, int host) { return f->hosts[host].name; }
const struct fanout_result *fanout_result(const struct fanout *f, int host) { return &f->hosts[host].res; }

/* The local ssh of a running host, for tests and logs. */
int
fanout_pid(const struct fanout *f, int host)
{
	return f->hosts[host].job != NULL ? (int)job_pid(f->hosts[host].job) : -1;
}

/* The word the journal uses for a host's status. */
const char *
fanout_status_name(enum fanout_status s)
{
	static const char *const names[] = {
		"pending", "running", "ok", "failed", "unreachable", "cancelled", "timeout", "skipped"
	};

	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* The word the journal uses for a policy. */
const char *
fanout_policy_name(enum fanout_policy p)
{
	static const char *const names[] = { "all", "any", "at_least" };

	return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

/* Frees f, killing the ssh of hosts still running. */
void
fanout_free(struct fanout *f)
{
	if (f == NULL)
		return;
	if (f->kill_timer != NULL)
		loop_cancel_timer(f->loop, f->kill_timer);
	if (f->done_timer != NULL)
		loop_cancel_timer(f->loop, f->done_timer);
	free(f->cwd);
	for (int k = 0; k < f->n; k++) {
		struct fo_host *h = &f->hosts[k];

		job_free(h->job);
		ssh_argv_free(h->argv);
		strbuf_free(&h->part[0]);
		strbuf_free(&h->part[1]);
		maskstream_free(h->ms[0]);
		maskstream_free(h->ms[1]);
		free(h->res.desc);
		free(h->name);
	}
	free(f->hosts);
	ssh_payload_free(f->payload, f->paylen);
	free(f);
}
