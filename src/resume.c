/* resume.c: rebuilding a run from its journal after a crash, a lost SSH
 * session or a handoff. The journal is the only truth: a step is done only
 * if its step.end is there, and one that started without ending is shown as
 * interrupted, for the operator to decide. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "engine_int.h"
#include "verify.h"
#include "xmalloc.h"

struct replay {
	const char *last_operator;
	json_int_t previous_pid;
	int interrupted;	/* step index or -1 */
	int changed;
	char *forced;		/* --force: why the journal did not verify */
};

static int
find_step(const struct runbook *rb, json_t *ev)
{
	const char *id = json_string_value(json_object_get(ev, "step"));

	return id != NULL ? runbook_find_step(rb, id) : -1;
}

static enum step_status
status_from_name(const char *name)
{
	for (int s = STEP_PENDING; s < STEP_NSTATUS; s++) {
		if (name != NULL && strcmp(step_status_name((enum step_status)s), name) == 0)
			return (enum step_status)s;
	}
	return STEP_FAILED;
}

/* Captured values come back from the journal; a secret one was never
 * written, so the step that captured it must run again to have it. */
static void
restore_capture(struct engine *e, int i, json_t *cap, int secret)
{
	const struct step *s = &e->rb->steps[i];

	for (int j = 0; j < s->ncaptures; j++) {
		const char *v = json_string_value(json_object_get(cap, s->captures[j].name));

		/* A secret one was journaled masked: it must be captured again. */
		if (v == NULL || s->captures[j].secret || (secret && strcmp(v, MASK_TEXT) == 0))
			continue;
		flow_restore_capture(e, i, j, v);
	}
}

static void
apply_step_event(struct engine *e, const char *event, json_t *ev, int i)
{
	struct step_run *r = &e->runs[i];
	json_t *v;

	if (strcmp(event, "step.start") == 0) {
		r->st.status = STEP_RUNNING;
		r->st.attempt = (int)json_integer_value(json_object_get(ev, "attempt"));
		if (r->st.started_wall == 0)
			clock_parse_timestamp(json_string_value(json_object_get(ev, "ts")), &r->st.started_wall);
		free(r->st.command);
		r->st.command = xstrdup(json_string_value(json_object_get(ev, "command")) ?: "");
	} else if (strcmp(event, "step.approved") == 0) {
		r->approved = 1;
		free(r->approver);
		r->approver = xstrdup(json_string_value(json_object_get(ev, "approved_by")) ?: "?");
	} else if (strcmp(event, "step.end") == 0) {
		restore_capture(e, i, json_object_get(ev, "capture"),
		    json_is_true(json_object_get(ev, "capture_secret")));
		r->st.status = status_from_name(json_string_value(json_object_get(ev, "status")));
		if ((v = json_object_get(ev, "attempt")) != NULL)
			r->st.attempt = (int)json_integer_value(v);
		r->st.duration_ms = json_integer_value(json_object_get(ev, "duration_ms"));
		r->st.exit_code = json_is_integer(json_object_get(ev, "exit_code")) ?
		    (int)json_integer_value(json_object_get(ev, "exit_code")) : -1;
		snprintf(r->st.exit_desc, sizeof r->st.exit_desc, "%s",
		    json_string_value(json_object_get(ev, "exit")) ?: "");
		engine_set_reason(r, "%s", json_string_value(json_object_get(ev, "reason")) ?: "");
	} else if (strcmp(event, "step.rollback") == 0 &&
	    json_string_value(json_object_get(ev, "status")) != NULL) {
		r->st.rolled_back = strcmp(json_string_value(json_object_get(ev, "status")), "ok") == 0 ? 1 : -1;
		if (r->st.rolled_back > 0)
			r->st.status = STEP_ROLLED_BACK;
	} else if (strcmp(event, "step.retry") == 0) {
		r->st.status = STEP_RUNNING;
	}
}

static void
apply_run_start(struct engine *e, json_t *ev, struct replay *rp)
{
	json_t *rb = json_object_get(ev, "runbook");
	const char *sha = json_string_value(json_object_get(rb, "sha256"));
	char mine[CRYPTO_HEX_LEN];

	if (e->started_wall == 0)
		clock_parse_timestamp(json_string_value(json_object_get(ev, "ts")), &e->started_wall);
	crypto_hex(e->rb->sha256, sizeof e->rb->sha256, mine);
	rp->changed = sha == NULL || strcmp(sha, mine) != 0;
}

static void
replay_events(struct engine *e, json_t *events, struct replay *rp)
{
	size_t n;
	json_t *ev;

	json_array_foreach(events, n, ev) {
		const char *event = json_string_value(json_object_get(ev, "event"));
		int i;

		if (event == NULL)
			continue;
		if (json_string_value(json_object_get(ev, "operator")) != NULL)
			rp->last_operator = json_string_value(json_object_get(ev, "operator"));
		if (strcmp(event, "run.start") == 0 || strcmp(event, "run.resume") == 0) {
			rp->previous_pid = json_integer_value(json_object_get(ev, "pid"));
			if (strcmp(event, "run.start") == 0)
				apply_run_start(e, ev, rp);
		} else if ((i = find_step(e->rb, ev)) >= 0)
			apply_step_event(e, event, ev, i);
	}
	rp->interrupted = -1;
	for (int i = 0; i < e->rb->nsteps; i++) {
		if (e->runs[i].st.status == STEP_RUNNING) {
			e->runs[i].st.status = STEP_INTERRUPTED;
			engine_set_reason(&e->runs[i], "interrupted: outcome unknown");
			rp->interrupted = i;
		}
	}
}

/* An incident's journal opens with run.start; -1 with *cause otherwise. */
static int
check_run_start(json_t *first, const char *dir, char **cause)
{
	if (first == NULL || strcmp(json_string_value(json_object_get(first, "event")) ?: "", "run.start") != 0) {
		*cause = xprintf("%s has no run.start: it is not an incident journal", dir);
		return -1;
	}
	return 0;
}

static int
check_same_runbook(const struct engine *e, json_t *events, char **cause)
{
	json_t *first = json_array_get(events, 0);
	const char *id = json_string_value(json_object_get(json_object_get(first, "runbook"), "id"));

	if (check_run_start(first, e->incident_dir, cause) != 0)
		return -1;
	if (id == NULL || strcmp(id, e->rb->id) != 0) {
		*cause = xprintf("incident %s ran runbook '%s', not '%s'", e->incident_dir, id ? id : "?", e->rb->id);
		return -1;
	}
	return 0;
}

static int
journal_resume(struct engine *e, const struct replay *rp, char **cause)
{
	json_t *f;

	if (rp->last_operator != NULL && strcmp(rp->last_operator, e->operator) != 0 &&
	    engine_journal(e, JEV_NAME(HANDOFF), json_pack("{soso}", "from", engine_jstr(rp->last_operator),
	    "to", engine_jstr(e->operator)), cause) != 0)
		return -1;
	f = json_pack("{sIsbsI}", "previous_pid", rp->previous_pid, "runbook_changed", rp->changed,
	    "pid", (json_int_t)getpid());
	if (rp->interrupted >= 0)
		json_object_set_new(f, "interrupted_step", engine_jstr(e->rb->steps[rp->interrupted].id));
	if (rp->forced != NULL)
		json_object_set_new(f, "forced", engine_jstr(rp->forced));
	return engine_journal(e, JEV_NAME(RUN_RESUME), f, cause);
}

/* Param values come back from run.start; secrets, and plain values that
 * held one, were never written, so they must be given again. */
static int
recover_params(json_t *events, const struct engine_opts *opts, struct engine_opts *merged, char **cause)
{
	json_t *params = json_object_get(json_array_get(events, 0), "params");
	const char *name;
	json_t *v;

	*merged = *opts;
	merged->params = xcalloc((size_t)opts->nparams + json_object_size(params) + 1, sizeof *merged->params);
	merged->nparams = 0;
	for (int i = 0; i < opts->nparams; i++)
		merged->params[merged->nparams++] = opts->params[i];
	json_object_foreach(params, name, v) {
		const struct param *p = runbook_find_param(opts->rb, name);
		int given = 0;

		for (int i = 0; i < opts->nparams; i++)
			given |= strcmp(opts->params[i].name, name) == 0;
		if (given || p == NULL || p->type == PARAM_SECRET || !json_is_string(v))
			continue;
		if (strcmp(json_string_value(v), PARAMS_MASKED) == 0) {
			*cause = xprintf("param '%s' held a secret, so it was never written down: give it "
			    "again with --param %s=VALUE", name, name);
			return -1;
		}
		merged->params[merged->nparams].name = (char *)name;
		merged->params[merged->nparams++].value = (char *)json_string_value(v);
	}
	return 0;
}

/* The mode run.start recorded; a journal from before the field still marks
 * a drill, with "drill": true on every line or its plan as "drill". */
static int
recorded_mode(json_t *run_start, enum run_mode *mode)
{
	json_t *name = json_object_get(run_start, "mode"), *drill = json_object_get(run_start, "drill");

	if (name == NULL) {
		*mode = json_is_true(drill) || json_is_object(drill) ? MODE_DRILL : MODE_LIVE;
		return 0;
	}
	return run_mode_from_name(json_string_value(name), mode);
}

/* A resumed run keeps the mode and environment it started with: a flag
 * asking for others is refused, never obeyed (a drill resumed live would
 * run the real commands) nor silently ignored. */
static int
setup_from_run_start(json_t *run_start, const char *dir, enum run_mode asked_mode, const char *asked_env,
    struct run_setup *out, char **cause)
{
	const char *env = json_string_value(json_object_get(run_start, "environment"));

	out->environment = NULL;
	if (check_run_start(run_start, dir, cause) != 0)
		return -1;
	if (recorded_mode(run_start, &out->mode) != 0) {
		*cause = xprintf("%s records a mode this drconsole does not know: it cannot be resumed safely", dir);
		return -1;
	}
	/* The asked value is not echoed: the incident's own words say it all. */
	if (asked_mode != MODE_LIVE && asked_mode != out->mode) {
		*cause = xprintf("--%s contradicts the incident, which was started in %s mode: a resume keeps "
		    "its mode (%s)", run_mode_name(asked_mode), run_mode_name(out->mode), dir);
		return -1;
	}
	if (asked_env != NULL && (env == NULL || strcmp(env, asked_env) != 0)) {
		*cause = env != NULL ? xprintf("--environment contradicts the incident, which targets '%s': a "
		    "resume keeps its environment (%s)", env, dir) : xprintf("--environment contradicts the "
		    "incident, which has no environment: a resume keeps it that way (%s)", dir);
		return -1;
	}
	out->environment = env != NULL ? xstrdup(env) : NULL;
	return 0;
}

int
engine_resume_setup(const char *incident_dir, enum run_mode asked_mode, const char *asked_env,
    struct run_setup *out, char **cause)
{
	json_t *events = NULL;
	int rc;

	if (journal_load(incident_dir, &events, cause) != 0)
		return -1;
	rc = setup_from_run_start(json_array_get(events, 0), incident_dir, asked_mode, asked_env, out, cause);
	json_decref(events);
	return rc;
}

void
run_setup_clear(struct run_setup *s)
{
	free(s->environment);
	s->environment = NULL;
}

int
engine_resume_check(const char *dir, int force, char **forced, char **cause)
{
	struct verify_result vr;
	/* The chain and its head, not the output files: a step that was
	 * running when the console died has a file longer than its record. */
	int rc = verify_incident_chain(dir, &vr);

	if (rc == 1 && force) {
		if (forced != NULL) {
			*forced = vr.what;
			vr.what = NULL;
		}
		rc = 0;
	} else if (rc == 1)
		*cause = xprintf("the journal of %s does not verify, %s: not resumed (drconsole verify says "
		    "more; --force resumes it anyway and journals that it did)", dir, vr.what);
	else if (rc == -1) {
		*cause = vr.what;
		vr.what = NULL;
	}
	verify_result_clear(&vr);
	return rc;
}

int
engine_resume(struct engine **out, const struct engine_opts *opts, char **cause)
{
	struct engine_opts merged;
	struct run_setup setup = { MODE_LIVE, NULL };
	struct replay rp = { NULL, 0, -1, 0, NULL };
	struct engine *e;
	json_t *events = NULL;
	int rc = -1;

	if (opts->incident_dir == NULL) {
		*cause = xstrdup("resume needs the incident directory");
		return -1;
	}
	if (engine_resume_check(opts->incident_dir, opts->force_resume, &rp.forced, cause) != 0)
		return -1;
	if (journal_load(opts->incident_dir, &events, cause) != 0) {
		free(rp.forced);
		return -1;
	}
	e = engine_alloc(opts);
	e->started_wall = 0;
	e->resuming = 1;
	if (recover_params(events, opts, &merged, cause) != 0 || check_same_runbook(e, events, cause) != 0 ||
	    setup_from_run_start(json_array_get(events, 0), opts->incident_dir, opts->mode, opts->environment,
	    &setup, cause) != 0)
		goto out;
	e->mode = setup.mode;
	replay_events(e, events, &rp);
	if (rp.changed && !opts->accept_changed_runbook) {
		*cause = xstrdup(ENGINE_RUNBOOK_CHANGED);
		rc = ENGINE_RESUME_CHANGED;
		goto out;
	}
	if (params_choose_environment(e, setup.environment, cause) != 0 ||
	    params_resolve(e, &merged, cause) != 0 || engine_open_journal(e, cause) != 0 ||
	    journal_resume(e, &rp, cause) != 0)
		goto out;
	engine_open_cast(e);
	cast_marker(e->cast, clock_wall_ms(), "run resumed");
	engine_start_inbox(e);
	rc = 0;
out:
	run_setup_clear(&setup);
	free(merged.params);
	free(rp.forced);
	json_decref(events);
	if (rc != 0)
		engine_free(e);
	else
		*out = e;
	return rc;
}
