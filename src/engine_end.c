/* engine_end.c: the end of an attempt, of a verify and of a rollback,
 * whatever the step's kind. Each kind (engine_ops.c) says only what is its
 * own (an exit status, an HTTP answer, a policy of hosts) in a struct
 * attempt_end; the duration, the output file, the verdict on cancels,
 * timeouts and stopped runs, the journal's step.end, capture, verify,
 * retries and the front ends' hooks are done here, once. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "engine_int.h"
#include "xmalloc.h"

/* The status of a main attempt: the engine's own reasons first (a stopped
 * run, a cancel, a timeout), then the kind's verdict. */
static enum step_status
judge(struct engine *e, int i, const struct attempt_end *end)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	char d[32];

	if (r->write_failed) {
		engine_set_reason(r, "stopped: %s", e->write_cause);
		return STEP_FAILED;
	}
	if (r->cancelled && s->stop_ok) {
		engine_set_reason(r, "stopped by the operator (stop_ok: that is success)");
		return STEP_OK;
	}
	if (r->cancelled) {
		engine_set_reason(r, "cancelled by the operator");
		return STEP_CANCELLED;
	}
	if (r->timed_out || end->timed_out) {
		duration_format(s->timeout_ms, d, sizeof d);
		if (end->timed_out && end->reason != NULL)
			engine_set_reason(r, "%s", end->reason);
		else
			engine_set_reason(r, "timed out after %s", d);
		return STEP_TIMEOUT;
	}
	if (!end->ok) {
		engine_set_reason(r, "%s", end->reason != NULL ? end->reason : "failed");
		return STEP_FAILED;
	}
	if (end->reason != NULL)
		engine_set_reason(r, "%s", end->reason);	/* what was checked */
	else
		engine_set_reason(r, NULL);
	return STEP_OK;
}

/* A reason that holds a secret (a value echoed back in an error) is
 * masked before anyone sees or journals it. */
static void
mask_reason(struct engine *e, struct step_run *r)
{
	char *masked;

	if (r->st.reason == NULL || !params_is_secret_text(e, r->st.reason))
		return;
	masked = mask_str(e->mask, r->st.reason, NULL);
	engine_set_reason(r, "%s", masked);
	free(masked);
}

/* The fields every end shares: output file, exit, duration, attempt. */
static json_t *
end_fields(struct engine *e, int i, struct attempt_end *end)
{
	struct step_run *r = &e->runs[i];
	json_t *f = engine_step_fields(e, i);

	exec_close_output(e, r, f);
	if (end->has_exit) {
		json_object_set_new(f, "exit_code", r->st.exit_code >= 0 ? json_integer(r->st.exit_code) :
		    json_null());
		json_object_set_new(f, "exit", engine_jstr(r->st.exit_desc));
	}
	json_object_set_new(f, "duration_ms", json_integer(r->st.duration_ms));
	json_object_set_new(f, "attempt", json_integer(r->st.attempt));
	if (end->extra != NULL)
		json_object_update(f, end->extra);
	return f;
}

/* A rollback that succeeded leaves the step rolled back: its effect is
 * undone, so it is neither done nor failed, and can run again. */
static void
rollback_ended(struct engine *e, int i, json_t *f, struct attempt_end *end)
{
	struct step_run *r = &e->runs[i];

	r->st.rollback_running = 0;
	r->st.rolled_back = end->ok && !r->cancelled ? 1 : -1;
	if (r->st.rolled_back > 0) {
		r->st.status = STEP_ROLLED_BACK;
		engine_set_reason(r, "rolled back");
	}
	json_object_set_new(f, "phase", engine_jstr("end"));
	json_object_set_new(f, "status", engine_jstr(r->st.rolled_back > 0 ? "ok" : "failed"));
	if (end->evidence != NULL)
		json_object_set_new(f, "evidence", json_incref(end->evidence));
	engine_journal(e, JEV_NAME(STEP_ROLLBACK), f, NULL);
	exec_conclude(e, i);
}

static void
verify_ended(struct engine *e, int i, json_t *f, struct attempt_end *end)
{
	struct step_run *r = &e->runs[i];
	json_t *vf = end->evidence != NULL ? json_incref(end->evidence) : json_object();
	int timed_out = r->timed_out || end->timed_out;
	int ok = end->ok && !r->cancelled && !timed_out;

	json_object_update(vf, f);
	json_decref(f);
	flow_verify_end(e, i, ok, ok ? NULL : r->cancelled ? "cancelled" : timed_out ? "timed out" :
	    end->reason != NULL ? end->reason : r->st.exit_desc, vf);
	json_decref(vf);
}

/* The on_failure handler ended: journaled with its own exit, while the
 * step keeps the exit and duration of the attempt that failed. */
static void
handler_ended(struct engine *e, int i, struct attempt_end *end)
{
	struct step_run *r = &e->runs[i];
	struct step_state kept = r->st;
	int ok = end->ok && !r->cancelled && !r->timed_out && !end->timed_out;
	json_t *f;

	r->st.duration_ms = clock_mono_ms() - r->started_mono;
	if (r->timeout_timer != NULL)
		loop_cancel_timer(e->loop, r->timeout_timer);
	r->timeout_timer = NULL;
	r->st.exit_code = end->exit_code;
	snprintf(r->st.exit_desc, sizeof r->st.exit_desc, "%s", end->exit_desc != NULL ? end->exit_desc :
	    end->ok ? "ok" : "failed");
	exec_end_output(e, r);
	f = end_fields(e, i, end);
	json_object_del(f, "attempt");
	r->st.exit_code = kept.exit_code;
	memcpy(r->st.exit_desc, kept.exit_desc, sizeof r->st.exit_desc);
	r->st.duration_ms = kept.duration_ms;
	json_decref(end->evidence);
	json_decref(end->extra);
	end->evidence = end->extra = NULL;
	exec_handler_ended(e, i, f, ok);
}

void
exec_attempt_ended(struct engine *e, int i, struct attempt_end *end)
{
	struct step_run *r = &e->runs[i];
	char *first_cell;
	json_t *f;

	if (r->in_handler) {
		handler_ended(e, i, end);
		return;
	}
	first_cell = end->first_cell != NULL ? xstrdup(end->first_cell) : NULL;

	r->st.duration_ms = clock_mono_ms() - r->started_mono;
	if (r->timeout_timer != NULL)
		loop_cancel_timer(e->loop, r->timeout_timer);
	r->timeout_timer = NULL;
	r->st.exit_code = end->exit_code;
	snprintf(r->st.exit_desc, sizeof r->st.exit_desc, "%s", end->exit_desc != NULL ? end->exit_desc :
	    end->ok ? "ok" : "failed");
	if (end->evidence != NULL)
		mask_json(e->mask, end->evidence);	/* the journal holds no secret */
	exec_end_output(e, r);
	f = end_fields(e, i, end);
	if (r->in_rollback)
		rollback_ended(e, i, f, end);

	else if (r->in_verify)
		verify_ended(e, i, f, end);
	else {
		r->st.status = judge(e, i, end);
		mask_reason(e, r);
		json_object_set_new(f, "status", engine_jstr(step_status_name(r->st.status)));
		if (r->st.reason != NULL && *r->st.reason != '\0')
			json_object_set_new(f, "reason", engine_jstr(r->st.reason));
		if (end->evidence != NULL)
			json_object_set_new(f, "evidence", json_incref(end->evidence));
		flow_attempt_end(e, i, f, first_cell);
	}
	if (first_cell != NULL)
		explicit_bzero(first_cell, strlen(first_cell));	/* may be a secret */
	free(first_cell);
	json_decref(end->evidence);
	json_decref(end->extra);
	end->evidence = end->extra = NULL;
}

void
exec_start_failed(struct engine *e, int i, const char *cause)
{
	struct step_run *r = &e->runs[i];
	json_t *f;

	r->st.status = STEP_FAILED;
	engine_set_reason(r, "could not start: %s", cause != NULL ? cause : "unknown error");
	mask_reason(e, r);
	f = engine_step_fields(e, i);
	json_object_set_new(f, "status", engine_jstr("failed"));
	json_object_set_new(f, "reason", engine_jstr(r->st.reason));
	json_object_set_new(f, "attempt", json_integer(r->st.attempt));
	engine_journal(e, JEV_NAME(STEP_END), f, NULL);
	e->running = -1;
	engine_notify_step(e, i);
}
