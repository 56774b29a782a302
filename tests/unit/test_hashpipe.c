/* test_hashpipe.c: the helper-thread SHA-256 must equal the plain one for
 * every way bytes reach it (in line, handed-over buffers, copies, both
 * sides of the point where the thread starts), and an output file big
 * enough to use it must hash to what its bytes on disk hash to. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "hashpipe.h"
#include "outbuf.h"
#include "outfile.h"
#include "xmalloc.h"

/* Enough to be well past the point where the thread starts (4 MiB). */
#define BIG (24u * 1024 * 1024 + 12345)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static void
fill(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		buf[i] = (char)rng;
	}
}

/* The helper ran, and its digest is the plain one of data. */
static void
assert_digest(struct hashpipe *hp, const char *data, size_t len)
{
	char want[CRYPTO_HEX_LEN], got[CRYPTO_HEX_LEN];

	assert_true(hashpipe_helping(hp));
	hashpipe_final_hex(hp, got);
	crypto_sha256_hex(data, len, want);
	assert_string_equal(got, want);
}

static void
test_small_in_line(void **state)
{
	struct hashpipe *hp = hashpipe_new();
	char want[CRYPTO_HEX_LEN], got[CRYPTO_HEX_LEN];

	(void)state;
	hashpipe_update(hp, "ab", 2);
	hashpipe_update(hp, "c", 1);
	assert_false(hashpipe_helping(hp));
	hashpipe_final_hex(hp, got);
	crypto_sha256_hex("abc", 3, want);
	assert_string_equal(got, want);
	hp = hashpipe_new();
	hashpipe_final_hex(hp, got);
	crypto_sha256_hex("", 0, want);
	assert_string_equal(got, want);
}

/* Buffers handed over part full, as a writer flushing on a timer would. */
static void
test_given_buffers(void **state)
{
	char *data = xmalloc(BIG), *buf = xmalloc(HASHPIPE_BUFSIZE);
	struct hashpipe *hp = hashpipe_new();
	size_t off = 0, n;

	(void)state;
	fill(data, BIG);
	for (unsigned k = 0; off < BIG; k++) {
		n = HASHPIPE_BUFSIZE - (k * 7919) % 5000;
		if (n > BIG - off)
			n = BIG - off;
		memcpy(buf, data + off, n);
		buf = hashpipe_give(hp, buf, n);
		/* What comes back is ours to scribble on at once. */
		memset(buf, 0xa5, HASHPIPE_BUFSIZE);
		off += n;
	}
	assert_digest(hp, data, BIG);
	free(buf);
	free(data);
}

/* Copies of odd sizes, some longer than a buffer, mixed with handovers. */
static void
test_copies_and_handovers(void **state)
{
	char *data = xmalloc(BIG), *buf = xmalloc(HASHPIPE_BUFSIZE);
	struct hashpipe *hp = hashpipe_new();
	size_t off = 0, n;

	(void)state;
	fill(data, BIG);
	for (unsigned k = 0; off < BIG; k++) {
		if (k % 3 == 0) {
			n = HASHPIPE_BUFSIZE / 3;
			if (n > BIG - off)
				n = BIG - off;
			memcpy(buf, data + off, n);
			buf = hashpipe_give(hp, buf, n);
		} else {
			n = (k * 104729) % (3 * HASHPIPE_BUFSIZE) + 1;
			if (n > BIG - off)
				n = BIG - off;
			hashpipe_update(hp, data + off, n);
		}
		off += n;
	}
	assert_digest(hp, data, BIG);
	free(buf);
	free(data);
}

/* Abandoned with the helper running and work queued: no leak, no hang. */
static void
test_free_while_busy(void **state)
{
	char *data = xmalloc(BIG);
	struct hashpipe *hp = hashpipe_new();

	(void)state;
	fill(data, BIG);
	hashpipe_update(hp, data, BIG);
	assert_true(hashpipe_helping(hp));
	hashpipe_free(hp);
	hashpipe_free(NULL);
	free(data);
}

/* A flood through an output file: its recorded hash is the file's. */
static void
test_big_output_file(void **state)
{
	char dir[] = "/tmp/test_hashpipe.XXXXXX", *cause = NULL, *path, *lines;
	char got[CRYPTO_HEX_LEN], want[CRYPTO_HEX_LEN];
	struct outfile *of;
	size_t len = 0, nlines = 0;
	FILE *fp;
	char head[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	of = outfile_open(dir, 1, "flood", &cause);
	assert_non_null(of);
	lines = xmalloc(65536);
	for (unsigned i = 0; len < 65000; i++, nlines++)
		len += (size_t)snprintf(lines + len, 65536 - len, "%u\n", i);
	/* About 40 MiB of blocks, a header each. */
	for (int k = 0; k < 640; k++) {
		struct outblock b = { 1795000000000 + k, OUTFILE_STDOUT, 0, lines, len, nlines };

		assert_int_equal(outfile_write_block(of, &b, &cause), 0);
	}
	assert_int_equal(outfile_close(of, got, &cause), 0);
	path = xprintf("%s/output/01-flood.log", dir);
	assert_int_equal(crypto_sha256_file(path, want, &cause), 0);
	assert_string_equal(got, want);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(head, sizeof head, fp));
	snprintf(lines, 65536, "2026-11-18T11:06:40.000Z out:%zu\n", nlines);
	assert_string_equal(head, lines);
	assert_non_null(fgets(head, sizeof head, fp));
	assert_string_equal(head, "0\n");
	fclose(fp);
	unlink(path);
	free(path);
	path = xprintf("%s/output", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
	free(lines);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_in_line),
		cmocka_unit_test(test_given_buffers),
		cmocka_unit_test(test_copies_and_handovers),
		cmocka_unit_test(test_free_while_busy),
		cmocka_unit_test(test_big_output_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
