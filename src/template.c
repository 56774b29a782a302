/* template.c: scanning and expanding "{{ ... }}" templates. The shell-context
 * tracker below is a small lexer for the parts of sh syntax that change how a
 * word must be quoted: quotes, backslashes, comments, $( ), backticks and
 * here-documents. It does not need to understand anything else. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "template.h"
#include "xmalloc.h"

const char *const template_builtins[] = {
	"incident_dir", "incident_id", "operator", "runbook_id", "mode", "environment",
	"run.elapsed", "run.started", "step.id", "step.status", NULL
};

int
template_is_builtin(const char *name)
{
	for (int i = 0; template_builtins[i] != NULL; i++) {
		if (strcmp(template_builtins[i], name) == 0)
			return 1;
	}
	return 0;
}

/* --- scanning --- */

static size_t
skip_spaces(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

/* Reads a dotted identifier (a.b.c) at s+i; returns its end, or i if none. */
static size_t
read_name(const char *s, size_t i)
{
	size_t j = i;

	for (;;) {
		if (!isalpha((unsigned char)s[j]) && s[j] != '_')
			return j == i ? i : j - 1;
		while (isalnum((unsigned char)s[j]) || s[j] == '_')
			j++;
		if (s[j] != '.')
			return j;
		j++;
	}
}

static int
scan_fail(size_t off, size_t *err_off, char **cause, const char *msg)
{
	*err_off = off;
	*cause = xstrdup(msg);
	return -1;
}

static int
scan_one(const char *s, size_t open, struct tref *ref, size_t *err_off, char **cause)
{
	size_t i = skip_spaces(s, open + 2), end;
	char quote;

	if (s[i] == '"' || s[i] == '\'') {
		quote = s[i];
		end = i + 1;
		while (s[end] != '\0' && s[end] != quote)
			end++;
		if (s[end] != quote)
			return scan_fail(i, err_off, cause, "unterminated string in template");
		ref->kind = TREF_LITERAL;
		ref->name = xstrndup(s + i + 1, end - i - 1);
		end++;
	} else {
		end = read_name(s, i);
		if (end == i)
			return scan_fail(i, err_off, cause,
			    "expected a name in template, like {{ name }} or {{ env.NAME }}");
		ref->name = xstrndup(s + i, end - i);
		if (strncmp(ref->name, "env.", 4) == 0) {
			char *n = xstrdup(ref->name + 4);

			free(ref->name);
			ref->name = n;
			ref->kind = TREF_ENV;
		} else
			ref->kind = template_is_builtin(ref->name) ? TREF_BUILTIN : TREF_PARAM;
	}
	end = skip_spaces(s, end);
	if (s[end] != '}' || s[end + 1] != '}') {
		free(ref->name);
		return scan_fail(end, err_off, cause, s[end] == '\0' ?
		    "unterminated template: missing '}}'" : "unexpected character in template: expected '}}'");
	}
	ref->start = open;
	ref->end = end + 2;
	return 0;
}

/* The next "{{". Not strstr: sanitizers check the whole rest of the string
 * on every call, which makes a long string of templates quadratic. */
static const char *
find_open(const char *p)
{
	for (; *p != '\0'; p++) {
		if (p[0] == '{' && p[1] == '{')
			return p;
	}
	return NULL;
}

int
template_scan(const char *s, struct tscan *out, size_t *err_off, char **cause)
{
	const char *p = s;
	size_t room = 0;

	/* Room for every "{{" at once: growing by one is quadratic. */
	for (p = s; (p = find_open(p)) != NULL; p += 2)
		room++;
	out->refs = room != 0 ? xreallocarray(NULL, room, sizeof *out->refs) : NULL;
	out->nrefs = 0;
	p = s;
	while ((p = find_open(p)) != NULL) {
		struct tref ref;

		if (scan_one(s, (size_t)(p - s), &ref, err_off, cause) != 0) {
			template_scan_free(out);
			return -1;
		}
		out->refs[out->nrefs++] = ref;
		p = s + ref.end;
	}
	return 0;
}

void
template_scan_free(struct tscan *scan)
{
	for (int i = 0; i < scan->nrefs; i++)
		free(scan->refs[i].name);
	free(scan->refs);
	scan->refs = NULL;
	scan->nrefs = 0;
}

char *
template_var_name(const struct tref *ref)
{
	const char *prefix = ref->kind == TREF_ENV ? "DRC_E_" :
	    ref->kind == TREF_BUILTIN ? "DRC_B_" : "DRC_P_";
	char *v = xprintf("%s%s", prefix, ref->name);

	for (char *c = v; *c != '\0'; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_')
			*c = '_';
	}
	return v;
}

/* --- the shell context tracker --- */

enum sh_state {
	SH_BARE,
	SH_SQUOTE,
	SH_DQUOTE,
	SH_COMMENT,
	SH_HEREDOC,		/* body of <<WORD: expands variables */
	SH_HEREDOC_LITERAL,	/* body of <<'WORD': nothing expands */
};

enum sh_frame_kind {
	FRAME_TOP,
	FRAME_DOLLAR_PAREN,
	FRAME_BACKTICK,
};

#define SH_MAX_FRAMES 32

struct sh_frame {
	enum sh_frame_kind kind;
	enum sh_state state;
	int parens;		/* open ( inside a $( frame */
};

struct shctx {
	struct sh_frame frames[SH_MAX_FRAMES];
	int depth;
	int escaped;		/* the previous character was a backslash */
	int word_start;		/* a # here would start a comment */
	char heredoc_word[128];	/* pending here-document delimiter */
	int heredoc_pending, heredoc_quoted, heredoc_strip_tabs;
	struct strbuf line;	/* current line inside a here-document */
};

static struct sh_frame *
top(struct shctx *c)
{
	return &c->frames[c->depth - 1];
}

static void
push(struct shctx *c, enum sh_frame_kind kind)
{
	if (c->depth < SH_MAX_FRAMES) {
		c->frames[c->depth].kind = kind;
		c->frames[c->depth].state = SH_BARE;
		c->frames[c->depth].parens = 0;
		c->depth++;
	}
}

/* Reads the delimiter after << (already consumed); returns chars used. */
static size_t
read_heredoc_word(struct shctx *c, const char *s, size_t len)
{
	size_t i = 0, n = 0;
	char q = 0;

	c->heredoc_strip_tabs = 0;
	if (i < len && s[i] == '-') {
		c->heredoc_strip_tabs = 1;
		i++;
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	c->heredoc_quoted = 0;
	for (; i < len && !isspace((unsigned char)s[i]) && !strchr(";&|<>()", s[i]); i++) {
		if ((s[i] == '\'' || s[i] == '"') && (q == 0 || q == s[i])) {
			q = q ? 0 : s[i];
			c->heredoc_quoted = 1;
			continue;
		}
		if (s[i] == '\\') {
			c->heredoc_quoted = 1;
			continue;
		}
		if (n + 1 < sizeof c->heredoc_word)
			c->heredoc_word[n++] = s[i];
	}
	c->heredoc_word[n] = '\0';
	c->heredoc_pending = n > 0;
	return i;
}

static void
heredoc_line_end(struct shctx *c)
{
	const char *l = strbuf_str(&c->line);

	if (c->heredoc_strip_tabs)
		while (*l == '\t')
			l++;
	if (strcmp(l, c->heredoc_word) == 0)
		top(c)->state = SH_BARE;
	strbuf_reset(&c->line);
}

static size_t
feed_bare(struct shctx *c, const char *s, size_t len, size_t i)
{
	struct sh_frame *f = top(c);
	char ch = s[i];
	int was_word_start = c->word_start;

	c->word_start = isspace((unsigned char)ch) || strchr(";&|()", ch) != NULL;
	switch (ch) {
	case '\'':
		f->state = SH_SQUOTE;
		break;
	case '"':
		f->state = SH_DQUOTE;
		break;
	case '\\':
		c->escaped = 1;
		break;
	case '#':
		if (was_word_start)
			f->state = SH_COMMENT;
		break;
	case '`':
		if (f->kind == FRAME_BACKTICK)
			c->depth--;
		else
			push(c, FRAME_BACKTICK);
		break;
	case '(':
		if (i > 0 && s[i - 1] == '$')
			push(c, FRAME_DOLLAR_PAREN);
		else
			f->parens++;
		break;
	case ')':
		if (f->parens > 0)
			f->parens--;
		else if (f->kind == FRAME_DOLLAR_PAREN)
			c->depth--;
		break;
	case '<':
		if (i + 1 < len && s[i + 1] == '<' && (i + 2 >= len || s[i + 2] != '<'))
			return i + 2 + read_heredoc_word(c, s + i + 2, len - i - 2);
		break;
	case '\n':
		if (c->heredoc_pending && f->kind == FRAME_TOP) {
			c->heredoc_pending = 0;
			f->state = c->heredoc_quoted ? SH_HEREDOC_LITERAL : SH_HEREDOC;
		}
		break;
	}
	return i + 1;
}

static size_t
feed_char(struct shctx *c, const char *s, size_t len, size_t i)
{
	struct sh_frame *f = top(c);
	char ch = s[i];

	if (c->escaped) {
		c->escaped = 0;
		c->word_start = 0;
		return i + 1;
	}
	switch (f->state) {
	case SH_BARE:
		return feed_bare(c, s, len, i);
	case SH_SQUOTE:
		if (ch == '\'')
			f->state = SH_BARE;
		break;
	case SH_DQUOTE:
		if (ch == '"')
			f->state = SH_BARE;
		else if (ch == '\\')
			c->escaped = 1;
		else if (ch == '(' && i > 0 && s[i - 1] == '$')
			push(c, FRAME_DOLLAR_PAREN);
		else if (ch == '`')
			push(c, FRAME_BACKTICK);
		break;
	case SH_COMMENT:
		if (ch == '\n') {
			f->state = SH_BARE;
			c->word_start = 1;
			return feed_bare(c, s, len, i);
		}
		break;
	case SH_HEREDOC:
	case SH_HEREDOC_LITERAL:
		if (ch == '\n')
			heredoc_line_end(c);
		else
			strbuf_addch(&c->line, ch);
		break;
	}
	c->word_start = 0;
	return i + 1;
}

static void
shctx_feed(struct shctx *c, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len)
		i = feed_char(c, s, len, i);
}

/* A template inside a here-document line counts as text on that line. */
static void
shctx_note_value(struct shctx *c)
{
	if (top(c)->state == SH_HEREDOC || top(c)->state == SH_HEREDOC_LITERAL)
		strbuf_addch(&c->line, '\x01');
	c->word_start = 0;
}

/* --- expansion --- */

static void
add_env(struct texpansion *x, char *name, const char *value)
{
	for (int i = 0; i < x->nenv; i++) {
		if (strcmp(x->env[i].name, name) == 0) {
			free(name);
			return;
		}
	}
	x->env = xreallocarray(x->env, x->nenv + 1, sizeof *x->env);
	x->env[x->nenv].name = name;
	x->env[x->nenv].value = xstrdup(value);
	x->nenv++;
}

/* Emits a reference to var that the shell expands to exactly one word with
 * the variable's value, whatever the quoting context around it. */
static void
emit_shell_ref(struct strbuf *b, enum sh_state st, const char *var, const char *value)
{
	switch (st) {
	case SH_BARE:
	case SH_COMMENT:
		strbuf_addf(b, "\"${%s}\"", var);
		break;
	case SH_DQUOTE:
	case SH_HEREDOC:
		strbuf_addf(b, "${%s}", var);
		break;
	case SH_SQUOTE:
		strbuf_addf(b, "'\"${%s}\"'", var);
		break;
	case SH_HEREDOC_LITERAL:
		/* Nothing expands here, so the shell cannot run the value
		 * either: it is data for the command reading the document. */
		strbuf_adds(b, value);
		break;
	}
}

static int
expand_ref(const struct tref *ref, enum template_mode mode, struct shctx *sh,
    template_resolve_cb resolve, void *arg, struct strbuf *b, struct texpansion *x, char **cause)
{
	struct tvalue v = { "", 0 };

	if (ref->kind == TREF_LITERAL) {
		if (mode == TMPL_SHELL)
			shctx_feed(sh, ref->name, strlen(ref->name));
		strbuf_adds(b, ref->name);
		return 0;
	}
	if (resolve(arg, ref, &v) != 0) {
		*cause = xprintf("unknown name '%s%s' in template",
		    ref->kind == TREF_ENV ? "env." : "", ref->name);
		return -1;
	}
	if (v.value == NULL)
		v.value = "";
	if (mode == TMPL_RAW || (mode == TMPL_DISPLAY && !v.secret))
		strbuf_adds(b, v.value);
	else if (mode == TMPL_DISPLAY)
		strbuf_adds(b, "****");
	else {
		char *var = template_var_name(ref);

		emit_shell_ref(b, top(sh)->state, var, v.value);
		shctx_note_value(sh);
		add_env(x, var, v.value);
	}
	return 0;
}

int
template_expand(const char *s, enum template_mode mode, template_resolve_cb resolve,
    void *arg, struct texpansion *out, char **cause)
{
	struct tscan scan;
	struct strbuf b;
	struct shctx sh;
	size_t err_off, pos = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (template_scan(s, &scan, &err_off, cause) != 0)
		return -1;
	memset(&sh, 0, sizeof sh);
	sh.depth = 1;
	sh.word_start = 1;
	strbuf_init(&sh.line);
	strbuf_init(&b);
	for (int i = 0; i < scan.nrefs && rc == 0; i++) {
		const struct tref *ref = &scan.refs[i];

		strbuf_add(&b, s + pos, ref->start - pos);
		if (mode == TMPL_SHELL)
			shctx_feed(&sh, s + pos, ref->start - pos);
		rc = expand_ref(ref, mode, &sh, resolve, arg, &b, out, cause);
		pos = ref->end;
	}
	strbuf_adds(&b, s + pos);
	template_scan_free(&scan);
	strbuf_free(&sh.line);
	out->text = strbuf_detach(&b);
	if (rc != 0)
		texpansion_free(out);
	return rc;
}

void
texpansion_free(struct texpansion *x)
{
	for (int i = 0; i < x->nenv; i++) {
		free(x->env[i].name);
		if (x->env[i].value != NULL)
			explicit_bzero(x->env[i].value, strlen(x->env[i].value));
		free(x->env[i].value);
	}
	free(x->env);
	free(x->text);
	memset(x, 0, sizeof *x);
}
