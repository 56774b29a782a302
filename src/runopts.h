/* runopts.h: the options `drconsole run` and the console share, parsed
 * once, so both front ends accept the same words with the same meaning. */
#ifndef DRC_RUNOPTS_H
#define DRC_RUNOPTS_H

#include <stdint.h>

#include "cli.h"
#include "engine.h"
#include "loop.h"
#include "runbook.h"

struct runopts {
	char **paths;		/* RUNBOOK (run) or RUNBOOK|DIR... (console) */
	int npaths;
	char *resume_dir;
	char *operator;
	char *incident_dir;
	char *environment;
	enum run_mode mode;	/* on resume: the incident's (runopts_adopt_incident) */
	enum run_mode asked_mode;	/* what the flags said: MODE_LIVE when none */
	int dry_drill;		/* --dry-run --drill: a dry run of the drill */
	char *asked_environment;	/* --environment as given, or NULL */
	struct run_setup incident;	/* on resume: what run.start recorded */
	struct param_value *params;
	int nparams;
	struct param_value *answers;	/* --answer NAME=VALUE: input steps' answers */
	int nanswers;
	char *from;
	int yes;
	int allow_destructive;
	int rerun_interrupted;
	int skip_interrupted;
	int accept_changed;
	int force;		/* resume a journal that does not verify */
	int verbose;
	int64_t kill_grace_ms;
	char *theme;
	int ascii;
	int no_mouse;		/* console: no mouse reporting */
	char *script;		/* console: keys from a file (tests) */
	char *dump;		/* console: screen dumps to a file (tests) */
	char *junit;		/* run: the JUnit XML file written at the end, or NULL */
	char *metrics;		/* run: the Prometheus textfile written at the end, or NULL */
};

/* The option tables and help of run, the console and resume (cli.h). */
extern const struct cli_cmd runopts_run_cmd, runopts_console_cmd, runopts_resume_cmd;

/* Parses argv (the words after the subcommand); prints usage and returns -1
 * on a mistake, 1 when --help or --version was answered (exit 0). cmd is
 * "run", "resume" or "console". */
int runopts_parse(struct runopts *o, int argc, char **argv, const char *cmd);
/* Where param p's value comes from for the run (or resume) these options
 * start: engine_param_source's rule, for the front ends' questions. */
enum param_source runopts_param_source(const struct runopts *o, const struct runbook *rb,
    const struct param *p, const char **value);
/* 1 when the operator is to be asked for p: nothing gives it, and on a
 * resume it is a secret (a plain value comes back from run.start). */
int runopts_param_asked(const struct runopts *o, const struct runbook *rb, const struct param *p);
void runopts_add_param(struct runopts *o, const char *name, const char *value);
/* Loads paths[0] ("-": standard input, named CLI_STDIN_NAME), or for
 * --resume the runbook named in the journal. Prints diagnostics and returns
 * NULL when it is invalid. */
struct runbook *runopts_load_runbook(struct runopts *o);
/* Takes the mode and environment from the incident in dir, as a resume
 * must; -1 with *cause when a flag contradicts them (nothing changes). */
int runopts_adopt_incident(struct runopts *o, const char *dir, char **cause);
/* Back to the flags' mode and environment, with no incident to resume (the
 * console's picker, after leaving a resume's form). */
void runopts_forget_incident(struct runopts *o);
/* The signals that stop a run, whichever front end drives it. */
#define RUNOPTS_NSTOP 3
extern const int runopts_stop_signals[RUNOPTS_NSTOP];
/* The engine's interrupted hook for both front ends: SIGINT, SIGTERM or
 * SIGHUP arrived and the loop has not handled it yet (a secret's
 * from_command is being waited for, outside the loop). */
int runopts_stop_pending(void *arg);
void runopts_engine_opts(const struct runopts *o, const struct runbook *rb, struct loop *loop,
    struct engine_opts *eo);
void runopts_usage(const char *cmd);
void runopts_free(struct runopts *o);

#endif
