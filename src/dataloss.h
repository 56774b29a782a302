/* dataloss.h: the data-loss window a run records, read from its journal's
 * lines: one rule for the fold (runstate), and through it for the report,
 * the scorecard and the metrics file. Base layer: jansson and the schema. */
#ifndef DRC_DATALOSS_H
#define DRC_DATALOSS_H

#include <stdint.h>

#include <jansson.h>

#include "jschema.h"

/* The names a param, a note, a capture or an event member gives it. */
#define DATALOSS_MINUTES "data_loss_minutes"
#define DATALOSS_MS "data_loss_ms"

/*
 * The window line (line number lineno, event ev) records, in ms, or -1:
 * a member data_loss_ms or data_loss_minutes of any line, run.start's
 * param data_loss_minutes, the capture data_loss_minutes of a step.end
 * that is ok (a failed verify leaves the capture in a failed step.end),
 * a note "data_loss_minutes: 12 ..." (or "=12"). Several in one line: the
 * last of that order wins, as a later line does (a correction). *from
 * says where, allocated, when the result is not -1.
 */
int64_t dataloss_of_line(const json_t *line, enum js_event ev, int64_t lineno, char **from);

#endif
