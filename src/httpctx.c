/* httpctx.c: owns the curl multi of a loop: its sockets become loop fds,
 * its timeout a loop timer, and each finished transfer is handed back to
 * its owner (an http step, a notification). Nothing here ever waits: curl
 * only runs when the loop says a socket is ready or its timer is due. */
#include <sys/queue.h>

#include <stdlib.h>

#include "httpctx.h"
#include "log.h"
#include "xmalloc.h"

struct httpsock {
	struct httpctx		*ctx;
	struct loop_fd		*lfd;
	LIST_ENTRY(httpsock)	 entry;
};

struct httpxfer {
	struct httpctx		*ctx;
	CURL			*easy;
	httpctx_done_cb		 cb;
	void			*arg;
	LIST_ENTRY(httpxfer)	 entry;
};

struct httpctx {
	struct loop		*loop;
	CURLM			*multi;
	struct loop_timer	*timer;		/* curl's timeout, if any */
	LIST_HEAD(, httpsock)	 socks;
	LIST_HEAD(, httpxfer)	 xfers;
};

static void	httpctx_check(struct httpctx *);

static void
httpsock_free(struct httpsock *s)
{
	loop_remove_fd(s->ctx->loop, s->lfd);
	LIST_REMOVE(s, entry);
	free(s);
}

static void
httpctx_fd_cb(int fd, short revents, void *arg)
{
	struct httpsock	*s = arg;
	struct httpctx	*ctx = s->ctx;	/* s may be freed by socket_action */
	int		 flags = 0, running;

	/* A hang-up is read as EOF, which is how curl learns of it. */
	if (revents & (POLLIN|POLLHUP))
		flags |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (POLLERR|POLLNVAL))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(ctx->multi, fd, flags, &running);
	httpctx_check(ctx);
}

static int
httpctx_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct httpctx	*ctx = userp;
	struct httpsock	*s = socketp;
	short		 events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL)
			httpsock_free(s);
		return 0;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->ctx = ctx;
		s->lfd = loop_add_fd(ctx->loop, fd, 0, httpctx_fd_cb, s);
		LIST_INSERT_HEAD(&ctx->socks, s, entry);
		curl_multi_assign(ctx->multi, fd, s);
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= POLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= POLLOUT;
	loop_fd_set_events(s->lfd, events);
	return 0;
}

static void
httpctx_timeout(void *arg)
{
	struct httpctx	*ctx = arg;
	int		 running;

	ctx->timer = NULL;
	curl_multi_socket_action(ctx->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	httpctx_check(ctx);
}

/* curl asks for one timeout at a time; -1 means none. A loop timer rather
 * than acting here, because socket_action may not be called from inside
 * this callback. */
static int
httpctx_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct httpctx	*ctx = userp;

	(void)multi;
	if (ctx->timer != NULL)
		loop_cancel_timer(ctx->loop, ctx->timer);
	ctx->timer = NULL;
	if (timeout_ms >= 0)
		ctx->timer = loop_add_timer(ctx->loop, timeout_ms,
		    httpctx_timeout, ctx);
	return 0;
}

/* Takes finished transfers off the multi and tells their owners. */
static void
httpctx_check(struct httpctx *ctx)
{
	CURLMsg		*m;
	struct httpxfer	*x;
	httpctx_done_cb	 cb;
	void		*arg;
	CURLcode	 result;
	char		*priv;
	int		 left;

	while ((m = curl_multi_info_read(ctx->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		/* m dies with the removal below: copy what we need. */
		result = m->data.result;
		if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    &priv) != CURLE_OK || priv == NULL)
			fatalx("curl transfer without its owner");
		x = (struct httpxfer *)(void *)priv;
		cb = x->cb;
		arg = x->arg;
		httpctx_remove(x);
		cb(arg, result);
	}
}

/* One curl multi for everything on this loop. */
struct httpctx *
httpctx_new(struct loop *loop)
{
	static int	 curl_ready;
	struct httpctx	*ctx;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			fatalx("curl_global_init failed");
		curl_ready = 1;
	}
	ctx = xcalloc(1, sizeof *ctx);
	ctx->loop = loop;
	LIST_INIT(&ctx->socks);
	LIST_INIT(&ctx->xfers);
	if ((ctx->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETFUNCTION, httpctx_socket_cb);
	curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETDATA, ctx);
	curl_multi_setopt(ctx->multi, CURLMOPT_TIMERFUNCTION, httpctx_timer_cb);
	curl_multi_setopt(ctx->multi, CURLMOPT_TIMERDATA, ctx);
	return ctx;
}

/* Frees the multi; every transfer must be gone already. */
void
httpctx_free(struct httpctx *ctx)
{
	if (ctx == NULL)
		return;
	if (!LIST_EMPTY(&ctx->xfers))
		fatalx("httpctx_free with transfers still running");
	curl_multi_cleanup(ctx->multi);
	/* Idle cached connections may still be registered. */
	while (!LIST_EMPTY(&ctx->socks))
		httpsock_free(LIST_FIRST(&ctx->socks));
	if (ctx->timer != NULL)
		loop_cancel_timer(ctx->loop, ctx->timer);
	free(ctx);
}

/* Puts a configured easy handle on the multi. */
struct httpxfer *
httpctx_add(struct httpctx *ctx, CURL *easy, httpctx_done_cb cb, void *arg)
{
	struct httpxfer	*x = xcalloc(1, sizeof *x);

	x->ctx = ctx;
	x->easy = easy;
	x->cb = cb;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(ctx->multi, easy) != CURLM_OK) {
		free(x);
		return NULL;
	}
	LIST_INSERT_HEAD(&ctx->xfers, x, entry);
	return x;
}

/* Takes a transfer off the multi, closing its sockets if need be. */
void
httpctx_remove(struct httpxfer *x)
{
	curl_multi_remove_handle(x->ctx->multi, x->easy);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, NULL);
	LIST_REMOVE(x, entry);
	free(x);
}

/* The loop the multi runs on. */
struct loop *
httpctx_loop(struct httpctx *ctx)
{
	return ctx->loop;
}
