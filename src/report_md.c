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
#include "strbuf.h"
#include "xmalloc.h"

#define DUR_LEN 32

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

static void
dur(int64_t ms, char buf[DUR_LEN])
{
	if (ms == 0)
		snprintf(buf, DUR_LEN, "0s");
	else
		duration_format(ms < 0 ? -ms : ms, buf, DUR_LEN);
}

/* 1 if byte p of text would start Markdown syntax where it stands. */
static int
md_special(const unsigned char *p, const unsigned char *start)
{
	switch (*p) {
	case '\\': case '`': case '*': case '[': case '<': case '~': case '|':
	case '$':
		return 1;
	case '&':
		return isalnum(p[1]) || p[1] == '#';
	case '_':
		/* Inside a word an underscore is text: restore_db stays. */
		return p == start || !isalnum(p[-1]) || !isalnum(p[1]);
	}
	return 0;
}

size_t
report_hidden_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
	    (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
		return 3;
	return 0;
}

/*
 * Adds text for use inside a line or a table cell: Markdown syntax and
 * pipes are escaped, line breaks become spaces, and control characters
 * (an escape sequence would act on the reader's terminal) are shown as ^X.
 */
static void
md_inline(struct strbuf *sb, const char *text)
{
	const unsigned char *start, *p;
	size_t n;

	start = (const unsigned char *)jsonget_or_q(text);
	for (p = start; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r')
			strbuf_addch(sb, ' ');
		else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addch(sb, '^');
			strbuf_addch(sb, (char)(*p ^ 0x40));
		} else if ((n = report_hidden_len((const char *)p)) > 0) {
			strbuf_adds(sb, "\xef\xbf\xbd");	/* U+FFFD */
			p += n - 1;
		} else {
			if (md_special(p, start))
				strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)*p);
		}
	}
}

/*
 * Copies text for code, where nothing can be escaped: control and hidden
 * characters become visible stand-ins, and line breaks stay only with
 * keep_nl. *longest gets the longest run of backticks, for the fence.
 */
static char *
md_code_text(const char *text, int keep_nl, size_t *longest)
{
	const unsigned char *p = (const unsigned char *)jsonget_or_q(text);
	struct strbuf out;
	size_t run = 0, n;

	strbuf_init(&out);
	*longest = 0;
	for (; *p != '\0'; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > *longest)
			*longest = run;
		if (*p == '\t' || (*p == '\n' && keep_nl))
			strbuf_addch(&out, (char)*p);
		else if (*p == '\n' || *p == '\r')
			strbuf_addch(&out, ' ');
		else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addch(&out, '^');
			strbuf_addch(&out, (char)(*p ^ 0x40));
		} else if ((n = report_hidden_len((const char *)p)) > 0) {
			strbuf_adds(&out, "\xef\xbf\xbd");
			p += n - 1;
		} else
			strbuf_addch(&out, (char)*p);
	}
	return strbuf_detach(&out);
}

/* A code span: a fence longer than any run of backticks inside. */
static void
md_code(struct strbuf *sb, const char *text)
{
	size_t longest, i;
	char *flat = md_code_text(text, 0, &longest);
	int pad;

	pad = flat[0] == '`' || flat[0] == '\0' ||
	    flat[strlen(flat) - 1] == '`';
	for (i = 0; i <= longest; i++)
		strbuf_addch(sb, '`');
	strbuf_adds(sb, pad ? " " : "");
	strbuf_adds(sb, flat);
	strbuf_adds(sb, pad ? " " : "");
	for (i = 0; i <= longest; i++)
		strbuf_addch(sb, '`');
	free(flat);
}

/* A fenced code block, every line indented to sit inside a list item. */
static void
md_code_block(struct strbuf *sb, int indent, const char *text)
{
	size_t longest, fence, len;
	char *body = md_code_text(text, 1, &longest), *line, *next;

	fence = longest < 3 ? 3 : longest + 1;
	len = strlen(body);
	while (len > 0 && body[len - 1] == '\n')
		body[--len] = '\0';
	strbuf_addf(sb, "%*s%.*s\n", indent, "", (int)fence,
	    "````````````````````````````````````````````````````````````````");
	for (line = body; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		strbuf_addf(sb, "%*s%s\n", indent, "", line);
	}
	strbuf_addf(sb, "%*s%.*s\n\n", indent, "", (int)fence,
	    "````````````````````````````````````````````````````````````````");
	free(body);
}

/* Lines in a command, not counting trailing line breaks. */
static size_t
command_lines(const char *text)
{
	size_t len = strlen(text), n = 1;

	while (len > 0 && text[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* A command after a label: a span if one line, else a block below. */
static void
md_command(struct strbuf *sb, int indent, const char *text)
{
	if (command_lines(text) == 1) {
		strbuf_addch(sb, ' ');
		md_code(sb, text);
		strbuf_addch(sb, '\n');
		return;
	}
	strbuf_adds(sb, "\n\n");
	md_code_block(sb, indent, text);
}

/* A timeline's short form of a command: its first line and a count. */
static void
md_command_short(struct strbuf *sb, const char *text)
{
	size_t n = command_lines(text);
	char *first = xstrndup(text, strcspn(text, "\r\n"));

	md_code(sb, first);
	if (n > 1)
		strbuf_addf(sb, " (%zu lines)", n);
	free(first);
}

/* One line of a quoted note: what would start a block is escaped too. */
static void
md_quote_line(struct strbuf *sb, const char *line)
{
	size_t digits;

	line += strspn(line, " \t");
	digits = strspn(line, "0123456789");
	if (strchr("#-+=>", *line) != NULL && *line != '\0')
		strbuf_addch(sb, '\\');
	else if (digits > 0 && (line[digits] == '.' || line[digits] == ')')) {
		strbuf_add(sb, line, digits);
		strbuf_addch(sb, '\\');
		line += digits;
	}
	md_inline(sb, line);
}

/* A note in full, as a block quote indented by indent spaces. */
static void
md_quote(struct strbuf *sb, int indent, const char *text)
{
	char *copy = xstrdup(text), *line, *next;

	strbuf_addch(sb, '\n');
	for (line = copy; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		strbuf_addf(sb, "%*s>", indent, "");
		if (*line != '\0') {
			strbuf_addch(sb, ' ');
			md_quote_line(sb, line);
		}
		/* Two trailing spaces keep the note's own line breaks. */
		strbuf_adds(sb, next != NULL && *line != '\0' ? "  \n" : "\n");
	}
	strbuf_addch(sb, '\n');
	free(copy);
}

/* "- label: text" with text escaped. */
static void
md_item(struct strbuf *sb, const char *label, const char *text)
{
	strbuf_addf(sb, "- %s: ", label);
	md_inline(sb, text);
	strbuf_addch(sb, '\n');
}

/* "HH:MM:SS" of a model timestamp, or the whole of it if it is odd. */
static void
md_time(struct strbuf *sb, const char *ts)
{
	if (ts != NULL && strlen(ts) >= 19 && ts[10] == 'T')
		strbuf_add(sb, ts + 11, 8);
	else
		md_inline(sb, ts != NULL ? ts : "unknown time");
}

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
	char d[DUR_LEN];

	md_item(sb, "Started", jsonget_str(m, "started") ?
	    jsonget_str(m, "started") : "no run.start in the journal");
	dur(jsonget_int(m, "elapsed_ms", 0), d);
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
	strbuf_adds(sb, "- ");
	md_inline(sb, jsonget_str(json_object_get(m, "rto"), "text"));
	strbuf_adds(sb, "\n- ");
	md_inline(sb, jsonget_str(json_object_get(m, "data_loss"), "text"));
	strbuf_addch(sb, '\n');
	if (jsonget_str(json_object_get(m, "data_loss"), "source") != NULL)
		md_item(sb, "Data loss window from",
		    jsonget_str(json_object_get(m, "data_loss"), "source"));
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
	char d[DUR_LEN];
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
		dur(jsonget_int(s, "duration_ms", 0), d);
		strbuf_adds(sb,
		    jsonget_int(s, "duration_ms", -1) >= 0 ? d : "-");
		/* The last attempt's, and every attempt's when they differ. */
		if (jsonget_int(s, "total_ms", 0) > jsonget_int(s, "duration_ms", 0)) {
			dur(jsonget_int(s, "total_ms", 0), d);
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

/* The details of one step that did not end well. */
static void
md_problem(struct strbuf *sb, json_t *s)
{
	char d[DUR_LEN];
	json_t *v;
	size_t i;

	strbuf_adds(sb, "### ");
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
		dur(jsonget_int(v, "delay_ms", 0), d);
		strbuf_addf(sb, "- Retried as attempt %lld of %lld after %s: ",
		    (long long)jsonget_int(v, "next_attempt", 0),
		    (long long)jsonget_int(v, "of", 0), d);
		md_inline(sb, jsonget_str(v, "reason"));
		strbuf_addch(sb, '\n');
	}
	md_outputs(sb, json_object_get(s, "outputs"));
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

	strbuf_adds(sb, "## Failed and skipped steps\n\n");
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
	char d[DUR_LEN];
	json_t *r;
	size_t i;

	strbuf_adds(sb, "## Rollbacks\n\n");
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
			dur(jsonget_int(r, "duration_ms", 0), d);
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

	strbuf_adds(sb, "## Timeline (UTC)\n");
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

/* --- the drill scorecard --- */

/* "Objective 4h: met: 1h12m, 2h48m to spare" */
static void
md_limit(struct strbuf *sb, const char *label, json_t *v)
{
	const char *verdict = jsonget_or_q(jsonget_str(v, "verdict"));
	char limit[DUR_LEN];

	strbuf_addf(sb, "- %s", label);
	if (jsonget_int(v, "limit_ms", 0) > 0) {
		dur(jsonget_int(v, "limit_ms", 0), limit);
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
	char took[DUR_LEN];
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
		dur(jsonget_int(s, "duration_ms", 0), took);
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
	char took[DUR_LEN];

	strbuf_adds(sb, "## Drill scorecard\n\n");
	if (jsonget_str(card, "environment") != NULL)
		md_item(sb, "Environment", jsonget_str(card, "environment"));
	dur(jsonget_int(card, "elapsed_ms", 0), took);
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
	char d[DUR_LEN];

	dur(jsonget_int(v, key, 0), d);
	strbuf_adds(sb, json_is_integer(json_object_get(v, key)) ? d : "-");
	strbuf_adds(sb, " | ");
}

static void
md_card_times(struct strbuf *sb, json_t *card)
{
	const char *timing;
	char over[DUR_LEN];
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
		dur(jsonget_int(s, "over_ms", 0), over);
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

static void
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

char *
report_md_render(json_t *m)
{
	struct strbuf sb;

	strbuf_init(&sb);
	md_head(&sb, m);
	md_summary(&sb, m);
	if (json_is_object(json_object_get(m, "scorecard")))
		md_scorecard(&sb, json_object_get(m, "scorecard"));
	md_steps(&sb, m);
	md_problems(&sb, m);
	md_rollbacks(&sb, m);
	md_timeline(&sb, m);
	md_verification(&sb, m);
	return strbuf_detach(&sb);
}

