/* pyserver.h: the loopback Python servers of tests/e2e (http_server.py,
 * smtp_sink.py) for the unit tests that talk to real servers: each runs on
 * a port of its own choosing with a state directory of its own, which the
 * tests write to steer it and read to see what it received. */
#ifndef DRC_TEST_PYSERVER_H
#define DRC_TEST_PYSERVER_H

#include <sys/types.h>

struct pyserver {
	pid_t	pid;		/* -1 when not running */
	int	port;		/* where it listens on 127.0.0.1 */
	char	dir[64];	/* its state directory; "" when there is none */
};

/* 1 if python3 is on PATH; a test without it is skipped. */
int pyserver_have_python3(void);
/* Starts tests/e2e/<script> with a new /tmp/drc-<tag>-XXXXXX directory
 * and waits, with a deadline, for its port; -1 if it does not come up
 * (pyserver_stop still cleans up). */
int pyserver_start(struct pyserver *, const char *script, const char *tag);
/* Stops the server and removes its directory; safe if never started. */
void pyserver_stop(struct pyserver *);
/* Writes a file in the state directory; a failure fails the test. */
void pyserver_write_state(const struct pyserver *, const char *name,
    const char *content);
/* A file of the state directory, allocated; NULL if there is none. */
char *pyserver_read_state(const struct pyserver *, const char *name);

#endif
