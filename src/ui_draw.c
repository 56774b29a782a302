/* ui_draw.c: the run view: top bar with the RTO clock, banners, the
 * checklist, the selected step's output pane, the timeline, and the key
 * bar. Everything is drawn from the engine's state and the scrollback at
 * redraw time; nothing is drawn as output arrives. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "duration.h"
#include "follow.h"
#include "ui.h"
#include "xmalloc.h"

#define WRAP_MAX 8

struct layout {
	int top;		/* first body row */
	int body;		/* body rows */
	int list_w;		/* checklist width; the output pane starts after a bar */
	int timeline_y, timeline_h;
	int message_y, keybar_y;
};

static const char *const badge_text[] = { " LIVE ", " DRILL ", " DRY RUN ", " TRAINING " };
static const enum theme_role badge_role[] = {
	ROLE_BADGE_LIVE, ROLE_BADGE_DRILL, ROLE_BADGE_DRY_RUN, ROLE_BADGE_TRAINING,
};

/* --- primitives --- */

/* Puts s cut to width columns; returns the columns used. */
int
ui_put(struct ui *ui, int y, int x, int width, enum theme_role role, const char *s)
{
	size_t n;

	if (width <= 0 || y < 0 || y >= LINES)
		return 0;
	n = ui_text_fit(s, width);
	attrset(ui_style(ui, role));
	mvaddnstr(y, x, s, (int)n);
	return ui_text_width(s, n);
}

void
ui_fill(struct ui *ui, int y, int x, int width, enum theme_role role)
{
	if (width <= 0)
		return;
	attrset(ui_style(ui, role));
	mvhline(y, x, ' ', width);
}

static void
draw_hline(struct ui *ui, int y, int x, int width, enum theme_role role)
{
	attrset(ui_style(ui, role));
	for (int i = 0; i < width; i++)
		mvaddstr(y, x + i, ui->g.hline);
}

/* Watching: the journal's chain broke at this line, 0 not. */
static int64_t
chain_break(const struct ui *ui)
{
	return ui->w != NULL ? follow_run(ui->w->f)->chain_break : 0;
}

static int
banners(const struct ui *ui)
{
	return (ui_view_journal_error(ui) != NULL) + ui->finished + (chain_break(ui) > 0) +
	    ui_timeline_banner_rows(ui);
}

static void
layout(const struct ui *ui, struct layout *l)
{
	l->keybar_y = LINES - 1;
	l->message_y = LINES - 2;
	l->timeline_h = LINES >= 36 ? 8 : LINES >= 28 ? 6 : 4;
	l->timeline_y = l->message_y - l->timeline_h - 1;
	l->top = 1 + banners(ui);
	l->body = l->timeline_y - l->top;
	l->list_w = COLS * 2 / 5;
	if (l->list_w < 30)
		l->list_w = 30;
	if (l->list_w > 56)
		l->list_w = 56;
}

int
ui_body_rows(const struct ui *ui)
{
	struct layout l;

	layout(ui, &l);
	return l.body;
}

/* --- the top bar and banners --- */

/* Green under three quarters of the RTO, amber up to it, red past it. */
enum theme_role
ui_rto_role(int64_t elapsed, int64_t rto)
{
	if (rto <= 0 || elapsed * 4 < rto * 3)
		return ROLE_RTO_OK;
	return elapsed <= rto ? ROLE_RTO_WARN : ROLE_RTO_OVER;
}

static int64_t
elapsed_ms(const struct ui *ui)
{
	int64_t now = ui->finished ? ui->finished_wall : clock_wall_ms();
	int64_t d = now - ui_view_started(ui);

	return d < 0 ? 0 : d;
}

/* Attached, the title gives way: which step has the keyboard, how to get
 * it back. */
static void
draw_attached(struct ui *ui, int x, int w)
{
	char buf[UI_TEXT_MAX], key[16];

	ui_key_name(ui_action_info(ACT_DETACH)->keys[0], key, sizeof key);
	snprintf(buf, sizeof buf, " ATTACHED to step %d (%s): keys go to it, %s detaches ", ui->attach_step + 1,
	    ui->rb->steps[ui->attach_step].id, key);
	ui_fill(ui, 0, x, w, ROLE_NOTICE);
	ui_put(ui, 0, x, w, ROLE_NOTICE, buf);
}

static void
draw_top(struct ui *ui)
{
	const struct runbook *rb = ui->rb;
	int64_t el = elapsed_ms(ui);
	char clock[96], e[32], r[32], op[96];
	enum run_mode m = ui_view_mode(ui);
	int x, rw;

	duration_format_clock(el, e, sizeof e);
	if (rb->rto_ms > 0) {
		duration_format(rb->rto_ms, r, sizeof r);
		snprintf(clock, sizeof clock, " RTO %s of %s (%d%%) ", e, r, (int)(el * 100 / rb->rto_ms));
	} else
		snprintf(clock, sizeof clock, " elapsed %s ", e);
	snprintf(op, sizeof op, ui->w != NULL ? " driver %s " : " op %s ", ui_view_operator(ui));
	ui_fill(ui, 0, 0, COLS, ROLE_TITLE);
	rw = ui_text_width(clock, strlen(clock));
	ui_put(ui, 0, COLS - rw, rw, ui_rto_role(el, rb->rto_ms), clock);
	x = ui->w != NULL ? ui_put(ui, 0, 0, COLS / 2, ROLE_NOTICE, " WATCHING (read-only) ") : 0;
	x += ui_put(ui, 0, x, COLS / 2, badge_role[m], badge_text[m]);
	if (ui->attached) {
		draw_attached(ui, x, COLS - rw - x);
		return;
	}
	x += ui_put(ui, 0, x, COLS - rw - x, ROLE_TITLE, op);
	ui_put(ui, 0, x + 1, COLS - rw - x - 2, ROLE_TITLE, rb->title.s);
}

static void
draw_banners(struct ui *ui)
{
	const char *jerr = ui_view_journal_error(ui);
	char buf[512], e[32], r[32];
	int y = 1;
	int64_t el = elapsed_ms(ui), rto = ui->rb->rto_ms;

	if (jerr != NULL) {
		snprintf(buf, sizeof buf, " JOURNAL NOT WRITTEN: %s. No step will start until it is. ", jerr);
		ui_fill(ui, y, 0, COLS, ROLE_NOTICE);
		ui_put(ui, y++, 0, COLS, ROLE_NOTICE, buf);
	}
	if (chain_break(ui) > 0) {
		snprintf(buf, sizeof buf, " JOURNAL CHAIN BROKEN at line %lld: check it with drconsole verify ",
		    (long long)chain_break(ui));
		ui_fill(ui, y, 0, COLS, ROLE_DANGER);
		ui_put(ui, y++, 0, COLS, ROLE_DANGER, buf);
	}
	if (ui_timeline_banner_rows(ui))
		ui_timeline_banner(ui, y++);
	if (!ui->finished)
		return;
	duration_format_clock(el, e, sizeof e);
	duration_format(rto, r, sizeof r);
	/* The RTO is about recovering: only a completed run is within it. */
	if (strcmp(ui->outcome, "completed") != 0)
		rto = 0;
	snprintf(buf, sizeof buf, " RUN %s in %s%s%s%s. Incident: %s  (q quits) ", ui->outcome, e,
	    rto <= 0 ? "" : el <= rto ? ", within the RTO of " : ", PAST the RTO of ", rto > 0 ? r : "",
	    "", ui_view_incident(ui));
	for (char *p = buf + 5; *p != ' '; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	ui_fill(ui, y, 0, COLS, strcmp(ui->outcome, "completed") == 0 ? ROLE_STATUS_OK : ROLE_STATUS_FAILED);
	ui_put(ui, y, 0, COLS, strcmp(ui->outcome, "completed") == 0 ? ROLE_STATUS_OK : ROLE_STATUS_FAILED, buf);
}

/* --- the checklist --- */

struct row {
	int step;		/* -1: a phase heading */
	const char *phase;
};

static int
build_rows(const struct ui *ui, struct row *rows, int *sel_row)
{
	const char *prev = NULL;
	int n = 0;

	for (int i = 0; i < ui->rb->nsteps; i++) {
		const char *ph = runbook_step_phase(ui->rb, i);

		if (ph != NULL && ph != prev)
			rows[n++] = (struct row){ -1, ph };
		prev = ph;
		if (i == ui->sel)
			*sel_row = n;
		rows[n++] = (struct row){ i, ph };
	}
	return n;
}

/* "2/3 ok, 1 unreachable": how a remote step's hosts stand. */
static int
host_summary(const struct ui *ui, int i, char *buf, size_t len)
{
	struct host_status hs[UI_HOSTS_MAX];
	int n = ui_step_hosts(ui, i, hs), ok = 0, used;
	size_t off;

	if (n == 0)
		return 0;
	for (int k = 0; k < n; k++)
		ok += hs[k].ok;
	used = snprintf(buf, len, " %d/%d ok", ok, n);
	off = used > 0 && (size_t)used < len ? (size_t)used : len - 1;
	/* Each other status once, with its count, in host order. */
	for (int k = 0; k < n && off + 1 < len; k++) {
		int count = 0, seen = 0;

		if (hs[k].ok)
			continue;
		for (int j = 0; j < n; j++) {
			seen |= j < k && !hs[j].ok && strcmp(hs[j].status, hs[k].status) == 0;
			count += !hs[j].ok && strcmp(hs[j].status, hs[k].status) == 0;
		}
		if (!seen)
			off += (size_t)snprintf(buf + off, len - off, ", %d %s", count, hs[k].status);
	}
	if (off + 1 < len)
		snprintf(buf + off, len - off, " ");
	return 1;
}

static void
step_right(const struct ui *ui, int i, char *buf, size_t len)
{
	const struct step_state *st = ui_view_step(ui, i);
	char d[32] = "";

	if (ui_wait_left(ui, i, d, sizeof d)) {
		snprintf(buf, len, " %.*s left ", (int)strcspn(d, " "), d);
		return;
	}
	if (host_summary(ui, i, buf, len))
		return;

	ui_step_time(buf, len, st->status, st->attempt, st->duration_ms, st->started_wall);
}

void
ui_step_time(char *buf, size_t len, enum step_status status, int attempt, int64_t duration_ms,
    int64_t since_wall)
{
	char d[32] = "";
	int64_t ms = duration_ms;

	if (status == STEP_RUNNING && since_wall > 0)
		ms = clock_wall_ms() - since_wall;
	if (attempt > 0 && (status == STEP_RUNNING || step_status_final(status)))
		duration_format(ms < 0 ? 0 : ms, d, sizeof d);
	if (attempt > 1)
		snprintf(buf, len, " x%d %s ", attempt, d);
	else
		snprintf(buf, len, " %s ", d);
}

void
ui_pane_span(char *buf, size_t len, int follow, int64_t first, int64_t last, int64_t total)
{
	if (follow)
		snprintf(buf, len, " %lld line%s, following ", (long long)total, total == 1 ? "" : "s");
	else
		snprintf(buf, len, " lines %lld-%lld of %lld ", (long long)(total ? first + 1 : 0),
		    (long long)last, (long long)total);
}

int64_t
ui_pane_first(int follow, int64_t want, int64_t dropped, int64_t total, int rows)
{
	int64_t first = follow ? total - rows : want;

	if (first > total - rows)
		first = total - rows;
	return first < dropped ? dropped : first;
}

int
ui_step_overdue(const struct ui *ui, int i)
{
	const struct step_state *st = ui_view_step(ui, i);
	int64_t expected = ui->rb->steps[i].expected_duration_ms;

	return expected > 0 && st->status == STEP_RUNNING && st->started_wall > 0 &&
	    clock_wall_ms() - st->started_wall > expected;
}

static void
draw_step_row(struct ui *ui, int y, int w, int i)
{
	const struct step_state *st = ui_view_step(ui, i);
	int selected = i == ui->sel;
	enum theme_role base = selected ? (ui->focus == FOCUS_LIST ? ROLE_SELECTION : ROLE_SELECTION_INACTIVE) :
	    ROLE_NORMAL;
	const char *mark = st->status == STEP_RUNNING ? ui->g.spinner[ui->spin % 4] : ui->g.mark[st->status];
	char right[96], num[16], *title;
	int x, rw;

	ui_fill(ui, y, 0, w, base);
	ui_put(ui, y, 0, 1, base, selected ? ui->g.sel : " ");
	ui_put(ui, y, 2, 1, selected ? base : ui_status_role(st->status), mark);
	snprintf(num, sizeof num, "%2d ", i + 1);
	x = 4 + ui_put(ui, y, 4, 3, base, num);
	step_right(ui, i, right, sizeof right);
	rw = ui_text_width(right, strlen(right));
	/* Titles may use templates ("Restore to {{ target_time }}"). */
	title = ui_view_text(ui, i, ui->rb->steps[i].title.s);
	ui_put(ui, y, x, w - x - rw, base, title);
	free(title);
	ui_put(ui, y, w - rw, rw, ui_step_overdue(ui, i) ? ROLE_RTO_OVER : selected ? base : ROLE_DIM, right);
}

static void
draw_list(struct ui *ui, const struct layout *l)
{
	struct row *rows = xcalloc((size_t)ui->rb->nsteps * 2 + 1, sizeof *rows);
	int sel_row = 0, n = build_rows(ui, rows, &sel_row), h = l->body - 1, done = 0;
	char title[64];

	for (int i = 0; i < ui->rb->nsteps; i++)
		done += step_status_final(ui_view_step(ui, i)->status);
	snprintf(title, sizeof title, " Checklist  %d/%d ended ", done, ui->rb->nsteps);
	ui_fill(ui, l->top, 0, l->list_w, ui->focus == FOCUS_LIST ? ROLE_SELECTION : ROLE_BORDER);
	ui_put(ui, l->top, 0, l->list_w, ui->focus == FOCUS_LIST ? ROLE_SELECTION : ROLE_BORDER, title);
	/* The selected row always shows; the heading over a phase's first
	 * step with it when there is room. */
	if (sel_row >= ui->list_top + h)
		ui->list_top = sel_row - h + 1;
	if (sel_row > 0 && rows[sel_row - 1].step < 0 && h > 1)
		sel_row--;
	if (sel_row < ui->list_top)
		ui->list_top = sel_row;
	for (int r = ui->list_top; r < n && r - ui->list_top < h; r++) {
		int y = l->top + 1 + r - ui->list_top;

		if (rows[r].step < 0)
			ui_put(ui, y, 1, l->list_w - 1, ROLE_PHASE, rows[r].phase);
		else
			draw_step_row(ui, y, l->list_w, rows[r].step);
		ui_mouse_row(ui, y, rows[r].step);
	}
	if (ui->list_top > 0)
		ui_put(ui, l->top + 1, l->list_w - 1, 1, ROLE_DIM, ui->g.up);
	if (n - ui->list_top > h)
		ui_put(ui, l->top + h, l->list_w - 1, 1, ROLE_DIM, ui->g.down);
	free(rows);
}

/* --- the timeline, the message line and the key bar --- */

static void
draw_timeline(struct ui *ui, const struct layout *l)
{
	draw_hline(ui, l->timeline_y, 0, COLS, ROLE_BORDER);
	ui_put(ui, l->timeline_y, 2, COLS - 4, ROLE_BORDER, " Timeline (local / UTC)  Tab twice: all of it ");
	ui_timeline_strip(ui, l->timeline_y + 1, l->timeline_h);
}

static int
keybar_item(struct ui *ui, int y, int x, int key, const char *label)
{
	char name[16];

	if (x >= COLS - 2)
		return x;
	ui_key_name(key, name, sizeof name);
	x += ui_put(ui, y, x, COLS - x, ROLE_HELP_KEY, name);
	x += ui_put(ui, y, x + 1, COLS - x - 1, ROLE_KEYBAR, label) + 3;
	return x;
}

/* The keys that do something now, from the action table (and the open
 * dialog's choices). */
void
ui_draw_keybar(struct ui *ui, int y)
{
	struct dialog *d = ui_dialog_top(ui);
	int x = 1;

	ui_fill(ui, y, 0, COLS, ROLE_KEYBAR);
	if (d == NULL && ui_context(ui) == CTX_ATTACHED) {
		char buf[UI_TEXT_MAX];

		snprintf(buf, sizeof buf, " ATTACHED: typing goes to '%s' ", ui->rb->steps[ui->attach_step].id);
		x += ui_put(ui, y, 0, COLS, ROLE_NOTICE, buf) + 1;
	}
	if (d != NULL) {
		for (int c = 0; c < d->nchoices; c++) {
			char word[32];

			/* The first word: the dialog itself spells the choice out. */
			snprintf(word, sizeof word, "%.*s", (int)strcspn(d->choices[c].label, " "),
			    d->choices[c].label);
			x = keybar_item(ui, y, x, d->choices[c].key, word);
		}
		if (d->nchoices > 0)
			x = keybar_item(ui, y, x, UI_KEY_ENTER, "choose");
	}
	for (int a = 0; a < ACT_COUNT; a++) {
		if (a == ACT_CHOOSE || !ui_action_applies(ui, (enum ui_action)a))
			continue;
		x = keybar_item(ui, y, x, ui_action_info((enum ui_action)a)->keys[0],
		    ui_action_info((enum ui_action)a)->bar);
	}
}

static void
draw_message(struct ui *ui, const struct layout *l)
{
	char buf[UI_TEXT_MAX + 16];

	if (ui->message[0] != '\0') {
		ui_put(ui, l->message_y, 1, COLS - 2, ROLE_NOTICE, ui->message);
		return;
	}
	if (ui->w != NULL && ui_watch_problem(ui) != NULL)
		snprintf(buf, sizeof buf, "%s", ui_watch_problem(ui));
	else
		snprintf(buf, sizeof buf, "incident %s", ui_view_incident(ui));
	ui_put(ui, l->message_y, 1, COLS - 2, ROLE_DIM, buf);
}

void
ui_draw_run(struct ui *ui)
{
	struct layout l;

	ui_timeline_poll(ui);	/* an inject's banner takes a row */
	layout(ui, &l);
	ui_mouse_layout(ui, l.list_w);
	draw_top(ui);
	draw_banners(ui);
	if (ui->rb->nsteps == 0) {
		/* Watching an incident whose run has not named a step yet. */
		ui_put(ui, l.top + 1, 2, COLS - 4, ROLE_DIM, "no step yet: the journal names none");
		draw_message(ui, &l);
		ui_draw_keybar(ui, l.keybar_y);
		return;
	}
	if (ui->zoom) {
		/* The pane alone, down to the message line. */
		ui_draw_pane(ui, l.top, 0, COLS, l.message_y - l.top);
		draw_message(ui, &l);
		ui_draw_keybar(ui, l.keybar_y);
		return;
	}
	draw_list(ui, &l);
	attrset(ui_style(ui, ROLE_BORDER));
	for (int y = l.top; y < l.top + l.body; y++)
		mvaddstr(y, l.list_w, ui->g.vline);
	if (ui->focus == FOCUS_TIMELINE)
		ui_timeline_pane(ui, l.top, l.list_w + 1, COLS - l.list_w - 1, l.body);
	else
		ui_draw_pane(ui, l.top, l.list_w + 1, COLS - l.list_w - 1, l.body);
	draw_timeline(ui, &l);
	draw_message(ui, &l);
	ui_draw_keybar(ui, l.keybar_y);
}
