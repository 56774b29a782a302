/* ui_mouse.c: the mouse, unless --no-mouse leaves it to the terminal (then
 * its own text selection works as ever). The wheel scrolls what is under
 * the pointer: the output pane, the checklist, the picker's list, an open
 * dialog; a click selects the step (or the picker's entry) under it. An
 * attached step gets no mouse: its keys are its own, clicks are not. The
 * screens note, as they draw, which step each row shows. */
#include <string.h>

#include "ui.h"

#define WHEEL_LINES 3

#ifndef BUTTON5_PRESSED
#define BUTTON5_PRESSED 0	/* ncurses without the wheel's second button */
#endif

/* Asks the terminal for clicks and the wheel (not for motion). */
void
ui_mouse_enable(struct ui *ui)
{
	if (ui->o.no_mouse || ui->script_mode)
		return;
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);	/* a press acts at once: no wait for a click */
}

/* A new frame: no row shows a step yet; x >= split is the output pane. */
void
ui_mouse_layout(struct ui *ui, int split)
{
	for (int y = 0; y < UI_MOUSE_ROWS; y++)
		ui->mouse_row[y] = -1;
	ui->mouse_split = split;
}

/* Row y shows entry k (a step, or the picker's visible entry). */
void
ui_mouse_row(struct ui *ui, int y, int k)
{
	if (y >= 0 && y < UI_MOUSE_ROWS)
		ui->mouse_row[y] = k;
}

static void
wheel(struct ui *ui, const MEVENT *ev, int dir)
{
	if (ui->ndialogs > 0) {
		for (int k = 0; k < WHEEL_LINES; k++)
			ui_dialog_action(ui, dir < 0 ? ACT_UP : ACT_DOWN);
	} else if (ui->screen == SCREEN_PICKER)
		ui_picker_action(ui, dir < 0 ? ACT_UP : ACT_DOWN);
	else if (ui->screen == SCREEN_RUN && ev->x > ui->mouse_split)
		ui_output_scroll(ui, dir * WHEEL_LINES);
	else if (ui->screen == SCREEN_RUN)
		ui_run_select(ui, ui->sel + dir);
}

static void
click(struct ui *ui, const MEVENT *ev)
{
	int k = ev->y >= 0 && ev->y < UI_MOUSE_ROWS ? ui->mouse_row[ev->y] : -1;

	if (ui->ndialogs > 0)
		return;
	if (ui->screen == SCREEN_PICKER && k >= 0 && k < ui->nvisible)
		ui->pick_sel = k;
	else if (ui->screen == SCREEN_RUN && ev->x > ui->mouse_split)
		ui->focus = FOCUS_OUTPUT;
	else if (ui->screen == SCREEN_RUN && k >= 0) {
		ui->focus = FOCUS_LIST;
		ui_run_select(ui, k);
	}
}

/* KEY_MOUSE: what the terminal reported. */
void
ui_mouse_event(struct ui *ui)
{
	MEVENT ev;

	if (getmouse(&ev) != OK || ui->attached || ui_too_small())
		return;
	ui->urgent = 1;
	ui_touch(ui);
	if (ev.bstate & BUTTON4_PRESSED)
		wheel(ui, &ev, -1);
	else if (BUTTON5_PRESSED != 0 && (ev.bstate & BUTTON5_PRESSED))
		wheel(ui, &ev, 1);
	else if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		click(ui, &ev);
}
