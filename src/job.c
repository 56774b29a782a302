/* job.c: owns child processes: fork and exec, reading output, escalating
 * signals and reaping. The leader is left a zombie (waitid WNOWAIT) until the
 * job is done, so its pid, which names the process group, cannot be reused
 * while we may still signal the group. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "job.h"
#include "job_child.h"
#include "log.h"
#include "reaper.h"
#include "xmalloc.h"

extern char **environ;

enum job_stage {
	JOB_CALM,		/* nothing sent */
	JOB_TERMED,		/* SIGTERM sent, SIGKILL timer armed */
	JOB_KILLED,		/* SIGKILL sent, EOF bound timer armed */
	JOB_ABANDONED,		/* fds closed without EOF */
};

struct job_stream {
	struct job	*job;
	int		 stream;	/* JOB_STDOUT or JOB_STDERR */
	int		 fd;		/* -1 once at EOF */
	struct loop_fd	*lfd;
};

struct job {
	struct loop		*loop;
	pid_t			 pid;
	struct job_stream	 streams[2];
	char			*buf;
	job_output_cb		 output_cb;
	job_done_cb		 done_cb;
	void			*arg;

	int			 watching;	/* SIGCHLD callback is set */
	int			 exited;	/* leader is a zombie or gone */
	int			 reaped;
	int			 status;
	int			 done;
	int			 detach;	/* strays stay: spec->detach */
	pid_t			*left;		/* what detach left running, */
	size_t			 nleft;		/* how many */
	enum job_stage		 stage;
	struct loop_timer	*timer;
	int			 stdin_fd;	/* stdin_pipe: our end, or -1 */
	char			*stdin_buf;	/* queued for stdin */
	size_t			 stdin_len;
	size_t			 stdin_off;	/* written so far */
	struct loop_fd		*stdin_lfd;	/* POLLOUT while some wait */
	int			 stdin_eof;	/* close stdin once all is written */
	int			 pty;		/* streams[0] is a pty master */
	char			 wbuf[JOB_WRITE_MAX];	/* job_write: for the pty */
	size_t			 wlen;
	struct loop_fd		*wlfd;		/* POLLOUT while wlen > 0 */
};

static void job_update(struct job *);

static void
job_close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] != -1)
			close(fds[i]);
		fds[i] = -1;
	}
}

static int
job_set_nonblock(int fd)
{
	int	flags = fcntl(fd, F_GETFL);

	return flags == -1 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/*
 * With stdin_pipe, stdin is one end of a socket pair rather than a pipe:
 * send(MSG_NOSIGNAL) on ours then fails with EPIPE when the child is gone
 * instead of killing us with SIGPIPE, which nothing else here ignores.
 */
static int
job_open_stdin(struct job *job, const struct job_spec *spec)
{
	int	sv[2];

	if (!spec->stdin_pipe)
		return open("/dev/null", O_RDONLY|O_CLOEXEC);
	if (socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	if (job_set_nonblock(sv[0]) != 0 || shutdown(sv[0], SHUT_RD) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	job->stdin_fd = sv[0];
	return sv[1];
}

/* A flooding step writes in bigger runs before it waits for us, which
 * halves the wake-ups on both sides. Only a wish: a user over their pipe
 * quota keeps the default 64 KiB. */
static void
job_grow_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	(void)fcntl(fd, F_SETPIPE_SZ, JOB_PIPE_SIZE);
#else
	(void)fd;
#endif
}

/* Our ends in job->streams, the child's in io; 0 or -1 with cause. */
static int
job_open_pipes(struct job *job, const struct job_spec *spec, int io[3],
    char **cause)
{
	int	out[2] = { -1, -1 }, err[2] = { -1, -1 };

	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
	    (io[0] = job_open_stdin(job, spec)) == -1 ||
	    job_set_nonblock(out[0]) != 0 || job_set_nonblock(err[0]) != 0) {
		*cause = xprintf("cannot make pipes: %s", strerror(errno));
		job_close_fds(out, 2);
		job_close_fds(err, 2);
		return -1;
	}
	job_grow_pipe(out[0]);
	job->streams[0].fd = out[0];
	job->streams[1].fd = err[0];
	io[1] = out[1];
	io[2] = err[1];
	return 0;
}

/*
 * What a terminal does for someone typing: echo, erase, Enter as newline,
 * ^C and ^\ as signals, CR LF out. ^Z suspends nothing (there is no shell
 * doing job control to resume a stopped step) and ^S does not freeze the
 * output (a habit from editors that must not look like a hung step).
 */
static void
job_cook(struct termios *tio)
{
	tio->c_iflag |= ICRNL | IUTF8;
	tio->c_iflag &= ~(tcflag_t)(INLCR | IGNCR | IXON | IXOFF);
	tio->c_oflag |= OPOST | ONLCR;
	tio->c_lflag |= ISIG | ICANON | IEXTEN | ECHO | ECHOE | ECHOK | ECHOCTL |
	    ECHOKE;
	tio->c_cc[VSUSP] = _POSIX_VDISABLE;
}

static int
job_setup_slave(int slave, const struct job_spec *spec)
{
	struct termios	tio;
	struct winsize	ws;

	/* Raw unless someone types into it: no CR LF rewriting, no line
	 * discipline cost, no echo. */
	if (tcgetattr(slave, &tio) != 0)
		return -1;
	if (spec->pty_cooked)
		job_cook(&tio);
	else
		cfmakeraw(&tio);
	if (tcsetattr(slave, TCSANOW, &tio) != 0)
		return -1;
	memset(&ws, 0, sizeof ws);
	ws.ws_col = spec->cols > 0 ? spec->cols : 80;
	ws.ws_row = spec->rows > 0 ? spec->rows : 24;
	return ioctl(slave, TIOCSWINSZ, &ws);
}

static int
job_open_pty(struct job *job, const struct job_spec *spec, int io[3],
    char **cause)
{
	char	name[128];
	int	master, slave = -1;

	master = posix_openpt(O_RDWR|O_NOCTTY|O_CLOEXEC);
	if (master == -1 || grantpt(master) != 0 || unlockpt(master) != 0 ||
	    ptsname_r(master, name, sizeof name) != 0 ||
	    (slave = open(name, O_RDWR|O_NOCTTY|O_CLOEXEC)) == -1 ||
	    job_setup_slave(slave, spec) != 0 ||
	    job_set_nonblock(master) != 0) {
		*cause = xprintf("cannot make a pty: %s", strerror(errno));
		if (master != -1)
			close(master);
		if (slave != -1)
			close(slave);
		return -1;
	}
	job->streams[0].fd = master;
	io[0] = io[1] = io[2] = slave;
	return 0;
}

/* Waits for exec or for the child's failure report; 0 or -1 with cause. */
static int
job_wait_exec(struct job *job, const struct job_spec *spec, int fd,
    char **cause)
{
	static const char	*what[] = { "cannot set up fds", "setsid",
				    "cannot set controlling tty", "chdir",
				    "exec /bin/sh" };
	struct job_report	 r;
	ssize_t			 n;

	do
		n = read(fd, &r, sizeof r);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof r)
		return 0;
	while (waitpid(job->pid, NULL, 0) == -1 && errno == EINTR)
		/* retry */;
	if (r.step == JOB_STEP_CHDIR)
		*cause = xprintf("chdir %s: %s", spec->cwd, strerror(r.err));
	else if (r.step == JOB_STEP_EXEC && spec->argv != NULL)
		*cause = xprintf("exec %s: %s", spec->argv[0], strerror(r.err));
	else
		*cause = xprintf("%s: %s", what[r.step], strerror(r.err));
	return -1;
}

static pid_t
job_fork(const struct job_spec *spec, const char *path, const int io[3],
    int report_w)
{
	sigset_t	all, old;
	pid_t		pid;

	/* Nothing may run our handlers in the child before they are reset. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0)
		job_child(spec, path, io, report_w);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

static void job_sigchld(int, void *);
static void job_read_cb(int, short, void *);
static void job_write_drop(struct job *);

static void
job_close_stream(struct job_stream *s)
{
	if (s->fd == -1)
		return;
	if (s->job->pty && s == &s->job->streams[0])
		job_write_drop(s->job);	/* nothing to write to any more */
	if (s->lfd != NULL)
		loop_remove_fd(s->job->loop, s->lfd);
	s->lfd = NULL;
	close(s->fd);
	s->fd = -1;
}

/* Releases everything but the process; the job is not usable after. */
static void
job_discard(struct job *job)
{
	job_close_stream(&job->streams[0]);
	job_close_stream(&job->streams[1]);
	job_close_stdin(job);
	if (job->timer != NULL)
		loop_cancel_timer(job->loop, job->timer);
	job->timer = NULL;
	if (job->watching)
		loop_unwatch_signal(job->loop, SIGCHLD, job_sigchld, job);
	job->watching = 0;
	reaper_forget_job(job->pid);	/* its leader is reaped or never was */
}

static int
job_spawn(struct job *job, const struct job_spec *spec, int io[3],
    char **cause)
{
	char	*path;
	int	 report[2];

	if (spec->argv == NULL)
		path = xstrdup(spec->shell != NULL ? spec->shell : "/bin/sh");
	else if ((path = job_find_program(spec, cause)) == NULL)
		return -1;
	if (pipe2(report, O_CLOEXEC) != 0) {
		*cause = xprintf("cannot make a pipe: %s", strerror(errno));
		free(path);
		return -1;
	}
	job->pid = job_fork(spec, path, io, report[1]);
	free(path);
	if (job->pid == -1)
		*cause = xprintf("fork: %s", strerror(errno));
	close(report[1]);
	/* Both sides set the group, so it exists whoever runs first. */
	if (job->pid > 0 && !spec->pty)
		setpgid(job->pid, job->pid);
	if (job->pid > 0 && job_wait_exec(job, spec, report[0], cause) != 0)
		job->pid = -1;
	close(report[0]);
	if (job->pid > 0)
		reaper_add_job(job->pid);
	return job->pid > 0 ? 0 : -1;
}

/* Starts a job. */
struct job *
job_start(struct loop *loop, const struct job_spec *spec,
    job_output_cb output_cb, job_done_cb done_cb, void *arg, char **cause)
{
	struct job	*job = xcalloc(1, sizeof *job);
	int		 io[3] = { -1, -1, -1 }, rc;

	job->loop = loop;
	job->stdin_fd = -1;
	job->output_cb = output_cb;
	job->done_cb = done_cb;
	job->arg = arg;
	for (int i = 0; i < 2; i++) {
		job->streams[i].job = job;
		job->streams[i].stream = i == 0 ? JOB_STDOUT : JOB_STDERR;
		job->streams[i].fd = -1;
	}
	/* Before fork, so an early exit cannot be missed. */
	if (loop_watch_signal(loop, SIGCHLD, job_sigchld, job) != 0) {
		*cause = xprintf("cannot watch SIGCHLD: %s", strerror(errno));
		free(job);
		return NULL;
	}
	job->watching = 1;
	job->pty = spec->pty;
	job->detach = spec->detach;
	if (spec->pty)
		rc = job_open_pty(job, spec, io, cause);
	else
		rc = job_open_pipes(job, spec, io, cause);
	if (rc == 0)
		rc = job_spawn(job, spec, io, cause);
	if (spec->pty)
		io[1] = io[2] = -1;	/* one slave fd, three names */
	job_close_fds(io, 3);
	if (rc != 0) {
		job_discard(job);
		free(job);
		return NULL;
	}
	job->buf = xmalloc(JOB_READ_MAX);
	for (int i = 0; i < 2; i++) {
		if (job->streams[i].fd == -1)
			continue;
		job->streams[i].lfd = loop_add_fd(loop, job->streams[i].fd,
		    POLLIN, job_read_cb, &job->streams[i]);
	}
	/* Not the command: it may hold secrets the journal masks. */
	log_debug("job %ld started", (long)job->pid);
	return job;
}

static void
job_signal(struct job *job, int signo)
{
	/* A pty child may not have called setsid yet: no group to signal. */
	if (kill(-job->pid, signo) == -1 && errno == ESRCH && !job->exited)
		kill(job->pid, signo);
	if (signo == SIGTERM || signo == SIGKILL)	/* what left the group goes too */
		reaper_signal_strays(job->pid, signo);
}

static void
job_escalate(void *arg)
{
	struct job	*job = arg;

	job->timer = NULL;
	if (job->stage == JOB_TERMED) {
		log_debug("job %ld: grace over, SIGKILL", (long)job->pid);
		job_signal(job, SIGKILL);
		job->stage = JOB_KILLED;
		job->timer = loop_add_timer(job->loop, JOB_EOF_BOUND_MS,
		    job_escalate, job);
		return;
	}
	log_debug("job %ld: output still held open, closing", (long)job->pid);
	job->stage = JOB_ABANDONED;
	job_close_stream(&job->streams[0]);
	job_close_stream(&job->streams[1]);
	job_update(job);
}

/* SIGTERM to the group, then SIGKILL after grace_ms. */
void
job_terminate(struct job *job, int64_t grace_ms)
{
	if (job->done || job->stage != JOB_CALM)
		return;
	log_debug("job %ld: SIGTERM, grace %lld ms", (long)job->pid,
	    (long long)grace_ms);
	job_signal(job, SIGTERM);
	job->stage = JOB_TERMED;
	job->timer = loop_add_timer(job->loop, grace_ms, job_escalate, job);
}

/* Sends a signal to the group. */
void
job_kill(struct job *job, int signo)
{
	if (!job->done)
		job_signal(job, signo);
}

/* The leader's pid. */
pid_t
job_pid(const struct job *job)
{
	return job->pid;
}

/* 1 until done_cb has been called. */
int
job_running(const struct job *job)
{
	return !job->done;
}

static int
job_output_open(const struct job *job)
{
	return job->streams[0].fd != -1 || job->streams[1].fd != -1;
}

/* Notes the leader's exit without reaping it. */
static void
job_check_exit(struct job *job)
{
	siginfo_t	si;

	if (job->exited)
		return;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)job->pid, &si, WEXITED|WNOHANG|WNOWAIT) != 0) {
		if (errno != ECHILD)
			return;
		/* Someone else reaped it; there is no status to report. */
		log_debug("job %ld: reaped elsewhere", (long)job->pid);
		job->reaped = 1;
		job->status = 127 << 8;
	} else if (si.si_pid == 0)
		return;
	job->exited = 1;
	/* Leader gone but output held, or something it started left running;
	 * with detach, a daemon holding the output is let go a while later. */
	if (job_output_open(job) && job->detach && job->stage == JOB_CALM) {
		job->stage = JOB_KILLED;
		job->timer = loop_add_timer(job->loop, JOB_EOF_BOUND_MS, job_escalate, job);
	} else if (job_output_open(job) || (!job->detach && reaper_has_strays(job->pid)))
		job_terminate(job, JOB_ORPHAN_GRACE_MS);
}

static void
job_reap(struct job *job)
{
	if (job->reaped)
		return;
	while (waitpid(job->pid, &job->status, 0) == -1) {
		if (errno != EINTR) {
			job->status = 127 << 8;
			break;
		}
	}
	job->reaped = 1;
}

/* Finishes the job once the leader exited and all output is in. */
static void
job_update(struct job *job)
{
	if (job->done)
		return;
	job_check_exit(job);
	if (!job->exited || job_output_open(job) || (!job->detach &&
	    job->stage < JOB_ABANDONED && reaper_has_strays(job->pid)))
		return;
	if (job->detach)
		job->nleft = reaper_release_strays(job->pid, &job->left);
	else if (!job->reaped)	/* stragglers that closed their output */
		kill(-job->pid, SIGKILL);
	job_reap(job);
	job_discard(job);
	job->done = 1;
	log_debug("job %ld done, status %#x", (long)job->pid, job->status);
	job->done_cb(job->arg, job->status);	/* last: it may free the job */
}

static void
job_sigchld(int signo, void *arg)
{
	(void)signo;
	job_update(arg);
}

static void
job_read_cb(int fd, short revents, void *arg)
{
	struct job_stream	*s = arg;
	struct job		*job = s->job;
	ssize_t			 n;

	(void)revents;
	n = read(fd, job->buf, JOB_READ_MAX);
	if (n > 0) {
		job->output_cb(job->arg, s->stream, job->buf, (size_t)n);
		return;	/* the callback may have freed the job */
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF; EIO is how a pty master says the slave side is all closed. */
	if (n == -1 && errno != EIO)
		log_debug("job %ld: read: %s", (long)job->pid, strerror(errno));
	job_close_stream(s);
	job_update(job);
}

/* Frees a job, killing and reaping it first if it is still running. */
void
job_free(struct job *job)
{
	if (job == NULL)
		return;
	if (!job->done) {
		if (!job->reaped)
			job_signal(job, SIGKILL);
		job_reap(job);
		job_discard(job);
	}
	free(job->buf);
	free(job->left);
	free(job);
}

const pid_t *job_left_running(const struct job *job, size_t *n) { *n = job->nleft; return job->left; }

/* Describes a raw wait status in words. */
void
job_describe_status(int wait_status, char *buf, size_t len)
{
	if (WIFEXITED(wait_status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(wait_status));
	else if (WIFSIGNALED(wait_status))
		snprintf(buf, len, "killed by signal %d",
		    WTERMSIG(wait_status));
	else
		snprintf(buf, len, "status %#x", (unsigned int)wait_status);
}

static void
job_stdin_drop(struct job *job)
{
	if (job->stdin_lfd != NULL)
		loop_remove_fd(job->loop, job->stdin_lfd);
	job->stdin_lfd = NULL;
	if (job->stdin_buf != NULL)
		explicit_bzero(job->stdin_buf, job->stdin_len);
	free(job->stdin_buf);
	job->stdin_buf = NULL;
	job->stdin_len = job->stdin_off = 0;
}

static void job_stdin_cb(int, short, void *);

/* Writes what the child will take now; waits for POLLOUT for the rest. */
static void
job_stdin_flush(struct job *job)
{
	ssize_t	n;

	while (job->stdin_off < job->stdin_len) {
		n = send(job->stdin_fd, job->stdin_buf + job->stdin_off,
		    job->stdin_len - job->stdin_off, MSG_NOSIGNAL|MSG_DONTWAIT);
		if (n > 0) {
			job->stdin_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (job->stdin_lfd == NULL)
				job->stdin_lfd = loop_add_fd(job->loop,
				    job->stdin_fd, POLLOUT, job_stdin_cb, job);
			return;
		}
		/* The child closed its stdin or is gone: no one will read. */
		log_debug("job %ld: stdin: %s", (long)job->pid,
		    strerror(errno));
		job_close_stdin(job);
		return;
	}
	job_stdin_drop(job);
	if (job->stdin_eof)
		job_close_stdin(job);
}

static void
job_stdin_cb(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	job_stdin_flush(arg);
}

/* Queues data for the child's stdin. */
void
job_send_stdin(struct job *job, const void *data, size_t len)
{
	char	*buf;
	size_t	 unsent;

	if (job->stdin_fd == -1 || len == 0)
		return;
	unsent = job->stdin_len - job->stdin_off;
	buf = xmalloc(unsent + len);
	if (unsent > 0)
		memcpy(buf, job->stdin_buf + job->stdin_off, unsent);
	memcpy(buf + unsent, data, len);
	len += unsent;
	job_stdin_drop(job);
	job->stdin_buf = buf;
	job->stdin_len = len;
	job_stdin_flush(job);
}

/* Closes the child's stdin, so that it reads EOF. */
void
job_close_stdin(struct job *job)
{
	job_stdin_drop(job);
	if (job->stdin_fd == -1)
		return;
	close(job->stdin_fd);
	job->stdin_fd = -1;
}

/* Closes the child's stdin once what is queued has been written. */
void
job_end_stdin(struct job *job)
{
	job->stdin_eof = 1;
	if (job->stdin_off >= job->stdin_len)
		job_close_stdin(job);
}

/* --- typing into a pty --- */

/* Forgets what waits for the terminal; no copy of it is left behind. */
static void
job_write_drop(struct job *job)
{
	if (job->wlfd != NULL)
		loop_remove_fd(job->loop, job->wlfd);
	job->wlfd = NULL;
	explicit_bzero(job->wbuf, job->wlen);
	job->wlen = 0;
}

static void job_write_cb(int, short, void *);

/* Writes what the terminal takes now; POLLOUT brings the rest. */
static void
job_write_flush(struct job *job)
{
	size_t	held = job->wlen;
	ssize_t	n;

	while (job->wlen > 0) {
		n = write(job->streams[0].fd, job->wbuf, job->wlen);
		if (n > 0) {
			job->wlen -= (size_t)n;
			memmove(job->wbuf, job->wbuf + n, job->wlen);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 || (n == -1 && errno == EAGAIN))
			break;	/* full: POLLOUT says when there is room */
		/* EIO: every holder of the slave side is gone. */
		log_debug("job %ld: pty write: %s", (long)job->pid,
		    strerror(errno));
		job_write_drop(job);
		return;
	}
	/* The moved-down copies past the end are typing too. */
	explicit_bzero(job->wbuf + job->wlen, held - job->wlen);
	if (job->wlen > 0 && job->wlfd == NULL)
		job->wlfd = loop_add_fd(job->loop, job->streams[0].fd, POLLOUT,
		    job_write_cb, job);
	else if (job->wlen == 0 && job->wlfd != NULL) {
		loop_remove_fd(job->loop, job->wlfd);
		job->wlfd = NULL;
	}
}

static void
job_write_cb(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	job_write_flush(arg);
}

/* Sends data to the child's terminal, as if typed there. */
int
job_write(struct job *job, const char *data, size_t len)
{
	if (!job->pty) {
		errno = EINVAL;
		return -1;
	}
	if (job->done || job->streams[0].fd == -1) {
		errno = EPIPE;
		return -1;
	}
	/* All or nothing: half a key's escape sequence would be a wrong key. */
	if (len > sizeof job->wbuf - job->wlen) {
		errno = EAGAIN;
		return -1;
	}
	if (len == 0)
		return 0;
	memcpy(job->wbuf + job->wlen, data, len);
	job->wlen += len;
	job_write_flush(job);
	return 0;
}

/* Sets the terminal's size and tells the whole group. */
int
job_resize(struct job *job, int cols, int rows)
{
	struct winsize	ws;

	if (!job->pty || cols <= 0 || rows <= 0 || cols > USHRT_MAX ||
	    rows > USHRT_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (job->done || job->streams[0].fd == -1) {
		errno = EPIPE;
		return -1;
	}
	memset(&ws, 0, sizeof ws);
	ws.ws_col = (unsigned short)cols;
	ws.ws_row = (unsigned short)rows;
	if (ioctl(job->streams[0].fd, TIOCSWINSZ, &ws) != 0)
		return -1;
	/* The kernel signals only the terminal's foreground group, and only
	 * on a change; a program that asked before its first draw, or one
	 * that is not in the foreground, must hear it too. */
	job_signal(job, SIGWINCH);
	return 0;
}
