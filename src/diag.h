/* diag.h: diagnostics collected while loading files, printed as
 * FILE:LINE:COL: error: MESSAGE, the form editors and CI annotate. */
#ifndef DRC_DIAG_H
#define DRC_DIAG_H

#include <stdio.h>

#include "srcpos.h"

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag {
	enum diag_severity severity;
	char *file;
	struct srcpos pos;
	char *message;
};

struct diags {
	struct diag *list;
	int count;
	int errors;
	int warnings;
	int tools;		/* set by lint: also check shell scripts with
				   programs (shellcheck, or sh -n), which is
				   too slow for every load */
};

void diags_add(struct diags *d, enum diag_severity sev, const char *file, struct srcpos pos,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#include <stdarg.h>
void diags_addv(struct diags *d, enum diag_severity sev, const char *file, struct srcpos pos,
    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
void diags_print(const struct diags *d, FILE *fp);
/* "file:line:col: error: message" for one diagnostic, allocated. */
char *diag_format(const struct diag *dg);
void diags_clear(struct diags *d);

#endif
