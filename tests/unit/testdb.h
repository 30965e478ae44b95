/*
 * testdb — a migrated SQLite database in a fresh temporary file, for unit
 * tests that need real storage. Header-only: each test includes it.
 */
#ifndef TS_TESTDB_H
#define TS_TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrate.h"

typedef struct testdb {
    char path[64];
    db *d;
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

/* Close and remove the file with its WAL and shared-memory companions. */
static inline void testdb_remove(testdb *t)
{
    db_close(t->d);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[80];
        snprintf(p, sizeof p, "%s%s", t->path, suffix[i]);
        unlink(p);
    }
}

#endif
