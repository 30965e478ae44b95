/*
 * migrate — numbered migrations, one transaction each. Two servers starting
 * at once on PostgreSQL are safe: the version row is inserted inside the
 * migration's transaction, so the loser fails on the primary key, rolls
 * back, and finds the migration applied when it looks again.
 *
 * Backend-specific DDL: one file per migration (NNN_name.sql, its path is
 * the version on both backends), written in the portable dialect, in which
 * a line consisting of exactly
 *
 *     -- dialect: sqlite        the lines below run on SQLite only
 *     -- dialect: postgresql    the lines below run on PostgreSQL only
 *     -- dialect: all           the lines below run on both again
 *
 * opens a section that lasts until the next such line or the end of the
 * file. Lines of the other backend's sections are blanked (line numbers in
 * error messages stay right) before the script runs; any other word after
 * "dialect:" is an error, so a typo never silently skips DDL. A database
 * made before a migration existed simply gets it as pending: the version
 * list is the same on both backends. See docs/decisions.md §19.
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

/* "-- dialect: NAME" (nothing else on the line but spaces): 1 sqlite, 2
 * postgresql, 3 all, -1 an unknown name, 0 not a marker. */
static int dialect_marker(const char *line, size_t n)
{
    static const char tag[] = "-- dialect:";
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
        n--;
    if (n < sizeof tag - 1 || memcmp(line, tag, sizeof tag - 1)) return 0;
    const char *w = line + sizeof tag - 1;
    size_t wn = n - (sizeof tag - 1);
    while (wn && (*w == ' ' || *w == '\t')) {
        w++;
        wn--;
    }
    if (wn == 6 && !memcmp(w, "sqlite", 6)) return DB_SQLITE;
    if (wn == 10 && !memcmp(w, "postgresql", 10)) return DB_PG;
    if (wn == 3 && !memcmp(w, "all", 3)) return 3;
    return -1;
}

char *migrate_for_dialect(const char *sql, db_dialect d, int *bad_line)
{
    size_t len = strlen(sql);
    char *out = malloc(len + 1);
    if (!out) abort();
    size_t o = 0;
    int keep = 3, lineno = 0;
    *bad_line = 0;
    for (const char *p = sql; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        int m = dialect_marker(p, n);
        if (m < 0) {
            *bad_line = lineno;
            free(out);
            return NULL;
        }
        if (m > 0) keep = m;
        if (m == 0 && (keep & (int)d)) {
            memcpy(out + o, p, n);
            o += n;
        }
        if (!nl) break;
        out[o++] = '\n';
        p = nl + 1;
    }
    out[o] = '\0';
    return out;
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
    int bad;
    char *script = migrate_for_dialect((const char *)arg->m->data, db_conn_dialect(c), &bad);
    if (!script) {
        ts_err_set(err, TS_EINTERNAL, M_DB, NULL);
        ts_err_debug(err, "%s line %d: unknown dialect (sqlite, postgresql or all)", arg->m->path,
                     bad);
        return TS_EINTERNAL;
    }
    ts_code rc = db_exec(c, script, err);
    free(script);
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
