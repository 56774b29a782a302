/* test_duration.c: duration parsing and formatting, and UTC timestamps. */
#include "cmocka_all.h"

#include <string.h>

#include "clock.h"
#include "duration.h"

static void
test_parse_good(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(duration_parse("90s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(duration_parse("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(duration_parse("1h30m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(duration_parse("4h", &ms), 0);
	assert_int_equal(ms, 14400000);
	assert_int_equal(duration_parse("1d2h3m4s", &ms), 0);
	assert_int_equal(ms, 86400000 + 7200000 + 180000 + 4000);
	assert_int_equal(duration_parse("250ms", &ms), 0);
	assert_int_equal(ms, 250);
}

static void
test_parse_bad(void **state)
{
	const char *bad[] = { "", "h", "10", "1x", "30m1h", "1h1h", "-5s", "1.5h", "1 h",
	    "99999999999999h", "400d", NULL };
	int64_t ms = 42;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		if (duration_parse(bad[i], &ms) == 0)
			fail_msg("'%s' parsed as a duration", bad[i]);
	}
	assert_int_equal(ms, 42);
}

static void
test_format(void **state)
{
	char buf[32];

	(void)state;
	duration_format(14400000, buf, sizeof buf);
	assert_string_equal(buf, "4h");
	duration_format(5400000, buf, sizeof buf);
	assert_string_equal(buf, "1h30m");
	duration_format(125000, buf, sizeof buf);
	assert_string_equal(buf, "2m05s");
	duration_format(12000, buf, sizeof buf);
	assert_string_equal(buf, "12s");
	duration_format(850, buf, sizeof buf);
	assert_string_equal(buf, "850ms");
	duration_format_clock(3723000, buf, sizeof buf);
	assert_string_equal(buf, "1:02:03");
}

/* Reports' and scorecards' durations: no sign, and "0s" for none. */
static void
test_format_abs(void **state)
{
	char buf[32];

	(void)state;
	duration_format_abs(0, buf, sizeof buf);
	assert_string_equal(buf, "0s");
	duration_format_abs(-125000, buf, sizeof buf);
	assert_string_equal(buf, "2m05s");
	duration_format_abs(5400000, buf, sizeof buf);
	assert_string_equal(buf, "1h30m");
}

static void
test_timestamps(void **state)
{
	char buf[CLOCK_RFC3339_LEN];
	int64_t ms;

	(void)state;
	clock_format_rfc3339(1795446131123LL, buf);
	assert_string_equal(buf, "2026-11-23T15:02:11.123Z");
	assert_int_equal(clock_parse_timestamp("2026-11-23T15:02:11.123Z", &ms), 0);
	assert_int_equal(ms, 1795446131123LL);
	assert_int_equal(clock_parse_timestamp("2026-11-23 15:02", &ms), 0);
	assert_int_equal(ms, 1795446120000LL);
	assert_int_equal(clock_parse_timestamp("2026-11-23T16:02:11+01:00", &ms), 0);
	assert_int_equal(ms, 1795446131000LL);
	assert_int_not_equal(clock_parse_timestamp("2026-13-01T00:00Z", &ms), 0);
	assert_int_not_equal(clock_parse_timestamp("2026-02-30T00:00Z", &ms), 0);
	assert_int_not_equal(clock_parse_timestamp("yesterday", &ms), 0);
	assert_int_not_equal(clock_parse_timestamp("2026-11-23T15:02Zjunk", &ms), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_abs),
		cmocka_unit_test(test_timestamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
