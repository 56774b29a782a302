/* rbcheck.c: semantic checks over a loaded runbook; see rbcheck.h. */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "approvers.h"
#include "clock.h"
#include "cond.h"
#include "loader.h"
#include "mask.h"
#include "notify_incident.h"
#include "rbcheck.h"
#include "jsonpath.h"
#include "rbcheck_hosts.h"
#include "rbcheck_input.h"
#include "rbcheck_web.h"
#include "rbshell.h"
#include "sqlbind.h"
#include "sqlconninfo.h"
#include "sqlexpect.h"
#include "ssh.h"
#include "template.h"
#include "xmalloc.h"

/* A name and where it stands in its list, sorted by name: duplicate ids and
 * template lookups stay fast however many entries a hostile file holds. */
struct named {
	const char *name;
	int index;
};

/* Unknown names reported per runbook; after this one note says the rest
 * were not shown, so a file of a million bad templates cannot flood. */
#define MAX_TEMPLATE_ERRORS 100

struct checker {
	const struct runbook *rb;
	struct diags *d;
	struct named *params;	/* sorted by name */
	int *first_param;	/* index of the first param with each one's name */
	int *first_step;	/* the same for step ids */
	int template_errors;
	const struct step *step;	/* the step checked now: its file is where
					 * what is reported stands, or NULL */
};

static void check_on(struct checker *, const struct step *);

static void __attribute__((format(printf, 4, 5)))
report(struct checker *c, enum diag_severity sev, struct srcpos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_addv(c->d, sev, c->step != NULL ? runbook_step_file(c->rb, c->step) : c->rb->path, pos, fmt, ap);
	va_end(ap);
}

static int
named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int rc = strcmp(x->name, y->name);

	return rc != 0 ? rc : (x->index > y->index) - (x->index < y->index);
}

/* Sorts v and returns first[i]: the index of the earliest entry named as
 * entry i is. */
static int *
index_names(struct named *v, int n)
{
	int *first = xcalloc((size_t)n + 1, sizeof *first);

	qsort(v, (size_t)n, sizeof *v, named_cmp);
	for (int i = 0; i < n; i++)
		first[v[i].index] = i > 0 && strcmp(v[i - 1].name, v[i].name) == 0 ?
		    first[v[i - 1].index] : v[i].index;
	return first;
}

static void
index_runbook(struct checker *c)
{
	const struct runbook *rb = c->rb;
	struct named *steps = xcalloc((size_t)rb->nsteps + 1, sizeof *steps);

	c->params = xcalloc((size_t)rb->nparams + 1, sizeof *c->params);
	for (int i = 0; i < rb->nparams; i++)
		c->params[i] = (struct named){ rb->params[i].name ? rb->params[i].name : "", i };
	c->first_param = index_names(c->params, rb->nparams);
	for (int i = 0; i < rb->nsteps; i++)
		steps[i] = (struct named){ rb->steps[i].id ? rb->steps[i].id : "", i };
	c->first_step = index_names(steps, rb->nsteps);
	free(steps);
}

/* The param named name, found in the sorted index: a runbook with 40,000
 * params and 200,000 templates must not cost their product. */
static const struct param *
find_param(void *arg, const char *name)
{
	const struct checker *c = arg;
	int lo = 0, hi = c->rb->nparams;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(c->params[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->rb->nparams && strcmp(c->params[lo].name, name) == 0)
		return &c->rb->params[c->params[lo].index];
	return NULL;
}

static int
param_declared(const struct checker *c, const char *name)
{
	return find_param((void *)c, name) != NULL;
}

/* from_command: a secret's source, an argv run as it is written. */
static void
check_from_command(struct checker *c, const struct param *p)
{
	if (p->from_command == NULL)
		return;
	if (p->type != PARAM_SECRET)
		report(c, DIAG_ERROR, p->from_pos, "param '%s': 'from_command' is only for secret params "
		    "(a plain value goes in 'default')", p->name);
	if (p->generate != 0)
		report(c, DIAG_ERROR, p->from_pos, "param '%s' has both 'generate' and 'from_command': "
		    "choose one", p->name);
	if (p->from_command[0] == NULL || p->from_command[0][0] == '\0')
		report(c, DIAG_ERROR, p->from_pos, "param '%s': 'from_command' names no program", p->name);
	for (int i = 0; p->from_command[i] != NULL; i++) {
		if (strstr(p->from_command[i], "{{") != NULL)
			report(c, DIAG_ERROR, p->from_pos, "param '%s': 'from_command' word %d holds a template: "
			    "it runs before params have values, exactly as written", p->name, i + 1);
	}
}

static void
check_param(struct checker *c, const struct param *p, int index)
{
	int first = c->first_param[index];
	char *why;

	if (first != index && p->name != NULL)
		report(c, DIAG_ERROR, p->pos, "duplicate param '%s' (first declared at line %d)",
		    p->name, c->rb->params[first].pos.line);
	rbcheck_value_shape(c->rb->path, p, "param", c->d);
	check_from_command(c, p);
	if (p->type == PARAM_SECRET && p->def.s != NULL)
		report(c, DIAG_ERROR, p->def.pos,
		    "secret param '%s' cannot have a default: the runbook file would hold the secret", p->name);
	else if (p->def.s != NULL && (why = rbcheck_param_value(p, p->def.s)) != NULL) {
		report(c, DIAG_ERROR, p->def.pos, "default %s", why);
		free(why);
	}
}

/* --- templates --- */

static void
check_template(struct checker *c, const struct rstr *r)
{
	struct tscan scan;
	size_t off;
	char *cause;

	if (r->s == NULL)
		return;
	if (template_scan(r->s, &scan, &off, &cause) != 0) {
		report(c, DIAG_ERROR, rstr_pos_at(r, off), "%s", cause);
		free(cause);
		return;
	}
	for (int i = 0; i < scan.nrefs; i++) {
		const struct tref *ref = &scan.refs[i];
		const char *names[256], *hint;
		int n = 0;

		if (ref->kind != TREF_PARAM || param_declared(c, ref->name) ||
		    runbook_find_capture(c->rb, ref->name) >= 0)
			continue;
		if (++c->template_errors > MAX_TEMPLATE_ERRORS) {
			if (c->template_errors == MAX_TEMPLATE_ERRORS + 1)
				report(c, DIAG_ERROR, rstr_pos_at(r, ref->start),
				    "too many undeclared names in templates; the rest are not shown");
			break;
		}
		for (int j = 0; j < c->rb->nparams && n < 200; j++)
			if (c->rb->params[j].name != NULL)
				names[n++] = c->rb->params[j].name;
		for (int j = 0; template_builtins[j] != NULL; j++)
			names[n++] = template_builtins[j];
		names[n] = NULL;
		hint = loader_suggest(ref->name, names);
		report(c, DIAG_ERROR, rstr_pos_at(r, ref->start),
		    "template names '%s', which is not a declared param or capture%s%s%s", ref->name,
		    hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	}
	template_scan_free(&scan);
}

static void
check_kv_templates(struct checker *c, const struct kv *list, int n)
{
	for (int i = 0; i < n; i++)
		check_template(c, &list[i].value);
}

static void
check_step_templates(struct checker *c, const struct step *s)
{
	const struct rstr *texts[] = {
		&s->title, &s->run, &s->manual, &s->rollback, &s->sql.conninfo, &s->sql.query,
		&s->http.url, &s->http.method, &s->http.body, &s->notify.url, &s->notify.channel,
		&s->notify.message, &s->notify.component, &s->notify.status, &s->notify.api_key,
		&s->notify.smtp_url, &s->notify.from, &s->notify.subject, &s->drill_run,
		&s->notify.body, &s->notify.routing_key, &s->notify.event, &s->notify.severity,
		&s->notify.priority, &s->on_failure_run,
	};

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		check_template(c, texts[i]);
	for (int i = 0; i < s->notify.nto; i++)
		check_template(c, &s->notify.to[i]);
	check_kv_templates(c, s->env, s->nenv);
	check_kv_templates(c, s->http.headers, s->http.nheaders);
}

/* --- actions --- */

static void
check_regex(struct checker *c, const struct rstr *r, const char *what)
{
	regex_t re;
	char buf[256];
	int rc;

	if (r->s == NULL)
		return;
	if ((rc = regcomp(&re, r->s, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &re, buf, sizeof buf);
		report(c, DIAG_ERROR, r->pos, "%s is not a valid regular expression: %s", what, buf);
	}
	regfree(&re);
}

static void
need(struct checker *c, const struct step *s, const struct rstr *r, const char *key, const char *kind)
{
	if (r->s == NULL || r->s[0] == '\0')
		report(c, DIAG_ERROR, s->pos, "step '%s': %s %s notification needs '%s'", s->id,
		    strchr("aeiou", kind[0]) != NULL ? "an" : "a", kind, key);
}

/* Where a query's templates stand (sqlbind.h): bare ones are bound, ones in
 * '...' or "..." quoted by libpq; anywhere else (a comment, a dollar-quoted
 * string, next to a word) is refused. Lexed as a server with
 * standard_conforming_strings on (the default) reads it; the step lexes it
 * again with the server's own setting before sending it. */
static void
check_sql_binding(struct checker *c, const struct rstr *q)
{
	struct sqlbind b;
	size_t off;
	char *cause = NULL;

	if (q->s == NULL)
		return;
	if (sqlbind_prepare(q->s, 1, &b, &off, &cause) != 0) {
		report(c, DIAG_ERROR, rstr_pos_at(q, off), "%s", cause);
		free(cause);
		return;
	}
	sqlbind_free(&b);
}

static char *
any_value(void *arg, const char *ref, char **cause)
{
	(void)arg;
	(void)ref;
	(void)cause;
	return xstrdup("");
}

/* A conninfo's templates each fill one value, never a keyword
 * (sqlconninfo.h). */
static void
check_conninfo(struct checker *c, const struct rstr *r)
{
	size_t off;
	char *cause = NULL, *out;

	if (r->s == NULL)
		return;
	if (sqlconninfo_fill(r->s, any_value, NULL, &out, &off, &cause) != 0) {
		report(c, DIAG_ERROR, rstr_pos_at(r, off), "%s", cause);
		free(cause);
		return;
	}
	free(out);
}

/* A literal value of a closed set (a template is checked when it runs). */
static void
check_word(struct checker *c, const struct step *s, const struct rstr *r, const char *key,
    const char *const *words)
{
	char *why;

	if (r->s == NULL || strstr(r->s, "{{") != NULL || (why = notify_word_check(key, r->s, words)) == NULL)
		return;
	report(c, DIAG_ERROR, r->pos, "step '%s': %s", s->id, why);
	free(why);
}

static void
check_notify(struct checker *c, const struct step *s)
{
	const struct notify_action *n = &s->notify;

	switch (n->kind) {
	case NOTIFY_SLACK:
		need(c, s, &n->url, "url", "slack");
		break;
	case NOTIFY_WEBHOOK:
		need(c, s, &n->url, "url", "webhook");
		break;
	case NOTIFY_STATUSPAGE:
		need(c, s, &n->url, "url", "statuspage");
		need(c, s, &n->component, "component", "statuspage");
		need(c, s, &n->status, "status", "statuspage");
		break;
	case NOTIFY_PAGERDUTY:
		need(c, s, &n->routing_key, "routing_key", "pagerduty");
		check_word(c, s, &n->event, "pagerduty event", notify_pagerduty_events);
		check_word(c, s, &n->severity, "pagerduty severity", notify_pagerduty_severities);
		break;
	case NOTIFY_OPSGENIE:
		need(c, s, &n->api_key, "api_key", "opsgenie");
		check_word(c, s, &n->event, "opsgenie event", notify_opsgenie_events);
		check_word(c, s, &n->priority, "opsgenie priority", notify_opsgenie_priorities);
		break;
	case NOTIFY_EMAIL:
		need(c, s, &n->smtp_url, "smtp_url", "email");
		need(c, s, &n->from, "from", "email");
		need(c, s, &n->subject, "subject", "email");
		if (n->nto == 0)
			report(c, DIAG_ERROR, s->pos, "step '%s': an email notification needs 'to'", s->id);
		break;
	}
}

static void
check_action(struct checker *c, const struct step *s)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", NULL };
	struct sqlexpect se = { 0 };	/* freed below even when there is no expect */
	char *cause;
	int ok = 0;

	switch (s->action) {
	case ACTION_SQL:
		check_sql_binding(c, &s->sql.query);
		check_conninfo(c, &s->sql.conninfo);
		if ((s->sql.query.s != NULL) + (s->sql.check != SQL_CHECK_NONE) + s->sql.promote != 1)
			report(c, DIAG_ERROR, s->pos, "step '%s': a sql action needs exactly one of "
			    "'query', 'check' or 'promote: true'", s->id);
		if (s->sql.expect.s != NULL && (s->sql.check == SQL_CHECK_REPLICATION_LAG || s->sql.promote))
			report(c, DIAG_ERROR, s->sql.expect.pos, "step '%s': 'expect' applies to a query or "
			    "in_recovery check, not to %s", s->id, s->sql.promote ? "promote" : "replication_lag");
		if (s->sql.expect.s != NULL && sqlexpect_parse(s->sql.expect.s, &se, &cause) != 0) {
			report(c, DIAG_ERROR, s->sql.expect.pos, "%s", cause);
			free(cause);
		}
		sqlexpect_free(&se);
		break;
	case ACTION_HTTP:
		for (int i = 0; s->http.method.s != NULL && methods[i] != NULL; i++)
			ok |= strcmp(methods[i], s->http.method.s) == 0;
		if (s->http.method.s != NULL && !ok)
			report(c, DIAG_ERROR, s->http.method.pos,
			    "'%s' is not an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD)", s->http.method.s);
		check_regex(c, &s->http.expect_body, "expect_body");
		break;
	case ACTION_NOTIFY:
		check_notify(c, s);
		break;
	default:
		break;
	}
	if (s->pty && s->action != ACTION_RUN)
		report(c, DIAG_WARNING, s->pos, "step '%s': 'pty' only applies to run steps", s->id);
	if (s->rollback.s != NULL && s->action == ACTION_MANUAL)
		report(c, DIAG_WARNING, s->rollback.pos, "step '%s': a manual step's rollback is never run "
		    "automatically; describe it in the step instead", s->id);
	check_regex(c, &s->expect_output, "expect.output");
}

/* An approval step whose approvers nobody named (in some environment):
 * the fallback group decides, which the author should know. */
static void
check_approvers(struct checker *c, int i)
{
	const struct runbook *rb = c->rb;
	const struct approvers *a = approvers_for_step(rb, NULL, i);
	int unnamed = rb->nenvironments == 0 && a == NULL;

	if (rb->steps[i].confirm != CONFIRM_APPROVAL) {
		if (rb->steps[i].approvers.given)
			report(c, DIAG_WARNING, rb->steps[i].approvers.pos, "step '%s': 'approvers' only apply to "
			    "a step with confirm: approval", rb->steps[i].id);
		return;
	}
	for (int k = 0; k < rb->nenvironments; k++)
		unnamed |= approvers_for_step(rb, &rb->environments[k], i) == NULL;
	if (unnamed)
		report(c, DIAG_WARNING, rb->steps[i].pos, "step '%s' needs approval but the runbook names no "
		    "approvers (approvers: on the step, environment or runbook): members of the Unix group "
		    "%s may approve", rb->steps[i].id, APPROVERS_GROUP);
	if (a != NULL && a->n == 0) {
		/* An environment's or the runbook's list stands in the runbook's file. */
		if (a != &rb->steps[i].approvers)
			c->step = NULL;
		report(c, DIAG_WARNING, a->pos, "step '%s': the approvers list is empty: nobody can approve it",
		    rb->steps[i].id);
	}
}

/* --- conditions --- */

static const char *const step_fields[] = { "status", "exit_code", "attempt", "duration_ms", NULL };

int
rbcheck_step_ref(const struct runbook *rb, const char *name, int *step, const char **field)
{
	const char *dot = strrchr(name, '.');
	char *id;

	if (dot == NULL)
		return -1;
	id = xstrndup(name, (size_t)(dot - name));
	*step = runbook_find_step(rb, id);
	free(id);
	*field = dot + 1;
	for (int i = 0; step_fields[i] != NULL; i++) {
		if (*step >= 0 && strcmp(step_fields[i], dot + 1) == 0)
			return 0;
	}
	return -1;
}

struct name_check {
	struct checker *c;
	const struct rstr *when;
	int index;
};

static void
check_cond_name(void *arg, const char *name, size_t off)
{
	struct name_check *nc = arg;
	const char *field;
	int step;

	if (param_declared(nc->c, name) || template_is_builtin(name) ||
	    strncmp(name, "env.", 4) == 0)
		return;
	if ((step = runbook_find_capture(nc->c->rb, name)) >= 0) {
		if (step >= nc->index)
			report(nc->c, DIAG_ERROR, rstr_pos_at(nc->when, off),
			    "'%s' is captured by a step that has not run yet when this one starts", name);
		return;
	}
	if (rbcheck_step_ref(nc->c->rb, name, &step, &field) == 0) {
		if (step >= nc->index)
			report(nc->c, DIAG_ERROR, rstr_pos_at(nc->when, off),
			    "'%s' refers to a step that has not run yet when this one starts", name);
		return;
	}
	report(nc->c, DIAG_ERROR, rstr_pos_at(nc->when, off), "unknown name '%s' in 'when': use a param, "
	    "a built-in, env.NAME, or STEP.status / STEP.exit_code / STEP.attempt / STEP.duration_ms", name);
}

/* A condition's syntax and names: those of steps from index on have not
 * run when it is read. */
static void
check_condition(struct checker *c, const struct rstr *when, const char *key, int index)
{
	struct name_check nc = { c, when, index };
	struct cond *cd;
	size_t off;
	char *cause;

	if (when->s == NULL)
		return;
	if ((cd = cond_parse(when->s, &off, &cause)) == NULL) {
		report(c, DIAG_ERROR, rstr_pos_at(when, off), "in '%s': %s", key, cause);
		free(cause);
		return;
	}
	cond_names(cd, check_cond_name, &nc);
	cond_free(cd);
}

static void
check_when(struct checker *c, const struct step *s, int index)
{
	check_condition(c, &s->when, "when", index);
	check_condition(c, &s->confirm_when, "confirm.when", index);
	/* end_run is read after the step ended: its own captures count. */
	check_condition(c, &s->end_run_when, "end_run.when", index + 1);
	if (s->end_run_outcome.s != NULL && s->end_run_outcome.s[strspn(s->end_run_outcome.s, " \t")] == '\0')
		report(c, DIAG_ERROR, s->end_run_outcome.pos, "step '%s': end_run.outcome says how the "
		    "incident ended: it cannot be empty", s->id);
}

/* --- capture, until, wait, verify --- */

/* until.on_timeout is fail, continue or a message: a lone other word
 * ("abort", "skip") was most likely meant as a choice, and would only be
 * shown. */
static void
check_on_timeout(struct checker *c, const struct step *s)
{
	const struct rstr *t = &s->until_on_timeout;

	if (t->s == NULL)
		return;
	if (*t->s == '\0')
		report(c, DIAG_ERROR, t->pos, "step '%s': until.on_timeout is fail, continue or a message, "
		    "not empty", s->id);
	else if (runbook_until_message(s) != NULL && strpbrk(t->s, " \t") == NULL)
		report(c, DIAG_WARNING, t->pos, "step '%s': until.on_timeout '%s' is shown as a message: "
		    "the choices are fail and continue", s->id, t->s);
}

static void
check_capture(struct checker *c, const struct step *s, int index, int j)
{
	const struct capture *cp = &s->captures[j];
	char *why = NULL;
	int which = -1;

	if (cp->name != NULL) {
		if (runbook_find_param(c->rb, cp->name) != NULL)
			report(c, DIAG_ERROR, cp->pos, "capture '%s' has the name of a param", cp->name);
		if (runbook_find_capture_at(c->rb, cp->name, &which) != index)
			report(c, DIAG_ERROR, cp->pos, "capture '%s' is already captured by an earlier step", cp->name);
		else if (which != j)
			report(c, DIAG_ERROR, cp->pos, "step '%s' captures '%s' twice", s->id, cp->name);
		if (cp->from == CAPTURE_REGEX && cp->regex.s == NULL)
			report(c, DIAG_ERROR, cp->pos, "capture '%s' from regex needs 'regex'", cp->name);
		if (cp->from == CAPTURE_JSON && cp->json.s == NULL)
			report(c, DIAG_ERROR, cp->pos, "capture '%s' from json needs 'json' (a path like .a.b[0])", cp->name);
		if (cp->json.s != NULL && jsonpath_check(cp->json.s, &why) != 0) {
			report(c, DIAG_ERROR, cp->json.pos, "capture '%s': %s", cp->name, why);
			free(why);
		}
		if (cp->from == CAPTURE_CELL && s->action != ACTION_SQL)
			report(c, DIAG_ERROR, cp->pos, "capture '%s' from cell needs a sql step", cp->name);
		if (s->action == ACTION_MANUAL || s->action == ACTION_WAIT || s->action == ACTION_NOTIFY)
			report(c, DIAG_ERROR, cp->pos, "a %s step prints nothing to capture",
			    step_action_name(s->action));
		check_regex(c, &cp->regex, "capture.regex");
	}
}

static void
check_extras(struct checker *c, const struct step *s, int index)
{
	for (int j = 0; j < s->ncaptures; j++)
		check_capture(c, s, index, j);
	if (s->until_every_ms > 0 && (s->action == ACTION_MANUAL || s->action == ACTION_WAIT))
		report(c, DIAG_ERROR, s->pos, "step '%s': 'until' repeats a run, sql or http action", s->id);
	if (s->until_every_ms > 0 && s->until_within_ms < s->until_every_ms)
		report(c, DIAG_ERROR, s->pos, "step '%s': until.within must be at least until.every", s->id);
	if (s->until_every_ms > 0 && s->retries > 0)
		report(c, DIAG_ERROR, s->pos, "step '%s': give 'retries' or 'until', not both", s->id);
	check_on_timeout(c, s);
	if ((s->interactive || s->stop_ok) && s->action != ACTION_RUN)
		report(c, DIAG_ERROR, s->pos, "step '%s': 'interactive' and 'stop_ok' apply to run steps", s->id);
	if (s->detach && (s->action != ACTION_RUN || s->on.s != NULL))
		report(c, DIAG_ERROR, s->pos, "step '%s': 'detach' applies to local run steps", s->id);
	if (s->on.s != NULL && (s->interactive || s->pty || s->cwd.s != NULL))
		report(c, DIAG_ERROR, s->pos, "step '%s': 'interactive', 'pty' and 'cwd' apply to local steps, "
		    "not to steps run 'on' remote hosts", s->id);
	if (s->action == ACTION_WAIT && s->wait_ms <= 0)
		report(c, DIAG_ERROR, s->pos, "step '%s': 'wait' needs a duration above zero", s->id);
	if (s->verify_action == ACTION_SQL) {
		check_sql_binding(c, &s->verify_sql.query);
		check_conninfo(c, &s->verify_sql.conninfo);
	}
	if (s->verify_action == ACTION_SQL && s->verify_sql.expect.s != NULL) {
		struct sqlexpect se = { 0 };
		char *cause;

		if (sqlexpect_parse(s->verify_sql.expect.s, &se, &cause) != 0) {
			report(c, DIAG_ERROR, s->verify_sql.expect.pos, "%s", cause);
			free(cause);
		}
		sqlexpect_free(&se);
	}
	check_regex(c, &s->verify_http.expect_body, "verify.http.expect_body");
	{
		const struct rstr *texts[] = { &s->cwd, &s->verify_run, &s->verify_sql.conninfo,
		    &s->verify_sql.query, &s->verify_http.url, &s->verify_http.body };

		for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
			check_template(c, texts[k]);
	}
	rbshell_check_step(c->rb, s, find_param, c, c->d);
}

/* Step s has the id of first: where first stands, its file named when
 * an include put the two in different files. */
static void
report_duplicate(struct checker *c, const struct step *s, const struct step *first)
{
	const char *there = runbook_step_file(c->rb, first);

	if (strcmp(there, runbook_step_file(c->rb, s)) == 0)
		report(c, DIAG_ERROR, s->pos, "duplicate step id '%s' (first used at line %d)", s->id,
		    first->pos.line);
	else
		report(c, DIAG_ERROR, s->pos, "duplicate step id '%s' (first used at %s:%d)", s->id, there,
		    first->pos.line);
}

static void
check_steps(struct checker *c)
{
	const struct runbook *rb = c->rb;

	for (int i = 0; i < rb->nsteps; i++) {
		const struct step *s = &rb->steps[i];

		c->step = s;
		if (c->first_step[i] != i)
			report_duplicate(c, s, &rb->steps[c->first_step[i]]);
		check_action(c, s);
		rbcheck_web_step(rb, s, c->d);
		rbcheck_input_step(rb, s, c->d);
		rbcheck_host_vars(rb, s, c->d);
		check_step_templates(c, s);
		check_when(c, s, i);
		check_on(c, s);
		check_extras(c, s, i);
		check_approvers(c, i);
		c->step = NULL;
	}
}

/* --- remote hosts --- */

static void
check_on(struct checker *c, const struct step *s)
{
	const struct host_def **list;
	struct tscan scan;
	size_t off;
	char *cause = NULL;
	int n;

	if (s->on.s == NULL && s->action == ACTION_COPY) {
		report(c, DIAG_ERROR, s->pos, "step '%s': 'copy' sends a file to remote hosts: it needs 'on'", s->id);
		return;
	}
	if (s->on.s == NULL) {
		if (s->max_parallel != 0 || s->policy != POLICY_ALL || s->forward_agent)
			report(c, DIAG_WARNING, s->pos, "step '%s': max_parallel, policy and forward_agent only "
			    "apply with 'on'", s->id);
		return;
	}
	if (s->action != ACTION_RUN && s->action != ACTION_COPY) {
		report(c, DIAG_ERROR, s->on.pos, "step '%s': 'on' runs a shell command remotely, so it needs "
		    "'run' (or 'copy')", s->id);
		return;
	}
	/* on: "{{ targets }}" names a hosts param picked at run time. */
	if (template_scan(s->on.s, &scan, &off, &cause) == 0 && scan.nrefs > 0) {
		for (int k = 0; k < scan.nrefs; k++) {
			const struct param *p = runbook_find_param(c->rb, scan.refs[k].name);

			if (scan.refs[k].kind == TREF_PARAM && p != NULL && p->type != PARAM_HOSTS)
				report(c, DIAG_ERROR, rstr_pos_at(&s->on, scan.refs[k].start),
				    "'on' uses param '%s', which is not of type hosts", p->name);
		}
		template_scan_free(&scan);
		return;
	}
	free(cause);
	cause = NULL;
	if (runbook_resolve_hosts(c->rb, s->on.s, &list, &n, &cause) != 0) {
		report(c, DIAG_ERROR, s->on.pos, "step '%s': %s", s->id, cause);
		free(cause);
		return;
	}
	if (s->policy == POLICY_AT_LEAST && s->at_least > n)
		report(c, DIAG_ERROR, s->on.pos, "step '%s': policy wants %d hosts but 'on' names %d", s->id,
		    s->at_least, n);
	free(list);
}

static void
check_groups(struct checker *c)
{
	for (int i = 0; i < c->rb->ngroups; i++) {
		const struct host_def **list;
		char *cause = NULL;
		int n;

		/* An inventory's (an empty group is fine there) were checked
		 * where they stand, in the inventory. */
		if (c->rb->groups[i].inventory)
			continue;
		if (runbook_resolve_hosts(c->rb, c->rb->groups[i].name, &list, &n, &cause) != 0) {
			report(c, DIAG_ERROR, c->rb->groups[i].pos, "group '%s': %s", c->rb->groups[i].name, cause);
			free(cause);
		} else
			free(list);
		if (runbook_find_host(c->rb, c->rb->groups[i].name) != NULL)
			report(c, DIAG_ERROR, c->rb->groups[i].pos, "'%s' is both a host and a group",
			    c->rb->groups[i].name);
	}
}

/* A host value ssh would read as an option or split is an error now, not
 * when the run reaches the host: ssh.c's rule, checked here. */
static void
check_hosts(struct checker *c)
{
	for (int i = 0; i < c->rb->nhosts; i++) {
		struct ssh_target t;
		char *cause = NULL;

		ssh_target_of_host(&c->rb->hosts[i], 0, &t);
		if (!c->rb->hosts[i].inventory && ssh_check_target(&t, &cause) != 0) {
			report(c, DIAG_ERROR, c->rb->hosts[i].pos, "%s", cause);
			free(cause);
		}
	}
}

/* --- environments and drills --- */

/* A stand-in replaces a run step in a target with no honest copy of what
 * the step acts on (DNS, a cloud API): never in production, only for a run
 * step (the YAML reader refuses a step named twice). Its command is checked
 * like run (rbshell.c). */
static void
check_stand_ins(struct checker *c, const struct environment *ev)
{
	for (int i = 0; i < ev->nstand_ins; i++) {
		const struct kv *si = &ev->stand_ins[i];
		int step = runbook_find_step(c->rb, si->key);

		if (ev->production)
			report(c, DIAG_ERROR, si->value.pos, "environment '%s' is a production target: it runs "
			    "every step as written, so it cannot have stand-ins", ev->name);
		else if (step < 0)
			report(c, DIAG_ERROR, si->value.pos, "environment '%s': stand-in for '%s', which is not "
			    "a step of this runbook", ev->name, si->key);
		else if (c->rb->steps[step].action != ACTION_RUN || c->rb->steps[step].on.s != NULL)
			report(c, DIAG_ERROR, si->value.pos, "environment '%s': step '%s' is not a local run "
			    "step; only a run command can be replaced by a stand-in", ev->name, si->key);
	}
	check_kv_templates(c, ev->stand_ins, ev->nstand_ins);
}

static void
check_environment(struct checker *c, const struct environment *ev)
{
	for (int i = 0; i < ev->nparams; i++) {
		const struct param *p = runbook_find_param(c->rb, ev->params[i].key);
		char *why;

		if (p == NULL)
			report(c, DIAG_ERROR, ev->params[i].value.pos, "environment '%s' sets '%s', which is not a "
			    "declared param", ev->name, ev->params[i].key);
		else if (p->type == PARAM_SECRET)
			report(c, DIAG_ERROR, ev->params[i].value.pos, "environment '%s' sets secret '%s': the "
			    "runbook file would hold the secret", ev->name, p->name);
		else if (strstr(ev->params[i].value.s, "{{") == NULL &&
		    (why = rbcheck_param_value(p, ev->params[i].value.s)) != NULL) {
			report(c, DIAG_ERROR, ev->params[i].value.pos, "environment '%s': %s", ev->name, why);
			free(why);
		}
	}
	check_kv_templates(c, ev->env, ev->nenv);
	check_stand_ins(c, ev);
}

static const char *const criterion_names[] = {
	"rto_met", "rto_ms", "elapsed_ms", "target_met", "steps_failed", "steps_skipped", NULL
};

static void
check_criterion_name(void *arg, const char *name, size_t off)
{
	struct name_check *nc = arg;
	const char *field;
	int step;

	for (int i = 0; criterion_names[i] != NULL; i++) {
		if (strcmp(criterion_names[i], name) == 0)
			return;
	}
	if (rbcheck_step_ref(nc->c->rb, name, &step, &field) == 0)
		return;
	report(nc->c, DIAG_ERROR, rstr_pos_at(nc->when, off), "unknown name '%s' in a success criterion: use "
	    "rto_met, rto_ms, elapsed_ms, target_met, steps_failed, steps_skipped or STEP.status", name);
}

static void
check_drill(struct checker *c)
{
	const struct runbook *rb = c->rb;
	struct srcpos top = { 1, 1 };

	for (int i = 0; i < rb->nenvironments; i++)
		check_environment(c, &rb->environments[i]);
	if (rb->drill_environment != NULL && runbook_find_environment(rb, rb->drill_environment) == NULL)
		report(c, DIAG_ERROR, top, "drill environment '%s' is not one of the runbook's environments",
		    rb->drill_environment);
	check_template(c, &rb->drill_channel);
	for (int i = 0; i < rb->ncriteria; i++) {
		struct name_check nc = { c, &rb->criteria[i].when, rb->nsteps };
		struct cond *cd;
		size_t off;
		char *cause;

		if (rb->criteria[i].when.s == NULL)
			continue;
		if ((cd = cond_parse(rb->criteria[i].when.s, &off, &cause)) == NULL) {
			report(c, DIAG_ERROR, rstr_pos_at(&rb->criteria[i].when, off), "in a success criterion: %s",
			    cause);
			free(cause);
			continue;
		}
		cond_names(cd, check_criterion_name, &nc);
		cond_free(cd);
	}
}

void
rbcheck_runbook(const struct runbook *rb, struct diags *d)
{
	struct checker c = { rb, d, NULL, NULL, NULL, 0, NULL };
	struct srcpos top = { 1, 1 };

	index_runbook(&c);
	for (int i = 0; i < rb->nparams; i++)
		check_param(&c, &rb->params[i], i);
	check_kv_templates(&c, rb->env, rb->nenv);
	rbcheck_host_vars_global(rb, d);
	check_template(&c, &rb->title);
	check_template(&c, &rb->cwd);
	check_groups(&c);
	check_hosts(&c);
	check_steps(&c);
	check_drill(&c);
	if (!rb->has_objectives)
		report(&c, DIAG_WARNING, top, "runbook '%s' has no objectives (rto, rpo): "
		    "the clock will show elapsed time only", rb->id);
	free(c.params);
	free(c.first_param);
	free(c.first_step);
}
