/* dbrow — shared row-reading helpers; see dbrow.h. */
#include "dbrow.h"

#include <string.h>

ts_code dbrow_run(db_stmt *s, ts_err *err)
{
    int r;
    while ((r = db_step(s, err)) == DB_ROW)
        ;
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

ts_code dbrow_int(db_stmt *s, int64_t def, int64_t *out, ts_err *err)
{
    int r = db_step(s, err);
    *out = r == DB_ROW ? db_col_int(s, 0) : def;
    while (r == DB_ROW)
        r = db_step(s, err);
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

void *dbrow_grow(arena *a, void *items, size_t size, int n, int *cap)
{
    if (n < *cap) return items;
    void *bigger = arena_alloc(a, size * (size_t)*cap * 2);
    memcpy(bigger, items, size * (size_t)*cap);
    *cap *= 2;
    return bigger;
}
