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

#include "commands.h"
#include "follow.h"
#include "journal.h"
#include "strbuf.h"
#include "xmalloc.h"

#define INJECT_USAGE \
	"usage: drconsole inject [--operator NAME] INCIDENT_DIR TEXT...\n"
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

/* Parses the options; returns the index of INCIDENT_DIR or -1. */
static int
inject_args(int argc, char **argv, const char **op)
{
	int i;

	for (i = 0; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0)
			return argc - i - 1 >= 2 ? i + 1 : -1;
		if (strncmp(argv[i], "--operator=", 11) == 0)
			*op = argv[i] + 11;
		else if (strcmp(argv[i], "--operator") == 0 && i + 1 < argc)
			*op = argv[++i];
		else
			return -1;
		if (**op == '\0')
			return -1;
	}
	return argc - i >= 2 ? i : -1;
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

	if ((i = inject_args(argc, argv, &op)) < 0) {
		fputs(INJECT_USAGE, stderr);
		return EXIT_USAGE;
	}
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
