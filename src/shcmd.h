/* shcmd.h: which words of a simple command are a script for a second
 * interpreter. `sh -c SCRIPT`, `eval ...`, `ssh HOST CMD...`, `psql -c SQL`,
 * `awk PROGRAM` and the like hand a word to another language; a template
 * in such a word would be code there, whatever the outer shell's quoting.
 * Wrappers (env, nice, nohup, setsid, stdbuf, timeout, sudo, xargs,
 * docker exec, kubectl exec -- ...) are looked through to the command they
 * start. The table is conservative by design: a word it cannot place is an
 * ordinary argument, so the list of interpreters must stay complete for
 * what runbooks write; add a line to the table, not a special case. */
#ifndef DRC_SHCMD_H
#define DRC_SHCMD_H

struct shcmd_word {
	const char *lit;	/* the word with quotes removed; NULL when it expands */
};

struct shcmd_roles {
	/* Per word: NULL, or the interpreter whose script the word is. */
	const char **script_of;
	/* The interpreter that reads its script from standard input (a
	 * here-document or a pipe feeds it code), or NULL. */
	const char *stdin_interp;
};

/* Classifies the n words of one simple command (leading assignments
 * included); roles->script_of must have room for n entries. */
void shcmd_classify(const struct shcmd_word *w, int n, struct shcmd_roles *roles);

/* Reserved words that start a compound command rather than name one. */
int shcmd_is_reserved(const char *word);

#endif
