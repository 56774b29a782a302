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

static int
teardown(void **state)
{
	struct fx *x = *state;

	follow_free(x->f);
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

static const char *
tail_text(const struct follow_step *st, size_t k)
{
	const struct follow_line *l = follow_step_line(st, k);

	return l != NULL ? l->text : "(none)";
}

static void
open_follow(struct fx *x, int flags)
{
	char *cause = NULL;

	if (follow_open(&x->f, x->dst, flags, &cause) != 0)
		fail_msg("follow_open: %s", cause);
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
	assert_int_equal(st->status, STEP_RUNNING);
	assert_int_equal(st->attempt, 1);
	assert_int_equal(st->attempt_ms, T0 + 1000);
	assert_string_equal(st->command, "pg_ctl stop");
	assert_int_equal(st->lines, 2);
	assert_string_equal(tail_text(st, 0), "waiting for server");
	assert_int_equal(follow_step_line(st, 0)->ts_ms, T0 + 1100);
	assert_int_equal(follow_step_line(st, 1)->stream, OUTFILE_STDERR);

	/* Nothing new: nothing read, nothing changed. */
	gen = follow_generation(x->f);
	assert_int_equal(poll_ok(x), 0);
	assert_int_equal(follow_generation(x->f), gen);

	/* An output line half written is not a line yet. */
	out_raw(x, "output/01-stop-writes.log", "2026-11-23T10:00:01.300Z out server sto");
	assert_int_equal(poll_ok(x), 0);
	assert_int_equal(follow_step(x->f, 0)->lines, 2);
	out_raw(x, "output/01-stop-writes.log", "pped\n");
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(st->lines, 3);
	assert_string_equal(tail_text(st, 2), "server stopped");

	add(x, T0 + 4000, "step.end", step_end("stop-writes", 1, 1, "ok", 3000, 0));
	feed(x, 0);
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_int_equal(st->status, STEP_OK);
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
	const struct follow_event *ev;
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
	assert_int_equal(st->status, STEP_RUNNING);
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
	assert_int_equal(st->status, STEP_OK);
	assert_int_equal(st->attempt, 2);
	assert_false(st->retry_waiting);
	assert_int_equal(st->started_ms, T0 + 10);
	assert_int_equal(st->attempt_ms, T0 + 5031);
	assert_int_equal(st->lines, 2);
	assert_string_equal(tail_text(st, 0), "first try");
	assert_string_equal(tail_text(st, 1), "second try");

	n = follow_nevents(x->f);
	assert_int_equal(n, 9);
	ev = follow_event(x->f, 2);
	assert_string_equal(ev->event, "step.end");
	assert_string_equal(ev->summary, "promote failed in 20ms: exited 3, expected 0");
	ev = follow_event(x->f, n - 3);
	assert_string_equal(ev->event, "note");
	assert_true(ev->injected);
	assert_string_equal(ev->by, "facil");
	assert_string_equal(ev->summary, "the replica in us-west-2 is also lagging");
	assert_int_equal(ev->step, -1);
	ev = follow_event(x->f, n - 2);
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
	assert_int_equal(follow_step_line(st, 0)->stream, FOLLOW_GAP);
	assert_non_null(strstr(follow_step_line(st, 0)->text, "all of it is in output/01-flood.log"));
	snprintf(line, sizeof line, "flood line %d", k - 1);
	assert_string_equal(tail_text(st, st->ntail - 1), line);
	/* The first line after the gap is a whole one. */
	assert_int_equal(strncmp(tail_text(st, 1), "flood line ", 11), 0);
	out_line(x, rel, T0 + 2000, OUTFILE_STDOUT, "after the flood");
	assert_int_equal(poll_ok(x), 1);
	st = follow_step(x->f, 0);
	assert_string_equal(tail_text(st, st->ntail - 1), "after the flood");
	assert_string_equal(tail_text(st, st->ntail - 2), line);
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
	assert_int_equal(follow_step(x->f, 0)->status, STEP_RUNNING);

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
	assert_int_equal(follow_step(x->f, 0)->status, STEP_INTERRUPTED);
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
	assert_int_equal(st->status, STEP_PENDING);
	st = follow_step(x->f, 1);
	assert_string_equal(st->phase, "Recover");
	assert_int_equal(st->status, STEP_RUNNING);
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
	/* Timeline entries moved with their step. */
	assert_int_equal(follow_event(x->f, 1)->step, 1);
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
	assert_int_equal(follow_nevents(x->f), 1);
	free(path);
}

static void
test_parse_line(void **state)
{
	struct follow_line l;

	(void)state;
	assert_int_equal(follow_parse_line("2026-11-23T10:00:01.250Z err disk full", 38, &l), 0);
	assert_int_equal(l.ts_ms, T0 + 1250);
	assert_int_equal(l.stream, OUTFILE_STDERR);
	assert_int_equal(l.len, 9);
	assert_memory_equal(l.text, "disk full", 9);
	assert_int_equal(follow_parse_line("2026-11-23T10:00:01.250Z out ", 29, &l), 0);
	assert_int_equal(l.len, 0);
	assert_int_equal(follow_parse_line("2026-11-23T10:00:01.250Z bad text", 33, &l), -1);
	assert_int_equal(follow_parse_line("yesterday out text", 18, &l), -1);
	assert_int_equal(follow_parse_line("", 0, &l), -1);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_and_timeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_skips_to_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_journal_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runbook_checklist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_steps_in_index_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_break, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_rewritten, setup, teardown),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test_setup_teardown(test_inject_direct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject_queued, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
