/* journal.h: the incident journal, an append-only file of JSON lines in
 * which each line carries the hash of the one before it. */
#ifndef DRC_JOURNAL_H
#define DRC_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto.h"

/* journal_open flag: read the journal's state, create and lock nothing. */
#define JOURNAL_READONLY 0x1

/* The file names inside an incident directory. */
#define JOURNAL_FILE "journal.jsonl"
#define JOURNAL_LOCK_FILE "lock"
/* The environment variable holding the HMAC key, if any. */
#define JOURNAL_KEY_ENV "DRCONSOLE_JOURNAL_KEY"
/* Set to 1, every append is checked against the schema (jschema.h) and
 * one that does not follow it is refused. The test suite sets it. */
#define JOURNAL_SCHEMA_ENV "DRCONSOLE_SCHEMA_CHECK"

struct journal;

/*
 * Opens the journal in incident directory dir. Unless JOURNAL_READONLY,
 * creates dir and the journal, takes an exclusive lock (failing if another
 * process drives the incident), cuts away a torn last line, and refuses a
 * journal whose last line does not hash with DRCONSOLE_JOURNAL_KEY as it
 * is (a keyed incident without its key). Every append then replaces the
 * head (jhead.h).
 */
int journal_open(struct journal **out, const char *dir, int flags, char **cause);
/* Sets the operator name recorded on every later line. */
void journal_set_operator(struct journal *j, const char *operator);
/* Appends one event with a copy of fields' members and fsyncs it (checked
 * against the schema first when JOURNAL_SCHEMA_ENV is 1). */
int journal_append(struct journal *j, const char *event, json_t *fields, char **cause);
/* The hash of the last line, or 64 zeros for an empty journal. */
const char *journal_last_hash(const struct journal *j);
/* The seq of the last line, 0 for an empty journal. */
int64_t journal_last_seq(const struct journal *j);
/* The incident directory. */
const char *journal_dir(const struct journal *j);
/* Its descriptor, checked ours and private unless JOURNAL_READONLY: every
 * file of the incident is opened through it (incdir.h). */
int journal_dirfd(const struct journal *j);
/* 1 if the journal ended in a line without a newline when opened. */
int journal_torn_tail(const struct journal *j);
/* Why the head (journal.head) was not replaced at the last append, or NULL. */
const char *journal_head_error(const struct journal *j);
/* Proof that a command holds DRCONSOLE_JOURNAL_KEY, for a process that
 * cannot read the journal (an approver): HMAC-SHA-256 of "drconsole\n"
 * and text under the key, as hex into hex; 0 without a key in the
 * environment (hex is then ""). */
int journal_key_proof(const char *text, char hex[CRYPTO_HEX_LEN]);
/* 1 if proof is the key's for text, or the journal is not keyed. */
int journal_proof_ok(const struct journal *j, const char *text, const char *proof);
/* 1 if another open of dir's journal holds its lock: a console drives it. */
int journal_driven(const char *dir);
/* The pid the console driving dir wrote beside its lock, or -1. */
long journal_holder(const char *dir);
/* -1 and *cause (naming the holder) if a console drives dir, else 0:
 * asked before anything else, it is the one reason that matters then. */
int journal_refuse_driven(const char *dir, char **cause);
/* 0 if dir's journal can be continued with DRCONSOLE_JOURNAL_KEY as it is
 * (its last line hashes with it; an empty journal always can), else -1
 * and *cause. Writes nothing. */
int journal_check_key(const char *dir, char **cause);
/* Releases the lock and frees the journal. */
void journal_close(struct journal *j);

/* Reads every complete line of dir's journal into a JSON array. */
int journal_load(const char *dir, json_t **events, char **cause);

/* Called with each complete line of a journal (without its newline);
 * non-zero stops the reading. */
typedef int (*journal_line_cb)(void *arg, const char *line, size_t len);
/* Reads dir's journal a chunk at a time and hands each complete line to
 * cb, in order: memory is one chunk (or the longest line), whatever the
 * journal's size. *torn (may be NULL) gets the bytes of a last line with
 * no newline, which cb never sees. 0, or -1 and *cause when the file
 * cannot be read (never a link, never a FIFO). */
int journal_each_line(const char *dir, journal_line_cb cb, void *arg, size_t *torn, char **cause);
/* Reads dir's journal file whole; *buf is NUL-terminated. */
int journal_read_raw(const char *dir, char **buf, size_t *len, char **cause);
/* The HMAC key from the environment, or NULL when unset or empty. */
const char *journal_env_key(void);
/* Computes a line's hash from its members other than "hash" (compact
 * JSON, keys sorted, ASCII only). A "hash" member is taken out for it and
 * put back as the line's last member: line is otherwise unchanged. */
int journal_line_hash(json_t *line, const char *key,
    char hex[CRYPTO_HEX_LEN], char **cause);

#endif
