/* test_sqlstep.c: sql steps against a real PostgreSQL primary and a real
 * streaming replica on 127.0.0.1 (started by tests/e2e/pg_lib.sh, as the
 * postgres user when we are root), through a real loop. A watchdog child
 * stops the servers however this process ends, crash included. Skips (77)
 * when the PostgreSQL server binaries are not installed. */
#include "cmocka_all.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>

#include <jansson.h>

#include "action.h"
#include "clock.h"
#include "loop.h"
#include "pgtest.h"
#include "sqlstep.h"
#include "strbuf.h"
#include "xmalloc.h"

static char		 password[40];
static char		 conn_p[128], conn_r[128];
static int		 port_p, port_r, port_closed;

/* --- servers ------------------------------------------------------------ */

static int
group_setup(void **state)
{
	(void)state;
	if (pgtest_begin(password) != 0)
		return -1;
	if (pg_sh("pg_base_init \"$PG_BASE\" && pg_start_primary p && "
	    "pg_psql p \"CREATE ROLE drc LOGIN SUPERUSER PASSWORD '%s'\" && "
	    "pg_start_replica r p && pg_free_port > \"$PG_BASE/closed.port\"",
	    password) != 0)
		return -1;
	port_p = read_port("p");
	port_r = read_port("r");
	port_closed = read_port("closed");
	snprintf(conn_p, sizeof conn_p, "host=127.0.0.1 port=%d dbname=postgres "
	    "user=drc", port_p);
	snprintf(conn_r, sizeof conn_r, "host=127.0.0.1 port=%d dbname=postgres "
	    "user=drc", port_r);
	return port_p > 0 && port_r > 0 && port_closed > 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	watchdog_stop();
	return 0;
}

/* --- running steps ------------------------------------------------------ */

static struct sqlstep_request
request(enum sqlstep_kind kind, const char *conn, const char *query,
    const char *expect)
{
	struct sqlstep_request	q = { kind, conn, query, expect, 8000, 0,
				    password, NULL, 0, NULL };

	return q;
}

static void
run_request(struct run *r, const struct sqlstep_request *req)
{
	run_start(r, req);
	run_wait(r, 10000);
}

/* --- no server needed --------------------------------------------------- */

static void
test_describe(void **state)
{
	struct sqlstep_request	q = { 0 };
	char			*d;

	(void)state;
	q.kind = SQLSTEP_QUERY;
	q.query = "SELECT  count(*)\n\t FROM orders";
	q.conninfo = "host=db1 port=5433 dbname=app user=ops password=hunter2xyz";
	d = sqlstep_describe(&q);
	assert_string_equal(d, "SELECT count(*) FROM orders on host=db1 "
	    "port=5433 dbname=app user=ops password=****");
	free(d);

	q.conninfo = "postgresql://ops:s3cr3tpw@db1:5433/app?sslmode=require";
	d = sqlstep_describe(&q);
	assert_lacks(d, "s3cr3tpw");
	assert_contains(d, "host=db1 port=5433 dbname=app user=ops");
	assert_contains(d, "password=****");
	assert_contains(d, "sslmode=require");
	free(d);

	/* A secret param's value is masked even inside the query. */
	q.conninfo = "app";
	q.query = "ALTER ROLE x PASSWORD 'TopSecret77'";
	q.password = "TopSecret77";
	d = sqlstep_describe(&q);
	assert_string_equal(d, "ALTER ROLE x PASSWORD '****' on dbname=app");
	free(d);

	q.query = "SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'";
	d = sqlstep_describe(&q);
	assert_contains(d, "…");
	assert_true(strlen(d) < 100);
	free(d);

	q.kind = SQLSTEP_CHECK_LAG;
	q.rpo_ms = 15 * 60 * 1000;
	q.conninfo = NULL;
	d = sqlstep_describe(&q);
	assert_string_equal(d, "replication lag check (RPO 15m) on "
	    "(libpq defaults)");
	free(d);
}

static void
never_done(void *arg, int ok, const char *reason, json_t *ev)
{
	(void)arg;
	(void)ok;
	(void)ev;
	fail_msg("done called for a request that was refused: %s", reason);
}

/* Starts q, which must be refused; returns the cause. */
static char *
refused(const struct sqlstep_request *q)
{
	struct action_io	 io = { loop, NULL, never_done, NULL };
	char			*cause = NULL;

	assert_null(sqlstep_start(q, &io, &cause));
	assert_non_null(cause);
	return cause;
}

static void
test_start_refuses_bad_requests(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p, "SELECT 1",
				    "between 1 and 2");
	char			*cause;

	(void)state;
	assert_contains(cause = refused(&q), "expect");
	free(cause);
	q.expect = NULL;
	q.query = "";
	assert_contains(cause = refused(&q), "needs a query");
	free(cause);
	q = request(SQLSTEP_CHECK_LAG, conn_p, NULL, "> 0");
	assert_contains(cause = refused(&q), "expect does not apply");
	free(cause);
	/* libpq's message quotes the words it tripped on: never a password. */
	q = request(SQLSTEP_QUERY, "host=db1 password=abcd wxyz", "SELECT 1",
	    NULL);
	cause = refused(&q);
	assert_contains(cause, "connection string is not valid");
	assert_lacks(cause, "wxyz");
	assert_lacks(cause, "abcd");
	free(cause);
}

/* --- queries ------------------------------------------------------------ */

static void
test_rows_and_expect_met(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
				    "SELECT g AS n, repeat('x', g) AS xs "
				    "FROM generate_series(1, 3) AS g",
				    "rows >= 3");
	struct run		r;
	json_t			*cols;

	(void)state;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_contains(strbuf_str(&r.out), " n | xs\n");
	assert_contains(strbuf_str(&r.out), "---+-----\n");
	assert_contains(strbuf_str(&r.out), " 3 | xxx\n");
	assert_contains(strbuf_str(&r.out), "(3 rows)\n");
	assert_contains(r.reason, "expect rows >= 3: met");
	assert_int_equal(ev_int(&r, "rows"), 3);
	cols = json_object_get(r.ev, "columns");
	assert_int_equal(json_array_size(cols), 2);
	assert_string_equal(json_string_value(json_array_get(cols, 1)), "xs");
	assert_string_equal(ev_str(&r, "first_cell"), "1");
	assert_string_equal(ev_str(&r, "verdict"), "met");
	assert_string_equal(ev_str(&r, "expect"), "rows >= 3");
	assert_int_equal(ev_int(&r, "value"), 3);
	assert_string_equal(ev_path_str(&r, "server", "host"), "127.0.0.1");
	assert_int_equal(atoi(ev_path_str(&r, "server", "port")), port_p);
	assert_string_equal(ev_path_str(&r, "server", "dbname"), "postgres");
	assert_true(ev_int(&r, "duration_ms") >= 0);
	assert_null(json_object_get(r.ev, "error"));
	assert_no_secret(&r, password);
	run_free(&r);
}

static void
test_expect_not_met(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
				    "SELECT count(*) FROM pg_class WHERE false",
				    "> 0");
	struct run		r;

	(void)state;
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.reason, "expect > 0: not met (value '0')");
	assert_string_equal(ev_str(&r, "verdict"), "not met");
	assert_string_equal(ev_str(&r, "value"), "0");
	assert_contains(strbuf_str(&r.out), "(1 row)\n");
	run_free(&r);
}

static void
test_bad_password(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p, "SELECT 1",
				    NULL);
	struct run		r;
	char			wrong[64];

	(void)state;
	snprintf(wrong, sizeof wrong, "Wrong%s", password + 3);
	q.password = wrong;
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_contains(r.reason, "FATAL: password authentication failed");
	assert_contains(r.reason, "(SQLSTATE 28P01)");
	assert_string_equal(ev_path_str(&r, "error", "severity"), "FATAL");
	assert_string_equal(ev_path_str(&r, "error", "sqlstate"), "28P01");
	assert_string_equal(ev_str(&r, "phase"), "connect");
	assert_contains(strbuf_str(&r.err), "password authentication failed");
	assert_no_secret(&r, wrong);
	assert_no_secret(&r, password);
	run_free(&r);
}

/* A password inside a URI works, and is scrubbed from what the server
 * echoes back (here: the query text itself). */
static void
test_password_in_uri(void **state)
{
	struct sqlstep_request	q;
	struct run		r;
	char			uri[256], sql[256];

	(void)state;
	snprintf(uri, sizeof uri, "postgresql://drc:%s@127.0.0.1:%d/postgres",
	    password, port_p);
	snprintf(sql, sizeof sql, "SELECT '%s' AS echo, current_user", password);
	q = request(SQLSTEP_QUERY, uri, sql, NULL);
	q.password = NULL;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_contains(strbuf_str(&r.out), " **** ");
	assert_contains(strbuf_str(&r.out), "drc");
	assert_no_secret(&r, password);
	run_free(&r);
}

static void
test_passfile(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
				    "SELECT current_user", "= drc");
	struct run		r;
	char			path[PATH_MAX];
	FILE			*f;

	(void)state;
	snprintf(path, sizeof path, "%s/test.pgpass", pg_base);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "127.0.0.1:%d:*:drc:%s\n", port_p, password);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	setenv("PGPASSFILE", path, 1);
	q.password = NULL;
	run_request(&r, &q);
	unsetenv("PGPASSFILE");
	assert_int_equal(r.ok, 1);
	assert_string_equal(ev_str(&r, "verdict"), "met");
	run_free(&r);
}

struct ticker {
	int			 n;
	struct loop_timer	*timer;
};

static void
tick(void *arg)
{
	struct ticker	*t = arg;

	t->n++;
	t->timer = loop_add_timer(loop, 20, tick, t);
}

/* Connecting and a half-second query leave the loop free all along. */
static void
test_loop_not_blocked(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
				    "SELECT pg_sleep(0.5)", NULL);
	struct run		r;
	struct ticker		t = { 0, NULL };

	(void)state;
	t.timer = loop_add_timer(loop, 20, tick, &t);
	run_request(&r, &q);
	loop_cancel_timer(loop, t.timer);
	assert_int_equal(r.ok, 1);
	assert_true(r.ms >= 500);
	/* 20 ms ticks, about 25 of them: a blocked loop would see one or two. */
	if (t.n < 10)
		fail_msg("only %d ticks in %lld ms", t.n, (long long)r.ms);
	run_free(&r);
}

static void
cancel_now(void *arg)
{
	struct run	*r = arg;

	sqlstep_cancel(r->s);
}

static void
test_cancel(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
				    "SELECT pg_sleep(30) /* drc-cancel */", NULL);
	struct run		r;

	(void)state;
	run_start(&r, &q);
	loop_add_timer(loop, 300, cancel_now, &r);
	run_wait(&r, 5000);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.reason, "cancelled");
	assert_true(r.ms < 2000);
	assert_true(json_is_true(json_object_get(r.ev, "cancelled")));
	assert_query_gone("SELECT pg_sleep(30) /* drc-cancel */");
	run_free(&r);
}

static void
test_timeout(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
				    "SELECT pg_sleep(30) /* drc-timeout */", NULL);
	struct run		r;

	(void)state;
	q.timeout_ms = 400;
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.reason, "timed out after 400ms");
	assert_true(r.ms >= 390 && r.ms < 2000);
	assert_true(json_is_true(json_object_get(r.ev, "timed_out")));
	assert_query_gone("SELECT pg_sleep(30) /* drc-timeout */");
	run_free(&r);
}

/* A listener that never accepts: TCP connects, the server never answers. */
static int
silent_listener(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
test_connect_timeout_and_cancel(void **state)
{
	struct sqlstep_request	q;
	struct run		r;
	char			conn[128];
	int			fd, port;

	(void)state;
	fd = silent_listener(&port);
	snprintf(conn, sizeof conn, "host=127.0.0.1 port=%d dbname=x user=y",
	    port);
	q = request(SQLSTEP_QUERY, conn, "SELECT 1", NULL);
	q.timeout_ms = 300;
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.reason, "timed out after 300ms while connecting");
	assert_true(r.ms < 2000);
	run_free(&r);

	q.timeout_ms = 0;
	run_start(&r, &q);
	loop_add_timer(loop, 100, cancel_now, &r);
	run_wait(&r, 3000);
	assert_string_equal(r.reason, "cancelled");
	run_free(&r);
	close(fd);
}

/* A proxy to the primary that takes one connection and then no more: the
 * server of a cancel request that connects (the backlog takes it) and
 * never answers, as a host gone dark does. A child process, so it runs
 * while the loop waits. */
static pid_t
one_shot_proxy(int to_port, int *port)
{
	int	lfd = silent_listener(port), a, b, n;
	pid_t	pid = fork();

	assert_true(pid >= 0);
	if (pid > 0) {
		close(lfd);
		return pid;
	}
	if ((a = accept(lfd, NULL, NULL)) >= 0) {
		struct sockaddr_in	sin = { .sin_family = AF_INET,
					    .sin_port = htons((uint16_t)to_port),
					    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		struct pollfd		pf[2] = { { a, POLLIN, 0 }, { -1, POLLIN, 0 } };
		char			buf[8192];

		b = socket(AF_INET, SOCK_STREAM, 0);
		if (b < 0 || connect(b, (struct sockaddr *)&sin, sizeof sin) != 0)
			_exit(1);
		pf[1].fd = b;
		/* Relays until either side closes; lfd stays open, unaccepted. */
		while (poll(pf, 2, -1) > 0) {
			int	from = pf[0].revents ? 0 : 1;

			if ((n = (int)read(pf[from].fd, buf, sizeof buf)) <= 0 ||
			    write(pf[1 - from].fd, buf, (size_t)n) != n)
				break;
		}
	}
	_exit(0);
}

static void
count_tick(void *arg)
{
	int	*ticks = arg;

	(*ticks)++;
	loop_add_timer(loop, 200, count_tick, ticks);
}

/* A cancel whose server never answers: the loop goes on (timers fire while
 * it waits), and the step ends after the wait, saying the query may still
 * be running on the server. */
static void
test_cancel_unanswered(void **state)
{
	struct sqlstep_request	q;
	struct run		r;
	char			conn[128];
	int			port, ticks = 0;
	pid_t			proxy;

	(void)state;
	proxy = one_shot_proxy(port_p, &port);
	snprintf(conn, sizeof conn, "host=127.0.0.1 port=%d dbname=postgres user=drc", port);
	q = request(SQLSTEP_QUERY, conn, "SELECT pg_sleep(9) /* drc-unanswered */", NULL);
	q.timeout_ms = 0;
	run_start(&r, &q);
	loop_add_timer(loop, 500, cancel_now, &r);
	loop_add_timer(loop, 200, count_tick, &ticks);
	run_wait(&r, 10000);
	assert_string_equal(r.reason, "cancelled");
	assert_true(r.ms >= 5000 && r.ms < 8000);
	/* The loop was never blocked: the 200 ms timer kept firing. */
	assert_true(ticks >= 20);
	assert_non_null(strstr(strbuf_str(&r.err), "could not ask the server to cancel the query "
	    "(the server did not answer in time): it may still be running there"));
	assert_true(json_is_false(json_object_get(r.ev, "cancel_sent")));
	run_free(&r);
	kill(proxy, SIGKILL);
	waitpid(proxy, NULL, 0);
}

/* The same through a server that answers: the step says the request went. */
static void
test_cancel_answered(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
				    "SELECT pg_sleep(30) /* drc-answered */", NULL);
	struct run		r;

	(void)state;
	run_start(&r, &q);
	loop_add_timer(loop, 300, cancel_now, &r);
	run_wait(&r, 5000);
	assert_non_null(strstr(strbuf_str(&r.out), "asked the server to cancel the query"));
	assert_true(json_is_true(json_object_get(r.ev, "cancel_sent")));
	assert_query_gone("SELECT pg_sleep(30) /* drc-answered */");
	run_free(&r);
}

/* A getent that takes its time, first in PATH: "slow.test" is the primary
 * after 1.5 s, any other name is not found. */
static char *
fake_getent(void)
{
	char	dir[] = "/tmp/drc-getent-XXXXXX", *path, *old = getenv("PATH");
	FILE	*fp;

	assert_non_null(mkdtemp(dir));
	path = xprintf("%s/getent", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\nsleep 1.5\n[ \"$2\" = slow.test ] || exit 2\n"
	    "printf '127.0.0.1 STREAM slow.test\\n127.0.0.1 DGRAM\\n'\n");
	fclose(fp);
	assert_int_equal(chmod(path, 0755), 0);
	free(path);
	path = xprintf("%s:%s", dir, old != NULL ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	free(path);
	return xstrdup(dir);
}

static void
real_getent(char *dir)
{
	char	*path = getenv("PATH"), *rest = strchr(path, ':'), *cmd;

	setenv("PATH", rest + 1, 1);
	cmd = xprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* A host name is looked up by getent, through the loop: timers fire while
 * the resolver takes its time, and libpq gets the address (and the name). */
static void
test_host_name_looked_up(void **state)
{
	struct sqlstep_request	q;
	struct run		r;
	char			conn[128], *dir = fake_getent();
	int			ticks = 0;

	(void)state;
	snprintf(conn, sizeof conn, "host=slow.test port=%d dbname=postgres user=drc", port_p);
	q = request(SQLSTEP_QUERY, conn, "SELECT 42", "= 42");
	loop_add_timer(loop, 200, count_tick, &ticks);
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_true(r.ms >= 1500);
	assert_true(ticks >= 6);
	assert_string_equal(ev_path_str(&r, "resolved", "addresses"), "127.0.0.1");
	assert_string_equal(ev_path_str(&r, "server", "host"), "slow.test");
	run_free(&r);

	snprintf(conn, sizeof conn, "host=nowhere.test port=%d dbname=postgres user=drc", port_p);
	q = request(SQLSTEP_QUERY, conn, "SELECT 1", NULL);
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.reason, "connection failed: could not look up the server's host name \"nowhere.test\"");
	run_free(&r);

	/* Slower than the step's timeout: the lookup is stopped with it. */
	snprintf(conn, sizeof conn, "host=slow.test port=%d dbname=postgres user=drc", port_p);
	q = request(SQLSTEP_QUERY, conn, "SELECT 1", NULL);
	q.timeout_ms = 300;
	run_request(&r, &q);
	assert_string_equal(r.reason, "timed out after 300ms while looking up the server's host name");
	assert_true(r.ms < 1000);
	run_free(&r);
	real_getent(dir);
}

static void
terminate_it(void *arg)
{
	(void)arg;
	assert_int_equal(pg_sh("pg_psql p \"SELECT pg_terminate_backend(pid) "
	    "FROM pg_stat_activity WHERE query LIKE '%%drc-gone%%' AND "
	    "pid <> pg_backend_pid()\""), 0);
}

static void
test_server_goes_away(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
				    "SELECT pg_sleep(30) /* drc-gone */", NULL);
	struct run		r;

	(void)state;
	run_start(&r, &q);
	loop_add_timer(loop, 300, terminate_it, NULL);
	run_wait(&r, 5000);
	assert_int_equal(r.ok, 0);
	assert_true(r.ms < 3000);
	assert_string_equal(ev_path_str(&r, "error", "sqlstate"), "57P01");
	assert_contains(r.reason, "terminating connection");
	assert_contains(strbuf_str(&r.err), "57P01");
	run_free(&r);
}

static void
test_connection_refused(void **state)
{
	struct sqlstep_request	q;
	struct run		r;
	char			conn[128];

	(void)state;
	snprintf(conn, sizeof conn, "host=127.0.0.1 port=%d dbname=postgres "
	    "user=drc", port_closed);
	q = request(SQLSTEP_QUERY, conn, "SELECT 1", NULL);
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_contains(r.reason, "connection failed");
	assert_contains(r.reason, "refused");
	assert_true(r.ms < 1000);
	assert_string_equal(ev_str(&r, "phase"), "connect");
	assert_true(json_is_null(json_object_get(json_object_get(r.ev, "error"),
	    "sqlstate")));
	assert_contains(strbuf_str(&r.err), "refused");
	run_free(&r);
}

/* libpq moves to the next host on a new socket; the step follows it. */
static void
test_next_host(void **state)
{
	struct sqlstep_request	q;
	struct run		r;
	char			conn[160];

	(void)state;
	snprintf(conn, sizeof conn, "host=127.0.0.1,127.0.0.1 port=%d,%d "
	    "dbname=postgres user=drc", port_closed, port_p);
	q = request(SQLSTEP_QUERY, conn, "SELECT inet_server_port()", NULL);
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_int_equal(atoi(ev_str(&r, "first_cell")), port_p);
	assert_int_equal(atoi(ev_path_str(&r, "server", "port")), port_p);
	run_free(&r);
}

/*
 * target_session_attrs=read-write makes libpq log in to the standby, turn
 * away and open a new socket to the primary. The fd closed meanwhile makes
 * that socket get a new number: a step still polling the old one would
 * spin on POLLNVAL, so the loop's callbacks are counted.
 */
static void
test_fd_changes_while_connecting(void **state)
{
	struct sqlstep_request	q;
	struct run		r;
	char			conn[192];
	int			spare, calls = 0, n;
	int64_t			end;

	(void)state;
	snprintf(conn, sizeof conn, "host=127.0.0.1,127.0.0.1 port=%d,%d "
	    "dbname=postgres user=drc target_session_attrs=read-write",
	    port_r, port_p);
	q = request(SQLSTEP_QUERY, conn, "SELECT inet_server_port()", NULL);
	assert_true((spare = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	run_start(&r, &q);
	close(spare);
	end = clock_mono_ms() + 5000;
	while (r.done == 0 && clock_mono_ms() < end) {
		assert_true((n = loop_run_once(loop, 50)) >= 0);
		calls += n;
	}
	assert_int_equal(r.done, 1);
	assert_int_equal(r.ok, 1);
	assert_int_equal(atoi(ev_str(&r, "first_cell")), port_p);
	if (calls > 60)
		fail_msg("%d loop callbacks to connect and query", calls);
	run_free(&r);
}

static void
test_statements_and_nulls(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
		"CREATE TEMP TABLE t (a int, b text);"
		"INSERT INTO t VALUES (1, 'x'), (2, NULL), (NULL, 'z');"
		"UPDATE t SET b = 'y' WHERE a = 2;"
		"SELECT a, b FROM t ORDER BY a NULLS LAST;"
		"SELECT NULL::int AS nothing", "rows = 1");
	struct run		r;
	const char		*out;

	(void)state;
	run_request(&r, &q);
	out = strbuf_str(&r.out);
	assert_int_equal(r.ok, 1);
	assert_contains(out, "CREATE TABLE\nINSERT 0 3\nUPDATE 1\n");
	assert_contains(out, "    1 | x\n");
	assert_contains(out, "    2 | y\n");
	assert_contains(out, " null | z\n");
	assert_contains(out, "(3 rows)\n");
	/* Numbers are right-aligned, NULL included. */
	assert_contains(out, " nothing\n---------\n    null\n(1 row)\n");
	/* The last result with rows is the one checked. */
	assert_int_equal(ev_int(&r, "rows"), 1);
	assert_true(json_is_null(json_object_get(r.ev, "first_cell")));
	run_free(&r);

	q.query = "CREATE TEMP TABLE u (a int); INSERT INTO u SELECT "
	    "generate_series(1, 4); UPDATE u SET a = a + 1 WHERE a > 1";
	q.expect = "rows >= 3";
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_string_equal(ev_str(&r, "command"), "UPDATE 3");
	run_free(&r);

	q.query = "UPDATE pg_database SET datallowconn = datallowconn "
	    "WHERE false";
	q.expect = NULL;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_string_equal(r.reason, "UPDATE 0");
	run_free(&r);
}

static void
test_error_and_notice(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
		"DO $$BEGIN RAISE NOTICE 'hello %', 6 * 7; END$$;"
		"SELECT * FROM drc_no_such_table; SELECT 1", NULL);
	struct run		r;

	(void)state;
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_contains(strbuf_str(&r.err), "NOTICE:  hello 42 (SQLSTATE 00000)");
	assert_contains(strbuf_str(&r.err), "ERROR:  relation "
	    "\"drc_no_such_table\" does not exist (SQLSTATE 42P01)");
	assert_contains(strbuf_str(&r.out), "DO\n");
	assert_lacks(strbuf_str(&r.out), "(1 row)");
	assert_string_equal(r.reason, "ERROR: relation \"drc_no_such_table\" "
	    "does not exist (SQLSTATE 42P01)");
	assert_string_equal(ev_path_str(&r, "error", "sqlstate"), "42P01");
	run_free(&r);
}

static size_t
columns(const char *p, size_t len)
{
	size_t	n = 0, i;

	for (i = 0; i < len; i++)
		n += ((unsigned char)p[i] & 0xc0) != 0x80;
	return n;
}

static void
test_long_cells_fit(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
		"SELECT repeat('y', 500) AS a, 'short' AS b, "
		"repeat('é', 300) AS c, 'two' || chr(10) || 'lines' AS d", NULL);
	struct run		r;
	const char		*p, *nl;
	size_t			widest = 0;

	(void)state;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	for (p = strbuf_str(&r.out); (nl = strchr(p, '\n')) != NULL;
	    p = nl + 1) {
		if (columns(p, (size_t)(nl - p)) > widest)
			widest = columns(p, (size_t)(nl - p));
	}
	if (widest > 200 || widest < 150)
		fail_msg("widest line %zu columns:\n%s", widest,
		    strbuf_str(&r.out));
	assert_contains(strbuf_str(&r.out), "yyy…");
	assert_contains(strbuf_str(&r.out), "ééé…");
	assert_contains(strbuf_str(&r.out), "| short | ");
	assert_contains(strbuf_str(&r.out), "two lines");
	run_free(&r);
}

/* Screen columns before the first '|' of line p (wcwidth's, as a terminal). */
static int
bar_column(const char *p)
{
	wchar_t	 w[256];
	size_t	 n = strcspn(p, "|");
	char	 head[512];

	snprintf(head, sizeof head, "%.*s", (int)n, p);
	if (mbstowcs(w, head, 256) == (size_t)-1)
		return -1;
	return wcswidth(w, 256);
}

/* CJK text takes two columns a character: the table's bars still line up,
 * also where a wide cell is cut. */
static void
test_wide_cells_align(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
		"SELECT * FROM (VALUES ('東京都', 1), ('Osaka-shi', 2), (repeat('名', 200), 3)) AS t(city, n)",
		NULL);
	struct run		r;
	const char		*p, *nl;
	int			col = -1, lines = 0;

	(void)state;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	for (p = strbuf_str(&r.out); (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (memchr(p, '|', (size_t)(nl - p)) == NULL)
			continue;
		if (col < 0)
			col = bar_column(p);
		else if (bar_column(p) != col)
			fail_msg("the bars do not line up:\n%s", strbuf_str(&r.out));
		lines++;
	}
	assert_int_equal(lines, 4);
	assert_contains(strbuf_str(&r.out), "名名…");
	run_free(&r);
}

static void
test_copy(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
		"COPY (SELECT g, g * 2 FROM generate_series(1, 3) g) TO STDOUT",
		NULL);
	struct run		r;

	(void)state;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_string_equal(strbuf_str(&r.out), "1\t2\n2\t4\n3\t6\nCOPY 3\n");
	run_free(&r);

	/* Nothing feeds COPY FROM STDIN: it fails instead of hanging. */
	q.query = "CREATE TEMP TABLE c (x int); COPY c FROM STDIN";
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_contains(r.reason, "COPY FROM STDIN");
	run_free(&r);
}

/* Freed while running: no done, and the server stops the query too. */
static void
test_free_running(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_QUERY, conn_p,
				    "SELECT pg_sleep(30) /* drc-free */", NULL);
	struct run		r;
	int64_t			end = clock_mono_ms() + 300;

	(void)state;
	run_start(&r, &q);
	while (clock_mono_ms() < end)
		loop_run_once(loop, 50);
	sqlstep_free(r.s);
	r.s = NULL;
	loop_run_once(loop, 20);
	assert_int_equal(r.done, 0);
	assert_query_gone("SELECT pg_sleep(30) /* drc-free */");
	run_free(&r);
}

/* --- replication -------------------------------------------------------- */

static void
test_lag_not_met_while_replay_paused(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_CHECK_LAG, conn_r, NULL,
				    NULL);
	struct run		r;

	(void)state;
	assert_int_equal(pg_sh("pg_psql p 'CREATE TABLE lagt (x int); "
	    "INSERT INTO lagt VALUES (1)' && pg_wait_caught_up p && "
	    "pg_psql r 'SELECT pg_wal_replay_pause()' && "
	    "pg_psql p 'INSERT INTO lagt VALUES (2)' && "
	    "pg_wait_sql r 'SELECT pg_last_wal_receive_lsn() > "
	    "pg_last_wal_replay_lsn()'"), 0);
	q.rpo_ms = 1;
	run_request(&r, &q);
	assert_int_equal(pg_sh("pg_psql r 'SELECT pg_wal_replay_resume()'"), 0);
	assert_int_equal(r.ok, 0);
	assert_string_equal(ev_str(&r, "role"), "standby");
	assert_string_equal(ev_str(&r, "verdict"), "not met");
	assert_true(ev_int(&r, "max_lag_bytes") > 0);
	assert_true(ev_int(&r, "max_lag_ms") > 1);
	assert_contains(r.reason, "; RPO 1ms: not met");
	assert_contains(strbuf_str(&r.out), "server is a standby");
	assert_contains(strbuf_str(&r.out), "streaming");
	run_free(&r);
}

static void
test_lag_met_on_primary_and_standby(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_CHECK_LAG, conn_p, NULL,
				    NULL);
	struct run		r;
	json_t			*sb;
	long long		bytes;
	double			secs;

	(void)state;
	assert_int_equal(pg_sh("pg_wait_caught_up p"), 0);
	q.rpo_ms = 15 * 60 * 1000;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	if (sscanf(r.reason, "max lag %lld bytes, %lfs; RPO 15m: met", &bytes,
	    &secs) != 2)
		fail_msg("reason: %s", r.reason);
	assert_string_equal(ev_str(&r, "role"), "primary");
	assert_int_equal(json_array_size(json_object_get(r.ev, "standbys")), 1);
	sb = json_array_get(json_object_get(r.ev, "standbys"), 0);
	assert_string_equal(json_string_value(json_object_get(sb,
	    "application_name")), "r");
	assert_string_equal(json_string_value(json_object_get(sb, "state")),
	    "streaming");
	assert_true(json_is_integer(json_object_get(sb, "bytes_behind")));
	assert_contains(strbuf_str(&r.out), "application_name");
	assert_contains(strbuf_str(&r.out), "(1 row)");
	run_free(&r);

	q.conninfo = conn_r;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_string_equal(ev_str(&r, "role"), "standby");
	assert_contains(r.reason, "RPO 15m: met");
	run_free(&r);
}

static void
test_recovery_and_promote(void **state)
{
	struct sqlstep_request	q = request(SQLSTEP_CHECK_IN_RECOVERY, conn_r,
				    NULL, "= true");
	struct run		r;

	(void)state;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_true(json_is_true(json_object_get(r.ev, "in_recovery")));
	assert_int_equal(ev_int(&r, "timeline"), 1);
	assert_string_equal(ev_str(&r, "verdict"), "met");
	assert_contains(r.reason, "in recovery: true, timeline 1");
	run_free(&r);

	q.expect = "= false";
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_string_equal(ev_str(&r, "verdict"), "not met");
	run_free(&r);

	q.conninfo = conn_p;
	q.expect = NULL;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_true(json_is_false(json_object_get(r.ev, "in_recovery")));
	assert_int_equal(ev_int(&r, "timeline"), 1);
	run_free(&r);

	/* A primary cannot be promoted. */
	q = request(SQLSTEP_PROMOTE, conn_p, NULL, NULL);
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_string_equal(ev_path_str(&r, "error", "sqlstate"), "55000");
	run_free(&r);

	q.conninfo = conn_r;
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_true(json_is_true(json_object_get(r.ev, "promoted")));
	assert_int_equal(ev_int(&r, "timeline"), 2);
	assert_string_equal(r.reason, "promoted; in recovery: false, timeline 2");
	run_free(&r);

	q = request(SQLSTEP_CHECK_IN_RECOVERY, conn_r, NULL, "= false");
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	assert_int_equal(ev_int(&r, "timeline"), 2);
	run_free(&r);

	/* It takes writes now... */
	q = request(SQLSTEP_QUERY, conn_r, "CREATE TABLE after_promote (x int);"
	    "INSERT INTO after_promote VALUES (1), (2);"
	    "SELECT count(*) FROM after_promote", "= 2");
	run_request(&r, &q);
	assert_int_equal(r.ok, 1);
	run_free(&r);

	/* ...and has no standby of its own. */
	q = request(SQLSTEP_CHECK_LAG, conn_r, NULL, NULL);
	run_request(&r, &q);
	assert_int_equal(r.ok, 0);
	assert_contains(r.reason, "no standby is connected to this primary");
	assert_int_equal(json_array_size(json_object_get(r.ev, "standbys")), 0);
	run_free(&r);
}

#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_describe),
		TEST(test_wide_cells_align),
		TEST(test_start_refuses_bad_requests),
		TEST(test_rows_and_expect_met),
		TEST(test_expect_not_met),
		TEST(test_bad_password),
		TEST(test_password_in_uri),
		TEST(test_passfile),
		TEST(test_loop_not_blocked),
		TEST(test_cancel),
		TEST(test_timeout),
		TEST(test_connect_timeout_and_cancel),
		TEST(test_cancel_unanswered),
		TEST(test_cancel_answered),
		TEST(test_host_name_looked_up),
		TEST(test_server_goes_away),
		TEST(test_connection_refused),
		TEST(test_next_host),
		TEST(test_fd_changes_while_connecting),
		TEST(test_statements_and_nulls),
		TEST(test_error_and_notice),
		TEST(test_long_cells_fit),
		TEST(test_copy),
		TEST(test_free_running),
		TEST(test_lag_not_met_while_replay_paused),
		TEST(test_lag_met_on_primary_and_standby),
		TEST(test_recovery_and_promote),
	};

	setlocale(LC_CTYPE, "C.UTF-8");	/* wide characters, as the console runs */

	if (find_pg_lib() != 0) {
		fprintf(stderr, "test_sqlstep: cannot find tests/e2e/pg_lib.sh\n");
		return 99;
	}
	setenv("PG_LIB", pg_lib, 1);
	if (pg_sh("true") != 0) {
		fprintf(stderr, "test_sqlstep: SKIP: no PostgreSQL server "
		    "binaries (initdb)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
