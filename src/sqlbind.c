/* sqlbind.c: finds where each template of a query stands, with a lexer
 * that follows PostgreSQL's scanner (scan.l) for everything that decides
 * where a literal, an identifier or a comment begins and ends, and builds
 * the text to send with libpq's quoting. The lexer reads "flat": the query
 * with {{ "..." }} templates inlined and every other template replaced by
 * one \1 byte, which no SQL token contains. */
#include <stdlib.h>
#include <string.h>

#include "sqlbind.h"
#include "strbuf.h"
#include "template.h"
#include "xmalloc.h"

#define MARK	'\001'

enum quote {
	Q_STD,		/* '...' read as xq: only '' escapes */
	Q_ESC,		/* E'...', or '...' with standard_conforming_strings off */
	Q_NATIONAL,	/* N'...' (xq or xe like '...') */
	Q_BITS,		/* B'...', X'...': no escapes at all */
	Q_UNICODE,	/* U&'...' */
};

struct lexer {
	const char *s;		/* flat */
	int std;		/* standard_conforming_strings */
	struct sqlbind *b;
	int next;		/* the slot of the next \1 */
	size_t *err_off;
	char **cause;
};

static int
ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (unsigned char)c >= 0x80;
}

static int
ident_cont(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *
ref_text(const struct lexer *l)
{
	return l->b->refs[l->b->slots[l->next].ref];
}

/* Refuses the next template, with msg (allocated) as the reason. */
static int
refuse(struct lexer *l, char *msg)
{
	*l->err_off = l->b->slots[l->next].src_off;
	*l->cause = msg;
	return -1;
}

/* Claims the next \1 as a slot of this kind. */
static void
claim(struct lexer *l, enum sqlslot_kind kind, size_t tok_start, size_t tok_end)
{
	struct sqlslot *sl = &l->b->slots[l->next++];

	sl->kind = kind;
	sl->tok_start = tok_start;
	sl->tok_end = tok_end;
}

/* After a closing quote at i-1: scan.l's {quotecontinue}, whitespace with a
 * newline (comments allowed) and another quote, which continues the same
 * literal. Returns the index of that quote, or 0. */
static size_t
continues(const char *s, size_t i)
{
	int newline = 0;

	for (;;) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\f' || s[i] == '\v')
			i++;
		else if (s[i] == '\n' || s[i] == '\r')
			newline = 1, i++;
		else if (s[i] == '-' && s[i + 1] == '-') {
			while (s[i] != '\0' && s[i] != '\n' && s[i] != '\r' && s[i] != MARK)
				i++;
			if (s[i] == MARK)
				return 0;
		} else
			break;
	}
	return newline && s[i] == '\'' ? i : 0;
}

/* A quoted literal from tok (its prefix, if any) whose body starts at i.
 * Returns the index after it, or 0 after refusing. */
static size_t
lex_string(struct lexer *l, size_t tok, size_t i, enum quote q)
{
	const char *s = l->s;
	int first = l->next, marks = 0, other = 0, escapes = q == Q_ESC ||
	    (!l->std && (q == Q_STD || q == Q_NATIONAL));
	size_t end, k;

	for (;;) {
		if (s[i] == '\0')
			break;
		if (s[i] == MARK) {
			marks++, i++;
			continue;
		}
		if (s[i] == '\\' && escapes && q != Q_BITS) {
			other = 1;
			i += s[i + 1] != '\0' && s[i + 1] != MARK ? 2 : 1;
			continue;
		}
		if (s[i] == '\'' && s[i + 1] == '\'' && q != Q_BITS) {
			other = 1, i += 2;
			continue;
		}
		if (s[i] == '\'') {
			if ((k = continues(s, i + 1)) == 0) {
				i++;
				break;
			}
			other = 1, i = k + 1;
			continue;
		}
		other = 1, i++;
	}
	end = i;
	for (k = 0; k < (size_t)marks; k++) {
		const char *t;

		l->next = first + (int)k;
		t = ref_text(l);
		if (q == Q_BITS || q == Q_UNICODE)
			return refuse(l, xprintf("a template cannot stand inside a B'…', X'…' or U&'…' string: "
			    "write '%s' (quoted for you) and convert it in SQL", t)), 0;
		if (marks == 1 && !other && q != Q_NATIONAL)
			claim(l, SQLSLOT_LITERAL, tok, end);
		else if (!escapes)
			claim(l, SQLSLOT_IN_LITERAL, 0, 0);
		else if (q == Q_ESC)
			return refuse(l, xprintf("inside E'…' a template must be the whole literal: write E'%s' "
			    "or '%s' alone, and join other text in SQL with ||", t, t)), 0;
		else
			return refuse(l, xprintf("the server has standard_conforming_strings off, so inside '…' a "
			    "template must be the whole literal: write '%s' alone and join other text "
			    "in SQL with ||", t)), 0;
	}
	l->next = first + marks;
	return end;
}

/* A quoted identifier ("..." or U&"...") whose body starts at i. */
static size_t
lex_ident(struct lexer *l, size_t tok, size_t i, int unicode)
{
	const char *s = l->s;
	int first = l->next, marks = 0;

	for (;;) {
		if (s[i] == '\0')
			break;
		if (s[i] == '"' && s[i + 1] == '"') {
			i += 2;
			continue;
		}
		if (s[i] == '"') {
			i++;
			break;
		}
		marks += s[i++] == MARK;
	}
	for (int k = 0; k < marks; k++) {
		l->next = first + k;
		if (unicode)
			return refuse(l, xprintf("a template cannot stand inside a U&\"…\" identifier: write "
			    "\"%s\" (quoted for you)", ref_text(l))), 0;
		claim(l, SQLSLOT_IDENT, tok, i);
	}
	l->next = first + marks;
	return i;
}

/* A dollar-quoted string: $tag$ at i, the tag tag_len bytes long. */
static size_t
lex_dollar(struct lexer *l, size_t i, size_t delim_len)
{
	const char *s = l->s, *body = s + i + delim_len, *close;
	char *delim = xstrndup(s + i, delim_len);
	size_t end;

	close = strstr(body, delim);
	end = close != NULL ? (size_t)(close - s) + delim_len : strlen(s);
	free(delim);
	for (size_t k = i; k < end; k++) {
		if (s[k] == MARK)
			return refuse(l, xprintf("a template inside a dollar-quoted string cannot be quoted there: "
			    "write '%s' (a literal quoted by libpq) or %s bare (a bound parameter)",
			    ref_text(l), ref_text(l))), 0;
	}
	return end;
}

/* $tag$ at i (tag possibly empty): its length, or 0 when there is none. */
static size_t
dollar_delim(const char *s, size_t i)
{
	size_t k = i + 1;

	if (s[k] != '$') {
		if (!ident_start(s[k]))
			return 0;
		while (ident_cont(s[k]) && s[k] != '$')
			k++;
		if (s[k] != '$')
			return 0;
	}
	return k + 1 - i;
}

static size_t
lex_comment(struct lexer *l, size_t i)
{
	const char *s = l->s;
	int depth = 0;

	if (s[i] == '-') {
		while (s[i] != '\0' && s[i] != '\n' && s[i] != '\r' && s[i] != MARK)
			i++;
	} else {
		while (s[i] != '\0' && s[i] != MARK) {
			if (s[i] == '/' && s[i + 1] == '*')
				depth++, i += 2;
			else if (s[i] == '*' && s[i + 1] == '/') {
				i += 2;
				if (--depth == 0)
					return i;
			} else
				i++;
		}
	}
	if (s[i] == MARK)
		return refuse(l, xprintf("a template inside a comment is never used: take %s out of the comment",
		    ref_text(l))), 0;
	return i;
}

/* A template in SQL code: a bound value, one token of its own. */
static size_t
lex_mark(struct lexer *l, size_t i)
{
	const char *s = l->s;

	if ((i > 0 && (ident_cont(s[i - 1]) || s[i - 1] == MARK)) || ident_cont(s[i + 1]) ||
	    s[i + 1] == MARK)
		return refuse(l, xprintf("%s is bound as a value ($n) and must stand apart from the words "
		    "around it: put a space or an operator between", ref_text(l))), 0;
	claim(l, SQLSLOT_PARAM, 0, 0);
	return i + 1;
}

static size_t
lex_number(const char *s, size_t i)
{
	while (digit(s[i]))
		i++;
	if (s[i] == '.' && digit(s[i + 1]))
		for (i++; digit(s[i]); i++)
			continue;
	if ((s[i] == 'e' || s[i] == 'E') && (digit(s[i + 1]) ||
	    ((s[i + 1] == '+' || s[i + 1] == '-') && digit(s[i + 2]))))
		for (i += 2; digit(s[i]); i++)
			continue;
	return i;
}

/* A word at i: a literal with a prefix (E'', N'', B'', X'', U&'', U&""), or
 * an identifier or keyword, which may hold $. */
static size_t
lex_word(struct lexer *l, size_t i)
{
	const char *s = l->s;
	char c = s[i] | 0x20;

	if (s[i + 1] == '\'' && c == 'e')
		return lex_string(l, i, i + 2, Q_ESC);
	if (s[i + 1] == '\'' && c == 'n')
		return lex_string(l, i, i + 2, Q_NATIONAL);
	if (s[i + 1] == '\'' && (c == 'b' || c == 'x'))
		return lex_string(l, i, i + 2, Q_BITS);
	if (c == 'u' && s[i + 1] == '&' && s[i + 2] == '\'')
		return lex_string(l, i, i + 3, Q_UNICODE);
	if (c == 'u' && s[i + 1] == '&' && s[i + 2] == '"')
		return lex_ident(l, i, i + 3, 1);
	while (ident_cont(s[i]))
		i++;
	return i;
}

/* One token (or one byte of punctuation) at i; the index after it, 0 after
 * refusing. */
static size_t
lex_token(struct lexer *l, size_t i)
{
	const char *s = l->s;
	size_t n;

	if (s[i] == MARK)
		return lex_mark(l, i);
	if (s[i] == '\'')
		return lex_string(l, i, i + 1, Q_STD);
	if (s[i] == '"')
		return lex_ident(l, i, i + 1, 0);
	if ((s[i] == '-' && s[i + 1] == '-') || (s[i] == '/' && s[i + 1] == '*'))
		return lex_comment(l, i);
	if (s[i] == '$' && digit(s[i + 1])) {
		for (i++; digit(s[i]); i++)
			continue;
		return i;
	}
	if (s[i] == '$' && (n = dollar_delim(s, i)) > 0)
		return lex_dollar(l, i, n);
	if (digit(s[i]) || (s[i] == '.' && digit(s[i + 1])))
		return lex_number(s, i);
	if (ident_start(s[i]))
		return lex_word(l, i);
	return i + 1;
}

static int
ref_index(const struct sqlbind *b, const char *text)
{
	for (int i = 0; i < b->nrefs; i++) {
		if (strcmp(b->refs[i], text) == 0)
			return i;
	}
	return -1;
}

static size_t
count_marks(const char *s)
{
	size_t n = 0;

	while ((s = strchr(s, MARK)) != NULL)
		n++, s++;
	return n;
}

/* flat, refs and one unclaimed slot per \1 (with where it was written). */
static int
flatten(const char *query, struct sqlbind *b, size_t *err_off, char **cause)
{
	struct tscan scan;
	struct strbuf out;
	size_t pos = 0;

	if (template_scan(query, &scan, err_off, cause) != 0)
		return -1;
	strbuf_init(&out);
	for (int i = 0; i < scan.nrefs; i++) {
		const struct tref *r = &scan.refs[i];
		char *text;
		int k;

		strbuf_add(&out, query + pos, r->start - pos);
		pos = r->end;
		if (r->kind == TREF_LITERAL) {
			strbuf_adds(&out, r->name);
			continue;
		}
		text = xstrndup(query + r->start, r->end - r->start);
		if ((k = ref_index(b, text)) < 0) {
			b->refs = xreallocarray(b->refs, b->nrefs + 1, sizeof *b->refs);
			b->refs[b->nrefs] = text;
			k = b->nrefs++;
		} else
			free(text);
		b->slots = xreallocarray(b->slots, b->nslots + 1, sizeof *b->slots);
		b->slots[b->nslots] = (struct sqlslot){ SQLSLOT_PARAM, k, r->start, 0, 0 };
		b->nslots++;
		strbuf_addch(&out, MARK);
	}
	strbuf_adds(&out, query + pos);
	template_scan_free(&scan);
	b->flat = strbuf_detach(&out);
	if (strchr(query, MARK) != NULL || (int)count_marks(b->flat) != b->nslots) {
		*err_off = strchr(query, MARK) != NULL ? (size_t)(strchr(query, MARK) - query) : 0;
		*cause = xstrdup("a query cannot hold the control character \\001");
		return -1;
	}
	return 0;
}

int
sqlbind_prepare(const char *query, int std_strings, struct sqlbind *b, size_t *err_off,
    char **cause)
{
	struct lexer l = { NULL, std_strings, b, 0, err_off, cause };
	size_t i = 0;

	memset(b, 0, sizeof *b);
	if (flatten(query, b, err_off, cause) != 0) {
		sqlbind_free(b);
		return -1;
	}
	l.s = b->flat;
	while (l.s[i] != '\0') {
		if ((i = lex_token(&l, i)) == 0) {
			sqlbind_free(b);
			return -1;
		}
	}
	return 0;
}

/* --- the text to send ----------------------------------------------------- */

struct render {
	const struct sqlbind *b;
	PGconn *conn;
	const char *const *values;
	const int *secret;
	struct sqlsecrets *sec;
	int *param_of;		/* ref -> $n, 0 while unnumbered */
	const char **params;
	int nparams;
	struct strbuf out;
	char **cause;
};

/* Quoting for people, without a connection (conn NULL): the forms libpq
 * makes with standard_conforming_strings on. */
static char *
quote_plain(const char *v, char q, int whole)
{
	struct strbuf b;
	int e = whole && q == '\'' && strchr(v, '\\') != NULL;

	strbuf_init(&b);
	if (e)
		strbuf_adds(&b, " E");
	if (whole)
		strbuf_addch(&b, q);
	for (; *v != '\0'; v++) {
		if (*v == q || (e && *v == '\\'))
			strbuf_addch(&b, *v);
		strbuf_addch(&b, *v);
	}
	if (whole)
		strbuf_addch(&b, q);
	return strbuf_detach(&b);
}

/* A value as it is quoted, or as people see it: secrets as ****. */
static const char *
value_of(const struct render *r, int ref)
{
	if (r->conn == NULL && r->secret != NULL && r->secret[ref])
		return "****";
	return r->values[ref];
}

/* libpq's own reason, on one line. */
static int
render_fail(struct render *r, const char *what)
{
	const char *m = PQerrorMessage(r->conn);
	size_t len = strcspn(m, "\n");

	*r->cause = xprintf("could not quote a value for %s: %.*s", what, (int)len,
	    len > 0 ? m : "libpq refused it");
	return -1;
}

/* Appends a quoted text made by libpq (freed here); a secret's goes to sec. */
static void
render_add(struct render *r, int secret, char *quoted, int libpq_owned)
{
	strbuf_adds(&r->out, quoted);
	/* The server quotes a token without PQescapeLiteral's leading space. */
	if (secret && r->sec != NULL)
		sqlsecret_add(r->sec, quoted + strspn(quoted, " "));
	explicit_bzero(quoted, strlen(quoted));
	if (libpq_owned)
		PQfreemem(quoted);
	else
		free(quoted);
}

/* The identifier from flat[tok_start, tok_end) with its templates filled. */
static int
render_ident(struct render *r, const struct sqlslot *sl, int *slot)
{
	const char *s = r->b->flat;
	struct strbuf name;
	char *q;
	int secret = 0;

	strbuf_init(&name);
	for (size_t i = sl->tok_start + 1; i < sl->tok_end; i++) {
		if (s[i] == '"' && i + 1 == sl->tok_end)
			break;
		if (s[i] == '"')
			strbuf_addch(&name, s[i++]);	/* "" is one " */
		else if (s[i] == MARK) {
			int ref = r->b->slots[(*slot)++].ref;

			strbuf_adds(&name, value_of(r, ref));
			secret |= r->secret != NULL && r->secret[ref];
		} else
			strbuf_addch(&name, s[i]);
	}
	if (r->conn == NULL)
		q = quote_plain(name.buf != NULL ? name.buf : "", '"', 1);
	else
		q = PQescapeIdentifier(r->conn, name.buf != NULL ? name.buf : "", name.len);
	if (name.buf != NULL)
		explicit_bzero(name.buf, name.len);
	strbuf_free(&name);
	if (q == NULL)
		return render_fail(r, "an identifier");
	render_add(r, secret, q, r->conn != NULL);
	return 0;
}

static int
render_literal(struct render *r, int ref, int whole)
{
	const char *v = value_of(r, ref);
	int secret = r->secret != NULL && r->secret[ref], err = 0;
	char *q;

	if (r->conn == NULL) {
		render_add(r, 0, quote_plain(v, '\'', whole), 0);
		return 0;
	}
	if (whole) {
		if ((q = PQescapeLiteral(r->conn, v, strlen(v))) == NULL)
			return render_fail(r, "a literal");
		render_add(r, secret, q, 1);
		return 0;
	}
	q = xmalloc(2 * strlen(v) + 1);
	PQescapeStringConn(r->conn, q, v, strlen(v), &err);
	if (err) {
		free(q);
		return render_fail(r, "a literal");
	}
	render_add(r, secret, q, 0);
	return 0;
}

static void
render_param(struct render *r, int ref)
{
	if (r->conn == NULL) {	/* for people: the value it stands for */
		render_add(r, 0, quote_plain(value_of(r, ref), '\'', 1), 0);
		return;
	}
	if (r->param_of[ref] == 0) {
		r->params = xreallocarray(r->params, r->nparams + 1, sizeof *r->params);
		r->params[r->nparams++] = r->values[ref];
		r->param_of[ref] = r->nparams;
	}
	strbuf_addf(&r->out, "$%d", r->param_of[ref]);
}

/* The next slot at flat[*i], which it consumes. */
static int
render_slot(struct render *r, size_t *i, int *slot)
{
	const struct sqlslot *sl = &r->b->slots[*slot];

	switch (sl->kind) {
	case SQLSLOT_IDENT:
		*i = sl->tok_end;
		return render_ident(r, sl, slot);
	case SQLSLOT_LITERAL:
		*i = sl->tok_end;
		(*slot)++;
		return render_literal(r, sl->ref, 1);
	case SQLSLOT_IN_LITERAL:
		(*i)++;
		(*slot)++;
		return render_literal(r, sl->ref, 0);
	case SQLSLOT_PARAM:
		break;
	}
	(*i)++;
	(*slot)++;
	render_param(r, sl->ref);
	return 0;
}

int
sqlbind_render(const struct sqlbind *b, PGconn *conn, const char *const *values,
    const int *secret, struct sqlsecrets *sec, char **text, const char ***params, int *nparams,
    char **cause)
{
	struct render r = { b, conn, values, secret, sec, NULL, NULL, 0, { 0 }, cause };
	const char *s = b->flat;
	size_t i = 0;
	int slot = 0;

	r.param_of = xcalloc((size_t)b->nrefs + 1, sizeof *r.param_of);
	strbuf_init(&r.out);
	while (s[i] != '\0') {
		const struct sqlslot *sl = slot < b->nslots ? &b->slots[slot] : NULL;
		int at_token = sl != NULL && (sl->kind == SQLSLOT_LITERAL || sl->kind == SQLSLOT_IDENT) &&
		    sl->tok_start == i;

		if (!at_token && s[i] != MARK) {
			strbuf_addch(&r.out, s[i++]);
			continue;
		}
		if (render_slot(&r, &i, &slot) != 0) {
			free(r.param_of);
			free(r.params);
			explicit_bzero(r.out.buf, r.out.len);
			strbuf_free(&r.out);
			return -1;
		}
	}
	free(r.param_of);
	*text = strbuf_detach(&r.out);
	*params = r.params;
	*nparams = r.nparams;
	return 0;
}

char *
sqlbind_display(const struct sqlbind *b, const char *const *values, const int *secret)
{
	const char **params = NULL;
	char *text = NULL, *cause = NULL;
	int nparams = 0;

	if (sqlbind_render(b, NULL, values, secret, NULL, &text, &params, &nparams, &cause) != 0) {
		free(cause);	/* nothing fails without a connection */
		return NULL;
	}
	free(params);
	return text;
}

void
sqlbind_free(struct sqlbind *b)
{
	for (int i = 0; i < b->nrefs; i++)
		free(b->refs[i]);
	free(b->refs);
	free(b->slots);
	free(b->flat);
	memset(b, 0, sizeof *b);
}
