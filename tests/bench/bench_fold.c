/* bench_fold.c: folds an incident's journal with runstate_load, as every
 * reader does, and prints how long it took and what it found:
 *   bench_fold INCIDENT_DIR
 * tests/bench/bench_fold.sh runs it against jq on a 1,000,000-event
 * journal. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "runstate.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct runstate rs;
	char *cause = NULL;
	double t0;
	int64_t attempts = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_fold INCIDENT_DIR\n");
		return 2;
	}
	runstate_init(&rs);
	t0 = now();
	if (runstate_load(&rs, argv[1], 0, NULL, NULL, &cause) != 0) {
		fprintf(stderr, "bench_fold: %s\n", cause);
		return 1;
	}
	for (int i = 0; i < rs.nsteps; i++)
		attempts += rs.steps[i].nattempts_total;
	printf("fold: %lld events, %d steps, %lld attempts, %zu+%zu notes, outcome %s in %.3fs\n",
	    (long long)rs.events, rs.nsteps, (long long)attempts, rs.notes.n, rs.notes.dropped,
	    jschema_outcome_name(rs.outcome), now() - t0);
	runstate_clear(&rs);
	return 0;
}
