/* action_result.h: what the tests of in-process step kinds (http, notify)
 * keep of one step's outcome. The action_io callbacks below fill a struct
 * result, so a test can check output, verdict and evidence after the step
 * has gone. Header only, with static inline functions, so each test binary
 * takes just what it uses and -Wunused stays quiet. */
#ifndef DRC_TEST_ACTION_RESULT_H
#define DRC_TEST_ACTION_RESULT_H

#include "cmocka_all.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "action.h"
#include "clock.h"
#include "strbuf.h"

struct result {
	struct strbuf	  out;
	struct strbuf	  err;
	int		  done_calls;
	int		  ok;
	char		 *reason;
	json_t		 *ev;
	char		 *ev_text;
	int64_t		  done_at;
	/* Set: called with done_arg at the end of on_done, for a test that
	 * must act from inside the callback (free the step, say). */
	void		(*done_hook)(void *);
	void		 *done_arg;
};

static inline void
on_output(void *arg, int stream, const char *data, size_t len)
{
	struct result	*r = arg;

	/* A step says nothing more once it has reported done. */
	assert_int_equal(r->done_calls, 0);
	strbuf_add(stream == ACTION_STDERR ? &r->err : &r->out, data, len);
}

static inline void
on_done(void *arg, int ok, const char *reason, json_t *evidence)
{
	struct result	*r = arg;

	r->done_calls++;
	r->ok = ok;
	r->reason = strdup(reason);
	/* The evidence is only borrowed: keep copies to check later. */
	r->ev = json_deep_copy(evidence);
	r->ev_text = json_dumps(evidence, JSON_SORT_KEYS);
	r->done_at = clock_mono_ms();
	if (r->done_hook != NULL)
		r->done_hook(r->done_arg);
}

/* Frees what r holds and zeroes it, hook included. */
static inline void
result_clear(struct result *r)
{
	strbuf_free(&r->out);
	strbuf_free(&r->err);
	free(r->reason);
	free(r->ev_text);
	json_decref(r->ev);
	memset(r, 0, sizeof *r);
}

static inline const char *
ev_str(const struct result *r, const char *key)
{
	return json_string_value(json_object_get(r->ev, key));
}

static inline json_int_t
ev_int(const struct result *r, const char *key)
{
	return json_integer_value(json_object_get(r->ev, key));
}

#endif
