/* job_child.h: the child's side of a job, between fork and exec (private to
 * job.c and job_child.c). */
#ifndef DRC_JOB_CHILD_H
#define DRC_JOB_CHILD_H

#include "job.h"

/* What the child failed at, sent up a CLOEXEC pipe before it exits. */
enum job_step {
	JOB_STEP_FDS,
	JOB_STEP_SETSID,
	JOB_STEP_CTTY,
	JOB_STEP_CHDIR,
	JOB_STEP_EXEC,
};

struct job_report {
	int	step;
	int	err;
};

/* In the forked child: signals reset, its own process group (or session
 * and controlling terminal for a pty), io[] on 0..2, the rest closed, then
 * exec. A failure is sent up the report pipe as a struct job_report. */
void job_child(const struct job_spec *spec, const char *path, const int io[3], int report)
    __attribute__((noreturn));

#endif
