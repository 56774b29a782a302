/* sqlstep.h: the `sql` step kind. A query (or one of the built-in checks)
 * runs over libpq's asynchronous API on the event loop: connecting, sending,
 * reading and timing out never block the loop. Results become text on the
 * step's output and a JSON evidence object for the journal. */
#ifndef DRC_SQLSTEP_H
#define DRC_SQLSTEP_H

#include <stdint.h>

#include "action.h"

enum sqlstep_kind {
	SQLSTEP_QUERY,			/* the request's query, checked by expect */
	SQLSTEP_CHECK_LAG,		/* replication lag against rpo_ms */
	SQLSTEP_CHECK_IN_RECOVERY,	/* pg_is_in_recovery() and the timeline */
	SQLSTEP_PROMOTE,		/* pg_promote(wait => true) on a standby */
};

struct sqlstep_request {
	enum sqlstep_kind	 kind;
	/* A libpq connection string or URI, or a bare database name; NULL
	 * or "" uses libpq's defaults (PGHOST, PGPASSFILE, ...). */
	const char		*conninfo;
	/* SQLSTEP_QUERY only: one or more statements, each result shown. */
	const char		*query;
	/* NULL, or an sqlexpect clause ("> 0", "rows >= 1", "~ re").
	 * QUERY and CHECK_IN_RECOVERY only ("= true", "= false"). */
	const char		*expect;
	/* Connecting and querying together; 0 waits forever. */
	int64_t			 timeout_ms;
	/* CHECK_LAG: the largest acceptable time lag; 0 checks only that
	 * every standby is streaming. */
	int64_t			 rpo_ms;
	/* NULL, or a secret: handed to libpq and scrubbed from everything
	 * the step shows (output, reason, evidence). */
	const char		*password;
	/* SQLSTEP_QUERY: the query is as written in the runbook, and
	 * values[k] is the value of its k-th distinct template (sqlbind.h's
	 * refs); once connected, each is bound or quoted by libpq for where
	 * it stands. secret (NULL, or nvalues flags) marks values whose quoted
	 * text is masked too. */
	const char *const	*values;
	int			 nvalues;
	const int		*secret;
};

struct sqlstep;

/* Starts the step; io->done is called exactly once, never from inside this
 * call. Returns NULL with *cause set (no callback) when the request itself
 * is wrong: bad expect, unparsable connection string. */
struct sqlstep *sqlstep_start(const struct sqlstep_request *,
    const struct action_io *, char **cause);
/* Asks the server to cancel a running query (PQcancel: a short blocking
 * round trip) and ends the step with done(ok=0, "cancelled"). Does nothing
 * once the step is over. */
void sqlstep_cancel(struct sqlstep *);
/* Frees the step; safe from inside done(). A running step is cancelled on
 * the server and dropped without calling done. */
void sqlstep_free(struct sqlstep *);
/* One line for people: "SELECT ... on host=db1 port=5432 dbname=app",
 * passwords masked. */
char *sqlstep_describe(const struct sqlstep_request *);

#endif
