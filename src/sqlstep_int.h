/* sqlstep_int.h: what the two halves of a sql step share: sqlstep.c (the
 * connection and the query in flight) and sqljudge.c (the queries each kind
 * sends and what it makes of their results). Nothing else includes it. */
#ifndef DRC_SQLSTEP_INT_H
#define DRC_SQLSTEP_INT_H

#include <libpq-fe.h>

#include <jansson.h>

#include "action.h"
#include "loop.h"
#include "sqlexpect.h"
#include "sqlsecret.h"
#include "sqlstep.h"

#define nitems(a)		(sizeof (a) / sizeof (a)[0])

enum sqlstep_state {
	SQLSTEP_RESOLVING,	/* the server's host name (sqlresolve.c) */
	SQLSTEP_CONNECTING,
	SQLSTEP_QUERYING,
	SQLSTEP_CANCELLING,	/* ending: the server is being asked to stop */
	SQLSTEP_OVER,
};

struct sqlstep {
	enum sqlstep_kind	 kind;
	struct action_io	 io;
	enum sqlstep_state	 state;
	PGconn			*conn;
	int			 fd;		/* registered socket, or -1 */
	struct loop_fd		*lfd;
	struct loop_timer	*timeout;
	struct loop_timer	*defer;		/* failure found while starting */
	int64_t			 timeout_ms;
	int64_t			 rpo_ms;
	int64_t			 started;	/* monotonic ms */
	char			*query;		/* SQLSTEP_QUERY's, as written */
	char			**values;	/* of its templates (sqlbind.h) */
	int			*secret;
	int			 nvalues;
	char			*text;		/* what is sent for it */
	const char		**params;	/* $1, $2...: pointers into values */
	int			 nparams;
	char			*expect_text;
	struct sqlexpect	 expect;
	int			 has_expect;
	struct sqlsecrets	 secrets;	/* masked in all we show */

	/* The query in flight. */
	int			 phase;		/* built-ins: 0 probe, 1 main */
	int			 show;		/* print its results */
	int			 flushing;	/* PQflush has more to write */
	int			 copy_out;	/* reading COPY ... TO STDOUT */
	int			 printed;	/* a result was printed already */
	PGresult		*last;		/* last result with rows */
	char			*command;	/* last command tag, "UPDATE 3" */
	long			 command_rows;
	int			 standby;	/* the server is in recovery */

	json_t			*evidence;
	json_t			*error;		/* the first error */

	/* Looking the host name up first: what connecting then needs. */
	struct sqlresolve	*resolve;
	char			*host;
	char			*conninfo;
	char			*password;

	/* Ending while the query still ran (a cancel, a timeout). */
	struct sqlcancel	*cancel;
	int			 cancel_answered;
	int			 end_ok;
	char			*end_reason;
};

/* What differs between the kinds: the first query and what follows it. */
struct sqlstep_kindinfo {
	const char	*name;
	const char	*label;		/* sqlstep_describe for built-ins */
	const char	*first;		/* NULL: the request's own query */
	int		 shows_first;
	int		 takes_expect;
	int		(*advance)(struct sqlstep *);
};

/* sqljudge.c: one entry per enum sqlstep_kind. */
extern const struct sqlstep_kindinfo sqlstep_kinds[SQLSTEP_PROMOTE + 1];

/* sqljudge.c: the text to send for SQLSTEP_QUERY (s->text, s->params),
 * quoted on the live connection; -1 when the step is over. */
int sqlstep_query_text(struct sqlstep *s);

/* sqlstep.c */
json_t *sqlstep_json_str(const char *s);
void sqlstep_emit(struct sqlstep *s, int stream, const char *text);
int sqlstep_send(struct sqlstep *s, const char *query, int show);
void sqlstep_finish(struct sqlstep *s, int ok, const char *reason);
int sqlstep_fail(struct sqlstep *s, const char *what, const char *msg,
    const char *sqlstate);

#endif
