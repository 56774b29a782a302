/* cond.h: the small expression language of a step's `when:`.
 *
 *   expr   := or
 *   or     := and ( "||" and )*
 *   and    := not ( "&&" not )*
 *   not    := "!" not | cmp
 *   cmp    := value [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "=~" ) value ]
 *   value  := "string" | 'string' | number | name | "(" expr ")"
 *   name   := letters, digits, '_', '-' and '.', e.g. region, restore.status
 *
 * Every value is a string. Comparisons are numeric when both sides are
 * numbers, else by bytes; =~ matches a POSIX extended regex. A value on its
 * own is true unless it is empty, "0" or "false". */
#ifndef DRC_COND_H
#define DRC_COND_H

#include <stddef.h>

struct cond;

/* Parses src; on error returns NULL with *err_off the byte offset of the
 * problem and *cause an allocated message. */
struct cond *cond_parse(const char *src, size_t *err_off, char **cause);
void cond_free(struct cond *c);

/* Looks a name up: 0 with *value set, or -1 when the name is unknown. */
typedef int (*cond_lookup_cb)(void *arg, const char *name, const char **value);

/* Evaluates c: 0 with *result 1 or 0, or -1 with *cause (unknown name,
 * bad regex). */
int cond_eval(const struct cond *c, cond_lookup_cb lookup, void *arg, int *result, char **cause);

/* Calls cb for every name c uses, with its byte offset in the source. */
void cond_names(const struct cond *c, void (*cb)(void *arg, const char *name, size_t off), void *arg);

#endif
