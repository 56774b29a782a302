/* ui_vterm.c: an interactive step's terminal, emulated in the output pane
 * with libvterm. A program that addresses the cursor (vi, less, top, psql's
 * pager) draws into a screen as big as the pane's text; the pane shows that
 * screen while the step runs and the pane follows its newest output, and
 * the screen stays while the operator is detached. The step's lines still
 * reach the scrollback and the output file as before: scrolling back shows
 * them. One screen at a time: only one step runs at a time. */
#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "ui.h"
#include "xmalloc.h"

struct ui_vterm {
	VTerm *vt;
	VTermScreen *screen;
	int step;		/* whose screen */
	int rows, cols;
	int cursor_visible;
	struct ui *ui;
};

/* The program asked the terminal something (where is the cursor, what are
 * you): a terminal answers on the program's input, so this one does too. */
static void
on_reply(const char *s, size_t len, void *arg)
{
	struct ui_vterm *v = arg;
	struct ui *ui = v->ui;
	char *cause = NULL;

	if (ui->e == NULL || !ui_run_attachable(ui, v->step))
		return;
	if (engine_send_input(ui->e, v->step, s, len, &cause) != 0)
		free(cause);
}

static int
on_termprop(VTermProp prop, VTermValue *val, void *arg)
{
	struct ui_vterm *v = arg;

	if (prop == VTERM_PROP_CURSORVISIBLE)
		v->cursor_visible = val->boolean;
	return 1;
}

static const VTermScreenCallbacks screen_callbacks = {
	.settermprop = on_termprop,
};

static struct ui_vterm *
vterm_open(struct ui *ui, int step)
{
	struct ui_vterm *v = xcalloc(1, sizeof *v);

	v->ui = ui;
	v->step = step;
	/* The size the engine gave the step's pty when it started. */
	v->cols = ui->pane_cols > 0 ? ui->pane_cols : 80;
	v->rows = ui->pane_rows > 0 ? ui->pane_rows : 24;
	v->cursor_visible = 1;
	v->vt = vterm_new(v->rows, v->cols);
	vterm_set_utf8(v->vt, 1);
	vterm_output_set_callback(v->vt, on_reply, v);
	v->screen = vterm_obtain_screen(v->vt);
	vterm_screen_set_callbacks(v->screen, &screen_callbacks, v);
	vterm_screen_enable_altscreen(v->screen, 1);
	vterm_screen_reset(v->screen, 1);
	return v;
}

static void
vterm_close(struct ui *ui)
{
	if (ui->vt == NULL)
		return;
	vterm_free(ui->vt->vt);
	free(ui->vt);
	ui->vt = NULL;
}

/* Bytes the step wrote to its terminal, secrets already masked. */
void
ui_vterm_feed(struct ui *ui, int step, const char *data, size_t len)
{
	if (ui->vt != NULL && ui->vt->step != step)
		vterm_close(ui);
	if (ui->vt == NULL)
		ui->vt = vterm_open(ui, step);
	vterm_input_write(ui->vt->vt, data, len);
}

/* The step ended: its screen goes, the pane shows its lines. */
void
ui_vterm_end(struct ui *ui, int step)
{
	if (ui->vt != NULL && ui->vt->step == step)
		vterm_close(ui);
}

/* The step's pty was given a new size: the screen follows, as a
 * terminal's does when its window is resized. */
void
ui_vterm_resize(struct ui *ui, int step, int cols, int rows)
{
	struct ui_vterm *v = ui->vt;

	if (v == NULL || v->step != step || cols <= 0 || rows <= 0 || (cols == v->cols && rows == v->rows))
		return;
	v->cols = cols;
	v->rows = rows;
	vterm_set_size(v->vt, rows, cols);
}

void
ui_vterm_free(struct ui *ui)
{
	vterm_close(ui);
}

/* One code point as UTF-8; what a terminal must not be sent (controls,
 * surrogates, beyond Unicode) as '?'. Returns the bytes written. */
static size_t
put_utf8(uint32_t c, char *out)
{
	if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0xd800 && c < 0xe000) || c > 0x10ffff)
		c = '?';
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static attr_t
cell_attr(const struct ui *ui, const VTermScreenCell *cell, int is_cursor)
{
	attr_t a = ui_style(ui, ROLE_NORMAL);

	if (cell->attrs.bold)
		a |= A_BOLD;
	if (cell->attrs.underline)
		a |= A_UNDERLINE;
	if (cell->attrs.reverse != is_cursor)
		a |= A_REVERSE;
	return a;
}

/* Draws one cell at (y, x); returns the columns it took. */
static int
draw_cell(struct ui *ui, const VTermScreenCell *cell, int y, int x, int room, int is_cursor)
{
	char text[VTERM_MAX_CHARS_PER_CELL * 4 + 1];
	size_t n = 0;
	int width = cell->width > 0 ? cell->width : 1;

	if (width > room)
		return room;
	for (int k = 0; k < VTERM_MAX_CHARS_PER_CELL && cell->chars[k] != 0; k++) {
		if (k > 0 && cell->chars[k] < 0x300)
			break;	/* only combining marks join a cell */
		n += put_utf8(cell->chars[k], text + n);
	}
	if (n == 0)
		text[n++] = ' ';
	text[n] = '\0';
	attrset(cell_attr(ui, cell, is_cursor));
	mvaddstr(y, x, text);
	return width;
}

/* Shows step's screen in rows x w at (y, x) when the pane should: the step
 * is selected and runs, and the pane follows its newest output. Returns 1
 * when it drew. */
int
ui_vterm_draw(struct ui *ui, int y, int x, int w, int rows)
{
	struct ui_vterm *v = ui->vt;
	VTermPos cursor, pos;
	VTermScreenCell cell;
	int top, show_cursor;

	if (v == NULL || v->step != ui->sel || !ui->follow || rows <= 0 || !ui_run_attachable(ui, v->step))
		return 0;
	vterm_state_get_cursorpos(vterm_obtain_state(v->vt), &cursor);
	/* A screen taller than the pane (before its resize arrived): the rows
	 * around the cursor. */
	top = cursor.row >= rows ? cursor.row - rows + 1 : 0;
	show_cursor = ui->attached && ui->attach_step == v->step && v->cursor_visible;
	for (int r = 0; r < rows && top + r < v->rows; r++) {
		pos.row = top + r;
		for (int c = 0; c < w && c < v->cols;) {
			pos.col = c;
			if (!vterm_screen_get_cell(v->screen, pos, &cell)) {
				c++;
				continue;
			}
			c += draw_cell(ui, &cell, y + r, x + c, w - c,
			    show_cursor && pos.row == cursor.row && pos.col == cursor.col);
		}
	}
	attrset(A_NORMAL);
	return 1;
}
