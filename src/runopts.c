/* runopts.c: parsing the shared run options; see runopts.h. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "duration.h"
#include "journal.h"
#include "incdir.h"
#include "loader.h"
#include "loop.h"
#include "runopts.h"
#include "xmalloc.h"

enum {
	OPT_VERBOSE = 'v', OPT_PARAM = 256, OPT_OPERATOR, OPT_INCIDENT_DIR, OPT_DRILL, OPT_TRAINING, OPT_DRY_RUN, OPT_FROM,
	OPT_YES, OPT_ALLOW_DESTRUCTIVE, OPT_RESUME, OPT_RERUN, OPT_SKIPINT, OPT_GRACE, OPT_ACCEPT,
	OPT_THEME, OPT_ASCII, OPT_NO_MOUSE, OPT_SCRIPT, OPT_DUMP, OPT_ENVIRONMENT, OPT_FORCE, OPT_JUNIT, OPT_METRICS,
	OPT_ANSWER,
};

/* The largest runbook read from standard input. */
#define RUNOPTS_STDIN_MAX (16 * 1024 * 1024)

/* Shared by run, the console and resume: one table, one meaning. */
static const struct cli_opt shared_opts[] = {
	{ "param", 0, "NAME=VALUE", OPT_PARAM, "a param's value (repeatable; or DRCONSOLE_PARAM_NAME)" },
	{ "answer", 0, "NAME=VALUE", OPT_ANSWER, "an input step's answer (repeatable; a secret: DRCONSOLE_ANSWER_NAME)" },
	{ "operator", 0, "NAME", OPT_OPERATOR, "who is at the keyboard (default: the login name)" },
	{ "incident-dir", 0, "DIR", OPT_INCIDENT_DIR, "where the incident lives (made 0700 if absent)" },
	{ "environment", 0, "NAME", OPT_ENVIRONMENT, "the runbook environment to target" },
	{ "drill", 0, NULL, OPT_DRILL, "a drill: journaled and reported as one" },
	{ "training", 0, NULL, OPT_TRAINING, "training: each step's why shown; production refused" },
	{ "dry-run", 0, NULL, OPT_DRY_RUN, "show every expanded command, run nothing" },
	{ "from", 0, "STEP", OPT_FROM, "start at STEP" },
	{ "yes", 0, NULL, OPT_YES, "confirm ordinary and attest manual steps unattended" },
	{ "allow-destructive", 0, NULL, OPT_ALLOW_DESTRUCTIVE, "let \"confirm: type\" steps run unattended" },
	{ "kill-grace", 0, "DURATION", OPT_GRACE, "SIGTERM to SIGKILL on cancel or timeout (5s)" },
	{ "resume", 0, "INCIDENT_DIR", OPT_RESUME, "(run) continue an unfinished incident" },
	{ "rerun-interrupted", 0, NULL, OPT_RERUN, "on resume, run again a step the crash interrupted" },
	{ "skip-interrupted", 0, NULL, OPT_SKIPINT, "on resume, skip a step the crash interrupted" },
	{ "accept-changed-runbook", 0, NULL, OPT_ACCEPT, "resume although the runbook file changed" },
	{ "force", 0, NULL, OPT_FORCE, "resume a journal that does not verify" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_opt run_opts[] = {
	{ "verbose", 'v', NULL, OPT_VERBOSE, "show each step's why, as training does" },
	{ "junit", 0, "FILE", OPT_JUNIT, "at the end, the run as JUnit XML in FILE (- for stdout)" },
	{ "metrics", 0, "FILE", OPT_METRICS, "at the end, the run as a Prometheus textfile in FILE" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_opt console_opts[] = {
	{ "theme", 0, "NAME", OPT_THEME, "the console's colour theme" },
	{ "ascii", 0, NULL, OPT_ASCII, "draw with ASCII only" },
	{ "no-mouse", 0, NULL, OPT_NO_MOUSE, "leave the mouse to the terminal (its text selection)" },
	{ "script", 0, "FILE", OPT_SCRIPT, NULL },	/* tests: keys from a file */
	{ "dump", 0, "FILE", OPT_DUMP, NULL },		/* tests: screen dumps */
	{ NULL, 0, NULL, 0, NULL }
};

#define RUN_EXIT "0  the run completed\n1  a step failed or the run was aborted\n" \
	"2  usage error or invalid runbook: nothing was executed\n130  interrupted"

const struct cli_cmd runopts_run_cmd = {
	"run", "[OPTIONS] RUNBOOK\n--resume INCIDENT_DIR [OPTIONS] [RUNBOOK]",
	"Walk a runbook in line mode (cron, CI, plain terminals).",
	"RUNBOOK - reads the runbook from standard input: its includes are looked up in\n"
	"the current directory, the journal records its path as " CLI_STDIN_NAME ", a resume\n"
	"must name it again, and no answer can come from standard input (use --yes).",
	{ shared_opts, run_opts, NULL },
	"drconsole run --drill --yes --param target=db2 runbooks/failover.yaml\n"
	"generate-runbook | drconsole run --dry-run -", RUN_EXIT, 0
};

const struct cli_cmd runopts_console_cmd = {
	NULL, "[OPTIONS] [RUNBOOK|DIR...]\nCOMMAND [ARGS]   (drconsole COMMAND --help)",
	"Open the console: pick a runbook from RUNBOOKs and DIRs and run it.", NULL,
	{ shared_opts, console_opts, NULL },
	"drconsole --drill --environment staging runbooks/", RUN_EXIT, 0
};

const struct cli_cmd runopts_resume_cmd = {
	"resume", "INCIDENT_DIR [OPTIONS]",
	"Reopen an unfinished incident in the console.", NULL,
	{ shared_opts, console_opts, NULL },
	"drconsole resume --rerun-interrupted ~/.local/state/drconsole/incidents/2026-12-07T2130-failover",
	RUN_EXIT, 0
};

static const struct cli_cmd *
runopts_cmd(const char *cmd)
{
	return strcmp(cmd, "run") == 0 ? &runopts_run_cmd : strcmp(cmd, "resume") == 0 ?
	    &runopts_resume_cmd : &runopts_console_cmd;
}

void
runopts_usage(const char *cmd)
{
	cli_mistake(runopts_cmd(cmd), NULL);
}

enum param_source
runopts_param_source(const struct runopts *o, const struct runbook *rb, const struct param *p,
    const char **value)
{
	struct engine_opts eo;

	runopts_engine_opts(o, rb, NULL, &eo);
	return engine_param_source(&eo, o->resume_dir != NULL ? &o->incident : NULL, p, value);
}

int
runopts_param_asked(const struct runopts *o, const struct runbook *rb, const struct param *p)
{
	return runopts_param_source(o, rb, p, NULL) == PSOURCE_NONE &&
	    (o->resume_dir == NULL || p->type == PARAM_SECRET);
}

static void
append_param(struct runopts *o, const char *name, const char *value)
{
	o->params = xreallocarray(o->params, o->nparams + 1, sizeof *o->params);
	o->params[o->nparams].name = xstrdup(name);
	o->params[o->nparams].value = xstrdup(value);
	o->nparams++;
}

void
runopts_add_param(struct runopts *o, const char *name, const char *value)
{
	for (int i = 0; i < o->nparams; i++) {
		if (strcmp(o->params[i].name, name) == 0) {
			free(o->params[i].value);
			o->params[i].value = xstrdup(value);
			return;
		}
	}
	append_param(o, name, value);
}

static int
add_param_arg(struct runopts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name;

	if (eq == NULL || eq == arg) {
		fprintf(stderr, "drconsole: --param wants NAME=VALUE, not '%s'\n", arg);
		return -1;
	}
	name = xstrndup(arg, (size_t)(eq - arg));
	append_param(o, name, eq + 1);	/* repeated: the items of a list */
	free(name);
	return 0;
}

/* --answer NAME=VALUE: an input step's answer, given before the run. */
static int
add_answer_arg(struct runopts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg) {
		fprintf(stderr, "drconsole: --answer wants NAME=VALUE, not '%s'\n", arg);
		return -1;
	}
	o->answers = xreallocarray(o->answers, o->nanswers + 1, sizeof *o->answers);
	o->answers[o->nanswers].name = xstrndup(arg, (size_t)(eq - arg));
	o->answers[o->nanswers].value = xstrdup(eq + 1);
	o->nanswers++;
	return 0;
}

static int
set_mode(struct runopts *o, enum run_mode m)
{
	/* --dry-run --drill: a dry run showing what the drill would do. */
	if ((o->mode == MODE_DRY_RUN && m == MODE_DRILL) || (o->mode == MODE_DRILL && m == MODE_DRY_RUN)) {
		o->mode = MODE_DRY_RUN;
		o->dry_drill = 1;
		return 0;
	}
	if (o->mode != MODE_LIVE && o->mode != m) {
		fprintf(stderr, "drconsole: --training excludes --drill and --dry-run (--dry-run --drill is a dry run of a drill)\n");
		return -1;
	}
	o->mode = m;
	return 0;
}

static void
set_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static int
apply_option(void *ctx, int c, const char *arg)
{
	struct runopts *o = ctx;

	switch (c) {
	case OPT_PARAM: return add_param_arg(o, arg);
	case OPT_ANSWER: return add_answer_arg(o, arg);
	case OPT_OPERATOR: set_str(&o->operator, arg); return 0;
	case OPT_INCIDENT_DIR: set_str(&o->incident_dir, arg); return 0;
	case OPT_DRILL: return set_mode(o, MODE_DRILL);
	case OPT_TRAINING: return set_mode(o, MODE_TRAINING);
	case OPT_DRY_RUN: return set_mode(o, MODE_DRY_RUN);
	case OPT_FROM: set_str(&o->from, arg); return 0;
	case OPT_YES: o->yes = 1; return 0;
	case OPT_ALLOW_DESTRUCTIVE: o->allow_destructive = 1; return 0;
	case OPT_RESUME: set_str(&o->resume_dir, arg); return 0;
	case OPT_RERUN: o->rerun_interrupted = 1; return 0;
	case OPT_SKIPINT: o->skip_interrupted = 1; return 0;
	case OPT_FORCE: o->force = 1; return 0;
	case OPT_ACCEPT: o->accept_changed = 1; return 0;
	case OPT_THEME: set_str(&o->theme, arg); return 0;
	case OPT_ASCII: o->ascii = 1; return 0;
	case OPT_NO_MOUSE: o->no_mouse = 1; return 0;
	case OPT_SCRIPT: set_str(&o->script, arg); return 0;
	case OPT_JUNIT: set_str(&o->junit, arg); return 0;
	case OPT_METRICS: set_str(&o->metrics, arg); return 0;
	case OPT_DUMP: set_str(&o->dump, arg); return 0;
	case OPT_VERBOSE: o->verbose = 1; return 0;
	case OPT_ENVIRONMENT: set_str(&o->environment, arg); return 0;
	case OPT_GRACE:
		if (duration_parse(arg, &o->kill_grace_ms) == 0)
			return 0;
		fprintf(stderr, "drconsole: --kill-grace wants a duration like 5s, not '%s'\n", arg);
		return -1;
	default:
		return -1;
	}
}

/* Without --incident-dir the incident goes in the user's state directory:
 * with none (no HOME, no XDG_STATE_HOME) nothing may start. */
static int
runopts_check_state_dir(const struct runopts *o)
{
	char *root, *cause = NULL;

	if (o->resume_dir != NULL || o->incident_dir != NULL)
		return 0;
	if ((root = incdir_default_root(&cause)) == NULL) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		return -1;
	}
	free(root);
	return 0;
}

int
runopts_parse(struct runopts *o, int argc, char **argv, const char *cmd)
{
	int first, rc = cli_parse(runopts_cmd(cmd), argc, argv, apply_option, o, &first);

	if (rc != CLI_PARSED)
		return rc == CLI_ANSWERED ? 1 : -1;
	for (int i = first; i < argc; i++) {
		o->paths = xreallocarray(o->paths, o->npaths + 1, sizeof *o->paths);
		o->paths[o->npaths++] = xstrdup(argv[i]);
	}
	o->asked_mode = o->mode;
	o->asked_environment = o->environment != NULL ? xstrdup(o->environment) : NULL;
	if (o->rerun_interrupted && o->skip_interrupted) {
		fprintf(stderr, "drconsole: --rerun-interrupted and --skip-interrupted exclude each other\n");
		return -1;
	}
	/* run takes one runbook; with --resume it may come from the journal. */
	if (strcmp(cmd, "run") == 0 && (o->npaths > 1 || (o->npaths == 0 && o->resume_dir == NULL))) {
		runopts_usage(cmd);
		return -1;
	}
	return runopts_check_state_dir(o);
}

/* The runbook a resumed incident ran: the absolute path in run.start. */
static char *
journal_runbook_path(const char *dir)
{
	json_t *events = NULL, *first;
	char *cause = NULL, *path = NULL;
	const char *p;

	if (journal_load(dir, &events, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		return NULL;
	}
	first = json_array_get(events, 0);
	p = json_string_value(json_object_get(json_object_get(first, "runbook"), "path"));
	if (p != NULL)
		path = xstrdup(p);
	else
		fprintf(stderr, "drconsole: %s/journal.jsonl does not name its runbook\n", dir);
	json_decref(events);
	return path;
}

static void
set_environment(struct runopts *o, const char *env)
{
	free(o->environment);
	o->environment = env != NULL ? xstrdup(env) : NULL;
}

int
runopts_adopt_incident(struct runopts *o, const char *dir, char **cause)
{
	struct run_setup setup;

	if (engine_resume_setup(dir, o->asked_mode, o->asked_environment, &setup, cause) != 0)
		return -1;
	o->mode = setup.mode;
	set_environment(o, setup.environment);
	run_setup_clear(&o->incident);
	o->incident = setup;	/* its params come back on resume */
	return 0;
}

void
runopts_forget_incident(struct runopts *o)
{
	o->mode = o->asked_mode;
	set_environment(o, o->asked_environment);
	run_setup_clear(&o->incident);
	/* A new run must not be started in the incident's directory. */
	free(o->resume_dir);
	o->resume_dir = NULL;
}

/* A runbook piped in: it has no folder, so its includes are looked up in
 * the current directory (include.c takes the folder of its path). */
static struct runbook *
load_stdin(struct diags *d)
{
	struct srcpos pos = { 0, 0 };
	struct runbook *rb;
	char *buf, *cause = NULL;
	size_t len;

	if ((buf = cli_read_stdin(RUNOPTS_STDIN_MAX, &len, &cause)) == NULL) {
		diags_add(d, DIAG_ERROR, CLI_STDIN_NAME, pos, "%s", cause);
		free(cause);
		return NULL;
	}
	rb = loader_load_buffer(CLI_STDIN_NAME, (const unsigned char *)buf, len, d);
	free(buf);
	return rb;
}

struct runbook *
runopts_load_runbook(struct runopts *o)
{
	struct diags d = { 0 };
	struct runbook *rb;
	char *path, resolved[PATH_MAX], *cause = NULL;

	if (o->resume_dir != NULL && runopts_adopt_incident(o, o->resume_dir, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		return NULL;
	}
	if (o->npaths > 0)
		path = xstrdup(o->paths[0]);
	else if (o->resume_dir != NULL) {
		if ((path = journal_runbook_path(o->resume_dir)) == NULL)
			return NULL;
		if (strcmp(path, CLI_STDIN_NAME) == 0) {
			fprintf(stderr, "drconsole: %s ran a runbook read from standard input: name it "
			    "again (RUNBOOK, or - for standard input)\n", o->resume_dir);
			free(path);
			return NULL;
		}
	} else {
		runopts_usage("run");
		return NULL;
	}
	/* The journal records an absolute path so resume finds the file from
	 * any directory. */
	if (strcmp(path, "-") != 0 && realpath(path, resolved) != NULL) {
		free(path);
		path = xstrdup(resolved);
	}
	rb = strcmp(path, "-") == 0 ? load_stdin(&d) : loader_load_file(path, &d);
	diags_print(&d, stderr);
	if (rb == NULL)
		fprintf(stderr, "drconsole: %s is not a valid runbook: nothing was run\n", path);
	diags_clear(&d);
	free(path);
	return rb;
}

const int runopts_stop_signals[RUNOPTS_NSTOP] = { SIGINT, SIGTERM, SIGHUP };

int
runopts_stop_pending(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < RUNOPTS_NSTOP; i++) {
		if (loop_signal_pending(runopts_stop_signals[i]))
			return 1;
	}
	return 0;
}

void
runopts_engine_opts(const struct runopts *o, const struct runbook *rb, struct loop *loop,
    struct engine_opts *eo)
{
	memset(eo, 0, sizeof *eo);
	eo->rb = rb;
	eo->loop = loop;
	eo->mode = o->mode;
	eo->dry_drill = o->dry_drill && o->mode == MODE_DRY_RUN;
	eo->operator = o->operator;
	eo->incident_dir = o->resume_dir ? o->resume_dir : o->incident_dir;
	eo->params = o->params;
	eo->nparams = o->nparams;
	eo->answers = o->answers;
	eo->nanswers = o->nanswers;
	eo->kill_grace_ms = o->kill_grace_ms;
	eo->accept_changed_runbook = o->accept_changed;
	eo->force_resume = o->force;
	eo->environment = o->environment;
}

void
runopts_free(struct runopts *o)
{
	for (int i = 0; i < o->npaths; i++)
		free(o->paths[i]);
	free(o->paths);
	for (int i = 0; i < o->nparams; i++) {
		free(o->params[i].name);
		free(o->params[i].value);
	}
	free(o->params);
	for (int i = 0; i < o->nanswers; i++) {
		free(o->answers[i].name);
		free(o->answers[i].value);
	}
	free(o->answers);
	free(o->resume_dir);
	free(o->operator);
	free(o->incident_dir);
	free(o->environment);
	free(o->asked_environment);
	run_setup_clear(&o->incident);
	free(o->from);
	free(o->theme);
	free(o->script);
	free(o->dump);
	free(o->junit);
	free(o->metrics);
	memset(o, 0, sizeof *o);
}
