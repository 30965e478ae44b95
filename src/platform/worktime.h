/*
 * worktime — working days, holidays and deadlines in working time, the way
 * the one-stop shop, feedback and reporting count them (DOMAIN.md §3–4).
 *
 * A year's days off are, in order of authority:
 *   1. the official schedule of that year (the Government's decision, as the
 *      Ministry publishes it): complete for its year — statutory days,
 *      compensatory days, working days swapped for days off — each entry
 *      with its legal reference. 2025 and 2026 ship in the binary; more
 *      come from the database (the administrators' schedule);
 *   2. otherwise the Labour Code 2019 baseline (art. 112), computed: 1/1;
 *      Tết (the last day of the lunar year and lunar 1/1–4/1); Hùng Kings'
 *      day (lunar 10/3); 30/4; 1/5; 2/9 with 1/9 (or 3/9 when 1/9 falls on
 *      the weekly day off); a statutory day on the weekly day off is
 *      compensated on the next working day; plus holidays added by law
 *      (wt_rule, by their date of effect).
 * An entry knows when it became known (entered); a question asked "as of"
 * an earlier day does not see it unless it is retroactive (an official
 * change), so a deadline computed for a dossier received in 2025 stays
 * what it was when the 2027 schedule is entered.
 *
 * Time is local (UTC+7) minutes since 1970-01-01 00:00. Pure functions over
 * an immutable wt_cal: build one, share it between threads.
 */
#ifndef TS_WORKTIME_H
#define TS_WORKTIME_H

#include <stdbool.h>
#include <stdint.h>

typedef enum wt_kind {
    WT_WORKING = 0,  /* a working day */
    WT_WEEKLY_OFF,   /* the weekly day off (Saturday, Sunday by default) */
    WT_HOLIDAY,      /* a statutory holiday */
    WT_COMPENSATORY, /* off in place of a holiday that fell on a day off */
    WT_SWAP_OFF,     /* a working day given off, worked on another day */
    WT_SWAP_WORK,    /* a day off worked in exchange */
} wt_kind;

/* "holiday", "compensatory", "swap_off", "swap_work" (the API's words);
 * NULL for the others. */
const char *wt_kind_name(wt_kind k);
/* The kind of such a word, or -1. */
int wt_kind_parse(const char *s);

typedef struct wt_entry {
    int64_t jdn; /* the day (calendar.h: cal_jdn) */
    wt_kind kind;
    const char *name, *name_en, *ref; /* ref: the legal basis */
    int64_t entered;                  /* the day it became known; 0 = always known */
    bool retroactive;                 /* also for questions asked before it was entered */
} wt_entry;

/* A holiday added by law, every year from a date of effect: solar month/day
 * (lunar when .lunar), ndays in a row. */
typedef struct wt_rule {
    int month, day;
    bool lunar;
    int ndays;
    int64_t from, until; /* days it applies to: [from, until], until 0 = open */
    const char *name, *name_en, *ref;
} wt_rule;

/* Working hours: for each weekday (0 Sunday .. 6 Saturday) up to two
 * periods [start, end) in minutes after midnight; {0, 0} = none. A swapped
 * working day keeps Monday's hours. */
typedef struct wt_hours {
    int16_t p[7][2][2];
} wt_hours;

/* 07:30–11:30 and 13:00–17:00, Monday to Friday. */
void wt_hours_default(wt_hours *h);
/* Saturday morning too (some service centres): 07:30–11:30. */
void wt_hours_saturday_morning(wt_hours *h);

typedef struct wt_cal wt_cal;

/*
 * A calendar: hours, the shipped schedules and baseline, the rules added by
 * law (NULL/0: none beyond the Labour Code) and further entries (the
 * database's schedules: a year with any entry there is complete as given
 * from the day it was entered). Copies what it is given. NULL on
 * allocation failure only.
 */
wt_cal *wt_cal_new(const wt_hours *h, const wt_rule *rules, int nrules, const wt_entry *extra,
                   int nextra);
void wt_cal_free(wt_cal *c);

/* What day jdn is, as known on day as_of (0: everything known now); the
 * entry that says so in *why (NULL for plain working days and weekly days
 * off). Outside 1900..2100: WT_WEEKLY_OFF. */
wt_kind wt_day(const wt_cal *c, int64_t jdn, int64_t as_of, const wt_entry **why);

/* Whether year's days off come from an official schedule (as known on
 * as_of), not from the baseline. */
bool wt_year_official(const wt_cal *c, int year, int64_t as_of);
/* The year's entries as known on as_of (holidays, compensatory days, swaps),
 * in date order, into out (up to cap); returns how many there are. */
int wt_year(const wt_cal *c, int year, int64_t as_of, wt_entry *out, int cap);

/* ---- deadlines ----------------------------------------------------------- */

typedef enum wt_unit { WT_WORKING_DAYS = 1, WT_WORKING_HOURS, WT_CALENDAR_DAYS } wt_unit;

/* A clock stop (a supplement request): [from, to) in local minutes; to < 0
 * while it has not ended. */
typedef struct wt_pause {
    int64_t from, to;
} wt_pause;

typedef struct wt_deadline_in {
    int64_t received; /* local minutes */
    wt_unit unit;
    int amount;             /* 1..3650 */
    bool same_day;          /* a same-day procedure: cut-off 15:00 instead of 17:00 */
    int64_t as_of;          /* the rules as known on this day (0: the day received) */
    const wt_pause *pauses; /* in order, not overlapping */
    int npauses;
    const wt_hours *hours; /* the receiving agency's working hours (NULL: the calendar's) */
} wt_deadline_in;

typedef struct wt_deadline {
    int64_t counted_from; /* the first instant the clock runs */
    int64_t due;          /* -1 while a pause has not ended */
    int64_t total;        /* working minutes of the deadline (calendar days: 0) */
} wt_deadline;

/* false for an amount out of range or an instant outside 1900..2100. */
bool wt_deadline_compute(const wt_cal *c, const wt_deadline_in *in, wt_deadline *out);

/* Working minutes between two instants (a <= b) under hours h (NULL: the
 * calendar's), pauses excluded. */
int64_t wt_working_minutes(const wt_cal *c, const wt_hours *h, int64_t a, int64_t b, int64_t as_of,
                           const wt_pause *pauses, int npauses);

/* The instant minutes of working time after t under hours h (NULL: the
 * calendar's), the rules as known on as_of (a day number, 0: t's day);
 * -1 past the calendar's end. A step's share of a deadline ends there. */
int64_t wt_add_working(const wt_cal *c, const wt_hours *h, int64_t t, int64_t minutes,
                       int64_t as_of);

/* Where a deadline stands at an instant: the working time left before it
 * is due, or by how much working time it is late. Working minutes. */
typedef struct wt_standing {
    int64_t remaining; /* before due (while paused: what is left of the total) */
    int64_t overdue;   /* after due: working minutes since the due instant */
    bool late;         /* at is past the due instant (overdue may still be 0
                          when no working time has passed since) */
    bool paused;       /* a pause has not ended: the clock stands */
} wt_standing;

/* The standing at instant at of the deadline d computed from in (the same
 * hours and rules); false for an instant outside 1900..2100. */
bool wt_status(const wt_cal *c, const wt_deadline_in *in, const wt_deadline *d, int64_t at,
               wt_standing *out);

/* Local minutes of y-m-d h:m and back. */
int64_t wt_local(int y, int m, int d, int hh, int mm);
void wt_local_split(int64_t t, int *y, int *m, int *d, int *hh, int *mm);
/* "YYYY-MM-DDTHH:MM" (the offset +07:00 may follow); false when malformed. */
bool wt_parse_local(const char *s, int64_t *t);
/* "YYYY-MM-DDTHH:MM+07:00" into buf (at least 23 bytes). */
const char *wt_format_local(int64_t t, char *buf, int n);

#endif
