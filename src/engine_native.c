/* engine_native.c: steps that drconsole runs itself (sql with libpq, http
 * and notifications with libcurl) rather than through a shell. They share
 * the run steps' output path, verdicts, retries and journal events; the
 * modules (sqlstep, httpstep, notify) do their work on the event loop. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "engine_int.h"
#include "httpstep.h"
#include "log.h"
#include "notify.h"
#include "sqlbind.h"
#include "sqlconninfo.h"
#include "sqlsecret.h"
#include "strbuf.h"
#include "sqlstep.h"
#include "webtmpl.h"
#include "xmalloc.h"

/* Every templated value of a native step, expanded raw: these go to
 * libraries, not to a shell. They are freed together. */
struct expanded {
	char *v[64];
	int n;
	char **list;		/* headers or recipients */
	int nlist;
};

static const char *
expand(struct engine *e, int i, struct expanded *x, const struct rstr *r, char **cause)
{
	struct texpansion t;

	if (r->s == NULL)
		return NULL;
	if (*cause != NULL || x->n == (int)(sizeof x->v / sizeof x->v[0]))
		return NULL;
	if (params_expand(e, i, r->s, TMPL_RAW, &t, cause) != 0)
		return NULL;
	x->v[x->n] = t.text;
	t.text = NULL;
	texpansion_free(&t);
	return x->v[x->n++];
}

/* One template's raw value, for webtmpl to encode where it stands. */
struct web_ctx {
	struct engine *e;
	int step;
};

static char *
web_value(void *arg, const char *text, const struct tref *ref, int *number, char **cause)
{
	struct web_ctx *w = arg;
	const struct param *p = ref->kind == TREF_PARAM ? runbook_find_param(w->e->rb, ref->name) : NULL;
	char *one = xstrndup(text + ref->start, ref->end - ref->start), *v;
	struct texpansion t;

	*number = p != NULL && p->type == PARAM_INT;
	if (params_expand(w->e, w->step, one, TMPL_RAW, &t, cause) != 0) {
		free(one);
		return NULL;
	}
	free(one);
	v = t.text;
	t.text = NULL;
	texpansion_free(&t);
	return v;
}

/* A URL whose values are encoded for where they stand (webtmpl.h). */
static const char *
expand_url(struct engine *e, int i, struct expanded *x, const struct rstr *r, const char *schemes,
    char **cause)
{
	struct web_ctx w = { e, i };
	char *v, *why = NULL;

	if (r->s == NULL || *cause != NULL || x->n == (int)(sizeof x->v / sizeof x->v[0]))
		return NULL;
	if ((v = webtmpl_expand_url(r->s, schemes, web_value, &w, &why)) == NULL) {
		*cause = xprintf("url: %s", why);
		free(why);
		return NULL;
	}
	return x->v[x->n++] = v;
}

static void
expanded_free(struct expanded *x)
{
	for (int k = 0; k < x->n; k++) {
		explicit_bzero(x->v[k], strlen(x->v[k]));	/* may be a secret */
		free(x->v[k]);
	}
	for (int k = 0; k < x->nlist; k++)
		free(x->list[k]);
	free(x->list);
}

static void
add_list(struct expanded *x, char *item)
{
	x->list = xreallocarray(x->list, x->nlist + 1, sizeof *x->list);
	x->list[x->nlist++] = item;
}

/* --- the end of an attempt --- */

/* A native kind says it ran out of its time by a fact of its evidence
 * ("timed_out": true, action.h), never by the words of its reason. */
static int
evidence_timed_out(json_t *evidence)
{
	return evidence != NULL && json_is_true(json_object_get(evidence, "timed_out"));
}

static void
on_native_done(void *arg, int ok, const char *reason, json_t *evidence)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];
	struct attempt_end end = { 0 };
	char *why = reason != NULL ? xstrdup(reason) : NULL;

	end.ok = ok;
	end.timed_out = evidence_timed_out(evidence);
	end.reason = why;
	end.exit_code = -1;
	end.evidence = evidence != NULL ? json_deep_copy(evidence) : NULL;
	end.first_cell = json_string_value(json_object_get(end.evidence, "first_cell"));
	/* The module may be freed from inside its own done callback; what
	 * the end needs of it was copied above. */
	native_release(c->e, r);
	exec_attempt_ended(c->e, c->step, &end);
	free(why);
}

/* --- starting each kind --- */

static enum sqlstep_kind
sql_kind(const struct sql_action *a)
{
	if (a->promote)
		return SQLSTEP_PROMOTE;
	if (a->check == SQL_CHECK_REPLICATION_LAG)
		return SQLSTEP_CHECK_LAG;
	if (a->check == SQL_CHECK_IN_RECOVERY)
		return SQLSTEP_CHECK_IN_RECOVERY;
	return SQLSTEP_QUERY;
}

/* The value of each distinct template of the query (sqlbind.h's refs),
 * raw, and whether it holds a secret: sqlstep binds or quotes each on the
 * live connection, so a value reaches the server as data, never as SQL. */
static int
query_values(struct engine *e, int i, const struct sql_action *a, struct sqlbind *b,
    struct expanded *x, int *secret, char **cause)
{
	size_t off;

	if (a->query.s == NULL)
		return 0;
	if (sqlbind_prepare(a->query.s, 1, b, &off, cause) != 0)
		return -1;
	for (int k = 0; k < b->nrefs && *cause == NULL; k++) {
		struct rstr r = { b->refs[k], a->query.pos, 0, 0 };
		const char *v = expand(e, i, x, &r, cause);

		if (v == NULL && *cause == NULL)
			*cause = xstrdup("too many templates in the query");
		secret[k] = v != NULL && params_is_secret_text(e, v);
	}
	return *cause == NULL ? 0 : -1;
}

/* A sql step's query for people: values quoted as the server receives
 * them, secrets as '****' (sqlbind_display); NULL when it cannot be
 * expanded. */
char *
native_display_query(struct engine *e, int i, const struct sql_action *a)
{
	struct expanded x = { 0 };
	struct sqlbind b = { 0 };
	int secret[sizeof x.v / sizeof x.v[0]] = { 0 };
	char *cause = NULL, *out = NULL;

	if (strstr(a->query.s, "{{") == NULL)	/* asked on every redraw */
		return xstrdup(a->query.s);
	if (query_values(e, i, a, &b, &x, secret, &cause) == 0)
		out = sqlbind_display(&b, (const char *const *)x.v, secret);
	free(cause);
	sqlbind_free(&b);
	expanded_free(&x);
	return out;
}

struct conninfo_ctx {
	struct engine *e;
	int i;
};

static char *
conninfo_value(void *arg, const char *ref, char **cause)
{
	struct conninfo_ctx *c = arg;
	struct texpansion t;
	char *v;

	if (params_expand(c->e, c->i, ref, TMPL_RAW, &t, cause) != 0)
		return NULL;
	v = t.text;
	t.text = NULL;
	texpansion_free(&t);
	return v;
}

/* The conninfo with each value quoted where it stands (sqlconninfo.h), so
 * a value can never add a keyword. */
static const char *
conninfo(struct engine *e, int i, struct expanded *x, const struct rstr *r, char **cause)
{
	struct conninfo_ctx c = { e, i };
	size_t off;
	char *out;

	if (r->s == NULL || *cause != NULL || x->n == (int)(sizeof x->v / sizeof x->v[0]))
		return NULL;
	if (sqlconninfo_fill(r->s, conninfo_value, &c, &out, &off, cause) != 0)
		return NULL;
	x->v[x->n] = out;
	return x->v[x->n++];
}

/* A sql step for a dry run: where it connects (password as ****), the
 * query as the server would receive it, and each bound value listed
 * (secrets as ****). Lines, allocated; a value that cannot be expanded
 * says why in place. */
char *
native_dry_sql(struct engine *e, int i)
{
	const struct sql_action *a = &e->rb->steps[i].sql;
	struct expanded x = { 0 };
	struct sqlbind b = { 0 };
	struct strbuf out;
	int secret[sizeof x.v / sizeof x.v[0]] = { 0 };
	const char *ci;
	char *cause = NULL, *shown;

	strbuf_init(&out);
	if ((ci = conninfo(e, i, &x, &a->conninfo, &cause)) != NULL) {
		shown = sqlsecret_conninfo_show(ci);
		strbuf_addf(&out, "connect: %s\n", shown);
		free(shown);
	} else
		strbuf_addf(&out, "connect: (cannot expand: %s)\n", cause != NULL ? cause : "no conninfo");
	free(cause);
	cause = NULL;
	if (a->query.s == NULL)
		strbuf_addf(&out, "%s\n", a->promote ? "promote: SELECT pg_promote(wait => true)" :
		    a->check == SQL_CHECK_REPLICATION_LAG ? "check: replication_lag" : "check: in_recovery");
	else if (query_values(e, i, a, &b, &x, secret, &cause) == 0) {
		int first = x.n - b.nrefs;

		shown = sqlbind_display(&b, (const char *const *)&x.v[first], secret);
		strbuf_addf(&out, "query: %s\n", shown);
		free(shown);
		for (int k = 0; k < b.nrefs; k++)
			strbuf_addf(&out, "  value %s = %s\n", b.refs[k], secret[k] ? "****" : x.v[first + k]);
	} else
		strbuf_addf(&out, "query: %s\n  (cannot expand: %s)\n", a->query.s, cause);
	if (a->expect.s != NULL)
		strbuf_addf(&out, "expect: %s\n", a->expect.s);
	free(cause);
	sqlbind_free(&b);
	expanded_free(&x);
	shown = mask_str(e->mask, out.buf != NULL ? out.buf : "", NULL);
	strbuf_free(&out);
	return shown;
}

static int
start_sql(struct engine *e, int i, const struct sql_action *a, const struct action_io *io, char **cause)
{
	const struct step *s = &e->rb->steps[i];
	struct sqlstep_request q = { 0 };
	struct expanded x = { 0 };
	struct sqlbind b = { 0 };
	int first, secret[sizeof x.v / sizeof x.v[0]] = { 0 };

	q.kind = sql_kind(a);
	q.conninfo = conninfo(e, i, &x, &a->conninfo, cause);
	q.expect = expand(e, i, &x, &a->expect, cause);
	first = x.n;
	if (*cause == NULL && query_values(e, i, a, &b, &x, secret, cause) == 0) {
		q.query = a->query.s;
		q.values = (const char *const *)&x.v[first];
		q.nvalues = b.nrefs;
		q.secret = secret;
	}
	q.timeout_ms = s->timeout_ms;
	q.rpo_ms = e->rb->rpo_ms;
	if (*cause == NULL)
		e->runs[i].sql = sqlstep_start(&q, io, cause);
	sqlbind_free(&b);
	expanded_free(&x);
	return e->runs[i].sql != NULL ? 0 : -1;
}

static struct httpctx *
http_context(struct engine *e)
{
	if (e->httpctx == NULL)
		e->httpctx = httpctx_new(e->loop);
	return e->httpctx;
}

/* The URL an http step requests, as sent (each value encoded) with its
 * secrets as ****: what the operator sees is what runs. NULL when a value
 * is refused; the step itself says why when it runs. */
char *
native_display_url(struct engine *e, int i)
{
	struct web_ctx w = { e, i };
	char *url, *shown, *cause = NULL;

	if (e->rb->steps[i].http.url.s == NULL)
		return NULL;
	url = webtmpl_expand_url(e->rb->steps[i].http.url.s, "http,https", web_value, &w, &cause);
	free(cause);
	if (url == NULL)
		return NULL;
	shown = httpstep_mask_url(url, mask_values(e->mask), mask_count(e->mask));
	free(url);
	return shown;
}

/* A JSON body template, each value JSON-encoded where it stands. */
static const char *
expand_json(struct engine *e, int i, struct expanded *x, const struct rstr *r, char **cause)
{
	struct web_ctx w = { e, i };
	char *v, *why = NULL;

	if (r->s == NULL || *cause != NULL || x->n == (int)(sizeof x->v / sizeof x->v[0]))
		return NULL;
	if ((v = webtmpl_expand_json(r->s, web_value, &w, &why)) == NULL) {
		*cause = xprintf("body: %s", why);
		free(why);
		return NULL;
	}
	return x->v[x->n++] = v;
}

/* The Content-Type the step sends, expanded; NULL when it sends none. */
static char *
content_type(struct engine *e, int i, const struct http_action *h, char **cause)
{
	struct expanded x = { 0 };
	char *ct = NULL;

	for (int k = 0; k < h->nheaders && ct == NULL; k++)
		if (strcasecmp(h->headers[k].key, "Content-Type") == 0) {
			const char *v = expand(e, i, &x, &h->headers[k].value, cause);

			ct = xstrdup(v != NULL ? v : "");
		}
	expanded_free(&x);
	return ct;
}

/* A JSON body's values are JSON strings, a form's are percent-encoded; any
 * other body takes them as they are. */
static const char *
expand_body(struct engine *e, int i, struct expanded *x, const struct http_action *h, char **cause)
{
	struct web_ctx w = { e, i };
	char *ct, *v = NULL, *why = NULL;
	int json, form;

	if (h->body.s == NULL || *cause != NULL)
		return NULL;
	ct = content_type(e, i, h, cause);
	json = webtmpl_is_json_type(ct);
	form = webtmpl_is_form_type(ct);
	free(ct);
	if ((!json && !form) || *cause != NULL)
		return expand(e, i, x, &h->body, cause);
	if (json)
		return expand_json(e, i, x, &h->body, cause);
	if (x->n == (int)(sizeof x->v / sizeof x->v[0]))
		return NULL;
	v = webtmpl_expand_form(h->body.s, web_value, &w, &why);
	if (v == NULL) {
		*cause = xprintf("body: %s", why);
		free(why);
		return NULL;
	}
	return x->v[x->n++] = v;
}

/* A header whose value, filled in, holds a CR or LF would end the header
 * and start another: the step refuses it and sends nothing. */
static void
add_header(struct engine *e, int i, struct expanded *x, const struct kv *h, char **cause)
{
	const char *v = expand(e, i, x, &h->value, cause);

	if (v == NULL)
		return;
	if (webtmpl_check_header_name(h->key, cause) == 0 && webtmpl_header_bad_byte(v) >= 0)
		*cause = xprintf("header %s: its value holds a CR, LF or control byte once its "
		    "templates are filled in; refused, nothing was sent", h->key);
	if (*cause == NULL)
		add_list(x, xprintf("%s: %s", h->key, v));
}

static int
start_http(struct engine *e, int i, const struct http_action *h, const struct action_io *io, char **cause)
{
	const struct step *s = &e->rb->steps[i];
	struct httpstep_request q = { 0 };
	struct expanded x = { 0 };

	for (int k = 0; k < h->nheaders && *cause == NULL; k++)
		add_header(e, i, &x, &h->headers[k], cause);
	q.method = expand(e, i, &x, &h->method, cause);
	q.url = expand_url(e, i, &x, &h->url, "http,https", cause);
	q.body = expand_body(e, i, &x, h, cause);
	q.expect_body = expand(e, i, &x, &h->expect_body, cause);
	q.headers = (const char *const *)x.list;
	q.nheaders = x.nlist;
	q.expect_status = h->expect_status;
	q.insecure = h->insecure;
	q.timeout_ms = s->timeout_ms;
	q.secrets = mask_values(e->mask);
	q.nsecrets = mask_count(e->mask);
	if (*cause == NULL)
		e->runs[i].http = httpstep_start(http_context(e), &q, io, cause);
	expanded_free(&x);
	return e->runs[i].http != NULL ? 0 : -1;
}

static int
start_notify(struct engine *e, int i, const struct action_io *io, char **cause)
{
	const struct step *s = &e->rb->steps[i];
	const struct notify_action *n = &s->notify;
	struct notify_request q = { 0 };
	struct expanded x = { 0 };

	for (int k = 0; k < n->nto && *cause == NULL; k++) {
		const char *v = expand(e, i, &x, &n->to[k], cause);

		if (v != NULL)
			add_list(&x, xstrdup(v));
	}
	q.kind = n->kind;
	q.url = expand_url(e, i, &x, &n->url, "http,https", cause);
	/* A drill's notifications go to the drill channel when it has one. */
	q.channel = expand(e, i, &x, e->mode == MODE_DRILL && e->rb->drill_channel.s != NULL ?
	    &e->rb->drill_channel : &n->channel, cause);
	q.message = expand(e, i, &x, &n->message, cause);
	q.component = expand(e, i, &x, &n->component, cause);
	q.status = expand(e, i, &x, &n->status, cause);
	q.api_key = expand(e, i, &x, &n->api_key, cause);
	q.smtp_url = expand_url(e, i, &x, &n->smtp_url, "smtp,smtps", cause);
	q.from = expand(e, i, &x, &n->from, cause);
	q.subject = expand(e, i, &x, &n->subject, cause);
	q.to = (const char *const *)x.list;
	q.nto = x.nlist;
	q.drill_prefix = e->mode == MODE_DRILL ? "[DRILL] " : NULL;
	q.timeout_ms = s->timeout_ms;
	q.secrets = mask_values(e->mask);
	q.nsecrets = mask_count(e->mask);
	q.incident_id = e->incident_id;
	q.body = expand_json(e, i, &x, &n->body, cause);
	q.routing_key = expand(e, i, &x, &n->routing_key, cause);
	q.event = expand(e, i, &x, &n->event, cause);
	q.severity = expand(e, i, &x, &n->severity, cause);
	q.priority = expand(e, i, &x, &n->priority, cause);
	if (*cause == NULL)
		e->runs[i].notify = notify_start(http_context(e), &q, io, cause);
	expanded_free(&x);
	return e->runs[i].notify != NULL ? 0 : -1;
}

static void
refused_due(void *arg)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];
	json_t *ev = json_pack("{s:s, s:s}", "verdict", "refused", "error", r->refused);
	char *why = r->refused;

	r->refused_timer = NULL;
	r->refused = NULL;
	on_native_done(c, 0, why, ev);
	json_decref(ev);
	free(why);
}

/* An http step or notification that cannot be sent as written (a value
 * that does not fit its place in the URL, a header that would split)
 * fails its attempt like any other failure: journaled, retried, on_failure
 * applies. Nothing was sent. The end comes from the loop, as every step's
 * end does. */
static int
refuse_attempt(struct engine *e, int i, char **cause)
{
	struct step_run *r = &e->runs[i];
	char *line;

	if (*cause == NULL)
		*cause = xstrdup("the step could not start");
	line = xprintf("error: %s (nothing was sent)\n", *cause);
	exec_output(&r->ctx, ACTION_STDERR, line, strlen(line));
	free(line);
	r->refused = xprintf("refused: %s", *cause);
	free(*cause);
	*cause = NULL;
	r->refused_timer = loop_add_timer(e->loop, 0, refused_due, &r->ctx);
	return 0;
}

static int
spawn_kind(struct engine *e, int i, enum step_action kind, const struct sql_action *sql,
    const struct http_action *http, char **cause)
{
	struct step_run *r = &e->runs[i];
	struct action_io io = { e->loop, exec_output, on_native_done, &r->ctx };
	int rc;

	*cause = NULL;
	if (exec_open_output(e, i, 0, cause) != 0)
		return -1;
	r->started_mono = clock_mono_ms();
	e->running = i;
	switch (kind) {
	case ACTION_SQL:
		rc = start_sql(e, i, sql, &io, cause);
		break;
	case ACTION_HTTP:
		rc = start_http(e, i, http, &io, cause);
		break;
	case ACTION_NOTIFY:
		rc = start_notify(e, i, &io, cause);
		break;
	default:
		*cause = xstrdup("not a native step");
		rc = -1;
		break;
	}
	if (rc != 0 && (kind == ACTION_HTTP || kind == ACTION_NOTIFY))
		return refuse_attempt(e, i, cause);
	if (rc != 0) {
		json_t *ignored = json_object();

		e->running = -1;
		exec_close_output(e, r, ignored);
		json_decref(ignored);
		if (*cause == NULL)
			*cause = xstrdup("the step could not start");
	}
	return rc;
}

int
native_spawn(struct engine *e, int i, char **cause)
{
	const struct step *s = &e->rb->steps[i];

	return spawn_kind(e, i, s->action, &s->sql, &s->http, cause);
}

/* A step's verify, when it is a sql or http check. */
int
native_spawn_verify(struct engine *e, int i, char **cause)
{
	const struct step *s = &e->rb->steps[i];

	e->runs[i].cancelled = 0;
	return spawn_kind(e, i, s->verify_action, &s->verify_sql, &s->verify_http, cause);
}

void
native_cancel(struct engine *e, struct step_run *r)
{
	(void)e;
	if (r->cancelled || (r->sql == NULL && r->http == NULL && r->notify == NULL))
		return;
	r->cancelled = 1;
	if (r->sql != NULL)
		sqlstep_cancel(r->sql);
	else if (r->http != NULL)
		httpstep_cancel(r->http);
	else if (r->notify != NULL)
		notify_cancel(r->notify);
}

void
native_release(struct engine *e, struct step_run *r)
{
	if (r->sql != NULL)
		sqlstep_free(r->sql);
	if (r->http != NULL)
		httpstep_free(r->http);
	if (r->notify != NULL)
		notify_free(r->notify);
	r->sql = NULL;
	r->http = NULL;
	r->notify = NULL;
	if (r->refused_timer != NULL)
		loop_cancel_timer(e->loop, r->refused_timer);
	r->refused_timer = NULL;
	free(r->refused);
	r->refused = NULL;
}
