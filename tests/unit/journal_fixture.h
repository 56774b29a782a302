/* journal_fixture.h: what the tests that write a real journal share: the
 * clock pinned through DRCONSOLE_FAKE_NOW, events appended at the times a
 * test chooses, and the scratch tree removed afterwards. */
#ifndef DRC_TEST_JOURNAL_FIXTURE_H
#define DRC_TEST_JOURNAL_FIXTURE_H

#include <stdint.h>

#include <jansson.h>

struct journal;

/* Pins the clock at ms (wall time, ms since the epoch). */
void journal_fixture_pin(int64_t ms);
/* Appends one event to j at time at; fields are stolen. A failure fails
 * the test. The clock stays pinned at at. */
void journal_fixture_add(struct journal *j, int64_t at, const char *event,
    json_t *fields);
/* Removes the directory top and all below it. */
void journal_fixture_remove(const char *top);

#endif
