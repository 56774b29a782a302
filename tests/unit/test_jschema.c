/*
 * test_jschema.c: the journal's schema table. Its names are unique and
 * agree with the engine's own words (step statuses, modes); a line is
 * checked member by member; journal_append refuses a line the table does
 * not know when the schema check is on, and writes it when it is off; and
 * the output files have one naming rule, the one outfile.c writes by.
 */
#include "cmocka_all.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "jschema.h"
#include "journal.h"
#include "outfile.h"
#include "xmalloc.h"

static void
test_names_unique(void **state)
{
	(void)state;
	for (int a = 0; a < JEV_COUNT; a++) {
		assert_int_equal(jschema_event(jschema_events[a].name), a);
		for (int b = a + 1; b < JEV_COUNT; b++)
			assert_string_not_equal(jschema_events[a].name, jschema_events[b].name);
	}
	for (size_t a = 0; a < jschema_nfields; a++) {
		for (size_t b = a + 1; b < jschema_nfields; b++) {
			if (jschema_fields[a].event == jschema_fields[b].event ||
			    jschema_fields[a].event == JEV_COUNT || jschema_fields[b].event == JEV_COUNT)
				assert_string_not_equal(jschema_fields[a].name, jschema_fields[b].name);
		}
	}
	assert_int_equal(jschema_event("step.launch"), JEV_UNKNOWN);
	assert_int_equal(jschema_event(NULL), JEV_UNKNOWN);
	assert_int_equal(jschema_event_n("step.end junk", 8), JEV_STEP_END);
	assert_string_equal(JEV_NAME(STEP_END), "step.end");
}

/* The engine's words are the schema's: one vocabulary, two enums in step. */
static void
test_engine_agrees(void **state)
{
	enum run_mode m;

	(void)state;
	assert_int_equal(JSTATUS_COUNT, STEP_NSTATUS);
	for (int s = 0; s < JSTATUS_COUNT; s++)
		assert_string_equal(jschema_status_name((enum js_status)s), step_status_name((enum step_status)s));
	for (int k = 0; k < JMODE_COUNT; k++) {
		assert_string_equal(jschema_mode_name((enum js_mode)k), run_mode_name((enum run_mode)k));
		assert_int_equal(run_mode_from_name(jschema_modes[k].name, &m), 0);
		assert_int_equal((int)m, k);
	}
	assert_int_equal(jschema_skip_from("drill"), JSKIP_DRILL);
	assert_int_equal(jschema_skip_from("dry run"), -1);
	assert_string_equal(jschema_skip_name(JSKIP_COUNT), "?");
	assert_int_equal(jschema_outcome_from("aborted"), JOUTCOME_ABORTED);
	/* A decision in words: its first word is its kind, or it is other. */
	assert_int_equal(jschema_decision_of("abort (on_failure: abort)"), JDEC_ABORT);
	assert_int_equal(jschema_decision_of("quit: cancel the running step"), JDEC_QUIT);
	assert_int_equal(jschema_decision_of("retry"), JDEC_RETRY);
	assert_int_equal(jschema_decision_of("retrying later"), JDEC_OTHER);
	assert_int_equal(jschema_decision_of(""), JDEC_OTHER);
	assert_int_equal(jschema_decision_of(NULL), JDEC_OTHER);
}

static void
expect_refused(const char *event, const char *json, const char *words)
{
	json_t *line = json_loads(json, 0, NULL);
	char *cause = NULL;

	assert_non_null(line);
	assert_int_equal(jschema_check(event, line, 1, &cause), -1);
	if (strstr(cause, words) == NULL)
		fail_msg("%s %s: '%s' lacks '%s'", event, json, cause, words);
	free(cause);
	json_decref(line);
}

static void
test_check(void **state)
{
	json_t *line = json_loads("{\"step\":\"a\",\"index\":1,\"status\":\"ok\",\"exit_code\":null,\"drill\":true}",
	    0, NULL);
	char *cause = NULL;

	(void)state;
	assert_int_equal(jschema_check("step.end", line, 1, &cause), 0);
	/* A whole line also needs the members journal.c writes. */
	assert_int_equal(jschema_check("step.end", line, 0, &cause), -1);
	assert_non_null(strstr(cause, "\"seq\""));
	free(cause);
	json_decref(line);
	expect_refused("step.launch", "{}", "no event \"step.launch\"");
	expect_refused("step.end", "{\"step\":\"a\",\"index\":1,\"status\":\"ok\",\"colour\":1}", "no member \"colour\"");
	expect_refused("step.end", "{\"step\":\"a\",\"index\":\"1\",\"status\":\"ok\"}", "\"index\" has the wrong type");
	expect_refused("step.end", "{\"step\":\"a\",\"index\":1}", "required member \"status\"");
	expect_refused("note", "{\"text\":\"a\",\"injected\":1}", "\"injected\" has the wrong type");
}

static void
append_with(const char *check, const char *event, int want)
{
	char dir[] = "/tmp/drc-jschema-XXXXXX", *cause = NULL, *cmd;
	struct journal *j;
	json_t *f = json_pack("{ss}", "text", "hello");

	assert_non_null(mkdtemp(dir));
	if (check != NULL)
		setenv(JOURNAL_SCHEMA_ENV, check, 1);
	else
		unsetenv(JOURNAL_SCHEMA_ENV);
	assert_int_equal(journal_open(&j, dir, 0, &cause), 0);
	assert_int_equal(journal_append(j, event, f, &cause), want);
	if (want != 0) {
		assert_non_null(strstr(cause, "journal schema"));
		free(cause);
	}
	assert_int_equal(journal_last_seq(j), want == 0 ? 1 : 0);
	journal_close(j);
	json_decref(f);
	cmd = xprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	unsetenv(JOURNAL_SCHEMA_ENV);
}

/* With the check on, a writer that drifts from the table is refused. */
static void
test_append_checked(void **state)
{
	(void)state;
	append_with("1", "note", 0);
	append_with("1", "nota", -1);
	append_with("1", "step.end", -1);	/* text is no member of step.end */
	append_with(NULL, "nota", 0);		/* off: the storage takes any event */
	append_with("0", "nota", 0);
}

static void
test_output_names(void **state)
{
	char dir[] = "/tmp/drc-jschema-XXXXXX", *cause = NULL, *name, *cmd;
	const struct { int attempt; enum js_output what; const char *want; } cases[] = {
		{ 1, JOUT_ATTEMPT, "03-restore.log" },
		{ 0, JOUT_ATTEMPT, "03-restore.log" },
		{ 2, JOUT_ATTEMPT, "03-restore.2.log" },
		{ 2, JOUT_ROLLBACK, "03-restore.rollback.log" },
		{ 4, JOUT_VERIFY, "03-restore.verify.log" },
	};
	struct outfile *of;
	char hex[CRYPTO_HEX_LEN];
	int dfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		name = jschema_output_name(3, "restore", cases[k].attempt, cases[k].what);
		assert_string_equal(name, cases[k].want);
		free(name);
		/* outfile.c writes by the same rule. */
		of = outfile_openat(dfd, dir, 3, "restore", cases[k].attempt, cases[k].what, &cause);
		if (of == NULL)
			fail_msg("%s", cause);
		name = xprintf("%s/%s", OUTFILE_DIR, cases[k].want);
		assert_string_equal(outfile_relpath(of), name);
		free(name);
		assert_int_equal(outfile_close(of, hex, &cause), 0);
	}
	close(dfd);
	name = jschema_output_name(12, "x", 1, JOUT_ATTEMPT);
	assert_string_equal(name, "12-x.log");
	free(name);
	cmd = xprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_engine_agrees),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_append_checked),
		cmocka_unit_test(test_output_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
