/*
 * report.c: the postmortem. It reads only the journal, which the engine
 * has already masked, so nothing here can reveal a secret. The journal's
 * lines go through the one fold (runstate), which gives the run and each
 * step's status, attempts, durations and outputs; report_timeline.c,
 * watching the same lines, adds the timeline and the lists only their
 * order gives. The result is a model: one JSON object holding every fact,
 * which is the JSON report as it stands (its schema: drconsole(1), REPORT
 * JSON). The Markdown report (report_md*.c) is rendered from that model,
 * so the two formats cannot disagree; a drill's model carries its
 * scorecard (scorecard.c), from the same fold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "dataloss.h"
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
#include "report_int.h"
#include "runfacts.h"
#include "runstate.h"
#include "scorecard.h"
#include "strbuf.h"
#include "verify.h"
#include "xmalloc.h"

#define DUR_LEN 32

/* The model's members, in the order the JSON report shows them. */
static const char *model_keys[] = {
	"schema", "incident", "title", "runbook", "mode", "modes", "live", "environment", "host",
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


/* --- the run --- */

static json_t *
runbook_of(const struct runstate *rs)
{
	json_t *rb = json_object();
	const char *keys[] = { "id", "title", "path", "sha256", "scenario", "executor",
	    "classification" };
	const char *vals[] = { rs->runbook_id, rs->runbook_title, rs->runbook_path,
	    rs->runbook_sha256, rs->scenario, rs->executor, rs->classification };

	if (!rs->started) {
		json_decref(rb);
		return json_null();
	}
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		if (vals[k] != NULL)
			json_object_set_new(rb, keys[k], json_string(vals[k]));
	}
	return rb;
}

static json_t *
params_of(const struct runstate *rs)
{
	json_t *o;

	if (rs->nparams == 0)
		return json_null();
	o = json_object();
	for (int i = 0; i < rs->nparams; i++)
		json_object_set_new(o, rs->params[i].name, jsonget_new_str(rs->params[i].value));
	return o;
}

static void
model_run(json_t *m, const struct runstate *rs, struct report_pass *p)
{
	const char *mode = rs->started && rs->mode_known ? jschema_mode_name(rs->mode) : NULL;
	int changed = 0;

	json_object_set_new(m, "title", jsonget_new_str(rs->runbook_title));
	json_object_set_new(m, "runbook", runbook_of(rs));
	json_object_set_new(m, "mode", jsonget_new_str(mode));
	if (mode != NULL)
		json_array_append_new(json_object_get(m, "modes"), json_string(mode));
	json_object_set_new(m, "live", json_boolean(!rs->started || rs->mode == JMODE_LIVE));
	json_object_set_new(m, "environment", jsonget_new_str(rs->environment));
	json_object_set_new(m, "host", jsonget_new_str(rs->host));
	json_object_set_new(m, "version", jsonget_new_str(rs->version));
	json_object_set_new(m, "params", params_of(rs));
	json_object_set_new(m, "runs", json_integer(p->runs));
	json_object_set_new(m, "resumes",
	    json_integer((json_int_t)(rs->resumes.n + rs->resumes.dropped)));
	for (size_t k = 0; k < rs->resumes.n; k++)
		changed |= rs->resumes.v[k].runbook_changed;
	json_object_set_new(m, "runbook_changed", json_boolean(changed));
	if (rs->incident != NULL)
		json_object_set_new(m, "incident", json_string(rs->incident));
}

/* --- the steps --- */

static json_t *
step_outputs(const struct rs_step *s)
{
	json_t *out = json_array();

	for (int k = 0; k < s->nattempts; k++) {
		const struct rs_attempt *a = &s->attempts[k];

		if (a->end_ms != 0 && a->lines >= 0 && a->output != NULL)
			json_array_append_new(out, json_pack("{s:i, s:s, s:I}", "attempt", a->n,
			    "path", a->output, "lines", (json_int_t)a->lines));
	}
	return out;
}

static json_t *
rollback_word(const struct rs_step *s)
{
	if (s->rollback_running)
		return json_string("interrupted");
	if (s->rolled_back != 0)
		return json_string(s->rolled_back > 0 ? "ok" : "failed");
	return json_null();
}

/* The step's on_failure handler as it last ran, or null: { runs, status
 * (ok, failed, or interrupted when it never ended), command, exit,
 * exit_code, reason, duration_ms, output }. */
static json_t *
on_failure_of(const struct rs_step *s)
{
	const struct rs_attempt *h = &s->on_failure;
	int ended = h->status != JSTATUS_RUNNING;

	if (h->n == 0)
		return json_null();
	return json_pack("{s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "runs", h->n,
	    "status", ended ? jschema_status_name(h->status) : "interrupted",
	    "command", jsonget_new_str(h->command), "exit", jsonget_new_str(h->exit_desc),
	    "exit_code", ended && h->exit_code >= 0 ? json_integer(h->exit_code) : json_null(),
	    "reason", jsonget_new_str(h->reason),
	    "duration_ms", ended && h->end_ms != 0 ? json_integer(h->duration_ms) : json_null(),
	    "output", jsonget_new_str(h->output));
}

/*
 * A step as the report shows it. Its duration is every reader's rule: the
 * last attempt's (a manual step's from its offer to its attestation);
 * total_ms adds every attempt's. A step confirmed or started that never
 * ended is "interrupted".
 */
static json_t *
step_model(struct report_pass *p, const struct runstate *rs, int i)
{
	const struct rs_step *s = &rs->steps[i];
	const struct rs_attempt *a = runstate_last_attempt(rs, i);
	int ended = a != NULL && a->end_ms != 0;
	enum js_status st = s->status == JSTATUS_RUNNING || s->status == JSTATUS_PENDING ?
	    JSTATUS_INTERRUPTED : s->status;
	json_t *x = report_step_extra(p, s->id);
	const char *reason = s->reason;

	if (st == JSTATUS_INTERRUPTED && s->end_ms == 0 && reason == NULL)
		reason = "it never ended: the console stopped while it ran";
	return json_pack("{s:o, s:s, s:s, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:O, s:o, s:o, s:o, s:o, s:O, s:O, s:o, s:o, s:O}",
	    "index", jsonget_new_int(s->index, 0), "id", s->id, "status", jschema_status_name(st),
	    "skip", s->status == JSTATUS_SKIPPED ? json_string(jschema_skip_name(s->skip)) : json_null(),
	    "attempts", s->nattempts_total,
	    "duration_ms", ended ? json_integer(s->duration_ms) : json_null(),
	    "total_ms", ended ? json_integer(s->total_ms) : json_null(),
	    "reason", jsonget_new_str(reason), "note", jsonget_new_str(s->note),
	    "exit", jsonget_new_str(ended ? a->exit_desc : NULL),
	    "exit_code", ended && a->exit_code >= 0 ? json_integer(a->exit_code) : json_null(),
	    "command", jsonget_new_str(a != NULL ? a->command : NULL),
	    "output", jsonget_new_str(ended && a->lines >= 0 ? a->output : NULL),
	    "output_sha256", json_object_get(x, "output_sha256"),
	    "lines", ended && a->lines >= 0 ? json_integer(a->lines) : json_null(),
	    "attested_by", jsonget_new_str(s->attested_by),
	    "was", s->interrupted_before ? json_string("interrupted") : json_null(),
	    "outputs", step_outputs(s), "retries", json_object_get(x, "retries"),
	    "decisions", json_object_get(x, "decisions"), "rollback", rollback_word(s),
	    "on_failure", on_failure_of(s), "verify", json_object_get(x, "verify"));
}

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

/* Every step, in the runbook's order (by index, then first seen). */
static void
model_steps(json_t *m, const struct runstate *rs, struct report_pass *p)
{
	json_t **v = xcalloc((size_t)rs->nsteps + 1, sizeof *v), *sorted = json_array(), *r;
	size_t i;

	for (int k = 0; k < rs->nsteps; k++) {
		v[k] = step_model(p, rs, k);
		json_object_set_new(v[k], "seen", json_integer(k));
	}
	qsort(v, (size_t)rs->nsteps, sizeof *v, report_step_order);
	for (int k = 0; k < rs->nsteps; k++) {
		json_object_del(v[k], "seen");
		json_array_append_new(sorted, v[k]);
	}
	free(v);
	json_object_set_new(m, "steps", sorted);
	json_array_foreach(json_object_get(m, "rollbacks"), i, r) {
		if (json_is_null(json_object_get(r, "status")))
			json_object_set_new(r, "status", json_string("interrupted"));
	}
}

/* --- time and objectives --- */

static void
model_rto(json_t *m, const struct runstate *rs, int64_t now)
{
	int64_t elapsed = runfacts_elapsed_ms(rs, now), diff = rs->rto_ms - elapsed;
	const char *outcome = rs->outcome_word;
	char obj[DUR_LEN], took[DUR_LEN], margin[DUR_LEN];
	const char *verdict;
	char *text;

	duration_format_abs(rs->rto_ms, obj, sizeof obj);
	duration_format_abs(elapsed, took, sizeof took);
	duration_format_abs(diff, margin, sizeof margin);
	switch (runfacts_rto(rs, now)) {
	case RUNFACTS_NONE:
		verdict = "none";
		text = xstrdup("RTO: no objective set");
		break;
	case RUNFACTS_UNKNOWN:
		json_object_set_new(m, "rto", json_pack("{s:n, s:s, s:n, s:s}",
		    "objective_ms", "verdict", "unknown", "margin_ms", "text",
		    "RTO: unknown (no run.start in the journal)"));
		return;
	case RUNFACTS_NOT_MET:
		verdict = "not met";
		text = xprintf("RTO %s: not met: the run ended %s after %s",
		    obj, jsonget_or_q(outcome), took);
		break;
	case RUNFACTS_MISSED:
		verdict = "missed";
		text = xprintf("RTO %s: missed by %s (%s%s)", obj, margin,
		    runfacts_closed(rs) ? "" : "still open after ", took);
		break;
	case RUNFACTS_OPEN:
		verdict = "open";
		text = xprintf("RTO %s: still open (%s elapsed, %s left)", obj,
		    took, margin);
		break;
	default:
		verdict = "met";
		text = xprintf("RTO %s: met (%s, %s to spare)", obj, took, margin);
		break;
	}
	json_object_set_new(m, "rto", json_pack("{s:o, s:s, s:o, s:s}",
	    "objective_ms", jsonget_new_int(rs->rto_ms, 0), "verdict", verdict,
	    "margin_ms", rs->rto_ms > 0 ? json_integer(diff < 0 ? -diff : diff) :
	    json_null(), "text", text));
	free(text);
}

static void
model_rpo(json_t *m, const struct runstate *rs)
{
	char obj[DUR_LEN], lost[DUR_LEN], margin[DUR_LEN];
	int64_t diff = rs->rpo_ms - rs->loss_ms;
	const char *verdict;
	char *text;

	duration_format_abs(rs->rpo_ms, obj, sizeof obj);
	duration_format_abs(rs->loss_ms, lost, sizeof lost);
	duration_format_abs(diff, margin, sizeof margin);
	switch (runfacts_rpo(rs)) {
	case RUNFACTS_UNKNOWN:
		verdict = "not recorded";
		text = rs->rpo_ms > 0 ? xprintf("RPO %s: not assessed (no %s "
		    "recorded)", obj, DATALOSS_MINUTES) : xprintf("RPO: no "
		    "objective set and no data loss recorded");
		break;
	case RUNFACTS_NONE:
		verdict = "none";
		text = xprintf("RPO: no objective set (data loss window %s)", lost);
		break;
	case RUNFACTS_MISSED:
		verdict = "missed";
		text = xprintf("RPO %s: missed by %s (data loss window %s)",
		    obj, margin, lost);
		break;
	default:
		verdict = "met";
		text = xprintf("RPO %s: met (data loss window %s, %s to spare)",
		    obj, lost, margin);
		break;
	}
	json_object_set_new(m, "data_loss", json_pack("{s:o, s:o, s:o, "
	    "s:s, s:o, s:s}", "window_ms", jsonget_new_int(rs->loss_ms, -1),
	    "source", jsonget_new_str(rs->loss_from),
	    "objective_ms", jsonget_new_int(rs->rpo_ms, 0), "verdict",
	    verdict, "margin_ms", rs->loss_ms >= 0 && rs->rpo_ms > 0 ?
	    json_integer(diff < 0 ? -diff : diff) : json_null(), "text", text));
	free(text);
}

/* Start, end, outcome and elapsed time; "now" for a run still open. */
static void
model_times(json_t *m, const struct runstate *rs, struct report_pass *p, int64_t now)
{
	int closed = runfacts_closed(rs);
	int64_t elapsed = runfacts_elapsed_ms(rs, now);
	json_t *pending;

	json_object_set_new(m, "started", report_jts(rs->started_ms));
	json_object_set_new(m, "still_open", json_boolean(!closed));
	if (closed) {
		json_object_set_new(m, "ended", report_jts(rs->ended_ms));
		json_object_set_new(m, "outcome", jsonget_new_str(rs->outcome_word));
	}
	if (elapsed >= 0) {
		json_object_set_new(m, "elapsed_ms", json_integer(elapsed));
		if (closed)
			json_object_set_new(m, "recovery_ms", json_integer(elapsed));
	}
	pending = json_object_get(json_object_get(p->last_end, "steps"), "pending");
	if (json_is_integer(pending))
		json_object_set(m, "steps_not_reached", pending);
	model_rto(m, rs, now);
	model_rpo(m, rs);
}

/* --- verification --- */

static void
model_verification(json_t *m, const char *last_hash, const struct report_check *chk, const char *dir)
{
	json_t *v = json_pack("{s:s, s:I, s:I, s:o, s:o, s:b, s:o, s:b, s:b}", "status",
	    chk->intact ? "intact" : "broken", "lines", (json_int_t)chk->lines, "output_files",
	    (json_int_t)chk->outputs, "bad_line", jsonget_new_int(chk->bad_line, 0),
	    "what", jsonget_new_str(chk->what), "torn_tail", chk->torn,
	    "final_hash", jsonget_new_str(chk->intact ? chk->final_hash : last_hash),
	    "final_hash_verified", chk->intact, "output_files_reread", chk->outputs_reread);

	json_object_set_new(v, "head", jhead_json(dir));
	json_object_set_new(m, "verification", v);
}

/* --- the model --- */

static json_t *
model_new(void)
{
	json_t *m = json_object();
	size_t i;

	for (i = 0; i < sizeof model_keys / sizeof model_keys[0]; i++)
		json_object_set_new(m, model_keys[i], json_null());
	json_object_set_new(m, "schema", json_integer(REPORT_SCHEMA));
	for (i = 0; i < sizeof model_lists / sizeof model_lists[0]; i++)
		json_object_set_new(m, model_lists[i], json_array());
	return m;
}

/* Each line the fold read (a runstate_cb, arg the pass): the report's
 * and the scorecard's passes watch it, and what the verification says
 * beside it is kept: the last recorded hash, the recorded outputs. */
static int
observe_line(void *arg, const struct runstate *rs, const struct rs_event *ev)
{
	struct report_pass *p = arg;
	json_t *line = (json_t *)ev->raw, *hash = json_object_get(line, "hash");
	const char *out = jsonget_str(line, "output");

	if (json_is_string(hash)) {
		json_decref(p->last_hash);
		p->last_hash = json_incref(hash);
	}
	if (out != NULL && jsonget_str(line, "output_sha256") != NULL)
		json_object_set_new(p->outputs, out, json_true());
	return report_observe(p, rs, ev);
}

/* A line that is not a JSON object: a damaged journal is when a report
 * matters most, so the timeline says where it broke. */
static void
skipped_line(void *arg)
{
	struct report_pass *p = arg;
	json_t *entry;

	p->line++;
	entry = json_pack("{s:I, s:n, s:n, s:n, s:s, s:s}", "line", (json_int_t)p->line,
	    "seq", "ts", "operator", "event", "unreadable", "summary",
	    "the line is not a JSON object");
	json_array_append_new(json_object_get(p->m, "timeline"), entry);
}

static void
pass_begin(struct report_pass *p)
{
	memset(p, 0, sizeof *p);
	p->m = model_new();
	p->steps = json_object();
	p->opset = json_object();
	p->outputs = json_object();
	p->card = scorecard_new();
}

static void
pass_free(struct report_pass *p)
{
	if (p->card != NULL)
		scorecard_free(p->card);
	json_decref(p->m);
	json_decref(p->steps);
	json_decref(p->opset);
	json_decref(p->last_end);
	json_decref(p->last_hash);
	json_decref(p->outputs);
}

/* The model, once the fold read the whole journal; the pass is freed. */
static json_t *
report_model(const char *dir, struct report_pass *p, struct runstate *rs, const struct report_check *chk)
{
	const char *base = strrchr(dir, '/');
	int64_t now = clock_wall_ms();
	json_t *m = p->m;

	json_object_set_new(m, "incident", json_string(base != NULL &&
	    base[1] != '\0' ? base + 1 : dir));
	model_run(m, rs, p);
	model_steps(m, rs, p);
	model_times(m, rs, p, now);
	/* A drill is measured against its own targets too. */
	if (rs->started && rs->mode == JMODE_DRILL)
		json_object_set_new(m, "scorecard", scorecard_finish(p->card, rs));
	else
		scorecard_free(p->card);
	p->card = NULL;
	model_verification(m, json_string_value(p->last_hash), chk, dir);
	json_object_set_new(m, "notes_waiting", json_integer(inbox_pending(dir)));
	json_object_set_new(m, "generated", report_jts(now));
	p->m = NULL;
	pass_free(p);
	return m;
}

/*
 * Reads the journal once: the chain is checked (and the output files,
 * when outputs_too) as each line is folded (verify_fold), so a journal is
 * parsed once and never held whole; a line that is not a JSON object is
 * counted and named in the timeline. NULL and *cause if the journal cannot
 * be read.
 */
static json_t *
report_read(const char *dir, int outputs_too, char **cause)
{
	struct report_pass p;
	struct rs_load how = { .flags = RS_LOAD_LENIENT, .cb = observe_line, .arg = &p, .skipped = skipped_line };
	struct verify_result vr;
	struct report_check chk;
	struct runstate rs;
	char *fold_cause = NULL;
	json_t *m = NULL;
	int rc, fold_rc;

	pass_begin(&p);
	runstate_init(&rs);
	rc = verify_fold(dir, outputs_too, &vr, &rs, &how, &fold_rc, &fold_cause);
	if (rc == -1 || fold_rc != 0) {
		if (rc == -1)
			*cause = xstrdup(vr.what != NULL ? vr.what : "cannot verify the journal");
		else {
			*cause = fold_cause;
			fold_cause = NULL;
		}
		verify_result_clear(&vr);
		pass_free(&p);
	} else {
		report_check_fill(&chk, &vr, (int64_t)json_object_size(p.outputs), how.torn != 0, outputs_too);
		m = report_model(dir, &p, &rs, &chk);
		report_check_clear(&chk);
	}
	free(fold_cause);
	runstate_clear(&rs);
	return m;
}

/* --- entry points --- */

int
report_render(const char *incident_dir, int format, char **out, char **cause)
{
	json_t *m;
	char *text;
	int outputs_too = !(format & REPORT_CHAIN_ONLY);

	format &= ~REPORT_CHAIN_ONLY;
	if (format == REPORT_JUNIT)
		return junit_render_dir(incident_dir, out, cause);
	if (format == REPORT_METRICS)
		return metrics_render_dir(incident_dir, out, cause);
	if (format != REPORT_MARKDOWN && format != REPORT_JSON) {
		*cause = xprintf("unknown report format %d", format);
		return -1;
	}
	if ((m = report_read(incident_dir, outputs_too, cause)) == NULL)
		return -1;
	if (format == REPORT_JSON) {
		if ((text = json_dumps(m, JSON_INDENT(2))) == NULL)
			fatalx("cannot serialise the report");
		*out = xprintf("%s\n", text);
		free(text);
	} else
		*out = report_md_render(m);
	json_decref(m);
	return 0;
}

int
report_save(const char *path, const char *text, char **cause)
{
	return file_save_text(path, text, 0600, "report", cause);
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
