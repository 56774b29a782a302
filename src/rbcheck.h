/* rbcheck.h: the meaning-level checks of a loaded runbook (what YAML syntax
 * and the key tables cannot see): unique ids, exactly-one-action, params and
 * their defaults, templates naming declared params, regexes that compile. */
#ifndef DRC_RBCHECK_H
#define DRC_RBCHECK_H

#include "diag.h"
#include "runbook.h"

void rbcheck_runbook(const struct runbook *rb, struct diags *d);
/* Validates a runtime value for a param; NULL when fine, else a message. */
char *rbcheck_param_value(const struct param *p, const char *value);
/* Splits "STEP.field" for conditions: 0 with the step index and field
 * when STEP is a step of rb and field one a condition may read. */
int rbcheck_step_ref(const struct runbook *rb, const char *name, int *step, const char **field);

#endif
