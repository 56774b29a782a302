/*
 * test_verify_stream.c: the streamed check of an intact journal
 * (verify_stream.c) gives verify's own answer, and leaves every fault to
 * verify.c's whole reading, which still describes it. Run on copies of
 * the recorded corpus (tests/data/incidents).
 */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intact),
		cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
