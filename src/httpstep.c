/* httpstep.c: the http step kind, on the loop's curl multi (httpctx.c):
 * one request, shown as request line, status line, timing and the start of
 * the body, judged against the expected status and body, secrets masked in
 * all of it. Nothing here ever waits. */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "httpstep.h"
#include "mask.h"
#include "log.h"
#include "strbuf.h"
#include "xmalloc.h"

struct httpstep {
	struct httpctx		*ctx;
	int			 timed_out;	/* the transfer ran out of time */
	struct action_io	 io;
	CURL			*easy;
	struct httpxfer		*xfer;		/* NULL once off the multi */
	struct curl_slist	*headers;
	char			 errbuf[CURL_ERROR_SIZE];

	char			*method;
	char			*url;		/* masked: for output and evidence */
	char			**secrets;
	int			 nsecrets;
	int			 expect_status;
	int			 has_re;
	regex_t			 re;
	char			*expect_body;	/* masked */
	int			 insecure;
	int64_t			 started;	/* monotonic ms */

	char			*status_line;	/* the last one seen */
	int			 status;
	struct strbuf		 body;		/* up to HTTPSTEP_KEEP_MAX */
	uint64_t		 bytes;		/* all body bytes received */
	struct loop_timer	*status_timer;	/* shows the status line */
	struct loop_timer	*cancel_timer;
};

/* --- masking --- */

/* A secret as it stands inside a JSON string (what webtmpl writes into a
 * JSON body, and what a server may echo back), without the quotes. */
static void
add_json_form(struct mask *m, const char *secret)
{
	json_t	*j = json_string(secret);
	char	*enc = j != NULL ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	size_t	 n = enc != NULL ? strlen(enc) : 0;

	if (n > 2) {
		enc[n - 1] = '\0';
		mask_add(m, enc + 1);
	}
	if (enc != NULL)
		explicit_bzero(enc, n);
	free(enc);
	json_decref(j);
}

/* Each secret as given and as it appears in a URL or a JSON string, as one
 * mask (mask.h), the masking every sink shares. */
static struct mask *
mask_forms(const char *const *secrets, int nsecrets)
{
	struct mask	*m = mask_new();
	char		*esc;

	for (int i = 0; i < nsecrets; i++) {
		if (secrets[i] == NULL || secrets[i][0] == '\0')
			continue;
		mask_add(m, secrets[i]);
		esc = curl_easy_escape(NULL, secrets[i], 0);
		if (esc != NULL)
			mask_add(m, esc);
		curl_free(esc);
		add_json_form(m, secrets[i]);
	}
	return m;
}

static int
mask_forms_into(struct strbuf *out, const char *text, size_t len,
    const char *const *secrets, int nsecrets)
{
	struct mask	*m = mask_forms(secrets, nsecrets);
	int		 count = mask_into(m, text, len, out);

	mask_free(m);
	return count;
}

/* Returns text with every secret replaced by ****. */
char *
httpstep_mask(const char *text, size_t len, const char *const *secrets,
    int nsecrets, int *count)
{
	struct strbuf	out;
	int		n;

	strbuf_init(&out);
	n = mask_forms_into(&out, text, len, secrets, nsecrets);
	if (count != NULL)
		*count = n;
	return strbuf_detach(&out);
}

/* As httpstep_mask, and a password in the URL's userinfo becomes ****. */
char *
httpstep_mask_url(const char *url, const char *const *secrets, int nsecrets)
{
	CURLU	*u = curl_url();
	char	*pw = NULL, *shown = NULL, *out;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url,
	    CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PASSWORD, "****", 0) == CURLUE_OK)
		curl_url_get(u, CURLUPART_URL, &shown, 0);
	out = shown != NULL ? shown : (char *)url;
	out = httpstep_mask(out, strlen(out), secrets, nsecrets, NULL);
	curl_free(pw);
	curl_free(shown);
	curl_url_cleanup(u);
	return out;
}

/* --- errors --- */

static const struct {
	CURLcode	 code;
	const char	*kind;
} httpstep_errors[] = {
	{ CURLE_COULDNT_RESOLVE_HOST, "name lookup failed" },
	{ CURLE_COULDNT_RESOLVE_PROXY, "proxy name lookup failed" },
	{ CURLE_COULDNT_CONNECT, "connection failed" },
	{ CURLE_OPERATION_TIMEDOUT, "timed out" },
	{ CURLE_SSL_CONNECT_ERROR, "TLS error" },
	{ CURLE_PEER_FAILED_VERIFICATION, "TLS error" },
	{ CURLE_SSL_CACERT_BADFILE, "TLS error" },
	{ CURLE_SSL_CERTPROBLEM, "TLS error" },
	{ CURLE_SSL_CIPHER, "TLS error" },
	{ CURLE_SSL_ISSUER_ERROR, "TLS error" },
	{ CURLE_USE_SSL_FAILED, "TLS error" },
	{ CURLE_GOT_NOTHING, "empty answer" },
	{ CURLE_SEND_ERROR, "send failed" },
	{ CURLE_RECV_ERROR, "receive failed" },
	{ CURLE_WEIRD_SERVER_REPLY, "unexpected answer" },
	{ CURLE_LOGIN_DENIED, "login denied" },
	{ CURLE_REMOTE_ACCESS_DENIED, "access denied" },
	{ CURLE_UNSUPPORTED_PROTOCOL, "unsupported protocol" },
};

/* A curl error in words. */
const char *
httpstep_error_kind(CURLcode rc)
{
	for (size_t i = 0; i < sizeof httpstep_errors /
	    sizeof httpstep_errors[0]; i++) {
		if (httpstep_errors[i].code == rc)
			return httpstep_errors[i].kind;
	}
	return "transfer failed";
}

/* --- checking a request --- */

static int
httpstep_check_url(struct httpstep *st, const char *url, char **cause)
{
	CURLU	*u = curl_url();
	char	*scheme = NULL;
	int	 ok;

	ok = u != NULL &&
	    curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ==
	    CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
	if (!ok)
		*cause = xprintf("not an http:// or https:// URL: %s", st->url);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ok ? 0 : -1;
}

static int
httpstep_check_method(const char *method, char **cause)
{
	size_t	n = strlen(method);

	if (n == 0 || n > 16 || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n) {
		*cause = xprintf("'%s' is not an HTTP method", method);
		return -1;
	}
	return 0;
}

/* A header line must be one "Name: value" line, or it could smuggle in
 * another header or request. */
static int
httpstep_check_header(const char *h, char **cause)
{
	size_t	name = strcspn(h, ":");

	if (h[name] != ':' || name == 0 || strcspn(h, " \t") < name ||
	    strpbrk(h, "\r\n") != NULL) {
		*cause = xprintf("header %.*s is not one 'Name: value' line",
		    (int)name, h);
		return -1;
	}
	return 0;
}

static int
httpstep_check_regex(struct httpstep *st, const char *re, char **cause)
{
	char	buf[256];
	int	rc;

	/* REG_NEWLINE: ^ and $ anchor at each line, as in the output. */
	if ((rc = regcomp(&st->re, re, REG_EXTENDED | REG_NEWLINE)) != 0) {
		regerror(rc, &st->re, buf, sizeof buf);
		regfree(&st->re);
		*cause = xprintf("expect_body is not a valid regular "
		    "expression: %s", buf);
		return -1;
	}
	st->has_re = 1;
	return 0;
}

static int
httpstep_check(struct httpstep *st, const struct httpstep_request *req,
    char **cause)
{
	if (httpstep_check_url(st, req->url, cause) != 0 ||
	    httpstep_check_method(st->method, cause) != 0)
		return -1;
	for (int i = 0; i < req->nheaders; i++) {
		if (httpstep_check_header(req->headers[i], cause) != 0)
			return -1;
	}
	if (req->expect_body != NULL &&
	    httpstep_check_regex(st, req->expect_body, cause) != 0)
		return -1;
	if (req->expect_status != 0 &&
	    (req->expect_status < 100 || req->expect_status > 599)) {
		*cause = xprintf("expect_status %d is not an HTTP status",
		    req->expect_status);
		return -1;
	}
	return 0;
}

/* --- output --- */

void
httpstep_printf(const struct action_io *io, int stream, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	io->output(io->arg, stream, s, strlen(s));
	free(s);
}

static const char *const *
httpstep_secrets(const struct httpstep *st)
{
	return (const char *const *)st->secrets;
}

/* Called at the blank line ending each header block. */
static void
httpstep_show_status(struct httpstep *st)
{
	const char	*sp = strchr(st->status_line, ' ');
	char		*shown;

	/* 1xx answers are interim; the real one follows. */
	if (sp != NULL && sp[1] == '1')
		return;
	shown = httpstep_mask(st->status_line, strlen(st->status_line),
	    httpstep_secrets(st), st->nsecrets, NULL);
	httpstep_printf(&st->io, ACTION_STDOUT, "< %s\n", shown);
	free(shown);
}

static void
httpstep_status_due(void *arg)
{
	struct httpstep	*st = arg;

	st->status_timer = NULL;
	httpstep_show_status(st);
}

/* Emits text as lines: control bytes become '?', CRs before LF vanish. */
static void
httpstep_show_lines(struct httpstep *st, const char *text, size_t len)
{
	struct strbuf	line;
	unsigned char	c;

	strbuf_init(&line);
	for (size_t i = 0; i < len; i++) {
		c = (unsigned char)text[i];
		if (c == '\r' && i + 1 < len && text[i + 1] == '\n')
			continue;
		if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
			strbuf_addch(&line, (char)c);
		else
			strbuf_addch(&line, '?');
		if (c == '\n') {
			st->io.output(st->io.arg, ACTION_STDOUT, line.buf, line.len);
			strbuf_reset(&line);
		}
	}
	if (line.len > 0) {
		strbuf_addch(&line, '\n');
		st->io.output(st->io.arg, ACTION_STDOUT, line.buf, line.len);
	}
	strbuf_free(&line);
}

static void
httpstep_show_body(struct httpstep *st)
{
	struct strbuf	masked;
	size_t		shown;

	if (st->body.len == 0)
		return;
	/* Mask all that was kept, then cut, so a secret across the cut
	 * cannot show half of itself. */
	strbuf_init(&masked);
	mask_forms_into(&masked, st->body.buf, st->body.len, httpstep_secrets(st),
	    st->nsecrets);
	shown = masked.len < HTTPSTEP_SHOW_MAX ? masked.len : HTTPSTEP_SHOW_MAX;
	while (shown < masked.len && shown > 0 &&
	    ((unsigned char)masked.buf[shown] & 0xc0) == 0x80)
		shown--;
	httpstep_show_lines(st, masked.buf, shown);
	if (shown < masked.len || st->bytes > st->body.len)
		httpstep_printf(&st->io, ACTION_STDOUT, "(body of %llu bytes; "
		    "only the start is shown)\n", (unsigned long long)st->bytes);
	strbuf_free(&masked);
}

static const struct {
	CURLINFO	 info;
	const char	*label;
	const char	*key;
} httpstep_timings[] = {
	{ CURLINFO_CONNECT_TIME_T, "connect", "connect" },
	{ CURLINFO_APPCONNECT_TIME_T, "tls", "tls" },
	{ CURLINFO_STARTTRANSFER_TIME_T, "first byte", "first_byte" },
	{ CURLINFO_TOTAL_TIME_T, "total", "total" },
};

/* Shows the timing line and returns it as JSON: microseconds, which stay
 * exact in JSON; null where the request never got. */
static json_t *
httpstep_show_timing(struct httpstep *st)
{
	json_t		*j = json_object();
	struct strbuf	 line;
	curl_off_t	 us;

	strbuf_init(&line);
	strbuf_adds(&line, "timing:");
	for (size_t i = 0; i < sizeof httpstep_timings /
	    sizeof httpstep_timings[0]; i++) {
		if (curl_easy_getinfo(st->easy, httpstep_timings[i].info, &us) !=
		    CURLE_OK)
			us = 0;
		strbuf_addf(&line, "%s %s ", i == 0 ? "" : ",",
		    httpstep_timings[i].label);
		if (us > 0)
			strbuf_addf(&line, "%.1f ms", (double)us / 1000.0);
		else
			strbuf_adds(&line, "-");
		json_object_set_new(j, httpstep_timings[i].key, us > 0 ?
		    json_integer((json_int_t)us) : json_null());
	}
	strbuf_addch(&line, '\n');
	st->io.output(st->io.arg, ACTION_STDOUT, line.buf, line.len);
	strbuf_free(&line);
	return j;
}

/* A 3xx is the answer (we never follow), but say where it points. */
static char *
httpstep_redirect(struct httpstep *st)
{
	char	*loc = NULL;

	if (st->status < 300 || st->status > 399 ||
	    curl_easy_getinfo(st->easy, CURLINFO_REDIRECT_URL, &loc) !=
	    CURLE_OK || loc == NULL)
		return NULL;
	loc = httpstep_mask_url(loc, httpstep_secrets(st), st->nsecrets);
	httpstep_printf(&st->io, ACTION_STDOUT,
	    "redirect to %s (not followed)\n", loc);
	return loc;
}

/* --- the end --- */

static json_t *
httpstep_expected(const struct httpstep *st)
{
	json_t	*j = json_object();

	json_object_set_new(j, "status", st->expect_status != 0 ?
	    json_integer(st->expect_status) : json_string("2xx"));
	if (st->expect_body != NULL)
		json_object_set_new(j, "body", json_string(st->expect_body));
	return j;
}

static json_t *
httpstep_evidence(struct httpstep *st, const char *verdict, const char *error)
{
	json_t	*ev = json_object();

	json_object_set_new(ev, "method", json_string(st->method));
	json_object_set_new(ev, "url", json_string(st->url));
	json_object_set_new(ev, "status", st->status > 0 ?
	    json_integer(st->status) : json_null());
	json_object_set_new(ev, "expected", httpstep_expected(st));
	json_object_set_new(ev, "verdict", json_string(verdict));
	json_object_set_new(ev, "duration_ms",
	    json_integer(clock_mono_ms() - st->started));
	json_object_set_new(ev, "bytes", json_integer((json_int_t)st->bytes));
	json_object_set_new(ev, "insecure", json_boolean(st->insecure));
	json_object_set_new(ev, "error", error != NULL ? json_string(error) :
	    json_null());
	if (st->timed_out)	/* action.h: how a kind says it ran out of time */
		json_object_set_new(ev, "timed_out", json_true());
	return ev;
}

/* Shows the rest, builds the evidence and calls done, which may free st:
 * nothing may touch st after it. reason is unmasked and consumed. */
static void
httpstep_end(struct httpstep *st, int ok, const char *verdict, char *reason,
    const char *error)
{
	json_t	*ev;
	char	*shown, *masked_error = NULL, *loc;

	if (st->status_timer != NULL) {
		loop_cancel_timer(httpctx_loop(st->ctx), st->status_timer);
		httpstep_status_due(st);
	}
	if (error != NULL) {
		masked_error = httpstep_mask(error, strlen(error),
		    httpstep_secrets(st), st->nsecrets, NULL);
		httpstep_printf(&st->io, ACTION_STDERR, "error: %s\n",
		    masked_error);
	}
	loc = httpstep_redirect(st);
	httpstep_show_body(st);
	ev = httpstep_evidence(st, verdict, masked_error);
	json_object_set_new(ev, "timing_us", httpstep_show_timing(st));
	if (loc != NULL)
		json_object_set_new(ev, "redirect", json_string(loc));
	shown = httpstep_mask(reason, strlen(reason), httpstep_secrets(st),
	    st->nsecrets, NULL);
	free(reason);
	free(masked_error);
	free(loc);
	st->io.done(st->io.arg, ok, shown, ev);
	free(shown);
	json_decref(ev);
}

static int
httpstep_body_matches(struct httpstep *st)
{
	regmatch_t	m[1];

	/* STARTEND: the body may hold NULs, and is not a C string anyway. */
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)st->body.len;
	return regexec(&st->re, strbuf_str(&st->body), 1, m, REG_STARTEND) == 0;
}

/* The transfer worked: was the answer the expected one? */
static void
httpstep_judge(struct httpstep *st)
{
	char	expected[16];
	int	status_ok;

	if (st->expect_status != 0) {
		snprintf(expected, sizeof expected, "%d", st->expect_status);
		status_ok = st->status == st->expect_status;
	} else {
		snprintf(expected, sizeof expected, "2xx");
		status_ok = st->status >= 200 && st->status <= 299;
	}
	if (!status_ok)
		httpstep_end(st, 0, "unexpected status", xprintf("answered %d, "
		    "expected %s", st->status, expected), NULL);
	else if (st->has_re && !httpstep_body_matches(st))
		httpstep_end(st, 0, "body mismatch", xprintf("answered %d but "
		    "the body does not match /%s/", st->status,
		    st->expect_body), NULL);
	else if (st->has_re)
		httpstep_end(st, 1, "ok", xprintf("answered %d and the body "
		    "matches /%s/", st->status, st->expect_body), NULL);
	else
		httpstep_end(st, 1, "ok", xprintf("answered %d, expected %s",
		    st->status, expected), NULL);
}

static void
httpstep_finished(void *arg, CURLcode rc)
{
	struct httpstep	*st = arg;
	long		 code = 0;
	char		*error;

	st->xfer = NULL;
	if (curl_easy_getinfo(st->easy, CURLINFO_RESPONSE_CODE, &code) ==
	    CURLE_OK)
		st->status = (int)code;
	if (rc == CURLE_OK) {
		httpstep_judge(st);
		return;
	}
	error = xprintf("%s: %s", httpstep_error_kind(rc), st->errbuf[0] !=
	    '\0' ? st->errbuf : curl_easy_strerror(rc));
	st->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
	httpstep_end(st, 0, "error", xstrdup(error), error);
	free(error);
}

static void
httpstep_cancelled(void *arg)
{
	struct httpstep	*st = arg;

	st->cancel_timer = NULL;
	httpstep_end(st, 0, "cancelled", xstrdup("cancelled"), "cancelled");
}

/* --- curl callbacks --- */

static size_t
httpstep_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct httpstep	*st = arg;
	size_t		 len = size * n, l = len;

	while (l > 0 && (data[l - 1] == '\n' || data[l - 1] == '\r'))
		l--;
	if (l >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		free(st->status_line);
		st->status_line = xstrndup(data, l);
	} else if (l == 0 && st->status_line != NULL &&
	    st->status_timer == NULL)
		/* Not from inside curl: the output callback may well want
		 * to cancel or free us. */
		st->status_timer = loop_add_timer(httpctx_loop(st->ctx), 0,
		    httpstep_status_due, st);
	return len;
}

static size_t
httpstep_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct httpstep	*st = arg;
	size_t		 len = size * n, keep = 0;

	st->bytes += len;
	if (st->body.len < HTTPSTEP_KEEP_MAX)
		keep = HTTPSTEP_KEEP_MAX - st->body.len;
	strbuf_add(&st->body, data, len < keep ? len : keep);
	return len;
}

/* --- starting --- */

static void
httpstep_setup_method(struct httpstep *st, const struct httpstep_request *req)
{
	CURL	*e = st->easy;

	if (strcmp(st->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (req->body != NULL || strcmp(st->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)
		    (req->body != NULL ? strlen(req->body) : 0));
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body != NULL ?
		    req->body : "");
		if (strcmp(st->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, st->method);
	} else if (strcmp(st->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, st->method);
}

static int
httpstep_setup(struct httpstep *st, const struct httpstep_request *req,
    char **cause)
{
	CURL	*e;

	if ((e = st->easy = curl_easy_init()) == NULL) {
		*cause = xstrdup("cannot make a curl handle");
		return -1;
	}
	if (curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK) {
		*cause = xprintf("curl refused the URL %s", st->url);
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, st->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "drconsole");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, st->insecure ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, st->insecure ? 0L : 2L);
	if (req->timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, httpstep_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, st);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, httpstep_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, st);
	httpstep_setup_method(st, req);
	for (int i = 0; i < req->nheaders; i++)
		st->headers = curl_slist_append(st->headers, req->headers[i]);
	/* No 100-continue round trip: bodies here are small. */
	st->headers = curl_slist_append(st->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, st->headers);
	return 0;
}

static struct httpstep *
httpstep_new(struct httpctx *ctx, const struct httpstep_request *req,
    const struct action_io *io)
{
	struct httpstep	*st = xcalloc(1, sizeof *st);

	st->ctx = ctx;
	st->io = *io;
	st->method = xstrdup(req->method != NULL ? req->method : "GET");
	st->secrets = xcalloc((size_t)req->nsecrets + 1, sizeof *st->secrets);
	for (int i = 0; i < req->nsecrets; i++) {
		if (req->secrets[i] != NULL)
			st->secrets[st->nsecrets++] = xstrdup(req->secrets[i]);
	}
	st->url = httpstep_mask_url(req->url != NULL ? req->url : "",
	    httpstep_secrets(st), st->nsecrets);
	if (req->expect_body != NULL)
		st->expect_body = httpstep_mask(req->expect_body,
		    strlen(req->expect_body), httpstep_secrets(st),
		    st->nsecrets, NULL);
	st->expect_status = req->expect_status;
	st->insecure = req->insecure;
	strbuf_init(&st->body);
	return st;
}

/* Starts one request on the loop. */
struct httpstep *
httpstep_start(struct httpctx *ctx, const struct httpstep_request *req,
    const struct action_io *io, char **cause)
{
	struct httpstep	*st = httpstep_new(ctx, req, io);

	if (req->url == NULL) {
		*cause = xstrdup("no URL");
		goto fail;
	}
	if (httpstep_check(st, req, cause) != 0 ||
	    httpstep_setup(st, req, cause) != 0)
		goto fail;
	st->started = clock_mono_ms();
	httpstep_printf(&st->io, ACTION_STDOUT, "> %s %s\n", st->method,
	    st->url);
	if (st->insecure)
		httpstep_printf(&st->io, ACTION_STDOUT,
		    "TLS verification is off (insecure: true)\n");
	if ((st->xfer = httpctx_add(ctx, st->easy, httpstep_finished,
	    st)) == NULL) {
		*cause = xstrdup("curl refused the transfer");
		goto fail;
	}
	return st;
fail:
	httpstep_free(st);
	return NULL;
}

/* Stops the request now; done follows on the next loop turn. */
void
httpstep_cancel(struct httpstep *st)
{
	if (st->xfer == NULL)
		return;
	httpctx_remove(st->xfer);
	st->xfer = NULL;
	st->cancel_timer = loop_add_timer(httpctx_loop(st->ctx), 0, httpstep_cancelled,
	    st);
}

/* Frees the step; a running one stops without calling done. */
void
httpstep_free(struct httpstep *st)
{
	if (st == NULL)
		return;
	if (st->xfer != NULL)
		httpctx_remove(st->xfer);
	if (st->cancel_timer != NULL)
		loop_cancel_timer(httpctx_loop(st->ctx), st->cancel_timer);
	if (st->status_timer != NULL)
		loop_cancel_timer(httpctx_loop(st->ctx), st->status_timer);
	if (st->easy != NULL)
		curl_easy_cleanup(st->easy);
	curl_slist_free_all(st->headers);
	if (st->has_re)
		regfree(&st->re);
	for (int i = 0; i < st->nsecrets; i++)
		free(st->secrets[i]);
	free(st->secrets);
	free(st->method);
	free(st->url);
	free(st->expect_body);
	free(st->status_line);
	strbuf_free(&st->body);
	free(st);
}

/* The status of the answer; 0 when there was none. */
int
httpstep_status(const struct httpstep *st)
{
	return st->status;
}

/* The kept start of the body, unmasked. */
const char *
httpstep_body(const struct httpstep *st, size_t *len)
{
	if (len != NULL)
		*len = st->body.len;
	return strbuf_str(&st->body);
}
