/*
 * refcache — per-thread copies of rendered reference-data answers
 * (administrative units: one unit, and pages of the unit listing, searches
 * included), dropped the moment the data changes.
 *
 * Reference data is read on every form with an address and changes a few
 * times a year, so the public read of one unit is served from a copy of its
 * JSON body instead of a database read. Correctness rests on versions:
 *
 * - Each data set has a row in the data_versions table. A domain function
 *   that changes the set calls refcache_touch inside its write transaction
 *   (the version moves with the data, atomically) and refcache_invalidate
 *   after the commit, so this process never serves a copy older than its
 *   own writes.
 * - Other processes (a second server on PostgreSQL, `tinhso units import`
 *   run beside a live server) are noticed by reading data_versions at most
 *   once per check interval (default 1 s), before a copy is served.
 * - A copy is also refilled after max_age (default 60 s) whatever the
 *   versions say: a bound for edits made with SQL behind the program's back.
 *
 * A copy records the generation it was read under, taken before the
 * database read; any invalidation after that makes it a miss. The cache is
 * a fixed direct-mapped table per worker thread (no locks on the read
 * path), bounded in memory (4 MiB of bodies per thread), freed when the
 * thread ends. See
 * docs/decisions.md §14.
 */
#ifndef TS_REFCACHE_H
#define TS_REFCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../db/db.h"

typedef enum ref_set { REF_UNITS = 0, REF_CALENDAR, REF_PROCEDURES, REF_NSETS } ref_set;

/* The data_versions row of each set ("units", "calendar", "procedures"). */
extern const char *const refcache_set_names[REF_NSETS];

/* Process-wide settings; call before serving. Defaults: on, 1000 ms, 60000 ms. */
void refcache_configure(bool enabled, int check_ms, int max_age_ms);
bool refcache_enabled(void);

/*
 * Look up a copy of set/key. Checks data_versions first when the check is
 * due (using c). On a hit, copies the body into a and returns true. Always
 * sets *gen: pass it to refcache_put after reading the data on a miss.
 */
bool refcache_get(db_conn *c, ref_set set, const char *key, arena *a, const char **body,
                  size_t *len, uint64_t *gen);
/* Keep a copy of a freshly rendered body read under gen (from refcache_get). */
void refcache_put(ref_set set, const char *key, uint64_t gen, const char *body, size_t len);

/*
 * Inside the write transaction that changes set: move its stored version.
 * It also arranges the rest (platform/events): when the transaction
 * commits this process drops its copies at once (an after-commit hook) and
 * the event "refcache.SET" tells the other processes (NOTIFY on
 * PostgreSQL), which drop theirs as soon as it arrives instead of at their
 * next data_versions check; that check stays as the fallback.
 */
ts_code refcache_touch(db_conn *c, ref_set set, ts_err *err);
/* This process drops its copies of set (refcache_touch's hook does it after commit). */
void refcache_invalidate(ref_set set);
/* Subscribe to the other processes' refcache events; call before events_start. */
void refcache_events_subscribe(void);

typedef struct refcache_stats {
    uint64_t hits, misses, invalidations;
} refcache_stats;
void refcache_get_stats(ref_set set, refcache_stats *out);

/* Body bytes the calling thread keeps (bounded: 4 MiB; a body over 64 KiB is never kept). */
size_t refcache_thread_bytes(void);

/* Free the calling thread's table (worker threads do it when they end). */
void refcache_thread_free(void);

#endif
