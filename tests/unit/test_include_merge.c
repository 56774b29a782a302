/* test_include_merge.c: what an include brings besides the steps, loaded
 * from real files in a scratch folder: the included environments merged
 * with the includer's and renamed like its steps, a definition both give
 * differently refused at both positions, a vault-read secret still read
 * from the vault, and the included dialect and hosts kept. */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "xmalloc.h"

static char dir[] = "/tmp/drc-incmerge.XXXXXX";

/* The included runbook every test uses, its lines numbered for the
 * positions the conflict tests expect. */
static const char sub_yaml[] =
    "id: sub\n"						/* 1 */
    "title: Sub\n"					/* 2 */
    "shell: bash\n"					/* 3 */
    "params:\n"						/* 4 */
    "  - { name: a, default: x }\n"			/* 5 */
    "  - { name: b, default: y }\n"			/* 6 */
    "  - name: key\n"					/* 7 */
    "    type: secret\n"				/* 8 */
    "    from_command: [vault, kv, get, -field=k, secret/ops]\n"	/* 9 */
    "environments:\n"					/* 10 */
    "  staging:\n"					/* 11 */
    "    params: { a: s-a, b: s-b }\n"			/* 12 */
    "    env: { V: \"{{ a }}\" }\n"			/* 13 */
    "    stand_ins: { run1: \"echo {{ a }}\" }\n"	/* 14 */
    "  production:\n"					/* 15 */
    "    params: { a: p }\n"				/* 16 */
    "hosts:\n"						/* 17 */
    "  db1: { address: 127.0.0.1 }\n"			/* 18 */
    "steps:\n"						/* 19 */
    "  - { id: run1, title: R, run: \"echo {{ a }} {{ b }}\", drill: { run: \"echo drill {{ a }}\" } }\n"	/* 20 */
    "  - { id: remote, title: Remote, run: \"true\", on: db1 }\n";	/* 21 */

static char *
write_file(const char *name, const char *text)
{
	char *path = xprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct runbook *
load_top(const char *top, struct diags *d)
{
	char *path;
	struct runbook *rb;

	free(write_file("sub.yaml", sub_yaml));
	path = write_file("top.yaml", top);
	rb = loader_load_file(path, d);
	free(path);
	return rb;
}

static const struct environment *
environment(const struct runbook *rb, const char *name)
{
	const struct environment *ev = runbook_find_environment(rb, name);

	assert_non_null(ev);
	return ev;
}

/* The value of key in list, or NULL. */
static const char *
kv_value(const struct kv *list, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i].key, key) == 0)
			return list[i].value.s;
	return NULL;
}

static const struct diag *
only_error(const struct diags *d)
{
	if (d->errors != 1)
		diags_print(d, stderr);
	assert_int_equal(d->errors, 1);
	for (int i = 0; i < d->count; i++)
		if (d->list[i].severity == DIAG_ERROR)
			return &d->list[i];
	return NULL;
}

#define TOP_HEAD "id: top\ntitle: Top\nobjectives: { rto: 1h }\n"

static void
test_environments_merged(void **state)
{
	struct diags d = { 0 };
	struct runbook *rb;
	const struct environment *st, *prod;

	(void)state;
	rb = load_top(TOP_HEAD
	    "params:\n  - { name: mine, default: \"1\" }\n"
	    "environments:\n  staging:\n    params: { mine: m }\n  rehearsal:\n    params: { mine: r }\n"
	    "steps:\n  - include: sub\n    params: { b: \"{{ mine }}\" }\n", &d);
	if (d.errors != 0)
		diags_print(&d, stderr);
	assert_non_null(rb);
	st = environment(rb, "staging");
	/* The includer's own value stays; the included one follows the rename. */
	assert_string_equal(kv_value(st->params, st->nparams, "mine"), "m");
	assert_string_equal(kv_value(st->params, st->nparams, "sub_a"), "s-a");
	/* b was given by the include: the included environment's b is dropped. */
	assert_null(kv_value(st->params, st->nparams, "b"));
	assert_null(kv_value(st->params, st->nparams, "sub_b"));
	assert_string_equal(kv_value(st->env, st->nenv, "V"), "{{ sub_a }}");
	/* The stand-in follows its step's new id, its command renamed too. */
	assert_int_equal(runbook_find_step(rb, "sub-run1"), 0);
	assert_non_null(runbook_stand_in(st, "sub-run1"));
	assert_string_equal(runbook_stand_in(st, "sub-run1")->s, "echo {{ sub_a }}");
	assert_null(runbook_stand_in(environment(rb, "rehearsal"), "sub-run1"));
	/* So does the step's own drill stand-in. */
	assert_string_equal(rb->steps[0].drill_run.s, "echo drill {{ sub_a }}");
	/* An environment the includer lacked comes in, production and all. */
	prod = environment(rb, "production");
	assert_int_equal(prod->production, 1);
	assert_string_equal(kv_value(prod->params, prod->nparams, "sub_a"), "p");
	/* The host its remote step names, and the dialect its commands use. */
	assert_non_null(runbook_find_host(rb, "db1"));
	assert_string_equal(runbook_find_host(rb, "db1")->address, "127.0.0.1");
	assert_int_equal(rb->steps[0].shell, 2);
	runbook_free(rb);
	diags_clear(&d);
}

/* Both sides setting one param of one environment: the error stands at
 * the includer's value and names the included one's place. */
static void
test_param_conflict_positions(void **state)
{
	struct diags d = { 0 };
	const struct diag *e;
	char *there;

	(void)state;
	assert_null(load_top(TOP_HEAD
	    "environments:\n  staging:\n    params: { sub_a: other }\n"	/* line 6 */
	    "steps:\n  - include: sub\n", &d));
	e = only_error(&d);
	assert_non_null(strstr(e->file, "top.yaml"));
	assert_int_equal(e->pos.line, 6);
	assert_int_equal(e->pos.col, 22);
	there = xprintf("environment 'staging': param 'sub_a' is defined differently here and in the "
	    "included runbook at %s/sub.yaml:12:18 (include at %s/top.yaml:8:14): give it one definition", dir, dir);
	assert_string_equal(strstr(e->message, "environment"), there);
	free(there);
	diags_clear(&d);
}

/* The same value on both sides is one definition, not a conflict. */
static void
test_same_value_is_no_conflict(void **state)
{
	struct diags d = { 0 };
	struct runbook *rb;

	(void)state;
	rb = load_top(TOP_HEAD "environments:\n  staging:\n    params: { sub_a: s-a }\n"
	    "hosts:\n  db1: { address: 127.0.0.1 }\nsteps:\n  - include: sub\n", &d);
	if (d.errors != 0)
		diags_print(&d, stderr);
	assert_non_null(rb);
	/* sub_a once; sub_b, which the include left alone, comes in. */
	assert_int_equal(environment(rb, "staging")->nparams, 2);
	assert_int_equal(rb->nhosts, 1);
	runbook_free(rb);
	diags_clear(&d);
}

static void
test_stand_in_and_host_conflicts(void **state)
{
	struct diags d = { 0 };
	char *want;

	(void)state;
	assert_null(load_top(TOP_HEAD
	    "hosts:\n  db1: { address: 127.0.0.2 }\n"				/* line 5 */
	    "environments:\n  staging:\n    stand_ins: { sub-run1: echo mine }\n"	/* line 8 */
	    "steps:\n  - include: sub\n", &d));
	assert_int_equal(d.errors, 2);
	want = xprintf("stand-in for 'sub-run1' is defined differently here and in the included runbook at "
	    "%s/sub.yaml:14:24", dir);
	assert_non_null(strstr(d.list[0].message, want));
	assert_int_equal(d.list[0].pos.line, 8);
	free(want);
	want = xprintf("host 'db1' is defined differently here and in the included runbook at %s/sub.yaml:18:3", dir);
	assert_non_null(strstr(d.list[1].message, want));
	assert_int_equal(d.list[1].pos.line, 5);
	assert_int_equal(d.list[1].pos.col, 3);
	free(want);
	diags_clear(&d);
}

/* An included environment's variable would reach the includer's steps:
 * a different value of one the includer's env sets is refused. */
static void
test_own_env_conflict(void **state)
{
	struct diags d = { 0 };
	const struct diag *e;

	(void)state;
	assert_null(load_top(TOP_HEAD "env: { V: mine }\nsteps:\n  - include: sub\n", &d));
	e = only_error(&d);
	assert_int_equal(e->pos.line, 4);
	assert_int_equal(e->pos.col, 11);
	assert_non_null(strstr(e->message, "variable 'V' (this runbook's env; the included environment 'staging' "
	    "would set it for every step) is defined differently here and in the included runbook at"));
	assert_non_null(strstr(e->message, "sub.yaml:13:15"));
	diags_clear(&d);
}

/* A production target on one side only is two definitions of one name. */
static void
test_production_conflict(void **state)
{
	struct diags d = { 0 };
	const struct diag *e;

	(void)state;
	assert_null(load_top(TOP_HEAD "environments:\n  staging:\n    production: true\n"
	    "steps:\n  - include: sub\n", &d));
	e = only_error(&d);
	assert_non_null(strstr(e->message, "environment 'staging' (a production target on one side only)"));
	assert_int_equal(e->pos.line, 5);
	diags_clear(&d);
}

/* Its env goes first in each of its steps' env, counted as inherited,
 * so that the target environment's value wins over it (the engine applies
 * runbook, inherited, environment, own); a step's own value stays. */
static void
test_env_inherited_first(void **state)
{
	struct diags d = { 0 };
	struct runbook *rb;
	char *path;

	(void)state;
	free(write_file("sub2.yaml", "id: sub2\ntitle: S\nenv: { V: top, W: w }\n"
	    "environments:\n  staging:\n    env: { V: staged }\n"
	    "steps:\n  - { id: s, title: S, run: \"true\", env: { W: own } }\n"));
	path = write_file("top2.yaml", TOP_HEAD "steps:\n  - include: sub2\n");
	rb = loader_load_file(path, &d);
	if (d.errors != 0)
		diags_print(&d, stderr);
	assert_non_null(rb);
	assert_int_equal(rb->steps[0].nenv, 2);
	assert_int_equal(rb->steps[0].nenv_inherited, 1);
	assert_string_equal(rb->steps[0].env[0].key, "V");
	assert_string_equal(rb->steps[0].env[1].value.s, "own");
	assert_string_equal(environment(rb, "staging")->env[0].value.s, "staged");
	runbook_free(rb);
	free(path);
	diags_clear(&d);
}

/* A condition of an included step reads the included param under its new
 * name, not the includer's param of the old one, and STEP.status of an
 * included step under its prefixed id; a capture keeps its name. */
static void
test_conditions_renamed(void **state)
{
	struct diags d = { 0 };
	struct runbook *rb;
	char *path;

	(void)state;
	free(write_file("sub3.yaml", "id: sub3\ntitle: S\nparams:\n  - { name: flag, default: \"yes\" }\n"
	    "steps:\n  - { id: a, title: A, run: \"echo n=1\", capture: n }\n"
	    "  - { id: b, title: B, run: \"true\", when: 'flag == \"yes\" && a.status == \"ok\" && n > 0' }\n"));
	path = write_file("top3.yaml", TOP_HEAD "params:\n  - { name: flag, default: \"no\" }\n"
	    "steps:\n  - { include: sub3, as: s }\n");
	rb = loader_load_file(path, &d);
	if (d.errors != 0)
		diags_print(&d, stderr);
	assert_non_null(rb);
	assert_string_equal(rb->steps[1].id, "s-b");
	assert_string_equal(rb->steps[1].when.s, "s_flag == \"yes\" && s-a.status == \"ok\" && n > 0");
	runbook_free(rb);
	unlink(path);
	free(path);
	path = xprintf("%s/sub3.yaml", dir);
	unlink(path);
	free(path);
	diags_clear(&d);
}

/* A secret the included runbook reads from a vault is read the same way
 * once it is the includer's param. */
static void
test_from_command_kept(void **state)
{
	struct diags d = { 0 };
	struct runbook *rb;
	const struct param *p;
	static const char *const argv[] = { "vault", "kv", "get", "-field=k", "secret/ops", NULL };

	(void)state;
	rb = load_top(TOP_HEAD "steps:\n  - include: sub\n", &d);
	assert_non_null(rb);
	p = runbook_find_param(rb, "sub_key");
	assert_non_null(p);
	assert_int_equal(p->type, PARAM_SECRET);
	assert_non_null(p->from_command);
	for (int i = 0; argv[i] != NULL; i++)
		assert_string_equal(p->from_command[i], argv[i]);
	assert_null(p->from_command[5]);
	runbook_free(rb);
	diags_clear(&d);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	const char *names[] = { "sub.yaml", "top.yaml", "sub2.yaml", "top2.yaml" };

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *p = xprintf("%s/%s", dir, names[i]);

		unlink(p);
		free(p);
	}
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_environments_merged),
		cmocka_unit_test(test_param_conflict_positions),
		cmocka_unit_test(test_same_value_is_no_conflict),
		cmocka_unit_test(test_stand_in_and_host_conflicts),
		cmocka_unit_test(test_own_env_conflict),
		cmocka_unit_test(test_production_conflict),
		cmocka_unit_test(test_env_inherited_first),
		cmocka_unit_test(test_conditions_renamed),
		cmocka_unit_test(test_from_command_kept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
