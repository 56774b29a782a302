/* notify_incident.c: PagerDuty and Opsgenie requests; see notify_incident.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "clock.h"
#include "notify_incident.h"
#include "strbuf.h"
#include "xmalloc.h"

/* The APIs' own limits, in bytes: longer text is cut at a character. */
#define PAGERDUTY_SUMMARY_MAX	1024
#define OPSGENIE_MESSAGE_MAX	130
#define OPSGENIE_DESCRIPTION_MAX	15000

const char *const notify_pagerduty_events[] = { "trigger", "acknowledge", "resolve", NULL };
const char *const notify_pagerduty_severities[] = { "critical", "error", "warning", "info", NULL };
const char *const notify_opsgenie_events[] = { "create", "close", NULL };
const char *const notify_opsgenie_priorities[] = { "P1", "P2", "P3", "P4", "P5", NULL };

char *
notify_word_check(const char *key, const char *value, const char *const *words)
{
	struct strbuf b;

	if (value == NULL)
		return NULL;
	for (int i = 0; words[i] != NULL; i++) {
		if (strcmp(value, words[i]) == 0)
			return NULL;
	}
	strbuf_init(&b);
	strbuf_addf(&b, "%s '%s' is not one of ", key, value);
	for (int i = 0; words[i] != NULL; i++)
		strbuf_addf(&b, "%s%s", i > 0 ? ", " : "", words[i]);
	return strbuf_detach(&b);
}

static const char *
or_default(const char *value, const char *const *words)
{
	return value != NULL && *value != '\0' ? value : words[0];
}

/* At most max bytes of s, cut back to a character boundary. */
static char *
cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return xstrdup(s);
	for (n = max; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		/* back to a character boundary */;
	return xstrndup(s, n);
}

static int
need(const char *value, const char *what, char **cause)
{
	if (value != NULL && *value != '\0')
		return 0;
	*cause = xprintf("%s", what);
	return -1;
}

static int
words_ok(const char *key, const char *value, const char *const *words, char **cause)
{
	return (*cause = notify_word_check(key, value != NULL && *value != '\0' ? value : NULL,
	    words)) == NULL ? 0 : -1;
}

int
notify_pagerduty_check(const struct notify_request *req, char **cause)
{
	if (need(req->routing_key, "a pagerduty notification needs a routing_key", cause) != 0 ||
	    need(req->incident_id, "a pagerduty notification needs the incident id (its dedup key)",
	    cause) != 0)
		return -1;
	return words_ok("pagerduty event", req->event, notify_pagerduty_events, cause) != 0 ||
	    words_ok("pagerduty severity", req->severity, notify_pagerduty_severities, cause) != 0 ?
	    -1 : 0;
}

int
notify_opsgenie_check(const struct notify_request *req, char **cause)
{
	if (need(req->api_key, "an opsgenie notification needs an api_key", cause) != 0 ||
	    need(req->incident_id, "an opsgenie notification needs the incident id (its alias)",
	    cause) != 0)
		return -1;
	return words_ok("opsgenie event", req->event, notify_opsgenie_events, cause) != 0 ||
	    words_ok("opsgenie priority", req->priority, notify_opsgenie_priorities, cause) != 0 ?
	    -1 : 0;
}

/* Serialises j (stolen); NULL with *cause. */
static char *
dump(json_t *j, char **cause)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (s == NULL)
		*cause = xstrdup("cannot build the JSON body");
	return s;
}

/* A trigger carries the page's text; acknowledge and resolve only name it. */
static json_t *
pagerduty_trigger_payload(const struct notify_request *req, const char *text)
{
	char host[256] = "drconsole", now[CLOCK_RFC3339_LEN], *summary = cut(text, PAGERDUTY_SUMMARY_MAX);
	json_t *p;

	if (gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "drconsole");
	clock_format_rfc3339(clock_wall_ms(), now);
	p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "summary", summary, "source", host,
	    "severity", or_default(req->severity, notify_pagerduty_severities), "timestamp", now,
	    "component", "drconsole", "custom_details", "message", text, "incident", req->incident_id);
	free(summary);
	return p;
}

int
notify_pagerduty_request(const struct notify_request *req, const char *text, char **url,
    char **body, char **cause)
{
	const char *event = or_default(req->event, notify_pagerduty_events);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "routing_key", req->routing_key,
	    "event_action", event, "dedup_key", req->incident_id, "client", "drconsole");

	if (j != NULL && strcmp(event, "trigger") == 0)
		json_object_set_new(j, "payload", pagerduty_trigger_payload(req, text));
	if ((*body = dump(j, cause)) == NULL)
		return -1;
	*url = xstrdup(req->url != NULL && *req->url != '\0' ? req->url : PAGERDUTY_EVENTS_URL);
	return 0;
}

/* The alerts URL without a trailing slash. */
static char *
opsgenie_base(const struct notify_request *req)
{
	const char *u = req->url != NULL && *req->url != '\0' ? req->url : OPSGENIE_ALERTS_URL;
	size_t n = strlen(u);

	return xstrndup(u, n - (n > 0 && u[n - 1] == '/'));
}

int
notify_opsgenie_request(const struct notify_request *req, const char *text, char **url,
    char **body, char **cause)
{
	char *base = opsgenie_base(req), *first = xstrndup(text, strcspn(text, "\n")), *message, *desc;
	char *alias;
	json_t *j;

	if (strcmp(or_default(req->event, notify_opsgenie_events), "close") == 0) {
		/* The alias is one path segment whatever it holds. */
		alias = curl_easy_escape(NULL, req->incident_id, 0);
		*url = xprintf("%s/%s/close?identifierType=alias", base, alias != NULL ? alias : "");
		curl_free(alias);
		desc = cut(text, OPSGENIE_DESCRIPTION_MAX);
		j = json_pack("{s:s, s:s, s:s}", "source", "drconsole", "user", "drconsole", "note", desc);
	} else {
		*url = xstrdup(base);
		message = cut(first, OPSGENIE_MESSAGE_MAX);
		desc = cut(text, OPSGENIE_DESCRIPTION_MAX);
		j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "message", message, "alias",
		    req->incident_id, "description", desc, "priority",
		    or_default(req->priority, notify_opsgenie_priorities), "source", "drconsole",
		    "tags", "drconsole");
		if (j != NULL && req->drill_prefix != NULL)
			json_array_append_new(json_object_get(j, "tags"), json_string("drill"));
		free(message);
	}
	free(desc);
	free(first);
	free(base);
	if ((*body = dump(j, cause)) == NULL) {
		free(*url);
		*url = NULL;
		return -1;
	}
	return 0;
}
