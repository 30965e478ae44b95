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
 *
 * A line consisting of exactly
 *
 *     -- search-index: TABLE    (a lower-case SQL name)
 *
 * stands for the word-prefix search index over TABLE.search_key that
 * platform/search.c queries: on SQLite the external-content FTS5 table
 * TABLE_fts with the triggers that keep it in step and a rebuild over the
 * rows that exist; on PostgreSQL the generated tsvector column search_tsv
 * and its GIN index TABLE_search (decisions §20). The DDL is written on
 * that one line, so the line numbers below it stay right; a bad name is an
 * error like a bad dialect.
 */
#include "migrate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/embed.h"
#include "../lib/strbuf.h"
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

/* A line that is exactly "TAG WORD" (spaces around WORD, a CR at the end):
 * true with the word (possibly empty) in *w and *wn. */
static bool tag_line(const char *line, size_t n, const char *tag, const char **w, size_t *wn)
{
    size_t tn = strlen(tag);
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
        n--;
    if (n < tn || memcmp(line, tag, tn)) return false;
    *w = line + tn;
    *wn = n - tn;
    while (*wn && (**w == ' ' || **w == '\t')) {
        (*w)++;
        (*wn)--;
    }
    return true;
}

/* "-- dialect: NAME": 1 sqlite, 2 postgresql, 3 all, -1 an unknown name,
 * 0 not a marker. */
static int dialect_marker(const char *line, size_t n)
{
    const char *w;
    size_t wn;
    if (!tag_line(line, n, "-- dialect:", &w, &wn)) return 0;
    if (wn == 6 && !memcmp(w, "sqlite", 6)) return DB_SQLITE;
    if (wn == 10 && !memcmp(w, "postgresql", 10)) return DB_PG;
    if (wn == 3 && !memcmp(w, "all", 3)) return 3;
    return -1;
}

/* "-- search-index: NAME": 1 with the name in *name and *nn, -1 a bad
 * name, 0 not a directive. */
static int search_directive(const char *line, size_t n, const char **name, size_t *nn)
{
    if (!tag_line(line, n, "-- search-index:", name, nn)) return 0;
    const char *w = *name;
    if (!*nn || *nn > 48 || !(*w >= 'a' && *w <= 'z')) return -1;
    for (size_t i = 0; i < *nn; i++)
        if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= '0' && w[i] <= '9') || w[i] == '_'))
            return -1;
    return 1;
}

/* The search index DDL of table t (one line, no newline). */
static void search_index_ddl(strbuf *sb, db_dialect d, const char *t, int tn)
{
    if (d == DB_SQLITE) {
        sb_addf(sb,
                "CREATE VIRTUAL TABLE %.*s_fts USING fts5 (search_key, content = '%.*s', "
                "content_rowid = 'id', tokenize = 'unicode61', prefix = '2 3');",
                tn, t, tn, t);
        sb_addf(sb,
                " CREATE TRIGGER %.*s_fts_insert AFTER INSERT ON %.*s BEGIN"
                " INSERT INTO %.*s_fts (rowid, search_key) VALUES (new.id, new.search_key); END;",
                tn, t, tn, t, tn, t);
        static const char del[] = " INSERT INTO %.*s_fts (%.*s_fts, rowid, search_key)"
                                  " VALUES ('delete', old.id, old.search_key);";
        sb_addf(sb, " CREATE TRIGGER %.*s_fts_delete AFTER DELETE ON %.*s BEGIN", tn, t, tn, t);
        sb_addf(sb, del, tn, t, tn, t);
        sb_adds(sb, " END;");
        sb_addf(sb, " CREATE TRIGGER %.*s_fts_update AFTER UPDATE OF search_key ON %.*s BEGIN", tn,
                t, tn, t);
        sb_addf(sb, del, tn, t, tn, t);
        sb_addf(sb,
                " INSERT INTO %.*s_fts (rowid, search_key) VALUES (new.id, new.search_key);"
                " END;",
                tn, t);
        sb_addf(sb, " INSERT INTO %.*s_fts (%.*s_fts) VALUES ('rebuild');", tn, t, tn, t);
    } else {
        sb_addf(sb,
                "ALTER TABLE %.*s ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS"
                " (to_tsvector('simple', regexp_replace(search_key, '[[:punct:]]+', ' ', 'g')))"
                " STORED; CREATE INDEX %.*s_search ON %.*s USING GIN (search_tsv)"
                " WITH (fastupdate = off);",
                tn, t, tn, t, tn, t);
    }
}

char *migrate_for_dialect(const char *sql, db_dialect d, int *bad_line)
{
    strbuf out;
    sb_init(&out);
    int keep = 3, lineno = 0;
    *bad_line = 0;
    for (const char *p = sql; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        int m = dialect_marker(p, n);
        const char *name = NULL;
        size_t nn = 0;
        int si = m ? 0 : search_directive(p, n, &name, &nn);
        if (m < 0 || si < 0) {
            *bad_line = lineno;
            sb_release(&out);
            return NULL;
        }
        if (m > 0) keep = m;
        if (m == 0 && (keep & (int)d)) {
            if (si)
                search_index_ddl(&out, d, name, (int)nn);
            else
                sb_add(&out, p, n);
        }
        if (!nl) break;
        sb_addc(&out, '\n');
        p = nl + 1;
    }
    return sb_detach(&out, NULL);
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
