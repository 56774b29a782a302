/* sqlsecret.h: connection strings and the secrets in them, for the sql
 * step. A step holds its secrets in a struct sqlsecrets (the request's
 * password, one written inside its conninfo, and the quoted text made for
 * a secret value in its query) and scrubs them from everything it shows. */
#ifndef DRC_SQLSECRET_H
#define DRC_SQLSECRET_H

#include <jansson.h>
#include <libpq-fe.h>

struct sqlsecrets {
	char	**v;
	int	  n;
};

/* Adds a copy of s; NULL and "" are ignored. */
void sqlsecret_add(struct sqlsecrets *, const char *s);
/* A copy of text with every secret replaced by "****" (at each place the
 * longest that starts there). Allocated. */
char *sqlsecret_scrub(const struct sqlsecrets *, const char *text);
/* Masks secrets in every string inside j, in place. */
void sqlsecret_scrub_json(const struct sqlsecrets *, json_t *j);
/* Parses conninfo as libpq will; *opts is NULL for a bare database name,
 * NULL or "". Returns -1 and *cause, with quoted text that may hold a
 * password emptied, when it does not parse. */
int sqlsecret_conninfo_parse(const char *conninfo, PQconninfoOption **opts,
    char **cause);
/* "host=db1 port=5432 dbname=app user=ops password=****". Allocated. */
char *sqlsecret_conninfo_show(const char *conninfo);
/* Adds password (may be NULL) and the password in opts (may be NULL). */
void sqlsecret_get(const char *password, const PQconninfoOption *opts,
    struct sqlsecrets *);
/* Wipes and frees every secret, leaving the list empty. */
void sqlsecret_free(struct sqlsecrets *);

#endif
