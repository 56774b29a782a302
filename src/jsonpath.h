/* jsonpath.h: one member of a JSON text by a jq-like path, for captures
 * (capture: { lag: { json: .replication[0].lag } }): ".key" (or ."a key"),
 * "[index]", chained; "." alone is the whole text. */
#ifndef DRC_JSONPATH_H
#define DRC_JSONPATH_H

/* The value at path in text: a string as it is, anything else (a number,
 * true, an object...) as compact JSON. NULL with *cause when text is not
 * JSON, path is malformed, or it leads nowhere (or to null). */
char *jsonpath_value(const char *text, const char *path, char **cause);
/* 0 when path is well formed, else -1 with *cause. */
int jsonpath_check(const char *path, char **cause);

#endif
