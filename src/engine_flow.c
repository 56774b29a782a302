/* engine_flow.c: what happens around a step's action: capturing a value it
 * printed, a second action that must verify it, repeating it until it
 * succeeds and pausing (wait steps). The approval of a second person is
 * engine_approve.c's. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "duration.h"
#include "engine_int.h"
#include "jsonpath.h"
#include "log.h"
#include "xmalloc.h"

#define CAPTURE_MAX (64 * 1024)

/* --- capture --- */

/* The per-capture arrays of step i's run, made the first time. */
static void
capture_arrays(struct engine *e, int i)
{
	struct step_run *r = &e->runs[i];
	int n = e->rb->steps[i].ncaptures;

	if (r->ncap == n)
		return;
	r->cap_value = xcalloc((size_t)n, sizeof *r->cap_value);
	r->captured = xcalloc((size_t)n, sizeof *r->captured);
	r->captured_secret = xcalloc((size_t)n, sizeof *r->captured_secret);
	r->ncap = n;
}

const char *
flow_capture_value(const struct engine *e, const char *name, int *secret)
{
	int j = 0, k = runbook_find_capture_at(e->rb, name, &j);

	if (k >= 0 && e->mode == MODE_DRY_RUN && (e->runs[k].ncap == 0 || e->runs[k].captured[j] == NULL)) {
		*secret = 0;
		return flow_dry_placeholder(e, name);
	}
	if (k < 0 || e->runs[k].ncap == 0 || e->runs[k].captured[j] == NULL)
		return NULL;
	*secret = e->runs[k].captured_secret[j];
	return e->runs[k].captured[j];
}

void
flow_restore_capture(struct engine *e, int i, int j, const char *v)
{
	struct step_run *r = &e->runs[i];

	capture_arrays(e, i);
	free(r->captured[j]);
	r->captured[j] = xstrdup(v);
}

const char *
flow_dry_placeholder(const struct engine *e, const char *name)
{
	int j = 0, k = runbook_find_capture_at(e->rb, name, &j);
	struct step_run *r;

	if (k < 0 || e->mode != MODE_DRY_RUN || (e->runs[k].ncap > 0 && e->runs[k].captured[j] != NULL))
		return NULL;
	r = &e->runs[k];
	if (r->dry_placeholder == NULL) {
		r->ndry = e->rb->steps[k].ncaptures;
		r->dry_placeholder = xcalloc((size_t)r->ndry, sizeof *r->dry_placeholder);
	}
	if (r->dry_placeholder[j] == NULL)
		r->dry_placeholder[j] = xprintf(e->rb->steps[k].action == ACTION_INPUT ? "<%s, asked for by step %s>" :
		    "<%s, captured by step %s>", name, e->rb->steps[k].id);
	return r->dry_placeholder[j];
}

static void
capture_one(struct step_run *r, const struct capture *cp, int j, const char *text, size_t len)
{
	regmatch_t m[10];
	regex_t re;
	char *line;

	switch (cp->from) {
	case CAPTURE_OUTPUT:
	case CAPTURE_CELL:
	case CAPTURE_JSON:
		break;	/* the whole output (capture_line keeps it) or the first cell */
	case CAPTURE_LAST_LINE:
		if (len > 0) {
			free(r->cap_value[j]);
			r->cap_value[j] = xstrndup(text, len);
		}
		break;
	case CAPTURE_REGEX:
		if (r->cap_value[j] != NULL || regcomp(&re, cp->regex.s, REG_EXTENDED) != 0)
			break;
		/* The filter's text is not NUL-terminated; regexec wants it. */
		line = xstrndup(text, len);
		if (regexec(&re, line, 10, m, 0) == 0 && m[cp->group].rm_so >= 0)
			r->cap_value[j] = xstrndup(line + m[cp->group].rm_so,
			    (size_t)(m[cp->group].rm_eo - m[cp->group].rm_so));
		free(line);
		regfree(&re);
		break;
	}
}

static void
capture_line(struct engine *e, int i, const char *text, size_t len)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];

	capture_arrays(e, i);
	if (r->cap_out.len + len + 1 <= CAPTURE_MAX) {
		strbuf_add(&r->cap_out, text, len);
		strbuf_addch(&r->cap_out, '\n');
	}
	for (int j = 0; j < s->ncaptures; j++)
		capture_one(r, &s->captures[j], j, text, len);
}

/* Each line of a block, without its '\n' or a '\r' before it. */
static void
capture_block(struct engine *e, int i, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		capture_line(e, i, p, n > 0 && p[n - 1] == '\r' ? n - 1 : n);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* The raw lines of a step with a capture (engine_exec.c reads them into
 * a scrollback of their own, before masking): the capture wants the value
 * as printed, and keep_capture makes it a secret if it holds one. */
void
flow_capture_block(void *arg, const struct outblock *b)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];

	if (!r->in_verify && !r->in_rollback)
		capture_block(c->e, c->step, b->text, b->len);
}

/* The step's outbuf filter, on lines already masked: a secret capture
 * hides the step's output altogether. */
const char *
flow_filter(void *arg, const char *text, size_t *len)
{
	struct exec_ctx *c = arg;
	const struct step *s = &c->e->rb->steps[c->step];
	struct step_run *r = &c->e->runs[c->step];
	size_t lines;

	if (!step_captures_secret(s) || r->in_verify || r->in_rollback)
		return text;
	lines = outbuf_count_lines(text, *len);
	if (*len > 0 && text[*len - 1] != '\n')
		lines++;
	strbuf_reset(&r->filtered);
	while (lines-- > 0)
		strbuf_adds(&r->filtered, "**** (hidden: captured as a secret)\n");
	*len = r->filtered.len;
	return strbuf_str(&r->filtered);
}

void
flow_attempt_begins(struct engine *e, int i)
{
	struct step_run *r = &e->runs[i];

	strbuf_reset(&r->cap_out);
	capture_arrays(e, i);
	for (int j = 0; j < r->ncap; j++) {
		free(r->cap_value[j]);
		r->cap_value[j] = NULL;
	}
	if (r->st.attempt == 1)
		r->first_start_mono = clock_mono_ms();
	r->st.until_expired = 0;
}

static char *
trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return xstrndup(s, n);
}

/* The value capture j of step i found this attempt, or NULL. */
static char *
capture_result(struct engine *e, int i, int j, const char *first_cell, char **why)
{
	const struct capture *cp = &e->rb->steps[i].captures[j];
	struct step_run *r = &e->runs[i];

	if (cp->from == CAPTURE_OUTPUT)
		return trimmed(strbuf_str(&r->cap_out));
	if (cp->from == CAPTURE_CELL)
		return first_cell != NULL ? xstrdup(first_cell) : NULL;
	if (cp->from == CAPTURE_JSON)
		return jsonpath_value(strbuf_str(&r->cap_out), cp->json.s, why);
	return r->cap_value[j] != NULL ? xstrdup(r->cap_value[j]) : NULL;
}

/* Capture j failed: so does the attempt, saying why. */
static void
capture_failed(struct engine *e, int i, int j, json_t *f, const char *why)
{
	const struct capture *cp = &e->rb->steps[i].captures[j];
	struct step_run *r = &e->runs[i];

	r->st.status = STEP_FAILED;
	engine_set_reason(r, "capture '%s': %s", cp->name, why != NULL ? why : cp->from == CAPTURE_REGEX ?
	    "no output line matched the regex" : "nothing to capture");
	json_object_set_new(f, "status", engine_jstr("failed"));
	json_object_set_new(f, "reason", engine_jstr(r->st.reason));
}

void
flow_store_capture(struct engine *e, int i, int j, char *v, json_t *cap, json_t *f)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];

	capture_arrays(e, i);
	free(r->captured[j]);
	r->captured[j] = v;
	/* A value that holds a secret is one: shown and stored it would
	 * show the secret, and a later step that prints it must mask it. */
	r->captured_secret[j] = s->captures[j].secret || params_is_secret_text(e, v);
	if (r->captured_secret[j]) {
		params_add_secret(e, v);
		json_object_set_new(f, "capture_secret", json_true());
	}
	json_object_set_new(cap, s->captures[j].name,
	    r->captured_secret[j] ? json_string(MASK_TEXT) : engine_jstr(v));
}

/* Keeps the captures of an attempt that ended ok, all or none: a capture
 * with no value fails the step. */
static void
keep_capture(struct engine *e, int i, json_t *f, const char *first_cell)
{
	const struct step *s = &e->rb->steps[i];
	char **v = xcalloc((size_t)s->ncaptures, sizeof *v), *why = NULL;
	json_t *cap = json_object();
	int j, ok = 1;

	capture_arrays(e, i);
	for (j = 0; j < s->ncaptures && ok; j++) {
		v[j] = capture_result(e, i, j, first_cell, &why);
		if (v[j] == NULL || (s->captures[j].secret && (why = mask_check_secret(s->captures[j].name, v[j])) != NULL)) {
			capture_failed(e, i, j, f, why);
			ok = 0;
		}
		free(why);
		why = NULL;
	}
	for (j = 0; j < s->ncaptures; j++) {
		if (!ok) {
			if (v[j] != NULL)
				explicit_bzero(v[j], strlen(v[j]));
			free(v[j]);
			continue;
		}
		flow_store_capture(e, i, j, v[j], cap, f);
	}
	free(v);
	if (ok)
		json_object_set_new(f, "capture", cap);
	else
		json_decref(cap);
}

/* --- verify, and the end of an attempt --- */

static void
start_verify(struct engine *e, int i, json_t *f)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	char *cause = NULL;
	int rc;

	r->pending_end = f;
	r->in_verify = 1;
	engine_journal(e, JEV_NAME(STEP_VERIFY), json_pack("{sssisoss}", "step", s->id, "index", i + 1,
	    "kind", engine_jstr(step_action_name(s->verify_action)), "phase", "start"), NULL);
	rc = step_ops_for_action(s->verify_action)->verify(e, i, &cause);
	if (rc != 0) {
		char *why = xprintf("could not start: %s", cause);

		flow_verify_end(e, i, 0, why, NULL);
		free(why);
		free(cause);
	}
}

/* Every attempt of a step ends here: a capture is kept, a verify started,
 * or step.end is journaled and the engine moves on. */
void
flow_attempt_end(struct engine *e, int i, json_t *f, const char *first_cell)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];

	if (r->st.status == STEP_OK && s->ncaptures > 0)
		keep_capture(e, i, f, first_cell);
	if (r->st.status == STEP_OK && s->verify_action != ACTION_NONE && e->mode != MODE_DRY_RUN) {
		start_verify(e, i, f);
		return;
	}
	engine_journal(e, JEV_NAME(STEP_END), f, NULL);
	exec_conclude(e, i);
}

void
flow_verify_end(struct engine *e, int i, int ok, const char *reason, json_t *vf)
{
	struct step_run *r = &e->runs[i];
	json_t *f = r->pending_end, *v = vf != NULL ? json_deep_copy(vf) : json_object();

	r->pending_end = NULL;
	r->in_verify = 0;
	json_object_set_new(v, "status", engine_jstr(ok ? "ok" : "failed"));
	if (reason != NULL)
		json_object_set_new(v, "reason", engine_jstr(reason));
	engine_journal(e, JEV_NAME(STEP_VERIFY), json_pack("{sssisosO}", "step", e->rb->steps[i].id,
	    "index", i + 1, "phase", engine_jstr("end"), "verify", v), NULL);
	if (!ok) {
		r->st.status = r->cancelled ? STEP_CANCELLED : STEP_FAILED;
		engine_set_reason(r, "verify failed: %s", reason != NULL ? reason : "");
		json_object_set_new(f, "status", engine_jstr(step_status_name(r->st.status)));
		json_object_set_new(f, "reason", engine_jstr(r->st.reason));
	}
	json_object_set_new(f, "verify", v);
	engine_journal(e, JEV_NAME(STEP_END), f, NULL);
	exec_conclude(e, i);
}

/* --- until --- */

/* until: { every, within }: another attempt in `every`, while the first
 * attempt began less than `within` ago. */
int
flow_until_retry(struct engine *e, int i, int64_t *delay_ms)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	int64_t elapsed = clock_mono_ms() - r->first_start_mono;
	const char *msg;
	char d[32];

	if (elapsed + s->until_every_ms > s->until_within_ms) {
		/* engine_set_reason frees the old reason first: keep a copy. */
		char *last = xstrdup(r->st.reason != NULL ? r->st.reason : "failed");

		duration_format(s->until_within_ms, d, sizeof d);
		msg = runbook_until_message(s);
		engine_set_reason(r, "%s; still not met after %d attempts within %s%s%s", last, r->st.attempt, d,
		    msg != NULL ? ": " : "", msg != NULL ? msg : "");
		free(last);
		r->st.until_expired = 1;
		return 0;
	}
	*delay_ms = s->until_every_ms;
	return 1;
}

/* --- wait steps --- */

/* A wait ends ok, through the one end of every attempt (engine_end.c). */
static void
end_wait(struct engine *e, int i, const char *reason)
{
	struct attempt_end end = { 0 };

	e->runs[i].st.wait_until_wall = 0;
	end.ok = 1;
	end.reason = reason;
	end.exit_code = -1;
	exec_attempt_ended(e, i, &end);
}

static void
on_wait_timer(void *arg)
{
	struct exec_ctx *c = arg;
	char d[32], *why;

	c->e->runs[c->step].wait_timer = NULL;
	duration_format(c->e->rb->steps[c->step].wait_ms, d, sizeof d);
	why = xprintf("waited %s", d);
	end_wait(c->e, c->step, why);
	free(why);
}

/* A wait step's attempt (its step.start is journaled already). */
int
flow_start_wait(struct engine *e, int i, char **cause)
{
	struct step_run *r = &e->runs[i];
	int64_t ms = e->rb->steps[i].wait_ms;
	char d[32];

	(void)cause;
	duration_format(ms, d, sizeof d);
	free(r->st.command);
	r->st.command = xprintf("wait %s (cancel cuts it short)", d);
	r->started_mono = clock_mono_ms();
	r->st.wait_until_wall = clock_wall_ms() + ms;
	r->wait_timer = loop_add_timer(e->loop, ms, on_wait_timer, &r->ctx);
	e->running = i;
	return 0;
}

/* Cancelling a wait cuts it short: the pause is over, not failed. */
int
flow_cancel_wait(struct engine *e, int i)
{
	struct step_run *r = &e->runs[i];
	char d[32], *why;

	if (r->wait_timer == NULL)
		return 0;
	loop_cancel_timer(e->loop, r->wait_timer);
	r->wait_timer = NULL;
	duration_format(clock_mono_ms() - r->started_mono, d, sizeof d);
	why = xprintf("cut short by the operator after %s", d);
	end_wait(e, i, why);
	free(why);
	return 1;
}

void
flow_release(struct step_run *r)
{
	strbuf_free(&r->cap_out);
	strbuf_free(&r->filtered);
	for (int j = 0; j < r->ncap; j++) {
		free(r->cap_value[j]);
		free(r->captured[j]);
	}
	free(r->cap_value);
	free(r->captured);
	free(r->captured_secret);
	for (int j = 0; j < r->ndry; j++)
		free(r->dry_placeholder[j]);
	free(r->dry_placeholder);
	free(r->approver);
	json_decref(r->pending_end);
	r->pending_end = NULL;
	r->cap_value = r->captured = r->dry_placeholder = NULL;
	r->captured_secret = NULL;
	r->ncap = r->ndry = 0;
	r->approver = NULL;
}
