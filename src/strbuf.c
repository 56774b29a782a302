/* strbuf.c: growable strings, doubling so appends are amortised O(1). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xmalloc.h"

void
strbuf_init(struct strbuf *b)
{
	b->buf = NULL;
	b->len = b->cap = 0;
}

static void
grow(struct strbuf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 64;
	while (b->cap < need)
		b->cap *= 2;
	b->buf = xreallocarray(b->buf, b->cap, 1);
}

void
strbuf_add(struct strbuf *b, const char *data, size_t len)
{
	grow(b, len);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void
strbuf_adds(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void
strbuf_addch(struct strbuf *b, char c)
{
	strbuf_add(b, &c, 1);
}

void
strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	if (b->buf != NULL)
		b->buf[0] = '\0';
}

const char *
strbuf_str(const struct strbuf *b)
{
	return b->buf != NULL ? b->buf : "";
}

char *
strbuf_detach(struct strbuf *b)
{
	char *s = b->buf != NULL ? b->buf : xstrdup("");

	strbuf_init(b);
	return s;
}

void
strbuf_free(struct strbuf *b)
{
	free(b->buf);
	strbuf_init(b);
}
