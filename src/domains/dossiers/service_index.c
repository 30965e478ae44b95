/*
 * service_index — the Decision 766/QĐ-TTg scorecard, live: each indicator's
 * rate computed from the dossiers and the catalogue as they are now, for
 * the province and every agency that implements procedures, over a period.
 * What is scored and how much it weighs is data (data/service-index/766.json:
 * groups, indicators with their maximum, threshold and the metric they
 * read); this file only measures the metrics. Below an indicator's
 * threshold its points are rate × max ÷ threshold. The feedback indicators
 * (handled on time, satisfaction) come from the feedback domain's figures
 * per answering agency. A metric tinhso has no source for yet (the national
 * portal's synchronisation and data store) is shown as not available, never
 * as zero, and the score is out of what is available.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../db/dbrow.h"
#include "../../lib/embed.h"
#include "../../lib/jsonw.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "../feedback/feedback.h"
#include "dossiers_int.h"

/* What the dossiers say, per implementing agency. */
typedef struct counts {
    int64_t finished, on_time, late, complained, received, tt_received, tt_online, paid,
        paid_online, returned, returned_online, digitised, reused, pop;
} counts;
#define NCOUNTS 14

/* One current procedure, as the transparency, payment and population
 * indicators see it. */
typedef struct proc_facts {
    const char *code, *agency, *level;
    bool toan_trinh, fee, complete, population;
} proc_facts;

typedef struct agency_facts {
    const char *code, *name;
    counts c;
    int nprocs, complete, fee, fee_integrated, fee_paid_online, population;
    /* what citizen feedback says (the feedback domain's figures) */
    int64_t fb_answered, fb_on_time, fb_rated, fb_satisfied;
} agency_facts;

static void facts_of(const procedure *p, proc_facts *f)
{
    json_error_t je;
    json_t *doc = json_loads(p->doc, 0, &je);
    *f = (proc_facts){.code = p->code,
                      .agency = p->agency,
                      .level = p->level,
                      .toan_trinh = !strcmp(p->service_level, "toan_trinh")};
    const json_t *cases = json_object_get(doc, "cases");
    bool times = json_array_size(cases) > 0;
    for (size_t i = 0; i < json_array_size(cases); i++) {
        const json_t *c = json_array_get(cases, i);
        times &= json_array_size(json_object_get(c, "times")) > 0;
        const json_t *fees = json_object_get(c, "fees");
        for (size_t k = 0; k < json_array_size(fees); k++) {
            const json_t *fe = json_array_get(fees, k);
            if (json_integer_value(json_object_get(fe, "amount_vnd")) > 0 ||
                json_is_string(json_object_get(fe, "rule")))
                f->fee = true;
        }
    }
    const json_t *comps = json_object_get(doc, "components");
    for (size_t i = 0; i < json_array_size(comps); i++)
        if (json_is_true(json_object_get(json_array_get(comps, i), "from_state_data")))
            f->population = true;
    f->complete = times && json_array_size(comps) > 0 &&
                  json_array_size(json_object_get(doc, "legal_basis")) > 0 &&
                  json_array_size(json_object_get(doc, "results")) > 0;
    json_decref(doc);
}

/* The agency's share of the catalogue: its own province-level procedures,
 * or every commune-level one for a commune committee. */
static bool implements(const proc_facts *p, const agency_facts *a, bool commune)
{
    if (!a->code) return true; /* the province */
    return commune ? !strcmp(p->level, "commune") : p->agency && !strcmp(p->agency, a->code);
}

static agency_facts *find_or_add(ts_ctx *x, agency_facts **list, int *n, int *cap, const char *code)
{
    for (int i = 0; i < *n; i++)
        if ((*list)[i].code && !strcmp((*list)[i].code, code)) return &(*list)[i];
    *list = dbrow_grow(x->a, *list, sizeof **list, *n, cap);
    agency_facts *a = &(*list)[(*n)++];
    memset(a, 0, sizeof *a);
    a->code = arena_strdup(x->a, code);
    return a;
}

/* ---- scoring from the data file --------------------------------------------------- */

/* A metric's value for one agency: available, numerator / denominator, or
 * why it is not available. */
typedef struct measure {
    bool available;
    int64_t num, den;
    const char *why, *why_en;
} measure;

static measure measure_of(const char *metric, const agency_facts *a)
{
    const counts *c = &a->c;
    measure m = {true, 0, 0, NULL, NULL};
#define M(name, n_, d_)                                                                            \
    if (!strcmp(metric, name)) {                                                                   \
        m.num = (n_);                                                                              \
        m.den = (d_);                                                                              \
        return m;                                                                                  \
    }
    M("dossiers_on_time", c->on_time, c->finished)
    M("dossiers_fully_online", c->tt_online, c->tt_received)
    M("dossiers_paid_online", c->paid_online, c->paid)
    M("dossiers_electronic_result", c->returned_online, c->returned)
    M("dossiers_digitised", c->digitised, c->received)
    M("dossiers_reused", c->reused, c->digitised)
    M("population_dossier", c->pop, c->received)
    M("procedures_complete", a->complete, a->nprocs)
    M("procedures_fee_integrated", a->fee_integrated, a->fee)
    M("procedures_paid_online", a->fee_paid_online, a->fee)
    M("population_procedure", a->population, a->nprocs)
    M("feedback_on_time", a->fb_on_time, a->fb_answered)
    M("feedback_satisfaction", a->fb_satisfied, a->fb_rated)
    /* 100 % − (late % + dissatisfied %): as a rate over the finished */
    if (!strcmp(metric, "handling_satisfaction")) {
        m.den = c->finished;
        m.num = c->finished - c->late - c->complained;
        if (m.num < 0) m.num = 0;
        return m;
    }
#undef M
    m.available = false;
    if (!strcmp(metric, "dossiers_synced")) {
        m.why = "Chưa kết nối Cổng Dịch vụ công quốc gia (đã có luồng dữ liệu xuất)";
        m.why_en = "Not connected to the national portal";
    } else if (!strncmp(metric, "procedures_", 11)) {
        m.why = "Chưa lưu ngày công bố quyết định thủ tục hành chính";
        m.why_en = "The announcement dates of procedures are not recorded";
    } else {
        m.why = "Chưa có nguồn dữ liệu";
        m.why_en = "No data source yet";
    }
    return m;
}

static void kfixed(jsonw *w, const char *k, double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.2f", v);
    jw_key(w, k);
    jw_raw(w, buf, strlen(buf));
}

/* One agency's scorecard from the index's groups. */
static void write_card(jsonw *w, const json_t *index, const agency_facts *a)
{
    jw_obj_begin(w);
    jw_kstr(w, "agency", a->code);
    jw_kstr(w, "agency_name", a->name);
    double total = 0, total_max = 0;
    jw_key(w, "groups");
    jw_arr_begin(w);
    const json_t *groups = json_object_get(index, "groups");
    for (size_t g = 0; g < json_array_size(groups); g++) {
        const json_t *grp = json_array_get(groups, g);
        double pts = 0, avail = 0;
        jw_obj_begin(w);
        jw_kstr(w, "id", json_string_value(json_object_get(grp, "id")));
        jw_kstr(w, "name", json_string_value(json_object_get(grp, "name")));
        jw_kstr(w, "name_en", json_string_value(json_object_get(grp, "name_en")));
        jw_kint(w, "max", json_integer_value(json_object_get(grp, "max")));
        jw_key(w, "indicators");
        jw_arr_begin(w);
        const json_t *inds = json_object_get(grp, "indicators");
        for (size_t i = 0; i < json_array_size(inds); i++) {
            const json_t *ind = json_array_get(inds, i);
            const char *metric = json_string_value(json_object_get(ind, "metric"));
            double max = (double)json_integer_value(json_object_get(ind, "max"));
            double thr = (double)json_integer_value(json_object_get(ind, "threshold"));
            measure m = measure_of(metric ? metric : "", a);
            jw_obj_begin(w);
            jw_kstr(w, "id", json_string_value(json_object_get(ind, "id")));
            jw_kstr(w, "name", json_string_value(json_object_get(ind, "name")));
            jw_kstr(w, "name_en", json_string_value(json_object_get(ind, "name_en")));
            jw_kstr(w, "metric", metric);
            jw_kint(w, "max", (int64_t)max);
            jw_kint(w, "threshold_percent", (int64_t)thr);
            bool data = m.available && m.den > 0;
            jw_kbool(w, "available", data);
            if (data) {
                double rate = 100.0 * (double)m.num / (double)m.den;
                double p = thr <= 0 || rate >= thr ? max : rate * max / thr;
                jw_kint(w, "numerator", m.num);
                jw_kint(w, "denominator", m.den);
                kfixed(w, "rate_percent", rate);
                kfixed(w, "points", p);
                pts += p;
                avail += max;
            } else {
                bool fbm = metric && !strncmp(metric, "feedback_", 9);
                jw_kstr(w, "reason",
                        !m.available ? m.why
                        : fbm ? "Chưa có phản ánh, kiến nghị được xử lý trong kỳ"
                              : "Chưa có hồ sơ trong kỳ");
                jw_kstr(w, "reason_en",
                        !m.available ? m.why_en
                        : fbm        ? "No feedback handled in the period"
                                     : "No dossiers in the period");
            }
            jw_obj_end(w);
        }
        jw_arr_end(w);
        kfixed(w, "points", pts);
        jw_kint(w, "max_available", (int64_t)avail);
        jw_obj_end(w);
        total += pts;
        total_max += avail;
    }
    jw_arr_end(w);
    kfixed(w, "score", total);
    jw_kint(w, "max_available", (int64_t)total_max);
    kfixed(w, "score_percent", total_max > 0 ? 100.0 * total / total_max : 0);
    jw_obj_end(w);
}

/* ---- measuring ----------------------------------------------------------------------- */

#define CNT(cond) "COUNT(*) FILTER (WHERE " cond ")"
#define FIN "d.finished_at >= ?1 AND d.finished_at < ?2"
#define REC "d.received_at >= ?1 AND d.received_at < ?2"
#define HAS(bit) "(d.flags & " #bit ") <> 0"

static const char
    counts_sql
        [] = "SELECT d.implementing, d.procedure_code, " CNT(FIN) ", " CNT(FIN " AND d.finished_at "
                                                                               "<= d.due_at AND "
                                                                               "(d.flags & 64) = 0") ", " CNT(FIN
                                                                                                              " AND (d.finished_at > d.due_at OR (d.flags & 64) <> 0)") ", " CNT("d.rating <= 2 AND " FIN) ", " CNT(REC) ", " CNT(HAS(1) " AND " REC) ", " CNT("d.channel = 2 AND " HAS(1) " AND " REC) ", " CNT("d.paid_at >= ?1 AND d.paid_at < ?2") ", " CNT(HAS(4) " AND d.paid_at >= ?1 AND d.paid_at < ?2") ", " CNT("d.returned_at >= ?1 AND d.returned_at < ?2") ", " CNT(HAS(8) " AND d.returned_at >= ?1 AND d.returned_at < ?2") ", " CNT(HAS(16) " AND " REC) ", " CNT(HAS(32) " AND " REC) ", " CNT(HAS(2) " AND " REC) " "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                     "FROM dossiers d WHERE d.in_at < ?2 AND (d.end_at IS NULL OR d.end_at >= ?3)%s GROUP BY "
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                     "d.implementing, d.procedure_code"; /* the index's order: no sort */

ts_code dossiers_service_index(ts_ctx *x, const dossier_stats_q *q, struct jsonw *w)
{
    int64_t f, t;
    TS_TRY(dossiers_period(x, q->from, q->to, &f, &t));
    const ts_embedded *e = ts_embedded_find(ts_data_files, "data/service-index/766.json");
    json_error_t je;
    json_t *index = e ? json_loadb((const char *)e->data, e->len, 0, &je) : NULL;
    if (!index) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "service index data");
    /* the catalogue */
    procedures_query pq = {.limit = 5000, .docs = true};
    procedure *ps;
    int np;
    int64_t ptotal;
    ts_code rc = procedures_list(x, &pq, &ps, &np, &ptotal);
    proc_facts *pf = arena_calloc(x->a, sizeof *pf * (size_t)(np ? np : 1));
    for (int i = 0; rc == TS_OK && i < np; i++)
        facts_of(&ps[i], &pf[i]);
    /* the agencies in scope: those with dossiers, and those implementing procedures */
    const char *path = NULL, *scope = "";
    if (rc == TS_OK && q->agency) {
        rc = dz_agency_path(x, q->agency, &path);
        scope = " AND d.implementing IN (SELECT sa.code FROM agencies sa WHERE sa.path LIKE ?4)";
    }
    int n = 0, cap = 64;
    agency_facts *ag = arena_calloc(x->a, sizeof *ag * (size_t)cap);
    agency_facts prov = {0};
    db_val v[4] = {DBV_I(f), DBV_I(t), DBV_I(f - 30 * 1440),
                   DBV_T(path ? arena_printf(x->a, "%s%%", path) : NULL)};
    db_stmt *s;
    char **paid = NULL; /* "agency|procedure" of the procedures with an online payment */
    int npaid = 0;
    if (rc == TS_OK) rc = db_prepare(x->db, arena_printf(x->a, counts_sql, scope), &s, x->err);
    if (rc == TS_OK) {
        db_bind_vals(s, 1, v, path ? 4 : 3);
        int r;
        int pcap = 64;
        paid = arena_calloc(x->a, sizeof *paid * (size_t)pcap);
        while ((r = db_step(s, x->err)) == DB_ROW) {
            agency_facts *a = find_or_add(x, &ag, &n, &cap, db_col_text(s, 0));
            int64_t *cv = &a->c.finished, *pv = &prov.c.finished;
            for (int k = 0; k < NCOUNTS; k++) {
                int64_t v1 = db_col_int(s, 2 + k);
                cv[k] += v1;
                pv[k] += v1;
            }
            if (db_col_int(s, 2 + 8) >
                0) { /* paid online: this procedure has had an online payment */
                paid = dbrow_grow(x->a, paid, sizeof *paid, npaid, &pcap);
                paid[npaid++] = arena_printf(x->a, "%s|%s", db_col_text(s, 0), db_col_text(s, 1));
            }
        }
        db_reset(s);
        if (r < 0) rc = (ts_code)-r;
    }
    /* citizen feedback: answered on time, satisfied, per agency answering */
    if (rc == TS_OK) {
        fb_stats fs;
        fb_stats_q fq = {.by = "agency", .from = f, .to = t};
        rc = feedback_stats(x, &fq, &fs);
        for (int i = 0; rc == TS_OK && i < fs.n; i++) {
            const fb_stats_row *fr = &fs.rows[i];
            if (!fr->key) continue;
            agency_facts *a = find_or_add(x, &ag, &n, &cap, fr->key);
            agency_facts *both[2] = {a, &prov};
            for (int k = 0; k < 2; k++) {
                both[k]->fb_answered += fr->on_time + fr->late;
                both[k]->fb_on_time += fr->on_time;
                both[k]->fb_rated += fr->rated;
                both[k]->fb_satisfied += fr->ratings[4] + fr->ratings[5];
            }
        }
    }
    if (rc == TS_OK && q->agency) find_or_add(x, &ag, &n, &cap, q->agency);
    /* every implementing agency of the catalogue (in scope) gets a card */
    for (int i = 0; rc == TS_OK && i < np; i++)
        if (pf[i].agency)
            find_or_add(x, &ag, &n, &cap, pf[i].agency); /* out of scope: dropped below */
    /* the catalogue's share of each, and names */
    for (int k = -1; rc == TS_OK && k < n; k++) {
        agency_facts *a = k < 0 ? &prov : &ag[k];
        bool commune = false;
        if (a->code) {
            agency info;
            ts_code r2 = agencies_find(x, a->code, &info);
            if (r2 == TS_OK) {
                a->name = info.name;
                commune = !strcmp(info.kind, "commune_committee");
                if (path && strncmp(info.path, path, strlen(path)))
                    a->code = NULL; /* out of scope */
            } else if (r2 != TS_ENOTFOUND) {
                rc = r2;
            }
            if (!a->code) continue;
        }
        for (int i = 0; i < np; i++) {
            if (!implements(&pf[i], a, commune)) continue;
            a->nprocs++;
            a->complete += pf[i].complete;
            a->population += pf[i].population;
            if (pf[i].fee) {
                a->fee++;
                a->fee_integrated += pf[i].toan_trinh;
                bool any = false;
                for (int j = 0; j < npaid && !any; j++) {
                    const char *bar = strchr(paid[j], '|');
                    any = !strcmp(bar + 1, pf[i].code) &&
                          (!a->code || !strncmp(paid[j], a->code, (size_t)(bar - paid[j])));
                }
                a->fee_paid_online += any;
            }
        }
    }
    if (rc != TS_OK) {
        json_decref(index);
        return rc;
    }
    /* the answer */
    jw_obj_begin(w);
    jw_key(w, "index");
    jw_obj_begin(w);
    jw_kstr(w, "id", json_string_value(json_object_get(index, "id")));
    jw_kstr(w, "name", json_string_value(json_object_get(index, "name")));
    jw_kstr(w, "name_en", json_string_value(json_object_get(index, "name_en")));
    jw_kstr(w, "legal_basis", json_string_value(json_object_get(index, "legal_basis")));
    jw_kstr(w, "note", json_string_value(json_object_get(index, "note")));
    jw_obj_end(w);
    char fb[16], tb[16];
    int y, mo, d, hh, mm;
    wt_local_split(f, &y, &mo, &d, &hh, &mm);
    snprintf(fb, sizeof fb, "%04d-%02d-%02d", y, mo, d);
    wt_local_split(t - 1440, &y, &mo, &d, &hh, &mm);
    snprintf(tb, sizeof tb, "%04d-%02d-%02d", y, mo, d);
    jw_kstr(w, "from", fb);
    jw_kstr(w, "to", tb);
    jw_kstr(w, "agency", q->agency);
    jw_key(w, "scorecards");
    jw_arr_begin(w);
    if (!q->agency) {
        prov.name = "Toàn tỉnh";
        write_card(w, index, &prov);
    }
    for (int k = 0; k < n; k++)
        if (ag[k].code) write_card(w, index, &ag[k]);
    jw_arr_end(w);
    jw_obj_end(w);
    json_decref(index);
    return TS_OK;
}
