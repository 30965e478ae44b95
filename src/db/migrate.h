/*
 * migrate — applies the numbered SQL files embedded from
 * src/db/migrations/, each in its own transaction, recording them in
 * schema_migrations. One set of files serves both backends; a file may
 * hold sections for one backend only (see the comment atop migrate.c).
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
/*
 * The script a migration runs on dialect d: the lines of its "-- dialect:
 * sqlite|postgresql|all" sections for other backends blanked (malloc'd,
 * the caller frees it). NULL with *bad_line set (1-based) on a marker
 * naming an unknown dialect.
 */
char *migrate_for_dialect(const char *sql, db_dialect d, int *bad_line);

#endif
