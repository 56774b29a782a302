/* test_notify_incident.c: PagerDuty (Events API v2) and Opsgenie alerts,
 * and a webhook body written as a template, against the loopback HTTP
 * server, which checks PagerDuty events as PagerDuty does and Opsgenie's
 * key. Each request is read back from the server's log field by field. */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "notify_fixture.h"

#define PD_KEY	"R0uting-KEY-0123456789abcdef"
#define OG_KEY	"0g-KEY-1234-5678-9abc"

/* The only request the server logged, and its body parsed. */
static json_t *
only_request(json_t **body)
{
	json_t		*lines = read_jsonl(&web, "requests.log"), *one;
	json_error_t	 err;

	assert_int_equal(json_array_size(lines), 1);
	one = json_incref(json_array_get(lines, 0));
	json_decref(lines);
	*body = json_loads(jget(one, "body"), 0, &err);
	if (*body == NULL)
		fail_msg("the request's body is not JSON: %s", err.text);
	return one;
}

/* The value of header name in a logged request, or NULL. */
static const char *
header(json_t *request, const char *name)
{
	json_t	*h;
	size_t	 i;

	json_array_foreach(json_object_get(request, "headers"), i, h) {
		if (strcasecmp(json_string_value(json_array_get(h, 0)), name) == 0)
			return json_string_value(json_array_get(h, 1));
	}
	return NULL;
}

/* Nothing the step showed, journaled or said holds the key. */
static void
key_never_shown(struct fixture *fx, const char *key)
{
	assert_null(strstr(fx->r.out.buf != NULL ? fx->r.out.buf : "", key));
	assert_null(strstr(fx->r.err.buf != NULL ? fx->r.err.buf : "", key));
	assert_null(strstr(fx->r.ev_text, key));
	assert_null(strstr(fx->r.reason, key));
}

static void
pd_request(struct notify_request *req, char *url, const char *event)
{
	memset(req, 0, sizeof *req);
	req->kind = NOTIFY_PAGERDUTY;
	req->url = url;
	req->routing_key = PD_KEY;
	req->event = event;
	req->message = "Primary database down\nFailing over to db2";
	req->incident_id = "20261207T2130Z-failover";
}

static void
test_pagerduty_trigger(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req;
	json_t			*rq, *body, *payload, *details;
	char			*u = web_url("/pagerduty/v2/enqueue"), host[256] = "";

	pd_request(&req, u, NULL);	/* no event: trigger */
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(fx->r.reason, "pagerduty answered 202");
	rq = only_request(&body);
	assert_string_equal(jget(rq, "method"), "POST");
	assert_string_equal(jget(rq, "path"), "/pagerduty/v2/enqueue");
	assert_string_equal(header(rq, "Content-Type"), "application/json");
	assert_null(header(rq, "Authorization"));
	assert_string_equal(jget(body, "routing_key"), PD_KEY);
	assert_string_equal(jget(body, "event_action"), "trigger");
	assert_string_equal(jget(body, "dedup_key"), "20261207T2130Z-failover");
	assert_string_equal(jget(body, "client"), "drconsole");
	assert_int_equal(json_object_size(body), 5);
	payload = json_object_get(body, "payload");
	assert_string_equal(jget(payload, "summary"), "Primary database down\nFailing over to db2");
	gethostname(host, sizeof host - 1);
	assert_string_equal(jget(payload, "source"), host);
	assert_string_equal(jget(payload, "severity"), "critical");
	assert_string_equal(jget(payload, "timestamp"), "2023-11-14T22:13:20.000Z");
	assert_string_equal(jget(payload, "component"), "drconsole");
	details = json_object_get(payload, "custom_details");
	assert_string_equal(jget(details, "incident"), "20261207T2130Z-failover");
	assert_string_equal(jget(details, "message"), "Primary database down\nFailing over to db2");
	assert_string_equal(ev_str(&fx->r, "event"), "trigger");
	assert_string_equal(ev_str(&fx->r, "incident"), "20261207T2130Z-failover");
	key_never_shown(fx, PD_KEY);
	json_decref(body);
	json_decref(rq);
}

/* Acknowledge and resolve name the incident by its dedup key, nothing more. */
static void
test_pagerduty_acknowledge_resolve(void **state)
{
	struct fixture		*fx = *state;
	const char		*events[] = { "acknowledge", "resolve" };
	struct notify_request	 req;
	json_t			*rq, *body;

	for (int i = 0; i < 2; i++) {
		char *u = web_url("/pagerduty/v2/enqueue");

		remove_state(&web, "requests.log");
		pd_request(&req, u, events[i]);
		req.severity = "warning";	/* a trigger's only: not sent */
		run_notify(fx, &req);
		free(u);
		assert_int_equal(fx->r.ok, 1);
		rq = only_request(&body);
		assert_string_equal(jget(body, "event_action"), events[i]);
		assert_string_equal(jget(body, "dedup_key"), "20261207T2130Z-failover");
		assert_string_equal(jget(body, "routing_key"), PD_KEY);
		assert_string_equal(jget(body, "client"), "drconsole");
		assert_int_equal(json_object_size(body), 4);
		key_never_shown(fx, PD_KEY);
		json_decref(body);
		json_decref(rq);
	}
}

static void
test_pagerduty_refusals(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req;
	char			*u = web_url("/pagerduty/v2/enqueue"), *cause;

	pd_request(&req, u, "snooze");
	cause = try_start(fx, &req);
	assert_string_equal(cause, "pagerduty event 'snooze' is not one of trigger, acknowledge, resolve");
	free(cause);
	pd_request(&req, u, NULL);
	req.severity = "sev1";
	cause = try_start(fx, &req);
	assert_string_equal(cause, "pagerduty severity 'sev1' is not one of critical, error, warning, info");
	free(cause);
	pd_request(&req, u, NULL);
	req.incident_id = NULL;
	cause = try_start(fx, &req);
	assert_string_equal(cause, "a pagerduty notification needs the incident id (its dedup key)");
	free(cause);
	pd_request(&req, u, NULL);
	req.routing_key = "";
	cause = try_start(fx, &req);
	assert_string_equal(cause, "a pagerduty notification needs a routing_key");
	free(cause);
	free(u);
	/* What PagerDuty refuses fails the step, the key masked in its answer. */
	u = web_url("/status/400");
	pd_request(&req, u, NULL);
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason, "pagerduty answered 400: status 400");
}

static void
og_request(struct notify_request *req, char *url, const char *event)
{
	memset(req, 0, sizeof *req);
	req->kind = NOTIFY_OPSGENIE;
	req->url = url;
	req->api_key = OG_KEY;
	req->event = event;
	req->message = "Primary database down\nFailing over to db2";
	req->incident_id = "INC/7";
}

static void
test_opsgenie_create(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req;
	json_t			*rq, *body, *tags;
	char			*u = web_url("/opsgenie/v2/alerts/"), longline[200];

	pyserver_write_state(&web, "api_key", OG_KEY);
	og_request(&req, u, NULL);	/* no event: create */
	req.drill_prefix = "[DRILL] ";
	run_notify(fx, &req);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(fx->r.reason, "opsgenie answered 202");
	rq = only_request(&body);
	assert_string_equal(jget(rq, "path"), "/opsgenie/v2/alerts");
	assert_string_equal(header(rq, "Authorization"), "GenieKey " OG_KEY);
	assert_string_equal(jget(body, "message"), "[DRILL] Primary database down");
	assert_string_equal(jget(body, "alias"), "INC/7");
	assert_string_equal(jget(body, "description"), "[DRILL] Primary database down\nFailing over to db2");
	assert_string_equal(jget(body, "priority"), "P1");
	assert_string_equal(jget(body, "source"), "drconsole");
	tags = json_object_get(body, "tags");
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "drconsole");
	assert_string_equal(json_string_value(json_array_get(tags, 1)), "drill");
	assert_int_equal(json_object_size(body), 6);
	key_never_shown(fx, OG_KEY);
	json_decref(body);
	json_decref(rq);

	/* Opsgenie's message holds 130 characters: a longer line is cut. */
	remove_state(&web, "requests.log");
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	og_request(&req, u, "create");
	req.message = longline;
	req.priority = "P3";
	run_notify(fx, &req);
	free(u);
	rq = only_request(&body);
	assert_int_equal(strlen(jget(body, "message")), 130);
	assert_int_equal(strlen(jget(body, "description")), 199);
	assert_string_equal(jget(body, "priority"), "P3");
	json_decref(body);
	json_decref(rq);
}

static void
test_opsgenie_close(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req;
	json_t			*rq, *body;
	char			*u = web_url("/opsgenie/v2/alerts");

	pyserver_write_state(&web, "api_key", OG_KEY);
	og_request(&req, u, "close");
	run_notify(fx, &req);
	assert_int_equal(fx->r.ok, 1);
	rq = only_request(&body);
	/* The alias is one path segment: its slash is encoded. */
	assert_string_equal(jget(rq, "path"), "/opsgenie/v2/alerts/INC%2F7/close?identifierType=alias");
	assert_string_equal(jget(body, "note"), "Primary database down\nFailing over to db2");
	assert_string_equal(jget(body, "source"), "drconsole");
	assert_string_equal(jget(body, "user"), "drconsole");
	assert_int_equal(json_object_size(body), 3);
	json_decref(body);
	json_decref(rq);

	/* A wrong key: Opsgenie's 422, the key shown nowhere. */
	og_request(&req, u, "close");
	req.api_key = "0g-KEY-wrong-000";
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason, "opsgenie answered 422: {\"message\": \"Key format is not valid!\"}");
	key_never_shown(fx, "0g-KEY-wrong-000");
}

/* A webhook body the runbook wrote is sent as it is, secrets masked. */
static void
test_webhook_template_body(void **state)
{
	struct fixture		*fx = *state;
	struct notify_request	 req = { 0 };
	const char		*secrets[] = { "S3cret-in-body" };
	json_t			*body;
	char			*u = web_url("/hook/custom");

	req.kind = NOTIFY_WEBHOOK;
	req.url = u;
	req.message = "Restore finished";
	req.body = "{\"event\": \"restore\", \"who\": \"a \\\"quoted\\\"\\nname\", \"token\": \"S3cret-in-body\", "
	    "\"n\": 3}";
	req.secrets = secrets;
	req.nsecrets = 1;
	run_notify(fx, &req);
	free(u);
	assert_int_equal(fx->r.ok, 1);
	body = hook_body();
	assert_string_equal(jget(body, "event"), "restore");
	assert_string_equal(jget(body, "who"), "a \"quoted\"\nname");
	assert_string_equal(jget(body, "token"), "****");
	assert_int_equal(json_integer_value(json_object_get(body, "n")), 3);
	assert_int_equal(json_object_size(body), 4);
	assert_non_null(strstr(fx->r.out.buf, "body:\n  {\"event\": \"restore\""));
	assert_null(strstr(fx->r.out.buf, "S3cret"));
	json_decref(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pagerduty_trigger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagerduty_acknowledge_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagerduty_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opsgenie_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opsgenie_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_webhook_template_body, setup, teardown),
	};

	if (!pyserver_have_python3()) {
		printf("python3 not found: skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
