/* ui_watch_int.h: what the watch view's files share: ui_watch.c (the
 * command, its keys, loop and script mode) and ui_watch_draw.c (drawing
 * the view from follow.c's model). */
#ifndef DRC_UI_WATCH_INT_H
#define DRC_UI_WATCH_INT_H

#include <stdint.h>
#include <stdio.h>

#include "follow.h"
#include "loop.h"
#include "ui.h"

#define WATCH_POLL_MS 200	/* how often the incident is looked at */
#define WATCH_WAIT_MS 10000	/* a script's wait, unless it says */
#define WATCH_WRAP_MAX 3
#define WATCH_LINE_MAX 1024
#define WATCH_FAR ((int64_t)1 << 40)	/* a move to an end */
#define WATCH_TIMELINE_PAGE 4

enum watch_focus {
	WFOCUS_LIST,
	WFOCUS_OUTPUT,
	WFOCUS_TIMELINE,
	WFOCUS_COUNT,
};

/* The one list of the viewer's keys: the enum, the key bar and the
 * script's `do` names. X(id, name, key, other key, key bar label) */
#define WATCH_ACTIONS(X) \
	X(UP, "up", KEY_UP, 'k', "select") \
	X(DOWN, "down", KEY_DOWN, 'j', NULL) \
	X(PAGE_UP, "page-up", KEY_PPAGE, 0, "scroll") \
	X(PAGE_DOWN, "page-down", KEY_NPAGE, 0, NULL) \
	X(HOME, "home", KEY_HOME, 'g', NULL) \
	X(END, "end", KEY_END, 'G', NULL) \
	X(FOCUS, "focus", UI_KEY_TAB, 0, "pane") \
	X(FOLLOW, "follow", 'f', 0, "follow running") \
	X(INJECT, "inject", 'i', 0, "inject") \
	X(QUIT, "quit", 'q', UI_KEY_CTRL_C, "quit")

#define WATCH_ACTION_ENUM(id, ...) WACT_##id,
enum watch_action {
	WATCH_ACTIONS(WATCH_ACTION_ENUM)
	WACT_COUNT
};
#undef WATCH_ACTION_ENUM


struct watch {
	struct ui	*ui;		/* drawing context: styles, glyphs, dialog, dump */
	struct follow	*f;
	struct loop	*loop;
	const char	*dir;
	const char	*theme;
	const char	*operator_arg;	/* --operator */
	char		*operator;	/* who `i` injects as */
	int		 sel;		/* the selected step */
	int		 follow_run;	/* the selection follows the running step */
	int		 list_top;
	enum watch_focus focus;
	int64_t		 out_top;	/* absolute output line at the top */
	int		 out_follow;	/* the pane shows the newest lines */
	int		 pane_rows;
	size_t		 tl_back;	/* timeline: events scrolled back */
	char		 message[UI_TEXT_MAX];
	int64_t		 drawn_sec;	/* the clock's second last drawn */
	struct loop_timer *poll_timer;
	int		 input_errs;
	int		 done;
	int		 exit_code;
	/* script mode */
	const char	*script_path;
	FILE		*script;
	int		 script_line;
	char		*script_error;
	int		 waiting;	/* a wait-* command is in progress */
	char		 wait_what[UI_TEXT_MAX];
	int64_t		 wait_deadline;
	struct loop_timer *wait_timer;
};

struct watch_layout {
	int top, body, list_w;
	int timeline_y, timeline_h;
	int message_y, keybar_y;
};

/* Each action's script name, keys and key bar label. */
struct watch_action_info {
	const char *name;
	int keys[2];
	const char *bar;
};
extern const struct watch_action_info watch_actions[WACT_COUNT];

/* The step selected, or NULL. */
const struct follow_step *watch_selected(const struct watch *w);
/* Draws the whole view. */
void watch_draw(struct watch *w);
/* The absolute output line at the top of a pane of rows for st. */
int64_t watch_first_line(struct watch *w, const struct follow_step *st, int rows);

#endif
