/* webtmpl.h: templates in what drconsole sends over the web (http steps and
 * notifications): a URL, a JSON body, a header line.
 *
 * A value never changes the structure the runbook wrote. Where a template
 * stands decides how its value is encoded:
 *   - a URL path segment, query or fragment: percent-encoded as one
 *     component (curl_easy_escape: all but A-Z a-z 0-9 - . _ ~), so '/',
 *     '?', '#', '&', '=', '+' and '%' arrive as data; a path segment that
 *     would be "." or ".." is refused;
 *   - the host, the port or the whole authority: checked to be a host name,
 *     a port or host[:port]; part of a host, one label (no dots); never
 *     encoded into something else;
 *   - the very start of the URL: the value is a whole base URL
 *     (scheme://host[:port][/path]), followed by '/', '?', '#' or nothing;
 *   - inside a JSON string: JSON-escaped by jansson; a bare JSON value: a
 *     JSON string (a number for an int param);
 *   - in a URL-encoded form body: percent-encoded like a query value;
 *   - a header value: refused when it holds CR, LF or another control byte.
 * Anywhere else (the scheme, user:password, part of the port, inside a
 * JSON escape) lint refuses the runbook, and the step refuses to start. */
#ifndef DRC_WEBTMPL_H
#define DRC_WEBTMPL_H

#include <stddef.h>

#include "template.h"

enum webtmpl_part {
	WEBTMPL_BASE,		/* starts the URL: a whole base URL */
	WEBTMPL_AUTHORITY,	/* the whole authority: host[:port] */
	WEBTMPL_HOST_WHOLE,	/* the whole host, a literal port follows */
	WEBTMPL_HOST_PART,	/* part of the host name */
	WEBTMPL_PORT,		/* the whole port */
	WEBTMPL_PATH,		/* inside one path segment */
	WEBTMPL_QUERY,
	WEBTMPL_FRAGMENT,
	WEBTMPL_JSON_STRING,	/* inside a JSON string */
	WEBTMPL_JSON_VALUE,	/* a whole JSON value on its own */
};

/* Gives the raw value of one template of text, allocated; *number is set
 * when the value is an integer the runbook declared as such (an int
 * param), which a bare JSON template sends as a number. NULL with *cause
 * when it cannot be resolved. */
typedef char *(*webtmpl_resolve_cb)(void *arg, const char *text,
    const struct tref *ref, int *number, char **cause);

/* Where each template of url stands (parts: one per scan ref); -1 with
 * *off (a byte offset in url) and *cause when one stands where no value
 * can be made safe. */
int webtmpl_url_parts(const char *url, const struct tscan *scan,
    enum webtmpl_part *parts, size_t *off, char **cause);
/* The same for a JSON body: each template inside a string or a whole
 * value, and the body valid JSON when each template is taken as a string. */
int webtmpl_json_parts(const char *body, const struct tscan *scan,
    enum webtmpl_part *parts, size_t *off, char **cause);
/* Lint's entry points: scan the text themselves; a malformed template is
 * left to the template check and counts as fine here. */
int webtmpl_check_url(const char *url, size_t *off, char **cause);
int webtmpl_check_json(const char *body, size_t *off, char **cause);

/* The URL with each value encoded for where it stands; base_schemes
 * ("http,https") are the schemes a base template may give. NULL with
 * *cause (naming the template, never its value) when a value does not fit
 * its place. */
char *webtmpl_expand_url(const char *url, const char *base_schemes,
    webtmpl_resolve_cb, void *arg, char **cause);
/* The JSON body with each value JSON-encoded; NULL with *cause. */
char *webtmpl_expand_json(const char *body, webtmpl_resolve_cb, void *arg,
    char **cause);

/* A form body (application/x-www-form-urlencoded): each value
 * percent-encoded like a query value, so '&', '=' and '+' cannot add a
 * field; lint refuses a template right after '%'. */
int webtmpl_check_form(const char *body, size_t *off, char **cause);
char *webtmpl_expand_form(const char *body, webtmpl_resolve_cb, void *arg,
    char **cause);

/* 1 if a Content-Type value names JSON (application/json, ...+json). */
int webtmpl_is_json_type(const char *content_type);
/* 1 if it is application/x-www-form-urlencoded. */
int webtmpl_is_form_type(const char *content_type);
/* A header name must be an RFC 9110 token; -1 with *cause if not. */
int webtmpl_check_header_name(const char *name, char **cause);
/* A header value may hold no CR, LF or other control byte but tab: it
 * could end the header and start another one, or the request. Returns the
 * offset of the first bad byte, or -1 when the value is fine. */
long webtmpl_header_bad_byte(const char *value);

#endif
