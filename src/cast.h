/* cast.h: the incident's terminal recording, INCIDENT/recording.cast, in
 * asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): each
 * step's output as the operator saw it, with a marker where each step
 * begins, so `asciinema play` or any web player can replay the incident.
 *
 * One file per incident: a resumed run appends, and times stay relative to
 * the first run.start. Output lines are batched into one "o" event per
 * CAST_BATCH_BYTES or CAST_BATCH_MS of line time, so a step costs one JSON
 * encode per batch, not one per line.
 *
 * The recording is for watching, not evidence: the output files hold
 * every line and the journal their hashes. So it takes lines at most as
 * fast as anyone could watch them: CAST_BURST_BYTES at once, then
 * CAST_RATE_BYTES a second. A flood beyond that is left out, and a dim
 * note in the recording says how many lines were; encoding a gigabyte
 * would cost more than writing it to the output file. A write that fails,
 * or one that would leave less than CAST_RESERVE on the disk, stops the
 * recording for good: cast_flush reports it once, cast_stopped says so.
 *
 * Every function accepts a NULL recording and does nothing, so a run
 * without one needs no checks where it calls them. */
#ifndef DRC_CAST_H
#define DRC_CAST_H

#include <stddef.h>
#include <stdint.h>

/* The recording's name inside the incident directory. */
#define CAST_FILE "recording.cast"
/* The terminal the header declares. Step output is lines, not a screen, so
 * this only sets where players wrap; log lines often pass 80 columns. */
#define CAST_WIDTH 120
#define CAST_HEIGHT 36
/* A batch of output becomes an event once it holds this many bytes... */
#define CAST_BATCH_BYTES (64 * 1024)
/* ...or when a line comes this long after the batch's first. */
#define CAST_BATCH_MS 100
/* The rate at which output lines are recorded: a burst, then bytes per
 * second of line time. A screen of 120x36 is about 4 KiB. */
#define CAST_BURST_BYTES (1024 * 1024)
#define CAST_RATE_BYTES (256 * 1024)
/* The recording is the least important file of an incident: it stops for
 * good, before a write that would leave less than this free on its disk,
 * so the journal and the output files keep the room (see OUTFILE_RESERVE). */
#define CAST_RESERVE (2 * 1024 * 1024)
/* The stream cast_line colours red: JOB_STDERR. */
#define CAST_STDERR 2

struct cast;

/* Opens INCIDENT/recording.cast (mode 0600), writing the header if it is
 * new; an existing recording is appended to, after cutting off a line torn
 * by a crash. Times are ms since started_wall_ms, the first run.start. */
struct cast *cast_open(const char *incident_dir, int64_t started_wall_ms,
    const char *title, char **cause);
/* The same in the incident directory open at dfd (incident_dir names it in
 * messages); the recording is never reached through a link (incdir.h). */
struct cast *cast_openat(int dfd, const char *incident_dir, int64_t started_wall_ms,
    const char *title, char **cause);
/* A marker, e.g. "step 3: Restore (restore)"; pending output goes first. */
void cast_marker(struct cast *c, int64_t now_ms, const char *label);
/* A line of our own (a step's header, its outcome); a '\n' inside it
 * starts a new line. */
void cast_text(struct cast *c, int64_t now_ms, const char *text, size_t len);
/* One output line without its '\n', as the output file gets it; stream
 * CAST_STDERR is shown red. Bytes that are not UTF-8 become U+FFFD. Left
 * out, and counted for the note, when it comes faster than the rate. */
void cast_line(struct cast *c, int64_t now_ms, int stream, const char *text,
    size_t len);
/* The lines of an outbuf block (each ending in '\n'), as cast_line would
 * take them one by one; left out as a whole when faster than the rate. */
void cast_block(struct cast *c, int64_t now_ms, int stream, const char *text,
    size_t len, size_t nlines);
/* Writes out the pending batch. -1 with *cause for the first write that
 * failed since the last call (the engine logs it and records on). */
int cast_flush(struct cast *c, char **cause);
/* 1 once the recording stopped for good (a full disk, CAST_RESERVE). */
int cast_stopped(const struct cast *c);
/* Flushes, closes and frees. */
void cast_close(struct cast *c);

#endif
