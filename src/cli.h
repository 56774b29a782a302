/* cli.h: one table per subcommand holds its options with their help, its
 * synopsis, an example and its exit status. getopt_long's option array and
 * the --help text are both made from that table, so they cannot disagree
 * (the idea of tmux's options-table.c and tig's request table). */
#ifndef DRC_CLI_H
#define DRC_CLI_H

#include <stddef.h>
#include <stdio.h>

/* The name diagnostics give to what `-` read from standard input. */
#define CLI_STDIN_NAME "<stdin>"

struct cli_opt {
	const char *name;	/* long name without "--"; NULL ends a table */
	int shrt;		/* short letter, or 0 */
	const char *arg;	/* the value's name ("FILE"), NULL for a flag */
	int id;			/* what the parse hands back: shrt, or >= 256 */
	const char *help;	/* one line; NULL hides it (the tests' --script) */
};

#define CLI_MAX_TABLES 3
/* Options end at the first operand: note's TEXT may itself start with '-'. */
#define CLI_STOP_AT_OPERAND 0x1

struct cli_cmd {
	const char *name;	/* "report"; NULL for the console itself */
	const char *synopsis;	/* after "drconsole ", lines separated by '\n' */
	const char *summary;	/* one line, for the command list */
	const char *details;	/* more lines for --help, or NULL */
	const struct cli_opt *opts[CLI_MAX_TABLES];	/* NULL-terminated */
	const char *example;	/* lines separated by '\n' */
	const char *exit_status;	/* lines separated by '\n' */
	int flags;
};

/* Applies one parsed option; 0, or -1 after printing why. */
typedef int (*cli_apply_fn)(void *ctx, int id, const char *arg);

/* What cli_parse did: the options were applied, --help or --version was
 * answered on stdout (exit 0), or a mistake was reported on stderr (exit 2). */
enum cli_result { CLI_PARSED = 0, CLI_ANSWERED = 1, CLI_MISTAKE = -1 };

/* Parses argv, the words after the subcommand, by cmd's tables; --help and
 * --version are answered here. argv is permuted as getopt_long permutes:
 * the operands are argv[*first] to argv[argc - 1]. */
enum cli_result cli_parse(const struct cli_cmd *cmd, int argc, char **argv, cli_apply_fn apply,
    void *ctx, int *first);
/* The whole --help text. */
void cli_help(const struct cli_cmd *cmd, FILE *fp);
/* The option lines of --help, for main's own help. */
void cli_print_options(const struct cli_cmd *cmd, FILE *fp);
/* A usage mistake: the message (printf-style, may be NULL), the synopsis and
 * where to read more, on stderr. Returns 2, the exit status of a mistake. */
int cli_mistake(const struct cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* All of standard input, at most max bytes (more is an error), with a NUL
 * after it; NULL with *cause on an error. */
char *cli_read_stdin(size_t max, size_t *len, char **cause);
/* "drconsole VERSION" on stdout. */
void cli_version(void);

#endif
