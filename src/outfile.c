/*
 * outfile.c: per-step output files. Lines go into a private buffer that is
 * written out when it fills or when OUTFILE_FLUSH_MS of line time has passed,
 * so the file trails the screen closely without a syscall per line. Our own
 * buffer rather than stdio's lets each written buffer also go to SHA-256
 * whole (on the hashpipe's helper thread once the file is big): the hash
 * covers exactly the bytes that reached the file, and closing a step never
 * rereads a large output. A big file is pushed to the disk as it grows, so
 * the fsync at its close has little left to wait for.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "fileutil.h"
#include "hashpipe.h"
#include "fileutil.h"
#include "incdir.h"
#include "jschema.h"
#include "log.h"
#include "outfile.h"
#include "xmalloc.h"

#define OUTFILE_BUFSIZE HASHPIPE_BUFSIZE
/* Writeback is started for every this much written. */
#define OUTFILE_WRITEBACK (8 * 1024 * 1024)
/* "2026-11-23T15:02:11." + "123Z " + "out " */
#define OUTFILE_PREFIX_MAX (CLOCK_RFC3339_LEN + 8)

struct outfile {
	char		*path;
	char		*relpath;
	int		 fd;
	char		*buf;
	size_t		 used;
	struct hashpipe	*hash;		/* over every byte in the file */
	off_t		 end;		/* the file's size */
	off_t		 unsynced;	/* where writeback was last started */
	int		 flushed;	/* flushed_ms is set */
	int64_t		 flushed_ms;	/* line time of the last timed flush */
	int64_t		 stamp_sec;	/* the second stamp holds */
	char		 stamp[CLOCK_RFC3339_LEN];	/* up to the '.' */
	size_t		 stamp_len;
};

static int
outfile_check_id(const char *step_id, char **cause)
{
	if (*step_id == '\0' || strcmp(step_id, ".") == 0 ||
	    strcmp(step_id, "..") == 0 || strchr(step_id, '/') != NULL) {
		*cause = xprintf("step id \"%s\" cannot name an output file",
		    step_id);
		return -1;
	}
	return 0;
}

/* A retry appends, so the hash must start with what is already there. */
static int
outfile_hash_existing(struct outfile *of)
{
	off_t off = 0;
	ssize_t n;

	for (;;) {
		n = pread(of->fd, of->buf, OUTFILE_BUFSIZE, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		hashpipe_update(of->hash, of->buf, (size_t)n);
		off += n;
		of->end = of->unsynced = off;
	}
}

static void
outfile_free(struct outfile *of)
{
	if (of->fd != -1)
		close(of->fd);
	hashpipe_free(of->hash);
	free(of->buf);
	free(of->relpath);
	free(of->path);
	free(of);
}

struct outfile *
outfile_openat(int dfd, const char *incident_dir, int step_number, const char *step_id,
    int attempt, enum js_output what, char **cause)
{
	struct outfile *of;
	char *name;
	int odfd;

	if (outfile_check_id(step_id, cause) != 0)
		return NULL;
	if (step_number < 0) {
		*cause = xprintf("step number %d is negative", step_number);
		return NULL;
	}
	if ((odfd = incdir_subdir(dfd, incident_dir, OUTFILE_DIR, cause)) == -1)
		return NULL;
	of = xcalloc(1, sizeof *of);
	name = jschema_output_name(step_number, step_id, attempt, what);
	of->relpath = xprintf("%s/%s", OUTFILE_DIR, name);
	of->path = xprintf("%s/%s", incident_dir, of->relpath);
	of->buf = xmalloc(OUTFILE_BUFSIZE);
	of->hash = hashpipe_new();
	of->stamp_sec = INT64_MIN;
	of->fd = file_openat_regular(odfd, name, O_RDWR | O_CREAT | O_APPEND, 0600);
	close(odfd);
	free(name);
	if (of->fd == -1 || outfile_hash_existing(of) != 0) {
		*cause = xprintf("cannot open %s: %s", of->path, errno == ELOOP ?
		    "it is a link (never followed)" : errno == EINVAL ? "not a regular file" : strerror(errno));
		outfile_free(of);
		return NULL;
	}
	return of;
}

struct outfile *
outfile_open(const char *incident_dir, int step_number, const char *step_id,
    char **cause)
{
	struct outfile *of;
	int dfd;

	if ((dfd = incdir_open(incident_dir, 0, cause)) == -1)
		return NULL;
	of = outfile_openat(dfd, incident_dir, step_number, step_id, 1, JOUT_ATTEMPT, cause);
	close(dfd);
	return of;
}

/* Starts writing the new part of a big file to the disk, without waiting:
 * the dirty pages of a flood then never pile up for the closing fsync. */
static void
outfile_start_writeback(struct outfile *of)
{
	if (of->end - of->unsynced < OUTFILE_WRITEBACK)
		return;
#ifdef SYNC_FILE_RANGE_WRITE
	(void)sync_file_range(of->fd, of->unsynced, of->end - of->unsynced,
	    SYNC_FILE_RANGE_WRITE);
#endif
	of->unsynced = of->end;
}

int
outfile_flush(struct outfile *of, char **cause)
{
	size_t done = 0;
	ssize_t n;

	if (of->used > 0 && file_room(of->fd, of->used + OUTFILE_RESERVE) != 0) {
		*cause = xprintf("cannot write %s: %s", of->path, strerror(errno));
		return -1;
	}
	while (done < of->used) {
		n = write(of->fd, of->buf + done, of->used - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			*cause = xprintf("cannot write %s: %s", of->path,
			    strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	of->end += (off_t)done;
	if (done == of->used) {
		/* The common case: the whole buffer to the hash, uncopied. */
		of->buf = hashpipe_give(of->hash, of->buf, done);
		of->used = 0;
		outfile_start_writeback(of);
		return 0;
	}
	/* Keep what did not go out, so a later flush can retry it. */
	hashpipe_update(of->hash, of->buf, done);
	memmove(of->buf, of->buf + done, of->used - done);
	of->used -= done;
	return -1;
}

/* Copies bytes in through the buffer, flushing as it fills. */
static int
outfile_put(struct outfile *of, const char *data, size_t len, char **cause)
{
	size_t n;

	while (len > 0) {
		if (of->used == OUTFILE_BUFSIZE && outfile_flush(of, cause) != 0)
			return -1;
		n = OUTFILE_BUFSIZE - of->used;
		if (n > len)
			n = len;
		memcpy(of->buf + of->used, data, n);
		of->used += n;
		data += n;
		len -= n;
	}
	return 0;
}

/* Formats the line prefix; the date is reformatted once a second only. */
static size_t
outfile_prefix(struct outfile *of, int64_t ts_ms, int stream, char *out)
{
	int64_t sec = ts_ms / 1000, ms = ts_ms % 1000;
	size_t len;

	if (ms < 0) {
		ms += 1000;
		sec--;
	}
	if (sec != of->stamp_sec) {
		clock_format_rfc3339(sec * 1000, of->stamp);
		of->stamp_len = strlen(of->stamp) - 4;	/* drop "000Z" */
		of->stamp_sec = sec;
	}
	memcpy(out, of->stamp, of->stamp_len);
	len = of->stamp_len;
	out[len++] = (char)('0' + ms / 100);
	out[len++] = (char)('0' + ms / 10 % 10);
	out[len++] = (char)('0' + ms % 10);
	memcpy(out + len, stream == OUTFILE_STDERR ? "Z err " : "Z out ", 6);
	return len + 6;
}

/* Line time decides, so a wall clock stepping back flushes too. */
static int
outfile_timed_flush(struct outfile *of, int64_t ts_ms, char **cause)
{
	if (!of->flushed || ts_ms - of->flushed_ms >= OUTFILE_FLUSH_MS ||
	    ts_ms < of->flushed_ms) {
		of->flushed = 1;
		of->flushed_ms = ts_ms;
		return outfile_flush(of, cause);
	}
	return 0;
}

int
outfile_write_line(struct outfile *of, int64_t ts_ms, int stream,
    const char *text, size_t len, char **cause)
{
	char prefix[OUTFILE_PREFIX_MAX];
	size_t plen = outfile_prefix(of, ts_ms, stream, prefix);
	size_t need = plen + len + 1;
	char *p;

	/* Make room first, so a failed write never leaves half a line. */
	if (need > OUTFILE_BUFSIZE - of->used && outfile_flush(of, cause) != 0)
		return -1;
	if (need <= OUTFILE_BUFSIZE - of->used) {
		p = of->buf + of->used;
		memcpy(p, prefix, plen);
		memcpy(p + plen, text, len);
		p[plen + len] = '\n';
		of->used += need;
	} else if (outfile_put(of, prefix, plen, cause) != 0 ||
	    outfile_put(of, text, len, cause) != 0 ||
	    outfile_put(of, "\n", 1, cause) != 0)
		return -1;
	return outfile_timed_flush(of, ts_ms, cause);
}

int
outfile_write_block(struct outfile *of, const struct outblock *b, char **cause)
{
	char head[OUTFILE_PREFIX_MAX + 24];
	size_t hlen, len = b->len, need;

	if (b->nlines == 1) {
		if (len > 0 && b->text[len - 1] == '\n')
			len--;
		/* A CR before the LF goes, as it always did; not the last
		 * byte of a piece cut from a longer line. */
		if (!b->cont && len > 0 && b->text[len - 1] == '\r')
			len--;
		return outfile_write_line(of, b->ts_ms, b->stream, b->text, len, cause);
	}
	/* "... out " becomes "... out:N\n". */
	hlen = outfile_prefix(of, b->ts_ms, b->stream, head) - 1;
	hlen += (size_t)snprintf(head + hlen, sizeof head - hlen, ":%zu\n", b->nlines);
	/* Room first, as for a line: a failed write must not leave a header
	 * with only some of its lines, which would garble every reader. */
	need = hlen + len;
	if (need > OUTFILE_BUFSIZE - of->used && outfile_flush(of, cause) != 0)
		return -1;
	if (need <= OUTFILE_BUFSIZE - of->used) {
		memcpy(of->buf + of->used, head, hlen);
		memcpy(of->buf + of->used + hlen, b->text, len);
		of->used += need;
	} else if (outfile_put(of, head, hlen, cause) != 0 ||
	    outfile_put(of, b->text, len, cause) != 0)
		return -1;	/* grown past the buffer by masking: in pieces */
	return outfile_timed_flush(of, b->ts_ms, cause);
}

size_t
outfile_pending(const struct outfile *of)
{
	return of->used;
}

const char *
outfile_relpath(const struct outfile *of)
{
	return of->relpath;
}

int
outfile_close(struct outfile *of, char hex_sha256[CRYPTO_HEX_LEN],
    char **cause)
{
	int rc = outfile_flush(of, cause);

	if (fsync(of->fd) != 0 && rc == 0) {
		*cause = xprintf("cannot sync %s: %s", of->path,
		    strerror(errno));
		rc = -1;
	}
	if (close(of->fd) != 0 && rc == 0) {
		*cause = xprintf("cannot close %s: %s", of->path,
		    strerror(errno));
		rc = -1;
	}
	of->fd = -1;
	hashpipe_final_hex(of->hash, hex_sha256);
	of->hash = NULL;
	if (rc != 0)
		log_debug("outfile: %s closed with bytes unwritten", of->path);
	outfile_free(of);
	return rc;
}
