/* ui_dialog.c: modal dialogs over any screen: y/n confirmations, text
 * fields (typed confirmation, reasons, notes, search), lists of choices,
 * and the help viewer. They stack (a failure's "skip" asks for a reason on
 * top of it; Esc returns to the failure) and take every key while open. */
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "xmalloc.h"

#define WRAP_MAX 400

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
	d->body = NULL;
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

/* --- keys --- */

void
ui_dialog_text_key(struct dialog *d, int key)
{
	if (key == KEY_BACKSPACE) {
		/* Back over a whole UTF-8 character. */
		while (d->len > 0 && ((unsigned char)d->text[--d->len] & 0xc0) == 0x80)
			;
		d->text[d->len] = '\0';
	} else if (key >= 32 && key < 256 && key != 127 && d->len + 1 < sizeof d->text) {
		d->text[d->len++] = (char)key;
		d->text[d->len] = '\0';
	}
	d->error[0] = '\0';
}

static int
choice_key(struct ui *ui, struct dialog *d, int key)
{
	for (int c = 0; c < d->nchoices; c++) {
		if (d->choices[c].key == key) {
			d->sel = c;
			ui_run_dialog_done(ui, d, d->choices[c].code);
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

	if (ctx == CTX_INPUT && a == ACT_NONE) {
		ui_dialog_text_key(d, key);
		return;
	}
	if (ctx == CTX_INPUT && key == 'q') {
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
viewer_scroll(struct dialog *d, int delta)
{
	d->scroll += delta;
	if (d->scroll < 0)
		d->scroll = 0;
}

void
ui_dialog_action(struct ui *ui, enum ui_action a)
{
	struct dialog *d = ui_dialog_top(ui);
	int page = LINES - 8;

	switch (a) {
	case ACT_CLOSE: case ACT_NO: ui_dialog_close(ui); break;
	case ACT_YES: ui_run_dialog_done(ui, d, 1); break;
	case ACT_SUBMIT:
		if (d->required && d->len == 0)
			snprintf(d->error, sizeof d->error, "required: type something, or Esc to back out");
		else
			ui_run_dialog_done(ui, d, 1);
		break;
	case ACT_CHOOSE: ui_run_dialog_done(ui, d, d->choices[d->sel].code); break;
	case ACT_UP:
		if (d->kind == DLG_HELP || d->kind == DLG_MESSAGE)
			viewer_scroll(d, -1);
		else if (d->sel > 0)
			d->sel--;
		break;
	case ACT_DOWN:
		if (d->kind == DLG_HELP || d->kind == DLG_MESSAGE)
			viewer_scroll(d, 1);
		else if (d->sel + 1 < d->nchoices)
			d->sel++;
		break;
	case ACT_PAGE_UP: viewer_scroll(d, -page); break;
	case ACT_PAGE_DOWN: viewer_scroll(d, page); break;
	case ACT_HOME: d->scroll = 0; break;
	case ACT_END: d->scroll = 1 << 20; break;
	default: break;
	}
}

/* --- drawing --- */

static int
is_viewer(const struct dialog *d)
{
	return d->kind == DLG_HELP || d->kind == DLG_MESSAGE;
}

static int
has_field(const struct dialog *d)
{
	static const enum dialog_kind fields[] = {
		DLG_TYPE_CONFIRM, DLG_ATTEST, DLG_SKIP_REASON, DLG_NOTE, DLG_DONE_NOTE, DLG_SEARCH,
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (d->kind == fields[i])
			return 1;
	}
	return 0;
}

static enum theme_role
title_role(const struct dialog *d)
{
	return d->kind == DLG_TYPE_CONFIRM || d->kind == DLG_FAILURE || d->kind == DLG_INTERRUPTED ?
	    ROLE_DANGER : ROLE_DIALOG_TITLE;
}

static void
draw_frame(struct ui *ui, const struct dialog *d, int top, int left, int w, int h)
{
	attr_t b = ui_style(ui, ROLE_BORDER) | ui_style(ui, ROLE_DIALOG);

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

static int
draw_body(struct ui *ui, const struct dialog *d, int y, int x, int w, int rows, int scroll)
{
	const char *lines[WRAP_MAX];
	size_t lens[WRAP_MAX];
	int n = d->body != NULL ? ui_text_wrap(d->body, w, lines, lens, WRAP_MAX) : 0;
	char buf[1024];

	for (int k = scroll; k < n && k - scroll < rows; k++) {
		snprintf(buf, sizeof buf, "%.*s", (int)lens[k], lines[k]);
		ui_put(ui, y + k - scroll, x, w, ROLE_DIALOG, buf);
	}
	return n;
}

static void
draw_field(struct ui *ui, const struct dialog *d, int y, int x, int w)
{
	const char *t = d->text;
	int tw = ui_text_width(t, d->len);

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

static int
body_height(const struct dialog *d, int w)
{
	const char *lines[WRAP_MAX];
	size_t lens[WRAP_MAX];

	return d->body != NULL ? ui_text_wrap(d->body, w, lines, lens, WRAP_MAX) : 0;
}

static void
draw_one(struct ui *ui, struct dialog *d)
{
	int w = COLS - 4 < 78 ? COLS - 4 : 78, inner = w - 4;
	int body = body_height(d, inner), extra = 0, h, top, left, n;

	if (has_field(d))
		extra = 2;
	extra += d->nchoices > 0 ? d->nchoices + 1 : 0;
	extra += d->error[0] != '\0' ? 1 : 0;
	h = is_viewer(d) ? LINES - 4 : body + extra + 2;
	if (h > LINES - 2)
		h = LINES - 2;
	top = (LINES - h) / 2;
	left = (COLS - w) / 2;
	draw_frame(ui, d, top, left, w, h);
	if (is_viewer(d) && d->scroll > body - (h - 2))
		d->scroll = body - (h - 2) > 0 ? body - (h - 2) : 0;
	n = h - 2 - extra;
	draw_body(ui, d, top + 1, left + 2, inner, n, is_viewer(d) ? d->scroll : 0);
	n = top + 1 + (body < n ? body : n);
	if (has_field(d))
		draw_field(ui, d, ++n, left + 2, inner), n += 1;
	if (d->nchoices > 0)
		draw_choices(ui, d, ++n, left + 2, inner), n += d->nchoices;
	if (d->error[0] != '\0')
		ui_put(ui, top + h - 2, left + 2, inner, ROLE_DANGER, d->error);
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
