/* ui_picker.c: the scenario picker: unfinished incidents first (offered
 * for resume), then every runbook with its scenario, title, trigger and
 * objectives; `/` filters as you type, Enter opens. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "journal.h"
#include "loader.h"
#include "ui.h"
#include "xmalloc.h"

#define ITEM_ROWS 4

/* --- loading --- */

static char *
incidents_dir(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (state != NULL && *state == '/')
		return xprintf("%s/drconsole/incidents", state);
	return xprintf("%s/.local/state/drconsole/incidents", home ? home : "/tmp");
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* An incident is unfinished when its last run.start or run.resume has no
 * run.end after it. A dry run is never offered: it ran nothing, so there
 * is nothing to resume, even when it was cut short. */
static int
unfinished(json_t *events)
{
	int open = 0;
	size_t i;
	json_t *ev;

	json_array_foreach(events, i, ev) {
		const char *e = jstr(ev, "event");

		if (strcmp(e, "run.start") == 0 && strcmp(jstr(ev, "mode"), run_mode_name(MODE_DRY_RUN)) == 0)
			return 0;
		if (strcmp(e, "run.start") == 0 || strcmp(e, "run.resume") == 0)
			open = 1;
		else if (strcmp(e, "run.end") == 0)
			open = 0;
	}
	return open;
}

static void
add_item(struct ui *ui, const struct picker_item *it)
{
	ui->items = xreallocarray(ui->items, ui->nitems + 1, sizeof *ui->items);
	ui->items[ui->nitems++] = *it;
}

static void
add_incident(struct ui *ui, const char *dir)
{
	json_t *events = NULL, *first, *last;
	char *cause = NULL;
	struct picker_item it = { 0 };

	if (journal_load(dir, &events, &cause) != 0) {
		free(cause);
		return;
	}
	first = json_array_get(events, 0);
	last = json_array_get(events, json_array_size(events) - 1);
	if (first != NULL && unfinished(events)) {
		it.incident = 1;
		it.dir = xstrdup(dir);
		it.path = xstrdup(jstr(json_object_get(first, "runbook"), "path"));
		it.label = xstrdup(jstr(json_object_get(first, "runbook"), "title"));
		it.detail = xprintf("started %s by %s, %s mode; last: %s %s at %s", jstr(first, "ts"),
		    jstr(first, "operator"), jstr(first, "mode"), jstr(last, "event"), jstr(last, "step"),
		    jstr(last, "ts"));
		add_item(ui, &it);
	}
	json_decref(events);
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

static int
matches(const struct picker_item *it, const char *f)
{
	const char *fields[6] = { NULL };

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
	}
	for (int i = 0; i < 5; i++) {
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
		if (matches(&ui->items[i], ui->filter))
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

	absolute_paths(ui);
	catalog_load(&ui->cat, ui->o.paths, ui->o.npaths, &d);
	ui->have_catalog = 1;
	diags_print(&d, stderr);
	diags_clear(&d);
	load_incidents(ui);
	for (int i = 0; i < ui->cat.count; i++)
		add_item(ui, &(struct picker_item){ .rb = ui->cat.list[i] });
	ui->visible = xcalloc((size_t)ui->nitems + 1, sizeof *ui->visible);
	refilter(ui);
}

void
ui_picker_free(struct ui *ui)
{
	for (int i = 0; i < ui->nitems; i++) {
		free(ui->items[i].dir);
		free(ui->items[i].label);
		free(ui->items[i].detail);
		free(ui->items[i].path);
	}
	free(ui->items);
	free(ui->visible);
	ui->items = NULL;
	ui->visible = NULL;
	ui->nitems = ui->nvisible = 0;
	if (ui->have_catalog)
		catalog_free(&ui->cat);
	ui->have_catalog = 0;
}

/* --- drawing --- */

static void
draw_runbook(struct ui *ui, int y, const struct runbook *rb, enum theme_role role)
{
	const char *lines[2];
	size_t lens[2];
	char buf[512], rto[32] = "-", rpo[32] = "-";
	int n;

	snprintf(buf, sizeof buf, "[%s] %s", rb->scenario ? rb->scenario : "-", rb->title.s);
	ui_put(ui, y, 2, COLS - 4 - (int)strlen(rb->id), role, buf);
	ui_put(ui, y, COLS - 1 - (int)strlen(rb->id), (int)strlen(rb->id), ROLE_DIM, rb->id);
	n = ui_text_wrap(rb->trigger ? rb->trigger : "", COLS - 16, lines, lens, 2);
	for (int k = 0; k < n; k++) {
		snprintf(buf, sizeof buf, "%s%.*s%s", k == 0 ? "trigger: " : "         ", (int)lens[k], lines[k],
		    k == 1 && lines[1] + lens[1] < rb->trigger + strlen(rb->trigger) ? ui->g.ellipsis : "");
		ui_put(ui, y + 1 + k, 6, COLS - 8, ROLE_NORMAL, buf);
	}
	if (rb->rto_ms > 0)
		duration_format(rb->rto_ms, rto, sizeof rto);
	if (rb->rpo_ms > 0)
		duration_format(rb->rpo_ms, rpo, sizeof rpo);
	snprintf(buf, sizeof buf, "RTO %s  RPO %s  %d steps  %s", rto, rpo, rb->nsteps, rb->system ? rb->system : "");
	ui_put(ui, y + 3, 6, COLS - 8, ROLE_DIM, buf);
}

static void
draw_incident(struct ui *ui, int y, const struct picker_item *it, enum theme_role role)
{
	const char *slash = strrchr(it->dir, '/');
	char buf[512];

	snprintf(buf, sizeof buf, "RESUME %s", slash ? slash + 1 : it->dir);
	ui_put(ui, y, 2, COLS - 4, role == ROLE_SELECTION ? role : ROLE_NOTICE, buf);
	ui_put(ui, y + 1, 6, COLS - 8, ROLE_NORMAL, it->label);
	ui_put(ui, y + 2, 6, COLS - 8, ROLE_DIM, it->detail);
}

void
ui_picker_draw(struct ui *ui)
{
	int rows = (LINES - 4) / ITEM_ROWS;
	char head[160];

	snprintf(head, sizeof head, " drconsole  pick a scenario: %d runbook%s, %d unfinished incident%s ",
	    ui->cat.count, ui->cat.count == 1 ? "" : "s", ui->nitems - ui->cat.count,
	    ui->nitems - ui->cat.count == 1 ? "" : "s");
	ui_fill(ui, 0, 0, COLS, ROLE_TITLE);
	ui_put(ui, 0, 0, COLS, ROLE_TITLE, head);
	snprintf(head, sizeof head, "filter: %s%s", ui->filter, ui->filtering ? "_" : "");
	ui_put(ui, 1, 1, COLS - 2, ui->filtering ? ROLE_INPUT : ROLE_DIM,
	    ui->filtering || ui->filter_len ? head : "/ filters the list");
	if (ui->pick_sel < ui->pick_top)
		ui->pick_top = ui->pick_sel;
	if (ui->pick_sel >= ui->pick_top + rows)
		ui->pick_top = ui->pick_sel - rows + 1;
	for (int v = ui->pick_top; v < ui->nvisible && v - ui->pick_top < rows; v++) {
		const struct picker_item *it = &ui->items[ui->visible[v]];
		int y = 2 + (v - ui->pick_top) * ITEM_ROWS;
		enum theme_role role = v == ui->pick_sel ? ROLE_SELECTION : ROLE_TITLE;

		if (v == ui->pick_sel)
			ui_put(ui, y, 0, 1, ROLE_SELECTION, ui->g.sel);
		if (it->incident)
			draw_incident(ui, y, it, role);
		else
			draw_runbook(ui, y, it->rb, role);
	}
	if (ui->nvisible == 0)
		ui_put(ui, 3, 2, COLS - 4, ROLE_DIM, "nothing matches the filter (Esc clears it)");
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

static void
open_selected(struct ui *ui)
{
	const struct picker_item *it;

	if (ui->nvisible == 0)
		return;
	it = &ui->items[ui->visible[ui->pick_sel]];
	ui->filtering = 0;
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
	int last = ui->nvisible > 0 ? ui->nvisible - 1 : 0, page = (LINES - 4) / ITEM_ROWS;

	switch (a) {
	case ACT_UP: ui->pick_sel -= ui->pick_sel > 0; break;
	case ACT_DOWN: ui->pick_sel += ui->pick_sel < last; break;
	case ACT_PAGE_UP: ui->pick_sel = ui->pick_sel > page ? ui->pick_sel - page : 0; break;
	case ACT_PAGE_DOWN: ui->pick_sel = ui->pick_sel + page < last ? ui->pick_sel + page : last; break;
	case ACT_HOME: ui->pick_sel = 0; break;
	case ACT_END: ui->pick_sel = last; break;
	case ACT_OPEN: open_selected(ui); break;
	case ACT_FILTER: ui->filtering = 1; break;
	case ACT_BACK:
		ui->filter_len = 0;
		ui->filter[0] = '\0';
		refilter(ui);
		break;
	case ACT_HELP: ui_dialog_open(ui, DLG_HELP, -1, "Keys")->body = ui_help_text(); break;
	case ACT_QUIT: ui_quit(ui, 0); break;
	default: break;
	}
}
