/* engine_params.c: a run's param values, the templates that use them, the
 * masking of secrets, and the environment a step's child gets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cond.h"
#include "crypto.h"
#include "duration.h"
#include "engine_int.h"
#include "rbcheck.h"
#include "sandbox.h"
#include "secretcmd.h"
#include "shlex.h"
#include "strbuf.h"
#include "xmalloc.h"

extern char **environ;

/* --param wins; then DRCONSOLE_PARAM_<name>, the way to hand over a secret
 * without putting it on a command line that ps and shell history keep. */
static const char *
given_value(const struct engine_opts *opts, const char *name)
{
	char var[128];

	for (int i = opts->nparams - 1; i >= 0; i--) {
		if (strcmp(opts->params[i].name, name) == 0)
			return opts->params[i].value;
	}
	snprintf(var, sizeof var, "DRCONSOLE_PARAM_%s", name);
	return getenv(var);
}

/* Every --param NAME=... of a list, one item a line; NULL when none. */
static char *
given_list(const struct engine_opts *opts, const char *name)
{
	struct strbuf b;
	int n = 0;

	strbuf_init(&b);
	for (int i = 0; i < opts->nparams; i++) {
		if (strcmp(opts->params[i].name, name) != 0)
			continue;
		if (n++ > 0)
			strbuf_addch(&b, '\n');
		strbuf_adds(&b, opts->params[i].value);
	}
	if (n == 0) {
		strbuf_free(&b);
		return NULL;
	}
	return strbuf_detach(&b);
}

static void
split_items(struct pvalue *v)
{
	char *p = v->value;

	if (p == NULL || *p == '\0')
		return;
	for (;;) {
		char *nl = strchr(p, '\n');

		v->items = xreallocarray(v->items, v->nitems + 2, sizeof *v->items);
		v->items[v->nitems++] = nl != NULL ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	v->items[v->nitems] = NULL;
}

void
params_add_secret(struct engine *e, const char *value)
{
	if (e->mask == NULL)
		e->mask = mask_new();
	mask_add(e->mask, value);
}

static int
check_unknown_params(const struct engine *e, const struct engine_opts *opts, char **cause)
{
	for (int i = 0; i < opts->nparams; i++) {
		if (runbook_find_param(e->rb, opts->params[i].name) == NULL) {
			*cause = xprintf("runbook '%s' has no param '%s'", e->rb->id, opts->params[i].name);
			return -1;
		}
	}
	return 0;
}

/* A drill targets staging unless production is asked for by name; a live
 * run targets production when the runbook has one; training never does. */
static const struct environment *
environment_for(const struct runbook *rb, enum run_mode mode, int dry_drill, const char *name)
{
	const char *want = name;

	if (want == NULL && (mode == MODE_DRILL || dry_drill))
		want = rb->drill_environment != NULL ? rb->drill_environment : "staging";
	else if (want == NULL && mode == MODE_TRAINING)
		want = "training";
	else if (want == NULL)
		want = "production";
	return runbook_find_environment(rb, want);
}

int
params_choose_environment(struct engine *e, const char *name, char **cause)
{
	const struct runbook *rb = e->rb;

	e->env = environment_for(rb, e->mode, e->dry_drill, name);
	if (e->env == NULL && name != NULL) {
		*cause = xprintf("runbook '%s' has no environment '%s'", rb->id, name);
		return -1;
	}
	if (e->env != NULL && e->env->production && e->mode == MODE_TRAINING) {
		*cause = xprintf("training refuses to run against '%s', a production environment", e->env->name);
		return -1;
	}
	if (e->env != NULL && e->env->production && (e->mode == MODE_DRILL || e->dry_drill) && name == NULL) {
		*cause = xprintf("a drill runs against production only when asked for by name "
		    "(--environment %s)", e->env->name);
		return -1;
	}
	return 0;
}

static const char *
environment_value(const struct environment *env, const char *name)
{
	for (int i = 0; env != NULL && i < env->nparams; i++) {
		if (strcmp(env->params[i].key, name) == 0)
			return env->params[i].value.s;
	}
	return NULL;
}

/* Resuming a training sandbox, its generated passwords were kept
 * (sandbox.h); 1 when p's was. */
static int
sandbox_kept(const struct runbook *rb, const char *resume_dir, const struct param *p)
{
	char *kept;

	if (p->generate <= 0 || resume_dir == NULL || !sandbox_runbook(rb) ||
	    (kept = sandbox_creds_load(resume_dir, p->name)) == NULL)
		return 0;
	explicit_bzero(kept, strlen(kept));
	free(kept);
	return 1;
}

/* The rule of engine_param_source, for a chosen environment. On resume
 * (resume_dir set) the values run.start wrote are in recorded, or, inside
 * engine_resume, already merged into opts' params. */
static enum param_source
source_of(const struct engine_opts *opts, const struct environment *env, const char *resume_dir,
    const struct run_setup *recorded, const struct param *p, const char **value)
{
	const char *v;
	enum param_source src = PSOURCE_NONE;

	if ((v = given_value(opts, p->name)) != NULL)
		src = PSOURCE_GIVEN;
	else if ((v = run_setup_value(recorded, p)) != NULL)
		src = PSOURCE_RECORDED;
	else if ((v = environment_value(env, p->name)) != NULL)
		src = PSOURCE_ENVIRONMENT;
	else if (sandbox_kept(opts->rb, resume_dir, p))
		src = PSOURCE_KEPT;
	else if (p->from_command != NULL)
		src = PSOURCE_COMMAND;
	else if (p->generate > 0 && resume_dir == NULL)
		src = PSOURCE_GENERATED;
	if (value != NULL)
		*value = v;
	return src;
}

enum param_source
engine_param_source(const struct engine_opts *opts, const struct run_setup *resumed, const struct param *p,
    const char **value)
{
	int dry_drill = opts->dry_drill && opts->mode == MODE_DRY_RUN;
	const struct environment *env = environment_for(opts->rb, opts->mode, dry_drill, opts->environment);

	return source_of(opts, env, resumed != NULL ? opts->incident_dir : NULL, resumed, p, value);
}

char *
engine_param_placeholder(const char *name)
{
	return xprintf("<%s: not given>", name);
}

static char **operator_env(int *n);

/* A secret printed by its from_command, at the start and again on resume
 * (it is stored nowhere). It blocks, so the front end is told first, and
 * its interrupted hook can end the wait; the value itself is never shown,
 * and a failure says why without it. */
static int
fetch_secret(const struct engine_opts *opts, const struct param *p, char **value, char **cause)
{
	int n;
	char **envp = operator_env(&n), *why, *msg;

	msg = xprintf("fetching secret '%s' with %s (at most %d s)", p->name, p->from_command[0],
	    SECRETCMD_TIMEOUT_MS / 1000);
	if (opts->hooks.notice != NULL)
		opts->hooks.notice(opts->hooks.arg, msg);
	free(msg);
	if (secretcmd_run(p->from_command, envp, SECRETCMD_TIMEOUT_MS, opts->hooks.interrupted, opts->hooks.arg, value,
	    &why) != 0) {
		*cause = xprintf("secret param '%s': %s (give it with DRCONSOLE_PARAM_%s instead)", p->name,
		    why, p->name);
		free(why);
	}
	params_free_env(envp);
	return *value != NULL ? 0 : -1;
}

/* Param v's value from where the rule says it comes (source_of); -1 with
 * *cause when it cannot be had. */
static int
take_value(struct engine *e, const struct engine_opts *opts, struct pvalue *v, char **cause)
{
	const struct param *p = v->p;
	char *list = p->type == PARAM_LIST ? given_list(opts, p->name) : NULL;
	const char *given;
	int rc = 0;

	switch (source_of(opts, e->env, e->resuming ? e->incident_dir : NULL, NULL, p, &given)) {
	case PSOURCE_GIVEN:
		v->value = list != NULL ? list : xstrdup(given);
		list = NULL;
		break;
	case PSOURCE_RECORDED:
	case PSOURCE_ENVIRONMENT:
		v->value = xstrdup(given);
		break;
	case PSOURCE_KEPT:
		v->value = sandbox_creds_load(e->incident_dir, p->name);
		v->generated = 1;	/* a practice password, kept (sandbox.h) */
		break;
	case PSOURCE_COMMAND:
		/* A dry run runs nothing, the vault's command included:
		 * the secret stays unknown, as a secret is never shown. */
		if (e->mode != MODE_DRY_RUN)
			rc = fetch_secret(opts, p, &v->value, cause);
		break;
	case PSOURCE_GENERATED:
		v->value = crypto_random_string((size_t)p->generate);
		v->generated = 1;
		break;
	case PSOURCE_NONE:
		if (p->generate > 0 && e->resuming) {
			/* A new value now would differ from the one the
			 * steps before the crash already used. */
			*cause = xprintf("'%s' was generated when the incident started and is stored "
			    "nowhere: give it again with --param %s=VALUE", p->name, p->name);
			rc = -1;
		} else if (p->def.s != NULL)
			v->value = xstrdup(p->def.s);
		break;
	}
	free(list);
	return rc;
}

int
params_resolve(struct engine *e, const struct engine_opts *opts, char **cause)
{
	const struct runbook *rb = e->rb;

	if (check_unknown_params(e, opts, cause) != 0)
		return -1;
	e->values = xcalloc((size_t)rb->nparams + 1, sizeof *e->values);
	for (int i = 0; i < rb->nparams; i++) {
		const struct param *p = &rb->params[i];
		struct pvalue *v = &e->values[i];
		char *why;

		v->p = p;
		v->var = xprintf("DRCONSOLE_PARAM_%s", p->name);
		if (take_value(e, opts, v, cause) != 0)
			return -1;
		if (v->value == NULL && p->required && e->mode == MODE_DRY_RUN) {
			/* A dry run goes on: the reviewer sees where it is used. */
			v->value = engine_param_placeholder(p->name);
			v->placeholder = 1;
		}
		if (v->value == NULL && p->required && p->from_command == NULL) {
			*cause = xprintf("param '%s' is required%s (give it with --param %s=VALUE)", p->name,
			    e->resuming && p->type == PARAM_SECRET ? " again: secrets are never stored" : "",
			    p->name);
			return -1;
		}
		if (v->value != NULL && !v->placeholder && (why = rbcheck_param_value(p, v->value)) != NULL) {
			*cause = why;
			return -1;
		}
		if (p->type == PARAM_SECRET && v->value != NULL && !v->placeholder)
			params_add_secret(e, v->value);
		if (p->type == PARAM_LIST)
			split_items(v);
	}
	return 0;
}

/* A training sandbox's generated passwords are kept for its resume: they
 * guard practice servers, not anything real (sandbox.h). */
int
params_keep_sandbox(struct engine *e, char **cause)
{
	if (!sandbox_runbook(e->rb))
		return 0;
	for (int i = 0; i < e->rb->nparams; i++) {
		const struct pvalue *v = &e->values[i];

		if (v->generated && sandbox_creds_save(e->incident_dir, v->p->name, v->value, cause) != 0)
			return -1;
	}
	return 0;
}

void
params_free(struct engine *e)
{
	for (int i = 0; e->values != NULL && i < e->rb->nparams; i++) {
		if (e->values[i].value != NULL)
			explicit_bzero(e->values[i].value, strlen(e->values[i].value));
		free(e->values[i].value);
		for (int k = 0; k < e->values[i].nitems; k++)
			free(e->values[i].items[k]);
		free(e->values[i].items);
		free(e->values[i].var);
	}
	free(e->values);
	mask_free(e->mask);
	e->mask = NULL;
}

json_t *
params_journal_view(const struct engine *e)
{
	json_t *obj = json_object();

	for (int i = 0; i < e->rb->nparams; i++) {
		const struct pvalue *v = &e->values[i];
		const char *shown = v->value == NULL ? NULL :
		    v->p->type == PARAM_SECRET ? (v->generated ? "**** (generated)" : "****") : v->value;

		/* A plain value that holds a secret is journaled masked, and
		 * must be given again to resume (resume.c). */
		if (shown != NULL && v->p->type != PARAM_SECRET && params_is_secret_text(e, shown))
			json_object_set_new(obj, v->p->name, json_string(PARAMS_MASKED));
		else
			json_object_set_new(obj, v->p->name, shown ? engine_jstr(shown) : json_null());
	}
	return obj;
}

int
params_is_secret_text(const struct engine *e, const char *s)
{
	return mask_contains(e->mask, s, strlen(s));
}

/* --- resolving template references --- */

struct resolve_ctx {
	struct engine *e;
	int step;
	int depth;
	char *scratch[4];	/* values we built and must free */
	int nscratch;
	const char *depends;	/* a dry run: the placeholder a condition read */
};

static const char *
keep(struct resolve_ctx *c, char *s)
{
	if (c->nscratch == 4) {
		free(c->scratch[0]);
		memmove(c->scratch, c->scratch + 1, 3 * sizeof *c->scratch);
		c->nscratch--;
	}
	c->scratch[c->nscratch++] = s;
	return s;
}

static const struct kv *
find_env(const struct kv *list, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i].key, name) == 0)
			return &list[i];
	}
	return NULL;
}

static int resolve_ref(void *arg, const struct tref *ref, struct tvalue *out);

/* Runbook and step env values are templates themselves, expanded raw. */
static const char *
resolve_env(struct resolve_ctx *c, const char *name)
{
	const struct runbook *rb = c->e->rb;
	const struct kv *kv = NULL;
	const struct step *s = c->step >= 0 ? &rb->steps[c->step] : NULL;
	struct resolve_ctx inner = { c->e, c->step, c->depth + 1, { 0 }, 0, NULL };
	struct texpansion x;
	char *cause;

	if (c->step >= 0)
		kv = find_env(s->env + s->nenv_inherited, s->nenv - s->nenv_inherited, name);
	if (kv == NULL && c->e->env != NULL)
		kv = find_env(c->e->env->env, c->e->env->nenv, name);
	if (kv == NULL && c->step >= 0)
		kv = find_env(s->env, s->nenv_inherited, name);
	if (kv == NULL)
		kv = find_env(rb->env, rb->nenv, name);
	if (kv == NULL || c->depth > 4)
		return getenv(name) != NULL ? getenv(name) : "";
	if (template_expand(kv->value.s, TMPL_RAW, resolve_ref, &inner, &x, &cause) != 0) {
		free(cause);
		x.text = xstrdup("");
	}
	for (int i = 0; i < inner.nscratch; i++)
		free(inner.scratch[i]);
	return keep(c, x.text);
}

static const char *
resolve_builtin(struct resolve_ctx *c, const char *name)
{
	struct engine *e = c->e;
	char buf[64];

	if (strcmp(name, "incident_dir") == 0)
		return e->incident_dir;
	if (strcmp(name, "incident_id") == 0)
		return e->incident_id;
	if (strcmp(name, "operator") == 0)
		return e->operator;
	if (strcmp(name, "runbook_id") == 0)
		return e->rb->id;
	if (strcmp(name, "mode") == 0)
		return run_mode_name(e->mode);
	if (strcmp(name, "environment") == 0)
		return e->env != NULL ? e->env->name : "";
	if (strcmp(name, "run.elapsed") == 0) {
		duration_format(clock_wall_ms() - e->started_wall, buf, sizeof buf);
		return keep(c, xstrdup(buf));
	}
	if (strcmp(name, "run.started") == 0) {
		char ts[CLOCK_RFC3339_LEN];

		clock_format_rfc3339(e->started_wall, ts);
		return keep(c, xstrdup(ts));
	}
	if (c->step < 0)
		return "";
	if (strcmp(name, "step.id") == 0)
		return e->rb->steps[c->step].id;
	if (strcmp(name, "step.status") == 0)
		return step_status_name(e->runs[c->step].st.status);
	return NULL;
}

static int
resolve_ref(void *arg, const struct tref *ref, struct tvalue *out)
{
	struct resolve_ctx *c = arg;
	const struct param *p;
	const struct pvalue *v;

	out->secret = 0;
	switch (ref->kind) {
	case TREF_PARAM:
		if ((p = runbook_find_param(c->e->rb, ref->name)) == NULL) {
			out->value = flow_capture_value(c->e, ref->name, &out->secret);
			return out->value != NULL ? 0 : -1;
		}
		v = &c->e->values[p - c->e->rb->params];
		out->value = v->value;
		out->secret = p->type == PARAM_SECRET && !v->placeholder;
		out->inert = param_is_inert(p) && !v->placeholder;
		out->is_list = p->type == PARAM_LIST;
		out->items = v->items;
		out->nitems = v->nitems;
		return 0;
	case TREF_ENV:
		out->value = resolve_env(c, ref->name);
		out->secret = params_is_secret_text(c->e, out->value);
		return 0;
	case TREF_BUILTIN:
		out->value = resolve_builtin(c, ref->name);
		out->inert = template_builtin_is_inert(ref->name);
		return out->value != NULL ? 0 : -1;
	case TREF_HOSTVAR:
		/* Each host's own value replaces this one in its variable
		 * (engine_remote.c); what people read names the var. */
		if (c->step < 0 || c->e->rb->steps[c->step].on.s == NULL)
			return -1;
		out->value = keep(c, xprintf("<" TEMPLATE_HOSTVAR_PREFIX "%s>", ref->name));
		return 0;
	default:
		return -1;
	}
}

int
params_expand(struct engine *e, int step, const char *tmpl, enum template_mode mode,
    struct texpansion *out, char **cause)
{
	struct resolve_ctx c = { e, step, 0, { 0 }, 0, NULL };
	int rc = template_expand(tmpl, mode, resolve_ref, &c, out, cause);

	for (int i = 0; i < c.nscratch; i++)
		free(c.scratch[i]);
	return rc;
}

int
params_expand_shell(struct engine *e, int step, const char *tmpl, struct texpansion *out,
    char **shown, char **cause)
{
	struct resolve_ctx c = { e, step, 0, { 0 }, 0, NULL };
	enum sh_dialect d = (enum sh_dialect)runbook_step_shell(e->rb, &e->rb->steps[step]);
	int rc = template_expand_shell(tmpl, d, resolve_ref, &c, out, shown, cause);
	char *masked;

	for (int i = 0; i < c.nscratch; i++)
		free(c.scratch[i]);
	/* A value shown as it is can still hold a secret. */
	if (rc == 0 && shown != NULL && *shown != NULL && params_is_secret_text(e, *shown)) {
		masked = mask_str(e->mask, *shown, NULL);
		free(*shown);
		*shown = masked;
	}
	return rc;
}

char *
params_shown_command(struct engine *e, int step, const char *tmpl, char **cause)
{
	struct texpansion x;
	char *shown;

	if (params_expand_shell(e, step, tmpl, &x, &shown, cause) != 0)
		return NULL;
	texpansion_free(&x);
	return shown;
}

/* --- the child's environment --- */

static void
env_set(char ***envp, int *n, const char *name, const char *value)
{
	size_t nl = strlen(name);

	for (int i = 0; i < *n; i++) {
		if (strncmp((*envp)[i], name, nl) == 0 && (*envp)[i][nl] == '=') {
			free((*envp)[i]);
			(*envp)[i] = xprintf("%s=%s", name, value);
			return;
		}
	}
	*envp = xreallocarray(*envp, *n + 2, sizeof **envp);
	(*envp)[(*n)++] = xprintf("%s=%s", name, value);
	(*envp)[*n] = NULL;
}

static void
env_set_list(struct engine *e, int step, char ***envp, int *n, const struct kv *list, int count)
{
	for (int i = 0; i < count; i++) {
		struct texpansion x;
		char *cause;

		if (params_expand(e, step, list[i].value.s, TMPL_RAW, &x, &cause) != 0) {
			free(cause);
			continue;
		}
		env_set(envp, n, list[i].key, x.text);
		texpansion_free(&x);
	}
}

/* Is var named in text as a whole name ("$DRCONSOLE_PARAM_pw", not _pw2)? */
static int
names_var(const char *text, const char *var)
{
	size_t n = strlen(var);

	for (const char *p = text; (p = strstr(p, var)) != NULL; p += n) {
		char after = p[n];

		if (!(after == '_' || (after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') ||
		    (after >= '0' && after <= '9')))
			return 1;
	}
	return 0;
}

/* DRCONSOLE_PARAM_<name> for every param with a value, the way to hand a
 * value to a second interpreter as data. A secret goes only to a command
 * that names its variable: no other child needs it in its environment. */
static void
export_params(struct engine *e, const struct texpansion *x, char ***envp, int *n)
{
	for (int i = 0; i < e->rb->nparams; i++) {
		const struct pvalue *v = &e->values[i];

		if (v->value == NULL)
			continue;
		if (v->p->type == PARAM_SECRET && (x == NULL || !names_var(x->text, v->var)))
			continue;
		env_set(envp, n, v->var, v->value);
	}
}

/* The operator's environment as any child of ours gets it; *n its size. */
static char **
operator_env(int *n)
{
	char **envp = xcalloc(1, sizeof *envp);

	*n = 0;
	for (char **p = environ; *p != NULL; p++) {
		/* The journal's HMAC key is the one thing a child must not see. */
		if (strncmp(*p, JOURNAL_KEY_ENV "=", sizeof JOURNAL_KEY_ENV) == 0)
			continue;
		/* How the operator handed values over; export_params sets the
		 * ones a step may see, from the values the run resolved. */
		if (strncmp(*p, "DRCONSOLE_PARAM_", 16) == 0)
			continue;
		/* An input step's answer (engine_answer.c) reaches a step only
		 * as the capture it becomes, never as the operator set it. */
		if (strncmp(*p, "DRCONSOLE_ANSWER_", 17) == 0)
			continue;
		envp = xreallocarray(envp, *n + 2, sizeof *envp);
		envp[(*n)++] = xstrdup(*p);
		envp[*n] = NULL;
	}
	return envp;
}

/* The operator's environment, then the runbook's env, the step's env, the
 * variables the command's templates travel in, and DRCONSOLE_* facts. */
char **
params_build_env(struct engine *e, int step, const struct texpansion *x)
{
	int n;
	char **envp = operator_env(&n);
	const struct step *s = &e->rb->steps[step];

	env_set_list(e, step, &envp, &n, e->rb->env, e->rb->nenv);
	env_set_list(e, step, &envp, &n, s->env, s->nenv_inherited);
	if (e->env != NULL) {
		env_set_list(e, step, &envp, &n, e->env->env, e->env->nenv);
		env_set(&envp, &n, "DRCONSOLE_ENVIRONMENT", e->env->name);
	}
	env_set_list(e, step, &envp, &n, s->env + s->nenv_inherited, s->nenv - s->nenv_inherited);
	for (int i = 0; x != NULL && i < x->nenv; i++)
		env_set(&envp, &n, x->env[i].name, x->env[i].value);
	export_params(e, x, &envp, &n);
	env_set(&envp, &n, "DRCONSOLE_INCIDENT_DIR", e->incident_dir);
	env_set(&envp, &n, "DRCONSOLE_STEP", s->id);
	env_set(&envp, &n, "DRCONSOLE_OPERATOR", e->operator);
	env_set(&envp, &n, "DRCONSOLE_MODE", run_mode_name(e->mode));
	return envp;
}

void
params_free_env(char **envp)
{
	for (char **p = envp; p != NULL && *p != NULL; p++) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
	free(envp);
}

/* --- conditions --- */

static int
cond_lookup(void *arg, const char *name, const char **value)
{
	struct resolve_ctx *c = arg;
	const struct param *p = runbook_find_param(c->e->rb, name);
	const struct step_state *st;
	const char *field;
	char buf[32];
	int step;

	if (p != NULL) {
		*value = c->e->values[p - c->e->rb->params].value;
		return 0;
	}
	if ((*value = flow_capture_value(c->e, name, &step)) != NULL) {
		if (*value == flow_dry_placeholder(c->e, name))
			c->depends = *value;
		return 0;
	}
	if (strncmp(name, "env.", 4) == 0) {
		*value = resolve_env(c, name + 4);
		return 0;
	}
	if (template_is_builtin(name))
		return (*value = resolve_builtin(c, name)) != NULL ? 0 : -1;
	if (rbcheck_step_ref(c->e->rb, name, &step, &field) != 0)
		return -1;
	st = &c->e->runs[step].st;
	if (strcmp(field, "status") == 0) {
		*value = step_status_name(st->status);
		return 0;
	}
	snprintf(buf, sizeof buf, "%lld", strcmp(field, "exit_code") == 0 ? (long long)st->exit_code :
	    strcmp(field, "attempt") == 0 ? (long long)st->attempt : (long long)st->duration_ms);
	*value = keep(c, xstrdup(buf));
	return 0;
}

/* Evaluates step i's when: 1 run, 0 skip (*why), -1 cannot (*why); in a
 * dry run a condition on a value no step captured yet runs (so the step is
 * shown) with *depends the placeholder it read. */
static int
evaluate_cond(struct engine *e, int i, const struct rstr *when, char **why, char **depends)
{
	struct resolve_ctx c = { e, i, 0, { 0 }, 0, NULL };
	struct cond *cd;
	size_t off;
	char *cause = NULL;
	int result = 1;

	*why = *depends = NULL;
	if (when->s == NULL)
		return 1;
	if ((cd = cond_parse(when->s, &off, &cause)) == NULL) {
		*why = xprintf("condition '%s' cannot be evaluated: %s", when->s, cause);
		result = -1;
	} else if (cond_eval(cd, cond_lookup, &c, &result, &cause) != 0 && c.depends == NULL) {
		*why = xprintf("condition '%s' cannot be evaluated: %s", when->s, cause);
		result = -1;
	} else if (c.depends != NULL) {
		/* Its outcome is not known before the run: both are shown. */
		*depends = xstrdup(c.depends);
		result = 1;
	} else if (!result)
		*why = xprintf("condition is false: when: %s", when->s);
	free(cause);
	cond_free(cd);
	for (int k = 0; k < c.nscratch; k++)
		free(c.scratch[k]);
	return result;
}

int
engine_condition(struct engine *e, int i, char **why)
{
	char *depends;
	int result = evaluate_cond(e, i, &e->rb->steps[i].when, why, &depends);

	free(depends);
	return result;
}

char *
engine_condition_depends(struct engine *e, int i)
{
	char *why, *depends;

	evaluate_cond(e, i, &e->rb->steps[i].when, &why, &depends);
	free(why);
	return depends;
}

int
engine_end_run_holds(struct engine *e, int i, char **why)
{
	char *depends;
	int result;

	*why = NULL;
	if (e->rb->steps[i].end_run_when.s == NULL)
		return 0;
	result = evaluate_cond(e, i, &e->rb->steps[i].end_run_when, why, &depends);
	free(depends);
	if (result == 0) {
		free(*why);	/* "condition is false": no news */
		*why = NULL;
	}
	return result;
}

enum confirm_mode
engine_confirm_mode(const struct engine *ce, int i, char **depends)
{
	/* Evaluating only reads the run; a dry run caches its stand-ins. */
	struct engine *e = (struct engine *)ce;
	const struct step *s = &e->rb->steps[i];
	char *why = NULL, *dep = NULL;
	int result;

	if (depends != NULL)
		*depends = NULL;
	if (s->confirm_when.s == NULL)
		return s->confirm;
	result = evaluate_cond(e, i, &s->confirm_when, &why, &dep);
	free(why);
	if (depends != NULL)
		*depends = dep;
	else
		free(dep);
	/* Held, or not known (an error, a dry run's stand-in): the stricter
	 * way, confirm; only a condition that is false gives confirm.else. */
	return result == 0 ? s->confirm_else : s->confirm;
}
