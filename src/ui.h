/* ui.h: the full-screen console's shared state. Only the ui*.c files include
 * this header (and so curses); the rest of drconsole knows nothing of it.
 * The console drives the engine exactly as `drconsole run` does and hears
 * back through the engine's hooks; every screen is drawn from that state. */
#ifndef DRC_UI_H
#define DRC_UI_H

#include <curses.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "catalog.h"
#include "engine.h"
#include "runopts.h"
#include "runpolicy.h"
#include "theme.h"

#define UI_MIN_COLS	70
#define UI_MIN_ROWS	20
#define UI_SCRIPT_COLS	100
#define UI_SCRIPT_ROWS	30
#define UI_FRAME_MS	16	/* at most ~60 redraws a second while output floods */
#define UI_TICK_MS	1000	/* the RTO clock */
#define UI_SPIN_MS	250	/* the spinner, only while a step runs */
#define UI_FLOOD_BYTES	(32 * 1024)	/* output in one turn that counts as a flood */
#define UI_FLOOD_PAUSE_MS 1	/* then wait this long for a key */
#define UI_TEXT_MAX	256
#define UI_DIALOG_DEPTH	4
#define UI_CHOICES_MAX	6
#define UI_LIVE_MAX	1024	/* the unfinished line of an interactive step */
#define UI_LINE_BUF	1024	/* one output line, made safe for the screen */
#define UI_FAIL_TAIL	20	/* a failed step's last lines its dialog keeps */
#define UI_MOUSE_ROWS	512	/* screen rows the mouse can point at */
#define UI_WRAP_BELOW	100	/* a pane narrower than this wraps by default */
#define UI_WRAP_AUTO	0
#define UI_WRAP_ON	1
#define UI_WRAP_OFF	2

/* Keys that are not curses KEY_* codes. */
#define UI_KEY_ENTER	'\n'
#define UI_KEY_ESC	27
#define UI_KEY_TAB	'\t'
#define UI_KEY_CTRL_C	3
#define UI_KEY_BACKSPACE KEY_BACKSPACE
#define UI_KEY_DETACH	29	/* Ctrl-], as in telnet: no program needs it */
#define UI_KEY_REDRAW	12	/* Ctrl-L: draw the whole screen again */
/* The bracketed paste markers, as curses returns them (define_key): far
 * above the codes it gives the terminal's own extended keys. */
#define UI_KEY_PASTE_BEGIN 0x5000
#define UI_KEY_PASTE_END 0x5001
#define UI_PASTE_MAX	4096	/* bytes of one paste kept; the rest is cut */

/* Where a key is taken: the screen, the focused pane or the open dialog. */
#define CTX_PICKER	0x001
#define CTX_FORM	0x002
#define CTX_LIST	0x004	/* run view, checklist focused */
#define CTX_OUTPUT	0x008	/* run view, output pane focused */
#define CTX_CONFIRM	0x010	/* y/n dialog */
#define CTX_INPUT	0x020	/* dialog with a text field */
#define CTX_CHOICE	0x040	/* dialog with a list of choices */
#define CTX_VIEWER	0x080	/* help screen and messages */
#define CTX_ATTACHED	0x100	/* run view, keys go to an interactive step */
#define CTX_TIMELINE	0x200	/* run view, timeline focused */
#define CTX_RUN		(CTX_LIST | CTX_OUTPUT | CTX_TIMELINE)
/* Who an action is for, beside where: the driver's changes the run, and
 * `drconsole watch` (the same views, read-only) never offers it; the
 * watcher's exists only there. Actions with neither are everyone's. */
#define CTX_DRIVER	0x1000
#define CTX_WATCHER	0x2000
#define CTX_DIALOG	(CTX_CONFIRM | CTX_INPUT | CTX_CHOICE | CTX_VIEWER)

/*
 * The one list of actions: it generates the enum, the key bindings, the key
 * bar, the help screen and the names the script's `do` command takes.
 * X(id, name, key, other key, contexts, key bar label, help)
 */
#define UI_ACTIONS(X) \
	X(UP, "up", KEY_UP, 'k', CTX_PICKER | CTX_FORM | CTX_RUN | CTX_DIALOG, \
	    NULL, "move the selection up (output pane: scroll up)") \
	X(DOWN, "down", KEY_DOWN, 'j', CTX_PICKER | CTX_FORM | CTX_RUN | CTX_DIALOG, \
	    NULL, "move the selection down (output pane: scroll down)") \
	X(PAGE_UP, "page-up", KEY_PPAGE, 0, CTX_PICKER | CTX_RUN | CTX_DIALOG, "scroll", \
	    "scroll the output (or the list) a page up") \
	X(PAGE_DOWN, "page-down", KEY_NPAGE, 0, CTX_PICKER | CTX_RUN | CTX_DIALOG, NULL, \
	    "scroll the output (or the list) a page down") \
	X(HOME, "home", KEY_HOME, 'g', CTX_PICKER | CTX_RUN | CTX_DIALOG, NULL, \
	    "go to the first step (output pane: the oldest line)") \
	X(END, "end", KEY_END, 'G', CTX_PICKER | CTX_RUN | CTX_DIALOG, NULL, \
	    "go to the last step (output pane: follow the newest line)") \
	X(OPEN, "open", UI_KEY_ENTER, 0, CTX_PICKER, "open", \
	    "open the selected runbook or resume the selected incident") \
	X(FILTER, "filter", '/', 0, CTX_PICKER, "filter", "filter the list as you type") \
	X(DISMISS, "dismiss", 'x', 0, CTX_PICKER, "dismiss", \
	    "dismiss the selected unfinished incident: no longer offered (the reason is journaled)") \
	X(TRAINING, "training", 't', 0, CTX_PICKER, "training", "show or hide the training sandboxes") \
	X(PREV_CHOICE, "prev-choice", KEY_LEFT, 0, CTX_FORM, NULL, "previous choice of the field") \
	X(NEXT_CHOICE, "next-choice", KEY_RIGHT, 0, CTX_FORM, "choice", "next choice of the field") \
	X(NEXT_FIELD, "next-field", UI_KEY_TAB, 0, CTX_FORM, NULL, "next field") \
	X(SUBMIT_FORM, "start", UI_KEY_ENTER, 0, CTX_FORM, "next/start", \
	    "next field; on Start, start the run") \
	X(BACK, "back", UI_KEY_ESC, 0, CTX_FORM | CTX_PICKER, "back", \
	    "form: back to the list; list: clear the filter") \
	X(RUN, "run", UI_KEY_ENTER, 0, CTX_LIST | CTX_DRIVER, "run", "run (or attest) the selected step") \
	X(SKIP, "skip", 's', 0, CTX_LIST | CTX_DRIVER, "skip", "skip the selected step (a reason is required)") \
	X(RETRY, "retry", 'r', 0, CTX_LIST | CTX_DRIVER, "retry", "run a failed step again") \
	X(ROLLBACK, "rollback", 'b', 0, CTX_LIST | CTX_DRIVER, "rollback", "run the step's rollback command") \
	X(CANCEL, "cancel", 'c', UI_KEY_CTRL_C, CTX_RUN | CTX_DRIVER, "cancel", \
	    "cancel the running step (asks first)") \
	X(ATTACH, "attach", 'a', 0, CTX_RUN | CTX_DRIVER, "attach", \
	    "type into the running interactive step: every key goes to it until C-]") \
	X(DETACH, "detach", UI_KEY_DETACH, 0, CTX_ATTACHED | CTX_DRIVER, "detach", \
	    "give the keyboard back to the console (the step goes on running)") \
	X(NOTE, "note", 'n', 0, CTX_LIST | CTX_DRIVER, "note", "add a note to the incident journal") \
	X(WHY, "why", 'i', 0, CTX_RUN, "why", "show or hide why the step exists") \
	X(HOSTS, "hosts", 'h', 0, CTX_OUTPUT, "hosts", "on: steps: all hosts' output, or one host's") \
	X(FOCUS, "focus", UI_KEY_TAB, 0, CTX_RUN, "pane", "switch focus: checklist / output") \
	X(SEARCH, "search", '/', 0, CTX_OUTPUT, "search", \
	    "search the output; / then Enter with nothing typed finds the next match") \
	X(SEARCH_NEXT, "search-next", 'n', 0, CTX_OUTPUT, "next", "the search's next match (the note key n is the checklist's)") \
	X(SEARCH_PREV, "search-prev", 'N', 0, CTX_OUTPUT, NULL, "scroll to the search's previous match") \
	X(WRAP, "wrap", 'w', 0, CTX_OUTPUT, "wrap", \
	    "wrap long lines, or cut them with a mark (wrapped by default when the pane is narrow)") \
	X(SCROLL_LEFT, "left", KEY_LEFT, 0, CTX_OUTPUT, NULL, "cut lines: scroll left") \
	X(SCROLL_RIGHT, "right", KEY_RIGHT, 0, CTX_OUTPUT, NULL, "cut lines: scroll right") \
	X(PAGER, "pager", 'o', 0, CTX_RUN, "pager", \
	    "open the step's whole output file in $PAGER (less when unset)") \
	X(ZOOM, "zoom", 'z', 0, CTX_OUTPUT, "zoom", "give the output pane the whole screen, or give it back") \
	X(EVENT, "event", UI_KEY_ENTER, 0, CTX_TIMELINE, "all of it", "show all the selected event says") \
	X(READ_INJECT, "read-inject", 'I', 0, CTX_RUN | CTX_DRIVER, "inject", \
	    "read the injected event the banner shows (journaled as read)") \
	X(FOLLOW, "follow", 'f', 0, CTX_RUN | CTX_WATCHER, "follow", \
	    "watch: the selection follows the running step again") \
	X(INJECT, "inject", 'I', 0, CTX_RUN | CTX_WATCHER, "inject", \
	    "watch: inject an event into the drill (the driving console journals it)") \
	X(HELP, "help", '?', 0, CTX_PICKER | CTX_RUN, "help", "this help") \
	X(QUIT, "quit", 'q', 0, CTX_PICKER | CTX_RUN, "quit", "quit (asks when a step runs)") \
	X(YES, "yes", 'y', UI_KEY_ENTER, CTX_CONFIRM, "yes", "confirm") \
	X(NO, "no", 'n', UI_KEY_ESC, CTX_CONFIRM, "no", "back out") \
	X(SUBMIT, "submit", UI_KEY_ENTER, 0, CTX_INPUT, "ok", "accept the text") \
	X(CHOOSE, "choose", UI_KEY_ENTER, 0, CTX_CHOICE, "choose", "take the highlighted choice") \
	X(CLOSE, "close", UI_KEY_ESC, 'q', CTX_INPUT | CTX_CHOICE | CTX_VIEWER, "close", \
	    "close the dialog")

#define UI_ACTION_ENUM(id, ...) ACT_##id,
enum ui_action {
	UI_ACTIONS(UI_ACTION_ENUM)
	ACT_COUNT
};
#undef UI_ACTION_ENUM
#define ACT_NONE ACT_COUNT

struct ui_action_info {
	const char *name;
	int keys[2];
	unsigned ctx;
	const char *bar;
	const char *help;
};

enum ui_screen {
	SCREEN_PICKER,
	SCREEN_FORM,
	SCREEN_RUN,
};

enum ui_focus {
	FOCUS_LIST,
	FOCUS_OUTPUT,
	FOCUS_TIMELINE,
};

/* What a dialog is for: decides what its answer does. */
enum dialog_kind {
	DLG_CONFIRM,		/* y/n before running a step */
	DLG_ROLLBACK,		/* y/n before a rollback */
	DLG_TYPE_CONFIRM,	/* type the step id */
	DLG_ATTEST,		/* manual step, optional note */
	DLG_SKIP_REASON,
	DLG_NOTE,
	DLG_DONE_NOTE,		/* mark an interrupted step done */
	DLG_SEARCH,
	DLG_FAILURE,		/* retry / skip / rollback / abort */
	DLG_INTERRUPTED,	/* re-run / mark done / skip */
	DLG_QUIT,		/* quit while a step runs */
	DLG_QUIT_IDLE,		/* quit, incident left open */
	DLG_CHANGED,		/* resume: the runbook file changed */
	DLG_LOOSE,		/* the runbook is writable by group or others */
	DLG_HELP,
	DLG_MESSAGE,
	DLG_APPROVAL,		/* waiting for a second operator */
	DLG_CANCEL,		/* cancel the running step? (c again or y) */
	DLG_ORDER,		/* run a step ahead of steps still pending? */
	DLG_DISMISS,		/* picker: why dismiss this incident? */
	DLG_INPUT,		/* an input step: its value, masked when secret */
	DLG_INJECT,		/* watch: a facilitator's injected event */
};

struct ui_choice {
	int key;
	const char *label;
	int code;
};

struct dialog {
	enum dialog_kind kind;
	int step;
	char title[UI_TEXT_MAX];
	char *body;		/* allocated; wrapped when drawn, scrolled when cut */
	char *foot;		/* allocated or NULL: under the body, never scrolled
				 * away (the timeout, what the keys do) */
	char *tail;		/* allocated or NULL: a failed step's last output
				 * lines, made safe; as many of the newest as fit */
	uint64_t tail_total;	/* output lines the step had then */
	int read_all;		/* the body's last line has been on screen */
	char text[UI_TEXT_MAX];	/* the text field */
	size_t len;
	char error[UI_TEXT_MAX];
	int required;
	int secret;		/* the field is drawn as stars (an input step's secret) */
	struct ui_choice choices[UI_CHOICES_MAX];
	int nchoices;
	int sel;
	int scroll;		/* the body's first line shown */
	int64_t opened_wall;	/* DLG_APPROVAL: since when it waits */
};

/* One param of the form. */
struct form_field {
	const struct param *p;
	char value[UI_TEXT_MAX];
	size_t len;
	int choice;		/* PARAM_CHOICE / PARAM_BOOL: index */
	int untouched;		/* holds its default (or given) value, not yet
				 * typed into: the first key replaces it */
	char error[96];
};

struct picker_item {
	int incident;		/* 1: an unfinished incident to resume */
	struct runbook *rb;	/* runbook (catalog) */
	char *dir;		/* incident */
	char *label;		/* incident: runbook title */
	char *detail;		/* incident: when and what */
	char *path;		/* incident: runbook file */
	int training;		/* runbook: a practice sandbox (scenario TRAIN) */
	int64_t started_ms;	/* incident: its first event's time, 0 unknown */
	char mode[16];		/* incident: its run's mode */
	long driver;		/* incident: another console drives it now (its
				 * pid, -1 unknown), 0 none: Enter watches it */
};

struct glyphs {
	const char *hline, *vline, *corner[4];	/* corners: tl tr bl br */
	const char *mark[STEP_NSTATUS];
	const char *spinner[4];
	const char *sel, *up, *down, *ellipsis;
};

struct ui_timeline;
struct follow;

/* What `drconsole watch` draws the run view from in place of an engine
 * (ui_watch.c keeps it; ui_view.c reads it). */
struct ui_watched {
	struct follow	*f;
	struct runbook	*built;		/* the checklist built from the journal when the
					 * runbook itself cannot serve, or NULL */
	struct step_state *st;		/* per step, mirrored from the journal after each poll */
	int		 nst;
	enum run_mode	 mode;
	char		*operator;	/* whom the facilitator's injections are by */
	int		 follow_run;	/* the selection follows the running step */
	struct loop_timer *poll_timer;
};

struct ui {
	struct runopts o;
	struct loop *loop;
	struct engine *e;		/* the run driven, or NULL */
	struct ui_watched *w;		/* the run watched, or NULL */
	struct runbook *rb;		/* the runbook the run uses */
	int own_rb;			/* rb was loaded for us, not borrowed from cat */
	struct catalog cat;
	int have_catalog;
	int direct;			/* one runbook file given: no picker */
	int resuming;
	int loose_ok;			/* the operator ran a runbook others can write */
	char *resume_dir;

	/* terminal */
	SCREEN *scr;
	FILE *scr_out, *scr_in;
	int script_mode;
	int utf8;
	int color;
	attr_t styles[ROLE_COUNT];
	struct glyphs g;
	int saved_stderr;
	int input_errs;		/* consecutive empty reads: end of input */
	int paste_on;		/* the terminal brackets pastes */
	int pasting;		/* between the paste markers */
	char paste[UI_PASTE_MAX];	/* the paste so far */
	size_t paste_len, paste_cut;	/* bytes kept, bytes cut */
	int paste_tail;		/* a paste ended; input not yet drained */
	size_t tail_dropped;	/* keys that came in the same burst after it */
	size_t output_bytes;	/* step output that arrived this turn */

	/* screens */
	enum ui_screen screen;
	enum ui_focus focus;

	struct picker_item *items;
	int nitems;
	int *visible;		/* indices of items passing the filter */
	int nvisible;
	int pick_sel, pick_top;
	char filter[64];
	size_t filter_len;
	int filtering;
	int show_training;	/* the training sandboxes are listed */

	struct form_field *fields;
	int nfields;
	int form_sel;		/* nfields: the Start button */
	char form_error[UI_TEXT_MAX];
	int form_secrets_only;
	int base_nparams;	/* --param values; the form adds after these */	/* resume: only secrets must be given again */

	/* run view */
	int sel;			/* selected step */
	int list_top;
	int show_why;
	int64_t out_top;		/* absolute line at the top of the pane */
	int pane_rows;			/* output rows at the last redraw */
	int pane_cols;			/* and their width */
	int follow;
	int wrap_mode;			/* UI_WRAP_AUTO, UI_WRAP_ON, UI_WRAP_OFF */
	int hscroll;			/* cut lines: columns scrolled right */
	int zoom;			/* the pane has the whole screen */
	int held_step;			/* ended while selected: its output stays, -1 none */
	int held_next;			/* and the step Enter goes on with, -1 none */
	char search[UI_TEXT_MAX];
	int64_t match_line;		/* absolute, -1 none */
	int host_pick;			/* 0: the pane shows all hosts; k + 1: host k only */
	size_t *pick_lines;		/* then: scrollback indices of its lines */
	size_t pick_n, pick_cap;
	int spin;
	struct ui_timeline *tl;		/* the journal's events, read as it grows */
	char message[UI_TEXT_MAX];	/* a transient line above the key bar */
	int ended_step;			/* a step ended this turn: decide what next */
	int rollback_step;		/* a rollback the operator started, or -1 */
	int *passed;			/* per step: a failure passed by on_failure continue */
	int finished;
	char outcome[32];
	int64_t finished_wall;
	int quitting;			/* 1 cancel and quit, 2 leave running */
	int signalled;			/* SIGTERM / SIGHUP */
	int exit_code;
	int done;			/* leave the main loop */
	struct loop_fd *keys;		/* the keyboard, paused while a pager runs */
	pid_t pager_pid;		/* a pager has the terminal, or 0 */

	/* the mouse: which entry each row shows, where the pane starts */
	int mouse_row[UI_MOUSE_ROWS];
	int mouse_split;

	/* interactive steps */
	int attached;			/* keys go to attach_step's terminal */
	int attach_step;
	int pty_cols, pty_rows;		/* the size its terminal was given */
	int pty_step;			/* and which step's terminal that was */
	struct ui_vterm *vt;		/* the running step's emulated screen */
	int app_cursor;			/* the program asked for ESC O arrows */
	int live_step;			/* whose unfinished line live is, or -1 */
	char live[UI_LIVE_MAX];		/* raw, escapes and all */
	size_t live_len;

	struct dialog dialogs[UI_DIALOG_DEPTH];
	int ndialogs;

	/* redraws */
	int dirty;
	int urgent;			/* a key: draw this turn, never throttled */
	int64_t last_draw_mono;
	struct loop_timer *frame_timer;
	struct loop_timer *tick_timer;

	/* script mode */
	FILE *script;
	int script_line;
	int script_after_wait;
	char *script_next;		/* the next line, read ahead */
	int script_eof;
	int script_waiting;		/* wait-step in progress */
	int wait_step;
	char wait_status[16];
	char wait_text[UI_TEXT_MAX];	/* wait-text's, "" none */
	int64_t wait_deadline;
	struct loop_timer *wait_timer;
	int ndumps;
	char *script_error;
	FILE *dump;
};

/* ui.c; the subcommands are also declared in commands.h, for main(). */
void ui_main_loop(struct ui *ui);
void ui_watch_signals(struct ui *ui);
void ui_set_fatal(struct ui *ui);
/* A terminal on both ends that can address the cursor. */
int ui_usable_terminal(void);
void ui_touch(struct ui *ui);
void ui_draw_now(struct ui *ui);
void ui_resize(struct ui *ui, int cols, int rows);
void ui_arm_tick(struct ui *ui);
void ui_quit(struct ui *ui, int code);

/* ui_keys.c */
const struct ui_action_info *ui_action_info(enum ui_action a);
enum ui_action ui_action_by_name(const char *name);
/* The action key k is in ctx; ctx may name whose screen (ui_who). */
enum ui_action ui_action_for_key(unsigned ctx, int key);
/* CTX_DRIVER in the console, CTX_WATCHER in watch. */
unsigned ui_who(const struct ui *ui);
/* a is taken in ctx on this screen (the driver's or a watcher's). */
int ui_action_for_whom(const struct ui *ui, enum ui_action a, unsigned ctx);
int ui_key_parse(const char *name);
void ui_key_name(int key, char *buf, size_t len);
size_t ui_key_bytes(int key, int app_cursor, char *buf, size_t len);
unsigned ui_context(const struct ui *ui);
void ui_handle_key(struct ui *ui, int key);
void ui_do(struct ui *ui, enum ui_action a);
int ui_action_applies(const struct ui *ui, enum ui_action a);

/* ui_small.c: below UI_MIN_COLS x UI_MIN_ROWS nothing of the run shows,
 * so only a resize, Ctrl-L and q (its question drawn there) act. */
int ui_too_small(void);
void ui_small_draw(struct ui *ui);
void ui_small_key(struct ui *ui, int key);

/* ui_paste.c: bracketed paste, as text for the focused field */
void ui_paste_enable(struct ui *ui);
void ui_paste_disable(struct ui *ui);
int ui_paste_key(struct ui *ui, int key);
void ui_paste_idle(struct ui *ui);

/* ui_theme.c */
void ui_theme_setup(struct ui *ui);
int ui_theme_check(const struct ui *ui, char **cause);
attr_t ui_style(const struct ui *ui, enum theme_role role);
enum theme_role ui_status_role(enum step_status s);

/* ui_draw.c: the run view */
void ui_draw_run(struct ui *ui);
void ui_draw_keybar(struct ui *ui, int y);
int ui_put(struct ui *ui, int y, int x, int width, enum theme_role role, const char *s);
void ui_fill(struct ui *ui, int y, int x, int width, enum theme_role role);
int ui_body_rows(const struct ui *ui);
/* The RTO clock's colour: elapsed against the objective (0: none). */
enum theme_role ui_rto_role(int64_t elapsed, int64_t rto);
/* " 12s ", " x2 1m3s ": a step row's time, counted from since_wall while it
 * runs; the console and watch share it. */
void ui_step_time(char *buf, size_t len, enum step_status status, int attempt, int64_t duration_ms,
    int64_t since_wall);
/* Step i runs longer than the runbook's expected_duration says. */
int ui_step_overdue(const struct ui *ui, int i);
/* " 40 lines, following " or " lines 3-22 of 40 ": where an output pane is. */
void ui_pane_span(char *buf, size_t len, int follow, int64_t first, int64_t last, int64_t total);
/* The first line of rows rows that wants to start at want (or end at the
 * last line, following), kept between dropped and total. */
int64_t ui_pane_first(int follow, int64_t want, int64_t dropped, int64_t total, int rows);
/* Sends stderr to the debug log (or /dev/null) while curses owns the screen. */
void ui_stderr_to_log(struct ui *ui);
/* Starts curses on the terminal, or on /dev/null at the script size. */
int ui_term_start(struct ui *ui);
/* Ends curses and gives stderr back. */
void ui_term_end(struct ui *ui);

#define UI_HOSTS_MAX	64	/* hosts of one step the console lists */

/* ui_view.c: what the run view shows, from the engine driven or the
 * journal watched; the drawing code asks here, never the engine. */
const struct step_state *ui_view_step(const struct ui *ui, int i);
enum run_mode ui_view_mode(const struct ui *ui);
int64_t ui_view_started(const struct ui *ui);
/* Who drives the run: this console's operator, or the journal's driver. */
const char *ui_view_operator(const struct ui *ui);
const char *ui_view_incident(const struct ui *ui);
/* Why the journal is not being written (driving), or NULL. */
const char *ui_view_journal_error(const struct ui *ui);
/* A step's text (a title) with its templates as the run fills them; allocated. */
char *ui_view_text(const struct ui *ui, int i, const char *s);
/* What step i runs (or would), expanded, secrets masked; NULL not known. */
char *ui_view_command(const struct ui *ui, int i);
/* 1 if step i's approval was given, *who its approver. */
int ui_view_approved(const struct ui *ui, int i, const char **who);
/* The step running now, -1 none; busy: something runs or waits. */
int ui_view_running(const struct ui *ui);
int ui_view_busy(const struct ui *ui);

/* ui_watch.c: `drconsole watch`, the console's views read-only */
/* The watcher's own actions (follow, inject); 0 when a is not one. */
int ui_watch_action(struct ui *ui, enum ui_action a);
/* Sends a facilitator's injected event through the incident's inbox. */
void ui_watch_inject(struct ui *ui, struct dialog *d);
/* Step i's hosts as the journal listed them (at most UI_HOSTS_MAX). */
int ui_watch_hosts(const struct ui *ui, int i, struct host_status *hs);
/* The watched view's words on the message line when nothing else is said. */
const char *ui_watch_problem(const struct ui *ui);
/* ui_pane.c: the output pane */
void ui_draw_pane(struct ui *ui, int top, int x, int w, int h);
void ui_output_scroll(struct ui *ui, int64_t delta);
void ui_output_search(struct ui *ui, const char *text);
void ui_output_next_host(struct ui *ui);
int ui_step_hosts(const struct ui *ui, int i, struct host_status *hs);
int ui_wait_left(const struct ui *ui, int i, char *buf, size_t len);
/* ui_pager.c: the step's output file in $PAGER, the loop running on */
void ui_pager_open(struct ui *ui);

/* ui_timeline.c: the run's events, from the journal */
void ui_timeline_strip(struct ui *ui, int y, int h);
void ui_timeline_pane(struct ui *ui, int top, int x, int w, int h);
void ui_timeline_poll(struct ui *ui);
/* One journal line (parsed, and as written) onto the timeline. */
void ui_timeline_add(struct ui *ui, const json_t *ev, const char *line, size_t len);
int ui_timeline_banner_rows(const struct ui *ui);
void ui_timeline_banner(struct ui *ui, int y);
int ui_timeline_action(struct ui *ui, enum ui_action a);
void ui_timeline_free(struct ui *ui);

/* ui_lines.c: the scrollback: its rule at y, its lines under it */
void ui_lines_draw(struct ui *ui, int y, int x, int w, int rows);
/* The search's next (dir 1) or previous (-1) match. */
void ui_output_search_dir(struct ui *ui, const char *text, int dir);
/* Step i ended while selected: the pane keeps its output, and says that
 * Enter goes on with step next, until the operator moves (skipped or
 * silent, the selection moves to next at once). */
void ui_pane_hold(struct ui *ui, int i, int next);
/* The step a held step's Enter goes on with, or -1. */
int ui_pane_held_next(const struct ui *ui);
/* The pane's own keys (wrap, sideways, zoom, matches, and Enter on a held
 * step); 0 when a is not one of them now. */
int ui_pane_action(struct ui *ui, enum ui_action a);

/* Answers of the choice dialogs. */
enum {
	CH_RETRY = 1, CH_SKIP, CH_ROLLBACK, CH_ABORT, CH_RERUN, CH_DONE,
	CH_CANCEL_QUIT, CH_LEAVE_QUIT, CH_STAY, CH_QUIT, CH_ACCEPT, CH_TRUST,
};

/* ui_run.c: driving the engine */
int ui_run_open(struct ui *ui);
void ui_run_error(struct ui *ui, const char *what, const char *cause);
/* Journals decision d about step i (-1: the run); detail fills its %s. */
void ui_run_decide(struct ui *ui, int i, enum run_decision d, const char *detail);
/* A confirmation's text for step i: what runs as the body, the timeout
 * and keys (keys, the dialog's own line) as its foot. */
void ui_run_step_text(struct ui *ui, struct dialog *d, int i, const char *keys);
void ui_run_start(struct ui *ui, int i, enum confirm_how how);
void ui_run_ask(struct ui *ui, int i);
/* Opens input step i's dialog (its value, checked by the engine). */
void ui_run_open_input(struct ui *ui, int i);
void ui_run_open_failure(struct ui *ui, int i);
void ui_run_open_interrupted(struct ui *ui, int i);
void ui_run_finish(struct ui *ui, enum run_outcome o);
void ui_run_after_turn(struct ui *ui);
void ui_run_signal(struct ui *ui, int signo);
int ui_run_startable(const struct ui *ui, int i);
/* Step k still needs the operator: not done, skipped or passed by (a
 * failure on_failure: continue let through). */
int ui_run_needs_operator(const struct ui *ui, int k);
void ui_run_select(struct ui *ui, int i);
int ui_run_attachable(const struct ui *ui, int i);
void ui_run_detach(struct ui *ui, const char *why);
void ui_run_sync_pty(struct ui *ui, int cols, int rows);
void ui_run_approval_body(struct ui *ui, struct dialog *d);

/* ui_ask.c: asking before c, Ctrl-C or Enter does too much */
void ui_ask_cancel(struct ui *ui);
void ui_ask_drop_stale(struct ui *ui);
int ui_ask_order(struct ui *ui, int i);
void ui_ask_answer(struct ui *ui, struct dialog *d);
int ui_ask_key(struct ui *ui, struct dialog *d, int key);

/* ui_act.c: run view keys and dialog answers */
void ui_run_key(struct ui *ui, enum ui_action a);
void ui_run_attached_key(struct ui *ui, int key);
void ui_run_dialog_done(struct ui *ui, struct dialog *d, int code);

/* ui_dialog.c */
struct dialog *ui_dialog_open(struct ui *ui, enum dialog_kind kind, int step, const char *title);
void ui_dialog_close(struct ui *ui);
struct dialog *ui_dialog_top(struct ui *ui);
void ui_dialog_add_choice(struct dialog *d, int key, const char *label, int code);
void ui_dialog_key(struct ui *ui, int key);
/* Typing into a text dialog: a character, or Backspace over a whole UTF-8
 * character; clears the dialog's error. */
void ui_dialog_text_key(struct dialog *d, int key);
void ui_dialog_action(struct ui *ui, enum ui_action a);
void ui_dialog_draw(struct ui *ui);
/* The top dialog's text does not all fit: the key bar offers to scroll. */
int ui_dialog_cut(const struct ui *ui);
/* The columns a dialog's text is wrapped to on this screen. */
int ui_dialog_inner_width(void);

/* ui_help.c: the ? screen for where the operator is */
char *ui_help_for(const struct ui *ui);

/* ui_mouse.c: wheel and clicks, unless --no-mouse */
void ui_mouse_enable(struct ui *ui);
void ui_mouse_layout(struct ui *ui, int split);
void ui_mouse_row(struct ui *ui, int y, int k);
void ui_mouse_event(struct ui *ui);

/* ui_vterm.c: an interactive step's terminal, emulated (libvterm) */
void ui_vterm_feed(struct ui *ui, int step, const char *data, size_t len);
void ui_vterm_end(struct ui *ui, int step);
void ui_vterm_resize(struct ui *ui, int step, int cols, int rows);
int ui_vterm_draw(struct ui *ui, int y, int x, int w, int rows);
void ui_vterm_free(struct ui *ui);

/* ui_picker.c */
void ui_picker_load(struct ui *ui);
void ui_picker_free(struct ui *ui);
void ui_picker_draw(struct ui *ui);
int ui_picker_key(struct ui *ui, int key);
void ui_picker_action(struct ui *ui, enum ui_action a);
void ui_picker_dismiss_done(struct ui *ui, struct dialog *d);
/* The selection is an unfinished incident (x applies). */
int ui_picker_on_incident(const struct ui *ui);

/* ui_form.c */
void ui_form_open(struct ui *ui, int secrets_only);
void ui_form_free(struct ui *ui);
void ui_form_draw(struct ui *ui);
int ui_form_key(struct ui *ui, int key);
/* Whether the focused field takes text, and then the bytes it has room for. */
int ui_form_text_room(const struct ui *ui, size_t *room);
void ui_form_action(struct ui *ui, enum ui_action a);

/* ui_script.c */
int ui_script_open(struct ui *ui, char **cause);
int ui_script_ready(struct ui *ui);
void ui_script_step(struct ui *ui);
void ui_script_dump(struct ui *ui);
void ui_script_close(struct ui *ui);

/* ui_text.c: UTF-8 helpers */
int ui_text_width(const char *s, size_t len);
size_t ui_text_fit(const char *s, int width);
int ui_text_wrap(const char *s, int width, const char **lines, size_t *lens, int max);
int ui_text_wrap_from(const char *s, int width, int first, const char **lines, size_t *lens, int max);
int ui_text_rows(const char *s, int width);

#endif
