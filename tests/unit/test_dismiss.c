/* test_dismiss.c: closing a stale incident by hand: a run.end "dismissed"
 * with the operator and reason, on the journal's hash chain; refused
 * without a reason, outside an incident, and while a console drives it. */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "dismiss.h"
#include "journal.h"
#include "journal_fixture.h"
#include "xmalloc.h"

#define T0 1796000000000LL

struct fixture {
	char top[64];
	char *dir;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct journal *j = NULL;
	char *cause = NULL;

	snprintf(f->top, sizeof f->top, "/tmp/drc-dismiss.XXXXXX");
	if (mkdtemp(f->top) == NULL)
		return -1;
	f->dir = xprintf("%s/inc", f->top);
	unsetenv(JOURNAL_KEY_ENV);
	if (journal_open(&j, f->dir, 0, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	journal_set_operator(j, "alice");
	journal_fixture_add(j, T0, "run.start", json_pack("{ss}", "mode", "training"));
	journal_close(j);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	journal_fixture_remove(f->top);
	free(f->dir);
	free(f);
	return 0;
}

static json_t *
last_event(const char *dir)
{
	json_t *events = NULL, *last;
	char *cause = NULL;

	if (journal_load(dir, &events, &cause) != 0)
		fail_msg("journal_load: %s", cause);
	last = json_incref(json_array_get(events, json_array_size(events) - 1));
	json_decref(events);
	return last;
}

static void
test_dismissed_with_reason(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	json_t *ev;

	assert_int_equal(incident_dismiss(f->dir, "bob", "drill abandoned on Friday", &cause), 0);
	ev = last_event(f->dir);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "run.end");
	assert_string_equal(json_string_value(json_object_get(ev, "status")), "dismissed");
	assert_string_equal(json_string_value(json_object_get(ev, "reason")), "drill abandoned on Friday");
	assert_string_equal(json_string_value(json_object_get(ev, "operator")), "bob");
	json_decref(ev);
}

static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	struct journal *j = NULL;
	char *cause = NULL, *nowhere = xprintf("%s/nothing", f->top);
	json_t *ev;

	assert_int_equal(incident_dismiss(f->dir, "bob", "  ", &cause), -1);
	assert_non_null(strstr(cause, "reason"));
	free(cause);
	cause = NULL;
	assert_int_equal(incident_dismiss(nowhere, "bob", "why", &cause), -1);
	assert_non_null(strstr(cause, "not an incident directory"));
	free(cause);
	cause = NULL;
	assert_int_equal(access(nowhere, F_OK), -1);	/* nothing made there */
	/* A console drives it: its lock refuses the dismissal. */
	assert_int_equal(journal_open(&j, f->dir, 0, &cause), 0);
	assert_int_equal(incident_dismiss(f->dir, "bob", "why", &cause), -1);
	assert_non_null(cause);
	free(cause);
	journal_close(j);
	ev = last_event(f->dir);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "run.start");
	json_decref(ev);
	free(nowhere);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dismissed_with_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
