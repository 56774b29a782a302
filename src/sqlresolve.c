/* sqlresolve.c: `getent ahosts NAME` as a job: each line starts with an
 * address (each one three times: stream, datagram, raw); getent exits 2 for
 * a name that is not found. */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "sqlresolve.h"
#include "strbuf.h"
#include "xmalloc.h"

/* More than any answer needs; the rest is not kept. */
#define SQLRESOLVE_KEEP 4096
/* Addresses handed on, as libpq would try at most so many in a row. */
#define SQLRESOLVE_MAX 8

struct sqlresolve {
	struct job	*job;
	struct strbuf	 out;
	sqlresolve_cb	 cb;
	void		*arg;
};

/* The value of keyword in the parsed options, or NULL. */
static const char *
sqlresolve_opt(const PQconninfoOption *opts, const char *keyword)
{
	for (; opts != NULL && opts->keyword != NULL; opts++) {
		if (strcmp(opts->keyword, keyword) == 0)
			return opts->val != NULL && *opts->val != '\0' ? opts->val : NULL;
	}
	return NULL;
}

char *
sqlresolve_name(const PQconninfoOption *opts)
{
	const char *host = sqlresolve_opt(opts, "host");
	unsigned char addr[16];

	if (host == NULL || sqlresolve_opt(opts, "hostaddr") != NULL ||
	    *host == '/' || *host == '@' || strchr(host, ',') != NULL ||
	    inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
		return NULL;
	return xstrdup(host);
}

static void
sqlresolve_output(void *arg, int stream, const char *data, size_t len)
{
	struct sqlresolve *r = arg;

	if (stream == JOB_STDOUT && r->out.len < SQLRESOLVE_KEEP)
		strbuf_add(&r->out, data, len < SQLRESOLVE_KEEP - r->out.len ? len : SQLRESOLVE_KEEP - r->out.len);
}

/* The distinct first words of the lines, comma-separated, in order. */
static char *
sqlresolve_addresses(const char *text, int *n)
{
	char seen[SQLRESOLVE_MAX][64];
	struct strbuf list;
	const char *line = text;
	size_t len;
	int k;

	*n = 0;
	strbuf_init(&list);
	for (; *line != '\0' && *n < SQLRESOLVE_MAX; line += strcspn(line, "\n"), line += *line == '\n') {
		if ((len = strcspn(line, " \t\n")) == 0 || len >= sizeof seen[0])
			continue;
		memcpy(seen[*n], line, len);
		seen[*n][len] = '\0';
		for (k = 0; k < *n && strcmp(seen[k], seen[*n]) != 0; k++)
			;
		if (k < *n)
			continue;	/* the same address, another socket type */
		strbuf_adds(&list, *n > 0 ? "," : "");
		strbuf_adds(&list, seen[(*n)++]);
	}
	return *n > 0 ? strbuf_detach(&list) : (strbuf_free(&list), NULL);
}

static void
sqlresolve_done(void *arg, int wait_status)
{
	struct sqlresolve *r = arg;
	sqlresolve_cb cb = r->cb;
	int n;
	char *addresses = sqlresolve_addresses(strbuf_str(&r->out), &n);

	(void)wait_status;	/* no address is answer enough */
	r->cb = NULL;
	if (cb != NULL)
		cb(r->arg, addresses, n);
	free(addresses);
}

struct sqlresolve *
sqlresolve_start(struct loop *loop, const char *host, sqlresolve_cb cb,
    void *arg, char **cause)
{
	char *argv[] = { "getent", "ahosts", (char *)host, NULL };
	struct job_spec spec = { 0 };
	struct sqlresolve *r = xcalloc(1, sizeof *r);

	strbuf_init(&r->out);
	r->cb = cb;
	r->arg = arg;
	spec.argv = argv;
	spec.command = "getent";
	if ((r->job = job_start(loop, &spec, sqlresolve_output, sqlresolve_done, r, cause)) == NULL) {
		strbuf_free(&r->out);
		free(r);
		return NULL;
	}
	return r;
}

void
sqlresolve_free(struct sqlresolve *r)
{
	if (r == NULL)
		return;
	r->cb = NULL;
	job_free(r->job);
	strbuf_free(&r->out);
	free(r);
}
