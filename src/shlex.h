/* shlex.h: where each "{{ ... }}" of a shell command stands, as sh or bash
 * will parse the command. The lexer follows quotes, backslashes, comments,
 * command and arithmetic substitution, ${...} forms, here-documents
 * (quoted, unquoted, <<-, several to a line, inside $( ) and backticks),
 * case patterns, [[ ]], bash's $'...' and <<<, and the simple commands
 * whose words are scripts for a second interpreter (shcmd.h). For each
 * template it says the quoting context, whether the template is a whole
 * word alone, and whether no value, or only an inert one, may stand there.
 * It also reports bashisms in a command declared `shell: sh`. It never
 * fails: text it cannot follow makes its templates refused, not accepted. */
#ifndef DRC_SHLEX_H
#define DRC_SHLEX_H

#include <stddef.h>

#include "template.h"

enum sh_dialect {
	SH_DIALECT_SH,		/* POSIX sh, /bin/sh (dash on Debian) */
	SH_DIALECT_BASH,	/* /bin/bash */
};

enum shctx {
	SHCTX_WORD,		/* unquoted: becomes "${VAR}" */
	SHCTX_DQUOTE,		/* inside "...": ${VAR} */
	SHCTX_SQUOTE,		/* inside '...': '"${VAR}"' */
	SHCTX_ANSIC,		/* inside bash's $'...': '"${VAR}"$' */
	SHCTX_HEREDOC,		/* an unquoted here-document's body: ${VAR} */
	SHCTX_HEREDOC_LITERAL,	/* a quoted here-document's body: pasted */
	SHCTX_ARITH,		/* arithmetic: ${VAR}, evaluated as an expression */
	SHCTX_COMMENT,		/* a comment: nothing runs */
};

struct shsite {
	enum shctx ctx;
	int whole_word;		/* an unquoted word that is this template alone */
	char *never;		/* no value may stand here, and why; else NULL */
	char *inert_only;	/* only an inert value may stand here, and why */
};

struct shwarn {
	size_t off;		/* byte offset in the command text */
	char *msg;
};

struct shlex_result {
	struct shsite *sites;	/* one per template of the scan, in order */
	int nsites;
	struct shwarn *warns;	/* bashisms, when the dialect is sh */
	int nwarns;
};

void shlex_analyse(const char *s, const struct tscan *scan, enum sh_dialect d,
    struct shlex_result *out);
void shlex_result_free(struct shlex_result *r);
/* "sh" or "bash"; the program that runs it, "/bin/sh" or "/bin/bash". */
const char *sh_dialect_name(enum sh_dialect d);
const char *sh_dialect_path(enum sh_dialect d);

#endif
