/* sqlbind.c: finds where each template of a query stands (a small lexer
 * for SQL's quotes and comments) and rewrites it as a placeholder. */
#include <stdlib.h>
#include <string.h>

#include "sqlbind.h"
#include "strbuf.h"
#include "template.h"
#include "xmalloc.h"

enum sql_state {
	SQL_CODE,
	SQL_STRING,		/* '...' */
	SQL_IDENT,		/* "..." */
	SQL_LINE_COMMENT,	/* -- ... */
	SQL_BLOCK_COMMENT,	/* slash-star ... star-slash */
};

/* The state after s[from, to), starting in st. */
static enum sql_state
lex(const char *s, size_t from, size_t to, enum sql_state st)
{
	for (size_t i = from; i < to; i++) {
		char c = s[i], n = i + 1 < to ? s[i + 1] : '\0';

		switch (st) {
		case SQL_CODE:
			if (c == '\'')
				st = SQL_STRING;
			else if (c == '"')
				st = SQL_IDENT;
			else if (c == '-' && n == '-')
				st = SQL_LINE_COMMENT, i++;
			else if (c == '/' && n == '*')
				st = SQL_BLOCK_COMMENT, i++;
			break;
		case SQL_STRING:
			if (c == '\'' && n == '\'')
				i++;
			else if (c == '\'')
				st = SQL_CODE;
			break;
		case SQL_IDENT:
			if (c == '"')
				st = SQL_CODE;
			break;
		case SQL_LINE_COMMENT:
			if (c == '\n')
				st = SQL_CODE;
			break;
		case SQL_BLOCK_COMMENT:
			if (c == '*' && n == '/')
				st = SQL_CODE, i++;
			break;
		}
	}
	return st;
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

int
sqlbind_prepare(const char *query, struct sqlbind *b, size_t *err_off, char **cause)
{
	static const char *const where[] = { NULL, "a string literal", "a quoted identifier",
	    "a comment", "a comment" };
	enum sql_state st = SQL_CODE;
	struct tscan scan;
	struct strbuf out;
	size_t pos = 0;

	memset(b, 0, sizeof *b);
	if (template_scan(query, &scan, err_off, cause) != 0)
		return -1;
	strbuf_init(&out);
	for (int i = 0; i < scan.nrefs; i++) {
		const struct tref *r = &scan.refs[i];
		char *text;
		int k;

		st = lex(query, pos, r->start, st);
		strbuf_add(&out, query + pos, r->start - pos);
		pos = r->end;
		if (r->kind == TREF_LITERAL) {
			strbuf_adds(&out, r->name);
			continue;
		}
		if (st != SQL_CODE) {
			*err_off = r->start;
			*cause = xprintf("a template inside %s cannot be bound as a parameter: write it bare "
			    "(its value is sent as a parameter, never as SQL)", where[st]);
			strbuf_free(&out);
			template_scan_free(&scan);
			sqlbind_free(b);
			return -1;
		}
		text = xstrndup(query + r->start, r->end - r->start);
		if ((k = ref_index(b, text)) < 0) {
			b->refs = xreallocarray(b->refs, b->nrefs + 1, sizeof *b->refs);
			b->refs[b->nrefs] = text;
			k = b->nrefs++;
		} else
			free(text);
		strbuf_addf(&out, "$%d", k + 1);
	}
	strbuf_adds(&out, query + pos);
	template_scan_free(&scan);
	b->query = strbuf_detach(&out);
	return 0;
}

void
sqlbind_free(struct sqlbind *b)
{
	for (int i = 0; i < b->nrefs; i++)
		free(b->refs[i]);
	free(b->refs);
	free(b->query);
	memset(b, 0, sizeof *b);
}
