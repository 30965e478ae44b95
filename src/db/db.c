/*
 * db — the backend-neutral half of the storage API: URL parsing, the
 * per-thread connection, statement caches, retrying transactions.
 */
#include "db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DB_TX_RETRIES 8

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

/* postgresql://user:secret@host/db -> postgresql://user:***@host/db */
static char *mask_password(const char *url)
{
    const char *scheme = strstr(url, "://");
    if (!scheme) return xstrdup(url);
    const char *auth = scheme + 3;
    const char *at = strchr(auth, '@');
    const char *slash = strchr(auth, '/');
    if (!at || (slash && slash < at)) return xstrdup(url);
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (!colon) return xstrdup(url);
    size_t n = (size_t)(colon - url) + 1;
    size_t rest = strlen(at);
    char *d = malloc(n + 3 + rest + 1);
    if (!d) abort();
    memcpy(d, url, n);
    memcpy(d + n, "***", 3);
    memcpy(d + n + 3, at, rest + 1);
    return d;
}

static void hooks_finish(db_conn_base *b, bool committed);

static void conn_destructor(void *p)
{
    (void)p; /* connections are closed by db_close, which owns the list */
}

ts_code db_open(db **out, const char *url, ts_err *err)
{
    *out = NULL;
    if (!url || !*url) {
        ts_err_set(err, TS_EINVAL, M_DB, NULL);
        ts_err_debug(err, "empty database URL");
        return TS_EINVAL;
    }
    const db_ops *ops;
    const char *target;
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) {
        ops = &db_pg_ops;
        target = url;
    } else if (!strncmp(url, "sqlite:", 7)) {
        ops = &db_sqlite_ops;
        target = url + 7;
        if (!strncmp(target, "//", 2)) target += 2;
    } else if (strstr(url, "://")) {
        ts_err_set(err, TS_EINVAL, M_DB, NULL);
        ts_err_debug(err, "unsupported database URL scheme: %s", url);
        return TS_EINVAL;
    } else {
        ops = &db_sqlite_ops;
        target = url;
    }
    if (!*target) {
        ts_err_set(err, TS_EINVAL, M_DB, NULL);
        ts_err_debug(err, "database URL has no path");
        return TS_EINVAL;
    }
    db *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->ops = ops;
    d->url = xstrdup(url);
    d->url_safe = mask_password(url);
    d->target = xstrdup(target);
    pthread_key_create(&d->key, conn_destructor);
    pthread_mutex_init(&d->mu, NULL);
    db_conn *c = db_conn_get(d, err);
    if (!c) {
        db_close(d);
        return err->code ? err->code : TS_EDB;
    }
    *out = d;
    return TS_OK;
}

void db_close(db *d)
{
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    db_conn_base *c = d->conns;
    d->conns = NULL;
    d->nconns = 0;
    pthread_mutex_unlock(&d->mu);
    while (c) {
        db_conn_base *next = c->next_all;
        c->owner = NULL; /* already untracked */
        hooks_finish(c, false);
        c->ops->conn_close((db_conn *)c);
        c = next;
    }
    pthread_setspecific(d->key, NULL);
    pthread_key_delete(d->key);
    pthread_mutex_destroy(&d->mu);
    free(d->url);
    free(d->url_safe);
    free(d->target);
    free(d);
}

db_dialect db_get_dialect(const db *d)
{
    return d->ops->dialect;
}

const char *db_url_safe(const db *d)
{
    return d->url_safe;
}

void db__track(db *d, db_conn_base *c)
{
    pthread_mutex_lock(&d->mu);
    c->next_all = d->conns;
    d->conns = c;
    d->nconns++;
    pthread_mutex_unlock(&d->mu);
}

void db__untrack(db *d, db_conn_base *c)
{
    pthread_mutex_lock(&d->mu);
    for (db_conn_base **pp = &d->conns; *pp; pp = &(*pp)->next_all) {
        if (*pp == c) {
            *pp = c->next_all;
            d->nconns--;
            break;
        }
    }
    pthread_mutex_unlock(&d->mu);
}

int db_conn_count(const db *d)
{
    return d->nconns;
}

db_conn *db_conn_get(db *d, ts_err *err)
{
    db_conn *c = pthread_getspecific(d->key);
    if (c) return c;
    if (d->ops->conn_open(d, &c, err) != TS_OK) return NULL;
    pthread_setspecific(d->key, c);
    return c;
}

ts_code db_conn_open(db *d, db_conn **out, ts_err *err)
{
    return d->ops->conn_open(d, out, err);
}

void db_conn_close(db_conn *c)
{
    if (!c) return;
    db_conn_base *b = (db_conn_base *)c;
    if (b->owner) {
        if (pthread_getspecific(b->owner->key) == c) pthread_setspecific(b->owner->key, NULL);
        db__untrack(b->owner, b);
    }
    hooks_finish(b, false);
    b->ops->conn_close(c);
}

db_dialect db_conn_dialect(const db_conn *c)
{
    return ((const db_conn_base *)c)->ops->dialect;
}

#define OPS(c) (((db_conn_base *)(c))->ops)
#define SOPS(s) (((db_stmt_base *)(s))->ops)

/* ---- after-commit hooks (db_on_commit) ---- */

typedef struct db_hook {
    db_hook_fn fn, release;
    void *arg;
} db_hook;

/* Run (committed) or discard the connection's hooks, then forget them. A
 * hook may add hooks (outside a transaction they run at once), so the list
 * is taken off the connection first. */
static void hooks_finish(db_conn_base *b, bool committed)
{
    db_hook *h = b->hooks;
    size_t n = b->nhooks;
    b->hooks = NULL;
    b->nhooks = b->caphooks = 0;
    for (size_t i = 0; i < n; i++) {
        if (committed && h[i].fn) h[i].fn(h[i].arg);
        if (h[i].release) h[i].release(h[i].arg);
    }
    free(h);
}

void db_on_commit(db_conn *c, db_hook_fn fn, db_hook_fn release, void *arg)
{
    db_conn_base *b = (db_conn_base *)c;
    if (!b->in_tx) {
        if (fn) fn(arg);
        if (release) release(arg);
        return;
    }
    if (b->nhooks == b->caphooks) {
        size_t ncap = b->caphooks ? b->caphooks * 2 : 8;
        db_hook *nh = realloc(b->hooks, ncap * sizeof *nh);
        if (!nh) abort();
        b->hooks = nh;
        b->caphooks = ncap;
    }
    b->hooks[b->nhooks++] = (db_hook){fn, release, arg};
}

/* ---- fault injection (TINHSO_FAULTS builds) ---- */

#ifdef TINHSO_FAULTS
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
static _Thread_local struct {
    long step;   /* fail the step-th storage call from arming; 0: none */
    long calls;  /* storage calls since arming */
    bool commit; /* fail the next commit */
    bool fired;
} fault;

void db_fault_arm(const char *spec)
{
    memset(&fault, 0, sizeof fault);
    if (!spec) return;
    const char *p = spec;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!strncmp(p, "step=", 5)) {
            char *end;
            long n = strtol(p + 5, &end, 10);
            if (n > 0) fault.step = n;
            p = end;
        } else if (!strncmp(p, "commit", 6)) {
            fault.commit = true;
            p += 6;
        } else {
            while (*p && *p != ',')
                p++;
        }
    }
}

bool db_fault_disarm(void)
{
    bool fired = fault.fired;
    memset(&fault, 0, sizeof fault);
    return fired;
}

/* True when this storage call is the one to fail; sets err. */
static bool fault_hit(const char *what, ts_err *err)
{
    if (!fault.step || fault.fired) return false;
    if (++fault.calls != fault.step) return false;
    fault.fired = true;
    ts_err_set(err, TS_EDB, M_DB, NULL);
    ts_err_debug(err, "fault injected: %s, storage call %ld", what, fault.calls);
    const char *trace = getenv("TINHSO_FAULT_TRACE");      /* a file: who called, to find a */
    FILE *tf = trace && *trace ? fopen(trace, "a") : NULL; /* failure swallowed */
    if (tf) {
        void *bt[32];
        int n = backtrace(bt, 32);
        fprintf(tf, "fault injected: %s, storage call %ld\n", what, fault.calls);
        fflush(tf);
        backtrace_symbols_fd(bt, n, fileno(tf));
        fclose(tf);
    }
    return true;
}

static bool fault_commit(ts_err *err)
{
    if (!fault.commit || fault.fired) return false;
    fault.fired = true;
    ts_err_set(err, TS_EDB, M_DB, NULL);
    ts_err_debug(err, "fault injected: commit");
    return true;
}
#define FAULT(what, err) fault_hit(what, err)
#define FAULT_COMMIT(err) (fault_hit("commit", err) || fault_commit(err))
#else
#define FAULT(what, err) false
#define FAULT_COMMIT(err) false
#endif

ts_code db_exec(db_conn *c, const char *sql, ts_err *err)
{
    if (FAULT("exec", err)) return TS_EDB;
    return OPS(c)->exec(c, sql, err);
}

static void *cache_get(db_cache *c, const char *sql, uint64_t h);
static void cache_put(db_cache *c, const char *sql, uint64_t h, void *stmt);

ts_code db_prepare(db_conn *c, const char *sql, db_stmt **out, ts_err *err)
{
    if (FAULT("prepare", err)) return TS_EDB;
    db_conn_base *b = (db_conn_base *)c;
    uint64_t h = db__hash(sql);
    db_stmt *s = cache_get(&b->cache, sql, h);
    if (s) {
        b->ops->reuse(s);
        *out = s;
        return TS_OK;
    }
    ts_code rc = b->ops->prepare(c, sql, &s, err);
    if (rc != TS_OK) return rc;
    cache_put(&b->cache, sql, h, s);
    *out = s;
    return TS_OK;
}

void db_bind_int(db_stmt *s, int idx, int64_t v)
{
    SOPS(s)->bind_int(s, idx, v);
}
void db_bind_double(db_stmt *s, int idx, double v)
{
    SOPS(s)->bind_double(s, idx, v);
}
void db_bind_text(db_stmt *s, int idx, const char *v, int len)
{
    if (!v)
        SOPS(s)->bind_null(s, idx);
    else
        SOPS(s)->bind_text(s, idx, v, len);
}
void db_bind_null(db_stmt *s, int idx)
{
    SOPS(s)->bind_null(s, idx);
}
void db_bind_blob(db_stmt *s, int idx, const void *v, size_t len)
{
    SOPS(s)->bind_blob(s, idx, v, len);
}
const void *db_col_blob(arena *a, db_stmt *s, int i, size_t *len)
{
    *len = 0;
    return SOPS(s)->col_blob(a, s, i, len);
}
int db_step(db_stmt *s, ts_err *err)
{
    if (FAULT("step", err)) return -(int)TS_EDB;
    return SOPS(s)->step(s, err);
}
int db_col_count(db_stmt *s)
{
    return SOPS(s)->col_count(s);
}
bool db_col_is_null(db_stmt *s, int i)
{
    return SOPS(s)->col_is_null(s, i);
}
int64_t db_col_int(db_stmt *s, int i)
{
    return SOPS(s)->col_int(s, i);
}
double db_col_double(db_stmt *s, int i)
{
    return SOPS(s)->col_double(s, i);
}
const char *db_col_text(db_stmt *s, int i)
{
    return SOPS(s)->col_text(s, i);
}
int db_col_bytes(db_stmt *s, int i)
{
    return SOPS(s)->col_bytes(s, i);
}
const char *db_col_dup(arena *a, db_stmt *s, int i)
{
    const char *t = db_col_text(s, i);
    return t ? arena_strndup(a, t, (size_t)db_col_bytes(s, i)) : NULL;
}
void db_reset(db_stmt *s)
{
    if (s) SOPS(s)->reset(s);
}
int64_t db_changes(db_stmt *s)
{
    return SOPS(s)->changes(s);
}

ts_code db_begin(db_conn *c, bool write, ts_err *err)
{
    if (FAULT("begin", err)) return TS_EDB;
    ts_code rc = OPS(c)->begin(c, write, err);
    if (rc == TS_OK) ((db_conn_base *)c)->in_tx = true;
    return rc;
}

ts_code db_commit(db_conn *c, ts_err *err)
{
    if (FAULT_COMMIT(err)) { /* as if the server refused the COMMIT */
        db_rollback(c);
        return TS_EDB;
    }
    ts_code rc = OPS(c)->exec(c, "COMMIT", err);
    if (rc != TS_OK) {
        db_rollback(c);
        return rc;
    }
    ((db_conn_base *)c)->in_tx = false;
    hooks_finish((db_conn_base *)c, true);
    return TS_OK;
}

void db_rollback(db_conn *c)
{
    ts_err e;
    ts_err_clear(&e);
    if (((db_conn_base *)c)->in_tx) OPS(c)->exec(c, "ROLLBACK", &e);
    ((db_conn_base *)c)->in_tx = false;
    hooks_finish((db_conn_base *)c, false);
}

ts_code db_notify(db_conn *c, const char *channel, const char *payload, ts_err *err)
{
    if (db_conn_dialect(c) != DB_PG) return TS_OK;
    if (payload && strlen(payload) > DB_NOTIFY_MAX) {
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        ts_err_debug(err, "notify payload of %zu bytes (at most %d)", strlen(payload),
                     DB_NOTIFY_MAX);
        return TS_EINTERNAL;
    }
    db_stmt *s;
    ts_code rc = db_prepare(c, "SELECT pg_notify(?, ?)", &s, err);
    if (rc != TS_OK) return rc;
    db_bind_text(s, 1, channel, -1);
    db_bind_text(s, 2, payload ? payload : "", -1);
    int r = db_step(s, err);
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

bool db_in_tx(const db_conn *c)
{
    return ((const db_conn_base *)c)->in_tx;
}

static void backoff(int attempt)
{
    /* 1, 2, 4 ... ms plus jitter, capped at 50 ms */
    long ms = 1L << (attempt < 6 ? attempt : 6);
    if (ms > 50) ms = 50;
    long jitter = (long)(((unsigned)rand()) % 1000u) * 1000L;
    struct timespec ts = {0, ms * 1000000L + jitter};
    nanosleep(&ts, NULL);
}

ts_code db_transact(db_conn *c, db_tx_fn fn, void *arg, ts_err *err)
{
    ts_code rc = TS_OK;
    for (int attempt = 0; attempt < DB_TX_RETRIES; attempt++) {
        ts_err_clear(err);
        rc = db_begin(c, true, err);
        if (rc == TS_OK) {
            rc = fn(c, arg, err);
            if (rc == TS_OK)
                rc = db_commit(c, err);
            else
                db_rollback(c);
        }
        if (rc != TS_EBUSY) return rc;
        backoff(attempt);
    }
    return rc;
}

ts_code db_ping(db_conn *c, ts_err *err)
{
    db_stmt *s;
    ts_code rc = db_prepare(c, "SELECT 1", &s, err);
    if (rc != TS_OK) return rc;
    int r = db_step(s, err);
    db_reset(s);
    return r == DB_ROW ? TS_OK : (r < 0 ? (ts_code)-r : TS_EDB);
}

int64_t db_query_int(db_conn *c, const char *sql, int64_t def, ts_err *err)
{
    db_stmt *s;
    if (db_prepare(c, sql, &s, err) != TS_OK) return def;
    int64_t v = def;
    if (db_step(s, err) == DB_ROW && !db_col_is_null(s, 0)) v = db_col_int(s, 0);
    db_reset(s);
    return v;
}

/* ---- statement cache: open addressing on a 64-bit FNV-1a hash ---- */

uint64_t db__hash(const char *s)
{
    /* word at a time: statement texts are long (hundreds of bytes) and hashed
     * on every prepare; collisions are resolved by strcmp in the cache */
    size_t n = strlen(s);
    uint64_t h = 1469598103934665603ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h ^ (h >> 32);
}

static void *cache_get(db_cache *c, const char *sql, uint64_t h)
{
    if (!c->cap) return NULL;
    size_t mask = c->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        db_cache_ent *e = &c->ents[i];
        if (!e->sql) return NULL;
        if (e->hash == h && !strcmp(e->sql, sql)) return e->stmt;
    }
}

static void cache_put(db_cache *c, const char *sql, uint64_t h, void *stmt)
{
    if ((c->n + 1) * 2 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        db_cache_ent *ne = calloc(ncap, sizeof *ne);
        if (!ne) abort();
        for (size_t i = 0; i < c->cap; i++) {
            db_cache_ent *e = &c->ents[i];
            if (!e->sql) continue;
            size_t j = e->hash & (ncap - 1);
            while (ne[j].sql)
                j = (j + 1) & (ncap - 1);
            ne[j] = *e;
        }
        free(c->ents);
        c->ents = ne;
        c->cap = ncap;
    }
    size_t mask = c->cap - 1;
    size_t i = h & mask;
    while (c->ents[i].sql)
        i = (i + 1) & mask;
    c->ents[i].sql = xstrdup(sql);
    c->ents[i].hash = h;
    c->ents[i].stmt = stmt;
    c->n++;
}

void db__cache_release(db_conn_base *b)
{
    db_cache *c = &b->cache;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->ents[i].sql) continue;
        b->ops->stmt_free(c->ents[i].stmt);
        free(c->ents[i].sql);
    }
    free(c->ents);
    c->ents = NULL;
    c->cap = c->n = 0;
}
