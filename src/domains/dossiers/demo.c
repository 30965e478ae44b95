/*
 * demo — a year of the demo province's dossiers (`tinhso demo --dossiers
 * N`): procedures weighted as a province's counters see them (certified
 * copies and civil status at the communes, land and driving licences at the
 * province), channels by service level, working-hour intake times, a
 * realistic share of supplements, lateness, withdrawals and refusals, every
 * deadline and step from the calendar like a live filing, the newest still
 * in progress, ratings after the return. Deterministic (a fixed seed), in
 * batches of one write each (one audit entry, dossier.demo, per batch), and
 * written straight to the tables: a live filing goes through filing.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "../files/files.h"
#include "../schedules/schedules.h"
#include "../../platform/notify.h"
#include "dossiers_int.h"

/* How many a year of each procedure, relative to one another. */
static const struct {
    const char *code;
    double weight;
} weights[] = {
    {"2.000908", 30}, {"2.000884", 10}, {"1.001193", 8}, {"2.000635", 6}, {"2.000488", 6},
    {"3.000347", 6},  {"1.004873", 5},  {"1.000894", 4}, {"1.013831", 4}, {"1.000656", 3},
    {"1.001612", 3},  {"1.013978", 3},  {"1.012783", 3}, {"2.000720", 2}, {"1.012787", 2},
    {"1.013977", 2},  {"1.012789", 2},  {"3.000348", 2}, {"2.001199", 2}, {"2.001035", 2},
};

typedef struct dproc {
    procedure p;
    json_t *doc;
    dossier_step *steps; /* agencies "receiving"/"implementing" unresolved */
    int nsteps;
    double weight;
    bool online; /* toàn trình */
    int64_t fee;
    int64_t flags; /* DF_* of its dossiers */
} dproc;

typedef struct dagency {
    const char *code, *path, *unit;
    wt_hours hours;
} dagency;

/* a (agency, day) -> last number table, open addressing */
typedef struct ctr {
    char key[40];
    int64_t last;
} ctr;
#define NCTR (1 << 18)

typedef struct demo_st {
    int total, done, batch;
    uint64_t rng;
    int64_t start, now;
    const wt_cal *cal;
    dproc *procs;
    int nprocs;
    double wsum;
    dagency *communes, centre,
        *provs; /* provs: implementing/receiving agencies of province procedures */
    int ncommunes, nprovs;
    int64_t *times; /* sorted intake instants */
    ctr *ctrs;
    int64_t owners[2];
    dossiers_demo_result *res;
    arena *tmp;          /* one dossier's strings */
    file_checked scan;   /* the demo's scanned paper, kept once */
    char *last_code[64]; /* per procedure: the newest code (a reused paper comes from there) */
    const char *created; /* the batch's write time */
} demo_st;

static uint64_t rnd(demo_st *s)
{
    uint64_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return s->rng = x;
}
static double unif(demo_st *s)
{
    return (double)(rnd(s) >> 11) / (double)(1ull << 53);
}
static int pick(demo_st *s, int n)
{
    return (int)(rnd(s) % (uint64_t)n);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static ctr *counter(demo_st *s, const char *ag_code, const char *day)
{
    char key[40];
    snprintf(key, sizeof key, "%s|%s", ag_code, day);
    uint32_t h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (uint32_t i = h & (NCTR - 1);; i = (i + 1) & (NCTR - 1)) {
        if (!s->ctrs[i].key[0]) {
            memcpy(s->ctrs[i].key, key, sizeof key);
            s->ctrs[i].last = 0;
            return &s->ctrs[i];
        }
        if (!strcmp(s->ctrs[i].key, key)) return &s->ctrs[i];
    }
}

static const char *const family[] = {"Nguyễn", "Trần", "Lê",  "Phạm",  "Hoàng", "Vũ",   "Đặng",
                                     "Bùi",    "Đỗ",   "Ngô", "Dương", "Lý",    "Phan", "Trịnh"};
static const char *const middle_m[] = {"Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân"};
static const char *const middle_f[] = {"Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Hồng"};
static const char *const given_m[] = {"An",   "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh",
                                      "Long", "Nam",  "Phúc",  "Quân", "Sơn", "Tuấn", "Việt"};
static const char *const given_f[] = {"Anh", "Châu", "Dung", "Hà",  "Hạnh", "Hoa",   "Hương",
                                      "Lan", "Linh", "Mai",  "Nga", "Thảo", "Trang", "Yến"};
static const char *const signers[] = {"Hoàng Văn Em", "Đỗ Văn Khánh", "Phan Văn Phúc",
                                      "Nguyễn Hữu Thắng", "Trần Thị Hiền"};
#define NA(a) ((int)(sizeof a / sizeof a[0]))

static const char *person(demo_st *s, arena *a)
{
    bool m = rnd(s) & 1;
    return arena_printf(a, "%s %s %s", family[pick(s, NA(family))],
                        m ? middle_m[pick(s, NA(middle_m))] : middle_f[pick(s, NA(middle_f))],
                        m ? given_m[pick(s, NA(given_m))] : given_f[pick(s, NA(given_f))]);
}

/* ---- setting up ----------------------------------------------------------------- */

static ts_code agency_of(ts_ctx *x, const char *code, dagency *out)
{
    agency ag;
    TS_TRY(agencies_find(x, code, &ag));
    schedule_hours h;
    TS_TRY(schedules_hours_at(x, code, schedules_today(x), &h));
    *out = (dagency){ag.code, ag.path, ag.unit_code, h.hours};
    return TS_OK;
}

static dagency *prov_agency(ts_ctx *x, demo_st *s, const char *code)
{
    for (int i = 0; i < s->nprovs; i++)
        if (!strcmp(s->provs[i].code, code)) return &s->provs[i];
    if (agency_of(x, code, &s->provs[s->nprovs]) != TS_OK) return NULL;
    return &s->provs[s->nprovs++];
}

static ts_code setup(ts_ctx *x, demo_st *s)
{
    TS_TRY(schedules_calendar(x, &s->cal));
    s->procs = arena_calloc(x->a, sizeof *s->procs * (NA(weights) + 1));
    for (int i = 0; i < NA(weights); i++) {
        dproc *dp = &s->procs[s->nprocs];
        if (procedures_get(x, weights[i].code, 0, NULL, &dp->p) != TS_OK) {
            ts_err_clear(x->err); /* not in this catalogue */
            continue;
        }
        json_error_t je;
        dp->doc = json_loads(dp->p.doc, 0, &je);
        if (!dp->doc) continue;
        dossier none = {.receiving = "receiving", .implementing = "implementing"};
        TS_TRY(dz_steps_of_doc(x, &none, dp->doc, &dp->steps, &dp->nsteps));
        dp->weight = weights[i].weight;
        dp->online = !strcmp(dp->p.service_level, "toan_trinh");
        dp->flags = dz_procedure_flags(&dp->p, dp->doc);
        const json_t *fees =
            json_object_get(json_array_get(json_object_get(dp->doc, "cases"), 0), "fees");
        for (size_t k = 0; k < json_array_size(fees); k++)
            dp->fee += json_integer_value(json_object_get(json_array_get(fees, k), "amount_vnd"));
        s->wsum += dp->weight;
        s->nprocs++;
    }
    if (!s->nprocs) return ts_err_set(x->err, TS_EVALIDATION, M_PROC_NOT_FOUND, "2.000908");
    agencies_query q = {.kind = "commune_committee", .limit = 500};
    agencies_list_result res;
    TS_TRY(agencies_list(x, &q, &res));
    s->communes = arena_calloc(x->a, sizeof *s->communes * (size_t)(res.n ? res.n : 1));
    for (int i = 0; i < res.n; i++)
        TS_TRY(agency_of(x, res.items[i].code, &s->communes[s->ncommunes++]));
    s->provs = arena_calloc(x->a, sizeof *s->provs * 64);
    for (int i = 0; i < s->nprocs; i++) {
        const char *ag = s->procs[i].p.agency;
        if (ag && !prov_agency(x, s, ag)) return x->err->code ? x->err->code : TS_EINTERNAL;
        const json_t *rl = json_object_get(s->procs[i].doc, "receiving");
        for (size_t k = 0; k < json_array_size(rl); k++)
            if (!prov_agency(x, s, json_string_value(json_array_get(rl, k))))
                return x->err->code ? x->err->code : TS_EINTERNAL;
    }
    for (int k = 0; k < 2; k++)
        TS_TRY(db_int(x->db, x->err, &s->owners[k], 0, "SELECT id FROM accounts WHERE username = ?",
                      DBV_T(k ? "nguoidan2" : "nguoidan1")));
    /* intake instants: working days over the last year, more in the mornings */
    s->now = dossiers_now_min(x);
    s->start = s->now - 365 * 1440;
    s->times = malloc(sizeof *s->times * (size_t)s->total);
    if (!s->times) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "out of memory");
    for (int i = 0; i < s->total; i++) {
        int64_t day0 = s->start + (int64_t)(unif(s) * 366) * 1440;
        day0 -= ((day0 % 1440) + 1440) % 1440; /* midnight */
        int64_t t = wt_add_working(s->cal, NULL, day0 + 7 * 60 + 30,
                                   (int64_t)(unif(s) * unif(s) * 470) + 5, 0);
        s->times[i] = t > 0 ? t : day0 + 8 * 60;
        if (s->times[i] > s->now) s->times[i] = s->now - 1 - pick(s, 120); /* not in the future */
    }
    qsort(s->times, (size_t)s->total, sizeof *s->times, cmp_i64);
    /* the scanned paper every digitised demo dossier points at */
    static const char scan_pdf[] =
        "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages "
        "/Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 "
        "595 "
        "842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n4 0 obj\n<< "
        "/Length "
        "61 >>\nstream\nBT /F1 14 Tf 72 770 Td (Ban chup giay to - du lieu mau) Tj "
        "ET\nendstream\nendobj\n5 0 "
        "obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\ntrailer\n<< /Root 1 "
        "0 R "
        ">>\n%%EOF\n";
    TS_TRY(files_check(x, FILE_ATTACHMENT, scan_pdf, sizeof scan_pdf - 1, "application/pdf",
                       "ban-chup-giay-to.pdf", &s->scan));
    s->ctrs = calloc(NCTR, sizeof *s->ctrs);
    if (!s->ctrs) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "out of memory");
    /* continue the counters that exist */
    db_stmt *st;
    TS_TRY(db_prepare(x->db, "SELECT agency, day, last FROM dossier_counters", &st, x->err));
    int r;
    while ((r = db_step(st, x->err)) == DB_ROW)
        counter(s, db_col_text(st, 0), db_col_text(st, 1))->last = db_col_int(st, 2);
    db_reset(st);
    return r < 0 ? (ts_code)-r : TS_OK;
}

/* ---- one dossier ----------------------------------------------------------------- */

typedef struct ev {
    int64_t at;
    const char *action;
    int from, to, step;
    const char *agency;
    int64_t step_due;
    const char *reason;
} ev;

static const char *const supplement_reasons[] = {
    "Bản sao giấy tờ chưa được chứng thực",
    "Tờ khai thiếu chữ ký của người yêu cầu",
    "Thiếu giấy tờ chứng minh nơi cư trú",
    "Thông tin trên tờ khai không khớp với giấy tờ tùy thân",
};

/* The events of dossier id, each with the portal's fields as it left them
 * (migration 019): d is the dossier as it ends, so an instant shows from
 * its minute on, no due instant before receipt or while a supplement is
 * awaited, the supplements counted along the history, the rating on the
 * return (the demo rates without an event), as the migration rebuilds the
 * events it found. */
static ts_code insert_events(ts_ctx *x, int64_t id, const ev *e, int n, const dossier *d,
                             int64_t flags)
{
    db_stmt *st;
    TS_TRY(db_prepare(x->db,
                      "INSERT INTO dossier_events (dossier_id, at, at_min, action, from_status, "
                      "to_status, step, agency, actor, actor_name, step_due, reason, received_at, "
                      "due_at, finished_at, returned_at, paid_at, fee_vnd, supplements, flags, "
                      "rating) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'demo', NULL, ?, ?, ?, ?, ?, ?, ?, "
                      "?, ?, ?, ?)",
                      &st, x->err));
    int sup = 0;
#define UPTO(v) ((v) && (v) <= e[i].at ? DBV_I(v) : DBV_NULL_VAL)
    for (int i = 0; i < n; i++) {
        int y, m, dd, hh, mm;
        wt_local_split(e[i].at - 7 * 60, &y, &m, &dd, &hh, &mm);
        char iso[40];
        snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:00.000000Z", y, m, dd, hh, mm);
        if (!strcmp(e[i].action, "request_supplement")) sup++;
        bool due = e[i].to != DS_SUBMITTED && e[i].to != DS_REFUSED && e[i].to != DS_SUPPLEMENT &&
                   d->received_at && d->received_at <= e[i].at;
        int64_t fl = (flags & (DF_TOAN_TRINH | DF_POPULATION | DF_DIGITISED | DF_REUSED)) |
                     (d->paid_at && d->paid_at <= e[i].at ? flags & DF_PAID_ONLINE : 0) |
                     (d->returned_at && d->returned_at <= e[i].at ? flags & DF_RESULT_ONLINE : 0) |
                     (sup > 1 ? DF_SUPPLEMENTS_2 : 0);
        db_bind_list(st, DBV_I(id), DBV_T(iso), DBV_I(e[i].at), DBV_T(e[i].action),
                     DBV_I(e[i].from), DBV_I(e[i].to), DBV_I(e[i].step), DBV_T(e[i].agency),
                     e[i].step_due ? DBV_I(e[i].step_due) : DBV_NULL_VAL, DBV_T(e[i].reason),
                     UPTO(d->received_at), due && d->due_at ? DBV_I(d->due_at) : DBV_NULL_VAL,
                     UPTO(d->finished_at), UPTO(d->returned_at), UPTO(d->paid_at),
                     DBV_I(d->fee_vnd), DBV_I(sup), DBV_I(fl),
                     e[i].to == DS_RETURNED && d->rating ? DBV_I(d->rating) : DBV_NULL_VAL);
        int r = db_step(st, x->err);
        db_reset(st);
        if (r < 0) return (ts_code)-r;
    }
#undef UPTO
    return TS_OK;
}

static ts_code one(ts_ctx *x, demo_st *s, int i)
{
    arena *A = s->tmp;
    db_stmt *st;
    const char *sreason = supplement_reasons[pick(s, NA(supplement_reasons))];
    wt_pause ps[2];
    int np = 0;
    /* the procedure */
    double w = unif(s) * s->wsum;
    dproc *dp = &s->procs[0];
    for (int k = 0; k < s->nprocs; k++) {
        dp = &s->procs[k];
        if ((w -= dp->weight) <= 0) break;
    }
    dossier d = {.procedure_code = dp->p.code,
                 .procedure_version = dp->p.version,
                 .form = "{}",
                 .flags = dp->flags};
    /* where */
    const dagency *recv, *impl;
    if (!strcmp(dp->p.level, "commune")) {
        recv = impl = &s->communes[pick(s, s->ncommunes)];
        d.unit_code = recv->unit;
    } else {
        impl = prov_agency(x, s, dp->p.agency);
        const json_t *rl = json_object_get(dp->doc, "receiving");
        recv = json_array_size(rl) ? prov_agency(x, s, json_string_value(json_array_get(rl, 0)))
                                   : impl;
        if (!recv || !impl) return TS_EINTERNAL;
    }
    d.receiving = recv->code;
    d.implementing = impl->code;
    /* how */
    double ch = unif(s);
    d.channel = ch < (dp->online ? 0.55 : 0.22) ? DCH_ONLINE : ch > 0.97 ? DCH_POST : DCH_COUNTER;
    if (d.channel == DCH_ONLINE && (i % 997) == 0) d.owner_id = s->owners[(i / 997) % 2];
    /* its papers as files: every online one, half the counter ones (scanned) */
    int pidx = (int)(dp - s->procs);
    int ndig = d.channel == DCH_ONLINE ? 1 + pick(s, 2) : unif(s) < 0.5 ? 1 : 0;
    const char *reused_from = d.channel == DCH_ONLINE && unif(s) < 0.08 ? s->last_code[pidx] : NULL;
    d.applicant_kind = "citizen";
    d.applicant_name = person(s, A);
    d.applicant_id_number = arena_printf(A, "027%d%08llu", (int)(rnd(s) % 4),
                                         (unsigned long long)(rnd(s) % 100000000ull));
    d.applicant_phone = arena_printf(A, "09%08llu", (unsigned long long)(rnd(s) % 100000000ull));
    /* when: received at the intake instant; online ones were sent up to a day before */
    int64_t t = s->times[i];
    d.received_at = t;
    d.submitted_at = d.channel == DCH_ONLINE ? t - (int64_t)(unif(s) * 900) : t;
    /* the code: the receiving agency's next number of the day it was filed */
    int y, m, dd, hh, mm;
    wt_local_split(d.submitted_at, &y, &m, &dd, &hh, &mm);
    char day[8];
    snprintf(day, sizeof day, "%02d%02d%02d", y % 100, m, dd);
    ctr *c = counter(s, recv->code, day);
    d.code = arena_printf(A, "%s-%s-%04lld", recv->code, day, (long long)++c->last);
    if (reused_from) reused_from = arena_strdup(A, reused_from);
    free(s->last_code[pidx]);
    s->last_code[pidx] = strdup(d.code);

    ev e[24];
    int ne = 0;
    e[ne++] = (ev){d.submitted_at,
                   d.channel == DCH_ONLINE ? "submit" : "intake",
                   DS_DRAFT,
                   d.channel == DCH_ONLINE ? DS_SUBMITTED : DS_RECEIVED,
                   0,
                   d.channel == DCH_ONLINE ? NULL : recv->code,
                   0,
                   NULL};
    /* the fate */
    double f = unif(s);
    bool still_new = t > s->now - 90 && d.channel == DCH_ONLINE; /* the last hour's online ones */
    if (still_new || (d.channel == DCH_ONLINE && f < 0.015)) {
        /* waiting for intake, or refused at it */
        d.received_at = 0;
        if (!still_new) {
            d.status = DS_REFUSED;
            d.closed_at = t;
            d.reason = "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan";
            e[ne++] = (ev){t, "refuse", DS_SUBMITTED, DS_REFUSED, 0, recv->code, 0, d.reason};
        } else {
            d.status = DS_SUBMITTED;
            d.handler = recv->code;
            d.handler_path = recv->path;
            d.handler_role = ROLE_OFFICER;
        }
        goto write;
    }
    if (d.channel == DCH_ONLINE)
        e[ne++] = (ev){t, "receive", DS_SUBMITTED, DS_RECEIVED, 0, recv->code, 0, NULL};
    dz_time tm;
    if (!dz_case_time(dp->doc, 0, d.channel, &tm)) tm = (dz_time){WT_WORKING_DAYS, 5, false};
    wt_deadline_in in = {.received = t,
                         .unit = (wt_unit)tm.unit,
                         .amount = tm.amount,
                         .same_day = tm.same_day,
                         .hours = &recv->hours};
    wt_deadline dl;
    if (!wt_deadline_compute(s->cal, &in, &dl)) return TS_EINTERNAL;
    /* a supplement request (9 %, a second one for some) */
    if (unif(s) < 0.09 && dl.total > 60) {
        int64_t from = wt_add_working(s->cal, &recv->hours, dl.counted_from, dl.total / 5, 0);
        int64_t to =
            wt_add_working(s->cal, &recv->hours, from, 480 * (1 + pick(s, 5)) + pick(s, 200), 0);
        ps[np++] = (wt_pause){from, to};
        if (unif(s) < 0.12) {
            int64_t f2 = wt_add_working(s->cal, &recv->hours, to, dl.total / 4, 0);
            ps[np++] =
                (wt_pause){f2, wt_add_working(s->cal, &recv->hours, f2, 480 * (1 + pick(s, 3)), 0)};
        }
        in.pauses = ps;
        in.npauses = np;
        if (!wt_deadline_compute(s->cal, &in, &dl)) return TS_EINTERNAL;
    }
    d.counted_from = dl.counted_from;
    d.total_minutes = dl.total;
    d.due_at = dl.due;
    d.supplements = np;
    d.fee_vnd = dp->fee;
    /* when it is finished: early or on time mostly, some late */
    bool late = unif(s) < (np > 1 ? 0.5 : 0.07);
    int64_t span = dl.due - dl.counted_from;
    int64_t fin =
        late ? wt_add_working(s->cal, &recv->hours, dl.due, 60 + pick(s, 480 * 5), 0)
             : wt_add_working(s->cal, &recv->hours,
                              dl.counted_from + (int64_t)((0.25 + 0.73 * unif(s)) * span), 0, 0);
    if (!late && fin > dl.due) fin = dl.due;
    double g = unif(s);
    int end_status = g < 0.02 ? DS_WITHDRAWN : g < 0.027 ? DS_STOPPED : DS_RETURNED;
    /* the steps, each taking its share of the time to the finish */
    int64_t at = t;
    int64_t done_span = fin - t;
    double cum = 0;
    int step = 0;
    int pi = 0;
    d.status = DS_RECEIVED;
    for (int k = 0; k < dp->nsteps; k++) {
        const dossier_step *sp = &dp->steps[k];
        const dagency *sa = !strcmp(sp->agency, "receiving")      ? recv
                            : !strcmp(sp->agency, "implementing") ? impl
                                                                  : prov_agency(x, s, sp->agency);
        if (!sa) sa = impl;
        int64_t sdue =
            dl.total && sp->share_percent
                ? wt_add_working(s->cal, &recv->hours, at > dl.counted_from ? at : dl.counted_from,
                                 dl.total * sp->share_percent / 100, 0)
                : dl.due;
        step = k;
        d.step = k;
        d.step_started = at;
        d.step_due = sdue;
        d.handler = sa->code;
        d.handler_path = sa->path;
        d.handler_role = sp->role;
        /* supplement pauses that fall in this step */
        while (pi < np &&
               ps[pi].from < t + (int64_t)((cum + sp->share_percent / 100.0) * done_span)) {
            if (ps[pi].from > s->now) break;
            e[ne++] =
                (ev){ps[pi].from, "request_supplement", d.status, DS_SUPPLEMENT, k, sa->code, sdue,
                     sreason};
            if (ps[pi].to > s->now) { /* still waiting for the applicant */
                d.status = DS_SUPPLEMENT;
                d.due_at = 0;
                d.handler = NULL;
                d.handler_path = NULL;
                d.reason = sreason;
                goto pauses;
            }
            e[ne++] = (ev){ps[pi].to, "supplement", DS_SUPPLEMENT, k ? DS_PROCESSING : DS_RECEIVED,
                           k,         NULL,         sdue,          NULL};
            pi++;
        }
        cum += sp->share_percent / 100.0;
        int64_t next = t + (int64_t)(cum * done_span);
        if (k == dp->nsteps - 1 || next > s->now) break;
        if (end_status == DS_WITHDRAWN && cum > 0.5) break;
        e[ne++] = (ev){next, "forward", d.status, DS_PROCESSING, k + 1, sa->code, 0, NULL};
        d.status = DS_PROCESSING;
        at = next;
    }
    if (fin > s->now) goto pauses; /* in progress */
    if (end_status != DS_RETURNED) {
        d.status = end_status;
        d.closed_at = fin;
        d.reason = end_status == DS_WITHDRAWN ? "Công dân đề nghị rút hồ sơ để bổ sung sau"
                                              : "Người yêu cầu không đủ điều kiện theo quy định";
        d.handler = d.handler_path = d.handler_role = NULL;
        e[ne++] = (ev){fin,
                       end_status == DS_WITHDRAWN ? "withdraw" : "stop",
                       DS_PROCESSING,
                       end_status,
                       step,
                       end_status == DS_WITHDRAWN ? recv->code : impl->code,
                       0,
                       d.reason};
        goto pauses;
    }
    if (d.fee_vnd) {
        d.paid_at = t + 5;
        d.payment_way = d.channel == DCH_ONLINE && unif(s) < 0.6 ? "online" : "counter";
    }
    d.status = DS_DONE;
    d.finished_at = fin;
    d.result_number = arena_printf(A, "%lld/%d/KQ", (long long)c->last, y);
    d.result_signer = signers[pick(s, NA(signers))];
    d.handler = recv->code;
    d.handler_path = recv->path;
    d.handler_role = ROLE_OFFICER;
    e[ne++] = (ev){fin, "finish", DS_PROCESSING, DS_DONE, step, impl->code, 0, NULL};
    int64_t ret = wt_add_working(s->cal, &recv->hours, fin, pick(s, 480 * 2), 0);
    if (ret <= s->now) {
        d.status = DS_RETURNED;
        d.returned_at = ret;
        d.return_way = d.channel == DCH_ONLINE ? "online"
                       : d.channel == DCH_POST ? "post"
                                               : "counter";
        d.handler = d.handler_path = d.handler_role = NULL;
        e[ne++] = (ev){ret, "return", DS_DONE, DS_RETURNED, step, recv->code, 0, NULL};
        if (unif(s) < 0.45) {
            double rr = unif(s);
            d.rating = rr < 0.62 ? 5 : rr < 0.87 ? 4 : rr < 0.96 ? 3 : rr < 0.99 ? 2 : 1;
        }
    }
pauses:;
    /* the row */
write:
    TS_TRY(
        db_prepare(x->db,
                   "INSERT INTO dossiers (code, status, rev, procedure_code, procedure_version, "
                   "case_index, channel, owner_id, applicant_kind, applicant_name, "
                   "applicant_id_number, applicant_phone, unit_code, receiving, implementing, "
                   "handler, handler_path, handler_role, step, step_started, step_due, form, "
                   "created_at, created_by, submitted_at, received_at, counted_from, "
                   "total_minutes, due_at, extended, supplements, fee_vnd, paid_at, "
                   "payment_way, finished_at, returned_at, closed_at, result_number, "
                   "result_signer, return_way, reason, rating, in_at, end_at, digitised, reused, "
                   "flags) VALUES (?, ?, 1, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, '{}', ?, 'demo', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?, ?, ?, ?) RETURNING id",
                   &st, x->err));
    int64_t flags =
        dz_flags(&d) | (ndig ? DF_DIGITISED : 0) | (reused_from && ndig ? DF_REUSED : 0);
#define OPT(v) ((v) ? DBV_I(v) : DBV_NULL_VAL)
    db_bind_list(st, DBV_T(d.code), DBV_I(d.status), DBV_T(d.procedure_code),
                 DBV_I(d.procedure_version), DBV_I(d.channel), OPT(d.owner_id),
                 DBV_T(d.applicant_kind), DBV_T(d.applicant_name), DBV_T(d.applicant_id_number),
                 DBV_T(d.applicant_phone), DBV_T(d.unit_code), DBV_T(d.receiving),
                 DBV_T(d.implementing), DBV_T(d.handler), DBV_T(d.handler_path),
                 DBV_T(d.handler_role), DBV_I(d.step), OPT(d.step_started), OPT(d.step_due),
                 DBV_T(s->created), OPT(d.submitted_at), OPT(d.received_at), OPT(d.counted_from),
                 OPT(d.total_minutes), OPT(d.due_at), DBV_I(d.supplements), DBV_I(d.fee_vnd),
                 OPT(d.paid_at), DBV_T(d.payment_way), OPT(d.finished_at), OPT(d.returned_at),
                 OPT(d.closed_at), DBV_T(d.result_number), DBV_T(d.result_signer),
                 DBV_T(d.return_way), DBV_T(d.reason), OPT(d.rating),
                 OPT(d.received_at ? d.received_at
                     : d.closed_at ? d.submitted_at
                                   : 0),
                 OPT(d.finished_at ? d.finished_at : d.closed_at), DBV_I(ndig),
                 DBV_I(reused_from && ndig ? 1 : 0), DBV_I(flags));
#undef OPT
    int r = db_step(st, x->err);
    int64_t id = r == DB_ROW ? db_col_int(st, 0) : 0;
    db_reset(st);
    if (r < 0) return (ts_code)-r;
    TS_TRY(insert_events(x, id, e, ne, &d, flags));
    if (ndig) {
        db_stmt *fs;
        TS_TRY(
            db_prepare(x->db,
                       "INSERT INTO dossier_files (dossier_id, kind, component, sha256, filename, "
                       "media_type, size, reused_from, added_at, added_by) VALUES (?, ?, ?, ?, "
                       "?, 'application/pdf', ?, ?, ?, 'demo')",
                       &fs, x->err));
        for (int k = 0; k < ndig; k++) {
            db_bind_list(fs, DBV_I(id), DBV_T(d.channel == DCH_ONLINE ? "component" : "scan"),
                         DBV_I(k), DBV_T(s->scan.sha256), DBV_T(s->scan.filename),
                         DBV_I(s->scan.len), DBV_T(k == 0 ? reused_from : NULL), DBV_T(s->created));
            int rf = db_step(fs, x->err);
            db_reset(fs);
            if (rf < 0) return (ts_code)-rf;
        }
    }
    if (d.paid_at) { /* the payment record and its receipt (the pay action's) */
        db_stmt *pay;
        bool online = !strcmp(d.payment_way, "online");
        TS_TRY(db_prepare(x->db,
                          "INSERT INTO dossier_payments (dossier_id, seq, amount_vnd, way, "
                          "provider, online, reference, receipt_no, paid_at, paid_min, "
                          "confirmed_by, confirmed_name) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, "
                          "'demo', ?)",
                          &pay, x->err));
        db_bind_list(pay, DBV_I(id), DBV_I(d.fee_vnd), DBV_T(d.payment_way),
                     DBV_T(online ? "payment-platform" : "manual"), DBV_I(online),
                     DBV_T(online ? arena_printf(A, "PAYGOV%lld", (long long)id) : NULL),
                     DBV_T(arena_printf(A, "%s/1", d.code)), DBV_T(s->created), DBV_I(d.paid_at),
                     DBV_T(online ? "Nền tảng thanh toán trực tuyến" : "Cán bộ một cửa"));
        int rp = db_step(pay, x->err);
        db_reset(pay);
        if (rp < 0) return (ts_code)-rp;
    }
    if (d.supplements) {
        db_stmt *ps_st;
        TS_TRY(db_prepare(x->db,
                          "INSERT INTO dossier_pauses (dossier_id, from_at, to_at, reason, "
                          "implementing, receiving) VALUES (?, ?, ?, ?, ?, ?)",
                          &ps_st, x->err));
        for (int k = 0; k < np && ps[k].from <= s->now; k++) {
            db_bind_list(ps_st, DBV_I(id), DBV_I(ps[k].from),
                         ps[k].to <= s->now ? DBV_I(ps[k].to) : DBV_NULL_VAL, DBV_T(sreason),
                         DBV_T(d.implementing), DBV_T(d.receiving));
            int r2 = db_step(ps_st, x->err);
            db_reset(ps_st);
            if (r2 < 0) return (ts_code)-r2;
        }
    }
    s->res->by_status[d.status]++;
    return TS_OK;
}

static ts_code batch_tx(ts_ctx *x, void *argp)
{
    demo_st *s = argp;
    int from = s->done, to = s->done + s->batch < s->total ? s->done + s->batch : s->total;
    dossiers_demo_result saved = *s->res;
    s->created = ts_now(x);
    if (!from) {
        file_info fi;
        bool fresh;
        TS_TRY(files_keep(x, FILE_ATTACHMENT, &s->scan, &fi, &fresh));
    }
    for (int i = from; i < to; i++) {
        arena_reset(s->tmp);
        ts_code rc = one(x, s, i);
        if (rc != TS_OK) {
            *s->res = saved;
            return rc == TS_EINTERNAL && !x->err->code
                       ? ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "demo dossier")
                       : rc;
        }
    }
    /* the counters as the batch leaves them */
    db_stmt *st;
    TS_TRY(db_prepare(x->db,
                      "INSERT INTO dossier_counters (agency, day, last) VALUES (?, ?, ?) ON "
                      "CONFLICT (agency, day) DO UPDATE SET last = excluded.last",
                      &st, x->err));
    for (int i = 0; i < NCTR; i++) {
        if (!s->ctrs[i].key[0] || s->ctrs[i].last <= 0) continue;
        char *bar = strchr(s->ctrs[i].key, '|');
        *bar = '\0';
        db_bind_list(st, DBV_T(s->ctrs[i].key), DBV_T(bar + 1), DBV_I(s->ctrs[i].last));
        int r = db_step(st, x->err);
        db_reset(st);
        *bar = '|';
        if (r < 0) return (ts_code)-r;
    }
    json_t *sum = json_pack("{s:i,s:i,s:i}", "from", from + 1, "to", to, "of", s->total);
    ts_code rc = ts_audit(x, "dossier.demo", "dossier", "demo", NULL, sum);
    json_decref(sum);
    TS_TRY(rc);
    s->done = to;
    return TS_OK;
}

/* The notices a live province would have: the demo citizens' dossiers as
 * they stand, and the newest dossiers waiting in each queue, so that the
 * notification list shows something after `make run`. */
typedef struct demo_notice {
    const char *code, *proc, *handler_path, *handler_role;
    int status;
    int64_t owner_id, due_at;
} demo_notice;
static const db_colmap notice_map[] = {
    DBC(TEXT, demo_notice, code),         DBC(TEXT, demo_notice, proc),
    DBC(TEXT, demo_notice, handler_path), DBC(TEXT, demo_notice, handler_role),
    DBC(INT, demo_notice, status),        DBC(I64, demo_notice, owner_id),
    DBC(I64, demo_notice, due_at),
};
static const db_rowspec notice_rs = {sizeof(demo_notice), notice_map, 7, NULL};

static ts_code notices_tx(ts_ctx *x, void *arg)
{
    (void)arg;
    demo_notice *rows;
    int n = 0;
    TS_TRY(db_query_all(x->db, x->a,
                        "SELECT d.code, p.name, d.handler_path, d.handler_role, d.status, "
                        "d.owner_id, d.due_at FROM dossiers d JOIN procedures p ON p.code = "
                        "d.procedure_code AND p.version = d.procedure_version WHERE d.owner_id IS "
                        "NOT NULL AND d.created_by = 'demo' ORDER BY d.id",
                        NULL, 0, &notice_rs, 400, (void **)&rows, &n, x->err));
    for (int i = 0; i < n; i++) {
        const demo_notice *r = &rows[i];
        notify_msg m = {
            arena_printf(x->a, "dossier.%s", dossier_status_word(r->status)),
            r->code,
            arena_printf(x->a, "/ho-so/%s", r->code),
            NULL,
            arena_printf(x->a, "Hồ sơ %s: %s", r->code, dossier_status_name(r->status, 0)),
            arena_printf(x->a, "Dossier %s: %s", r->code, dossier_status_name(r->status, 1)),
            r->due_at ? arena_printf(x->a, "«%s». Hẹn trả kết quả: %s.", r->proc,
                                     dz_when(x, r->due_at, 0))
                      : arena_printf(x->a, "«%s».", r->proc),
            r->due_at
                ? arena_printf(x->a, "“%s”. Result due: %s.", r->proc, dz_when(x, r->due_at, 1))
                : arena_printf(x->a, "“%s”.", r->proc)};
        notify_to to = {.account_id = r->owner_id};
        TS_TRY(notify_send(x, &m, &to));
    }
    TS_TRY(db_query_all(x->db, x->a,
                        "SELECT d.code, p.name, d.handler_path, d.handler_role, d.status, "
                        "d.owner_id, d.step_due FROM dossiers d JOIN procedures p ON p.code = "
                        "d.procedure_code AND p.version = d.procedure_version WHERE d.status IN "
                        "(1, 2, 4) AND d.handler_path IS NOT NULL AND d.created_by = 'demo' ORDER "
                        "BY d.step_started DESC, d.id DESC",
                        NULL, 0, &notice_rs, 300, (void **)&rows, &n, x->err));
    for (int i = n - 1; i >= 0; i--) { /* oldest first: the newest gets the highest id */
        const demo_notice *r = &rows[i];
        notify_msg m = {
            "dossier.queued",
            r->code,
            arena_printf(x->a, "/ho-so/%s", r->code),
            NULL,
            arena_printf(x->a, "Hồ sơ %s chờ xử lý", r->code),
            arena_printf(x->a, "Dossier %s waits in your queue", r->code),
            r->due_at
                ? arena_printf(x->a, "«%s». Hạn xử lý bước: %s.", r->proc, dz_when(x, r->due_at, 0))
                : arena_printf(x->a, "«%s».", r->proc),
            r->due_at ? arena_printf(x->a, "“%s”. Step due: %s.", r->proc, dz_when(x, r->due_at, 1))
                      : arena_printf(x->a, "“%s”.", r->proc)};
        notify_to to = {.queue_path = r->handler_path, .queue_role = r->handler_role};
        TS_TRY(notify_send(x, &m, &to));
    }
    return TS_OK;
}

ts_code dossiers_demo(ts_ctx *x, int n, void (*progress)(int done, int total),
                      dossiers_demo_result *out)
{
    memset(out, 0, sizeof *out);
    TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, NULL));
    int64_t have = 0;
    TS_TRY(db_int(x->db, x->err, &have, 0, "SELECT COUNT(*) FROM dossiers WHERE created_by = ?",
                  DBV_T("demo")));
    if (have) {
        out->existing = have;
        return TS_OK;
    }
    if (n <= 0) return TS_OK;
    demo_st s = {.total = n,
                 .batch = 20000,
                 .rng = 0x9e3779b97f4a7c15ull,
                 .res = out,
                 .tmp = arena_new(1 << 14)};
    ts_code rc = setup(x, &s);
    while (rc == TS_OK && s.done < s.total) {
        rc = ts_write(x, batch_tx, &s);
        if (rc == TS_OK && progress) progress(s.done, s.total);
    }
    for (int i = 0; i < s.nprocs; i++)
        json_decref(s.procs[i].doc);
    free(s.times);
    free(s.ctrs);
    for (int i = 0; i < 64; i++)
        free(s.last_code[i]);
    arena_free(s.tmp);
    out->inserted = s.done;
    if (rc == TS_OK && s.done) rc = ts_write(x, notices_tx, NULL);
    /* the planner's statistics of the tables just filled (both backends) */
    if (rc == TS_OK && s.done) rc = db_exec(x->db, "ANALYZE", x->err);
    return rc;
}
