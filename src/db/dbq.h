/*
 * dbq — less ceremony around a query: typed values bound in one call, rows
 * mapped into structs by a column map (or a callback), and one WHERE
 * builder for listings with optional filters, which runs the count and the
 * page from the same pieces.
 */
#ifndef TS_DBQ_H
#define TS_DBQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "../lib/arena.h"
#include "../lib/err.h"

/* ---- typed values ---------------------------------------------------- */

typedef enum db_vtype { DBV_NULL, DBV_INT, DBV_DOUBLE, DBV_TEXT, DBV_BLOB } db_vtype;

/* One value to bind. Build them with the macros below. */
typedef struct db_val {
    db_vtype type;
    int64_t i;     /* DBV_INT */
    double d;      /* DBV_DOUBLE */
    const char *s; /* DBV_TEXT (NULL binds SQL NULL); DBV_BLOB's bytes */
    size_t len;    /* DBV_BLOB */
} db_val;

#define DBV_I(v) ((db_val){.type = DBV_INT, .i = (int64_t)(v)})
#define DBV_D(v) ((db_val){.type = DBV_DOUBLE, .d = (double)(v)})
#define DBV_T(v) ((db_val){.type = DBV_TEXT, .s = (v)})
#define DBV_B(p, n) ((db_val){.type = DBV_BLOB, .s = (const char *)(p), .len = (n)})
#define DBV_NULL_VAL ((db_val){.type = DBV_NULL})
/* The number of db_val arguments in a macro's __VA_ARGS__. */
#define DBV_COUNT(...) ((int)(sizeof((const db_val[]){__VA_ARGS__}) / sizeof(db_val)))

/* Bind v[0..n) to parameters first, first + 1, ...; returns the next index. */
int db_bind_vals(db_stmt *s, int first, const db_val *v, int n);
/* db_bind_list(s, DBV_T(code), DBV_I(level)): bind from parameter 1 on. */
#define db_bind_list(s, ...)                                                                       \
    db_bind_vals((s), 1, (const db_val[]){__VA_ARGS__}, DBV_COUNT(__VA_ARGS__))

/*
 * Prepare sql, bind v[0..n), run it to the end and reset it: an INSERT,
 * UPDATE or DELETE in one call. *changes (when not NULL) = rows changed.
 *   db_run(c, err, "UPDATE t SET a = ? WHERE id = ?", DBV_T(a), DBV_I(id))
 */
ts_code db_run_vals(db_conn *c, const char *sql, const db_val *v, int n, int64_t *changes,
                    ts_err *err);
#define db_run(c, err, sql, ...)                                                                   \
    db_run_vals((c), (sql), (const db_val[]){__VA_ARGS__}, DBV_COUNT(__VA_ARGS__), NULL, (err))
/*
 * Prepare sql, bind v[0..n) and read the first column of its first row as
 * an integer into *out (def when there is no row): a COUNT(*), an id, an
 * INSERT ... RETURNING id.
 */
ts_code db_int_vals(db_conn *c, const char *sql, const db_val *v, int n, int64_t def, int64_t *out,
                    ts_err *err);
#define db_int(c, err, out, def, sql, ...)                                                         \
    db_int_vals((c), (sql), (const db_val[]){__VA_ARGS__}, DBV_COUNT(__VA_ARGS__), (def), (out),   \
                (err))

/* ---- row mapping ----------------------------------------------------- */

typedef enum db_ctype {
    DBC_SKIP,   /* column not read */
    DBC_I64,    /* int64_t; SQL NULL reads 0 */
    DBC_INT,    /* int; SQL NULL reads 0 */
    DBC_BOOL,   /* bool; nonzero is true */
    DBC_DOUBLE, /* double */
    DBC_TEXT,   /* const char *, copied into the arena; SQL NULL reads NULL */
} db_ctype;

/* Column i of a row goes to the field at offset off, read as type. */
typedef struct db_colmap {
    db_ctype type;
    size_t off;
} db_colmap;

/* DBC(TEXT, unit, code): column -> unit.code as copied text. */
#define DBC(type, st, field)                                                                       \
    {                                                                                              \
        DBC_##type, offsetof(st, field)                                                            \
    }

/* Fill out from the current row: column i per map[i], i < n. */
void db_row_map(arena *a, db_stmt *s, const db_colmap *map, int n, void *out);

/* How to turn a row into an item of size bytes: by map (ncols entries) or,
 * when fn is set, by fn (which may read any column). */
typedef void (*db_row_fn)(arena *a, db_stmt *s, void *item);
typedef struct db_rowspec {
    size_t size;
    const db_colmap *map;
    int ncols;
    db_row_fn fn;
} db_rowspec;

/* Map the current row into item by rs. */
void db_row_read(arena *a, db_stmt *s, const db_rowspec *rs, void *item);

/*
 * Prepare sql, bind v[0..nv), step once: the row (if any) is mapped into
 * out and *found says whether there was one. The statement is reset.
 */
ts_code db_query_one(db_conn *c, arena *a, const char *sql, const db_val *v, int nv,
                     const db_rowspec *rs, void *out, bool *found, ts_err *err);

/*
 * Prepare sql, bind v[0..nv), map every row (at most max; max <= 0: all)
 * into an arena array: *items (never NULL), *n rows.
 */
ts_code db_query_all(db_conn *c, arena *a, const char *sql, const db_val *v, int nv,
                     const db_rowspec *rs, int max, void **items, int *n, ts_err *err);

/* ---- the WHERE builder ---------------------------------------------- */

/*
 * Predicates ANDed together with their values, in the order added. Only
 * the filters given are added (dbw_text / dbw_int skip absent values), so
 * each combination is its own statement text — prepared once per
 * connection and planned with the indexes that fit, never the
 * `(? = '' OR col = ?)` form that makes the planner scan.
 */
typedef struct dbw {
    arena *a;
    const char *sql; /* " AND p1 AND p2 ..." (without the first " AND") */
    db_val *vals;    /* in the arena, grown as predicates are added */
    int nvals, cap;
} dbw;

void dbw_init(dbw *w, arena *a);
/* Add pred (with n '?' marks) and its n values, always. */
void dbw_add(dbw *w, const char *pred, const db_val *v, int n);
#define dbw_and(w, pred, ...)                                                                      \
    dbw_add((w), (pred), (const db_val[]){__VA_ARGS__}, DBV_COUNT(__VA_ARGS__))
/* Add pred (one '?') with text v when v is not NULL. */
void dbw_text(dbw *w, const char *pred, const char *v);
/* Add pred (one '?') with integer v when v is not 0. */
void dbw_int(dbw *w, const char *pred, int64_t v);
/* " WHERE p1 AND p2" or "" when nothing was added (in w's arena). */
const char *dbw_where(const dbw *w);

/* One page of a listing. */
typedef struct dbw_page_q {
    const char *cols;  /* "id, code, ..." as rs maps them */
    const char *from;  /* "admin_units" or "agencies a LEFT JOIN agencies p ON ..." */
    const char *order; /* "level, code": must make the order total */
    int64_t limit, offset;
    /* One statement with COUNT(*) OVER () instead of COUNT(*) and then the
     * page: for searches, where both would evaluate the whole match. */
    bool count_over;
    /* The count without joins the filters do not need ("reports f"; NULL:
     * from), and at most count_max rows counted (0: every one): a listing
     * over a million rows says "more than 10,000" instead of scanning them
     * all. no_count: no count at all (*total = -1), for readers that page
     * without one (Open311). */
    const char *count_from;
    int64_t count_max;
    bool no_count;
} dbw_page_q;

/*
 * Count the rows w selects from pq->from into *total and read the page
 * [offset, offset + limit) ordered by pq->order into *items (an arena
 * array, never NULL) / *n, each row mapped by rs. Without count_over: a
 * COUNT(*) and, when the page is not past the end, the page query. With
 * it: the page query carries the count; a page past the end asks COUNT(*).
 */
ts_code dbw_page(db_conn *c, const dbw *w, const dbw_page_q *pq, const db_rowspec *rs, void **items,
                 int *n, int64_t *total, ts_err *err);

#endif
