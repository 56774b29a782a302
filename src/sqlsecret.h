/* sqlsecret.h: connection strings and the secrets in them, for the sql
 * step. A step holds its secrets as char *secrets[2] (the request's
 * password, and one written inside its conninfo; either may be NULL) and
 * scrubs them from everything it shows. */
#ifndef DRC_SQLSECRET_H
#define DRC_SQLSECRET_H

#include <jansson.h>
#include <libpq-fe.h>

/* A copy of text with every secret replaced by "****". Allocated. */
char *sqlsecret_scrub(char *const *secrets, const char *text);
/* Masks secrets in every string inside j, in place. */
void sqlsecret_scrub_json(char *const *secrets, json_t *j);
/* Parses conninfo as libpq will; *opts is NULL for a bare database name,
 * NULL or "". Returns -1 and *cause, with quoted text that may hold a
 * password emptied, when it does not parse. */
int sqlsecret_conninfo_parse(const char *conninfo, PQconninfoOption **opts,
    char **cause);
/* "host=db1 port=5432 dbname=app user=ops password=****". Allocated. */
char *sqlsecret_conninfo_show(const char *conninfo);
/* Copies password (may be NULL) and the password in opts (may be NULL)
 * into secrets[0] and secrets[1]; empty ones become NULL. */
void sqlsecret_get(const char *password, const PQconninfoOption *opts,
    char **secrets);
/* Wipes and frees secrets[0] and secrets[1], leaving them NULL. */
void sqlsecret_free(char **secrets);

#endif
