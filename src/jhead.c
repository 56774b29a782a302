/* jhead.c: the journal's head file (see jhead.h): replaced whole with
 * file_write_atomic_at, read back for verify and resume. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fileutil.h"
#include "jhead.h"
#include "log.h"
#include "xmalloc.h"

#define JHEAD_MAX 1024		/* a head is about 200 bytes */

/* The HMAC binds seq and hash: a head for a cut journal needs the key. */
static void
jhead_mac(int64_t seq, const char *hash, const char *key, char mac[CRYPTO_HEX_LEN])
{
	struct crypto_hasher *h = crypto_hasher_new(key);
	char *text = xprintf("journal.head\n%lld\n%s", (long long)seq, hash);

	crypto_hasher_update(h, text, strlen(text));
	crypto_hasher_final_hex(h, mac);
	free(text);
}

/* The head's one line; the caller frees it. */
static char *
jhead_text(int64_t seq, const char *hash, const char *key)
{
	char mac[CRYPTO_HEX_LEN], *text, *line;
	json_t *o = json_pack("{sIss}", "seq", (json_int_t)seq, "hash", hash);

	if (key != NULL) {
		jhead_mac(seq, hash, key, mac);
		json_object_set_new(o, "mac", json_string(mac));
	}
	if ((text = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("cannot serialise the journal head");
	json_decref(o);
	line = xprintf("%s\n", text);
	free(text);
	return line;
}

int
jhead_write(int dirfd, int64_t seq, const char *hash, const char *key, char **cause)
{
	char *text = jhead_text(seq, hash, key);
	int rc;

	/* Only the journal's lock holder writes it: a fixed temporary name,
	 * made afresh each time (a leftover from a crash is removed first). */
	rc = file_write_atomic_at(dirfd, JHEAD_FILE, JHEAD_FILE ".tmp", JHEAD_FILE, text, strlen(text), 0600,
	    FILE_SYNC_DIR, cause);
	free(text);
	return rc;
}

/* Reads at most JHEAD_MAX bytes of a regular file that is not a link. */
static int
jhead_slurp(const char *path, char *buf, size_t *len)
{
	ssize_t n;
	int fd = file_openat_regular(AT_FDCWD, path, O_RDONLY, 0);

	if (fd == -1)
		return -1;
	do
		n = read(fd, buf, JHEAD_MAX);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

static int
is_hex64(const char *s)
{
	if (s == NULL || strlen(s) != CRYPTO_HEX_LEN - 1)
		return 0;
	return strspn(s, "0123456789abcdef") == CRYPTO_HEX_LEN - 1;
}

int
jhead_read(const char *dir, struct jhead *h, char **cause)
{
	char *path = xprintf("%s/%s", dir, JHEAD_FILE), buf[JHEAD_MAX];
	const char *hash, *mac;
	size_t len;
	json_t *o, *seq;
	int rc = -1;

	memset(h, 0, sizeof *h);
	if (jhead_slurp(path, buf, &len) != 0) {
		if (errno == ENOENT)
			rc = 1;
		else
			*cause = xprintf("cannot read %s: %s", path, errno == ELOOP ? "it is a link (never followed)" :
			    errno == EINVAL ? "not a regular file" : strerror(errno));
		free(path);
		return rc;
	}
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	seq = json_object_get(o, "seq");
	hash = json_string_value(json_object_get(o, "hash"));
	mac = json_string_value(json_object_get(o, "mac"));
	if (!json_is_integer(seq) || json_integer_value(seq) < 0 || !is_hex64(hash) ||
	    (json_object_get(o, "mac") != NULL && !is_hex64(mac)))
		*cause = xprintf("%s is malformed", path);
	else {
		h->seq = json_integer_value(seq);
		memcpy(h->hash, hash, CRYPTO_HEX_LEN);
		if ((h->keyed = mac != NULL))
			memcpy(h->mac, mac, CRYPTO_HEX_LEN);
		rc = 0;
	}
	json_decref(o);
	free(path);
	return rc;
}

int
jhead_mac_ok(const struct jhead *h, const char *key)
{
	char mac[CRYPTO_HEX_LEN];

	if (!h->keyed || key == NULL)
		return 0;
	jhead_mac(h->seq, h->hash, key, mac);
	return crypto_equal_hex(mac, h->mac);
}

json_t *
jhead_json(const char *dir)
{
	struct jhead h;
	char *cause = NULL;
	json_t *o;

	if (jhead_read(dir, &h, &cause) != 0) {
		free(cause);
		return json_null();
	}
	o = json_pack("{sIss}", "seq", (json_int_t)h.seq, "hash", h.hash);
	if (h.keyed)
		json_object_set_new(o, "mac", json_string(h.mac));
	return o;
}
