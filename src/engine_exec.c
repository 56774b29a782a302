/* engine_exec.c: running a step's command (or its rollback) as a job:
 * expansion, the child's environment, output into the scrollback and the
 * output file, timeouts, cancels, retries, and the verdict. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "duration.h"
#include "engine_int.h"
#include "shlex.h"
#include "log.h"
#include "xmalloc.h"

static struct exec_ctx *
ctx_for(struct engine *e, int i)
{
	return &e->runs[i].ctx;
}

/* --- output --- */

/* expect.output: a line of the block matches. regexec wants a string, so
 * each line is copied; only steps with expect.output pay for it, and only
 * until the first match. */
static int
block_matches(regex_t *re, const struct outblock *b)
{
	const char *p = b->text, *end = b->text + b->len, *nl;
	size_t n;
	char *line;
	int hit = 0;

	while (!hit && p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		line = xstrndup(p, n > 0 && p[n - 1] == '\r' ? n - 1 : n);
		hit = regexec(re, line, 0, NULL, 0) == 0;
		free(line);
		p = nl + 1;
	}
	return hit;
}

static void
on_block(void *arg, const struct outblock *b)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];
	char *cause = NULL;

	if (r->of != NULL && !r->of_failed && outfile_write_block(r->of, b, &cause) != 0) {
		r->of_failed = 1;
		engine_write_failed(c->e, cause, "this output line and every one after it");
		free(cause);
	}
	cast_block(c->e->cast, b->ts_ms, b->stream, b->text, b->len, b->nlines);
	if (cast_stopped(c->e->cast))	/* said now, before what follows */
		engine_flush_cast(c->e);
	r->lines += b->nlines;
	if (r->has_re && !r->output_matched && !r->in_rollback && block_matches(&r->re, b))
		r->output_matched = 1;
	if (c->e->hooks.output_block != NULL)
		c->e->hooks.output_block(c->e->hooks.arg, c->step, b);
}

static void
on_flush_timer(void *arg)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];
	char *cause = NULL;

	r->flush_timer = NULL;
	if (r->of != NULL && !r->of_failed && outfile_flush(r->of, &cause) != 0) {
		r->of_failed = 1;
		engine_write_failed(c->e, cause, "the output lines still waiting to be written, and every one after them");
		free(cause);
	}
	engine_flush_cast(c->e);
}

/* A stream's bytes, secrets masked, into the scrollback (and from there
 * the output file, the recording and the front ends). */
static void
on_masked(void *arg, const char *data, size_t len)
{
	struct out_sink *s = arg;

	outbuf_feed(s->c->e->runs[s->c->step].st.out, s->stream, data, len, clock_wall_ms());
}

/* Masked before the scrollback cuts them into lines: a secret split across
 * reads, across OUTBUF_LINE_MAX or across lines is masked whole. A hold
 * here waits for the stream's next bytes or its end, however long: a held
 * tail that ends a line is the start of a secret that spans lines, and a
 * tail inside a line shows nowhere until its line ends anyway. */
void
exec_output(void *arg, int stream, const char *data, size_t len)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];

	if (stream < 0 || stream >= OUTBUF_STREAMS)
		stream = JOB_STDOUT;
	if (r->cap_lines != NULL)
		outbuf_feed(r->cap_lines, stream, data, len, clock_wall_ms());
	if (r->out_ms[stream] == NULL) {
		r->out_sink[stream] = (struct out_sink){ c, stream };
		r->out_ms[stream] = maskstream_new(c->e->mask, NULL, on_masked, &r->out_sink[stream]);
	}
	maskstream_feed(r->out_ms[stream], data, len);
	input_relay(c->e, c->step, data, len);
	/* The file trails the screen by at most one flush period. */
	if (r->flush_timer == NULL && r->of != NULL && outfile_pending(r->of) > 0)
		r->flush_timer = loop_add_timer(c->e->loop, OUTFILE_FLUSH_MS, on_flush_timer, c);
}

/* The target's stand-in for step i (stand_ins: in its environment), or NULL. */
static const struct rstr *
env_stand_in(const struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];

	return s->action == ACTION_RUN && s->on.s == NULL ? runbook_stand_in(e->env, s->id) : NULL;
}

/* --- the verdict --- */

/* A job's own verdict: its exit status and expect.output. A verify or a
 * rollback succeeds when it exits 0. Cancels and timeouts are the
 * engine's to judge (engine_end.c). */
static void
job_verdict(struct engine *e, int i, int wait_status, struct attempt_end *end)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	int plain = r->in_verify || r->in_rollback;
	int want = s->has_expect_exit && !plain ? s->expect_exit : 0;
	char *why = NULL;

	if (WIFSIGNALED(wait_status) || (plain && r->st.exit_code != 0))
		why = xstrdup(r->st.exit_desc);
	else if (r->st.exit_code != want)
		why = xprintf("%s, expected %d", r->st.exit_desc, want);
	else if (!plain && r->has_re && !r->output_matched)
		why = xprintf("no output line matched /%s/", s->expect_output.s);
	end->ok = why == NULL;
	/* A stand-in's success is not the real step's: say so wherever the
	 * outcome is shown (summary, journal, report). */
	if (end->ok && !plain && env_stand_in(e, i) != NULL)
		why = xprintf("stand-in for environment %s: the real step did not run", e->env->name);
	end->reason = why;
}

/* The attempt's output ended: what the masking held goes out, then every
 * unfinished line, to the scrollback and to a capture. */
void
exec_end_output(struct engine *e, struct step_run *r)
{
	for (int k = 0; k < OUTBUF_STREAMS; k++) {
		maskstream_flush(r->out_ms[k]);
		maskstream_free(r->out_ms[k]);
		r->out_ms[k] = NULL;
	}
	input_relay_flush(e, (int)(r - e->runs));
	outbuf_flush(r->st.out);
	if (r->cap_lines != NULL)
		outbuf_flush(r->cap_lines);
	outbuf_free(r->cap_lines);
	r->cap_lines = NULL;
}

void
exec_close_output(struct engine *e, struct step_run *r, json_t *f)
{
	char sha[CRYPTO_HEX_LEN], *cause = NULL;

	if (r->flush_timer != NULL) {
		loop_cancel_timer(e->loop, r->flush_timer);
		r->flush_timer = NULL;
	}
	if (r->of == NULL)
		return;
	json_object_set_new(f, "output", engine_jstr(outfile_relpath(r->of)));
	if (outfile_close(r->of, sha, &cause) == 0)
		json_object_set_new(f, "output_sha256", engine_jstr(sha));
	else {
		json_object_set_new(f, "output_error", engine_jstr(cause));
		free(cause);
	}
	r->of = NULL;
	json_object_set_new(f, "lines", json_integer((json_int_t)r->lines));
}

static void start_attempt(struct engine *e, int i);

static void
on_retry_timer(void *arg)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];

	r->retry_timer = NULL;
	r->st.retry_waiting = 0;
	start_attempt(c->e, c->step);
}

static int
schedule_retry(struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	int64_t delay = s->retry_delay_ms;
	json_t *f;

	/* Nothing starts again, a retry included, while a file cannot be written. */
	if (r->cancelled || e->write_error != NULL || (r->st.status != STEP_FAILED && r->st.status != STEP_TIMEOUT))
		return 0;
	if (s->until_every_ms > 0 ? !flow_until_retry(e, i, &delay) : r->st.attempt > s->retries)
		return 0;
	f = engine_step_fields(e, i);
	json_object_set_new(f, "next_attempt", json_integer(r->st.attempt + 1));
	if (s->until_every_ms > 0)
		json_object_set_new(f, "until_within_ms", json_integer(s->until_within_ms));
	else
		json_object_set_new(f, "of", json_integer(s->retries + 1));
	json_object_set_new(f, "delay_ms", json_integer(delay));
	json_object_set_new(f, "reason", engine_jstr(r->st.reason ? r->st.reason : ""));
	engine_journal(e, JEV_NAME(STEP_RETRY), f, NULL);
	r->st.retry_waiting = 1;
	r->st.retry_delay_ms = delay;
	r->st.status = STEP_RUNNING;
	r->retry_timer = loop_add_timer(e->loop, delay, on_retry_timer, ctx_for(e, i));
	return 1;
}

/* detach: true: the pids the step left running go on record. */
static void
add_left_running(json_t **extra, const struct job *done)
{
	size_t n = 0;
	const pid_t *pids = done != NULL ? job_left_running(done, &n) : NULL;
	json_t *a;

	if (pids == NULL)
		return;
	a = json_array();
	for (size_t k = 0; k < n; k++)
		json_array_append_new(a, json_integer(pids[k]));
	*extra = json_pack("{so}", "left_running", a);
}

static void
finish_job(struct engine *e, int i, const struct job *done, int wait_status)
{
	struct step_run *r = &e->runs[i];
	struct attempt_end end = { 0 };
	char desc[sizeof r->st.exit_desc];

	job_describe_status(wait_status, desc, sizeof desc);
	snprintf(r->st.exit_desc, sizeof r->st.exit_desc, "%s", desc);
	r->st.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
	end.has_exit = 1;
	end.exit_code = r->st.exit_code;
	end.exit_desc = desc;
	job_verdict(e, i, wait_status, &end);
	add_left_running(&end.extra, done);
	exec_attempt_ended(e, i, &end);
	free((char *)end.reason);
}

/* --- the recording --- */

/* Marks where an attempt's output begins, and what it runs. */
static void
cast_begin(struct engine *e, int i, int rollback)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	int64_t now = clock_wall_ms();
	char *label, *command, *text;

	if (e->cast == NULL)
		return;
	label = xprintf("step %d: %s (%s)", i + 1, s->title.s != NULL ? s->title.s : s->id, s->id);
	if (rollback || r->st.attempt > 1) {
		text = rollback ? xprintf("%s, rollback", label) : xprintf("%s, attempt %d", label, r->st.attempt);
		free(label);
		label = text;
	}
	cast_marker(e->cast, now, label);
	/* spawn left the shown command, secrets masked, in st.command. */
	command = s->action == ACTION_RUN || rollback ? xstrdup(r->st.command != NULL ? r->st.command : "") :
	    engine_display_command(e, i);
	text = xprintf("\x1b[1m== %s ==\x1b[0m\n$ %s", label, command);
	engine_cast_text(e, now, text);
	free(text);
	free(command);
	free(label);
}

/* The attempt's outcome, under its output. */
static void
cast_end(struct engine *e, int i)
{
	struct step_run *r = &e->runs[i];
	char d[32], *text;

	if (e->cast == NULL)
		return;
	duration_format(r->st.duration_ms, d, sizeof d);
	if (r->in_rollback)
		text = xprintf("-- rollback %s (%s, %s)", r->st.rolled_back > 0 ? "ok" : "failed", r->st.exit_desc, d);
	else
		text = xprintf("-- %s%s%s (%s)", step_status_name(r->st.status), r->st.reason != NULL ? ": " : "",
		    r->st.reason != NULL ? r->st.reason : "", d);
	engine_cast_text(e, clock_wall_ms(), text);
	free(text);
	engine_flush_cast(e);
}

static int spawn(struct engine *e, int i, const char *command_tmpl, int rollback, char **cause);

/* Starts step i's on_failure handler when it failed for good and has one
 * not yet run for this failure: 1 it runs (the step stays busy until it
 * ends, handler_ended), 0 not (or it could not start: journaled). */
static int
start_handler(struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	char *cause = NULL;
	json_t *f;

	if (s->on_failure_run.s == NULL || r->handler_ran || r->cancelled || e->write_error != NULL ||
	    e->mode == MODE_DRY_RUN || (r->st.status != STEP_FAILED && r->st.status != STEP_TIMEOUT))
		return 0;
	r->handler_ran = 1;
	r->in_handler = 1;
	r->timed_out = 0;
	if (spawn(e, i, s->on_failure_run.s, 0, &cause) != 0) {
		r->in_handler = 0;
		f = engine_step_fields(e, i);
		json_object_set_new(f, "phase", engine_jstr("end"));
		json_object_set_new(f, "status", engine_jstr("failed"));
		json_object_set_new(f, "reason", engine_jstr(cause));
		engine_journal(e, JEV_NAME(STEP_ON_FAILURE), f, NULL);
		free(cause);
		return 0;
	}
	f = engine_step_fields(e, i);
	json_object_set_new(f, "phase", engine_jstr("start"));
	json_object_set_new(f, "command", engine_jstr(r->st.command));
	engine_journal(e, JEV_NAME(STEP_ON_FAILURE), f, NULL);
	return 1;
}

void
exec_handler_ended(struct engine *e, int i, json_t *f, int ok)
{
	struct step_run *r = &e->runs[i];

	r->in_handler = 0;
	json_object_set_new(f, "phase", engine_jstr("end"));
	json_object_set_new(f, "status", engine_jstr(ok ? "ok" : "failed"));
	engine_journal(e, JEV_NAME(STEP_ON_FAILURE), f, NULL);
	if (r->has_re)
		regfree(&r->re);
	r->has_re = 0;
	e->running = -1;
	engine_notify_step(e, i);
}

/* After an attempt's end is journaled: a retry, or the step is over. */
void
exec_conclude(struct engine *e, int i)
{
	struct step_run *r = &e->runs[i];

	cast_end(e, i);
	if (r->has_re)
		regfree(&r->re);
	r->has_re = 0;
	if (!r->in_rollback && schedule_retry(e, i)) {
		engine_notify_step(e, i);
		return;
	}
	/* Failed for good: the handler runs before anyone decides. */
	if (!r->in_rollback && start_handler(e, i))
		return;
	r->in_rollback = 0;
	e->running = -1;
	engine_notify_step(e, i);
}

static void
on_done(void *arg, int wait_status)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];
	struct job *done = r->job;

	/* Forget the finished job first: ending the attempt may start the
	 * next job of the same step (its verify), which must not be freed. */
	r->job = NULL;
	finish_job(c->e, c->step, done, wait_status);
	if (done != NULL)
		job_free(done);
}

static void
on_timeout(void *arg)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];

	r->timeout_timer = NULL;
	r->timed_out = 1;
	if (r->job != NULL)
		job_terminate(r->job, c->e->grace_ms);
}

/* --- starting --- */

/* The step's working directory, else the runbook's, expanded; NULL: ours. */
static char *
step_cwd(struct engine *e, int i)
{
	const struct rstr *r = e->rb->steps[i].cwd.s != NULL ? &e->rb->steps[i].cwd : &e->rb->cwd;
	struct texpansion x;
	char *cause = NULL, *out;

	if (r->s == NULL)
		return NULL;
	if (params_expand(e, i, r->s, TMPL_RAW, &x, &cause) != 0) {
		free(cause);
		return NULL;
	}
	out = x.text;
	x.text = NULL;
	texpansion_free(&x);
	return out;
}

/* Opens the attempt's output file and routes the scrollback's lines to it. */
int
exec_open_output(struct engine *e, int i, int rollback, char **cause)
{
	struct step_run *r = &e->runs[i];
	r->of = outfile_openat(journal_dirfd(e->journal), e->incident_dir, i + 1, e->rb->steps[i].id, r->st.attempt,
	    r->in_verify ? JOUT_VERIFY : r->in_handler ? JOUT_ON_FAILURE : rollback ? JOUT_ROLLBACK : JOUT_ATTEMPT,
	    cause);
	if (r->of == NULL)
		return -1;
	r->lines = 0;
	r->of_failed = 0;
	r->in_rollback = rollback;
	outbuf_set_block_cb(r->st.out, on_block, ctx_for(e, i));
	outbuf_set_filter(r->st.out, flow_filter, ctx_for(e, i));
	outbuf_free(r->cap_lines);
	r->cap_lines = NULL;
	if (e->rb->steps[i].ncaptures > 0 && !r->in_verify && !r->in_handler && !rollback) {
		/* The capture reads the raw lines: it wants the value, and keeps
		 * it as a secret when it holds one. Only the newest block. */
		r->cap_lines = outbuf_new(1, 0);
		outbuf_set_block_cb(r->cap_lines, flow_capture_block, ctx_for(e, i));
	}
	return 0;
}

static int
spawn(struct engine *e, int i, const char *command_tmpl, int rollback, char **cause)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	struct exec_ctx *c = ctx_for(e, i);
	struct texpansion x;
	struct job_spec spec = { 0 };
	char **envp, *cwd, *shown;

	if (s->on.s != NULL)
		return remote_spawn(e, i, command_tmpl, rollback, cause);
	if (params_expand_shell(e, i, command_tmpl, &x, &shown, cause) != 0)
		return -1;
	free(r->st.command);
	r->st.command = shown;
	if (exec_open_output(e, i, rollback, cause) != 0) {
		texpansion_free(&x);
		return -1;
	}
	envp = params_build_env(e, i, &x);
	spec.command = x.text;
	spec.shell = sh_dialect_path((enum sh_dialect)runbook_step_shell(e->rb, s));
	spec.envp = envp;
	spec.pty = s->pty || s->interactive;
	spec.pty_cooked = s->interactive;	/* someone types into it */
	spec.cols = e->pty_cols;
	spec.rows = e->pty_rows;
	spec.cwd = cwd = step_cwd(e, i);
	spec.detach = s->detach && !rollback && !r->in_verify && !r->in_handler;
	r->started_mono = clock_mono_ms();
	r->job = job_start(e->loop, &spec, exec_output, on_done, c, cause);
	free(cwd);
	params_free_env(envp);
	texpansion_free(&x);
	if (r->job == NULL) {
		char sha[CRYPTO_HEX_LEN], *ignored = NULL;

		if (outfile_close(r->of, sha, &ignored) != 0)
			free(ignored);
		r->of = NULL;
		return -1;
	}
	e->running = i;
	if (!rollback && s->timeout_ms > 0)
		r->timeout_timer = loop_add_timer(e->loop, s->timeout_ms, on_timeout, c);
	return 0;
}

static int
journal_start(struct engine *e, int i, const char *event, int rollback, char **cause)
{
	struct step_run *r = &e->runs[i];
	char *shown = rollback ? params_shown_command(e, i, e->rb->steps[i].rollback.s, cause) :
	    engine_display_command(e, i);
	json_t *f;

	if (shown == NULL)
		return -1;
	f = engine_step_fields(e, i);
	json_object_set_new(f, "attempt", json_integer(r->st.attempt));
	json_object_set_new(f, "kind", engine_jstr(step_ops_for(&e->rb->steps[i])->kind));
	json_object_set_new(f, "command", engine_jstr(shown));
	if (e->rb->steps[i].expected_duration_ms > 0)
		json_object_set_new(f, "expected_duration_ms", json_integer(e->rb->steps[i].expected_duration_ms));
	if (rollback)
		json_object_set_new(f, "phase", engine_jstr("start"));
	else if (env_stand_in(e, i) != NULL)
		json_object_set_new(f, "stand_in", engine_jstr(e->env->name));
	free(shown);
	return engine_journal(e, event, f, cause);
}

/* The shown command of a run step, for a dry run: what would run. */
int
exec_dry_run(struct engine *e, int i, char **cause)
{
	struct step_run *r = &e->runs[i];
	char *shown;

	if (e->rb->steps[i].action == ACTION_COPY)
		shown = engine_display_command(e, i);
	else if ((shown = params_shown_command(e, i, exec_command(e, i), cause)) == NULL)
		return -1;
	free(r->st.command);
	r->st.command = shown;
	return engine_skip(e, i, JSKIP_DRY_RUN, ENGINE_DRY_RUN_REASON, cause);
}

/* A run step's attempt: its command (or its drill stand-in) as a job. */
int
exec_spawn_main(struct engine *e, int i, char **cause)
{
	return spawn(e, i, exec_command(e, i), 0, cause);
}

/* Every start journals step.start first; a kind that then cannot start
 * ends the attempt failed (exec_start_failed), so every step.start has its
 * step.end. -1 only when nothing was journaled. */
static int
start_attempt_or_fail(struct engine *e, int i, char **cause)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];

	r->st.attempt++;
	r->cancelled = r->timed_out = r->output_matched = r->write_failed = 0;
	r->st.exit_code = -1;
	r->st.exit_desc[0] = '\0';
	if (r->st.attempt == 1)
		r->st.started_wall = clock_wall_ms();
	flow_attempt_begins(e, i);
	if (journal_start(e, i, "step.start", 0, cause) != 0)
		return -1;
	if (s->expect_output.s != NULL)
		r->has_re = regcomp(&r->re, s->expect_output.s, REG_EXTENDED | REG_NOSUB) == 0;
	if (step_ops_for(s)->start(e, i, cause) != 0) {
		if (r->has_re)
			regfree(&r->re);
		r->has_re = 0;
		exec_start_failed(e, i, *cause);
		free(*cause);
		*cause = NULL;
		return 0;
	}
	cast_begin(e, i, 0);
	r->st.status = STEP_RUNNING;
	engine_set_reason(r, NULL);
	engine_notify_step(e, i);
	return 0;
}

/* A retry: one that cannot even start ends the step failed, journaled. */
static void
start_attempt(struct engine *e, int i)
{
	char *cause = NULL;

	if (start_attempt_or_fail(e, i, &cause) != 0)
		exec_start_failed(e, i, cause);
	free(cause);
}

/* The command a step runs now: the target's stand-in, or in a drill the
 * step's safe stand-in, else its own. */
const char *
exec_command(const struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];
	const struct rstr *si = env_stand_in(e, i);

	if (si != NULL)
		return si->s;
	if ((e->mode == MODE_DRILL || e->dry_drill) && s->drill == DRILL_STANDIN)
		return s->drill_run.s;
	return s->run.s;
}

int
exec_start(struct engine *e, int i, char **cause)
{
	int drill = e->mode == MODE_DRILL || e->dry_drill;

	e->runs[i].handler_ran = 0;	/* a new failure gets its handler again */
	if (drill && e->rb->steps[i].drill == DRILL_SKIP)
		return engine_skip(e, i, JSKIP_DRILL, "drill: this step is skipped in a drill", cause);
	/* A drill must never tell customers: the status page and customer
	 * email stay untouched (Slack and webhooks go out marked [DRILL]). */
	if (drill && e->rb->steps[i].action == ACTION_NOTIFY &&
	    (e->rb->steps[i].notify.kind == NOTIFY_STATUSPAGE || e->rb->steps[i].notify.kind == NOTIFY_EMAIL))
		return engine_skip(e, i, JSKIP_DRILL, "drill: customer-facing notifications are not sent in a drill", cause);
	if (e->mode == MODE_DRY_RUN)
		return step_ops_for(&e->rb->steps[i])->dry_run(e, i, cause);
	return start_attempt_or_fail(e, i, cause);
}

int
exec_start_rollback(struct engine *e, int i, char **cause)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];

	r->cancelled = r->timed_out = 0;
	if (journal_start(e, i, "step.rollback", 1, cause) != 0 ||
	    spawn(e, i, s->rollback.s, 1, cause) != 0)
		return -1;
	cast_begin(e, i, 1);
	r->st.rollback_running = 1;
	engine_notify_step(e, i);
	return 0;
}

void
exec_cancel(struct engine *e, int i)
{
	struct step_run *r = &e->runs[i];
	json_t *f;

	if (r->retry_timer != NULL) {
		/* Waiting between attempts: nothing runs, so the step ends now. */
		loop_cancel_timer(e->loop, r->retry_timer);
		r->retry_timer = NULL;
		r->st.retry_waiting = 0;
		r->st.status = STEP_CANCELLED;
		engine_set_reason(r, "cancelled by the operator while waiting to retry");
		f = engine_step_fields(e, i);
		json_object_set_new(f, "status", engine_jstr("cancelled"));
		json_object_set_new(f, "reason", engine_jstr(r->st.reason));
		json_object_set_new(f, "attempt", json_integer(r->st.attempt));
		engine_journal(e, JEV_NAME(STEP_END), f, NULL);
		e->running = -1;
		engine_notify_step(e, i);
		return;
	}
	step_ops_running(e, i)->cancel(e, r);
}

/* Stops a run step's job: SIGTERM to its group, SIGKILL after the grace. */
void
exec_job_cancel(struct engine *e, struct step_run *r)
{
	if (r->job == NULL || r->cancelled)
		return;
	r->cancelled = 1;
	job_terminate(r->job, e->grace_ms);
}

void
exec_release(struct step_run *r)
{
	char sha[CRYPTO_HEX_LEN], *cause = NULL;

	if (r->job != NULL)
		job_free(r->job);
	r->job = NULL;
	input_relay_forget(r);
	for (int k = 0; k < OUTBUF_STREAMS; k++) {
		maskstream_free(r->out_ms[k]);
		r->out_ms[k] = NULL;
	}
	outbuf_free(r->cap_lines);
	r->cap_lines = NULL;
	if (r->of != NULL && outfile_close(r->of, sha, &cause) != 0)
		free(cause);
	r->of = NULL;
	if (r->has_re)
		regfree(&r->re);
	r->has_re = 0;
}

/* The verify of a run step: its own command, its own output file. */
int
exec_spawn_verify(struct engine *e, int i, char **cause)
{
	struct step_run *r = &e->runs[i];

	r->cancelled = r->timed_out = 0;
	return spawn(e, i, e->rb->steps[i].verify_run.s, 0, cause);
}
