/* rbcheck_input.h: lint's checks of a value's declaration, shared by params
 * and input steps (its type, choices and pattern), and of an input step:
 * what it may carry, since it asks and runs nothing. */
#ifndef DRC_RBCHECK_INPUT_H
#define DRC_RBCHECK_INPUT_H

#include "diag.h"
#include "runbook.h"

/* Reports at p's FILE:LINE:COL what its declaration gets wrong (choices
 * without the choice type and the reverse, generate on a non-secret, a
 * pattern that does not compile); what is "param" or "input". */
void rbcheck_value_shape(const char *file, const struct param *p, const char *what, struct diags *d);
/* Reports what input step s gets wrong; nothing for another kind. */
void rbcheck_input_step(const struct runbook *rb, const struct step *s, struct diags *d);

#endif
