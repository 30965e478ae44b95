/*
 * test_refcache — the reference-data cache's rules on a real SQLite file:
 * a copy is served only under the generation it was read in, a touch by
 * another connection (another process in production) is noticed at the
 * next check, copies age out, oversize keys/bodies are not kept, and a
 * missing data_versions table turns the cache off instead of serving stale
 * copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "testmain.h"

#include "testdb.h"
#include "lib/arena.h"
#include "platform/refcache.h"

typedef struct fx {
    testdb t;
    db_conn *c;     /* the "server" connection */
    db_conn *other; /* a second connection: another process's writes */
    arena *a;
} fx;

static int setup(void **state)
{
    static fx f;
    memset(&f, 0, sizeof f);
    if (testdb_open(&f.t, "refcache")) return -1;
    ts_err e;
    ts_err_clear(&e);
    f.c = db_conn_get(f.t.d, &e);
    if (db_conn_open(f.t.d, &f.other, &e) != TS_OK) return -1;
    f.a = arena_new(4096);
    refcache_configure(true, 0, 60000); /* check on every lookup unless a test says otherwise */
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    refcache_thread_free();
    refcache_configure(true, 1000, 60000);
    arena_free(f->a);
    db_conn_close(f->other);
    testdb_remove(&f->t);
    return 0;
}

static bool get(fx *f, const char *key, const char **body, uint64_t *gen)
{
    size_t len;
    return refcache_get(f->c, REF_UNITS, key, f->a, body, &len, gen);
}

/* Another process moves the version: a write transaction on the other
 * connection. Its SQL, not refcache_touch, which also drops this process's
 * copies after the commit (as a change made here must). */
static ts_code touch_elsewhere(db_conn *c, void *arg, ts_err *err)
{
    (void)arg;
    return db_exec(c, "UPDATE data_versions SET version = version + 1 WHERE name = 'units'", err);
}

static void other_process_touches(fx *f)
{
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(db_transact(f->other, touch_elsewhere, NULL, &e), TS_OK);
}

static void test_miss_put_hit(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    assert_false(get(f, "24@2026-11-25", &body, &gen));
    assert_true(gen != 0);
    refcache_put(REF_UNITS, "24@2026-11-25", gen, "{\"code\":\"24\"}", 13);
    assert_true(get(f, "24@2026-11-25", &body, &gen));
    assert_string_equal(body, "{\"code\":\"24\"}");
    /* another key (another day) is another copy */
    assert_false(get(f, "24@2025-06-30", &body, &gen));
}

/* FNV-1a as refcache.c hashes a key of a set: to find keys that meet. */
static uint32_t fnv(ref_set set, const char *k)
{
    uint32_t h = 2166136261u ^ (uint32_t)set;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 16777619u;
    return h;
}

/* Keys whose hashes meet in one slot all stay: with one slot per hash such
 * a pair pushed each other out on every request (a catalogue search
 * rotating over 64 queries missed 13% of the time); sets of four slots keep
 * four such keys. Far more keys than slots still answer the last put. */
static void test_colliding_keys_stay(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    char keys[4][48];
    uint32_t slot0 = 0;
    int found = 0;
    for (int i = 0; found < 4; i++) {
        char k[48];
        snprintf(k, sizeof k, "list:query %d|||province|50|0", i);
        uint32_t sl = fnv(REF_UNITS, k) & 1023;
        if (found == 0) slot0 = sl;
        if (sl == slot0) snprintf(keys[found++], sizeof keys[0], "%s", k);
    }
    for (int i = 0; i < 4; i++) {
        assert_false(get(f, keys[i], &body, &gen));
        refcache_put(REF_UNITS, keys[i], gen, keys[i], strlen(keys[i]));
    }
    for (int i = 0; i < 4; i++) {
        assert_true(get(f, keys[i], &body, &gen));
        assert_string_equal(body, keys[i]);
    }
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_false(get(f, key, &body, &gen));
        refcache_put(REF_UNITS, key, gen, "{}", 2);
        assert_true(get(f, key, &body, &gen));
    }
}

static void test_local_invalidate(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    assert_false(get(f, "07210@d", &body, &gen));
    refcache_put(REF_UNITS, "07210@d", gen, "old", 3);
    assert_true(get(f, "07210@d", &body, &gen));
    refcache_invalidate(REF_UNITS);
    assert_false(get(f, "07210@d", &body, &gen));
}

static void test_read_before_invalidate_is_not_kept(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    /* a reader takes its generation, a writer commits and invalidates, then
     * the reader stores what it read before: that copy must never be served */
    assert_false(get(f, "25@d", &body, &gen));
    uint64_t stale_gen = gen;
    refcache_invalidate(REF_UNITS);
    refcache_put(REF_UNITS, "25@d", stale_gen, "stale", 5);
    assert_false(get(f, "25@d", &body, &gen));
}

static void test_other_process_noticed(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    refcache_stats s0, s1;
    refcache_get_stats(REF_UNITS, &s0);
    assert_false(get(f, "26@d", &body, &gen));
    refcache_put(REF_UNITS, "26@d", gen, "v1", 2);
    assert_true(get(f, "26@d", &body, &gen));
    other_process_touches(f);
    assert_false(get(f, "26@d", &body, &gen)); /* check interval 0: noticed at once */
    refcache_get_stats(REF_UNITS, &s1);
    assert_true(s1.invalidations > s0.invalidations);
}

static void test_check_interval(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    refcache_configure(true, 60000, 60000); /* look for other processes once a minute */
    assert_false(get(f, "27@d", &body, &gen));
    refcache_put(REF_UNITS, "27@d", gen, "v1", 2);
    other_process_touches(f);
    /* within the interval the copy is still served: the documented bound */
    assert_true(get(f, "27@d", &body, &gen));
    /* a change through this process is exact whatever the interval */
    refcache_invalidate(REF_UNITS);
    assert_false(get(f, "27@d", &body, &gen));
    refcache_configure(true, 0, 60000);
}

/* refcache_touch drops this process's copies when its transaction commits,
 * not before, and not at all when it rolls back (db_on_commit). */
static void test_touch_drops_copies_after_commit_only(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    ts_err e;
    ts_err_clear(&e);
    refcache_configure(true, 60000, 60000); /* no version checks: only the hook can drop */
    assert_false(get(f, "28@d", &body, &gen));
    refcache_put(REF_UNITS, "28@d", gen, "v1", 2);
    assert_true(get(f, "28@d", &body, &gen));
    assert_int_equal(db_begin(f->other, true, &e), TS_OK);
    assert_int_equal(refcache_touch(f->other, REF_UNITS, &e), TS_OK);
    assert_true(get(f, "28@d", &body, &gen)); /* not committed yet */
    db_rollback(f->other);
    assert_true(get(f, "28@d", &body, &gen)); /* rolled back: nothing changed */
    assert_int_equal(db_begin(f->other, true, &e), TS_OK);
    assert_int_equal(refcache_touch(f->other, REF_UNITS, &e), TS_OK);
    assert_int_equal(db_commit(f->other, &e), TS_OK);
    assert_false(get(f, "28@d", &body, &gen)); /* committed: gone at once */
    refcache_configure(true, 0, 60000);
}

static void test_max_age(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    refcache_configure(true, 0, 50);
    assert_false(get(f, "28@d", &body, &gen));
    refcache_put(REF_UNITS, "28@d", gen, "v1", 2);
    assert_true(get(f, "28@d", &body, &gen));
    struct timespec ts = {0, 80 * 1000 * 1000};
    nanosleep(&ts, NULL);
    assert_false(get(f, "28@d", &body, &gen));
    refcache_configure(true, 0, 60000);
}

static void test_limits_and_off(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    char longkey[200]; /* over the 128-byte key limit */
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_false(get(f, longkey, &body, &gen));
    refcache_put(REF_UNITS, longkey, gen, "x", 1);
    assert_false(get(f, longkey, &body, &gen));

    static char big[70000];
    memset(big, 'b', sizeof big);
    assert_false(get(f, "29@d", &body, &gen));
    refcache_put(REF_UNITS, "29@d", gen, big, sizeof big);
    assert_false(get(f, "29@d", &body, &gen));

    /* generation 0 (what a lookup hands out when it cannot vouch) is never kept */
    refcache_put(REF_UNITS, "30@d", 0, "x", 1);
    assert_false(get(f, "30@d", &body, &gen));

    refcache_configure(false, 0, 60000);
    assert_false(refcache_enabled());
    assert_false(get(f, "31@d", &body, &gen));
    assert_int_equal(gen, 0);
    refcache_put(REF_UNITS, "31@d", 7, "x", 1);
    refcache_configure(true, 0, 60000);
    assert_false(get(f, "31@d", &body, &gen));
}

static void test_memory_bound(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    static char big[60 << 10];
    memset(big, 'p', sizeof big);
    for (int i = 0; i < 200; i++) {
        char key[32];
        snprintf(key, sizeof key, "page%d", i);
        assert_false(get(f, key, &body, &gen));
        refcache_put(REF_UNITS, key, gen, big, sizeof big);
        assert_true(refcache_thread_bytes() <= (4u << 20));
    }
    /* pages were kept until the budget was reached (about 68 of 60 KiB), no more */
    int kept = 0;
    for (int i = 0; i < 200; i++) {
        char key[32];
        snprintf(key, sizeof key, "page%d", i);
        if (get(f, key, &body, &gen)) {
            assert_int_equal(strlen(body), sizeof big);
            kept++;
        }
    }
    assert_in_range(kept, 50, 68);
    assert_true(refcache_thread_bytes() > (3u << 20));
    /* more than 64 KiB is never kept */
    static char huge[65 << 10];
    memset(huge, 'h', sizeof huge);
    assert_false(get(f, "huge", &body, &gen));
    refcache_put(REF_UNITS, "huge", gen, huge, sizeof huge);
    assert_false(get(f, "huge", &body, &gen));
    refcache_thread_free();
    assert_int_equal(refcache_thread_bytes(), 0);
}

static void test_missing_table_turns_it_off(void **state)
{
    fx *f = *state;
    const char *body;
    uint64_t gen;
    assert_false(get(f, "32@d", &body, &gen));
    refcache_put(REF_UNITS, "32@d", gen, "v1", 2);
    assert_true(get(f, "32@d", &body, &gen));
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(db_exec(f->other, "ALTER TABLE data_versions RENAME TO dv_gone", &e), TS_OK);
    assert_false(get(f, "32@d", &body, &gen)); /* cannot vouch: database, not copy */
    assert_int_equal(gen, 0);
    assert_int_equal(db_exec(f->other, "ALTER TABLE dv_gone RENAME TO data_versions", &e), TS_OK);
    assert_false(get(f, "32@d", &body, &gen));
    refcache_put(REF_UNITS, "32@d", gen, "v2", 2);
    assert_true(get(f, "32@d", &body, &gen));
    assert_string_equal(body, "v2");
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test_setup_teardown(test_miss_put_hit, setup, teardown),
             cmocka_unit_test_setup_teardown(test_colliding_keys_stay, setup, teardown),
             cmocka_unit_test_setup_teardown(test_local_invalidate, setup, teardown),
             cmocka_unit_test_setup_teardown(test_read_before_invalidate_is_not_kept, setup,
                                             teardown),
             cmocka_unit_test_setup_teardown(test_other_process_noticed, setup, teardown),
             cmocka_unit_test_setup_teardown(test_check_interval, setup, teardown),
             cmocka_unit_test_setup_teardown(test_touch_drops_copies_after_commit_only, setup,
                                             teardown),
             cmocka_unit_test_setup_teardown(test_max_age, setup, teardown),
             cmocka_unit_test_setup_teardown(test_limits_and_off, setup, teardown),
             cmocka_unit_test_setup_teardown(test_memory_bound, setup, teardown),
             cmocka_unit_test_setup_teardown(test_missing_table_turns_it_off, setup, teardown))
