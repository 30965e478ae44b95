/*
 * auth — the one place permissions are checked. Before a handler runs,
 * http_auth_check resolves who is asking and compares it with what the
 * route declared (http_perm):
 *
 *   Authorization: Bearer <bootstrap admin token>  -> system_admin on every agency, until
 *                                                      a system admin account exists (403)
 *   Authorization: Bearer tsk_…                     -> an API token, bounded by its owner's
 *                                                      grants now (401 if unknown/revoked/
 *                                                      expired, or its owner lost them)
 *   Authorization: Bearer <anything else>           -> 403 (as before accounts existed)
 *   (each wrong bearer token is counted per address: 429 once it is locked)
 *   Cookie: __Host-tinhso_session=… (over TLS)      -> a session (401 if unknown/expired);
 *   Cookie: tinhso_session=…        (plain HTTP)       writes also need X-CSRF-Token
 *   nothing                                         -> 401 with WWW-Authenticate
 *
 * A restricted session (an administrator-set password, or a role that needs
 * a second factor not yet enrolled) gets 403 naming what to do first on
 * every route but those declared PERM_SELF.
 *
 * Handlers narrow to an agency with http_require_scope once they know it.
 */
#include <microhttpd.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../lib/log.h"

#include "../platform/identity.h"
#include "../platform/password.h"
#include "../platform/secev.h"
#include "server.h"

const char *http_cookie(http_req *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
    return v && *v ? v : NULL;
}

int http_net_parse(const char *s, http_net *out)
{
    memset(out, 0, sizeof *out);
    char host[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof host) return -1;
    memcpy(host, s, n);
    host[n] = '\0';
    if (inet_pton(AF_INET, host, out->addr) == 1) {
        out->family = AF_INET;
        out->prefix = 32;
    } else if (inet_pton(AF_INET6, host, out->addr) == 1) {
        out->family = AF_INET6;
        out->prefix = 128;
    } else {
        return -1;
    }
    if (slash) {
        const char *p = slash + 1;
        if (!*p || strlen(p) > 3) return -1;
        int v = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9') return -1;
            v = v * 10 + (*p - '0');
        }
        if (v > out->prefix) return -1;
        out->prefix = v;
    }
    return 0;
}

/* An address in binary form; a v4-mapped IPv6 address counts as IPv4. */
typedef struct bin_addr {
    int family;
    unsigned char b[16];
} bin_addr;

static bool addr_parse(const char *s, bin_addr *a)
{
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, s, a->b) == 1) {
        a->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, a->b) == 1) {
        a->family = AF_INET6;
        static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(a->b, v4mapped, 12)) {
            memmove(a->b, a->b + 12, 4);
            memset(a->b + 4, 0, 12);
            a->family = AF_INET;
        }
        return true;
    }
    return false;
}

static bool net_contains(const http_net *n, const bin_addr *a)
{
    if (n->family != a->family) return false;
    int full = n->prefix / 8, rest = n->prefix % 8;
    if (memcmp(n->addr, a->b, (size_t)full)) return false;
    if (!rest) return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (n->addr[full] & mask) == (a->b[full] & mask);
}

static bool trusted(const http_config *cfg, const bin_addr *a)
{
    for (int i = 0; cfg && i < cfg->nproxies; i++)
        if (net_contains(&cfg->proxies[i], a)) return true;
    return false;
}

static const char *addr_text(arena *ar, const bin_addr *a)
{
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(a->family, a->b, buf, sizeof buf)) return "unknown";
    return arena_strdup(ar, buf);
}

const char *http_client_resolve(arena *ar, const http_config *cfg, const char *peer_text,
                                const char *xff)
{
    bin_addr peer;
    if (!peer_text || !addr_parse(peer_text, &peer)) return "unknown";
    if (!xff || !trusted(cfg, &peer)) return addr_text(ar, &peer);
    /* right to left: each trusted hop vouches for the address before it;
     * the first one that is not a trusted proxy is the client. A malformed
     * entry ends the walk: the last vouched-for hop is used. */
    bin_addr best = peer;
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        char hop[INET6_ADDRSTRLEN + 1];
        size_t n = (size_t)(b - a);
        bin_addr h;
        if (n == 0 || n >= sizeof hop) break;
        memcpy(hop, a, n);
        hop[n] = '\0';
        if (!addr_parse(hop, &h)) break;
        best = h;
        if (!trusted(cfg, &h)) break;
        end = start > xff ? start - 1 : xff;
    }
    return addr_text(ar, &best);
}

/* The socket peer's address as text into buf (false when unknown). */
static bool peer_text(http_req *r, char *buf, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return false;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)n) !=
               NULL;
    if (sa->sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
                         (socklen_t)n) != NULL;
    return false;
}

const char *http_client_ip(http_req *r)
{
    char buf[INET6_ADDRSTRLEN];
    if (!peer_text(r, buf, sizeof buf)) return "unknown";
    return http_client_resolve(r->a, r->cfg, buf, http_header(r, "X-Forwarded-For"));
}

bool http_peer_trusted(http_req *r)
{
    char buf[INET6_ADDRSTRLEN];
    bin_addr a;
    return peer_text(r, buf, sizeof buf) && addr_parse(buf, &a) && trusted(r->cfg, &a);
}

bool http_client_in(http_req *r, const http_net *nets, int n)
{
    bin_addr a;
    if (!addr_parse(http_client_ip(r), &a)) return false;
    for (int i = 0; i < n; i++)
        if (net_contains(&nets[i], &a)) return true;
    return false;
}

bool http_secure(http_req *r)
{
    if (r->cfg && r->cfg->cookie_secure) return true;
    /* tinhso speaks plain HTTP; TLS ends at the reverse proxy, which says so,
     * and only a trusted proxy is believed */
    const char *proto = http_header(r, "X-Forwarded-Proto");
    return proto && !strcasecmp(proto, "https") && http_peer_trusted(r);
}

const char *http_session_cookie_name(http_req *r)
{
    return http_secure(r) ? SESSION_COOKIE_SECURE : SESSION_COOKIE;
}

void http_set_session_cookie(http_req *r, const char *value, int64_t max_age)
{
    bool secure = http_secure(r);
    http_add_header(r, "Set-Cookie",
                    arena_printf(r->a, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
                                 secure ? SESSION_COOKIE_SECURE : SESSION_COOKIE, value,
                                 (long long)max_age, secure ? "; Secure" : ""));
}

const char *http_actor(http_req *r)
{
    return ident_actor(r->a, r->principal);
}

/* Does p hold perm (on the agency with this path, or anywhere when NULL)? */
static bool allows(const ident_principal *p, http_perm perm, const char *path)
{
    if (!p) return perm == PERM_PUBLIC;
    switch (perm) {
    case PERM_PUBLIC:
    case PERM_AUTHENTICATED:
    case PERM_SELF:
        return true;
    case PERM_STAFF:
        for (int i = 0; i < p->ngrants; i++)
            if (!path || !strncmp(path, p->grants[i].agency_path, strlen(p->grants[i].agency_path)))
                return true;
        return false;
    case PERM_OFFICER:
        return ident_has_role(p, ROLE_OFFICER, path);
    case PERM_LEADER:
        return ident_has_role(p, ROLE_LEADER, path);
    case PERM_AGENCY_ADMIN:
        return ident_has_role(p, ROLE_AGENCY_ADMIN, path);
    case PERM_SYSTEM_ADMIN:
        return ident_has_role(p, ROLE_SYSTEM_ADMIN, path);
    }
    return false;
}

static bool is_write(const char *m)
{
    return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") || !strcmp(m, "DELETE");
}

static ts_code unauth(http_req *r, ts_msg msg, const char *challenge)
{
    http_add_header(r, "WWW-Authenticate", challenge);
    return ts_err_set(&r->err, TS_EUNAUTH, msg, NULL);
}

/* 429 for an address locked after wrong bearer tokens. */
static ts_code bearer_throttled(http_req *r, int retry)
{
    r->secev_noted = true; /* a throttling decision, not a plain 429 */
    secev_note(SECEV_THROTTLED, http_client_ip(r), "bearer token");
    char sec[24];
    snprintf(sec, sizeof sec, "%d", retry);
    http_add_header(r, "Retry-After", arena_strdup(r->a, sec));
    return ts_err_set(&r->err, TS_ERATELIMIT, M_BEARER_THROTTLED, sec);
}

/* A wrong bearer token: counted for the address (429 once it is locked),
 * else the answer the caller gives (rc, already in r->err). */
static ts_code bearer_wrong(http_req *r, db_conn *c, ts_code rc)
{
    ts_err e;
    ts_err_clear(&e);
    int retry = 0;
    r->secev_noted = true; /* a security event of its own, not a plain 401/403 */
    secev_note(SECEV_BAD_TOKEN, http_client_ip(r), r->path);
    if (ident_bearer_fail(c, &r->cfg->ident, http_client_ip(r), &retry, &e) != TS_OK)
        log_error("auth: cannot count a wrong bearer token: %s", e.debug);
    return retry > 0 ? bearer_throttled(r, retry) : rc;
}

/*
 * The bearer part: the bootstrap token (refused while the address is locked
 * after wrong guesses, and once a system administrator account exists
 * unless admin_token_after_setup), an API token (its owner's grants bound
 * it, ident_token_resolve), or anything else (403). Every wrong token is
 * counted per client address.
 */
static ts_code bearer_resolve(http_req *r, const char *t, ident_principal *p)
{
    const http_config *cfg = r->cfg;
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    if (!strncmp(t, API_TOKEN_PREFIX, strlen(API_TOKEN_PREFIX))) {
        ts_code rc = ident_token_resolve(c, r->a, t, p, &r->err);
        /* a token made for Open311 is a client's key there, nothing more */
        if (rc == TS_OK && ident_purpose_is(p->token_purpose, IDENT_PURPOSE_OPEN311)) {
            memset(p, 0, sizeof *p);
            return ts_err_set(&r->err, TS_EFORBIDDEN, M_TOKEN_OPEN311_ONLY, NULL);
        }
        if (rc != TS_EUNAUTH) return rc;
        ts_msg why = r->err.msg;
        rc = unauth(r, why, "Bearer realm=\"tinhso\", error=\"invalid_token\"");
        return why == M_TOKEN_INVALID ? bearer_wrong(r, c, rc) : rc;
    }
    int retry = 0;
    ts_code rc = ident_bearer_locked(c, http_client_ip(r), &retry, &r->err);
    if (rc != TS_OK) return rc;
    if (retry > 0) return bearer_throttled(r, retry);
    if (!cfg->admin_token[0] || !tok_equal(t, cfg->admin_token))
        return bearer_wrong(r, c, ts_err_set(&r->err, TS_EFORBIDDEN, M_AUTH_FORBIDDEN, NULL));
    if (!cfg->admin_token_after_setup) {
        bool retired;
        rc = ident_system_admin_exists(c, &retired, &r->err);
        if (rc != TS_OK) return rc;
        if (retired) return ts_err_set(&r->err, TS_EFORBIDDEN, M_BOOTSTRAP_RETIRED, NULL);
    }
    ident_bootstrap(p);
    return TS_OK;
}

ts_code http_api_key(http_req *r, const char *key, const char *purpose, ident_principal *p)
{
    memset(p, 0, sizeof *p);
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    int retry = 0;
    ts_code rc = ident_bearer_locked(c, http_client_ip(r), &retry, &r->err);
    if (rc != TS_OK) return rc;
    if (retry > 0) return bearer_throttled(r, retry);
    if (!key || strncmp(key, API_TOKEN_PREFIX, strlen(API_TOKEN_PREFIX)))
        return bearer_wrong(r, c, ts_err_set(&r->err, TS_EFORBIDDEN, M_TOKEN_INVALID, NULL));
    rc = ident_token_resolve(c, r->a, key, p, &r->err);
    if (rc == TS_EUNAUTH) {
        ts_msg why = r->err.msg;
        rc = ts_err_set(&r->err, TS_EFORBIDDEN, why, NULL);
        return why == M_TOKEN_INVALID ? bearer_wrong(r, c, rc) : rc;
    }
    TS_TRY(rc);
    if (!ident_purpose_is(p->token_purpose, purpose)) {
        memset(p, 0, sizeof *p);
        return ts_err_set(&r->err, TS_EFORBIDDEN, M_TOKEN_PURPOSE, purpose);
    }
    return TS_OK;
}

ts_code http_auth_check(http_req *r, http_perm need)
{
    if (need == PERM_PUBLIC) return TS_OK;
    const http_config *cfg = r->cfg;
    ident_principal *p = arena_calloc(r->a, sizeof *p);
    bool via_cookie = false;
    const char *h = http_header(r, "Authorization");
    if (h && !strncasecmp(h, "Bearer ", 7)) {
        ts_code rc = bearer_resolve(r, h + 7, p);
        if (rc != TS_OK) return rc;
    } else {
        const char *cookie = http_cookie(r, http_session_cookie_name(r));
        if (!cookie) return unauth(r, M_AUTH_REQUIRED, "Bearer realm=\"tinhso\"");
        db_conn *c = http_db(r);
        if (!c) return r->err.code;
        ts_code rc = ident_session_resolve(c, r->a, &cfg->ident, cookie, p, &r->err);
        if (rc == TS_EUNAUTH) return unauth(r, M_SESSION_INVALID, "Bearer realm=\"tinhso\"");
        if (rc != TS_OK) return rc;
        via_cookie = true;
    }
    r->principal = p;
    if (via_cookie && is_write(r->method)) {
        const char *csrf = http_header(r, "X-CSRF-Token");
        if (!csrf || !p->csrf || !tok_equal(csrf, p->csrf))
            return ts_err_set(&r->err, TS_EFORBIDDEN, M_CSRF, NULL);
    }
    /* a restricted session may only do what lifts the restriction (decisions §29) */
    if (p->restricted && need != PERM_SELF)
        return ts_err_set(&r->err, TS_EFORBIDDEN,
                          !strcmp(p->restricted, IDENT_MUST_CHANGE_PASSWORD) ? M_RESTRICTED_PASSWORD
                                                                             : M_RESTRICTED_MFA,
                          NULL);
    if (!allows(p, need, NULL)) return ts_err_set(&r->err, TS_EFORBIDDEN, M_AUTH_FORBIDDEN, NULL);
    return TS_OK;
}
