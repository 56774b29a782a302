/* ui_text.c: cutting and wrapping UTF-8 text by screen columns, so titles
 * and output with non-ASCII characters never overrun a pane (columns are
 * measured by termsafe.c, the one measure). */
#include <stdlib.h>
#include <string.h>

#include "termsafe.h"
#include "ui.h"

/* Columns the first len bytes of s take: termsafe's measure, the one the
 * line mode and the neutraliser use too. */
int
ui_text_width(const char *s, size_t len)
{
	return (int)termsafe_columns(s, len);
}

/* How many bytes of s fit in width columns. */
size_t
ui_text_fit(const char *s, int width)
{
	return width > 0 ? termsafe_fit(s, (size_t)width) : 0;
}

/* One line of at most width columns from s: breaks at the last space if
 * there is one, and at a newline always. Returns the bytes of the line and
 * sets *skip to what to step over after it. */
static size_t
wrap_one(const char *s, int width, size_t *skip)
{
	const char *nl = strchr(s, '\n');
	size_t fit = ui_text_fit(s, width), brk;

	if (nl != NULL && (size_t)(nl - s) <= fit) {
		*skip = (size_t)(nl - s) + 1;
		return (size_t)(nl - s);
	}
	if (s[fit] == '\0') {
		*skip = fit;
		return fit;
	}
	for (brk = fit; brk > 0 && s[brk] != ' '; brk--)
		;
	if (brk == 0)
		brk = fit > 0 ? fit : 1;
	*skip = brk;
	while (s[*skip] == ' ')
		(*skip)++;
	return brk;
}

/* Wraps s into at most max lines of width columns; lines[i] points into s
 * and lens[i] is its length. Returns the number of lines (the last one may
 * be cut when there are more than max). */
int
ui_text_wrap(const char *s, int width, const char **lines, size_t *lens, int max)
{
	int n = 0;
	size_t skip;

	if (width < 1)
		return 0;
	while (*s != '\0' && n < max) {
		lines[n] = s;
		lens[n] = wrap_one(s, width, &skip);
		n++;
		s += skip;
	}
	return n;
}

/* Like ui_text_wrap, from the wrapped line first on: a dialog draws the
 * rows it shows of a text of any length. */
int
ui_text_wrap_from(const char *s, int width, int first, const char **lines, size_t *lens, int max)
{
	const char *line;
	size_t len, skip;
	int n = 0;

	if (width < 1)
		return 0;
	for (int k = 0; *s != '\0' && n < max; k++) {
		line = s;
		len = wrap_one(s, width, &skip);
		s += skip;
		if (k < first)
			continue;
		lines[n] = line;
		lens[n++] = len;
	}
	return n;
}

/* How many lines s wraps into at width columns, with no cap: what a
 * dialog counts must be all of what it confirms. */
int
ui_text_rows(const char *s, int width)
{
	size_t skip;
	int n = 0;

	if (width < 1)
		return 0;
	for (; *s != '\0'; n++) {
		wrap_one(s, width, &skip);
		s += skip;
	}
	return n;
}
