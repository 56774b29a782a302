/* rbshell.c: lint of the shell commands in a runbook (run, rollback, a
 * drill's stand-in, verify.run). Each command is read by the same lexer the
 * run uses (shlex.h), and each template is judged by the same rule
 * (template_shell_check), so lint refuses exactly what a run would. */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "rbshell.h"
#include "rbshellcheck.h"
#include "shlex.h"
#include "template.h"
#include "xmalloc.h"

/* What a runbook can say of a name before any value is given. */
struct finder {
	rbshell_find_param find;
	void *arg;
};

static void
kind_of(const struct finder *f, const struct tref *ref, int *inert, int *is_list)
{
	const struct param *p;

	*inert = *is_list = 0;
	if (ref->kind == TREF_BUILTIN)
		*inert = template_builtin_is_inert(ref->name);
	else if (ref->kind == TREF_PARAM && (p = f->find(f->arg, ref->name)) != NULL) {
		*inert = param_is_inert(p);
		*is_list = p->type == PARAM_LIST;
	}
}

static void
check_command(const struct runbook *rb, const struct step *s, const struct rstr *r,
    const char *key, const struct finder *f, struct diags *d)
{
	enum sh_dialect dialect = (enum sh_dialect)runbook_step_shell(rb, s);
	struct shlex_result lex;
	struct tscan scan;
	size_t off;
	char *cause = NULL;
	int *lists, refused = 0;

	if (r->s == NULL || template_scan(r->s, &scan, &off, &cause) != 0) {
		free(cause);	/* the template checks report a malformed one */
		return;
	}
	shlex_analyse(r->s, &scan, dialect, &lex);
	lists = xcalloc((size_t)scan.nrefs + 1, sizeof *lists);
	for (int i = 0; i < scan.nrefs; i++) {
		int inert, is_list;

		kind_of(f, &scan.refs[i], &inert, &is_list);
		lists[i] = is_list;
		if (template_shell_check(&lex.sites[i], &scan.refs[i], inert, is_list, &cause) != 0) {
			diags_add(d, DIAG_ERROR, runbook_step_file(rb, s), rstr_pos_at(r, scan.refs[i].start),
			    "step '%s': %s: %s", s->id, key, cause);
			free(cause);
			refused = 1;
		}
	}
	for (int i = 0; i < lex.nwarns; i++)
		diags_add(d, DIAG_WARNING, runbook_step_file(rb, s), rstr_pos_at(r, lex.warns[i].off), "step '%s': %s: %s",
		    s->id, key, lex.warns[i].msg);
	if (d->tools && !refused)	/* a refused command never reaches a shell */
		rbshellcheck_command(rb, s, r, key, &scan, &lex, lists, dialect, d);
	free(lists);
	shlex_result_free(&lex);
	template_scan_free(&scan);
}

void
rbshell_check_step(const struct runbook *rb, const struct step *s, rbshell_find_param find,
    void *arg, struct diags *d)
{
	struct finder f = { find, arg };

	check_command(rb, s, &s->run, "run", &f, d);
	check_command(rb, s, &s->rollback, "rollback", &f, d);
	check_command(rb, s, &s->drill_run, "drill.run", &f, d);
	check_command(rb, s, &s->verify_run, "verify.run", &f, d);
	for (int i = 0; i < rb->nenvironments; i++) {
		const struct rstr *si = runbook_stand_in(&rb->environments[i], s->id);

		if (si != NULL)
			check_command(rb, s, si, "stand_in", &f, d);
	}
	check_command(rb, s, &s->on_failure_run, "on_failure.run", &f, d);
}
