/* runlog.h: a syslog(3) record of each run's start, resume and end, so a
 * bastion's system log shows every DR run (and how it ended) without
 * anyone opening an incident folder. */
#ifndef DRC_RUNLOG_H
#define DRC_RUNLOG_H

#include <jansson.h>

/* What every record names. */
struct runlog_run {
	const char *runbook;	/* the runbook's id */
	const char *incident;	/* the incident's id */
	const char *mode;	/* live, drill, training, dry-run */
	const char *operator;
	const char *environment;	/* NULL: none */
};

/* Sends one record when event is run.start, run.resume or run.end (fields
 * as journaled, secrets already masked); any other event is ignored. A
 * run that did not complete is logged at LOG_ERR, the rest at LOG_NOTICE,
 * facility LOG_USER, ident "drconsole". */
void runlog_event(const struct runlog_run *run, const char *event, json_t *fields);

/* The record's text and priority, as runlog_event sends it (for tests);
 * NULL for an event that is not logged. */
char *runlog_format(const struct runlog_run *run, const char *event, json_t *fields, int *priority);

#endif
