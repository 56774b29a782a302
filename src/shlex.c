/* shlex.c: a lexer for the shell text of run and rollback commands; see
 * shlex.h. It keeps a stack of frames (the command text itself, $( ),
 * backticks, $(( )), ${ }), each with its quoting state, and in command
 * frames the words of the simple command being read. Here-document bodies
 * are read line by line once the line that started them ends, whatever
 * frame that line was in, as the shells do. Templates are placed and judged
 * in shlex_sites.c. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shcmd.h"
#include "shlex_int.h"
#include "strbuf.h"
#include "xmalloc.h"

const char *
sh_dialect_name(enum sh_dialect d)
{
	return d == SH_DIALECT_BASH ? "bash" : "sh";
}

const char *
sh_dialect_path(enum sh_dialect d)
{
	return d == SH_DIALECT_BASH ? "/bin/bash" : "/bin/sh";
}

void __attribute__((format(printf, 3, 4)))
shlex_bashism(struct lexer *L, size_t off, const char *fmt, ...)
{
	va_list ap;
	char what[128];

	if (L->d != SH_DIALECT_SH || L->nwarns >= SHLEX_MAX_WARNS)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	L->warns = xreallocarray(L->warns, L->nwarns + 1, sizeof *L->warns);
	L->warns[L->nwarns].off = off;
	L->warns[L->nwarns].msg = xprintf("%s is a bashism: /bin/sh (dash) does not run it as bash "
	    "would; add 'shell: bash' to the step or the runbook", what);
	L->nwarns++;
}

/* The character at i, or NUL where a template begins: look-ahead never
 * reads into a template's braces. */
char
shlex_at(const struct lexer *L, size_t i)
{
	return i < L->limit ? L->s[i] : '\0';
}

struct frame *
shlex_top(struct lexer *L)
{
	return &L->f[L->depth - 1];
}

static int
is_cmd_frame(const struct frame *f)
{
	return f->kind == F_TOP || f->kind == F_CMDSUB || f->kind == F_BACKTICK;
}

/* The innermost frame that reads commands: words belong to it. */
struct frame *
shlex_cmd_frame(struct lexer *L)
{
	for (int i = L->depth - 1; i >= 0; i--) {
		if (is_cmd_frame(&L->f[i]))
			return &L->f[i];
	}
	return &L->f[0];
}

/* --- commands and words --- */

static int
new_cmd(struct lexer *L, int parent_cmd, int parent_word)
{
	struct cmd *c;

	L->cmds = xreallocarray(L->cmds, L->ncmds + 1, sizeof *L->cmds);
	c = &L->cmds[L->ncmds];
	memset(c, 0, sizeof *c);
	c->pipe_to = -1;
	c->parent_cmd = parent_cmd;
	c->parent_word = parent_word;
	return L->ncmds++;
}

struct word *
shlex_cur_word(struct lexer *L, struct frame *cf)
{
	struct cmd *c = &L->cmds[cf->cmd];

	return c->nwords > 0 ? &c->words[c->nwords - 1] : NULL;
}

static struct word *
open_word(struct lexer *L, struct frame *cf)
{
	struct cmd *c = &L->cmds[cf->cmd];
	struct word *w;

	if (cf->in_word)
		return &c->words[c->nwords - 1];
	c->words = xreallocarray(c->words, c->nwords + 1, sizeof *c->words);
	w = &c->words[c->nwords++];
	memset(w, 0, sizeof *w);
	strbuf_init(&w->lit);
	w->tmpl_site = -1;
	w->off = L->pos;
	cf->in_word = 1;
	return w;
}

static void
add_lit(struct lexer *L, char ch)
{
	struct frame *cf = shlex_cmd_frame(L);
	struct word *w = open_word(L, cf);

	strbuf_addch(&w->lit, ch);
	w->parts++;
}

void
shlex_add_dynamic(struct lexer *L)
{
	struct frame *cf = shlex_cmd_frame(L);
	struct word *w = open_word(L, cf);

	strbuf_addch(&w->lit, '\x01');
	w->dynamic = 1;
	w->parts++;
}

/* Counts the words before the last that are arguments, not keywords. */
static int
argv_words_before(const struct cmd *c)
{
	int n = 0;

	for (int i = 0; i + 1 < c->nwords; i++)
		n += !c->words[i].excluded;
	return n;
}


static void
heredoc_word(struct lexer *L, struct frame *cf, struct word *w)
{
	struct heredoc *h;

	w->excluded = 1;
	if (L->nhd >= SHLEX_MAX_HEREDOCS) {
		L->overflow = 1;
		return;
	}
	h = &L->hd[L->nhd++];
	h->delim = xstrdup(strbuf_str(&w->lit));
	h->quoted = w->quoted;
	h->strip = cf->heredoc_next == 2;
	h->cmd = cf->cmd;
	h->nested = cf->kind != F_TOP;
	if (w->dynamic)
		shlex_mark_word_never(L, cf->cmd, L->cmds[cf->cmd].nwords - 1,
		    "it is part of a here-document's delimiter");
}

/* A word in command position that is a keyword or part of case syntax. */
static void
keyword_word(struct lexer *L, struct frame *cf, struct word *w, size_t off)
{
	const char *lit = strbuf_str(&w->lit);

	if (cf->case_state == 1) {
		cf->case_state = 2;
		w->excluded = 1;
	} else if (cf->case_state == 2 && strcmp(lit, "in") == 0) {
		cf->case_state = 3;
		w->excluded = 1;
	} else if (cf->case_state == 3) {
		w->excluded = 1;
		if (!w->quoted && !w->dynamic && strcmp(lit, "esac") == 0) {
			cf->case_depth--;
			cf->case_state = 0;
		}
	} else if (w->quoted || w->dynamic) {
		return;
	} else if (strcmp(lit, "case") == 0) {
		cf->case_state = 1;
		cf->case_depth++;
		w->excluded = 1;
	} else if (strcmp(lit, "esac") == 0) {
		cf->case_depth -= cf->case_depth > 0;
		w->excluded = 1;
	} else if (strcmp(lit, "[[") == 0) {
		cf->dbracket = 1;
		shlex_bashism(L, off, "'[['");
	} else if (strcmp(lit, "function") == 0) {
		shlex_bashism(L, off, "the 'function' keyword");
		w->excluded = 1;
	} else if (strcmp(lit, "source") == 0) {
		shlex_bashism(L, off, "'source' (sh spells it '.')");
	} else if (shcmd_is_reserved(lit))
		w->excluded = 1;
}

static void
word_end(struct lexer *L, struct frame *cf, size_t off)
{
	struct cmd *c = &L->cmds[cf->cmd];
	struct word *w;

	if (!cf->in_word)
		return;
	cf->in_word = 0;
	w = &c->words[c->nwords - 1];
	if (w->brace == 3 && !w->quoted)
		shlex_bashism(L, w->off, "brace expansion");
	if (w->tmpl_site >= 0 && w->parts == 1)
		L->sites[w->tmpl_site].whole_word = 1;
	if (cf->heredoc_next) {
		heredoc_word(L, cf, w);
		cf->heredoc_next = 0;
	} else if (cf->herestring_next) {
		w->excluded = w->feeds_stdin = 1;
		cf->herestring_next = 0;
	} else if (cf->redirect_next) {
		w->excluded = 1;
		cf->redirect_next = 0;
	} else if (cf->dbracket) {
		if (!w->quoted && strcmp(strbuf_str(&w->lit), "]]") == 0)
			cf->dbracket = 0;
	} else if (cf->array) {
		return;
	} else if (argv_words_before(c) == 0 || cf->case_state == 3)
		keyword_word(L, cf, w, off);
}

/* Ends the simple command; with pipe, the next one reads its output. */
static void
cmd_break(struct lexer *L, struct frame *cf, int pipe, size_t off)
{
	struct cmd *c;
	int next;

	word_end(L, cf, off);
	c = &L->cmds[cf->cmd];
	if (c->nwords == 0 && !pipe)
		return;
	next = new_cmd(L, c->parent_cmd, c->parent_word);
	if (pipe)
		L->cmds[cf->cmd].pipe_to = next;
	cf->cmd = next;
	cf->redirect_next = cf->heredoc_next = cf->herestring_next = 0;
}

/* --- frames --- */

static void
push(struct lexer *L, enum fkind kind)
{
	struct frame *cf = shlex_cmd_frame(L), *f;
	enum fstate outer = shlex_top(L)->state;

	if (L->depth >= SHLEX_MAX_FRAMES) {
		L->overflow = 1;
		return;
	}
	f = &L->f[L->depth++];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->param_dq = outer == S_DQUOTE || (kind == F_PARAM && L->depth > 1 &&
	    L->f[L->depth - 2].kind == F_PARAM && L->f[L->depth - 2].param_dq);
	if (is_cmd_frame(f)) {
		struct cmd *c = &L->cmds[cf->cmd];

		f->cmd = new_cmd(L, cf->cmd, c->nwords - 1);
	}
}

void
shlex_pop(struct lexer *L, size_t off)
{
	if (L->depth <= 1)
		return;
	if (is_cmd_frame(shlex_top(L)))
		word_end(L, shlex_top(L), off);
	L->depth--;
}

/* A backtick closes the innermost backtick frame whatever quotes are open
 * inside it: the shell finds the closing one before it parses the inside. */
static void
backtick(struct lexer *L, size_t off)
{
	for (int i = L->depth - 1; i > 0; i--) {
		if (L->f[i].kind == F_BACKTICK) {
			while (L->depth > i)
				shlex_pop(L, off);
			return;
		}
	}
	shlex_add_dynamic(L);
	push(L, F_BACKTICK);
}

/* --- the character dispatch --- */

/* $ and what follows it; returns the next offset. */
static size_t
dollar(struct lexer *L, size_t i)
{
	char n1 = shlex_at(L, i + 1), n2 = shlex_at(L, i + 2);
	enum fstate st = shlex_top(L)->state;

	if (n1 == '(' && n2 == '(') {
		shlex_add_dynamic(L);
		push(L, F_ARITH);
		return i + 3;
	}
	if (n1 == '(') {
		shlex_add_dynamic(L);
		push(L, F_CMDSUB);
		return i + 2;
	}
	if (n1 == '{') {
		shlex_add_dynamic(L);
		push(L, F_PARAM);
		return i + 2;
	}
	if (n1 == '\'' && st == S_BARE) {
		shlex_bashism(L, i, "$'...' quoting");
		if (L->d == SH_DIALECT_BASH) {
			open_word(L, shlex_cmd_frame(L))->quoted = 1;
			shlex_top(L)->state = S_ANSIC;
			return i + 2;
		}
	}
	if (n1 == '[')
		shlex_bashism(L, i, "$[...] arithmetic");
	L->glued = i + 1 == L->limit && i + 1 < L->len;
	if (n1 == '\0' || isspace((unsigned char)n1) || n1 == '"')
		add_lit(L, '$');
	else
		shlex_add_dynamic(L);
	return i + 1;
}

/* A backslash outside single quotes; returns the next offset. */
static size_t
backslash(struct lexer *L, size_t i)
{
	char n = shlex_at(L, i + 1);
	enum fstate st = shlex_top(L)->state;

	if (n == '\0') {
		L->glued = i + 1 == L->limit;
		add_lit(L, '\\');
		return i + 1;
	}
	if (n == '\n')
		return i + 2;	/* a line continuation */
	if (st == S_DQUOTE && strchr("$`\"\\", n) == NULL)
		add_lit(L, '\\');
	open_word(L, shlex_cmd_frame(L))->quoted = 1;
	add_lit(L, n);
	return i + 2;
}

static size_t
redirection(struct lexer *L, struct frame *cf, size_t i)
{
	struct word *w = cf->in_word ? shlex_cur_word(L, cf) : NULL;
	char ch = L->s[i], n1 = shlex_at(L, i + 1), n2 = shlex_at(L, i + 2);

	/* "2>file": the digits name a descriptor, not an argument. */
	if (w != NULL && !w->quoted && !w->dynamic && w->lit.len > 0 &&
	    strspn(strbuf_str(&w->lit), "0123456789") == w->lit.len)
		w->excluded = 1;
	word_end(L, cf, i);
	if (ch == '<' && n1 == '<' && n2 == '<') {
		shlex_bashism(L, i, "'<<<' (a here-string)");
		cf->herestring_next = 1;
		return i + 3;
	}
	if (ch == '<' && n1 == '<') {
		cf->heredoc_next = n2 == '-' ? 2 : 1;
		return i + (n2 == '-' ? 3 : 2);
	}
	cf->redirect_next = 1;
	if ((ch == '>' && (n1 == '>' || n1 == '&' || n1 == '|')) || (ch == '<' && (n1 == '&' || n1 == '>')))
		return i + 2;
	return i + 1;
}

static size_t
open_paren(struct lexer *L, struct frame *cf, size_t i)
{
	struct word *w = cf->in_word ? shlex_cur_word(L, cf) : NULL;

	if (w != NULL && w->lit.len > 0 && strbuf_str(&w->lit)[w->lit.len - 1] == '=' && !w->quoted) {
		shlex_bashism(L, i, "an array assignment");
		word_end(L, cf, i);
		cf->array = 1;
		return i + 1;
	}
	if (cf->case_state == 3 && !cf->in_word)
		return i + 1;	/* the optional ( before a case pattern */
	word_end(L, cf, i);
	if (L->cmds[cf->cmd].nwords == 0 && shlex_at(L, i + 1) == '(') {
		shlex_bashism(L, i, "'((' arithmetic");
		shlex_add_dynamic(L);
		push(L, F_ARITH);
		shlex_top(L)->arith_cmd = 1;
		return i + 2;
	}
	cf->parens++;
	cmd_break(L, cf, 0, i);
	return i + 1;
}

static size_t
close_paren(struct lexer *L, struct frame *cf, size_t i)
{
	word_end(L, cf, i);
	if (cf->array) {
		cf->array = 0;
	} else if (cf->case_state == 3) {
		cf->case_state = 0;
		cmd_break(L, cf, 0, i);
	} else if (cf->parens > 0) {
		cf->parens--;
		cmd_break(L, cf, 0, i);
	} else if (cf->kind == F_CMDSUB) {
		shlex_pop(L, i);
	} else
		cmd_break(L, cf, 0, i);
	return i + 1;
}

static void
start_heredocs(struct lexer *L)
{
	if (L->hd_cur < L->nhd) {
		L->in_heredoc = 1;
		L->hd_nest = 0;
		strbuf_reset(&L->hdline);
	}
}

static size_t
operator(struct lexer *L, struct frame *cf, size_t i)
{
	char ch = L->s[i], n1 = shlex_at(L, i + 1);

	if (cf->dbracket && ch != ';' && ch != '\n') {
		word_end(L, cf, i);
		return i + ((ch == '&' || ch == '|') && n1 == ch ? 2 : 1);
	}
	switch (ch) {
	case '\n':
		cmd_break(L, cf, 0, i);
		start_heredocs(L);
		return i + 1;
	case ';':
		if (n1 == ';' || n1 == '&') {
			cmd_break(L, cf, 0, i);
			cf->case_state = cf->case_depth > 0 ? 3 : 0;
			return i + 2 + (n1 == ';' && shlex_at(L, i + 2) == '&');
		}
		cmd_break(L, cf, 0, i);
		return i + 1;
	case '&':
		if (n1 == '>') {
			shlex_bashism(L, i, "'&>'");
			word_end(L, cf, i);
			cf->redirect_next = 1;
			return i + 2 + (shlex_at(L, i + 2) == '>');
		}
		cmd_break(L, cf, 0, i);
		return i + 1 + (n1 == '&');
	case '|':
		if (cf->case_state == 3) {
			word_end(L, cf, i);
			return i + 1;
		}
		if (n1 == '&')
			shlex_bashism(L, i, "'|&'");
		cmd_break(L, cf, n1 != '|', i);
		return i + 1 + (n1 == '|' || n1 == '&');
	case '(':
		return open_paren(L, cf, i);
	case ')':
		return close_paren(L, cf, i);
	default:		/* < and > */
		return redirection(L, cf, i);
	}
}

static void
note_brace(struct lexer *L, char ch)
{
	struct word *w = shlex_cmd_frame(L)->in_word ? shlex_cur_word(L, shlex_cmd_frame(L)) : NULL;

	if (w == NULL)
		return;
	if (ch == '{' && w->brace == 0)
		w->brace = 1;
	else if (ch == ',' && w->brace == 1)
		w->brace = 2;
	else if (ch == '}' && w->brace == 2)
		w->brace = 3;
}

static size_t
lex_bare_cmd(struct lexer *L, struct frame *cf, size_t i)
{
	char ch = L->s[i];

	switch (ch) {
	case ' ':
	case '\t':
		word_end(L, cf, i);
		return i + 1;
	case '#':
		if (!cf->in_word) {
			cf->state = S_COMMENT;
			return i + 1;
		}
		break;
	case '\n': case ';': case '&': case '|': case '(': case ')': case '<': case '>':
		return operator(L, cf, i);
	case '{': case ',': case '}':
		add_lit(L, ch);
		note_brace(L, ch);
		return i + 1;
	}
	add_lit(L, ch);
	return i + 1;
}

static size_t
lex_param(struct lexer *L, struct frame *f, size_t i)
{
	char ch = L->s[i];

	if (ch == '}') {
		shlex_pop(L, i);
		return i + 1;
	}
	if (!f->param_op) {
		int name = isalnum((unsigned char)ch) || ch == '_' ||
		    (f->param_len == 0 && strchr("#!@*?$-", ch) != NULL);

		f->param_len++;
		if (ch == '[' || (ch == '!' && f->param_len == 1))
			shlex_bashism(L, i, ch == '[' ? "an array subscript" : "${!...} indirection");
		if (ch == '[') {
			shlex_add_dynamic(L);
			push(L, F_ARITH);
			return i + 1;
		}
		if (!name) {
			f->param_op = 1;
			if (ch == '/' || (ch == ':' && (isdigit((unsigned char)shlex_at(L, i + 1)) ||
			    shlex_at(L, i + 1) == ' ')) || ch == '^' || ch == ',')
				shlex_bashism(L, i, "this ${...} form");
		}
		return i + 1;
	}
	if (ch == '\'' && !f->param_dq) {
		f->state = S_SQUOTE;
		return i + 1;
	}
	return i + 1;
}

static size_t
lex_arith(struct lexer *L, struct frame *f, size_t i)
{
	char ch = L->s[i];

	if (ch == '(')
		f->parens++;
	else if (ch == ']' && f->parens == 0 && L->depth > 1 && L->f[L->depth - 2].kind == F_PARAM) {
		shlex_pop(L, i);	/* the end of a ${a[...]} subscript */
	} else if (ch == ')' && f->parens > 0)
		f->parens--;
	else if (ch == ')' && shlex_at(L, i + 1) == ')') {
		shlex_pop(L, i);
		return i + 2;
	}
	return i + 1;
}

/* Characters common to every frame outside single quotes. */
static size_t
lex_common(struct lexer *L, struct frame *f, size_t i, int *done)
{
	char ch = L->s[i];

	*done = 1;
	switch (ch) {
	case '\\':
		return backslash(L, i);
	case '$':
		return dollar(L, i);
	case '`':
		backtick(L, i);
		return i + 1;
	case '"':
		if (f->state == S_DQUOTE) {
			f->state = S_BARE;
			return i + 1;
		}
		if (f->state == S_BARE) {
			open_word(L, shlex_cmd_frame(L))->quoted = 1;
			f->state = S_DQUOTE;
			return i + 1;
		}
		break;
	}
	*done = 0;
	return i;
}

static size_t
lex_char(struct lexer *L, size_t i)
{
	struct frame *f = shlex_top(L);
	char ch = L->s[i];
	int done;

	switch (f->state) {
	case S_SQUOTE:
		if (ch == '`')
			backtick(L, i);
		else if (ch == '\'')
			f->state = S_BARE;
		else
			add_lit(L, ch);
		return i + 1;
	case S_ANSIC:
		if (ch == '\\' && shlex_at(L, i + 1) == '\0')
			L->glued = i + 1 == L->limit;
		if (ch == '\\' && shlex_at(L, i + 1) != '\0')
			return i + 2;
		if (ch == '\'')
			f->state = S_BARE;
		else
			add_lit(L, ch);
		return i + 1;
	case S_COMMENT:
		if (ch != '\n')
			return i + 1;
		f->state = S_BARE;
		return lex_char(L, i);
	default:
		break;
	}
	i = lex_common(L, f, i, &done);
	if (done)
		return i;
	if (f->state == S_DQUOTE) {
		add_lit(L, ch);
		return i + 1;
	}
	if (f->kind == F_PARAM)
		return lex_param(L, f, i);
	if (f->kind == F_ARITH)
		return lex_arith(L, f, i);
	if (ch == '\'') {
		open_word(L, f)->quoted = 1;
		f->state = S_SQUOTE;
		return i + 1;
	}
	return lex_bare_cmd(L, f, i);
}

/* --- here-document bodies --- */

static void
heredoc_line_end(struct lexer *L)
{
	const struct heredoc *h = &L->hd[L->hd_cur];
	const char *line = strbuf_str(&L->hdline);

	if (h->strip)
		line += strspn(line, "\t");
	/* "EOF)" inside $( ): bash ends the document there, dash does not. */
	if (h->nested && strncmp(line, h->delim, strlen(h->delim)) == 0 &&
	    (line[strlen(h->delim)] == ')' || line[strlen(h->delim)] == '`'))
		L->confused = 1;
	if (strcmp(line, h->delim) == 0 && ++L->hd_cur == L->nhd) {
		L->in_heredoc = 0;
		for (int k = 0; k < L->nhd; k++)
			free(L->hd[k].delim);
		L->nhd = L->hd_cur = 0;
	}
	strbuf_reset(&L->hdline);
	L->hd_nest = 0;
}

static size_t
heredoc_char(struct lexer *L, size_t i)
{
	char ch = L->s[i];

	if (ch == '\n') {
		heredoc_line_end(L);
		return i + 1;
	}
	strbuf_addch(&L->hdline, ch);
	if (L->hd[L->hd_cur].quoted)
		return i + 1;
	if ((ch == '\\' || ch == '$') && i + 1 == L->limit && i + 1 < L->len)
		L->glued = 1;
	if (ch == '\\' && shlex_at(L, i + 1) != '\0' && shlex_at(L, i + 1) != '\n') {
		strbuf_addch(&L->hdline, L->s[i + 1]);
		return i + 2;
	}
	if ((ch == '$' && (shlex_at(L, i + 1) == '(' || shlex_at(L, i + 1) == '{')) || ch == '`')
		L->hd_nest = ch == '`' ? !L->hd_nest : L->hd_nest + 1;
	else if ((ch == ')' || ch == '}') && L->hd_nest > 0)
		L->hd_nest--;
	return i + 1;
}

void
shlex_analyse(const char *s, const struct tscan *scan, enum sh_dialect d, struct shlex_result *out)
{
	struct lexer L;
	size_t i = 0;
	int k = 0;

	memset(&L, 0, sizeof L);
	L.s = s;
	L.len = strlen(s);
	L.d = d;
	L.depth = 1;
	L.f[0].kind = F_TOP;
	L.f[0].cmd = new_cmd(&L, -1, -1);
	L.nsites = scan->nrefs;
	L.sites = xcalloc((size_t)L.nsites + 1, sizeof *L.sites);
	L.where = xcalloc((size_t)L.nsites + 1, sizeof *L.where);
	strbuf_init(&L.hdline);
	while (i < L.len) {
		L.limit = k < scan->nrefs ? scan->refs[k].start : L.len;
		if (k < scan->nrefs && i >= scan->refs[k].start) {
			L.pos = i;
			shlex_on_template(&L, k);
			i = scan->refs[k++].end;
			continue;
		}
		L.pos = i;
		i = L.in_heredoc ? heredoc_char(&L, i) : lex_char(&L, i);
	}
	while (L.depth > 1)
		shlex_pop(&L, L.len);
	word_end(&L, &L.f[0], L.len);
	shlex_finish(&L);
	out->sites = L.sites;
	out->nsites = L.nsites;
	out->warns = L.warns;
	out->nwarns = L.nwarns;
	for (int c = 0; c < L.ncmds; c++) {
		for (int w = 0; w < L.cmds[c].nwords; w++)
			strbuf_free(&L.cmds[c].words[w].lit);
		free(L.cmds[c].words);
		free(L.cmds[c].script_of);
	}
	free(L.cmds);
	free(L.where);
	for (int h = 0; h < L.nhd; h++)
		free(L.hd[h].delim);
	strbuf_free(&L.hdline);
}

void
shlex_result_free(struct shlex_result *r)
{
	for (int i = 0; i < r->nsites; i++) {
		free(r->sites[i].never);
		free(r->sites[i].inert_only);
	}
	free(r->sites);
	for (int i = 0; i < r->nwarns; i++)
		free(r->warns[i].msg);
	free(r->warns);
	memset(r, 0, sizeof *r);
}
