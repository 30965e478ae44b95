/*
 * metrics — per-route counters (status, latency histogram) kept in
 * atomics, and the core routes every server has: /healthz (alive),
 * /readyz (database reachable, schema current), /metrics (Prometheus
 * text) and /api/v1/openapi.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/migrate.h"
#include "../lib/embed.h"
#include "../lib/jsonw.h"
#include "../lib/log.h"
#include "../lib/strbuf.h"
#include "../lib/timeutil.h"
#include "../platform/password.h"
#include "../platform/refcache.h"
#include "internal.h"

static const int status_list[HTTP_NSTATUS] = {200, 201, 202, 204, 206, 301, 304, 400, 401, 403,
                                              404, 405, 409, 413, 415, 422, 429, 500, 503, 0};
static const double lat_bounds[HTTP_NBUCKETS] = {0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                 0.025,   0.05,   0.1,   0.25,   0.5,   1.0};

void metrics_record(http_server *s, int route, int status, int64_t us)
{
    route_metrics *m = &s->metrics[route];
    int si = HTTP_NSTATUS - 1;
    for (int i = 0; i < HTTP_NSTATUS - 1; i++)
        if (status_list[i] == status) {
            si = i;
            break;
        }
    atomic_fetch_add_explicit(&m->by_status[si], 1, memory_order_relaxed);
    int bi = HTTP_NBUCKETS;
    double sec = (double)us / 1e6;
    for (int i = 0; i < HTTP_NBUCKETS; i++)
        if (sec <= lat_bounds[i]) {
            bi = i;
            break;
        }
    atomic_fetch_add_explicit(&m->buckets[bi], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (uint64_t)us, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* core routes: health, readiness, metrics, OpenAPI                      */

static ts_code h_healthz(http_req *r, ts_ctx *x)
{
    return http_reply(r, 200, "application/json", "{\"status\":\"ok\"}", 15);
}

static ts_code h_readyz(http_req *r, ts_ctx *x)
{
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = r->srv->stopping ? NULL : db_conn_get(r->srv->db, &e);
    bool db_ok = c && db_ping(c, &e) == TS_OK;
    bool schema_ok = db_ok && migrate_is_current(c);
    if (!db_ok && e.debug[0]) log_error("readyz: %s", e.debug);
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kstr(w, "database", db_ok ? "ok" : "unreachable");
    jw_kstr(w, "schema", schema_ok ? "current" : "outdated");
    jw_kstr(w, "status", db_ok && schema_ok ? "ready" : "not_ready");
    jw_obj_end(w);
    return http_reply_w(r, db_ok && schema_ok ? 200 : 503, w);
}

static void metrics_route(strbuf *b, const char *label, const route_metrics *m)
{
    for (int i = 0; i < HTTP_NSTATUS; i++) {
        uint64_t v = atomic_load_explicit(&m->by_status[i], memory_order_relaxed);
        if (!v) continue;
        if (status_list[i])
            sb_addf(b, "tinhso_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", label,
                    status_list[i], (unsigned long long)v);
        else
            sb_addf(b, "tinhso_http_requests_total{route=\"%s\",status=\"other\"} %llu\n", label,
                    (unsigned long long)v);
    }
}

static void metrics_hist(strbuf *b, const char *label, const route_metrics *m)
{
    uint64_t count = atomic_load_explicit(&m->count, memory_order_relaxed);
    if (!count) return;
    uint64_t cum = 0;
    for (int i = 0; i <= HTTP_NBUCKETS; i++) {
        cum += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
        if (i < HTTP_NBUCKETS)
            sb_addf(b, "tinhso_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    label, lat_bounds[i], (unsigned long long)cum);
        else
            sb_addf(b,
                    "tinhso_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                    label, (unsigned long long)cum);
    }
    sb_addf(b, "tinhso_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
            (double)atomic_load_explicit(&m->sum_us, memory_order_relaxed) / 1e6);
    sb_addf(b, "tinhso_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
            (unsigned long long)count);
}

static const char *route_label(const http_server *s, int i, char *buf, size_t cap)
{
    if (i < s->nroutes)
        snprintf(buf, cap, "%s %s", s->routes[i].r->method, s->routes[i].r->pattern);
    else
        snprintf(buf, cap, "%s", i == ROUTE_STATIC(s) ? "static" : "unmatched");
    return buf;
}

/* The reference-data cache's counters: two families, one line per data set
 * (and result). */
static void metrics_cache(strbuf *b)
{
    refcache_stats st[REF_NSETS];
    for (int i = 0; i < REF_NSETS; i++)
        refcache_get_stats((ref_set)i, &st[i]);
    sb_adds(b, "# HELP tinhso_cache_lookups_total Reference-data cache lookups by data set and "
               "result.\n# TYPE tinhso_cache_lookups_total counter\n");
    for (int i = 0; i < REF_NSETS; i++)
        sb_addf(b,
                "tinhso_cache_lookups_total{set=\"%s\",result=\"hit\"} %llu\n"
                "tinhso_cache_lookups_total{set=\"%s\",result=\"miss\"} %llu\n",
                refcache_set_names[i], (unsigned long long)st[i].hits, refcache_set_names[i],
                (unsigned long long)st[i].misses);
    sb_adds(b, "# HELP tinhso_cache_invalidations_total Times a data set's cached copies were "
               "dropped (a change here or in another process).\n"
               "# TYPE tinhso_cache_invalidations_total counter\n");
    for (int i = 0; i < REF_NSETS; i++)
        sb_addf(b, "tinhso_cache_invalidations_total{set=\"%s\"} %llu\n", refcache_set_names[i],
                (unsigned long long)st[i].invalidations);
}

/* Connections: open now, the cap, and the ones refused or timed out. */
static void metrics_conns(strbuf *b, const http_server *s)
{
    const conn_stats *c = &s->conns;
    sb_addf(b,
            "# HELP tinhso_http_connections Open client connections.\n"
            "# TYPE tinhso_http_connections gauge\n"
            "tinhso_http_connections %d\n"
            "# HELP tinhso_http_connections_max The connection cap (max_connections).\n"
            "# TYPE tinhso_http_connections_max gauge\n"
            "tinhso_http_connections_max %d\n"
            "# HELP tinhso_http_connections_refused_total Connections refused, by reason.\n"
            "# TYPE tinhso_http_connections_refused_total counter\n"
            "tinhso_http_connections_refused_total{reason=\"busy\"} %llu\n"
            "tinhso_http_connections_refused_total{reason=\"per_address\"} %llu\n"
            "# HELP tinhso_http_header_timeouts_total Connections closed before a complete "
            "request header arrived.\n"
            "# TYPE tinhso_http_header_timeouts_total counter\n"
            "tinhso_http_header_timeouts_total %llu\n",
            atomic_load(&c->open), s->cfg.max_connections,
            (unsigned long long)atomic_load(&c->refused_busy),
            (unsigned long long)atomic_load(&c->refused_per_addr),
            (unsigned long long)atomic_load(&c->header_timeouts));
}

/*
 * Who may read /metrics: a loopback client that came straight to the socket
 * (a request relayed by a proxy, which says so with X-Forwarded-For, is not
 * local even when the proxy runs on this host), an address in metrics_allow
 * (the client address, through trusted proxies), or metrics_token. Others
 * get 404: the page does not exist for them.
 */
static bool metrics_allowed(http_req *r)
{
    static const char *const loopback[] = {"127.0.0.0/8", "::1"};
    const http_config *cfg = r->cfg;
    const char *h = http_header(r, "Authorization");
    if (cfg->metrics_token[0] && h && !strncasecmp(h, "Bearer ", 7) &&
        tok_equal(h + 7, cfg->metrics_token))
        return true;
    if (http_client_in(r, cfg->metrics_allow, cfg->nmetrics_allow)) return true;
    if (http_header(r, "X-Forwarded-For") || http_header(r, "Forwarded")) return false;
    http_net lo[2];
    for (int i = 0; i < 2; i++)
        http_net_parse(loopback[i], &lo[i]);
    return http_client_in(r, lo, 2);
}

static ts_code h_metrics(http_req *r, ts_ctx *x)
{
    if (!metrics_allowed(r)) return ts_err_set(&r->err, TS_ENOTFOUND, M_NOT_FOUND_ROUTE, r->path);
    http_server *s = r->srv;
    strbuf b;
    sb_init(&b);
    char label[200];
    sb_adds(&b, "# HELP tinhso_http_requests_total HTTP requests by route and status.\n"
                "# TYPE tinhso_http_requests_total counter\n");
    for (int i = 0; i < s->nroutes + 2; i++)
        metrics_route(&b, route_label(s, i, label, sizeof label), &s->metrics[i]);
    sb_adds(&b, "# HELP tinhso_http_request_duration_seconds Time to produce a response.\n"
                "# TYPE tinhso_http_request_duration_seconds histogram\n");
    for (int i = 0; i < s->nroutes + 2; i++)
        metrics_hist(&b, route_label(s, i, label, sizeof label), &s->metrics[i]);
    sb_addf(&b,
            "# HELP tinhso_http_requests_in_flight Requests being served.\n"
            "# TYPE tinhso_http_requests_in_flight gauge\n"
            "tinhso_http_requests_in_flight %d\n"
            "# HELP tinhso_db_connections Open database connections.\n"
            "# TYPE tinhso_db_connections gauge\n"
            "tinhso_db_connections{backend=\"%s\"} %d\n"
            "# HELP tinhso_uptime_seconds Seconds since start.\n"
            "# TYPE tinhso_uptime_seconds gauge\n"
            "tinhso_uptime_seconds %.3f\n"
            "# HELP tinhso_build_info Build information.\n"
            "# TYPE tinhso_build_info gauge\n"
            "tinhso_build_info{version=\"%s\",compiler=\"gcc %d.%d\"} 1\n",
            atomic_load(&s->inflight), db_get_dialect(s->db) == DB_PG ? "postgresql" : "sqlite",
            db_conn_count(s->db), (double)(time_mono_us() - s->started_us) / 1e6, TINHSO_VERSION,
            __GNUC__, __GNUC_MINOR__);
    metrics_conns(&b, s);
    metrics_cache(&b);
    char *out = sb_detach(&b, NULL);
    arena_cleanup_add(r->a, free, out);
    return http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", out, strlen(out));
}

static ts_code h_openapi(http_req *r, ts_ctx *x)
{
    const ts_embedded *e = ts_embedded_find(ts_data_files, "docs/openapi.json");
    if (!e) return ts_err_set(&r->err, TS_ENOTFOUND, M_NOT_FOUND_ROUTE, r->path);
    r->out_static = true;
    http_add_header(r, "Cache-Control", "no-cache");
    return http_reply(r, 200, "application/json; charset=utf-8", (const char *)e->data, e->len);
}

const http_route http_core_routes[] = {
    {"GET", "/healthz", h_healthz, PERM_PUBLIC, .no_db = true},
    {"GET", "/readyz", h_readyz, PERM_PUBLIC, .no_db = true},
    {"GET", "/metrics", h_metrics, PERM_PUBLIC, .no_db = true},
    {"GET", "/api/v1/openapi.json", h_openapi, PERM_PUBLIC, .no_db = true},
    {0},
};
