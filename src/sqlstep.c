/* sqlstep.c: owns one libpq connection per sql step and drives it from the
 * loop: PQconnectPoll until connected, then one query at a time (the checks
 * send a pg_is_in_recovery() probe first), results read as they arrive and
 * printed as tables. Every path that ends a step goes through
 * sqlstep_finish, which drops the connection before calling done because
 * done may free the step; functions that can end the step return -1 when
 * they did, and then touch nothing. What each kind asks and makes of the
 * answers is sqljudge.c's; a host name is looked up by sqlresolve.c and a
 * cancel sent by sqlcancel.c, both off the loop's thread of control. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "action.h"
#include "clock.h"
#include "duration.h"
#include "log.h"
#include "loop.h"
#include "sqlcancel.h"
#include "sqlexpect.h"
#include "sqlresolve.h"
#include "sqlsecret.h"
#include "sqlstep.h"
#include "sqlstep_int.h"
#include "sqltable.h"
#include "strbuf.h"
#include "xmalloc.h"

/* How long a cancel request may take to reach the server before the step
 * ends without knowing whether it did. */
#define SQLSTEP_CANCEL_WAIT_MS	5000

/* A JSON string; the server sends UTF-8 (we ask for it), but never NULL. */
json_t *
sqlstep_json_str(const char *s)
{
	json_t	*j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) == NULL)
		j = json_string("(not valid UTF-8)");
	return j;
}

/* --- output ------------------------------------------------------------- */

void
sqlstep_emit(struct sqlstep *s, int stream, const char *text)
{
	char	*clean;

	if (s->io.output == NULL || *text == '\0')
		return;
	clean = sqlsecret_scrub(&s->secrets, text);
	s->io.output(s->io.arg, stream, clean, strlen(clean));
	free(clean);
}

/* The result as psql shows it, on the step's output. */
static void
sqlstep_table(struct sqlstep *s, const PGresult *r)
{
	char	*text = sqltable_format(r);

	sqlstep_emit(s, ACTION_STDOUT, text);
	free(text);
}

/* Notices and errors from the server, with their SQLSTATE, on stderr. */
static void
sqlstep_diag(struct sqlstep *s, const PGresult *r)
{
	const char	*sev = PQresultErrorField(r, PG_DIAG_SEVERITY);
	const char	*msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char	*code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char	*detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
	const char	*hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
	struct strbuf	 b;

	strbuf_init(&b);
	if (msg == NULL)	/* made by libpq, not sent by the server */
		strbuf_adds(&b, PQresultErrorMessage(r));
	else {
		strbuf_addf(&b, "%s:  %s", sev != NULL ? sev : "ERROR", msg);
		if (code != NULL)
			strbuf_addf(&b, " (SQLSTATE %s)", code);
		strbuf_addch(&b, '\n');
	}
	if (detail != NULL)
		strbuf_addf(&b, "DETAIL:  %s\n", detail);
	if (hint != NULL)
		strbuf_addf(&b, "HINT:  %s\n", hint);
	if (b.len > 0 && b.buf[b.len - 1] != '\n')
		strbuf_addch(&b, '\n');
	sqlstep_emit(s, ACTION_STDERR, strbuf_str(&b));
	strbuf_free(&b);
}

static void
sqlstep_notice(void *arg, const PGresult *r)
{
	struct sqlstep	*s = arg;

	if (s->state != SQLSTEP_OVER)
		sqlstep_diag(s, r);
}

/* libpq's multi-line messages on one line: continuation lines (tab-led)
 * joined with spaces, separate messages with "; ". */
static char *
sqlstep_oneline(const char *text)
{
	struct strbuf	 b;
	const char	*end;
	size_t		 len;
	int		 cont;

	strbuf_init(&b);
	while (*text != '\0') {
		cont = *text == '\t' || *text == ' ';
		text += strspn(text, " \t");
		end = strchr(text, '\n');
		len = end != NULL ? (size_t)(end - text) : strlen(text);
		if (len > 0 && strncmp(text, "LOCATION:", 9) != 0) {
			if (b.len > 0)
				strbuf_adds(&b, cont ? " " : "; ");
			strbuf_add(&b, text, len);
		}
		text += len + (end != NULL);
	}
	return strbuf_detach(&b);
}

/*
 * libpq reports a failed connection only as text; with PQERRORS_VERBOSE set
 * while connecting, the server's SQLSTATE follows the severity:
 * "... failed: FATAL:  28P01: password authentication failed ...". The code
 * is taken out ("FATAL: password ...") and returned apart, as is the
 * severity (a static string, or NULL).
 */
static char *
sqlstep_conn_error(const char *text, char *sqlstate, size_t len,
    const char **severity)
{
	static const char	*sevs[] = { "FATAL", "ERROR", "PANIC" };
	char			*msg = sqlstep_oneline(text), *p, *code;
	size_t			 i, n;

	sqlstate[0] = '\0';
	*severity = NULL;
	for (i = 0; i < nitems(sevs) && *severity == NULL; i++) {
		n = strlen(sevs[i]);
		for (p = msg; (p = strstr(p, sevs[i])) != NULL; p++) {
			code = p + n + 3;
			if (strncmp(p + n, ":  ", 3) != 0 || strspn(code,
			    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 5 ||
			    strncmp(code + 5, ": ", 2) != 0)
				continue;
			snprintf(sqlstate, len, "%.5s", code);
			memmove(code - 1, code + 7, strlen(code + 7) + 1);
			*severity = sevs[i];
			break;
		}
	}
	return msg;
}

/* --- ending ------------------------------------------------------------- */

static void
sqlstep_note_server(struct sqlstep *s)
{
	if (s->conn == NULL || json_object_get(s->evidence, "server") != NULL)
		return;
	json_object_set_new(s->evidence, "server", json_pack("{s:o, s:o, s:o}",
	    "host", sqlstep_json_str(PQhost(s->conn)),
	    "port", sqlstep_json_str(PQport(s->conn)),
	    "dbname", sqlstep_json_str(PQdb(s->conn))));
}

/* Drops timers, the fd and the connection; cancels a query in flight. */
static void
sqlstep_teardown(struct sqlstep *s)
{
	struct loop	*loop = s->io.loop;

	loop_cancel_timer(loop, s->timeout);
	loop_cancel_timer(loop, s->defer);
	loop_remove_fd(loop, s->lfd);
	sqlcancel_free(s->cancel);	/* a sender still waiting is killed */
	s->cancel = NULL;
	sqlresolve_free(s->resolve);	/* and a lookup still going */
	s->resolve = NULL;
	s->timeout = s->defer = NULL;
	s->lfd = NULL;
	s->fd = -1;
	if (s->conn == NULL)
		return;
	/* A query still running, and nobody to tell how a cancel went (the
	 * step is being freed): the request goes out from a detached child. */
	if ((s->state == SQLSTEP_QUERYING && PQtransactionStatus(s->conn) == PQTRANS_ACTIVE) ||
	    (s->state == SQLSTEP_CANCELLING && !s->cancel_answered))
		sqlcancel_detached(s->conn);
	sqlstep_note_server(s);
	PQfinish(s->conn);
	s->conn = NULL;
}

/* Ends the step. done may free s: nothing of s is used after it. */
void
sqlstep_finish(struct sqlstep *s, int ok, const char *reason)
{
	struct action_io	 io = s->io;
	json_t			*ev = s->evidence;
	char			*clean;

	sqlstep_teardown(s);
	s->state = SQLSTEP_OVER;
	s->evidence = NULL;
	json_object_set_new(ev, "duration_ms",
	    json_integer(clock_mono_ms() - s->started));
	if (s->error != NULL)
		json_object_set(ev, "error", s->error);
	sqlsecret_scrub_json(&s->secrets, ev);
	clean = sqlsecret_scrub(&s->secrets, reason);
	io.done(io.arg, ok, clean, ev);
	free(clean);
	json_decref(ev);
}

static void
sqlstep_set_error(struct sqlstep *s, const char *severity, const char *msg,
    const char *sqlstate)
{
	if (s->error != NULL)
		return;
	s->error = json_pack("{s:o, s:o, s:o}", "severity",
	    sqlstep_json_str(severity), "message", sqlstep_json_str(msg),
	    "sqlstate", sqlstep_json_str(sqlstate));
}

/* Ends the step on its first error (or this one): "what: message (SQLSTATE
 * x)". Returns -1. */
int
sqlstep_fail(struct sqlstep *s, const char *what, const char *msg,
    const char *sqlstate)
{
	const char	*code;
	char		*reason;

	sqlstep_set_error(s, NULL, msg, sqlstate);
	msg = json_string_value(json_object_get(s->error, "message"));
	code = json_string_value(json_object_get(s->error, "sqlstate"));
	if (msg == NULL)
		msg = "unknown error";
	if (code != NULL)
		reason = xprintf("%s: %s (SQLSTATE %s)", what, msg, code);
	else
		reason = xprintf("%s: %s", what, msg);
	sqlstep_finish(s, 0, reason);
	free(reason);
	return -1;
}

/* The connection broke or libpq refused: its message says why. */
static int
sqlstep_lost(struct sqlstep *s, const char *what)
{
	char	*msg = sqlstep_oneline(PQerrorMessage(s->conn)), *line;
	int	 rc;

	line = xprintf("%s: %s\n", what, msg);
	sqlstep_emit(s, ACTION_STDERR, line);
	rc = sqlstep_fail(s, what, msg, NULL);
	free(line);
	free(msg);
	return rc;
}

static void
sqlstep_cancel_answered(void *arg, int sent, const char *error)
{
	struct sqlstep	*s = arg;
	char		*line, *reason = s->end_reason;

	s->cancel_answered = 1;
	s->end_reason = NULL;
	json_object_set_new(s->evidence, "cancel_sent", json_boolean(sent));
	if (sent)
		line = xstrdup("asked the server to cancel the query\n");
	else
		line = xprintf("could not ask the server to cancel the query (%s): "
		    "it may still be running there\n", error);
	sqlstep_emit(s, sent ? ACTION_STDOUT : ACTION_STDERR, line);
	free(line);
	sqlstep_finish(s, s->end_ok, reason);
	free(reason);
}

/*
 * Ends the step; a query still running on the server is first cancelled,
 * from a child (sqlcancel.c), so an unreachable server cannot freeze the
 * console, and the step ends when the server took the request or after
 * SQLSTEP_CANCEL_WAIT_MS, saying which.
 */
static void
sqlstep_end_cancelling(struct sqlstep *s, int ok, const char *reason)
{
	char	*cause = NULL;

	if (s->state != SQLSTEP_QUERYING || s->conn == NULL ||
	    PQtransactionStatus(s->conn) != PQTRANS_ACTIVE) {
		sqlstep_finish(s, ok, reason);
		return;
	}
	s->cancel = sqlcancel_start(s->io.loop, s->conn, SQLSTEP_CANCEL_WAIT_MS,
	    sqlstep_cancel_answered, s, &cause);
	if (s->cancel == NULL) {
		log_debug("sqlstep: %s: cancelling in the background", cause);
		free(cause);
		sqlstep_finish(s, ok, reason);	/* teardown sends it detached */
		return;
	}
	/* Nothing more is read from the query; its connection stays open
	 * until the server has the request. */
	loop_remove_fd(s->io.loop, s->lfd);
	loop_cancel_timer(s->io.loop, s->timeout);
	s->lfd = NULL;
	s->timeout = NULL;
	s->state = SQLSTEP_CANCELLING;
	s->end_ok = ok;
	s->end_reason = xstrdup(reason);
}

static void
sqlstep_timed_out(void *arg)
{
	struct sqlstep	*s = arg;
	char		 d[32], *reason;

	s->timeout = NULL;
	duration_format(s->timeout_ms, d, sizeof d);
	reason = xprintf("timed out after %s%s", d, s->state == SQLSTEP_RESOLVING ?
	    " while looking up the server's host name" : s->state == SQLSTEP_CONNECTING ? " while connecting" : "");
	json_object_set_new(s->evidence, "timed_out", json_true());
	sqlstep_end_cancelling(s, 0, reason);
	free(reason);
}

/* Cancels a running query and ends the step. */
void
sqlstep_cancel(struct sqlstep *s)
{
	if (s == NULL || s->state == SQLSTEP_OVER || s->state == SQLSTEP_CANCELLING)
		return;
	json_object_set_new(s->evidence, "cancelled", json_true());
	sqlstep_end_cancelling(s, 0, "cancelled");
}

/* --- reading results ---------------------------------------------------- */

static void
sqlstep_got_rows(struct sqlstep *s, PGresult *r)
{
	if (s->show) {
		if (s->printed)
			sqlstep_emit(s, ACTION_STDOUT, "\n");
		sqlstep_table(s, r);
		s->printed = 1;
	}
	PQclear(s->last);
	s->last = r;
}

static void
sqlstep_got_command(struct sqlstep *s, PGresult *r)
{
	char	*line;

	free(s->command);
	s->command = xstrdup(PQcmdStatus(r));
	s->command_rows = strtol(PQcmdTuples(r), NULL, 10);
	if (s->show && *s->command != '\0') {
		line = xprintf("%s\n", s->command);
		sqlstep_emit(s, ACTION_STDOUT, line);
		free(line);
	}
}

static void
sqlstep_got_error(struct sqlstep *s, const PGresult *r)
{
	const char	*msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	char		*text = NULL;

	sqlstep_diag(s, r);
	if (msg == NULL)
		msg = text = sqlstep_oneline(PQresultErrorMessage(r));
	sqlstep_set_error(s, PQresultErrorField(r, PG_DIAG_SEVERITY), msg,
	    PQresultErrorField(r, PG_DIAG_SQLSTATE));
	free(text);
}

/* Returns 0, or -1 when the step is over. */
static int
sqlstep_flush(struct sqlstep *s)
{
	switch (PQflush(s->conn)) {
	case 0:
		s->flushing = 0;
		loop_fd_set_events(s->lfd, POLLIN);
		return 0;
	case 1:
		s->flushing = 1;
		loop_fd_set_events(s->lfd, POLLIN | POLLOUT);
		return 0;
	default:
		return sqlstep_lost(s, "connection lost");
	}
}

/* Handles one result and frees it. Returns 0, or -1 when the step is over. */
static int
sqlstep_result(struct sqlstep *s, PGresult *r)
{
	int	rc = 0;

	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
		sqlstep_got_rows(s, r);
		return 0;
	case PGRES_COMMAND_OK:
		sqlstep_got_command(s, r);
		break;
	case PGRES_EMPTY_QUERY:
		break;
	case PGRES_COPY_OUT:
		s->copy_out = 1;
		break;
	case PGRES_COPY_IN:
		/* Nothing to feed it with: the server answers with an error. */
		if (PQputCopyEnd(s->conn, "a drconsole sql step has no input "
		    "for COPY FROM STDIN") != 1)
			rc = sqlstep_lost(s, "connection lost");
		else
			rc = sqlstep_flush(s);
		break;
	case PGRES_FATAL_ERROR:
	case PGRES_NONFATAL_ERROR:
		sqlstep_got_error(s, r);
		break;
	default:
		rc = sqlstep_fail(s, "query failed", "unexpected result status "
		    "(replication and pipeline modes are not supported)", NULL);
		break;
	}
	PQclear(r);
	return rc;
}

/* COPY TO STDOUT data, as is. Returns 1 when the data ended, 0 to wait for
 * more, -1 when the step is over. */
static int
sqlstep_copy(struct sqlstep *s)
{
	struct strbuf	 b;
	char		*row;
	int		 n;

	strbuf_init(&b);
	while ((n = PQgetCopyData(s->conn, &row, 1)) > 0) {
		if (s->show)
			strbuf_add(&b, row, (size_t)n);
		PQfreemem(row);
	}
	sqlstep_emit(s, ACTION_STDOUT, strbuf_str(&b));
	strbuf_free(&b);
	if (n == 0)
		return 0;
	s->copy_out = 0;
	if (n == -1)
		return 1;
	return sqlstep_lost(s, "connection lost");
}

/* The query's last result arrived. */
static void
sqlstep_query_done(struct sqlstep *s)
{
	const char	*sev;

	if (s->error == NULL) {
		sqlstep_kinds[s->kind].advance(s);
		return;
	}
	sev = json_string_value(json_object_get(s->error, "severity"));
	sqlstep_fail(s, sev != NULL ? sev : "ERROR", NULL, NULL);
}

/* Takes every result that is complete; never waits for more. */
static void
sqlstep_drain(struct sqlstep *s)
{
	PGresult	*r;

	for (;;) {
		if (s->copy_out && sqlstep_copy(s) <= 0)
			return;
		if (PQisBusy(s->conn))
			return;
		if ((r = PQgetResult(s->conn)) == NULL) {
			sqlstep_query_done(s);
			return;
		}
		if (sqlstep_result(s, r) != 0)
			return;
	}
}

/* Sends sql; show says whether its results are printed. Returns 0, or -1
 * when the step is over. */
int
sqlstep_send(struct sqlstep *s, const char *sql, int show)
{
	PQclear(s->last);
	s->last = NULL;
	free(s->command);
	s->command = NULL;
	s->command_rows = 0;
	s->show = show;
	/* Values are bound, never pasted into the SQL text. */
	if (sql == s->text && s->nparams > 0) {
		if (!PQsendQueryParams(s->conn, sql, s->nparams, NULL, s->params, NULL, NULL, 0))
			return sqlstep_lost(s, "could not send the query");
	} else if (!PQsendQuery(s->conn, sql))
		return sqlstep_lost(s, "could not send the query");
	return sqlstep_flush(s);
}

/* --- connecting --------------------------------------------------------- */

static void
sqlstep_connect_failed(struct sqlstep *s)
{
	const char	*sev;
	char		 code[8], *msg, *line;

	msg = sqlstep_conn_error(PQerrorMessage(s->conn), code, sizeof code,
	    &sev);
	line = xprintf("connection failed: %s\n", msg);
	sqlstep_emit(s, ACTION_STDERR, line);
	free(line);
	json_object_set_new(s->evidence, "phase", json_string("connect"));
	sqlstep_set_error(s, sev, msg, code[0] != '\0' ? code : NULL);
	sqlstep_fail(s, "connection failed", NULL, NULL);
	free(msg);
}

static void	sqlstep_io(int, short, void *);

/* Watches the connection's socket, which may be a new one: libpq opens
 * another for each address and host it tries. */
static void
sqlstep_watch(struct sqlstep *s, short events)
{
	int	fd = PQsocket(s->conn);

	if (fd != s->fd) {
		loop_remove_fd(s->io.loop, s->lfd);
		s->lfd = NULL;
		s->fd = fd;
		if (fd != -1)
			s->lfd = loop_add_fd(s->io.loop, fd, events, sqlstep_io, s);
	} else
		loop_fd_set_events(s->lfd, events);
}

static void
sqlstep_connected(struct sqlstep *s)
{
	const struct sqlstep_kindinfo	*k = &sqlstep_kinds[s->kind];

	PQsetErrorVerbosity(s->conn, PQERRORS_DEFAULT);
	if (PQsetnonblocking(s->conn, 1) != 0) {
		sqlstep_lost(s, "connection failed");
		return;
	}
	sqlstep_note_server(s);
	s->state = SQLSTEP_QUERYING;
	if (k->first == NULL && sqlstep_query_text(s) != 0)
		return;
	sqlstep_send(s, k->first != NULL ? k->first : s->text, k->shows_first);
}

static void
sqlstep_connect_poll(struct sqlstep *s)
{
	switch (PQconnectPoll(s->conn)) {
	case PGRES_POLLING_READING:
		sqlstep_watch(s, POLLIN);
		break;
	case PGRES_POLLING_WRITING:
		sqlstep_watch(s, POLLOUT);
		break;
	case PGRES_POLLING_OK:
		sqlstep_connected(s);
		break;
	default:
		sqlstep_connect_failed(s);
		break;
	}
}

static void
sqlstep_io(int fd, short revents, void *arg)
{
	struct sqlstep	*s = arg;

	(void)fd;
	(void)revents;	/* libpq finds out itself what is ready */
	if (s->state == SQLSTEP_CONNECTING) {
		sqlstep_connect_poll(s);
		return;
	}
	if (s->state != SQLSTEP_QUERYING)
		return;
	if (!PQconsumeInput(s->conn)) {
		sqlstep_lost(s, "connection lost");
		return;
	}
	if (s->flushing && sqlstep_flush(s) != 0)
		return;
	sqlstep_drain(s);
}

static void
sqlstep_deferred(void *arg)
{
	struct sqlstep	*s = arg;

	s->defer = NULL;
	sqlstep_connect_failed(s);
}

/*
 * Starts connecting. The request's string goes in as dbname with expansion
 * on, so connection strings, URIs and bare names all work and libpq's own
 * defaults (PGHOST, PGPASSFILE, ~/.pgpass) still apply; a password given
 * apart comes later in the array, so it wins, and so does the address
 * sqlresolve found (the name stays host=, for TLS and the password file).
 * UTF-8 is asked for last, because tables are measured and evidence is
 * written in UTF-8.
 */
static void
sqlstep_connect(struct sqlstep *s, const char *conninfo, const char *password,
    const char *hosts, const char *hostaddr)
{
	const char	*keys[7], *values[7];
	int		 n = 0;

	keys[n] = "fallback_application_name";
	values[n++] = "drconsole";
	keys[n] = "dbname";
	values[n++] = conninfo != NULL ? conninfo : "";
	if (password != NULL && *password != '\0') {
		keys[n] = "password";
		values[n++] = password;
	}
	if (hostaddr != NULL) {
		/* As many names as addresses: libpq pairs them up and tries
		 * each in turn, as it does with what it resolves itself. */
		keys[n] = "host";
		values[n++] = hosts;
		keys[n] = "hostaddr";
		values[n++] = hostaddr;
	}
	keys[n] = "client_encoding";
	values[n++] = "UTF8";
	keys[n] = values[n] = NULL;

	s->state = SQLSTEP_CONNECTING;
	if ((s->conn = PQconnectStartParams(keys, values, 1)) == NULL)
		fatalx("out of memory starting a PostgreSQL connection");
	PQsetNoticeReceiver(s->conn, sqlstep_notice, s);
	PQsetErrorVerbosity(s->conn, PQERRORS_VERBOSE);
	if (PQstatus(s->conn) == CONNECTION_BAD) {
		/* done must not run inside sqlstep_start. */
		s->defer = loop_add_timer(s->io.loop, 0, sqlstep_deferred, s);
		return;
	}
	/* libpq's rule: before the first PQconnectPoll, wait to write. */
	sqlstep_watch(s, POLLOUT);
}

/* The host name's addresses are known (or known not to exist). */
static void
sqlstep_resolved(void *arg, const char *addresses, int n)
{
	struct sqlstep	*s = arg;
	struct strbuf	 hosts;
	char		*line, *msg;

	sqlresolve_free(s->resolve);
	s->resolve = NULL;
	if (addresses == NULL) {
		msg = xprintf("could not look up the server's host name \"%s\"", s->host);
		line = xprintf("connection failed: %s\n", msg);
		sqlstep_emit(s, ACTION_STDERR, line);
		free(line);
		json_object_set_new(s->evidence, "phase", json_string("connect"));
		sqlstep_set_error(s, "ERROR", msg, NULL);
		free(msg);
		sqlstep_fail(s, "connection failed", NULL, NULL);
		return;
	}
	json_object_set_new(s->evidence, "resolved", json_pack("{s:s, s:s}", "host", s->host,
	    "addresses", addresses));
	strbuf_init(&hosts);
	for (int k = 0; k < n; k++) {
		strbuf_adds(&hosts, k > 0 ? "," : "");
		strbuf_adds(&hosts, s->host);
	}
	sqlstep_connect(s, s->conninfo, s->password, strbuf_str(&hosts), addresses);
	strbuf_free(&hosts);
}

/* The query's template values; a secret one is masked as it is, too. */
static void
sqlstep_take_values(struct sqlstep *s, const struct sqlstep_request *req)
{
	if (req->nvalues <= 0)
		return;
	s->values = xcalloc((size_t)req->nvalues, sizeof *s->values);
	s->secret = xcalloc((size_t)req->nvalues, sizeof *s->secret);
	for (int i = 0; i < req->nvalues; i++) {
		s->values[i] = xstrdup(req->values[i] != NULL ? req->values[i] : "");
		s->secret[i] = req->secret != NULL && req->secret[i];
		if (s->secret[i])
			sqlsecret_add(&s->secrets, s->values[i]);
	}
	s->nvalues = req->nvalues;
}

/* Starts a sql step. */
struct sqlstep *
sqlstep_start(const struct sqlstep_request *req, const struct action_io *io,
    char **cause)
{
	const struct sqlstep_kindinfo	*k;
	struct sqlstep			*s;
	PQconninfoOption		*opts;

	if ((size_t)req->kind >= nitems(sqlstep_kinds)) {
		*cause = xprintf("unknown sql step kind %d", (int)req->kind);
		return NULL;
	}
	k = &sqlstep_kinds[req->kind];
	if (k->first == NULL && (req->query == NULL || *req->query == '\0')) {
		*cause = xstrdup("a sql step needs a query");
		return NULL;
	}
	if (req->expect != NULL && !k->takes_expect) {
		*cause = xprintf("expect does not apply to a %s step", k->name);
		return NULL;
	}
	if (sqlsecret_conninfo_parse(req->conninfo, &opts, cause) != 0)
		return NULL;

	s = xcalloc(1, sizeof *s);
	s->kind = req->kind;
	s->io = *io;
	s->fd = -1;
	s->started = clock_mono_ms();
	s->timeout_ms = req->timeout_ms;
	s->rpo_ms = req->rpo_ms;
	s->evidence = json_pack("{s:s}", "kind", k->name);
	sqlsecret_get(req->password, opts, &s->secrets);
	s->host = sqlresolve_name(opts);
	PQconninfoFree(opts);
	if (req->expect != NULL) {
		if (sqlexpect_parse(req->expect, &s->expect, cause) != 0) {
			sqlstep_free(s);
			return NULL;
		}
		s->has_expect = 1;
		s->expect_text = xstrdup(req->expect);
	}
	if (req->query != NULL)
		s->query = xstrdup(req->query);
	sqlstep_take_values(s, req);
	if (s->timeout_ms > 0)
		s->timeout = loop_add_timer(io->loop, s->timeout_ms,
		    sqlstep_timed_out, s);
	if (s->host != NULL) {
		char	*why = NULL;

		s->state = SQLSTEP_RESOLVING;
		s->conninfo = xstrdup(req->conninfo);
		s->password = req->password != NULL ? xstrdup(req->password) : NULL;
		if ((s->resolve = sqlresolve_start(io->loop, s->host, sqlstep_resolved, s, &why)) != NULL)
			return s;
		/* No getent: libpq looks the name up itself, blocking. */
		log_debug("sqlstep: %s", why);
		free(why);
	}
	sqlstep_connect(s, req->conninfo, req->password, NULL, NULL);
	return s;
}

/* Frees the step; a running one is cancelled without calling done. */
void
sqlstep_free(struct sqlstep *s)
{
	if (s == NULL)
		return;
	/* The owner is done with it: not a word more, even about the cancel. */
	s->io.output = NULL;
	if (s->state != SQLSTEP_OVER)
		sqlstep_teardown(s);
	PQclear(s->last);
	free(s->end_reason);
	free(s->host);
	if (s->conninfo != NULL)
		explicit_bzero(s->conninfo, strlen(s->conninfo));	/* may hold a password */
	free(s->conninfo);
	if (s->password != NULL)
		explicit_bzero(s->password, strlen(s->password));
	free(s->password);
	free(s->command);
	free(s->query);
	if (s->text != NULL)
		explicit_bzero(s->text, strlen(s->text));
	free(s->text);
	free(s->params);
	for (int i = 0; i < s->nvalues; i++) {
		explicit_bzero(s->values[i], strlen(s->values[i]));
		free(s->values[i]);
	}
	free(s->values);
	free(s->secret);
	free(s->expect_text);
	sqlexpect_free(&s->expect);
	sqlsecret_free(&s->secrets);
	json_decref(s->evidence);
	json_decref(s->error);
	free(s);
}

