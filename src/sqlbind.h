/* sqlbind.h: where each template of a sql step's query stands, and the
 * text sent for it. Values never become SQL:
 *
 *   WHERE id = {{ id }}                 bare: bound parameter $1
 *   PASSWORD '{{ pw }}'                 the whole literal: PQescapeLiteral
 *   WHERE name = 'app_{{ env }}'        inside '...': PQescapeStringConn
 *   ALTER ROLE "{{ role }}"             inside "...": the identifier rebuilt
 *                                       with PQescapeIdentifier
 *
 * Quoting is done by libpq on the live connection, so it honours the
 * server's encoding and standard_conforming_strings; the query is lexed as
 * PostgreSQL's scanner does (string continuation, E'', dollar quotes,
 * nested comments) with that same setting, so a value lands where the
 * server will read it. A template inside a comment, a dollar-quoted
 * string, a B'', X'' or U& string or identifier, or inside E'...' (or
 * '...' when standard_conforming_strings is off) next to other text is
 * refused, with the spelling that works. */
#ifndef DRC_SQLBIND_H
#define DRC_SQLBIND_H

#include <stddef.h>

#include <libpq-fe.h>

#include "sqlsecret.h"

enum sqlslot_kind {
	SQLSLOT_PARAM,		/* bare: $N */
	SQLSLOT_LITERAL,	/* the whole '...' or E'...' token */
	SQLSLOT_IN_LITERAL,	/* part of a '...' literal (read as xq) */
	SQLSLOT_IDENT,		/* part or all of a "..." identifier */
};

struct sqlslot {
	enum sqlslot_kind kind;
	int ref;		/* index into refs */
	size_t src_off;		/* where it stands in the query as written */
	size_t tok_start;	/* LITERAL, IDENT: the quoted token in flat */
	size_t tok_end;
};

struct sqlbind {
	char *flat;		/* the query, {{ "..." }} inlined, other templates as \1 */
	struct sqlslot *slots;	/* one per \1, in order */
	int nslots;
	char **refs;		/* distinct template texts ("{{ id }}"), in order of first use */
	int nrefs;
};

/* Lexes query as a server with standard_conforming_strings set to
 * std_strings would. 0 with b filled; -1 with *err_off (in query) and
 * *cause when a template stands where it cannot be used. refs do not depend
 * on std_strings. */
int sqlbind_prepare(const char *query, int std_strings, struct sqlbind *b, size_t *err_off,
    char **cause);
/*
 * The text to send on conn (NULL: sqlbind_display), values[k] standing for refs[k]; *params (its
 * values for $1, $2...; *nparams of them, pointers into values) is
 * allocated, NULL when there is none. The quoted text made for a value
 * flagged in secret goes into sec, to be masked. -1 and *cause when libpq
 * refuses a value (not valid in the connection's encoding).
 */
int sqlbind_render(const struct sqlbind *b, PGconn *conn, const char *const *values,
    const int *secret, struct sqlsecrets *sec, char **text, const char ***params, int *nparams,
    char **cause);
/* The query for people (journal, screen): each value quoted as the server
 * receives it, a bound one as the literal it stands for, a secret one as
 * '****'. Allocated. */
char *sqlbind_display(const struct sqlbind *b, const char *const *values, const int *secret);
void sqlbind_free(struct sqlbind *b);

#endif
