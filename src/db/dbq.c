/* dbq — typed binding, row mapping and the WHERE builder; see dbq.h. */
#include "dbq.h"

#include <string.h>

#include "dbrow.h"

int db_bind_vals(db_stmt *s, int first, const db_val *v, int n)
{
    int i = first;
    for (int k = 0; k < n; k++, i++) {
        switch (v[k].type) {
        case DBV_INT:
            db_bind_int(s, i, v[k].i);
            break;
        case DBV_DOUBLE:
            db_bind_double(s, i, v[k].d);
            break;
        case DBV_TEXT:
            db_bind_text(s, i, v[k].s, -1);
            break;
        case DBV_BLOB:
            db_bind_blob(s, i, v[k].s, v[k].len);
            break;
        case DBV_NULL:
            db_bind_null(s, i);
            break;
        }
    }
    return i;
}

void db_row_map(arena *a, db_stmt *s, const db_colmap *map, int n, void *out)
{
    char *base = out;
    for (int i = 0; i < n; i++) {
        void *f = base + map[i].off;
        switch (map[i].type) {
        case DBC_SKIP:
            break;
        case DBC_I64:
            *(int64_t *)f = db_col_int(s, i);
            break;
        case DBC_INT:
            *(int *)f = (int)db_col_int(s, i);
            break;
        case DBC_BOOL:
            *(bool *)f = db_col_int(s, i) != 0;
            break;
        case DBC_DOUBLE:
            *(double *)f = db_col_double(s, i);
            break;
        case DBC_TEXT:
            *(const char **)f = db_col_dup(a, s, i);
            break;
        }
    }
}

void db_row_read(arena *a, db_stmt *s, const db_rowspec *rs, void *item)
{
    if (rs->fn)
        rs->fn(a, s, item);
    else
        db_row_map(a, s, rs->map, rs->ncols, item);
}

ts_code db_run_vals(db_conn *c, const char *sql, const db_val *v, int n, int64_t *changes,
                    ts_err *err)
{
    db_stmt *s;
    ts_code rc = db_prepare(c, sql, &s, err);
    if (rc != TS_OK) return rc;
    db_bind_vals(s, 1, v, n);
    int r;
    while ((r = db_step(s, err)) == DB_ROW) {
    }
    if (changes) *changes = r < 0 ? 0 : db_changes(s);
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

ts_code db_int_vals(db_conn *c, const char *sql, const db_val *v, int n, int64_t def, int64_t *out,
                    ts_err *err)
{
    db_stmt *s;
    ts_code rc = db_prepare(c, sql, &s, err);
    if (rc != TS_OK) return rc;
    db_bind_vals(s, 1, v, n);
    return dbrow_int(s, def, out, err);
}

ts_code db_query_one(db_conn *c, arena *a, const char *sql, const db_val *v, int nv,
                     const db_rowspec *rs, void *out, bool *found, ts_err *err)
{
    *found = false;
    db_stmt *s;
    ts_code rc = db_prepare(c, sql, &s, err);
    if (rc != TS_OK) return rc;
    db_bind_vals(s, 1, v, nv);
    int r = db_step(s, err);
    if (r == DB_ROW) {
        db_row_read(a, s, rs, out);
        *found = true;
    }
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

/* Read the rows of a bound statement into an arena array (at most max when
 * max > 0); total: also read the last column of the first row into it.
 * Resets the statement. */
static ts_code read_rows(arena *a, db_stmt *s, const db_rowspec *rs, int max, int64_t *total,
                         void **items, int *n, ts_err *err)
{
    int cap = max > 0 && max < 16 ? max : 16, r = DB_DONE;
    char *arr = arena_calloc(a, rs->size * (size_t)cap);
    *n = 0;
    while ((max <= 0 || *n < max) && (r = db_step(s, err)) == DB_ROW) {
        if (*n == 0 && total) *total = db_col_int(s, db_col_count(s) - 1);
        arr = dbrow_grow(a, arr, rs->size, *n, &cap);
        db_row_read(a, s, rs, arr + rs->size * (size_t)(*n)++);
    }
    if (max > 0 && *n == max) r = DB_DONE;
    db_reset(s);
    *items = arr;
    return r < 0 ? (ts_code)-r : TS_OK;
}

ts_code db_query_all(db_conn *c, arena *a, const char *sql, const db_val *v, int nv,
                     const db_rowspec *rs, int max, void **items, int *n, ts_err *err)
{
    *items = NULL;
    *n = 0;
    db_stmt *s;
    ts_code rc = db_prepare(c, sql, &s, err);
    if (rc != TS_OK) return rc;
    db_bind_vals(s, 1, v, nv);
    return read_rows(a, s, rs, max, NULL, items, n, err);
}

void dbw_init(dbw *w, arena *a)
{
    memset(w, 0, sizeof *w);
    w->a = a;
    w->sql = "";
}

void dbw_add(dbw *w, const char *pred, const db_val *v, int n)
{
    if (w->nvals + n > w->cap) {
        int cap = (w->nvals + n) * 2 > 16 ? (w->nvals + n) * 2 : 16;
        db_val *v2 = arena_alloc(w->a, sizeof *v2 * (size_t)cap);
        if (w->nvals) memcpy(v2, w->vals, sizeof *v2 * (size_t)w->nvals);
        w->vals = v2;
        w->cap = cap;
    }
    w->sql = *w->sql ? arena_printf(w->a, "%s AND %s", w->sql, pred) : pred;
    if (n) memcpy(w->vals + w->nvals, v, sizeof *v * (size_t)n);
    w->nvals += n;
}

void dbw_text(dbw *w, const char *pred, const char *v)
{
    if (v) dbw_add(w, pred, &DBV_T(v), 1);
}

void dbw_int(dbw *w, const char *pred, int64_t v)
{
    if (v) dbw_add(w, pred, &DBV_I(v), 1);
}

const char *dbw_where(const dbw *w)
{
    return *w->sql ? arena_printf(w->a, " WHERE %s", w->sql) : "";
}

static ts_code count_rows(db_conn *c, const dbw *w, const char *from, const char *where,
                          int64_t max, int64_t *total, ts_err *err)
{
    db_stmt *s;
    ts_code rc = db_prepare(
        c,
        max > 0 ? arena_printf(w->a, "SELECT COUNT(*) FROM (SELECT 1 FROM %s%s LIMIT %lld) capped",
                               from, where, (long long)max)
                : arena_printf(w->a, "SELECT COUNT(*) FROM %s%s", from, where),
        &s, err);
    if (rc != TS_OK) return rc;
    db_bind_vals(s, 1, w->vals, w->nvals);
    return dbrow_int(s, 0, total, err);
}

ts_code dbw_page(db_conn *c, const dbw *w, const dbw_page_q *pq, const db_rowspec *rs, void **items,
                 int *n, int64_t *total, ts_err *err)
{
    *items = arena_calloc(w->a, rs->size);
    *n = 0;
    *total = 0;
    if (pq->limit <= 0) return TS_OK;
    const char *where = dbw_where(w);
    ts_code rc;
    const char *cfrom = pq->count_from ? pq->count_from : pq->from;
    if (pq->no_count) {
        *total = -1;
    } else if (!pq->count_over) {
        rc = count_rows(c, w, cfrom, where, pq->count_max, total, err);
        if (rc != TS_OK || *total == 0 || (pq->offset >= *total && !pq->count_max)) return rc;
    }
    db_stmt *s;
    rc = db_prepare(c,
                    arena_printf(w->a, "SELECT %s%s FROM %s%s ORDER BY %s LIMIT ? OFFSET ?",
                                 pq->cols, pq->count_over ? ", COUNT(*) OVER ()" : "", pq->from,
                                 where, pq->order),
                    &s, err);
    if (rc != TS_OK) return rc;
    int k = db_bind_vals(s, 1, w->vals, w->nvals);
    db_bind_int(s, k++, pq->limit);
    db_bind_int(s, k, pq->offset);
    int max = pq->limit < 100000 ? (int)pq->limit : 100000;
    rc = read_rows(w->a, s, rs, max, pq->count_over ? total : NULL, items, n, err);
    if (rc == TS_OK && pq->count_over && *n == 0 && pq->offset > 0)
        rc = count_rows(c, w, cfrom, where, pq->count_max, total, err); /* past the end */
    return rc;
}
