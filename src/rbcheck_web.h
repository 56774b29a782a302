/* rbcheck_web.h: lint's checks of what a step sends over the web: where
 * each template stands in a URL or a JSON body (webtmpl.h), header names
 * and literal header text, and bodies that look like JSON but are not
 * declared so. */
#ifndef DRC_RBCHECK_WEB_H
#define DRC_RBCHECK_WEB_H

#include "diag.h"
#include "runbook.h"

/* Reports each problem of step s (its http, verify.http or notify) at its
 * FILE:LINE:COL. */
void rbcheck_web_step(const struct runbook *rb, const struct step *s, struct diags *d);

#endif
