/* notify_fixture.c: the loopback servers and one-notification runner the
 * notify tests share; see notify_fixture.h. */
#include "cmocka_all.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "action_result.h"
#include "notify_fixture.h"

/* --- the Python servers, one each per run --- */

struct pyserver	web = { -1, 0, "" };
struct pyserver	smtp = { -1, 0, "" };

int
group_teardown(void **state)
{
	(void)state;
	pyserver_stop(&web);
	pyserver_stop(&smtp);
	return 0;
}

int
group_setup(void **state)
{
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	setenv("DRCONSOLE_FAKE_NOW", FAKE_NOW, 1);
	if (pyserver_start(&web, "http_server.py", "notify") != 0 ||
	    pyserver_start(&smtp, "smtp_sink.py", "notify") != 0) {
		group_teardown(state);
		return -1;
	}
	return 0;
}

void
remove_state(const struct pyserver *s, const char *name)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	unlink(path);
}

/* A log of JSON lines as an array; empty when there is no log. */
json_t *
read_jsonl(const struct pyserver *s, const char *name)
{
	json_t		*a = json_array(), *j;
	json_error_t	 err;
	char		*text, *line, *save = NULL;

	text = pyserver_read_state(s, name);
	for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if ((j = json_loads(line, 0, &err)) == NULL)
			fail_msg("%s: bad JSON line: %s", name, err.text);
		json_array_append_new(a, j);
	}
	free(text);
	return a;
}

char *
web_url(const char *path)
{
	char	*u;

	assert_true(asprintf(&u, "http://127.0.0.1:%d%s", web.port, path) > 0);
	return u;
}

char *
smtp_url(void)
{
	char	*u;

	assert_true(asprintf(&u, "smtp://127.0.0.1:%d", smtp.port) > 0);
	return u;
}

/* --- one notification's outcome (struct result: action_result.h) --- */


int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);

	fx->loop = loop_new();
	fx->ctx = httpctx_new(fx->loop);
	remove_state(&web, "webhook.log");
	remove_state(&web, "requests.log");
	remove_state(&web, "statuspage.log");
	*state = fx;
	return 0;
}

int
teardown(void **state)
{
	struct fixture	*fx = *state;

	notify_free(fx->ns);
	httpctx_free(fx->ctx);
	loop_free(fx->loop);
	result_clear(&fx->r);
	free(fx);
	return 0;
}

char *
try_start(struct fixture *fx, const struct notify_request *req)
{
	struct action_io	 io = { fx->loop, on_output, on_done, &fx->r };
	char			*cause = NULL;

	notify_free(fx->ns);
	result_clear(&fx->r);
	fx->ns = notify_start(fx->ctx, req, &io, &cause);
	assert_int_equal(fx->r.done_calls, 0);
	return cause;
}

/* Sends req and runs it to the end. */
void
run_notify(struct fixture *fx, const struct notify_request *req)
{
	char	*cause = try_start(fx, req);
	int64_t	 end = clock_mono_ms() + 6000;

	if (fx->ns == NULL)
		fail_msg("notify_start: %s", cause);
	while (fx->r.done_calls == 0 && clock_mono_ms() < end)
		assert_true(loop_run_once(fx->loop, 50) >= 0);
	assert_int_equal(fx->r.done_calls, 1);
	loop_run_once(fx->loop, 10);
	assert_int_equal(fx->r.done_calls, 1);
}

/* The one line webhook.log holds, as JSON. */
json_t *
hook_body(void)
{
	json_t	*lines = read_jsonl(&web, "webhook.log"), *one;

	assert_int_equal(json_array_size(lines), 1);
	one = json_incref(json_array_get(lines, 0));
	json_decref(lines);
	return one;
}

const char *
jget(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}
