/* cmd_run_ask.c: line mode's questions: answers read a line at a time
 * through the loop (so Ctrl-C and SIGTERM still act while it waits), secrets
 * without echo, and the params a run still needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd_run_int.h"
#include "rbcheck.h"
#include "xmalloc.h"

struct line_reader {
	char buf[1024];
	size_t len;
	int done;
	int eof;
};

static void
on_stdin(int fd, short revents, void *arg)
{
	struct line_reader *lr = arg;
	char c;
	ssize_t n;

	(void)revents;
	while (!lr->done && (n = read(fd, &c, 1)) == 1) {
		if (c == '\n') {
			lr->done = 1;
			break;
		}
		if (lr->len + 1 < sizeof lr->buf)
			lr->buf[lr->len++] = c;
	}
	if (!lr->done && n == 0)
		lr->done = lr->eof = 1;
	lr->buf[lr->len] = '\0';
}

/* Returns the answer (a static buffer) or NULL at end of input or on an
 * interrupt. With secret set the terminal does not echo. */
const char *
runner_ask(struct runner *r, const char *prompt, int secret)
{
	static struct line_reader lr;
	struct termios old, quiet;
	struct loop_fd *lf;
	int interrupts = r->interrupts;

	if (r->input_eof)
		return NULL;
	memset(&lr, 0, sizeof lr);
	/* Quiet first, then the prompt: the flush drops what was typed
	 * before, never an answer typed after the prompt showed. */
	if (secret && tcgetattr(0, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	say(r, "%s", prompt);
	fflush(stdout);
	lf = loop_add_fd(r->loop, 0, POLLIN, on_stdin, &lr);
	while (!lr.done && r->interrupts == interrupts && !r->abort)
		loop_run_once(r->loop, -1);
	loop_remove_fd(r->loop, lf);
	if (secret) {
		tcsetattr(0, TCSAFLUSH, &old);
		say(r, "\n");
	}
	if (lr.eof)
		r->input_eof = 1;
	if (!lr.done || lr.eof)
		return NULL;
	return lr.buf;
}

/* --- params --- */

/* Asks until the answer is a value the param takes (or nothing, for its
 * default); NULL at the end of input. A secret too short to mask is told
 * so here, where it is typed. */
static const char *
ask_valid(struct runner *r, const struct param *p, const char *prompt)
{
	const char *v;
	char *why;

	while ((v = runner_ask(r, prompt, p->type == PARAM_SECRET)) != NULL && *v != '\0' &&
	    (why = rbcheck_param_value(p, v)) != NULL) {
		tell(r, "drconsole: %s\n", why);
		free(why);
	}
	return v;
}

/* A dry run goes on without a required param, saying which and how the
 * steps show it (engine_param_placeholder). */
static void
tell_placeholder(struct runner *r, const char *name)
{
	char *shown = engine_param_placeholder(name);

	tell(r, "drconsole: dry run: param '%s' is required and not given: shown as %s "
	    "(give it with --param %s=VALUE)\n", name, shown, name);
	free(shown);
}

int
runner_prompt_params(struct runner *r, const struct runbook *rb)
{
	for (int i = 0; i < rb->nparams; i++) {
		const struct param *p = &rb->params[i];
		const char *v;
		char *prompt;

		/* Given, the environment's, recorded in run.start (resume),
		 * generated, or printed by its from_command: never asked. */
		if (!runopts_param_asked(&r->o, rb, p))
			continue;
		if (!r->interactive) {
			if (p->required && p->def.s == NULL && r->o.mode == MODE_DRY_RUN) {
				tell_placeholder(r, p->name);
				continue;
			}
			if (p->required && p->def.s == NULL) {
				tell(r, "drconsole: param '%s' is required: give it with --param %s=VALUE\n",
				    p->name, p->name);
				return -1;
			}
			continue;
		}
		if (!p->required && p->def.s == NULL && p->type != PARAM_SECRET)
			continue;
		prompt = xprintf("%s%s%s%s%s: ", p->prompt ? p->prompt : p->name,
		    p->type == PARAM_CHOICE ? " (" : "", p->type == PARAM_CHOICE ? "choices below" : "",
		    p->type == PARAM_CHOICE ? ")" : "", p->def.s ? " [default shown on Enter]" : "");
		if (p->type == PARAM_CHOICE)
			for (int c = 0; c < p->nchoices; c++)
				say(r, "  - %s%s\n", p->choices[c], p->def.s && !strcmp(p->def.s, p->choices[c]) ? " (default)" : "");
		if (p->def.s)
			say(r, "  default: %s\n", p->def.s);
		v = ask_valid(r, p, prompt);
		free(prompt);
		if (v == NULL)
			return -1;
		if (*v != '\0')
			runopts_add_param(&r->o, p->name, v);
	}
	return 0;
}


/* --- input steps --- */

int
runner_ask_input(struct runner *r, int i, enum confirm_ask ask)
{
	const struct param *p = &engine_runbook(r->e)->steps[i].input;
	char *prompt, *shown, *cause = NULL;
	const char *v;

	if (ask == ASK_INPUT_GIVEN) {
		if (runpolicy_answer_given(r->e, i, &cause) != 0) {
			tell(r, "drconsole: %s\n", cause);
			free(cause);
			return -1;
		}
		say(r, "  %s: answered before the run\n", p->name);
		return 0;
	}
	if (p->help != NULL)
		say(r, "  %s\n", p->help);
	shown = engine_input_prompt(r->e, i);
	prompt = xprintf("  %s: ", shown);
	free(shown);
	/* Asked until the engine takes it (the params' rule), or stopped. */
	while ((v = runner_ask(r, prompt, p->type == PARAM_SECRET)) != NULL &&
	    engine_answer(r->e, i, v, HOW_ANSWERED, NULL, &cause) != 0) {
		tell(r, "drconsole: %s\n", cause);
		free(cause);
		cause = NULL;
		if (engine_write_error(r->e) != NULL)
			break;
	}
	free(prompt);
	if (v == NULL || engine_step(r->e, i)->status != STEP_OK)
		return -1;
	return 0;
}
