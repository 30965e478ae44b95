/*
 * stats — feedback figures per agency, category or commune for a period
 * (reports submitted in it): received, rejected, merged, answered on time
 * and late, open within the deadline and overdue now, the average handling
 * time in working hours, ratings and "was it fixed?". Computed from the
 * reports themselves through one covering index (migration 022), like the
 * dossiers' form: no batch tables.
 */
#include <stdlib.h>
#include <string.h>

#include "feedback_int.h"

static const char *group_col(const char *by)
{
    if (by && !strcmp(by, "category")) return "category";
    if (by && !strcmp(by, "unit")) return "unit_code";
    return "agency";
}

static void add(fb_stats_row *t, const fb_stats_row *r)
{
    t->received += r->received;
    t->rejected += r->rejected;
    t->merged += r->merged;
    t->on_time += r->on_time;
    t->late += r->late;
    t->open_within += r->open_within;
    t->open_overdue += r->open_overdue;
    t->rated += r->rated;
    for (int k = 1; k <= 5; k++)
        t->ratings[k] += r->ratings[k];
    t->fixed_yes += r->fixed_yes;
    t->fixed_said += r->fixed_said;
    t->handled += r->handled;
    t->handled_wmin += r->handled_wmin;
}

static int row_cmp(const void *a, const void *b)
{
    const char *x = ((const fb_stats_row *)a)->key, *y = ((const fb_stats_row *)b)->key;
    return !x ? (y ? -1 : 0) : !y ? 1 : strcmp(x, y);
}

ts_code feedback_stats(ts_ctx *x, const fb_stats_q *q, fb_stats *out)
{
    memset(out, 0, sizeof *out);
    out->by = q->by ? q->by : "agency";
    out->from = q->from;
    out->to = q->to;
    if (q->from >= q->to) return ts_err_field(x->err, TS_EINVAL, "from", M_FB_PERIOD, NULL);
    const char *g = group_col(q->by);
    int64_t now = feedback_now_min(x);
    const char *name_sql =
        !strcmp(g, "agency")     ? "(SELECT ag.name FROM agencies ag WHERE ag.code = s.g)"
        : !strcmp(g, "category") ? "(SELECT c.name FROM feedback_categories c WHERE c.code = s.g)"
                                 : "(SELECT u.full_name FROM admin_units u WHERE u.code = s.g AND "
                                   "u.valid_to IS NULL)";
    /* Every figure is read from a covering index in its own order, never
     * from the rows: by agency the stats index (agency, category, ...) in
     * order; by category the same index grouped by (agency, category),
     * summed per category below; by commune the units index. "+submitted_at"
     * keeps the planner off the submission index, which would read every
     * row of the period from the table. */
    bool by_cat = !strcmp(g, "category");
    const char *group = by_cat ? "agency, category" : g;
    const char *sql = arena_printf(
        x->a,
        "SELECT s.g, s.n, s.rej, s.mer, s.ont, s.lat, s.ow, s.oo, s.r1, s.r2, s.r3, s.r4, s.r5, "
        "s.fy, s.fs, s.hn, s.hw, %s FROM (SELECT %s AS g, COUNT(*) AS n, "
        "COUNT(*) FILTER (WHERE status = 3) AS rej, COUNT(*) FILTER (WHERE status = 8) AS mer, "
        "COUNT(*) FILTER (WHERE answered_at IS NOT NULL AND answered_at <= due_at) AS ont, "
        "COUNT(*) FILTER (WHERE answered_at > due_at) AS lat, "
        "COUNT(*) FILTER (WHERE status IN (1, 2, 4, 5) AND due_at >= ?) AS ow, "
        "COUNT(*) FILTER (WHERE status IN (1, 2, 4, 5) AND due_at < ?) AS oo, "
        "COUNT(*) FILTER (WHERE rating = 1) AS r1, COUNT(*) FILTER (WHERE rating = 2) AS r2, "
        "COUNT(*) FILTER (WHERE rating = 3) AS r3, COUNT(*) FILTER (WHERE rating = 4) AS r4, "
        "COUNT(*) FILTER (WHERE rating = 5) AS r5, COUNT(*) FILTER (WHERE fixed = 1) AS fy, "
        "COUNT(fixed) AS fs, COUNT(handled_wmin) AS hn, COALESCE(SUM(handled_wmin), 0) AS hw "
        "FROM feedback_reports WHERE +submitted_at >= ? AND +submitted_at < ?%s GROUP BY %s) s "
        "ORDER BY s.g",
        name_sql, g, q->agency ? " AND agency = ?" : "", group);
    db_stmt *s;
    TS_TRY(db_prepare(x->db, sql, &s, x->err));
    if (q->agency)
        db_bind_list(s, DBV_I(now), DBV_I(now), DBV_I(q->from), DBV_I(q->to), DBV_T(q->agency));
    else
        db_bind_list(s, DBV_I(now), DBV_I(now), DBV_I(q->from), DBV_I(q->to));
    int cap = 16, r;
    out->rows = arena_calloc(x->a, sizeof *out->rows * (size_t)cap);
    while ((r = db_step(s, x->err)) == DB_ROW) {
        if (out->n == cap) {
            fb_stats_row *n2 = arena_calloc(x->a, sizeof *n2 * (size_t)cap * 2);
            memcpy(n2, out->rows, sizeof *n2 * (size_t)cap);
            out->rows = n2;
            cap *= 2;
        }
        fb_stats_row one = {0}, *row = &one;
        int i = 0;
        row->key = db_col_dup(x->a, s, i++);
        row->received = db_col_int(s, i++);
        row->rejected = db_col_int(s, i++);
        row->merged = db_col_int(s, i++);
        row->on_time = db_col_int(s, i++);
        row->late = db_col_int(s, i++);
        row->open_within = db_col_int(s, i++);
        row->open_overdue = db_col_int(s, i++);
        for (int k = 1; k <= 5; k++) {
            row->ratings[k] = db_col_int(s, i++);
            row->rated += row->ratings[k];
        }
        row->fixed_yes = db_col_int(s, i++);
        row->fixed_said = db_col_int(s, i++);
        row->handled = db_col_int(s, i++);
        row->handled_wmin = db_col_int(s, i++);
        row->name = db_col_dup(x->a, s, i++);
        add(&out->total, row);
        /* by category the rows come per (agency, category): one row a category */
        fb_stats_row *into = NULL;
        for (int k = 0; by_cat && k < out->n && !into; k++)
            if (out->rows[k].key && row->key && !strcmp(out->rows[k].key, row->key))
                into = &out->rows[k];
        if (into) {
            add(into, row);
        } else {
            out->rows[out->n++] = one;
        }
    }
    db_reset(s);
    if (by_cat) /* in code order, like the others */
        qsort(out->rows, (size_t)out->n, sizeof *out->rows, row_cmp);
    return r < 0 ? (ts_code)-r : TS_OK;
}

double fb_pct(int64_t num, int64_t den)
{
    return den ? 100.0 * (double)num / (double)den : -1;
}
