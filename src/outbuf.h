/* outbuf.h: a step's output as lines: bytes from each stream are assembled
 * into lines, optionally rewritten (secret masking), reported, and kept in
 * a store bounded by a line count and a byte count (the pane's scrollback).
 *
 * Lines move in blocks: the complete lines of one read travel together,
 * from the filter to the callback to the store, so a step that prints
 * millions of short lines costs a few operations per read, not per line.
 * Only a line somebody looks at (outbuf_line) is ever split out. */
#ifndef DRC_OUTBUF_H
#define DRC_OUTBUF_H

#include <stddef.h>
#include <stdint.h>

/* Longer lines are cut into pieces of this size, each marked cont but the
 * last. A feed is taken in slices of this size, a block per slice. */
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

/* Lines that arrived together on one stream: text holds nlines lines, each
 * ending in '\n', exactly as the command wrote them (a '\r' before a '\n'
 * is still there). With cont, the last line is a piece of a longer one. */
struct outblock {
	int64_t		 ts_ms;
	int		 stream;
	int		 cont;
	const char	*text;
	size_t		 len;
	size_t		 nlines;
};

struct outbuf;

/* Called for each block of completed lines, after it is stored; text stays
 * valid until the callback returns. Must not feed the same outbuf, nor ask
 * it for a line (outbuf_line splits the stored block, text included). */
typedef void (*outbuf_block_cb)(void *arg, const struct outblock *block);
/* Rewrites a block (e.g. masks secrets): text is len bytes of whole lines,
 * '\n'-separated (the last may lack its '\n'). Returns text itself when
 * nothing changes, else the rewritten bytes in a buffer the filter owns,
 * valid until its next call, with *len set to their length. */
typedef const char *(*outbuf_filter_cb)(void *arg, const char *text,
    size_t *len);

/* Holds at most max_lines lines. Bytes are held in whole blocks: at most
 * max_bytes of text, except that the newest block is always held. */
struct outbuf *outbuf_new(size_t max_lines, size_t max_bytes);
void outbuf_free(struct outbuf *);
/* Sets the callback for completed lines; NULL to stop. */
void outbuf_set_block_cb(struct outbuf *, outbuf_block_cb, void *arg);
/* Sets the filter applied to every block before it is stored. */
void outbuf_set_filter(struct outbuf *, outbuf_filter_cb, void *arg);
/* Adds bytes read from stream at wall time ts_ms. */
void outbuf_feed(struct outbuf *, int stream, const char *data, size_t len,
    int64_t ts_ms);
/* At EOF: completes the partial line of every stream. */
void outbuf_flush(struct outbuf *);
/* Lines currently held. */
size_t outbuf_count(const struct outbuf *);
/* Held line i, 0 the oldest; NULL past the end. Valid until the next
 * feed, flush or free. */
const struct outline *outbuf_line(const struct outbuf *, size_t i);
/* The unfinished line written last (a progress bar between its '\r's, a
 * prompt), put through the filter as its block will be: its bytes and
 * stream, or NULL when every stream ended its line. Valid until the next
 * feed, flush, free or filter call. */
const char *outbuf_pending(const struct outbuf *, int *stream, size_t *len);
/* Lines evicted because of the caps. */
uint64_t outbuf_dropped(const struct outbuf *);
/* Lines ever completed. */
uint64_t outbuf_total(const struct outbuf *);
/* Changes whenever the held lines change, so a UI redraws only then. */
uint64_t outbuf_generation(const struct outbuf *);

/* Newlines in len bytes of text: a word at a time, for blocks of lines. */
size_t outbuf_count_lines(const char *text, size_t len);

#endif
