/* scorecard_int.h: what scorecard.c and scorecard_criteria.c share. */
#ifndef DRC_SCORECARD_INT_H
#define DRC_SCORECARD_INT_H

#include <jansson.h>

/* Evaluates plan's success_criteria over card (its verdicts and counts)
 * and the step facts in sorted, setting criteria, criteria_met and
 * criteria_total in card. */
void scorecard_criteria(json_t *plan, json_t *card, json_t *sorted);

#endif
