/* ui_keys.c: the action table, key names, and dispatch. Every key goes
 * through ui_handle_key: text fields take printable keys first, then the
 * table maps the key to an action in the current context. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ui.h"
#include "xmalloc.h"

#define UI_ACTION_INFO(id, name, k1, k2, ctx, bar, help) { name, { k1, k2 }, ctx, bar, help },
static const struct ui_action_info actions[ACT_COUNT] = {
	UI_ACTIONS(UI_ACTION_INFO)
};
#undef UI_ACTION_INFO

/* Names of keys, for the script's `key NAME`, the key bar and the help. */
static const struct {
	const char *name;
	int key;
} key_names[] = {
	{ "Enter", UI_KEY_ENTER }, { "Esc", UI_KEY_ESC }, { "Tab", UI_KEY_TAB },
	{ "C-c", UI_KEY_CTRL_C }, { "Up", KEY_UP }, { "Down", KEY_DOWN },
	{ "Left", KEY_LEFT }, { "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE },
	{ "PgDn", KEY_NPAGE }, { "Home", KEY_HOME }, { "End", KEY_END },
	{ "BSpace", KEY_BACKSPACE }, { "Space", ' ' }, { "C-]", UI_KEY_DETACH },
	{ "C-l", UI_KEY_REDRAW },
};

#define NKEYNAMES (sizeof key_names / sizeof key_names[0])

/* What an xterm sends for the keys curses decodes: an attached step reads
 * these. app is the sequence once the program asked for application
 * cursor keys (ESC [ ? 1 h), as full-screen programs do; NULL: the same. */
static const struct {
	int key;
	const char *normal, *app;
} key_bytes[] = {
	{ KEY_UP, "\033[A", "\033OA" }, { KEY_DOWN, "\033[B", "\033OB" },
	{ KEY_RIGHT, "\033[C", "\033OC" }, { KEY_LEFT, "\033[D", "\033OD" },
	{ KEY_HOME, "\033[H", "\033OH" }, { KEY_END, "\033[F", "\033OF" },
	{ KEY_PPAGE, "\033[5~", NULL }, { KEY_NPAGE, "\033[6~", NULL },
	{ KEY_IC, "\033[2~", NULL }, { KEY_DC, "\033[3~", NULL },
	{ KEY_BTAB, "\033[Z", NULL }, { KEY_BACKSPACE, "\177", NULL },
	{ KEY_ENTER, "\r", NULL }, { '\n', "\r", NULL },
	{ KEY_F(1), "\033OP", NULL }, { KEY_F(2), "\033OQ", NULL },
	{ KEY_F(3), "\033OR", NULL }, { KEY_F(4), "\033OS", NULL },
	{ KEY_F(5), "\033[15~", NULL }, { KEY_F(6), "\033[17~", NULL },
	{ KEY_F(7), "\033[18~", NULL }, { KEY_F(8), "\033[19~", NULL },
	{ KEY_F(9), "\033[20~", NULL }, { KEY_F(10), "\033[21~", NULL },
	{ KEY_F(11), "\033[23~", NULL }, { KEY_F(12), "\033[24~", NULL },
};

const struct ui_action_info *
ui_action_info(enum ui_action a)
{
	return &actions[a];
}

enum ui_action
ui_action_by_name(const char *name)
{
	for (int a = 0; a < ACT_COUNT; a++) {
		if (strcmp(actions[a].name, name) == 0)
			return (enum ui_action)a;
	}
	return ACT_NONE;
}

/* Whose keys this screen takes: the driver's, or a watcher's. */
unsigned
ui_who(const struct ui *ui)
{
	return ui->w != NULL ? CTX_WATCHER : CTX_DRIVER;
}

/* a is taken where ctx says (its place, and whose screen, when ctx
 * names one): an action marked for one of them is not the other's. */
static int
fits(enum ui_action a, unsigned ctx)
{
	unsigned whose = CTX_DRIVER | CTX_WATCHER, who = actions[a].ctx & whose;

	return (actions[a].ctx & ctx & ~whose) != 0 && (who == 0 || (ctx & whose) == 0 || (who & ctx) != 0);
}

int
ui_action_for_whom(const struct ui *ui, enum ui_action a, unsigned ctx)
{
	return fits(a, ctx | ui_who(ui));
}

enum ui_action
ui_action_for_key(unsigned ctx, int key)
{
	for (int a = 0; a < ACT_COUNT; a++) {
		if (fits((enum ui_action)a, ctx) &&
		    (actions[a].keys[0] == key || (actions[a].keys[1] != 0 && actions[a].keys[1] == key)))
			return (enum ui_action)a;
	}
	return ACT_NONE;
}

int
ui_key_parse(const char *name)
{
	for (size_t i = 0; i < NKEYNAMES; i++) {
		if (strcmp(key_names[i].name, name) == 0)
			return key_names[i].key;
	}
	if (name[0] != '\0' && name[1] == '\0')
		return (unsigned char)name[0];
	return -1;
}

void
ui_key_name(int key, char *buf, size_t len)
{
	for (size_t i = 0; i < NKEYNAMES; i++) {
		if (key_names[i].key == key) {
			snprintf(buf, len, "%s", key_names[i].name);
			return;
		}
	}
	snprintf(buf, len, "%c", key > 32 && key < 127 ? key : '?');
}

/* The bytes a terminal sends for key (Enter is CR, Ctrl-C is 3, a UTF-8
 * character comes byte by byte); 0 for a key that has none. */
size_t
ui_key_bytes(int key, int app_cursor, char *buf, size_t len)
{
	const char *seq = NULL;

	for (size_t i = 0; i < sizeof key_bytes / sizeof key_bytes[0] && seq == NULL; i++) {
		if (key_bytes[i].key == key)
			seq = app_cursor && key_bytes[i].app != NULL ? key_bytes[i].app : key_bytes[i].normal;
	}
	if (seq != NULL && strlen(seq) < len) {
		memcpy(buf, seq, strlen(seq));
		return strlen(seq);
	}
	if (key < 0 || key > 255 || len == 0)
		return 0;
	buf[0] = (char)key;
	return 1;
}

unsigned
ui_context(const struct ui *ui)
{
	static const unsigned dialog_ctx[] = {
		[DLG_CONFIRM] = CTX_CONFIRM, [DLG_ROLLBACK] = CTX_CONFIRM, [DLG_TYPE_CONFIRM] = CTX_INPUT,
		[DLG_ATTEST] = CTX_INPUT, [DLG_SKIP_REASON] = CTX_INPUT, [DLG_NOTE] = CTX_INPUT,
		[DLG_DONE_NOTE] = CTX_INPUT, [DLG_SEARCH] = CTX_INPUT, [DLG_FAILURE] = CTX_CHOICE,
		[DLG_INTERRUPTED] = CTX_CHOICE, [DLG_QUIT] = CTX_CHOICE, [DLG_QUIT_IDLE] = CTX_CHOICE,
		[DLG_CHANGED] = CTX_CHOICE, [DLG_LOOSE] = CTX_CHOICE, [DLG_HELP] = CTX_VIEWER, [DLG_MESSAGE] = CTX_VIEWER,
		[DLG_APPROVAL] = CTX_VIEWER, [DLG_CANCEL] = CTX_CONFIRM, [DLG_ORDER] = CTX_CONFIRM,
		[DLG_DISMISS] = CTX_INPUT, [DLG_INPUT] = CTX_INPUT, [DLG_INJECT] = CTX_INPUT,
	};

	if (ui->ndialogs > 0)
		return dialog_ctx[ui->dialogs[ui->ndialogs - 1].kind];
	switch (ui->screen) {
	case SCREEN_PICKER: return CTX_PICKER;
	case SCREEN_FORM: return CTX_FORM;
	case SCREEN_RUN: break;
	}
	if (ui->attached)
		return CTX_ATTACHED;
	return ui->focus == FOCUS_LIST ? CTX_LIST : ui->focus == FOCUS_OUTPUT ? CTX_OUTPUT : CTX_TIMELINE;
}

/* Ctrl-C anywhere asks to cancel the running step, and a second cancels
 * it: it must never wait behind a dialog, and it must never kill the
 * console. */
static int
handle_interrupt_key(struct ui *ui, int key)
{
	if (key == UI_KEY_CTRL_C && ui->w != NULL && ui->ndialogs == 0) {
		ui_quit(ui, EXIT_OK);	/* a watcher has nothing to cancel */
		return 1;
	}
	if (key != UI_KEY_CTRL_C || ui->e == NULL || engine_running_step(ui->e) < 0)
		return 0;
	ui_run_key(ui, ACT_CANCEL);
	return 1;
}

void
ui_handle_key(struct ui *ui, int key)
{
	unsigned ctx;
	enum ui_action a;

	/* A paste is text, never keys: it is gathered before anything else. */
	if (ui_paste_key(ui, key))
		return;
	/* What the screen cannot show must not act: not even for a step. */
	if (ui_too_small()) {
		ui->urgent = 1;
		ui_touch(ui);
		ui_small_key(ui, key == '\r' || key == KEY_ENTER ? UI_KEY_ENTER : key);
		return;
	}
	/* Before any translation: the step gets the key as it was typed. */
	if (ui_context(ui) == CTX_ATTACHED) {
		ui->urgent = 1;
		ui_touch(ui);
		ui_run_attached_key(ui, key);
		return;
	}
	if (key == '\r' || key == KEY_ENTER)
		key = UI_KEY_ENTER;
	if (key == 127 || key == 8)
		key = KEY_BACKSPACE;
	ui->urgent = 1;
	ui_touch(ui);
	ui->message[0] = '\0';
	if (key == UI_KEY_REDRAW) {
		clearok(curscr, TRUE);
		return;
	}
	if (handle_interrupt_key(ui, key))
		return;
	ctx = ui_context(ui);
	if (ctx & CTX_DIALOG) {
		ui_dialog_key(ui, key);
		return;
	}
	if (ctx == CTX_PICKER && ui_picker_key(ui, key))
		return;
	if (ctx == CTX_FORM && ui_form_key(ui, key))
		return;
	if ((a = ui_action_for_key(ctx | ui_who(ui), key)) != ACT_NONE)
		ui_do(ui, a);
	else if (ctx & CTX_RUN) {
		char name[16];

		ui_key_name(key, name, sizeof name);
		snprintf(ui->message, sizeof ui->message, "the key %s does nothing here: ? shows the keys",
		    name);
	}
}

/* Runs action a in the current context, as if its key had been pressed. */
void
ui_do(struct ui *ui, enum ui_action a)
{
	unsigned ctx = ui_context(ui);

	ui->urgent = 1;
	ui_touch(ui);
	if (a >= ACT_COUNT || !fits(a, ctx | ui_who(ui)))
		return;
	if (ctx & CTX_DIALOG)
		ui_dialog_action(ui, a);
	else if (ctx == CTX_PICKER)
		ui_picker_action(ui, a);
	else if (ctx == CTX_FORM)
		ui_form_action(ui, a);
	else if (!ui_timeline_action(ui, a) && !ui_pane_action(ui, a) && !ui_watch_action(ui, a))
		ui_run_key(ui, a);
}

/* Whether a's key does something now: the key bar shows only those. */
int
ui_action_applies(const struct ui *ui, enum ui_action a)
{
	int running = ui_view_running(ui);
	int busy = ui_view_busy(ui);

	if (!fits(a, ui_context(ui) | ui_who(ui)) || actions[a].bar == NULL)
		return 0;
	switch (a) {
	case ACT_RUN:
		if (ui_pane_held_next(ui) >= 0)
			return !busy && !ui->finished;
		return !busy && !ui->finished && ui_run_startable(ui, ui->sel);
	case ACT_SKIP:
		return !busy && !ui->finished && ui_run_startable(ui, ui->sel);
	case ACT_RETRY:
		return !busy && !ui->finished && (runpolicy_rerun(ui->e, ui->sel) == RERUN_AFTER_FAILURE ||
		    engine_step(ui->e, ui->sel)->status == STEP_ROLLED_BACK);
	case ACT_ROLLBACK:
		return !busy && !ui->finished && (runpolicy_choices(ui->e, ui->sel) & CHOICE_ROLLBACK) &&
		    engine_step(ui->e, ui->sel)->attempt > 0;
	case ACT_CANCEL:
		return running >= 0;
	case ACT_ATTACH:
		return ui_run_attachable(ui, running);
	case ACT_HOSTS:
		if (ui->w != NULL) {
			struct host_status hs[UI_HOSTS_MAX];

			return ui_step_hosts(ui, ui->sel, hs) > 0;
		}
		return ui->e != NULL && ui->rb->steps[ui->sel].on.s != NULL;
	case ACT_DISMISS:
		return ui_picker_on_incident(ui);
	case ACT_FOLLOW:
		return ui->w != NULL && !ui->w->follow_run;
	case ACT_PAGE_UP:
		return ui_context(ui) == CTX_OUTPUT || ui_context(ui) == CTX_TIMELINE ||
		    ((ui_context(ui) & CTX_DIALOG) && ui_dialog_cut(ui));
	case ACT_NEXT_CHOICE:
		return ui->form_sel < ui->nfields &&
		    (ui->fields[ui->form_sel].p->type == PARAM_CHOICE ||
		    ui->fields[ui->form_sel].p->type == PARAM_BOOL);
	default:
		return 1;
	}
}
