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

/* request.c: request id and language from the request's headers. */
void request_identify(http_req *r);

#endif
