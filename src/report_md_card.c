/* report_md_card.c: a drill's scorecard (scorecard.c's facts) in the
 * Markdown postmortem. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "jsonget.h"
#include "report.h"
#include "report_md_int.h"
#include "strbuf.h"
#include "xmalloc.h"

/* --- the drill scorecard --- */

/* "Objective 4h: met: 1h12m, 2h48m to spare" */
static void
md_limit(struct strbuf *sb, const char *label, json_t *v)
{
	const char *verdict = jsonget_or_q(jsonget_str(v, "verdict"));
	char limit[MD_DUR_LEN];

	strbuf_addf(sb, "- %s", label);
	if (jsonget_int(v, "limit_ms", 0) > 0) {
		duration_format_abs(jsonget_int(v, "limit_ms", 0), limit, sizeof limit);
		strbuf_addf(sb, " %s", limit);
	}
	strbuf_adds(sb, ": ");
	if (strcmp(verdict, "not met") == 0)
		strbuf_adds(sb, "**");
	md_inline(sb, jsonget_str(v, "text"));
	strbuf_adds(sb, strcmp(verdict, "not met") == 0 ? "**\n" : "\n");
}

static void
md_card_counts(struct strbuf *sb, json_t *card)
{
	static const char *keys[][2] = {
		{ "steps_failed", "failed" }, { "steps_skipped", "skipped" },
		{ "steps_skipped_planned", "skipped as planned" },
		{ "steps_retried", "retried" },
		{ "steps_rolled_back", "rolled back" },
	};
	json_t *counts = json_object_get(card, "counts"), *s;
	const char *sep = ": ";
	char took[MD_DUR_LEN];
	size_t i;

	strbuf_addf(sb, "- Steps: %lld reached",
	    (long long)jsonget_int(counts, "steps", 0));
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (jsonget_int(counts, keys[i][0], 0) > 0) {
			strbuf_addf(sb, "%s%lld %s", sep,
			    (long long)jsonget_int(counts, keys[i][0], 0),
			    keys[i][1]);
			sep = ", ";
		}
	}
	strbuf_addch(sb, '\n');
	json_array_foreach(json_object_get(card, "slowest"), i, s) {
		duration_format_abs(jsonget_int(s, "duration_ms", 0), took, sizeof took);
		strbuf_adds(sb, i == 0 ? "- Slowest: " : ", ");
		strbuf_addf(sb, "%lld. ",
		    (long long)jsonget_int(s, "index", 0));
		md_inline(sb, jsonget_str(s, "id"));
		strbuf_addf(sb, " (%s)", took);
	}
	if (json_array_size(json_object_get(card, "slowest")) > 0)
		strbuf_addch(sb, '\n');
}

static void
md_card_head(struct strbuf *sb, json_t *card)
{
	char took[MD_DUR_LEN];

	strbuf_adds(sb, "## Drill scorecard\n\n");
	if (jsonget_str(card, "environment") != NULL)
		md_item(sb, "Environment", jsonget_str(card, "environment"));
	duration_format_abs(jsonget_int(card, "elapsed_ms", 0), took, sizeof took);
	if (!json_is_integer(json_object_get(card, "elapsed_ms")))
		strbuf_adds(sb, "- RTO achieved: unknown (no run.start)\n");
	else if (json_is_true(json_object_get(card, "still_open")))
		strbuf_addf(sb, "- RTO achieved: not yet, still running after "
		    "%s\n", took);
	else {
		strbuf_addf(sb, "- RTO achieved: %s, ", took);
		md_inline(sb, jsonget_str(card, "outcome"));
		strbuf_addch(sb, '\n');
	}
	md_limit(sb, "Objective", json_object_get(card, "objective"));
	md_limit(sb, "Drill target", json_object_get(card, "target"));
	md_card_counts(sb, card);
	strbuf_addch(sb, '\n');
}

/* A duration cell, "-" without one. */
static void
md_dur_cell(struct strbuf *sb, json_t *v, const char *key)
{
	char d[MD_DUR_LEN];

	duration_format_abs(jsonget_int(v, key, 0), d, sizeof d);
	strbuf_adds(sb, json_is_integer(json_object_get(v, key)) ? d : "-");
	strbuf_adds(sb, " | ");
}

static void
md_card_times(struct strbuf *sb, json_t *card)
{
	const char *timing;
	char over[MD_DUR_LEN];
	json_t *s;
	size_t i;

	strbuf_adds(sb, "### Step times against expectations\n\n");
	if (json_array_size(json_object_get(card, "steps")) == 0) {
		strbuf_adds(sb, "No step was reached.\n\n");
		return;
	}
	strbuf_adds(sb, "| # | step | status | took | expected | over/under |\n"
	    "| ---: | --- | --- | ---: | ---: | --- |\n");
	json_array_foreach(json_object_get(card, "steps"), i, s) {
		strbuf_addf(sb, "| %lld | ",
		    (long long)jsonget_int(s, "index", 0));
		md_inline(sb, jsonget_str(s, "id"));
		strbuf_adds(sb, " | ");
		md_inline(sb, jsonget_str(s, "status"));
		strbuf_adds(sb, " | ");
		md_dur_cell(sb, s, "total_ms");
		md_dur_cell(sb, s, "expected_ms");
		timing = jsonget_str(s, "timing");
		duration_format_abs(jsonget_int(s, "over_ms", 0), over, sizeof over);
		if (timing != NULL && strcmp(timing, "on time") != 0)
			strbuf_addf(sb, "%s%s %s%s", strcmp(timing, "over") == 0 ?
			    "**" : "", over, timing, strcmp(timing, "over") == 0 ?
			    "**" : "");
		else if (timing != NULL)
			strbuf_adds(sb, timing);
		strbuf_adds(sb, " |\n");
	}
	strbuf_addch(sb, '\n');
}

/* A list of the entries' "text", or none_text. */
static void
md_card_list(struct strbuf *sb, const char *heading, json_t *list,
    const char *none_text)
{
	json_t *v;
	size_t i;

	strbuf_addf(sb, "### %s\n\n", heading);
	json_array_foreach(list, i, v) {
		strbuf_adds(sb, "- ");
		if (jsonget_str(v, "kind") != NULL) {
			strbuf_adds(sb, "**");
			md_inline(sb, jsonget_str(v, "kind"));
			strbuf_adds(sb, "**: ");
			md_inline(sb, jsonget_str(v, "text"));
		} else	/* "2. restore" must not start a numbered list */
			md_quote_line(sb, jsonget_or_q(jsonget_str(v, "text")));
		strbuf_addch(sb, '\n');
	}
	strbuf_adds(sb, json_array_size(list) == 0 ? none_text : "");
	strbuf_addch(sb, '\n');
}

/* The detail cell: why it cannot be evaluated, or the values it read. */
static void
md_criterion_detail(struct strbuf *sb, json_t *c)
{
	const char *name, *sep = "";
	json_t *v;

	if (jsonget_str(c, "why") != NULL) {
		md_inline(sb, jsonget_str(c, "why"));
		return;
	}
	json_object_foreach(json_object_get(c, "values"), name, v) {
		strbuf_adds(sb, sep);
		md_inline(sb, name);
		strbuf_adds(sb, " = ");
		md_inline(sb, json_string_value(v));
		sep = ", ";
	}
}

static void
md_card_criteria(struct strbuf *sb, json_t *card)
{
	const char *verdict;
	json_t *c;
	size_t i;

	strbuf_adds(sb, "### Success criteria\n\n");
	if (jsonget_int(card, "criteria_total", 0) == 0) {
		strbuf_adds(sb, "The drill sets no success criteria.\n\n");
		return;
	}
	strbuf_adds(sb, "| criterion | expression | result | detail |\n"
	    "| --- | --- | --- | --- |\n");
	json_array_foreach(json_object_get(card, "criteria"), i, c) {
		verdict = jsonget_or_q(jsonget_str(c, "verdict"));
		strbuf_adds(sb, "| ");
		md_inline(sb, jsonget_str(c, "name"));
		strbuf_adds(sb, " | ");
		md_inline(sb, jsonget_str(c, "when"));
		strbuf_addf(sb, strcmp(verdict, "met") == 0 ? " | %s | " :
		    " | **%s** | ", verdict);
		md_criterion_detail(sb, c);
		strbuf_adds(sb, " |\n");
	}
	strbuf_addf(sb, "\n%lld of %lld criteria met.\n\n",
	    (long long)jsonget_int(card, "criteria_met", 0),
	    (long long)jsonget_int(card, "criteria_total", 0));
}

void
md_scorecard(struct strbuf *sb, json_t *card)
{
	md_card_head(sb, card);
	md_card_times(sb, card);
	md_card_list(sb, "What went wrong", json_object_get(card, "trouble"),
	    "Nothing: every step reached ended ok, first time.\n");
	md_card_list(sb, "Deviations from the runbook",
	    json_object_get(card, "deviations"),
	    "None: the runbook was followed in order.\n");
	if (json_array_size(json_object_get(card, "injects")) > 0)
		md_card_list(sb, "Injects and the team's response",
		    json_object_get(card, "injects"), "");
	md_card_criteria(sb, card);
}

