/* test_outbuf.c: line assembly, caps, cutting and filtering of outbuf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"

#define OUT	1
#define ERR	2

static void
feeds(struct outbuf *ob, int stream, const char *s, int64_t ts)
{
	outbuf_feed(ob, stream, s, strlen(s), ts);
}

static const char *
text(const struct outbuf *ob, size_t i)
{
	const struct outline	*ol = outbuf_line(ob, i);

	assert_non_null(ol);
	assert_int_equal(strlen(ol->text), ol->len);
	assert_null(memchr(ol->text, '\n', ol->len));
	return ol->text;
}

static void
test_split_across_feeds(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10000);

	(void)state;
	feeds(ob, OUT, "hel", 1);
	assert_int_equal(outbuf_count(ob), 0);
	feeds(ob, OUT, "lo\nwor", 2);
	assert_int_equal(outbuf_count(ob), 1);
	feeds(ob, OUT, "ld\n\nlast\n", 3);
	assert_int_equal(outbuf_count(ob), 4);
	assert_string_equal(text(ob, 0), "hello");
	assert_string_equal(text(ob, 1), "world");
	assert_string_equal(text(ob, 2), "");
	assert_string_equal(text(ob, 3), "last");
	/* A line's time is when it was completed. */
	assert_int_equal(outbuf_line(ob, 0)->ts_ms, 2);
	assert_int_equal(outbuf_line(ob, 1)->ts_ms, 3);
	assert_null(outbuf_line(ob, 4));
	assert_int_equal(outbuf_total(ob), 4);
	assert_int_equal(outbuf_dropped(ob), 0);
	outbuf_free(ob);
}

static void
test_crlf(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10000);

	(void)state;
	feeds(ob, OUT, "a\r\nb\r", 1);
	feeds(ob, OUT, "\n\r\nx\ry\n\r\r\n", 2);
	assert_int_equal(outbuf_count(ob), 5);
	assert_string_equal(text(ob, 0), "a");
	assert_string_equal(text(ob, 1), "b");	/* CR and LF in two feeds */
	assert_string_equal(text(ob, 2), "");
	/* Only a CR right before the LF goes. */
	assert_string_equal(text(ob, 3), "x\ry");
	assert_string_equal(text(ob, 4), "\r");
	outbuf_free(ob);
}

static void
test_interleaved_streams(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10000);

	(void)state;
	feeds(ob, OUT, "out1 part", 1);
	feeds(ob, ERR, "err", 2);
	feeds(ob, ERR, "1\nerr2 ", 3);
	feeds(ob, OUT, "ial\n", 4);
	assert_int_equal(outbuf_count(ob), 2);
	assert_string_equal(text(ob, 0), "err1");
	assert_int_equal(outbuf_line(ob, 0)->stream, ERR);
	assert_string_equal(text(ob, 1), "out1 partial");
	assert_int_equal(outbuf_line(ob, 1)->stream, OUT);
	outbuf_flush(ob);
	assert_int_equal(outbuf_count(ob), 3);
	assert_string_equal(text(ob, 2), "err2 ");
	assert_int_equal(outbuf_line(ob, 2)->stream, ERR);
	outbuf_free(ob);
}

static void
test_flush_partial(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10000);
	uint64_t	 gen;

	(void)state;
	feeds(ob, OUT, "done\nno newline", 5);
	gen = outbuf_generation(ob);
	feeds(ob, OUT, " here", 7);
	/* Partial bytes are not a stored change. */
	assert_int_equal(outbuf_generation(ob), gen);
	assert_int_equal(outbuf_count(ob), 1);
	outbuf_flush(ob);
	assert_true(outbuf_generation(ob) > gen);
	assert_int_equal(outbuf_count(ob), 2);
	assert_string_equal(text(ob, 1), "no newline here");
	assert_int_equal(outbuf_line(ob, 1)->ts_ms, 7);
	assert_int_equal(outbuf_line(ob, 1)->cont, 0);
	gen = outbuf_generation(ob);
	outbuf_flush(ob);	/* nothing left: no change */
	assert_int_equal(outbuf_count(ob), 2);
	assert_int_equal(outbuf_generation(ob), gen);
	outbuf_free(ob);
}

static void
test_line_cap(void **state)
{
	struct outbuf	*ob = outbuf_new(3, 10000);
	char		 buf[32];

	(void)state;
	for (int i = 1; i <= 5; i++) {
		snprintf(buf, sizeof buf, "line%d\n", i);
		feeds(ob, OUT, buf, i);
	}
	assert_int_equal(outbuf_count(ob), 3);
	assert_int_equal(outbuf_dropped(ob), 2);
	assert_int_equal(outbuf_total(ob), 5);
	assert_string_equal(text(ob, 0), "line3");
	assert_string_equal(text(ob, 2), "line5");
	outbuf_free(ob);
}

static void
test_byte_cap(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10);

	(void)state;
	feeds(ob, OUT, "aaaa\n", 1);
	feeds(ob, OUT, "bbbb\n", 1);
	assert_int_equal(outbuf_count(ob), 2);
	feeds(ob, OUT, "cccc\n", 2);	/* 12 bytes > 10: oldest goes */
	assert_int_equal(outbuf_count(ob), 2);
	assert_int_equal(outbuf_dropped(ob), 1);
	assert_string_equal(text(ob, 0), "bbbb");
	assert_string_equal(text(ob, 1), "cccc");
	feeds(ob, OUT, "0123456789\n", 3);	/* exactly the cap: alone */
	assert_int_equal(outbuf_count(ob), 1);
	assert_int_equal(outbuf_dropped(ob), 3);
	feeds(ob, OUT, "this one is longer than the cap\n", 4);
	assert_int_equal(outbuf_count(ob), 1);
	assert_string_equal(text(ob, 0), "this one is longer than the cap");
	outbuf_free(ob);
}

/* Line i of the churn test: variable length so the arena wraps oddly. */
static size_t
churn_line(char *buf, size_t cap, unsigned int i)
{
	int	n = snprintf(buf, cap, "line-%u-", i);

	memset(buf + n, 'a' + (char)(i % 26), i % 97);
	buf[n + i % 97] = '\n';
	return (size_t)n + i % 97 + 1;
}

static void
test_churn_keeps_contents(void **state)
{
	struct outbuf	*ob = outbuf_new(50, 3000);
	char		 buf[256], want[256];
	unsigned int	 n = 200000, first;
	size_t		 len;

	(void)state;
	/* Many lines through a small store: compaction and the ring wrap
	 * thousands of times; the newest lines must be intact. */
	for (unsigned int i = 0; i < n; i++) {
		len = churn_line(buf, sizeof buf, i);
		/* Split each line over two feeds half of the time. */
		if (i % 2) {
			outbuf_feed(ob, OUT, buf, len / 2, i);
			outbuf_feed(ob, OUT, buf + len / 2, len - len / 2, i);
		} else
			outbuf_feed(ob, OUT, buf, len, i);
	}
	assert_int_equal(outbuf_total(ob), n);
	assert_int_equal(outbuf_dropped(ob) + outbuf_count(ob), n);
	assert_true(outbuf_count(ob) <= 50);
	assert_true(outbuf_count(ob) >= 20);
	first = n - (unsigned int)outbuf_count(ob);
	len = 0;
	for (size_t i = 0; i < outbuf_count(ob); i++) {
		size_t	wlen = churn_line(want, sizeof want,
		    first + (unsigned int)i);

		want[wlen - 1] = '\0';
		assert_string_equal(text(ob, i), want);
		assert_int_equal(outbuf_line(ob, i)->ts_ms, first + i);
		len += outbuf_line(ob, i)->len;
	}
	assert_true(len <= 3000);
	outbuf_free(ob);
}

static void
check_pieces(struct outbuf *ob, size_t total)
{
	size_t	n = outbuf_count(ob), sum = 0;

	for (size_t i = 0; i < n; i++) {
		const struct outline	*ol = outbuf_line(ob, i);

		assert_int_equal(ol->cont, i + 1 < n);
		if (i + 1 < n)
			assert_int_equal(ol->len, OUTBUF_LINE_MAX);
		for (size_t j = 0; j < ol->len; j++)
			assert_int_equal(ol->text[j], 'z');
		sum += ol->len;
	}
	assert_int_equal(sum, total);
}

static void
test_long_line_cut(void **state)
{
	size_t		 total = 2 * OUTBUF_LINE_MAX + 10;
	char		*big = malloc(total + 1);
	struct outbuf	*ob;

	(void)state;
	memset(big, 'z', total);
	big[total] = '\n';
	/* In one feed. */
	ob = outbuf_new(100, 1 << 20);
	outbuf_feed(ob, OUT, big, total + 1, 1);
	assert_int_equal(outbuf_count(ob), 3);
	check_pieces(ob, total);
	outbuf_free(ob);
	/* In small feeds, through the partial line. */
	ob = outbuf_new(100, 1 << 20);
	for (size_t off = 0; off <= total; off += 1000) {
		size_t	n = total + 1 - off < 1000 ? total + 1 - off : 1000;

		outbuf_feed(ob, OUT, big + off, n, 1);
	}
	assert_int_equal(outbuf_count(ob), 3);
	check_pieces(ob, total);
	outbuf_free(ob);
	/* Exactly the limit is one line, even with the newline fed later. */
	ob = outbuf_new(100, 1 << 20);
	outbuf_feed(ob, OUT, big, OUTBUF_LINE_MAX, 1);
	assert_int_equal(outbuf_count(ob), 0);
	outbuf_feed(ob, OUT, "\n", 1, 1);
	assert_int_equal(outbuf_count(ob), 1);
	check_pieces(ob, OUTBUF_LINE_MAX);
	outbuf_free(ob);
	free(big);
}

struct mask {
	const char	*secret;
	const char	*with;
	int		 calls;
	char		 out[4096];
};

/* Replaces every occurrence of the secret; the text itself when none. */
static const char *
mask_filter(void *arg, const char *text, size_t *len)
{
	struct mask	*m = arg;
	size_t		 slen = strlen(m->secret), wlen = strlen(m->with), n = 0;
	const char	*at = text, *end = text + *len, *hit;

	m->calls++;
	if (memmem(text, *len, m->secret, slen) == NULL)
		return text;
	while ((hit = memmem(at, (size_t)(end - at), m->secret, slen)) != NULL) {
		memcpy(m->out + n, at, (size_t)(hit - at));
		n += (size_t)(hit - at);
		memcpy(m->out + n, m->with, wlen);
		n += wlen;
		at = hit + slen;
	}
	memcpy(m->out + n, at, (size_t)(end - at));
	*len = n + (size_t)(end - at);
	return m->out;
}

struct seen {
	char	 lines[8][128];
	int	 n;
	size_t	 blocks;
};

/* Records each line of each block as "stream:text". */
static void
seen_cb(void *arg, const struct outblock *b)
{
	struct seen	*s = arg;
	const char	*p = b->text, *nl;

	s->blocks++;
	assert_int_equal(b->text[b->len - 1], '\n');
	for (size_t k = 0; k < b->nlines; k++) {
		nl = memchr(p, '\n', (size_t)(b->text + b->len - p));
		assert_non_null(nl);
		assert_true(s->n < 8);
		snprintf(s->lines[s->n++], sizeof s->lines[0], "%d:%.*s",
		    b->stream, (int)(nl - p), p);
		p = nl + 1;
	}
	assert_ptr_equal(p, b->text + b->len);
}

static void
test_filter_sees_whole_line(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10000);
	struct mask	 m = { "hunter2", "****", 0, "" };
	struct seen	 s = { .n = 0 };

	(void)state;
	outbuf_set_filter(ob, mask_filter, &m);
	outbuf_set_block_cb(ob, seen_cb, &s);
	feeds(ob, OUT, "login with pass=hun", 1);
	feeds(ob, ERR, "warning: hunter2\r\n", 2);
	feeds(ob, OUT, "ter2 ok\n", 3);
	assert_int_equal(m.calls, 2);
	assert_int_equal(outbuf_count(ob), 2);
	assert_string_equal(text(ob, 0), "warning: ****");
	assert_string_equal(text(ob, 1), "login with pass=**** ok");
	/* The callback sees the masked text too (the CR is still there). */
	assert_int_equal(s.n, 2);
	assert_string_equal(s.lines[0], "2:warning: ****\r");
	assert_string_equal(s.lines[1], "1:login with pass=**** ok");
	assert_null(strstr(text(ob, 1), "hunter2"));
	outbuf_free(ob);
}

/* The unfinished line written last, through the filter, without a
 * newline; none once every line ended. */
static void
test_pending_line(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10000);
	struct mask	 m = { "hunter2", "****", 0, "" };
	const char	*p;
	size_t		 len;
	int		 stream = -1;

	(void)state;
	assert_null(outbuf_pending(ob, &stream, &len));
	feeds(ob, OUT, "copying\n\r 37%", 1);
	p = outbuf_pending(ob, &stream, &len);
	assert_non_null(p);
	assert_int_equal(stream, OUT);
	assert_int_equal(len, 5);
	assert_memory_equal(p, "\r 37%", 5);
	feeds(ob, ERR, "pass hunter2", 2);
	outbuf_set_filter(ob, mask_filter, &m);
	p = outbuf_pending(ob, &stream, &len);
	assert_int_equal(stream, ERR);
	assert_int_equal(len, 9);
	assert_memory_equal(p, "pass ****", 9);
	assert_int_equal(outbuf_count(ob), 1);	/* nothing was stored */
	feeds(ob, ERR, "\n", 3);
	p = outbuf_pending(ob, &stream, &len);
	assert_int_equal(stream, OUT);		/* the one still unfinished */
	feeds(ob, OUT, "\n", 4);
	assert_null(outbuf_pending(ob, &stream, &len));
	outbuf_free(ob);
}

static void
test_filter_may_grow_line(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10000);
	struct mask	 m = { "ab", "[masked]", 0, "" };
	char		 line[200], want[800];

	(void)state;
	outbuf_set_filter(ob, mask_filter, &m);
	/* Many short secrets make the line four times longer. */
	line[0] = want[0] = '\0';
	for (int i = 0; i < 40; i++) {
		strcat(line, "ab");
		strcat(want, "[masked]");
	}
	strcat(line, "\n");
	feeds(ob, OUT, "x", 1);
	feeds(ob, OUT, line, 1);
	feeds(ob, OUT, "tail", 1);
	outbuf_flush(ob);
	assert_int_equal(outbuf_count(ob), 2);
	assert_int_equal(outbuf_line(ob, 0)->len, 1 + 40 * 8);
	assert_string_equal(text(ob, 0) + 1, want);
	assert_string_equal(text(ob, 1), "tail");
	outbuf_free(ob);
}

/* A filter that turns a secret holding a newline into ****: the block's
 * line count is the filtered text's. */
static void
test_filter_changes_line_count(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10000);
	struct mask	 m = { "pass\nword", "****", 0, "" };

	(void)state;
	outbuf_set_filter(ob, mask_filter, &m);
	feeds(ob, OUT, "a pass\nword b\nc\n", 1);
	assert_int_equal(outbuf_count(ob), 2);
	assert_int_equal(outbuf_total(ob), 2);
	assert_string_equal(text(ob, 0), "a **** b");
	assert_string_equal(text(ob, 1), "c");
	outbuf_free(ob);
}

/* The lines of one read arrive as one block, partial lines completed
 * first on their own. */
static void
test_blocks(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10000);
	struct seen	 s = { .n = 0 };

	(void)state;
	outbuf_set_block_cb(ob, seen_cb, &s);
	feeds(ob, OUT, "one\ntwo\nthr", 1);
	assert_int_equal(s.blocks, 1);
	feeds(ob, OUT, "ee\nfour\nfive\n", 2);
	assert_int_equal(s.blocks, 3);	/* "three" alone, then the rest */
	assert_int_equal(s.n, 5);
	assert_string_equal(s.lines[2], "1:three");
	assert_string_equal(s.lines[4], "1:five");
	assert_int_equal(outbuf_count(ob), 5);
	assert_string_equal(text(ob, 1), "two");
	assert_string_equal(text(ob, 2), "three");
	assert_int_equal(outbuf_line(ob, 2)->ts_ms, 2);
	assert_string_equal(text(ob, 4), "five");
	outbuf_free(ob);
}

/* The line cap is exact inside a block: lines are hidden from its front,
 * and what stays is still reachable line by line. */
static void
test_line_cap_inside_block(void **state)
{
	struct outbuf	*ob = outbuf_new(3, 10000);

	(void)state;
	feeds(ob, OUT, "1\n2\n3\n4\n5\n", 1);
	assert_int_equal(outbuf_count(ob), 3);
	assert_int_equal(outbuf_dropped(ob), 2);
	assert_string_equal(text(ob, 0), "3");
	feeds(ob, OUT, "6\n", 2);
	assert_int_equal(outbuf_count(ob), 3);
	assert_int_equal(outbuf_dropped(ob), 3);
	assert_string_equal(text(ob, 0), "4");
	assert_string_equal(text(ob, 2), "6");
	feeds(ob, OUT, "7\n8\n", 3);
	assert_string_equal(text(ob, 0), "6");
	assert_int_equal(outbuf_dropped(ob) + outbuf_count(ob), outbuf_total(ob));
	outbuf_free(ob);
}

/* The byte cap drops whole blocks, and always keeps the newest. */
static void
test_byte_cap_blocks(void **state)
{
	struct outbuf	*ob = outbuf_new(100, 10);

	(void)state;
	feeds(ob, OUT, "aaaa\nbbbb\n", 1);
	assert_int_equal(outbuf_count(ob), 2);
	feeds(ob, OUT, "cc\n", 2);	/* 10 bytes: still fits */
	assert_int_equal(outbuf_count(ob), 3);
	feeds(ob, OUT, "d\n", 3);	/* 11: the first block goes whole */
	assert_int_equal(outbuf_count(ob), 2);
	assert_int_equal(outbuf_dropped(ob), 2);
	assert_string_equal(text(ob, 0), "cc");
	outbuf_free(ob);
}

static void
test_count_lines(void **state)
{
	char	buf[300];

	(void)state;
	assert_int_equal(outbuf_count_lines("", 0), 0);
	assert_int_equal(outbuf_count_lines("\n", 1), 1);
	/* Every length and alignment around the word size, and bytes that
	 * could fool a word-at-a-time test: NUL, 0x0b, 0x8a, 0xff. */
	for (size_t len = 0; len < 40; len++) {
		for (size_t off = 0; off < 8; off++) {
			size_t	want = 0;

			for (size_t i = 0; i < len; i++) {
				static const char pick[] = { 'a', '\n', '\0', 0x0b, (char)0x8a, (char)0xff, 0x09 };
				char	c = pick[(i * 7 + len + off) % sizeof pick];

				buf[off + i] = c;
				want += c == '\n';
			}
			assert_int_equal(outbuf_count_lines(buf + off, len), want);
		}
	}
	memset(buf, '\n', sizeof buf);
	assert_int_equal(outbuf_count_lines(buf, sizeof buf), sizeof buf);
}

static void
test_many_lines_counted(void **state)
{
	struct outbuf	*ob = outbuf_new(1000, 1 << 16);
	char		*chunk = malloc(1 << 16);
	size_t		 used = 0;
	unsigned int	 next = 1, lines = 2000000;
	char		 last[32];

	(void)state;
	/* seq 1 2000000 fed in 64 KiB reads, as a job delivers it. */
	while (next <= lines) {
		used += (size_t)snprintf(chunk + used, 16, "%u\n", next++);
		if (used > (1 << 16) - 16 || next > lines) {
			outbuf_feed(ob, OUT, chunk, used, 0);
			used = 0;
		}
	}
	assert_int_equal(outbuf_total(ob), lines);
	assert_int_equal(outbuf_count(ob), 1000);
	assert_int_equal(outbuf_dropped(ob), lines - 1000);
	snprintf(last, sizeof last, "%u", lines);
	assert_string_equal(text(ob, 999), last);
	snprintf(last, sizeof last, "%u", lines - 999);
	assert_string_equal(text(ob, 0), last);
	free(chunk);
	outbuf_free(ob);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_across_feeds),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_interleaved_streams),
		cmocka_unit_test(test_flush_partial),
		cmocka_unit_test(test_line_cap),
		cmocka_unit_test(test_byte_cap),
		cmocka_unit_test(test_churn_keeps_contents),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_filter_sees_whole_line),
		cmocka_unit_test(test_filter_may_grow_line),
		cmocka_unit_test(test_pending_line),
		cmocka_unit_test(test_many_lines_counted),
		cmocka_unit_test(test_filter_changes_line_count),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_line_cap_inside_block),
		cmocka_unit_test(test_byte_cap_blocks),
		cmocka_unit_test(test_count_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
