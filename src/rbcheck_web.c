/* rbcheck_web.c: lint's side of webtmpl: a template where no value can be
 * made safe, a header that could split, a JSON-looking body whose values
 * would be pasted raw. The same functions decide at run time, so lint and
 * the step cannot disagree. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notify.h"
#include "rbcheck_web.h"
#include "webtmpl.h"
#include "xmalloc.h"

struct webcheck {
	const struct runbook *rb;
	struct diags *d;
	const char *file;	/* the step's file (runbook_step_file) */
};

static void
web_error(struct webcheck *w, const struct rstr *r, size_t off, char *cause)
{
	diags_add(w->d, DIAG_ERROR, w->file, rstr_pos_at(r, off), "%s", cause);
	free(cause);
}

static void
check_url(struct webcheck *w, const struct rstr *r)
{
	size_t off;
	char *cause = NULL;

	if (r->s != NULL && webtmpl_check_url(r->s, &off, &cause) != 0)
		web_error(w, r, off, cause);
}

static void
check_headers(struct webcheck *w, const struct http_action *h)
{
	char *cause = NULL;
	long bad;

	for (int i = 0; i < h->nheaders; i++) {
		const struct kv *kv = &h->headers[i];

		if (webtmpl_check_header_name(kv->key, &cause) != 0)
			web_error(w, &kv->value, 0, cause);
		else if (kv->value.s != NULL && (bad = webtmpl_header_bad_byte(kv->value.s)) >= 0)
			web_error(w, &kv->value, (size_t)bad, xstrdup("a header value may not hold a "
			    "CR, LF or control byte: it would end the header and start another"));
	}
}

/* The literal Content-Type of the step: NULL when none, "" when templated. */
static const char *
content_type(const struct http_action *h)
{
	for (int i = 0; i < h->nheaders; i++) {
		if (strcasecmp(h->headers[i].key, "Content-Type") == 0)
			return h->headers[i].value.s == NULL || strstr(h->headers[i].value.s, "{{") ?
			    "" : h->headers[i].value.s;
	}
	return NULL;
}

static void
check_body(struct webcheck *w, const struct http_action *h)
{
	const char *ct = content_type(h), *first;
	size_t off;
	char *cause = NULL;

	if (h->body.s == NULL || strstr(h->body.s, "{{") == NULL)
		return;
	first = h->body.s + strspn(h->body.s, " \t\r\n");
	if (ct != NULL && *ct == '\0')
		web_error(w, &h->body, 0, xstrdup("a body with templates needs a literal Content-Type: "
		    "lint cannot tell how to encode its values from a templated one"));
	else if (webtmpl_is_json_type(ct)) {
		if (webtmpl_check_json(h->body.s, &off, &cause) != 0)
			web_error(w, &h->body, off, cause);
	} else if (webtmpl_is_form_type(ct)) {
		if (webtmpl_check_form(h->body.s, &off, &cause) != 0)
			web_error(w, &h->body, off, cause);
	} else if (*first == '{' || *first == '[')
		web_error(w, &h->body, (size_t)(first - h->body.s), xstrdup("this body looks like JSON: "
		    "add the header 'Content-Type: application/json' so each template is sent as a "
		    "JSON string"));
}

/* Which notification types use each key: any other is an error, so a key
 * meant for another type is not silently ignored. */
#define NK(k) (1u << (k))
static const struct {
	size_t		 off;
	const char	*key;
	unsigned	 kinds;
} notify_key_use[] = {
	{ offsetof(struct notify_action, url), "url", ~NK(NOTIFY_EMAIL) },
	{ offsetof(struct notify_action, channel), "channel", NK(NOTIFY_SLACK) },
	{ offsetof(struct notify_action, component), "component", NK(NOTIFY_STATUSPAGE) },
	{ offsetof(struct notify_action, status), "status", NK(NOTIFY_STATUSPAGE) },
	{ offsetof(struct notify_action, api_key), "api_key", NK(NOTIFY_STATUSPAGE) | NK(NOTIFY_OPSGENIE) },
	{ offsetof(struct notify_action, smtp_url), "smtp_url", NK(NOTIFY_EMAIL) },
	{ offsetof(struct notify_action, from), "from", NK(NOTIFY_EMAIL) },
	{ offsetof(struct notify_action, subject), "subject", NK(NOTIFY_EMAIL) | NK(NOTIFY_STATUSPAGE) },
	{ offsetof(struct notify_action, body), "body", NK(NOTIFY_WEBHOOK) },
	{ offsetof(struct notify_action, routing_key), "routing_key", NK(NOTIFY_PAGERDUTY) },
	{ offsetof(struct notify_action, event), "event", NK(NOTIFY_PAGERDUTY) | NK(NOTIFY_OPSGENIE) },
	{ offsetof(struct notify_action, severity), "severity", NK(NOTIFY_PAGERDUTY) },
	{ offsetof(struct notify_action, priority), "priority", NK(NOTIFY_OPSGENIE) },
};

static void
check_notify_keys(struct webcheck *w, const struct step *s)
{
	const struct notify_action *n = &s->notify;
	const struct rstr *r;

	for (size_t i = 0; i < sizeof notify_key_use / sizeof notify_key_use[0]; i++) {
		r = (const struct rstr *)((const char *)n + notify_key_use[i].off);
		if (r->s != NULL && !(notify_key_use[i].kinds & NK(n->kind)))
			web_error(w, r, 0, xprintf("step '%s': a %s notification does not use '%s'", s->id,
			    notify_kind_name(n->kind), notify_key_use[i].key));
	}
	if (n->nto > 0 && n->kind != NOTIFY_EMAIL)
		web_error(w, &n->to[0], 0, xprintf("step '%s': a %s notification does not use 'to'", s->id,
		    notify_kind_name(n->kind)));
}

/* A notify webhook's body is JSON: each template must stand where a JSON
 * value can. */
static void
check_json_body(struct webcheck *w, const struct rstr *body)
{
	size_t off;
	char *cause = NULL;

	if (body->s != NULL && webtmpl_check_json(body->s, &off, &cause) != 0)
		web_error(w, body, off, cause);
}

static void
check_http(struct webcheck *w, const struct http_action *h)
{
	check_url(w, &h->url);
	check_headers(w, h);
	check_body(w, h);
}

/* Each problem of a step's web requests. */
void
rbcheck_web_step(const struct runbook *rb, const struct step *s, struct diags *d)
{
	struct webcheck w = { rb, d, runbook_step_file(rb, s) };

	if (s->action == ACTION_HTTP)
		check_http(&w, &s->http);
	if (s->verify_action == ACTION_HTTP)
		check_http(&w, &s->verify_http);
	if (s->action == ACTION_NOTIFY) {
		check_url(&w, &s->notify.url);
		check_url(&w, &s->notify.smtp_url);
		check_json_body(&w, &s->notify.body);
		check_notify_keys(&w, s);
	}
}
