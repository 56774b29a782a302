/* scorecard.h: how a drill went, from its journal alone: the RTO achieved
 * against the runbook's objective and against the drill's own target,
 * each step's time against its expected_duration, the slowest steps, the
 * steps that failed, were retried, skipped or rolled back and why, where
 * the operators left the runbook, and the drill's success criteria.
 *
 * The facts are one JSON object, which the report embeds as "scorecard":
 *   mode, environment, title, incident, started, ended, still_open, outcome
 *   elapsed_ms   first run.start to the last run.end, or to now if open
 *   rto_ms       the same once the run has ended, else null
 *   objective, target   {limit_ms, verdict ("met", "not met", "open",
 *                "none" or "unknown"), met (true, false or null),
 *                margin_ms (limit minus elapsed: negative is over), text}
 *   steps        [{index, id, status, skip (a skip kind or null), planned,
 *                attempts, duration_ms (the last attempt's), total_ms
 *                (every attempt's), expected_ms, over_ms (total minus
 *                expected), timing ("over", "under", "on time" or null)}]
 *   slowest      up to three steps, slowest first
 *   trouble      [{index, id, status, attempts, what: [...], reason,
 *                retry_reasons, decisions, note, text}] for steps that
 *                failed, were retried, skipped, rolled back or never ended
 *   deviations   [{kind ("out of order", "override" or "skip"), step,
 *                index, text}]
 *   injects      [{ts, by, note, response_ms (to the team's next decision
 *                or note; null: none yet), answer ("decision", "note"), text}]
 *   counts       {steps, steps_failed, steps_skipped (not planned),
 *                steps_skipped_planned, steps_retried, steps_rolled_back,
 *                deviations, injects}
 *   criteria     [{name, when, verdict ("met", "not met" or "cannot
 *                evaluate"), why, values: {name: value}}]
 *   criteria_met, criteria_total
 *
 * The drill's plan comes from the first run.start's "drill_plan" (or a
 * "drill" object): {target_rto_ms, environment, success_criteria: [{name,
 * when}]}. A skip the runbook planned (runstate_skip_planned: the typed
 * skip kind drill, dry-run or when) is neither trouble nor a deviation.
 *
 * Success criteria are cond.h expressions over these names, all strings:
 *   rto_met, target_met   "true" or "false"; unknown while the drill runs
 *                         and within the limit, or without a limit
 *   rto_ms                known once the run has ended
 *   elapsed_ms, steps_failed (failed, timeout or cancelled), steps_skipped
 *                         (skips the runbook did not plan)
 *   STEP.status, STEP.duration_ms, STEP.total_ms   for each step id
 * A criterion naming something unknown cannot be evaluated, and says why. */
#ifndef DRC_SCORECARD_H
#define DRC_SCORECARD_H

#include <jansson.h>

#include "runstate.h"

/* The scorecard of a journal's lines (report_load's array: objects, null
 * for a line that does not parse), folded through runstate. An open run
 * is measured up to now. */
json_t *scorecard_build(json_t *events);

/* For a reader that folds the journal itself (the report): a pass that
 * sees each line after the fold (scorecard_observe is a runstate_cb, arg
 * the pass), then the card of the state the fold reached. finish frees
 * the pass; scorecard_free frees one not finished. */
struct scorecard;
struct scorecard *scorecard_new(void);
int scorecard_observe(void *pass, const struct runstate *rs, const struct rs_event *ev);
json_t *scorecard_finish(struct scorecard *pass, const struct runstate *rs);
void scorecard_free(struct scorecard *pass);
/* Reads INCIDENT/journal.jsonl and builds its scorecard; NULL and *cause
 * if the journal cannot be read. */
json_t *scorecard_load(const char *incident_dir, char **cause);
/* The scorecard as plain text in lines of at most width columns (40 at
 * least), for the line runner and the console to show at a drill's end;
 * control characters from the journal are made visible. Allocated. */
char *scorecard_render_text(json_t *card, int width);

#endif
