/* test_childrun.c: real children run to their end: stdin written whole
 * then closed, outputs kept, a deadline that ends a child that would run
 * on, a bound on output, and a program that is not there. */
#include "cmocka_all.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "childrun.h"

static char *path_env[] = { "PATH=/usr/bin:/bin", NULL };

static int
run(char *const *argv, const char *in, size_t inlen, int timeout_ms, size_t max,
    struct childrun_result *r)
{
	struct childrun_spec spec = { argv, path_env, in, inlen, timeout_ms, max };
	char *cause = NULL;
	int rc = childrun(&spec, r, &cause);

	free(cause);
	return rc;
}

/* 4 MiB through cat: more than a socket buffer holds, so stdin is written
 * as the child reads, and closed only after the last byte (cat ends). */
static void
test_stdin_whole_then_eof(void **state)
{
	char *argv[] = { "cat", NULL };
	size_t n = 4 * 1024 * 1024;
	char *in = malloc(n);
	struct childrun_result r;

	(void)state;
	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	assert_int_equal(run(argv, in, n, 30000, 2 * n, &r), 0);
	assert_false(r.timed_out);
	assert_false(r.truncated);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	assert_int_equal(r.outlen, n);
	assert_memory_equal(r.out, in, n);
	childrun_result_free(&r);
	free(in);
}

static void
test_stderr_and_status(void **state)
{
	char *argv[] = { "sh", "-c", "read x; echo \"got $x\" >&2; exit 3", NULL };
	struct childrun_result r;

	(void)state;
	assert_int_equal(run(argv, "hello\n", 6, 30000, 1024, &r), 0);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
	assert_string_equal(r.err, "got hello\n");
	assert_string_equal(r.out, "");
	childrun_result_free(&r);
}

/* A child that never ends on its own is stopped at the deadline. */
static void
test_deadline(void **state)
{
	char *argv[] = { "sleep", "600", NULL };
	struct childrun_result r;

	(void)state;
	assert_int_equal(run(argv, "", 0, 100, 1024, &r), 0);
	assert_true(r.timed_out);
	assert_true(WIFSIGNALED(r.status));
	childrun_result_free(&r);
}

/* A child that writes without end is killed once past the bound. */
static void
test_output_bound(void **state)
{
	char *argv[] = { "yes", NULL };
	struct childrun_result r;

	(void)state;
	assert_int_equal(run(argv, "", 0, 30000, 64 * 1024, &r), 0);
	assert_true(r.truncated);
	assert_false(r.timed_out);
	assert_true(r.outlen <= 64 * 1024);
	childrun_result_free(&r);
}

static void
test_not_found(void **state)
{
	char *argv[] = { "drconsole-no-such-program", NULL };
	struct childrun_spec spec = { argv, path_env, "", 0, 1000, 1024 };
	struct childrun_result r;
	char *cause = NULL;

	(void)state;
	assert_int_equal(childrun(&spec, &r, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdin_whole_then_eof),
		cmocka_unit_test(test_stderr_and_status),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_output_bound),
		cmocka_unit_test(test_not_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
