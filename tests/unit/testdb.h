/*
 * testdb — a migrated SQLite database in a fresh temporary file, for unit
 * tests that need real storage; testdb_open_backend also gives a fresh
 * PostgreSQL database (created on the TINHSO_TEST_PG server, dropped by
 * testdb_remove) so one test body runs on both. Header-only: each test
 * includes it.
 */
#ifndef TS_TESTDB_H
#define TS_TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrate.h"

typedef struct testdb {
    char path[64];
    db *d;
    char pg_name[64]; /* PostgreSQL: the database created for this fixture */
} testdb;

/* Create, open and migrate; 0 on success. The file name is unique per
 * process and call (O_EXCL: never an existing file). */
static inline int testdb_open(testdb *t, const char *name)
{
    static int serial;
    snprintf(t->path, sizeof t->path, "/tmp/tinhso-%s-%ld-%d.db", name, (long)getpid(), serial++);
    int fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return -1;
    close(fd);
    ts_err e;
    ts_err_clear(&e);
    if (db_open(&t->d, t->path, &e) != TS_OK) return -1;
    int applied;
    return migrate_up(db_conn_get(t->d, &e), &applied, &e) == TS_OK ? 0 : -1;
}

/* The TINHSO_TEST_PG URL, or NULL when PostgreSQL tests are not asked for. */
static inline const char *testdb_pg_url(void)
{
    const char *url = getenv("TINHSO_TEST_PG");
    if (!url || (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11))) return NULL;
    return url;
}

/* url with its database name replaced by name (out: n bytes); 0 on success. */
static inline int testdb_pg_url_for(const char *url, const char *name, char *out, size_t n)
{
    const char *auth = strstr(url, "://") + 3;
    const char *slash = strchr(auth, '/');
    const char *rest = slash ? slash + strcspn(slash, "?") : "";
    size_t base = slash ? (size_t)(slash - url) : strlen(url);
    int w = snprintf(out, n, "%.*s/%s%s", (int)base, url, name, rest);
    return w > 0 && (size_t)w < n ? 0 : -1;
}

/* Run one statement outside a transaction on a private connection to url. */
static inline int testdb_pg_admin(const char *url, const char *sql)
{
    db *d;
    ts_err e;
    ts_err_clear(&e);
    if (db_open(&d, url, &e) != TS_OK) return -1;
    int rc = db_exec(db_conn_get(d, &e), sql, &e) == TS_OK ? 0 : -1;
    if (rc) fprintf(stderr, "testdb: %s: %s\n", sql, e.debug);
    db_close(d);
    return rc;
}

/*
 * Open a migrated database on backend dialect: SQLite (testdb_open), or a
 * database made for this call on the TINHSO_TEST_PG server. 1 when
 * PostgreSQL is asked for but TINHSO_TEST_PG is not set (skip), -1 on
 * failure, 0 on success.
 */
static inline int testdb_open_backend(testdb *t, const char *name, db_dialect dialect)
{
    memset(t, 0, sizeof *t);
    if (dialect == DB_SQLITE) return testdb_open(t, name);
    const char *url = testdb_pg_url();
    if (!url) return 1;
    static int serial;
    snprintf(t->pg_name, sizeof t->pg_name, "t_%s_%ld_%d", name, (long)getpid(), serial++);
    char sql[128], u[512];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", t->pg_name);
    if (testdb_pg_admin(url, sql) || testdb_pg_url_for(url, t->pg_name, u, sizeof u)) return -1;
    ts_err e;
    ts_err_clear(&e);
    if (db_open(&t->d, u, &e) != TS_OK) return -1;
    int applied;
    return migrate_up(db_conn_get(t->d, &e), &applied, &e) == TS_OK ? 0 : -1;
}

/* Close and remove the file with its WAL and shared-memory companions (or
 * drop the PostgreSQL database). */
static inline void testdb_remove(testdb *t)
{
    db_close(t->d);
    if (t->pg_name[0]) {
        char sql[160];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->pg_name);
        testdb_pg_admin(testdb_pg_url(), sql);
        return;
    }
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[80];
        snprintf(p, sizeof p, "%s%s", t->path, suffix[i]);
        unlink(p);
    }
}

/* A fixture run on both backends: a fresh database, its connection, an arena. */
typedef struct testfx {
    testdb t;
    db_conn *c;
    arena *a;
} testfx;

/* A new fixture on dialect d (name: the database's); NULL with *rc = 0 when
 * that backend is not there (the tests skip), -1 when it failed. */
static inline testfx *testfx_open(const char *name, db_dialect d, int *rc)
{
    testfx *f = calloc(1, sizeof *f);
    *rc = testdb_open_backend(&f->t, name, d);
    if (*rc) {
        free(f);
        *rc = *rc < 0 ? -1 : 0;
        return NULL;
    }
    ts_err e;
    ts_err_clear(&e);
    f->c = db_conn_get(f->t.d, &e);
    f->a = arena_new(1 << 14);
    return f;
}

/*
 * The cmocka plumbing of a fixture type F (with members `testdb t` and
 * `arena *a`) run on both backends: setup_sqlite / setup_pg call the test
 * file's setup_on(state, dialect); teardown frees it; fx(state) gives the
 * fixture, or skips the test when its backend is not there (no
 * TINHSO_TEST_PG for PostgreSQL).
 */
#define TESTDB_BACKEND_FIXTURE(F)                                                                  \
    static int setup_sqlite(void **state)                                                          \
    {                                                                                              \
        return setup_on(state, DB_SQLITE);                                                         \
    }                                                                                              \
    static int setup_pg(void **state)                                                              \
    {                                                                                              \
        return setup_on(state, DB_PG);                                                             \
    }                                                                                              \
    static int teardown(void **state)                                                              \
    {                                                                                              \
        F *f = *state;                                                                             \
        if (!f) return 0;                                                                          \
        arena_free(f->a);                                                                          \
        testdb_remove(&f->t);                                                                      \
        free(f);                                                                                   \
        return 0;                                                                                  \
    }                                                                                              \
    static F *fx(void **state)                                                                     \
    {                                                                                              \
        F *f = *state;                                                                             \
        if (!f) {                                                                                  \
            print_message("TINHSO_TEST_PG not set to a postgresql:// URL: skipping\n");            \
            skip();                                                                                \
        }                                                                                          \
        return f;                                                                                  \
    }

#endif
