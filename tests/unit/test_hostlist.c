/* test_hostlist.c: the hosts an 'on' names: the runbook's, and plain host
 * names and addresses from a captured value, never anything ssh could read
 * as an option or a shell could read as code. */
#include "cmocka_all.h"

#include <stdlib.h>
#include <string.h>

#include "hostlist.h"
#include "loader.h"

static struct runbook *
fleet(void)
{
	static const char text[] =
	    "id: hl\ntitle: hl\nobjectives: { rto: 1h, rpo: 1m }\n"
	    "hosts: { db1: ~, db2: { address: 10.0.0.2 } }\n"
	    "groups: { dbs: [db1, db2] }\n"
	    "steps:\n  - { id: a, title: A, run: 'true' }\n";
	struct diags d = { 0 };
	struct runbook *rb = loader_load_buffer("mem.yaml", (const unsigned char *)text, strlen(text), &d);

	assert_non_null(rb);
	diags_clear(&d);
	return rb;
}

static void
test_runbook_names(void **state)
{
	struct runbook *rb = fleet();
	struct hostlist hl;
	char *cause = NULL;

	(void)state;
	assert_int_equal(hostlist_resolve(rb, "dbs, db1", 0, &hl, &cause), 0);
	assert_int_equal(hl.n, 2);
	assert_int_equal(hl.nadhoc, 0);
	assert_string_equal(hl.hosts[1]->address, "10.0.0.2");
	hostlist_free(&hl);
	/* Without addresses (a hosts param), an unknown name is an error. */
	assert_int_equal(hostlist_resolve(rb, "db1 replica-7", 0, &hl, &cause), -1);
	assert_non_null(strstr(cause, "replica-7"));
	free(cause);
	hostlist_free(&hl);
	runbook_free(rb);
}

/* A captured list: one a line, or spaces and commas; known names keep
 * their settings, others are hosts by name, each once. */
static void
test_captured_addresses(void **state)
{
	struct runbook *rb = fleet();
	struct hostlist hl;
	char *cause = NULL;

	(void)state;
	assert_int_equal(hostlist_resolve(rb, "10.0.0.7\nreplica-2.dc1\r\ndb2 10.0.0.7,db1\n", 1, &hl, &cause), 0);
	assert_int_equal(hl.n, 4);
	assert_string_equal(hl.hosts[0]->name, "10.0.0.7");
	assert_null(hl.hosts[0]->address);
	assert_string_equal(hl.hosts[1]->name, "replica-2.dc1");
	assert_string_equal(hl.hosts[2]->address, "10.0.0.2");
	assert_string_equal(hl.hosts[3]->name, "db1");
	hostlist_free(&hl);
	runbook_free(rb);
}

/* Hostile captured values: an option, a path, shell syntax, a user@, a
 * quote; each is refused whole, naming the word. */
static void
test_captured_hostile(void **state)
{
	static const char *const bad[] = {
		"db1 -oProxyCommand=touch /tmp/drc-pwned", "-oProxyCommand=x", "db1;reboot", "$(id)",
		"`id`", "root@db1", "db1'x", "/etc/passwd", "db1|sh", "_x", ".hidden", "a\\b",
		NULL
	};
	struct runbook *rb = fleet();
	struct hostlist hl;
	char *cause = NULL;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		if (hostlist_resolve(rb, bad[i], 1, &hl, &cause) != -1)
			fail_msg("'%s' was taken as hosts", bad[i]);
		assert_non_null(strstr(cause, "is not a host name or address"));
		free(cause);
		cause = NULL;
		hostlist_free(&hl);
	}
	assert_int_equal(hostlist_resolve(rb, " , \n", 1, &hl, &cause), -1);
	free(cause);
	hostlist_free(&hl);
	runbook_free(rb);
}

static void
test_too_many(void **state)
{
	struct runbook *rb = fleet();
	struct hostlist hl;
	char *cause = NULL, *text = malloc(HOSTLIST_MAX * 4 + 8);
	size_t len = 0;

	(void)state;
	for (int i = 0; i <= HOSTLIST_MAX; i++)
		len += (size_t)sprintf(text + len, "h%d ", i % 10);
	assert_int_equal(hostlist_resolve(rb, text, 1, &hl, &cause), -1);
	assert_non_null(strstr(cause, "more than"));
	free(cause);
	hostlist_free(&hl);
	free(text);
	runbook_free(rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runbook_names),
		cmocka_unit_test(test_captured_addresses),
		cmocka_unit_test(test_captured_hostile),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
