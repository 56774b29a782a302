/* rbshell.h: lint of a step's shell commands: templates that could become
 * code, and bashisms in a step that runs under sh. */
#ifndef DRC_RBSHELL_H
#define DRC_RBSHELL_H

#include "diag.h"
#include "runbook.h"

typedef const struct param *(*rbshell_find_param)(void *arg, const char *name);

/* find looks a param up by name (the checker keeps them sorted). */
void rbshell_check_step(const struct runbook *rb, const struct step *s, rbshell_find_param find,
    void *arg, struct diags *d);

#endif
