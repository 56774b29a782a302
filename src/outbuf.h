/* outbuf.h: a step's output as lines: bytes from each stream are assembled
 * into lines, optionally rewritten (secret masking), reported, and kept in
 * a ring bounded by a line count and a byte count (the pane's scrollback). */
#ifndef DRC_OUTBUF_H
#define DRC_OUTBUF_H

#include <stddef.h>
#include <stdint.h>

/* Longer lines are cut into pieces of this size, each marked cont but the
 * last. A filter sees each piece on its own. */
#define OUTBUF_LINE_MAX		(64 * 1024)
/* Streams are numbered 0 .. OUTBUF_STREAMS - 1 (JOB_STDOUT, JOB_STDERR). */
#define OUTBUF_STREAMS		4

struct outline {
	int64_t	 ts_ms;		/* wall clock when the line was completed */
	int	 stream;
	int	 cont;		/* cut: the next line of this stream goes on */
	char	*text;		/* NUL-terminated, no '\n', no trailing '\r' */
	size_t	 len;
};

struct outbuf;

/* Called for each completed line, after it is stored; the line stays valid
 * until the next feed or flush. Must not feed the same outbuf. */
typedef void (*outbuf_line_cb)(void *arg, const struct outline *line);
/* Rewrites a completed line in place (e.g. masks secrets) and returns its
 * new length, at most cap. cap is at least 4 * len + 64: room for even a
 * one-character secret to become "****" everywhere. */
typedef size_t (*outbuf_filter_cb)(void *arg, char *text, size_t len,
    size_t cap);

/* Holds at most max_lines lines and max_bytes bytes of text (a single line
 * longer than max_bytes is still held, alone). */
struct outbuf *outbuf_new(size_t max_lines, size_t max_bytes);
void outbuf_free(struct outbuf *);
/* Sets the callback for completed lines; NULL to stop. */
void outbuf_set_line_cb(struct outbuf *, outbuf_line_cb, void *arg);
/* Sets the filter applied to every line before it is stored. */
void outbuf_set_filter(struct outbuf *, outbuf_filter_cb, void *arg);
/* Adds bytes read from stream at wall time ts_ms. */
void outbuf_feed(struct outbuf *, int stream, const char *data, size_t len,
    int64_t ts_ms);
/* At EOF: completes the partial line of every stream. */
void outbuf_flush(struct outbuf *);
/* Lines currently held. */
size_t outbuf_count(const struct outbuf *);
/* Held line i, 0 the oldest; NULL past the end. */
const struct outline *outbuf_line(const struct outbuf *, size_t i);
/* Lines evicted because of the caps. */
uint64_t outbuf_dropped(const struct outbuf *);
/* Lines ever completed. */
uint64_t outbuf_total(const struct outbuf *);
/* Changes whenever the held lines change, so a UI redraws only then. */
uint64_t outbuf_generation(const struct outbuf *);

#endif
