/* inventory.c: an Ansible inventory (INI or YAML) into a runbook's hosts
 * and groups. The INI reader is a small line scanner; the YAML one walks
 * yamldoc's tree. Both go through the same few setters, which check each
 * name and value where it stands. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "include.h"
#include "inventory.h"
#include "ssh.h"
#include "strbuf.h"
#include "xmalloc.h"
#include "yamldoc.h"

struct inv {
	const char *file;
	struct diags *d;
	struct runbook *rb;
	int own_hosts, own_groups;	/* the runbook's own come first */
	int errors;
};

static void __attribute__((format(printf, 3, 4)))
inv_error(struct inv *v, struct srcpos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_addv(v->d, DIAG_ERROR, v->file, pos, fmt, ap);
	va_end(ap);
	v->errors++;
}

static int
valid_name(const char *s)
{
	if (*s == '\0' || !isalnum((unsigned char)*s))
		return 0;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return 0;
	}
	return 1;
}

static int
valid_var(const char *s)
{
	if (*s == '\0' || (!isalpha((unsigned char)*s) && *s != '_'))
		return 0;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	}
	return 1;
}

static int
find_host(const struct runbook *rb, int from, const char *name)
{
	for (int i = from; i < rb->nhosts; i++) {
		if (strcmp(rb->hosts[i].name, name) == 0)
			return i;
	}
	return -1;
}

static int
find_group(const struct runbook *rb, int from, const char *name)
{
	for (int i = from; i < rb->ngroups; i++) {
		if (strcmp(rb->groups[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* A name the inventory may define: sound, and not the runbook's own. */
static int
usable_name(struct inv *v, const char *name, struct srcpos pos, const char *what)
{
	if (strchr(name, '[') != NULL) {
		inv_error(v, pos, "%s '%s': host ranges are not expanded; list the hosts", what, name);
		return 0;
	}
	if (!valid_name(name)) {
		inv_error(v, pos, "'%s' is not a %s name (letters, digits, '-', '_' and '.', starting with a "
		    "letter or digit)", name, what);
		return 0;
	}
	if (find_host(v->rb, 0, name) >= 0 && find_host(v->rb, v->own_hosts, name) < 0) {
		inv_error(v, pos, "'%s' is already a host of the runbook", name);
		return 0;
	}
	if (find_group(v->rb, 0, name) >= 0 && find_group(v->rb, v->own_groups, name) < 0) {
		inv_error(v, pos, "'%s' is already a group of the runbook", name);
		return 0;
	}
	if (v->rb->nhosts + v->rb->ngroups >= INVENTORY_MAX + v->own_hosts + v->own_groups) {
		inv_error(v, pos, "more than %d hosts and groups", INVENTORY_MAX);
		return 0;
	}
	return 1;
}

/* The index of host name, added when new; -1 when it cannot be. */
static int
inv_host(struct inv *v, const char *name, struct srcpos pos)
{
	struct runbook *rb = v->rb;
	int i = find_host(rb, v->own_hosts, name);

	if (i >= 0)
		return i;
	if (!usable_name(v, name, pos, "host"))
		return -1;
	if (find_group(rb, v->own_groups, name) >= 0) {
		inv_error(v, pos, "'%s' is both a host and a group", name);
		return -1;
	}
	rb->hosts = xreallocarray(rb->hosts, (size_t)rb->nhosts + 2, sizeof *rb->hosts);
	memset(&rb->hosts[rb->nhosts], 0, 2 * sizeof *rb->hosts);
	rb->hosts[rb->nhosts].name = xstrdup(name);
	rb->hosts[rb->nhosts].pos = pos;
	rb->hosts[rb->nhosts].inventory = 1;
	return rb->nhosts++;
}

static int
inv_group(struct inv *v, const char *name, struct srcpos pos)
{
	struct runbook *rb = v->rb;
	int i = find_group(rb, v->own_groups, name);

	if (i >= 0)
		return i;
	if (!usable_name(v, name, pos, "group"))
		return -1;
	if (find_host(rb, v->own_hosts, name) >= 0) {
		inv_error(v, pos, "'%s' is both a host and a group", name);
		return -1;
	}
	rb->groups = xreallocarray(rb->groups, (size_t)rb->ngroups + 2, sizeof *rb->groups);
	memset(&rb->groups[rb->ngroups], 0, 2 * sizeof *rb->groups);
	rb->groups[rb->ngroups].name = xstrdup(name);
	rb->groups[rb->ngroups].pos = pos;
	rb->groups[rb->ngroups].inventory = 1;
	rb->groups[rb->ngroups].members = xcalloc(1, sizeof (char *));
	return rb->ngroups++;
}

static void
add_member(struct host_group *g, const char *name)
{
	for (int m = 0; m < g->nmembers; m++) {
		if (strcmp(g->members[m], name) == 0)
			return;
	}
	g->members = xreallocarray(g->members, (size_t)g->nmembers + 2, sizeof *g->members);
	g->members[g->nmembers++] = xstrdup(name);
	g->members[g->nmembers] = NULL;
}

static void
set_var(struct inv *v, struct kv **vars, int *n, const char *key, const char *value, struct srcpos pos)
{
	if (!valid_var(key)) {
		inv_error(v, pos, "'%s' is not a valid var name (letters, digits and '_', not starting with a "
		    "digit)", key);
		return;
	}
	for (int i = 0; i < *n; i++) {
		if (strcmp((*vars)[i].key, key) == 0) {
			free((*vars)[i].value.s);
			(*vars)[i].value.s = xstrdup(value);
			(*vars)[i].value.pos = pos;
			return;
		}
	}
	*vars = xreallocarray(*vars, (size_t)*n + 1, sizeof **vars);
	memset(&(*vars)[*n], 0, sizeof **vars);
	(*vars)[*n].key = xstrdup(key);
	(*vars)[*n].value.s = xstrdup(value);
	(*vars)[*n].value.pos = pos;
	(*n)++;
}

static void
replace(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* One key=value of host i: Ansible's connection settings, or a var. */
static void
host_setting(struct inv *v, int i, const char *key, const char *value, struct srcpos pos)
{
	struct host_def *h = &v->rb->hosts[i];
	char *end;
	long port;

	if (strcmp(key, "ansible_host") == 0)
		replace(&h->address, value);
	else if (strcmp(key, "ansible_user") == 0)
		replace(&h->user, value);
	else if (strcmp(key, "ansible_ssh_private_key_file") == 0)
		replace(&h->identity, value);
	else if (strcmp(key, "ansible_port") == 0) {
		errno = 0;
		port = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || port < 1 || port > 65535)
			inv_error(v, pos, "ansible_port '%s' is not a TCP port", value);
		else
			h->port = (int)port;
	} else
		set_var(v, &h->vars, &h->nvars, key, value, pos);
}

/* ssh's rule for a host's settings (ssh.h), reported in the inventory. */
static void
check_targets(struct inv *v)
{
	struct ssh_target t;
	char *cause = NULL;

	for (int i = v->own_hosts; i < v->rb->nhosts; i++) {
		ssh_target_of_host(&v->rb->hosts[i], 0, &t);
		if (ssh_check_target(&t, &cause) != 0) {
			inv_error(v, v->rb->hosts[i].pos, "%s", cause);
			free(cause);
			cause = NULL;
		}
	}
}

/* Ansible's implicit group all: every host of the inventory. */
static void
fill_all(struct inv *v)
{
	int g = find_group(v->rb, v->own_groups, "all");

	if (g < 0)
		return;
	for (int i = v->own_hosts; i < v->rb->nhosts; i++)
		add_member(&v->rb->groups[g], v->rb->hosts[i].name);
}

/* --- INI --- */

struct ini {
	struct inv *v;
	int line;
	int group;		/* the section's group, or -1 */
	enum { SEC_HOSTS, SEC_VARS, SEC_CHILDREN } kind;
};

static struct srcpos
at(const struct ini *s, const char *linestart, const char *p)
{
	struct srcpos pos = { s->line, (int)(p - linestart) + 1 };

	return pos;
}

/* The next word of *p, a value in quotes taken whole; NULL at the end. */
static char *
next_word(const char **p)
{
	struct strbuf b;
	char q = 0;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p == '\0' || **p == '#' || **p == ';')
		return NULL;
	strbuf_init(&b);
	for (; **p != '\0'; (*p)++) {
		if (q == 0 && (**p == ' ' || **p == '\t'))
			break;
		if (q == 0 && (**p == '"' || **p == '\'')) {
			q = **p;
			continue;
		}
		if (q != 0 && **p == q) {
			q = 0;
			continue;
		}
		strbuf_addch(&b, **p);
	}
	return strbuf_detach(&b);
}

static void
ini_section(struct ini *s, const char *ls, const char *p)
{
	const char *close = strchr(p, ']');
	char *name, *colon;

	if (close == NULL) {
		inv_error(s->v, at(s, ls, p), "a section header is [name], [name:vars] or [name:children]");
		s->group = -1;
		return;
	}
	name = xstrndup(p + 1, (size_t)(close - p - 1));
	s->kind = SEC_HOSTS;
	if ((colon = strchr(name, ':')) != NULL) {
		*colon++ = '\0';
		if (strcmp(colon, "vars") == 0)
			s->kind = SEC_VARS;
		else if (strcmp(colon, "children") == 0)
			s->kind = SEC_CHILDREN;
		else
			inv_error(s->v, at(s, ls, p), "[%s:%s]: a section is [name], [name:vars] or "
			    "[name:children]", name, colon);
	}
	s->group = inv_group(s->v, name, at(s, ls, p + 1));
	free(name);
}

static void
ini_host_line(struct ini *s, const char *ls, const char *p)
{
	const char *start;
	char *word, *eq;
	int h;

	start = p + strspn(p, " \t");
	if ((word = next_word(&p)) == NULL)
		return;
	h = inv_host(s->v, word, at(s, ls, start));
	if (h >= 0 && s->group >= 0)
		add_member(&s->v->rb->groups[s->group], word);
	free(word);
	for (start = p + strspn(p, " \t"); h >= 0 && (word = next_word(&p)) != NULL; start = p + strspn(p, " \t")) {
		if ((eq = strchr(word, '=')) == NULL)
			inv_error(s->v, at(s, ls, start), "'%s' is not key=value", word);
		else {
			*eq = '\0';
			host_setting(s->v, h, word, eq + 1, at(s, ls, start));
		}
		free(word);
	}
}

static void
ini_line(struct ini *s, const char *ls)
{
	const char *p = ls + strspn(ls, " \t");
	char *word, *eq;
	struct host_group *g;

	if (*p == '\0' || *p == '#' || *p == ';')
		return;
	if (*p == '[') {
		ini_section(s, ls, p);
		return;
	}
	if (s->kind == SEC_HOSTS) {
		ini_host_line(s, ls, p);
		return;
	}
	if (s->group < 0)
		return;
	g = &s->v->rb->groups[s->group];
	if (s->kind == SEC_CHILDREN) {
		if ((word = next_word(&p)) != NULL && inv_group(s->v, word, at(s, ls, ls + strspn(ls, " \t"))) >= 0)
			add_member(&s->v->rb->groups[s->group], word);
		free(word);
		return;
	}
	if ((eq = strchr(p, '=')) == NULL) {
		inv_error(s->v, at(s, ls, p), "a [%s:vars] line is key=value", g->name);
		return;
	}
	word = xstrndup(p, (size_t)(eq - p));
	word[strcspn(word, " \t")] = '\0';
	{
		const char *vp = eq + 1;
		char *value = next_word(&vp);

		set_var(s->v, &g->vars, &g->nvars, word, value != NULL ? value : "", at(s, ls, p));
		free(value);
	}
	free(word);
}

static void
load_ini(struct inv *v, char *text)
{
	struct ini s = { v, 0, -1, SEC_HOSTS };
	char *line = text, *nl;

	for (; line != NULL; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		s.line++;
		ini_line(&s, line);
	}
}

/* --- YAML --- */

static void load_yaml_group(struct inv *v, const char *name, struct srcpos pos, const struct ynode *n, int depth);

static void
yaml_vars(struct inv *v, const struct ynode *n, struct kv **vars, int *nvars, int host)
{
	if (n->type == YNODE_SCALAR && n->value[0] == '\0')
		return;
	if (n->type != YNODE_MAP) {
		inv_error(v, n->pos, "vars must map names to values, not %s", ynode_type_name(n));
		return;
	}
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i), *val = YMAP_VALUE(n, i);

		if (k->type != YNODE_SCALAR || val->type != YNODE_SCALAR) {
			inv_error(v, val->pos, "a var's value must be a single value");
			continue;
		}
		if (host >= 0)
			host_setting(v, host, k->value, val->value, k->pos);
		else
			set_var(v, vars, nvars, k->value, val->value, k->pos);
	}
}

static void
yaml_hosts(struct inv *v, int g, const struct ynode *n)
{
	if (n->type != YNODE_MAP) {
		inv_error(v, n->pos, "hosts must map host names to their vars, not %s", ynode_type_name(n));
		return;
	}
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i);
		int h;

		if (k->type != YNODE_SCALAR || (h = inv_host(v, k->value, k->pos)) < 0)
			continue;
		if (g >= 0)
			add_member(&v->rb->groups[g], k->value);
		yaml_vars(v, YMAP_VALUE(n, i), NULL, NULL, h);
	}
}

static void
yaml_children(struct inv *v, int g, const struct ynode *n, int depth)
{
	if (n->type != YNODE_MAP) {
		inv_error(v, n->pos, "children must map group names to groups, not %s", ynode_type_name(n));
		return;
	}
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i);

		if (k->type != YNODE_SCALAR)
			continue;
		load_yaml_group(v, k->value, k->pos, YMAP_VALUE(n, i), depth + 1);
		if (g >= 0 && find_group(v->rb, v->own_groups, k->value) >= 0)
			add_member(&v->rb->groups[g], k->value);
	}
}

static void
load_yaml_group(struct inv *v, const char *name, struct srcpos pos, const struct ynode *n, int depth)
{
	int g = inv_group(v, name, pos);

	if (g < 0 || (n->type == YNODE_SCALAR && n->value[0] == '\0'))
		return;
	if (n->type != YNODE_MAP || depth > 32) {
		inv_error(v, n->pos, "group '%s' must be a mapping of hosts, vars and children", name);
		return;
	}
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i), *val = YMAP_VALUE(n, i);

		if (k->type == YNODE_SCALAR && strcmp(k->value, "hosts") == 0)
			yaml_hosts(v, g, val);
		else if (k->type == YNODE_SCALAR && strcmp(k->value, "vars") == 0)
			yaml_vars(v, val, &v->rb->groups[g].vars, &v->rb->groups[g].nvars, -1);
		else if (k->type == YNODE_SCALAR && strcmp(k->value, "children") == 0)
			yaml_children(v, g, val, depth);
		else
			inv_error(v, k->pos, "unknown key '%s' in group '%s' (hosts, vars or children)",
			    k->type == YNODE_SCALAR ? k->value : "?", name);
	}
}

static void
load_yaml(struct inv *v, const unsigned char *buf, size_t len)
{
	struct srcpos pos = { 0, 0 };
	const struct ynode *root;
	struct ydoc *doc;
	char *cause;

	if ((doc = ydoc_parse(buf, len, &pos.line, &pos.col, &cause)) == NULL) {
		inv_error(v, pos, "%s", cause);
		free(cause);
		return;
	}
	root = ydoc_root(doc);
	if (root->type != YNODE_MAP)
		inv_error(v, root->pos, "an inventory maps group names (all:) to groups");
	for (int i = 0; root->type == YNODE_MAP && i < YMAP_PAIRS(root); i++) {
		if (YMAP_KEY(root, i)->type == YNODE_SCALAR)
			load_yaml_group(v, YMAP_KEY(root, i)->value, YMAP_KEY(root, i)->pos, YMAP_VALUE(root, i), 0);
	}
	ydoc_free(doc);
}

static int
is_yaml_name(const char *path)
{
	size_t n = strlen(path);

	return (n > 4 && strcmp(path + n - 4, ".yml") == 0) || (n > 5 && strcmp(path + n - 5, ".yaml") == 0);
}

int
inventory_load(const char *path, struct runbook *rb, struct diags *d)
{
	struct inv v = { path, d, rb, rb->nhosts, rb->ngroups, 0 };
	struct srcpos top = { 1, 1 }, none = { 0, 0 };
	unsigned char *buf;
	struct stat st;
	size_t len;
	char *cause;

	if ((buf = ydoc_read_file(path, &len, &st, &cause)) == NULL) {
		inv_error(&v, none, "%s", cause);
		free(cause);
		return -1;
	}
	/* It says where commands run: as trusted as the runbook must be. */
	if (include_file_is_loose(&st)) {
		include_warn_loose(d, path, top, path);
		rb->loose = 1;
	}
	buf[len] = '\0';	/* ydoc_read_file left room for it */
	if (memchr(buf, '\0', len) != NULL)
		inv_error(&v, top, "the inventory holds a NUL byte");
	else if (is_yaml_name(path))
		load_yaml(&v, buf, len);
	else
		load_ini(&v, (char *)buf);
	free(buf);
	fill_all(&v);
	check_targets(&v);
	return v.errors > 0 ? -1 : 0;
}
