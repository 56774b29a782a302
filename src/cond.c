/* cond.c: a recursive-descent parser and evaluator for `when:`; see cond.h. */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "xmalloc.h"

enum node_kind {
	N_LITERAL,
	N_NAME,
	N_NOT,
	N_AND,
	N_OR,
	N_CMP,
};

enum cmp_op {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MATCH,
};

struct cond {
	enum node_kind kind;
	enum cmp_op op;
	char *text;		/* literal value or name */
	size_t off;		/* where it stands in the source */
	struct cond *l, *r;
};

/* Deeper nesting than this is an error, not a stack overflow. */
#define COND_MAX_DEPTH 64

struct parser {
	const char *s;
	size_t i;
	size_t err_off;
	char *cause;
	int depth;
};

static struct cond *parse_or(struct parser *);

static struct cond *
node(enum node_kind kind, size_t off)
{
	struct cond *n = xcalloc(1, sizeof *n);

	n->kind = kind;
	n->off = off;
	return n;
}

static void
skip_ws(struct parser *p)
{
	while (isspace((unsigned char)p->s[p->i]))
		p->i++;
}

static struct cond *
fail(struct parser *p, size_t off, const char *msg)
{
	if (p->cause == NULL) {
		p->cause = xstrdup(msg);
		p->err_off = off;
	}
	return NULL;
}

static int
accept(struct parser *p, const char *tok)
{
	size_t n = strlen(tok);

	skip_ws(p);
	if (strncmp(p->s + p->i, tok, n) != 0)
		return 0;
	p->i += n;
	return 1;
}

static int
is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static struct cond *
parse_string(struct parser *p)
{
	char q = p->s[p->i];
	size_t start = p->i++;
	struct cond *n;

	while (p->s[p->i] != '\0' && p->s[p->i] != q)
		p->i++;
	if (p->s[p->i] != q)
		return fail(p, start, "unterminated string");
	n = node(N_LITERAL, start);
	n->text = xstrndup(p->s + start + 1, p->i - start - 1);
	p->i++;
	return n;
}

static struct cond *
parse_value(struct parser *p)
{
	size_t start;
	struct cond *n;

	skip_ws(p);
	start = p->i;
	if (p->s[p->i] == '"' || p->s[p->i] == '\'')
		return parse_string(p);
	if (accept(p, "(")) {
		if (++p->depth > COND_MAX_DEPTH)
			return fail(p, start, "nested too deeply");
		n = parse_or(p);
		p->depth--;
		if (n != NULL && !accept(p, ")")) {
			cond_free(n);
			return fail(p, p->i, "expected ')'");
		}
		return n;
	}
	while (is_name_char(p->s[p->i]))
		p->i++;
	if (p->i == start)
		return fail(p, start, p->s[start] == '\0' ? "expected a value at the end" :
		    "expected a value: a name, a number or a quoted string");
	n = node(isdigit((unsigned char)p->s[start]) || p->s[start] == '-' ? N_LITERAL : N_NAME, start);
	n->text = xstrndup(p->s + start, p->i - start);
	return n;
}

static const struct {
	const char *tok;
	enum cmp_op op;
} cmp_ops[] = {
	{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
	{ "=~", OP_MATCH }, { "<", OP_LT }, { ">", OP_GT },
};

/* A literal regex is compiled now, so a bad one is an error where it is
 * written (lint) rather than when the run reaches the step. */
static struct cond *
check_literal_regex(struct parser *p, struct cond *n)
{
	regex_t re;
	char msg[128];
	int rc;

	if (n->op != OP_MATCH || n->r->kind != N_LITERAL)
		return n;
	if ((rc = regcomp(&re, n->r->text, REG_EXTENDED | REG_NOSUB)) == 0) {
		regfree(&re);
		return n;
	}
	regerror(rc, &re, msg, sizeof msg);
	if (p->cause == NULL) {
		p->cause = xprintf("not a valid regular expression after '=~': %s", msg);
		p->err_off = n->r->off;
	}
	cond_free(n);
	return NULL;
}

static struct cond *
parse_cmp(struct parser *p)
{
	struct cond *l = parse_value(p), *n;
	size_t at;

	if (l == NULL)
		return NULL;
	skip_ws(p);
	at = p->i;
	for (size_t k = 0; k < sizeof cmp_ops / sizeof cmp_ops[0]; k++) {
		if (!accept(p, cmp_ops[k].tok))
			continue;
		n = node(N_CMP, at);
		n->op = cmp_ops[k].op;
		n->l = l;
		if ((n->r = parse_value(p)) == NULL) {
			cond_free(n);
			return NULL;
		}
		return check_literal_regex(p, n);
	}
	if (p->s[at] == '=' && p->s[at + 1] != '=')
		return cond_free(l), fail(p, at, "use '==' to compare");
	return l;
}

static struct cond *
parse_not(struct parser *p)
{
	size_t at;
	struct cond *n;

	skip_ws(p);
	at = p->i;
	if (p->s[p->i] == '!' && p->s[p->i + 1] != '=') {
		if (++p->depth > COND_MAX_DEPTH)
			return fail(p, at, "nested too deeply");
		p->i++;
		n = node(N_NOT, at);
		n->l = parse_not(p);
		p->depth--;
		if (n->l == NULL)
			return cond_free(n), NULL;
		return n;
	}
	return parse_cmp(p);
}

static struct cond *
parse_binary(struct parser *p, const char *tok, enum node_kind kind, struct cond *(*sub)(struct parser *))
{
	struct cond *l = sub(p), *n;

	while (l != NULL && accept(p, tok)) {
		n = node(kind, p->i);
		n->l = l;
		if ((n->r = sub(p)) == NULL)
			return cond_free(n), NULL;
		l = n;
	}
	return l;
}

static struct cond *
parse_and(struct parser *p)
{
	return parse_binary(p, "&&", N_AND, parse_not);
}

static struct cond *
parse_or(struct parser *p)
{
	return parse_binary(p, "||", N_OR, parse_and);
}

struct cond *
cond_parse(const char *src, size_t *err_off, char **cause)
{
	struct parser p = { src, 0, 0, NULL, 0 };
	struct cond *c = parse_or(&p);

	if (c != NULL) {
		skip_ws(&p);
		if (p.s[p.i] != '\0') {
			cond_free(c);
			c = fail(&p, p.i, "unexpected text: expected '&&', '||', a comparison or the end");
		}
	}
	if (c == NULL) {
		*err_off = p.err_off;
		*cause = p.cause != NULL ? p.cause : xstrdup("invalid condition");
	}
	return c;
}

void
cond_free(struct cond *c)
{
	if (c == NULL)
		return;
	cond_free(c->l);
	cond_free(c->r);
	free(c->text);
	free(c);
}

/* --- evaluation --- */

struct evalctx {
	cond_lookup_cb lookup;
	void *arg;
	char *cause;
};

static const char *
value_of(struct evalctx *x, const struct cond *c)
{
	const char *v = NULL;

	if (c->kind == N_LITERAL)
		return c->text;
	if (x->lookup(x->arg, c->text, &v) != 0) {
		if (x->cause == NULL)
			x->cause = xprintf("unknown name '%s'", c->text);
		return "";
	}
	return v != NULL ? v : "";
}

static int
is_number(const char *s, double *out)
{
	char *end;

	if (*s == '\0')
		return 0;
	*out = strtod(s, &end);
	return *end == '\0';
}

static int
truthy(const char *v)
{
	return *v != '\0' && strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
}

static int eval(struct evalctx *, const struct cond *);

static int
eval_cmp(struct evalctx *x, const struct cond *c)
{
	const char *a = value_of(x, c->l), *b = value_of(x, c->r);
	double na, nb;
	regex_t re;
	int r;

	if (c->op == OP_MATCH) {
		if (regcomp(&re, b, REG_EXTENDED | REG_NOSUB) != 0) {
			if (x->cause == NULL)
				x->cause = xprintf("'%s' is not a valid regular expression", b);
			return 0;
		}
		r = regexec(&re, a, 0, NULL, 0) == 0;
		regfree(&re);
		return r;
	}
	r = is_number(a, &na) && is_number(b, &nb) ? (na > nb) - (na < nb) : strcmp(a, b);
	switch (c->op) {
	case OP_EQ: return r == 0;
	case OP_NE: return r != 0;
	case OP_LT: return r < 0;
	case OP_LE: return r <= 0;
	case OP_GT: return r > 0;
	default: return r >= 0;
	}
}

static int
eval(struct evalctx *x, const struct cond *c)
{
	switch (c->kind) {
	case N_NOT: return !eval(x, c->l);
	case N_AND: return eval(x, c->l) && eval(x, c->r);
	case N_OR: return eval(x, c->l) || eval(x, c->r);
	case N_CMP: return eval_cmp(x, c);
	default: return truthy(value_of(x, c));
	}
}

int
cond_eval(const struct cond *c, cond_lookup_cb lookup, void *arg, int *result, char **cause)
{
	struct evalctx x = { lookup, arg, NULL };

	*result = eval(&x, c);
	if (x.cause != NULL) {
		*cause = x.cause;
		return -1;
	}
	return 0;
}

void
cond_names(const struct cond *c, void (*cb)(void *, const char *, size_t), void *arg)
{
	if (c == NULL)
		return;
	if (c->kind == N_NAME)
		cb(arg, c->text, c->off);
	cond_names(c->l, cb, arg);
	cond_names(c->r, cb, arg);
}
