/* ui_pager.c: the selected step's whole output file in $PAGER (less when
 * unset), for what the pane's scrollback no longer holds. The console
 * gives the terminal to the pager (endwin, the pager's own process group
 * in the foreground, so Ctrl-C and Ctrl-Z are the pager's), and goes on
 * running the engine meanwhile: only its keys and drawing pause, nothing
 * waits. When SIGCHLD says the pager is gone (through the loop's signal
 * handling, like every child) the console takes the terminal back and
 * draws the whole screen again. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileutil.h"
#include "follow.h"
#include "reaper.h"
#include "ui.h"
#include "xmalloc.h"

/* The signals the loop (or curses) handles: a child must not inherit
 * handlers that write into the console's self-pipe. */
static const int child_signals[] = {
	SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGCHLD, SIGWINCH, SIGTERM, SIGHUP, SIGPIPE,
};

/* Makes pgrp the terminal's foreground group; a background caller would
 * get SIGTTOU for it, so that is ignored meanwhile. */
static void
give_terminal(pid_t pgrp)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGTTOU, &ign, &old);
	(void)tcsetpgrp(STDIN_FILENO, pgrp);
	sigaction(SIGTTOU, &old, NULL);
}

static void
take_terminal_back(struct ui *ui)
{
	struct winsize ws;

	give_terminal(getpgrp());
	reset_prog_mode();
	ui_paste_enable(ui);
	if (ui->keys != NULL)
		loop_fd_set_events(ui->keys, POLLIN);
	clearok(curscr, TRUE);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		ui_resize(ui, ws.ws_col, ws.ws_row);	/* it may have changed meanwhile */
	ui->urgent = 1;
	ui_touch(ui);
}

static void
on_child(int signo, void *arg)
{
	struct ui *ui = arg;
	int status;
	pid_t r;

	(void)signo;
	if (ui->pager_pid <= 0)
		return;
	while ((r = waitpid(ui->pager_pid, &status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == 0)
		return;		/* another child: the pager still runs */
	reaper_disown(ui->pager_pid);
	ui->pager_pid = 0;
	loop_unwatch_signal(ui->loop, SIGCHLD, on_child, ui);
	take_terminal_back(ui);
	if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(ui->message, sizeof ui->message, "the pager could not be run: set PAGER");
	else if (r > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		snprintf(ui->message, sizeof ui->message, "the pager ended with status %d", status);
}

/* The pager reads the file already opened (fd): what was checked is what
 * it shows, even if the name is swapped for a link meanwhile. */
static void
exec_pager(const char *cmd, int fd, const sigset_t *mask)
{
	char path[32];

	for (size_t k = 0; k < sizeof child_signals / sizeof child_signals[0]; k++)
		signal(child_signals[k], SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	setpgid(0, 0);
	give_terminal(getpid());
	(void)fcntl(fd, F_SETFD, 0);
	snprintf(path, sizeof path, "/dev/fd/%d", fd);
	/* PAGER is the operator's own shell words; the path is an argument,
	 * never part of the command text. */
	execl("/bin/sh", "sh", "-c", cmd, "drconsole-pager", path, (char *)NULL);
	_exit(127);
}

/* Gives the terminal to the pager on the open file fd (closed here). */
static void
start_pager(struct ui *ui, int fd)
{
	const char *env = getenv("PAGER");
	char *cmd = xprintf("%s \"$1\"", env != NULL && *env != '\0' ? env : "less");
	sigset_t all, old;
	pid_t pid;

	ui_paste_disable(ui);
	def_prog_mode();
	endwin();
	fflush(stdout);
	loop_watch_signal(ui->loop, SIGCHLD, on_child, ui);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0)
		exec_pager(cmd, fd, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd);
	free(cmd);
	if (pid < 0) {
		loop_unwatch_signal(ui->loop, SIGCHLD, on_child, ui);
		take_terminal_back(ui);
		snprintf(ui->message, sizeof ui->message, "no pager: fork: %s", strerror(errno));
		return;
	}
	/* Its owner reaps it (on_child); no loop turn ran since the fork. */
	reaper_own(pid);
	setpgid(pid, pid);
	give_terminal(pid);
	ui->pager_pid = pid;
	if (ui->keys != NULL)
		loop_fd_set_events(ui->keys, 0);
}

void
ui_pager_open(struct ui *ui)
{
	const struct step_state *st = ui_view_step(ui, ui->sel);
	const char *id = ui->rb->steps[ui->sel].id;
	char *rel, *path;
	int fd;

	if (ui->script_mode || !isatty(STDIN_FILENO) || ui->pager_pid > 0) {
		snprintf(ui->message, sizeof ui->message, "no terminal to give a pager");
		return;
	}
	if (st->attempt < 1) {
		snprintf(ui->message, sizeof ui->message, "'%s' has not run: it has no output file", id);
		return;
	}
	rel = follow_output_path(ui->sel + 1, id, st->attempt, 0);
	path = xprintf("%s/%s", ui_view_incident(ui), rel);
	/* A link planted in the incident (watched, it may be another
	 * login's) is not followed, nor a FIFO opened. */
	if ((fd = file_openat_regular(AT_FDCWD, path, O_RDONLY, 0)) == -1)
		snprintf(ui->message, sizeof ui->message, "%s: %s", rel, errno == ELOOP ?
		    "a link, not the step's output file: not opened" : errno == EINVAL ?
		    "not a regular file: not opened" : strerror(errno));
	else
		start_pager(ui, fd);
	free(rel);
	free(path);
}
