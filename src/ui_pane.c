/* ui_pane.c: the output pane of the selected step: its status, the full
 * command, why it exists, and under them its scrollback (ui_lines.c). A
 * remote step lists its hosts under the command, and its lines
 * ("host | ...") can be shown one host at a time; a wait step counts
 * down. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "termsafe.h"
#include "ui.h"
#include "xmalloc.h"

#define WRAP_MAX 6
#define LINE_BUF 1024

/* --- hosts and waits --- */

/* Step i's hosts (at most UI_HOSTS_MAX), 0 when it is not remote or has
 * not run. */
int
ui_step_hosts(const struct ui *ui, int i, struct host_status *hs)
{
	int n;

	if (ui->w != NULL)
		return ui_watch_hosts(ui, i, hs);
	if (ui->e == NULL || ui->rb->steps[i].on.s == NULL)
		return 0;
	n = engine_step_hosts(ui->e, i, hs, UI_HOSTS_MAX);
	return n < UI_HOSTS_MAX ? n : UI_HOSTS_MAX;
}

/* A countdown's "4:12", or "1:04:12" past an hour. */
static void
format_left(int64_t ms, char *buf, size_t len)
{
	int64_t sec = ms / 1000;

	if (sec >= 3600)
		snprintf(buf, len, "%lld:%02lld:%02lld", (long long)(sec / 3600), (long long)(sec / 60 % 60),
		    (long long)(sec % 60));
	else
		snprintf(buf, len, "%lld:%02lld", (long long)(sec / 60), (long long)(sec % 60));
}

/* "4:12 left of 5:00" while step i waits; 0 when it does not. */
int
ui_wait_left(const struct ui *ui, int i, char *buf, size_t len)
{
	const struct step_state *st = ui_view_step(ui, i);
	int64_t left;
	char l[32], all[32];

	if (ui->rb->steps[i].action != ACTION_WAIT || st->status != STEP_RUNNING || st->wait_until_wall <= 0)
		return 0;
	left = st->wait_until_wall - clock_wall_ms();
	left = left > 0 ? (left + 999) / 1000 * 1000 : 0;	/* 0:00 only at the end */
	format_left(left, l, sizeof l);
	format_left(ui->rb->steps[i].wait_ms, all, sizeof all);
	snprintf(buf, len, "%s left of %s", l, all);
	return 1;
}

/* All hosts, then each one alone, then all again. */
void
ui_output_next_host(struct ui *ui)
{
	struct host_status hs[UI_HOSTS_MAX];
	int n = ui_step_hosts(ui, ui->sel, hs);

	if (n == 0) {
		snprintf(ui->message, sizeof ui->message, "'%s' has not run on its hosts yet",
		    ui->rb->steps[ui->sel].id);
		return;
	}
	ui->host_pick = (ui->host_pick + 1) % (n + 1);
	ui->follow = 1;
	ui->match_line = -1;
	if (ui->host_pick == 0)
		snprintf(ui->message, sizeof ui->message, "output of all %d hosts", n);
	else
		snprintf(ui->message, sizeof ui->message, "output of %s only (%d of %d); h: next",
		    hs[ui->host_pick - 1].name, ui->host_pick, n);
}

/* --- the pane --- */

static int
put_wrapped(struct ui *ui, int y, int x, int w, int max, enum theme_role role, const char *prefix,
    const char *text)
{
	const char *lines[WRAP_MAX];
	size_t lens[WRAP_MAX];
	char *all = xprintf("%s%s", prefix, text), buf[LINE_BUF];
	int n = ui_text_wrap(all, w, lines, lens, max < WRAP_MAX ? max : WRAP_MAX);

	for (int k = 0; k < n; k++) {
		termsafe_clean(lines[k], lens[k], buf, sizeof buf);
		ui_put(ui, y + k, x, w, role, buf);
	}
	free(all);
	return n;
}

static void
draw_header(struct ui *ui, int y, int x, int w)
{
	const struct step *s = &ui->rb->steps[ui->sel];
	const struct step_state *st = ui_view_step(ui, ui->sel);
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
	if (st->status == STEP_RUNNING && s->expected_duration_ms > 0) {
		char d[32];

		duration_format(s->expected_duration_ms, d, sizeof d);
		snprintf(buf, sizeof buf, ui_step_overdue(ui, ui->sel) ? " PAST its expected %s " : " expected %s ", d);
		used += ui_put(ui, y, x + used, w - used, ui_step_overdue(ui, ui->sel) ? ROLE_RTO_OVER : role, buf);
	}
	if (st->attempt > 1 || s->retries > 0) {
		snprintf(buf, sizeof buf, " attempt %d of %d ", st->attempt, s->retries + 1);
		ui_put(ui, y, x + used + 1, w - used - 1, role, buf);
	}
}

/* The command the engine ran, else what it would run, expanded (secrets
 * masked). The expansion lives until the next call: one pane, one step. */
static const char *
shown_command(const struct ui *ui, const char **prefix)
{
	static char *expanded;
	const struct step *s = &ui->rb->steps[ui->sel];
	const struct step_state *st = ui_view_step(ui, ui->sel);

	*prefix = s->action == ACTION_MANUAL ? "manual: " : s->action == ACTION_INPUT ? "input: " : "$ ";
	if (st->command != NULL && s->action != ACTION_MANUAL)
		return st->command;
	free(expanded);
	expanded = ui_view_command(ui, ui->sel);
	/* Watching, the command is known once the journal has it. */
	return expanded != NULL ? expanded : st->attempt > 0 ? "(not journaled)" : "(not started)";
}

/* One row per host: status, exit and duration; the picked one marked. */
static int
draw_hosts(struct ui *ui, int y, int x, int w, int max)
{
	struct host_status hs[UI_HOSTS_MAX];
	int n = ui_step_hosts(ui, ui->sel, hs), shown = n <= max ? n : max - 1;
	char buf[UI_TEXT_MAX], d[32], ex[16];

	for (int k = 0; k < shown; k++) {
		duration_format(hs[k].duration_ms, d, sizeof d);
		snprintf(ex, sizeof ex, "exit %d", hs[k].exit_code);
		snprintf(buf, sizeof buf, "%s %-16s %-12s %-8s %s", ui->host_pick == k + 1 ? ui->g.sel : " ",
		    hs[k].name, hs[k].status, hs[k].exit_code >= 0 ? ex : "", hs[k].ended ? d : "");
		ui_put(ui, y + k, x, w, !hs[k].ended ? ROLE_NORMAL : hs[k].ok ? ROLE_STATUS_OK :
		    ROLE_STATUS_FAILED, buf);
	}
	if (shown < n) {
		snprintf(buf, sizeof buf, "  %s %d more hosts", ui->g.ellipsis, n - shown);
		ui_put(ui, y + shown++, x, w, ROLE_DIM, buf);
	}
	return shown;
}

/* A wait's countdown, or where an approval stands. */
static int
draw_extra(struct ui *ui, int y, int x, int w)
{
	const struct step *s = &ui->rb->steps[ui->sel];
	char buf[UI_TEXT_MAX * 2], left[64], key[16];
	const char *who = NULL;

	if (ui_wait_left(ui, ui->sel, left, sizeof left)) {
		ui_key_name(ui_action_info(ACT_CANCEL)->keys[0], key, sizeof key);
		/* Only the driver's screen can cut it short. */
		if (ui_action_for_whom(ui, ACT_CANCEL, CTX_RUN))
			snprintf(buf, sizeof buf, "waiting: %s, %s cuts it short", left, key);
		else
			snprintf(buf, sizeof buf, "waiting: %s", left);
		ui_put(ui, y, x, w, ROLE_NOTICE, buf);
		return 1;
	}
	if (s->confirm != CONFIRM_APPROVAL || ui_view_mode(ui) == MODE_DRY_RUN)
		return 0;
	if (ui_view_approved(ui, ui->sel, &who))
		snprintf(buf, sizeof buf, "approved by %s", who != NULL ? who : "?");
	else
		snprintf(buf, sizeof buf, "needs a second operator: drconsole approve %s %s",
		    ui_view_incident(ui), s->id);
	ui_put(ui, y, x, w, ROLE_NOTICE, buf);
	return 1;
}

/* A step has started (or been skipped, or marked done): the run began. */
static int
run_begun(const struct ui *ui)
{
	for (int i = 0; i < ui->rb->nsteps; i++) {
		const struct step_state *st = ui_view_step(ui, i);

		if (st->attempt > 0 || st->status != STEP_PENDING)
			return 1;
	}
	return 0;
}

void
ui_draw_pane(struct ui *ui, int top, int x, int w, int h)
{
	const struct step *s = &ui->rb->steps[ui->sel];
	const char *prefix, *cmd = shown_command(ui, &prefix);
	int y = top + 1, rows;

	draw_header(ui, top, x, w);
	if (ui->rb->notes != NULL && (ui_view_mode(ui) == MODE_TRAINING || !run_begun(ui)))
		y += put_wrapped(ui, y, x + 1, w - 1, h / 3 > 2 ? h / 3 : 2, ROLE_NOTICE, "runbook notes: ",
		    ui->rb->notes);
	y += put_wrapped(ui, y, x + 1, w - 1, 3, ROLE_COMMAND, prefix, cmd);
	y += draw_extra(ui, y, x + 1, w - 1);
	y += draw_hosts(ui, y, x + 1, w - 1, h / 3 > 2 ? h / 3 : 2);
	if ((ui->show_why || ui_view_mode(ui) == MODE_TRAINING) && s->why.s != NULL)
		y += put_wrapped(ui, y, x + 1, w - 1, h / 4 > 2 ? h / 4 : 2, ROLE_WHY, "why: ", s->why.s);
	rows = top + h - y - 1;
	ui_lines_draw(ui, y, x, w, rows);
	ui_run_sync_pty(ui, ui->pane_cols, ui->pane_rows);
}
