/* duration.h: "90s", "2m", "1h30m", "4h", "1d": the durations runbooks use. */
#ifndef DRC_DURATION_H
#define DRC_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Parses s into milliseconds; 0 on success, -1 if it is not a duration. */
int duration_parse(const char *s, int64_t *ms);
/* Formats ms compactly: "4h", "1h30m", "2m05s", "12s", "850ms". */
void duration_format(int64_t ms, char *buf, size_t len);
/* A duration for people in reports and scorecards: duration_format's,
 * its sign dropped (a margin says over or under in words), "0s" for 0. */
void duration_format_abs(int64_t ms, char *buf, size_t len);
/* Formats ms as a clock: "0:04:07", "12:00:00". */
void duration_format_clock(int64_t ms, char *buf, size_t len);

#endif
