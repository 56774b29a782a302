/* shlex.c: a lexer for the shell text of run and rollback commands; see
 * shlex.h. It keeps a stack of frames (the command text itself, $( ),
 * backticks, $(( )), ${ }), each with its quoting state, and in command
 * frames the words of the simple command being read. Here-document bodies
 * are read line by line once the line that started them ends, whatever
 * frame that line was in, as the shells do. After the text is read, each
 * simple command is classified (shcmd.h) and every template learns whether
 * it stands in a second interpreter's script, directly or through the
 * substitutions it is nested in. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shcmd.h"
#include "shlex.h"
#include "strbuf.h"
#include "xmalloc.h"

#define SHLEX_MAX_FRAMES 64
#define SHLEX_MAX_HEREDOCS 32
#define SHLEX_MAX_WARNS 64

enum fkind { F_TOP, F_CMDSUB, F_BACKTICK, F_ARITH, F_PARAM };
enum fstate { S_BARE, S_SQUOTE, S_DQUOTE, S_ANSIC, S_COMMENT };

struct word {
	struct strbuf lit;	/* the word with quotes removed */
	int dynamic;		/* holds an expansion: lit is not its value */
	int quoted;
	int parts;		/* characters and expansions in it */
	int tmpl_site;		/* the site of a bare template that began it, or -1 */
	int excluded;		/* a redirection target, keyword or case pattern */
	int feeds_stdin;	/* a bash here-string */
	int brace;		/* brace expansion progress: 1 {, 2 {,  3 {,} */
	size_t off;		/* where it starts in the command */
};

struct cmd {
	struct word *words;
	int nwords;
	int pipe_to;		/* the command this one pipes into, or -1 */
	int parent_cmd;		/* the word a substitution stands in, or -1 */
	int parent_word;
	const char **script_of;	/* per word, after classification */
	const char *stdin_interp;
};

struct frame {
	enum fkind kind;
	enum fstate state;
	int parens;		/* open ( in this frame */
	int cmd;		/* command frames: the command being read */
	int in_word;		/* command frames: a word is open */
	int redirect_next;	/* the next word is a redirection target */
	int heredoc_next;	/* 1 after <<, 2 after <<- */
	int herestring_next;
	int case_state;		/* 1 after case, 2 after its subject, 3 in a pattern */
	int case_depth;
	int dbracket;		/* inside [[ ]] */
	int array;		/* inside name=( ... ) */
	int arith_cmd;		/* F_ARITH: (( )) as a command, not $(( )) */
	int param_len;		/* F_PARAM: characters read */
	int param_op;		/* F_PARAM: an operator was read: a word follows */
	int param_dq;		/* F_PARAM: the ${ stands inside "..." */
};

struct heredoc {
	char *delim;
	int quoted, strip, cmd;
	int nested;		/* started inside $( ) or backticks */
};

struct site_where {
	int cmd, word;		/* -1 when in no command's word */
	int heredoc_cmd;	/* a here-document's command, or -1 */
};

struct lexer {
	const char *s;
	size_t len, limit;	/* limit: where the next template starts */
	enum sh_dialect d;
	struct frame f[SHLEX_MAX_FRAMES];
	int depth;
	int overflow;		/* too deep or too many here-documents */
	int glued;		/* a backslash or '$' stands right before the next template */
	int confused;		/* sh and bash part ways here: nothing after is judged */
	size_t pos;		/* the offset being read */
	struct cmd *cmds;
	int ncmds;
	struct shsite *sites;
	struct site_where *where;
	int nsites;
	struct heredoc hd[SHLEX_MAX_HEREDOCS];
	int nhd, hd_cur, in_heredoc, hd_nest;
	struct strbuf hdline;
	struct shwarn *warns;
	int nwarns;
};

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

static void __attribute__((format(printf, 3, 4)))
bashism(struct lexer *L, size_t off, const char *fmt, ...)
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
static char
at(const struct lexer *L, size_t i)
{
	return i < L->limit ? L->s[i] : '\0';
}

static struct frame *
top(struct lexer *L)
{
	return &L->f[L->depth - 1];
}

static int
is_cmd_frame(const struct frame *f)
{
	return f->kind == F_TOP || f->kind == F_CMDSUB || f->kind == F_BACKTICK;
}

/* The innermost frame that reads commands: words belong to it. */
static struct frame *
cmd_frame(struct lexer *L)
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

static struct word *
cur_word(struct lexer *L, struct frame *cf)
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
	struct frame *cf = cmd_frame(L);
	struct word *w = open_word(L, cf);

	strbuf_addch(&w->lit, ch);
	w->parts++;
}

static void
add_dynamic(struct lexer *L)
{
	struct frame *cf = cmd_frame(L);
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

static void mark_word_never(struct lexer *L, int cmd, int word, const char *why);

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
		mark_word_never(L, cf->cmd, L->cmds[cf->cmd].nwords - 1,
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
		bashism(L, off, "'[['");
	} else if (strcmp(lit, "function") == 0) {
		bashism(L, off, "the 'function' keyword");
		w->excluded = 1;
	} else if (strcmp(lit, "source") == 0) {
		bashism(L, off, "'source' (sh spells it '.')");
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
		bashism(L, w->off, "brace expansion");
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
	struct frame *cf = cmd_frame(L), *f;
	enum fstate outer = top(L)->state;

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

static void
pop(struct lexer *L, size_t off)
{
	if (L->depth <= 1)
		return;
	if (is_cmd_frame(top(L)))
		word_end(L, top(L), off);
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
				pop(L, off);
			return;
		}
	}
	add_dynamic(L);
	push(L, F_BACKTICK);
}

/* --- the character dispatch --- */

/* $ and what follows it; returns the next offset. */
static size_t
dollar(struct lexer *L, size_t i)
{
	char n1 = at(L, i + 1), n2 = at(L, i + 2);
	enum fstate st = top(L)->state;

	if (n1 == '(' && n2 == '(') {
		add_dynamic(L);
		push(L, F_ARITH);
		return i + 3;
	}
	if (n1 == '(') {
		add_dynamic(L);
		push(L, F_CMDSUB);
		return i + 2;
	}
	if (n1 == '{') {
		add_dynamic(L);
		push(L, F_PARAM);
		return i + 2;
	}
	if (n1 == '\'' && st == S_BARE) {
		bashism(L, i, "$'...' quoting");
		if (L->d == SH_DIALECT_BASH) {
			open_word(L, cmd_frame(L))->quoted = 1;
			top(L)->state = S_ANSIC;
			return i + 2;
		}
	}
	if (n1 == '[')
		bashism(L, i, "$[...] arithmetic");
	L->glued = i + 1 == L->limit && i + 1 < L->len;
	if (n1 == '\0' || isspace((unsigned char)n1) || n1 == '"')
		add_lit(L, '$');
	else
		add_dynamic(L);
	return i + 1;
}

/* A backslash outside single quotes; returns the next offset. */
static size_t
backslash(struct lexer *L, size_t i)
{
	char n = at(L, i + 1);
	enum fstate st = top(L)->state;

	if (n == '\0') {
		L->glued = i + 1 == L->limit;
		return i + 1;
	}
	if (n == '\n')
		return i + 2;	/* a line continuation */
	if (st == S_DQUOTE && strchr("$`\"\\", n) == NULL)
		add_lit(L, '\\');
	open_word(L, cmd_frame(L))->quoted = 1;
	add_lit(L, n);
	return i + 2;
}

static size_t
redirection(struct lexer *L, struct frame *cf, size_t i)
{
	struct word *w = cf->in_word ? cur_word(L, cf) : NULL;
	char ch = L->s[i], n1 = at(L, i + 1), n2 = at(L, i + 2);

	/* "2>file": the digits name a descriptor, not an argument. */
	if (w != NULL && !w->quoted && !w->dynamic && w->lit.len > 0 &&
	    strspn(strbuf_str(&w->lit), "0123456789") == w->lit.len)
		w->excluded = 1;
	word_end(L, cf, i);
	if (ch == '<' && n1 == '<' && n2 == '<') {
		bashism(L, i, "'<<<' (a here-string)");
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
	struct word *w = cf->in_word ? cur_word(L, cf) : NULL;

	if (w != NULL && w->lit.len > 0 && strbuf_str(&w->lit)[w->lit.len - 1] == '=' && !w->quoted) {
		bashism(L, i, "an array assignment");
		word_end(L, cf, i);
		cf->array = 1;
		return i + 1;
	}
	if (cf->case_state == 3 && !cf->in_word)
		return i + 1;	/* the optional ( before a case pattern */
	word_end(L, cf, i);
	if (L->cmds[cf->cmd].nwords == 0 && at(L, i + 1) == '(') {
		bashism(L, i, "'((' arithmetic");
		add_dynamic(L);
		push(L, F_ARITH);
		top(L)->arith_cmd = 1;
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
		pop(L, i);
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
	char ch = L->s[i], n1 = at(L, i + 1);

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
			return i + 2 + (n1 == ';' && at(L, i + 2) == '&');
		}
		cmd_break(L, cf, 0, i);
		return i + 1;
	case '&':
		if (n1 == '>') {
			bashism(L, i, "'&>'");
			word_end(L, cf, i);
			cf->redirect_next = 1;
			return i + 2 + (at(L, i + 2) == '>');
		}
		cmd_break(L, cf, 0, i);
		return i + 1 + (n1 == '&');
	case '|':
		if (cf->case_state == 3) {
			word_end(L, cf, i);
			return i + 1;
		}
		if (n1 == '&')
			bashism(L, i, "'|&'");
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
	struct word *w = cmd_frame(L)->in_word ? cur_word(L, cmd_frame(L)) : NULL;

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
		pop(L, i);
		return i + 1;
	}
	if (!f->param_op) {
		int name = isalnum((unsigned char)ch) || ch == '_' ||
		    (f->param_len == 0 && strchr("#!@*?$-", ch) != NULL);

		f->param_len++;
		if (ch == '[' || (ch == '!' && f->param_len == 1))
			bashism(L, i, ch == '[' ? "an array subscript" : "${!...} indirection");
		if (ch == '[') {
			add_dynamic(L);
			push(L, F_ARITH);
			return i + 1;
		}
		if (!name) {
			f->param_op = 1;
			if (ch == '/' || (ch == ':' && (isdigit((unsigned char)at(L, i + 1)) ||
			    at(L, i + 1) == ' ')) || ch == '^' || ch == ',')
				bashism(L, i, "this ${...} form");
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
		pop(L, i);	/* the end of a ${a[...]} subscript */
	} else if (ch == ')' && f->parens > 0)
		f->parens--;
	else if (ch == ')' && at(L, i + 1) == ')') {
		pop(L, i);
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
			open_word(L, cmd_frame(L))->quoted = 1;
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
	struct frame *f = top(L);
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
		if (ch == '\\' && at(L, i + 1) == '\0')
			L->glued = i + 1 == L->limit;
		if (ch == '\\' && at(L, i + 1) != '\0')
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
	if (ch == '\\' && at(L, i + 1) != '\0' && at(L, i + 1) != '\n') {
		strbuf_addch(&L->hdline, L->s[i + 1]);
		return i + 2;
	}
	if ((ch == '$' && (at(L, i + 1) == '(' || at(L, i + 1) == '{')) || ch == '`')
		L->hd_nest = ch == '`' ? !L->hd_nest : L->hd_nest + 1;
	else if ((ch == ')' || ch == '}') && L->hd_nest > 0)
		L->hd_nest--;
	return i + 1;
}

/* --- templates --- */

static void
site_never(struct shsite *s, const char *why)
{
	if (s->never == NULL)
		s->never = xstrdup(why);
}

static void __attribute__((format(printf, 2, 3)))
site_inert(struct shsite *s, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (s->inert_only != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	s->inert_only = xstrdup(buf);
}

static void
mark_word_never(struct lexer *L, int cmd, int word, const char *why)
{
	for (int k = 0; k < L->nsites; k++) {
		if (L->where[k].cmd == cmd && L->where[k].word == word)
			site_never(&L->sites[k], why);
	}
}

static void
template_in_heredoc(struct lexer *L, int k)
{
	const struct heredoc *h = &L->hd[L->hd_cur];
	struct shsite *s = &L->sites[k];

	L->where[k].heredoc_cmd = h->cmd;
	strbuf_addch(&L->hdline, '\x01');
	if (h->quoted) {
		s->ctx = SHCTX_HEREDOC_LITERAL;
		site_inert(s, "it stands in a quoted here-document (<<'%s'), where nothing expands: "
		    "the value would be pasted into the text", h->delim);
	} else
		s->ctx = SHCTX_HEREDOC;
	if (L->hd_nest > 0)
		site_never(s, "it stands inside a substitution within a here-document");
}

static void
template_in_frame(struct lexer *L, int k)
{
	struct frame *f = top(L), *cf = cmd_frame(L);
	struct shsite *s = &L->sites[k];
	struct word *w;

	switch (f->state) {
	case S_SQUOTE: s->ctx = SHCTX_SQUOTE; break;
	case S_DQUOTE: s->ctx = SHCTX_DQUOTE; break;
	case S_ANSIC: s->ctx = SHCTX_ANSIC; break;
	case S_COMMENT: s->ctx = SHCTX_COMMENT; return;
	default: s->ctx = SHCTX_WORD; break;
	}
	if (f->kind == F_ARITH) {
		s->ctx = SHCTX_ARITH;
		site_inert(s, "it stands in arithmetic%s, which the shell evaluates as an expression",
		    f->arith_cmd ? " (( ))" : "");
	} else if (f->kind == F_PARAM && !f->param_op)
		site_never(s, "it stands in the name of a ${...} expansion");
	else if (f->kind == F_PARAM && f->state == S_BARE)
		s->ctx = SHCTX_WORD;	/* "${V}" keeps it literal in every ${x OP word} */
	if (f->state == S_SQUOTE && f->kind == F_PARAM && f->param_dq)
		site_never(s, "single quotes inside \"${...}\" mean different things to sh and bash");
	if (cf->dbracket && s->ctx == SHCTX_WORD && L->d == SH_DIALECT_SH)
		site_never(s, "it stands in '[[ ]]', which /bin/sh does not have");
	add_dynamic(L);
	w = cur_word(L, cf);
	if (f == cf && f->state == S_BARE && w->parts == 1)
		w->tmpl_site = k;
	L->where[k].cmd = cf->cmd;
	L->where[k].word = L->cmds[cf->cmd].nwords - 1;
}

static void
on_template(struct lexer *L, int k)
{
	L->where[k].cmd = L->where[k].word = L->where[k].heredoc_cmd = -1;
	if (L->overflow)
		site_never(&L->sites[k], "the command nests deeper than drconsole can follow");
	if (L->confused)
		site_never(&L->sites[k], "it follows a here-document ended by its delimiter and ')' "
		    "on one line, which sh and bash read differently; put the ')' on a line of its own");
	if (L->glued)
		site_never(&L->sites[k], "a backslash or '$' stands right before it and would change "
		    "how the shell reads the value; put a space or quotes between them");
	L->glued = 0;
	if (L->in_heredoc)
		template_in_heredoc(L, k);
	else
		template_in_frame(L, k);
}

/* --- after the text: who reads each template --- */

/* `set -o pipefail` and its spellings (-eo pipefail, -euo pipefail). */
static void
check_pipefail(struct lexer *L, const struct cmd *c)
{
	int first = -1;

	for (int i = 0; i < c->nwords; i++) {
		const char *lit = strbuf_str(&c->words[i].lit);

		if (c->words[i].excluded)
			continue;
		if (first < 0) {
			first = i;
			if (strcmp(lit, "set") != 0)
				return;
		} else if (strcmp(lit, "pipefail") == 0 && i > 0 &&
		    strchr(strbuf_str(&c->words[i - 1].lit), 'o') != NULL)
			bashism(L, c->words[i].off, "'set -o pipefail' (dash 0.5.12 has no pipefail)");
	}
}

static void
classify_all(struct lexer *L)
{
	for (int c = 0; c < L->ncmds; c++) {
		struct cmd *cmd = &L->cmds[c];
		struct shcmd_word *w = xcalloc((size_t)cmd->nwords + 1, sizeof *w);
		const char **roles = xcalloc((size_t)cmd->nwords + 1, sizeof *roles);
		int *map = xcalloc((size_t)cmd->nwords + 1, sizeof *map), n = 0;
		struct shcmd_roles r = { roles, NULL };

		for (int i = 0; i < cmd->nwords; i++) {
			if (cmd->words[i].excluded)
				continue;
			w[n].lit = cmd->words[i].dynamic ? NULL : strbuf_str(&cmd->words[i].lit);
			map[n++] = i;
		}
		shcmd_classify(w, n, &r);
		cmd->script_of = xcalloc((size_t)cmd->nwords + 1, sizeof *cmd->script_of);
		for (int i = 0; i < n; i++)
			cmd->script_of[map[i]] = roles[i];
		cmd->stdin_interp = r.stdin_interp;
		check_pipefail(L, cmd);
		free(w);
		free(roles);
		free(map);
	}
}

/* The first interpreter downstream of cmd in its pipeline, or NULL. */
static const char *
piped_into(const struct lexer *L, int cmd)
{
	int hops = 0;

	for (int c = L->cmds[cmd].pipe_to; c >= 0 && hops < L->ncmds; c = L->cmds[c].pipe_to, hops++) {
		if (L->cmds[c].stdin_interp != NULL)
			return L->cmds[c].stdin_interp;
	}
	return NULL;
}

static void
judge_site(struct lexer *L, int k)
{
	struct shsite *s = &L->sites[k];
	const struct site_where *wh = &L->where[k];
	int cmd = wh->cmd, word = wh->word, hops = 0;
	const char *who;

	if (wh->heredoc_cmd >= 0) {
		cmd = wh->heredoc_cmd;
		if ((who = L->cmds[cmd].stdin_interp) != NULL)
			site_inert(s, "the here-document is code for %s, which reads its script from "
			    "standard input", who);
		word = -1;
	}
	for (; cmd >= 0 && hops <= L->ncmds; hops++) {
		const struct cmd *c = &L->cmds[cmd];

		if (word >= 0 && (who = c->script_of[word]) != NULL)
			site_inert(s, "it stands inside a script that %s runs: the value would become "
			    "code there", who);
		if (word >= 0 && c->words[word].feeds_stdin && (who = c->stdin_interp) != NULL)
			site_inert(s, "the here-string is code for %s", who);
		if ((who = piped_into(L, cmd)) != NULL)
			site_inert(s, "it is piped into %s, which reads code from standard input", who);
		word = c->parent_word;
		cmd = c->parent_cmd;
	}
}

static void
finish(struct lexer *L)
{
	while (L->depth > 1)
		pop(L, L->len);
	word_end(L, &L->f[0], L->len);
	classify_all(L);
	for (int k = 0; k < L->nsites; k++) {
		judge_site(L, k);
		if (L->sites[k].ctx == SHCTX_COMMENT) {
			free(L->sites[k].inert_only);
			L->sites[k].inert_only = NULL;
		}
	}
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
			on_template(&L, k);
			i = scan->refs[k++].end;
			continue;
		}
		L.pos = i;
		i = L.in_heredoc ? heredoc_char(&L, i) : lex_char(&L, i);
	}
	finish(&L);
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
