/*
 * test_journal.c: the journal and output files on a real file system: the
 * exact line format and hash, file modes, the lock against a real second
 * process, HMAC keys, torn tails, and writes failing on a full disk.
 * Link with -Wl,--wrap=write,--wrap=fsync,--wrap=ftruncate: the wrappers
 * below pass every call through unless a test arms a fault.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "follow.h"
#include "jhead.h"
#include "journal.h"
#include "outfile.h"
#include "verify.h"
#include "xmalloc.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define FAKE_TS "2026-11-23T15:02:11.123Z"

enum fault {
	FAULT_NONE,
	FAULT_SHORT_ENOSPC,	/* half of the first write, then ENOSPC */
	FAULT_EINTR_SHORT,	/* EINTR, then pieces of at most 7 bytes */
};

static enum fault fault_write;
static int fault_write_calls;
static int fault_fsync;		/* fsync fails with EIO */
static int fault_ftruncate;	/* ftruncate fails with EIO */

ssize_t __real_write(int, const void *, size_t);
int __real_fsync(int);
int __real_ftruncate(int, off_t);
ssize_t __wrap_write(int, const void *, size_t);
int __wrap_fsync(int);
int __wrap_ftruncate(int, off_t);

ssize_t
__wrap_write(int fd, const void *buf, size_t len)
{
	switch (fault_write) {
	case FAULT_NONE:
		break;
	case FAULT_SHORT_ENOSPC:
		if (fault_write_calls++ == 0 && len > 1)
			return __real_write(fd, buf, len / 2);
		errno = ENOSPC;
		return -1;
	case FAULT_EINTR_SHORT:
		if (fault_write_calls++ == 0) {
			errno = EINTR;
			return -1;
		}
		return __real_write(fd, buf, len < 7 ? len : 7);
	}
	return __real_write(fd, buf, len);
}

int
__wrap_fsync(int fd)
{
	if (fault_fsync) {
		errno = EIO;
		return -1;
	}
	return __real_fsync(fd);
}

int
__wrap_ftruncate(int fd, off_t len)
{
	if (fault_ftruncate) {
		errno = EIO;
		return -1;
	}
	return __real_ftruncate(fd, len);
}

/* Arming counts calls afresh; disarming keeps the count to look at. */
static void
arm_write(enum fault f)
{
	fault_write = f;
	if (f != FAULT_NONE)
		fault_write_calls = 0;
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Each test gets a fresh scratch folder; the incident is a level below to
 * show that journal_open makes parents. */
struct scratch {
	char	 top[64];
	char	*dir;
};

static int
setup(void **state)
{
	struct scratch *s = xcalloc(1, sizeof *s);

	strcpy(s->top, "/tmp/drc-journal-XXXXXX");
	if (mkdtemp(s->top) == NULL)
		return -1;
	s->dir = xprintf("%s/incidents/inc1", s->top);
	unsetenv(JOURNAL_KEY_ENV);
	unsetenv("DRCONSOLE_FAKE_NOW");
	umask(022);
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct scratch *s = *state;

	arm_write(FAULT_NONE);
	fault_fsync = fault_ftruncate = 0;
	nftw(s->top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv(JOURNAL_KEY_ENV);
	unsetenv("DRCONSOLE_FAKE_NOW");
	free(s->dir);
	free(s);
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *f = fopen(path, "r");
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)size + 1);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)size;
	return buf;
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static char *
journal_path(const struct scratch *s)
{
	return xprintf("%s/%s", s->dir, JOURNAL_FILE);
}

static void
pin_clock(void)
{
	int64_t ms;
	char buf[32];

	assert_int_equal(clock_parse_timestamp(FAKE_TS, &ms), 0);
	snprintf(buf, sizeof buf, "%lld", (long long)ms);
	setenv("DRCONSOLE_FAKE_NOW", buf, 1);
}

static struct journal *
open_ok(const char *dir, int flags)
{
	struct journal *j = NULL;
	char *cause = NULL;

	if (journal_open(&j, dir, flags, &cause) != 0)
		fail_msg("journal_open %s: %s", dir, cause);
	return j;
}

static void
append_ok(struct journal *j, const char *event, json_t *fields)
{
	char *cause = NULL;

	if (journal_append(j, event, fields, &cause) != 0)
		fail_msg("journal_append %s: %s", event, cause);
	json_decref(fields);
}

static void
verify_ok(const char *dir, int64_t lines)
{
	struct verify_result res;

	if (verify_incident(dir, &res) != 0)
		fail_msg("verify: %s", res.what);
	assert_int_equal(res.ok, 1);
	assert_int_equal(res.lines, lines);
	assert_int_equal(res.bad_line, 0);
	verify_result_clear(&res);
}

/* The first line, byte for byte, with its hash computed here from the
 * documented rule rather than by the journal's own code. */
static void
check_first_line(const char *line, const char *key)
{
	const char *canonical = "{\"event\":\"start\",\"n\":1,"
	    "\"operator\":\"alice\",\"prev\":\"" ZERO_HASH "\",\"seq\":1,"
	    "\"step\":\"s1\",\"ts\":\"" FAKE_TS "\"}";
	struct crypto_hasher *h = crypto_hasher_new(key);
	char hex[CRYPTO_HEX_LEN], *want;

	crypto_hasher_update(h, ZERO_HASH "\n", 65);
	crypto_hasher_update(h, canonical, strlen(canonical));
	crypto_hasher_final_hex(h, hex);
	want = xprintf("{\"seq\":1,\"ts\":\"" FAKE_TS "\",\"event\":\"start\","
	    "\"operator\":\"alice\",\"step\":\"s1\",\"n\":1,\"prev\":\""
	    ZERO_HASH "\",\"hash\":\"%s\"}\n", hex);
	assert_memory_equal(line, want, strlen(want));
	free(want);
}

/* Writes three events: start, step, note. */
static void
write_three(const char *dir)
{
	struct journal *j = open_ok(dir, 0);

	journal_set_operator(j, "alice");
	append_ok(j, "start", json_pack("{s:s, s:i}", "step", "s1", "n", 1));
	append_ok(j, "step", json_pack("{s:s}", "state", "done"));
	append_ok(j, "note", NULL);
	assert_int_equal(journal_last_seq(j), 3);
	journal_close(j);
}

static void
test_round_trip(void **state)
{
	struct scratch *s = *state;
	char *path = journal_path(s), *text, *cause = NULL, last[CRYPTO_HEX_LEN];
	struct verify_result res;
	json_t *events, *e;
	struct journal *j;
	size_t i;

	pin_clock();
	write_three(s->dir);
	text = slurp(path, NULL);
	check_first_line(text, NULL);
	free(text);

	j = open_ok(s->dir, 0);
	assert_int_equal(journal_last_seq(j), 3);
	assert_int_equal(journal_torn_tail(j), 0);
	assert_string_equal(journal_dir(j), s->dir);
	append_ok(j, "step", json_pack("{s:s}", "state", "failed"));
	append_ok(j, "end", NULL);
	assert_int_equal(journal_last_seq(j), 5);
	memcpy(last, journal_last_hash(j), sizeof last);
	journal_close(j);

	assert_int_equal(journal_load(s->dir, &events, &cause), 0);
	assert_int_equal(json_array_size(events), 5);
	json_array_foreach(events, i, e) {
		json_t *before = i > 0 ? json_array_get(events, i - 1) : NULL;

		assert_int_equal(json_integer_value(json_object_get(e, "seq")),
		    (json_int_t)i + 1);
		assert_string_equal(json_string_value(json_object_get(e, "prev")),
		    before == NULL ? ZERO_HASH :
		    json_string_value(json_object_get(before, "hash")));
		if (i < 3)
			assert_string_equal(json_string_value(json_object_get(e,
			    "operator")), "alice");
		else	/* a reopened journal has no operator until told */
			assert_true(json_is_null(json_object_get(e, "operator")));
	}
	json_decref(events);

	assert_int_equal(verify_incident(s->dir, &res), 0);
	assert_int_equal(res.lines, 5);
	assert_string_equal(res.final_hash, last);
	verify_result_clear(&res);
	free(path);
}

static void
test_operator_unset_is_null(void **state)
{
	struct scratch *s = *state;
	struct journal *j = open_ok(s->dir, 0);
	char *cause = NULL;
	json_t *events;

	append_ok(j, "start", NULL);
	journal_set_operator(j, "bob");
	journal_set_operator(j, NULL);
	append_ok(j, "again", NULL);
	journal_close(j);
	assert_int_equal(journal_load(s->dir, &events, &cause), 0);
	assert_true(json_is_null(json_object_get(json_array_get(events, 0),
	    "operator")));
	assert_true(json_is_null(json_object_get(json_array_get(events, 1),
	    "operator")));
	json_decref(events);
}

static void
test_modes(void **state)
{
	struct scratch *s = *state;
	char *path = journal_path(s), *lock = xprintf("%s/lock", s->dir);
	char *out, *cause = NULL, hex[CRYPTO_HEX_LEN];
	struct outfile *of;
	struct journal *j;
	struct stat sb;

	j = open_ok(s->dir, 0);
	assert_int_equal(stat(s->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(stat(lock, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);

	of = outfile_open(s->dir, 3, "restore", &cause);
	assert_non_null(of);
	assert_string_equal(outfile_relpath(of), "output/03-restore.log");
	out = xprintf("%s/output", s->dir);
	assert_int_equal(stat(out, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	free(out);
	out = xprintf("%s/output/03-restore.log", s->dir);
	assert_int_equal(stat(out, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(outfile_close(of, hex, &cause), 0);
	free(out);

	/* The lock file names a live holder only. */
	journal_close(j);
	assert_int_equal(access(lock, F_OK), -1);
	free(lock);
	free(path);
}

static void
wait_byte(int fd)
{
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
}

static void
test_lock(void **state)
{
	struct scratch *s = *state;
	int ready[2], go[2], status;
	char *cause = NULL, *want;
	struct journal *j, *ro;
	pid_t pid;

	write_three(s->dir);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	if ((pid = fork()) == 0) {
		char c;

		close(ready[0]);
		close(go[1]);
		if (journal_open(&j, s->dir, 0, &cause) != 0)
			_exit(2);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		journal_close(j);
		_exit(0);
	}
	assert_true(pid > 0);
	close(ready[1]);
	close(go[0]);
	wait_byte(ready[0]);

	assert_int_equal(journal_open(&j, s->dir, 0, &cause), -1);
	want = xprintf("incident %s is being driven by another drconsole "
	    "(pid %ld)", s->dir, (long)pid);
	assert_string_equal(cause, want);
	free(want);
	free(cause);

	ro = open_ok(s->dir, JOURNAL_READONLY);
	assert_int_equal(journal_last_seq(ro), 3);
	assert_int_equal(journal_append(ro, "x", NULL, &cause), -1);
	assert_non_null(strstr(cause, "read-only"));
	free(cause);
	journal_close(ro);

	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	close(go[1]);

	/* Once the holder is gone the incident can be driven again. */
	j = open_ok(s->dir, 0);
	append_ok(j, "resume", NULL);
	journal_close(j);
	verify_ok(s->dir, 4);
}

static void
test_hmac(void **state)
{
	struct scratch *s = *state;
	char *plain = xprintf("%s/plain", s->top), *path, *text;
	struct verify_result res;
	char *cause = NULL;
	struct journal *j;
	json_t *a, *b;

	pin_clock();
	write_three(plain);
	setenv(JOURNAL_KEY_ENV, "k1", 1);
	write_three(s->dir);
	path = journal_path(s);
	text = slurp(path, NULL);
	check_first_line(text, "k1");
	free(text);
	free(path);

	/* Same content, different hashes. */
	assert_int_equal(journal_load(plain, &a, &cause), 0);
	assert_int_equal(journal_load(s->dir, &b, &cause), 0);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(a, 0), "ts")), json_string_value(json_object_get(
	    json_array_get(b, 0), "ts")));
	assert_string_not_equal(json_string_value(json_object_get(
	    json_array_get(a, 0), "hash")), json_string_value(json_object_get(
	    json_array_get(b, 0), "hash")));
	json_decref(a);
	json_decref(b);

	verify_ok(s->dir, 3);
	j = open_ok(s->dir, 0);	/* the chain continues under the key */
	append_ok(j, "more", NULL);
	journal_close(j);
	verify_ok(s->dir, 4);

	setenv(JOURNAL_KEY_ENV, "k2", 1);
	assert_int_equal(verify_incident(s->dir, &res), 1);
	assert_int_equal(res.bad_line, 1);
	assert_int_equal(res.ok, 0);
	assert_non_null(strstr(res.what, "line 1: hash does not match"));
	assert_non_null(strstr(res.what, "another DRCONSOLE_JOURNAL_KEY"));
	verify_result_clear(&res);
	assert_int_equal(verify_incident(plain, &res), 1);
	verify_result_clear(&res);

	unsetenv(JOURNAL_KEY_ENV);
	assert_int_equal(verify_incident(s->dir, &res), 1);
	assert_int_equal(res.bad_line, 1);
	assert_non_null(strstr(res.what, "which is not set"));
	verify_result_clear(&res);
	verify_ok(plain, 3);
	free(plain);
}

/* After every append, journal.head names the line just written. */
static void
test_head_follows_appends(void **state)
{
	struct scratch *s = *state;
	struct journal *j = open_ok(s->dir, 0);
	char *cause = NULL;
	struct jhead h;

	assert_int_equal(jhead_read(s->dir, &h, &cause), 1);	/* none before the first line */
	for (int k = 1; k <= 3; k++) {
		append_ok(j, "event", json_pack("{s:i}", "k", k));
		assert_int_equal(jhead_read(s->dir, &h, &cause), 0);
		assert_int_equal(h.seq, k);
		assert_string_equal(h.hash, journal_last_hash(j));
		assert_false(h.keyed);
	}
	assert_null(journal_head_error(j));
	journal_close(j);
}

/* A keyed journal is continued with its key only: without it, or with
 * another, opening it to write fails and nothing is written (not even
 * the torn tail's cut); journal_check_key says the same without a lock. */
static void
test_keyed_needs_key(void **state)
{
	struct scratch *s = *state;
	char *path = journal_path(s), *head = xprintf("%s/%s", s->dir, JHEAD_FILE), *cause = NULL;
	char *plain = xprintf("%s/plain", s->top), *empty = xprintf("%s/empty", s->top);
	char *before, *head_before, *after;
	struct journal *j = NULL;
	FILE *f;

	setenv(JOURNAL_KEY_ENV, "k1", 1);
	write_three(s->dir);
	assert_non_null(f = fopen(path, "a"));
	fputs("{\"seq\":4,\"ts", f);	/* a crash mid-line */
	fclose(f);
	before = slurp(path, NULL);
	head_before = slurp(head, NULL);
	for (int k = 0; k < 2; k++) {
		if (k == 0)
			unsetenv(JOURNAL_KEY_ENV);
		else
			setenv(JOURNAL_KEY_ENV, "k2", 1);
		assert_int_equal(journal_open(&j, s->dir, 0, &cause), -1);
		assert_non_null(strstr(cause, k == 0 ? "it is keyed (set DRCONSOLE_JOURNAL_KEY" :
		    "DRCONSOLE_JOURNAL_KEY is not the key"));
		assert_non_null(strstr(cause, "nothing was written"));
		free(cause);
		cause = NULL;
		assert_int_equal(journal_check_key(s->dir, &cause), -1);
		free(cause);
		cause = NULL;
		after = slurp(path, NULL);
		assert_string_equal(after, before);
		free(after);
		after = slurp(head, NULL);
		assert_string_equal(after, head_before);
		free(after);
	}
	setenv(JOURNAL_KEY_ENV, "k1", 1);
	assert_int_equal(journal_check_key(s->dir, &cause), 0);
	j = open_ok(s->dir, 0);
	append_ok(j, "with the key", NULL);
	journal_close(j);
	verify_ok(s->dir, 4);

	/* An unkeyed journal is not continued under a key either; an empty
	 * one has nothing to check. */
	unsetenv(JOURNAL_KEY_ENV);
	write_three(plain);
	j = open_ok(empty, 0);
	journal_close(j);
	setenv(JOURNAL_KEY_ENV, "k1", 1);
	assert_int_equal(journal_check_key(plain, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(journal_check_key(empty, &cause), 0);
	free(before);
	free(head_before);
	free(plain);
	free(empty);
	free(head);
	free(path);
}

static void
test_torn_tail(void **state)
{
	struct scratch *s = *state;
	char *path = journal_path(s), *cause = NULL;
	const char *partial = "{\"seq\":4,\"ts\":\"2026-";
	struct verify_result res;
	struct journal *j;
	json_t *events;
	off_t whole;
	FILE *f;

	write_three(s->dir);
	whole = file_size(path);
	assert_non_null(f = fopen(path, "a"));
	fputs(partial, f);
	fclose(f);

	/* Read-only: reported, left alone. */
	j = open_ok(s->dir, JOURNAL_READONLY);
	assert_int_equal(journal_torn_tail(j), 1);
	assert_int_equal(journal_last_seq(j), 3);
	journal_close(j);
	assert_int_equal(file_size(path), whole + (off_t)strlen(partial));
	assert_int_equal(journal_load(s->dir, &events, &cause), 0);
	assert_int_equal(json_array_size(events), 3);
	json_decref(events);
	assert_int_equal(verify_incident(s->dir, &res), 0);
	assert_int_equal(res.lines, 3);
	assert_non_null(strstr(res.what, "torn"));
	verify_result_clear(&res);

	/* Writing: cut away, and the chain goes on from line 3. */
	j = open_ok(s->dir, 0);
	assert_int_equal(journal_torn_tail(j), 1);
	assert_int_equal(file_size(path), whole);
	append_ok(j, "after-crash", NULL);
	assert_int_equal(journal_last_seq(j), 4);
	journal_close(j);
	verify_ok(s->dir, 4);
	j = open_ok(s->dir, 0);
	assert_int_equal(journal_torn_tail(j), 0);
	journal_close(j);
	free(path);
}

static void
test_bad_last_line(void **state)
{
	struct scratch *s = *state;
	char *path = journal_path(s), *cause = NULL;
	struct journal *j;
	json_t *events;
	FILE *f;

	write_three(s->dir);
	assert_non_null(f = fopen(path, "a"));
	fputs("not json\n", f);
	fclose(f);
	assert_int_equal(journal_open(&j, s->dir, 0, &cause), -1);
	assert_non_null(strstr(cause, "last line is not valid JSON"));
	free(cause);
	assert_int_equal(journal_load(s->dir, &events, &cause), -1);
	assert_non_null(strstr(cause, "journal.jsonl:4: not valid JSON"));
	free(cause);
	free(path);
}

static void
test_bad_fields(void **state)
{
	struct scratch *s = *state;
	struct journal *j = open_ok(s->dir, 0);
	json_t *f = json_pack("{s:s, s:i}", "ok", "yes", "seq", 99);
	char *cause = NULL;

	assert_int_equal(journal_append(j, "forge", f, &cause), -1);
	assert_string_equal(cause, "journal field \"seq\" is reserved");
	free(cause);
	json_decref(f);
	f = json_array();
	assert_int_equal(journal_append(j, "odd", f, &cause), -1);
	free(cause);
	json_decref(f);
	assert_int_equal(journal_append(j, "bad\xff", NULL, &cause), -1);
	assert_non_null(strstr(cause, "UTF-8"));
	free(cause);
	assert_int_equal(journal_last_seq(j), 0);
	assert_string_equal(journal_last_hash(j), ZERO_HASH);
	append_ok(j, "fine", NULL);
	journal_close(j);
	verify_ok(s->dir, 1);
}

static void
test_open_failures(void **state)
{
	struct scratch *s = *state;
	char *file = xprintf("%s/plainfile", s->top), *under, *cause = NULL;
	struct journal *j;
	FILE *f;

	assert_int_equal(journal_open(&j, s->dir, JOURNAL_READONLY, &cause), -1);
	assert_non_null(strstr(cause, "No such file"));
	free(cause);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	under = xprintf("%s/inc", file);
	assert_int_equal(journal_open(&j, under, 0, &cause), -1);
	assert_non_null(strstr(cause, "cannot create the incident directory"));
	free(cause);
	free(under);
	free(file);
}

/* A full disk mid-line: the partial line is cut, the state is unchanged,
 * and the journal carries on once there is room. */
static void
test_write_enospc(void **state)
{
	struct scratch *s = *state;
	char *path = journal_path(s), *cause = NULL, *want;
	char hash[CRYPTO_HEX_LEN];
	struct journal *j = open_ok(s->dir, 0);
	off_t before;

	append_ok(j, "one", NULL);
	append_ok(j, "two", json_pack("{s:s}", "detail", "some text here"));
	before = file_size(path);
	memcpy(hash, journal_last_hash(j), sizeof hash);

	arm_write(FAULT_SHORT_ENOSPC);
	assert_int_equal(journal_append(j, "three", NULL, &cause), -1);
	arm_write(FAULT_NONE);
	want = xprintf("cannot write the journal %s: No space left on device",
	    path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	assert_int_equal(fault_write_calls, 2);	/* the short write did land */
	assert_int_equal(file_size(path), before);
	assert_int_equal(journal_last_seq(j), 2);
	assert_string_equal(journal_last_hash(j), hash);
	verify_ok(s->dir, 2);

	append_ok(j, "three", NULL);
	assert_int_equal(journal_last_seq(j), 3);
	verify_ok(s->dir, 3);

	/* Interrupted and short writes are not failures. */
	arm_write(FAULT_EINTR_SHORT);
	append_ok(j, "four", json_pack("{s:s}", "detail", "split in pieces"));
	arm_write(FAULT_NONE);
	assert_true(fault_write_calls > 5);
	journal_close(j);
	verify_ok(s->dir, 4);
	free(path);
}

static void
test_fsync_fails(void **state)
{
	struct scratch *s = *state;
	char *path = journal_path(s), *cause = NULL;
	struct journal *j = open_ok(s->dir, 0);
	off_t before;

	append_ok(j, "one", NULL);
	before = file_size(path);
	fault_fsync = 1;
	assert_int_equal(journal_append(j, "two", NULL, &cause), -1);
	fault_fsync = 0;
	assert_non_null(strstr(cause, "cannot sync the journal"));
	assert_non_null(strstr(cause, "Input/output error"));
	free(cause);
	assert_int_equal(file_size(path), before);
	assert_int_equal(journal_last_seq(j), 1);
	append_ok(j, "two", NULL);
	journal_close(j);
	verify_ok(s->dir, 2);
	free(path);
}

/* When even the cut fails, the next append cuts first. */
static void
test_cut_fails(void **state)
{
	struct scratch *s = *state;
	char *path = journal_path(s), *cause = NULL;
	struct journal *j = open_ok(s->dir, 0);
	off_t before;

	append_ok(j, "one", NULL);
	before = file_size(path);
	arm_write(FAULT_SHORT_ENOSPC);
	fault_ftruncate = 1;
	assert_int_equal(journal_append(j, "two", NULL, &cause), -1);
	assert_non_null(strstr(cause, "cannot remove the partial line"));
	free(cause);
	assert_true(file_size(path) > before);

	arm_write(FAULT_NONE);
	assert_int_equal(journal_append(j, "two", NULL, &cause), -1);
	assert_non_null(strstr(cause, "cannot remove a partial line"));
	free(cause);

	fault_ftruncate = 0;
	append_ok(j, "two", NULL);
	journal_close(j);
	verify_ok(s->dir, 2);
	free(path);
}

static int64_t
fake_ms(void)
{
	int64_t ms;

	assert_int_equal(clock_parse_timestamp(FAKE_TS, &ms), 0);
	return ms;
}

static void
test_outfile_lines(void **state)
{
	struct scratch *s = *state;
	char *cause = NULL, *path, *text, hex[CRYPTO_HEX_LEN], want[CRYPTO_HEX_LEN];
	int64_t t = fake_ms();
	struct outfile *of;

	path = xprintf("%s/output/07-drain.log", s->top);
	of = outfile_open(s->top, 7, "drain", &cause);
	assert_non_null(of);

	/* The first line goes out at once, then at most every 100 ms. */
	assert_int_equal(outfile_write_line(of, t, OUTFILE_STDOUT, "hello", 5,
	    &cause), 0);
	assert_int_equal(outfile_pending(of), 0);
	assert_int_equal(outfile_write_line(of, t + 50, OUTFILE_STDERR,
	    "oops!", 4, &cause), 0);
	assert_true(outfile_pending(of) > 0);
	text = slurp(path, NULL);
	assert_string_equal(text, FAKE_TS " out hello\n");
	free(text);
	assert_int_equal(outfile_write_line(of, t + 882, OUTFILE_STDOUT, "", 0,
	    &cause), 0);
	assert_int_equal(outfile_pending(of), 0);
	text = slurp(path, NULL);
	assert_string_equal(text, FAKE_TS " out hello\n"
	    "2026-11-23T15:02:11.173Z err oops\n"
	    "2026-11-23T15:02:12.005Z out \n");
	free(text);
	assert_int_equal(outfile_close(of, hex, &cause), 0);
	assert_int_equal(crypto_sha256_file(path, want, &cause), 0);
	assert_string_equal(hex, want);

	/* A retry appends, and the hash covers the whole file. */
	of = outfile_open(s->top, 7, "drain", &cause);
	assert_non_null(of);
	assert_int_equal(outfile_write_line(of, t - 1000, OUTFILE_STDOUT,
	    "again", 5, &cause), 0);
	assert_int_equal(outfile_close(of, hex, &cause), 0);
	text = slurp(path, NULL);
	assert_non_null(strstr(text, "\n2026-11-23T15:02:10.123Z out again\n"));
	free(text);
	assert_int_equal(crypto_sha256_file(path, want, &cause), 0);
	assert_string_equal(hex, want);
	free(path);

	assert_null(outfile_open(s->top, 1, "../escape", &cause));
	assert_non_null(strstr(cause, "cannot name an output file"));
	free(cause);
}

/* Many lines through a full buffer, and one line larger than it: the file
 * and the hash must equal what was sent, in order. */
static void
test_outfile_volume(void **state)
{
	struct scratch *s = *state;
	char *cause = NULL, *path, *text, *big, line[64];
	char hex[CRYPTO_HEX_LEN], want[CRYPTO_HEX_LEN];
	size_t cap = 8 << 20, used = 0, len, biglen = 600 * 1024;
	char *expect = xmalloc(cap);
	int64_t t = fake_ms();
	struct outfile *of;

	of = outfile_open(s->top, 12, "load", &cause);
	assert_non_null(of);
	path = xprintf("%s/output/12-load.log", s->top);
	for (int i = 0; i < 100000; i++) {
		len = (size_t)snprintf(line, sizeof line, "row %d", i);
		assert_int_equal(outfile_write_line(of, t, 1 + i % 2, line,
		    len, &cause), 0);
		used += (size_t)sprintf(expect + used, FAKE_TS " %s %s\n",
		    i % 2 ? "err" : "out", line);
	}
	big = xmalloc(biglen);
	memset(big, 'x', biglen);
	assert_int_equal(outfile_write_line(of, t, 1, big, biglen, &cause), 0);
	used += (size_t)sprintf(expect + used, FAKE_TS " out ");
	memcpy(expect + used, big, biglen);
	used += biglen;
	expect[used++] = '\n';
	assert_int_equal(outfile_close(of, hex, &cause), 0);

	text = slurp(path, &len);
	assert_int_equal(len, used);
	assert_memory_equal(text, expect, used);
	crypto_sha256_hex(expect, used, want);
	assert_string_equal(hex, want);
	free(text);
	free(big);
	free(expect);
	free(path);
}

/* A full disk keeps the unwritten lines buffered for a later flush. */
static void
test_outfile_enospc(void **state)
{
	struct scratch *s = *state;
	char *cause = NULL, *path, *text, hex[CRYPTO_HEX_LEN], want[CRYPTO_HEX_LEN];
	int64_t t = fake_ms();
	struct outfile *of = outfile_open(s->top, 2, "x", &cause);

	assert_non_null(of);
	path = xprintf("%s/output/02-x.log", s->top);
	assert_int_equal(outfile_write_line(of, t, 1, "first", 5, &cause), 0);
	assert_int_equal(outfile_write_line(of, t + 1, 1, "second", 6,
	    &cause), 0);
	arm_write(FAULT_SHORT_ENOSPC);
	assert_int_equal(outfile_flush(of, &cause), -1);
	arm_write(FAULT_NONE);
	assert_non_null(strstr(cause, "No space left on device"));
	free(cause);
	assert_true(outfile_pending(of) > 0);
	assert_int_equal(outfile_flush(of, &cause), 0);
	assert_int_equal(outfile_close(of, hex, &cause), 0);
	text = slurp(path, NULL);
	assert_string_equal(text, FAKE_TS " out first\n"
	    "2026-11-23T15:02:11.124Z out second\n");
	free(text);
	assert_int_equal(crypto_sha256_file(path, want, &cause), 0);
	assert_string_equal(hex, want);
	free(path);
}

/* A block is buffered whole or not at all: a disk that fills between two
 * blocks must not leave a "TS out:N" header with fewer than N lines, which
 * would make every reader take all that follows for the block's text. */
static void
test_outfile_block_never_torn(void **state)
{
	struct scratch *s = *state;
	char *cause = NULL, *path, *line = NULL, *lines = xmalloc(60000);
	int64_t t = fake_ms();
	struct outfile *of = outfile_open(s->top, 3, "b", &cause);
	struct outblock b = { t, OUTFILE_STDOUT, 0, lines, 0, 0 };
	struct follow_reader rd = { 0 };
	struct follow_line fl;
	size_t pending, cap = 0, stamped = 0, total = 0;
	ssize_t n;
	FILE *fp;

	assert_non_null(of);
	while (b.len + 10 < 60000)
		b.len += (size_t)snprintf(lines + b.len, 60000 - b.len, "line %zu\n", b.nlines++);
	/* Four blocks fill the buffer (one timed flush at the first). */
	for (int k = 0; k < 5; k++)
		assert_int_equal(outfile_write_block(of, &b, &cause), 0);
	pending = outfile_pending(of);
	assert_true(pending > 0);
	arm_write(FAULT_SHORT_ENOSPC);
	while (outfile_pending(of) + b.len < 256 * 1024)
		assert_int_equal(outfile_write_block(of, &b, &cause), 0);
	pending = outfile_pending(of);
	assert_int_equal(outfile_write_block(of, &b, &cause), -1);
	arm_write(FAULT_NONE);
	free(cause);
	cause = NULL;
	/* Half of the buffer went out before the disk filled; none of the
	 * refused block is waiting in it. */
	assert_true(outfile_pending(of) < pending);
	b.ts_ms = t + 1000;
	assert_int_equal(outfile_write_block(of, &b, &cause), 0);
	assert_int_equal(outfile_write_line(of, t + 2000, OUTFILE_STDERR, "the end", 7, &cause), 0);
	assert_int_equal(outfile_close(of, (char[CRYPTO_HEX_LEN]){ 0 }, &cause), 0);
	path = xprintf("%s/output/03-b.log", s->top);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		switch (follow_read_line(&rd, line, (size_t)n, &fl)) {
		case 1:
			stamped++;
			/* FALLTHROUGH */
		case -1:	/* a line out of step with the headers */
			total++;
			break;
		}
	}
	fclose(fp);
	assert_int_equal(rd.left, 0);
	assert_int_equal(stamped, total);
	assert_string_equal(line, "2026-11-23T15:02:13.123Z err the end");
	free(line);
	free(path);
	free(lines);
}

/* A lone line loses the CR before its LF, as it always did; a piece cut
 * from a longer line keeps a CR that happens to be its last byte. */
static void
test_outfile_cr(void **state)
{
	struct scratch *s = *state;
	char *cause = NULL, *path, *text;
	struct outfile *of = outfile_open(s->top, 4, "cr", &cause);
	struct outblock whole = { fake_ms(), OUTFILE_STDOUT, 0, "dos\r\n", 5, 1 };
	struct outblock piece = { fake_ms(), OUTFILE_STDOUT, 1, "cut\r\n", 5, 1 };

	assert_non_null(of);
	assert_int_equal(outfile_write_block(of, &whole, &cause), 0);
	assert_int_equal(outfile_write_block(of, &piece, &cause), 0);
	assert_int_equal(outfile_close(of, (char[CRYPTO_HEX_LEN]){ 0 }, &cause), 0);
	path = xprintf("%s/output/04-cr.log", s->top);
	text = slurp(path, NULL);
	assert_string_equal(text, FAKE_TS " out dos\n" FAKE_TS " out cut\r\n");
	free(text);
	free(path);
}

/* journal_line_hash against its definition, written out here: SHA-256 of
 * prev, a newline and the line without "hash", compact, keys sorted, ASCII
 * escapes; and the line is left as it was. */
static void
expect_line_hash(const char *text)
{
	json_t *line = json_loads(text, JSON_ALLOW_NUL, NULL), *copy;
	char hex[CRYPTO_HEX_LEN], want[CRYPTO_HEX_LEN], *canon, *input, *cause = NULL, *after;

	assert_non_null(line);
	copy = json_deep_copy(line);
	json_object_del(copy, "hash");
	canon = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	input = xprintf("%s\n%s", json_string_value(json_object_get(line, "prev")), canon);
	crypto_sha256_hex(input, strlen(input), want);
	assert_int_equal(journal_line_hash(line, NULL, hex, &cause), 0);
	assert_string_equal(hex, want);
	after = json_dumps(line, JSON_COMPACT);
	assert_string_equal(after, text);
	free(after);
	free(input);
	free(canon);
	json_decref(copy);
	json_decref(line);
}

static void
test_line_hash(void **state)
{
	char *big = xmalloc(10001), *text;
	json_t *line;
	char hex[CRYPTO_HEX_LEN], *cause = NULL;

	(void)state;
	expect_line_hash("{\"seq\":2,\"ts\":\"t\",\"event\":\"note\",\"text\":\"caf\u00e9 \\u0000 \\\"q\\\"\","
	    "\"b\":{\"z\":1,\"a\":[1.5,null,true]},\"prev\":\"p\",\"hash\":\"h\"}");
	/* Without a hash (the writer's case), and longer than any buffer. */
	memset(big, 'x', 10000);
	big[10000] = '\0';
	text = xprintf("{\"seq\":1,\"text\":\"%s\",\"prev\":\"p\"}", big);
	expect_line_hash(text);
	free(text);
	text = xprintf("{\"seq\":1,\"text\":\"%s\",\"prev\":\"p\",\"hash\":\"h\"}", big);
	expect_line_hash(text);
	free(text);
	free(big);
	line = json_loads("{\"seq\":1,\"hash\":\"h\"}", 0, NULL);
	assert_int_equal(journal_line_hash(line, NULL, hex, &cause), -1);
	assert_string_equal(cause, "prev is missing or not a string");
	free(cause);
	json_decref(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_hash),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operator_unset_is_null, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hmac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_follows_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyed_needs_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_last_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_failures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_enospc, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fsync_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outfile_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outfile_volume, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outfile_block_never_torn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outfile_cr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outfile_enospc, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
