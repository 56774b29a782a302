/* include_merge.c: the included runbook's environments, hosts and groups
 * join the including runbook's, so its steps find there what they find on
 * their own (stand-ins in a rehearsal, a staging param in a drill, the
 * hosts their on: names). The rules, in doc/drconsole-runbook.5 (include):
 * - an environment the includer lacks is added, one of the same name is
 *   merged;
 * - a param it sets follows the param's rename (PREFIX_NAME, or the
 *   includer's param it was given as); a param the include item gives a
 *   value is the includer's decision, so what the included environments
 *   set for it is dropped;
 * - a stand-in follows its step to PREFIX-ID, and every value's templates
 *   are renamed as the steps' are;
 * - one name with two definitions (a param, variable or stand-in set to
 *   two values in one environment, approvers or production differing, a
 *   host or group defined twice differently, a variable of the includer's
 *   env that an included environment sets otherwise: it would apply to
 *   every step) is an error at the includer's definition, naming the
 *   included one's place.
 * (Its env goes to its steps, below the target environment: include.c.)
 * Messages name keys and places, never values (a value could be anything
 * a file holds). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "include_merge.h"
#include "strbuf.h"
#include "template.h"
#include "xmalloc.h"

/* A name of one of the includer's lists and where it stands there. The
 * lists are indexed once per include, sorted, because a hostile pair of
 * files may hold a hundred thousand hosts each: comparing every pair would
 * keep lint busy for minutes. */
struct named_at {
	const char *name;
	int at;
};

struct name_index {
	struct named_at *v;
	int n;
};

/* One list of an environment's entries and the files they came from. */
struct entries {
	struct kv **list;
	int *n;
	char ***from;
	const char *what;	/* "param", "variable", "stand-in for" */
	struct name_index index;	/* of the entries before this include */
};

static int
named_at_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named_at *)a)->name, ((const struct named_at *)b)->name);
}

/* Indexes n elements of size bytes from base by the char * at offset off. */
static struct name_index
index_names(const void *base, int n, size_t size, size_t off)
{
	struct name_index x = { n > 0 ? xcalloc((size_t)n, sizeof *x.v) : NULL, n };

	for (int i = 0; i < n; i++) {
		x.v[i].name = *(char *const *)((const char *)base + (size_t)i * size + off);
		x.v[i].at = i;
	}
	if (n > 1)
		qsort(x.v, (size_t)n, sizeof *x.v, named_at_cmp);
	return x;
}

/* Where name stands in the indexed list, or -1. */
static int
index_find(const struct name_index *x, const char *name)
{
	struct named_at key = { name, 0 }, *hit;

	if (x->n == 0)
		return -1;
	hit = bsearch(&key, x->v, (size_t)x->n, sizeof *x->v, named_at_cmp);
	return hit != NULL ? hit->at : -1;
}

const char *
include_given(const struct include_map *m, const char *name)
{
	for (int i = 0; i < m->item->ninclude_params; i++) {
		if (strcmp(m->item->include_params[i].key, name) == 0)
			return m->item->include_params[i].value.s;
	}
	return NULL;
}

static int
rename_cmp(const void *a, const void *b)
{
	return strcmp(((const struct include_rename *)a)->from, ((const struct include_rename *)b)->from);
}

void
include_renames_sort(struct include_map *m)
{
	if (m->nnames > 1)
		qsort(m->names, (size_t)m->nnames, sizeof *m->names, rename_cmp);
}

/* name's new name, or name itself (names sorted: include_renames_sort). */
static const char *
renamed(const struct include_map *m, const char *name)
{
	struct include_rename key = { (char *)name, NULL }, *hit;

	if (m->nnames == 0)
		return name;
	hit = bsearch(&key, m->names, (size_t)m->nnames, sizeof *m->names, rename_cmp);
	return hit != NULL ? hit->to : name;
}

void
include_rename_text(const struct include_map *m, struct rstr *r)
{
	struct tscan scan;
	struct strbuf b;
	size_t off, pos = 0;
	char *cause = NULL;

	if (r->s == NULL || template_scan(r->s, &scan, &off, &cause) != 0) {
		free(cause);
		return;
	}
	strbuf_init(&b);
	for (int i = 0; i < scan.nrefs; i++) {
		const struct tref *t = &scan.refs[i];
		const char *to = t->kind == TREF_PARAM ? renamed(m, t->name) : t->name;

		if (to == t->name)
			continue;
		strbuf_add(&b, r->s + pos, t->start - pos);
		strbuf_addf(&b, "{{ %s }}", to);
		pos = t->end;
	}
	strbuf_adds(&b, r->s + pos);
	free(r->s);
	r->s = strbuf_detach(&b);
	template_scan_free(&scan);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
include_ids_keep(struct include_map *m)
{
	m->ids = xcalloc((size_t)m->in->nsteps + 1, sizeof *m->ids);
	for (m->nids = 0; m->nids < m->in->nsteps; m->nids++)
		m->ids[m->nids] = xstrdup(m->in->steps[m->nids].id);
	if (m->nids > 1)
		qsort(m->ids, (size_t)m->nids, sizeof *m->ids, str_cmp);
}

void
include_ids_free(struct include_map *m)
{
	for (int i = 0; i < m->nids; i++)
		free(m->ids[i]);
	free(m->ids);
	m->ids = NULL;
	m->nids = 0;
}

/* One name of a condition to replace, at off. */
struct cond_edit {
	size_t off;
	size_t len;
	char *to;
};

struct cond_edits {
	const struct include_map *m;
	struct cond_edit *v;
	int n;
	int cap;
};

/* What a condition's name becomes once included, or NULL: unchanged. */
static char *
condition_name(const struct include_map *m, const char *name)
{
	const char *dot = strchr(name, '.'), *to;
	char *id, *out = NULL;

	if (dot == NULL)
		return (to = renamed(m, name)) != name ? xstrdup(to) : NULL;
	id = xstrndup(name, (size_t)(dot - name));
	if (m->nids > 0 && bsearch(&id, m->ids, (size_t)m->nids, sizeof *m->ids, str_cmp) != NULL)
		out = xprintf("%s-%s%s", m->prefix, id, dot);
	free(id);
	return out;
}

static void
collect_edit(void *arg, const char *name, size_t off)
{
	struct cond_edits *e = arg;
	char *to = condition_name(e->m, name);

	if (to == NULL)
		return;
	if (e->n == e->cap) {
		e->cap = e->cap > 0 ? 2 * e->cap : 8;
		e->v = xreallocarray(e->v, (size_t)e->cap, sizeof *e->v);
	}
	e->v[e->n].off = off;
	e->v[e->n].len = strlen(name);
	e->v[e->n++].to = to;
}

static int
edit_cmp(const void *a, const void *b)
{
	const struct cond_edit *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

void
include_rename_condition(const struct include_map *m, struct rstr *r)
{
	struct cond_edits e = { m, NULL, 0, 0 };
	struct strbuf b;
	struct cond *c;
	size_t err, pos = 0;
	char *cause = NULL;

	if (r->s == NULL || (c = cond_parse(r->s, &err, &cause)) == NULL) {
		free(cause);	/* the included runbook's own check reported it */
		return;
	}
	cond_names(c, collect_edit, &e);
	cond_free(c);
	if (e.n == 0)
		return;
	qsort(e.v, (size_t)e.n, sizeof *e.v, edit_cmp);
	strbuf_init(&b);
	for (int i = 0; i < e.n; i++) {
		strbuf_add(&b, r->s + pos, e.v[i].off - pos);
		strbuf_adds(&b, e.v[i].to);
		pos = e.v[i].off + e.v[i].len;
		free(e.v[i].to);
	}
	strbuf_adds(&b, r->s + pos);
	free(e.v);
	free(r->s);
	r->s = strbuf_detach(&b);
}

static struct rstr
renamed_copy(const struct include_map *m, const struct rstr *src)
{
	struct rstr r = *src;

	r.s = src->s != NULL ? xstrdup(src->s) : NULL;
	include_rename_text(m, &r);
	return r;
}

/* The file entry i of a list came from, seen from the included runbook. */
static const char *
origin(const struct include_map *m, char *const *from, int i)
{
	return from != NULL && from[i] != NULL ? from[i] : m->in->path;
}

/* One name, two definitions: reported at the includer's (here), naming
 * the included one (there) and the include item. what is freed. */
static void
conflict(const struct include_map *m, const char *here_file, struct srcpos here, const char *there_file,
    struct srcpos there, char *what)
{
	diags_add(m->d, DIAG_ERROR, here_file, here, "%s is defined differently here and in the included "
	    "runbook at %s:%d:%d (include at %s:%d:%d): give it one definition", what, there_file, there.line,
	    there.col, m->rb->path, m->item->include.pos.line, m->item->include.pos.col);
	free(what);
}

/* Room in l for more entries at once: growing by one entry per merge
 * copies the list each time (a realloc that cannot grow in place). */
static void
reserve_entries(struct entries *l, int more)
{
	char **from = xcalloc((size_t)*l->n + (size_t)more + 1, sizeof *from);

	if (*l->from != NULL)
		memcpy(from, *l->from, (size_t)*l->n * sizeof *from);
	free(*l->from);
	*l->from = from;
	*l->list = xreallocarray(*l->list, (size_t)*l->n + (size_t)more + 1, sizeof **l->list);
}

/* Adds key = src (renamed) to l, unless l had it: then it must agree.
 * The included keys are distinct (the YAML reader refuses a key twice,
 * and renames keep them apart), so only l's earlier entries can match. */
static void
merge_entry(const struct include_map *m, const char *env, struct entries *l, const char *key,
    const struct rstr *src, const char *src_file)
{
	struct rstr v = renamed_copy(m, src);
	int i = index_find(&l->index, key);
	struct kv *e;

	if (i >= 0) {
		e = &(*l->list)[i];
		if (strcmp(e->value.s, v.s) != 0)
			conflict(m, *l->from != NULL && (*l->from)[i] != NULL ? (*l->from)[i] : m->rb->path,
			    e->value.pos, src_file, src->pos, xprintf("environment '%s': %s '%s'", env, l->what, key));
		free(v.s);
		return;
	}
	(*l->from)[*l->n] = xstrdup(src_file);	/* room made by reserve_entries */
	e = &(*l->list)[(*l->n)++];
	e->key = xstrdup(key);
	e->value = v;
}

static int
same_names(char *const *a, int na, char *const *b, int nb)
{
	if (na != nb)
		return 0;
	for (int i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static void
copy_approvers(struct approvers *to, const struct approvers *src, struct srcpos pos)
{
	to->given = 1;
	to->pos = pos;
	to->names = xcalloc((size_t)src->n + 1, sizeof *to->names);
	for (int i = 0; i < src->n; i++)
		to->names[to->n++] = xstrdup(src->names[i]);
}

/* The includer's environment of src's name, added when it has none; what
 * it gets at that level stands at the include item, in the includer. */
static struct environment *
target_environment(const struct include_map *m, const struct environment *src)
{
	struct runbook *rb = m->rb;
	struct environment *ev;
	const char *in = m->in->path;

	for (int i = 0; i < rb->nenvironments; i++) {
		ev = &rb->environments[i];
		if (strcmp(ev->name, src->name) != 0)
			continue;
		if (ev->production != src->production)
			conflict(m, rb->path, ev->pos, in, src->pos, xprintf("environment '%s' (a production "
			    "target on one side only)", ev->name));
		if (src->approvers.given && !ev->approvers.given)
			copy_approvers(&ev->approvers, &src->approvers, m->item->include.pos);
		else if (src->approvers.given && !same_names(ev->approvers.names, ev->approvers.n,
		    src->approvers.names, src->approvers.n))
			conflict(m, rb->path, ev->approvers.pos, in, src->approvers.pos,
			    xprintf("environment '%s': approvers", ev->name));
		return ev;
	}
	ev = &rb->environments[rb->nenvironments++];	/* room made by include_merge */
	memset(ev, 0, sizeof *ev);
	ev->name = xstrdup(src->name);
	ev->pos = m->item->include.pos;
	ev->production = src->production;
	if (src->approvers.given)
		copy_approvers(&ev->approvers, &src->approvers, m->item->include.pos);
	return ev;
}

/* An included environment's variable applies to every step in it, the
 * includer's too: a different value of one the includer's env sets would
 * change its own steps unseen. */
static void
overrides_own_env(const struct include_map *m, const struct environment *src, int i)
{
	struct rstr v;

	for (int k = 0; k < m->rb->nenv; k++) {
		if (strcmp(m->rb->env[k].key, src->env[i].key) != 0)
			continue;
		v = renamed_copy(m, &src->env[i].value);
		if (strcmp(v.s, m->rb->env[k].value.s) != 0)
			conflict(m, m->rb->path, m->rb->env[k].value.pos, origin(m, src->env_from, i),
			    src->env[i].value.pos, xprintf("variable '%s' (this runbook's env; the included "
			    "environment '%s' would set it for every step)", src->env[i].key, src->name));
		free(v.s);
		return;
	}
}

static void
merge_environment(const struct include_map *m, const struct environment *src)
{
	struct environment *ev = target_environment(m, src);
	struct entries params = { &ev->params, &ev->nparams, &ev->params_from, "param",
		index_names(ev->params, ev->nparams, sizeof *ev->params, offsetof(struct kv, key)) };
	struct entries env = { &ev->env, &ev->nenv, &ev->env_from, "variable",
		index_names(ev->env, ev->nenv, sizeof *ev->env, offsetof(struct kv, key)) };
	struct entries stand_ins = { &ev->stand_ins, &ev->nstand_ins, &ev->stand_ins_from, "stand-in for",
		index_names(ev->stand_ins, ev->nstand_ins, sizeof *ev->stand_ins, offsetof(struct kv, key)) };

	reserve_entries(&params, src->nparams);
	reserve_entries(&env, src->nenv);
	reserve_entries(&stand_ins, src->nstand_ins);
	for (int i = 0; i < src->nparams; i++) {
		if (include_given(m, src->params[i].key) == NULL)
			merge_entry(m, ev->name, &params, renamed(m, src->params[i].key), &src->params[i].value,
			    origin(m, src->params_from, i));
	}
	for (int i = 0; i < src->nenv; i++) {
		overrides_own_env(m, src, i);
		merge_entry(m, ev->name, &env, src->env[i].key, &src->env[i].value, origin(m, src->env_from, i));
	}
	for (int i = 0; i < src->nstand_ins; i++) {
		char *id = xprintf("%s-%s", m->prefix, src->stand_ins[i].key);

		merge_entry(m, ev->name, &stand_ins, id, &src->stand_ins[i].value,
		    origin(m, src->stand_ins_from, i));
		free(id);
	}
	free(params.index.v);
	free(env.index.v);
	free(stand_ins.index.v);
}

/* --- hosts and groups --- */

static int
same_text(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static int
same_vars(const struct kv *a, int na, const struct kv *b, int nb)
{
	if (na != nb)
		return 0;
	for (int i = 0; i < na; i++)
		if (strcmp(a[i].key, b[i].key) != 0 || strcmp(a[i].value.s, b[i].value.s) != 0)
			return 0;
	return 1;
}

static struct kv *
copy_vars(const struct include_map *m, const struct kv *src, int n)
{
	struct kv *vars = n > 0 ? xcalloc((size_t)n, sizeof *vars) : NULL;

	for (int i = 0; i < n; i++) {
		vars[i].key = xstrdup(src[i].key);
		vars[i].value = renamed_copy(m, &src[i].value);
	}
	return vars;
}

static void
free_vars(struct kv *vars, int n)
{
	for (int i = 0; i < n; i++) {
		free(vars[i].key);
		free(vars[i].value.s);
	}
	free(vars);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Adds h to the includer's hosts, unless one of those before this
 * include (indexed in had) has its name: then it must be the same. */
static void
merge_host(const struct include_map *m, const struct name_index *had, const struct host_def *h, const char *file)
{
	struct runbook *rb = m->rb;
	struct kv *vars = copy_vars(m, h->vars, h->nvars);
	struct host_def *t;
	int i = index_find(had, h->name);

	if (i >= 0) {
		t = &rb->hosts[i];
		if (!same_text(t->address, h->address) || !same_text(t->user, h->user) || t->port != h->port ||
		    !same_text(t->identity, h->identity) || !same_text(t->jump, h->jump) ||
		    !same_vars(t->vars, t->nvars, vars, h->nvars))
			conflict(m, t->from != NULL ? t->from : rb->path, t->pos, file, h->pos,
			    xprintf("host '%s'", h->name));
		free_vars(vars, h->nvars);
		return;
	}
	t = &rb->hosts[rb->nhosts++];	/* room made by include_merge */
	memset(t, 0, sizeof *t);
	t->name = xstrdup(h->name);
	t->pos = h->pos;
	t->address = dup_or_null(h->address);
	t->user = dup_or_null(h->user);
	t->port = h->port;
	t->identity = dup_or_null(h->identity);
	t->jump = dup_or_null(h->jump);
	t->vars = vars;
	t->nvars = h->nvars;
	t->inventory = h->inventory;
	t->from = xstrdup(file);
}

static void
merge_group(const struct include_map *m, const struct name_index *had, const struct host_group *g,
    const char *file)
{
	struct runbook *rb = m->rb;
	struct kv *vars = copy_vars(m, g->vars, g->nvars);
	struct host_group *t;
	int i = index_find(had, g->name);

	if (i >= 0) {
		t = &rb->groups[i];
		if (!same_names(t->members, t->nmembers, g->members, g->nmembers) ||
		    !same_vars(t->vars, t->nvars, vars, g->nvars))
			conflict(m, t->from != NULL ? t->from : rb->path, t->pos, file, g->pos,
			    xprintf("group '%s'", g->name));
		free_vars(vars, g->nvars);
		return;
	}
	t = &rb->groups[rb->ngroups++];	/* room made by include_merge */
	memset(t, 0, sizeof *t);
	t->name = xstrdup(g->name);
	t->pos = g->pos;
	t->members = xcalloc((size_t)g->nmembers + 1, sizeof *t->members);
	for (int k = 0; k < g->nmembers; k++)
		t->members[t->nmembers++] = xstrdup(g->members[k]);
	t->vars = vars;
	t->nvars = g->nvars;
	t->inventory = g->inventory;
	t->from = xstrdup(file);
}

/* Room for n more elements of size bytes, and a zeroed one after them
 * (the loader leaves one), made once per include: growing by one per
 * element copies the array each time. */
static void *
reserve(void *arr, int have, int n, size_t size)
{
	char *grown = xreallocarray(arr, (size_t)have + (size_t)n + 1, size);

	memset(grown + (size_t)have * size, 0, ((size_t)n + 1) * size);
	return grown;
}

void
include_merge(struct include_map *m)
{
	const struct runbook *in = m->in;
	struct runbook *rb = m->rb;
	struct name_index hosts = index_names(rb->hosts, rb->nhosts, sizeof *rb->hosts, offsetof(struct host_def, name));
	struct name_index groups = index_names(rb->groups, rb->ngroups, sizeof *rb->groups,
	    offsetof(struct host_group, name));

	rb->environments = reserve(rb->environments, rb->nenvironments, in->nenvironments, sizeof *rb->environments);
	rb->hosts = reserve(rb->hosts, rb->nhosts, in->nhosts, sizeof *rb->hosts);
	rb->groups = reserve(rb->groups, rb->ngroups, in->ngroups, sizeof *rb->groups);

	for (int i = 0; i < in->nenvironments; i++)
		merge_environment(m, &in->environments[i]);
	/* Its hosts and groups have distinct names (its loader saw to it). */
	for (int i = 0; i < in->nhosts; i++)
		merge_host(m, &hosts, &in->hosts[i], in->hosts[i].from != NULL ? in->hosts[i].from : in->path);
	for (int i = 0; i < in->ngroups; i++)
		merge_group(m, &groups, &in->groups[i], in->groups[i].from != NULL ? in->groups[i].from : in->path);
	free(hosts.v);
	free(groups.v);
}
