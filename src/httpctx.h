/* httpctx.h: the curl multi of a loop, which http steps and notifications
 * put their transfers on. */
#ifndef DRC_HTTPCTX_H
#define DRC_HTTPCTX_H

#include <curl/curl.h>

#include "loop.h"

struct httpctx;
struct httpxfer;

/* One curl multi for everything on this loop. */
struct httpctx *httpctx_new(struct loop *);
/* Every step and transfer must be freed first, and the loop still alive;
 * not from a done callback. */
void httpctx_free(struct httpctx *);

/* Called when a transfer added with httpctx_add is over; the handle has
 * already left the multi and the xfer is freed. */
typedef void (*httpctx_done_cb)(void *arg, CURLcode result);
/* Puts a configured easy handle on the multi; the caller keeps the handle
 * and must not use CURLOPT_PRIVATE. */
struct httpxfer *httpctx_add(struct httpctx *, CURL *, httpctx_done_cb, void *arg);
/* Takes a transfer off before it is over; done_cb is not called. */
void httpctx_remove(struct httpxfer *);
/* The loop the multi runs on. */
struct loop *httpctx_loop(struct httpctx *);

#endif
