/* outbuf.c: line assembly and the bounded line store.
 *
 * The store is a ring of blocks, each the complete lines of one read, copied
 * in one piece. A block is split into lines only when somebody asks for one
 * of its lines (the pane drawing its last screenful, a capture), so a flood
 * costs a copy per read. The line cap is exact: lines are hidden from the
 * front of the oldest block by count, which needs no look inside it. The
 * byte cap drops whole blocks, which is why it may be passed by the newest
 * block alone. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbuf.h"
#include "xmalloc.h"

struct sblock {
	int64_t		 ts_ms;
	int		 stream;
	int		 cont;
	char		*text;		/* '\n'-separated until indexed, then
					   NUL-separated */
	size_t		 len;		/* with the separators */
	size_t		 nlines;
	uint64_t	 first;		/* number of its first line, ever */
	struct outline	*index;		/* its lines, made on demand */
};

struct outbuf_partial {
	char		*buf;		/* OUTBUF_LINE_MAX, made on demand */
	size_t		 len;
	int64_t		 ts_ms;		/* of the latest bytes */
};

struct outbuf {
	size_t			 max_lines;
	size_t			 max_bytes;

	struct sblock		*blocks;	/* ring of held blocks */
	size_t			 bcap;
	size_t			 bhead;		/* oldest */
	size_t			 bcount;
	size_t			 lines;		/* in the held blocks */
	size_t			 skip;		/* hidden at the oldest's front */
	size_t			 bytes;		/* text held, separators not
						   counted */

	struct outbuf_partial	 partial[OUTBUF_STREAMS];

	outbuf_block_cb		 block_cb;
	void			*block_arg;
	outbuf_filter_cb	 filter;
	void			*filter_arg;

	int			 last_stream;	/* fed last */
	uint64_t		 dropped;
	uint64_t		 total;
	uint64_t		 generation;
};

/* A word at a time: a byte of x^'\n' is zero exactly where x had a
 * newline, and the high bit of (v - 0x01..) & ~v marks those bytes (an
 * overestimate only after a real zero byte, which the mask with ~v and the
 * 0x7f trick below avoid). */
size_t
outbuf_count_lines(const char *text, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, nl = ones * '\n';
	const uint64_t low7 = ones * 0x7f;
	size_t n = 0, i = 0;
	uint64_t w, v, z;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, text + i, 8);
		v = w ^ nl;
		/* High bit set in each byte of z exactly where v is zero. */
		z = ~(((v & low7) + low7) | v | low7);
		/* One bit per newline byte; a multiply sums them in the
		 * top byte (at most 8, no carry), with no popcnt needed. */
		n += (size_t)(((z >> 7) * ones) >> 56);
	}
	for (; i < len; i++)
		n += text[i] == '\n';
	return n;
}

struct outbuf *
outbuf_new(size_t max_lines, size_t max_bytes)
{
	struct outbuf	*ob = xcalloc(1, sizeof *ob);

	ob->max_lines = max_lines > 0 ? max_lines : 1;
	ob->max_bytes = max_bytes;
	return ob;
}

static struct sblock *
outbuf_block(const struct outbuf *ob, size_t i)
{
	size_t	at = ob->bhead + i;

	if (at >= ob->bcap)
		at -= ob->bcap;
	return &ob->blocks[at];
}

static void
sblock_clear(struct sblock *b)
{
	free(b->text);
	free(b->index);
	b->text = NULL;
	b->index = NULL;
}

void
outbuf_free(struct outbuf *ob)
{
	if (ob == NULL)
		return;
	for (int i = 0; i < OUTBUF_STREAMS; i++)
		free(ob->partial[i].buf);
	for (size_t i = 0; i < ob->bcount; i++)
		sblock_clear(outbuf_block(ob, i));
	free(ob->blocks);
	free(ob);
}

void
outbuf_set_block_cb(struct outbuf *ob, outbuf_block_cb cb, void *arg)
{
	ob->block_cb = cb;
	ob->block_arg = arg;
}

void
outbuf_set_filter(struct outbuf *ob, outbuf_filter_cb cb, void *arg)
{
	ob->filter = cb;
	ob->filter_arg = arg;
}

static void
outbuf_drop_oldest(struct outbuf *ob)
{
	struct sblock	*b = outbuf_block(ob, 0);

	ob->lines -= b->nlines;
	ob->bytes -= b->len - b->nlines;
	ob->dropped += b->nlines - ob->skip;
	ob->skip = 0;
	sblock_clear(b);
	if (++ob->bhead == ob->bcap)
		ob->bhead = 0;
	ob->bcount--;
}

/* Applies both caps after a block came in. */
static void
outbuf_evict(struct outbuf *ob)
{
	size_t	excess, left;

	while (ob->bcount > 1 && ob->bytes > ob->max_bytes)
		outbuf_drop_oldest(ob);
	while (ob->lines - ob->skip > ob->max_lines) {
		excess = ob->lines - ob->skip - ob->max_lines;
		left = outbuf_block(ob, 0)->nlines - ob->skip;
		if (excess >= left) {
			outbuf_drop_oldest(ob);
			continue;
		}
		ob->skip += excess;
		ob->dropped += excess;
	}
}

static struct sblock *
outbuf_push(struct outbuf *ob)
{
	struct sblock	*blocks;
	size_t		 cap;

	if (ob->bcount == ob->bcap) {
		cap = ob->bcap < 16 ? 16 : ob->bcap * 2;
		blocks = xreallocarray(NULL, cap, sizeof *blocks);
		for (size_t i = 0; i < ob->bcount; i++)
			blocks[i] = *outbuf_block(ob, i);
		free(ob->blocks);
		ob->blocks = blocks;
		ob->bcap = cap;
		ob->bhead = 0;
	}
	ob->bcount++;
	return outbuf_block(ob, ob->bcount - 1);
}

/* Stores len bytes of whole lines (the last may lack its '\n', and is a
 * piece of a longer line with cont) and reports them. */
static void
outbuf_add(struct outbuf *ob, int stream, const char *data, size_t len,
    int cont, int64_t ts_ms)
{
	struct outblock	 out;
	struct sblock	*b;
	const char	*text = data;

	if (ob->filter != NULL)
		text = ob->filter(ob->filter_arg, data, &len);
	b = outbuf_push(ob);
	memset(b, 0, sizeof *b);
	b->ts_ms = ts_ms;
	b->stream = stream;
	b->cont = cont;
	b->text = xmalloc(len + 1);
	memcpy(b->text, text, len);
	if (len == 0 || b->text[len - 1] != '\n')
		b->text[len++] = '\n';
	b->len = len;
	/* Counted after the filter, which may have changed the count. */
	b->nlines = outbuf_count_lines(b->text, len);
	b->first = ob->total;
	ob->lines += b->nlines;
	ob->bytes += len - b->nlines;
	ob->total += b->nlines;
	ob->generation++;
	out = (struct outblock){ ts_ms, stream, cont, b->text, len, b->nlines };
	outbuf_evict(ob);
	if (ob->block_cb != NULL)
		ob->block_cb(ob->block_arg, &out);
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

/* Completes the stream's unfinished line from the front of data, cutting
 * it when it grows past OUTBUF_LINE_MAX; returns the bytes consumed. */
static size_t
outbuf_finish_partial(struct outbuf *ob, int stream, struct outbuf_partial *p,
    const char *data, size_t len, int64_t ts_ms)
{
	const char	*nl = memchr(data, '\n', len);
	size_t		 seg = nl != NULL ? (size_t)(nl - data) : len;
	size_t		 take = OUTBUF_LINE_MAX - p->len;

	if (take > seg)
		take = seg;
	memcpy(p->buf + p->len, data, take);
	p->len += take;
	p->ts_ms = ts_ms;
	if (take == seg && nl != NULL) {
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

/* At most OUTBUF_LINE_MAX bytes, so no line of its block can be longer. */
static void
outbuf_feed_slice(struct outbuf *ob, int stream, const char *data, size_t len,
    int64_t ts_ms)
{
	struct outbuf_partial	*p = outbuf_partial(ob, stream);
	const char		*last;
	size_t			 used;

	while (p->len > 0 && len > 0) {
		used = outbuf_finish_partial(ob, stream, p, data, len, ts_ms);
		data += used;
		len -= used;
	}
	if (len == 0)
		return;
	/* Every complete line of the slice, as one block. */
	if ((last = memrchr(data, '\n', len)) != NULL) {
		used = (size_t)(last - data) + 1;
		outbuf_add(ob, stream, data, used, 0, ts_ms);
		data += used;
		len -= used;
	}
	memcpy(p->buf, data, len);
	p->len = len;
	p->ts_ms = ts_ms;
}

void
outbuf_feed(struct outbuf *ob, int stream, const char *data, size_t len,
    int64_t ts_ms)
{
	size_t	n;

	if (len > 0 && stream >= 0 && stream < OUTBUF_STREAMS)
		ob->last_stream = stream;
	for (; len > 0; data += n, len -= n) {
		n = len < OUTBUF_LINE_MAX ? len : OUTBUF_LINE_MAX;
		outbuf_feed_slice(ob, stream, data, n, ts_ms);
	}
}

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

size_t
outbuf_count(const struct outbuf *ob)
{
	return ob->lines - ob->skip;
}

/* Splits a block into lines in place: each '\n' becomes the line's NUL,
 * and a '\r' right before it goes too (but not at the end of a piece). */
static void
sblock_index(struct sblock *b)
{
	char	*p = b->text, *nl;
	size_t	 len;

	b->index = xreallocarray(NULL, b->nlines, sizeof *b->index);
	for (size_t k = 0; k < b->nlines; k++) {
		int	cont = b->cont && k + 1 == b->nlines;

		nl = memchr(p, '\n', (size_t)(b->text + b->len - p));
		if (nl == NULL)
			fatalx("outbuf: block of %zu lines ends early", b->nlines);
		len = (size_t)(nl - p);
		*nl = '\0';
		if (!cont && len > 0 && p[len - 1] == '\r')
			p[--len] = '\0';
		b->index[k] = (struct outline){ b->ts_ms, b->stream, cont, p, len };
		p = nl + 1;
	}
}

const struct outline *
outbuf_line(const struct outbuf *ob, size_t i)
{
	uint64_t	 want;
	size_t		 lo = 0, hi = ob->bcount, mid;
	struct sblock	*b;

	if (i >= outbuf_count(ob))
		return NULL;
	want = outbuf_block(ob, 0)->first + ob->skip + i;
	/* The last block whose first line is at or before want. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (outbuf_block(ob, mid)->first <= want)
			lo = mid;
		else
			hi = mid;
	}
	b = outbuf_block(ob, lo);
	if (b->index == NULL)
		sblock_index(b);	/* a cache: the lines do not change */
	return &b->index[want - b->first];
}

uint64_t
outbuf_dropped(const struct outbuf *ob)
{
	return ob->dropped;
}

uint64_t
outbuf_total(const struct outbuf *ob)
{
	return ob->total;
}

uint64_t
outbuf_generation(const struct outbuf *ob)
{
	return ob->generation;
}

const char *
outbuf_pending(const struct outbuf *ob, int *stream, size_t *len)
{
	const struct outbuf_partial	*p = NULL;
	const char			*text;

	for (int i = 0; i < OUTBUF_STREAMS; i++) {
		const struct outbuf_partial *q = &ob->partial[i];

		if (q->len > 0 && (p == NULL || q->ts_ms > p->ts_ms ||
		    (q->ts_ms == p->ts_ms && i == ob->last_stream))) {
			p = q;
			*stream = i;
		}
	}
	if (p == NULL)
		return NULL;
	*len = p->len;
	text = p->buf;
	/* Shown as its line will be stored: a hidden capture stays hidden. */
	if (ob->filter != NULL)
		text = ob->filter(ob->filter_arg, text, len);
	if (*len > 0 && text[*len - 1] == '\n')
		(*len)--;
	return text;
}
