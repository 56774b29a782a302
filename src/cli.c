/* cli.c: subcommand option tables into getopt_long and --help; see cli.h. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "commands.h"
#include "strbuf.h"
#include "xmalloc.h"

/* Answered by every command, so no table repeats them. */
enum { CLI_HELP = 'h', CLI_VERSION = 'V' };
static const struct cli_opt common_opts[] = {
	{ "help", 'h', NULL, CLI_HELP, "show this help and exit" },
	{ "version", 'V', NULL, CLI_VERSION, "show the version and exit" },
	{ NULL, 0, NULL, 0, NULL }
};

/* cmd's tables, then the common one: at most CLI_MAX_TABLES + 1. */
static int
all_tables(const struct cli_cmd *cmd, const struct cli_opt **t)
{
	int n = 0;

	for (int i = 0; i < CLI_MAX_TABLES && cmd->opts[i] != NULL; i++)
		t[n++] = cmd->opts[i];
	t[n++] = common_opts;
	return n;
}

static void
cli_build(const struct cli_cmd *cmd, struct option **longs, char **shorts)
{
	const struct cli_opt *t[CLI_MAX_TABLES + 1];
	struct strbuf s;
	size_t n = 0;
	int nt = all_tables(cmd, t);

	strbuf_init(&s);
	strbuf_adds(&s, cmd->flags & CLI_STOP_AT_OPERAND ? "+" : "");
	*longs = NULL;
	for (int k = 0; k < nt; k++) {
		for (const struct cli_opt *o = t[k]; o->name != NULL; o++) {
			*longs = xreallocarray(*longs, n + 2, sizeof **longs);
			(*longs)[n++] = (struct option){ o->name, o->arg != NULL ? required_argument :
			    no_argument, NULL, o->id };
			if (o->shrt != 0) {
				strbuf_addch(&s, (char)o->shrt);
				strbuf_adds(&s, o->arg != NULL ? ":" : "");
			}
		}
	}
	(*longs)[n] = (struct option){ NULL, 0, NULL, 0 };
	*shorts = strbuf_detach(&s);
}

static char *
cli_prog(const struct cli_cmd *cmd)
{
	return cmd->name != NULL ? xprintf("drconsole %s", cmd->name) : xstrdup("drconsole");
}

/* getopt_long over a copy whose argv[0] names the command (its messages
 * start with it); the permuted words are copied back. */
static int
cli_getopt(const struct cli_cmd *cmd, int argc, char **argv, cli_apply_fn apply, void *ctx,
    int *first)
{
	char **args = xcalloc((size_t)argc + 2, sizeof *args), *shorts, *prog = cli_prog(cmd);
	struct option *longs;
	int c, rc = CLI_PARSED;

	cli_build(cmd, &longs, &shorts);
	args[0] = prog;
	memcpy(args + 1, argv, (size_t)argc * sizeof *args);
	optind = 0;	/* 0, not 1: GNU getopt then forgets the last parse's state */
	opterr = 1;
	while (rc == CLI_PARSED && (c = getopt_long(argc + 1, args, shorts, longs, NULL)) != -1) {
		if (c == CLI_HELP || c == CLI_VERSION) {
			c == CLI_HELP ? cli_help(cmd, stdout) : cli_version();
			rc = CLI_ANSWERED;
		} else if (c == '?' || c == ':' || apply(ctx, c, optarg) != 0)
			rc = CLI_MISTAKE;
	}
	memcpy(argv, args + 1, (size_t)argc * sizeof *args);
	*first = optind - 1;
	free(args);
	free(longs);
	free(shorts);
	free(prog);
	return rc;
}

enum cli_result
cli_parse(const struct cli_cmd *cmd, int argc, char **argv, cli_apply_fn apply, void *ctx,
    int *first)
{
	int rc = cli_getopt(cmd, argc, argv, apply, ctx, first);

	if (rc == CLI_MISTAKE)
		cli_mistake(cmd, NULL);
	return rc;
}

/* Each '\n'-separated line of text after a prefix. */
static void
print_lines(FILE *fp, const char *prefix, const char *text)
{
	const char *nl;

	for (; text != NULL && *text != '\0'; text = nl + 1) {
		nl = strchr(text, '\n');
		if (nl == NULL)
			nl = text + strlen(text);
		fprintf(fp, "%s%.*s\n", prefix, (int)(nl - text), text);
		if (*nl == '\0')
			break;
	}
}

static void
print_synopsis(const struct cli_cmd *cmd, FILE *fp)
{
	char *prog = cli_prog(cmd), *first = xprintf("usage: %s ", prog), *rest;

	rest = xprintf("       %s ", prog);
	for (const char *s = cmd->synopsis, *nl; s != NULL; s = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(s, '\n');
		fprintf(fp, "%s%.*s\n", s == cmd->synopsis ? first : rest,
		    (int)(nl != NULL ? (size_t)(nl - s) : strlen(s)), s);
	}
	free(rest);
	free(first);
	free(prog);
}

void
cli_print_options(const struct cli_cmd *cmd, FILE *fp)
{
	const struct cli_opt *t[CLI_MAX_TABLES + 1];
	int nt = all_tables(cmd, t);
	char head[64];

	for (int k = 0; k < nt; k++) {
		for (const struct cli_opt *o = t[k]; o->name != NULL; o++) {
			if (o->help == NULL)
				continue;
			snprintf(head, sizeof head, "%s%c%s--%s%s%s", o->shrt ? "-" : " ", o->shrt ? o->shrt : ' ',
			    o->shrt ? ", " : "  ", o->name, o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
			if (strlen(head) < 28)
				fprintf(fp, "  %-28s %s\n", head, o->help);
			else	/* too long to share its line with the help */
				fprintf(fp, "  %s\n%31s%s\n", head, "", o->help);
		}
	}
}

void
cli_help(const struct cli_cmd *cmd, FILE *fp)
{
	print_synopsis(cmd, fp);
	fprintf(fp, "\n%s\n", cmd->summary);
	if (cmd->details != NULL)
		print_lines(fp, "", cmd->details);
	fprintf(fp, "\noptions:\n");
	cli_print_options(cmd, fp);
	fprintf(fp, "\nexample:\n");
	print_lines(fp, "  ", cmd->example);
	fprintf(fp, "\nexit status:\n");
	print_lines(fp, "  ", cmd->exit_status);
	fprintf(fp, "\nSee drconsole(1).\n");
}

int
cli_mistake(const struct cli_cmd *cmd, const char *fmt, ...)
{
	char *prog = cli_prog(cmd);
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "%s: ", prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	print_synopsis(cmd, stderr);
	fprintf(stderr, "Try '%s --help' for more.\n", prog);
	free(prog);
	return EXIT_USAGE;
}

char *
cli_read_stdin(size_t max, size_t *len, char **cause)
{
	struct strbuf b;
	char chunk[8192];
	ssize_t n;

	strbuf_init(&b);
	while ((n = read(0, chunk, sizeof chunk)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || b.len + (size_t)n > max) {
			*cause = n == -1 ? xprintf("cannot read standard input: %s", strerror(errno)) :
			    xprintf("standard input holds more than %zu bytes", max);
			strbuf_free(&b);
			return NULL;
		}
		strbuf_add(&b, chunk, (size_t)n);
	}
	*len = b.len;
	return strbuf_detach(&b);
}

void
cli_version(void)
{
	printf("drconsole %s\n", PACKAGE_VERSION);
}
