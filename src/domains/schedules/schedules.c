/* schedules — entered yearly schedules and the calendar built from them; see schedules.h. */
#include "schedules.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../lib/fieldcheck.h"
#include "../../lib/timeutil.h"
#include "../../platform/calendar.h"
#include "../../platform/refcache.h"

SCHEDULES_MESSAGES(TS_MSG_DEFINE)
const ts_msg schedules_messages[] = {SCHEDULES_MESSAGES(TS_MSG_REF) NULL};

const char *const schedule_kinds[] = {"holiday", "compensatory", "swap_off", "swap_work", NULL};

static bool local_time_ok(const char *v)
{
    int64_t t;
    return wt_parse_local(v, &t);
}
const ts_format FMT_LOCAL_TIME = {local_time_ok, M_CAL_INSTANT, NULL};

/* ---- the calendar of this process ---------------------------------------- */

/* Every calendar built, newest first, kept until the process ends: a caller
 * may still hold an older one while a newer is built (schedules change a
 * few times a year). */
typedef struct built {
    wt_cal *cal;
    int64_t version; /* data_versions 'calendar' it was built from */
    struct built *next;
} built;

static pthread_mutex_t built_mu = PTHREAD_MUTEX_INITIALIZER;
static built *built_list;

static void built_free_all(void)
{
    pthread_mutex_lock(&built_mu);
    while (built_list) {
        built *b = built_list;
        built_list = b->next;
        wt_cal_free(b->cal);
        free(b);
    }
    pthread_mutex_unlock(&built_mu);
}

typedef struct day_row {
    int64_t year, version, retroactive;
    const char *day, *kind, *name, *name_en, *ref, *entered;
} day_row;

static const db_colmap day_cols[] = {
    DBC(I64, day_row, year),     DBC(I64, day_row, version), DBC(I64, day_row, retroactive),
    DBC(TEXT, day_row, day),     DBC(TEXT, day_row, kind),   DBC(TEXT, day_row, name),
    DBC(TEXT, day_row, name_en), DBC(TEXT, day_row, ref),    DBC(TEXT, day_row, entered),
};

/* Build a calendar from the shipped data and the entered versions: per year
 * and entered day, the latest version of that day (two versions entered on
 * one day: the second replaces the first). */
static ts_code build(ts_ctx *x, wt_cal **out)
{
    db_rowspec rs = {.size = sizeof(day_row), .map = day_cols, .ncols = 9};
    void *rows;
    int n;
    TS_TRY(db_query_all(
        x->db, x->a,
        "SELECT d.year, d.version, d.retroactive, d.day, d.kind, d.name, d.name_en, d.ref, "
        "d.entered FROM calendar_days d WHERE d.version = (SELECT MAX(e.version) FROM "
        "calendar_days e WHERE e.year = d.year AND e.entered = d.entered) ORDER BY d.year, "
        "d.version, d.day",
        NULL, 0, &rs, 0, &rows, &n, x->err));
    const day_row *r = rows;
    wt_entry *e = arena_calloc(x->a, sizeof *e * (size_t)(n ? n : 1));
    int k = 0;
    for (int i = 0; i < n; i++) {
        cal_date d, en;
        int kind = wt_kind_parse(r[i].kind);
        if (!cal_parse_date(r[i].day, &d) || !cal_parse_date(r[i].entered, &en) || kind < 0)
            continue; /* written by schedules_put only: checked there */
        e[k++] = (wt_entry){cal_jdn(d.y, d.m, d.d), (wt_kind)kind, r[i].name,
                            r[i].name_en,           r[i].ref,      cal_jdn(en.y, en.m, en.d),
                            r[i].retroactive != 0};
    }
    *out = wt_cal_new(NULL, NULL, 0, e, k);
    if (!*out) abort();
    return TS_OK;
}

ts_code schedules_calendar(ts_ctx *x, const wt_cal **out)
{
    int64_t v;
    ts_code rc =
        db_int(x->db, x->err, &v, 0, "SELECT version FROM data_versions WHERE name = 'calendar'");
    if (rc != TS_OK) return rc;
    pthread_mutex_lock(&built_mu);
    for (built *b = built_list; b; b = b->next)
        if (b->version == v) {
            *out = b->cal;
            pthread_mutex_unlock(&built_mu);
            return TS_OK;
        }
    pthread_mutex_unlock(&built_mu);
    wt_cal *c;
    TS_TRY(build(x, &c));
    built *b = malloc(sizeof *b);
    if (!b) abort();
    pthread_mutex_lock(&built_mu);
    static bool registered;
    if (!registered) {
        atexit(built_free_all);
        registered = true;
    }
    *b = (built){c, v, built_list};
    built_list = b;
    pthread_mutex_unlock(&built_mu);
    *out = c;
    return TS_OK;
}

/* ---- entering a schedule ---------------------------------------------------- */

typedef struct put_arg {
    int year;
    const schedule_day *days;
    int n;
    bool retroactive;
    int *version;
} put_arg;

static ts_code put_tx(ts_ctx *x, void *argp)
{
    put_arg *p = argp;
    ts_code rc = ts_require(x, ROLE_SYSTEM_ADMIN, NULL);
    if (rc != TS_OK) return rc;
    int64_t last;
    rc = db_int(x->db, x->err, &last, 0,
                "SELECT COALESCE(MAX(version), 0) FROM calendar_days WHERE year = ?",
                DBV_I(p->year));
    if (rc != TS_OK) return rc;
    int version = (int)last + 1;
    char today[11];
    cal_date d = cal_from_jdn(cal_jdn(1970, 1, 1) + (x->now_us / 1000000 + 7 * 3600) / 86400);
    snprintf(today, sizeof today, "%04d-%02d-%02d", d.y, d.m, d.d);
    json_t *days = json_array();
    for (int i = 0; i < p->n; i++) {
        const schedule_day *s = &p->days[i];
        rc = db_run(x->db, x->err,
                    "INSERT INTO calendar_days (year, version, day, kind, name, name_en, ref, "
                    "entered, retroactive, created_at, created_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    DBV_I(p->year), DBV_I(version), DBV_T(s->date), DBV_T(s->kind), DBV_T(s->name),
                    DBV_T(s->name_en), DBV_T(s->ref), DBV_T(today), DBV_I(p->retroactive),
                    DBV_T(ts_now(x)), DBV_T(x->actor));
        if (rc != TS_OK) {
            json_decref(days);
            return rc;
        }
        json_array_append_new(days, json_pack("{s:s, s:s}", "date", s->date, "kind", s->kind));
    }
    rc = refcache_touch(x->db, REF_CALENDAR, x->err);
    if (rc == TS_OK) {
        char key[8];
        snprintf(key, sizeof key, "%d", p->year);
        json_t *sum = json_pack("{s:i, s:i, s:s, s:b, s:o}", "year", p->year, "version", version,
                                "entered", today, "retroactive", p->retroactive, "days", days);
        rc = ts_audit(x, "calendar.schedule", "calendar_year", key, NULL, sum);
        json_decref(sum);
    } else {
        json_decref(days);
    }
    *p->version = version;
    return rc;
}

ts_code schedules_put(ts_ctx *x, int year, const schedule_day *days, int n, bool retroactive,
                      int *version)
{
    ts_err *err = x->err;
    if (year < CAL_YEAR_MIN || year > CAL_YEAR_MAX)
        return ts_err_field(err, TS_EVALIDATION, "year", M_CAL_YEAR, NULL);
    if (n == 0) return ts_err_field(err, TS_EVALIDATION, "days", M_CAL_NO_DAYS, NULL);
    char ys[8];
    snprintf(ys, sizeof ys, "%d", year);
    for (int i = 0; i < n; i++) {
        const schedule_day *s = &days[i];
        cal_date d;
        const char *f = arena_printf(x->a, "days[%d].date", i);
        if (!s->date || !cal_parse_date(s->date, &d))
            ts_err_field(err, TS_EVALIDATION, f, M_FIELD_FORMAT, "YYYY-MM-DD");
        else if (d.y != year)
            ts_err_field(err, TS_EVALIDATION, f, M_CAL_DAY_YEAR, arena_strdup(x->a, ys));
        else
            for (int j = 0; j < i; j++)
                if (days[j].date && !strcmp(days[j].date, s->date)) {
                    ts_err_field(err, TS_EVALIDATION, f, M_CAL_DAY_TWICE, s->date);
                    break;
                }
        if (wt_kind_parse(s->kind) < 0)
            ts_err_field(err, TS_EVALIDATION, arena_printf(x->a, "days[%d].kind", i), M_CAL_KIND,
                         SCHEDULE_KINDS);
        static const char *const req[] = {"name", "name_en", "ref"};
        static const size_t max[] = {200, 200, 500};
        const char *vals[] = {s->name, s->name_en, s->ref};
        for (int k = 0; k < 3; k++)
            fc_text_required(arena_printf(x->a, "days[%d].%s", i, req[k]), vals[k], max[k], err);
    }
    if (err->nfields) return err->code;
    put_arg p = {year, days, n, retroactive, version};
    return ts_write(x, put_tx, &p);
}

ts_code schedules_version(ts_ctx *x, int year, int *version)
{
    int64_t v;
    ts_code rc =
        db_int(x->db, x->err, &v, 0,
               "SELECT COALESCE(MAX(version), 0) FROM calendar_days WHERE year = ?", DBV_I(year));
    *version = (int)v;
    return rc;
}

ts_code schedules_deadline(ts_ctx *x, const schedule_deadline_q *q, schedule_deadline *out)
{
    memset(out, 0, sizeof *out);
    wt_deadline_in in = {.same_day = q->same_day && !strcmp(q->same_day, "true")};
    int given = (q->working_days > 0) + (q->working_hours > 0) + (q->days > 0);
    if (given != 1) return ts_err_field(x->err, TS_EINVAL, "working_days", M_CAL_ONE_AMOUNT, NULL);
    in.unit = q->working_days    ? WT_WORKING_DAYS
              : q->working_hours ? WT_WORKING_HOURS
                                 : WT_CALENDAR_DAYS;
    in.amount = (int)(q->working_days + q->working_hours + q->days);
    if (!wt_parse_local(q->from, &in.received))
        return ts_err_field(x->err, TS_EINVAL, "from", M_CAL_INSTANT, NULL);
    int64_t at = 0;
    if (q->at && !wt_parse_local(q->at, &at))
        return ts_err_field(x->err, TS_EINVAL, "at", M_CAL_AT, NULL);
    schedule_hours sh;
    if (q->agency) {
        /* the receiving agency's hours on the day received */
        int y, m, d, hh, mm;
        wt_local_split(in.received, &y, &m, &d, &hh, &mm);
        ts_code rc =
            schedules_hours_at(x, q->agency, arena_printf(x->a, "%04d-%02d-%02d", y, m, d), &sh);
        if (rc != TS_OK) return rc;
        in.hours = &sh.hours;
        out->hours_agency = sh.source;
    }
    const wt_cal *c;
    TS_TRY(schedules_calendar(x, &c));
    if (!wt_deadline_compute(c, &in, &out->d))
        return ts_err_field(x->err, TS_EINVAL, "from", M_CAL_PAST_2100, NULL);
    if (q->at) {
        if (!wt_status(c, &in, &out->d, at, &out->standing))
            return ts_err_field(x->err, TS_EINVAL, "at", M_CAL_AT, NULL);
        out->has_standing = true;
    }
    return TS_OK;
}
