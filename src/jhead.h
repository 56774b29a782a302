/*
 * jhead.h: the journal's head, journal.head beside journal.jsonl: the seq
 * and hash of the last line written, and, when the journal is keyed, an
 * HMAC over both. The journal replaces it after every append (written
 * aside, fsync'd, renamed over, the folder fsync'd), so a journal whose
 * tail was cut, or that was emptied, no longer matches its head. Without
 * a key anyone who can write the folder can rewrite the head along with
 * the journal; with one, a head for a cut journal cannot be forged, only
 * an old head put back (see drconsole(1), SECURITY).
 */
#ifndef DRC_JHEAD_H
#define DRC_JHEAD_H

#include <stdint.h>

#include <jansson.h>

#include "crypto.h"

#define JHEAD_FILE "journal.head"

struct jhead {
	int64_t	 seq;			/* the last line's seq, 0: empty */
	char	 hash[CRYPTO_HEX_LEN];	/* the last line's hash */
	int	 keyed;			/* a mac is present */
	char	 mac[CRYPTO_HEX_LEN];	/* HMAC over seq and hash */
};

/* Replaces the head in the folder open as dirfd: 0, or -1 and *cause. */
int jhead_write(int dirfd, int64_t seq, const char *hash, const char *key, char **cause);

/* Reads dir's head: 0 read, 1 there is none, -1 unreadable or malformed
 * (with *cause). */
int jhead_read(const char *dir, struct jhead *h, char **cause);

/* 1 if h carries a mac and it is right for key. */
int jhead_mac_ok(const struct jhead *h, const char *key);

/* dir's head as {"seq", "hash", "mac"?} for the postmortem, or null. */
json_t *jhead_json(const char *dir);

#endif
