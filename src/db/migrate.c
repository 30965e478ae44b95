/*
 * migrate — numbered migrations, one transaction each. Two servers starting
 * at once on PostgreSQL are safe: the version row is inserted inside the
 * migration's transaction, so the loser fails on the primary key, rolls
 * back, and finds the migration applied when it looks again.
 */
#include "migrate.h"

#include <stdlib.h>
#include <string.h>

#include "../lib/embed.h"
#include "../lib/timeutil.h"

static const char create_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 " version TEXT NOT NULL PRIMARY KEY,"
                                 " applied_at TEXT NOT NULL)";

int migrate_count(void)
{
    int n = 0;
    for (const ts_embedded *m = ts_migrations; m->path; m++)
        n++;
    return n;
}

static int is_applied(db_conn *c, const char *version, ts_err *err)
{
    db_stmt *s;
    if (db_prepare(c, "SELECT 1 FROM schema_migrations WHERE version = ?", &s, err) != TS_OK)
        return -1;
    db_bind_text(s, 1, version, -1);
    int r = db_step(s, err);
    db_reset(s);
    return r < 0 ? -1 : r == DB_ROW;
}

typedef struct mig_arg {
    const ts_embedded *m;
} mig_arg;

static ts_code apply_one(db_conn *c, void *argp, ts_err *err)
{
    mig_arg *arg = argp;
    int ap = is_applied(c, arg->m->path, err);
    if (ap < 0) return err->code;
    if (ap) return TS_ECONFLICT; /* someone else applied it meanwhile */
    ts_code rc = db_exec(c, (const char *)arg->m->data, err);
    if (rc != TS_OK) return rc;
    db_stmt *s;
    rc =
        db_prepare(c, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", &s, err);
    if (rc != TS_OK) return rc;
    char now[40];
    time_iso_us(time_now_us(), now, sizeof now);
    db_bind_text(s, 1, arg->m->path, -1);
    db_bind_text(s, 2, now, -1);
    int r = db_step(s, err);
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

ts_code migrate_up(db_conn *c, int *applied, ts_err *err)
{
    *applied = 0;
    ts_code rc = db_exec(c, create_sql, err);
    if (rc != TS_OK && rc != TS_ECONFLICT) return rc;
    if (rc == TS_ECONFLICT) ts_err_clear(err); /* concurrent CREATE on PostgreSQL */
    for (const ts_embedded *m = ts_migrations; m->path; m++) {
        int ap = is_applied(c, m->path, err);
        if (ap < 0) return err->code;
        if (ap) continue;
        mig_arg arg = {m};
        rc = db_transact(c, apply_one, &arg, err);
        if (rc != TS_OK && is_applied(c, m->path, err) == 1) {
            ts_err_clear(err);
            continue;
        }
        if (rc != TS_OK) {
            ts_err_debug(err, "migration %s failed: %s", m->path, err->debug);
            return rc;
        }
        (*applied)++;
    }
    return TS_OK;
}

ts_code migrate_status(db_conn *c, FILE *out, ts_err *err)
{
    ts_code rc = db_exec(c, create_sql, err);
    if (rc != TS_OK) return rc;
    for (const ts_embedded *m = ts_migrations; m->path; m++) {
        db_stmt *s;
        rc = db_prepare(c, "SELECT applied_at FROM schema_migrations WHERE version = ?", &s, err);
        if (rc != TS_OK) return rc;
        db_bind_text(s, 1, m->path, -1);
        int r = db_step(s, err);
        if (r < 0) {
            db_reset(s);
            return err->code;
        }
        if (r == DB_ROW)
            fprintf(out, "applied  %-32s %s\n", m->path, db_col_text(s, 0));
        else
            fprintf(out, "pending  %s\n", m->path);
        db_reset(s);
    }
    return TS_OK;
}

bool migrate_is_current(db_conn *c)
{
    ts_err err;
    ts_err_clear(&err);
    int64_t n = db_query_int(c, "SELECT COUNT(*) FROM schema_migrations", -1, &err);
    return n == migrate_count();
}
