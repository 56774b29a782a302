/* ui_picker.c: the scenario picker, for an operator in an outage:
 * unfinished incidents first, one compact row each with age and mode
 * (offered for resume, `x` dismisses a stale one with a journaled reason),
 * then the production runbooks sorted by the scenario they serve, then the
 * training sandboxes in a section of their own (shown with --training or
 * `t`). `/` filters as you type, Enter opens; cut titles end in an
 * ellipsis and a mark says when the list goes on past the screen. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "dismiss.h"
#include "duration.h"
#include "journal.h"
#include "loader.h"
#include "runstate.h"
#include "sandbox.h"
#include "ui.h"
#include "xmalloc.h"

/* --- loading --- */

static char *
incidents_dir(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (state != NULL && *state == '/')
		return xprintf("%s/drconsole/incidents", state);
	return xprintf("%s/.local/state/drconsole/incidents", home ? home : "/tmp");
}

static void
add_item(struct ui *ui, const struct picker_item *it)
{
	ui->items = xreallocarray(ui->items, ui->nitems + 1, sizeof *ui->items);
	ui->items[ui->nitems++] = *it;
}

/* The step of the last line folded, for the list's "last:". */
static int
note_last_step(void *arg, const struct runstate *rs, const struct rs_event *ev)
{
	(void)rs;
	*(int *)arg = ev->step;
	return 0;
}

/* An incident is offered when its last run.start or run.resume has no
 * run.end after it (the fold's open), with when it started and its mode
 * (the fold's: a journal from before "mode" marks a drill by "drill"). A
 * dry run is never offered: it ran nothing, so there is nothing to resume,
 * even when it was cut short. */
static void
add_incident(struct ui *ui, const char *dir)
{
	struct picker_item it = { 0 };
	struct runstate rs;
	char *cause = NULL, started[CLOCK_RFC3339_LEN], last[CLOCK_RFC3339_LEN];
	int last_step = -1;

	runstate_init(&rs);
	if (runstate_load(&rs, dir, 0, note_last_step, &last_step, &cause) != 0)
		free(cause);
	else if (rs.started && rs.open && rs.mode != JMODE_DRY_RUN) {
		clock_format_rfc3339(rs.started_ms, started);
		clock_format_rfc3339(rs.last_ms, last);
		it.incident = 1;
		it.dir = xstrdup(dir);
		it.path = xstrdup(rs.runbook_path ? rs.runbook_path : "");
		it.label = xstrdup(rs.runbook_title ? rs.runbook_title : "");
		it.detail = xprintf("started %s by %s, %s mode; last: %s %s at %s", started,
		    rs.started_by ? rs.started_by : "", jschema_mode_name(rs.mode), jschema_event_name(rs.last_event),
		    last_step >= 0 ? rs.steps[last_step].id : "", last);
		it.started_ms = rs.started_ms;
		snprintf(it.mode, sizeof it.mode, "%s", rs.mode_known ? jschema_mode_name(rs.mode) : "");
		it.driver = journal_driven(dir) ? journal_holder(dir) : 0;
		add_item(ui, &it);
	}
	runstate_clear(&rs);
}

static int
by_name_desc(const void *a, const void *b)
{
	return -strcmp(*(char *const *)a, *(char *const *)b);
}

/* The newest incident first: names start with their UTC stamp. */
static void
load_incidents(struct ui *ui)
{
	char *dir = incidents_dir(), **names = NULL;
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (dp != NULL && (de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xprintf("%s/%s", dir, de->d_name);
	}
	if (dp != NULL)
		closedir(dp);
	if (n > 0)
		qsort(names, (size_t)n, sizeof *names, by_name_desc);
	for (int i = 0; i < n; i++) {
		add_incident(ui, names[i]);
		free(names[i]);
	}
	free(names);
	free(dir);
}

/* Absolute paths, so the journal names a runbook resume can find again. */
static void
absolute_paths(struct ui *ui)
{
	char resolved[PATH_MAX];

	for (int i = 0; i < ui->o.npaths; i++) {
		if (realpath(ui->o.paths[i], resolved) != NULL) {
			free(ui->o.paths[i]);
			ui->o.paths[i] = xstrdup(resolved);
		}
	}
}

/* Production before training; then by scenario, then title. */
static int
by_scenario(const void *a, const void *b)
{
	const struct runbook *x = *(struct runbook *const *)a, *y = *(struct runbook *const *)b;
	int c = sandbox_runbook(x) - sandbox_runbook(y);

	if (c == 0)
		c = strcmp(x->scenario ? x->scenario : "", y->scenario ? y->scenario : "");
	return c != 0 ? c : strcmp(x->title.s ? x->title.s : "", y->title.s ? y->title.s : "");
}

static int
matches(const struct picker_item *it, const char *f)
{
	const char *fields[7] = { NULL };

	if (*f == '\0')
		return 1;
	if (it->incident) {
		fields[0] = it->dir;
		fields[1] = it->label;
	} else {
		fields[0] = it->rb->id;
		fields[1] = it->rb->title.s;
		fields[2] = it->rb->scenario;
		fields[3] = it->rb->trigger;
		fields[4] = it->rb->system;
		fields[5] = it->rb->executor;
		fields[6] = it->rb->classification;
	}
	for (int i = 0; i < 7; i++) {
		if (fields[i] != NULL && strcasestr(fields[i], f) != NULL)
			return 1;
	}
	return 0;
}

static void
refilter(struct ui *ui)
{
	ui->nvisible = 0;
	for (int i = 0; i < ui->nitems; i++) {
		const struct picker_item *it = &ui->items[i];

		if ((!it->training || ui->show_training) && matches(it, ui->filter))
			ui->visible[ui->nvisible++] = i;
	}
	if (ui->pick_sel >= ui->nvisible)
		ui->pick_sel = ui->nvisible > 0 ? ui->nvisible - 1 : 0;
}

/* Loads the catalog (its diagnostics go to stderr, before the screen
 * starts) and the unfinished incidents. */
void
ui_picker_load(struct ui *ui)
{
	struct diags d = { 0 };
	struct runbook **sorted;

	absolute_paths(ui);
	catalog_load(&ui->cat, ui->o.paths, ui->o.npaths, &d);
	ui->have_catalog = 1;
	diags_print(&d, stderr);
	diags_clear(&d);
	load_incidents(ui);
	sorted = xcalloc((size_t)ui->cat.count + 1, sizeof *sorted);
	memcpy(sorted, ui->cat.list, (size_t)ui->cat.count * sizeof *sorted);
	qsort(sorted, (size_t)ui->cat.count, sizeof *sorted, by_scenario);
	for (int i = 0; i < ui->cat.count; i++)
		add_item(ui, &(struct picker_item){ .rb = sorted[i], .training = sandbox_runbook(sorted[i]) });
	free(sorted);
	ui->show_training = ui->o.mode == MODE_TRAINING;
	ui->visible = xcalloc((size_t)ui->nitems + 1, sizeof *ui->visible);
	refilter(ui);
}

static void
item_free(struct picker_item *it)
{
	free(it->dir);
	free(it->label);
	free(it->detail);
	free(it->path);
}

void
ui_picker_free(struct ui *ui)
{
	for (int i = 0; i < ui->nitems; i++)
		item_free(&ui->items[i]);
	free(ui->items);
	free(ui->visible);
	ui->items = NULL;
	ui->visible = NULL;
	ui->nitems = ui->nvisible = 0;
	if (ui->have_catalog)
		catalog_free(&ui->cat);
	ui->have_catalog = 0;
}

/* --- layout: sections, and rows per item --- */

enum section { SEC_INCIDENTS, SEC_RUNBOOKS, SEC_TRAINING };

static const struct picker_item *
visible_item(const struct ui *ui, int v)
{
	return &ui->items[ui->visible[v]];
}

int
ui_picker_on_incident(const struct ui *ui)
{
	return ui->nvisible > 0 && ui->pick_sel < ui->nvisible && visible_item(ui, ui->pick_sel)->incident;
}

static enum section
section_of(const struct picker_item *it)
{
	return it->incident ? SEC_INCIDENTS : it->training ? SEC_TRAINING : SEC_RUNBOOKS;
}

/* Item v opens a section: a header row goes above it. */
static int
opens_section(const struct ui *ui, int v)
{
	return v == 0 || section_of(visible_item(ui, v)) != section_of(visible_item(ui, v - 1));
}

static int
item_rows(const struct picker_item *it)
{
	return it->incident ? 1 : 3;
}

/* The list row where item v's header (if any) begins. */
static int
row_of(const struct ui *ui, int v)
{
	int row = 0;

	for (int k = 0; k < v; k++)
		row += opens_section(ui, k) + item_rows(visible_item(ui, k));
	return row;
}

static int
list_rows(const struct ui *ui)
{
	return row_of(ui, ui->nvisible);
}

/* Rows for the list: under the filter line, above the "more below" row,
 * the message line and the key bar. */
static int
list_height(void)
{
	return LINES - 5 > 1 ? LINES - 5 : 1;
}

/* Keeps the selected item, with its section header, on screen. */
static void
scroll_to_selection(struct ui *ui)
{
	int h = list_height(), start, end;

	if (ui->nvisible == 0) {
		ui->pick_top = 0;
		return;
	}
	start = row_of(ui, ui->pick_sel);
	end = start + opens_section(ui, ui->pick_sel) + item_rows(visible_item(ui, ui->pick_sel));
	if (start < ui->pick_top)
		ui->pick_top = start;
	if (end > ui->pick_top + h)
		ui->pick_top = end - h;
	if (ui->pick_top > list_rows(ui) - h)
		ui->pick_top = list_rows(ui) - h;
	if (ui->pick_top < 0)
		ui->pick_top = 0;
}

/* --- drawing --- */

/* s in width columns; cut, it ends in the ellipsis. */
static void
put_cut(struct ui *ui, int y, int x, int width, enum theme_role role, const char *s)
{
	char buf[UI_TEXT_MAX * 2];
	size_t keep;

	if (width <= 0)
		return;
	if (ui_text_width(s, strlen(s)) <= width) {
		ui_put(ui, y, x, width, role, s);
		return;
	}
	keep = ui_text_fit(s, width - 1);
	snprintf(buf, sizeof buf, "%.*s%s", (int)keep, s, ui->g.ellipsis);
	ui_put(ui, y, x, width, role, buf);
}

static int
count_section(const struct ui *ui, enum section sec, int visible_only)
{
	int n = 0;

	for (int i = 0; i < ui->nitems; i++) {
		if (section_of(&ui->items[i]) == sec && (!visible_only || matches(&ui->items[i], ui->filter)))
			n++;
	}
	return n;
}

static void
draw_header(struct ui *ui, int y, enum section sec)
{
	char buf[160];
	int n = count_section(ui, sec, 0);

	if (sec == SEC_INCIDENTS)
		snprintf(buf, sizeof buf, "Unfinished incidents (%d): Enter resumes (watches one driven now), "
		    "x dismisses", n);
	else if (sec == SEC_RUNBOOKS)
		snprintf(buf, sizeof buf, "Runbooks (%d), by scenario", n);
	else
		snprintf(buf, sizeof buf, "Training sandboxes (%d): practice only, t hides them", n);
	ui_put(ui, y, 1, COLS - 2, ROLE_BORDER, buf);
}

static void
draw_runbook(struct ui *ui, int y, const struct runbook *rb, enum theme_role role)
{
	char buf[512], rto[32] = "-", rpo[32] = "-";
	int idw = (int)strlen(rb->id);

	snprintf(buf, sizeof buf, "[%s] %s", rb->scenario ? rb->scenario : "-", rb->title.s);
	put_cut(ui, y, 2, COLS - 5 - idw, role, buf);
	ui_put(ui, y, COLS - 1 - idw, idw, ROLE_DIM, rb->id);
	snprintf(buf, sizeof buf, "trigger: %s", rb->trigger ? rb->trigger : "-");
	put_cut(ui, y + 1, 6, COLS - 8, ROLE_NORMAL, buf);
	if (rb->rto_ms > 0)
		duration_format(rb->rto_ms, rto, sizeof rto);
	if (rb->rpo_ms > 0)
		duration_format(rb->rpo_ms, rpo, sizeof rpo);
	snprintf(buf, sizeof buf, "RTO %s  RPO %s  %d steps%s%s%s%s  %s", rto, rpo, rb->nsteps,
	    rb->classification ? "  " : "", rb->classification ? rb->classification : "",
	    rb->executor ? "  executor: " : "", rb->executor ? rb->executor : "",
	    rb->system ? rb->system : "");
	put_cut(ui, y + 2, 6, COLS - 8, ROLE_DIM, buf);
}

/* One row: RESUME, its folder, how long ago it started, its mode, title. */
static void
draw_incident(struct ui *ui, int y, const struct picker_item *it, enum theme_role role)
{
	const char *slash = strrchr(it->dir, '/');
	char buf[512], age[32] = "?";

	if (it->started_ms > 0)
		duration_format(clock_wall_ms() - it->started_ms, age, sizeof age);
	snprintf(buf, sizeof buf, "%s %s  %s ago  %s  %s", it->driver != 0 ? "WATCH " : "RESUME",
	    slash ? slash + 1 : it->dir, age, it->mode[0] ? it->mode : "?", it->label);
	put_cut(ui, y, 2, COLS - 3, role == ROLE_SELECTION ? role : ROLE_NOTICE, buf);
}

static void
draw_item(struct ui *ui, int y, int v)
{
	const struct picker_item *it = visible_item(ui, v);
	enum theme_role role = v == ui->pick_sel ? ROLE_SELECTION : ROLE_TITLE;

	if (v == ui->pick_sel)
		ui_put(ui, y, 0, 1, ROLE_SELECTION, ui->g.sel);
	for (int r = 0; r < item_rows(it); r++)
		ui_mouse_row(ui, y + r, v);
	if (it->incident)
		draw_incident(ui, y, it, role);
	else
		draw_runbook(ui, y, it->rb, role);
}

/* The rows of the list from pick_top; only whole items are drawn. */
static void
draw_list(struct ui *ui)
{
	int h = list_height(), top = 2;

	for (int v = 0, row = 0; v < ui->nvisible; v++) {
		int hdr = opens_section(ui, v), n = item_rows(visible_item(ui, v));

		if (hdr && row >= ui->pick_top && row < ui->pick_top + h)
			draw_header(ui, top + row - ui->pick_top, section_of(visible_item(ui, v)));
		row += hdr;
		if (row >= ui->pick_top && row + n <= ui->pick_top + h)
			draw_item(ui, top + row - ui->pick_top, v);
		row += n;
	}
}

/* Marks for more list above and below; and the hidden training section. */
static void
draw_marks(struct ui *ui)
{
	int h = list_height(), below = list_rows(ui) - ui->pick_top - h, hidden;
	char buf[128];

	if (ui->pick_top > 0) {
		snprintf(buf, sizeof buf, "%s more above", ui->g.up);
		ui_put(ui, 1, COLS - 14, 13, ROLE_NOTICE, buf);
	}
	buf[0] = '\0';
	if (below > 0)
		snprintf(buf, sizeof buf, "%s more below (PgDn)", ui->g.down);
	hidden = ui->show_training ? 0 : count_section(ui, SEC_TRAINING, 1);
	if (hidden > 0)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%d training sandbox%s hidden: t shows",
		    buf[0] ? "   " : "", hidden, hidden == 1 ? "" : "es");
	ui_put(ui, LINES - 3, 1, COLS - 2, ROLE_NOTICE, buf);
}

void
ui_picker_draw(struct ui *ui)
{
	int nincidents = count_section(ui, SEC_INCIDENTS, 0);
	char head[160];

	snprintf(head, sizeof head, " drconsole  pick a scenario: %d runbook%s, %d unfinished incident%s ",
	    ui->cat.count, ui->cat.count == 1 ? "" : "s", nincidents, nincidents == 1 ? "" : "s");
	ui_fill(ui, 0, 0, COLS, ROLE_TITLE);
	ui_put(ui, 0, 0, COLS, ROLE_TITLE, head);
	snprintf(head, sizeof head, "filter: %s%s", ui->filter, ui->filtering ? "_" : "");
	ui_put(ui, 1, 1, COLS - 16, ui->filtering ? ROLE_INPUT : ROLE_DIM,
	    ui->filtering || ui->filter_len ? head : "/ filters the list");
	scroll_to_selection(ui);
	draw_list(ui);
	draw_marks(ui);
	if (ui->nvisible == 0)
		ui_put(ui, 3, 2, COLS - 4, ROLE_DIM, ui->filter_len ? "nothing matches the filter (Esc clears it)" :
		    "nothing to show: t shows the training sandboxes");
	ui_put(ui, LINES - 2, 1, COLS - 2, ROLE_NOTICE, ui->message);
	ui_draw_keybar(ui, LINES - 1);
}
/* --- keys --- */

static void
open_incident(struct ui *ui, const struct picker_item *it)
{
	char resolved[PATH_MAX], *cause = NULL;
	struct diags d = { 0 };

	/* The incident's mode and environment, not the console's flags. */
	if (runopts_adopt_incident(&ui->o, it->dir, &cause) != 0) {
		snprintf(ui->message, sizeof ui->message, "%s", cause);
		free(cause);
		return;
	}
	ui->rb = loader_load_file(realpath(it->path, resolved) ? resolved : it->path, &d);
	if (ui->rb == NULL) {
		snprintf(ui->message, sizeof ui->message, "cannot load %s: %s", it->path,
		    d.count > 0 ? d.list[0].message : "not a valid runbook");
		diags_clear(&d);
		runopts_forget_incident(&ui->o);
		return;
	}
	diags_clear(&d);
	ui->own_rb = 1;
	ui->resuming = 1;
	free(ui->o.resume_dir);
	ui->o.resume_dir = xstrdup(it->dir);
	ui->screen = SCREEN_FORM;
	ui_form_open(ui, 1);
}

/* Another console drives the incident: this one watches it, read-only,
 * as `drconsole watch` (the same program, started in its place). */
static void
watch_instead(struct ui *ui, const struct picker_item *it)
{
	char *argv[10], pid[32] = "";
	int n = 0;

	if (it->driver > 0)
		snprintf(pid, sizeof pid, " (pid %ld)", it->driver);
	if (ui->script_mode || access("/proc/self/exe", X_OK) != 0) {
		snprintf(ui->message, sizeof ui->message, "another drconsole%s drives it: drconsole watch %s "
		    "shows it", pid, it->dir);
		return;
	}
	argv[n++] = "drconsole";
	argv[n++] = "watch";
	if (ui->o.operator != NULL) {
		argv[n++] = "--operator";
		argv[n++] = ui->o.operator;
	}
	if (ui->o.theme != NULL) {
		argv[n++] = "--theme";
		argv[n++] = ui->o.theme;
	}
	if (ui->o.ascii)
		argv[n++] = "--ascii";
	argv[n++] = "--";
	argv[n++] = it->dir;
	argv[n] = NULL;
	ui_term_end(ui);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "drconsole: cannot start watch: %s\n", strerror(errno));
	exit(EXIT_USAGE);
}

static void
open_selected(struct ui *ui)
{
	const struct picker_item *it;

	if (ui->nvisible == 0)
		return;
	it = visible_item(ui, ui->pick_sel);
	ui->filtering = 0;
	if (it->incident && journal_driven(it->dir)) {
		watch_instead(ui, it);
		return;
	}
	if (it->incident) {
		open_incident(ui, it);
		return;
	}
	ui->rb = it->rb;
	ui->own_rb = 0;
	ui->resuming = 0;
	ui->screen = SCREEN_FORM;
	ui_form_open(ui, 0);
}

/* x on an unfinished incident: why? (the reason is journaled) */
static void
ask_dismiss(struct ui *ui)
{
	const struct picker_item *it = ui->nvisible > 0 ? visible_item(ui, ui->pick_sel) : NULL;
	const char *slash;
	struct dialog *d;

	if (it == NULL || !it->incident) {
		snprintf(ui->message, sizeof ui->message, "x dismisses an unfinished incident; select one first");
		return;
	}
	slash = strrchr(it->dir, '/');
	d = ui_dialog_open(ui, DLG_DISMISS, ui->pick_sel, "Dismiss this unfinished incident?");
	d->body = xprintf("%s\n%s\n\nIt will no longer be offered for resume: its journal gets a run.end "
	    "\"dismissed\" with your name and this reason. Nothing else changes; its files stay.\n\nReason:",
	    slash ? slash + 1 : it->dir, it->label);
	d->required = 1;
}

static void
drop_item(struct ui *ui, int index)
{
	item_free(&ui->items[index]);
	memmove(&ui->items[index], &ui->items[index + 1], (size_t)(ui->nitems - index - 1) * sizeof *ui->items);
	ui->nitems--;
	refilter(ui);
}

/* The reason was given: journal the dismissal, drop the row. */
void
ui_picker_dismiss_done(struct ui *ui, struct dialog *d)
{
	int index = d->step >= 0 && d->step < ui->nvisible ? ui->visible[d->step] : -1;
	char *cause = NULL, *operator, *name;

	if (index < 0 || !ui->items[index].incident) {
		ui_dialog_close(ui);
		return;
	}
	operator = ui->o.operator != NULL ? xstrdup(ui->o.operator) : engine_default_operator();
	name = xstrdup(strrchr(ui->items[index].dir, '/') ? strrchr(ui->items[index].dir, '/') + 1 :
	    ui->items[index].dir);
	if (incident_dismiss(ui->items[index].dir, operator, d->text, &cause) != 0) {
		snprintf(ui->message, sizeof ui->message, "not dismissed: %s", cause);
		free(cause);
	} else {
		snprintf(ui->message, sizeof ui->message, "dismissed %s (journaled with your reason)", name);
		drop_item(ui, index);
	}
	free(name);
	free(operator);
	ui_dialog_close(ui);
}

/* While filtering, typing edits the filter; returns 1 if it took the key. */
int
ui_picker_key(struct ui *ui, int key)
{
	if (!ui->filtering)
		return 0;
	if (key == UI_KEY_ESC) {
		ui->filtering = 0;
		ui->filter_len = 0;
	} else if (key == UI_KEY_ENTER) {
		open_selected(ui);
		return 1;
	} else if (key == KEY_BACKSPACE) {
		if (ui->filter_len > 0)
			ui->filter_len--;
	} else if (key >= 32 && key < 256 && ui->filter_len + 1 < sizeof ui->filter)
		ui->filter[ui->filter_len++] = (char)key;
	else
		return 0;
	ui->filter[ui->filter_len] = '\0';
	ui->pick_sel = 0;
	refilter(ui);
	return 1;
}

void
ui_picker_action(struct ui *ui, enum ui_action a)
{
	int last = ui->nvisible > 0 ? ui->nvisible - 1 : 0, page = list_height() / 3 > 1 ? list_height() / 3 : 1;

	switch (a) {
	case ACT_UP: ui->pick_sel -= ui->pick_sel > 0; break;
	case ACT_DOWN: ui->pick_sel += ui->pick_sel < last; break;
	case ACT_PAGE_UP: ui->pick_sel = ui->pick_sel > page ? ui->pick_sel - page : 0; break;
	case ACT_PAGE_DOWN: ui->pick_sel = ui->pick_sel + page < last ? ui->pick_sel + page : last; break;
	case ACT_HOME: ui->pick_sel = 0; break;
	case ACT_END: ui->pick_sel = last; break;
	case ACT_OPEN: open_selected(ui); break;
	case ACT_FILTER: ui->filtering = 1; break;
	case ACT_DISMISS: ask_dismiss(ui); break;
	case ACT_TRAINING:
		ui->show_training = !ui->show_training;
		refilter(ui);
		break;
	case ACT_BACK:
		ui->filter_len = 0;
		ui->filter[0] = '\0';
		refilter(ui);
		break;
	case ACT_HELP: ui_dialog_open(ui, DLG_HELP, -1, "Keys")->body = ui_help_for(ui); break;
	case ACT_QUIT: ui_quit(ui, 0); break;
	default: break;
	}
}
