/* job_child.c: the child's side of a job, between fork and exec (signals
 * reset, process group or controlling terminal, file descriptors, cwd), and
 * the lookup of an argv job's program, done before fork so the child only
 * calls execve. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job_child.h"
#include "xmalloc.h"

extern char **environ;

static void __attribute__((noreturn))
job_child_fail(int fd, enum job_step step)
{
	struct job_report	r = { step, errno };

	if (write(fd, &r, sizeof r) == -1) {
		/* Nothing left to tell anyone. */
	}
	_exit(127);
}

void
job_child_close_from(int lowfd)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd;

	if (close_range((unsigned int)lowfd, ~0U, 0) == 0)
		return;
	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		if (fd >= lowfd && fd != dirfd(d))
			close(fd);
	}
	closedir(d);
}

/*
 * Puts io[0..2] on 0..2 and the report pipe on 3, then closes the rest.
 * Everything is first moved above 3 so no dup2 can clobber a source.
 */
static int
job_child_fds(const int io[3], int report)
{
	int	src[4] = { io[0], io[1], io[2], report }, tmp[4];

	for (int i = 0; i < 4; i++) {
		if ((tmp[i] = fcntl(src[i], F_DUPFD, 4)) == -1)
			job_child_fail(report, JOB_STEP_FDS);
	}
	for (int i = 0; i < 4; i++) {
		if (dup2(tmp[i], i) == -1)
			job_child_fail(tmp[3], JOB_STEP_FDS);
	}
	fcntl(3, F_SETFD, FD_CLOEXEC);
	job_child_close_from(4);
	return 3;
}

void
job_child(const struct job_spec *spec, const char *path, const int io[3],
    int report)
{
	struct sigaction	 sa;
	sigset_t		 none;
	const char		*base = strrchr(path, '/');
	char			*argv[] = { (char *)(base != NULL ? base + 1 : path),
				    "-c", (char *)spec->command, NULL };
	char *const		*args = spec->argv != NULL ? spec->argv : argv;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int signo = 1; signo < NSIG; signo++)
		sigaction(signo, &sa, NULL);	/* KILL, STOP fail: fine */
	if (spec->pty) {
		if (setsid() == -1)
			job_child_fail(report, JOB_STEP_SETSID);
		if (ioctl(io[1], TIOCSCTTY, 0) == -1)
			job_child_fail(report, JOB_STEP_CTTY);
	} else
		setpgid(0, 0);
	report = job_child_fds(io, report);
	if (spec->cwd != NULL && chdir(spec->cwd) != 0)
		job_child_fail(report, JOB_STEP_CHDIR);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(path, args, spec->envp != NULL ? spec->envp : environ);
	job_child_fail(report, JOB_STEP_EXEC);
}

/*
 * The program an argv job runs: argv[0] itself when it names a path, else
 * the first executable file of that name in PATH (the child's, when the
 * spec gives an environment). Looked up before fork, so the child only
 * calls execve.
 */
char *
job_find_program(const struct job_spec *spec, char **cause)
{
	const char	*name = spec->argv[0], *path = NULL;
	char		*dirs, *dir, *save = NULL, *found = NULL;
	struct stat	 sb;

	if (strchr(name, '/') != NULL)
		return xstrdup(name);
	for (char *const *e = spec->envp; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	}
	if (spec->envp == NULL)
		path = getenv("PATH");
	dirs = xstrdup(path != NULL ? path : "/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir != NULL && found == NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		found = xprintf("%s/%s", dir, name);
		if (stat(found, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    access(found, X_OK) != 0) {
			free(found);
			found = NULL;
		}
	}
	free(dirs);
	if (found == NULL)
		*cause = xprintf("%s: not found in PATH", name);
	return found;
}
