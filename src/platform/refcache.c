/*
 * refcache — see refcache.h for the rules; this file keeps them.
 */
#include "refcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/dbrow.h"
#include "events.h"
#include "../lib/log.h"
#include "../lib/timeutil.h"

#define SLOTS 1024              /* per thread; a power of two */
#define WAYS 4                  /* a key may sit in any of the WAYS slots of its set */
#define KEY_MAX 128             /* longer keys are not cached */
#define BODY_MAX (64 << 10)     /* larger bodies are not cached */
#define THREAD_BYTES (4u << 20) /* bodies kept by one thread, at most */

const char *const refcache_set_names[REF_NSETS] = {"units", "calendar", "procedures"};

typedef struct slot {
    uint64_t gen; /* 0: empty */
    int64_t filled_us;
    uint32_t hash;
    uint8_t set;
    char key[KEY_MAX];
    char *body;
    size_t len, cap;
} slot;

typedef struct table {
    size_t bytes; /* sum of the slots' body capacities */
    slot s[SLOTS];
} table;

/* One cache line per counter: both workers bump them. */
typedef struct counters {
    _Alignas(64) atomic_uint_fast64_t hits;
    _Alignas(64) atomic_uint_fast64_t misses;
    _Alignas(64) atomic_uint_fast64_t invalidations;
} counters;

static struct {
    atomic_bool enabled;
    atomic_int check_ms, max_age_ms;
    /* generation per set; copies carry gen + 1, so 0 means "do not keep" */
    _Alignas(64) atomic_uint_fast64_t gen[REF_NSETS];
    /* the data_versions check */
    _Alignas(64) atomic_int_fast64_t next_check_us;
    atomic_int checking;     /* 1 while one thread reads data_versions */
    atomic_bool versions_ok; /* the last check succeeded */
    /* versions seen by the last check; touched only by the checking thread */
    int64_t seen[REF_NSETS];
    bool have_seen[REF_NSETS];
    bool warned;
    counters stat[REF_NSETS];
} G = {
    .enabled = true,
    .check_ms = 1000,
    .max_age_ms = 60000,
};

static pthread_key_t table_key;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static _Thread_local table *tls_table;

static void table_free(void *p)
{
    table *t = p;
    if (!t) return;
    for (int i = 0; i < SLOTS; i++)
        free(t->s[i].body);
    free(t);
}

static void table_key_init(void)
{
    pthread_key_create(&table_key, table_free);
}

static table *my_table(void)
{
    if (tls_table) return tls_table;
    pthread_once(&table_once, table_key_init);
    table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    pthread_setspecific(table_key, t);
    tls_table = t;
    return t;
}

void refcache_thread_free(void)
{
    if (!tls_table) return;
    pthread_setspecific(table_key, NULL);
    table_free(tls_table);
    tls_table = NULL;
}

void refcache_configure(bool enabled, int check_ms, int max_age_ms)
{
    atomic_store(&G.enabled, enabled);
    atomic_store(&G.check_ms, check_ms < 0 ? 0 : check_ms);
    atomic_store(&G.max_age_ms, max_age_ms < 0 ? 0 : max_age_ms);
    atomic_store(&G.next_check_us, 0); /* check again before the next copy is served */
    for (int i = 0; i < REF_NSETS; i++)
        atomic_fetch_add(&G.gen[i], 1);
}

bool refcache_enabled(void)
{
    return atomic_load_explicit(&G.enabled, memory_order_relaxed);
}

void refcache_invalidate(ref_set set)
{
    atomic_fetch_add(&G.gen[set], 1);
    atomic_fetch_add_explicit(&G.stat[set].invalidations, 1, memory_order_relaxed);
}

static void invalidate_hook(void *arg)
{
    refcache_invalidate((ref_set)(uintptr_t)arg);
}

ts_code refcache_touch(db_conn *c, ref_set set, ts_err *err)
{
    db_stmt *s;
    ts_code rc =
        db_prepare(c, "UPDATE data_versions SET version = version + 1 WHERE name = ?", &s, err);
    if (rc != TS_OK) return rc;
    db_bind_text(s, 1, refcache_set_names[set], -1);
    rc = dbrow_run(s, err);
    if (rc != TS_OK) return rc;
    char topic[EVENTS_TOPIC_MAX + 1];
    snprintf(topic, sizeof topic, "refcache.%s", refcache_set_names[set]);
    rc = events_publish(c, topic, NULL, err);
    if (rc == TS_OK) db_on_commit(c, invalidate_hook, NULL, (void *)(uintptr_t)set);
    return rc;
}

/* Another process changed a set (or the listener was away: drop them all). */
static int on_event(const events_msg *m, void *arg)
{
    (void)arg;
    if (!m->remote) return 0; /* this process's own: its commit hook dropped the copies */
    for (int i = 0; i < REF_NSETS; i++) {
        size_t n = strlen(refcache_set_names[i]);
        if (!strcmp(m->topic, EVENTS_RESYNC) ||
            (!strncmp(m->topic + 9, refcache_set_names[i], n) && !m->topic[9 + n]))
            refcache_invalidate((ref_set)i);
    }
    return 0;
}

void refcache_events_subscribe(void)
{
    events_subscribe("refcache.*", on_event, NULL);
    events_subscribe(EVENTS_RESYNC, on_event, NULL);
}

/* A failed check is logged once, until a check succeeds again. */
static bool check_failed(const ts_err *err)
{
    if (!G.warned)
        log_error("refcache: cannot read data_versions, serving from the database: %s",
                  err->debug[0] ? err->debug : "error");
    G.warned = true;
    return false;
}

/* Read data_versions; move the generation of every set whose version moved. */
static bool check_versions(db_conn *c)
{
    ts_err err = {0};
    db_stmt *s;
    if (db_prepare(c, "SELECT name, version FROM data_versions", &s, &err) != TS_OK)
        return check_failed(&err);
    int r;
    while ((r = db_step(s, &err)) == DB_ROW) {
        const char *name = db_col_text(s, 0);
        int64_t v = db_col_int(s, 1);
        for (int i = 0; i < REF_NSETS; i++) {
            if (!name || strcmp(name, refcache_set_names[i]) != 0) continue;
            if (G.have_seen[i] && G.seen[i] != v) refcache_invalidate((ref_set)i);
            G.seen[i] = v;
            G.have_seen[i] = true;
        }
    }
    db_reset(s);
    if (r < 0) return check_failed(&err);
    if (G.warned) { /* blind for a while: whatever happened then, start afresh */
        for (int i = 0; i < REF_NSETS; i++)
            refcache_invalidate((ref_set)i);
        G.warned = false;
    }
    return true;
}

/* True when copies may be served now: versions were checked recently enough. */
static bool versions_current(db_conn *c)
{
    int64_t now = time_mono_us();
    if (now < atomic_load_explicit(&G.next_check_us, memory_order_acquire))
        return atomic_load_explicit(&G.versions_ok, memory_order_acquire);
    int expect = 0;
    if (!atomic_compare_exchange_strong(&G.checking, &expect, 1))
        return false; /* another thread is checking: go to the database meanwhile */
    bool ok = check_versions(c);
    atomic_store_explicit(&G.versions_ok, ok, memory_order_release);
    atomic_store_explicit(&G.next_check_us, now + (int64_t)atomic_load(&G.check_ms) * 1000,
                          memory_order_release);
    atomic_store(&G.checking, 0);
    return ok;
}

static uint32_t hash_key(ref_set set, const char *k, size_t n)
{
    uint32_t h = 2166136261u ^ (uint32_t)set;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 16777619u;
    return h;
}

/* The slots of h's set: WAYS in a row, so that a few keys whose hashes
 * meet do not push each other out on every request (with one slot per key
 * 64 keys in 1,024 slots collide with a probability near 0.86). */
static slot *set_of(table *t, uint32_t h)
{
    return &t->s[h & (SLOTS - WAYS)];
}

/* key's slot in its set, or NULL. */
static slot *find(table *t, ref_set set, uint32_t h, const char *key, size_t n)
{
    slot *s = set_of(t, h);
    for (int i = 0; i < WAYS; i++)
        if (s[i].gen && s[i].hash == h && s[i].set == set && !memcmp(s[i].key, key, n + 1))
            return &s[i];
    return NULL;
}

/* Where a new key goes: an empty slot of its set, else the one filled
 * longest ago. */
static slot *victim(table *t, uint32_t h)
{
    slot *s = set_of(t, h), *best = &s[0];
    for (int i = 0; i < WAYS; i++) {
        if (!s[i].gen) return &s[i];
        if (s[i].filled_us < best->filled_us) best = &s[i];
    }
    return best;
}

bool refcache_get(db_conn *c, ref_set set, const char *key, arena *a, const char **body,
                  size_t *len, uint64_t *gen)
{
    *gen = 0;
    if (!refcache_enabled()) return false;
    counters *st = &G.stat[set];
    if (!versions_current(c)) {
        atomic_fetch_add_explicit(&st->misses, 1, memory_order_relaxed);
        return false;
    }
    uint64_t g = atomic_load_explicit(&G.gen[set], memory_order_acquire) + 1;
    *gen = g;
    size_t n = strlen(key);
    table *t = my_table();
    if (!t || n >= KEY_MAX) {
        atomic_fetch_add_explicit(&st->misses, 1, memory_order_relaxed);
        return false;
    }
    uint32_t h = hash_key(set, key, n);
    slot *sl = find(t, set, h, key, n);
    if (!sl || sl->gen != g ||
        time_mono_us() - sl->filled_us > (int64_t)atomic_load(&G.max_age_ms) * 1000) {
        atomic_fetch_add_explicit(&st->misses, 1, memory_order_relaxed);
        return false;
    }
    /* copied: the response may still be sending when this thread refills the slot */
    char *b = arena_alloc(a, sl->len + 1);
    memcpy(b, sl->body, sl->len);
    b[sl->len] = '\0';
    *body = b;
    *len = sl->len;
    atomic_fetch_add_explicit(&st->hits, 1, memory_order_relaxed);
    return true;
}

void refcache_put(ref_set set, const char *key, uint64_t gen, const char *body, size_t len)
{
    if (gen == 0 || !refcache_enabled() || len > BODY_MAX) return;
    size_t n = strlen(key);
    if (n >= KEY_MAX) return;
    table *t = my_table();
    if (!t) return;
    uint32_t h = hash_key(set, key, n);
    slot *sl = find(t, set, h, key, n);
    if (!sl) sl = victim(t, h);
    if (sl->cap < len) {
        /* over the thread's budget: the slot is emptied, the body not kept */
        if (t->bytes - sl->cap + len > THREAD_BYTES) {
            t->bytes -= sl->cap;
            free(sl->body);
            memset(sl, 0, sizeof *sl);
            return;
        }
        char *nb = realloc(sl->body, len);
        if (!nb) return;
        t->bytes += len - sl->cap;
        sl->body = nb;
        sl->cap = len;
    }
    memcpy(sl->body, body, len);
    memcpy(sl->key, key, n + 1);
    sl->len = len;
    sl->hash = h;
    sl->set = (uint8_t)set;
    sl->gen = gen;
    sl->filled_us = time_mono_us();
}

size_t refcache_thread_bytes(void)
{
    return tls_table ? tls_table->bytes : 0;
}

void refcache_get_stats(ref_set set, refcache_stats *out)
{
    out->hits = atomic_load(&G.stat[set].hits);
    out->misses = atomic_load(&G.stat[set].misses);
    out->invalidations = atomic_load(&G.stat[set].invalidations);
}
