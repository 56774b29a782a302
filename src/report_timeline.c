/*
 * report_timeline.c: the postmortem's timeline and event lists. The fold
 * (runstate) gives every step's state; this pass, called with each line
 * after the fold took it, adds what only the events in their order give:
 * each line in words for the timeline, the notes, decisions, rollbacks,
 * retries and handoffs as they happened, and who took part. Events are
 * the fold's typed ones (one handler per enum js_event), never names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "clock.h"
#include "duration.h"
#include "jsonget.h"
#include "report_int.h"
#include "scorecard.h"
#include "strbuf.h"
#include "xmalloc.h"

#define NO_TIME JSONGET_NO_TIME
#define DUR_LEN 32

typedef void (*entry_fn)(struct report_pass *, json_t *, json_t *);


/* Sets key to the text of sb, which is freed. */
static void
put_sb(json_t *o, const char *key, struct strbuf *sb)
{
	json_object_set_new(o, key, jsonget_new_str(strbuf_str(sb)));
	strbuf_free(sb);
}

json_t *
report_jts(int64_t ms)
{
	char buf[CLOCK_RFC3339_LEN];

	if (ms == NO_TIME || ms == 0)
		return json_null();
	clock_format_rfc3339(ms, buf);
	return json_string(buf);
}

/* "3. restore", "restore" without an index, "?" without a step. */
static void
add_step_label(struct strbuf *sb, json_t *ev)
{
	const char *id = jsonget_str(ev, "step");
	int64_t index = jsonget_int(ev, "index", 0);

	if (id != NULL && index > 0)
		strbuf_addf(sb, "%lld. %s", (long long)index, id);
	else
		strbuf_adds(sb, jsonget_or_q(id));
}

/* " (exited 3, 2m05s)", or as much of it as ev has. */
static void
add_exit(struct strbuf *sb, json_t *ev)
{
	const char *exit = jsonget_str(ev, "exit");
	int64_t ms = jsonget_int(ev, "duration_ms", -1);
	char d[DUR_LEN];

	if (exit == NULL && ms < 0)
		return;
	duration_format_abs(ms, d, sizeof d);
	strbuf_addf(sb, " (%s%s%s)", exit != NULL ? exit : "",
	    exit != NULL && ms >= 0 ? ", " : "", ms >= 0 ? d : "");
}

json_t *
report_step_extra(struct report_pass *p, const char *id)
{
	json_t *x = json_object_get(p->steps, id);

	if (x == NULL) {
		x = json_pack("{s:[], s:[], s:n, s:n}", "retries", "decisions", "verify",
		    "output_sha256");
		json_object_set_new(p->steps, id, x);
	}
	return x;
}

static json_t *
extra_of(struct report_pass *p, json_t *ev)
{
	const char *id = jsonget_str(ev, "step");

	return id != NULL ? report_step_extra(p, id) : NULL;
}

static void
add_operator(struct report_pass *p, const char *name)
{
	if (name == NULL || *name == '\0' || json_object_get(p->opset, name) != NULL)
		return;
	json_object_set_new(p->opset, name, json_true());
	json_array_append_new(json_object_get(p->m, "operators"), json_string(name));
}

/* Everyone a line names: its writer, a note's author, a handoff's pair. */
static void
add_people(struct report_pass *p, json_t *ev)
{
	static const char *keys[] = { "operator", "by", "attested_by", "from", "to" };

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		add_operator(p, jsonget_str(ev, keys[i]));
}

/* --- each event in words --- */

static void
on_run_start(struct report_pass *p, json_t *ev, json_t *entry)
{
	json_t *rb = json_object_get(ev, "runbook");
	struct strbuf sb;

	p->runs++;
	strbuf_init(&sb);
	strbuf_addf(&sb, "runbook %s (%s) in %s mode on %s, drconsole %s, "
	    "pid %lld", jsonget_or_q(jsonget_str(rb, "id")),
	    jsonget_or_q(jsonget_str(rb, "title")), jsonget_or_q(jsonget_str(ev, "mode")),
	    jsonget_or_q(jsonget_str(ev, "host")),
	    jsonget_or_q(jsonget_str(ev, "version")),
	    (long long)jsonget_int(ev, "pid", 0));
	put_sb(entry, "summary", &sb);
}

static void
on_run_resume(struct report_pass *p, json_t *ev, json_t *entry)
{
	struct strbuf sb;

	(void)p;
	strbuf_init(&sb);
	strbuf_adds(&sb, "resumed");
	if (jsonget_int(ev, "previous_pid", 0) > 0)
		strbuf_addf(&sb, " (previous pid %lld)",
		    (long long)jsonget_int(ev, "previous_pid", 0));
	if (jsonget_str(ev, "interrupted_step") != NULL)
		strbuf_addf(&sb, "; step %s was interrupted",
		    jsonget_str(ev, "interrupted_step"));
	if (json_is_true(json_object_get(ev, "runbook_changed")))
		strbuf_adds(&sb, "; the runbook changed since the last run");
	put_sb(entry, "summary", &sb);
}

static void
on_run_end(struct report_pass *p, json_t *ev, json_t *entry)
{
	char d[DUR_LEN];
	struct strbuf sb;
	const char *name;
	json_t *v;
	const char *sep = " (";

	json_decref(p->last_end);
	p->last_end = json_incref(ev);
	strbuf_init(&sb);
	strbuf_adds(&sb, jsonget_or_q(jsonget_str(ev, "status")));
	if (jsonget_int(ev, "duration_ms", -1) >= 0) {
		duration_format_abs(jsonget_int(ev, "duration_ms", 0), d, sizeof d);
		strbuf_addf(&sb, " after %s", d);
	}
	json_object_foreach(json_object_get(ev, "steps"), name, v) {
		strbuf_addf(&sb, "%s%s %lld", sep, name,
		    (long long)json_integer_value(v));
		sep = ", ";
	}
	if (*sep == ',')
		strbuf_addch(&sb, ')');
	put_sb(entry, "summary", &sb);
}

static void
on_step_confirm(struct report_pass *p, json_t *ev, json_t *entry)
{
	struct strbuf sb;

	(void)p;
	strbuf_init(&sb);
	add_step_label(&sb, ev);
	strbuf_adds(&sb, " confirmed");
	if (strcmp(jsonget_or_q(jsonget_str(ev, "how")), "confirmed") != 0)
		strbuf_addf(&sb, " (%s)", jsonget_or_q(jsonget_str(ev, "how")));
	if (jsonget_str(ev, "attests") != NULL)
		strbuf_addf(&sb, ", attesting: %s", jsonget_str(ev, "attests"));
	put_sb(entry, "summary", &sb);
	json_object_set_new(entry, "text",
	    jsonget_new_str(jsonget_str(ev, "note")));
}

static void
on_step_start(struct report_pass *p, json_t *ev, json_t *entry)
{
	struct strbuf sb;

	(void)p;
	strbuf_init(&sb);
	add_step_label(&sb, ev);
	strbuf_addf(&sb, " started, attempt %lld (%s)",
	    (long long)jsonget_int(ev, "attempt", 1),
	    jsonget_or_q(jsonget_str(ev, "kind")));
	put_sb(entry, "summary", &sb);
	json_object_set_new(entry, "command",
	    jsonget_new_str(jsonget_str(ev, "command")));
}

static void
on_step_end(struct report_pass *p, json_t *ev, json_t *entry)
{
	json_t *x = extra_of(p, ev);
	struct strbuf sb;

	if (x != NULL && jsonget_str(ev, "output_sha256") != NULL)
		json_object_set(x, "output_sha256", json_object_get(ev, "output_sha256"));
	strbuf_init(&sb);
	add_step_label(&sb, ev);
	strbuf_addf(&sb, " %s", jsonget_or_q(jsonget_str(ev, "status")));
	add_exit(&sb, ev);
	if (jsonget_str(ev, "reason") != NULL)
		strbuf_addf(&sb, ": %s", jsonget_str(ev, "reason"));
	if (jsonget_str(ev, "attested_by") != NULL)
		strbuf_addf(&sb, "; attested by %s",
		    jsonget_str(ev, "attested_by"));
	if (jsonget_str(ev, "was") != NULL)
		strbuf_addf(&sb, "; it was %s", jsonget_str(ev, "was"));
	if (jsonget_str(ev, "output") != NULL)
		strbuf_addf(&sb, "; output %s, %lld line%s",
		    jsonget_str(ev, "output"),
		    (long long)jsonget_int(ev, "lines", 0),
		    jsonget_int(ev, "lines", 0) == 1 ? "" : "s");
	put_sb(entry, "summary", &sb);
	json_object_set_new(entry, "text",
	    jsonget_new_str(jsonget_str(ev, "note")));
}

static void
on_step_retry(struct report_pass *p, json_t *ev, json_t *entry)
{
	json_t *x = extra_of(p, ev);
	char d[DUR_LEN];
	struct strbuf sb;

	duration_format_abs(jsonget_int(ev, "delay_ms", 0), d, sizeof d);
	if (x != NULL)
		json_array_append_new(json_object_get(x, "retries"),
		    json_pack("{s:o, s:I, s:I, s:I, s:o}", "ts",
		    report_jts(jsonget_ts(ev)), "next_attempt",
		    (json_int_t)jsonget_int(ev, "next_attempt", 0), "of",
		    (json_int_t)jsonget_int(ev, "of", 0), "delay_ms",
		    (json_int_t)jsonget_int(ev, "delay_ms", 0), "reason",
		    jsonget_new_str(jsonget_str(ev, "reason"))));
	strbuf_init(&sb);
	add_step_label(&sb, ev);
	strbuf_addf(&sb, " will retry as attempt %lld of %lld in %s",
	    (long long)jsonget_int(ev, "next_attempt", 0),
	    (long long)jsonget_int(ev, "of", 0), d);
	if (jsonget_str(ev, "reason") != NULL &&
	    *jsonget_str(ev, "reason") != '\0')
		strbuf_addf(&sb, ": %s", jsonget_str(ev, "reason"));
	put_sb(entry, "summary", &sb);
}

/* The rollback a phase "end" finishes: the step's last unfinished one. */
static json_t *
open_rollback(struct report_pass *p, const char *step)
{
	json_t *all = json_object_get(p->m, "rollbacks"), *r;

	for (size_t i = json_array_size(all); i-- > 0;) {
		r = json_array_get(all, i);
		if (step != NULL &&
		    strcmp(jsonget_or_q(jsonget_str(r, "step")), step) == 0 &&
		    json_is_null(json_object_get(r, "status")))
			return r;
	}
	return NULL;
}

static json_t *
new_rollback(struct report_pass *p, json_t *ev)
{
	json_t *r = json_pack("{s:o, s:o, s:o, s:o, s:n, s:n, s:n, s:n, "
	    "s:n, s:n}", "step", jsonget_new_str(jsonget_str(ev, "step")),
	    "index", jsonget_new_int(jsonget_int(ev, "index", 0), 0),
	    "started", report_jts(jsonget_ts(ev)),
	    "operator", jsonget_new_str(jsonget_str(ev, "operator")),
	    "command", "status", "exit", "duration_ms", "output", "ended");

	json_array_append_new(json_object_get(p->m, "rollbacks"), r);
	return r;
}

/* Copies ev's key to r, null when ev has none. */
static void
copy_or_null(json_t *r, json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	json_object_set(r, key, v != NULL ? v : json_null());
}

static void
on_step_rollback(struct report_pass *p, json_t *ev, json_t *entry)
{
	const char *phase = jsonget_or_q(jsonget_str(ev, "phase"));
	json_t *r;
	struct strbuf sb;

	strbuf_init(&sb);
	add_step_label(&sb, ev);
	if (strcmp(phase, "start") == 0) {
		r = new_rollback(p, ev);
		copy_or_null(r, ev, "command");
		strbuf_adds(&sb, " rollback started");
		json_object_set_new(entry, "command",
		    jsonget_new_str(jsonget_str(ev, "command")));
	} else {
		if ((r = open_rollback(p, jsonget_str(ev, "step"))) == NULL)
			r = new_rollback(p, ev);
		json_object_set_new(r, "status",
		    jsonget_new_str(jsonget_str(ev, "status")));
		copy_or_null(r, ev, "exit");
		copy_or_null(r, ev, "duration_ms");
		copy_or_null(r, ev, "output");
		json_object_set_new(r, "ended", report_jts(jsonget_ts(ev)));
		strbuf_addf(&sb, " rollback %s",
		    jsonget_or_q(jsonget_str(ev, "status")));
		add_exit(&sb, ev);
	}
	put_sb(entry, "summary", &sb);
}

/* step.on_failure: a failed step's handler started, or how it ended. */
static void
on_step_on_failure(struct report_pass *p, json_t *ev, json_t *entry)
{
	const char *phase = jsonget_or_q(jsonget_str(ev, "phase"));
	struct strbuf sb;

	(void)p;
	strbuf_init(&sb);
	add_step_label(&sb, ev);
	if (strcmp(phase, "start") == 0) {
		strbuf_adds(&sb, " on_failure handler started");
		json_object_set_new(entry, "command", jsonget_new_str(jsonget_str(ev, "command")));
	} else {
		strbuf_addf(&sb, " on_failure handler %s", jsonget_or_q(jsonget_str(ev, "status")));
		add_exit(&sb, ev);
		if (jsonget_str(ev, "reason") != NULL)
			strbuf_addf(&sb, ": %s", jsonget_str(ev, "reason"));
	}
	put_sb(entry, "summary", &sb);
}

/* step.verify: the second action's result, as evidence for the step. */
static void
on_step_verify(struct report_pass *p, json_t *ev, json_t *entry)
{
	json_t *x = extra_of(p, ev), *v = json_object_get(ev, "verify");
	const char *phase = jsonget_or_q(jsonget_str(ev, "phase"));
	const char *status = jsonget_str(v, "status"), *reason = jsonget_str(v, "reason");
	const char *verdict = jsonget_str(v, "verdict");
	struct strbuf sb;

	strbuf_init(&sb);
	add_step_label(&sb, ev);
	if (strcmp(phase, "start") == 0)
		strbuf_addf(&sb, " verify (%s) started", jsonget_or_q(jsonget_str(ev, "kind")));
	else {
		strbuf_addf(&sb, " verify %s", jsonget_or_q(status));
		if (verdict != NULL)
			strbuf_addf(&sb, ": %s", verdict);
		if (reason != NULL)
			strbuf_addf(&sb, " (%s)", reason);
		if (x != NULL)
			json_object_set_new(x, "verify", json_pack("{s:o, s:o}", "status",
			    jsonget_new_str(status), "reason", jsonget_new_str(reason)));
	}
	put_sb(entry, "summary", &sb);
}

static void
on_decision(struct report_pass *p, json_t *ev, json_t *entry)
{
	json_t *x = extra_of(p, ev), *d;
	struct strbuf sb;

	d = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "line",
	    (json_int_t)p->line, "seq",
	    jsonget_new_int(jsonget_int(ev, "seq", 0), 0), "ts",
	    report_jts(jsonget_ts(ev)), "operator",
	    jsonget_new_str(jsonget_str(ev, "operator")), "step",
	    jsonget_new_str(jsonget_str(ev, "step")), "index",
	    jsonget_new_int(jsonget_int(ev, "index", 0), 0), "decision",
	    jsonget_new_str(jsonget_str(ev, "decision")));
	json_array_append(json_object_get(p->m, "decisions"), d);
	if (x != NULL)
		json_array_append(json_object_get(x, "decisions"), d);
	json_decref(d);
	strbuf_init(&sb);
	if (x != NULL) {
		add_step_label(&sb, ev);
		strbuf_adds(&sb, ": ");
	}
	strbuf_adds(&sb, jsonget_or_q(jsonget_str(ev, "decision")));
	put_sb(entry, "summary", &sb);
}

/* The postmortem section a note's first word tags it for ("root-cause:
 * the WAL volume filled"), and where its text after the tag begins; NULL
 * for an untagged note (an inject is never the team's finding). */
static const char *
note_tag(const char *text, const char **body)
{
	static const char *tags[] = {
		"root-cause", "action", "detection", "went-well", "went-badly", "lesson",
	};
	const char *p = text + strspn(text, " \t");

	for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++) {
		size_t n = strlen(tags[k]);

		if (strncasecmp(p, tags[k], n) == 0 && p[n] == ':') {
			*body = p + n + 1 + strspn(p + n + 1, " \t");
			return tags[k];
		}
	}
	return NULL;
}

static void
on_note(struct report_pass *p, json_t *ev, json_t *entry)
{
	int injected = json_is_true(json_object_get(ev, "injected"));
	const char *by = jsonget_str(ev, "by"), *text = jsonget_str(ev, "text"), *body = NULL;
	const char *tag = text != NULL && !injected ? note_tag(text, &body) : NULL;

	struct strbuf sb;

	json_array_append_new(json_object_get(p->m, "notes"),
	    json_pack("{s:I, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o}", "line",
	    (json_int_t)p->line, "ts", report_jts(jsonget_ts(ev)), "operator",
	    jsonget_new_str(jsonget_str(ev, "operator")), "text",
	    jsonget_new_str(text), "injected", injected,
	    "by", jsonget_new_str(by), "noted_at",
	    jsonget_new_str(jsonget_str(ev, "noted_at")), "tag", jsonget_new_str(tag),
	    "body", jsonget_new_str(body)));
	strbuf_init(&sb);
	if (injected)
		strbuf_addf(&sb, "INJECTED by %s", by != NULL ? by : "the facilitator");
	else if (by != NULL)
		strbuf_addf(&sb, "by %s, from another terminal", by);
	if (jsonget_str(ev, "noted_at") != NULL)
		strbuf_addf(&sb, ", written %s", jsonget_str(ev, "noted_at"));
	put_sb(entry, "summary", &sb);
	json_object_set_new(entry, "text",
	    jsonget_new_str(jsonget_str(ev, "text")));
}

static void
on_handoff(struct report_pass *p, json_t *ev, json_t *entry)
{
	const char *from = jsonget_str(ev, "from"), *to = jsonget_str(ev, "to");
	struct strbuf sb;

	json_array_append_new(json_object_get(p->m, "handoffs"),
	    json_pack("{s:o, s:o, s:o}", "ts", report_jts(jsonget_ts(ev)), "from",
	    jsonget_new_str(from), "to", jsonget_new_str(to)));
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s handed over to %s", jsonget_or_q(from),
	    jsonget_or_q(to));
	put_sb(entry, "summary", &sb);
}

/* Each event's words, by the fold's type; events without one are listed
 * with their name only. */
static const entry_fn entry_fns[JEV_COUNT] = {
	[JEV_RUN_START] = on_run_start,
	[JEV_RUN_RESUME] = on_run_resume,
	[JEV_RUN_END] = on_run_end,
	[JEV_STEP_CONFIRM] = on_step_confirm,
	[JEV_STEP_START] = on_step_start,
	[JEV_STEP_END] = on_step_end,
	[JEV_STEP_RETRY] = on_step_retry,
	[JEV_STEP_ROLLBACK] = on_step_rollback,
	[JEV_STEP_VERIFY] = on_step_verify,
	[JEV_STEP_ON_FAILURE] = on_step_on_failure,
	[JEV_DECISION] = on_decision,
	[JEV_NOTE] = on_note,
	[JEV_HANDOFF] = on_handoff,
};

int
report_observe(void *arg, const struct runstate *rs, const struct rs_event *e)
{
	struct report_pass *p = arg;
	json_t *ev = (json_t *)e->raw, *entry;

	p->line++;
	entry = json_pack("{s:I, s:o, s:o, s:o, s:o, s:s}", "line",
	    (json_int_t)p->line, "seq",
	    jsonget_new_int(jsonget_int(ev, "seq", 0), 0), "ts",
	    e->ts_ms != 0 ? report_jts(e->ts_ms) : jsonget_new_str(jsonget_str(ev, "ts")),
	    "operator", jsonget_new_str(jsonget_str(ev, "operator")), "event",
	    jsonget_new_str(e->name), "summary", "");
	if (e->ev != JEV_UNKNOWN && entry_fns[e->ev] != NULL)
		entry_fns[e->ev](p, ev, entry);
	add_people(p, ev);
	json_array_append_new(json_object_get(p->m, "timeline"), entry);
	if (p->card != NULL)
		scorecard_observe(p->card, rs, e);
	return 0;
}
