/*
 * test_verify.c: builds a real incident (journal and output files), tampers
 * with it the ways an operator or an attacker might, and checks verify
 * names the right line and the right story each time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "journal.h"
#include "outfile.h"
#include "verify.h"
#include "xmalloc.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define MAX_LINES 32

struct incident {
	char	 top[64];
	char	*dir;
	char	 last_hash[CRYPTO_HEX_LEN];
	char	*lines[MAX_LINES];	/* the journal, for tampering */
	size_t	 n;
};

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Runs a step's worth of output through an outfile; returns its record. */
static json_t *
step_output(const char *dir, int number, const char *step, int rows)
{
	char *cause = NULL, hex[CRYPTO_HEX_LEN], text[64];
	struct outfile *of = outfile_open(dir, number, step, &cause);
	int64_t t = clock_wall_ms();
	json_t *fields;
	int len;

	assert_non_null(of);
	for (int i = 0; i < rows; i++) {
		len = snprintf(text, sizeof text, "%s row %d", step, i);
		assert_int_equal(outfile_write_line(of, t + i, 1, text,
		    (size_t)len, &cause), 0);
	}
	fields = json_pack("{s:s, s:s}", "step", step, "output",
	    outfile_relpath(of));
	assert_int_equal(outfile_close(of, hex, &cause), 0);
	json_object_set_new(fields, "output_sha256", json_string(hex));
	return fields;
}

static void
add(struct journal *j, const char *event, json_t *fields)
{
	char *cause = NULL;

	if (journal_append(j, event, fields, &cause) != 0)
		fail_msg("append: %s", cause);
	json_decref(fields);
}

/* Eight lines; lines 3 and 5 record output files 01-check and 02-restore. */
static int
setup(void **state)
{
	struct incident *inc = xcalloc(1, sizeof *inc);
	struct journal *j;
	char *cause = NULL;

	strcpy(inc->top, "/tmp/drc-verify-XXXXXX");
	if (mkdtemp(inc->top) == NULL)
		return -1;
	inc->dir = xprintf("%s/inc", inc->top);
	unsetenv(JOURNAL_KEY_ENV);
	if (journal_open(&j, inc->dir, 0, &cause) != 0)
		return -1;
	journal_set_operator(j, "alice");
	add(j, "incident_start", NULL);
	add(j, "step_start", json_pack("{s:s}", "step", "check"));
	add(j, "step_done", step_output(inc->dir, 1, "check", 10));
	add(j, "step_start", json_pack("{s:s}", "step", "restore"));
	add(j, "step_done", step_output(inc->dir, 2, "restore", 500));
	add(j, "note", json_pack("{s:s}", "text", "all good"));
	add(j, "confirm", json_pack("{s:s}", "step", "verify"));
	add(j, "incident_end", NULL);
	memcpy(inc->last_hash, journal_last_hash(j), CRYPTO_HEX_LEN);
	journal_close(j);
	*state = inc;
	return 0;
}

static int
teardown(void **state)
{
	struct incident *inc = *state;

	for (size_t i = 0; i < inc->n; i++)
		free(inc->lines[i]);
	nftw(inc->top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv(JOURNAL_KEY_ENV);
	free(inc->dir);
	free(inc);
	return 0;
}

/* Reads the journal into inc->lines, without their newlines. */
static void
read_lines(struct incident *inc)
{
	char *buf, *p, *nl, *cause = NULL;
	size_t len;

	assert_int_equal(journal_read_raw(inc->dir, &buf, &len, &cause), 0);
	for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		assert_true(inc->n < MAX_LINES);
		inc->lines[inc->n++] = xstrndup(p, (size_t)(nl - p));
	}
	free(buf);
}

static void
write_lines(struct incident *inc)
{
	char *path = xprintf("%s/%s", inc->dir, JOURNAL_FILE);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (size_t i = 0; i < inc->n; i++)
		fprintf(f, "%s\n", inc->lines[i]);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void
delete_line(struct incident *inc, size_t line)
{
	free(inc->lines[line - 1]);
	memmove(&inc->lines[line - 1], &inc->lines[line],
	    (inc->n - line) * sizeof inc->lines[0]);
	inc->n--;
}

/* Verifies and expects a break at line with exactly the message what. */
static void
expect_broken(struct incident *inc, int64_t line, const char *what)
{
	struct verify_result res;

	assert_int_equal(verify_incident(inc->dir, &res), 1);
	assert_int_equal(res.ok, 0);
	assert_int_equal(res.bad_line, line);
	assert_string_equal(res.what, what);
	assert_string_equal(res.final_hash, "");
	verify_result_clear(&res);
}

static void
test_intact(void **state)
{
	struct incident *inc = *state;
	struct verify_result res;

	assert_int_equal(verify_incident(inc->dir, &res), 0);
	assert_int_equal(res.ok, 1);
	assert_int_equal(res.lines, 8);
	assert_int_equal(res.bad_line, 0);
	assert_string_equal(res.final_hash, inc->last_hash);
	assert_string_equal(res.what, "8 lines intact, 2 output files match");
	verify_result_clear(&res);
	assert_null(res.what);
}

static void
test_edited_byte(void **state)
{
	struct incident *inc = *state;
	char *p;

	read_lines(inc);
	assert_non_null(p = strstr(inc->lines[5], "all good"));
	p[6] = 'l';	/* "all gold" */
	write_lines(inc);
	expect_broken(inc, 6, "line 6: hash does not match: the line was "
	    "edited");
}

static void
test_damaged_json(void **state)
{
	struct incident *inc = *state;
	struct verify_result res;

	read_lines(inc);
	inc->lines[6][strlen(inc->lines[6]) - 1] = '\0';	/* drop '}' */
	write_lines(inc);
	assert_int_equal(verify_incident(inc->dir, &res), 1);
	assert_int_equal(res.bad_line, 7);
	assert_non_null(strstr(res.what, "line 7: not valid JSON"));
	verify_result_clear(&res);
}

static void
test_deleted_line(void **state)
{
	struct incident *inc = *state;

	read_lines(inc);
	delete_line(inc, 5);
	write_lines(inc);
	expect_broken(inc, 5, "line 5: seq 6 where 5 was expected: a line was "
	    "removed");
	delete_line(inc, 3);
	write_lines(inc);
	expect_broken(inc, 3, "line 3: seq 4 where 3 was expected: a line was "
	    "removed");
	delete_line(inc, 3);
	write_lines(inc);
	expect_broken(inc, 3, "line 3: seq 6 where 3 was expected: 3 lines "
	    "were removed");
}

/* The chain cannot see its own end cut off; the final hash, which a report
 * records, is what changes. */
static void
test_deleted_last_line(void **state)
{
	struct incident *inc = *state;
	struct verify_result res;

	read_lines(inc);
	delete_line(inc, 8);
	write_lines(inc);
	assert_int_equal(verify_incident(inc->dir, &res), 0);
	assert_int_equal(res.lines, 7);
	assert_string_not_equal(res.final_hash, inc->last_hash);
	verify_result_clear(&res);
}

static void
test_swapped_lines(void **state)
{
	struct incident *inc = *state;
	char *tmp;

	read_lines(inc);
	tmp = inc->lines[3];
	inc->lines[3] = inc->lines[4];
	inc->lines[4] = tmp;
	write_lines(inc);
	expect_broken(inc, 4, "line 4: seq 5 where 4 was expected: lines 4 "
	    "and 5 were swapped");
}

static void
test_moved_line(void **state)
{
	struct incident *inc = *state;
	char *moved;

	read_lines(inc);
	moved = inc->lines[1];
	memmove(&inc->lines[1], &inc->lines[2], 6 * sizeof inc->lines[0]);
	inc->lines[7] = moved;
	write_lines(inc);
	expect_broken(inc, 2, "line 2: seq 3 where 2 was expected: lines were "
	    "reordered (seq 2 is on line 8)");
}

static void
test_inserted_copy(void **state)
{
	struct incident *inc = *state;

	read_lines(inc);
	memmove(&inc->lines[4], &inc->lines[3], 5 * sizeof inc->lines[0]);
	inc->lines[3] = xstrdup(inc->lines[2]);
	inc->n++;
	write_lines(inc);
	expect_broken(inc, 4, "line 4: seq 3 where 4 was expected: a line was "
	    "inserted (a copy of line 3)");
}

/* Replaces line's prev and, as a forger would, recomputes its hash. */
static void
forge_prev(struct incident *inc, size_t line, const char *prev)
{
	char hex[CRYPTO_HEX_LEN], *cause = NULL;
	json_t *obj;

	obj = json_loads(inc->lines[line - 1], 0, NULL);
	assert_non_null(obj);
	json_object_set_new(obj, "prev", json_string(prev));
	assert_int_equal(journal_line_hash(obj, NULL, hex, &cause), 0);
	json_object_set_new(obj, "hash", json_string(hex));
	free(inc->lines[line - 1]);
	inc->lines[line - 1] = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	write_lines(inc);
}

/* A line whose own hash is right still breaks the chain. */
static void
test_forged_prev(void **state)
{
	struct incident *inc = *state;
	char prev[CRYPTO_HEX_LEN] = ZERO_HASH;

	read_lines(inc);
	prev[0] = 'a';
	forge_prev(inc, 1, prev);
	expect_broken(inc, 1, "line 1: prev is not the zero hash a first line "
	    "has");
}

static void
test_forged_prev_middle(void **state)
{
	struct incident *inc = *state;

	read_lines(inc);
	forge_prev(inc, 6, ZERO_HASH);
	expect_broken(inc, 6, "line 6: prev does not match the hash of line 5");
}

static void
test_altered_output(void **state)
{
	struct incident *inc = *state;
	char *path = xprintf("%s/output/02-restore.log", inc->dir);
	FILE *f = fopen(path, "r+");

	assert_non_null(f);
	assert_int_equal(fseek(f, 1000, SEEK_SET), 0);
	fputc('#', f);
	assert_int_equal(fclose(f), 0);
	expect_broken(inc, 5, "line 5: output file output/02-restore.log was "
	    "altered");
	free(path);

	path = xprintf("%s/output/01-check.log", inc->dir);
	assert_int_equal(unlink(path), 0);
	expect_broken(inc, 3, "line 3: output file output/01-check.log is "
	    "missing");
	free(path);
}

/* A retried step appends to its file: only the last record must match. */
static void
test_retry_output(void **state)
{
	struct incident *inc = *state;
	struct verify_result res;
	struct journal *j;
	char *cause = NULL;

	assert_int_equal(journal_open(&j, inc->dir, 0, &cause), 0);
	add(j, "step_done", step_output(inc->dir, 2, "restore", 20));
	add(j, "bogus", json_pack("{s:s, s:s}", "output", "../inc/journal.jsonl",
	    "output_sha256", ZERO_HASH));
	journal_close(j);
	expect_broken(inc, 10, "line 10: output path ../inc/journal.jsonl "
	    "leaves the incident directory");

	read_lines(inc);
	delete_line(inc, 10);
	write_lines(inc);
	assert_int_equal(verify_incident(inc->dir, &res), 0);
	assert_int_equal(res.lines, 9);
	assert_string_equal(res.what, "9 lines intact, 2 output files match");
	verify_result_clear(&res);
}

static void
test_unreadable(void **state)
{
	struct incident *inc = *state;
	char *missing = xprintf("%s/nope", inc->top);
	struct verify_result res;

	assert_int_equal(verify_incident(missing, &res), -1);
	assert_int_equal(res.ok, 0);
	assert_non_null(strstr(res.what, "cannot read"));
	assert_non_null(strstr(res.what, "No such file"));
	verify_result_clear(&res);
	free(missing);
}

static void
test_empty(void **state)
{
	struct incident *inc = *state;
	char *empty = xprintf("%s/empty", inc->top), *cause = NULL;
	struct verify_result res;
	struct journal *j;

	assert_int_equal(journal_open(&j, empty, 0, &cause), 0);
	journal_close(j);
	assert_int_equal(verify_incident(empty, &res), 0);
	assert_int_equal(res.lines, 0);
	assert_string_equal(res.final_hash, ZERO_HASH);
	verify_result_clear(&res);
	free(empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_json, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deleted_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deleted_last_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_swapped_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_moved_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inserted_copy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forged_prev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_prev_middle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_altered_output, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retry_output, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
