/* clock.h: wall and monotonic time in milliseconds. Tests pin the wall clock
 * with DRCONSOLE_FAKE_NOW=<epoch ms> so journals and reports are comparable. */
#ifndef DRC_CLOCK_H
#define DRC_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the epoch, UTC. */
int64_t clock_wall_ms(void);
/* Milliseconds on a clock that never jumps; for durations and timers. */
int64_t clock_mono_ms(void);
/* "2026-11-23T15:02:11.123Z"; buf must hold CLOCK_RFC3339_LEN bytes. */
#define CLOCK_RFC3339_LEN 96
void clock_format_rfc3339(int64_t wall_ms, char *buf);
/* "20261123T150211Z", for directory names; buf of CLOCK_RFC3339_LEN. */
void clock_format_stamp(int64_t wall_ms, char *buf);
/* Parses an RFC 3339 / ISO 8601 UTC time ("2026-11-23T15:02:11Z",
 * "2026-11-23 15:02", optional .fff and Z or +00:00). Returns 0 and the
 * epoch ms, or -1. Offsets other than UTC are converted. */
int clock_parse_timestamp(const char *s, int64_t *wall_ms);

#endif
