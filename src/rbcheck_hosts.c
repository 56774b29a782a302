/* rbcheck_hosts.c: where {{ host.vars.NAME }} may stand, and whether the
 * hosts a step names have that var. A host var is a value of the host the
 * command runs on, so it has a meaning only in a command that runs there:
 * the run and the rollback of a step with 'on'. Where it stands inside
 * that command is the shell rule every template follows (rbshell.c). */
#include <stdlib.h>
#include <string.h>

#include "rbcheck_hosts.h"
#include "template.h"
#include "xmalloc.h"

static void
report_misplaced(const struct runbook *rb, const struct step *s, const struct rstr *r, const struct tref *ref,
    struct diags *d)
{
	/* s NULL: a runbook-wide text (env, an environment's values). */
	diags_add(d, DIAG_ERROR, s != NULL ? runbook_step_file(rb, s) : rb->path, rstr_pos_at(r, ref->start),
	    "'" TEMPLATE_HOSTVAR_PREFIX "%s' "
	    "stands only in a command of a step run 'on' hosts (run, rollback, verify.run, drill.run)", ref->name);
}

/* Every host of a static 'on' must have the var, its own or a group's. */
static void
check_hosts_have(const struct runbook *rb, const struct step *s, const struct rstr *r,
    const struct tref *ref, struct diags *d)
{
	const struct host_def **list;
	char *cause = NULL;
	int n;

	if (strstr(s->on.s, "{{") != NULL) {
		/* The hosts are picked at run time: one of them must have it. */
		for (int k = 0; k < rb->nhosts; k++) {
			if (runbook_host_var(rb, &rb->hosts[k], ref->name) != NULL)
				return;
		}
		diags_add(d, DIAG_ERROR, runbook_step_file(rb, s), rstr_pos_at(r, ref->start), "no host of the runbook has "
		    "the var '%s'", ref->name);
		return;
	}
	if (runbook_resolve_hosts(rb, s->on.s, &list, &n, &cause) != 0) {
		free(cause);	/* check_on reports it */
		return;
	}
	for (int k = 0; k < n; k++) {
		if (runbook_host_var(rb, list[k], ref->name) == NULL)
			diags_add(d, DIAG_ERROR, runbook_step_file(rb, s), rstr_pos_at(r, ref->start), "step '%s' runs on host "
			    "'%s', which has no var '%s' (give it in the host's or a group's vars)", s->id,
			    list[k]->name, ref->name);
	}
	free(list);
}

/* Each host var of r: misplaced unless allowed, else checked against s's hosts. */
static void
check_text(const struct runbook *rb, const struct step *s, const struct rstr *r, int allowed,
    struct diags *d)
{
	struct tscan scan;
	size_t off;
	char *cause = NULL;

	if (r->s == NULL || template_scan(r->s, &scan, &off, &cause) != 0) {
		free(cause);	/* check_template reports a malformed one */
		return;
	}
	for (int i = 0; i < scan.nrefs; i++) {
		if (scan.refs[i].kind != TREF_HOSTVAR)
			continue;
		if (!allowed)
			report_misplaced(rb, s, r, &scan.refs[i], d);
		else
			check_hosts_have(rb, s, r, &scan.refs[i], d);
	}
	template_scan_free(&scan);
}

void
rbcheck_host_vars(const struct runbook *rb, const struct step *s, struct diags *d)
{
	struct rstr *texts[STEP_TEXTS_MAX];
	int n = step_texts((struct step *)s, texts);

	/* The commands that run on the step's hosts (engine_exec.c's spawn). */
	for (int i = 0; i < n; i++)
		check_text(rb, s, texts[i], s->on.s != NULL && (texts[i] == &s->run ||
		    texts[i] == &s->rollback || texts[i] == &s->drill_run || texts[i] == &s->verify_run), d);
}

void
rbcheck_host_vars_global(const struct runbook *rb, struct diags *d)
{
	for (int i = 0; i < rb->nenv; i++)
		check_text(rb, NULL, &rb->env[i].value, 0, d);
	for (int e = 0; e < rb->nenvironments; e++) {
		for (int i = 0; i < rb->environments[e].nenv; i++)
			check_text(rb, NULL, &rb->environments[e].env[i].value, 0, d);
		for (int i = 0; i < rb->environments[e].nparams; i++)
			check_text(rb, NULL, &rb->environments[e].params[i].value, 0, d);
	}
}
