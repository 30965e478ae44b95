/*
 * migrate — applies the numbered SQL files embedded from
 * src/db/migrations/, each in its own transaction, recording them in
 * schema_migrations. One set of files serves both backends.
 */
#ifndef TS_MIGRATE_H
#define TS_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

#include "db.h"

/* Apply every pending migration; *applied gets how many ran. */
ts_code migrate_up(db_conn *c, int *applied, ts_err *err);
/* Print applied and pending migrations to out. */
ts_code migrate_status(db_conn *c, FILE *out, ts_err *err);
/* True when every embedded migration has been applied. */
bool migrate_is_current(db_conn *c);
/* Number of embedded migrations. */
int migrate_count(void);

#endif
