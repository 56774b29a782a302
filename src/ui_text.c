/* ui_text.c: measuring, cutting and wrapping UTF-8 text by screen columns,
 * so titles and output with non-ASCII characters never overrun a pane. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui.h"

/* The next character of s (at most len bytes): its bytes and columns. An
 * invalid byte counts as one column, shown as '?' by curses. */
static size_t
next_char(const char *s, size_t len, int *cols)
{
	mbstate_t ps;
	wchar_t wc;
	size_t n;
	int w;

	memset(&ps, 0, sizeof ps);
	n = mbrtowc(&wc, s, len, &ps);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*cols = 1;
		return 1;
	}
	w = wcwidth(wc);
	*cols = w < 0 ? 1 : w;
	return n;
}

/* Columns the first len bytes of s take. */
int
ui_text_width(const char *s, size_t len)
{
	int width = 0, w;

	for (size_t i = 0; i < len;) {
		i += next_char(s + i, len - i, &w);
		width += w;
	}
	return width;
}

/* How many bytes of s fit in width columns. */
size_t
ui_text_fit(const char *s, int width)
{
	size_t len = strlen(s), i = 0, n;
	int used = 0, w;

	while (i < len) {
		n = next_char(s + i, len - i, &w);
		if (used + w > width)
			break;
		used += w;
		i += n;
	}
	return i;
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
