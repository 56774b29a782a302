/* cmd_lint.c: `drconsole lint PATH...`: every problem in one pass. */
#include <stdio.h>

#include "catalog.h"
#include "commands.h"

int
cmd_lint(int argc, char **argv)
{
	struct catalog cat = { 0 };
	struct diags d = { 0 };
	int rc;

	if (argc < 1) {
		fprintf(stderr, "usage: drconsole lint PATH...\n");
		return EXIT_USAGE;
	}
	catalog_load(&cat, argv, argc, &d);
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
