/* include_merge.h: what an included runbook brings besides its steps, so
 * that its steps run inside the including runbook as they would on their
 * own: its environments (merged with the includer's) and its hosts and
 * groups, renamed the way its steps are. */
#ifndef DRC_INCLUDE_MERGE_H
#define DRC_INCLUDE_MERGE_H

#include "diag.h"
#include "runbook.h"

/* One included param's new name: a param of the includer. */
struct include_rename {
	char *from;
	char *to;
};

/* One include item being expanded. */
struct include_map {
	struct runbook *rb;	/* the including runbook */
	struct diags *d;
	struct step *item;	/* the include: item */
	struct runbook *in;	/* the included runbook */
	const char *prefix;	/* of its step ids, and of its adopted params */
	struct include_rename *names;	/* distinct from names */
	int nnames;
	char **ids;		/* the included steps' own ids, sorted */
	int nids;
};

/* The value the include item gives the included param name, or NULL. */
const char *include_given(const struct include_map *m, const char *name);
/* Sorts m's renames, once they are all made, for the lookups below. */
void include_renames_sort(struct include_map *m);
/* Rewrites {{ old }} as {{ new }} in r for the renamed params. */
void include_rename_text(const struct include_map *m, struct rstr *r);
/* Keeps the included steps' ids (m->ids), before they are prefixed. */
void include_ids_keep(struct include_map *m);
void include_ids_free(struct include_map *m);
/* Rewrites a condition (when:) the way its step is moved: a renamed
 * param's name, and ID.FIELD of an included step as PREFIX-ID.FIELD. */
void include_rename_condition(const struct include_map *m, struct rstr *r);
/* Merges the included runbook's environments into the includer's and
 * adds its hosts and groups; a name both define differently is an error
 * at the includer's definition naming the included one's place. */
void include_merge(struct include_map *m);

#endif
