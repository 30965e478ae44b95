/*
 * tinhso calendar — the calendar and working time from the command line,
 * one JSON value on stdout (other tools call these: keep the shapes):
 *
 *   calendar lunar YYYY-MM-DD
 *   calendar solar --lunar YYYY-MM-DD [--leap]
 *   calendar holidays YEAR [--db URL]
 *   calendar deadline --from YYYY-MM-DDTHH:MM (--working-days N | --working-hours N | --days N)
 *                     [--same-day] [--at YYYY-MM-DDTHH:MM] [--db URL [--agency CODE]]
 *
 * Errors: a message on stderr (Vietnamese, then English) and exit 2 for a
 * usage error, 1 for a date that does not exist or is out of range.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/jsonw.h"
#include "../lib/strbuf.h"
#include "../platform/calendar.h"
#include "../domains/schedules/schedules.h"
#include "../platform/worktime.h"

const char usage_calendar[] =
    "usage: tinhso calendar lunar YYYY-MM-DD\n"
    "       tinhso calendar solar --lunar YYYY-MM-DD [--leap]\n"
    "       tinhso calendar holidays YEAR [--db URL]\n"
    "       tinhso calendar deadline --from YYYY-MM-DDTHH:MM\n"
    "                       (--working-days N | --working-hours N | --days N) [--same-day]\n"
    "                       [--at YYYY-MM-DDTHH:MM] [--db URL [--agency CODE]]\n"
    "  Dates 1900-2100, Vietnam's lunar calendar (UTC+7); times local (+07:00). One JSON\n"
    "  value on stdout. Holidays: the Labour Code baseline with the official schedules\n"
    "  shipped in the binary (2025, 2026); with --db also the schedules entered in that\n"
    "  database. Deadlines: --at tells where the deadline stands at that instant (state\n"
    "  running|overdue|paused, remaining and overdue working minutes); --agency counts with\n"
    "  that agency's working hours on the day received (needs --db).\n";

static int usage(void)
{
    fputs(usage_calendar, stderr);
    return 2;
}

static int refuse(const char *vi, const char *en, const char *what)
{
    fprintf(stderr, "tinhso calendar: %s: %s / %s\n", what, vi, en);
    return 1;
}

static void emit(strbuf *sb)
{
    fwrite(sb->buf, 1, sb->len, stdout);
    fputc('\n', stdout);
    sb_release(sb);
}

static void iso_date(int64_t jdn, char out[11])
{
    cal_date d = cal_from_jdn(jdn);
    snprintf(out, 11, "%04d-%02d-%02d", d.y, d.m, d.d);
}

static int cmd_lunar(int argc, char **argv)
{
    cal_date d;
    if (argc != 2) return usage();
    if (!cal_parse_date(argv[1], &d))
        return refuse("ngày không có thật hoặc ngoài khoảng 1900–2100",
                      "not a date, or outside 1900-2100", argv[1]);
    cal_lunar l;
    if (!cal_to_lunar(cal_jdn(d.y, d.m, d.d), &l))
        return refuse("ngoài khoảng 1900–2100", "outside 1900-2100", argv[1]);
    char name[32];
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_kstr(&w, "solar", argv[1]);
    jw_key(&w, "lunar");
    jw_obj_begin(&w);
    jw_kint(&w, "day", l.day);
    jw_kint(&w, "month", l.month);
    jw_kint(&w, "year", l.year);
    jw_kbool(&w, "leap", l.leap);
    jw_obj_end(&w);
    jw_kstr(&w, "year_name", cal_year_name(l.year, name, sizeof name));
    jw_obj_end(&w);
    emit(&sb);
    return 0;
}

static int cmd_solar(int argc, char **argv)
{
    const char *lunar = NULL;
    bool leap = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--lunar") && i + 1 < argc)
            lunar = argv[++i];
        else if (!strcmp(argv[i], "--leap"))
            leap = true;
        else
            return usage();
    }
    if (!lunar) return usage();
    /* a lunar date is written like a solar one, but its day may be 30 in any month */
    int y, m, dd;
    char tail;
    if (strlen(lunar) != 10 || sscanf(lunar, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 ||
        lunar[4] != '-' || lunar[7] != '-')
        return refuse("ngày âm lịch phải có dạng YYYY-MM-DD", "a lunar date is YYYY-MM-DD", lunar);
    int64_t jdn;
    if (!cal_from_lunar(&(cal_lunar){dd, m, y, leap}, &jdn))
        return refuse("ngày âm lịch này không có (tháng thiếu, không có tháng nhuận, hoặc ngoài "
                      "khoảng 1900–2100)",
                      "no such lunar date (a 29-day month, no such leap month, or outside "
                      "1900-2100)",
                      lunar);
    char out[11];
    iso_date(jdn, out);
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_kstr(&w, "solar", out);
    jw_obj_end(&w);
    emit(&sb);
    return 0;
}

/* A whole number in [lo, hi] or -1. */
static long number(const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v >= lo && v <= hi ? v : -1;
}

/* The year's entries as a JSON array on stdout. */
static void emit_year(const wt_cal *c, int y)
{
    wt_entry e[128];
    int n = wt_year(c, y, 0, e, 128);
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    jw_arr_begin(&w);
    for (int i = 0; i < n && i < 128; i++) {
        char d[11];
        iso_date(e[i].jdn, d);
        jw_obj_begin(&w);
        jw_kstr(&w, "date", d);
        jw_kstr(&w, "name", e[i].name);
        jw_kstr(&w, "name_en", e[i].name_en);
        jw_kstr(&w, "kind", wt_kind_name(e[i].kind));
        jw_kstr(&w, "ref", e[i].ref);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    emit(&sb);
}

static ts_code holidays_db(ts_ctx *x, void *arg)
{
    const wt_cal *c;
    ts_code rc = schedules_calendar(x, &c);
    if (rc == TS_OK) emit_year(c, *(int *)arg);
    return rc;
}

static int cmd_holidays(int argc, char **argv)
{
    const char *db_url = NULL, *year = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            db_url = argv[++i];
        else if (argv[i][0] != '-' && !year)
            year = argv[i];
        else
            return usage();
    }
    if (!year) return usage();
    long y = number(year, CAL_YEAR_MIN, CAL_YEAR_MAX);
    if (y < 0) return refuse("năm phải trong khoảng 1900–2100", "the year must be 1900-2100", year);
    int yi = (int)y;
    /* with a database: also the schedules its administrators entered */
    if (db_url)
        return cli_as_operator(db_url, usage_calendar, "calendar holidays", holidays_db, &yi);
    wt_cal *c = wt_cal_new(NULL, NULL, 0, NULL, 0);
    if (!c) return refuse("hết bộ nhớ", "out of memory", "calendar");
    emit_year(c, yi);
    wt_cal_free(c);
    return 0;
}

static void emit_deadline(const schedule_deadline *sd, const schedule_deadline_q *q)
{
    char due[32], counted[32];
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_kstr(&w, "due", sd->d.due >= 0 ? wt_format_local(sd->d.due, due, sizeof due) : NULL);
    jw_kstr(&w, "counted_from", wt_format_local(sd->d.counted_from, counted, sizeof counted));
    if (q->agency) {
        jw_kstr(&w, "agency", q->agency);
        jw_kstr(&w, "hours_agency", sd->hours_agency);
    }
    if (sd->has_standing) {
        const wt_standing *st = &sd->standing;
        jw_kstr(&w, "at", q->at);
        jw_kstr(&w, "state", st->paused ? "paused" : st->late ? "overdue" : "running");
        jw_kint(&w, "remaining_working_minutes", st->remaining);
        jw_kint(&w, "overdue_working_minutes", st->overdue);
    }
    jw_obj_end(&w);
    emit(&sb);
}

static ts_code deadline_db(ts_ctx *x, void *arg)
{
    const schedule_deadline_q *q = arg;
    schedule_deadline sd;
    ts_code rc = schedules_deadline(x, q, &sd);
    if (rc == TS_OK) emit_deadline(&sd, q);
    return rc;
}

static int cmd_deadline(int argc, char **argv)
{
    schedule_deadline_q q = {0};
    const char *db_url = NULL;
    int units = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int64_t *amount = !strcmp(a, "--working-days")    ? &q.working_days
                          : !strcmp(a, "--working-hours") ? &q.working_hours
                          : !strcmp(a, "--days")          ? &q.days
                                                          : NULL;
        if (amount && i + 1 < argc) {
            long n = number(argv[++i], 1, 3650);
            if (n < 0)
                return refuse("thời hạn phải là số nguyên từ 1 đến 3650",
                              "the amount must be 1-3650", argv[i]);
            *amount = n;
            units++;
        } else if (!strcmp(a, "--from") && i + 1 < argc) {
            q.from = argv[++i];
        } else if (!strcmp(a, "--at") && i + 1 < argc) {
            q.at = argv[++i];
        } else if (!strcmp(a, "--agency") && i + 1 < argc) {
            q.agency = argv[++i];
        } else if (!strcmp(a, "--db") && i + 1 < argc) {
            db_url = argv[++i];
        } else if (!strcmp(a, "--same-day")) {
            q.same_day = "true";
        } else {
            return usage();
        }
    }
    if (!q.from || units != 1 || (q.agency && !db_url)) return usage();
    int64_t t;
    if (!wt_parse_local(q.from, &t))
        return refuse("thời điểm phải có dạng YYYY-MM-DDTHH:MM, trong khoảng 1900–2100",
                      "the instant is YYYY-MM-DDTHH:MM, within 1900-2100", q.from);
    if (q.at && !wt_parse_local(q.at, &t))
        return refuse("thời điểm phải có dạng YYYY-MM-DDTHH:MM, trong khoảng 1900–2100",
                      "the instant is YYYY-MM-DDTHH:MM, within 1900-2100", q.at);
    /* with a database: its schedules and the agency's working hours, the
     * same computation as GET /api/v1/calendar/deadline */
    if (db_url)
        return cli_as_operator(db_url, usage_calendar, "calendar deadline", deadline_db, &q);
    wt_cal *c = wt_cal_new(NULL, NULL, 0, NULL, 0);
    if (!c) return refuse("hết bộ nhớ", "out of memory", "calendar");
    wt_deadline_in in = {.same_day = q.same_day != NULL,
                         .unit = q.working_days    ? WT_WORKING_DAYS
                                 : q.working_hours ? WT_WORKING_HOURS
                                                   : WT_CALENDAR_DAYS,
                         .amount = (int)(q.working_days + q.working_hours + q.days)};
    wt_parse_local(q.from, &in.received);
    schedule_deadline sd = {0};
    bool ok = wt_deadline_compute(c, &in, &sd.d);
    if (ok && q.at) {
        wt_parse_local(q.at, &t);
        ok = wt_status(c, &in, &sd.d, t, &sd.standing);
        sd.has_standing = true;
    }
    wt_cal_free(c);
    if (!ok) return refuse("hạn xử lý vượt quá năm 2100", "the deadline falls after 2100", q.from);
    emit_deadline(&sd, &q);
    return 0;
}

int cmd_calendar(int argc, char **argv)
{
    if (argc < 2) return usage();
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_calendar, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "lunar")) return cmd_lunar(argc - 1, argv + 1);
    if (!strcmp(argv[1], "solar")) return cmd_solar(argc - 1, argv + 1);
    if (!strcmp(argv[1], "holidays")) return cmd_holidays(argc - 1, argv + 1);
    if (!strcmp(argv[1], "deadline")) return cmd_deadline(argc - 1, argv + 1);
    return usage();
}
