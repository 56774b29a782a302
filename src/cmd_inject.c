/*
 * cmd_inject.c: `drconsole inject`, the drill facilitator's way to add an
 * event ("the replica in us-west-2 is also lagging") to an incident that
 * someone else drives. The event is a note marked injected, with who
 * injected it; it goes through the inbox, so the driving console journals
 * it and shows it, and it waits a moment to say whether that happened.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "follow.h"
#include "journal.h"
#include "strbuf.h"
#include "xmalloc.h"

/* How long to wait for the driving console, which drains its inbox every
 * second, to journal the event. */
#define INJECT_WAIT_MS 3000


/* $USER, else the login name, as `drconsole note` does. */
static char *
inject_operator(const char *given)
{
	const char *u = given != NULL ? given : getenv("USER");
	struct passwd *pw;

	if (u == NULL || *u == '\0')
		u = getlogin();
	if (u == NULL || *u == '\0')
		u = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : NULL;
	return xstrdup(u != NULL && *u != '\0' ? u : "unknown");
}

enum { OPT_OPERATOR = 256 };

static const struct cli_opt inject_opts[] = {
	{ "operator", 0, "NAME", OPT_OPERATOR, "who injects it (default $USER)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_cmd inject_cmd = {
	"inject", "[--operator NAME] INCIDENT_DIR TEXT...",
	"Add a drill event, marked injected, to an incident someone else drives.",
	"Options end at INCIDENT_DIR, so TEXT may start with a dash.",
	{ inject_opts, NULL },
	"drconsole inject --operator facilitator INCIDENT_DIR 'the replica in us-west-2 is lagging too'",
	"0  journaled, or queued for the driving console\n1  it could not be written\n"
	"2  usage error, or not an incident", CLI_STOP_AT_OPERAND
};

static int
inject_apply(void *ctx, int id, const char *arg)
{
	if (id != OPT_OPERATOR || *arg == '\0') {
		fprintf(stderr, "drconsole inject: --operator needs a name\n");
		return -1;
	}
	*(const char **)ctx = arg;
	return 0;
}

static void
inject_print(const char *dir, const struct follow_inject_result *res)
{
	char pid[32] = "";

	if (res->holder > 0)
		snprintf(pid, sizeof pid, " (pid %ld)", res->holder);
	if (res->journaled)
		printf("injected into %s: no console drives it, so it was appended as line %lld\n", dir,
		    (long long)res->seq);
	else if (res->taken)
		printf("injected into %s: journaled by the driving drconsole%s\n", dir, pid);
	else
		printf("injected into %s: queued as %s; the driving drconsole%s has not journaled it "
		    "yet\n", dir, res->path, pid);
}

int
cmd_inject(int argc, char **argv)
{
	struct follow_inject_result res;
	const char *op = NULL;
	char *by, *cause = NULL, *journal;
	struct strbuf text;
	int i, rc = EXIT_OK;

	if ((rc = cli_parse(&inject_cmd, argc, argv, inject_apply, &op, &i)) != CLI_PARSED)
		return rc == CLI_ANSWERED ? EXIT_OK : EXIT_USAGE;
	if (argc - i < 2)
		return cli_mistake(&inject_cmd, "INCIDENT_DIR and TEXT, please");
	rc = EXIT_OK;
	strbuf_init(&text);
	for (int k = i + 1; k < argc; k++) {
		strbuf_adds(&text, k > i + 1 ? " " : "");
		strbuf_adds(&text, argv[k]);
	}
	/* Never a new incident made by a typo: nothing is written then. */
	journal = xprintf("%s/%s", argv[i], JOURNAL_FILE);
	if (access(journal, F_OK) != 0) {
		fprintf(stderr, "drconsole: %s is not an incident directory: no %s\n", argv[i], JOURNAL_FILE);
		free(journal);
		strbuf_free(&text);
		return EXIT_USAGE;
	}
	free(journal);
	if (journal_check_key(argv[i], &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		strbuf_free(&text);
		return EXIT_USAGE;
	}
	by = inject_operator(op);
	if (follow_inject(argv[i], by, strbuf_str(&text), INJECT_WAIT_MS, &res, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		rc = EXIT_FAILED;
	} else
		inject_print(argv[i], &res);
	follow_inject_result_clear(&res);
	strbuf_free(&text);
	free(by);
	return rc;
}
