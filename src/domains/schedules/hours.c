/*
 * hours — an agency's own working hours, versioned by the day they take
 * effect, inherited from the nearest ancestor that has any, else the
 * province's default (07:30–11:30, 13:00–17:00, Monday to Friday); see
 * schedules.h and migration 013.
 */
#include <stdio.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../lib/jsonw.h"
#include "../../lib/strbuf.h"
#include "../../platform/calendar.h"
#include "../../platform/refcache.h"
#include "../agencies/agencies.h"
#include "schedules.h"

/* "HH:MM" at s (5 bytes) as minutes after midnight, or -1; 24:00 allowed. */
static int hhmm(const char *s)
{
    if (!(s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' && s[2] == ':' && s[3] >= '0' &&
          s[3] <= '5' && s[4] >= '0' && s[4] <= '9'))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || (h == 24 && m)) return -1;
    return h * 60 + m;
}

ts_code schedules_hours_parse(ts_ctx *x, const json_t *v, const char *field, wt_hours *out)
{
    memset(out, 0, sizeof *out);
    ts_err *err = x->err;
    if (!json_is_array(v) || json_array_size(v) != 7)
        return ts_err_field(err, TS_EVALIDATION, field, M_HOURS_WEEK, NULL);
    int total = 0;
    for (int wd = 0; wd < 7; wd++) {
        const json_t *day = json_array_get(v, (size_t)wd);
        const char *df = arena_printf(x->a, "%s[%d]", field, wd);
        if (!json_is_array(day) || json_array_size(day) > 2) {
            ts_err_field(err, TS_EVALIDATION, df, M_HOURS_DAY, NULL);
            continue;
        }
        int prev_end = -1;
        for (int i = 0; i < (int)json_array_size(day); i++) {
            const char *s = json_string_value(json_array_get(day, (size_t)i));
            const char *pf = arena_printf(x->a, "%s[%d][%d]", field, wd, i);
            int a = -1, b = -1;
            if (s && strlen(s) == 11 && s[5] == '-') {
                a = hhmm(s);
                b = hhmm(s + 6);
            }
            if (a < 0 || b < 0 || b <= a) {
                ts_err_field(err, TS_EVALIDATION, pf, M_HOURS_PERIOD, NULL);
                continue;
            }
            if (a < prev_end) {
                ts_err_field(err, TS_EVALIDATION, pf, M_HOURS_ORDER, NULL);
                continue;
            }
            prev_end = b;
            out->p[wd][i][0] = (int16_t)a;
            out->p[wd][i][1] = (int16_t)b;
            total += b - a;
        }
    }
    if (err->nfields) return err->code;
    if (total == 0) return ts_err_field(err, TS_EVALIDATION, field, M_HOURS_NONE, NULL);
    return TS_OK;
}

void schedules_hours_write(jsonw *w, const wt_hours *h)
{
    jw_arr_begin(w);
    for (int wd = 0; wd < 7; wd++) {
        jw_arr_begin(w);
        for (int i = 0; i < 2; i++)
            if (h->p[wd][i][1] > h->p[wd][i][0]) {
                char p[40];
                snprintf(p, sizeof p, "%02d:%02d-%02d:%02d", h->p[wd][i][0] / 60,
                         h->p[wd][i][0] % 60, h->p[wd][i][1] / 60, h->p[wd][i][1] % 60);
                jw_str(w, p);
            }
        jw_arr_end(w);
    }
    jw_arr_end(w);
}

const char *schedules_today(ts_ctx *x)
{
    cal_date d = cal_from_jdn(cal_jdn(1970, 1, 1) + (x->now_us / 1000000 + 7 * 3600) / 86400);
    return arena_printf(x->a, "%04d-%02d-%02d", d.y, d.m, d.d);
}

typedef struct hours_row {
    const char *hours, *effective_from, *created_at;
} hours_row;

static const db_colmap hours_cols[] = {
    DBC(TEXT, hours_row, hours),
    DBC(TEXT, hours_row, effective_from),
    DBC(TEXT, hours_row, created_at),
};
static const db_rowspec hours_spec = {.size = sizeof(hours_row), .map = hours_cols, .ncols = 3};

/* Stored hours text back into h (written by schedules_hours_put only). */
static void stored(ts_ctx *x, const char *text, wt_hours *h)
{
    json_t *v = json_loads(text, 0, NULL);
    ts_err scratch;
    ts_err_clear(&scratch);
    ts_err *keep = x->err;
    x->err = &scratch;
    if (!v || schedules_hours_parse(x, v, "hours", h) != TS_OK) wt_hours_default(h);
    x->err = keep;
    json_decref(v);
}

ts_code schedules_hours_at(ts_ctx *x, const char *code, const char *day, schedule_hours *out)
{
    memset(out, 0, sizeof *out);
    agency g, *chain;
    int n;
    int64_t children;
    ts_code rc = agencies_get(x, code, &g, &chain, &n, &children);
    if (rc != TS_OK) return rc;
    /* the agency itself, then its ancestors from the nearest up */
    for (int i = n; i >= 0; i--) {
        const char *c = i == n ? g.code : chain[i].code;
        hours_row row;
        bool found;
        TS_TRY(db_query_one(x->db, x->a,
                            "SELECT hours, effective_from, created_at FROM agency_hours WHERE "
                            "agency_code = ? AND effective_from <= ? ORDER BY effective_from DESC "
                            "LIMIT 1",
                            (const db_val[]){DBV_T(c), DBV_T(day)}, 2, &hours_spec, &row, &found,
                            x->err));
        if (found && row.hours) {
            stored(x, row.hours, &out->hours);
            out->source = c;
            out->effective_from = row.effective_from;
            return TS_OK;
        }
    }
    wt_hours_default(&out->hours);
    return TS_OK;
}

ts_code schedules_hours_versions(ts_ctx *x, const char *code, schedule_hours_version **out, int *n)
{
    agency g;
    ts_code rc = agencies_find(x, code, &g);
    if (rc == TS_ENOTFOUND) return ts_err_set(x->err, rc, M_AGENCY_NOT_FOUND, code);
    if (rc != TS_OK) return rc;
    void *rows;
    TS_TRY(db_query_all(x->db, x->a,
                        "SELECT hours, effective_from, created_at FROM agency_hours WHERE "
                        "agency_code = ? ORDER BY effective_from",
                        (const db_val[]){DBV_T(g.code)}, 1, &hours_spec, 0, &rows, n, x->err));
    const hours_row *r = rows;
    *out = arena_calloc(x->a, sizeof **out * (size_t)(*n ? *n : 1));
    for (int i = 0; i < *n; i++) {
        (*out)[i].effective_from = r[i].effective_from;
        (*out)[i].created_at = r[i].created_at;
        (*out)[i].inherit = !r[i].hours;
        if (r[i].hours) stored(x, r[i].hours, &(*out)[i].hours);
    }
    return TS_OK;
}

ts_code schedules_hours_view_of(ts_ctx *x, const char *code, const char *day,
                                schedule_hours_view *out)
{
    out->code = code;
    out->day = day;
    ts_code rc = schedules_hours_at(x, code, day, &out->now);
    if (rc == TS_OK) rc = schedules_hours_versions(x, code, &out->versions, &out->n);
    return rc;
}

typedef struct put_hours_arg {
    const char *code, *from;
    const wt_hours *h;
    schedule_hours_view *out;
} put_hours_arg;

static ts_code put_hours_tx(ts_ctx *x, void *argp)
{
    put_hours_arg *p = argp;
    agency g;
    ts_code rc = agencies_find(x, p->code, &g);
    if (rc == TS_ENOTFOUND) return ts_err_set(x->err, rc, M_AGENCY_NOT_FOUND, p->code);
    if (rc != TS_OK) return rc;
    TS_TRY(ts_require(x, ROLE_AGENCY_ADMIN, g.path));
    int64_t have;
    rc = db_int(x->db, x->err, &have, 0,
                "SELECT COUNT(*) FROM agency_hours WHERE agency_code = ? AND effective_from = ?",
                DBV_T(g.code), DBV_T(p->from));
    if (rc != TS_OK) return rc;
    if (have) return ts_err_field(x->err, TS_ECONFLICT, "effective_from", M_HOURS_EXISTS, p->from);
    const char *text = NULL;
    json_t *sum_hours = json_null();
    if (p->h) {
        strbuf sb;
        sb_init(&sb);
        jsonw w;
        jw_init(&w, &sb);
        schedules_hours_write(&w, p->h);
        text = arena_strndup(x->a, sb.buf, sb.len);
        sb_release(&sb);
        json_decref(sum_hours);
        sum_hours = json_loads(text, 0, NULL);
    }
    rc = db_run(x->db, x->err,
                "INSERT INTO agency_hours (agency_code, effective_from, hours, created_at, "
                "created_by) VALUES (?, ?, ?, ?, ?)",
                DBV_T(g.code), DBV_T(p->from), text ? DBV_T(text) : DBV_NULL_VAL, DBV_T(ts_now(x)),
                DBV_T(x->actor));
    if (rc == TS_OK) rc = refcache_touch(x->db, REF_CALENDAR, x->err);
    if (rc == TS_OK) {
        json_t *sum =
            json_pack("{s:s, s:O}", "effective_from", p->from, "working_hours", sum_hours);
        rc = ts_audit(x, "agency.working_hours", "agency", g.code, g.code, sum);
        json_decref(sum);
    }
    json_decref(sum_hours);
    /* the answer is read in the write: nothing can fail after the commit */
    if (rc == TS_OK) rc = schedules_hours_view_of(x, g.code, p->from, p->out);
    return rc;
}

ts_code schedules_hours_put(ts_ctx *x, const char *code, const char *effective_from,
                            const wt_hours *h, schedule_hours_view *out)
{
    cal_date d;
    if (!effective_from || !cal_parse_date(effective_from, &d))
        return ts_err_field(x->err, TS_EVALIDATION, "effective_from", M_FIELD_FORMAT, "YYYY-MM-DD");
    /* a version never reaches back: deadlines already counted keep their hours */
    if (strcmp(effective_from, schedules_today(x)) < 0)
        return ts_err_field(x->err, TS_EVALIDATION, "effective_from", M_HOURS_PAST,
                            schedules_today(x));
    put_hours_arg p = {code, effective_from, h, out};
    return ts_write(x, put_hours_tx, &p);
}

/* The demo province's public-administration service centre receives
 * dossiers on Saturday mornings too, since the two-level government began
 * (1 July 2025). */
#define DEMO_CENTRE "000.20.01.H06"
#define DEMO_FROM "2025-07-01"

static ts_code demo_tx(ts_ctx *x, void *arg)
{
    int *inserted = arg;
    int64_t have;
    ts_code rc =
        db_int(x->db, x->err, &have, 0, "SELECT COUNT(*) FROM agency_hours WHERE agency_code = ?",
               DBV_T(DEMO_CENTRE));
    if (rc != TS_OK || have) return rc;
    agency g;
    rc = agencies_find(x, DEMO_CENTRE, &g);
    if (rc == TS_ENOTFOUND) return TS_OK; /* not the demo province */
    if (rc != TS_OK) return rc;
    wt_hours h;
    wt_hours_default(&h);
    wt_hours_saturday_morning(&h);
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    schedules_hours_write(&w, &h);
    const char *text = arena_strndup(x->a, sb.buf, sb.len);
    sb_release(&sb);
    rc = db_run(x->db, x->err,
                "INSERT INTO agency_hours (agency_code, effective_from, hours, created_at, "
                "created_by) VALUES (?, ?, ?, ?, ?)",
                DBV_T(DEMO_CENTRE), DBV_T(DEMO_FROM), DBV_T(text), DBV_T(ts_now(x)),
                DBV_T(x->actor));
    if (rc == TS_OK) rc = refcache_touch(x->db, REF_CALENDAR, x->err);
    if (rc == TS_OK) {
        json_t *sum = json_pack("{s:s, s:o}", "effective_from", DEMO_FROM, "working_hours",
                                json_loads(text, 0, NULL));
        rc = ts_audit(x, "agency.working_hours", "agency", DEMO_CENTRE, DEMO_CENTRE, sum);
        json_decref(sum);
    }
    if (rc == TS_OK) *inserted = 1;
    return rc;
}

ts_code schedules_demo(ts_ctx *x, int *inserted)
{
    *inserted = 0;
    return ts_write(x, demo_tx, inserted);
}
