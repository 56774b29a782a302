/* runexport.c: the JUnit and metrics files at a run's end; see runexport.h. */
#include <stdio.h>
#include <stdlib.h>

#include "junit.h"
#include "metrics.h"
#include "runexport.h"

int
runexport_write(const char *dir, const char *junit, const char *metrics)
{
	char *cause = NULL;
	int rc = 0;

	if (junit != NULL && junit_write(dir, junit, &cause) != 0) {
		fprintf(stderr, "drconsole: no JUnit XML: %s\n", cause);
		free(cause);
		cause = NULL;
		rc = -1;
	}
	if (metrics != NULL && metrics_write(dir, metrics, &cause) != 0) {
		fprintf(stderr, "drconsole: no metrics: %s\n", cause);
		free(cause);
		rc = -1;
	}
	return rc;
}
