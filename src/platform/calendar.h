/*
 * calendar — solar (Gregorian) and Vietnamese lunar dates, computed from
 * the astronomy: the new moons (Meeus, Astronomical Algorithms, ch. 49)
 * and the sun's apparent longitude (ch. 25) in the local time of Vietnam.
 * A lunar month begins on the local day of a new moon; month 11 is the one
 * that holds the winter solstice; a year with 13 months between two months
 * 11 repeats (as a leap month) the first month that holds no major solar
 * term. The local time zone decides on which day a new moon falls: Vietnam
 * counts in UTC+7, China in UTC+8, and in some years (1985, 2007...) the
 * two calendars differ. Correct from 1900 to 2100. Pure functions: no
 * state, no allocation, safe from every thread. See docs/decisions.md.
 */
#ifndef TS_CALENDAR_H
#define TS_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAL_YEAR_MIN 1900
#define CAL_YEAR_MAX 2100
#define CAL_TZ_VIETNAM 7 /* hours east of UTC */

/* A solar date. */
typedef struct cal_date {
    int y, m, d;
} cal_date;

/* A lunar date: day 1..30 of month 1..12 of a lunar year (the solar year
 * in which its month 1 begins), leap when the month is the repeated one. */
typedef struct cal_lunar {
    int day, month, year;
    bool leap;
} cal_lunar;

/* The Julian day number of a Gregorian date (2000-01-01 is 2451545). */
int64_t cal_jdn(int y, int m, int d);
/* The Gregorian date of a Julian day number. */
cal_date cal_from_jdn(int64_t jdn);
/* y-m-d is a real Gregorian date within CAL_YEAR_MIN..CAL_YEAR_MAX. */
bool cal_date_valid(int y, int m, int d);
/* 0 Sunday, 1 Monday ... 6 Saturday. */
int cal_weekday(int64_t jdn);
/* Parse "YYYY-MM-DD" (exactly) into a valid date. */
bool cal_parse_date(const char *s, cal_date *out);

/* The lunar date of solar day jdn in time zone tz (hours east of UTC);
 * false outside CAL_YEAR_MIN..CAL_YEAR_MAX. */
bool cal_to_lunar_tz(int64_t jdn, int tz, cal_lunar *out);
/* The same in Vietnam (UTC+7). */
bool cal_to_lunar(int64_t jdn, cal_lunar *out);
/* The solar day of a lunar date (UTC+7): false when it does not exist — a
 * day 30 in a 29-day month, the leap flag on a month that is not repeated
 * that year, a month outside 1..12 — or the year is out of range. */
bool cal_from_lunar(const cal_lunar *l, int64_t *jdn);
/* The same in time zone tz. */
bool cal_from_lunar_tz(const cal_lunar *l, int tz, int64_t *jdn);
/* The lunar dates (UTC+7) of n consecutive days from jdn into out: false
 * when any is out of range. Much faster than n calls of cal_to_lunar (the
 * months are found once). */
bool cal_to_lunar_range(int64_t jdn, int n, cal_lunar *out);
/* The leap month of lunar year y (UTC+7), 0 when it has none. */
int cal_leap_month(int y);

/* The can-chi name of a lunar year, e.g. "Bính Ngọ" for 2026, in buf. */
const char *cal_year_name(int lunar_year, char *buf, size_t n);

#endif
