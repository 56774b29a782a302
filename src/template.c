/* template.c: scanning and expanding "{{ ... }}" templates. In shell
 * commands, shlex.c says where each template stands; this file turns that
 * into the text the shell runs and the text a person reviews. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "shlex.h"
#include "strbuf.h"
#include "template.h"
#include "xmalloc.h"

const char *const template_builtins[] = {
	"incident_dir", "incident_id", "operator", "runbook_id", "mode", "environment",
	"run.elapsed", "run.started", "step.id", "step.status", NULL
};

/* Builtins drconsole makes itself from a fixed alphabet; the others
 * (incident_dir, operator, environment, ...) come from outside. */
int
template_builtin_is_inert(const char *name)
{
	static const char *const inert[] = {
		"incident_id", "mode", "run.elapsed", "run.started", "step.status", NULL
	};

	for (int i = 0; inert[i] != NULL; i++) {
		if (strcmp(inert[i], name) == 0)
			return 1;
	}
	return 0;
}

int
template_is_builtin(const char *name)
{
	for (int i = 0; template_builtins[i] != NULL; i++) {
		if (strcmp(template_builtins[i], name) == 0)
			return 1;
	}
	return 0;
}

/* --- scanning --- */

static size_t
skip_spaces(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

/* Reads a dotted identifier (a.b.c) at s+i; returns its end, or i if none. */
static size_t
read_name(const char *s, size_t i)
{
	size_t j = i;

	for (;;) {
		if (!isalpha((unsigned char)s[j]) && s[j] != '_')
			return j == i ? i : j - 1;
		while (isalnum((unsigned char)s[j]) || s[j] == '_')
			j++;
		if (s[j] != '.')
			return j;
		j++;
	}
}

static int
scan_fail(size_t off, size_t *err_off, char **cause, const char *msg)
{
	*err_off = off;
	*cause = xstrdup(msg);
	return -1;
}

static int
scan_one(const char *s, size_t open, struct tref *ref, size_t *err_off, char **cause)
{
	size_t i = skip_spaces(s, open + 2), end;
	char quote;

	if (s[i] == '"' || s[i] == '\'') {
		quote = s[i];
		end = i + 1;
		while (s[end] != '\0' && s[end] != quote)
			end++;
		if (s[end] != quote)
			return scan_fail(i, err_off, cause, "unterminated string in template");
		ref->kind = TREF_LITERAL;
		ref->name = xstrndup(s + i + 1, end - i - 1);
		end++;
	} else {
		end = read_name(s, i);
		if (end == i)
			return scan_fail(i, err_off, cause,
			    "expected a name in template, like {{ name }} or {{ env.NAME }}");
		ref->name = xstrndup(s + i, end - i);
		if (strncmp(ref->name, "env.", 4) == 0) {
			char *n = xstrdup(ref->name + 4);

			free(ref->name);
			ref->name = n;
			ref->kind = TREF_ENV;
		} else if (strncmp(ref->name, TEMPLATE_HOSTVAR_PREFIX, strlen(TEMPLATE_HOSTVAR_PREFIX)) == 0) {
			char *n = xstrdup(ref->name + strlen(TEMPLATE_HOSTVAR_PREFIX));

			free(ref->name);
			ref->name = n;
			ref->kind = TREF_HOSTVAR;
			if (*n == '\0' || strchr(n, '.') != NULL) {
				free(ref->name);
				return scan_fail(i, err_off, cause, "a host var is {{ host.vars.NAME }}, NAME one word");
			}
		} else
			ref->kind = template_is_builtin(ref->name) ? TREF_BUILTIN : TREF_PARAM;
	}
	end = skip_spaces(s, end);
	if (s[end] != '}' || s[end + 1] != '}') {
		free(ref->name);
		return scan_fail(end, err_off, cause, s[end] == '\0' ?
		    "unterminated template: missing '}}'" : "unexpected character in template: expected '}}'");
	}
	ref->start = open;
	ref->end = end + 2;
	return 0;
}

/* The next "{{". Not strstr: sanitizers check the whole rest of the string
 * on every call, which makes a long string of templates quadratic. */
static const char *
find_open(const char *p)
{
	for (; *p != '\0'; p++) {
		if (p[0] == '{' && p[1] == '{')
			return p;
	}
	return NULL;
}

int
template_scan(const char *s, struct tscan *out, size_t *err_off, char **cause)
{
	const char *p = s;
	size_t room = 0;

	/* Room for every "{{" at once: growing by one is quadratic. */
	for (p = s; (p = find_open(p)) != NULL; p += 2)
		room++;
	out->refs = room != 0 ? xreallocarray(NULL, room, sizeof *out->refs) : NULL;
	out->nrefs = 0;
	p = s;
	while ((p = find_open(p)) != NULL) {
		struct tref ref;

		if (scan_one(s, (size_t)(p - s), &ref, err_off, cause) != 0) {
			template_scan_free(out);
			return -1;
		}
		out->refs[out->nrefs++] = ref;
		p = s + ref.end;
	}
	return 0;
}

void
template_scan_free(struct tscan *scan)
{
	for (int i = 0; i < scan->nrefs; i++)
		free(scan->refs[i].name);
	free(scan->refs);
	scan->refs = NULL;
	scan->nrefs = 0;
}

/* The variable that carries item i (0-based) of a list param. */
char *
template_list_var_name(const struct tref *ref, int i)
{
	char *base = template_var_name(ref), *v = xprintf("%s_%d", base, i + 1);

	free(base);
	return v;
}

char *
template_var_name(const struct tref *ref)
{
	const char *prefix = ref->kind == TREF_ENV ? "DRC_E_" : ref->kind == TREF_HOSTVAR ?
	    TEMPLATE_HOSTVAR_VAR : ref->kind == TREF_BUILTIN ? "DRC_B_" : "DRC_P_";
	char *v = xprintf("%s%s", prefix, ref->name);

	for (char *c = v; *c != '\0'; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_')
			*c = '_';
	}
	return v;
}

/* --- expansion --- */

static void
add_env(struct texpansion *x, char *name, const char *value)
{
	for (int i = 0; i < x->nenv; i++) {
		if (strcmp(x->env[i].name, name) == 0) {
			free(name);
			return;
		}
	}
	x->env = xreallocarray(x->env, x->nenv + 1, sizeof *x->env);
	x->env[x->nenv].name = name;
	x->env[x->nenv].value = xstrdup(value);
	x->nenv++;
}

static int
resolve_or_fail(const struct tref *ref, template_resolve_cb resolve, void *arg, struct tvalue *v,
    char **cause)
{
	memset(v, 0, sizeof *v);
	v->value = "";
	if (resolve(arg, ref, v) != 0) {
		*cause = ref->kind == TREF_HOSTVAR ? xprintf("'" TEMPLATE_HOSTVAR_PREFIX "%s' stands only in "
		    "the command of a step run 'on' hosts", ref->name) : xprintf("unknown name '%s%s' in "
		    "template", ref->kind == TREF_ENV ? "env." : "", ref->name);
		return -1;
	}
	if (v->value == NULL)
		v->value = "";
	return 0;
}

/* Text templates: values as they are, or secrets masked for people. */
int
template_expand(const char *s, enum template_mode mode, template_resolve_cb resolve,
    void *arg, struct texpansion *out, char **cause)
{
	struct tscan scan;
	struct strbuf b;
	size_t err_off, pos = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (template_scan(s, &scan, &err_off, cause) != 0)
		return -1;
	strbuf_init(&b);
	for (int i = 0; i < scan.nrefs && rc == 0; i++) {
		const struct tref *ref = &scan.refs[i];
		struct tvalue v;

		strbuf_add(&b, s + pos, ref->start - pos);
		pos = ref->end;
		if (ref->kind == TREF_LITERAL) {
			strbuf_adds(&b, ref->name);
			continue;
		}
		if ((rc = resolve_or_fail(ref, resolve, arg, &v, cause)) != 0)
			break;
		strbuf_adds(&b, mode == TMPL_DISPLAY && v.secret ? "****" : v.value);
	}
	strbuf_adds(&b, s + pos);
	template_scan_free(&scan);
	out->text = strbuf_detach(&b);
	if (rc != 0)
		texpansion_free(out);
	return rc;
}

int
template_shell_check(const struct shsite *site, const struct tref *ref, int inert, int is_list,
    char **cause)
{
	const char *name = ref->name, *env = ref->kind == TREF_ENV ? "env." :
	    ref->kind == TREF_HOSTVAR ? TEMPLATE_HOSTVAR_PREFIX : "";

	if (ref->kind == TREF_LITERAL)
		return 0;
	if (site->never != NULL) {
		*cause = xprintf("template '%s%s' cannot stand here: %s", env, name, site->never);
		return -1;
	}
	if (is_list && (!site->whole_word || site->inert_only != NULL)) {
		*cause = xprintf("'%s' is a list, which becomes several words: it must stand alone as an "
		    "unquoted word of an ordinary command (for h in {{ %s }}; do ...), not %s", name, name,
		    site->inert_only != NULL ? "in a second interpreter's script" : "inside quotes or "
		    "joined to other text");
		return -1;
	}
	if (site->inert_only != NULL && !inert && ref->kind == TREF_HOSTVAR) {
		*cause = xprintf("template '%s%s' cannot stand here: %s. Hand the value over as data "
		    "instead: an argument after the script (sh -c '... \"$1\"' _ {{ %s%s }})", env, name,
		    site->inert_only, env, name);
		return -1;
	}
	if (site->inert_only != NULL && !inert) {
		*cause = xprintf("template '%s%s' cannot stand here: %s. Hand the value over as data "
		    "instead: an argument after the script (sh -c '... \"$1\"' _ {{ %s%s }}), the "
		    "environment (\"$DRCONSOLE_PARAM_%s\"), or psql -v %s={{ %s%s }} with :'%s' in the "
		    "SQL; or give the param a type no value of which is code (int, timestamp, bool, a "
		    "choice of plain words, or a pattern: like '^[a-z0-9_-]+$')", env, name,
		    site->inert_only, env, name, name, name, env, name, name);
		return -1;
	}
	return 0;
}

/* The reference the shell expands, in the form the site's context needs. */
void
template_shell_ref(struct strbuf *b, enum shctx ctx, const char *var)
{
	switch (ctx) {
	case SHCTX_WORD:
		strbuf_addf(b, "\"${%s}\"", var);
		break;
	case SHCTX_SQUOTE:
		strbuf_addf(b, "'\"${%s}\"'", var);
		break;
	case SHCTX_ANSIC:
		strbuf_addf(b, "'\"${%s}\"$'", var);
		break;
	default:
		strbuf_addf(b, "${%s}", var);
		break;
	}
}

static int
plain_word(const char *v)
{
	if (*v == '\0')
		return 0;
	for (; *v != '\0'; v++) {
		if (!isalnum((unsigned char)*v) && strchr("_-.,:/@%+=", *v) == NULL)
			return 0;
	}
	return 1;
}

/* The value written so that, in the site's context, the shell reads it back
 * exactly: what a person reviewing the command must see. */
static void
show_value(struct strbuf *b, enum shctx ctx, const char *v)
{
	switch (ctx) {
	case SHCTX_WORD:
		if (plain_word(v)) {
			strbuf_adds(b, v);
			break;
		}
		strbuf_addch(b, '\'');
		for (; *v != '\0'; v++)
			strbuf_adds(b, *v == '\'' ? "'\\''" : (char[]){ *v, '\0' });
		strbuf_addch(b, '\'');
		break;
	case SHCTX_SQUOTE:
		for (; *v != '\0'; v++)
			strbuf_adds(b, *v == '\'' ? "'\\''" : (char[]){ *v, '\0' });
		break;
	case SHCTX_DQUOTE:
	case SHCTX_HEREDOC:
		for (; *v != '\0'; v++) {
			if (strchr(ctx == SHCTX_DQUOTE ? "\\$`\"" : "\\$`", *v) != NULL)
				strbuf_addch(b, '\\');
			strbuf_addch(b, *v);
		}
		break;
	case SHCTX_ANSIC:
		for (; *v != '\0'; v++) {
			if (*v == '\\' || *v == '\'')
				strbuf_addch(b, '\\');
			strbuf_addch(b, *v);
		}
		break;
	default:
		strbuf_adds(b, v);
		break;
	}
}

static void
emit_value(struct strbuf *run, struct strbuf *shown, const struct shsite *site,
    const struct tref *ref, const struct tvalue *v, struct texpansion *x)
{
	int n = v->is_list ? v->nitems : 1;

	for (int i = 0; i < n; i++) {
		const char *value = v->is_list ? v->items[i] : v->value;
		char *var = v->is_list ? template_list_var_name(ref, i) : template_var_name(ref);

		if (i > 0) {
			strbuf_addch(run, ' ');
			strbuf_addch(shown, ' ');
		}
		if (site->ctx == SHCTX_HEREDOC_LITERAL)
			strbuf_adds(run, value);	/* inert: nothing there expands */
		else
			template_shell_ref(run, site->ctx, var);
		if (v->secret)
			strbuf_adds(shown, "****");
		else
			show_value(shown, site->ctx, value);
		add_env(x, var, value);
	}
}

int
template_expand_shell(const char *s, enum sh_dialect d, template_resolve_cb resolve, void *arg,
    struct texpansion *out, char **shown, char **cause)
{
	struct tscan scan;
	struct shlex_result lex;
	struct strbuf run, show;
	size_t err_off, pos = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	*shown = NULL;
	if (template_scan(s, &scan, &err_off, cause) != 0)
		return -1;
	shlex_analyse(s, &scan, d, &lex);
	strbuf_init(&run);
	strbuf_init(&show);
	for (int i = 0; i < scan.nrefs && rc == 0; i++) {
		const struct tref *ref = &scan.refs[i];
		struct tvalue v;

		strbuf_add(&run, s + pos, ref->start - pos);
		strbuf_add(&show, s + pos, ref->start - pos);
		pos = ref->end;
		if (ref->kind == TREF_LITERAL) {
			strbuf_adds(&run, ref->name);
			strbuf_adds(&show, ref->name);
			continue;
		}
		if ((rc = resolve_or_fail(ref, resolve, arg, &v, cause)) != 0 ||
		    (rc = template_shell_check(&lex.sites[i], ref, v.inert, v.is_list, cause)) != 0)
			break;
		emit_value(&run, &show, &lex.sites[i], ref, &v, out);
	}
	strbuf_adds(&run, s + pos);
	strbuf_adds(&show, s + pos);
	shlex_result_free(&lex);
	template_scan_free(&scan);
	out->text = strbuf_detach(&run);
	*shown = strbuf_detach(&show);
	if (rc != 0) {
		texpansion_free(out);
		free(*shown);
		*shown = NULL;
	}
	return rc;
}

void
texpansion_free(struct texpansion *x)
{
	for (int i = 0; i < x->nenv; i++) {
		free(x->env[i].name);
		if (x->env[i].value != NULL)
			explicit_bzero(x->env[i].value, strlen(x->env[i].value));
		free(x->env[i].value);
	}
	free(x->env);
	free(x->text);
	memset(x, 0, sizeof *x);
}
