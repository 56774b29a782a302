/*
 * ui_watch.c: `drconsole watch INCIDENT_DIR`, a read-only live view of an
 * incident from another terminal: a facilitator's or an observer's screen
 * during a drill. It is the console itself with the driver's keys off and
 * the watcher's on (the action table marks which are whose): the same run
 * view, pane, search, wrap, zoom, timeline, help, pager and script mode,
 * drawn from the run state that follow.c rebuilds from the incident
 * directory (polled every WATCH_POLL_MS; a stat per growing file when
 * nothing changes) instead of from an engine. What is watch's own is here:
 * keeping that state in the shape the views read (ui_view.c), following
 * the running step, and injecting an event, the one thing a watcher adds
 * to the incident, through its inbox as `drconsole inject` does. Nothing
 * here writes to the incident otherwise or takes the journal's lock.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "follow.h"
#include "ui.h"
#include "watchopts.h"
#include "xmalloc.h"

#define WATCH_POLL_MS 200	/* how often the incident is looked at */

/* --- the run state, in the views' shape --- */

/* A checklist built from the journal's steps alone: their ids, titles and
 * phases, nothing to run. */
static struct runbook *
build_runbook(const struct follow *f)
{
	const struct follow_run *r = follow_run(f);
	struct runbook *rb = xcalloc(1, sizeof *rb);
	int n = follow_nsteps(f);

	rb->title.s = xstrdup(r->title != NULL ? r->title : "(waiting for run.start)");
	rb->id = r->runbook_id != NULL ? xstrdup(r->runbook_id) : NULL;
	rb->rto_ms = r->rto_ms;
	rb->rpo_ms = r->rpo_ms;
	rb->steps = xcalloc((size_t)n + 1, sizeof *rb->steps);
	for (int i = 0; i < n; i++) {
		const struct follow_step *fs = follow_step(f, i);
		struct step *s = &rb->steps[i];

		s->id = xstrdup(fs->id);
		s->title.s = xstrdup(fs->title);
		s->phase.s = fs->phase != NULL ? xstrdup(fs->phase) : NULL;
		s->action = ACTION_RUN;
	}
	rb->nsteps = n;
	return rb;
}

/* The runbook the run started from, when it was read unchanged and the
 * journal names no step it lacks; else one built from the journal. */
static void
sync_runbook(struct ui *ui)
{
	struct ui_watched *w = ui->w;
	const struct runbook *loaded = follow_runbook(w->f);
	int n = follow_nsteps(w->f);

	if (loaded != NULL && follow_run(w->f)->runbook_problem == NULL && loaded->nsteps == n) {
		ui->rb = (struct runbook *)loaded;	/* read, never changed */
		runbook_free(w->built);
		w->built = NULL;
		return;
	}
	if (w->built != NULL && w->built->nsteps == n && follow_run(w->f)->started)
		return;
	runbook_free(w->built);
	w->built = build_runbook(w->f);
	ui->rb = w->built;
}

/* Each step's state as the views read it; strings and output are the
 * follower's, valid until its next poll, when this runs again. */
static void
sync_steps(struct ui *ui)
{
	struct ui_watched *w = ui->w;
	int n = follow_nsteps(w->f);

	if (n != w->nst) {
		w->st = xreallocarray(w->st, (size_t)n + 1, sizeof *w->st);
		w->nst = n;
	}
	for (int i = 0; i < n; i++) {
		const struct follow_step *fs = follow_step(w->f, i);
		struct step_state *st = &w->st[i];

		memset(st, 0, sizeof *st);
		st->status = (enum step_status)fs->status;	/* the same values */
		st->attempt = fs->attempt;
		st->started_wall = fs->attempt_ms;
		st->duration_ms = fs->duration_ms;
		st->exit_code = fs->exit_code;
		snprintf(st->exit_desc, sizeof st->exit_desc, "%s", fs->exit_desc != NULL ? fs->exit_desc : "");
		st->reason = fs->reason;
		st->note = fs->note;
		st->command = fs->command;
		st->out = fs->out;
		st->rolled_back = fs->rolled_back;
		st->rollback_running = fs->rollback_running;
		st->retry_waiting = fs->retry_waiting;
		/* A wait's countdown, from the runbook's length and its start. */
		if (st->status == STEP_RUNNING && i < ui->rb->nsteps && ui->rb->steps[i].action == ACTION_WAIT)
			st->wait_until_wall = fs->attempt_ms + ui->rb->steps[i].wait_ms;
	}
}

/* The run's mode and, once it ended, how: the banner and the clock stop. */
static void
sync_run(struct ui *ui)
{
	const struct follow_run *r = follow_run(ui->w->f);

	if (r->mode == NULL || run_mode_from_name(r->mode, &ui->w->mode) != 0)
		ui->w->mode = MODE_LIVE;
	ui->show_why = ui->show_why || ui->w->mode == MODE_TRAINING;
	ui->finished = r->end_status != NULL;
	snprintf(ui->outcome, sizeof ui->outcome, "%s", r->end_status != NULL ? r->end_status : "");
	ui->finished_wall = r->ended_ms;
}

/* The selection follows the running step, else the one that started last. */
static void
track_running(struct ui *ui)
{
	const struct follow_run *r = follow_run(ui->w->f);
	int n = ui->rb->nsteps, to = ui->sel;

	if (ui->w->follow_run)
		to = r->running >= 0 ? r->running : r->last_step >= 0 ? r->last_step : 0;
	if (to >= n)
		to = n - 1;
	if (to < 0)
		to = 0;
	if (to != ui->sel) {
		ui->sel = to;
		ui->follow = 1;
		ui->host_pick = 0;
		ui->match_line = -1;
	}
}

static void
watch_poll(struct ui *ui)
{
	char *cause = NULL;
	int rc = follow_poll(ui->w->f, &cause);

	if (rc < 0) {
		snprintf(ui->message, sizeof ui->message, "%s", cause);
		free(cause);
	} else if (rc == 0 && ui->rb != NULL)
		return;
	/* The follower may have started over (a journal replaced) even when
	 * the poll then failed: what the views hold points into it. */
	sync_runbook(ui);
	sync_steps(ui);
	sync_run(ui);
	track_running(ui);
	ui_touch(ui);
}

static void
on_poll(void *arg)
{
	struct ui *ui = arg;

	ui->w->poll_timer = NULL;
	watch_poll(ui);
	/* More was waiting than one poll reads: come back at once. */
	ui->w->poll_timer = loop_add_timer(ui->loop, follow_behind(ui->w->f) ? 0 : WATCH_POLL_MS, on_poll, ui);
}

/* Each journal line the follower reads goes onto the timeline as well. */
static void
on_event(void *arg, const json_t *line, const char *raw, size_t len, int step)
{
	(void)step;
	if (line == NULL)
		ui_timeline_free(arg);	/* read again from the start */
	else
		ui_timeline_add(arg, line, raw, len);
}

/* --- the watcher's keys --- */

static void
open_inject(struct ui *ui)
{
	struct dialog *d = ui_dialog_open(ui, DLG_INJECT, -1, "Inject an event");

	d->required = 1;
	d->body = xprintf("It goes through the incident's inbox: the driving console journals it and "
	    "shows it within a second, and timelines mark it INJECTED by %s.", ui->w->operator);
}

int
ui_watch_action(struct ui *ui, enum ui_action a)
{
	if (ui->w == NULL)
		return 0;
	switch (a) {
	case ACT_FOLLOW:
		ui->w->follow_run = 1;
		track_running(ui);
		return 1;
	case ACT_INJECT:
		open_inject(ui);
		return 1;
	case ACT_UP:
	case ACT_DOWN:
	case ACT_HOME:
	case ACT_END:
		/* Looking elsewhere in the checklist: stop following. */
		if (ui->focus == FOCUS_LIST && !ui->zoom)
			ui->w->follow_run = 0;
		return 0;
	default:
		return 0;
	}
}

void
ui_watch_inject(struct ui *ui, struct dialog *d)
{
	struct follow_inject_result res;
	char *cause = NULL, pid[32] = "";

	if (follow_inject(follow_dir(ui->w->f), ui->w->operator, d->text, 0, &res, &cause) != 0) {
		snprintf(d->error, sizeof d->error, "not injected: %s", cause);
		free(cause);
		return;
	}
	ui_dialog_close(ui);
	if (res.holder > 0)
		snprintf(pid, sizeof pid, " (pid %ld)", res.holder);
	if (res.journaled)
		snprintf(ui->message, sizeof ui->message, "injected: no console drives the incident, so it "
		    "was appended as line %lld", (long long)res.seq);
	else if (res.taken)
		snprintf(ui->message, sizeof ui->message, "injected: journaled by the driving console%s", pid);
	else
		snprintf(ui->message, sizeof ui->message, "injected: queued for the driving console%s; "
		    "the timeline shows it once journaled", pid);
	follow_inject_result_clear(&res);
}

/* A remote step's hosts as its step.end listed them: the driver's pane
 * lists them live, a watcher's once the fan-out is over. */
int
ui_watch_hosts(const struct ui *ui, int i, struct host_status *hs)
{
	const struct follow_step *fs = follow_step(ui->w->f, i);
	int n = 0;

	for (int k = 0; fs != NULL && k < fs->nhosts && n < UI_HOSTS_MAX; k++, n++) {
		hs[n].name = fs->hosts[k].name;
		hs[n].status = fs->hosts[k].status;
		hs[n].ended = 1;
		hs[n].ok = strcmp(fs->hosts[k].status, "ok") == 0;
		hs[n].exit_code = fs->hosts[k].exit_code;
		hs[n].duration_ms = fs->hosts[k].duration_ms;
	}
	return n;
}

const char *
ui_watch_problem(const struct ui *ui)
{
	return ui->w != NULL ? follow_run(ui->w->f)->runbook_problem : NULL;
}

/* --- the command --- */

static char *
default_operator(const char *given)
{
	const char *u = given != NULL && *given != '\0' ? given : getenv("USER");

	return xstrdup(u != NULL && *u != '\0' ? u : "observer");
}

/* Options into the console's: only what watch has. */
static int
parse_args(struct ui *ui, int argc, char **argv, const char **dir, const char **operator)
{
	struct watch_opts o = { 0 };
	int rc;

	if ((rc = watchopts_parse(&o, argc, argv)) != 0)
		return rc;
	*dir = o.dir;
	*operator = o.operator;
	ui->o.ascii = o.ascii;
	ui->o.theme = (char *)o.theme;
	ui->o.script = (char *)o.script;
	ui->o.dump = (char *)o.dump;
	return 0;
}

/* Checks what can be checked before the screen is taken. */
static int
watch_prepare(struct ui *ui, const char *dir)
{
	char *cause = NULL;

	if (follow_open(&ui->w->f, dir, FOLLOW_RUNBOOK, &cause) == 0) {
		if (!ui->script_mode && !ui_usable_terminal())
			cause = xstrdup("watch needs a terminal; `drconsole replay --instant` prints an "
			    "incident without one");
		else if (ui_theme_check(ui, &cause) == 0 && (!ui->script_mode || ui_script_open(ui, &cause) == 0))
			return 0;
	}
	fprintf(stderr, "drconsole: %s\n", cause);
	free(cause);
	return -1;
}

static int
watch_main(struct ui *ui)
{
	follow_set_event_cb(ui->w->f, on_event, ui);
	ui->loop = loop_new();
	ui_watch_signals(ui);
	watch_poll(ui);
	if (ui_term_start(ui) != 0)
		return EXIT_USAGE;
	ui_set_fatal(ui);
	ui->w->poll_timer = loop_add_timer(ui->loop, follow_behind(ui->w->f) ? 0 : WATCH_POLL_MS, on_poll, ui);
	ui_main_loop(ui);
	return ui->exit_code;
}

static void
watch_free(struct ui *ui)
{
	ui_term_end(ui);
	ui_set_fatal(NULL);
	ui_script_close(ui);
	ui_timeline_free(ui);
	for (int i = 0; i < ui->ndialogs; i++)
		free(ui->dialogs[i].body);
	if (ui->loop != NULL)
		loop_free(ui->loop);
	follow_free(ui->w->f);
	runbook_free(ui->w->built);
	free(ui->w->st);
	free(ui->w->operator);
	free(ui->w);
	free(ui->pick_lines);
	free(ui->script_error);
	free(ui);
}

/* `drconsole watch INCIDENT_DIR [--ascii] [--theme NAME] [--operator NAME]`. */
int
cmd_watch(int argc, char **argv)
{
	struct ui *ui = xcalloc(1, sizeof *ui);
	const char *dir = NULL, *operator = NULL;
	int rc;

	ui->w = xcalloc(1, sizeof *ui->w);
	ui->saved_stderr = -1;
	setlocale(LC_ALL, "");
	if ((rc = parse_args(ui, argc, argv, &dir, &operator)) != 0) {
		watch_free(ui);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;	/* > 0: --help or --version answered */
	}
	ui->w->operator = default_operator(operator);
	ui->w->follow_run = 1;
	ui->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 && !ui->o.ascii;
	ui->script_mode = ui->o.script != NULL;
	ui->screen = SCREEN_RUN;
	ui->focus = FOCUS_LIST;
	ui->match_line = -1;
	ui->ended_step = ui->rollback_step = ui->live_step = ui->held_step = ui->attach_step = -1;
	ui->follow = 1;
	rc = watch_prepare(ui, dir) != 0 ? EXIT_USAGE : watch_main(ui);
	ui_term_end(ui);
	if (ui->script_error != NULL) {
		fprintf(stderr, "drconsole: %s\n", ui->script_error);
		rc = EXIT_USAGE;
	}
	watch_free(ui);
	return rc;
}
