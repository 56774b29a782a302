/* shlex_sites.c: where each template stands and who reads it. While the
 * text is read, a template is placed in its quoting context and in the word
 * of the command it belongs to; once the whole text is read, every command
 * is classified (shcmd.h) and each template learns whether it stands in a
 * second interpreter's script, directly, through a pipe or here-document, or
 * through the substitutions it is nested in. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shcmd.h"
#include "shlex_int.h"
#include "xmalloc.h"


void
shlex_site_never(struct shsite *s, const char *why)
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

void
shlex_mark_word_never(struct lexer *L, int cmd, int word, const char *why)
{
	for (int k = 0; k < L->nsites; k++) {
		if (L->where[k].cmd == cmd && L->where[k].word == word)
			shlex_site_never(&L->sites[k], why);
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
		shlex_site_never(s, "it stands inside a substitution within a here-document");
}

static void
template_in_frame(struct lexer *L, int k)
{
	struct frame *f = shlex_top(L), *cf = shlex_cmd_frame(L);
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
		shlex_site_never(s, "it stands in the name of a ${...} expansion");
	else if (f->kind == F_PARAM && f->state == S_BARE)
		s->ctx = SHCTX_WORD;	/* "${V}" keeps it literal in every ${x OP word} */
	if (f->state == S_SQUOTE && f->kind == F_PARAM && f->param_dq)
		shlex_site_never(s, "single quotes inside \"${...}\" mean different things to sh and bash");
	if (cf->dbracket && s->ctx == SHCTX_WORD && L->d == SH_DIALECT_SH)
		shlex_site_never(s, "it stands in '[[ ]]', which /bin/sh does not have");
	shlex_add_dynamic(L);
	w = shlex_cur_word(L, cf);
	if (f == cf && f->state == S_BARE && w->parts == 1)
		w->tmpl_site = k;
	L->where[k].cmd = cf->cmd;
	L->where[k].word = L->cmds[cf->cmd].nwords - 1;
}

void
shlex_on_template(struct lexer *L, int k)
{
	L->where[k].cmd = L->where[k].word = L->where[k].heredoc_cmd = -1;
	if (L->overflow)
		shlex_site_never(&L->sites[k], "the command nests deeper than drconsole can follow");
	if (L->confused)
		shlex_site_never(&L->sites[k], "it follows a here-document ended by its delimiter and ')' "
		    "on one line, which sh and bash read differently; put the ')' on a line of its own");
	if (L->glued)
		shlex_site_never(&L->sites[k], "a backslash or '$' stands right before it and would change "
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
			shlex_bashism(L, c->words[i].off, "'set -o pipefail' (dash 0.5.12 has no pipefail)");
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

void
shlex_finish(struct lexer *L)
{
	classify_all(L);
	for (int k = 0; k < L->nsites; k++) {
		judge_site(L, k);
		if (L->sites[k].ctx == SHCTX_COMMENT) {
			free(L->sites[k].inert_only);
			L->sites[k].inert_only = NULL;
		}
	}
}
