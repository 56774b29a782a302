/* runstate.c: the fold of an incident journal into a run state
 * (runstate.h). One handler per event, chosen by the schema's enum; each
 * copies what it needs out of the line, so no JSON outlives the line. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dataloss.h"
#include "journal.h"
#include "jsonget.h"
#include "outfile.h"
#include "runstate.h"
#include "xmalloc.h"

/* --- small helpers --- */

static void
set_str(char **field, const char *value)
{
	if (value == NULL && *field == NULL)
		return;
	if (value != NULL && *field != NULL && strcmp(*field, value) == 0)
		return;
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t
num(const json_t *o, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* Makes room for one more in a bounded list: past RS_LIST_MAX the oldest
 * is dropped (freed by drop) and counted. Returns the slot to fill. */
static void *
list_slot(void **v, size_t *n, size_t *dropped, size_t size, void (*drop)(void *))
{
	char *base;

	if (*n == RS_LIST_MAX) {
		base = *v;
		drop(base);
		memmove(base, base + size, (*n - 1) * size);
		(*n)--;
		(*dropped)++;
	} else if ((*n & (*n - 1)) == 0 || *n == 0)
		*v = xreallocarray(*v, *n == 0 ? 1 : *n * 2, size);
	base = *v;
	memset(base + *n * size, 0, size);
	return base + (*n)++ * size;
}
#define LIST_PUSH(list, drop) \
	list_slot((void **)&(list).v, &(list).n, &(list).dropped, sizeof *(list).v, drop)

static void
note_free(void *p)
{
	struct rs_note *n = p;

	free(n->by);
	free(n->operator);
	free(n->text);
}

static void
decision_free(void *p)
{
	struct rs_decision *d = p;

	free(d->text);
	free(d->operator);
}

static void
handoff_free(void *p)
{
	struct rs_handoff *h = p;

	free(h->from);
	free(h->to);
}

static void
resume_free(void *p)
{
	struct rs_resume *r = p;

	free(r->interrupted_step);
	free(r->forced);
	free(r->operator);
}

static void
attempt_free(struct rs_attempt *a)
{
	free(a->exit_desc);
	free(a->reason);
	free(a->command);
	free(a->output);
	memset(a, 0, sizeof *a);
}

static void
captures_free(struct rs_step *s)
{
	for (int k = 0; k < s->ncaptures; k++) {
		free(s->captures[k].name);
		free(s->captures[k].value);
	}
	free(s->captures);
	s->captures = NULL;
	s->ncaptures = 0;
}

static void
step_free(struct rs_step *s)
{
	free(s->id);
	free(s->kind);
	free(s->reason);
	free(s->note);
	free(s->confirm_how);
	free(s->attested_by);
	free(s->approved_by);
	for (int k = 0; k < s->nattempts; k++)
		attempt_free(&s->attempts[k]);
	free(s->attempts);
	attempt_free(&s->rollback);
	attempt_free(&s->on_failure);
	free(s->capture_name);
	free(s->capture_value);
	captures_free(s);
}

/* --- old journals: kinds their writers did not journal yet --- */

/* A skip without "skip": the words its writers used before the kind. */
static enum js_skip
rs_legacy_skip(const char *reason)
{
	static const struct { const char *prefix; enum js_skip kind; } words[] = {
		{ "drill:", JSKIP_DRILL },
		{ "dry run", JSKIP_DRY_RUN },
		{ "condition is false", JSKIP_WHEN },
		{ "interrupted; skipped", JSKIP_INTERRUPTED },
	};

	for (size_t k = 0; reason != NULL && k < sizeof words / sizeof words[0]; k++) {
		if (strncmp(reason, words[k].prefix, strlen(words[k].prefix)) == 0)
			return words[k].kind;
	}
	return JSKIP_OPERATOR;
}

/* A decision's kind: its "kind", else (older journals) the first word of
 * its text, by the schema's rule. */
static enum js_decision
decision_kind(const json_t *line)
{
	int k = jschema_decision_from(str(line, "kind"));

	return k >= 0 ? (enum js_decision)k : jschema_decision_of(str(line, "decision"));
}

/* Why an attempt did not end ok, from its status and members. */
static enum js_reason
reason_kind(enum js_status st, const json_t *line)
{
	json_t *code = json_object_get(line, "exit_code");
	const char *vst = str(json_object_get(line, "verify"), "status");

	switch (st) {
	case JSTATUS_TIMEOUT: return JREASON_TIMEOUT;
	case JSTATUS_CANCELLED: return JREASON_CANCELLED;
	case JSTATUS_INTERRUPTED: return JREASON_INTERRUPTED;
	case JSTATUS_FAILED: break;
	default: return JREASON_NONE;
	}
	if (vst != NULL && strcmp(vst, "ok") != 0)
		return JREASON_CHECK;
	if (json_is_integer(code))
		return json_integer_value(code) != 0 ? JREASON_EXIT : JREASON_CHECK;
	if (json_is_null(code))
		return JREASON_EXIT;	/* it ran, and a signal ended it */
	return JREASON_ERROR;
}

/* --- steps --- */

int
runstate_find_step(const struct runstate *rs, const char *id)
{
	if (id == NULL)
		return -1;
	if (rs->hint >= 0 && rs->hint < rs->nsteps && strcmp(rs->steps[rs->hint].id, id) == 0)
		return rs->hint;
	for (int i = 0; i < rs->nsteps; i++) {
		if (strcmp(rs->steps[i].id, id) == 0)
			return i;
	}
	return -1;
}

/* The step a line is about, made on first sight when create (a step
 * event: not a decision or a refused approval, whose step names may be
 * anyone's words); -1 none (or no room). */
static int
line_step(struct runstate *rs, const json_t *line, int create)
{
	const char *id = str(line, "step");
	struct rs_step *s;
	int i;

	if (id == NULL)
		return -1;
	if ((i = runstate_find_step(rs, id)) >= 0)
		return rs->hint = i;
	if (!create)
		return -1;
	if (rs->nsteps == RS_STEPS_MAX) {
		rs->steps_dropped++;
		return -1;
	}
	if ((rs->nsteps & (rs->nsteps - 1)) == 0)
		rs->steps = xreallocarray(rs->steps, rs->nsteps == 0 ? 1 : (size_t)rs->nsteps * 2, sizeof *rs->steps);
	s = &rs->steps[rs->nsteps];
	memset(s, 0, sizeof *s);
	s->id = xstrdup(id);
	s->index = (int)num(line, "index", 0);
	s->status = JSTATUS_PENDING;
	s->skip = JSKIP_COUNT;
	return rs->hint = rs->nsteps++;
}

/* A new attempt of s; past RS_ATTEMPTS_KEPT the oldest of the newest half
 * makes room, so the first ones and the latest ones are kept. */
static struct rs_attempt *
attempt_push(struct rs_step *s, int n)
{
	struct rs_attempt *a;

	if (s->nattempts == RS_ATTEMPTS_KEPT) {
		int mid = RS_ATTEMPTS_KEPT / 2;

		attempt_free(&s->attempts[mid]);
		memmove(&s->attempts[mid], &s->attempts[mid + 1], (size_t)(s->nattempts - mid - 1) * sizeof *a);
		s->nattempts--;
	} else if ((s->nattempts & (s->nattempts - 1)) == 0)
		s->attempts = xreallocarray(s->attempts, s->nattempts == 0 ? 1 : (size_t)s->nattempts * 2,
		    sizeof *s->attempts);
	a = &s->attempts[s->nattempts++];
	memset(a, 0, sizeof *a);
	a->n = n;
	a->status = JSTATUS_RUNNING;
	a->exit_code = -1;
	a->lines = -1;
	s->nattempts_total++;
	return a;
}

static struct rs_attempt *
attempt_find(struct rs_step *s, int n)
{
	for (int k = s->nattempts - 1; k >= 0; k--) {
		if (s->attempts[k].n == n)
			return &s->attempts[k];
	}
	return NULL;
}

static char *
output_of(const struct rs_step *s, int attempt, enum js_output what)
{
	char *name = jschema_output_name(s->index, s->id, attempt, what);
	char *rel = xprintf("%s/%s", OUTFILE_DIR, name);

	free(name);
	return rel;
}

/* An attempt's ending, from step.end or a rollback's end. */
static void
attempt_end(struct rs_attempt *a, enum js_status st, const json_t *line, int64_t ts)
{
	json_t *code = json_object_get(line, "exit_code");

	a->status = st;
	a->end_ms = ts;
	a->duration_ms = num(line, "duration_ms", a->start_ms > 0 && ts >= a->start_ms ? ts - a->start_ms : 0);
	a->exit_code = json_is_integer(code) ? (int)json_integer_value(code) : -1;
	set_str(&a->exit_desc, str(line, "exit"));
	set_str(&a->reason, str(line, "reason"));
	a->reason_kind = reason_kind(st, line);
	if (str(line, "output") != NULL)
		set_str(&a->output, str(line, "output"));
	a->lines = num(line, "lines", a->lines);
}

/* --- the events --- */

static void
on_run_start(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	const json_t *rb = json_object_get(line, "runbook"), *obj = json_object_get(line, "objectives");
	const json_t *plan = json_object_get(line, "drill_plan"), *params = json_object_get(line, "params");
	const char *mode = str(line, "mode"), *name;
	json_t *v;
	int m;

	(void)i;
	rs->started = 1;
	rs->open = 1;
	rs->schema = (int)num(line, "schema", 0);
	if (rs->started_ms == 0)	/* an old journal's second run.start: the run began at the first */
		rs->started_ms = ts;
	set_str(&rs->started_by, str(line, "operator"));
	/* Before "mode", a drill was marked by "drill" alone (true, or once
	 * its plan as an object). */
	m = mode != NULL ? jschema_mode_from(mode) : json_is_true(json_object_get(line, "drill")) ||
	    json_is_object(json_object_get(line, "drill")) || json_is_object(plan) ? JMODE_DRILL : JMODE_LIVE;
	rs->mode_known = m >= 0;
	rs->mode = m >= 0 ? (enum js_mode)m : JMODE_LIVE;
	set_str(&rs->environment, str(line, "environment"));
	set_str(&rs->runbook_id, str(rb, "id"));
	set_str(&rs->runbook_title, str(rb, "title"));
	set_str(&rs->runbook_path, str(rb, "path"));
	set_str(&rs->runbook_sha256, str(rb, "sha256"));
	set_str(&rs->scenario, str(rb, "scenario"));
	set_str(&rs->executor, str(rb, "executor"));
	set_str(&rs->classification, str(rb, "classification"));
	set_str(&rs->incident, str(line, "incident"));
	set_str(&rs->host, str(line, "host"));
	set_str(&rs->version, str(line, "version"));
	rs->pid = (long)num(line, "pid", 0);
	rs->rto_ms = num(obj, "rto_ms", 0);
	rs->rpo_ms = num(obj, "rpo_ms", 0);
	rs->drill_target_rto_ms = num(plan, "target_rto_ms", 0);
	json_object_foreach((json_t *)params, name, v) {
		struct rs_param *p;

		if (runstate_param(rs, name) != NULL || (!json_is_string(v) && !json_is_null(v)))
			continue;
		rs->params = xreallocarray(rs->params, (size_t)rs->nparams + 1, sizeof *rs->params);
		p = &rs->params[rs->nparams++];
		p->name = xstrdup(name);
		p->value = json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
		p->masked = p->value != NULL && strcmp(p->value, JSCHEMA_MASKED) == 0;
	}
}

/* A resume means the console that ran a step died: its attempt's outcome
 * is unknown, and the step stays interrupted until it ends anew. */
static void
interrupt_running(struct runstate *rs)
{
	struct rs_step *s;
	struct rs_attempt *a;

	if (rs->running < 0)
		return;
	s = &rs->steps[rs->running];
	a = s->nattempts > 0 ? &s->attempts[s->nattempts - 1] : NULL;
	if (a != NULL && a->end_ms == 0) {
		a->status = JSTATUS_INTERRUPTED;
		a->reason_kind = JREASON_INTERRUPTED;	/* its end_ms stays 0: unknown */
	}
	s->status = JSTATUS_INTERRUPTED;
	s->reason_kind = JREASON_INTERRUPTED;
	s->retry_waiting = 0;
	rs->running = -1;
}

static void
on_run_resume(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	struct rs_resume *r = LIST_PUSH(rs->resumes, resume_free);

	(void)i;
	interrupt_running(rs);
	rs->open = 1;
	rs->pid = (long)num(line, "pid", rs->pid);
	r->ts_ms = ts;
	r->pid = (long)num(line, "pid", 0);
	r->previous_pid = (long)num(line, "previous_pid", 0);
	r->runbook_changed = json_is_true(json_object_get(line, "runbook_changed"));
	set_str(&r->interrupted_step, str(line, "interrupted_step"));
	set_str(&r->forced, str(line, "forced"));
	set_str(&r->operator, str(line, "operator"));
}

static void
on_run_end(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	int o = jschema_outcome_from(str(line, "status"));

	(void)i;
	rs->open = 0;
	rs->ended_ms = ts;
	rs->end_duration_ms = num(line, "duration_ms", rs->started_ms > 0 ? ts - rs->started_ms : 0);
	rs->outcome = o >= 0 ? (enum js_outcome)o : JOUTCOME_FAILED;
	set_str(&rs->outcome_word, str(line, "status"));
	set_str(&rs->outcome_reason, str(line, "reason"));
}

/* When a step with nothing journaled before was first offered: the end of
 * whatever came before it (a step, the start, a resume). */
static void
offer(struct runstate *rs, struct rs_step *s, int64_t ts)
{
	if (s->offered_ms == 0)
		s->offered_ms = rs->last_boundary_ms > 0 ? rs->last_boundary_ms : ts;
}

static void
on_step_confirm(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	struct rs_step *s = &rs->steps[i];

	offer(rs, s, ts);
	set_str(&s->confirm_how, str(line, "how"));
	if (str(line, "note") != NULL)
		set_str(&s->note, str(line, "note"));
}

static void
on_step_start(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	struct rs_step *s = &rs->steps[i];
	int n = (int)num(line, "attempt", s->nattempts_total + 1);
	struct rs_attempt *a = attempt_push(s, n);

	offer(rs, s, ts);
	a->start_ms = ts;
	set_str(&a->command, str(line, "command"));
	a->output = output_of(s, n, JOUT_ATTEMPT);
	if (s->first_start_ms == 0)
		s->first_start_ms = ts;
	if (str(line, "kind") != NULL)
		set_str(&s->kind, str(line, "kind"));
	s->status = JSTATUS_RUNNING;
	s->retry_waiting = 0;
	rs->running = i;
	rs->last_step = i;
}

static void
end_capture(struct rs_step *s, const json_t *line)
{
	const json_t *cap = json_object_get(line, "capture");
	const char *name;
	json_t *v;

	s->capture_secret = json_is_true(json_object_get(line, "capture_secret"));
	captures_free(s);
	if (json_object_size(cap) > 0)
		s->captures = xcalloc(json_object_size(cap), sizeof *s->captures);
	json_object_foreach((json_t *)cap, name, v) {
		s->captures[s->ncaptures].name = xstrdup(name);
		s->captures[s->ncaptures++].value = json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
		set_str(&s->capture_name, name);
		set_str(&s->capture_value, s->capture_secret ? NULL : json_string_value(v));
	}
}

static void
on_step_end(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	struct rs_step *s = &rs->steps[i];
	int st = jschema_status_from(str(line, "status")), skip;
	json_t *n = json_object_get(line, "attempt");
	struct rs_attempt *a = NULL;

	offer(rs, s, ts);
	s->status = st >= 0 ? (enum js_status)st : JSTATUS_FAILED;
	if (json_is_integer(n) && (a = attempt_find(s, (int)json_integer_value(n))) == NULL)
		a = attempt_push(s, (int)json_integer_value(n));
	else if (a == NULL && str(line, "attested_by") != NULL)
		a = attempt_push(s, s->nattempts_total + 1);
	else if (a == NULL && s->status != JSTATUS_SKIPPED && s->nattempts > 0 &&
	    s->attempts[s->nattempts - 1].end_ms == 0 && str(line, "was") == NULL)
		/* An interrupted attempt a person later judged ("was") keeps
		 * its unknown end: the verdict is not when it stopped. */
		a = &s->attempts[s->nattempts - 1];
	if (a != NULL) {
		if (a->start_ms == 0)	/* a manual step: from its offer to its attestation */
			a->start_ms = str(line, "attested_by") != NULL ? s->offered_ms : ts;
		attempt_end(a, s->status, line, ts);
		if (str(line, "attested_by") != NULL)
			a->duration_ms = ts - a->start_ms;
		s->duration_ms = a->duration_ms;
		s->total_ms += a->duration_ms;
	}
	s->reason_kind = reason_kind(s->status, line);
	set_str(&s->reason, str(line, "reason"));
	if (str(line, "note") != NULL)
		set_str(&s->note, str(line, "note"));
	set_str(&s->attested_by, str(line, "attested_by"));
	skip = jschema_skip_from(str(line, "skip"));
	s->skip = s->status != JSTATUS_SKIPPED ? JSKIP_COUNT : skip >= 0 ? (enum js_skip)skip :
	    rs_legacy_skip(str(line, "reason"));
	s->interrupted_before |= str(line, "was") != NULL;
	if (json_object_get(line, "capture") != NULL || json_object_get(line, "capture_secret") != NULL)
		end_capture(s, line);
	s->end_ms = ts;
	s->retry_waiting = 0;
	if (rs->running == i)
		rs->running = -1;
}

static void
on_step_retry(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	(void)line;
	(void)ts;
	rs->steps[i].retry_waiting = 1;
	rs->steps[i].status = JSTATUS_RUNNING;
	rs->running = i;
}

static void
on_step_rollback(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	struct rs_step *s = &rs->steps[i];
	const char *phase = str(line, "phase"), *st = str(line, "status");

	if (phase != NULL && strcmp(phase, "start") == 0) {
		attempt_free(&s->rollback);
		s->rollback.n = ++s->nrollbacks;
		s->rollback.start_ms = ts;
		s->rollback.status = JSTATUS_RUNNING;
		s->rollback.exit_code = -1;
		s->rollback.lines = -1;
		set_str(&s->rollback.command, str(line, "command"));
		s->rollback.output = output_of(s, 0, JOUT_ROLLBACK);
		s->rollback_running = 1;
		return;
	}
	if (st == NULL)
		return;
	if (s->rollback.n == 0)
		s->rollback.n = ++s->nrollbacks;
	attempt_end(&s->rollback, strcmp(st, "ok") == 0 ? JSTATUS_OK : JSTATUS_FAILED, line, ts);
	s->rolled_back = strcmp(st, "ok") == 0 ? 1 : -1;
	s->rollback_running = 0;
	if (s->rolled_back > 0)		/* undone: the step may run again */
		s->status = JSTATUS_ROLLED_BACK;
}

/* A failed step's on_failure handler: its start, then its end (an end
 * alone: it could not start, and says why). The step keeps its status. */
static void
on_step_on_failure(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	struct rs_attempt *h = &rs->steps[i].on_failure;
	const char *phase = str(line, "phase"), *st = str(line, "status");
	int n = h->n;

	if (phase != NULL && strcmp(phase, "start") == 0) {
		attempt_free(h);
		h->n = n + 1;
		h->start_ms = ts;
		h->status = JSTATUS_RUNNING;
		h->exit_code = -1;
		h->lines = -1;
		set_str(&h->command, str(line, "command"));
		return;
	}
	if (st == NULL)
		return;
	if (h->status != JSTATUS_RUNNING) {	/* no start: a new run that never began */
		attempt_free(h);
		h->n = n + 1;
		h->exit_code = -1;
		h->lines = -1;
	}
	attempt_end(h, strcmp(st, "ok") == 0 ? JSTATUS_OK : JSTATUS_FAILED, line, ts);
}

static void
on_step_approved(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	set_str(&rs->steps[i].approved_by, str(line, "approved_by"));
	rs->steps[i].approved_ms = ts;
}

static void
on_decision(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	struct rs_decision *d = LIST_PUSH(rs->decisions, decision_free);

	d->ts_ms = ts;
	d->step = i;
	d->kind = decision_kind(line);
	set_str(&d->text, str(line, "decision"));
	set_str(&d->operator, str(line, "operator"));
	if (i >= 0)
		rs->steps[i].ndecisions++;
}

static void
on_handoff(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	struct rs_handoff *h = LIST_PUSH(rs->handoffs, handoff_free);

	(void)i;
	h->ts_ms = ts;
	set_str(&h->from, str(line, "from"));
	set_str(&h->to, str(line, "to"));
}

static void
on_note(struct runstate *rs, const json_t *line, int64_t ts, int i)
{
	struct rs_note *n = LIST_PUSH(rs->notes, note_free);

	(void)i;
	n->ts_ms = ts;
	n->injected = json_is_true(json_object_get(line, "injected"));
	n->step = rs->running >= 0 ? rs->running : rs->last_step;
	set_str(&n->by, str(line, "by"));
	set_str(&n->operator, str(line, "operator"));
	set_str(&n->text, str(line, "text"));
	rs->injects += n->injected;
}

typedef void (*rs_handler)(struct runstate *, const json_t *, int64_t, int);

/* Each event's handler; a step event is handled only with its step. */
static const struct {
	rs_handler fn;
	int needs_step;
} handlers[JEV_COUNT] = {
	[JEV_RUN_START] = { on_run_start, 0 },
	[JEV_RUN_RESUME] = { on_run_resume, 0 },
	[JEV_RUN_END] = { on_run_end, 0 },
	[JEV_STEP_CONFIRM] = { on_step_confirm, 1 },
	[JEV_STEP_START] = { on_step_start, 1 },
	[JEV_STEP_END] = { on_step_end, 1 },
	[JEV_STEP_RETRY] = { on_step_retry, 1 },
	[JEV_STEP_ROLLBACK] = { on_step_rollback, 1 },
	[JEV_STEP_ON_FAILURE] = { on_step_on_failure, 1 },
	[JEV_STEP_VERIFY] = { NULL, 1 },
	[JEV_STEP_APPROVED] = { on_step_approved, 1 },
	[JEV_APPROVAL_REFUSED] = { NULL, 0 },
	[JEV_DECISION] = { on_decision, 0 },
	[JEV_HANDOFF] = { on_handoff, 0 },
	[JEV_NOTE] = { on_note, 0 },
};

/* The data-loss window a line records; a later one corrects it. */
static void
take_loss(struct runstate *rs, const json_t *line, enum js_event ev)
{
	char *from;
	int64_t ms = dataloss_of_line(line, ev, rs->events + rs->bad_lines, &from);

	if (ms < 0)
		return;
	rs->loss_ms = ms;
	free(rs->loss_from);
	rs->loss_from = from;
}

/* --- the fold --- */

void
runstate_init(struct runstate *rs)
{
	memset(rs, 0, sizeof *rs);
	rs->mode = JMODE_LIVE;
	rs->mode_known = 1;
	rs->outcome = JOUTCOME_NONE;
	rs->running = -1;
	rs->last_step = -1;
	rs->last_event = JEV_UNKNOWN;
	rs->loss_ms = -1;
}

#define LIST_FREE(list, drop) do { \
	for (size_t k_ = 0; k_ < (list).n; k_++) \
		drop(&(list).v[k_]); \
	free((list).v); \
} while (0)

void
runstate_clear(struct runstate *rs)
{
	char **strs[] = { &rs->environment, &rs->runbook_id, &rs->runbook_title, &rs->runbook_path,
	    &rs->runbook_sha256, &rs->scenario, &rs->executor, &rs->classification, &rs->incident, &rs->host, &rs->version,
	    &rs->started_by, &rs->operator, &rs->outcome_word, &rs->outcome_reason, &rs->loss_from };

	for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
		free(*strs[k]);
	for (int k = 0; k < rs->nparams; k++) {
		free(rs->params[k].name);
		free(rs->params[k].value);
	}
	free(rs->params);
	for (int k = 0; k < rs->nsteps; k++)
		step_free(&rs->steps[k]);
	free(rs->steps);
	LIST_FREE(rs->notes, note_free);
	LIST_FREE(rs->decisions, decision_free);
	LIST_FREE(rs->handoffs, handoff_free);
	LIST_FREE(rs->resumes, resume_free);
	runstate_init(rs);
}

void
runstate_apply(struct runstate *rs, const json_t *line, struct rs_event *out)
{
	const char *name = str(line, "event");
	enum js_event ev = jschema_event(name);
	int64_t ts = 0;
	int i = -1;

	if (clock_parse_timestamp(str(line, "ts"), &ts) != 0)
		ts = 0;
	rs->events++;
	rs->last_seq = num(line, "seq", rs->last_seq + 1);
	if (ts > 0)
		rs->last_ms = ts;
	rs->last_event = ev;
	if (str(line, "operator") != NULL)
		set_str(&rs->operator, str(line, "operator"));
	rs->drill_marked |= json_is_true(json_object_get(line, "drill"));
	if (ev == JEV_UNKNOWN)
		rs->unknown++;
	else if (((i = line_step(rs, line, handlers[ev].needs_step)) >= 0 || !handlers[ev].needs_step) && handlers[ev].fn != NULL)
		handlers[ev].fn(rs, line, ts, i);
	if (ev == JEV_RUN_START || ev == JEV_RUN_RESUME || ev == JEV_STEP_END)
		rs->last_boundary_ms = ts;
	take_loss(rs, line, ev);
	if (out != NULL) {
		out->ev = ev;
		out->name = name;
		out->seq = rs->last_seq;
		out->ts_ms = ts;
		out->step = i;
		out->raw = line;
	}
}

int
runstate_feed(struct runstate *rs, const char *text, size_t len, struct rs_event *ev)
{
	json_error_t error;
	json_t *line = json_loadb(text, len, JSON_ALLOW_NUL, &error);

	if (!json_is_object(line)) {
		json_decref(line);
		rs->bad_lines++;
		return -1;
	}
	runstate_apply(rs, line, ev);
	json_decref(line);
	return 0;
}

struct rs_reader {
	struct runstate *rs;
	struct rs_load *how;
	int64_t lineno;
	char *cause;
	const char *dir;
};

static json_t *
parse_plain(void *arg, const char *text, size_t len, json_error_t *error)
{
	(void)arg;
	return json_loadb(text, len, JSON_ALLOW_NUL, error);
}

/* Folds one line of the journal; non-zero stops the reading. */
static int
fold_line(void *arg, const char *text, size_t len)
{
	struct rs_reader *r = arg;
	struct rs_load *how = r->how;
	struct rs_event ev;
	json_error_t error;
	json_t *line;
	int stop = 0;

	r->lineno++;
	line = how->parse != NULL ? how->parse(how->parse_arg, text, len, &error) :
	    parse_plain(NULL, text, len, &error);
	if (!json_is_object(line)) {
		r->rs->bad_lines++;
		if ((how->flags & RS_LOAD_LENIENT) && how->skipped != NULL)
			how->skipped(how->arg);
		if (!(how->flags & RS_LOAD_LENIENT)) {
			r->cause = xprintf("%s/%s:%lld: not a JSON object%s%s", r->dir, JOURNAL_FILE,
			    (long long)r->lineno, line == NULL ? ": " : "", line == NULL ? error.text : "");
			stop = 1;
		}
	} else {
		runstate_apply(r->rs, line, &ev);
		stop = how->cb != NULL && how->cb(how->arg, r->rs, &ev) != 0;
	}
	json_decref(line);
	how->stopped |= stop;
	return stop;
}

int
runstate_load_with(struct runstate *rs, const char *dir, struct rs_load *how, char **cause)
{
	struct rs_reader r = { rs, how, 0, NULL, dir };

	how->torn = 0;
	how->stopped = 0;
	if (journal_each_line(dir, fold_line, &r, &how->torn, cause) != 0) {
		free(r.cause);
		return -1;
	}
	if (r.cause != NULL) {
		*cause = r.cause;
		return -1;
	}
	return 0;
}

int
runstate_load(struct runstate *rs, const char *dir, int flags, runstate_cb cb, void *arg, char **cause)
{
	struct rs_load how = { .flags = flags, .cb = cb, .arg = arg };

	return runstate_load_with(rs, dir, &how, cause);
}

/* --- questions --- */

const struct rs_param *
runstate_param(const struct runstate *rs, const char *name)
{
	for (int k = 0; k < rs->nparams; k++) {
		if (strcmp(rs->params[k].name, name) == 0)
			return &rs->params[k];
	}
	return NULL;
}

const struct rs_attempt *
runstate_last_attempt(const struct runstate *rs, int i)
{
	if (i < 0 || i >= rs->nsteps || rs->steps[i].nattempts == 0)
		return NULL;
	return &rs->steps[i].attempts[rs->steps[i].nattempts - 1];
}

int64_t
runstate_step_lines(const struct runstate *rs, int i)
{
	int64_t total = 0;

	for (int k = 0; i >= 0 && i < rs->nsteps && k < rs->steps[i].nattempts; k++) {
		if (rs->steps[i].attempts[k].lines > 0)
			total += rs->steps[i].attempts[k].lines;
	}
	return total;
}

int
runstate_skip_planned(const struct rs_step *s)
{
	return s->status == JSTATUS_SKIPPED &&
	    (s->skip == JSKIP_DRILL || s->skip == JSKIP_DRY_RUN || s->skip == JSKIP_WHEN || s->skip == JSKIP_END_RUN);
}

int
runstate_render_dir(const char *dir, runstate_render_fn render, char **out, char **cause)
{
	struct runstate rs;

	runstate_init(&rs);
	if (runstate_load(&rs, dir, RS_LOAD_LENIENT, NULL, NULL, cause) != 0) {
		runstate_clear(&rs);
		return -1;
	}
	*out = render(&rs, dir);
	runstate_clear(&rs);
	return 0;
}
