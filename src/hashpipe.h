/* hashpipe.h: the SHA-256 of a stream of bytes, computed on a helper thread
 * once the stream is big enough to be worth it.
 *
 * A step that prints a GiB would otherwise spend more of the event loop's
 * time hashing its output file than reading and writing it. The writer
 * hands over whole buffers it has written (hashpipe_give) and gets an empty
 * one back, so nothing is copied; it waits only when the helper is a whole
 * pool of buffers behind. Small streams never start the thread. */
#ifndef DRC_HASHPIPE_H
#define DRC_HASHPIPE_H

#include <stddef.h>

#include "crypto.h"

/* Buffers handed to hashpipe_give are this size. */
#define HASHPIPE_BUFSIZE (256 * 1024)

struct hashpipe;

struct hashpipe *hashpipe_new(void);
/* Hashes len bytes of data, copying them if the helper runs. */
void hashpipe_update(struct hashpipe *hp, const void *data, size_t len);
/* Hands over buf (HASHPIPE_BUFSIZE bytes from xmalloc; its first len are
 * hashed) and returns a buffer of the same size to go on with: buf itself
 * while the hashing is still done in line. */
char *hashpipe_give(struct hashpipe *hp, char *buf, size_t len);
/* 1 once the helper thread hashes (the stream passed the threshold). */
int hashpipe_helping(const struct hashpipe *hp);
/* Waits for the helper, writes the digest as hex and frees hp. */
void hashpipe_final_hex(struct hashpipe *hp, char hex[CRYPTO_HEX_LEN]);
/* Stops the helper and frees hp without a digest (NULL is fine). */
void hashpipe_free(struct hashpipe *hp);

#endif
