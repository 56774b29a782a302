/* cmd_approve.c: `drconsole approve INCIDENT STEP`, the second person of a
 * two-person rule. It asks the console driving the incident over the
 * incident's rendezvous socket (approval.h), which needs no access to the
 * driver's 0700 incident folder; the console learns who asks from the
 * kernel, decides, journals and answers, and this command prints the
 * answer: exit 0 approved, 1 refused or no console to ask (with the
 * reason), 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approval.h"
#include "approvers.h"
#include "commands.h"
#include "xmalloc.h"

#define APPROVE_USAGE "usage: drconsole approve INCIDENT STEP   (INCIDENT: the incident's folder or id)\n"

/* --operator is accepted for old scripts, and ignored: the console
 * records the login the kernel gives, not a name anyone can type. */
static int
parse_args(int argc, char **argv, const char **incident, const char **step)
{
	static const struct option opts[] = { { "operator", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 } };
	char **args = xcalloc((size_t)argc + 2, sizeof *args), *me;
	int c, ok = 1;

	args[0] = (char *)"approve";
	memcpy(args + 1, argv, (size_t)argc * sizeof *args);
	optind = 1;
	while ((c = getopt_long(argc + 1, args, "", opts, NULL)) != -1) {
		if (c != 'o') {
			ok = 0;
			continue;
		}
		me = approvers_login(getuid());
		fprintf(stderr, "drconsole: --operator is ignored: the console records who you are from the "
		    "kernel (%s)\n", me);
		free(me);
	}
	ok = ok && argc + 1 - optind == 2;
	if (ok) {
		/* getopt permuted args, not argv: take the operands from args. */
		*incident = args[optind];
		*step = args[optind + 1];
	}
	free(args);
	return ok ? 0 : -1;
}

int
cmd_approve(int argc, char **argv)
{
	const char *incident = NULL, *step = NULL;
	char *msg = NULL;
	int rc;

	if (parse_args(argc, argv, &incident, &step) != 0) {
		fputs(APPROVE_USAGE, stderr);
		return EXIT_USAGE;
	}
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
