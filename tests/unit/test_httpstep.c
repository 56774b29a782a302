/* test_httpstep.c: the http step kind against a real Python HTTP server on
 * loopback (tests/e2e/http_server.py), through a real loop: verdicts,
 * retries, regexes, timeouts, cancels, refused connections, TLS errors,
 * masking, and that a slow request never blocks the loop. */
#include "cmocka_all.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "action_result.h"
#include "clock.h"
#include "httpstep.h"
#include "loop.h"
#include "pyserver.h"
#include "strbuf.h"

/* --- the Python server, one per run --- */

static struct pyserver	srv = { -1, 0, "" };

static int
group_setup(void **state)
{
	(void)state;
	/* Loopback only, whatever proxy the environment names. */
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	if (pyserver_start(&srv, "http_server.py", "http") != 0) {
		pyserver_stop(&srv);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	pyserver_stop(&srv);
	return 0;
}

static char *
url(const char *path)
{
	char	*u;

	assert_true(asprintf(&u, "http://127.0.0.1:%d%s", srv.port, path) > 0);
	return u;
}

/* --- one step's outcome (struct result: action_result.h) --- */

struct fixture {
	struct loop	*loop;
	struct httpctx	*ctx;
	struct httpstep	*st;
	struct result	 r;
};

/* A done hook: frees the step *arg from inside its own done callback. */
static void
free_in_done(void *arg)
{
	struct httpstep	**st = arg;

	httpstep_free(*st);
	*st = NULL;
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);

	fx->loop = loop_new();
	fx->ctx = httpctx_new(fx->loop);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	httpstep_free(fx->st);
	httpctx_free(fx->ctx);
	loop_free(fx->loop);
	result_clear(&fx->r);
	free(fx);
	return 0;
}

static struct action_io
io_for(struct fixture *fx)
{
	struct action_io	io = { fx->loop, on_output, on_done, &fx->r };

	return io;
}

static void
start(struct fixture *fx, const struct httpstep_request *req)
{
	struct action_io	 io = io_for(fx);
	char			*cause = NULL;

	httpstep_free(fx->st);
	result_clear(&fx->r);
	fx->st = httpstep_start(fx->ctx, req, &io, &cause);
	if (fx->st == NULL)
		fail_msg("httpstep_start: %s", cause);
	assert_int_equal(fx->r.done_calls, 0);
}

static void
run_until_done(struct fixture *fx, int64_t ms)
{
	int64_t	end = clock_mono_ms() + ms;

	while (fx->r.done_calls == 0 && clock_mono_ms() < end)
		assert_true(loop_run_once(fx->loop, 50) >= 0);
	assert_int_equal(fx->r.done_calls, 1);
	/* A few more turns: done must not come again. */
	loop_run_once(fx->loop, 10);
	assert_int_equal(fx->r.done_calls, 1);
}

/* Starts a GET of path and runs it to the end. */
static void
get(struct fixture *fx, const char *path, int expect_status,
    const char *expect_body)
{
	struct httpstep_request	 req = { 0 };
	char			*u = url(path);

	req.url = u;
	req.expect_status = expect_status;
	req.expect_body = expect_body;
	req.timeout_ms = 5000;
	start(fx, &req);
	free(u);
	run_until_done(fx, 6000);
}

/* --- tests --- */

static void
test_ok(void **state)
{
	struct fixture	*fx = *state;
	char		 line[128];
	json_t		*exp, *timing;

	pyserver_write_state(&srv, "health", "200 ready");
	get(fx, "/health", 0, NULL);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(fx->r.reason, "answered 200, expected 2xx");
	snprintf(line, sizeof line, "> GET http://127.0.0.1:%d/health\n",
	    srv.port);
	assert_non_null(strstr(fx->r.out.buf, line));
	assert_non_null(strstr(fx->r.out.buf, "\n< HTTP/1.1 200 OK\nready\n"));
	assert_non_null(strstr(fx->r.out.buf, "timing: connect "));
	assert_non_null(strstr(fx->r.out.buf, ", tls -, first byte "));
	assert_string_equal(ev_str(&fx->r, "method"), "GET");
	line[strlen(line) - 1] = '\0';
	assert_string_equal(ev_str(&fx->r, "url"), line + 6);
	assert_int_equal(ev_int(&fx->r, "status"), 200);
	assert_string_equal(ev_str(&fx->r, "verdict"), "ok");
	assert_int_equal(ev_int(&fx->r, "bytes"), 6);
	assert_true(json_is_false(json_object_get(fx->r.ev, "insecure")));
	assert_true(json_is_null(json_object_get(fx->r.ev, "error")));
	assert_true(ev_int(&fx->r, "duration_ms") >= 0);
	exp = json_object_get(fx->r.ev, "expected");
	assert_string_equal(json_string_value(json_object_get(exp, "status")),
	    "2xx");
	timing = json_object_get(fx->r.ev, "timing_us");
	assert_true(json_integer_value(json_object_get(timing, "total")) > 0);
	assert_true(json_is_null(json_object_get(timing, "tls")));
	assert_int_equal(fx->r.err.len, 0);
}

static void
test_503(void **state)
{
	struct fixture	*fx = *state;

	pyserver_write_state(&srv, "health", "503");
	get(fx, "/health", 0, NULL);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason, "answered 503, expected 2xx");
	assert_string_equal(ev_str(&fx->r, "verdict"), "unexpected status");
	assert_int_equal(ev_int(&fx->r, "status"), 503);
	assert_non_null(strstr(fx->r.out.buf,
	    "< HTTP/1.1 503 Service Unavailable\nunhealthy\n"));
	/* Expecting the 503 makes it a success. */
	get(fx, "/health", 503, NULL);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(fx->r.reason, "answered 503, expected 503");
}

/* The engine polls by calling start again: each start is a new request. */
static void
test_503_then_200(void **state)
{
	struct fixture	*fx = *state;

	pyserver_write_state(&srv, "health", "503");
	get(fx, "/health", 0, NULL);
	assert_int_equal(fx->r.ok, 0);
	pyserver_write_state(&srv, "health", "200");
	get(fx, "/health", 0, NULL);
	assert_int_equal(fx->r.ok, 1);
	assert_int_equal(ev_int(&fx->r, "status"), 200);
}

static void
test_expect_body(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	struct action_io	 io = io_for(fx);
	char			*cause = NULL;

	pyserver_write_state(&srv, "health", "200 ready replicas=3");
	get(fx, "/health", 0, "^ready replicas=[0-9]+$");
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(fx->r.reason,
	    "answered 200 and the body matches /^ready replicas=[0-9]+$/");
	get(fx, "/health", 0, "replicas=5");
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(ev_str(&fx->r, "verdict"), "body mismatch");
	assert_string_equal(fx->r.reason,
	    "answered 200 but the body does not match /replicas=5/");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    fx->r.ev, "expected"), "body")), "replicas=5");
	/* A wrong status fails before the body is looked at. */
	pyserver_write_state(&srv, "health", "500 ready replicas=3");
	get(fx, "/health", 0, "replicas");
	assert_string_equal(ev_str(&fx->r, "verdict"), "unexpected status");

	req.url = "http://127.0.0.1:1/";
	req.expect_body = "(unclosed";
	assert_null(httpstep_start(fx->ctx, &req, &io, &cause));
	assert_non_null(strstr(cause, "not a valid regular expression"));
	free(cause);
}

static void
test_timeout(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	int64_t			 t0 = clock_mono_ms();
	char			*u = url("/slow?ms=3000");

	req.url = u;
	req.timeout_ms = 300;
	start(fx, &req);
	free(u);
	run_until_done(fx, 3000);
	assert_int_equal(fx->r.ok, 0);
	assert_true(fx->r.done_at - t0 >= 290);
	assert_true(fx->r.done_at - t0 < 1500);
	assert_non_null(strstr(fx->r.reason, "timed out: "));
	assert_string_equal(ev_str(&fx->r, "verdict"), "error");
	assert_non_null(strstr(ev_str(&fx->r, "error"), "timed out"));
	assert_true(json_is_null(json_object_get(fx->r.ev, "status")));
	assert_true(json_is_true(json_object_get(fx->r.ev, "timed_out")));
	assert_non_null(strstr(fx->r.err.buf, "error: timed out"));
}

static void
test_cancel(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	int64_t			 t0 = clock_mono_ms();
	char			*u = url("/slow?ms=3000"), *log;

	req.url = u;
	start(fx, &req);
	free(u);
	/* Until the server has the request, so the cancel is mid-request. */
	for (;;) {
		log = pyserver_read_state(&srv, "requests.log");
		if (log != NULL && strstr(log, "/slow?ms=3000") != NULL)
			break;
		free(log);
		assert_true(clock_mono_ms() - t0 < 3000);
		loop_run_once(fx->loop, 20);
	}
	free(log);
	httpstep_cancel(fx->st);
	assert_int_equal(fx->r.done_calls, 0);
	httpstep_cancel(fx->st);	/* twice is harmless */
	run_until_done(fx, 1000);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason, "cancelled");
	assert_string_equal(ev_str(&fx->r, "verdict"), "cancelled");
	assert_true(fx->r.done_at - t0 < 2000);
	/* Cancelling a finished step changes nothing. */
	httpstep_cancel(fx->st);
	loop_run_once(fx->loop, 10);
	assert_int_equal(fx->r.done_calls, 1);
}

/* Freeing a running step stops it without done; freeing in done is safe. */
static void
test_free_step(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	char			*u = url("/slow?ms=3000");

	req.url = u;
	start(fx, &req);
	loop_run_once(fx->loop, 20);
	httpstep_free(fx->st);
	fx->st = NULL;
	for (int i = 0; i < 5; i++)
		loop_run_once(fx->loop, 10);
	assert_int_equal(fx->r.done_calls, 0);
	free(u);

	pyserver_write_state(&srv, "health", "200");
	fx->r.done_hook = free_in_done;
	fx->r.done_arg = &fx->st;
	u = url("/health");
	req.url = u;
	req.timeout_ms = 5000;
	{
		struct action_io	 io = io_for(fx);
		char			*cause = NULL;

		assert_non_null(fx->st = httpstep_start(fx->ctx, &req, &io,
		    &cause));
	}
	free(u);
	run_until_done(fx, 6000);
	assert_null(fx->st);
	assert_int_equal(fx->r.ok, 1);
}

static void
test_refused(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	struct sockaddr_in	 sin = { 0 };
	socklen_t		 slen = sizeof sin;
	char			 u[64];
	int			 s;

	/* Bound but not listening: nothing else can take the port, and a
	 * connect to it is refused. */
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &slen), 0);
	snprintf(u, sizeof u, "http://127.0.0.1:%d/health", ntohs(sin.sin_port));
	req.url = u;
	req.timeout_ms = 5000;
	start(fx, &req);
	run_until_done(fx, 6000);
	close(s);
	assert_int_equal(fx->r.ok, 0);
	assert_non_null(strstr(fx->r.reason, "connection failed: "));
	assert_string_equal(ev_str(&fx->r, "verdict"), "error");
	assert_true(json_is_null(json_object_get(fx->r.ev, "status")));
}

static void
test_tls_to_plain(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	char			 u[64];

	snprintf(u, sizeof u, "https://127.0.0.1:%d/health", srv.port);
	req.url = u;
	req.timeout_ms = 5000;
	start(fx, &req);
	run_until_done(fx, 6000);
	assert_int_equal(fx->r.ok, 0);
	assert_non_null(strstr(fx->r.reason, "TLS error: "));
	assert_true(json_is_false(json_object_get(fx->r.ev, "insecure")));
	assert_null(strstr(fx->r.out.buf, "TLS verification is off"));

	/* insecure only skips verification, and it is on the record. */
	req.insecure = 1;
	start(fx, &req);
	run_until_done(fx, 6000);
	assert_int_equal(fx->r.ok, 0);
	assert_non_null(strstr(fx->r.reason, "TLS error: "));
	assert_true(json_is_true(json_object_get(fx->r.ev, "insecure")));
	assert_non_null(strstr(fx->r.out.buf, "TLS verification is off"));
}

static void
test_secrets_masked(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	const char		*secrets[] = { "S3cr3t-Value", "p@ss w0rd" };
	const char		*headers[] = { "X-Token: S3cr3t-Value" };
	char			*u = url("/echo?token=S3cr3t-Value&pw=p%40ss%20w0rd");

	req.url = u;
	req.headers = headers;
	req.nheaders = 1;
	req.expect_body = "x-token=S3cr3t-Value";
	req.secrets = secrets;
	req.nsecrets = 2;
	req.timeout_ms = 5000;
	start(fx, &req);
	free(u);
	run_until_done(fx, 6000);
	/* The server did get the real values: the regex matched them. */
	assert_int_equal(fx->r.ok, 1);
	assert_non_null(strstr(fx->r.out.buf, "/echo?token=****&pw=****\n"));
	assert_non_null(strstr(fx->r.out.buf, "x-token=****\n"));
	assert_null(strstr(fx->r.out.buf, "S3cr3t"));
	assert_null(strstr(fx->r.out.buf, "p%40ss"));
	assert_null(strstr(fx->r.ev_text, "S3cr3t"));
	assert_null(strstr(fx->r.ev_text, "p%40ss"));
	assert_null(strstr(fx->r.reason, "S3cr3t"));
	assert_non_null(strstr(ev_str(&fx->r, "url"), "token=****&pw=****"));
	assert_string_equal(fx->r.reason,
	    "answered 200 and the body matches /x-token=****/");
}

static void
mark_time(void *arg)
{
	*(int64_t *)arg = clock_mono_ms();
}

/* The loop keeps turning while a slow request is out. */
static void
test_timer_runs_during_request(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	int64_t			 t0 = clock_mono_ms(), fired = 0;
	char			*u = url("/slow?ms=600");

	req.url = u;
	req.timeout_ms = 5000;
	start(fx, &req);
	free(u);
	assert_true(clock_mono_ms() - t0 < 100);
	loop_add_timer(fx->loop, 50, mark_time, &fired);
	run_until_done(fx, 3000);
	assert_int_equal(fx->r.ok, 1);
	assert_true(fired != 0);
	assert_true(fired - t0 < 300);
	assert_true(fx->r.done_at - fired >= 250);
	assert_true(fx->r.done_at - t0 >= 590);
}

/* Once a request is over, curl asks the loop for nothing: no spinning. */
static void
test_idle_after_request(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	const char		*headers[] = { "Connection: close" };
	int64_t			 t0;
	int			 turns = 0;
	char			*u = url("/health");

	/* One connection kept alive, one closed: neither may stay watched. */
	pyserver_write_state(&srv, "health", "200");
	get(fx, "/health", 0, NULL);
	assert_int_equal(fx->r.ok, 1);
	req.url = u;
	req.headers = headers;
	req.nheaders = 1;
	start(fx, &req);
	free(u);
	run_until_done(fx, 6000);
	assert_int_equal(fx->r.ok, 1);
	t0 = clock_mono_ms();
	while (clock_mono_ms() - t0 < 300) {
		loop_run_once(fx->loop, 100);
		turns++;
	}
	assert_true(turns <= 4);
}

static void
test_redirect_not_followed(void **state)
{
	struct fixture	*fx = *state;
	char		 want[128];

	pyserver_write_state(&srv, "health", "200");
	get(fx, "/redirect", 0, NULL);
	assert_int_equal(fx->r.ok, 0);
	assert_string_equal(fx->r.reason, "answered 302, expected 2xx");
	snprintf(want, sizeof want, "redirect to http://127.0.0.1:%d/health "
	    "(not followed)\n", srv.port);
	assert_non_null(strstr(fx->r.out.buf, want));
	assert_non_null(ev_str(&fx->r, "redirect"));
	get(fx, "/redirect", 302, NULL);
	assert_int_equal(fx->r.ok, 1);
}

static void
test_post_body(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	const char		*headers[] = { "Content-Type: application/json" };
	char			*u = url("/hook/x"), *log;

	req.method = "POST";
	req.url = u;
	req.headers = headers;
	req.nheaders = 1;
	req.body = "{\"a\":1}";
	req.expect_body = "^ok$";
	req.timeout_ms = 5000;
	start(fx, &req);
	free(u);
	run_until_done(fx, 6000);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(ev_str(&fx->r, "method"), "POST");
	assert_non_null(log = pyserver_read_state(&srv, "webhook.log"));
	assert_non_null(strstr(log, "{\"a\":1}\n"));
	free(log);
	assert_non_null(log = pyserver_read_state(&srv, "requests.log"));
	assert_non_null(strstr(log, "\"method\": \"POST\", \"path\": \"/hook/x\", "
	    "\"content_type\": \"application/json\""));
	free(log);

	/* Other methods with and without a body. */
	u = url("/status/204");
	req.method = "DELETE";
	req.url = u;
	req.headers = NULL;
	req.nheaders = 0;
	req.body = NULL;
	req.expect_body = NULL;
	start(fx, &req);
	run_until_done(fx, 6000);
	assert_int_equal(fx->r.ok, 1);
	assert_string_equal(ev_str(&fx->r, "method"), "DELETE");
	req.method = "PUT";
	req.body = "x=1";
	start(fx, &req);
	run_until_done(fx, 6000);
	assert_int_equal(fx->r.ok, 1);
	free(u);
	assert_non_null(log = pyserver_read_state(&srv, "requests.log"));
	assert_non_null(strstr(log, "\"method\": \"DELETE\", \"path\": "
	    "\"/status/204\", \"content_type\": null, \"body\": \"\""));
	assert_non_null(strstr(log, "\"method\": \"PUT\", \"path\": "
	    "\"/status/204\", \"content_type\": \"application/x-www-form-urlencoded\", "
	    "\"body\": \"x=1\""));
	free(log);
}

static void
test_big_body(void **state)
{
	struct fixture	*fx = *state;

	get(fx, "/big?n=100000", 0, "line 008000");
	/* The regex sees more than is shown. */
	assert_int_equal(fx->r.ok, 1);
	assert_int_equal(ev_int(&fx->r, "bytes"), 100000);
	assert_non_null(strstr(fx->r.out.buf, "line 000000\n"));
	assert_non_null(strstr(fx->r.out.buf, "line 000300\n"));
	assert_null(strstr(fx->r.out.buf, "line 000400\n"));
	assert_non_null(strstr(fx->r.out.buf,
	    "(body of 100000 bytes; only the start is shown)\n"));
	assert_true(fx->r.out.len < HTTPSTEP_SHOW_MAX + 512);
}

static void
test_bad_requests(void **state)
{
	struct fixture		*fx = *state;
	struct httpstep_request	 req = { 0 };
	struct action_io	 io = io_for(fx);
	const char		*bad_header[] = { "X-A: b\r\nX-B: c" };
	const char		*secrets[] = { "hunter2" };
	char			*cause = NULL;

	req.url = "ftp://127.0.0.1/x";
	assert_null(httpstep_start(fx->ctx, &req, &io, &cause));
	assert_non_null(strstr(cause, "not an http:// or https:// URL"));
	free(cause);
	req.url = "no scheme at all";
	assert_null(httpstep_start(fx->ctx, &req, &io, &cause));
	free(cause);
	req.url = "http://127.0.0.1:1/";
	req.method = "GE T";
	assert_null(httpstep_start(fx->ctx, &req, &io, &cause));
	assert_non_null(strstr(cause, "not an HTTP method"));
	free(cause);
	req.method = NULL;
	req.headers = bad_header;
	req.nheaders = 1;
	assert_null(httpstep_start(fx->ctx, &req, &io, &cause));
	assert_non_null(strstr(cause, "'Name: value'"));
	free(cause);
	/* A secret in a bad URL does not reach the cause. */
	req.headers = NULL;
	req.nheaders = 0;
	req.url = "gopher://hunter2@127.0.0.1/";
	req.secrets = secrets;
	req.nsecrets = 1;
	assert_null(httpstep_start(fx->ctx, &req, &io, &cause));
	assert_null(strstr(cause, "hunter2"));
	free(cause);
	assert_int_equal(fx->r.done_calls, 0);
}

static void
test_mask(void **state)
{
	const char	*secrets[] = { "abc", "abcdef", "", NULL, "a b/c" };
	char		*m;
	int		 n;

	(void)state;
	m = httpstep_mask("xabcdefy abc a%20b%2Fc a b/c", 28, secrets, 5, &n);
	assert_string_equal(m, "x****y **** **** ****");
	assert_int_equal(n, 4);
	free(m);
	m = httpstep_mask_url("https://user:pa55@example.test/x?k=abc", secrets, 1);
	assert_string_equal(m, "https://user:****@example.test/x?k=****");
	free(m);
	/* As a JSON body carries it, and a server may echo it back. */
	secrets[0] = "pa\"ss\\w0rd";
	m = httpstep_mask("{\"pw\": \"pa\\\"ss\\\\w0rd\"}", 22, secrets, 1, &n);
	assert_string_equal(m, "{\"pw\": \"****\"}");
	free(m);
	m = httpstep_mask("nothing here", 12, NULL, 0, &n);
	assert_string_equal(m, "nothing here");
	assert_int_equal(n, 0);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask),
		cmocka_unit_test_setup_teardown(test_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_503_then_200, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expect_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_to_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_runs_during_request,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_after_request, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_redirect_not_followed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_post_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
	};

	if (!pyserver_have_python3()) {
		fprintf(stderr, "test_httpstep: skipped, no python3 on PATH\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
