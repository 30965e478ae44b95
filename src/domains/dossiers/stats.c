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

/* Each figure of the form as a condition on a dossier (?1 the period's
 * start, ?2 its end, ?3 the reference instant: the end, or now if sooner),
 * among the dossiers taken in before the end and not ended before the
 * start. Each condition starts with its most selective, cheapest test (the
 * channel, the status, a rating, an open end): SQLite stops at the first
 * that fails, which halves the time of a year over a million dossiers. The
 * same conditions list the dossiers behind a figure (dossiers_measure). */
#define P_CARRIED IN_AT " < ?1"
#define P_ONLINE "d.channel = 2 AND " IN_AT " >= ?1"
#define P_COUNTER "d.channel = 1 AND " IN_AT " >= ?1"
#define P_POST "d.channel = 3 AND " IN_AT " >= ?1"
#define P_EARLY FIN_IN " AND d.finished_at / 1440 < d.due_at / 1440"
#define P_ON_TIME FIN_IN " AND d.finished_at / 1440 = d.due_at / 1440 AND d.finished_at <= d.due_at"
#define P_LATE FIN_IN " AND d.finished_at > d.due_at"
#define P_WITHIN                                                                                   \
    "(" END_AT " IS NULL OR " END_AT " >= ?2) AND d.received_at < ?2 AND (d.due_at IS NULL OR "    \
    "d.due_at >= ?3)"
#define P_OVERDUE                                                                                  \
    "(" END_AT " IS NULL OR " END_AT " >= ?2) AND d.received_at < ?2 AND d.due_at < ?3"
#define P_WITHDRAWN "d.status = 7 AND d.closed_at >= ?1 AND d.closed_at < ?2"
#define P_REFUSED "d.status = 3 AND d.closed_at >= ?1 AND d.closed_at < ?2"
#define P_STOPPED "d.status = 8 AND d.closed_at >= ?1 AND d.closed_at < ?2"
#define P_RATED(n) "d.rating = " #n " AND " FIN_IN

/* The columns of a row after the group, in dossier_stats_row order. */
static const char stats_cols
    [] = CNT(P_CARRIED) ", " CNT(P_ONLINE) ", " CNT(P_COUNTER) ", " CNT(P_POST) ", " CNT(P_EARLY) ", " CNT(P_ON_TIME) ", " CNT(P_LATE) ", " CNT(P_WITHIN) ", " CNT(P_OVERDUE) ", " CNT(P_WITHDRAWN) ", " CNT(
        P_REFUSED) ", " CNT(P_STOPPED) ", " CNT(P_RATED(1)) ", " CNT(P_RATED(2)) ", " CNT(P_RATED(3)) ", " CNT(P_RATED(4)) ", " CNT(P_RATED(5));

#define IN_PERIOD IN_AT " < ?2 AND (" END_AT " IS NULL OR " END_AT " >= ?1)"

static const struct {
    const char *name, *pred;
} measures[] = {
    {"carried_over", P_CARRIED},
    {"received_online", P_ONLINE},
    {"received_counter", P_COUNTER},
    {"received_post", P_POST},
    {"finished_early", P_EARLY},
    {"finished_on_time", P_ON_TIME},
    {"finished_late", P_LATE},
    {"in_progress_within", P_WITHIN},
    {"in_progress_overdue", P_OVERDUE},
    {"withdrawn", P_WITHDRAWN},
    {"refused", P_REFUSED},
    {"stopped", P_STOPPED},
};

const char *const dossier_measures[] = {
    "carried_over",
    "received_online",
    "received_counter",
    "received_post",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "in_progress_within",
    "in_progress_overdue",
    "withdrawn",
    "refused",
    "stopped",
    NULL,
};

ts_code dossiers_measure(ts_ctx *x, const char *measure, const char *from, const char *to, dbw *w)
{
    const char *tmpl = NULL;
    for (size_t i = 0; i < sizeof measures / sizeof measures[0]; i++)
        if (!strcmp(measures[i].name, measure)) tmpl = measures[i].pred;
    if (!tmpl) return ts_err_field(x->err, TS_EINVAL, "measure", M_FIELD_ENUM, "…");
    int64_t f, t;
    TS_TRY(dossiers_period(x, from, to, &f, &t));
    int64_t now = dossiers_now_min(x);
    const int64_t p[4] = {0, f, t, t < now ? t : now};
    /* ?N -> ? with its value, in the order they stand */
    const char *c = arena_printf(x->a, "(" IN_PERIOD ") AND (%s)", tmpl);
    char *out = arena_alloc(x->a, strlen(c) + 1);
    db_val *v = arena_alloc(x->a, sizeof *v * 16);
    int nv = 0;
    size_t k = 0;
    for (const char *q = c; *q; q++) {
        out[k++] = *q;
        if (*q == '?' && q[1] >= '1' && q[1] <= '3' && nv < 16) v[nv++] = DBV_I(p[*++q - '0']);
    }
    out[k] = '\0';
    dbw_add(w, out, v, nv);
    return TS_OK;
}

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
    const char *sql =
        arena_printf(x->a,
                     "SELECT %s, %s FROM dossiers d WHERE " IN_PERIOD "%s GROUP BY %s "
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
