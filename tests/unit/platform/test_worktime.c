/*
 * worktime: the official schedules shipped for 2025 and 2026, the Labour
 * Code baseline for other years, holidays added by law, schedules entered
 * later (versioned by the day they were entered), and deadlines in working
 * time: cut-offs, Tết, swapped Saturdays, pauses across holidays.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "platform/calendar.h"
#include "platform/worktime.h"

static wt_cal *cal;

static int setup(void **state)
{
    (void)state;
    cal = wt_cal_new(NULL, NULL, 0, NULL, 0);
    return cal ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wt_cal_free(cal);
    return 0;
}

static int64_t D(int y, int m, int d)
{
    return cal_jdn(y, m, d);
}

static const char *kind_of(const wt_cal *c, int y, int m, int d, int64_t as_of)
{
    static const char *const names[] = {"working",      "weekly_off", "holiday",
                                        "compensatory", "swap_off",   "swap_work"};
    return names[wt_day(c, D(y, m, d), as_of, NULL)];
}

/* 2026 as the Government decided it (the list). */
static void test_2026_official(void **state)
{
    (void)state;
    static const struct {
        int m, d;
        const char *kind;
    } days[] = {
        {1, 1, "holiday"},  {1, 2, "swap_off"},    {1, 3, "weekly_off"},  {1, 4, "weekly_off"},
        {1, 5, "working"},  {1, 10, "swap_work"},  {2, 13, "working"},    {2, 14, "weekly_off"},
        {2, 16, "holiday"}, {2, 20, "holiday"},    {2, 22, "weekly_off"}, {2, 23, "working"},
        {4, 24, "working"}, {4, 25, "weekly_off"}, {4, 26, "holiday"},    {4, 27, "compensatory"},
        {4, 28, "working"}, {4, 30, "holiday"},    {5, 1, "holiday"},     {5, 3, "weekly_off"},
        {5, 4, "working"},  {8, 22, "swap_work"},  {8, 29, "weekly_off"}, {8, 31, "swap_off"},
        {9, 1, "holiday"},  {9, 2, "holiday"},     {9, 3, "working"},     {11, 24, "working"},
    };
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        const char *k = kind_of(cal, 2026, days[i].m, days[i].d, 0);
        if (strcmp(k, days[i].kind))
            fail_msg("2026-%02d-%02d is %s, want %s", days[i].m, days[i].d, k, days[i].kind);
    }
    wt_entry e[64];
    int n = wt_year(cal, 2026, 0, e, 64);
    assert_int_equal(n, 16);
    assert_string_equal(e[0].name, "Tết Dương lịch");
    assert_non_null(strstr(e[0].ref, "Điều 112"));
    const wt_entry *why;
    assert_int_equal(wt_day(cal, D(2026, 1, 10), 0, &why), WT_SWAP_WORK);
    assert_non_null(why);
    assert_non_null(strstr(why->name, "2/1"));
}

/* 2025: the Government put Tết on 27–31/1, where the baseline would have
 * had 28/1–1/2 and a compensatory Monday 3/2. */
static void test_2025_official_wins_over_baseline(void **state)
{
    (void)state;
    assert_string_equal(kind_of(cal, 2025, 1, 27, 0), "holiday");
    assert_string_equal(kind_of(cal, 2025, 2, 1, 0), "weekly_off");
    assert_string_equal(kind_of(cal, 2025, 2, 3, 0), "working");
    assert_string_equal(kind_of(cal, 2025, 4, 26, 0), "swap_work");
    assert_string_equal(kind_of(cal, 2025, 5, 2, 0), "swap_off");
    assert_string_equal(kind_of(cal, 2025, 9, 1, 0), "holiday");
}

/* 2027 has no official schedule yet: the Labour Code baseline. */
static void test_2027_baseline(void **state)
{
    (void)state;
    static const struct {
        int m, d;
        const char *kind;
    } days[] = {
        {1, 1, "holiday"},                           /* Friday */
        {2, 5, "holiday"},                           /* 29 tháng Chạp (Friday) */
        {2, 6, "holiday"},                           /* mùng 1, a Saturday */
        {2, 9, "holiday"},                           /* mùng 4 */
        {2, 10, "compensatory"},                     /* for the Saturday */
        {2, 11, "compensatory"},                     /* for the Sunday */
        {2, 12, "working"},      {4, 16, "holiday"}, /* 10/3 âm lịch */
        {4, 30, "holiday"},                          /* Friday */
        {5, 1, "holiday"},                           /* Saturday */
        {5, 3, "compensatory"},                      /* Monday */
        {9, 1, "holiday"},                           /* Wednesday */
        {9, 2, "holiday"},       {9, 3, "working"},
    };
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        const char *k = kind_of(cal, 2027, days[i].m, days[i].d, 0);
        if (strcmp(k, days[i].kind))
            fail_msg("2027-%02d-%02d is %s, want %s", days[i].m, days[i].d, k, days[i].kind);
    }
    /* a year whose 1/9 is a Sunday takes 3/9 with 2/9 (2024: 1/9 Sunday) —
     * 2024 has no shipped schedule */
    assert_string_equal(kind_of(cal, 2024, 9, 2, 0), "holiday");
    assert_string_equal(kind_of(cal, 2024, 9, 3, 0), "holiday");
    assert_string_equal(kind_of(cal, 2024, 9, 1, 0), "weekly_off");
}

/* A holiday added by law from its date of effect; a schedule entered later
 * is not seen by questions asked before it, unless retroactive. */
static void test_rules_and_versions(void **state)
{
    (void)state;
    wt_rule culture = {11,
                       24,
                       false,
                       1,
                       D(2026, 1, 1),
                       0,
                       "Ngày Văn hóa Việt Nam",
                       "Vietnamese Culture Day",
                       "(luật mới, ví dụ)"};
    wt_entry later[] = {
        /* the 2027 schedule, entered on 2026-12-01: Tết moved a day */
        {D(2027, 2, 4), WT_HOLIDAY, "Tết Nguyên đán", "Tết", "QĐ 2027", D(2026, 12, 1), false},
        {D(2027, 2, 5), WT_HOLIDAY, "Tết Nguyên đán", "Tết", "QĐ 2027", D(2026, 12, 1), false},
        {D(2027, 2, 8), WT_HOLIDAY, "Tết Nguyên đán", "Tết", "QĐ 2027", D(2026, 12, 1), false},
        {D(2027, 2, 9), WT_HOLIDAY, "Tết Nguyên đán", "Tết", "QĐ 2027", D(2026, 12, 1), false},
        {D(2027, 2, 10), WT_HOLIDAY, "Tết Nguyên đán", "Tết", "QĐ 2027", D(2026, 12, 1), false},
    };
    wt_cal *c = wt_cal_new(NULL, &culture, 1, later, 5);
    assert_non_null(c);
    assert_string_equal(kind_of(c, 2026, 11, 24, 0), "holiday");
    assert_string_equal(kind_of(c, 2025, 11, 24, 0), "working"); /* before the law */
    assert_string_equal(kind_of(c, 2027, 11, 24, 0), "holiday"); /* a Wednesday */
    /* asked now: the entered schedule; 11/2 is a working day in it */
    assert_string_equal(kind_of(c, 2027, 2, 4, 0), "holiday");
    assert_string_equal(kind_of(c, 2027, 2, 11, 0), "working");
    /* asked as of 2026-11-20: the baseline (11/2 compensatory, 4/2 working) */
    assert_string_equal(kind_of(c, 2027, 2, 4, D(2026, 11, 20)), "working");
    assert_string_equal(kind_of(c, 2027, 2, 11, D(2026, 11, 20)), "compensatory");

    /* a dossier received 2026-11-20 with 60 working days: its deadline stays */
    wt_deadline_in in = {
        .received = wt_local(2026, 11, 20, 9, 0), .unit = WT_WORKING_DAYS, .amount = 60};
    wt_deadline before, after;
    wt_cal *plain = wt_cal_new(NULL, &culture, 1, NULL, 0);
    assert_true(wt_deadline_compute(plain, &in, &before));
    assert_true(wt_deadline_compute(c, &in, &after));
    assert_int_equal(before.due, after.due);
    /* ... unless the change is official and retroactive */
    for (int i = 0; i < 5; i++)
        later[i].retroactive = true;
    wt_cal *retro = wt_cal_new(NULL, &culture, 1, later, 5);
    wt_deadline changed;
    assert_true(wt_deadline_compute(retro, &in, &changed));
    assert_true(changed.due != before.due);
    wt_cal_free(retro);
    wt_cal_free(plain);
    wt_cal_free(c);
}

static wt_deadline_in DL(int64_t received, wt_unit u, int amount, bool same_day)
{
    wt_deadline_in in = {.received = received, .unit = u, .amount = amount, .same_day = same_day};
    return in;
}

static wt_deadline_in DLP(int64_t received, wt_unit u, int amount, const wt_pause *p)
{
    wt_deadline_in in = DL(received, u, amount, false);
    in.pauses = p;
    in.npauses = 1;
    return in;
}

static bool computes(wt_deadline_in in)
{
    wt_deadline out;
    return wt_deadline_compute(cal, &in, &out);
}

static int64_t T(const char *s);

static void due_is(const wt_cal *c, wt_deadline_in in, const char *want_from, const char *want_due)
{
    wt_deadline out;
    assert_true(wt_deadline_compute(c, &in, &out));
    char a[32], b[32];
    wt_format_local(out.counted_from, a, sizeof a);
    if (out.due < 0)
        strcpy(b, "open");
    else
        wt_format_local(out.due, b, sizeof b);
    if ((want_from && strcmp(a, want_from)) || strcmp(b, want_due))
        fail_msg("counted from %s, due %s; want %s, %s", a, b, want_from ? want_from : "-",
                 want_due);
}

static int64_t T(const char *s)
{
    int64_t t;
    if (!wt_parse_local(s, &t)) fail_msg("bad time %s", s);
    return t;
}

static void test_deadlines(void **state)
{
    (void)state;
    /* 10:00 + 1 working day: 10:00 the next working day */
    due_is(cal, DL(T("2026-03-03T10:00"), WT_WORKING_DAYS, 1, false), "2026-03-03T10:00+07:00",
           "2026-03-04T10:00+07:00");
    /* across Tết 2026 (14–22/2 off): Friday 13/2 10:00 + 3 working days */
    due_is(cal, DL(T("2026-02-13T10:00"), WT_WORKING_DAYS, 3, false), NULL,
           "2026-02-25T10:00+07:00");
    /* into the swapped Saturday 10/1/2026, which is a working day */
    due_is(cal, DL(T("2026-01-09T10:00"), WT_WORKING_DAYS, 1, false), NULL,
           "2026-01-10T10:00+07:00");
    /* over New Year: 1/1 holiday, 2/1 given off, the weekend */
    due_is(cal, DL(T("2025-12-31T16:00"), WT_WORKING_DAYS, 1, false), NULL,
           "2026-01-05T16:00+07:00");
    /* the 17:00 cut-off */
    due_is(cal, DL(T("2026-03-03T16:59"), WT_WORKING_DAYS, 1, false), "2026-03-03T16:59+07:00",
           "2026-03-04T16:59+07:00");
    due_is(cal, DL(T("2026-03-03T17:01"), WT_WORKING_DAYS, 1, false), "2026-03-04T07:30+07:00",
           "2026-03-04T17:00+07:00");
    /* the 15:00 cut-off of same-day procedures (4 working hours) */
    due_is(cal, DL(T("2026-03-03T14:59"), WT_WORKING_HOURS, 4, true), "2026-03-03T14:59+07:00",
           "2026-03-04T09:29+07:00");
    due_is(cal, DL(T("2026-03-03T15:01"), WT_WORKING_HOURS, 4, true), "2026-03-04T07:30+07:00",
           "2026-03-04T11:30+07:00");
    /* intake at lunch, before opening, on a Sunday */
    due_is(cal, DL(T("2026-03-03T12:10"), WT_WORKING_HOURS, 1, false), "2026-03-03T13:00+07:00",
           "2026-03-03T14:00+07:00");
    due_is(cal, DL(T("2026-03-03T06:00"), WT_WORKING_HOURS, 4, false), "2026-03-03T07:30+07:00",
           "2026-03-03T11:30+07:00");
    due_is(cal, DL(T("2026-03-08T09:00"), WT_WORKING_HOURS, 2, false), "2026-03-09T07:30+07:00",
           "2026-03-09T09:30+07:00");
    /* calendar days: the due day (Sunday 15/2, inside Tết) moves to the next working day */
    due_is(cal, DL(T("2026-02-10T09:00"), WT_CALENDAR_DAYS, 5, false), NULL,
           "2026-02-23T07:30+07:00");
    due_is(cal, DL(T("2026-03-02T09:00"), WT_CALENDAR_DAYS, 15, false), NULL,
           "2026-03-17T09:00+07:00");
}

static void test_pauses(void **state)
{
    (void)state;
    /* a supplement request from Thu 23/4 09:00 to Tue 28/4 09:00 2026, across
     * the weekend, Hùng Kings' Sunday and its compensatory Monday */
    wt_pause p[] = {{T("2026-04-23T09:00"), T("2026-04-28T09:00")}};
    due_is(cal, DLP(T("2026-04-22T08:00"), WT_WORKING_DAYS, 5, p), NULL, "2026-05-06T08:00+07:00");
    /* without the pause: Mon 4/5 at 08:00 (Wed 29/4 is the last working day
     * before 30/4 and 1/5) */
    due_is(cal, DL(T("2026-04-22T08:00"), WT_WORKING_DAYS, 5, false), NULL,
           "2026-05-04T08:00+07:00");
    /* a pause not yet ended: no due time while the clock is stopped */
    wt_pause open[] = {{T("2026-04-23T09:00"), -1}};
    due_is(cal, DLP(T("2026-04-22T08:00"), WT_WORKING_DAYS, 5, open), NULL, "open");
    /* remaining working time on Mon 27/4 noon: paused, so 540 minutes used */
    int64_t used = wt_working_minutes(cal, NULL, T("2026-04-22T08:00"), T("2026-04-27T12:00"), 0, p, 1);
    assert_int_equal(used, 540);
    assert_int_equal(
        wt_working_minutes(cal, NULL, T("2026-04-22T08:00"), T("2026-04-22T17:00"), 0, NULL, 0), 450);
}

static void test_saturday_mornings(void **state)
{
    (void)state;
    wt_hours h;
    wt_hours_default(&h);
    wt_hours_saturday_morning(&h);
    wt_cal *c = wt_cal_new(&h, NULL, 0, NULL, 0);
    due_is(c, DL(T("2026-03-06T16:00"), WT_WORKING_DAYS, 1, false), NULL, "2026-03-09T10:30+07:00");
    assert_string_equal(kind_of(c, 2026, 3, 7, 0), "working");
    wt_cal_free(c);
}

/* An agency's own hours on the province's calendar: Saturday mornings are
 * worked there, but not on a holiday, and the rest of the calendar holds. */
static void test_agency_hours(void **state)
{
    (void)state;
    wt_hours h;
    wt_hours_default(&h);
    wt_hours_saturday_morning(&h);
    wt_deadline_in in = DL(T("2026-03-06T16:00"), WT_WORKING_DAYS, 1, false);
    in.hours = &h; /* Fri 16:00 + 8 h: 1 h Friday, 4 h Saturday, 3 h Monday */
    due_is(cal, in, NULL, "2026-03-09T10:30+07:00");
    due_is(cal, DL(T("2026-03-06T16:00"), WT_WORKING_DAYS, 1, false), NULL,
           "2026-03-09T16:00+07:00"); /* the province's hours: Monday 16:00 */
    /* a holiday on a Saturday closes the centre too: 1/5/2027 (baseline
     * year). Thu 29/4 16:00 + 2 h: 1 h Thursday; Fri 30/4 and Sat 1/5
     * holidays, Mon 3/5 compensatory; Tue 4/5 08:30 */
    in = DL(T("2027-04-29T16:00"), WT_WORKING_HOURS, 2, false);
    in.hours = &h;
    wt_deadline d;
    assert_true(wt_deadline_compute(cal, &in, &d));
    char b[32];
    assert_string_equal(wt_format_local(d.due, b, sizeof b), "2027-05-04T08:30+07:00");
    /* a plain Saturday next to a holiday is the centre's working morning:
     * Fri 24/4/2026 16:00 + 2 h ends Sat 25/4 08:30 (Hùng Kings' day is
     * Sunday 26/4) */
    in = DL(T("2026-04-24T16:00"), WT_WORKING_HOURS, 2, false);
    in.hours = &h;
    due_is(cal, in, NULL, "2026-04-25T08:30+07:00");
    /* an agency that does not work Fridays afternoons */
    wt_hours shortfri;
    wt_hours_default(&shortfri);
    shortfri.p[5][1][0] = shortfri.p[5][1][1] = 0;
    in = DL(T("2026-03-06T10:30"), WT_WORKING_HOURS, 2, false);
    in.hours = &shortfri;
    due_is(cal, in, NULL, "2026-03-09T08:30+07:00");
}

/* Remaining working time and lateness at any instant. */
static void test_standing(void **state)
{
    (void)state;
    /* Tue 3/3/2026 10:00 + 1 working day: due Wed 4/3 10:00 */
    wt_deadline_in in = DL(T("2026-03-03T10:00"), WT_WORKING_DAYS, 1, false);
    wt_deadline d;
    wt_standing st;
    assert_true(wt_deadline_compute(cal, &in, &d));
    assert_true(wt_status(cal, &in, &d, T("2026-03-03T09:00"), &st)); /* before intake */
    assert_int_equal(st.remaining, 480);
    assert_true(wt_status(cal, &in, &d, T("2026-03-03T12:00"), &st)); /* lunch: 1.5 h used */
    assert_int_equal(st.remaining, 390);
    assert_false(st.late);
    assert_true(wt_status(cal, &in, &d, T("2026-03-04T10:00"), &st)); /* due now: not late */
    assert_int_equal(st.remaining, 0);
    assert_int_equal(st.overdue, 0);
    assert_false(st.late);
    assert_true(wt_status(cal, &in, &d, T("2026-03-06T17:30"), &st)); /* Fri evening */
    assert_true(st.late);
    assert_int_equal(st.overdue, 330 + 480 + 480); /* the rest of Wed, all of Thu and Fri */
    /* late across Tết: due Fri 13/2 16:00; at Mon 23/2 09:00 it is late by
     * 1 h on Friday and 1.5 h on Monday, the nine days off not counted */
    in = DL(T("2026-02-12T16:00"), WT_WORKING_DAYS, 1, false);
    assert_true(wt_deadline_compute(cal, &in, &d));
    assert_true(wt_status(cal, &in, &d, T("2026-02-23T09:00"), &st));
    assert_int_equal(st.overdue, 60 + 90);
    /* an open pause: the clock stands, nothing is late */
    wt_pause open[] = {{T("2026-03-03T11:00"), -1}};
    in = DLP(T("2026-03-03T10:00"), WT_WORKING_DAYS, 1, open);
    assert_true(wt_deadline_compute(cal, &in, &d));
    assert_true(wt_status(cal, &in, &d, T("2026-03-20T10:00"), &st));
    assert_true(st.paused);
    assert_false(st.late);
    assert_int_equal(st.remaining, 420);
    assert_false(wt_status(cal, &in, &d, wt_local(2101, 1, 1, 0, 0), &st));
}

static void test_hostile(void **state)
{
    (void)state;
    assert_false(computes(DL(T("2026-03-03T10:00"), WT_WORKING_DAYS, 0, false)));
    assert_false(computes(DL(T("2026-03-03T10:00"), WT_WORKING_DAYS, 3651, false)));
    assert_false(computes(DL(T("2026-03-03T10:00"), (wt_unit)9, 1, false)));
    assert_false(computes(DL(wt_local(1899, 12, 31, 10, 0), WT_WORKING_DAYS, 1, false)));
    assert_false(computes(DL(T("2100-12-30T10:00"), WT_WORKING_DAYS, 60, false)));
    int64_t t;
    static const char *const bad[] = {
        "2026-02-30T10:00",  "2026-03-03T24:00", "2026-03-03T10:60", "2026-03-03 10:00",
        "2026-03-03T10:00Z", "1800-01-01T10:00", "2026-03-03T10",    ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (wt_parse_local(bad[i], &t)) fail_msg("%s parsed", bad[i]);
    assert_true(wt_parse_local("2026-03-03T10:00+07:00", &t));
    assert_int_equal(wt_kind_parse("swap_work"), WT_SWAP_WORK);
    assert_int_equal(wt_kind_parse("weekend"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_2026_official),
        cmocka_unit_test(test_2025_official_wins_over_baseline),
        cmocka_unit_test(test_2027_baseline),
        cmocka_unit_test(test_rules_and_versions),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_pauses),
        cmocka_unit_test(test_saturday_mornings),
        cmocka_unit_test(test_agency_hours),
        cmocka_unit_test(test_standing),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests_name("worktime", tests, setup, teardown);
}
