/*
 * ui_watch_draw.c: the watch view drawn from follow.c's model with the
 * console's drawing helpers (ui_draw.c): the top bar, the banners, the
 * checklist, the selected step's pane, the timeline, the key bar and the
 * message line. Split from ui_watch.c, which holds the keys and the loop.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "duration.h"
#include "follow.h"
#include "outfile.h"
#include "termsafe.h"
#include "ui.h"
#include "xmalloc.h"

#include "ui_watch_int.h"

/* The watch view draws with the console's helpers, which speak the
 * engine's step status; the fold's is the same vocabulary in the same
 * order (jschema.def), which the compiler checks here. */
_Static_assert((int)JSTATUS_PENDING == (int)STEP_PENDING && (int)JSTATUS_RUNNING == (int)STEP_RUNNING &&
    (int)JSTATUS_OK == (int)STEP_OK && (int)JSTATUS_FAILED == (int)STEP_FAILED &&
    (int)JSTATUS_TIMEOUT == (int)STEP_TIMEOUT && (int)JSTATUS_CANCELLED == (int)STEP_CANCELLED &&
    (int)JSTATUS_SKIPPED == (int)STEP_SKIPPED && (int)JSTATUS_INTERRUPTED == (int)STEP_INTERRUPTED &&
    (int)JSTATUS_ROLLED_BACK == (int)STEP_ROLLED_BACK && (int)JSTATUS_COUNT == STEP_NSTATUS,
    "the fold's step statuses are the engine's");

static enum step_status
as_engine(enum js_status s)
{
	return (enum step_status)s;
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
int64_t
watch_first_line(struct watch *w, const struct follow_step *st, int rows)
{
	w->out_top = ui_pane_first(w->out_follow, w->out_top, (int64_t)follow_step_dropped(st),
	    (int64_t)st->lines, rows);
	return w->out_top;
}

static void
draw_output(struct watch *w, const struct follow_step *st, int y, int x, int width, int rows)
{
	int64_t first = watch_first_line(w, st, rows), total = (int64_t)st->lines;
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
	const struct follow_step *st = watch_selected(w);
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

void
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

