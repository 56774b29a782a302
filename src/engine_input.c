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

/*
 * exec_output's bytes, as read, for the raw_output hook, secrets masked. A
 * read that ends with what could be the start of a secret keeps that tail
 * back until the next read shows whether the rest follows (and masks it
 * whole), or RELAY_HOLD_MS pass, or the step ends: a secret split across
 * two reads never reaches the screen, at the cost of a short delay for a
 * tail that only looks like one. A secret capture shows nothing raw: its
 * lines are hidden whole.
 */

/* How long a possible start of a secret waits for the rest of it. */
#define RELAY_HOLD_MS 250

/* The longest tail of text that is a proper prefix of some secret. */
static size_t
secret_start_at_end(const struct engine *e, const char *text, size_t len)
{
	size_t best = 0, k;

	for (int i = 0; i < e->nsecrets; i++) {
		size_t slen = strlen(e->secrets[i]);

		for (k = slen - 1 < len ? slen - 1 : len; k > best; k--) {
			if (memcmp(text + len - k, e->secrets[i], k) == 0) {
				best = k;
				break;
			}
		}
	}
	return best;
}

static void
relay_emit(struct engine *e, int i, const char *data, size_t len)
{
	if (len > 0)
		e->hooks.raw_output(e->hooks.arg, i, data, len);
}

static void
on_relay_hold(void *arg)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];

	r->relay_timer = NULL;
	input_relay_flush(c->e, c->step);
}

void
input_relay(struct engine *e, int i, const char *data, size_t len)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	size_t cap, n, hold;
	char *buf;

	if (e->hooks.raw_output == NULL || !s->interactive || len == 0 ||
	    (s->capture.name != NULL && s->capture.secret))
		return;
	/* What was held back goes first, masked again with the new bytes.
	 * Every copy that may hold part of a secret is wiped when freed. */
	n = r->relay_held_len + len;
	cap = 4 * n + 64;
	buf = xmalloc(cap + 1);
	if (r->relay_held_len > 0)
		memcpy(buf, r->relay_held, r->relay_held_len);
	memcpy(buf + r->relay_held_len, data, len);
	buf[n] = '\0';
	input_relay_forget(r);
	n = params_mask(e, buf, n, cap);
	hold = secret_start_at_end(e, buf, n);
	relay_emit(e, i, buf, n - hold);
	if (hold > 0) {
		r->relay_held = xmalloc(hold);
		memcpy(r->relay_held, buf + n - hold, hold);
		r->relay_held_len = hold;
	}
	explicit_bzero(buf, cap + 1);
	free(buf);
	if (hold > 0 && r->relay_timer == NULL)
		r->relay_timer = loop_add_timer(e->loop, RELAY_HOLD_MS, on_relay_hold, &r->ctx);
	else if (hold == 0 && r->relay_timer != NULL) {
		loop_cancel_timer(e->loop, r->relay_timer);
		r->relay_timer = NULL;
	}
}

/* Shows what was held back: its time is up or the step's output ended. */
void
input_relay_flush(struct engine *e, int i)
{
	struct step_run *r = &e->runs[i];

	if (r->relay_timer != NULL) {
		loop_cancel_timer(e->loop, r->relay_timer);
		r->relay_timer = NULL;
	}
	if (r->relay_held_len > 0 && e->hooks.raw_output != NULL)
		relay_emit(e, i, r->relay_held, r->relay_held_len);
	input_relay_forget(r);
}

/* Wipes and frees what was held back. */
void
input_relay_forget(struct step_run *r)
{
	if (r->relay_held != NULL)
		explicit_bzero(r->relay_held, r->relay_held_len);
	free(r->relay_held);
	r->relay_held = NULL;
	r->relay_held_len = 0;
}
