/* engine.c: a run's lifecycle, its journal, and the operator's actions.
 * Execution of commands lives in engine_exec.c, params and templates in
 * engine_params.c, rebuilding a run from its journal in resume.c. */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "engine_int.h"
#include "httpstep.h"
#include "inbox.h"
#include "incdir.h"
#include "log.h"
#include "reaper.h"
#include "runlog.h"
#include "strbuf.h"
#include "xmalloc.h"

const char *
step_status_name(enum step_status s)
{
	static const char *const names[] = {
		"pending", "running", "ok", "failed", "timeout", "cancelled", "skipped", "interrupted",
		"rolled_back",
	};

	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static const char *const run_mode_names[] = { "live", "drill", "dry-run", "training" };

const char *
run_mode_name(enum run_mode m)
{
	return (unsigned)m < sizeof run_mode_names / sizeof run_mode_names[0] ? run_mode_names[m] : "?";
}

int
run_mode_from_name(const char *name, enum run_mode *m)
{
	for (unsigned i = 0; name != NULL && i < sizeof run_mode_names / sizeof run_mode_names[0]; i++) {
		if (strcmp(run_mode_names[i], name) == 0) {
			*m = (enum run_mode)i;
			return 0;
		}
	}
	return -1;
}

int
step_status_final(enum step_status s)
{
	return s != STEP_PENDING && s != STEP_RUNNING && s != STEP_INTERRUPTED;
}

void
engine_set_reason(struct step_run *r, const char *fmt, ...)
{
	va_list ap;

	free(r->st.reason);
	r->st.reason = NULL;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&r->st.reason, fmt, ap) == -1)
		r->st.reason = NULL;
	va_end(ap);
}

/* --- the journal --- */

/* A JSON string for any C string: NULL becomes null, and bytes that are not
 * UTF-8 (a command's output may hold anything) become U+FFFD, because
 * jansson refuses invalid UTF-8 and a dropped field is a lost fact. */
json_t *
engine_jstr(const char *s)
{
	json_t *j;
	struct strbuf b;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	strbuf_init(&b);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
		    (*p & 0xf8) == 0xf0 ? 4 : 0;
		char one[5] = { 0 };

		if (n > 1) {
			memcpy(one, p, n);
			if (strnlen(one, n) == n && (j = json_string(one)) != NULL) {
				json_decref(j);
				strbuf_add(&b, one, n);
				p += n - 1;
				continue;
			}
		}
		if (n == 1)
			strbuf_addch(&b, (char)*p);
		else
			strbuf_adds(&b, "\xef\xbf\xbd");
	}
	j = json_string(strbuf_str(&b));
	strbuf_free(&b);
	return j != NULL ? j : json_string("");
}

static void
set_journal_error(struct engine *e, const char *cause)
{
	char *msg;

	if (e->journal_error != NULL && strcmp(e->journal_error, cause) == 0)
		return;
	free(e->journal_error);
	e->journal_error = xstrdup(cause);
	msg = xprintf("JOURNAL NOT WRITTEN: %s. No further step will start until it can be written.",
	    cause);
	log_debug("%s", msg);
	if (e->hooks.notice != NULL)
		e->hooks.notice(e->hooks.arg, msg);
	free(msg);
	if (e->write_error == NULL) {
		engine_write_failed(e, cause, "nothing yet: the events since wait in memory and are written "
		    "once there is room, unless drconsole stops first");
		e->write_error_journal = 1;
	}
}

static void
clear_write_error(struct engine *e)
{
	free(e->write_cause);
	free(e->write_error);
	e->write_cause = e->write_error = NULL;
	e->write_error_journal = 0;
}

/*
 * A file of the incident cannot be written (a full disk, an I/O error, a
 * quota): the running step is stopped, nothing further starts, and the
 * operator is told which file and what was lost. What is journaled stays
 * whole (journal.c cuts a torn line; output files keep OUTFILE_RESERVE for
 * the journal), so `drconsole resume` goes on once there is room. The
 * first trouble is the one told: what follows is its consequence.
 */
void
engine_write_failed(struct engine *e, const char *cause, const char *lost)
{
	if (e->write_error != NULL)
		return;
	e->write_cause = xstrdup(cause);
	e->write_error = xprintf("%s. Lost: %s. The run is stopped: no further step starts. Free some room, "
	    "then go on with: drconsole resume %s", cause, lost, e->incident_dir);
	log_debug("%s", e->write_error);
	engine_note(e, e->write_error, NULL);	/* queued if the journal is the trouble */
	if (e->running >= 0) {
		e->runs[e->running].write_failed = 1;
		exec_cancel(e, e->running);
	}
	if (e->hooks.write_failed != NULL)
		e->hooks.write_failed(e->hooks.arg, e->write_error);
	else if (e->hooks.notice != NULL && e->journal_error == NULL)	/* told already */
		e->hooks.notice(e->hooks.arg, e->write_error);
}

static void
tell_journaled(struct engine *e, const char *event, json_t *fields)
{
	static const char *const keys[] = { "step", "status", "decision", "reason", "text", "from", "to" };
	struct strbuf b;
	const char *v;

	if (e->hooks.journaled == NULL)
		return;
	strbuf_init(&b);
	for (size_t k = 0; fields != NULL && k < sizeof keys / sizeof keys[0]; k++) {
		if ((v = json_string_value(json_object_get(fields, keys[k]))) == NULL)
			continue;
		if (b.len > 0)
			strbuf_adds(&b, k >= 2 ? ": " : " ");
		strbuf_adds(&b, v);
	}
	e->hooks.journaled(e->hooks.arg, event, strbuf_str(&b));
	strbuf_free(&b);
}

int
engine_flush_journal(struct engine *e, char **cause)
{
	while (json_array_size(e->pending) > 0) {
		json_t *item = json_array_get(e->pending, 0);
		const char *event = json_string_value(json_array_get(item, 0));
		json_t *fields = json_array_get(item, 1);
		char *why = NULL;

		if (journal_append(e->journal, event, fields, &why) != 0) {
			set_journal_error(e, why);
			if (cause != NULL)
				*cause = why;
			else
				free(why);
			return -1;
		}
		tell_journaled(e, event, fields);
		json_array_remove(e->pending, 0);
	}
	if (e->journal_error != NULL && e->hooks.notice != NULL)
		e->hooks.notice(e->hooks.arg, "The journal is being written again; nothing was lost.");
	free(e->journal_error);
	e->journal_error = NULL;
	if (e->write_error_journal)
		clear_write_error(e);
	return 0;
}

/* Queues an event (stealing fields) and writes every queued one in order.
 * Returns -1 when it could not be written yet: it stays queued. */
int
engine_journal(struct engine *e, const char *event, json_t *fields, char **cause)
{
	json_t *item;

	if (fields == NULL)
		fields = json_object();
	/* A drill's every line says so, so no drill event can pass for a real one. */
	if (e->mode == MODE_DRILL)
		json_object_set_new(fields, "drill", json_true());
	/* Whatever brought it here (a reason, evidence, an operator's note),
	 * no secret reaches the journal. */
	mask_json(e->mask, fields);
	runlog_event(&(struct runlog_run){ e->rb->id, e->incident_id, run_mode_name(e->mode), e->operator,
	    e->env != NULL ? e->env->name : NULL }, event, fields);
	item = json_pack("[so]", event, fields);

	json_array_append_new(e->pending, item);
	return engine_flush_journal(e, cause);
}

void
engine_notify_step(struct engine *e, int i)
{
	if (e->hooks.step_changed != NULL)
		e->hooks.step_changed(e->hooks.arg, i);
}

json_t *
engine_step_fields(struct engine *e, int i)
{
	return json_pack("{sssi}", "step", e->rb->steps[i].id, "index", i + 1);
}

/* --- notes from other terminals --- */

#define ENGINE_INBOX_MS 1000

/* An injected event (a drill facilitator's "the replica is lagging too")
 * is journaled, then put in front of the operator. */
static int
inbox_to_journal(void *arg, const char *event, json_t *fields, char **cause)
{
	struct engine *e = arg;
	const char *by = json_string_value(json_object_get(fields, "by"));
	const char *text = json_string_value(json_object_get(fields, "text"));
	char *msg;

	if (engine_journal(e, event, json_deep_copy(fields), cause) != 0)
		return -1;
	if (json_is_true(json_object_get(fields, "injected")) && e->hooks.notice != NULL && text != NULL) {
		msg = xprintf("INJECTED by %s: %s", by != NULL ? by : "the facilitator", text);
		e->hooks.notice(e->hooks.arg, msg);
		free(msg);
	}
	return 0;
}

/* Journals notes that `drconsole note` queued while we hold the lock. A
 * journal in trouble takes none: the request stays on disk instead of being
 * queued here and journaled twice. */
static void
drain_inbox(struct engine *e)
{
	char *cause = NULL;

	if (e->journal_error == NULL && inbox_drain(e->incident_dir, inbox_to_journal, e, &cause) < 0) {
		log_debug("inbox: %s", cause);
		free(cause);
	}
}

static void
on_inbox_timer(void *arg)
{
	struct engine *e = arg;

	e->inbox_timer = NULL;
	drain_inbox(e);
	approve_poll(e);
	e->inbox_timer = loop_add_timer(e->loop, ENGINE_INBOX_MS, on_inbox_timer, e);
}

void
engine_start_inbox(struct engine *e)
{
	drain_inbox(e);
	approve_poll(e);
	e->inbox_timer = loop_add_timer(e->loop, ENGINE_INBOX_MS, on_inbox_timer, e);
}

/* --- the terminal recording --- */

/* The recording is a convenience beside the journal: without it the run
 * goes on, and the operator is told once. */
void
engine_open_cast(struct engine *e)
{
	char *cause = NULL, *msg;

	e->cast = cast_openat(journal_dirfd(e->journal), e->incident_dir, e->started_wall, e->rb->title.s, &cause);
	if (e->cast != NULL)
		return;
	msg = xprintf("No terminal recording: %s", cause);
	log_debug("%s", msg);
	if (e->hooks.notice != NULL)
		e->hooks.notice(e->hooks.arg, msg);
	free(msg);
	free(cause);
}

void
engine_flush_cast(struct engine *e)
{
	char *cause = NULL, *text;

	if (cast_flush(e->cast, &cause) == 0)
		return;
	log_debug("recording: %s", cause);
	if (cast_stopped(e->cast)) {
		/* Said once, journaled: then the recording is gone for this run. */
		text = xprintf("Terminal recording stopped: %s. Every output line is still in the output files.",
		    cause);
		engine_note(e, text, NULL);
		if (e->hooks.notice != NULL)
			e->hooks.notice(e->hooks.arg, text);
		free(text);
		cast_close(e->cast);
		e->cast = NULL;
	}
	free(cause);
}

/* A line of ours in the recording: "-- step 3 restore: skipped: ...". */
static void
cast_say(struct engine *e, int i, const char *what, const char *why)
{
	char *text;

	if (e->cast == NULL)
		return;
	text = xprintf("-- step %d %s: %s%s%s", i + 1, e->rb->steps[i].id, what,
	    why != NULL && *why != '\0' ? ": " : "", why != NULL ? why : "");
	engine_cast_text(e, clock_wall_ms(), text);
	free(text);
}

/* Text for the recording besides the output (which is masked on its way
 * in): an operator's reason, a command, an outcome. Masked here. */
void
engine_cast_text(struct engine *e, int64_t ts_ms, const char *text)
{
	char *masked;

	if (e->cast == NULL)
		return;
	masked = mask_str(e->mask, text, NULL);
	cast_text(e->cast, ts_ms, masked, strlen(masked));
	free(masked);
}

/* --- creating a run --- */

char *
engine_default_operator(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u == NULL || *u == '\0')
		u = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : "unknown";
	return xstrdup(u);
}

/* NULL when the user has no state directory: engine_open_journal says so. */
static char *
default_incident_dir(const struct runbook *rb, int64_t now, char **id)
{
	char stamp[CLOCK_RFC3339_LEN], *root, *cause = NULL, *dir;

	clock_format_stamp(now, stamp);
	*id = xprintf("%s-%s", stamp, rb->id);
	if ((root = incdir_default_root(&cause)) == NULL) {
		free(cause);
		return NULL;
	}
	dir = xprintf("%s/%s", root, *id);
	free(root);
	return dir;
}

static void
base_id(struct engine *e)
{
	const char *slash = strrchr(e->incident_dir, '/');

	free(e->incident_id);
	e->incident_id = xstrdup(slash != NULL && slash[1] != '\0' ? slash + 1 : e->incident_dir);
}

struct engine *
engine_alloc(const struct engine_opts *opts)
{
	struct engine *e = xcalloc(1, sizeof *e);

	e->rb = opts->rb;
	e->loop = opts->loop;
	e->mode = opts->mode;
	e->dry_drill = opts->dry_drill && opts->mode == MODE_DRY_RUN;
	e->hooks = opts->hooks;
	answers_copy(e, opts);
	e->grace_ms = opts->kill_grace_ms > 0 ? opts->kill_grace_ms : ENGINE_DEFAULT_GRACE_MS;
	e->operator = opts->operator != NULL ? xstrdup(opts->operator) : engine_default_operator();
	e->pending = json_array();
	e->running = -1;
	e->started_wall = clock_wall_ms();
	e->mask = mask_new();
	/* What a step starts outside its group comes back to us, to be
	 * stopped with it (reaper.h). */
	if (e->loop != NULL && reaper_enable(e->loop) == 0)
		e->reaping = 1;
	else
		log_debug("cannot become a child subreaper: %s", strerror(errno));
	e->runs = xcalloc((size_t)opts->rb->nsteps + 1, sizeof *e->runs);
	for (int i = 0; i < opts->rb->nsteps; i++) {
		e->runs[i].ctx.e = e;
		e->runs[i].ctx.step = i;
		e->runs[i].st.exit_code = -1;
		e->runs[i].st.out = outbuf_new(ENGINE_SCROLLBACK_LINES, ENGINE_SCROLLBACK_BYTES);
		strbuf_init(&e->runs[i].cap_out);
	}
	if (opts->incident_dir != NULL) {
		e->incident_dir = xstrdup(opts->incident_dir);
		base_id(e);
	} else
		e->incident_dir = default_incident_dir(opts->rb, e->started_wall, &e->incident_id);
	return e;
}

int
engine_open_journal(struct engine *e, char **cause)
{
	char *root;

	if (e->incident_dir == NULL) {
		/* Only when there is no state directory: say that. */
		if ((root = incdir_default_root(cause)) != NULL) {
			free(root);
			*cause = xstrdup("no incident directory");
		}
		return -1;
	}
	if (journal_open(&e->journal, e->incident_dir, 0, cause) != 0)
		return -1;
	/* A new run never adds itself to an incident that has its own. */
	if (!e->resuming && journal_last_seq(e->journal) > 0) {
		*cause = xprintf("%s already holds an incident: resume it with drconsole resume %s, or give a "
		    "new --incident-dir", e->incident_dir, e->incident_dir);
		journal_close(e->journal);
		e->journal = NULL;
		return -1;
	}
	journal_set_operator(e->journal, e->operator);
	return 0;
}

static json_t *
drill_fields(const struct runbook *rb, const struct engine *e)
{
	json_t *d = json_object(), *crit = json_array();

	json_object_set_new(d, "target_rto_ms", json_integer(rb->drill_target_rto_ms));
	json_object_set_new(d, "environment", e->env != NULL ? engine_jstr(e->env->name) : json_null());
	for (int i = 0; i < rb->ncriteria; i++)
		json_array_append_new(crit, json_pack("{soso}", "name", engine_jstr(rb->criteria[i].name),
		    "when", engine_jstr(rb->criteria[i].when.s)));
	json_object_set_new(d, "success_criteria", crit);
	return d;
}

static json_t *
run_start_fields(struct engine *e)
{
	const struct runbook *rb = e->rb;
	char sha[CRYPTO_HEX_LEN], host[256] = "unknown";
	json_t *f, *r;

	crypto_hex(rb->sha256, sizeof rb->sha256, sha);
	gethostname(host, sizeof host - 1);
	r = json_object();
	json_object_set_new(r, "id", engine_jstr(rb->id));
	json_object_set_new(r, "title", engine_jstr(rb->title.s));
	json_object_set_new(r, "path", engine_jstr(rb->path));
	json_object_set_new(r, "sha256", engine_jstr(sha));
	json_object_set_new(r, "scenario", engine_jstr(rb->scenario));
	if (rb->executor != NULL)
		json_object_set_new(r, "executor", engine_jstr(rb->executor));
	if (rb->classification != NULL)
		json_object_set_new(r, "classification", engine_jstr(rb->classification));
	f = json_object();
	json_object_set_new(f, "runbook", r);
	json_object_set_new(f, "mode", engine_jstr(run_mode_name(e->mode)));
	json_object_set_new(f, "host", engine_jstr(host));
	json_object_set_new(f, "version", engine_jstr(PACKAGE_VERSION));
	json_object_set_new(f, "schema", json_integer(JSCHEMA_VERSION));
	json_object_set_new(f, "incident", engine_jstr(e->incident_id));
	json_object_set_new(f, "pid", json_integer(getpid()));
	json_object_set_new(f, "objectives", json_pack("{sIsI}", "rto_ms", (json_int_t)rb->rto_ms,
	    "rpo_ms", (json_int_t)rb->rpo_ms));
	json_object_set_new(f, "params", params_journal_view(e));
	json_object_set_new(f, "environment", e->env != NULL ? engine_jstr(e->env->name) : json_null());
	if (e->mode == MODE_DRILL)
		json_object_set_new(f, "drill_plan", drill_fields(rb, e));
	return f;
}

int
engine_new(struct engine **out, const struct engine_opts *opts, char **cause)
{
	struct engine *e = engine_alloc(opts);

	if (params_choose_environment(e, opts->environment, cause) != 0 ||
	    params_resolve(e, opts, cause) != 0 || engine_open_journal(e, cause) != 0 ||
	    params_keep_sandbox(e, cause) != 0) {
		engine_free(e);
		return -1;
	}
	if (engine_journal(e, JEV_NAME(RUN_START), run_start_fields(e), cause) != 0) {
		engine_free(e);
		return -1;
	}
	engine_open_cast(e);
	engine_start_inbox(e);
	*out = e;
	return 0;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	if (e->inbox_timer != NULL)
		loop_cancel_timer(e->loop, e->inbox_timer);
	approve_stop(e);
	for (int i = 0; i < e->rb->nsteps; i++) {
		native_release(e, &e->runs[i]);
		remote_release(e, &e->runs[i]);
		exec_release(&e->runs[i]);
		flow_release(&e->runs[i]);
		outbuf_free(e->runs[i].st.out);
		free(e->runs[i].st.reason);
		free(e->runs[i].st.note);
		free(e->runs[i].st.command);
	}
	free(e->runs);
	remote_close_connections(e);
	if (e->reaping)
		reaper_disable(e->loop);
	if (e->httpctx != NULL)
		httpctx_free(e->httpctx);
	params_free(e);
	answers_free(e);
	cast_close(e->cast);
	if (e->journal != NULL)
		journal_close(e->journal);
	json_decref(e->pending);
	free(e->journal_error);
	clear_write_error(e);
	free(e->operator);
	free(e->incident_dir);
	free(e->incident_id);
	free(e);
}

/* --- accessors --- */

const struct runbook *engine_runbook(const struct engine *e) { return e->rb; }
const struct step_state *engine_step(const struct engine *e, int i) { return &e->runs[i].st; }
const char *engine_incident_dir(const struct engine *e) { return e->incident_dir; }
enum run_mode engine_mode(const struct engine *e) { return e->mode; }
const char *engine_operator(const struct engine *e) { return e->operator; }
int64_t engine_started_wall(const struct engine *e) { return e->started_wall; }
int engine_running_step(const struct engine *e) { return e->running; }
int engine_busy(const struct engine *e) { return e->running >= 0; }
const char *engine_journal_error(const struct engine *e) { return e->journal_error; }
const char *engine_write_error(const struct engine *e) { return e->write_error; }
const struct environment *engine_environment(const struct engine *e) { return e->env; }

int
engine_step_approved(const struct engine *e, int i, const char **approver)
{
	*approver = e->runs[i].approver;
	return e->runs[i].approved;
}

const char *
engine_generated_secret(const struct engine *e, const char *name)
{
	for (int i = 0; i < e->rb->nparams; i++) {
		if (e->values[i].generated && strcmp(e->values[i].p->name, name) == 0)
			return e->values[i].value;
	}
	return NULL;
}

/* --- actions --- */

const char *
engine_how_name(enum confirm_how how)
{
	static const char *const names[] = { "confirmed", "typed", "auto", "attested", "approved", "answered" };

	return names[how];
}

int
engine_check_startable(struct engine *e, int i, char **cause)
{
	enum step_status st;

	if (i < 0 || i >= e->rb->nsteps) {
		*cause = xprintf("no step %d", i + 1);
		return -1;
	}
	if (e->running >= 0) {
		*cause = xprintf("step '%s' is still running", e->rb->steps[e->running].id);
		return -1;
	}
	if (e->finished) {
		*cause = xstrdup("the run has ended");
		return -1;
	}
	st = e->runs[i].st.status;
	if (st == STEP_OK) {
		*cause = xprintf("step '%s' is already done", e->rb->steps[i].id);
		return -1;
	}
	/* Nothing starts while the journal is behind: flush first. */
	if (engine_flush_journal(e, cause) != 0)
		return -1;
	if (e->write_error != NULL) {
		*cause = xprintf("no step starts: %s", e->write_error);
		return -1;
	}
	return 0;
}

int
engine_start_step(struct engine *e, int i, enum confirm_how how, char **cause)
{
	json_t *f;

	if (engine_check_startable(e, i, cause) != 0)
		return -1;
	if (e->rb->steps[i].action == ACTION_MANUAL)
		return engine_attest(e, i, how, NULL, cause);
	if (e->rb->steps[i].action == ACTION_INPUT)	/* answered (engine_answer), never started */
		return step_ops_for(&e->rb->steps[i])->start(e, i, cause);
	if (e->rb->steps[i].confirm == CONFIRM_APPROVAL && !e->runs[i].approved && e->mode != MODE_DRY_RUN) {
		*cause = xprintf("step '%s' needs a second operator's approval: from their own terminal, "
		    "drconsole approve %s %s", e->rb->steps[i].id, e->incident_dir, e->rb->steps[i].id);
		return -1;
	}
	f = engine_step_fields(e, i);
	json_object_set_new(f, "how", engine_jstr(engine_how_name(how)));
	if (engine_journal(e, JEV_NAME(STEP_CONFIRM), f, cause) != 0)
		return -1;
	e->runs[i].st.attempt = 0;
	return exec_start(e, i, cause);
}

/* What was typed is kept short and masked: it may be anything pasted. */
int
engine_confirm_refused(struct engine *e, int i, const char *typed, char **cause)
{
	char *shown = mask_str(e->mask, typed != NULL ? typed : "", NULL);
	json_t *f = engine_step_fields(e, i);

	if (strlen(shown) > 64)
		shown[64] = '\0';	/* a cut character: engine_jstr mends it */
	json_object_set_new(f, "typed", engine_jstr(shown));
	json_object_set_new(f, "reason", engine_jstr("the id typed did not match: nothing ran"));
	free(shown);
	return engine_journal(e, JEV_NAME(CONFIRM_REFUSED), f, cause);
}

int
engine_attest(struct engine *e, int i, enum confirm_how how, const char *note, char **cause)
{
	struct step_run *r;
	char *attests;
	json_t *f;

	if (engine_check_startable(e, i, cause) != 0)
		return -1;
	r = &e->runs[i];
	f = engine_step_fields(e, i);
	json_object_set_new(f, "how", engine_jstr(engine_how_name(how)));
	if (note != NULL && *note != '\0')
		json_object_set_new(f, "note", engine_jstr(note));
	/* What was attested, as the operator read it: expanded, secrets ****. */
	attests = engine_display_text(e, i, e->rb->steps[i].manual.s);
	json_object_set_new(f, "attests", engine_jstr(attests));
	free(attests);
	if (engine_journal(e, JEV_NAME(STEP_CONFIRM), f, cause) != 0)
		return -1;
	f = engine_step_fields(e, i);
	json_object_set_new(f, "status", engine_jstr("ok"));
	json_object_set_new(f, "attested_by", engine_jstr(e->operator));
	json_object_set_new(f, "duration_ms", json_integer(0));
	if (engine_journal(e, JEV_NAME(STEP_END), f, cause) != 0)
		return -1;
	cast_say(e, i, "attested", note);
	r->st.status = STEP_OK;
	r->st.attempt++;
	r->st.started_wall = clock_wall_ms();
	free(r->st.note);
	r->st.note = note != NULL && *note != '\0' ? xstrdup(note) : NULL;
	engine_set_reason(r, "attested by %s", e->operator);
	engine_notify_step(e, i);
	return 0;
}

void
engine_cancel(struct engine *e, int i)
{
	if (i >= 0 && i == e->running)
		exec_cancel(e, i);
}

static int
end_without_running(struct engine *e, int i, enum step_status st, int skip, const char *reason,
    const char *note, char **cause)
{
	struct step_run *r = &e->runs[i];
	json_t *f;

	if (i < 0 || i >= e->rb->nsteps || i == e->running) {
		*cause = xstrdup(i == e->running ? "the step is running: cancel it first" : "no such step");
		return -1;
	}
	f = engine_step_fields(e, i);
	json_object_set_new(f, "status", engine_jstr(step_status_name(st)));
	if (reason != NULL)
		json_object_set_new(f, "reason", engine_jstr(reason));
	if (skip >= 0)
		json_object_set_new(f, "skip", engine_jstr(jschema_skip_name((enum js_skip)skip)));
	if (note != NULL)
		json_object_set_new(f, "note", engine_jstr(note));
	if (r->st.status == STEP_INTERRUPTED)
		json_object_set_new(f, "was", engine_jstr("interrupted"));
	if (engine_journal(e, JEV_NAME(STEP_END), f, cause) != 0)
		return -1;
	cast_say(e, i, step_status_name(st), note != NULL ? note : reason);
	r->st.status = st;
	engine_set_reason(r, "%s", reason != NULL ? reason : note != NULL ? note : "");
	engine_notify_step(e, i);
	return 0;
}

int
engine_skip(struct engine *e, int i, enum js_skip kind, const char *reason, char **cause)
{
	if (reason == NULL || *reason == '\0') {
		*cause = xstrdup("a skip needs a reason");
		return -1;
	}
	return end_without_running(e, i, STEP_SKIPPED, (int)kind, reason, NULL, cause);
}

int
engine_mark_done(struct engine *e, int i, const char *note, char **cause)
{
	if (note == NULL || *note == '\0') {
		*cause = xstrdup("marking a step done by hand needs a note saying how you know");
		return -1;
	}
	return end_without_running(e, i, STEP_OK, -1, "marked done by the operator", note, cause);
}

int
engine_rollback(struct engine *e, int i, char **cause)
{
	if (i < 0 || i >= e->rb->nsteps || e->rb->steps[i].rollback.s == NULL) {
		*cause = xstrdup("this step has no rollback command");
		return -1;
	}
	if (e->running >= 0) {
		*cause = xstrdup("a step is still running");
		return -1;
	}
	if (engine_flush_journal(e, cause) != 0)
		return -1;
	return exec_start_rollback(e, i, cause);
}

int
engine_note(struct engine *e, const char *text, char **cause)
{
	if (text == NULL || *text == '\0') {
		*cause = xstrdup("an empty note");
		return -1;
	}
	json_t *f = json_object();

	json_object_set_new(f, "text", engine_jstr(text));
	return engine_journal(e, JEV_NAME(NOTE), f, cause);
}

int
engine_decision(struct engine *e, int i, enum js_decision kind, const char *decision, char **cause)
{
	json_t *f = i >= 0 ? engine_step_fields(e, i) : json_object();

	json_object_set_new(f, "decision", engine_jstr(decision));
	json_object_set_new(f, "kind", engine_jstr(jschema_decision_name(kind)));
	return engine_journal(e, JEV_NAME(DECISION), f, cause);
}

int
engine_finish(struct engine *e, const char *status, char **cause)
{
	int counts[STEP_NSTATUS] = { 0 };
	json_t *f, *c;

	if (e->running >= 0) {
		*cause = xstrdup("a step is still running");
		return -1;
	}
	drain_inbox(e);
	for (int i = 0; i < e->rb->nsteps; i++)
		counts[e->runs[i].st.status]++;
	c = json_object();
	for (int s = 0; s < STEP_NSTATUS; s++) {
		if (counts[s] > 0)
			json_object_set_new(c, step_status_name((enum step_status)s), json_integer(counts[s]));
	}
	f = json_pack("{sssIso}", "status", status,
	    "duration_ms", (json_int_t)(clock_wall_ms() - e->started_wall), "steps", c);
	if (engine_journal(e, JEV_NAME(RUN_END), f, cause) != 0)
		return -1;
	e->finished = 1;
	if (e->cast != NULL) {
		char *label = xprintf("run ended: %s", status);

		cast_marker(e->cast, clock_wall_ms(), label);
		free(label);
		engine_flush_cast(e);
	}
	approve_stop(e);
	return 0;
}
