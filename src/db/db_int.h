/*
 * db_int — what a backend implements (db_sqlite.c, db_pg.c). Not for domains.
 */
#ifndef TS_DB_INT_H
#define TS_DB_INT_H

#include <pthread.h>
#include "db.h"

typedef struct db_ops {
    db_dialect dialect;
    ts_code (*conn_open)(db *d, db_conn **out, ts_err *err);
    void (*conn_close)(db_conn *c);
    ts_code (*exec)(db_conn *c, const char *sql, ts_err *err);
    /* A new statement for sql (db_prepare caches it per connection). */
    ts_code (*prepare)(db_conn *c, const char *sql, db_stmt **out, ts_err *err);
    /* Make a cached statement as new: no bindings, no result, no changes. */
    void (*reuse)(db_stmt *s);
    /* Free a statement (when its connection closes). */
    void (*stmt_free)(void *s);
    void (*bind_int)(db_stmt *s, int idx, int64_t v);
    void (*bind_double)(db_stmt *s, int idx, double v);
    void (*bind_text)(db_stmt *s, int idx, const char *v, int len);
    void (*bind_null)(db_stmt *s, int idx);
    void (*bind_blob)(db_stmt *s, int idx, const void *v, size_t len);
    int (*step)(db_stmt *s, ts_err *err);
    int (*col_count)(db_stmt *s);
    bool (*col_is_null)(db_stmt *s, int i);
    int64_t (*col_int)(db_stmt *s, int i);
    double (*col_double)(db_stmt *s, int i);
    const char *(*col_text)(db_stmt *s, int i);
    int (*col_bytes)(db_stmt *s, int i);
    /* column i's bytes copied into a (NULL for SQL NULL), their count in *len */
    const void *(*col_blob)(arena *a, db_stmt *s, int i, size_t *len);
    void (*reset)(db_stmt *s);
    int64_t (*changes)(db_stmt *s);
    ts_code (*begin)(db_conn *c, bool write, ts_err *err);
} db_ops;

/* Small string->pointer map for per-connection statement caches. */
typedef struct db_cache_ent {
    char *sql;
    uint64_t hash;
    void *stmt;
} db_cache_ent;
typedef struct db_cache {
    db_cache_ent *ents;
    size_t cap, n;
} db_cache;
/* Every backend's db_conn starts with this header. */
typedef struct db_conn_base {
    const db_ops *ops;
    db *owner;
    bool in_tx;
    struct db_conn_base *next_all; /* list of all connections of owner */
    struct db_hook *hooks;         /* db_on_commit, waiting for the end of the transaction */
    size_t nhooks, caphooks;
    db_cache cache; /* prepared statements by SQL text (db_prepare) */
} db_conn_base;

/* Every backend's db_stmt starts with this header. */
typedef struct db_stmt_base {
    const db_ops *ops;
    db_conn *conn;
} db_stmt_base;

struct db {
    const db_ops *ops;
    char *url;      /* as given */
    char *url_safe; /* password masked */
    char *target;   /* SQLite path, or PostgreSQL conninfo */
    pthread_key_t key;
    pthread_mutex_t mu;
    db_conn_base *conns;
    int nconns;
};

extern const db_ops db_sqlite_ops;
extern const db_ops db_pg_ops;

/* Register / unregister a connection in its db's list (db.c). */
void db__track(db *d, db_conn_base *c);
void db__untrack(db *d, db_conn_base *c);

uint64_t db__hash(const char *s);
/* Free a connection's cached statements (a backend's conn_close, first). */
void db__cache_release(db_conn_base *c);

#endif
