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
