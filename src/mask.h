/* mask.h: the one way drconsole takes secrets out of what it shows and
 * stores. A mask is a set of secret values; every sink (the pane, output
 * files, the journal, the recording, reports, every step kind's own text)
 * masks through it, so they all agree on what a secret looks like.
 *
 * Matching is leftmost, and a masked span grows to cover every secret that
 * overlaps it, so a secret inside or across another never shows a piece.
 *
 * A maskstream masks a stream of bytes as it arrives: the bytes at its end
 * that could be the start of a secret (a proper prefix of one, newlines
 * included) are held back until the next bytes show whether the rest
 * follows. A secret split across reads, across a line cut, or across lines
 * written one at a time is therefore masked whole. A stream made with a
 * loop also lets a hold go after MASK_HOLD_MS (for a terminal, where a
 * prompt must not wait for the next key), masked as far as it is complete. */
#ifndef DRC_MASK_H
#define DRC_MASK_H

#include <stddef.h>

#include <jansson.h>

#include "strbuf.h"

/* What a secret becomes. */
#define MASK_TEXT		"****"
#define MASK_TEXT_LEN		4
/* A secret shorter than this would show itself: masking every occurrence
 * of one short string marks each place it stands. */
#define MASK_MIN_SECRET		6
/* How long a terminal's held bytes wait for the rest of a secret. */
#define MASK_HOLD_MS		250

struct loop;
struct mask;
struct maskstream;

struct mask *mask_new(void);
/* Wipes every value, then frees. */
void mask_free(struct mask *);
/* Adds a secret (copied); empty and repeated values are ignored. */
void mask_add(struct mask *, const char *value);
/* The values, for modules that take a plain list. */
int mask_count(const struct mask *);
const char *const *mask_values(const struct mask *);
/* Whether len bytes of text hold a secret. */
int mask_contains(const struct mask *, const char *text, size_t len);
/* Appends text to out with every secret replaced by MASK_TEXT; returns how
 * many spans were masked. */
int mask_into(const struct mask *, const char *text, size_t len, struct strbuf *out);
/* A masked copy of a string; *count (when not NULL) as mask_into's. */
char *mask_str(const struct mask *, const char *s, int *count);
/* Masks every string inside j (keys stay), in place. */
void mask_json(const struct mask *, json_t *j);
/* A secret is long enough: NULL, or why not (allocated). name is the
 * param's, for the message. */
char *mask_check_secret(const char *name, const char *value);

/* Called with masked bytes, in order. */
typedef void (*mask_emit_cb)(void *arg, const char *data, size_t len);

/* A stream masked through m, which must outlive it (secrets added to m
 * later apply from then on). loop NULL: a hold waits for the next bytes or
 * maskstream_flush, however long. */
struct maskstream *maskstream_new(const struct mask *m, struct loop *loop, mask_emit_cb emit,
    void *arg);
/* Masks data, emits what is certain, holds the rest. */
void maskstream_feed(struct maskstream *, const char *data, size_t len);
/* Emits what is held, masked: the stream ended, or its time is up. */
void maskstream_flush(struct maskstream *);
/* Bytes held back now. */
size_t maskstream_held(const struct maskstream *);
/* Wipes what is held, without emitting it, and frees. */
void maskstream_free(struct maskstream *);

#endif
