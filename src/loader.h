/* loader.h: YAML runbook files into struct runbook, with every problem found
 * reported as a diagnostic at the line and column of the offending node. */
#ifndef DRC_LOADER_H
#define DRC_LOADER_H

#include <stddef.h>

#include "diag.h"
#include "runbook.h"

/* Loads and checks one runbook. Returns NULL when it has any error; the
 * errors (and warnings) are appended to d either way. */
struct runbook *loader_load_file(const char *path, struct diags *d);
struct include_ctx;
/* loader_load_buffer for an included runbook's bytes, inside ctx. */
struct runbook *loader_load_included(const char *name, const unsigned char *buf, size_t len,
    struct diags *d, struct include_ctx *ctx);
/* The same over bytes in memory; name is used in diagnostics. */
struct runbook *loader_load_buffer(const char *name, const unsigned char *buf, size_t len,
    struct diags *d);
/* The closest of names to word, or NULL: for "did you mean". */
const char *loader_suggest(const char *word, const char *const *names);

#endif
