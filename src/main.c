/* main.c: parses the command line and hands over to a subcommand. Nothing
 * else lives here, so every behaviour is reachable from the unit tests. */
#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "commands.h"
#include "log.h"

struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *usage;
};

static const struct command commands[] = {
	{ "resume", cmd_resume, "resume INCIDENT_DIR [OPTIONS]  reopen an unfinished incident in the console" },
	{ "lint", cmd_lint, "lint PATH...                   check runbooks; FILE:LINE:COL: error: MESSAGE" },
	{ "run", cmd_run, "run [OPTIONS] RUNBOOK          walk a runbook in line mode (cron, CI, plain terminals)" },
	{ "verify", cmd_verify, "verify INCIDENT_DIR            check an incident's hash chain and output files" },
	{ "report", cmd_report, "report [--format markdown|json] [-o FILE] INCIDENT_DIR   the postmortem" },
	{ "watch", cmd_watch, "watch INCIDENT_DIR [--ascii] [--theme NAME]   follow an incident live, read-only" },
	{ "inject", cmd_inject, "inject [--operator NAME] INCIDENT_DIR TEXT...   add a drill event, marked injected" },
	{ "replay", cmd_replay, "replay INCIDENT_DIR [--speed N|--step|--instant]   play an incident back as it went" },
	{ "approve", cmd_approve, "approve INCIDENT STEP   the second person of a two-person rule" },
	{ "note", cmd_note, "note [--operator NAME] INCIDENT_DIR TEXT...   add a note, even while a console drives it" },
	{ NULL, NULL, NULL }
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: drconsole [OPTIONS] [RUNBOOK|DIR...]   open the console\n"
	    "       drconsole COMMAND [ARGS]\n\ncommands:\n");
	for (const struct command *c = commands; c->name != NULL; c++)
		fprintf(fp, "  drconsole %s\n", c->usage);
	fprintf(fp, "\n  drconsole --help | --version\n\n"
	    "Exit status: 0 success, 1 a run failed or was aborted, 2 usage error or\n"
	    "invalid runbook (nothing was executed), 130 interrupted.\n"
	    "See drconsole(1) and drconsole-runbook(5).\n");
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
		printf("drconsole %s\n", PACKAGE_VERSION);
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
