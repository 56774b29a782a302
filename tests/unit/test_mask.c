/* test_mask.c: the one masking of secrets: matching, overlaps, JSON, the
 * length rule, and a stream whose secrets arrive in pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "strbuf.h"

static char *
masked(const struct mask *m, const char *s)
{
	return mask_str(m, s, NULL);
}

static void
check(const struct mask *m, const char *in, const char *want)
{
	char *got = masked(m, in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_masks_every_occurrence(void **state)
{
	struct mask *m = mask_new();
	int n;
	char *s;

	(void)state;
	check(m, "nothing to hide", "nothing to hide");
	mask_add(m, "Sup3rS3cret");
	mask_add(m, "");
	mask_add(m, "Sup3rS3cret");
	assert_int_equal(mask_count(m), 1);
	check(m, "hello world", "hello world");
	check(m, "pw=Sup3rS3cret and Sup3rS3cret", "pw=**** and ****");
	check(m, "Sup3rS3cretSup3rS3cret", "********");
	s = mask_str(m, "a Sup3rS3cret b Sup3rS3cret", &n);
	assert_int_equal(n, 2);
	free(s);
	assert_true(mask_contains(m, "xSup3rS3cretx", 13));
	assert_false(mask_contains(m, "Sup3rS3cre", 10));
	mask_free(m);
}

/* A secret inside, or overlapping, another never leaves a piece showing. */
static void
test_overlapping_secrets_are_masked_whole(void **state)
{
	struct mask *m = mask_new();

	(void)state;
	mask_add(m, "abcdef12");
	mask_add(m, "ef12ghij");
	mask_add(m, "session for abcdef12");
	check(m, "x abcdef12ghij y", "x **** y");
	check(m, "x ef12ghij y", "x **** y");
	check(m, "using session for abcdef12.", "using ****.");
	mask_free(m);
}

static void
test_json_strings_are_masked(void **state)
{
	struct mask *m = mask_new();
	json_t *j = json_pack("{s:s, s:[s, s], s:{s:s}}", "a", "key Sup3rS3cret",
	    "b", "Sup3rS3cret", "plain", "c", "d", "deep Sup3rS3cret");
	char *dump;

	(void)state;
	mask_add(m, "Sup3rS3cret");
	mask_json(m, j);
	dump = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(dump, "{\"a\":\"key ****\",\"b\":[\"****\",\"plain\"],\"c\":{\"d\":\"deep ****\"}}");
	free(dump);
	json_decref(j);
	mask_free(m);
}

static void
test_short_secrets_are_refused(void **state)
{
	char *why;

	(void)state;
	why = mask_check_secret("pw", "x");
	assert_non_null(why);
	assert_non_null(strstr(why, "'pw'"));
	assert_non_null(strstr(why, "at least 6"));
	free(why);
	assert_non_null(why = mask_check_secret("pw", "abcde"));
	free(why);
	/* Characters, not bytes: five two-byte letters are still five. */
	assert_non_null(why = mask_check_secret("pw", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
	free(why);
	assert_null(mask_check_secret("pw", "abcdef"));
}

/* --- streams --- */

static void
collect(void *arg, const char *data, size_t len)
{
	strbuf_add(arg, data, len);
}

/* Feeds the pieces, then ends the stream; returns what came out. */
static char *
stream(const struct mask *m, const char *const *pieces, struct strbuf *seen_before_end)
{
	struct strbuf out;
	struct maskstream *ms;

	strbuf_init(&out);
	ms = maskstream_new(m, NULL, collect, &out);
	for (int i = 0; pieces[i] != NULL; i++)
		maskstream_feed(ms, pieces[i], strlen(pieces[i]));
	if (seen_before_end != NULL)
		strbuf_add(seen_before_end, out.buf != NULL ? out.buf : "", out.len);
	maskstream_flush(ms);
	maskstream_free(ms);
	return strbuf_detach(&out);
}

static void
check_stream(const struct mask *m, const char *const *pieces, const char *want)
{
	char *got = stream(m, pieces, NULL);

	assert_string_equal(got, want);
	free(got);
}

static void
test_stream_catches_split_secrets(void **state)
{
	struct mask *m = mask_new();
	const char *two_reads[] = { "pw=Sup3r", "S3cret\n", NULL };
	const char *byte_at_a_time[] = { "S", "u", "p", "3", "r", "S", "3", "c", "r", "e", "t", "!", NULL };
	const char *false_start[] = { "Sup3r", "man\n", NULL };
	const char *two_lines[] = { "BEGIN-KEY-line-one\n", "second-line-of-it\n", "after\n", NULL };

	(void)state;
	mask_add(m, "Sup3rS3cret");
	check_stream(m, two_reads, "pw=****\n");
	check_stream(m, byte_at_a_time, "****!");
	check_stream(m, false_start, "Sup3rman\n");
	/* A secret of two lines, printed a line at a time. */
	mask_add(m, "BEGIN-KEY-line-one\nsecond-line-of-it");
	check_stream(m, two_lines, "****\nafter\n");
	/* The same through a terminal in cooked mode: each \n became \r\n. */
	check(m, "BEGIN-KEY-line-one\r\nsecond-line-of-it\r\nafter", "****\r\nafter");
	mask_free(m);
}

/* What could start a secret is held until the stream goes on or ends;
 * the rest goes out at once. */
static void
test_stream_holds_only_a_possible_start(void **state)
{
	struct mask *m = mask_new();
	const char *pieces[] = { "ready> Sup3", NULL };
	struct strbuf before;
	char *all;

	(void)state;
	mask_add(m, "Sup3rS3cret");
	strbuf_init(&before);
	all = stream(m, pieces, &before);
	assert_string_equal(strbuf_str(&before), "ready> ");
	assert_string_equal(all, "ready> Sup3");
	free(all);
	strbuf_free(&before);
	mask_free(m);
}

/* A secret longer than a line cut, and one across where a 64 KiB cut
 * would fall: the stream does not care where reads or cuts fall. */
static void
test_stream_long_secret(void **state)
{
	struct mask *m = mask_new();
	size_t n = 70 * 1024;
	char *big = malloc(n + 1), *in = malloc(2 * n + 16), *got;
	const char *pieces[4];

	(void)state;
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + (i * 7) % 26);
	big[n] = '\0';
	mask_add(m, big);
	strcpy(in, "x");
	strcat(in, big);
	strcat(in, "y\n");
	pieces[0] = in;
	pieces[1] = NULL;
	check_stream(m, pieces, "x****y\n");
	/* The same, cut in three reads. */
	pieces[0] = strndup(in, 1000);
	pieces[1] = strndup(in + 1000, 65536);
	pieces[2] = in + 66536;
	pieces[3] = NULL;
	got = stream(m, pieces, NULL);
	assert_string_equal(got, "x****y\n");
	free(got);
	free((char *)pieces[0]);
	free((char *)pieces[1]);
	free(in);
	free(big);
	mask_free(m);
}

static void
test_stream_without_secrets_passes_bytes(void **state)
{
	const char *pieces[] = { "a", "b\n", NULL };

	(void)state;
	check_stream(NULL, pieces, "ab\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masks_every_occurrence),
		cmocka_unit_test(test_overlapping_secrets_are_masked_whole),
		cmocka_unit_test(test_json_strings_are_masked),
		cmocka_unit_test(test_short_secrets_are_refused),
		cmocka_unit_test(test_stream_catches_split_secrets),
		cmocka_unit_test(test_stream_holds_only_a_possible_start),
		cmocka_unit_test(test_stream_long_secret),
		cmocka_unit_test(test_stream_without_secrets_passes_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
