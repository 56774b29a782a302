/* test_job.c: real shell children through a real loop. The test process is a
 * child subreaper, so background processes orphaned by a job become its
 * children and their death can be checked exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "job.h"
#include "log.h"
#include "loop.h"
#include "loop_fixture.h"

struct run {
	char	*out;
	size_t	 outlen;
	char	*err;
	size_t	 errlen;
	int	 count_only;	/* only count stdout, check it is all 'x' */
	size_t	 counted;
	int	 not_x;
	int	 done_calls;
	int	 status;
	int64_t	 done_at;
};

static void
append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	assert_non_null(*buf);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static void
output_cb(void *arg, int stream, const char *data, size_t len)
{
	struct run	*r = arg;

	assert_int_equal(r->done_calls, 0);
	if (stream == JOB_STDOUT && r->count_only) {
		r->counted += len;
		for (size_t i = 0; i < len; i++)
			r->not_x += data[i] != 'x';
		return;
	}
	if (stream == JOB_STDOUT)
		append(&r->out, &r->outlen, data, len);
	else if (stream == JOB_STDERR)
		append(&r->err, &r->errlen, data, len);
	else
		fail();
}

static void
done_cb(void *arg, int status)
{
	struct run	*r = arg;

	r->done_calls++;
	r->status = status;
	r->done_at = clock_mono_ms();
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static int
run_until_done(struct loop *l, struct run *r, int64_t ms)
{
	int64_t	end = clock_mono_ms() + ms;

	while (r->done_calls == 0 && clock_mono_ms() < end)
		assert_true(loop_run_once(l, 50) >= 0);
	return r->done_calls;
}

/* Waits for a first complete stdout line, e.g. a printed pid. */
static int
run_until_line(struct loop *l, struct run *r, int64_t ms)
{
	int64_t	end = clock_mono_ms() + ms;

	while ((r->out == NULL || strchr(r->out, '\n') == NULL) &&
	    clock_mono_ms() < end)
		assert_true(loop_run_once(l, 50) >= 0);
	return r->out != NULL && strchr(r->out, '\n') != NULL;
}

static struct job *
start(struct loop *l, const char *command, struct run *r)
{
	struct job_spec	 spec = { .command = command };
	struct job	*job;
	char		*cause = NULL;

	job = job_start(l, &spec, output_cb, done_cb, r, &cause);
	if (job == NULL)
		fail_msg("job_start: %s", cause);
	return job;
}

/* Runs command to completion and returns its status. */
static int
run_command(const char *command, struct run *r)
{
	struct loop	*l = test_loop;
	struct job	*job = start(l, command, r);

	assert_int_equal(run_until_done(l, r, 5000), 1);
	assert_false(job_running(job));
	/* A few more turns: done_cb must not come again. */
	loop_run_once(l, 10);
	assert_int_equal(r->done_calls, 1);
	job_free(job);
	return r->status;
}

static void
noop_sig(int signo, void *arg)
{
	(void)signo;
	(void)arg;
}

/*
 * Waits until pid is gone; as subreaper we may have to reap it ourselves.
 * Returns its wait status if we reaped it, -1 if someone else did.
 */
static int
wait_gone(pid_t pid, int64_t ms)
{
	struct loop	*l = test_loop;
	int64_t		 end = clock_mono_ms() + ms;
	int		 status = -1;

	/* Our own orphans' deaths wake the loop through SIGCHLD. */
	assert_int_equal(loop_watch_signal(l, SIGCHLD, noop_sig, NULL), 0);
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (kill(pid, 0) == -1 && errno == ESRCH)
			break;
		if (clock_mono_ms() >= end)
			fail_msg("pid %ld still alive", (long)pid);
		loop_run_once(l, 20);
	}
	loop_unwatch_signal(l, SIGCHLD, noop_sig, NULL);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	return status;
}

static void
test_exit_codes(void **state)
{
	struct run	r0 = { 0 }, r3 = { 0 };
	char		buf[64];

	(void)state;
	assert_int_equal(run_command("true", &r0), 0);
	job_describe_status(r0.status, buf, sizeof buf);
	assert_string_equal(buf, "exited 0");
	run_command("exit 3", &r3);
	assert_true(WIFEXITED(r3.status));
	assert_int_equal(WEXITSTATUS(r3.status), 3);
	job_describe_status(r3.status, buf, sizeof buf);
	assert_string_equal(buf, "exited 3");
	run_free(&r0);
	run_free(&r3);
}

static void
test_killed_by_signal(void **state)
{
	struct run	r = { 0 };
	char		buf[64];

	(void)state;
	run_command("kill -9 $$", &r);
	assert_true(WIFSIGNALED(r.status));
	assert_int_equal(WTERMSIG(r.status), 9);
	job_describe_status(r.status, buf, sizeof buf);
	assert_string_equal(buf, "killed by signal 9");
	run_free(&r);
}

static void
test_stdout_stderr_and_partial_line(void **state)
{
	struct run	r = { 0 };

	(void)state;
	run_command("echo out; echo err >&2; echo out2; printf 'tail'", &r);
	assert_string_equal(r.out, "out\nout2\ntail");
	assert_string_equal(r.err, "err\n");
	run_free(&r);
}

static void
test_stdin_is_dev_null(void **state)
{
	struct run	r = { 0 };

	(void)state;
	run_command("cat; echo rc=$?", &r);
	assert_string_equal(r.out, "rc=0\n");
	run_free(&r);
}

static void
test_other_fds_closed(void **state)
{
	struct run	r = { 0 };
	int		leak[2];

	(void)state;
	/* Not CLOEXEC: only the child's own cleanup can keep these out. */
	assert_int_equal(pipe(leak), 0);
	run_command("ls /proc/$$/fd", &r);
	assert_string_equal(r.out, "0\n1\n2\n");
	close(leak[0]);
	close(leak[1]);
	run_free(&r);
}

static void
test_large_output(void **state)
{
	struct run	r = { .count_only = 1 };

	(void)state;
	run_command("head -c 20000000 /dev/zero | tr '\\0' x", &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.counted, 20000000);
	assert_int_equal(r.not_x, 0);
	run_free(&r);
}

static void
test_terminate_sleep(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job = start(l, "sleep 100", &r);
	int64_t		 t0 = clock_mono_ms();

	(void)state;
	assert_true(job_running(job));
	job_terminate(job, 5000);
	assert_int_equal(run_until_done(l, &r, 3000), 1);
	assert_true(r.done_at - t0 < 1000);
	assert_true(WIFSIGNALED(r.status));
	assert_int_equal(WTERMSIG(r.status), SIGTERM);
	job_free(job);
	run_free(&r);
}

static void
test_term_ignored_gets_kill(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job;
	int64_t		 t0;

	(void)state;
	job = start(l, "trap '' TERM; echo ready; sleep 100; echo survived",
	    &r);
	assert_true(run_until_line(l, &r, 3000));
	t0 = clock_mono_ms();
	job_terminate(job, 200);
	assert_int_equal(run_until_done(l, &r, 3000), 1);
	assert_true(r.done_at - t0 >= 190);
	assert_true(r.done_at - t0 < 2000);
	assert_true(WIFSIGNALED(r.status));
	assert_int_equal(WTERMSIG(r.status), SIGKILL);
	assert_string_equal(r.out, "ready\n");
	job_free(job);
	run_free(&r);
}

static void
test_cancel_leaves_no_orphans(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job;
	pid_t		 bg;
	int		 st;

	(void)state;
	job = start(l, "sleep 300 & echo $!; wait", &r);
	assert_true(run_until_line(l, &r, 3000));
	bg = (pid_t)atol(r.out);
	assert_true(bg > 0);
	assert_int_equal(kill(bg, 0), 0);
	job_terminate(job, 1000);
	assert_int_equal(run_until_done(l, &r, 3000), 1);
	st = wait_gone(bg, 2000);
	if (st != -1)
		assert_true(WIFSIGNALED(st));
	job_free(job);
	run_free(&r);
}

static void
test_leader_exits_background_holds_pipe(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job;
	int64_t		 t0 = clock_mono_ms();
	pid_t		 bg;
	int		 st;

	(void)state;
	job = start(l, "sleep 300 & echo $!", &r);
	assert_int_equal(run_until_done(l, &r, 3000), 1);
	assert_true(r.done_at - t0 < JOB_ORPHAN_GRACE_MS);
	assert_int_equal(r.status, 0);	/* the leader's own exit */
	bg = (pid_t)atol(r.out);
	assert_true(bg > 0);
	st = wait_gone(bg, 2000);
	if (st != -1) {
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGTERM);
	}
	job_free(job);
	run_free(&r);
}

static void
test_background_ignoring_term_is_killed(void **state)
{
	struct run	r = { 0 };
	pid_t		bg;
	int		st;

	(void)state;
	/* The background sleep inherits the ignored TERM: it needs SIGKILL. */
	run_command("trap '' TERM; sleep 300 & echo $!", &r);
	assert_int_equal(r.status, 0);
	bg = (pid_t)atol(r.out);
	st = wait_gone(bg, 2000);
	if (st != -1) {
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGKILL);
	}
	run_free(&r);
}

static void
test_straggler_without_output_is_killed(void **state)
{
	struct run	r = { 0 };
	pid_t		bg;
	int		st;

	(void)state;
	/* EOF and exit both arrive at once, but the group is not empty; TERM
	 * is ignored so only the final SIGKILL can end the sleep. */
	run_command("trap '' TERM; sleep 300 >/dev/null 2>&1 & echo $!", &r);
	assert_int_equal(r.status, 0);
	bg = (pid_t)atol(r.out);
	assert_true(bg > 0);
	st = wait_gone(bg, 2000);
	if (st != -1) {
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGKILL);
	}
	run_free(&r);
}

/* Reads the first line of out as a pid. */
static pid_t
first_pid(const struct run *r)
{
	pid_t	pid = r->out != NULL ? (pid_t)atol(r->out) : 0;

	assert_true(pid > 0);
	return pid;
}

/* Waits until setsid has run in pid (it leads its own session). */
static void
wait_own_session(pid_t pid)
{
	int64_t	t0 = clock_mono_ms();

	while (getsid(pid) != pid && clock_mono_ms() - t0 < 3000)
		loop_run_once(test_loop, 5);
	assert_int_equal(getsid(pid), pid);
}

static void
test_holder_in_other_session(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job;
	pid_t		 holder;

	(void)state;
	/* setsid takes the sleep out of the group; it keeps the pipe open.
	 * It is a stray all the same: stopped with the job. */
	job = start(l, "setsid sleep 30 & echo $!; exec sleep 100", &r);
	assert_true(run_until_line(l, &r, 3000));
	holder = first_pid(&r);
	wait_own_session(holder);
	job_terminate(job, 100);
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	assert_true(WIFSIGNALED(r.status));
	assert_int_equal(WTERMSIG(r.status), SIGTERM);
	assert_int_equal(WTERMSIG(wait_gone(holder, 2000)), SIGTERM);
	job_free(job);
	run_free(&r);
}

/* A daemon in its own session with its output elsewhere: the leader's
 * exit does not end the job while the daemon lives; it is stopped. */
static void
test_setsid_daemon_stopped_with_job(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job;
	pid_t		 daemon;

	(void)state;
	job = start(l, "setsid sleep 30 >/dev/null 2>&1 & echo $!; "
	    "while [ \"$(ps -o sid= -p $!)\" -ne $! ]; do :; done", &r);
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	assert_int_equal(WEXITSTATUS(r.status), 0);
	daemon = first_pid(&r);
	/* Already stopped by the time the job reported done. */
	assert_int_equal(WTERMSIG(wait_gone(daemon, 100)), SIGTERM);
	job_free(job);
	run_free(&r);
}

/* A double fork: the grandchild's parent is gone before the job ends, so
 * it comes back to us, not to the job's leader. */
static void
test_double_fork_stopped_on_timeout(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job;
	pid_t		 orphan;

	(void)state;
	job = start(l, "setsid sh -c 'sleep 30 >/dev/null 2>&1 & echo $!'; exec sleep 100", &r);
	assert_true(run_until_line(l, &r, 3000));
	orphan = first_pid(&r);
	/* Its parent exits: it is ours now. */
	while (getppid() != 0 && kill(orphan, 0) == 0) {
		char	path[64], buf[256], *rp;
		FILE	*fp;
		long	ppid = 0;

		snprintf(path, sizeof path, "/proc/%ld/stat", (long)orphan);
		if ((fp = fopen(path, "r")) == NULL)
			break;
		if (fgets(buf, sizeof buf, fp) != NULL && (rp = strrchr(buf, ')')) != NULL)
			sscanf(rp + 1, " %*c %ld", &ppid);
		fclose(fp);
		if (ppid == getpid())
			break;
		loop_run_once(l, 5);
	}
	job_terminate(job, 200);
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	assert_int_equal(WTERMSIG(wait_gone(orphan, 100)), SIGTERM);
	job_free(job);
	run_free(&r);
}

/* Runs command with detach: it must end, name its one daemon as left
 * running, and leave it running after job_free; returns the daemon. */
static pid_t
run_detached(const char *command, struct run *r)
{
	struct job_spec	 spec = { .detach = 1 };
	struct job	*job;
	char		*cause = NULL;
	const pid_t	*left;
	size_t		 n;
	pid_t		 daemon;

	spec.command = command;
	job = job_start(test_loop, &spec, output_cb, done_cb, r, &cause);
	assert_non_null(job);
	assert_int_equal(run_until_done(test_loop, r, 5000), 1);
	assert_int_equal(WEXITSTATUS(r->status), 0);
	daemon = first_pid(r);
	assert_int_equal(kill(daemon, 0), 0);
	left = job_left_running(job, &n);
	assert_int_equal(n, 1);
	assert_int_equal(left[0], daemon);
	job_free(job);
	assert_int_equal(kill(daemon, 0), 0);	/* job_free leaves it too */
	return daemon;
}

/* detach: what outlives the leader is left running and named. */
static void
test_detach_leaves_daemon(void **state)
{
	struct run	 r = { 0 };
	pid_t		 daemon;

	(void)state;
	daemon = run_detached("setsid sleep 30 >/dev/null 2>&1 & echo $!", &r);
	kill(daemon, SIGKILL);
	wait_gone(daemon, 2000);
	run_free(&r);
}

static void
test_free_running_job(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job;
	pid_t		 leader, bg;

	(void)state;
	job = start(l, "sleep 300 & echo $!; wait", &r);
	assert_true(run_until_line(l, &r, 3000));
	bg = (pid_t)atol(r.out);
	leader = job_pid(job);
	job_free(job);
	assert_int_equal(r.done_calls, 0);
	/* The leader was reaped by job_free itself. */
	assert_int_equal(kill(leader, 0), -1);
	assert_int_equal(errno, ESRCH);
	wait_gone(bg, 2000);
	/* Nothing of the job is left in the loop. */
	assert_int_equal(loop_run_once(l, 10), 0);
	run_free(&r);
}

static void
test_pty(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job_spec	 spec = {
		.command = "test -t 0 && test -t 1 && echo tty; stty size; "
		    "echo e >&2",
		.pty = 1, .cols = 100, .rows = 30
	};
	struct job	*job;
	char		*cause = NULL;
	int64_t		 t0 = clock_mono_ms();

	(void)state;
	job = job_start(l, &spec, output_cb, done_cb, &r, &cause);
	assert_non_null(job);
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	/* EIO on the master is EOF: no waiting for the orphan timers. */
	assert_true(r.done_at - t0 < JOB_ORPHAN_GRACE_MS);
	assert_int_equal(r.status, 0);
	/* Raw mode: no CR added; stderr shares the terminal. */
	assert_string_equal(r.out, "tty\n30 100\ne\n");
	assert_null(r.err);
	job_free(job);
	run_free(&r);
}

static void
test_pty_terminate(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job_spec	 spec = { .command = "sleep 100", .pty = 1 };
	struct job	*job;
	char		*cause = NULL;

	(void)state;
	job = job_start(l, &spec, output_cb, done_cb, &r, &cause);
	assert_non_null(job);
	job_terminate(job, 2000);	/* may race the child's setsid */
	assert_int_equal(run_until_done(l, &r, 3000), 1);
	assert_true(WIFSIGNALED(r.status));
	job_free(job);
	run_free(&r);
}

static void
test_env_and_cwd(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 }, r2 = { 0 };
	char		 tmpl[] = "/tmp/drc-job-XXXXXX", *dir, *real, *want;
	char *const	 envp[] = { "FOO=bar baz", "PATH=/usr/bin:/bin", NULL };
	struct job_spec	 spec = {
		.command = "printf '%s\\n' \"$FOO\" "
		    "\"${DRC_PARENT-unset}\"; pwd",
		.envp = envp
	};
	struct job	*job;
	char		*cause = NULL;

	(void)state;
	setenv("DRC_PARENT", "inherited", 1);
	assert_non_null(dir = mkdtemp(tmpl));
	assert_non_null(real = realpath(dir, NULL));
	spec.cwd = dir;
	assert_non_null(job = job_start(l, &spec, output_cb, done_cb, &r,
	    &cause));
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	assert_int_equal(asprintf(&want, "bar baz\nunset\n%s\n", real) > 0, 1);
	assert_string_equal(r.out, want);
	job_free(job);
	/* NULL envp and cwd inherit. */
	spec.envp = NULL;
	spec.cwd = NULL;
	assert_non_null(job = job_start(l, &spec, output_cb, done_cb, &r2,
	    &cause));
	assert_int_equal(run_until_done(l, &r2, 5000), 1);
	assert_non_null(strstr(r2.out, "\ninherited\n"));
	job_free(job);
	rmdir(dir);
	free(real);
	free(want);
	run_free(&r);
	run_free(&r2);
}

/* Children of ours, zombies included, still running this binary's name. */
static int
count_children_like_us(void)
{
	char		 self[64], path[300], line[512], *p;
	struct dirent	*de;
	DIR		*d;
	FILE		*f;
	int		 n = 0;
	long		 ppid;

	assert_non_null(f = fopen("/proc/self/comm", "r"));
	assert_non_null(fgets(self, sizeof self, f));
	fclose(f);
	self[strcspn(self, "\n")] = '\0';
	assert_non_null(d = opendir("/proc"));
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if (atol(de->d_name) <= 0 || (f = fopen(path, "r")) == NULL)
			continue;
		/* "pid (comm) state ppid ..." */
		if (fgets(line, sizeof line, f) != NULL &&
		    (p = strrchr(line, ')')) != NULL &&
		    sscanf(p + 1, " %*c %ld", &ppid) == 1 &&
		    ppid == (long)getpid() &&
		    strncmp(strchr(line, '(') + 1, self, strlen(self)) == 0)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static void
test_bad_cwd_is_an_error(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job_spec	 spec = { .command = "true",
			    .cwd = "/nonexistent/drc-job" };
	char		*cause = NULL;

	(void)state;
	assert_null(job_start(l, &spec, output_cb, done_cb, &r, &cause));
	assert_non_null(cause);
	assert_string_equal(cause,
	    "chdir /nonexistent/drc-job: No such file or directory");
	free(cause);
	/* The failed child (a copy of us that never exec'd) was reaped. */
	assert_int_equal(count_children_like_us(), 0);
}

static void
test_concurrent_jobs_and_foreign_child(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r[3] = { { 0 }, { 0 }, { 0 } };
	struct job	*job[3];
	const char	*cmds[3] = { "exit 1", "exit 2", "echo x; exit 3" };
	pid_t		 foreign;
	int		 st, left;
	int64_t		 end = clock_mono_ms() + 5000;

	(void)state;
	/* A child that is not a job must be left for its owner to reap. */
	if ((foreign = fork()) == 0)
		_exit(7);
	assert_true(foreign > 0);
	for (int i = 0; i < 3; i++)
		job[i] = start(l, cmds[i], &r[i]);
	do {
		loop_run_once(l, 50);
		left = 0;
		for (int i = 0; i < 3; i++)
			left += r[i].done_calls == 0;
	} while (left > 0 && clock_mono_ms() < end);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].done_calls, 1);
		assert_int_equal(WEXITSTATUS(r[i].status), i + 1);
		job_free(job[i]);
		run_free(&r[i]);
	}
	assert_int_equal(waitpid(foreign, &st, 0), foreign);
	assert_int_equal(WEXITSTATUS(st), 7);
}

static void
free_in_done_cb(void *arg, int status)
{
	struct job	**jp = arg;

	(void)status;
	job_free(*jp);
	*jp = NULL;
}

static void
ignore_output(void *arg, int stream, const char *data, size_t len)
{
	(void)arg;
	(void)stream;
	(void)data;
	(void)len;
}

static void
test_free_from_done_cb(void **state)
{
	struct loop	*l = test_loop;
	struct job_spec	 spec = { .command = "echo hi" };
	struct job	*job;
	char		*cause = NULL;
	int64_t		 end = clock_mono_ms() + 5000;

	(void)state;
	job = job_start(l, &spec, ignore_output, free_in_done_cb, &job,
	    &cause);
	assert_non_null(job);
	while (job != NULL && clock_mono_ms() < end)
		loop_run_once(l, 50);
	assert_null(job);
}

static void
test_describe_status(void **state)
{
	char	buf[64];

	(void)state;
	job_describe_status(0, buf, sizeof buf);
	assert_string_equal(buf, "exited 0");
	job_describe_status(3 << 8, buf, sizeof buf);
	assert_string_equal(buf, "exited 3");
	job_describe_status(9, buf, sizeof buf);
	assert_string_equal(buf, "killed by signal 9");
}

/* --- typing into a pty: job_write, job_resize --- */

static struct job *
start_pty(struct loop *l, const char *command, int cooked, struct run *r)
{
	struct job_spec	 spec = { .command = command, .pty = 1,
			    .pty_cooked = cooked };
	struct job	*job;
	char		*cause = NULL;

	job = job_start(l, &spec, output_cb, done_cb, r, &cause);
	if (job == NULL)
		fail_msg("job_start: %s", cause);
	return job;
}

static void
test_pty_write_reaches_read(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job = start_pty(l, "read -r x; echo \"got $x\"", 0, &r);

	(void)state;
	/* Typed before the shell even runs: the terminal holds it. */
	assert_int_equal(job_write(job, "hel", 3), 0);
	assert_int_equal(job_write(job, "lo\n", 3), 0);
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	assert_int_equal(r.status, 0);
	/* Raw: no echo, no CR. */
	assert_string_equal(r.out, "got hello\n");
	job_free(job);
	run_free(&r);
}

static void
test_pty_cooked_like_a_terminal(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job;

	(void)state;
	job = start_pty(l, "read -r x; echo \"got $x\"", 1, &r);
	/* Enter sends CR; the line discipline echoes and makes it NL. */
	assert_int_equal(job_write(job, "hi\r", 3), 0);
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "hi\r\ngot hi\r\n");
	job_free(job);
	run_free(&r);
}

static void
test_pty_cooked_settings(void **state)
{
	struct loop	*l = test_loop;
	struct run	 cooked = { 0 }, raw = { 0 };
	struct job	*job;

	(void)state;
	job = start_pty(l, "stty -a", 1, &cooked);
	assert_int_equal(run_until_done(l, &cooked, 5000), 1);
	job_free(job);
	assert_non_null(strstr(cooked.out, "susp = <undef>"));
	assert_non_null(strstr(cooked.out, " icanon"));
	assert_non_null(strstr(cooked.out, " -ixon"));
	assert_non_null(strstr(cooked.out, " icrnl"));
	job = start_pty(l, "stty -a", 0, &raw);
	assert_int_equal(run_until_done(l, &raw, 5000), 1);
	job_free(job);
	assert_non_null(strstr(raw.out, "-icanon"));
	run_free(&cooked);
	run_free(&raw);
}

static void
test_pty_ctrl_c_interrupts(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job = start_pty(l, "echo ready; exec sleep 30", 1, &r);

	(void)state;
	assert_true(run_until_line(l, &r, 5000));
	assert_int_equal(job_write(job, "\003", 1), 0);
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	assert_true(WIFSIGNALED(r.status));
	assert_int_equal(WTERMSIG(r.status), SIGINT);
	job_free(job);
	run_free(&r);
}

static void
test_pty_write_is_bounded(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job = start_pty(l, "exec sleep 30", 0, &r);
	char		 chunk[1024];
	size_t		 taken = 0;

	(void)state;
	memset(chunk, 'k', sizeof chunk);
	/* Nobody reads: the kernel's buffers, then ours, fill and it says so
	 * instead of growing. */
	while (taken < 4 * 1024 * 1024 && job_write(job, chunk,
	    sizeof chunk) == 0)
		taken += sizeof chunk;
	assert_true(taken < 4 * 1024 * 1024);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(job_write(job, chunk, JOB_WRITE_MAX + 1), -1);
	assert_int_equal(errno, EAGAIN);
	job_terminate(job, 1000);
	assert_int_equal(run_until_done(l, &r, 3000), 1);
	/* Done: the terminal is gone. */
	assert_int_equal(job_write(job, "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(job_resize(job, 80, 24), -1);
	assert_int_equal(errno, EPIPE);
	job_free(job);
	run_free(&r);
}

static void
test_write_and_resize_need_a_pty(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job = start(l, "exec sleep 30", &r);

	(void)state;
	assert_int_equal(job_write(job, "x", 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(job_resize(job, 80, 24), -1);
	assert_int_equal(errno, EINVAL);
	job_free(job);
	run_free(&r);
}

static void
test_pty_resize(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job = start_pty(l, "read -r _; stty size", 0, &r);

	(void)state;
	assert_int_equal(job_resize(job, 0, 24), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(job_resize(job, 97, 31), 0);
	assert_int_equal(job_write(job, "\n", 1), 0);
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	assert_string_equal(r.out, "31 97\n");
	job_free(job);
	run_free(&r);
}

static void
test_pty_resize_signals_the_group(void **state)
{
	struct loop	*l = test_loop;
	struct run	 r = { 0 };
	struct job	*job;

	(void)state;
	job = start_pty(l, "trap 'stty size; kill $!; exit 0' WINCH; "
	    "sleep 30 & echo ready; wait", 0, &r);
	assert_true(run_until_line(l, &r, 5000));
	/* The size it already has: the kernel stays quiet, job_resize not. */
	assert_int_equal(job_resize(job, 80, 24), 0);
	assert_int_equal(run_until_done(l, &r, 5000), 1);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "ready\n24 80\n");
	job_free(job);
	run_free(&r);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, loop_fixture_setup, \
    loop_fixture_teardown)

/* detach, and the daemon kept the step's output open: the job still ends,
 * half a second after its leader, and leaves the daemon running. */
static void
test_detach_daemon_holding_output(void **state)
{
	struct run	 r = { 0 };
	pid_t		 daemon;

	(void)state;
	daemon = run_detached("sleep 30 & echo $!", &r);
	kill(daemon, SIGKILL);
	wait_gone(daemon, 2000);
	run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_exit_codes),
		TEST(test_killed_by_signal),
		TEST(test_stdout_stderr_and_partial_line),
		TEST(test_stdin_is_dev_null),
		TEST(test_other_fds_closed),
		TEST(test_large_output),
		TEST(test_terminate_sleep),
		TEST(test_term_ignored_gets_kill),
		TEST(test_cancel_leaves_no_orphans),
		TEST(test_leader_exits_background_holds_pipe),
		TEST(test_background_ignoring_term_is_killed),
		TEST(test_straggler_without_output_is_killed),
		TEST(test_holder_in_other_session),
		TEST(test_setsid_daemon_stopped_with_job),
		TEST(test_double_fork_stopped_on_timeout),
		TEST(test_detach_leaves_daemon),
		TEST(test_detach_daemon_holding_output),
		TEST(test_free_running_job),
		TEST(test_pty),
		TEST(test_pty_terminate),
		TEST(test_env_and_cwd),
		TEST(test_bad_cwd_is_an_error),
		TEST(test_concurrent_jobs_and_foreign_child),
		TEST(test_free_from_done_cb),
		TEST(test_describe_status),
		TEST(test_pty_write_reaches_read),
		TEST(test_pty_cooked_like_a_terminal),
		TEST(test_pty_cooked_settings),
		TEST(test_pty_ctrl_c_interrupts),
		TEST(test_pty_write_is_bounded),
		TEST(test_write_and_resize_need_a_pty),
		TEST(test_pty_resize),
		TEST(test_pty_resize_signals_the_group),
	};

	/* Orphans of our jobs become our children, so we can see them die. */
	log_open(getenv("DRCONSOLE_LOG"));
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		perror("prctl");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
