/* sqlbind.h: templates in a sql step's query become bound parameters.
 * "SELECT * FROM orders WHERE id = {{ order_id }}" is sent as
 * "... WHERE id = $1" with the value as parameter 1, so a value can never be
 * SQL. A template inside a string literal, a quoted identifier or a comment
 * cannot be bound, and is refused. */
#ifndef DRC_SQLBIND_H
#define DRC_SQLBIND_H

#include <stddef.h>

struct sqlbind {
	char *query;		/* the query with $1, $2... */
	char **refs;		/* the template text of each parameter, e.g. "{{ id }}" */
	int nrefs;
};

/* 0 with b filled (b->nrefs 0 when the query has no template); -1 with
 * *err_off and *cause when a template stands where it cannot be bound. */
int sqlbind_prepare(const char *query, struct sqlbind *b, size_t *err_off, char **cause);
void sqlbind_free(struct sqlbind *b);

#endif
