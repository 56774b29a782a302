/* reaper.h: what a step leaves behind outside its process group. drconsole
 * is a child subreaper (PR_SET_CHILD_SUBREAPER), so a descendant that left
 * its step's group (setsid, a double fork) comes back to us when its parent
 * dies instead of going to init; job.c then stops it with the step. A
 * "stray" of a job is any live process, other than the leader, that
 * descends from the leader, or from one of our children that came back to
 * us and is attributed to the job (see reaper.c for how).
 *
 * Processes in drconsole's own process group are never strays: those are
 * drconsole's helpers (sqlcancel's), not a step's. */
#ifndef DRC_REAPER_H
#define DRC_REAPER_H

#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

/* Makes this process a child subreaper and reaps, on every SIGCHLD, the
 * dead children that nobody else will: neither a job's leader nor a child
 * its owner reaps itself (reaper_own). Nested calls are counted; 0, or -1
 * with errno. */
int reaper_enable(struct loop *);
/* Undoes one reaper_enable (the subreaper flag itself stays set). */
void reaper_disable(struct loop *);

/* pid is a child whose owner reaps it (a job's leader, a helper): the
 * reaper never waits for it. reaper_disown once it is reaped. */
void reaper_own(pid_t pid);
void reaper_disown(pid_t pid);
/* pid leads a running job: our children that come back while it runs may
 * be its strays. reaper_forget_job when the job is done. */
void reaper_add_job(pid_t leader);
void reaper_forget_job(pid_t leader);

/* The live strays of the job led by leader; *out (allocated, may be NULL
 * when 0) gets their pids. */
size_t reaper_strays(pid_t leader, pid_t **out);
/* 1 when the job has a live stray. */
int reaper_has_strays(pid_t leader);
/* Sends signo to each of the job's strays; returns how many there were. */
size_t reaper_signal_strays(pid_t leader, int signo);
/* The job's strays are left running on purpose (detach: true): they, their
 * sessions and groups are never any job's strays again. Returns their
 * pids in *out (allocated, may be NULL when 0). */
size_t reaper_release_strays(pid_t leader, pid_t **out);

#endif
