/* loop_fixture.h: one loop per test, in test_loop, for the tests that run
 * children (job, ssh, fanout). It is freed even when a test fails, so a
 * failure does not leave the process's signal handling owned by a dead
 * loop. Header only: include it once per test binary and pass
 * loop_fixture_setup and loop_fixture_teardown to each test. */
#ifndef DRC_TEST_LOOP_FIXTURE_H
#define DRC_TEST_LOOP_FIXTURE_H

#include "loop.h"

static struct loop	*test_loop;

static inline int
loop_fixture_setup(void **state)
{
	(void)state;
	test_loop = loop_new();
	return 0;
}

static inline int
loop_fixture_teardown(void **state)
{
	(void)state;
	loop_free(test_loop);
	test_loop = NULL;
	return 0;
}

#endif
