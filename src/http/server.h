/*
 * server — the libmicrohttpd server: thread pool, bounded bodies, routing,
 * problem+json errors, security headers, access log, metrics, health,
 * embedded static files, graceful shutdown.
 */
#ifndef TS_SERVER_H
#define TS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "../platform/identity.h"
#include "http.h"

/* An address or network (CIDR) of a reverse proxy whose X-Forwarded-For is believed. */
typedef struct http_net {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network byte order; IPv4 in the first 4 */
    int prefix;             /* bits that must match */
} http_net;
#define HTTP_MAX_PROXIES 16

/* Parse "10.0.0.1", "10.0.0.0/8", "::1" or "fd00::/8"; 0 on success. */
int http_net_parse(const char *s, http_net *out);

struct http_config;
/* The client address of a request from peer_text carrying X-Forwarded-For
 * xff (may be NULL): see http_client_ip in http.h. Normalised text in ar. */
const char *http_client_resolve(arena *ar, const struct http_config *cfg, const char *peer_text,
                                const char *xff);

typedef struct http_config {
    char host[64];                      /* listen address, e.g. 127.0.0.1 */
    unsigned short port;                /* listen port */
    int threads;                        /* worker threads (0 = number of cores) */
    size_t max_body;                    /* bytes; larger bodies get 413 */
    size_t max_header;                  /* per-connection memory for headers (bytes) */
    int max_connections;                /* served connections (0 = from the file limit) */
    int timeout_s;                      /* keep-alive idle timeout (seconds) */
    int header_timeout_s;               /* a new connection's time to send its header */
    int max_per_addr;                   /* open connections per client address */
    bool access_log;                    /* one JSON line per request on stderr */
    char admin_token[128];              /* bootstrap admin bearer token ("" = disabled) */
    bool admin_token_after_setup;       /* keep it once a system admin account exists */
    bool cookie_secure;                 /* treat every request as TLS: __Host-, Secure, HSTS */
    ident_settings ident;               /* session timeouts, sign-in throttling */
    http_net proxies[HTTP_MAX_PROXIES]; /* trusted reverse proxies (X-Forwarded-For) */
    int nproxies;
    http_net metrics_allow[HTTP_MAX_PROXIES]; /* who may read /metrics, besides loopback */
    int nmetrics_allow;
    char metrics_token[128]; /* or a bearer token for /metrics ("" = none) */
    char public_url[256];    /* where citizens reach this service: links and QR codes in
                                printed forms ("http://127.0.0.1:8080") */
    char pdf_font[256];      /* the printed forms' TrueType fonts ("" = Liberation Serif) */
    char pdf_font_bold[256];
    bool ref_cache;          /* serve reference data (units) from per-thread copies */
    int ref_cache_check_ms;  /* how often other processes' changes are looked for */
    int ref_cache_max_age_s; /* copies are refilled after this whatever the versions say */
} http_config;

void http_config_defaults(http_config *c);

/* tables: NULL-terminated array of route tables (each ends with a NULL method). */
http_server *http_server_new(const http_config *cfg, db *d, const http_route *const *tables,
                             ts_err *err);
ts_code http_server_start(http_server *s, ts_err *err);
/* Stop accepting, wait up to grace_ms for requests in flight, then stop. */
void http_server_shutdown(http_server *s, int grace_ms);
void http_server_free(http_server *s);
/* The port actually bound (useful with port 0). */
unsigned short http_server_port(const http_server *s);
/* Core routes: /healthz, /readyz, /metrics, /api/v1/openapi.json. */
extern const http_route http_core_routes[];

/* The permission check run before every handler (http/auth.c): resolves
 * r->principal from the bearer token or the session cookie, checks CSRF on
 * cookie-authenticated writes, then need. Uses r->cfg. */
ts_code http_auth_check(http_req *r, http_perm need);

/* For tests: every route of every table, in order. */
int http_server_route_count(const http_server *s);
const http_route *http_server_route(const http_server *s, int i);

#endif
