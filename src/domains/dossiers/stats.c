/*
 * stats — the standard statistics form of the one-stop shop per agency and
 * period, computed from the dossiers themselves (no batch tables): one
 * aggregate over the dossiers that overlap the period, one over the
 * supplement requests made in it. Definitions (DOMAIN.md §3), for a
 * period [F, T) of local days:
 *   carried over   taken in before F, not finished or closed before F
 *   received       taken in within the period, by channel (online, counter,
 *                  post); a dossier is taken in when received, or (refused
 *                  online ones) when submitted
 *   finished       within the period: early (on a day before the due day),
 *                  on time (on the due day, by the due instant), late
 *   in progress    at the end of the period (or now, when that is sooner):
 *                  received, not finished or closed; within the deadline
 *                  or overdue (a dossier whose clock stands is within)
 *   supplements    supplement requests made within the period
 *   withdrawn, refused, stopped: closed so within the period
 *   satisfaction   the ratings of the dossiers finished within the period
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../db/dbrow.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "../schedules/schedules.h"
#include "dossiers_int.h"

#define IN_AT "d.in_at"
#define END_AT "d.end_at"
#define FIN_IN "d.finished_at >= ?1 AND d.finished_at < ?2"
#define CNT(cond) "COUNT(*) FILTER (WHERE " cond ")"

/* The columns of a row after the group, in dossier_stats_row order. */
/* The columns of a row after the group, in dossier_stats_row order. Each
 * condition starts with its most selective, cheapest test (the channel,
 * the status, a rating, an open end): SQLite stops at the first that
 * fails, which halves the time of a year over a million dossiers. */
static const char stats_cols[] = CNT(IN_AT " < ?1") ", "           /* carried */
    CNT("d.channel = 2 AND " IN_AT " >= ?1") ", "                  /* online */
    CNT("d.channel = 1 AND " IN_AT " >= ?1") ", "                  /* counter */
    CNT("d.channel = 3 AND " IN_AT " >= ?1") ", "                  /* post */
    CNT(FIN_IN " AND d.finished_at / 1440 < d.due_at / 1440") ", " /* early */
    CNT(FIN_IN
        " AND d.finished_at / 1440 = d.due_at / 1440 AND d.finished_at <= d.due_at") ", " CNT(FIN_IN
                                                                                              " AND"
                                                                                              " d."
                                                                                              "fini"
                                                                                              "shed"
                                                                                              "_at "
                                                                                              "> "
                                                                                              "d."
                                                                                              "due_"
                                                                                              "at") ", " /* late */
    CNT("(" END_AT " IS NULL OR " END_AT " >= ?2) AND d.received_at < ?2 AND (d.due_at IS NULL "
        "OR d.due_at >= ?3)") ", " /* within */
    CNT("(" END_AT " IS NULL OR " END_AT
        " >= ?2) AND d.received_at < ?2 AND d.due_at < ?3") ", " CNT("d."
                                                                     "status "
                                                                     "= 7 "
                                                                     "AND "
                                                                     "d."
                                                                     "closed_"
                                                                     "at >= "
                                                                     "?1 AND "
                                                                     "d."
                                                                     "closed_"
                                                                     "at < "
                                                                     "?2") ","
                                                                           " " /* withdrawn */
    CNT("d.status = 3 AND d.closed_at >= ?1 AND d.closed_at < ?2") ", "        /* refused */
    CNT("d.status = 8 AND d.closed_at >= ?1 AND d.closed_at < ?2") ", "        /* stopped */
    CNT("d.rating = 1 AND " FIN_IN) ", " CNT("d.rating = 2 AND " FIN_IN) ", " CNT(
        "d.rating = 3 AND " FIN_IN) ", " CNT("d.rating = 4 AND " FIN_IN) ", " CNT("d.rating = 5 "
                                                                                  "AND " FIN_IN);

static void read_row(db_stmt *s, int first, dossier_stats_row *o)
{
    int64_t *v[] = {&o->carried,  &o->rec_online, &o->rec_counter, &o->rec_post,   &o->early,
                    &o->on_time,  &o->late,       &o->in_within,   &o->in_overdue, &o->withdrawn,
                    &o->refused,  &o->stopped,    &o->rated[1],    &o->rated[2],   &o->rated[3],
                    &o->rated[4], &o->rated[5]};
    for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
        *v[i] = db_col_int(s, first + i);
}

static void add_row(dossier_stats_row *t, const dossier_stats_row *r)
{
    int64_t *a = &t->carried;
    const int64_t *b = &r->carried;
    for (size_t i = 0; i < DOSSIER_STATS_NCOUNTS; i++)
        a[i] += b[i];
}

/* YYYY-MM-DD as the local minute of its midnight (false when malformed). */
static bool day_min(const char *s, int64_t *t)
{
    int y, m, d;
    char tail;
    if (!s || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return false;
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) return false;
    *t = wt_local(y, m, d, 0, 0);
    return true;
}

ts_code dossiers_period(ts_ctx *x, const char *from, const char *to, int64_t *f, int64_t *t)
{
    const char *today = schedules_today(x);
    if (!to) to = today;
    if (!from) from = arena_printf(x->a, "%.4s-01-01", to);
    if (!day_min(from, f))
        return ts_err_field(x->err, TS_EINVAL, "from", M_FIELD_FORMAT, "YYYY-MM-DD");
    if (!day_min(to, t)) return ts_err_field(x->err, TS_EINVAL, "to", M_FIELD_FORMAT, "YYYY-MM-DD");
    *t += 1440; /* to is included */
    if (*t <= *f) return ts_err_field(x->err, TS_EINVAL, "to", M_DOSSIER_PERIOD, NULL);
    if (*t - *f > 5 * 366 * 1440)
        return ts_err_field(x->err, TS_EINVAL, "from", M_DOSSIER_PERIOD, NULL);
    return TS_OK;
}

ts_code dossiers_stats(ts_ctx *x, const dossier_stats_q *q, dossier_stats *out)
{
    memset(out, 0, sizeof *out);
    int64_t f, t;
    TS_TRY(dossiers_period(x, q->from, q->to, &f, &t));
    int64_t now = dossiers_now_min(x);
    int64_t ref = t < now ? t : now;
    out->from_min = f;
    out->to_min = t;
    bool by_receiving = q->by && !strcmp(q->by, "receiving");
    const char *grp = by_receiving ? "d.receiving" : "d.implementing";
    const char *scope = "";
    const char *path = NULL;
    if (q->agency) {
        TS_TRY(dz_agency_path(x, q->agency, &path));
        scope = arena_printf(
            x->a, " AND %s IN (SELECT sa.code FROM agencies sa WHERE sa.path LIKE ?4)", grp);
    }
    db_val v[4] = {DBV_I(f), DBV_I(t), DBV_I(ref),
                   DBV_T(path ? arena_printf(x->a, "%s%%", path) : NULL)};
    int nv = path ? 4 : 3;
    const char *sql = arena_printf(x->a,
                                   "SELECT %s, %s FROM dossiers d WHERE " IN_AT " < ?2 AND (" END_AT
                                   " IS NULL OR " END_AT " >= ?1)%s GROUP BY %s "
                                   "ORDER BY %s",
                                   grp, stats_cols, scope, grp, grp);
    db_stmt *s;
    TS_TRY(db_prepare(x->db, sql, &s, x->err));
    db_bind_vals(s, 1, v, nv);
    int cap = 32, r;
    out->rows = arena_calloc(x->a, sizeof *out->rows * (size_t)cap);
    while ((r = db_step(s, x->err)) == DB_ROW) {
        out->rows = dbrow_grow(x->a, out->rows, sizeof *out->rows, out->n, &cap);
        dossier_stats_row *o = &out->rows[out->n++];
        memset(o, 0, sizeof *o);
        o->agency = db_col_dup(x->a, s, 0);
        read_row(s, 1, o);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    /* supplement requests made within the period */
    sql = arena_printf(
        x->a,
        "SELECT %s, COUNT(*) FROM dossier_pauses d WHERE d.from_at >= ?1 AND "
        "d.from_at < ?2%s GROUP BY %s",
        grp,
        path ? arena_printf(
                   x->a, " AND %s IN (SELECT sa.code FROM agencies sa WHERE sa.path LIKE ?3)", grp)
             : "",
        grp);
    TS_TRY(db_prepare(x->db, sql, &s, x->err));
    db_val v2[3] = {DBV_I(f), DBV_I(t), v[3]};
    db_bind_vals(s, 1, v2, path ? 3 : 2);
    while ((r = db_step(s, x->err)) == DB_ROW) {
        const char *ag = db_col_text(s, 0);
        for (int i = 0; i < out->n; i++)
            if (!strcmp(out->rows[i].agency, ag)) out->rows[i].supplements = db_col_int(s, 1);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    for (int i = 0; i < out->n; i++) {
        agency ag;
        ts_code rc = agencies_find(x, out->rows[i].agency, &ag);
        if (rc == TS_OK)
            out->rows[i].agency_name = ag.name;
        else if (rc != TS_ENOTFOUND)
            return rc;
        add_row(&out->total, &out->rows[i]);
    }
    out->total.agency = q->agency;
    return TS_OK;
}
