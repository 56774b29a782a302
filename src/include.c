/* include.c: expands `include:` items. An included runbook is loaded and
 * checked on its own (a broken one fails the include), its steps are moved
 * in with ids prefixed by `as` (default: its id) and one phase, and its
 * params become ours: a value given as "{{ name }}" renames the param to
 * name; any other value, or the included default, becomes a param of ours
 * named PREFIX_PARAM, so every value still reaches commands through the
 * normal quoting. Its steps keep its env, shell dialect and folder, and
 * its environments, hosts and groups join ours (include_merge.c).
 *
 * A runbook may come from someone else, so an include is held on a short
 * leash: it names a file inside the top runbook's folder tree (no absolute
 * path, no way out by '..' or a link), a FIFO or device is refused unread,
 * a cycle or a nesting over INCLUDE_MAX_DEPTH is an error naming the chain,
 * and the whole expansion reads at most INCLUDE_MAX_BYTES and makes at most
 * INCLUDE_MAX_STEPS steps and INCLUDE_MAX_PARAMS params, so lint of a
 * hostile file ends quickly. An
 * included file's own diagnostics are never repeated here (they could quote
 * any file's content): only their count and the first position. */
#include <sys/stat.h>

#include <ctype.h>
#include <limits.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include.h"
#include "include_merge.h"
#include "loader.h"
#include "strbuf.h"
#include "template.h"
#include "xmalloc.h"
#include "yamldoc.h"

#define INCLUDE_MAX_DEPTH 4
/* Bytes read and steps made by all the includes of one runbook. */
#define INCLUDE_MAX_BYTES (4 * YDOC_MAX_BYTES)
#define INCLUDE_MAX_STEPS 2000
/* Params they add: each becomes ours, and its environments' values with
 * it, which the checks look up one by one. */
#define INCLUDE_MAX_PARAMS 2000

/* A file met before, by its real path. */
struct include_file {
	char *real;
	int failed;
};

struct include_ctx {
	struct diags *top;	/* where warnings about files go */
	char *root;		/* real path of the top runbook's folder */
	const char *chain[INCLUDE_MAX_DEPTH + 2];	/* as named, top first */
	char *chain_real[INCLUDE_MAX_DEPTH + 2];
	int depth;		/* entries in chain */
	struct include_file *files;
	int nfiles;
	long bytes;
	long steps;
	long params;
	int over;		/* a budget ran out: include nothing more */
};

/* The file next to rb that what names, trying .yaml and .yml; NULL if none. */
static char *
find_file(const struct runbook *rb, const char *what)
{
	char *copy = xstrdup(rb->path), *dir = dirname(copy), *path;
	const char *exts[] = { "", ".yaml", ".yml" };

	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		path = xprintf("%s/%s%s", dir, what, exts[i]);
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
add_rename(struct include_map *x, const char *from, const char *to)
{
	x->names = xreallocarray(x->names, x->nnames + 1, sizeof *x->names);
	x->names[x->nnames].from = xstrdup(from);
	x->names[x->nnames].to = xstrdup(to);
	x->nnames++;
}

/* A copy of a NULL-terminated argv; NULL stays NULL. */
static char **
copy_argv(char *const *argv)
{
	char **copy;
	int n = 0;

	if (argv == NULL)
		return NULL;
	while (argv[n] != NULL)
		n++;
	copy = xcalloc((size_t)n + 1, sizeof *copy);
	for (int i = 0; i < n; i++)
		copy[i] = xstrdup(argv[i]);
	return copy;
}

/* Makes p a param of ours, named PREFIX_NAME, with def as its default. */
static void
adopt_param(struct include_map *x, const struct param *p, const char *def)
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
	/* The included runbook's rule for a value still holds when it is ours. */
	np->pattern.s = p->pattern.s != NULL ? xstrdup(p->pattern.s) : NULL;
	np->pattern.pos = p->pattern.pos;
	if (p->nchoices > 0)
		np->choices = xcalloc((size_t)p->nchoices + 1, sizeof *np->choices);
	for (int i = 0; i < p->nchoices; i++)
		np->choices[np->nchoices++] = xstrdup(p->choices[i]);
	np->def_is_list = def == p->def.s && p->def_is_list;
	/* A secret read from a vault is read the same way once it is ours. */
	np->from_command = copy_argv(p->from_command);
	np->from_pos = x->item->pos;
	add_rename(x, p->name, name);
}

static void
map_params(struct include_map *x)
{
	for (int i = 0; i < x->item->ninclude_params; i++) {
		if (runbook_find_param(x->in, x->item->include_params[i].key) == NULL)
			diags_add(x->d, DIAG_ERROR, x->rb->path, x->item->include_params[i].value.pos,
			    "included runbook '%s' has no param '%s'", x->in->id, x->item->include_params[i].key);
	}
	for (int i = 0; i < x->in->nparams; i++) {
		const struct param *p = &x->in->params[i];
		const char *v = include_given(x, p->name);
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

/* Included steps read the included runbook's env, unless they set it;
 * those entries go first and are counted, since a target environment's
 * value wins over them (runbook.h). */
static void
inherit_env(struct include_map *x, struct step *s)
{
	struct kv *env = xcalloc((size_t)x->in->nenv + (size_t)s->nenv + 1, sizeof *env);
	int n = 0;

	for (int i = 0; i < x->in->nenv; i++) {
		int have = 0;

		for (int k = 0; k < s->nenv; k++)
			have |= strcmp(s->env[k].key, x->in->env[i].key) == 0;
		if (have)
			continue;
		env[n].key = xstrdup(x->in->env[i].key);
		env[n].value = x->in->env[i].value;
		env[n++].value.s = xstrdup(x->in->env[i].value.s);
	}
	s->nenv_inherited = n;
	for (int k = 0; k < s->nenv; k++)
		env[n++] = s->env[k];
	free(s->env);
	s->env = env;
	s->nenv = n;
}

static void
adopt_step(struct include_map *x, struct step *s)
{
	struct rstr *texts[STEP_TEXTS_MAX];
	char *id = xprintf("%s-%s", x->prefix, s->id);
	int n;

	free(s->id);
	s->id = id;
	/* Its positions are its file's; an inner include already said which. */
	if (s->file == NULL)
		s->file = xstrdup(x->in->path);
	free(s->phase.s);
	s->phase = x->item->phase;
	s->phase.s = xstrdup(x->item->phase.s != NULL ? x->item->phase.s : x->in->title.s);
	inherit_env(x, s);
	/* Its commands are written in its dialect and run in its folder. */
	if (s->shell == 0)
		s->shell = x->in->shell + 1;
	if (s->cwd.s == NULL && x->in->cwd.s != NULL) {
		s->cwd = x->in->cwd;
		s->cwd.s = xstrdup(x->in->cwd.s);
	}
	n = step_texts(s, texts);
	for (int i = 0; i < n; i++)
		include_rename_text(x, texts[i]);
	include_rename_condition(x, &s->when);
	include_rename_condition(x, &s->confirm_when);
	include_rename_condition(x, &s->end_run_when);
}

/* "a.yaml -> b.yaml -> last", allocated. */
static char *
chain_text(const struct include_ctx *ctx, const char *last)
{
	struct strbuf b;

	strbuf_init(&b);
	for (int i = 0; i < ctx->depth; i++)
		strbuf_addf(&b, "%s -> ", ctx->chain[i]);
	strbuf_adds(&b, last);
	return strbuf_detach(&b);
}

/* Makes an included file fail for an error the top runbook's diagnostics
 * already show; the top one itself needs no second count. */
static void
fail_quietly(struct include_ctx *ctx, struct diags *d)
{
	if (d != ctx->top)
		d->errors++;
}

/* Reports what (allocated, freed here) at item, naming the chain that
 * leads to path. It goes to the top runbook's diagnostics, since those of
 * an included file are only counted; d counts it too, so that file fails. */
static void
chain_error(struct include_ctx *ctx, struct diags *d, const struct step *item, const char *path, char *what)
{
	char *chain = chain_text(ctx, path);

	diags_add(ctx->top, DIAG_ERROR, ctx->chain[ctx->depth - 1], item->include.pos, "%s: %s", what, chain);
	fail_quietly(ctx, d);
	free(chain);
	free(what);
}

static struct include_file *
file_seen(struct include_ctx *ctx, const char *real)
{
	for (int i = 0; i < ctx->nfiles; i++)
		if (strcmp(ctx->files[i].real, real) == 0)
			return &ctx->files[i];
	ctx->files = xreallocarray(ctx->files, ctx->nfiles + 1, sizeof *ctx->files);
	ctx->files[ctx->nfiles].real = xstrdup(real);
	ctx->files[ctx->nfiles].failed = 0;
	return &ctx->files[ctx->nfiles++];
}

/* The included file's real path if the include may read it, else NULL
 * with the error reported. */
static char *
admit(struct include_ctx *ctx, struct runbook *rb, struct step *item, struct diags *d, char **path)
{
	const char *what = item->include.s;
	char *real;
	size_t n = ctx->root != NULL ? strlen(ctx->root) : 0;

	if (what[0] == '/') {
		diags_add(d, DIAG_ERROR, rb->path, item->include.pos, "an include names a runbook in this "
		    "runbook's folder, not an absolute path");
		return NULL;
	}
	if ((*path = find_file(rb, what)) == NULL) {
		diags_add(d, DIAG_ERROR, rb->path, item->include.pos, "no runbook '%s' next to this one", what);
		return NULL;
	}
	real = ctx->root != NULL ? realpath(*path, NULL) : NULL;
	if (real == NULL || !(strncmp(real, ctx->root, n) == 0 && (real[n] == '/' || strcmp(ctx->root, "/") == 0))) {
		diags_add(d, DIAG_ERROR, rb->path, item->include.pos, "include '%s' leads out of the folder "
		    "of the runbook being loaded (by '..' or a link)", what);
		free(real);
		return NULL;
	}
	for (int i = 0; i < ctx->depth; i++) {
		if (strcmp(ctx->chain_real[i], real) == 0) {
			chain_error(ctx, d, item, *path, xstrdup("include cycle"));
			free(real);
			return NULL;
		}
	}
	if (ctx->depth > INCLUDE_MAX_DEPTH) {
		chain_error(ctx, d, item, *path, xprintf("includes nested more than %d deep", INCLUDE_MAX_DEPTH));
		free(real);
		return NULL;
	}
	return real;
}

/* Reads an admitted file within the byte budget; a warning when others
 * can write it. */
static unsigned char *
read_included(struct include_ctx *ctx, struct runbook *rb, struct step *item, struct diags *d,
    const char *path, size_t *len)
{
	unsigned char *buf;
	struct stat st;
	char *cause = NULL;

	if ((buf = ydoc_read_file(path, len, &st, &cause)) == NULL) {
		diags_add(d, DIAG_ERROR, rb->path, item->include.pos, "cannot include %s: %s", path, cause);
		free(cause);
		return NULL;
	}
	if ((ctx->bytes += (long)*len) > INCLUDE_MAX_BYTES) {
		chain_error(ctx, d, item, path, xprintf("includes read more than %ld bytes", (long)INCLUDE_MAX_BYTES));
		ctx->over = 1;
		free(buf);
		return NULL;
	}
	if (include_file_is_loose(&st)) {
		rb->loose = 1;
		include_warn_loose(ctx->top, rb->path, item->include.pos, path);
	}
	return buf;
}

/* An included file's errors, counted at the include item: where the first
 * is, never what it says. Errors reported already (a chain's, or past a
 * budget) are only counted. */
static void
report_included(struct include_ctx *ctx, struct runbook *rb, struct step *item, struct diags *d,
    const char *path, const struct diags *own)
{
	const struct diag *first = NULL;

	for (int i = 0; i < own->count && first == NULL; i++)
		if (own->list[i].severity == DIAG_ERROR)
			first = &own->list[i];
	if (own->errors == 0)
		return;
	if (first == NULL || ctx->over) {
		fail_quietly(ctx, d);
		return;
	}
	diags_add(d, DIAG_ERROR, rb->path, item->include.pos, "included runbook %s has %d error%s, the first "
	    "at %s:%d:%d (lint it for the messages)", path, own->errors, own->errors == 1 ? "" : "s",
	    first->file, first->pos.line, first->pos.col);
}

/* Loads an admitted file with diagnostics of its own, reported here as
 * a count and a position only. */
static struct runbook *
load_admitted(struct include_ctx *ctx, struct runbook *rb, struct step *item, struct diags *d,
    const char *path, char *real)
{
	struct diags own = { 0 };
	struct runbook *in;
	unsigned char *buf;
	size_t len;

	if ((buf = read_included(ctx, rb, item, d, path, &len)) == NULL)
		return NULL;
	ctx->chain[ctx->depth] = path;
	ctx->chain_real[ctx->depth++] = real;
	in = loader_load_included(path, buf, len, &own, ctx);
	ctx->depth--;
	free(buf);
	report_included(ctx, rb, item, d, path, &own);
	diags_clear(&own);
	return in;
}

static struct runbook *
load_included(struct include_ctx *ctx, struct runbook *rb, struct step *item, struct diags *d)
{
	struct include_file *f;
	struct runbook *in = NULL;
	char *path = NULL, *real;

	if (ctx->over) {
		fail_quietly(ctx, d);	/* reported once, where the budget ran out */
		return NULL;
	}
	if ((real = admit(ctx, rb, item, d, &path)) == NULL) {
		free(path);
		return NULL;
	}
	if ((f = file_seen(ctx, real))->failed)
		diags_add(d, DIAG_ERROR, rb->path, item->include.pos, "included runbook %s has errors", path);
	else if ((in = load_admitted(ctx, rb, item, d, path, real)) == NULL)
		file_seen(ctx, real)->failed = 1;	/* f is stale: nested includes grew the list */
	else if ((ctx->steps += in->nsteps) > INCLUDE_MAX_STEPS || (ctx->params += in->nparams) > INCLUDE_MAX_PARAMS) {
		chain_error(ctx, d, item, path, ctx->steps > INCLUDE_MAX_STEPS ?
		    xprintf("includes make more than %d steps", INCLUDE_MAX_STEPS) :
		    xprintf("includes make more than %d params", INCLUDE_MAX_PARAMS));
		ctx->over = 1;
		runbook_free(in);
		in = NULL;
	}
	if (in != NULL && in->loose)
		rb->loose = 1;
	free(real);
	free(path);
	return in;
}

/* Moves the included steps into out, after n steps already there, and
 * keeps room for the rest steps of ours still to come. */
static int
splice(struct include_map *x, struct step **out, int n, int rest)
{
	map_params(x);
	include_renames_sort(x);
	include_ids_keep(x);
	*out = xreallocarray(*out, (size_t)n + (size_t)x->in->nsteps + (size_t)rest + 1, sizeof **out);
	for (int k = 0; k < x->in->nsteps; k++) {
		(*out)[n] = x->in->steps[k];
		adopt_step(x, &(*out)[n]);
		n++;
	}
	/* The steps moved: the included runbook must not free them. */
	x->in->nsteps = 0;
	include_merge(x);
	include_ids_free(x);
	for (int k = 0; k < x->nnames; k++) {
		free(x->names[k].from);
		free(x->names[k].to);
	}
	free(x->names);
	x->names = NULL;
	x->nnames = 0;
	return n;
}

/* The top runbook's context: its folder bounds every include. */
static struct include_ctx *
ctx_new(struct runbook *rb, struct diags *d)
{
	struct include_ctx *ctx = xcalloc(1, sizeof *ctx);
	char *copy = xstrdup(rb->path);

	ctx->top = d;
	ctx->root = realpath(dirname(copy), NULL);
	free(copy);
	ctx->chain[0] = rb->path;
	if ((ctx->chain_real[0] = realpath(rb->path, NULL)) == NULL)
		ctx->chain_real[0] = xstrdup(rb->path);
	ctx->depth = 1;
	return ctx;
}

static void
ctx_free(struct include_ctx *ctx)
{
	for (int i = 0; i < ctx->nfiles; i++)
		free(ctx->files[i].real);
	free(ctx->files);
	free(ctx->chain_real[0]);
	free(ctx->root);
	free(ctx);
}

static void
expand(struct runbook *rb, struct diags *d, struct include_ctx *ctx)
{
	/* Room for our own steps at once, and more with each include (splice):
	 * growing by one step copies them all each time. */
	struct step *out = xcalloc((size_t)rb->nsteps + 1, sizeof *out);
	int n = 0;

	for (int i = 0; i < rb->nsteps; i++) {
		struct step *s = &rb->steps[i];
		struct include_map x = { rb, d, s, NULL, NULL, NULL, 0, NULL, 0 };

		if (s->include.s == NULL) {
			out[n++] = *s;
			memset(s, 0, sizeof *s);
			continue;
		}
		if ((x.in = load_included(ctx, rb, s, d)) != NULL) {
			x.prefix = s->include_as != NULL ? s->include_as : x.in->id;
			n = splice(&x, &out, n, rb->nsteps - i - 1);
			runbook_free(x.in);
		}
		runbook_step_free(s);
	}
	free(rb->steps);
	rb->steps = out;
	rb->nsteps = n;
}

void
include_expand(struct runbook *rb, struct diags *d, struct include_ctx *ctx)
{
	int found = 0;

	for (int i = 0; i < rb->nsteps; i++)
		found |= rb->steps[i].include.s != NULL;
	if (!found)
		return;
	if (ctx != NULL) {
		expand(rb, d, ctx);
		return;
	}
	ctx = ctx_new(rb, d);
	expand(rb, d, ctx);
	ctx_free(ctx);
}

int
include_file_is_loose(const struct stat *st)
{
	return (st->st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

void
include_warn_loose(struct diags *d, const char *file, struct srcpos pos, const char *path)
{
	diags_add(d, DIAG_WARNING, file, pos, "%s is writable by group or others: whoever can write it "
	    "chooses the commands drconsole runs (chmod go-w)", path);
}
