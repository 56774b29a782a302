/* theme.h: the console's colour themes, a style (colours and attributes) for
 * each screen role, loaded from YAML. This is the engine-side model only: it
 * knows nothing of curses, and the UI maps each style onto colour pairs. */
#ifndef DRC_THEME_H
#define DRC_THEME_H

#include "diag.h"

/* Every role a theme can style, with the name used in theme files. The enum
 * and the name table are both generated from this one list. */
#define THEME_ROLES(X) \
	X(ROLE_NORMAL, "normal") \
	X(ROLE_TITLE, "title") \
	X(ROLE_BORDER, "border") \
	X(ROLE_DIM, "dim") \
	X(ROLE_SELECTION, "selection") \
	X(ROLE_SELECTION_INACTIVE, "selection_inactive") \
	X(ROLE_STATUS_PENDING, "status_pending") \
	X(ROLE_STATUS_RUNNING, "status_running") \
	X(ROLE_STATUS_OK, "status_ok") \
	X(ROLE_STATUS_FAILED, "status_failed") \
	X(ROLE_STATUS_TIMEOUT, "status_timeout") \
	X(ROLE_STATUS_CANCELLED, "status_cancelled") \
	X(ROLE_STATUS_SKIPPED, "status_skipped") \
	X(ROLE_STATUS_INTERRUPTED, "status_interrupted") \
	X(ROLE_STDERR, "stderr") \
	X(ROLE_COMMAND, "command") \
	X(ROLE_WHY, "why") \
	X(ROLE_PHASE, "phase") \
	X(ROLE_BADGE_LIVE, "badge_live") \
	X(ROLE_BADGE_DRILL, "badge_drill") \
	X(ROLE_BADGE_DRY_RUN, "badge_dry_run") \
	X(ROLE_BADGE_TRAINING, "badge_training") \
	X(ROLE_RTO_OK, "rto_ok") \
	X(ROLE_RTO_WARN, "rto_warn") \
	X(ROLE_RTO_OVER, "rto_over") \
	X(ROLE_DIALOG, "dialog") \
	X(ROLE_DIALOG_TITLE, "dialog_title") \
	X(ROLE_DANGER, "danger") \
	X(ROLE_INPUT, "input") \
	X(ROLE_HELP_KEY, "help_key") \
	X(ROLE_TIMELINE_TIME, "timeline_time") \
	X(ROLE_TIMELINE_NOTE, "timeline_note") \
	X(ROLE_SEARCH_MATCH, "search_match") \
	X(ROLE_NOTICE, "notice") \
	X(ROLE_KEYBAR, "keybar")

#define THEME_ROLE_ENUM(id, name) id,
enum theme_role {
	THEME_ROLES(THEME_ROLE_ENUM)
	ROLE_COUNT
};
#undef THEME_ROLE_ENUM

/* Attribute flags, a closed set like the roles. */
#define THEME_BOLD      0x01
#define THEME_DIM       0x02
#define THEME_UNDERLINE 0x04
#define THEME_REVERSE   0x08
#define THEME_STANDOUT  0x10
#define THEME_ITALIC    0x20

/* The terminal's own colour, for fg or bg. */
#define THEME_DEFAULT_COLOR (-1)

struct theme_style {
	short fg;		/* THEME_DEFAULT_COLOR or 0-255 */
	short bg;		/* THEME_DEFAULT_COLOR or 0-255 */
	unsigned attrs;		/* THEME_BOLD | THEME_DIM | ... */
};

struct theme {
	char *name;		/* from the file, else the file name without .yaml */
	char *description;	/* may be NULL */
	struct theme_style styles[ROLE_COUNT];
};

/* The name a theme file uses for role, or NULL when role is out of range. */
const char *theme_role_name(enum theme_role role);

/* Fills t with the built-in default theme; t's old contents are not freed. */
void theme_defaults(struct theme *t);

/* Fills t with the NO_COLOR theme: attributes only, no colours at all; t's
 * old contents are not freed. */
void theme_monochrome(struct theme *t);

/* Loads the theme file at path into t, which must already hold a theme.
 * Roles the file leaves out take the built-in defaults. Returns 0 and
 * replaces t (freeing its old contents), or -1 with every problem in d as
 * FILE:LINE:COL diagnostics and t untouched. */
int theme_load_file(struct theme *t, const char *path, struct diags *d);

/* Loads theme name: a path when it contains '/' or ends in ".yaml", else
 * NAME.yaml from the first of the NULL-terminated dirs that has it. Returns
 * 0, or -1 with *cause set (and the file's own errors in d); t is only
 * replaced on success. */
int theme_find(struct theme *t, const char *name, const char *const *dirs, struct diags *d,
    char **cause);

/* Frees what t holds; t may then be filled again. */
void theme_free(struct theme *t);

#endif
