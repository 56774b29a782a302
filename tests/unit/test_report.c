/*
 * test_report.c: postmortems of real incidents. Each test writes a journal
 * with journal_append under a pinned clock (DRCONSOLE_FAKE_NOW), with real
 * output files, then checks the facts both formats state: objectives met
 * or missed by the right margin, the step table, reasons, decisions,
 * rollbacks, notes, and a final hash equal to verify's. Tampered journals
 * must show as BROKEN, Markdown must stay well formed whatever the journal
 * holds, and notes from another terminal must reach the journal through
 * the inbox. The subcommands are run in process with stdout captured.
 */
#include "cmocka_all.h"

#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto.h"
#include "inbox.h"
#include "journal.h"
#include "journal_fixture.h"
#include "outfile.h"
#include "report.h"
#include "verify.h"
#include "xmalloc.h"

int cmd_verify(int, char **);
int cmd_report(int, char **);
int cmd_note(int, char **);

/* 2026-11-23T23:30:00Z: the run crosses midnight. */
#define T0 1795476600000LL
#define MIN (60 * 1000LL)
#define HOUR (60 * MIN)

struct fx {
	char		 top[64];
	char		*dir;
	struct journal	*j;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	char *cause = NULL;

	strcpy(f->top, "/tmp/drc-report-XXXXXX");
	if (mkdtemp(f->top) == NULL)
		return -1;
	f->dir = xprintf("%s/INC-42", f->top);
	unsetenv(JOURNAL_KEY_ENV);
	journal_fixture_pin(T0);
	if (journal_open(&f->j, f->dir, 0, &cause) != 0)
		return -1;
	journal_set_operator(f->j, "alice");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	journal_close(f->j);
	journal_fixture_remove(f->top);
	unsetenv("DRCONSOLE_FAKE_NOW");
	free(f->dir);
	free(f);
	return 0;
}

/* Appends one event at time at; fields are stolen. */
static void
add(struct fx *f, int64_t at, const char *event, json_t *fields)
{
	journal_fixture_add(f->j, at, event, fields);
}

/* Writes rows of output for a step and returns its step.end fields. */
static json_t *
ended(struct fx *f, int index, const char *file_id, const char *step,
    int rows, const char *status, int attempt, int64_t ms)
{
	char *cause = NULL, hex[CRYPTO_HEX_LEN], text[64];
	struct outfile *of = outfile_open(f->dir, index, file_id, &cause);
	json_t *fields;
	int len;

	assert_non_null(of);
	for (int i = 0; i < rows; i++) {
		len = snprintf(text, sizeof text, "%s row %d", step, i);
		assert_int_equal(outfile_write_line(of, T0 + i, OUTFILE_STDOUT,
		    text, (size_t)len, &cause), 0);
	}
	fields = json_pack("{s:s, s:i, s:s, s:i, s:I, s:s, s:i}", "step", step,
	    "index", index, "status", status, "attempt", attempt,
	    "duration_ms", (json_int_t)ms, "output", outfile_relpath(of),
	    "lines", rows);
	assert_int_equal(outfile_close(of, hex, &cause), 0);
	json_object_set_new(fields, "output_sha256", json_string(hex));
	return fields;
}

static json_t *
run_start(const char *mode, const char *loss)
{
	return json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:s, "
	    "s:i, s:{s:I, s:I}, s:{s:s, s:s, s:s?}}", "runbook", "id",
	    "db-failover", "title", "Fail over | orders DB", "scenario",
	    "region-outage", "path", "/srv/runbooks/db.yaml", "sha256",
	    "5d41402abc4b2a76b9719d911017c592", "mode", mode, "host", "db-ops-1",
	    "version", "0.1.0", "incident", "INC-42", "pid", 4242, "objectives",
	    "rto_ms", (json_int_t)(4 * HOUR), "rpo_ms", (json_int_t)(15 * MIN),
	    "params", "region", "eu-west-1", "db_password", "****",
	    "data_loss_minutes", loss);
}

static json_t *
start_f(const char *step, int index, int attempt, const char *command)
{
	return json_pack("{s:s, s:i, s:i, s:s, s:s}", "step", step, "index",
	    index, "attempt", attempt, "kind", "run", "command", command);
}

/* The whole drill: 19 lines, ending T0 + 1h12m. */
static void
write_drill(struct fx *f, const char *end_status, int64_t end_at)
{
	json_t *e;

	add(f, T0, "run.start", run_start("drill", "12"));
	add(f, T0 + MIN, "step.confirm", json_pack("{s:s, s:i, s:s}", "step",
	    "check", "index", 1, "how", "confirmed"));
	add(f, T0 + MIN, "step.start", start_f("check", 1, 1,
	    "pg_isready -h db1"));
	add(f, T0 + MIN + 125000, "step.end", ended(f, 1, "check", "check", 10,
	    "ok", 1, 125000));
	add(f, T0 + 4 * MIN, "step.start", start_f("restore", 2, 1,
	    "restore --from s3://b | tee log"));
	e = ended(f, 2, "restore", "restore", 5, "failed", 1, 5 * MIN);
	json_object_set_new(e, "reason", json_string("exited 3"));
	json_object_set_new(e, "exit", json_string("exited 3"));
	add(f, T0 + 9 * MIN, "step.end", e);
	add(f, T0 + 9 * MIN, "step.retry", json_pack("{s:s, s:i, s:i, s:i, "
	    "s:i, s:s}", "step", "restore", "index", 2, "next_attempt", 2,
	    "of", 3, "delay_ms", 30000, "reason", "exited 3"));
	add(f, T0 + 10 * MIN, "step.start", start_f("restore", 2, 2,
	    "restore --from s3://b | tee log"));
	add(f, T0 + 30 * MIN, "step.end", ended(f, 2, "restore", "restore", 7,
	    "ok", 2, 20 * MIN));
	add(f, T0 + 31 * MIN, "handoff", json_pack("{s:s, s:s}", "from",
	    "alice", "to", "bob"));
	journal_set_operator(f->j, "bob");
	add(f, T0 + 32 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s}",
	    "step", "notify", "index", 3, "status", "skipped", "reason",
	    "no pager in drills"));
	add(f, T0 + 35 * MIN, "step.start", start_f("promote", 4, 1,
	    "pg_ctl promote"));
	add(f, T0 + 40 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:i, "
	    "s:i, s:s, s:I, s:s}", "step", "promote", "index", 4, "status",
	    "failed", "attempt", 1, "exit_code", 1, "exit", "exited 1",
	    "duration_ms", (json_int_t)(5 * MIN), "reason", "exited 1"));
	add(f, T0 + 41 * MIN, "decision", json_pack("{s:s, s:i, s:s}", "step",
	    "promote", "index", 4, "decision", "rollback"));
	add(f, T0 + 41 * MIN, "step.rollback", json_pack("{s:s, s:i, s:s, "
	    "s:s}", "step", "promote", "index", 4, "phase", "start", "command",
	    "demote db2"));
	e = ended(f, 4, "promote.rollback", "promote", 2, "ok", 1, MIN);
	json_object_set_new(e, "phase", json_string("end"));
	json_object_set_new(e, "exit", json_string("exited 0"));
	add(f, T0 + 42 * MIN, "step.rollback", e);
	add(f, T0 + 43 * MIN, "decision", json_pack("{s:s}", "decision",
	    "continue"));
	add(f, T0 + 50 * MIN, "note", json_pack("{s:s}", "text",
	    "Customer comms sent.\nStatus page | updated *now*\n# not a heading"));
	add(f, end_at, "run.end", json_pack("{s:s, s:I, s:{s:i, s:i, s:i}}",
	    "status", end_status, "duration_ms", (json_int_t)(end_at - T0),
	    "steps", "ok", 2, "failed", 1, "skipped", 1));
}

static char *
render(struct fx *f, int format)
{
	char *out = NULL, *cause = NULL;

	if (report_render(f->dir, format, &out, &cause) != 0)
		fail_msg("render: %s", cause);
	return out;
}

static json_t *
render_json(struct fx *f)
{
	char *text = render(f, REPORT_JSON);
	json_error_t error;
	json_t *m = json_loads(text, JSON_REJECT_DUPLICATES, &error);

	if (m == NULL)
		fail_msg("report JSON does not parse: %s", error.text);
	assert_true(json_is_object(m));
	free(text);
	return m;
}

static void
assert_has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("missing \"%s\" in:\n%s", needle, hay);
}

static void
assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		fail_msg("unexpected \"%s\" in:\n%s", needle, hay);
}

static const char *
jpath_s(json_t *m, const char *a, const char *b)
{
	return json_string_value(json_object_get(b != NULL ?
	    json_object_get(m, a) : m, b != NULL ? b : a));
}

static json_int_t
jpath_i(json_t *m, const char *a, const char *b)
{
	json_t *v = json_object_get(b != NULL ? json_object_get(m, a) : m,
	    b != NULL ? b : a);

	if (!json_is_integer(v))
		fail_msg("%s%s%s is not an integer", a, b ? "." : "",
		    b ? b : "");
	return json_integer_value(v);
}

static void
check(struct fx *f, struct report_check *chk)
{
	char *cause = NULL;

	if (report_check(f->dir, chk, &cause) != 0)
		fail_msg("check: %s", cause);
}

static void
test_drill_markdown(void **state)
{
	struct fx *f = *state;
	struct report_check chk;
	char *md, *want;

	write_drill(f, "completed", T0 + HOUR + 12 * MIN);
	journal_fixture_pin(T0 + 10 * HOUR);
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "# Postmortem: Fail over \\| orders DB (DRILL)\n");
	assert_has(md, "\n> **DRILL**: this was a drill, not a real incident.");
	assert_has(md, "\nIncident INC-42\n");
	assert_has(md, "- Operators: alice, bob\n");
	assert_has(md, "- Handoffs: alice to bob at 2026-11-24T00:01:00.000Z\n");
	assert_has(md, "- Started: 2026-11-23T23:30:00.000Z\n");
	assert_has(md, "- Ended: 2026-11-24T00:42:00.000Z, completed\n");
	assert_has(md, "- Time to recovery: 1h12m\n");
	assert_has(md, "RTO 4h: met (1h12m, 2h48m to spare)");
	assert_has(md, "RPO 15m: met (data loss window 12m, 3m to spare)");
	assert_has(md, "- Parameters: region = eu-west-1, db_password = "
	    "\\*\\*\\*\\*, data_loss_minutes = 12\n");
	/* The step table, in runbook order. */
	assert_has(md, "| # | step | status | attempts | duration | reason |\n"
	    "| ---: | --- | --- | ---: | ---: | --- |\n"
	    "| 1 | check | ok | 1 | 2m05s |  |\n"
	    "| 2 | restore | ok | 2 | 20m (25m in all) |  |\n"
	    "| 3 | notify | skipped | - | - | no pager in drills |\n"
	    "| 4 | promote | rolled_back | 1 | 5m | exited 1 |\n\n");
	/* A drill's scorecard, between the summary and the steps. */
	assert_has(md, "\n\n## Drill scorecard\n\n- RTO achieved: 1h12m, "
	    "completed\n- Objective 4h: met: 1h12m, 2h48m to spare\n"
	    "- Drill target: not set\n- Steps: 4 reached: 1 failed, 1 skipped, "
	    "1 retried, 1 rolled back\n- Slowest: 2. restore (25m), 4. promote "
	    "(5m), 1. check (2m05s)\n\n");
	assert_true(strstr(md, "## Summary") < strstr(md, "## Drill scorecard"));
	assert_true(strstr(md, "## Drill scorecard") < strstr(md, "## Steps"));
	assert_has(md, "| 2 | restore | ok | 25m | - |  |\n");
	assert_has(md, "### What went wrong\n\n- 2\\. restore: ok after 2 "
	    "attempts; retried once (exited 3)\n- 3\\. notify: skipped: no "
	    "pager in drills\n- 4\\. promote: rolled_back: exited 1; rollback ok; "
	    "decided: rollback\n\n");
	assert_has(md, "### Deviations from the runbook\n\n- **skip**: 3. "
	    "notify skipped: no pager in drills\n\n");
	assert_has(md, "### Success criteria\n\nThe drill sets no success "
	    "criteria.\n\n## Detection");
	assert_has(md, "#### 3. notify: skipped\n\n- Reason: no pager in drills\n");
	assert_has(md, "#### 4. promote: rolled_back\n\n- Reason: exited 1\n"
	    "- Exit: exited 1\n- Command: `pg_ctl promote`\n"
	    "- Rollback: ok\n- Decision at 00:11:00 by bob: rollback\n");
	assert_lacks(md, "#### 2. restore");
	assert_has(md, "### Decisions about the run\n\n- 00:13:00 bob: continue\n");
	assert_has(md, "- 4. promote: ok (exited 0, 1m), started "
	    "2026-11-24T00:11:00.000Z, output output/04-promote.rollback.log: "
	    "`demote db2`\n");
	/* The timeline, a heading per day, notes in full. */
	assert_has(md, "## Response timeline (UTC)\n\n### 2026-11-23\n\n- 23:30:00 alice "
	    "run.start: runbook db-failover (Fail over \\| orders DB) in drill "
	    "mode on db-ops-1, drconsole 0.1.0, pid 4242\n");
	assert_has(md, "- 23:34:00 alice step.start: 2. restore started, "
	    "attempt 1 (run): `restore --from s3://b | tee log`\n");
	assert_has(md, "- 23:39:00 alice step.retry: 2. restore will retry as "
	    "attempt 2 of 3 in 30s: exited 3\n");
	assert_has(md, "\n### 2026-11-24\n\n- 00:00:00 alice step.end: 2. "
	    "restore ok (20m); output output/02-restore.log, 7 lines\n");
	assert_has(md, "- 23:31:00 alice step.confirm: 1. check confirmed\n");
	assert_has(md, "- 00:11:00 bob decision: 4. promote: rollback\n");
	assert_has(md, "- 00:12:00 bob step.rollback: 4. promote rollback ok "
	    "(exited 0, 1m)\n- 00:13:00 bob decision: continue\n");
	assert_has(md, "- 00:42:00 bob run.end: completed after 1h12m (ok 2, "
	    "failed 1, skipped 1)\n");
	assert_has(md, "- 00:20:00 bob note\n\n  > Customer comms sent.  \n"
	    "  > Status page \\| updated \\*now\\*  \n  > \\# not a heading\n");
	/* Verification: the same final hash verify computes. */
	check(f, &chk);
	assert_true(chk.intact);
	assert_int_equal(chk.lines, 19);
	assert_int_equal(chk.outputs, 3);
	want = xprintf("- Journal: intact (19 lines, 3 output files)\n"
	    "- Final chain hash: %s\n", chk.final_hash);
	assert_has(md, want);
	assert_string_equal(chk.final_hash, journal_last_hash(f->j));
	assert_has(md, "Generated 2026-11-24T09:30:00.000Z from journal.jsonl.");
	free(want);
	report_check_clear(&chk);
	free(md);
}

static void
test_drill_json(void **state)
{
	struct fx *f = *state;
	struct report_check chk;
	json_t *m, *steps, *s;

	write_drill(f, "completed", T0 + HOUR + 12 * MIN);
	m = render_json(f);
	assert_string_equal(jpath_s(m, "incident", NULL), "INC-42");
	assert_string_equal(jpath_s(m, "title", NULL), "Fail over | orders DB");
	assert_string_equal(jpath_s(m, "mode", NULL), "drill");
	assert_true(json_is_false(json_object_get(m, "live")));
	assert_string_equal(jpath_s(m, "runbook", "sha256"),
	    "5d41402abc4b2a76b9719d911017c592");
	assert_int_equal(json_array_size(json_object_get(m, "operators")), 2);
	assert_string_equal(jpath_s(m, "started", NULL),
	    "2026-11-23T23:30:00.000Z");
	assert_string_equal(jpath_s(m, "outcome", NULL), "completed");
	assert_true(json_is_false(json_object_get(m, "still_open")));
	assert_int_equal(jpath_i(m, "recovery_ms", NULL), HOUR + 12 * MIN);
	assert_string_equal(jpath_s(m, "rto", "verdict"), "met");
	assert_int_equal(jpath_i(m, "rto", "margin_ms"), 2 * HOUR + 48 * MIN);
	assert_int_equal(jpath_i(m, "rto", "objective_ms"), 4 * HOUR);
	assert_string_equal(jpath_s(m, "data_loss", "verdict"), "met");
	assert_int_equal(jpath_i(m, "data_loss", "window_ms"), 12 * MIN);
	assert_string_equal(jpath_s(m, "data_loss", "source"),
	    "parameter data_loss_minutes on line 1");
	steps = json_object_get(m, "steps");
	assert_int_equal(json_array_size(steps), 4);
	s = json_array_get(steps, 1);
	assert_string_equal(jpath_s(s, "id", NULL), "restore");
	assert_int_equal(jpath_i(s, "attempts", NULL), 2);
	/* Every reader's rule: the last attempt's; total_ms adds them. */
	assert_int_equal(jpath_i(s, "duration_ms", NULL), 20 * MIN);
	assert_int_equal(jpath_i(s, "total_ms", NULL), 25 * MIN);
	assert_int_equal(json_array_size(json_object_get(s, "retries")), 1);
	assert_int_equal(json_array_size(json_object_get(s, "outputs")), 2);
	assert_int_equal(jpath_i(json_array_get(json_object_get(s, "outputs"),
	    1), "attempt", NULL), 2);
	s = json_array_get(steps, 3);
	/* Failed, then undone: the engine's rolled_back status, as the fold reads it. */
	assert_string_equal(jpath_s(s, "status", NULL), "rolled_back");
	assert_string_equal(jpath_s(s, "rollback", NULL), "ok");
	assert_string_equal(jpath_s(json_array_get(json_object_get(s,
	    "decisions"), 0), "decision", NULL), "rollback");
	assert_int_equal(json_array_size(json_object_get(m, "rollbacks")), 1);
	assert_int_equal(json_array_size(json_object_get(m, "decisions")), 2);
	assert_int_equal(json_array_size(json_object_get(m, "timeline")), 19);
	s = json_object_get(m, "scorecard");
	assert_string_equal(jpath_s(s, "objective", "verdict"), "met");
	assert_int_equal(jpath_i(s, "rto_ms", NULL), HOUR + 12 * MIN);
	assert_int_equal(jpath_i(s, "counts", "steps_failed"), 1);
	assert_int_equal(json_array_size(json_object_get(s, "deviations")), 1);
	assert_string_equal(jpath_s(json_array_get(json_object_get(m, "notes"),
	    0), "text", NULL), "Customer comms sent.\nStatus page | updated "
	    "*now*\n# not a heading");
	check(f, &chk);
	assert_string_equal(jpath_s(m, "verification", "status"), "intact");
	assert_string_equal(jpath_s(m, "verification", "final_hash"),
	    chk.final_hash);
	assert_int_equal(jpath_i(m, "verification", "output_files"), 3);
	report_check_clear(&chk);
	json_decref(m);
}

static void
test_rto_missed(void **state)
{
	struct fx *f = *state;
	char *md;
	json_t *m;

	add(f, T0, "run.start", run_start("live", "12"));
	add(f, T0 + HOUR, "note", json_pack("{s:s}", "text",
	    "data_loss_minutes: 20 (from the WAL archive)"));
	add(f, T0 + 2 * HOUR, "step.end", ended(f, 1, "load", "load", 1,
	    "failed", 1, 1000));
	add(f, T0 + 3 * HOUR, "step.end", ended(f, 1, "load.2", "load", 3,
	    "failed", 2, 2000));
	add(f, T0 + 4 * HOUR + 20 * MIN, "run.end", json_pack("{s:s, s:I}",
	    "status", "completed", "duration_ms", (json_int_t)0));
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "RTO 4h: missed by 20m (4h20m)");
	assert_has(md, "### 1. load: failed\n\n- Output: output/01-load.log "
	    "(attempt 1, 1 line); output/01-load.2.log (attempt 2, 3 lines)\n");
	assert_has(md, "RPO 15m: missed by 5m (data loss window 20m)");
	assert_has(md, "- Data loss window from: note on line 2\n");
	assert_lacks(md, "DRILL");
	assert_has(md, "# Postmortem: Fail over \\| orders DB\n");
	m = render_json(f);
	assert_string_equal(jpath_s(m, "rto", "verdict"), "missed");
	assert_int_equal(jpath_i(m, "rto", "margin_ms"), 20 * MIN);
	assert_string_equal(jpath_s(m, "data_loss", "verdict"), "missed");
	assert_int_equal(jpath_i(m, "data_loss", "margin_ms"), 5 * MIN);
	assert_true(json_is_true(json_object_get(m, "live")));
	assert_true(json_is_null(json_object_get(m, "scorecard")));
	assert_lacks(md, "## Drill scorecard");
	json_decref(m);
	free(md);
}

static void
test_rto_not_met_when_aborted(void **state)
{
	struct fx *f = *state;
	char *md;

	write_drill(f, "aborted", T0 + 30 * MIN);
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "RTO 4h: not met: the run ended aborted after 30m");
	assert_has(md, "- Ended: 2026-11-24T00:00:00.000Z, aborted\n");
	free(md);
}

static void
test_still_open(void **state)
{
	struct fx *f = *state;
	char *md;
	json_t *m;

	add(f, T0, "run.start", run_start("live", NULL));
	add(f, T0 + MIN, "step.start", start_f("restore", 2, 1, "restore"));
	journal_fixture_pin(T0 + HOUR + 5 * MIN);
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "- Ended: still open\n- Time to recovery: still open "
	    "(1h05m so far)\n");
	assert_has(md, "RTO 4h: still open (1h05m elapsed, 2h55m left)");
	assert_has(md, "RPO 15m: not assessed (no data_loss_minutes recorded)");
	assert_has(md, "| 2 | restore | interrupted | 1 | - | it never ended: "
	    "the console stopped while it ran |\n");
	m = render_json(f);
	assert_true(json_is_null(json_object_get(m, "recovery_ms")));
	assert_string_equal(jpath_s(m, "rto", "verdict"), "open");
	json_decref(m);
	free(md);
	journal_fixture_pin(T0 + 5 * HOUR);
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "RTO 4h: missed by 1h (still open after 5h)");
	free(md);
}

/* The sections an SRE postmortem has, in order; notes tagged root-cause:,
 * action: (a checklist) and the others land in theirs, untagged notes and
 * injects in none; a section nothing filled says what to write. */
static void
test_postmortem_sections(void **state)
{
	static const char *sections[] = {
		"## Summary\n", "## Impact\n", "## Detection\n", "## Response timeline (UTC)\n",
		"## Root cause\n", "## What went well\n", "## What went badly\n",
		"## Action items\n", "## Lessons\n",
	};
	struct fx *f = *state;
	const char *at = NULL;
	char *md, *sec;
	json_t *m;

	add(f, T0, "run.start", run_start("live", "20"));
	add(f, T0 + MIN, "step.start", start_f("restore", 1, 1, "restore"));
	add(f, T0 + 2 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:i, s:I}", "step", "restore",
	    "index", 1, "status", "ok", "attempt", 1, "duration_ms", (json_int_t)MIN));
	add(f, T0 + 3 * MIN, "note", json_pack("{s:s}", "text", "Root-Cause: the WAL volume filled"));
	add(f, T0 + 4 * MIN, "note", json_pack("{s:s}", "text", "action: alert on WAL volume at 80%"));
	add(f, T0 + 5 * MIN, "note", json_pack("{s:s}", "text", "  action:page the DBA sooner"));
	add(f, T0 + 6 * MIN, "note", json_pack("{s:s}", "text", "just a note, action: not this"));
	add(f, T0 + 7 * MIN, "note", json_pack("{s:s, s:b, s:s}", "text", "root-cause: injected, not ours",
	    "injected", 1, "by", "facil"));
	add(f, T0 + 8 * MIN, "run.end", json_pack("{s:s}", "status", "completed"));
	md = render(f, REPORT_MARKDOWN);
	for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
		const char *here = strstr(md, sections[k]);

		if (here == NULL || (at != NULL && here < at))
			fail_msg("section %s missing or out of order in:\n%s", sections[k], md);
		at = here;
	}
	sec = strstr(md, "## Root cause\n");
	assert_has(sec, "## Root cause\n\n- the WAL volume filled (alice, 23:33:00)\n\n## What went well");
	assert_lacks(strstr(md, "## Action items"), "injected, not ours (");
	assert_has(md, "## Action items\n\n- [ ] alert on WAL volume at 80% (alice, 23:34:00)\n"
	    "- [ ] page the DBA sooner (alice, 23:35:00)\n\n## Lessons\n");
	/* Nothing said: the section says what to write. */
	assert_has(md, "## Lessons\n\n_To fill in: what the team learned, for the next people on call. "
	    "A note `lesson: ...` during the run fills this._\n");
	assert_has(md, "## Detection\n\n- The response began 2026-11-23T23:30:00.000Z, run by alice\n"
	    "\n_To fill in: how the problem was noticed");
	assert_has(md, "## Impact\n\n- Duration: 8m\n- RTO 4h: met (8m, 3h52m to spare)\n"
	    "- RPO 15m: missed by 5m (data loss window 20m)\n- Data-loss window: 20m\n"
	    "- Data loss window from: parameter data_loss_minutes on line 1\n"
	    "- Steps: 1 ok, 0 failed, 0 skipped, 0 never ended\n");
	assert_has(md, "## What went well\n\n- 1 of 1 steps reached ended ok at their first attempt\n"
	    "- The RTO was met\n");
	free(md);
	m = render_json(f);
	assert_int_equal(json_integer_value(json_object_get(m, "schema")), REPORT_SCHEMA);
	assert_string_equal(jpath_s(json_array_get(json_object_get(m, "notes"), 0), "tag", NULL),
	    "root-cause");
	assert_string_equal(jpath_s(json_array_get(json_object_get(m, "notes"), 0), "body", NULL),
	    "the WAL volume filled");
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(m, "notes"), 3),
	    "tag")));
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(m, "notes"), 4),
	    "tag")));
	json_decref(m);
}

/* A crash, then a resume by someone else: two runs, one report. */
static void
test_resumed(void **state)
{
	struct fx *f = *state;
	char *md;

	add(f, T0, "run.start", run_start("live", NULL));
	add(f, T0 + MIN, "step.start", start_f("restore", 1, 1, "restore"));
	journal_set_operator(f->j, "bob");
	add(f, T0 + 20 * MIN, "run.start", run_start("live", NULL));
	add(f, T0 + 20 * MIN, "run.resume", json_pack("{s:i, s:s, s:b}",
	    "previous_pid", 4242, "interrupted_step", "restore",
	    "runbook_changed", 1));
	add(f, T0 + 21 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s, "
	    "s:s, s:s}", "step", "restore", "index", 1, "status", "failed",
	    "reason", "outcome unknown after a crash", "note",
	    "checked by hand: restore never finished", "was", "interrupted"));
	add(f, T0 + 30 * MIN, "run.end", json_pack("{s:s, s:I, s:{s:i, s:i}}",
	    "status", "failed", "duration_ms", (json_int_t)(10 * MIN), "steps",
	    "failed", 1, "pending", 3));
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "- Operators: alice, bob\n");
	assert_has(md, "- Runs: 2 started, 1 resumed; **the runbook changed "
	    "between runs**\n");
	assert_has(md, "- Steps never reached: 3\n");
	assert_has(md, "| 1 | restore | failed | 1 | - | outcome unknown after "
	    "a crash |\n");
	assert_has(md, "run.resume: resumed (previous pid 4242); step "
	    "restore was interrupted; the runbook changed since the last run\n");
	assert_has(md, "- Note:\n\n  > checked by hand: restore never finished\n");
	assert_has(md, "RTO 4h: not met: the run ended failed after 30m");
	free(md);
	/* Resumed after its end: the incident is open again. */
	add(f, T0 + 40 * MIN, "run.resume", json_pack("{s:b}",
	    "runbook_changed", 0));
	journal_fixture_pin(T0 + HOUR);
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "- Ended: still open\n");
	assert_has(md, "RTO 4h: still open (1h elapsed, 3h left)");
	free(md);
}

static void
test_data_loss_ms_field(void **state)
{
	struct fx *f = *state;
	json_t *m;

	add(f, T0, "run.start", run_start("live", "****"));
	add(f, T0 + MIN, "step.end", json_pack("{s:s, s:i, s:s, s:I}", "step",
	    "measure", "index", 1, "status", "ok", "data_loss_ms",
	    (json_int_t)(90 * 1000)));
	m = render_json(f);
	assert_int_equal(jpath_i(m, "data_loss", "window_ms"), 90 * 1000);
	assert_string_equal(jpath_s(m, "data_loss", "source"),
	    "data_loss_ms on line 2 (step.end)");
	assert_string_equal(jpath_s(m, "data_loss", "text"),
	    "RPO 15m: met (data loss window 1m30s, 13m30s to spare)");
	json_decref(m);
}

/* A runbook measures the window itself: a step's capture named
 * data_loss_minutes, as step.end journals it; a later note corrects it. */
static void
test_data_loss_captured(void **state)
{
	struct fx *f = *state;
	json_t *m;

	add(f, T0, "run.start", run_start("drill", NULL));
	add(f, T0 + MIN, "step.end", json_pack("{s:s, s:i, s:s, s:{s:s}}", "step",
	    "find-drop-time", "index", 3, "status", "ok", "capture", "data_loss_minutes", "0.5"));
	m = render_json(f);
	assert_int_equal(jpath_i(m, "data_loss", "window_ms"), 30 * 1000);
	assert_string_equal(jpath_s(m, "data_loss", "source"), "captured by step find-drop-time on line 2");
	assert_string_equal(jpath_s(m, "data_loss", "verdict"), "met");
	json_decref(m);
	/* Nor does the capture of a step that failed (its verify, say). */
	add(f, T0 + 90 * 1000, "step.end", json_pack("{s:s, s:i, s:s, s:{s:s}}", "step",
	    "failed-measure", "index", 4, "status", "failed", "capture", "data_loss_minutes", "99"));
	/* A capture of something else, or no number, records nothing. */
	add(f, T0 + 2 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:{s:s}}", "step",
	    "other", "index", 4, "status", "ok", "capture", "data_loss_minutes", "about ten"));
	add(f, T0 + 3 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:{s:s}}", "step",
	    "lag", "index", 5, "status", "ok", "capture", "lag_minutes", "40"));
	m = render_json(f);
	assert_int_equal(jpath_i(m, "data_loss", "window_ms"), 30 * 1000);
	json_decref(m);
	add(f, T0 + 4 * MIN, "note", json_pack("{s:s}", "text", "data_loss_minutes: 20 (the archive was behind)"));
	m = render_json(f);
	assert_int_equal(jpath_i(m, "data_loss", "window_ms"), 20 * MIN);
	assert_string_equal(jpath_s(m, "data_loss", "verdict"), "missed");
	json_decref(m);
}

/* Rewrites line n (1-based) of the journal with replace applied. */
static void
edit_line(struct fx *f, int n, const char *from, const char *to)
{
	char *buf, *cause = NULL, *path, *p, *hit;
	size_t len;
	FILE *fp;

	assert_int_equal(journal_read_raw(f->dir, &buf, &len, &cause), 0);
	p = buf;
	for (int i = 1; i < n; i++)
		p = strchr(p, '\n') + 1;
	hit = strstr(p, from);
	assert_non_null(hit);
	assert_true(hit < strchr(p, '\n'));
	path = xprintf("%s/%s", f->dir, JOURNAL_FILE);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite(buf, 1, (size_t)(hit - buf), fp);
	fputs(to, fp);
	fputs(hit + strlen(from), fp);
	fclose(fp);
	free(path);
	free(buf);
}

/* The postmortem a run writes as it ends checks the chain but trusts the
 * hashes it took of its outputs as it wrote them; report and verify reread
 * them. An output altered since is caught by the one and not the other,
 * and the chain-only text says which it is. */
static void
test_chain_only(void **state)
{
	struct fx *f = *state;
	char *md, *path, *out = NULL, *cause = NULL;
	FILE *fp;

	write_drill(f, "completed", T0 + HOUR + 12 * MIN);
	md = render(f, REPORT_MARKDOWN | REPORT_CHAIN_ONLY);
	assert_has(md, "- Journal: intact (19 lines; 3 output files hashed as the run wrote them, not reread: "
	    "`drconsole verify` rereads them)\n");
	free(md);
	path = xprintf("%s/output/02-restore.log", f->dir);
	fp = fopen(path, "a");
	assert_non_null(fp);
	fputs("an extra line\n", fp);
	fclose(fp);
	free(path);
	md = render(f, REPORT_MARKDOWN | REPORT_CHAIN_ONLY);
	assert_has(md, "intact (19 lines; 3 output files hashed");
	free(md);
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "- Journal: **BROKEN at line");
	assert_has(md, "02-restore.log");
	free(md);
	/* An unknown format is refused with or without the flag. */
	assert_int_equal(report_render(f->dir, 7 | REPORT_CHAIN_ONLY, &out, &cause), -1);
	free(cause);
}

static void
test_tampered(void **state)
{
	struct fx *f = *state;
	char *md;
	json_t *m;

	write_drill(f, "completed", T0 + HOUR + 12 * MIN);
	journal_close(f->j);
	f->j = NULL;
	edit_line(f, 6, "\"exited 3\"", "\"exited 0\"");
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "- Journal: **BROKEN at line 6**: hash does not match: "
	    "the line was edited\n");
	assert_has(md, "- Last recorded hash (not verified): ");
	m = render_json(f);
	assert_string_equal(jpath_s(m, "verification", "status"), "broken");
	assert_int_equal(jpath_i(m, "verification", "bad_line"), 6);
	assert_true(json_is_false(json_object_get(json_object_get(m,
	    "verification"), "final_hash_verified")));
	json_decref(m);
	free(md);
	/* A line that is not even JSON still gets a report around it. */
	edit_line(f, 3, "{", "#");
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "**BROKEN at line 3**: not valid JSON");
	assert_has(md, "unreadable: the line is not a JSON object\n");
	assert_has(md, "| 4 | promote | rolled_back |");
	free(md);
}

/* A tail cut after the report no longer matches the head beside it. */
static void
test_truncated_tail_is_broken(void **state)
{
	struct fx *f = *state;
	struct report_check before, after;
	char *buf, *cause = NULL, *path, *last;
	size_t len;

	write_drill(f, "completed", T0 + HOUR + 12 * MIN);
	check(f, &before);
	assert_true(before.intact);
	assert_int_equal(journal_read_raw(f->dir, &buf, &len, &cause), 0);
	buf[len - 1] = '\0';
	last = strrchr(buf, '\n');
	*last = '\0';
	last = strrchr(buf, '\n');	/* two lines cut: more than a crash leaves */
	path = xprintf("%s/%s", f->dir, JOURNAL_FILE);
	assert_int_equal(truncate(path, (off_t)(last + 1 - buf)), 0);
	check(f, &after);
	assert_false(after.intact);
	assert_int_equal(after.lines, before.lines - 2);
	assert_int_equal(after.bad_line, before.lines - 1);
	assert_non_null(strstr(after.what, "the tail was cut (2 lines missing)"));
	report_check_clear(&before);
	report_check_clear(&after);
	free(path);
	free(buf);
}

/* The unescaped pipes in a line. */
static int
row_pipes(const char *line, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\')
			i++;
		else if (line[i] == '|')
			n++;
	}
	return n;
}

/* Past a code span opening at p (HTML inside one is shown, not run). */
static const char *
skip_code_span(const char *p)
{
	size_t n = strspn(p, "`"), m;
	const char *q = p + n;

	while ((q = strchr(q, '`')) != NULL) {
		if ((m = strspn(q, "`")) == n)
			return q + n - 1;
		q += m;
	}
	return p + n - 1;	/* no closer: the backticks are text */
}

/* Every row of a table has as many cells as its header row. */
static void
assert_clean_markdown(const char *md)
{
	const char *p, *nl;
	int pipes = 0;

	for (p = md; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		if (*p != '|')
			pipes = 0;
		else if (pipes == 0)
			pipes = row_pipes(p, (size_t)(nl - p));
		else if (row_pipes(p, (size_t)(nl - p)) != pipes)
			fail_msg("a table row has a stray pipe: %.*s",
			    (int)(nl - p), p);
	}
	for (p = md; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '`')
			p = skip_code_span(p);
		else if (*p == '<' || (*p == '&' && (isalnum((unsigned char)p[1]) ||
		    p[1] == '#')))
			fail_msg("raw HTML or entity at: %.40s", p);
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("a control character reached the report");
	}
}

/* Whatever the journal holds, the Markdown stays Markdown. */
static void
test_hostile_text(void **state)
{
	struct fx *f = *state;
	const char *nasty = "bad | thing <b>x</b> &amp; \x1b[31mred`tick\r\n"
	    "1. [link](http://x) _em_ ~~s~~ $x$";
	const char *hidden = "paid \xe2\x80\xae" "01$ \xc2\x9b" "2J";
	char *md;

	add(f, T0, "run.start", run_start("training", NULL));
	add(f, T0 + MIN, "step.start", start_f("a|b", 1, 1, nasty));
	add(f, T0 + MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s, s:s}",
	    "step", "a|b", "index", 1, "status", "failed", "reason", nasty,
	    "note", nasty));
	add(f, T0 + 2 * MIN, "note", json_pack("{s:s}", "text", nasty));
	add(f, T0 + 3 * MIN, "decision", json_pack("{s:s}", "decision",
	    hidden));
	md = render(f, REPORT_MARKDOWN);
	assert_clean_markdown(md);
	assert_has(md, "> **TRAINING**: this was a training run");
	/* Started and ended at one instant: the fold times it 0s from its stamps. */
	assert_has(md, "| 1 | a\\|b | failed | 1 | 0s | bad \\| thing \\<b>x\\</b> "
	    "\\&amp; ^[\\[31mred\\`tick  1. \\[link](http://x) \\_em\\_ "
	    "\\~\\~s\\~\\~ \\$x\\$ |\n");
	/* Bidi overrides and C1 controls (here CSI) are shown, not obeyed. */
	assert_has(md, "- 23:33:00 alice decision: paid \xef\xbf\xbd" "01\\$ "
	    "\xef\xbf\xbd" "2J\n");
	/* In a note, each line keeps its break and cannot start a list. */
	assert_has(md, "  > 1\\. \\[link](http://x)");
	/* In the timeline a command is one line, its fence longer than its
	 * backtick; in the step's details it is a block, every line kept. */
	assert_has(md, ": ``bad | thing <b>x</b> &amp; ^[[31mred`tick`` "
	    "(2 lines)\n");
	assert_has(md, "- Command:\n\n  ```\n  bad | thing <b>x</b> &amp; "
	    "^[[31mred`tick \n  1. [link](http://x) _em_ ~~s~~ $x$\n  ```\n\n");
	free(md);
}

/* A drill's scorecard stays Markdown, whatever its criteria say. */
static void
test_hostile_drill(void **state)
{
	struct fx *f = *state;
	const char *nasty = "x | <b>y</b> &amp; `z` \x1b[31m";
	json_t *start = run_start("drill", NULL);
	char *md;

	json_object_set_new(start, "drill", json_pack("{s:I, s:s, s:[{s:s, "
	    "s:s}, {s:s, s:s}]}", "target_rto_ms", (json_int_t)HOUR,
	    "environment", nasty, "success_criteria", "name", nasty, "when",
	    "steps_failed == 0 || a|b.status == 'ok'", "name", "1. | list",
	    "when", "steps_skipped == 1"));
	add(f, T0, "run.start", start);
	add(f, T0 + MIN, "step.start", start_f("a|b", 1, 1, nasty));
	add(f, T0 + 2 * MIN, "step.end", json_pack("{s:s, s:i, s:s, s:s, s:s}",
	    "step", "a|b", "index", 1, "status", "skipped", "reason", nasty,
	    "note", nasty));
	add(f, T0 + 3 * MIN, "run.end", json_pack("{s:s}", "status",
	    "completed"));
	md = render(f, REPORT_MARKDOWN);
	assert_clean_markdown(md);
	assert_has(md, "## Drill scorecard\n\n- Environment: x \\| \\<b>y\\</b> "
	    "\\&amp; \\`z\\` ^[\\[31m\n");
	assert_has(md, "- Drill target 1h: met: 3m, 57m to spare\n");
	assert_has(md, "| 1 | a\\|b | skipped | - | - |  |\n");
	assert_has(md, "| x \\| \\<b>y\\</b> \\&amp; \\`z\\` ^[\\[31m | "
	    "steps_failed == 0 \\|\\| a\\|b.status == 'ok' | **cannot "
	    "evaluate** | the expression does not parse at byte 22: ");
	assert_has(md, "| 1. \\| list | steps_skipped == 1 | met | "
	    "steps_skipped = 1 |\n");
	assert_has(md, "- **skip**: 1. a\\|b skipped: x \\| ");
	assert_has(md, "### What went wrong\n\n- 1\\. a\\|b: skipped: ");
	free(md);
}

static void
test_write_postmortem(void **state)
{
	struct fx *f = *state;
	char *cause = NULL, *path, *buf, *md;
	struct stat sb;
	FILE *fp;
	long len;

	write_drill(f, "completed", T0 + HOUR + 12 * MIN);
	journal_fixture_pin(T0 + 2 * HOUR);
	umask(0);
	assert_int_equal(report_write_postmortem(f->dir, 0, &cause), 0);
	umask(022);
	path = xprintf("%s/%s", f->dir, REPORT_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	fp = fopen(path, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = xcalloc(1, (size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	md = render(f, REPORT_MARKDOWN);
	assert_string_equal(buf, md);
	free(md);
	free(buf);
	free(path);
	/* A directory that is not an incident is an error, not a report. */
	path = xprintf("%s/nothing", f->top);
	assert_int_equal(report_write_postmortem(path, 0, &cause), -1);
	assert_has(cause, "journal.jsonl");
	free(cause);
	free(path);
}

/* Journals each request the way the engine does: append while locked. */
static int
append_cb(void *arg, const char *event, json_t *fields, char **cause)
{
	return journal_append(arg, event, fields, cause);
}

static int
refuse_cb(void *arg, const char *event, json_t *fields, char **cause)
{
	(void)arg;
	(void)event;
	(void)fields;
	*cause = xstrdup("disk full");
	return -1;
}

/* Files in the inbox whose names end in suffix. */
static int
count_inbox(struct fx *f, const char *suffix)
{
	char *path = xprintf("%s/%s", f->dir, INBOX_DIR);
	DIR *d = opendir(path);
	struct dirent *de;
	size_t len, slen = strlen(suffix);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > slen && strcmp(de->d_name + len - slen, suffix) == 0)
			n++;
	}
	closedir(d);
	free(path);
	return n;
}

/* Journals the request, then "crashes" before the file is removed: the
 * unlink never happens because the request is put back. */
static int
append_then_crash_cb(void *arg, const char *event, json_t *fields, char **cause)
{
	struct fx *f = arg;
	char *path = xprintf("%s/%s/kept.json", f->dir, INBOX_DIR), *tmp = xprintf("%s.tmp", path);
	json_t *req = json_deep_copy(fields);
	FILE *fp;

	json_object_set_new(req, "event", json_string("note"));
	json_object_del(req, "injected");
	fp = fopen(tmp, "w");
	assert_non_null(fp);
	assert_true(json_dumpf(req, fp, JSON_COMPACT) == 0);
	fclose(fp);
	assert_int_equal(rename(tmp, path), 0);
	json_decref(req);
	free(tmp);
	free(path);
	return journal_append(f->j, event, fields, cause);
}

/* A crash between a note's append and its request's removal must not
 * journal the note a second time at the next drain. */
static void
test_inbox_exactly_once(void **state)
{
	struct fx *f = *state;
	struct inbox_note_result res;
	char *cause = NULL;
	json_t *m;

	add(f, T0, "run.start", run_start("live", NULL));
	journal_fixture_pin(T0 + MIN);
	assert_int_equal(inbox_add_note(f->dir, "bob", "the replica is back", &res, &cause), 0);
	assert_true(res.queued);
	inbox_note_result_clear(&res);
	assert_int_equal(inbox_drain(f->dir, append_then_crash_cb, f, &cause), 1);
	/* The journaled request is back on disk, as after a crash. */
	assert_int_equal(count_inbox(f, ".json"), 1);
	assert_int_equal(inbox_drain(f->dir, append_cb, f->j, &cause), 0);
	assert_int_equal(count_inbox(f, ".json"), 0);
	m = render_json(f);
	assert_int_equal(json_array_size(json_object_get(m, "notes")), 1);
	json_decref(m);
}

static void
test_inbox_round_trip(void **state)
{
	struct fx *f = *state;
	struct inbox_note_result res;
	char *cause = NULL, *bad, *md;
	struct report_check chk;
	struct stat sb;
	FILE *fp;
	json_t *m, *note;

	add(f, T0, "run.start", run_start("live", NULL));
	/* The console (f->j) holds the lock: the note is queued. */
	journal_fixture_pin(T0 + MIN);
	assert_int_equal(inbox_add_note(f->dir, "bob", "seen from the NOC",
	    &res, &cause), 0);
	assert_true(res.queued);
	assert_int_equal(res.holder, (long)getpid());
	assert_int_equal(stat(res.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(journal_last_seq(f->j), 1);
	inbox_note_result_clear(&res);
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "- Notes waiting in the inbox, not yet journaled: 1\n");
	free(md);
	/* Someone drops a forged request; it is set aside, not journaled. */
	bad = xprintf("%s/%s/0000000000000-forged.json", f->dir, INBOX_DIR);
	fp = fopen(bad, "w");
	assert_non_null(fp);
	fputs("{\"event\":\"step.end\",\"request\":\"x\",\"by\":\"eve\","
	    "\"noted_at\":\"now\",\"text\":\"ok\"}\n", fp);
	fclose(fp);
	/* A failing journal keeps the request queued. */
	assert_int_equal(inbox_drain(f->dir, refuse_cb, NULL, &cause), -1);
	assert_string_equal(cause, "disk full");
	free(cause);
	assert_int_equal(count_inbox(f, ".json"), 1);
	journal_fixture_pin(T0 + 2 * MIN);
	assert_int_equal(inbox_drain(f->dir, append_cb, f->j, &cause), 1);
	assert_int_equal(count_inbox(f, ".json"), 0);
	assert_int_equal(count_inbox(f, ".rejected"), 1);
	assert_int_equal(inbox_drain(f->dir, append_cb, f->j, &cause), 0);
	m = render_json(f);
	assert_int_equal(jpath_i(m, "notes_waiting", NULL), 0);
	note = json_array_get(json_object_get(m, "notes"), 0);
	assert_string_equal(jpath_s(note, "text", NULL), "seen from the NOC");
	assert_string_equal(jpath_s(note, "by", NULL), "bob");
	assert_string_equal(jpath_s(note, "operator", NULL), "alice");
	/* A plain note from another terminal is not a drill injection. */
	assert_false(json_is_true(json_object_get(note, "injected")));
	assert_int_equal(json_array_size(json_object_get(m, "operators")), 2);
	json_decref(m);
	md = render(f, REPORT_MARKDOWN);
	assert_has(md, "- 23:32:00 alice note: by bob, from another "
	    "terminal, written 2026-11-23T23:31:00.000Z\n\n"
	    "  > seen from the NOC\n");
	free(md);
	/* With no console, a note is appended at once, queued ones first. */
	journal_close(f->j);
	f->j = NULL;
	assert_int_equal(inbox_post_note(f->dir, "carol", "left behind", NULL,
	    &cause), 0);
	assert_int_equal(inbox_add_note(f->dir, "dave", "direct", &res,
	    &cause), 0);
	assert_false(res.queued);
	assert_int_equal(res.seq, 4);
	assert_int_equal(res.drained, 1);
	inbox_note_result_clear(&res);
	assert_int_equal(count_inbox(f, ".json"), 0);
	m = render_json(f);
	note = json_object_get(m, "notes");
	assert_int_equal(json_array_size(note), 3);
	assert_string_equal(jpath_s(json_array_get(note, 1), "by", NULL),
	    "carol");
	assert_string_equal(jpath_s(json_array_get(note, 2), "operator", NULL),
	    "dave");
	assert_true(json_is_false(json_object_get(json_array_get(note, 2),
	    "injected")));
	json_decref(m);
	check(f, &chk);
	assert_true(chk.intact);
	assert_int_equal(chk.lines, 4);
	report_check_clear(&chk);
	/* Never an incident made out of a typo. */
	free(bad);
	bad = xprintf("%s/typo", f->top);
	assert_int_equal(inbox_add_note(bad, "dave", "x", &res, &cause), -1);
	free(cause);
	assert_int_equal(stat(bad, &sb), -1);
	free(bad);
}

/* Runs a subcommand with stdout in a file; returns its exit and output. */
static int
run_cmd(int (*fn)(int, char **), char **out, int argc, ...)
{
	char *argv[8], tmpl[] = "/tmp/drc-report-out-XXXXXX";
	int fd = mkstemp(tmpl), saved, rc;
	va_list ap;
	FILE *fp;
	long len;

	assert_true(fd != -1 && argc < 8);
	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	rc = fn(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fp = fdopen(fd, "r");
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	*out = xcalloc(1, (size_t)len + 1);
	if (len > 0)
		assert_int_equal(fread(*out, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	unlink(tmpl);
	return rc;
}

static void
test_commands(void **state)
{
	struct fx *f = *state;
	struct report_check chk;
	char *out, *want, *file, *nowhere;
	struct stat sb;
	json_t *m;

	write_drill(f, "completed", T0 + HOUR + 12 * MIN);
	check(f, &chk);
	assert_int_equal(run_cmd(cmd_verify, &out, 1, f->dir), 0);
	want = xprintf("intact: 19 lines, 3 output files; final hash %s\n",
	    chk.final_hash);
	assert_string_equal(out, want);
	free(want);
	free(out);
	report_check_clear(&chk);
	/* The console holds the lock: the note goes to the inbox. */
	assert_int_equal(run_cmd(cmd_note, &out, 4, "--operator", "bob", f->dir,
	    "hello"), 0);
	want = xprintf("the journal of %s is locked by drconsole (pid %ld): "
	    "note queued as ", f->dir, (long)getpid());
	assert_has(out, want);
	free(want);
	free(out);
	journal_close(f->j);
	f->j = NULL;
	assert_int_equal(run_cmd(cmd_note, &out, 4, "--operator=carol", f->dir,
	    "two", "words"), 0);
	want = xprintf("note appended to the journal of %s as line 21, with "
	    "1 queued note\n", f->dir);
	assert_string_equal(out, want);
	free(want);
	free(out);
	file = xprintf("%s/report.json", f->top);
	assert_int_equal(run_cmd(cmd_report, &out, 4, "--format", "json", "-o",
	    file), 2);
	free(out);
	assert_int_equal(run_cmd(cmd_report, &out, 5, "--format", "json", "-o",
	    file, f->dir), 0);
	free(out);
	assert_int_equal(stat(file, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	m = json_load_file(file, 0, NULL);
	assert_non_null(m);
	assert_string_equal(jpath_s(json_array_get(json_object_get(m, "notes"),
	    2), "text", NULL), "two words");
	json_decref(m);
	free(file);
	assert_int_equal(run_cmd(cmd_report, &out, 1, f->dir), 0);
	assert_has(out, "# Postmortem: ");
	free(out);
	assert_int_equal(run_cmd(cmd_report, &out, 3, "--format", "xml",
	    f->dir), 2);
	free(out);
	/* Broken, unreadable, misused. */
	edit_line(f, 4, "\"ok\"", "\"failed\"");
	assert_int_equal(run_cmd(cmd_verify, &out, 1, f->dir), 1);
	assert_string_equal(out, "BROKEN at line 4: hash does not match: the "
	    "line was edited\n");
	free(out);
	nowhere = xprintf("%s/none", f->top);
	assert_int_equal(run_cmd(cmd_verify, &out, 1, nowhere), 2);
	free(out);
	assert_int_equal(run_cmd(cmd_note, &out, 2, nowhere, "x"), 2);
	free(out);
	assert_int_equal(run_cmd(cmd_verify, &out, 0), 2);
	free(out);
	assert_int_equal(run_cmd(cmd_verify, &out, 2, f->dir, f->dir), 2);
	free(out);
	assert_int_equal(run_cmd(cmd_note, &out, 1, f->dir), 2);
	free(out);
	assert_int_equal(run_cmd(cmd_note, &out, 3, "--operator", f->dir, "x"),
	    2);
	free(out);
	free(nowhere);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drill_markdown, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drill_json, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rto_missed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rto_not_met_when_aborted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_still_open, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resumed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_postmortem_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_loss_ms_field, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_loss_captured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_tail_is_broken,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostile_drill, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_postmortem, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inbox_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
