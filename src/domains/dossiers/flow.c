/*
 * flow — the one-stop shop's processing of a dossier: the outer statuses
 * (DOMAIN.md §3) and, inside them, the procedure's internal steps, run as
 * data (the procedure version's "steps": name, role, agency, share of the
 * deadline). Each action names the statuses it starts from and who may take
 * it; deadlines come from the calendar in working time; a supplement
 * request stops the clock until the applicant supplements. See
 * docs/decisions.md §38.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "../schedules/schedules.h"
#include "../../platform/pay.h"
#include "dossiers_int.h"

/* ---- the procedure and its steps ------------------------------------------- */

ts_code dz_procedure(ts_ctx *x, const dossier *d, procedure *p, json_t **doc)
{
    TS_TRY(procedures_get(x, d->procedure_code, d->procedure_version, NULL, p));
    json_error_t je;
    *doc = json_loads(p->doc, 0, &je);
    if (!*doc) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "procedure document");
    return TS_OK;
}

/* The default process of a procedure that does not state its own: the
 * receiving agency takes the dossier in, the implementing agency's officer
 * examines it, its leader approves and signs, the receiving agency returns
 * the result. */
static const dossier_step default_steps[] = {
    {"Tiếp nhận, kiểm tra hồ sơ", "Receive and check", ROLE_OFFICER, "receiving", 10},
    {"Thẩm định, xử lý hồ sơ", "Examine and process", ROLE_OFFICER, "implementing", 70},
    {"Phê duyệt, ký kết quả", "Approve and sign", ROLE_LEADER, "implementing", 10},
    {"Trả kết quả", "Return the result", ROLE_OFFICER, "receiving", 10},
};

static const char *resolve_agency(const dossier *d, const char *a)
{
    if (!a || !strcmp(a, "receiving")) return d->receiving;
    if (!strcmp(a, "implementing")) return d->implementing;
    return a;
}

ts_code dz_steps_of_doc(ts_ctx *x, const dossier *d, const json_t *doc, dossier_step **out, int *n)
{
    const json_t *st = json_object_get(doc, "steps");
    size_t k = json_array_size(st);
    if (!k) {
        *n = (int)(sizeof default_steps / sizeof default_steps[0]);
        *out = arena_alloc(x->a, sizeof default_steps);
        memcpy(*out, default_steps, sizeof default_steps);
    } else {
        *n = (int)k;
        *out = arena_calloc(x->a, sizeof **out * k);
        for (size_t i = 0; i < k; i++) {
            const json_t *s = json_array_get(st, i);
            dossier_step *o = &(*out)[i];
            o->name = arena_strdup(x->a, json_string_value(json_object_get(s, "name")));
            const char *en = json_string_value(json_object_get(s, "name_en"));
            o->name_en = en ? arena_strdup(x->a, en) : NULL;
            const char *role = json_string_value(json_object_get(s, "role"));
            o->role = arena_strdup(x->a, role ? role : ROLE_OFFICER);
            o->agency = json_string_value(json_object_get(s, "agency"));
            o->agency = arena_strdup(x->a, o->agency ? o->agency : "receiving");
            o->share_percent = (int)json_integer_value(json_object_get(s, "share_percent"));
        }
    }
    for (int i = 0; i < *n; i++)
        (*out)[i].agency = resolve_agency(d, (*out)[i].agency);
    return TS_OK;
}

bool dz_case_time(const json_t *doc, int case_index, int channel, dz_time *t)
{
    const json_t *c = json_array_get(json_object_get(doc, "cases"), (size_t)case_index);
    const json_t *times = json_object_get(c, "times");
    const char *want = dossier_channel_word(channel);
    const json_t *pick = NULL;
    for (int pass = 0; pass < 3 && !pick; pass++)
        for (size_t i = 0; i < json_array_size(times) && !pick; i++) {
            const json_t *tm = json_array_get(times, i);
            const char *ch = json_string_value(json_object_get(tm, "channel"));
            if (pass == 2 || (ch && !strcmp(ch, pass == 0 ? want : "counter"))) pick = tm;
        }
    if (!pick) return false;
    const char *u = json_string_value(json_object_get(pick, "unit"));
    t->unit = u && !strcmp(u, "working_hours") ? WT_WORKING_HOURS
              : u && !strcmp(u, "days")        ? WT_CALENDAR_DAYS
                                               : WT_WORKING_DAYS;
    t->amount = (int)json_integer_value(json_object_get(pick, "amount"));
    t->same_day = json_is_true(json_object_get(pick, "same_day"));
    return t->amount > 0;
}

/* ---- rows, events, audit --------------------------------------------------- */

static db_val opt_min(int64_t v)
{
    return v ? DBV_I(v) : DBV_NULL_VAL;
}

int64_t dz_flags(const dossier *d)
{
    int64_t f = d->flags & (DF_TOAN_TRINH | DF_POPULATION);
    if (d->paid_at && d->payment_way && !strcmp(d->payment_way, "online")) f |= DF_PAID_ONLINE;
    if (d->returned_at && d->return_way && !strcmp(d->return_way, "online")) f |= DF_RESULT_ONLINE;
    if (d->supplements > 1) f |= DF_SUPPLEMENTS_2;
    return f;
}

ts_code dz_save(ts_ctx *x, dossier *d, int64_t old_rev)
{
    int64_t changes = 0;
    const db_val v[] = {
        DBV_T(d->code),
        DBV_I(d->status),
        DBV_I(old_rev + 1),
        DBV_I(d->procedure_version),
        DBV_I(d->case_index),
        DBV_T(d->applicant_kind),
        DBV_T(d->applicant_name),
        DBV_T(d->applicant_id_number),
        DBV_T(d->applicant_phone),
        DBV_T(d->applicant_email),
        DBV_T(d->applicant_address),
        DBV_T(d->unit_code),
        DBV_T(d->receiving),
        DBV_T(d->implementing),
        DBV_T(d->handler),
        DBV_T(d->handler_path),
        DBV_T(d->handler_role),
        d->assignee_id ? DBV_I(d->assignee_id) : DBV_NULL_VAL,
        DBV_I(d->step),
        opt_min(d->step_started),
        opt_min(d->step_due),
        DBV_T(d->form),
        opt_min(d->submitted_at),
        opt_min(d->received_at),
        opt_min(d->counted_from),
        opt_min(d->total_minutes),
        opt_min(d->due_at),
        opt_min(d->original_due),
        DBV_I(d->extended),
        DBV_I(d->supplements),
        DBV_I(d->fee_vnd),
        opt_min(d->paid_at),
        DBV_T(d->payment_way),
        opt_min(d->finished_at),
        opt_min(d->returned_at),
        opt_min(d->closed_at),
        DBV_T(d->result_number),
        DBV_T(d->result_signer),
        DBV_T(d->return_way),
        DBV_T(d->reason),
        d->rating ? DBV_I(d->rating) : DBV_NULL_VAL,
        opt_min(d->received_at ? d->received_at
                : d->closed_at ? d->submitted_at
                               : 0),
        opt_min(d->finished_at ? d->finished_at : d->closed_at),
        DBV_I(dz_flags(d)),
        opt_min(d->escalated_for),
        DBV_I(d->id),
        DBV_I(old_rev),
    };
    TS_TRY(db_run_vals(
        x->db,
        "UPDATE dossiers SET code = ?, status = ?, rev = ?, procedure_version = ?, "
        "case_index = ?, applicant_kind = ?, applicant_name = ?, "
        "applicant_id_number = ?, applicant_phone = ?, applicant_email = ?, "
        "applicant_address = ?, unit_code = ?, receiving = ?, implementing = ?, "
        "handler = ?, handler_path = ?, handler_role = ?, assignee_id = ?, step = "
        "?, step_started = ?, step_due = ?, form = ?, submitted_at = ?, "
        "received_at = ?, counted_from = ?, total_minutes = ?, due_at = ?, "
        "original_due = ?, extended = ?, supplements = ?, fee_vnd = ?, paid_at = "
        "?, payment_way = ?, finished_at = ?, returned_at = ?, closed_at = ?, "
        "result_number = ?, result_signer = ?, return_way = ?, reason = ?, rating "
        "= ?, in_at = ?, end_at = ?, flags = (flags & 48) | ?, escalated_for = ? WHERE id = ? AND "
        "rev = ?",
        v, (int)(sizeof v / sizeof v[0]), &changes, x->err));
    if (changes != 1) {
        int64_t now_rev = 0;
        TS_TRY(db_int(x->db, x->err, &now_rev, 0, "SELECT rev FROM dossiers WHERE id = ?",
                      DBV_I(d->id)));
        return ts_err_set(x->err, TS_ECONFLICT, M_DOSSIER_STALE,
                          arena_printf(x->a, "%lld", (long long)now_rev));
    }
    d->rev = old_rev + 1;
    return TS_OK;
}

ts_code dz_event(ts_ctx *x, const dossier *d, const char *action, int from, int to,
                 const char *ag_code, const char *reason)
{
    /* with the portal's fields of d as this change leaves them (migration
     * 019, feed.c); the flags as the row has them (the files' bits are kept
     * by the file writes, not in d) */
    const db_val v[] = {
        DBV_I(d->id),
        DBV_T(ts_now(x)),
        DBV_I(dossiers_now_min(x)),
        DBV_T(action),
        DBV_I(from),
        DBV_I(to),
        DBV_I(d->step),
        DBV_T(ag_code),
        DBV_T(x->actor),
        DBV_T(x->who->full_name),
        opt_min(d->step_due),
        DBV_T(reason),
        opt_min(d->received_at),
        opt_min(d->due_at),
        opt_min(d->finished_at),
        opt_min(d->returned_at),
        opt_min(d->paid_at),
        DBV_I(d->fee_vnd),
        DBV_I(d->supplements),
        DBV_I(d->id),
        d->rating ? DBV_I(d->rating) : DBV_NULL_VAL,
    };
    return db_run_vals(x->db,
                       "INSERT INTO dossier_events (dossier_id, at, at_min, action, from_status, "
                       "to_status, step, agency, actor, actor_name, step_due, reason, received_at, "
                       "due_at, finished_at, returned_at, paid_at, fee_vnd, supplements, flags, "
                       "rating) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                       "(SELECT flags FROM dossiers WHERE id = ?), ?)",
                       v, (int)(sizeof v / sizeof v[0]), NULL, x->err);
}

ts_code dz_audit(ts_ctx *x, const dossier *d, const char *action, int from, const char *ag_code,
                 const char *reason)
{
    json_t *sum =
        json_pack("{s:s?,s:s,s:s,s:i,s:s?}", "code", d->code, "from", dossier_status_word(from),
                  "to", dossier_status_word(d->status), "step", d->step, "reason", reason);
    if (!d->code) json_object_set_new(sum, "draft", json_integer(d->id));
    ts_code rc = ts_audit(x, arena_printf(x->a, "dossier.%s", action), "dossier",
                          d->code ? d->code : arena_printf(x->a, "draft:%lld", (long long)d->id),
                          ag_code, sum);
    json_decref(sum);
    return rc;
}

ts_code dz_agency_path(ts_ctx *x, const char *code, const char **path)
{
    agency ag;
    ts_code rc = agencies_find(x, code, &ag);
    if (rc == TS_ENOTFOUND) return ts_err_set(x->err, TS_ENOTFOUND, M_AGENCY_NOT_FOUND, code);
    TS_TRY(rc);
    *path = ag.path;
    return TS_OK;
}

/* ---- deadlines -------------------------------------------------------------- */

static const char *local_day(arena *a, int64_t t)
{
    int y, m, dd, hh, mm;
    wt_local_split(t, &y, &m, &dd, &hh, &mm);
    return arena_printf(a, "%04d-%02d-%02d", y, m, dd);
}

/* The calendar and the receiving agency's hours on the day d was received. */
static ts_code clock_of(ts_ctx *x, const dossier *d, const wt_cal **cal, schedule_hours *h)
{
    TS_TRY(schedules_calendar(x, cal));
    return schedules_hours_at(x, d->receiving, local_day(x->a, d->received_at), h);
}

static ts_code pauses_of(ts_ctx *x, const dossier *d, wt_pause **out, int *n)
{
    *n = 0;
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      "SELECT from_at, to_at FROM dossier_pauses WHERE dossier_id = ? ORDER BY "
                      "from_at, id",
                      &s, x->err));
    db_bind_list(s, DBV_I(d->id));
    int cap = 4, r;
    *out = arena_calloc(x->a, sizeof **out * (size_t)cap);
    while ((r = db_step(s, x->err)) == DB_ROW) {
        if (*n == cap) {
            wt_pause *p2 = arena_calloc(x->a, sizeof *p2 * (size_t)cap * 2);
            memcpy(p2, *out, sizeof *p2 * (size_t)cap);
            *out = p2;
            cap *= 2;
        }
        (*out)[*n].from = db_col_int(s, 0);
        (*out)[*n].to = db_col_is_null(s, 1) ? -1 : db_col_int(s, 1);
        (*n)++;
    }
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

static ts_code count_due(ts_ctx *x, dossier *d, const json_t *doc, const wt_pause *ps, int np)
{
    dz_time t;
    if (!dz_case_time(doc, d->case_index, d->channel, &t))
        return ts_err_set(x->err, TS_EVALIDATION, M_DOSSIER_NO_DEADLINE, NULL);
    const wt_cal *cal;
    schedule_hours h;
    TS_TRY(clock_of(x, d, &cal, &h));
    wt_deadline_in in = {.received = d->received_at,
                         .unit = (wt_unit)t.unit,
                         .amount = t.amount,
                         .same_day = t.same_day,
                         .pauses = ps,
                         .npauses = np,
                         .hours = &h.hours};
    wt_deadline out;
    if (!wt_deadline_compute(cal, &in, &out))
        return ts_err_set(x->err, TS_EVALIDATION, M_DOSSIER_NO_DEADLINE, NULL);
    d->counted_from = out.counted_from;
    d->total_minutes = out.total;
    if (!d->extended) d->due_at = out.due > 0 ? out.due : 0;
    return TS_OK;
}

ts_code dz_receive(ts_ctx *x, dossier *d, const json_t *doc)
{
    d->received_at = dossiers_now_min(x);
    d->status = DS_RECEIVED;
    TS_TRY(count_due(x, d, doc, NULL, 0));
    dossier_step *steps;
    int n;
    TS_TRY(dz_steps_of_doc(x, d, doc, &steps, &n));
    return dz_enter_step(x, d, steps, n, 0);
}

ts_code dz_recount(ts_ctx *x, dossier *d, const json_t *doc)
{
    wt_pause *ps;
    int np;
    TS_TRY(pauses_of(x, d, &ps, &np));
    return count_due(x, d, doc, ps, np);
}

/* Whose queue a status puts the dossier in, outside the steps. */
static ts_code queue_at(ts_ctx *x, dossier *d, const char *ag_code, const char *role)
{
    d->handler = ag_code;
    d->handler_role = role;
    d->handler_path = NULL;
    if (ag_code) TS_TRY(dz_agency_path(x, ag_code, &d->handler_path));
    return TS_OK;
}

ts_code dz_enter_step(ts_ctx *x, dossier *d, const dossier_step *steps, int nsteps, int k)
{
    d->step = k < nsteps ? k : nsteps - 1;
    const dossier_step *s = &steps[d->step];
    int64_t now = dossiers_now_min(x);
    d->step_started = now;
    d->step_due = d->due_at;
    d->escalated_for = 0; /* a new step (or the same one again) has not been escalated */
    if (d->total_minutes > 0 && s->share_percent > 0 && d->due_at) {
        const wt_cal *cal;
        schedule_hours h;
        TS_TRY(clock_of(x, d, &cal, &h));
        int64_t at = now > d->counted_from ? now : d->counted_from;
        int64_t due =
            wt_add_working(cal, &h.hours, at, d->total_minutes * s->share_percent / 100, 0);
        if (due > 0) d->step_due = due;
    }
    return queue_at(x, d, s->agency, s->role);
}

/* ---- who may act --------------------------------------------------------------- */

enum who {
    W_RECEIVING,  /* an officer of the receiving agency */
    W_STEP,       /* the current step's role in its agency */
    W_ASSIGNER,   /* a leader or agency admin of the handling agency, or the step's role
                     taking it for oneself */
    W_OWNER_DESK, /* the owner, or an officer of the receiving agency on their behalf */
    W_IMPL_LEAD,  /* a leader of the implementing agency */
    W_OWNER,      /* the owner only */
};

#define B(s) (1u << (s))
static const struct rule {
    const char *name;
    unsigned from;
    enum who who;
} rules[] = {
    {"receive", B(DS_SUBMITTED), W_RECEIVING},
    {"refuse", B(DS_SUBMITTED), W_RECEIVING},
    {"forward", B(DS_RECEIVED) | B(DS_PROCESSING), W_STEP},
    {"send_back", B(DS_PROCESSING), W_STEP},
    {"assign", B(DS_SUBMITTED) | B(DS_RECEIVED) | B(DS_PROCESSING) | B(DS_FEE_DUE) | B(DS_DONE),
     W_ASSIGNER},
    {"request_supplement", B(DS_RECEIVED) | B(DS_PROCESSING), W_STEP},
    {"supplement", B(DS_SUPPLEMENT), W_OWNER_DESK},
    {"fee_due", B(DS_RECEIVED) | B(DS_PROCESSING), W_STEP},
    {"pay", B(DS_FEE_DUE), W_RECEIVING},
    {"finish", B(DS_RECEIVED) | B(DS_PROCESSING), W_STEP},
    {"return", B(DS_DONE), W_RECEIVING},
    {"withdraw",
     B(DS_SUBMITTED) | B(DS_RECEIVED) | B(DS_PROCESSING) | B(DS_SUPPLEMENT) | B(DS_FEE_DUE),
     W_OWNER_DESK},
    {"stop", B(DS_RECEIVED) | B(DS_PROCESSING) | B(DS_SUPPLEMENT) | B(DS_FEE_DUE), W_IMPL_LEAD},
    {"extend", B(DS_RECEIVED) | B(DS_PROCESSING) | B(DS_FEE_DUE), W_STEP},
    {"rate", B(DS_RETURNED), W_OWNER},
};
#define NRULES ((int)(sizeof rules / sizeof rules[0]))

const char *const dossier_actions[] = {
    "receive",    "refuse",  "forward", "send_back", "assign", "request_supplement",
    "supplement", "fee_due", "pay",     "finish",    "return", "withdraw",
    "stop",       "extend",  "rate",    NULL,
};

static bool is_owner(const ts_ctx *x, const dossier *d)
{
    return x->who->account_id && x->who->account_id == d->owner_id;
}

/* May x->who take rule r on d (whatever its status)? */
static ts_code may_take(ts_ctx *x, const dossier *d, const dossier_step *steps, int nsteps,
                        const struct rule *r, bool *may)
{
    *may = false;
    const char *path;
    if (!x->who->ngrants) { /* no staff role anywhere: only the owner's own actions */
        *may = (r->who == W_OWNER || r->who == W_OWNER_DESK) && is_owner(x, d);
        return TS_OK;
    }
    switch (r->who) {
    case W_OWNER:
        *may = is_owner(x, d);
        return TS_OK;
    case W_OWNER_DESK:
        if (is_owner(x, d)) {
            *may = true;
            return TS_OK;
        }
        /* fall through */
    case W_RECEIVING:
        TS_TRY(dz_agency_path(x, d->receiving, &path));
        *may = ts_may(x, ROLE_OFFICER, path);
        return TS_OK;
    case W_IMPL_LEAD:
        TS_TRY(dz_agency_path(x, d->implementing, &path));
        *may = ts_may(x, ROLE_LEADER, path);
        return TS_OK;
    case W_STEP:
    case W_ASSIGNER: {
        if (d->step < 0 || d->step >= nsteps) return TS_OK;
        const char *ag_code = d->handler ? d->handler : steps[d->step].agency;
        const char *role = d->handler_role ? d->handler_role : steps[d->step].role;
        TS_TRY(dz_agency_path(x, ag_code, &path));
        if (r->who == W_ASSIGNER)
            *may = ts_may(x, ROLE_LEADER, path) || ts_may(x, ROLE_AGENCY_ADMIN, path) ||
                   ts_may(x, role, path);
        else /* assigned to someone: only they (or the agency's leaders) act */
            *may =
                ts_may(x, role, path) && (!d->assignee_id || d->assignee_id == x->who->account_id ||
                                          ts_may(x, ROLE_LEADER, path));
        return TS_OK;
    }
    }
    return TS_OK;
}

ts_code dossiers_allowed(ts_ctx *x, dossier_view *v)
{
    v->actions = arena_calloc(x->a, sizeof *v->actions * (NRULES + 1));
    int k = 0;
    if (!x->who->ngrants && !is_owner(x, &v->d)) return TS_OK; /* nothing to do here */
    for (int i = 0; i < NRULES; i++) {
        const struct rule *r = &rules[i];
        if (!(r->from & B(v->d.status))) continue;
        bool last = v->d.step >= v->nsteps - 1;
        if (!strcmp(r->name, "forward") && last) continue;
        if (!strcmp(r->name, "finish") && !last) continue;
        if (!strcmp(r->name, "send_back") && v->d.step == 0) continue;
        if (!strcmp(r->name, "extend") && v->d.extended) continue;
        if (!strcmp(r->name, "rate") && v->d.rating) continue;
        bool may;
        TS_TRY(may_take(x, &v->d, v->steps, v->nsteps, r, &may));
        if (may) v->actions[k++] = r->name;
    }
    v->actions[k] = NULL;
    return TS_OK;
}

/* ---- the actions ---------------------------------------------------------------- */

ts_msg dz_state_msg(int status)
{
    static const ts_msg m[] = {
        M_DOSSIER_STATE_DRAFT,   M_DOSSIER_STATE_SUBMITTED,  M_DOSSIER_STATE_RECEIVED,
        M_DOSSIER_STATE_REFUSED, M_DOSSIER_STATE_PROCESSING, M_DOSSIER_STATE_SUPPLEMENT,
        M_DOSSIER_STATE_FEE_DUE, M_DOSSIER_STATE_WITHDRAWN,  M_DOSSIER_STATE_STOPPED,
        M_DOSSIER_STATE_DONE,    M_DOSSIER_STATE_RETURNED,
    };
    return m[status >= 0 && status <= DS_RETURNED ? status : 0];
}

typedef struct act_ctx {
    const char *code;
    const dossier_action *a;
    dossier_view *out;
} act_ctx;

static ts_code need_reason(ts_ctx *x, const dossier_action *a)
{
    if (a->reason && *a->reason) return TS_OK;
    return ts_err_field(x->err, TS_EVALIDATION, "reason", M_DOSSIER_REASON, NULL);
}

/* Is account id a person who holds role on the agency at path? */
static ts_code check_assignee(ts_ctx *x, int64_t id, const char *role, const char *path)
{
    ident_principal p = {0};
    int64_t enabled = 0;
    TS_TRY(db_int(x->db, x->err, &enabled, 0,
                  "SELECT 1 FROM accounts WHERE id = ? AND disabled = 0", DBV_I(id)));
    if (enabled) TS_TRY(ident_load_grants(x->db, x->a, id, &p, x->err));
    if (!enabled || !ident_has_role(&p, role, path))
        return ts_err_field(x->err, TS_EVALIDATION, "assignee", M_DOSSIER_ASSIGNEE, NULL);
    return TS_OK;
}

/* End d in status (refused, withdrawn, stopped) at now for reason: an open
 * clock stop ends with it; nobody's queue holds it any more. */
static ts_code close_as(ts_ctx *x, dossier *d, int status, const char *reason, int64_t now)
{
    if (d->status == DS_SUPPLEMENT)
        TS_TRY(db_run(x->db, x->err,
                      "UPDATE dossier_pauses SET to_at = ? WHERE dossier_id = ? AND to_at IS NULL",
                      DBV_I(now), DBV_I(d->id)));
    d->status = status;
    d->reason = reason;
    d->closed_at = now;
    d->assignee_id = 0;
    return queue_at(x, d, NULL, NULL);
}

/* The status a pause or a fee returns the dossier to. */
static int resume_status(const dossier *d)
{
    return d->step > 0 ? DS_PROCESSING : DS_RECEIVED;
}

/* The pay action: the adapter of the way (platform/pay) checks what the
 * officer typed; the payment is recorded with its receipt number (the code
 * and the payment's sequence). An online gateway's payments are recorded by
 * its callback, never at the desk. */
static ts_code record_payment(ts_ctx *x, dossier *d, const dossier_action *a, int64_t now)
{
    const char *way = a->way ? a->way : "counter";
    const pay_adapter *ad = pay_find(way);
    if (!ad || !ad->confirm)
        return ts_err_field(x->err, TS_EVALIDATION, "way", M_DOSSIER_PAY_WAY, way);
    int64_t seq = 0;
    TS_TRY(db_int(x->db, x->err, &seq, 0,
                  "SELECT COALESCE(MAX(seq), 0) + 1 FROM dossier_payments WHERE dossier_id = ?",
                  DBV_I(d->id)));
    const char *receipt = arena_printf(x->a, "%s/%lld", d->code, (long long)seq);
    pay_order o = {receipt, d->fee_vnd, d->procedure_name, NULL};
    pay_proof pr = {way, a->reference, d->fee_vnd, receipt};
    const char *field = NULL;
    char why[160];
    if (ad->confirm(ad->self, &o, &pr, &field, why, sizeof why) != 0)
        return ts_err_field(
            x->err, TS_EVALIDATION, field ? field : "way",
            field && !strcmp(field, "reference") ? M_DOSSIER_PAY_REF : M_DOSSIER_PAY_WAY, way);
    TS_TRY(db_run(x->db, x->err,
                  "INSERT INTO dossier_payments (dossier_id, seq, amount_vnd, way, provider, "
                  "online, reference, receipt_no, paid_at, paid_min, confirmed_by, "
                  "confirmed_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  DBV_I(d->id), DBV_I(seq), DBV_I(d->fee_vnd), DBV_T(way), DBV_T(ad->name),
                  DBV_I(ad->online), DBV_T(a->reference), DBV_T(receipt), DBV_T(ts_now(x)),
                  DBV_I(now), DBV_T(x->actor), DBV_T(x->who->full_name)));
    d->payment_way = ad->online ? "online" : way;
    return TS_OK;
}

static ts_code act_tx(ts_ctx *x, void *argp)
{
    act_ctx *ac = argp;
    const dossier_action *a = ac->a;
    dossier_view *v = ac->out;
    memset(v, 0, sizeof *v);
    bool found, readable = false;
    TS_TRY(dossiers_load(x, ac->code, 0, &v->d, &found));
    if (found) TS_TRY(dossiers_may_read(x, &v->d, &readable));
    if (!found || !readable || v->d.status == DS_DRAFT)
        return ts_err_set(x->err, TS_ENOTFOUND, M_DOSSIER_NOT_FOUND, ac->code);
    dossier *d = &v->d;
    const struct rule *r = NULL;
    for (int i = 0; i < NRULES && !r; i++)
        if (!strcmp(rules[i].name, a->action)) r = &rules[i];
    if (!r) return ts_err_field(x->err, TS_EVALIDATION, "action", M_FIELD_ENUM, "receive, ...");
    procedure p;
    json_t *doc;
    TS_TRY(dz_procedure(x, d, &p, &doc));
    ts_code rc = dz_steps_of_doc(x, d, doc, &v->steps, &v->nsteps);
    bool may = false;
    if (rc == TS_OK) rc = may_take(x, d, v->steps, v->nsteps, r, &may);
    if (rc == TS_OK && !may) rc = ts_forbidden(x);
    if (rc == TS_OK && a->rev && a->rev != d->rev)
        rc = ts_err_set(x->err, TS_ECONFLICT, M_DOSSIER_STALE,
                        arena_printf(x->a, "%lld", (long long)d->rev));
    if (rc == TS_OK && !(r->from & B(d->status)))
        rc = ts_err_set(x->err, TS_ECONFLICT, dz_state_msg(d->status), NULL);
    if (rc != TS_OK) {
        json_decref(doc);
        return rc;
    }
    int64_t old_rev = d->rev, now = dossiers_now_min(x);
    int from = d->status;
    dz_prev prev = {d->status, d->handler_path, d->handler_role, d->assignee_id};
    bool last = d->step >= v->nsteps - 1;
    const char *acting = d->handler ? d->handler : d->receiving; /* the acting agency */
    const char *name = a->action;
    if (!strcmp(name, "receive")) {
        rc = dz_receive(x, d, doc);
        acting = d->receiving;
    } else if (!strcmp(name, "refuse")) {
        if ((rc = need_reason(x, a)) == TS_OK) rc = close_as(x, d, DS_REFUSED, a->reason, now);
    } else if (!strcmp(name, "forward")) {
        if (last) rc = ts_err_set(x->err, TS_ECONFLICT, M_DOSSIER_LAST_STEP, NULL);
        if (rc == TS_OK) {
            d->assignee_id = 0;
            d->status = DS_PROCESSING;
            rc = dz_enter_step(x, d, v->steps, v->nsteps, d->step + 1);
        }
        if (rc == TS_OK && a->assignee) {
            rc = check_assignee(x, a->assignee, d->handler_role, d->handler_path);
            d->assignee_id = a->assignee;
        }
    } else if (!strcmp(name, "send_back")) {
        if (d->step == 0) rc = ts_err_set(x->err, TS_ECONFLICT, M_DOSSIER_FIRST_STEP, NULL);
        if (rc == TS_OK) rc = need_reason(x, a);
        if (rc == TS_OK) {
            d->assignee_id = 0;
            rc = dz_enter_step(x, d, v->steps, v->nsteps, d->step - 1);
            d->reason = a->reason;
        }
    } else if (!strcmp(name, "assign")) {
        int64_t who = a->assignee ? a->assignee : x->who->account_id;
        rc = check_assignee(x, who, d->handler_role ? d->handler_role : ROLE_OFFICER,
                            d->handler_path);
        d->assignee_id = who;
    } else if (!strcmp(name, "request_supplement")) {
        rc = need_reason(x, a);
        if (rc == TS_OK && d->supplements >= 1 && !a->confirm_late)
            rc = ts_err_field(x->err, TS_ECONFLICT, "confirm_late", M_DOSSIER_SUPPLEMENT_AGAIN,
                              arena_printf(x->a, "%d", d->supplements));
        if (rc == TS_OK)
            rc = db_run(x->db, x->err,
                        "INSERT INTO dossier_pauses (dossier_id, from_at, to_at, reason, "
                        "implementing, receiving) VALUES (?, ?, NULL, ?, ?, ?)",
                        DBV_I(d->id), DBV_I(now), DBV_T(a->reason), DBV_T(d->implementing),
                        DBV_T(d->receiving));
        if (rc == TS_OK) {
            d->supplements++;
            d->status = DS_SUPPLEMENT;
            d->reason = a->reason;
            d->due_at = d->extended ? d->due_at : 0; /* the clock stands */
            rc = queue_at(x, d, NULL, d->handler_role);
            d->handler = NULL;
        }
    } else if (!strcmp(name, "supplement")) {
        rc = db_run(x->db, x->err,
                    "UPDATE dossier_pauses SET to_at = ? WHERE dossier_id = ? AND to_at IS NULL",
                    DBV_I(now), DBV_I(d->id));
        if (rc == TS_OK) {
            d->status = resume_status(d);
            rc = dz_recount(x, d, doc);
        }
        if (rc == TS_OK) rc = dz_enter_step(x, d, v->steps, v->nsteps, d->step);
        acting = is_owner(x, d) ? NULL : d->receiving;
    } else if (!strcmp(name, "fee_due")) {
        int64_t amount = a->amount_vnd;
        if (amount <= 0) {
            const json_t *fees = json_object_get(
                json_array_get(json_object_get(doc, "cases"), (size_t)d->case_index), "fees");
            for (size_t i = 0; i < json_array_size(fees); i++)
                amount +=
                    json_integer_value(json_object_get(json_array_get(fees, i), "amount_vnd"));
        }
        if (amount <= 0)
            rc = ts_err_field(x->err, TS_EVALIDATION, "amount_vnd", M_DOSSIER_FEE, NULL);
        if (rc == TS_OK) {
            d->fee_vnd = amount;
            d->status = DS_FEE_DUE;
            rc = queue_at(x, d, d->receiving, ROLE_OFFICER);
        }
    } else if (!strcmp(name, "pay")) {
        rc = record_payment(x, d, a, now);
        if (rc == TS_OK) {
            d->paid_at = now;
            d->status = resume_status(d);
            rc = dz_enter_step(x, d, v->steps, v->nsteps, d->step);
        }
        acting = d->receiving;
    } else if (!strcmp(name, "finish")) {
        if (!last)
            rc = ts_err_set(x->err, TS_ECONFLICT, M_DOSSIER_NOT_LAST_STEP,
                            arena_printf(x->a, "%d/%d", d->step + 1, v->nsteps));
        if (rc == TS_OK && (!a->result_number || !a->signer)) {
            if (!a->result_number)
                ts_err_field(x->err, TS_EVALIDATION, "result_number", M_DOSSIER_RESULT, NULL);
            if (!a->signer) ts_err_field(x->err, TS_EVALIDATION, "signer", M_DOSSIER_RESULT, NULL);
            rc = TS_EVALIDATION;
        }
        if (rc == TS_OK) {
            d->status = DS_DONE;
            d->finished_at = now;
            d->result_number = a->result_number;
            d->result_signer = a->signer;
            d->assignee_id = 0;
            rc = queue_at(x, d, d->receiving, ROLE_OFFICER);
        }
    } else if (!strcmp(name, "return")) {
        d->status = DS_RETURNED;
        d->returned_at = now;
        d->return_way = a->way ? a->way : d->channel == DCH_ONLINE ? "online" : "counter";
        d->assignee_id = 0;
        rc = queue_at(x, d, NULL, NULL);
        acting = d->receiving;
    } else if (!strcmp(name, "withdraw")) {
        if (!is_owner(x, d)) rc = need_reason(x, a);
        if (rc == TS_OK) rc = close_as(x, d, DS_WITHDRAWN, a->reason, now);
        acting = is_owner(x, d) ? NULL : d->receiving;
    } else if (!strcmp(name, "stop")) {
        rc = need_reason(x, a);
        if (rc == TS_OK) rc = close_as(x, d, DS_STOPPED, a->reason, now);
        acting = d->implementing;
    } else if (!strcmp(name, "rate")) {
        if (d->rating)
            rc = ts_err_set(x->err, TS_ECONFLICT, M_DOSSIER_RATED, NULL);
        else if (a->rating < 1 || a->rating > 5)
            rc = ts_err_field(x->err, TS_EVALIDATION, "rating", M_DOSSIER_RATING, NULL);
        d->rating = a->rating;
        acting = NULL;
    } else if (!strcmp(name, "extend")) {
        int64_t nd = 0;
        char buf[32];
        if (d->extended) rc = ts_err_set(x->err, TS_ECONFLICT, M_DOSSIER_EXTEND_ONCE, NULL);
        if (rc == TS_OK) rc = need_reason(x, a);
        if (rc == TS_OK && (!a->new_due || !wt_parse_local(a->new_due, &nd) || nd <= d->due_at))
            rc = ts_err_field(x->err, TS_EVALIDATION, "new_due", M_DOSSIER_EXTEND_DATE,
                              wt_format_local(d->due_at, buf, sizeof buf));
        if (rc == TS_OK) {
            d->original_due = d->due_at;
            d->due_at = nd;
            d->extended = true;
            d->reason = a->reason;
            if (d->step_due < nd) d->step_due = nd;
        }
    }
    json_decref(doc);
    TS_TRY(rc);
    TS_TRY(dz_save(x, d, old_rev));
    TS_TRY(dz_event(x, d, name, from, d->status, acting, a->reason));
    TS_TRY(dz_audit(x, d, name, from, acting, a->reason));
    TS_TRY(dz_notify(x, d, v->steps, v->nsteps, name, &prev));
    /* the answer as it now stands */
    const char *code = d->code;
    memset(v, 0, sizeof *v);
    TS_TRY(dossiers_load(x, code, 0, &v->d, &found));
    return dossiers_view_fill(x, v);
}

ts_code dossiers_act(ts_ctx *x, const char *code, const dossier_action *a, dossier_view *out)
{
    memset(out, 0, sizeof *out);
    if (!dossiers_code_valid(code))
        return ts_err_field(x->err, TS_ENOTFOUND, "code", M_DOSSIER_CODE, NULL);
    act_ctx ac = {code, a, out};
    return ts_write(x, act_tx, &ac);
}

ts_code dossiers_act_each(ts_ctx *x, const dossier_action *a, dossier_bulk_item *items, int n)
{
    dossier_view v;
    int done = 0;
    for (int i = 0; i < n; i++) {
        dossier_action one = *a;
        one.rev = items[i].rev;
        ts_err_clear(x->err);
        items[i].rc = dossiers_act(x, items[i].code, &one, &v);
        items[i].err = *x->err;
        items[i].rev = items[i].rc == TS_OK ? v.d.rev : 0;
        if (items[i].rc == TS_OK) {
            done++;
            continue;
        }
        if (ts_code_http_status(items[i].rc) < 500) continue;
        /* the server or its storage failed: the codes after it are not tried */
        for (int j = i + 1; j < n; j++) {
            items[j].rc = items[i].rc;
            items[j].err = items[i].err;
            items[j].rev = 0;
        }
        if (!done) return items[i].rc; /* nothing done: the request fails (x->err) */
        break;
    }
    ts_err_clear(x->err);
    return TS_OK;
}

ts_code dossiers_assignees(ts_ctx *x, const char *agency_code, const char *role,
                           ident_holder **items, int *n)
{
    *items = NULL;
    *n = 0;
    const char *path;
    TS_TRY(dz_agency_path(x, agency_code, &path));
    if (!ts_may(x, ROLE_LEADER, path) && !ts_may(x, ROLE_AGENCY_ADMIN, path) &&
        !ts_may(x, role, path))
        return ts_forbidden(x);
    return ident_role_holders(x->db, x->a, role, path, items, n, x->err);
}
