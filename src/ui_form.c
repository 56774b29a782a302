/* ui_form.c: the params form before a run starts (or, on resume, the
 * secrets that must be given again): prompts, help, defaults, choices,
 * masked secrets, validated timestamps, and a Start button. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "commands.h"
#include "mask.h"
#include "ui.h"
#include "xmalloc.h"

static const char *const bool_choices[] = { "true", "false" };

static int
is_generated(const struct ui *ui, const struct form_field *f)
{
	return f->p->generate > 0 && !ui->resuming;
}

static int
is_text(const struct ui *ui, const struct form_field *f)
{
	return f->p->type != PARAM_CHOICE && f->p->type != PARAM_BOOL && !is_generated(ui, f);
}

static int
nchoices(const struct form_field *f)
{
	return f->p->type == PARAM_BOOL ? 2 : f->p->nchoices;
}

static const char *
choice_at(const struct form_field *f, int c)
{
	return f->p->type == PARAM_BOOL ? bool_choices[c] : f->p->choices[c];
}

static void
field_init(struct ui *ui, struct form_field *f, const struct param *p)
{
	const char *v;

	f->p = p;
	/* What the run would take (given, the environment's...), else the default. */
	(void)runopts_param_source(&ui->o, ui->rb, p, &v);
	if (v == NULL)
		v = p->def.s;
	snprintf(f->value, sizeof f->value, "%s", v != NULL ? v : "");
	f->len = strlen(f->value);
	f->untouched = f->len > 0;
	f->choice = 0;
	for (int c = 0; c < nchoices(f); c++) {
		if (strcmp(choice_at(f, c), f->value) == 0 ||
		    (p->type == PARAM_BOOL && c == 1 && strcmp(f->value, "no") == 0))
			f->choice = c;
	}
}

/* Resuming, only secrets not given again are asked for: they were never
 * written anywhere. */
void
ui_form_open(struct ui *ui, int secrets_only)
{
	ui_form_free(ui);
	ui->form_secrets_only = secrets_only;
	ui->fields = xcalloc((size_t)ui->rb->nparams + 1, sizeof *ui->fields);
	for (int i = 0; i < ui->rb->nparams; i++) {
		const struct param *p = &ui->rb->params[i];

		if (secrets_only && !runopts_param_asked(&ui->o, ui->rb, p))
			continue;
		field_init(ui, &ui->fields[ui->nfields++], p);
	}
	/* Start on the first field still wanting a value: with everything
	 * given on the command line, Enter starts at once. */
	for (ui->form_sel = 0; ui->form_sel < ui->nfields; ui->form_sel++) {
		const struct form_field *f = &ui->fields[ui->form_sel];

		if (f->p->required && f->len == 0 && is_text(ui, f))
			break;
	}
	ui->form_error[0] = '\0';
	ui->screen = SCREEN_FORM;
	if (ui->nfields == 0 && secrets_only)
		ui_run_open(ui);
}

void
ui_form_free(struct ui *ui)
{
	free(ui->fields);
	ui->fields = NULL;
	ui->nfields = 0;
}

/* --- validation --- */

static int
field_check(const struct ui *ui, struct form_field *f)
{
	int64_t ms;
	char *end, *why;

	f->error[0] = '\0';
	if (!is_text(ui, f))
		return 0;
	if (f->len == 0) {
		/* from_command fetches the secret when the run starts or resumes. */
		if (f->p->required && f->p->from_command == NULL && (f->p->def.s == NULL || ui->resuming))
			snprintf(f->error, sizeof f->error, "required");
	} else if (f->p->type == PARAM_TIMESTAMP && clock_parse_timestamp(f->value, &ms) != 0)
		snprintf(f->error, sizeof f->error, "not a time: use UTC like 2026-11-23T15:02:11Z");
	else if (f->p->type == PARAM_INT) {
		errno = 0;
		(void)strtoll(f->value, &end, 10);
		if (errno != 0 || *end != '\0')
			snprintf(f->error, sizeof f->error, "not a whole number");
	} else if (f->p->type == PARAM_SECRET && (why = mask_check_secret(f->p->name, f->value)) != NULL) {
		snprintf(f->error, sizeof f->error, "%s", why);
		free(why);
	}
	return f->error[0] != '\0' ? -1 : 0;
}

static void
start(struct ui *ui)
{
	int bad = -1;

	for (int i = ui->nfields - 1; i >= 0; i--) {
		if (field_check(ui, &ui->fields[i]) != 0)
			bad = i;
	}
	if (bad >= 0) {
		ui->form_sel = bad;
		snprintf(ui->form_error, sizeof ui->form_error, "fix the marked fields first");
		return;
	}
	for (int i = 0; i < ui->nfields; i++) {
		struct form_field *f = &ui->fields[i];

		if (is_generated(ui, f))
			continue;
		if (!is_text(ui, f))
			runopts_add_param(&ui->o, f->p->name, choice_at(f, f->choice));
		else if (f->len > 0)
			runopts_add_param(&ui->o, f->p->name, f->value);
	}
	ui->form_error[0] = '\0';
	ui_run_open(ui);
}

/* --- keys --- */

int
ui_form_key(struct ui *ui, int key)
{
	struct form_field *f = ui->form_sel < ui->nfields ? &ui->fields[ui->form_sel] : NULL;

	if (f == NULL || !is_text(ui, f))
		return 0;
	if (key != KEY_BACKSPACE && (key < 32 || key >= 256 || key == 127))
		return 0;
	if (f->untouched && key != KEY_BACKSPACE) {
		f->len = 0;	/* the first key typed replaces the default */
		f->value[0] = '\0';
	}
	f->untouched = 0;
	if (key == KEY_BACKSPACE) {
		while (f->len > 0 && ((unsigned char)f->value[--f->len] & 0xc0) == 0x80)
			;
		f->value[f->len] = '\0';
	} else if (key >= 32 && key < 256 && key != 127) {
		if (f->len + 1 < sizeof f->value) {
			f->value[f->len++] = (char)key;
			f->value[f->len] = '\0';
		}
	} else
		return 0;
	f->error[0] = '\0';
	return 1;
}

int
ui_form_text_room(const struct ui *ui, size_t *room)
{
	const struct form_field *f = ui->form_sel < ui->nfields ? &ui->fields[ui->form_sel] : NULL;

	if (f == NULL || !is_text(ui, f))
		return 0;
	*room = sizeof f->value - 1 - (f->untouched ? 0 : f->len);
	return 1;
}

static void
form_move(struct ui *ui, int delta)
{
	int to = ui->form_sel + delta;

	if (ui->form_sel < ui->nfields)
		field_check(ui, &ui->fields[ui->form_sel]);
	if (to < 0)
		to = 0;
	if (to > ui->nfields)
		to = ui->nfields;
	ui->form_sel = to;
}

static void
cycle(struct ui *ui, int delta)
{
	struct form_field *f;
	int n;

	if (ui->form_sel >= ui->nfields)
		return;
	f = &ui->fields[ui->form_sel];
	if ((n = nchoices(f)) == 0 || is_text(ui, f))
		return;
	f->choice = (f->choice + delta + n) % n;
}

static void
back(struct ui *ui)
{
	ui_form_free(ui);
	if (ui->direct) {
		ui_quit(ui, EXIT_OK);
		return;
	}
	while (ui->o.nparams > ui->base_nparams) {
		ui->o.nparams--;
		free(ui->o.params[ui->o.nparams].name);
		free(ui->o.params[ui->o.nparams].value);
	}
	if (ui->own_rb)
		runbook_free(ui->rb);
	ui->rb = NULL;
	if (ui->resuming)
		runopts_forget_incident(&ui->o);
	ui->own_rb = ui->resuming = 0;
	ui->screen = SCREEN_PICKER;
}

void
ui_form_action(struct ui *ui, enum ui_action a)
{
	switch (a) {
	case ACT_UP: form_move(ui, -1); break;
	case ACT_DOWN: case ACT_NEXT_FIELD: form_move(ui, 1); break;
	case ACT_PREV_CHOICE: cycle(ui, -1); break;
	case ACT_NEXT_CHOICE: cycle(ui, 1); break;
	case ACT_SUBMIT_FORM:
		if (ui->form_sel == ui->nfields)
			start(ui);
		else
			form_move(ui, 1);
		break;
	case ACT_BACK: back(ui); break;
	default: break;
	}
}

/* --- drawing --- */

#define FORM_LABEL_ROWS 4	/* a prompt wraps over at most this many rows */
#define FORM_NOTE_ROWS 6	/* and help or an error under the value */

static void
field_value(const struct ui *ui, const struct form_field *f, char *buf, size_t len)
{
	if (is_generated(ui, f))
		snprintf(buf, len, "(generated)");
	else if (f->p->type == PARAM_SECRET && f->len == 0 && f->p->from_command != NULL)
		snprintf(buf, len, "(from %s at start; or type it)", f->p->from_command[0]);
	else if (f->p->type == PARAM_SECRET)
		snprintf(buf, len, "%s", f->len > 0 ? "****" : "");
	else if (!is_text(ui, f))
		snprintf(buf, len, "< %s >", nchoices(f) > 0 ? choice_at(f, f->choice) : "");
	else
		snprintf(buf, len, "%s", f->value);
}

static const char *
field_label(const struct form_field *f)
{
	return f->p->prompt ? f->p->prompt : f->p->name;
}

/* What shows under the value: its error, or the help while focused. */
static const char *
field_note(const struct ui *ui, const struct form_field *f, int sel)
{
	if (f->error[0] != '\0')
		return f->error;
	if (sel && f->p->help != NULL)
		return f->p->help;
	if (sel && f->p->type == PARAM_TIMESTAMP)
		return "UTC, e.g. 2026-11-23T15:02:11Z";
	(void)ui;
	return NULL;
}

static int
min_int(int a, int b)
{
	return a < b ? a : b;
}

/* Rows the field takes: its wrapped label, or its value and the note under
 * it, whichever is taller; never fewer than two. */
static int
field_rows(const struct ui *ui, int i, int label_w, int vw)
{
	const struct form_field *f = &ui->fields[i];
	const char *note = field_note(ui, f, i == ui->form_sel);
	int label = min_int(ui_text_rows(field_label(f), label_w), FORM_LABEL_ROWS);
	int under = note != NULL ? min_int(ui_text_rows(note, vw), FORM_NOTE_ROWS) : 0;

	return label > 1 + under ? label : 1 + under > 2 ? 1 + under : 2;
}

/* Draws s wrapped into at most max rows of width w; a cut ends in the
 * ellipsis. Returns the rows used. */
static int
put_wrapped(struct ui *ui, int y, int x, int w, int max, enum theme_role role, const char *s)
{
	const char *lines[FORM_NOTE_ROWS];
	size_t lens[FORM_NOTE_ROWS];
	char buf[UI_TEXT_MAX * 2];
	int n = ui_text_wrap(s, w, lines, lens, max);

	for (int k = 0; k < n; k++) {
		int cut = k == n - 1 && lines[k] + lens[k] < s + strlen(s) && ui_text_rows(s, w) > n;
		size_t keep = cut ? ui_text_fit(lines[k], w - 1) : lens[k];

		if (keep > lens[k])
			keep = lens[k];
		snprintf(buf, sizeof buf, "%.*s%s", (int)keep, lines[k], cut ? ui->g.ellipsis : "");
		ui_put(ui, y + k, x, w, role, buf);
	}
	return n;
}

static void
draw_field(struct ui *ui, int y, int i, int label_w, int vw)
{
	const struct form_field *f = &ui->fields[i];
	int sel = i == ui->form_sel, vx = label_w + 4;
	const char *note = field_note(ui, f, sel);
	char value[UI_TEXT_MAX + 8];

	ui_put(ui, y, 0, 1, ROLE_SELECTION, sel ? ui->g.sel : " ");
	ui_put(ui, y, 1, 1, ROLE_DANGER, f->p->required ? "*" : " ");
	put_wrapped(ui, y, 3, label_w, FORM_LABEL_ROWS, sel ? ROLE_TITLE : ROLE_NORMAL, field_label(f));
	field_value(ui, f, value, sizeof value);
	ui_fill(ui, y, vx, vw, sel ? ROLE_INPUT : ROLE_DIM);
	/* A default not yet typed over shows selected: the first key replaces it. */
	ui_put(ui, y, vx, vw, sel && f->untouched ? ROLE_SELECTION : sel ? ROLE_INPUT : ROLE_NORMAL, value);
	if (sel && is_text(ui, f))
		ui_put(ui, y, vx + ui_text_width(value, strlen(value)), 1, ROLE_SELECTION, " ");
	if (note != NULL)
		put_wrapped(ui, y + 1, vx, vw, FORM_NOTE_ROWS, f->error[0] != '\0' ? ROLE_DANGER : ROLE_WHY, note);
}

/* The first field shown: the focused one and all of its rows fit. */
static int
first_field(const struct ui *ui, int avail, int label_w, int vw)
{
	int top = 0, used = 0, last = ui->form_sel < ui->nfields ? ui->form_sel : ui->nfields - 1;

	for (int i = 0; i <= last; i++)
		used += field_rows(ui, i, label_w, vw);
	while (top < last && used > avail)
		used -= field_rows(ui, top++, label_w, vw);
	return top;
}

void
ui_form_draw(struct ui *ui)
{
	int label_w = COLS * 2 / 5 > 36 ? 36 : COLS * 2 / 5, vw = COLS - label_w - 6;
	int bottom = LINES - 5, y = 3, top = first_field(ui, bottom - 3, label_w, vw), start = ui->form_sel == ui->nfields;
	char head[UI_TEXT_MAX + 64];

	snprintf(head, sizeof head, " %s: %s  [%s] ", ui->resuming ? "Resume" : "New run", ui->rb->title.s,
	    run_mode_name(ui->o.mode));
	ui_fill(ui, 0, 0, COLS, ROLE_TITLE);
	ui_put(ui, 0, 0, COLS, ROLE_TITLE, head);
	ui_put(ui, 1, 1, COLS - 2, ROLE_DIM, ui->resuming ?
	    "Secrets were never written down: give them again to resume." :
	    ui->nfields ? "Fill in the params (* required), then Start." : "This runbook has no params.");
	if (top > 0)
		ui_put(ui, 2, 3, COLS - 4, ROLE_DIM, ui->g.up);
	for (int i = top; i < ui->nfields; i++) {
		int h = field_rows(ui, i, label_w, vw);

		if (y + h > bottom) {
			ui_put(ui, bottom, 3, COLS - 4, ROLE_DIM, ui->g.down);
			break;
		}
		draw_field(ui, y, i, label_w, vw);
		y += h;
	}
	ui_put(ui, LINES - 4, 0, 1, ROLE_SELECTION, start ? ui->g.sel : " ");
	ui_put(ui, LINES - 4, 3, 24, start ? ROLE_SELECTION : ROLE_TITLE,
	    ui->resuming ? "[ Resume the run ]" : "[ Start the run ]");
	ui_put(ui, LINES - 2, 1, COLS - 2, ROLE_DANGER, ui->form_error[0] ? ui->form_error : ui->message);
	ui_draw_keybar(ui, LINES - 1);
}
