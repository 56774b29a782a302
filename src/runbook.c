/* runbook.c: helpers over the runbook model; the loader builds it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#include "runbook.h"

struct srcpos
rstr_pos_at(const struct rstr *r, size_t off)
{
	struct srcpos p = r->pos;
	size_t line_start = 0;
	int newlines = 0;

	for (size_t i = 0; i < off && r->s[i] != '\0'; i++) {
		if (r->s[i] == '\n') {
			newlines++;
			line_start = i + 1;
		}
	}
	if (r->style == RSTR_BLOCK) {
		/* Content starts on the line after the | or > indicator. */
		p.line += 1 + newlines;
		p.col = r->indent + 1 + (int)(off - line_start);
	} else if (newlines == 0) {
		p.col += (r->style == RSTR_QUOTED) + (int)off;
	} else {
		/* A folded multi-line plain scalar: the line is right, the
		 * column is the best guess we can make without the source. */
		p.line += newlines;
		p.col = 1 + (int)(off - line_start);
	}
	return p;
}

static void
rstr_free(struct rstr *r)
{
	free(r->s);
	r->s = NULL;
}

static void
kv_free(struct kv *list, int n)
{
	for (int i = 0; i < n; i++) {
		free(list[i].key);
		rstr_free(&list[i].value);
	}
	free(list);
}

int
step_texts(struct step *s, struct rstr **out)
{
	struct rstr *texts[] = {
		&s->title, &s->phase, &s->why, &s->run, &s->manual, &s->rollback, &s->until_on_timeout, &s->end_run_when, &s->end_run_outcome, &s->confirm_when, &s->on_failure_run, &s->expect_output,
		&s->sql.conninfo, &s->sql.query, &s->sql.expect, &s->http.url, &s->http.method,
		&s->http.body, &s->http.expect_body, &s->notify.url, &s->notify.channel,
		&s->notify.message, &s->notify.component, &s->notify.status, &s->notify.api_key,
		&s->notify.smtp_url, &s->notify.from, &s->notify.subject, &s->when, &s->drill_run, &s->on,
		&s->cwd, &s->include, &s->verify_run, &s->verify_sql.conninfo,
		&s->verify_sql.query, &s->verify_sql.expect, &s->verify_http.url, &s->verify_http.method,
		&s->verify_http.body, &s->verify_http.expect_body, &s->copy.src, &s->copy.dest,
		&s->notify.body, &s->notify.routing_key, &s->notify.event, &s->notify.severity,
		&s->notify.priority,
	};
	int n = (int)(sizeof texts / sizeof texts[0]);

	memcpy(out, texts, sizeof texts);
	for (int i = 0; i < s->notify.nto && n < STEP_TEXTS_MAX; i++)
		out[n++] = &s->notify.to[i];
	for (int i = 0; i < s->nenv && n < STEP_TEXTS_MAX; i++)
		out[n++] = &s->env[i].value;
	for (int i = 0; i < s->http.nheaders && n < STEP_TEXTS_MAX; i++)
		out[n++] = &s->http.headers[i].value;
	for (int i = 0; i < s->ncaptures && n < STEP_TEXTS_MAX; i++)
		out[n++] = &s->captures[i].regex;
	for (int i = 0; i < s->ncaptures && n < STEP_TEXTS_MAX; i++)
		out[n++] = &s->captures[i].json;
	return n;
}

void
approvers_free(struct approvers *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->names[i]);
	free(a->names);
	memset(a, 0, sizeof *a);
}

void
runbook_step_free(struct step *s)
{
	struct rstr *texts[STEP_TEXTS_MAX];
	int n = step_texts(s, texts);

	free(s->id);
	free(s->file);
	for (int i = 0; i < n; i++)
		rstr_free(texts[i]);
	free(s->notify.to);
	for (int i = 0; i < s->ncaptures; i++)
		free(s->captures[i].name);
	free(s->captures);
	free(s->include_as);
	kv_free(s->include_params, s->ninclude_params);
	kv_free(s->verify_http.headers, s->verify_http.nheaders);
	for (int i = 0; i < s->http.nheaders; i++)
		free(s->http.headers[i].key);
	free(s->http.headers);
	for (int i = 0; i < s->nenv; i++)
		free(s->env[i].key);
	free(s->env);
	approvers_free(&s->approvers);
	runbook_param_free(&s->input);
}

void
runbook_param_free(struct param *p)
{
	free(p->name);
	free(p->prompt);
	free(p->help);
	rstr_free(&p->def);
	rstr_free(&p->pattern);
	for (int i = 0; i < p->nchoices; i++)
		free(p->choices[i]);
	free(p->choices);
	for (int i = 0; p->from_command != NULL && p->from_command[i] != NULL; i++)
		free(p->from_command[i]);
	free(p->from_command);
}

static void
hosts_free(struct runbook *rb)
{
	for (int i = 0; i < rb->nhosts; i++) {
		free(rb->hosts[i].name);
		free(rb->hosts[i].address);
		free(rb->hosts[i].user);
		free(rb->hosts[i].identity);
		free(rb->hosts[i].jump);
		kv_free(rb->hosts[i].vars, rb->hosts[i].nvars);
		free(rb->hosts[i].from);
	}
	free(rb->hosts);
	for (int i = 0; i < rb->ngroups; i++) {
		free(rb->groups[i].name);
		for (int m = 0; m < rb->groups[i].nmembers; m++)
			free(rb->groups[i].members[m]);
		free(rb->groups[i].members);
		kv_free(rb->groups[i].vars, rb->groups[i].nvars);
		free(rb->groups[i].from);
	}
	free(rb->groups);
}

static void
origins_free(char **from, int n)
{
	for (int i = 0; from != NULL && i < n; i++)
		free(from[i]);
	free(from);
}

static void
environments_free(struct runbook *rb)
{
	hosts_free(rb);
	for (int i = 0; i < rb->nenvironments; i++) {
		free(rb->environments[i].name);
		kv_free(rb->environments[i].params, rb->environments[i].nparams);
		kv_free(rb->environments[i].env, rb->environments[i].nenv);
		kv_free(rb->environments[i].stand_ins, rb->environments[i].nstand_ins);
		origins_free(rb->environments[i].params_from, rb->environments[i].nparams);
		origins_free(rb->environments[i].env_from, rb->environments[i].nenv);
		origins_free(rb->environments[i].stand_ins_from, rb->environments[i].nstand_ins);
		approvers_free(&rb->environments[i].approvers);
	}
	free(rb->environments);
	for (int i = 0; i < rb->ncriteria; i++) {
		free(rb->criteria[i].name);
		rstr_free(&rb->criteria[i].when);
	}
	free(rb->criteria);
	free(rb->drill_environment);
	rstr_free(&rb->drill_channel);
}

void
runbook_free(struct runbook *rb)
{
	if (rb == NULL)
		return;
	environments_free(rb);
	approvers_free(&rb->approvers);
	for (int i = 0; i < rb->nsteps; i++)
		runbook_step_free(&rb->steps[i]);
	for (int i = 0; i < rb->nparams; i++)
		runbook_param_free(&rb->params[i]);
	free(rb->steps);
	free(rb->params);
	kv_free(rb->env, rb->nenv);
	rstr_free(&rb->cwd);
	rstr_free(&rb->title);
	rstr_free(&rb->inventory);
	free(rb->path);
	free(rb->id);
	free(rb->scenario);
	free(rb->system);
	free(rb->executor);
	free(rb->classification);
	free(rb->trigger);
	free(rb->description);
	free(rb->notes);
	free(rb);
}

const struct param *
runbook_find_param(const struct runbook *rb, const char *name)
{
	for (int i = 0; i < rb->nparams; i++) {
		if (rb->params[i].name != NULL && strcmp(rb->params[i].name, name) == 0)
			return &rb->params[i];
	}
	return NULL;
}

int
runbook_find_step(const struct runbook *rb, const char *id)
{
	for (int i = 0; i < rb->nsteps; i++) {
		if (rb->steps[i].id != NULL && strcmp(rb->steps[i].id, id) == 0)
			return i;
	}
	return -1;
}

const char *
runbook_step_file(const struct runbook *rb, const struct step *s)
{
	return s->file != NULL ? s->file : rb->path;
}

const char *
step_action_name(enum step_action a)
{
	static const char *const names[] = { "none", "run", "sql", "http", "notify", "manual", "wait",
		"copy", "input" };

	return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

const char *
param_type_name(enum param_type t)
{
	static const char *const names[] = { "string", "secret", "choice", "timestamp", "int", "bool", "hosts", "list" };

	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

const char *
runbook_step_phase(const struct runbook *rb, int index)
{
	for (int i = index; i >= 0; i--) {
		if (rb->steps[i].phase.s != NULL)
			return rb->steps[i].phase.s;
	}
	return NULL;
}

const struct environment *
runbook_find_environment(const struct runbook *rb, const char *name)
{
	for (int i = 0; i < rb->nenvironments; i++) {
		if (strcmp(rb->environments[i].name, name) == 0)
			return &rb->environments[i];
	}
	return NULL;
}

const struct rstr *
runbook_stand_in(const struct environment *ev, const char *step_id)
{
	for (int i = 0; ev != NULL && i < ev->nstand_ins; i++) {
		if (strcmp(ev->stand_ins[i].key, step_id) == 0)
			return &ev->stand_ins[i].value;
	}
	return NULL;
}

const struct host_def *
runbook_find_host(const struct runbook *rb, const char *name)
{
	for (int i = 0; i < rb->nhosts; i++) {
		if (strcmp(rb->hosts[i].name, name) == 0)
			return &rb->hosts[i];
	}
	return NULL;
}

const struct host_group *
runbook_find_group(const struct runbook *rb, const char *name)
{
	for (int i = 0; i < rb->ngroups; i++) {
		if (strcmp(rb->groups[i].name, name) == 0)
			return &rb->groups[i];
	}
	return NULL;
}

static int
add_host(const struct runbook *rb, const char *name, const struct host_def ***list, int *n,
    int depth, char **cause)
{
	const struct host_group *g;
	const struct host_def *h;

	if (depth > 16) {
		*cause = xprintf("group '%s' includes itself", name);
		return -1;
	}
	if ((g = runbook_find_group(rb, name)) != NULL) {
		for (int m = 0; m < g->nmembers; m++) {
			if (add_host(rb, g->members[m], list, n, depth + 1, cause) != 0)
				return -1;
		}
		return 0;
	}
	if ((h = runbook_find_host(rb, name)) == NULL) {
		*cause = xprintf("'%s' is not a host or group of the runbook", name);
		return -1;
	}
	for (int k = 0; k < *n; k++) {
		if ((*list)[k] == h)
			return 0;
	}
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = h;
	return 0;
}

int
runbook_resolve_hosts(const struct runbook *rb, const char *names, const struct host_def ***list,
    int *n, char **cause)
{
	char *copy = xstrdup(names), *tok, *save = NULL;
	int rc = 0;

	*list = NULL;
	*n = 0;
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL && rc == 0; tok = strtok_r(NULL, ", \t", &save))
		rc = add_host(rb, tok, list, n, 0, cause);
	free(copy);
	if (rc == 0 && *n == 0) {
		*cause = xprintf("no hosts in '%s'", names);
		rc = -1;
	}
	if (rc != 0) {
		free(*list);
		*list = NULL;
		*n = 0;
	}
	return rc;
}

static const struct rstr *
find_var(const struct kv *vars, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(vars[i].key, name) == 0)
			return &vars[i].value;
	}
	return NULL;
}

static int
group_has_host(const struct runbook *rb, const struct host_group *g, const struct host_def *h)
{
	const struct host_def **list;
	char *cause = NULL;
	int n, found = 0;

	if (runbook_resolve_hosts(rb, g->name, &list, &n, &cause) != 0) {
		free(cause);
		return 0;
	}
	for (int k = 0; k < n && !found; k++)
		found = list[k] == h;
	free(list);
	return found;
}

const struct rstr *
runbook_host_var(const struct runbook *rb, const struct host_def *h, const char *name)
{
	const struct rstr *v = find_var(h->vars, h->nvars, name);

	for (int i = 0; v == NULL && i < rb->ngroups; i++) {
		if (find_var(rb->groups[i].vars, rb->groups[i].nvars, name) != NULL &&
		    group_has_host(rb, &rb->groups[i], h))
			v = find_var(rb->groups[i].vars, rb->groups[i].nvars, name);
	}
	return v;
}

int
runbook_find_capture_at(const struct runbook *rb, const char *name, int *which)
{
	for (int i = 0; i < rb->nsteps; i++) {
		for (int j = 0; j < rb->steps[i].ncaptures; j++) {
			if (rb->steps[i].captures[j].name != NULL && strcmp(rb->steps[i].captures[j].name, name) == 0) {
				if (which != NULL)
					*which = j;
				return i;
			}
		}
	}
	return -1;
}

int
runbook_find_capture(const struct runbook *rb, const char *name)
{
	return runbook_find_capture_at(rb, name, NULL);
}

int
step_captures_secret(const struct step *s)
{
	for (int j = 0; j < s->ncaptures; j++) {
		if (s->captures[j].secret)
			return 1;
	}
	return 0;
}

int
runbook_step_shell(const struct runbook *rb, const struct step *s)
{
	return s != NULL && s->shell != 0 ? s->shell - 1 : rb->shell;
}

/* Characters that mean nothing to a shell, in or out of quotes. */
static int
inert_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("_.,:+@%/=-", c) != NULL);
}

static int
inert_word(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (!inert_char(*s))
			return 0;
	}
	return 1;
}

/* A bracket expression of inert characters, ranges within one class of
 * letters or digits, and named classes of them; returns its end, or NULL. */
static const char *
inert_bracket(const char *p)
{
	static const char *const classes[] = {
		"[:alnum:]", "[:alpha:]", "[:digit:]", "[:lower:]", "[:upper:]", "[:xdigit:]", NULL
	};
	int first = 1;

	if (*p == '^')
		return NULL;	/* a negated class admits everything else */
	for (; *p != '\0' && (*p != ']' || first); first = 0) {
		int k;

		for (k = 0; classes[k] != NULL; k++) {
			if (strncmp(p, classes[k], strlen(classes[k])) == 0)
				break;
		}
		if (classes[k] != NULL) {
			p += strlen(classes[k]);
			continue;
		}
		if (!inert_char(*p) || *p == '\\')
			return NULL;
		if (p[1] == '-' && p[2] != ']' && p[2] != '\0') {
			char a = p[0], b = p[2];
			int same = (a >= 'a' && b <= 'z') || (a >= 'A' && b <= 'Z') || (a >= '0' && b <= '9');

			if (!same || a > b)
				return NULL;
			p += 3;
		} else
			p++;
	}
	return *p == ']' ? p + 1 : NULL;
}

int
pattern_is_inert(const char *re)
{
	size_t n = strlen(re);
	int depth = 0;

	if (n < 2 || re[0] != '^' || re[n - 1] != '$' || (n >= 3 && re[n - 2] == '\\'))
		return 0;
	for (const char *p = re + 1; p < re + n - 1;) {
		if (*p == '\\') {
			/* Only punctuation: glibc reads \s, \w, \b... as classes. */
			if (!inert_char(p[1]) || isalnum((unsigned char)p[1]))
				return 0;
			p += 2;
		} else if (*p == '[') {
			if ((p = inert_bracket(p + 1)) == NULL)
				return 0;
		} else if (*p == '(' || *p == ')') {
			depth += *p++ == '(' ? 1 : -1;
			if (depth < 0)
				return 0;
		} else if (*p == '|') {
			if (depth == 0)
				return 0;	/* ^a|b$ anchors each side once */
			p++;
		} else if (*p == '{') {
			p += 1 + strspn(p + 1, "0123456789,");
			if (*p++ != '}')
				return 0;
		} else if (strchr("*+?", *p) != NULL || (inert_char(*p) && *p != '.')) {
			p++;
		} else
			return 0;
	}
	return depth == 0;
}

int
param_is_inert(const struct param *p)
{
	if (p->type == PARAM_SECRET)
		return 0;	/* a script's text is an argv: no secret goes there */
	if (p->pattern.s != NULL && pattern_is_inert(p->pattern.s))
		return 1;
	switch (p->type) {
	case PARAM_INT:
	case PARAM_TIMESTAMP:
	case PARAM_BOOL:
		return 1;
	case PARAM_CHOICE:
		for (int i = 0; i < p->nchoices; i++) {
			if (!inert_word(p->choices[i]))
				return 0;
		}
		return p->nchoices > 0;
	default:
		return 0;
	}
}

int
runbook_until_continues(const struct step *s)
{
	return s->until_on_timeout.s != NULL && strcmp(s->until_on_timeout.s, "continue") == 0;
}

const char *
runbook_until_message(const struct step *s)
{
	const char *t = s->until_on_timeout.s;

	return t == NULL || strcmp(t, "fail") == 0 || strcmp(t, "continue") == 0 ? NULL : t;
}
