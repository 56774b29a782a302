/* cmd_run_tty.c: line mode's interactive steps: the operator's terminal
 * handed to the step (raw, every key the step's), its size passed on, and
 * taken back at Ctrl-], at the step's end, or at a fatal error. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cmd_run_int.h"
#include "log.h"
#include "xmalloc.h"

#define DETACH_KEY 0x1d		/* Ctrl-], as in telnet and the console */

/* Our terminal as it was, for a fatal exit while it is handed over. */
static const struct termios *handed_tio;

static void
restore_tty_at_fatal(void)
{
	if (handed_tio != NULL)
		tcsetattr(0, TCSAFLUSH, handed_tio);
}

/* The step's bytes as they come: prompts, echo, escapes, all for the
 * terminal to show. */
void
runner_on_raw_output(void *arg, int step, const char *data, size_t len)
{
	struct runner *r = arg;

	if (step != r->raw_step || len == 0)
		return;
	fwrite_unlocked(data, 1, len, stdout);
	fflush(stdout);
	r->last_out = data[len - 1];
}

static void
tell_size(struct runner *r)
{
	struct winsize ws;

	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
		engine_resize_pty(r->e, r->raw_step, ws.ws_col, ws.ws_row);
}

static void
on_winch(int signo, void *arg)
{
	(void)signo;
	tell_size(arg);
}


/* Our terminal back as it was, the keys ours again; journaled. */
void
runner_take_back(struct runner *r)
{
	if (!r->handed)
		return;
	r->handed = 0;
	tcsetattr(0, TCSAFLUSH, &r->saved_tio);
	handed_tio = NULL;
	log_set_fatal_hook(NULL);
	loop_remove_fd(r->loop, r->keys);
	r->keys = NULL;
	loop_unwatch_signal(r->loop, SIGWINCH, on_winch, r);
	runner_journal_decision(r, r->raw_step, DECISION_DETACHED);
}

/* Keys typed while handed over: to the step, up to Ctrl-], which gives
 * the terminal back and stops the step (stop_ok: true makes that ok). */
static void
on_tty_keys(int fd, short revents, void *arg)
{
	struct runner *r = arg;
	char buf[512], *cause = NULL, *detach;
	ssize_t n = read(fd, buf, sizeof buf);
	size_t send;

	(void)revents;
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		runner_take_back(r);	/* the terminal is gone: nothing more comes */
		return;
	}
	detach = memchr(buf, DETACH_KEY, (size_t)n);
	send = detach != NULL ? (size_t)(detach - buf) : (size_t)n;
	if (send > 0 && engine_send_input(r->e, r->raw_step, buf, send, &cause) != 0) {
		log_debug("%s", cause);
		free(cause);
	}
	explicit_bzero(buf, sizeof buf);	/* it may be a password */
	if (detach == NULL)
		return;
	runner_take_back(r);
	runner_end_raw_line(r);
	tell(r, "drconsole: Ctrl-]: stopping '%s'\n", engine_runbook(r->e)->steps[r->raw_step].id);
	engine_cancel(r->e, r->raw_step);
}

/* Our terminal raw, so every key reaches the step as typed; 0 or -1. */
static int
hand_terminal(struct runner *r, int i)
{
	struct termios raw;

	if (tcgetattr(0, &r->saved_tio) != 0)
		return -1;
	raw = r->saved_tio;
	cfmakeraw(&raw);
	runner_journal_decision(r, i, DECISION_ATTACHED);
	if (tcsetattr(0, TCSADRAIN, &raw) != 0) {
		int err = errno;

		runner_journal_decision(r, i, DECISION_DETACHED);
		errno = err;
		return -1;
	}
	r->handed = 1;
	handed_tio = &r->saved_tio;
	log_set_fatal_hook(restore_tty_at_fatal);
	r->keys = loop_add_fd(r->loop, 0, POLLIN, on_tty_keys, r);
	loop_watch_signal(r->loop, SIGWINCH, on_winch, r);
	tell_size(r);
	return 0;
}

/* Waits for interactive step i with the terminal handed to it. */
void
runner_hand_over(struct runner *r, int i)
{
	say(r, "  %s(interactive: the terminal is the step's until it ends; Ctrl-] stops it)%s\n",
	    runner_paint(r, C_DIM), runner_paint(r, C_RESET));
	fflush(stdout);
	r->raw_step = i;
	r->last_out = '\n';
	if (hand_terminal(r, i) != 0)
		tell(r, "drconsole: cannot hand the terminal to '%s' (%s): it runs without input\n",
		    engine_runbook(r->e)->steps[i].id, strerror(errno));
	while (engine_busy(r->e))
		loop_run_once(r->loop, -1);
	runner_take_back(r);
	runner_end_raw_line(r);
	r->raw_step = -1;
}

/* An interactive step needs someone at a terminal, unless it may be left
 * to end by itself: --yes and stop_ok. 1 when it is refused. */
int
runner_refuse_interactive(struct runner *r, int i)
{
	const struct step *s = &engine_runbook(r->e)->steps[i];
	enum run_mode m = engine_mode(r->e);

	if (!s->interactive || r->interactive || m == MODE_DRY_RUN || (m == MODE_DRILL && s->drill == DRILL_SKIP))
		return 0;
	if (r->o.yes && s->stop_ok) {
		runner_journal_decision(r, i, DECISION_RUN_WITHOUT_INPUT);
		return 0;
	}
	tell(r, "drconsole: step '%s' is interactive and there is no terminal to type into it: "
	    "stopping here%s\n", s->id, s->stop_ok ? " (with stop_ok: true, --yes runs it without input)" : "");
	runner_journal_decision(r, i, DECISION_ABORT_INTERACTIVE);
	return 1;
}

