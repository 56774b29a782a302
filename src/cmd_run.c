/* cmd_run.c: `drconsole run`, the line-mode front end: for cron jobs (the
 * weekly restore test), CI, and terminals where a full screen won't do. It
 * drives the engine exactly as the console does, and prints what happens. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cmd_run_int.h"
#include "commands.h"
#include "duration.h"
#include "engine.h"
#include "loader.h"
#include "log.h"
#include "rbcheck.h"
#include "report.h"
#include "runopts.h"
#include "runexport.h"
#include "runpolicy.h"
#include "scorecard.h"

#include "termsafe.h"
#include "xmalloc.h"


/* --- output --- */

const char *
runner_paint(const struct runner *r, const char *code)
{
	return r->color ? code : "";
}


/* A line's end: while the terminal is handed to a step it is raw, and
 * adds no CR of its own. */
static const char *
eol(const struct runner *r)
{
	return r->handed ? "\r\n" : "\n";
}

/* What we print next starts on a line of its own, after a step's raw
 * output that did not end one. */
void
runner_end_raw_line(struct runner *r)
{
	if (r->last_out != '\n')
		fputs(eol(r), stdout);
	r->last_out = '\n';
	fflush(stdout);
}

/* A secret capture's lines are hidden whole: the engine shows none of its
 * output raw, so its lines (saying so) are printed as usual. */
static int
hidden_capture(const struct runner *r, int step)
{
	const struct step *s = &engine_runbook(r->e)->steps[step];

	return step_captures_secret(s);
}

/* The hot path of a flooding step: each line of the block gets its mark in
 * one pass into a buffer kept across blocks, which goes to stdio in one
 * call. On a terminal each line is neutralised (termsafe.h); a log file
 * or a pipe gets the step's bytes as they came, like the output file. Nothing at all when stdout is /dev/null (a cron job's usual
 * redirect): nobody can read it, and the output file has every line. */
static void
on_output_block(void *arg, int step, const struct outblock *b)
{
	struct runner *r = arg;
	const char *mark = b->stream == 2 ? r->err_mark : r->out_mark, *end_of_line = eol(r);
	const char *p = b->text, *end = b->text + b->len, *nl;
	size_t ml = strlen(mark), el = strlen(end_of_line), n, need;
	char *o;

	if (r->discard || (step == r->raw_step && !hidden_capture(r, step)))
		return;		/* nobody to show it to, or shown raw as it came */
	need = b->len + b->nlines * (ml + el) + 1;	/* termsafe_line's NUL */
	if (need > r->fmt_cap) {
		r->fmt = xreallocarray(r->fmt, need, 1);
		r->fmt_cap = need;
	}
	for (o = r->fmt; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;	/* a block's lines all end in '\n' */
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		memcpy(o, mark, ml);
		if (r->out_safe)
			n = termsafe_line(p, n, o + ml, r->color);
		else
			memcpy(o + ml, p, n);
		memcpy(o + ml + n, end_of_line, el);
		o += ml + n + el;
	}
	fwrite_unlocked(r->fmt, 1, (size_t)(o - r->fmt), stdout);
}

/* stdout is /dev/null itself (not a file that happens to be empty). */
static int
stdout_is_dev_null(void)
{
	struct stat out, null;

	return fstat(STDOUT_FILENO, &out) == 0 && stat("/dev/null", &null) == 0 && S_ISCHR(out.st_mode) &&
	    out.st_rdev == null.st_rdev;
}

static void
on_notice(void *arg, const char *msg)
{
	struct runner *r = arg;

	runner_end_raw_line(r);
	tell(r, "%sdrconsole: %s%s%s", runner_paint(r, C_YELLOW), msg, runner_paint(r, C_RESET), eol(r));
}

static void
on_write_failed(void *arg, const char *msg)
{
	struct runner *r = arg;

	runner_end_raw_line(r);
	fprintf(stderr, "%sdrconsole: STOPPED: %s%s%s", runner_paint(r, C_RED), msg, runner_paint(r, C_RESET), eol(r));
}

static void
on_step_changed(void *arg, int i)
{
	struct runner *r = arg;
	const struct step_state *st = engine_step(r->e, i);

	if (st->retry_waiting) {
		char d[32];

		duration_format(st->retry_delay_ms, d, sizeof d);
		runner_end_raw_line(r);
		say(r, "  %sattempt %d %s (%s); retrying in %s%s%s", runner_paint(r, C_YELLOW), st->attempt,
		    st->exit_desc[0] ? st->exit_desc : "failed", st->reason ? st->reason : "", d,
		    runner_paint(r, C_RESET), eol(r));
	}
	fflush(stdout);
}

/* --- decisions --- */

void
runner_journal_decision(struct runner *r, int i, enum run_decision d)
{
	char *cause = NULL;

	if (runpolicy_decide(r->e, i, d, NULL, &cause) != 0) {
		tell(r, "drconsole: %s\n", cause);
		free(cause);
	}
}

/* What this runner can do, for the run policy. */
static struct runpolicy_opts
policy_opts(const struct runner *r)
{
	return (struct runpolicy_opts){ r->interactive, r->o.yes, r->o.allow_destructive, r->interrupts > 0 };
}

/* --- signals --- */


static void
on_signal(int signo, void *arg)
{
	struct runner *r = arg;
	int64_t now = clock_mono_ms();
	/* No engine yet: a param asked for, or a secret being fetched. */
	int running = r->e != NULL ? engine_running_step(r->e) : -1;

	runner_take_back(r);	/* our terminal first: what follows is for a person */

	if (signo == SIGINT) {
		if (r->interrupts > 0 && now - r->last_interrupt < 2000) {
			r->abort = 1;
			tell(r, "\ndrconsole: second interrupt: aborting the run\n");
		} else if (running >= 0)
			tell(r, "\ndrconsole: cancelling the running step (Ctrl-C again within 2 s aborts the run)\n");
		r->interrupts++;
		r->last_interrupt = now;
	} else {
		r->abort = r->signalled = 1;
		tell(r, "\ndrconsole: %s: cancelling and aborting\n", strsignal(signo));
	}
	if (running >= 0)
		engine_cancel(r->e, running);
}

/* --- one step --- */

static void
print_header(struct runner *r, int i)
{
	const struct runbook *rb = engine_runbook(r->e);
	const struct step *s = &rb->steps[i];
	const char *phase = runbook_step_phase(rb, i), *before = i > 0 ? runbook_step_phase(rb, i - 1) : NULL;
	char *title = engine_display_text(r->e, i, s->title.s);

	if (phase != NULL && (before == NULL || strcmp(before, phase) != 0))
		say(r, "\n%s== %s ==%s\n", runner_paint(r, C_BOLD), phase, runner_paint(r, C_RESET));
	say(r, "\n%s[%d/%d] %s%s %s(%s)%s\n", runner_paint(r, C_BOLD), i + 1, rb->nsteps, title,
	    runner_paint(r, C_RESET), runner_paint(r, C_DIM), s->id, runner_paint(r, C_RESET));
	free(title);
	if (s->why.s != NULL && (r->o.mode == MODE_TRAINING || r->o.verbose))
		say(r, "  why: %s\n", s->why.s);
	if (s->action == ACTION_MANUAL) {
		char *text = engine_display_text(r->e, i, s->manual.s);

		say(r, "  manual: %s\n", text);
		free(text);
	}
	fflush(stdout);
}

/* The command as it runs, continuation lines indented under the "$ ". */
static void
print_command(struct runner *r, int i)
{
	const struct step_state *st = engine_step(r->e, i);
	const char *p, *nl;

	if (st->command == NULL)
		return;
	say(r, "  %s$ ", runner_paint(r, C_CYAN));
	for (p = st->command; (nl = strchr(p, '\n')) != NULL && nl[1] != '\0'; p = nl + 1)
		say(r, "%.*s\n    ", (int)(nl - p), p);
	say(r, "%.*s%s\n", (int)strcspn(p, "\n"), p, runner_paint(r, C_RESET));
}

enum verdict {
	V_RUN,
	V_SKIP,
	V_ABORT,
};

/* Asks what runpolicy_confirm says to ask: the step id typed, or y/n/q. */
/* A typed id that did not match: journaled, then said; nothing runs. */
static void
refuse_typed(struct runner *r, int i, const char *typed)
{
	char *cause = NULL;

	if (engine_confirm_refused(r->e, i, typed, &cause) != 0) {
		tell(r, "drconsole: %s\n", cause);
		free(cause);
	}
	say(r, "  That is not '%s': nothing ran.\n", engine_runbook(r->e)->steps[i].id);
}

static enum verdict
ask_confirm(struct runner *r, int i, enum confirm_ask ask, enum confirm_how *how)
{
	const struct step *s = &engine_runbook(r->e)->steps[i];
	const char *a;
	char *prompt;

	if (ask == ASK_TYPED) {
		prompt = xprintf("  Destructive step. Type the step id (%s) to run it, 's' to skip, 'q' to abort: ", s->id);
		for (;;) {
			a = runner_ask(r, prompt, 0);
			if (a == NULL || strcmp(a, "q") == 0)
				return free(prompt), V_ABORT;
			if (strcmp(a, "s") == 0)
				return free(prompt), V_SKIP;
			if (strcmp(a, s->id) == 0)
				return free(prompt), *how = HOW_TYPED, V_RUN;
			refuse_typed(r, i, a);
		}
	}
	for (;;) {
		a = runner_ask(r, "  Run it? [y]es / [n]o, skip / [q]uit: ", 0);
		if (a == NULL || strcmp(a, "q") == 0)
			return V_ABORT;
		if (*a == 'y' || *a == 'Y' || *a == '\0')
			return *how = HOW_CONFIRMED, V_RUN;
		if (*a == 'n' || *a == 'N')
			return V_SKIP;
	}
}

static int
skip_with_reason(struct runner *r, int i, const char *fallback)
{
	const char *reason = fallback;
	char *cause;

	if (r->interactive && fallback == NULL) {
		while ((reason = runner_ask(r, "  Reason for skipping (required): ", 0)) != NULL && *reason == '\0')
			;
		if (reason == NULL)
			return -1;
	}
	if (engine_skip(r->e, i, JSKIP_OPERATOR, reason ? reason : "skipped by the operator", &cause) != 0) {
		tell(r, "drconsole: %s\n", cause);
		free(cause);
		return -1;
	}
	say(r, "  %sskipped%s: %s\n", runner_paint(r, C_YELLOW), runner_paint(r, C_RESET), reason);
	return 0;
}

/* Whoever read our stdout has gone (`| head -1`): printing stops, the
 * run and its journal go on, and the exit status stays the run's. */
static void
check_stdout(struct runner *r)
{
	int null;

	if (!ferror(stdout) || r->discard)
		return;
	log_debug("stdout: %s: printing stops", strerror(errno));
	if ((null = open("/dev/null", O_WRONLY|O_CLOEXEC)) != -1) {
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	clearerr(stdout);
	r->discard = 1;
}

/* Output is flushed once per loop turn, not per line: a log file or a
 * pipe follows the step closely without a write(2) for every line. */
static void
wait_step(struct runner *r)
{
	while (engine_busy(r->e)) {
		loop_run_once(r->loop, -1);
		fflush(stdout);
		check_stdout(r);
	}
}

/* Waits for step i's command or rollback; an interactive step's gets the
 * terminal, if there is one. */
static void
wait_or_hand_over(struct runner *r, int i)
{
	if (engine_runbook(r->e)->steps[i].interactive && r->interactive && engine_running_step(r->e) == i)
		runner_hand_over(r, i);
	else
		wait_step(r);
}

static void
print_outcome(struct runner *r, int i)
{
	const struct step_state *st = engine_step(r->e, i);
	char d[32];

	duration_format(st->duration_ms, d, sizeof d);
	if (st->status == STEP_OK)
		say(r, "  %sok%s in %s%s%s\n", runner_paint(r, C_GREEN), runner_paint(r, C_RESET), d,
		    st->attempt > 1 ? " after retrying" : "", "");
	else
		say(r, "  %s%s%s after %s: %s\n", runner_paint(r, C_RED), step_status_name(st->status),
		    runner_paint(r, C_RESET), d, st->reason ? st->reason : st->exit_desc);
	fflush(stdout);
}

/* A manual step: attested by the operator, or by --yes unattended. */
static int
run_manual(struct runner *r, int i, enum confirm_ask ask)
{
	const char *a, *note = RUNPOLICY_UNATTENDED_NOTE;
	char *cause;

	if (ask == ASK_ATTEST) {
		a = runner_ask(r, "  Attest that this was done? [y]es / [s]kip / [q]uit: ", 0);
		if (a == NULL || *a == 'q')
			return -1;
		if (*a == 's')
			return skip_with_reason(r, i, NULL);
		if (*a != 'y' && *a != 'Y')
			return -1;
		note = runner_ask(r, "  Note (optional, Enter for none): ", 0);
	}
	if (engine_attest(r->e, i, ask == ASK_ATTEST ? HOW_ATTESTED : HOW_AUTO, note, &cause) != 0) {
		tell(r, "drconsole: %s\n", cause);
		free(cause);
		return -1;
	}
	say(r, "  %sattested%s by %s\n", runner_paint(r, C_GREEN), runner_paint(r, C_RESET), engine_operator(r->e));
	return 0;
}

static void
run_rollback(struct runner *r, int i)
{
	char *cause = NULL;

	runner_journal_decision(r, i, DECISION_ROLLBACK);
	if (engine_rollback(r->e, i, &cause) != 0) {
		tell(r, "drconsole: %s\n", cause);
		free(cause);
		return;
	}
	print_command(r, i);
	wait_or_hand_over(r, i);
	say(r, "  rollback %s\n", engine_step(r->e, i)->rolled_back > 0 ? "ok" : "FAILED");
}

/* What to do after a failure, as the run policy says: 0 go on, 1 retry,
 * -1 stop the run. */
static int
after_failure(struct runner *r, int i)
{
	struct runpolicy_opts po = policy_opts(r);
	unsigned choices;
	const char *a;

	if (r->abort)
		return -1;
	switch (runpolicy_after_failure(r->e, i, &po)) {
	case FAILURE_CONTINUE:
		return 0;
	case FAILURE_INTERRUPTED:
		r->abort = 1;
		return -1;
	case FAILURE_ABORT:
	case FAILURE_STOPPED:
		return -1;
	case FAILURE_ASK:
		break;
	}
	for (;;) {
		choices = runpolicy_choices(r->e, i);
		a = runner_ask(r, choices & CHOICE_ROLLBACK ? "  [r]etry / [s]kip / roll[b]ack / [a]bort: " :
		    "  [r]etry / [s]kip / [a]bort: ", 0);
		if (a == NULL || *a == 'a') {
			runner_journal_decision(r, i, DECISION_ABORT);
			return -1;
		}
		if (*a == 'r') {
			runner_journal_decision(r, i, DECISION_RETRY);
			return 1;
		}
		if (*a == 's')
			return skip_with_reason(r, i, NULL) == 0 ? 0 : -1;
		if (*a == 'b' && (choices & CHOICE_ROLLBACK))
			run_rollback(r, i);
	}
}

/* A step whose `when:` is false is skipped, journaled with the reason.
 * Returns 1 when it handled the step, with *rc the walk's answer. */
static int
skip_by_condition(struct runner *r, int i, int *rc)
{
	char *why = NULL;
	int skipped = runpolicy_condition(r->e, i, &why);

	if (skipped == 1)
		say(r, "  %sskipped%s: %s\n", runner_paint(r, C_YELLOW), runner_paint(r, C_RESET), why);
	else if (skipped < 0)
		tell(r, "drconsole: %s\n", why);
	*rc = skipped < 0 ? -1 : 0;
	free(why);
	return skipped != 0;
}

/* confirm: approval: a second operator approves from their own terminal;
 * the run waits (Ctrl-C gives up). */
static int
wait_for_approval(struct runner *r, int i)
{
	const char *who;
	int interrupts = r->interrupts;

	if (!engine_step_approved(r->e, i, &who)) {
		say(r, "  %swaiting for a second operator's approval%s: from their terminal run\n"
		    "    drconsole approve %s %s\n", runner_paint(r, C_YELLOW), runner_paint(r, C_RESET),
		    engine_incident_dir(r->e), engine_runbook(r->e)->steps[i].id);
		fflush(stdout);
	}
	while (!engine_step_approved(r->e, i, &who) && !r->abort && r->interrupts == interrupts)
		loop_run_once(r->loop, -1);
	if (!engine_step_approved(r->e, i, &who)) {
		tell(r, "drconsole: no approval for '%s': stopping here\n", engine_runbook(r->e)->steps[i].id);
		return -1;
	}
	say(r, "  approved by %s\n", who);
	return 0;
}

/* A dry run shows everything the step would do (engine_dry_run_text),
 * and a drill's skip when it is a dry run of a drill; nothing ran. */
static int
print_dry_run(struct runner *r, int i)
{
	const struct step_state *st = engine_step(r->e, i);
	char *text = engine_dry_run_text(r->e, i);
	const char *p, *nl;

	for (p = text; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		say(r, "  %s%.*s%s\n", runner_paint(r, C_CYAN), (int)(nl - p), p, runner_paint(r, C_RESET));
	}
	free(text);
	if (st->status == STEP_SKIPPED && st->reason != NULL && strcmp(st->reason, ENGINE_DRY_RUN_REASON) != 0)
		say(r, "  %sskipped%s: %s\n", runner_paint(r, C_YELLOW), runner_paint(r, C_RESET), st->reason);
	return 0;
}

/* How step i is confirmed, as the run policy says: 0 run it (*how),
 * 1 it was skipped or attested, -1 stop the run. */
static int
confirm_step(struct runner *r, int i, enum confirm_how *how)
{
	struct runpolicy_opts po = policy_opts(r);
	enum confirm_ask ask = runpolicy_confirm(r->e, i, &po);
	char *why, *cause = NULL;

	*how = HOW_AUTO;
	switch (ask) {
	case ASK_REFUSED:
		why = runpolicy_refusal(r->e, i);
		tell(r, "drconsole: %s\n", why);
		free(why);
		return -1;
	case ASK_DRY_SKIP:
		if (engine_skip(r->e, i, JSKIP_DRY_RUN, RUNPOLICY_DRY_REASON, &cause) == 0)
			return print_dry_run(r, i) + 1;
		tell(r, "drconsole: %s\n", cause);
		free(cause);
		return -1;
	case ASK_ATTEST:
	case ASK_ATTEST_UNATTENDED:
		return run_manual(r, i, ask) == 0 ? 1 : -1;
	case ASK_INPUT:
	case ASK_INPUT_GIVEN:
		return runner_ask_input(r, i, ask) == 0 ? 1 : -1;
	case ASK_APPROVAL:
		*how = HOW_APPROVED;
		return wait_for_approval(r, i);
	case ASK_TYPED:
	case ASK_YES:
		switch (ask_confirm(r, i, ask, how)) {
		case V_ABORT: return -1;
		case V_SKIP: return skip_with_reason(r, i, NULL) == 0 ? 1 : -1;
		case V_RUN: return 0;
		}
		return -1;
	case ASK_NOTHING:
		break;
	}
	return 0;
}

/* Runs step i to an end the operator accepts: 0 go on, -1 stop the run. */
static int
drive_step(struct runner *r, int i)
{
	const struct step *s = &engine_runbook(r->e)->steps[i];
	enum confirm_how how;
	char *cause = NULL;
	int next;

	print_header(r, i);
	if (skip_by_condition(r, i, &next))
		return next;
	if (runner_refuse_interactive(r, i))
		return -1;
	if ((next = confirm_step(r, i, &how)) != 0)
		return next > 0 ? 0 : -1;
	for (;;) {
		if (engine_start_step(r->e, i, how, &cause) != 0) {
			tell(r, "drconsole: cannot start '%s': %s\n", s->id, cause);
			free(cause);
			return -1;
		}
		if (r->o.mode == MODE_DRY_RUN)
			return print_dry_run(r, i);
		print_command(r, i);
		if (s->action == ACTION_WAIT)
			say(r, "  (Ctrl-C cuts the wait short)\n");
		wait_or_hand_over(r, i);
		if (engine_step(r->e, i)->status == STEP_SKIPPED) {
			say(r, "  %sskipped%s: %s\n", runner_paint(r, C_YELLOW), runner_paint(r, C_RESET), engine_step(r->e, i)->reason);
			return 0;
		}
		print_outcome(r, i);
		if (engine_step(r->e, i)->status == STEP_OK && runpolicy_end_run(r->e, i))
			say(r, "  %sthe run ends here%s (end_run): %s\n", runner_paint(r, C_GREEN), runner_paint(r, C_RESET),
			    s->end_run_outcome.s);
		if (engine_step(r->e, i)->status == STEP_OK)
			return 0;
		if ((next = after_failure(r, i)) <= 0)
			return next;
		how = HOW_CONFIRMED;
	}
}

/* Asks the operator what to do with interrupted step i: 1 re-run it,
 * 0 settled (done or skipped), -1 the run stops. */
static int
ask_interrupted(struct runner *r, int i)
{
	const char *a;
	char *cause = NULL;
	int rc;

	a = runner_ask(r, "  [r]e-run it / mark it [d]one / [s]kip it / [q]uit: ", 0);
	if (a == NULL || *a == 'q')
		return -1;
	if (*a == 'r') {
		runner_journal_decision(r, i, DECISION_RERUN_INTERRUPTED);
		return 1;
	}
	if (*a == 's')
		return skip_with_reason(r, i, NULL) == 0 ? 0 : -1;
	if (*a != 'd')
		return -1;
	a = runner_ask(r, "  How do you know it was done? (note, required): ", 0);
	rc = a != NULL ? engine_mark_done(r->e, i, a, &cause) : -1;
	if (cause != NULL)
		tell(r, "drconsole: %s\n", cause);
	free(cause);
	return rc;
}

/* Interrupted step i, as the flags (runpolicy_interrupted) or the
 * operator say: 1 re-run it, 0 settled, -1 the run stops. */
static int
resolve_interrupted(struct runner *r, int i)
{
	char *cause = NULL;

	say(r, "\nStep %d (%s) was running when the console stopped: its outcome is unknown.\n", i + 1,
	    engine_runbook(r->e)->steps[i].id);
	switch (runpolicy_interrupted(r->e, i, r->o.rerun_interrupted, r->o.skip_interrupted, &cause)) {
	case INTERRUPTED_RERUN:
		return 1;
	case INTERRUPTED_SKIPPED:
		return 0;
	case INTERRUPTED_STOPPED:
		tell(r, "drconsole: %s\n", cause);
		free(cause);
		return -1;
	case INTERRUPTED_ASK:
		break;
	}
	if (!r->interactive) {
		tell(r, "drconsole: step '%s' was interrupted; with no terminal to ask, give "
		    "--rerun-interrupted or --skip-interrupted\n", engine_runbook(r->e)->steps[i].id);
		return -1;
	}
	return ask_interrupted(r, i);
}

/* --- the whole run --- */

static void
print_summary(struct runner *r, const char *status)
{
	const struct runbook *rb = engine_runbook(r->e);
	char d[32];

	say(r, "\n%sSummary%s: %s (%s)\n", runner_paint(r, C_BOLD), runner_paint(r, C_RESET), rb->title.s, status);
	for (int i = 0; i < rb->nsteps; i++) {
		const struct step_state *st = engine_step(r->e, i);

		duration_format(st->duration_ms, d, sizeof d);
		say(r, "  %2d  %-10s %-28s %8s%s%s\n", i + 1, step_status_name(st->status), rb->steps[i].id,
		    st->attempt > 0 ? d : "", st->reason && *st->reason ? "  " : "",
		    st->reason ? st->reason : "");
	}
	duration_format(clock_wall_ms() - engine_started_wall(r->e), d, sizeof d);
	say(r, "  elapsed %s", d);
	if (rb->rto_ms > 0) {
		char rto[32];

		duration_format(rb->rto_ms, rto, sizeof rto);
		say(r, " of the %s RTO", rto);
	}
	say(r, "\n  incident: %s\n", engine_incident_dir(r->e));
}

static int
first_step(struct runner *r)
{
	int i;

	if (r->o.from == NULL)
		return 0;
	if ((i = runbook_find_step(engine_runbook(r->e), r->o.from)) < 0)
		tell(r, "drconsole: --from: no step '%s' in the runbook\n", r->o.from);
	return i;
}

/* Each step that still needs the operator, in order, as the run policy
 * says: 0 when the walk reached the end, -1 when the run stops. */
static int
walk(struct runner *r, int from)
{
	for (int i = runpolicy_next(r->e, from, NULL); i >= 0 && !r->abort && engine_write_error(r->e) == NULL;
	    i = runpolicy_next(r->e, i + 1, NULL)) {
		int rc;

		if (engine_step(r->e, i)->status == STEP_INTERRUPTED && (rc = resolve_interrupted(r, i)) != 1) {
			if (rc != 0)
				return -1;
			continue;
		}
		if (drive_step(r, i) != 0)
			return -1;
	}
	return r->abort || engine_write_error(r->e) != NULL ? -1 : 0;
}

/* At a drill's end, how it went against its targets. */
static void
print_scorecard(struct runner *r)
{
	const char *cols = getenv("COLUMNS");
	char *cause = NULL, *text;
	json_t *card;

	if ((card = scorecard_load(engine_incident_dir(r->e), &cause)) == NULL) {
		tell(r, "drconsole: no scorecard: %s\n", cause);
		free(cause);
		return;
	}
	text = scorecard_render_text(card, cols != NULL && atoi(cols) > 0 ? atoi(cols) : 80);
	say(r, "\n%s", text);
	free(text);
	json_decref(card);
}

static int
finish(struct runner *r, int walked, int from)
{
	enum run_outcome o = r->abort && (r->signalled || r->interrupts) ? OUTCOME_INTERRUPTED :
	    walked < 0 ? OUTCOME_ABORTED : runpolicy_outcome(r->e, from);
	char *cause = NULL;

	/* This process hashed every output as it wrote it; rereading them
	 * all would hold the end of a big run up for seconds per GiB. */
	if (runpolicy_finish(r->e, o, &cause) != 0 ||
	    report_write_postmortem(engine_incident_dir(r->e), REPORT_CHAIN_ONLY, &cause) != 0) {
		tell(r, "drconsole: %s\n", cause);
		free(cause);
	}
	print_summary(r, run_outcome_name(o));
	runexport_write(engine_incident_dir(r->e), r->o.junit, r->o.metrics);
	if (engine_mode(r->e) == MODE_DRILL)
		print_scorecard(r);
	return runpolicy_exit_code(r->e, o);
}

/* A runbook group or others can write (lint warned already) runs with
 * --yes, or once the operator at a terminal says so; unattended without
 * --yes it is refused, as nobody vouched for it. A dry run runs nothing. */
static int
trust_loose(struct runner *r, const struct runbook *rb)
{
	const char *a;

	if (!rb->loose || r->o.yes || r->o.mode == MODE_DRY_RUN)
		return 0;
	if (!r->interactive) {
		tell(r, "drconsole: %s (or a file it includes) is writable by group or others and there is "
		    "no terminal to confirm it: nothing was run. chmod go-w it, or give --yes.\n", rb->path);
		return -1;
	}
	say(r, "Warning: %s (or a file it includes) is writable by group or others: whoever can write it "
	    "chooses the commands this run executes.\n", rb->path);
	a = runner_ask(r, "Run it anyway? [y/N] ", 0);
	return a != NULL && (*a == 'y' || *a == 'Y') ? 0 : -1;
}

static int
open_engine(struct runner *r, const struct runbook *rb)
{
	struct engine_opts eo = { 0 };
	char *cause = NULL;
	int rc;

	runopts_engine_opts(&r->o, rb, r->loop, &eo);
	eo.hooks.step_changed = on_step_changed;
	eo.hooks.output_block = on_output_block;
	eo.hooks.notice = on_notice;
	eo.hooks.write_failed = on_write_failed;
	eo.hooks.raw_output = runner_on_raw_output;
	eo.hooks.interrupted = runopts_stop_pending;
	eo.hooks.arg = r;
	rc = r->o.resume_dir ? engine_resume(&r->e, &eo, &cause) : engine_new(&r->e, &eo, &cause);
	if (rc == ENGINE_RESUME_CHANGED && r->interactive) {
		const char *a;

		say(r, "Warning: %s. Go on with the runbook as it is now? [y/N] ", cause);
		free(cause);
		cause = NULL;
		a = runner_ask(r, "", 0);
		eo.accept_changed_runbook = a != NULL && (*a == 'y' || *a == 'Y');
		rc = eo.accept_changed_runbook ? engine_resume(&r->e, &eo, &cause) : -1;
	}
	if (rc != 0 && cause != NULL)
		tell(r, "drconsole: %s\n", cause);
	free(cause);
	return rc;
}

int
cmd_run(int argc, char **argv)
{
	struct runner r = { 0 };
	struct runbook *rb;
	int rc, walked, from;

	if ((rc = runopts_parse(&r.o, argc, argv, "run")) != 0 || (rb = runopts_load_runbook(&r.o)) == NULL) {
		runopts_free(&r.o);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;	/* > 0: --help or --version answered */
	}
	r.interactive = isatty(0) && isatty(1);
	r.raw_step = -1;
	r.last_out = '\n';
	r.color = isatty(1) && getenv("NO_COLOR") == NULL;
	r.out_safe = isatty(1);		/* a log file or a pipe gets the raw bytes */
	r.err_safe = isatty(2);
	snprintf(r.out_mark, sizeof r.out_mark, "  %s|%s ", runner_paint(&r, C_DIM), runner_paint(&r, C_RESET));
	snprintf(r.err_mark, sizeof r.err_mark, "  %s!%s ", runner_paint(&r, C_RED), runner_paint(&r, C_RESET));
	if (!isatty(1))
		setvbuf(stdout, NULL, _IOFBF, 64 * 1024);
	r.discard = stdout_is_dev_null();
	/* A closed stdout is EPIPE for check_stdout, not death; children get
	 * their signals back to default (job.c). */
	signal(SIGPIPE, SIG_IGN);
	r.loop = loop_new();
	for (size_t i = 0; i < RUNOPTS_NSTOP; i++)
		loop_watch_signal(r.loop, runopts_stop_signals[i], on_signal, &r);
	if (trust_loose(&r, rb) != 0 || runner_prompt_params(&r, rb) != 0 || open_engine(&r, rb) != 0) {
		/* An interrupt that ended a question or a secret's fetch is the
		 * loop's to run now; then the exit says interrupted. */
		loop_run_once(r.loop, 0);
		rc = r.interrupts > 0 || r.signalled ? EXIT_INTERRUPTED : EXIT_USAGE;
		goto out;
	}
	say(&r, "%s%s%s  [%s%s]  operator %s\n  incident %s\n", runner_paint(&r, C_BOLD), rb->title.s, runner_paint(&r, C_RESET),
	    run_mode_name(engine_mode(r.e)), r.o.dry_drill ? " of a drill" : "", engine_operator(r.e),
	    engine_incident_dir(r.e));
	if ((from = first_step(&r)) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	walked = walk(&r, from);
	rc = finish(&r, walked, from);
out:
	engine_free(r.e);
	loop_free(r.loop);
	runopts_free(&r.o);
	runbook_free(rb);
	free(r.fmt);
	return rc;
}
