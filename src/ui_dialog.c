/* ui_dialog.c: modal dialogs over any screen: y/n confirmations, text
 * fields (typed confirmation, reasons, notes, search), lists of choices,
 * and the help viewer. They stack (a failure's "skip" asks for a reason on
 * top of it; Esc returns to the failure) and take every key while open.
 *
 * A dialog is, top to bottom: its body (what it is about: the command that
 * would run), a failed step's last output lines, its foot (the timeout,
 * what the keys do), the text field, the choices, an error. Only the body
 * gives way when the screen is short: it scrolls, says "↓ N more lines",
 * and nothing it confirms acts until its last line has been on screen. */
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "xmalloc.h"

#define ROWS_MAX 512	/* rows of a dialog drawn at most: more than a screen */
#define TAIL_MIN 5	/* output lines a failure shows, when it has them */

struct dialog_layout {
	int w, inner, h, top, left;
	int nbody, body_rows;	/* the body's rows, and those shown */
	int cut;		/* it does not all fit: a marker says so */
	int marker_row;		/* the marker's row under the body (else the border) */
	int nfoot, ntail, tail_rows;
};

struct dialog *
ui_dialog_top(struct ui *ui)
{
	return ui->ndialogs > 0 ? &ui->dialogs[ui->ndialogs - 1] : NULL;
}

struct dialog *
ui_dialog_open(struct ui *ui, enum dialog_kind kind, int step, const char *title)
{
	struct dialog *d;

	if (ui->ndialogs == UI_DIALOG_DEPTH)
		ui_dialog_close(ui);
	d = &ui->dialogs[ui->ndialogs++];
	memset(d, 0, sizeof *d);
	d->kind = kind;
	d->step = step;
	snprintf(d->title, sizeof d->title, "%s", title);
	ui->urgent = 1;
	ui_touch(ui);
	return d;
}

void
ui_dialog_close(struct ui *ui)
{
	struct dialog *d = ui_dialog_top(ui);

	if (d == NULL)
		return;
	free(d->body);
	free(d->foot);
	free(d->tail);
	d->body = d->foot = d->tail = NULL;
	ui->ndialogs--;
	ui_touch(ui);
}

void
ui_dialog_add_choice(struct dialog *d, int key, const char *label, int code)
{
	if (d->nchoices == UI_CHOICES_MAX)
		return;
	d->choices[d->nchoices++] = (struct ui_choice){ key, label, code };
}

/* --- layout --- */

static int
is_viewer(const struct dialog *d)
{
	return d->kind == DLG_HELP || d->kind == DLG_MESSAGE;
}

static int
has_field(const struct dialog *d)
{
	static const enum dialog_kind fields[] = {
		DLG_TYPE_CONFIRM, DLG_ATTEST, DLG_SKIP_REASON, DLG_NOTE, DLG_DONE_NOTE, DLG_SEARCH, DLG_DISMISS,
		DLG_INPUT, DLG_INJECT,
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (d->kind == fields[i])
			return 1;
	}
	return 0;
}

/* Rows s takes wrapped to w columns (0 for none). */
static int
wrapped_rows(const char *s, int w)
{
	return s != NULL ? ui_text_rows(s, w) : 0;
}

static int
dialog_width(void)
{
	return COLS - 4 < 78 ? COLS - 4 : 78;
}

int
ui_dialog_inner_width(void)
{
	return dialog_width() - 4;
}

/* Where everything of a dialog goes at the screen's size now. The body
 * gets what the rest leaves; a failure's output at least TAIL_MIN rows. */
static void
dialog_layout(const struct dialog *d, struct dialog_layout *l)
{
	int maxh = LINES - 2, fixed, room;

	memset(l, 0, sizeof *l);
	l->w = dialog_width();
	l->inner = l->w - 4;
	l->nbody = wrapped_rows(d->body, l->inner);
	l->nfoot = wrapped_rows(d->foot, l->inner);
	l->ntail = wrapped_rows(d->tail, l->inner);
	fixed = (l->nfoot > 0 ? l->nfoot + 1 : 0) + (has_field(d) ? 2 : 0) +
	    (d->nchoices > 0 ? d->nchoices + 1 : 0) + (d->error[0] != '\0' ? 1 : 0) +
	    (l->ntail > 0 ? 2 : 0);
	l->h = is_viewer(d) ? LINES - 4 : maxh;
	if (l->h > maxh)
		l->h = maxh;
	room = l->h - 2 - fixed;
	if (l->ntail > 0) {
		l->tail_rows = room - l->nbody < TAIL_MIN ? TAIL_MIN : room - l->nbody;
		if (l->tail_rows > l->ntail)
			l->tail_rows = l->ntail;
		if (l->tail_rows > room - 1)
			l->tail_rows = room - 1 > 0 ? room - 1 : 0;
		room -= l->tail_rows;
	}
	if (l->nbody <= room)
		l->body_rows = l->nbody;
	else {
		/* A viewer says it on its bottom border; a question on a row of
		 * its own, under the text it asks about. */
		l->cut = 1;
		l->marker_row = !is_viewer(d);
		l->body_rows = room - l->marker_row > 0 ? room - l->marker_row : 0;
	}
	if (!is_viewer(d))
		l->h = 2 + fixed + l->tail_rows + l->body_rows + l->marker_row;
	l->top = (LINES - l->h) / 2;
	l->left = (COLS - l->w) / 2;
}

static int
clamp_scroll(const struct dialog_layout *l, int scroll)
{
	int most = l->cut ? l->nbody - l->body_rows : 0;

	return scroll > most ? most : scroll < 0 ? 0 : scroll;
}

/* 1 (and the dialog says so) while d's text is cut and its last line has
 * not been on screen: nothing it confirms may act yet. A text that fits
 * needs no drawing first, so a y typed ahead of a short question still
 * answers it. */
static int
unread(struct dialog *d)
{
	struct dialog_layout l;

	dialog_layout(d, &l);
	if (!l.cut || d->read_all)
		return 0;
	/* Counted with the error's own row taken from the body's. */
	snprintf(d->error, sizeof d->error, "-");
	dialog_layout(d, &l);
	snprintf(d->error, sizeof d->error, "nothing ran: scroll to the end first (%d more lines below)",
	    l.nbody - l.body_rows - clamp_scroll(&l, d->scroll));
	return 1;
}

int
ui_dialog_cut(const struct ui *ui)
{
	struct dialog_layout l;

	if (ui->ndialogs == 0)
		return 0;
	dialog_layout(&ui->dialogs[ui->ndialogs - 1], &l);
	return l.cut;
}

/* --- keys --- */

/* A character a text field takes: j, k, g and q there are text, not keys. */
static int
is_text(int key)
{
	return key >= 32 && key < 256 && key != 127;
}

void
ui_dialog_text_key(struct dialog *d, int key)
{
	if (key == KEY_BACKSPACE) {
		/* Back over a whole UTF-8 character. */
		while (d->len > 0 && ((unsigned char)d->text[--d->len] & 0xc0) == 0x80)
			;
		d->text[d->len] = '\0';
	} else if (is_text(key) && d->len + 1 < sizeof d->text) {
		d->text[d->len++] = (char)key;
		d->text[d->len] = '\0';
	}
	d->error[0] = '\0';
}

/* Every answer but "back out" goes through here. */
static void
accept(struct ui *ui, struct dialog *d, int code)
{
	if (unread(d))
		return;
	if (d->kind == DLG_DISMISS)
		ui_picker_dismiss_done(ui, d);
	else
		ui_run_dialog_done(ui, d, code);
}

static int
choice_key(struct ui *ui, struct dialog *d, int key)
{
	for (int c = 0; c < d->nchoices; c++) {
		if (d->choices[c].key == key) {
			d->sel = c;
			accept(ui, d, d->choices[c].code);
			return 1;
		}
	}
	return 0;
}

void
ui_dialog_key(struct ui *ui, int key)
{
	struct dialog *d = ui_dialog_top(ui);
	unsigned ctx = ui_context(ui);
	enum ui_action a = ui_action_for_key(ctx, key);

	if (ctx == CTX_INPUT && (a == ACT_NONE || is_text(key))) {
		ui_dialog_text_key(d, key);
		return;
	}
	if (ctx == CTX_CHOICE && choice_key(ui, d, key))
		return;
	if (ctx == CTX_CONFIRM && ui_ask_key(ui, d, key))
		return;
	if (a != ACT_NONE)
		ui_dialog_action(ui, a);
}

static void
body_scroll(struct dialog *d, int delta)
{
	struct dialog_layout l;

	dialog_layout(d, &l);
	d->scroll = clamp_scroll(&l, d->scroll + delta);
	d->error[0] = '\0';
}

void
ui_dialog_action(struct ui *ui, enum ui_action a)
{
	struct dialog *d = ui_dialog_top(ui);
	struct dialog_layout l;
	int page;

	dialog_layout(d, &l);
	page = l.body_rows > 1 ? l.body_rows - 1 : 1;
	switch (a) {
	case ACT_CLOSE: case ACT_NO: ui_dialog_close(ui); break;
	case ACT_YES: accept(ui, d, 1); break;
	case ACT_SUBMIT:
		if (d->required && d->len == 0)
			snprintf(d->error, sizeof d->error, "required: type something, or Esc to back out");
		else
			accept(ui, d, 1);
		break;
	case ACT_CHOOSE: accept(ui, d, d->choices[d->sel].code); break;
	case ACT_UP:
		if (d->nchoices == 0)
			body_scroll(d, -1);
		else if (d->sel > 0)
			d->sel--;
		break;
	case ACT_DOWN:
		if (d->nchoices == 0)
			body_scroll(d, 1);
		else if (d->sel + 1 < d->nchoices)
			d->sel++;
		break;
	case ACT_PAGE_UP: body_scroll(d, -page); break;
	case ACT_PAGE_DOWN: body_scroll(d, page); break;
	case ACT_HOME: body_scroll(d, -d->scroll); break;
	case ACT_END: body_scroll(d, l.nbody); break;
	default: break;
	}
}

/* --- drawing --- */

static enum theme_role
title_role(const struct dialog *d)
{
	return d->kind == DLG_TYPE_CONFIRM || d->kind == DLG_FAILURE || d->kind == DLG_INTERRUPTED ?
	    ROLE_DANGER : ROLE_DIALOG_TITLE;
}

static void
draw_frame(struct ui *ui, const struct dialog *d, const struct dialog_layout *l)
{
	attr_t b = ui_style(ui, ROLE_BORDER) | ui_style(ui, ROLE_DIALOG);
	int top = l->top, left = l->left, w = l->w, h = l->h;

	for (int y = top; y < top + h; y++)
		ui_fill(ui, y, left, w, ROLE_DIALOG);
	for (int x = left; x < left + w; x++) {
		attrset(b);
		mvaddstr(top, x, ui->g.hline);
		mvaddstr(top + h - 1, x, ui->g.hline);
	}
	for (int y = top + 1; y < top + h - 1; y++) {
		attrset(b);
		mvaddstr(y, left, ui->g.vline);
		mvaddstr(y, left + w - 1, ui->g.vline);
	}
	mvaddstr(top, left, ui->g.corner[0]);
	mvaddstr(top, left + w - 1, ui->g.corner[1]);
	mvaddstr(top + h - 1, left, ui->g.corner[2]);
	mvaddstr(top + h - 1, left + w - 1, ui->g.corner[3]);
	ui_put(ui, top, left + 2, w - 4, title_role(d), " ");
	ui_put(ui, top, left + 3, w - 6, title_role(d), d->title);
	ui_put(ui, top, left + 3 + ui_text_width(d->title, strlen(d->title)), 1, title_role(d), " ");
}

/* Rows first.. of s wrapped to w, at most rows of them, from row y; the
 * row after them. */
static int
draw_text(struct ui *ui, const char *s, int y, int x, int w, int first, int rows, enum theme_role role)
{
	const char *lines[ROWS_MAX];
	size_t lens[ROWS_MAX];
	int n = s != NULL ? ui_text_wrap_from(s, w, first, lines, lens, rows < ROWS_MAX ? rows : ROWS_MAX) : 0;
	char buf[1024];

	for (int k = 0; k < n; k++) {
		snprintf(buf, sizeof buf, "%.*s", (int)lens[k], lines[k]);
		ui_put(ui, y++, x, w, role, buf);
	}
	return y;
}

/* Under a cut body: how much is hidden, and which keys scroll it (in a
 * text field j and k are text; in a list of choices the arrows choose). */
static void
draw_marker(struct ui *ui, const struct dialog *d, const struct dialog_layout *l, int y, int x)
{
	unsigned ctx = ui_context(ui);
	int below = l->nbody - l->body_rows - d->scroll;
	const char *keys = ctx == CTX_INPUT ? "arrows, PgUp/PgDn" : ctx == CTX_CHOICE ? "PgUp/PgDn" :
	    "arrows, j/k, PgUp/PgDn";
	char buf[UI_TEXT_MAX];

	if (below > 0)
		snprintf(buf, sizeof buf, "%s %d more lines (%s)%s", ui->g.down, below, keys,
		    ctx == CTX_VIEWER || d->read_all ? "" : ": scroll to the end to confirm");
	else
		snprintf(buf, sizeof buf, "%s %d lines above (%s): this is the end", ui->g.up, d->scroll, keys);
	if (l->marker_row)
		ui_put(ui, y, x, l->inner, ROLE_DANGER, buf);
	else
		ui_put(ui, l->top + l->h - 1, x, l->inner, ROLE_DIALOG_TITLE, buf);
}

/* A failed step's newest lines, as many as fit, under a line saying how
 * many of how many they are. */
static int
draw_tail(struct ui *ui, const struct dialog *d, const struct dialog_layout *l, int y, int x)
{
	char buf[UI_TEXT_MAX];

	snprintf(buf, sizeof buf, "the step's last output lines (%llu in all; the pane has them):",
	    (unsigned long long)d->tail_total);
	ui_put(ui, ++y, x, l->inner, ROLE_DIALOG_TITLE, buf);
	return draw_text(ui, d->tail, y + 1, x, l->inner, l->ntail - l->tail_rows, l->tail_rows, ROLE_DIALOG);
}

static void
draw_field(struct ui *ui, const struct dialog *d, int y, int x, int w)
{
	char stars[UI_TEXT_MAX];
	const char *t = d->text;
	int tw;

	/* A secret is typed as stars: one a character, never its bytes. */
	if (d->secret) {
		size_t n = 0;

		for (size_t k = 0; k < d->len && n + 1 < sizeof stars; k++) {
			if (((unsigned char)d->text[k] & 0xc0) != 0x80)
				stars[n++] = '*';
		}
		stars[n] = '\0';
		t = stars;
	}
	tw = ui_text_width(t, strlen(t));

	ui_fill(ui, y, x, w, ROLE_INPUT);
	ui_put(ui, y, x, 2, ROLE_INPUT, "> ");
	/* Show the end of a long entry, where the typing happens. */
	while (tw > w - 4 && *t != '\0') {
		t++;
		tw = ui_text_width(t, strlen(t));
	}
	ui_put(ui, y, x + 2, w - 3, ROLE_INPUT, t);
	ui_put(ui, y, x + 2 + tw, 1, ROLE_SELECTION, " ");
}

static void
draw_choices(struct ui *ui, const struct dialog *d, int y, int x, int w)
{
	char buf[UI_TEXT_MAX];

	for (int c = 0; c < d->nchoices; c++) {
		snprintf(buf, sizeof buf, "%s [%c] %s", c == d->sel ? ui->g.sel : " ", d->choices[c].key,
		    d->choices[c].label);
		if (c == d->sel)
			ui_fill(ui, y + c, x, w, ROLE_SELECTION);
		ui_put(ui, y + c, x, w, c == d->sel ? ROLE_SELECTION : ROLE_DIALOG, buf);
	}
}

static void
draw_one(struct ui *ui, struct dialog *d)
{
	struct dialog_layout l;
	int x, y;

	dialog_layout(d, &l);
	d->scroll = clamp_scroll(&l, d->scroll);
	/* Drawn to its last line: what it confirms has been on screen. */
	if (d->scroll + l.body_rows >= l.nbody)
		d->read_all = 1;
	draw_frame(ui, d, &l);
	x = l.left + 2;
	y = draw_text(ui, d->body, l.top + 1, x, l.inner, d->scroll, l.body_rows, ROLE_DIALOG);
	if (l.cut)
		draw_marker(ui, d, &l, y, x);
	y += l.marker_row;
	if (l.ntail > 0)
		y = draw_tail(ui, d, &l, y, x);
	if (l.nfoot > 0)
		y = draw_text(ui, d->foot, y + 1, x, l.inner, 0, l.nfoot, ROLE_DIALOG);
	if (has_field(d))
		draw_field(ui, d, ++y, x, l.inner), y += 1;
	if (d->nchoices > 0)
		draw_choices(ui, d, ++y, x, l.inner);
	if (d->error[0] != '\0')
		ui_put(ui, l.top + l.h - 2, x, l.inner, ROLE_DANGER, d->error);
}

/* Draws the top dialog (those under it stay hidden: one question at a
 * time). */
void
ui_dialog_draw(struct ui *ui)
{
	struct dialog *d = ui_dialog_top(ui);

	if (d != NULL && d->kind == DLG_APPROVAL)
		ui_run_approval_body(ui, d);
	if (d != NULL)
		draw_one(ui, d);
}
