/* inbox.h: notes from other terminals. While a console drives an incident
 * it holds the journal's lock, so a note is queued as a request file in
 * INCIDENT/inbox/ and the lock holder journals it. */
#ifndef DRC_INBOX_H
#define DRC_INBOX_H

#include <stdint.h>

#include <jansson.h>

/* The folder, inside the incident directory, that holds requests. */
#define INBOX_DIR "inbox"
/* The longest note accepted, in bytes, so one line stays readable. */
#define INBOX_MAX_TEXT 16384

/*
 * Journals one request: event is "note" and fields are ready to append
 * (text, injected, by, noted_at, request); both are borrowed. Returns 0
 * once the event is journaled or safely queued, -1 with *cause to keep
 * the request for a later drain.
 */
typedef int (*inbox_cb)(void *arg, const char *event, json_t *fields,
    char **cause);

/* What inbox_add_note did. */
struct inbox_note_result {
	int	 queued;	/* 1: left in the inbox for the console */
	int	 taken;		/* 1: queued, and the holder journaled it */
	int64_t	 seq;		/* the note's journal line, 0 if queued */
	int	 drained;	/* queued notes journaled along with it */
	long	 holder;	/* the driving console's pid, -1 if unknown */
	char	*path;		/* the request file if queued; allocated */
};

/* Writes an event request ("note", or "inject" for a drill facilitator's
 * event, journaled as a note marked injected) into dir's inbox. */
int inbox_post_event(const char *dir, const char *event, const char *by, const char *text,
    char **path, char **cause);
/* Writes a note request into dir's inbox: 0600, fsync'd, renamed in. */
int inbox_post_note(const char *dir, const char *by, const char *text,
    char **path, char **cause);
/*
 * Hands every queued request to cb, oldest first, and removes each one cb
 * accepts; malformed ones are renamed aside to NAME.rejected. Only the
 * journal's lock holder may call it. Returns how many were journaled, or
 * -1 when cb fails (that request and later ones stay queued).
 */
int inbox_drain(const char *dir, inbox_cb cb, void *arg, char **cause);
/* How many requests wait in dir's inbox, not yet journaled. */
int inbox_pending(const char *dir);
/*
 * Journals a note from outside the console: appended directly when no
 * console holds the lock (queued notes first), else queued for it.
 */
int inbox_add_note(const char *dir, const char *operator, const char *text,
    struct inbox_note_result *res, char **cause);
/* Frees what inbox_add_note left in res. */
void inbox_note_result_clear(struct inbox_note_result *res);

#endif
