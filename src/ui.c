/* ui.c: `drconsole [RUNBOOK|DIR...]` and `drconsole resume DIR`: the
 * full-screen console's start, its terminal, and its place in the event
 * loop. Keys, signals and step output all arrive through the one loop;
 * after each turn the engine's news is acted on and the screen redrawn
 * once, at most ~60 times a second while output floods. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "journal.h"
#include "log.h"
#include "sandbox.h"
#include "ui.h"
#include "xmalloc.h"

/* The console the fatal hook restores; and an engine left running on
 * purpose at quit, kept reachable so its child is never killed. */
static struct ui *fatal_ui;
static struct engine *abandoned;

/* --- the terminal --- */

/* While curses owns the screen, library notices go to the debug log. */
void
ui_stderr_to_log(struct ui *ui)
{
	const char *path = getenv("DRCONSOLE_LOG");
	int fd = path != NULL && *path != '\0' ? log_open_fd(path) : -1;

	if (fd == -1)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	fflush(stderr);
	ui->saved_stderr = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
}

/* Gives the terminal back: the screen ends and stderr is ours again. */
void
ui_term_end(struct ui *ui)
{
	if (ui->scr == NULL)
		return;
	endwin();
	ui_paste_disable(ui);
	delscreen(ui->scr);
	ui->scr = NULL;
	if (ui->scr_out != NULL && ui->scr_out != stdout)
		fclose(ui->scr_out);
	if (ui->scr_in != NULL && ui->scr_in != stdin)
		fclose(ui->scr_in);
	ui->scr_out = ui->scr_in = NULL;
	if (ui->saved_stderr >= 0) {
		fflush(stderr);
		dup2(ui->saved_stderr, 2);
		close(ui->saved_stderr);
		ui->saved_stderr = -1;
	}
}

/* Before a fatal exit: the screen back, the journal written. */
static void
on_fatal(void)
{
	struct ui *ui = fatal_ui;
	char *cause = NULL;

	if (ui == NULL)
		return;
	ui_term_end(ui);
	if (ui->e != NULL && engine_flush_journal(ui->e, &cause) != 0)
		free(cause);
}

/* Who gets the terminal back before a fatal exit; NULL: nobody. */
void
ui_set_fatal(struct ui *ui)
{
	fatal_ui = ui;
	log_set_fatal_hook(ui != NULL ? on_fatal : NULL);
}

/* Script mode draws into a screen of its own on /dev/null: no terminal
 * needed, a fixed size, and the same drawing code. */
int
ui_term_start(struct ui *ui)
{
	const char *term = getenv("TERM");

	if (ui->script_mode) {
		ui->scr_out = fopen("/dev/null", "w");
		ui->scr_in = fopen("/dev/null", "r");
		term = "xterm-256color";
	} else {
		ui->scr_out = stdout;
		ui->scr_in = stdin;
	}
	if (ui->scr_out == NULL || ui->scr_in == NULL ||
	    (ui->scr = newterm(term, ui->scr_out, ui->scr_in)) == NULL) {
		fprintf(stderr, "drconsole: cannot start the screen (TERM=%s)\n", term ? term : "");
		return -1;
	}
	ui_stderr_to_log(ui);
	if (ui->script_mode)
		resizeterm(UI_SCRIPT_ROWS, UI_SCRIPT_COLS);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	/* A lone Escape is a key of its own after 25 ms, unless the operator's
	 * ESCDELAY (read by curses itself) says otherwise: a slow link needs
	 * longer, or arrows arrive as Escape and letters. */
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	curs_set(0);
	if (!ui->script_mode)
		ui_paste_enable(ui);
	ui_mouse_enable(ui);
	ui_theme_setup(ui);
	return 0;
}

void
ui_resize(struct ui *ui, int cols, int rows)
{
	if (cols > 0 && rows > 0)
		resizeterm(rows, cols);
	ui->urgent = 1;
	ui_touch(ui);
}

/* --- redraws --- */

void
ui_touch(struct ui *ui)
{
	ui->dirty = 1;
}

void
ui_draw_now(struct ui *ui)
{
	if (ui->pager_pid > 0)
		return;		/* the pager has the terminal; drawn when it ends */
	erase();
	attrset(A_NORMAL);
	ui_mouse_layout(ui, COLS);
	if (ui_too_small())
		ui_small_draw(ui);
	else {
		if (ui->screen == SCREEN_PICKER)
			ui_picker_draw(ui);
		else if (ui->screen == SCREEN_FORM)
			ui_form_draw(ui);
		else
			ui_draw_run(ui);
		ui_dialog_draw(ui);
	}
	wnoutrefresh(stdscr);
	doupdate();
	ui->dirty = ui->urgent = 0;
	ui->last_draw_mono = clock_mono_ms();
}

static void
on_frame(void *arg)
{
	struct ui *ui = arg;

	ui->frame_timer = NULL;
}

/* At most one redraw per loop turn; output alone redraws at most once a
 * frame, a key at once. */
static void
maybe_draw(struct ui *ui)
{
	int64_t since = clock_mono_ms() - ui->last_draw_mono;

	if (!ui->dirty || ui->done)
		return;
	if (ui->urgent || since >= UI_FRAME_MS) {
		ui_draw_now(ui);
		return;
	}
	if (ui->frame_timer == NULL)
		ui->frame_timer = loop_add_timer(ui->loop, UI_FRAME_MS - since, on_frame, ui);
}

static void
on_tick(void *arg)
{
	struct ui *ui = arg;
	char *cause = NULL;

	ui->tick_timer = NULL;
	ui->spin++;
	if (ui->e != NULL && engine_journal_error(ui->e) != NULL &&
	    engine_flush_journal(ui->e, &cause) != 0)
		free(cause);
	ui_touch(ui);
	ui_arm_tick(ui);
}

/* The clock ticks only while the run view shows and the run goes on. */
void
ui_arm_tick(struct ui *ui)
{
	int running = ui->e != NULL && engine_busy(ui->e);

	if (ui->tick_timer != NULL || ui->screen != SCREEN_RUN || ui->finished || ui->done)
		return;
	ui->tick_timer = loop_add_timer(ui->loop, running ? UI_SPIN_MS : UI_TICK_MS, on_tick, ui);
}

void
ui_quit(struct ui *ui, int code)
{
	ui->exit_code = code;
	ui->done = 1;
}

/* --- input and signals --- */

static void
on_keys(int fd, short revents, void *arg)
{
	struct ui *ui = arg;
	int key = ERR, n = 0;

	(void)fd;
	/* A bounded number per turn, so a paste cannot starve the engine. */
	while (n < 64 && (key = wgetch(stdscr)) != ERR) {
		n++;
		if (key == KEY_RESIZE)
			ui_resize(ui, 0, 0);
		else if (key == KEY_MOUSE)
			ui_mouse_event(ui);
		else
			ui_handle_key(ui, key);
	}
	if (key == ERR)
		ui_paste_idle(ui);
	ui->input_errs = n > 0 ? 0 : ui->input_errs + 1;
	/* Readable but nothing to read, again and again: the terminal is
	 * gone. Treat it as end of input, never spin. */
	if ((revents & (POLLHUP | POLLERR | POLLNVAL)) || ui->input_errs > 100)
		ui_run_signal(ui, SIGHUP);
}

static void
on_signal(int signo, void *arg)
{
	struct ui *ui = arg;
	struct winsize ws;

	if (signo == SIGWINCH) {
		if (ioctl(1, TIOCGWINSZ, &ws) == 0)
			ui_resize(ui, ws.ws_col, ws.ws_row);
		return;
	}
	if (signo == SIGINT) {
		ui_handle_key(ui, UI_KEY_CTRL_C);
		return;
	}
	ui_run_signal(ui, signo);
}

void
ui_watch_signals(struct ui *ui)
{
	static const int sigs[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };

	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (sigs[i] == SIGWINCH && ui->script_mode)
			continue;
		loop_watch_signal(ui->loop, sigs[i], on_signal, ui);
	}
}

/* --- the main loop --- */

/* A turn that took in a flood of output (a full read's worth) waits a moment
 * (UI_FLOOD_PAUSE_MS) for a key before the next one: the flooding step then runs at
 * a few tens of MB/s instead of taking every cycle that the terminal and
 * the operator's keys need. Ordinary output is never slowed. */
static void
pace_output(struct ui *ui)
{
	struct pollfd pfd = { 0, POLLIN, 0 };
	size_t seen = ui->output_bytes;

	ui->output_bytes = 0;
	if (seen < UI_FLOOD_BYTES || ui->script_mode)
		return;
	poll(&pfd, 1, UI_FLOOD_PAUSE_MS);
}

void
ui_main_loop(struct ui *ui)
{
	struct loop_fd *keys = NULL;

	if (!ui->script_mode)
		keys = ui->keys = loop_add_fd(ui->loop, 0, POLLIN, on_keys, ui);
	ui_draw_now(ui);
	while (!ui->done) {
		if (ui->script != NULL && ui_script_ready(ui)) {
			ui_draw_now(ui);
			ui_script_step(ui);
		} else if (loop_run_once(ui->loop, -1) < 0 && errno != EINTR)
			fatal("poll");
		pace_output(ui);
		ui_run_after_turn(ui);
		ui_arm_tick(ui);
		maybe_draw(ui);
	}
	if (keys != NULL)
		loop_remove_fd(ui->loop, keys);
	ui->keys = NULL;
}

/* --- where the runbooks are --- */

static void
add_path(struct ui *ui, const char *p)
{
	ui->o.paths = xreallocarray(ui->o.paths, ui->o.npaths + 1, sizeof *ui->o.paths);
	ui->o.paths[ui->o.npaths++] = xstrdup(p);
}

/* No path given: $DRCONSOLE_RUNBOOKS (colon-separated), else ./runbooks,
 * else the installed ones. */
static void
default_paths(struct ui *ui)
{
	const char *env = getenv("DRCONSOLE_RUNBOOKS");
	struct stat sb;

	if (env != NULL && *env != '\0') {
		char *copy = xstrdup(env), *save = NULL;

		for (char *p = strtok_r(copy, ":", &save); p != NULL; p = strtok_r(NULL, ":", &save))
			add_path(ui, p);
		free(copy);
	} else if (stat("runbooks", &sb) == 0 && S_ISDIR(sb.st_mode))
		add_path(ui, "runbooks");
	else
		add_path(ui, DRC_DATADIR "/runbooks");
}

static int
is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Decides the first screen: a resume, one runbook's form, or the picker. */
static int
prepare(struct ui *ui)
{
	if (ui->o.resume_dir != NULL || (ui->o.npaths == 1 && is_file(ui->o.paths[0]))) {
		if ((ui->rb = runopts_load_runbook(&ui->o)) == NULL)
			return EXIT_USAGE;
		ui->direct = ui->own_rb = 1;
		ui->resuming = ui->o.resume_dir != NULL;
		ui->screen = SCREEN_FORM;
		return 0;
	}
	if (ui->o.npaths == 0)
		default_paths(ui);
	ui_picker_load(ui);
	if (ui->nitems == 0) {
		fprintf(stderr, "drconsole: no runbooks found (looked in %s%s)\n", ui->o.paths[0],
		    ui->o.npaths > 1 ? " and more" : "");
		return EXIT_USAGE;
	}
	ui->screen = SCREEN_PICKER;
	return 0;
}

static void
cleanup(struct ui *ui)
{
	ui_term_end(ui);
	/* The screen is gone: say where the run's files are, and how to stop
	 * a sandbox left running. */
	if (ui->e != NULL)
		sandbox_print_leaving(stdout, engine_incident_dir(ui->e), ui->rb);
	ui_set_fatal(NULL);
	ui_script_close(ui);
	if (ui->quitting == 2)
		abandoned = ui->e;	/* leave its child running */
	else
		engine_free(ui->e);
	ui->e = NULL;
	ui_timeline_free(ui);
	ui_form_free(ui);
	ui_picker_free(ui);
	ui_vterm_free(ui);
	for (int i = 0; i < ui->ndialogs; i++)
		free(ui->dialogs[i].body);
	if (ui->loop != NULL && ui->quitting != 2)
		loop_free(ui->loop);
	if (ui->quitting != 2 && ui->own_rb)
		runbook_free(ui->rb);
	free(ui->passed);
	free(ui->pick_lines);
	free(ui->resume_dir);
	runopts_free(&ui->o);
}

/* A terminal on both ends that can draw a screen: not a pipe, and not
 * TERM=dumb (or none), where curses cannot move the cursor and the keys
 * never arrive. */
int
ui_usable_terminal(void)
{
	const char *term = getenv("TERM");

	return isatty(0) && isatty(1) && term != NULL && *term != '\0' && strcmp(term, "dumb") != 0;
}

static int
console_main(struct ui *ui)
{
	char *cause = NULL;
	int rc;

	setlocale(LC_ALL, "");
	ui->saved_stderr = -1;
	ui->match_line = -1;
	ui->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 && !ui->o.ascii;
	ui->script_mode = ui->o.script != NULL;
	ui->base_nparams = ui->o.nparams;
	if (!ui->script_mode && !ui_usable_terminal()) {
		fprintf(stderr, "drconsole: the console needs a terminal that can address the cursor "
		    "(TERM is unset or dumb, or no terminal); use `drconsole run` instead\n");
		rc = EXIT_USAGE;
	} else if (ui_theme_check(ui, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		rc = EXIT_USAGE;
	} else if (ui->script_mode && ui_script_open(ui, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		rc = EXIT_USAGE;
	} else if ((rc = prepare(ui)) == 0) {
		ui->loop = loop_new();
		ui_watch_signals(ui);
		if (ui_term_start(ui) != 0)
			rc = EXIT_USAGE;
		else {
			ui_set_fatal(ui);
			if (ui->screen == SCREEN_FORM)
				ui_form_open(ui, ui->resuming);
			ui_main_loop(ui);
			rc = ui->exit_code;
		}
	}
	if (ui->script_error != NULL) {
		ui_term_end(ui);
		fprintf(stderr, "drconsole: %s\n", ui->script_error);
		free(ui->script_error);
		rc = EXIT_USAGE;
	}
	cleanup(ui);
	free(ui);
	return rc;
}

int
cmd_console(int argc, char **argv)
{
	struct ui *ui = xcalloc(1, sizeof *ui);
	int rc;

	if ((rc = runopts_parse(&ui->o, argc, argv, "console")) != 0) {
		runopts_free(&ui->o);
		free(ui);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;	/* > 0: --help or --version answered */
	}
	return console_main(ui);
}

/* `drconsole resume INCIDENT_DIR [OPTIONS]`. */
int
cmd_resume(int argc, char **argv)
{
	struct ui *ui = xcalloc(1, sizeof *ui);
	char *cause = NULL;
	int rc;

	if ((rc = runopts_parse(&ui->o, argc, argv, "resume")) != 0)
		goto usage;
	if (ui->o.resume_dir == NULL && ui->o.npaths == 1) {
		ui->o.resume_dir = ui->o.paths[0];
		ui->o.npaths = 0;
	}
	if (ui->o.resume_dir == NULL || ui->o.npaths != 0) {
		runopts_usage("resume");
		goto usage;
	}
	/* Refused before the screen is taken: the reason stays readable. */
	if (journal_check_key(ui->o.resume_dir, &cause) != 0 ||
	    engine_resume_check(ui->o.resume_dir, ui->o.force, NULL, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		goto usage;
	}
	return console_main(ui);
usage:
	runopts_free(&ui->o);
	free(ui);
	return rc > 0 ? EXIT_OK : EXIT_USAGE;	/* > 0: --help or --version answered */
}
