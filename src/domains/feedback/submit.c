/*
 * submit — filing a report: the category, the point and the commune it is
 * in, the agency the category routes it to, the tracking code
 * PA-yyMMdd-NNNNNN (a daily sequence taken in the filing's transaction),
 * the deadlines in working days from the calendar, the first timeline
 * event, the audit entry and the notices to the intake point.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/text.h"
#include "../../platform/notify.h"
#include "../../platform/password.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "../schedules/schedules.h"
#include "../units/units.h"
#include "feedback_int.h"

ts_code fb_due(ts_ctx *x, const char *agency_code, int64_t t, int days, int64_t *due)
{
    const wt_cal *cal;
    TS_TRY(schedules_calendar(x, &cal));
    int y, m, d, hh, mm;
    wt_local_split(t, &y, &m, &d, &hh, &mm);
    schedule_hours h;
    TS_TRY(schedules_hours_at(x, agency_code, arena_printf(x->a, "%04d-%02d-%02d", y, m, d), &h));
    wt_deadline_in in = {
        .received = t, .unit = WT_WORKING_DAYS, .amount = days > 0 ? days : 1, .hours = &h.hours};
    wt_deadline out;
    if (!wt_deadline_compute(cal, &in, &out) || out.due <= 0)
        return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "feedback deadline");
    *due = out.due;
    return TS_OK;
}

ts_code fb_working_minutes(ts_ctx *x, const char *agency_code, int64_t a, int64_t b, int64_t *out)
{
    const wt_cal *cal;
    TS_TRY(schedules_calendar(x, &cal));
    int y, m, d, hh, mm;
    wt_local_split(a, &y, &m, &d, &hh, &mm);
    schedule_hours h;
    TS_TRY(schedules_hours_at(x, agency_code, arena_printf(x->a, "%04d-%02d-%02d", y, m, d), &h));
    *out = b > a ? wt_working_minutes(cal, &h.hours, a, b, 0, NULL, 0) : 0;
    return TS_OK;
}

ts_code fb_locate(ts_ctx *x, double lat, double lon, const char **unit_code, bool *inside)
{
    ts_err e;
    ts_err_clear(&e);
    ts_ctx y = *x;
    y.err = &e;
    units_location loc;
    ts_code rc = units_locate(&y, lat, lon, &loc);
    *unit_code = NULL;
    *inside = false;
    if (rc == TS_ENOTFOUND) return TS_OK; /* outside every stored commune */
    if (rc != TS_OK) {
        *x->err = e;
        return rc;
    }
    *unit_code = loc.commune.code;
    *inside = true;
    return TS_OK;
}

/* The committee of the commune with unit code unit (NULL when none). */
static ts_code commune_agency(ts_ctx *x, const char *unit_code, const char **code)
{
    *code = NULL;
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      "SELECT code FROM agencies WHERE unit_code = ? AND kind = "
                      "'commune_committee' AND valid_to IS NULL ORDER BY id LIMIT 1",
                      &s, x->err));
    db_bind_list(s, DBV_T(unit_code));
    int r = db_step(s, x->err);
    if (r == DB_ROW) *code = db_col_dup(x->a, s, 0);
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

typedef struct route_out {
    const char *agency, *path, *unit;
    bool outside;
} route_out;

/* Where a report of category c at its point goes. */
static ts_code route(ts_ctx *x, const fb_category *c, const fb_new *in, const char *intake,
                     route_out *o)
{
    *o = (route_out){0};
    bool inside = true;
    if (in->has_point) TS_TRY(fb_locate(x, in->lat, in->lon, &o->unit, &inside));
    o->outside = in->has_point && !inside;
    if (!strcmp(c->route, "commune")) {
        if (o->unit && !o->outside) TS_TRY(commune_agency(x, o->unit, &o->agency));
    } else {
        o->agency = c->route;
    }
    if (!o->agency || o->outside) o->agency = intake; /* the intake point decides */
    agency ag;
    ts_code rc = agencies_find(x, o->agency, &ag);
    if (rc == TS_ENOTFOUND) return ts_err_set(x->err, TS_EINTERNAL, M_FB_AGENCY, o->agency);
    TS_TRY(rc);
    o->path = ag.path;
    return TS_OK;
}

static ts_code next_code(ts_ctx *x, int64_t at, const char **code)
{
    int y, m, d, hh, mm;
    wt_local_split(at, &y, &m, &d, &hh, &mm);
    char day[8];
    snprintf(day, sizeof day, "%02d%02d%02d", y % 100, m, d);
    int64_t n = 0;
    TS_TRY(db_int(x->db, x->err, &n, 0,
                  "INSERT INTO feedback_counters (day, last) VALUES (?, 1) ON CONFLICT (day) DO "
                  "UPDATE SET last = feedback_counters.last + 1 RETURNING last",
                  DBV_T(day)));
    *code = arena_printf(x->a, "PA-%s-%06lld", day, (long long)n);
    return TS_OK;
}

ts_code fb_event_add(ts_ctx *x, const fb_report *r, const char *action, int from, const char *note,
                     bool public_)
{
    return db_run(
        x->db, x->err,
        "INSERT INTO feedback_events (report_id, at, at_min, action, from_status, "
        "to_status, agency, actor, actor_name, note, public) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?)",
        DBV_I(r->id), DBV_T(ts_now(x)), DBV_I(feedback_now_min(x)), DBV_T(action), DBV_I(from),
        DBV_I(r->status), DBV_T(r->agency), DBV_T(x->actor), DBV_T(x->who->full_name), DBV_T(note),
        DBV_I(public_ ? 1 : 0));
}

const char *fb_search_key(ts_ctx *x, const fb_report *r)
{
    const char *s = arena_printf(x->a, "%s %s %s %s", r->code, r->title, r->description,
                                 r->address ? r->address : "");
    return text_fold(x->a, s, strlen(s));
}

typedef struct submit_ctx {
    const fb_new *in;
    fb_view *out;
} submit_ctx;

static ts_code submit_tx(ts_ctx *x, void *arg)
{
    submit_ctx *sc = arg;
    const fb_new *in = sc->in;
    fb_report *r = &sc->out->r;
    int64_t me = x->who->account_id;
    if (in->idem_key && me) { /* the same submission again: the report it made */
        db_stmt *s;
        TS_TRY(db_prepare(
            x->db, "SELECT code FROM feedback_reports WHERE reporter_id = ? AND idem_key = ?", &s,
            x->err));
        db_bind_list(s, DBV_I(me), DBV_T(in->idem_key));
        int rr = db_step(s, x->err);
        const char *code = rr == DB_ROW ? db_col_dup(x->a, s, 0) : NULL;
        db_reset(s);
        if (rr < 0) return (ts_code)-rr;
        if (code) {
            TS_TRY(fb_must_load(x, code, r));
            return fb_view_fill(x, sc->out);
        }
    }
    if (in->otp) TS_TRY(fb_otp_use(x, in)); /* without signing in: the code sent */
    fb_category c;
    TS_TRY(feedback_category(x, in->category, &c));
    if (!c.active)
        return ts_err_field(x->err, TS_EVALIDATION, "category", M_FB_CATEGORY_UNKNOWN,
                            in->category);
    if (!strcmp(c.location, "required") && !in->has_point && !(in->address && *in->address))
        return ts_err_field(x->err, TS_EVALIDATION, "lat", M_FB_LOCATION_NEEDED, NULL);
    fb_settings st;
    TS_TRY(feedback_settings(x, &st));
    if (!st.intake_agency) return ts_err_set(x->err, TS_EUNAVAIL, M_FB_NO_INTAKE, NULL);
    route_out ro;
    TS_TRY(route(x, &c, in, st.intake_agency, &ro));

    memset(r, 0, sizeof *r);
    int64_t now = feedback_now_min(x);
    TS_TRY(next_code(x, now, &r->code));
    char tok[44];
    tok_random(tok);
    tok[24] = '\0';
    r->token = arena_strdup(x->a, tok);
    r->rev = 1;
    r->status = FS_SUBMITTED;
    r->category = c.code;
    r->title = in->title;
    r->description = in->description;
    r->has_point = in->has_point;
    r->lat = in->lat;
    r->lon = in->lon;
    r->address = in->address;
    r->unit_code = ro.unit;
    r->outside = ro.outside;
    r->located = in->has_point ? "point" : NULL;
    r->attrs = in->attrs;
    r->channel = in->channel ? in->channel : "web";
    r->client = in->client;
    r->reporter_id = me;
    r->reporter_name = in->name ? in->name : (me ? x->who->full_name : NULL);
    r->reporter_phone = in->phone;
    r->reporter_email = in->email;
    r->show_name = in->show_name;
    r->agency = ro.agency;
    r->agency_path = ro.path;
    r->priority = c.priority;
    r->submitted_at = now;
    TS_TRY(fb_due(x, st.intake_agency, now, st.intake_days, &r->intake_due));
    TS_TRY(fb_due(x, ro.agency, now, c.deadline_days, &r->due_at));
    r->created_at = r->updated_at = ts_now(x);
    TS_TRY(db_int(
        x->db, x->err, &r->id, 0,
        "INSERT INTO feedback_reports (code, token, rev, status, category, title, description, "
        "lat, lon, address, unit_code, outside, located, attrs, channel, client, reporter_id, "
        "reporter_name, reporter_phone, reporter_email, show_name, agency, agency_path, priority, "
        "submitted_at, intake_due, due_at, reopened, private, followers, photos, escalations, "
        "idem_key, created_at, updated_at, search_key) VALUES (?, ?, 1, 1, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, ?, ?, ?, ?) RETURNING id",
        DBV_T(r->code), DBV_T(r->token), DBV_T(r->category), DBV_T(r->title), DBV_T(r->description),
        r->has_point ? DBV_D(r->lat) : DBV_NULL_VAL, r->has_point ? DBV_D(r->lon) : DBV_NULL_VAL,
        DBV_T(r->address), DBV_T(r->unit_code), DBV_I(r->outside), DBV_T(r->located),
        DBV_T(r->attrs), DBV_T(r->channel), DBV_T(r->client), me ? DBV_I(me) : DBV_NULL_VAL,
        DBV_T(r->reporter_name), DBV_T(r->reporter_phone), DBV_T(r->reporter_email),
        DBV_I(r->show_name), DBV_T(r->agency), DBV_T(r->agency_path), DBV_I(r->priority),
        DBV_I(r->submitted_at), DBV_I(r->intake_due), DBV_I(r->due_at),
        DBV_T(me ? in->idem_key : NULL), DBV_T(r->created_at), DBV_T(r->updated_at),
        DBV_T(fb_search_key(x, r))));
    TS_TRY(fb_event_add(x, r, "submit", 0, NULL, true));
    json_t *sum = json_pack("{s:s,s:s,s:s,s:b}", "code", r->code, "category", r->category, "agency",
                            r->agency, "outside", r->outside);
    ts_code rc = ts_audit(x, "feedback.submit", "feedback", r->code, r->agency, sum);
    json_decref(sum);
    TS_TRY(rc);
    /* the intake point's queue hears of it */
    agency in_ag;
    TS_TRY(agencies_find(x, st.intake_agency, &in_ag));
    const char *link = arena_printf(x->a, "/phan-anh/%s", r->code);
    notify_msg m = {
        .topic = "feedback.submitted",
        .subject = r->code,
        .link = link,
        .title_vi = arena_printf(x->a, "Phản ánh mới %s", r->code),
        .title_en = arena_printf(x->a, "New report %s", r->code),
        .body_vi = arena_printf(x->a, "%s — cần kiểm tra, phân loại và chuyển xử lý.", r->title),
        .body_en = arena_printf(x->a, "%s — to be checked, classified and routed.", r->title),
    };
    TS_TRY(notify_send(x, &m, &(notify_to){.queue_path = in_ag.path, .queue_role = ROLE_OFFICER}));
    if (me || in->phone || in->email) {
        notify_msg mine = {
            .topic = "feedback.received",
            .subject = r->code,
            .link = link,
            .title_vi = arena_printf(x->a, "Đã nhận phản ánh %s", r->code),
            .title_en = arena_printf(x->a, "Report %s received", r->code),
            .body_vi = "Phản ánh của bạn đã được gửi tới đầu mối tiếp nhận để kiểm tra và chuyển "
                       "cơ quan có thẩm quyền xử lý.",
            .body_en = "Your report has gone to the intake point, which checks it and sends it "
                       "to the agency responsible.",
        };
        TS_TRY(notify_send(x, &mine,
                           &(notify_to){.account_id = me, .email = in->email, .phone = in->phone}));
    }
    TS_TRY(fb_must_load(x, r->code, r));
    return fb_view_fill(x, sc->out);
}

ts_code feedback_submit(ts_ctx *x, const fb_new *in, fb_view *out)
{
    memset(out, 0, sizeof *out);
    if (in->has_point) {
        if (!isfinite(in->lat) || in->lat < -90 || in->lat > 90)
            return ts_err_field(x->err, TS_EVALIDATION, "lat", M_FB_LAT, NULL);
        if (!isfinite(in->lon) || in->lon < -180 || in->lon > 180)
            return ts_err_field(x->err, TS_EVALIDATION, "lon", M_FB_LON, NULL);
    }
    submit_ctx sc = {in, out};
    ts_code rc = ts_write(x, submit_tx, &sc);
    if (rc == TS_EVALIDATION && in->otp && x->err->nfields &&
        !strcmp(x->err->fields[0].field, "otp"))
        feedback_otp_failed(x, in); /* the try counts, though the write rolled back */
    return rc;
}

ts_code fb_reroute(ts_ctx *x, const char *code)
{
    fb_report r;
    TS_TRY(fb_must_load(x, code, &r));
    fb_category c;
    TS_TRY(feedback_category(x, r.category, &c));
    fb_settings st;
    TS_TRY(feedback_settings(x, &st));
    if (!st.intake_agency) return TS_OK;
    fb_new in = {.has_point = r.has_point, .lat = r.lat, .lon = r.lon};
    route_out ro;
    TS_TRY(route(x, &c, &in, st.intake_agency, &ro));
    if (!strcmp(ro.agency, r.agency)) return TS_OK;
    int64_t due;
    TS_TRY(fb_due(x, ro.agency, r.submitted_at, c.deadline_days, &due));
    return db_run(x->db, x->err,
                  "UPDATE feedback_reports SET agency = ?, agency_path = ?, due_at = ?, unit_code "
                  "= COALESCE(?, unit_code), outside = ? WHERE id = ?",
                  DBV_T(ro.agency), DBV_T(ro.path), DBV_I(due), DBV_T(ro.unit), DBV_I(ro.outside),
                  DBV_I(r.id));
}
