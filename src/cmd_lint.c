/* cmd_lint.c: `drconsole lint PATH...`: every problem in one pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "commands.h"
#include "loader.h"

/* The largest runbook lint reads from standard input. */
#define LINT_STDIN_MAX (16 * 1024 * 1024)

enum { OPT_LIST_PARAMS = 256 };
static const struct cli_opt lint_opts[] = {
	{ "list-params", 0, NULL, OPT_LIST_PARAMS, "print each valid runbook's param names, one a line" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_cmd lint_cmd = {
	"lint", "PATH...", "Check runbooks; each problem as FILE:LINE:COL: error|warning: MESSAGE.",
	"A PATH is a runbook or a folder searched for *.yaml and *.yml. PATH - reads one\n"
	"runbook from standard input, named " CLI_STDIN_NAME " in the messages; its includes are\n"
	"looked up in the current directory.",
	{ lint_opts, NULL },
	"drconsole lint runbooks/\n"
	"drconsole lint --list-params runbooks/pitr-restore.yaml   (shell completion)\n"
	"generate-runbook | drconsole lint -",
	"0  every runbook is valid (warnings allowed)\n2  an error, no runbook found, or a usage error", 0
};

static int
lint_option(void *ctx, int id, const char *arg)
{
	(void)arg;
	if (id != OPT_LIST_PARAMS)
		return -1;
	*(int *)ctx = 1;
	return 0;
}

/* --list-params: the names --param accepts, for shell completion; the
 * diagnostics go to stderr so standard output holds names only. */
static void
list_params(const struct catalog *cat, struct diags *d)
{
	for (int i = 0; i < cat->count; i++) {
		for (int k = 0; k < cat->list[i]->nparams; k++)
			printf("%s\n", cat->list[i]->params[k].name);
	}
	diags_print(d, stderr);
}

/* "-": one runbook from standard input, read once however often it is named. */
static void
lint_stdin(struct diags *d, int *files)
{
	struct srcpos pos = { 0, 0 };
	char *buf, *cause = NULL;
	size_t len;

	(*files)++;
	if ((buf = cli_read_stdin(LINT_STDIN_MAX, &len, &cause)) == NULL) {
		diags_add(d, DIAG_ERROR, CLI_STDIN_NAME, pos, "%s", cause);
		free(cause);
		return;
	}
	runbook_free(loader_load_buffer(CLI_STDIN_NAME, (const unsigned char *)buf, len, d));
	free(buf);
}

/* Moves the PATHs that are not "-" to the front; returns how many. */
static int
lint_files(char **paths, int n, int *dash)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0)
			*dash = 1;
		else
			paths[k++] = paths[i];
	}
	return k;
}

int
cmd_lint(int argc, char **argv)
{
	struct catalog cat = { 0 };
	struct diags d = { .tools = 1 };
	int rc, first, dash = 0, n, names = 0;

	if ((rc = cli_parse(&lint_cmd, argc, argv, lint_option, &names, &first)) != CLI_PARSED)
		return rc == CLI_ANSWERED ? EXIT_OK : EXIT_USAGE;
	if (first >= argc)
		return cli_mistake(&lint_cmd, "no PATH given");
	n = lint_files(argv + first, argc - first, &dash);
	catalog_load(&cat, argv + first, n, &d);
	if (dash)
		lint_stdin(&d, &cat.files);
	if (names) {
		list_params(&cat, &d);
		rc = d.errors || cat.files == 0 ? EXIT_USAGE : 0;
		diags_clear(&d);
		catalog_free(&cat);
		return rc;
	}
	diags_print(&d, stdout);
	fflush(stdout);
	fprintf(d.errors ? stderr : stdout, "%d file%s checked: %d error%s, %d warning%s\n",
	    cat.files, cat.files == 1 ? "" : "s", d.errors, d.errors == 1 ? "" : "s",
	    d.warnings, d.warnings == 1 ? "" : "s");
	rc = d.errors || cat.files == 0 ? EXIT_USAGE : 0;
	if (cat.files == 0)
		fprintf(stderr, "drconsole: no runbooks found (files ending in .yaml or .yml)\n");
	diags_clear(&d);
	catalog_free(&cat);
	return rc;
}
