/*
 * test_follow.c: following an incident as it is written. A real journal is
 * written with journal_append in a source directory and copied into the
 * followed one a piece at a time (whole lines, half lines, a torn line cut
 * away and replaced), output files grow beside it, and after each poll the
 * rebuilt state must be exactly what was written so far: statuses,
 * attempts, durations, output tails across retries, the timeline with
 * injected events, the checklist from the runbook, and chain breaks.
 * Injection is checked against a real journal lock.
 */
#include "cmocka_all.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "crypto.h"
#include "diag.h"
#include "follow.h"
#include "outbuf.h"
#include "inbox.h"
#include "journal.h"
#include "journal_fixture.h"
#include "loader.h"
#include "outfile.h"
#include "xmalloc.h"

/* 2026-11-23T10:00:00Z */
#define T0 1795428000000LL

struct fx {
	char		 top[64];
	char		*src;		/* where the journal is written */
	char		*dst;		/* the incident followed */
	struct journal	*j;
	size_t		 fed;		/* journal bytes copied to dst */
	struct follow	*f;
};

static void
write_file(const char *path, const char *data, size_t len, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static int
setup(void **state)
{
	struct fx *x = xcalloc(1, sizeof *x);
	char *cause = NULL, *path;

	strcpy(x->top, "/tmp/drc-follow-XXXXXX");
	if (mkdtemp(x->top) == NULL)
		return -1;
	x->src = xprintf("%s/src", x->top);
	x->dst = xprintf("%s/inc", x->top);
	unsetenv(JOURNAL_KEY_ENV);
	journal_fixture_pin(T0);
	if (journal_open(&x->j, x->src, 0, &cause) != 0)
		return -1;
	journal_set_operator(x->j, "alice");
	mkdir(x->dst, 0700);
	path = xprintf("%s/%s", x->dst, OUTFILE_DIR);
	mkdir(path, 0700);
	free(path);
	path = xprintf("%s/%s", x->dst, JOURNAL_FILE);
	write_file(path, "", 0, O_TRUNC);
	free(path);
	*state = x;
	return 0;
}

static void seen_clear(void);

static int
teardown(void **state)
{
	struct fx *x = *state;

	follow_free(x->f);
	seen_clear();
	journal_close(x->j);
	journal_fixture_remove(x->top);
	unsetenv("DRCONSOLE_FAKE_NOW");
	free(x->src);
	free(x->dst);
	free(x);
	return 0;
}

/* Appends an event to the source journal at time at; fields are stolen. */
static void
add(struct fx *x, int64_t at, const char *event, json_t *fields)
{
	journal_fixture_add(x->j, at, event, fields);
}

/* Copies the source journal into the followed one, all but the last
 * `short_by` bytes: a line caught half written. */
static void
feed(struct fx *x, size_t short_by)
{
	char *buf, *cause = NULL, *path;
	size_t len;

	assert_int_equal(journal_read_raw(x->src, &buf, &len, &cause), 0);
	assert_true(len >= x->fed + short_by);
	path = xprintf("%s/%s", x->dst, JOURNAL_FILE);
	write_file(path, buf + x->fed, len - short_by - x->fed, O_APPEND);
	x->fed = len - short_by;
	free(path);
	free(buf);
}

/* Appends raw text to an output file of the followed incident. */
static void
out_raw(struct fx *x, const char *rel, const char *text)
{
	char *path = xprintf("%s/%s", x->dst, rel);

	write_file(path, text, strlen(text), O_APPEND);
	free(path);
}

/* Appends one output line as outfile.c writes it. */
static void
out_line(struct fx *x, const char *rel, int64_t at, int stream, const char *text)
{
	char ts[CLOCK_RFC3339_LEN], *line;

	clock_format_rfc3339(at, ts);
	line = xprintf("%s %s %s\n", ts, stream == OUTFILE_STDERR ? "err" : "out", text);
	out_raw(x, rel, line);
	free(line);
}

static int
poll_ok(struct fx *x)
{
	char *cause = NULL;
	int rc = follow_poll(x->f, &cause);

	if (rc < 0)
		fail_msg("follow_poll: %s", cause);
	assert_false(follow_behind(x->f));
	return rc;
}

static json_t *
run_start(const char *path, const char *sha)
{
	return json_pack("{s:{s:s, s:s, s:s, s:s}, s:s, s:s, s:i, s:{s:I, s:I}, s:{}}", "runbook",
	    "id", "db-failover", "title", "Fail over the orders DB", "path", path, "sha256", sha,
	    "mode", "drill", "host", "bastion", "pid", 4242, "objectives", "rto_ms",
	    (json_int_t)(30 * 60000), "rpo_ms", (json_int_t)0, "params");
}

static json_t *
step_start(const char *id, int index, int attempt, const char *cmd)
{
	return json_pack("{s:s, s:i, s:i, s:s, s:s}", "step", id, "index", index, "attempt", attempt,
	    "kind", "run", "command", cmd);
}

static json_t *
step_end(const char *id, int index, int attempt, const char *status, int64_t ms, int code)
{
	char *rel = follow_output_path(index, id, attempt, 0);
	json_t *f = json_pack("{s:s, s:i, s:i, s:s, s:I, s:i, s:s, s:s}", "step", id, "index", index,
	    "attempt", attempt, "status", status, "duration_ms", (json_int_t)ms, "exit_code", code,
	    "exit", code == 0 ? "exited 0" : "exited 3", "output", rel);

	free(rel);
	return f;
}

/* Line k of a step's kept tail, 0 the oldest kept; NULL past it. */
static const struct outline *
tline(const struct follow_step *st, size_t k)
{
	return outbuf_line(st->out, k);
}

#define NTAIL(st) outbuf_count((st)->out)
#define NLINES(st) outbuf_total((st)->out)

/* The events the follower handed on, as a timeline would take them. */
struct seen_event {
	char event[24];
	int step, injected;
	char *by, *summary;
};
static struct seen_event seen[64];
static size_t nseen;

static void
seen_clear(void)
{
	for (size_t k = 0; k < nseen; k++) {
		free(seen[k].by);
		free(seen[k].summary);
	}
	nseen = 0;
}

static void
record_event(void *arg, const json_t *line, const char *raw, size_t len, int step)
{
	struct seen_event *e;
	json_t *again;

	(void)arg;
	if (line == NULL) {	/* started over: what was heard is dropped */
		seen_clear();
		return;
	}
	again = json_loadb(raw, len, 0, NULL);
	assert_non_null(again);	/* raw is the line as written */
	assert_true(json_equal(again, (json_t *)line));
	json_decref(again);
	if (nseen == sizeof seen / sizeof seen[0])
		return;
	e = &seen[nseen++];
	snprintf(e->event, sizeof e->event, "%s", json_string_value(json_object_get(line, "event")));
	e->step = step;
	e->injected = json_is_true(json_object_get(line, "injected"));
	e->by = json_is_string(json_object_get(line, "by")) ?
	    strdup(json_string_value(json_object_get(line, "by"))) : NULL;
	e->summary = follow_summary((json_t *)line);
}

static const char *
tail_text(const struct follow_step *st, size_t k)
{
	const struct outline *l = tline(st, k);

	return l != NULL ? l->text : "(none)";
}

static void
open_follow(struct fx *x, int flags)
{
	char *cause = NULL;

	if (follow_open(&x->f, x->dst, flags, &cause) != 0)
		fail_msg("follow_open: %s", cause);
	seen_clear();
	follow_set_event_cb(x->f, record_event, x);
}

/* Lines and output arrive in steps; each poll reads only what is new. */
static void
test_grows(void **state)
{
	struct fx *x = *state;
	const struct follow_step *st;
	const struct follow_run *r;
	uint64_t gen;

	open_follow(x, 0);
	assert_int_equal(poll_ok(x), 0);
	assert_false(follow_run(x->f)->started);

	add(x, T0, "run.start", run_start("/nonexistent/db.yaml", "00"));
	add(x, T0 + 1000, "step.start", step_start("stop-writes", 1, 1, "pg_ctl stop"));
	feed(x, 0);
	out_line(x, "output/01-stop-writes.log", T0 + 1100, OUTFILE_STDOUT, "waiting for server");
	out_line(x, "output/01-stop-writes.log", T0 + 1200, OUTFILE_STDERR, "a warning");
	assert_int_equal(poll_ok(x), 1);
	r = follow_run(x->f);
	assert_true(r->started);
	assert_string_equal(r->title, "Fail over the orders DB");
	assert_string_equal(r->mode, "drill");
	assert_string_equal(r->driver, "alice");
	assert_int_equal(r->started_ms, T0);
	assert_int_equal(r->rto_ms, 30 * 60000);
	assert_int_equal(r->running, 0);
	assert_int_equal(follow_nsteps(x->f), 1);
	st = follow_step(x->f, 0);
	assert_string_equal(st->id, "stop-writes");
	assert_int_equal(st->status, JSTATUS_RUNNING);
	assert_int_equal(st->attempt, 1);
	assert_int_equal(st->attempt_ms, T0 + 1000);
	assert_string_equal(st->command, "pg_ctl stop");
	assert_int_equal(NLINES(st), 2);
	assert_string_equal(tail_text(st, 0), "waiting for server");
	assert_int_equal(tline(st, 0)->ts_ms, T0 + 1100);
	assert_int_equal(tline(st, 1)->stream, OUTFILE_STDERR);

	/* Nothing new: nothing read, nothing changed. */
	gen = follow_generation(x->f);
	assert_int_equal(poll_ok(x), 0);
	assert_int_equal(follow_generation(x->f), gen);

	/* An output line half written is not a line yet. */
	out_raw(x, "output/01-stop-writes.log", "2026-11-23T10:00:01.300Z out server sto");
	assert_int_equal(poll_ok(x), 0);
	assert_int_equal(NLINES(follow_step(x->f, 0)), 2);
	out_raw(x, "output/01-stop-writes.log", "pped\n");
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(NLINES(st), 3);
	assert_string_equal(tail_text(st, 2), "server stopped");

	add(x, T0 + 4000, "step.end", step_end("stop-writes", 1, 1, "ok", 3000, 0));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(st->status, JSTATUS_OK);
	assert_int_equal(st->duration_ms, 3000);
	assert_int_equal(st->exit_code, 0);
	assert_int_equal(follow_run(x->f)->running, -1);
	assert_int_equal(follow_run(x->f)->chain_break, 0);
	assert_int_equal(follow_run(x->f)->lines, 3);
}

/* A failed attempt, a retry into its own file, then success: the tail
 * holds both attempts in order, the state the last one. */
static void
test_retry_and_timeline(void **state)
{
	struct fx *x = *state;
	const struct follow_step *st;
	const struct seen_event *ev;
	size_t n;

	open_follow(x, 0);
	add(x, T0, "run.start", run_start("/nonexistent/db.yaml", "00"));
	add(x, T0 + 10, "step.start", step_start("promote", 2, 1, "promote it"));
	feed(x, 0);
	out_line(x, "output/02-promote.log", T0 + 20, OUTFILE_STDOUT, "first try");
	assert_int_equal(poll_ok(x), 1);
	add(x, T0 + 30, "step.end", json_pack("{s:s, s:i, s:i, s:s, s:I, s:i, s:s, s:s}", "step", "promote",
	    "index", 2, "attempt", 1, "status", "failed", "duration_ms", (json_int_t)20, "exit_code", 3,
	    "exit", "exited 3", "reason", "exited 3, expected 0"));
	add(x, T0 + 31, "step.retry", json_pack("{s:s, s:i, s:i, s:i, s:I, s:s}", "step", "promote",
	    "index", 2, "next_attempt", 2, "of", 3, "delay_ms", (json_int_t)5000, "reason", "exited 3"));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(st->status, JSTATUS_RUNNING);
	assert_true(st->retry_waiting);
	assert_int_equal(follow_run(x->f)->running, 0);

	add(x, T0 + 5031, "step.start", step_start("promote", 2, 2, "promote it"));
	feed(x, 0);
	out_line(x, "output/02-promote.2.log", T0 + 5040, OUTFILE_STDOUT, "second try");
	add(x, T0 + 5050, "step.end", step_end("promote", 2, 2, "ok", 19, 0));
	add(x, T0 + 6000, "note", json_pack("{s:s, s:b, s:s, s:s}", "text", "the replica in us-west-2 "
	    "is also lagging", "injected", 1, "by", "facil", "noted_at", "2026-11-23T10:00:05.900Z"));
	add(x, T0 + 7000, "decision", json_pack("{s:s, s:s}", "step", "promote", "decision", "continue"));
	add(x, T0 + 8000, "run.end", json_pack("{s:s}", "status", "completed"));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(st->index, 2);
	assert_int_equal(st->status, JSTATUS_OK);
	assert_int_equal(st->attempt, 2);
	assert_false(st->retry_waiting);
	assert_int_equal(st->started_ms, T0 + 10);
	assert_int_equal(st->attempt_ms, T0 + 5031);
	assert_int_equal(NLINES(st), 2);
	assert_string_equal(tail_text(st, 0), "first try");
	assert_string_equal(tail_text(st, 1), "second try");

	n = nseen;
	assert_int_equal(n, 9);
	ev = &seen[2];
	assert_string_equal(ev->event, "step.end");
	assert_string_equal(ev->summary, "promote failed in 20ms: exited 3, expected 0");
	ev = &seen[n - 3];
	assert_string_equal(ev->event, "note");
	assert_true(ev->injected);
	assert_string_equal(ev->by, "facil");
	assert_string_equal(ev->summary, "the replica in us-west-2 is also lagging");
	assert_int_equal(ev->step, -1);
	ev = &seen[n - 2];
	assert_false(ev->injected);
	assert_int_equal(ev->step, 0);
	assert_string_equal(ev->summary, "promote: continue");
	assert_string_equal(follow_run(x->f)->end_status, "completed");
	assert_int_equal(follow_run(x->f)->ended_ms, T0 + 8000);
}

/* Far behind a flood, only the tail is read, with a mark where bytes were
 * passed over; what comes after is read line by line again. */
static void
test_flood_skips_to_tail(void **state)
{
	struct fx *x = *state;
	const char *rel = "output/01-flood.log";
	char *path = xprintf("%s/%s", x->dst, rel), line[64];
	const struct follow_step *st;
	size_t n = 0, len;
	FILE *fp;
	int k;

	open_follow(x, 0);
	add(x, T0, "run.start", run_start("/nonexistent/db.yaml", "00"));
	add(x, T0 + 1, "step.start", step_start("flood", 1, 1, "yes"));
	feed(x, 0);
	assert_non_null(fp = fopen(path, "a"));
	for (k = 0; n <= FOLLOW_SKIP_BYTES + FOLLOW_TAIL_BYTES; k++) {
		len = (size_t)snprintf(line, sizeof line, "2026-11-23T10:00:01.000Z out flood line %d\n", k);
		fwrite(line, 1, len, fp);
		n += len;
	}
	fclose(fp);
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_true(st->skipped > FOLLOW_SKIP_BYTES);
	assert_true(st->skipped < n);
	assert_int_equal(tline(st, 0)->stream, FOLLOW_GAP);
	assert_non_null(strstr(tline(st, 0)->text, "all of it is in output/01-flood.log"));
	snprintf(line, sizeof line, "flood line %d", k - 1);
	assert_string_equal(tail_text(st, NTAIL(st) - 1), line);
	/* The first line after the gap is a whole one. */
	assert_int_equal(strncmp(tail_text(st, 1), "flood line ", 11), 0);
	out_line(x, rel, T0 + 2000, OUTFILE_STDOUT, "after the flood");
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_string_equal(tail_text(st, NTAIL(st) - 1), "after the flood");
	assert_string_equal(tail_text(st, NTAIL(st) - 2), line);
	free(path);
}

/* A journal line caught half written is left for the next poll; a torn
 * tail that a resuming console cut away and wrote over is read anew. */
static void
test_torn_journal_line(void **state)
{
	struct fx *x = *state;
	char *path = xprintf("%s/%s", x->dst, JOURNAL_FILE);
	const struct follow_run *r;
	struct stat sb;

	open_follow(x, 0);
	add(x, T0, "run.start", run_start("/nonexistent/db.yaml", "00"));
	add(x, T0 + 5, "step.start", step_start("check", 1, 1, "true"));
	feed(x, 40);
	assert_int_equal(poll_ok(x), 1);
	r = follow_run(x->f);
	assert_int_equal(r->lines, 1);
	assert_int_equal(follow_nsteps(x->f), 0);
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	assert_int_equal(r->lines, 2);
	assert_int_equal(follow_step(x->f, 0)->status, JSTATUS_RUNNING);

	/* A crash leaves half of a line that was never acknowledged... */
	assert_int_equal(stat(path, &sb), 0);
	write_file(path, "{\"seq\":3,\"ts\":\"2026-11-23T10:00:00.010Z\",\"event\":\"step.e", 54, O_APPEND);
	assert_int_equal(poll_ok(x), 0);
	assert_int_equal(r->lines, 2);
	/* ...which the next console cuts away before it writes its own. */
	assert_int_equal(truncate(path, sb.st_size), 0);
	add(x, T0 + 2000, "run.resume", json_pack("{s:I, s:i}", "previous_pid", (json_int_t)4242,
	    "pid", 4343));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	assert_int_equal(r->lines, 3);
	assert_int_equal(r->bad_lines, 0);
	assert_int_equal(r->chain_break, 0);
	assert_int_equal(r->pid, 4343);
	assert_int_equal(follow_step(x->f, 0)->status, JSTATUS_INTERRUPTED);
	free(path);
}

/* The checklist comes from the runbook run.start names: every step, with
 * its title and phase, pending until the journal says otherwise. */
static void
test_runbook_checklist(void **state)
{
	static const char yaml[] =
	    "id: db-failover\ntitle: Fail over the orders DB\nobjectives: { rto: 30m }\nsteps:\n"
	    "  - { id: freeze, phase: Prepare, title: Freeze writes, run: 'true' }\n"
	    "  - { id: promote, phase: Recover, title: Promote the replica, run: 'true' }\n"
	    "  - { id: verify, title: Verify the app, run: 'true' }\n";
	struct fx *x = *state;
	char *rbpath = xprintf("%s/db.yaml", x->top), sha[CRYPTO_HEX_LEN];
	struct diags d = { 0 };
	struct runbook *rb;
	const struct follow_step *st;

	write_file(rbpath, yaml, sizeof yaml - 1, O_TRUNC);
	assert_non_null(rb = loader_load_file(rbpath, &d));
	crypto_hex(rb->sha256, sizeof rb->sha256, sha);
	runbook_free(rb);
	diags_clear(&d);
	open_follow(x, FOLLOW_RUNBOOK);
	add(x, T0, "run.start", run_start(rbpath, sha));
	add(x, T0 + 5, "step.start", step_start("promote", 2, 1, "true"));
	add(x, T0 + 6, "step.start", step_start("renamed", 9, 1, "true"));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	assert_null(follow_run(x->f)->runbook_problem);
	assert_int_equal(follow_nsteps(x->f), 4);
	st = follow_step(x->f, 0);
	assert_string_equal(st->title, "Freeze writes");
	assert_string_equal(st->phase, "Prepare");
	assert_int_equal(st->status, JSTATUS_PENDING);
	st = follow_step(x->f, 1);
	assert_string_equal(st->phase, "Recover");
	assert_int_equal(st->status, JSTATUS_RUNNING);
	assert_null(follow_step(x->f, 2)->phase);
	assert_string_equal(follow_step(x->f, 3)->id, "renamed");
	assert_int_equal(follow_find_step(x->f, "verify"), 2);
	assert_int_equal(follow_run(x->f)->last_step, 3);
	free(rbpath);
}

/* Without the runbook the journal's steps are shown in runbook order. */
static void
test_steps_in_index_order(void **state)
{
	struct fx *x = *state;

	open_follow(x, FOLLOW_RUNBOOK);
	add(x, T0, "run.start", run_start("/nonexistent/db.yaml", "00"));
	add(x, T0 + 1, "step.end", json_pack("{s:s, s:i, s:s, s:s}", "step", "third", "index", 3,
	    "status", "skipped", "reason", "not needed"));
	add(x, T0 + 2, "step.start", step_start("first", 1, 1, "true"));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	assert_non_null(follow_run(x->f)->runbook_problem);
	assert_int_equal(follow_nsteps(x->f), 2);
	assert_string_equal(follow_step(x->f, 0)->id, "first");
	assert_string_equal(follow_step(x->f, 1)->id, "third");
	assert_string_equal(follow_step(x->f, 1)->reason, "not needed");
	assert_int_equal(follow_run(x->f)->running, 0);
	/* Each event named the view's step as it stood then. */
	assert_int_equal(seen[1].step, 0);
	assert_int_equal(seen[2].step, 0);
}

/* A line edited or dropped shows as a break in the chain at once. */
static void
test_chain_break(void **state)
{
	struct fx *x = *state;
	char *path = xprintf("%s/%s", x->dst, JOURNAL_FILE);
	char *buf, *cause = NULL, *second;
	size_t len;

	open_follow(x, 0);
	add(x, T0, "run.start", run_start("/nonexistent/db.yaml", "00"));
	add(x, T0 + 1, "note", json_pack("{s:s}", "text", "one"));
	add(x, T0 + 2, "note", json_pack("{s:s}", "text", "two"));
	assert_int_equal(journal_read_raw(x->src, &buf, &len, &cause), 0);
	second = strchr(buf, '\n') + 1;
	/* Lines 1 and 3: line 2 is missing. */
	write_file(path, buf, (size_t)(second - buf), O_APPEND);
	write_file(path, strchr(second, '\n') + 1, strlen(strchr(second, '\n') + 1), O_APPEND);
	assert_int_equal(poll_ok(x), 1);
	assert_int_equal(follow_run(x->f)->chain_break, 3);
	write_file(path, "not json\n", 9, O_APPEND);
	assert_int_equal(poll_ok(x), 1);
	assert_int_equal(follow_run(x->f)->bad_lines, 1);
	free(buf);
	free(path);
}

/* A journal rewritten shorter in place (restored from a copy, say) is
 * read again from its start, not from an offset past its end. */
static void
test_journal_rewritten(void **state)
{
	struct fx *x = *state;
	char *path = xprintf("%s/%s", x->dst, JOURNAL_FILE);
	static const char line[] = "{\"seq\":1,\"event\":\"run.start\",\"operator\":\"bob\","
	    "\"runbook\":{\"title\":\"Restored\"},\"prev\":\"x\",\"hash\":\"y\"}\n";

	open_follow(x, 0);
	add(x, T0, "run.start", run_start("/nonexistent/db.yaml", "00"));
	add(x, T0 + 1, "step.start", step_start("one", 1, 1, "true"));
	add(x, T0 + 2, "note", json_pack("{s:s}", "text", "a long note to make the file longer"));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	assert_int_equal(follow_nsteps(x->f), 1);
	write_file(path, line, sizeof line - 1, O_TRUNC);
	assert_int_equal(poll_ok(x), 1);
	assert_string_equal(follow_run(x->f)->title, "Restored");
	assert_string_equal(follow_run(x->f)->driver, "bob");
	assert_int_equal(follow_run(x->f)->lines, 1);
	assert_int_equal(follow_nsteps(x->f), 0);
	/* The timeline is told to start over, then hears the rewritten
	 * journal from its start. */
	assert_int_equal(nseen, 1);
	assert_string_equal(seen[0].event, "run.start");
	free(path);
}

/* Reads the C string s with rd; l's text, copied, goes to *text. */
static int
read_str(struct follow_reader *rd, const char *s, struct follow_line *l, char **text)
{
	int rc = follow_read_line(rd, s, strlen(s), l);

	free(*text);
	*text = rc != 0 ? xstrndup(l->text, l->len) : NULL;
	return rc;
}

/* The one-line form, as it always was; a line that does not parse comes
 * back whole and untimed. */
static void
test_read_line(void **state)
{
	struct follow_reader rd = { 0 };
	struct follow_line l;
	char *t = NULL;

	(void)state;
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:01.250Z err disk full", &l, &t), 1);
	assert_int_equal(l.ts_ms, T0 + 1250);
	assert_int_equal(l.stream, OUTFILE_STDERR);
	assert_string_equal(t, "disk full");
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:01.250Z out ", &l, &t), 1);
	assert_int_equal(l.stream, OUTFILE_STDOUT);
	assert_string_equal(t, "");
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:01.250Z out", &l, &t), 1);
	assert_string_equal(t, "");
	/* Text that starts with a colon is text, not a header. */
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:01.250Z out :3", &l, &t), 1);
	assert_string_equal(t, ":3");
	/* A '\r' in a stamped line was the program's: the writer kept it. */
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:01.250Z out a\r", &l, &t), 1);
	assert_string_equal(t, "a\r");
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:01.250Z bad text", &l, &t), -1);
	assert_int_equal(l.ts_ms, 0);
	assert_int_equal(l.stream, OUTFILE_STDOUT);
	assert_string_equal(t, "2026-11-23T10:00:01.250Z bad text");
	assert_int_equal(read_str(&rd, "yesterday out text", &l, &t), -1);
	assert_int_equal(read_str(&rd, "", &l, &t), -1);
	assert_string_equal(t, "");
	assert_int_equal(rd.left, 0);
	free(t);
}

/* A block: its raw lines carry the header's time and stream, are text
 * whatever they look like, and lose one trailing '\r'. */
static void
test_read_block(void **state)
{
	struct follow_reader rd = { 0 };
	struct follow_line l;
	char *t = NULL;

	(void)state;
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:02.500Z err:5", &l, &t), 0);
	assert_int_equal(rd.left, 5);
	assert_int_equal(read_str(&rd, "plain text", &l, &t), 1);
	assert_int_equal(l.ts_ms, T0 + 2500);
	assert_int_equal(l.stream, OUTFILE_STDERR);
	assert_string_equal(t, "plain text");
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:09.000Z out stamped-looking", &l, &t), 1);
	assert_int_equal(l.ts_ms, T0 + 2500);
	assert_int_equal(l.stream, OUTFILE_STDERR);
	assert_string_equal(t, "2026-11-23T10:00:09.000Z out stamped-looking");
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:09.000Z out:7", &l, &t), 1);
	assert_string_equal(t, "2026-11-23T10:00:09.000Z out:7");
	assert_int_equal(read_str(&rd, "crlf\r", &l, &t), 1);
	assert_string_equal(t, "crlf");
	/* One '\r' only; an empty raw line is an empty line. */
	assert_int_equal(read_str(&rd, "\r\r", &l, &t), 1);
	assert_string_equal(t, "\r");
	assert_int_equal(rd.left, 0);
	/* The block is over: the next line is parsed again. */
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:03.000Z out after", &l, &t), 1);
	assert_int_equal(l.ts_ms, T0 + 3000);
	assert_int_equal(l.stream, OUTFILE_STDOUT);
	assert_string_equal(t, "after");
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:04.000Z out:1", &l, &t), 0);
	assert_int_equal(read_str(&rd, "", &l, &t), 1);
	assert_int_equal(l.ts_ms, T0 + 4000);
	assert_string_equal(t, "");
	assert_int_equal(read_str(&rd, "\r", &l, &t), -1);
	free(t);
}

/* A block of one line, then a header straight after it. */
static void
test_read_block_of_one(void **state)
{
	struct follow_reader rd = { 0 };
	struct follow_line l;
	char *t = NULL;

	(void)state;
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:01.000Z out:1", &l, &t), 0);
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:05.000Z err:2", &l, &t), 1);
	assert_int_equal(l.ts_ms, T0 + 1000);
	assert_int_equal(l.stream, OUTFILE_STDOUT);
	assert_string_equal(t, "2026-11-23T10:00:05.000Z err:2");
	assert_int_equal(rd.left, 0);
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:05.000Z err:2", &l, &t), 0);
	assert_int_equal(rd.left, 2);
	assert_int_equal(rd.ts_ms, T0 + 5000);
	assert_int_equal(rd.stream, OUTFILE_STDERR);
	free(t);
}

/* Only "<ts> out|err:N" with N a plain count of at least 1 is a header;
 * the rest do not parse, and leave the reader outside any block. */
static void
test_read_bad_headers(void **state)
{
	static const char *bad[] = {
		"2026-11-23T10:00:01.000Z out:0",
		"2026-11-23T10:00:01.000Z out:00",
		"2026-11-23T10:00:01.000Z out:01",
		"2026-11-23T10:00:01.000Z out:3x",
		"2026-11-23T10:00:01.000Z out:3 ",
		"2026-11-23T10:00:01.000Z out:3\r",
		"2026-11-23T10:00:01.000Z out: 3",
		"2026-11-23T10:00:01.000Z out:",
		"2026-11-23T10:00:01.000Z out:-1",
		"2026-11-23T10:00:01.000Z out:+3",
		"2026-11-23T10:00:01.000Z out:0x10",
		"2026-11-23T10:00:01.000Z out:12345678901234567890",
		"2026-11-23T10:00:01.000Z err::3",
		"2026-11-23T10:00:01.000Z outs:3",
		"2026-11-23T10:00:01.000Z ou:3",
		"2026-11-23T10:00:01.000Z OUT:3",
		"2026-11-23T10:00:01.000Z  out:3",
		"yesterday out:3",
		" out:3",
		"out:3",
	};
	struct follow_reader rd = { 0 };
	struct follow_line l;
	char *t = NULL;

	(void)state;
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		if (read_str(&rd, bad[k], &l, &t) != -1)
			fail_msg("parsed: \"%s\"", bad[k]);
		assert_int_equal(rd.left, 0);
		assert_int_equal(l.ts_ms, 0);
		assert_string_equal(t, bad[k]);
	}
	/* "out :3" is a line whose text is ":3"; the largest count is one. */
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:01.000Z out :3", &l, &t), 1);
	assert_int_equal(rd.left, 0);
	assert_int_equal(read_str(&rd, "2026-11-23T10:00:01.000Z out:9999999999999999999", &l, &t), 0);
	assert_int_equal(rd.left, 9999999999999999999ULL);
	free(t);
}

/* Both forms in one file, in any order. */
static void
test_read_mixed(void **state)
{
	static const struct {
		const char	*in;
		int		 rc;
		int64_t		 ts;
		int		 stream;
		const char	*text;
	} lines[] = {
		{ "2026-11-23T10:00:01.000Z out one", 1, T0 + 1000, OUTFILE_STDOUT, "one" },
		{ "2026-11-23T10:00:02.000Z out:2", 0, 0, 0, NULL },
		{ "two", 1, T0 + 2000, OUTFILE_STDOUT, "two" },
		{ "three\r", 1, T0 + 2000, OUTFILE_STDOUT, "three" },
		{ "2026-11-23T10:00:03.000Z err four", 1, T0 + 3000, OUTFILE_STDERR, "four" },
		{ "2026-11-23T10:00:04.000Z err:1", 0, 0, 0, NULL },
		{ "2026-11-23T10:00:04.000Z err:1", 1, T0 + 4000, OUTFILE_STDERR,
		    "2026-11-23T10:00:04.000Z err:1" },
		{ "2026-11-23T10:00:05.000Z out:1", 0, 0, 0, NULL },
		{ "six", 1, T0 + 5000, OUTFILE_STDOUT, "six" },
		{ "2026-11-23T10:00:06.000Z out seven", 1, T0 + 6000, OUTFILE_STDOUT, "seven" },
		{ "eight", -1, 0, OUTFILE_STDOUT, "eight" },
	};
	struct follow_reader rd = { 0 };
	struct follow_line l;
	char *t = NULL;

	(void)state;
	for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
		assert_int_equal(read_str(&rd, lines[k].in, &l, &t), lines[k].rc);
		if (lines[k].rc == 0)
			continue;
		assert_int_equal(l.ts_ms, lines[k].ts);
		assert_int_equal(l.stream, lines[k].stream);
		assert_string_equal(t, lines[k].text);
	}
	free(t);
}

/* Starts a step whose output is rel, for the output tests below. */
static void
start_output_step(struct fx *x, const char *id)
{
	open_follow(x, 0);
	add(x, T0, "run.start", run_start("/nonexistent/db.yaml", "00"));
	add(x, T0 + 1, "step.start", step_start(id, 1, 1, "true"));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
}

static void
assert_tail(const struct follow_step *st, size_t k, int64_t ts, int stream, const char *text)
{
	const struct outline *l = tline(st, k);

	assert_non_null(l);
	assert_string_equal(l->text, text);
	assert_int_equal(l->ts_ms, ts);
	assert_int_equal(l->stream, stream);
}

/* A block whose header and lines come in different polls, one of them
 * caught half written, is read as one block. */
static void
test_follow_block_split(void **state)
{
	struct fx *x = *state;
	const char *rel = "output/01-blocky.log";
	const struct follow_step *st;

	start_output_step(x, "blocky");
	out_line(x, rel, T0 + 100, OUTFILE_STDOUT, "single");
	out_raw(x, rel, "2026-11-23T10:00:00.200Z err:4\nfirst\r\n");
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(NLINES(st), 2);
	assert_tail(st, 0, T0 + 100, OUTFILE_STDOUT, "single");
	assert_tail(st, 1, T0 + 200, OUTFILE_STDERR, "first");

	out_raw(x, rel, "2026-11-23T10:00:09.000Z out:2\n2026-11-23T10:00:09.000Z out sec");
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(NLINES(st), 3);
	assert_tail(st, 2, T0 + 200, OUTFILE_STDERR, "2026-11-23T10:00:09.000Z out:2");

	out_raw(x, rel, "ond\n");
	assert_int_equal(poll_ok(x), 1);
	out_raw(x, rel, "last\n");
	out_line(x, rel, T0 + 300, OUTFILE_STDOUT, "after");
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(NLINES(st), 6);
	assert_tail(st, 3, T0 + 200, OUTFILE_STDERR, "2026-11-23T10:00:09.000Z out second");
	assert_tail(st, 4, T0 + 200, OUTFILE_STDERR, "last");
	assert_tail(st, 5, T0 + 300, OUTFILE_STDOUT, "after");
	/* A header alone in a poll shows nothing; its line comes later. */
	out_raw(x, rel, "2026-11-23T10:00:00.400Z out:1\n");
	poll_ok(x);
	assert_int_equal(NLINES(follow_step(x->f, 0)), 6);
	out_raw(x, rel, "2026-11-23T10:00:00.000Z out rawish\n");
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(NLINES(st), 7);
	assert_tail(st, 6, T0 + 400, OUTFILE_STDOUT, "2026-11-23T10:00:00.000Z out rawish");
}

/* A file rewritten shorter is read from its start outside any block. */
static void
test_follow_block_rewritten(void **state)
{
	struct fx *x = *state;
	const char *rel = "output/01-blocky.log";
	char *path = xprintf("%s/%s", x->dst, rel);
	const struct follow_step *st;
	static const char fresh[] = "2026-11-23T10:00:05.000Z err fresh\n";

	start_output_step(x, "blocky");
	out_raw(x, rel, "2026-11-23T10:00:00.200Z out:9\none raw line, the block still open\n");
	assert_int_equal(poll_ok(x), 1);
	write_file(path, fresh, sizeof fresh - 1, O_TRUNC);
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(NLINES(st), 2);
	assert_tail(st, 1, T0 + 5000, OUTFILE_STDERR, "fresh");
	free(path);
}

/* Skipped ahead into a block: its rest is untimed, and a stamped line
 * after it is read as one. */
static void
test_follow_block_skipped_into(void **state)
{
	struct fx *x = *state;
	const char *rel = "output/01-flood.log";
	char *path = xprintf("%s/%s", x->dst, rel);
	const struct follow_step *st;
	size_t n = 0;
	int k, count = 100000;
	FILE *fp;

	start_output_step(x, "flood");
	assert_non_null(fp = fopen(path, "a"));
	fprintf(fp, "2026-11-23T10:00:01.000Z out:%d\nraw line -\n", count);
	fclose(fp);
	assert_int_equal(poll_ok(x), 1);
	assert_tail(follow_step(x->f, 0), 0, T0 + 1000, OUTFILE_STDOUT, "raw line -");
	assert_non_null(fp = fopen(path, "a"));
	for (k = 1; k < count; k++)
		n += (size_t)fprintf(fp, "raw line %d, long enough to keep the gap in the tail\n", k);
	fclose(fp);
	assert_true(n > FOLLOW_SKIP_BYTES + FOLLOW_TAIL_BYTES);
	out_line(x, rel, T0 + 2000, OUTFILE_STDERR, "after the block");
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(tline(st, 1)->stream, FOLLOW_GAP);
	assert_int_equal(strncmp(tail_text(st, 2), "raw line ", 9), 0);
	assert_int_equal(tline(st, 2)->ts_ms, 0);
	assert_tail(st, NTAIL(st) - 2, 0, OUTFILE_STDOUT,
	    "raw line 99999, long enough to keep the gap in the tail");
	assert_tail(st, NTAIL(st) - 1, T0 + 2000, OUTFILE_STDERR, "after the block");
	free(path);
}

/* A raw line longer than a poll reads is taken cut; its rest does not
 * count as the block's next line. */
static void
test_follow_block_long_line(void **state)
{
	struct fx *x = *state;
	const char *rel = "output/01-long.log";
	char *path = xprintf("%s/%s", x->dst, rel), *cause = NULL;
	const struct follow_step *st;
	size_t big = FOLLOW_READ_MAX + 1000;
	FILE *fp;
	int polls = 0;

	start_output_step(x, "long");
	assert_non_null(fp = fopen(path, "a"));
	fputs("2026-11-23T10:00:01.000Z out:2\n", fp);
	for (size_t k = 0; k < big; k++)
		fputc('x', fp);
	fputs("\n2026-11-23T10:00:07.000Z out:3\n", fp);
	fputs("2026-11-23T10:00:02.000Z err after\n", fp);
	fclose(fp);
	do {
		if (follow_poll(x->f, &cause) < 0)
			fail_msg("follow_poll: %s", cause);
		assert_true(++polls < 10);
	} while (follow_behind(x->f));
	st = follow_step(x->f, 0);
	/* The tail holds it in pieces of OUTBUF_LINE_MAX, each but the
	 * last marked as going on; together, every byte. */
	assert_true(NTAIL(st) > 4);
	for (size_t k = 0, sum = 0; k + 2 < NTAIL(st); k++) {
		sum += tline(st, k)->len;
		if (k + 3 == NTAIL(st))
			assert_int_equal(sum, big);
	}
	assert_int_equal(tline(st, 0)->ts_ms, T0 + 1000);
	assert_tail(st, NTAIL(st) - 2, T0 + 1000, OUTFILE_STDOUT, "2026-11-23T10:00:07.000Z out:3");
	assert_tail(st, NTAIL(st) - 1, T0 + 2000, OUTFILE_STDERR, "after");
	free(path);
}

/* No console drives the incident: the event is journaled at once, marked
 * injected, with who injected it. */
static void
test_inject_direct(void **state)
{
	struct fx *x = *state;
	struct follow_inject_result res;
	char *cause = NULL, *none = xprintf("%s/none", x->top);
	json_t *events, *last;

	journal_close(x->j);
	x->j = NULL;
	assert_int_equal(follow_inject(x->src, "facil", "the replica is lagging too", 0, &res, &cause), 0);
	assert_true(res.journaled);
	assert_false(res.queued);
	assert_int_equal(res.seq, 1);
	assert_int_equal(journal_load(x->src, &events, &cause), 0);
	last = json_array_get(events, json_array_size(events) - 1);
	assert_string_equal(json_string_value(json_object_get(last, "event")), "note");
	assert_true(json_is_true(json_object_get(last, "injected")));
	assert_string_equal(json_string_value(json_object_get(last, "by")), "facil");
	assert_string_equal(json_string_value(json_object_get(last, "text")), "the replica is lagging too");
	assert_int_equal(inbox_pending(x->src), 0);
	json_decref(events);
	follow_inject_result_clear(&res);
	/* Never an incident made up by a typo. */
	assert_int_equal(follow_inject(none, "facil", "x", 0, &res, &cause), -1);
	assert_int_equal(access(none, F_OK), -1);
	free(cause);
	free(none);
	follow_inject_result_clear(&res);
}

/* A console holds the lock: the event waits in the inbox for it, and what
 * the console journals from it is marked injected. */
static int
drain_cb(void *arg, const char *event, json_t *fields, char **cause)
{
	return journal_append(arg, event, fields, cause);
}

static void
test_inject_queued(void **state)
{
	struct fx *x = *state;
	struct follow_inject_result res;
	char *cause = NULL;
	json_t *events, *last;

	assert_int_equal(follow_inject(x->src, "facil", "DNS is down", 60, &res, &cause), 0);
	assert_true(res.queued);
	assert_false(res.journaled);
	assert_int_equal(res.holder, (long)getpid());
	assert_int_equal(access(res.path, F_OK), 0);
	assert_int_equal(inbox_drain(x->src, drain_cb, x->j, &cause), 1);
	assert_int_equal(journal_load(x->src, &events, &cause), 0);
	last = json_array_get(events, json_array_size(events) - 1);
	assert_true(json_is_true(json_object_get(last, "injected")));
	assert_string_equal(json_string_value(json_object_get(last, "by")), "facil");
	assert_string_equal(json_string_value(json_object_get(last, "operator")), "alice");
	json_decref(events);
	follow_inject_result_clear(&res);
}

/* Attempts that left no output are forgotten once ended, however many;
 * a file with lines stays, and one forgotten empty is read from its start
 * when the journal names it again. */
static void
test_attempts_without_output(void **state)
{
	struct fx *x = *state;
	const struct follow_step *st;

	open_follow(x, 0);
	add(x, T0, "run.start", run_start("/nonexistent/db.yaml", "00"));
	for (int n = 1; n <= 50; n++) {
		add(x, T0 + 10 * n, "step.start", step_start("promote", 2, n, "promote it"));
		add(x, T0 + 10 * n + 5, "step.end", step_end("promote", 2, n, "failed", 5, 3));
	}
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(st->attempt, 50);
	assert_int_equal(st->nfiles, 0);
	/* An attempt with output keeps its file. */
	add(x, T0 + 1000, "step.start", step_start("promote", 2, 51, "promote it"));
	feed(x, 0);
	out_line(x, "output/02-promote.51.log", T0 + 1001, OUTFILE_STDOUT, "kept");
	add(x, T0 + 1002, "step.end", step_end("promote", 2, 51, "ok", 2, 0));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(st->nfiles, 1);
	assert_int_equal(NTAIL(st), 1);
	assert_string_equal(tail_text(st, 0), "kept");
	/* Attempt 7's file, forgotten empty, is written after all and named
	 * by a later ending: all of it is read. */
	out_line(x, "output/02-promote.7.log", T0 + 1003, OUTFILE_STDOUT, "late");
	add(x, T0 + 1004, "step.end", step_end("promote", 2, 7, "failed", 2, 3));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(NTAIL(st), 2);
	assert_string_equal(tail_text(st, 1), "late");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_and_timeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attempts_without_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_skips_to_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_journal_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runbook_checklist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_steps_in_index_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_break, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_rewritten, setup, teardown),
		cmocka_unit_test(test_read_line),
		cmocka_unit_test(test_read_block),
		cmocka_unit_test(test_read_block_of_one),
		cmocka_unit_test(test_read_bad_headers),
		cmocka_unit_test(test_read_mixed),
		cmocka_unit_test_setup_teardown(test_follow_block_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_block_rewritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_block_skipped_into, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_block_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject_direct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject_queued, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
