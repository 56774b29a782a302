/* follow_summary.c: one line in words for each journal event
 * (follow_summary), as the watch view's and replay's timelines show it:
 * a table of the events people read most, the rest by their members. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "follow.h"
#include "jschema.h"
#include "jsonget.h"
#include "strbuf.h"

static void
sum_duration(struct strbuf *b, const char *before, int64_t ms)
{
	char d[32];

	duration_format(ms, d, sizeof d);
	strbuf_addf(b, "%s%s", before, d);
}

static void
sum_run_start(json_t *ev, struct strbuf *b)
{
	strbuf_addf(b, "%s (%s) started by %s", jsonget_str(json_object_get(ev, "runbook"), "title") ?: "?",
	    jsonget_str(ev, "mode") ?: "?", jsonget_str(ev, "operator") ?: "?");
}

static void
sum_run_resume(json_t *ev, struct strbuf *b)
{
	strbuf_addf(b, "resumed by %s", jsonget_str(ev, "operator") ?: "?");
	if (jsonget_str(ev, "interrupted_step") != NULL)
		strbuf_addf(b, "; %s was interrupted", jsonget_str(ev, "interrupted_step"));
}

static void
sum_run_end(json_t *ev, struct strbuf *b)
{
	strbuf_addf(b, "run %s", jsonget_str(ev, "status") ?: "ended");
}

static void
sum_handoff(json_t *ev, struct strbuf *b)
{
	strbuf_addf(b, "%s handed over to %s", jsonget_str(ev, "from") ?: "?", jsonget_str(ev, "to") ?: "?");
}

static void
sum_step_start(json_t *ev, struct strbuf *b)
{
	const char *cmd = jsonget_str(ev, "command");

	strbuf_addf(b, "%s", jsonget_str(ev, "step") ?: "?");
	if (jsonget_int(ev, "attempt", 1) > 1)
		strbuf_addf(b, " attempt %lld", (long long)jsonget_int(ev, "attempt", 1));
	if (cmd != NULL && *cmd != '\0')
		strbuf_addf(b, ": %s", cmd);
}

static void
sum_step_end(json_t *ev, struct strbuf *b)
{
	const char *status = jsonget_str(ev, "status") ?: "?", *why = jsonget_str(ev, "reason");

	strbuf_addf(b, "%s %s", jsonget_str(ev, "step") ?: "?", status);
	if (json_object_get(ev, "duration_ms") != NULL && strcmp(status, "skipped") != 0)
		sum_duration(b, " in ", jsonget_int(ev, "duration_ms", 0));
	if (why != NULL && *why != '\0')
		strbuf_addf(b, ": %s", why);
	else if (strcmp(status, "ok") != 0 && jsonget_str(ev, "exit") != NULL)
		strbuf_addf(b, ": %s", jsonget_str(ev, "exit"));
}

static void
sum_step_retry(json_t *ev, struct strbuf *b)
{
	strbuf_addf(b, "%s: attempt %lld of %lld", jsonget_str(ev, "step") ?: "?",
	    (long long)jsonget_int(ev, "next_attempt", 0), (long long)jsonget_int(ev, "of", 0));
	sum_duration(b, " in ", jsonget_int(ev, "delay_ms", 0));
	if (jsonget_str(ev, "reason") != NULL && *jsonget_str(ev, "reason") != '\0')
		strbuf_addf(b, " after: %s", jsonget_str(ev, "reason"));
}

static void
sum_step_rollback(json_t *ev, struct strbuf *b)
{
	const char *phase = jsonget_str(ev, "phase") ?: "";

	if (strcmp(phase, "start") == 0)
		strbuf_addf(b, "%s: rollback started: %s", jsonget_str(ev, "step") ?: "?", jsonget_str(ev, "command") ?: "");
	else
		strbuf_addf(b, "%s: rollback %s", jsonget_str(ev, "step") ?: "?", jsonget_str(ev, "status") ?: "ended");
}

static void
sum_step_confirm(json_t *ev, struct strbuf *b)
{
	strbuf_addf(b, "%s: %s", jsonget_str(ev, "step") ?: "?", jsonget_str(ev, "how") ?: "confirmed");
}

static void
sum_decision(json_t *ev, struct strbuf *b)
{
	if (jsonget_str(ev, "step") != NULL)
		strbuf_addf(b, "%s: ", jsonget_str(ev, "step"));
	strbuf_adds(b, jsonget_str(ev, "decision") ?: "?");
}

static void
sum_note(json_t *ev, struct strbuf *b)
{
	strbuf_adds(b, jsonget_str(ev, "text") ?: "");
}

/* Any other event: the members people read, in a fixed order. */
static void
sum_other(json_t *ev, struct strbuf *b)
{
	static const char *const keys[] = { "step", "status", "decision", "reason", "text" };

	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		if (jsonget_str(ev, keys[k]) == NULL)
			continue;
		strbuf_adds(b, b->len > 0 ? " " : "");
		strbuf_adds(b, jsonget_str(ev, keys[k]));
	}
}

typedef void (*summary_fn)(json_t *, struct strbuf *);

/* The events people read most, by the schema's type; the others are
 * sum_other's. */
static const summary_fn summary_fns[JEV_COUNT] = {
	[JEV_RUN_START] = sum_run_start,
	[JEV_RUN_RESUME] = sum_run_resume,
	[JEV_RUN_END] = sum_run_end,
	[JEV_HANDOFF] = sum_handoff,
	[JEV_STEP_CONFIRM] = sum_step_confirm,
	[JEV_STEP_START] = sum_step_start,
	[JEV_STEP_END] = sum_step_end,
	[JEV_STEP_RETRY] = sum_step_retry,
	[JEV_STEP_ROLLBACK] = sum_step_rollback,
	[JEV_DECISION] = sum_decision,
	[JEV_NOTE] = sum_note,
};

char *
follow_summary(json_t *ev)
{
	enum js_event e = jschema_event(jsonget_str(ev, "event") ?: "");
	summary_fn fn = e != JEV_UNKNOWN && summary_fns[e] != NULL ? summary_fns[e] : sum_other;
	struct strbuf b;

	strbuf_init(&b);
	fn(ev, &b);
	/* One line on any screen. */
	for (char *p = b.buf; p != NULL && *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	}
	return strbuf_detach(&b);
}
