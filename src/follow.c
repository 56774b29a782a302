/*
 * follow.c: following an incident from outside while its console writes
 * it. Each poll stats the journal and the output files of steps that may
 * still grow, and reads only past the offsets already taken in: the
 * journal and output files are append-only, so a size that did not change
 * means nothing did. Offsets stop at the last complete line; a torn last
 * line (a write in progress, or a crash) is read again at the next poll
 * rather than kept, because a console that resumes the incident cuts a
 * torn tail away and writes a new line in its place.
 *
 * Each journal line goes through the one fold (runstate), as every other
 * reader's does: a step's status, attempts, durations and outputs, and
 * the run's, are the fold's, copied into the view's steps after each
 * line. What is the watch view's own: the checklist's order, titles and
 * phases (from the runbook), the output tails (follow_output.c) and the
 * chain check; a timeline hears each line through the event callback.
 *
 * The driving console owns the journal and its lock; nothing here locks or
 * writes (follow_inject.c, which goes through the inbox like `drconsole
 * note`, is the one writer).
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
#include "follow_int.h"
#include "jschema.h"
#include "journal.h"
#include "jsonget.h"
#include "loader.h"
#include "outbuf.h"
#include "outfile.h"
#include "xmalloc.h"

/* Replaces *slot with a copy of s (NULL stays NULL). */
static void
set_str(char **slot, const char *s)
{
	if (*slot != NULL && s != NULL && strcmp(*slot, s) == 0)
		return;
	free(*slot);
	*slot = s != NULL ? xstrdup(s) : NULL;
}

int64_t
follow_event_ms(json_t *ev)
{
	int64_t ms = 0;
	const char *ts = jsonget_str(ev, "ts");

	if (ts == NULL || clock_parse_timestamp(ts, &ms) != 0)
		return 0;
	return ms;
}

/* --- steps --- */

static void
hosts_clear(struct follow_step *st)
{
	for (int k = 0; k < st->nhosts; k++) {
		free(st->hosts[k].name);
		free(st->hosts[k].status);
	}
	free(st->hosts);
	st->hosts = NULL;
	st->nhosts = 0;
}

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
	free(st->attested_by);
	free(st->approved_by);
	outbuf_free(st->out);
	hosts_clear(st);
	for (int k = 0; k < st->nfiles; k++)
		free(st->files[k].rel);
	free(st->files);
	memset(st, 0, sizeof *st);
}

/* A remote step's hosts from its step.end's evidence (what the driving
 * console's pane lists), so a watcher can read them one by one too. */
static void
take_hosts(struct follow_step *st, const json_t *end)
{
	json_t *hosts = json_object_get(json_object_get(end, "evidence"), "hosts"), *h;
	size_t k;

	if (!json_is_array(hosts))
		return;
	hosts_clear(st);
	st->hosts = xcalloc(json_array_size(hosts) + 1, sizeof *st->hosts);
	json_array_foreach(hosts, k, h) {
		const char *name = jsonget_str(h, "name"), *status = jsonget_str(h, "status");
		struct follow_host *fh;

		if (name == NULL || status == NULL)
			continue;
		fh = &st->hosts[st->nhosts++];
		fh->name = xstrdup(name);
		fh->status = xstrdup(status);
		fh->exit_code = json_is_integer(json_object_get(h, "exit")) ?
		    (int)json_integer_value(json_object_get(h, "exit")) : -1;
		fh->duration_ms = jsonget_int(h, "duration_ms", 0);
	}
}

/* Inserts a step at pos. */
static int
step_insert(struct follow *f, int pos, const char *id, int index)
{
	struct follow_step *st;

	f->steps = xreallocarray(f->steps, (size_t)f->nsteps + 1, sizeof *f->steps);
	memmove(f->steps + pos + 1, f->steps + pos, (size_t)(f->nsteps - pos) * sizeof *f->steps);
	f->nsteps++;
	st = &f->steps[pos];
	memset(st, 0, sizeof *st);
	st->status = JSTATUS_PENDING;
	st->id = xstrdup(id);
	st->title = xstrdup(id);
	st->index = index;
	st->exit_code = -1;
	st->out = outbuf_new(FOLLOW_TAIL_LINES, FOLLOW_TAIL_KEEP);
	for (int k = 0; k < f->nof_rs; k++) {
		if (f->of_rs[k] >= pos)
			f->of_rs[k]++;
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

/* The view's step for the fold's step k, added when the journal names
 * one we do not know: in the order of its runbook index, after the
 * runbook's own steps. */
static int
step_of(struct follow *f, int k)
{
	const struct rs_step *r = &f->rs.steps[k];
	int i, pos;

	if (k < f->nof_rs && f->of_rs[k] >= 0)
		return f->of_rs[k];
	if (k >= f->nof_rs) {
		f->of_rs = xreallocarray(f->of_rs, (size_t)k + 1, sizeof *f->of_rs);
		while (f->nof_rs <= k)
			f->of_rs[f->nof_rs++] = -1;
	}
	if ((i = follow_find_step(f, r->id)) < 0) {
		for (pos = f->nsteps; !f->seeded && pos > 0; pos--) {
			if (r->index <= 0 || f->steps[pos - 1].index <= r->index)
				break;
		}
		i = step_insert(f, pos, r->id, r->index);
	}
	if (f->steps[i].index == 0)
		f->steps[i].index = r->index;
	f->of_rs[k] = i;
	return i;
}
/* The checklist from the runbook itself, when its file can be read. */
static void
seed_steps(struct follow *f)
{
	const char *path = f->rs.runbook_path, *sha = f->rs.runbook_sha256;
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
	f->rb = rb;
}

/* --- the fold's state, copied into the view --- */

static int
view_index(const struct follow *f, int k)
{
	return k >= 0 && k < f->nof_rs ? f->of_rs[k] : -1;
}

static void
sync_run(struct follow *f)
{
	const struct runstate *rs = &f->rs;
	struct follow_run *r = &f->run;

	r->started = rs->started;
	set_str(&r->title, rs->runbook_title);
	set_str(&r->runbook_id, rs->runbook_id);
	set_str(&r->runbook_path, rs->runbook_path);
	set_str(&r->mode, rs->started ? jschema_mode_name(rs->mode) : NULL);
	set_str(&r->environment, rs->environment);
	set_str(&r->driver, rs->operator);
	set_str(&r->incident, rs->incident);
	set_str(&r->host, rs->host);
	r->pid = rs->pid;
	r->rto_ms = rs->rto_ms;
	r->rpo_ms = rs->rpo_ms;
	r->started_ms = rs->started_ms;
	r->ended_ms = rs->open ? 0 : rs->ended_ms;
	set_str(&r->end_status, rs->open ? NULL : rs->outcome_word);
	r->running = view_index(f, rs->running);
	r->last_step = view_index(f, rs->last_step);
}

/* Step i of the view from the fold's step k. */
static void
sync_step(struct follow *f, int i, int k)
{
	const struct rs_step *r = &f->rs.steps[k];
	const struct rs_attempt *a = runstate_last_attempt(&f->rs, k);
	struct follow_step *st = &f->steps[i];
	int ended = a != NULL && a->end_ms != 0;

	st->status = r->status;
	st->skip = r->skip;
	st->attempt = a != NULL ? a->n : 0;
	st->retry_waiting = r->retry_waiting;
	st->rollback_running = r->rollback_running;
	st->rolled_back = r->rolled_back;
	st->started_ms = r->first_start_ms;
	st->attempt_ms = a != NULL ? a->start_ms : 0;
	st->duration_ms = r->duration_ms;
	st->total_ms = r->total_ms;
	st->exit_code = ended ? a->exit_code : -1;
	set_str(&st->exit_desc, ended ? a->exit_desc : NULL);
	set_str(&st->reason, r->reason != NULL || r->status != JSTATUS_INTERRUPTED ? r->reason :
	    "interrupted: outcome unknown");
	set_str(&st->note, r->note);
	set_str(&st->command, a != NULL ? a->command : NULL);
	set_str(&st->kind, r->kind);
	set_str(&st->attested_by, r->attested_by);
	set_str(&st->approved_by, r->approved_by);
}

/* Which output files to read: an attempt's from its start, a rollback's
 * from its start, each read to its end once the journal ends it. */
static void
track_files(struct follow *f, int i, int k, const struct rs_event *ev)
{
	const struct rs_step *r = &f->rs.steps[k];
	const struct rs_attempt *a = runstate_last_attempt(&f->rs, k);
	struct follow_step *st = &f->steps[i];
	const char *out = jsonget_str((json_t *)ev->raw, "output");

	switch (ev->ev) {
	case JEV_STEP_START:
		follow_file_close(st, 0, NULL);	/* an earlier attempt left unended */
		if (a != NULL && a->output != NULL)
			follow_file_add(st, xstrdup(a->output), 0);
		st->expected_ms = jsonget_int((json_t *)ev->raw, "expected_duration_ms", 0);
		break;
	case JEV_STEP_END:
		follow_file_close(st, 0, out);
		take_hosts(st, ev->raw);
		break;
	case JEV_STEP_ROLLBACK:
		if (r->rollback_running && r->rollback.output != NULL)
			follow_file_add(st, xstrdup(r->rollback.output), 1);
		else
			follow_file_close(st, 1, out);
		break;
	default:
		break;
	}
}

/* A resume: the steps it interrupted will write no more. */
static void
close_interrupted(struct follow *f)
{
	for (int k = 0; k < f->rs.nsteps; k++) {
		int i = view_index(f, k);

		if (i < 0 || f->rs.steps[k].status != JSTATUS_INTERRUPTED)
			continue;
		follow_file_close(&f->steps[i], 0, NULL);
		follow_file_close(&f->steps[i], 1, NULL);
		sync_step(f, i, k);
	}
}

/* --- reading the journal --- */

/* Every line names the hash of the one before it: a gap (lost, reordered
 * or edited lines) is worth telling an observer at once. */
static void
check_chain(struct follow *f, json_t *ev)
{
	int64_t seq = jsonget_int(ev, "seq", 0);
	const char *prev = jsonget_str(ev, "prev"), *hash = jsonget_str(ev, "hash");

	if (f->run.chain_break == 0 && (seq != f->last_seq + 1 || prev == NULL ||
	    strcmp(prev, f->last_hash) != 0))
		f->run.chain_break = seq > 0 ? seq : f->last_seq + 1;
	f->last_seq = seq;
	snprintf(f->last_hash, sizeof f->last_hash, "%s", hash != NULL ? hash : "");
}

static void
take_journal_line(struct follow *f, const char *s, size_t len)
{
	json_t *line = json_loadb(s, len, JSON_ALLOW_NUL, NULL);
	struct rs_event ev;
	int step = -1;

	f->run.lines++;
	if (!json_is_object(line) || jsonget_str(line, "event") == NULL) {
		f->run.bad_lines++;
		if (f->run.chain_break == 0)
			f->run.chain_break = f->last_seq + 1;
		json_decref(line);
		return;
	}
	check_chain(f, line);
	runstate_apply(&f->rs, line, &ev);
	if (ev.ev == JEV_RUN_START && (f->flags & FOLLOW_RUNBOOK) && !f->seeded && f->nsteps == 0 &&
	    f->run.runbook_problem == NULL)
		seed_steps(f);
	if (ev.step >= 0) {
		step = step_of(f, ev.step);
		sync_step(f, step, ev.step);
		track_files(f, step, ev.step, &ev);
	}
	if (ev.ev == JEV_RUN_RESUME)
		close_interrupted(f);
	sync_run(f);
	if (f->event_cb != NULL)
		f->event_cb(f->event_arg, line, s, len, step);
	json_decref(line);
}

static void
follow_reset(struct follow *f)
{
	struct follow_run *r = &f->run;

	for (int i = 0; i < f->nsteps; i++)
		step_clear(&f->steps[i]);
	free(f->steps);
	runbook_free(f->rb);
	f->rb = NULL;
	free(r->title);
	free(r->environment);
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
	runstate_clear(&f->rs);
	free(f->of_rs);
	f->of_rs = NULL;
	f->nof_rs = 0;
	f->steps = NULL;
	f->nsteps = f->seeded = 0;
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
		if ((buf = follow_read_at(f->jpath, f->jdone, want, &got)) == NULL)
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
	/* Replaced, or cut below lines already read: start over, and say so
	 * to whoever hears the lines (a timeline drops what it heard). */
	if (f->jknown && (sb.st_ino != f->jino || sb.st_dev != f->jdev || sb.st_size < f->jdone)) {
		follow_reset(f);
		if (f->event_cb != NULL)
			f->event_cb(f->event_arg, NULL, NULL, 0, -1);
	}
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
	runstate_init(&f->rs);
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
	if (follow_read_outputs(f))
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

const struct runbook *
follow_runbook(const struct follow *f)
{
	return f->rb;
}

void
follow_set_event_cb(struct follow *f, follow_event_cb cb, void *arg)
{
	f->event_cb = cb;
	f->event_arg = arg;
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
