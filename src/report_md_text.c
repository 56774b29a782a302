/*
 * report_md_text.c: journal text made safe for the Markdown postmortem:
 * Markdown syntax escaped, control characters and characters that act
 * unseen shown, code given a fence longer than anything inside it.
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
void
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
void
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
void
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
void
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
void
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
void
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
void
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
void
md_item(struct strbuf *sb, const char *label, const char *text)
{
	strbuf_addf(sb, "- %s: ", label);
	md_inline(sb, text);
	strbuf_addch(sb, '\n');
}

/* "HH:MM:SS" of a model timestamp, or the whole of it if it is odd. */
void
md_time(struct strbuf *sb, const char *ts)
{
	if (ts != NULL && strlen(ts) >= 19 && ts[10] == 'T')
		strbuf_add(sb, ts + 11, 8);
	else
		md_inline(sb, ts != NULL ? ts : "unknown time");
}

