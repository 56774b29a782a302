/* runfacts.c: a folded run's time and objectives; see runfacts.h. */
#include "runfacts.h"

int
runfacts_closed(const struct runstate *rs)
{
	return rs->started && !rs->open && rs->ended_ms != 0;
}

int64_t
runfacts_elapsed_ms(const struct runstate *rs, int64_t now)
{
	if (!rs->started || rs->started_ms == 0)
		return -1;
	return (runfacts_closed(rs) ? rs->ended_ms : now) - rs->started_ms;
}

enum runfacts_verdict
runfacts_rto(const struct runstate *rs, int64_t now)
{
	int64_t elapsed = runfacts_elapsed_ms(rs, now);

	if (rs->rto_ms <= 0)
		return RUNFACTS_NONE;
	if (elapsed < 0)
		return RUNFACTS_UNKNOWN;
	if (runfacts_closed(rs) && rs->outcome != JOUTCOME_COMPLETED)
		return RUNFACTS_NOT_MET;
	if (elapsed > rs->rto_ms)
		return RUNFACTS_MISSED;
	return runfacts_closed(rs) ? RUNFACTS_MET : RUNFACTS_OPEN;
}

enum runfacts_verdict
runfacts_rpo(const struct runstate *rs)
{
	if (rs->loss_ms < 0)
		return RUNFACTS_UNKNOWN;
	if (rs->rpo_ms <= 0)
		return RUNFACTS_NONE;
	return rs->loss_ms > rs->rpo_ms ? RUNFACTS_MISSED : RUNFACTS_MET;
}
