/* rbcheck_hosts.h: lint's checks of {{ host.vars.NAME }}: it stands only in
 * the commands of a step run 'on' hosts (run, rollback, verify, drill), and, when 'on'
 * names its hosts in the file, every one of them has the var. */
#ifndef DRC_RBCHECK_HOSTS_H
#define DRC_RBCHECK_HOSTS_H

#include "diag.h"
#include "runbook.h"

/* Reports each misplaced or missing host var of step s at its FILE:LINE:COL. */
void rbcheck_host_vars(const struct runbook *rb, const struct step *s, struct diags *d);
/* The same for the runbook's own texts (its env): no host var may stand there. */
void rbcheck_host_vars_global(const struct runbook *rb, struct diags *d);

#endif
