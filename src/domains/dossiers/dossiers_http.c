/*
 * dossiers_http — the doors of the dossiers domain: a citizen's drafts and
 * their files, submission, the officer's counter intake, the queues, one
 * dossier with its actions, and the public lookup by code (no personal
 * data; misses rate limited per address).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../http/http.h"
#include "../../http/server.h"
#include "../../lib/jsonw.h"
#include "../../lib/log.h"
#include "../../lib/validate.h"
#include "../../platform/ratelim.h"
#include "../../platform/secev.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "../files/files.h"
#include "../routes.h"
#include "dossiers_int.h"

/* ---- input ------------------------------------------------------------------------ */

static const char *const applicant_kinds[] = {"citizen", "business", NULL};
static const char *const intake_channels[] = {"counter", "post", NULL};
static const char *const queues[] = {"mine", "agency", "all", NULL};
static const char *const status_words[] = {
    "submitted", "received",  "refused", "processing", "supplement_requested",
    "fee_due",   "withdrawn", "stopped", "done",       "returned",
    NULL,
};
static const char *const ways[] = {"online", "counter", "post", "bank_transfer", NULL};
static const char *const file_kinds[] = {"component", "scan", "result", NULL};

/* A citizen identity number (12 digits), an old identity card (9), or a
 * business's tax code (10 digits, a branch: -NNN). */
static bool id_number_ok(const char *s)
{
    size_t n = strspn(s, "0123456789");
    if (n == 12 || n == 9) return !s[n];
    if (n != 10) return false;
    if (!s[n]) return true;
    return s[n] == '-' && strspn(s + n + 1, "0123456789") == 3 && !s[n + 4];
}
static const ts_format FMT_ID_NUMBER = {id_number_ok, M_FIELD_FORMAT,
                                        "123456789012 / 0101234567 / 0101234567-001"};

#define N(m) JX_INTO(dossier_new, m)
#define APPLICANT                                                                                  \
    {.name = "applicant_kind",                                                                     \
     .type = JX_STRING,                                                                            \
     .max_chars = 10,                                                                              \
     .enums = applicant_kinds,                                                                     \
     .enum_list = "citizen, business",                                                             \
     N(applicant.kind)},                                                                           \
        {.name = "applicant_name", .type = JX_STRING, .max_chars = 200, N(applicant.name)},        \
        {.name = "applicant_id_number",                                                            \
         .type = JX_STRING,                                                                        \
         .max_chars = 14,                                                                          \
         .format = &FMT_ID_NUMBER,                                                                 \
         N(applicant.id_number)},                                                                  \
        {.name = "applicant_phone",                                                                \
         .type = JX_STRING,                                                                        \
         .max_chars = 20,                                                                          \
         .format = &FMT_PHONE,                                                                     \
         N(applicant.phone)},                                                                      \
        {.name = "applicant_email",                                                                \
         .type = JX_STRING,                                                                        \
         .max_chars = 254,                                                                         \
         .format = &FMT_EMAIL,                                                                     \
         N(applicant.email)},                                                                      \
    {                                                                                              \
        .name = "applicant_address", .type = JX_STRING, .max_chars = 300, N(applicant.address)     \
    }
#define PLACE                                                                                      \
    {.name = "unit", .type = JX_STRING, .max_chars = 10, N(unit)},                                 \
        {.name = "receiving",                                                                      \
         .type = JX_STRING,                                                                        \
         .max_chars = AGENCY_CODE_MAX,                                                             \
         .format = &FMT_AGENCY_CODE,                                                               \
         N(receiving)},                                                                            \
    {                                                                                              \
        .name = "form", .type = JX_OBJECT                                                          \
    }

static const jx_field draft_body[] = {
    {.name = "procedure", .type = JX_STRING, .required = true, .max_chars = 20, N(procedure)},
    {.name = "case", .type = JX_INT, .min = 0, .max = 99, N(case_index)},
    PLACE,
    APPLICANT,
    {0},
};
static const jx_field draft_patch[] = {
    {.name = "case", .type = JX_INT, .min = 0, .max = 99, .def = -1, N(case_index)},
    PLACE,
    APPLICANT,
    {0},
};
static const jx_field intake_body[] = {
    {.name = "procedure", .type = JX_STRING, .required = true, .max_chars = 20, N(procedure)},
    {.name = "case", .type = JX_INT, .min = 0, .max = 99, N(case_index)},
    {.name = "channel",
     .type = JX_STRING,
     .required = true,
     .max_chars = 10,
     .enums = intake_channels,
     .enum_list = "counter, post",
     N(channel)},
    {.name = "owner", .type = JX_STRING, .max_chars = 100, N(owner)},
    PLACE,
    APPLICANT,
    {0},
};
#undef N

#define A(m) JX_INTO(dossier_action, m)
static const jx_field action_body[] = {
    {.name = "action",
     .type = JX_STRING,
     .required = true,
     .max_chars = 30,
     .enums = dossier_actions,
     .enum_list = "receive, refuse, forward, send_back, assign, request_supplement, supplement, "
                  "fee_due, pay, finish, return, withdraw, stop, extend, rate",
     A(action)},
    {.name = "rev", .type = JX_INT, .min = 1, .max = INT32_MAX, A(rev)},
    {.name = "reason", .type = JX_STRING, .max_chars = 2000, A(reason)},
    {.name = "assignee", .type = JX_INT, .min = 1, .max = INT32_MAX, A(assignee)},
    {.name = "result_number", .type = JX_STRING, .max_chars = 100, A(result_number)},
    {.name = "signer", .type = JX_STRING, .max_chars = 200, A(signer)},
    {.name = "way",
     .type = JX_STRING,
     .max_chars = 20,
     .enums = ways,
     .enum_list = "online, counter, post, bank_transfer",
     A(way)},
    {.name = "new_due", .type = JX_STRING, .max_chars = 22, A(new_due)},
    {.name = "reference", .type = JX_STRING, .max_chars = 100, A(reference)},
    {.name = "amount_vnd", .type = JX_INT, .min = 1, .max = 100000000000LL, A(amount_vnd)},
    {.name = "confirm_late", .type = JX_BOOL, A(confirm_late)},
    {.name = "rating", .type = JX_INT, .min = 1, .max = 5, A(rating)},
    {0},
};
#undef A

/* Several dossiers at once: only assign so far; another action joins
 * bulk_actions when its members join the body. */
static const char *const bulk_actions[] = {"assign", NULL};
typedef struct bulk_in {
    const char *action;
    int64_t assignee;
} bulk_in;
static const jx_field bulk_body[] = {
    {.name = "action",
     .type = JX_STRING,
     .required = true,
     .max_chars = 30,
     .enums = bulk_actions,
     .enum_list = "assign",
     JX_INTO(bulk_in, action)},
    {.name = "codes", .type = JX_ARRAY, .required = true, .not_null = true},
    {.name = "revs", .type = JX_ARRAY},
    {.name = "assignee", .type = JX_INT, .min = 1, .max = INT32_MAX, JX_INTO(bulk_in, assignee)},
    {0},
};

static const char *const assignee_roles[] = {ROLE_OFFICER, ROLE_LEADER, NULL};
typedef struct assignee_q {
    const char *agency, *role;
} assignee_q;
static const jx_field assignee_query[] = {
    {.name = "agency",
     .type = JX_STRING,
     .required = true,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     JX_INTO(assignee_q, agency)},
    {.name = "role",
     .type = JX_STRING,
     .max_chars = 20,
     .enums = assignee_roles,
     .enum_list = "officer, leader",
     JX_INTO(assignee_q, role)},
    {0},
};

#define Q(m) JX_INTO(dossiers_query, m)
static const jx_field list_query[] = {
    HTTP_PAGE_INTO(dossiers_query, 50, 200),
    {.name = "queue",
     .type = JX_STRING,
     .max_chars = 10,
     .enums = queues,
     .enum_list = "mine, agency, all",
     Q(queue)},
    {.name = "status",
     .type = JX_STRING,
     .max_chars = 30,
     .enums = status_words,
     .enum_list = "submitted, received, refused, processing, supplement_requested, fee_due, "
                  "withdrawn, stopped, done, returned",
     Q(status)},
    {.name = "procedure", .type = JX_STRING, .max_chars = 20, Q(procedure)},
    {.name = "agency",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     Q(agency)},
    {.name = "q", .type = JX_STRING, .max_chars = 40, Q(q)},
    {.name = "overdue", .type = JX_BOOL, Q(overdue)},
    {.name = "measure",
     .type = JX_STRING,
     .max_chars = 30,
     .enums = dossier_measures,
     .enum_list = "carried_over, received_online, received_counter, received_post, "
                  "finished_early, finished_on_time, finished_late, in_progress_within, "
                  "in_progress_overdue, withdrawn, refused, stopped",
     Q(measure)},
    JX_DATE("from", Q(from)),
    JX_DATE("to", Q(to)),
    {.name = "implementing",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     Q(implementing)},
    {0},
};
#undef Q
static const jx_field page_query[] = {HTTP_PAGING(20, 100), {0}};

typedef struct file_q {
    const char *filename, *kind, *reuse;
    int64_t component;
} file_q;
static const jx_field file_query[] = {
    {.name = "filename", .type = JX_STRING, .max_chars = 200, JX_INTO(file_q, filename)},
    {.name = "kind",
     .type = JX_STRING,
     .max_chars = 10,
     .enums = file_kinds,
     .enum_list = "component, scan, result",
     JX_INTO(file_q, kind)},
    {.name = "component",
     .type = JX_INT,
     .min = -1,
     .max = 99,
     .def = -1,
     JX_INTO(file_q, component)},
    {.name = "reuse", .type = JX_STRING, .max_chars = 64, JX_INTO(file_q, reuse)},
    {0},
};

/* ---- output ------------------------------------------------------------------------ */

static void ktime(jsonw *w, const char *k, int64_t t)
{
    char buf[32];
    jw_kstr(w, k, t ? wt_format_local(t, buf, sizeof buf) : NULL);
}

static void write_status(jsonw *w, const dossier *d)
{
    jw_kint(w, "status", d->status);
    jw_kstr(w, "status_word", dossier_status_word(d->status));
    jw_kstr(w, "status_name", dossier_status_name(d->status, 0));
    jw_kstr(w, "status_name_en", dossier_status_name(d->status, 1));
}

static void write_agency(jsonw *w, const char *k, const char *code, const char *name)
{
    jw_key(w, k);
    jw_obj_begin(w);
    jw_kstr(w, "code", code);
    jw_kstr(w, "name", name);
    jw_obj_end(w);
}

static void write_procedure(jsonw *w, const dossier *d)
{
    jw_key(w, "procedure");
    jw_obj_begin(w);
    jw_kstr(w, "code", d->procedure_code);
    jw_kint(w, "version", d->procedure_version);
    jw_kstr(w, "name", d->procedure_name);
    jw_kstr(w, "name_en", d->procedure_name_en);
    jw_obj_end(w);
}

/* What anyone may see of a dossier (the public lookup's core, and the
 * start of every other shape). */
static void write_public_core(jsonw *w, const dossier *d)
{
    jw_kstr(w, "code", d->code);
    write_status(w, d);
    write_procedure(w, d);
    jw_kint(w, "case", d->case_index);
    jw_kstr(w, "channel", dossier_channel_word(d->channel));
    jw_kint(w, "channel_code", d->channel);
    write_agency(w, "receiving", d->receiving, d->receiving_name);
    write_agency(w, "implementing", d->implementing, d->implementing_name);
    ktime(w, "submitted_at", d->submitted_at);
    ktime(w, "received_at", d->received_at);
    ktime(w, "due_at", d->due_at);
    ktime(w, "original_due", d->original_due);
    jw_kbool(w, "extended", d->extended);
    ktime(w, "finished_at", d->finished_at);
    ktime(w, "returned_at", d->returned_at);
    ktime(w, "closed_at", d->closed_at);
    jw_kint(w, "supplements", d->supplements);
    jw_kbool(w, "late", d->late);
    jw_kbool(w, "escalated", d->status == DS_PROCESSING && d->escalated_for);
}

/* A listing's item: the public core plus who applied and where it stands. */
static void write_item_t(jsonw *w, const dossier *d)
{
    jw_obj_begin(w);
    jw_kint(w, "id", d->id);
    jw_kint(w, "rev", d->rev);
    write_public_core(w, d);
    jw_kstr(w, "applicant_name", d->applicant_name);
    jw_kstr(w, "handler", d->handler);
    jw_kstr(w, "handler_role", d->handler_role);
    jw_kint(w, "step", d->step);
    ktime(w, "step_due", d->step_due);
    if (d->assignee_id) {
        jw_key(w, "assignee");
        jw_obj_begin(w);
        jw_kint(w, "id", d->assignee_id);
        jw_kstr(w, "name", d->assignee_name);
        jw_obj_end(w);
    } else {
        jw_key(w, "assignee");
        jw_null(w);
    }
}
JX_WRITER(write_item, dossier, write_item_t)

static void write_steps(jsonw *w, const dossier_view *v, bool pub)
{
    jw_key(w, "steps");
    jw_arr_begin(w);
    for (int i = 0; i < v->nsteps; i++) {
        const dossier_step *s = &v->steps[i];
        jw_obj_begin(w);
        jw_kstr(w, "name", s->name);
        jw_kstr(w, "name_en", s->name_en);
        if (!pub) {
            jw_kstr(w, "role", s->role);
            jw_kstr(w, "agency", s->agency);
        }
        jw_kint(w, "share_percent", s->share_percent);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void write_history(jsonw *w, const dossier_view *v, bool pub)
{
    jw_key(w, "history");
    jw_arr_begin(w);
    for (int i = 0; i < v->nevents; i++) {
        const dossier_event *e = &v->events[i];
        jw_obj_begin(w);
        jw_kstr(w, "action", e->action);
        jw_kstr(w, "action_name", dossier_action_name(e->action, 0));
        jw_kstr(w, "action_name_en", dossier_action_name(e->action, 1));
        ktime(w, "at", e->at_min);
        jw_kstr(w, "from", dossier_status_word(e->from_status));
        jw_kstr(w, "to", dossier_status_word(e->to_status));
        jw_kint(w, "step", e->step);
        jw_kstr(w, "step_name", e->step < v->nsteps ? v->steps[e->step].name : NULL);
        jw_kstr(w, "agency", e->agency);
        jw_kstr(w, "agency_name", e->agency_name);
        ktime(w, "step_due", e->step_due);
        if (!pub) {
            jw_kstr(w, "actor", e->actor);
            jw_kstr(w, "actor_name", e->actor_name);
            jw_kstr(w, "reason", e->reason);
            jw_kstr(w, "at_exact", e->at);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "pauses");
    jw_arr_begin(w);
    for (int i = 0; i < v->npauses; i++) {
        jw_obj_begin(w);
        ktime(w, "from", v->pauses[i].from);
        ktime(w, "to", v->pauses[i].to);
        if (!pub) jw_kstr(w, "reason", v->pauses[i].reason);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void write_file_t(jsonw *w, const dossier_file *f)
{
    jw_obj_begin(w);
    jw_kint(w, "id", f->id);
    jw_kstr(w, "kind", f->kind);
    jw_kint(w, "component", f->component);
    jw_kstr(w, "sha256", f->sha256);
    jw_kstr(w, "filename", f->filename);
    jw_kstr(w, "media_type", f->media_type);
    jw_kint(w, "size", f->size);
    jw_kstr(w, "reused_from", f->reused_from);
    jw_kstr(w, "added_at", f->added_at);
}
JX_WRITER(write_file, dossier_file, write_file_t)

static void write_public_t(jsonw *w, const dossier_view *v)
{
    jw_obj_begin(w);
    write_public_core(w, &v->d);
    jw_kint(w, "step", v->d.step);
    write_steps(w, v, true);
    write_history(w, v, true);
}
JX_WRITER(write_public, dossier_view, write_public_t)

static void write_view_t(jsonw *w, const dossier_view *v)
{
    const dossier *d = &v->d;
    jw_obj_begin(w);
    jw_kint(w, "id", d->id);
    jw_kint(w, "rev", d->rev);
    write_public_core(w, d);
    jw_key(w, "applicant");
    jw_obj_begin(w);
    jw_kstr(w, "kind", d->applicant_kind);
    jw_kstr(w, "name", d->applicant_name);
    jw_kstr(w, "id_number", d->applicant_id_number);
    jw_kstr(w, "phone", d->applicant_phone);
    jw_kstr(w, "email", d->applicant_email);
    jw_kstr(w, "address", d->applicant_address);
    jw_obj_end(w);
    jw_kstr(w, "unit", d->unit_code);
    jw_kbool(w, "mine", v->owner);
    jw_kint(w, "step", d->step);
    ktime(w, "step_started", d->step_started);
    ktime(w, "step_due", d->step_due);
    jw_kstr(w, "handler", d->handler);
    jw_kstr(w, "handler_role", d->handler_role);
    jw_key(w, "assignee");
    if (d->assignee_id) {
        jw_obj_begin(w);
        jw_kint(w, "id", d->assignee_id);
        jw_kstr(w, "name", d->assignee_name);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    ktime(w, "counted_from", d->counted_from);
    jw_kint(w, "total_minutes", d->total_minutes);
    jw_kint(w, "fee_vnd", d->fee_vnd);
    ktime(w, "paid_at", d->paid_at);
    jw_kstr(w, "payment_way", d->payment_way);
    jw_kstr(w, "result_number", d->result_number);
    jw_kstr(w, "result_signer", d->result_signer);
    jw_kstr(w, "return_way", d->return_way);
    jw_kstr(w, "reason", d->reason);
    if (d->rating)
        jw_kint(w, "rating", d->rating);
    else {
        jw_key(w, "rating");
        jw_null(w);
    }
    jw_kstr(w, "created_at", d->created_at);
    jw_key(w, "form");
    jw_raw(w, d->form, strlen(d->form));
    jw_key(w, "components");
    if (v->components)
        jw_raw(w, v->components, strlen(v->components));
    else
        jw_null(w);
    jw_key(w, "files");
    jw_arr_begin(w);
    for (int i = 0; i < v->nfiles; i++) {
        write_file_t(w, &v->files[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "payments");
    jw_arr_begin(w);
    for (int i = 0; i < v->npayments; i++) {
        const dossier_payment *p = &v->payments[i];
        jw_obj_begin(w);
        jw_kint(w, "seq", p->seq);
        jw_kint(w, "amount_vnd", p->amount_vnd);
        jw_kstr(w, "way", p->way);
        jw_kstr(w, "provider", p->provider);
        jw_kbool(w, "online", p->online);
        jw_kstr(w, "reference", p->reference);
        jw_kstr(w, "receipt_no", p->receipt_no);
        jw_kstr(w, "paid_at", p->paid_at);
        jw_kstr(w, "confirmed_by", p->confirmed_name);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    write_steps(w, v, false);
    write_history(w, v, false);
    jw_key(w, "actions");
    jw_arr_begin(w);
    for (int i = 0; v->actions && v->actions[i]; i++)
        jw_str(w, v->actions[i]);
    jw_arr_end(w);
}
JX_WRITER(write_view, dossier_view, write_view_t)

/* ---- drafts ------------------------------------------------------------------------ */

/* The form member, as JSON text (NULL when absent). */
static const char *form_of(http_req *r)
{
    json_t *f = http_in_json(r, "form");
    return f && json_is_object(f) ? jx_dump(r->a, f, NULL) : NULL;
}

static ts_code h_draft_create(http_req *r, ts_ctx *x)
{
    dossier_new in = {0};
    http_in_read(r, &in);
    in.form = form_of(r);
    in.idem_key = http_header(r, "Idempotency-Key");
    dossier_view v;
    TS_TRY(dossiers_draft_create(x, &in, &v));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/drafts/%lld", (long long)v.d.id));
    return http_reply_one(r, 201, write_view, &v);
}

static ts_code h_drafts(http_req *r, ts_ctx *x)
{
    dossier *items;
    int n;
    TS_TRY(dossiers_drafts(x, &items, &n));
    return http_reply_page(r, items, sizeof *items, n, write_item, n, 200, 0);
}

static ts_code h_draft_get(http_req *r, ts_ctx *x)
{
    dossier_view v;
    TS_TRY(dossiers_draft_get(x, http_id(r, "id"), &v));
    return http_reply_one(r, 200, write_view, &v);
}

static ts_code h_draft_patch(http_req *r, ts_ctx *x)
{
    dossier_new in = {0};
    http_in_read(r, &in);
    in.form = form_of(r);
    dossier_view v;
    TS_TRY(dossiers_draft_update(x, http_id(r, "id"), &in, &v));
    return http_reply_one(r, 200, write_view, &v);
}

static ts_code h_draft_delete(http_req *r, ts_ctx *x)
{
    TS_TRY(dossiers_draft_delete(x, http_id(r, "id")));
    return http_reply(r, 204, NULL, "", 0);
}

static ts_code add_file(http_req *r, ts_ctx *x, int64_t draft, const char *code)
{
    file_q q = {0};
    http_query_read(r, &q);
    dossier_file_in in = {.draft_id = draft,
                          .code = code,
                          .kind = q.kind ? q.kind : "component",
                          .component = (int)q.component,
                          .filename = q.filename,
                          .claimed_type = http_header(r, "Content-Type"),
                          .data = r->body,
                          .len = r->body_len,
                          .reuse = q.reuse};
    if (!q.reuse && !q.filename)
        return ts_err_field(x->err, TS_EINVAL, "filename", M_FIELD_REQUIRED, NULL);
    dossier_file f;
    TS_TRY(dossiers_file_add(x, &in, &f));
    return http_reply_one(r, 201, write_file, &f);
}

static ts_code h_draft_file_add(http_req *r, ts_ctx *x)
{
    return add_file(r, x, http_id(r, "id"), NULL);
}

static ts_code h_draft_file_remove(http_req *r, ts_ctx *x)
{
    TS_TRY(dossiers_file_remove(x, http_id(r, "id"), http_id(r, "file")));
    return http_reply(r, 204, NULL, "", 0);
}

static ts_code send_file(http_req *r, ts_ctx *x, int64_t draft, const char *code)
{
    dossier_file f;
    const void *data;
    TS_TRY(dossiers_file_get(x, draft, code, http_param(r, "sha256"), &f, &data));
    http_add_header(r, "Cache-Control", "private, no-store");
    http_add_header(r, "Content-Disposition", http_attachment(r->a, f.filename));
    return http_reply(r, 200, f.media_type, data, (size_t)f.size);
}

static ts_code h_draft_file_get(http_req *r, ts_ctx *x)
{
    return send_file(r, x, http_id(r, "id"), NULL);
}

static ts_code h_submit(http_req *r, ts_ctx *x)
{
    dossier_view v;
    bool created;
    TS_TRY(dossiers_submit(x, http_id(r, "id"), &v, &created));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/dossiers/%s", v.d.code));
    return http_reply_one(r, created ? 201 : 200, write_view, &v);
}

/* ---- dossiers ---------------------------------------------------------------------- */

static ts_code h_intake(http_req *r, ts_ctx *x)
{
    dossier_new in = {0};
    http_in_read(r, &in);
    in.form = form_of(r);
    in.idem_key = http_header(r, "Idempotency-Key");
    dossier_view v;
    bool created;
    TS_TRY(dossiers_intake(x, &in, &v, &created));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/dossiers/%s", v.d.code));
    return http_reply_one(r, created ? 201 : 200, write_view, &v);
}

static ts_code h_list(http_req *r, ts_ctx *x)
{
    dossiers_query q = {0};
    http_query_read(r, &q);
    dossier *items;
    int n;
    int64_t total;
    TS_TRY(dossiers_list(x, &q, &items, &n, &total));
    return http_reply_page(r, items, sizeof *items, n, write_item, total, q.limit, q.offset);
}

static ts_code h_mine(http_req *r, ts_ctx *x)
{
    int64_t limit = http_qint(r, "limit"), offset = http_qint(r, "offset");
    dossier *items;
    int n;
    int64_t total;
    TS_TRY(dossiers_mine(x, limit, offset, &items, &n, &total));
    return http_reply_page(r, items, sizeof *items, n, write_item, total, limit, offset);
}

static ts_code h_documents(http_req *r, ts_ctx *x)
{
    dossier_file *items;
    int n;
    TS_TRY(dossiers_documents(x, &items, &n));
    return http_reply_page(r, items, sizeof *items, n, write_file, n, 500, 0);
}

static ts_code h_get(http_req *r, ts_ctx *x)
{
    dossier_view v;
    TS_TRY(dossiers_get(x, http_param(r, "code"), &v));
    return http_reply_one(r, 200, write_view, &v);
}

static ts_code h_act(http_req *r, ts_ctx *x)
{
    dossier_action a = {0};
    http_in_read(r, &a);
    const char *im = http_header(r, "If-Match");
    if (!a.rev && im) { /* If-Match: "7" */
        long long v = 0;
        if (sscanf(im, "\"%lld\"", &v) == 1 || sscanf(im, "%lld", &v) == 1) a.rev = v;
    }
    dossier_view v;
    TS_TRY(dossiers_act(x, http_param(r, "code"), &a, &v));
    return http_reply_one(r, 200, write_view, &v);
}

/* The codes (and revisions) of a bulk action, each checked: every bad one
 * named in one 422 before anything changes. */
static ts_code bulk_items(http_req *r, ts_ctx *x, dossier_bulk_item **out, size_t *np)
{
    json_t *codes = http_in_json(r, "codes"), *revs = http_in_json(r, "revs");
    size_t n = json_array_size(codes);
    if (n < 1 || n > DOSSIER_BULK_MAX)
        return ts_err_field(x->err, TS_EVALIDATION, "codes", M_DOSSIER_BULK_COUNT,
                            arena_printf(r->a, "%d", DOSSIER_BULK_MAX));
    if (revs && json_array_size(revs) != n)
        return ts_err_field(x->err, TS_EVALIDATION, "revs", M_DOSSIER_BULK_REVS,
                            arena_printf(r->a, "%zu", n));
    dossier_bulk_item *items = arena_calloc(r->a, sizeof *items * n);
    for (size_t i = 0; i < n; i++) {
        const char *f = arena_printf(r->a, "codes[%zu]", i);
        const char *c = json_string_value(json_array_get(codes, i));
        if (!c)
            ts_err_field(x->err, TS_EVALIDATION, f, M_FIELD_TYPE_STRING, NULL);
        else if (!dossiers_code_valid(c))
            ts_err_field(x->err, TS_EVALIDATION, f, M_DOSSIER_CODE, NULL);
        for (size_t j = 0; c && j < i; j++)
            if (items[j].code && !strcmp(items[j].code, c)) {
                ts_err_field(x->err, TS_EVALIDATION, f, M_DOSSIER_BULK_TWICE, c);
                break;
            }
        items[i].code = c;
        if (!revs) continue;
        json_t *v = json_array_get(revs, i);
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            ts_err_field(x->err, TS_EVALIDATION, arena_printf(r->a, "revs[%zu]", i),
                         M_FIELD_TYPE_INTEGER, NULL);
        else
            items[i].rev = json_integer_value(v);
    }
    if (x->err->nfields) return x->err->code;
    *out = items;
    *np = n;
    return TS_OK;
}

/* POST /api/v1/dossiers/bulk-actions: 200 with each code's outcome. */
static ts_code h_bulk(http_req *r, ts_ctx *x)
{
    bulk_in in = {0};
    http_in_read(r, &in);
    dossier_bulk_item *items = NULL;
    size_t n = 0;
    TS_TRY(bulk_items(r, x, &items, &n));
    dossier_action a = {.action = in.action, .assignee = in.assignee};
    TS_TRY(dossiers_act_each(x, &a, items, (int)n));
    int done = 0;
    bool denied = false;
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "results");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        const dossier_bulk_item *it = &items[i];
        jw_obj_begin(w);
        jw_kstr(w, "code", it->code);
        jw_kbool(w, "ok", it->rc == TS_OK);
        if (it->rc == TS_OK) {
            done++;
            jw_kint(w, "rev", it->rev);
        } else {
            denied |= it->rc == TS_EFORBIDDEN;
            if (ts_code_http_status(it->rc) >= 500 && it->err.debug[0])
                log_error("request %s %s: %s failed: %s", r->request_id, r->path, it->code,
                          it->err.debug);
            jw_key(w, "problem");
            jw_obj_begin(w);
            http_problem_members(r, w, &it->err);
            jw_obj_end(w);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kint(w, "done", done);
    jw_kint(w, "failed", (int64_t)n - done);
    jw_obj_end(w);
    if (denied) secev_note(SECEV_FORBIDDEN, http_client_ip(r), r->path);
    return http_reply_w(r, 200, w);
}

static void write_holder_t(jsonw *w, const ident_holder *h)
{
    jw_obj_begin(w);
    jw_kint(w, "id", h->id);
    jw_kstr(w, "username", h->username);
    jw_kstr(w, "full_name", h->full_name);
}
JX_WRITER(write_holder, ident_holder, write_holder_t)

static ts_code h_assignees(http_req *r, ts_ctx *x)
{
    assignee_q q = {0};
    http_query_read(r, &q);
    ident_holder *items;
    int n;
    TS_TRY(dossiers_assignees(x, q.agency, q.role ? q.role : ROLE_OFFICER, &items, &n));
    return http_reply_page(r, items, sizeof *items, n, write_holder, n, IDENT_HOLDERS_MAX, 0);
}

static ts_code h_file_add(http_req *r, ts_ctx *x)
{
    return add_file(r, x, 0, http_param(r, "code"));
}

static ts_code h_file_get(http_req *r, ts_ctx *x)
{
    return send_file(r, x, 0, http_param(r, "code"));
}

/* Lookups of codes that do not exist, per address: a person mistypes a few
 * times; a script trying codes is stopped (30 misses per 10 minutes). */
static ratelim lookup_misses = RATELIM_INIT(30, 600);

/*
 * The lookup's rendered answers, per process: a slip's QR code is scanned
 * far more often than the dossier changes. An answer is served again while
 * the dossier's revision is the one it was rendered at (one index read
 * checks it: every change moves the revision, in any process) and for at
 * most a minute, or until its due instant when it is not late yet (the
 * answer says whether it is late).
 */
#define LOOKUP_SLOTS 16384 /* bodies of about 2 KB: at most ~40 MB */
typedef struct lookup_slot {
    char code[40];
    int64_t rev, until_s;
    char *body;
    size_t len;
} lookup_slot;
static pthread_mutex_t lookup_mu = PTHREAD_MUTEX_INITIALIZER;
static lookup_slot lookup_cache[LOOKUP_SLOTS];

static lookup_slot *lookup_slot_of(const char *code)
{
    uint32_t h = 2166136261u;
    for (const char *p = code; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return &lookup_cache[h % LOOKUP_SLOTS];
}

static bool lookup_cached(http_req *r, const char *code, int64_t rev, int64_t now_s)
{
    bool hit = false;
    lookup_slot *sl = lookup_slot_of(code);
    pthread_mutex_lock(&lookup_mu);
    if (sl->body && sl->rev == rev && now_s < sl->until_s && !strcmp(sl->code, code)) {
        char *b = arena_alloc(r->a, sl->len);
        memcpy(b, sl->body, sl->len);
        r->out = b;
        r->out_len = sl->len;
        hit = true;
    }
    pthread_mutex_unlock(&lookup_mu);
    return hit;
}

static void lookup_keep(const char *code, int64_t rev, int64_t until_s, const char *body,
                        size_t len)
{
    if (strlen(code) >= sizeof((lookup_slot *)0)->code || len > 64 * 1024) return;
    char *copy = malloc(len);
    if (!copy) return;
    memcpy(copy, body, len);
    lookup_slot *sl = lookup_slot_of(code);
    pthread_mutex_lock(&lookup_mu);
    char *old = sl->body;
    snprintf(sl->code, sizeof sl->code, "%s", code);
    sl->rev = rev;
    sl->until_s = until_s;
    sl->body = copy;
    sl->len = len;
    pthread_mutex_unlock(&lookup_mu);
    free(old);
}

static ts_code h_lookup(http_req *r, ts_ctx *x)
{
    const char *ip = http_client_ip(r), *code = http_param(r, "code");
    int64_t now = x->now_us / 1000000;
    int retry;
    if (ratelim_blocked(&lookup_misses, ip, now, &retry)) {
        char sec[16];
        snprintf(sec, sizeof sec, "%d", retry);
        http_add_header(r, "Retry-After", arena_strdup(r->a, sec));
        return ts_err_set(x->err, TS_ERATELIMIT, M_DOSSIER_LOOKUP_LIMITED, sec);
    }
    http_add_header(r, "Cache-Control", "no-cache");
    int64_t rev;
    TS_TRY(dossiers_rev(x, code, &rev));
    if (rev && lookup_cached(r, code, rev, now))
        return http_reply(r, 200, HTTP_JSON, r->out, r->out_len);
    dossier_view v;
    ts_code rc = dossiers_lookup(x, code, &v);
    if (rc == TS_ENOTFOUND) ratelim_take(&lookup_misses, ip, now, &retry);
    TS_TRY(rc);
    TS_TRY(http_reply_one(r, 200, write_public, &v));
    int64_t until = now + 60;
    bool open = !v.d.finished_at && !v.d.closed_at;
    if (open && !v.d.late && v.d.due_at) { /* late from the due instant on: render it again then */
        int64_t due_s = (v.d.due_at - 7 * 60) * 60;
        if (due_s < until) until = due_s;
    }
    if (r->out && v.d.rev == rev) lookup_keep(code, rev, until, r->out, r->out_len);
    return TS_OK;
}

/* GET /api/v1/dossiers/{code}/forms/{form}.pdf */
static ts_code h_form(http_req *r, ts_ctx *x)
{
    const char *f = http_param(r, "form");
    size_t n = f ? strlen(f) : 0;
    const char *name = n > 4 && !strcmp(f + n - 4, ".pdf") ? arena_strndup(r->a, f, n - 4) : NULL;
    bool known = false;
    for (int i = 0; name && dossier_forms[i]; i++)
        known |= !strcmp(dossier_forms[i], name);
    if (!known) return ts_err_field(x->err, TS_ENOTFOUND, "form", M_DOSSIER_FORM_UNKNOWN, f);
    const char *pdf;
    size_t len;
    TS_TRY(dossiers_form(x, http_param(r, "code"), name, r->cfg->public_url, &pdf, &len));
    http_add_header(r, "Cache-Control", "private, no-store");
    http_add_header(
        r, "Content-Disposition",
        arena_printf(r->a, "inline; filename=\"%s-%s.pdf\"", name, http_param(r, "code")));
    return http_reply(r, 200, "application/pdf", pdf, len);
}

/* The statuses and actions, for forms and filters. */
static ts_code h_statuses(http_req *r, ts_ctx *x)
{
    (void)x;
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "statuses");
    jw_arr_begin(w);
    for (int s = DS_SUBMITTED; s <= DS_RETURNED; s++) {
        jw_obj_begin(w);
        jw_kint(w, "code", s);
        jw_kstr(w, "word", dossier_status_word(s));
        jw_kstr(w, "name", dossier_status_name(s, 0));
        jw_kstr(w, "name_en", dossier_status_name(s, 1));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "actions");
    jw_arr_begin(w);
    for (int i = 0; dossier_actions[i]; i++)
        jw_str(w, dossier_actions[i]);
    jw_arr_end(w);
    jw_key(w, "channels");
    jw_arr_begin(w);
    for (int c = DCH_COUNTER; c <= DCH_POST; c++) {
        jw_obj_begin(w);
        jw_kint(w, "code", c);
        jw_kstr(w, "word", dossier_channel_word(c));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

#define DRAFT_ID HTTP_IDS({"id", M_DRAFT_NOT_FOUND, 1, 0})

const http_route dossiers_routes[] = {
    {"GET", "/api/v1/dossier-statuses", h_statuses, PERM_PUBLIC, .no_db = true},
    {"POST", "/api/v1/drafts", h_draft_create, PERM_AUTHENTICATED, .body = draft_body},
    {"GET", "/api/v1/drafts", h_drafts, PERM_AUTHENTICATED, .query = NULL},
    {"GET", "/api/v1/drafts/{id}", h_draft_get, PERM_AUTHENTICATED, .ids = DRAFT_ID},
    {"PATCH", "/api/v1/drafts/{id}", h_draft_patch, PERM_AUTHENTICATED, .body = draft_patch,
     .ids = DRAFT_ID},
    {"DELETE", "/api/v1/drafts/{id}", h_draft_delete, PERM_AUTHENTICATED, .ids = DRAFT_ID},
    {"POST", "/api/v1/drafts/{id}/files", h_draft_file_add, PERM_AUTHENTICATED, .query = file_query,
     .ids = DRAFT_ID, .max_body = FILE_ATTACHMENT_MAX},
    {"DELETE", "/api/v1/drafts/{id}/files/{file}", h_draft_file_remove, PERM_AUTHENTICATED,
     .ids = HTTP_IDS({"id", M_DRAFT_NOT_FOUND, 1, 0}, {"file", M_DOSSIER_FILE_NOT_FOUND, 1, 0})},
    {"GET", "/api/v1/drafts/{id}/files/{sha256}", h_draft_file_get, PERM_AUTHENTICATED,
     .ids = DRAFT_ID},
    {"POST", "/api/v1/drafts/{id}/submit", h_submit, PERM_AUTHENTICATED, .ids = DRAFT_ID},
    {"POST", "/api/v1/dossiers", h_intake, PERM_OFFICER, .body = intake_body},
    {"GET", "/api/v1/dossiers", h_list, PERM_STAFF, .query = list_query},
    {"POST", "/api/v1/dossiers/bulk-actions", h_bulk, PERM_STAFF, .body = bulk_body},
    {"GET", "/api/v1/dossier-assignees", h_assignees, PERM_STAFF, .query = assignee_query},
    {"GET", "/api/v1/me/dossiers", h_mine, PERM_AUTHENTICATED, .query = page_query},
    {"GET", "/api/v1/me/documents", h_documents, PERM_AUTHENTICATED, .query = NULL},
    {"GET", "/api/v1/dossiers/{code}", h_get, PERM_AUTHENTICATED, .query = NULL},
    {"POST", "/api/v1/dossiers/{code}/actions", h_act, PERM_AUTHENTICATED, .body = action_body},
    {"POST", "/api/v1/dossiers/{code}/files", h_file_add, PERM_AUTHENTICATED, .query = file_query,
     .max_body = FILE_ATTACHMENT_MAX},
    {"GET", "/api/v1/dossiers/{code}/files/{sha256}", h_file_get, PERM_AUTHENTICATED,
     .query = NULL},
    {"GET", "/api/v1/dossiers/{code}/forms/{form}", h_form, PERM_AUTHENTICATED, .query = NULL},
    {"GET", "/api/v1/public/dossiers/{code}", h_lookup, PERM_PUBLIC, .query = NULL},
    {"GET", "/api/v1/stats/dossiers", dossiers_h_stats, PERM_PUBLIC, .query = dossier_stats_query},
    {"GET", "/api/v1/service-index", dossiers_h_service_index, PERM_PUBLIC,
     .query = dossier_index_query},
    {"GET", "/api/v1/integration/dossier-changes", dossiers_h_feed, PERM_AGENCY_ADMIN,
     .query = dossier_feed_query},
    {0},
};

static const ts_job dossiers_jobs[] = {
    {"dossiers.escalate", dossiers_escalate}, /* overdue steps to the step's leaders */
    {0},
};

const ts_domain dossiers_domain = {"dossiers", dossiers_routes, dossiers_messages, dossiers_jobs};
