/*
 * cmd_replay.c: `drconsole replay INCIDENT_DIR`, a past incident or drill
 * played back in line mode as it happened: each step's header, command,
 * output lines (from the output files, with their own times) and outcome,
 * the decisions and the notes, at the pace they came, faster, all at once
 * or a step at a time. The journal's order is the truth: a step's output
 * is shown between its start and its end, interleaved by time with the
 * events in between, so a clock that stepped back cannot reorder a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cli.h"
#include "commands.h"
#include "diag.h"
#include "duration.h"
#include "fileutil.h"
#include "follow.h"
#include "jschema.h"
#include "journal.h"
#include "loader.h"
#include "outfile.h"
#include "runstate.h"
#include "termsafe.h"
#include "verify.h"
#include "xmalloc.h"

#define REPLAY_GAP_CAP_MS 5000	/* longer pauses are shortened to this */

/* Everything a replay shows was read from the incident folder, which
 * others may have written: it is always made safe for a terminal
 * (termsafe.h), whatever stdout is. The output files keep the raw bytes. */
#define say(r, ...) termsafe_printf((r)->out, 1, (r)->color, __VA_ARGS__)
#define tell(...) termsafe_printf(stderr, 1, 0, __VA_ARGS__)

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"


/* One attempt's output file, read a line ahead as the replay reaches
 * the lines' times: a flooding step's file is never held whole. */
struct replay_file {
	char	*step;
	int	 rollback;
	FILE	*fp;
	char	*buf;		/* the line read ahead */
	size_t	 cap;
	struct follow_line next;
	int	 has_next;
	struct follow_reader rd;	/* in a block or not, at the line after next */
};

struct replay {
	const char *dir;
	FILE	*out;		/* stdout, or --instant's spool (see replay_instant) */
	json_t	*start;		/* run.start, while the header waits for the chain's state */
	double	 speed;		/* 1: real pace */
	int	 instant;
	int	 by_step;	/* --step: wait for Enter between steps */
	int	 modes;		/* how many of --speed, --step, --instant */
	int	 prompt;	/* stdin is a terminal: say what Enter does */
	int	 color;
	int	 quit;
	int64_t	 clock;		/* the time of the last thing shown */
	int64_t	 started;	/* run.start's time */
	char	*last_step;	/* the step whose header was shown last */
	struct runbook *rb;	/* for titles, when the file is still there */
	struct replay_file *files;
	int	 nfiles;
	int64_t	 nevents, nlines;
	int	 not_incident;	/* the first line is no run.start */
	const struct verify_result *chk;
};

static const char *
paint(const struct replay *r, const char *code)
{
	return r->color ? code : "";
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "12:00:03Z", then the indent of what is shown at that time. */
static void
stamp(const struct replay *r, int64_t ms, const char *indent)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32] = "--:--:--Z";

	if (ms > 0 && gmtime_r(&secs, &tm) != NULL)
		strftime(buf, sizeof buf, "%H:%M:%SZ", &tm);
	say(r, "%s%s%s %s", paint(r, C_DIM), buf, paint(r, C_RESET), indent);
}

/* --- pace --- */

static void
pause_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	fflush(stdout);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Waits as long as the run did before what comes at ms, shortened by the
 * speed, and a long idle gap to REPLAY_GAP_CAP_MS, saying so. */
static void
pace_to(struct replay *r, int64_t ms)
{
	int64_t gap = ms - r->clock, wait;
	char d[32], cap[32];

	if (r->clock == 0 || ms <= 0 || gap <= 0) {
		if (ms > r->clock)
			r->clock = ms;
		return;
	}
	r->clock = ms;
	if (r->instant || r->by_step)
		return;
	wait = (int64_t)((double)gap / r->speed);
	if (wait > REPLAY_GAP_CAP_MS) {
		duration_format(gap, d, sizeof d);
		duration_format(REPLAY_GAP_CAP_MS, cap, sizeof cap);
		say(r, "%s          ... %s pass here (shortened to %s)%s\n", paint(r, C_DIM), d, cap,
		    paint(r, C_RESET));
		wait = REPLAY_GAP_CAP_MS;
	}
	pause_ms(wait);
}

/* --step: between two steps, Enter goes on and q stops; at the end of
 * the input the rest is shown at once. */
static void
wait_for_enter(struct replay *r)
{
	char line[64];

	if (r->prompt)
		say(r, "%s-- Enter: next step, q: stop --%s ", paint(r, C_DIM), paint(r, C_RESET));
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL) {
		r->by_step = 0;
		r->instant = 1;
		say(r, "%s(end of input: the rest at once)%s\n", paint(r, C_DIM), paint(r, C_RESET));
		return;
	}
	if (line[0] == 'q')
		r->quit = 1;
}

/* --- output files --- */

static void
file_free(struct replay_file *rf)
{
	if (rf->fp != NULL)
		fclose(rf->fp);
	free(rf->buf);
	free(rf->step);
}

/* Reads the next line to show ahead: a block's header shows nothing, so
 * the line after it is read (its raw lines carry the header's time, and
 * are paced by it); one that does not parse is shown untimed. */
static void
file_advance(struct replay_file *rf)
{
	ssize_t n;

	rf->has_next = 0;
	while (rf->fp != NULL && (n = getline(&rf->buf, &rf->cap, rf->fp)) > 0) {
		if (rf->buf[n - 1] == '\n')
			rf->buf[--n] = '\0';
		if (follow_read_line(&rf->rd, rf->buf, (size_t)n, &rf->next) != 0) {
			rf->has_next = 1;
			return;
		}
	}
}

/* Opens an attempt's output; a missing file is an attempt with none. */
static void
file_open(struct replay *r, const char *step, json_t *ev, int rollback)
{
	int attempt = (int)json_integer_value(json_object_get(ev, "attempt"));
	int index = (int)json_integer_value(json_object_get(ev, "index"));
	char *rel = follow_output_path(index, step, attempt, rollback);
	char *path = xprintf("%s/%s", r->dir, rel);
	struct replay_file *rf;
	int fd;

	r->files = xreallocarray(r->files, (size_t)r->nfiles + 1, sizeof *r->files);
	rf = &r->files[r->nfiles++];
	memset(rf, 0, sizeof *rf);
	rf->step = xstrdup(step);
	rf->rollback = rollback;
	/* Never a link, never a FIFO to block on: the incident may be anyone's. */
	if ((fd = file_openat_regular(AT_FDCWD, path, O_RDONLY, 0)) != -1 && (rf->fp = fdopen(fd, "r")) == NULL)
		close(fd);
	file_advance(rf);
	free(path);
	free(rel);
}

/* Shows a file's line read ahead, and reads the next. */
static void
show_line(struct replay *r, struct replay_file *rf)
{
	const struct follow_line *line = &rf->next;
	char *shown;

	pace_to(r, line->ts_ms);
	stamp(r, line->ts_ms, "    ");
	say(r, "%s%s%s ", paint(r, line->stream == OUTFILE_STDERR ? C_RED : C_DIM),
	    line->stream == OUTFILE_STDERR ? "!" : "|", paint(r, C_RESET));
	shown = xmalloc(line->len + 1);
	fwrite(shown, 1, termsafe_line(line->text, line->len, shown, r->color), r->out);
	free(shown);
	putc('\n', r->out);
	r->nlines++;
	file_advance(rf);
}

/* Shows the open files' lines due by `until`, oldest first across files. */
static void
show_lines_until(struct replay *r, int64_t until)
{
	for (;;) {
		struct replay_file *best = NULL;

		for (int k = 0; k < r->nfiles; k++) {
			struct replay_file *rf = &r->files[k];

			if (rf->has_next && rf->next.ts_ms <= until &&
			    (best == NULL || rf->next.ts_ms < best->next.ts_ms))
				best = rf;
		}
		if (best == NULL || r->quit)
			return;
		show_line(r, best);
	}
}

static int
closing(const struct replay_file *rf, const char *step, int rollback)
{
	return step == NULL || (strcmp(rf->step, step) == 0 && rf->rollback == rollback);
}

/* An attempt ends (step NULL: all of them): the rest of its lines come
 * before its end, whatever their times say; other files' lines come first
 * only when they are older. */
static void
close_files(struct replay *r, const char *step, int rollback)
{
	int k;

	for (k = 0; k < r->nfiles && !r->quit; k++) {
		struct replay_file *rf = &r->files[k];

		while (closing(rf, step, rollback) && rf->has_next && !r->quit) {
			show_lines_until(r, rf->next.ts_ms - 1);
			show_line(r, rf);
		}
	}
	for (k = 0; k < r->nfiles;) {
		struct replay_file *rf = &r->files[k];

		if (closing(rf, step, rollback)) {
			file_free(rf);
			memmove(rf, rf + 1, (size_t)(r->nfiles - k - 1) * sizeof *rf);
			r->nfiles--;
		} else
			k++;
	}
}

/* --- events --- */

static void
show_step_header(struct replay *r, json_t *ev)
{
	const char *step = jstr(ev, "step") != NULL ? jstr(ev, "step") : "?", *title = step;
	int index = (int)json_integer_value(json_object_get(ev, "index")), i;
	char where[32];

	if (r->rb != NULL && (i = runbook_find_step(r->rb, step)) >= 0)
		title = r->rb->steps[i].title.s;
	if (r->rb != NULL)
		snprintf(where, sizeof where, "[%d/%d]", index, r->rb->nsteps);
	else
		snprintf(where, sizeof where, "[%d]", index);
	say(r, "\n");
	stamp(r, follow_event_ms(ev), "");
	say(r, "%s%s %s%s %s(%s)%s\n", paint(r, C_BOLD), where, title, paint(r, C_RESET),
	    paint(r, C_DIM), step, paint(r, C_RESET));
}

/* The first event of another step shows its header (with --step, after
 * Enter); 0 if the replay stops there. */
static int
enter_step(struct replay *r, json_t *ev)
{
	const char *step = jstr(ev, "step");

	if (step == NULL || (r->last_step != NULL && strcmp(r->last_step, step) == 0))
		return 1;
	if (r->by_step && r->last_step != NULL)
		wait_for_enter(r);
	if (r->quit)
		return 0;
	show_step_header(r, ev);
	free(r->last_step);
	r->last_step = xstrdup(step);
	return 1;
}

/* The command as journaled, continuation lines under the "$ ". */
static void
show_command(struct replay *r, const char *cmd)
{
	const char *p, *nl;

	say(r, "%s$ ", paint(r, C_CYAN));
	for (p = cmd; (nl = strchr(p, '\n')) != NULL && nl[1] != '\0'; p = nl + 1)
		say(r, "%.*s\n%*s", (int)(nl - p), p, 14, "");
	say(r, "%.*s%s\n", (int)strcspn(p, "\n"), p, paint(r, C_RESET));
}

static void
on_step_start(struct replay *r, json_t *ev)
{
	const char *step = jstr(ev, "step") != NULL ? jstr(ev, "step") : "?", *cmd = jstr(ev, "command");
	json_int_t attempt = json_integer_value(json_object_get(ev, "attempt"));

	stamp(r, follow_event_ms(ev), "  ");
	if (attempt > 1)
		say(r, "%sattempt %lld%s ", paint(r, C_YELLOW), (long long)attempt, paint(r, C_RESET));
	show_command(r, cmd != NULL ? cmd : "");
	file_open(r, step, ev, 0);
}

static void
on_step_end(struct replay *r, json_t *ev)
{
	const char *status = jstr(ev, "status"), *why = jstr(ev, "reason"), *note = jstr(ev, "note");
	int ok = status != NULL && strcmp(status, "ok") == 0;
	char d[32] = "";

	close_files(r, jstr(ev, "step"), 0);
	if (json_object_get(ev, "duration_ms") != NULL)
		duration_format(json_integer_value(json_object_get(ev, "duration_ms")), d, sizeof d);
	stamp(r, follow_event_ms(ev), "  ");
	say(r, "%s%s%s", paint(r, ok ? C_GREEN : status && !strcmp(status, "skipped") ? C_YELLOW : C_RED),
	    status != NULL ? status : "ended", paint(r, C_RESET));
	if (*d != '\0')
		say(r, " in %s", d);
	if (why != NULL && *why != '\0')
		say(r, ": %s", why);
	else if (!ok && jstr(ev, "exit") != NULL)
		say(r, ": %s", jstr(ev, "exit"));
	say(r, "%s%s\n", note != NULL ? "; note: " : "", note != NULL ? note : "");
}

static void
on_note(struct replay *r, json_t *ev)
{
	int injected = json_is_true(json_object_get(ev, "injected"));
	const char *by = jstr(ev, "by") != NULL ? jstr(ev, "by") : jstr(ev, "operator");

	stamp(r, follow_event_ms(ev), "");
	if (injected)
		say(r, "%s%snote INJECTED by %s:%s %s\n", paint(r, C_BOLD), paint(r, C_YELLOW),
		    by != NULL ? by : "?", paint(r, C_RESET), jstr(ev, "text") ? jstr(ev, "text") : "");
	else
		say(r, "%snote by %s:%s %s\n", paint(r, C_YELLOW), by != NULL ? by : "?",
		    paint(r, C_RESET), jstr(ev, "text") ? jstr(ev, "text") : "");
}

/* Other events: a one-line account, indented under a step when they are
 * about one. */
static void
on_other(struct replay *r, json_t *ev, const char *event)
{
	char *sum = follow_summary(ev);
	int about_step = jstr(ev, "step") != NULL;

	stamp(r, follow_event_ms(ev), about_step ? "  " : "");
	say(r, "%s%s%s %s\n", paint(r, jschema_event(event) == JEV_DECISION ? C_YELLOW : C_DIM), event,
	    paint(r, C_RESET), sum);
	free(sum);
}

static void
show_event(struct replay *r, const struct rs_event *rev)
{
	json_t *ev = (json_t *)rev->raw;
	const char *phase = jstr(ev, "phase");
	int rollback = rev->ev == JEV_STEP_ROLLBACK;

	if (rev->name == NULL || rev->ev == JEV_RUN_START)
		return;
	if (rollback && phase != NULL && strcmp(phase, "end") == 0)
		close_files(r, jstr(ev, "step"), 1);
	if (rev->ev == JEV_RUN_END || rev->ev == JEV_RUN_RESUME)
		close_files(r, NULL, 0);
	if ((rev->ev == JEV_STEP_START || rev->ev == JEV_STEP_CONFIRM) && !enter_step(r, ev))
		return;
	switch (rev->ev) {
	case JEV_STEP_START: on_step_start(r, ev); break;
	case JEV_STEP_END: on_step_end(r, ev); break;
	case JEV_NOTE: on_note(r, ev); break;
	default: on_other(r, ev, rev->name); break;
	}
	if (rollback && phase != NULL && strcmp(phase, "start") == 0 && jstr(ev, "step") != NULL)
		file_open(r, jstr(ev, "step"), ev, 1);
}

/* --- the whole replay --- */

/* The runbook gives the steps their titles, if it is still the same. */
static void
load_runbook(struct replay *r, json_t *start)
{
	json_t *rbj = json_object_get(start, "runbook");
	const char *path = jstr(rbj, "path"), *sha = jstr(rbj, "sha256");
	struct diags d = { 0 };
	char mine[CRYPTO_HEX_LEN];

	if (path == NULL || access(path, R_OK) != 0 || (r->rb = loader_load_file(path, &d)) == NULL) {
		diags_clear(&d);
		return;
	}
	diags_clear(&d);
	crypto_hex(r->rb->sha256, sizeof r->rb->sha256, mine);
	if (sha == NULL || strcmp(sha, mine) != 0) {
		runbook_free(r->rb);
		r->rb = NULL;
	}
}

static void
show_start(struct replay *r, json_t *start, const struct verify_result *chk)
{
	json_t *rbj = json_object_get(start, "runbook");
	char when[CLOCK_RFC3339_LEN], pace[64];

	clock_format_rfc3339(r->started, when);
	if (r->instant)
		snprintf(pace, sizeof pace, "all at once");
	else if (r->by_step)
		snprintf(pace, sizeof pace, "a step at a time");
	else
		snprintf(pace, sizeof pace, "%gx real time, pauses over %ds shortened", r->speed,
		    REPLAY_GAP_CAP_MS / 1000);
	say(r, "%sReplay of %s%s  [%s]  driven by %s\n", paint(r, C_BOLD),
	    jstr(rbj, "title") ? jstr(rbj, "title") : "?", paint(r, C_RESET),
	    jstr(start, "mode") ? jstr(start, "mode") : "?",
	    jstr(start, "operator") ? jstr(start, "operator") : "?");
	say(r, "  incident %s, started %s\n  chain %s: %lld lines; pace: %s\n", r->dir, when,
	    chk->ok ? "intact" : "BROKEN", (long long)chk->lines, pace);
}

/* Each line as the fold reads it: the first must be run.start. */
static int
replay_one(void *arg, const struct runstate *rs, const struct rs_event *ev)
{
	struct replay *r = arg;

	(void)rs;
	if (r->nevents == 0) {
		if (ev->ev != JEV_RUN_START) {
			r->not_incident = 1;
			return 1;
		}
		load_runbook(r, (json_t *)ev->raw);
		r->started = r->clock = follow_event_ms((json_t *)ev->raw);
		if (r->chk != NULL)
			show_start(r, (json_t *)ev->raw, r->chk);
		else
			r->start = json_incref((json_t *)ev->raw);
	}
	show_lines_until(r, ev->ts_ms);
	if (r->quit)
		return 1;
	pace_to(r, ev->ts_ms);
	show_event(r, ev);
	r->nevents++;
	return r->quit;
}

/* What a broken or torn chain is worth saying, before the replay. */
static void
warn_chain(const char *dir, const struct verify_result *chk)
{
	if (!chk->ok) {
		const char *what = chk->what != NULL ? chk->what : "?", *colon = strstr(what, ": ");

		/* verify says "line N: what"; the line is named once. */
		if (strncmp(what, "line ", 5) == 0 && colon != NULL)
			what = colon + 2;
		tell("drconsole: WARNING: the journal of %s is BROKEN at line %lld: %s. "
		    "It is replayed as written; do not trust it.\n", dir, (long long)chk->bad_line, what);
	}
	if (chk->torn)
		tell("drconsole: note: a torn last line (a crash mid-write) is left out\n");
}

/* The chain is checked before anything is shown: a replay of a journal
 * that was tampered with must say so first. */
static int
check_chain(const char *dir, struct verify_result *chk)
{
	/* verify streams an intact journal: a big one is never held whole. */
	if (verify_incident(dir, chk) == -1) {
		tell("drconsole: %s\n", chk->what != NULL ? chk->what : "cannot verify the journal");
		verify_result_clear(chk);
		return -1;
	}
	warn_chain(dir, chk);
	return 0;
}

/* After the journal was folded and shown: its error, or the summary. */
static int
replay_end(struct replay *r, int rc, char *cause)
{
	if (rc != 0 || r->not_incident || r->nevents == 0) {
		if (rc != 0)
			tell("drconsole: %s\n", cause);
		else
			tell("drconsole: %s: the journal does not begin with run.start\n", r->dir);
		free(cause);
		return EXIT_USAGE;
	}
	if (!r->quit)
		close_files(r, NULL, 0);
	say(r, "\n%sreplayed %lld events and %lld output lines%s%s\n", paint(r, C_DIM),
	    (long long)r->nevents, (long long)r->nlines, r->quit ? " (stopped)" : "", paint(r, C_RESET));
	return EXIT_OK;
}

/* At a pace: the chain is checked first, then the journal is read a line
 * at a time (runstate.h), never held whole, and shown as it is read. */
static int
replay_paced(struct replay *r, struct verify_result *chk)
{
	struct runstate rs;
	char *cause = NULL;
	int rc;

	if (check_chain(r->dir, chk) != 0)
		return EXIT_USAGE;
	r->chk = chk;
	runstate_init(&rs);
	rc = runstate_load(&rs, r->dir, 0, replay_one, r, &cause);
	runstate_clear(&rs);
	return replay_end(r, rc, cause);
}

/* Copies the spool to stdout; -1 if it could not be written or read back. */
static int
spool_copy(FILE *spool)
{
	char buf[65536];
	size_t n;

	if (fflush(spool) != 0 || ferror(spool) || fseek(spool, 0, SEEK_SET) != 0)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, spool)) > 0)
		fwrite(buf, 1, n, stdout);
	return ferror(spool) ? -1 : 0;
}

/* --instant: one reading of the journal both checks the chain and folds
 * it (verify_fold: each line parsed once). What it shows goes to a spool,
 * an unlinked file, never held in memory, and is copied out once the
 * chain's state, which comes first, is known. */
static int
replay_instant(struct replay *r, struct verify_result *chk)
{
	struct rs_load how = { .cb = replay_one, .arg = r };
	struct runstate rs;
	FILE *spool = r->out;
	char *cause = NULL;
	int rc, fold_rc;

	runstate_init(&rs);
	rc = verify_fold(r->dir, 1, chk, &rs, &how, &fold_rc, &cause);
	runstate_clear(&rs);
	r->out = stdout;
	if (rc == -1) {
		tell("drconsole: %s\n", chk->what != NULL ? chk->what : "cannot verify the journal");
		free(cause);
		fclose(spool);
		return EXIT_USAGE;
	}
	warn_chain(r->dir, chk);
	if (r->start != NULL)
		show_start(r, r->start, chk);
	rc = spool_copy(spool);
	fclose(spool);
	if (rc != 0) {
		tell("drconsole: cannot write the replay to a temporary file: %s\n", strerror(errno));
		free(cause);
		return EXIT_USAGE;
	}
	return replay_end(r, fold_rc, cause);
}

/* An unlinked file in $TMPDIR (or /tmp), or NULL. */
static FILE *
spool_open(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path = xprintf("%s/drconsole-replay.XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	FILE *fp = NULL;
	int fd = mkstemp(path);

	if (fd != -1) {
		(void)unlink(path);
		if ((fp = fdopen(fd, "w+")) == NULL)
			close(fd);
	}
	free(path);
	return fp;
}

enum { OPT_SPEED = 256, OPT_STEP, OPT_INSTANT };

static const struct cli_opt replay_opts[] = {
	{ "speed", 0, "N", OPT_SPEED, "N times the real pace (default 1)" },
	{ "step", 0, NULL, OPT_STEP, "wait for Enter before each step" },
	{ "instant", 0, NULL, OPT_INSTANT, "no pauses at all" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_cmd replay_cmd = {
	"replay", "[--speed N | --step | --instant] INCIDENT_DIR",
	"Play an incident back as it went, with its output, at its pace.",
	"Pauses longer than 5 s are shortened. The journal's chain is checked first.",
	{ replay_opts, NULL },
	"drconsole replay --speed=10 ~/.local/state/drconsole/incidents/2026-12-07T2130-failover",
	"0  replayed\n1  replayed, but the journal's chain is BROKEN\n"
	"2  usage error, or not a readable incident", 0
};

static int
replay_apply(void *ctx, int id, const char *arg)
{
	struct replay *r = ctx;
	char *end;

	r->modes++;
	if (id == OPT_INSTANT)
		r->instant = 1;
	else if (id == OPT_STEP)
		r->by_step = 1;
	else {
		r->speed = strtod(arg, &end);
		if (end == arg || *end != '\0' || !(r->speed > 0) || r->speed > 1e9) {
			fprintf(stderr, "drconsole replay: --speed wants a number above 0, not '%s'\n", arg);
			return -1;
		}
	}
	return 0;
}

/* 0; 1 when --help or --version was answered; -1 on a mistake (said). */
static int
parse_args(struct replay *r, int argc, char **argv)
{
	int first, rc;

	r->speed = 1;
	if ((rc = cli_parse(&replay_cmd, argc, argv, replay_apply, r, &first)) != CLI_PARSED)
		return rc == CLI_ANSWERED ? 1 : -1;
	if (r->modes > 1 || argc - first != 1) {
		cli_mistake(&replay_cmd, r->modes > 1 ? "--speed, --step and --instant exclude each other" :
		    "one INCIDENT_DIR, please");
		return -1;
	}
	r->dir = argv[first];
	return 0;
}

int
cmd_replay(int argc, char **argv)
{
	struct replay r;
	struct verify_result chk;
	int rc;

	memset(&r, 0, sizeof r);
	if ((rc = parse_args(&r, argc, argv)) != 0)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	r.color = isatty(1) && getenv("NO_COLOR") == NULL;
	r.prompt = isatty(0);
	memset(&chk, 0, sizeof chk);
	if (r.instant && (r.out = spool_open()) != NULL)
		rc = replay_instant(&r, &chk);
	else {
		r.out = stdout;
		rc = replay_paced(&r, &chk);
	}
	if (rc == EXIT_OK && !chk.ok)
		rc = EXIT_FAILED;
	close_files(&r, NULL, 0);
	free(r.files);
	free(r.last_step);
	runbook_free(r.rb);
	json_decref(r.start);
	verify_result_clear(&chk);
	return rc;
}
