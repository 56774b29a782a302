/* sqlsecret.c: owns what the sql step knows about connection strings and
 * the passwords in them: parsing a conninfo as libpq will without leaking
 * the password in an error, showing it with the password masked, and
 * scrubbing secrets out of text and JSON before anyone sees them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "mask.h"
#include "sqlsecret.h"
#include "strbuf.h"
#include "xmalloc.h"

#define nitems(a)		(sizeof (a) / sizeof (a)[0])

#define SQLSECRET_MASK		MASK_TEXT

/* The step's secrets as a mask (mask.h), the masking every sink
 * shares. */
static struct mask *
secrets_mask(const struct sqlsecrets *sec)
{
	struct mask	*m = mask_new();

	for (int i = 0; i < sec->n; i++)
		mask_add(m, sec->v[i]);
	return m;
}

void
sqlsecret_add(struct sqlsecrets *sec, const char *s)
{
	if (s == NULL || *s == '\0')
		return;
	sec->v = xreallocarray(sec->v, (size_t)sec->n + 1, sizeof *sec->v);
	sec->v[sec->n++] = xstrdup(s);
}

/* A copy of text with every secret replaced by the mask. */
char *
sqlsecret_scrub(const struct sqlsecrets *sec, const char *text)
{
	struct mask	*m = secrets_mask(sec);
	char		*clean = mask_str(m, text, NULL);

	mask_free(m);
	return clean;
}

/* Masks secrets in every string inside j. */
void
sqlsecret_scrub_json(const struct sqlsecrets *secrets, json_t *j)
{
	struct mask	*m = secrets_mask(secrets);

	mask_json(m, j);
	mask_free(m);
}

/* --- connection strings ------------------------------------------------- */

/* The test libpq uses to tell a connection string from a database name. */
static int
sqlsecret_is_conninfo(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0 || strchr(s, '=') != NULL;
}

/*
 * libpq's parse errors quote the text they stumbled on, which may be part of
 * a password; when one may be in the string, the quotes are emptied.
 */
static char *
sqlsecret_parse_error(const char *conninfo, const char *err)
{
	struct strbuf	 b;
	const char	*q;
	int		 risky;

	risky = strcasestr(conninfo, "password") != NULL ||
	    (strstr(conninfo, "://") != NULL && strchr(conninfo, '@') != NULL);
	strbuf_init(&b);
	strbuf_adds(&b, "connection string is not valid: ");
	while (*err != '\0' && *err != '\n') {
		if (risky && *err == '"' && (q = strchr(err + 1, '"')) != NULL) {
			strbuf_adds(&b, "\"…\"");
			err = q + 1;
		} else
			strbuf_addch(&b, *err++);
	}
	return strbuf_detach(&b);
}

/*
 * Parses conninfo as libpq will, to reject mistakes before connecting and to
 * learn a password written inside it. *opts is NULL for a bare database
 * name or an empty string.
 */
int
sqlsecret_conninfo_parse(const char *conninfo, PQconninfoOption **opts,
    char **cause)
{
	char	*err = NULL;

	*opts = NULL;
	if (conninfo == NULL || !sqlsecret_is_conninfo(conninfo))
		return 0;
	if ((*opts = PQconninfoParse(conninfo, &err)) != NULL)
		return 0;
	*cause = sqlsecret_parse_error(conninfo, err != NULL ? err :
	    "out of memory");
	PQfreemem(err);
	return -1;
}

static const char *
sqlsecret_opt(const PQconninfoOption *opts, const char *key)
{
	for (; opts->keyword != NULL; opts++) {
		if (strcmp(opts->keyword, key) == 0)
			return opts->val;
	}
	return NULL;
}

static void
sqlsecret_add_opt(struct strbuf *b, const char *key, const char *val)
{
	const char	*p;

	if (val == NULL || *val == '\0')
		return;
	if (b->len > 0)
		strbuf_addch(b, ' ');
	strbuf_addf(b, "%s=", key);
	if (strcspn(val, " '\\") == strlen(val)) {
		strbuf_adds(b, val);
		return;
	}
	strbuf_addch(b, '\'');
	for (p = val; *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\')
			strbuf_addch(b, '\\');
		strbuf_addch(b, *p);
	}
	strbuf_addch(b, '\'');
}

/* "host=db1 port=5432 dbname=app user=ops password=****": where first. */
char *
sqlsecret_conninfo_show(const char *conninfo)
{
	static const char	*lead[] = { "host", "hostaddr", "port", "dbname",
				    "user" };
	PQconninfoOption	*opts, *o;
	struct strbuf		 b;
	char			*cause = NULL;
	size_t			 i;

	if (conninfo == NULL || *conninfo == '\0')
		return xstrdup("(libpq defaults)");
	if (sqlsecret_conninfo_parse(conninfo, &opts, &cause) != 0) {
		free(cause);
		return xstrdup("(connection string not valid)");
	}
	if (opts == NULL)
		return xprintf("dbname=%s", conninfo);
	strbuf_init(&b);
	for (i = 0; i < nitems(lead); i++)
		sqlsecret_add_opt(&b, lead[i], sqlsecret_opt(opts, lead[i]));
	for (o = opts; o->keyword != NULL; o++) {
		for (i = 0; i < nitems(lead); i++) {
			if (strcmp(o->keyword, lead[i]) == 0)
				break;
		}
		if (i < nitems(lead))
			continue;
		if (strcmp(o->keyword, "password") == 0)
			sqlsecret_add_opt(&b, o->keyword, o->val != NULL &&
			    *o->val != '\0' ? SQLSECRET_MASK : NULL);
		else
			sqlsecret_add_opt(&b, o->keyword, o->val);
	}
	PQconninfoFree(opts);
	return b.len > 0 ? strbuf_detach(&b) : xstrdup("(libpq defaults)");
}

/* Adds the password and the one inside conninfo. */
void
sqlsecret_get(const char *password, const PQconninfoOption *opts,
    struct sqlsecrets *sec)
{
	sqlsecret_add(sec, password);
	if (opts != NULL)
		sqlsecret_add(sec, sqlsecret_opt(opts, "password"));
}

/* Wipes and frees every secret. */
void
sqlsecret_free(struct sqlsecrets *sec)
{
	for (int i = 0; i < sec->n; i++) {
		explicit_bzero(sec->v[i], strlen(sec->v[i]));
		free(sec->v[i]);
	}
	free(sec->v);
	sec->v = NULL;
	sec->n = 0;
}
