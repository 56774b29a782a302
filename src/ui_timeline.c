/* ui_timeline.c: the run's timeline, read from the incident's journal as
 * it grows (follow_summary words each event, as watch and replay do), so
 * a resumed run shows all of it, not only what this console journaled.
 * The strip under the run view shows the newest events; Tab makes the
 * timeline a pane of its own in place of the output, scrolled like it,
 * and Enter shows an event's full text. An injected event (a drill
 * facilitator's "the replica lags too") is typed inject, has its own
 * colour, and holds a banner over the run until the operator reads it
 * (I), which is journaled as a decision. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "follow.h"
#include "runpolicy.h"
#include "strbuf.h"
#include "termsafe.h"
#include "ui.h"
#include "xmalloc.h"

#define TL_MAX		10000	/* events kept; the oldest go first */
#define TL_READ		65536	/* journal bytes read per turn */

/* An event as kept: what every frame needs, and the line itself, worded
 * (summary, full text) only when shown, so a long journal costs a copy
 * of its newest lines and no more. */
struct tl_entry {
	int64_t ms;
	char event[24];
	int injected;
	char *line;		/* the journal line, as written */
	char *summary;		/* one line, once shown */
	char *shown;		/* and as shown: an inject says whose it is */
	char *full;		/* everything the event says, once asked for */
};

struct ui_timeline {
	int fd;
	struct strbuf part;	/* an unfinished journal line */
	struct tl_entry *v;	/* a ring of TL_MAX */
	size_t head, n;
	size_t unread;		/* the first inject not read yet, n: none */
	int sel;		/* the pane's selected event */
	int follow;		/* the pane keeps the newest in view */
};

static void
entry_free(struct tl_entry *t)
{
	free(t->line);
	free(t->summary);
	free(t->shown);
	free(t->full);
	memset(t, 0, sizeof *t);
}

/* Event k of those kept, 0 the oldest. */
static struct tl_entry *
entry(const struct ui_timeline *tl, size_t k)
{
	return &tl->v[(tl->head + k) % TL_MAX];
}

void
ui_timeline_free(struct ui *ui)
{
	struct ui_timeline *tl = ui->tl;

	if (tl == NULL)
		return;
	if (tl->fd >= 0)
		close(tl->fd);
	for (size_t k = 0; k < tl->n; k++)
		entry_free(entry(tl, k));
	free(tl->v);
	strbuf_free(&tl->part);
	free(tl);
	ui->tl = NULL;
}

/* Every field of the event, one "key: value" a line: what Enter shows. */
static char *
full_text(json_t *ev)
{
	struct strbuf b;
	const char *key;
	json_t *val;

	strbuf_init(&b);
	json_object_foreach(ev, key, val) {
		char *s = json_is_string(val) ? xstrdup(json_string_value(val)) :
		    json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);

		strbuf_addf(&b, "%s: %s\n", key, s != NULL ? s : "");
		free(s);
	}
	return strbuf_detach(&b);
}

/* The entry worded, on first need. */
static void
word(struct tl_entry *t)
{
	json_t *ev;

	if (t->summary != NULL)
		return;
	ev = json_loads(t->line, JSON_ALLOW_NUL, NULL);
	t->summary = ev != NULL ? follow_summary(ev) : xstrdup("(unreadable)");
	if (t->injected) {
		/* Whose it is: a facilitator's, from outside the driving console. */
		const char *by = json_string_value(json_object_get(ev, "by"));

		t->shown = xprintf("by %s: %s", by != NULL ? by : "?", t->summary);
	} else
		t->shown = xstrdup(t->summary);
	t->full = ev != NULL ? full_text(ev) : xstrdup(t->line);
	json_decref(ev);
}

static struct ui_timeline *
timeline_new(void)
{
	struct ui_timeline *tl = xcalloc(1, sizeof *tl);

	tl->fd = -1;
	tl->follow = 1;
	tl->v = xcalloc(TL_MAX, sizeof *tl->v);
	strbuf_init(&tl->part);
	return tl;
}

void
ui_timeline_add(struct ui *ui, const json_t *ev, const char *line, size_t len)
{
	struct ui_timeline *tl;
	const char *event = json_string_value(json_object_get(ev, "event"));
	const char *decision = json_string_value(json_object_get(ev, "decision"));
	const char *read = run_decision_text(DECISION_INJECT_READ);
	struct tl_entry *t;

	if (event == NULL)
		return;
	if (ui->tl == NULL)
		ui->tl = timeline_new();
	tl = ui->tl;
	/* The decision that acknowledges: its text up to the detail. */
	if (decision != NULL && strncmp(decision, read, (size_t)(strstr(read, "%s") - read)) == 0)
		tl->unread = tl->n;	/* every inject before it was read */
	if (tl->n == TL_MAX) {
		entry_free(entry(tl, 0));
		tl->head = (tl->head + 1) % TL_MAX;
		tl->n--;
		tl->unread -= tl->unread > 0;
		tl->sel -= tl->sel > 0;
	}
	t = entry(tl, tl->n);
	t->ms = follow_event_ms((json_t *)ev);
	t->injected = json_is_true(json_object_get(ev, "injected"));
	snprintf(t->event, sizeof t->event, "%s", t->injected ? "inject" : event);
	t->line = xstrndup(line, len);
	if (tl->unread == tl->n && !t->injected)
		tl->unread++;
	tl->n++;
}

/* Reads what the journal gained since the last turn; a torn last line
 * waits for its end. */
static void
poll_journal(struct ui *ui)
{
	struct ui_timeline *tl = ui->tl;
	char buf[TL_READ], *all, *line, *nl;
	ssize_t got;

	if (tl->fd < 0) {
		char *path = xprintf("%s/journal.jsonl", ui_view_incident(ui));

		tl->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		free(path);
		if (tl->fd < 0)
			return;
	}
	while ((got = read(tl->fd, buf, sizeof buf)) > 0) {
		strbuf_add(&tl->part, buf, (size_t)got);
		if ((size_t)got < sizeof buf)
			break;
	}
	all = line = strbuf_detach(&tl->part);
	strbuf_init(&tl->part);
	while ((nl = strchr(line, '\n')) != NULL) {
		json_t *ev;

		*nl = '\0';
		if ((ev = json_loads(line, 0, NULL)) != NULL) {
			ui_timeline_add(ui, ev, line, (size_t)(nl - line));
			json_decref(ev);
		}
		line = nl + 1;
	}
	strbuf_adds(&tl->part, line);
	free(all);
}

/* The timeline as it stands: read up to the journal's end. Watching, the
 * journal's lines come from follow.c as it reads them (ui_timeline_add). */
void
ui_timeline_poll(struct ui *ui)
{
	if (ui->tl == NULL)
		ui->tl = timeline_new();
	if (ui->e != NULL)
		poll_journal(ui);
}

/* The timeline, read when the frame began (ui_draw_run polls first). */
static struct ui_timeline *
timeline(struct ui *ui)
{
	if (ui->tl == NULL)
		ui_timeline_poll(ui);
	return ui->tl;
}

/* --- drawing --- */

static enum theme_role
entry_role(const struct tl_entry *t)
{
	return t->injected ? ROLE_NOTICE : strcmp(t->event, "note") == 0 ? ROLE_TIMELINE_NOTE : ROLE_NORMAL;
}

/* One event on row y: local and UTC time, its type, its summary. */
static void
draw_entry(struct ui *ui, int y, int x, int w, struct tl_entry *t, int selected)
{
	time_t secs = (time_t)(t->ms / 1000);
	struct tm lt, ut;
	char when[40], buf[UI_LINE_BUF], event[sizeof t->event];
	int used;

	localtime_r(&secs, &lt);
	gmtime_r(&secs, &ut);
	when[0] = '\0';
	if (w >= 80)	/* narrower, UTC alone leaves the summary room */
		strftime(when, 20, "%H:%M:%S ", &lt);
	strftime(when + strlen(when), 20, "%H:%M:%SZ ", &ut);
	termsafe_clean(t->event, strlen(t->event), event, sizeof event);
	if (selected)
		ui_fill(ui, y, x, w, ROLE_SELECTION);
	used = ui_put(ui, y, x, w, selected ? ROLE_SELECTION : ROLE_TIMELINE_TIME, when);
	ui_put(ui, y, x + used, 14, selected ? ROLE_SELECTION : entry_role(t), event);
	used = w >= 80 ? 34 : used + 15;	/* the summaries line up */
	word(t);
	termsafe_clean(t->shown, strlen(t->shown), buf, sizeof buf);
	ui_put(ui, y, x + used, w - used, selected ? ROLE_SELECTION : entry_role(t), buf);
}

void
ui_timeline_strip(struct ui *ui, int y, int h)
{
	struct ui_timeline *tl = timeline(ui);
	size_t n = tl->n < (size_t)h ? tl->n : (size_t)h;

	for (size_t k = 0; k < n; k++)
		draw_entry(ui, y + (int)k, 1, COLS - 1, entry(tl, tl->n - n + k), 0);
}

/* In place of the output pane, the whole run, scrolled by its selection. */
void
ui_timeline_pane(struct ui *ui, int top, int x, int w, int h)
{
	struct ui_timeline *tl = timeline(ui);
	int rows = h - 1, first;
	char buf[UI_TEXT_MAX];

	if (tl->follow || tl->sel >= (int)tl->n)
		tl->sel = tl->n > 0 ? (int)tl->n - 1 : 0;
	first = tl->sel - rows + 1 > 0 ? tl->sel - rows + 1 : 0;
	snprintf(buf, sizeof buf, " Timeline: event %d of %zu%s (Enter: all it says) ", tl->n ? tl->sel + 1 : 0,
	    tl->n, tl->follow ? ", following" : "");
	ui_fill(ui, top, x, w, ROLE_SELECTION);
	ui_put(ui, top, x, w, ROLE_SELECTION, buf);
	for (int r = 0; r < rows && first + r < (int)tl->n; r++)
		draw_entry(ui, top + 1 + r, x + 1, w - 1, entry(tl, (size_t)(first + r)), first + r == tl->sel);
}

/* The newest inject not read yet, or NULL. */
static struct tl_entry *
unread_inject(const struct ui *ui)
{
	const struct ui_timeline *tl = ui->tl;

	if (tl == NULL)
		return NULL;
	for (size_t k = tl->n; k > tl->unread; k--) {
		if (entry(tl, k - 1)->injected)
			return entry(tl, k - 1);
	}
	return NULL;
}

int
ui_timeline_banner_rows(const struct ui *ui)
{
	return ui->e != NULL && unread_inject(ui) != NULL;
}

void
ui_timeline_banner(struct ui *ui, int y)
{
	struct tl_entry *t = unread_inject(ui);
	char buf[UI_LINE_BUF], text[UI_LINE_BUF - 64];

	if (t == NULL)
		return;
	word(t);
	termsafe_clean(t->shown, strlen(t->shown), text, sizeof text);
	snprintf(buf, sizeof buf, " INJECTED EVENT %s  (I reads it) ", text);
	ui_fill(ui, y, 0, COLS, ROLE_NOTICE);
	ui_put(ui, y, 0, COLS, ROLE_NOTICE, buf);
}

/* --- keys --- */

static void
show_full(struct ui *ui, struct tl_entry *t, const char *title)
{
	struct dialog *d = ui_dialog_open(ui, DLG_MESSAGE, -1, title);

	word(t);
	d->body = termsafe_dup(t->full, 0);
}

/* I: the inject's full text, and a decision in the journal that the
 * operator read it (the banner goes). */
static void
read_inject(struct ui *ui)
{
	struct tl_entry *t;

	ui_timeline_poll(ui);
	if ((t = unread_inject(ui)) == NULL) {
		snprintf(ui->message, sizeof ui->message, "no injected event waits to be read");
		return;
	}
	show_full(ui, t, "Injected event");
	ui_run_decide(ui, -1, DECISION_INJECT_READ, t->summary);
	ui->tl->unread = ui->tl->n;
}

static void
move_sel(struct ui *ui, int delta)
{
	struct ui_timeline *tl = timeline(ui);
	int64_t sel = (int64_t)tl->sel + delta;

	if (sel >= (int64_t)tl->n - 1) {
		sel = (int64_t)tl->n - 1;
		tl->follow = 1;
	} else
		tl->follow = 0;
	tl->sel = sel < 0 ? 0 : (int)sel;
}

int
ui_timeline_action(struct ui *ui, enum ui_action a)
{
	int page = ui_body_rows(ui) - 2;

	if (a == ACT_READ_INJECT) {
		read_inject(ui);
		return 1;
	}
	if (ui->focus != FOCUS_TIMELINE)
		return 0;
	switch (a) {
	case ACT_UP: move_sel(ui, -1); return 1;
	case ACT_DOWN: move_sel(ui, 1); return 1;
	case ACT_PAGE_UP: move_sel(ui, -page); return 1;
	case ACT_PAGE_DOWN: move_sel(ui, page); return 1;
	case ACT_HOME: move_sel(ui, INT32_MIN / 2); return 1;
	case ACT_END: move_sel(ui, INT32_MAX / 2); return 1;
	case ACT_EVENT:
		if (timeline(ui)->n > 0)
			show_full(ui, entry(ui->tl, (size_t)ui->tl->sel), "Timeline event");
		return 1;
	default:
		return 0;
	}
}
