/* notify.c: the notify step kind. Slack, webhook and Statuspage go through
 * httpstep, email through libcurl's SMTP on the same multi. Owns what is
 * particular to each: the JSON each service wants (always built by
 * jansson, so a value is one JSON string), what counts as accepted, and
 * masking secrets out of the message before it leaves. The email message
 * itself is mailmsg.c's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "log.h"
#include "mailmsg.h"
#include "notify.h"
#include "notify_incident.h"
#include "strbuf.h"
#include "xmalloc.h"

/* How much of a refusal goes into the step's reason. */
#define NOTIFY_EXCERPT_MAX	200
/* How much of the message names a Statuspage incident without a subject. */
#define NOTIFY_NAME_MAX		100

struct notifystep {
	struct httpctx		*ctx;
	struct action_io	 io;
	int			 kind;
	const char		*name;		/* "slack", "email", ... */
	char			**secrets;	/* the request's, and the API key */
	int			 nsecrets;
	int64_t			 deadline;	/* monotonic ms; 0: none */
	int			 masked;	/* secrets taken out of the text */
	int			 nto;
	json_t			*evidence;
	struct loop_timer	*cancel_timer;

	/* slack, webhook, statuspage */
	struct httpstep		*http;
	int			 phase;		/* statuspage: 0 component, 1 incident */
	char			*incident_url;
	char			*incident_body;
	char			*auth;		/* "Authorization: OAuth ..." */

	/* email */
	CURL			*easy;
	struct httpxfer		*xfer;
	struct curl_slist	*rcpt;
	char			*mail;
	size_t			 mail_len;
	size_t			 mail_off;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct notify_kind_def {
	const char	*name;
	int		 (*check)(const struct notify_request *, char **);
	int		 (*send)(struct notifystep *, const struct notify_request *,
			     const char *, char **);
};

static const char *const notify_statuses[] = {
	"operational", "degraded_performance", "partial_outage", "major_outage",
	"under_maintenance", NULL
};

/* --- small helpers --- */

static const char *const *
notify_secrets(const struct notifystep *ns)
{
	return (const char *const *)ns->secrets;
}

static char *
notify_mask(const struct notifystep *ns, const char *s, int *count)
{
	return httpstep_mask(s, strlen(s), notify_secrets(ns), ns->nsecrets,
	    count);
}

static int
notify_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* Shows what is about to be sent, each line indented under a label. */
static void
notify_show_text(struct notifystep *ns, const char *label, const char *text)
{
	const char	*p = text, *nl;

	httpstep_printf(&ns->io, ACTION_STDOUT, "%s:\n", label);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		httpstep_printf(&ns->io, ACTION_STDOUT, "  %.*s\n",
		    (int)(nl - p), p);
		p = *nl == '\n' ? nl + 1 : nl;
	}
}

/* Milliseconds left for the next request; 0 means no limit, -1 none left. */
static int64_t
notify_remaining(const struct notifystep *ns)
{
	int64_t	left;

	if (ns->deadline == 0)
		return 0;
	left = ns->deadline - clock_mono_ms();
	return left > 0 ? left : -1;
}

/* A refusal's body as one short masked line for the reason. */
static char *
notify_excerpt(const struct notifystep *ns, const char *body, size_t len)
{
	struct strbuf	 b;
	char		*masked;
	size_t		 n;

	strbuf_init(&b);
	masked = httpstep_mask(body, len, notify_secrets(ns), ns->nsecrets,
	    NULL);
	for (const char *p = masked; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ') {
			if (b.len > 0 && b.buf[b.len - 1] != ' ')
				strbuf_addch(&b, ' ');
		} else
			strbuf_addch(&b, *p);
	}
	free(masked);
	while (b.len > 0 && b.buf[b.len - 1] == ' ')
		b.buf[--b.len] = '\0';
	if (b.len == 0)
		strbuf_adds(&b, "(empty body)");
	if (b.len > NOTIFY_EXCERPT_MAX) {
		for (n = NOTIFY_EXCERPT_MAX; n > 0 &&
		    ((unsigned char)b.buf[n] & 0xc0) == 0x80; n--)
			/* back to a character boundary */;
		b.len = n;
		strbuf_adds(&b, "...");
	}
	return strbuf_detach(&b);
}

/* --- the end --- */

/* Calls done, which may free ns: nothing may touch ns after it. */
static void
notify_end(struct notifystep *ns, int ok, const char *verdict, char *reason)
{
	json_t	*ev = ns->evidence;
	char	*shown = notify_mask(ns, reason, NULL);

	free(reason);
	json_object_set_new(ev, "verdict", json_string(verdict));
	json_object_set_new(ev, "error", ok ? json_null() : json_string(shown));
	ns->io.done(ns->io.arg, ok, shown, ev);
	free(shown);
}

static void
notify_cancelled(void *arg)
{
	struct notifystep	*ns = arg;

	ns->cancel_timer = NULL;
	httpstep_printf(&ns->io, ACTION_STDERR, "error: cancelled\n");
	notify_end(ns, 0, "cancelled", xstrdup("cancelled"));
}

/* --- HTTP kinds --- */

static void
notify_http_output(void *arg, int stream, const char *data, size_t len)
{
	struct notifystep	*ns = arg;

	ns->io.output(ns->io.arg, stream, data, len);
}

static void	notify_http_done(void *, int, const char *, json_t *);

/* Sends one JSON request through httpstep; its output is ours. */
static int
notify_http(struct notifystep *ns, const char *method, const char *url,
    const char *body, char **cause)
{
	struct httpstep_request	 req = { 0 };
	struct action_io	 io = { ns->io.loop, notify_http_output,
				     notify_http_done, ns };
	const char		*headers[2];
	int64_t			 left = notify_remaining(ns);

	if (left < 0) {
		*cause = xstrdup("timed out");
		return -1;
	}
	headers[0] = "Content-Type: application/json";
	headers[1] = ns->auth;
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.nheaders = ns->auth != NULL ? 2 : 1;
	req.body = body;
	req.timeout_ms = left;
	req.secrets = notify_secrets(ns);
	req.nsecrets = ns->nsecrets;
	ns->http = httpstep_start(ns->ctx, &req, &io, cause);
	return ns->http != NULL ? 0 : -1;
}

/* Did the service take it? Slack says so with a 200 and "ok". */
static int
notify_accepted(const struct notifystep *ns, int ok, int status,
    const char *body, size_t len)
{
	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' ||
	    body[len - 1] == ' '))
		len--;
	if (ns->kind == NOTIFY_SLACK)
		return status == 200 && len == 2 && memcmp(body, "ok", 2) == 0;
	return ok;
}

static void
notify_http_next(struct notifystep *ns)
{
	char	*cause = NULL;

	ns->phase = 1;
	if (notify_http(ns, "POST", ns->incident_url, ns->incident_body,
	    &cause) != 0)
		notify_end(ns, 0, "failed", xprintf("%s: %s", ns->name, cause));
	free(cause);
}

static void
notify_http_done(void *arg, int ok, const char *reason, json_t *evidence)
{
	struct notifystep	*ns = arg;
	int			 status = httpstep_status(ns->http), accepted;
	size_t			 len;
	const char		*body = httpstep_body(ns->http, &len);
	char			*excerpt;

	json_array_append(json_object_get(ns->evidence, "requests"), evidence);
	json_object_set_new(ns->evidence, "status", status > 0 ?
	    json_integer(status) : json_null());
	accepted = notify_accepted(ns, ok, status, body, len);
	excerpt = notify_excerpt(ns, body, len);
	httpstep_free(ns->http);
	ns->http = NULL;
	if (status == 0)
		notify_end(ns, 0, "failed", xprintf("%s: %s", ns->name, reason));
	else if (!accepted)
		notify_end(ns, 0, "failed", xprintf("%s answered %d: %s",
		    ns->name, status, excerpt));
	else if (ns->kind == NOTIFY_STATUSPAGE && ns->phase == 0)
		notify_http_next(ns);
	else if (ns->kind == NOTIFY_SLACK)
		notify_end(ns, 1, "ok", xstrdup("slack accepted the message"));
	else if (ns->kind == NOTIFY_STATUSPAGE)
		notify_end(ns, 1, "ok", xprintf("statuspage: component %s is "
		    "%s and the incident is posted",
		    json_string_value(json_object_get(ns->evidence, "component")),
		    json_string_value(json_object_get(ns->evidence,
		    "component_status"))));
	else
		notify_end(ns, 1, "ok", xprintf("%s answered %d", ns->name,
		    status));
	free(excerpt);
}

/* Serialises a packed object, or says why it cannot be. */
static char *
notify_json(json_t *j, const json_error_t *err, char **cause)
{
	char	*s;

	if (j == NULL) {
		*cause = xprintf("cannot build the JSON body: %s", err->text);
		return NULL;
	}
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		*cause = xstrdup("cannot build the JSON body");
	return s;
}

static int
notify_check_url(const struct notify_request *req, char **cause)
{
	if (notify_empty(req->url)) {
		*cause = xstrdup("no url");
		return -1;
	}
	return 0;
}

static int
notify_send_slack(struct notifystep *ns, const struct notify_request *req,
    const char *text, char **cause)
{
	json_error_t	 err;
	char		*body;
	int		 rc;

	body = notify_json(json_pack_ex(&err, 0, "{s:s, s:s*}", "text", text,
	    "channel", notify_empty(req->channel) ? NULL : req->channel), &err,
	    cause);
	if (body == NULL)
		return -1;
	rc = notify_http(ns, "POST", req->url, body, cause);
	free(body);
	return rc;
}

/* A body the runbook wrote (values already JSON-encoded into it): secrets
 * masked out as from the message, shown, then sent. */
static int
notify_send_template(struct notifystep *ns, const char *body, const char *url,
    char **cause)
{
	int	 n = 0, rc;
	char	*masked = notify_mask(ns, body, &n);

	notify_show_text(ns, "body", masked);
	json_object_set_new(ns->evidence, "masked", json_integer(ns->masked + n));
	rc = notify_http(ns, "POST", url, masked, cause);
	free(masked);
	return rc;
}

/* PagerDuty and Opsgenie: notify_incident.c builds the request. */
static int
notify_send_incident(struct notifystep *ns, const struct notify_request *req,
    const char *text, char **cause)
{
	char	*url, *body;
	int	 rc;

	if ((req->kind == NOTIFY_PAGERDUTY ? notify_pagerduty_request(req, text, &url, &body,
	    cause) : notify_opsgenie_request(req, text, &url, &body, cause)) != 0)
		return -1;
	json_object_set_new(ns->evidence, "event", json_string(req->event != NULL &&
	    *req->event != '\0' ? req->event : req->kind == NOTIFY_PAGERDUTY ?
	    notify_pagerduty_events[0] : notify_opsgenie_events[0]));
	json_object_set_new(ns->evidence, "incident", json_string(req->incident_id));
	rc = notify_http(ns, "POST", url, body, cause);
	free(url);
	free(body);
	return rc;
}

static int
notify_send_webhook(struct notifystep *ns, const struct notify_request *req,
    const char *text, char **cause)
{
	json_error_t	 err;
	char		 now[CLOCK_RFC3339_LEN], *body;
	int		 rc;

	if (req->body != NULL)
		return notify_send_template(ns, req->body, req->url, cause);
	clock_format_rfc3339(clock_wall_ms(), now);
	body = notify_json(json_pack_ex(&err, 0, "{s:s, s:s?, s:s}", "text",
	    text, "incident", req->incident_id, "sent_at", now), &err, cause);
	if (body == NULL)
		return -1;
	rc = notify_http(ns, "POST", req->url, body, cause);
	free(body);
	return rc;
}

/* --- statuspage --- */

static int
notify_check_statuspage(const struct notify_request *req, char **cause)
{
	struct strbuf	b;

	if (notify_check_url(req, cause) != 0)
		return -1;
	if (notify_empty(req->component) || notify_empty(req->api_key)) {
		*cause = xprintf("a statuspage notification needs %s",
		    notify_empty(req->component) ? "a component" : "an api_key");
		return -1;
	}
	/* The id is one path segment; ".." would move the request up. */
	if (strcmp(req->component, ".") == 0 || strcmp(req->component, "..") == 0) {
		*cause = xprintf("statuspage component '%s' is not an id",
		    req->component);
		return -1;
	}
	for (int i = 0; req->status != NULL && notify_statuses[i] != NULL; i++) {
		if (strcmp(req->status, notify_statuses[i]) == 0)
			return 0;
	}
	strbuf_init(&b);
	for (int i = 0; notify_statuses[i] != NULL; i++)
		strbuf_addf(&b, "%s%s", i > 0 ? ", " : "", notify_statuses[i]);
	*cause = xprintf("statuspage status '%s' is not one of %s",
	    req->status != NULL ? req->status : "", strbuf_str(&b));
	strbuf_free(&b);
	return -1;
}

/* An incident is named by the subject, else by the message's first line. */
static char *
notify_incident_name(struct notifystep *ns, const struct notify_request *req,
    const char *text)
{
	char	*masked, *name;
	size_t	 n;

	if (!notify_empty(req->subject)) {
		masked = notify_mask(ns, req->subject, NULL);
		name = xprintf("%s%s", req->drill_prefix != NULL ?
		    req->drill_prefix : "", masked);
		free(masked);
		return name;
	}
	n = strcspn(text, "\n");
	if (n > NOTIFY_NAME_MAX) {
		for (n = NOTIFY_NAME_MAX; n > 0 &&
		    ((unsigned char)text[n] & 0xc0) == 0x80; n--)
			/* back to a character boundary */;
	}
	return xstrndup(text, n);
}

static int
notify_send_statuspage(struct notifystep *ns, const struct notify_request *req,
    const char *text, char **cause)
{
	json_error_t	 err;
	const char	*istatus;
	char		*base, *comp, *url, *body, *name;
	int		 rc = -1;

	/* Back to operational ends the incident; anything else opens one. */
	istatus = strcmp(req->status, "operational") == 0 ? "resolved" :
	    "investigating";
	json_object_set_new(ns->evidence, "component", json_string(req->component));
	json_object_set_new(ns->evidence, "component_status",
	    json_string(req->status));
	json_object_set_new(ns->evidence, "incident_status", json_string(istatus));
	base = xstrndup(req->url, strlen(req->url) - (req->url[strlen(req->url) -
	    1] == '/'));
	comp = curl_easy_escape(NULL, req->component, 0);
	url = xprintf("%s/components/%s", base, comp != NULL ? comp : "");
	ns->incident_url = xprintf("%s/incidents", base);
	name = notify_incident_name(ns, req, text);
	ns->incident_body = notify_json(json_pack_ex(&err, 0,
	    "{s:{s:s, s:s, s:s, s:[s]}}", "incident", "name", name, "status",
	    istatus, "body", text, "component_ids", req->component), &err, cause);
	body = NULL;
	if (ns->incident_body != NULL)
		body = notify_json(json_pack_ex(&err, 0, "{s:{s:s}}",
		    "component", "status", req->status), &err, cause);
	if (body != NULL)
		rc = notify_http(ns, "PATCH", url, body, cause);
	curl_free(comp);
	free(base);
	free(url);
	free(name);
	free(body);
	return rc;
}

/* --- email --- */

static int
notify_check_email(const struct notify_request *req, char **cause)
{
	if (notify_empty(req->smtp_url) ||
	    (strncmp(req->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(req->smtp_url, "smtps://", 8) != 0)) {
		*cause = xstrdup("an email notification needs an smtp:// or "
		    "smtps:// smtp_url");
		return -1;
	}
	if (mailmsg_check_mailbox("from", req->from, cause) != 0)
		return -1;
	if (req->nto <= 0) {
		*cause = xstrdup("an email notification needs 'to'");
		return -1;
	}
	for (int i = 0; i < req->nto; i++) {
		if (mailmsg_check_mailbox("recipient", req->to[i], cause) != 0)
			return -1;
	}
	if (notify_empty(req->subject)) {
		*cause = xstrdup("an email notification needs a subject");
		return -1;
	}
	if (mailmsg_one_line("subject", req->subject, cause) != 0 ||
	    (req->incident_id != NULL &&
	    mailmsg_one_line("incident id", req->incident_id, cause) != 0))
		return -1;
	return 0;
}

static void
notify_build_mail(struct notifystep *ns, const struct notify_request *req,
    const char *subject, const char *text, const char *msgid)
{
	struct mailmsg	m = { 0 };

	m.date_ms = clock_wall_ms();
	m.from = req->from;
	m.to = req->to;
	m.nto = req->nto;
	m.subject = subject;
	m.message_id = msgid;
	m.incident_id = req->incident_id;
	m.text = text;
	ns->mail = mailmsg_build(&m, &ns->mail_len);
}


static size_t
notify_mail_read(char *buf, size_t size, size_t n, void *arg)
{
	struct notifystep	*ns = arg;
	size_t			 want = size * n, left;

	left = ns->mail_len - ns->mail_off;
	if (want > left)
		want = left;
	memcpy(buf, ns->mail + ns->mail_off, want);
	ns->mail_off += want;
	return want;
}

static void
notify_mail_done(void *arg, CURLcode rc)
{
	struct notifystep	*ns = arg;
	long			 code = 0;
	char			*error;

	ns->xfer = NULL;
	curl_easy_getinfo(ns->easy, CURLINFO_RESPONSE_CODE, &code);
	json_object_set_new(ns->evidence, "status", code > 0 ?
	    json_integer(code) : json_null());
	if (rc == CURLE_OK) {
		httpstep_printf(&ns->io, ACTION_STDOUT, "< accepted (%ld)\n",
		    code);
		notify_end(ns, 1, "ok", xprintf("email accepted by the SMTP "
		    "server for %d recipient%s", ns->nto,
		    ns->nto == 1 ? "" : "s"));
		return;
	}
	error = xprintf("%s: %s", httpstep_error_kind(rc), ns->errbuf[0] !=
	    '\0' ? ns->errbuf : curl_easy_strerror(rc));
	httpstep_printf(&ns->io, ACTION_STDERR, "error: %s\n", error);
	notify_end(ns, 0, "failed", xprintf("email: %s", error));
	free(error);
}

static int
notify_setup_mail(struct notifystep *ns, const struct notify_request *req,
    int require_tls)
{
	CURL	*e;
	char	*a;
	int64_t	 left = notify_remaining(ns);

	if ((e = ns->easy = curl_easy_init()) == NULL)
		return -1;
	if (curl_easy_setopt(e, CURLOPT_URL, req->smtp_url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps") !=
	    CURLE_OK)
		return -1;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ns->errbuf);
	curl_easy_setopt(e, CURLOPT_USE_SSL, require_tls ? (long)CURLUSESSL_ALL :
	    (long)CURLUSESSL_TRY);
	if (left > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)left);
	a = mailmsg_addr(req->from);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, a);	/* copied by curl */
	free(a);
	for (int i = 0; i < req->nto; i++) {
		a = mailmsg_addr(req->to[i]);
		ns->rcpt = curl_slist_append(ns->rcpt, a);
		free(a);
	}
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, ns->rcpt);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, notify_mail_read);
	curl_easy_setopt(e, CURLOPT_READDATA, ns);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)ns->mail_len);
	return 0;
}

static void
notify_print_to(struct notifystep *ns, const struct notify_request *req)
{
	struct strbuf	b;

	strbuf_init(&b);
	for (int i = 0; i < req->nto; i++)
		strbuf_addf(&b, "%s%s", i > 0 ? ", " : "", req->to[i]);
	httpstep_printf(&ns->io, ACTION_STDOUT, "to: %s\n", strbuf_str(&b));
	strbuf_free(&b);
}

static json_t *
notify_recipients(const struct notify_request *req)
{
	json_t	*a = json_array();

	for (int i = 0; i < req->nto; i++)
		json_array_append_new(a, json_string(req->to[i]));
	return a;
}

static int
notify_send_email(struct notifystep *ns, const struct notify_request *req,
    const char *text, char **cause)
{
	int	 require_tls = req->smtp_require_tls ||
		    strncmp(req->smtp_url, "smtps://", 8) == 0;
	char	*masked, *subject, *msgid, *url;

	masked = notify_mask(ns, req->subject, NULL);
	subject = xprintf("%s%s", req->drill_prefix != NULL ?
	    req->drill_prefix : "", masked);
	msgid = mailmsg_message_id(req->from);
	url = httpstep_mask_url(req->smtp_url, notify_secrets(ns), ns->nsecrets);
	notify_build_mail(ns, req, subject, text, msgid);
	json_object_set_new(ns->evidence, "smtp_url", json_string(url));
	json_object_set_new(ns->evidence, "from", json_string(req->from));
	json_object_set_new(ns->evidence, "to", notify_recipients(req));
	json_object_set_new(ns->evidence, "subject", json_string(subject));
	json_object_set_new(ns->evidence, "message_id", json_string(msgid));
	json_object_set_new(ns->evidence, "tls", json_string(require_tls ?
	    "required" : "if offered"));
	httpstep_printf(&ns->io, ACTION_STDOUT, "> SMTP %s (TLS %s)\n", url,
	    require_tls ? "required" : "if offered");
	httpstep_printf(&ns->io, ACTION_STDOUT, "from: %s\n", req->from);
	notify_print_to(ns, req);
	httpstep_printf(&ns->io, ACTION_STDOUT, "subject: %s\n", subject);
	free(masked);
	free(subject);
	free(msgid);
	free(url);
	if (notify_setup_mail(ns, req, require_tls) != 0 ||
	    (ns->xfer = httpctx_add(ns->ctx, ns->easy, notify_mail_done,
	    ns)) == NULL) {
		*cause = xstrdup("curl refused the SMTP transfer");
		return -1;
	}
	return 0;
}

/* --- starting --- */

static const struct notify_kind_def notify_kinds[] = {
	[NOTIFY_SLACK] = { "slack", notify_check_url, notify_send_slack },
	[NOTIFY_WEBHOOK] = { "webhook", notify_check_url, notify_send_webhook },
	[NOTIFY_STATUSPAGE] = { "statuspage", notify_check_statuspage,
	    notify_send_statuspage },
	[NOTIFY_EMAIL] = { "email", notify_check_email, notify_send_email },
	[NOTIFY_PAGERDUTY] = { "pagerduty", notify_pagerduty_check, notify_send_incident },
	[NOTIFY_OPSGENIE] = { "opsgenie", notify_opsgenie_check, notify_send_incident },
};

const char *
notify_kind_name(int kind)
{
	return kind >= NOTIFY_SLACK && kind <= NOTIFY_OPSGENIE ? notify_kinds[kind].name : "unknown";
}

static struct notifystep *
notify_new(struct httpctx *ctx, const struct notify_request *req,
    const struct action_io *io)
{
	struct notifystep	*ns = xcalloc(1, sizeof *ns);
	char			*url;

	ns->ctx = ctx;
	ns->io = *io;
	ns->kind = req->kind;
	ns->name = notify_kinds[req->kind].name;
	ns->nto = req->nto;
	ns->secrets = xcalloc((size_t)req->nsecrets + 1, sizeof *ns->secrets);
	for (int i = 0; i < req->nsecrets; i++) {
		if (req->secrets[i] != NULL)
			ns->secrets[ns->nsecrets++] = xstrdup(req->secrets[i]);
	}
	/* The key is a secret whether or not the runbook said so. */
	if (req->kind == NOTIFY_STATUSPAGE) {
		ns->secrets[ns->nsecrets++] = xstrdup(req->api_key);
		ns->auth = xprintf("Authorization: OAuth %s", req->api_key);
	} else if (req->kind == NOTIFY_OPSGENIE) {
		ns->secrets[ns->nsecrets++] = xstrdup(req->api_key);
		ns->auth = xprintf("Authorization: GenieKey %s", req->api_key);
	} else if (req->kind == NOTIFY_PAGERDUTY)
		ns->secrets[ns->nsecrets++] = xstrdup(req->routing_key);
	if (req->timeout_ms > 0)
		ns->deadline = clock_mono_ms() + req->timeout_ms;
	ns->evidence = json_pack("{s:s, s:b}", "kind", ns->name, "drill",
	    req->drill_prefix != NULL);
	if (req->kind != NOTIFY_EMAIL) {
		json_object_set_new(ns->evidence, "requests", json_array());
		url = httpstep_mask_url(!notify_empty(req->url) ? req->url :
		    req->kind == NOTIFY_PAGERDUTY ? PAGERDUTY_EVENTS_URL :
		    req->kind == NOTIFY_OPSGENIE ? OPSGENIE_ALERTS_URL : "",
		    notify_secrets(ns), ns->nsecrets);
		json_object_set_new(ns->evidence, "url", json_string(url));
		free(url);
	}
	return ns;
}

/* The message as sent: the drill prefix, then the text with secrets out.
 * Counts what the subject loses too, so one note covers both. */
static char *
notify_text(struct notifystep *ns, const struct notify_request *req)
{
	char	*masked, *text;
	int	 n = 0;

	if (!notify_empty(req->subject))
		free(notify_mask(ns, req->subject, &n));
	masked = notify_mask(ns, req->message, &ns->masked);
	ns->masked += n;
	text = xprintf("%s%s", req->drill_prefix != NULL ? req->drill_prefix :
	    "", masked);
	free(masked);
	json_object_set_new(ns->evidence, "masked", json_integer(ns->masked));
	return text;
}

static int
notify_check(const struct notify_request *req, char **cause)
{
	if (req->kind < NOTIFY_SLACK || req->kind > NOTIFY_OPSGENIE) {
		*cause = xprintf("unknown notification kind %d", req->kind);
		return -1;
	}
	if (notify_empty(req->message)) {
		*cause = xprintf("a %s notification needs a message",
		    notify_kinds[req->kind].name);
		return -1;
	}
	return notify_kinds[req->kind].check(req, cause);
}

/* Sends the notification on the loop. */
struct notifystep *
notify_start(struct httpctx *ctx, const struct notify_request *req,
    const struct action_io *io, char **cause)
{
	struct notifystep	*ns;
	char			*text;

	*cause = NULL;
	if (notify_check(req, cause) != 0)
		return NULL;
	ns = notify_new(ctx, req, io);
	text = notify_text(ns, req);
	notify_show_text(ns, "message", text);
	if (ns->masked > 0)
		httpstep_printf(&ns->io, ACTION_STDOUT, "note: %d secret "
		    "value%s in the message replaced by **** before sending\n",
		    ns->masked, ns->masked == 1 ? "" : "s");
	if (notify_kinds[ns->kind].send(ns, req, text, cause) != 0) {
		free(text);
		notify_free(ns);
		return NULL;
	}
	free(text);
	return ns;
}

/* Stops at once; done follows on the next loop turn. */
void
notify_cancel(struct notifystep *ns)
{
	if (ns->http == NULL && ns->xfer == NULL)
		return;
	httpstep_free(ns->http);
	ns->http = NULL;
	if (ns->xfer != NULL)
		httpctx_remove(ns->xfer);
	ns->xfer = NULL;
	ns->cancel_timer = loop_add_timer(ns->io.loop, 0, notify_cancelled, ns);
}

/* Frees; a running notification stops without done. */
void
notify_free(struct notifystep *ns)
{
	if (ns == NULL)
		return;
	httpstep_free(ns->http);
	if (ns->xfer != NULL)
		httpctx_remove(ns->xfer);
	if (ns->cancel_timer != NULL)
		loop_cancel_timer(ns->io.loop, ns->cancel_timer);
	if (ns->easy != NULL)
		curl_easy_cleanup(ns->easy);
	curl_slist_free_all(ns->rcpt);
	for (int i = 0; i < ns->nsecrets; i++)
		free(ns->secrets[i]);
	free(ns->secrets);
	free(ns->incident_url);
	free(ns->incident_body);
	free(ns->auth);
	free(ns->mail);
	json_decref(ns->evidence);
	free(ns);
}
