/* engine_ops.c: the step kinds (run, remote, sql, http, notify, manual,
 * wait, input) behind one table of operations: how each starts, stops, is shown
 * to people, is dry-run and verifies another step. Everything else about
 * an attempt (the journal, retries, verify, capture, its end) is the same
 * for every kind and lives in engine_exec.c, engine_flow.c and
 * engine_end.c. */
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "engine_int.h"
#include "xmalloc.h"

/* --- what people see --- */

/* Text for people, secrets as ****; NULL with *cause when it cannot be
 * expanded. Most titles and commands hold no template: those are copied
 * without the template machinery, since the console asks on every redraw. */
static char *
display_expand(struct engine *e, int i, const char *tmpl, char **cause)
{
	struct texpansion x;
	char *out;

	if (tmpl == NULL)
		return xstrdup("");
	if (strstr(tmpl, "{{") == NULL)
		return xstrdup(tmpl);
	if (params_expand(e, i, tmpl, TMPL_DISPLAY, &x, cause) != 0)
		return NULL;
	/* A value shown as it is can still hold a secret. */
	out = mask_str(e->mask, x.text, NULL);
	texpansion_free(&x);
	return out;
}

char *
engine_display_text(struct engine *e, int i, const char *tmpl)
{
	char *cause = NULL, *out = display_expand(e, i, tmpl, &cause);

	if (out == NULL) {
		free(cause);
		out = xstrdup(tmpl);
	}
	return out;
}

char *
engine_display_command(struct engine *e, int i)
{
	return step_ops_for(&e->rb->steps[i])->describe(e, i);
}

char *
engine_display_rollback(struct engine *e, int i)
{
	const char *tmpl = e->rb->steps[i].rollback.s;
	char *cause = NULL, *out;

	if (tmpl == NULL)
		return xstrdup("");
	if ((out = params_shown_command(e, i, tmpl, &cause)) == NULL) {
		out = xprintf("(cannot expand: %s)", cause);
		free(cause);
	}
	return out;
}

/* A runbook text expanded for people; "(cannot expand: why)" when not. */
static char *
describe_text(struct engine *e, int i, const char *tmpl)
{
	char *cause = NULL, *out;

	if ((out = display_expand(e, i, tmpl, &cause)) == NULL) {
		out = xprintf("(cannot expand: %s)", cause);
		free(cause);
	}
	return out;
}

/* --- describe --- */

static char *
run_describe(struct engine *e, int i)
{
	char *cause = NULL, *out;

	if ((out = params_shown_command(e, i, exec_command(e, i), &cause)) == NULL) {
		out = xprintf("(cannot expand: %s)", cause);
		free(cause);
	}
	return out;
}

/* A copy: the file, its hash and where it goes; in a drill, its stand-in. */
static char *
copy_describe(struct engine *e, int i)
{
	if (exec_command(e, i) == NULL)
		return remote_copy_display(e, i);
	return run_describe(e, i);
}

static char *
sql_describe(struct engine *e, int i)
{
	const struct sql_action *a = &e->rb->steps[i].sql;
	char *out;

	if (a->query.s != NULL && (out = native_display_query(e, i, a)) != NULL)
		return out;
	return describe_text(e, i, a->query.s != NULL ? a->query.s : a->promote ? "SELECT pg_promote(wait => true)" :
	    a->check == SQL_CHECK_REPLICATION_LAG ? "check: replication_lag" : "check: in_recovery");
}

static char *
http_describe(struct engine *e, int i)
{
	char *out = native_display_url(e, i);

	return out != NULL ? out : describe_text(e, i, e->rb->steps[i].http.url.s);
}

static char *
notify_describe(struct engine *e, int i)
{
	return describe_text(e, i, e->rb->steps[i].notify.message.s);
}

static char *
manual_describe(struct engine *e, int i)
{
	return describe_text(e, i, e->rb->steps[i].manual.s);
}

/* An input step: what it asks for, and how the answer is checked. */
static char *
input_describe(struct engine *e, int i)
{
	const struct param *p = &e->rb->steps[i].input;
	char *prompt = engine_input_prompt(e, i), *out;

	out = xprintf("asks for %s: %s%s%s", p->name, prompt, p->pattern.s != NULL ? ", matching " : "",
	    p->pattern.s != NULL ? p->pattern.s : "");
	free(prompt);
	return out;
}

static char *
wait_describe(struct engine *e, int i)
{
	char d[32];

	duration_format(e->rb->steps[i].wait_ms, d, sizeof d);
	return xprintf("wait %s", d);
}

static char *
none_describe(struct engine *e, int i)
{
	(void)e;
	(void)i;
	return xstrdup("");
}

/* --- start, cancel, dry run --- */

static int
manual_start(struct engine *e, int i, char **cause)
{
	*cause = xprintf("step '%s' is manual: it is attested, not started", e->rb->steps[i].id);
	return -1;
}

static int
input_start(struct engine *e, int i, char **cause)
{
	*cause = xprintf("step '%s' asks for '%s': it is answered, not started", e->rb->steps[i].id,
	    e->rb->steps[i].input.name);
	return -1;
}

static int
plain_dry_run(struct engine *e, int i, char **cause)
{
	return engine_skip(e, i, JSKIP_DRY_RUN, ENGINE_DRY_RUN_REASON, cause);
}

static void
wait_cancel(struct engine *e, struct step_run *r)
{
	flow_cancel_wait(e, r->ctx.step);
}

static void
no_cancel(struct engine *e, struct step_run *r)
{
	(void)e;
	(void)r;
}

/* --- the table --- */

static const struct step_ops ops_none = {
	"none", manual_start, no_cancel, none_describe, plain_dry_run, NULL,
};
static const struct step_ops ops_run = {
	"run", exec_spawn_main, exec_job_cancel, run_describe, exec_dry_run, exec_spawn_verify,
};
/* A run step with on:, through ssh on its hosts (engine_remote.c). */
static const struct step_ops ops_remote = {
	"run", exec_spawn_main, remote_cancel, run_describe, exec_dry_run, exec_spawn_verify,
};
/* A file sent to the step's hosts over the same ssh (engine_copy.c). */
static const struct step_ops ops_copy = {
	"copy", exec_spawn_main, remote_cancel, copy_describe, exec_dry_run, NULL,
};
static const struct step_ops ops_sql = {
	"sql", native_spawn, native_cancel, sql_describe, plain_dry_run, native_spawn_verify,
};
static const struct step_ops ops_http = {
	"http", native_spawn, native_cancel, http_describe, plain_dry_run, native_spawn_verify,
};
static const struct step_ops ops_notify = {
	"notify", native_spawn, native_cancel, notify_describe, plain_dry_run, NULL,
};
static const struct step_ops ops_manual = {
	"manual", manual_start, no_cancel, manual_describe, plain_dry_run, NULL,
};
static const struct step_ops ops_input = {
	"input", input_start, no_cancel, input_describe, plain_dry_run, NULL,
};
static const struct step_ops ops_wait = {
	"wait", flow_start_wait, wait_cancel, wait_describe, plain_dry_run, NULL,
};

const struct step_ops *
step_ops_for_action(enum step_action a)
{
	switch (a) {
	case ACTION_RUN: return &ops_run;
	case ACTION_COPY: return &ops_copy;
	case ACTION_SQL: return &ops_sql;
	case ACTION_HTTP: return &ops_http;
	case ACTION_NOTIFY: return &ops_notify;
	case ACTION_MANUAL: return &ops_manual;
	case ACTION_WAIT: return &ops_wait;
	case ACTION_INPUT: return &ops_input;
	default: return &ops_none;
	}
}

const struct step_ops *
step_ops_for(const struct step *s)
{
	if (s->action == ACTION_RUN && s->on.s != NULL)
		return &ops_remote;
	return step_ops_for_action(s->action);
}

/* What runs for step i now: its verify's kind, its rollback (a shell
 * command, on its hosts with on:) or the step's own kind. */
const struct step_ops *
step_ops_running(const struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];
	const struct step_run *r = &e->runs[i];
	enum step_action a = r->in_rollback ? ACTION_RUN : r->in_verify ? s->verify_action : s->action;

	if (a == ACTION_RUN && s->on.s != NULL)
		return &ops_remote;
	return step_ops_for_action(a);
}
