/*
 * report_md.c: the postmortem in Markdown, rendered from the report model
 * (report.c) and nothing else. Whatever the journal holds is text here:
 * Markdown syntax is escaped, control characters and characters that act
 * unseen are shown, and code gets a fence longer than anything inside it.
 */
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


/* Modes that are not a real incident, and how the report flags them. */
static const struct {
	const char	*mode;
	const char	*tag;
	const char	*banner;
} report_modes[] = {
	{ "drill", "DRILL", "this was a drill, not a real incident." },
	{ "training", "TRAINING", "this was a training run, not a real "
	    "incident." },
	{ "dry-run", "DRY RUN", "nothing was executed: every step was "
	    "skipped." },
};

static const char *
mode_tag(const char *mode, const char **banner)
{
	for (size_t i = 0; i < sizeof report_modes / sizeof report_modes[0];
	    i++) {
		if (mode != NULL && strcmp(mode, report_modes[i].mode) == 0) {
			*banner = report_modes[i].banner;
			return report_modes[i].tag;
		}
	}
	return NULL;
}

static void
md_head(struct strbuf *sb, json_t *m)
{
	const char *tag = NULL, *t, *banner;
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(m, "modes"), i, v) {
		if (tag == NULL)
			tag = mode_tag(json_string_value(v), &banner);
	}
	strbuf_adds(sb, "# Postmortem: ");
	md_inline(sb, jsonget_str(m, "title") != NULL ?
	    jsonget_str(m, "title") : "untitled runbook");
	strbuf_addf(sb, "%s%s%s\n\n", tag ? " (" : "", tag ? tag : "",
	    tag ? ")" : "");
	strbuf_adds(sb, "Incident ");
	md_inline(sb, jsonget_str(m, "incident"));
	strbuf_adds(sb, "\n\n");
	json_array_foreach(json_object_get(m, "modes"), i, v) {
		if ((t = mode_tag(json_string_value(v), &banner)) != NULL)
			strbuf_addf(sb, "> **%s**: %s\n\n", t, banner);
	}
}

/* The plan's metadata the runbook carries (who executes it, how critical
 * the system is), on its own line when the runbook names it. */
static void
md_runbook_meta(struct strbuf *sb, json_t *rb, const char *key, const char *label)
{
	if (jsonget_str(rb, key) == NULL)
		return;
	strbuf_addf(sb, "\n- %s: ", label);
	md_inline(sb, jsonget_str(rb, key));
}

static void
md_runbook(struct strbuf *sb, json_t *m)
{
	json_t *rb = json_object_get(m, "runbook"), *v;
	const char *name, *sep = "";
	size_t i;

	strbuf_adds(sb, "- Runbook: ");
	md_inline(sb, jsonget_str(rb, "id"));
	if (jsonget_str(rb, "scenario") != NULL) {
		strbuf_adds(sb, ", scenario ");
		md_inline(sb, jsonget_str(rb, "scenario"));
	}
	md_runbook_meta(sb, rb, "executor", "Executor");
	md_runbook_meta(sb, rb, "classification", "Classification");
	strbuf_adds(sb, "\n- Runbook file: ");
	md_inline(sb, jsonget_str(rb, "path"));
	strbuf_adds(sb, ", sha256 ");
	md_inline(sb, jsonget_str(rb, "sha256"));
	strbuf_adds(sb, "\n- Mode: ");
	json_array_foreach(json_object_get(m, "modes"), i, v) {
		strbuf_adds(sb, i > 0 ? ", " : "");
		md_inline(sb, json_string_value(v));
	}
	if (json_array_size(json_object_get(m, "modes")) == 0)
		strbuf_adds(sb, "unknown");
	strbuf_adds(sb, "\n- Host: ");
	md_inline(sb, jsonget_str(m, "host"));
	strbuf_adds(sb, ", drconsole ");
	md_inline(sb, jsonget_str(m, "version"));
	strbuf_addch(sb, '\n');
	if (json_object_size(json_object_get(m, "params")) == 0)
		return;
	strbuf_adds(sb, "- Parameters: ");
	json_object_foreach(json_object_get(m, "params"), name, v) {
		strbuf_adds(sb, sep);
		md_inline(sb, name);
		strbuf_adds(sb, " = ");
		md_inline(sb, json_is_string(v) ? json_string_value(v) :
		    json_is_null(v) ? "(not set)" : "(not a string)");
		sep = ", ";
	}
	strbuf_addch(sb, '\n');
}

static void
md_people(struct strbuf *sb, json_t *m)
{
	json_t *v;
	size_t i;

	strbuf_adds(sb, "- Operators: ");
	json_array_foreach(json_object_get(m, "operators"), i, v) {
		strbuf_adds(sb, i > 0 ? ", " : "");
		md_inline(sb, json_string_value(v));
	}
	if (json_array_size(json_object_get(m, "operators")) == 0)
		strbuf_adds(sb, "none recorded");
	strbuf_adds(sb, "\n- Handoffs: ");
	json_array_foreach(json_object_get(m, "handoffs"), i, v) {
		strbuf_adds(sb, i > 0 ? "; " : "");
		md_inline(sb, jsonget_str(v, "from"));
		strbuf_adds(sb, " to ");
		md_inline(sb, jsonget_str(v, "to"));
		strbuf_adds(sb, " at ");
		md_inline(sb, jsonget_str(v, "ts"));
	}
	if (json_array_size(json_object_get(m, "handoffs")) == 0)
		strbuf_adds(sb, "none");
	strbuf_addch(sb, '\n');
}

static void
md_times(struct strbuf *sb, json_t *m)
{
	char d[MD_DUR_LEN];

	md_item(sb, "Started", jsonget_str(m, "started") ?
	    jsonget_str(m, "started") : "no run.start in the journal");
	duration_format_abs(jsonget_int(m, "elapsed_ms", 0), d, sizeof d);
	if (jsonget_str(m, "started") == NULL)
		strbuf_adds(sb, "- Ended: unknown\n- Time to recovery: unknown\n");
	else if (json_is_true(json_object_get(m, "still_open"))) {
		strbuf_adds(sb, "- Ended: still open\n");
		strbuf_addf(sb, "- Time to recovery: still open (%s so far)\n",
		    d);
	} else {
		strbuf_adds(sb, "- Ended: ");
		md_inline(sb, jsonget_str(m, "ended"));
		strbuf_adds(sb, ", ");
		md_inline(sb, jsonget_str(m, "outcome"));
		strbuf_addf(sb, "\n- Time to recovery: %s\n", d);
	}
	/* The objectives and the data lost: Impact (report_md_sections.c). */
	if (jsonget_int(m, "runs", 0) > 1 || jsonget_int(m, "resumes", 0) > 0)
		strbuf_addf(sb, "- Runs: %lld started, %lld resumed%s\n",
		    (long long)jsonget_int(m, "runs", 0),
		    (long long)jsonget_int(m, "resumes", 0),
		    json_is_true(json_object_get(m, "runbook_changed")) ?
		    "; **the runbook changed between runs**" : "");
}

/* "**BROKEN at line N**: what" or "intact (...)", for summary and end. */
static void
md_journal_state(struct strbuf *sb, json_t *v)
{
	if (strcmp(jsonget_or_q(jsonget_str(v, "status")), "intact") == 0 &&
	    !json_is_false(json_object_get(v, "output_files_reread"))) {
		strbuf_addf(sb, "intact (%lld lines, %lld output files)",
		    (long long)jsonget_int(v, "lines", 0),
		    (long long)jsonget_int(v, "output_files", 0));
		return;
	}
	if (strcmp(jsonget_or_q(jsonget_str(v, "status")), "intact") == 0) {
		int64_t n = jsonget_int(v, "output_files", 0);

		strbuf_addf(sb, "intact (%lld lines; %lld output file%s hashed as the run wrote %s, not reread: "
		    "`drconsole verify` rereads %s)", (long long)jsonget_int(v, "lines", 0), (long long)n,
		    n == 1 ? "" : "s", n == 1 ? "it" : "them", n == 1 ? "it" : "them");
		return;
	}
	strbuf_addf(sb, "**BROKEN at line %lld**: ",
	    (long long)jsonget_int(v, "bad_line", 0));
	md_inline(sb, jsonget_str(v, "what"));
}

static void
md_summary(struct strbuf *sb, json_t *m)
{
	json_t *v = json_object_get(m, "verification");

	strbuf_adds(sb, "## Summary\n\n");
	md_runbook(sb, m);
	md_people(sb, m);
	md_times(sb, m);
	if (json_is_integer(json_object_get(m, "steps_not_reached")))
		strbuf_addf(sb, "- Steps never reached: %lld\n",
		    (long long)jsonget_int(m, "steps_not_reached", 0));
	if (jsonget_int(m, "notes_waiting", 0) > 0)
		strbuf_addf(sb, "- Notes waiting in the inbox, not yet "
		    "journaled: %lld\n",
		    (long long)jsonget_int(m, "notes_waiting", 0));
	strbuf_adds(sb, "- Journal: ");
	md_journal_state(sb, v);
	strbuf_adds(sb, "\n- Final chain hash: ");
	md_inline(sb, jsonget_str(v, "final_hash") ?
	    jsonget_str(v, "final_hash") : "none");
	strbuf_adds(sb, "\n\n");
}

static void
md_steps(struct strbuf *sb, json_t *m)
{
	json_t *s;
	char d[MD_DUR_LEN];
	size_t i;

	strbuf_adds(sb, "## Steps\n\n");
	if (json_array_size(json_object_get(m, "steps")) == 0) {
		strbuf_adds(sb, "No step was reached.\n\n");
		return;
	}
	strbuf_adds(sb, "| # | step | status | attempts | duration | reason |\n"
	    "| ---: | --- | --- | ---: | ---: | --- |\n");
	json_array_foreach(json_object_get(m, "steps"), i, s) {
		if (jsonget_int(s, "index", 0) > 0)
			strbuf_addf(sb, "| %lld | ",
			    (long long)jsonget_int(s, "index", 0));
		else
			strbuf_adds(sb, "| | ");
		md_inline(sb, jsonget_str(s, "id"));
		strbuf_adds(sb, " | ");
		md_inline(sb, jsonget_str(s, "status"));
		if (jsonget_int(s, "attempts", 0) > 0)
			strbuf_addf(sb, " | %lld | ",
			    (long long)jsonget_int(s, "attempts", 0));
		else
			strbuf_adds(sb, " | - | ");
		duration_format_abs(jsonget_int(s, "duration_ms", 0), d, sizeof d);
		strbuf_adds(sb,
		    jsonget_int(s, "duration_ms", -1) >= 0 ? d : "-");
		/* The last attempt's, and every attempt's when they differ. */
		if (jsonget_int(s, "total_ms", 0) > jsonget_int(s, "duration_ms", 0)) {
			duration_format_abs(jsonget_int(s, "total_ms", 0), d, sizeof d);
			strbuf_addf(sb, " (%s in all)", d);
		}
		strbuf_adds(sb, " | ");
		if (jsonget_str(s, "reason") != NULL)
			md_inline(sb, jsonget_str(s, "reason"));
		strbuf_adds(sb, " |\n");
	}
	strbuf_addch(sb, '\n');
}

/* Each attempt's output file: a retry may start a new one. */
static void
md_outputs(struct strbuf *sb, json_t *outputs)
{
	json_t *o;
	size_t i;

	json_array_foreach(outputs, i, o) {
		strbuf_adds(sb, i == 0 ? "- Output: " : "; ");
		md_inline(sb, jsonget_str(o, "path"));
		strbuf_adds(sb, " (");
		if (jsonget_int(o, "attempt", 0) > 0)
			strbuf_addf(sb, "attempt %lld, ",
			    (long long)jsonget_int(o, "attempt", 0));
		strbuf_addf(sb, "%lld line%s)",
		    (long long)jsonget_int(o, "lines", 0),
		    jsonget_int(o, "lines", 0) == 1 ? "" : "s");
	}
	if (json_array_size(outputs) > 0)
		strbuf_addch(sb, '\n');
}

/* A failed step's on_failure handler as it last ran (report.c's
 * on_failure): how it ended, its command and its output. */
static void
md_on_failure(struct strbuf *sb, json_t *h)
{
	char d[MD_DUR_LEN];

	if (!json_is_object(h))
		return;
	strbuf_adds(sb, "- On-failure handler: ");
	md_inline(sb, jsonget_str(h, "status"));
	if (jsonget_str(h, "exit") != NULL) {
		strbuf_adds(sb, ", ");
		md_inline(sb, jsonget_str(h, "exit"));
	}
	if (jsonget_int(h, "duration_ms", -1) >= 0) {
		duration_format_abs(jsonget_int(h, "duration_ms", 0), d, sizeof d);
		strbuf_addf(sb, ", in %s", d);
	}
	if (jsonget_int(h, "runs", 1) > 1)
		strbuf_addf(sb, " (its run %lld)", (long long)jsonget_int(h, "runs", 1));
	if (jsonget_str(h, "reason") != NULL) {
		strbuf_adds(sb, ": ");
		md_inline(sb, jsonget_str(h, "reason"));
	}
	strbuf_addch(sb, '\n');
	if (jsonget_str(h, "command") != NULL) {
		strbuf_adds(sb, "- On-failure command:");
		md_command(sb, 2, jsonget_str(h, "command"));
	}
	if (jsonget_str(h, "output") != NULL)
		md_item(sb, "On-failure output", jsonget_str(h, "output"));
}

/* The details of one step that did not end well. */
static void
md_problem(struct strbuf *sb, json_t *s)
{
	char d[MD_DUR_LEN];
	json_t *v;
	size_t i;

	strbuf_adds(sb, "#### ");
	if (jsonget_int(s, "index", 0) > 0)
		strbuf_addf(sb, "%lld. ",
		    (long long)jsonget_int(s, "index", 0));
	md_inline(sb, jsonget_str(s, "id"));
	strbuf_adds(sb, ": ");
	md_inline(sb, jsonget_str(s, "status"));
	strbuf_adds(sb, "\n\n");
	if (jsonget_str(s, "reason") != NULL)
		md_item(sb, "Reason", jsonget_str(s, "reason"));
	if (jsonget_str(s, "exit") != NULL)
		md_item(sb, "Exit", jsonget_str(s, "exit"));
	if (jsonget_str(s, "command") != NULL) {
		strbuf_adds(sb, "- Command:");
		md_command(sb, 2, jsonget_str(s, "command"));
	}
	json_array_foreach(json_object_get(s, "retries"), i, v) {
		duration_format_abs(jsonget_int(v, "delay_ms", 0), d, sizeof d);
		strbuf_addf(sb, "- Retried as attempt %lld of %lld after %s: ",
		    (long long)jsonget_int(v, "next_attempt", 0),
		    (long long)jsonget_int(v, "of", 0), d);
		md_inline(sb, jsonget_str(v, "reason"));
		strbuf_addch(sb, '\n');
	}
	md_outputs(sb, json_object_get(s, "outputs"));
	md_on_failure(sb, json_object_get(s, "on_failure"));
	if (jsonget_str(s, "rollback") != NULL)
		md_item(sb, "Rollback", jsonget_str(s, "rollback"));
	json_array_foreach(json_object_get(s, "decisions"), i, v) {
		strbuf_adds(sb, "- Decision at ");
		md_time(sb, jsonget_str(v, "ts"));
		strbuf_adds(sb, " by ");
		md_inline(sb, jsonget_str(v, "operator"));
		strbuf_adds(sb, ": ");
		md_inline(sb, jsonget_str(v, "decision"));
		strbuf_addch(sb, '\n');
	}
	if (jsonget_str(s, "note") != NULL) {
		strbuf_adds(sb, "- Note:\n");
		md_quote(sb, 2, jsonget_str(s, "note"));
	}
	strbuf_addch(sb, '\n');
}

static int
step_went_wrong(json_t *s)
{
	const char *status = jsonget_or_q(jsonget_str(s, "status"));

	return strcmp(status, "ok") != 0 && strcmp(status, "pending") != 0;
}

static void
md_problems(struct strbuf *sb, json_t *m)
{
	json_t *s, *d;
	size_t i;
	int n = 0, other = 0;

	strbuf_adds(sb, "### Failed and skipped steps\n\n");
	json_array_foreach(json_object_get(m, "steps"), i, s) {
		if (step_went_wrong(s)) {
			md_problem(sb, s);
			n++;
		}
	}
	if (n == 0)
		strbuf_adds(sb, "None: every step reached ended ok.\n\n");
	json_array_foreach(json_object_get(m, "decisions"), i, d) {
		if (jsonget_str(d, "step") != NULL)
			continue;
		if (other++ == 0)
			strbuf_adds(sb, "### Decisions about the run\n\n");
		strbuf_adds(sb, "- ");
		md_time(sb, jsonget_str(d, "ts"));
		strbuf_adds(sb, " ");
		md_inline(sb, jsonget_str(d, "operator"));
		strbuf_adds(sb, ": ");
		md_inline(sb, jsonget_str(d, "decision"));
		strbuf_addch(sb, '\n');
	}
	if (other > 0)
		strbuf_addch(sb, '\n');
}

static void
md_rollbacks(struct strbuf *sb, json_t *m)
{
	char d[MD_DUR_LEN];
	json_t *r;
	size_t i;

	strbuf_adds(sb, "### Rollbacks\n\n");
	if (json_array_size(json_object_get(m, "rollbacks")) == 0)
		strbuf_adds(sb, "None.\n");
	json_array_foreach(json_object_get(m, "rollbacks"), i, r) {
		strbuf_adds(sb, "- ");
		if (jsonget_int(r, "index", 0) > 0)
			strbuf_addf(sb, "%lld. ",
			    (long long)jsonget_int(r, "index", 0));
		md_inline(sb, jsonget_str(r, "step"));
		strbuf_adds(sb, ": ");
		md_inline(sb, jsonget_str(r, "status"));
		if (jsonget_str(r, "exit") != NULL ||
		    jsonget_int(r, "duration_ms", -1) >= 0) {
			duration_format_abs(jsonget_int(r, "duration_ms", 0), d, sizeof d);
			strbuf_adds(sb, " (");
			md_inline(sb, jsonget_str(r, "exit") ?
			    jsonget_str(r, "exit") : "");
			strbuf_addf(sb, "%s%s)",
			    jsonget_str(r, "exit") ? ", " : "", d);
		}
		strbuf_adds(sb, ", started ");
		md_inline(sb, jsonget_str(r, "started"));
		if (jsonget_str(r, "output") != NULL) {
			strbuf_adds(sb, ", output ");
			md_inline(sb, jsonget_str(r, "output"));
		}
		if (jsonget_str(r, "command") != NULL) {
			strbuf_addch(sb, ':');
			md_command(sb, 2, jsonget_str(r, "command"));
		} else
			strbuf_addch(sb, '\n');
	}
	strbuf_addch(sb, '\n');
}

static void
md_entry(struct strbuf *sb, json_t *e)
{
	strbuf_adds(sb, "- ");
	md_time(sb, jsonget_str(e, "ts"));
	strbuf_adds(sb, " ");
	md_inline(sb, jsonget_str(e, "operator") ?
	    jsonget_str(e, "operator") : "-");
	strbuf_adds(sb, " ");
	md_inline(sb, jsonget_str(e, "event"));
	if (jsonget_str(e, "summary") != NULL &&
	    *jsonget_str(e, "summary") != '\0') {
		strbuf_adds(sb, ": ");
		md_inline(sb, jsonget_str(e, "summary"));
	}
	if (jsonget_str(e, "command") != NULL) {
		strbuf_adds(sb, ": ");
		md_command_short(sb, jsonget_str(e, "command"));
	}
	strbuf_addch(sb, '\n');
	if (jsonget_str(e, "text") != NULL)
		md_quote(sb, 2, jsonget_str(e, "text"));
}

/* Every line, under a heading per UTC day. */
static void
md_timeline(struct strbuf *sb, json_t *m)
{
	char day[11] = "", *d;
	const char *ts;
	json_t *e;
	size_t i;

	strbuf_adds(sb, "## Response timeline (UTC)\n");
	json_array_foreach(json_object_get(m, "timeline"), i, e) {
		ts = jsonget_str(e, "ts");
		d = ts != NULL && strlen(ts) >= 10 ? xstrndup(ts, 10) :
		    xstrdup("unknown date");
		if (strncmp(day, d, sizeof day - 1) != 0) {
			strbuf_adds(sb, "\n### ");
			md_inline(sb, d);
			strbuf_adds(sb, "\n\n");
			snprintf(day, sizeof day, "%s", d);
		}
		free(d);
		md_entry(sb, e);
	}
	strbuf_addch(sb, '\n');
}

/* The head as journal.head held it when this was written: kept with the
 * postmortem, it is what `drconsole verify --head` checks a journal by. */
static void
md_chain_head(struct strbuf *sb, json_t *head)
{
	if (!json_is_object(head)) {
		strbuf_adds(sb, "- Head: none (no journal.head beside the journal)\n");
		return;
	}
	strbuf_addf(sb, "- Head: line %lld, hash ", (long long)jsonget_int(head, "seq", 0));
	md_inline(sb, jsonget_str(head, "hash"));
	if (jsonget_str(head, "mac") != NULL) {
		strbuf_adds(sb, ", HMAC ");
		md_inline(sb, jsonget_str(head, "mac"));
	}
	strbuf_adds(sb, " (`drconsole verify --head HASH` checks the journal against it)\n");
}

static void
md_verification(struct strbuf *sb, json_t *m)
{
	json_t *v = json_object_get(m, "verification");
	int verified = json_is_true(json_object_get(v, "final_hash_verified"));

	strbuf_adds(sb, "## Verification\n\n- Journal: ");
	md_journal_state(sb, v);
	strbuf_addf(sb, "\n- %s: ", verified ? "Final chain hash" :
	    "Last recorded hash (not verified)");
	md_inline(sb, jsonget_str(v, "final_hash") ?
	    jsonget_str(v, "final_hash") : "none");
	strbuf_addch(sb, '\n');
	md_chain_head(sb, json_object_get(v, "head"));
	if (json_is_true(json_object_get(v, "torn_tail")))
		strbuf_adds(sb, "- A torn last line (a crash mid-write) was "
		    "left out.\n");
	strbuf_adds(sb, "\nA journal cut short after this report was written "
	    "ends in a different hash: `drconsole verify` on the incident "
	    "directory must print the same final hash.\n\nGenerated ");
	md_inline(sb, jsonget_str(m, "generated"));
	strbuf_adds(sb, " from journal.jsonl.\n");
}

char *
report_md_render(json_t *m)
{
	struct strbuf sb;

	strbuf_init(&sb);
	md_head(&sb, m);
	md_summary(&sb, m);
	md_impact(&sb, m);
	if (json_is_object(json_object_get(m, "scorecard")))
		md_scorecard(&sb, json_object_get(m, "scorecard"));
	md_detection(&sb, m);
	md_timeline(&sb, m);
	md_root_cause(&sb, m);
	md_went_well(&sb, m);
	/* What went badly: the team's words, then the facts. */
	md_went_badly(&sb, m);
	md_problems(&sb, m);
	md_rollbacks(&sb, m);
	md_actions(&sb, m);
	md_lessons(&sb, m);
	md_steps(&sb, m);
	md_verification(&sb, m);
	return strbuf_detach(&sb);
}

