/* hostlist.h: the hosts a remote step's 'on' names once its templates are
 * expanded. From the runbook: its hosts and groups. From a value captured
 * earlier in the run (the replicas a query found): also any other word
 * that is a host name or an IPv4 address, reached as ssh's config says;
 * a word that could be anything else (an option such as -oProxyCommand=,
 * a path, shell syntax) is refused, never handed to ssh. */
#ifndef DRC_HOSTLIST_H
#define DRC_HOSTLIST_H

#include "runbook.h"

/* At most this many hosts from one captured value. */
#define HOSTLIST_MAX 1000

struct hostlist {
	const struct host_def **hosts;	/* in order, each once */
	int n;
	struct host_def *adhoc;	/* the ones the runbook does not know: a name only */
	int nadhoc;
};

/* Resolves text (words separated by commas, spaces or newlines). With
 * addresses 0, every word must be a host or group of rb. 0, or -1 with
 * *cause; free out with hostlist_free either way. */
int hostlist_resolve(const struct runbook *rb, const char *text, int addresses, struct hostlist *out,
    char **cause);
void hostlist_free(struct hostlist *hl);
/* 1 when w is a host name or IPv4 address ssh can only read as one:
 * letters, digits, '.', '-' and '_', starting with a letter or digit. */
int hostlist_valid_address(const char *w);

#endif
