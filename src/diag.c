/* diag.c: the diagnostics list shared by the runbook and theme loaders. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "log.h"
#include "xmalloc.h"

void
diags_add(struct diags *d, enum diag_severity sev, const char *file, struct srcpos pos,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_addv(d, sev, file, pos, fmt, ap);
	va_end(ap);
}

void
diags_addv(struct diags *d, enum diag_severity sev, const char *file, struct srcpos pos,
    const char *fmt, va_list ap)
{
	struct diag *dg;
	char *msg;

	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("out of memory formatting a diagnostic");
	d->list = xreallocarray(d->list, d->count + 1, sizeof *d->list);
	dg = &d->list[d->count++];
	dg->severity = sev;
	dg->file = xstrdup(file);
	dg->pos = pos;
	dg->message = msg;
	if (sev == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

char *
diag_format(const struct diag *dg)
{
	const char *sev = dg->severity == DIAG_ERROR ? "error" : "warning";

	if (dg->pos.line <= 0)
		return xprintf("%s: %s: %s", dg->file, sev, dg->message);
	return xprintf("%s:%d:%d: %s: %s", dg->file, dg->pos.line, dg->pos.col, sev, dg->message);
}

void
diags_print(const struct diags *d, FILE *fp)
{
	for (int i = 0; i < d->count; i++) {
		char *s = diag_format(&d->list[i]);

		fprintf(fp, "%s\n", s);
		free(s);
	}
}

void
diags_clear(struct diags *d)
{
	for (int i = 0; i < d->count; i++) {
		free(d->list[i].file);
		free(d->list[i].message);
	}
	free(d->list);
	d->list = NULL;
	d->count = d->errors = d->warnings = 0;
}
