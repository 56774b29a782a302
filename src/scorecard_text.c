/* scorecard_text.c: the scorecard as plain text for the line runner and
 * the console at a drill's end (scorecard_render_text): a label column,
 * items wrapped to the width, and journal text made safe for a terminal.
 * The facts themselves come from scorecard.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "jsonget.h"
#include "report.h"
#include "scorecard.h"
#include "strbuf.h"

#define DUR_LEN 32


#define TEXT_LABEL 11
#define TEXT_MIN_WIDTH 40

struct text {
	struct strbuf	 sb;
	size_t		 avail;		/* columns right of the labels */
	const char	*label;		/* for the next item, then "" */
};

/* s made safe for a terminal: controls shown as ^X, line breaks as
 * spaces, characters that act unseen (C1 controls, bidi) as U+FFFD. */
static void
text_clean(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)jsonget_or_q(s);
	size_t n;

	for (; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r')
			strbuf_addch(out, ' ');
		else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addch(out, '^');
			strbuf_addch(out, (char)(*p ^ 0x40));
		} else if ((n = report_hidden_len((const char *)p)) > 0) {
			strbuf_adds(out, "\xef\xbf\xbd");
			p += n - 1;
		} else
			strbuf_addch(out, (char)*p);
	}
}

/* Columns of UTF-8 text, one per character: wide CJK counts one too. */
static size_t
text_cols(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* The bytes of s that fill cols columns, ending between characters. */
static size_t
text_bytes(const char *s, size_t len, size_t cols)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == cols)
			break;
	}
	return i;
}

static void
text_newline(struct text *t)
{
	strbuf_addf(&t->sb, "\n%*s", TEXT_LABEL, "");
}

/* One item: the section's label if it is the first, then body wrapped
 * at spaces, under the others. */
static void
text_item(struct text *t, const char *body)
{
	struct strbuf clean;
	size_t col = 0, wl, wc, cut;
	const char *p;

	strbuf_init(&clean);
	text_clean(&clean, body);
	strbuf_addf(&t->sb, "%-*s", TEXT_LABEL, t->label);
	t->label = "";
	for (p = strbuf_str(&clean); *(p += strspn(p, " ")) != '\0'; p += wl) {
		wl = strcspn(p, " ");
		wc = text_cols(p, wl);
		if (col > 0 && col + 1 + wc > t->avail) {
			text_newline(t);
			col = 0;
		} else if (col > 0) {
			strbuf_addch(&t->sb, ' ');
			col++;
		}
		for (; wc > t->avail; wc -= t->avail) {
			cut = text_bytes(p, wl, t->avail);
			strbuf_add(&t->sb, p, cut);
			text_newline(t);
			p += cut;
			wl -= cut;
		}
		strbuf_add(&t->sb, p, wl);
		col += wc;
	}
	strbuf_addch(&t->sb, '\n');
	strbuf_free(&clean);
}

static void
text_itemf(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
text_itemf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char *body;

	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) == -1)
		body = NULL;
	va_end(ap);
	text_item(t, body != NULL ? body : "?");
	free(body);
}

static void
text_head(struct text *t, json_t *card)
{
	const char *env = jsonget_str(card, "environment");
	char took[DUR_LEN];

	t->label = "Scorecard";
	text_itemf(t, "%s (%s%s%s)", jsonget_or_q(jsonget_str(card, "title")),
	    jsonget_or_q(jsonget_str(card, "mode")), env != NULL ? ", " : "",
	    env ? env : "");
	t->label = "RTO";
	if (!json_is_integer(json_object_get(card, "elapsed_ms")))
		text_item(t, "unknown: no run.start in the journal");
	else {
		duration_format_abs(jsonget_int(card, "elapsed_ms", 0), took, sizeof took);
		text_itemf(t, "%s, %s", took,
		    json_is_true(json_object_get(card, "still_open")) ?
		    "still running" :
		    jsonget_or_q(jsonget_str(card, "outcome")));
	}
}

static void
text_limit(struct text *t, const char *label, json_t *v)
{
	char limit[DUR_LEN];

	t->label = label;
	duration_format_abs(jsonget_int(v, "limit_ms", 0), limit, sizeof limit);
	if (jsonget_int(v, "limit_ms", 0) > 0)
		text_itemf(t, "%s: %s", limit,
		    jsonget_or_q(jsonget_str(v, "text")));
	else
		text_item(t, jsonget_or_q(jsonget_str(v, "text")));
}

static void
text_counts(struct text *t, json_t *card)
{
	static const char *keys[][2] = {
		{ "steps_failed", "failed" }, { "steps_skipped", "skipped" },
		{ "steps_skipped_planned", "skipped as planned" },
		{ "steps_retried", "retried" },
		{ "steps_rolled_back", "rolled back" },
	};
	json_t *counts = json_object_get(card, "counts");
	struct strbuf sb;
	const char *sep = ": ";

	strbuf_init(&sb);
	strbuf_addf(&sb, "%lld reached",
	    (long long)jsonget_int(counts, "steps", 0));
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (jsonget_int(counts, keys[i][0], 0) == 0)
			continue;
		strbuf_addf(&sb, "%s%lld %s", sep,
		    (long long)jsonget_int(counts, keys[i][0], 0), keys[i][1]);
		sep = ", ";
	}
	t->label = "Steps";
	text_item(t, strbuf_str(&sb));
	strbuf_free(&sb);
}

static void
text_timing(struct text *t, json_t *card)
{
	char took[DUR_LEN], expected[DUR_LEN], over[DUR_LEN];
	json_t *s;
	size_t i;

	t->label = "Timing";
	json_array_foreach(json_object_get(card, "steps"), i, s) {
		if (jsonget_str(s, "timing") == NULL)
			continue;
		duration_format_abs(jsonget_int(s, "total_ms", 0), took, sizeof took);
		duration_format_abs(jsonget_int(s, "expected_ms", 0), expected, sizeof expected);
		duration_format_abs(jsonget_int(s, "over_ms", 0), over, sizeof over);
		text_itemf(t, "%lld. %s: %s, expected %s: %s%s%s",
		    (long long)jsonget_int(s, "index", 0),
		    jsonget_or_q(jsonget_str(s, "id")), took, expected,
		    strcmp(jsonget_str(s, "timing"), "on time") == 0 ?
		    "" : over,
		    strcmp(jsonget_str(s, "timing"), "on time") == 0 ? "" : " ",
		    jsonget_str(s, "timing"));
	}
	if (*t->label != '\0')
		text_item(t, "no step reached has an expected_duration");
}

static void
text_slowest(struct text *t, json_t *card)
{
	char took[DUR_LEN];
	struct strbuf sb;
	json_t *s;
	size_t i;

	strbuf_init(&sb);
	json_array_foreach(json_object_get(card, "slowest"), i, s) {
		duration_format_abs(jsonget_int(s, "duration_ms", 0), took, sizeof took);
		strbuf_addf(&sb, "%s%lld. %s %s", i > 0 ? ", " : "",
		    (long long)jsonget_int(s, "index", 0),
		    jsonget_or_q(jsonget_str(s, "id")), took);
	}
	t->label = "Slowest";
	text_item(t, sb.len > 0 ? strbuf_str(&sb) : "no step took any time");
	strbuf_free(&sb);
}

/* Each entry's "text", or none_text for an empty list. */
static void
text_list(struct text *t, const char *label, json_t *list,
    const char *none_text)
{
	json_t *v;
	size_t i;

	t->label = label;
	json_array_foreach(list, i, v)
		text_item(t, jsonget_or_q(jsonget_str(v, "text")));
	if (json_array_size(list) == 0)
		text_item(t, none_text);
}

/* "rto_ms = 4320000, steps_failed = 1" */
static void
add_values(struct strbuf *sb, json_t *values)
{
	const char *name, *sep = "";
	json_t *v;

	json_object_foreach(values, name, v) {
		strbuf_addf(sb, "%s%s = %s", sep, name,
		    jsonget_or_q(json_string_value(v)));
		sep = ", ";
	}
}

static void
text_criteria(struct text *t, json_t *card)
{
	const char *verdict;
	struct strbuf sb;
	json_t *c;
	size_t i;

	t->label = "Criteria";
	json_array_foreach(json_object_get(card, "criteria"), i, c) {
		verdict = jsonget_or_q(jsonget_str(c, "verdict"));
		strbuf_init(&sb);
		strbuf_addf(&sb, "%s: %s: %s", strcmp(verdict, "met") == 0 ?
		    "met" : strcmp(verdict, "not met") == 0 ? "NOT MET" :
		    "CANNOT EVALUATE", jsonget_or_q(jsonget_str(c, "name")),
		    jsonget_or_q(jsonget_str(c, "when")));
		if (jsonget_str(c, "why") != NULL)
			strbuf_addf(&sb, ": %s", jsonget_str(c, "why"));
		else if (json_object_size(json_object_get(c, "values")) > 0) {
			strbuf_adds(&sb, " (");
			add_values(&sb, json_object_get(c, "values"));
			strbuf_addch(&sb, ')');
		}
		text_item(t, strbuf_str(&sb));
		strbuf_free(&sb);
	}
	t->label = "Result";
	if (jsonget_int(card, "criteria_total", 0) == 0)
		text_item(t, "the drill sets no success criteria");
	else
		text_itemf(t, "%lld of %lld criteria met",
		    (long long)jsonget_int(card, "criteria_met", 0),
		    (long long)jsonget_int(card, "criteria_total", 0));
}

char *
scorecard_render_text(json_t *card, int width)
{
	struct text t;

	strbuf_init(&t.sb);
	t.avail = (size_t)(width < TEXT_MIN_WIDTH ? TEXT_MIN_WIDTH : width) -
	    TEXT_LABEL;
	text_head(&t, card);
	text_limit(&t, "Objective", json_object_get(card, "objective"));
	text_limit(&t, "Target", json_object_get(card, "target"));
	text_counts(&t, card);
	text_timing(&t, card);
	text_slowest(&t, card);
	text_list(&t, "Trouble", json_object_get(card, "trouble"),
	    "none: every step reached ended ok, first time");
	text_list(&t, "Deviations", json_object_get(card, "deviations"),
	    "none: the runbook was followed in order");
	if (json_array_size(json_object_get(card, "injects")) > 0)
		text_list(&t, "Injects", json_object_get(card, "injects"), "");
	text_criteria(&t, card);
	return strbuf_detach(&t.sb);
}
