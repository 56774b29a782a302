/* rbcheck_input.c: lint's checks of a value's declaration, shared by the
 * params and the input steps that ask for a value mid-run, and of what an
 * input step may carry: it asks and runs nothing, so the keys of a step
 * that runs something are mistakes. */
#include <regex.h>
#include <stdlib.h>

#include "rbcheck_input.h"
#include "template.h"

void
rbcheck_value_shape(const char *file, const struct param *p, const char *what, struct diags *d)
{
	regex_t re;
	char buf[256];
	int rc;

	if (p->name != NULL && template_is_builtin(p->name))
		diags_add(d, DIAG_ERROR, file, p->pos, "%s '%s' has the name of a built-in: {{ %s }} would "
		    "never reach it", what, p->name, p->name);
	if (p->type == PARAM_CHOICE && p->nchoices == 0)
		diags_add(d, DIAG_ERROR, file, p->pos, "%s '%s' is a choice but lists no 'choices'", what, p->name);
	if (p->type != PARAM_CHOICE && p->choices != NULL)
		diags_add(d, DIAG_ERROR, file, p->pos, "%s '%s' has 'choices' but its type is not choice", what,
		    p->name);
	if (p->generate != 0 && p->type != PARAM_SECRET)
		diags_add(d, DIAG_ERROR, file, p->pos, "%s '%s': 'generate' is only for secret params", what,
		    p->name);
	/* rbcheck_param_value skips a pattern that does not compile: here it
	 * is an error, or every value would pass unchecked. */
	if (p->pattern.s != NULL && (rc = regcomp(&re, p->pattern.s, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &re, buf, sizeof buf);
		diags_add(d, DIAG_ERROR, file, p->pattern.pos, "%s '%s': pattern is not a valid regular "
		    "expression: %s", what, p->name, buf);
	} else if (p->pattern.s != NULL) {
		regfree(&re);
	}
}

/* A key of a step that runs something, given to an input step. */
static void
not_for_input(const struct runbook *rb, const struct step *s, int given, const char *key, struct diags *d)
{
	if (given)
		diags_add(d, DIAG_ERROR, runbook_step_file(rb, s), s->pos, "step '%s' asks for a value (input): '%s' is for "
		    "steps that run something", s->id, key);
}

void
rbcheck_input_step(const struct runbook *rb, const struct step *s, struct diags *d)
{
	const struct param *p = &s->input;

	if (s->action != ACTION_INPUT || p->name == NULL)
		return;
	rbcheck_value_shape(runbook_step_file(rb, s), p, "input", d);
	if (p->type == PARAM_HOSTS || p->type == PARAM_LIST)
		diags_add(d, DIAG_ERROR, runbook_step_file(rb, s), p->pos, "input '%s': an input step asks for one value, so "
		    "its type cannot be %s", p->name, param_type_name(p->type));
	/* The operator gives the value when the step comes: nothing else may. */
	if (p->def.s != NULL || p->generate != 0 || p->from_command != NULL || p->required)
		diags_add(d, DIAG_ERROR, runbook_step_file(rb, s), p->pos, "input '%s': 'default', 'required', 'generate' and "
		    "'from_command' are for params; an input step's value is typed when the step comes "
		    "(or given with --answer)", p->name);
	not_for_input(rb, s, s->on.s != NULL, "on", d);
	not_for_input(rb, s, s->rollback.s != NULL, "rollback", d);
	not_for_input(rb, s, s->retries > 0, "retries", d);
	not_for_input(rb, s, s->timeout_ms > 0, "timeout", d);
	not_for_input(rb, s, s->until_every_ms > 0, "until", d);
	not_for_input(rb, s, s->verify_action != ACTION_NONE, "verify", d);
}
