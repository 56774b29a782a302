/* main.c: parses the command line and hands over to a subcommand. Nothing
 * else lives here, so every behaviour is reachable from the unit tests. */
#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "commands.h"
#include "log.h"
#include "runopts.h"

struct command {
	const char *name;
	int (*fn)(int, char **);
	const struct cli_cmd *cli;	/* its synopsis, options and help */
};

static const struct command commands[] = {
	{ "resume", cmd_resume, &runopts_resume_cmd },
	{ "run", cmd_run, &runopts_run_cmd },
	{ "lint", cmd_lint, &lint_cmd },
	{ "verify", cmd_verify, &verify_cmd },
	{ "report", cmd_report, &report_cmd },
	{ "watch", cmd_watch, &watch_cmd },
	{ "inject", cmd_inject, &inject_cmd },
	{ "replay", cmd_replay, &replay_cmd },
	{ "approve", cmd_approve, &approve_cmd },
	{ "note", cmd_note, &note_cmd },
	{ NULL, NULL, NULL }
};

/* The console's own help, with the commands and their one-line summaries. */
static void
usage(FILE *fp)
{
	const struct cli_cmd *con = &runopts_console_cmd;
	const char *nl;

	fprintf(fp, "usage: drconsole [OPTIONS] [RUNBOOK|DIR...]   open the console\n"
	    "       drconsole COMMAND [OPTIONS] [ARGS]\n\n%s\n\ncommands (drconsole COMMAND --help for more):\n",
	    con->summary);
	for (const struct command *c = commands; c->name != NULL; c++) {
		nl = strchr(c->cli->summary, '\n');
		fprintf(fp, "  %-9s %.*s\n", c->name, (int)(nl != NULL ? (size_t)(nl - c->cli->summary) :
		    strlen(c->cli->summary)), c->cli->summary);
	}
	fprintf(fp, "\nrun, resume and console options:\n");
	cli_print_options(con, fp);
	fprintf(fp, "\nexample:\n  %s\n\nexit status:\n  %s\n\nSee drconsole(1) and drconsole-runbook(5).\n",
	    con->example, "0 success, 1 a run failed or was aborted, 2 usage error or invalid runbook\n"
	    "  (nothing was executed), 130 interrupted");
}

/* drconsole's memory holds secrets (params, captures, the journal key): a
 * crash must not write them to a core file. Only the soft limit: a step
 * inherits it but may raise it again for itself. */
static void
no_core_dumps(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_CORE, &rl) != 0)
		rl.rlim_max = RLIM_INFINITY;
	rl.rlim_cur = 0;
	if (setrlimit(RLIMIT_CORE, &rl) != 0) {
		fprintf(stderr, "drconsole: cannot turn core dumps off: %s\n", strerror(errno));
		exit(EXIT_USAGE);
	}
}

int
main(int argc, char **argv)
{
	no_core_dumps();
	if (log_open(getenv("DRCONSOLE_LOG")) != 0)
		fprintf(stderr, "drconsole: DRCONSOLE_LOG %s is not used: %s\n", getenv("DRCONSOLE_LOG"),
		    errno == ELOOP ? "it is a link (never followed)" : errno == EINVAL ? "not a regular file" :
		    strerror(errno));
	if (argc < 2)
		return cmd_console(0, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		cli_version();
		return EXIT_OK;
	}
	for (const struct command *c = commands; c->name != NULL; c++) {
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 2, argv + 2);
	}
	/* Options or a runbook or directory: the console. */
	if (argv[1][0] == '-' || access(argv[1], F_OK) == 0)
		return cmd_console(argc - 1, argv + 1);
	fprintf(stderr, "drconsole: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
