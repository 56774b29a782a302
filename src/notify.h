/* notify.h: the notify step kind: a Slack incoming webhook, a generic JSON
 * webhook, a Statuspage-style API, PagerDuty, Opsgenie, or an email through
 * SMTP, all on the loop's curl multi. A notification that is not accepted fails the step. */
#ifndef DRC_NOTIFY_H
#define DRC_NOTIFY_H

#include <stdint.h>

#include "action.h"
#include "httpstep.h"
#include "runbook.h"

struct notify_request {
	int			 kind;		/* NOTIFY_SLACK, ... */
	const char		*url;		/* slack, webhook, statuspage API base */
	const char		*channel;	/* slack; NULL: the webhook's own */
	const char		*message;
	const char		*component;	/* statuspage component id */
	const char		*status;	/* statuspage component status */
	const char		*api_key;	/* statuspage; always masked */
	const char		*smtp_url;	/* email: smtp:// or smtps:// */
	const char		*from;		/* email: "Name <addr>" or addr */
	const char		*subject;	/* email; statuspage incident name */
	const char *const	*to;		/* email recipients */
	int			 nto;
	const char		*drill_prefix;	/* "[DRILL] " or NULL */
	int64_t			 timeout_ms;	/* the whole notification; 0: none */
	const char *const	*secrets;	/* masked in the message and output */
	int			 nsecrets;
	const char		*incident_id;	/* webhook "incident"; may be NULL */
	int			 smtp_require_tls;	/* email: STARTTLS or fail */
	const char		*body;		/* webhook: the body, its template expanded; NULL: the default */
	const char		*routing_key;	/* pagerduty; always masked */
	const char		*event;		/* pagerduty, opsgenie: what to do; NULL the first */
	const char		*severity;	/* pagerduty trigger */
	const char		*priority;	/* opsgenie create */
};

struct notifystep;

/* "slack", "pagerduty"...: a kind's name as runbooks write it. */
const char *notify_kind_name(int kind);

/* Sends the notification; the outcome comes through io->done, never from
 * inside this call. Returns NULL and sets cause when the request is
 * incomplete or invalid (a missing url, an unknown statuspage status). */
struct notifystep *notify_start(struct httpctx *, const struct notify_request *,
    const struct action_io *, char **cause);
/* Stops at once; done (ok 0, "cancelled") follows on the next loop turn. */
void notify_cancel(struct notifystep *);
/* Frees; a running notification stops without done. Safe inside done. */
void notify_free(struct notifystep *);

#endif
