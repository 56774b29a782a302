/* crypto.c: SHA-256, HMAC-SHA-256 and random strings on OpenSSL's EVP
 * interfaces. A failure inside OpenSSL here means a broken library or no
 * memory, neither of which a console can recover from, so those are fatal;
 * only reading a file is a recoverable error. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "fileutil.h"
#include "log.h"
#include "xmalloc.h"

struct crypto_hasher {
	EVP_MD_CTX	*md;	/* plain SHA-256, or */
	EVP_MAC_CTX	*mac;	/* HMAC-SHA-256 when keyed */
};

void
crypto_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static EVP_MAC_CTX *
hasher_new_hmac(const char *key)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		fatalx("OpenSSL has no HMAC");
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);	/* the context keeps its own reference */
	if (ctx == NULL)
		fatalx("cannot allocate an HMAC context");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key), params))
		fatalx("cannot start HMAC-SHA-256");
	return ctx;
}

struct crypto_hasher *
crypto_hasher_new(const char *key)
{
	struct crypto_hasher *h = xcalloc(1, sizeof *h);

	if (key != NULL) {
		h->mac = hasher_new_hmac(key);
		return h;
	}
	if ((h->md = EVP_MD_CTX_new()) == NULL)
		fatalx("cannot allocate a digest context");
	if (!EVP_DigestInit_ex(h->md, EVP_sha256(), NULL))
		fatalx("cannot start SHA-256");
	return h;
}

void
crypto_hasher_update(struct crypto_hasher *h, const void *data, size_t len)
{
	int ok;

	if (len == 0)
		return;
	if (h->mac != NULL)
		ok = EVP_MAC_update(h->mac, data, len);
	else
		ok = EVP_DigestUpdate(h->md, data, len);
	if (!ok)
		fatalx("SHA-256 update failed");
}

void
crypto_hasher_final_hex(struct crypto_hasher *h, char hex[CRYPTO_HEX_LEN])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t maclen = 0;

	if (h->mac != NULL) {
		if (!EVP_MAC_final(h->mac, digest, &maclen, sizeof digest))
			fatalx("HMAC-SHA-256 final failed");
		mdlen = (unsigned int)maclen;
	} else if (!EVP_DigestFinal_ex(h->md, digest, &mdlen))
		fatalx("SHA-256 final failed");
	if (mdlen != 32)
		fatalx("SHA-256 gave %u bytes", mdlen);
	crypto_hex(digest, mdlen, hex);
	crypto_hasher_free(h);
}

void
crypto_hasher_free(struct crypto_hasher *h)
{
	if (h == NULL)
		return;
	EVP_MAC_CTX_free(h->mac);
	EVP_MD_CTX_free(h->md);
	free(h);
}

void
crypto_sha256_hex(const void *data, size_t len, char hex[CRYPTO_HEX_LEN])
{
	struct crypto_hasher *h = crypto_hasher_new(NULL);

	crypto_hasher_update(h, data, len);
	crypto_hasher_final_hex(h, hex);
}

int
crypto_sha256_file(const char *path, char hex[CRYPTO_HEX_LEN], char **cause)
{
	struct crypto_hasher *h;
	unsigned char buf[65536];
	ssize_t n;
	int fd;

	if ((fd = file_openat_regular(AT_FDCWD, path, O_RDONLY, 0)) == -1) {
		*cause = xprintf("cannot open %s: %s", path, errno == ELOOP ? "a link (never followed)" :
		    errno == EINVAL ? "not a regular file" : strerror(errno));
		return -1;
	}
	h = crypto_hasher_new(NULL);
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		crypto_hasher_update(h, buf, (size_t)n);
	}
	if (n == -1) {
		*cause = xprintf("cannot read %s: %s", path, strerror(errno));
		crypto_hasher_free(h);
		close(fd);
		return -1;
	}
	close(fd);
	crypto_hasher_final_hex(h, hex);
	return 0;
}

int
crypto_equal_hex(const char a[CRYPTO_HEX_LEN], const char b[CRYPTO_HEX_LEN])
{
	return CRYPTO_memcmp(a, b, CRYPTO_HEX_LEN - 1) == 0;
}

char *
crypto_random_string(size_t n)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	/* 248 is the largest multiple of 62 that fits a byte: bytes at or
	 * above it are thrown away, else the first 8 letters would be likelier. */
	const unsigned int limit = 256 - 256 % 62;
	unsigned char pool[64];
	char *s = xmalloc(n + 1);
	size_t got = 0;

	while (got < n) {
		if (RAND_bytes(pool, sizeof pool) != 1)
			fatalx("RAND_bytes failed: no randomness available");
		for (size_t i = 0; i < sizeof pool && got < n; i++) {
			if (pool[i] < limit)
				s[got++] = alphabet[pool[i] % 62];
		}
	}
	OPENSSL_cleanse(pool, sizeof pool);	/* the string may be a secret */
	s[n] = '\0';
	return s;
}
