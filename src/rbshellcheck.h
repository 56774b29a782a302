/* rbshellcheck.h: a step's shell command checked by outside programs, for
 * lint only: shellcheck when it is installed, else the shell's own syntax
 * check (sh -n, bash -n). Findings are reported at the runbook's position. */
#ifndef DRC_RBSHELLCHECK_H
#define DRC_RBSHELLCHECK_H

#include "diag.h"
#include "runbook.h"
#include "shlex.h"
#include "template.h"

/* Per-script limits: a checker that takes longer is stopped and said so. */
#define RBSHELLCHECK_TIMEOUT_MS	10000
#define RBSHELLCHECK_MAX_OUTPUT	(1024 * 1024)
/* shellcheck's time grows fast with size: longer commands get the shell's
 * syntax check only, and a warning. */
#define RBSHELLCHECK_MAX_SCRIPT	(64 * 1024)

/* r is the command of step s under key ("run", "rollback", ...); scan and
 * lex are its templates and their sites, as rbshell read them, and lists[i]
 * is set when template i names a list (the run writes several words). */
void rbshellcheck_command(const struct runbook *rb, const struct step *s, const struct rstr *r,
    const char *key, const struct tscan *scan, const struct shlex_result *lex, const int *lists,
    enum sh_dialect dialect, struct diags *d);

#endif
