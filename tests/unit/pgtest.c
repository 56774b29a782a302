/* pgtest.c: see pgtest.h. */
#include "cmocka_all.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action.h"
#include "clock.h"
#include "pgtest.h"

char		 pg_lib[PATH_MAX];
char		 pg_base[] = "/tmp/drcsq.XXXXXX";
struct loop	*loop;
static pid_t	 watchdog = -1;
static int	 watchdog_fd = -1;

/* Runs a pg_lib.sh command line; returns its exit status. */
int
pg_sh(const char *fmt, ...)
{
	char	cmd[2048], line[2304];
	va_list	ap;
	int	status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, ". \"$PG_LIB\" && pg_find_bin && { %s; } "
	    ">/dev/null", cmd);
	status = system(line);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int
read_port(const char *name)
{
	char	 path[PATH_MAX];
	FILE	*f;
	int	 port = -1;

	snprintf(path, sizeof path, "%s/%s.port", pg_base, name);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%d", &port) != 1)
			port = -1;
		fclose(f);
	}
	return port;
}

int
find_pg_lib(void)
{
	const char	*top = getenv("top_srcdir");
	char		 here[PATH_MAX - 32], *slash;

	if (top != NULL) {
		snprintf(pg_lib, sizeof pg_lib, "%s/tests/e2e/pg_lib.sh", top);
		if (access(pg_lib, R_OK) == 0)
			return 0;
	}
	snprintf(here, sizeof here, "%s", __FILE__);
	if ((slash = strrchr(here, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(here, sizeof here, ".");
	snprintf(pg_lib, sizeof pg_lib, "%s/../e2e/pg_lib.sh", here);
	return access(pg_lib, R_OK);
}

/* A child that waits for our end (its pipe's EOF) and then stops every
 * server, so not even a crash leaves postgres running. */
void
watchdog_start(void)
{
	int	p[2];
	char	c;

	if (pipe2(p, O_CLOEXEC) != 0)
		return;
	if ((watchdog = fork()) == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(p[1]);
		while (read(p[0], &c, 1) != 0 && errno == EINTR)
			continue;
		_exit(pg_sh("pg_cleanup"));
	}
	close(p[0]);
	watchdog_fd = p[1];
}

int
pgtest_begin(char *password)
{
	if (mkdtemp(pg_base) == NULL)
		return -1;
	setenv("PG_BASE", pg_base, 1);
	setenv("PG_LIB", pg_lib, 1);
	watchdog_start();
	make_password(password);
	return 0;
}

void
make_password(char *password)
{
	unsigned char	 rnd[12];
	FILE		*f = fopen("/dev/urandom", "r");
	size_t		 i;

	if (f == NULL || fread(rnd, 1, sizeof rnd, f) != sizeof rnd)
		fail_msg("cannot read /dev/urandom");
	fclose(f);
	strcpy(password, "Drc");
	for (i = 0; i < sizeof rnd; i++)
		sprintf(password + strlen(password), "%02x", rnd[i]);
}

/* A fresh loop per test: a test that fails halfway leaves no timer or fd
 * behind to fire into the next one. */
int
setup(void **state)
{
	(void)state;
	loop = loop_new();
	return 0;
}

int
teardown(void **state)
{
	(void)state;
	loop_free(loop);
	loop = NULL;
	return 0;
}

static void
run_output(void *arg, int stream, const char *data, size_t len)
{
	struct run	*r = arg;

	assert_int_equal(r->done, 0);
	if (stream == ACTION_STDOUT)
		strbuf_add(&r->out, data, len);
	else if (stream == ACTION_STDERR)
		strbuf_add(&r->err, data, len);
	else
		fail_msg("output on stream %d", stream);
}

/* Frees the step from inside done, as the engine may. */
static void
run_done(void *arg, int ok, const char *reason, json_t *ev)
{
	struct run	*r = arg;

	r->done++;
	r->ok = ok;
	r->ms = clock_mono_ms() - r->t0;
	free(r->reason);
	r->reason = strdup(reason);
	json_decref(r->ev);
	r->ev = json_deep_copy(ev);
	sqlstep_free(r->s);
	r->s = NULL;
}

void
run_start(struct run *r, const struct sqlstep_request *req)
{
	struct action_io	 io = { loop, run_output, run_done, r };
	char			*cause = NULL;

	memset(r, 0, sizeof *r);
	strbuf_init(&r->out);
	strbuf_init(&r->err);
	r->t0 = clock_mono_ms();
	r->s = sqlstep_start(req, &io, &cause);
	if (r->s == NULL)
		fail_msg("sqlstep_start: %s", cause);
	assert_int_equal(r->done, 0);
}

void
run_wait(struct run *r, int64_t limit_ms)
{
	int64_t	end = clock_mono_ms() + limit_ms;

	while (r->done == 0 && clock_mono_ms() < end)
		assert_true(loop_run_once(loop, 50) >= 0);
	if (r->done == 0)
		fail_msg("no done after %lld ms", (long long)limit_ms);
	/* Nothing may come after done. */
	loop_run_once(loop, 10);
	assert_int_equal(r->done, 1);
	assert_non_null(r->reason);
	assert_true(json_is_object(r->ev));
}

void
run_free(struct run *r)
{
	sqlstep_free(r->s);
	strbuf_free(&r->out);
	strbuf_free(&r->err);
	free(r->reason);
	json_decref(r->ev);
}

const char *
ev_str(const struct run *r, const char *key)
{
	return json_string_value(json_object_get(r->ev, key));
}

json_int_t
ev_int(const struct run *r, const char *key)
{
	json_t	*v = json_object_get(r->ev, key);

	if (!json_is_integer(v))
		fail_msg("evidence %s is not an integer", key);
	return json_integer_value(v);
}

const char *
ev_path_str(const struct run *r, const char *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(r->ev, obj),
	    key));
}

/* Neither the secret nor anything else we show may hold it. */
void
assert_no_secret(const struct run *r, const char *secret)
{
	char	*dump = json_dumps(r->ev, 0);

	assert_non_null(dump);
	assert_lacks(strbuf_str(&r->out), secret);
	assert_lacks(strbuf_str(&r->err), secret);
	assert_lacks(r->reason, secret);
	assert_lacks(dump, secret);
	free(dump);
}

/* Waits until no backend runs a query starting with prefix: a cancelled
 * or abandoned query must not keep running on the server. */
void
assert_query_gone(const char *prefix)
{
	assert_int_equal(pg_sh("pg_wait_sql p \"SELECT count(*) = 0 FROM "
	    "pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
	    "AND query LIKE '%s%%'\" 5", prefix), 0);
}


void
watchdog_stop(void)
{
	int	status;

	pg_sh("pg_cleanup");
	if (watchdog_fd != -1)
		close(watchdog_fd);
	if (watchdog > 0)
		waitpid(watchdog, &status, 0);
	watchdog_fd = -1;
	watchdog = -1;
}
