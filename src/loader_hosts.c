/* loader_hosts.c: the hosts and groups remote steps run on. */
#include <stdlib.h>
#include <string.h>

#include "loader_int.h"
#include "xmalloc.h"
#include "yamldoc.h"

#define HD(f) offsetof(struct host_def, f)
static const struct keydef host_keys[] = {
	{ "address", K_PLAIN, 0, HD(address), 0, 0, NULL, NULL },
	{ "user", K_PLAIN, 0, HD(user), 0, 0, NULL, NULL },
	{ "port", K_INT, 0, HD(port), 1, 65535, NULL, NULL },
	{ "identity", K_PLAIN, 0, HD(identity), 0, 0, NULL, NULL },
	{ "jump", K_PLAIN, 0, HD(jump), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static int
valid_host_name(const char *s)
{
	return loader_matches_charset(s, LOWER DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	    LOWER DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.");
}

/* hosts: { db1: { address: 10.0.0.5, user: ops }, db2: {}, bastion-known: ~ } */
void
loader_parse_hosts(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	if (n->type != YNODE_MAP) {
		loader_error_at(l, n->pos, "'hosts' must map host names to settings, not %s", ynode_type_name(n));
		return;
	}
	rb->hosts = xcalloc((size_t)YMAP_PAIRS(n) + 1, sizeof *rb->hosts);
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i), *v = YMAP_VALUE(n, i);
		struct host_def *h = &rb->hosts[rb->nhosts];

		if (k->type != YNODE_SCALAR || !valid_host_name(k->value)) {
			loader_error_at(l, k->pos, "a host name is letters, digits, '-', '_' and '.'");
			continue;
		}
		h->name = xstrdup(k->value);
		h->pos = k->pos;
		rb->nhosts++;
		/* A bare name (null or empty) means ~/.ssh/config knows it. */
		if (v->type == YNODE_SCALAR && (v->value[0] == '\0' || strcmp(v->value, "~") == 0 ||
		    strcmp(v->value, "null") == 0))
			continue;
		loader_load_map(l, v, host_keys, h, "a host");
	}
}

/* groups: { databases: [db1, db2], all: [databases, web1] } */
void
loader_parse_groups(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	if (n->type != YNODE_MAP) {
		loader_error_at(l, n->pos, "'groups' must map group names to lists of hosts, not %s", ynode_type_name(n));
		return;
	}
	rb->groups = xcalloc((size_t)YMAP_PAIRS(n) + 1, sizeof *rb->groups);
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i), *v = YMAP_VALUE(n, i);
		struct host_group *g = &rb->groups[rb->ngroups];

		if (k->type != YNODE_SCALAR || !valid_host_name(k->value)) {
			loader_error_at(l, k->pos, "a group name is letters, digits, '-', '_' and '.'");
			continue;
		}
		if (v->type != YNODE_SEQ) {
			loader_error_at(l, v->pos, "group '%s' must be a list of host names", k->value);
			continue;
		}
		g->name = xstrdup(k->value);
		g->pos = k->pos;
		g->members = xcalloc((size_t)v->nitems + 1, sizeof *g->members);
		for (int m = 0; m < v->nitems; m++) {
			if (loader_want_scalar(l, v->items[m], "a group member"))
				g->members[g->nmembers++] = xstrdup(v->items[m]->value);
		}
		rb->ngroups++;
	}
}

