/* loader_hosts.c: the hosts and groups remote steps run on. */
#include <stdlib.h>
#include <string.h>

#include "loader_int.h"
#include "xmalloc.h"
#include "yamldoc.h"

/* vars: { NAME: value }: NAME a shell-style identifier, as it travels in
 * a variable (DRC_H_NAME) to the remote command. */
static void
load_vars(struct loader *l, const struct ynode *n, struct kv **vars, int *nvars)
{
	int first = *nvars;

	loader_load_kv(l, n, vars, nvars, "vars");
	for (int i = first; i < *nvars; i++) {
		if (!loader_matches_charset((*vars)[i].key, LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ_",
		    LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ" DIGITS "_"))
			loader_error_at(l, (*vars)[i].value.pos, "'%s' is not a valid var name (letters, "
			    "digits and '_', not starting with a digit)", (*vars)[i].key);
	}
}

static void
parse_host_vars(struct loader *l, const struct ynode *n, void *obj)
{
	struct host_def *h = obj;

	load_vars(l, n, &h->vars, &h->nvars);
}

#define HD(f) offsetof(struct host_def, f)
static const struct keydef host_keys[] = {
	{ "address", K_PLAIN, 0, HD(address), 0, 0, NULL, NULL },
	{ "user", K_PLAIN, 0, HD(user), 0, 0, NULL, NULL },
	{ "port", K_INT, 0, HD(port), 1, 65535, NULL, NULL },
	{ "identity", K_PLAIN, 0, HD(identity), 0, 0, NULL, NULL },
	{ "jump", K_PLAIN, 0, HD(jump), 0, 0, NULL, NULL },
	{ "vars", K_CUSTOM, 0, 0, 0, 0, NULL, parse_host_vars },
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

/* A group's members: host and group names. */
static void
load_members(struct loader *l, const struct ynode *v, struct host_group *g)
{
	if (v->type != YNODE_SEQ) {
		loader_error_at(l, v->pos, "group '%s' must be a list of host names", g->name);
		return;
	}
	g->members = xcalloc((size_t)v->nitems + 1, sizeof *g->members);
	for (int m = 0; m < v->nitems; m++) {
		if (loader_want_scalar(l, v->items[m], "a group member"))
			g->members[g->nmembers++] = xstrdup(v->items[m]->value);
	}
}

static void
parse_group_hosts(struct loader *l, const struct ynode *n, void *obj)
{
	load_members(l, n, obj);
}

static void
parse_group_vars(struct loader *l, const struct ynode *n, void *obj)
{
	struct host_group *g = obj;

	load_vars(l, n, &g->vars, &g->nvars);
}

static const struct keydef group_keys[] = {
	{ "hosts", K_CUSTOM, KEY_REQUIRED, 0, 0, 0, NULL, parse_group_hosts },
	{ "vars", K_CUSTOM, 0, 0, 0, 0, NULL, parse_group_vars },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* groups: { databases: [db1, db2], all: [databases, web1],
 *           etcd: { hosts: [e1, e2], vars: { port: 2380 } } } */
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
		g->name = xstrdup(k->value);
		g->pos = k->pos;
		if (v->type == YNODE_MAP)
			loader_load_map(l, v, group_keys, g, "a group");
		else
			load_members(l, v, g);
		rb->ngroups++;
	}
}
