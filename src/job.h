/* job.h: a shell command run as its own process group, its output read
 * through the loop, and its end reported once output and exit are both in. */
#ifndef DRC_JOB_H
#define DRC_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"

#define JOB_STDOUT		1
#define JOB_STDERR		2

/* At most this much is read from one fd per loop turn. */
#define JOB_READ_MAX		(256 * 1024)
/* The stdout pipe's capacity, when the kernel grants it. */
#define JOB_PIPE_SIZE		(1024 * 1024)
/* Leader gone but its output still held open: SIGTERM, then SIGKILL after. */
#define JOB_ORPHAN_GRACE_MS	1000
/* After SIGKILL, how long EOF may take before the fds are simply closed
 * (something outside the group, e.g. in its own session, holds them). */
#define JOB_EOF_BOUND_MS	500

struct job_spec {
	const char	 *command;	/* run as /bin/sh -c command */
	const char	 *shell;	/* the shell that runs command; NULL /bin/sh */
	char *const	 *envp;		/* full environment, NULL = inherit */
	int		  pty;		/* stdin/out/err on a raw pty */
	int		  cols, rows;	/* pty size; 0 = 80x24 */
	const char	 *cwd;		/* NULL = inherit */
	/* Added for fanout.c; zero keeps the behaviour above. */
	char *const	 *argv;		/* non-NULL: exec argv[0] (looked up in
					   PATH) with argv; command unused */
	int		  stdin_pipe;	/* stdin is a stream we hold open:
					   job_send_stdin, job_close_stdin
					   (not with pty) */
	/* Added for interactive steps; zero keeps the behaviour above. */
	int		  pty_cooked;	/* with pty: a terminal's line discipline
					   (echo, Enter as newline, ^C as
					   SIGINT) instead of raw, for someone
					   typing; ^Z stays a plain byte */
	int		  detach;	/* processes it starts that outlive the
					   leader are left running (reaper.h):
					   job_left_running names them */
};

struct job;

/* stream is JOB_STDOUT or JOB_STDERR; with a pty everything is JOB_STDOUT. */
typedef void (*job_output_cb)(void *arg, int stream, const char *data,
    size_t len);
/* wait_status is the raw status from waitpid. */
typedef void (*job_done_cb)(void *arg, int wait_status);

/* Starts spec->command. The job is done (done_cb, exactly once) when every
 * output fd reached EOF and the leader was reaped; by then the whole process
 * group has been sent SIGKILL. done_cb may job_free. Returns NULL and sets
 * cause when the command cannot be started (bad cwd included). */
struct job *job_start(struct loop *, const struct job_spec *, job_output_cb,
    job_done_cb, void *arg, char **cause);
/* SIGTERM to the group, SIGKILL after grace_ms if it has not finished. */
void job_terminate(struct job *, int64_t grace_ms);
/* Sends signo to the whole group. */
void job_kill(struct job *, int signo);
/* The leader's pid, which is also the process group id. */
pid_t job_pid(const struct job *);
/* 1 until done_cb has been called. */
int job_running(const struct job *);
/* Frees a done job; a running one is killed with SIGKILL and reaped first,
 * without calling done_cb. */
void job_free(struct job *);
/* With detach, once done: the pids it left running (n of them). */
const pid_t *job_left_running(const struct job *, size_t *n);
/* "exited 0", "exited 3", "killed by signal 9". */
void job_describe_status(int wait_status, char *buf, size_t len);

/* With stdin_pipe: queues data for the child's stdin, written as it reads
 * (through the loop when it does not fit at once). A child that is gone
 * drops it: never SIGPIPE. The copy is wiped once written or dropped. */
void job_send_stdin(struct job *, const void *data, size_t len);
/* Closes the child's stdin now, dropping what is unsent: it reads EOF.
 * Safe to call twice, and on a job without stdin_pipe. */
void job_close_stdin(struct job *);
/* Closes the child's stdin once everything queued has been written: it
 * reads all of it, then EOF. */
void job_end_stdin(struct job *);

/* job_write keeps at most this much waiting for the terminal: typing
 * ahead of a busy program fits, a runaway paste is refused. */
#define JOB_WRITE_MAX		4096

/* With pty: sends data to the child's terminal, as if typed there. What the
 * terminal does not take at once waits (at most JOB_WRITE_MAX bytes) and is
 * written through the loop, in order; the copy is wiped once written.
 * Returns 0, or -1 with errno: EINVAL (no pty), EPIPE (the terminal is
 * closed), EAGAIN (it would not all fit: none of it was queued). */
int job_write(struct job *, const char *data, size_t len);
/* With pty: sets the terminal's size and sends SIGWINCH to the group.
 * Returns 0, or -1 with errno (EINVAL: no pty or a size out of range,
 * EPIPE: the terminal is closed). */
int job_resize(struct job *, int cols, int rows);

/* In a child: closes every descriptor from lowfd up (close_range, or
 * /proc/self/fd where it is missing), so a child inherits only what it is
 * given. */
void job_child_close_from(int lowfd);
/* The file spec's argv runs: argv[0] when it holds a '/', else the first
 * executable of that name in PATH (envp's when given); NULL with *cause.
 * Looked up before fork, so a child only calls execve. */
char *job_find_program(const struct job_spec *spec, char **cause);

#endif
