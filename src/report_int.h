/* report_int.h: what report.c (the model from the fold) and
 * report_timeline.c (what only the events' order gives) share. */
#ifndef DRC_REPORT_INT_H
#define DRC_REPORT_INT_H

#include <stdint.h>

#include <jansson.h>

#include "report.h"
#include "runstate.h"
#include "scorecard.h"
#include "verify.h"

/* What the pass over the events gathers besides the fold's state. */
struct report_pass {
	json_t	*m;		/* the model: timeline, notes, decisions, rollbacks, handoffs */
	json_t	*steps;		/* step id -> {retries, verify, output_sha256, decisions} */
	json_t	*opset;		/* operator names seen, as keys */
	json_t	*last_end;	/* the last run.end line (a reference) */
	int64_t	 line;		/* 1-based line being read */
	int64_t	 runs;		/* run.start lines */
	struct scorecard *card;	/* the drill scorecard's pass */
	json_t	*last_hash;	/* the last line's "hash" (a reference), verified or not */
	json_t	*outputs;	/* output paths recorded with their SHA-256, as keys */
};

/* chk as the report says vr, the verification of a journal that records
 * outputs output files; vr is cleared (its note moves to chk). */
void report_check_fill(struct report_check *chk, struct verify_result *vr, int64_t outputs, int torn,
    int outputs_reread);

/* A runstate_cb (arg a struct report_pass): the line's timeline entry, its
 * people, and the event lists. */
int report_observe(void *arg, const struct runstate *rs, const struct rs_event *ev);
/* The extra facts of step id (made empty on first use). */
json_t *report_step_extra(struct report_pass *p, const char *id);
/* RFC 3339 in UTC with milliseconds, or null for 0. */
json_t *report_jts(int64_t ms);

#endif
