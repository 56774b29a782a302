/* resume.c: rebuilding a run from its journal after a crash, a lost SSH
 * session or a handoff. The journal is the only truth: a step is done only
 * if its step.end is there, and one that started without ending is shown as
 * interrupted, for the operator to decide. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "engine_int.h"
#include "fileutil.h"
#include "incdir.h"
#include "follow.h"
#include "runstate.h"
#include "verify.h"
#include "xmalloc.h"

struct replay {
	const char *last_operator;
	json_int_t previous_pid;
	int interrupted;	/* step index or -1 */
	int changed;
	char *forced;		/* --force: why the journal did not verify */
};

/* Output kept in the scrollback per file on resume: the tail, the way the
 * console shows it anyway (older lines are in the file). */
#define RESUME_OUTPUT_TAIL (4 * 1024 * 1024)

/* Captured values come back from the journal; a secret one was journaled
 * masked (or never), so the step that captured it must run again. */
static void
restore_capture(struct engine *e, int i, const struct rs_step *rs)
{
	const struct step *s = &e->rb->steps[i];

	for (int j = 0; j < s->ncaptures; j++) {
		for (int k = 0; k < rs->ncaptures; k++) {
			const char *v = rs->captures[k].value;

			if (strcmp(rs->captures[k].name, s->captures[j].name) != 0 || v == NULL ||
			    s->captures[j].secret || (rs->capture_secret && strcmp(v, MASK_TEXT) == 0))
				continue;
			flow_restore_capture(e, i, j, v);
		}
	}
}

/* Feeds one output file's lines (its tail past RESUME_OUTPUT_TAIL) into
 * the step's scrollback, with their own times, so the console shows what
 * the step printed before the resume. rel must be a file right inside
 * output/ (odfd); never a link, never a FIFO. */
static void
restore_output_file(int odfd, struct outbuf *ob, const char *rel)
{
	const char *base = rel != NULL && strncmp(rel, OUTFILE_DIR "/", sizeof OUTFILE_DIR) == 0 ?
	    rel + sizeof OUTFILE_DIR : NULL;
	struct follow_reader rd = { 0 };
	struct follow_line line;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	off_t size;
	FILE *fp;
	int fd;

	if (base == NULL || *base == '\0' || strchr(base, '/') != NULL || *base == '.' ||
	    (fd = file_openat_regular(odfd, base, O_RDONLY, 0)) == -1)
		return;
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	size = lseek(fd, 0, SEEK_END);
	/* Past the tail's start, a block's header may be cut: its raw lines
	 * then read as lines of their own, which is all a tail needs. */
	if (fseeko(fp, size > RESUME_OUTPUT_TAIL ? size - RESUME_OUTPUT_TAIL : 0, SEEK_SET) == 0 &&
	    size > RESUME_OUTPUT_TAIL)
		(void)getline(&buf, &cap, fp);
	while ((n = getline(&buf, &cap, fp)) > 0) {
		int stream;

		if (buf[n - 1] == '\n')
			buf[--n] = '\0';
		if (follow_read_line(&rd, buf, (size_t)n, &line) == 0)
			continue;
		stream = line.stream == OUTFILE_STDERR ? OUTFILE_STDERR : OUTFILE_STDOUT;
		outbuf_feed(ob, stream, line.text, line.len, line.ts_ms);
		outbuf_feed(ob, stream, "\n", 1, line.ts_ms);
	}
	outbuf_flush(ob);
	free(buf);
	fclose(fp);
}

/* Every kept attempt's output, and the last rollback's, in order. */
static void
restore_output(int odfd, struct outbuf *ob, const struct rs_step *s)
{
	for (int k = 0; odfd != -1 && k < s->nattempts; k++)
		restore_output_file(odfd, ob, s->attempts[k].output);
	if (odfd != -1 && s->nrollbacks > 0)
		restore_output_file(odfd, ob, s->rollback.output);
}

/* The incident's output/ folder, checked ours and private; -1 none. */
static int
open_output_dir(const char *dir)
{
	char *cause = NULL;
	int dfd, odfd = -1;

	if ((dfd = incdir_open(dir, 0, &cause)) != -1) {
		odfd = incdir_subdir(dfd, dir, OUTFILE_DIR, &cause);
		close(dfd);
	}
	free(cause);
	return odfd;
}

/* What the fold says of step i, onto the engine's run of it. */
static void
apply_step(struct engine *e, int i, const struct rs_step *s, int odfd)
{
	struct step_run *r = &e->runs[i];
	const struct rs_attempt *a = s->nattempts > 0 ? &s->attempts[s->nattempts - 1] : NULL;

	r->st.status = (enum step_status)s->status;
	r->st.attempt = a != NULL ? a->n : 0;
	r->st.started_wall = s->first_start_ms;
	if (a != NULL) {
		free(r->st.command);
		r->st.command = xstrdup(a->command != NULL ? a->command : "");
		r->st.duration_ms = a->duration_ms;
		r->st.exit_code = a->exit_code;
		snprintf(r->st.exit_desc, sizeof r->st.exit_desc, "%s", a->exit_desc != NULL ? a->exit_desc : "");
	}
	if (s->approved_by != NULL) {
		r->approved = 1;
		free(r->approver);
		r->approver = xstrdup(s->approved_by);
	}
	r->st.rolled_back = s->rolled_back;
	engine_set_reason(r, "%s", s->reason != NULL ? s->reason : "");
	restore_capture(e, i, s);
	restore_output(odfd, r->st.out, s);
}

static void
replay_events(struct engine *e, const struct runstate *rs, struct replay *rp)
{
	char mine[CRYPTO_HEX_LEN];
	int odfd = open_output_dir(e->incident_dir);

	rp->last_operator = rs->operator;
	rp->previous_pid = rs->pid;
	crypto_hex(e->rb->sha256, sizeof e->rb->sha256, mine);
	rp->changed = rs->runbook_sha256 == NULL || strcmp(rs->runbook_sha256, mine) != 0;
	if (e->started_wall == 0)
		e->started_wall = rs->started_ms;
	for (int k = 0; k < rs->nsteps; k++) {
		int i = runbook_find_step(e->rb, rs->steps[k].id);

		if (i >= 0)
			apply_step(e, i, &rs->steps[k], odfd);
	}
	if (odfd != -1)
		close(odfd);
	/* A step running when the console died (or still interrupted from an
	 * earlier death) has an unknown outcome until the operator decides. */
	rp->interrupted = -1;
	for (int i = 0; i < e->rb->nsteps; i++) {
		if (e->runs[i].st.status == STEP_RUNNING || e->runs[i].st.status == STEP_INTERRUPTED) {
			e->runs[i].st.status = STEP_INTERRUPTED;
			engine_set_reason(&e->runs[i], "interrupted: outcome unknown");
			rp->interrupted = i;
		}
		/* A secret answer was never written: the input step asks again. */
		if (e->rb->steps[i].action == ACTION_INPUT && e->runs[i].st.status == STEP_OK &&
		    (e->runs[i].ncap == 0 || e->runs[i].captured[0] == NULL)) {
			e->runs[i].st.status = STEP_PENDING;
			engine_set_reason(&e->runs[i], "a secret answer is never written: asked again");
		}
	}
}

/* An incident's journal opens with run.start; -1 with *cause otherwise. */
static int
check_run_start(const struct runstate *rs, const char *dir, char **cause)
{
	if (!rs->started || rs->events == 0) {
		*cause = xprintf("%s has no run.start: it is not an incident journal", dir);
		return -1;
	}
	return 0;
}

static int
check_same_runbook(const struct engine *e, const struct runstate *rs, char **cause)
{
	if (check_run_start(rs, e->incident_dir, cause) != 0)
		return -1;
	if (rs->runbook_id == NULL || strcmp(rs->runbook_id, e->rb->id) != 0) {
		*cause = xprintf("incident %s ran runbook '%s', not '%s'", e->incident_dir,
		    rs->runbook_id ? rs->runbook_id : "?", e->rb->id);
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

/* Param values come back from run.start (run_setup_value); a plain value
 * that held a secret was never written, so it must be given again. */
static int
recover_params(const struct runstate *rs, const struct run_setup *setup, const struct engine_opts *opts,
    struct engine_opts *merged, char **cause)
{
	const struct runbook *rb = opts->rb;

	*merged = *opts;
	merged->params = xcalloc((size_t)opts->nparams + (size_t)rb->nparams + 1, sizeof *merged->params);
	merged->nparams = 0;
	for (int i = 0; i < opts->nparams; i++)
		merged->params[merged->nparams++] = opts->params[i];
	for (int k = 0; k < rb->nparams; k++) {
		const struct param *p = &rb->params[k];
		const struct rs_param *rp = runstate_param(rs, p->name);
		const char *v = run_setup_value(setup, p);
		int given = 0;

		for (int i = 0; i < opts->nparams; i++)
			given |= strcmp(opts->params[i].name, p->name) == 0;
		if (given)
			continue;
		if (v == NULL && rp != NULL && rp->masked && p->type != PARAM_SECRET) {
			*cause = xprintf("param '%s' held a secret, so it was never written down: give it "
			    "again with --param %s=VALUE", p->name, p->name);
			return -1;
		}
		if (v != NULL) {
			merged->params[merged->nparams].name = p->name;
			merged->params[merged->nparams++].value = (char *)v;
		}
	}
	return 0;
}

/* run.start's written values, for run_setup_value. */
static void
setup_params(const struct runstate *rs, struct run_setup *out)
{
	out->params = NULL;
	out->nparams = 0;
	if (rs->nparams > 0)
		out->params = xcalloc((size_t)rs->nparams + 1, sizeof *out->params);
	for (int k = 0; k < rs->nparams; k++) {
		const struct rs_param *rp = &rs->params[k];

		if (rp->value == NULL || rp->masked)
			continue;
		out->params[out->nparams].name = xstrdup(rp->name);
		out->params[out->nparams++].value = xstrdup(rp->value);
	}
}

const char *
run_setup_value(const struct run_setup *s, const struct param *p)
{
	if (s == NULL || p->type == PARAM_SECRET)
		return NULL;
	for (int i = 0; i < s->nparams; i++) {
		if (strcmp(s->params[i].name, p->name) == 0)
			return s->params[i].value;
	}
	return NULL;
}

/* A resumed run keeps the mode and environment it started with (the
 * fold's, from run.start): a flag asking for others is refused, never
 * obeyed (a drill resumed live would run the real commands) nor silently
 * ignored. */
static int
setup_from_state(const struct runstate *rs, const char *dir, enum run_mode asked_mode, const char *asked_env,
    struct run_setup *out, char **cause)
{
	const char *env = rs->environment;

	out->environment = NULL;
	out->params = NULL;
	out->nparams = 0;
	if (check_run_start(rs, dir, cause) != 0)
		return -1;
	if (!rs->mode_known) {
		*cause = xprintf("%s records a mode this drconsole does not know: it cannot be resumed safely", dir);
		return -1;
	}
	out->mode = (enum run_mode)rs->mode;
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
	setup_params(rs, out);
	return 0;
}

int
engine_resume_setup(const char *incident_dir, enum run_mode asked_mode, const char *asked_env,
    struct run_setup *out, char **cause)
{
	struct runstate rs;
	int rc;

	runstate_init(&rs);
	rc = runstate_load(&rs, incident_dir, 0, NULL, NULL, cause);
	if (rc == 0)
		rc = setup_from_state(&rs, incident_dir, asked_mode, asked_env, out, cause);
	runstate_clear(&rs);
	return rc;
}

void
run_setup_clear(struct run_setup *s)
{
	free(s->environment);
	s->environment = NULL;
	for (int i = 0; i < s->nparams; i++) {
		free(s->params[i].name);
		free(s->params[i].value);
	}
	free(s->params);
	s->params = NULL;
	s->nparams = 0;
}

int
engine_resume_check(const char *dir, int force, char **forced, char **cause)
{
	struct verify_result vr;
	int rc;

	/* Driven by another console: that is the answer, whatever its
	 * journal looks like while that console writes it. */
	if (journal_refuse_driven(dir, cause) != 0)
		return -1;
	/* The chain and its head, not the output files: a step that was
	 * running when the console died has a file longer than its record. */
	rc = verify_incident_chain(dir, &vr);

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
	struct engine_opts merged = { 0 };
	struct run_setup setup = { MODE_LIVE, NULL, NULL, 0 };
	struct replay rp = { NULL, 0, -1, 0, NULL };
	struct runstate rs;
	struct engine *e;
	int rc = -1;

	if (opts->incident_dir == NULL) {
		*cause = xstrdup("resume needs the incident directory");
		return -1;
	}
	if (engine_resume_check(opts->incident_dir, opts->force_resume, &rp.forced, cause) != 0)
		return -1;
	runstate_init(&rs);
	if (runstate_load(&rs, opts->incident_dir, 0, NULL, NULL, cause) != 0) {
		runstate_clear(&rs);
		free(rp.forced);
		return -1;
	}
	e = engine_alloc(opts);
	e->started_wall = 0;
	e->resuming = 1;
	if (check_same_runbook(e, &rs, cause) != 0 ||
	    setup_from_state(&rs, opts->incident_dir, opts->mode, opts->environment, &setup, cause) != 0 ||
	    recover_params(&rs, &setup, opts, &merged, cause) != 0)
		goto out;
	e->mode = setup.mode;
	replay_events(e, &rs, &rp);
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
	runstate_clear(&rs);
	if (rc != 0)
		engine_free(e);
	else
		*out = e;
	return rc;
}
