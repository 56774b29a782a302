/* cmd_run_int.h: line mode's state, shared by cmd_run.c (the run) and
 * cmd_run_tty.c (the terminal handed to an interactive step). */
#ifndef DRC_CMD_RUN_INT_H
#define DRC_CMD_RUN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "engine.h"
#include "loop.h"
#include "runopts.h"
#include "runpolicy.h"
#include "termsafe.h"

struct runner {
	struct runopts o;
	struct loop *loop;
	struct engine *e;
	int interactive;	/* stdin and stdout are terminals */
	int color;
	int out_safe;		/* stdout is a terminal: what others wrote is neutralised */
	int err_safe;		/* the same for stderr */
	int interrupts;		/* SIGINTs seen */
	int64_t last_interrupt;
	int abort;		/* stop after the current step */
	int signalled;		/* SIGTERM or SIGHUP: cancel and abort */
	int input_eof;
	char out_mark[32];	/* "  | " with colours if any */
	char err_mark[32];
	int raw_step;		/* an interactive step shown raw, or -1 */
	int handed;		/* our terminal is raw, its keys go to raw_step */
	struct termios saved_tio;	/* our terminal before it was handed over */
	struct loop_fd *keys;	/* stdin while handed */
	char last_out;		/* the last byte raw_step printed */
	int discard;		/* stdout is /dev/null: output lines not formatted */
	char *fmt;		/* on_output_block's marked lines */
	size_t fmt_cap;
};

/* Our messages, with what runbooks, params, steps and other terminals
 * wrote in them made safe for a terminal (termsafe.h). */
#define say(r, ...) termsafe_printf(stdout, (r)->out_safe, (r)->color, __VA_ARGS__)
#define tell(r, ...) termsafe_printf(stderr, (r)->err_safe, (r)->color, __VA_ARGS__)

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"

/* cmd_run.c */
/* code when colour is on, else "". */
const char *runner_paint(const struct runner *r, const char *code);
/* What we print next starts on a line of its own. */
void runner_end_raw_line(struct runner *r);
/* Journals a decision about step i; a failure is told, not fatal. */
void runner_journal_decision(struct runner *r, int i, enum run_decision d);

/* cmd_run_ask.c */
/* The answer to prompt (a static buffer), or NULL at end of input or on an
 * interrupt; with secret the terminal does not echo. */
const char *runner_ask(struct runner *r, const char *prompt, int secret);
/* Asks for the params rb still needs; 0, or -1 when one cannot be had. */
int runner_prompt_params(struct runner *r, const struct runbook *rb);
/* Input step i, as the policy said (ASK_INPUT: asked until valid;
 * ASK_INPUT_GIVEN: --answer): 0 answered, -1 stop the run. */
int runner_ask_input(struct runner *r, int i, enum confirm_ask ask);

/* cmd_run_tty.c */
/* The engine's raw_output hook: an interactive step's bytes as they come. */
void runner_on_raw_output(void *arg, int step, const char *data, size_t len);
/* Waits for interactive step i with the terminal handed to it. */
void runner_hand_over(struct runner *r, int i);
/* Our terminal back as it was, if a step has it; journaled. */
void runner_take_back(struct runner *r);
/* 1 when interactive step i cannot run here (no terminal, no --yes). */
int runner_refuse_interactive(struct runner *r, int i);

#endif
