/* test_reaper.c: the subreaper's bookkeeping with real processes: which
 * descendants are a job's strays, what is released, and which dead
 * children it reaps (never one that its owner reaps). */
#include "cmocka_all.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "loop_fixture.h"
#include "reaper.h"

/* A child that leads its own group and starts, in a new session, a
 * grandchild; both wait for the test to close *hold. Returns the child;
 * *grandchild gets the grandchild's pid. */
static pid_t
start_family(pid_t *grandchild, int *hold)
{
	int go[2], report[2];
	pid_t child, gc;
	char b;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(report), 0);
	if ((child = fork()) == 0) {
		setpgid(0, 0);
		if ((gc = fork()) == 0) {
			setsid();
			close(go[1]);
			(void)!read(go[0], &b, 1);
			_exit(0);
		}
		(void)!write(report[1], &gc, sizeof gc);
		close(go[1]);
		(void)!read(go[0], &b, 1);
		_exit(0);
	}
	close(go[0]);
	close(report[1]);
	assert_int_equal(read(report[0], grandchild, sizeof *grandchild), (ssize_t)sizeof *grandchild);
	close(report[0]);
	/* Until setsid ran, the grandchild is in the child's group. */
	while (getsid(*grandchild) != *grandchild)
		usleep(1000);
	*hold = go[1];
	return child;
}

static void
test_strays_and_release(void **state)
{
	pid_t child, gc, *pids;
	int hold, st;
	size_t n;

	(void)state;
	child = start_family(&gc, &hold);
	reaper_add_job(child);
	n = reaper_strays(child, &pids);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], gc);
	free(pids);
	assert_true(reaper_has_strays(child));
	/* Left running on purpose: never a stray again. */
	n = reaper_release_strays(child, &pids);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], gc);
	free(pids);
	assert_false(reaper_has_strays(child));
	reaper_forget_job(child);
	close(hold);
	assert_int_equal(waitpid(child, &st, 0), child);
	kill(gc, SIGKILL);
}

static void
test_signal_strays(void **state)
{
	pid_t child, gc;
	int hold, st;

	(void)state;
	child = start_family(&gc, &hold);
	reaper_add_job(child);
	assert_int_equal(reaper_signal_strays(child, SIGKILL), 1);
	/* The stray is dead; the child (the leader) is not a stray. */
	assert_int_equal(kill(child, 0), 0);
	close(hold);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	reaper_forget_job(child);
}

/* A grandchild that comes back to us and dies is reaped; a child whose
 * owner reaps it is left for its owner. */
static void
test_reaps_only_unowned(void **state)
{
	pid_t child, gc, owned;
	int hold, st;
	int64_t end;

	(void)state;
	assert_int_equal(reaper_enable(test_loop), 0);
	if ((owned = fork()) == 0)
		_exit(7);
	reaper_own(owned);
	child = start_family(&gc, &hold);
	close(hold);
	assert_int_equal(waitpid(child, &st, 0), child);
	/* The grandchild, ours now, exits too: the loop's SIGCHLD reaps it. */
	end = clock_mono_ms() + 5000;
	while (clock_mono_ms() < end && (kill(gc, 0) == 0 || errno != ESRCH))
		loop_run_once(test_loop, 20);
	assert_int_equal(kill(gc, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(waitpid(owned, &st, 0), owned);
	assert_int_equal(WEXITSTATUS(st), 7);
	reaper_disown(owned);
	reaper_disable(test_loop);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, loop_fixture_setup, loop_fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_strays_and_release),
		TEST(test_signal_strays),
		TEST(test_reaps_only_unowned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
