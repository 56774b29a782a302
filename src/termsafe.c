/* termsafe.c: text from others made safe for a terminal (see termsafe.h):
 * escape sequences read and dropped (colour kept on request), a line
 * rendered as a terminal would leave it, control and C1 bytes shown
 * harmlessly. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "termsafe.h"
#include "xmalloc.h"

#define ESC 0x1b
#define TAB_STOP 8
#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD, what a terminal shows for a bad byte */

size_t
termsafe_utf8_len(const char *p, size_t avail)
{
	unsigned char c = (unsigned char)p[0];
	size_t want = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : 1, n = 1;

	while (n < want && n < avail && ((unsigned char)p[n] & 0xc0) == 0x80)
		n++;
	return n;
}

size_t
termsafe_utf8_valid(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		lo = p[0] == 0xe0 ? 0xa0 : 0x80;	/* no overlong forms */
		hi = p[0] == 0xed ? 0x9f : 0xbf;	/* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		lo = p[0] == 0xf0 ? 0x90 : 0x80;
		hi = p[0] == 0xf4 ? 0x8f : 0xbf;	/* nothing past U+10FFFF */
	} else
		return 0;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

/* A printable character's length at p, or 0 for one a terminal could act
 * on: a stray byte, or U+0080..U+009F, which some terminals take as C1
 * controls even when encoded in UTF-8. */
static size_t
printable_utf8(const char *p, size_t avail)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t n = termsafe_utf8_valid(u, avail);

	if (n == 2 && u[0] == 0xc2 && u[1] < 0xa0)
		return 0;
	return n;
}

size_t
termsafe_escape(const char *s, size_t len, struct termsafe_esc *e)
{
	size_t j;

	memset(e, 0, sizeof *e);
	if (len < 2)
		return len;
	switch (s[1]) {
	case '[':
		for (j = 2; j < len && s[j] >= 0x20 && s[j] <= 0x3f; j++)
			;
		if (j < len && s[j] >= 0x40 && s[j] <= 0x7e) {
			e->csi = 1;
			e->params = s + 2;
			e->plen = j - 2;
			e->final = s[j];
			return j + 1;
		}
		return j;
	case ']': case 'P': case 'X': case '^': case '_':
		/* A string to BEL or ST: a title, a clipboard write, a query. */
		for (j = 2; j < len; j++) {
			if (s[j] == '\a')
				return j + 1;
			if (s[j] == ESC)
				return j + 1 < len && s[j + 1] == '\\' ? j + 2 : j;
		}
		return len;
	default:
		/* Charsets, keypad modes, cursor save: intermediates, a final. */
		for (j = 1; j < len && s[j] >= 0x20 && s[j] <= 0x2f; j++)
			;
		return j < len && s[j] >= 0x30 && s[j] <= 0x7e ? j + 1 : j;
	}
}

int
termsafe_is_sgr(const struct termsafe_esc *e)
{
	if (!e->csi || e->final != 'm')
		return 0;
	for (size_t k = 0; k < e->plen; k++) {
		if ((e->params[k] < '0' || e->params[k] > '9') && e->params[k] != ';' && e->params[k] != ':')
			return 0;
	}
	return 1;
}

/* --- columns --- */

/* The character at s: its bytes, and its columns in *cols. A character
 * the locale cannot read counts as one column, for its UTF-8 length. */
static size_t
char_columns(const char *s, size_t len, int *cols)
{
	mbstate_t ps;
	wchar_t wc;
	size_t n;
	int w;

	memset(&ps, 0, sizeof ps);
	n = mbrtowc(&wc, s, len, &ps);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*cols = 1;
		return termsafe_utf8_len(s, len);
	}
	w = wcwidth(wc);
	*cols = w > 0 ? w : w == 0 ? 0 : 1;
	return n;
}

size_t
termsafe_columns(const char *s, size_t len)
{
	size_t col = 0;
	int w;

	for (size_t k = 0; k < len;) {
		k += char_columns(s + k, len - k, &w);
		col += (size_t)w;
	}
	return col;
}

size_t
termsafe_fit(const char *s, size_t cols)
{
	size_t len = strlen(s), k = 0, used = 0, n;
	int w;

	while (k < len) {
		n = char_columns(s + k, len - k, &w);
		if (used + (size_t)w > cols)
			break;
		used += (size_t)w;
		k += n;
	}
	return k;
}

/* --- one line as a terminal leaves it --- */

/* A line being rendered: the text so far and a cursor in it. */
struct vline {
	char	*buf;		/* NUL-terminated */
	size_t	 cap;		/* buf's size, NUL included */
	size_t	 len;
	size_t	 cur;		/* byte offset of the cursor's character */
};

/* Writes one character at the cursor, over what is there. */
static void
vline_put(struct vline *v, const char *p, size_t n)
{
	size_t old = v->cur < v->len ? termsafe_utf8_len(v->buf + v->cur, v->len - v->cur) : 0;

	if (v->len - old + n >= v->cap)
		return;		/* the rest of an overlong line is cut */
	if (n != old)
		memmove(v->buf + v->cur + n, v->buf + v->cur + old, v->len - v->cur - old);
	memcpy(v->buf + v->cur, p, n);
	v->len = v->len - old + n;
	v->cur += n;
	v->buf[v->len] = '\0';
}

static void
vline_back(struct vline *v)
{
	while (v->cur > 0 && ((unsigned char)v->buf[--v->cur] & 0xc0) == 0x80)
		;
}

static void
vline_forward(struct vline *v)
{
	if (v->cur < v->len)
		v->cur += termsafe_utf8_len(v->buf + v->cur, v->len - v->cur);
	else
		vline_put(v, " ", 1);
}

/* Blanks what is left of the cursor, keeping every column where it was. */
static void
vline_blank_head(struct vline *v)
{
	size_t cells = 0;

	for (size_t k = 0; k < v->cur; k++)
		cells += ((unsigned char)v->buf[k] & 0xc0) != 0x80;
	memmove(v->buf + cells, v->buf + v->cur, v->len - v->cur);
	memset(v->buf, ' ', cells);
	v->len = v->len - v->cur + cells;
	v->cur = cells;
	v->buf[v->len] = '\0';
}

/* The screen column of the cursor. */
static size_t
vline_column(const struct vline *v)
{
	return termsafe_columns(v->buf, v->cur);
}

/* A tab moves to the next stop, over what is there, as a terminal's does. */
static void
vline_tab(struct vline *v)
{
	size_t n = TAB_STOP - vline_column(v) % TAB_STOP;

	while (n-- > 0 && v->len + 1 < v->cap)
		vline_forward(v);
}

/* The CSI sequences that edit a line: erase (K) and cursor left and right
 * (D, C), as line editors redraw. Colours and the rest are dropped. */
static void
vline_csi(struct vline *v, const struct termsafe_esc *e)
{
	size_t n = 0;

	if (e->plen > 0 && e->params[0] != ';' && (e->params[0] < '0' || e->params[0] > '9'))
		return;		/* private (ESC [ ? 25 l...) */
	for (size_t k = 0; k < e->plen && e->params[k] >= '0' && e->params[k] <= '9' && n < v->cap; k++)
		n = n * 10 + (size_t)(e->params[k] - '0');
	if (e->final == 'K' && n >= 1)
		vline_blank_head(v);
	if (e->final == 'K' && n != 1) {
		v->len = v->cur;
		v->buf[v->len] = '\0';
	}
	for (size_t k = 0; k < (n > 0 ? n : 1) && (e->final == 'C' || e->final == 'D'); k++) {
		if (e->final == 'C')
			vline_forward(v);
		else
			vline_back(v);
	}
}

size_t
termsafe_render(const char *s, size_t len, char *out, size_t cap)
{
	struct vline v = { out, cap, 0, 0 };
	struct termsafe_esc e;
	size_t i = 0, n;

	out[0] = '\0';
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == ESC) {
			i += termsafe_escape(s + i, len - i, &e);
			if (e.csi)
				vline_csi(&v, &e);
			continue;
		}
		n = 1;
		if (c == '\r')
			v.cur = 0;
		else if (c == '\b')
			vline_back(&v);
		else if (c == '\a')
			;
		else if (c == '\t')
			vline_tab(&v);
		else if (c < 0x20 || c == 0x7f)
			vline_put(&v, " ", 1);
		else if (c < 0x80)
			vline_put(&v, s + i, 1);
		else if ((n = printable_utf8(s + i, len - i)) > 0)
			vline_put(&v, s + i, n);
		else {
			vline_put(&v, REPLACEMENT, 3);
			n = 1;
		}
		i += n;
	}
	return v.cur;
}

/* --- a line or a string for line mode and replay --- */

/* The hot path: plain printable ASCII and tabs, copied as they are. */
static size_t
plain_prefix(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f) || s[i] == '\t'))
		i++;
	return i;
}

size_t
termsafe_line(const char *s, size_t len, char *out, int keep_sgr)
{
	struct termsafe_esc e;
	size_t i = plain_prefix(s, len), o = i, n;

	memcpy(out, s, i);
	if (i < len && (memchr(s + i, '\r', len - i) != NULL || memchr(s + i, '\b', len - i) != NULL)) {
		termsafe_render(s, len, out, len + 1);
		return strlen(out);
	}
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		n = 1;
		if (c == ESC) {
			n = termsafe_escape(s + i, len - i, &e);
			if (keep_sgr && termsafe_is_sgr(&e)) {
				memcpy(out + o, s + i, n);
				o += n;
			}
		} else if (c == '\t' || (c >= 0x20 && c < 0x7f))
			out[o++] = (char)c;
		else if (c == '\a')
			;
		else if (c < 0x80)
			out[o++] = ' ';
		else if ((n = printable_utf8(s + i, len - i)) > 0) {
			memcpy(out + o, s + i, n);
			o += n;
		} else {
			out[o++] = '?';
			n = 1;
		}
		i += n;
	}
	out[o] = '\0';
	return o;
}

char *
termsafe_dup(const char *s, int keep_sgr)
{
	size_t len = strlen(s), o = 0, n, crlf;
	char *out = xmalloc(len + 1);
	const char *nl;

	for (;;) {
		nl = strchr(s, '\n');
		n = nl != NULL ? (size_t)(nl - s) : strlen(s);
		crlf = nl != NULL && n > 0 && s[n - 1] == '\r';	/* a raw terminal's line end */
		o += termsafe_line(s, n - crlf, out + o, keep_sgr);
		if (nl == NULL)
			break;
		if (crlf)
			out[o++] = '\r';
		out[o++] = '\n';
		s = nl + 1;
	}
	out[o] = '\0';
	return out;
}

void
termsafe_printf(FILE *fp, int safe, int keep_sgr, const char *fmt, ...)
{
	va_list ap;
	char *text, *shown;

	va_start(ap, fmt);
	if (!safe) {
		vfprintf(fp, fmt, ap);
		va_end(ap);
		return;
	}
	text = xvprintf(fmt, ap);
	va_end(ap);
	shown = termsafe_dup(text, keep_sgr);
	fputs(shown, fp);
	free(shown);
	free(text);
}

void
termsafe_clean(const char *s, size_t len, char *buf, size_t cap)
{
	size_t i = 0, o = 0, n;

	while (i < len && o + 1 < cap) {
		unsigned char c = (unsigned char)s[i];

		n = 1;
		if (c < 0x20 || c == 0x7f)
			buf[o++] = ' ';
		else if (c < 0x80)
			buf[o++] = (char)c;
		else if ((n = printable_utf8(s + i, len - i)) > 0 && o + n < cap) {
			memcpy(buf + o, s + i, n);
			o += n;
		} else if (n > 0)
			break;		/* a character that does not fit whole */
		else {
			buf[o++] = '?';
			n = 1;
		}
		i += n;
	}
	buf[o] = '\0';
}
