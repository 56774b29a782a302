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
	const char *v = runopts_param(&ui->o, p->name);

	f->p = p;
	if (v == NULL)
		v = p->def.s;
	snprintf(f->value, sizeof f->value, "%s", v != NULL ? v : "");
	f->len = strlen(f->value);
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

		if (secrets_only && (p->type != PARAM_SECRET || runopts_param(&ui->o, p->name) != NULL))
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
		if (f->p->required && (f->p->def.s == NULL || ui->resuming))
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
	*room = sizeof f->value - 1 - f->len;
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

static void
field_value(const struct ui *ui, const struct form_field *f, char *buf, size_t len)
{
	if (is_generated(ui, f))
		snprintf(buf, len, "(generated)");
	else if (f->p->type == PARAM_SECRET)
		snprintf(buf, len, "%s", f->len > 0 ? "****" : "");
	else if (!is_text(ui, f))
		snprintf(buf, len, "< %s >", nchoices(f) > 0 ? choice_at(f, f->choice) : "");
	else
		snprintf(buf, len, "%s", f->value);
}

static void
draw_field(struct ui *ui, int y, int i, int label_w)
{
	const struct form_field *f = &ui->fields[i];
	int sel = i == ui->form_sel, vx = label_w + 4, vw = COLS - vx - 2;
	char value[UI_TEXT_MAX + 8];

	ui_put(ui, y, 0, 1, ROLE_SELECTION, sel ? ui->g.sel : " ");
	ui_put(ui, y, 1, 1, ROLE_DANGER, f->p->required ? "*" : " ");
	ui_put(ui, y, 3, label_w, sel ? ROLE_TITLE : ROLE_NORMAL, f->p->prompt ? f->p->prompt : f->p->name);
	field_value(ui, f, value, sizeof value);
	ui_fill(ui, y, vx, vw, sel ? ROLE_INPUT : ROLE_DIM);
	ui_put(ui, y, vx, vw, sel ? ROLE_INPUT : ROLE_NORMAL, value);
	if (sel && is_text(ui, f))
		ui_put(ui, y, vx + ui_text_width(value, strlen(value)), 1, ROLE_SELECTION, " ");
	if (f->error[0] != '\0')
		ui_put(ui, y + 1, vx, vw, ROLE_DANGER, f->error);
	else if (sel && f->p->help != NULL)
		ui_put(ui, y + 1, vx, vw, ROLE_WHY, f->p->help);
	else if (sel && f->p->type == PARAM_TIMESTAMP)
		ui_put(ui, y + 1, vx, vw, ROLE_WHY, "UTC, e.g. 2026-11-23T15:02:11Z");
}

void
ui_form_draw(struct ui *ui)
{
	int label_w = COLS * 2 / 5 > 36 ? 36 : COLS * 2 / 5, rows = (LINES - 7) / 2, top = 0;
	char head[UI_TEXT_MAX + 64];

	snprintf(head, sizeof head, " %s: %s  [%s] ", ui->resuming ? "Resume" : "New run", ui->rb->title.s,
	    run_mode_name(ui->o.mode));
	ui_fill(ui, 0, 0, COLS, ROLE_TITLE);
	ui_put(ui, 0, 0, COLS, ROLE_TITLE, head);
	ui_put(ui, 1, 1, COLS - 2, ROLE_DIM, ui->resuming ?
	    "Secrets were never written down: give them again to resume." :
	    ui->nfields ? "Fill in the params (* required), then Start." : "This runbook has no params.");
	if (ui->form_sel >= rows)
		top = ui->form_sel - rows + 1;
	for (int i = top; i < ui->nfields && i - top < rows; i++)
		draw_field(ui, 3 + (i - top) * 2, i, label_w);
	ui_put(ui, LINES - 4, 3, 24, ui->form_sel == ui->nfields ? ROLE_SELECTION : ROLE_TITLE,
	    ui->resuming ? "[ Resume the run ]" : "[ Start the run ]");
	ui_put(ui, LINES - 2, 1, COLS - 2, ROLE_DANGER, ui->form_error[0] ? ui->form_error : ui->message);
	ui_draw_keybar(ui, LINES - 1);
}
