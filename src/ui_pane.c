/* ui_pane.c: the output pane of the selected step: its status, the full
 * command, why it exists, and its scrollback, followed live while it runs
 * or scrolled and searched. Line positions are absolute (lines ever
 * completed), so scrolling stays put while old lines are dropped. A line
 * is drawn as a terminal would have left it, minus escape sequences, which
 * never reach the screen; an interactive step's unfinished line (its
 * prompt, what is being typed) shows under the last one. */
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "xmalloc.h"

#define WRAP_MAX 6
#define LINE_BUF 1024

static struct outbuf *
pane_out(const struct ui *ui)
{
	return engine_step(ui->e, ui->sel)->out;
}

/* Control characters would take two columns each: show them as spaces. */
static void
clean_line(const char *s, size_t len, char *buf)
{
	size_t n = len < LINE_BUF - 1 ? len : LINE_BUF - 1;

	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 32 || s[i] == 127 ? ' ' : s[i];
	buf[n] = '\0';
}

/* --- one line as a terminal leaves it --- */

/* A line being rendered: the text so far and a cursor in it. */
struct vline {
	char	*buf;		/* NUL-terminated */
	size_t	 cap;		/* buf's size, NUL included */
	size_t	 len;
	size_t	 cur;		/* byte offset of the cursor's character */
};

/* Bytes of the UTF-8 character at p (a stray byte counts as one). */
static size_t
utf8_len(const char *p, size_t avail)
{
	unsigned char c = (unsigned char)p[0];
	size_t want = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : 1, n = 1;

	while (n < want && n < avail && ((unsigned char)p[n] & 0xc0) == 0x80)
		n++;
	return n;
}

/* Writes one character at the cursor, over what is there. */
static void
vline_put(struct vline *v, const char *p, size_t n)
{
	size_t old = v->cur < v->len ? utf8_len(v->buf + v->cur, v->len - v->cur) : 0;

	if (v->len - old + n >= v->cap)
		return;		/* the rest of an overlong line is cut */
	if (n != old)
		memmove(v->buf + v->cur + n, v->buf + v->cur + old, v->len - v->cur - old);
	memcpy(v->buf + v->cur, p, n);
	v->len = v->len - old + n;
	v->cur += n;
	v->buf[v->len] = '\0';
}

static void
vline_back(struct vline *v)
{
	while (v->cur > 0 && ((unsigned char)v->buf[--v->cur] & 0xc0) == 0x80)
		;
}

static void
vline_forward(struct vline *v)
{
	if (v->cur < v->len)
		v->cur += utf8_len(v->buf + v->cur, v->len - v->cur);
	else
		vline_put(v, " ", 1);
}

/* Blanks what is left of the cursor, keeping every column where it was. */
static void
vline_blank_head(struct vline *v)
{
	size_t cells = 0;

	for (size_t k = 0; k < v->cur; k++)
		cells += ((unsigned char)v->buf[k] & 0xc0) != 0x80;
	memmove(v->buf + cells, v->buf + v->cur, v->len - v->cur);
	memset(v->buf, ' ', cells);
	v->len = v->len - v->cur + cells;
	v->cur = cells;
	v->buf[v->len] = '\0';
}

/* The CSI sequences that edit a line: erase (K) and cursor left and right
 * (D, C), as line editors redraw. Colours and the rest are dropped. */
static void
vline_csi(struct vline *v, const char *params, size_t len, char final)
{
	int n = 0;

	if (len > 0 && params[0] != ';' && (params[0] < '0' || params[0] > '9'))
		return;		/* private (ESC [ ? 25 l...) */
	for (size_t k = 0; k < len && params[k] >= '0' && params[k] <= '9' && n < LINE_BUF; k++)
		n = n * 10 + params[k] - '0';
	if (final == 'K' && n >= 1)
		vline_blank_head(v);
	if (final == 'K' && n != 1) {
		v->len = v->cur;
		v->buf[v->len] = '\0';
	}
	for (int k = 0; k < (n > 0 ? n : 1) && (final == 'C' || final == 'D'); k++) {
		if (final == 'C')
			vline_forward(v);
		else
			vline_back(v);
	}
}

/* Skips the escape sequence at s (s[0] is ESC); returns its length. Cut
 * off or malformed, only what was read of it goes: nothing is guessed. */
static size_t
vline_escape(struct vline *v, const char *s, size_t len)
{
	size_t j;

	if (len < 2)
		return len;
	switch (s[1]) {
	case '[':
		for (j = 2; j < len && s[j] >= 0x20 && s[j] <= 0x3f; j++)
			;
		if (j < len && s[j] >= 0x40 && s[j] <= 0x7e) {
			vline_csi(v, s + 2, j - 2, s[j]);
			return j + 1;
		}
		return j;
	case ']': case 'P': case 'X': case '^': case '_':
		/* A string to BEL or ST: a title, a hyperlink's target. */
		for (j = 2; j < len; j++) {
			if (s[j] == '\a')
				return j + 1;
			if (s[j] == '\033')
				return j + 1 < len && s[j + 1] == '\\' ? j + 2 : j;
		}
		return len;
	default:
		/* Charsets, keypad modes, cursor save: intermediates, a final. */
		for (j = 1; j < len && s[j] >= 0x20 && s[j] <= 0x2f; j++)
			;
		return j < len && s[j] >= 0x30 && s[j] <= 0x7e ? j + 1 : j;
	}
}

/*
 * Renders s into out (cap bytes) as a terminal would leave the line: CR
 * goes back to its start, BS one character back, escape sequences do not
 * show, other control characters become spaces (each would take two
 * columns). Returns the cursor's byte offset in out.
 */
static size_t
render_line(const char *s, size_t len, char *out, size_t cap)
{
	struct vline v = { out, cap, 0, 0 };
	size_t i = 0, n;

	out[0] = '\0';
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x1b) {
			i += vline_escape(&v, s + i, len - i);
			continue;
		}
		n = 1;
		if (c == '\r')
			v.cur = 0;
		else if (c == '\b')
			vline_back(&v);
		else if (c == '\a')
			;
		else if (c < 0x20 || c == 0x7f)
			vline_put(&v, " ", 1);
		else {
			n = utf8_len(s + i, len - i);
			vline_put(&v, s + i, n);
		}
		i += n;
	}
	return v.cur;
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
		clean_line(lines[k], lens[k], buf);
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

/* The command the engine ran (secrets masked), else the runbook's. */
static const char *
shown_command(const struct ui *ui, const char **prefix)
{
	const struct step *s = &ui->rb->steps[ui->sel];
	const struct step_state *st = engine_step(ui->e, ui->sel);

	*prefix = "$ ";
	if (st->command != NULL)
		return st->command;
	if (s->action == ACTION_MANUAL) {
		*prefix = "manual: ";
		return s->manual.s ? s->manual.s : "";
	}
	return s->run.s ? s->run.s : step_action_name(s->action);
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
	const struct outbuf *out = pane_out(ui);

	return (int64_t)(outbuf_dropped(out) + outbuf_count(out)) + live_row(ui);
}

/* The first absolute line shown in rows rows. */
static int64_t
first_line(struct ui *ui, int rows)
{
	const struct outbuf *out = pane_out(ui);
	int64_t dropped = (int64_t)outbuf_dropped(out), total = total_lines(ui);
	int64_t first = ui->follow ? total - rows : ui->out_top;

	if (first > total - rows)
		first = total - rows;
	if (first < dropped)
		first = dropped;
	ui->out_top = first;
	return first;
}

static void
draw_rule(struct ui *ui, int y, int x, int w, int64_t first, int rows)
{
	const struct outbuf *out = pane_out(ui);
	/* Completed lines: an unfinished one is not counted until it is. */
	int64_t total = total_lines(ui) - live_row(ui), last = first + rows < total ? first + rows : total;
	char buf[160];

	attrset(ui_style(ui, ROLE_BORDER));
	for (int i = 0; i < w; i++)
		mvaddstr(y, x + i, ui->g.hline);
	if (ui->follow)
		snprintf(buf, sizeof buf, " %lld lines, following ", (long long)total);
	else
		snprintf(buf, sizeof buf, " lines %lld-%lld of %lld ", (long long)(total ? first + 1 : 0),
		    (long long)last, (long long)total);
	if (outbuf_dropped(out) > 0)
		snprintf(buf + strlen(buf) - 1, sizeof buf - strlen(buf) + 1, ", %llu dropped ",
		    (unsigned long long)outbuf_dropped(out));
	ui_put(ui, y, x + 1, w - 2, ROLE_BORDER, buf);
}

static void
draw_line(struct ui *ui, int y, int x, int w, const struct outline *line, int64_t abs)
{
	char buf[LINE_BUF];
	const char *hit;

	render_line(line->text, line->len, buf, sizeof buf);
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
	size_t cur = render_line(ui->live, ui->live_len, buf, sizeof buf);
	int col;

	ui_put(ui, y, x, w, ROLE_NORMAL, buf);
	if (!ui->attached || (col = ui_text_width(buf, cur)) >= w)
		return;
	if (buf[cur] != '\0')
		snprintf(under, sizeof under, "%.*s", (int)utf8_len(buf + cur, strlen(buf + cur)), buf + cur);
	attrset(ui_style(ui, ROLE_NORMAL) | A_REVERSE);
	mvaddstr(y, x + col, under);
}

static void
draw_lines(struct ui *ui, int y, int x, int w, int rows)
{
	const struct outbuf *out = pane_out(ui);
	int64_t dropped = (int64_t)outbuf_dropped(out), first;
	size_t count = outbuf_count(out);
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
			draw_line(ui, y + r, x, w, outbuf_line(out, k), first + r);
		else if (k == count && live_row(ui))
			draw_live(ui, y + r, x, w);
		else
			break;
	}
}

void
ui_draw_pane(struct ui *ui, int top, int x, int w, int h)
{
	const struct step *s = &ui->rb->steps[ui->sel];
	const char *prefix, *cmd = shown_command(ui, &prefix);
	int y = top + 1, rows;

	draw_header(ui, top, x, w);
	y += put_wrapped(ui, y, x + 1, w - 1, 3, ROLE_COMMAND, prefix, cmd);
	if ((ui->show_why || engine_mode(ui->e) == MODE_TRAINING) && s->why.s != NULL)
		y += put_wrapped(ui, y, x + 1, w - 1, h / 4 > 2 ? h / 4 : 2, ROLE_WHY, "why: ", s->why.s);
	rows = top + h - y - 1;
	ui->pane_rows = rows > 0 ? rows : 1;
	ui->pane_cols = w - 1;
	ui_run_sync_pty(ui, ui->pane_cols, ui->pane_rows);
	draw_rule(ui, y, x, w, first_line(ui, ui->pane_rows), ui->pane_rows);
	draw_lines(ui, y + 1, x + 1, w - 1, rows);
}

/* Scrolls by delta lines; reaching the newest line follows again. */
void
ui_output_scroll(struct ui *ui, int64_t delta)
{
	const struct outbuf *out = pane_out(ui);
	int64_t total = total_lines(ui), rows = ui->pane_rows > 0 ? ui->pane_rows : 1;
	int64_t top = first_line(ui, (int)rows) + delta;

	if (top < (int64_t)outbuf_dropped(out))
		top = (int64_t)outbuf_dropped(out);
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
		render_line(line->text, line->len, buf, sizeof buf);
		if (strstr(buf, text) != NULL || strstr(line->text, text) != NULL) {
			ui->match_line = abs;
			ui->follow = 0;
			ui->out_top = abs - ui->pane_rows / 2;
			return;
		}
	}
	ui->match_line = -1;
	snprintf(ui->message, sizeof ui->message, "'%s' is not in the output", text);
}
