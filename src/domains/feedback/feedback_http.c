/*
 * feedback_http — the doors of the feedback domain: the categories and
 * settings, sending a report, the staff's inbox and one report with its
 * actions, following, one's own reports, and the public map, list, page
 * and duplicate suggestions (moderated text, no identity). Open311 is in
 * open311_http.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../http/http.h"
#include "../../lib/jsonw.h"
#include "../../lib/validate.h"
#include "../../platform/images.h"
#include "../../platform/ratelim.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "../routes.h"
#include "feedback_http.h"

/* ---- input ------------------------------------------------------------------------------------
 */

#define N(m) JX_INTO(fb_body, m)
typedef struct fb_body {
    const char *category, *title, *description, *address, *name, *phone, *email, *idem_key, *otp;
    bool show_name;
} fb_body;
#define REPORT_FIELDS                                                                              \
    {.name = "category", .type = JX_STRING, .required = true, .max_chars = 40, N(category)},       \
        {.name = "title",                                                                          \
         .type = JX_STRING,                                                                        \
         .required = true,                                                                         \
         .max_chars = FB_TITLE_MAX,                                                                \
         N(title)},                                                                                \
        {.name = "description",                                                                    \
         .type = JX_STRING,                                                                        \
         .required = true,                                                                         \
         .max_chars = FB_DESCRIPTION_MAX,                                                          \
         N(description)},                                                                          \
        {.name = "lat", .type = JX_ANY, .nullable = true},                                         \
        {.name = "lon", .type = JX_ANY, .nullable = true},                                         \
        {.name = "address", .type = JX_STRING, .max_chars = 300, N(address)},                      \
        {.name = "attributes", .type = JX_OBJECT},                                                 \
        {.name = "show_name", .type = JX_BOOL, N(show_name)},                                      \
        {.name = "phone", .type = JX_STRING, .max_chars = 20, .format = &FMT_PHONE, N(phone)},     \
    {                                                                                              \
        .name = "email", .type = JX_STRING, .max_chars = 254, .format = &FMT_EMAIL, N(email)       \
    }
static const jx_field submit_body[] = {
    REPORT_FIELDS,
    {.name = "idempotency_key", .type = JX_STRING, .max_chars = 100, N(idem_key)},
    {0},
};
/* without signing in: a name may be given, and the code sent to the phone or e-mail */
static const jx_field anon_body[] = {
    REPORT_FIELDS,
    {.name = "name", .type = JX_STRING, .max_chars = 100, N(name)},
    {.name = "otp", .type = JX_STRING, .required = true, .max_chars = 6, N(otp)},
    {0},
};
static const jx_field otp_body[] = {
    {.name = "phone", .type = JX_STRING, .max_chars = 20, .format = &FMT_PHONE, N(phone)},
    {.name = "email", .type = JX_STRING, .max_chars = 254, .format = &FMT_EMAIL, N(email)},
    {0},
};
#undef N

#define A(m) JX_INTO(fb_action, m)
static const jx_field action_body[] = {
    {.name = "action",
     .type = JX_STRING,
     .required = true,
     .max_chars = 20,
     .enums = feedback_actions,
     .enum_list = "accept, reject, route, assign, start, answer, rate, reopen, merge, moderate",
     A(action)},
    {.name = "rev", .type = JX_INT, .min = 1, .max = INT32_MAX, A(rev)},
    {.name = "reason", .type = JX_STRING, .max_chars = 2000, A(reason)},
    {.name = "note", .type = JX_STRING, .max_chars = 2000, A(note)},
    {.name = "answer", .type = JX_STRING, .max_chars = 8000, A(answer)},
    {.name = "agency",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     A(agency)},
    {.name = "assignee", .type = JX_INT, .min = 1, .max = INT32_MAX, A(assignee)},
    {.name = "rating", .type = JX_INT, .min = 1, .max = 5, A(rating)},
    {.name = "fixed", .type = JX_BOOL},
    {.name = "into", .type = JX_STRING, .max_chars = 20, A(into)},
    {.name = "template", .type = JX_INT, .min = 1, .max = INT32_MAX, A(template_id)},
    {.name = "public_title",
     .type = JX_STRING,
     .max_chars = FB_TITLE_MAX,
     .allow_empty = true,
     A(public_title)},
    {.name = "public_description",
     .type = JX_STRING,
     .max_chars = FB_DESCRIPTION_MAX,
     .allow_empty = true,
     A(public_description)},
    {.name = "private", .type = JX_BOOL},
    {.name = "show_name", .type = JX_BOOL},
    {.name = "hide_photo", .type = JX_INT, .min = 1, .max = FB_PHOTOS_MAX, A(hide_photo)},
    {0},
};
#undef A

static const char *const reporter_actions[] = {"rate", "reopen", NULL};
static const jx_field public_action_body[] = {
    {.name = "action",
     .type = JX_STRING,
     .required = true,
     .max_chars = 10,
     .enums = reporter_actions,
     .enum_list = "rate, reopen",
     JX_INTO(fb_action, action)},
    {.name = "token", .type = JX_STRING, .required = true, .max_chars = 64},
    {.name = "rev", .type = JX_INT, .min = 1, .max = INT32_MAX, JX_INTO(fb_action, rev)},
    {.name = "reason", .type = JX_STRING, .max_chars = 2000, JX_INTO(fb_action, reason)},
    {.name = "rating", .type = JX_INT, .min = 1, .max = 5, JX_INTO(fb_action, rating)},
    {.name = "fixed", .type = JX_BOOL},
    {0},
};

static const char *const queues[] = {"mine", "agency", "intake", NULL};
static const char *const orders[] = {"due", "newest", "oldest", NULL};

typedef struct list_in {
    int64_t limit, offset;
    const char *queue, *status, *category, *agency, *unit, *q, *from, *to, *order, *bbox;
    bool overdue;
} list_in;
#define Q(m) JX_INTO(list_in, m)
#define LIST_FILTERS                                                                               \
    {.name = "status", .type = JX_STRING, .max_chars = 200, Q(status)},                            \
        {.name = "category", .type = JX_STRING, .max_chars = 400, Q(category)},                    \
        {.name = "agency",                                                                         \
         .type = JX_STRING,                                                                        \
         .max_chars = AGENCY_CODE_MAX,                                                             \
         .format = &FMT_AGENCY_CODE,                                                               \
         Q(agency)},                                                                               \
        {.name = "unit", .type = JX_STRING, .max_chars = 10, Q(unit)},                             \
        {.name = "q", .type = JX_STRING, .max_chars = 100, Q(q)}, JX_DATE("from", Q(from)),        \
        JX_DATE("to", Q(to)),                                                                      \
    {                                                                                              \
        .name = "bbox", .type = JX_STRING, .max_chars = 100, Q(bbox)                               \
    }
static const jx_field list_query[] = {
    HTTP_PAGE_INTO(list_in, 50, 200),
    {.name = "queue",
     .type = JX_STRING,
     .max_chars = 10,
     .enums = queues,
     .enum_list = "mine, agency, intake",
     Q(queue)},
    {.name = "order",
     .type = JX_STRING,
     .max_chars = 10,
     .enums = orders,
     .enum_list = "due, newest, oldest",
     Q(order)},
    {.name = "overdue", .type = JX_BOOL, Q(overdue)},
    LIST_FILTERS,
    {0},
};
static const jx_field public_query[] = {
    HTTP_PAGE_INTO(list_in, 100, 1000),
    LIST_FILTERS,
    {0},
};
static const jx_field page_query[] = {HTTP_PAGE_INTO(list_in, 50, 200), {0}};
#undef Q

static const jx_field nearby_query[] = {
    {.name = "category", .type = JX_STRING, .required = true, .max_chars = 40},
    {.name = "lat", .type = JX_STRING, .required = true, .max_chars = 24},
    {.name = "lon", .type = JX_STRING, .required = true, .max_chars = 24},
    {.name = "radius", .type = JX_INT, .min = 10, .max = 2000, .def = 200},
    {0},
};

typedef struct settings_body {
    const char *intake_agency;
    int intake_days, reopen_days, close_days;
} settings_body;
#define S(m) JX_INTO(settings_body, m)
static const jx_field settings_put[] = {
    {.name = "intake_agency",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     S(intake_agency)},
    {.name = "anonymous", .type = JX_BOOL},
    {.name = "intake_days", .type = JX_INT, .min = 1, .max = 30, S(intake_days)},
    {.name = "reopen_days", .type = JX_INT, .min = 1, .max = 365, S(reopen_days)},
    {.name = "close_days", .type = JX_INT, .min = 1, .max = 365, S(close_days)},
    {0},
};
#undef S

/* ---- helpers ------------------------------------------------------------------------------------
 */

/* "YYYY-MM-DD" (checked) as local minutes of its midnight; +1 day when end. */
static int64_t day_min(const char *d, bool end)
{
    if (!d) return 0;
    int y, m, dd;
    if (sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) != 3) return 0;
    return wt_local(y, m, dd, 0, 0) + (end ? 1440 : 0);
}

bool fb_parse_double(const char *s, double *out)
{
    if (!s || !*s) return false;
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v)) return false;
    *out = v;
    return true;
}

static ts_code list_filters(http_req *r, ts_ctx *x, const list_in *in, fb_query *q)
{
    q->status = in->status;
    q->category = in->category;
    q->agency = in->agency;
    q->unit = in->unit;
    q->q = in->q;
    q->from = day_min(in->from, false);
    q->to = day_min(in->to, true);
    if (q->from && q->to && q->from >= q->to)
        return ts_err_field(x->err, TS_EINVAL, "from", M_FB_PERIOD, NULL);
    if (in->status) { /* every word must be a status, "open" or "closed" */
        char *dup = arena_strdup(r->a, in->status), *save = NULL;
        for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (!feedback_status_parse(t) && strcmp(t, "open") && strcmp(t, "closed"))
                return ts_err_field(x->err, TS_EINVAL, "status", M_FIELD_ENUM,
                                    "submitted, accepted, rejected, assigned, in_progress, "
                                    "answered, closed, merged, open");
    }
    if (in->bbox) { /* south,west,north,east */
        double v[4];
        char *dup = arena_strdup(r->a, in->bbox), *save = NULL;
        int k = 0;
        for (char *t = strtok_r(dup, ",", &save); t && k < 5; t = strtok_r(NULL, ",", &save), k++)
            if (k < 4 && !fb_parse_double(t, &v[k])) k = 9;
        if (k != 4 || v[0] > v[2] || v[1] > v[3] || v[0] < -90 || v[2] > 90 || v[1] < -180 ||
            v[3] > 180)
            return ts_err_field(x->err, TS_EINVAL, "bbox", M_FIELD_FORMAT, "south,west,north,east");
        q->has_bbox = true;
        q->s = v[0];
        q->w = v[1];
        q->n = v[2];
        q->e = v[3];
    }
    q->limit = in->limit;
    q->offset = in->offset;
    return TS_OK;
}

/* ---- handlers
 * -------------------------------------------------------------------------------------- */

static ts_code h_categories(http_req *r, ts_ctx *x)
{
    fb_category *items;
    int n;
    TS_TRY(feedback_categories(x, false, &items, &n));
    http_add_header(r, "Cache-Control", "public, max-age=300");
    return http_reply_page(r, items, sizeof *items, n, fb_write_category, n, n, 0);
}

static void write_template(jsonw *w, const void *obj)
{
    const fb_template *t = obj;
    jw_obj_begin(w);
    jw_kint(w, "id", t->id);
    jw_kstr(w, "agency", t->agency);
    jw_kstr(w, "category", t->category);
    jw_kstr(w, "title", t->title);
    jw_kstr(w, "body", t->body);
}

/* GET /api/v1/feedback-templates: what the answer form offers. */
static ts_code h_templates(http_req *r, ts_ctx *x)
{
    fb_template *items;
    int n;
    TS_TRY(feedback_templates(x, &items, &n));
    return http_reply_page(r, items, sizeof *items, n, write_template, n, n, 0);
}

typedef struct tpl_in {
    const char *agency, *category, *title, *body;
} tpl_in;
static const jx_field template_body[] = {
    {.name = "agency",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     .nullable = true,
     JX_INTO(tpl_in, agency)},
    {.name = "category",
     .type = JX_STRING,
     .max_chars = 40,
     .nullable = true,
     JX_INTO(tpl_in, category)},
    {.name = "title",
     .type = JX_STRING,
     .required = true,
     .max_chars = 200,
     JX_INTO(tpl_in, title)},
    {.name = "body", .type = JX_STRING, .required = true, .max_chars = 8000, JX_INTO(tpl_in, body)},
    {0},
};

static ts_code h_template_add(http_req *r, ts_ctx *x)
{
    tpl_in in = {0};
    http_in_read(r, &in);
    fb_template t = {.agency = in.agency,
                     .category = in.category,
                     .title = in.title,
                     .body = in.body},
                out;
    TS_TRY(feedback_template_add(x, &t, &out));
    return http_reply_one(r, 201, write_template, &out);
}

static ts_code h_template_remove(http_req *r, ts_ctx *x)
{
    TS_TRY(feedback_template_remove(x, http_id(r, "id")));
    return http_reply(r, 204, NULL, "", 0);
}

static void write_settings(jsonw *w, const void *obj)
{
    const fb_settings *s = obj;
    jw_obj_begin(w);
    jw_kstr(w, "intake_agency", s->intake_agency);
    jw_kbool(w, "anonymous", s->anonymous);
    jw_kint(w, "intake_days", s->intake_days);
    jw_kint(w, "reopen_days", s->reopen_days);
    jw_kint(w, "close_days", s->close_days);
}

static ts_code h_settings(http_req *r, ts_ctx *x)
{
    fb_settings s;
    TS_TRY(feedback_settings(x, &s));
    return http_reply_one(r, 200, write_settings, &s);
}

static ts_code h_settings_put(http_req *r, ts_ctx *x)
{
    settings_body b = {0};
    http_in_read(r, &b);
    fb_settings_in in = {.intake_agency = b.intake_agency,
                         .anonymous =
                             http_in_has(r, "anonymous") ? http_in_bool(r, "anonymous") : -1,
                         .intake_days = b.intake_days,
                         .reopen_days = b.reopen_days,
                         .close_days = b.close_days};
    fb_settings s;
    TS_TRY(feedback_settings_set(x, &in, &s));
    return http_reply_one(r, 200, write_settings, &s);
}

/* lat/lon of a JSON body: both numbers in range, or both absent/null. */
static ts_code body_point(http_req *r, ts_ctx *x, fb_new *in)
{
    json_t *la = http_in_json(r, "lat"), *lo = http_in_json(r, "lon");
    bool hla = la && !json_is_null(la), hlo = lo && !json_is_null(lo);
    if (!hla && !hlo) return TS_OK;
    if (hla && !json_is_number(la))
        return ts_err_field(x->err, TS_EVALIDATION, "lat", M_FB_LAT, NULL);
    if (hlo && !json_is_number(lo))
        return ts_err_field(x->err, TS_EVALIDATION, "lon", M_FB_LON, NULL);
    if (hla != hlo)
        return ts_err_field(x->err, TS_EVALIDATION, hla ? "lon" : "lat", M_FB_POINT_PAIR, NULL);
    in->has_point = true;
    in->lat = json_number_value(la);
    in->lon = json_number_value(lo);
    return TS_OK;
}

static ts_code submit(http_req *r, ts_ctx *x, bool anon)
{
    fb_body b = {0};
    http_in_read(r, &b);
    fb_new in = {.category = b.category,
                 .title = b.title,
                 .description = b.description,
                 .address = b.address,
                 .show_name = b.show_name,
                 .name = b.name,
                 .phone = b.phone,
                 .email = b.email,
                 .channel = "web",
                 .otp = anon ? b.otp : NULL,
                 .idem_key = anon         ? NULL
                             : b.idem_key ? b.idem_key
                                          : http_header(r, "Idempotency-Key")};
    TS_TRY(body_point(r, x, &in));
    json_t *attrs = http_in_json(r, "attributes");
    if (attrs && json_object_size(attrs)) {
        char *txt = json_dumps(attrs, JSON_COMPACT);
        in.attrs = arena_strdup(r->a, txt);
        free(txt);
        if (strlen(in.attrs) > 4000)
            return ts_err_field(x->err, TS_EVALIDATION, "attributes", M_FIELD_TOO_LONG, "4000");
    }
    fb_view v;
    TS_TRY(feedback_submit(x, &in, &v));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/feedback/%s", v.r.code));
    return http_reply_one(r, 201, fb_write_view, &v);
}

static ts_code h_submit(http_req *r, ts_ctx *x)
{
    return submit(r, x, false);
}

/* Floods from one address (this process): codes asked, reports sent. */
static ratelim otp_flood = RATELIM_INIT(10, 600); /* generous: a carrier NATs many phones */
static ratelim anon_flood = RATELIM_INIT(20, 3600);

/* 429 while the address has used its window up. */
static ts_code flood_check(http_req *r, ts_ctx *x, ratelim *l)
{
    int retry;
    if (!ratelim_blocked(l, http_client_ip(r), x->now_us / 1000000, &retry)) return TS_OK;
    const char *sec = arena_printf(r->a, "%d", retry);
    http_add_header(r, "Retry-After", sec);
    return ts_err_set(x->err, TS_ERATELIMIT, M_FB_FLOOD, sec);
}

/* Count the request against the address, unless the server failed it
 * (a storage failure is not the sender's to pay for). */
static ts_code flood_count(http_req *r, ts_ctx *x, ratelim *l, ts_code rc)
{
    if (rc != TS_EDB && rc != TS_EINTERNAL && rc != TS_EUNAVAIL) {
        int retry;
        ratelim_take(l, http_client_ip(r), x->now_us / 1000000, &retry);
    }
    return rc;
}

static ts_code h_anon_submit(http_req *r, ts_ctx *x)
{
    TS_TRY(flood_check(r, x, &anon_flood));
    return flood_count(r, x, &anon_flood, submit(r, x, true));
}

static ts_code h_otp(http_req *r, ts_ctx *x)
{
    TS_TRY(flood_check(r, x, &otp_flood));
    TS_TRY(flood_count(
        r, x, &otp_flood,
        feedback_otp_send(x, http_in_str(r, "phone"), http_in_str(r, "email"), http_client_ip(r))));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kbool(w, "sent", true);
    jw_kint(w, "expires_in", 600);
    jw_obj_end(w);
    return http_reply_w(r, 202, w);
}

static ts_code reply_list(http_req *r, const fb_list *l, const fb_query *q)
{
    return http_reply_page(r, l->items, sizeof *l->items, l->n, fb_write_report, l->total, q->limit,
                           q->offset);
}

static ts_code h_list(http_req *r, ts_ctx *x)
{
    list_in in = {0};
    http_query_read(r, &in);
    fb_query q = {.queue = in.queue, .order = in.order ? in.order : "due", .overdue = in.overdue};
    TS_TRY(list_filters(r, x, &in, &q));
    fb_list l;
    TS_TRY(feedback_list(x, &q, &l));
    return reply_list(r, &l, &q);
}

static ts_code h_mine(http_req *r, ts_ctx *x)
{
    list_in in = {0};
    http_query_read(r, &in);
    fb_query q = {.mine = true, .limit = in.limit, .offset = in.offset, .order = "newest"};
    fb_list l;
    TS_TRY(feedback_list(x, &q, &l));
    return reply_list(r, &l, &q);
}

static ts_code h_public_list(http_req *r, ts_ctx *x)
{
    list_in in = {0};
    http_query_read(r, &in);
    fb_query q = {.public_ = true, .order = "newest"};
    TS_TRY(list_filters(r, x, &in, &q));
    fb_list l;
    TS_TRY(feedback_list(x, &q, &l));
    http_add_header(r, "Cache-Control", "public, max-age=30");
    return reply_list(r, &l, &q);
}

static ts_code h_get(http_req *r, ts_ctx *x)
{
    fb_view v;
    TS_TRY(feedback_get(x, http_param(r, "code"), &v));
    http_add_header(r, "ETag", arena_printf(r->a, "\"%lld\"", (long long)v.r.rev));
    http_add_header(r, "Cache-Control", "private, no-store");
    return http_reply_one(r, 200, fb_write_view, &v);
}

static ts_code h_public_get(http_req *r, ts_ctx *x)
{
    fb_view v;
    TS_TRY(feedback_public(x, http_param(r, "code"), &v));
    http_add_header(r, "Cache-Control", "public, max-age=30");
    return http_reply_one(r, 200, fb_write_view, &v);
}

static ts_code h_act(http_req *r, ts_ctx *x)
{
    fb_action a = {0};
    http_in_read(r, &a);
    a.fixed = http_in_has(r, "fixed") && !http_in_null(r, "fixed") ? http_in_bool(r, "fixed") : -1;
    a.private_ = http_in_has(r, "private") ? http_in_bool(r, "private") : -1;
    a.show_name = http_in_has(r, "show_name") ? http_in_bool(r, "show_name") : -1;
    const char *im = http_header(r, "If-Match");
    if (!a.rev && im) {
        long long v = 0;
        if (sscanf(im, "\"%lld\"", &v) == 1 || sscanf(im, "%lld", &v) == 1) a.rev = v;
    }
    fb_view v;
    TS_TRY(feedback_act(x, http_param(r, "code"), &a, &v));
    return http_reply_one(r, 200, fb_write_view, &v);
}

/* The reporter without an account (their token): rate or reopen. */
static ts_code h_public_act(http_req *r, ts_ctx *x)
{
    fb_action a = {0};
    http_in_read(r, &a);
    if (strcmp(a.action, "rate") && strcmp(a.action, "reopen"))
        return ts_err_field(x->err, TS_EVALIDATION, "action", M_FIELD_ENUM, "rate, reopen");
    a.token = http_in_str(r, "token");
    if (!a.token) return ts_err_field(x->err, TS_EVALIDATION, "token", M_FIELD_REQUIRED, NULL);
    a.fixed = http_in_has(r, "fixed") && !http_in_null(r, "fixed") ? http_in_bool(r, "fixed") : -1;
    a.private_ = a.show_name = -1;
    fb_view v;
    TS_TRY(feedback_act(x, http_param(r, "code"), &a, &v));
    return http_reply_one(r, 200, fb_write_view, &v);
}

static ts_code h_follow(http_req *r, ts_ctx *x)
{
    fb_view v;
    TS_TRY(feedback_follow(x, http_param(r, "code"), !strcmp(r->method, "PUT"), &v));
    return http_reply_one(r, 200, fb_write_view, &v);
}

static ts_code h_nearby(http_req *r, ts_ctx *x)
{
    double lat, lon;
    if (!fb_parse_double(http_query(r, "lat"), &lat) || lat < -90 || lat > 90)
        return ts_err_field(x->err, TS_EINVAL, "lat", M_FB_LAT, NULL);
    if (!fb_parse_double(http_query(r, "lon"), &lon) || lon < -180 || lon > 180)
        return ts_err_field(x->err, TS_EINVAL, "lon", M_FB_LON, NULL);
    fb_list l;
    TS_TRY(feedback_nearby(x, http_query(r, "category"), lat, lon, (int)http_qint(r, "radius"), 10,
                           &l));
    return http_reply_page(r, l.items, sizeof *l.items, l.n, fb_write_report, l.n, 10, 0);
}

static ts_code h_statuses(http_req *r, ts_ctx *x)
{
    (void)x;
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "statuses");
    jw_arr_begin(w);
    for (int s = FS_SUBMITTED; s <= FS_MERGED; s++) {
        jw_obj_begin(w);
        jw_kint(w, "code", s);
        jw_kstr(w, "word", feedback_status_word(s));
        jw_kstr(w, "name", feedback_status_name(s, 0));
        jw_kstr(w, "name_en", feedback_status_name(s, 1));
        jw_kstr(w, "open311", feedback_status_open(s) ? "open" : "closed");
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "actions");
    jw_arr_begin(w);
    for (int i = 0; feedback_actions[i]; i++)
        jw_str(w, feedback_actions[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

/* ---- photos ------------------------------------------------------------------------------------
 */

static const jx_field photo_query[] = {
    {.name = "filename", .type = JX_STRING, .max_chars = 200},
    {0},
};
static const jx_field blur_body[] = {
    {.name = "rects", .type = JX_ARRAY, .required = true},
    {0},
};

static ts_code h_photo_add(http_req *r, ts_ctx *x)
{
    fb_view v;
    TS_TRY(feedback_photo_add(x, http_param(r, "code"), r->body, r->body_len,
                              http_header(r, "Content-Type"), http_query(r, "filename"),
                              http_header(r, "X-Report-Token"), &v));
    return http_reply_one(r, 201, fb_write_view, &v);
}

static ts_code photo_reply(http_req *r, ts_ctx *x, const char *which, bool public_)
{
    const char *mt;
    const void *data;
    size_t len;
    TS_TRY(feedback_photo_get(x, http_param(r, "code"), (int)http_id(r, "n"), which, &mt, &data,
                              &len));
    http_add_header(r, "Cache-Control", public_ ? "public, max-age=86400" : "private, no-store");
    http_add_header(r, "X-Content-Type-Options", "nosniff");
    return http_reply(r, 200, mt, data, len);
}
static ts_code h_photo(http_req *r, ts_ctx *x)
{
    return photo_reply(r, x, "photo", true);
}
static ts_code h_thumb(http_req *r, ts_ctx *x)
{
    return photo_reply(r, x, "thumb", true);
}
static ts_code h_original(http_req *r, ts_ctx *x)
{
    return photo_reply(r, x, "original", false);
}

static ts_code h_blur(http_req *r, ts_ctx *x)
{
    json_t *rects = http_in_json(r, "rects");
    size_t n = json_array_size(rects);
    if (n > 32) return ts_err_field(x->err, TS_EVALIDATION, "rects", M_FIELD_RANGE, "0–32");
    json_t *clean = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(rects, i);
        static const char *const k[] = {"left", "top", "width", "height"};
        json_t *c = json_object();
        for (int j = 0; j < 4; j++) {
            json_t *v = json_object_get(o, k[j]);
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > 100000 || (j >= 2 && json_integer_value(v) == 0)) {
                json_decref(c);
                json_decref(clean);
                return ts_err_field(x->err, TS_EVALIDATION,
                                    arena_printf(r->a, "rects[%zu].%s", i, k[j]), M_FIELD_RANGE,
                                    j >= 2 ? "1–100000" : "0–100000");
            }
            json_object_set(c, k[j], v);
        }
        json_array_append_new(clean, c);
    }
    char *txt = json_dumps(clean, JSON_COMPACT);
    json_decref(clean);
    const char *rj = arena_strdup(r->a, txt);
    free(txt);
    fb_view v;
    TS_TRY(feedback_photo_blur(x, http_param(r, "code"), (int)http_id(r, "n"), rj, &v));
    return http_reply_one(r, 200, fb_write_view, &v);
}

#define PHOTO_N HTTP_IDS({"n", M_FB_PHOTO_NOT_FOUND, 1, FB_PHOTOS_MAX})

const http_route feedback_routes[] = {
    {"GET", "/api/v1/feedback-categories", h_categories, PERM_PUBLIC, .query = NULL},
    {"GET", "/api/v1/feedback-statuses", h_statuses, PERM_PUBLIC, .no_db = true},
    {"GET", "/api/v1/feedback-templates", h_templates, PERM_STAFF, .query = NULL},
    {"POST", "/api/v1/feedback-templates", h_template_add, PERM_STAFF, .body = template_body},
    {"DELETE", "/api/v1/feedback-templates/{id}", h_template_remove, PERM_STAFF,
     .ids = HTTP_IDS({"id", M_FB_TEMPLATE_NOT_FOUND, 1, 0})},
    {"GET", "/api/v1/feedback-settings", h_settings, PERM_STAFF, .query = NULL},
    {"PUT", "/api/v1/feedback-settings", h_settings_put, PERM_SYSTEM_ADMIN, .body = settings_put},
    {"POST", "/api/v1/feedback", h_submit, PERM_AUTHENTICATED, .body = submit_body},
    {"GET", "/api/v1/feedback", h_list, PERM_STAFF, .query = list_query},
    {"GET", "/api/v1/me/feedback", h_mine, PERM_AUTHENTICATED, .query = page_query},
    {"GET", "/api/v1/feedback/{code}", h_get, PERM_AUTHENTICATED, .query = NULL},
    {"POST", "/api/v1/feedback/{code}/actions", h_act, PERM_AUTHENTICATED, .body = action_body},
    {"PUT", "/api/v1/feedback/{code}/follow", h_follow, PERM_AUTHENTICATED, .query = NULL},
    {"DELETE", "/api/v1/feedback/{code}/follow", h_follow, PERM_AUTHENTICATED, .query = NULL},
    {"GET", "/api/v1/public/feedback", h_public_list, PERM_PUBLIC, .query = public_query},
    {"GET", "/api/v1/public/feedback-nearby", h_nearby, PERM_PUBLIC, .query = nearby_query},
    {"GET", "/api/v1/public/feedback/{code}", h_public_get, PERM_PUBLIC, .query = NULL},
    {"POST", "/api/v1/public/feedback-otp", h_otp, PERM_PUBLIC, .body = otp_body},
    {"POST", "/api/v1/public/feedback", h_anon_submit, PERM_PUBLIC, .body = anon_body},
    {"POST", "/api/v1/public/feedback/{code}/actions", h_public_act, PERM_PUBLIC,
     .body = public_action_body},
    {"POST", "/api/v1/public/feedback/{code}/photos", h_photo_add, PERM_PUBLIC,
     .query = photo_query, .max_body = IMAGES_MAX_BYTES},
    {"GET", "/api/v1/stats/feedback", feedback_h_stats, PERM_PUBLIC, .query = fb_stats_query},
    {"POST", "/api/v1/feedback/{code}/photos", h_photo_add, PERM_AUTHENTICATED,
     .query = photo_query, .max_body = IMAGES_MAX_BYTES},
    {"GET", "/api/v1/public/feedback/{code}/photos/{n}", h_photo, PERM_PUBLIC, .ids = PHOTO_N},
    {"GET", "/api/v1/public/feedback/{code}/photos/{n}/thumb", h_thumb, PERM_PUBLIC,
     .ids = PHOTO_N},
    {"GET", "/api/v1/feedback/{code}/photos/{n}/original", h_original, PERM_STAFF, .ids = PHOTO_N},
    {"POST", "/api/v1/feedback/{code}/photos/{n}/blur", h_blur, PERM_STAFF, .body = blur_body,
     .ids = PHOTO_N},
    FEEDBACK_OPEN311_ROUTES,
    {0},
};

static const ts_job feedback_jobs[] = {
    {"feedback.escalate", feedback_escalate},     /* overdue reports to the leaders above */
    {"feedback.autoclose", feedback_autoclose},   /* answered and not rated: closed */
    {"feedback.photos", feedback_photos_publish}, /* published copies and thumbnails */
    {0},
};

const ts_domain feedback_domain = {"feedback", feedback_routes, feedback_messages, feedback_jobs};
