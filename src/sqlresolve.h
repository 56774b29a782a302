/* sqlresolve.h: a PostgreSQL server's host name looked up without blocking
 * the loop.
 *
 * libpq resolves a host name with a blocking getaddrinfo() while it starts
 * to connect, and a DNS server that stopped answering (a common part of a
 * regional outage) can hold that for many seconds: every key and timer of
 * the console with it. So the name is looked up first by getent(1), which
 * asks the system's resolver exactly as getaddrinfo would, in a child whose
 * answer comes through the loop; libpq then gets the address as hostaddr
 * and keeps the name for TLS and the password file. */
#ifndef DRC_SQLRESOLVE_H
#define DRC_SQLRESOLVE_H

#include <libpq-fe.h>

#include "loop.h"

struct sqlresolve;

/* Called once with every address found, in the resolver's order, as a
 * comma-separated list with n entries (the form libpq's hostaddr takes), or
 * NULL and 0 when there is none. */
typedef void (*sqlresolve_cb)(void *arg, const char *addresses, int n);

/* The host libpq would look up by name in these parsed options: a single
 * host that is not an address or a socket folder, with no hostaddr given.
 * Allocated; NULL when there is nothing to look up. */
char *sqlresolve_name(const PQconninfoOption *opts);
/* Starts looking host up; NULL with *cause if getent cannot be started
 * (libpq then resolves it itself). */
struct sqlresolve *sqlresolve_start(struct loop *, const char *host,
    sqlresolve_cb, void *arg, char **cause);
/* Stops the lookup (no callback) and frees; NULL is fine. */
void sqlresolve_free(struct sqlresolve *);

#endif
