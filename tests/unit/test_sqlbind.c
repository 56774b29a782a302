/* test_sqlbind.c: where a query's templates stand (sqlbind's lexer, which
 * must read quotes, comments and dollar quotes exactly as PostgreSQL's
 * scanner does) and how a conninfo's templates are filled (sqlconninfo),
 * checked against libpq's own parser. No server: test_sqlquote.c sends the
 * results to a real one. */
#include "cmocka_all.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "sqlbind.h"
#include "sqlconninfo.h"
#include "xmalloc.h"

/* The kinds of the query's slots as letters: P param, L whole literal,
 * I inside a literal, D identifier; or "!" and the cause when refused. */
static char *
kinds(const char *query, int std)
{
	struct sqlbind b;
	size_t off;
	char *cause = NULL, *out;

	if (sqlbind_prepare(query, std, &b, &off, &cause) != 0) {
		out = xprintf("!%zu %s", off, cause);
		free(cause);
		return out;
	}
	out = xcalloc((size_t)b.nslots + 1, 1);
	for (int i = 0; i < b.nslots; i++)
		out[i] = "PLID"[b.slots[i].kind];
	sqlbind_free(&b);
	return out;
}

#define assert_kinds(query, std, want) do {			\
	char *got_ = kinds((query), (std));			\
	if (strcmp(got_, (want)) != 0)				\
		fail_msg("%s: got %s, want %s", (query), got_, (want)); \
	free(got_);						\
} while (0)

#define assert_refused(query, std, fragment) do {		\
	char *got_ = kinds((query), (std));			\
	if (got_[0] != '!' || strstr(got_, (fragment)) == NULL)	\
		fail_msg("%s: got %s, want a refusal with '%s'", (query), got_, (fragment)); \
	free(got_);						\
} while (0)

static void
test_contexts(void **state)
{
	(void)state;
	assert_kinds("SELECT {{ a }}, {{ b }}", 1, "PP");
	assert_kinds("ALTER ROLE \"{{ r }}\" PASSWORD '{{ pw }}'", 1, "DL");
	assert_kinds("SELECT E'{{ a }}', e'{{ a }}'", 1, "LL");
	assert_kinds("SELECT 'x{{ a }}y', 'it''s {{ a }}'", 1, "II");
	assert_kinds("SELECT N'{{ a }}'", 1, "I");
	assert_kinds("SELECT \"a{{ x }}\"\"b{{ y }}\"", 1, "DD");
	/* A literal continued on the next line is one literal. */
	assert_kinds("SELECT 'a'\n  '{{ x }}'", 1, "I");
	assert_kinds("SELECT '{{ x }}' -- note\n'b'", 1, "I");
	assert_kinds("SELECT '{{ x }}' 'b'", 1, "L");
	/* Names may hold $ and E: neither starts a literal or a dollar quote. */
	assert_kinds("SELECT a$$b, some'{{ x }}'", 1, "L");
	assert_kinds("SELECT name, {{ x }}", 1, "P");
}

/* The lexer must never believe it is inside a literal where the server is
 * in code: a value escaped for a literal would be pasted in as SQL. */
static void
test_code_is_code(void **state)
{
	(void)state;
	/* A quote inside a dollar-quoted string, a comment or a name opens
	 * nothing. */
	assert_kinds("SELECT $$it's$$, {{ x }}, 'y'", 1, "P");
	assert_kinds("SELECT $t$ $$ ' $t$, {{ x }}", 1, "P");
	assert_kinds("SELECT 1 -- it's\n, {{ x }}", 1, "P");
	assert_kinds("SELECT 1 /* it's /* nested */ ' */, {{ x }}", 1, "P");
	assert_kinds("SELECT \"it's\", {{ x }}", 1, "P");
	assert_kinds("SELECT 'it''s', {{ x }}", 1, "P");
	/* $1 then a dollar quote; a number then one. */
	assert_kinds("SELECT 1e5$$'$$, {{ x }}", 1, "P");
	/* With standard_conforming_strings off, \' does not end '...'. */
	assert_kinds("SELECT 'a\\', {{ x }}, 'b'", 1, "P");
	assert_refused("SELECT 'a\\', {{ x }}, 'b'", 0, "standard_conforming_strings off");
	/* A literal template's text is lexed like the rest. */
	assert_kinds("SELECT {{ \"'\" }}{{ x }}'", 1, "L");
	assert_refused("SELECT {{ \"--\" }} {{ x }}", 1, "comment");
}

static void
test_refused(void **state)
{
	(void)state;
	assert_refused("SELECT 1 -- {{ x }}", 1, "comment");
	assert_refused("SELECT 1 /* /* */ {{ x }} */", 1, "comment");
	assert_refused("DO $f$ BEGIN PERFORM '{{ x }}'; END $f$", 1, "dollar-quoted");
	assert_refused("SELECT $${{ x }}$$", 1, "dollar-quoted");
	assert_refused("SELECT E'a{{ x }}'", 1, "whole literal");
	assert_refused("SELECT E'\\{{ x }}'", 1, "whole literal");
	assert_refused("SELECT B'{{ x }}'", 1, "B'");
	assert_refused("SELECT U&'{{ x }}'", 1, "U&");
	assert_refused("SELECT U&\"{{ x }}\"", 1, "U&");
	assert_refused("SELECT * FROM t_{{ x }}", 1, "stand apart");
	assert_refused("SELECT {{ x }}{{ y }}", 1, "stand apart");
	assert_refused("SELECT ${{ x }}", 1, "stand apart");
	/* Under standard_conforming_strings off only whole literals work. */
	assert_refused("SELECT 'a{{ x }}'", 0, "standard_conforming_strings off");
	assert_kinds("SELECT '{{ x }}'", 0, "L");
}

static void
test_refs_and_offsets(void **state)
{
	struct sqlbind b;
	size_t off = 0;
	char *cause = NULL;
	const char *q = "SELECT {{ a }}, '{{ b }}', {{ a }}, \"{{ b }}\" -- {{ c }}";

	(void)state;
	assert_int_equal(sqlbind_prepare("SELECT {{ a }}, '{{ b }}', {{ a }}", 1, &b, &off, &cause), 0);
	assert_int_equal(b.nrefs, 2);
	assert_string_equal(b.refs[0], "{{ a }}");
	assert_string_equal(b.refs[1], "{{ b }}");
	assert_int_equal(b.nslots, 3);
	assert_int_equal(b.slots[2].ref, 0);
	sqlbind_free(&b);
	assert_int_equal(sqlbind_prepare(q, 1, &b, &off, &cause), -1);
	assert_int_equal(off, strstr(q, "{{ c }}") - q);
	free(cause);
}

/* What people see: each value quoted as the server gets it (a bound one as
 * the literal it stands for), a secret as ****. */
static void
test_display(void **state)
{
	const char *values[] = { "it's \"q\"", "Pw'1\\", "back\\slash" };
	const int secret[] = { 0, 1, 0 };
	struct sqlbind b;
	size_t off;
	char *cause = NULL, *shown;

	(void)state;
	assert_int_equal(sqlbind_prepare("SELECT {{ a }}, '{{ pw }}', 'x{{ a }}', \"{{ a }}\", "
	    "E'{{ b }}', \"t_{{ pw }}\"", 1, &b, &off, &cause), 0);
	shown = sqlbind_display(&b, values, secret);
	assert_string_equal(shown, "SELECT 'it''s \"q\"', '****', 'xit''s \"q\"', \"it's \"\"q\"\"\", "
	    " E'back\\\\slash', \"t_****\"");
	free(shown);
	sqlbind_free(&b);
}

/* --- conninfo ------------------------------------------------------------ */

struct values {
	const char *v[8];
	int n;
};

static char *
next_value(void *arg, const char *ref, char **cause)
{
	struct values *vs = arg;

	(void)ref;
	(void)cause;
	return xstrdup(vs->v[vs->n++]);
}

static char *
fill(const char *tmpl, struct values vs)
{
	size_t off;
	char *out = NULL, *cause = NULL;

	if (sqlconninfo_fill(tmpl, next_value, &vs, &out, &off, &cause) != 0) {
		out = xprintf("!%zu %s", off, cause);
		free(cause);
	}
	return out;
}

/* libpq's reading of conninfo: the value of key, "" if unset. */
static char *
opt(const char *conninfo, const char *key)
{
	PQconninfoOption *opts, *o;
	char *err = NULL, *v = NULL;

	opts = PQconninfoParse(conninfo, &err);
	if (opts == NULL)
		fail_msg("libpq cannot parse %s: %s", conninfo, err);
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, key) == 0)
			v = xstrdup(o->val != NULL ? o->val : "");
	}
	PQconninfoFree(opts);
	return v;
}

#define assert_opt(conninfo, key, want) do {			\
	char *v_ = opt((conninfo), (key));			\
	assert_string_equal(v_, (want));			\
	free(v_);						\
} while (0)

static void
test_conninfo_values_add_no_keyword(void **state)
{
	const char *hostile[] = { "postgres user=postgres", "x' user='postgres", "a\\' user=postgres",
	    "p w\\", "'", "", "host=evil", "$(reboot)\"`", NULL };
	char *c;

	(void)state;
	for (int i = 0; hostile[i] != NULL; i++) {
		c = fill("host=127.0.0.1 dbname={{ db }} user=ops password='{{ pw }}'",
		    (struct values){ { hostile[i], hostile[i] }, 0 });
		assert_opt(c, "dbname", hostile[i]);
		assert_opt(c, "password", hostile[i]);
		assert_opt(c, "user", "ops");
		assert_opt(c, "host", "127.0.0.1");
		free(c);
		/* Next to other text, and as a bare database name. */
		c = fill("host=db-{{ env }}.internal user=ops", (struct values){ { hostile[i] }, 0 });
		assert_opt(c, "user", "ops");
		free(c);
		c = fill("app_{{ env }}", (struct values){ { hostile[i] }, 0 });
		assert_opt(c, "user", "");
		free(c);
		c = fill("postgresql://ops@127.0.0.1/{{ db }}?application_name={{ db }}",
		    (struct values){ { hostile[i], hostile[i] }, 0 });
		assert_opt(c, "dbname", hostile[i]);
		assert_opt(c, "application_name", hostile[i]);
		assert_opt(c, "user", "ops");
		free(c);
	}
	c = fill("host=db-{{ env }}.internal", (struct values){ { "a b" }, 0 });
	assert_opt(c, "host", "db-a b.internal");
	free(c);
}

static void
test_conninfo_whole_and_refused(void **state)
{
	char *c;

	(void)state;
	/* A template alone where a keyword stands is a connection string. */
	c = fill("{{ dsn }}", (struct values){ { "host=db1 user=ops" }, 0 });
	assert_string_equal(c, "host=db1 user=ops");
	free(c);
	c = fill(" {{ dsn }} password={{ pw }}", (struct values){ { "host=db1 user=ops", "a b" }, 0 });
	assert_opt(c, "user", "ops");
	assert_opt(c, "password", "a b");
	free(c);
	c = fill("dbname=x {{ k }}=v", (struct values){ { "user" }, 0 });
	assert_true(c[0] == '!' && strstr(c, "keyword") != NULL);
	assert_int_equal(atoi(c + 1), 9);
	free(c);
	c = fill("dbname = 'x{{ a }}", (struct values){ { "a" }, 0 });
	assert_true(c[0] == '!' && strstr(c, "unterminated") != NULL);
	free(c);
	c = fill("dbname=x user {{ a }}", (struct values){ { "a" }, 0 });
	assert_true(c[0] == '!' && strstr(c, "missing \"=\"") != NULL);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contexts),
		cmocka_unit_test(test_code_is_code),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refs_and_offsets),
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_conninfo_values_add_no_keyword),
		cmocka_unit_test(test_conninfo_whole_and_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
