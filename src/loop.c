/* loop.c: owns the poll() loop, the timer list and the process's signal
 * self-pipe. Registrations removed while callbacks run are only marked dead
 * and swept after the turn, so any callback may remove anything. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

struct loop_fd {
	int			 fd;
	short			 events;
	loop_fd_cb		 cb;
	void			*arg;
	int			 dead;
	struct loop_fd		*next;
};

struct loop_timer {
	int64_t			 when;		/* monotonic ms */
	loop_timer_cb		 cb;
	void			*arg;
	int			 dead;		/* cancelled or fired */
	struct loop_timer	*next;		/* by when, then by age */
};

struct loop_sigwatch {
	int			 signo;
	loop_signal_cb		 cb;
	void			*arg;
	int			 dead;
	struct loop_sigwatch	*next;
};

struct loop {
	struct loop_fd		*fds;
	struct loop_timer	*timers;
	struct loop_sigwatch	*sigs;
	int			 running;	/* inside loop_run_once */
	int			 dirty;		/* something is marked dead */

	/* Per-turn snapshots, kept to avoid an allocation each turn. */
	struct pollfd		*pfds;
	struct loop_fd		**pmap;
	size_t			 pcap;
	size_t			 sig_index;	/* pipe's slot or SIZE_MAX */
	struct loop_timer	**due;
	size_t			 duecap;
};

/*
 * Signal state is per process. The handler sets a flag as well as writing
 * the number, so a signal is never lost even if the pipe is full; the pipe
 * byte is only there to wake poll().
 */
static struct loop		*sig_owner;
static int			 sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t	 sig_pending[NSIG];
static int			 sig_installed[NSIG];
static struct sigaction		 sig_saved[NSIG];

static void
loop_sig_handler(int signo)
{
	int		saved_errno = errno;
	unsigned char	b = (unsigned char)signo;

	sig_pending[signo] = 1;
	if (write(sig_pipe[1], &b, 1) == -1) {
		/* Full pipe: poll() will wake anyway and the flag is set. */
	}
	errno = saved_errno;
}

int
loop_signal_pending(int signo)
{
	return signo > 0 && signo < NSIG && sig_pending[signo];
}

/* Creates an empty loop. */
struct loop *
loop_new(void)
{
	return xcalloc(1, sizeof(struct loop));
}

static void
loop_sig_restore(int signo)
{
	if (!sig_installed[signo])
		return;
	sigaction(signo, &sig_saved[signo], NULL);
	sig_installed[signo] = 0;
	sig_pending[signo] = 0;
}

static void
loop_sig_close(void)
{
	for (int signo = 1; signo < NSIG; signo++)
		loop_sig_restore(signo);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	sig_owner = NULL;
}

/* Frees the loop and its registrations; restores signal dispositions. */
void
loop_free(struct loop *l)
{
	struct loop_fd		*f;
	struct loop_timer	*t;
	struct loop_sigwatch	*w;

	if (l == NULL)
		return;
	if (l->running)
		fatalx("loop_free called from inside the loop");
	if (sig_owner == l)
		loop_sig_close();
	while ((f = l->fds) != NULL) {
		l->fds = f->next;
		free(f);
	}
	while ((t = l->timers) != NULL) {
		l->timers = t->next;
		free(t);
	}
	while ((w = l->sigs) != NULL) {
		l->sigs = w->next;
		free(w);
	}
	free(l->pfds);
	free(l->pmap);
	free(l->due);
	free(l);
}

/* Frees what was marked dead; never while callbacks may hold pointers. */
static void
loop_sweep(struct loop *l)
{
	struct loop_fd		**fp, *f;
	struct loop_timer	**tp, *t;
	struct loop_sigwatch	**wp, *w;

	if (l->running || !l->dirty)
		return;
	for (fp = &l->fds; (f = *fp) != NULL;) {
		if (f->dead) {
			*fp = f->next;
			free(f);
		} else
			fp = &f->next;
	}
	for (tp = &l->timers; (t = *tp) != NULL;) {
		if (t->dead) {
			*tp = t->next;
			free(t);
		} else
			tp = &t->next;
	}
	for (wp = &l->sigs; (w = *wp) != NULL;) {
		if (w->dead) {
			*wp = w->next;
			free(w);
		} else
			wp = &w->next;
	}
	l->dirty = 0;
}

/* Watches fd for events. */
struct loop_fd *
loop_add_fd(struct loop *l, int fd, short events, loop_fd_cb cb, void *arg)
{
	struct loop_fd	*f = xcalloc(1, sizeof *f);

	f->fd = fd;
	f->events = events;
	f->cb = cb;
	f->arg = arg;
	f->next = l->fds;
	l->fds = f;
	return f;
}

/* Changes the events watched for; 0 pauses the fd. */
void
loop_fd_set_events(struct loop_fd *f, short events)
{
	f->events = events;
}

/* Stops watching an fd. */
void
loop_remove_fd(struct loop *l, struct loop_fd *f)
{
	if (f == NULL || f->dead)
		return;
	f->dead = 1;
	l->dirty = 1;
	loop_sweep(l);
}

/* Adds a one-shot timer; equal deadlines fire in the order they were added. */
struct loop_timer *
loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_cb cb, void *arg)
{
	struct loop_timer	*t = xcalloc(1, sizeof *t), **tp;

	if (delay_ms < 0)
		delay_ms = 0;
	t->when = clock_mono_ms() + delay_ms;
	t->cb = cb;
	t->arg = arg;
	for (tp = &l->timers; *tp != NULL; tp = &(*tp)->next) {
		if ((*tp)->when > t->when)
			break;
	}
	t->next = *tp;
	*tp = t;
	return t;
}

/* Cancels a pending timer. */
void
loop_cancel_timer(struct loop *l, struct loop_timer *t)
{
	if (t == NULL || t->dead)
		return;
	t->dead = 1;
	l->dirty = 1;
	loop_sweep(l);
}

static int
loop_sig_open(struct loop *l)
{
	if (pipe2(sig_pipe, O_NONBLOCK|O_CLOEXEC) != 0)
		return -1;
	sig_owner = l;
	return 0;
}

static int
loop_sig_install(int signo)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = loop_sig_handler;
	sigfillset(&sa.sa_mask);
	/*
	 * poll() returns EINTR whatever SA_RESTART says; restarting spares the
	 * rest of the program (journal writes, libpq) from EINTR handling.
	 */
	sa.sa_flags = SA_RESTART;
	if (signo == SIGCHLD)
		sa.sa_flags |= SA_NOCLDSTOP;
	if (sigaction(signo, &sa, &sig_saved[signo]) != 0)
		return -1;
	sig_installed[signo] = 1;
	return 0;
}

/* Calls cb whenever signo arrives. */
int
loop_watch_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	struct loop_sigwatch	*w;

	if (signo <= 0 || signo >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	if (sig_owner != NULL && sig_owner != l) {
		errno = EBUSY;
		return -1;
	}
	if (sig_owner == NULL && loop_sig_open(l) != 0)
		return -1;
	if (!sig_installed[signo] && loop_sig_install(signo) != 0)
		return -1;
	w = xcalloc(1, sizeof *w);
	w->signo = signo;
	w->cb = cb;
	w->arg = arg;
	w->next = l->sigs;
	l->sigs = w;
	return 0;
}

static int
loop_sig_watched(struct loop *l, int signo)
{
	struct loop_sigwatch	*w;

	for (w = l->sigs; w != NULL; w = w->next) {
		if (!w->dead && w->signo == signo)
			return 1;
	}
	return 0;
}

/* Removes one signal callback. */
void
loop_unwatch_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	struct loop_sigwatch	*w;

	for (w = l->sigs; w != NULL; w = w->next) {
		if (!w->dead && w->signo == signo && w->cb == cb &&
		    w->arg == arg)
			break;
	}
	if (w == NULL)
		return;
	w->dead = 1;
	l->dirty = 1;
	if (sig_owner == l && !loop_sig_watched(l, signo))
		loop_sig_restore(signo);
	loop_sweep(l);
}

static void *
loop_grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = need < 16 ? 16 : need * 2;
	return xreallocarray(p, *cap, size);
}

/* Fills pfds/pmap with the live fds plus the signal pipe; returns the count. */
static size_t
loop_prepare(struct loop *l)
{
	struct loop_fd	*f;
	size_t		 n = 1;

	for (f = l->fds; f != NULL; f = f->next)
		n++;
	if (n > l->pcap) {
		l->pcap = n * 2;
		l->pfds = xreallocarray(l->pfds, l->pcap, sizeof *l->pfds);
		l->pmap = xreallocarray(l->pmap, l->pcap, sizeof *l->pmap);
	}
	n = 0;
	l->sig_index = SIZE_MAX;
	for (f = l->fds; f != NULL; f = f->next) {
		if (f->dead)
			continue;
		/* A paused fd would still report POLLHUP and spin. */
		l->pfds[n].fd = f->events != 0 ? f->fd : -1;
		l->pfds[n].events = f->events;
		l->pfds[n].revents = 0;
		l->pmap[n++] = f;
	}
	if (sig_owner == l) {
		l->pfds[n].fd = sig_pipe[0];
		l->pfds[n].events = POLLIN;
		l->pfds[n].revents = 0;
		l->sig_index = n;
		l->pmap[n++] = NULL;
	}
	return n;
}

/* The poll timeout: the caller's bound or the next timer, if sooner. */
static int
loop_timeout(struct loop *l, int max_wait_ms)
{
	struct loop_timer	*t;
	int64_t			 wait;

	for (t = l->timers; t != NULL && t->dead; t = t->next)
		/* nothing */;
	if (t == NULL)
		return max_wait_ms < 0 ? -1 : max_wait_ms;
	wait = t->when - clock_mono_ms();
	if (wait < 0)
		wait = 0;
	if (max_wait_ms >= 0 && wait > max_wait_ms)
		wait = max_wait_ms;
	return wait > INT_MAX ? INT_MAX : (int)wait;
}

static int
loop_run_timers(struct loop *l)
{
	struct loop_timer	*t;
	int64_t			 now = clock_mono_ms();
	size_t			 n = 0, i;
	int			 ran = 0;

	/* Snapshot first: timers added by callbacks wait for the next turn. */
	for (t = l->timers; t != NULL && t->when <= now; t = t->next) {
		if (t->dead)
			continue;
		l->due = loop_grow(l->due, &l->duecap, n + 1, sizeof *l->due);
		l->due[n++] = t;
	}
	for (i = 0; i < n; i++) {
		t = l->due[i];
		if (t->dead)
			continue;
		t->dead = 1;
		l->dirty = 1;
		t->cb(t->arg);
		ran++;
	}
	return ran;
}

static int
loop_run_signals(struct loop *l, int interrupted)
{
	struct loop_sigwatch	*w;
	char			 buf[256];
	int			 ran = 0;

	if (sig_owner != l)
		return 0;
	if (interrupted || (l->sig_index != SIZE_MAX &&
	    l->pfds[l->sig_index].revents != 0)) {
		while (read(sig_pipe[0], buf, sizeof buf) > 0)
			/* drain */;
	}
	for (int signo = 1; signo < NSIG; signo++) {
		if (!sig_pending[signo])
			continue;
		sig_pending[signo] = 0;
		for (w = l->sigs; w != NULL; w = w->next) {
			if (w->dead || w->signo != signo)
				continue;
			w->cb(signo, w->arg);
			ran++;
		}
	}
	return ran;
}

static int
loop_run_fds(struct loop *l, size_t n)
{
	struct loop_fd	*f;
	int		 ran = 0;

	for (size_t i = 0; i < n; i++) {
		f = l->pmap[i];
		if (f == NULL || f->dead || l->pfds[i].revents == 0)
			continue;
		f->cb(f->fd, l->pfds[i].revents, f->arg);
		ran++;
	}
	return ran;
}

/* Waits for and dispatches one turn of events. */
int
loop_run_once(struct loop *l, int max_wait_ms)
{
	size_t	n;
	int	ready, ran;

	if (l->running)
		fatalx("loop_run_once is not reentrant");
	n = loop_prepare(l);
	ready = poll(l->pfds, n, loop_timeout(l, max_wait_ms));
	if (ready == -1 && errno != EINTR)
		return -1;
	if (ready == -1) {
		/* Interrupted: no revents to trust, but timers and signals. */
		for (size_t i = 0; i < n; i++)
			l->pfds[i].revents = 0;
	}
	l->running = 1;
	ran = loop_run_timers(l);
	ran += loop_run_signals(l, ready == -1);
	ran += loop_run_fds(l, n);
	l->running = 0;
	loop_sweep(l);
	return ran;
}
