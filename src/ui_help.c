/* ui_help.c: the `?` screen, for where the operator is: the picker's keys
 * in the picker, the run view's (and its dialogs') in the run view, then
 * the notes that apply there. Generated from the action table; each row is
 * keys, name and what it does in columns, the description wrapped under
 * itself so the columns stay straight at 80 columns. */
#include <string.h>

#include "strbuf.h"
#include "ui.h"

#define KEYS_W	14	/* "PgDn / j" and the like */
#define NAME_W	12

struct help_section {
	unsigned ctx;
	const char *title;
};

static const struct help_section picker_sections[] = {
	{ CTX_PICKER, "Scenario list" },
	{ CTX_INPUT | CTX_VIEWER, "Dialogs (the dismissal's reason, this help)" },
};

static const struct help_section run_sections[] = {
	{ CTX_LIST, "Checklist" },
	{ CTX_OUTPUT, "Output pane (Tab to focus it)" },
	{ CTX_TIMELINE, "Timeline (Tab again: the whole run, in place of the output)" },
	{ CTX_CONFIRM, "Confirmation" },
	{ CTX_INPUT | CTX_CHOICE | CTX_VIEWER, "Other dialogs" },
	{ CTX_ATTACHED, "Attached to an interactive step (after a): every other key goes to it" },
};

static const char picker_notes[] =
    "Unfinished incidents come first; Enter resumes one in its own mode.\n"
    "x dismisses a stale incident: its reason is journaled and it is offered no more.\n"
    "t shows or hides the training sandboxes (--training shows them from the start).\n"
    "The mouse: the wheel moves through the list, a click selects (--no-mouse: off).\n";

static const char run_notes[] =
    "Text fields: type, BSpace deletes, Enter accepts, Esc backs out.\n"
    "Ctrl-C, like c, asks to cancel the running step wherever you are; it never closes the console.\n"
    "Enter on a step ahead of steps still pending names them and asks (y goes on).\n"
    "A dialog cut short says how many lines are below: scroll it (arrows, PgUp/PgDn, j/k where "
    "nothing is typed); y, Enter or the typed id act only once its last line has been shown.\n"
    "Ctrl-L draws the screen again. Below the smallest size only q and Ctrl-L act.\n"
    "A paste goes into the text field as text, on one line; with no text field open it is dropped.\n"
    "Attached to an interactive step, Ctrl-C is the step's: its program gets it as a terminal would.\n"
    "The mouse: the wheel scrolls what is under the pointer, a click selects a step (--no-mouse: off).\n";

static const char watch_notes[] =
    "watch only reads the incident: nothing here runs, skips or cancels a step, and no lock is taken.\n"
    "I injects an event through the incident's inbox: the driving console journals it as a note "
    "marked injected, by you (--operator).\n"
    "Moving the selection stops following the running step; f follows it again.\n"
    "Ctrl-C and q quit. Ctrl-L draws the screen again.\n";

/* Appends s wrapped to width, every row after the first indented by indent. */
static void
add_wrapped(struct strbuf *b, const char *s, int width, int indent)
{
	const char *lines[16];
	size_t lens[16];
	int n = ui_text_wrap(s, width > 10 ? width : 10, lines, lens, 16);

	for (int k = 0; k < n; k++)
		strbuf_addf(b, "%*s%.*s\n", k > 0 ? indent : 0, "", (int)lens[k], lines[k]);
}

static void
add_action(struct strbuf *b, const struct ui_action_info *info, int width)
{
	char k1[16], k2[16], keys[40];

	ui_key_name(info->keys[0], k1, sizeof k1);
	if (info->keys[1] != 0) {
		ui_key_name(info->keys[1], k2, sizeof k2);
		snprintf(keys, sizeof keys, "%s / %s", k1, k2);
	} else
		snprintf(keys, sizeof keys, "%s", k1);
	strbuf_addf(b, "  %-*s %-*s ", KEYS_W - 1, keys, NAME_W - 1, info->name);
	add_wrapped(b, info->help, width - 2 - KEYS_W - NAME_W, 2 + KEYS_W + NAME_W);
}

static void
add_section(const struct ui *ui, struct strbuf *b, const struct help_section *sec, int width)
{
	int any = 0;

	for (int a = 0; a < ACT_COUNT; a++) {
		const struct ui_action_info *info = ui_action_info((enum ui_action)a);

		if (!ui_action_for_whom(ui, (enum ui_action)a, sec->ctx))
			continue;
		if (!any++)
			strbuf_addf(b, "%s\n", sec->title);
		add_action(b, info, width);
	}
	if (!any)
		return;
	strbuf_addch(b, '\n');
}

/* The notes, one paragraph a line, wrapped with a hanging indent. */
static void
add_notes(struct strbuf *b, const char *notes, int width)
{
	for (const char *p = notes; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char line[512];

		snprintf(line, sizeof line, "%.*s", (int)len, p);
		add_wrapped(b, line, width - 2, 2);
		p += len + (nl != NULL);
	}
}

/* The help screen's text for where the operator is now. */
char *
ui_help_for(const struct ui *ui)
{
	int picker = ui->screen == SCREEN_PICKER, width = ui_dialog_inner_width();
	const struct help_section *secs = picker ? picker_sections : run_sections;
	size_t n = picker ? sizeof picker_sections / sizeof picker_sections[0] :
	    sizeof run_sections / sizeof run_sections[0];
	struct strbuf b;

	strbuf_init(&b);
	for (size_t i = 0; i < n; i++)
		add_section(ui, &b, &secs[i], width);
	add_notes(&b, picker ? picker_notes : ui->w != NULL ? watch_notes : run_notes, width);
	return strbuf_detach(&b);
}
