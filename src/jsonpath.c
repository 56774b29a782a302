/* jsonpath.c: walks a parsed JSON value (jansson) along a jq-like path. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonpath.h"
#include "strbuf.h"
#include "xmalloc.h"

/* One step of the path at *p: a key (into *key) or an index (*index >= 0).
 * 1 with a step, 0 at the end, -1 with *cause on a malformed path. */
static int
next_step(const char **p, struct strbuf *key, long *index, char **cause)
{
	char *end;

	strbuf_reset(key);
	*index = -1;
	if (**p == '\0')
		return 0;
	if (**p == '[') {
		*index = strtol(*p + 1, &end, 10);
		if (end == *p + 1 || *end != ']' || *index < 0 || !isdigit((unsigned char)(*p)[1])) {
			*cause = xprintf("'[' must hold an index, like [0]");
			return -1;
		}
		*p = end + 1;
		return 1;
	}
	if (**p != '.') {
		*cause = xprintf("a path is .key or [index] steps, like .a.b[0]");
		return -1;
	}
	(*p)++;
	if (**p == '"') {
		const char *close = strchr(*p + 1, '"');

		if (close == NULL) {
			*cause = xstrdup("unterminated quoted key");
			return -1;
		}
		strbuf_add(key, *p + 1, (size_t)(close - *p - 1));
		*p = close + 1;
		return 1;
	}
	while (isalnum((unsigned char)**p) || **p == '_' || **p == '-')
		strbuf_addch(key, *(*p)++);
	if (key->len == 0 && **p != '\0' && **p != '[') {
		*cause = xstrdup("a key after '.' is letters, digits, '_' and '-', or quoted");
		return -1;
	}
	return key->len == 0 ? (**p == '\0' ? 0 : next_step(p, key, index, cause)) : 1;
}

int
jsonpath_check(const char *path, char **cause)
{
	struct strbuf key;
	const char *p = path;
	long index;
	int rc;

	if (*path != '.') {
		*cause = xstrdup("a json path starts with '.', like .a.b[0]");
		return -1;
	}
	strbuf_init(&key);
	while ((rc = next_step(&p, &key, &index, cause)) > 0)
		;
	strbuf_free(&key);
	return rc;
}

char *
jsonpath_value(const char *text, const char *path, char **cause)
{
	json_error_t err;
	json_t *root, *v;
	struct strbuf key;
	const char *p = path;
	char *out = NULL;
	long index;
	int rc;

	if (jsonpath_check(path, cause) != 0)
		return NULL;
	if ((root = json_loads(text, JSON_DECODE_ANY, &err)) == NULL) {
		*cause = xprintf("the output is not JSON (%s, line %d)", err.text, err.line);
		return NULL;
	}
	strbuf_init(&key);
	for (v = root; v != NULL && (rc = next_step(&p, &key, &index, cause)) > 0;)
		v = index >= 0 ? json_array_get(v, (size_t)index) : json_object_get(v, strbuf_str(&key));
	if (v == NULL || json_is_null(v))
		*cause = xprintf("the output has nothing at %s", path);
	else if (json_is_string(v))
		out = xstrdup(json_string_value(v));
	else if ((out = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
		char *copy = xstrdup(out);

		free(out);
		out = copy;
	}
	strbuf_free(&key);
	json_decref(root);
	return out;
}
