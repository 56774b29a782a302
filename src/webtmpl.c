/* webtmpl.c: where a template stands in a URL or a JSON body, and how its
 * value is encoded there (see webtmpl.h for the rules). The structure is
 * read from the runbook's literal text only: each template is first
 * blotted out, so nothing a value holds can ever be taken as a '/', '?',
 * '"' or any other structural character. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "log.h"
#include "strbuf.h"
#include "webtmpl.h"
#include "xmalloc.h"

/* Stands for template bytes in the blotted copy; never structural. */
#define BLOT	'\001'

/* url with every template's bytes replaced by BLOT, offsets unchanged. */
static char *
blot(const char *text, const struct tscan *scan)
{
	char	*copy = xstrdup(text);

	for (int i = 0; i < scan->nrefs; i++)
		memset(copy + scan->refs[i].start, BLOT,
		    scan->refs[i].end - scan->refs[i].start);
	return copy;
}

/* The offset of the first of chars in copy[from, to), or to. */
static size_t
find_any(const char *copy, size_t from, size_t to, const char *chars)
{
	while (from < to && strchr(chars, copy[from]) == NULL)
		from++;
	return from;
}

static size_t
find_last(const char *copy, size_t from, size_t to, char c)
{
	size_t	at = to;

	for (size_t i = from; i < to; i++)
		if (copy[i] == c)
			at = i;
	return at;
}

/* --- URLs --- */

/* Where the parts of a URL begin and end, in the blotted copy. */
struct urlshape {
	size_t	auth, userinfo_end, host_end, port, auth_end;
	size_t	query, frag, len;
	int	base;		/* the URL starts with a template */
	int	has_port;	/* a literal ':' ends the host */
};

static int
url_shape(const char *copy, const struct tscan *scan, struct urlshape *u,
    size_t *off, char **cause)
{
	const char	*sep;
	size_t		 at, hs;

	memset(u, 0, sizeof *u);
	u->len = strlen(copy);
	if (scan->nrefs > 0 && scan->refs[0].start == 0) {
		u->base = 1;
		u->auth_end = scan->refs[0].end;
		if (copy[u->auth_end] != '\0' &&
		    strchr("/?#", copy[u->auth_end]) == NULL) {
			*off = u->auth_end;
			*cause = xstrdup("a template that starts a URL stands "
			    "for a whole base URL (scheme://host[:port][/path]): "
			    "'/', '?' or '#' must follow it");
			return -1;
		}
	} else if ((sep = strstr(copy, "://")) == NULL) {
		*off = scan->refs[0].start;
		*cause = xstrdup("this URL has no literal scheme://host before "
		    "its template; write the scheme, or make one template "
		    "the whole base URL at the start");
		return -1;
	} else {
		u->auth = (size_t)(sep - copy) + 3;
		u->auth_end = find_any(copy, u->auth, u->len, "/?#");
		at = find_last(copy, u->auth, u->auth_end, '@');
		u->userinfo_end = at < u->auth_end ? at + 1 : u->auth;
		hs = u->userinfo_end;
		if (copy[hs] == '[') {	/* [v6]: its colons are no port */
			hs = find_any(copy, hs, u->auth_end, "]");
			hs += hs < u->auth_end;
		}
		u->host_end = find_any(copy, hs, u->auth_end, ":");
		u->has_port = u->host_end < u->auth_end;
		u->port = u->host_end + u->has_port;
	}
	u->query = find_any(copy, u->auth_end, u->len, "?#");
	u->frag = find_any(copy, u->query, u->len, "#");
	return 0;
}

/* A template right after '%' or '%X' would finish a percent-escape. */
static int
after_percent(const char *copy, size_t start)
{
	return (start >= 1 && copy[start - 1] == '%') ||
	    (start >= 2 && copy[start - 2] == '%' &&
	    isxdigit((unsigned char)copy[start - 1]));
}

static int
authority_part(const struct urlshape *u, const struct tref *r,
    enum webtmpl_part *part, const char **why)
{
	if (r->start < u->userinfo_end) {
		*why = "a template in a URL's user:password part could add a "
		    "host; send credentials in an Authorization header";
		return -1;
	}
	if (u->has_port && r->start >= u->port) {
		if (r->start != u->port || r->end != u->auth_end) {
			*why = "a template in a URL's port must be the whole port";
			return -1;
		}
		*part = WEBTMPL_PORT;
	} else if (r->start == u->userinfo_end && r->end == u->auth_end)
		*part = WEBTMPL_AUTHORITY;
	else if (r->start == u->userinfo_end && r->end == u->host_end)
		*part = WEBTMPL_HOST_WHOLE;
	else
		*part = WEBTMPL_HOST_PART;
	return 0;
}

static int
url_part(const char *copy, const struct urlshape *u, const struct tref *r,
    int first, enum webtmpl_part *part, const char **why)
{
	if (u->base && first) {
		*part = WEBTMPL_BASE;
		return 0;
	}
	if (!u->base && r->start < u->auth) {
		*why = "a template in a URL's scheme could send the request "
		    "anywhere; write the scheme";
		return -1;
	}
	if (r->start < u->auth_end)
		return authority_part(u, r, part, why);
	if (after_percent(copy, r->start)) {
		*why = "a template right after '%' would finish a "
		    "percent-escape with its value";
		return -1;
	}
	*part = r->start < u->query ? WEBTMPL_PATH : r->start < u->frag ?
	    WEBTMPL_QUERY : WEBTMPL_FRAGMENT;
	return 0;
}

/* Where each template of url stands. */
int
webtmpl_url_parts(const char *url, const struct tscan *scan,
    enum webtmpl_part *parts, size_t *off, char **cause)
{
	struct urlshape	 u;
	const char	*why = NULL;
	char		*copy;
	int		 rc = 0;

	if (scan->nrefs == 0)
		return 0;
	copy = blot(url, scan);
	if (url_shape(copy, scan, &u, off, cause) != 0) {
		free(copy);
		return -1;
	}
	for (int i = 0; i < scan->nrefs && rc == 0; i++) {
		if (url_part(copy, &u, &scan->refs[i], i == 0, &parts[i],
		    &why) != 0) {
			*off = scan->refs[i].start;
			*cause = xstrdup(why);
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

typedef int (*webtmpl_parts_fn)(const char *, const struct tscan *, enum webtmpl_part *,
    size_t *, char **);

/* Lint's check of one text's templates by a parts reader; 0 when there
 * are none or the text's templates are malformed (reported elsewhere). */
static int
check_parts(const char *text, webtmpl_parts_fn read_parts, size_t *off, char **cause)
{
	struct tscan		 scan;
	enum webtmpl_part	*parts;
	char			*ignored = NULL;
	int			 rc;

	if (text == NULL || template_scan(text, &scan, off, &ignored) != 0) {
		free(ignored);
		return 0;
	}
	parts = xcalloc((size_t)scan.nrefs + 1, sizeof *parts);
	rc = read_parts(text, &scan, parts, off, cause);
	free(parts);
	template_scan_free(&scan);
	return rc;
}

/* Lint's check of a URL's templates. */
int
webtmpl_check_url(const char *url, size_t *off, char **cause)
{
	return check_parts(url, webtmpl_url_parts, off, cause);
}

/* --- checking and encoding URL values --- */

static int
all_of(const char *s, size_t n, const char *chars)
{
	return n > 0 && strspn(s, chars) >= n;
}

#define LABEL_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-"
#define HOST_CHARS	LABEL_CHARS "."

static int
valid_port(const char *s, size_t n)
{
	long	port = 0;

	if (n == 0 || n > 5 || !all_of(s, n, "0123456789"))
		return 0;
	for (size_t i = 0; i < n; i++)
		port = port * 10 + (s[i] - '0');
	return port >= 1 && port <= 65535;
}

/* A host name, an IPv4 address, or (whole hosts only) [an IPv6 one]. */
static int
valid_host(const char *s, size_t n, int whole)
{
	if (whole && n > 2 && s[0] == '[' && s[n - 1] == ']')
		return all_of(s + 1, n - 2, "0123456789abcdefABCDEF:.");
	return all_of(s, n, HOST_CHARS) && s[0] != '-' && s[0] != '.';
}

static int
valid_authority(const char *v)
{
	const char	*colon = strrchr(v, ':'), *br = strrchr(v, ']');

	if (colon != NULL && (br == NULL || colon > br))
		return valid_host(v, (size_t)(colon - v), 1) &&
		    valid_port(colon + 1, strlen(colon + 1));
	return valid_host(v, strlen(v), 1);
}

/* One scheme of a comma-separated list? */
static int
scheme_in(const char *scheme, const char *list)
{
	size_t	n = strlen(scheme);

	for (const char *p = list; *p != '\0'; p += strcspn(p, ",")) {
		p += *p == ',';
		if (strncmp(p, scheme, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

/* A base URL: absolute, of an allowed scheme, no spaces or controls, and
 * no query or fragment when the runbook's text follows it. */
static const char *
base_problem(const char *v, const char *schemes, int followed)
{
	CURLU		*u = curl_url();
	char		*scheme = NULL;
	const char	*why = NULL;

	for (const char *p = v; *p != '\0' && why == NULL; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			why = "holds a space or a control character";
	if (why == NULL && (u == NULL || curl_url_set(u, CURLUPART_URL, v,
	    CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK))
		why = "is not an absolute URL";
	else if (why == NULL && !scheme_in(scheme, schemes))
		why = "has a scheme this URL may not use";
	else if (why == NULL && followed && strpbrk(v, "?#") != NULL)
		why = "has a query or fragment, and the runbook's URL goes on "
		    "after it";
	curl_free(scheme);
	curl_url_cleanup(u);
	return why;
}

/* Appends v percent-encoded as one component. */
static void
add_escaped(struct strbuf *b, const char *v)
{
	char	*esc = curl_easy_escape(NULL, v, (int)strlen(v));

	if (esc == NULL)
		fatalx("out of memory");
	strbuf_adds(b, esc);
	curl_free(esc);
}

/* Appends one value where the runbook put it; NULL, or why it cannot be. */
static const char *
add_url_value(struct strbuf *b, const char *v, enum webtmpl_part part,
    const char *schemes, const char *rest)
{
	const char	*why;
	size_t		 n = strlen(v);

	switch (part) {
	case WEBTMPL_BASE:
		if ((why = base_problem(v, schemes, *rest != '\0')) != NULL)
			return why;
		/* "{{ base }}/health" with a base ending in '/' */
		strbuf_add(b, v, n - (n > 0 && v[n - 1] == '/' && *rest == '/'));
		return NULL;
	case WEBTMPL_AUTHORITY:
		if (!valid_authority(v))
			return "is not a host or host:port";
		break;
	case WEBTMPL_HOST_WHOLE:
		if (!valid_host(v, n, 1))
			return "is not a host name";
		break;
	case WEBTMPL_HOST_PART:
		/* One label: a dot would let it pick another domain. */
		if (!all_of(v, n, LABEL_CHARS))
			return "is not one host-name label (letters, digits, '-')";
		break;
	case WEBTMPL_PORT:
		if (!valid_port(v, n))
			return "is not a port (1-65535)";
		break;
	default:
		add_escaped(b, v);
		return NULL;
	}
	strbuf_add(b, v, n);
	return NULL;
}

/* How many dots p[0, n) is, "%2e" counting as one; -1 if anything else. */
static int
count_dots(const char *p, size_t n)
{
	int	dots = 0;

	for (size_t i = 0; i < n; dots++) {
		if (p[i] == '.')
			i++;
		else if (n - i >= 3 && strncasecmp(p + i, "%2e", 3) == 0)
			i += 3;
		else
			return -1;
	}
	return dots;
}

/* A path segment that holds a value must not be "." or ".." once the
 * server decodes %2E: it would move the request up the tree. built is the
 * URL so far, ending with the value; rest the runbook's text after it. */
static int
dot_segment(const char *built, size_t len, const char *rest)
{
	size_t	seg = len;
	int	before, after;

	while (seg > 0 && built[seg - 1] != '/')
		seg--;
	before = count_dots(built + seg, len - seg);
	after = count_dots(rest, strcspn(rest, "/?#"));
	return before >= 0 && after >= 0 && (before + after == 1 ||
	    before + after == 2);
}

/* Names the template, never its value: the value may be a secret. */
static void
value_fail(char **cause, const char *text, const struct tref *r,
    const char *why)
{
	*cause = xprintf("the value of %.*s %s", (int)(r->end - r->start),
	    text + r->start, why);
}

/* The URL with each value encoded for where it stands. */
char *
webtmpl_expand_url(const char *url, const char *base_schemes,
    webtmpl_resolve_cb resolve, void *arg, char **cause)
{
	struct tscan		 scan;
	enum webtmpl_part	*parts = NULL;
	struct strbuf		 b;
	size_t			 off, at = 0;
	const char		*why;
	char			*v;
	int			 number, ok = 1;

	if (template_scan(url, &scan, &off, cause) != 0)
		return NULL;
	parts = xcalloc((size_t)scan.nrefs + 1, sizeof *parts);
	strbuf_init(&b);
	if (webtmpl_url_parts(url, &scan, parts, &off, cause) != 0)
		ok = 0;
	for (int i = 0; ok && i < scan.nrefs; i++) {
		const struct tref *r = &scan.refs[i];

		strbuf_add(&b, url + at, r->start - at);
		at = r->end;
		if ((v = resolve(arg, url, r, &number, cause)) == NULL) {
			ok = 0;
			break;
		}
		why = add_url_value(&b, v, parts[i], base_schemes, url + r->end);
		free(v);
		if (why == NULL && parts[i] == WEBTMPL_PATH &&
		    dot_segment(b.buf, b.len, url + r->end))
			why = "would make a path segment '.' or '..'";
		if (why != NULL) {
			value_fail(cause, url, r, why);
			ok = 0;
		}
	}
	free(parts);
	if (ok)
		strbuf_adds(&b, url + at);
	template_scan_free(&scan);
	if (!ok) {
		strbuf_free(&b);
		return NULL;
	}
	return strbuf_detach(&b);
}

/* --- JSON bodies --- */

/* Marks each template as inside a string or bare; -1 if one sits inside
 * an escape sequence, where no encoding can help. */
static int
json_walk(const char *copy, const struct tscan *scan, enum webtmpl_part *parts,
    size_t *off)
{
	int	in_string = 0, r = 0;
	size_t	i = 0, esc;

	while (copy[i] != '\0') {
		if (r < scan->nrefs && i == scan->refs[r].start) {
			parts[r] = in_string ? WEBTMPL_JSON_STRING :
			    WEBTMPL_JSON_VALUE;
			i = scan->refs[r++].end;
			continue;
		}
		if (copy[i] == '"')
			in_string = !in_string;
		else if (in_string && copy[i] == '\\') {
			esc = copy[i + 1] == 'u' ? 6 : 2;
			for (size_t k = 1; k < esc && copy[i + k] != '\0'; k++) {
				if (copy[i + k] == BLOT) {
					*off = i + k;
					return -1;
				}
			}
			i += strnlen(copy + i, esc);
			continue;
		}
		i++;
	}
	return 0;
}

/* The body with each template as a placeholder string, and a map back
 * from its offsets to the body's. */
static char *
json_stand_in(const char *body, const struct tscan *scan,
    const enum webtmpl_part *parts, size_t **map)
{
	struct strbuf	b;
	size_t		at = 0, n = strlen(body);

	strbuf_init(&b);
	*map = xcalloc(n * 2 + 4 * (size_t)scan->nrefs + 1, sizeof **map);
	for (int i = 0; i <= scan->nrefs; i++) {
		size_t	to = i < scan->nrefs ? scan->refs[i].start : n;

		for (; at < to; at++) {
			(*map)[b.len] = at;
			strbuf_addch(&b, body[at]);
		}
		if (i == scan->nrefs)
			break;
		for (size_t k = 0; k < 3; k++)
			(*map)[b.len + k] = at;
		strbuf_adds(&b, parts[i] == WEBTMPL_JSON_STRING ? "x" : "\"x\"");
		at = scan->refs[i].end;
	}
	(*map)[b.len] = n;
	return strbuf_detach(&b);
}

/* Is the body JSON with each template taken as a string? */
static int
json_valid(const char *body, const struct tscan *scan,
    const enum webtmpl_part *parts, size_t *off, char **cause)
{
	json_error_t	 err;
	json_t		*j;
	size_t		*map;
	char		*text = json_stand_in(body, scan, parts, &map);
	size_t		 len = strlen(text);

	j = json_loads(text, JSON_DECODE_ANY, &err);
	if (j == NULL) {
		*off = map[(size_t)err.position < len ? (size_t)err.position :
		    len];
		*cause = xprintf("the body is not JSON with each template "
		    "taken as a string (%s); a template stands inside a "
		    "string (\"{{ x }}\") or alone as a value", err.text);
	}
	json_decref(j);
	free(map);
	free(text);
	return j != NULL ? 0 : -1;
}

/* Where each template of a JSON body stands, and the body well formed. */
int
webtmpl_json_parts(const char *body, const struct tscan *scan,
    enum webtmpl_part *parts, size_t *off, char **cause)
{
	char	*copy;
	int	 rc;

	if (scan->nrefs == 0)
		return 0;
	copy = blot(body, scan);
	rc = json_walk(copy, scan, parts, off);
	free(copy);
	if (rc != 0) {
		*cause = xstrdup("a template inside a JSON escape sequence "
		    "would finish it with its value");
		return -1;
	}
	return json_valid(body, scan, parts, off, cause);
}

/* Lint's check of a JSON body's templates. */
int
webtmpl_check_json(const char *body, size_t *off, char **cause)
{
	return check_parts(body, webtmpl_json_parts, off, cause);
}

static int
is_integer(const char *v)
{
	v += *v == '-';
	return *v != '\0' && strspn(v, "0123456789") == strlen(v) &&
	    (v[0] != '0' || v[1] == '\0');
}

/* Appends v as JSON: a string's content, a whole string, or a number. */
static int
add_json_value(struct strbuf *b, const char *v, int number,
    enum webtmpl_part part)
{
	json_t	*s;
	char	*enc;
	size_t	 n;

	if (part == WEBTMPL_JSON_VALUE && number && is_integer(v)) {
		strbuf_adds(b, v);
		return 0;
	}
	if ((s = json_string(v)) == NULL)
		return -1;	/* not UTF-8 */
	enc = json_dumps(s, JSON_ENCODE_ANY);
	json_decref(s);
	if (enc == NULL)
		fatalx("out of memory");
	n = strlen(enc);
	if (part == WEBTMPL_JSON_STRING)
		strbuf_add(b, enc + 1, n - 2);	/* without its quotes */
	else
		strbuf_add(b, enc, n);
	free(enc);
	return 0;
}

/* The body with each value JSON-encoded. */
char *
webtmpl_expand_json(const char *body, webtmpl_resolve_cb resolve, void *arg,
    char **cause)
{
	struct tscan		 scan;
	enum webtmpl_part	*parts;
	struct strbuf		 b;
	size_t			 off, at = 0;
	char			*v;
	int			 number, ok;

	if (template_scan(body, &scan, &off, cause) != 0)
		return NULL;
	parts = xcalloc((size_t)scan.nrefs + 1, sizeof *parts);
	strbuf_init(&b);
	ok = webtmpl_json_parts(body, &scan, parts, &off, cause) == 0;
	for (int i = 0; ok && i < scan.nrefs; i++) {
		const struct tref *r = &scan.refs[i];

		strbuf_add(&b, body + at, r->start - at);
		at = r->end;
		if ((v = resolve(arg, body, r, &number, cause)) == NULL)
			ok = 0;
		else if (add_json_value(&b, v, number, parts[i]) != 0) {
			value_fail(cause, body, r, "is not UTF-8 text, which "
			    "a JSON string cannot carry");
			ok = 0;
		}
		free(v);
	}
	if (ok)
		strbuf_adds(&b, body + at);
	free(parts);
	template_scan_free(&scan);
	if (!ok) {
		strbuf_free(&b);
		return NULL;
	}
	return strbuf_detach(&b);
}

/* --- form bodies --- */

/* Each template of a form body after '%' or '%X' would finish an escape. */
int
webtmpl_check_form(const char *body, size_t *off, char **cause)
{
	struct tscan	 scan;
	char		*ignored = NULL;
	int		 rc = 0;

	if (body == NULL || template_scan(body, &scan, off, &ignored) != 0) {
		free(ignored);
		return 0;
	}
	for (int i = 0; i < scan.nrefs && rc == 0; i++) {
		if (after_percent(body, scan.refs[i].start)) {
			*off = scan.refs[i].start;
			*cause = xstrdup("a template right after '%' would finish "
			    "a percent-escape with its value");
			rc = -1;
		}
	}
	template_scan_free(&scan);
	return rc;
}

/* The form body with each value percent-encoded as one name or value. */
char *
webtmpl_expand_form(const char *body, webtmpl_resolve_cb resolve, void *arg,
    char **cause)
{
	struct tscan	 scan;
	struct strbuf	 b;
	size_t		 off, at = 0;
	char		*v;
	int		 number, ok;

	if (template_scan(body, &scan, &off, cause) != 0)
		return NULL;
	strbuf_init(&b);
	ok = webtmpl_check_form(body, &off, cause) == 0;
	for (int i = 0; ok && i < scan.nrefs; i++) {
		const struct tref *r = &scan.refs[i];

		strbuf_add(&b, body + at, r->start - at);
		at = r->end;
		if ((v = resolve(arg, body, r, &number, cause)) == NULL)
			ok = 0;
		else
			add_escaped(&b, v);
		free(v);
	}
	if (ok)
		strbuf_adds(&b, body + at);
	template_scan_free(&scan);
	if (!ok) {
		strbuf_free(&b);
		return NULL;
	}
	return strbuf_detach(&b);
}

/* 1 if a Content-Type value is a URL-encoded form. */
int
webtmpl_is_form_type(const char *ct)
{
	size_t	n;

	if (ct == NULL)
		return 0;
	n = strcspn(ct, "; \t");
	return n == 33 && strncasecmp(ct, "application/x-www-form-urlencoded",
	    n) == 0;
}

/* --- headers --- */

/* 1 if a Content-Type value names JSON. */
int
webtmpl_is_json_type(const char *ct)
{
	size_t	n;

	if (ct == NULL)
		return 0;
	n = strcspn(ct, ";");
	while (n > 0 && isspace((unsigned char)ct[n - 1]))
		n--;
	return (n >= 4 && strncasecmp(ct + n - 4, "json", 4) == 0);
}

/* An RFC 9110 token. */
int
webtmpl_check_header_name(const char *name, char **cause)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t	n = strlen(name);

	if (n == 0 || strspn(name, tchar) != n) {
		*cause = xstrdup("a header name is a single token: letters, "
		    "digits and !#$%&'*+-.^_`|~ only");
		return -1;
	}
	return 0;
}

/* The first CR, LF or other control byte but tab, or -1. */
long
webtmpl_header_bad_byte(const char *value)
{
	for (const char *p = value; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return (long)(p - value);
	}
	return -1;
}
