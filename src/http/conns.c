/*
 * conns — what a connection may hold before it has earned a request:
 *
 *   - the file limit: RLIMIT_NOFILE's soft limit is raised to the hard one
 *     at start, and the default connection cap is derived from it;
 *   - the cap (max_connections): connections over it are still accepted,
 *     up to the file budget, and get a fast 503 with Connection: close on
 *     their first request (health probes are answered) instead of waiting
 *     behind a full server; above the budget they wait in the listen
 *     backlog;
 *   - the header timeout: a new connection must send a complete request
 *     header within header_timeout_seconds of inactivity, after which the
 *     keep-alive timeout (timeout_seconds) applies;
 *   - the per-address limit: at most max_connections_per_address open
 *     connections from one client address (trusted proxies exempt),
 *     checked in libmicrohttpd's accept policy callback;
 *   - the stall watchdog: libmicrohttpd 0.9.75 drains epoll in batches of
 *     128 events and passes its full timeout to every epoll_wait of the
 *     drain, so a worker with exactly k*128 ready connections and nothing
 *     else blocks until the next connection timeout while all of them
 *     wait (docs/decisions.md §"Connections"). The watchdog notices a
 *     worker with ≥128 connections that finishes nothing and wakes every
 *     worker with a loopback connection to the listen socket.
 */
#include <microhttpd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/timeutil.h"
#include "internal.h"

/* ------------------------------------------------------------------ */
/* file limit and the cap                                                */

long conns_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl)) return 1024;
    rlim_t before = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl)) {
            log_error("file limit: cannot raise %llu to %llu: %s", (unsigned long long)before,
                      (unsigned long long)rl.rlim_max, strerror(errno));
            rl.rlim_cur = before;
        }
    }
    long lim = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)(1L << 30) ? (1L << 30)
                                                                                : (long)rl.rlim_cur;
    if (rl.rlim_cur != before)
        log_info("file limit: raised from %llu to %ld (the hard limit)", (unsigned long long)before,
                 lim);
    else
        log_info("file limit: %ld", lim);
    return lim;
}

/* Connection counts per worker must not be multiples of the 128-event
 * epoll batch at libmicrohttpd's own limit (see the file comment). */
static unsigned mhd_limit_for(long budget, int threads)
{
    long per = budget / threads;
    if (per < 1) per = 1;
    if (per % 128 == 0) per--;
    if (per < 1) per = 1;
    return (unsigned)(per * threads);
}

/* How many connections over the cap are let in to get their 503: enough
 * that a newcomer hears "busy" at once, few enough that clients which
 * reconnect at once (load generators, impatient retries) cannot keep the
 * workers busy with accept-503-close: the rest wait in the listen backlog,
 * which costs nothing. */
static long busy_room(long n)
{
    long r = n / 64;
    return r < 16 ? 16 : r > 128 ? 128 : r;
}

void conns_plan(http_server *s, long nofile)
{
    int threads = s->cfg.threads;
    /* database files and sockets (SQLite keeps 3 per connection), epoll and
     * wake-up descriptors per worker, stdio, logs, the listen socket */
    long reserve = 64 + 8L * threads;
    long budget = nofile - reserve;
    if (budget < 16) budget = 16;
    long cap;
    if (s->cfg.max_connections > 0) {
        cap = s->cfg.max_connections;
        long room = busy_room(cap);
        if (cap > budget) {
            log_error("max_connections %ld is more than the file limit allows (%ld): "
                      "connections over %ld wait in the listen backlog",
                      cap, budget, budget);
            room = 0;
        }
        long want = cap + room;
        s->mhd_limit = mhd_limit_for(want < budget ? want : budget, threads);
    } else {
        long room = busy_room(budget);
        cap = budget - room;
        if (cap < 1) cap = 1;
        s->mhd_limit = mhd_limit_for(budget, threads);
    }
    s->cfg.max_connections = (int)cap;
    log_info("connections: cap %d (file limit %ld), a 503 for connections over it up to %u "
             "open, then the listen backlog; header timeout %d s, %d per address",
             s->cfg.max_connections, nofile, s->mhd_limit, s->cfg.header_timeout_s,
             s->cfg.max_per_addr);
}

/* ------------------------------------------------------------------ */
/* per-address counts                                                    */

#define ADDR_BUCKETS 1024

typedef struct addr_ent {
    struct addr_ent *next;
    unsigned char key[17]; /* family byte + 16 address bytes */
    int n;
} addr_ent;

struct addr_table {
    pthread_mutex_t mu;
    addr_ent *b[ADDR_BUCKETS];
};

/* The key of a socket address (v4-mapped IPv6 counts as IPv4); false for others. */
static bool addr_key(const struct sockaddr *sa, unsigned char key[17])
{
    memset(key, 0, 17);
    if (!sa) return false;
    if (sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(a, v4mapped, 12)) {
            key[0] = 4;
            memcpy(key + 1, a + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, a, 16);
        }
        return true;
    }
    return false;
}

static unsigned addr_hash(const unsigned char key[17])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % ADDR_BUCKETS;
}

/* Is this peer one of the trusted proxies (exempt from the per-address limit)? */
static bool addr_trusted(const http_config *cfg, const unsigned char key[17])
{
    for (int i = 0; i < cfg->nproxies; i++) {
        const http_net *n = &cfg->proxies[i];
        int fam = n->family == AF_INET ? 4 : 6;
        if (fam != key[0]) continue;
        int full = n->prefix / 8, rest = n->prefix % 8;
        if (memcmp(n->addr, key + 1, (size_t)full)) continue;
        if (!rest) return true;
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((n->addr[full] & mask) == (key[1 + full] & mask)) return true;
    }
    return false;
}

/* Take a slot for key; false when the address already holds max. */
static bool addr_take(struct addr_table *t, const unsigned char key[17], int max)
{
    unsigned h = addr_hash(key);
    bool ok = false;
    pthread_mutex_lock(&t->mu);
    addr_ent *e = t->b[h];
    while (e && memcmp(e->key, key, 17))
        e = e->next;
    if (!e && max > 0) {
        e = calloc(1, sizeof *e);
        if (!e) abort();
        memcpy(e->key, key, 17);
        e->next = t->b[h];
        t->b[h] = e;
    }
    if (e && e->n < max) {
        e->n++;
        ok = true;
    }
    pthread_mutex_unlock(&t->mu);
    return ok;
}

static void addr_give(struct addr_table *t, const unsigned char key[17])
{
    unsigned h = addr_hash(key);
    pthread_mutex_lock(&t->mu);
    for (addr_ent **pp = &t->b[h]; *pp; pp = &(*pp)->next) {
        addr_ent *e = *pp;
        if (memcmp(e->key, key, 17)) continue;
        if (--e->n <= 0) {
            *pp = e->next;
            free(e);
        }
        break;
    }
    pthread_mutex_unlock(&t->mu);
}

/* ------------------------------------------------------------------ */
/* libmicrohttpd callbacks                                               */

/* This thread's worker slot (its counters); assigned on first use. */
static _Thread_local int worker_slot = -1;

static int my_slot(http_server *s)
{
    if (worker_slot < 0) worker_slot = atomic_fetch_add(&s->next_slot, 1) % HTTP_MAX_WORKERS;
    return worker_slot;
}

enum MHD_Result conns_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    http_server *s = cls;
    unsigned char key[17];
    (void)addrlen;
    if (!addr_key(addr, key) || addr_trusted(&s->cfg, key)) return MHD_YES;
    if (addr_take(s->per_addr, key, s->cfg.max_per_addr)) return MHD_YES;
    atomic_fetch_add(&s->conns.refused_per_addr, 1);
    return MHD_NO;
}

void conns_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
                  enum MHD_ConnectionNotificationCode code)
{
    http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_state *c = calloc(1, sizeof *c);
        if (!c) abort();
        c->slot = my_slot(s);
        c->t0 = time_mono_us();
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        c->counted =
            addr_key(ci ? ci->client_addr : NULL, c->key) && !addr_trusted(&s->cfg, c->key);
        int open = atomic_fetch_add(&s->conns.open, 1) + 1;
        atomic_fetch_add_explicit(&s->workers[c->slot].open, 1, memory_order_relaxed);
        c->over_cap = open > s->cfg.max_connections;
        if (s->cfg.header_timeout_s != s->cfg.timeout_s) {
            MHD_set_connection_option(mc, MHD_CONNECTION_OPTION_TIMEOUT,
                                      (unsigned)s->cfg.header_timeout_s);
            c->header_timer = true;
        }
        *socket_context = c;
        return;
    }
    conn_state *c = *socket_context;
    if (!c) return;
    *socket_context = NULL;
    if (!c->requests &&
        time_mono_us() - c->t0 >= (int64_t)s->cfg.header_timeout_s * 1000000 - 50000)
        atomic_fetch_add(&s->conns.header_timeouts, 1);
    if (c->counted) addr_give(s->per_addr, c->key);
    atomic_fetch_sub(&s->conns.open, 1);
    atomic_fetch_sub_explicit(&s->workers[c->slot].open, 1, memory_order_relaxed);
    free(c);
}

conn_state *conns_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void conns_request_started(http_server *s, struct MHD_Connection *mc, conn_state *c)
{
    if (!c) return;
    c->requests++;
    if (c->header_timer) {
        /* the header is in: the keep-alive timeout holds from now on */
        MHD_set_connection_option(mc, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)s->cfg.timeout_s);
        c->header_timer = false;
    }
}

void conns_request_done(http_server *s)
{
    atomic_fetch_add_explicit(&s->workers[my_slot(s)].done, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* the stall watchdog                                                    */

/* A connection to our own listen socket, closed at once: every worker
 * sees the listen socket readable and leaves its epoll drain. */
static void tickle(const http_server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(s->bound_port);
    if (inet_pton(AF_INET, s->cfg.host, &a.sin_addr) != 1 || a.sin_addr.s_addr == INADDR_ANY)
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 || errno == EINPROGRESS) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL); /* let the handshake finish so accept sees it */
    }
    close(fd);
}

static void *watchdog_main(void *p)
{
    http_server *s = p;
    uint64_t last[HTTP_MAX_WORKERS] = {0};
    long period_ms = 50;
    pthread_mutex_lock(&s->wd_mu);
    while (!s->wd_stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += period_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->wd_cv, &s->wd_mu, &until);
        if (s->wd_stop || s->stopping) break;
        bool stalled = false, progress = false;
        for (int w = 0; w < HTTP_MAX_WORKERS; w++) {
            uint64_t done = atomic_load_explicit(&s->workers[w].done, memory_order_relaxed);
            int open = atomic_load_explicit(&s->workers[w].open, memory_order_relaxed);
            if (done != last[w])
                progress = true;
            else if (open >= 128)
                stalled = true;
            last[w] = done;
        }
        if (stalled) {
            pthread_mutex_unlock(&s->wd_mu);
            tickle(s);
            pthread_mutex_lock(&s->wd_mu);
            /* idle keep-alive connections look the same: back off to 1 s */
            period_ms = progress ? 50 : (period_ms * 2 > 1000 ? 1000 : period_ms * 2);
        } else {
            period_ms = 50;
        }
    }
    pthread_mutex_unlock(&s->wd_mu);
    return NULL;
}

int conns_start(http_server *s)
{
    s->per_addr = calloc(1, sizeof *s->per_addr);
    if (!s->per_addr) abort();
    pthread_mutex_init(&s->per_addr->mu, NULL);
    pthread_mutex_init(&s->wd_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wd_cv, &ca);
    pthread_condattr_destroy(&ca);
    s->wd_inited = true;
    return 0;
}

int conns_watchdog_start(http_server *s)
{
    if (pthread_create(&s->wd_thread, NULL, watchdog_main, s)) return -1;
    s->wd_running = true;
    return 0;
}

void conns_stop(http_server *s)
{
    if (s->wd_running) {
        pthread_mutex_lock(&s->wd_mu);
        s->wd_stop = true;
        pthread_cond_signal(&s->wd_cv);
        pthread_mutex_unlock(&s->wd_mu);
        pthread_join(s->wd_thread, NULL);
        s->wd_running = false;
    }
}

void conns_free(http_server *s)
{
    conns_stop(s);
    if (s->per_addr) {
        for (int i = 0; i < ADDR_BUCKETS; i++)
            for (addr_ent *e = s->per_addr->b[i], *n; e; e = n) {
                n = e->next;
                free(e);
            }
        pthread_mutex_destroy(&s->per_addr->mu);
        free(s->per_addr);
        s->per_addr = NULL;
    }
    if (s->wd_inited) {
        pthread_mutex_destroy(&s->wd_mu);
        pthread_cond_destroy(&s->wd_cv);
        s->wd_inited = false;
    }
}
