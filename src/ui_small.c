/* ui_small.c: the screen when the terminal is smaller than the console
 * needs. Nothing of the run shows then, so nothing may act unseen: only a
 * resize, Ctrl-L (redraw) and q are taken, and the question q asks is
 * drawn here, where it can be read. Every other key is dropped, and the
 * screen says which one was. */
#include <string.h>

#include "commands.h"
#include "ui.h"

int
ui_too_small(void)
{
	return COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS;
}

static int
is_quit_dialog(const struct dialog *d)
{
	return d != NULL && (d->kind == DLG_QUIT || d->kind == DLG_QUIT_IDLE);
}

/* One line, centred when it fits, cut at the edge when it does not. */
static void
put_centred(struct ui *ui, int y, enum theme_role role, const char *s)
{
	int w = ui_text_width(s, strlen(s)), x = COLS > w ? (COLS - w) / 2 : 0;

	ui_put(ui, y, x, COLS - x, role, s);
}

/* Text wrapped to the screen's width from row y; the row after it. */
static int
put_wrapped(struct ui *ui, int y, int indent, enum theme_role role, const char *s)
{
	const char *lines[8];
	size_t lens[8];
	char buf[UI_TEXT_MAX];
	int n = ui_text_wrap(s, COLS - indent, lines, lens, 8);

	for (int k = 0; k < n; k++) {
		snprintf(buf, sizeof buf, "%.*s", (int)lens[k], lines[k]);
		ui_put(ui, y++, indent, COLS - indent, role, buf);
	}
	return y;
}

/* The quit question, as the full screen would ask it, from row y. */
static int
draw_quit(struct ui *ui, const struct dialog *d, int y)
{
	char line[UI_TEXT_MAX];

	put_centred(ui, y++, ROLE_DIALOG_TITLE, d->title);
	if (d->body != NULL)
		y = put_wrapped(ui, y, 0, ROLE_NORMAL, d->body);
	for (int c = 0; c < d->nchoices; c++) {
		snprintf(line, sizeof line, "%s [%c] %s", c == d->sel ? ui->g.sel : " ", d->choices[c].key,
		    d->choices[c].label);
		y = put_wrapped(ui, y, 0, c == d->sel ? ROLE_SELECTION : ROLE_NORMAL, line);
	}
	return put_wrapped(ui, y, 2, ROLE_DIM, "Esc: stay");
}

void
ui_small_draw(struct ui *ui)
{
	const struct dialog *d = ui_dialog_top(ui);
	int rows = 3 + (is_quit_dialog(d) ? 2 * d->nchoices + 4 : 1);
	int y = LINES > rows ? (LINES - rows) / 2 : 0;
	char msg[96];

	snprintf(msg, sizeof msg, "terminal too small: need at least %dx%d, now %dx%d", UI_MIN_COLS,
	    UI_MIN_ROWS, COLS, LINES);
	put_centred(ui, y++, ROLE_NORMAL, msg);
	y++;
	if (is_quit_dialog(d))
		y = draw_quit(ui, d, y);
	else
		put_centred(ui, y++, ROLE_DIM, "only q (quit) and Ctrl-L (redraw) work until it is bigger");
	if (ui->message[0] != '\0')
		put_centred(ui, y + 1, ROLE_NOTICE, ui->message);
}

/* q asks what the full screen's q asks; where nothing runs yet (the
 * picker, the form) there is nothing to lose and it quits. */
static void
small_quit(struct ui *ui)
{
	if (ui->screen == SCREEN_RUN)
		ui_run_key(ui, ACT_QUIT);
	else
		ui_quit(ui, EXIT_OK);
}

/* Takes a key while the terminal is too small. The quit question, drawn
 * here, takes its own keys; Ctrl-] still detaches (it only gives the
 * keyboard back). */
void
ui_small_key(struct ui *ui, int key)
{
	char name[16];

	ui->message[0] = '\0';
	if (key == UI_KEY_REDRAW) {
		clearok(curscr, TRUE);
		return;
	}
	if (is_quit_dialog(ui_dialog_top(ui))) {
		ui_dialog_key(ui, key);
		return;
	}
	if (key == 'q') {
		small_quit(ui);
		return;
	}
	if (key == UI_KEY_DETACH && ui->attached) {
		ui_run_detach(ui, "C-]");
		return;
	}
	ui_key_name(key, name, sizeof name);
	snprintf(ui->message, sizeof ui->message, "the key %s did nothing: the screen is too small", name);
}
