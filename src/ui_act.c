/* ui_act.c: the run view's keys and the answers to its dialogs: each one
 * checks that it applies now, says why when it does not, and otherwise
 * hands the operator's decision to the engine (journaled first). */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ui.h"
#include "xmalloc.h"

/* --- keys --- */

static int
refuse_busy(struct ui *ui)
{
	int r = ui->e != NULL ? engine_running_step(ui->e) : -1;

	if (ui->finished) {
		snprintf(ui->message, sizeof ui->message, "the run has ended (%s): q quits", ui->outcome);
		return 1;
	}
	if (r < 0)
		return 0;
	snprintf(ui->message, sizeof ui->message, "'%s' is running: wait for it, or c asks to cancel it",
	    ui->rb->steps[r].id);
	return 1;
}

/* Says why step i cannot run now (the policy's one message); 1 if so. */
static int
refuse_rerun(struct ui *ui, int i)
{
	char *why = runpolicy_why_not(ui->e, i);

	if (why == NULL)
		return 0;
	snprintf(ui->message, sizeof ui->message, "%s", why);
	free(why);
	return 1;
}

/* Running a skipped or rolled-back step again is a new decision: it is
 * confirmed, and a destructive one still wants its id typed. */
static void
ask_again(struct ui *ui, int i)
{
	const char *title = engine_step(ui->e, i)->status == STEP_ROLLED_BACK ?
	    "Run a step that was rolled back?" : "Run a step that was skipped?";
	const char *body = engine_step(ui->e, i)->status == STEP_ROLLED_BACK ?
	    "It was rolled back; running it now is a new decision.\ny / Enter: run it      n / Esc: back out" :
	    "It was skipped; running it now is a new decision.\ny / Enter: run it      n / Esc: back out";

	if (engine_confirm_mode(ui->e, i, NULL) == CONFIRM_TYPE || ui->rb->steps[i].action == ACTION_MANUAL ||
	    ui->rb->steps[i].action == ACTION_INPUT) {
		ui_run_ask(ui, i);
		return;
	}
	ui_run_step_text(ui, ui_dialog_open(ui, DLG_CONFIRM, i, title), i, body);
}

static void
act_run(struct ui *ui)
{
	int i = ui->sel;

	if (refuse_busy(ui) || refuse_rerun(ui, i))
		return;
	switch (runpolicy_rerun(ui->e, i)) {
	case RERUN_AFTER_FAILURE:
		ui_run_open_failure(ui, i);
		break;
	case RERUN_INTERRUPTED:
		ui_run_open_interrupted(ui, i);
		break;
	case RERUN_AGAIN:
		ask_again(ui, i);
		break;
	case RERUN_FIRST:
		if (!ui_ask_order(ui, i))
			ui_run_ask(ui, i);
		break;
	default:
		break;
	}
}

static void
open_skip(struct ui *ui, int i)
{
	char title[UI_TEXT_MAX];
	struct dialog *d;

	snprintf(title, sizeof title, "Skip '%s': why?", ui->rb->steps[i].id);
	d = ui_dialog_open(ui, DLG_SKIP_REASON, i, title);
	d->required = 1;
	d->body = xstrdup("The reason goes into the incident journal. Enter skips, Esc backs out.");
}

static void
act_skip(struct ui *ui)
{
	if (refuse_busy(ui) || refuse_rerun(ui, ui->sel))
		return;
	open_skip(ui, ui->sel);
}

static void
retry(struct ui *ui, int i)
{
	ui_run_decide(ui, i, DECISION_RETRY, NULL);
	if (engine_confirm_mode(ui->e, i, NULL) == CONFIRM_TYPE)
		ui_run_ask(ui, i);
	else
		ui_run_start(ui, i, HOW_CONFIRMED);
}

/* r: a failed step is retried; any other step is what Enter makes of it,
 * with the same message when it cannot run. */
static void
act_retry(struct ui *ui)
{
	if (refuse_busy(ui) || refuse_rerun(ui, ui->sel))
		return;
	if (runpolicy_rerun(ui->e, ui->sel) == RERUN_AFTER_FAILURE)
		retry(ui, ui->sel);
	else
		act_run(ui);
}

static void
act_rollback(struct ui *ui)
{
	const struct step *s = &ui->rb->steps[ui->sel];
	struct dialog *d;
	char *shown;

	if (refuse_busy(ui))
		return;
	if (s->rollback.s == NULL || engine_step(ui->e, ui->sel)->attempt == 0 ||
	    !(runpolicy_choices(ui->e, ui->sel) & CHOICE_ROLLBACK)) {
		snprintf(ui->message, sizeof ui->message, "'%s' %s", s->id, s->rollback.s == NULL ? "has no rollback" :
		    engine_step(ui->e, ui->sel)->attempt == 0 ? "has not run: nothing to roll back" :
		    "is rolled back already: nothing to roll back");
		return;
	}
	d = ui_dialog_open(ui, DLG_ROLLBACK, ui->sel, "Run the rollback?");
	shown = engine_display_rollback(ui->e, ui->sel);
	d->body = xprintf("Step '%s' rollback:\n$ %s", s->id, shown);
	free(shown);
	d->foot = xstrdup("y / Enter: run it      n / Esc: back out");
}

static void
start_rollback(struct ui *ui, int i)
{
	char *cause = NULL;

	ui_run_decide(ui, i, DECISION_ROLLBACK, NULL);
	if (engine_rollback(ui->e, i, &cause) != 0) {
		ui_run_error(ui, "The rollback did not start", cause);
		free(cause);
		return;
	}
	ui->rollback_step = i;
	ui_arm_tick(ui);
}

/* The keyboard goes to the running interactive step, and its terminal
 * gets the pane's size; the journal says when. */
static void
act_attach(struct ui *ui)
{
	int r = engine_running_step(ui->e);

	if (r < 0) {
		snprintf(ui->message, sizeof ui->message, "no step is running: a attaches to a running interactive step");
		return;
	}
	if (!ui_run_attachable(ui, r)) {
		snprintf(ui->message, sizeof ui->message, "'%s' %s", ui->rb->steps[r].id,
		    ui->rb->steps[r].interactive ? "is waiting to retry: nothing runs to type into" :
		    "is not an interactive step: it takes no typing");
		return;
	}
	ui_run_select(ui, r);
	ui->follow = 1;
	if (ui->live_step != r) {
		ui->live_step = r;
		ui->live_len = 0;
	}
	ui->attached = 1;
	ui->attach_step = r;
	ui->pty_cols = ui->pty_rows = 0;
	ui_run_decide(ui, r, DECISION_ATTACHED, NULL);
	ui_run_sync_pty(ui, ui->pane_cols, ui->pane_rows);
	snprintf(ui->message, sizeof ui->message, "attached to '%s': what you type goes to it; C-] detaches",
	    ui->rb->steps[r].id);
}

/* A key while attached: the detach key, else its bytes to the step. */
void
ui_run_attached_key(struct ui *ui, int key)
{
	enum ui_action a = ui_action_for_key(CTX_ATTACHED, key);
	char bytes[16], *cause = NULL;
	size_t n;

	if (a != ACT_NONE) {
		ui_do(ui, a);
		return;
	}
	if ((n = ui_key_bytes(key, ui->app_cursor, bytes, sizeof bytes)) == 0)
		return;
	ui->follow = 1;
	if (engine_send_input(ui->e, ui->attach_step, bytes, n, &cause) != 0) {
		snprintf(ui->message, sizeof ui->message, "not sent: %s", cause);
		free(cause);
	}
}

static void
act_quit(struct ui *ui)
{
	int r = ui_view_running(ui);
	struct dialog *d;

	if (ui->w != NULL) {
		ui_quit(ui, EXIT_OK);	/* a watcher leaves nothing behind */
		return;
	}
	if (ui->finished) {
		ui_quit(ui, ui->exit_code);
		return;
	}
	if (r >= 0) {
		d = ui_dialog_open(ui, DLG_QUIT, r, "Quit while a step runs?");
		d->body = xprintf("'%s' is still running.", ui->rb->steps[r].id);
		ui_dialog_add_choice(d, 'c', "cancel the step and quit", CH_CANCEL_QUIT);
		ui_dialog_add_choice(d, 'l', "leave it running and quit (resume shows it interrupted)", CH_LEAVE_QUIT);
		ui_dialog_add_choice(d, 's', "stay", CH_STAY);
		return;
	}
	d = ui_dialog_open(ui, DLG_QUIT_IDLE, -1, "Quit?");
	d->body = xprintf("The incident stays open: drconsole resume %s", engine_incident_dir(ui->e));
	ui_dialog_add_choice(d, 'y', "quit, leave the incident open", CH_QUIT);
	ui_dialog_add_choice(d, 's', "stay", CH_STAY);
}

static void
act_move(struct ui *ui, int delta)
{
	int i = ui->sel + delta;

	if (ui->focus == FOCUS_OUTPUT) {
		ui_output_scroll(ui, delta);
		return;
	}
	ui_run_select(ui, i < 0 ? 0 : i >= ui->rb->nsteps ? ui->rb->nsteps - 1 : i);
}

static void
act_ends(struct ui *ui, int end)
{
	if (ui->focus == FOCUS_LIST)
		ui_run_select(ui, end ? ui->rb->nsteps - 1 : 0);
	else if (end)
		ui->follow = 1;
	else
		ui_output_scroll(ui, INT32_MIN);
}

static void
open_input(struct ui *ui, enum dialog_kind kind, int i, const char *title, const char *body, int required)
{
	struct dialog *d = ui_dialog_open(ui, kind, i, title);

	d->required = required;
	d->body = xstrdup(body);
}

void
ui_run_key(struct ui *ui, enum ui_action a)
{
	int page = ui_body_rows(ui) - 2;

	switch (a) {
	case ACT_UP: act_move(ui, -1); break;
	case ACT_DOWN: act_move(ui, 1); break;
	case ACT_PAGE_UP: ui_output_scroll(ui, -page); break;
	case ACT_PAGE_DOWN: ui_output_scroll(ui, page); break;
	case ACT_HOME: act_ends(ui, 0); break;
	case ACT_END: act_ends(ui, 1); break;
	case ACT_RUN: act_run(ui); break;
	case ACT_SKIP: act_skip(ui); break;
	case ACT_RETRY: act_retry(ui); break;
	case ACT_ROLLBACK: act_rollback(ui); break;
	case ACT_CANCEL: ui_ask_cancel(ui); break;
	case ACT_ATTACH: act_attach(ui); break;
	case ACT_DETACH: ui_run_detach(ui, "C-]"); break;
	case ACT_NOTE:
		open_input(ui, DLG_NOTE, ui->sel, "Add a note to the journal", "What happened, what you saw, who you called.", 1);
		break;
	case ACT_WHY:
		if (ui_view_mode(ui) == MODE_TRAINING)
			snprintf(ui->message, sizeof ui->message, "training mode always shows why");
		else
			ui->show_why = !ui->show_why;
		break;
	case ACT_HOSTS: ui_output_next_host(ui); break;
	case ACT_FOCUS: ui->focus = ui->focus == FOCUS_LIST ? FOCUS_OUTPUT : FOCUS_LIST; break;
	case ACT_SEARCH:
		open_input(ui, DLG_SEARCH, ui->sel, "Search the output", "Enter finds the next line with the text "
		    "(empty: the last search again).", 0);
		break;
	case ACT_HELP: ui_dialog_open(ui, DLG_HELP, -1, "Keys")->body = ui_help_for(ui); break;
	case ACT_QUIT: act_quit(ui); break;
	default: break;
	}
}

/* --- dialog answers --- */

static void
answer_text(struct ui *ui, struct dialog *d)
{
	int i = d->step, rc = 0;
	char *cause = NULL;

	switch (d->kind) {
	case DLG_INJECT:
		ui_watch_inject(ui, d);
		return;
	case DLG_SKIP_REASON: rc = engine_skip(ui->e, i, JSKIP_OPERATOR, d->text, &cause); break;
	case DLG_NOTE: rc = engine_note(ui->e, d->text, &cause); break;
	case DLG_DONE_NOTE: rc = engine_mark_done(ui->e, i, d->text, &cause); break;
	case DLG_ATTEST: rc = engine_attest(ui->e, i, HOW_ATTESTED, d->text, &cause); break;
	case DLG_INPUT: rc = engine_answer(ui->e, i, d->text, HOW_ANSWERED, NULL, &cause); break;
	default: break;
	}
	if (d->kind == DLG_INPUT)	/* it may be a secret: gone once used */
		explicit_bzero(d->text, sizeof d->text);
	if (rc != 0 && d->kind == DLG_INPUT)
		d->len = 0;
	if (rc != 0) {
		snprintf(d->error, sizeof d->error, "%s", cause);
		free(cause);
		return;
	}
	while (ui->ndialogs > 0)
		ui_dialog_close(ui);
}

static void
answer_type(struct ui *ui, struct dialog *d)
{
	const char *id = ui->rb->steps[d->step].id;
	int i = d->step;

	if (strcmp(d->text, id) != 0) {
		char *cause = NULL;

		/* Journaled first: the screen never claims what the journal lacks. */
		if (engine_confirm_refused(ui->e, i, d->text, &cause) != 0) {
			snprintf(d->error, sizeof d->error, "Nothing ran; the journal could not record it: %s", cause);
			free(cause);
		} else
			snprintf(d->error, sizeof d->error, "That is not '%s': nothing ran. Type the id exactly.", id);
		d->text[0] = '\0';
		d->len = 0;
		return;
	}
	ui_dialog_close(ui);
	ui_run_start(ui, i, HOW_TYPED);
}

static void
answer_choice(struct ui *ui, struct dialog *d, int code)
{
	int i = d->step;

	switch (code) {
	case CH_SKIP:
		open_skip(ui, i);
		return;
	case CH_DONE:
		open_input(ui, DLG_DONE_NOTE, i, "Mark done: how do you know?", "The note goes into the journal.", 1);
		return;
	case CH_STAY:
		ui_dialog_close(ui);
		return;
	default:
		break;
	}
	ui_dialog_close(ui);
	switch (code) {
	case CH_RETRY: retry(ui, i); break;
	case CH_RERUN: ui_run_decide(ui, i, DECISION_RERUN_INTERRUPTED, NULL); ui_run_ask(ui, i); break;
	case CH_ROLLBACK: start_rollback(ui, i); break;
	case CH_ABORT: ui_run_decide(ui, i, DECISION_ABORT, NULL); ui_run_finish(ui, OUTCOME_ABORTED); break;
	case CH_CANCEL_QUIT:
		ui_run_decide(ui, i, DECISION_QUIT_CANCEL, NULL);
		ui->quitting = 1;
		engine_cancel(ui->e, engine_running_step(ui->e));
		break;
	case CH_LEAVE_QUIT:
		ui_run_decide(ui, i, DECISION_QUIT_LEAVE, NULL);
		ui->quitting = 2;
		ui_quit(ui, EXIT_OK);
		break;
	case CH_QUIT: ui_run_decide(ui, -1, DECISION_QUIT_OPEN, NULL); ui_quit(ui, EXIT_OK); break;
	case CH_ACCEPT: ui->o.accept_changed = 1; ui_run_open(ui); break;
	case CH_TRUST: ui->loose_ok = 1; ui_run_open(ui); break;
	}
}

/* A dialog was answered: code is 1 for yes and for text, else a choice. */
void
ui_run_dialog_done(struct ui *ui, struct dialog *d, int code)
{
	int i = d->step;

	switch (d->kind) {
	case DLG_CONFIRM: ui_dialog_close(ui); ui_run_start(ui, i, HOW_CONFIRMED); break;
	case DLG_ROLLBACK: ui_dialog_close(ui); start_rollback(ui, i); break;
	case DLG_CANCEL: case DLG_ORDER: ui_ask_answer(ui, d); break;
	case DLG_TYPE_CONFIRM: answer_type(ui, d); break;
	case DLG_SEARCH:
		if (d->len > 0)
			snprintf(ui->search, sizeof ui->search, "%s", d->text);
		ui_dialog_close(ui);
		ui_output_search(ui, ui->search);
		break;
	case DLG_SKIP_REASON: case DLG_NOTE: case DLG_DONE_NOTE: case DLG_ATTEST: case DLG_INPUT:
	case DLG_INJECT:
		answer_text(ui, d);
		break;
	default: answer_choice(ui, d, code); break;
	}
}

