/* cmd_approve.c: `drconsole approve INCIDENT STEP`, the second person of a
 * two-person rule. It asks the console driving the incident over the
 * incident's rendezvous socket (approval.h), which needs no access to the
 * driver's 0700 incident folder; the console learns who asks from the
 * kernel, decides, journals and answers, and this command prints the
 * answer: exit 0 approved, 1 refused or no console to ask (with the
 * reason), 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approval.h"
#include "approvers.h"
#include "cli.h"
#include "commands.h"
#include "xmalloc.h"

enum { OPT_OPERATOR = 256 };

static const struct cli_opt approve_opts[] = {
	/* Accepted for old scripts and ignored: the console records the
	 * login the kernel gives, not a name anyone can type. */
	{ "operator", 0, "NAME", OPT_OPERATOR, NULL },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_cmd approve_cmd = {
	"approve", "INCIDENT STEP",
	"Approve a step as the second person of a two-person rule.",
	"INCIDENT is the incident's folder or id; the console driving it asks you to\n"
	"confirm and records who you are from the kernel.",
	{ approve_opts, NULL },
	"drconsole approve 2026-12-07T2130-failover promote-replica",
	"0  approved\n1  refused, or no console to ask (the reason is printed)\n2  usage error", 0
};

static int
approve_apply(void *ctx, int id, const char *arg)
{
	char *me = approvers_login(getuid());

	(void)ctx, (void)id, (void)arg;
	fprintf(stderr, "drconsole: --operator is ignored: the console records who you are from the "
	    "kernel (%s)\n", me);
	free(me);
	return 0;
}

int
cmd_approve(int argc, char **argv)
{
	const char *incident = NULL, *step = NULL;
	char *msg = NULL;
	int rc, first;

	if ((rc = cli_parse(&approve_cmd, argc, argv, approve_apply, NULL, &first)) != CLI_PARSED)
		return rc == CLI_ANSWERED ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 2)
		return cli_mistake(&approve_cmd, "INCIDENT and STEP, please");
	incident = argv[first];
	step = argv[first + 1];
	rc = approval_ask(incident, step, &msg);
	if (rc == 0)
		printf("approval of '%s' accepted: %s\n", step, msg);
	else
		fprintf(stderr, "drconsole: approval of '%s' %s: %s\n", step,
		    rc > 0 ? "refused" : "not delivered", msg);
	free(msg);
	/* Without the keyed incident's key: a usage error, like note's. */
	return rc == 0 ? EXIT_OK : rc == 2 ? EXIT_USAGE : EXIT_FAILED;
}
