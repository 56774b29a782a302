/* catalog.h: a set of runbooks loaded from files and directories, with ids
 * unique across the set. The picker and lint both start here. */
#ifndef DRC_CATALOG_H
#define DRC_CATALOG_H

#include "diag.h"
#include "runbook.h"

struct catalog {
	struct runbook **list;
	int count;
	int files;		/* files read, valid or not */
};

/* Loads every path: a file, or a directory searched recursively for *.yaml
 * and *.yml (hidden entries skipped), in name order. Invalid runbooks are
 * left out and reported in d. Returns the number of files read. */
int catalog_load(struct catalog *cat, char *const *paths, int npaths, struct diags *d);
struct runbook *catalog_find(const struct catalog *cat, const char *id);
void catalog_free(struct catalog *cat);

#endif
