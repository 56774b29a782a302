/* childrun.c: see childrun.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "childrun.h"
#include "job.h"
#include "loop.h"
#include "strbuf.h"
#include "xmalloc.h"

/* After the deadline's SIGTERM, SIGKILL this much later. */
#define CHILDRUN_GRACE_MS 200

struct childrun_state {
	const struct childrun_spec *spec;
	struct job *job;
	struct strbuf out, err;
	int done, timed_out, truncated;
	int status;
};

static void
on_output(void *arg, int stream, const char *data, size_t len)
{
	struct childrun_state *st = arg;
	struct strbuf *b = stream == JOB_STDERR ? &st->err : &st->out;

	if (st->truncated)
		return;
	if (b->len + len > st->spec->max_output) {
		st->truncated = 1;
		job_kill(st->job, SIGKILL);
		return;
	}
	strbuf_add(b, data, len);
}

static void
on_done(void *arg, int wait_status)
{
	struct childrun_state *st = arg;

	st->status = wait_status;
	st->done = 1;
}

static void
on_deadline(void *arg)
{
	struct childrun_state *st = arg;

	st->timed_out = 1;
	job_terminate(st->job, CHILDRUN_GRACE_MS);
}

int
childrun(const struct childrun_spec *spec, struct childrun_result *r, char **cause)
{
	struct childrun_state st = { .spec = spec };
	struct job_spec js = { .argv = spec->argv, .envp = spec->envp, .stdin_pipe = 1 };
	struct loop *loop = loop_new();
	struct loop_timer *deadline;
	int err = 0;

	memset(r, 0, sizeof *r);
	strbuf_init(&st.out);
	strbuf_init(&st.err);
	if ((st.job = job_start(loop, &js, on_output, on_done, &st, cause)) == NULL) {
		strbuf_free(&st.out);
		strbuf_free(&st.err);
		loop_free(loop);
		return -1;
	}
	job_send_stdin(st.job, spec->input, spec->inlen);
	job_end_stdin(st.job);
	deadline = loop_add_timer(loop, spec->timeout_ms, on_deadline, &st);
	while (!st.done && err == 0) {
		if (loop_run_once(loop, -1) < 0 && errno != EINTR)
			err = errno;
	}
	if (!st.timed_out)
		loop_cancel_timer(loop, deadline);
	job_free(st.job);	/* a job not done is killed and reaped here */
	loop_free(loop);
	if (!st.done) {
		*cause = xprintf("poll: %s", strerror(err));
		strbuf_free(&st.out);
		strbuf_free(&st.err);
		return -1;
	}
	r->status = st.status;
	r->timed_out = st.timed_out;
	r->truncated = st.truncated;
	r->outlen = st.out.len;
	r->errlen = st.err.len;
	r->out = strbuf_detach(&st.out);
	r->err = strbuf_detach(&st.err);
	return 0;
}

void
childrun_result_free(struct childrun_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof *r);
}
