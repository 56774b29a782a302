/* jsonget.h: the small JSON accessors the report, its Markdown and the
 * scorecard share: members read with a default when they are missing or of
 * another type, and values that are null when there is nothing to show. */
#ifndef DRC_JSONGET_H
#define DRC_JSONGET_H

#include <stdint.h>

#include <jansson.h>

/* What jsonget_ts returns for a missing or unreadable time. */
#define JSONGET_NO_TIME INT64_MIN

/* The string member key of o; NULL if it is missing or not a string. */
const char *jsonget_str(json_t *o, const char *key);
/* The integer member key of o; dflt if it is missing or not an integer. */
int64_t jsonget_int(json_t *o, const char *key, int64_t dflt);
/* A journal line's "ts" in ms since the epoch, or JSONGET_NO_TIME. */
int64_t jsonget_ts(json_t *ev);
/* s, or "?" when it is NULL. */
const char *jsonget_or_q(const char *s);
/* A new string, or null for NULL: json_string(NULL) would be no value. */
json_t *jsonget_new_str(const char *s);
/* A new integer, or null when v is none. */
json_t *jsonget_new_int(int64_t v, int64_t none);

#endif
