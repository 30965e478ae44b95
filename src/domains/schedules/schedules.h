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
    X(M_CAL_PAST_2100, "Hạn xử lý vượt quá năm 2100.", "The deadline falls after 2100.")           \
    X(M_CAL_AT, "Thời điểm xem xét phải có dạng YYYY-MM-DDTHH:MM, trong khoảng 1900–2100.",        \
      "The instant to look at is YYYY-MM-DDTHH:MM, within 1900-2100.")                             \
    X(M_HOURS_WEEK, "Giờ làm việc là 7 danh sách, bắt đầu từ Chủ nhật.",                           \
      "Working hours are 7 lists, Sunday first.")                                                  \
    X(M_HOURS_DAY, "Mỗi ngày có nhiều nhất hai khoảng giờ làm việc.",                              \
      "A day has at most two working periods.")                                                    \
    X(M_HOURS_PERIOD, "Khoảng giờ phải có dạng HH:MM-HH:MM, giờ bắt đầu trước giờ kết thúc.",      \
      "A period is HH:MM-HH:MM, starting before it ends.")                                         \
    X(M_HOURS_ORDER, "Khoảng giờ thứ hai phải bắt đầu sau khi khoảng thứ nhất kết thúc.",          \
      "The second period must start after the first one ends.")                                    \
    X(M_HOURS_NONE, "Một tuần phải có ít nhất một khoảng giờ làm việc.",                           \
      "A week needs at least one working period.")                                                 \
    X(M_HOURS_PAST, "Ngày áp dụng phải từ hôm nay (%s) trở đi; hạn đã tính không được thay đổi.",  \
      "The day of effect is today (%s) or later; deadlines already counted do not change.")        \
    X(M_HOURS_EXISTS, "Đã có giờ làm việc áp dụng từ ngày %s.",                                    \
      "Working hours from %s already exist.")
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

/* ---- an agency's working hours (hours.c) ---------------------------------- */

/* The hours in force for an agency on a day. */
typedef struct schedule_hours {
    wt_hours hours;
    const char *source;         /* the agency whose version holds; NULL: the province's default */
    const char *effective_from; /* that version's first day; NULL for the default */
} schedule_hours;

/* One version of an agency's own hours, as entered. */
typedef struct schedule_hours_version {
    const char *effective_from, *created_at;
    bool inherit; /* as the parent agency again (hours unused) */
    wt_hours hours;
} schedule_hours_version;

/* Working hours as the API writes them: seven arrays (Sunday first) of
 * "HH:MM-HH:MM"; parse names each bad member under field (422). */
ts_code schedules_hours_parse(ts_ctx *x, const json_t *v, const char *field, wt_hours *out);
struct jsonw;
void schedules_hours_write(struct jsonw *w, const wt_hours *h);
/* Today in Vietnam (YYYY-MM-DD, in the arena) by x's clock. */
const char *schedules_today(ts_ctx *x);

/* The hours of agency code on day (YYYY-MM-DD): its own latest version in
 * force, else its nearest ancestor's, else the default. 404 for no agency. */
ts_code schedules_hours_at(ts_ctx *x, const char *code, const char *day, schedule_hours *out);
/* Every version the agency itself has, oldest first. */
ts_code schedules_hours_versions(ts_ctx *x, const char *code, schedule_hours_version **out, int *n);
/* An agency's hours as GET /api/v1/agencies/{code}/working-hours shows
 * them: in force on day, and its own versions. */
typedef struct schedule_hours_view {
    const char *code, *day;
    schedule_hours now;
    schedule_hours_version *versions;
    int n;
} schedule_hours_view;
ts_code schedules_hours_view_of(ts_ctx *x, const char *code, const char *day,
                                schedule_hours_view *out);
/* A new version from effective_from (today or later) on: h, or NULL for
 * "as the parent agency again". agency_admin on the agency (or above),
 * checked in the write; 409 when a version from that day exists. Audited
 * as agency.working_hours. *out: the view on effective_from, read in the
 * same transaction. */
ts_code schedules_hours_put(ts_ctx *x, const char *code, const char *effective_from,
                            const wt_hours *h, schedule_hours_view *out);

/* The demo province's agency hours (the service centre's Saturday
 * mornings); idempotent, *inserted 1 when it wrote them. */
ts_code schedules_demo(ts_ctx *x, int *inserted);

/* ---- deadlines -------------------------------------------------------------- */

/* A deadline question: from (YYYY-MM-DDTHH:MM) and exactly one amount;
 * optionally the receiving agency (its working hours on the day received)
 * and an instant to tell where the deadline stands then. */
typedef struct schedule_deadline_q {
    const char *from;
    int64_t working_days, working_hours, days; /* 0 = not given */
    const char *same_day;                      /* "true" / "false" / NULL */
    const char *agency;                        /* agency code or NULL */
    const char *at;                            /* YYYY-MM-DDTHH:MM or NULL */
} schedule_deadline_q;

typedef struct schedule_deadline {
    wt_deadline d;
    const char *hours_agency; /* whose working hours counted; NULL: the default */
    bool has_standing;        /* at was given */
    wt_standing standing;
} schedule_deadline;

/* The deadline with today's calendar (400 naming the field when the
 * question is not one; 404 for an unknown agency). */
ts_code schedules_deadline(ts_ctx *x, const schedule_deadline_q *q, schedule_deadline *out);

/* The version number of year's latest entered schedule, 0 when none. */
ts_code schedules_version(ts_ctx *x, int year, int *version);

#endif
