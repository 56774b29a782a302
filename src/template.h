/* template.h: "{{ name }}" templates in runbook strings.
 *
 * Shell commands never receive a value as code: template_expand_shell turns
 * every reference into a quoted environment-variable expansion ("${DRC_P_x}")
 * chosen for the quoting context it stands in (shlex.h), and the values
 * travel to the child in its environment. The shell expands a variable once
 * and never re-parses the result, so a value like  x'; rm -rf / #  or
 * $(reboot)  stays inert data. Where no quoting can make a value inert (a
 * second interpreter's script, arithmetic, a quoted here-document), only a
 * value whose type makes it inert is accepted, and lint says so first. */
#ifndef DRC_TEMPLATE_H
#define DRC_TEMPLATE_H

#include <stddef.h>

enum tref_kind {
	TREF_PARAM,		/* {{ name }} */
	TREF_ENV,		/* {{ env.NAME }} */
	TREF_BUILTIN,		/* {{ incident_dir }}, {{ run.elapsed }}, ... */
	TREF_LITERAL,		/* {{ "{{" }}: the quoted text itself */
	TREF_HOSTVAR,		/* {{ host.vars.NAME }}: the value of the host a
				   remote step runs on, a different one on
				   each host; name is NAME */
};

/* The prefix of a host var's reference, and of the variable it travels in. */
#define TEMPLATE_HOSTVAR_PREFIX "host.vars."
#define TEMPLATE_HOSTVAR_VAR "DRC_H_"

struct tref {
	size_t start, end;	/* byte offsets of the whole "{{ ... }}" */
	enum tref_kind kind;
	char *name;		/* param/builtin name, env NAME, or literal text */
};

struct tscan {
	struct tref *refs;
	int nrefs;
};

/* Finds every template in s. On a malformed one returns -1 with *err_off the
 * byte offset of the problem and *cause an allocated message. */
int template_scan(const char *s, struct tscan *out, size_t *err_off, char **cause);
void template_scan_free(struct tscan *scan);
/* Names the engine provides itself. */
int template_is_builtin(const char *name);
int template_builtin_is_inert(const char *name);
extern const char *const template_builtins[];

enum template_mode {
	TMPL_RAW,		/* values as they are: for env values, URLs, SQL conninfo */
	TMPL_DISPLAY,		/* values inline, secrets as ****: what people read */
};

struct tvalue {
	const char *value;
	int secret;
	int inert;		/* no value of its type holds shell syntax */
	int is_list;		/* a list param: items, not value */
	char *const *items;
	int nitems;
};

/* Resolves one reference; returns -1 when the name is unknown. */
typedef int (*template_resolve_cb)(void *arg, const struct tref *ref, struct tvalue *out);

struct tenv {
	char *name;
	char *value;
};

struct texpansion {
	char *text;
	struct tenv *env;	/* shell: the variables the child needs */
	int nenv;
};

int template_expand(const char *s, enum template_mode mode, template_resolve_cb resolve,
    void *arg, struct texpansion *out, char **cause);

struct shsite;
enum sh_dialect;
/* A shell command: out->text and out->env for the shell; *shown the same
 * command with each value written as the shell reads it (shell-quoted,
 * secrets as ****), for confirm dialogs, line mode and the journal. */
int template_expand_shell(const char *s, enum sh_dialect d, template_resolve_cb resolve,
    void *arg, struct texpansion *out, char **shown, char **cause);
/* May a value of this kind stand at site? The one rule lint and the run share. */
int template_shell_check(const struct shsite *site, const struct tref *ref, int inert,
    int is_list, char **cause);
void texpansion_free(struct texpansion *x);
struct strbuf;
enum shctx;
/* Appends a reference to var as the run writes it at a site of context ctx
 * ("${var}" unquoted, ${var} in double quotes, ...). */
void template_shell_ref(struct strbuf *b, enum shctx ctx, const char *var);
/* The shell variable a reference travels in, e.g. DRC_P_target_time. */
char *template_var_name(const struct tref *ref);
char *template_list_var_name(const struct tref *ref, int i);

#endif
