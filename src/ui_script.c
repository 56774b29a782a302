/* ui_script.c: script mode for tests (tig's idea). Commands come from a
 * file, one a line, and each is read only when the engine is idle and the
 * screen has been redrawn, so a test needs no sleeps:
 *
 *   key NAME           Enter Esc Tab C-c Up Down Left Right PgUp PgDn Home
 *                      End BSpace Space, or one character
 *   type TEXT          each character of TEXT as a key
 *   do ACTION          an action by its name in the action table
 *   wait-step ID STATUS [SECONDS]   until step ID has STATUS (default 10 s);
 *                      read at once, and the command after it too
 *   wait-text TEXT [SECONDS]        until a row of the screen holds TEXT
 *                      (one word; watch's runs go on without this screen)
 *   resize COLSxROWS   as if the terminal changed size
 *   dump               the screen rows as text, appended to --dump FILE
 *   quit               leave (a running step is cancelled first)
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "clock.h"
#include "commands.h"
#include "ui.h"
#include "xmalloc.h"

#define WAIT_DEFAULT_MS 10000

int
ui_script_open(struct ui *ui, char **cause)
{
	if ((ui->script = fopen(ui->o.script, "r")) == NULL) {
		*cause = xprintf("--script %s: cannot open it", ui->o.script);
		return -1;
	}
	if (ui->o.dump != NULL && (ui->dump = fopen(ui->o.dump, "a")) == NULL) {
		*cause = xprintf("--dump %s: cannot open it", ui->o.dump);
		return -1;
	}
	return 0;
}

void
ui_script_close(struct ui *ui)
{
	if (ui->script != NULL)
		fclose(ui->script);
	free(ui->script_next);
	ui->script_next = NULL;
	if (ui->dump != NULL)
		fclose(ui->dump);
	ui->script = ui->dump = NULL;
	if (ui->wait_timer != NULL)
		loop_cancel_timer(ui->loop, ui->wait_timer);
	ui->wait_timer = NULL;
}

static void
script_fail(struct ui *ui, const char *what)
{
	if (ui->script_error == NULL)
		ui->script_error = xprintf("%s:%d: %s", ui->o.script, ui->script_line, what);
	ui_quit(ui, EXIT_USAGE);
}

static void
on_wait_timer(void *arg)
{
	struct ui *ui = arg;

	ui->wait_timer = NULL;
}

/* Some row of the screen, as last drawn, holds text. */
static int
screen_shows(const char *text)
{
	char row[4096];

	for (int y = 0; y < LINES; y++) {
		int n = mvinnstr(y, 0, row, (int)sizeof row - 1);

		if (n > 0 && (row[n] = '\0', strstr(row, text) != NULL))
			return 1;
	}
	return 0;
}

static int
wait_text_done(struct ui *ui)
{
	char *msg;

	ui_draw_now(ui);
	if (screen_shows(ui->wait_text)) {
		ui->wait_text[0] = '\0';
		return 1;
	}
	if (clock_mono_ms() < ui->wait_deadline)
		return 0;
	msg = xprintf("wait-text %s: timed out", ui->wait_text);
	script_fail(ui, msg);
	free(msg);
	return 0;
}

static int
wait_done(struct ui *ui)
{
	const struct step_state *st;
	char *msg;

	if (ui->wait_text[0] != '\0')
		return wait_text_done(ui);
	if (ui->e == NULL && ui->w == NULL)
		return 0;
	st = ui_view_step(ui, ui->wait_step);
	if (strcmp(step_status_name(st->status), ui->wait_status) == 0 && !st->retry_waiting)
		return 1;
	if (clock_mono_ms() < ui->wait_deadline)
		return 0;
	msg = xprintf("wait-step %s %s: timed out; the step is %s", ui->rb->steps[ui->wait_step].id,
	    ui->wait_status, step_status_name(st->status));
	script_fail(ui, msg);
	free(msg);
	return 0;
}

/* The next line, read ahead; NULL at the end of the script. */
static const char *
peek(struct ui *ui)
{
	size_t cap = 0;
	ssize_t n;

	if (ui->script_next != NULL || ui->script_eof)
		return ui->script_next;
	if ((n = getline(&ui->script_next, &cap, ui->script)) < 0) {
		free(ui->script_next);
		ui->script_next = NULL;
		ui->script_eof = 1;
		return NULL;
	}
	while (n > 0 && (ui->script_next[n - 1] == '\n' || ui->script_next[n - 1] == '\r'))
		ui->script_next[--n] = '\0';
	return ui->script_next;
}

/* The next command may run: the engine is idle (or a wait just matched)
 * and nothing is left to decide for this turn. Watching, nothing here
 * drives the run: only waits hold the script back. */
int
ui_script_ready(struct ui *ui)
{
	if (ui->done)
		return 0;
	if (ui->script_waiting) {
		if (!wait_done(ui))
			return 0;
		ui->script_waiting = 0;
		ui->script_after_wait = 1;
		if (ui->wait_timer != NULL)
			loop_cancel_timer(ui->loop, ui->wait_timer);
		ui->wait_timer = NULL;
		return 1;
	}
	if (ui->script_after_wait || !ui_view_busy(ui) || ui->w != NULL)
		return 1;
	/* A wait-step is itself a wait: it is read while the engine works. */
	return peek(ui) != NULL && strncmp(peek(ui) + strspn(peek(ui), " \t"), "wait-", 5) == 0;
}

/* Appends the screen as text: a separator, then every row. */
void
ui_script_dump(struct ui *ui)
{
	char row[4096];

	if (ui->dump == NULL)
		return;
	fprintf(ui->dump, "===== dump %d %dx%d =====\n", ++ui->ndumps, COLS, LINES);
	for (int y = 0; y < LINES; y++) {
		size_t n = 0;

		for (int x = 0; x < COLS && n + 8 < sizeof row;) {
			cchar_t cc;
			wchar_t wc[CCHARW_MAX + 1] = { 0 };
			attr_t attrs;
			short pair;
			int w;

			mvwin_wch(stdscr, y, x, &cc);
			getcchar(&cc, wc, &attrs, &pair, NULL);
			w = wc[0] != 0 ? wcwidth(wc[0]) : 1;
			n += wc[0] != 0 ? wcstombs(row + n, (wchar_t[]){ wc[0], 0 }, 8) : 0;
			x += w > 0 ? w : 1;
		}
		while (n > 0 && row[n - 1] == ' ')
			n--;
		fprintf(ui->dump, "%.*s\n", (int)n, row);
	}
	fflush(ui->dump);
}

/* A timer makes sure the loop wakes for the deadline. */
static void
start_wait(struct ui *ui, const char *secs)
{
	ui->wait_deadline = clock_mono_ms() + (secs ? atoi(secs) * 1000 : WAIT_DEFAULT_MS);
	ui->wait_timer = loop_add_timer(ui->loop, ui->wait_deadline - clock_mono_ms(), on_wait_timer, ui);
	ui->script_waiting = 1;
}

static void
cmd_wait(struct ui *ui, char *args)
{
	char *id = strtok(args, " "), *status = strtok(NULL, " "), *secs = strtok(NULL, " ");

	if (id == NULL || status == NULL || (ui->e == NULL && ui->w == NULL)) {
		script_fail(ui, "wait-step wants ID STATUS [SECONDS] during a run");
		return;
	}
	if ((ui->wait_step = runbook_find_step(ui->rb, id)) < 0) {
		script_fail(ui, "wait-step: no such step");
		return;
	}
	snprintf(ui->wait_status, sizeof ui->wait_status, "%s", status);
	start_wait(ui, secs);
}

/* wait-text TEXT [SECONDS]: until a row of the screen holds TEXT (one word). */
static void
cmd_wait_text(struct ui *ui, char *args)
{
	char *text = strtok(args, " "), *secs = strtok(NULL, " ");

	if (text == NULL) {
		script_fail(ui, "wait-text wants TEXT [SECONDS]");
		return;
	}
	snprintf(ui->wait_text, sizeof ui->wait_text, "%s", text);
	start_wait(ui, secs);
}

static void
cmd_quit(struct ui *ui)
{
	char *cause = NULL;
	int r = ui->e != NULL ? engine_running_step(ui->e) : -1;

	if (ui->quitting)
		return;
	if (ui->w != NULL) {
		ui_quit(ui, EXIT_OK);
		return;
	}
	if (r < 0) {
		ui_quit(ui, ui->finished ? ui->exit_code : EXIT_OK);
		return;
	}
	if (runpolicy_decide(ui->e, r, DECISION_QUIT_CANCEL, NULL, &cause) != 0)
		free(cause);
	ui->quitting = 1;
	engine_cancel(ui->e, r);
}

static void
run_command(struct ui *ui, char *cmd, char *args)
{
	int key, cols, rows;

	if (strcmp(cmd, "key") == 0) {
		if ((key = ui_key_parse(args)) < 0)
			script_fail(ui, "key: unknown key name");
		else
			ui_handle_key(ui, key);
	} else if (strcmp(cmd, "type") == 0) {
		for (const char *p = args; *p != '\0'; p++)
			ui_handle_key(ui, (unsigned char)*p);
	} else if (strcmp(cmd, "do") == 0) {
		if (ui_action_by_name(args) == ACT_NONE)
			script_fail(ui, "do: no such action");
		else
			ui_do(ui, ui_action_by_name(args));
	} else if (strcmp(cmd, "wait-step") == 0)
		cmd_wait(ui, args);
	else if (strcmp(cmd, "wait-text") == 0)
		cmd_wait_text(ui, args);
	else if (strcmp(cmd, "resize") == 0) {
		if (sscanf(args, "%dx%d", &cols, &rows) != 2 || cols < 10 || rows < 5)
			script_fail(ui, "resize wants COLSxROWS");
		else
			ui_resize(ui, cols, rows);
	} else if (strcmp(cmd, "dump") == 0)
		ui_script_dump(ui);
	else if (strcmp(cmd, "quit") == 0)
		cmd_quit(ui);
	else
		script_fail(ui, "unknown command");
}

/* Reads and runs one command; the end of the script quits. */
void
ui_script_step(struct ui *ui)
{
	char *line, *cmd, *args;

	ui->script_after_wait = 0;
	if (peek(ui) == NULL) {
		cmd_quit(ui);
		return;
	}
	line = ui->script_next;
	ui->script_next = NULL;
	ui->script_line++;
	cmd = line + strspn(line, " \t");
	if (*cmd != '\0' && *cmd != '#') {
		args = cmd + strcspn(cmd, " ");
		if (*args != '\0')
			*args++ = '\0';
		run_command(ui, cmd, args);
	}
	free(line);
}
