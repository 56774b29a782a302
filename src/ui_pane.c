/* ui_pane.c: the output pane of the selected step: its status, the full
 * command, why it exists, and its scrollback, followed live while it runs
 * or scrolled and searched. Line positions are absolute (lines ever
 * completed), so scrolling stays put while old lines are dropped. A line
 * is drawn as a terminal would have left it, minus escape sequences, which
 * never reach the screen; an interactive step's unfinished line (its
 * prompt, what is being typed) shows under the last one. A remote step
 * lists its hosts under the command, and its lines ("host | ...") can be
 * shown one host at a time; a wait step counts down. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "termsafe.h"
#include "ui.h"
#include "xmalloc.h"

#define WRAP_MAX 6
#define LINE_BUF 1024

static struct outbuf *
pane_out(const struct ui *ui)
{
	return engine_step(ui->e, ui->sel)->out;
}

/* --- hosts and waits --- */

/* Step i's hosts (at most UI_HOSTS_MAX), 0 when it is not remote or has
 * not run. */
int
ui_step_hosts(const struct ui *ui, int i, struct host_status *hs)
{
	int n;

	if (ui->e == NULL || ui->rb->steps[i].on.s == NULL)
		return 0;
	n = engine_step_hosts(ui->e, i, hs, UI_HOSTS_MAX);
	return n < UI_HOSTS_MAX ? n : UI_HOSTS_MAX;
}

/* A countdown's "4:12", or "1:04:12" past an hour. */
static void
format_left(int64_t ms, char *buf, size_t len)
{
	int64_t sec = ms / 1000;

	if (sec >= 3600)
		snprintf(buf, len, "%lld:%02lld:%02lld", (long long)(sec / 3600), (long long)(sec / 60 % 60),
		    (long long)(sec % 60));
	else
		snprintf(buf, len, "%lld:%02lld", (long long)(sec / 60), (long long)(sec % 60));
}

/* "4:12 left of 5:00" while step i waits; 0 when it does not. */
int
ui_wait_left(const struct ui *ui, int i, char *buf, size_t len)
{
	const struct step_state *st = engine_step(ui->e, i);
	int64_t left;
	char l[32], all[32];

	if (ui->rb->steps[i].action != ACTION_WAIT || st->status != STEP_RUNNING || st->wait_until_wall <= 0)
		return 0;
	left = st->wait_until_wall - clock_wall_ms();
	left = left > 0 ? (left + 999) / 1000 * 1000 : 0;	/* 0:00 only at the end */
	format_left(left, l, sizeof l);
	format_left(ui->rb->steps[i].wait_ms, all, sizeof all);
	snprintf(buf, len, "%s left of %s", l, all);
	return 1;
}

/* The picked host's name, or NULL when the pane shows every host. */
static const char *
picked_host(struct ui *ui, int *n)
{
	struct host_status hs[UI_HOSTS_MAX];

	*n = ui_step_hosts(ui, ui->sel, hs);
	if (ui->host_pick > *n)
		ui->host_pick = 0;
	return ui->host_pick > 0 ? hs[ui->host_pick - 1].name : NULL;
}

/* With a host picked, the scrollback lines that are its: "NAME | ...". */
static void
build_pick(struct ui *ui)
{
	const struct outbuf *out = pane_out(ui);
	size_t count = outbuf_count(out), nl;
	const char *name;
	int n;

	ui->pick_n = 0;
	if ((name = picked_host(ui, &n)) == NULL)
		return;
	nl = strlen(name);
	for (size_t k = 0; k < count; k++) {
		const struct outline *line = outbuf_line(out, k);

		if (line == NULL || line->len < nl + 3 || memcmp(line->text, name, nl) != 0 ||
		    memcmp(line->text + nl, " | ", 3) != 0)
			continue;
		if (ui->pick_n == ui->pick_cap) {
			ui->pick_cap = ui->pick_cap ? ui->pick_cap * 2 : 256;
			ui->pick_lines = xreallocarray(ui->pick_lines, ui->pick_cap, sizeof *ui->pick_lines);
		}
		ui->pick_lines[ui->pick_n++] = k;
	}
}

/* All hosts, then each one alone, then all again. */
void
ui_output_next_host(struct ui *ui)
{
	struct host_status hs[UI_HOSTS_MAX];
	int n = ui_step_hosts(ui, ui->sel, hs);

	if (n == 0) {
		snprintf(ui->message, sizeof ui->message, "'%s' has not run on its hosts yet",
		    ui->rb->steps[ui->sel].id);
		return;
	}
	ui->host_pick = (ui->host_pick + 1) % (n + 1);
	ui->follow = 1;
	ui->match_line = -1;
	if (ui->host_pick == 0)
		snprintf(ui->message, sizeof ui->message, "output of all %d hosts", n);
	else
		snprintf(ui->message, sizeof ui->message, "output of %s only (%d of %d); h: next",
		    hs[ui->host_pick - 1].name, ui->host_pick, n);
}

/* What the pane scrolls over: the scrollback, or the picked host's lines. */
static int
view_picked(const struct ui *ui)
{
	return ui->host_pick > 0;
}

static int64_t
view_dropped(const struct ui *ui)
{
	return view_picked(ui) ? 0 : (int64_t)outbuf_dropped(pane_out(ui));
}

static size_t
view_count(const struct ui *ui)
{
	return view_picked(ui) ? ui->pick_n : outbuf_count(pane_out(ui));
}

static const struct outline *
view_line(const struct ui *ui, size_t k)
{
	return outbuf_line(pane_out(ui), view_picked(ui) ? ui->pick_lines[k] : k);
}

/* --- the pane --- */

static int
put_wrapped(struct ui *ui, int y, int x, int w, int max, enum theme_role role, const char *prefix,
    const char *text)
{
	const char *lines[WRAP_MAX];
	size_t lens[WRAP_MAX];
	char *all = xprintf("%s%s", prefix, text), buf[LINE_BUF];
	int n = ui_text_wrap(all, w, lines, lens, max < WRAP_MAX ? max : WRAP_MAX);

	for (int k = 0; k < n; k++) {
		termsafe_clean(lines[k], lens[k], buf, sizeof buf);
		ui_put(ui, y + k, x, w, role, buf);
	}
	free(all);
	return n;
}

static void
draw_header(struct ui *ui, int y, int x, int w)
{
	const struct step *s = &ui->rb->steps[ui->sel];
	const struct step_state *st = engine_step(ui->e, ui->sel);
	enum theme_role role = ui->focus == FOCUS_OUTPUT ? ROLE_SELECTION : ROLE_BORDER;
	char buf[UI_TEXT_MAX * 2];
	int used;

	snprintf(buf, sizeof buf, " %s ", s->id);
	ui_fill(ui, y, x, w, role);
	used = ui_put(ui, y, x, w, role, buf);
	snprintf(buf, sizeof buf, "%s%s%s%s%s%s", st->retry_waiting ? "waiting to retry" :
	    st->rollback_running ? "rolling back" : step_status_name(st->status),
	    st->reason && *st->reason ? ": " : "", st->reason ? st->reason : "",
	    st->rolled_back > 0 ? " (rolled back)" : st->rolled_back < 0 ? " (rollback FAILED)" : "",
	    st->note ? " note: " : "", st->note ? st->note : "");
	used += ui_put(ui, y, x + used, w - used, ui_status_role(st->status), buf);
	if (st->attempt > 1 || s->retries > 0) {
		snprintf(buf, sizeof buf, " attempt %d of %d ", st->attempt, s->retries + 1);
		ui_put(ui, y, x + used + 1, w - used - 1, role, buf);
	}
}

/* The command the engine ran, else what it would run, expanded (secrets
 * masked). The expansion lives until the next call: one pane, one step. */
static const char *
shown_command(const struct ui *ui, const char **prefix)
{
	static char *expanded;
	const struct step *s = &ui->rb->steps[ui->sel];
	const struct step_state *st = engine_step(ui->e, ui->sel);

	*prefix = s->action == ACTION_MANUAL ? "manual: " : "$ ";
	if (st->command != NULL && s->action != ACTION_MANUAL)
		return st->command;
	free(expanded);
	expanded = engine_display_command(ui->e, ui->sel);
	return expanded;
}

/* 1 when the selected step's unfinished line gets a row: it runs, and it
 * printed something after its last newline or the keyboard is its. */
static int
live_row(const struct ui *ui)
{
	const struct step_state *st = engine_step(ui->e, ui->sel);

	if (ui->live_step != ui->sel || (st->status != STEP_RUNNING && !st->rollback_running))
		return 0;
	return ui->live_len > 0 || (ui->attached && ui->attach_step == ui->sel);
}

/* Rows the pane could show: every line ever completed, and the live one. */
static int64_t
total_lines(const struct ui *ui)
{
	if (view_picked(ui))
		return (int64_t)ui->pick_n;
	return view_dropped(ui) + (int64_t)view_count(ui) + live_row(ui);
}

/* The first absolute line shown in rows rows. */
static int64_t
first_line(struct ui *ui, int rows)
{
	ui->out_top = ui_pane_first(ui->follow, ui->out_top, view_dropped(ui), total_lines(ui), rows);
	return ui->out_top;
}

static void
draw_rule(struct ui *ui, int y, int x, int w, int64_t first, int rows)
{
	const struct outbuf *out = pane_out(ui);
	/* Completed lines: an unfinished one is not counted until it is. */
	int64_t total = total_lines(ui) - (view_picked(ui) ? 0 : live_row(ui));
	int64_t last = first + rows < total ? first + rows : total;
	char buf[160];
	const char *host;
	int n;

	attrset(ui_style(ui, ROLE_BORDER));
	for (int i = 0; i < w; i++)
		mvaddstr(y, x + i, ui->g.hline);
	ui_pane_span(buf, sizeof buf, ui->follow, first, last, total);
	if ((host = picked_host(ui, &n)) != NULL)
		snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, ", host %s only (%d of %d, h: next) ",
		    host, ui->host_pick, n);
	else if (n > 0)
		snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, ", all %d hosts (h: one) ", n);
	if (outbuf_dropped(out) > 0 && host == NULL)
		snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, ", %llu dropped ",
		    (unsigned long long)outbuf_dropped(out));
	ui_put(ui, y, x + 1, w - 2, ROLE_BORDER, buf);
}

static void
draw_line(struct ui *ui, int y, int x, int w, const struct outline *line, int64_t abs)
{
	char buf[LINE_BUF];
	const char *hit;

	termsafe_render(line->text, line->len, buf, sizeof buf);
	ui_put(ui, y, x, w, line->stream == 2 ? ROLE_STDERR : ROLE_NORMAL, buf);
	if (abs != ui->match_line || ui->search[0] == '\0' || (hit = strstr(buf, ui->search)) == NULL)
		return;
	{
		int off = ui_text_width(buf, (size_t)(hit - buf));
		char m[UI_TEXT_MAX];

		snprintf(m, sizeof m, "%.*s", (int)strlen(ui->search), hit);
		ui_put(ui, y, x + off, w - off, ROLE_SEARCH_MATCH, m);
	}
}

/* The unfinished line; attached, with a block where the next key lands. */
static void
draw_live(struct ui *ui, int y, int x, int w)
{
	char buf[LINE_BUF], under[8] = " ";
	size_t cur = termsafe_render(ui->live, ui->live_len, buf, sizeof buf);
	int col;

	ui_put(ui, y, x, w, ROLE_NORMAL, buf);
	if (!ui->attached || (col = ui_text_width(buf, cur)) >= w)
		return;
	if (buf[cur] != '\0')
		snprintf(under, sizeof under, "%.*s", (int)termsafe_utf8_len(buf + cur, strlen(buf + cur)), buf + cur);
	attrset(ui_style(ui, ROLE_NORMAL) | A_REVERSE);
	mvaddstr(y, x + col, under);
}

static void
draw_lines(struct ui *ui, int y, int x, int w, int rows)
{
	int64_t dropped = view_dropped(ui), first;
	size_t count = view_count(ui);
	char buf[96];

	if (rows <= 0)
		return;
	first = first_line(ui, rows);
	if (first == dropped && dropped > 0) {
		snprintf(buf, sizeof buf, "%s %lld earlier lines dropped", ui->g.ellipsis, (long long)dropped);
		ui_put(ui, y++, x, w, ROLE_DIM, buf);
		rows--;
	}
	for (int r = 0; r < rows; r++) {
		size_t k = (size_t)(first - dropped + r);

		if (k < count)
			draw_line(ui, y + r, x, w, view_line(ui, k), view_picked(ui) ? -1 : first + r);
		else if (k == count && live_row(ui) && !view_picked(ui))
			draw_live(ui, y + r, x, w);
		else
			break;
	}
}

/* One row per host: status, exit and duration; the picked one marked. */
static int
draw_hosts(struct ui *ui, int y, int x, int w, int max)
{
	struct host_status hs[UI_HOSTS_MAX];
	int n = ui_step_hosts(ui, ui->sel, hs), shown = n <= max ? n : max - 1;
	char buf[UI_TEXT_MAX], d[32], ex[16];

	for (int k = 0; k < shown; k++) {
		duration_format(hs[k].duration_ms, d, sizeof d);
		snprintf(ex, sizeof ex, "exit %d", hs[k].exit_code);
		snprintf(buf, sizeof buf, "%s %-16s %-12s %-8s %s", ui->host_pick == k + 1 ? ui->g.sel : " ",
		    hs[k].name, hs[k].status, hs[k].exit_code >= 0 ? ex : "", hs[k].ended ? d : "");
		ui_put(ui, y + k, x, w, !hs[k].ended ? ROLE_NORMAL : hs[k].ok ? ROLE_STATUS_OK :
		    ROLE_STATUS_FAILED, buf);
	}
	if (shown < n) {
		snprintf(buf, sizeof buf, "  %s %d more hosts", ui->g.ellipsis, n - shown);
		ui_put(ui, y + shown++, x, w, ROLE_DIM, buf);
	}
	return shown;
}

/* A wait's countdown, or where an approval stands. */
static int
draw_extra(struct ui *ui, int y, int x, int w)
{
	const struct step *s = &ui->rb->steps[ui->sel];
	char buf[UI_TEXT_MAX * 2], left[64], key[16];
	const char *who = NULL;

	if (ui_wait_left(ui, ui->sel, left, sizeof left)) {
		ui_key_name(ui_action_info(ACT_CANCEL)->keys[0], key, sizeof key);
		snprintf(buf, sizeof buf, "waiting: %s, %s cuts it short", left, key);
		ui_put(ui, y, x, w, ROLE_NOTICE, buf);
		return 1;
	}
	if (s->confirm != CONFIRM_APPROVAL || engine_mode(ui->e) == MODE_DRY_RUN)
		return 0;
	if (engine_step_approved(ui->e, ui->sel, &who))
		snprintf(buf, sizeof buf, "approved by %s", who != NULL ? who : "?");
	else
		snprintf(buf, sizeof buf, "needs a second operator: drconsole approve %s %s",
		    engine_incident_dir(ui->e), s->id);
	ui_put(ui, y, x, w, ROLE_NOTICE, buf);
	return 1;
}

void
ui_draw_pane(struct ui *ui, int top, int x, int w, int h)
{
	const struct step *s = &ui->rb->steps[ui->sel];
	const char *prefix, *cmd = shown_command(ui, &prefix);
	int y = top + 1, rows;

	build_pick(ui);
	draw_header(ui, top, x, w);
	y += put_wrapped(ui, y, x + 1, w - 1, 3, ROLE_COMMAND, prefix, cmd);
	y += draw_extra(ui, y, x + 1, w - 1);
	y += draw_hosts(ui, y, x + 1, w - 1, h / 3 > 2 ? h / 3 : 2);
	if ((ui->show_why || engine_mode(ui->e) == MODE_TRAINING) && s->why.s != NULL)
		y += put_wrapped(ui, y, x + 1, w - 1, h / 4 > 2 ? h / 4 : 2, ROLE_WHY, "why: ", s->why.s);
	rows = top + h - y - 1;
	ui->pane_rows = rows > 0 ? rows : 1;
	ui->pane_cols = w - 1;
	ui_run_sync_pty(ui, ui->pane_cols, ui->pane_rows);
	draw_rule(ui, y, x, w, first_line(ui, ui->pane_rows), ui->pane_rows);
	if (!ui_vterm_draw(ui, y + 1, x + 1, w - 1, rows))
		draw_lines(ui, y + 1, x + 1, w - 1, rows);
}

/* Scrolls by delta lines; reaching the newest line follows again. */
void
ui_output_scroll(struct ui *ui, int64_t delta)
{
	int64_t total, rows = ui->pane_rows > 0 ? ui->pane_rows : 1, top;

	build_pick(ui);
	total = total_lines(ui);
	top = first_line(ui, (int)rows) + delta;
	if (top < view_dropped(ui))
		top = view_dropped(ui);
	ui->follow = top >= total - rows;
	ui->out_top = top;
}

/* Finds the next line holding text, after the last match, wrapping round. */
void
ui_output_search(struct ui *ui, const char *text)
{
	const struct outbuf *out = pane_out(ui);
	int64_t dropped = (int64_t)outbuf_dropped(out), total = dropped + (int64_t)outbuf_count(out);
	int64_t start = ui->match_line >= dropped ? ui->match_line + 1 : ui->out_top;
	char buf[LINE_BUF];

	if (text[0] == '\0' || total == dropped)
		return;
	if (start < dropped || start >= total)
		start = dropped;
	for (int64_t k = 0; k < total - dropped; k++) {
		int64_t abs = dropped + (start - dropped + k) % (total - dropped);
		const struct outline *line = outbuf_line(out, (size_t)(abs - dropped));

		if (line == NULL)
			continue;
		/* What is shown, escapes gone; past what is shown, the text. */
		termsafe_render(line->text, line->len, buf, sizeof buf);
		if (strstr(buf, text) != NULL || strstr(line->text, text) != NULL) {
			ui->match_line = abs;
			ui->host_pick = 0;	/* the match is shown among all hosts */
			ui->follow = 0;
			ui->out_top = abs - ui->pane_rows / 2;
			return;
		}
	}
	ui->match_line = -1;
	snprintf(ui->message, sizeof ui->message, "'%s' is not in the output", text);
}
