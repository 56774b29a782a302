/* include.h: `- include: other-runbook` items of a runbook's steps, expanded
 * at load time into the included runbook's steps, grouped as one phase. */
#ifndef DRC_INCLUDE_H
#define DRC_INCLUDE_H

#include "diag.h"
#include "runbook.h"

struct stat;
/* The expansion of one top runbook's includes: its folder, the chain of
 * files being included, what was read so far (see include.c). */
struct include_ctx;

/* Replaces every include item of rb's steps with the included steps. ctx
 * is NULL for the top runbook, else the one loader_load_included got. An
 * included file's errors are counted in d, at the include item, never
 * quoted. */
void include_expand(struct runbook *rb, struct diags *d, struct include_ctx *ctx);
/* A runbook file that group or others may write. */
int include_file_is_loose(const struct stat *st);
/* The warning, at pos of file, that path is such a file. */
void include_warn_loose(struct diags *d, const char *file, struct srcpos pos, const char *path);

#endif
