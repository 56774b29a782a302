/* sqlconninfo.c: fills the templates of a conninfo by libpq's quoting
 * rules. It reads the text as libpq's conninfo_parse does ("key = value"
 * pairs, values bare with \ escapes or in '...'), with each template as
 * one \1 byte, and writes every pair again as key='value'; a URI has each
 * value percent-encoded instead. */
#include <string.h>
#include <stdlib.h>

#include "sqlconninfo.h"
#include "strbuf.h"
#include "template.h"
#include "xmalloc.h"

#define MARK	'\001'

struct filler {
	char *flat;		/* tmpl, {{ "..." }} inlined, other templates as \1 */
	size_t *src;		/* flat offset -> tmpl offset */
	char **values;		/* one per \1 */
	int nvalues;
	int next;		/* the value of the next \1 */
	struct strbuf out;
	size_t *err_off;
	char **cause;
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void
flat_add(struct filler *f, size_t *len, char c, size_t src)
{
	f->flat[*len] = c;
	f->src[(*len)++] = src;
}

static int
flatten(struct filler *f, const char *tmpl, sqlconninfo_value_cb cb, void *arg)
{
	struct tscan scan;
	size_t pos = 0, len = 0, n = strlen(tmpl);

	if (template_scan(tmpl, &scan, f->err_off, f->cause) != 0)
		return -1;
	f->flat = xmalloc(n + 1);	/* never longer than tmpl */
	f->src = xcalloc(n + 1, sizeof *f->src);
	f->values = xcalloc((size_t)scan.nrefs + 1, sizeof *f->values);
	for (int i = 0; i < scan.nrefs; i++) {
		const struct tref *r = &scan.refs[i];
		char *text;

		for (; pos < r->start; pos++)
			flat_add(f, &len, tmpl[pos], pos);
		pos = r->end;
		if (r->kind == TREF_LITERAL) {
			for (const char *c = r->name; *c != '\0'; c++)
				flat_add(f, &len, *c, r->start);
			continue;
		}
		text = xstrndup(tmpl + r->start, r->end - r->start);
		f->values[f->nvalues] = cb(arg, text, f->cause);
		free(text);
		if (f->values[f->nvalues] == NULL) {
			*f->err_off = r->start;
			template_scan_free(&scan);
			return -1;
		}
		f->nvalues++;
		flat_add(f, &len, MARK, r->start);
	}
	for (; pos < n; pos++)
		flat_add(f, &len, tmpl[pos], pos);
	f->flat[len] = '\0';
	f->src[len] = n;
	template_scan_free(&scan);
	if (memchr(tmpl, MARK, n) != NULL) {
		*f->err_off = (size_t)((const char *)memchr(tmpl, MARK, n) - tmpl);
		*f->cause = xstrdup("a conninfo cannot hold the control character \\001");
		return -1;
	}
	return 0;
}

static int
fail(struct filler *f, size_t at, char *msg)
{
	*f->err_off = f->src[at];
	*f->cause = msg;
	return -1;
}

/* URI: every value percent-encoded, so it stays inside its part. */
static void
fill_uri(struct filler *f)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const char *s = f->flat; *s != '\0'; s++) {
		if (*s != MARK) {
			strbuf_addch(&f->out, *s);
			continue;
		}
		for (const unsigned char *v = (const unsigned char *)f->values[f->next++]; *v; v++) {
			if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
			    strchr("-._~", *v) != NULL)
				strbuf_addch(&f->out, (char)*v);
			else
				strbuf_addf(&f->out, "%%%c%c", hex[*v >> 4], hex[*v & 15]);
		}
	}
}

/* ' and \ escaped: the text libpq reads back as value inside '...'. */
static void
add_quoted(struct strbuf *b, const char *value, size_t len)
{
	strbuf_addch(b, '\'');
	for (size_t i = 0; i < len; i++) {
		if (value[i] == '\'' || value[i] == '\\')
			strbuf_addch(b, '\\');
		strbuf_addch(b, value[i]);
	}
	strbuf_addch(b, '\'');
}

/* A value at flat[*i] (bare or quoted), its templates filled, as libpq
 * reads it; appended to v. */
static int
read_value(struct filler *f, size_t *i, struct strbuf *v)
{
	const char *s = f->flat;
	size_t at = *i;
	int quoted = s[at] == '\'';

	for (at += quoted; ; at++) {
		char c = s[at];

		if (c == '\0') {
			if (quoted)
				return fail(f, *i, xstrdup("connection string is not valid: unterminated "
				    "quoted string"));
			break;
		}
		if (!quoted && is_space(c))
			break;
		if (quoted && c == '\'') {
			at++;
			break;
		}
		if (c == '\\') {	/* the next byte as it is */
			if (s[at + 1] == '\0')
				continue;
			c = s[++at];
		}
		if (c == MARK)
			strbuf_adds(v, f->values[f->next++]);
		else
			strbuf_addch(v, c);
	}
	*i = at;
	return 0;
}

/* One "key = value" pair at flat[*i], or a template standing for several. */
static int
fill_pair(struct filler *f, size_t *i)
{
	const char *s = f->flat;
	size_t key = *i, k = *i;
	struct strbuf v;

	if (s[k] == MARK && (is_space(s[k + 1]) || s[k + 1] == '\0')) {
		strbuf_adds(&f->out, f->values[f->next++]);
		strbuf_addch(&f->out, ' ');
		*i = k + 1;
		return 0;
	}
	while (s[k] != '\0' && s[k] != '=' && !is_space(s[k]) && s[k] != MARK)
		k++;
	if (s[k] == MARK)
		return fail(f, k, xstrdup("a template cannot name a conninfo keyword: write key={{ value }}, "
		    "or give the whole connection string as one template"));
	strbuf_add(&f->out, s + key, k - key);
	while (is_space(s[k]))
		k++;
	if (s[k] != '=')
		return fail(f, key, xprintf("connection string is not valid: missing \"=\" after \"%.*s\"",
		    (int)(k - key), s + key));
	for (k++; is_space(s[k]); k++)
		continue;
	strbuf_init(&v);
	if (read_value(f, &k, &v) != 0) {
		strbuf_free(&v);
		return -1;
	}
	strbuf_addch(&f->out, '=');
	add_quoted(&f->out, v.buf != NULL ? v.buf : "", v.len);
	strbuf_addch(&f->out, ' ');
	if (v.buf != NULL)
		explicit_bzero(v.buf, v.len);
	strbuf_free(&v);
	*i = k;
	return 0;
}

static int
fill(struct filler *f)
{
	const char *s = f->flat;
	size_t i = strspn(s, " \t\n\r\f\v"), end = strlen(s);

	while (end > i && is_space(s[end - 1]))
		end--;
	if (strncmp(s + i, "postgresql://", 13) == 0 || strncmp(s + i, "postgres://", 11) == 0) {
		fill_uri(f);
		return 0;
	}
	if (end == i + 1 && s[i] == MARK) {	/* the whole conninfo */
		strbuf_adds(&f->out, f->values[0]);
		return 0;
	}
	if (strchr(s, '=') == NULL) {		/* a database name */
		struct strbuf v;

		strbuf_init(&v);
		for (const char *c = s; *c != '\0'; c++)
			*c == MARK ? strbuf_adds(&v, f->values[f->next++]) : strbuf_addch(&v, *c);
		strbuf_adds(&f->out, "dbname=");
		add_quoted(&f->out, v.buf != NULL ? v.buf : "", v.len);
		if (v.buf != NULL)
			explicit_bzero(v.buf, v.len);
		strbuf_free(&v);
		return 0;
	}
	while (s[i] != '\0') {
		if (fill_pair(f, &i) != 0)
			return -1;
		i += strspn(s + i, " \t\n\r\f\v");
	}
	if (f->out.len > 0 && f->out.buf[f->out.len - 1] == ' ')
		f->out.buf[--f->out.len] = '\0';
	return 0;
}

int
sqlconninfo_fill(const char *tmpl, sqlconninfo_value_cb cb, void *arg, char **out,
    size_t *err_off, char **cause)
{
	struct filler f = { 0 };
	int rc = -1;

	f.err_off = err_off;
	f.cause = cause;
	strbuf_init(&f.out);
	if (strstr(tmpl, "{{") == NULL) {
		*out = xstrdup(tmpl);
		return 0;
	}
	if (flatten(&f, tmpl, cb, arg) == 0 && fill(&f) == 0) {
		*out = strbuf_detach(&f.out);
		rc = 0;
	}
	if (f.out.buf != NULL)
		explicit_bzero(f.out.buf, f.out.len);
	strbuf_free(&f.out);
	for (int i = 0; i < f.nvalues; i++) {
		explicit_bzero(f.values[i], strlen(f.values[i]));
		free(f.values[i]);
	}
	free(f.values);
	free(f.flat);
	free(f.src);
	return rc;
}
