/*
 * accounts_http — the HTTP door to identity: sign-in, sign-out, /me,
 * registration and password change, officer accounts, API tokens and the
 * audit log. Permissions are declared per route (http_perm) and narrowed
 * to the target agency with http_require_scope_path.
 */
#include <stdio.h>
#include <string.h>

#include "../../http/server.h"
#include "../../lib/jsonx.h"
#include "../../lib/timeutil.h"
#include "../../platform/identity.h"
#include "accounts.h"

/* A string member exactly as sent (passwords are never trimmed or normalised). */
static const char *raw_str(http_req *r, json_t *in, const char *name)
{
    json_t *v = json_object_get(in, name);
    return json_is_string(v) ? arena_strdup(r->a, json_string_value(v)) : NULL;
}

static const jx_field login_spec[] = {
    {"username", JX_STRING, true, 254, false},
    {"password", JX_STRING, true, 1000, false},
    {NULL, 0, false, 0, false},
};

static void set_cookie(http_req *r, const char *value, int64_t max_age)
{
    http_add_header(r, "Set-Cookie",
                    arena_printf(r->a, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
                                 SESSION_COOKIE, value, (long long)max_age,
                                 r->cfg && r->cfg->cookie_secure ? "; Secure" : ""));
}

static json_t *me_json(http_req *r, const ident_principal *p)
{
    static const char *const kinds[] = {"none", "session", "token", "bootstrap"};
    json_t *o = json_object();
    json_object_set_new(o, "auth", json_string(kinds[p->kind]));
    json_t *acc = json_object();
    json_object_set_new(acc, "id", p->account_id ? json_integer(p->account_id) : json_null());
    json_object_set_new(acc, "username", json_string(p->username ? p->username : ""));
    json_object_set_new(acc, "full_name", p->full_name ? json_string(p->full_name) : json_null());
    json_object_set_new(acc, "kind", json_string(p->account_kind ? p->account_kind : "bootstrap"));
    json_object_set_new(o, "account", acc);
    json_t *gs = json_array();
    for (int i = 0; i < p->ngrants; i++) {
        const ident_grant *g = &p->grants[i];
        json_array_append_new(
            gs, json_pack("{s:s,s:o,s:o}", "role", g->role, "agency_code",
                          g->agency_code ? json_string(g->agency_code) : json_null(), "agency_name",
                          g->agency_name ? json_string(g->agency_name) : json_null()));
    }
    json_object_set_new(o, "grants", gs);
    json_object_set_new(o, "csrf_token", p->csrf ? json_string(p->csrf) : json_null());
    (void)r;
    return o;
}

static ts_code h_login(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, login_spec, &r->err) != TS_OK) return r->err.code;
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    ident_login_result res;
    ts_code rc = ident_login(c, r->a, &r->cfg->ident, raw_str(r, in, "username"),
                             raw_str(r, in, "password"), http_client_ip(r), &res, &r->err);
    if (rc == TS_ERATELIMIT)
        http_add_header(r, "Retry-After", arena_printf(r->a, "%d", res.retry_after));
    if (rc != TS_OK) return rc;
    set_cookie(r, arena_strdup(r->a, res.session_token), r->cfg->ident.max_s);
    ident_principal p;
    rc = ident_session_resolve(c, r->a, &r->cfg->ident, res.session_token, &p, &r->err);
    if (rc != TS_OK) return rc;
    return http_reply_json(r, 200, me_json(r, &p));
}

static ts_code h_logout(http_req *r)
{
    ident_principal *p = r->principal;
    if (p->kind == IDENT_SESSION) {
        db_conn *c = http_db(r);
        if (!c) return r->err.code;
        if (ident_logout(c, p->session_id, http_actor(r), &r->err) != TS_OK) return r->err.code;
    }
    set_cookie(r, "", 0);
    return http_reply(r, 204, NULL, "", 0);
}

static ts_code h_me(http_req *r)
{
    return http_reply_json(r, 200, me_json(r, r->principal));
}

static const jx_field register_spec[] = {
    {"username", JX_STRING, false, ACCOUNT_USERNAME_MAX, false},
    {"email", JX_STRING, false, 254, false},
    {"phone", JX_STRING, false, 30, false},
    {"full_name", JX_STRING, true, ACCOUNT_NAME_MAX, false},
    {"password", JX_STRING, true, 1000, false},
    {NULL, 0, false, 0, false},
};

static ts_code reply_account(http_req *r, const account *ac, const char *role, const char *agency)
{
    json_t *o = account_to_json(ac);
    json_t *gs = json_array();
    if (role)
        json_array_append_new(gs, json_pack("{s:s,s:s}", "role", role, "agency_code", agency));
    json_object_set_new(o, "grants", gs);
    return http_reply_json(r, 201, o);
}

static ts_code h_register(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, register_spec, &r->err) != TS_OK) return r->err.code;
    account_new n = {.username = jx_str(r->a, in, "username"),
                     .kind = "citizen",
                     .full_name = jx_str(r->a, in, "full_name"),
                     .email = jx_str(r->a, in, "email"),
                     .phone = jx_str(r->a, in, "phone"),
                     .password = raw_str(r, in, "password")};
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    account out;
    ts_code rc = accounts_create(c, r->a, &n, "self-registration", &out, &r->err);
    if (rc != TS_OK) return rc;
    return reply_account(r, &out, NULL, NULL);
}

static const jx_field password_spec[] = {
    {"old_password", JX_STRING, true, 1000, false},
    {"new_password", JX_STRING, true, 1000, false},
    {NULL, 0, false, 0, false},
};

static ts_code h_password(http_req *r)
{
    ident_principal *p = r->principal;
    if (p->kind != IDENT_SESSION) return ts_err_set(&r->err, TS_EFORBIDDEN, M_SESSION_ONLY, NULL);
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, password_spec, &r->err) != TS_OK) return r->err.code;
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    ts_code rc = accounts_change_password(c, r->a, p->account_id, raw_str(r, in, "old_password"),
                                          raw_str(r, in, "new_password"), p->session_id,
                                          http_actor(r), &r->err);
    if (rc != TS_OK) return rc;
    return http_reply(r, 204, NULL, "", 0);
}

static const jx_field account_spec[] = {
    {"username", JX_STRING, true, ACCOUNT_USERNAME_MAX, false},
    {"full_name", JX_STRING, true, ACCOUNT_NAME_MAX, false},
    {"password", JX_STRING, true, 1000, false},
    {"email", JX_STRING, false, 254, false},
    {"phone", JX_STRING, false, 30, false},
    {"role", JX_STRING, true, 40, false},
    {"agency_code", JX_STRING, true, 32, false},
    {NULL, 0, false, 0, false},
};

/* The caller may grant role on the agency at path: agency_admin there, and
 * system_admin itself for system_admin. */
static ts_code may_grant(http_req *r, const char *role, const char *path)
{
    if (http_require_scope_path(r, PERM_AGENCY_ADMIN, path) != TS_OK) return r->err.code;
    if (role && !strcmp(role, ROLE_SYSTEM_ADMIN) &&
        http_require_scope_path(r, PERM_SYSTEM_ADMIN, path) != TS_OK)
        return ts_err_set(&r->err, TS_EFORBIDDEN, M_ROLE_NOT_ALLOWED, role);
    return TS_OK;
}

static ts_code h_account_create(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, account_spec, &r->err) != TS_OK) return r->err.code;
    account_new n = {.username = jx_str(r->a, in, "username"),
                     .kind = "officer",
                     .full_name = jx_str(r->a, in, "full_name"),
                     .email = jx_str(r->a, in, "email"),
                     .phone = jx_str(r->a, in, "phone"),
                     .password = raw_str(r, in, "password"),
                     .role = jx_str(r->a, in, "role"),
                     .agency_code = jx_str(r->a, in, "agency_code")};
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    const char *path;
    ts_code rc = accounts_agency_path(c, r->a, n.agency_code, NULL, &path, &r->err);
    if (rc == TS_ENOTFOUND)
        return ts_err_field(&r->err, TS_EVALIDATION, "agency_code", M_AGENCY_NOT_FOUND,
                            n.agency_code);
    if (rc != TS_OK) return rc;
    if (may_grant(r, n.role, path) != TS_OK) return r->err.code;
    account out;
    rc = accounts_create(c, r->a, &n, http_actor(r), &out, &r->err);
    if (rc != TS_OK) return rc;
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/accounts/%lld", (long long)out.id));
    return reply_account(r, &out, n.role, n.agency_code);
}

/* --- tokens --- */

static const jx_field token_spec[] = {
    {"name", JX_STRING, true, TOKEN_NAME_MAX, false},
    {"agency_code", JX_STRING, true, 32, false},
    {"permissions", JX_ARRAY, true, 0, false},
    {NULL, 0, false, 0, false},
};

static ts_code h_token_create(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, token_spec, &r->err) != TS_OK) return r->err.code;
    json_t *perms = json_object_get(in, "permissions");
    const char *csv = "";
    size_t i;
    json_t *v;
    json_array_foreach(perms, i, v)
    {
        if (!json_is_string(v) || !ident_role_valid(json_string_value(v)) || i >= 8)
            return ts_err_field(&r->err, TS_EVALIDATION, "permissions", M_ROLE_UNKNOWN, ROLE_LIST);
        csv = arena_printf(r->a, "%s%s%s", csv, i ? "," : "", json_string_value(v));
    }
    const char *code = jx_str(r->a, in, "agency_code");
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    const char *path;
    ts_code rc = accounts_agency_path(c, r->a, code, NULL, &path, &r->err);
    if (rc == TS_ENOTFOUND)
        return ts_err_field(&r->err, TS_EVALIDATION, "agency_code", M_AGENCY_NOT_FOUND, code);
    if (rc != TS_OK) return rc;
    json_array_foreach(perms, i, v)
    {
        if (may_grant(r, json_string_value(v), path) != TS_OK) return r->err.code;
    }
    char secret[48];
    api_token t;
    rc = tokens_create(c, r->a, jx_str(r->a, in, "name"), code, csv, http_actor(r), secret, &t,
                       &r->err);
    if (rc != TS_OK) return rc;
    json_t *o = token_to_json(&t);
    json_object_set_new(o, "token", json_string(secret));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/tokens/%lld", (long long)t.id));
    return http_reply_json(r, 201, o);
}

/* Paths of the caller's agency_admin grants (NULL/0 for a system admin). */
static void admin_paths(http_req *r, const char ***paths, int *n)
{
    ident_principal *p = r->principal;
    *paths = NULL;
    *n = 0;
    if (ident_has_role(p, ROLE_SYSTEM_ADMIN, NULL)) return;
    const char **ps = arena_alloc(r->a, sizeof(char *) * 4);
    for (int i = 0; i < p->ngrants && *n < 4; i++)
        if (!strcmp(p->grants[i].role, ROLE_AGENCY_ADMIN)) ps[(*n)++] = p->grants[i].agency_path;
    *paths = ps;
}

static ts_code h_token_list(http_req *r)
{
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    const char **paths;
    int np;
    admin_paths(r, &paths, &np);
    api_token *ts;
    int n;
    if (tokens_list(c, r->a, paths, np, &ts, &n, &r->err) != TS_OK) return r->err.code;
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, token_to_json(&ts[i]));
    return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static ts_code h_token_revoke(http_req *r)
{
    const char *ids = http_param(r, "id");
    char *end;
    long long id = strtoll(ids, &end, 10);
    if (*end || id <= 0) return ts_err_set(&r->err, TS_ENOTFOUND, M_TOKEN_NOT_FOUND, ids);
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    api_token t;
    if (tokens_get(c, r->a, id, &t, &r->err) != TS_OK) return r->err.code;
    if (http_require_scope_path(r, PERM_AGENCY_ADMIN, t.agency_path) != TS_OK) return r->err.code;
    if (tokens_revoke(c, r->a, id, http_actor(r), &r->err) != TS_OK) return r->err.code;
    return http_reply(r, 204, NULL, "", 0);
}

/* --- audit --- */

static ts_code query_time(http_req *r, const char *name, const char **out)
{
    *out = http_query(r, name);
    if (*out) {
        char d[11];
        snprintf(d, sizeof d, "%s", *out);
        if (strlen(*out) > 32 || !time_valid_date(d))
            return ts_err_field(&r->err, TS_EINVAL, name, M_FIELD_FORMAT,
                                "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
    }
    return TS_OK;
}

static ts_code h_audit(http_req *r)
{
    audit_query q = {0};
    if (http_query_int(r, "limit", 50, 1, 1000, &q.limit) != TS_OK) return r->err.code;
    if (http_query_int(r, "offset", 0, 0, 100000000, &q.offset) != TS_OK) return r->err.code;
    if (query_time(r, "from", &q.from) != TS_OK || query_time(r, "to", &q.to) != TS_OK)
        return r->err.code;
    q.object_type = http_query(r, "object_type");
    q.object_id = http_query(r, "object_id");
    q.actor = http_query(r, "actor");
    const char **paths;
    admin_paths(r, &paths, &q.npaths);
    q.paths = paths;
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    json_t *o;
    if (audit_list(c, r->a, &q, &o, &r->err) != TS_OK) return r->err.code;
    return http_reply_json(r, 200, o);
}

const http_route accounts_routes[] = {
    {"POST", "/api/v1/auth/login", h_login, PERM_PUBLIC},
    {"POST", "/api/v1/auth/logout", h_logout, PERM_AUTHENTICATED},
    {"POST", "/api/v1/auth/register", h_register, PERM_PUBLIC},
    {"GET", "/api/v1/me", h_me, PERM_AUTHENTICATED},
    {"POST", "/api/v1/me/password", h_password, PERM_AUTHENTICATED},
    {"POST", "/api/v1/accounts", h_account_create, PERM_AGENCY_ADMIN},
    {"GET", "/api/v1/tokens", h_token_list, PERM_AGENCY_ADMIN},
    {"POST", "/api/v1/tokens", h_token_create, PERM_AGENCY_ADMIN},
    {"DELETE", "/api/v1/tokens/{id}", h_token_revoke, PERM_AGENCY_ADMIN},
    {"GET", "/api/v1/audit", h_audit, PERM_AGENCY_ADMIN},
    {NULL, NULL, NULL, 0},
};
