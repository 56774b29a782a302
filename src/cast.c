/*
 * cast.c: the asciicast v2 recording of an incident; see cast.h.
 *
 * The hot path is cast_line: it only copies the line into the batch (with
 * the colour, the "\r\n" players need, and U+FFFD for bytes that are not
 * UTF-8, because jansson refuses them), or, past the rate, counts it.
 * jansson encodes each batch once, into a buffer kept across events, at
 * roughly 120 MB/s: slower than the output file's formatting and hashing,
 * which is why a flood is counted rather than encoded. Each event reaches
 * the file in one write, so a crash can tear at most the last line, which
 * the next cast_open cuts off.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cast.h"
#include "incdir.h"
#include "fileutil.h"
#include "job.h"
#include "log.h"
#include "termsafe.h"
#include "xmalloc.h"

_Static_assert(CAST_STDERR == JOB_STDERR, "cast_line's stderr is the job's");

/* Seconds with milliseconds need 13 digits for a year-long incident. */
#define CAST_JSON_FLAGS JSON_REAL_PRECISION(15)
/* How far back cast_open reads at a time when looking for a line end. */
#define CAST_SCAN 65536
#define SGR_RED "\x1b[31m"
#define SGR_RESET "\x1b[0m"
#define SGR_DIM "\x1b[2m"
#define REPLACEMENT "\xef\xbf\xbd"

struct cast {
	char	*path;
	int	 fd;
	int64_t	 start_ms;	/* wall time of time 0 */
	int64_t	 last_ms;	/* time of the last event, so times never go back */
	off_t	 size;		/* bytes of whole events in the file */
	char	*batch;		/* "o" data not yet written */
	size_t	 used;
	size_t	 cap;
	int64_t	 batch_ms;	/* time of the batch's first line */
	char	*enc;		/* an encoded event, reused */
	size_t	 enc_cap;
	char	*error;		/* the first failure since cast_flush */
	int	 stopped;	/* no more writes: the disk is (nearly) full */
	int64_t	 tokens;	/* bytes of lines the rate allows now */
	int64_t	 refill_ms;	/* when tokens were last added */
	uint64_t skipped_lines;	/* left out since the last note */
	uint64_t skipped_bytes;
	int64_t	 skipped_ms;	/* time of the last line left out */
};

/* --- writing events --- */

static void
cast_fail(struct cast *c, char *msg)
{
	if (c->error == NULL) {
		c->error = msg;
		log_debug("%s", msg);
	} else
		free(msg);
}

/* Encodes v (stolen) as one line and appends it; a partial line is cut
 * off again so the file stays whole. */
static void
cast_put(struct cast *c, json_t *v)
{
	size_t n;

	n = json_dumpb(v, c->enc, c->enc_cap, CAST_JSON_FLAGS);
	if (n >= c->enc_cap) {
		c->enc_cap = n + 1 > 2 * c->enc_cap ? n + 1 : 2 * c->enc_cap;
		c->enc = xreallocarray(c->enc, c->enc_cap, 1);
		n = json_dumpb(v, c->enc, c->enc_cap, CAST_JSON_FLAGS);
	}
	json_decref(v);
	if (n == 0 || n >= c->enc_cap) {
		cast_fail(c, xprintf("%s: cannot encode an event", c->path));
		return;
	}
	c->enc[n++] = '\n';
	if (c->stopped)
		return;
	if (file_room(c->fd, n + CAST_RESERVE) != 0) {
		c->stopped = 1;
		cast_fail(c, xprintf("%s: stopped, %s: the room left is kept for the journal and the output files",
		    c->path, strerror(errno)));
		return;
	}
	if (file_write_all(c->fd, c->enc, n) != 0) {
		c->stopped = 1;
		cast_fail(c, xprintf("cannot write %s: %s", c->path,
		    strerror(errno)));
		if (ftruncate(c->fd, c->size) != 0)
			log_debug("%s: cannot cut a partial event", c->path);
		return;
	}
	c->size += (off_t)n;
}

static json_t *
cast_time(int64_t ms)
{
	return json_real((double)ms / 1000.0);
}

/* Time since the start, never before an event already written. */
static int64_t
cast_rel(struct cast *c, int64_t now_ms)
{
	int64_t t = now_ms - c->start_ms;

	return t > c->last_ms ? t : c->last_ms;
}

/* Writes the batch as one "o" event. It is valid UTF-8 by construction,
 * so jansson need not check it again. */
static void
cast_emit(struct cast *c)
{
	json_t *ev;

	if (c->used == 0)
		return;
	ev = json_array();
	json_array_append_new(ev, cast_time(c->batch_ms));
	json_array_append_new(ev, json_string("o"));
	json_array_append_new(ev, json_stringn_nocheck(c->batch, c->used));
	c->last_ms = c->batch_ms;
	c->used = 0;
	cast_put(c, ev);
}

/* --- the batch --- */

static void
batch_reserve(struct cast *c, size_t more)
{
	size_t need = c->used + more;

	if (need <= c->cap)
		return;
	c->cap = need > 2 * c->cap ? need : 2 * c->cap;
	c->batch = xreallocarray(c->batch, c->cap, 1);
}

/* Appends text, ASCII runs in one copy; the caller reserved 3 * len. */
static void
batch_add_utf8(struct cast *c, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned char *end = p + len, *run;
	size_t n;

	while (p < end) {
		for (run = p; p < end && *p < 0x80; p++)
			;
		memcpy(c->batch + c->used, run, (size_t)(p - run));
		c->used += (size_t)(p - run);
		if (p == end)
			break;
		if ((n = termsafe_utf8_valid(p, (size_t)(end - p))) == 0) {
			memcpy(c->batch + c->used, REPLACEMENT, 3);
			c->used += 3;
			p++;
			continue;
		}
		memcpy(c->batch + c->used, p, n);
		c->used += n;
		p += n;
	}
}

static void
batch_add(struct cast *c, const char *s, size_t len)
{
	memcpy(c->batch + c->used, s, len);
	c->used += len;
}

/* Starts a batch at time t, first writing one that has waited too long
 * for a player to show its lines at the right moment. */
static void
batch_begin(struct cast *c, int64_t t, size_t more)
{
	if (c->used > 0 && t - c->batch_ms > CAST_BATCH_MS)
		cast_emit(c);
	if (c->used == 0)
		c->batch_ms = t;
	batch_reserve(c, more);
}

static void
batch_end(struct cast *c)
{
	if (c->used >= CAST_BATCH_BYTES)
		cast_emit(c);
}

/*
 * 1 if a line of len bytes at time t fits the recording's rate, which it
 * then pays for. A token bucket: CAST_BURST_BYTES at once, refilled at
 * CAST_RATE_BYTES a second of line time. A line longer than the burst
 * still goes in when the bucket is full, and leaves it in debt.
 */
static int
cast_budget(struct cast *c, int64_t t, int64_t cost)
{

	if (t > c->refill_ms) {
		c->tokens += (t - c->refill_ms) * CAST_RATE_BYTES / 1000;
		if (c->tokens > CAST_BURST_BYTES)
			c->tokens = CAST_BURST_BYTES;
		c->refill_ms = t;
	}
	if (c->tokens < cost && c->tokens < CAST_BURST_BYTES)
		return 0;
	c->tokens -= cost;
	return 1;
}

/* "812 KiB", "45.2 MiB": how much a note says was left out. */
static void
cast_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes < 1024)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes / 1024));
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1024 * 1024));
}

/* Says, where they would have been, how many lines the rate left out. */
static void
cast_note_skipped(struct cast *c)
{
	char size[32], note[192];
	int n;

	if (c->skipped_lines == 0)
		return;
	cast_size(c->skipped_bytes, size, sizeof size);
	n = snprintf(note, sizeof note, SGR_DIM "[%llu line%s (%s) not "
	    "recorded: too fast to watch; the step's output file has every "
	    "line]" SGR_RESET "\r\n", (unsigned long long)c->skipped_lines,
	    c->skipped_lines == 1 ? "" : "s", size);
	c->skipped_lines = c->skipped_bytes = 0;
	batch_begin(c, c->skipped_ms, (size_t)n);
	batch_add(c, note, (size_t)n);
}

/* One line that the rate let in. */
static void
cast_put_line(struct cast *c, int64_t t, int stream, const char *text,
    size_t len)
{
	int red = stream == CAST_STDERR;

	batch_begin(c, t, 3 * len + sizeof SGR_RED + sizeof SGR_RESET + 2);
	if (red)
		batch_add(c, SGR_RED, sizeof SGR_RED - 1);
	batch_add_utf8(c, text, len);
	if (red)
		batch_add(c, SGR_RESET, sizeof SGR_RESET - 1);
	batch_add(c, "\r\n", 2);
	batch_end(c);
}

/* Counts what the rate leaves out, for the note. */
static void
cast_skip(struct cast *c, int64_t t, uint64_t lines, uint64_t bytes)
{
	c->skipped_lines += lines;
	c->skipped_bytes += bytes;
	c->skipped_ms = t;
}

void
cast_line(struct cast *c, int64_t now_ms, int stream, const char *text,
    size_t len)
{
	int64_t t;

	if (c == NULL)
		return;
	t = cast_rel(c, now_ms);
	if (!cast_budget(c, t, (int64_t)len + 2)) {
		cast_skip(c, t, 1, len + 1);
		return;
	}
	cast_note_skipped(c);
	cast_put_line(c, t, stream, text, len);
}

void
cast_block(struct cast *c, int64_t now_ms, int stream, const char *text,
    size_t len, size_t nlines)
{
	const char *end = text + len, *nl;
	size_t n;
	int64_t t;

	if (c == NULL)
		return;
	t = cast_rel(c, now_ms);
	/* All or nothing: a flood is counted without looking at its lines. */
	if (!cast_budget(c, t, (int64_t)(len + nlines))) {
		cast_skip(c, t, nlines, len);
		return;
	}
	cast_note_skipped(c);
	while (text < end) {
		nl = memchr(text, '\n', (size_t)(end - text));
		n = (size_t)((nl != NULL ? nl : end) - text);
		cast_put_line(c, t, stream, text, n > 0 && text[n - 1] == '\r' ? n - 1 : n);
		if (nl == NULL)
			break;
		text = nl + 1;
	}
}

void
cast_text(struct cast *c, int64_t now_ms, const char *text, size_t len)
{
	const char *nl;
	size_t n;

	if (c == NULL)
		return;
	if (text == NULL) {
		text = "";
		len = 0;
	}
	cast_note_skipped(c);
	/* A '\n' grows to "\r\n", another byte to U+FFFD: 3 bytes at most. */
	batch_begin(c, cast_rel(c, now_ms), 3 * len + 2);
	do {
		nl = memchr(text, '\n', len);
		n = nl != NULL ? (size_t)(nl - text) : len;
		batch_add_utf8(c, text, n > 0 && text[n - 1] == '\r' ? n - 1 : n);
		batch_add(c, "\r\n", 2);
		if (nl == NULL)
			break;
		len -= n + 1;
		text = nl + 1;
	} while (len > 0);
	batch_end(c);
}

/* A JSON string of s made valid UTF-8, using the emptied batch as room. */
static json_t *
cast_jstr(struct cast *c, const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;
	json_t *v;

	cast_emit(c);
	batch_reserve(c, 3 * len + 1);	/* never a NULL batch: "" is a value */
	batch_add_utf8(c, s != NULL ? s : "", len);
	v = json_stringn_nocheck(c->batch, c->used);
	c->used = 0;
	return v;
}

void
cast_marker(struct cast *c, int64_t now_ms, const char *label)
{
	json_t *ev;

	if (c == NULL)
		return;
	cast_note_skipped(c);
	cast_emit(c);
	c->last_ms = cast_rel(c, now_ms);
	ev = json_array();
	json_array_append_new(ev, cast_time(c->last_ms));
	json_array_append_new(ev, json_string("m"));
	json_array_append_new(ev, cast_jstr(c, label));
	cast_put(c, ev);
}

int
cast_stopped(const struct cast *c)
{
	return c != NULL && c->stopped;
}

int
cast_flush(struct cast *c, char **cause)
{
	if (c == NULL)
		return 0;
	cast_note_skipped(c);
	cast_emit(c);
	if (c->error == NULL)
		return 0;
	*cause = c->error;
	c->error = NULL;
	return -1;
}

/* --- opening --- */

static void
cast_free(struct cast *c)
{
	if (c->fd != -1)
		close(c->fd);
	free(c->batch);
	free(c->enc);
	free(c->error);
	free(c->path);
	free(c);
}

static void
cast_header(struct cast *c, const char *title)
{
	const char *term = getenv("TERM");
	json_t *h = json_object(), *env = json_object();

	json_object_set_new(h, "version", json_integer(2));
	json_object_set_new(h, "width", json_integer(CAST_WIDTH));
	json_object_set_new(h, "height", json_integer(CAST_HEIGHT));
	json_object_set_new(h, "timestamp",
	    json_integer((json_int_t)(c->start_ms / 1000)));
	if (title != NULL)
		json_object_set_new(h, "title", cast_jstr(c, title));
	/* Steps run under /bin/sh -c; the player needs only colours. */
	json_object_set_new(env, "TERM", cast_jstr(c, term != NULL &&
	    *term != '\0' ? term : "xterm-256color"));
	json_object_set_new(env, "SHELL", json_string("/bin/sh"));
	json_object_set_new(h, "env", env);
	cast_put(c, h);
}

static int
cast_pread(struct cast *c, char *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pread(c->fd, buf, len, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* The offset of the first '\n' in bytes [from, to) of the file, or with
 * backwards the last; -1 if there is none, -2 if the file cannot be read. */
static off_t
cast_find_nl(struct cast *c, off_t from, off_t to, int backwards)
{
	char *buf = xmalloc(CAST_SCAN), *nl;
	off_t at = -1, off;
	size_t n;

	while (from < to && at == -1) {
		n = to - from > CAST_SCAN ? CAST_SCAN : (size_t)(to - from);
		off = backwards ? to - (off_t)n : from;
		if (cast_pread(c, buf, n, off) != 0) {
			at = -2;
			break;
		}
		nl = backwards ? memrchr(buf, '\n', n) : memchr(buf, '\n', n);
		if (nl != NULL)
			at = off + (nl - buf);
		else if (backwards)
			to = off;
		else
			from = off + (off_t)n;
	}
	free(buf);
	return at;
}

/* Parses the line [from, to) of the file; NULL if it is not JSON. */
static json_t *
cast_load_line(struct cast *c, off_t from, off_t to)
{
	size_t len = (size_t)(to - from);
	char *buf = xmalloc(len + 1);
	json_t *v = NULL;

	if (cast_pread(c, buf, len, from) == 0)
		v = json_loadb(buf, len, JSON_ALLOW_NUL, NULL);
	free(buf);
	return v;
}

/* 0 if the file starts with an asciicast v2 header ending at first_nl. */
static int
cast_check_header(struct cast *c, off_t first_nl, char **cause)
{
	json_t *h = cast_load_line(c, 0, first_nl);
	int ok = json_is_object(h) &&
	    json_integer_value(json_object_get(h, "version")) == 2;

	json_decref(h);
	if (!ok)
		*cause = xprintf("%s is not an asciicast v2 recording", c->path);
	return ok ? 0 : -1;
}

/* 0 if the file, without a line end, starts the way our header does. */
static int
cast_torn_header(struct cast *c, off_t size, char **cause)
{
	static const char start[] = "{\"version\": 2";
	char buf[sizeof start - 1];

	if (size < (off_t)sizeof buf ||
	    cast_pread(c, buf, sizeof buf, 0) != 0 ||
	    memcmp(buf, start, sizeof buf) != 0) {
		*cause = xprintf("%s is not an asciicast v2 recording", c->path);
		return -1;
	}
	return 0;
}

/* The time of the event on the line [from, to), or 0. */
static int64_t
cast_event_ms(struct cast *c, off_t from, off_t to)
{
	json_t *ev = cast_load_line(c, from, to);
	double t = json_number_value(json_array_get(ev, 0));

	json_decref(ev);
	return t > 0 ? (int64_t)(t * 1000.0 + 0.5) : 0;
}

/* Prepares an existing recording for appending: cuts a torn last line,
 * checks the header and picks up the last event's time. */
static int
cast_reopen(struct cast *c, off_t size, const char *title, char **cause)
{
	off_t last, first, prev;

	if ((last = cast_find_nl(c, 0, size, 1)) == -2)
		goto fail;
	if (last == -1) {
		/* Not even the header was finished: start again. */
		if (cast_torn_header(c, size, cause) != 0)
			return -1;
		if (ftruncate(c->fd, 0) != 0)
			goto fail;
		cast_header(c, title);
		return 0;
	}
	if ((first = cast_find_nl(c, 0, last + 1, 0)) < 0)
		goto fail;
	/* Only a file that is ours gets cut. */
	if (cast_check_header(c, first, cause) != 0)
		return -1;
	if (last + 1 < size && ftruncate(c->fd, last + 1) != 0)
		goto fail;
	c->size = last + 1;
	if (first == last)
		return 0;
	if ((prev = cast_find_nl(c, first, last, 1)) < 0)
		goto fail;
	c->last_ms = cast_event_ms(c, prev + 1, last);
	return 0;
fail:
	*cause = xprintf("cannot read %s: %s", c->path, strerror(errno));
	return -1;
}

struct cast *
cast_open(const char *incident_dir, int64_t started_wall_ms,
    const char *title, char **cause)
{
	struct cast *c;
	int dfd;

	if ((dfd = incdir_open(incident_dir, 0, cause)) == -1)
		return NULL;
	c = cast_openat(dfd, incident_dir, started_wall_ms, title, cause);
	close(dfd);
	return c;
}

struct cast *
cast_openat(int dfd, const char *incident_dir, int64_t started_wall_ms,
    const char *title, char **cause)
{
	struct cast *c = xcalloc(1, sizeof *c);
	struct stat sb;

	c->path = xprintf("%s/%s", incident_dir, CAST_FILE);
	c->start_ms = started_wall_ms;
	c->tokens = CAST_BURST_BYTES;
	c->fd = file_openat_regular(dfd, CAST_FILE, O_RDWR | O_CREAT | O_APPEND, 0600);
	if (c->fd == -1 || fchmod(c->fd, 0600) != 0 || fstat(c->fd, &sb) != 0) {
		*cause = xprintf("cannot open %s: %s", c->path, errno == ELOOP ? "it is a link (never followed)" :
		    errno == EINVAL ? "not a regular file" : strerror(errno));
		cast_free(c);
		return NULL;
	}
	if (sb.st_size == 0)
		cast_header(c, title);
	else if (cast_reopen(c, sb.st_size, title, cause) != 0) {
		cast_free(c);
		return NULL;
	}
	if (c->error != NULL) {
		*cause = c->error;
		c->error = NULL;
		cast_free(c);
		return NULL;
	}
	return c;
}

void
cast_close(struct cast *c)
{
	char *cause = NULL;

	if (c == NULL)
		return;
	if (cast_flush(c, &cause) != 0) {
		log_debug("%s", cause);
		free(cause);
	}
	cast_free(c);
}
