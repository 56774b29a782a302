/*
 * inbox.c: notes typed in another terminal while a console drives the
 * incident. The hash chain allows one writer, and the console holds the
 * journal's exclusive flock for the whole run, so a second process never
 * appends behind its back: it drops a one-line JSON request into
 * INCIDENT/inbox/ (written aside, fsync'd and renamed in, so a reader never
 * sees half of one) and the lock holder journals it.
 *
 * Delivery is exactly once. A note's request id goes into its journal line,
 * and a crash between the append and the unlink leaves a request whose id
 * the journal already has: the next drain removes it without journaling it
 * again. (Until then it stays on disk: a lost note would be worse.)
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "fileutil.h"
#include "inbox.h"
#include "incdir.h"
#include "journal.h"
#include "jschema.h"
#include "log.h"
#include "xmalloc.h"

#define INBOX_SUFFIX ".json"
#define INBOX_REJECTED ".rejected"
/* Tries, and the pause between them, to take over a lock just released. */
#define INBOX_RETRIES 4
#define INBOX_RETRY_MS 25
/* A request holds one note and a few short members. */
#define INBOX_MAX_FILE (INBOX_MAX_TEXT * 7 + 4096)

/* The members of a request, all strings, all required. */
static const char *inbox_members[] = {
	"event", "request", "by", "noted_at", "text"
};

/* Passed through inbox_drain when this process holds the lock. */
struct inbox_append {
	struct journal	*j;
	const char	*want;		/* request id whose seq we report */
	int64_t		 seq;
	int		 count;
};

static int
inbox_check_note(const char *by, const char *text, char **cause)
{
	json_t *s;

	if (by == NULL || *by == '\0') {
		*cause = xstrdup("a note needs an operator name");
		return -1;
	}
	if (text == NULL || *text == '\0') {
		*cause = xstrdup("the note is empty");
		return -1;
	}
	if (strlen(text) > INBOX_MAX_TEXT) {
		*cause = xprintf("the note is longer than %d bytes",
		    INBOX_MAX_TEXT);
		return -1;
	}
	/* jansson refuses strings that are not UTF-8; so would the journal. */
	if ((s = json_string(text)) == NULL) {
		*cause = xstrdup("the note is not valid UTF-8");
		return -1;
	}
	json_decref(s);
	if ((s = json_string(by)) == NULL) {
		*cause = xstrdup("the operator name is not valid UTF-8");
		return -1;
	}
	json_decref(s);
	return 0;
}

/*
 * Names sort oldest first: zero-padded wall ms, then a counter for notes
 * posted in the same millisecond, then pid and a random tag for uniqueness.
 */
static char *
inbox_request_name(int64_t now)
{
	static unsigned int counter;
	char *tag = crypto_random_string(6), *name;

	name = xprintf("%013lld-%06u-%ld-%s", (long long)now, counter++,
	    (long)getpid(), tag);
	free(tag);
	return name;
}

int
inbox_post_note(const char *dir, const char *by, const char *text,
    char **path, char **cause)
{
	return inbox_post_event(dir, "note", by, text, path, cause);
}

/* event is "note", or "inject" for a drill facilitator's injected event. */
int
inbox_post_event(const char *dir, const char *event, const char *by, const char *text,
    char **path, char **cause)
{
	char ts[CLOCK_RFC3339_LEN], *inbox, *name, *tmp, *final, *line;
	char *text_line;
	int64_t now = clock_wall_ms();
	json_t *req;
	int rc, dfd, idfd;

	if (inbox_check_note(by, text, cause) != 0)
		return -1;
	/* Through descriptors of a folder checked ours and private: a link
	 * planted as inbox/ or as a request's name is never followed. */
	if ((dfd = incdir_open(dir, 0, cause)) == -1)
		return -1;
	idfd = incdir_subdir(dfd, dir, INBOX_DIR, cause);
	close(dfd);
	if (idfd == -1)
		return -1;
	inbox = xprintf("%s/%s", dir, INBOX_DIR);
	name = inbox_request_name(now);
	clock_format_rfc3339(now, ts);
	req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", event,
	    "request", name, "by", by, "noted_at", ts, "text", text);
	if ((text_line = json_dumps(req, JSON_COMPACT)) == NULL)
		fatalx("cannot serialise an inbox request");
	json_decref(req);
	line = xprintf("%s\n", text_line);
	free(text_line);
	tmp = xprintf(".%s.tmp", name);
	final = xprintf("%s/%s%s", inbox, name, INBOX_SUFFIX);
	rc = file_write_atomic_at(idfd, strrchr(final, '/') + 1, tmp, final, line, strlen(line), 0600,
	    FILE_EXCL | FILE_SYNC_DIR, cause);
	close(idfd);
	if (rc == 0 && path != NULL)
		*path = final;
	else
		free(final);
	free(tmp);
	free(line);
	free(name);
	free(inbox);
	return rc;
}

static int
inbox_is_request(const struct dirent *d)
{
	size_t len = strlen(d->d_name), slen = strlen(INBOX_SUFFIX);

	return d->d_name[0] != '.' && len > slen &&
	    strcmp(d->d_name + len - slen, INBOX_SUFFIX) == 0;
}

/* strcmp, not alphasort's strcoll: the names are built to sort bytewise. */
static int
inbox_compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Reads a request file; NULL with errno, or EFBIG / EINVAL for odd files. */
static char *
inbox_read(const char *path)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	int fd;

	/* Not a symlink, not a fifo that would block the console. */
	if ((fd = file_openat_regular(AT_FDCWD, path, O_RDONLY, 0)) == -1)
		return NULL;
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return NULL;
	}
	if (sb.st_size > INBOX_MAX_FILE) {
		errno = EFBIG;
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	do
		n = pread(fd, buf, (size_t)sb.st_size, 0);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n == -1) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Checks a parsed request and builds the note's fields, or says why not. */
static json_t *
inbox_fields(json_t *req, const char **why)
{
	size_t n = sizeof inbox_members / sizeof inbox_members[0];
	const char *v[sizeof inbox_members / sizeof inbox_members[0]];

	if (!json_is_object(req)) {
		*why = "not a JSON object";
		return NULL;
	}
	if (json_object_size(req) != n) {
		*why = "unexpected or missing members";
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		v[i] = json_string_value(json_object_get(req, inbox_members[i]));
		if (v[i] == NULL || *v[i] == '\0') {
			*why = "a member is missing, empty or not a string";
			return NULL;
		}
	}
	if (strcmp(v[0], "note") != 0 && strcmp(v[0], "inject") != 0) {
		*why = "only notes and injected events may be queued";
		return NULL;
	}
	if (strlen(v[4]) > INBOX_MAX_TEXT) {
		*why = "the note is too long";
		return NULL;
	}
	/* Both are journaled as notes; only a facilitator's is marked. */
	return json_pack("{s:s, s:b, s:s, s:s, s:s}", "text", v[4], "injected",
	    strcmp(v[0], "inject") == 0, "by", v[2], "noted_at", v[3], "request", v[1]);
}

/* Moves a bad request aside, so it is kept but not retried forever. */
static void
inbox_reject(const char *path, const char *why)
{
	char *aside = xprintf("%s%s", path, INBOX_REJECTED);

	log_debug("inbox: rejecting %s: %s", path, why);
	if (rename(path, aside) != 0)
		log_debug("inbox: cannot rename %s: %s", path, strerror(errno));
	free(aside);
}

/* The request ids the journal already holds, as keys. A line that is not
 * JSON is passed over: verify reports it; the ids around it still count. */
static json_t *
inbox_journaled(const char *dir)
{
	json_t *ids = json_object(), *line;
	char *buf, *p, *nl, *cause = NULL;
	const char *id;
	size_t len;

	if (journal_read_raw(dir, &buf, &len, &cause) != 0) {
		free(cause);
		return ids;
	}
	for (p = buf; (nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL; p = nl + 1) {
		if (memmem(p, (size_t)(nl - p), "\"request\"", 9) == NULL)
			continue;	/* most lines: no parse needed */
		line = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if ((id = json_string_value(json_object_get(line, "request"))) != NULL)
			json_object_set_new(ids, id, json_true());
		json_decref(line);
	}
	free(buf);
	return ids;
}

/* Delivers one request: 1 if journaled, 0 if skipped, -1 if cb failed. */
static int
inbox_take(const char *path, json_t *journaled, inbox_cb cb, void *arg, char **cause)
{
	const char *why = "not valid JSON";
	json_t *req = NULL, *fields = NULL;
	char *text;

	if ((text = inbox_read(path)) == NULL) {
		if (errno == ENOENT)
			return 0;
		inbox_reject(path, strerror(errno));
		return 0;
	}
	if ((req = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) != NULL)
		fields = inbox_fields(req, &why);
	json_decref(req);
	free(text);
	if (fields == NULL) {
		inbox_reject(path, why);
		return 0;
	}
	if (json_object_get(journaled, json_string_value(json_object_get(fields, "request"))) != NULL) {
		/* Journaled before a crash took its unlink: not twice. */
		log_debug("inbox: %s is journaled already", path);
		json_decref(fields);
		if (unlink(path) != 0)
			log_debug("inbox: cannot remove %s: %s", path, strerror(errno));
		return 0;
	}
	if (cb(arg, JEV_NAME(NOTE), fields, cause) != 0) {
		json_decref(fields);
		return -1;
	}
	json_decref(fields);
	if (unlink(path) != 0)
		log_debug("inbox: cannot remove %s: %s", path, strerror(errno));
	return 1;
}

int
inbox_drain(const char *dir, inbox_cb cb, void *arg, char **cause)
{
	char *inbox = xprintf("%s/%s", dir, INBOX_DIR), *path;
	struct dirent **names;
	json_t *journaled;
	int n, rc, done = 0;

	if ((n = scandir(inbox, &names, inbox_is_request,
	    inbox_compare)) == -1) {
		if (errno == ENOENT) {
			free(inbox);
			return 0;
		}
		*cause = xprintf("cannot read %s: %s", inbox, strerror(errno));
		free(inbox);
		return -1;
	}
	journaled = n > 0 ? inbox_journaled(dir) : json_object();
	for (int i = 0; i < n; i++) {
		if (done >= 0) {
			path = xprintf("%s/%s", inbox, names[i]->d_name);
			if ((rc = inbox_take(path, journaled, cb, arg, cause)) < 0)
				done = -1;
			else
				done += rc;
			free(path);
		}
		free(names[i]);
	}
	json_decref(journaled);
	free(names);
	free(inbox);
	return done;
}

int
inbox_pending(const char *dir)
{
	char *inbox = xprintf("%s/%s", dir, INBOX_DIR);
	struct dirent **names;
	int n;

	if ((n = scandir(inbox, &names, inbox_is_request, NULL)) == -1)
		n = 0;
	for (int i = 0; i < n; i++)
		free(names[i]);
	if (n > 0)
		free(names);
	free(inbox);
	return n;
}

static int
inbox_append_cb(void *arg, const char *event, json_t *fields, char **cause)
{
	struct inbox_append *a = arg;
	const char *id = json_string_value(json_object_get(fields, "request"));

	if (journal_append(a->j, event, fields, cause) != 0)
		return -1;
	a->count++;
	if (a->want != NULL && id != NULL && strcmp(id, a->want) == 0)
		a->seq = journal_last_seq(a->j);
	return 0;
}

/*
 * Takes the lock and journals the queued notes, then text if not NULL.
 * want names a queued request whose line res->seq should report.
 */
static int
inbox_append_direct(const char *dir, const char *operator, const char *text,
    const char *want, struct inbox_note_result *res, char **cause)
{
	struct inbox_append a = { NULL, want, 0, 0 };
	char *why = NULL;
	json_t *fields;
	int rc = 0;

	if (journal_open(&a.j, dir, 0, cause) != 0)
		return -1;
	journal_set_operator(a.j, operator);
	if (inbox_drain(dir, inbox_append_cb, &a, cause) < 0)
		rc = -1;
	if (rc == 0 && text != NULL) {
		fields = json_pack("{s:s}", "text", text);
		rc = journal_append(a.j, JEV_NAME(NOTE), fields, cause);
		json_decref(fields);
		a.seq = journal_last_seq(a.j);
		/* Another `note` may have queued one while we held the lock. */
		if (rc == 0 && inbox_drain(dir, inbox_append_cb, &a, &why) < 0) {
			log_debug("inbox: %s", why);
			free(why);
		}
	}
	res->drained = a.count - (want != NULL && a.seq != 0);
	res->seq = a.seq;
	journal_close(a.j);
	return rc;
}

/* journal_open would create a missing incident: refuse that first. */
static int
inbox_check_incident(const char *dir, char **cause)
{
	char *path = xprintf("%s/%s", dir, JOURNAL_FILE);
	struct stat sb;
	int rc = 0;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		*cause = xprintf("%s is not an incident directory: no %s",
		    dir, JOURNAL_FILE);
		rc = -1;
	}
	free(path);
	return rc;
}

/* The request id is the file name without its folder and suffix. */
static char *
inbox_request_id(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	return xstrndup(base, strlen(base) - strlen(INBOX_SUFFIX));
}

/*
 * After queueing: the holder may have quit meanwhile, or be another `note`
 * about to, and then nobody would drain the request. Try a few times to
 * journal it, and tell whether someone else already did.
 */
static void
inbox_take_over(const char *dir, const char *operator,
    struct inbox_note_result *res)
{
	struct timespec pause = { 0, INBOX_RETRY_MS * 1000000L };
	char *why, *id = inbox_request_id(res->path);
	int rc = -1;

	for (int i = 0; i < INBOX_RETRIES && rc != 0; i++) {
		if (i > 0)
			nanosleep(&pause, NULL);
		why = NULL;
		rc = inbox_append_direct(dir, operator, NULL, id, res, &why);
		free(why);
	}
	free(id);
	if (rc == 0 && res->seq != 0)
		res->holder = -1;
	else if (access(res->path, F_OK) != 0 && errno == ENOENT)
		res->taken = 1;
	else
		return;
	res->queued = 0;
	free(res->path);
	res->path = NULL;
}

int
inbox_add_note(const char *dir, const char *operator, const char *text,
    struct inbox_note_result *res, char **cause)
{
	struct timespec pause = { 0, INBOX_RETRY_MS * 1000000L };
	char *why = NULL;

	memset(res, 0, sizeof *res);
	res->holder = -1;
	if (inbox_check_note(operator, text, cause) != 0 ||
	    inbox_check_incident(dir, cause) != 0)
		return -1;
	/* Open failed and nobody holds the lock: it was just let go, or the
	 * journal cannot be written at all. Retrying tells which. */
	for (int i = 0;; i++) {
		if (inbox_append_direct(dir, operator, text, NULL, res,
		    &why) == 0)
			return 0;
		if (journal_driven(dir))
			break;
		if (i + 1 == INBOX_RETRIES) {
			*cause = why;
			return -1;
		}
		free(why);
		why = NULL;
		nanosleep(&pause, NULL);
	}
	free(why);
	if (inbox_post_note(dir, operator, text, &res->path, cause) != 0)
		return -1;
	res->queued = 1;
	res->holder = journal_holder(dir);
	inbox_take_over(dir, operator, res);
	return 0;
}

void
inbox_note_result_clear(struct inbox_note_result *res)
{
	free(res->path);
	memset(res, 0, sizeof *res);
}
