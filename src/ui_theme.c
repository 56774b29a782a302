/* ui_theme.c: a theme's styles as curses attributes (one colour pair per
 * role), and the glyphs the screens use, in UTF-8 or plain ASCII. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "ui.h"

static const struct glyphs glyphs_utf8 = {
	"\xe2\x94\x80", "\xe2\x94\x82",
	{ "\xe2\x94\x8c", "\xe2\x94\x90", "\xe2\x94\x94", "\xe2\x94\x98" },
	{ "\xc2\xb7", "*", "\xe2\x9c\x93", "\xe2\x9c\x97", "\xe2\x97\xb7", "\xe2\x8a\x98", "\xc2\xbb", "!", "\xe2\x86\xb6" },
	{ "\xe2\xa0\x8b", "\xe2\xa0\x99", "\xe2\xa0\xb8", "\xe2\xa0\xb4" },
	"\xe2\x96\xb6", "\xe2\x86\x91", "\xe2\x86\x93", "\xe2\x80\xa6",
};

static const struct glyphs glyphs_ascii = {
	"-", "|",
	{ "+", "+", "+", "+" },
	{ ".", "*", "+", "x", "T", "c", "s", "!", "<" },	/* skipped is not the selection's > */
	{ "|", "/", "-", "\\" },
	">", "^", "v", "~",
};

static const struct {
	unsigned flag;
	attr_t attr;
} attr_map[] = {
	{ THEME_BOLD, A_BOLD }, { THEME_DIM, A_DIM }, { THEME_UNDERLINE, A_UNDERLINE },
	{ THEME_REVERSE, A_REVERSE }, { THEME_STANDOUT, A_STANDOUT }, { THEME_ITALIC, A_ITALIC },
};

static const enum theme_role status_roles[] = {
	[STEP_PENDING] = ROLE_STATUS_PENDING, [STEP_RUNNING] = ROLE_STATUS_RUNNING,
	[STEP_OK] = ROLE_STATUS_OK, [STEP_FAILED] = ROLE_STATUS_FAILED,
	[STEP_TIMEOUT] = ROLE_STATUS_TIMEOUT, [STEP_CANCELLED] = ROLE_STATUS_CANCELLED,
	[STEP_SKIPPED] = ROLE_STATUS_SKIPPED, [STEP_INTERRUPTED] = ROLE_STATUS_INTERRUPTED,
	[STEP_ROLLED_BACK] = ROLE_STATUS_CANCELLED,	/* undone: neither done nor failed */
};

enum theme_role
ui_status_role(enum step_status s)
{
	return status_roles[s];
}

attr_t
ui_style(const struct ui *ui, enum theme_role role)
{
	return ui->styles[role];
}

/* A 256-colour index on a terminal with fewer colours: the nearest of the
 * eight basic ones, so an amber warning is still yellow, not white. */
static short
fit_color(short c)
{
	int r, g, b, v;

	if (c < 0 || c < COLORS)
		return c;
	if (c < 16)
		return (short)(c - 8);
	if (c >= 232)
		return c >= 244 ? COLOR_WHITE : COLOR_BLACK;
	v = c - 16;
	r = v / 36 >= 3;
	g = (v / 6) % 6 >= 3;
	b = v % 6 >= 3;
	return (short)(r * COLOR_RED + g * COLOR_GREEN + b * COLOR_BLUE);
}

static attr_t
style_attrs(const struct theme_style *st)
{
	attr_t a = A_NORMAL;

	for (size_t i = 0; i < sizeof attr_map / sizeof attr_map[0]; i++) {
		if (st->attrs & attr_map[i].flag)
			a |= attr_map[i].attr;
	}
	return a;
}

static void
apply_theme(struct ui *ui, const struct theme *t)
{
	for (int r = 0; r < ROLE_COUNT; r++) {
		const struct theme_style *st = &t->styles[r];

		ui->styles[r] = style_attrs(st);
		if (!ui->color || (st->fg < 0 && st->bg < 0))
			continue;
		init_pair((short)(r + 1), fit_color(st->fg), fit_color(st->bg));
		ui->styles[r] |= COLOR_PAIR(r + 1);
	}
}

static const char *const theme_dirs[] = { DRC_DATADIR "/themes", "./themes", NULL };

static const char *
theme_name(const struct ui *ui)
{
	return ui->o.theme != NULL ? ui->o.theme : getenv("DRCONSOLE_THEME");
}

/* Colour off: NO_COLOR is set, even empty (as `drconsole run` and replay
 * take it), or the terminal has no colours (a vt100): then the attributes
 * alone must carry everything, the selection's reverse video included. */
static int
colour_off(const struct ui *ui)
{
	return getenv("NO_COLOR") != NULL || !ui->color;
}

/* Picks the theme: no colour wins, then --theme, then DRCONSOLE_THEME
 * (checked before the screen starts: ui_theme_check). */
static void
load_theme(struct ui *ui, struct theme *t)
{
	const char *name = theme_name(ui);
	struct diags d = { 0 };
	char *cause = NULL;

	if (colour_off(ui)) {
		theme_monochrome(t);
		ui->color = 0;
		return;
	}
	theme_defaults(t);
	if (name != NULL && *name != '\0' && theme_find(t, name, theme_dirs, &d, &cause) != 0) {
		snprintf(ui->message, sizeof ui->message, "theme '%s': %s; using the default theme",
		    name, cause != NULL ? cause : "cannot be loaded");
		free(cause);
	}
	diags_clear(&d);
}

/* The theme asked for exists and loads: an unknown one is an error before
 * the screen starts, naming the themes there are. */
int
ui_theme_check(const struct ui *ui, char **cause)
{
	const char *name = theme_name(ui);
	struct theme t;
	struct diags d = { 0 };
	int rc = 0;

	if (name == NULL || *name == '\0')
		return 0;
	memset(&t, 0, sizeof t);
	theme_defaults(&t);
	if (theme_find(&t, name, theme_dirs, &d, cause) != 0) {
		if (d.count > 0)
			diags_print(&d, stderr);
		rc = -1;
	}
	diags_clear(&d);
	theme_free(&t);
	return rc;
}

/* Sets up colours and glyphs; curses must be started. */
void
ui_theme_setup(struct ui *ui)
{
	struct theme t;

	memset(&t, 0, sizeof t);
	ui->g = ui->utf8 ? glyphs_utf8 : glyphs_ascii;
	ui->color = has_colors();
	load_theme(ui, &t);
	if (ui->color) {
		start_color();
		use_default_colors();
	}
	apply_theme(ui, &t);
	theme_free(&t);
}
