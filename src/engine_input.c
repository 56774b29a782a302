/* engine_input.c: interactive steps: the operator's keys into a running
 * step's terminal, the terminal's size, and its output as it arrives for a
 * front end that shows it as a terminal would. What is typed is never
 * journaled (it may be a password); what the step prints is, as lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "xmalloc.h"

/* The job of interactive step i, or NULL with why (when cause is given). */
static struct job *
input_job(struct engine *e, int i, char **cause)
{
	const struct step *s;

	if (i < 0 || i >= e->rb->nsteps) {
		if (cause != NULL)
			*cause = xprintf("there is no step %d", i + 1);
		return NULL;
	}
	s = &e->rb->steps[i];
	if (!s->interactive) {
		if (cause != NULL)
			*cause = xprintf("step '%s' is not interactive", s->id);
		return NULL;
	}
	if (e->runs[i].job == NULL || !job_running(e->runs[i].job)) {
		if (cause != NULL)
			*cause = xprintf("step '%s' is not running", s->id);
		return NULL;
	}
	return e->runs[i].job;
}

/* Sends bytes to step i's terminal as typed keys. */
int
engine_send_input(struct engine *e, int i, const char *data, size_t len, char **cause)
{
	struct job *job = input_job(e, i, cause);

	if (job == NULL)
		return -1;
	if (job_write(job, data, len) == 0)
		return 0;
	if (errno == EAGAIN)
		*cause = xprintf("step '%s' is not reading what was typed: %zu bytes not sent",
		    e->rb->steps[i].id, len);
	else
		*cause = xprintf("step '%s': its terminal: %s", e->rb->steps[i].id, strerror(errno));
	return -1;
}

/* Gives step i's terminal a size. */
int
engine_resize_pty(struct engine *e, int i, int cols, int rows)
{
	struct job *job = input_job(e, i, NULL);

	return job != NULL ? job_resize(job, cols, rows) : -1;
}

void
engine_set_pty_size(struct engine *e, int cols, int rows)
{
	e->pty_cols = cols;
	e->pty_rows = rows;
}

/*
 * exec_output's bytes, as read, for the raw_output hook, secrets masked
 * through the step's mask stream for it (mask.h): a read that ends with
 * what could be the start of a secret keeps that tail back until the next
 * read shows whether the rest follows, or MASK_HOLD_MS pass (a prompt must
 * not wait for the next key), or the step ends. A secret capture shows
 * nothing raw: its lines are hidden whole.
 */

static void
relay_emit(void *arg, const char *data, size_t len)
{
	struct exec_ctx *c = arg;

	if (len > 0 && c->e->hooks.raw_output != NULL)
		c->e->hooks.raw_output(c->e->hooks.arg, c->step, data, len);
}

void
input_relay(struct engine *e, int i, const char *data, size_t len)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];

	if (e->hooks.raw_output == NULL || !s->interactive || len == 0 ||
	    step_captures_secret(s))
		return;
	if (r->relay_ms == NULL)
		r->relay_ms = maskstream_new(e->mask, e->loop, relay_emit, &r->ctx);
	maskstream_feed(r->relay_ms, data, len);
}

/* Shows what was held back: the step's output ended. */
void
input_relay_flush(struct engine *e, int i)
{
	maskstream_flush(e->runs[i].relay_ms);
}

/* Wipes and frees what was held back. */
void
input_relay_forget(struct step_run *r)
{
	maskstream_free(r->relay_ms);
	r->relay_ms = NULL;
}
