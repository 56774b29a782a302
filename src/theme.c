/* theme.c: colour themes. The roles, colour names, attributes and theme keys
 * are closed sets kept as tables, so the loader is a loop over tables and
 * every unknown word gets a "did you mean". The built-in default and
 * monochrome themes live here too, so the console draws sensibly with no
 * theme files installed at all. No curses here: the UI maps the model. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "strbuf.h"
#include "theme.h"
#include "xmalloc.h"
#include "yamldoc.h"

#define THEME_ROLE_NAME(id, name) name,
static const char *const role_names[ROLE_COUNT + 1] = {
	THEME_ROLES(THEME_ROLE_NAME)
	NULL
};
#undef THEME_ROLE_NAME

/* Colour names in order: the value of a name is its index minus one, so
 * "default" is -1 and "bright-white" is 15, as terminals number them. */
static const char *const color_names[] = {
	"default", "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow", "bright-blue",
	"bright-magenta", "bright-cyan", "bright-white", NULL
};

/* Attribute names in THEME_* bit order: the flag of a name is 1 << index. */
static const char *const attr_names[] = {
	"bold", "dim", "underline", "reverse", "standout", "italic", NULL
};
_Static_assert(THEME_ITALIC == 1 << 5, "attr_names follows the THEME_* bits");

enum {
	C_NONE = THEME_DEFAULT_COLOR,
	C_BLACK, C_RED, C_GREEN, C_YELLOW, C_BLUE, C_MAGENTA, C_CYAN, C_WHITE
};

#define B THEME_BOLD
#define D THEME_DIM
#define U THEME_UNDERLINE
#define R THEME_REVERSE

/* The default theme: the 8 basic colours, so it works on any colour
 * terminal, and text on the terminal's own background, so it reads on light
 * and dark terminals alike. Solid backgrounds only where something must jump
 * out (badges, bars, selection, dialogs). themes/default.yaml matches it. */
static const struct theme_style default_styles[ROLE_COUNT] = {
	[ROLE_NORMAL] = { C_NONE, C_NONE, 0 },
	[ROLE_TITLE] = { C_NONE, C_NONE, B },
	[ROLE_BORDER] = { C_BLUE, C_NONE, 0 },
	[ROLE_DIM] = { C_NONE, C_NONE, D },
	[ROLE_SELECTION] = { C_BLACK, C_CYAN, 0 },
	[ROLE_SELECTION_INACTIVE] = { C_BLACK, C_WHITE, 0 },
	[ROLE_STATUS_PENDING] = { C_NONE, C_NONE, D },
	[ROLE_STATUS_RUNNING] = { C_CYAN, C_NONE, B },
	[ROLE_STATUS_OK] = { C_GREEN, C_NONE, 0 },
	[ROLE_STATUS_FAILED] = { C_RED, C_NONE, B },
	[ROLE_STATUS_TIMEOUT] = { C_RED, C_NONE, U },
	[ROLE_STATUS_CANCELLED] = { C_YELLOW, C_NONE, 0 },
	[ROLE_STATUS_SKIPPED] = { C_BLUE, C_NONE, 0 },
	[ROLE_STATUS_INTERRUPTED] = { C_MAGENTA, C_NONE, B },
	[ROLE_STDERR] = { C_RED, C_NONE, 0 },
	[ROLE_COMMAND] = { C_CYAN, C_NONE, 0 },
	[ROLE_WHY] = { C_GREEN, C_NONE, 0 },
	[ROLE_PHASE] = { C_NONE, C_NONE, B | U },
	[ROLE_BADGE_LIVE] = { C_WHITE, C_RED, B },
	[ROLE_BADGE_DRILL] = { C_BLACK, C_YELLOW, B },
	[ROLE_BADGE_DRY_RUN] = { C_WHITE, C_BLUE, B },
	[ROLE_BADGE_TRAINING] = { C_BLACK, C_GREEN, B },
	[ROLE_RTO_OK] = { C_GREEN, C_NONE, 0 },
	[ROLE_RTO_WARN] = { C_YELLOW, C_NONE, B },
	[ROLE_RTO_OVER] = { C_RED, C_NONE, B },
	[ROLE_DIALOG] = { C_BLACK, C_WHITE, 0 },
	[ROLE_DIALOG_TITLE] = { C_BLUE, C_WHITE, B },
	[ROLE_DANGER] = { C_YELLOW, C_RED, B },
	[ROLE_INPUT] = { C_NONE, C_NONE, U },
	[ROLE_HELP_KEY] = { C_YELLOW, C_BLUE, B },
	[ROLE_TIMELINE_TIME] = { C_CYAN, C_NONE, 0 },
	[ROLE_TIMELINE_NOTE] = { C_YELLOW, C_NONE, 0 },
	[ROLE_SEARCH_MATCH] = { C_BLACK, C_YELLOW, 0 },
	[ROLE_NOTICE] = { C_WHITE, C_MAGENTA, B },
	[ROLE_KEYBAR] = { C_WHITE, C_BLUE, 0 },
};

/* NO_COLOR: attributes only. Bold and reverse carry the alarms (failures,
 * LIVE, the journal notice), dim the things that can wait; none of it needs
 * italic or standout, which many terminals draw as plain text or reverse. */
#define M(attrs) { C_NONE, C_NONE, (attrs) }
static const struct theme_style mono_styles[ROLE_COUNT] = {
	[ROLE_NORMAL] = M(0),
	[ROLE_TITLE] = M(B),
	[ROLE_BORDER] = M(D),
	[ROLE_DIM] = M(D),
	[ROLE_SELECTION] = M(R),
	[ROLE_SELECTION_INACTIVE] = M(U),
	[ROLE_STATUS_PENDING] = M(D),
	[ROLE_STATUS_RUNNING] = M(B | U),
	[ROLE_STATUS_OK] = M(0),
	[ROLE_STATUS_FAILED] = M(B | R),
	[ROLE_STATUS_TIMEOUT] = M(R),
	[ROLE_STATUS_CANCELLED] = M(U),
	[ROLE_STATUS_SKIPPED] = M(D | U),
	[ROLE_STATUS_INTERRUPTED] = M(B),
	[ROLE_STDERR] = M(B),
	[ROLE_COMMAND] = M(U),
	[ROLE_WHY] = M(D),
	[ROLE_PHASE] = M(B),
	[ROLE_BADGE_LIVE] = M(B | R),
	[ROLE_BADGE_DRILL] = M(R),
	[ROLE_BADGE_DRY_RUN] = M(R | U),
	[ROLE_BADGE_TRAINING] = M(R | D),
	[ROLE_RTO_OK] = M(0),
	[ROLE_RTO_WARN] = M(B | U),
	[ROLE_RTO_OVER] = M(B | R | U),
	[ROLE_DIALOG] = M(0),
	[ROLE_DIALOG_TITLE] = M(B),
	[ROLE_DANGER] = M(B | R),
	[ROLE_INPUT] = M(U),
	[ROLE_HELP_KEY] = M(B | U),
	[ROLE_TIMELINE_TIME] = M(D),
	[ROLE_TIMELINE_NOTE] = M(B),
	[ROLE_SEARCH_MATCH] = M(B | U),
	[ROLE_NOTICE] = M(B | R),
	[ROLE_KEYBAR] = M(R),
};
#undef M
#undef B
#undef D
#undef U
#undef R

/* A hostile or badly broken file stops being reported after this many
 * errors: the first ones are what the author needs. */
#define THEME_MAX_ERRORS 50

struct tload {
	const char *file;
	struct diags *d;
	int errors;
};

/* One key of a theme mapping; parse() reads its value into obj. */
struct theme_key {
	const char *name;
	int required;
	void (*parse)(struct tload *, const struct ynode *, void *);
};

/* A style while its role's mapping is read: the nodes are kept so that an
 * unreadable fg/bg pair can be reported where bg was given. */
struct style_load {
	struct theme_style *st;
	const struct ynode *fg, *bg;
};

/* The role names are the file format: they never change meaning. */
const char *
theme_role_name(enum theme_role role)
{
	if ((int)role < 0 || role >= ROLE_COUNT)
		return NULL;
	return role_names[role];
}

static void
theme_fill(struct theme *t, const char *name, const struct theme_style *styles)
{
	t->name = xstrdup(name);
	t->description = NULL;
	memcpy(t->styles, styles, sizeof t->styles);
}

/* The built-in theme, used when no theme file is found or given. */
void
theme_defaults(struct theme *t)
{
	theme_fill(t, "default", default_styles);
}

/* What NO_COLOR asks for: readable with attributes alone. */
void
theme_monochrome(struct theme *t)
{
	theme_fill(t, "monochrome", mono_styles);
}

/* Leaves t empty but valid, so a later load can replace it. */
void
theme_free(struct theme *t)
{
	free(t->name);
	free(t->description);
	t->name = t->description = NULL;
}

/* --- reporting --- */

static void __attribute__((format(printf, 3, 4)))
error_at(struct tload *l, struct srcpos pos, const char *fmt, ...)
{
	va_list ap;

	if (l->errors++ == THEME_MAX_ERRORS) {
		diags_add(l->d, DIAG_ERROR, l->file, pos, "too many errors; the rest are not shown");
		return;
	}
	if (l->errors > THEME_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	diags_addv(l->d, DIAG_ERROR, l->file, pos, fmt, ap);
	va_end(ap);
}

/* "a, b or c": the choices, for an unknown word with no near miss. */
static char *
join_names(const char *const *names)
{
	struct strbuf b;

	strbuf_init(&b);
	for (int i = 0; names[i] != NULL; i++) {
		if (i > 0)
			strbuf_adds(&b, names[i + 1] == NULL ? " or " : ", ");
		strbuf_adds(&b, names[i]);
	}
	return strbuf_detach(&b);
}

/* An unknown word: the near miss when there is one, else usage, if any. */
static void
error_unknown(struct tload *l, const struct ynode *n, const char *what, const char *const *names,
    const char *usage)
{
	const char *hint = loader_suggest(n->value, names);

	if (hint != NULL)
		error_at(l, n->pos, "unknown %s '%s' (did you mean '%s'?)", what, n->value, hint);
	else if (usage != NULL)
		error_at(l, n->pos, "unknown %s '%s': %s", what, n->value, usage);
	else
		error_at(l, n->pos, "unknown %s '%s'", what, n->value);
}

static int
want_scalar(struct tload *l, const struct ynode *n, const char *key)
{
	if (n->type == YNODE_SCALAR)
		return 1;
	error_at(l, n->pos, "'%s' must be a single value, not %s", key, ynode_type_name(n));
	return 0;
}

static int
find_name(const char *const *names, const char *word)
{
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], word) == 0)
			return i;
	}
	return -1;
}

/* --- mappings through key tables --- */

static void
unknown_key(struct tload *l, const struct ynode *key, const struct theme_key *table)
{
	const char *names[8];
	char *usage, *choices;
	int n = 0;

	for (; table[n].name != NULL && n < 7; n++)
		names[n] = table[n].name;
	names[n] = NULL;
	choices = join_names(names);
	usage = xprintf("use %s", choices);
	error_unknown(l, key, "key", names, usage);
	free(usage);
	free(choices);
}

static const struct theme_key *
find_key(const struct theme_key *table, const char *name)
{
	for (; table->name != NULL; table++) {
		if (strcmp(table->name, name) == 0)
			return table;
	}
	return NULL;
}

static int
map_has(const struct ynode *map, const char *name)
{
	for (int i = 0; i < YMAP_PAIRS(map); i++) {
		const struct ynode *k = YMAP_KEY(map, i);

		if (k->type == YNODE_SCALAR && strcmp(k->value, name) == 0)
			return 1;
	}
	return 0;
}

/* Reads map through table; the caller has checked that map is a mapping. */
static void
load_map(struct tload *l, const struct ynode *map, const struct theme_key *table, void *obj,
    const char *what)
{
	for (int i = 0; i < YMAP_PAIRS(map); i++) {
		const struct ynode *key = YMAP_KEY(map, i);
		const struct theme_key *k;

		if (key->type != YNODE_SCALAR)
			error_at(l, key->pos, "keys in %s must be plain words, not %s", what,
			    ynode_type_name(key));
		else if ((k = find_key(table, key->value)) == NULL)
			unknown_key(l, key, table);
		else
			k->parse(l, YMAP_VALUE(map, i), obj);
	}
	for (; table->name != NULL; table++) {
		if (table->required && !map_has(map, table->name))
			error_at(l, map->pos, "%s is missing the required key '%s'", what, table->name);
	}
}

/* --- styles --- */

/* Digits with an optional sign: a colour number, whatever its range. */
static int
looks_numeric(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
	}
	return 1;
}

static void
parse_color(struct tload *l, const struct ynode *n, const char *key, short *out)
{
	long v;
	int i;

	if (!want_scalar(l, n, key))
		return;
	if (looks_numeric(n->value)) {
		errno = 0;
		v = strtol(n->value, NULL, 10);
		if (errno != 0 || v < 0 || v > 255)
			error_at(l, n->pos, "colour number %s is out of range: use 0 to 255, or "
			    "default for the terminal's own colour", n->value);
		else
			*out = (short)v;
		return;
	}
	if ((i = find_name(color_names, n->value)) == -1)
		error_unknown(l, n, "colour", color_names, "use default, a name like red or "
		    "bright-red, or a number from 0 to 255");
	else
		*out = (short)(i - 1);
}

static void
parse_fg(struct tload *l, const struct ynode *n, void *obj)
{
	struct style_load *sl = obj;

	sl->fg = n;
	parse_color(l, n, "fg", &sl->st->fg);
}

static void
parse_bg(struct tload *l, const struct ynode *n, void *obj)
{
	struct style_load *sl = obj;

	sl->bg = n;
	parse_color(l, n, "bg", &sl->st->bg);
}

static void
parse_one_attr(struct tload *l, const struct ynode *n, unsigned *attrs)
{
	char *usage, *choices;
	int i;

	if (n->type != YNODE_SCALAR) {
		error_at(l, n->pos, "each of 'attrs' must be one word like bold, not %s",
		    ynode_type_name(n));
		return;
	}
	if ((i = find_name(attr_names, n->value)) != -1) {
		*attrs |= 1u << i;
		return;
	}
	choices = join_names(attr_names);
	usage = xprintf("use %s", choices);
	error_unknown(l, n, "attribute", attr_names, usage);
	free(usage);
	free(choices);
}

/* A list, or one word on its own: "attrs: bold" means what it says. */
static void
parse_attrs(struct tload *l, const struct ynode *n, void *obj)
{
	struct style_load *sl = obj;

	if (n->type == YNODE_MAP) {
		error_at(l, n->pos, "'attrs' must be a list, like [bold, underline], not %s",
		    ynode_type_name(n));
		return;
	}
	if (n->type == YNODE_SCALAR) {
		parse_one_attr(l, n, &sl->st->attrs);
		return;
	}
	for (int i = 0; i < n->nitems; i++)
		parse_one_attr(l, n->items[i], &sl->st->attrs);
}

static const struct theme_key style_keys[] = {
	{ "fg", 0, parse_fg },
	{ "bg", 0, parse_bg },
	{ "attrs", 0, parse_attrs },
	{ NULL, 0, NULL }
};

/* A role given in the file is exactly what it says: what it leaves out is
 * the terminal default, not a blend with the built-in style, so a theme
 * reads the same whatever the defaults become. */
static void
load_style(struct tload *l, const struct ynode *key, const struct ynode *n, struct theme_style *st)
{
	struct style_load sl = { st, NULL, NULL };
	char *what;

	if (n->type != YNODE_MAP) {
		error_at(l, n->pos, "'%s' must be a mapping like { fg: green, attrs: [bold] }, not %s",
		    key->value, ynode_type_name(n));
		return;
	}
	st->fg = st->bg = THEME_DEFAULT_COLOR;
	st->attrs = 0;
	what = xprintf("'%s'", key->value);
	load_map(l, n, style_keys, &sl, what);
	free(what);
	if (sl.fg != NULL && sl.bg != NULL && st->fg == st->bg && st->fg != THEME_DEFAULT_COLOR)
		error_at(l, sl.bg->pos, "'%s' has the same colour for fg and bg: its text would be "
		    "invisible", key->value);
}

static void
parse_colors(struct tload *l, const struct ynode *n, void *obj)
{
	struct theme *t = obj;
	int role;

	if (n->type != YNODE_MAP) {
		error_at(l, n->pos, "'colors' must be a mapping of roles to styles, not %s",
		    ynode_type_name(n));
		return;
	}
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *key = YMAP_KEY(n, i);

		if (key->type != YNODE_SCALAR)
			error_at(l, key->pos, "roles in 'colors' must be plain words, not %s",
			    ynode_type_name(key));
		else if ((role = find_name(role_names, key->value)) == -1)
			error_unknown(l, key, "role", role_names,
			    "themes/default.yaml lists every role");
		else
			load_style(l, key, YMAP_VALUE(n, i), &t->styles[role]);
	}
}

static void
parse_name(struct tload *l, const struct ynode *n, void *obj)
{
	struct theme *t = obj;

	if (!want_scalar(l, n, "name"))
		return;
	if (*n->value == '\0') {
		error_at(l, n->pos, "'name' is empty");
		return;
	}
	free(t->name);
	t->name = xstrdup(n->value);
}

static void
parse_description(struct tload *l, const struct ynode *n, void *obj)
{
	struct theme *t = obj;

	if (!want_scalar(l, n, "description"))
		return;
	free(t->description);
	t->description = xstrdup(n->value);
}

static const struct theme_key theme_keys[] = {
	{ "name", 0, parse_name },
	{ "description", 0, parse_description },
	{ "colors", 1, parse_colors },
	{ NULL, 0, NULL }
};

/* --- files --- */

static int
has_yaml_suffix(const char *s)
{
	size_t len = strlen(s);

	return len > 5 && strcmp(s + len - 5, ".yaml") == 0;
}

/* "dir/dark.yaml" names the theme "dark" when the file gives no name. */
static char *
file_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base != NULL ? base + 1 : path;
	len = strlen(base);
	return xstrndup(base, has_yaml_suffix(base) ? len - 5 : len);
}

static void
load_root(struct tload *l, const struct ynode *root, struct theme *t)
{
	if (root->type != YNODE_MAP) {
		error_at(l, root->pos, "a theme must be a mapping of keys to values, not %s",
		    ynode_type_name(root));
		return;
	}
	load_map(l, root, theme_keys, t, "a theme");
}

/* Builds the new theme aside, so a broken file never leaves t half set. */
int
theme_load_file(struct theme *t, const char *path, struct diags *d)
{
	struct tload l = { path, d, 0 };
	struct srcpos pos = { 0, 0 };
	struct theme nt;
	struct ydoc *doc;
	char *cause;

	if ((doc = ydoc_load(path, &pos.line, &pos.col, &cause)) == NULL) {
		diags_add(d, DIAG_ERROR, path, pos, "%s", cause);
		free(cause);
		return -1;
	}
	nt.name = nt.description = NULL;
	memcpy(nt.styles, default_styles, sizeof nt.styles);
	load_root(&l, ydoc_root(doc), &nt);
	ydoc_free(doc);
	if (l.errors != 0) {
		theme_free(&nt);
		return -1;
	}
	if (nt.name == NULL)
		nt.name = file_stem(path);
	theme_free(t);
	*t = nt;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A theme in two dirs is one name; names is sorted. */
static int
drop_repeats(char **names, int n)
{
	int out = 0;

	for (int i = 0; i < n; i++) {
		if (out > 0 && strcmp(names[out - 1], names[i]) == 0)
			free(names[i]);
		else
			names[out++] = names[i];
	}
	return out;
}

/* The themes the dirs hold, sorted and NULL-terminated, at most max. */
static int
list_themes(const char *const *dirs, char **names, int max)
{
	struct dirent *de;
	DIR *dp;
	int n = 0;

	for (int i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		if ((dp = opendir(dirs[i])) == NULL)
			continue;
		while (n < max && (de = readdir(dp)) != NULL) {
			if (de->d_name[0] != '.' && has_yaml_suffix(de->d_name))
				names[n++] = file_stem(de->d_name);
		}
		closedir(dp);
	}
	qsort(names, (size_t)n, sizeof *names, name_cmp);
	n = drop_repeats(names, n);
	names[n] = NULL;
	return n;
}

/* Why name was not found, with the themes there are. */
static char *
not_found(const char *name, const char *const *dirs)
{
	char *names[65], *where, *there, *cause;
	const char *hint;
	int n = list_themes(dirs, names, 64);

	where = dirs != NULL && dirs[0] != NULL ? join_names(dirs) : xstrdup("no directory");
	hint = loader_suggest(name, (const char *const *)names);
	there = n > 0 ? join_names((const char *const *)names) : NULL;
	if (hint != NULL && there != NULL)
		cause = xprintf("no theme '%s' in %s (did you mean '%s'? the themes: %s)", name, where, hint, there);
	else if (there != NULL)
		cause = xprintf("no theme '%s' in %s (try %s)", name, where, there);
	else
		cause = xprintf("no theme '%s' in %s", name, where);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(there);
	free(where);
	return cause;
}

static int
load_found(struct theme *t, const char *name, const char *path, struct diags *d, char **cause)
{
	if (theme_load_file(t, path, d) == 0)
		return 0;
	*cause = xprintf("theme '%s' (%s) has errors", name, path);
	return -1;
}

/* Searches dirs in order, so a user's directory can shadow a bundled theme. */
int
theme_find(struct theme *t, const char *name, const char *const *dirs, struct diags *d,
    char **cause)
{
	char *path;
	int rc;

	if (*name == '\0') {
		*cause = xstrdup("no theme name given");
		return -1;
	}
	if (strchr(name, '/') != NULL || has_yaml_suffix(name))
		return load_found(t, name, name, d, cause);
	for (int i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		path = xprintf("%s/%s.yaml", dirs[i], name);
		if (access(path, F_OK) == 0) {
			rc = load_found(t, name, path, d, cause);
			free(path);
			return rc;
		}
		free(path);
	}
	*cause = not_found(name, dirs);
	return -1;
}
