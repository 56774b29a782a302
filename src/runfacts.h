/* runfacts.h: what follows from a folded run (runstate) for the readers
 * that judge it: the time it took and whether it met its RTO and RPO.
 * One rule for the report, the JUnit and the metrics files. */
#ifndef DRC_RUNFACTS_H
#define DRC_RUNFACTS_H

#include <stdint.h>

#include "runstate.h"

/* How a run stands against an objective. */
enum runfacts_verdict {
	RUNFACTS_NONE,		/* no objective set */
	RUNFACTS_UNKNOWN,	/* nothing to measure (no run.start, no data loss recorded) */
	RUNFACTS_OPEN,		/* the run goes on, within the limit so far */
	RUNFACTS_MET,
	RUNFACTS_MISSED,	/* over the limit */
	RUNFACTS_NOT_MET,	/* ended without completing */
};

/* 1 if the run has ended (its last run.start or run.resume has a run.end). */
int runfacts_closed(const struct runstate *rs);
/* From the first run.start to the last run.end, or to now while open; -1
 * without a run.start. */
int64_t runfacts_elapsed_ms(const struct runstate *rs, int64_t now);
/* The RTO: elapsed time against rto_ms; a closed run that did not
 * complete did not meet it. */
enum runfacts_verdict runfacts_rto(const struct runstate *rs, int64_t now);
/* The RPO: the data-loss window recorded (loss_ms) against rpo_ms. */
enum runfacts_verdict runfacts_rpo(const struct runstate *rs);

#endif
