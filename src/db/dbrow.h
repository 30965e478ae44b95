/*
 * dbrow — reading rows the way every domain does: the one integer of a
 * COUNT(*) or an INSERT ... RETURNING id, and
 * arena arrays for a result of unknown length.
 */
#ifndef TS_DBROW_H
#define TS_DBROW_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "../lib/arena.h"
#include "../lib/err.h"

/* Run a prepared, bound statement (an INSERT, UPDATE or DELETE) to the end
 * and reset it. TS_OK, or the database error. */
ts_code dbrow_run(db_stmt *s, ts_err *err);

/*
 * Run a prepared, bound statement that yields at most one row to the end
 * and reset it: *out = that row's first column, def when there is no row.
 * TS_OK, or the database error.
 */
ts_code dbrow_int(db_stmt *s, int64_t def, int64_t *out, ts_err *err);

/*
 * Room for item n of an arena array of *cap items of size bytes: items
 * itself while n < *cap, else a copy twice as large (*cap doubled; the old
 * one stays in the arena until it is freed).
 */
void *dbrow_grow(arena *a, void *items, size_t size, int n, int *cap);

#endif
