/* crypto.h: the hashing and randomness the journal and reports rely on:
 * SHA-256 and HMAC-SHA-256 as lowercase hex, and random tokens. */
#ifndef DRC_CRYPTO_H
#define DRC_CRYPTO_H

#include <stddef.h>

/* Length of a SHA-256 digest as hex, with its terminating NUL. */
#define CRYPTO_HEX_LEN 65

struct crypto_hasher;

/* Writes len bytes as lowercase hex; out holds 2 * len + 1 bytes. */
void crypto_hex(const unsigned char *in, size_t len, char *out);

/* SHA-256 of a whole file as hex; -1 and *cause if it cannot be read. */
int crypto_sha256_file(const char *path, char hex[CRYPTO_HEX_LEN], char **cause);

/* SHA-256 of a buffer as hex. */
void crypto_sha256_hex(const void *data, size_t len, char hex[CRYPTO_HEX_LEN]);

/* Starts an incremental SHA-256, or HMAC-SHA-256 when key is not NULL. */
struct crypto_hasher *crypto_hasher_new(const char *key);
/* Feeds len bytes to the hasher. */
void crypto_hasher_update(struct crypto_hasher *h, const void *data, size_t len);
/* Writes the digest as hex and frees the hasher. */
void crypto_hasher_final_hex(struct crypto_hasher *h, char hex[CRYPTO_HEX_LEN]);
/* Frees a hasher whose digest is not wanted (NULL is fine). */
void crypto_hasher_free(struct crypto_hasher *h);

/* 1 if two hex digests are equal, compared in constant time. */
int crypto_equal_hex(const char a[CRYPTO_HEX_LEN], const char b[CRYPTO_HEX_LEN]);

/* Returns n uniformly random characters from [A-Za-z0-9], allocated. */
char *crypto_random_string(size_t n);

#endif
