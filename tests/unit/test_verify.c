/*
 * test_verify.c: builds a real incident (journal and output files), tampers
 * with it the ways an operator or an attacker might, and checks verify
 * names the right line and the right story each time: a cut tail, an
 * emptied journal, a missing or forged head among them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "jhead.h"
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

/* The chain alone cannot see its own end cut off; the head beside it can. */
static void
test_deleted_last_line(void **state)
{
	struct incident *inc = *state;

	read_lines(inc);
	delete_line(inc, 8);
	delete_line(inc, 7);
	write_lines(inc);
	expect_broken(inc, 7, "line 7: the journal ends at line 6 but its head is line 8: the tail was cut "
	    "(2 lines missing)");
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
	journal_close(j);
	assert_int_equal(verify_incident(inc->dir, &res), 0);
	assert_int_equal(res.lines, 9);
	assert_string_equal(res.what, "9 lines intact, 2 output files match");
	verify_result_clear(&res);

	assert_int_equal(journal_open(&j, inc->dir, 0, &cause), 0);
	add(j, "bogus", json_pack("{s:s, s:s}", "output", "../inc/journal.jsonl",
	    "output_sha256", ZERO_HASH));
	journal_close(j);
	expect_broken(inc, 10, "line 10: output path ../inc/journal.jsonl "
	    "leaves the incident directory");
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

/* An emptied journal, or one whose run died before its first line. */
static void
test_empty(void **state)
{
	struct incident *inc = *state;
	char *empty = xprintf("%s/empty", inc->top), *cause = NULL;
	struct verify_result res;
	struct journal *j;

	assert_int_equal(journal_open(&j, empty, 0, &cause), 0);
	journal_close(j);
	assert_int_equal(verify_incident(empty, &res), 1);
	assert_int_equal(res.lines, 0);
	assert_int_equal(res.bad_line, 1);
	assert_string_equal(res.what, "line 1: the journal is empty: it was emptied, or the run died before "
	    "its first line");
	verify_result_clear(&res);
	inc->n = 0;
	write_lines(inc);	/* the incident's own journal emptied, its head left */
	expect_broken(inc, 1, "line 1: the journal is empty: it was emptied, or the run died before its "
	    "first line");
	free(empty);
}

/* --- the head --- */

static char *
head_path(const struct incident *inc)
{
	return xprintf("%s/%s", inc->dir, JHEAD_FILE);
}

/* Puts a head in place as the journal would, or as an attacker might. */
static void
put_head(struct incident *inc, int64_t seq, const char *hash, const char *key)
{
	char *cause = NULL;
	int dirfd = open(inc->dir, O_RDONLY | O_DIRECTORY);

	assert_true(dirfd != -1);
	if (jhead_write(dirfd, seq, hash, key, &cause) != 0)
		fail_msg("jhead_write: %s", cause);
	close(dirfd);
}

/* The hash on 1-based line n of the journal. */
static const char *
hash_on(struct incident *inc, size_t n)
{
	static char hash[CRYPTO_HEX_LEN];
	const char *p;

	if (inc->n == 0)
		read_lines(inc);
	assert_non_null(p = strstr(inc->lines[n - 1], "\"hash\":\""));
	memcpy(hash, p + 8, CRYPTO_HEX_LEN - 1);
	hash[CRYPTO_HEX_LEN - 1] = '\0';
	return hash;
}

static void
test_head_written_per_append(void **state)
{
	struct incident *inc = *state;
	struct jhead h;
	char *cause = NULL;

	assert_int_equal(jhead_read(inc->dir, &h, &cause), 0);
	assert_int_equal(h.seq, 8);
	assert_string_equal(h.hash, inc->last_hash);
	assert_false(h.keyed);
}

static void
test_head_missing(void **state)
{
	struct incident *inc = *state;
	char *path = head_path(inc);

	assert_int_equal(unlink(path), 0);
	expect_broken(inc, 8, "line 8: there is no journal.head beside the journal: the head was removed (or "
	    "the incident predates heads), so a cut tail cannot be ruled out");
	free(path);
}

/* A crash between a line and its head leaves the head one line behind. */
static void
test_head_one_behind(void **state)
{
	struct incident *inc = *state;
	struct verify_result res;

	put_head(inc, 7, hash_on(inc, 7), NULL);
	assert_int_equal(verify_incident(inc->dir, &res), 0);
	assert_string_equal(res.note, "the head is one line behind (line 7): a crash between the last line "
	    "and its head");
	verify_result_clear(&res);
	put_head(inc, 5, hash_on(inc, 5), NULL);
	expect_broken(inc, 6, "line 6: 3 lines follow the head (line 5): appended by something other than "
	    "drconsole, or an old head was put back");
	put_head(inc, 8, hash_on(inc, 3), NULL);
	expect_broken(inc, 8, "line 8: the line's hash is not the head's: the journal was rewritten from "
	    "here on");
}

/* While a console appends, verify may read a journal longer than the head
 * it read just before: that is not a break. */
static void
test_head_behind_while_driven(void **state)
{
	struct incident *inc = *state;
	struct verify_result res;
	struct journal *j;
	char *cause = NULL;

	assert_int_equal(journal_open(&j, inc->dir, 0, &cause), 0);	/* the lock a console holds */
	put_head(inc, 5, hash_on(inc, 5), NULL);
	assert_int_equal(verify_incident(inc->dir, &res), 0);
	assert_string_equal(res.note, "3 lines past the head: a console is appending to the journal now");
	verify_result_clear(&res);
	journal_close(j);
	put_head(inc, 5, hash_on(inc, 5), NULL);
	expect_broken(inc, 6, "line 6: 3 lines follow the head (line 5): appended by something other than "
	    "drconsole, or an old head was put back");
}

/* A head that is not one: a link, garbage. */
static void
test_head_malformed(void **state)
{
	struct incident *inc = *state;
	char *path = head_path(inc), *what;
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	fputs("{\"seq\":\"8\"}\n", f);
	fclose(f);
	what = xprintf("line 8: %s is malformed", path);
	expect_broken(inc, 8, what);
	free(what);
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	what = xprintf("line 8: cannot read %s: it is a link (never followed)", path);
	expect_broken(inc, 8, what);
	free(what);
	free(path);
}

/* verify --head: a head kept elsewhere must be one of the journal's lines. */
static void
test_given_head(void **state)
{
	struct incident *inc = *state;
	struct verify_result res;
	char *path = head_path(inc);

	assert_int_equal(verify_incident_head(inc->dir, inc->last_hash, &res), 0);
	assert_null(res.note);
	verify_result_clear(&res);
	assert_int_equal(verify_incident_head(inc->dir, hash_on(inc, 5), &res), 0);
	assert_string_equal(res.note, "the head given is line 5; 3 lines came after it");
	verify_result_clear(&res);
	/* Cut, with a head file rewritten to match: the kept head catches it. */
	delete_line(inc, 8);
	write_lines(inc);
	put_head(inc, 7, hash_on(inc, 7), NULL);
	assert_int_equal(verify_incident_head(inc->dir, inc->last_hash, &res), 1);
	assert_int_equal(res.bad_line, 8);
	assert_non_null(strstr(res.what, "no line has the head given"));
	verify_result_clear(&res);
	/* Kept elsewhere, the head file may be gone. */
	unlink(path);
	assert_int_equal(verify_incident_head(inc->dir, hash_on(inc, 7), &res), 0);
	verify_result_clear(&res);
	free(path);
}

#define KEY "correct horse battery staple"

/* Keyed: the head carries an HMAC, so a cut journal's head cannot be made
 * without the key; a head without one, or with another key's, is refused. */
static void
test_keyed_head(void **state)
{
	struct incident *inc = *state;
	char *dir = xprintf("%s/keyed", inc->top), *cause = NULL;
	struct verify_result res;
	struct journal *j;
	struct jhead h;

	setenv(JOURNAL_KEY_ENV, KEY, 1);
	assert_int_equal(journal_open(&j, dir, 0, &cause), 0);
	for (int k = 0; k < 4; k++)
		add(j, "note", json_pack("{s:i}", "n", k));
	journal_close(j);
	free(inc->dir);
	inc->dir = dir;
	assert_int_equal(jhead_read(dir, &h, &cause), 0);
	assert_true(h.keyed);
	assert_true(jhead_mac_ok(&h, KEY));
	assert_false(jhead_mac_ok(&h, "another key"));
	assert_int_equal(verify_incident(dir, &res), 0);
	verify_result_clear(&res);
	/* Cut to three lines, with a head made without the key, or another. */
	read_lines(inc);
	delete_line(inc, 4);
	write_lines(inc);
	put_head(inc, 3, hash_on(inc, 3), NULL);
	expect_broken(inc, 3, "line 3: journal.head carries no HMAC though DRCONSOLE_JOURNAL_KEY is set: the "
	    "head was replaced");
	put_head(inc, 3, hash_on(inc, 3), "a guess");
	expect_broken(inc, 3, "line 3: the HMAC of DRCONSOLE_JOURNAL_KEY does not match journal.head: the "
	    "head was forged or written with another key");
}

/* A resume forced past a break says so in verify's note, for good. */
static void
test_forced_resume_noted(void **state)
{
	struct incident *inc = *state;
	struct verify_result res;
	struct journal *j;
	char *cause = NULL;

	assert_int_equal(journal_open(&j, inc->dir, 0, &cause), 0);
	add(j, "run.resume", json_pack("{s:s}", "forced", "line 3: the line was edited"));
	journal_close(j);
	assert_int_equal(verify_incident(inc->dir, &res), 0);
	assert_string_equal(res.note, "line 9: resumed with --force past a break (line 3: the line was edited)");
	verify_result_clear(&res);
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
		cmocka_unit_test_setup_teardown(test_head_written_per_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_one_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_behind_while_driven, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_given_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyed_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forced_resume_noted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
