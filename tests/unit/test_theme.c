/* test_theme.c: the theme model and loader. Bundled themes must load clean
 * and keep every role readable; the corpus in tests/data/themes/bad must
 * give exactly the diagnostics each file lists in its "# expect:" lines. */
#include "cmocka_all.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "theme.h"
#include "xmalloc.h"

#define BAD_DIR "tests/data/themes/bad"
#define EXPECT_PREFIX "# expect: "

static const char *const bundled[] = { "default", "high-contrast", "monochrome", "dark", NULL };
static const char *const bundled_dirs[] = { "themes", NULL };

/* Roles that share the screen and must not look alike. Each row ends at
 * ROLE_COUNT. */
static const enum theme_role groups[][10] = {
	{ ROLE_STATUS_PENDING, ROLE_STATUS_RUNNING, ROLE_STATUS_OK, ROLE_STATUS_FAILED,
	  ROLE_STATUS_TIMEOUT, ROLE_STATUS_CANCELLED, ROLE_STATUS_SKIPPED,
	  ROLE_STATUS_INTERRUPTED, ROLE_COUNT },
	/* The title bar: the mode badge and the RTO clock sit on it. */
	{ ROLE_TITLE, ROLE_BADGE_LIVE, ROLE_BADGE_DRILL, ROLE_BADGE_DRY_RUN,
	  ROLE_BADGE_TRAINING, ROLE_RTO_OK, ROLE_RTO_WARN, ROLE_RTO_OVER, ROLE_COUNT },
	{ ROLE_KEYBAR, ROLE_HELP_KEY, ROLE_NOTICE, ROLE_NORMAL, ROLE_TITLE, ROLE_COUNT },
	{ ROLE_NORMAL, ROLE_SELECTION, ROLE_SELECTION_INACTIVE, ROLE_SEARCH_MATCH, ROLE_PHASE,
	  ROLE_DIM, ROLE_COUNT },
	{ ROLE_NORMAL, ROLE_BORDER, ROLE_TITLE, ROLE_COUNT },
	{ ROLE_NORMAL, ROLE_COMMAND, ROLE_WHY, ROLE_STDERR, ROLE_COUNT },
	{ ROLE_DIALOG, ROLE_DIALOG_TITLE, ROLE_DANGER, ROLE_INPUT, ROLE_SELECTION, ROLE_COUNT },
	{ ROLE_NORMAL, ROLE_TIMELINE_TIME, ROLE_TIMELINE_NOTE, ROLE_COUNT },
};

static int
style_equal(const struct theme_style *a, const struct theme_style *b)
{
	return a->fg == b->fg && a->bg == b->bg && a->attrs == b->attrs;
}

/* Fails unless every group is pairwise distinct and no text is drawn in
 * its own background colour. */
static void
assert_readable(const struct theme *t)
{
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		for (int i = 0; groups[g][i] != ROLE_COUNT; i++) {
			for (int j = i + 1; groups[g][j] != ROLE_COUNT; j++) {
				if (style_equal(&t->styles[groups[g][i]], &t->styles[groups[g][j]]))
					fail_msg("theme %s: %s and %s look the same", t->name,
					    theme_role_name(groups[g][i]), theme_role_name(groups[g][j]));
			}
		}
	}
	for (int r = 0; r < ROLE_COUNT; r++) {
		const struct theme_style *s = &t->styles[r];

		if (s->fg < -1 || s->fg > 255 || s->bg < -1 || s->bg > 255)
			fail_msg("theme %s: %s has a colour out of range", t->name, theme_role_name(r));
		if (s->fg != THEME_DEFAULT_COLOR && s->fg == s->bg)
			fail_msg("theme %s: %s is invisible", t->name, theme_role_name(r));
	}
}

static void
load_bundled(struct theme *t, const char *name)
{
	struct diags d = { 0 };
	char *cause = NULL;

	theme_defaults(t);
	if (theme_find(t, name, bundled_dirs, &d, &cause) != 0) {
		diags_print(&d, stderr);
		fail_msg("bundled theme %s: %s", name, cause);
	}
	assert_int_equal(d.count, 0);
	diags_clear(&d);
}

static void
test_role_names(void **state)
{
	(void)state;
	assert_string_equal(theme_role_name(ROLE_NORMAL), "normal");
	assert_string_equal(theme_role_name(ROLE_SELECTION_INACTIVE), "selection_inactive");
	assert_string_equal(theme_role_name(ROLE_BADGE_DRY_RUN), "badge_dry_run");
	assert_string_equal(theme_role_name(ROLE_KEYBAR), "keybar");
	assert_null(theme_role_name(ROLE_COUNT));
	assert_int_equal(ROLE_COUNT, 35);
	for (int i = 0; i < ROLE_COUNT; i++) {
		assert_non_null(theme_role_name(i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(theme_role_name(i), theme_role_name(j));
	}
}

static void
test_defaults(void **state)
{
	struct theme t;

	(void)state;
	theme_defaults(&t);
	assert_string_equal(t.name, "default");
	assert_null(t.description);
	/* The modes keep one colour each: LIVE red, DRILL amber, DRY RUN blue,
	 * TRAINING green; the RTO goes amber, then red. */
	assert_int_equal(t.styles[ROLE_BADGE_LIVE].bg, 1);
	assert_int_equal(t.styles[ROLE_BADGE_DRILL].bg, 3);
	assert_int_equal(t.styles[ROLE_BADGE_DRY_RUN].bg, 4);
	assert_int_equal(t.styles[ROLE_BADGE_TRAINING].bg, 2);
	assert_int_equal(t.styles[ROLE_RTO_OK].fg, 2);
	assert_int_equal(t.styles[ROLE_RTO_WARN].fg, 3);
	assert_int_equal(t.styles[ROLE_RTO_OVER].fg, 1);
	assert_int_equal(t.styles[ROLE_STATUS_FAILED].fg, 1);
	assert_true(t.styles[ROLE_STATUS_FAILED].attrs & THEME_BOLD);
	assert_int_equal(t.styles[ROLE_NORMAL].fg, THEME_DEFAULT_COLOR);
	assert_int_equal(t.styles[ROLE_NORMAL].bg, THEME_DEFAULT_COLOR);
	assert_readable(&t);
	theme_free(&t);
	assert_null(t.name);
}

static void
test_monochrome(void **state)
{
	struct theme t;

	(void)state;
	theme_monochrome(&t);
	assert_string_equal(t.name, "monochrome");
	for (int r = 0; r < ROLE_COUNT; r++) {
		if (t.styles[r].fg != THEME_DEFAULT_COLOR || t.styles[r].bg != THEME_DEFAULT_COLOR)
			fail_msg("NO_COLOR theme colours %s", theme_role_name(r));
		/* Italic and standout are drawn as plain or reverse on many
		 * terminals: nothing may rely on them. */
		assert_int_equal(t.styles[r].attrs & (THEME_ITALIC | THEME_STANDOUT), 0);
	}
	assert_int_equal(t.styles[ROLE_SELECTION].attrs, THEME_REVERSE);
	assert_true(t.styles[ROLE_STATUS_FAILED].attrs & THEME_BOLD);
	assert_true(t.styles[ROLE_BADGE_LIVE].attrs & THEME_BOLD);
	assert_true(t.styles[ROLE_DANGER].attrs & THEME_REVERSE);
	assert_readable(&t);
	theme_free(&t);
}

static void
test_bundled_load_clean(void **state)
{
	struct theme t;

	(void)state;
	for (int i = 0; bundled[i] != NULL; i++) {
		load_bundled(&t, bundled[i]);
		assert_string_equal(t.name, bundled[i]);
		assert_non_null(t.description);
		assert_readable(&t);
		theme_free(&t);
	}
}

/* The files are what users copy; they must say what the built-ins do. */
static void
test_bundled_match_builtin(void **state)
{
	struct theme file, builtin;

	(void)state;
	load_bundled(&file, "default");
	theme_defaults(&builtin);
	for (int r = 0; r < ROLE_COUNT; r++) {
		if (!style_equal(&file.styles[r], &builtin.styles[r]))
			fail_msg("themes/default.yaml differs from the built-in at %s", theme_role_name(r));
	}
	theme_free(&file);
	theme_free(&builtin);
	load_bundled(&file, "monochrome");
	theme_monochrome(&builtin);
	for (int r = 0; r < ROLE_COUNT; r++) {
		if (!style_equal(&file.styles[r], &builtin.styles[r]))
			fail_msg("themes/monochrome.yaml differs from NO_COLOR at %s", theme_role_name(r));
	}
	theme_free(&file);
	theme_free(&builtin);
}

static void
test_bundled_character(void **state)
{
	struct theme t;

	(void)state;
	/* high-contrast sets every background, so nothing falls back to a
	 * terminal's own low-contrast colours, and its badges are solid. */
	load_bundled(&t, "high-contrast");
	for (int r = 0; r < ROLE_COUNT; r++) {
		if (t.styles[r].bg == THEME_DEFAULT_COLOR || t.styles[r].fg == THEME_DEFAULT_COLOR)
			fail_msg("high-contrast leaves %s to the terminal", theme_role_name(r));
	}
	for (int r = ROLE_BADGE_LIVE; r <= ROLE_BADGE_TRAINING; r++)
		assert_true(t.styles[r].attrs & THEME_BOLD);
	theme_free(&t);
	/* dark uses the fixed 256-colour palette, not the 16 colours each
	 * terminal redefines. */
	load_bundled(&t, "dark");
	for (int r = 0; r < ROLE_COUNT; r++) {
		if ((t.styles[r].fg >= 0 && t.styles[r].fg < 16) ||
		    (t.styles[r].bg >= 0 && t.styles[r].bg < 16))
			fail_msg("dark uses a 16-colour value for %s", theme_role_name(r));
	}
	assert_int_not_equal(t.styles[ROLE_NORMAL].fg, THEME_DEFAULT_COLOR);
	theme_free(&t);
	load_bundled(&t, "monochrome");
	for (int r = 0; r < ROLE_COUNT; r++) {
		assert_int_equal(t.styles[r].fg, THEME_DEFAULT_COLOR);
		assert_int_equal(t.styles[r].bg, THEME_DEFAULT_COLOR);
	}
	theme_free(&t);
}

static void
test_overrides(void **state)
{
	struct theme t, def;
	struct diags d = { 0 };

	(void)state;
	theme_defaults(&t);
	theme_defaults(&def);
	assert_int_equal(theme_load_file(&t, "tests/data/themes/good/override.yaml", &d), 0);
	assert_int_equal(d.count, 0);
	assert_string_equal(t.name, "override-test");
	assert_string_equal(t.description, "Overrides: numbers, bright names, one-word attrs");
	assert_int_equal(t.styles[ROLE_STATUS_OK].fg, 208);
	assert_int_equal(t.styles[ROLE_STATUS_OK].bg, THEME_DEFAULT_COLOR);
	assert_int_equal(t.styles[ROLE_STATUS_OK].attrs, THEME_BOLD);
	assert_int_equal(t.styles[ROLE_SELECTION].fg, 15);
	assert_int_equal(t.styles[ROLE_SELECTION].bg, 24);
	assert_int_equal(t.styles[ROLE_SELECTION].attrs, THEME_REVERSE | THEME_ITALIC | THEME_STANDOUT);
	assert_int_equal(t.styles[ROLE_BADGE_LIVE].fg, 15);
	assert_int_equal(t.styles[ROLE_BADGE_LIVE].bg, 1);
	assert_int_equal(t.styles[ROLE_BADGE_LIVE].attrs, THEME_UNDERLINE | THEME_DIM);
	assert_int_equal(t.styles[ROLE_DIALOG].fg, 0);
	assert_int_equal(t.styles[ROLE_DIALOG].bg, 255);
	assert_int_equal(t.styles[ROLE_DIALOG].attrs, 0);
	/* A role given is taken as written, not blended with the default. */
	assert_int_equal(t.styles[ROLE_STDERR].fg, THEME_DEFAULT_COLOR);
	assert_int_equal(t.styles[ROLE_STDERR].attrs, 0);
	/* A role left out keeps the default. */
	assert_true(style_equal(&t.styles[ROLE_STATUS_FAILED], &def.styles[ROLE_STATUS_FAILED]));
	assert_true(style_equal(&t.styles[ROLE_KEYBAR], &def.styles[ROLE_KEYBAR]));
	/* Loading again replaces the theme, whatever it held. */
	assert_int_equal(theme_load_file(&t, "tests/data/themes/good/noname.yaml", &d), 0);
	assert_string_equal(t.name, "noname");
	assert_null(t.description);
	for (int r = 0; r < ROLE_COUNT; r++)
		assert_true(style_equal(&t.styles[r], &def.styles[r]));
	theme_free(&t);
	theme_free(&def);
}

static void
test_failure_keeps_theme(void **state)
{
	struct theme t, mono;
	struct diags d = { 0 };

	(void)state;
	theme_monochrome(&t);
	theme_monochrome(&mono);
	assert_int_equal(theme_load_file(&t, BAD_DIR "/unknown-role.yaml", &d), -1);
	assert_int_equal(d.errors, 2);
	assert_string_equal(t.name, "monochrome");
	for (int r = 0; r < ROLE_COUNT; r++)
		assert_true(style_equal(&t.styles[r], &mono.styles[r]));
	diags_clear(&d);
	assert_int_equal(theme_load_file(&t, "tests/data/themes/no-such.yaml", &d), -1);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.list[0].message, "cannot read: No such file or directory");
	assert_int_equal(d.list[0].pos.line, 0);
	assert_string_equal(t.name, "monochrome");
	diags_clear(&d);
	theme_free(&t);
	theme_free(&mono);
}

static void
test_find(void **state)
{
	const char *const dirs[] = { "tests/data/themes/nowhere", "tests/data/themes/shadow",
	    "themes", NULL };
	struct theme t;
	struct diags d = { 0 };
	char *cause = NULL;

	(void)state;
	theme_defaults(&t);
	/* The first directory that has NAME.yaml wins. */
	assert_int_equal(theme_find(&t, "default", dirs, &d, &cause), 0);
	assert_string_equal(t.name, "shadow-default");
	assert_int_equal(theme_find(&t, "dark", dirs, &d, &cause), 0);
	assert_string_equal(t.name, "dark");
	/* A name with a slash, or ending in .yaml, is a path. */
	assert_int_equal(theme_find(&t, "tests/data/themes/good/override.yaml", dirs, &d, &cause), 0);
	assert_string_equal(t.name, "override-test");
	assert_int_equal(theme_find(&t, "./themes/high-contrast.yaml", NULL, &d, &cause), 0);
	assert_string_equal(t.name, "high-contrast");
	assert_int_equal(d.count, 0);
	assert_null(cause);
	theme_free(&t);
}

static void
expect_find_error(const char *name, const char *const *dirs, const char *want)
{
	struct theme t;
	struct diags d = { 0 };
	char *cause = NULL;

	theme_defaults(&t);
	assert_int_equal(theme_find(&t, name, dirs, &d, &cause), -1);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	assert_string_equal(t.name, "default");
	free(cause);
	diags_clear(&d);
	theme_free(&t);
}

static void
test_find_errors(void **state)
{
	const char *const two[] = { "tests/data/themes/shadow", "themes", NULL };
	const char *const bad[] = { BAD_DIR, NULL };
	const char *const none[] = { NULL };

	(void)state;
	expect_find_error("hgih-contrast", bundled_dirs,
	    "no theme 'hgih-contrast' in themes (did you mean 'high-contrast'? "
	    "the themes: dark, default, high-contrast or monochrome)");
	/* default is in both directories and is offered once. */
	expect_find_error("solarized", two, "no theme 'solarized' in tests/data/themes/shadow or "
	    "themes (try dark, default, high-contrast or monochrome)");
	expect_find_error("dark", none, "no theme 'dark' in no directory");
	expect_find_error("dark", NULL, "no theme 'dark' in no directory");
	expect_find_error("", bundled_dirs, "no theme name given");
	expect_find_error("invisible", bad,
	    "theme 'invisible' (" BAD_DIR "/invisible.yaml) has errors");
	expect_find_error("missing.yaml", bundled_dirs, "theme 'missing.yaml' (missing.yaml) has errors");
}

/* The "# expect: " lines of path, as diag_format prints them. */
static int
read_expectations(const char *path, char **want, int max)
{
	FILE *fp = fopen(path, "r");
	char line[512];
	int n = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, EXPECT_PREFIX, strlen(EXPECT_PREFIX)) != 0)
			continue;
		assert_true(n < max);
		want[n++] = xprintf("%s:%s", path, line + strlen(EXPECT_PREFIX));
	}
	fclose(fp);
	return n;
}

static void
check_broken(const char *path)
{
	struct theme t;
	struct diags d = { 0 };
	char *want[32], *got;
	int n = read_expectations(path, want, 32);

	if (n == 0)
		fail_msg("%s has no '# expect:' lines", path);
	theme_defaults(&t);
	if (theme_load_file(&t, path, &d) != -1)
		fail_msg("%s loaded", path);
	for (int i = 0; i < n || i < d.count; i++) {
		got = i < d.count ? diag_format(&d.list[i]) : xstrdup("(nothing)");
		if (i >= n || strcmp(want[i], got) != 0)
			fail_msg("diagnostic %d\n  want: %s\n  got:  %s", i + 1, i < n ? want[i] : "(nothing)",
			    got);
		free(got);
	}
	assert_int_equal(d.errors, n);
	assert_string_equal(t.name, "default");
	for (int i = 0; i < n; i++)
		free(want[i]);
	diags_clear(&d);
	theme_free(&t);
}

static int
yaml_only(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0;
}

static void
test_broken_corpus(void **state)
{
	struct dirent **list;
	char *path;
	int n;

	(void)state;
	n = scandir(BAD_DIR, &list, yaml_only, alphasort);
	assert_true(n >= 16);
	for (int i = 0; i < n; i++) {
		path = xprintf("%s/%s", BAD_DIR, list[i]->d_name);
		check_broken(path);
		free(path);
		free(list[i]);
	}
	free(list);
}

/* A file with a thousand mistakes reports the first fifty and stops. */
static void
test_error_cap(void **state)
{
	char dir[] = "/tmp/test_theme.XXXXXX", *path;
	struct theme t;
	struct diags d = { 0 };
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xprintf("%s/flood.yaml", dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "colors:\n");
	for (int i = 0; i < 1000; i++)
		fprintf(fp, "  role%d: { fg: red }\n", i);
	fclose(fp);
	theme_defaults(&t);
	assert_int_equal(theme_load_file(&t, path, &d), -1);
	assert_int_equal(d.count, 51);
	assert_string_equal(d.list[49].message, "unknown role 'role49': themes/default.yaml lists every role");
	assert_int_equal(d.list[50].pos.line, 52);
	assert_string_equal(d.list[50].message, "too many errors; the rest are not shown");
	diags_clear(&d);
	theme_free(&t);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* Diagnostics name files relative to the source tree, as the corpus expects. */
static int
enter_srcdir(void **state)
{
	const char *top = getenv("top_srcdir"), *file = __FILE__;
	const char *here = strstr(file, "tests/unit/test_theme.c");
	char *dir;
	int rc;

	(void)state;
	if (top != NULL && *top != '\0')
		return chdir(top);
	dir = here == NULL || here == file ? xstrdup(".") : xstrndup(file, (size_t)(here - file));
	rc = chdir(dir);
	free(dir);
	return rc;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_monochrome),
		cmocka_unit_test(test_bundled_load_clean),
		cmocka_unit_test(test_bundled_match_builtin),
		cmocka_unit_test(test_bundled_character),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_failure_keeps_theme),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_errors),
		cmocka_unit_test(test_broken_corpus),
		cmocka_unit_test(test_error_cap),
	};

	return cmocka_run_group_tests(tests, enter_srcdir, NULL);
}
