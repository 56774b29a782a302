/* test_notify.c: the notify step kind against real loopback servers: the
 * Python HTTP server (tests/e2e/http_server.py) as Slack, a webhook and a
 * Statuspage API, and the Python SMTP sink (tests/e2e/smtp_sink.py) for
 * email. Checks what each service received, not only what we say. */
#include "cmocka_all.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "action_result.h"
#include "clock.h"
#include "httpstep.h"
#include "loop.h"
#include "notify.h"
#include "notify_fixture.h"
#include "pyserver.h"
#include "strbuf.h"

/* --- slack --- */

static void
test_slack(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	json_t			*body, *reqs;
	char			*u = web_url("/hook/slack");

	req.kind = NOTIFY_SLACK;
	req.url = u;
	req.channel = "#dr-ops";
	req.message = "Failover of db1 started\nETA 10 minutes";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(fx->r.reason, "slack accepted the message");
	body = hook_body();
	assert_string_equal(jget(body, "text"),
	    "Failover of db1 started\nETA 10 minutes");
	assert_string_equal(jget(body, "channel"), "#dr-ops");
	assert_int_equal(json_object_size(body), 2);
	json_decref(body);
	reqs = read_jsonl(&web, "requests.log");
	assert_string_equal(jget(json_array_get(reqs, 0), "content_type"),
	    "application/json");
	json_decref(reqs);
	assert_non_null(strstr(fx->r.out.buf, "message:\n  Failover of db1 "
	    "started\n  ETA 10 minutes\n> POST http://127.0.0.1:"));
	assert_non_null(strstr(fx->r.out.buf, "< HTTP/1.1 200 OK\nok\n"));
	assert_string_equal(ev_str(&fx->r, "kind"), "slack");
	assert_string_equal(ev_str(&fx->r, "verdict"), "ok");
	assert_int_equal(json_integer_value(json_object_get(fx->r.ev, "status")),
	    200);
	assert_int_equal(json_array_size(json_object_get(fx->r.ev, "requests")),
	    1);
	assert_true(json_is_false(json_object_get(fx->r.ev, "drill")));
}

/* Slack says yes with a 200 and "ok", and only so. */
static void
test_slack_refused(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	char			*u = web_url("/status/500");

	req.kind = NOTIFY_SLACK;
	req.url = u;
	req.message = "hello";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason, "slack answered 500: status 500");
	assert_string_equal(ev_str(&fx->r, "verdict"), "failed");
	assert_string_equal(ev_str(&fx->r, "error"),
	    "slack answered 500: status 500");

	pyserver_write_state(&web, "health", "200 invalid_token");
	u = web_url("/health");
	req.url = u;
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason, "slack answered 200: invalid_token");

	req.url = "http://127.0.0.1:1/hook";
	run_notify(fx, &req);
	assert_int_equal(fx->r.ok, 0);
	assert_non_null(strstr(fx->r.reason, "slack: connection failed: "));
}

/* --- webhook --- */

static void
test_webhook(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	json_t			*body;
	char			*u = web_url("/hook/generic");

	req.kind = NOTIFY_WEBHOOK;
	req.url = u;
	req.message = "Restore finished";
	req.incident_id = "INC-42";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(fx->r.reason, "webhook answered 200");
	body = hook_body();
	assert_string_equal(jget(body, "text"), "Restore finished");
	assert_string_equal(jget(body, "incident"), "INC-42");
	assert_string_equal(jget(body, "sent_at"), "2023-11-14T22:13:20.000Z");
	assert_int_equal(json_object_size(body), 3);
	json_decref(body);

	/* No incident: null, not a missing key. */
	remove_state(&web, "webhook.log");
	u = web_url("/hook/generic");
	req.url = u;
	req.incident_id = NULL;
	run_notify(fx, &req);
	free(u);
	body = hook_body();
	assert_true(json_is_null(json_object_get(body, "incident")));
	json_decref(body);

	u = web_url("/status/404");
	req.url = u;
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason, "webhook answered 404: status 404");
}

/* --- statuspage --- */

static void
check_statuspage_calls(json_t *calls, const char *name, const char *istatus)
{
	json_t	*patch = json_array_get(calls, 0), *post = json_array_get(calls, 1);
	json_t	*inc;

	assert_int_equal(json_array_size(calls), 2);
	assert_string_equal(jget(patch, "method"), "PATCH");
	assert_string_equal(jget(patch, "path"),
	    "/statuspage/v1/pages/pg1/components/api%20db");
	assert_true(json_is_true(json_object_get(patch, "auth_ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(patch, "body"), "component"), "status")),
	    "major_outage");
	assert_string_equal(jget(post, "method"), "POST");
	assert_string_equal(jget(post, "path"), "/statuspage/v1/pages/pg1/incidents");
	assert_true(json_is_true(json_object_get(post, "auth_ok")));
	inc = json_object_get(json_object_get(post, "body"), "incident");
	assert_string_equal(jget(inc, "name"), name);
	assert_string_equal(jget(inc, "status"), istatus);
	assert_string_equal(jget(inc, "body"),
	    "Primary database down\nFailing over to db2");
}

static void
test_statuspage(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	json_t			*calls;
	char			*u = web_url("/statuspage/v1/pages/pg1/");

	pyserver_write_state(&web, "api_key", "sp-KEY-0123456789");
	req.kind = NOTIFY_STATUSPAGE;
	req.url = u;
	req.component = "api db";
	req.status = "major_outage";
	req.api_key = "sp-KEY-0123456789";
	req.message = "Primary database down\nFailing over to db2";
	run_notify(fx, &req);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(fx->r.reason, "statuspage: component api db is "
	    "major_outage and the incident is posted");
	calls = read_jsonl(&web, "statuspage.log");
	check_statuspage_calls(calls, "Primary database down", "investigating");
	json_decref(calls);
	assert_string_equal(ev_str(&fx->r, "incident_status"), "investigating");
	assert_int_equal(json_array_size(json_object_get(fx->r.ev, "requests")),
	    2);
	assert_non_null(strstr(fx->r.out.buf, "> PATCH "));
	assert_non_null(strstr(fx->r.out.buf, "> POST "));
	assert_non_null(strstr(fx->r.out.buf, "< HTTP/1.1 201 Created\n"));
	/* The key went in the header, and nowhere we can see. */
	assert_null(strstr(fx->r.out.buf, "sp-KEY"));
	assert_null(strstr(fx->r.err.buf != NULL ? fx->r.err.buf : "", "sp-KEY"));
	assert_null(strstr(fx->r.ev_text, "sp-KEY"));
	assert_null(strstr(fx->r.reason, "sp-KEY"));

	/* A wrong key: refused, and still never shown. */
	remove_state(&web, "statuspage.log");
	req.api_key = "sp-KEY-wrong";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason,
	    "statuspage answered 401: {\"error\": \"unauthorized\"}");
	calls = read_jsonl(&web, "statuspage.log");
	assert_int_equal(json_array_size(calls), 1);	/* no incident after */
	json_decref(calls);
	assert_null(strstr(fx->r.out.buf, "sp-KEY"));
	assert_null(strstr(fx->r.ev_text, "sp-KEY"));
}

static void
test_statuspage_checks(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	json_t			*calls;
	char			*cause, *u = web_url("/statuspage/v1/pages/pg1");

	pyserver_write_state(&web, "api_key", "k");
	req.kind = NOTIFY_STATUSPAGE;
	req.url = u;
	req.component = "api db";
	req.status = "broken";
	req.api_key = "k";
	req.message = "Primary database down\nFailing over to db2";
	cause = try_start(fx, &req);
	assert_null(fx->ns);
	assert_non_null(strstr(cause, "statuspage status 'broken' is not one of "
	    "operational, degraded_performance, partial_outage, major_outage, "
	    "under_maintenance"));
	free(cause);
	req.status = "major_outage";
	req.api_key = NULL;
	cause = try_start(fx, &req);
	assert_null(fx->ns);
	assert_non_null(strstr(cause, "api_key"));
	free(cause);
	assert_null(pyserver_read_state(&web, "statuspage.log"));

	/* A subject names the incident; operational resolves it. */
	req.api_key = "k";
	req.subject = "Database failover";
	req.status = "operational";
	run_notify(fx, &req);
	assert_int_equal(fx->r.ok, 1);
	calls = read_jsonl(&web, "statuspage.log");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(json_array_get(calls, 1), "body"), "incident"),
	    "name")), "Database failover");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(json_array_get(calls, 1), "body"), "incident"),
	    "status")), "resolved");
	json_decref(calls);

	/* A component id is one path segment, whatever it holds. */
	req.component = "../admin?x=1#f";
	run_notify(fx, &req);
	assert_int_equal(fx->r.ok, 1);
	calls = read_jsonl(&web, "statuspage.log");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    calls, 2), "path")),
	    "/statuspage/v1/pages/pg1/components/..%2Fadmin%3Fx%3D1%23f");
	json_decref(calls);
	req.component = "..";
	cause = try_start(fx, &req);
	assert_null(fx->ns);
	assert_non_null(strstr(cause, "is not an id"));
	free(cause);
	free(u);
}

/* --- email --- */

static char *
read_mail(int n, const char *ext)
{
	char	name[32];

	snprintf(name, sizeof name, "mail-%d.%s", n, ext);
	return pyserver_read_state(&smtp, name);
}

static int mails_sent;

static void
test_email(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	const char		*to[] = { "oncall@example.test",
				    "Ops Lead <lead@example.test>" };
	char			*u = smtp_url(), *eml, *env, want[160];
	json_t			*j;

	req.kind = NOTIFY_EMAIL;
	req.smtp_url = u;
	req.from = "DR Console <dr@example.test>";
	req.to = to;
	req.nto = 2;
	req.subject = "Failover started";
	req.message = "Line one\n.hidden line\n\nlast";
	req.incident_id = "INC-7";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(fx->r.reason,
	    "email accepted by the SMTP server for 2 recipients");
	mails_sent++;
	assert_non_null(eml = read_mail(mails_sent, "eml"));
	assert_non_null(strstr(eml, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
	assert_non_null(strstr(eml, "From: DR Console <dr@example.test>\r\n"));
	assert_non_null(strstr(eml, "To: oncall@example.test, Ops Lead "
	    "<lead@example.test>\r\n"));
	assert_non_null(strstr(eml, "Subject: Failover started\r\n"));
	snprintf(want, sizeof want, "Message-ID: %s\r\n",
	    ev_str(&fx->r, "message_id"));
	assert_non_null(strstr(eml, want));
	assert_non_null(strstr(eml, "Message-ID: <20231114T221320Z."));
	assert_non_null(strstr(eml, "@example.test>\r\n"));
	assert_non_null(strstr(eml, "Content-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(eml, "X-Drconsole-Incident: INC-7\r\n"));
	/* Headers end at the first empty line; the body, dots and all. */
	assert_non_null(strstr(eml, "\r\n\r\nLine one\r\n.hidden line\r\n\r\n"
	    "last\r\n"));
	free(eml);
	assert_non_null(env = read_mail(mails_sent, "json"));
	assert_non_null(j = json_loads(env, 0, NULL));
	assert_string_equal(jget(j, "from"), "dr@example.test");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j,
	    "to"), 0)), "oncall@example.test");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j,
	    "to"), 1)), "lead@example.test");
	json_decref(j);
	free(env);
	assert_string_equal(ev_str(&fx->r, "kind"), "email");
	assert_string_equal(ev_str(&fx->r, "tls"), "if offered");
	assert_int_equal(json_integer_value(json_object_get(fx->r.ev, "status")),
	    250);
	assert_non_null(strstr(fx->r.out.buf, "from: DR Console "
	    "<dr@example.test>\nto: oncall@example.test, Ops Lead "
	    "<lead@example.test>\nsubject: Failover started\n< accepted (250)\n"));
	assert_null(json_object_get(fx->r.ev, "requests"));
}

static void
test_email_failures(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	const char		*to[] = { "reject@example.test" };
	const char		*bad_to[] = { "not an address" };
	char			*eml;
	const char		*hostile_to[] = {
		"ops@example.test\r\nBcc: evil@example.test",
		"Ops <ops@example.test>, evil@example.test",
		"ops@example.test evil@example.test",
		"Ops <ops@example.test> evil@example.test",
		"Evil <evil@example.test> <ops@example.test>",
		"ops@example.test,evil@example.test",
		"ops@@example.test",
	};
	char			*u = smtp_url(), *cause;

	req.kind = NOTIFY_EMAIL;
	req.smtp_url = u;
	req.from = "dr@example.test";
	req.to = to;
	req.nto = 1;
	req.subject = "x";
	req.message = "y";
	run_notify(fx, &req);
	assert_int_equal(fx->r.ok, 0);
	assert_non_null(strstr(fx->r.reason, "email: "));
	assert_non_null(strstr(fx->r.reason, "550"));
	assert_string_equal(ev_str(&fx->r, "verdict"), "failed");

	/* TLS required and the sink has no STARTTLS: refuse to send. */
	to[0] = "oncall@example.test";
	req.smtp_require_tls = 1;
	run_notify(fx, &req);
	assert_int_equal(fx->r.ok, 0);
	assert_non_null(strstr(fx->r.reason, "email: TLS error: "));
	assert_string_equal(ev_str(&fx->r, "tls"), "required");
	assert_null(read_mail(mails_sent + 1, "eml"));

	req.smtp_require_tls = 0;
	req.to = bad_to;
	cause = try_start(fx, &req);
	assert_null(fx->ns);
	assert_non_null(strstr(cause, "is not one address"));
	free(cause);
	/* A value cannot add a recipient or a header field. */
	for (size_t i = 0; i < sizeof hostile_to / sizeof hostile_to[0]; i++) {
		req.to = &hostile_to[i];
		cause = try_start(fx, &req);
		assert_null(fx->ns);
		assert_non_null(cause);
		free(cause);
	}
	req.to = to;
	req.from = "dr@example.test\r\nBcc: evil@example.test";
	cause = try_start(fx, &req);
	assert_null(fx->ns);
	assert_non_null(strstr(cause, "one line"));
	free(cause);
	req.from = "\"Ops, DR\" <dr@example.test>";
	run_notify(fx, &req);
	assert_int_equal(fx->r.ok, 1);
	mails_sent++;
	eml = read_mail(mails_sent, "eml");
	assert_non_null(eml);
	assert_non_null(strstr(eml, "From: \"Ops, DR\" <dr@example.test>\r\n"));
	assert_null(strstr(eml, "Bcc"));
	free(eml);
	req.from = "dr@example.test";
	req.subject = "two\r\nBcc: evil@example.test";
	cause = try_start(fx, &req);
	assert_null(fx->ns);
	assert_non_null(strstr(cause, "one line"));
	free(cause);
	req.subject = "x";
	req.smtp_url = "http://127.0.0.1/";
	cause = try_start(fx, &req);
	assert_null(fx->ns);
	free(cause);
	free(u);
}

/* A subject that is not ASCII goes as RFC 2047 encoded words. */
static void
test_email_utf8_subject(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	const char		*to[] = { "oncall@example.test" };
	char			*u = smtp_url(), *eml;

	req.kind = NOTIFY_EMAIL;
	req.smtp_url = u;
	req.from = "dr@example.test";
	req.to = to;
	req.nto = 1;
	req.subject = "St\xc3\xb6rung im Rechenzentrum";
	req.message = "Gr\xc3\xbc\xc3\x9f" "e";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	mails_sent++;
	assert_non_null(eml = read_mail(mails_sent, "eml"));
	assert_non_null(strstr(eml,
	    "Subject: =?UTF-8?B?U3TDtnJ1bmcgaW0gUmVjaGVuemVudHJ1bQ==?=\r\n"));
	assert_non_null(strstr(eml, "\r\n\r\nGr\xc3\xbc\xc3\x9f" "e\r\n"));
	free(eml);
}

/* Lines over 998 bytes are cut (between characters), nothing is lost, and
 * bytes that are not UTF-8 do not stall the cutting. */
static void
test_email_long_lines(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	const char		*to[] = { "oncall@example.test" };
	struct strbuf		 msg, joined;
	char			*u = smtp_url(), *eml, *body, *line, *save = NULL;

	strbuf_init(&msg);
	for (int i = 0; i < 1200; i++)
		strbuf_adds(&msg, "\xc3\xbc");	/* 2400 bytes of u-umlaut */
	strbuf_addch(&msg, '\n');
	for (int i = 0; i < 1500; i++)
		strbuf_addch(&msg, '\x80');	/* continuation bytes only */
	req.kind = NOTIFY_EMAIL;
	req.smtp_url = u;
	req.from = "dr@example.test";
	req.to = to;
	req.nto = 1;
	req.subject = "\xff\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
	    "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
	    "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
	    "\x80\x80\x80\x80\x80\x80\x80\x80\x80";
	req.message = msg.buf;
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	mails_sent++;
	assert_non_null(eml = read_mail(mails_sent, "eml"));
	assert_non_null(strstr(eml, "Subject: =?UTF-8?B?"));
	assert_non_null(body = strstr(eml, "\r\n\r\n"));
	strbuf_init(&joined);
	for (line = strtok_r(body + 4, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		assert_true(strlen(line) <= 998);
		strbuf_adds(&joined, line);
	}
	/* The same bytes, less the one newline between the two lines. */
	assert_int_equal(joined.len, msg.len - 1);
	assert_memory_equal(joined.buf, msg.buf, 2400);
	assert_memory_equal(joined.buf + 2400, msg.buf + 2401, 1500);
	strbuf_free(&joined);
	strbuf_free(&msg);
	free(eml);
}

/* --- masking and drills --- */

static void
test_secret_masked_before_sending(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	const char		*secrets[] = { "hunter2-XYZ" };
	const char		*to[] = { "oncall@example.test" };
	json_t			*body;
	char			*u = web_url("/hook/generic"), *eml;

	req.kind = NOTIFY_WEBHOOK;
	req.url = u;
	req.message = "restore with password hunter2-XYZ now";
	req.secrets = secrets;
	req.nsecrets = 1;
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	body = hook_body();
	assert_string_equal(jget(body, "text"), "restore with password **** now");
	json_decref(body);
	assert_non_null(strstr(fx->r.out.buf, "note: 1 secret value in the "
	    "message replaced by **** before sending\n"));
	assert_null(strstr(fx->r.out.buf, "hunter2"));
	assert_null(strstr(fx->r.ev_text, "hunter2"));
	assert_int_equal(json_integer_value(json_object_get(fx->r.ev, "masked")),
	    1);

	/* Email: the subject and the body both. */
	u = smtp_url();
	req.kind = NOTIFY_EMAIL;
	req.smtp_url = u;
	req.url = NULL;
	req.from = "dr@example.test";
	req.to = to;
	req.nto = 1;
	req.subject = "key hunter2-XYZ rotated";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	mails_sent++;
	assert_non_null(eml = read_mail(mails_sent, "eml"));
	assert_null(strstr(eml, "hunter2"));
	assert_non_null(strstr(eml, "Subject: key **** rotated\r\n"));
	assert_non_null(strstr(eml, "restore with password **** now\r\n"));
	free(eml);
	assert_non_null(strstr(fx->r.out.buf, "note: 2 secret values"));
	assert_null(strstr(fx->r.ev_text, "hunter2"));
}

static void
test_drill_prefix(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	const char		*to[] = { "oncall@example.test" };
	json_t			*body;
	char			*u = web_url("/hook/slack"), *eml;

	req.kind = NOTIFY_SLACK;
	req.url = u;
	req.message = "Failover started";
	req.drill_prefix = "[DRILL] ";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	body = hook_body();
	assert_string_equal(jget(body, "text"), "[DRILL] Failover started");
	assert_null(json_object_get(body, "channel"));
	json_decref(body);
	assert_true(json_is_true(json_object_get(fx->r.ev, "drill")));

	u = smtp_url();
	req.kind = NOTIFY_EMAIL;
	req.url = NULL;
	req.smtp_url = u;
	req.from = "dr@example.test";
	req.to = to;
	req.nto = 1;
	req.subject = "Failover";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	mails_sent++;
	assert_non_null(eml = read_mail(mails_sent, "eml"));
	assert_non_null(strstr(eml, "Subject: [DRILL] Failover\r\n"));
	assert_non_null(strstr(eml, "\r\n\r\n[DRILL] Failover started\r\n"));
	free(eml);
	assert_string_equal(ev_str(&fx->r, "subject"), "[DRILL] Failover");
}

static void
test_cancel(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	int64_t			 t0 = clock_mono_ms(), end = t0 + 3000;
	char			*u = web_url("/slow?ms=3000"), *cause;

	req.kind = NOTIFY_WEBHOOK;
	req.url = u;
	req.message = "slow";
	cause = try_start(fx, &req);
	assert_non_null(fx->ns);
	free(u);
	loop_run_once(fx->loop, 100);
	notify_cancel(fx->ns);
	assert_int_equal(fx->r.done_calls, 0);
	while (fx->r.done_calls == 0 && clock_mono_ms() < end)
		loop_run_once(fx->loop, 50);
	assert_int_equal(fx->r.done_calls, 1);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason, "cancelled");
	assert_true(fx->r.done_at - t0 < 1500);
	free(cause);
}

static void
test_timeout(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	int64_t			 t0 = clock_mono_ms();
	char			*u = web_url("/slow?ms=3000");

	req.kind = NOTIFY_SLACK;
	req.url = u;
	req.message = "slow";
	req.timeout_ms = 300;
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 0);
	assert_non_null(strstr(fx->r.reason, "slack: timed out: "));
	assert_true(fx->r.done_at - t0 < 1500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_slack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slack_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_webhook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statuspage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statuspage_checks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_email, setup, teardown),
		cmocka_unit_test_setup_teardown(test_email_failures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_email_utf8_subject, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_email_long_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_masked_before_sending,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_drill_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	};

	if (!pyserver_have_python3()) {
		fprintf(stderr, "test_notify: skipped, no python3 on PATH\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
