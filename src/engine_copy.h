/* engine_copy.h: a copy step's file, read and hashed once for all its
 * hosts (engine_remote.c sends it). Private to the engine. */
#ifndef DRC_ENGINE_COPY_H
#define DRC_ENGINE_COPY_H

#include <stddef.h>

#include "crypto.h"

struct engine;

struct copy_file {
	char *src, *dest;	/* expanded */
	unsigned char *data;
	size_t len;
	char sha256[CRYPTO_HEX_LEN];
	int mode;
};

/* Expands step i's copy: and reads its file whole (a regular file of at
 * most SSH_COPY_MAX bytes); -1 with *cause. */
int copy_file_read(struct engine *e, int i, struct copy_file *cf, char **cause);
void copy_file_free(struct copy_file *cf);
/* "copy SRC (N bytes, sha256 H) to DEST, mode M": the step's command as
 * people and the journal see it. */
char *copy_file_shown(const struct copy_file *cf);

#endif
