/*
 * test_events — after-commit hooks (db_on_commit), the in-process event bus
 * (platform/events) on a real SQLite database, the storage fault injection
 * (TINHSO_FAULTS builds), and, when TINHSO_TEST_PG holds a postgresql://
 * URL, delivery across processes: this binary runs itself again as the
 * publishing process ("--child"), and the event must reach the subscriber
 * here within a second, also after the listener's connection was killed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform/events.h"
#include "testdb.h"

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- what subscribers saw ---- */

#define SEEN_MAX 8192

typedef struct seen_ev {
    char topic[EVENTS_TOPIC_MAX + 1];
    char *json;
    bool remote;
    int64_t at_us;
} seen_ev;

static struct {
    pthread_mutex_t mu;
    seen_ev ev[SEEN_MAX];
    int n;
    int slow_ms;      /* the collector sleeps this long per event */
    bool gate_closed; /* the collector waits while true */
    pthread_cond_t gate;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER, .gate = PTHREAD_COND_INITIALIZER};

/* Let a collector stuck at the gate go on (before events_stop joins it). */
static void gate_open(void)
{
    pthread_mutex_lock(&S.mu);
    S.gate_closed = false;
    pthread_cond_broadcast(&S.gate);
    pthread_mutex_unlock(&S.mu);
}

static void seen_clear(void)
{
    pthread_mutex_lock(&S.mu);
    for (int i = 0; i < S.n; i++)
        free(S.ev[i].json);
    S.n = 0;
    S.slow_ms = 0;
    S.gate_closed = false;
    pthread_mutex_unlock(&S.mu);
}

static int seen_count(void)
{
    pthread_mutex_lock(&S.mu);
    int n = S.n;
    pthread_mutex_unlock(&S.mu);
    return n;
}

/* Wait until n events were seen (true) or ms passed. */
static bool seen_wait(int n, int ms)
{
    for (int waited = 0; waited <= ms; waited += 5) {
        if (seen_count() >= n) return true;
        sleep_ms(5);
    }
    return false;
}

static int collect(const events_msg *m, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&S.mu);
    while (S.gate_closed)
        pthread_cond_wait(&S.gate, &S.mu);
    int slow = S.slow_ms;
    if (S.n < SEEN_MAX) {
        seen_ev *e = &S.ev[S.n++];
        snprintf(e->topic, sizeof e->topic, "%s", m->topic);
        e->json = m->json ? strdup(m->json) : NULL;
        e->remote = m->remote;
        e->at_us = now_us();
    }
    pthread_mutex_unlock(&S.mu);
    if (slow) sleep_ms(slow);
    return 0;
}

static int failing(const events_msg *m, void *arg)
{
    (void)m;
    (void)arg;
    return -1;
}

/* ---- fixtures ---- */

static int sq_setup(void **state)
{
    testdb *t = calloc(1, sizeof *t);
    if (!t || testdb_open(t, "events")) return -1;
    *state = t;
    return 0;
}

static int sq_teardown(void **state)
{
    gate_open();
    events_stop();
    seen_clear();
    testdb *t = *state;
    testdb_remove(t);
    free(t);
    return 0;
}

static db_conn *conn(void **state)
{
    ts_err err;
    ts_err_clear(&err);
    db_conn *c = db_conn_get(((testdb *)*state)->d, &err);
    assert_non_null(c);
    return c;
}

/* ---- after-commit hooks ---- */

static char hook_log[64];
static int hook_released;

static void hook_mark(void *arg)
{
    size_t n = strlen(hook_log);
    if (n + 1 < sizeof hook_log) {
        hook_log[n] = *(const char *)arg;
        hook_log[n + 1] = '\0';
    }
}

static void hook_release(void *arg)
{
    (void)arg;
    hook_released++;
}

static ts_code tx_with_hooks(db_conn *c, void *arg, ts_err *err)
{
    db_on_commit(c, hook_mark, hook_release, "x");
    assert_string_equal(hook_log, ""); /* not before the commit */
    return *(ts_code *)arg == TS_OK ? db_exec(c, "UPDATE audit_head SET hash = hash", err)
                                    : ts_err_set(err, *(ts_code *)arg, M_CONFLICT, NULL);
}

/* A write transaction on the fixture's connection, the hook log empty. */
static db_conn *hooks_begin(void **state, ts_err *err)
{
    db_conn *c = conn(state);
    ts_err_clear(err);
    hook_log[0] = '\0';
    hook_released = 0;
    assert_int_equal(db_begin(c, true, err), TS_OK);
    return c;
}

static void test_hooks_run_after_commit_in_order(void **state)
{
    ts_err err;
    db_conn *c = hooks_begin(state, &err);
    db_on_commit(c, hook_mark, hook_release, "a");
    db_on_commit(c, hook_mark, NULL, "b");
    db_on_commit(c, hook_mark, hook_release, "c");
    assert_string_equal(hook_log, "");
    assert_int_equal(hook_released, 0);
    assert_int_equal(db_commit(c, &err), TS_OK);
    assert_string_equal(hook_log, "abc");
    assert_int_equal(hook_released, 2);
    /* a later transaction does not run them again */
    assert_int_equal(db_begin(c, true, &err), TS_OK);
    assert_int_equal(db_commit(c, &err), TS_OK);
    assert_string_equal(hook_log, "abc");
    /* outside a transaction: at once */
    db_on_commit(c, hook_mark, hook_release, "d");
    assert_string_equal(hook_log, "abcd");
    assert_int_equal(hook_released, 3);
}

static void test_hooks_discarded_on_rollback(void **state)
{
    ts_err err;
    db_conn *c = hooks_begin(state, &err);
    db_on_commit(c, hook_mark, hook_release, "a");
    db_rollback(c);
    assert_string_equal(hook_log, "");
    assert_int_equal(hook_released, 1); /* what it owned is freed */
    /* db_transact: a failing function discards, a succeeding one runs */
    ts_code want = TS_ECONFLICT;
    assert_int_equal(db_transact(c, tx_with_hooks, &want, &err), TS_ECONFLICT);
    assert_string_equal(hook_log, "");
    want = TS_OK;
    assert_int_equal(db_transact(c, tx_with_hooks, &want, &err), TS_OK);
    assert_string_equal(hook_log, "x");
    assert_int_equal(hook_released, 3);
}

/* ---- in-process bus ---- */

/* Publish n events "t.N" with {"i":N} in one write transaction; commit or not. */
static void publish_batch(db_conn *c, int from, int n, bool commit)
{
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(db_begin(c, true, &err), TS_OK);
    for (int i = from; i < from + n; i++) {
        char topic[32], json[32];
        snprintf(topic, sizeof topic, "t.%d", i);
        snprintf(json, sizeof json, "{\"i\":%d}", i);
        assert_int_equal(events_publish(c, topic, json, &err), TS_OK);
    }
    if (commit)
        assert_int_equal(db_commit(c, &err), TS_OK);
    else
        db_rollback(c);
}

static void test_bus_delivers_after_commit_in_order(void **state)
{
    db_conn *c = conn(state);
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(events_subscribe("t.*", collect, NULL), 0);
    assert_int_equal(events_start(((testdb *)*state)->d, &err), TS_OK);
    assert_int_equal(events_listener_pid(), 0); /* SQLite: no listener */

    assert_int_equal(db_begin(c, true, &err), TS_OK);
    assert_int_equal(events_publish(c, "t.held", "{}", &err), TS_OK);
    assert_true(events_flush(1000));
    assert_int_equal(seen_count(), 0); /* held until the commit */
    assert_int_equal(db_commit(c, &err), TS_OK);
    assert_true(events_flush(1000));
    assert_int_equal(seen_count(), 1);
    assert_string_equal(S.ev[0].topic, "t.held");
    assert_string_equal(S.ev[0].json, "{}");
    assert_false(S.ev[0].remote);

    publish_batch(c, 0, 200, true);
    assert_true(events_flush(2000));
    assert_int_equal(seen_count(), 201);
    for (int i = 0; i < 200; i++) {
        char topic[32], json[32];
        snprintf(topic, sizeof topic, "t.%d", i);
        snprintf(json, sizeof json, "{\"i\":%d}", i);
        assert_string_equal(S.ev[1 + i].topic, topic);
        assert_string_equal(S.ev[1 + i].json, json);
    }
}

static void test_bus_drops_rolled_back_events(void **state)
{
    db_conn *c = conn(state);
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(events_subscribe("*", collect, NULL), 0);
    assert_int_equal(events_start(((testdb *)*state)->d, &err), TS_OK);
    publish_batch(c, 0, 5, false);
    publish_batch(c, 5, 2, true);
    publish_batch(c, 7, 5, false);
    assert_true(events_flush(1000));
    assert_int_equal(seen_count(), 2);
    assert_string_equal(S.ev[0].topic, "t.5");
    assert_string_equal(S.ev[1].topic, "t.6");
    /* without a connection: this process only, at once; a payload may be NULL */
    assert_int_equal(events_publish(NULL, "plain", NULL, &err), TS_OK);
    assert_true(events_flush(1000));
    assert_int_equal(seen_count(), 3);
    assert_null(S.ev[2].json);
}

static void test_bus_topics_and_patterns(void **state)
{
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(events_subscribe("units.changed", collect, NULL), 0);
    assert_int_equal(events_subscribe("dossier.*", collect, NULL), 0);
    assert_int_equal(events_start(((testdb *)*state)->d, &err), TS_OK);
    static const struct {
        const char *topic;
        bool seen;
    } cases[] = {
        {"units.changed", true}, {"units.changed.x", false}, {"units", false},
        {"dossier.new", true},   {"dossier.a.b", true},      {"dossier", false},
        {"dossiers.new", false},
    };
    int want = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(events_publish(NULL, cases[i].topic, "1", &err), TS_OK);
        assert_true(events_flush(1000));
        want += cases[i].seen;
        if (seen_count() != want)
            fail_msg("topic %s: seen %d, want %d", cases[i].topic, seen_count(), want);
    }
    /* bad topics are refused */
    static const char *const bad[] = {
        "",     "Units",  "a b",
        "a\nb", "x;DROP", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ts_err_clear(&err);
        assert_int_equal(events_publish(NULL, bad[i], "1", &err), TS_EINTERNAL);
    }
}

static void test_bus_slow_or_failing_subscriber_never_blocks_a_write(void **state)
{
    db_conn *c = conn(state);
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(events_subscribe("t.*", failing, NULL), 0);
    assert_int_equal(events_subscribe("t.*", collect, NULL), 0);
    assert_int_equal(events_start(((testdb *)*state)->d, &err), TS_OK);
    events_stats st0;
    events_get_stats(&st0);
    S.slow_ms = 100;
    int64_t t0 = now_us();
    for (int i = 0; i < 10; i++)
        publish_batch(c, i, 1, true);
    int64_t took = now_us() - t0;
    /* ten writes while the subscriber needs a second for their events */
    if (took > 500000) fail_msg("10 writes took %lld us with a slow subscriber", (long long)took);
    assert_true(events_flush(5000));
    assert_int_equal(seen_count(), 10); /* the failing one did not stop the next */
    events_stats st;
    events_get_stats(&st);
    assert_int_equal(st.failed - st0.failed, 10);

    /* a subscriber stuck for good: the queue fills, writes go on, extras drop */
    seen_clear();
    pthread_mutex_lock(&S.mu);
    S.gate_closed = true;
    pthread_mutex_unlock(&S.mu);
    events_get_stats(&st0);
    t0 = now_us();
    for (int i = 0; i < EVENTS_QUEUE_MAX + 200; i++)
        assert_int_equal(events_publish(NULL, "t.flood", NULL, &err), TS_OK);
    took = now_us() - t0;
    if (took > 2000000) fail_msg("publishing into a full queue took %lld us", (long long)took);
    events_get_stats(&st);
    assert_true(st.dropped - st0.dropped >= 100);
    gate_open();
    assert_true(events_flush(10000));
}

/* ---- fault injection ---- */

static void test_faults(void **state)
{
#ifndef TINHSO_FAULTS
    (void)state;
    print_message("not a TINHSO_FAULTS build: skipping\n");
    skip();
#else
    db_conn *c = conn(state);
    ts_err err;
    ts_err_clear(&err);
    db_stmt *s;
    /* step=2: the prepare passes, the step fails */
    db_fault_arm("step=2");
    assert_int_equal(db_prepare(c, "SELECT COUNT(*) FROM audit_log", &s, &err), TS_OK);
    assert_int_equal(db_step(s, &err), -(int)TS_EDB);
    assert_int_equal(err.code, TS_EDB);
    assert_non_null(strstr(err.debug, "fault injected"));
    db_reset(s);
    ts_err_clear(&err);
    assert_int_equal(db_ping(c, &err), TS_OK); /* once only */
    assert_true(db_fault_disarm());
    assert_false(db_fault_disarm());
    /* not reached */
    db_fault_arm("step=50");
    assert_int_equal(db_ping(c, &err), TS_OK);
    assert_false(db_fault_disarm());
    /* commit: rolled back, hooks discarded, nothing kept */
    int64_t before = db_query_int(c, "SELECT seq FROM audit_head", -1, &err);
    hook_log[0] = '\0';
    db_fault_arm("commit");
    assert_int_equal(db_begin(c, true, &err), TS_OK);
    assert_int_equal(db_exec(c, "UPDATE audit_head SET seq = seq + 1", &err), TS_OK);
    db_on_commit(c, hook_mark, NULL, "z");
    assert_int_equal(db_commit(c, &err), TS_EDB);
    assert_false(db_in_tx(c));
    assert_true(db_fault_disarm());
    assert_string_equal(hook_log, "");
    assert_int_equal(db_query_int(c, "SELECT seq FROM audit_head", -1, &err), before);
    /* disarmed: commits again */
    assert_int_equal(db_begin(c, true, &err), TS_OK);
    assert_int_equal(db_commit(c, &err), TS_OK);
#endif
}

/* ---- across processes (PostgreSQL) ---- */

static const char *pg_url(void)
{
    const char *u = getenv("TINHSO_TEST_PG");
    return u && (!strncmp(u, "postgresql://", 13) || !strncmp(u, "postgres://", 11)) ? u : NULL;
}

static char self_exe[4096];

/* Run this binary as the publishing process: MODE commit|rollback, a payload
 * of SIZE bytes (or the commit time when SIZE is 0). Returns its exit status. */
static int run_child(const char *mode, const char *topic, int size)
{
    char sz[16];
    snprintf(sz, sizeof sz, "%d", size);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self_exe, self_exe, "--child", pg_url(), mode, topic, sz, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int child_main(char **argv)
{
    const char *url = argv[2], *mode = argv[3], *topic = argv[4];
    int size = atoi(argv[5]);
    db *d;
    ts_err err;
    ts_err_clear(&err);
    if (db_open(&d, url, &err) != TS_OK) return 2;
    db_conn *c = db_conn_get(d, &err);
    int rc = 3;
    char *json = malloc((size_t)size + 64);
    if (!json) abort();
    if (size > 0) {
        memset(json, 'a', (size_t)size);
        json[0] = '"';
        json[size - 1] = '"';
        json[size] = '\0';
    }
    if (db_begin(c, true, &err) != TS_OK) goto out;
    if (!size) snprintf(json, 64, "{\"sent_us\":%lld}", (long long)now_us());
    if (events_publish(c, topic, json, &err) != TS_OK) goto out;
    if (!strcmp(mode, "commit")) {
        if (db_commit(c, &err) != TS_OK) goto out;
    } else {
        db_rollback(c);
    }
    rc = 0;
out:
    free(json);
    db_close(d);
    return rc;
}

typedef struct pg_fix {
    db *d;
} pg_fix;

static int pg_setup(void **state)
{
    *state = NULL;
    if (!pg_url()) return 0;
    pg_fix *f = calloc(1, sizeof *f);
    ts_err err;
    ts_err_clear(&err);
    if (!f || db_open(&f->d, pg_url(), &err) != TS_OK) {
        print_error("pg: %s\n", err.debug);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int pg_teardown(void **state)
{
    events_stop();
    seen_clear();
    pg_fix *f = *state;
    if (f) db_close(f->d);
    free(f);
    return 0;
}

#define PG_OR_SKIP(f)                                                                              \
    do {                                                                                           \
        if (!(f)) {                                                                                \
            print_message("TINHSO_TEST_PG not set to a postgresql:// URL: skipping\n");            \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* The latest seen event of topic, or NULL. */
static seen_ev *seen_topic(const char *topic)
{
    seen_ev *r = NULL;
    pthread_mutex_lock(&S.mu);
    for (int i = 0; i < S.n; i++)
        if (!strcmp(S.ev[i].topic, topic)) r = &S.ev[i];
    pthread_mutex_unlock(&S.mu);
    return r;
}

/* A commit in the child reaches the subscriber here within 1 s; returns the latency in us. */
static int64_t expect_remote(const char *topic)
{
    int n0 = seen_count();
    assert_int_equal(run_child("commit", topic, 0), 0);
    if (!seen_wait(n0 + 1, 1000)) fail_msg("event %s not delivered within 1 s", topic);
    seen_ev *e = seen_topic(topic);
    assert_non_null(e);
    assert_true(e->remote);
    long long sent = 0;
    assert_int_equal(sscanf(e->json, "{\"sent_us\":%lld}", &sent), 1);
    int64_t lat = e->at_us - sent;
    assert_true(lat < 1000000);
    return lat;
}

static void test_pg_cross_process(void **state)
{
    pg_fix *f = *state;
    PG_OR_SKIP(f);
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(events_subscribe("x.*", collect, NULL), 0);
    assert_int_equal(events_start(f->d, &err), TS_OK);
    assert_true(events_listener_pid() > 0);

    int64_t worst = 0, sum = 0;
    for (int i = 0; i < 5; i++) {
        int64_t lat = expect_remote("x.one");
        sum += lat;
        if (lat > worst) worst = lat;
    }
    print_message("cross-process latency, from just before COMMIT in the other process to "
                  "the subscriber here: mean %lld us, worst %lld us\n",
                  (long long)(sum / 5), (long long)worst);

    /* a rollback in the other process: nothing arrives; the next commit does */
    int n0 = seen_count();
    assert_int_equal(run_child("rollback", "x.rolled", 0), 0);
    expect_remote("x.after");
    assert_int_equal(seen_count(), n0 + 1);
    assert_null(seen_topic("x.rolled"));

    /* too big for NOTIFY: the topic arrives, without its payload */
    n0 = seen_count();
    assert_int_equal(run_child("commit", "x.big", 9000), 0);
    assert_true(seen_wait(n0 + 1, 1000));
    assert_non_null(seen_topic("x.big"));
    assert_null(seen_topic("x.big")->json);
    /* ...while this process's own subscribers get all of it, once */
    char *big = malloc(9001);
    memset(big, '1', 9000);
    big[9000] = '\0';
    db_conn *c = db_conn_get(f->d, &err);
    assert_int_equal(db_begin(c, true, &err), TS_OK);
    assert_int_equal(events_publish(c, "x.bigown", big, &err), TS_OK);
    assert_int_equal(db_commit(c, &err), TS_OK);
    assert_true(events_flush(1000));
    sleep_ms(200); /* its own NOTIFY comes back to the listener: ignored */
    assert_true(events_flush(1000));
    int own = 0;
    pthread_mutex_lock(&S.mu);
    for (int i = 0; i < S.n; i++)
        if (!strcmp(S.ev[i].topic, "x.bigown")) {
            own++;
            assert_false(S.ev[i].remote);
            assert_int_equal(strlen(S.ev[i].json), 9000);
        }
    pthread_mutex_unlock(&S.mu);
    assert_int_equal(own, 1);
    free(big);
}

static void test_pg_listener_reconnects(void **state)
{
    pg_fix *f = *state;
    PG_OR_SKIP(f);
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(events_subscribe("x.*", collect, NULL), 0);
    assert_int_equal(events_subscribe(EVENTS_RESYNC, collect, NULL), 0);
    assert_int_equal(events_start(f->d, &err), TS_OK);
    int pid = events_listener_pid();
    assert_true(pid > 0);
    assert_int_equal(events_listener_connects(), 1);
    expect_remote("x.before");

    db_conn *c = db_conn_get(f->d, &err);
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pid);
    assert_int_equal(db_query_int(c, sql, 0, &err), 1);
    int64_t t0 = now_us();
    while (events_listener_connects() < 2 && now_us() - t0 < 5000000)
        sleep_ms(10);
    assert_int_equal(events_listener_connects(), 2);
    print_message("listener back %lld ms after pg_terminate_backend\n",
                  (long long)((now_us() - t0) / 1000));
    assert_true(events_listener_pid() > 0);
    assert_int_not_equal(events_listener_pid(), pid);
    assert_true(seen_wait(2, 1000));
    assert_non_null(seen_topic(EVENTS_RESYNC)); /* subscribers are told to resynchronise */
    expect_remote("x.after");
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "--child")) return child_main(argv);
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (n > 0) self_exe[n] = '\0';
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hooks_run_after_commit_in_order, sq_setup,
                                        sq_teardown),
        cmocka_unit_test_setup_teardown(test_hooks_discarded_on_rollback, sq_setup, sq_teardown),
        cmocka_unit_test_setup_teardown(test_bus_delivers_after_commit_in_order, sq_setup,
                                        sq_teardown),
        cmocka_unit_test_setup_teardown(test_bus_drops_rolled_back_events, sq_setup, sq_teardown),
        cmocka_unit_test_setup_teardown(test_bus_topics_and_patterns, sq_setup, sq_teardown),
        cmocka_unit_test_setup_teardown(test_bus_slow_or_failing_subscriber_never_blocks_a_write,
                                        sq_setup, sq_teardown),
        cmocka_unit_test_setup_teardown(test_faults, sq_setup, sq_teardown),
        cmocka_unit_test_setup_teardown(test_pg_cross_process, pg_setup, pg_teardown),
        cmocka_unit_test_setup_teardown(test_pg_listener_reconnects, pg_setup, pg_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
