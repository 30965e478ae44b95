/*
 * auth — the one place permissions are checked. Before a handler runs,
 * http_auth_check resolves who is asking and compares it with what the
 * route declared (http_perm):
 *
 *   Authorization: Bearer <bootstrap admin token>  -> system_admin on every agency
 *   Authorization: Bearer tsk_…                     -> an API token (401 if unknown/revoked)
 *   Authorization: Bearer <anything else>           -> 403 (as before accounts existed)
 *   Cookie: tinhso_session=…                        -> a session (401 if unknown/expired);
 *                                                      writes also need X-CSRF-Token
 *   nothing                                         -> 401 with WWW-Authenticate
 *
 * Handlers narrow to an agency with http_require_scope once they know it.
 */
#include <microhttpd.h>
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "../platform/identity.h"
#include "../platform/password.h"
#include "server.h"

const char *http_cookie(http_req *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
    return v && *v ? v : NULL;
}

const char *http_client_ip(http_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return "unknown";
    char buf[INET6_ADDRSTRLEN] = "unknown";
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, sizeof buf);
    return arena_strdup(r->a, buf);
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

ts_code http_auth_check(http_req *r, http_perm need)
{
    if (need == PERM_PUBLIC) return TS_OK;
    const http_config *cfg = r->cfg;
    ident_principal *p = arena_calloc(r->a, sizeof *p);
    bool via_cookie = false;
    const char *h = http_header(r, "Authorization");
    if (h && !strncasecmp(h, "Bearer ", 7)) {
        const char *t = h + 7;
        if (cfg->admin_token[0] && tok_equal(t, cfg->admin_token)) {
            ident_bootstrap(p);
        } else if (!strncmp(t, API_TOKEN_PREFIX, strlen(API_TOKEN_PREFIX))) {
            db_conn *c = http_db(r);
            if (!c) return r->err.code;
            ts_code rc = ident_token_resolve(c, r->a, t, p, &r->err);
            if (rc == TS_EUNAUTH)
                return unauth(r, M_TOKEN_INVALID,
                              "Bearer realm=\"tinhso\", error=\"invalid_token\"");
            if (rc != TS_OK) return rc;
        } else {
            return ts_err_set(&r->err, TS_EFORBIDDEN, M_AUTH_FORBIDDEN, NULL);
        }
    } else {
        const char *cookie = http_cookie(r, SESSION_COOKIE);
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
    if (!allows(p, need, NULL)) return ts_err_set(&r->err, TS_EFORBIDDEN, M_AUTH_FORBIDDEN, NULL);
    return TS_OK;
}

ts_code http_require_scope_path(http_req *r, http_perm perm, const char *agency_path)
{
    if (agency_path && allows(r->principal, perm, agency_path)) return TS_OK;
    return ts_err_set(&r->err, TS_EFORBIDDEN, M_AUTH_FORBIDDEN, NULL);
}

ts_code http_require_scope(http_req *r, http_perm perm, int64_t agency_id)
{
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    db_stmt *s;
    ts_code rc = db_prepare(c, "SELECT path FROM agencies WHERE id = ?", &s, &r->err);
    if (rc != TS_OK) return rc;
    db_bind_int(s, 1, agency_id);
    int x = db_step(s, &r->err);
    const char *path =
        x == DB_ROW && db_col_text(s, 0) ? arena_strdup(r->a, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (x < 0) return (ts_code)-x;
    return http_require_scope_path(r, perm, path);
}
