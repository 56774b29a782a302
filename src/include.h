/* include.h: `- include: other-runbook` items of a runbook's steps, expanded
 * at load time into the included runbook's steps, grouped as one phase. */
#ifndef DRC_INCLUDE_H
#define DRC_INCLUDE_H

#include "diag.h"
#include "runbook.h"

/* Replaces every include item of rb's steps with the included steps; the
 * included file's errors are reported in d, at their own positions. */
void include_expand(struct runbook *rb, struct diags *d, int depth);

#endif
