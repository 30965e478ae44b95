/*
 * schedules — the province's calendar of working days: the official yearly
 * schedules administrators enter (versioned, audited) on top of those
 * shipped in the binary, the calendar every deadline is computed with, and
 * a year's view (days off, swaps, working hours, lunar dates).
 * platform/calendar.h and platform/worktime.h do the arithmetic.
 */
#ifndef TS_SCHEDULES_H
#define TS_SCHEDULES_H

#include <stdbool.h>
#include <stdint.h>

#include "../../platform/ctx.h"
#include "../../platform/worktime.h"

#define SCHEDULES_MESSAGES(X)                                                                      \
    X(M_CAL_YEAR, "Năm phải trong khoảng 1900–2100.", "The year must be within 1900-2100.")        \
    X(M_CAL_DAY_YEAR, "Ngày này không thuộc năm %s.", "This day is not in the year %s.")           \
    X(M_CAL_DAY_TWICE, "Ngày %s có hai lần trong lịch.", "The day %s is listed twice.")            \
    X(M_CAL_KIND, "Loại ngày phải là một trong: %s.", "The kind of day must be one of: %s.")       \
    X(M_CAL_TOO_MANY, "Một năm có nhiều nhất 366 ngày.", "A year has at most 366 days.")           \
    X(M_CAL_NO_DAYS, "Lịch nghỉ của năm phải có ít nhất một ngày.",                                \
      "A year's schedule needs at least one day.")                                                 \
    X(M_CAL_INSTANT,                                                                               \
      "Thời điểm phải có dạng YYYY-MM-DDTHH:MM (giờ Việt Nam), trong khoảng "      \
      "1900–2100.",                                                                                \
      "The instant is YYYY-MM-DDTHH:MM (Vietnam time), within 1900-2100.")                         \
    X(M_CAL_ONE_AMOUNT, "Cần đúng một trong working_days, working_hours, days.",                   \
      "Give exactly one of working_days, working_hours, days.")                                    \
    X(M_CAL_PAST_2100, "Hạn xử lý vượt quá năm 2100.", "The deadline falls after 2100.")
SCHEDULES_MESSAGES(TS_MSG_EXTERN)
extern const ts_msg schedules_messages[];

/* "holiday, compensatory, swap_off, swap_work" */
#define SCHEDULE_KINDS "holiday, compensatory, swap_off, swap_work"
extern const char *const schedule_kinds[];
/* "YYYY-MM-DDTHH:MM" in Vietnam time (M_CAL_INSTANT). */
extern const ts_format FMT_LOCAL_TIME;

/* One day of a schedule as entered. */
typedef struct schedule_day {
    const char *date; /* YYYY-MM-DD */
    const char *kind; /* one of schedule_kinds */
    const char *name, *name_en, *ref;
} schedule_day;

/*
 * The calendar deadlines are computed with: this process's copy, rebuilt
 * when a schedule changes (here or in another process: the "calendar"
 * data version). Lives until the process ends; never NULL on TS_OK.
 */
ts_code schedules_calendar(ts_ctx *x, const wt_cal **out);

/*
 * Enter year's official schedule as a new version (system_admin), complete
 * for the year: days within it, each once, kinds from schedule_kinds.
 * Known from today (Vietnam time) on, or for every question when
 * retroactive. Audited as calendar.schedule; *version is its number.
 */
ts_code schedules_put(ts_ctx *x, int year, const schedule_day *days, int n, bool retroactive,
                      int *version);

/* A deadline question: from (YYYY-MM-DDTHH:MM) and exactly one amount. */
typedef struct schedule_deadline_q {
    const char *from;
    int64_t working_days, working_hours, days; /* 0 = not given */
    const char *same_day;                      /* "true" / "false" / NULL */
} schedule_deadline_q;

/* The deadline with today's calendar (400 naming the field when the
 * question is not one). */
ts_code schedules_deadline(ts_ctx *x, const schedule_deadline_q *q, wt_deadline *out);

/* The version number of year's latest entered schedule, 0 when none. */
ts_code schedules_version(ts_ctx *x, int year, int *version);

#endif
