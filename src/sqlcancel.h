/* sqlcancel.h: a libpq cancel request sent without blocking the loop.
 *
 * libpq 15 has only the blocking PQcancel (the asynchronous cancel came in
 * 17): it connects to the server, hands over the key and waits for the
 * server to hang up, bounded only by TCP when the server's host is down.
 * In a disaster that is exactly when an operator cancels. So the request
 * goes out from a child process (PQcancel is safe to call there) and the
 * loop hears how it went through a pipe, or gives up waiting. */
#ifndef DRC_SQLCANCEL_H
#define DRC_SQLCANCEL_H

#include <stdint.h>

#include <libpq-fe.h>

#include "loop.h"

struct sqlcancel;

/* Called once: sent is 1 when the server took the request; else error
 * says why (libpq's words, or that no answer came within the wait). */
typedef void (*sqlcancel_cb)(void *arg, int sent, const char *error);

/* Starts sending the cancel for conn's query in flight; cb comes from the
 * loop within wait_ms. NULL with *cause when no child can be started (the
 * caller may then fall back to sqlcancel_detached). */
struct sqlcancel *sqlcancel_start(struct loop *, PGconn *conn, int64_t wait_ms,
    sqlcancel_cb, void *arg, char **cause);
/* Stops waiting without calling cb, kills the child if it still waits,
 * and frees. NULL is fine. */
void sqlcancel_free(struct sqlcancel *);
/* Sends the cancel from a detached child and returns at once: for a step
 * being freed, whose owner no longer wants to hear how it went. */
void sqlcancel_detached(PGconn *conn);

#endif
