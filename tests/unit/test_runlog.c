/* test_runlog.c: the text and priority of the syslog records of a run's
 * start, resume and end (the e2e syslog.sh reads them from a socket). */
#include "cmocka_all.h"

#include <stdlib.h>
#include <syslog.h>

#include <jansson.h>

#include "runlog.h"

static const struct runlog_run run = { "pitr-restore", "20261207T2130Z-pitr", "drill", "alice", "staging" };

static void
check(const char *event, json_t *fields, const char *want, int want_priority)
{
	int priority = -1;
	char *got = runlog_format(&run, event, fields, &priority);

	assert_string_equal(got, want);
	assert_int_equal(priority, want_priority);
	free(got);
	json_decref(fields);
}

static void
test_start_resume_end(void **state)
{
	(void)state;
	check("run.start", json_object(), "run started: runbook=pitr-restore incident=20261207T2130Z-pitr "
	    "mode=drill operator=alice environment=staging", LOG_NOTICE);
	check("run.resume", json_object(), "run resumed: runbook=pitr-restore incident=20261207T2130Z-pitr "
	    "mode=drill operator=alice environment=staging", LOG_NOTICE);
	check("run.end", json_pack("{sssI}", "status", "completed", "duration_ms", (json_int_t)61999),
	    "run ended: runbook=pitr-restore incident=20261207T2130Z-pitr mode=drill operator=alice "
	    "environment=staging status=completed duration_s=61", LOG_NOTICE);
	check("run.end", json_pack("{sssI}", "status", "aborted", "duration_ms", (json_int_t)1000),
	    "run ended: runbook=pitr-restore incident=20261207T2130Z-pitr mode=drill operator=alice "
	    "environment=staging status=aborted duration_s=1", LOG_ERR);
}

static void
test_other_events_are_not_logged(void **state)
{
	int priority;

	(void)state;
	assert_null(runlog_format(&run, "step.end", NULL, &priority));
	assert_null(runlog_format(&run, "note", NULL, &priority));
}

/* A name cannot start a second record, nor hide a field. */
static void
test_control_characters_and_empty_values(void **state)
{
	struct runlog_run odd = { "rb", "inc", "live", "eve\nrun ended: forged\x1b[2J", NULL };
	int priority;
	char *got;

	(void)state;
	got = runlog_format(&odd, "run.start", NULL, &priority);
	assert_string_equal(got, "run started: runbook=rb incident=inc mode=live "
	    "operator=eve?run ended: forged?[2J environment=-");
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_resume_end),
		cmocka_unit_test(test_other_events_are_not_logged),
		cmocka_unit_test(test_control_characters_and_empty_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
