/*
 * server — libmicrohttpd glue. One arena per request, created on the first
 * callback and freed in the completion callback after the response went
 * out (so replies can point into it without copying). Routing is a linear
 * scan over pre-split patterns: a few dozen routes cost less than a hash.
 */
#include "server.h"

#include <microhttpd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../db/migrate.h"
#include "../platform/refcache.h"
#include "../lib/embed.h"
#include "../lib/jsonx.h"
#include "../lib/log.h"
#include "../lib/strbuf.h"
#include "../lib/text.h"
#include "../lib/timeutil.h"

#define MAX_SEGS 12

static const int status_list[] = {200, 201, 202, 204, 206, 301, 304, 400, 401, 403,
                                  404, 405, 409, 413, 415, 422, 429, 500, 503, 0};
#define NSTATUS ((int)(sizeof status_list / sizeof status_list[0]))
static const double lat_bounds[] = {0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                    0.025,   0.05,   0.1,   0.25,   0.5,   1.0};
#define NBUCKETS ((int)(sizeof lat_bounds / sizeof lat_bounds[0]))

typedef struct route_ent {
    const http_route *r;
    int nsegs;
    const char *segs[MAX_SEGS]; /* literal, or "{name}" */
    size_t seglen[MAX_SEGS];
} route_ent;

typedef struct route_metrics {
    _Atomic uint64_t by_status[NSTATUS];
    _Atomic uint64_t buckets[NBUCKETS + 1];
    _Atomic uint64_t sum_us;
    _Atomic uint64_t count;
} route_metrics;

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
};

/* ------------------------------------------------------------------ */

void http_config_defaults(http_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->port = 8080;
    c->threads = 0;
    c->max_body = 1u << 20;
    c->max_header = 16u << 10;
    c->max_connections = 1024;
    c->timeout_s = 30;
    c->access_log = true;
    c->ref_cache = true;
    c->ref_cache_check_ms = 1000;
    c->ref_cache_max_age_s = 60;
    ident_settings_defaults(&c->ident);
}

static int split_pattern(const char *p, route_ent *e)
{
    e->nsegs = 0;
    while (*p == '/')
        p++;
    while (*p) {
        const char *q = strchr(p, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (e->nsegs == MAX_SEGS) return -1;
        e->segs[e->nsegs] = p;
        e->seglen[e->nsegs] = n;
        e->nsegs++;
        p += n;
        while (*p == '/')
            p++;
    }
    return 0;
}

http_server *http_server_new(const http_config *cfg, db *d, const http_route *const *tables,
                             ts_err *err)
{
    http_server *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->cfg = *cfg;
    if (s->cfg.threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->cfg.threads = n > 0 ? (int)n : 2;
    }
    s->db = d;
    int n = 0;
    for (int t = 0; tables[t]; t++)
        for (const http_route *r = tables[t]; r->method; r++)
            n++;
    s->routes = calloc((size_t)n + 1, sizeof *s->routes);
    s->metrics = calloc((size_t)n + 2, sizeof *s->metrics);
    if (!s->routes || !s->metrics) abort();
    for (int t = 0; tables[t]; t++) {
        for (const http_route *r = tables[t]; r->method; r++) {
            route_ent *e = &s->routes[s->nroutes];
            e->r = r;
            if (split_pattern(r->pattern, e)) {
                ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
                ts_err_debug(err, "route pattern too long: %s", r->pattern);
                http_server_free(s);
                return NULL;
            }
            s->nroutes++;
        }
    }
    return s;
}

int http_server_route_count(const http_server *s)
{
    return s->nroutes;
}

const http_route *http_server_route(const http_server *s, int i)
{
    return s->routes[i].r;
}

/* ------------------------------------------------------------------ */
/* request helpers                                                     */

const char *http_param(http_req *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (!strcmp(r->param_name[i], name)) return r->param_val[i];
    return NULL;
}

const char *http_query(http_req *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    return v && *v ? v : NULL;
}

const char *http_header(http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

db_conn *http_db(http_req *r)
{
    db_conn *c = db_conn_get(r->srv->db, &r->err);
    if (!c && r->err.code == TS_OK) ts_err_set(&r->err, TS_EUNAVAIL, M_UNAVAILABLE, NULL);
    return c;
}

void http_add_header(http_req *r, const char *name, const char *value)
{
    if (r->nhdrs < HTTP_MAX_HEADERS) {
        r->hdr_name[r->nhdrs] = name;
        r->hdr_val[r->nhdrs] = value;
        r->nhdrs++;
    }
}

ts_code http_reply(http_req *r, int status, const char *ctype, const char *body, size_t len)
{
    r->status = status;
    r->ctype = ctype;
    r->out = body;
    r->out_len = len;
    r->replied = true;
    return TS_OK;
}

ts_code http_reply_json(http_req *r, int status, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    if (!s) return ts_err_set(&r->err, TS_EINTERNAL, M_INTERNAL, NULL);
    size_t n = strlen(s);
    arena_cleanup_add(r->a, free, s);
    return http_reply(r, status, HTTP_JSON, s, n);
}

ts_code http_reply_sb(http_req *r, int status, strbuf *sb)
{
    size_t n;
    char *s = sb_detach(sb, &n);
    arena_cleanup_add(r->a, free, s);
    return http_reply(r, status, HTTP_JSON, s, n);
}

ts_code http_body_json(http_req *r, json_t **out)
{
    *out = NULL;
    const char *ct = http_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) ||
        (ct[16] && ct[16] != ';' && ct[16] != ' '))
        return ts_err_set(&r->err, TS_EMEDIATYPE, M_MEDIA_TYPE, "application/json");
    ts_code rc = jx_parse_object(r->body ? r->body : "", r->body_len, out, &r->err);
    if (rc == TS_OK) arena_cleanup_add(r->a, (void (*)(void *))json_decref, *out);
    return rc;
}

ts_code http_query_int(http_req *r, const char *name, int64_t def, int64_t min, int64_t max,
                       int64_t *out)
{
    const char *v = http_query(r, name);
    *out = def;
    if (!v) return TS_OK;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || end == v || x < min || x > max) {
        char range[64];
        snprintf(range, sizeof range, "%lld..%lld", (long long)min, (long long)max);
        return ts_err_field(&r->err, TS_EINVAL, name, M_FIELD_RANGE, range);
    }
    *out = x;
    return TS_OK;
}

ts_code http_query_text(http_req *r, const char *name, size_t max, const char **out)
{
    const char *v = http_query(r, name);
    *out = NULL;
    if (!v) return TS_OK;
    size_t n = strlen(v);
    if (!text_utf8_valid(v, n)) return ts_err_field(&r->err, TS_EINVAL, name, M_FIELD_UTF8, NULL);
    if (text_utf8_chars(v, n) > max) {
        char m[24];
        snprintf(m, sizeof m, "%zu", max);
        return ts_err_field(&r->err, TS_EINVAL, name, M_FIELD_TOO_LONG, m);
    }
    *out = v;
    return TS_OK;
}

/* ------------------------------------------------------------------ */
/* problem+json: the one place errors become HTTP                       */

static void render_problem(http_req *r)
{
    ts_err *e = &r->err;
    if (e->code == TS_OK) ts_err_set(e, TS_EINTERNAL, M_INTERNAL, NULL);
    if (e->msg == M_NONE) e->msg = e->code == TS_EVALIDATION ? M_VALIDATION : M_INTERNAL;
    int status = ts_code_http_status(e->code);
    if (status >= 500 && e->debug[0])
        log_error("request %s %s failed: %s", r->request_id, r->path, e->debug);
    char detail[512];
    ts_msg_render(detail, sizeof detail, e->msg, e->arg, r->lang);
    json_t *p = json_object();
    json_object_set_new(p, "type", json_sprintf("/problems/%s", ts_code_slug(e->code)));
    json_object_set_new(p, "title", json_string(ts_code_title(e->code, r->lang)));
    json_object_set_new(p, "status", json_integer(status));
    json_object_set_new(p, "detail", json_string(detail));
    json_object_set_new(p, "instance", json_string(r->path));
    json_object_set_new(p, "request_id", json_string(r->request_id));
    json_t *errs = json_array();
    for (int i = 0; i < e->nfields; i++) {
        char m[256];
        ts_msg_render(m, sizeof m, e->fields[i].msg, e->fields[i].arg, r->lang);
        json_t *fe = json_object();
        json_object_set_new(fe, "field", json_string(e->fields[i].field));
        json_object_set_new(fe, "message", json_string(m));
        json_array_append_new(errs, fe);
    }
    json_object_set_new(p, "errors", errs);
    char *s = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    if (!s) s = strdup("{}");
    arena_cleanup_add(r->a, free, s);
    http_reply(r, status, "application/problem+json; charset=utf-8", s, strlen(s));
}

/* ------------------------------------------------------------------ */
/* core routes: health, readiness, metrics, OpenAPI                      */

static ts_code h_healthz(http_req *r)
{
    return http_reply(r, 200, "application/json", "{\"status\":\"ok\"}", 15);
}

static ts_code h_readyz(http_req *r)
{
    json_t *o = json_object();
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = r->srv->stopping ? NULL : db_conn_get(r->srv->db, &e);
    bool db_ok = c && db_ping(c, &e) == TS_OK;
    bool schema_ok = db_ok && migrate_is_current(c);
    json_object_set_new(o, "database", json_string(db_ok ? "ok" : "unreachable"));
    json_object_set_new(o, "schema", json_string(schema_ok ? "current" : "outdated"));
    json_object_set_new(o, "status", json_string(db_ok && schema_ok ? "ready" : "not_ready"));
    if (!db_ok && e.debug[0]) log_error("readyz: %s", e.debug);
    return http_reply_json(r, db_ok && schema_ok ? 200 : 503, o);
}

static void metrics_route(strbuf *b, const char *label, const route_metrics *m)
{
    for (int i = 0; i < NSTATUS; i++) {
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
    for (int i = 0; i <= NBUCKETS; i++) {
        cum += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
        if (i < NBUCKETS)
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
        snprintf(buf, cap, "%s", i == s->nroutes ? "static" : "unmatched");
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

static ts_code h_metrics(http_req *r)
{
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
    metrics_cache(&b);
    char *out = sb_detach(&b, NULL);
    arena_cleanup_add(r->a, free, out);
    return http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", out, strlen(out));
}

static ts_code h_openapi(http_req *r)
{
    const ts_embedded *e = ts_embedded_find(ts_data_files, "docs/openapi.json");
    if (!e) return ts_err_set(&r->err, TS_ENOTFOUND, M_NOT_FOUND_ROUTE, r->path);
    r->out_static = true;
    http_add_header(r, "Cache-Control", "no-cache");
    return http_reply(r, 200, "application/json; charset=utf-8", (const char *)e->data, e->len);
}

const http_route http_core_routes[] = {
    {"GET", "/healthz", h_healthz, PERM_PUBLIC, NULL, NULL},
    {"GET", "/readyz", h_readyz, PERM_PUBLIC, NULL, NULL},
    {"GET", "/metrics", h_metrics, PERM_PUBLIC, NULL, NULL},
    {"GET", "/api/v1/openapi.json", h_openapi, PERM_PUBLIC, NULL, NULL},
    {0},
};

/* ------------------------------------------------------------------ */
/* static files                                                          */

static bool accepts_gzip(http_req *r)
{
    const char *ae = http_header(r, "Accept-Encoding");
    if (!ae) return false;
    const char *g = strcasestr(ae, "gzip");
    if (!g) return false;
    const char *q = strchr(g, ';');
    const char *comma = strchr(g, ',');
    if (q && (!comma || q < comma) && strstr(q, "q=0") && !strstr(q, "q=0.")) return false;
    return true;
}

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcasecmp(dot, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

/* True when the path tries to climb out of the web root or is otherwise odd. */
static bool path_is_hostile(const char *p)
{
    if (strstr(p, "/../") || strstr(p, "/./") || strstr(p, "//") || strchr(p, '\\')) return true;
    size_t n = strlen(p);
    if (n >= 3 && !strcmp(p + n - 3, "/..")) return true;
    if (n >= 2 && !strcmp(p + n - 2, "/.")) return true;
    for (const unsigned char *c = (const unsigned char *)p; *c; c++)
        if (*c < 0x20 || *c == 0x7f) return true;
    return false;
}

static bool serve_static(http_req *r)
{
    const char *p = r->path;
    if (path_is_hostile(p)) return false;
    if (!strcmp(p, "/")) p = "/index.html";
    const ts_embedded *e = ts_embedded_find(ts_web_assets, p + 1);
    if (!e) return false;
    r->out_static = true;
    /* a 304 carries the headers the cached page keeps: the page's policy too */
    r->html_page = !strncmp(mime_of(p), "text/html", 9);
    http_add_header(r, "ETag", e->etag);
    http_add_header(r, "Vary", "Accept-Encoding");
    http_add_header(r, "Cache-Control",
                    !strncmp(p, "/assets/", 8) ? "public, max-age=31536000, immutable"
                                               : "no-cache");
    const char *inm = http_header(r, "If-None-Match");
    if (inm && strstr(inm, e->etag)) {
        http_reply(r, 304, NULL, "", 0);
        return true;
    }
    if (e->gz && accepts_gzip(r)) {
        http_add_header(r, "Content-Encoding", "gzip");
        http_reply(r, 200, mime_of(p), (const char *)e->gz, e->gz_len);
    } else {
        http_reply(r, 200, mime_of(p), (const char *)e->data, e->len);
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* routing                                                               */

static bool match_route(const route_ent *e, const char *path, http_req *r, bool bind)
{
    const char *p = path;
    int np = 0;
    while (*p == '/')
        p++;
    for (int i = 0; i < e->nsegs; i++) {
        if (!*p) return false;
        const char *q = strchr(p, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        const char *seg = e->segs[i];
        size_t sl = e->seglen[i];
        if (seg[0] == '{') {
            if (n == 0) return false;
            if (bind && np < HTTP_MAX_PARAMS) {
                r->param_name[np] = arena_strndup(r->a, seg + 1, sl - 2);
                r->param_val[np] = arena_strndup(r->a, p, n);
                np++;
            }
        } else if (n != sl || memcmp(p, seg, n)) {
            return false;
        }
        p += n;
        if (*p == '/') p++;
    }
    if (*p) return false;
    if (bind) r->nparams = np;
    return true;
}

static int find_route(http_server *s, http_req *r, const char *method, char *allow, size_t cap)
{
    allow[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < s->nroutes; i++) {
        const route_ent *e = &s->routes[i];
        if (!match_route(e, r->path, r, false)) continue;
        if (!strcmp(e->r->method, method)) {
            match_route(e, r->path, r, true);
            return i;
        }
        if (!strstr(allow, e->r->method)) {
            int n = snprintf(allow + used, cap - used, "%s%s", used ? ", " : "", e->r->method);
            if (n > 0 && (size_t)n < cap - used) used += (size_t)n;
            if (!strcmp(e->r->method, "GET") && !strstr(allow, "HEAD")) {
                n = snprintf(allow + used, cap - used, ", HEAD");
                if (n > 0 && (size_t)n < cap - used) used += (size_t)n;
            }
        }
    }
    return -1;
}

/* The permission check itself lives in http/auth.c. */
static ts_code check_auth(http_server *s, http_req *r, http_perm need)
{
    r->cfg = &s->cfg;
    return http_auth_check(r, need);
}

/* ------------------------------------------------------------------ */
/* request id, language                                                  */

static bool sane_request_id(const char *v)
{
    size_t n = 0;
    for (; v[n]; n++) {
        char c = v[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
        if (n >= 64) return false;
    }
    return n > 0;
}

static _Thread_local uint64_t rid_state;

static void new_request_id(char *out, size_t cap)
{
    if (!rid_state) {
        if (getrandom(&rid_state, sizeof rid_state, 0) != sizeof rid_state)
            rid_state = (uint64_t)time_mono_us() ^ (uint64_t)(uintptr_t)&rid_state;
        rid_state |= 1;
    }
    /* xorshift64* */
    rid_state ^= rid_state >> 12;
    rid_state ^= rid_state << 25;
    rid_state ^= rid_state >> 27;
    uint64_t v = rid_state * 2685821657736338717ULL;
    snprintf(out, cap, "%016llx", (unsigned long long)v);
}

static int pick_lang(http_req *r)
{
    const char *al = http_header(r, "Accept-Language");
    if (!al) return 0;
    while (*al == ' ')
        al++;
    return (!strncasecmp(al, "en", 2) &&
            (al[2] == '\0' || al[2] == '-' || al[2] == ',' || al[2] == ';' || al[2] == ' '))
               ? 1
               : 0;
}

/* ------------------------------------------------------------------ */
/* MHD callbacks                                                         */

/* The web front end's policy, on HTML documents (the only responses a
 * browser renders as a page)... */
static const char csp_page[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/* ...and on everything else (JSON, problem+json, metrics, scripts, styles):
 * nothing may load and nobody may frame it, as OWASP advises for APIs. It is
 * also 150 bytes shorter on every API answer. */
static const char csp_data[] = "default-src 'none'; frame-ancestors 'none'";

static enum MHD_Result send_reply(http_server *s, http_req *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->out_len, (void *)(r->out ? r->out : ""), MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    if (r->ctype) MHD_add_response_header(resp, "Content-Type", r->ctype);
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    bool page = r->html_page || (r->ctype && !strncmp(r->ctype, "text/html", 9));
    MHD_add_response_header(resp, "Content-Security-Policy", page ? csp_page : csp_data);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "strict-origin-when-cross-origin");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Content-Language", r->lang ? "en" : "vi");
    bool has_cc = false;
    for (int i = 0; i < r->nhdrs; i++) {
        MHD_add_response_header(resp, r->hdr_name[i], r->hdr_val[i]);
        if (!strcasecmp(r->hdr_name[i], "Cache-Control")) has_cc = true;
    }
    if (!has_cc) MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (s->stopping) MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void body_release(void *p)
{
    strbuf *b = p;
    sb_release(b);
}

static void dispatch(http_server *s, http_req *r)
{
    const char *method = !strcmp(r->method, "HEAD") ? "GET" : r->method;
    char allow[128];
    int idx = find_route(s, r, method, allow, sizeof allow);
    r->route = idx;
    ts_code rc;
    if (idx < 0) {
        if (!strcmp(method, "GET") && serve_static(r)) {
            r->route = s->nroutes; /* "static" */
            return;
        }
        r->route = s->nroutes + 1;
        if (allow[0]) {
            http_add_header(r, "Allow", arena_strdup(r->a, allow));
            ts_err_set(&r->err, TS_EMETHOD, M_METHOD_NOT_ALLOWED, r->method);
        } else {
            ts_err_set(&r->err, TS_ENOTFOUND, M_NOT_FOUND_ROUTE, r->path);
        }
        render_problem(r);
        return;
    }
    if (r->body_too_big) {
        char lim[32];
        snprintf(lim, sizeof lim, "%zu", s->cfg.max_body);
        ts_err_set(&r->err, TS_ETOOBIG, M_BODY_TOO_LARGE, lim);
        render_problem(r);
        return;
    }
    db_fault_arm(http_header(r, "X-Tinhso-Fault")); /* no-op unless built with TINHSO_FAULTS */
    rc = check_auth(s, r, s->routes[idx].r->perm);
    if (rc == TS_OK) rc = http_validate(r, s->routes[idx].r);
    if (rc == TS_OK) rc = s->routes[idx].r->fn(r);
    if (db_fault_disarm()) http_add_header(r, "X-Tinhso-Fault", "fired");
    if (rc != TS_OK || !r->replied) {
        if (rc == TS_OK) ts_err_set(&r->err, TS_EINTERNAL, M_INTERNAL, NULL);
        render_problem(r);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    http_server *s = cls;
    http_req *r = *con_cls;
    if (!r) return MHD_NO; /* uri_logger always creates it */
    if (!r->started) {
        arena *a = r->a;
        r->started = true;
        r->conn = mc;
        r->method = arena_strdup(a, method);
        r->path = arena_strdup(a, url);
        r->lang = pick_lang(r);
        const char *rid = http_header(r, "X-Request-Id");
        if (rid && sane_request_id(rid))
            snprintf(r->request_id, sizeof r->request_id, "%s", rid);
        else
            new_request_id(r->request_id, sizeof r->request_id);
        if (r->bad_uri) {
            /* a NUL byte (%00) would silently cut the path or a query value */
            r->route = s->nroutes + 1;
            ts_err_set(&r->err, TS_EINVAL, M_BAD_URI, NULL);
            render_problem(r);
            return send_reply(s, r);
        }
        const char *cl = http_header(r, "Content-Length");
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end || n > s->cfg.max_body) {
                /* refuse before reading the body */
                r->body_too_big = true;
                char lim[32];
                snprintf(lim, sizeof lim, "%zu", s->cfg.max_body);
                ts_err_set(&r->err, TS_ETOOBIG, M_BODY_TOO_LARGE, lim);
                render_problem(r);
                r->route = s->nroutes + 1;
                return send_reply(s, r);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (r->replied) {
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (r->body_len + *upload_data_size > s->cfg.max_body) {
            r->body_too_big = true;
        } else {
            strbuf *b = (strbuf *)r->body;
            if (!b) {
                b = arena_alloc(r->a, sizeof *b);
                sb_init(b);
                arena_cleanup_add(r->a, body_release, b);
                r->body = (char *)b;
            }
            sb_add(b, upload_data, *upload_data_size);
            r->body_len = b->len;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->replied) return MHD_YES;
    /* body complete: swap the strbuf for its bytes */
    if (r->body) {
        strbuf *b = (strbuf *)r->body;
        r->body = b->buf;
        r->body_len = b->len;
    }
    (void)version;
    dispatch(s, r);
    return send_reply(s, r);
}

/* Request arenas are reused: each worker thread keeps a few reset arenas
 * instead of a malloc/free of the first block per request. A connection is
 * served by one worker thread, so the arena usually returns to the thread
 * that took it; any thread may return one. */
#define ARENA_CACHE_MAX 8

typedef struct arena_cache {
    int n;
    arena *a[ARENA_CACHE_MAX];
} arena_cache;

static pthread_key_t arena_cache_key;
static pthread_once_t arena_cache_once = PTHREAD_ONCE_INIT;

static void arena_cache_release(void *p)
{
    arena_cache *c = p;
    for (int i = 0; i < c->n; i++)
        arena_free(c->a[i]);
    free(c);
}

static void arena_cache_init(void)
{
    pthread_key_create(&arena_cache_key, arena_cache_release);
}

static arena *req_arena_take(void)
{
    pthread_once(&arena_cache_once, arena_cache_init);
    arena_cache *c = pthread_getspecific(arena_cache_key);
    if (c && c->n > 0) return c->a[--c->n];
    return arena_new(8192);
}

static void req_arena_give(arena *a)
{
    arena_cache *c = pthread_getspecific(arena_cache_key);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) {
            arena_free(a);
            return;
        }
        pthread_setspecific(arena_cache_key, c);
    }
    if (c->n == ARENA_CACHE_MAX) {
        arena_free(a);
        return;
    }
    arena_reset(a);
    c->a[c->n++] = a;
}

/* Called by MHD with the raw request target before anything is decoded:
 * create the request here so on_request can refuse targets with %00. */
static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *mc)
{
    (void)cls;
    (void)mc;
    arena *a = req_arena_take();
    http_req *r = arena_calloc(a, sizeof *r);
    r->a = a;
    r->srv = cls;
    r->t0 = time_mono_us();
    r->route = -1;
    r->bad_uri = uri && strstr(uri, "%00") != NULL;
    if (uri) r->path = arena_strndup(a, uri, strnlen(uri, 256)); /* for the log if refused early */
    atomic_fetch_add(&r->srv->inflight, 1);
    return r;
}

static void json_escape_into(strbuf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_addf(b, "\\%c", c);
        else if (c < 0x20)
            sb_addf(b, "\\u%04x", c);
        else
            sb_addc(b, (char)c);
    }
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server *s = cls;
    http_req *r = *con_cls;
    (void)mc;
    if (!r) return;
    *con_cls = NULL;
    int64_t us = time_mono_us() - r->t0;
    int status = r->replied ? r->status : 0;
    int route = r->route >= 0 ? r->route : s->nroutes + 1;
    route_metrics *m = &s->metrics[route];
    int si = NSTATUS - 1;
    for (int i = 0; i < NSTATUS - 1; i++)
        if (status_list[i] == status) {
            si = i;
            break;
        }
    atomic_fetch_add_explicit(&m->by_status[si], 1, memory_order_relaxed);
    int bi = NBUCKETS;
    double sec = (double)us / 1e6;
    for (int i = 0; i < NBUCKETS; i++)
        if (sec <= lat_bounds[i]) {
            bi = i;
            break;
        }
    atomic_fetch_add_explicit(&m->buckets[bi], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (uint64_t)us, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
    if (s->cfg.access_log) {
        char ts[40];
        time_iso_us(time_now_us(), ts, sizeof ts);
        strbuf b;
        sb_init(&b);
        sb_addf(&b, "{\"time\":\"%s\",\"request_id\":\"%s\",\"method\":\"", ts, r->request_id);
        json_escape_into(&b, r->method ? r->method : "");
        sb_adds(&b, "\",\"path\":\"");
        json_escape_into(&b, r->path ? r->path : "");
        sb_addf(&b, "\",\"status\":%d,\"bytes\":%zu,\"us\":%lld%s}\n", status,
                r->replied ? r->out_len : 0, (long long)us,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
        log_line(b.buf, b.len);
        sb_release(&b);
    }
    req_arena_give(r->a);
    atomic_fetch_sub(&s->inflight, 1);
}

/* libmicrohttpd hands its own printf format and arguments */
__attribute__((format(printf, 2, 0))) static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_error("http: %s", msg);
}

ts_code http_server_start(http_server *s, ts_err *err)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(s->cfg.port);
    if (inet_pton(AF_INET, s->cfg.host, &addr.sin_addr) != 1) {
        ts_err_set(err, TS_EINVAL, M_NONE, NULL);
        ts_err_debug(err, "listen address must be an IPv4 address: %s", s->cfg.host);
        return TS_EINVAL;
    }
    s->started_us = time_mono_us();
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG;
    s->mhd = MHD_start_daemon(
        flags, s->cfg.port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)s->cfg.threads, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->cfg.max_header, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->mhd) {
        ts_err_set(err, TS_EUNAVAIL, M_UNAVAILABLE, NULL);
        ts_err_debug(err, "cannot listen on %s:%u (in use, or not permitted)", s->cfg.host,
                     s->cfg.port);
        return TS_EUNAVAIL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->bound_port = di ? di->port : s->cfg.port;
    s->cfg.port = s->bound_port;
    return TS_OK;
}

unsigned short http_server_port(const http_server *s)
{
    return s->bound_port;
}

void http_server_shutdown(http_server *s, int grace_ms)
{
    if (!s->mhd) return;
    s->stopping = true;
    MHD_socket fd = MHD_quiesce_daemon(s->mhd);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    int64_t deadline = time_mono_us() + (int64_t)grace_ms * 1000;
    while (atomic_load(&s->inflight) > 0 && time_mono_us() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
}

void http_server_free(http_server *s)
{
    if (!s) return;
    if (s->mhd) MHD_stop_daemon(s->mhd);
    free(s->routes);
    free(s->metrics);
    free(s);
}
