/* loader_runbook.c: the runbook's top-level keys, its params, environments
 * and drill settings. Steps are read in loader_step.c, hosts in loader_hosts.c. */
#include <stdlib.h>
#include <string.h>

#include "loader_int.h"
#include "strbuf.h"
#include "xmalloc.h"
#include "yamldoc.h"

static const char *const param_type_names[] = {
	"string", "secret", "choice", "timestamp", "int", "bool", "hosts", "list", NULL
};

static void
parse_choices(struct loader *l, const struct ynode *n, void *obj)
{
	struct param *p = obj;

	if (n->type != YNODE_SEQ) {
		loader_error_at(l, n->pos, "'choices' must be a list, like [a, b], not %s", ynode_type_name(n));
		return;
	}
	p->choices = xcalloc((size_t)n->nitems + 1, sizeof *p->choices);
	for (int i = 0; i < n->nitems; i++) {
		if (loader_want_scalar(l, n->items[i], "choices"))
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
		if (loader_want_scalar(l, n, "default"))
			loader_set_rstr(l, &p->def, n);
		return;
	}
	strbuf_init(&b);
	for (int i = 0; i < n->nitems; i++) {
		if (!loader_want_scalar(l, n->items[i], "default"))
			continue;
		if (strchr(n->items[i]->value, '\n') != NULL)
			loader_error_at(l, n->items[i]->pos, "an item of a list cannot hold a newline");
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

/* from_command: [vault, kv, get, ...]: an argv, each word a plain scalar. */
static void
parse_from_command(struct loader *l, const struct ynode *n, void *obj)
{
	struct param *p = obj;
	int k = 0;

	p->from_pos = n->pos;
	if (n->type != YNODE_SEQ || n->nitems == 0) {
		loader_error_at(l, n->pos, "'from_command' must be a non-empty list of words, like "
		    "[vault, kv, get, -field=password, secret/db] (no shell runs it)");
		return;
	}
	p->from_command = xcalloc((size_t)n->nitems + 1, sizeof *p->from_command);
	for (int i = 0; i < n->nitems; i++) {
		if (loader_want_scalar(l, n->items[i], "from_command"))
			p->from_command[k++] = xstrdup(n->items[i]->value);
	}
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
	{ "from_command", K_CUSTOM, 0, 0, 0, 0, NULL, parse_from_command },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

void
loader_load_param(struct loader *l, const struct ynode *n, struct param *p, const char *what)
{
	p->pos = n->pos;
	loader_load_map(l, n, param_keys, p, what);
}

static void
load_one_param(struct loader *l, const struct ynode *n, void *obj)
{
	loader_load_param(l, n, obj, "a param");
}

static void
parse_params(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	loader_load_list(l, n, "params", (void **)&rb->params, &rb->nparams, sizeof *rb->params,
	    load_one_param);
}

static void
parse_env(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	loader_load_kv(l, n, &rb->env, &rb->nenv, "env");
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
	loader_load_map(l, n, objective_keys, obj, "objectives");
}

#define EV(f) offsetof(struct environment, f)

static void
parse_env_params(struct loader *l, const struct ynode *n, void *obj)
{
	struct environment *ev = obj;

	loader_load_kv(l, n, &ev->params, &ev->nparams, "params");
}

static void
parse_env_env(struct loader *l, const struct ynode *n, void *obj)
{
	struct environment *ev = obj;

	loader_load_kv(l, n, &ev->env, &ev->nenv, "env");
}

/* stand_ins: { STEP: COMMAND }: what this target runs instead of a step it
 * has no honest stand-in for (rbcheck checks the steps and commands). */
static void
parse_env_stand_ins(struct loader *l, const struct ynode *n, void *obj)
{
	struct environment *ev = obj;

	loader_load_kv(l, n, &ev->stand_ins, &ev->nstand_ins, "stand_ins");
}

static const struct keydef environment_keys[] = {
	{ "params", K_CUSTOM, 0, 0, 0, 0, NULL, parse_env_params },
	{ "env", K_CUSTOM, 0, 0, 0, 0, NULL, parse_env_env },
	{ "production", K_BOOL, 0, EV(production), 0, 0, NULL, NULL },
	{ "approvers", K_APPROVERS, 0, EV(approvers), 0, 0, NULL, NULL },
	{ "stand_ins", K_CUSTOM, 0, 0, 0, 0, NULL, parse_env_stand_ins },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* environments: { production: {...}, staging: {...} } */
static void
parse_environments(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	if (n->type != YNODE_MAP) {
		loader_error_at(l, n->pos, "'environments' must map names to settings, not %s", ynode_type_name(n));
		return;
	}
	rb->environments = xcalloc((size_t)YMAP_PAIRS(n) + 1, sizeof *rb->environments);
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i);
		struct environment *ev = &rb->environments[rb->nenvironments];

		if (k->type != YNODE_SCALAR || !loader_matches_charset(k->value, LOWER, LOWER DIGITS "-_")) {
			loader_error_at(l, k->pos, "an environment name is a lower-case word like staging");
			continue;
		}
		ev->name = xstrdup(k->value);
		ev->pos = k->pos;
		loader_load_map(l, YMAP_VALUE(n, i), environment_keys, ev, "an environment");
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
	loader_load_map(l, n, criterion_keys, obj, "a success criterion");
}

static void
parse_criteria(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	loader_load_list(l, n, "success_criteria", (void **)&rb->criteria, &rb->ncriteria, sizeof *rb->criteria,
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
	loader_load_map(l, n, drill_keys, obj, "drill");
}

static const struct keydef runbook_keys[] = {
	{ "id", K_ID, KEY_REQUIRED, RB(id), 0, 0, NULL, NULL },
	{ "title", K_TEXT, KEY_REQUIRED, RB(title), 0, 0, NULL, NULL },
	{ "scenario", K_PLAIN, 0, RB(scenario), 0, 0, NULL, NULL },
	{ "system", K_PLAIN, 0, RB(system), 0, 0, NULL, NULL },
	{ "executor", K_PLAIN, 0, RB(executor), 0, 0, NULL, NULL },
	{ "classification", K_PLAIN, 0, RB(classification), 0, 0, NULL, NULL },
	{ "trigger", K_PLAIN, 0, RB(trigger), 0, 0, NULL, NULL },
	{ "description", K_PLAIN, 0, RB(description), 0, 0, NULL, NULL },
	{ "notes", K_PLAIN, 0, RB(notes), 0, 0, NULL, NULL },
	{ "objectives", K_CUSTOM, 0, 0, 0, 0, NULL, parse_objectives },
	{ "params", K_CUSTOM, 0, 0, 0, 0, NULL, parse_params },
	{ "env", K_CUSTOM, 0, 0, 0, 0, NULL, parse_env },
	{ "cwd", K_TEXT, 0, RB(cwd), 0, 0, NULL, NULL },
	{ "shell", K_ENUM, 0, RB(shell), 0, 0, loader_shell_names, NULL },
	{ "steps", K_CUSTOM, KEY_REQUIRED, 0, 0, 0, NULL, loader_parse_steps },
	{ "environments", K_CUSTOM, 0, 0, 0, 0, NULL, parse_environments },
	{ "hosts", K_CUSTOM, 0, 0, 0, 0, NULL, loader_parse_hosts },
	{ "groups", K_CUSTOM, 0, 0, 0, 0, NULL, loader_parse_groups },
	{ "inventory", K_TEXT, 0, RB(inventory), 0, 0, NULL, NULL },
	{ "drill", K_CUSTOM, 0, 0, 0, 0, NULL, parse_drill },
	{ "approvers", K_APPROVERS, 0, RB(approvers), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};


/* Reads a runbook's root mapping into rb. */
void
loader_load_runbook(struct loader *l, const struct ynode *root, struct runbook *rb)
{
	loader_load_map(l, root, runbook_keys, rb, "a runbook");
}
