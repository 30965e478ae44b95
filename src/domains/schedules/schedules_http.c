/*
 * schedules_http — the calendar's doors: GET /api/v1/calendar/{year} (a
 * year: days off, swaps, working hours, every day's lunar date), GET
 * /api/v1/calendar/deadline, PUT /api/v1/calendar/{year}/schedule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../http/http.h"
#include "../../lib/jsonw.h"
#include "../../lib/jsonx.h"
#include "../../lib/strbuf.h"
#include "../../platform/calendar.h"
#include "../../platform/refcache.h"
#include "../agencies/agencies.h"
#include "../routes.h"
#include "schedules.h"

static void iso(int64_t jdn, char out[11])
{
    cal_date d = cal_from_jdn(jdn);
    snprintf(out, 11, "%04d-%02d-%02d", d.y, d.m, d.d);
}

static void write_entry(jsonw *w, const wt_entry *e)
{
    char d[11];
    iso(e->jdn, d);
    jw_obj_begin(w);
    jw_kstr(w, "date", d);
    jw_kstr(w, "kind", wt_kind_name(e->kind));
    jw_kstr(w, "name", e->name);
    jw_kstr(w, "name_en", e->name_en);
    jw_kstr(w, "ref", e->ref);
    jw_obj_end(w);
}

static const char *const day_kinds[] = {"working",      "weekly_off", "holiday",
                                        "compensatory", "swap_off",   "swap_work"};

/* ?agency= of the year view and the deadline: whose working hours. */
typedef struct agency_q {
    const char *agency;
} agency_q;

#define AGENCY_PARAM(T)                                                                            \
    {                                                                                              \
        .name = "agency", .type = JX_STRING, .max_chars = AGENCY_CODE_MAX,                         \
        .format = &FMT_AGENCY_CODE, JX_INTO(T, agency)                                             \
    }
static const jx_field year_query[] = {AGENCY_PARAM(agency_q), {0}};

static ts_code h_year(http_req *r, ts_ctx *x)
{
    int year = (int)http_id(r, "year");
    agency_q q = {0};
    http_query_read(r, &q);
    /* a year changes when a schedule or an agency's hours are entered:
     * reference data, kept as rendered until then (the "calendar" version) */
    char key[64];
    snprintf(key, sizeof key, "year:%d:%s", year, q.agency ? q.agency : "");
    const char *cached;
    size_t clen;
    uint64_t gen;
    if (refcache_get(x->db, REF_CALENDAR, key, r->a, &cached, &clen, &gen))
        return http_reply(r, 200, HTTP_JSON, cached, clen);
    const wt_cal *c;
    int version;
    TS_TRY(schedules_calendar(x, &c));
    TS_TRY(schedules_version(x, year, &version));
    strbuf sb;
    sb_init(&sb);
    sb_grow(&sb, 48 * 1024);
    jsonw jw, *w = &jw;
    jw_init(w, &sb);
    char name[32];
    jw_obj_begin(w);
    jw_kint(w, "year", year);
    jw_kstr(w, "year_name", cal_year_name(year, name, sizeof name));
    jw_kstr(w, "source", wt_year_official(c, year, 0) ? "official" : "baseline");
    if (version)
        jw_kint(w, "schedule_version", version);
    else
        jw_kstr(w, "schedule_version", NULL);
    /* the hours in force today: the province's, or the agency's asked for */
    schedule_hours sh = {0};
    if (q.agency) {
        TS_TRY(schedules_hours_at(x, q.agency, schedules_today(x), &sh));
        jw_kstr(w, "agency", q.agency);
        jw_kstr(w, "hours_agency", sh.source);
    } else {
        wt_hours_default(&sh.hours);
    }
    jw_key(w, "working_hours");
    schedules_hours_write(w, &sh.hours);
    wt_entry e[128];
    int n = wt_year(c, year, 0, e, 128);
    jw_key(w, "entries");
    jw_arr_begin(w);
    for (int i = 0; i < n && i < 128; i++)
        write_entry(w, &e[i]);
    jw_arr_end(w);
    jw_key(w, "days");
    jw_arr_begin(w);
    int64_t first = cal_jdn(year, 1, 1);
    int ndays = (int)(cal_jdn(year, 12, 31) - first + 1);
    cal_lunar *lunar = arena_alloc(r->a, sizeof *lunar * (size_t)ndays);
    bool have_lunar = cal_to_lunar_range(first, ndays, lunar);
    for (int i = 0; i < ndays; i++) {
        int64_t d = first + i;
        char ds[11];
        iso(d, ds);
        const cal_lunar l = lunar[i];
        jw_obj_begin(w);
        jw_kstr(w, "date", ds);
        jw_kstr(w, "kind", day_kinds[wt_day(c, d, 0, NULL)]);
        if (have_lunar) {
            jw_key(w, "lunar");
            jw_obj_begin(w);
            jw_kint(w, "day", l.day);
            jw_kint(w, "month", l.month);
            jw_kint(w, "year", l.year);
            jw_kbool(w, "leap", l.leap);
            jw_obj_end(w);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    refcache_put(REF_CALENDAR, key, gen, sb.buf, sb.len);
    return http_reply_sb(r, 200, &sb);
}

static const jx_field deadline_query[] = {
    {.name = "from",
     .type = JX_STRING,
     .required = true,
     .max_chars = 25,
     .format = &FMT_LOCAL_TIME,
     JX_INTO(schedule_deadline_q, from)},
    {.name = "working_days",
     .type = JX_INT,
     .min = 1,
     .max = 3650,
     JX_INTO(schedule_deadline_q, working_days)},
    {.name = "working_hours",
     .type = JX_INT,
     .min = 1,
     .max = 3650,
     JX_INTO(schedule_deadline_q, working_hours)},
    {.name = "days", .type = JX_INT, .min = 1, .max = 3650, JX_INTO(schedule_deadline_q, days)},
    {.name = "same_day",
     .type = JX_STRING,
     .max_chars = 5,
     .enums = (const char *const[]){"true", "false", NULL},
     .enum_list = "true, false",
     JX_INTO(schedule_deadline_q, same_day)},
    AGENCY_PARAM(schedule_deadline_q),
    {.name = "at",
     .type = JX_STRING,
     .max_chars = 25,
     .format = &FMT_LOCAL_TIME,
     JX_INTO(schedule_deadline_q, at)},
    {0},
};

static ts_code h_deadline(http_req *r, ts_ctx *x)
{
    schedule_deadline_q q = {0};
    http_query_read(r, &q);
    schedule_deadline sd;
    TS_TRY(schedules_deadline(x, &q, &sd));
    const wt_deadline *d = &sd.d;
    char due[32], from[32];
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kstr(w, "due", d->due >= 0 ? wt_format_local(d->due, due, sizeof due) : NULL);
    jw_kstr(w, "counted_from", wt_format_local(d->counted_from, from, sizeof from));
    if (d->total) jw_kint(w, "working_minutes", d->total);
    if (q.agency) {
        jw_kstr(w, "agency", q.agency);
        jw_kstr(w, "hours_agency", sd.hours_agency);
    }
    if (sd.has_standing) {
        const wt_standing *st = &sd.standing;
        jw_kstr(w, "at", q.at);
        jw_kstr(w, "state", st->paused ? "paused" : st->late ? "overdue" : "running");
        jw_kint(w, "remaining_working_minutes", st->remaining);
        jw_kint(w, "overdue_working_minutes", st->overdue);
    }
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

static const jx_field schedule_body[] = {
    {.name = "days", .type = JX_ARRAY, .required = true},
    {.name = "retroactive", .type = JX_BOOL},
    {0},
};

/* The members a schedule day may have. */
static const char *const day_members[] = {"date", "kind", "name", "name_en", "ref", NULL};

static ts_code h_put_schedule(http_req *r, ts_ctx *x)
{
    int year = (int)http_id(r, "year");
    json_t *arr = http_in_json(r, "days");
    size_t n = json_array_size(arr);
    if (n > 366) return ts_err_field(&r->err, TS_EVALIDATION, "days", M_CAL_TOO_MANY, NULL);
    schedule_day *days = arena_calloc(r->a, sizeof *days * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(arr, i);
        if (!json_is_object(it)) {
            ts_err_field(&r->err, TS_EVALIDATION, arena_printf(r->a, "days[%zu]", i),
                         M_FIELD_TYPE_OBJECT, NULL);
            continue;
        }
        const char *k;
        json_t *v;
        json_object_foreach(it, k, v)
        {
            bool known = false;
            for (int m = 0; day_members[m]; m++)
                known |= !strcmp(k, day_members[m]);
            if (!known || !json_is_string(v))
                ts_err_field(&r->err, TS_EVALIDATION, arena_printf(r->a, "days[%zu].%s", i, k),
                             known ? M_FIELD_TYPE_STRING : M_FIELD_UNKNOWN, NULL);
        }
        days[i] = (schedule_day){jx_str(r->a, it, "date"), jx_str(r->a, it, "kind"),
                                 jx_str(r->a, it, "name"), jx_str(r->a, it, "name_en"),
                                 jx_str(r->a, it, "ref")};
    }
    int version;
    TS_TRY(schedules_put(x, year, days, (int)n, http_in_bool(r, "retroactive"), &version));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kint(w, "year", year);
    jw_kint(w, "version", version);
    jw_kint(w, "days", (int64_t)n);
    jw_kbool(w, "retroactive", http_in_bool(r, "retroactive"));
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

/* GET /api/v1/agencies/{code}/working-hours: in force on ?at= (today by
 * default), where they come from, and the agency's own versions. */
typedef struct hours_q {
    const char *at;
} hours_q;
static const jx_field hours_query[] = {
    JX_DATE("at", JX_INTO(hours_q, at)),
    {0},
};

static ts_code reply_hours(http_req *r, const schedule_hours_view *hv)
{
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kstr(w, "agency", hv->code);
    jw_kstr(w, "at", hv->day);
    jw_kstr(w, "source_agency", hv->now.source);
    jw_kstr(w, "effective_from", hv->now.effective_from);
    jw_key(w, "working_hours");
    schedules_hours_write(w, &hv->now.hours);
    jw_key(w, "versions");
    jw_arr_begin(w);
    for (int i = 0; i < hv->n; i++) {
        const schedule_hours_version *v = &hv->versions[i];
        jw_obj_begin(w);
        jw_kstr(w, "effective_from", v->effective_from);
        jw_key(w, "working_hours");
        if (v->inherit)
            jw_null(w);
        else
            schedules_hours_write(w, &v->hours);
        jw_kstr(w, "created_at", v->created_at);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

static ts_code h_hours(http_req *r, ts_ctx *x)
{
    hours_q q = {0};
    http_query_read(r, &q);
    schedule_hours_view hv;
    TS_TRY(
        schedules_hours_view_of(x, http_param(r, "code"), q.at ? q.at : schedules_today(x), &hv));
    return reply_hours(r, &hv);
}

static const jx_field hours_body[] = {
    JX_DATE("effective_from", .required = true),
    {.name = "working_hours", .type = JX_ARRAY, .required = true, .nullable = true},
    {0},
};

static ts_code h_put_hours(http_req *r, ts_ctx *x)
{
    const char *code = http_param(r, "code");
    const char *from = http_in_str(r, "effective_from");
    wt_hours h;
    bool inherit = http_in_null(r, "working_hours");
    if (!inherit)
        TS_TRY(schedules_hours_parse(x, http_in_json(r, "working_hours"), "working_hours", &h));
    schedule_hours_view hv;
    TS_TRY(schedules_hours_put(x, code, from, inherit ? NULL : &h, &hv));
    return reply_hours(r, &hv);
}

/* {year}: the years the calendar computes */
#define YEAR_ID HTTP_IDS({"year", M_CAL_YEAR, CAL_YEAR_MIN, CAL_YEAR_MAX})

const http_route schedules_routes[] = {
    {"GET", "/api/v1/calendar/deadline", h_deadline, PERM_PUBLIC, .query = deadline_query},
    {"GET", "/api/v1/calendar/{year}", h_year, PERM_PUBLIC, .query = year_query, .ids = YEAR_ID},
    {"GET", "/api/v1/agencies/{code}/working-hours", h_hours, PERM_PUBLIC, .query = hours_query},
    {"PUT", "/api/v1/agencies/{code}/working-hours", h_put_hours, PERM_AGENCY_ADMIN,
     .body = hours_body},
    {"PUT", "/api/v1/calendar/{year}/schedule", h_put_schedule, PERM_SYSTEM_ADMIN,
     .body = schedule_body, .ids = YEAR_ID},
    {0},
};

const ts_domain schedules_domain = {"schedules", schedules_routes, schedules_messages, NULL};
