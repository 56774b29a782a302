/* sqljudge.c: the part of a sql step that knows what each kind asks and
 * what it makes of the answers: the built-in checks' queries, the verdicts
 * (expect, replication lag against the RPO, recovery, promotion) and the
 * evidence they leave. sqlstep.c runs the queries it names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "duration.h"
#include "log.h"
#include "sqlbind.h"
#include "sqlsecret.h"
#include "sqlstep_int.h"
#include "sqltable.h"
#include "strbuf.h"
#include "xmalloc.h"

#define SQLSTEP_QUERY_SHOW	72	/* query text kept by sqlstep_describe */

static int	sqlstep_query_advance(struct sqlstep *);
static int	sqlstep_lag_advance(struct sqlstep *);
static int	sqlstep_recovery_advance(struct sqlstep *);
static int	sqlstep_promote_advance(struct sqlstep *);

static const char sql_probe[] = "SELECT pg_is_in_recovery()";

const struct sqlstep_kindinfo sqlstep_kinds[SQLSTEP_PROMOTE + 1] = {
	[SQLSTEP_QUERY] = { "query", NULL, NULL, 1, 1,
	    sqlstep_query_advance },
	[SQLSTEP_CHECK_LAG] = { "check_lag", "replication lag check",
	    sql_probe, 0, 0, sqlstep_lag_advance },
	[SQLSTEP_CHECK_IN_RECOVERY] = { "check_in_recovery", "recovery check",
	    sql_probe, 0, 1, sqlstep_recovery_advance },
	[SQLSTEP_PROMOTE] = { "promote", "promote with pg_promote(wait => true)",
	    "SELECT pg_promote(wait => true) AS promoted", 1, 0,
	    sqlstep_promote_advance },
};

/* The query on one line, whitespace runs folded, cut to a readable length. */
static char *
sqlstep_query_show(const char *query)
{
	struct strbuf	 b;
	size_t		 cols = 0;
	int		 space = 0;

	strbuf_init(&b);
	for (; *query != '\0'; query++) {
		if (*query == ' ' || (*query >= '\t' && *query <= '\r')) {
			space = b.len > 0;
			continue;
		}
		if (cols + space >= SQLSTEP_QUERY_SHOW) {
			strbuf_adds(&b, "…");
			break;
		}
		if (space) {
			strbuf_addch(&b, ' ');
			cols++;
			space = 0;
		}
		strbuf_addch(&b, *query);
		cols += ((unsigned char)*query & 0xc0) != 0x80;
	}
	return strbuf_detach(&b);
}

/* One line for people, with passwords masked. */
char *
sqlstep_describe(const struct sqlstep_request *req)
{
	const struct sqlstep_kindinfo	*k;
	PQconninfoOption		*opts;
	char				*what, *where, *line, *clean, *cause = NULL;
	struct sqlsecrets		 secrets = { NULL, 0 };
	char				 rpo[32];

	if ((size_t)req->kind >= nitems(sqlstep_kinds))
		return xstrdup("unknown sql step");
	k = &sqlstep_kinds[req->kind];
	if (req->kind == SQLSTEP_QUERY)
		what = sqlstep_query_show(req->query != NULL ? req->query : "");
	else if (req->kind == SQLSTEP_CHECK_LAG && req->rpo_ms > 0) {
		duration_format(req->rpo_ms, rpo, sizeof rpo);
		what = xprintf("%s (RPO %s)", k->label, rpo);
	} else
		what = xstrdup(k->label);
	where = sqlsecret_conninfo_show(req->conninfo);
	line = xprintf("%s on %s", what, where);
	if (sqlsecret_conninfo_parse(req->conninfo, &opts, &cause) != 0)
		free(cause);
	sqlsecret_get(req->password, opts, &secrets);
	PQconninfoFree(opts);
	clean = sqlsecret_scrub(&secrets, line);
	sqlsecret_free(&secrets);
	free(what);
	free(where);
	free(line);
	return clean;
}

/* Ends the step before the query went out: why, on stderr too. */
static int
sqlstep_not_sent(struct sqlstep *s, char *why)
{
	char	*line = xprintf("query not sent: %s\n", why);
	int	 rc;

	sqlstep_emit(s, ACTION_STDERR, line);
	rc = sqlstep_fail(s, "query not sent", why, NULL);
	free(line);
	free(why);
	return rc;
}

/*
 * The text to send for the request's query. Its templates are placed now,
 * on the live connection: the lexer needs the server's
 * standard_conforming_strings, and libpq's quoting its encoding too. Only
 * UTF-8 is accepted, where no byte of a character can pass for a quote.
 */
int
sqlstep_query_text(struct sqlstep *s)
{
	const char	*scs = PQparameterStatus(s->conn, "standard_conforming_strings");
	const char	*enc = PQparameterStatus(s->conn, "client_encoding");
	struct sqlbind	 b;
	size_t		 off;
	char		*cause = NULL;
	int		 rc;

	if (strstr(s->query, "{{") == NULL) {
		s->text = xstrdup(s->query);
		return 0;
	}
	if (enc == NULL || strcmp(enc, "UTF8") != 0)
		return sqlstep_not_sent(s, xprintf("the connection's client_encoding is %s: a query "
		    "with templates is sent only in UTF8", enc != NULL ? enc : "unknown"));
	if (sqlbind_prepare(s->query, scs == NULL || strcmp(scs, "off") != 0, &b, &off, &cause) != 0)
		return sqlstep_not_sent(s, cause);
	if (b.nrefs != s->nvalues) {
		cause = xprintf("the query has %d templates but %d values were given", b.nrefs,
		    s->nvalues);
		sqlbind_free(&b);
		return sqlstep_not_sent(s, cause);
	}
	rc = sqlbind_render(&b, s->conn, (const char *const *)s->values, s->secret, &s->secrets,
	    &s->text, &s->params, &s->nparams, &cause);
	sqlbind_free(&b);
	return rc == 0 ? 0 : sqlstep_not_sent(s, cause);
}

/*
 * The timeline is the first 8 hex digits of the current WAL file's name;
 * right after a promotion pg_control_checkpoint() still shows the old one,
 * but on a standby pg_current_wal_lsn() is not allowed.
 */
static const char sql_recovery_primary[] =
    "SELECT pg_is_in_recovery()::text AS in_recovery, "
    "('x' || left(pg_walfile_name(pg_current_wal_lsn()), 8))::bit(32)::int"
    " AS timeline";
static const char sql_recovery_standby[] =
    "SELECT pg_is_in_recovery()::text AS in_recovery, timeline_id AS timeline"
    " FROM pg_control_checkpoint()";

/*
 * Lag is measured to the replay position: that is what a promoted standby
 * serves at once, and it is never less than the flush position's lag. A
 * base backup's sender (state 'backup') is not a standby.
 */
static const char sql_lag_primary[] =
    "SELECT application_name, client_addr, state, sent_lsn, write_lsn,"
    " flush_lsn, replay_lsn,"
    " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint"
    " AS bytes_behind,"
    " round(extract(epoch FROM replay_lag)::numeric, 3) AS lag_seconds"
    " FROM pg_stat_replication WHERE state IS DISTINCT FROM 'backup'"
    " ORDER BY application_name, client_addr";
/*
 * On a standby, the time since the last replayed commit is lag only while
 * received WAL waits to be replayed: when the primary is idle it grows
 * without anything being behind.
 */
static const char sql_lag_standby[] =
    "SELECT w.status AS state, w.pid AS receiver_pid,"
    " pg_last_wal_receive_lsn() AS receive_lsn,"
    " pg_last_wal_replay_lsn() AS replay_lsn,"
    " CASE WHEN pg_last_wal_receive_lsn() IS NOT NULL THEN greatest(0,"
    " pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()))"
    " END::bigint AS bytes_behind,"
    " CASE WHEN pg_last_wal_receive_lsn() IS NULL THEN NULL"
    " WHEN pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() THEN"
    " round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
    "::numeric, 3) ELSE 0 END AS lag_seconds"
    " FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS w ON true";

/* --- judging: what each kind makes of its results ----------------------- */

/* The value of column name in row, or NULL (SQL NULL or no such column). */
static const char *
sqlstep_value(const PGresult *r, int row, const char *name)
{
	int	col;

	if (r == NULL || row >= PQntuples(r) || (col = PQfnumber(r, name)) < 0 ||
	    PQgetisnull(r, row, col))
		return NULL;
	return PQgetvalue(r, row, col);
}

static json_t *
sqlstep_json_value(const PGresult *r, int row, int col)
{
	const char	*v;
	double		 d;

	if (PQgetisnull(r, row, col))
		return json_null();
	v = PQgetvalue(r, row, col);
	switch (PQftype(r, col)) {
	case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID:
		return json_integer(strtoll(v, NULL, 10));
	case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC:
		d = strtod(v, NULL);
		if (isfinite(d))
			return json_real(d);
		break;
	}
	return sqlstep_json_str(v);
}

/* Records rows, columns, first_cell and the command tag. Rows and the first
 * cell come from the last result with rows; without one, rows is the last
 * command's count ("UPDATE 3"), so "rows >= 1" works for writes too. */
static void
sqlstep_note_rows(struct sqlstep *s, long *rows, const char **cell)
{
	const PGresult	*r = s->last;
	json_t		*cols = json_array();
	int		 c;

	*rows = r != NULL ? PQntuples(r) : s->command_rows;
	*cell = NULL;
	if (r != NULL && PQntuples(r) > 0 && PQnfields(r) > 0 &&
	    !PQgetisnull(r, 0, 0))
		*cell = PQgetvalue(r, 0, 0);
	for (c = 0; r != NULL && c < PQnfields(r); c++)
		json_array_append_new(cols, sqlstep_json_str(PQfname(r, c)));
	json_object_set_new(s->evidence, "rows", json_integer(*rows));
	json_object_set_new(s->evidence, "columns", cols);
	json_object_set_new(s->evidence, "first_cell", sqlstep_json_str(*cell));
	if (s->command != NULL)
		json_object_set_new(s->evidence, "command",
		    sqlstep_json_str(s->command));
}

/* Evaluates expect and records it; *line is "expect > 0: met (value '5')". */
static int
sqlstep_check_expect(struct sqlstep *s, long rows, const char *cell,
    char **line)
{
	char	*why;
	int	 met;

	met = sqlexpect_eval(&s->expect, rows, cell, &why);
	json_object_set_new(s->evidence, "expect",
	    sqlstep_json_str(s->expect_text));
	json_object_set_new(s->evidence, "verdict",
	    json_string(met ? "met" : "not met"));
	json_object_set_new(s->evidence, "value",
	    s->expect.subject == SQLX_ROWS ? json_integer(rows) :
	    sqlstep_json_str(cell));
	json_object_set_new(s->evidence, "checked", sqlstep_json_str(why));
	*line = xprintf("expect %s: %s (%s)", s->expect_text,
	    met ? "met" : "not met", why);
	free(why);
	return met;
}

/* Ends the step with reason, also printed as the last line of output. */
static int
sqlstep_conclude(struct sqlstep *s, int ok, const char *reason)
{
	char	*line = xprintf("%s\n", reason);

	sqlstep_emit(s, ACTION_STDOUT, line);
	free(line);
	sqlstep_finish(s, ok, reason);
	return -1;
}

static int
sqlstep_query_advance(struct sqlstep *s)
{
	const char	*cell;
	char		*line;
	long		 rows;
	int		 ok = 1, rc;

	sqlstep_note_rows(s, &rows, &cell);
	if (s->has_expect) {
		ok = sqlstep_check_expect(s, rows, cell, &line);
		rc = sqlstep_conclude(s, ok, line);
	} else {
		if (s->last != NULL || s->command == NULL)
			line = xprintf("%ld row%s", rows, rows == 1 ? "" : "s");
		else
			line = xstrdup(s->command);
		sqlstep_finish(s, 1, line);
		rc = -1;
	}
	free(line);
	return rc;
}

/* Reads the recovery probe's answer. Returns 0, or -1 when over. */
static int
sqlstep_learn_role(struct sqlstep *s)
{
	const char	*v = NULL;

	if (s->last != NULL && PQntuples(s->last) == 1 && PQnfields(s->last) == 1)
		v = sqltable_cell(s->last, 0, 0);
	if (v == NULL || (strcmp(v, "t") != 0 && strcmp(v, "f") != 0))
		return sqlstep_fail(s, "query failed",
		    "pg_is_in_recovery() gave no answer", NULL);
	s->standby = strcmp(v, "t") == 0;
	json_object_set_new(s->evidence, "role",
	    json_string(s->standby ? "standby" : "primary"));
	sqlstep_emit(s, ACTION_STDOUT, s->standby ?
	    "server is a standby (in recovery)\n" : "server is a primary\n");
	return 0;
}

struct sqlstep_lag {
	struct strbuf	 problems;
	json_int_t	 max_bytes;
	double		 max_seconds;
	int		 bad;
};

/* Adds text (taken) to what is wrong. */
static void
sqlstep_lag_problem(struct sqlstep_lag *lag, char *text)
{
	if (lag->problems.len > 0)
		strbuf_adds(&lag->problems, "; ");
	strbuf_adds(&lag->problems, text);
	free(text);
	lag->bad = 1;
}

/* Judges one standby: streaming, and its lag known when an RPO is set. */
static void
sqlstep_lag_row(struct sqlstep *s, struct sqlstep_lag *lag, int row)
{
	const PGresult	*r = s->last;
	const char	*state = sqlstep_value(r, row, "state");
	const char	*bytes = sqlstep_value(r, row, "bytes_behind");
	const char	*secs = sqlstep_value(r, row, "lag_seconds");
	const char	*name = sqlstep_value(r, row, "application_name");
	json_int_t	 b = bytes != NULL ? strtoll(bytes, NULL, 10) : 0;
	double		 t = secs != NULL ? strtod(secs, NULL) : 0;
	char		*who;

	if (s->standby)
		who = xstrdup("this standby");
	else
		who = xprintf("standby '%s'", name != NULL ? name : "?");
	if (state == NULL && s->standby &&
	    sqlstep_value(r, row, "receiver_pid") == NULL)
		sqlstep_lag_problem(lag, xprintf("%s has no WAL receiver", who));
	else if (state == NULL)
		sqlstep_lag_problem(lag, xprintf("the state of %s is hidden: "
		    "the role needs pg_monitor", who));
	else if (strcmp(state, "streaming") != 0)
		sqlstep_lag_problem(lag, xprintf("%s is %s, not streaming",
		    who, state));
	if (b > lag->max_bytes)
		lag->max_bytes = b;
	if (t > lag->max_seconds)
		lag->max_seconds = t;
	/* Caught up and idle: the primary stops reporting replay_lag. */
	if (s->rpo_ms > 0 && secs == NULL && (bytes == NULL || b > 0))
		sqlstep_lag_problem(lag, xprintf("the time lag of %s is not "
		    "known yet", who));
	free(who);
}

static json_t *
sqlstep_row_json(struct sqlstep *s, int row)
{
	json_t	*o = json_object();
	char	*key;
	int	 c;

	for (c = 0; c < PQnfields(s->last); c++) {
		key = sqlsecret_scrub(&s->secrets, PQfname(s->last, c));
		json_object_set_new(o, key, sqlstep_json_value(s->last, row, c));
		free(key);
	}
	return o;
}

static int
sqlstep_lag_judge(struct sqlstep *s)
{
	struct sqlstep_lag	 lag;
	json_t			*list = json_array();
	char			 rpo[32], *target, *reason;
	int			 row, n = PQntuples(s->last), ok;

	memset(&lag, 0, sizeof lag);
	strbuf_init(&lag.problems);
	for (row = 0; row < n; row++) {
		json_array_append_new(list, sqlstep_row_json(s, row));
		sqlstep_lag_row(s, &lag, row);
	}
	if (n == 0)
		sqlstep_lag_problem(&lag, xstrdup("no standby is connected to "
		    "this primary"));
	ok = !lag.bad && (s->rpo_ms == 0 || lag.max_seconds * 1000 <= s->rpo_ms);
	if (s->rpo_ms > 0) {
		duration_format(s->rpo_ms, rpo, sizeof rpo);
		target = xprintf("RPO %s", rpo);
	} else
		target = xstrdup("all streaming");
	reason = xprintf("%s%smax lag %lld bytes, %.1fs; %s: %s",
	    strbuf_str(&lag.problems), lag.problems.len > 0 ? "; " : "",
	    (long long)lag.max_bytes, lag.max_seconds, target,
	    ok ? "met" : "not met");
	json_object_set_new(s->evidence, "standbys", list);
	json_object_set_new(s->evidence, "max_lag_bytes",
	    json_integer(lag.max_bytes));
	json_object_set_new(s->evidence, "max_lag_ms",
	    json_integer((json_int_t)(lag.max_seconds * 1000 + 0.5)));
	json_object_set_new(s->evidence, "value",
	    json_integer((json_int_t)(lag.max_seconds * 1000 + 0.5)));
	json_object_set_new(s->evidence, "rpo_ms", json_integer(s->rpo_ms));
	json_object_set_new(s->evidence, "verdict",
	    json_string(ok ? "met" : "not met"));
	strbuf_free(&lag.problems);
	free(target);
	sqlstep_conclude(s, ok, reason);
	free(reason);
	return -1;
}

static int
sqlstep_lag_advance(struct sqlstep *s)
{
	if (s->phase == 0) {
		s->phase = 1;
		if (sqlstep_learn_role(s) != 0)
			return -1;
		return sqlstep_send(s, s->standby ? sql_lag_standby :
		    sql_lag_primary, 1);
	}
	return sqlstep_lag_judge(s);
}

/* Records in_recovery and the timeline; *line says both. 0, or -1 if over. */
static int
sqlstep_note_recovery(struct sqlstep *s, const char **in_recovery,
    char **line)
{
	const char	*tl = sqlstep_value(s->last, 0, "timeline");

	*in_recovery = sqlstep_value(s->last, 0, "in_recovery");
	if (*in_recovery == NULL)
		return sqlstep_fail(s, "query failed",
		    "pg_is_in_recovery() gave no answer", NULL);
	json_object_set_new(s->evidence, "in_recovery",
	    json_boolean(strcmp(*in_recovery, "true") == 0));
	json_object_set_new(s->evidence, "timeline", tl != NULL ?
	    json_integer(strtoll(tl, NULL, 10)) : json_null());
	*line = xprintf("in recovery: %s, timeline %s", *in_recovery,
	    tl != NULL ? tl : "unknown");
	return 0;
}

static int
sqlstep_recovery_advance(struct sqlstep *s)
{
	const char	*in_recovery;
	char		*line, *check, *reason;
	int		 ok = 1;

	if (s->phase == 0) {
		s->phase = 1;
		if (sqlstep_learn_role(s) != 0)
			return -1;
		return sqlstep_send(s, s->standby ? sql_recovery_standby :
		    sql_recovery_primary, 1);
	}
	if (sqlstep_note_recovery(s, &in_recovery, &line) != 0)
		return -1;
	if (s->has_expect) {
		ok = sqlstep_check_expect(s, PQntuples(s->last), in_recovery,
		    &check);
		reason = xprintf("%s; %s", line, check);
		free(check);
		free(line);
		line = reason;
	}
	sqlstep_conclude(s, ok, line);
	free(line);
	return -1;
}

static int
sqlstep_promote_advance(struct sqlstep *s)
{
	const char	*v, *in_recovery;
	char		*line, *reason;

	if (s->phase == 0) {
		s->phase = 1;
		v = sqlstep_value(s->last, 0, "promoted");
		json_object_set_new(s->evidence, "promoted",
		    json_boolean(v != NULL && strcmp(v, "t") == 0));
		if (v == NULL || strcmp(v, "t") != 0)
			return sqlstep_conclude(s, 0, "pg_promote returned "
			    "false: the standby did not finish promoting in "
			    "time");
		return sqlstep_send(s, sql_recovery_primary, 1);
	}
	if (sqlstep_note_recovery(s, &in_recovery, &line) != 0)
		return -1;
	reason = xprintf("promoted; %s", line);
	sqlstep_conclude(s, 1, reason);
	free(reason);
	free(line);
	return -1;
}
