/*
 * follow_output.c: the output files of a followed incident (follow.c):
 * each attempt's and rollback's file read past what was taken in, its
 * lines parsed (follow_read_line) into the step's kept tail, a flooding
 * step's file skipped ahead to its last bytes. Which files exist comes
 * from the fold's attempts (follow.c); their names from the one rule,
 * jschema_output_name, through the fold.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fileutil.h"
#include "follow.h"
#include "follow_int.h"
#include "outbuf.h"
#include "outfile.h"
#include "xmalloc.h"

/* --- output files and tails --- */

void
follow_file_add(struct follow_step *st, char *rel, int rollback)
{
	struct follow_file *ff;

	for (int k = 0; k < st->nfiles; k++) {
		/* A rollback run twice appends to its file: go on from where we
		 * stopped, so no line is taken in twice. */
		if (strcmp(st->files[k].rel, rel) == 0) {
			st->files[k].closed = st->files[k].finished = 0;
			free(rel);
			return;
		}
	}
	st->files = xreallocarray(st->files, (size_t)st->nfiles + 1, sizeof *st->files);
	ff = &st->files[st->nfiles++];
	memset(ff, 0, sizeof *ff);
	ff->rel = rel;
	ff->rollback = rollback;
}

/* The attempt's file is complete once the journal says it ended: it is
 * then read to its end. */
void
follow_file_close(struct follow_step *st, int rollback, const char *rel)
{
	int known = 0;

	for (int k = 0; k < st->nfiles; k++) {
		if (st->files[k].rollback == rollback)
			st->files[k].closed = 1;
		known |= rel != NULL && strcmp(st->files[k].rel, rel) == 0;
	}
	/* The journal names a file we did not expect: read it too. */
	if (!known && rel != NULL) {
		follow_file_add(st, xstrdup(rel), rollback);
		st->files[st->nfiles - 1].closed = 1;
	}
}

/* One line into the step's tail, at its own time and on its stream. */
static void
tail_add(struct follow_step *st, const struct follow_line *line)
{
	char *text = xmalloc(line->len + 1);

	memcpy(text, line->text, line->len);
	text[line->len] = '\n';
	outbuf_feed(st->out, line->stream, text, line->len + 1, line->ts_ms);
	free(text);
}

/* The stamp and stream that begin a line of either form: 0 and *at the
 * offset just past "out" or "err", or -1. */
static int
parse_stamp(const char *s, size_t len, struct follow_line *line, size_t *at)
{
	const char *sp = memchr(s, ' ', len);
	char ts[CLOCK_RFC3339_LEN];
	size_t tlen;

	if (sp == NULL || (tlen = (size_t)(sp - s)) == 0 || tlen >= sizeof ts)
		return -1;
	memcpy(ts, s, tlen);
	ts[tlen] = '\0';
	if (clock_parse_timestamp(ts, &line->ts_ms) != 0)
		return -1;
	if (len - tlen - 1 < 3 || (memcmp(sp + 1, "out", 3) != 0 && memcmp(sp + 1, "err", 3) != 0))
		return -1;
	line->stream = sp[1] == 'e' ? OUTFILE_STDERR : OUTFILE_STDOUT;
	*at = tlen + 4;
	return 0;
}

/* A header's count: digits only, as the writer prints them (no sign, no
 * leading zero), so "0", "01" and "3x" are not counts; 0 for those. Up to
 * 19 digits, which cannot overflow. */
static uint64_t
parse_count(const char *s, size_t len)
{
	uint64_t n = 0;

	if (len == 0 || len > 19 || s[0] < '1' || s[0] > '9')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	return n;
}

/* A block's raw line is text whatever it looks like. The writer used to
 * drop a '\r' before a newline, so one is dropped here in its place. */
static void
read_raw(struct follow_reader *rd, const char *s, size_t len, struct follow_line *line)
{
	rd->left--;
	line->ts_ms = rd->ts_ms;
	line->stream = rd->stream;
	line->text = (char *)s;
	line->len = len > 0 && s[len - 1] == '\r' ? len - 1 : len;
}

int
follow_read_line(struct follow_reader *rd, const char *s, size_t len, struct follow_line *line)
{
	size_t at;
	uint64_t n;

	if (rd->left > 0) {
		read_raw(rd, s, len, line);
		return 1;
	}
	if (parse_stamp(s, len, line, &at) == 0) {
		if (at == len || s[at] == ' ') {
			at += at < len;		/* the space before the text */
			line->text = (char *)s + at;
			line->len = len - at;
			return 1;
		}
		if (s[at] == ':' && (n = parse_count(s + at + 1, len - at - 1)) > 0) {
			rd->ts_ms = line->ts_ms;
			rd->stream = line->stream;
			rd->left = n;
			return 0;
		}
	}
	*line = (struct follow_line){ 0, OUTFILE_STDOUT, (char *)s, len };
	return -1;
}

/* A line that does not parse is still output: shown whole, untimed. A
 * header shows nothing. */
static void
take_output_line(struct follow_step *st, struct follow_file *ff, const char *s, size_t len)
{
	struct follow_line line = { 0, OUTFILE_STDOUT, (char *)s, len };

	/* The rest of a line taken cut is still that line of the file, not
	 * the next line of a block: shown untimed, as it always was. */
	if (ff->cut)
		ff->cut = 0;
	else if (follow_read_line(&ff->rd, s, len, &line) == 0)
		return;
	tail_add(st, &line);
}

/* The reader starts over, outside any block, at a line start reached
 * other than by reading up to it. */
static void
reader_reset(struct follow_file *ff)
{
	memset(&ff->rd, 0, sizeof ff->rd);
	ff->cut = 0;
}

/* Reads up to want bytes of path from off into an allocated buffer. */
char *
follow_read_at(const char *path, off_t off, size_t want, size_t *got)
{
	char *buf = xmalloc(want + 1);
	size_t used = 0;
	ssize_t n;
	int fd;

	if ((fd = file_openat_regular(AT_FDCWD, path, O_RDONLY, 0)) == -1) {
		free(buf);
		return NULL;
	}
	while (used < want) {
		n = pread(fd, buf + used, want - used, off + (off_t)used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	*got = used;
	return buf;
}

/* Takes in the complete lines of buf; returns the bytes they took. */
static size_t
take_output(struct follow_step *st, struct follow_file *ff, const char *buf, size_t len)
{
	const char *p = buf, *nl;

	while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		take_output_line(st, ff, p, (size_t)(nl - p));
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

/* Far behind a flooding step: go on from the first line that starts in
 * the file's last FOLLOW_TAIL_BYTES, and leave a mark where bytes were
 * passed over. Whether that line is inside a block cannot be known
 * without reading what was skipped, so the reader starts outside one:
 * the rest of a block is shown untimed (or, where a raw line looks like
 * one, as a stamped line or header) until the next header or stamped
 * line. A viewer's tail can live with that; the file is unchanged. */
static void
skip_ahead(struct follow_step *st, struct follow_file *ff, const char *path, off_t size)
{
	off_t off = size - FOLLOW_TAIL_BYTES;
	size_t got = 0;
	char *buf = follow_read_at(path, off, FOLLOW_TAIL_BYTES, &got), *nl, mark[160], human[32];
	struct follow_line gap = { 0, FOLLOW_GAP, mark, 0 };

	if (buf != NULL && (nl = memchr(buf, '\n', got)) != NULL)
		off += nl - buf + 1;
	free(buf);
	st->skipped += (uint64_t)(off - ff->done);
	if ((off - ff->done) >= 1024 * 1024)
		snprintf(human, sizeof human, "%lld MB", (long long)((off - ff->done) / (1024 * 1024)));
	else
		snprintf(human, sizeof human, "%lld bytes", (long long)(off - ff->done));
	gap.len = (size_t)snprintf(mark, sizeof mark, "... %s of output not read here: all of it is in %s",
	    human, ff->rel);
	tail_add(st, &gap);
	ff->done = off;
	reader_reset(ff);
}

/* Reads what is new in one file; 1 if anything was taken in. */
static int
read_file(struct follow *f, struct follow_step *st, struct follow_file *ff)
{
	char *path = xprintf("%s/%s", f->dir, ff->rel), *buf = NULL;
	struct stat sb;
	size_t want, got = 0, used = 0;
	int all;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		free(path);
		ff->finished = ff->closed;	/* it never came to exist */
		return ff->finished;
	}
	if (sb.st_size < ff->done) {
		ff->done = ff->seen = 0;	/* rewritten: start again */
		reader_reset(ff);
	}
	if (sb.st_size == ff->seen && !ff->closed) {
		free(path);
		return 0;
	}
	if (sb.st_size - ff->done > FOLLOW_SKIP_BYTES)
		skip_ahead(st, ff, path, sb.st_size);
	want = (size_t)(sb.st_size - ff->done);
	if ((all = want <= f->budget) == 0) {
		want = f->budget;
		f->behind = 1;
	}
	if (want > 0 && (buf = follow_read_at(path, ff->done, want, &got)) == NULL) {
		free(path);
		return 0;
	}
	free(path);
	f->budget -= want;
	all = all && got == want;
	if (buf != NULL) {
		used = take_output(st, ff, buf, got);
		/* No real line is this long: take it cut rather than stall. */
		if (used == 0 && got == FOLLOW_READ_MAX) {
			take_output_line(st, ff, buf, got);
			ff->cut = 1;
			used = got;
		}
		/* A closed file ends with a newline, unless its writer crashed. */
		if (all && ff->closed && used < got) {
			take_output_line(st, ff, buf + used, got - used);
			used = got;
		}
	}
	ff->done += (off_t)used;
	if (all)
		ff->seen = sb.st_size;
	ff->finished = ff->closed && ff->done >= sb.st_size;
	free(buf);
	return used > 0 || ff->finished;
}

/* A finished file of which nothing was taken in (it never came to exist,
 * or stayed empty) is as good as none: were it named again, it would be
 * read from its start either way. Forgetting it keeps a step that was
 * attempted many times without output from a list that only grows. */
static void
forget_if_empty(struct follow_step *st, int k)
{
	struct follow_file *ff = &st->files[k];

	if (!ff->finished || ff->done != 0 || ff->cut)
		return;
	free(ff->rel);
	memmove(ff, ff + 1, (size_t)(st->nfiles - k - 1) * sizeof *ff);
	st->nfiles--;
}

/* Each step's files in order: a later attempt's lines wait for the
 * earlier one's, so a tail never interleaves two attempts. */
int
follow_read_outputs(struct follow *f)
{
	int changed = 0, n;

	for (int i = 0; i < f->nsteps && f->budget > 0; i++) {
		struct follow_step *st = &f->steps[i];

		for (int k = 0; k < st->nfiles && f->budget > 0; k++) {
			if (st->files[k].finished)
				continue;
			changed |= read_file(f, st, &st->files[k]);
			if (!st->files[k].finished)
				break;
			n = st->nfiles;
			forget_if_empty(st, k);
			k -= n - st->nfiles;
		}
	}
	return changed;
}

