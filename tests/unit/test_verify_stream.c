/*
 * test_verify_stream.c: the streamed check of an intact journal
 * (verify_stream.c) gives verify's own answer, and leaves every fault to
 * verify.c's whole reading, which still describes it. Run on copies of
 * the recorded corpus (tests/data/incidents). verify_fold, the same
 * check with the fold in the same reading, answers as verify_incident and
 * folds as runstate_load, intact or not.
 */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runstate.h"
#include "verify_int.h"
#include "xmalloc.h"

/* A private copy of corpus incident name; returns its path. */
static char *
copy_of(const char *name, char *top)
{
	const char *src = getenv("top_srcdir");
	char *cmd, *dir;

	assert_non_null(mkdtemp(top));
	dir = xprintf("%s/%s", top, name);
	cmd = xprintf("cp -r '%s/tests/data/incidents/%s' '%s' && chmod -R go-rwx '%s'", src != NULL ? src : ".",
	    name, dir, top);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return dir;
}

static void
remove_tree(const char *top)
{
	char *cmd = xprintf("rm -rf '%s'", top);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
test_intact(void **state)
{
	char top[] = "/tmp/drc-vstream-XXXXXX", *dir = copy_of("drill", top);
	struct verify_result res, full;

	(void)state;
	memset(&res, 0, sizeof res);
	assert_int_equal(verify_stream(dir, NULL, 1, &res), 0);
	assert_true(res.ok);
	assert_int_equal(res.lines, 27);
	assert_string_equal(res.what, "27 lines intact, 6 output files match");
	assert_null(res.note);
	assert_false(res.torn);
	/* verify_incident answers the same. */
	assert_int_equal(verify_incident(dir, &full), 0);
	assert_string_equal(full.what, res.what);
	assert_string_equal(full.final_hash, res.final_hash);
	verify_result_clear(&full);
	verify_result_clear(&res);
	assert_int_equal(verify_stream(dir, NULL, 0, &res), 0);
	assert_string_equal(res.what, "27 lines intact (output files not reread)");
	verify_result_clear(&res);
	free(dir);
	remove_tree(top);
}

/* A fault is never called intact here; verify.c still tells the story. */
static void
expect_fault(const char *name, const char *spoil, const char *story)
{
	char top[] = "/tmp/drc-vstream-XXXXXX", *dir = copy_of(name, top), *cmd;
	struct verify_result res, full;

	memset(&res, 0, sizeof res);
	cmd = xprintf("cd '%s' && %s", dir, spoil);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(verify_stream(dir, NULL, 1, &res), 1);
	assert_false(res.ok);
	assert_null(res.what);
	assert_int_equal(verify_incident(dir, &full), 1);
	if (strstr(full.what, story) == NULL)
		fail_msg("%s: '%s' lacks '%s'", spoil, full.what, story);
	verify_result_clear(&full);
	free(dir);
	remove_tree(top);
}

static void
test_faults(void **state)
{
	(void)state;
	expect_fault("drill", "echo x >> output/01-prepare.log", "output file output/01-prepare.log was altered");
	expect_fault("drill", "rm journal.head", "there is no journal.head");
	expect_fault("drill", "sed -i 's/replica lags 4s/replica lags 9s/' journal.jsonl", "hash does not match");
	expect_fault("drill", "sed -i '5d' journal.jsonl", "line 5");
	expect_fault("drill", "head -n 20 journal.jsonl > j && mv j journal.jsonl", "the tail was cut");
	expect_fault("v0-drill", "true", "there is no journal.head");
}

static int
count_line(void *arg, const struct runstate *rs, const struct rs_event *ev)
{
	(void)rs;
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

static int
stop_at_third(void *arg, const struct runstate *rs, const struct rs_event *ev)
{
	(void)rs;
	(void)ev;
	return ++(*(int *)arg) == 3;
}

/* At the first line, the journal is replaced by an edited copy. */
static int
edit_at_first(void *arg, const struct runstate *rs, const struct rs_event *ev)
{
	char *cmd;

	(void)ev;
	if (rs->events == 1) {
		cmd = xprintf("sed -i 's/replica lags 4s/replica lags 9s/' '%s/journal.jsonl'", (char *)arg);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	return 0;
}

/* verify_fold on dir answers as verify_incident(_chain) and folds as
 * runstate_load with flags; returns verify_fold's answer. */
static int
expect_fold_same(const char *dir, int outputs_too, int flags)
{
	struct verify_result res, full;
	struct runstate rs, alone;
	struct rs_load how = { .flags = flags, .cb = count_line };
	char *cause = NULL, *cause_alone = NULL;
	int seen = 0, rc, rc_full, fold_rc, alone_rc;

	how.arg = &seen;
	runstate_init(&rs);
	runstate_init(&alone);
	rc = verify_fold(dir, outputs_too, &res, &rs, &how, &fold_rc, &cause);
	rc_full = outputs_too ? verify_incident(dir, &full) : verify_incident_chain(dir, &full);
	alone_rc = runstate_load(&alone, dir, flags, NULL, NULL, &cause_alone);
	assert_int_equal(rc, rc_full);
	assert_int_equal(res.ok, full.ok);
	assert_int_equal(res.lines, full.lines);
	assert_int_equal(res.bad_line, full.bad_line);
	assert_string_equal(res.what, full.what);
	assert_int_equal(res.torn, full.torn);
	if (res.ok)
		assert_string_equal(res.final_hash, full.final_hash);
	assert_int_equal(fold_rc, alone_rc);
	if (fold_rc != 0)
		assert_string_equal(cause, cause_alone);
	assert_int_equal(rs.events, alone.events);
	assert_int_equal(seen, (int)alone.events);
	assert_int_equal(rs.bad_lines, alone.bad_lines);
	assert_int_equal(rs.nsteps, alone.nsteps);
	assert_int_equal(rs.outcome, alone.outcome);
	assert_int_equal(rs.last_seq, alone.last_seq);
	assert_null(how.parse);
	free(cause);
	free(cause_alone);
	runstate_clear(&rs);
	runstate_clear(&alone);
	verify_result_clear(&res);
	verify_result_clear(&full);
	return rc;
}

static void
test_fold_intact(void **state)
{
	char top[] = "/tmp/drc-vstream-XXXXXX", *dir = copy_of("drill", top);
	struct rs_load how = { .cb = stop_at_third };
	struct verify_result res;
	struct runstate rs;
	char *cause = NULL;
	int seen = 0, fold_rc;

	(void)state;
	assert_int_equal(expect_fold_same(dir, 1, 0), 0);
	assert_int_equal(expect_fold_same(dir, 0, 0), 0);
	/* A fold stopped early: the chain is still checked to its end. */
	how.arg = &seen;
	runstate_init(&rs);
	assert_int_equal(verify_fold(dir, 1, &res, &rs, &how, &fold_rc, &cause), 0);
	assert_int_equal(fold_rc, 0);
	assert_true(how.stopped);
	assert_int_equal(seen, 3);
	assert_int_equal(rs.events, 3);
	assert_true(res.ok);
	assert_int_equal(res.lines, 27);
	assert_string_equal(res.what, "27 lines intact, 6 output files match");
	runstate_clear(&rs);
	verify_result_clear(&res);
	/* One reading: the chain checked is the journal folded, not one read
	 * again after it (here edited while the fold ran). */
	how.cb = edit_at_first;
	how.arg = dir;
	runstate_init(&rs);
	assert_int_equal(verify_fold(dir, 1, &res, &rs, &how, &fold_rc, &cause), 0);
	assert_false(how.stopped);
	assert_int_equal(rs.events, 27);
	assert_string_equal(res.what, "27 lines intact, 6 output files match");
	runstate_clear(&rs);
	verify_result_clear(&res);
	assert_int_equal(verify_incident(dir, &res), 1);
	verify_result_clear(&res);
	free(dir);
	remove_tree(top);
}

/* A fault in the chain found in the same reading as the fold. */
static void
expect_fold_fault(const char *spoil, int flags, const char *story)
{
	char top[] = "/tmp/drc-vstream-XXXXXX", *dir = copy_of("drill", top), *cmd;
	struct verify_result res;
	struct runstate rs;
	struct rs_load how = { .flags = flags };
	char *cause = NULL;
	int fold_rc;

	cmd = xprintf("cd '%s' && %s", dir, spoil);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(expect_fold_same(dir, 1, flags), 1);
	runstate_init(&rs);
	assert_int_equal(verify_fold(dir, 1, &res, &rs, &how, &fold_rc, &cause), 1);
	assert_false(res.ok);
	if (strstr(res.what, story) == NULL)
		fail_msg("%s: '%s' lacks '%s'", spoil, res.what, story);
	free(cause);
	runstate_clear(&rs);
	verify_result_clear(&res);
	free(dir);
	remove_tree(top);
}

static void
test_fold_faults(void **state)
{
	(void)state;
	expect_fold_fault("sed -i 's/replica lags 4s/replica lags 9s/' journal.jsonl", 0,
	    "hash does not match: the line was edited");
	/* An edit that keeps the line valid JSON, in a member the fold ignores. */
	expect_fold_fault("sed -i '3s/^{/{\"x\":1,/' journal.jsonl", 0, "line 3: hash does not match");
	expect_fold_fault("sed -i '5d' journal.jsonl", 0, "line 5");
	expect_fold_fault("sed -i '2s/^{\"seq\":2,/{\"seq\":2,\"seq\":2,/' journal.jsonl", 0, "line 2: not valid JSON");
	expect_fold_fault("sed -i '6s/.*/not json/' journal.jsonl", 0, "line 6: not valid JSON");
	expect_fold_fault("sed -i '6s/.*/not json/' journal.jsonl", RS_LOAD_LENIENT, "line 6: not valid JSON");
	expect_fold_fault("echo x >> output/01-prepare.log", 0, "output file output/01-prepare.log was altered");
	expect_fold_fault("rm journal.head", 0, "there is no journal.head");
	expect_fold_fault("head -n 20 journal.jsonl > j && mv j journal.jsonl", 0, "the tail was cut");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intact),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_fold_intact),
		cmocka_unit_test(test_fold_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
