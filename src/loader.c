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
#include "include.h"
#include "rbcheck.h"
#include "strbuf.h"
#include "xmalloc.h"
#include "yamldoc.h"

struct loader {
	const char *file;
	struct diags *diags;
	struct ydoc *doc;
	struct runbook *rb;
};

enum key_type {
	K_TEXT,			/* struct rstr */
	K_PLAIN,		/* char * */
	K_ID,			/* char *, [a-z0-9-]+ */
	K_NAME,			/* char *, [a-z_][a-z0-9_]* */
	K_DURATION,		/* int64_t milliseconds */
	K_INT,			/* int within min..max */
	K_BOOL,			/* int */
	K_ENUM,			/* int, index into names */
	K_CUSTOM,		/* parse() does it */
	K_APPROVERS,		/* struct approvers: a list of logins and @groups */
};

#define KEY_REQUIRED 0x1

struct keydef {
	const char *name;
	enum key_type type;
	int flags;
	size_t offset;
	long min, max;
	const char *const *names;
	void (*parse)(struct loader *, const struct ynode *, void *);
};

static void load_map(struct loader *, const struct ynode *, const struct keydef *, void *,
    const char *);

static void __attribute__((format(printf, 3, 4)))
error_at(struct loader *l, struct srcpos pos, const char *fmt, ...)
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

static int
want_scalar(struct loader *l, const struct ynode *n, const char *key)
{
	if (n->type == YNODE_SCALAR)
		return 1;
	error_at(l, n->pos, "'%s' must be a single value, not %s", key, ynode_type_name(n));
	return 0;
}

static void
set_rstr(struct loader *l, struct rstr *r, const struct ynode *n)
{
	free(r->s);
	r->s = xstrdup(n->value);
	r->pos = n->pos;
	r->style = n->style;
	r->indent = n->style == RSTR_BLOCK ? ydoc_line_indent(l->doc, n->pos.line + 1) : 0;
}

static int
matches_charset(const char *s, const char *first, const char *rest)
{
	if (*s == '\0' || strchr(first, *s) == NULL)
		return 0;
	for (s++; *s != '\0'; s++) {
		if (strchr(rest, *s) == NULL)
			return 0;
	}
	return 1;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"

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

static int
parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return (errno != 0 || end == s || *end != '\0') ? -1 : 0;
}

static void
set_enum(struct loader *l, const struct keydef *k, const struct ynode *n, int *out)
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

static void
set_scalar(struct loader *l, const struct keydef *k, const struct ynode *n, char *obj)
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
		set_rstr(l, field, n);
		break;
	case K_PLAIN:
		free(*(char **)field);
		*(char **)field = xstrdup(n->value);
		break;
	case K_ID:
	case K_NAME:
		if (k->type == K_ID ? !matches_charset(n->value, LOWER DIGITS, LOWER DIGITS "-") :
		    !matches_charset(n->value, LOWER "_", LOWER DIGITS "_"))
			error_at(l, n->pos, "'%s' is not a valid %s", n->value, k->type == K_ID ?
			    "id (use lower-case letters, digits and '-')" :
			    "name (use lower-case letters, digits and '_', not starting with a digit)");
		free(*(char **)field);
		*(char **)field = xstrdup(n->value);
		break;
	case K_DURATION:
		if (duration_parse(n->value, &ms) != 0)
			error_at(l, n->pos, "'%s' is not a valid duration for '%s' (like 90s, 2m, 1h30m)",
			    n->value, k->name);
		else
			*(int64_t *)field = ms;
		break;
	case K_INT:
		if (parse_long(n->value, &v) != 0 || v < k->min || v > k->max)
			diags_add(l->diags, DIAG_ERROR, l->file, n->pos,
			    "'%s' must be a whole number from %ld to %ld", k->name, k->min, k->max);
		else
			*(int *)field = (int)v;
		break;
	case K_BOOL:
		if (parse_bool(n->value, field) != 0)
			error_at(l, n->pos, "'%s' must be true or false, not '%s'", k->name, n->value);
		break;
	case K_ENUM:
		set_enum(l, k, n, field);
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
		error_at(l, n->pos, "'approvers' must be a list of logins and @groups, like [alice, \"@dba\"], "
		    "not %s", ynode_type_name(n));
		return;
	}
	approvers_free(a);
	a->given = 1;
	a->pos = n->pos;
	a->names = xcalloc((size_t)n->nitems + 1, sizeof *a->names);
	for (int i = 0; i < n->nitems; i++) {
		if (!want_scalar(l, n->items[i], "approvers"))
			continue;
		v = n->items[i]->value;
		/* The characters useradd and groupadd allow, so a name is one word. */
		if (!matches_charset(v + (*v == '@'), LOWER "_", LOWER DIGITS "_.-"))
			error_at(l, n->items[i]->pos, "'%s' is not a login or an @group (lower-case letters, "
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

static const struct ynode *
map_get(const struct ynode *map, const char *name)
{
	for (int i = 0; i < YMAP_PAIRS(map); i++) {
		const struct ynode *k = YMAP_KEY(map, i);

		if (k->type == YNODE_SCALAR && strcmp(k->value, name) == 0)
			return YMAP_VALUE(map, i);
	}
	return NULL;
}

static void
load_map(struct loader *l, const struct ynode *map, const struct keydef *table, void *obj,
    const char *what)
{
	if (map->type != YNODE_MAP) {
		error_at(l, map->pos, "%s must be a mapping of keys to values, not %s", what,
		    ynode_type_name(map));
		return;
	}
	for (int i = 0; i < YMAP_PAIRS(map); i++) {
		const struct ynode *key = YMAP_KEY(map, i), *val = YMAP_VALUE(map, i);
		const struct keydef *k;

		if (key->type != YNODE_SCALAR) {
			error_at(l, key->pos, "keys in %s must be plain words", what);
			continue;
		}
		if ((k = find_key(table, key->value)) == NULL)
			unknown_key(l, key, table, what);
		else if (k->type == K_CUSTOM)
			k->parse(l, val, obj);
		else if (k->type == K_APPROVERS)
			load_approvers(l, val, (struct approvers *)((char *)obj + k->offset));
		else if (want_scalar(l, val, k->name))
			set_scalar(l, k, val, obj);
	}
	for (; table->name != NULL; table++) {
		if ((table->flags & KEY_REQUIRED) && map_get(map, table->name) == NULL)
			diags_add(l->diags, DIAG_ERROR, l->file, map->pos, "%s is missing the required key '%s'",
			    what, table->name);
	}
}

/* A NAME: value mapping, as env and http headers are. */
static void
load_kv(struct loader *l, const struct ynode *n, struct kv **list, int *count, const char *what)
{
	if (n->type != YNODE_MAP) {
		error_at(l, n->pos, "'%s' must be a mapping of names to values, not %s", what,
		    ynode_type_name(n));
		return;
	}
	/* Room for every pair at once: growing by one is quadratic on big maps. */
	*list = xreallocarray(*list, (size_t)*count + (size_t)YMAP_PAIRS(n), sizeof **list);
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i), *v = YMAP_VALUE(n, i);
		struct kv *e;

		if (k->type != YNODE_SCALAR || !want_scalar(l, v, k->type == YNODE_SCALAR ? k->value : what))
			continue;
		if (strcmp(what, "env") == 0 && !matches_charset(k->value,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ" LOWER "_", "ABCDEFGHIJKLMNOPQRSTUVWXYZ" LOWER DIGITS "_")) {
			error_at(l, k->pos, "'%s' is not a valid environment variable name", k->value);
			continue;
		}
		e = &(*list)[(*count)++];
		memset(e, 0, sizeof *e);
		e->key = xstrdup(k->value);
		set_rstr(l, &e->value, v);
	}
}

/* --- runbook tables --- */

static const char *const param_type_names[] = {
	"string", "secret", "choice", "timestamp", "int", "bool", "hosts", "list", NULL
};
static const char *const shell_names[] = { "sh", "bash", NULL };
static const char *const confirm_names[] = { "yes", "no", "type", "approval", NULL };
static const char *const capture_from_names[] = { "output", "last_line", "regex", "cell", NULL };
static const char *const on_failure_names[] = { "ask", "abort", "continue", NULL };
static const char *const notify_names[] = { "slack", "webhook", "statuspage", "email", NULL };

static void
parse_choices(struct loader *l, const struct ynode *n, void *obj)
{
	struct param *p = obj;

	if (n->type != YNODE_SEQ) {
		error_at(l, n->pos, "'choices' must be a list, like [a, b], not %s", ynode_type_name(n));
		return;
	}
	p->choices = xcalloc((size_t)n->nitems + 1, sizeof *p->choices);
	for (int i = 0; i < n->nitems; i++) {
		if (want_scalar(l, n->items[i], "choices"))
			p->choices[p->nchoices++] = xstrdup(n->items[i]->value);
	}
}

/* A list param's default may be a YAML list: its items, one a line. */
static void
parse_param_default(struct loader *l, const struct ynode *n, void *obj)
{
	struct param *p = obj;
	struct strbuf b;

	if (n->type != YNODE_SEQ) {
		if (want_scalar(l, n, "default"))
			set_rstr(l, &p->def, n);
		return;
	}
	strbuf_init(&b);
	for (int i = 0; i < n->nitems; i++) {
		if (!want_scalar(l, n->items[i], "default"))
			continue;
		if (strchr(n->items[i]->value, '\n') != NULL)
			error_at(l, n->items[i]->pos, "an item of a list cannot hold a newline");
		if (b.len > 0)
			strbuf_addch(&b, '\n');
		strbuf_adds(&b, n->items[i]->value);
	}
	free(p->def.s);
	p->def.s = strbuf_detach(&b);
	p->def.pos = n->pos;
	p->def.style = RSTR_PLAIN;
	p->def_is_list = 1;
}

#define PF(f) offsetof(struct param, f)
static const struct keydef param_keys[] = {
	{ "name", K_NAME, KEY_REQUIRED, PF(name), 0, 0, NULL, NULL },
	{ "type", K_ENUM, 0, PF(type), 0, 0, param_type_names, NULL },
	{ "prompt", K_PLAIN, 0, PF(prompt), 0, 0, NULL, NULL },
	{ "help", K_PLAIN, 0, PF(help), 0, 0, NULL, NULL },
	{ "default", K_CUSTOM, 0, 0, 0, 0, NULL, parse_param_default },
	{ "required", K_BOOL, 0, PF(required), 0, 0, NULL, NULL },
	{ "choices", K_CUSTOM, 0, 0, 0, 0, NULL, parse_choices },
	{ "generate", K_INT, 0, PF(generate), 8, 4096, NULL, NULL },
	{ "pattern", K_TEXT, 0, PF(pattern), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static const char *const sql_check_names[] = { "none", "replication_lag", "in_recovery", NULL };

#define SQ(f) offsetof(struct step, sql.f)
static const struct keydef sql_keys[] = {
	{ "conninfo", K_TEXT, KEY_REQUIRED, SQ(conninfo), 0, 0, NULL, NULL },
	{ "query", K_TEXT, 0, SQ(query), 0, 0, NULL, NULL },
	{ "expect", K_TEXT, 0, SQ(expect), 0, 0, NULL, NULL },
	{ "check", K_ENUM, 0, SQ(check), 0, 0, sql_check_names, NULL },
	{ "promote", K_BOOL, 0, SQ(promote), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_headers(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	load_kv(l, n, &s->http.headers, &s->http.nheaders, "headers");
}

#define HT(f) offsetof(struct step, http.f)
static const struct keydef http_keys[] = {
	{ "url", K_TEXT, KEY_REQUIRED, HT(url), 0, 0, NULL, NULL },
	{ "method", K_TEXT, 0, HT(method), 0, 0, NULL, NULL },
	{ "headers", K_CUSTOM, 0, 0, 0, 0, NULL, parse_headers },
	{ "body", K_TEXT, 0, HT(body), 0, 0, NULL, NULL },
	{ "expect_status", K_INT, 0, HT(expect_status), 100, 599, NULL, NULL },
	{ "expect_body", K_TEXT, 0, HT(expect_body), 0, 0, NULL, NULL },
	{ "insecure", K_BOOL, 0, HT(insecure), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_recipients(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;
	const struct ynode *one = n;
	int count = n->type == YNODE_SEQ ? n->nitems : 1;

	s->notify.to = xcalloc((size_t)count, sizeof *s->notify.to);
	for (int i = 0; i < count; i++) {
		if (n->type == YNODE_SEQ)
			one = n->items[i];
		if (want_scalar(l, one, "to"))
			set_rstr(l, &s->notify.to[s->notify.nto++], one);
	}
}

#define NT(f) offsetof(struct step, notify.f)
static const struct keydef notify_keys[] = {
	{ "type", K_ENUM, KEY_REQUIRED, NT(kind), 0, 0, notify_names, NULL },
	{ "url", K_TEXT, 0, NT(url), 0, 0, NULL, NULL },
	{ "channel", K_TEXT, 0, NT(channel), 0, 0, NULL, NULL },
	{ "message", K_TEXT, KEY_REQUIRED, NT(message), 0, 0, NULL, NULL },
	{ "component", K_TEXT, 0, NT(component), 0, 0, NULL, NULL },
	{ "status", K_TEXT, 0, NT(status), 0, 0, NULL, NULL },
	{ "api_key", K_TEXT, 0, NT(api_key), 0, 0, NULL, NULL },
	{ "smtp_url", K_TEXT, 0, NT(smtp_url), 0, 0, NULL, NULL },
	{ "from", K_TEXT, 0, NT(from), 0, 0, NULL, NULL },
	{ "to", K_CUSTOM, 0, 0, 0, 0, NULL, parse_recipients },
	{ "subject", K_TEXT, 0, NT(subject), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

#define ST(f) offsetof(struct step, f)
static const struct keydef expect_keys[] = {
	{ "exit", K_INT, 0, ST(expect_exit), 0, 255, NULL, NULL },
	{ "output", K_TEXT, 0, ST(expect_output), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_sql(struct loader *l, const struct ynode *n, void *obj)
{
	load_map(l, n, sql_keys, obj, "sql");
}

static void
parse_http(struct loader *l, const struct ynode *n, void *obj)
{
	load_map(l, n, http_keys, obj, "http");
}

static void
parse_notify(struct loader *l, const struct ynode *n, void *obj)
{
	load_map(l, n, notify_keys, obj, "notify");
}

static void
parse_expect(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	load_map(l, n, expect_keys, obj, "expect");
	if (n->type == YNODE_MAP && map_get(n, "exit") != NULL)
		s->has_expect_exit = 1;
}

static const struct keydef drill_step_keys[] = {
	{ "run", K_TEXT, KEY_REQUIRED, ST(drill_run), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* drill: skip, or drill: { run: STAND-IN } */
static void
parse_step_drill(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	if (n->type == YNODE_SCALAR) {
		if (strcmp(n->value, "skip") == 0)
			s->drill = DRILL_SKIP;
		else
			error_at(l, n->pos, "'drill' is 'skip' or a mapping like { run: COMMAND }, not '%s'",
			    n->value);
		return;
	}
	load_map(l, n, drill_step_keys, obj, "drill");
	s->drill = DRILL_STANDIN;
}

#define CP(f) offsetof(struct step, capture.f)
static const struct keydef capture_keys[] = {
	{ "name", K_NAME, KEY_REQUIRED, CP(name), 0, 0, NULL, NULL },
	{ "from", K_ENUM, 0, CP(from), 0, 0, capture_from_names, NULL },
	{ "regex", K_TEXT, 0, CP(regex), 0, 0, NULL, NULL },
	{ "group", K_INT, 0, CP(group), 0, 9, NULL, NULL },
	{ "secret", K_BOOL, 0, CP(secret), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* capture: NAME, or capture: { name, from, regex, group, secret } */
static void
parse_capture(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;
	const struct keydef *k = &capture_keys[0];

	s->capture.pos = n->pos;
	if (n->type == YNODE_SCALAR) {
		set_scalar(l, k, n, obj);
		return;
	}
	load_map(l, n, capture_keys, obj, "capture");
	if (n->type == YNODE_MAP && map_get(n, "regex") != NULL && map_get(n, "from") == NULL)
		s->capture.from = CAPTURE_REGEX;
	if (n->type == YNODE_MAP && map_get(n, "group") == NULL)
		s->capture.group = 1;
}

static const struct keydef until_keys[] = {
	{ "every", K_DURATION, KEY_REQUIRED, ST(until_every_ms), 0, 0, NULL, NULL },
	{ "within", K_DURATION, KEY_REQUIRED, ST(until_within_ms), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_until(struct loader *l, const struct ynode *n, void *obj)
{
	load_map(l, n, until_keys, obj, "until");
}

#define VS(f) offsetof(struct step, verify_sql.f)
static const struct keydef verify_sql_keys[] = {
	{ "conninfo", K_TEXT, KEY_REQUIRED, VS(conninfo), 0, 0, NULL, NULL },
	{ "query", K_TEXT, KEY_REQUIRED, VS(query), 0, 0, NULL, NULL },
	{ "expect", K_TEXT, 0, VS(expect), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

#define VH(f) offsetof(struct step, verify_http.f)
static const struct keydef verify_http_keys[] = {
	{ "url", K_TEXT, KEY_REQUIRED, VH(url), 0, 0, NULL, NULL },
	{ "method", K_TEXT, 0, VH(method), 0, 0, NULL, NULL },
	{ "body", K_TEXT, 0, VH(body), 0, 0, NULL, NULL },
	{ "expect_status", K_INT, 0, VH(expect_status), 100, 599, NULL, NULL },
	{ "expect_body", K_TEXT, 0, VH(expect_body), 0, 0, NULL, NULL },
	{ "insecure", K_BOOL, 0, VH(insecure), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_verify_sql(struct loader *l, const struct ynode *n, void *obj)
{
	((struct step *)obj)->verify_action = ACTION_SQL;
	load_map(l, n, verify_sql_keys, obj, "verify.sql");
}

static void
parse_verify_http(struct loader *l, const struct ynode *n, void *obj)
{
	((struct step *)obj)->verify_action = ACTION_HTTP;
	load_map(l, n, verify_http_keys, obj, "verify.http");
}

static void
parse_verify_run(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	s->verify_action = ACTION_RUN;
	if (want_scalar(l, n, "run"))
		set_rstr(l, &s->verify_run, n);
}

static const struct keydef verify_keys[] = {
	{ "run", K_CUSTOM, 0, 0, 0, 0, NULL, parse_verify_run },
	{ "sql", K_CUSTOM, 0, 0, 0, 0, NULL, parse_verify_sql },
	{ "http", K_CUSTOM, 0, 0, 0, 0, NULL, parse_verify_http },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* verify: { run | sql | http }: a second action that must pass too. */
static void
parse_verify(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	load_map(l, n, verify_keys, obj, "verify");
	if (n->type == YNODE_MAP && YMAP_PAIRS(n) != 1)
		error_at(l, n->pos, "step '%s': 'verify' needs exactly one of run, sql or http",
		    s->id != NULL ? s->id : "?");
}

/* policy: all | any | N (at least N hosts must succeed) */
static void
parse_policy(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;
	long v;

	if (!want_scalar(l, n, "policy"))
		return;
	if (strcmp(n->value, "all") == 0)
		s->policy = POLICY_ALL;
	else if (strcmp(n->value, "any") == 0)
		s->policy = POLICY_ANY;
	else if (parse_long(n->value, &v) == 0 && v >= 1 && v <= 1000) {
		s->policy = POLICY_AT_LEAST;
		s->at_least = (int)v;
	} else
		error_at(l, n->pos, "'policy' is all, any, or a number of hosts that must succeed, not '%s'",
		    n->value);
}

static void
parse_step_env(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	load_kv(l, n, &s->env, &s->nenv, "env");
}

/* A step's shell: 0 stays "the runbook's", so the choice is 1 + index. */
static void
parse_step_shell(struct loader *l, const struct ynode *n, void *obj)
{
	static const struct keydef key = { "shell", K_ENUM, 0, 0, 0, 0, shell_names, NULL };
	struct step *s = obj;
	int v = -1;

	if (!want_scalar(l, n, "shell"))
		return;
	set_enum(l, &key, n, &v);
	if (v >= 0)
		s->shell = v + 1;
	s->shell_pos = n->pos;
}

static const struct keydef step_keys[] = {
	{ "id", K_ID, KEY_REQUIRED, ST(id), 0, 0, NULL, NULL },
	{ "title", K_TEXT, KEY_REQUIRED, ST(title), 0, 0, NULL, NULL },
	{ "phase", K_TEXT, 0, ST(phase), 0, 0, NULL, NULL },
	{ "why", K_TEXT, 0, ST(why), 0, 0, NULL, NULL },
	{ "run", K_TEXT, 0, ST(run), 0, 0, NULL, NULL },
	{ "sql", K_CUSTOM, 0, 0, 0, 0, NULL, parse_sql },
	{ "http", K_CUSTOM, 0, 0, 0, 0, NULL, parse_http },
	{ "notify", K_CUSTOM, 0, 0, 0, 0, NULL, parse_notify },
	{ "manual", K_TEXT, 0, ST(manual), 0, 0, NULL, NULL },
	{ "confirm", K_ENUM, 0, ST(confirm), 0, 0, confirm_names, NULL },
	{ "timeout", K_DURATION, 0, ST(timeout_ms), 0, 0, NULL, NULL },
	{ "retries", K_INT, 0, ST(retries), 0, 100, NULL, NULL },
	{ "retry_delay", K_DURATION, 0, ST(retry_delay_ms), 0, 0, NULL, NULL },
	{ "on_failure", K_ENUM, 0, ST(on_failure), 0, 0, on_failure_names, NULL },
	{ "rollback", K_TEXT, 0, ST(rollback), 0, 0, NULL, NULL },
	{ "expect", K_CUSTOM, 0, 0, 0, 0, NULL, parse_expect },
	{ "pty", K_BOOL, 0, ST(pty), 0, 0, NULL, NULL },
	{ "env", K_CUSTOM, 0, 0, 0, 0, NULL, parse_step_env },
	{ "expected_duration", K_DURATION, 0, ST(expected_duration_ms), 0, 0, NULL, NULL },
	{ "when", K_TEXT, 0, ST(when), 0, 0, NULL, NULL },
	{ "drill", K_CUSTOM, 0, 0, 0, 0, NULL, parse_step_drill },
	{ "on", K_TEXT, 0, ST(on), 0, 0, NULL, NULL },
	{ "max_parallel", K_INT, 0, ST(max_parallel), 1, 1000, NULL, NULL },
	{ "policy", K_CUSTOM, 0, 0, 0, 0, NULL, parse_policy },
	{ "forward_agent", K_BOOL, 0, ST(forward_agent), 0, 0, NULL, NULL },
	{ "cwd", K_TEXT, 0, ST(cwd), 0, 0, NULL, NULL },
	{ "shell", K_CUSTOM, 0, 0, 0, 0, NULL, parse_step_shell },
	{ "interactive", K_BOOL, 0, ST(interactive), 0, 0, NULL, NULL },
	{ "stop_ok", K_BOOL, 0, ST(stop_ok), 0, 0, NULL, NULL },
	{ "detach", K_BOOL, 0, ST(detach), 0, 0, NULL, NULL },
	{ "capture", K_CUSTOM, 0, 0, 0, 0, NULL, parse_capture },
	{ "until", K_CUSTOM, 0, 0, 0, 0, NULL, parse_until },
	{ "wait", K_DURATION, 0, ST(wait_ms), 0, 0, NULL, NULL },
	{ "verify", K_CUSTOM, 0, 0, 0, 0, NULL, parse_verify },
	{ "approvers", K_APPROVERS, 0, ST(approvers), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* The action keys, in enum step_action order after ACTION_NONE. */
static const char *const action_keys[] = { "run", "sql", "http", "notify", "manual", "wait", NULL };

static void
find_action(struct loader *l, const struct ynode *map, struct step *s)
{
	const struct ynode *first = NULL;

	for (int i = 0; i < YMAP_PAIRS(map); i++) {
		const struct ynode *k = YMAP_KEY(map, i);

		for (int a = 0; k->type == YNODE_SCALAR && action_keys[a] != NULL; a++) {
			if (strcmp(k->value, action_keys[a]) != 0)
				continue;
			if (first != NULL) {
				diags_add(l->diags, DIAG_ERROR, l->file, k->pos,
				    "step '%s' has more than one action ('%s' and '%s'): give exactly one",
				    s->id ? s->id : "?", first->value, k->value);
				continue;
			}
			first = k;
			s->action = (enum step_action)(a + 1);
		}
	}
	if (first == NULL)
		diags_add(l->diags, DIAG_ERROR, l->file, map->pos,
		    "step '%s' has no action: give one of run, sql, http, notify or manual",
		    s->id ? s->id : "?");
}

static void
load_step(struct loader *l, const struct ynode *n, struct step *s)
{
	s->pos = n->pos;
	load_map(l, n, step_keys, s, "a step");
	if (n->type == YNODE_MAP)
		find_action(l, n, s);
}

static void
load_list(struct loader *l, const struct ynode *n, const char *key, void **arr, int *count,
    size_t size, void (*one)(struct loader *, const struct ynode *, void *))
{
	if (n->type != YNODE_SEQ) {
		error_at(l, n->pos, "'%s' must be a list (items start with '- '), not %s", key,
		    ynode_type_name(n));
		return;
	}
	*arr = xcalloc((size_t)n->nitems, size);
	for (int i = 0; i < n->nitems; i++) {
		one(l, n->items[i], (char *)*arr + (size_t)(*count) * size);
		(*count)++;
	}
}

static void
parse_include_params(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	load_kv(l, n, &s->include_params, &s->ninclude_params, "params");
}

static const struct keydef include_keys[] = {
	{ "include", K_TEXT, KEY_REQUIRED, ST(include), 0, 0, NULL, NULL },
	{ "params", K_CUSTOM, 0, 0, 0, 0, NULL, parse_include_params },
	{ "phase", K_TEXT, 0, ST(phase), 0, 0, NULL, NULL },
	{ "as", K_ID, 0, ST(include_as), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* A steps item is a step, or { include: RUNBOOK, params, phase, as }. */
static void
load_one_step(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	if (n->type == YNODE_MAP && map_get(n, "include") != NULL) {
		s->pos = n->pos;
		load_map(l, n, include_keys, obj, "an include");
		return;
	}
	load_step(l, n, obj);
}

static void
load_one_param(struct loader *l, const struct ynode *n, void *obj)
{
	struct param *p = obj;

	p->pos = n->pos;
	load_map(l, n, param_keys, obj, "a param");
}

static void
parse_steps(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	load_list(l, n, "steps", (void **)&rb->steps, &rb->nsteps, sizeof *rb->steps, load_one_step);
	if (n->type == YNODE_SEQ && n->nitems == 0)
		error_at(l, n->pos, "'steps' is empty: a runbook needs at least one step");
}

static void
parse_params(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	load_list(l, n, "params", (void **)&rb->params, &rb->nparams, sizeof *rb->params,
	    load_one_param);
}

static void
parse_env(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	load_kv(l, n, &rb->env, &rb->nenv, "env");
}

#define RB(f) offsetof(struct runbook, f)
static const struct keydef objective_keys[] = {
	{ "rto", K_DURATION, 0, RB(rto_ms), 0, 0, NULL, NULL },
	{ "rpo", K_DURATION, 0, RB(rpo_ms), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_objectives(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	rb->has_objectives = 1;
	load_map(l, n, objective_keys, obj, "objectives");
}

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
	return matches_charset(s, LOWER DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	    LOWER DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.");
}

/* hosts: { db1: { address: 10.0.0.5, user: ops }, db2: {}, bastion-known: ~ } */
static void
parse_hosts(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	if (n->type != YNODE_MAP) {
		error_at(l, n->pos, "'hosts' must map host names to settings, not %s", ynode_type_name(n));
		return;
	}
	rb->hosts = xcalloc((size_t)YMAP_PAIRS(n) + 1, sizeof *rb->hosts);
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i), *v = YMAP_VALUE(n, i);
		struct host_def *h = &rb->hosts[rb->nhosts];

		if (k->type != YNODE_SCALAR || !valid_host_name(k->value)) {
			error_at(l, k->pos, "a host name is letters, digits, '-', '_' and '.'");
			continue;
		}
		h->name = xstrdup(k->value);
		h->pos = k->pos;
		rb->nhosts++;
		/* A bare name (null or empty) means ~/.ssh/config knows it. */
		if (v->type == YNODE_SCALAR && (v->value[0] == '\0' || strcmp(v->value, "~") == 0 ||
		    strcmp(v->value, "null") == 0))
			continue;
		load_map(l, v, host_keys, h, "a host");
	}
}

/* groups: { databases: [db1, db2], all: [databases, web1] } */
static void
parse_groups(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	if (n->type != YNODE_MAP) {
		error_at(l, n->pos, "'groups' must map group names to lists of hosts, not %s", ynode_type_name(n));
		return;
	}
	rb->groups = xcalloc((size_t)YMAP_PAIRS(n) + 1, sizeof *rb->groups);
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i), *v = YMAP_VALUE(n, i);
		struct host_group *g = &rb->groups[rb->ngroups];

		if (k->type != YNODE_SCALAR || !valid_host_name(k->value)) {
			error_at(l, k->pos, "a group name is letters, digits, '-', '_' and '.'");
			continue;
		}
		if (v->type != YNODE_SEQ) {
			error_at(l, v->pos, "group '%s' must be a list of host names", k->value);
			continue;
		}
		g->name = xstrdup(k->value);
		g->pos = k->pos;
		g->members = xcalloc((size_t)v->nitems + 1, sizeof *g->members);
		for (int m = 0; m < v->nitems; m++) {
			if (want_scalar(l, v->items[m], "a group member"))
				g->members[g->nmembers++] = xstrdup(v->items[m]->value);
		}
		rb->ngroups++;
	}
}

#define EV(f) offsetof(struct environment, f)

static void
parse_env_params(struct loader *l, const struct ynode *n, void *obj)
{
	struct environment *ev = obj;

	load_kv(l, n, &ev->params, &ev->nparams, "params");
}

static void
parse_env_env(struct loader *l, const struct ynode *n, void *obj)
{
	struct environment *ev = obj;

	load_kv(l, n, &ev->env, &ev->nenv, "env");
}

static const struct keydef environment_keys[] = {
	{ "params", K_CUSTOM, 0, 0, 0, 0, NULL, parse_env_params },
	{ "env", K_CUSTOM, 0, 0, 0, 0, NULL, parse_env_env },
	{ "production", K_BOOL, 0, EV(production), 0, 0, NULL, NULL },
	{ "approvers", K_APPROVERS, 0, EV(approvers), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* environments: { production: {...}, staging: {...} } */
static void
parse_environments(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	if (n->type != YNODE_MAP) {
		error_at(l, n->pos, "'environments' must map names to settings, not %s", ynode_type_name(n));
		return;
	}
	rb->environments = xcalloc((size_t)YMAP_PAIRS(n) + 1, sizeof *rb->environments);
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i);
		struct environment *ev = &rb->environments[rb->nenvironments];

		if (k->type != YNODE_SCALAR || !matches_charset(k->value, LOWER, LOWER DIGITS "-_")) {
			error_at(l, k->pos, "an environment name is a lower-case word like staging");
			continue;
		}
		ev->name = xstrdup(k->value);
		ev->pos = k->pos;
		load_map(l, YMAP_VALUE(n, i), environment_keys, ev, "an environment");
		ev->production |= strcmp(ev->name, "production") == 0;
		rb->nenvironments++;
	}
}

#define CR(f) offsetof(struct criterion, f)
static const struct keydef criterion_keys[] = {
	{ "name", K_PLAIN, KEY_REQUIRED, CR(name), 0, 0, NULL, NULL },
	{ "when", K_TEXT, KEY_REQUIRED, CR(when), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
load_one_criterion(struct loader *l, const struct ynode *n, void *obj)
{
	load_map(l, n, criterion_keys, obj, "a success criterion");
}

static void
parse_criteria(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	load_list(l, n, "success_criteria", (void **)&rb->criteria, &rb->ncriteria, sizeof *rb->criteria,
	    load_one_criterion);
}

static const struct keydef drill_keys[] = {
	{ "target_rto", K_DURATION, 0, offsetof(struct runbook, drill_target_rto_ms), 0, 0, NULL, NULL },
	{ "environment", K_PLAIN, 0, offsetof(struct runbook, drill_environment), 0, 0, NULL, NULL },
	{ "channel", K_TEXT, 0, offsetof(struct runbook, drill_channel), 0, 0, NULL, NULL },
	{ "success_criteria", K_CUSTOM, 0, 0, 0, 0, NULL, parse_criteria },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_drill(struct loader *l, const struct ynode *n, void *obj)
{
	load_map(l, n, drill_keys, obj, "drill");
}

static const struct keydef runbook_keys[] = {
	{ "id", K_ID, KEY_REQUIRED, RB(id), 0, 0, NULL, NULL },
	{ "title", K_TEXT, KEY_REQUIRED, RB(title), 0, 0, NULL, NULL },
	{ "scenario", K_PLAIN, 0, RB(scenario), 0, 0, NULL, NULL },
	{ "system", K_PLAIN, 0, RB(system), 0, 0, NULL, NULL },
	{ "trigger", K_PLAIN, 0, RB(trigger), 0, 0, NULL, NULL },
	{ "description", K_PLAIN, 0, RB(description), 0, 0, NULL, NULL },
	{ "notes", K_PLAIN, 0, RB(notes), 0, 0, NULL, NULL },
	{ "objectives", K_CUSTOM, 0, 0, 0, 0, NULL, parse_objectives },
	{ "params", K_CUSTOM, 0, 0, 0, 0, NULL, parse_params },
	{ "env", K_CUSTOM, 0, 0, 0, 0, NULL, parse_env },
	{ "cwd", K_TEXT, 0, RB(cwd), 0, 0, NULL, NULL },
	{ "shell", K_ENUM, 0, RB(shell), 0, 0, shell_names, NULL },
	{ "steps", K_CUSTOM, KEY_REQUIRED, 0, 0, 0, NULL, parse_steps },
	{ "environments", K_CUSTOM, 0, 0, 0, 0, NULL, parse_environments },
	{ "hosts", K_CUSTOM, 0, 0, 0, 0, NULL, parse_hosts },
	{ "groups", K_CUSTOM, 0, 0, 0, 0, NULL, parse_groups },
	{ "drill", K_CUSTOM, 0, 0, 0, 0, NULL, parse_drill },
	{ "approvers", K_APPROVERS, 0, RB(approvers), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* --- entry points --- */

static void
hash_bytes(const unsigned char *buf, size_t len, unsigned char out[32])
{
	unsigned int n = 32;

	if (!EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL))
		memset(out, 0, 32);
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
	load_map(&l, ydoc_root(l.doc), runbook_keys, l.rb, "a runbook");
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
