/* catalog.c: loading a set of runbooks; see catalog.h. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"
#include "loader.h"
#include "xmalloc.h"

static int
is_runbook_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

static void
add_runbook(struct catalog *cat, struct runbook *rb, struct diags *d)
{
	const struct runbook *other = catalog_find(cat, rb->id);
	struct srcpos top = { 1, 1 };

	if (other != NULL) {
		diags_add(d, DIAG_ERROR, rb->path, top, "runbook id '%s' is already used by %s",
		    rb->id, other->path);
		runbook_free(rb);
		return;
	}
	cat->list = xreallocarray(cat->list, cat->count + 1, sizeof *cat->list);
	cat->list[cat->count++] = rb;
}

static void load_path(struct catalog *, const char *, int, struct diags *);

static void
load_dir(struct catalog *cat, const char *dir, int depth, struct diags *d)
{
	struct dirent **names;
	struct srcpos none = { 0, 0 };
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0) {
		diags_add(d, DIAG_ERROR, dir, none, "cannot read directory: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		char *path = xprintf("%s/%s", dir, names[i]->d_name);
		struct stat st;

		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    (S_ISDIR(st.st_mode) || is_runbook_name(names[i]->d_name)))
			load_path(cat, path, depth + 1, d);
		free(path);
		free(names[i]);
	}
	free(names);
}

static void
load_path(struct catalog *cat, const char *path, int depth, struct diags *d)
{
	struct stat st;
	struct srcpos none = { 0, 0 };
	struct runbook *rb;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (depth < 8)
			load_dir(cat, path, depth, d);
		return;
	}
	cat->files++;
	if (stat(path, &st) != 0) {
		diags_add(d, DIAG_ERROR, path, none, "cannot read: %s", strerror(errno));
		return;
	}
	if ((rb = loader_load_file(path, d)) != NULL)
		add_runbook(cat, rb, d);
}

int
catalog_load(struct catalog *cat, char *const *paths, int npaths, struct diags *d)
{
	int before = cat->files;

	for (int i = 0; i < npaths; i++)
		load_path(cat, paths[i], 0, d);
	return cat->files - before;
}

struct runbook *
catalog_find(const struct catalog *cat, const char *id)
{
	for (int i = 0; i < cat->count; i++) {
		if (strcmp(cat->list[i]->id, id) == 0)
			return cat->list[i];
	}
	return NULL;
}

void
catalog_free(struct catalog *cat)
{
	for (int i = 0; i < cat->count; i++)
		runbook_free(cat->list[i]);
	free(cat->list);
	cat->list = NULL;
	cat->count = cat->files = 0;
}
