/*
 * tinhso calendar — the calendar and working time from the command line,
 * one JSON value on stdout (other tools call these: keep the shapes):
 *
 *   calendar lunar YYYY-MM-DD
 *   calendar solar --lunar YYYY-MM-DD [--leap]
 *   calendar holidays YEAR
 *   calendar deadline --from YYYY-MM-DDTHH:MM (--working-days N | --working-hours N | --days N)
 *                     [--same-day]
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
#include "../platform/worktime.h"

const char usage_calendar[] =
    "usage: tinhso calendar lunar YYYY-MM-DD\n"
    "       tinhso calendar solar --lunar YYYY-MM-DD [--leap]\n"
    "       tinhso calendar holidays YEAR\n"
    "       tinhso calendar deadline --from YYYY-MM-DDTHH:MM\n"
    "                       (--working-days N | --working-hours N | --days N) [--same-day]\n"
    "  Dates 1900-2100, Vietnam's lunar calendar (UTC+7); times local (+07:00). One JSON\n"
    "  value on stdout. Holidays: the Labour Code baseline with the official schedules\n"
    "  shipped in the binary (2025, 2026).\n";

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

static int cmd_holidays(int argc, char **argv)
{
    if (argc != 2) return usage();
    long y = number(argv[1], CAL_YEAR_MIN, CAL_YEAR_MAX);
    if (y < 0)
        return refuse("năm phải trong khoảng 1900–2100", "the year must be 1900-2100", argv[1]);
    wt_cal *c = wt_cal_new(NULL, NULL, 0, NULL, 0);
    if (!c) return refuse("hết bộ nhớ", "out of memory", "calendar");
    wt_entry e[128];
    int n = wt_year(c, (int)y, 0, e, 128);
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
    wt_cal_free(c);
    return 0;
}

static int cmd_deadline(int argc, char **argv)
{
    const char *from = NULL;
    wt_deadline_in in = {0};
    int units = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        wt_unit u = !strcmp(a, "--working-days")    ? WT_WORKING_DAYS
                    : !strcmp(a, "--working-hours") ? WT_WORKING_HOURS
                    : !strcmp(a, "--days")          ? WT_CALENDAR_DAYS
                                                    : 0;
        if (u && i + 1 < argc) {
            long n = number(argv[++i], 1, 3650);
            if (n < 0)
                return refuse("thời hạn phải là số nguyên từ 1 đến 3650",
                              "the amount must be 1-3650", argv[i]);
            in.unit = u;
            in.amount = (int)n;
            units++;
        } else if (!strcmp(a, "--from") && i + 1 < argc) {
            from = argv[++i];
        } else if (!strcmp(a, "--same-day")) {
            in.same_day = true;
        } else {
            return usage();
        }
    }
    if (!from || units != 1) return usage();
    if (!wt_parse_local(from, &in.received))
        return refuse("thời điểm phải có dạng YYYY-MM-DDTHH:MM, trong khoảng 1900–2100",
                      "the instant is YYYY-MM-DDTHH:MM, within 1900-2100", from);
    wt_cal *c = wt_cal_new(NULL, NULL, 0, NULL, 0);
    if (!c) return refuse("hết bộ nhớ", "out of memory", "calendar");
    wt_deadline out;
    bool ok = wt_deadline_compute(c, &in, &out);
    wt_cal_free(c);
    if (!ok) return refuse("hạn xử lý vượt quá năm 2100", "the deadline falls after 2100", from);
    char due[32], counted[32];
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_kstr(&w, "due", wt_format_local(out.due, due, sizeof due));
    jw_kstr(&w, "counted_from", wt_format_local(out.counted_from, counted, sizeof counted));
    jw_obj_end(&w);
    emit(&sb);
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
