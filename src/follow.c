/*
 * follow.c: following an incident from outside while its console writes
 * it. Each poll stats the journal and the output files of steps that may
 * still grow, and reads only past the offsets already taken in: the
 * journal and output files are append-only, so a size that did not change
 * means nothing did. Offsets stop at the last complete line; a torn last
 * line (a write in progress, or a crash) is read again at the next poll
 * rather than kept, because a console that resumes the incident cuts a
 * torn tail away and writes a new line in its place. An output file's
 * lines are read with a follow_reader kept beside its offset, since a
 * block header and its raw lines may come in different polls.
 *
 * The driving console owns the journal and its lock; nothing here locks or
 * writes (follow_inject.c, which goes through the inbox like `drconsole
 * note`, is the one writer). Events in words are follow_summary.c's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "diag.h"
#include "fileutil.h"
#include "follow.h"
#include "jschema.h"
#include "journal.h"
#include "loader.h"
#include "outfile.h"
#include "xmalloc.h"

/* An output file of one attempt (or rollback) of a step. */
struct follow_file {
	char	*rel;		/* relative to the incident directory */
	int	 rollback;
	off_t	 done;		/* bytes of complete lines taken in */
	off_t	 seen;		/* the size when last read to the end */
	int	 closed;	/* the journal says the attempt ended */
	int	 finished;	/* closed, and read to its end */
	struct follow_reader rd;	/* where done stands: a block may span reads */
	int	 cut;		/* the line at done is the rest of one taken cut */
};

struct follow {
	char	*dir;
	char	*jpath;
	int	 flags;
	struct follow_run run;
	struct follow_step *steps;
	int	 nsteps;
	int	 seeded;	/* steps came from the runbook */
	struct follow_event *events;	/* a ring of FOLLOW_TIMELINE_MAX */
	size_t	 nevents, ev_head;
	int	 jknown;	/* jdev and jino are set */
	dev_t	 jdev;
	ino_t	 jino;
	off_t	 jdone;		/* bytes of complete journal lines read */
	off_t	 jseen;		/* the journal's size when read to the end */
	struct timespec jmtime;	/* and its modification time then */
	int64_t	 last_seq;
	char	 last_hash[CRYPTO_HEX_LEN];
	size_t	 budget;	/* output bytes this poll may still read */
	int	 behind;
	uint64_t gen;
};

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t
jint(json_t *o, const char *key, int64_t def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

/* Replaces *slot with a copy of s (NULL stays NULL). */
static void
set_str(char **slot, const char *s)
{
	free(*slot);
	*slot = s != NULL ? xstrdup(s) : NULL;
}

int64_t
follow_event_ms(json_t *ev)
{
	int64_t ms = 0;
	const char *ts = jstr(ev, "ts");

	if (ts == NULL || clock_parse_timestamp(ts, &ms) != 0)
		return 0;
	return ms;
}

/* --- steps --- */

static void
step_clear(struct follow_step *st)
{
	free(st->id);
	free(st->title);
	free(st->phase);
	free(st->exit_desc);
	free(st->reason);
	free(st->note);
	free(st->command);
	free(st->kind);
	for (size_t k = 0; k < st->ntail; k++)
		free(st->tail[k].text);
	free(st->tail);
	for (int k = 0; k < st->nfiles; k++)
		free(st->files[k].rel);
	free(st->files);
	memset(st, 0, sizeof *st);
}

/* Inserts a step at pos; timeline entries keep pointing at theirs. */
static int
step_insert(struct follow *f, int pos, const char *id, int index)
{
	struct follow_step *st;

	f->steps = xreallocarray(f->steps, (size_t)f->nsteps + 1, sizeof *f->steps);
	memmove(f->steps + pos + 1, f->steps + pos, (size_t)(f->nsteps - pos) * sizeof *f->steps);
	f->nsteps++;
	st = &f->steps[pos];
	memset(st, 0, sizeof *st);
	st->id = xstrdup(id);
	st->title = xstrdup(id);
	st->index = index;
	st->exit_code = -1;
	for (size_t k = 0; k < f->nevents; k++) {
		struct follow_event *e = &f->events[(f->ev_head + k) % FOLLOW_TIMELINE_MAX];

		if (e->step >= pos)
			e->step++;
	}
	if (f->run.running >= pos)
		f->run.running++;
	if (f->run.last_step >= pos)
		f->run.last_step++;
	return pos;
}

int
follow_find_step(const struct follow *f, const char *id)
{
	for (int i = 0; id != NULL && i < f->nsteps; i++) {
		if (strcmp(f->steps[i].id, id) == 0)
			return i;
	}
	return -1;
}

/* The event's step, added when the journal names one we do not know: in
 * the order of its runbook index, after the runbook's own steps. */
static int
step_of(struct follow *f, json_t *ev)
{
	const char *id = jstr(ev, "step");
	int index = (int)jint(ev, "index", 0), i, pos;

	if (id == NULL || *id == '\0')
		return -1;
	if ((i = follow_find_step(f, id)) >= 0) {
		if (f->steps[i].index == 0)
			f->steps[i].index = index;
		return i;
	}
	for (pos = f->nsteps; !f->seeded && pos > 0; pos--) {
		if (index <= 0 || f->steps[pos - 1].index <= index)
			break;
	}
	return step_insert(f, pos, id, index);
}

/* The checklist from the runbook itself, when its file can be read. */
static void
seed_steps(struct follow *f, json_t *rbj)
{
	const char *path = jstr(rbj, "path"), *sha = jstr(rbj, "sha256");
	struct diags d = { 0 };
	struct runbook *rb;
	char mine[CRYPTO_HEX_LEN];

	if (path == NULL || (rb = loader_load_file(path, &d)) == NULL) {
		f->run.runbook_problem = xprintf("cannot load the runbook %s: showing the steps the journal "
		    "names", path != NULL ? path : "(none named)");
		diags_clear(&d);
		return;
	}
	diags_clear(&d);
	crypto_hex(rb->sha256, sizeof rb->sha256, mine);
	if (sha == NULL || strcmp(sha, mine) != 0)
		f->run.runbook_problem = xprintf("the runbook %s changed since the run started", path);
	for (int i = 0; i < rb->nsteps; i++) {
		const char *ph = runbook_step_phase(rb, i);
		int pos = step_insert(f, f->nsteps, rb->steps[i].id, i + 1);

		set_str(&f->steps[pos].title, rb->steps[i].title.s != NULL ? rb->steps[i].title.s :
		    rb->steps[i].id);
		if (ph != NULL && (i == 0 || runbook_step_phase(rb, i - 1) != ph))
			set_str(&f->steps[pos].phase, ph);
	}
	f->seeded = 1;
	runbook_free(rb);
}

/* --- output files and tails --- */

static void
file_add(struct follow_step *st, char *rel, int rollback)
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
static void
file_close(struct follow_step *st, int rollback, const char *rel)
{
	int known = 0;

	for (int k = 0; k < st->nfiles; k++) {
		if (st->files[k].rollback == rollback)
			st->files[k].closed = 1;
		known |= rel != NULL && strcmp(st->files[k].rel, rel) == 0;
	}
	/* The journal names a file we did not expect: read it too. */
	if (!known && rel != NULL) {
		file_add(st, xstrdup(rel), rollback);
		st->files[st->nfiles - 1].closed = 1;
	}
}

static void
tail_add(struct follow_step *st, const struct follow_line *line)
{
	struct follow_line *slot;

	if (st->tail == NULL)
		st->tail = xcalloc(FOLLOW_TAIL_LINES, sizeof *st->tail);
	if (st->ntail < FOLLOW_TAIL_LINES)
		slot = &st->tail[(st->tail_head + st->ntail++) % FOLLOW_TAIL_LINES];
	else {
		slot = &st->tail[st->tail_head];
		st->tail_head = (st->tail_head + 1) % FOLLOW_TAIL_LINES;
		free(slot->text);
	}
	*slot = *line;
	slot->text = xstrndup(line->text, line->len);
	st->lines++;
}

const struct follow_line *
follow_step_line(const struct follow_step *s, size_t k)
{
	return k < s->ntail ? &s->tail[(s->tail_head + k) % FOLLOW_TAIL_LINES] : NULL;
}

uint64_t
follow_step_dropped(const struct follow_step *s)
{
	return s->lines - s->ntail;
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
static char *
read_at(const char *path, off_t off, size_t want, size_t *got)
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
	char *buf = read_at(path, off, FOLLOW_TAIL_BYTES, &got), *nl, mark[160], human[32];
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
	if (want > 0 && (buf = read_at(path, ff->done, want, &got)) == NULL) {
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

/* Each step's files in order: a later attempt's lines wait for the
 * earlier one's, so a tail never interleaves two attempts. */
static int
read_outputs(struct follow *f)
{
	int changed = 0;

	for (int i = 0; i < f->nsteps && f->budget > 0; i++) {
		struct follow_step *st = &f->steps[i];

		for (int k = 0; k < st->nfiles && f->budget > 0; k++) {
			if (st->files[k].finished)
				continue;
			changed |= read_file(f, st, &st->files[k]);
			if (!st->files[k].finished)
				break;
		}
	}
	return changed;
}

/* --- journal events --- */

static enum step_status
status_named(const char *name)
{
	for (int s = STEP_PENDING; s < STEP_NSTATUS; s++) {
		if (name != NULL && strcmp(step_status_name((enum step_status)s), name) == 0)
			return (enum step_status)s;
	}
	return STEP_FAILED;
}

static int
step_index(const struct follow_step *st, json_t *ev, int i)
{
	int64_t index = jint(ev, "index", st->index);

	return index > 0 ? (int)index : i + 1;
}

static void
on_run_start(struct follow *f, json_t *ev, int i)
{
	json_t *rbj = json_object_get(ev, "runbook"), *obj = json_object_get(ev, "objectives");

	(void)i;
	f->run.started = 1;
	set_str(&f->run.title, jstr(rbj, "title"));
	set_str(&f->run.runbook_id, jstr(rbj, "id"));
	set_str(&f->run.runbook_path, jstr(rbj, "path"));
	set_str(&f->run.mode, jstr(ev, "mode"));
	set_str(&f->run.driver, jstr(ev, "operator"));
	set_str(&f->run.incident, jstr(ev, "incident"));
	set_str(&f->run.host, jstr(ev, "host"));
	f->run.pid = (long)jint(ev, "pid", 0);
	f->run.rto_ms = jint(obj, "rto_ms", 0);
	f->run.rpo_ms = jint(obj, "rpo_ms", 0);
	f->run.started_ms = follow_event_ms(ev);
	if ((f->flags & FOLLOW_RUNBOOK) && !f->seeded && f->nsteps == 0 &&
	    f->run.runbook_problem == NULL)
		seed_steps(f, rbj);
}

/* A resumed run: a step left running is interrupted, outcome unknown. */
static void
on_run_resume(struct follow *f, json_t *ev, int i)
{
	(void)i;
	for (int k = 0; k < f->nsteps; k++) {
		struct follow_step *st = &f->steps[k];

		if (st->status != STEP_RUNNING)
			continue;
		st->status = STEP_INTERRUPTED;
		st->retry_waiting = st->rollback_running = 0;
		set_str(&st->reason, "interrupted: outcome unknown");
		file_close(st, 0, NULL);
		file_close(st, 1, NULL);
	}
	f->run.running = -1;
	set_str(&f->run.driver, jstr(ev, "operator"));
	f->run.pid = (long)jint(ev, "pid", f->run.pid);
}

static void
on_run_end(struct follow *f, json_t *ev, int i)
{
	(void)i;
	f->run.ended_ms = follow_event_ms(ev);
	set_str(&f->run.end_status, jstr(ev, "status"));
	f->run.running = -1;
}

static void
on_handoff(struct follow *f, json_t *ev, int i)
{
	(void)i;
	if (jstr(ev, "to") != NULL)
		set_str(&f->run.driver, jstr(ev, "to"));
}

static void
on_step_start(struct follow *f, json_t *ev, int i)
{
	struct follow_step *st = &f->steps[i];
	int64_t ms = follow_event_ms(ev);

	file_close(st, 0, NULL);	/* an earlier attempt left unended */
	st->status = STEP_RUNNING;
	st->attempt = (int)jint(ev, "attempt", st->attempt + 1);
	if (st->started_ms == 0)
		st->started_ms = ms;
	st->attempt_ms = ms;
	st->expected_ms = jint(ev, "expected_duration_ms", 0);
	st->exit_code = -1;
	st->retry_waiting = 0;
	set_str(&st->command, jstr(ev, "command"));
	set_str(&st->kind, jstr(ev, "kind"));
	set_str(&st->exit_desc, NULL);
	set_str(&st->reason, NULL);
	file_add(st, follow_output_path(step_index(st, ev, i), st->id, st->attempt, 0), 0);
	f->run.running = f->run.last_step = i;
}

static void
on_step_end(struct follow *f, json_t *ev, int i)
{
	struct follow_step *st = &f->steps[i];

	st->status = status_named(jstr(ev, "status"));
	st->attempt = (int)jint(ev, "attempt", st->attempt);
	st->duration_ms = jint(ev, "duration_ms", 0);
	st->exit_code = (int)jint(ev, "exit_code", -1);
	st->retry_waiting = 0;
	set_str(&st->exit_desc, jstr(ev, "exit"));
	set_str(&st->reason, jstr(ev, "reason"));
	if (jstr(ev, "note") != NULL)
		set_str(&st->note, jstr(ev, "note"));
	file_close(st, 0, jstr(ev, "output"));
	if (f->run.running == i)
		f->run.running = -1;
}

static void
on_step_retry(struct follow *f, json_t *ev, int i)
{
	struct follow_step *st = &f->steps[i];

	st->status = STEP_RUNNING;
	st->retry_waiting = 1;
	set_str(&st->reason, jstr(ev, "reason"));
	f->run.running = i;
}

static void
on_step_rollback(struct follow *f, json_t *ev, int i)
{
	struct follow_step *st = &f->steps[i];
	const char *phase = jstr(ev, "phase"), *status = jstr(ev, "status");

	if (phase != NULL && strcmp(phase, "start") == 0) {
		st->rollback_running = 1;
		file_add(st, follow_output_path(step_index(st, ev, i), st->id, 0, 1), 1);
		f->run.running = i;
		return;
	}
	st->rollback_running = 0;
	st->rolled_back = status != NULL && strcmp(status, "ok") == 0 ? 1 : -1;
	if (st->rolled_back > 0)
		st->status = STEP_ROLLED_BACK;
	file_close(st, 1, jstr(ev, "output"));
	if (f->run.running == i)
		f->run.running = -1;
}

typedef void (*follow_apply_fn)(struct follow *, json_t *, int);

/* What each event changes; events not listed only reach the timeline. */
static const struct {
	const char	*event;
	int		 needs_step;
	follow_apply_fn	 fn;
} apply_table[] = {
	{ "run.start", 0, on_run_start },
	{ "run.resume", 0, on_run_resume },
	{ "run.end", 0, on_run_end },
	{ "handoff", 0, on_handoff },
	{ "step.start", 1, on_step_start },
	{ "step.end", 1, on_step_end },
	{ "step.retry", 1, on_step_retry },
	{ "step.rollback", 1, on_step_rollback },
};

/* --- the timeline --- */

static void
event_clear(struct follow_event *e)
{
	free(e->by);
	free(e->summary);
	memset(e, 0, sizeof *e);
}

static void
timeline_add(struct follow *f, json_t *ev, const char *event, int step)
{
	struct follow_event *e;

	if (f->events == NULL)
		f->events = xcalloc(FOLLOW_TIMELINE_MAX, sizeof *f->events);
	if (f->nevents < FOLLOW_TIMELINE_MAX)
		e = &f->events[(f->ev_head + f->nevents++) % FOLLOW_TIMELINE_MAX];
	else {
		e = &f->events[f->ev_head];
		f->ev_head = (f->ev_head + 1) % FOLLOW_TIMELINE_MAX;
		event_clear(e);
	}
	e->seq = jint(ev, "seq", 0);
	e->ts_ms = follow_event_ms(ev);
	snprintf(e->event, sizeof e->event, "%s", event);
	e->step = step;
	e->injected = json_is_true(json_object_get(ev, "injected"));
	e->by = jstr(ev, "by") != NULL ? xstrdup(jstr(ev, "by")) : NULL;
	e->summary = follow_summary(ev);
}

size_t
follow_nevents(const struct follow *f)
{
	return f->nevents;
}

const struct follow_event *
follow_event(const struct follow *f, size_t k)
{
	return k < f->nevents ? &f->events[(f->ev_head + k) % FOLLOW_TIMELINE_MAX] : NULL;
}

/* --- reading the journal --- */

/* Every line names the hash of the one before it: a gap (lost, reordered
 * or edited lines) is worth telling an observer at once. */
static void
check_chain(struct follow *f, json_t *ev)
{
	int64_t seq = jint(ev, "seq", 0);
	const char *prev = jstr(ev, "prev"), *hash = jstr(ev, "hash");

	if (f->run.chain_break == 0 && (seq != f->last_seq + 1 || prev == NULL ||
	    strcmp(prev, f->last_hash) != 0))
		f->run.chain_break = seq > 0 ? seq : f->last_seq + 1;
	f->last_seq = seq;
	snprintf(f->last_hash, sizeof f->last_hash, "%s", hash != NULL ? hash : "");
}

static void
take_journal_line(struct follow *f, const char *s, size_t len)
{
	json_t *ev = json_loadb(s, len, JSON_ALLOW_NUL, NULL);
	const char *event = jstr(ev, "event");
	int step;

	f->run.lines++;
	if (!json_is_object(ev) || event == NULL) {
		f->run.bad_lines++;
		if (f->run.chain_break == 0)
			f->run.chain_break = f->last_seq + 1;
		json_decref(ev);
		return;
	}
	check_chain(f, ev);
	step = step_of(f, ev);
	for (size_t k = 0; k < sizeof apply_table / sizeof apply_table[0]; k++) {
		if (strcmp(apply_table[k].event, event) == 0 &&
		    (step >= 0 || !apply_table[k].needs_step))
			apply_table[k].fn(f, ev, step);
	}
	timeline_add(f, ev, event, step);
	json_decref(ev);
}

static void
follow_reset(struct follow *f)
{
	struct follow_run *r = &f->run;

	for (int i = 0; i < f->nsteps; i++)
		step_clear(&f->steps[i]);
	free(f->steps);
	for (size_t k = 0; k < f->nevents; k++)
		event_clear(&f->events[(f->ev_head + k) % FOLLOW_TIMELINE_MAX]);
	free(f->events);
	free(r->title);
	free(r->runbook_id);
	free(r->runbook_path);
	free(r->mode);
	free(r->driver);
	free(r->incident);
	free(r->host);
	free(r->end_status);
	free(r->runbook_problem);
	memset(r, 0, sizeof *r);
	r->running = r->last_step = -1;
	f->steps = NULL;
	f->events = NULL;
	f->nsteps = f->seeded = 0;
	f->nevents = f->ev_head = 0;
	f->jdone = f->jseen = 0;
	f->last_seq = 0;
	memset(f->last_hash, '0', CRYPTO_HEX_LEN - 1);
	f->last_hash[CRYPTO_HEX_LEN - 1] = '\0';
	f->gen++;
}

/* Reads complete lines from jdone on; a chunk without a newline grows
 * until it holds one, so one long line never stalls the journal. */
static int
read_journal(struct follow *f, const struct stat *sb)
{
	size_t left = (size_t)(sb->st_size - f->jdone), want = FOLLOW_READ_MAX, got, used;
	const char *p, *nl;
	char *buf;

	for (;;) {
		if (want > left)
			want = left;
		if ((buf = read_at(f->jpath, f->jdone, want, &got)) == NULL)
			return -1;
		if (memchr(buf, '\n', got) != NULL || got < want || want == left)
			break;
		free(buf);
		want *= 2;
	}
	for (p = buf; (nl = memchr(p, '\n', got - (size_t)(p - buf))) != NULL; p = nl + 1)
		take_journal_line(f, p, (size_t)(nl - p));
	used = (size_t)(p - buf);
	f->jdone += (off_t)used;
	if (got == left) {
		f->jseen = sb->st_size;
		f->jmtime = sb->st_mtim;
	} else
		f->behind = 1;
	free(buf);
	return used > 0;
}

static int
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int
poll_journal(struct follow *f, char **cause)
{
	struct stat sb;
	int rc;

	if (stat(f->jpath, &sb) != 0) {
		*cause = xprintf("cannot read %s: %s", f->jpath, strerror(errno));
		return -1;
	}
	/* Replaced, or cut below lines already read: start over. */
	if (f->jknown && (sb.st_ino != f->jino || sb.st_dev != f->jdev || sb.st_size < f->jdone))
		follow_reset(f);
	f->jknown = 1;
	f->jdev = sb.st_dev;
	f->jino = sb.st_ino;
	/* The same size and time as when last read to the end: nothing new. */
	if (sb.st_size == f->jdone || (sb.st_size == f->jseen && same_time(&sb.st_mtim, &f->jmtime)))
		return 0;
	if ((rc = read_journal(f, &sb)) < 0)
		*cause = xprintf("cannot read %s: %s", f->jpath, strerror(errno));
	return rc;
}

/* --- the interface --- */

int
follow_open(struct follow **out, const char *dir, int flags, char **cause)
{
	struct follow *f;
	struct stat sb;
	char *jpath = xprintf("%s/%s", dir, JOURNAL_FILE);

	if (stat(jpath, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		*cause = xprintf("%s is not an incident directory: no %s", dir, JOURNAL_FILE);
		free(jpath);
		return -1;
	}
	f = xcalloc(1, sizeof *f);
	f->dir = xstrdup(dir);
	f->jpath = jpath;
	f->flags = flags;
	follow_reset(f);
	*out = f;
	return 0;
}

int
follow_poll(struct follow *f, char **cause)
{
	uint64_t gen = f->gen;
	int rc;

	f->behind = 0;
	f->budget = FOLLOW_READ_MAX;
	if ((rc = poll_journal(f, cause)) < 0)
		return -1;
	if (rc > 0)
		f->gen++;
	if (read_outputs(f))
		f->gen++;
	return f->gen != gen;
}

int
follow_behind(const struct follow *f)
{
	return f->behind;
}

void
follow_free(struct follow *f)
{
	if (f == NULL)
		return;
	follow_reset(f);
	free(f->dir);
	free(f->jpath);
	free(f);
}

const char *
follow_dir(const struct follow *f)
{
	return f->dir;
}

const struct follow_run *
follow_run(const struct follow *f)
{
	return &f->run;
}

int
follow_nsteps(const struct follow *f)
{
	return f->nsteps;
}

const struct follow_step *
follow_step(const struct follow *f, int i)
{
	return i >= 0 && i < f->nsteps ? &f->steps[i] : NULL;
}

uint64_t
follow_generation(const struct follow *f)
{
	return f->gen;
}

char *
follow_output_path(int index, const char *id, int attempt, int rollback)
{
	char *name = jschema_output_name(index, id, attempt, rollback ? JOUT_ROLLBACK : JOUT_ATTEMPT);
	char *rel = xprintf("%s/%s", OUTFILE_DIR, name);

	free(name);
	return rel;
}
