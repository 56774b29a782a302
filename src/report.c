/*
 * report.c: the postmortem. It reads only the journal, which the engine
 * has already masked, so nothing here can reveal a secret. The journal is
 * first turned into a model: one JSON object holding every fact, which is
 * the JSON report as it stands. The Markdown report (report_md.c) is
 * rendered from that model, so the two formats cannot disagree; a drill's
 * model carries its scorecard (scorecard.c), built from the same lines.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "duration.h"
#include "jsonget.h"
#include "fileutil.h"
#include "incdir.h"
#include "inbox.h"
#include "jhead.h"
#include "junit.h"
#include "log.h"
#include "metrics.h"
#include "report.h"
#include "scorecard.h"
#include "strbuf.h"
#include "xmalloc.h"

#define NO_TIME JSONGET_NO_TIME
#define DUR_LEN 32
/* The name a param, a note or an event member gives the data lost. */
#define LOSS_MINUTES "data_loss_minutes"
#define LOSS_MS "data_loss_ms"

/* What the model holds while the journal is read, besides the model. */
struct build {
	json_t	*m;		/* the model */
	json_t	*byid;		/* step id -> its object in m's steps */
	json_t	*opset;		/* operator names seen, as keys */
	int64_t	 line;		/* 1-based line being read */
	int64_t	 first_ms;	/* ts of the first run.start */
	int64_t	 end_ms;	/* ts of the last run.end */
	int64_t	 open_line;	/* line of the last run.start or run.resume */
	int64_t	 end_line;	/* line of the last run.end */
	json_t	*last_end;	/* the last run.end line */
	int64_t	 rto_ms;	/* objectives, 0 when not set */
	int64_t	 rpo_ms;
	int64_t	 loss_ms;	/* data-loss window, -1 when not recorded */
	char	*loss_from;	/* where it was recorded */
};

typedef void (*build_fn)(struct build *, json_t *, json_t *);

/* The model's members, in the order the JSON report shows them. */
static const char *model_keys[] = {
	"incident", "title", "runbook", "mode", "modes", "live", "host",
	"version", "params", "operators", "handoffs", "runs", "resumes",
	"runbook_changed", "started", "ended", "outcome", "still_open",
	"elapsed_ms", "recovery_ms", "rto", "data_loss", "scorecard", "steps",
	"steps_not_reached", "rollbacks", "decisions", "notes",
	"notes_waiting", "timeline", "verification", "generated"
};

/* The members that are lists, empty until the journal fills them. */
static const char *model_lists[] = {
	"modes", "operators", "handoffs", "steps", "rollbacks", "decisions",
	"notes", "timeline"
};

static void
dur(int64_t ms, char buf[DUR_LEN])
{
	if (ms == 0)
		snprintf(buf, DUR_LEN, "0s");
	else
		duration_format(ms, buf, DUR_LEN);
}

/* Sets key to the text of sb, which is freed. */
static void
put_sb(json_t *o, const char *key, struct strbuf *sb)
{
	json_object_set_new(o, key, jsonget_new_str(strbuf_str(sb)));
	strbuf_free(sb);
}

/* RFC 3339 in UTC with milliseconds, or null. */
static json_t *
jts(int64_t ms)
{
	char buf[CLOCK_RFC3339_LEN];

	if (ms == NO_TIME)
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
	dur(ms, d);
	strbuf_addf(sb, " (%s%s%s)", exit != NULL ? exit : "",
	    exit != NULL && ms >= 0 ? ", " : "", ms >= 0 ? d : "");
}

/* --- the model: people, steps and data loss --- */

static void
add_operator(struct build *b, const char *name)
{
	if (name == NULL || *name == '\0' ||
	    json_object_get(b->opset, name) != NULL)
		return;
	json_object_set_new(b->opset, name, json_true());
	json_array_append_new(json_object_get(b->m, "operators"),
	    json_string(name));
}

/* Everyone a line names: its writer, a note's author, a handoff's pair. */
static void
add_people(struct build *b, json_t *ev)
{
	static const char *keys[] = {
		"operator", "by", "attested_by", "from", "to"
	};

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		add_operator(b, jsonget_str(ev, keys[i]));
}

/* Minutes as a JSON number or a numeric string, into ms; -1 if not. */
static int64_t
loss_minutes(json_t *v)
{
	const char *s = json_string_value(v);
	double min;
	char *end;

	if (json_is_number(v))
		min = json_number_value(v);
	else if (s != NULL) {
		min = strtod(s, &end);
		if (end == s || *(end + strspn(end, " \t")) != '\0')
			return -1;
	} else
		return -1;
	if (!(min >= 0 && min < 1e9))
		return -1;
	return (int64_t)(min * 60000 + 0.5);
}

/* A note "data_loss_minutes: 12" (or "=12", or "12"), then any words. */
static int64_t
loss_from_text(const char *text)
{
	size_t n = strlen(LOSS_MINUTES);
	const char *p = text + strspn(text, " \t");
	double min;
	char *end;

	if (strncmp(p, LOSS_MINUTES, n) != 0)
		return -1;
	p += n;
	p += strspn(p, " \t");
	if (*p == ':' || *p == '=')
		p++;
	min = strtod(p, &end);
	if (end == p || !(min >= 0 && min < 1e9) ||
	    (*end != '\0' && !isspace((unsigned char)*end)))
		return -1;
	return (int64_t)(min * 60000 + 0.5);
}

static void
set_loss(struct build *b, int64_t ms, char *from)
{
	if (ms < 0) {
		free(from);
		return;
	}
	/* A later record is a correction: the last one wins. */
	b->loss_ms = ms;
	free(b->loss_from);
	b->loss_from = from;
}

static void
add_loss(struct build *b, json_t *ev)
{
	const char *event = jsonget_or_q(jsonget_str(ev, "event"));
	int64_t ms = jsonget_int(ev, LOSS_MS, -1);

	if (ms >= 0)
		set_loss(b, ms, xprintf("%s on line %lld (%s)", LOSS_MS,
		    (long long)b->line, event));
	if ((ms = loss_minutes(json_object_get(ev, LOSS_MINUTES))) >= 0)
		set_loss(b, ms, xprintf("%s on line %lld (%s)", LOSS_MINUTES,
		    (long long)b->line, event));
	/* A runbook measures it: the capture data_loss_minutes of a step that
	 * ended ok (a failed verify leaves the capture in a failed step.end). */
	if (strcmp(jsonget_or_q(jsonget_str(ev, "status")), "ok") == 0 &&
	    (ms = loss_minutes(json_object_get(json_object_get(ev, "capture"), LOSS_MINUTES))) >= 0)
		set_loss(b, ms, xprintf("captured by step %s on line %lld", jsonget_or_q(jsonget_str(ev, "step")),
		    (long long)b->line));
	if (strcmp(event, "note") == 0 && jsonget_str(ev, "text") != NULL &&
	    (ms = loss_from_text(jsonget_str(ev, "text"))) >= 0)
		set_loss(b, ms, xprintf("note on line %lld", (long long)b->line));
}

/* The step a line is about, created on first sight. */
static json_t *
find_step(struct build *b, json_t *ev)
{
	const char *id = jsonget_str(ev, "step");
	int64_t index = jsonget_int(ev, "index", 0);
	json_t *s;

	if (id == NULL)
		return NULL;
	if ((s = json_object_get(b->byid, id)) != NULL) {
		if (index > 0 && !json_is_integer(json_object_get(s, "index")))
			json_object_set_new(s, "index", json_integer(index));
		return s;
	}
	s = json_pack("{s:o, s:s, s:s, s:i, s:n, s:n, s:n, s:n, s:n, s:n, "
	    "s:n, s:n, s:n, s:n, s:n, s:[], s:[], s:[], s:n}", "index",
	    jsonget_new_int(index, 0), "id", id, "status", "pending",
	    "attempts", 0, "duration_ms", "reason", "note", "exit", "exit_code", "command",
	    "output", "output_sha256", "lines", "attested_by", "was",
	    "outputs", "retries", "decisions", "rollback");
	json_array_append_new(json_object_get(b->m, "steps"), s);
	json_object_set(b->byid, id, s);
	return s;
}

static void
step_attempts(json_t *s, int64_t attempt)
{
	if (s != NULL && attempt > jsonget_int(s, "attempts", 0))
		json_object_set_new(s, "attempts", json_integer(attempt));
}

/* Copies ev's key to s; with replace, an absent key clears s's too. */
static void
step_copy(json_t *s, json_t *ev, const char *key, int replace)
{
	json_t *v = json_object_get(ev, key);

	if (v != NULL)
		json_object_set(s, key, v);
	else if (replace)
		json_object_set_new(s, key, json_null());
}

/* --- the model: one handler per event --- */

static void
build_run_start(struct build *b, json_t *ev, json_t *entry)
{
	json_t *rb = json_object_get(ev, "runbook"), *m = b->m, *obj;
	const char *mode = jsonget_str(ev, "mode"), *name;
	struct strbuf sb;
	json_t *v;
	size_t i;
	int found = 0;

	b->open_line = b->line;
	json_object_set_new(m, "runs",
	    json_integer(jsonget_int(m, "runs", 0) + 1));
	if (b->first_ms == NO_TIME)
		b->first_ms = jsonget_ts(ev);
	if (jsonget_int(m, "runs", 0) == 1) {
		json_object_set_new(m, "incident",
		    jsonget_new_str(jsonget_str(ev, "incident")));
		json_object_set_new(m, "title",
		    jsonget_new_str(jsonget_str(rb, "title")));
		json_object_set(m, "runbook", rb != NULL ? rb : json_null());
		json_object_set_new(m, "mode", jsonget_new_str(mode));
		json_object_set_new(m, "host",
		    jsonget_new_str(jsonget_str(ev, "host")));
		json_object_set_new(m, "version",
		    jsonget_new_str(jsonget_str(ev, "version")));
		if ((v = json_object_get(ev, "params")) != NULL)
			json_object_set(m, "params", v);
	}
	json_array_foreach(json_object_get(m, "modes"), i, v)
		found |= mode != NULL && strcmp(json_string_value(v), mode) == 0;
	if (mode != NULL && !found)
		json_array_append_new(json_object_get(m, "modes"),
		    json_string(mode));
	if (mode != NULL && strcmp(mode, "live") != 0)
		json_object_set_new(m, "live", json_false());
	obj = json_object_get(ev, "objectives");
	if (b->rto_ms <= 0)
		b->rto_ms = jsonget_int(obj, "rto_ms", 0);
	if (b->rpo_ms <= 0)
		b->rpo_ms = jsonget_int(obj, "rpo_ms", 0);
	json_object_foreach(json_object_get(ev, "params"), name, v) {
		if (strcmp(name, LOSS_MINUTES) == 0)
			set_loss(b, loss_minutes(v), xprintf("parameter %s "
			    "on line %lld", LOSS_MINUTES, (long long)b->line));
	}
	strbuf_init(&sb);
	strbuf_addf(&sb, "runbook %s (%s) in %s mode on %s, drconsole %s, "
	    "pid %lld", jsonget_or_q(jsonget_str(rb, "id")),
	    jsonget_or_q(jsonget_str(rb, "title")), jsonget_or_q(mode),
	    jsonget_or_q(jsonget_str(ev, "host")),
	    jsonget_or_q(jsonget_str(ev, "version")),
	    (long long)jsonget_int(ev, "pid", 0));
	put_sb(entry, "summary", &sb);
}

static void
build_run_resume(struct build *b, json_t *ev, json_t *entry)
{
	json_t *m = b->m;
	struct strbuf sb;

	b->open_line = b->line;
	json_object_set_new(m, "resumes",
	    json_integer(jsonget_int(m, "resumes", 0) + 1));
	strbuf_init(&sb);
	strbuf_adds(&sb, "resumed");
	if (jsonget_int(ev, "previous_pid", 0) > 0)
		strbuf_addf(&sb, " (previous pid %lld)",
		    (long long)jsonget_int(ev, "previous_pid", 0));
	if (jsonget_str(ev, "interrupted_step") != NULL)
		strbuf_addf(&sb, "; step %s was interrupted",
		    jsonget_str(ev, "interrupted_step"));
	if (json_is_true(json_object_get(ev, "runbook_changed"))) {
		strbuf_adds(&sb, "; the runbook changed since the last run");
		json_object_set_new(m, "runbook_changed", json_true());
	}
	put_sb(entry, "summary", &sb);
}

static void
build_run_end(struct build *b, json_t *ev, json_t *entry)
{
	char d[DUR_LEN];
	struct strbuf sb;
	const char *name;
	json_t *v;
	const char *sep = " (";

	b->end_line = b->line;
	b->end_ms = jsonget_ts(ev);
	b->last_end = ev;
	strbuf_init(&sb);
	strbuf_adds(&sb, jsonget_or_q(jsonget_str(ev, "status")));
	if (jsonget_int(ev, "duration_ms", -1) >= 0) {
		dur(jsonget_int(ev, "duration_ms", 0), d);
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
build_step_confirm(struct build *b, json_t *ev, json_t *entry)
{
	json_t *s = find_step(b, ev);
	struct strbuf sb;

	if (s != NULL) {
		/* Until its step.end, a confirmed step is unfinished. */
		json_object_set_new(s, "status", json_string("interrupted"));
		step_copy(s, ev, "note", 0);
	}
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
build_step_start(struct build *b, json_t *ev, json_t *entry)
{
	json_t *s = find_step(b, ev);
	struct strbuf sb;

	if (s != NULL) {
		json_object_set_new(s, "status", json_string("interrupted"));
		step_attempts(s, jsonget_int(ev, "attempt", 1));
		step_copy(s, ev, "command", 0);
	}
	strbuf_init(&sb);
	add_step_label(&sb, ev);
	strbuf_addf(&sb, " started, attempt %lld (%s)",
	    (long long)jsonget_int(ev, "attempt", 1),
	    jsonget_or_q(jsonget_str(ev, "kind")));
	put_sb(entry, "summary", &sb);
	json_object_set_new(entry, "command",
	    jsonget_new_str(jsonget_str(ev, "command")));
}

/* Records a step.end on its step: the last one decides. */
static void
step_end_apply(json_t *s, json_t *ev)
{
	int64_t d = jsonget_int(ev, "duration_ms", -1);

	json_object_set_new(s, "status",
	    jsonget_new_str(jsonget_str(ev, "status")));
	if (d >= 0)
		json_object_set_new(s, "duration_ms", json_integer(d +
		    jsonget_int(s, "duration_ms", 0)));
	step_attempts(s, jsonget_int(ev, "attempt", 0));
	if (jsonget_str(ev, "attested_by") != NULL)
		step_attempts(s, 1);
	step_copy(s, ev, "reason", 1);
	step_copy(s, ev, "exit", 1);
	step_copy(s, ev, "exit_code", 1);
	step_copy(s, ev, "note", 0);
	step_copy(s, ev, "output", 0);
	step_copy(s, ev, "output_sha256", 0);
	step_copy(s, ev, "lines", 0);
	step_copy(s, ev, "attested_by", 0);
	step_copy(s, ev, "was", 0);
	if (jsonget_str(ev, "output") != NULL)
		json_array_append_new(json_object_get(s, "outputs"),
		    json_pack("{s:o, s:s, s:o}", "attempt",
		    jsonget_new_int(jsonget_int(ev, "attempt", 0), 0), "path",
		    jsonget_str(ev, "output"), "lines",
		    jsonget_new_int(jsonget_int(ev, "lines", -1), -1)));
}

static void
build_step_end(struct build *b, json_t *ev, json_t *entry)
{
	json_t *s = find_step(b, ev);
	struct strbuf sb;

	if (s != NULL)
		step_end_apply(s, ev);
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
build_step_retry(struct build *b, json_t *ev, json_t *entry)
{
	json_t *s = find_step(b, ev);
	char d[DUR_LEN];
	struct strbuf sb;

	dur(jsonget_int(ev, "delay_ms", 0), d);
	if (s != NULL) {
		step_attempts(s, jsonget_int(ev, "next_attempt", 1) - 1);
		json_array_append_new(json_object_get(s, "retries"),
		    json_pack("{s:o, s:I, s:I, s:I, s:o}", "ts",
		    jts(jsonget_ts(ev)), "next_attempt",
		    (json_int_t)jsonget_int(ev, "next_attempt", 0), "of",
		    (json_int_t)jsonget_int(ev, "of", 0), "delay_ms",
		    (json_int_t)jsonget_int(ev, "delay_ms", 0), "reason",
		    jsonget_new_str(jsonget_str(ev, "reason"))));
	}
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
open_rollback(struct build *b, const char *step)
{
	json_t *all = json_object_get(b->m, "rollbacks"), *r;

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
new_rollback(struct build *b, json_t *ev)
{
	json_t *r = json_pack("{s:o, s:o, s:o, s:o, s:n, s:n, s:n, s:n, "
	    "s:n, s:n}", "step", jsonget_new_str(jsonget_str(ev, "step")),
	    "index", jsonget_new_int(jsonget_int(ev, "index", 0), 0),
	    "started", jts(jsonget_ts(ev)),
	    "operator", jsonget_new_str(jsonget_str(ev, "operator")),
	    "command", "status", "exit", "duration_ms", "output", "ended");

	json_array_append_new(json_object_get(b->m, "rollbacks"), r);
	return r;
}

static void
build_step_rollback(struct build *b, json_t *ev, json_t *entry)
{
	const char *phase = jsonget_or_q(jsonget_str(ev, "phase"));
	json_t *s = find_step(b, ev), *r;
	struct strbuf sb;

	strbuf_init(&sb);
	add_step_label(&sb, ev);
	if (strcmp(phase, "start") == 0) {
		r = new_rollback(b, ev);
		step_copy(r, ev, "command", 1);
		strbuf_adds(&sb, " rollback started");
		json_object_set_new(entry, "command",
		    jsonget_new_str(jsonget_str(ev, "command")));
	} else {
		if ((r = open_rollback(b, jsonget_str(ev, "step"))) == NULL)
			r = new_rollback(b, ev);
		json_object_set_new(r, "status",
		    jsonget_new_str(jsonget_str(ev, "status")));
		step_copy(r, ev, "exit", 1);
		step_copy(r, ev, "duration_ms", 1);
		step_copy(r, ev, "output", 1);
		json_object_set_new(r, "ended", jts(jsonget_ts(ev)));
		strbuf_addf(&sb, " rollback %s",
		    jsonget_or_q(jsonget_str(ev, "status")));
		add_exit(&sb, ev);
	}
	if (s != NULL)
		json_object_set(s, "rollback", json_object_get(r, "status"));
	put_sb(entry, "summary", &sb);
}

/* step.verify: the second action's result, as evidence for the step. */
static void
build_step_verify(struct build *b, json_t *ev, json_t *entry)
{
	json_t *s = find_step(b, ev), *v = json_object_get(ev, "verify");
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
		if (s != NULL)
			json_object_set_new(s, "verify", json_pack("{s:o, s:o}", "status",
			    jsonget_new_str(status), "reason", jsonget_new_str(reason)));
	}
	put_sb(entry, "summary", &sb);
}

static void
build_decision(struct build *b, json_t *ev, json_t *entry)
{
	json_t *s = find_step(b, ev), *d;
	struct strbuf sb;

	d = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "line",
	    (json_int_t)b->line, "seq",
	    jsonget_new_int(jsonget_int(ev, "seq", 0), 0), "ts",
	    jts(jsonget_ts(ev)), "operator",
	    jsonget_new_str(jsonget_str(ev, "operator")), "step",
	    jsonget_new_str(jsonget_str(ev, "step")), "index",
	    jsonget_new_int(jsonget_int(ev, "index", 0), 0), "decision",
	    jsonget_new_str(jsonget_str(ev, "decision")));
	json_array_append(json_object_get(b->m, "decisions"), d);
	if (s != NULL)
		json_array_append(json_object_get(s, "decisions"), d);
	json_decref(d);
	strbuf_init(&sb);
	if (s != NULL) {
		add_step_label(&sb, ev);
		strbuf_adds(&sb, ": ");
	}
	strbuf_adds(&sb, jsonget_or_q(jsonget_str(ev, "decision")));
	put_sb(entry, "summary", &sb);
}

static void
build_note(struct build *b, json_t *ev, json_t *entry)
{
	int injected = json_is_true(json_object_get(ev, "injected"));
	const char *by = jsonget_str(ev, "by");
	struct strbuf sb;

	json_array_append_new(json_object_get(b->m, "notes"),
	    json_pack("{s:I, s:o, s:o, s:o, s:b, s:o, s:o}", "line",
	    (json_int_t)b->line, "ts", jts(jsonget_ts(ev)), "operator",
	    jsonget_new_str(jsonget_str(ev, "operator")), "text",
	    jsonget_new_str(jsonget_str(ev, "text")), "injected", injected,
	    "by", jsonget_new_str(by), "noted_at",
	    jsonget_new_str(jsonget_str(ev, "noted_at"))));
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
build_handoff(struct build *b, json_t *ev, json_t *entry)
{
	const char *from = jsonget_str(ev, "from"), *to = jsonget_str(ev, "to");
	struct strbuf sb;

	json_array_append_new(json_object_get(b->m, "handoffs"),
	    json_pack("{s:o, s:o, s:o}", "ts", jts(jsonget_ts(ev)), "from",
	    jsonget_new_str(from), "to", jsonget_new_str(to)));
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s handed over to %s", jsonget_or_q(from),
	    jsonget_or_q(to));
	put_sb(entry, "summary", &sb);
}

static const struct {
	const char	*event;
	build_fn	 fn;
} build_table[] = {
	{ "run.start", build_run_start },
	{ "run.resume", build_run_resume },
	{ "run.end", build_run_end },
	{ "step.confirm", build_step_confirm },
	{ "step.start", build_step_start },
	{ "step.end", build_step_end },
	{ "step.retry", build_step_retry },
	{ "step.rollback", build_step_rollback },
	{ "step.verify", build_step_verify },
	{ "decision", build_decision },
	{ "note", build_note },
	{ "handoff", build_handoff },
};

/* Adds line b->line to the timeline and to whatever it is about. */
static void
build_event(struct build *b, json_t *ev)
{
	const char *event = jsonget_str(ev, "event");
	int64_t ms = jsonget_ts(ev);
	json_t *entry;

	entry = json_pack("{s:I, s:o, s:o, s:o, s:o, s:s}", "line",
	    (json_int_t)b->line, "seq",
	    jsonget_new_int(jsonget_int(ev, "seq", 0), 0), "ts",
	    ms != NO_TIME ? jts(ms) : jsonget_new_str(jsonget_str(ev, "ts")),
	    "operator", jsonget_new_str(jsonget_str(ev, "operator")), "event",
	    jsonget_new_str(event), "summary", "");
	if (!json_is_object(ev)) {
		json_object_set_new(entry, "event", json_string("unreadable"));
		json_object_set_new(entry, "summary", json_string("the line is "
		    "not a JSON object"));
	}
	for (size_t i = 0; event != NULL &&
	    i < sizeof build_table / sizeof build_table[0]; i++) {
		if (strcmp(event, build_table[i].event) == 0)
			build_table[i].fn(b, ev, entry);
	}
	add_people(b, ev);
	add_loss(b, ev);
	json_array_append_new(json_object_get(b->m, "timeline"), entry);
}

/* --- the model: what follows from all the lines --- */

int
report_step_order(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t i = jsonget_int(x, "index", INT64_MAX),
	    j = jsonget_int(y, "index", INT64_MAX);

	if (i != j)
		return i < j ? -1 : 1;
	/* qsort is not stable: fall back on the order of first sight. */
	i = jsonget_int(x, "seen", 0);
	j = jsonget_int(y, "seen", 0);
	return i < j ? -1 : i > j;
}

/* Orders steps as the runbook does, by index, and fills in gaps. */
static void
finish_steps(struct build *b)
{
	json_t *steps = json_object_get(b->m, "steps"), **v, *s, *sorted;
	size_t n = json_array_size(steps), i;

	v = xcalloc(n + 1, sizeof *v);
	json_array_foreach(steps, i, s) {
		json_object_set_new(s, "seen", json_integer((json_int_t)i));
		v[i] = s;
	}
	qsort(v, n, sizeof *v, report_step_order);
	sorted = json_array();
	for (i = 0; i < n; i++) {
		json_object_del(v[i], "seen");
		if (strcmp(jsonget_or_q(jsonget_str(v[i], "status")),
		    "interrupted") == 0 && jsonget_str(v[i], "reason") == NULL)
			json_object_set_new(v[i], "reason", json_string("it "
			    "never ended: the console stopped while it ran"));
		json_array_append(sorted, v[i]);
	}
	json_object_set_new(b->m, "steps", sorted);
	free(v);
	json_array_foreach(json_object_get(b->m, "rollbacks"), i, s) {
		if (json_is_null(json_object_get(s, "status")))
			json_object_set_new(s, "status",
			    json_string("interrupted"));
	}
}

static void
finish_rto(struct build *b, int64_t elapsed, int closed)
{
	const char *outcome = jsonget_str(b->m, "outcome");
	char obj[DUR_LEN], took[DUR_LEN], margin[DUR_LEN];
	int64_t diff = b->rto_ms - elapsed;
	const char *verdict;
	char *text;

	dur(b->rto_ms, obj);
	dur(elapsed, took);
	dur(diff < 0 ? -diff : diff, margin);
	if (b->rto_ms <= 0) {
		verdict = "none";
		text = xstrdup("RTO: no objective set");
	} else if (closed && strcmp(jsonget_or_q(outcome), "completed") != 0) {
		verdict = "not met";
		text = xprintf("RTO %s: not met: the run ended %s after %s",
		    obj, jsonget_or_q(outcome), took);
	} else if (diff < 0) {
		verdict = "missed";
		text = xprintf("RTO %s: missed by %s (%s%s)", obj, margin,
		    closed ? "" : "still open after ", took);
	} else if (!closed) {
		verdict = "open";
		text = xprintf("RTO %s: still open (%s elapsed, %s left)", obj,
		    took, margin);
	} else {
		verdict = "met";
		text = xprintf("RTO %s: met (%s, %s to spare)", obj, took,
		    margin);
	}
	json_object_set_new(b->m, "rto", json_pack("{s:o, s:s, s:o, s:s}",
	    "objective_ms", jsonget_new_int(b->rto_ms, 0), "verdict", verdict,
	    "margin_ms", b->rto_ms > 0 ? json_integer(diff < 0 ? -diff : diff) :
	    json_null(), "text", text));
	free(text);
}

static void
finish_rpo(struct build *b)
{
	char obj[DUR_LEN], lost[DUR_LEN], margin[DUR_LEN];
	int64_t diff = b->rpo_ms - b->loss_ms;
	const char *verdict;
	char *text;

	dur(b->rpo_ms, obj);
	dur(b->loss_ms, lost);
	dur(diff < 0 ? -diff : diff, margin);
	if (b->loss_ms < 0) {
		verdict = "not recorded";
		text = b->rpo_ms > 0 ? xprintf("RPO %s: not assessed (no %s "
		    "recorded)", obj, LOSS_MINUTES) : xprintf("RPO: no "
		    "objective set and no data loss recorded");
	} else if (b->rpo_ms <= 0) {
		verdict = "none";
		text = xprintf("RPO: no objective set (data loss window %s)",
		    lost);
	} else if (diff < 0) {
		verdict = "missed";
		text = xprintf("RPO %s: missed by %s (data loss window %s)",
		    obj, margin, lost);
	} else {
		verdict = "met";
		text = xprintf("RPO %s: met (data loss window %s, %s to spare)",
		    obj, lost, margin);
	}
	json_object_set_new(b->m, "data_loss", json_pack("{s:o, s:o, s:o, "
	    "s:s, s:o, s:s}", "window_ms", jsonget_new_int(b->loss_ms, -1),
	    "source", jsonget_new_str(b->loss_from),
	    "objective_ms", jsonget_new_int(b->rpo_ms, 0), "verdict",
	    verdict, "margin_ms", b->loss_ms >= 0 && b->rpo_ms > 0 ?
	    json_integer(diff < 0 ? -diff : diff) : json_null(), "text", text));
	free(text);
}

/* Start, end, outcome and elapsed time; "now" for a run still open. */
static void
finish_times(struct build *b, int64_t now)
{
	json_t *m = b->m, *pending;
	int closed = b->end_line > b->open_line && b->end_ms != NO_TIME;
	int64_t elapsed = 0;

	json_object_set_new(m, "started", jts(b->first_ms));
	json_object_set_new(m, "still_open", json_boolean(!closed));
	if (closed) {
		json_object_set_new(m, "ended", jts(b->end_ms));
		json_object_set_new(m, "outcome",
		    jsonget_new_str(jsonget_str(b->last_end, "status")));
	}
	if (b->first_ms != NO_TIME) {
		elapsed = (closed ? b->end_ms : now) - b->first_ms;
		json_object_set_new(m, "elapsed_ms", json_integer(elapsed));
		if (closed)
			json_object_set_new(m, "recovery_ms",
			    json_integer(elapsed));
	}
	pending = json_object_get(json_object_get(b->last_end, "steps"),
	    "pending");
	if (json_is_integer(pending))
		json_object_set(m, "steps_not_reached", pending);
	if (b->first_ms == NO_TIME)
		json_object_set_new(m, "rto", json_pack("{s:n, s:s, s:n, s:s}",
		    "objective_ms", "verdict", "unknown", "margin_ms", "text",
		    "RTO: unknown (no run.start in the journal)"));
	else
		finish_rto(b, elapsed, closed);
	finish_rpo(b);
}

/* A drill is measured against its own targets too. */
static void
finish_scorecard(struct build *b, json_t *events)
{
	json_t *mode;
	size_t i;

	json_array_foreach(json_object_get(b->m, "modes"), i, mode) {
		if (strcmp(json_string_value(mode), "drill") == 0) {
			json_object_set_new(b->m, "scorecard",
			    scorecard_build(events));
			return;
		}
	}
}

/* The last hash the journal records, verified or not. */
static const char *
last_hash(json_t *events)
{
	for (size_t i = json_array_size(events); i-- > 0;) {
		if (jsonget_str(json_array_get(events, i), "hash") != NULL)
			return jsonget_str(json_array_get(events, i), "hash");
	}
	return NULL;
}

static void
finish_verification(struct build *b, json_t *events,
    const struct report_check *chk)
{
	json_object_set_new(b->m, "verification", json_pack("{s:s, s:I, s:I, "
	    "s:o, s:o, s:b, s:o, s:b}", "status", chk->intact ? "intact" :
	    "broken", "lines", (json_int_t)chk->lines, "output_files",
	    (json_int_t)chk->outputs,
	    "bad_line", jsonget_new_int(chk->bad_line, 0),
	    "what", jsonget_new_str(chk->what), "torn_tail", chk->torn,
	    "final_hash", jsonget_new_str(chk->intact ? chk->final_hash :
	    last_hash(events)),
	    "final_hash_verified", chk->intact));
	json_object_set_new(json_object_get(b->m, "verification"),
	    "output_files_reread", json_boolean(chk->outputs_reread));
}

static json_t *
report_model(const char *dir, json_t *events, const struct report_check *chk)
{
	struct build b = { 0 };
	const char *base = strrchr(dir, '/');
	int64_t now = clock_wall_ms();
	json_t *ev;
	size_t i;

	b.m = json_object();
	for (i = 0; i < sizeof model_keys / sizeof model_keys[0]; i++)
		json_object_set_new(b.m, model_keys[i], json_null());
	json_object_set_new(b.m, "live", json_true());
	json_object_set_new(b.m, "runs", json_integer(0));
	json_object_set_new(b.m, "resumes", json_integer(0));
	json_object_set_new(b.m, "runbook_changed", json_false());
	for (i = 0; i < sizeof model_lists / sizeof model_lists[0]; i++)
		json_object_set_new(b.m, model_lists[i], json_array());
	b.byid = json_object();
	b.opset = json_object();
	b.first_ms = b.end_ms = NO_TIME;
	b.loss_ms = -1;
	json_array_foreach(events, i, ev) {
		b.line = (int64_t)i + 1;
		build_event(&b, ev);
	}
	if (json_is_null(json_object_get(b.m, "incident")))
		json_object_set_new(b.m, "incident", json_string(base != NULL &&
		    base[1] != '\0' ? base + 1 : dir));
	finish_steps(&b);
	finish_times(&b, now);
	finish_scorecard(&b, events);
	finish_verification(&b, events, chk);
	json_object_set_new(json_object_get(b.m, "verification"), "head", jhead_json(dir));
	json_object_set_new(b.m, "notes_waiting",
	    json_integer(inbox_pending(dir)));
	json_object_set_new(b.m, "generated", jts(now));
	json_decref(b.byid);
	json_decref(b.opset);
	free(b.loss_from);
	return b.m;
}

/* --- entry points --- */

int
report_render(const char *incident_dir, int format, char **out, char **cause)
{
	struct report_check chk;
	json_t *events, *m;
	char *text;
	int torn, outputs_too = !(format & REPORT_CHAIN_ONLY);

	format &= ~REPORT_CHAIN_ONLY;
	if (format == REPORT_JUNIT)
		return junit_render_dir(incident_dir, out, cause);
	if (format == REPORT_METRICS)
		return metrics_render_dir(incident_dir, out, cause);
	if (format != REPORT_MARKDOWN && format != REPORT_JSON) {
		*cause = xprintf("unknown report format %d", format);
		return -1;
	}
	if (report_load(incident_dir, &events, &torn, cause) != 0)
		return -1;
	if (report_verify(incident_dir, events, torn, outputs_too, &chk, cause) != 0) {
		json_decref(events);
		return -1;
	}
	m = report_model(incident_dir, events, &chk);
	if (format == REPORT_JSON) {
		if ((text = json_dumps(m, JSON_INDENT(2))) == NULL)
			fatalx("cannot serialise the report");
		*out = xprintf("%s\n", text);
		free(text);
	} else
		*out = report_md_render(m);
	json_decref(m);
	json_decref(events);
	report_check_clear(&chk);
	return 0;
}

int
report_save(const char *path, const char *text, char **cause)
{
	/* Not FILE_EXCL: a leftover from a crashed run with our pid is ours. */
	char *tmp = xprintf("%s.tmp.%ld", path, (long)getpid());
	int rc;

	rc = file_write_atomic(path, tmp, text, strlen(text), 0600, 0, cause);
	free(tmp);
	return rc;
}

/* Written through the incident directory's descriptor, which is checked
 * ours and private first: never through a link planted in it. */
int
report_write_postmortem(const char *incident_dir, int flags, char **cause)
{
	char *text, *path, *tmp;
	int rc, dfd;

	if (report_render(incident_dir, REPORT_MARKDOWN | flags, &text, cause) != 0)
		return -1;
	if ((dfd = incdir_open(incident_dir, 0, cause)) == -1) {
		free(text);
		return -1;
	}
	path = xprintf("%s/%s", incident_dir, REPORT_FILE);
	tmp = xprintf("%s.tmp.%ld", REPORT_FILE, (long)getpid());
	rc = file_write_atomic_at(dfd, REPORT_FILE, tmp, path, text, strlen(text), 0600, 0, cause);
	close(dfd);
	free(tmp);
	free(path);
	free(text);
	return rc;
}
