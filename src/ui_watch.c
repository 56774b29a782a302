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

#define WATCH_POLL_MS 200	/* how often the incident is looked at */
#define WATCH_WAIT_MS 10000	/* a script's wait, unless it says */
#define WATCH_WRAP_MAX 3
#define WATCH_LINE_MAX 1024
#define WATCH_FAR ((int64_t)1 << 40)	/* a move to an end */
#define WATCH_TIMELINE_PAGE 4


enum watch_focus {
	WFOCUS_LIST,
	WFOCUS_OUTPUT,
	WFOCUS_TIMELINE,
	WFOCUS_COUNT,
};

/* The one list of the viewer's keys: the enum, the key bar and the
 * script's `do` names. X(id, name, key, other key, key bar label) */
#define WATCH_ACTIONS(X) \
	X(UP, "up", KEY_UP, 'k', "select") \
	X(DOWN, "down", KEY_DOWN, 'j', NULL) \
	X(PAGE_UP, "page-up", KEY_PPAGE, 0, "scroll") \
	X(PAGE_DOWN, "page-down", KEY_NPAGE, 0, NULL) \
	X(HOME, "home", KEY_HOME, 'g', NULL) \
	X(END, "end", KEY_END, 'G', NULL) \
	X(FOCUS, "focus", UI_KEY_TAB, 0, "pane") \
	X(FOLLOW, "follow", 'f', 0, "follow running") \
	X(INJECT, "inject", 'i', 0, "inject") \
	X(QUIT, "quit", 'q', UI_KEY_CTRL_C, "quit")

#define WATCH_ACTION_ENUM(id, ...) WACT_##id,
enum watch_action {
	WATCH_ACTIONS(WATCH_ACTION_ENUM)
	WACT_COUNT
};
#undef WATCH_ACTION_ENUM

#define WATCH_ACTION_INFO(id, name, k1, k2, bar) { name, { k1, k2 }, bar },
/* The watch view draws with the console's helpers, which speak the
 * engine's step status; the fold's is the same vocabulary in the same
 * order (jschema.def), which the compiler checks here. */
_Static_assert((int)JSTATUS_PENDING == (int)STEP_PENDING && (int)JSTATUS_RUNNING == (int)STEP_RUNNING &&
    (int)JSTATUS_OK == (int)STEP_OK && (int)JSTATUS_FAILED == (int)STEP_FAILED &&
    (int)JSTATUS_TIMEOUT == (int)STEP_TIMEOUT && (int)JSTATUS_CANCELLED == (int)STEP_CANCELLED &&
    (int)JSTATUS_SKIPPED == (int)STEP_SKIPPED && (int)JSTATUS_INTERRUPTED == (int)STEP_INTERRUPTED,
    "the fold's step statuses are the engine's");

static enum step_status
as_engine(enum js_status s)
{
	return (enum step_status)s;
}

static const struct {
	const char *name;
	int keys[2];
	const char *bar;
} watch_actions[WACT_COUNT] = {
	WATCH_ACTIONS(WATCH_ACTION_INFO)
};
#undef WATCH_ACTION_INFO

struct watch {
	struct ui	*ui;		/* drawing context: styles, glyphs, dialog, dump */
	struct follow	*f;
	struct loop	*loop;
	const char	*dir;
	const char	*theme;
	const char	*operator_arg;	/* --operator */
	char		*operator;	/* who `i` injects as */
	int		 sel;		/* the selected step */
	int		 follow_run;	/* the selection follows the running step */
	int		 list_top;
	enum watch_focus focus;
	int64_t		 out_top;	/* absolute output line at the top */
	int		 out_follow;	/* the pane shows the newest lines */
	int		 pane_rows;
	size_t		 tl_back;	/* timeline: events scrolled back */
	char		 message[UI_TEXT_MAX];
	int64_t		 drawn_sec;	/* the clock's second last drawn */
	struct loop_timer *poll_timer;
	int		 input_errs;
	int		 done;
	int		 exit_code;
	/* script mode */
	const char	*script_path;
	FILE		*script;
	int		 script_line;
	char		*script_error;
	int		 waiting;	/* a wait-* command is in progress */
	char		 wait_what[UI_TEXT_MAX];
	int64_t		 wait_deadline;
	struct loop_timer *wait_timer;
};

struct watch_layout {
	int top, body, list_w;
	int timeline_y, timeline_h;
	int message_y, keybar_y;
};

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

static const struct follow_step *
selected(const struct watch *w)
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

/* --- drawing --- */

static void
watch_layout(const struct watch *w, struct watch_layout *l)
{
	const struct follow_run *r = follow_run(w->f);

	l->keybar_y = LINES - 1;
	l->message_y = LINES - 2;
	l->timeline_h = LINES >= 36 ? 8 : LINES >= 28 ? 6 : 4;
	l->timeline_y = l->message_y - l->timeline_h - 1;
	l->top = 1 + (r->end_status != NULL) + (r->chain_break > 0);
	l->body = l->timeline_y - l->top;
	l->list_w = COLS * 2 / 5;
	if (l->list_w < 30)
		l->list_w = 30;
	if (l->list_w > 56)
		l->list_w = 56;
}

static void
draw_rule(struct watch *w, int y, int x, int width, enum theme_role role)
{
	attrset(ui_style(w->ui, role));
	for (int i = 0; i < width; i++)
		mvaddstr(y, x + i, w->ui->g.hline);
}

static int64_t
elapsed_ms(const struct follow_run *r)
{
	int64_t end = r->ended_ms > 0 ? r->ended_ms : clock_wall_ms(), d = end - r->started_ms;

	return r->started_ms == 0 || d < 0 ? 0 : d;
}

static enum theme_role
mode_role(const char *mode, const char **text)
{
	static const struct {
		const char *mode, *text;
		enum theme_role role;
	} badges[] = {
		{ "live", " LIVE ", ROLE_BADGE_LIVE }, { "drill", " DRILL ", ROLE_BADGE_DRILL },
		{ "dry-run", " DRY RUN ", ROLE_BADGE_DRY_RUN },
		{ "training", " TRAINING ", ROLE_BADGE_TRAINING },
	};

	for (size_t k = 0; k < sizeof badges / sizeof badges[0]; k++) {
		if (mode != NULL && strcmp(mode, badges[k].mode) == 0) {
			*text = badges[k].text;
			return badges[k].role;
		}
	}
	*text = " ? ";
	return ROLE_BADGE_LIVE;
}

static void
draw_top(struct watch *w)
{
	const struct follow_run *r = follow_run(w->f);
	int64_t el = elapsed_ms(r);
	char clock[96], e[32], rto[32], op[128];
	const char *badge;
	enum theme_role brole = mode_role(r->mode, &badge);
	int x, cw;

	duration_format_clock(el, e, sizeof e);
	if (r->rto_ms > 0) {
		duration_format(r->rto_ms, rto, sizeof rto);
		snprintf(clock, sizeof clock, " RTO %s of %s (%d%%) ", e, rto, (int)(el * 100 / r->rto_ms));
	} else
		snprintf(clock, sizeof clock, " elapsed %s ", e);
	snprintf(op, sizeof op, " driver %s ", r->driver != NULL ? r->driver : "?");
	ui_fill(w->ui, 0, 0, COLS, ROLE_TITLE);
	cw = ui_text_width(clock, strlen(clock));
	ui_put(w->ui, 0, COLS - cw, cw, ui_rto_role(el, r->rto_ms), clock);
	x = ui_put(w->ui, 0, 0, COLS / 2, ROLE_NOTICE, " WATCHING (read-only) ");
	x += ui_put(w->ui, 0, x, COLS - cw - x, brole, badge);
	x += ui_put(w->ui, 0, x, COLS - cw - x, ROLE_TITLE, op);
	ui_put(w->ui, 0, x + 1, COLS - cw - x - 2, ROLE_TITLE,
	    r->title != NULL ? r->title : "(waiting for run.start)");
}

static void
draw_banners(struct watch *w)
{
	const struct follow_run *r = follow_run(w->f);
	char buf[256], e[32];
	int y = 1, ok;

	if (r->end_status != NULL) {
		ok = strcmp(r->end_status, "completed") == 0;
		duration_format_clock(elapsed_ms(r), e, sizeof e);
		snprintf(buf, sizeof buf, " RUN ENDED: %s in %s  (q quits) ", r->end_status, e);
		ui_fill(w->ui, y, 0, COLS, ok ? ROLE_STATUS_OK : ROLE_STATUS_FAILED);
		ui_put(w->ui, y++, 0, COLS, ok ? ROLE_STATUS_OK : ROLE_STATUS_FAILED, buf);
	}
	if (r->chain_break > 0) {
		snprintf(buf, sizeof buf, " JOURNAL CHAIN BROKEN at line %lld: check it with drconsole "
		    "verify ", (long long)r->chain_break);
		ui_fill(w->ui, y, 0, COLS, ROLE_DANGER);
		ui_put(w->ui, y, 0, COLS, ROLE_DANGER, buf);
	}
}

static void
step_right(const struct follow_step *st, char *buf, size_t len)
{
	ui_step_time(buf, len, as_engine(st->status), st->attempt, st->duration_ms, st->attempt_ms);
}

static void
draw_step_row(struct watch *w, int y, int width, int i)
{
	const struct follow_step *st = follow_step(w->f, i);
	struct ui *ui = w->ui;
	int sel = i == w->sel, x, rw;
	enum theme_role base = !sel ? ROLE_NORMAL : w->focus == WFOCUS_LIST ? ROLE_SELECTION :
	    ROLE_SELECTION_INACTIVE;
	const char *mark = st->status == JSTATUS_RUNNING ? ui->g.spinner[w->drawn_sec % 4] : ui->g.mark[st->status];
	char right[48], num[16];

	ui_fill(ui, y, 0, width, base);
	ui_put(ui, y, 0, 1, base, sel ? ui->g.sel : " ");
	ui_put(ui, y, 2, 1, sel ? base : ui_status_role(as_engine(st->status)), mark);
	snprintf(num, sizeof num, "%2d ", st->index > 0 ? st->index : i + 1);
	x = 4 + ui_put(ui, y, 4, 3, base, num);
	step_right(st, right, sizeof right);
	rw = ui_text_width(right, strlen(right));
	ui_put(ui, y, x, width - x - rw, base, st->title);
	ui_put(ui, y, width - rw, rw, sel ? base : ROLE_DIM, right);
}

/* Rows of the checklist: -1 - k is step k's phase heading, k >= 0 step k. */
static int
list_rows(const struct watch *w, int *rows, int *sel_row)
{
	int n = 0;

	for (int i = 0; i < follow_nsteps(w->f); i++) {
		if (follow_step(w->f, i)->phase != NULL)
			rows[n++] = -1 - i;
		if (i == w->sel)
			*sel_row = n;
		rows[n++] = i;
	}
	return n;
}

static void
draw_list(struct watch *w, const struct watch_layout *l)
{
	int nsteps = follow_nsteps(w->f), done = 0, sel_row = 0, h = l->body - 1;
	int *rows = xcalloc((size_t)nsteps * 2 + 1, sizeof *rows), n = list_rows(w, rows, &sel_row);
	enum theme_role hrole = w->focus == WFOCUS_LIST ? ROLE_SELECTION : ROLE_BORDER;
	char title[64];

	for (int i = 0; i < nsteps; i++)
		done += step_status_final(as_engine(follow_step(w->f, i)->status));
	snprintf(title, sizeof title, " Checklist  %d/%d ended ", done, nsteps);
	ui_fill(w->ui, l->top, 0, l->list_w, hrole);
	ui_put(w->ui, l->top, 0, l->list_w, hrole, title);
	if (sel_row > 0 && rows[sel_row - 1] < 0)
		sel_row--;	/* keep a heading in view with its first step */
	if (sel_row < w->list_top)
		w->list_top = sel_row;
	if (sel_row >= w->list_top + h)
		w->list_top = sel_row - h + 1;
	for (int r = w->list_top; r < n && r - w->list_top < h; r++) {
		int y = l->top + 1 + r - w->list_top;

		if (rows[r] < 0)
			ui_put(w->ui, y, 1, l->list_w - 1, ROLE_PHASE, follow_step(w->f, -1 - rows[r])->phase);
		else
			draw_step_row(w, y, l->list_w, rows[r]);
	}
	if (w->list_top > 0)
		ui_put(w->ui, l->top + 1, l->list_w - 1, 1, ROLE_DIM, w->ui->g.up);
	if (n - w->list_top > h)
		ui_put(w->ui, l->top + h, l->list_w - 1, 1, ROLE_DIM, w->ui->g.down);
	free(rows);
}

static void
draw_pane_header(struct watch *w, const struct follow_step *st, int y, int x, int width)
{
	enum theme_role role = w->focus == WFOCUS_OUTPUT ? ROLE_SELECTION : ROLE_BORDER;
	char buf[UI_TEXT_MAX * 2];
	int used;

	snprintf(buf, sizeof buf, " %s ", st->id);
	ui_fill(w->ui, y, x, width, role);
	used = ui_put(w->ui, y, x, width, role, buf);
	snprintf(buf, sizeof buf, "%s%s%s%s", st->retry_waiting ? "waiting to retry" :
	    st->rollback_running ? "rolling back" : jschema_status_name(st->status),
	    st->reason != NULL && *st->reason != '\0' ? ": " : "", st->reason != NULL ? st->reason : "",
	    st->rolled_back > 0 ? " (rolled back)" : st->rolled_back < 0 ? " (rollback FAILED)" : "");
	used += ui_put(w->ui, y, x + used, width - used, ui_status_role(as_engine(st->status)), buf);
	if (st->attempt > 1) {
		snprintf(buf, sizeof buf, " attempt %d ", st->attempt);
		ui_put(w->ui, y, x + used + 1, width - used - 1, role, buf);
	}
}

static int
draw_command(struct watch *w, const struct follow_step *st, int y, int x, int width)
{
	const char *lines[WATCH_WRAP_MAX];
	size_t lens[WATCH_WRAP_MAX];
	char *all, buf[WATCH_LINE_MAX];
	int n;

	if (st->command == NULL) {
		ui_put(w->ui, y, x, width, ROLE_DIM, st->attempt > 0 ? "(no command)" : "(not started)");
		return 1;
	}
	all = xprintf("$ %s", st->command);
	n = ui_text_wrap(all, width, lines, lens, WATCH_WRAP_MAX);
	for (int k = 0; k < n; k++) {
		termsafe_clean(lines[k], lens[k], buf, sizeof buf);
		ui_put(w->ui, y + k, x, width, ROLE_COMMAND, buf);
	}
	free(all);
	return n > 0 ? n : 1;
}

/* The absolute line at the top of rows rows, kept in range. */
static int64_t
first_line(struct watch *w, const struct follow_step *st, int rows)
{
	w->out_top = ui_pane_first(w->out_follow, w->out_top, (int64_t)follow_step_dropped(st),
	    (int64_t)st->lines, rows);
	return w->out_top;
}

static void
draw_output(struct watch *w, const struct follow_step *st, int y, int x, int width, int rows)
{
	int64_t first = first_line(w, st, rows), total = (int64_t)st->lines;
	int64_t dropped = (int64_t)follow_step_dropped(st);
	char buf[WATCH_LINE_MAX];

	draw_rule(w, y, x - 1, width + 1, ROLE_BORDER);
	ui_pane_span(buf, sizeof buf, w->out_follow, first, first + rows < total ? first + rows : total, total);
	if (st->skipped > 0)
		snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, ", %llu MB not read ",
		    (unsigned long long)((st->skipped + (1 << 20) - 1) >> 20));
	ui_put(w->ui, y, x, width - 1, ROLE_BORDER, buf);
	for (int r = 0; r < rows; r++) {
		const struct follow_line *line = follow_step_line(st, (size_t)(first - dropped + r));

		if (line == NULL)
			break;
		termsafe_render(line->text, line->len, buf, sizeof buf);
		ui_put(w->ui, y + 1 + r, x, width, line->stream == FOLLOW_GAP ? ROLE_DIM :
		    line->stream == OUTFILE_STDERR ? ROLE_STDERR : ROLE_NORMAL, buf);
	}
}

static void
draw_pane(struct watch *w, const struct watch_layout *l)
{
	const struct follow_step *st = selected(w);
	int x = l->list_w + 1, width = COLS - x, y = l->top + 1;

	attrset(ui_style(w->ui, ROLE_BORDER));
	for (int row = l->top; row < l->top + l->body; row++)
		mvaddstr(row, l->list_w, w->ui->g.vline);
	if (st == NULL) {
		ui_put(w->ui, l->top, x + 1, width - 1, ROLE_DIM, "no step has started yet");
		return;
	}
	draw_pane_header(w, st, l->top, x, width);
	y += draw_command(w, st, y, x + 1, width - 1);
	w->pane_rows = l->top + l->body - y - 1;
	if (w->pane_rows < 1)
		w->pane_rows = 1;
	draw_output(w, st, y, x + 1, width - 1, l->top + l->body - y - 1);
}

static void
draw_event(struct watch *w, const struct follow_event *e, int y)
{
	time_t secs = (time_t)(e->ts_ms / 1000);
	enum theme_role role = strcmp(e->event, "note") == 0 ? ROLE_TIMELINE_NOTE : ROLE_NORMAL;
	char when[48], by[UI_TEXT_MAX];
	struct tm lt, ut;
	int x;

	localtime_r(&secs, &lt);
	gmtime_r(&secs, &ut);
	strftime(when, 20, "%H:%M:%S ", &lt);
	strftime(when + strlen(when), 20, "%H:%M:%SZ ", &ut);
	x = ui_put(w->ui, y, 1, COLS - 1, ROLE_TIMELINE_TIME, when) + 1;
	x += ui_put(w->ui, y, x, 14, role, e->event) + 1;
	if (x < 35)
		x = 35;
	if (e->injected) {
		snprintf(by, sizeof by, "INJECTED by %s:", e->by != NULL ? e->by : "?");
		x += ui_put(w->ui, y, x, COLS - x, ROLE_NOTICE, by) + 1;
	}
	ui_put(w->ui, y, x, COLS - x, role, e->summary);
}

static void
draw_timeline(struct watch *w, const struct watch_layout *l)
{
	size_t n = follow_nevents(w->f), shown = (size_t)l->timeline_h, end;
	char title[64];

	if (w->tl_back + shown > n)
		w->tl_back = n > shown ? n - shown : 0;
	end = n - w->tl_back;
	draw_rule(w, l->timeline_y, 0, COLS, w->focus == WFOCUS_TIMELINE ? ROLE_SELECTION : ROLE_BORDER);
	snprintf(title, sizeof title, " Timeline (local / UTC)%s ", w->tl_back > 0 ? ", scrolled back" : "");
	ui_put(w->ui, l->timeline_y, 2, COLS - 4, w->focus == WFOCUS_TIMELINE ? ROLE_SELECTION : ROLE_BORDER,
	    title);
	for (size_t k = end > shown ? end - shown : 0, y = 0; k < end; k++, y++)
		draw_event(w, follow_event(w->f, k), l->timeline_y + 1 + (int)y);
}

static void
draw_keybar(struct watch *w, int y)
{
	char name[16];
	int x = 1;

	ui_fill(w->ui, y, 0, COLS, ROLE_KEYBAR);
	if (ui_dialog_top(w->ui) != NULL) {
		x += ui_put(w->ui, y, x, COLS - x, ROLE_HELP_KEY, "Enter") + 1;
		x += ui_put(w->ui, y, x, COLS - x, ROLE_KEYBAR, "inject") + 3;
		x += ui_put(w->ui, y, x, COLS - x, ROLE_HELP_KEY, "Esc") + 1;
		ui_put(w->ui, y, x, COLS - x, ROLE_KEYBAR, "back out");
		return;
	}
	for (int a = 0; a < WACT_COUNT && x < COLS - 2; a++) {
		if (watch_actions[a].bar == NULL)
			continue;
		ui_key_name(watch_actions[a].keys[0], name, sizeof name);
		x += ui_put(w->ui, y, x, COLS - x, ROLE_HELP_KEY, name);
		x += ui_put(w->ui, y, x + 1, COLS - x - 1, ROLE_KEYBAR, watch_actions[a].bar) + 3;
	}
}

static void
draw_message(struct watch *w, int y)
{
	const struct follow_run *r = follow_run(w->f);
	char buf[UI_TEXT_MAX * 2];

	if (w->message[0] != '\0') {
		ui_put(w->ui, y, 1, COLS - 2, ROLE_NOTICE, w->message);
		return;
	}
	if (r->runbook_problem != NULL)
		snprintf(buf, sizeof buf, "%s", r->runbook_problem);
	else
		snprintf(buf, sizeof buf, "incident %s", w->dir);
	ui_put(w->ui, y, 1, COLS - 2, ROLE_DIM, buf);
}

static void
watch_draw(struct watch *w)
{
	struct watch_layout l;
	char msg[96];
	int n;

	erase();
	attrset(A_NORMAL);
	w->drawn_sec = clock_wall_ms() / 1000;
	if (COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS) {
		n = snprintf(msg, sizeof msg, "terminal too small: need at least %dx%d, now %dx%d",
		    UI_MIN_COLS, UI_MIN_ROWS, COLS, LINES);
		mvaddnstr(LINES / 2, COLS > n ? (COLS - n) / 2 : 0, msg, COLS);
	} else {
		watch_layout(w, &l);
		draw_top(w);
		draw_banners(w);
		draw_list(w, &l);
		draw_pane(w, &l);
		draw_timeline(w, &l);
		draw_message(w, l.message_y);
		draw_keybar(w, l.keybar_y);
		ui_dialog_draw(w->ui);
	}
	wnoutrefresh(stdscr);
	doupdate();
	w->ui->dirty = w->ui->urgent = 0;
	w->ui->last_draw_mono = clock_mono_ms();
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
	const struct follow_step *st = selected(w);
	int64_t rows = w->pane_rows > 0 ? w->pane_rows : 1, top;

	if (st == NULL)
		return;
	top = first_line(w, st, (int)rows) + delta;
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
