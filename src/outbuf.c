/* outbuf.c: owns line assembly and the bounded line store. Line texts live
 * back to back in one byte arena and line records in a ring, so storing a
 * line is a memcpy, not a malloc. The arena is compacted when its end is
 * reached; it is kept at least twice the size of what it holds, so each
 * byte is moved a bounded number of times on average. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbuf.h"
#include "xmalloc.h"

#define OUTBUF_ARENA_MIN	4096

struct outbuf_partial {
	char		*buf;		/* OUTBUF_LINE_MAX, made on demand */
	size_t		 len;
	int64_t		 ts_ms;		/* of the latest bytes */
};

struct outbuf {
	size_t			 max_lines;
	size_t			 max_bytes;

	struct outline		*lines;		/* ring of held lines */
	size_t			 lcap;
	size_t			 lhead;		/* oldest */
	size_t			 lcount;

	char			*arena;
	size_t			 asize;
	size_t			 astart;	/* oldest held text */
	size_t			 aend;		/* where the next line goes */
	size_t			 held;		/* sum of the held lens */

	struct outbuf_partial	 partial[OUTBUF_STREAMS];

	outbuf_line_cb		 line_cb;
	void			*line_arg;
	outbuf_filter_cb	 filter;
	void			*filter_arg;

	uint64_t		 dropped;
	uint64_t		 total;
	uint64_t		 generation;
};

/* Makes an empty buffer with the given caps. */
struct outbuf *
outbuf_new(size_t max_lines, size_t max_bytes)
{
	struct outbuf	*ob = xcalloc(1, sizeof *ob);

	ob->max_lines = max_lines > 0 ? max_lines : 1;
	ob->max_bytes = max_bytes;
	return ob;
}

/* Frees the buffer and its lines. */
void
outbuf_free(struct outbuf *ob)
{
	if (ob == NULL)
		return;
	for (int i = 0; i < OUTBUF_STREAMS; i++)
		free(ob->partial[i].buf);
	free(ob->lines);
	free(ob->arena);
	free(ob);
}

/* Sets the completed-line callback. */
void
outbuf_set_line_cb(struct outbuf *ob, outbuf_line_cb cb, void *arg)
{
	ob->line_cb = cb;
	ob->line_arg = arg;
}

/* Sets the line filter. */
void
outbuf_set_filter(struct outbuf *ob, outbuf_filter_cb cb, void *arg)
{
	ob->filter = cb;
	ob->filter_arg = arg;
}

static struct outline *
outbuf_slot(const struct outbuf *ob, size_t i)
{
	size_t	at = ob->lhead + i;

	if (at >= ob->lcap)
		at -= ob->lcap;
	return &ob->lines[at];
}

static void
outbuf_drop_oldest(struct outbuf *ob)
{
	ob->held -= ob->lines[ob->lhead].len;
	if (++ob->lhead == ob->lcap)
		ob->lhead = 0;
	ob->lcount--;
	ob->dropped++;
	/* An empty store keeps aend: a line may be half written there. */
	if (ob->lcount == 0)
		ob->astart = ob->aend;
	else
		ob->astart = (size_t)(ob->lines[ob->lhead].text - ob->arena);
}

/* Moves the held text to the start of dst (the arena itself or a bigger
 * one), pointing every held line at its new place. */
static void
outbuf_relayout(struct outbuf *ob, char *dst)
{
	char	*from;
	size_t	 used = ob->aend - ob->astart;

	if (ob->arena == NULL) {
		ob->arena = dst;
		return;
	}
	from = ob->arena + ob->astart;
	memmove(dst, from, used);
	for (size_t i = 0; i < ob->lcount; i++) {
		struct outline	*ol = outbuf_slot(ob, i);

		ol->text = dst + (ol->text - from);
	}
	if (dst != ob->arena) {
		free(ob->arena);
		ob->arena = dst;
	}
	ob->astart = 0;
	ob->aend = used;
}

/* Makes room for need bytes at aend. */
static void
outbuf_reserve(struct outbuf *ob, size_t need)
{
	size_t	size;

	if (ob->aend + need <= ob->asize)
		return;
	if (ob->astart > 0)
		outbuf_relayout(ob, ob->arena);
	if (ob->asize >= 2 * (ob->aend + need))
		return;
	size = 2 * (ob->aend + need);
	if (size < OUTBUF_ARENA_MIN)
		size = OUTBUF_ARENA_MIN;
	outbuf_relayout(ob, xmalloc(size));
	ob->asize = size;
}

/* Makes room for one more line record. */
static void
outbuf_reserve_line(struct outbuf *ob)
{
	struct outline	*lines;
	size_t		 cap;

	if (ob->lcount < ob->lcap)
		return;
	cap = ob->lcap < 64 ? 64 : ob->lcap * 2;
	if (cap > ob->max_lines)
		cap = ob->max_lines;
	lines = xreallocarray(NULL, cap, sizeof *lines);
	for (size_t i = 0; i < ob->lcount; i++)
		lines[i] = *outbuf_slot(ob, i);
	free(ob->lines);
	ob->lines = lines;
	ob->lcap = cap;
	ob->lhead = 0;
}

/* Stores one completed line (or piece) and reports it. */
static void
outbuf_add(struct outbuf *ob, int stream, const char *data, size_t len,
    int cont, int64_t ts_ms)
{
	struct outline	*ol;
	size_t		 cap = len;
	char		*text;

	if (!cont && len > 0 && data[len - 1] == '\r')
		len--;
	if (ob->filter != NULL)
		cap = 4 * len + 64;
	outbuf_reserve(ob, cap + 1);
	text = ob->arena + ob->aend;
	memcpy(text, data, len);
	if (ob->filter != NULL) {
		len = ob->filter(ob->filter_arg, text, len, cap);
		if (len > cap)
			len = cap;
	}
	text[len] = '\0';

	/* Evicting only moves astart, never the text just written. */
	while (ob->lcount > 0 && (ob->lcount >= ob->max_lines ||
	    ob->held + len > ob->max_bytes))
		outbuf_drop_oldest(ob);
	outbuf_reserve_line(ob);
	ol = outbuf_slot(ob, ob->lcount++);
	ol->ts_ms = ts_ms;
	ol->stream = stream;
	ol->cont = cont;
	ol->text = text;
	ol->len = len;
	ob->aend += len + 1;
	ob->held += len;
	ob->total++;
	ob->generation++;
	if (ob->line_cb != NULL)
		ob->line_cb(ob->line_arg, ol);
}

static struct outbuf_partial *
outbuf_partial(struct outbuf *ob, int stream)
{
	struct outbuf_partial	*p;

	if (stream < 0 || stream >= OUTBUF_STREAMS)
		fatalx("outbuf: bad stream %d", stream);
	p = &ob->partial[stream];
	if (p->buf == NULL)
		p->buf = xmalloc(OUTBUF_LINE_MAX);
	return p;
}

/*
 * Adds what can go into the partial line from a segment of seg bytes
 * (ending at a newline when nl). Returns the bytes consumed, the newline
 * included.
 */
static size_t
outbuf_feed_partial(struct outbuf *ob, int stream, struct outbuf_partial *p,
    const char *data, size_t seg, int nl, int64_t ts_ms)
{
	size_t	take = OUTBUF_LINE_MAX - p->len;

	if (take > seg)
		take = seg;
	memcpy(p->buf + p->len, data, take);
	p->len += take;
	p->ts_ms = ts_ms;
	if (take == seg && nl) {
		outbuf_add(ob, stream, p->buf, p->len, 0, ts_ms);
		p->len = 0;
		return take + 1;
	}
	if (take < seg) {
		/* Full and the line goes on: cut here. */
		outbuf_add(ob, stream, p->buf, p->len, 1, ts_ms);
		p->len = 0;
	}
	return take;
}

/* Adds bytes from one stream. */
void
outbuf_feed(struct outbuf *ob, int stream, const char *data, size_t len,
    int64_t ts_ms)
{
	struct outbuf_partial	*p = outbuf_partial(ob, stream);
	const char		*nl;
	size_t			 seg, used;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		seg = nl != NULL ? (size_t)(nl - data) : len;
		if (p->len == 0 && seg > OUTBUF_LINE_MAX) {
			outbuf_add(ob, stream, data, OUTBUF_LINE_MAX, 1, ts_ms);
			used = OUTBUF_LINE_MAX;
		} else if (p->len == 0 && nl != NULL) {
			/* The common case: a whole line, straight in. */
			outbuf_add(ob, stream, data, seg, 0, ts_ms);
			used = seg + 1;
		} else {
			used = outbuf_feed_partial(ob, stream, p, data, seg,
			    nl != NULL, ts_ms);
		}
		data += used;
		len -= used;
	}
}

/* Completes every partial line. */
void
outbuf_flush(struct outbuf *ob)
{
	struct outbuf_partial	*p;

	for (int i = 0; i < OUTBUF_STREAMS; i++) {
		p = &ob->partial[i];
		if (p->len == 0)
			continue;
		outbuf_add(ob, i, p->buf, p->len, 0, p->ts_ms);
		p->len = 0;
	}
}

/* Lines held. */
size_t
outbuf_count(const struct outbuf *ob)
{
	return ob->lcount;
}

/* Held line i, oldest first. */
const struct outline *
outbuf_line(const struct outbuf *ob, size_t i)
{
	if (i >= ob->lcount)
		return NULL;
	return outbuf_slot(ob, i);
}

/* Lines evicted by the caps. */
uint64_t
outbuf_dropped(const struct outbuf *ob)
{
	return ob->dropped;
}

/* Lines ever completed. */
uint64_t
outbuf_total(const struct outbuf *ob)
{
	return ob->total;
}

/* Bumps whenever held lines change. */
uint64_t
outbuf_generation(const struct outbuf *ob)
{
	return ob->generation;
}
