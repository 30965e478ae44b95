/*
 * events — see events.h for the contract; this file keeps it.
 *
 * Shape: a process-wide bus (like the configuration, created at start and
 * kept until shutdown). Publishing inside a transaction queues an
 * after-commit hook on the connection (db_on_commit); the hook copies the
 * event into a bounded FIFO and returns. One dispatcher thread takes events
 * from the FIFO and calls the matching subscribers, so a slow subscriber
 * delays other events, never a write; when the FIFO is full the newest
 * event is dropped and counted. On PostgreSQL the event also goes out as
 * NOTIFY tinhso_events, sent inside the write transaction: the server
 * delivers it when, and only when, the transaction commits, in commit
 * order. The listener thread (db/db_listen.c) hands notifications from
 * other processes to the same FIFO and ignores this process's own (they
 * were delivered from the commit hook already).
 *
 * Wire format of a notification (text, no JSON parsing needed):
 *   "1 ORIGIN SEQ TOPIC\n" JSON      payload fits
 *   "1 ORIGIN SEQ TOPIC !\n"         payload did not fit (delivered as NULL)
 * ORIGIN is this process's random 64-bit id in hex; SEQ makes payloads
 * unique (PostgreSQL folds identical notifications of one transaction).
 */
#include "events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../lib/log.h"

#define MAX_SUBS 32

typedef struct sub {
    char pattern[EVENTS_TOPIC_MAX + 1];
    events_fn fn;
    void *arg;
} sub;

typedef struct event {
    char topic[EVENTS_TOPIC_MAX + 1];
    char *json; /* malloc'd or NULL */
    bool remote;
} event;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t more; /* queue not empty, or stopping */
    pthread_cond_t idle; /* queue empty and no subscriber running */
    sub subs[MAX_SUBS];
    int nsubs;
    event *q[EVENTS_QUEUE_MAX];
    size_t head, n;
    bool running, stopping, busy, warned_full;
    pthread_t thread;
    db_listener *listener;
    char origin[17];
    _Atomic uint64_t seq;
    _Atomic uint64_t published, remote, delivered, failed, dropped, oversize;
} B = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .more = PTHREAD_COND_INITIALIZER,
    .idle = PTHREAD_COND_INITIALIZER,
};

static pthread_once_t origin_once = PTHREAD_ONCE_INIT;

static void origin_init(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
        v = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
    snprintf(B.origin, sizeof B.origin, "%016llx", (unsigned long long)v);
}

static bool topic_ok(const char *t)
{
    size_t n = 0;
    for (; t[n]; n++) {
        char ch = t[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
              ch == '-'))
            return false;
    }
    return n > 0 && n <= EVENTS_TOPIC_MAX;
}

static bool pattern_matches(const char *p, const char *topic)
{
    if (!strcmp(p, "*")) return true;
    size_t n = strlen(p);
    if (n >= 2 && p[n - 2] == '.' && p[n - 1] == '*') return !strncmp(p, topic, n - 1);
    return !strcmp(p, topic);
}

int events_subscribe(const char *pattern, events_fn fn, void *arg)
{
    int rc = -1;
    pthread_mutex_lock(&B.mu);
    if (B.nsubs < MAX_SUBS && strlen(pattern) <= EVENTS_TOPIC_MAX) {
        sub *s = &B.subs[B.nsubs++];
        snprintf(s->pattern, sizeof s->pattern, "%s", pattern);
        s->fn = fn;
        s->arg = arg;
        rc = 0;
    }
    pthread_mutex_unlock(&B.mu);
    return rc;
}

static event *event_new(const char *topic, const char *json, size_t len, bool remote)
{
    event *e = calloc(1, sizeof *e);
    if (!e) abort();
    snprintf(e->topic, sizeof e->topic, "%s", topic);
    if (json) {
        e->json = malloc(len + 1);
        if (!e->json) abort();
        memcpy(e->json, json, len);
        e->json[len] = '\0';
    }
    e->remote = remote;
    return e;
}

static void event_free(void *p)
{
    event *e = p;
    if (!e) return;
    free(e->json);
    free(e);
}

/* Hand e to the dispatcher (the FIFO owns it then), or drop it. */
static void enqueue(event *e)
{
    pthread_mutex_lock(&B.mu);
    if (!B.running || B.stopping) {
        pthread_mutex_unlock(&B.mu);
        event_free(e); /* nothing is delivered in a process that did not start the bus */
        return;
    }
    if (B.n == EVENTS_QUEUE_MAX) {
        bool warn = !B.warned_full;
        B.warned_full = true;
        pthread_mutex_unlock(&B.mu);
        atomic_fetch_add(&B.dropped, 1);
        if (warn) log_error("events: queue full (%d), dropping events", EVENTS_QUEUE_MAX);
        event_free(e);
        return;
    }
    B.q[(B.head + B.n) % EVENTS_QUEUE_MAX] = e;
    B.n++;
    pthread_cond_signal(&B.more);
    pthread_mutex_unlock(&B.mu);
}

static void *dispatch_main(void *p)
{
    (void)p;
    pthread_mutex_lock(&B.mu);
    for (;;) {
        while (!B.n && !B.stopping) {
            B.busy = false;
            pthread_cond_broadcast(&B.idle);
            pthread_cond_wait(&B.more, &B.mu);
        }
        if (!B.n) break; /* stopping, and everything was delivered */
        event *e = B.q[B.head];
        B.head = (B.head + 1) % EVENTS_QUEUE_MAX;
        B.n--;
        B.busy = true;
        if (B.n < EVENTS_QUEUE_MAX / 2) B.warned_full = false;
        int nsubs = B.nsubs; /* subscriptions are made before the start */
        pthread_mutex_unlock(&B.mu);
        events_msg m = {e->topic, e->json, e->remote};
        for (int i = 0; i < nsubs; i++) {
            if (!pattern_matches(B.subs[i].pattern, e->topic)) continue;
            atomic_fetch_add(&B.delivered, 1);
            if (B.subs[i].fn(&m, B.subs[i].arg) != 0) {
                uint64_t nf = atomic_fetch_add(&B.failed, 1);
                /* the 1st, 10th, 100th ... failure: a broken subscriber must not flood the log */
                bool power = true;
                for (uint64_t k = nf + 1; k > 1 && power; k /= 10)
                    power = k % 10 == 0;
                if (power)
                    log_error("events: a subscriber of %s failed on %s (%llu failures)",
                              B.subs[i].pattern, e->topic, (unsigned long long)(nf + 1));
            }
        }
        event_free(e);
        pthread_mutex_lock(&B.mu);
    }
    B.busy = false;
    pthread_cond_broadcast(&B.idle);
    pthread_mutex_unlock(&B.mu);
    return NULL;
}

/* ---- across processes ---- */

/* A notification from the listener thread; NULL after a reconnect. */
static void on_notify(const char *payload, void *arg)
{
    (void)arg;
    if (!payload) {
        enqueue(event_new(EVENTS_RESYNC, NULL, 0, true));
        return;
    }
    /* "1 ORIGIN SEQ TOPIC[ !]\n" JSON */
    const char *nl = strchr(payload, '\n');
    char origin[17], topic[EVENTS_TOPIC_MAX + 1], flag[2] = "";
    unsigned long long seq;
    if (!nl || nl - payload > 128 ||
        sscanf(payload, "1 %16s %llu %64s %1s", origin, &seq, topic, flag) < 3) {
        log_error("events: ignoring a malformed notification (%.40s)", payload);
        return;
    }
    (void)seq;
    pthread_once(&origin_once, origin_init);
    if (!strcmp(origin, B.origin)) return; /* ours: delivered after the commit already */
    if (!topic_ok(topic)) return;
    atomic_fetch_add(&B.remote, 1);
    bool cut = flag[0] == '!';
    enqueue(event_new(topic, cut ? NULL : nl + 1, cut ? 0 : strlen(nl + 1), true));
}

ts_code events_start(db *d, ts_err *err)
{
    pthread_once(&origin_once, origin_init);
    pthread_mutex_lock(&B.mu);
    bool was = B.running;
    if (!was) {
        B.running = true;
        B.stopping = false;
        B.busy = false;
        if (pthread_create(&B.thread, NULL, dispatch_main, NULL) != 0) B.running = false;
    }
    bool ok = B.running;
    pthread_mutex_unlock(&B.mu);
    if (was) return TS_OK;
    if (!ok) {
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        ts_err_debug(err, "events: cannot start the dispatcher thread");
        return TS_EINTERNAL;
    }
    if (!d) return TS_OK;
    return db_listen_start(d, EVENTS_CHANNEL, on_notify, NULL, &B.listener, err);
}

void events_serve(db *d)
{
    ts_err err;
    ts_err_clear(&err);
    if (events_start(d, &err) != TS_OK)
        log_error("events: %s; other servers' changes are noticed by polling only",
                  err.debug[0] ? err.debug : "cannot start");
}

void events_stop(void)
{
    db_listen_stop(B.listener); /* first: it feeds the queue */
    B.listener = NULL;
    pthread_mutex_lock(&B.mu);
    bool was = B.running;
    B.stopping = true;
    pthread_cond_broadcast(&B.more);
    pthread_mutex_unlock(&B.mu);
    if (was) pthread_join(B.thread, NULL);
    pthread_mutex_lock(&B.mu);
    B.running = false;
    B.stopping = false;
    B.nsubs = 0;
    B.head = B.n = 0;
    pthread_mutex_unlock(&B.mu);
}

/* ---- publishing ---- */

static void deliver_local(void *p)
{
    event *e = p, *m = event_new(e->topic, NULL, 0, false);
    m->json = e->json; /* moved: e is released after this hook */
    e->json = NULL;
    atomic_fetch_add(&B.published, 1);
    enqueue(m);
}

ts_code events_publish(db_conn *c, const char *topic, const char *json, ts_err *err)
{
    if (!topic || !topic_ok(topic)) {
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        ts_err_debug(err, "events: bad topic %.80s", topic ? topic : "(null)");
        return TS_EINTERNAL;
    }
    if (c && db_conn_dialect(c) == DB_PG) {
        pthread_once(&origin_once, origin_init);
        char head[128 + EVENTS_TOPIC_MAX];
        unsigned long long seq = atomic_fetch_add(&B.seq, 1);
        size_t jn = json ? strlen(json) : 0;
        int hn = snprintf(head, sizeof head, "1 %s %llu %s", B.origin, seq, topic);
        bool fits = (size_t)hn + 1 + jn <= DB_NOTIFY_MAX;
        char *wire = malloc((size_t)hn + 4 + (fits ? jn : 0));
        if (!wire) abort();
        memcpy(wire, head, (size_t)hn);
        if (fits) {
            wire[hn] = '\n';
            if (jn) memcpy(wire + hn + 1, json, jn);
            wire[(size_t)hn + 1 + jn] = '\0';
        } else {
            memcpy(wire + hn, " !\n", 4);
            atomic_fetch_add(&B.oversize, 1);
        }
        ts_code rc = db_notify(c, EVENTS_CHANNEL, wire, err);
        free(wire);
        if (rc != TS_OK) return rc;
    }
    event *e = event_new(topic, json, json ? strlen(json) : 0, false);
    if (c)
        db_on_commit(c, deliver_local, event_free, e);
    else {
        deliver_local(e);
        event_free(e);
    }
    return TS_OK;
}

/* ---- introspection ---- */

void events_get_stats(events_stats *out)
{
    out->published = atomic_load(&B.published);
    out->remote = atomic_load(&B.remote);
    out->delivered = atomic_load(&B.delivered);
    out->failed = atomic_load(&B.failed);
    out->dropped = atomic_load(&B.dropped);
    out->oversize = atomic_load(&B.oversize);
}

bool events_flush(int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    bool ok = true;
    pthread_mutex_lock(&B.mu);
    while (B.running && (B.n || B.busy))
        if (pthread_cond_timedwait(&B.idle, &B.mu, &until) != 0) {
            ok = !B.n && !B.busy;
            break;
        }
    pthread_mutex_unlock(&B.mu);
    return ok;
}

int events_listener_pid(void)
{
    return db_listen_backend_pid(B.listener);
}

int events_listener_connects(void)
{
    return db_listen_connects(B.listener);
}
