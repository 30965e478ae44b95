/*
 * server — the libmicrohttpd glue. One arena per request, created on the
 * first callback (the URI logger) and freed in the completion callback
 * after the response went out, so replies can point into it without
 * copying. The other concerns live beside it: route.c, problem.c,
 * static.c, metrics.c, accesslog.c, request.c (see internal.h).
 */
#include <microhttpd.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/strbuf.h"
#include "../lib/timeutil.h"
#include "internal.h"

void http_config_defaults(http_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->port = 8080;
    c->threads = 0;
    c->max_body = 1u << 20;
    c->max_header = 16u << 10;
    c->max_connections = 0; /* from the file limit (conns.c) */
    c->timeout_s = 30;
    c->header_timeout_s = 10;
    c->max_per_addr = 128;
    c->access_log = true;
    c->ref_cache = true;
    c->ref_cache_check_ms = 1000;
    c->ref_cache_max_age_s = 60;
    snprintf(c->public_url, sizeof c->public_url, "http://127.0.0.1:8080");
    ident_settings_defaults(&c->ident);
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
            if (route_compile(&s->routes[s->nroutes], r)) {
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

/* The permission check itself lives in http/auth.c. */
static ts_code check_auth(http_server *s, http_req *r, http_perm need)
{
    r->cfg = &s->cfg;
    return http_auth_check(r, need);
}

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
    /* over TLS, browsers are told to come back over TLS only (two years) */
    if (http_secure(r))
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=63072000");
    bool has_cc = false;
    for (int i = 0; i < r->nhdrs; i++) {
        MHD_add_response_header(resp, r->hdr_name[i], r->hdr_val[i]);
        if (!strcasecmp(r->hdr_name[i], "Cache-Control")) has_cc = true;
    }
    if (!has_cc) MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (s->stopping || r->close_conn) MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Content-Length and Transfer-Encoding as the client sent them (every
 * occurrence: libmicrohttpd keeps them all but uses the first). */
typedef struct framing {
    int ncl, nte;
    const char *te;
} framing;

static enum MHD_Result framing_scan(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    framing *f = cls;
    (void)kind;
    if (!strcasecmp(key, "Content-Length")) f->ncl++;
    if (!strcasecmp(key, "Transfer-Encoding")) {
        f->nte++;
        f->te = value;
    }
    return MHD_YES;
}

/* Is v exactly "chunked" (case-insensitive, surrounding blanks allowed)? */
static bool just_chunked(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    if (strncasecmp(v, "chunked", 7)) return false;
    for (v += 7; *v; v++)
        if (*v != ' ' && *v != '\t') return false;
    return true;
}

/* Request smuggling guards (RFC 9112 §6.1, §6.3) for what libmicrohttpd
 * lets through: a repeated Content-Length, Content-Length with
 * Transfer-Encoding, any transfer coding but one "chunked". Malformed
 * lengths and chunk sizes it refuses itself (400, connection closed). */
static ts_msg framing_error(struct MHD_Connection *mc)
{
    framing f = {0, 0, NULL};
    MHD_get_connection_values(mc, MHD_HEADER_KIND, framing_scan, &f);
    if (f.ncl > 1) return M_FRAMING_LENGTH;
    if (f.ncl && f.nte) return M_FRAMING_BOTH;
    if (f.nte > 1 || (f.nte && !just_chunked(f.te))) return M_FRAMING_CHUNKED;
    return M_NONE;
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
    int idx = route_find(s, r, method, allow, sizeof allow);
    r->route = idx;
    ts_code rc;
    if (idx < 0) {
        if (!strcmp(method, "GET") && static_serve(r)) {
            r->route = ROUTE_STATIC(s);
            return;
        }
        r->route = ROUTE_UNMATCHED(s);
        if (allow[0]) {
            http_add_header(r, "Allow", arena_strdup(r->a, allow));
            ts_err_set(&r->err, TS_EMETHOD, M_METHOD_NOT_ALLOWED, r->method);
        } else {
            ts_err_set(&r->err, TS_ENOTFOUND, M_NOT_FOUND_ROUTE, r->path);
        }
        http_problem_render(r);
        return;
    }
    if (r->body_too_big) {
        char lim[32];
        snprintf(lim, sizeof lim, "%zu", r->max_body);
        ts_err_set(&r->err, TS_ETOOBIG, M_BODY_TOO_LARGE, lim);
        http_problem_render(r);
        return;
    }
    db_fault_arm(http_header(r, "X-Tinhso-Fault")); /* no-op unless built with TINHSO_FAULTS */
    const http_route *rt = s->routes[idx].r;
    rc = check_auth(s, r, rt->perm);
    if (rc == TS_OK) rc = http_validate(r, rt);
    if (rc == TS_OK) {
        ts_ctx *x = http_ctx(r, !rt->no_db);
        rc = x ? rt->fn(r, x) : r->err.code;
    }
    if (db_fault_disarm()) http_add_header(r, "X-Tinhso-Fault", "fired");
    if (rc != TS_OK || !r->replied) {
        if (rc == TS_OK) ts_err_set(&r->err, TS_EINTERNAL, M_INTERNAL, NULL);
        http_problem_render(r);
    }
}

/* Answer r with a problem, counted as unmatched; true for refuse_early. */
static bool refuse(http_server *s, http_req *r, ts_code code, ts_msg msg, const char *arg)
{
    r->route = ROUTE_UNMATCHED(s);
    ts_err_set(&r->err, code, msg, arg);
    http_problem_render(r);
    return true;
}

/* What is refused on a request's header alone, before routing and before
 * any body is read; true when r holds the answer (a problem). */
static bool refuse_early(http_server *s, http_req *r, struct MHD_Connection *mc)
{
    conn_state *cs = conns_of(mc);
    conns_request_started(s, mc, cs);
    r->max_body = s->cfg.max_body;
    if (cs && cs->over_cap) {
        /* over the connection cap: health probes are answered, the rest get
         * a fast 503; either way the connection is closed after it */
        r->close_conn = true;
        if (strcmp(r->path, "/healthz") && strcmp(r->path, "/readyz")) {
            atomic_fetch_add(&s->conns.refused_busy, 1);
            http_add_header(r, "Retry-After", "1");
            return refuse(s, r, TS_EUNAVAIL, M_SERVER_BUSY, NULL);
        }
    }
    /* a NUL byte (%00) would silently cut the path or a query value */
    if (r->bad_uri) return refuse(s, r, TS_EINVAL, M_BAD_URI, NULL);
    ts_msg fm = framing_error(mc);
    if (fm != M_NONE) {
        /* the body's end is unknown: answer, write nothing, close */
        r->close_conn = true;
        return refuse(s, r, TS_EINVAL, fm, NULL);
    }
    const char *cl = http_header(r, "Content-Length");
    unsigned long long n = 0;
    char *end = NULL;
    if (cl) n = strtoull(cl, &end, 10);
    /* a large body, or one whose size is not announced (chunked): an
     * upload route may take more than the ordinary limit */
    bool large = cl ? n > s->cfg.max_body : http_header(r, "Transfer-Encoding") != NULL;
    if (large) {
        char allow[128];
        int idx = route_find(s, r, r->method, allow, sizeof allow);
        if (idx >= 0 && s->routes[idx].r->max_body > r->max_body)
            r->max_body = s->routes[idx].r->max_body;
    }
    if (cl) {
        if (*end || n > r->max_body) {
            /* refuse before reading the body */
            r->body_too_big = true;
            char lim[32];
            snprintf(lim, sizeof lim, "%zu", r->max_body);
            return refuse(s, r, TS_ETOOBIG, M_BODY_TOO_LARGE, lim);
        }
    }
    return false;
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
        request_identify(r);
        if (refuse_early(s, r, mc)) return send_reply(s, r);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (r->replied) {
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (r->body_len + *upload_data_size > r->max_body) {
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
    metrics_record(s, r->route >= 0 ? r->route : ROUTE_UNMATCHED(s), status, us);
    if (s->cfg.access_log)
        accesslog_write(r, status, us, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
    req_arena_give(r->a);
    atomic_fetch_sub(&s->inflight, 1);
    conns_request_done(s);
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
    conns_plan(s, conns_raise_nofile());
    conns_start(s);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG;
    s->mhd = MHD_start_daemon(
        flags, s->cfg.port, conns_accept_policy, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_logger, NULL, MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)s->cfg.threads, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_LIMIT, s->mhd_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)s->cfg.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->cfg.max_header,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_NOTIFY_CONNECTION, conns_notify, s, MHD_OPTION_END);
    if (!s->mhd) {
        ts_err_set(err, TS_EUNAVAIL, M_UNAVAILABLE, NULL);
        ts_err_debug(err, "cannot listen on %s:%u (in use, or not permitted)", s->cfg.host,
                     s->cfg.port);
        return TS_EUNAVAIL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->bound_port = di ? di->port : s->cfg.port;
    s->cfg.port = s->bound_port;
    if (conns_watchdog_start(s)) log_error("http: cannot start the stall watchdog thread");
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
    conns_stop(s);
    MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
}

void http_server_free(http_server *s)
{
    if (!s) return;
    conns_stop(s);
    if (s->mhd) MHD_stop_daemon(s->mhd);
    conns_free(s);
    free(s->routes);
    free(s->metrics);
    free(s);
}
