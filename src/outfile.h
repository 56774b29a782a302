/* outfile.h: a step's output file in the incident directory, written as its
 * lines arrive and hashed as it is written. */
#ifndef DRC_OUTFILE_H
#define DRC_OUTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "jschema.h"
#include "outbuf.h"

/* The folder, inside the incident directory, that holds output files. */
#define OUTFILE_DIR "output"
/* Buffered lines reach the file at least this often while lines arrive. */
#define OUTFILE_FLUSH_MS 100

/* An output file is not written into the last of its disk: this much is
 * left for the journal (a step's end, the run's end) and the postmortem.
 * A write that would take it fails as if the disk were full (ENOSPC). */
#define OUTFILE_RESERVE (256 * 1024)

/* Streams of outfile_write_line. */
#define OUTFILE_STDOUT 1
#define OUTFILE_STDERR 2

struct outfile;

/* Opens (or reopens to append) the output file of step step_number's
 * attempt, rollback or verify, named by jschema_output_name, in the
 * incident directory open at dfd (incident_dir names it in messages);
 * output/ and the file are never reached through a link (incdir.h). */
struct outfile *outfile_openat(int dfd, const char *incident_dir, int step_number,
    const char *step_id, int attempt, enum js_output what, char **cause);
/* Attempt 1's, the directory opened by path (and checked ours and private). */
struct outfile *outfile_open(const char *incident_dir, int step_number,
    const char *step_id, char **cause);
/* Adds "<rfc3339 ts> out|err <text>\n"; text needs no NUL. */
int outfile_write_line(struct outfile *of, int64_t ts_ms, int stream,
    const char *text, size_t len, char **cause);
/* Adds nlines lines that arrived together; text is each of them ending in
 * '\n'. One line is written as by outfile_write_line; several as a header
 * "<rfc3339 ts> out|err:N\n" and then the N lines verbatim, so a flood of
 * short lines costs a header per read rather than a stamp per line. */
int outfile_write_block(struct outfile *of, const struct outblock *b,
    char **cause);
/* Writes out buffered lines; the loop calls it when a step goes quiet. */
int outfile_flush(struct outfile *of, char **cause);
/* Bytes buffered and not yet written to the file. */
size_t outfile_pending(const struct outfile *of);
/* The path relative to the incident directory: "output/03-restore.log". */
const char *outfile_relpath(const struct outfile *of);
/* Flushes, fsyncs, closes and frees; hex gets the SHA-256 of the file. */
int outfile_close(struct outfile *of, char hex_sha256[CRYPTO_HEX_LEN],
    char **cause);

#endif
