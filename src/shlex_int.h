/* shlex_int.h: the lexer's state, shared by shlex.c (reading the text) and
 * shlex_sites.c (placing each template and judging it). Not for others. */
#ifndef DRC_SHLEX_INT_H
#define DRC_SHLEX_INT_H

#include <stddef.h>

#include "shlex.h"
#include "strbuf.h"

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

/* shlex.c */
void shlex_bashism(struct lexer *L, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char shlex_at(const struct lexer *L, size_t i);
struct frame *shlex_top(struct lexer *L);
struct frame *shlex_cmd_frame(struct lexer *L);
struct word *shlex_cur_word(struct lexer *L, struct frame *cf);
void shlex_add_dynamic(struct lexer *L);
void shlex_pop(struct lexer *L, size_t off);

/* shlex_sites.c */
void shlex_site_never(struct shsite *s, const char *why);
void shlex_mark_word_never(struct lexer *L, int cmd, int word, const char *why);
void shlex_on_template(struct lexer *L, int k);
/* After the whole text is read: who reads each template. */
void shlex_finish(struct lexer *L);

#endif
