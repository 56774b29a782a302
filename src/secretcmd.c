/* secretcmd.c: a secret's value from a command; see secretcmd.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "job.h"
#include "mask.h"
#include "reaper.h"
#include "secretcmd.h"
#include "termsafe.h"
#include "xmalloc.h"

/* How much of stderr a failure message shows. */
#define SECRETCMD_ERR_SHOWN 200

struct capture {
	int fd;
	char *buf;
	size_t len;
};

/* In the child: its own process group, default signals, stdin /dev/null,
 * the pipes as stdout and stderr, the failure pipe on 3 and nothing else
 * open (drconsole's log, a console's terminal); never returns. */
static void
child_exec(const char *prog, char *const *argv, char *const *envp, int out, int err, int failpipe)
{
	int src[4] = { open("/dev/null", O_RDONLY), out, err, failpipe }, tmp[4], e;
	sigset_t none;

	setpgid(0, 0);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Everything above 3 first, so no dup2 clobbers a source. */
	for (int i = 0; i < 4; i++) {
		if (src[i] < 0 || (tmp[i] = fcntl(src[i], F_DUPFD, 4)) < 0)
			_exit(127);
	}
	for (int i = 0; i < 4; i++) {
		if (dup2(tmp[i], i) < 0)
			_exit(127);
	}
	fcntl(3, F_SETFD, FD_CLOEXEC);
	job_child_close_from(4);
	execve(prog, argv, envp);
	e = errno;
	if (write(3, &e, sizeof e) < 0)
		_exit(127);
	_exit(127);
}

/* Reads what is there; 1 at EOF, -1 when over the bound. */
static int
capture_read(struct capture *c)
{
	char chunk[4096], *grown;
	ssize_t n = read(c->fd, chunk, sizeof chunk);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	if (c->len + (size_t)n > SECRETCMD_MAX_OUTPUT)
		return -1;
	/* A new buffer, the old one wiped: no copy of a secret is left in
	 * freed memory. */
	grown = xmalloc(c->len + (size_t)n + 1);
	if (c->len > 0)
		memcpy(grown, c->buf, c->len);
	if (c->buf != NULL)
		explicit_bzero(c->buf, c->len);
	free(c->buf);
	c->buf = grown;
	memcpy(c->buf + c->len, chunk, (size_t)n);
	explicit_bzero(chunk, (size_t)n);
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	return 0;
}

/* How a wait for the command ended. */
enum capture_end {
	CAPTURE_TOO_MUCH = -1,
	CAPTURE_DONE,
	CAPTURE_TIMED_OUT,
	CAPTURE_STOPPED,
};

/* Reads both streams to EOF, the deadline, or until stop says so. */
static enum capture_end
capture_all(struct capture *c, int64_t deadline, secretcmd_stop_fn stop, void *stop_arg)
{
	struct pollfd p[2];
	int open = 2, r;

	while (open > 0) {
		int64_t left = deadline - clock_mono_ms();

		if (left <= 0)
			return CAPTURE_TIMED_OUT;
		/* Before each wait: a signal ends poll with EINTR, and then
		 * stop is asked at once. */
		if (stop != NULL && stop(stop_arg))
			return CAPTURE_STOPPED;
		for (int i = 0; i < 2; i++)
			p[i] = (struct pollfd){ c[i].fd, POLLIN, 0 };
		if (poll(p, 2, (int)(left > SECRETCMD_STOP_CHECK_MS ? SECRETCMD_STOP_CHECK_MS : left)) < 0 &&
		    errno != EINTR)
			return CAPTURE_TIMED_OUT;
		for (int i = 0; i < 2; i++) {
			if (c[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if ((r = capture_read(&c[i])) < 0)
				return CAPTURE_TOO_MUCH;
			if (r == 1) {
				close(c[i].fd);
				c[i].fd = -1;
				open--;
			}
		}
	}
	return CAPTURE_DONE;
}

static void
wipe(struct capture *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->buf != NULL)
		explicit_bzero(c->buf, c->len);
	free(c->buf);
}

/* The output less its trailing line ends, or NULL when nothing is left. */
static char *
take_value(const struct capture *out)
{
	size_t n = out->len;

	if (out->buf == NULL)
		return NULL;
	while (n > 0 && (out->buf[n - 1] == '\n' || out->buf[n - 1] == '\r'))
		n--;
	return n > 0 ? xstrndup(out->buf, n) : NULL;
}

/* The first line of stderr, the output masked out of it, safe to show. */
static char *
stderr_line(const struct capture *out, const struct capture *err)
{
	struct mask *m;
	char *masked, *nl, *safe;

	if (err->buf == NULL)
		return xstrdup("");
	m = mask_new();
	/* The output whole and line by line: a value printed in part, or
	 * echoed to stderr, never shows. */
	for (char *p = out->buf, *end; p != NULL && *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = p + strcspn(p, "\r\n");
		masked = xstrndup(p, (size_t)(end - p));
		mask_add(m, masked);
		free(masked);
	}
	if ((masked = take_value(out)) != NULL)
		mask_add(m, masked);
	free(masked);
	masked = mask_str(m, err->buf, NULL);
	mask_free(m);
	if ((nl = strchr(masked, '\n')) != NULL)
		*nl = '\0';
	if (strlen(masked) > SECRETCMD_ERR_SHOWN)
		strcpy(masked + SECRETCMD_ERR_SHOWN - 3, "...");
	safe = termsafe_dup(masked, 0);
	free(masked);
	return safe;
}

static char *
failure(const char *prog, int status, enum capture_end end, const struct capture *c)
{
	char how[128], *line = stderr_line(&c[0], &c[1]), *msg;

	if (end == CAPTURE_TIMED_OUT)
		snprintf(how, sizeof how, "did not finish in time (killed)");
	else if (end == CAPTURE_STOPPED)
		snprintf(how, sizeof how, "was stopped by an interrupt (killed)");
	else if (end == CAPTURE_TOO_MUCH)
		snprintf(how, sizeof how, "printed more than %d bytes (killed)", SECRETCMD_MAX_OUTPUT);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		snprintf(how, sizeof how, "printed nothing");
	else
		job_describe_status(status, how, sizeof how);
	msg = xprintf("%s %s%s%s", prog, how, *line != '\0' ? ": " : "", line);
	free(line);
	return msg;
}

/* fork with the pipes made; the parent keeps the read ends. */
static pid_t
spawn(char *const *argv, char *const *envp, struct capture *c, int *failpipe, char **cause)
{
	struct job_spec js = { .argv = argv, .envp = envp };
	int out[2], err[2], fail[2];
	char *prog, *why = NULL;
	pid_t pid;

	if ((prog = job_find_program(&js, &why)) == NULL) {
		*cause = xprintf("cannot run %s", why);
		free(why);
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || pipe2(fail, O_CLOEXEC) != 0) {
		*cause = xprintf("cannot make a pipe: %s", strerror(errno));
		free(prog);
		return -1;
	}
	if ((pid = fork()) < 0) {
		*cause = xprintf("cannot fork: %s", strerror(errno));
		close(out[0]), close(out[1]), close(err[0]), close(err[1]), close(fail[0]), close(fail[1]);
		free(prog);
		return -1;
	}
	if (pid == 0)
		child_exec(prog, argv, envp, out[1], err[1], fail[1]);
	/* The child does it too; here as well, so that a kill of the group
	 * that comes at once (a stop already asked) cannot miss it. */
	setpgid(pid, pid);
	free(prog);
	close(out[1]), close(err[1]), close(fail[1]);
	c[0].fd = out[0];
	c[1].fd = err[0];
	*failpipe = fail[0];
	return pid;
}

int
secretcmd_run(char *const *argv, char *const *envp, int timeout_ms, secretcmd_stop_fn stop, void *stop_arg,
    char **value, char **cause)
{
	struct capture c[2] = { { -1, NULL, 0 }, { -1, NULL, 0 } };
	int failpipe, status = 0, exec_errno = 0;
	enum capture_end end;
	pid_t pid;

	*value = NULL;
	if ((pid = spawn(argv, envp, c, &failpipe, cause)) < 0)
		return -1;
	reaper_own(pid);
	end = capture_all(c, clock_mono_ms() + timeout_ms, stop, stop_arg);
	if (end != CAPTURE_DONE)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	reaper_disown(pid);
	if (read(failpipe, &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno) {
		*cause = xprintf("cannot run %s: %s", argv[0], strerror(exec_errno));
	} else if (end == CAPTURE_DONE && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    (*value = take_value(&c[0])) != NULL) {
		*cause = NULL;
	} else
		*cause = failure(argv[0], status, end, c);
	close(failpipe);
	wipe(&c[0]);
	wipe(&c[1]);
	return *value != NULL ? 0 : -1;
}
