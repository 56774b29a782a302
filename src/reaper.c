/* reaper.c: owns the subreaper role: which of our children a job may claim
 * as its strays, and reaping the dead ones nobody else waits for.
 *
 * A process that came back to us carries no trace of its old parent, so it
 * is attributed by what it kept: its process group or session, when that is
 * a running job's (a double fork keeps the group; a pty job's processes keep
 * its session); otherwise (setsid made both new) to every running job, as
 * steps run one at a time and only a fan-out's hosts run together. What a
 * job's strays start is theirs too: the closure over parent links.
 *
 * State is per process, like the loop's signal state. Pids are only read
 * from /proc; a stray that is not our child could exit and its pid be reused
 * between the scan and the signal, a window of microseconds. */
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

#include "log.h"
#include "reaper.h"
#include "xmalloc.h"

struct pidset {
	pid_t	*v;
	size_t	 n, cap;
};

static struct pidset	owned;		/* reaped by their owner */
static struct pidset	jobs;		/* running jobs' leaders */
static struct pidset	freed_pids;	/* left running on purpose */
static struct pidset	freed_groups;	/* their groups and sessions */
static int		enabled;

/* One line of /proc/PID/stat, the fields we use. */
struct proc {
	pid_t	pid, ppid, pgrp, sid;
	char	state;
};

struct procs {
	struct proc	*v;
	size_t		 n, cap;
};

static int
pidset_has(const struct pidset *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i] == pid)
			return 1;
	}
	return 0;
}

static void
pidset_add(struct pidset *s, pid_t pid)
{
	if (pidset_has(s, pid))
		return;
	if (s->n == s->cap) {
		s->cap = s->cap < 8 ? 8 : s->cap * 2;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	s->v[s->n++] = pid;
}

static void
pidset_del(struct pidset *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i] == pid) {
			s->v[i] = s->v[--s->n];
			return;
		}
	}
}

static void
pidset_free(struct pidset *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* --- reading /proc --- */

/* The next number of a stat line, after spaces; -1 when there is none. */
static int
stat_field(char **s, long *v)
{
	char *end;

	*v = strtol(*s, &end, 10);
	if (end == *s)
		return -1;
	*s = end;
	return 0;
}

/* Reads /proc/NAME/stat, NAME a pid as /proc lists it (dfd is /proc):
 * by hand rather than with sscanf, as a scan reads every process's. */
static int
proc_read(int dfd, const char *name, pid_t pid, struct proc *p)
{
	char path[64], buf[512], *rp;
	size_t len = strlen(name);
	ssize_t n;
	int fd;
	long ppid, pgrp, sid;

	if (len + sizeof "/stat" > sizeof path)
		return -1;
	memcpy(path, name, len);
	memcpy(path + len, "/stat", sizeof "/stat");
	if ((fd = openat(dfd, path, O_RDONLY|O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name is in parentheses and may hold anything. */
	if ((rp = strrchr(buf, ')')) == NULL || rp[1] != ' ' || rp[2] == '\0' || rp[3] != ' ')
		return -1;
	p->state = rp[2];
	rp += 3;
	if (stat_field(&rp, &ppid) != 0 || stat_field(&rp, &pgrp) != 0 || stat_field(&rp, &sid) != 0)
		return -1;
	p->pid = pid;
	p->ppid = (pid_t)ppid;
	p->pgrp = (pid_t)pgrp;
	p->sid = (pid_t)sid;
	return 0;
}

static void
procs_scan(struct procs *ps)
{
	struct dirent *de;
	struct proc p;
	DIR *d;
	char *end;
	long pid;

	ps->n = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (pid <= 0 || *end != '\0' || proc_read(dirfd(d), de->d_name, (pid_t)pid, &p) != 0)
			continue;
		if (ps->n == ps->cap) {
			ps->cap = ps->cap < 256 ? 256 : ps->cap * 2;
			ps->v = xreallocarray(ps->v, ps->cap, sizeof *ps->v);
		}
		ps->v[ps->n++] = p;
	}
	closedir(d);
}

/* --- attribution --- */

static int
released(const struct proc *p)
{
	return pidset_has(&freed_pids, p->pid) || pidset_has(&freed_groups, p->pgrp) ||
	    pidset_has(&freed_groups, p->sid);
}

/* Who we are, read once per scan rather than once per process. */
struct self {
	pid_t	pid, pgrp;
};

/* A child of ours that came back: to which running job? 1 if to leader. */
static int
came_back_to(const struct proc *p, pid_t leader, const struct self *me)
{
	if (p->ppid != me->pid || p->pgrp == me->pgrp || pidset_has(&jobs, p->pid) ||
	    pidset_has(&owned, p->pid) || released(p))
		return 0;
	if (pidset_has(&jobs, p->pgrp))
		return p->pgrp == leader;
	if (pidset_has(&jobs, p->sid))
		return p->sid == leader;
	return pidset_has(&jobs, leader);
}

/* 1 when ppid is the pid of a marked process. */
static int
parent_marked(const struct procs *ps, const size_t *marked, size_t nmarked, pid_t ppid)
{
	for (size_t k = 0; k < nmarked; k++) {
		if (ps->v[marked[k]].pid == ppid)
			return 1;
	}
	return 0;
}

/* Marks (in mark[]) every process that is a stray of leader, dead or
 * alive. The cheap tests (parent, group) go before the set lookups: a
 * scan meets every process of the machine. */
static void
mark_strays(const struct procs *ps, pid_t leader, char *mark)
{
	const struct self me = { getpid(), getpgrp() };
	size_t *marked = xcalloc(ps->n + 1, sizeof *marked), nmarked = 0;
	int grew = 1;

	for (size_t i = 0; i < ps->n; i++) {
		const struct proc *p = &ps->v[i];

		mark[i] = p->pid != leader && p->pgrp != me.pgrp && (p->ppid == leader || p->ppid == me.pid) &&
		    !released(p) && (p->ppid == leader || came_back_to(p, leader, &me));
		if (mark[i])
			marked[nmarked++] = i;
	}
	/* Then whatever those started, to any depth. */
	while (grew && nmarked > 0) {
		grew = 0;
		for (size_t i = 0; i < ps->n; i++) {
			const struct proc *p = &ps->v[i];

			if (mark[i] || p->pid == leader || !parent_marked(ps, marked, nmarked, p->ppid) ||
			    released(p))
				continue;
			mark[i] = grew = 1;
			marked[nmarked++] = i;
		}
	}
	free(marked);
}

/* The live strays' entries, copied into *out; returns how many. */
static size_t
collect(pid_t leader, struct proc **out)
{
	struct procs ps = { 0 };
	char *mark;
	size_t n = 0;

	procs_scan(&ps);
	mark = xcalloc(ps.n + 1, 1);
	mark_strays(&ps, leader, mark);
	*out = xreallocarray(NULL, ps.n + 1, sizeof **out);
	for (size_t i = 0; i < ps.n; i++) {
		if (mark[i] && ps.v[i].state != 'Z' && ps.v[i].state != 'X')
			(*out)[n++] = ps.v[i];
	}
	free(mark);
	free(ps.v);
	return n;
}

size_t
reaper_strays(pid_t leader, pid_t **out)
{
	struct proc *v;
	size_t n = collect(leader, &v);

	*out = NULL;
	if (n > 0) {
		*out = xreallocarray(NULL, n, sizeof **out);
		for (size_t i = 0; i < n; i++)
			(*out)[i] = v[i].pid;
	}
	free(v);
	return n;
}

int
reaper_has_strays(pid_t leader)
{
	struct proc *v;
	size_t n = collect(leader, &v);

	free(v);
	return n > 0;
}

size_t
reaper_signal_strays(pid_t leader, int signo)
{
	struct proc *v;
	size_t n = collect(leader, &v);

	for (size_t i = 0; i < n; i++) {
		log_debug("job %ld: %s to stray %ld", (long)leader, strsignal(signo), (long)v[i].pid);
		kill(v[i].pid, signo);
	}
	free(v);
	return n;
}

size_t
reaper_release_strays(pid_t leader, pid_t **out)
{
	struct proc *v;
	size_t n = collect(leader, &v);

	*out = n > 0 ? xreallocarray(NULL, n, sizeof **out) : NULL;
	for (size_t i = 0; i < n; i++) {
		(*out)[i] = v[i].pid;
		pidset_add(&freed_pids, v[i].pid);
		if (v[i].pgrp != getpgrp())
			pidset_add(&freed_groups, v[i].pgrp);
		if (v[i].sid != getsid(0))
			pidset_add(&freed_groups, v[i].sid);
	}
	free(v);
	return n;
}

/* --- who reaps what --- */

void reaper_own(pid_t pid) { pidset_add(&owned, pid); }
void reaper_disown(pid_t pid) { pidset_del(&owned, pid); }

void
reaper_add_job(pid_t leader)
{
	pidset_add(&jobs, leader);
	/* A live group or session keeps its id from being a new pid: one
	 * named leader is gone, and so are its released processes. */
	pidset_del(&freed_groups, leader);
	pidset_del(&freed_pids, leader);
}

void reaper_forget_job(pid_t leader) { pidset_del(&jobs, leader); }

/* Reaps our dead children that no owner waits for: those that came back
 * to us, and released ones. */
static void
reap_unowned(int signo, void *arg)
{
	struct procs ps = { 0 };
	pid_t self = getpid();

	(void)signo;
	(void)arg;
	procs_scan(&ps);
	for (size_t i = 0; i < ps.n; i++) {
		const struct proc *p = &ps.v[i];

		if (p->ppid != self || p->state != 'Z' || pidset_has(&owned, p->pid) ||
		    pidset_has(&jobs, p->pid))
			continue;
		if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
			log_debug("reaper: reaped %ld", (long)p->pid);
			pidset_del(&freed_pids, p->pid);
		}
	}
	free(ps.v);
}

int
reaper_enable(struct loop *loop)
{
	if (enabled == 0 && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		return -1;
	if (loop_watch_signal(loop, SIGCHLD, reap_unowned, NULL) != 0)
		return -1;
	enabled++;
	return 0;
}

void
reaper_disable(struct loop *loop)
{
	if (enabled == 0)
		return;
	loop_unwatch_signal(loop, SIGCHLD, reap_unowned, NULL);
	if (--enabled == 0) {
		pidset_free(&freed_pids);
		pidset_free(&freed_groups);
	}
}
