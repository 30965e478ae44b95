/* dossiers — reading: one dossier with its history, listings, the public
 * lookup; see dossiers.h. */
#include "dossiers_int.h"

#include <stdio.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../db/dbrow.h"
#include "../../lib/jsonx.h"
#include "../agencies/agencies.h"

DOSSIERS_MESSAGES(TS_MSG_DEFINE)
const ts_msg dossiers_messages[] = {DOSSIERS_MESSAGES(TS_MSG_REF) NULL};

static const char *const status_words[] = {
    "draft",   "submitted", "received", "refused", "processing", "supplement_requested",
    "fee_due", "withdrawn", "stopped",  "done",    "returned",
};
static const char *const status_vi[] = {
    "Hồ sơ nháp",
    "Mới đăng ký",
    "Được tiếp nhận",
    "Không được tiếp nhận",
    "Đang xử lý",
    "Yêu cầu bổ sung",
    "Yêu cầu thực hiện nghĩa vụ tài chính",
    "Công dân rút hồ sơ",
    "Dừng xử lý",
    "Đã xử lý xong",
    "Đã trả kết quả",
};
static const char *const status_en[] = {
    "Draft",   "Submitted", "Received", "Refused", "Processing", "Supplement requested",
    "Fee due", "Withdrawn", "Stopped",  "Done",    "Returned",
};

const char *dossier_status_word(int s)
{
    return s >= 0 && s <= DS_RETURNED ? status_words[s] : "unknown";
}

const char *dossier_status_name(int s, int lang)
{
    if (s < 0 || s > DS_RETURNED) return "?";
    return lang ? status_en[s] : status_vi[s];
}

const char *dossier_action_name(const char *action, int lang)
{
    static const char *const names[][3] = {
        {"submit", "Nộp hồ sơ trực tuyến", "Filed online"},
        {"intake", "Tiếp nhận hồ sơ", "Taken in"},
        {"receive", "Tiếp nhận hồ sơ", "Received"},
        {"refuse", "Từ chối tiếp nhận", "Refused"},
        {"forward", "Chuyển xử lý", "Forwarded"},
        {"send_back", "Trả lại bước trước", "Sent back"},
        {"assign", "Giao xử lý", "Assigned"},
        {"request_supplement", "Yêu cầu bổ sung", "Supplement requested"},
        {"supplement", "Bổ sung hồ sơ", "Supplemented"},
        {"fee_due", "Thông báo nghĩa vụ tài chính", "Fee due"},
        {"pay", "Nộp phí, lệ phí", "Paid"},
        {"finish", "Hoàn thành giải quyết", "Finished"},
        {"return", "Trả kết quả", "Result returned"},
        {"withdraw", "Rút hồ sơ", "Withdrawn"},
        {"stop", "Dừng xử lý", "Stopped"},
        {"extend", "Gia hạn, hẹn lại ngày trả", "Extended"},
        {"rate", "Đánh giá mức độ hài lòng", "Rated"},
        {"escalate", "Quá hạn bước, báo lãnh đạo", "Overdue step escalated"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i][0], action)) return names[i][lang ? 2 : 1];
    return action;
}

const char *dossier_channel_word(int c)
{
    return c == DCH_COUNTER ? "counter" : c == DCH_ONLINE ? "online" : c == DCH_POST ? "post" : "?";
}

bool dossiers_code_valid(const char *s)
{
    const char *dash = s ? strchr(s, '-') : NULL;
    if (!dash || dash - s >= 32) return false;
    char ag[32];
    memcpy(ag, s, (size_t)(dash - s));
    ag[dash - s] = '\0';
    if (!agencies_code_valid(ag)) return false;
    const char *p = dash + 1;
    for (int i = 0; i < 6; i++)
        if (p[i] < '0' || p[i] > '9') return false;
    if (p[6] != '-') return false;
    p += 7;
    size_t n = strlen(p);
    if (n < 4 || n > 6) return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return false;
    return true;
}

/* ---- rows --------------------------------------------------------------- */

#define DCOLS                                                                                      \
    "d.id, d.rev, d.code, d.status, d.procedure_code, d.procedure_version, d.case_index, "         \
    "d.channel, d.owner_id, d.applicant_kind, d.applicant_name, d.applicant_id_number, "           \
    "d.applicant_phone, d.applicant_email, d.applicant_address, d.unit_code, d.receiving, "        \
    "d.implementing, d.handler, d.handler_path, d.handler_role, d.assignee_id, d.step, "           \
    "d.step_started, d.step_due, d.form, d.created_at, d.created_by, d.submitted_at, "             \
    "d.received_at, d.counted_from, d.total_minutes, d.due_at, d.original_due, d.extended, "       \
    "d.supplements, d.fee_vnd, d.paid_at, d.payment_way, d.finished_at, d.returned_at, "           \
    "d.closed_at, d.result_number, d.result_signer, d.return_way, d.reason, d.rating, d.flags, "   \
    "d.escalated_for, p.name, p.name_en, ar.name, ai.name, acc.full_name"
#define DFROM                                                                                      \
    "dossiers d JOIN procedures p ON p.code = d.procedure_code AND p.version = "                   \
    "d.procedure_version LEFT JOIN agencies ar ON ar.code = d.receiving LEFT JOIN agencies ai ON " \
    "ai.code = d.implementing LEFT JOIN accounts acc ON acc.id = d.assignee_id"

static const db_colmap dcols[] = {
    DBC(I64, dossier, id),
    DBC(I64, dossier, rev),
    DBC(TEXT, dossier, code),
    DBC(INT, dossier, status),
    DBC(TEXT, dossier, procedure_code),
    DBC(I64, dossier, procedure_version),
    DBC(INT, dossier, case_index),
    DBC(INT, dossier, channel),
    DBC(I64, dossier, owner_id),
    DBC(TEXT, dossier, applicant_kind),
    DBC(TEXT, dossier, applicant_name),
    DBC(TEXT, dossier, applicant_id_number),
    DBC(TEXT, dossier, applicant_phone),
    DBC(TEXT, dossier, applicant_email),
    DBC(TEXT, dossier, applicant_address),
    DBC(TEXT, dossier, unit_code),
    DBC(TEXT, dossier, receiving),
    DBC(TEXT, dossier, implementing),
    DBC(TEXT, dossier, handler),
    DBC(TEXT, dossier, handler_path),
    DBC(TEXT, dossier, handler_role),
    DBC(I64, dossier, assignee_id),
    DBC(INT, dossier, step),
    DBC(I64, dossier, step_started),
    DBC(I64, dossier, step_due),
    DBC(TEXT, dossier, form),
    DBC(TEXT, dossier, created_at),
    DBC(TEXT, dossier, created_by),
    DBC(I64, dossier, submitted_at),
    DBC(I64, dossier, received_at),
    DBC(I64, dossier, counted_from),
    DBC(I64, dossier, total_minutes),
    DBC(I64, dossier, due_at),
    DBC(I64, dossier, original_due),
    DBC(BOOL, dossier, extended),
    DBC(INT, dossier, supplements),
    DBC(I64, dossier, fee_vnd),
    DBC(I64, dossier, paid_at),
    DBC(TEXT, dossier, payment_way),
    DBC(I64, dossier, finished_at),
    DBC(I64, dossier, returned_at),
    DBC(I64, dossier, closed_at),
    DBC(TEXT, dossier, result_number),
    DBC(TEXT, dossier, result_signer),
    DBC(TEXT, dossier, return_way),
    DBC(TEXT, dossier, reason),
    DBC(INT, dossier, rating),
    DBC(I64, dossier, flags),
    DBC(I64, dossier, escalated_for),
    DBC(TEXT, dossier, procedure_name),
    DBC(TEXT, dossier, procedure_name_en),
    DBC(TEXT, dossier, receiving_name),
    DBC(TEXT, dossier, implementing_name),
    DBC(TEXT, dossier, assignee_name),
};
static const db_rowspec dspec = {
    .size = sizeof(dossier), .map = dcols, .ncols = (int)(sizeof dcols / sizeof dcols[0])};

/* Past due at x's clock. */
static void mark_late(const ts_ctx *x, dossier *d)
{
    if (!d->due_at || d->status == DS_DRAFT || d->status == DS_SUBMITTED)
        d->late = false;
    else if (d->finished_at)
        d->late = d->finished_at > d->due_at;
    else
        d->late = !d->closed_at && dossiers_now_min(x) > d->due_at;
}

static void mark_all(const ts_ctx *x, dossier *items, int n)
{
    for (int i = 0; i < n; i++)
        mark_late(x, &items[i]);
}

ts_code dossiers_load(ts_ctx *x, const char *code, int64_t id, dossier *out, bool *found)
{
    memset(out, 0, sizeof *out);
    if (code)
        TS_TRY(db_query_one(x->db, x->a, "SELECT " DCOLS " FROM " DFROM " WHERE d.code = ?",
                            (const db_val[]){DBV_T(code)}, 1, &dspec, out, found, x->err));
    else
        TS_TRY(db_query_one(x->db, x->a, "SELECT " DCOLS " FROM " DFROM " WHERE d.id = ?",
                            (const db_val[]){DBV_I(id)}, 1, &dspec, out, found, x->err));
    if (*found) mark_late(x, out);
    return TS_OK;
}

static const db_colmap ecols[] = {
    DBC(TEXT, dossier_event, at),       DBC(I64, dossier_event, at_min),
    DBC(TEXT, dossier_event, action),   DBC(INT, dossier_event, from_status),
    DBC(INT, dossier_event, to_status), DBC(INT, dossier_event, step),
    DBC(TEXT, dossier_event, agency),   DBC(TEXT, dossier_event, agency_name),
    DBC(TEXT, dossier_event, actor),    DBC(TEXT, dossier_event, actor_name),
    DBC(I64, dossier_event, step_due),  DBC(TEXT, dossier_event, reason),
};
static const db_rowspec espec = {.size = sizeof(dossier_event), .map = ecols, .ncols = 12};
static const db_colmap pcols[] = {
    DBC(I64, dossier_pause, from),
    DBC(I64, dossier_pause, to),
    DBC(TEXT, dossier_pause, reason),
};
static const db_rowspec pspec = {.size = sizeof(dossier_pause), .map = pcols, .ncols = 3};
static const db_colmap fcols[] = {
    DBC(I64, dossier_file, id),        DBC(TEXT, dossier_file, kind),
    DBC(INT, dossier_file, component), DBC(TEXT, dossier_file, sha256),
    DBC(TEXT, dossier_file, filename), DBC(TEXT, dossier_file, media_type),
    DBC(I64, dossier_file, size),      DBC(TEXT, dossier_file, reused_from),
    DBC(TEXT, dossier_file, added_at),
};
const db_rowspec dz_file_spec = {.size = sizeof(dossier_file), .map = fcols, .ncols = 9};

static const db_colmap paycols[] = {
    DBC(INT, dossier_payment, seq),
    DBC(I64, dossier_payment, amount_vnd),
    DBC(TEXT, dossier_payment, way),
    DBC(TEXT, dossier_payment, provider),
    DBC(BOOL, dossier_payment, online),
    DBC(TEXT, dossier_payment, reference),
    DBC(TEXT, dossier_payment, receipt_no),
    DBC(TEXT, dossier_payment, paid_at),
    DBC(I64, dossier_payment, paid_min),
    DBC(TEXT, dossier_payment, confirmed_by),
    DBC(TEXT, dossier_payment, confirmed_name),
};
static const db_rowspec payspec = {sizeof(dossier_payment), paycols, 11, NULL};

ts_code dossiers_view_fill(ts_ctx *x, dossier_view *v)
{
    void *rows;
    TS_TRY(db_query_all(x->db, x->a,
                        "SELECT e.at, e.at_min, e.action, e.from_status, e.to_status, e.step, "
                        "e.agency, ag.name, e.actor, e.actor_name, e.step_due, e.reason FROM "
                        "dossier_events e LEFT JOIN agencies ag ON ag.code = e.agency WHERE "
                        "e.dossier_id = ? ORDER BY e.id",
                        (const db_val[]){DBV_I(v->d.id)}, 1, &espec, 0, &rows, &v->nevents,
                        x->err));
    v->events = rows;
    TS_TRY(db_query_all(x->db, x->a,
                        "SELECT from_at, to_at, reason FROM dossier_pauses WHERE dossier_id = ? "
                        "ORDER BY from_at, id",
                        (const db_val[]){DBV_I(v->d.id)}, 1, &pspec, 0, &rows, &v->npauses,
                        x->err));
    v->pauses = rows;
    if (!v->public_view) {
        TS_TRY(db_query_all(x->db, x->a,
                            "SELECT id, kind, component, sha256, filename, media_type, size, "
                            "reused_from, added_at FROM dossier_files WHERE dossier_id = ? AND "
                            "removed_at IS NULL ORDER BY id",
                            (const db_val[]){DBV_I(v->d.id)}, 1, &dz_file_spec, 0, &rows,
                            &v->nfiles, x->err));
        v->files = rows;
        TS_TRY(db_query_all(x->db, x->a,
                            "SELECT seq, amount_vnd, way, provider, online, reference, receipt_no, "
                            "paid_at, paid_min, confirmed_by, confirmed_name FROM dossier_payments "
                            "WHERE dossier_id = ? ORDER BY seq",
                            (const db_val[]){DBV_I(v->d.id)}, 1, &payspec, 0, &rows, &v->npayments,
                            x->err));
        v->payments = rows;
    }
    const dz_pv *pv;
    TS_TRY(dz_pv_get(x, &v->d, &pv));
    v->nsteps = pv->nsteps;
    v->steps = arena_alloc(x->a, sizeof *v->steps * (size_t)(pv->nsteps ? pv->nsteps : 1));
    for (int i = 0; i < pv->nsteps; i++) {
        v->steps[i] = pv->steps[i];
        const char *a = pv->steps[i].agency;
        v->steps[i].agency = !strcmp(a, "receiving")      ? v->d.receiving
                             : !strcmp(a, "implementing") ? v->d.implementing
                                                          : arena_strdup(x->a, a);
        v->steps[i].name = arena_strdup(x->a, pv->steps[i].name);
        v->steps[i].name_en =
            pv->steps[i].name_en ? arena_strdup(x->a, pv->steps[i].name_en) : NULL;
        v->steps[i].role = arena_strdup(x->a, pv->steps[i].role);
    }
    if (!v->public_view) {
        v->components = pv->components ? arena_strdup(x->a, pv->components) : NULL;
        v->case_json = v->d.case_index >= 0 && v->d.case_index < pv->ncases
                           ? arena_strdup(x->a, pv->cases[v->d.case_index])
                           : NULL;
    }
    v->owner = x->who->account_id && x->who->account_id == v->d.owner_id;
    if (v->public_view) return TS_OK;
    return dossiers_allowed(x, v);
}

/* Does x->who hold any staff role on the agency code (or above it)? */
static ts_code staff_of(ts_ctx *x, const char *code, bool *may)
{
    *may = false;
    if (!code || !x->who->ngrants) return TS_OK;
    agency ag;
    ts_code rc = agencies_find(x, code, &ag);
    if (rc == TS_ENOTFOUND) return TS_OK;
    TS_TRY(rc);
    *may = ts_may(x, ROLE_OFFICER, ag.path) || ts_may(x, ROLE_LEADER, ag.path) ||
           ts_may(x, ROLE_AGENCY_ADMIN, ag.path);
    return TS_OK;
}

ts_code dossiers_may_read(ts_ctx *x, const dossier *d, bool *may)
{
    *may = x->who->account_id && x->who->account_id == d->owner_id;
    if (*may || d->status == DS_DRAFT) return TS_OK;
    if (x->who->account_id && x->who->account_id == d->assignee_id) {
        *may = true;
        return TS_OK;
    }
    TS_TRY(staff_of(x, d->receiving, may));
    if (!*may) TS_TRY(staff_of(x, d->implementing, may));
    if (!*may && d->handler && strcmp(d->handler, d->receiving) &&
        strcmp(d->handler, d->implementing))
        TS_TRY(staff_of(x, d->handler, may));
    return TS_OK;
}

static ts_code not_found(ts_ctx *x, const char *code)
{
    if (!dossiers_code_valid(code))
        return ts_err_field(x->err, TS_ENOTFOUND, "code", M_DOSSIER_CODE, NULL);
    return ts_err_set(x->err, TS_ENOTFOUND, M_DOSSIER_NOT_FOUND, code);
}

ts_code dossiers_get(ts_ctx *x, const char *code, dossier_view *out)
{
    memset(out, 0, sizeof *out);
    if (!dossiers_code_valid(code)) return not_found(x, code);
    bool found, may = false;
    TS_TRY(dossiers_load(x, code, 0, &out->d, &found));
    if (found) TS_TRY(dossiers_may_read(x, &out->d, &may));
    if (!found || !may) return not_found(x, code); /* another's dossier does not exist */
    return dossiers_view_fill(x, out);
}

ts_code dossiers_lookup(ts_ctx *x, const char *code, dossier_view *out)
{
    memset(out, 0, sizeof *out);
    if (!dossiers_code_valid(code)) return not_found(x, code);
    bool found;
    TS_TRY(dossiers_load(x, code, 0, &out->d, &found));
    if (!found || out->d.status == DS_DRAFT) return not_found(x, code);
    out->public_view = true; /* no papers, no actions: nothing personal */
    return dossiers_view_fill(x, out);
}

ts_code dossiers_rev(ts_ctx *x, const char *code, int64_t *rev)
{
    *rev = 0;
    if (!dossiers_code_valid(code)) return TS_OK;
    return db_int(x->db, x->err, rev, 0, "SELECT rev FROM dossiers WHERE code = ? AND status > 0",
                  DBV_T(code));
}

/* ---- listings ------------------------------------------------------------ */

static int status_of_word(const char *w)
{
    for (int i = 0; i <= DS_RETURNED; i++)
        if (!strcmp(status_words[i], w)) return i;
    return -1;
}

/* Restrict w to dossiers whose agency column col lies within x->who's staff
 * grants (nothing for a system admin; "0 = 1" without grants). col is an
 * agency code column: the match goes through the agencies' paths. */
static void scope(ts_ctx *x, dbw *w, const char *col)
{
    ts_staff_scope(
        x, w, "sa.path",
        arena_printf(x->a, "%s IN (SELECT sa.code FROM agencies sa WHERE %s)", col, "%s"));
}

static const char *like_prefix(arena *a, const char *s)
{
    size_t n = strlen(s);
    char *o = arena_alloc(a, 2 * n + 2), *q = o;
    for (const char *p = s; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\') *q++ = '\\';
        *q++ = *p;
    }
    *q++ = '%';
    *q = '\0';
    return o;
}

ts_code dossiers_list(ts_ctx *x, const dossiers_query *q, dossier **items, int *n, int64_t *total)
{
    *items = arena_calloc(x->a, sizeof **items);
    *n = 0;
    *total = 0;
    dbw w;
    dbw_init(&w, x->a);
    dbw_and(&w, "d.status > ?", DBV_I(DS_DRAFT));
    const char *queue = q->queue ? q->queue : "agency";
    if (!strcmp(queue, "mine")) {
        dbw_and(&w, "d.assignee_id = ?", DBV_I(x->who->account_id));
    } else if (!strcmp(queue, "agency")) {
        dbw_add(&w, "d.handler IS NOT NULL", NULL, 0);
        scope(x, &w, "d.handler");
    } else { /* all: received by or implemented in my agencies */
        dbw w2, w3;
        dbw_init(&w2, x->a);
        dbw_init(&w3, x->a);
        scope(x, &w2, "d.receiving");
        scope(x, &w3, "d.implementing");
        if (*w2.sql) {
            db_val *v = arena_calloc(x->a, sizeof *v * (size_t)(w2.nvals + w3.nvals));
            memcpy(v, w2.vals, sizeof *v * (size_t)w2.nvals);
            memcpy(v + w2.nvals, w3.vals, sizeof *v * (size_t)w3.nvals);
            dbw_add(&w, arena_printf(x->a, "(%s OR %s)", w2.sql, w3.sql), v, w2.nvals + w3.nvals);
        }
    }
    if (q->status) {
        int st = status_of_word(q->status);
        dbw_and(&w, "d.status = ?", DBV_I(st));
    }
    dbw_text(&w, "d.procedure_code = ?", q->procedure);
    if (q->agency)
        dbw_and(&w, "(d.receiving = ? OR d.implementing = ?)", DBV_T(q->agency), DBV_T(q->agency));
    if (q->q)
        dbw_and(&w, "(d.code LIKE ? ESCAPE '\\' OR d.applicant_id_number = ?)",
                DBV_T(like_prefix(x->a, q->q)), DBV_T(q->q));
    if (q->overdue)
        dbw_and(&w, "d.status IN (2, 4, 6) AND d.due_at IS NOT NULL AND d.due_at < ?",
                DBV_I(dossiers_now_min(x)));
    dbw_text(&w, "d.implementing = ?", q->implementing);
    if (q->measure) TS_TRY(dossiers_measure(x, q->measure, q->from, q->to, &w));
    dbw_page_q pq = {.cols = DCOLS,
                     .from = DFROM,
                     .order = "d.due_at IS NULL, d.due_at, d.id",
                     .limit = q->limit,
                     .offset = q->offset};
    void *rows;
    TS_TRY(dbw_page(x->db, &w, &pq, &dspec, &rows, n, total, x->err));
    *items = rows;
    mark_all(x, *items, *n);
    return TS_OK;
}

ts_code dossiers_mine(ts_ctx *x, int64_t limit, int64_t offset, dossier **items, int *n,
                      int64_t *total)
{
    dbw w;
    dbw_init(&w, x->a);
    dbw_and(&w, "d.owner_id = ?", DBV_I(x->who->account_id ? x->who->account_id : -1));
    dbw_and(&w, "d.status > ?", DBV_I(DS_DRAFT));
    dbw_page_q pq = {
        .cols = DCOLS, .from = DFROM, .order = "d.id DESC", .limit = limit, .offset = offset};
    void *rows;
    TS_TRY(dbw_page(x->db, &w, &pq, &dspec, &rows, n, total, x->err));
    *items = rows;
    mark_all(x, *items, *n);
    return TS_OK;
}

ts_code dossiers_drafts(ts_ctx *x, dossier **items, int *n)
{
    void *rows;
    TS_TRY(db_query_all(x->db, x->a,
                        "SELECT " DCOLS " FROM " DFROM " WHERE d.owner_id = ? AND d.status = 0 "
                        "ORDER BY d.id DESC",
                        (const db_val[]){DBV_I(x->who->account_id ? x->who->account_id : -1)}, 1,
                        &dspec, 200, &rows, n, x->err));
    *items = rows;
    return TS_OK;
}

int64_t dossiers_now_min(const ts_ctx *x)
{
    int64_t s = x->now_us / 1000000;
    return (s >= 0 ? s / 60 : (s - 59) / 60) + 7 * 60;
}
