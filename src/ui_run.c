/* ui_run.c: the run view's actions. The console drives the engine the way
 * `drconsole run` does (cmd_run.c): confirm, start, wait, and after a
 * failure ask what to do as the step's on_failure says; every decision is
 * journaled by the engine before anything on screen changes. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "commands.h"
#include "duration.h"
#include "report.h"
#include "strbuf.h"
#include "termsafe.h"
#include "ui.h"
#include "xmalloc.h"

/* --- engine hooks --- */

static void
on_step_changed(void *arg, int i)
{
	struct ui *ui = arg;
	const struct step_state *st;

	ui_touch(ui);
	if (ui->e == NULL)
		return;
	st = engine_step(ui->e, i);
	if (engine_running_step(ui->e) != i && !st->retry_waiting && st->status != STEP_RUNNING) {
		ui->ended_step = i;
		/* Its last line is in the scrollback now; the next program
		 * starts with plain arrows. */
		if (ui->live_step == i) {
			ui->live_len = 0;
			ui->app_cursor = 0;
		}
		ui_vterm_end(ui, i);
	}
}

static void
on_output_block(void *arg, int step, const struct outblock *block)
{
	struct ui *ui = arg;

	ui->output_bytes += block->len;
	if (step == ui->sel)
		ui->dirty = 1;
}

/* Keeps the newest ESC [ ? 1 h / l of the chunk: which arrows the program
 * reads. One cut in two by a read is missed; programs repeat it. */
static void
note_cursor_keys(struct ui *ui, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *hit;

	while ((hit = memmem(p, (size_t)(end - p), "\033[?1", 4)) != NULL && end - hit >= 5) {
		if (hit[4] == 'h' || hit[4] == 'l')
			ui->app_cursor = hit[4] == 'h';
		p = hit + 4;
	}
}

/* An interactive step's bytes: the pane shows its unfinished last line
 * (a prompt, what is being typed) from here; whole lines come as lines. */
static void
on_raw_output(void *arg, int step, const char *data, size_t len)
{
	struct ui *ui = arg;
	const char *nl = memrchr(data, '\n', len);
	size_t keep;

	ui_vterm_feed(ui, step, data, len);
	note_cursor_keys(ui, data, len);
	if (step != ui->live_step || nl != NULL)
		ui->live_len = 0;
	ui->live_step = step;
	if (nl != NULL) {
		len -= (size_t)(nl + 1 - data);
		data = nl + 1;
	}
	/* Only the end of an overlong line is kept, from a character's start. */
	if (ui->live_len + len > UI_LIVE_MAX) {
		keep = len >= UI_LIVE_MAX ? 0 : UI_LIVE_MAX - len;
		memmove(ui->live, ui->live + ui->live_len - keep, keep);
		ui->live_len = keep;
		if (len > UI_LIVE_MAX) {
			data += len - UI_LIVE_MAX;
			len = UI_LIVE_MAX;
		}
	}
	memcpy(ui->live + ui->live_len, data, len);
	ui->live_len += len;
	while (ui->live_len > 0 && ((unsigned char)ui->live[0] & 0xc0) == 0x80)
		memmove(ui->live, ui->live + 1, --ui->live_len);
	if (step == ui->sel)
		ui->dirty = 1;
}

static void
on_notice(void *arg, const char *msg)
{
	struct ui *ui = arg;

	snprintf(ui->message, sizeof ui->message, "%s", msg);
	ui->urgent = 1;
	ui_touch(ui);
	/* Before the run exists the engine is about to block (a secret's
	 * from_command): show why now, not after. */
	if (ui->e == NULL)
		ui_draw_now(ui);
}

/* A file of the incident cannot be written: the run stopped; say so in a
 * dialog the operator must close, not a line that the next one replaces. */
static void
on_write_failed(void *arg, const char *msg)
{
	struct ui *ui = arg;

	ui_run_error(ui, "The run is stopped: a file cannot be written", msg);
	snprintf(ui->message, sizeof ui->message, "STOPPED: %s", msg);
	ui->urgent = 1;
	ui_touch(ui);
}

/* The timeline reads the journal itself (ui_timeline.c): redraw. */
static void
on_journaled(void *arg, const char *event, const char *summary)
{
	(void)event;
	(void)summary;
	ui_touch(arg);
}

/* --- helpers --- */

void
ui_run_error(struct ui *ui, const char *what, const char *cause)
{
	struct dialog *d = ui_dialog_open(ui, DLG_MESSAGE, -1, what);

	d->body = xstrdup(cause != NULL ? cause : "unknown error");
}

void
ui_run_decide(struct ui *ui, int i, enum run_decision d, const char *detail)
{
	char *cause = NULL;

	if (runpolicy_decide(ui->e, i, d, detail, &cause) != 0) {
		snprintf(ui->message, sizeof ui->message, "journal: %s", cause);
		free(cause);
	}
}

/* The command as the operator will see it run, expanded by the engine with
 * secrets as ****. */
static char *
command_text(struct ui *ui, int i)
{
	return engine_display_command(ui->e, i);
}

/* The body is what runs, so it scrolls and must be read to its end; the
 * foot (the timeout and which keys do what) stays on screen beside the
 * field, however long the command is. */
void
ui_run_step_text(struct ui *ui, struct dialog *d, int i, const char *keys)
{
	const struct step *s = &ui->rb->steps[i];
	char *cmd = command_text(ui, i), tmo[32] = "none";
	char *title = engine_display_text(ui->e, i, s->title.s);

	if (s->timeout_ms > 0)
		duration_format(s->timeout_ms, tmo, sizeof tmo);
	free(d->body);
	free(d->foot);
	d->body = xprintf("Step %d of %d: %s (%s)\n%s %s", i + 1, ui->rb->nsteps, title, s->id,
	    s->action == ACTION_MANUAL ? "manual:" : "$", cmd);
	d->foot = xprintf("timeout %s, retries %d%s\n%s", tmo, s->retries,
	    s->rollback.s != NULL ? ", rollback available" : "", keys);
	free(title);
	free(cmd);
}

int
ui_run_startable(const struct ui *ui, int i)
{
	enum step_status st;

	if (ui->e == NULL || i < 0 || i >= ui->rb->nsteps)
		return 0;
	st = engine_step(ui->e, i)->status;
	return st != STEP_OK && st != STEP_RUNNING;
}

/* Step i runs a program the operator can type into now: its command, its
 * verify or its rollback, not the wait between attempts. */
int
ui_run_attachable(const struct ui *ui, int i)
{
	const struct step_state *st;

	if (ui->e == NULL || i < 0 || i >= ui->rb->nsteps || !ui->rb->steps[i].interactive)
		return 0;
	st = engine_step(ui->e, i);
	return engine_running_step(ui->e) == i && (st->status == STEP_RUNNING || st->rollback_running) &&
	    !st->retry_waiting;
}

/* The keyboard back to the console; why says what did it. */
void
ui_run_detach(struct ui *ui, const char *why)
{
	if (!ui->attached)
		return;
	ui->attached = 0;
	ui_run_decide(ui, ui->attach_step, DECISION_DETACHED, NULL);
	snprintf(ui->message, sizeof ui->message, "detached from '%s' (%s): the keys are the console's again",
	    ui->rb->steps[ui->attach_step].id, why);
}

/* A pty step's terminal is as big as the pane's text, attached or not: a
 * program that lays out its screen lays it out for what is shown. Steps
 * started later get that size from the start. */
void
ui_run_sync_pty(struct ui *ui, int cols, int rows)
{
	int r = ui->e != NULL ? engine_running_step(ui->e) : -1;

	if (cols <= 0 || rows <= 0 || ui->e == NULL)
		return;
	engine_set_pty_size(ui->e, cols, rows);
	if (!ui_run_attachable(ui, r) || (r == ui->pty_step && cols == ui->pty_cols && rows == ui->pty_rows))
		return;
	if (engine_resize_pty(ui->e, r, cols, rows) == 0) {
		ui->pty_step = r;
		ui->pty_cols = cols;
		ui->pty_rows = rows;
		ui_vterm_resize(ui, r, cols, rows);
	}
}

void
ui_run_select(struct ui *ui, int i)
{
	if (i < 0 || i >= ui->rb->nsteps || i == ui->sel)
		return;
	ui->sel = i;
	ui->host_pick = 0;
	ui->follow = 1;
	ui->out_top = 0;
	ui->match_line = -1;
}

int
ui_run_needs_operator(const struct ui *ui, int k)
{
	return runpolicy_needs_operator(ui->e, k, ui->passed);
}

/* The next step after from (round to the top) that still needs the
 * operator: a failed step left unanswered counts, so the selection never
 * passes over it once the step after it is done. */
static int
next_pending(const struct ui *ui, int from)
{
	return runpolicy_next_round(ui->e, from, ui->passed);
}

/* What the console can do, for the run policy: someone is always there. */
static struct runpolicy_opts
policy_opts(const struct ui *ui)
{
	return (struct runpolicy_opts){ 1, ui->o.yes, ui->o.allow_destructive, 0 };
}

/* --- starting steps --- */

void
ui_run_start(struct ui *ui, int i, enum confirm_how how)
{
	char *cause = NULL;

	if (engine_start_step(ui->e, i, how, &cause) != 0) {
		ui_run_error(ui, "The step did not start", cause);
		free(cause);
		return;
	}
	ui->follow = 1;
	ui->match_line = -1;
	ui_arm_tick(ui);
}

/* --- two-person approval --- */

/* What the approval dialog says now: the command the second operator
 * runs, how long the step has waited, or who approved it. */
void
ui_run_approval_body(struct ui *ui, struct dialog *d)
{
	const char *who = NULL;
	char since[32], *tail;

	duration_format_clock(clock_wall_ms() - d->opened_wall, since, sizeof since);
	if (engine_step_approved(ui->e, d->step, &who))
		tail = xprintf("APPROVED by %s: starting the step.", who);
	else
		tail = xprintf("This step needs a second operator's approval. From their own terminal:\n\n"
		    "  drconsole approve %s %s\n\nWaiting for it (%s). It starts as soon as the approval "
		    "arrives; Esc backs out and leaves the step waiting.", engine_incident_dir(ui->e),
		    ui->rb->steps[d->step].id, since);
	ui_run_step_text(ui, d, d->step, tail);
	free(tail);
}

static void
start_approved(struct ui *ui, int i)
{
	const char *who = NULL;

	engine_step_approved(ui->e, i, &who);
	ui_run_start(ui, i, HOW_APPROVED);
	if (ui->message[0] == '\0')
		snprintf(ui->message, sizeof ui->message, "'%s' approved by %s: started", ui->rb->steps[i].id,
		    who != NULL ? who : "?");
}

static void
ask_approval(struct ui *ui, int i)
{
	const char *who;
	struct dialog *d;

	if (engine_step_approved(ui->e, i, &who)) {
		start_approved(ui, i);
		return;
	}
	d = ui_dialog_open(ui, DLG_APPROVAL, i, "Waiting for a second operator's approval");
	d->opened_wall = clock_wall_ms();
	ui_run_approval_body(ui, d);
}

/* The approval the open dialog waits for arrived: say so, and start. */
static void
check_approval(struct ui *ui)
{
	struct dialog *d = ui_dialog_top(ui);
	const char *who;
	int i;

	if (d == NULL || d->kind != DLG_APPROVAL || !engine_step_approved(ui->e, d->step, &who) ||
	    engine_busy(ui->e) || ui->finished || ui->quitting)
		return;
	i = d->step;
	ui_dialog_close(ui);
	start_approved(ui, i);
}

/* An input step's dialog: its prompt and help; Enter gives the value to
 * the engine, which checks it as a param's (the error stays in the
 * dialog); a secret is typed as stars. */
void
ui_run_open_input(struct ui *ui, int i)
{
	const struct param *p = &ui->rb->steps[i].input;
	char *prompt = engine_input_prompt(ui->e, i);
	struct dialog *d = ui_dialog_open(ui, DLG_INPUT, i, "The runbook asks for a value");

	d->body = xprintf("%s%s%s\n\nEnter gives it; Esc backs out.", prompt, p->help != NULL ? "\n" : "",
	    p->help != NULL ? p->help : "");
	d->secret = p->type == PARAM_SECRET;
	free(prompt);
}

/* Asks what the run policy says to ask before step i runs. */
void
ui_run_ask(struct ui *ui, int i)
{
	struct runpolicy_opts po = policy_opts(ui);
	struct dialog *d;
	char *cause = NULL, *why = NULL;
	int skipped = runpolicy_condition(ui->e, i, &why);

	/* A false `when:` is a journaled skip: nothing to confirm. */
	if (skipped != 0) {
		if (skipped > 0)
			snprintf(ui->message, sizeof ui->message, "%s: skipped, %s", ui->rb->steps[i].id, why);
		else
			ui_run_error(ui, "The step's condition", why);
		free(why);
		return;
	}
	switch (runpolicy_confirm(ui->e, i, &po)) {
	case ASK_INPUT_GIVEN:
		if (runpolicy_answer_given(ui->e, i, &cause) != 0) {
			ui_run_error(ui, "The answer given before the run", cause);
			free(cause);
		}
		break;
	case ASK_INPUT:
		ui_run_open_input(ui, i);
		break;
	case ASK_DRY_SKIP:
		if (engine_skip(ui->e, i, JSKIP_DRY_RUN, RUNPOLICY_DRY_REASON, &cause) != 0) {
			ui_run_error(ui, "The step was not skipped", cause);
			free(cause);
		}
		break;
	case ASK_ATTEST:
	case ASK_ATTEST_UNATTENDED:
	case ASK_REFUSED:	/* someone is here: they attest, answer or type */
		if (ui->rb->steps[i].action == ACTION_INPUT) {
			ui_run_open_input(ui, i);
			break;
		}
		if (ui->rb->steps[i].action == ACTION_MANUAL) {
			d = ui_dialog_open(ui, DLG_ATTEST, i, "Attest a manual step");
			ui_run_step_text(ui, d, i, "Enter attests that this was done (the note is optional); Esc backs out.");
			break;
		}
		/* FALLTHROUGH */
	case ASK_TYPED:
		d = ui_dialog_open(ui, DLG_TYPE_CONFIRM, i, "DESTRUCTIVE STEP: type its id to run it");
		ui_run_step_text(ui, d, i, "Type the step id exactly, then Enter. Nothing else runs it; Esc backs out.");
		break;
	case ASK_APPROVAL:
		ask_approval(ui, i);
		break;
	case ASK_NOTHING:
		ui_run_start(ui, i, HOW_AUTO);
		break;
	case ASK_YES:
		d = ui_dialog_open(ui, DLG_CONFIRM, i, "Run this step?");
		ui_run_step_text(ui, d, i, "y / Enter: run it      n / Esc: back out");
		break;
	}
}

/* The step's own last lines usually say why it failed ("refusing to
 * restore"): the failure dialog shows them, made safe for the terminal as
 * the pane draws them. */
static void
failure_tail(struct ui *ui, int i, struct dialog *d)
{
	const struct outbuf *out = engine_step(ui->e, i)->out;
	size_t count = out != NULL ? outbuf_count(out) : 0;
	size_t first = count > UI_FAIL_TAIL ? count - UI_FAIL_TAIL : 0;
	char buf[UI_LINE_BUF];
	struct strbuf b;

	if (count == 0)
		return;
	strbuf_init(&b);
	for (size_t k = first; k < count; k++) {
		const struct outline *line = outbuf_line(out, k);

		if (line == NULL)
			continue;
		termsafe_render(line->text, line->len, buf, sizeof buf);
		strbuf_addf(&b, "%s%s", k > first ? "\n" : "", buf[0] != '\0' ? buf : " ");
	}
	d->tail = strbuf_detach(&b);
	d->tail_total = outbuf_total(out);
}

void
ui_run_open_failure(struct ui *ui, int i)
{
	const struct step *s = &ui->rb->steps[i];
	const struct step_state *st = engine_step(ui->e, i);
	char title[UI_TEXT_MAX];
	struct dialog *d;
	unsigned choices;

	/* A file that cannot be written stopped the run: its dialog stays,
	 * as nothing here (a retry, the next step) could start now. */
	if (engine_write_error(ui->e) != NULL)
		return;
	snprintf(title, sizeof title, "Step '%s' %s", s->id, st->status == STEP_FAILED ? "failed" :
	    st->status == STEP_ROLLED_BACK ? "was rolled back" : step_status_name(st->status));
	d = ui_dialog_open(ui, DLG_FAILURE, i, title);
	d->body = xprintf("%s\nattempt %d%s%s%s", st->reason ? st->reason : "",
	    st->attempt, st->exit_desc[0] ? ", " : "", st->exit_desc,
	    st->rolled_back > 0 ? "\nthe rollback ran and succeeded" :
	    st->rolled_back < 0 ? "\nthe rollback FAILED" : "");
	failure_tail(ui, i, d);
	d->foot = xstrdup("What now?");
	choices = runpolicy_choices(ui->e, i);
	if (choices & CHOICE_RETRY)
		ui_dialog_add_choice(d, 'r', "retry the step", CH_RETRY);
	if (choices & CHOICE_SKIP)
		ui_dialog_add_choice(d, 's', "skip it (a reason is required)", CH_SKIP);
	if (choices & CHOICE_ROLLBACK)
		ui_dialog_add_choice(d, 'b', "run its rollback", CH_ROLLBACK);
	if (choices & CHOICE_ABORT)
		ui_dialog_add_choice(d, 'a', "abort the run", CH_ABORT);
}

void
ui_run_open_interrupted(struct ui *ui, int i)
{
	struct dialog *d = ui_dialog_open(ui, DLG_INTERRUPTED, i, "Interrupted step: outcome unknown");

	d->body = xprintf("Step '%s' was running when the console stopped; nobody knows whether it "
	    "finished. Check the system, then decide.", ui->rb->steps[i].id);
	ui_dialog_add_choice(d, 'r', "re-run it", CH_RERUN);
	ui_dialog_add_choice(d, 'd', "mark it done (a note saying how you know is required)", CH_DONE);
	ui_dialog_add_choice(d, 's', "skip it (a reason is required)", CH_SKIP);
}

/* --- the end of a step, and of the run --- */

void
ui_run_finish(struct ui *ui, enum run_outcome o)
{
	char *cause = NULL;

	/* This process hashed every output as it wrote it; rereading them
	 * all would hold the end of a big run up for seconds per GiB. */
	if (runpolicy_finish(ui->e, o, &cause) != 0 ||
	    report_write_postmortem(engine_incident_dir(ui->e), REPORT_CHAIN_ONLY, &cause) != 0) {
		ui_run_error(ui, "The run did not end cleanly", cause);
		free(cause);
	}
	ui->finished = 1;
	snprintf(ui->outcome, sizeof ui->outcome, "%s", run_outcome_name(o));
	ui->finished_wall = clock_wall_ms();
	ui->exit_code = runpolicy_exit_code(ui->e, o);
	if (ui->tick_timer != NULL)
		loop_cancel_timer(ui->loop, ui->tick_timer);
	ui->tick_timer = NULL;
}

/* Over when every step is ok or skipped, or failed and passed on. */
static void
check_complete(struct ui *ui)
{
	if (runpolicy_over(ui->e, 0, ui->passed))
		ui_run_finish(ui, runpolicy_outcome(ui->e, 0));
}

static void
after_failure(struct ui *ui, int i)
{
	struct runpolicy_opts po = policy_opts(ui);

	switch (runpolicy_after_failure(ui->e, i, &po)) {
	case FAILURE_ABORT:
	case FAILURE_INTERRUPTED:
		ui_run_finish(ui, OUTCOME_ABORTED);
		break;
	case FAILURE_CONTINUE:
		ui->passed[i] = 1;
		ui_pane_hold(ui, i, next_pending(ui, i));
		check_complete(ui);
		break;
	case FAILURE_STOPPED:	/* the dialog that says so stays up */
		break;
	case FAILURE_ASK:
		ui_run_select(ui, i);
		ui_run_open_failure(ui, i);
		break;
	}
}

static void
handle_end(struct ui *ui, int i)
{
	const struct step_state *st = engine_step(ui->e, i);

	if (i == ui->rollback_step) {
		snprintf(ui->message, sizeof ui->message, "rollback of '%s': %s", ui->rb->steps[i].id,
		    st->rolled_back > 0 ? "ok" : "FAILED");
		ui->rollback_step = -1;
	}
	/* end_run: the remaining steps are skipped with the outcome. */
	if (st->status == STEP_OK && runpolicy_end_run(ui->e, i))
		snprintf(ui->message, sizeof ui->message, "the run ends after '%s': %s", ui->rb->steps[i].id,
		    ui->rb->steps[i].end_run_outcome.s);
	switch (st->status) {
	case STEP_OK:
	case STEP_SKIPPED:
		ui_pane_hold(ui, i, next_pending(ui, i));
		check_complete(ui);
		break;
	case STEP_FAILED:
	case STEP_TIMEOUT:
	case STEP_CANCELLED:
		after_failure(ui, i);
		break;
	case STEP_ROLLED_BACK:	/* undone: run it again, skip it, or abort */
		ui_run_select(ui, i);
		ui_run_open_failure(ui, i);
		break;
	default:
		break;
	}
}

void
ui_run_after_turn(struct ui *ui)
{
	int i = ui->ended_step;

	if (ui->e == NULL)
		return;
	ui_ask_drop_stale(ui);
	check_approval(ui);
	if (ui->attached && !ui_run_attachable(ui, ui->attach_step))
		ui_run_detach(ui, "the step ended");
	if (ui->quitting == 1 && !engine_busy(ui->e)) {
		ui_quit(ui, ui->signalled ? EXIT_INTERRUPTED : EXIT_OK);
		return;
	}
	if (i < 0 || ui->quitting || engine_busy(ui->e) || ui->finished)
		return;
	ui->ended_step = -1;
	handle_end(ui, i);
}

/* --- opening the run --- */

/* The step that was running when the console died, or -1. */
static int
interrupted_step(const struct ui *ui)
{
	for (int i = 0; i < ui->rb->nsteps; i++) {
		if (engine_step(ui->e, i)->status == STEP_INTERRUPTED)
			return i;
	}
	return -1;
}

/* An interrupted step is settled as --rerun-interrupted or
 * --skip-interrupted say (runpolicy_interrupted), else the operator is asked. */
static void
settle_interrupted(struct ui *ui, int i)
{
	char *cause = NULL;

	switch (runpolicy_interrupted(ui->e, i, ui->o.rerun_interrupted, ui->o.skip_interrupted, &cause)) {
	case INTERRUPTED_RERUN: ui_run_ask(ui, i); break;
	case INTERRUPTED_SKIPPED: break;
	case INTERRUPTED_STOPPED: ui_run_error(ui, "The interrupted step was not skipped", cause); break;
	case INTERRUPTED_ASK: ui_run_open_interrupted(ui, i); break;
	}
	free(cause);
}

/* Settles an interrupted step first: once skipped, the selection moves on. */
static void
select_first(struct ui *ui)
{
	int interrupted = interrupted_step(ui);

	if (interrupted >= 0)
		settle_interrupted(ui, interrupted);
	ui->sel = -1;
	for (int i = 0; i < ui->rb->nsteps && ui->sel < 0; i++) {
		enum step_status st = engine_step(ui->e, i)->status;

		if (st != STEP_OK && st != STEP_SKIPPED)
			ui->sel = i;
	}
	if (ui->sel < 0)
		ui->sel = 0;
}

/* A runbook that group or others can write may have been changed by
 * someone else: the operator says they trust it before anything runs. */
static void
confirm_loose(struct ui *ui)
{
	struct dialog *d = ui_dialog_open(ui, DLG_LOOSE, -1, "The runbook can be changed by others");

	d->body = xprintf("%s (or a file it includes) is writable by group or others: whoever can write it "
	    "chooses the commands this run executes. Check it, and chmod go-w it.", ui->rb->path);
	ui_dialog_add_choice(d, 'r', "run it anyway", CH_TRUST);
	ui_dialog_add_choice(d, 'b', "back", CH_STAY);
}

/* Starts or resumes the run with the form's params; -1 keeps the form. */
int
ui_run_open(struct ui *ui)
{
	struct engine_opts eo;
	char *cause = NULL;
	int rc;

	if (ui->rb->loose && !ui->loose_ok) {
		confirm_loose(ui);
		return -1;
	}
	runopts_engine_opts(&ui->o, ui->rb, ui->loop, &eo);
	eo.hooks = (struct engine_hooks){
		.step_changed = on_step_changed,
		.output_block = on_output_block,
		.notice = on_notice,
		.write_failed = on_write_failed,
		.journaled = on_journaled,
		.raw_output = on_raw_output,
		/* SIGTERM or SIGHUP while a secret's command is waited for. */
		.interrupted = runopts_stop_pending,
		.arg = ui,
	};
	rc = ui->resuming ? engine_resume(&ui->e, &eo, &cause) : engine_new(&ui->e, &eo, &cause);
	if (rc != 0) {
		if (rc == ENGINE_RESUME_CHANGED) {
			struct dialog *d = ui_dialog_open(ui, DLG_CHANGED, -1, "The runbook changed");

			d->body = xprintf("%s. Its steps may differ from the ones already journaled.", cause);
			ui_dialog_add_choice(d, 'a', "go on with the runbook as it is now", CH_ACCEPT);
			ui_dialog_add_choice(d, 'b', "back", CH_STAY);
		} else
			snprintf(ui->form_error, sizeof ui->form_error, "%s", cause);
		free(cause);
		ui->e = NULL;
		/* A signal cut a secret's fetch short: it is acted on now, before
		 * anything else the operator (or a script) does. */
		for (size_t k = 0; k < RUNOPTS_NSTOP; k++) {
			if (runopts_stop_signals[k] != SIGINT && loop_signal_pending(runopts_stop_signals[k]))
				ui_run_signal(ui, runopts_stop_signals[k]);
		}
		return -1;
	}
	ui->passed = xcalloc((size_t)ui->rb->nsteps + 1, sizeof *ui->passed);
	ui->screen = SCREEN_RUN;
	ui->focus = FOCUS_LIST;
	ui->ended_step = -1;
	ui->rollback_step = -1;
	ui->live_step = -1;
	ui->held_step = -1;
	ui->follow = 1;
	ui->show_why = engine_mode(ui->e) == MODE_TRAINING;
	select_first(ui);
	ui_arm_tick(ui);
	return 0;
}

/* SIGTERM, SIGHUP, or the terminal gone: cancel the running step, wait for
 * it, journal, leave the incident open for resume, exit. */
void
ui_run_signal(struct ui *ui, int signo)
{
	const char *name = signo == SIGTERM ? "SIGTERM" : "SIGHUP";
	int r;

	if (ui->e == NULL || ui->finished) {
		ui_quit(ui, ui->finished ? ui->exit_code : EXIT_INTERRUPTED);
		return;
	}
	if (ui->signalled)
		return;
	ui->signalled = 1;
	r = engine_running_step(ui->e);
	ui_run_decide(ui, r, r >= 0 ? DECISION_SIGNAL_CANCEL_EXIT : DECISION_SIGNAL_EXIT, name);
	if (r < 0) {
		ui_quit(ui, EXIT_INTERRUPTED);
		return;
	}
	ui->quitting = 1;
	engine_cancel(ui->e, r);
}
