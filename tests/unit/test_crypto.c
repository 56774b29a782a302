/* test_crypto.c: SHA-256 and HMAC against published vectors, file hashing
 * on real files, and the random strings' alphabet and uniformity. */
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
#include "xmalloc.h"

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* RFC 4231, test case 2. */
#define HMAC_JEFE "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

static void
test_hex(void **state)
{
	const unsigned char in[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[9];

	(void)state;
	memset(out, 'x', sizeof out);
	crypto_hex(in, sizeof in, out);
	assert_string_equal(out, "000fa5ff");
	crypto_hex(in, 0, out);
	assert_string_equal(out, "");
}

static void
test_sha256_vectors(void **state)
{
	char hex[CRYPTO_HEX_LEN];

	(void)state;
	crypto_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, SHA_ABC);
	crypto_sha256_hex("", 0, hex);
	assert_string_equal(hex, SHA_EMPTY);
}

static void
test_hasher_incremental(void **state)
{
	const char *msg = "what do ya want for nothing?";
	struct crypto_hasher *h;
	char hex[CRYPTO_HEX_LEN], whole[CRYPTO_HEX_LEN];

	(void)state;
	h = crypto_hasher_new("Jefe");
	for (const char *p = msg; *p != '\0'; p++)
		crypto_hasher_update(h, p, 1);
	crypto_hasher_final_hex(h, hex);
	assert_string_equal(hex, HMAC_JEFE);

	h = crypto_hasher_new(NULL);
	crypto_hasher_update(h, "a", 1);
	crypto_hasher_update(h, "", 0);
	crypto_hasher_update(h, "bc", 2);
	crypto_hasher_final_hex(h, hex);
	assert_string_equal(hex, SHA_ABC);

	/* A key must change the digest of the same bytes. */
	crypto_sha256_hex(msg, strlen(msg), whole);
	assert_string_not_equal(whole, HMAC_JEFE);
	crypto_hasher_free(crypto_hasher_new("unused"));
	crypto_hasher_free(NULL);
}

static void
test_sha256_file(void **state)
{
	char path[] = "/tmp/drc-crypto-XXXXXX";
	size_t len = 200000;	/* several read()s */
	char *data = xmalloc(len), *cause = NULL;
	char want[CRYPTO_HEX_LEN], got[CRYPTO_HEX_LEN];
	FILE *f;
	int fd;

	(void)state;
	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i * 7 + i / 251);
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);

	crypto_sha256_hex(data, len, want);
	assert_int_equal(crypto_sha256_file(path, got, &cause), 0);
	assert_string_equal(got, want);

	unlink(path);
	assert_int_equal(crypto_sha256_file(path, got, &cause), -1);
	assert_non_null(strstr(cause, path));
	assert_non_null(strstr(cause, "No such file"));
	free(cause);
	free(data);
}

static void
test_random_alphabet(void **state)
{
	char *a, *b;

	(void)state;
	a = crypto_random_string(200);
	b = crypto_random_string(200);
	assert_int_equal(strlen(a), 200);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789"), 200);
	assert_string_not_equal(a, b);	/* 62^-200: never by chance */
	free(a);
	free(b);
	a = crypto_random_string(0);
	assert_string_equal(a, "");
	free(a);
}

/*
 * A plain "byte % 62" would make 'A'..'H' (the first 8) a quarter likelier
 * than the rest. With 2000 expected per character the counts' standard
 * deviation is about 45, so both bounds below sit many deviations away
 * from a uniform generator and a biased one alike.
 */
static void
test_random_uniform(void **state)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const size_t per = 2000, n = 62 * per;
	double chi = 0, first8 = 0, rest = 0;
	size_t counts[62] = { 0 };
	char *s = crypto_random_string(n);

	(void)state;
	for (size_t i = 0; i < n; i++)
		counts[strchr(alphabet, s[i]) - alphabet]++;
	for (size_t c = 0; c < 62; c++) {
		double d = (double)counts[c] - (double)per;

		chi += d * d / (double)per;
		if (c < 8)
			first8 += (double)counts[c] / 8;
		else
			rest += (double)counts[c] / 54;
	}
	/* 61 degrees of freedom: P(chi > 150) is about 1e-9. */
	assert_true(chi < 150);
	assert_true(first8 / rest < 1.05 && first8 / rest > 0.95);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_hasher_incremental),
		cmocka_unit_test(test_sha256_file),
		cmocka_unit_test(test_random_alphabet),
		cmocka_unit_test(test_random_uniform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
