/* runopts.c: parsing the shared run options; see runopts.h. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "journal.h"
#include "incdir.h"
#include "loader.h"
#include "runopts.h"
#include "xmalloc.h"

enum {
	OPT_PARAM = 256, OPT_OPERATOR, OPT_INCIDENT_DIR, OPT_DRILL, OPT_TRAINING, OPT_DRY_RUN, OPT_FROM,
	OPT_YES, OPT_ALLOW_DESTRUCTIVE, OPT_RESUME, OPT_RERUN, OPT_SKIPINT, OPT_GRACE, OPT_ACCEPT,
	OPT_THEME, OPT_ASCII, OPT_SCRIPT, OPT_DUMP, OPT_VERBOSE, OPT_ENVIRONMENT, OPT_FORCE,
};

static const struct option long_options[] = {
	{ "param", required_argument, NULL, OPT_PARAM },
	{ "operator", required_argument, NULL, OPT_OPERATOR },
	{ "incident-dir", required_argument, NULL, OPT_INCIDENT_DIR },
	{ "drill", no_argument, NULL, OPT_DRILL },
	{ "training", no_argument, NULL, OPT_TRAINING },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "allow-destructive", no_argument, NULL, OPT_ALLOW_DESTRUCTIVE },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "rerun-interrupted", no_argument, NULL, OPT_RERUN },
	{ "skip-interrupted", no_argument, NULL, OPT_SKIPINT },
	{ "accept-changed-runbook", no_argument, NULL, OPT_ACCEPT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "kill-grace", required_argument, NULL, OPT_GRACE },
	{ "theme", required_argument, NULL, OPT_THEME },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "script", required_argument, NULL, OPT_SCRIPT },
	{ "dump", required_argument, NULL, OPT_DUMP },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "environment", required_argument, NULL, OPT_ENVIRONMENT },
	{ NULL, 0, NULL, 0 }
};

void
runopts_usage(const char *cmd)
{
	if (strcmp(cmd, "run") == 0)
		fprintf(stderr, "usage: drconsole run [OPTIONS] RUNBOOK\n"
		    "       drconsole run --resume INCIDENT_DIR [OPTIONS] [RUNBOOK]\n");
	else
		fprintf(stderr, "usage: drconsole [OPTIONS] [RUNBOOK|DIR...]\n"
		    "       drconsole resume INCIDENT_DIR [OPTIONS]\n");
	fprintf(stderr, "options: --param NAME=VALUE --operator NAME --incident-dir DIR --environment NAME\n"
	    "         --drill --training\n"
	    "         --dry-run --from STEP --yes --allow-destructive --kill-grace DURATION\n"
	    "         --rerun-interrupted --skip-interrupted --accept-changed-runbook --force%s\n",
	    strcmp(cmd, "run") == 0 ? " --verbose" : "\n         --theme NAME --ascii");
}

const char *
runopts_param(const struct runopts *o, const char *name)
{
	char var[128];

	/* The last --param of a name wins; a list param keeps them all. */
	for (int i = o->nparams - 1; i >= 0; i--) {
		if (strcmp(o->params[i].name, name) == 0)
			return o->params[i].value;
	}
	snprintf(var, sizeof var, "DRCONSOLE_PARAM_%s", name);
	return getenv(var);
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

static int
set_mode(struct runopts *o, enum run_mode m)
{
	if (o->mode != MODE_LIVE && o->mode != m) {
		fprintf(stderr, "drconsole: --drill, --training and --dry-run exclude each other\n");
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
apply_option(struct runopts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_PARAM: return add_param_arg(o, arg);
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
	case OPT_SCRIPT: set_str(&o->script, arg); return 0;
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
	char **args = xcalloc((size_t)argc + 2, sizeof *args);
	int c;

	/* getopt_long wants argv[0] to be the program. */
	args[0] = (char *)cmd;
	memcpy(args + 1, argv, (size_t)argc * sizeof *args);
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc + 1, args, "", long_options, NULL)) != -1) {
		if (c == '?' || apply_option(o, c, optarg) != 0) {
			runopts_usage(cmd);
			free(args);
			return -1;
		}
	}
	for (int i = optind; i < argc + 1; i++) {
		o->paths = xreallocarray(o->paths, o->npaths + 1, sizeof *o->paths);
		o->paths[o->npaths++] = xstrdup(args[i]);
	}
	free(args);
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
	run_setup_clear(&setup);
	return 0;
}

void
runopts_forget_incident(struct runopts *o)
{
	o->mode = o->asked_mode;
	set_environment(o, o->asked_environment);
	/* A new run must not be started in the incident's directory. */
	free(o->resume_dir);
	o->resume_dir = NULL;
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
	} else {
		runopts_usage("run");
		return NULL;
	}
	/* The journal records an absolute path so resume finds the file from
	 * any directory. */
	if (realpath(path, resolved) != NULL) {
		free(path);
		path = xstrdup(resolved);
	}
	rb = loader_load_file(path, &d);
	diags_print(&d, stderr);
	if (rb == NULL)
		fprintf(stderr, "drconsole: %s is not a valid runbook: nothing was run\n", path);
	diags_clear(&d);
	free(path);
	return rb;
}

void
runopts_engine_opts(const struct runopts *o, const struct runbook *rb, struct loop *loop,
    struct engine_opts *eo)
{
	memset(eo, 0, sizeof *eo);
	eo->rb = rb;
	eo->loop = loop;
	eo->mode = o->mode;
	eo->operator = o->operator;
	eo->incident_dir = o->resume_dir ? o->resume_dir : o->incident_dir;
	eo->params = o->params;
	eo->nparams = o->nparams;
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
	free(o->resume_dir);
	free(o->operator);
	free(o->incident_dir);
	free(o->environment);
	free(o->asked_environment);
	free(o->from);
	free(o->theme);
	free(o->script);
	free(o->dump);
	memset(o, 0, sizeof *o);
}
