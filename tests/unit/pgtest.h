/* pgtest.h: what the unit tests that need a real PostgreSQL share: servers
 * started by tests/e2e/pg_lib.sh under a watchdog that stops them however
 * the test ends, a fresh loop per test, and sql steps run to their end on
 * it with their output, reason and evidence kept. */
#ifndef DRC_PGTEST_H
#define DRC_PGTEST_H

#include <limits.h>
#include <stdint.h>

#include <jansson.h>

#include "loop.h"
#include "sqlstep.h"
#include "strbuf.h"

extern char		 pg_lib[PATH_MAX];
extern char		 pg_base[];	/* the scratch folder, once made */
extern struct loop	*loop;		/* the current test's */

/* Runs a pg_lib.sh command line (PG_LIB, PG_BASE set); its exit status. */
int pg_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The port in PG_BASE/NAME.port, or -1. */
int read_port(const char *name);
/* Finds tests/e2e/pg_lib.sh into pg_lib; 0 when found. */
int find_pg_lib(void);
/* A child that stops every server when this process ends, crash included. */
void watchdog_start(void);
/* Stops the servers and the watchdog. */
void watchdog_stop(void);
/* A random password, letters and digits, into password[40]. */
void make_password(char *password);
/* A group's start: the scratch folder, PG_BASE and PG_LIB in the
 * environment, the watchdog, and a fresh password; -1 on failure. */
int pgtest_begin(char *password);
/* Per-test setup and teardown: a fresh loop. */
int setup(void **state);
int teardown(void **state);

struct run {
	struct strbuf	 out, err;
	int		 done;
	int		 ok;
	char		*reason;
	json_t		*ev;
	struct sqlstep	*s;
	int64_t		 t0, ms;
};


void run_start(struct run *r, const struct sqlstep_request *req);
/* Runs the loop until done (at most limit_ms), then checks nothing comes
 * after it. */
void run_wait(struct run *r, int64_t limit_ms);
void run_free(struct run *r);
const char *ev_str(const struct run *r, const char *key);
json_int_t ev_int(const struct run *r, const char *key);
const char *ev_path_str(const struct run *r, const char *obj, const char *key);
/* Neither the output, the reason nor the evidence holds secret. */
void assert_no_secret(const struct run *r, const char *secret);
/* Waits until no backend runs a query starting with prefix. */
void assert_query_gone(const char *prefix);

#define assert_contains(hay, needle) do {				\
	if (strstr((hay), (needle)) == NULL)				\
		fail_msg("'%s' not found in:\n%s", (needle), (hay));	\
} while (0)
#define assert_lacks(hay, needle) do {					\
	if (strstr((hay), (needle)) != NULL)				\
		fail_msg("'%s' should not be in:\n%s", (needle), (hay));\
} while (0)

#endif
