/* test_approvers.c: approvers: lists as the loader reads them, which list
 * decides for a step, lint's warnings, and the membership test against
 * the real password and group databases (this process's own login and
 * primary group). */
#include "cmocka_all.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approvers.h"
#include "loader.h"
#include "xmalloc.h"

static struct runbook *
load(const char *text, struct diags *d)
{
	return loader_load_buffer("mem.yaml", (const unsigned char *)text, strlen(text), d);
}

/* How many diagnostics contain what. */
static int
count_diags(const struct diags *d, const char *what)
{
	int n = 0;

	for (int i = 0; i < d->count; i++)
		n += strstr(d->list[i].message, what) != NULL;
	return n;
}

#define HEAD "id: t\ntitle: T\nobjectives: { rto: 1h, rpo: 5m }\n"

static void
test_nearest_list_decides(void **state)
{
	struct diags d = { 0 };
	struct runbook *rb = load(HEAD "approvers: [alice, \"@dba\"]\n"
	    "environments:\n  staging: { approvers: [bob] }\n  production: {}\n"
	    "steps:\n"
	    "  - { id: a, title: A, run: \"true\", confirm: approval }\n"
	    "  - { id: b, title: B, run: \"true\", confirm: approval, approvers: [carol] }\n", &d);
	const struct environment *staging, *prod;
	const struct approvers *a;

	(void)state;
	assert_non_null(rb);
	assert_int_equal(d.errors, 0);
	assert_int_equal(count_diags(&d, "names no approvers"), 0);
	staging = runbook_find_environment(rb, "staging");
	prod = runbook_find_environment(rb, "production");
	a = approvers_for_step(rb, NULL, 0);
	assert_ptr_equal(a, &rb->approvers);
	assert_int_equal(a->n, 2);
	assert_string_equal(a->names[0], "alice");
	assert_string_equal(a->names[1], "@dba");
	assert_ptr_equal(approvers_for_step(rb, staging, 0), &staging->approvers);
	assert_ptr_equal(approvers_for_step(rb, prod, 0), &rb->approvers);
	assert_ptr_equal(approvers_for_step(rb, staging, 1), &rb->steps[1].approvers);
	assert_string_equal(rb->steps[1].approvers.names[0], "carol");
	runbook_free(rb);
	diags_clear(&d);

	rb = load(HEAD "steps:\n  - { id: a, title: A, run: \"true\", confirm: approval }\n", &d);
	assert_non_null(rb);
	assert_null(approvers_for_step(rb, NULL, 0));
	runbook_free(rb);
	diags_clear(&d);
}

static void
test_bad_lists(void **state)
{
	struct diags d = { 0 };

	(void)state;
	assert_null(load(HEAD "approvers: alice\nsteps:\n  - { id: a, title: A, run: x }\n", &d));
	assert_int_equal(count_diags(&d, "'approvers' must be a list"), 1);
	diags_clear(&d);
	assert_null(load(HEAD "steps:\n  - { id: a, title: A, run: x, confirm: approval, "
	    "approvers: [Alice, \"@\", \"-rf\", ok] }\n", &d));
	assert_int_equal(d.errors, 3);
	assert_int_equal(count_diags(&d, "is not a login or an @group"), 3);
	diags_clear(&d);
}

static void
test_lint_warnings(void **state)
{
	struct diags d = { 0 };
	struct runbook *rb;

	(void)state;
	rb = load(HEAD "steps:\n  - { id: a, title: A, run: x, confirm: approval }\n", &d);
	assert_int_equal(count_diags(&d, "step 'a' needs approval but the runbook names no approvers"), 1);
	assert_int_equal(count_diags(&d, APPROVERS_GROUP), 1);
	runbook_free(rb);
	diags_clear(&d);
	/* One environment without a list is enough to fall back to the group. */
	rb = load(HEAD "environments:\n  staging: { approvers: [bob] }\n  production: {}\n"
	    "steps:\n  - { id: a, title: A, run: x, confirm: approval }\n", &d);
	assert_int_equal(count_diags(&d, "names no approvers"), 1);
	runbook_free(rb);
	diags_clear(&d);
	rb = load(HEAD "approvers: []\nsteps:\n  - { id: a, title: A, run: x, confirm: approval }\n"
	    "  - { id: b, title: B, run: x, approvers: [bob] }\n", &d);
	assert_int_equal(count_diags(&d, "nobody can approve"), 1);
	assert_int_equal(count_diags(&d, "step 'b': 'approvers' only apply"), 1);
	assert_int_equal(count_diags(&d, "names no approvers"), 0);
	assert_int_equal(d.errors, 0);
	runbook_free(rb);
	diags_clear(&d);
}

/* A list of one name. */
static struct approvers
one(char *name)
{
	static char *names[1];
	struct approvers a = { names, 1, 1, { 0, 0 } };

	names[0] = name;
	return a;
}

static void
test_membership(void **state)
{
	struct passwd *pw = getpwuid(getuid());
	struct group *gr;
	struct approvers a;
	char *why = NULL, *login, *group;

	(void)state;
	if (pw == NULL)
		skip();
	login = xstrdup(pw->pw_name);
	gr = getgrgid(pw->pw_gid);
	group = gr != NULL ? xprintf("@%s", gr->gr_name) : NULL;
	a = one(login);
	assert_true(approvers_allow(&a, getuid(), &why));
	if (group != NULL) {
		a = one(group);
		assert_true(approvers_allow(&a, getuid(), &why));
	}
	a = one("nobody-of-this-name");
	assert_false(approvers_allow(&a, getuid(), &why));
	assert_non_null(strstr(why, "is not among the approvers (nobody-of-this-name)"));
	assert_non_null(strstr(why, login));
	free(why);
	a = one("@no-such-group-here");
	assert_false(approvers_allow(&a, getuid(), &why));
	free(why);
	/* No list: the group decides, and it says so when it refuses. */
	if (getgrnam(APPROVERS_GROUP) == NULL) {
		assert_false(approvers_allow(NULL, getuid(), &why));
		assert_non_null(strstr(why, "is not in the group " APPROVERS_GROUP));
		free(why);
	}
	/* A uid with no login is nobody's approver. */
	if (getpwuid(3999999) == NULL) {
		assert_false(approvers_allow(NULL, 3999999, &why));
		assert_non_null(strstr(why, "uid 3999999 has no login"));
		free(why);
		why = approvers_login(3999999);
		assert_string_equal(why, "uid 3999999");
		free(why);
	}
	free(group);
	free(login);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nearest_list_decides),
		cmocka_unit_test(test_bad_lists),
		cmocka_unit_test(test_lint_warnings),
		cmocka_unit_test(test_membership),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
