/*
 * accounts_http — the HTTP door to identity: sign-in, sign-out, /me,
 * registration and password change, officer accounts and their
 * administration (list, view, edit, disable, grants, password reset), API
 * tokens and the audit log. Permissions are declared per route (http_perm) and narrowed
 * to the target agency with http_require_scope_path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../http/server.h"
#include "../../lib/jsonw.h"
#include "../../lib/jsonx.h"
#include "../../lib/strbuf.h"
#include "../../lib/text.h"
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

/* /me and the sign-in answer, written directly (hot path, decision 11):
 * {auth, account{id, username, full_name, kind}, grants[{role, agency_code,
 * agency_name}], csrf_token}. */
static ts_code reply_me(http_req *r, const ident_principal *p)
{
    static const char *const kinds[] = {"none", "session", "token", "bootstrap"};
    strbuf sb;
    sb_init(&sb);
    sb_grow(&sb, 256 + (size_t)p->ngrants * 160);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_kstr(&w, "auth", kinds[p->kind]);
    jw_key(&w, "account");
    jw_obj_begin(&w);
    jw_key(&w, "id");
    if (p->account_id)
        jw_int(&w, p->account_id);
    else
        jw_null(&w);
    jw_kstr(&w, "username", p->username ? p->username : "");
    jw_kstr(&w, "full_name", p->full_name);
    jw_kstr(&w, "kind", p->account_kind ? p->account_kind : "bootstrap");
    jw_obj_end(&w);
    jw_key(&w, "grants");
    jw_arr_begin(&w);
    for (int i = 0; i < p->ngrants; i++) {
        const ident_grant *g = &p->grants[i];
        jw_obj_begin(&w);
        jw_kstr(&w, "role", g->role);
        jw_kstr(&w, "agency_code", g->agency_code);
        jw_kstr(&w, "agency_name", g->agency_name);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_kstr(&w, "csrf_token", p->csrf);
    jw_obj_end(&w);
    return http_reply_sb(r, 200, &sb);
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
    return reply_me(r, &res.principal);
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
    return reply_me(r, r->principal);
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
    /* each attempt costs a password hash: a few per address and hour */
    int retry;
    ts_code rc = ident_register_take(c, &r->cfg->ident, http_client_ip(r), &retry, &r->err);
    if (rc == TS_ERATELIMIT) http_add_header(r, "Retry-After", arena_printf(r->a, "%d", retry));
    if (rc != TS_OK) return rc;
    account out;
    rc = accounts_create(c, r->a, &n, "self-registration", &out, &r->err);
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

/* --- account administration --- */

static bool is_system_admin(http_req *r)
{
    return ident_has_role(r->principal, ROLE_SYSTEM_ADMIN, NULL);
}

static ts_code forbidden(http_req *r)
{
    return ts_err_set(&r->err, TS_EFORBIDDEN, M_AUTH_FORBIDDEN, NULL);
}

/* Visible: a system admin, or agency_admin over one of the account's grants
 * (citizens and accounts without grants: system admins only). */
static ts_code may_see(http_req *r, const account_view *v)
{
    if (is_system_admin(r)) return TS_OK;
    for (int i = 0; i < v->ngrants; i++) {
        if (http_require_scope_path(r, PERM_AGENCY_ADMIN, v->grants[i].agency_path) == TS_OK)
            return TS_OK;
        ts_err_clear(&r->err);
    }
    return forbidden(r);
}

/* Changeable: agency_admin over every grant of the account, system_admin over
 * its system_admin grants; citizens and accounts without grants: system admins. */
static ts_code may_manage(http_req *r, const account_view *v)
{
    if (!v->ngrants) return is_system_admin(r) ? TS_OK : forbidden(r);
    for (int i = 0; i < v->ngrants; i++) {
        const account_grant *g = &v->grants[i];
        if (http_require_scope_path(r, PERM_AGENCY_ADMIN, g->agency_path) != TS_OK)
            return r->err.code;
        if (!strcmp(g->role, ROLE_SYSTEM_ADMIN) &&
            http_require_scope_path(r, PERM_SYSTEM_ADMIN, g->agency_path) != TS_OK)
            return r->err.code;
    }
    return TS_OK;
}

/* The {id} path parameter; 404 when it is not a positive integer. */
static ts_code path_id(http_req *r, const char *name, ts_msg msg, int64_t *id)
{
    const char *s = http_param(r, name);
    char *end;
    *id = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || *end || v <= 0 || strlen(s) > 18) return ts_err_set(&r->err, TS_ENOTFOUND, msg, s);
    *id = v;
    return TS_OK;
}

/* Load the account named by the path and check the caller may see (or change) it. */
static ts_code target(http_req *r, db_conn *c, bool manage, account_view *v)
{
    int64_t id;
    if (path_id(r, "id", M_ACCOUNT_NOT_FOUND, &id) != TS_OK) return r->err.code;
    if (accounts_get(c, r->a, id, v, &r->err) != TS_OK) return r->err.code;
    return manage ? may_manage(r, v) : may_see(r, v);
}

static ts_code h_account_list(http_req *r)
{
    account_query q = {0};
    if (http_query_int(r, "limit", 50, 1, 200, &q.limit) != TS_OK) return r->err.code;
    if (http_query_int(r, "offset", 0, 0, 100000000, &q.offset) != TS_OK) return r->err.code;
    q.q = http_query(r, "q");
    if (q.q && (strlen(q.q) > 200 || !text_utf8_valid(q.q, strlen(q.q))))
        return ts_err_field(&r->err, TS_EINVAL, "q", M_QUERY_PARAM, "q");
    q.kind = http_query(r, "kind");
    if (q.kind && strcmp(q.kind, "citizen") && strcmp(q.kind, "officer"))
        return ts_err_field(&r->err, TS_EINVAL, "kind", M_FIELD_FORMAT, "citizen | officer");
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    const char *code = http_query(r, "agency");
    const char **paths;
    if (code) {
        const char *path;
        ts_code rc = accounts_agency_path(c, r->a, code, NULL, &path, &r->err);
        if (rc == TS_ENOTFOUND)
            return ts_err_field(&r->err, TS_ENOTFOUND, "agency", M_AGENCY_NOT_FOUND, code);
        if (rc != TS_OK) return rc;
        if (http_require_scope_path(r, PERM_AGENCY_ADMIN, path) != TS_OK) return r->err.code;
        paths = arena_alloc(r->a, sizeof *paths);
        paths[0] = path;
        q.npaths = 1;
    } else {
        admin_paths(r, &paths, &q.npaths);
        if (!q.npaths && !is_system_admin(r)) return forbidden(r);
    }
    q.paths = paths;
    account_view *vs;
    int n;
    int64_t total;
    if (accounts_list(c, r->a, &q, &vs, &n, &total, &r->err) != TS_OK) return r->err.code;
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, account_view_to_json(&vs[i]));
    return http_reply_json(r, 200,
                           json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total",
                                     (json_int_t)total, "limit", (json_int_t)q.limit, "offset",
                                     (json_int_t)q.offset));
}

static ts_code h_account_get(http_req *r)
{
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    account_view v;
    if (target(r, c, false, &v) != TS_OK) return r->err.code;
    return http_reply_json(r, 200, account_view_to_json(&v));
}

static const jx_field patch_spec[] = {
    {"full_name", JX_STRING, false, ACCOUNT_NAME_MAX, false},
    {"email", JX_STRING, false, 254, false},
    {"phone", JX_STRING, false, 30, false},
    {"disabled", JX_BOOL, false, 0, false},
    {NULL, 0, false, 0, false},
};

static ts_code h_account_patch(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, patch_spec, &r->err) != TS_OK) return r->err.code;
    account_patch p = {0};
    p.set_full_name = json_object_get(in, "full_name") != NULL;
    p.full_name = jx_str(r->a, in, "full_name");
    if (p.set_full_name && !p.full_name)
        return ts_err_field(&r->err, TS_EVALIDATION, "full_name", M_FIELD_REQUIRED, NULL);
    p.set_email = json_object_get(in, "email") != NULL;
    p.email = jx_str(r->a, in, "email");
    p.set_phone = json_object_get(in, "phone") != NULL;
    p.phone = jx_str(r->a, in, "phone");
    json_t *d = json_object_get(in, "disabled");
    if (d && !json_is_boolean(d))
        return ts_err_field(&r->err, TS_EVALIDATION, "disabled", M_FIELD_TYPE_BOOL, NULL);
    p.set_disabled = d != NULL;
    p.disabled = d && json_is_true(d);
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    account_view v;
    if (target(r, c, true, &v) != TS_OK) return r->err.code;
    ident_principal *me = r->principal;
    if (p.set_disabled && p.disabled && me->kind == IDENT_SESSION && me->account_id == v.ac.id)
        return ts_err_field(&r->err, TS_EVALIDATION, "disabled", M_ACCOUNT_SELF_DISABLE, NULL);
    account_view out;
    if (accounts_update(c, r->a, v.ac.id, &p, http_actor(r), &out, &r->err) != TS_OK)
        return r->err.code;
    return http_reply_json(r, 200, account_view_to_json(&out));
}

static const jx_field grant_spec[] = {
    {"role", JX_STRING, true, 40, false},
    {"agency", JX_STRING, true, 32, false},
    {NULL, 0, false, 0, false},
};

static ts_code h_grant_add(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, grant_spec, &r->err) != TS_OK) return r->err.code;
    const char *role = jx_str(r->a, in, "role"), *code = jx_str(r->a, in, "agency");
    if (!ident_role_valid(role))
        return ts_err_field(&r->err, TS_EVALIDATION, "role", M_ROLE_UNKNOWN, ROLE_LIST);
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    account_view v;
    if (target(r, c, true, &v) != TS_OK) return r->err.code;
    const char *path;
    ts_code rc = accounts_agency_path(c, r->a, code, NULL, &path, &r->err);
    if (rc == TS_ENOTFOUND)
        return ts_err_field(&r->err, TS_EVALIDATION, "agency", M_AGENCY_NOT_FOUND, code);
    if (rc != TS_OK) return rc;
    if (may_grant(r, role, path) != TS_OK) return r->err.code;
    account_view out;
    if (accounts_grant_add(c, r->a, v.ac.id, role, code, http_actor(r), &out, &r->err) != TS_OK)
        return r->err.code;
    return http_reply_json(r, 201, account_view_to_json(&out));
}

static ts_code h_grant_remove(http_req *r)
{
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    int64_t id, gid;
    if (path_id(r, "id", M_ACCOUNT_NOT_FOUND, &id) != TS_OK) return r->err.code;
    if (path_id(r, "grant_id", M_GRANT_NOT_FOUND, &gid) != TS_OK) return r->err.code;
    account_view v;
    if (accounts_get(c, r->a, id, &v, &r->err) != TS_OK) return r->err.code;
    const account_grant *g = NULL;
    for (int i = 0; i < v.ngrants; i++)
        if (v.grants[i].id == gid) g = &v.grants[i];
    if (!g) {
        /* 403 rather than 404 when the account itself is out of sight */
        if (may_see(r, &v) != TS_OK) return r->err.code;
        return ts_err_set(&r->err, TS_ENOTFOUND, M_GRANT_NOT_FOUND, http_param(r, "grant_id"));
    }
    if (may_grant(r, g->role, g->agency_path) != TS_OK) return r->err.code;
    if (accounts_grant_remove(c, r->a, id, gid, http_actor(r), &r->err) != TS_OK)
        return r->err.code;
    return http_reply(r, 204, NULL, "", 0);
}

static const jx_field reset_spec[] = {
    {"password", JX_STRING, true, 1000, false},
    {NULL, 0, false, 0, false},
};

static ts_code h_password_reset(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, reset_spec, &r->err) != TS_OK) return r->err.code;
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    account_view v;
    if (target(r, c, true, &v) != TS_OK) return r->err.code;
    if (accounts_reset_password(c, r->a, v.ac.id, raw_str(r, in, "password"), http_actor(r),
                                &r->err) != TS_OK)
        return r->err.code;
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
    {"GET", "/api/v1/accounts", h_account_list, PERM_AGENCY_ADMIN},
    {"GET", "/api/v1/accounts/{id}", h_account_get, PERM_AGENCY_ADMIN},
    {"PATCH", "/api/v1/accounts/{id}", h_account_patch, PERM_AGENCY_ADMIN},
    {"POST", "/api/v1/accounts/{id}/grants", h_grant_add, PERM_AGENCY_ADMIN},
    {"DELETE", "/api/v1/accounts/{id}/grants/{grant_id}", h_grant_remove, PERM_AGENCY_ADMIN},
    {"POST", "/api/v1/accounts/{id}/password", h_password_reset, PERM_AGENCY_ADMIN},
    {"GET", "/api/v1/tokens", h_token_list, PERM_AGENCY_ADMIN},
    {"POST", "/api/v1/tokens", h_token_create, PERM_AGENCY_ADMIN},
    {"DELETE", "/api/v1/tokens/{id}", h_token_revoke, PERM_AGENCY_ADMIN},
    {"GET", "/api/v1/audit", h_audit, PERM_AGENCY_ADMIN},
    {NULL, NULL, NULL, 0},
};
