/* test_inventory.c: Ansible inventories, INI and YAML, into a runbook's
 * hosts and groups: the same inventory in both forms gives the same hosts,
 * and every problem, hostile values included, is an error at the
 * inventory's own FILE:LINE:COL. */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "xmalloc.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static const char *
var(const struct runbook *rb, const char *host, const char *name)
{
	const struct rstr *v = runbook_host_var(rb, runbook_find_host(rb, host), name);

	return v != NULL ? v->s : NULL;
}

static void
check_fleet(const char *file)
{
	char *path = xprintf("%s/tests/data/inventory/%s", getenv("top_srcdir") ? getenv("top_srcdir") : TOP_SRCDIR, file);
	struct diags d = { 0 };
	struct runbook *rb = loader_load_file(path, &d);
	const struct host_def **list, *e2, *db1;
	char *cause = NULL;
	int n;

	if (rb == NULL)
		diags_print(&d, stderr);
	assert_non_null(rb);
	assert_int_equal(d.count, 0);
	e2 = runbook_find_host(rb, "etcd2");
	db1 = runbook_find_host(rb, "db1");
	assert_string_equal(e2->address, "10.0.0.12");
	assert_int_equal(e2->port, 2222);
	assert_string_equal(e2->user, "ops");
	assert_string_equal(db1->identity, "/keys/db");
	assert_non_null(runbook_find_host(rb, "mail.example.com"));
	assert_string_equal(var(rb, "etcd1", "member"), "etcd-1");
	assert_string_equal(var(rb, "etcd2", "peer_url"), "http://10.0.0.12:2380");
	assert_string_equal(var(rb, "etcd2", "cluster_token"), "dr-etcd");
	assert_string_equal(var(rb, "db1", "site"), "dc1");
	assert_string_equal(var(rb, "mail.example.com", "site"), "dc1");
	assert_null(var(rb, "db1", "cluster_token"));
	assert_null(var(rb, "etcd1", "ansible_host"));
	assert_int_equal(runbook_resolve_hosts(rb, "cluster", &list, &n, &cause), 0);
	assert_int_equal(n, 3);
	free(list);
	runbook_free(rb);
	diags_clear(&d);
	free(path);
}

static void
test_ini_and_yaml_agree(void **state)
{
	(void)state;
	check_fleet("rb-ini.yaml");
	check_fleet("rb-yml.yaml");
}

/* Writes a runbook naming inventory file name (holding text) in a scratch
 * folder, loads it, and expects an error at name:line:col saying what. */
static void
expect_error(const char *name, const char *text, int line, int col, const char *what)
{
	char dir[] = "/tmp/drc-inv.XXXXXX", *rbp, *invp;
	struct diags d = { 0 };
	FILE *f;
	int found = 0;

	assert_non_null(mkdtemp(dir));
	rbp = xprintf("%s/rb.yaml", dir);
	invp = xprintf("%s/%s", dir, name);
	f = fopen(rbp, "w");
	fprintf(f, "id: inv\ntitle: inv\nobjectives: { rto: 1h, rpo: 1m }\nhosts: { mine: ~ }\n"
	    "inventory: %s\nsteps:\n  - { id: a, title: A, run: 'true' }\n", name);
	fclose(f);
	f = fopen(invp, "w");
	fputs(text, f);
	fclose(f);
	assert_null(loader_load_file(rbp, &d));
	for (int i = 0; i < d.count; i++) {
		if (strstr(d.list[i].message, what) != NULL && strcmp(d.list[i].file, invp) == 0 &&
		    d.list[i].pos.line == line && d.list[i].pos.col == col)
			found = 1;
	}
	if (!found) {
		diags_print(&d, stderr);
		fail_msg("no error '%s' at %s:%d:%d", what, name, line, col);
	}
	diags_clear(&d);
	unlink(invp);
	unlink(rbp);
	rmdir(dir);
	free(invp);
	free(rbp);
}

static void
test_ini_errors(void **state)
{
	(void)state;
	expect_error("h.ini", "[web]\nwww[01:50].example.com\n", 2, 1, "host ranges are not expanded");
	expect_error("h.ini", "[web:bogus]\nw1\n", 1, 1, "a section is [name]");
	expect_error("h.ini", "[web]\n  w1 ansible_port=99999\n", 2, 6, "is not a TCP port");
	expect_error("h.ini", "w1 2bad=x\n", 1, 4, "is not a valid var name");
	expect_error("h.ini", "w1 noequals\n", 1, 4, "is not key=value");
	expect_error("h.ini", "bad!host\n", 1, 1, "is not a host name");
	expect_error("h.ini", "w1 ansible_host=-oProxyCommand=touch\n", 1, 1, "would not take safely");
	expect_error("h.ini", "w1 ansible_host=-x\n", 1, 1, "must not be empty or start with '-'");
	expect_error("h.ini", "w1 ansible_user='x y'\n", 1, 1, "would not take safely");
	expect_error("h.yml", "all:\n  children:\n    g:\n      vars: {a: b}\n  hosts: { w1: ~ }\nw2: [x]\n", 6, 5, "group 'w2' must be a mapping");
	expect_error("h.ini", "mine\n", 1, 1, "already a host of the runbook");
	expect_error("h.ini", "[w1]\nw1\n", 2, 1, "both a host and a group");
	expect_error("h.ini", "[web:vars]\njust words\n", 2, 1, "is key=value");
}

static void
test_yaml_errors(void **state)
{
	(void)state;
	expect_error("h.yml", "all:\n  hostz: {}\n", 2, 3, "unknown key 'hostz'");
	expect_error("h.yml", "all:\n  hosts:\n    w1: { member: [a, b] }\n", 3, 19, "a var's value must be a single value");
	expect_error("h.yml", "all:\n  hosts:\n    w1: { ansible_host: \"$(reboot)\" }\n", 3, 5, "would not take safely");
	expect_error("h.yml", "all:\n  children:\n    g:\n      hosts:\n        web[1:3]:\n", 5, 9, "host ranges");
	expect_error("h.yml", "all: [a, b\n", 1, 6, "while parsing");
}

static void
test_missing_file(void **state)
{
	char dir[] = "/tmp/drc-inv.XXXXXX", *rbp;
	struct diags d = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	rbp = xprintf("%s/rb.yaml", dir);
	f = fopen(rbp, "w");
	fputs("id: inv\ntitle: inv\nobjectives: { rto: 1h, rpo: 1m }\ninventory: /nonexistent/drc-hosts.ini\n"
	    "steps:\n  - { id: a, title: A, run: 'true' }\n", f);
	fclose(f);
	assert_null(loader_load_file(rbp, &d));
	assert_string_equal(d.list[0].file, "/nonexistent/drc-hosts.ini");
	assert_non_null(strstr(d.list[0].message, "cannot read"));
	diags_clear(&d);
	unlink(rbp);
	rmdir(dir);
	free(rbp);
}

/* An inventory others may write says where commands run: warned about,
 * and the runbook counts as loose. */
static void
test_loose(void **state)
{
	char dir[] = "/tmp/drc-inv.XXXXXX", *rbp, *invp;
	struct diags d = { 0 };
	struct runbook *rb;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	rbp = xprintf("%s/rb.yaml", dir);
	invp = xprintf("%s/h.ini", dir);
	f = fopen(rbp, "w");
	fputs("id: inv\ntitle: inv\nobjectives: { rto: 1h, rpo: 1m }\ninventory: h.ini\n"
	    "steps:\n  - { id: a, title: A, on: w1, run: 'true' }\n", f);
	fclose(f);
	chmod(rbp, 0600);
	f = fopen(invp, "w");
	fputs("w1\n", f);
	fclose(f);
	chmod(invp, 0666);
	rb = loader_load_file(rbp, &d);
	assert_non_null(rb);
	assert_int_equal(d.count, 1);
	assert_int_equal(d.list[0].severity, DIAG_WARNING);
	assert_string_equal(d.list[0].file, invp);
	assert_true(rb->loose);
	runbook_free(rb);
	diags_clear(&d);
	unlink(invp);
	unlink(rbp);
	rmdir(dir);
	free(invp);
	free(rbp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ini_and_yaml_agree),
		cmocka_unit_test(test_ini_errors),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_loose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
