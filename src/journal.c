/* journal.c: the incident journal's storage. It owns journal.jsonl and the
 * lock file of an incident directory: opening (creating, locking, resuming
 * the hash chain, cutting a torn tail), appending one fsync'd line at a
 * time, and reading the lines back. Hashes are what verify.c checks. */
#include <sys/file.h>
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
#include "incdir.h"
#include "jhead.h"
#include "jschema.h"
#include "journal.h"
#include "log.h"
#include "xmalloc.h"

struct journal {
	char	*dir;
	char	*path;		/* DIR/journal.jsonl */
	char	*lockpath;	/* DIR/lock, naming the holder's pid */
	int	 dirfd;		/* DIR: every file in it is opened through this */
	int	 fd;
	int	 flags;
	int	 locked;	/* we hold the flock and wrote lockpath */
	int	 torn;		/* the file ended in a partial line at open */
	int	 dirty;		/* bytes past size that a failed cut left */
	off_t	 size;		/* bytes of complete lines */
	int64_t	 seq;		/* seq of the last line */
	char	 prev[CRYPTO_HEX_LEN];	/* hash of the last line */
	char	*key;		/* HMAC key, or NULL for plain SHA-256 */
	int	 wrong_key;	/* the last line does not hash with key */
	char	*head_error;	/* why the head was last not replaced */
	char	*operator;
};

/* Members a caller's fields may not override. */
static const char *journal_reserved[] = {
	"seq", "ts", "event", "operator", "prev", "hash"
};

/* Reads all of fd from offset 0; -1 with errno set on failure. */
static int
journal_read_fd(int fd, char **buf, size_t *len)
{
	size_t used = 0, alloc = 65536;
	char *b = xmalloc(alloc);
	ssize_t n;

	for (;;) {
		if (alloc - used < 4096) {
			b = xreallocarray(b, 2, alloc);
			alloc *= 2;
		}
		n = pread(fd, b + used, alloc - used - 1, (off_t)used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(b);
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	b[used] = '\0';
	*buf = b;
	*len = used;
	return 0;
}

int
journal_read_raw(const char *dir, char **buf, size_t *len, char **cause)
{
	char *path = xprintf("%s/%s", dir, JOURNAL_FILE);
	int fd = -1, dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fd = file_openat_regular(dfd, JOURNAL_FILE, O_RDONLY, 0);
		close(dfd);
	}
	if (fd == -1 || journal_read_fd(fd, buf, len) != 0) {
		*cause = xprintf("cannot read %s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		free(path);
		return -1;
	}
	close(fd);
	free(path);
	return 0;
}

#define JOURNAL_CHUNK (256 * 1024)

/* Hands buf's complete lines to cb; returns the bytes used, and sets
 * *stop when cb asked to stop. */
static size_t
journal_lines_of(const char *buf, size_t len, journal_line_cb cb, void *arg, int *stop)
{
	const char *p = buf, *nl;

	while (!*stop && (nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		*stop = cb(arg, p, (size_t)(nl - p)) != 0;
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

int
journal_each_line(const char *dir, journal_line_cb cb, void *arg, size_t *torn, char **cause)
{
	size_t cap = JOURNAL_CHUNK, have = 0, used;
	int fd = -1, dfd, stop = 0;
	ssize_t n = 0;
	char *buf;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fd = file_openat_regular(dfd, JOURNAL_FILE, O_RDONLY, 0);
		close(dfd);
	}
	if (fd == -1) {
		*cause = xprintf("cannot read %s/%s: %s", dir, JOURNAL_FILE, strerror(errno));
		return -1;
	}
	buf = xmalloc(cap);
	while (!stop) {
		if (cap - have < JOURNAL_CHUNK / 2) {	/* a line longer than the buffer */
			buf = xreallocarray(buf, 2, cap);
			cap *= 2;
		}
		if ((n = read(fd, buf + have, cap - have)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		used = journal_lines_of(buf, have, cb, arg, &stop);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	if (n == -1)
		*cause = xprintf("cannot read %s/%s: %s", dir, JOURNAL_FILE, strerror(errno));
	close(fd);
	free(buf);
	if (torn != NULL)
		*torn = stop ? 0 : have;
	return n == -1 ? -1 : 0;
}

const char *
journal_env_key(void)
{
	const char *key = getenv(JOURNAL_KEY_ENV);

	if (key == NULL || *key == '\0')
		return NULL;
	return key;
}

#define JOURNAL_CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)

/* The canonical form of line, which has no "hash": into buf when it fits,
 * else allocated (*big, freed by the caller). Its length, 0 if it cannot
 * be serialised. */
static size_t
journal_canonical(const json_t *line, char *buf, size_t size, char **big)
{
	size_t len = json_dumpb(line, buf, size, JOURNAL_CANON_FLAGS);

	*big = NULL;
	if (len <= size)
		return len;
	*big = xmalloc(len);
	if (json_dumpb(line, *big, len, JOURNAL_CANON_FLAGS) != len)
		return 0;
	return len;
}

int
journal_line_hash(json_t *line, const char *key, char hex[CRYPTO_HEX_LEN],
    char **cause)
{
	struct crypto_hasher *h;
	const char *prev;
	char buf[4096], *big;
	json_t *hash;
	size_t len;

	prev = json_string_value(json_object_get(line, "prev"));
	if (prev == NULL) {
		*cause = xstrdup("prev is missing or not a string");
		return -1;
	}
	/* The line is hashed without its "hash": taken out and put back
	 * (last, where the writer puts it), which costs less than a copy of
	 * every line a reader checks. */
	if ((hash = json_object_get(line, "hash")) != NULL) {
		json_incref(hash);
		json_object_del(line, "hash");
	}
	len = journal_canonical(line, buf, sizeof buf, &big);
	if (hash != NULL)
		json_object_set_new(line, "hash", hash);
	if (len == 0) {
		free(big);
		*cause = xstrdup("the line cannot be serialised");
		return -1;
	}
	h = crypto_hasher_new(key);
	crypto_hasher_update(h, prev, strlen(prev));
	crypto_hasher_update(h, "\n", 1);
	crypto_hasher_update(h, big != NULL ? big : buf, len);
	crypto_hasher_final_hex(h, hex);
	free(big);
	return 0;
}

/* The pid in the lock file name of the folder dirfd, or -1 if there is
 * none to read. */
static long
read_holder(int dirfd, const char *name)
{
	char buf[32];
	ssize_t n;
	char *end;
	long pid;
	int fd;

	if ((fd = file_openat_regular(dirfd, name, O_RDONLY, 0)) == -1)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0)
		return -1;
	return pid;
}

long
journal_holder(const char *dir)
{
	char *path = xprintf("%s/%s", dir, JOURNAL_LOCK_FILE);
	long pid = read_holder(AT_FDCWD, path);

	free(path);
	return pid;
}

/* Why an incident held by another process cannot be driven here. */
static char *
driven_cause(const char *dir, long pid)
{
	if (pid == -1)
		return xprintf("incident %s is being driven by another drconsole (pid unknown)", dir);
	return xprintf("incident %s is being driven by another drconsole (pid %ld)", dir, pid);
}

/*
 * Names this process in the lock file. It is written aside and renamed into
 * place so a rival reading it never sees it empty or half written. The
 * aside name is made new (O_EXCL, no link followed): a leftover of a dead
 * holder with our pid is removed first, never written through.
 */
static void
journal_lock_name(struct journal *j)
{
	char *tmp = xprintf("%s.%ld", JOURNAL_LOCK_FILE, (long)getpid());
	char *text = xprintf("%ld\n", (long)getpid());
	size_t len = strlen(text);
	int fd;

	(void)unlinkat(j->dirfd, tmp, 0);
	fd = file_openat_regular(j->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == -1 || write(fd, text, len) != (ssize_t)len ||
	    renameat(j->dirfd, tmp, j->dirfd, JOURNAL_LOCK_FILE) != 0) {
		/* Only the message naming the holder suffers; go on. */
		log_debug("journal: cannot write %s: %s", j->lockpath,
		    strerror(errno));
		(void)unlinkat(j->dirfd, tmp, 0);
	}
	if (fd != -1)
		close(fd);
	free(text);
	free(tmp);
}

static int
journal_lock(struct journal *j, char **cause)
{
	long pid;

	while (flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			*cause = xprintf("cannot lock the journal %s: %s",
			    j->path, strerror(errno));
			return -1;
		}
		pid = read_holder(j->dirfd, JOURNAL_LOCK_FILE);
		*cause = driven_cause(j->dir, pid);
		return -1;
	}
	j->locked = 1;
	journal_lock_name(j);
	return 0;
}

/* Takes seq and hash from the last complete line, which ends at end. */
static int
journal_resume_last(struct journal *j, const char *buf, size_t end,
    char **cause)
{
	const char *start, *hash;
	char mine[CRYPTO_HEX_LEN], *ignored = NULL;
	json_error_t error;
	json_int_t seq;
	json_t *line;

	start = buf + end - 1;
	while (start > buf && start[-1] != '\n')
		start--;
	line = json_loadb(start, (size_t)(buf + end - 1 - start),
	    JSON_ALLOW_NUL, &error);
	if (line == NULL) {
		*cause = xprintf("cannot continue the journal %s: its last "
		    "line is not valid JSON: %s", j->path, error.text);
		return -1;
	}
	seq = json_integer_value(json_object_get(line, "seq"));
	hash = json_string_value(json_object_get(line, "hash"));
	if (seq <= 0 || hash == NULL || strlen(hash) != CRYPTO_HEX_LEN - 1) {
		*cause = xprintf("cannot continue the journal %s: its last "
		    "line has no seq or hash", j->path);
		json_decref(line);
		return -1;
	}
	j->seq = seq;
	memcpy(j->prev, hash, CRYPTO_HEX_LEN);
	j->wrong_key = journal_line_hash(line, j->key, mine, &ignored) != 0 || strcmp(mine, hash) != 0;
	free(ignored);
	json_decref(line);
	return 0;
}

/* Why a journal refuses to be written with the key at hand. */
static char *
journal_key_story(const char *dir, const char *key)
{
	if (key == NULL)
		return xprintf("the journal of %s does not verify without a key: it is keyed (set %s to its key) "
		    "or its last line was edited; nothing was written", dir, JOURNAL_KEY_ENV);
	return xprintf("%s is not the key the journal of %s was written with (or its last line was edited); "
	    "nothing was written", JOURNAL_KEY_ENV, dir);
}

/*
 * Reads the journal to continue its chain. A last line without its newline
 * was cut short by a crash before its fsync returned, so no caller was ever
 * told it was written: when writing, it is cut away.
 */
static int
journal_resume(struct journal *j, char **cause)
{
	size_t len, end;
	char *buf;
	int rc = 0;

	if (journal_read_fd(j->fd, &buf, &len) != 0) {
		*cause = xprintf("cannot read the journal %s: %s", j->path,
		    strerror(errno));
		return -1;
	}
	end = len;
	while (end > 0 && buf[end - 1] != '\n')
		end--;
	j->torn = (end != len);
	j->size = (off_t)end;
	if (end > 0)
		rc = journal_resume_last(j, buf, end, cause);
	free(buf);
	if (rc == 0 && j->wrong_key && !(j->flags & JOURNAL_READONLY)) {
		*cause = journal_key_story(j->dir, j->key);	/* before the torn tail is cut */
		return -1;
	}
	if (rc != 0 || !j->torn || (j->flags & JOURNAL_READONLY))
		return rc;
	log_debug("journal: cutting a torn last line of %zu bytes from %s",
	    len - end, j->path);
	if (ftruncate(j->fd, j->size) != 0 || fsync(j->fd) != 0) {
		*cause = xprintf("cannot cut the torn last line of %s: %s",
		    j->path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
journal_proof_with(const char *key, const char *text, char hex[CRYPTO_HEX_LEN])
{
	struct crypto_hasher *h = crypto_hasher_new(key);

	crypto_hasher_update(h, "drconsole\n", 10);
	crypto_hasher_update(h, text, strlen(text));
	crypto_hasher_final_hex(h, hex);
}

int
journal_key_proof(const char *text, char hex[CRYPTO_HEX_LEN])
{
	const char *key = journal_env_key();

	hex[0] = '\0';
	if (key == NULL)
		return 0;
	journal_proof_with(key, text, hex);
	return 1;
}

int
journal_proof_ok(const struct journal *j, const char *text, const char *proof)
{
	char hex[CRYPTO_HEX_LEN];

	if (j->key == NULL)
		return 1;
	if (proof == NULL || strlen(proof) != CRYPTO_HEX_LEN - 1)
		return 0;
	journal_proof_with(j->key, text, hex);
	return crypto_equal_hex(hex, proof);
}

int
journal_driven(const char *dir)
{
	char *path = xprintf("%s/%s", dir, JOURNAL_FILE);
	int fd, rc, busy = 0;

	if ((fd = file_openat_regular(AT_FDCWD, path, O_RDONLY, 0)) != -1) {
		while ((rc = flock(fd, LOCK_SH | LOCK_NB)) != 0 && errno == EINTR)
			;
		busy = rc != 0 && errno == EWOULDBLOCK;
		close(fd);
	}
	free(path);
	return busy;
}

int
journal_refuse_driven(const char *dir, char **cause)
{
	if (!journal_driven(dir))
		return 0;
	*cause = driven_cause(dir, journal_holder(dir));
	return -1;
}

int
journal_check_key(const char *dir, char **cause)
{
	struct journal *j;
	int rc;

	if (journal_open(&j, dir, JOURNAL_READONLY, cause) != 0)
		return -1;
	rc = j->wrong_key ? -1 : 0;
	if (rc != 0)
		*cause = journal_key_story(dir, j->key);
	journal_close(j);
	return rc;
}

int
journal_open(struct journal **out, const char *dir, int flags, char **cause)
{
	struct journal *j = xcalloc(1, sizeof *j);
	const char *key;
	int oflags = O_RDWR | O_CREAT | O_APPEND;

	j->dirfd = -1;
	j->fd = -1;
	j->dir = xstrdup(dir);
	j->path = xprintf("%s/%s", dir, JOURNAL_FILE);
	j->lockpath = xprintf("%s/%s", dir, JOURNAL_LOCK_FILE);
	j->flags = flags;
	memset(j->prev, '0', CRYPTO_HEX_LEN - 1);
	if (flags & JOURNAL_READONLY)
		oflags = O_RDONLY;
	j->dirfd = incdir_open(dir, flags & JOURNAL_READONLY ? INCDIR_READ : INCDIR_CREATE, cause);
	if (j->dirfd == -1)
		goto fail;
	if ((j->fd = file_openat_regular(j->dirfd, JOURNAL_FILE, oflags, 0600)) == -1) {
		*cause = xprintf("cannot open the journal %s: %s", j->path,
		    errno == ELOOP ? "it is a link (never followed)" : errno == EINVAL ?
		    "not a regular file" : strerror(errno));
		goto fail;
	}
	if (!(flags & JOURNAL_READONLY) && journal_lock(j, cause) != 0)
		goto fail;
	if ((key = journal_env_key()) != NULL)
		j->key = xstrdup(key);
	if (journal_resume(j, cause) != 0)
		goto fail;
	log_debug("journal: opened %s at seq %lld%s%s", j->path,
	    (long long)j->seq, j->key != NULL ? ", keyed" : "",
	    j->torn ? ", torn tail" : "");
	*out = j;
	return 0;
fail:
	journal_close(j);
	return -1;
}

void
journal_set_operator(struct journal *j, const char *operator)
{
	free(j->operator);
	j->operator = operator != NULL ? xstrdup(operator) : NULL;
}

/* Sets a string member; jansson refuses strings that are not UTF-8. */
static int
journal_set_string(json_t *line, const char *name, const char *value,
    char **cause)
{
	json_t *s = value != NULL ? json_string(value) : json_null();

	if (s == NULL) {
		*cause = xprintf("the journal's %s is not valid UTF-8", name);
		return -1;
	}
	json_object_set_new(line, name, s);
	return 0;
}

static int
journal_add_fields(json_t *line, json_t *fields, char **cause)
{
	const char *name;
	json_t *value;
	size_t i;

	if (fields == NULL)
		return 0;
	if (!json_is_object(fields)) {
		*cause = xstrdup("journal fields must be a JSON object");
		return -1;
	}
	json_object_foreach(fields, name, value) {
		for (i = 0; i < sizeof journal_reserved /
		    sizeof journal_reserved[0]; i++) {
			if (strcmp(name, journal_reserved[i]) == 0) {
				*cause = xprintf("journal field \"%s\" is "
				    "reserved", name);
				return -1;
			}
		}
		json_object_set(line, name, value);
	}
	return 0;
}

/* Builds the next line, hash included, in the documented member order. */
static json_t *
journal_build_line(struct journal *j, const char *event, json_t *fields,
    char **cause)
{
	char ts[CLOCK_RFC3339_LEN], hex[CRYPTO_HEX_LEN];
	json_t *line = json_object();

	clock_format_rfc3339(clock_wall_ms(), ts);
	json_object_set_new(line, "seq", json_integer(j->seq + 1));
	json_object_set_new(line, "ts", json_string(ts));
	if (journal_set_string(line, "event", event, cause) != 0 ||
	    journal_set_string(line, "operator", j->operator, cause) != 0 ||
	    journal_add_fields(line, fields, cause) != 0)
		goto fail;
	json_object_set_new(line, "prev", json_string(j->prev));
	if (journal_line_hash(line, j->key, hex, cause) != 0)
		goto fail;
	json_object_set_new(line, "hash", json_string(hex));
	return line;
fail:
	json_decref(line);
	return NULL;
}

/* Writes all of buf, through short writes and signals. */
static int
journal_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Removes whatever a failed append left after the last complete line. */
static int
journal_cut(struct journal *j)
{
	if (ftruncate(j->fd, j->size) != 0) {
		j->dirty = 1;
		return -1;
	}
	j->dirty = 0;
	return 0;
}

static int
journal_write_line(struct journal *j, const char *buf, size_t len,
    char **cause)
{
	const char *what = "write";
	int error;

	if (j->dirty && journal_cut(j) != 0) {
		*cause = xprintf("cannot remove a partial line from the "
		    "journal %s: %s", j->path, strerror(errno));
		return -1;
	}
	if (journal_write_all(j->fd, buf, len) == 0) {
		if (fsync(j->fd) == 0)
			return 0;
		what = "sync";
	}
	error = errno;
	if (journal_cut(j) != 0) {
		*cause = xprintf("cannot %s the journal %s: %s (and cannot "
		    "remove the partial line: %s)", what, j->path,
		    strerror(error), strerror(errno));
	} else {
		*cause = xprintf("cannot %s the journal %s: %s", what,
		    j->path, strerror(error));
	}
	return -1;
}

/*
 * The line is written: the head follows it. A head that cannot be replaced
 * does not undo the line (a retry would write it twice); it is remembered
 * and tried again at the next append, and verify says the head is behind.
 */
static void
journal_write_head(struct journal *j)
{
	char *cause = NULL;

	free(j->head_error);
	j->head_error = NULL;
	if (jhead_write(j->dirfd, j->seq, j->prev, j->key, &cause) != 0) {
		log_debug("journal: %s", cause);
		j->head_error = cause;
	}
}

const char *
journal_head_error(const struct journal *j)
{
	return j->head_error;
}

/* With JOURNAL_SCHEMA_ENV set (the test suite sets it), a line that is not
 * in the schema table is refused: a writer that drifts from jschema.def
 * fails its tests instead of writing what no reader knows. */
static int
journal_schema_refuses(const char *event, json_t *fields, char **cause)
{
	const char *on = getenv(JOURNAL_SCHEMA_ENV);
	json_t *none;
	int rc;

	if (on == NULL || strcmp(on, "1") != 0)
		return 0;
	if (fields != NULL)
		return jschema_check(event, fields, 1, cause) != 0;
	none = json_object();
	rc = jschema_check(event, none, 1, cause);
	json_decref(none);
	return rc != 0;
}

int
journal_append(struct journal *j, const char *event, json_t *fields,
    char **cause)
{
	json_t *line;
	char *text, *buf;
	size_t len;
	int rc;

	if (j->flags & JOURNAL_READONLY) {
		*cause = xprintf("the journal %s is open read-only", j->path);
		return -1;
	}
	if (journal_schema_refuses(event, fields, cause))
		return -1;
	if ((line = journal_build_line(j, event, fields, cause)) == NULL)
		return -1;
	if ((text = json_dumps(line, JSON_COMPACT)) == NULL)
		fatalx("cannot serialise a journal line");
	len = strlen(text);
	buf = xmalloc(len + 1);
	memcpy(buf, text, len);
	buf[len++] = '\n';	/* one write() for the line and its newline */
	free(text);
	if ((rc = journal_write_line(j, buf, len, cause)) == 0) {
		j->seq++;
		j->size += (off_t)len;
		memcpy(j->prev, json_string_value(json_object_get(line,
		    "hash")), CRYPTO_HEX_LEN);
		journal_write_head(j);
	}
	free(buf);
	json_decref(line);
	return rc;
}

const char *
journal_last_hash(const struct journal *j)
{
	return j->prev;
}

int64_t
journal_last_seq(const struct journal *j)
{
	return j->seq;
}

int
journal_dirfd(const struct journal *j)
{
	return j->dirfd;
}

const char *
journal_dir(const struct journal *j)
{
	return j->dir;
}

int
journal_torn_tail(const struct journal *j)
{
	return j->torn;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	/* Unlink before the lock goes so a successor's file survives. */
	if (j->locked)
		(void)unlinkat(j->dirfd, JOURNAL_LOCK_FILE, 0);
	if (j->fd != -1)
		close(j->fd);
	if (j->dirfd != -1)
		close(j->dirfd);
	free(j->head_error);
	if (j->key != NULL) {
		explicit_bzero(j->key, strlen(j->key));
		free(j->key);
	}
	free(j->operator);
	free(j->lockpath);
	free(j->path);
	free(j->dir);
	free(j);
}

int
journal_load(const char *dir, json_t **events, char **cause)
{
	json_error_t error;
	char *buf, *p, *nl;
	size_t len, lineno = 0;
	json_t *array, *line;

	if (journal_read_raw(dir, &buf, &len, cause) != 0)
		return -1;
	array = json_array();
	for (p = buf; (nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL;
	    p = nl + 1) {
		lineno++;
		line = json_loadb(p, (size_t)(nl - p), JSON_ALLOW_NUL, &error);
		if (line == NULL) {
			*cause = xprintf("%s/%s:%zu: not valid JSON: %s", dir,
			    JOURNAL_FILE, lineno, error.text);
			json_decref(array);
			free(buf);
			return -1;
		}
		json_array_append_new(array, line);
	}
	free(buf);
	*events = array;
	return 0;
}
