/* ui_view.c: what the run view shows, asked in one place. The console
 * draws a run it drives, from its engine; `drconsole watch` draws a run
 * another console drives, from the journal as follow.c reads it (mirrored
 * into the same step states by ui_watch.c). Every drawing function of the
 * run view asks here, so both screens are the same views: a feature added
 * to the console shows in watch without a second copy. */
#include <stdlib.h>

#include "clock.h"
#include "follow.h"
#include "ui.h"
#include "xmalloc.h"

const struct step_state *
ui_view_step(const struct ui *ui, int i)
{
	static const struct step_state none = { .status = STEP_PENDING, .exit_code = -1 };

	if (ui->e != NULL)
		return engine_step(ui->e, i);
	if (ui->w != NULL && i >= 0 && i < ui->w->nst)
		return &ui->w->st[i];
	return &none;
}

enum run_mode
ui_view_mode(const struct ui *ui)
{
	if (ui->e != NULL)
		return engine_mode(ui->e);
	return ui->w != NULL ? ui->w->mode : MODE_LIVE;
}

int64_t
ui_view_started(const struct ui *ui)
{
	if (ui->e != NULL)
		return engine_started_wall(ui->e);
	return ui->w != NULL ? follow_run(ui->w->f)->started_ms : 0;
}

const char *
ui_view_operator(const struct ui *ui)
{
	const char *driver;

	if (ui->e != NULL)
		return engine_operator(ui->e);
	driver = ui->w != NULL ? follow_run(ui->w->f)->driver : NULL;
	return driver != NULL ? driver : "?";
}

const char *
ui_view_incident(const struct ui *ui)
{
	if (ui->e != NULL)
		return engine_incident_dir(ui->e);
	return ui->w != NULL ? follow_dir(ui->w->f) : "";
}

const char *
ui_view_journal_error(const struct ui *ui)
{
	return ui->e != NULL ? engine_journal_error(ui->e) : NULL;
}

/* Watching, a title is the runbook's as written: the values that fill its
 * templates are the driving console's (some of them secrets it never
 * journals). */
char *
ui_view_text(const struct ui *ui, int i, const char *s)
{
	if (ui->e != NULL)
		return engine_display_text(ui->e, i, s);
	return xstrdup(s != NULL ? s : "");
}

/* Watching, the command is the one the journal holds (secrets masked by
 * the driver), once the step has started. */
char *
ui_view_command(const struct ui *ui, int i)
{
	const struct step_state *st;

	if (ui->e != NULL)
		return engine_display_command(ui->e, i);
	st = ui_view_step(ui, i);
	return st->command != NULL ? xstrdup(st->command) : NULL;
}

int
ui_view_approved(const struct ui *ui, int i, const char **who)
{
	const struct follow_step *fs;

	if (ui->e != NULL)
		return engine_step_approved(ui->e, i, who);
	if (ui->w == NULL || (fs = follow_step(ui->w->f, i)) == NULL || fs->approved_by == NULL)
		return 0;
	*who = fs->approved_by;
	return 1;
}

int
ui_view_running(const struct ui *ui)
{
	if (ui->e != NULL)
		return engine_running_step(ui->e);
	return ui->w != NULL ? follow_run(ui->w->f)->running : -1;
}

int
ui_view_busy(const struct ui *ui)
{
	if (ui->e != NULL)
		return engine_busy(ui->e);
	return ui_view_running(ui) >= 0;
}
