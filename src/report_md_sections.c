/*
 * report_md_sections.c: the sections an SRE postmortem has (the Google
 * SRE book's, PagerDuty's template), from the report model: Impact,
 * Detection, Root cause, What went well, What went badly, Action items,
 * Lessons. The journal fills what it knows; notes the team tagged during
 * the run ("root-cause: ...", "action: ...", "detection:", "went-well:",
 * "went-badly:", "lesson:") fill their sections, actions as a checklist;
 * a section nothing filled says what to write there.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "jsonget.h"
#include "report_md_int.h"
#include "strbuf.h"

/* Appends each note tagged tag as "- BODY (operator, time)", or with
 * checkbox "- [ ] BODY ..."; the number written. */
static int
tagged_notes(struct strbuf *sb, json_t *m, const char *tag, int checkbox)
{
	json_t *n;
	size_t i;
	int count = 0;

	json_array_foreach(json_object_get(m, "notes"), i, n) {
		if (strcmp(jsonget_or_q(jsonget_str(n, "tag")), tag) != 0)
			continue;
		strbuf_adds(sb, checkbox ? "- [ ] " : "- ");
		md_inline(sb, jsonget_str(n, "body"));
		strbuf_adds(sb, " (");
		md_inline(sb, jsonget_str(n, "operator") ? jsonget_str(n, "operator") : "-");
		strbuf_adds(sb, ", ");
		md_time(sb, jsonget_str(n, "ts"));
		strbuf_adds(sb, ")\n");
		count++;
	}
	return count;
}

static void
to_fill_in(struct strbuf *sb, const char *what, const char *tag)
{
	const char *s = strbuf_str(sb);
	size_t n = strlen(s);

	/* A paragraph of its own, not the last list item's continuation. */
	if (n >= 2 && !(s[n - 1] == '\n' && s[n - 2] == '\n'))
		strbuf_addch(sb, '\n');
	strbuf_addf(sb, "_To fill in: %s. A note `%s: ...` during the run fills this._\n", what, tag);
}

void
md_impact(struct strbuf *sb, json_t *m)
{
	json_t *loss = json_object_get(m, "data_loss"), *s;
	int64_t counts[5] = { 0 };
	char d[MD_DUR_LEN];
	size_t i;

	strbuf_adds(sb, "## Impact\n\n- Duration: ");
	duration_format_abs(jsonget_int(m, "elapsed_ms", 0), d, sizeof d);
	if (!json_is_integer(json_object_get(m, "elapsed_ms")))
		strbuf_adds(sb, "unknown (no run.start in the journal)");
	else if (json_is_true(json_object_get(m, "still_open")))
		strbuf_addf(sb, "still open after %s", d);
	else
		strbuf_adds(sb, d);
	strbuf_adds(sb, "\n- ");
	md_inline(sb, jsonget_str(json_object_get(m, "rto"), "text"));
	strbuf_adds(sb, "\n- ");
	md_inline(sb, jsonget_str(loss, "text"));
	strbuf_adds(sb, "\n- Data-loss window: ");
	if (jsonget_int(loss, "window_ms", -1) >= 0) {
		duration_format_abs(jsonget_int(loss, "window_ms", 0), d, sizeof d);
		strbuf_adds(sb, d);
		strbuf_addch(sb, '\n');
		if (jsonget_str(loss, "source") != NULL)
			md_item(sb, "Data loss window from", jsonget_str(loss, "source"));
		strbuf_adds(sb, "- Steps: ");
	} else
		strbuf_adds(sb, "not recorded (a `data_loss_minutes` param, capture or note records it)"
		    "\n- Steps: ");
	json_array_foreach(json_object_get(m, "steps"), i, s) {
		const char *st = jsonget_or_q(jsonget_str(s, "status"));

		counts[strcmp(st, "ok") == 0 ? 0 : strcmp(st, "skipped") == 0 ? 2 :
		    strcmp(st, "interrupted") == 0 ? 3 : strcmp(st, "rolled_back") == 0 ? 4 : 1]++;
	}
	strbuf_addf(sb, "%lld ok, %lld failed, %lld skipped, %lld never ended", (long long)counts[0],
	    (long long)counts[1], (long long)counts[2], (long long)counts[3]);
	if (counts[4] > 0)
		strbuf_addf(sb, ", %lld rolled back", (long long)counts[4]);
	strbuf_adds(sb, "\n\n");
}

void
md_detection(struct strbuf *sb, json_t *m)
{
	json_t *ops = json_object_get(m, "operators");

	strbuf_adds(sb, "## Detection\n\n");
	if (jsonget_str(m, "started") != NULL) {
		strbuf_adds(sb, "- The response began ");
		md_inline(sb, jsonget_str(m, "started"));
		strbuf_adds(sb, ", run by ");
		md_inline(sb, json_array_size(ops) > 0 ? json_string_value(json_array_get(ops, 0)) :
		    "an operator not recorded");
		strbuf_adds(sb, "\n");
	}
	if (tagged_notes(sb, m, "detection", 0) == 0)
		to_fill_in(sb, "how the problem was noticed (an alert, a customer, a check) and how long "
		    "after it began", "detection");
	strbuf_addch(sb, '\n');
}

void
md_root_cause(struct strbuf *sb, json_t *m)
{
	strbuf_adds(sb, "## Root cause\n\n");
	if (tagged_notes(sb, m, "root-cause", 0) == 0)
		to_fill_in(sb, "what caused the incident, and why it was possible", "root-cause");
	strbuf_addch(sb, '\n');
}

/* What the journal shows went well: steps that worked first time, the
 * objectives met. */
void
md_went_well(struct strbuf *sb, json_t *m)
{
	int64_t first = 0, reached = (int64_t)json_array_size(json_object_get(m, "steps"));
	int facts = 0;
	json_t *s;
	size_t i;

	strbuf_adds(sb, "## What went well\n\n");
	json_array_foreach(json_object_get(m, "steps"), i, s)
		first += strcmp(jsonget_or_q(jsonget_str(s, "status")), "ok") == 0 &&
		    jsonget_int(s, "attempts", 0) <= 1;
	if (first > 0) {
		strbuf_addf(sb, "- %lld of %lld steps reached ended ok at their first attempt\n",
		    (long long)first, (long long)reached);
		facts++;
	}
	if (strcmp(jsonget_or_q(jsonget_str(json_object_get(m, "rto"), "verdict")), "met") == 0) {
		strbuf_adds(sb, "- The RTO was met\n");
		facts++;
	}
	if (strcmp(jsonget_or_q(jsonget_str(json_object_get(m, "data_loss"), "verdict")), "met") == 0) {
		strbuf_adds(sb, "- The RPO was met\n");
		facts++;
	}
	if (tagged_notes(sb, m, "went-well", 0) == 0)
		to_fill_in(sb, facts > 0 ? "what else helped: people, tools, the runbook" :
		    "what helped: people, tools, the runbook", "went-well");
	strbuf_addch(sb, '\n');
}

void
md_went_badly(struct strbuf *sb, json_t *m)
{
	strbuf_adds(sb, "## What went badly\n\n");
	if (tagged_notes(sb, m, "went-badly", 0) == 0)
		to_fill_in(sb, "what hurt beyond the steps below: confusion, missing access, a wrong runbook",
		    "went-badly");
	strbuf_addch(sb, '\n');
}

void
md_actions(struct strbuf *sb, json_t *m)
{
	strbuf_adds(sb, "## Action items\n\n");
	if (tagged_notes(sb, m, "action", 1) == 0)
		to_fill_in(sb, "what to change so this goes better next time, each with an owner", "action");
	strbuf_addch(sb, '\n');
}

void
md_lessons(struct strbuf *sb, json_t *m)
{
	strbuf_adds(sb, "## Lessons\n\n");
	if (tagged_notes(sb, m, "lesson", 0) == 0)
		to_fill_in(sb, "what the team learned, for the next people on call", "lesson");
	strbuf_addch(sb, '\n');
}
