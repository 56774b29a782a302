/* hostlist.c: the hosts of a remote step, from the runbook's names and,
 * for a captured value, from plain host names and addresses. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"
#include "xmalloc.h"

#define SEPARATORS ", \t\r\n"

int
hostlist_valid_address(const char *w)
{
	size_t len = strlen(w);

	if (len == 0 || len > 253 || !isalnum((unsigned char)*w))
		return 0;
	for (; *w != '\0'; w++) {
		if (!isalnum((unsigned char)*w) && strchr(".-_", *w) == NULL)
			return 0;
	}
	return 1;
}

static void
add(struct hostlist *hl, const struct host_def *h)
{
	for (int k = 0; k < hl->n; k++) {
		if (hl->hosts[k] == h || strcmp(hl->hosts[k]->name, h->name) == 0)
			return;
	}
	hl->hosts = xreallocarray(hl->hosts, (size_t)hl->n + 1, sizeof *hl->hosts);
	hl->hosts[hl->n++] = h;
}

/* One word: the runbook's host or group, else (with addresses) a new host. */
static int
add_word(const struct runbook *rb, const char *w, int addresses, struct hostlist *hl, char **cause)
{
	const struct host_def **list;
	int n;

	if (runbook_find_host(rb, w) != NULL || runbook_find_group(rb, w) != NULL || !addresses) {
		if (runbook_resolve_hosts(rb, w, &list, &n, cause) != 0)
			return -1;
		for (int k = 0; k < n; k++)
			add(hl, list[k]);
		free(list);
		return 0;
	}
	if (!hostlist_valid_address(w)) {
		*cause = xprintf("'%s' is not a host name or address (letters, digits, '.', '-' and '_', "
		    "starting with a letter or digit)", w);
		return -1;
	}
	hl->adhoc[hl->nadhoc].name = xstrdup(w);
	add(hl, &hl->adhoc[hl->nadhoc++]);
	return 0;
}

int
hostlist_resolve(const struct runbook *rb, const char *text, int addresses, struct hostlist *out,
    char **cause)
{
	char *copy = xstrdup(text), *tok, *save = NULL;
	int words = 0, rc = 0;

	memset(out, 0, sizeof *out);
	for (const char *p = text; *p != '\0'; p++)
		words += strchr(SEPARATORS, *p) == NULL && (p == text || strchr(SEPARATORS, p[-1]) != NULL);
	if (words > HOSTLIST_MAX) {
		*cause = xprintf("%d hosts is more than %d", words, HOSTLIST_MAX);
		free(copy);
		return -1;
	}
	/* Room for every word up front: hosts point into it. */
	out->adhoc = xcalloc((size_t)words + 1, sizeof *out->adhoc);
	for (tok = strtok_r(copy, SEPARATORS, &save); tok != NULL && rc == 0; tok = strtok_r(NULL, SEPARATORS, &save))
		rc = add_word(rb, tok, addresses, out, cause);
	free(copy);
	if (rc == 0 && out->n == 0) {
		*cause = xprintf("no hosts in '%s'", text);
		rc = -1;
	}
	return rc;
}

void
hostlist_free(struct hostlist *hl)
{
	for (int k = 0; k < hl->nadhoc; k++)
		free(hl->adhoc[k].name);
	free(hl->adhoc);
	free(hl->hosts);
	memset(hl, 0, sizeof *hl);
}
