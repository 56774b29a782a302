/* sqlcancel.c: PQcancel from a child process, its outcome read through the
 * loop. The child does nothing but async-signal-safe work (PQcancel is, by
 * its documentation; then write and _exit), which is all a fork of a
 * process with a helper thread allows. Its report is one byte, '+' (sent)
 * or '-', then libpq's message. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "reaper.h"
#include "sqlcancel.h"
#include "xmalloc.h"

#define SQLCANCEL_REPORT_MAX 512

struct sqlcancel {
	struct loop		*loop;
	pid_t			 pid;
	int			 fd;
	struct loop_fd		*lfd;
	struct loop_timer	*timer;
	char			 report[SQLCANCEL_REPORT_MAX];
	size_t			 got;
	sqlcancel_cb		 cb;
	void			*arg;
};

/* In the child: send, report, leave. */
static void __attribute__((noreturn))
sqlcancel_child(PGcancel *c, int fd)
{
	char err[SQLCANCEL_REPORT_MAX - 1], out[SQLCANCEL_REPORT_MAX];
	size_t n = 1;

	if (PQcancel(c, err, sizeof err))
		out[0] = '+';
	else {
		out[0] = '-';
		for (size_t i = 0; err[i] != '\0' && n < sizeof out; i++)
			out[n++] = err[i];
	}
	if (fd != -1)
		(void)!write(fd, out, n);
	_exit(0);
}

/* Forks the sender with every signal blocked (the loop's handlers must not
 * run in it); with detached, from a middle child that leaves at once, so
 * nobody has to reap it. Returns the child's pid, or -1. */
static pid_t
sqlcancel_fork(PGcancel *c, int report_fd, int keep_fd, int detached)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		if (keep_fd != -1)
			close(keep_fd);
		if (detached && fork() != 0)
			_exit(0);
		sqlcancel_child(c, report_fd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

void
sqlcancel_detached(PGconn *conn)
{
	PGcancel *c = PQgetCancel(conn);
	pid_t pid;

	if (c == NULL)
		return;
	if ((pid = sqlcancel_fork(c, -1, -1, 1)) > 0) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
	} else
		log_debug("sqlcancel: cannot fork: %s", strerror(errno));
	PQfreeCancel(c);
}

/* Ends the child (it has reported, or is given up on) and reaps it. */
static void
sqlcancel_reap(struct sqlcancel *sc)
{
	if (sc->pid <= 0)
		return;
	kill(sc->pid, SIGKILL);
	while (waitpid(sc->pid, NULL, 0) == -1 && errno == EINTR)
		;
	reaper_disown(sc->pid);
	sc->pid = 0;
}

/* Stops watching, reaps, and calls back once. */
static void
sqlcancel_end(struct sqlcancel *sc, int sent, const char *error)
{
	sqlcancel_cb cb = sc->cb;
	void *arg = sc->arg;

	sc->cb = NULL;
	loop_remove_fd(sc->loop, sc->lfd);
	loop_cancel_timer(sc->loop, sc->timer);
	sc->lfd = NULL;
	sc->timer = NULL;
	sqlcancel_reap(sc);
	if (cb != NULL)
		cb(arg, sent, error);
}

static void
sqlcancel_readable(int fd, short revents, void *arg)
{
	struct sqlcancel *sc = arg;
	ssize_t n;

	(void)revents;
	n = read(fd, sc->report + sc->got, sizeof sc->report - 1 - sc->got);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		sc->got += (size_t)n;
		if (sc->got < sizeof sc->report - 1)
			return;	/* the rest, or EOF, comes next */
	}
	sc->report[sc->got] = '\0';
	if (sc->got > 0 && sc->report[0] == '+')
		sqlcancel_end(sc, 1, NULL);
	else if (sc->got > 1)
		sqlcancel_end(sc, 0, sc->report + 1);
	else
		sqlcancel_end(sc, 0, "the process sending it ended without a word");
}

static void
sqlcancel_waited(void *arg)
{
	struct sqlcancel *sc = arg;

	sc->timer = NULL;
	sqlcancel_end(sc, 0, "the server did not answer in time");
}

struct sqlcancel *
sqlcancel_start(struct loop *loop, PGconn *conn, int64_t wait_ms,
    sqlcancel_cb cb, void *arg, char **cause)
{
	struct sqlcancel *sc;
	PGcancel *c;
	int p[2];

	if ((c = PQgetCancel(conn)) == NULL) {
		*cause = xstrdup("libpq has no cancel key for this connection");
		return NULL;
	}
	if (pipe2(p, O_CLOEXEC) != 0) {
		*cause = xprintf("cannot make a pipe: %s", strerror(errno));
		PQfreeCancel(c);
		return NULL;
	}
	sc = xcalloc(1, sizeof *sc);
	sc->loop = loop;
	sc->cb = cb;
	sc->arg = arg;
	sc->pid = sqlcancel_fork(c, p[1], p[0], 0);
	PQfreeCancel(c);
	close(p[1]);
	if (sc->pid == -1) {
		*cause = xprintf("cannot fork: %s", strerror(errno));
		close(p[0]);
		free(sc);
		return NULL;
	}
	reaper_own(sc->pid);	/* sqlcancel_reap waits for it */
	sc->fd = p[0];
	sc->lfd = loop_add_fd(loop, sc->fd, POLLIN, sqlcancel_readable, sc);
	sc->timer = loop_add_timer(loop, wait_ms, sqlcancel_waited, sc);
	return sc;
}

void
sqlcancel_free(struct sqlcancel *sc)
{
	if (sc == NULL)
		return;
	sc->cb = NULL;
	if (sc->lfd != NULL || sc->timer != NULL)
		sqlcancel_end(sc, 0, NULL);
	close(sc->fd);
	free(sc);
}
