/*
 * verify.c: checks an incident directory. Every line must parse, carry the
 * next seq, name the previous line's hash as prev and hash to its own hash;
 * then each output file must still have the SHA-256 its step recorded. The
 * first fault is described in words an operator can act on: which line, and
 * whether lines look removed, inserted, swapped or edited. The journal's
 * end must match its head (jhead.h) and, when given, a head kept elsewhere.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto.h"
#include "jhead.h"
#include "journal.h"
#include "verify_int.h"
#include "xmalloc.h"

struct verify_line {
	const char	*raw;
	size_t		 len;
	json_t		*obj;	/* NULL if it does not parse */
	json_int_t	 seq;	/* 0 if missing */
	char		*error;	/* why it does not parse */
};

struct verify_state {
	const char		*dir;
	const char		*key;
	struct verify_line	*lines;
	size_t			 n;
	char			 prev[CRYPTO_HEX_LEN];
	const char		*given_head;	/* verify --head HASH, or NULL */
	struct jhead		 head;		/* journal.head, read before the journal */
	int			 head_rc;	/* jhead_read's answer */
	char			*head_cause;
	int			 driven;	/* a console appends to it now */
	struct verify_result	*res;
};

/* Records the first fault: line is 1-based. Always returns 1. */
static int __attribute__((format(printf, 3, 4)))
verify_fail(struct verify_state *st, size_t line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	st->res->ok = 0;
	st->res->bad_line = (int64_t)line;
	st->res->what = xprintf("line %zu: %s", line, msg != NULL ? msg :
	    "broken");
	free(msg);
	return 1;
}

/* Splits buf into complete lines and parses each; returns trailing bytes. */
static size_t
verify_split(struct verify_state *st, const char *buf, size_t len)
{
	const char *p = buf, *nl;
	json_error_t error;
	struct verify_line *l;

	while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		st->lines = xreallocarray(st->lines, st->n + 1,
		    sizeof *st->lines);
		l = &st->lines[st->n++];
		memset(l, 0, sizeof *l);
		l->raw = p;
		l->len = (size_t)(nl - p);
		l->obj = json_loadb(p, l->len, JSON_REJECT_DUPLICATES |
		    JSON_ALLOW_NUL, &error);
		if (l->obj == NULL)
			l->error = xstrdup(error.text);
		else if (json_is_integer(json_object_get(l->obj, "seq")))
			l->seq = json_integer_value(json_object_get(l->obj,
			    "seq"));
		p = nl + 1;
	}
	return len - (size_t)(p - buf);
}

/* The seq of line i (0-based) if there is one, else -1. */
static json_int_t
verify_seq_at(struct verify_state *st, size_t i)
{
	if (i >= st->n || st->lines[i].seq == 0)
		return -1;
	return st->lines[i].seq;
}

static char *
verify_seq_story_later(struct verify_state *st, size_t i, json_int_t want)
{
	json_int_t seq = st->lines[i].seq;

	if (seq == want + 1 && verify_seq_at(st, i + 1) == want)
		return xprintf("lines %zu and %zu were swapped", i + 1, i + 2);
	for (size_t k = i + 1; k < st->n; k++) {
		if (st->lines[k].seq == want) {
			return xprintf("lines were reordered (seq %lld is on "
			    "line %zu)", (long long)want, k + 1);
		}
	}
	if (seq - want == 1)
		return xstrdup("a line was removed");
	return xprintf("%lld lines were removed", (long long)(seq - want));
}

static char *
verify_seq_story_earlier(struct verify_state *st, size_t i, json_int_t want)
{
	const struct verify_line *l = &st->lines[i];

	for (size_t k = 0; k < i; k++) {
		if (st->lines[k].len == l->len &&
		    memcmp(st->lines[k].raw, l->raw, l->len) == 0)
			return xprintf("a line was inserted (a copy of line "
			    "%zu)", k + 1);
	}
	if (verify_seq_at(st, i + 1) == want)
		return xstrdup("a line was inserted");
	return xstrdup("a line was inserted or lines were reordered");
}

/* Explains line i's seq, which is not the i + 1 it should be. */
static int
verify_bad_seq(struct verify_state *st, size_t i)
{
	json_int_t want = (json_int_t)i + 1, seq = st->lines[i].seq;
	char *story;

	if (seq <= 0)
		return verify_fail(st, i + 1, "seq is missing or not a positive "
		    "integer");
	if (seq > want)
		story = verify_seq_story_later(st, i, want);
	else
		story = verify_seq_story_earlier(st, i, want);
	verify_fail(st, i + 1, "seq %lld where %lld was expected: %s",
	    (long long)seq, (long long)want, story);
	free(story);
	return 1;
}

/* 1 if line i (0-based) parses but does not hash to its own hash. */
static int
verify_hash_differs(struct verify_state *st, size_t i)
{
	char hex[CRYPTO_HEX_LEN], *cause = NULL;
	const char *hash;
	json_t *obj;

	if (i >= st->n || (obj = st->lines[i].obj) == NULL)
		return 0;
	hash = json_string_value(json_object_get(obj, "hash"));
	if (hash == NULL || journal_line_hash(obj, st->key, hex, &cause) != 0) {
		free(cause);
		return 0;
	}
	return strcmp(hex, hash) != 0;
}

/*
 * A line whose hash is wrong was edited, unless the key differs from the
 * one the journal was written with: then the next line is wrong too.
 */
static int
verify_bad_hash(struct verify_state *st, size_t i)
{
	const char *why = "the line was edited";

	if (i + 1 == st->n || verify_hash_differs(st, i + 1)) {
		if (st->key != NULL)
			why = "the line was edited, or the journal was written "
			    "with another " JOURNAL_KEY_ENV;
		else
			why = "the line was edited, or the journal was written "
			    "with a " JOURNAL_KEY_ENV ", which is not set";
	}
	return verify_fail(st, i + 1, "hash does not match: %s", why);
}

static int
verify_line(struct verify_state *st, size_t i)
{
	struct verify_line *l = &st->lines[i];
	char hex[CRYPTO_HEX_LEN], *cause = NULL;
	const char *prev, *hash;

	if (l->obj == NULL)
		return verify_fail(st, i + 1, "not valid JSON (%s): the line "
		    "was edited or damaged", l->error);
	if (!json_is_object(l->obj))
		return verify_fail(st, i + 1, "not a JSON object");
	if (l->seq != (json_int_t)i + 1)
		return verify_bad_seq(st, i);
	prev = json_string_value(json_object_get(l->obj, "prev"));
	if (prev == NULL || strcmp(prev, st->prev) != 0) {
		if (i == 0)
			return verify_fail(st, 1, "prev is not the zero hash a "
			    "first line has");
		return verify_fail(st, i + 1, "prev does not match the hash "
		    "of line %zu", i);
	}
	hash = json_string_value(json_object_get(l->obj, "hash"));
	if (hash == NULL || strlen(hash) != CRYPTO_HEX_LEN - 1)
		return verify_fail(st, i + 1, "hash is missing or malformed");
	if (journal_line_hash(l->obj, st->key, hex, &cause) != 0) {
		verify_fail(st, i + 1, "%s", cause);
		free(cause);
		return 1;
	}
	if (strcmp(hex, hash) != 0)
		return verify_bad_hash(st, i);
	memcpy(st->prev, hash, CRYPTO_HEX_LEN);
	return 0;
}

/* The output a line records, if it records one with its hash. */
static const char *
verify_output_of(struct verify_state *st, size_t i, const char **sha)
{
	json_t *obj = st->lines[i].obj;
	const char *path;

	path = json_string_value(json_object_get(obj, "output"));
	*sha = json_string_value(json_object_get(obj, "output_sha256"));
	return (path != NULL && *sha != NULL) ? path : NULL;
}

/* 1 if a line after i records the same output: a retry appended to it. */
static int
verify_output_superseded(struct verify_state *st, size_t i, const char *path)
{
	const char *other, *sha;

	for (size_t k = i + 1; k < st->n; k++) {
		other = verify_output_of(st, k, &sha);
		if (other != NULL && strcmp(other, path) == 0)
			return 1;
	}
	return 0;
}

int
verify_path_escapes(const char *path)
{
	const char *p = path;
	size_t n;

	if (*path == '\0' || *path == '/')
		return 1;
	while (*p != '\0') {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		p += n;
		p += strspn(p, "/");
	}
	return 0;
}

static int
verify_output(struct verify_state *st, size_t i, const char *path,
    const char *sha)
{
	char hex[CRYPTO_HEX_LEN], *full, *cause = NULL;
	int rc;

	if (verify_path_escapes(path))
		return verify_fail(st, i + 1, "output path %s leaves the "
		    "incident directory", path);
	full = xprintf("%s/%s", st->dir, path);
	if (access(full, F_OK) != 0 && errno == ENOENT) {
		free(full);
		return verify_fail(st, i + 1, "output file %s is missing",
		    path);
	}
	rc = crypto_sha256_file(full, hex, &cause);
	free(full);
	if (rc != 0) {
		verify_fail(st, i + 1, "%s", cause);
		free(cause);
		return 1;
	}
	if (strcmp(hex, sha) != 0)
		return verify_fail(st, i + 1, "output file %s was altered",
		    path);
	return 0;
}

/*
 * Checks each output file against the last line that records it: a retried
 * step appends to the same file, so earlier records describe a prefix.
 */
static int
verify_outputs(struct verify_state *st, size_t *count)
{
	const char *path, *sha;

	*count = 0;
	for (size_t i = 0; i < st->n; i++) {
		if ((path = verify_output_of(st, i, &sha)) == NULL ||
		    verify_output_superseded(st, i, path))
			continue;
		if (verify_output(st, i, path, sha) != 0)
			return 1;
		(*count)++;
	}
	return 0;
}

/* --- the head: the chain's end, kept beside it and maybe elsewhere --- */

/* The 1-based line whose hash is hash, or 0. */
static size_t
verify_find_hash(struct verify_state *st, const char *hash)
{
	for (size_t i = st->n; i > 0; i--) {
		const char *h = json_string_value(json_object_get(st->lines[i - 1].obj, "hash"));

		if (h != NULL && strcmp(h, hash) == 0)
			return i;
	}
	return 0;
}

/* The head kept elsewhere (verify --head): some line must end with it. */
static int
verify_given_head(struct verify_state *st)
{
	size_t at = verify_find_hash(st, st->given_head);

	if (at == 0)
		return verify_fail(st, st->n + 1, "no line has the head given (%.12s...): the journal was cut or "
		    "rewritten since that head was taken", st->given_head);
	if (at < st->n)
		st->res->note = xprintf("the head given is line %zu; %zu line%s came after it", at, st->n - at,
		    st->n - at == 1 ? "" : "s");
	return 0;
}

/* A keyed journal's head must carry the key's HMAC: without the key
 * nobody can make a head for a journal cut short. */
static int
verify_head_mac(struct verify_state *st, const struct jhead *h)
{
	if (st->key == NULL)
		return 0;
	if (!h->keyed)
		return verify_fail(st, st->n, JHEAD_FILE " carries no HMAC though " JOURNAL_KEY_ENV " is set: "
		    "the head was replaced");
	if (!jhead_mac_ok(h, st->key))
		return verify_fail(st, st->n, "the HMAC of " JOURNAL_KEY_ENV " does not match " JHEAD_FILE
		    ": the head was forged or written with another key");
	return 0;
}

/* The journal against its head file: a cut tail, a rewritten end, a
 * missing head and lines past the head all break it. One line past the
 * head is a crash between a line and its head. */
static int
verify_head_file(struct verify_state *st)
{
	const struct jhead h = st->head;
	const char *at;

	if (st->head_rc == 1 && st->given_head != NULL)
		return 0;
	if (st->head_rc == 1)
		return verify_fail(st, st->n, "there is no " JHEAD_FILE " beside the journal: the head was "
		    "removed (or the incident predates heads), so a cut tail cannot be ruled out");
	if (st->head_rc == -1)
		return verify_fail(st, st->n, "%s", st->head_cause);
	if (verify_head_mac(st, &h) != 0)
		return 1;
	if (h.seq > (int64_t)st->n)
		return verify_fail(st, st->n + 1, "the journal ends at line %zu but its head is line %lld: "
		    "the tail was cut (%lld line%s missing)", st->n, (long long)h.seq,
		    (long long)h.seq - (long long)st->n, h.seq - (int64_t)st->n == 1 ? "" : "s");
	at = h.seq > 0 ? json_string_value(json_object_get(st->lines[h.seq - 1].obj, "hash")) : NULL;
	if (h.seq > 0 && (at == NULL || strcmp(at, h.hash) != 0))
		return verify_fail(st, (size_t)h.seq, "the line's hash is not the head's: the journal was "
		    "rewritten from here on");
	if (h.seq + 1 < (int64_t)st->n && st->driven)
		st->res->note = xprintf("%lld lines past the head: a console is appending to the journal now",
		    (long long)st->n - (long long)h.seq);
	else if (h.seq + 1 < (int64_t)st->n)
		return verify_fail(st, (size_t)h.seq + 1, "%lld lines follow the head (line %lld): appended by "
		    "something other than drconsole, or an old head was put back",
		    (long long)st->n - (long long)h.seq, (long long)h.seq);
	if (h.seq + 1 == (int64_t)st->n && st->res->note == NULL)
		st->res->note = xprintf("the head is one line behind (line %lld): a crash between the last "
		    "line and its head", (long long)h.seq);
	return 0;
}

/* A resume forced past a break (resume --force) says so in its run.resume:
 * the chain after it is whole, the break before it is not forgotten. */
static void
verify_note_forced(struct verify_state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		const char *ev = json_string_value(json_object_get(st->lines[i].obj, "event"));
		const char *why = json_string_value(json_object_get(st->lines[i].obj, "forced"));
		char *note;

		if (ev == NULL || why == NULL || strcmp(ev, "run.resume") != 0)
			continue;
		note = xprintf("%s%sline %zu: resumed with --force past a break (%s)", st->res->note ?
		    st->res->note : "", st->res->note ? "; " : "", i + 1, why);
		free(st->res->note);
		st->res->note = note;
	}
}

static int
verify_head(struct verify_state *st)
{
	if (st->n == 0)
		return verify_fail(st, 1, "the journal is empty: it was emptied, or the run died before its "
		    "first line");
	if (st->given_head != NULL && verify_given_head(st) != 0)
		return 1;
	return verify_head_file(st);
}

static void
verify_free_lines(struct verify_state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		json_decref(st->lines[i].obj);
		free(st->lines[i].error);
	}
	free(st->lines);
}

static int
verify_incident_with(const char *dir, const char *head, int outputs_too, struct verify_result *res)
{
	struct verify_state st;
	size_t len, torn, outputs = 0;
	char *buf, *cause = NULL;
	int rc = 0;

	memset(res, 0, sizeof *res);
	/* An intact journal is checked in one streamed pass, whatever its
	 * size; only a fault needs it whole, to be described. */
	if (verify_stream(dir, head, outputs_too, res) == 0)
		return 0;
	memset(&st, 0, sizeof st);
	/* The head first: the journal only grows, so a console appending
	 * meanwhile leaves the head behind what is read, never ahead. */
	st.driven = journal_driven(dir);
	st.head_rc = jhead_read(dir, &st.head, &st.head_cause);
	if (journal_read_raw(dir, &buf, &len, &cause) != 0) {
		free(st.head_cause);
		res->what = cause;
		return -1;
	}
	st.dir = dir;
	st.key = journal_env_key();
	st.res = res;
	st.given_head = head;
	memset(st.prev, '0', CRYPTO_HEX_LEN - 1);
	torn = verify_split(&st, buf, len);
	res->lines = (int64_t)st.n;
	res->torn = torn != 0;
	for (size_t i = 0; i < st.n && rc == 0; i++)
		rc = verify_line(&st, i);
	if (rc == 0)
		rc = verify_head(&st);
	if (rc == 0)
		verify_note_forced(&st);
	if (rc == 0 && outputs_too)
		rc = verify_outputs(&st, &outputs);
	if (rc == 0) {
		res->ok = 1;
		memcpy(res->final_hash, st.prev, CRYPTO_HEX_LEN);
		res->what = outputs_too ? xprintf("%zu lines intact, %zu output files match%s", st.n, outputs,
		    torn != 0 ? "; a torn last line (a crash mid-write) is not counted" : "") :
		    xprintf("%zu lines intact (output files not reread)%s", st.n,
		    torn != 0 ? "; a torn last line (a crash mid-write) is not counted" : "");
	}
	verify_free_lines(&st);
	free(st.head_cause);
	free(buf);
	return rc;
}

int
verify_incident(const char *dir, struct verify_result *res)
{
	return verify_incident_with(dir, NULL, 1, res);
}

int
verify_incident_head(const char *dir, const char *head, struct verify_result *res)
{
	return verify_incident_with(dir, head, 1, res);
}

int
verify_incident_chain(const char *dir, struct verify_result *res)
{
	return verify_incident_with(dir, NULL, 0, res);
}

void
verify_result_clear(struct verify_result *res)
{
	free(res->what);
	free(res->note);
	memset(res, 0, sizeof *res);
}
