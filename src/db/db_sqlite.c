/*
 * db_sqlite — the embedded backend. WAL journal, foreign keys on, a busy
 * timeout, synchronous=NORMAL (see docs/decisions.md: a committed
 * transaction survives a process crash; a power cut may lose the last
 * few hundred milliseconds, never corrupt the file).
 */
#include "db_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQLITE_BUSY_MS 5000

typedef struct sq_conn {
    db_conn_base base;
    sqlite3 *h;
} sq_conn;

typedef struct sq_stmt {
    db_stmt_base base;
    sqlite3_stmt *st;
    int64_t changes;
} sq_stmt;

static ts_code sq_error(sqlite3 *h, int rc, ts_err *err, const char *what)
{
    int prim = rc & 0xff;
    ts_code code;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
        code = TS_EBUSY;
        ts_err_set(err, code, M_DB_BUSY, NULL);
    } else if (prim == SQLITE_CONSTRAINT) {
        code = TS_ECONFLICT;
        ts_err_set(err, code, M_CONFLICT, NULL);
    } else {
        code = TS_EDB;
        ts_err_set(err, code, M_DB, NULL);
    }
    ts_err_debug(err, "sqlite %s: %s (%d)", what, h ? sqlite3_errmsg(h) : "?", rc);
    return code;
}

static ts_code sq_exec(db_conn *c, const char *sql, ts_err *err)
{
    sq_conn *sc = (sq_conn *)c;
    char *msg = NULL;
    int rc = sqlite3_exec(sc->h, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    if (rc != SQLITE_OK) return sq_error(sc->h, rc, err, "exec");
    return TS_OK;
}

static void stmt_free(void *p)
{
    sq_stmt *s = p;
    sqlite3_finalize(s->st);
    free(s);
}

static void sq_conn_close(db_conn *c)
{
    sq_conn *sc = (sq_conn *)c;
    db__cache_release(&sc->base);
    sqlite3_close_v2(sc->h);
    free(sc);
}

/* Before SQLite's first use in the process: no memory statistics (tinhso
 * reads none), which would take a global mutex on every allocation. */
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;
static void sq_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static ts_code sq_conn_open(db *d, db_conn **out, ts_err *err)
{
    *out = NULL;
    pthread_once(&sq_once, sq_configure);
    sqlite3 *h = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(d->target, &h, flags, NULL);
    if (rc != SQLITE_OK) {
        ts_code code = sq_error(h, rc, err, "open");
        sqlite3_close_v2(h);
        return code;
    }
    sqlite3_busy_timeout(h, SQLITE_BUSY_MS);
    sqlite3_extended_result_codes(h, 1);
    sq_conn *sc = calloc(1, sizeof *sc);
    if (!sc) abort();
    sc->base.ops = &db_sqlite_ops;
    sc->base.owner = d;
    sc->h = h;
    ts_code code = sq_exec((db_conn *)sc,
                           "PRAGMA journal_mode=WAL;"
                           "PRAGMA synchronous=NORMAL;"
                           "PRAGMA foreign_keys=ON;"
                           "PRAGMA temp_store=MEMORY;"
                           "PRAGMA cache_size=-8000;"
                           /* reads through a shared mapping of the file instead of a copy
                              per page into each connection (decisions §38): a lookup over
                              a million dossiers touches pages all over it */
                           "PRAGMA mmap_size=4294967296;",
                           err);
    if (code != TS_OK) {
        sq_conn_close((db_conn *)sc);
        return code;
    }
    db__track(d, &sc->base);
    *out = (db_conn *)sc;
    return TS_OK;
}

static void sq_reuse(db_stmt *stmt)
{
    sq_stmt *s = (sq_stmt *)stmt;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    s->changes = 0;
}

static ts_code sq_prepare(db_conn *c, const char *sql, db_stmt **out, ts_err *err)
{
    sq_conn *sc = (sq_conn *)c;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(sc->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        ts_code code = sq_error(sc->h, rc, err, "prepare");
        ts_err_debug(err, "sqlite prepare: %s in: %.120s", sqlite3_errmsg(sc->h), sql);
        sqlite3_finalize(st);
        return code;
    }
    sq_stmt *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->base.ops = &db_sqlite_ops;
    s->base.conn = c;
    s->st = st;
    *out = (db_stmt *)s;
    return TS_OK;
}

#define ST(s) (((sq_stmt *)(s))->st)

static void sq_bind_int(db_stmt *s, int idx, int64_t v)
{
    sqlite3_bind_int64(ST(s), idx, v);
}
static void sq_bind_double(db_stmt *s, int idx, double v)
{
    sqlite3_bind_double(ST(s), idx, v);
}
static void sq_bind_text(db_stmt *s, int idx, const char *v, int len)
{
    sqlite3_bind_text(ST(s), idx, v, len, SQLITE_TRANSIENT);
}
static void sq_bind_null(db_stmt *s, int idx)
{
    sqlite3_bind_null(ST(s), idx);
}

static int sq_step(db_stmt *s, ts_err *err)
{
    sq_stmt *ss = (sq_stmt *)s;
    int rc = sqlite3_step(ss->st);
    if (rc == SQLITE_ROW) return DB_ROW;
    if (rc == SQLITE_DONE) {
        ss->changes = sqlite3_changes64(sqlite3_db_handle(ss->st));
        return DB_DONE;
    }
    sqlite3 *h = sqlite3_db_handle(ss->st);
    ts_code code = sq_error(h, rc, err, "step");
    sqlite3_reset(ss->st);
    return -(int)code;
}

static int sq_col_count(db_stmt *s)
{
    return sqlite3_column_count(ST(s));
}
static bool sq_col_is_null(db_stmt *s, int i)
{
    return sqlite3_column_type(ST(s), i) == SQLITE_NULL;
}
static int64_t sq_col_int(db_stmt *s, int i)
{
    return sqlite3_column_int64(ST(s), i);
}
static double sq_col_double(db_stmt *s, int i)
{
    return sqlite3_column_double(ST(s), i);
}
static const char *sq_col_text(db_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(ST(s), i);
}
static int sq_col_bytes(db_stmt *s, int i)
{
    return sqlite3_column_bytes(ST(s), i);
}
static void sq_bind_blob(db_stmt *s, int idx, const void *v, size_t len)
{
    sqlite3_bind_blob64(ST(s), idx, v, (sqlite3_uint64)len, SQLITE_TRANSIENT);
}
static const void *sq_col_blob(arena *a, db_stmt *s, int i, size_t *len)
{
    if (sqlite3_column_type(ST(s), i) == SQLITE_NULL) return NULL;
    const void *p = sqlite3_column_blob(ST(s), i);
    size_t n = (size_t)sqlite3_column_bytes(ST(s), i);
    void *out = arena_alloc(a, n ? n : 1);
    if (n) memcpy(out, p, n);
    *len = n;
    return out;
}
static void sq_reset(db_stmt *s)
{
    sqlite3_reset(ST(s));
    sqlite3_clear_bindings(ST(s));
}
static int64_t sq_changes(db_stmt *s)
{
    return ((sq_stmt *)s)->changes;
}

static ts_code sq_begin(db_conn *c, bool write, ts_err *err)
{
    return sq_exec(c, write ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

const db_ops db_sqlite_ops = {
    .dialect = DB_SQLITE,
    .conn_open = sq_conn_open,
    .conn_close = sq_conn_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .reuse = sq_reuse,
    .stmt_free = stmt_free,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_count = sq_col_count,
    .col_is_null = sq_col_is_null,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_bytes = sq_col_bytes,
    .col_blob = sq_col_blob,
    .bind_blob = sq_bind_blob,
    .reset = sq_reset,
    .changes = sq_changes,
    .begin = sq_begin,
};

/* Online backup of a live SQLite database into path (written to a temp file
 * beside it, then renamed). One backup step copies every page under a single
 * read transaction, so the copy is a consistent snapshot while writers go on
 * (WAL mode). */
ts_code db_sqlite_backup(db_conn *c, const char *path, ts_err *err)
{
    sq_conn *sc = (sq_conn *)c;
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp) abort();
    snprintf(tmp, n + 8, "%s.part", path);
    remove(tmp);
    sqlite3 *dst = NULL;
    ts_code rc = TS_OK;
    int r = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (r != SQLITE_OK) {
        rc = sq_error(dst, r, err, "backup open");
        goto out_close;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", sc->h, "main");
    if (!b) {
        rc = sq_error(dst, sqlite3_errcode(dst), err, "backup init");
        goto out_close;
    }
    do {
        r = sqlite3_backup_step(b, -1);
        if (r == SQLITE_BUSY || r == SQLITE_LOCKED) sqlite3_sleep(20);
    } while (r == SQLITE_OK || r == SQLITE_BUSY || r == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (r != SQLITE_DONE) {
        rc = sq_error(dst, r, err, "backup step");
        goto out_close;
    }
    /* the copy is a plain rollback-journal database file: self-contained */
    sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
out_close:
    sqlite3_close_v2(dst);
    if (rc == TS_OK && rename(tmp, path) != 0) {
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        ts_err_debug(err, "cannot rename %s to %s", tmp, path);
        rc = TS_EINTERNAL;
    }
    if (rc != TS_OK) remove(tmp);
    free(tmp);
    return rc;
}
