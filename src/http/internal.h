/*
 * internal — what the files of http/ share and nobody else sees: the
 * server object, compiled routes and per-route counters. Each concern has
 * its file: route.c (patterns, matching), problem.c (errors to RFC 9457),
 * static.c (embedded assets), metrics.c (counters and the core routes),
 * accesslog.c (one JSON line per request), request.c (what handlers call),
 * server.c (the libmicrohttpd glue: callbacks, limits, start and stop).
 */
#ifndef TS_HTTP_INTERNAL_H
#define TS_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "server.h"

#define HTTP_MAX_SEGS 12

/* A route with its pattern split into segments once, at start. */
typedef struct route_ent {
    const http_route *r;
    int nsegs;
    const char *segs[HTTP_MAX_SEGS]; /* literal, or "{name}" */
    size_t seglen[HTTP_MAX_SEGS];
} route_ent;

#define HTTP_NSTATUS 20  /* the statuses counted one by one, and "other" (metrics.c) */
#define HTTP_NBUCKETS 12 /* latency histogram bounds (metrics.c) */

typedef struct route_metrics {
    _Atomic uint64_t by_status[HTTP_NSTATUS];
    _Atomic uint64_t buckets[HTTP_NBUCKETS + 1];
    _Atomic uint64_t sum_us;
    _Atomic uint64_t count;
} route_metrics;

/* Connection counters (server.c), shown by /metrics. */
typedef struct conn_stats {
    _Atomic int open;                  /* connections being served now */
    _Atomic uint64_t refused_busy;     /* answered 503 over the connection cap */
    _Atomic uint64_t refused_per_addr; /* closed over the per-address limit */
    _Atomic uint64_t header_timeouts;  /* closed before their header was complete */
} conn_stats;

struct addr_table;

#define HTTP_MAX_WORKERS 64

/* Per worker thread (conns.c): open connections and finished requests,
 * for the stall watchdog. */
typedef struct worker_stats {
    _Atomic int open;
    _Atomic uint64_t done;
    char pad[48]; /* one cache line each */
} worker_stats;

/* Per connection (libmicrohttpd's socket context), conns.c. */
typedef struct conn_state {
    int slot;              /* worker_stats index */
    int64_t t0;            /* accepted, monotonic µs */
    unsigned requests;     /* requests whose header was complete */
    bool over_cap;         /* accepted over max_connections: 503 and close */
    bool counted;          /* holds a per-address slot (key) */
    bool header_timer;     /* the header timeout is still set */
    unsigned char key[17]; /* family + address */
} conn_state;

struct http_server {
    http_config cfg;
    db *db;
    struct MHD_Daemon *mhd;
    route_ent *routes;
    int nroutes;
    route_metrics *metrics; /* nroutes + 2: static files, unmatched */
    _Atomic int inflight;
    _Atomic bool stopping;
    int64_t started_us;
    unsigned short bound_port;
    conn_stats conns;
    struct addr_table *per_addr; /* open connections per client address */
    unsigned mhd_limit;          /* libmicrohttpd's own limit: the file budget */
    worker_stats workers[HTTP_MAX_WORKERS];
    _Atomic int next_slot;
    /* the stall watchdog (conns.c) */
    pthread_t wd_thread;
    pthread_mutex_t wd_mu;
    pthread_cond_t wd_cv;
    bool wd_stop, wd_running, wd_inited;
};

/* The metrics slot of requests served from the embedded files, and of
 * requests no route matched. */
#define ROUTE_STATIC(s) ((s)->nroutes)
#define ROUTE_UNMATCHED(s) ((s)->nroutes + 1)

/* route.c: split r's pattern into e; -1 when it has too many segments. */
int route_compile(route_ent *e, const http_route *r);
/* route.c: the index of the route for method + r->path (binding its
 * parameters into r), or -1; allow gets the methods the path has (for 405). */
int route_find(const http_server *s, http_req *r, const char *method, char *allow, size_t cap);

/* problem.c: reply r->err as application/problem+json (the one mapping). */
void http_problem_render(http_req *r);

/* static.c: answer a GET from the embedded web files; false when none fits. */
bool static_serve(http_req *r);

/* metrics.c: count one finished request. */
void metrics_record(http_server *s, int route, int status, int64_t us);

/* accesslog.c: one JSON line for a finished request on stderr. */
void accesslog_write(const http_req *r, int status, int64_t us, bool aborted);

/* conns.c: raise RLIMIT_NOFILE's soft limit to the hard one; returns it. */
long conns_raise_nofile(void);
/* conns.c: the cap (cfg.max_connections, derived when 0) and libmicrohttpd's
 * limit from the file limit nofile; logs them. */
void conns_plan(http_server *s, long nofile);
/* conns.c: set up the per-address table and the watchdog's lock (before start). */
int conns_start(http_server *s);
/* conns.c: start the stall watchdog (after libmicrohttpd listens). */
int conns_watchdog_start(http_server *s);
/* conns.c: stop the watchdog; conns_free also frees the tables. */
void conns_stop(http_server *s);
void conns_free(http_server *s);
/* conns.c: libmicrohttpd's accept policy (per-address limit) and connection
 * notifications (counts, cap, header timeout). */
enum MHD_Result conns_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void conns_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
                  enum MHD_ConnectionNotificationCode code);
/* conns.c: a connection's state (NULL when unknown). */
conn_state *conns_of(struct MHD_Connection *mc);
/* conns.c: a request's header is complete on c: the keep-alive timeout now. */
void conns_request_started(http_server *s, struct MHD_Connection *mc, conn_state *c);
/* conns.c: a request finished on this worker thread. */
void conns_request_done(http_server *s);

/* request.c: request id and language from the request's headers. */
void request_identify(http_req *r);

#endif
