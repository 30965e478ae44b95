/*
 * feedback — reading reports: one report as its reporter or staff see it,
 * the public page, listings (the inbox, the public map, Open311), nearby
 * open reports, the categories and the province's settings.
 */
#include "feedback_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbrow.h"
#include "../../platform/search.h"
#include "../agencies/agencies.h"

FEEDBACK_MESSAGES(TS_MSG_DEFINE)
const ts_msg feedback_messages[] = {FEEDBACK_MESSAGES(TS_MSG_REF) NULL};

/* ---- statuses ------------------------------------------------------------------------- */

static const char *const status_words[] = {
    NULL,          "submitted", "accepted", "rejected", "assigned",
    "in_progress", "answered",  "closed",   "merged",
};

const char *feedback_status_word(int s)
{
    return s >= FS_SUBMITTED && s <= FS_MERGED ? status_words[s] : NULL;
}

const char *feedback_status_name(int s, int lang)
{
    static const ts_msg names[] = {
        NULL,
        M_FB_STATE_SUBMITTED,
        M_FB_STATE_ACCEPTED,
        M_FB_STATE_REJECTED,
        M_FB_STATE_ASSIGNED,
        M_FB_STATE_IN_PROGRESS,
        M_FB_STATE_ANSWERED,
        M_FB_STATE_CLOSED,
        M_FB_STATE_MERGED,
    };
    if (s < FS_SUBMITTED || s > FS_MERGED) return NULL;
    return names[s]->text[lang ? 1 : 0];
}

int feedback_status_parse(const char *w)
{
    for (int s = FS_SUBMITTED; w && s <= FS_MERGED; s++)
        if (!strcmp(w, status_words[s])) return s;
    return 0;
}

ts_msg feedback_state_msg(int s)
{
    static const ts_msg m[] = {
        M_FB_NOW_SUBMITTED, M_FB_NOW_SUBMITTED, M_FB_NOW_ACCEPTED,
        M_FB_NOW_REJECTED,  M_FB_NOW_ASSIGNED,  M_FB_NOW_IN_PROGRESS,
        M_FB_NOW_ANSWERED,  M_FB_NOW_CLOSED,    M_FB_NOW_MERGED,
    };
    return m[s >= FS_SUBMITTED && s <= FS_MERGED ? s : 0];
}

bool feedback_status_open(int s)
{
    return s == FS_SUBMITTED || s == FS_ACCEPTED || s == FS_ASSIGNED || s == FS_IN_PROGRESS;
}

int64_t feedback_now_min(const ts_ctx *x)
{
    int64_t s = x->now_us / 1000000;
    return (s >= 0 ? s / 60 : (s - 59) / 60) + 7 * 60;
}

/* ---- categories ------------------------------------------------------------------------ */

#define CCOLS                                                                                      \
    "code, name, name_en, grp, grp_en, description, keywords, route, deadline_days, priority, "    \
    "location, attributes, active, sort"
static const db_colmap cmap[] = {
    DBC(TEXT, fb_category, code),         DBC(TEXT, fb_category, name),
    DBC(TEXT, fb_category, name_en),      DBC(TEXT, fb_category, group),
    DBC(TEXT, fb_category, group_en),     DBC(TEXT, fb_category, description),
    DBC(TEXT, fb_category, keywords),     DBC(TEXT, fb_category, route),
    DBC(INT, fb_category, deadline_days), DBC(INT, fb_category, priority),
    DBC(TEXT, fb_category, location),     DBC(TEXT, fb_category, attributes),
    DBC(BOOL, fb_category, active),       DBC(INT, fb_category, sort),
};
static const db_rowspec cspec = {sizeof(fb_category), cmap, (int)(sizeof cmap / sizeof cmap[0]),
                                 NULL};

ts_code feedback_categories(ts_ctx *x, bool all, fb_category **out, int *n)
{
    void *rows;
    TS_TRY(db_query_all(x->db, x->a,
                        all ? "SELECT " CCOLS " FROM feedback_categories ORDER BY sort, code"
                            : "SELECT " CCOLS " FROM feedback_categories WHERE active = 1 "
                              "ORDER BY sort, code",
                        NULL, 0, &cspec, 500, &rows, n, x->err));
    *out = rows;
    return TS_OK;
}

ts_code feedback_category(ts_ctx *x, const char *code, fb_category *out)
{
    bool found;
    TS_TRY(db_query_one(x->db, x->a, "SELECT " CCOLS " FROM feedback_categories WHERE code = ?",
                        (const db_val[]){DBV_T(code)}, 1, &cspec, out, &found, x->err));
    if (!found) return ts_err_field(x->err, TS_ENOTFOUND, "category", M_FB_CATEGORY_UNKNOWN, code);
    return TS_OK;
}

static const db_colmap tmap[] = {
    DBC(I64, fb_template, id),     DBC(TEXT, fb_template, agency), DBC(TEXT, fb_template, category),
    DBC(TEXT, fb_template, title), DBC(TEXT, fb_template, body),
};
static const db_rowspec tspec = {sizeof(fb_template), tmap, (int)(sizeof tmap / sizeof tmap[0]),
                                 NULL};

ts_code feedback_templates(ts_ctx *x, fb_template **out, int *n)
{
    dbw w;
    dbw_init(&w, x->a);
    /* the province's, and those of the agencies one works in (with their subtrees) */
    ts_staff_scope(x, &w, "ta.path",
                   "(t.agency IS NULL OR t.agency IN (SELECT ta.code FROM agencies ta WHERE %s))");
    void *rows;
    TS_TRY(db_query_all(x->db, x->a,
                        arena_printf(x->a,
                                     "SELECT t.id, t.agency, t.category, t.title, t.body FROM "
                                     "feedback_templates t%s ORDER BY t.agency IS NOT NULL, "
                                     "t.agency, t.id",
                                     dbw_where(&w)),
                        w.vals, w.nvals, &tspec, 500, &rows, n, x->err));
    *out = rows;
    return TS_OK;
}

typedef struct tpl_ctx {
    const fb_template *in;
    int64_t id;
    fb_template *out;
} tpl_ctx;

/* Who may keep an agency's templates: its leaders and administrators (the
 * province's: the system administrator). */
static ts_code may_keep(ts_ctx *x, const char *agency_code)
{
    if (!agency_code) return ts_require(x, ROLE_SYSTEM_ADMIN, NULL);
    agency ag;
    ts_code rc = agencies_find(x, agency_code, &ag);
    if (rc == TS_ENOTFOUND)
        return ts_err_field(x->err, TS_EVALIDATION, "agency", M_AGENCY_NOT_FOUND, agency_code);
    TS_TRY(rc);
    if (ts_may(x, ROLE_LEADER, ag.path) || ts_may(x, ROLE_AGENCY_ADMIN, ag.path)) return TS_OK;
    return ts_forbidden(x);
}

static ts_code tpl_add_tx(ts_ctx *x, void *arg)
{
    tpl_ctx *tc = arg;
    const fb_template *t = tc->in;
    TS_TRY(may_keep(x, t->agency));
    if (t->category) {
        fb_category c;
        TS_TRY(feedback_category(x, t->category, &c));
    }
    int64_t id = 0;
    TS_TRY(db_int(x->db, x->err, &id, 0,
                  "INSERT INTO feedback_templates (agency, category, title, body, created_at, "
                  "created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                  DBV_T(t->agency), DBV_T(t->category), DBV_T(t->title), DBV_T(t->body),
                  DBV_T(ts_now(x)), DBV_T(x->actor)));
    json_t *sum =
        json_pack("{s:I,s:s?,s:s}", "id", (json_int_t)id, "agency", t->agency, "title", t->title);
    ts_code rc = ts_audit(x, "feedback.template_add", "feedback_template",
                          arena_printf(x->a, "%lld", (long long)id), t->agency, sum);
    json_decref(sum);
    TS_TRY(rc);
    *tc->out = *t;
    tc->out->id = id;
    return TS_OK;
}

ts_code feedback_template_add(ts_ctx *x, const fb_template *in, fb_template *out)
{
    tpl_ctx tc = {in, 0, out};
    return ts_write(x, tpl_add_tx, &tc);
}

static ts_code tpl_del_tx(ts_ctx *x, void *arg)
{
    tpl_ctx *tc = arg;
    fb_template t;
    bool found;
    TS_TRY(db_query_one(x->db, x->a,
                        "SELECT id, agency, category, title, body FROM feedback_templates WHERE id "
                        "= ?",
                        (const db_val[]){DBV_I(tc->id)}, 1, &tspec, &t, &found, x->err));
    const char *ids = arena_printf(x->a, "%lld", (long long)tc->id);
    if (!found) return ts_err_field(x->err, TS_ENOTFOUND, "id", M_FB_TEMPLATE_NOT_FOUND, ids);
    TS_TRY(may_keep(x, t.agency));
    TS_TRY(db_run(x->db, x->err, "DELETE FROM feedback_templates WHERE id = ?", DBV_I(tc->id)));
    json_t *sum = json_pack("{s:s}", "title", t.title);
    ts_code rc = ts_audit(x, "feedback.template_remove", "feedback_template", ids, t.agency, sum);
    json_decref(sum);
    return rc;
}

ts_code feedback_template_remove(ts_ctx *x, int64_t id)
{
    tpl_ctx tc = {NULL, id, NULL};
    return ts_write(x, tpl_del_tx, &tc);
}

/* ---- settings ----------------------------------------------------------------------------- */

ts_code feedback_settings(ts_ctx *x, fb_settings *out)
{
    *out = (fb_settings){.intake_days = 2, .reopen_days = 10, .close_days = 7};
    db_stmt *s;
    TS_TRY(db_prepare(x->db, "SELECT name, value FROM feedback_settings", &s, x->err));
    int r;
    while ((r = db_step(s, x->err)) == DB_ROW) {
        const char *k = db_col_text(s, 0), *v = db_col_text(s, 1);
        if (!k || !v) continue;
        if (!strcmp(k, "intake_agency"))
            out->intake_agency = *v ? arena_strdup(x->a, v) : NULL;
        else if (!strcmp(k, "anonymous"))
            out->anonymous = !strcmp(v, "1");
        else if (!strcmp(k, "intake_days"))
            out->intake_days = atoi(v);
        else if (!strcmp(k, "reopen_days"))
            out->reopen_days = atoi(v);
        else if (!strcmp(k, "close_days"))
            out->close_days = atoi(v);
    }
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

static ts_code put_setting(ts_ctx *x, const char *k, const char *v)
{
    return db_run(x->db, x->err,
                  "INSERT INTO feedback_settings (name, value, updated_at, updated_by) VALUES (?, "
                  "?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = "
                  "excluded.updated_at, updated_by = excluded.updated_by",
                  DBV_T(k), DBV_T(v), DBV_T(ts_now(x)), DBV_T(x->actor));
}

typedef struct set_ctx {
    const fb_settings_in *in;
    fb_settings *out;
} set_ctx;

static ts_code settings_tx(ts_ctx *x, void *arg)
{
    set_ctx *sc = arg;
    const fb_settings_in *in = sc->in;
    TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, NULL));
    json_t *sum = json_object();
    if (in->intake_agency) {
        agency ag;
        ts_code rc = agencies_find(x, in->intake_agency, &ag);
        if (rc == TS_ENOTFOUND)
            rc = ts_err_field(x->err, TS_EVALIDATION, "intake_agency", M_AGENCY_NOT_FOUND,
                              in->intake_agency);
        if (rc == TS_OK) rc = put_setting(x, "intake_agency", in->intake_agency);
        if (rc != TS_OK) {
            json_decref(sum);
            return rc;
        }
        json_object_set_new(sum, "intake_agency", json_string(in->intake_agency));
    }
    struct {
        const char *k;
        int v;
    } ints[] = {{"anonymous", in->anonymous},
                {"intake_days", in->intake_days},
                {"reopen_days", in->reopen_days},
                {"close_days", in->close_days}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (ints[i].v < (i == 0 ? 0 : 1)) continue;
        ts_code rc = put_setting(x, ints[i].k, arena_printf(x->a, "%d", ints[i].v));
        if (rc != TS_OK) {
            json_decref(sum);
            return rc;
        }
        json_object_set_new(sum, ints[i].k, json_integer(ints[i].v));
    }
    ts_code rc = ts_audit(x, "feedback.settings", "feedback_settings", "province", NULL, sum);
    json_decref(sum);
    TS_TRY(rc);
    return feedback_settings(x, sc->out);
}

ts_code feedback_settings_set(ts_ctx *x, const fb_settings_in *in, fb_settings *out)
{
    set_ctx sc = {in, out};
    return ts_write(x, settings_tx, &sc);
}

/* ---- rows ----------------------------------------------------------------------------------- */

static void row_fn(arena *a, db_stmt *s, void *item)
{
    fb_report *r = item;
    int i = 0;
    r->id = db_col_int(s, i++);
    r->code = db_col_dup(a, s, i++);
    r->token = db_col_dup(a, s, i++);
    r->rev = db_col_int(s, i++);
    r->status = (int)db_col_int(s, i++);
    r->category = db_col_dup(a, s, i++);
    r->title = db_col_dup(a, s, i++);
    r->description = db_col_dup(a, s, i++);
    r->has_point = !db_col_is_null(s, i);
    r->lat = db_col_double(s, i++);
    r->lon = db_col_double(s, i++);
    r->address = db_col_dup(a, s, i++);
    r->unit_code = db_col_dup(a, s, i++);
    r->outside = db_col_int(s, i++) != 0;
    r->located = db_col_dup(a, s, i++);
    r->attrs = db_col_dup(a, s, i++);
    r->channel = db_col_dup(a, s, i++);
    r->client = db_col_dup(a, s, i++);
    r->reporter_id = db_col_int(s, i++);
    r->reporter_name = db_col_dup(a, s, i++);
    r->reporter_phone = db_col_dup(a, s, i++);
    r->reporter_email = db_col_dup(a, s, i++);
    r->show_name = db_col_int(s, i++) != 0;
    r->agency = db_col_dup(a, s, i++);
    r->agency_path = db_col_dup(a, s, i++);
    r->assignee_id = db_col_int(s, i++);
    r->priority = (int)db_col_int(s, i++);
    r->submitted_at = db_col_int(s, i++);
    r->intake_due = db_col_int(s, i++);
    r->accepted_at = db_col_int(s, i++);
    r->due_at = db_col_int(s, i++);
    r->answered_at = db_col_int(s, i++);
    r->closed_at = db_col_int(s, i++);
    r->answer = db_col_dup(a, s, i++);
    r->answer_agency = db_col_dup(a, s, i++);
    r->reason = db_col_dup(a, s, i++);
    r->rating = (int)db_col_int(s, i++);
    r->fixed = db_col_is_null(s, i) ? -1 : (int)db_col_int(s, i);
    i++;
    r->reopened = (int)db_col_int(s, i++);
    r->private_ = db_col_int(s, i++) != 0;
    r->public_title = db_col_dup(a, s, i++);
    r->public_description = db_col_dup(a, s, i++);
    r->merged_into = db_col_dup(a, s, i++);
    r->followers = (int)db_col_int(s, i++);
    r->photos = (int)db_col_int(s, i++);
    r->escalations = (int)db_col_int(s, i++);
    r->created_at = db_col_dup(a, s, i++);
    r->updated_at = db_col_dup(a, s, i++);
    r->agency_name = db_col_dup(a, s, i++);
    r->unit_name = db_col_dup(a, s, i++);
    r->assignee_name = db_col_dup(a, s, i++);
}

const db_rowspec fb_spec = {sizeof(fb_report), NULL, 0, row_fn};

static void mark_late(const ts_ctx *x, fb_report *r)
{
    int64_t end = r->answered_at ? r->answered_at : r->closed_at;
    if (r->status == FS_REJECTED || r->status == FS_MERGED)
        r->late = false;
    else if (end)
        r->late = end > r->due_at;
    else
        r->late = feedback_now_min(x) > r->due_at;
}

ts_code fb_load(ts_ctx *x, const char *code, fb_report *out, bool *found)
{
    TS_TRY(db_query_one(x->db, x->a, "SELECT " FB_COLS " FROM " FB_FROM " WHERE f.code = ?",
                        (const db_val[]){DBV_T(code)}, 1, &fb_spec, out, found, x->err));
    if (*found) mark_late(x, out);
    return TS_OK;
}

ts_code fb_must_load(ts_ctx *x, const char *code, fb_report *out)
{
    bool found = false;
    if (code && fb_code_valid(code)) TS_TRY(fb_load(x, code, out, &found));
    if (!found) return ts_err_field(x->err, TS_ENOTFOUND, "code", M_FB_NOT_FOUND, code);
    return TS_OK;
}

bool fb_code_valid(const char *c)
{
    /* PA-yyMMdd-NNNNNN */
    if (strlen(c) != 16 || strncmp(c, "PA-", 3) || c[9] != '-') return false;
    for (int i = 3; i < 16; i++)
        if (i != 9 && (c[i] < '0' || c[i] > '9')) return false;
    return true;
}

/* ---- who sees what ------------------------------------------------------------------------ */

/* The intake point's agency path, once per call context (x's arena and
 * clock stand for the request); NULL when none is set. A storage failure
 * is left in x->err for fb_poisoned: the caller fails the request. */
static __thread struct {
    const arena *a;
    int64_t us;
    const char *path;
} intake_memo;

static const char *intake_path(ts_ctx *x)
{
    if (intake_memo.a == x->a && intake_memo.us == x->now_us) return intake_memo.path;
    ts_err e;
    ts_err_clear(&e);
    ts_ctx y = *x;
    y.err = &e;
    fb_settings st;
    const char *path = NULL;
    ts_code rc = feedback_settings(&y, &st);
    if (rc == TS_OK && st.intake_agency) {
        agency ag;
        rc = agencies_find(&y, st.intake_agency, &ag);
        if (rc == TS_OK) path = ag.path;
        if (rc == TS_ENOTFOUND) rc = TS_OK;
    }
    if (rc != TS_OK) {
        *x->err = e;
        return NULL;
    }
    intake_memo.a = x->a;
    intake_memo.us = x->now_us;
    intake_memo.path = path;
    return path;
}

ts_code fb_poisoned(const ts_ctx *x)
{
    return x->err->code;
}

bool fb_is_intake(ts_ctx *x)
{
    /* without a grant nobody acts for the intake point: no reads (which
     * could only fail silently here) for citizens and Open311's filings */
    if (!x->who->ngrants) return false;
    const char *p = intake_path(x);
    return p && (ts_may(x, ROLE_OFFICER, p) || ts_may(x, ROLE_LEADER, p));
}

bool feedback_is_staff_for(ts_ctx *x, const fb_report *r)
{
    if (!x->who->ngrants) return false;
    static const char *const roles[] = {ROLE_OFFICER, ROLE_LEADER, ROLE_AGENCY_ADMIN};
    for (int i = 0; i < 3; i++)
        if (ts_may(x, roles[i], r->agency_path)) return true;
    return fb_is_intake(x);
}

static ts_code load_events(ts_ctx *x, fb_view *v, bool public_only)
{
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      public_only
                          ? "SELECT e.at, e.action, e.from_status, e.to_status, e.agency, ag.name, "
                            "e.actor, e.actor_name, e.note, e.public FROM feedback_events e LEFT "
                            "JOIN agencies ag ON ag.code = e.agency WHERE e.report_id = ? AND "
                            "e.public = 1 ORDER BY e.id"
                          : "SELECT e.at, e.action, e.from_status, e.to_status, e.agency, ag.name, "
                            "e.actor, e.actor_name, e.note, e.public FROM feedback_events e LEFT "
                            "JOIN agencies ag ON ag.code = e.agency WHERE e.report_id = ? ORDER "
                            "BY e.id",
                      &s, x->err));
    db_bind_list(s, DBV_I(v->r.id));
    int cap = 8, r;
    v->events = arena_calloc(x->a, sizeof *v->events * (size_t)cap);
    v->nevents = 0;
    while ((r = db_step(s, x->err)) == DB_ROW) {
        v->events = dbrow_grow(x->a, v->events, sizeof *v->events, v->nevents, &cap);
        fb_event *e = &v->events[v->nevents++];
        e->at = db_col_dup(x->a, s, 0);
        e->action = db_col_dup(x->a, s, 1);
        e->from = (int)db_col_int(s, 2);
        e->to = (int)db_col_int(s, 3);
        e->agency = db_col_dup(x->a, s, 4);
        e->agency_name = db_col_dup(x->a, s, 5);
        e->actor = public_only ? NULL : db_col_dup(x->a, s, 6);
        e->actor_name = public_only ? NULL : db_col_dup(x->a, s, 7);
        e->note = db_col_dup(x->a, s, 8);
        e->public_ = db_col_int(s, 9) != 0;
    }
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

static ts_code load_photos(ts_ctx *x, fb_view *v, bool public_only)
{
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      "SELECT n, state, mime, width, height, original, published, thumb FROM "
                      "feedback_photos WHERE report_id = ? ORDER BY n",
                      &s, x->err));
    db_bind_list(s, DBV_I(v->r.id));
    int cap = FB_PHOTOS_MAX, r;
    v->photos = arena_calloc(x->a, sizeof *v->photos * (size_t)cap);
    v->nphotos = 0;
    while ((r = db_step(s, x->err)) == DB_ROW) {
        const char *state = db_col_text(s, 1);
        if (public_only && (!state || strcmp(state, "ready"))) continue;
        v->photos = dbrow_grow(x->a, v->photos, sizeof *v->photos, v->nphotos, &cap);
        fb_photo *p = &v->photos[v->nphotos++];
        p->n = (int)db_col_int(s, 0);
        p->state = arena_strdup(x->a, state ? state : "");
        p->mime = db_col_dup(x->a, s, 2);
        p->width = (int)db_col_int(s, 3);
        p->height = (int)db_col_int(s, 4);
        p->original = public_only ? NULL : db_col_dup(x->a, s, 5);
        p->published = db_col_dup(x->a, s, 6);
        p->thumb = db_col_dup(x->a, s, 7);
    }
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

static ts_code load_following(ts_ctx *x, fb_view *v)
{
    v->following = false;
    if (!x->who->account_id) return TS_OK;
    int64_t n = 0;
    TS_TRY(db_int(x->db, x->err, &n, 0,
                  "SELECT COUNT(*) FROM feedback_followers WHERE report_id = ? AND account_id = ?",
                  DBV_I(v->r.id), DBV_I(x->who->account_id)));
    v->following = n > 0;
    return TS_OK;
}

ts_code fb_view_fill(ts_ctx *x, fb_view *v)
{
    v->staff = feedback_is_staff_for(x, &v->r);
    TS_TRY(fb_poisoned(x));
    TS_TRY(load_events(x, v, !v->staff));
    TS_TRY(load_photos(x, v, false));
    TS_TRY(load_following(x, v));
    TS_TRY(fb_allowed(x, v));
    return fb_poisoned(x);
}

ts_code feedback_get(ts_ctx *x, const char *code, fb_view *out)
{
    memset(out, 0, sizeof *out);
    TS_TRY(fb_must_load(x, code, &out->r));
    bool reporter = x->who->account_id && x->who->account_id == out->r.reporter_id;
    bool staff = feedback_is_staff_for(x, &out->r);
    TS_TRY(fb_poisoned(x));
    if (!reporter && !staff)
        return ts_err_field(x->err, TS_ENOTFOUND, "code", M_FB_NOT_FOUND, code);
    return fb_view_fill(x, out);
}

bool fb_public_visible(const fb_report *r)
{
    return !r->private_ && r->status != FS_REJECTED && r->status != FS_SUBMITTED;
}

void fb_moderate_public(fb_report *r)
{
    if (r->public_title) r->title = r->public_title;
    if (r->public_description) r->description = r->public_description;
    if (!r->show_name) r->reporter_name = NULL;
    r->reporter_phone = r->reporter_email = NULL;
    r->reporter_id = 0;
    r->assignee_name = NULL;
    r->assignee_id = 0;
    r->token = NULL;
    r->client = NULL;
    r->attrs = NULL;
}

ts_code feedback_public(ts_ctx *x, const char *code, fb_view *out)
{
    memset(out, 0, sizeof *out);
    TS_TRY(fb_must_load(x, code, &out->r));
    if (!fb_public_visible(&out->r))
        return ts_err_field(x->err, TS_ENOTFOUND, "code", M_FB_NOT_FOUND, code);
    fb_moderate_public(&out->r);
    TS_TRY(load_events(x, out, true));
    TS_TRY(load_photos(x, out, true));
    TS_TRY(load_following(x, out));
    out->actions = arena_calloc(x->a, sizeof *out->actions);
    return TS_OK;
}

/* ---- listings -------------------------------------------------------------------------------- */

static void scope(ts_ctx *x, dbw *w)
{
    if (fb_is_intake(x)) return; /* the intake point sees every report */
    ts_staff_scope(x, w, "f.agency_path", "(%s)");
    dbw_add(w, "f.status <> 1", NULL, 0); /* an agency's once the intake point has accepted it */
}

/* "a,b,c" into an IN list of text values. */
static void in_list(ts_ctx *x, dbw *w, const char *col, const char *list, bool status)
{
    int cap = 8, n = 0;
    db_val *v = arena_calloc(x->a, sizeof *v * (size_t)cap);
    const char *marks = "";
    char *dup = arena_strdup(x->a, list), *save = NULL;
    for (char *t = strtok_r(dup, ",", &save); t && n < 200; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (!*t) continue;
        v = dbrow_grow(x->a, v, sizeof *v, n, &cap);
        if (status) {
            if (!strcmp(t, "open") || !strcmp(t, "closed")) {
                bool open = !strcmp(t, "open");
                for (int s = FS_SUBMITTED; s <= FS_MERGED; s++) {
                    if (feedback_status_open(s) != open) continue;
                    v = dbrow_grow(x->a, v, sizeof *v, n, &cap);
                    v[n++] = DBV_I(s);
                    marks = *marks ? arena_printf(x->a, "%s, ?", marks) : "?";
                }
                continue;
            }
            v[n++] = DBV_I(feedback_status_parse(t));
        } else {
            v[n++] = DBV_T(t);
        }
        marks = *marks ? arena_printf(x->a, "%s, ?", marks) : "?";
    }
    if (!n) return;
    dbw_add(w, arena_printf(x->a, "%s IN (%s)", col, marks), v, n);
}

/* An item of the Open311 listing: moderated like the public list; a report
 * the intake point has not accepted (or has rejected) shows neither its
 * text nor its place nor its photos; else the first published photo. */
static ts_code open311_item(ts_ctx *x, fb_report *r)
{
    bool shown = fb_public_visible(r);
    fb_moderate_public(r);
    r->first_photo = 0;
    if (!shown) {
        r->title = r->description = r->address = NULL;
        r->has_point = false;
        r->lat = r->lon = 0;
        r->unit_code = r->unit_name = NULL;
        return TS_OK;
    }
    if (!r->photos) return TS_OK;
    int64_t n = 0;
    TS_TRY(db_int(x->db, x->err, &n, 0,
                  "SELECT COALESCE(MIN(n), 0) FROM feedback_photos WHERE report_id = ? AND state = "
                  "'ready'",
                  DBV_I(r->id)));
    r->first_photo = (int)n;
    return TS_OK;
}

static const search_index fb_search = {"feedback_reports_fts", "f.id", "f.search_tsv"};

ts_code feedback_list(ts_ctx *x, const fb_query *q, fb_list *out)
{
    memset(out, 0, sizeof *out);
    search_list l;
    TS_TRY(search_list_begin(&l, x->db, x->a, q->q, x->err));
    dbw *w = &l.w;
    if (q->open311) {
        dbw_add(w, "f.private = 0", NULL, 0);
    } else if (q->public_) {
        dbw_add(w, "f.private = 0 AND f.status NOT IN (1, 3)", NULL, 0);
    } else if (q->mine) {
        int64_t me = x->who->account_id ? x->who->account_id : -1;
        dbw_and(w,
                "(f.reporter_id = ? OR f.id IN (SELECT report_id FROM feedback_followers WHERE "
                "account_id = ?))",
                DBV_I(me), DBV_I(me));
    } else {
        const char *queue = q->queue;
        if (queue && !strcmp(queue, "mine")) {
            dbw_and(w, "f.assignee_id = ?", DBV_I(x->who->account_id ? x->who->account_id : -1));
        } else if (queue && !strcmp(queue, "intake")) {
            if (!fb_is_intake(x)) dbw_add(w, "0 = 1", NULL, 0);
            dbw_add(w, "f.status = 1", NULL, 0);
        } else {
            scope(x, w);
        }
    }
    TS_TRY(fb_poisoned(x));
    if (q->ids) in_list(x, w, "f.code", q->ids, false);
    if (q->status) in_list(x, w, "f.status", q->status, true);
    if (q->category) in_list(x, w, "f.category", q->category, false);
    dbw_text(w, "f.agency = ?", q->agency);
    dbw_text(w, "f.unit_code = ?", q->unit);
    dbw_int(w, "f.submitted_at >= ?", q->from);
    dbw_int(w, "f.submitted_at < ?", q->to);
    dbw_text(w, "f.created_at >= ?", q->created_from);
    dbw_text(w, "f.created_at < ?", q->created_to);
    /* a small box (a street, a ward) is searched by place; a large one (the
     * province on the map) by the newest first, "+" keeping the planner off
     * the place index, which would sort every report in the box */
    if (q->has_bbox)
        dbw_and(w,
                (q->n - q->s) * (q->e - q->w) < 0.005
                    ? "f.lat BETWEEN ? AND ? AND f.lon BETWEEN ? AND ?"
                    : "+f.lat BETWEEN ? AND ? AND +f.lon BETWEEN ? AND ?",
                DBV_D(q->s), DBV_D(q->n), DBV_D(q->w), DBV_D(q->e));
    if (q->has_circle) { /* a box for the index, then the circle (equirectangular, as fb_metres) */
        const double m_per_deg = 6371008.8 * 3.14159265358979323846 / 180.0;
        double c = cos(q->clat * 3.14159265358979323846 / 180.0);
        double dlat = q->radius_m / m_per_deg, dlon = dlat / (c > 0.01 ? c : 0.01);
        dbw_and(w, "f.lat BETWEEN ? AND ? AND f.lon BETWEEN ? AND ?", DBV_D(q->clat - dlat),
                DBV_D(q->clat + dlat), DBV_D(q->clon - dlon), DBV_D(q->clon + dlon));
        dbw_and(w, "(f.lat - ?) * (f.lat - ?) + (f.lon - ?) * (f.lon - ?) * ? <= ?", DBV_D(q->clat),
                DBV_D(q->clat), DBV_D(q->clon), DBV_D(q->clon), DBV_D(c * c), DBV_D(dlat * dlat));
        /* a place the listing does not show is not searched either */
        if (q->open311) dbw_add(w, "f.status NOT IN (1, 3)", NULL, 0);
    }
    if (q->overdue)
        dbw_and(w, "f.status IN (1, 2, 4, 5) AND f.due_at < ?", DBV_I(feedback_now_min(x)));
    /* Open311's window is on created_at: the same index filters and orders */
    bool by_created = q->created_from || q->created_to;
    const char *order = q->order && !strcmp(q->order, "due") ? "f.due_at, f.id"
                        : q->order && !strcmp(q->order, "oldest")
                            ? (by_created ? "f.created_at, f.id" : "f.submitted_at, f.id")
                        : by_created ? "f.created_at DESC, f.id DESC"
                                     : "f.submitted_at DESC, f.id DESC";
    /* a page, and how many there are up to 10,000 (a year holds a million):
     * counted on the reports alone; Open311 pages without a count */
    dbw_page_q pq = {.cols = FB_COLS,
                     .from = FB_FROM,
                     .count_from = "feedback_reports f",
                     .count_max = FB_COUNT_MAX,
                     .no_count = q->open311,
                     .order = order,
                     .limit = q->limit,
                     .offset = q->offset};
    void *rows;
    TS_TRY(
        search_list_page(x->db, &l, &fb_search, pq, &fb_spec, &rows, &out->n, &out->total, x->err));
    out->items = rows;
    for (int i = 0; i < out->n; i++) {
        fb_report *r = &out->items[i];
        mark_late(x, r);
        if (q->open311)
            TS_TRY(open311_item(x, r));
        else if (q->public_)
            fb_moderate_public(r);
    }
    return TS_OK;
}

ts_code feedback_code_of_token(ts_ctx *x, const char *token, const char **code)
{
    *code = NULL;
    if (token && strlen(token) <= 64) {
        db_stmt *s;
        TS_TRY(db_prepare(x->db, "SELECT code FROM feedback_reports WHERE token = ?", &s, x->err));
        db_bind_list(s, DBV_T(token));
        int r = db_step(s, x->err);
        if (r == DB_ROW) *code = db_col_dup(x->a, s, 0);
        db_reset(s);
        if (r < 0) return (ts_code)-r;
    }
    if (!*code) return ts_err_field(x->err, TS_ENOTFOUND, "token", M_FB_TOKEN_NOT_FOUND, token);
    return TS_OK;
}

/* Distance in metres on the sphere (short distances: equirectangular). */
double fb_metres(double lat1, double lon1, double lat2, double lon2)
{
    const double R = 6371008.8, rad = 3.14159265358979323846 / 180.0;
    double x = (lon2 - lon1) * rad * cos((lat1 + lat2) / 2 * rad);
    double y = (lat2 - lat1) * rad;
    return sqrt(x * x + y * y) * R;
}

ts_code feedback_nearby(ts_ctx *x, const char *category, double lat, double lon, int radius_m,
                        int max, fb_list *out)
{
    memset(out, 0, sizeof *out);
    double dlat = radius_m / 111320.0;
    double c = cos(lat * 3.14159265358979323846 / 180.0);
    double dlon = radius_m / (111320.0 * (c > 0.01 ? c : 0.01));
    void *rows;
    int n;
    TS_TRY(db_query_all(
        x->db, x->a,
        "SELECT " FB_COLS " FROM " FB_FROM " WHERE f.category = ? AND f.status IN (2, 4, 5) AND "
        "f.private = 0 AND f.lat BETWEEN ? AND ? AND f.lon BETWEEN ? AND ? ORDER BY f.id DESC",
        (const db_val[]){DBV_T(category), DBV_D(lat - dlat), DBV_D(lat + dlat), DBV_D(lon - dlon),
                         DBV_D(lon + dlon)},
        5, &fb_spec, 200, &rows, &n, x->err));
    fb_report *all = rows;
    /* nearest first, within the circle */
    out->items = arena_calloc(x->a, sizeof *out->items * (size_t)(n ? n : 1));
    double *dist = arena_calloc(x->a, sizeof *dist * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        double d = fb_metres(lat, lon, all[i].lat, all[i].lon);
        if (d > radius_m) continue;
        int k = out->n++;
        while (k > 0 && dist[k - 1] > d) {
            dist[k] = dist[k - 1];
            out->items[k] = out->items[k - 1];
            k--;
        }
        dist[k] = d;
        out->items[k] = all[i];
    }
    if (out->n > max) out->n = max;
    out->total = out->n;
    for (int i = 0; i < out->n; i++) {
        mark_late(x, &out->items[i]);
        fb_moderate_public(&out->items[i]);
    }
    return TS_OK;
}
