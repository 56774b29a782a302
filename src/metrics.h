/* metrics.h: a run as a Prometheus textfile (node_exporter's textfile
 * collector), for monitoring the weekly restore test: whether the last
 * run succeeded, when it ended, how long it and each step took, whether
 * it met its RTO, the data-loss window, labelled by runbook and
 * environment. Built from the fold (runstate) after the run. */
#ifndef DRC_METRICS_H
#define DRC_METRICS_H

#include "runstate.h"
#include "strbuf.h"

/* The textfile of rs (exposition format 0.0.4). Allocated. */
char *metrics_render(const struct runstate *rs);
/* Folds the journal of dir and renders it; -1 and *cause if unreadable. */
int metrics_render_dir(const char *dir, char **out, char **cause);
/* The same, written to path atomically (a rename, mode 0644, so the
 * collector never reads half a file; "-" is standard output). */
int metrics_write(const char *dir, const char *path, char **cause);
/* Appends s as a label value: backslash, double quote and newline
 * escaped, as the exposition format asks. */
void metrics_label_escape(struct strbuf *sb, const char *s);

#endif
