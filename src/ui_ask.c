/* ui_ask.c: the questions before a key that would do too much at once.
 * c or Ctrl-C asks before cancelling the running step (c, Ctrl-C or y
 * again cancels it); Enter on a step ahead of steps still pending says
 * which ones and asks before going on. Enter answers neither question:
 * a doubled or held Enter must not do what the operator has not read. */
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "ui.h"
#include "xmalloc.h"

#define RANGES_SHOWN	5	/* then "…" */

/* --- cancelling --- */

static void
cancel_now(struct ui *ui, int r)
{
	const char *id = ui->rb->steps[r].id;

	if (ui->rb->steps[r].action == ACTION_WAIT && engine_step(ui->e, r)->status == STEP_RUNNING) {
		engine_cancel(ui->e, r);
		snprintf(ui->message, sizeof ui->message, "the wait of '%s' was cut short", id);
		return;
	}
	engine_cancel(ui->e, r);
	snprintf(ui->message, sizeof ui->message, "cancelling '%s': SIGTERM sent, SIGKILL after the grace period",
	    id);
}

static void
open_cancel(struct ui *ui, int r)
{
	const struct step *s = &ui->rb->steps[r];
	int wait = s->action == ACTION_WAIT && engine_step(ui->e, r)->status == STEP_RUNNING;
	char title[UI_TEXT_MAX], *what = engine_display_text(ui->e, r, s->title.s);
	struct dialog *d;

	snprintf(title, sizeof title, "%s '%s'?", wait ? "Cut short the wait of" : "Cancel", s->id);
	d = ui_dialog_open(ui, DLG_CANCEL, r, title);
	d->body = xprintf("Step %d of %d is running: %s\n\n%s\nn / Esc: %s", r + 1, ui->rb->nsteps, what,
	    wait ? "c again or y: cut the wait short (the step ends ok)" :
	    "c again or y: cancel it (SIGTERM, then SIGKILL after the grace period)",
	    wait ? "let it wait" : "let it run");
	free(what);
}

/* c or Ctrl-C: the first asks, the second (with the question on top)
 * cancels. */
void
ui_ask_cancel(struct ui *ui)
{
	int r = engine_running_step(ui->e);
	struct dialog *d = ui_dialog_top(ui);

	if (r < 0) {
		snprintf(ui->message, sizeof ui->message, "no step is running (q quits)");
		return;
	}
	if (d != NULL && d->kind == DLG_CANCEL && d->step == r) {
		ui_dialog_close(ui);
		cancel_now(ui, r);
		return;
	}
	open_cancel(ui, r);
}

/* A cancel question whose step has ended asks about nothing: it goes. */
void
ui_ask_drop_stale(struct ui *ui)
{
	struct dialog *d;

	while ((d = ui_dialog_top(ui)) != NULL && d->kind == DLG_CANCEL &&
	    engine_running_step(ui->e) != d->step) {
		snprintf(ui->message, sizeof ui->message, "'%s' ended before the cancel was answered",
		    ui->rb->steps[d->step].id);
		ui_dialog_close(ui);
	}
}

/* --- running ahead --- */

/* "step 3 is", "steps 1–10 are", "steps 1, 4–6 are": the steps before i
 * still pending, numbered as the checklist shows them; 0 when none. */
static int
pending_before(const struct ui *ui, int i, const char *dash, struct strbuf *b)
{
	int count = 0, ranges = 0;
	struct strbuf list;

	strbuf_init(&list);
	for (int k = 0; k < i; k++) {
		int first = k;

		if (!ui_run_needs_operator(ui, k))
			continue;
		while (k + 1 < i && ui_run_needs_operator(ui, k + 1))
			k++;
		count += k - first + 1;
		if (ranges++ == RANGES_SHOWN)
			strbuf_adds(&list, ", …");
		if (ranges > RANGES_SHOWN)
			continue;
		strbuf_addf(&list, ranges > 1 ? ", %d" : "%d", first + 1);
		if (k > first)
			strbuf_addf(&list, "%s%d", dash, k + 1);
	}
	if (count > 0)
		strbuf_addf(b, "%s %s %s", count > 1 ? "steps" : "step", strbuf_str(&list),
		    count > 1 ? "are" : "is");
	strbuf_free(&list);
	return count;
}

/* Before Enter runs step i: when steps before it are still pending, say
 * which and ask; 1 when it asked (y then goes on as Enter would). */
int
ui_ask_order(struct ui *ui, int i)
{
	struct strbuf which;
	char title[UI_TEXT_MAX];
	struct dialog *d;
	int n;

	strbuf_init(&which);
	if ((n = pending_before(ui, i, ui->utf8 ? "–" : "-", &which)) == 0) {
		strbuf_free(&which);
		return 0;
	}
	snprintf(title, sizeof title, "Step %d is ahead of the checklist", i + 1);
	d = ui_dialog_open(ui, DLG_ORDER, i, title);
	d->body = xprintf("%s still pending.\nRun step %d (%s) before %s?\n\ny: go on to step %d      "
	    "n / Esc: back out", strbuf_str(&which), i + 1, ui->rb->steps[i].id, n > 1 ? "them" : "it",
	    i + 1);
	strbuf_free(&which);
	return 1;
}

/* The journal says the operator ran ahead, and of what. */
static void
journal_ahead(struct ui *ui, int i)
{
	struct strbuf b;

	strbuf_init(&b);
	pending_before(ui, i, "-", &b);
	ui_run_decide(ui, i, DECISION_RUN_AHEAD, strbuf_str(&b));
	strbuf_free(&b);
}

/* --- answers --- */

/* y (or c on the cancel question). */
void
ui_ask_answer(struct ui *ui, struct dialog *d)
{
	int i = d->step;

	if (d->kind == DLG_ORDER) {
		ui_dialog_close(ui);
		journal_ahead(ui, i);
		ui_run_ask(ui, i);
		return;
	}
	ui_dialog_close(ui);
	if (engine_running_step(ui->e) == i)
		cancel_now(ui, i);
	else
		snprintf(ui->message, sizeof ui->message, "'%s' is no longer running: nothing cancelled",
		    ui->rb->steps[i].id);
}

/* Keys these questions take beyond y and n: c answers the cancel
 * question, and Enter answers neither. 1 when the key was taken. */
int
ui_ask_key(struct ui *ui, struct dialog *d, int key)
{
	if (d->kind != DLG_CANCEL && d->kind != DLG_ORDER)
		return 0;
	if (d->kind == DLG_CANCEL && key == 'c') {
		ui_ask_answer(ui, d);
		return 1;
	}
	if (key != UI_KEY_ENTER)
		return 0;
	snprintf(d->error, sizeof d->error, "Enter does not answer this: %s, n or Esc backs out",
	    d->kind == DLG_CANCEL ? "c or y cancels" : "y goes on");
	return 1;
}
