/*
 * test_export.c: the escapers of the JUnit XML and the metrics textfile,
 * and both files of the recorded corpus (tests/data/incidents) checked
 * against what the fold says of the same run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junit.h"
#include "metrics.h"
#include "runfacts.h"
#include "runstate.h"
#include "strbuf.h"
#include "xmalloc.h"

static char *
xml(const char *s, size_t len, int attr)
{
	struct strbuf sb;

	strbuf_init(&sb);
	junit_xml_escape(&sb, s, len, attr);
	return strbuf_detach(&sb);
}

static void
test_xml_escape(void **state)
{
	/* Markup, quotes, the controls XML 1.0 forbids, a stray byte, a
	 * surrogate (ED A0 80), U+FFFE (EF BF BE), a NUL, and é and 🙂 kept. */
	static const char in[] = "<a href=\"x\">&'</a>\x01\x1b[2J\xff\xed\xa0\x80\xef\xbf\xbe\0\xc3\xa9\xf0\x9f\x99\x82\t\n\r";
	char *out = xml(in, sizeof in - 1, 0);

	(void)state;
	assert_string_equal(out, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
	    "\xef\xbf\xbd\xef\xbf\xbd[2J\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\xf0\x9f\x99\x82\t\n&#13;");
	free(out);
	/* In an attribute, whitespace survives normalisation as references. */
	out = xml("a\tb\nc", 5, 1);
	assert_string_equal(out, "a&#9;b&#10;c");
	free(out);
	/* A character cut short at the end of the text. */
	out = xml("ok\xc3", 3, 0);
	assert_string_equal(out, "ok\xef\xbf\xbd");
	free(out);
}

static void
test_label_escape(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	metrics_label_escape(&sb, "a\"b\\c\nd");
	assert_string_equal(strbuf_str(&sb), "a\\\"b\\\\c\\nd");
	strbuf_free(&sb);
}

static void
load(struct runstate *rs, const char *name)
{
	char *dir = xprintf("%s/tests/data/incidents/%s", getenv("top_srcdir") ?
	    getenv("top_srcdir") : ".", name), *cause = NULL;

	runstate_init(rs);
	if (runstate_load(rs, dir, 0, NULL, NULL, &cause) != 0)
		fail_msg("%s: %s", name, cause);
	free(dir);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Each corpus incident: a testcase per step the fold knows, failures and
 * skips as many as its steps say; run_success as its outcome. */
static void
test_corpus(void **state)
{
	static const char *names[] = { "drill", "training", "dryrun", "failed", "rolledback", "resumed",
	    "v0-drill", "v0-resumed" };
	struct runstate rs;

	(void)state;
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		char *dir = xprintf("tests/data/incidents/%s", names[k]);
		char *x, *m, *want;
		int failed = 0, skipped = 0;

		load(&rs, names[k]);
		for (int i = 0; i < rs.nsteps; i++) {
			failed += rs.steps[i].status == JSTATUS_FAILED || rs.steps[i].status == JSTATUS_TIMEOUT ||
			    rs.steps[i].status == JSTATUS_CANCELLED || rs.steps[i].status == JSTATUS_ROLLED_BACK;
			skipped += rs.steps[i].status == JSTATUS_SKIPPED;
		}
		x = junit_render(&rs, dir);
		assert_int_equal(count(x, "<testcase "), rs.nsteps);
		assert_int_equal(count(x, "<failure "), failed);
		assert_int_equal(count(x, "<skipped "), skipped);
		m = metrics_render(&rs);
		want = xprintf("drconsole_run_success{runbook=\"corpus\",environment=\"%s\"} %d\n",
		    rs.environment ? rs.environment : "", runfacts_closed(&rs) &&
		    rs.outcome == JOUTCOME_COMPLETED);
		if (strstr(m, want) == NULL)
			fail_msg("%s: no %s in\n%s", names[k], want, m);
		free(want);
		free(x);
		free(m);
		free(dir);
		runstate_clear(&rs);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_escape),
		cmocka_unit_test(test_label_escape),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
