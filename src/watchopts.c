/* watchopts.c: watch's option table; see watchopts.h. */
#include <stddef.h>

#include "cli.h"
#include "commands.h"
#include "watchopts.h"

enum { OPT_THEME = 256, OPT_ASCII, OPT_OPERATOR, OPT_SCRIPT, OPT_DUMP };

static const struct cli_opt watch_opts[] = {
	{ "theme", 0, "NAME", OPT_THEME, "the console's colour theme" },
	{ "ascii", 0, NULL, OPT_ASCII, "draw with ASCII only" },
	{ "operator", 0, "NAME", OPT_OPERATOR, "who watches, for notes (default $USER)" },
	{ "script", 0, "FILE", OPT_SCRIPT, NULL },	/* tests: keys from a file */
	{ "dump", 0, "FILE", OPT_DUMP, NULL },		/* tests: screen dumps */
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_cmd watch_cmd = {
	"watch", "[--ascii] [--theme NAME] [--operator NAME] INCIDENT_DIR",
	"Follow an incident live, read-only, in the console's layout.",
	"It needs a terminal; `drconsole replay --instant` prints an incident without one.",
	{ watch_opts, NULL },
	"drconsole watch ~/.local/state/drconsole/incidents/2026-12-07T2130-failover",
	"0  the watcher quit (q, SIGTERM, SIGHUP)\n2  usage error, not an incident, or no terminal\n130  interrupted (SIGINT)", 0
};

static int
watch_apply(void *ctx, int id, const char *arg)
{
	struct watch_opts *o = ctx;

	switch (id) {
	case OPT_THEME: o->theme = arg; break;
	case OPT_ASCII: o->ascii = 1; break;
	case OPT_OPERATOR: o->operator = arg; break;
	case OPT_SCRIPT: o->script = arg; break;
	case OPT_DUMP: o->dump = arg; break;
	default: return -1;
	}
	return 0;
}

int
watchopts_parse(struct watch_opts *o, int argc, char **argv)
{
	int first, rc = cli_parse(&watch_cmd, argc, argv, watch_apply, o, &first);

	if (rc != CLI_PARSED)
		return rc == CLI_ANSWERED ? 1 : -1;
	if (argc - first != 1) {
		cli_mistake(&watch_cmd, "one INCIDENT_DIR, please");
		return -1;
	}
	o->dir = argv[first];
	return 0;
}
