/*
 * db — one storage API over two backends: embedded SQLite and PostgreSQL.
 * SQL uses one portable dialect: `?` placeholders (rewritten to $n for
 * PostgreSQL), INTEGER/TEXT/REAL/BLOB, ON CONFLICT, RETURNING. Each thread
 * gets its own connection (db_conn_get); statements are prepared once per
 * connection and cached by their SQL text.
 */
#ifndef TS_DB_H
#define TS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/arena.h"
#include "../lib/err.h"

typedef struct db db;
typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

typedef enum db_dialect { DB_SQLITE = 1, DB_PG = 2 } db_dialect;

/* Result of db_step. Errors are negative ts_code values (-TS_EDB, ...). */
enum { DB_DONE = 0, DB_ROW = 1 };

/*
 * Open a database handle for URL: "sqlite:PATH", a bare PATH (SQLite), or
 * "postgresql://..." / "postgres://...". Opens and checks one connection.
 */
ts_code db_open(db **out, const char *url, ts_err *err);
/* Close every connection made through this handle. */
void db_close(db *d);
db_dialect db_get_dialect(const db *d);
/* The URL with any password masked, for logs. */
const char *db_url_safe(const db *d);

/* This thread's connection (opened on first use, kept until db_close). */
db_conn *db_conn_get(db *d, ts_err *err);
/* A private connection (e.g. for a CLI command or a test); close it yourself. */
ts_code db_conn_open(db *d, db_conn **out, ts_err *err);
void db_conn_close(db_conn *c);
db_dialect db_conn_dialect(const db_conn *c);
/* Number of open connections (metrics). */
int db_conn_count(const db *d);

/* Run one or more statements without parameters or results (DDL, scripts). */
ts_code db_exec(db_conn *c, const char *sql, ts_err *err);

/*
 * Get the cached prepared statement for sql (preparing it on first use),
 * reset and with bindings cleared. Valid until the connection closes.
 * Do not hold two uses of the same SQL text open at once on one connection.
 */
ts_code db_prepare(db_conn *c, const char *sql, db_stmt **out, ts_err *err);
/* Bind parameter idx (1-based). len < 0 means NUL-terminated. NULL text binds NULL. */
void db_bind_int(db_stmt *s, int idx, int64_t v);
void db_bind_double(db_stmt *s, int idx, double v);
void db_bind_text(db_stmt *s, int idx, const char *v, int len);
void db_bind_null(db_stmt *s, int idx);
/* Bind bytes (a BLOB on SQLite, a bytea on PostgreSQL: declare the column
 * per dialect). */
void db_bind_blob(db_stmt *s, int idx, const void *v, size_t len);
/* Execute / fetch the next row: DB_ROW, DB_DONE, or -ts_code on error. */
int db_step(db_stmt *s, ts_err *err);
int db_col_count(db_stmt *s);
bool db_col_is_null(db_stmt *s, int i);
int64_t db_col_int(db_stmt *s, int i);
double db_col_double(db_stmt *s, int i);
/* Text of column i (0-based), NULL for SQL NULL; valid until the next step/reset. */
const char *db_col_text(db_stmt *s, int i);
int db_col_bytes(db_stmt *s, int i);
/* Copy of column i's bytes (a BLOB / bytea) into the arena, their count in
 * *len; NULL (and *len 0) for SQL NULL. */
const void *db_col_blob(arena *a, db_stmt *s, int i, size_t *len);
/* Copy of column i's text into the arena (NULL for SQL NULL). */
const char *db_col_dup(arena *a, db_stmt *s, int i);
/* Finish with the statement: discard results and bindings. */
void db_reset(db_stmt *s);
/* Rows changed by the last INSERT/UPDATE/DELETE run by this statement. */
int64_t db_changes(db_stmt *s);

/* Transactions. A write transaction takes the write lock at once (SQLite
 * BEGIN IMMEDIATE) so it never fails half-way on a lock upgrade. */
ts_code db_begin(db_conn *c, bool write, ts_err *err);
ts_code db_commit(db_conn *c, ts_err *err);
void db_rollback(db_conn *c);
bool db_in_tx(const db_conn *c);

/*
 * Run fn inside a write transaction, committing when it returns TS_OK and
 * rolling back otherwise. Retries (with back-off) when the database reports
 * busy or a serialization failure (TS_EBUSY), up to a few times.
 */
typedef ts_code (*db_tx_fn)(db_conn *c, void *arg, ts_err *err);
ts_code db_transact(db_conn *c, db_tx_fn fn, void *arg, ts_err *err);

/*
 * After-commit hooks (events, cache invalidation). Inside a transaction,
 * db_on_commit queues fn(arg) on the connection: it runs, in the order the
 * hooks were added, right after the transaction commits; a rollback (or a
 * failed COMMIT) discards it. Either way release(arg) (when not NULL) runs
 * once afterwards, so arg may own memory. Outside a transaction the change
 * is already durable: fn runs at once. Hooks run on the committing thread
 * with no transaction open; they must be quick and must not fail the write
 * (it is done) — slow work goes through platform/events.
 */
typedef void (*db_hook_fn)(void *arg);
void db_on_commit(db_conn *c, db_hook_fn fn, db_hook_fn release, void *arg);

/*
 * PostgreSQL NOTIFY (no-op returning TS_OK on SQLite). Inside a transaction
 * the notification is delivered to listeners when it commits, and never if
 * it rolls back. payload must be shorter than DB_NOTIFY_MAX bytes.
 */
#define DB_NOTIFY_MAX 7999
ts_code db_notify(db_conn *c, const char *channel, const char *payload, ts_err *err);

/*
 * A background listener on a channel (PostgreSQL LISTEN), with its own
 * connection: fn(payload, arg) runs on the listener's thread for every
 * notification; fn(NULL, arg) after the connection was (re)established
 * once it had been lost, when notifications may have been missed. A lost
 * connection is retried with back-off (100 ms doubling to 2 s). On SQLite
 * db_listen_start returns TS_OK with *out NULL (one process: nothing to hear).
 */
typedef struct db_listener db_listener;
typedef void (*db_listen_fn)(const char *payload, void *arg);
ts_code db_listen_start(db *d, const char *channel, db_listen_fn fn, void *arg, db_listener **out,
                        ts_err *err);
/* Stop the thread and close its connection. NULL is fine. */
void db_listen_stop(db_listener *l);
/* PostgreSQL backend pid of the listener's connection (0 when not connected), for tests. */
int db_listen_backend_pid(db_listener *l);
/* Times the listener connected (1 after the start; more after drops), for tests. */
int db_listen_connects(db_listener *l);

/*
 * Fault injection for tests (builds with -DTINHSO_FAULTS=ON; compiled out
 * otherwise). Armed per thread with a spec:
 *   "step=N"  the Nth storage call from now (db_exec, db_prepare, db_step,
 *             db_begin, db_commit, counted together) fails with TS_EDB
 *   "commit"  the next db_commit rolls back and fails with TS_EDB
 * (several joined by ',': the first reached fires, once). db_fault_disarm ends it and
 * says whether a fault fired. See docs/decisions.md "Fault injection".
 */
#ifdef TINHSO_FAULTS
void db_fault_arm(const char *spec);
bool db_fault_disarm(void);
#else /* compiled out: the argument is not even evaluated */
#define db_fault_arm(spec) ((void)0)
#define db_fault_disarm() false
#endif

/* Cheap liveness check (SELECT 1). */
ts_code db_ping(db_conn *c, ts_err *err);

/* Convenience: run sql with no params and return the first column of the
 * first row as an integer (def when no row). */
int64_t db_query_int(db_conn *c, const char *sql, int64_t def, ts_err *err);

/* SQLite only: consistent online copy of the database into path. */
ts_code db_sqlite_backup(db_conn *c, const char *path, ts_err *err);

#endif
