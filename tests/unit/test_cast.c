/*
 * test_cast.c: the asciicast v2 recording. Each test writes a real
 * recording, reads it back with jansson and checks what a player relies
 * on: a header with the declared fields, then events that are all
 * [time, "o"|"m", string] with times that never go back, markers where
 * they were put, and "o" data that is exactly the lines given, in order,
 * as the terminal must see them. A resume appends after a torn line, a
 * file that is not a recording is left alone, and a failed write leaves
 * the file whole. asciinema itself is not needed.
 */
#include "cmocka_all.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cast.h"
#include "strbuf.h"
#include "xmalloc.h"

/* 2026-11-23T23:30:00.250Z: not a whole second, like a real start. */
#define T0 1795476600250LL
#define OUT 1
#define ERR CAST_STDERR

struct fx {
	char	 dir[64];
	char	*path;
};

/* What a recording holds, as parsed back. */
struct parsed {
	json_t		*header;
	json_t		*events;	/* every line after the header */
	struct strbuf	 data;		/* all "o" data, concatenated */
	json_t		*markers;	/* [[time, label], ...] */
	size_t		 outputs;	/* "o" events */
};

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);

	strcpy(f->dir, "/tmp/drc-cast-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->path = xprintf("%s/%s", f->dir, CAST_FILE);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->path);
	free(f);
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = xcalloc(1, (size_t)n + 1);
	if (n > 0)
		assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* Checks one event line's shape and adds it to p. */
static void
take_event(struct parsed *p, json_t *ev, double *last)
{
	json_t *t = json_array_get(ev, 0), *data = json_array_get(ev, 2);
	const char *code = json_string_value(json_array_get(ev, 1));

	if (!json_is_array(ev) || json_array_size(ev) != 3 ||
	    !json_is_number(t) || code == NULL || !json_is_string(data))
		fail_msg("an event is not [number, string, string]");
	if (strcmp(code, "o") != 0 && strcmp(code, "m") != 0)
		fail_msg("unexpected event code \"%s\"", code);
	if (json_number_value(t) < *last)
		fail_msg("time went back: %f after %f", json_number_value(t),
		    *last);
	*last = json_number_value(t);
	if (*code == 'o') {
		strbuf_add(&p->data, json_string_value(data),
		    json_string_length(data));
		p->outputs++;
	} else
		json_array_append_new(p->markers, json_pack("[O, O]", t, data));
	json_array_append(p->events, ev);
}

/* Parses the recording; every line must be whole JSON, ending in '\n'. */
static void
parse(struct fx *f, struct parsed *p)
{
	size_t len;
	char *buf = slurp(f->path, &len), *line, *nl;
	json_error_t err;
	double last = 0;
	json_t *v;

	memset(p, 0, sizeof *p);
	strbuf_init(&p->data);
	p->events = json_array();
	p->markers = json_array();
	assert_true(len > 0 && buf[len - 1] == '\n');
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', len - (size_t)(line - buf));
		v = json_loadb(line, (size_t)(nl - line), JSON_ALLOW_NUL, &err);
		if (v == NULL)
			fail_msg("line does not parse: %s: %.60s", err.text, line);
		if (p->header == NULL)
			p->header = v;
		else {
			take_event(p, v, &last);
			json_decref(v);
		}
	}
	free(buf);
}

static void
parsed_clear(struct parsed *p)
{
	json_decref(p->header);
	json_decref(p->events);
	json_decref(p->markers);
	strbuf_free(&p->data);
}

/* Adds a line to the recording and to what the data must then be. */
static void
line(struct cast *c, struct strbuf *want, int64_t at, int stream,
    const char *text, size_t len)
{
	cast_line(c, at, stream, text, len);
	if (stream == ERR)
		strbuf_adds(want, "\x1b[31m");
	strbuf_add(want, text, len);
	if (stream == ERR)
		strbuf_adds(want, "\x1b[0m");
	strbuf_adds(want, "\r\n");
}

static void
lines(struct cast *c, struct strbuf *want, int64_t at, const char *text)
{
	line(c, want, at, OUT, text, strlen(text));
}

static void
assert_marker(struct parsed *p, size_t i, double t, const char *label)
{
	json_t *m = json_array_get(p->markers, i);

	assert_non_null(m);
	assert_true(json_number_value(json_array_get(m, 0)) == t);
	assert_string_equal(json_string_value(json_array_get(m, 1)), label);
}

static void
assert_data(struct parsed *p, const struct strbuf *want)
{
	assert_int_equal(p->data.len, want->len);
	if (memcmp(strbuf_str(&p->data), strbuf_str(want), want->len) != 0)
		fail_msg("the recorded output differs from the lines given");
}

static struct cast *
open_ok(struct fx *f, const char *title)
{
	char *cause = NULL;
	struct cast *c = cast_open(f->dir, T0, title, &cause);

	if (c == NULL)
		fail_msg("cast_open: %s", cause);
	return c;
}

static void
flush_ok(struct cast *c)
{
	char *cause = NULL;

	if (cast_flush(c, &cause) != 0)
		fail_msg("cast_flush: %s", cause);
}

static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	static const char utf8[] = "h\xc3\xa9llo \xe2\x86\x92 \xe4\xb8\x96"
	    "\xe7\x95\x8c \xf0\x9f\x9a\x80";
	static const char ctrl[] = "\x1b[1mbold\x1b[0m\tTAB\x07 bell \x7f \x01";
	struct strbuf want;
	struct parsed p;
	struct stat sb;
	struct cast *c;
	char *big;

	strbuf_init(&want);
	c = open_ok(f, "Fail over \"orders\" DB");
	cast_marker(c, T0 + 1000, "step 1: Check (check)");
	cast_text(c, T0 + 1000, "$ pg_isready -h db1", 19);
	strbuf_adds(&want, "$ pg_isready -h db1\r\n");
	lines(c, &want, T0 + 1010, "accepting connections");
	lines(c, &want, T0 + 1020, utf8);
	line(c, &want, T0 + 1030, ERR, ctrl, sizeof ctrl - 1);
	lines(c, &want, T0 + 1040, "");
	/* A NUL inside a line is kept, like any other byte. */
	line(c, &want, T0 + 1040, OUT, "a\0b", 3);
	cast_text(c, T0 + 1050, "-- ok\nexited 0\n", 15);
	strbuf_adds(&want, "-- ok\r\nexited 0\r\n");
	flush_ok(c);
	cast_marker(c, T0 + 2000, "step 2: Restore \xe2\x9c\x93 (restore)");
	/* A long line: more than a batch on its own. */
	big = xmalloc(200 * 1024 + 1);
	for (size_t i = 0; i < 200 * 1024; i++)
		big[i] = (char)('a' + i % 26);
	big[200 * 1024] = '\0';
	line(c, &want, T0 + 2100, OUT, big, 200 * 1024);
	for (int i = 0; i < 3000; i++)
		lines(c, &want, T0 + 2100, i % 2 ? "restored table orders" :
		    "restored table customers");
	cast_close(c);
	parse(f, &p);
	assert_int_equal(json_integer_value(json_object_get(p.header,
	    "version")), 2);
	assert_int_equal(json_integer_value(json_object_get(p.header,
	    "width")), CAST_WIDTH);
	assert_int_equal(json_integer_value(json_object_get(p.header,
	    "height")), CAST_HEIGHT);
	assert_int_equal(json_integer_value(json_object_get(p.header,
	    "timestamp")), T0 / 1000);
	assert_string_equal(json_string_value(json_object_get(p.header,
	    "title")), "Fail over \"orders\" DB");
	assert_non_null(json_string_value(json_object_get(json_object_get(
	    p.header, "env"), "TERM")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    p.header, "env"), "SHELL")), "/bin/sh");
	assert_int_equal(json_array_size(p.markers), 2);
	assert_marker(&p, 0, 1.0, "step 1: Check (check)");
	assert_marker(&p, 1, 2.0, "step 2: Restore \xe2\x9c\x93 (restore)");
	assert_data(&p, &want);
	/* Batched: 3000 short lines and 200 KiB are a handful of events. */
	assert_true(p.outputs >= 3 && p.outputs <= 8);
	/* The first step's output, its own event, at its first line's time. */
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    p.events, 0), 1)), "m");
	assert_true(json_number_value(json_array_get(json_array_get(p.events,
	    1), 0)) == 1.0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	parsed_clear(&p);
	strbuf_free(&want);
	free(big);
}

/* Bytes that are not UTF-8 become U+FFFD; valid ones around stay. */
static void
test_invalid_utf8(void **state)
{
	struct fx *f = *state;
	/* A stray continuation, an overlong '/', a surrogate, a truncated
	 * sequence at the end, a byte past U+10FFFF. */
	static const char bad[] = "a\x80" "b\xc0\xaf" "c\xed\xa0\x80" "d\xf4\x90"
	    "\x80\x80" "e\xe2\x82";
	struct parsed p;
	struct cast *c;
	const char *data;

	c = open_ok(f, "bad \xff title");
	cast_line(c, T0, OUT, bad, sizeof bad - 1);
	cast_marker(c, T0 + 5, "label \xfe");
	cast_close(c);
	parse(f, &p);
	data = strbuf_str(&p.data);
	assert_string_equal(data, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
	    "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd" "e\xef\xbf\xbd\xef\xbf\xbd\r\n");
	assert_string_equal(json_string_value(json_object_get(p.header,
	    "title")), "bad \xef\xbf\xbd title");
	assert_marker(&p, 0, 0.005, "label \xef\xbf\xbd");
	parsed_clear(&p);
}

/* Lines far apart in time are separate events, without a flush. */
static void
test_time_split(void **state)
{
	struct fx *f = *state;
	struct strbuf want;
	struct parsed p;
	struct cast *c;

	strbuf_init(&want);
	c = open_ok(f, NULL);
	lines(c, &want, T0 + 500, "first");
	lines(c, &want, T0 + 500 + CAST_BATCH_MS, "same batch");
	lines(c, &want, T0 + 3750, "later");
	lines(c, &want, T0 + 3760, "with it");
	cast_close(c);
	parse(f, &p);
	assert_null(json_object_get(p.header, "title"));
	assert_int_equal(p.outputs, 2);
	assert_true(json_number_value(json_array_get(json_array_get(p.events,
	    0), 0)) == 0.5);
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    p.events, 0), 2)), "first\r\nsame batch\r\n");
	assert_true(json_number_value(json_array_get(json_array_get(p.events,
	    1), 0)) == 3.75);
	assert_data(&p, &want);
	parsed_clear(&p);
	strbuf_free(&want);
}

/* Lines "flood NNNNNN" from first to last, at time at. */
static void
flood(struct cast *c, int64_t at, int first, int last)
{
	char text[32];
	int len;

	for (int i = first; i < last; i++) {
		len = snprintf(text, sizeof text, "flood %06d", i);
		cast_line(c, at, OUT, text, (size_t)len);
	}
}

/* Reads consecutive flood lines from *p; returns how many, the first
 * being number *next. */
static int
count_flood(const char **p, int *next)
{
	char want[32];
	int n = 0, len;

	for (;;) {
		len = snprintf(want, sizeof want, "flood %06d\r\n", *next);
		if (strncmp(*p, want, (size_t)len) != 0)
			return n;
		*p += len;
		(*next)++;
		n++;
	}
}

/* Reads a note of lines left out; returns the count it states. */
static long
skip_note(const char **p)
{
	const char *start = "\x1b[2m[";
	char *end;
	long n;

	if (strncmp(*p, start, strlen(start)) != 0)
		fail_msg("no note where lines were left out: %.40s", *p);
	n = strtol(*p + strlen(start), &end, 10);
	assert_true(strncmp(end, " lines (", 8) == 0);
	assert_non_null(strstr(end, "not recorded"));
	*p = strstr(end, "\r\n") + 2;
	return n;
}

/* A flood is recorded at the rate; a note stands for the rest. */
static void
test_flood(void **state)
{
	struct fx *f = *state;
	const int cost = 14;	/* "flood 000000" and "\r\n" */
	struct parsed p;
	struct cast *c;
	const char *d;
	int next = 0, n;
	long skipped;

	c = open_ok(f, "flood");
	flood(c, T0, 0, 100000);
	/* A second later, a second's worth of room. */
	flood(c, T0 + 1000, 100000, 200000);
	/* Ten seconds later the bucket is full again: a line goes in. */
	cast_line(c, T0 + 11000, OUT, "quiet again", 11);
	cast_close(c);
	parse(f, &p);
	d = strbuf_str(&p.data);
	n = count_flood(&d, &next);
	assert_true(n * cost >= CAST_BURST_BYTES - cost &&
	    n * cost <= CAST_BURST_BYTES + cost);
	skipped = skip_note(&d);
	assert_int_equal(n + skipped, 100000);
	next = 100000;
	n = count_flood(&d, &next);
	assert_true(n * cost >= CAST_RATE_BYTES - 2 * cost &&
	    n * cost <= CAST_RATE_BYTES + 2 * cost);
	skipped = skip_note(&d);
	assert_int_equal(n + skipped, 100000);
	assert_string_equal(d, "quiet again\r\n");
	/* Cheap: far fewer events than lines. */
	assert_true(p.outputs < 40);
	parsed_clear(&p);
}

/* A crash tore the last line; the resumed run appends after it. */
static void
test_resume(void **state)
{
	struct fx *f = *state;
	struct strbuf want;
	struct parsed p;
	struct cast *c;
	FILE *fp;
	double t;

	strbuf_init(&want);
	c = open_ok(f, "first run");
	cast_marker(c, T0 + 1000, "step 1: Check (check)");
	lines(c, &want, T0 + 1200, "before the crash");
	cast_close(c);
	fp = fopen(f->path, "a");
	assert_non_null(fp);
	fputs("[1.3, \"o\", \"torn by a cra", fp);
	fclose(fp);
	/* The wall clock went back before the resume: times still do not. */
	c = open_ok(f, "second run");
	cast_marker(c, T0 + 900, "run resumed");
	lines(c, &want, T0 + 60000, "after the resume");
	cast_marker(c, T0 + 61000, "step 2: Restore (restore)");
	cast_close(c);
	parse(f, &p);
	assert_string_equal(json_string_value(json_object_get(p.header,
	    "title")), "first run");
	assert_int_equal(json_array_size(p.markers), 3);
	assert_marker(&p, 0, 1.0, "step 1: Check (check)");
	t = json_number_value(json_array_get(json_array_get(p.markers, 1), 0));
	assert_true(t >= 1.2 && t < 60.0);
	assert_marker(&p, 2, 61.0, "step 2: Restore (restore)");
	assert_data(&p, &want);
	assert_null(strstr(strbuf_str(&p.data), "torn"));
	parsed_clear(&p);
	strbuf_free(&want);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A file that is not a recording is refused and left as it was. */
static void
test_not_a_recording(void **state)
{
	struct fx *f = *state;
	static const char *bodies[] = {
		"hello\nworld", "no line end at all", "[1.0, \"o\", \"x\"]\n",
	};
	char *cause = NULL, *buf, *link;
	size_t len;

	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		write_file(f->path, bodies[i]);
		assert_null(cast_open(f->dir, T0, "x", &cause));
		assert_non_null(strstr(cause, "not an asciicast v2 recording"));
		free(cause);
		cause = NULL;
		buf = slurp(f->path, &len);
		assert_string_equal(buf, bodies[i]);
		free(buf);
	}
	/* Nor does it follow a symlink planted in the incident directory. */
	unlink(f->path);
	link = xprintf("%s/elsewhere", f->dir);
	assert_int_equal(symlink(link, f->path), 0);
	assert_null(cast_open(f->dir, T0, "x", &cause));
	assert_non_null(strstr(cause, "cannot open"));
	free(cause);
	assert_int_equal(access(link, F_OK), -1);
	free(link);
	/* A header torn before its line end is ours: it starts again. */
	unlink(f->path);
	write_file(f->path, "{\"version\": 2, \"wid");
	cast_close(open_ok(f, "again"));
	buf = slurp(f->path, &len);
	assert_non_null(strstr(buf, "\"title\": \"again\""));
	assert_int_equal(strchr(buf, '\n') - buf + 1, (long)len);
	free(buf);
}

/* A write that fails is reported once and leaves no partial line. */
static void
test_write_error(void **state)
{
	struct fx *f = *state;
	struct rlimit old, small;
	struct strbuf want;
	struct parsed p;
	char *cause = NULL, *big;
	struct cast *c;

	strbuf_init(&want);
	c = open_ok(f, "limited");
	lines(c, &want, T0, "fits");
	flush_ok(c);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 64 * 1024;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	big = xmalloc(100 * 1024);
	memset(big, 'x', 100 * 1024);
	cast_line(c, T0 + 10, OUT, big, 100 * 1024);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(cast_flush(c, &cause), -1);
	assert_non_null(strstr(cause, "cannot write"));
	assert_non_null(strstr(cause, f->path));
	free(cause);
	/* Reported once; the recording has stopped for good. */
	assert_true(cast_stopped(c));
	cast_line(c, T0 + 20, OUT, "after the failure", 17);
	flush_ok(c);
	cast_close(c);
	parse(f, &p);
	assert_data(&p, &want);
	parsed_clear(&p);
	strbuf_free(&want);
	free(big);
}

/* A run without a recording calls the same functions with NULL. */
static void
test_null(void **state)
{
	char *cause = NULL;

	(void)state;
	cast_marker(NULL, T0, "x");
	cast_text(NULL, T0, "x", 1);
	cast_line(NULL, T0, OUT, "x", 1);
	assert_int_equal(cast_flush(NULL, &cause), 0);
	assert_null(cause);
	cast_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_time_split, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_recording, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup,
		    teardown),
		cmocka_unit_test(test_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
