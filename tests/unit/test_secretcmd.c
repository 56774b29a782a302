/* test_secretcmd.c: a secret from a command: the value, and every way the
 * command can fail, each message free of what it printed. Real children
 * through /bin/sh (the test's own choice of argv). */
#include "cmocka_all.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <signal.h>

#include "loop.h"
#include "secretcmd.h"

extern char **environ;

/* Runs sh -c SCRIPT through secretcmd_run; returns its result. */
static int
run_sh(const char *script, int timeout_ms, char **value, char **cause)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };

	return secretcmd_run(argv, environ, timeout_ms, NULL, NULL, value, cause);
}

static void
test_value_is_the_output_less_line_ends(void **state)
{
	char *value, *cause;

	(void)state;
	assert_int_equal(run_sh("printf 'line one\\nS3cret-value\\r\\n\\n'", 5000, &value, &cause), 0);
	assert_string_equal(value, "line one\nS3cret-value");
	assert_null(cause);
	free(value);
}

/* The message names the status and stderr, with what stdout held masked. */
static void
test_failure_masks_what_was_printed(void **state)
{
	char *value, *cause;

	(void)state;
	assert_int_equal(run_sh("echo Hunter2-secret; echo \"denied: Hunter2-secret\" >&2; exit 3", 5000,
	    &value, &cause), -1);
	assert_null(value);
	assert_non_null(strstr(cause, "exited 3"));
	assert_non_null(strstr(cause, "denied: ****"));
	assert_null(strstr(cause, "Hunter2"));
	free(cause);
}

static void
test_nothing_printed_is_a_failure(void **state)
{
	char *value, *cause;

	(void)state;
	assert_int_equal(run_sh("printf '\\n'", 5000, &value, &cause), -1);
	assert_non_null(strstr(cause, "printed nothing"));
	free(cause);
}

static void
test_too_much_output_is_killed(void **state)
{
	char *value, *cause;

	(void)state;
	assert_int_equal(run_sh("while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done", 20000, &value, &cause), -1);
	assert_non_null(strstr(cause, "printed more than"));
	free(cause);
}

/* A command that never ends is killed at its deadline. */
static void
test_deadline_kills_it(void **state)
{
	char *value, *cause;

	(void)state;
	assert_int_equal(run_sh("sleep 60 & sleep 60", 300, &value, &cause), -1);
	assert_non_null(strstr(cause, "did not finish in time"));
	free(cause);
}

static void
test_missing_program_is_named(void **state)
{
	char *argv[] = { "no-such-vault-cli", "read", NULL };
	char *value, *cause;

	(void)state;
	assert_int_equal(secretcmd_run(argv, environ, 5000, NULL, NULL, &value, &cause), -1);
	assert_non_null(strstr(cause, "cannot run no-such-vault-cli"));
	free(cause);
}

static void
on_usr1(int signo, void *arg)
{
	(void)signo;
	(void)arg;
}

static int
usr1_pending(void *arg)
{
	(void)arg;
	return loop_signal_pending(SIGUSR1);
}

/* A signal the loop watches (Ctrl-C's, in line mode) ends the wait long
 * before the deadline: the command signals us, then would sleep for a
 * minute; the wait ends stopped, not timed out, and the command is gone. */
static void
test_stop_ends_the_wait(void **state)
{
	char *argv[] = { "sh", "-c", "kill -USR1 $PPID; exec sleep 60", NULL };
	struct loop *l = loop_new();
	char *value, *cause;

	(void)state;
	assert_int_equal(loop_watch_signal(l, SIGUSR1, on_usr1, NULL), 0);
	assert_int_equal(secretcmd_run(argv, environ, 120000, usr1_pending, NULL, &value, &cause), -1);
	assert_null(value);
	assert_non_null(strstr(cause, "sh was stopped by an interrupt (killed)"));
	free(cause);
	/* Left for the loop: its next turn runs the signal's callbacks. */
	assert_true(loop_signal_pending(SIGUSR1));
	loop_free(l);
}

/* An interrupt that came before the command started stops it too: the
 * group is killed at once, before the child could make it, so the parent
 * makes it as well. A kill that missed would wait out the minute's sleep:
 * the alarm (far past an instant, far short of the sleep) fails the test. */
static void
test_stop_asked_before_the_start(void **state)
{
	char *argv[] = { "sh", "-c", "exec sleep 60", NULL };
	struct loop *l = loop_new();
	char *value, *cause;

	(void)state;
	assert_int_equal(loop_watch_signal(l, SIGUSR1, on_usr1, NULL), 0);
	raise(SIGUSR1);
	alarm(30);
	assert_int_equal(secretcmd_run(argv, environ, 120000, usr1_pending, NULL, &value, &cause), -1);
	alarm(0);
	assert_non_null(strstr(cause, "was stopped by an interrupt (killed)"));
	free(cause);
	loop_free(l);
}

/* stdin is /dev/null: a command that would prompt reads EOF at once. */
static void
test_stdin_is_empty(void **state)
{
	char *value, *cause;

	(void)state;
	assert_int_equal(run_sh("read x || echo eof-at-once", 5000, &value, &cause), 0);
	assert_string_equal(value, "eof-at-once");
	free(value);
}

/* Only stdin, stdout and stderr reach the command: not drconsole's log,
 * journal or terminal. */
static void
test_no_other_descriptor_is_inherited(void **state)
{
	char *value, *cause;
	int leak = open("/dev/null", O_RDONLY);	/* not close-on-exec */

	(void)state;
	assert_true(leak > 2);
	assert_int_equal(run_sh("ls /proc/self/fd | sort -n | tr '\\n' ' '", 5000, &value, &cause), 0);
	/* ls's own directory descriptor is the one above 2. */
	assert_string_equal(value, "0 1 2 3 ");
	free(value);
	close(leak);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_is_the_output_less_line_ends),
		cmocka_unit_test(test_failure_masks_what_was_printed),
		cmocka_unit_test(test_nothing_printed_is_a_failure),
		cmocka_unit_test(test_too_much_output_is_killed),
		cmocka_unit_test(test_deadline_kills_it),
		cmocka_unit_test(test_missing_program_is_named),
		cmocka_unit_test(test_stdin_is_empty),
		cmocka_unit_test(test_stop_ends_the_wait),
		cmocka_unit_test(test_stop_asked_before_the_start),
		cmocka_unit_test(test_no_other_descriptor_is_inherited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
