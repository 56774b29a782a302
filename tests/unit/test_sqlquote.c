/* test_sqlquote.c: templates in a sql step's query and conninfo against a
 * real PostgreSQL on 127.0.0.1: hostile values arrive exact in literals,
 * identifiers and bound parameters, with standard_conforming_strings on
 * and off; a password with quotes, $( and a backslash is rotated by a
 * utility statement and logs in; a conninfo value cannot change the user.
 * Skips (77) without the PostgreSQL server binaries. */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pgtest.h"
#include "sqlconninfo.h"
#include "sqlstep.h"
#include "xmalloc.h"

static char	 password[40];
static char	 conn_su[160];
static int	 port;

static const char *const hostile[] = {
	"it's", "say \"hi\"", "$(touch /tmp/drc-pwned)", "back\\slash", "\\'; DROP TABLE t; --",
	"''", "E'x'", "$$ $q$", "-- not a comment", "/* nor this", "line\none", "café ☕",
	"{{ x }}", "  spaced  ", NULL
};

static int
group_setup(void **state)
{
	(void)state;
	if (pgtest_begin(password) != 0)
		return -1;
	if (pg_sh("pg_base_init \"$PG_BASE\" && pg_start_primary p && "
	    "pg_psql p \"CREATE ROLE drc LOGIN SUPERUSER PASSWORD '%s'\"", password) != 0)
		return -1;
	port = read_port("p");
	snprintf(conn_su, sizeof conn_su, "host=127.0.0.1 port=%d dbname=postgres user=drc", port);
	return port > 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	watchdog_stop();
	return 0;
}

/* Runs query with one value per template on conninfo as user (password). */
static void
run_query(struct run *r, const char *conninfo, const char *pw, const char *query,
    const char *const *values, int nvalues, const int *secret, const char *expect)
{
	struct sqlstep_request q = { SQLSTEP_QUERY, conninfo, query, expect, 8000, 0, pw, values,
	    nvalues, secret };

	run_start(r, &q);
	run_wait(r, 10000);
}

static const char *
column(const struct run *r, size_t i)
{
	return json_string_value(json_array_get(json_object_get(r->ev, "columns"), i));
}

/* Each value, as a whole literal, inside one with other text, as E'' and
 * as an identifier, equals the same value bound as a parameter. */
static void
test_values_arrive_exact(void **state)
{
	const char *query = "SELECT ('{{ v }}' = {{ v }} AND E'{{ v }}' = {{ v }} AND "
	    "'<{{ v }}>' = '<' || {{ v }} || '>' AND 'a'\n'{{ v }}' = 'a' || {{ v }})::text AS same, "
	    "1 AS \"{{ v }}\", 2 AS \"q\"\"{{ v }}\"";

	(void)state;
	for (int i = 0; hostile[i] != NULL; i++) {
		struct run r;
		char *quoted = xprintf("q\"%s", hostile[i]);

		run_query(&r, conn_su, password, query, &hostile[i], 1, NULL, "~ ^true$");
		if (!r.ok)
			fail_msg("value %d (%s): %s\n%s", i, hostile[i], r.reason, strbuf_str(&r.err));
		assert_string_equal(column(&r, 1), hostile[i]);
		assert_string_equal(column(&r, 2), quoted);
		free(quoted);
		run_free(&r);
	}
}

/* With standard_conforming_strings off a backslash in '...' escapes: libpq
 * quotes for that, and text around a template in '...' is refused. */
static void
test_standard_conforming_strings_off(void **state)
{
	char *conn = xprintf("%s options='-c standard_conforming_strings=off'", conn_su);
	struct run r;

	(void)state;
	for (int i = 0; hostile[i] != NULL; i++) {
		run_query(&r, conn, password, "SELECT ('{{ v }}' = {{ v }} AND E'{{ v }}' = {{ v }})::text",
		    &hostile[i], 1, NULL, "~ ^true$");
		if (!r.ok)
			fail_msg("value %d (%s): %s", i, hostile[i], r.reason);
		run_free(&r);
	}
	run_query(&r, conn, password, "SELECT 'a{{ v }}'", &hostile[0], 1, NULL, NULL);
	assert_int_equal(r.ok, 0);
	assert_contains(r.reason, "query not sent: the server has standard_conforming_strings off");
	run_free(&r);
	free(conn);
}

/* ALTER ROLE takes no parameter: the password is quoted by libpq, the
 * role's name too, and both work; nothing shown holds the password. */
static void
test_rotate_password(void **state)
{
	const char *role = "ops \"night\" shift", *old = "Old-Pw-4711";
	const char *pw = "N3w'Pa\"ss$(id)\\w0rd";
	const char *create[] = { role, old }, *rotate[] = { role, pw };
	const int secret[] = { 0, 1 };
	char *conn = xprintf("host=127.0.0.1 port=%d dbname=postgres user='ops \"night\" shift'", port);
	struct run r;

	(void)state;
	run_query(&r, conn_su, password, "CREATE ROLE \"{{ r }}\" LOGIN PASSWORD '{{ pw }}'", create, 2,
	    secret, NULL);
	assert_int_equal(r.ok, 1);
	run_free(&r);
	run_query(&r, conn, old, "SELECT current_user", NULL, 0, NULL, NULL);
	assert_int_equal(r.ok, 1);
	assert_string_equal(ev_str(&r, "first_cell"), role);
	run_free(&r);

	run_query(&r, conn_su, password, "BEGIN; SET LOCAL log_statement = 'none';\n"
	    "ALTER ROLE \"{{ r }}\" PASSWORD '{{ pw }}'; COMMIT", rotate, 2, secret, NULL);
	if (!r.ok)
		fail_msg("rotation failed: %s", r.reason);
	assert_no_secret(&r, pw);
	run_free(&r);

	run_query(&r, conn, pw, "SELECT current_user", NULL, 0, NULL, NULL);
	if (!r.ok)
		fail_msg("the new password does not log in: %s", r.reason);
	assert_string_equal(ev_str(&r, "first_cell"), role);
	run_free(&r);
	run_query(&r, conn, old, "SELECT current_user", NULL, 0, NULL, NULL);
	assert_int_equal(r.ok, 0);
	assert_contains(r.reason, "password authentication failed");
	run_free(&r);
	free(conn);
}

/* The server's error quotes the literal libpq made: masked too. */
static void
test_quoted_secret_masked_in_errors(void **state)
{
	const char *pw = "Sec'ret\\Value";
	const int secret[] = { 1 };
	struct run r;

	(void)state;
	run_query(&r, conn_su, password, "SELECT 1 '{{ pw }}'", &pw, 1, secret, NULL);
	assert_int_equal(r.ok, 0);
	assert_contains(strbuf_str(&r.err), "syntax error at or near \"****\"");
	assert_no_secret(&r, pw);
	assert_no_secret(&r, "Sec''ret");
	run_free(&r);
}

static char *
value_of_db(void *arg, const char *ref, char **cause)
{
	(void)ref;
	(void)cause;
	return xstrdup(arg);
}

/* dbname={{ db }} with "postgres user=drc" names a database (there is one,
 * so the login works) and leaves the user alone. */
static void
test_conninfo_value_cannot_change_user(void **state)
{
	const char *attack = "postgres user=drc";
	char *tmpl = xprintf("host=127.0.0.1 port=%d user=plain dbname={{ db }}", port), *conn, *raw;
	char *cause = NULL;
	size_t off;
	struct run r;

	(void)state;
	assert_int_equal(pg_sh("pg_psql p \"CREATE ROLE plain LOGIN PASSWORD '%s'\" && "
	    "pg_psql p 'CREATE DATABASE \"postgres user=drc\"'", password), 0);
	assert_int_equal(sqlconninfo_fill(tmpl, value_of_db, (void *)attack, &conn, &off, &cause), 0);
	run_query(&r, conn, password, "SELECT current_user || ' ' || current_database()", NULL, 0, NULL,
	    NULL);
	if (!r.ok)
		fail_msg("%s: %s", conn, r.reason);
	assert_string_equal(ev_str(&r, "first_cell"), "plain postgres user=drc");
	run_free(&r);

	/* Pasted as it is, the same value logs in as the superuser. */
	raw = xprintf("host=127.0.0.1 port=%d user=plain dbname=%s", port, attack);
	run_query(&r, raw, password, "SELECT current_user::text", NULL, 0, NULL, NULL);
	assert_int_equal(r.ok, 1);
	assert_string_equal(ev_str(&r, "first_cell"), "drc");
	run_free(&r);
	free(raw);
	free(conn);
	free(tmpl);
}

#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_values_arrive_exact),
		TEST(test_standard_conforming_strings_off),
		TEST(test_rotate_password),
		TEST(test_quoted_secret_masked_in_errors),
		TEST(test_conninfo_value_cannot_change_user),
	};

	if (find_pg_lib() != 0) {
		fprintf(stderr, "test_sqlquote: cannot find tests/e2e/pg_lib.sh\n");
		return 99;
	}
	setenv("PG_LIB", pg_lib, 1);
	if (pg_sh("true") != 0) {
		fprintf(stderr, "test_sqlquote: SKIP: no PostgreSQL server binaries (initdb)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
