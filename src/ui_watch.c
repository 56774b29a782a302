/*
 * ui_watch.c: `drconsole watch INCIDENT_DIR`, a read-only live view of an
 * incident from another terminal: a facilitator's or an observer's screen
 * during a drill. Everything shown is rebuilt from the incident directory
 * by follow.c, polled every WATCH_POLL_MS (a stat per growing file when
 * nothing changes); nothing here writes to the incident or takes the
 * journal's lock, except `i`, which injects an event through the inbox as
 * `drconsole inject` does.
 *
 * The layout, theme, glyphs and dialogs are the console's (ui_draw.c,
 * ui_theme.c, ui_dialog.c): a struct ui serves as the drawing context. The
 * keys are a table of their own, since a viewer has none of the console's
 * actions. A small script mode (--script/--dump, as the console's) lets
 * tests drive it without a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "duration.h"
#include "follow.h"
#include "log.h"
#include "outfile.h"
#include "termsafe.h"
#include "ui.h"
#include "watchopts.h"
#include "xmalloc.h"
#include "ui_watch_int.h"

#define WATCH_ACTION_INFO(id, name, k1, k2, bar) { name, { k1, k2 }, bar },
const struct watch_action_info watch_actions[WACT_COUNT] = {
	WATCH_ACTIONS(WATCH_ACTION_INFO)
};
#undef WATCH_ACTION_INFO

/* The watch the fatal hook gives the terminal back for. */
static struct watch *fatal_watch;

/* --- the terminal --- */

static void
watch_term_end(struct watch *w)
{
	ui_term_end(w->ui);
}

static void
watch_on_fatal(void)
{
	if (fatal_watch != NULL)
		watch_term_end(fatal_watch);
}

/* Script mode draws on /dev/null at the console's script size. */
static int
watch_term_start(struct watch *w)
{
	struct ui *ui = w->ui;

	if (ui_term_start(ui) != 0)
		return -1;
	if (ui->message[0] != '\0')
		snprintf(w->message, sizeof w->message, "%s", ui->message);
	return 0;
}

/* --- what is selected --- */

const struct follow_step *
watch_selected(const struct watch *w)
{
	return follow_step(w->f, w->sel);
}

static void
select_step(struct watch *w, int i)
{
	int n = follow_nsteps(w->f);

	if (i >= n)
		i = n - 1;
	if (i < 0)
		i = 0;
	if (i != w->sel)
		w->out_follow = 1;
	w->sel = i;
}

/* Follows the running step, else the one that started last. */
static void
track_running(struct watch *w)
{
	const struct follow_run *r = follow_run(w->f);

	if (w->follow_run)
		select_step(w, r->running >= 0 ? r->running : r->last_step >= 0 ? r->last_step : 0);
	else
		select_step(w, w->sel);
}

/* --- keys --- */

static enum watch_action
action_for_key(int key)
{
	for (int a = 0; a < WACT_COUNT; a++) {
		if (watch_actions[a].keys[0] == key || (watch_actions[a].keys[1] != 0 &&
		    watch_actions[a].keys[1] == key))
			return (enum watch_action)a;
	}
	return WACT_COUNT;
}

static void
scroll_output(struct watch *w, int64_t delta)
{
	const struct follow_step *st = watch_selected(w);
	int64_t rows = w->pane_rows > 0 ? w->pane_rows : 1, top;

	if (st == NULL)
		return;
	top = watch_first_line(w, st, (int)rows) + delta;
	if (top < (int64_t)follow_step_dropped(st))
		top = (int64_t)follow_step_dropped(st);
	w->out_follow = top >= (int64_t)st->lines - rows;
	w->out_top = top;
}

static void
scroll_timeline(struct watch *w, int64_t delta)
{
	int64_t back = (int64_t)w->tl_back - delta;

	w->tl_back = back < 0 ? 0 : (size_t)back;
}

/* How far a key moves: a line, a page, or to an end. */
static int64_t
move_delta(enum watch_action a, int64_t page)
{
	switch (a) {
	case WACT_UP: return -1;
	case WACT_DOWN: return 1;
	case WACT_PAGE_UP: return -page;
	case WACT_PAGE_DOWN: return page;
	case WACT_HOME: return -WATCH_FAR;
	default: return WATCH_FAR;
	}
}

/* Up, Down, Home and End act on the focused pane; PgUp and PgDn scroll
 * the output unless the timeline has the focus. */
static void
move_focused(struct watch *w, enum watch_action a)
{
	int page = w->pane_rows > 1 ? w->pane_rows - 1 : 1;
	int64_t to;

	if (w->focus == WFOCUS_TIMELINE)
		scroll_timeline(w, move_delta(a, WATCH_TIMELINE_PAGE));
	else if (w->focus == WFOCUS_OUTPUT || a == WACT_PAGE_UP || a == WACT_PAGE_DOWN)
		scroll_output(w, move_delta(a, page));
	else {
		to = w->sel + move_delta(a, 1);
		w->follow_run = 0;
		select_step(w, to < 0 ? 0 : to > INT_MAX ? INT_MAX : (int)to);
	}
}

static void
open_inject(struct watch *w)
{
	struct dialog *d = ui_dialog_open(w->ui, DLG_NOTE, -1, "Inject an event");

	d->body = xprintf("It goes through the incident's inbox: the driving console journals it and "
	    "shows it within a second, and timelines mark it INJECTED by %s.", w->operator);
}

static void
watch_do(struct watch *w, enum watch_action a)
{
	switch (a) {
	case WACT_FOCUS:
		w->focus = (w->focus + 1) % WFOCUS_COUNT;
		break;
	case WACT_FOLLOW:
		w->follow_run = w->out_follow = 1;
		w->tl_back = 0;
		track_running(w);
		break;
	case WACT_INJECT:
		open_inject(w);
		break;
	case WACT_QUIT:
		w->done = 1;
		break;
	case WACT_COUNT:
		break;
	default:
		move_focused(w, a);
		break;
	}
	ui_touch(w->ui);
}

static void
send_inject(struct watch *w, const char *text)
{
	struct follow_inject_result res;
	char *cause = NULL, pid[32] = "";

	if (follow_inject(w->dir, w->operator, text, 0, &res, &cause) != 0) {
		snprintf(w->message, sizeof w->message, "not injected: %s", cause);
		free(cause);
		return;
	}
	if (res.holder > 0)
		snprintf(pid, sizeof pid, " (pid %ld)", res.holder);
	if (res.journaled)
		snprintf(w->message, sizeof w->message, "injected: no console drives the incident, so it "
		    "was appended as line %lld", (long long)res.seq);
	else if (res.taken)
		snprintf(w->message, sizeof w->message, "injected: journaled by the driving console%s", pid);
	else
		snprintf(w->message, sizeof w->message, "injected: queued for the driving console%s; "
		    "the timeline shows it once journaled", pid);
	follow_inject_result_clear(&res);
}

/* The inject dialog's field: typing, BSpace, Enter sends, Esc backs out. */
static void
inject_key(struct watch *w, struct dialog *d, int key)
{
	if (key == UI_KEY_ESC || key == UI_KEY_CTRL_C) {
		ui_dialog_close(w->ui);
	} else if (key == UI_KEY_ENTER) {
		if (d->len == 0) {
			snprintf(d->error, sizeof d->error, "type the event, or Esc to back out");
			return;
		}
		send_inject(w, d->text);
		ui_dialog_close(w->ui);
	} else
		ui_dialog_text_key(d, key);
}

static void
watch_key(struct watch *w, int key)
{
	struct dialog *d = ui_dialog_top(w->ui);

	if (key == '\r' || key == KEY_ENTER)
		key = UI_KEY_ENTER;
	if (key == 127 || key == 8)
		key = KEY_BACKSPACE;
	w->ui->urgent = 1;
	ui_touch(w->ui);
	if (key == KEY_RESIZE)
		return;
	/* A paste is text for the inject field, never keys (ui_paste.c). */
	if (ui_paste_key(w->ui, key)) {
		snprintf(w->message, sizeof w->message, "%s", w->ui->message);
		return;
	}
	if (d != NULL) {
		inject_key(w, d, key);
		return;
	}
	w->message[0] = '\0';
	watch_do(w, action_for_key(key));
}

/* --- the incident and the loop --- */

static void
watch_poll(struct watch *w)
{
	char *cause = NULL;
	int rc = follow_poll(w->f, &cause);

	if (rc < 0) {
		snprintf(w->message, sizeof w->message, "%s", cause);
		free(cause);
		ui_touch(w->ui);
	} else if (rc > 0) {
		track_running(w);
		ui_touch(w->ui);
	}
}

static void
on_poll(void *arg)
{
	struct watch *w = arg;

	w->poll_timer = NULL;
	watch_poll(w);
	/* More was waiting than one poll reads: come back at once. */
	w->poll_timer = loop_add_timer(w->loop, follow_behind(w->f) ? 0 : WATCH_POLL_MS, on_poll, w);
}

static void
on_keys(int fd, short revents, void *arg)
{
	struct watch *w = arg;
	int key = ERR, n = 0;

	(void)fd;
	while (n < 64 && (key = wgetch(stdscr)) != ERR) {
		n++;
		watch_key(w, key);
	}
	if (key == ERR)
		ui_paste_idle(w->ui);
	w->input_errs = n > 0 ? 0 : w->input_errs + 1;
	/* Readable with nothing to read, again and again: the terminal is gone. */
	if ((revents & (POLLHUP | POLLERR | POLLNVAL)) || w->input_errs > 100)
		w->done = 1;
}

static void
on_signal(int signo, void *arg)
{
	struct watch *w = arg;
	struct winsize ws;

	if (signo == SIGWINCH) {
		if (ioctl(1, TIOCGWINSZ, &ws) == 0)
			ui_resize(w->ui, ws.ws_col, ws.ws_row);
		return;
	}
	w->done = 1;
	w->exit_code = signo == SIGINT ? EXIT_INTERRUPTED : EXIT_OK;
}

/* Redraws when something changed, and once a second for the clocks while
 * the run goes on; otherwise the screen is left alone. */
static void
maybe_draw(struct watch *w)
{
	const struct follow_run *r = follow_run(w->f);
	int ticking = r->started && r->end_status == NULL;

	/* Catching up on a flood: a frame at most every UI_FRAME_MS, keys
	 * still drawn at once. */
	if (w->ui->dirty && !w->ui->urgent && follow_behind(w->f) &&
	    clock_mono_ms() - w->ui->last_draw_mono < UI_FRAME_MS)
		return;
	if (w->ui->dirty || (ticking && clock_wall_ms() / 1000 != w->drawn_sec))
		watch_draw(w);
}

/* --- script mode (tests): one command a line, read after each redraw ---
 *   key NAME | type TEXT | do ACTION | resize COLSxROWS | dump | quit
 *   wait-step ID STATUS [SECONDS]   until the journal gives step ID STATUS
 *   wait-text TEXT [SECONDS]        until the screen shows TEXT (one word)
 */

static void
script_fail(struct watch *w, const char *what)
{
	if (w->script_error == NULL)
		w->script_error = xprintf("%s:%d: %s", w->script_path, w->script_line, what);
	w->done = 1;
	w->exit_code = EXIT_USAGE;
}

static int
screen_shows(const char *text)
{
	char row[4096];

	for (int y = 0; y < LINES; y++) {
		int n = mvinnstr(y, 0, row, (int)sizeof row - 1);

		if (n > 0 && (row[n] = '\0', strstr(row, text) != NULL))
			return 1;
	}
	return 0;
}

/* wait_what is "step ID STATUS" or "text TEXT". */
static int
wait_met(struct watch *w)
{
	char id[UI_TEXT_MAX], status[32];
	const struct follow_step *st;

	if (sscanf(w->wait_what, "step %255s %31s", id, status) == 2) {
		st = follow_step(w->f, follow_find_step(w->f, id));
		return st != NULL && strcmp(jschema_status_name(st->status), status) == 0 && !st->retry_waiting;
	}
	watch_draw(w);
	return screen_shows(w->wait_what + strlen("text "));
}

static void
on_wait_timer(void *arg)
{
	struct watch *w = arg;

	w->wait_timer = NULL;
}

/* A timer makes sure the loop wakes for the deadline. */
static void
start_wait(struct watch *w, const char *secs)
{
	int64_t ms = secs != NULL ? atoi(secs) * 1000 : WATCH_WAIT_MS;

	w->wait_deadline = clock_mono_ms() + ms;
	w->wait_timer = loop_add_timer(w->loop, ms, on_wait_timer, w);
	w->waiting = 1;
}

/* The next command may run: no wait in progress, or it was met. */
static int
script_ready(struct watch *w)
{
	char *msg;

	if (!w->waiting)
		return 1;
	if (wait_met(w)) {
		w->waiting = 0;
		if (w->wait_timer != NULL)
			loop_cancel_timer(w->loop, w->wait_timer);
		w->wait_timer = NULL;
		return 1;
	}
	if (clock_mono_ms() >= w->wait_deadline) {
		msg = xprintf("wait for %s: timed out", w->wait_what);
		script_fail(w, msg);
		free(msg);
	}
	return 0;
}

static void
script_do(struct watch *w, const char *name)
{
	for (int a = 0; a < WACT_COUNT; a++) {
		if (strcmp(watch_actions[a].name, name) == 0) {
			watch_do(w, (enum watch_action)a);
			return;
		}
	}
	script_fail(w, "do: no such action");
}

static void
script_run(struct watch *w, const char *cmd, char *args)
{
	char a1[UI_TEXT_MAX] = "", a2[32] = "", a3[16] = "";
	int key, cols, rows, n = sscanf(args, "%255s %31s %15s", a1, a2, a3);

	if (strcmp(cmd, "type") == 0) {
		for (const char *p = args; *p != '\0'; p++)
			watch_key(w, (unsigned char)*p);
	} else if (strcmp(cmd, "key") == 0 && n >= 1 && (key = ui_key_parse(a1)) >= 0)
		watch_key(w, key);
	else if (strcmp(cmd, "do") == 0 && n >= 1)
		script_do(w, a1);
	else if (strcmp(cmd, "resize") == 0 && sscanf(args, "%dx%d", &cols, &rows) == 2)
		ui_resize(w->ui, cols, rows);
	else if (strcmp(cmd, "dump") == 0) {
		watch_poll(w);
		watch_draw(w);
		ui_script_dump(w->ui);
	} else if (strcmp(cmd, "quit") == 0)
		w->done = 1;
	else if (strcmp(cmd, "wait-step") == 0 && n >= 2) {
		snprintf(w->wait_what, sizeof w->wait_what, "step %s %s", a1, a2);
		start_wait(w, n == 3 ? a3 : NULL);
	} else if (strcmp(cmd, "wait-text") == 0 && n >= 1) {
		snprintf(w->wait_what, sizeof w->wait_what, "text %s", a1);
		start_wait(w, n >= 2 ? a2 : NULL);
	} else
		script_fail(w, "unknown command or missing argument");
}

static void
script_step(struct watch *w)
{
	char *line = NULL, *cmd, *args;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, w->script);

	if (n < 0) {
		w->done = 1;
		free(line);
		return;
	}
	w->script_line++;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	cmd = line + strspn(line, " \t");
	if (*cmd != '\0' && *cmd != '#') {
		args = cmd + strcspn(cmd, " ");
		if (*args != '\0')
			*args++ = '\0';
		script_run(w, cmd, args);
	}
	free(line);
}

static void
main_loop(struct watch *w)
{
	struct loop_fd *keys = NULL;

	if (w->script == NULL)
		keys = loop_add_fd(w->loop, 0, POLLIN, on_keys, w);
	watch_poll(w);
	w->poll_timer = loop_add_timer(w->loop, WATCH_POLL_MS, on_poll, w);
	watch_draw(w);
	while (!w->done) {
		if (w->script != NULL && script_ready(w)) {
			watch_draw(w);
			script_step(w);
		} else if (loop_run_once(w->loop, -1) < 0 && errno != EINTR)
			fatal("poll");
		if (!w->done)
			maybe_draw(w);
	}
	if (keys != NULL)
		loop_remove_fd(w->loop, keys);
}

/* --- the command --- */

static int
parse_args(struct watch *w, struct ui *ui, int argc, char **argv)
{
	struct watch_opts o = { 0 };
	const char *dump;
	int rc;

	if ((rc = watchopts_parse(&o, argc, argv)) != 0)
		return rc > 0 ? 1 : -2;	/* 1: --help or --version answered */
	w->dir = o.dir;
	w->theme = o.theme;
	w->operator_arg = o.operator;
	w->script_path = o.script;
	dump = o.dump;
	ui->o.ascii = o.ascii;
	if (w->script_path != NULL && (w->script = fopen(w->script_path, "r")) == NULL) {
		fprintf(stderr, "drconsole: --script %s: cannot open it\n", w->script_path);
		return -2;
	}
	if (dump != NULL && (ui->dump = fopen(dump, "a")) == NULL) {
		fprintf(stderr, "drconsole: --dump %s: cannot open it\n", dump);
		return -2;
	}
	/* ui_theme_setup reads the console's options: only these two. */
	ui->o.theme = (char *)w->theme;
	return 0;
}

static void
watch_free(struct watch *w)
{
	watch_term_end(w);
	fatal_watch = NULL;
	log_set_fatal_hook(NULL);
	for (int i = 0; i < w->ui->ndialogs; i++)
		free(w->ui->dialogs[i].body);
	if (w->script != NULL)
		fclose(w->script);
	if (w->ui->dump != NULL)
		fclose(w->ui->dump);
	follow_free(w->f);
	if (w->loop != NULL)
		loop_free(w->loop);
	free(w->operator);
	free(w->script_error);
	free(w->ui);
	free(w);
}

static char *
default_operator(const char *given)
{
	const char *u = given != NULL && *given != '\0' ? given : getenv("USER");

	return xstrdup(u != NULL && *u != '\0' ? u : "observer");
}

static int
watch_run(struct watch *w)
{
	char *cause = NULL;

	if (follow_open(&w->f, w->dir, FOLLOW_RUNBOOK, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (w->script == NULL && (!isatty(0) || !isatty(1))) {
		fprintf(stderr, "drconsole: watch needs a terminal; `drconsole replay --instant` prints "
		    "an incident without one\n");
		return EXIT_USAGE;
	}
	w->loop = loop_new();
	loop_watch_signal(w->loop, SIGTERM, on_signal, w);
	loop_watch_signal(w->loop, SIGHUP, on_signal, w);
	loop_watch_signal(w->loop, SIGINT, on_signal, w);
	if (w->script == NULL)
		loop_watch_signal(w->loop, SIGWINCH, on_signal, w);
	if (watch_term_start(w) != 0)
		return EXIT_USAGE;
	fatal_watch = w;
	log_set_fatal_hook(watch_on_fatal);
	main_loop(w);
	return w->exit_code;
}

/* `drconsole watch INCIDENT_DIR [--ascii] [--theme NAME] [--operator NAME]`. */
int
cmd_watch(int argc, char **argv)
{
	struct watch *w = xcalloc(1, sizeof *w);
	int rc;

	w->ui = xcalloc(1, sizeof *w->ui);
	w->ui->saved_stderr = -1;
	w->follow_run = w->out_follow = 1;
	setlocale(LC_ALL, "");
	if ((rc = parse_args(w, w->ui, argc, argv)) != 0) {
		watch_free(w);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	w->operator = default_operator(w->operator_arg);
	w->ui->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 && !w->ui->o.ascii;
	w->ui->script_mode = w->script != NULL;
	rc = watch_run(w);
	watch_term_end(w);
	if (w->script_error != NULL) {
		fprintf(stderr, "drconsole: %s\n", w->script_error);
		rc = EXIT_USAGE;
	}
	watch_free(w);
	return rc;
}
