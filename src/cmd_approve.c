/* cmd_approve.c: `drconsole approve INCIDENT_DIR STEP`, the second operator
 * of a two-person rule. The incident directory is the driver's alone (0700),
 * so the request goes to a drop box the driving console made for the
 * incident (see approval_dir()); the console takes the approver's identity
 * from the owner of the request file, which nobody can forge, refuses the
 * driver's own, and journals both names. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "commands.h"
#include "engine.h"
#include "xmalloc.h"

static int
write_request(const char *incident, const char *step, const char *operator)
{
	char *adir = approval_dir(incident), *path, ts[CLOCK_RFC3339_LEN];
	json_t *req;
	int fd, rc = -1;

	clock_format_rfc3339(clock_wall_ms(), ts);
	path = xprintf("%s/%s.%ld.json", adir, step, (long)getpid());
	req = json_pack("{ssssss}", "step", step, "operator", operator, "ts", ts);
	/* Readable by the driver, who owns the sticky drop box. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644)) != -1) {
		fchmod(fd, 0644);
		if (json_dumpfd(req, fd, JSON_COMPACT) == 0 && fsync(fd) == 0)
			rc = 0;
		close(fd);
	}
	if (rc != 0)
		fprintf(stderr, "drconsole: cannot hand the approval to the console at %s: %s\n"
		    "  (is a console driving this incident, and does its step need approval?)\n", adir,
		    strerror(errno));
	json_decref(req);
	free(path);
	free(adir);
	return rc;
}

int
cmd_approve(int argc, char **argv)
{
	static const struct option opts[] = { { "operator", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 } };
	struct passwd *pw = getpwuid(getuid());
	const char *operator = NULL, *login = pw != NULL ? pw->pw_name : NULL;
	char **args = xcalloc((size_t)argc + 2, sizeof *args), path[4096];
	int c, rc;

	args[0] = (char *)"approve";
	memcpy(args + 1, argv, (size_t)argc * sizeof *args);
	optind = 1;
	while ((c = getopt_long(argc + 1, args, "", opts, NULL)) != -1) {
		if (c != 'o') {
			free(args);
			fprintf(stderr, "usage: drconsole approve [--operator NAME] INCIDENT_DIR STEP\n");
			return EXIT_USAGE;
		}
		operator = optarg;
	}
	if (argc + 1 - optind != 2 || login == NULL) {
		free(args);
		fprintf(stderr, "usage: drconsole approve [--operator NAME] INCIDENT_DIR STEP\n");
		return EXIT_USAGE;
	}
	(void)path;
	rc = write_request(args[optind], args[optind + 1], operator != NULL ? operator : login);
	if (rc == 0)
		printf("approval of '%s' by %s handed to the driving console; it checks and journals it "
		    "within a second\n", args[optind + 1], login);
	free(args);
	return rc == 0 ? EXIT_OK : EXIT_FAILED;
}
