/* ui_paste.c: bracketed paste. Once the console asks (ESC [ ? 2004 h), the
 * terminal wraps a paste in ESC [ 200 ~ and ESC [ 201 ~; curses hands the
 * two markers over as keys of our own (define_key) and the text as keys
 * in between. The text is gathered and given to the focused text field as
 * text, on one line, so a pasted log can never act as keystrokes: its `s`
 * opens no skip, its `y` confirms nothing, its line ends submit nothing.
 * With no text field focused a paste is dropped, and the status line says
 * so; attached to an interactive step, the step gets it as typed. */
#include <stdlib.h>
#include <string.h>

#include "ui.h"

#define PASTE_ON	"\033[?2004h"
#define PASTE_OFF	"\033[?2004l"

/* Teaches curses the markers and, only if it learnt them (else they
 * would be typed into fields as "[200~"), asks the terminal for them. */
void
ui_paste_enable(struct ui *ui)
{
	if (define_key("\033[200~", UI_KEY_PASTE_BEGIN) == ERR ||
	    define_key("\033[201~", UI_KEY_PASTE_END) == ERR)
		return;
	fputs(PASTE_ON, ui->scr_out);
	fflush(ui->scr_out);
	ui->paste_on = 1;
}

/* Gives the terminal its plain paste back (after endwin). */
void
ui_paste_disable(struct ui *ui)
{
	if (!ui->paste_on)
		return;
	fputs(PASTE_OFF, ui->scr_out);
	fflush(ui->scr_out);
	ui->paste_on = 0;
}

/* The paste on one line: each run of line ends becomes one space (none at
 * either end), a tab a space, and other control bytes are dropped. */
static size_t
paste_flatten(const char *in, size_t n, char *out)
{
	size_t len = 0;
	int pending_space = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '\r' || c == '\n') {
			pending_space = len > 0;
			continue;
		}
		if (c == '\t')
			c = ' ';
		if (c < 32 || c == 127)
			continue;
		if (pending_space)
			out[len++] = ' ';
		pending_space = 0;
		out[len++] = (char)c;
	}
	return len;
}

/* How many bytes of n fit in room without cutting a UTF-8 character. */
static size_t
paste_fit(const char *s, size_t n, size_t room)
{
	size_t cut = n <= room ? n : room;

	while (cut > 0 && cut < n && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return cut;
}

/* Room left in the focused text field; 0 and *has = 0 when none has focus. */
static size_t
field_room(struct ui *ui, int *has)
{
	unsigned ctx = ui_context(ui);
	struct dialog *d = ui_dialog_top(ui);
	size_t room = 0;

	*has = 1;
	if (ctx == CTX_INPUT)
		return sizeof d->text - 1 - d->len;
	if (ctx == CTX_PICKER && ui->filtering)
		return sizeof ui->filter - 1 - ui->filter_len;
	if (ctx == CTX_FORM && ui_form_text_room(ui, &room))
		return room;
	*has = 0;
	return 0;
}

/* Each byte through the field's own typing, so the field stays the one
 * place that decides what it holds. */
static void
type_into_field(struct ui *ui, const char *s, size_t n)
{
	unsigned ctx = ui_context(ui);

	for (size_t i = 0; i < n; i++) {
		int key = (unsigned char)s[i];

		if (ctx == CTX_INPUT)
			ui_dialog_text_key(ui_dialog_top(ui), key);
		else if (ctx == CTX_PICKER)
			ui_picker_key(ui, key);
		else
			ui_form_key(ui, key);
	}
}

static void
paste_to_step(struct ui *ui)
{
	char *cause = NULL;

	ui->follow = 1;
	if (engine_send_input(ui->e, ui->attach_step, ui->paste, ui->paste_len, &cause) != 0) {
		snprintf(ui->message, sizeof ui->message, "not sent: %s", cause);
		free(cause);
	}
}

static void
paste_to_field(struct ui *ui, size_t room)
{
	char line[UI_PASTE_MAX];
	size_t n = paste_flatten(ui->paste, ui->paste_len, line), fit = paste_fit(line, n, room);

	type_into_field(ui, line, fit);
	explicit_bzero(line, n);	/* it may be a password */
	if (fit < n || ui->paste_cut > 0)
		snprintf(ui->message, sizeof ui->message, "the paste was cut to fit: %zu of %zu bytes taken", fit,
		    ui->paste_len + ui->paste_cut);
}

/* The whole paste is in: where it goes. */
static void
paste_deliver(struct ui *ui)
{
	size_t total = ui->paste_len + ui->paste_cut, room;
	int has;

	ui->urgent = 1;
	ui_touch(ui);
	ui->message[0] = '\0';
	room = field_room(ui, &has);
	if (ui_too_small())
		snprintf(ui->message, sizeof ui->message, "a paste (%zu bytes) was dropped: the screen is too small",
		    total);
	else if (ui_context(ui) == CTX_ATTACHED)
		paste_to_step(ui);
	else if (has)
		paste_to_field(ui, room);
	else
		snprintf(ui->message, sizeof ui->message, "a paste (%zu bytes) was dropped: it goes only into a "
		    "text field%s", total, ui_context(ui) & CTX_RUN ? " (n: a note)" : "");
	explicit_bzero(ui->paste, ui->paste_len);
	ui->paste_len = ui->paste_cut = 0;
}

/* Keys already waiting behind a paste's end came with it, not from the
 * operator: a pasted text can carry its own end marker (terminals pass
 * ESC [ 201 ~ through) to smuggle keys out. They are dropped until the
 * input has been drained once; a key typed later is the operator's. */
static int
paste_tail_key(struct ui *ui)
{
	ui->tail_dropped++;
	snprintf(ui->message, sizeof ui->message, "%zu key%s right behind the paste dropped: a paste is "
	    "text, never keys", ui->tail_dropped, ui->tail_dropped > 1 ? "s" : "");
	ui->urgent = 1;
	ui_touch(ui);
	return 1;
}

/* Takes the key when it belongs to a paste (a marker, text between them,
 * or a key that came with it); 0 leaves it to the ordinary keys. */
int
ui_paste_key(struct ui *ui, int key)
{
	if (key == UI_KEY_PASTE_BEGIN) {
		ui->pasting = 1;
		ui->paste_tail = 0;
		ui->paste_len = ui->paste_cut = 0;
		return 1;
	}
	if (key == UI_KEY_PASTE_END) {
		if (ui->pasting)
			paste_deliver(ui);
		ui->pasting = 0;
		ui->paste_tail = 1;
		ui->tail_dropped = 0;
		return 1;
	}
	if (!ui->pasting)
		return ui->paste_tail ? paste_tail_key(ui) : 0;
	/* A key curses decoded from the pasted bytes is not text. */
	if (key < 0 || key > 255 || ui->paste_len == sizeof ui->paste)
		ui->paste_cut++;
	else
		ui->paste[ui->paste_len++] = (char)key;
	return 1;
}

/* The terminal had nothing more to read: what comes next is typed. */
void
ui_paste_idle(struct ui *ui)
{
	ui->paste_tail = 0;
}
