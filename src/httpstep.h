/* httpstep.h: the http step kind: one request on the loop's curl multi
 * (httpctx.h), checked against an expected status and body. Also the
 * secret masking the web step kinds use. */
#ifndef DRC_HTTPSTEP_H
#define DRC_HTTPSTEP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "action.h"
#include "httpctx.h"
#include "loop.h"

/* How much of a body is shown as output. */
#define HTTPSTEP_SHOW_MAX	4096
/* How much of a body is kept for expect_body; the rest is only counted. */
#define HTTPSTEP_KEEP_MAX	(1024 * 1024)

struct httpstep_request {
	const char		 *method;	/* NULL: GET */
	const char		 *url;		/* http:// or https:// */
	const char *const	 *headers;	/* "Name: value" */
	int			  nheaders;
	const char		 *body;		/* NULL: none */
	int			  expect_status;	/* 0: any 2xx */
	const char		 *expect_body;	/* POSIX extended regex, or NULL */
	int			  insecure;	/* skip TLS verification */
	int64_t			  timeout_ms;	/* whole request; 0: none */
	const char *const	 *secrets;	/* values shown as **** */
	int			  nsecrets;
};

struct httpstep;

/* Starts the request; its end comes through io->done, never from inside
 * this call. The request line is output at once; all other output comes
 * from the loop, never from inside curl, so output and done may cancel or
 * free the step. Redirects are not followed: a 3xx is the answer, and the
 * output names where it points. Returns NULL and sets cause when the
 * request is invalid (URL, method, header, regex). */
struct httpstep *httpstep_start(struct httpctx *, const struct httpstep_request *,
    const struct action_io *, char **cause);
/* Stops the request at once; done (ok 0, "cancelled") follows on the next
 * loop turn, so it never runs inside the caller's cancel. */
void httpstep_cancel(struct httpstep *);
/* Frees the step; a running one is stopped without calling done. Safe
 * inside done. */
void httpstep_free(struct httpstep *);
/* After done: the status (0: no answer) and the first HTTPSTEP_KEEP_MAX
 * bytes of the body, unmasked, NUL-terminated. */
int httpstep_status(const struct httpstep *);
const char *httpstep_body(const struct httpstep *, size_t *len);

/* Returns text with every secret, and every secret as it looks inside a
 * URL, replaced by ****; *count (if not NULL) is how many were replaced. */
char *httpstep_mask(const char *text, size_t len, const char *const *secrets,
    int nsecrets, int *count);
/* As httpstep_mask, and a password in the URL's userinfo becomes ****. */
char *httpstep_mask_url(const char *url, const char *const *secrets, int nsecrets);
/* Formats a message and gives it to io->output as one piece of stream. */
void httpstep_printf(const struct action_io *io, int stream, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
/* "connection failed", "TLS error", "timed out", ...: a curl error in words. */
const char *httpstep_error_kind(CURLcode);

#endif
