/* include.c: expands `include:` items. An included runbook is loaded and
 * checked on its own (a broken one fails the include), its steps are moved
 * in with ids prefixed by `as` (default: its id) and one phase, and its
 * params become ours: a value given as "{{ name }}" renames the param to
 * name; any other value, or the included default, becomes a param of ours
 * named PREFIX_PARAM, so every value still reaches commands through the
 * normal quoting. */
#include <ctype.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include.h"
#include "loader.h"
#include "strbuf.h"
#include "template.h"
#include "xmalloc.h"

#define INCLUDE_MAX_DEPTH 4

struct rename {
	char *from;
	char *to;
};

struct inc {
	struct runbook *rb;	/* the including runbook */
	struct diags *d;
	struct step *item;	/* the include: item */
	struct runbook *in;	/* the included runbook */
	const char *prefix;
	struct rename *names;
	int nnames;
};

static char *
find_file(const struct runbook *rb, const char *what)
{
	char *copy = xstrdup(rb->path), *dir = dirname(copy), *path;
	const char *exts[] = { "", ".yaml", ".yml" };

	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		path = what[0] == '/' ? xprintf("%s%s", what, exts[i]) : xprintf("%s/%s%s", dir, what, exts[i]);
		if (access(path, R_OK) == 0) {
			free(copy);
			return path;
		}
		free(path);
	}
	free(copy);
	return NULL;
}

/* "{{ name }}" and nothing else: the name, else NULL. */
static char *
sole_ref(const char *v)
{
	struct tscan scan;
	size_t off, start = 0, end = strlen(v);
	char *cause = NULL, *name = NULL;

	while (isspace((unsigned char)v[start]))
		start++;
	while (end > start && isspace((unsigned char)v[end - 1]))
		end--;
	if (template_scan(v, &scan, &off, &cause) != 0) {
		free(cause);
		return NULL;
	}
	if (scan.nrefs == 1 && scan.refs[0].kind == TREF_PARAM && scan.refs[0].start == start &&
	    scan.refs[0].end == end)
		name = xstrdup(scan.refs[0].name);
	template_scan_free(&scan);
	return name;
}

static void
add_rename(struct inc *x, const char *from, const char *to)
{
	x->names = xreallocarray(x->names, x->nnames + 1, sizeof *x->names);
	x->names[x->nnames].from = xstrdup(from);
	x->names[x->nnames].to = xstrdup(to);
	x->nnames++;
}

static const char *
given(const struct inc *x, const char *name)
{
	for (int i = 0; i < x->item->ninclude_params; i++) {
		if (strcmp(x->item->include_params[i].key, name) == 0)
			return x->item->include_params[i].value.s;
	}
	return NULL;
}

/* Makes p a param of ours, named PREFIX_NAME, with def as its default. */
static void
adopt_param(struct inc *x, const struct param *p, const char *def)
{
	struct param *np;
	char *name = xprintf("%s_%s", x->prefix, p->name);

	for (char *c = name; *c != '\0'; c++)
		if (*c == '-')
			*c = '_';
	x->rb->params = xreallocarray(x->rb->params, x->rb->nparams + 1, sizeof *x->rb->params);
	np = &x->rb->params[x->rb->nparams++];
	memset(np, 0, sizeof *np);
	np->name = name;
	np->pos = x->item->pos;
	np->type = p->type;
	np->prompt = xprintf("%s: %s", x->in->title.s, p->prompt != NULL ? p->prompt : p->name);
	np->help = p->help != NULL ? xstrdup(p->help) : NULL;
	np->required = p->required && def == NULL;
	np->generate = p->generate;
	np->def.s = def != NULL ? xstrdup(def) : NULL;
	np->def.pos = x->item->pos;
	if (p->nchoices > 0)
		np->choices = xcalloc((size_t)p->nchoices + 1, sizeof *np->choices);
	for (int i = 0; i < p->nchoices; i++)
		np->choices[np->nchoices++] = xstrdup(p->choices[i]);
	add_rename(x, p->name, name);
}

static void
map_params(struct inc *x)
{
	for (int i = 0; i < x->item->ninclude_params; i++) {
		if (runbook_find_param(x->in, x->item->include_params[i].key) == NULL)
			diags_add(x->d, DIAG_ERROR, x->rb->path, x->item->include_params[i].value.pos,
			    "included runbook '%s' has no param '%s'", x->in->id, x->item->include_params[i].key);
	}
	for (int i = 0; i < x->in->nparams; i++) {
		const struct param *p = &x->in->params[i];
		const char *v = given(x, p->name);
		char *ref = v != NULL ? sole_ref(v) : NULL;

		if (ref != NULL)
			add_rename(x, p->name, ref);
		else if (v != NULL && p->type == PARAM_SECRET)
			diags_add(x->d, DIAG_ERROR, x->rb->path, x->item->pos, "secret '%s' of included "
			    "runbook '%s' must be given as a template, like {{ %s }}", p->name, x->in->id, p->name);
		else
			adopt_param(x, p, v != NULL ? v : p->def.s);
		free(ref);
	}
}

/* Rewrites {{ old }} as {{ new }} for the renamed params. */
static void
rename_refs(struct inc *x, struct rstr *r)
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

		for (int k = 0; t->kind == TREF_PARAM && k < x->nnames; k++) {
			if (strcmp(t->name, x->names[k].from) != 0)
				continue;
			strbuf_add(&b, r->s + pos, t->start - pos);
			strbuf_addf(&b, "{{ %s }}", x->names[k].to);
			pos = t->end;
			break;
		}
	}
	strbuf_adds(&b, r->s + pos);
	free(r->s);
	r->s = strbuf_detach(&b);
	template_scan_free(&scan);
}

/* Included steps read the included runbook's env, unless they set it. */
static void
inherit_env(struct inc *x, struct step *s)
{
	for (int i = 0; i < x->in->nenv; i++) {
		int have = 0;

		for (int k = 0; k < s->nenv; k++)
			have |= strcmp(s->env[k].key, x->in->env[i].key) == 0;
		if (have)
			continue;
		s->env = xreallocarray(s->env, s->nenv + 1, sizeof *s->env);
		s->env[s->nenv].key = xstrdup(x->in->env[i].key);
		s->env[s->nenv].value = x->in->env[i].value;
		s->env[s->nenv].value.s = xstrdup(x->in->env[i].value.s);
		s->nenv++;
	}
}

static void
adopt_step(struct inc *x, struct step *s)
{
	struct rstr *texts[STEP_TEXTS_MAX];
	char *id = xprintf("%s-%s", x->prefix, s->id);
	int n;

	free(s->id);
	s->id = id;
	free(s->phase.s);
	s->phase = x->item->phase;
	s->phase.s = xstrdup(x->item->phase.s != NULL ? x->item->phase.s : x->in->title.s);
	inherit_env(x, s);
	n = step_texts(s, texts);
	for (int i = 0; i < n; i++)
		rename_refs(x, texts[i]);
}

static struct runbook *
load_included(struct runbook *rb, struct step *item, struct diags *d, int depth)
{
	char *path;
	struct runbook *in;

	if (depth >= INCLUDE_MAX_DEPTH) {
		diags_add(d, DIAG_ERROR, rb->path, item->include.pos, "includes nested too deeply (a cycle?)");
		return NULL;
	}
	if ((path = find_file(rb, item->include.s)) == NULL) {
		diags_add(d, DIAG_ERROR, rb->path, item->include.pos, "no runbook '%s' next to this one",
		    item->include.s);
		return NULL;
	}
	in = loader_load_file_depth(path, d, depth + 1);
	if (in == NULL)
		diags_add(d, DIAG_ERROR, rb->path, item->include.pos, "included runbook %s has errors", path);
	free(path);
	return in;
}

/* Moves the included steps into out, after n steps already there. */
static int
splice(struct inc *x, struct step **out, int n)
{
	map_params(x);
	*out = xreallocarray(*out, n + x->in->nsteps + 1, sizeof **out);
	for (int k = 0; k < x->in->nsteps; k++) {
		(*out)[n] = x->in->steps[k];
		adopt_step(x, &(*out)[n]);
		n++;
	}
	/* The steps moved: the included runbook must not free them. */
	x->in->nsteps = 0;
	for (int k = 0; k < x->nnames; k++) {
		free(x->names[k].from);
		free(x->names[k].to);
	}
	free(x->names);
	x->names = NULL;
	x->nnames = 0;
	return n;
}

void
include_expand(struct runbook *rb, struct diags *d, int depth)
{
	struct step *out = NULL;
	int n = 0, found = 0;

	for (int i = 0; i < rb->nsteps; i++)
		found |= rb->steps[i].include.s != NULL;
	if (!found)
		return;
	for (int i = 0; i < rb->nsteps; i++) {
		struct step *s = &rb->steps[i];
		struct inc x = { rb, d, s, NULL, NULL, NULL, 0 };

		if (s->include.s == NULL) {
			out = xreallocarray(out, n + 1, sizeof *out);
			out[n++] = *s;
			memset(s, 0, sizeof *s);
			continue;
		}
		if ((x.in = load_included(rb, s, d, depth)) != NULL) {
			x.prefix = s->include_as != NULL ? s->include_as : x.in->id;
			n = splice(&x, &out, n);
			runbook_free(x.in);
		}
		runbook_step_free(s);
	}
	free(rb->steps);
	rb->steps = out;
	rb->nsteps = n;
}
