/* test_loop.c: the event loop with real pipes, real signals and real time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

/* Runs turns until *flag is set or deadline_ms passes; returns *flag. */
static int
run_until(struct loop *l, const int *flag, int64_t deadline_ms)
{
	int64_t	end = clock_mono_ms() + deadline_ms;

	while (!*flag && clock_mono_ms() < end)
		assert_true(loop_run_once(l, 50) >= 0);
	return *flag;
}

static void
flag_cb(void *arg)
{
	*(int *)arg = 1;
}

struct order {
	int	seen[8];
	int	n;
};

struct order_arg {
	struct order	*order;
	int		 id;
};

static void
order_cb(void *arg)
{
	struct order_arg	*a = arg;

	a->order->seen[a->order->n++] = a->id;
}

static void
test_timers_in_order(void **state)
{
	struct loop		*l = loop_new();
	struct order		 o = { .n = 0 };
	struct order_arg	 a[4] = { { &o, 30 }, { &o, 10 }, { &o, 20 },
				    { &o, 11 } };
	int			 done = 0;

	(void)state;
	loop_add_timer(l, 30, order_cb, &a[0]);
	loop_add_timer(l, 10, order_cb, &a[1]);
	loop_add_timer(l, 20, order_cb, &a[2]);
	loop_add_timer(l, 10, order_cb, &a[3]);	/* same delay: after 10 */
	while (o.n < 4 && !done)
		done = loop_run_once(l, 2000) < 0;
	assert_int_equal(o.n, 4);
	assert_int_equal(o.seen[0], 10);
	assert_int_equal(o.seen[1], 11);
	assert_int_equal(o.seen[2], 20);
	assert_int_equal(o.seen[3], 30);
	loop_free(l);
}

struct cancel_ctx {
	struct loop		*l;
	struct loop_timer	*victim;
	struct loop_timer	*self;
	int			 fired_first;
	int			 fired_victim;
	int			 fired_self;
};

static void
cancel_victim_cb(void *arg)
{
	struct cancel_ctx	*c = arg;

	c->fired_first++;
	loop_cancel_timer(c->l, c->victim);
}

static void
victim_cb(void *arg)
{
	((struct cancel_ctx *)arg)->fired_victim++;
}

static void
cancel_self_cb(void *arg)
{
	struct cancel_ctx	*c = arg;

	c->fired_self++;
	loop_cancel_timer(c->l, c->self);	/* its own: must be harmless */
}

static void
test_timer_cancel_from_callbacks(void **state)
{
	struct loop		*l = loop_new();
	struct cancel_ctx	 c = { .l = l };
	int			 late = 0;
	struct order		 o = { .n = 0 };
	struct order_arg	 a = { &o, 1 };
	struct loop_timer	*t;

	(void)state;
	/* Both due in the same turn: the first cancels the second. */
	loop_add_timer(l, 5, cancel_victim_cb, &c);
	c.victim = loop_add_timer(l, 5, victim_cb, &c);
	c.self = loop_add_timer(l, 5, cancel_self_cb, &c);
	t = loop_add_timer(l, 60, order_cb, &a);
	loop_cancel_timer(l, t);	/* cancelled outside any callback */
	loop_add_timer(l, 80, flag_cb, &late);
	assert_true(run_until(l, &late, 2000));
	assert_int_equal(c.fired_first, 1);
	assert_int_equal(c.fired_victim, 0);
	assert_int_equal(c.fired_self, 1);
	assert_int_equal(o.n, 0);
	loop_free(l);
}

struct pipe_ctx {
	struct loop	*l;
	struct loop_fd	*self;
	struct loop_fd	*other;
	int		 calls;
	short		 revents;
	char		 buf[16];
	ssize_t		 got;
};

static void
pipe_read_cb(int fd, short revents, void *arg)
{
	struct pipe_ctx	*p = arg;

	p->calls++;
	p->revents = revents;
	p->got = read(fd, p->buf, sizeof p->buf);
}

static void
test_fd_readiness(void **state)
{
	struct loop	*l = loop_new();
	struct pipe_ctx	 p = { .l = l };
	int		 fds[2];

	(void)state;
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	p.self = loop_add_fd(l, fds[0], POLLIN, pipe_read_cb, &p);
	/* Nothing written: the turn times out with no callback. */
	assert_int_equal(loop_run_once(l, 20), 0);
	assert_int_equal(p.calls, 0);
	assert_int_equal(write(fds[1], "hello", 5), 5);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(p.calls, 1);
	assert_true(p.revents & POLLIN);
	assert_int_equal(p.got, 5);
	assert_memory_equal(p.buf, "hello", 5);
	/* Paused: data waits, no callback. */
	assert_int_equal(write(fds[1], "x", 1), 1);
	loop_fd_set_events(p.self, 0);
	assert_int_equal(loop_run_once(l, 20), 0);
	loop_fd_set_events(p.self, POLLIN);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(p.got, 1);
	/* Writer closed: POLLHUP and a read of 0. */
	close(fds[1]);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_true(p.revents & POLLHUP);
	assert_int_equal(p.got, 0);
	loop_remove_fd(l, p.self);
	assert_int_equal(loop_run_once(l, 10), 0);
	close(fds[0]);
	loop_free(l);
}

static void
write_ready_cb(int fd, short revents, void *arg)
{
	struct pipe_ctx	*p = arg;

	(void)fd;
	p->calls++;
	p->revents = revents;
}

static void
test_fd_pollout(void **state)
{
	struct loop	*l = loop_new();
	struct pipe_ctx	 p = { .l = l };
	int		 fds[2];

	(void)state;
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	p.self = loop_add_fd(l, fds[1], POLLOUT, write_ready_cb, &p);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_true(p.revents & POLLOUT);
	loop_remove_fd(l, p.self);
	close(fds[0]);
	close(fds[1]);
	loop_free(l);
}

static void
remove_both_cb(int fd, short revents, void *arg)
{
	struct pipe_ctx	*p = arg;
	char		 c;

	(void)revents;
	p->calls++;
	if (read(fd, &c, 1) != 1)
		fail();
	loop_remove_fd(p->l, p->other);
	loop_remove_fd(p->l, p->self);
	loop_remove_fd(p->l, p->self);	/* twice: still harmless */
}

static void
test_remove_inside_callback(void **state)
{
	struct loop	*l = loop_new();
	struct pipe_ctx	 a = { .l = l }, b = { .l = l };
	int		 pa[2], pb[2];

	(void)state;
	assert_int_equal(pipe2(pa, O_NONBLOCK), 0);
	assert_int_equal(pipe2(pb, O_NONBLOCK), 0);
	a.self = loop_add_fd(l, pa[0], POLLIN, remove_both_cb, &a);
	b.self = loop_add_fd(l, pb[0], POLLIN, remove_both_cb, &b);
	a.other = b.self;
	b.other = a.self;
	assert_int_equal(write(pa[1], "a", 1), 1);
	assert_int_equal(write(pb[1], "b", 1), 1);
	/* Both ready in one turn; whichever runs first removes the other. */
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(a.calls + b.calls, 1);
	/* Data is still there, but nothing is watched any more. */
	assert_int_equal(loop_run_once(l, 20), 0);
	assert_int_equal(a.calls + b.calls, 1);
	for (int i = 0; i < 2; i++) {
		close(pa[i]);
		close(pb[i]);
	}
	loop_free(l);
}

struct sig_ctx {
	int	calls;
	int	signo;
};

static void
sig_cb(int signo, void *arg)
{
	struct sig_ctx	*s = arg;

	s->calls++;
	s->signo = signo;
}

static void
test_signal_delivery(void **state)
{
	struct loop		*l = loop_new(), *other = loop_new();
	struct sig_ctx		 a = { 0, 0 }, b = { 0, 0 };
	struct sigaction	 sa;

	(void)state;
	assert_int_equal(loop_watch_signal(l, SIGUSR1, sig_cb, &a), 0);
	assert_int_equal(loop_watch_signal(l, SIGUSR1, sig_cb, &b), 0);
	assert_int_equal(loop_watch_signal(other, SIGUSR2, sig_cb, &a), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(loop_run_once(l, 1000), 2);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(a.signo, SIGUSR1);
	/* Several arrivals before a turn coalesce into one callback each. */
	raise(SIGUSR1);
	raise(SIGUSR1);
	assert_int_equal(loop_run_once(l, 1000), 2);
	loop_unwatch_signal(l, SIGUSR1, sig_cb, &a);
	raise(SIGUSR1);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(a.calls, 2);
	assert_int_equal(b.calls, 3);
	loop_free(l);
	/* Disposition is back to default once the owning loop is gone. */
	assert_int_equal(sigaction(SIGUSR1, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
	/* And another loop may now take signals. */
	assert_int_equal(loop_watch_signal(other, SIGUSR2, sig_cb, &a), 0);
	raise(SIGUSR2);
	assert_int_equal(loop_run_once(other, 1000), 1);
	assert_int_equal(a.signo, SIGUSR2);
	loop_free(other);
}

static void
unwatch_cb(int signo, void *arg)
{
	struct sig_ctx	*s = arg;

	s->calls++;
	s->signo = signo;
}

struct unwatch_ctx {
	struct loop	*l;
	struct sig_ctx	 other;
	int		 calls;
};

static void
unwatch_other_cb(int signo, void *arg)
{
	struct unwatch_ctx	*u = arg;

	u->calls++;
	loop_unwatch_signal(u->l, signo, unwatch_cb, &u->other);
	loop_unwatch_signal(u->l, signo, unwatch_other_cb, u);
}

static void
test_signal_unwatch_in_callback(void **state)
{
	struct loop		*l = loop_new();
	struct unwatch_ctx	 u = { .l = l };
	struct sigaction	 sa;

	(void)state;
	assert_int_equal(loop_watch_signal(l, SIGUSR1, unwatch_cb, &u.other),
	    0);
	assert_int_equal(loop_watch_signal(l, SIGUSR1, unwatch_other_cb, &u),
	    0);
	raise(SIGUSR1);
	assert_true(loop_run_once(l, 1000) >= 1);
	assert_int_equal(u.calls, 1);
	/* Last watcher gone: the old disposition is back already. */
	assert_int_equal(sigaction(SIGUSR1, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
	loop_free(l);
}

static void
test_idle_waits_for_timer(void **state)
{
	struct loop	*l = loop_new();
	int		 fired = 0;
	int64_t		 start, took;
	clock_t		 cpu;

	(void)state;
	loop_add_timer(l, 200, flag_cb, &fired);
	start = clock_mono_ms();
	cpu = clock();
	assert_int_equal(loop_run_once(l, -1), 1);
	took = clock_mono_ms() - start;
	assert_int_equal(fired, 1);
	assert_true(took >= 190);
	assert_true(took < 1000);
	/* Idle means asleep: far less CPU than wall time. */
	assert_true((clock() - cpu) * 1000 / CLOCKS_PER_SEC < 50);
	/* With no timer, max_wait bounds the turn. */
	start = clock_mono_ms();
	assert_int_equal(loop_run_once(l, 50), 0);
	took = clock_mono_ms() - start;
	assert_true(took >= 50 && took < 1000);
	loop_free(l);
}

struct flood_ctx {
	int	reads;
};

static void
flood_cb(int fd, short revents, void *arg)
{
	struct flood_ctx	*f = arg;
	char			 buf[4096];

	(void)revents;
	if (read(fd, buf, sizeof buf) > 0)
		f->reads++;
}

static void
test_flooding_fd_does_not_starve(void **state)
{
	struct loop		*l = loop_new();
	struct flood_ctx	 f1 = { 0 }, f2 = { 0 };
	int			 z1, z2, fired = 0;

	(void)state;
	/* /dev/zero is always readable: two endless floods and a timer. */
	z1 = open("/dev/zero", O_RDONLY|O_NONBLOCK);
	z2 = open("/dev/zero", O_RDONLY|O_NONBLOCK);
	assert_true(z1 >= 0 && z2 >= 0);
	loop_add_fd(l, z1, POLLIN, flood_cb, &f1);
	loop_add_fd(l, z2, POLLIN, flood_cb, &f2);
	loop_add_timer(l, 30, flag_cb, &fired);
	assert_true(run_until(l, &fired, 2000));
	assert_true(f1.reads > 0);
	/* Every ready fd runs every turn. */
	assert_true(f1.reads - f2.reads <= 1 && f2.reads - f1.reads <= 1);
	loop_free(l);
	close(z1);
	close(z2);
}

struct add_ctx {
	struct loop	*l;
	int		 fired;
	int		 inner;
};

static void
inner_cb(void *arg)
{
	((struct add_ctx *)arg)->inner++;
}

static void
adder_cb(void *arg)
{
	struct add_ctx	*a = arg;

	a->fired++;
	loop_add_timer(a->l, 0, inner_cb, a);
}

static void
test_timer_added_in_callback_runs_next_turn(void **state)
{
	struct loop	*l = loop_new();
	struct add_ctx	 a = { .l = l };

	(void)state;
	loop_add_timer(l, 0, adder_cb, &a);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(a.fired, 1);
	assert_int_equal(a.inner, 0);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(a.inner, 1);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_in_order),
		cmocka_unit_test(test_timer_cancel_from_callbacks),
		cmocka_unit_test(test_fd_readiness),
		cmocka_unit_test(test_fd_pollout),
		cmocka_unit_test(test_remove_inside_callback),
		cmocka_unit_test(test_signal_delivery),
		cmocka_unit_test(test_signal_unwatch_in_callback),
		cmocka_unit_test(test_idle_waits_for_timer),
		cmocka_unit_test(test_flooding_fd_does_not_starve),
		cmocka_unit_test(test_timer_added_in_callback_runs_next_turn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
