/* test_cond.c: the `when:` expression language. */
#include "cmocka_all.h"

#include <stdlib.h>
#include <string.h>

#include "cond.h"

static int
lookup(void *arg, const char *name, const char **value)
{
	static const char *const vars[][2] = {
		{ "region", "us-west-2" }, { "loss", "12" }, { "restore.status", "ok" },
		{ "empty", "" }, { "no", "false" }, { "yes", "true" }, { NULL, NULL },
	};

	(void)arg;
	for (int i = 0; vars[i][0] != NULL; i++) {
		if (strcmp(vars[i][0], name) == 0) {
			*value = vars[i][1];
			return 0;
		}
	}
	return -1;
}

static int
eval(const char *src)
{
	struct cond *c;
	size_t off;
	char *cause = NULL;
	int r = -1;

	if ((c = cond_parse(src, &off, &cause)) == NULL)
		fail_msg("parse '%s': %s at %zu", src, cause, off);
	if (cond_eval(c, lookup, NULL, &r, &cause) != 0)
		fail_msg("eval '%s': %s", src, cause);
	cond_free(c);
	return r;
}

static void
test_values(void **state)
{
	(void)state;
	assert_int_equal(eval("region == \"us-west-2\""), 1);
	assert_int_equal(eval("region == 'eu-west-1'"), 0);
	assert_int_equal(eval("region != 'eu-west-1'"), 1);
	assert_int_equal(eval("loss > 0"), 1);
	assert_int_equal(eval("loss > 9"), 1);		/* numeric, not "12" < "9" */
	assert_int_equal(eval("loss <= 12 && loss >= 12"), 1);
	assert_int_equal(eval("restore.status == \"ok\""), 1);
	assert_int_equal(eval("region =~ '^us-'"), 1);
	assert_int_equal(eval("empty"), 0);
	assert_int_equal(eval("no"), 0);
	assert_int_equal(eval("yes"), 1);
	assert_int_equal(eval("!no && (empty || yes)"), 1);
	assert_int_equal(eval("no || empty"), 0);
}

static void
test_errors(void **state)
{
	const struct { const char *src; size_t off; } bad[] = {
		{ "region = 'x'", 7 }, { "region ==", 9 }, { "'open", 0 }, { "(yes", 4 },
		{ "yes yes", 4 }, { "&& yes", 0 }, { NULL, 0 },
	};
	struct cond *c;
	size_t off;
	char *cause;
	int r;

	(void)state;
	for (int i = 0; bad[i].src != NULL; i++) {
		cause = NULL;
		if ((c = cond_parse(bad[i].src, &off, &cause)) != NULL)
			fail_msg("'%s' parsed", bad[i].src);
		if (off != bad[i].off)
			fail_msg("'%s': error at %zu, wanted %zu (%s)", bad[i].src, off, bad[i].off, cause);
		free(cause);
	}
	c = cond_parse("nope == 1", &off, &cause);
	assert_non_null(c);
	assert_int_equal(cond_eval(c, lookup, NULL, &r, &cause), -1);
	assert_non_null(strstr(cause, "nope"));
	free(cause);
	cond_free(c);
}

/* A literal regex is compiled when parsed: a bad one is found at lint. */
static void
test_bad_literal_regex(void **state)
{
	size_t off = 0;
	char *cause = NULL;
	struct cond *c;

	(void)state;
	assert_null(cond_parse("region =~ 'us-(east'", &off, &cause));
	assert_int_equal(off, 10);
	assert_non_null(strstr(cause, "not a valid regular expression"));
	free(cause);
	cause = NULL;
	c = cond_parse("region =~ '^us-(east|west)-[0-9]+$'", &off, &cause);
	assert_non_null(c);
	cond_free(c);
	/* A name on the right is only known at run time. */
	c = cond_parse("region =~ loss", &off, &cause);
	assert_non_null(c);
	cond_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_literal_regex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
