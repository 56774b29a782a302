/* notify_incident.h: the notifications of the incident tools teams already
 * page with: PagerDuty's Events API v2 (trigger, acknowledge, resolve) and
 * Opsgenie alerts (create, close). The incident id is PagerDuty's dedup key
 * and Opsgenie's alias, so every step of one incident acts on one page.
 * Each request is built here with jansson; notify.c sends it. */
#ifndef DRC_NOTIFY_INCIDENT_H
#define DRC_NOTIFY_INCIDENT_H

#include "notify.h"

#define PAGERDUTY_EVENTS_URL "https://events.pagerduty.com/v2/enqueue"
#define OPSGENIE_ALERTS_URL "https://api.opsgenie.com/v2/alerts"

/* The words each key accepts, the first the default; NULL-terminated. One
 * list for lint and for the step. */
extern const char *const notify_pagerduty_events[];
extern const char *const notify_pagerduty_severities[];
extern const char *const notify_opsgenie_events[];
extern const char *const notify_opsgenie_priorities[];

/* value is one of words (NULL: the default, fine); else NULL-terminated
 * message naming key and the words. */
char *notify_word_check(const char *key, const char *value, const char *const *words);

/* A request complete enough to send: 0, or -1 with *cause. */
int notify_pagerduty_check(const struct notify_request *req, char **cause);
int notify_opsgenie_check(const struct notify_request *req, char **cause);

/* The URL and JSON body to POST; text is the message as sent (drill prefix
 * on, secrets out). 0, or -1 with *cause. */
int notify_pagerduty_request(const struct notify_request *req, const char *text, char **url,
    char **body, char **cause);
int notify_opsgenie_request(const struct notify_request *req, const char *text, char **url,
    char **body, char **cause);

#endif
