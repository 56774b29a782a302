/*
 * approval.c: the approvals rendezvous, both sides (see approval.h).
 *
 * Why a socket in a folder of the driver's: the folder is created 0700,
 * checked through a descriptor opened with O_NOFOLLOW (a link, a FIFO or
 * someone else's folder planted under the name is refused, never
 * followed or opened for reading), then made 0755. Inside it only the
 * driver can create or remove names, so the socket cannot be swapped; in a
 * sticky ${TMPDIR:-/tmp} nobody else can rename the folder away. The socket
 * is 0666 because connecting needs write permission on it; a connection
 * only lets a process ask, and the kernel says whose process it is.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "approval.h"
#include "approvers.h"
#include "clock.h"
#include "journal.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

#define HUNG_UP "the console hung up without an answer (busy with other requests?): try again"
/* How long the approver waits for the console to connect and answer. */
#define APPROVAL_ASK_MS 10000

struct approval_client {
	struct approval_server *srv;
	int fd;
	struct loop_fd *lfd;
	struct loop_timer *timer;
	struct ucred cred;
	uid_t loginuid;
	int gone;
	unsigned long serial;	/* accepted before any with a higher one */
	char buf[APPROVAL_MAX_REQUEST + 1];
	size_t len;
};

struct approval_server {
	struct loop *loop;
	approval_cb cb;
	void *arg;
	char *dir;
	int dirfd;
	int fd;
	struct loop_fd *lfd;
	struct approval_client *clients[APPROVAL_MAX_CLIENTS];
	unsigned long accepted;
};

/* --- where --- */

static const char *
base_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp != NULL && *tmp == '/' ? tmp : "/tmp";
}

char *
approval_rendezvous(const char *incident, char **cause)
{
	size_t n = strlen(incident);
	const char *id;
	char *dir;

	while (n > 1 && incident[n - 1] == '/')
		n--;
	id = memrchr(incident, '/', n);
	id = id != NULL ? id + 1 : incident;
	n -= (size_t)(id - incident);
	if (n == 0 || (n == 1 && id[0] == '.') || (n == 2 && id[0] == '.' && id[1] == '.') ||
	    memchr(id, '/', n) != NULL) {
		*cause = xprintf("'%s' names no incident", incident);
		return NULL;
	}
	dir = xprintf("%s/%s%.*s", base_dir(), APPROVAL_PREFIX, (int)n, id);
	if (strlen(dir) + 1 + strlen(APPROVAL_SOCKET) >= sizeof ((struct sockaddr_un *)NULL)->sun_path) {
		*cause = xprintf("the rendezvous %s/%s is too long for a socket (set a shorter TMPDIR)", dir,
		    APPROVAL_SOCKET);
		free(dir);
		return NULL;
	}
	return dir;
}

static void
socket_address(const char *dir, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof sa->sun_path, "%s/%s", dir, APPROVAL_SOCKET);
}

/* A base anyone may write to must be sticky, or our folder could be
 * renamed away and replaced between our checks and the approver's. */
static int
check_base(char **cause)
{
	struct stat st;

	if (lstat(base_dir(), &st) != 0 || !S_ISDIR(st.st_mode)) {
		*cause = xprintf("%s is not a folder", base_dir());
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !(st.st_mode & S_ISVTX)) {
		*cause = xprintf("%s is writable by others and not sticky: set TMPDIR to a safe folder",
		    base_dir());
		return -1;
	}
	return 0;
}

/* --- the console's side --- */

int
approval_loginuid(pid_t pid, uid_t *loginuid)
{
	char path[64], buf[32], *end;
	unsigned long v;
	ssize_t n;
	int fd;

	*loginuid = APPROVAL_NO_LOGINUID;
	snprintf(path, sizeof path, "/proc/%ld/loginuid", (long)pid);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && access("/proc/self/loginuid", F_OK) == 0)
			return -1;	/* procfs is there, the process is not */
		return 0;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno == 0 && end != buf && v < (unsigned long)APPROVAL_NO_LOGINUID)
		*loginuid = (uid_t)v;
	return 0;
}

/* Makes the folder, or takes back one of ours; a descriptor to it. */
static int
own_dir(const char *dir, char **cause)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*cause = xprintf("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	/* O_NOFOLLOW and O_DIRECTORY: a planted link or FIFO fails here,
	 * and O_NONBLOCK means nothing planted can make the open wait. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
		*cause = xprintf("%s exists and is not a folder of ours (planted by another user?): "
		    "remove it and approvals will be taken", dir);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (fchmod(fd, 0755) != 0) {
		*cause = xprintf("cannot set the mode of %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
listen_in(struct approval_server *s, char **cause)
{
	struct sockaddr_un sa;

	socket_address(s->dir, &sa);
	/* A socket left by a console of ours that died: only we can write here. */
	if (unlinkat(s->dirfd, APPROVAL_SOCKET, 0) != 0 && errno != ENOENT) {
		*cause = xprintf("cannot remove the old %s: %s", sa.sun_path, strerror(errno));
		return -1;
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1 || bind(s->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    fchmodat(s->dirfd, APPROVAL_SOCKET, 0666, 0) != 0 ||
	    listen(s->fd, APPROVAL_MAX_CLIENTS) != 0) {
		*cause = xprintf("cannot listen on %s: %s", sa.sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
client_close(struct approval_client *c)
{
	struct approval_server *s = c->srv;

	for (int i = 0; i < APPROVAL_MAX_CLIENTS; i++) {
		if (s->clients[i] == c)
			s->clients[i] = NULL;
	}
	loop_remove_fd(s->loop, c->lfd);
	if (c->timer != NULL)
		loop_cancel_timer(s->loop, c->timer);
	close(c->fd);
	free(c);
}

static json_t *
answer_json(const struct approval_answer *ans)
{
	json_t *o = json_pack("{sb}", "ok", ans->ok);

	if (ans->wrong_key)
		json_object_set_new(o, "wrong_key", json_true());

	if (ans->reason != NULL)
		json_object_set_new(o, "reason", json_string(ans->reason));
	if (ans->approved_by != NULL)
		json_object_set_new(o, "approved_by", json_string(ans->approved_by));
	return o;
}

/* The request is whole: decide, answer once and hang up. */
static void
client_serve(struct approval_client *c)
{
	struct approval_request rq = { c->cred.uid, c->cred.gid, c->cred.pid, c->loginuid, c->gone, NULL, NULL };
	struct approval_answer ans = { 0, 0, NULL, NULL };
	json_t *req = json_loadb(c->buf, c->len, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, NULL);
	char *line, *out;

	rq.step = json_string_value(json_object_get(req, "step"));
	rq.key_proof = json_string_value(json_object_get(req, "key_proof"));
	c->srv->cb(c->srv->arg, &rq, &ans);
	req = (json_decref(req), answer_json(&ans));
	if ((line = json_dumps(req, JSON_COMPACT)) != NULL) {
		out = xprintf("%s\n", line);
		/* A few hundred bytes into an empty socket buffer: never waits. */
		if (send(c->fd, out, strlen(out), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_debug("approval: cannot answer pid %ld: %s", (long)c->cred.pid, strerror(errno));
		free(out);
		free(line);
	}
	json_decref(req);
	free(ans.reason);
	free(ans.approved_by);
	client_close(c);
}

static void
on_client(int fd, short revents, void *arg)
{
	struct approval_client *c = arg;
	ssize_t n;

	(void)revents;
	n = read(fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->len += (size_t)n;
	if (n == -1 || (n == 0 && c->len == 0)) {
		client_close(c);
		return;
	}
	/* A line, the end of the request, or a full buffer: decide now. */
	if (n == 0 || memchr(c->buf, '\n', c->len) != NULL || c->len == sizeof c->buf - 1)
		client_serve(c);
}

static void
on_client_timeout(void *arg)
{
	struct approval_client *c = arg;

	c->timer = NULL;
	log_debug("approval: pid %ld said nothing in time", (long)c->cred.pid);
	client_close(c);
}

/* A free slot for a client of uid. One login holds at most
 * APPROVAL_PER_UID at once (its oldest is dropped), so a user who opens
 * connections and says nothing cannot keep the others out. */
static int
free_slot(struct approval_server *s, uid_t uid)
{
	struct approval_client *oldest = NULL;
	int mine = 0, slot = -1;

	for (int i = 0; i < APPROVAL_MAX_CLIENTS; i++) {
		if (s->clients[i] == NULL)
			slot = slot < 0 ? i : slot;
		else if (s->clients[i]->cred.uid == uid && (mine++ == 0 ||
		    s->clients[i]->serial < oldest->serial))
			oldest = s->clients[i];
	}
	if (mine >= APPROVAL_PER_UID) {
		client_close(oldest);
		return free_slot(s, uid);
	}
	return slot;
}

static void
accept_one(struct approval_server *s, int fd)
{
	struct approval_client *c = xcalloc(1, sizeof *c);
	socklen_t len = sizeof c->cred;
	int slot = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) != 0 ||
	    (slot = free_slot(s, c->cred.uid)) < 0) {
		/* Full of other logins' requests: this caller tries again. */
		close(fd);
		free(c);
		return;
	}
	/* Now, while the caller normally waits for its answer. */
	c->gone = approval_loginuid(c->cred.pid, &c->loginuid) != 0;
	c->srv = s;
	c->fd = fd;
	c->serial = s->accepted++;
	c->lfd = loop_add_fd(s->loop, fd, POLLIN, on_client, c);
	c->timer = loop_add_timer(s->loop, APPROVAL_CLIENT_MS, on_client_timeout, c);
	s->clients[slot] = c;
}

static void
on_accept(int fd, short revents, void *arg)
{
	struct approval_server *s = arg;
	int cfd;

	(void)revents;
	/* A bounded number per turn, so a flood cannot starve the loop. */
	for (int i = 0; i < APPROVAL_MAX_CLIENTS; i++) {
		if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
			break;
		accept_one(s, cfd);
	}
}

struct approval_server *
approval_listen(struct loop *loop, const char *incident, approval_cb cb, void *arg, char **cause)
{
	struct approval_server *s;
	char *dir;

	if ((dir = approval_rendezvous(incident, cause)) == NULL || check_base(cause) != 0) {
		free(dir);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->cb = cb;
	s->arg = arg;
	s->dir = dir;
	s->fd = -1;
	if ((s->dirfd = own_dir(dir, cause)) == -1 || listen_in(s, cause) != 0) {
		if (s->fd != -1)
			close(s->fd);
		if (s->dirfd != -1)
			close(s->dirfd);
		free(s->dir);
		free(s);
		return NULL;
	}
	s->lfd = loop_add_fd(loop, s->fd, POLLIN, on_accept, s);
	return s;
}

void
approval_close(struct approval_server *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < APPROVAL_MAX_CLIENTS; i++) {
		if (s->clients[i] != NULL)
			client_close(s->clients[i]);
	}
	loop_remove_fd(s->loop, s->lfd);
	close(s->fd);
	unlinkat(s->dirfd, APPROVAL_SOCKET, 0);
	close(s->dirfd);
	if (rmdir(s->dir) != 0)
		log_debug("approval: cannot remove %s: %s", s->dir, strerror(errno));
	free(s->dir);
	free(s);
}

/* --- the approver's side --- */

/* The folder and the socket must be the driver's, as the console makes
 * them; the driver is whoever owns the folder. */
static int
check_rendezvous(const char *dir, const struct sockaddr_un *sa, uid_t *owner, char **cause)
{
	struct stat st, ss;

	if (lstat(dir, &st) != 0) {
		*cause = errno == ENOENT ? xprintf("no console is taking approvals for this incident "
		    "(nothing at %s): is it running, and does it wait for an approval?", dir) :
		    xprintf("cannot reach %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    lstat(sa->sun_path, &ss) != 0 || !S_ISSOCK(ss.st_mode) || ss.st_uid != st.st_uid) {
		*cause = xprintf("%s is not a console's rendezvous (a folder writable only by its owner, "
		    "holding its socket): not asking it", dir);
		return -1;
	}
	*owner = st.st_uid;
	return 0;
}

/* Waits for fd to be ready for events until deadline (monotonic ms). */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left;
	int rc;

	do {
		if ((left = deadline - clock_mono_ms()) <= 0)
			return (errno = ETIMEDOUT, -1);
		rc = poll(&p, 1, (int)left);
	} while (rc == -1 && errno == EINTR);
	return rc > 0 ? 0 : (rc == 0 ? (errno = ETIMEDOUT, -1) : -1);
}

static int
send_all(int fd, const char *data, size_t len, int64_t deadline)
{
	ssize_t n;

	while (len > 0) {
		if (wait_fd(fd, POLLOUT, deadline) != 0)
			return -1;
		if ((n = send(fd, data, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads the answer, up to EOF; NULL with errno on error or timeout. */
static char *
read_answer(int fd, int64_t deadline)
{
	char *buf = xmalloc(APPROVAL_MAX_REQUEST + 1);
	size_t len = 0;
	ssize_t n;

	while (len < APPROVAL_MAX_REQUEST) {
		if (wait_fd(fd, POLLIN, deadline) != 0)
			break;
		if ((n = read(fd, buf + len, APPROVAL_MAX_REQUEST - len)) == 0) {
			buf[len] = '\0';
			return buf;
		}
		if (n > 0)
			len += (size_t)n;
		else if (errno != EAGAIN && errno != EINTR)
			break;
	}
	free(buf);
	if (len >= APPROVAL_MAX_REQUEST)
		errno = EFBIG;
	return NULL;
}

/* Connects and checks that the one listening owns the rendezvous. */
static int
connect_console(const struct sockaddr_un *sa, uid_t owner, pid_t *pid, char **cause)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1 || connect(fd, (const struct sockaddr *)sa, sizeof *sa) != 0) {
		*cause = xprintf("cannot reach the console at %s: %s%s", sa->sun_path, strerror(errno),
		    errno == EAGAIN ? " (it is busy: try again)" : "");
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != owner) {
		*cause = xprintf("the socket at %s is not served by the owner of its folder: not asking it",
		    sa->sun_path);
		close(fd);
		return -1;
	}
	*pid = cred.pid;
	return fd;
}

/* Says whose console answered, so an approver who reached the wrong one
 * (someone squatting the incident's name) can tell. */
static int
parse_answer(const char *text, uid_t owner, pid_t pid, char **msg)
{
	char *driver = approvers_login(owner);
	json_t *a = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
	const char *reason = json_string_value(json_object_get(a, "reason"));
	const char *by = json_string_value(json_object_get(a, "approved_by"));
	int rc = json_is_true(json_object_get(a, "ok")) ? 0 : json_is_true(json_object_get(a, "wrong_key")) ? 2 : 1;

	if (*text == '\0') {
		*msg = xstrdup(HUNG_UP);
		rc = -1;
	} else if (!json_is_object(a)) {
		*msg = xstrdup("the console's answer is not JSON");
		rc = -1;
	} else if (rc == 0)
		*msg = reason != NULL ? xprintf("%s's console (pid %ld): %s", driver, (long)pid, reason) :
		    xprintf("%s's console (pid %ld) journaled it as approved by %s", driver, (long)pid,
		    by != NULL ? by : "?");
	else
		*msg = xprintf("%s (%s's console, pid %ld)", reason != NULL ? reason : "no reason given", driver,
		    (long)pid);
	json_decref(a);
	free(driver);
	return rc;
}

int
approval_ask(const char *incident, const char *step, char **msg)
{
	int64_t deadline = clock_mono_ms() + APPROVAL_ASK_MS;
	struct sockaddr_un sa;
	char *dir, *line, *answer, proof[CRYPTO_HEX_LEN];
	json_t *req;
	uid_t owner;
	pid_t pid;
	int fd, rc = -1;

	if ((dir = approval_rendezvous(incident, msg)) == NULL)
		return -1;
	socket_address(dir, &sa);
	if (check_rendezvous(dir, &sa, &owner, msg) != 0 || (fd = connect_console(&sa, owner, &pid, msg)) == -1) {
		free(dir);
		return -1;
	}
	req = json_pack("{ss}", "step", step);
	if (journal_key_proof(step, proof))
		json_object_set_new(req, "key_proof", json_string(proof));
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line == NULL)
		*msg = xstrdup("the step name is not valid UTF-8");
	else if (send_all(fd, line, strlen(line), deadline) != 0 || send_all(fd, "\n", 1, deadline) != 0 ||
	    shutdown(fd, SHUT_WR) != 0 || (answer = read_answer(fd, deadline)) == NULL)
		*msg = errno == ECONNRESET || errno == EPIPE ? xstrdup(HUNG_UP) :
		    xprintf("no answer from the console at %s: %s", sa.sun_path, strerror(errno));
	else {
		rc = parse_answer(answer, owner, pid, msg);
		free(answer);
	}
	free(line);
	close(fd);
	free(dir);
	return rc;
}
