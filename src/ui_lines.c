/* ui_lines.c: the scrollback under the pane's header, and the keys that
 * move over it. Line positions are absolute (lines ever completed), so
 * scrolling stays put while old lines are dropped. A line is drawn as a
 * terminal would have left it (termsafe_render: escapes gone, tabs to 8
 * columns, bad bytes as U+FFFD); stderr lines carry a mark in the gutter
 * left of the text. A narrow pane wraps long lines; a wide one (or w)
 * cuts them with a mark and scrolls sideways. The unfinished last line
 * shows live: an interactive step's prompt, a progress bar between its
 * CRs. After the selected step ends, its output stays with a line saying
 * what Enter goes on with, until the operator moves. */
#include <stdlib.h>
#include <string.h>

#include "termsafe.h"
#include "ui.h"
#include "xmalloc.h"

#define LINE_BUF UI_LINE_BUF

static struct outbuf *
pane_out(const struct ui *ui)
{
	return ui_view_step(ui, ui->sel)->out;
}

/* --- what the pane scrolls over --- */

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

/* The scrollback, or the picked host's lines. */
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

/* The selected step's unfinished line while it runs: an interactive
 * step's as its terminal shows it (attached, even empty: the cursor is
 * there), else the scrollback's newest (a progress bar, a prompt). */
static const char *
live_text(const struct ui *ui, size_t *len, int *stream)
{
	const struct step_state *st = ui_view_step(ui, ui->sel);

	*stream = 1;
	if (view_picked(ui) || (st->status != STEP_RUNNING && !st->rollback_running))
		return NULL;
	if (ui->live_step == ui->sel) {
		*len = ui->live_len;
		return ui->live_len > 0 || (ui->attached && ui->attach_step == ui->sel) ? ui->live : NULL;
	}
	return outbuf_pending(pane_out(ui), stream, len);
}

static int
live_row(const struct ui *ui)
{
	size_t len;
	int stream;

	return live_text(ui, &len, &stream) != NULL;
}

/* Rows the pane could show: every line ever completed, and the live one. */
static int64_t
total_lines(const struct ui *ui)
{
	if (view_picked(ui))
		return (int64_t)ui->pick_n;
	return view_dropped(ui) + (int64_t)view_count(ui) + live_row(ui);
}

static int
wrapping(const struct ui *ui)
{
	return ui->wrap_mode == UI_WRAP_ON || (ui->wrap_mode == UI_WRAP_AUTO && ui->pane_cols < UI_WRAP_BELOW);
}

/* --- one line as shown --- */

struct shown {
	char buf[LINE_BUF];
	size_t cur;		/* the live line's cursor, a byte offset in buf */
	int stream;
	int live;
	int64_t abs;
};

/* Line abs of the view, rendered; 0 past the end. */
static int
fetch(const struct ui *ui, int64_t abs, struct shown *sh)
{
	int64_t dropped = view_dropped(ui);
	size_t count = view_count(ui), k, len;
	const struct outline *line;
	const char *text;

	if (abs < dropped)
		return 0;
	k = (size_t)(abs - dropped);
	sh->abs = abs;
	sh->live = 0;
	if (k < count && (line = view_line(ui, k)) != NULL) {
		/* Room kept for a mark when the line goes on past what is
		 * shown: past the render buffer, or cut by the scrollback. */
		sh->cur = termsafe_render(line->text, line->len, sh->buf, sizeof sh->buf - 8);
		sh->stream = line->stream;
		if (line->cont || strlen(sh->buf) + 1 >= sizeof sh->buf - 8)
			strcat(sh->buf, ui->g.ellipsis);
		return 1;
	}
	if (k != count || (text = live_text(ui, &len, &sh->stream)) == NULL)
		return 0;
	sh->cur = termsafe_render(text, len, sh->buf, sizeof sh->buf);
	sh->live = 1;
	return 1;
}

/* Bytes of the next row of s at w columns: at least one character. */
static size_t
row_bytes(const char *s, int w)
{
	size_t n = ui_text_fit(s, w);

	return n > 0 || *s == '\0' ? n : termsafe_utf8_len(s, strlen(s));
}

/* Rows s takes wrapped at w columns (an empty line takes one). */
static int
wrapped_rows(const char *s, int w)
{
	int n = 0;

	do {
		s += row_bytes(s, w);
		n++;
	} while (*s != '\0');
	return n;
}

/* The first absolute line shown in rows rows of w columns. Following and
 * wrapping, as many of the newest lines as fit, each whole if it can. */
static int64_t
first_line(struct ui *ui, int rows, int w)
{
	int64_t total = total_lines(ui), dropped = view_dropped(ui), first = total;
	struct shown *sh;
	int used = 0;

	if (!ui->follow || !wrapping(ui)) {
		ui->out_top = ui_pane_first(ui->follow, ui->out_top, dropped, total, rows);
		return ui->out_top;
	}
	sh = xmalloc(sizeof *sh);
	while (first > dropped && used < rows && fetch(ui, first - 1, sh)) {
		int r = wrapped_rows(sh->buf, w);

		if (used > 0 && used + r > rows)
			break;
		used += r;
		first--;
	}
	free(sh);
	ui->out_top = first;
	return first;
}

/* --- drawing --- */

/* n bytes of s at (y, x); the search's match lit where it falls in them;
 * the attached cursor as a block. */
static void
draw_piece(struct ui *ui, int y, int x, int w, const struct shown *sh, const char *s, size_t n,
    const char *hit, int last)
{
	char piece[LINE_BUF], under[8] = " ";
	size_t off = (size_t)(s - sh->buf), hlen = strlen(ui->search);

	snprintf(piece, sizeof piece, "%.*s", (int)n, s);
	ui_put(ui, y, x, w, sh->stream == 2 ? ROLE_STDERR : ROLE_NORMAL, piece);
	if (hit != NULL && hit < s + n && hit + hlen > s) {
		const char *from = hit > s ? hit : s;
		size_t upto = (size_t)((hit + hlen < s + n ? hit + hlen : s + n) - from);
		int col = ui_text_width(s, (size_t)(from - s));

		snprintf(piece, sizeof piece, "%.*s", (int)upto, from);
		ui_put(ui, y, x + col, w - col, ROLE_SEARCH_MATCH, piece);
	}
	if (sh->live && ui->attached && sh->cur >= off && (sh->cur < off + n || (last && sh->cur == off + n))) {
		int col = ui_text_width(s, sh->cur - off);

		if (col >= w)
			return;
		if (sh->buf[sh->cur] != '\0')
			snprintf(under, sizeof under, "%.*s",
			    (int)termsafe_utf8_len(sh->buf + sh->cur, strlen(sh->buf + sh->cur)), sh->buf + sh->cur);
		attrset(ui_style(ui, ROLE_NORMAL) | A_REVERSE);
		mvaddstr(y, x + col, under);
	}
}

/* One line in at most max rows from y; returns the rows used. Wrapped, or
 * cut at the pane's edge with a mark, scrolled sideways by hscroll. */
static int
draw_shown(struct ui *ui, int y, int x, int w, int max, const struct shown *sh)
{
	const char *hit = NULL, *s = sh->buf;
	int r = 0;
	size_t n;

	if (sh->abs == ui->match_line && ui->search[0] != '\0')
		hit = strstr(sh->buf, ui->search);
	if (sh->stream == 2)
		ui_put(ui, y, x - 1, 1, ROLE_STDERR, ui->utf8 ? "\xe2\x96\x8c" : "!");	/* ▌ */
	if (wrapping(ui)) {
		do {
			n = row_bytes(s, w);
			draw_piece(ui, y + r, x, w, sh, s, n, hit, s[n] == '\0');
			s += n;
			r++;
		} while (*s != '\0' && r < max);
		if (*s != '\0')
			ui_put(ui, y + r - 1, x + w - 1, 1, ROLE_DIM, ui->g.ellipsis);
		return r;
	}
	n = ui_text_fit(s, ui->hscroll);
	s += n;
	if (ui_text_width(s, strlen(s)) > w) {
		n = ui_text_fit(s, w - 1);
		draw_piece(ui, y, x, w - 1, sh, s, n, hit, 0);
		ui_put(ui, y, x + ui_text_width(s, n), 1, ROLE_DIM, ui->g.ellipsis);
	} else
		draw_piece(ui, y, x, w, sh, s, strlen(s), hit, 1);
	if (s > sh->buf)
		ui_put(ui, y, x, 1, ROLE_DIM, ui->g.ellipsis);
	return 1;
}

static void
draw_rule(struct ui *ui, int y, int x, int w, int64_t first, int64_t last)
{
	const struct outbuf *out = pane_out(ui);
	/* Completed lines: an unfinished one is not counted until it is. */
	int64_t total = total_lines(ui) - live_row(ui);
	char buf[200];
	const char *host;
	int n;

	attrset(ui_style(ui, ROLE_BORDER));
	for (int i = 0; i < w; i++)
		mvaddstr(y, x + i, ui->g.hline);
	ui_pane_span(buf, sizeof buf, ui->follow, first, last < total ? last : total, total);
	if ((host = picked_host(ui, &n)) != NULL)
		snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, ", host %s only (%d of %d, h: next) ",
		    host, ui->host_pick, n);
	else if (n > 0)
		snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, ", all %d hosts (h: one) ", n);
	if (outbuf_dropped(out) > 0 && host == NULL)
		snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, ", %llu dropped ",
		    (unsigned long long)outbuf_dropped(out));
	if (!wrapping(ui) && ui->hscroll > 0)
		snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, ", from column %d ", ui->hscroll + 1);
	ui_put(ui, y, x + 1, w - 2, ROLE_BORDER, buf);
}

/* The step Enter goes on with, while the pane holds an ended step: until
 * the selection moves, and while that step still waits. */
int
ui_pane_held_next(const struct ui *ui)
{
	if (ui->held_step < 0 || ui->held_step != ui->sel || ui->finished || ui->held_next == ui->sel ||
	    !ui_run_needs_operator(ui, ui->held_next))
		return -1;
	return ui->held_next;
}

static void
draw_held(struct ui *ui, int y, int x, int w)
{
	char buf[UI_TEXT_MAX], key[16];
	int next = ui_pane_held_next(ui);

	ui_key_name(ui_action_info(ACT_RUN)->keys[0], key, sizeof key);
	snprintf(buf, sizeof buf, "next: step %d (%s) %s %s", next + 1, ui->rb->steps[next].id,
	    ui->utf8 ? "\xe2\x80\x94" : "-", key);
	ui_put(ui, y, x, w, ROLE_NOTICE, buf);
}

/* The rule over the scrollback at y, then its lines in rows rows. */
void
ui_lines_draw(struct ui *ui, int y, int x, int w, int rows)
{
	int64_t dropped, first, abs;
	int hold = ui_pane_held_next(ui) >= 0, r = 0;
	struct shown *sh = xmalloc(sizeof *sh);
	char buf[96];

	build_pick(ui);
	rows -= hold;
	ui->pane_rows = rows > 0 ? rows : 1;
	ui->pane_cols = w - 1;
	dropped = view_dropped(ui);
	first = abs = first_line(ui, ui->pane_rows, w - 1);
	/* An interactive step's emulated terminal takes the rows instead. */
	if (ui_vterm_draw(ui, y + 1, x + 1, w - 1, rows)) {
		draw_rule(ui, y, x, w, first, first + ui->pane_rows);
		free(sh);
		return;
	}
	if (first == dropped && dropped > 0 && rows > 0) {
		snprintf(buf, sizeof buf, "%s %lld earlier lines dropped", ui->g.ellipsis, (long long)dropped);
		ui_put(ui, y + 1 + r++, x + 1, w - 1, ROLE_DIM, buf);
	}
	while (r < rows && fetch(ui, abs, sh)) {
		r += draw_shown(ui, y + 1 + r, x + 1, w - 1, rows - r, sh);
		abs++;
	}
	if (hold)
		draw_held(ui, y + 1 + r, x + 1, w - 1);
	draw_rule(ui, y, x, w, first, abs - (sh->live && abs > first));
	free(sh);
}

/* --- moving over it --- */

/* Scrolls by delta lines; reaching the newest line follows again. */
void
ui_output_scroll(struct ui *ui, int64_t delta)
{
	int64_t total, rows = ui->pane_rows > 0 ? ui->pane_rows : 1, top;

	build_pick(ui);
	total = total_lines(ui);
	top = first_line(ui, (int)rows, ui->pane_cols) + delta;
	if (top < view_dropped(ui))
		top = view_dropped(ui);
	ui->follow = top >= total - rows;
	ui->out_top = top;
}

/* Cut lines: the match's columns come into view. */
static void
show_column(struct ui *ui, const char *buf, const char *hit)
{
	int col = ui_text_width(buf, (size_t)(hit - buf)), len = ui_text_width(ui->search, strlen(ui->search));

	if (wrapping(ui) || (col >= ui->hscroll && col + len <= ui->hscroll + ui->pane_cols - 1))
		return;
	ui->hscroll = col - ui->pane_cols / 4 > 0 ? col - ui->pane_cols / 4 : 0;
}

void
ui_output_search_dir(struct ui *ui, const char *text, int dir)
{
	const struct outbuf *out = pane_out(ui);
	int64_t dropped = (int64_t)outbuf_dropped(out), n = (int64_t)outbuf_count(out);
	int64_t start = ui->match_line >= dropped ? ui->match_line + dir : dir > 0 ? ui->out_top :
	    ui->out_top + ui->pane_rows - 1;
	char buf[LINE_BUF];
	const char *hit;

	if (text[0] == '\0' || n == 0)
		return;
	for (int64_t k = 0; k < n; k++) {
		int64_t at = ((start - dropped + dir * k) % n + n) % n;
		const struct outline *line = outbuf_line(out, (size_t)at);

		if (line == NULL)
			continue;
		/* What is shown, escapes gone; past what is shown, the text. */
		termsafe_render(line->text, line->len, buf, sizeof buf);
		if ((hit = strstr(buf, text)) != NULL || strstr(line->text, text) != NULL) {
			ui->match_line = dropped + at;
			ui->host_pick = 0;	/* the match is shown among all hosts */
			ui->follow = 0;
			ui->out_top = ui->match_line - ui->pane_rows / 2;
			if (hit != NULL)
				show_column(ui, buf, hit);
			return;
		}
	}
	ui->match_line = -1;
	snprintf(ui->message, sizeof ui->message, "'%s' is not in the output", text);
}

/* Finds the next line holding text, after the last match, wrapping round. */
void
ui_output_search(struct ui *ui, const char *text)
{
	ui_output_search_dir(ui, text, 1);
}

/* A skipped step, or one with nothing to read, lets the selection move
 * on at once, as the checklist goes. */
void
ui_pane_hold(struct ui *ui, int i, int next)
{
	if (ui->sel != i)
		return;
	if (ui_view_step(ui, i)->status == STEP_SKIPPED || outbuf_total(ui_view_step(ui, i)->out) == 0) {
		ui_run_select(ui, next);
		return;
	}
	if (next == i || next < 0)
		return;		/* next_pending gives i back when none is left */
	ui->held_step = i;
	ui->held_next = next;
}

static void
toggle_wrap(struct ui *ui)
{
	char key[16];

	ui->wrap_mode = wrapping(ui) ? UI_WRAP_OFF : UI_WRAP_ON;
	ui->hscroll = 0;
	ui_key_name(ui_action_info(ACT_SCROLL_RIGHT)->keys[0], key, sizeof key);
	snprintf(ui->message, sizeof ui->message, wrapping(ui) ? "long lines wrap" :
	    "long lines are cut where %s marks them: Left and %s scroll", ui->g.ellipsis, key);
}

static void
scroll_sideways(struct ui *ui, int dir)
{
	if (wrapping(ui)) {
		snprintf(ui->message, sizeof ui->message, "lines wrap: w cuts them, then they scroll sideways");
		return;
	}
	ui->hscroll += dir * (ui->pane_cols / 2 > 1 ? ui->pane_cols / 2 : 1);
	if (ui->hscroll < 0)
		ui->hscroll = 0;
}

int
ui_pane_action(struct ui *ui, enum ui_action a)
{
	int next;

	switch (a) {
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		if (ui->search[0] == '\0')
			snprintf(ui->message, sizeof ui->message, "nothing searched yet: / searches");
		else
			ui_output_search_dir(ui, ui->search, a == ACT_SEARCH_NEXT ? 1 : -1);
		return 1;
	case ACT_WRAP: toggle_wrap(ui); return 1;
	case ACT_PAGER: ui_pager_open(ui); return 1;
	case ACT_SCROLL_LEFT: scroll_sideways(ui, -1); return 1;
	case ACT_SCROLL_RIGHT: scroll_sideways(ui, 1); return 1;
	case ACT_ZOOM:
		/* Zoomed, the checklist is hidden: keys move the output. */
		ui->zoom = !ui->zoom;
		ui->focus = ui->zoom ? FOCUS_OUTPUT : ui->focus;
		return 1;
	case ACT_FOCUS:
		/* Checklist, output, timeline; zoomed, the checklist comes back. */
		ui->focus = ui->zoom || ui->focus == FOCUS_TIMELINE ? FOCUS_LIST :
		    ui->focus == FOCUS_LIST ? FOCUS_OUTPUT : FOCUS_TIMELINE;
		ui->zoom = 0;
		return 1;
	case ACT_RUN:
		if (ui_context(ui) != CTX_LIST || (next = ui_pane_held_next(ui)) < 0)
			return 0;
		ui->held_step = -1;
		ui_run_select(ui, next);
		return 0;	/* and run it, as Enter on it does */
	default:
		return 0;
	}
}
