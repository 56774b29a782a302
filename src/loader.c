/* loader.c: walks the YAML node tree and fills struct runbook. Every mapping
 * is read through a key table (name, type, bounds, required), as tmux's
 * options-table does, so the loader is a loop over a table and unknown keys
 * get a "did you mean". Meaning-level checks live in rbcheck.c. */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "duration.h"
#include "loader.h"
#include "loader_int.h"
#include "include.h"
#include "inventory.h"
#include "rbcheck.h"
#include "xmalloc.h"
#include "yamldoc.h"

void __attribute__((format(printf, 3, 4)))
loader_error_at(struct loader *l, struct srcpos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_addv(l->diags, DIAG_ERROR, l->file, pos, fmt, ap);
	va_end(ap);
}

/* --- "did you mean" --- */

static int
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev :
			    1 + (prev < row[j] ? (prev < row[j - 1] ? prev : row[j - 1]) :
			    (row[j] < row[j - 1] ? row[j] : row[j - 1]));
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
loader_suggest(const char *word, const char *const *names)
{
	const char *best = NULL;
	int bestd = 3;

	for (int i = 0; names[i] != NULL; i++) {
		int d = edit_distance(word, names[i]);

		if (d < bestd && d <= (int)strlen(names[i]) / 2) {
			bestd = d;
			best = names[i];
		}
	}
	return best;
}

static const char *
suggest_key(const char *word, const struct keydef *table)
{
	const char *names[64];
	int n = 0;

	for (; table[n].name != NULL && n < 63; n++)
		names[n] = table[n].name;
	names[n] = NULL;
	return loader_suggest(word, names);
}

/* --- scalar setters --- */

int
loader_want_scalar(struct loader *l, const struct ynode *n, const char *key)
{
	if (n->type == YNODE_SCALAR)
		return 1;
	loader_error_at(l, n->pos, "'%s' must be a single value, not %s", key, ynode_type_name(n));
	return 0;
}

void
loader_set_rstr(struct loader *l, struct rstr *r, const struct ynode *n)
{
	free(r->s);
	r->s = xstrdup(n->value);
	r->pos = n->pos;
	r->style = n->style;
	r->indent = n->style == RSTR_BLOCK ? ydoc_line_indent(l->doc, n->pos.line + 1) : 0;
}

int
loader_matches_charset(const char *s, const char *first, const char *rest)
{
	if (*s == '\0' || strchr(first, *s) == NULL)
		return 0;
	for (s++; *s != '\0'; s++) {
		if (strchr(rest, *s) == NULL)
			return 0;
	}
	return 1;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };

	for (int i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return (*out = 1, 0);
		if (strcasecmp(s, no[i]) == 0)
			return (*out = 0, 0);
	}
	return -1;
}

int
loader_parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return (errno != 0 || end == s || *end != '\0') ? -1 : 0;
}

void
loader_set_enum(struct loader *l, const struct keydef *k, const struct ynode *n, int *out)
{
	const char *hint;

	for (int i = 0; k->names[i] != NULL; i++) {
		if (strcmp(n->value, k->names[i]) == 0) {
			*out = i;
			return;
		}
	}
	hint = loader_suggest(n->value, k->names);
	diags_add(l->diags, DIAG_ERROR, l->file, n->pos, "'%s' is not a valid %s%s%s%s",
	    n->value, k->name, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
}

void
loader_set_scalar(struct loader *l, const struct keydef *k, const struct ynode *n, char *obj)
{
	void *field = obj + k->offset;
	long v;
	int64_t ms;

	if ((k->type == K_TEXT || k->type == K_PLAIN) && n->comment.line > 0)
		diags_add(l->diags, DIAG_WARNING, l->file, n->comment, "'%s' ends at ' #': YAML reads the "
		    "rest of the line as a comment, so the text is '%s'; quote the value to keep it",
		    k->name, n->value);
	switch (k->type) {
	case K_TEXT:
		loader_set_rstr(l, field, n);
		break;
	case K_PLAIN:
		free(*(char **)field);
		*(char **)field = xstrdup(n->value);
		break;
	case K_ID:
	case K_NAME:
		if (k->type == K_ID ? !loader_matches_charset(n->value, LOWER DIGITS, LOWER DIGITS "-") :
		    !loader_matches_charset(n->value, LOWER "_", LOWER DIGITS "_"))
			loader_error_at(l, n->pos, "'%s' is not a valid %s", n->value, k->type == K_ID ?
			    "id (use lower-case letters, digits and '-')" :
			    "name (use lower-case letters, digits and '_', not starting with a digit)");
		free(*(char **)field);
		*(char **)field = xstrdup(n->value);
		break;
	case K_DURATION:
		if (duration_parse(n->value, &ms) != 0)
			loader_error_at(l, n->pos, "'%s' is not a valid duration for '%s' (like 90s, 2m, 1h30m)",
			    n->value, k->name);
		else
			*(int64_t *)field = ms;
		break;
	case K_INT:
		if (loader_parse_long(n->value, &v) != 0 || v < k->min || v > k->max)
			diags_add(l->diags, DIAG_ERROR, l->file, n->pos,
			    "'%s' must be a whole number from %ld to %ld", k->name, k->min, k->max);
		else
			*(int *)field = (int)v;
		break;
	case K_BOOL:
		if (parse_bool(n->value, field) != 0)
			loader_error_at(l, n->pos, "'%s' must be true or false, not '%s'", k->name, n->value);
		break;
	case K_ENUM:
		loader_set_enum(l, k, n, field);
		break;
	case K_CUSTOM:
	case K_APPROVERS:
		break;
	}
}

/* --- maps, lists --- */

/* approvers: [alice, "@dba"]: login names, or a Unix group after '@'. */
static void
load_approvers(struct loader *l, const struct ynode *n, struct approvers *a)
{
	const char *v;

	if (n->type != YNODE_SEQ) {
		loader_error_at(l, n->pos, "'approvers' must be a list of logins and @groups, like [alice, \"@dba\"], "
		    "not %s", ynode_type_name(n));
		return;
	}
	approvers_free(a);
	a->given = 1;
	a->pos = n->pos;
	a->names = xcalloc((size_t)n->nitems + 1, sizeof *a->names);
	for (int i = 0; i < n->nitems; i++) {
		if (!loader_want_scalar(l, n->items[i], "approvers"))
			continue;
		v = n->items[i]->value;
		/* The characters useradd and groupadd allow, so a name is one word. */
		if (!loader_matches_charset(v + (*v == '@'), LOWER "_", LOWER DIGITS "_.-"))
			loader_error_at(l, n->items[i]->pos, "'%s' is not a login or an @group (lower-case letters, "
			    "digits, '_', '.' and '-')", v);
		else
			a->names[a->n++] = xstrdup(v);
	}
}

static const struct keydef *
find_key(const struct keydef *table, const char *name)
{
	for (; table->name != NULL; table++) {
		if (strcmp(table->name, name) == 0)
			return table;
	}
	return NULL;
}

static void
unknown_key(struct loader *l, const struct ynode *key, const struct keydef *table, const char *what)
{
	const char *hint = suggest_key(key->value, table);

	if (hint != NULL)
		diags_add(l->diags, DIAG_ERROR, l->file, key->pos,
		    "unknown key '%s' in %s (did you mean '%s'?)", key->value, what, hint);
	else
		diags_add(l->diags, DIAG_ERROR, l->file, key->pos, "unknown key '%s' in %s",
		    key->value, what);
}

const struct ynode *
loader_map_get(const struct ynode *map, const char *name)
{
	for (int i = 0; i < YMAP_PAIRS(map); i++) {
		const struct ynode *k = YMAP_KEY(map, i);

		if (k->type == YNODE_SCALAR && strcmp(k->value, name) == 0)
			return YMAP_VALUE(map, i);
	}
	return NULL;
}

void
loader_load_map(struct loader *l, const struct ynode *map, const struct keydef *table, void *obj,
    const char *what)
{
	if (map->type != YNODE_MAP) {
		loader_error_at(l, map->pos, "%s must be a mapping of keys to values, not %s", what,
		    ynode_type_name(map));
		return;
	}
	for (int i = 0; i < YMAP_PAIRS(map); i++) {
		const struct ynode *key = YMAP_KEY(map, i), *val = YMAP_VALUE(map, i);
		const struct keydef *k;

		if (key->type != YNODE_SCALAR) {
			loader_error_at(l, key->pos, "keys in %s must be plain words", what);
			continue;
		}
		if ((k = find_key(table, key->value)) == NULL)
			unknown_key(l, key, table, what);
		else if (k->type == K_CUSTOM)
			k->parse(l, val, obj);
		else if (k->type == K_APPROVERS)
			load_approvers(l, val, (struct approvers *)((char *)obj + k->offset));
		else if (loader_want_scalar(l, val, k->name))
			loader_set_scalar(l, k, val, obj);
	}
	for (; table->name != NULL; table++) {
		if ((table->flags & KEY_REQUIRED) && loader_map_get(map, table->name) == NULL)
			diags_add(l->diags, DIAG_ERROR, l->file, map->pos, "%s is missing the required key '%s'",
			    what, table->name);
	}
}

/* A NAME: value mapping, as env and http headers are. */
void
loader_load_kv(struct loader *l, const struct ynode *n, struct kv **list, int *count, const char *what)
{
	if (n->type != YNODE_MAP) {
		loader_error_at(l, n->pos, "'%s' must be a mapping of names to values, not %s", what,
		    ynode_type_name(n));
		return;
	}
	/* Room for every pair at once: growing by one is quadratic on big maps. */
	*list = xreallocarray(*list, (size_t)*count + (size_t)YMAP_PAIRS(n), sizeof **list);
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i), *v = YMAP_VALUE(n, i);
		struct kv *e;

		if (k->type != YNODE_SCALAR || !loader_want_scalar(l, v, k->type == YNODE_SCALAR ? k->value : what))
			continue;
		if (strcmp(what, "env") == 0 && !loader_matches_charset(k->value,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ" LOWER "_", "ABCDEFGHIJKLMNOPQRSTUVWXYZ" LOWER DIGITS "_")) {
			loader_error_at(l, k->pos, "'%s' is not a valid environment variable name", k->value);
			continue;
		}
		e = &(*list)[(*count)++];
		memset(e, 0, sizeof *e);
		e->key = xstrdup(k->value);
		loader_set_rstr(l, &e->value, v);
	}
}

void
loader_load_list(struct loader *l, const struct ynode *n, const char *key, void **arr, int *count,
    size_t size, void (*one)(struct loader *, const struct ynode *, void *))
{
	if (n->type != YNODE_SEQ) {
		loader_error_at(l, n->pos, "'%s' must be a list (items start with '- '), not %s", key,
		    ynode_type_name(n));
		return;
	}
	*arr = xcalloc((size_t)n->nitems, size);
	for (int i = 0; i < n->nitems; i++) {
		one(l, n->items[i], (char *)*arr + (size_t)(*count) * size);
		(*count)++;
	}
}

/* --- entry points --- */

static void
hash_bytes(const unsigned char *buf, size_t len, unsigned char out[32])
{
	unsigned int n = 32;

	if (!EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL))
		memset(out, 0, 32);
}

/* inventory: PATH, relative to the runbook's folder: its hosts and groups
 * join the runbook's before any check looks at them. */
static void
load_inventory(struct loader *l)
{
	const char *p = l->rb->inventory.s, *slash = strrchr(l->file, '/');
	char *path;

	if (p == NULL)
		return;
	if (strstr(p, "{{") != NULL) {
		loader_error_at(l, l->rb->inventory.pos, "'inventory' is a path, not a template");
		return;
	}
	path = *p == '/' || slash == NULL ? xstrdup(p) : xprintf("%.*s/%s", (int)(slash - l->file), l->file, p);
	inventory_load(path, l->rb, l->diags);
	free(path);
}

static struct runbook *
load_buffer_depth(const char *name, const unsigned char *buf, size_t len, struct diags *d,
    struct include_ctx *ctx)
{
	struct loader l = { name, d, NULL, NULL };
	struct srcpos pos = { 0, 0 };
	int errors = d->errors;
	char *cause;

	if ((l.doc = ydoc_parse(buf, len, &pos.line, &pos.col, &cause)) == NULL) {
		diags_add(d, DIAG_ERROR, name, pos, "%s", cause);
		free(cause);
		return NULL;
	}
	l.rb = xcalloc(1, sizeof *l.rb);
	l.rb->path = xstrdup(name);
	hash_bytes(buf, len, l.rb->sha256);
	loader_load_runbook(&l, ydoc_root(l.doc), l.rb);
	if (d->errors == errors)
		load_inventory(&l);
	if (d->errors == errors)
		include_expand(l.rb, d, ctx);
	if (d->errors == errors)
		rbcheck_runbook(l.rb, d);
	ydoc_free(l.doc);
	if (d->errors != errors) {
		runbook_free(l.rb);
		return NULL;
	}
	return l.rb;
}

struct runbook *
loader_load_buffer(const char *name, const unsigned char *buf, size_t len, struct diags *d)
{
	return load_buffer_depth(name, buf, len, d, NULL);
}

struct runbook *
loader_load_included(const char *name, const unsigned char *buf, size_t len, struct diags *d,
    struct include_ctx *ctx)
{
	return load_buffer_depth(name, buf, len, d, ctx);
}

struct runbook *
loader_load_file(const char *path, struct diags *d)
{
	struct srcpos pos = { 0, 0 }, top = { 1, 1 };
	unsigned char *buf;
	struct stat st;
	size_t len;
	char *cause;
	struct runbook *rb;

	if ((buf = ydoc_read_file(path, &len, &st, &cause)) == NULL) {
		diags_add(d, DIAG_ERROR, path, pos, "%s", cause);
		free(cause);
		return NULL;
	}
	if (include_file_is_loose(&st))
		include_warn_loose(d, path, top, path);
	rb = load_buffer_depth(path, buf, len, d, NULL);
	if (rb != NULL && include_file_is_loose(&st))
		rb->loose = 1;
	free(buf);
	return rb;
}

