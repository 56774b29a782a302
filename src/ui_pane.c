/* ui_pane.c: the output pane of the selected step: its status, the full
 * command, why it exists, and its scrollback, followed live while it runs
 * or scrolled and searched. Line positions are absolute (lines ever
 * completed), so scrolling stays put while old lines are dropped. */
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

static int
total_lines(const struct outbuf *out)
{
	return (int)(outbuf_dropped(out) + outbuf_count(out));
}

/* The first absolute line shown in rows rows. */
static int64_t
first_line(struct ui *ui, int rows)
{
	const struct outbuf *out = pane_out(ui);
	int64_t dropped = (int64_t)outbuf_dropped(out), total = total_lines(out);
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
	int64_t total = total_lines(out), last = first + rows < total ? first + rows : total;
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

	clean_line(line->text, line->len, buf);
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

static void
draw_lines(struct ui *ui, int y, int x, int w, int rows)
{
	const struct outbuf *out = pane_out(ui);
	int64_t dropped = (int64_t)outbuf_dropped(out), first;
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
		const struct outline *line = outbuf_line(out, (size_t)(first - dropped + r));

		if (line == NULL)
			break;
		draw_line(ui, y + r, x, w, line, first + r);
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
	draw_rule(ui, y, x, w, first_line(ui, ui->pane_rows), ui->pane_rows);
	draw_lines(ui, y + 1, x + 1, w - 1, rows);
}

/* Scrolls by delta lines; reaching the newest line follows again. */
void
ui_output_scroll(struct ui *ui, int64_t delta)
{
	const struct outbuf *out = pane_out(ui);
	int64_t total = total_lines(out), rows = ui->pane_rows > 0 ? ui->pane_rows : 1;
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
	int64_t dropped = (int64_t)outbuf_dropped(out), total = total_lines(out);
	int64_t start = ui->match_line >= dropped ? ui->match_line + 1 : ui->out_top;

	if (text[0] == '\0' || total == dropped)
		return;
	if (start < dropped || start >= total)
		start = dropped;
	for (int64_t k = 0; k < total - dropped; k++) {
		int64_t abs = dropped + (start - dropped + k) % (total - dropped);
		const struct outline *line = outbuf_line(out, (size_t)(abs - dropped));

		if (line != NULL && strstr(line->text, text) != NULL) {
			ui->match_line = abs;
			ui->follow = 0;
			ui->out_top = abs - ui->pane_rows / 2;
			return;
		}
	}
	ui->match_line = -1;
	snprintf(ui->message, sizeof ui->message, "'%s' is not in the output", text);
}
