/* test_jsonpath.c: capture: { json: PATH }'s reader: paths, values as
 * text, and what has no value. */
#include "cmocka_all.h"

#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"

static const char doc[] =
    "{\"state\": \"streaming\", \"replicas\": [{\"name\": \"db2\", \"lag\": 42},"
    " {\"name\": \"db3\", \"lag\": 7.5}], \"ok\": true, \"a key\": {\"x\": null}, \"n\": null}\n";

static void
expect(const char *path, const char *want)
{
	char *cause = NULL, *v = jsonpath_value(doc, path, &cause);

	if (v == NULL)
		fail_msg("%s: %s", path, cause);
	assert_string_equal(v, want);
	free(v);
}

static void
expect_none(const char *text, const char *path, const char *why)
{
	char *cause = NULL;

	assert_null(jsonpath_value(text, path, &cause));
	if (strstr(cause, why) == NULL)
		fail_msg("%s: '%s' does not say '%s'", path, cause, why);
	free(cause);
}

static void
test_values(void **state)
{
	(void)state;
	expect(".state", "streaming");
	expect(".replicas[0].name", "db2");
	expect(".replicas[0].lag", "42");
	expect(".replicas[1].lag", "7.5");
	expect(".ok", "true");
	expect(".replicas[1]", "{\"name\":\"db3\",\"lag\":7.5}");
	expect(".\"a key\"", "{\"x\":null}");
	expect(".", "{\"state\":\"streaming\",\"replicas\":[{\"name\":\"db2\",\"lag\":42},{\"name\":\"db3\","
	    "\"lag\":7.5}],\"ok\":true,\"a key\":{\"x\":null},\"n\":null}");
}

static void
test_nothing_there(void **state)
{
	(void)state;
	expect_none(doc, ".missing", "nothing at .missing");
	expect_none(doc, ".replicas[5]", "nothing at");
	expect_none(doc, ".n", "nothing at");
	expect_none(doc, ".state.x", "nothing at");
	expect_none("not json {", ".a", "not JSON");
	expect_none(doc, "state", "starts with '.'");
	expect_none(doc, ".replicas[x]", "index");
	expect_none(doc, ".a$b", "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_nothing_there),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
