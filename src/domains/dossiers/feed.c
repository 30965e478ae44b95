/*
 * feed — GET /api/v1/integration/dossier-changes: every change of every
 * dossier, oldest first, in the national portal's field set (DOMAIN.md §3:
 * the records synchronised to the portal carry the channel, the online
 * payment, the papers taken from the citizen's store, the appointment date,
 * the status 1–10), for an integration job that pushes them on. There is no
 * portal to talk to here: the feed is what such a job reads.
 *
 * One row per dossier_events row except `assign` and `escalate` (they change
 * who inside the agencies looks at the dossier, none of the portal's
 * fields), `rate` included
 * (the portal follows satisfaction). Each row carries the dossier's dates,
 * fee and flags as that change left them (the event's own columns,
 * migration 020), and what never changes once a dossier is filed from the
 * dossier. Keyset pagination on the event id (the primary key): `after` is
 * the last id the job has handled, `next` the one to send next time. Writes
 * are serialised, so ids are committed in order and a cursor never passes
 * over a change committed later (at-least-once: a job that crashes before
 * saving `next` reads some items again, and dedupes on `id`).
 *
 * Who reads it: an agency administrator (its subtree: dossiers received or
 * implemented there) or a system administrator (the province). No personal
 * data: no applicant name, identity number or contacts, no officer names,
 * no reasons.
 */
#include <stdio.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../http/http.h"
#include "../../lib/jsonw.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "dossiers_int.h"

/* ---- the query --------------------------------------------------------------------- */

#define CCOLS                                                                                      \
    "e.id, e.at, e.at_min, e.action, e.from_status, e.to_status, e.step, e.agency, e.step_due, "   \
    "e.received_at, e.due_at, e.finished_at, e.returned_at, e.paid_at, e.fee_vnd, "                \
    "e.supplements, e.flags, e.rating, d.code, d.procedure_code, d.procedure_version, "            \
    "d.channel, d.applicant_kind, d.receiving, d.implementing, d.submitted_at"

static const db_colmap ccols[] = {
    DBC(I64, dossier_change, id),
    DBC(TEXT, dossier_change, at),
    DBC(I64, dossier_change, at_min),
    DBC(TEXT, dossier_change, action),
    DBC(INT, dossier_change, from_status),
    DBC(INT, dossier_change, to_status),
    DBC(INT, dossier_change, step),
    DBC(TEXT, dossier_change, agency),
    DBC(I64, dossier_change, step_due),
    DBC(I64, dossier_change, received_at),
    DBC(I64, dossier_change, due_at),
    DBC(I64, dossier_change, finished_at),
    DBC(I64, dossier_change, returned_at),
    DBC(I64, dossier_change, paid_at),
    DBC(I64, dossier_change, fee_vnd),
    DBC(INT, dossier_change, supplements),
    DBC(I64, dossier_change, flags),
    DBC(INT, dossier_change, rating),
    DBC(TEXT, dossier_change, code),
    DBC(TEXT, dossier_change, procedure_code),
    DBC(I64, dossier_change, procedure_version),
    DBC(INT, dossier_change, channel),
    DBC(TEXT, dossier_change, applicant_kind),
    DBC(TEXT, dossier_change, receiving),
    DBC(TEXT, dossier_change, implementing),
    DBC(I64, dossier_change, submitted_at),
};
static const db_rowspec cspec = {
    .size = sizeof(dossier_change), .map = ccols, .ncols = (int)(sizeof ccols / sizeof ccols[0])};

/* The agency paths whose dossiers x may read in the feed (NULL with *n 0:
 * the province), or 403/404 for q->agency. */
static ts_code feed_scope(ts_ctx *x, const char *code, const char ***paths, int *n)
{
    if (!code) {
        *paths = ts_role_paths(x, ROLE_AGENCY_ADMIN, n);
        if (*paths && !*n) return ts_forbidden(x); /* the route lets no one else in */
        return TS_OK;
    }
    agency ag;
    ts_code rc = agencies_find(x, code, &ag);
    if (rc == TS_ENOTFOUND)
        return ts_err_field(x->err, TS_ENOTFOUND, "agency", M_AGENCY_NOT_FOUND, code);
    TS_TRY(rc);
    if (!ts_may(x, ROLE_AGENCY_ADMIN, ag.path)) return ts_forbidden(x);
    *paths = arena_alloc(x->a, sizeof **paths);
    (*paths)[0] = ag.path;
    *n = 1;
    return TS_OK;
}

ts_code dossiers_feed(ts_ctx *x, const dossier_feed_q *q, dossier_feed *out)
{
    memset(out, 0, sizeof *out);
    out->next = q->after;
    const char **paths = NULL;
    int np = 0;
    TS_TRY(feed_scope(x, q->agency, &paths, &np));
    /* after, [paths twice], limit + 1 */
    db_val *v = arena_calloc(x->a, sizeof *v * (size_t)(2 * np + 2));
    int nv = 0;
    v[nv++] = DBV_I(q->after);
    const char *scope = "";
    if (np) {
        const char *pred = "";
        for (int i = 0; i < np; i++)
            pred = arena_printf(x->a, "%s%ssa.path LIKE ?", pred, i ? " OR " : "");
        const char *in = arena_printf(x->a, "IN (SELECT sa.code FROM agencies sa WHERE %s)", pred);
        scope = arena_printf(x->a, " AND (d.receiving %s OR d.implementing %s)", in, in);
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < np; i++)
                v[nv++] = DBV_T(arena_printf(x->a, "%s%%", paths[i]));
    }
    v[nv++] = DBV_I(q->limit + 1);
    const char *sql =
        arena_printf(x->a,
                     "SELECT " CCOLS " FROM dossier_events e JOIN dossiers d ON d.id "
                     "= e.dossier_id WHERE e.id > ? AND e.action NOT IN ('assign', 'escalate')%s "
                     "ORDER BY e.id LIMIT ?",
                     scope);
    void *rows;
    int n;
    TS_TRY(db_query_all(x->db, x->a, sql, v, nv, &cspec, (int)q->limit + 1, &rows, &n, x->err));
    out->items = rows;
    out->more = n > q->limit;
    out->n = out->more ? (int)q->limit : n;
    if (out->n) out->next = out->items[out->n - 1].id;
    return TS_OK;
}

/* ---- the door ------------------------------------------------------------------------ */

#define F(m) JX_INTO(dossier_feed_q, m)
const jx_field dossier_feed_query[] = {
    {.name = "after", .type = JX_INT, .min = 0, .max = 9007199254740991LL, .def = 0, F(after)},
    {.name = "limit", .type = JX_INT, .min = 1, .max = 1000, .def = 200, F(limit)},
    {.name = "agency",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     F(agency)},
    {0},
};
#undef F

static void ktime(jsonw *w, const char *k, int64_t t)
{
    char buf[32];
    jw_kstr(w, k, t ? wt_format_local(t, buf, sizeof buf) : NULL);
}

static void write_change(jsonw *w, const dossier_change *c)
{
    jw_obj_begin(w);
    jw_kint(w, "id", c->id);
    jw_kstr(w, "code", c->code);
    jw_kstr(w, "procedure_code", c->procedure_code);
    jw_kint(w, "procedure_version", c->procedure_version);
    jw_kstr(w, "receiving_agency", c->receiving);
    jw_kstr(w, "implementing_agency", c->implementing);
    jw_kint(w, "channel_code", c->channel);
    jw_kstr(w, "channel", dossier_channel_word(c->channel));
    jw_kstr(w, "applicant_kind", c->applicant_kind);
    jw_kstr(w, "action", c->action);
    jw_kint(w, "from_status", c->from_status);
    jw_kint(w, "status", c->to_status);
    jw_kstr(w, "status_word", dossier_status_word(c->to_status));
    jw_kstr(w, "status_name", dossier_status_name(c->to_status, 0));
    ktime(w, "changed_at", c->at_min);
    jw_kstr(w, "changed_at_exact", c->at);
    ktime(w, "submitted_at", c->submitted_at);
    ktime(w, "received_at", c->received_at);
    ktime(w, "due_at", c->due_at);
    ktime(w, "finished_at", c->finished_at);
    ktime(w, "returned_at", c->returned_at);
    jw_kint(w, "step", c->step);
    ktime(w, "step_due", c->step_due);
    jw_kstr(w, "acting_agency", c->agency);
    jw_kint(w, "fee_vnd", c->fee_vnd);
    ktime(w, "paid_at", c->paid_at);
    jw_kbool(w, "paid_online", c->flags & DF_PAID_ONLINE);
    jw_kbool(w, "fully_online", c->flags & DF_TOAN_TRINH);
    jw_kbool(w, "digitised", c->flags & DF_DIGITISED);
    jw_kbool(w, "reused", c->flags & DF_REUSED);
    jw_kbool(w, "result_online", c->flags & DF_RESULT_ONLINE);
    jw_kint(w, "supplements", c->supplements);
    jw_key(w, "rating");
    if (c->rating)
        jw_int(w, c->rating);
    else
        jw_null(w);
    jw_obj_end(w);
}

ts_code dossiers_h_feed(http_req *r, ts_ctx *x)
{
    dossier_feed_q q = {0};
    http_query_read(r, &q);
    dossier_feed f;
    TS_TRY(dossiers_feed(x, &q, &f));
    http_add_header(r, "Cache-Control", "no-store");
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "items");
    jw_arr_begin(w);
    for (int i = 0; i < f.n; i++)
        write_change(w, &f.items[i]);
    jw_arr_end(w);
    jw_kint(w, "next", f.next);
    jw_kbool(w, "more", f.more);
    jw_kint(w, "limit", q.limit);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}
