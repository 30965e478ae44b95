/*
 * timeutil — clocks and ISO 8601 formatting (UTC, with offset "Z").
 */
#ifndef TS_TIMEUTIL_H
#define TS_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds since the Unix epoch (wall clock). */
int64_t time_now_us(void);
/* Monotonic microseconds (for durations). */
int64_t time_mono_us(void);
/* "2026-11-25T13:18:26.123456Z" into out (>= 32 bytes). */
void time_iso_us(int64_t us, char *out, size_t cap);
/* "2026-11-25" (UTC) into out (>= 11 bytes). */
void time_date(int64_t us, char *out, size_t cap);
/* True when s is a valid calendar date YYYY-MM-DD. */
bool time_valid_date(const char *s);
/* "2026-11-25" (midnight UTC) or "2026-11-25T13:18:26[.123]Z" as epoch
 * seconds; false for anything else. */
bool time_parse_epoch(const char *s, int64_t *out);

#endif
