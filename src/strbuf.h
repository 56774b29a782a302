/* strbuf.h: a growable NUL-terminated byte buffer. */
#ifndef DRC_STRBUF_H
#define DRC_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *b);
void strbuf_add(struct strbuf *b, const char *data, size_t len);
void strbuf_adds(struct strbuf *b, const char *s);
void strbuf_addch(struct strbuf *b, char c);
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_reset(struct strbuf *b);
/* The contents; never NULL. */
const char *strbuf_str(const struct strbuf *b);
/* Hands the allocation to the caller and empties b. */
char *strbuf_detach(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
