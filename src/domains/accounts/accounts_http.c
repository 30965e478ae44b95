/*
 * accounts_http — the HTTP door to identity: sign-in, sign-out, /me,
 * registration and password change, officer accounts and their
 * administration (list, view, edit, disable, grants, password reset), API
 * tokens and the audit log. Each route declares the least permission it
 * needs and its input; who may administer whom is the domain's rule
 * (accounts.c), checked inside its transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../http/server.h"
#include "../routes.h"
#include "../../lib/jsonw.h"
#include "../../lib/jsonx.h"
#include "../../lib/strbuf.h"
#include "../../lib/text.h"
#include "../../lib/timeutil.h"
#include "../../platform/identity.h"
#include "../agencies/agencies.h"
#include "../mfa/mfa.h"
#include "accounts.h"

static const jx_field login_body[] = {
    {.name = "username", .type = JX_STRING, .required = true, .max_chars = 254},
    {.name = "password", .type = JX_STRING, .required = true, .max_chars = 1000},
    {0},
};

/* /me and the sign-in answer, written directly (hot path, decision 11):
 * {auth, account{id, username, full_name, kind, email, email_verified, phone,
 * phone_verified}, grants[{role, agency_code,
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
    jw_kstr(&w, "email", p->email);
    jw_kbool(&w, "email_verified", p->email_verified);
    jw_kstr(&w, "phone", p->phone);
    jw_kbool(&w, "phone_verified", p->phone_verified);
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
    jw_kbool(&w, "mfa", p->mfa);
    jw_key(&w, "restricted"); /* what must be done first (decisions §29), or null */
    jw_str(&w, p->restricted);
    jw_obj_end(&w);
    return http_reply_sb(r, 200, &sb);
}

/* The answer of a sign-in that made a session: its cookie and /me. */
static ts_code signed_in(http_req *r, ident_login_result *res)
{
    http_set_session_cookie(r, arena_strdup(r->a, res->session_token), r->cfg->ident.max_s);
    return reply_me(r, &res->principal);
}

static ts_code h_login(http_req *r, ts_ctx *x)
{
    db_conn *c = x->db;
    ident_login_result res;
    ts_code rc =
        ident_login(c, r->a, &r->cfg->ident, http_in_raw(r, "username"), http_in_raw(r, "password"),
                    http_client_ip(r), http_header(r, "User-Agent"), &res, &r->err);
    if (rc == TS_ERATELIMIT)
        http_add_header(r, "Retry-After", arena_printf(r->a, "%d", res.retry_after));
    if (rc != TS_OK) return rc;
    if (res.mfa_challenge[0]) { /* the password was right: now the second factor */
        jsonw *w = http_json(r);
        jw_obj_begin(w);
        jw_kbool(w, "mfa_required", true);
        jw_kstr(w, "challenge", res.mfa_challenge);
        jw_kint(w, "expires_in", 300);
        jw_obj_end(w);
        return http_reply_w(r, 200, w);
    }
    return signed_in(r, &res);
}

static const jx_field login_mfa_body[] = {
    {.name = "challenge", .type = JX_STRING, .required = true, .max_chars = 64},
    {.name = "code", .type = JX_STRING, .max_chars = 16},
    {.name = "recovery_code", .type = JX_STRING, .max_chars = 32},
    {0},
};

static ts_code h_login_mfa(http_req *r, ts_ctx *x)
{
    db_conn *c = x->db;
    ident_login_result res;
    ts_code rc = ident_login_mfa(c, r->a, &r->cfg->ident, http_in_raw(r, "challenge"),
                                 http_in_raw(r, "code"), http_in_raw(r, "recovery_code"),
                                 http_client_ip(r), &res, &r->err);
    if (rc == TS_ERATELIMIT)
        http_add_header(r, "Retry-After", arena_printf(r->a, "%d", res.retry_after));
    if (rc != TS_OK) return rc;
    return signed_in(r, &res);
}

static ts_code h_logout(http_req *r, ts_ctx *x)
{
    ident_principal *p = r->principal;
    if (p->kind == IDENT_SESSION) {
        db_conn *c = x->db;
        TS_TRY(ident_logout(c, p->session_id, http_actor(r), &r->err));
    }
    http_set_session_cookie(r, "", 0);
    return http_reply(r, 204, NULL, "", 0);
}

static ts_code h_me(http_req *r, ts_ctx *x)
{
    return reply_me(r, r->principal);
}

#define PROFILE_FIELDS(req)                                                                        \
    {.name = "full_name",                                                                          \
     .type = JX_STRING,                                                                            \
     .required = req,                                                                              \
     .max_chars = ACCOUNT_NAME_MAX,                                                                \
     .not_null = true},                                                                            \
        {.name = "email",                                                                          \
         .type = JX_STRING,                                                                        \
         .max_chars = 254,                                                                         \
         .nullable = true,                                                                         \
         .format = &FMT_EMAIL},                                                                    \
    {                                                                                              \
        .name = "phone", .type = JX_STRING, .max_chars = 30, .nullable = true,                     \
        .format = &FMT_PHONE                                                                       \
    }

static const jx_field register_body[] = {
    {.name = "username", .type = JX_STRING, .max_chars = ACCOUNT_USERNAME_MAX},
    PROFILE_FIELDS(true),
    {.name = "password", .type = JX_STRING, .required = true, .max_chars = 1000},
    {0},
};

/* A new account with the grant it was made with (none for citizens). */
static ts_code reply_account(http_req *r, const account *ac, const char *role,
                             const char *agency_code)
{
    jsonw *w = http_json(r);
    account_write_json(w, ac);
    jw_key(w, "grants");
    jw_arr_begin(w);
    if (role) {
        jw_obj_begin(w);
        jw_kstr(w, "role", role);
        jw_kstr(w, "agency_code", agency_code);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    return http_reply_w(r, 201, w);
}

static ts_code h_register(http_req *r, ts_ctx *x)
{
    account_new n = {.username = http_in_str(r, "username"),
                     .kind = "citizen",
                     .full_name = http_in_str(r, "full_name"),
                     .email = http_in_str(r, "email"),
                     .phone = http_in_str(r, "phone"),
                     .password = http_in_raw(r, "password")};
    /* each attempt costs a password hash: a few per address and hour */
    int retry;
    ts_code rc = ident_register_take(x->db, &r->cfg->ident, http_client_ip(r), &retry, &r->err);
    if (rc == TS_ERATELIMIT) http_add_header(r, "Retry-After", arena_printf(r->a, "%d", retry));
    if (rc != TS_OK) return rc;
    x->actor = "self-registration";
    account out;
    TS_TRY(accounts_create(x, &n, &out));
    return reply_account(r, &out, NULL, NULL);
}

static const jx_field password_body[] = {
    {.name = "old_password", .type = JX_STRING, .required = true, .max_chars = 1000},
    {.name = "new_password", .type = JX_STRING, .required = true, .max_chars = 1000},
    {0},
};

static ts_code h_password(http_req *r, ts_ctx *x)
{
    ident_principal *p = r->principal;
    if (p->kind != IDENT_SESSION) return ts_err_set(&r->err, TS_EFORBIDDEN, M_SESSION_ONLY, NULL);
    account_pw_client cl = {.st = &r->cfg->ident, .ip = http_client_ip(r)};
    ts_code rc = accounts_change_password(x, p->account_id, http_in_raw(r, "old_password"),
                                          http_in_raw(r, "new_password"), p->session_id, &cl);
    if (rc == TS_ERATELIMIT)
        http_add_header(r, "Retry-After", arena_printf(r->a, "%d", cl.retry_after));
    if (rc != TS_OK) return rc;
    return http_reply(r, 204, NULL, "", 0);
}

static const jx_field contact_verify_body[] = {
    {.name = "channel", .type = JX_STRING, .required = true, .max_chars = 8},
    {.name = "code", .type = JX_STRING, .required = true, .max_chars = 32},
    {0},
};

/* Prove one's own e-mail or phone with the one-time code it received. */
static ts_code h_contact_verify(http_req *r, ts_ctx *x)
{
    ident_principal *p = r->principal;
    if (p->kind != IDENT_SESSION) return ts_err_set(&r->err, TS_EFORBIDDEN, M_SESSION_ONLY, NULL);
    TS_TRY(
        accounts_contact_verify(x, p->username, http_in_str(r, "channel"), http_in_raw(r, "code")));
    return http_reply(r, 204, NULL, "", 0);
}

static const jx_field account_body[] = {
    {.name = "username", .type = JX_STRING, .required = true, .max_chars = ACCOUNT_USERNAME_MAX},
    PROFILE_FIELDS(true),
    {.name = "password", .type = JX_STRING, .required = true, .max_chars = 1000},
    {.name = "role", .type = JX_STRING, .required = true, .max_chars = 40, .format = &FMT_ROLE},
    {.name = "agency_code", .type = JX_STRING, .required = true, .max_chars = 32},
    {0},
};

static ts_code h_account_create(http_req *r, ts_ctx *x)
{
    account_new n = {.username = http_in_str(r, "username"),
                     .kind = "officer",
                     .full_name = http_in_str(r, "full_name"),
                     .email = http_in_str(r, "email"),
                     .phone = http_in_str(r, "phone"),
                     .password = http_in_raw(r, "password"),
                     .role = http_in_str(r, "role"),
                     .agency_code = http_in_str(r, "agency_code")};
    account out;
    TS_TRY(accounts_create(x, &n, &out));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/accounts/%lld", (long long)out.id));
    return reply_account(r, &out, n.role, n.agency_code);
}

/* --- tokens --- */

static const jx_field token_body[] = {
    {.name = "name", .type = JX_STRING, .required = true, .max_chars = TOKEN_NAME_MAX},
    {.name = "purpose", .type = JX_STRING, .required = true, .max_chars = TOKEN_PURPOSE_MAX},
    {.name = "agency_code", .type = JX_STRING, .required = true, .max_chars = 32},
    {.name = "permissions", .type = JX_ARRAY, .required = true},
    {.name = "expires_at", .type = JX_STRING, .max_chars = 40, .not_null = true},
    {.name = "can_mint_tokens", .type = JX_BOOL, .not_null = true},
    {0},
};

static ts_code h_token_create(http_req *r, ts_ctx *x)
{
    json_t *perms = http_in_json(r, "permissions");
    const char *csv = "";
    size_t i;
    json_t *v;
    json_array_foreach(perms, i, v)
    {
        if (!json_is_string(v) || !ident_role_valid(json_string_value(v)) || i >= 8)
            return ts_err_field(&r->err, TS_EVALIDATION, "permissions", M_ROLE_UNKNOWN, ROLE_LIST);
        csv = arena_printf(r->a, "%s%s%s", csv, i ? "," : "", json_string_value(v));
    }
    char secret[48];
    api_token t;
    token_new in = {.name = http_in_str(r, "name"),
                    .purpose = http_in_str(r, "purpose"),
                    .agency_code = http_in_str(r, "agency_code"),
                    .permissions = csv,
                    .expires_at = http_in_str(r, "expires_at"),
                    .mint =
                        http_in_has(r, "can_mint_tokens") && http_in_bool(r, "can_mint_tokens")};
    TS_TRY(tokens_create(x, &in, secret, &t));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/tokens/%lld", (long long)t.id));
    jsonw *w = http_json(r);
    token_write_json(w, &t);
    jw_kstr(w, "token", secret); /* shown this once */
    jw_obj_end(w);
    return http_reply_w(r, 201, w);
}

JX_WRITER(write_token, api_token, token_write_json)

static ts_code h_token_list(http_req *r, ts_ctx *x)
{
    api_token *ts;
    int n;
    TS_TRY(tokens_list(x, &ts, &n));
    return http_reply_page(r, ts, sizeof *ts, n, write_token, -1, 0, 0);
}

static ts_code h_token_revoke(http_req *r, ts_ctx *x)
{
    int64_t id = http_id(r, "id");
    TS_TRY(tokens_revoke(x, id));
    return http_reply(r, 204, NULL, "", 0);
}

/* --- account administration --- */

static const jx_field account_list_query[] = {
    HTTP_PAGING(50, 200),
    {.name = "q", .type = JX_STRING, .max_chars = 200, .allow_empty = true},
    {.name = "kind",
     .type = JX_STRING,
     .max_chars = 10,
     .enums = account_kinds,
     .enum_list = "citizen, officer"},
    {.name = "agency", .type = JX_STRING, .max_chars = 32},
    {0},
};

JX_WRITER(write_view, account_view, account_view_write_json)

static ts_code h_account_list(http_req *r, ts_ctx *x)
{
    account_query q = {.q = http_query(r, "q"),
                       .kind = http_query(r, "kind"),
                       .agency = http_query(r, "agency"),
                       .limit = http_qint(r, "limit"),
                       .offset = http_qint(r, "offset")};
    account_view *vs;
    int n;
    int64_t total;
    TS_TRY(accounts_list(x, &q, &vs, &n, &total));
    return http_reply_page(r, vs, sizeof *vs, n, write_view, total, q.limit, q.offset);
}

static ts_code h_account_get(http_req *r, ts_ctx *x)
{
    int64_t id = http_id(r, "id");
    account_view v;
    TS_TRY(accounts_view(x, id, &v));
    return http_reply_one(r, 200, write_view, &v);
}

static const jx_field patch_body[] = {
    PROFILE_FIELDS(false),
    {.name = "disabled", .type = JX_BOOL, .not_null = true},
    {0},
};

static ts_code h_account_patch(http_req *r, ts_ctx *x)
{
    int64_t id = http_id(r, "id");
    account_patch p = {.set_full_name = http_in_has(r, "full_name"),
                       .full_name = http_in_str(r, "full_name"),
                       .set_email = http_in_has(r, "email"),
                       .email = http_in_str(r, "email"),
                       .set_phone = http_in_has(r, "phone"),
                       .phone = http_in_str(r, "phone"),
                       .set_disabled = http_in_has(r, "disabled"),
                       .disabled = http_in_bool(r, "disabled")};
    account_view out;
    TS_TRY(accounts_update(x, id, &p, &out));
    return http_reply_one(r, 200, write_view, &out);
}

static const jx_field grant_body[] = {
    {.name = "role", .type = JX_STRING, .required = true, .max_chars = 40, .format = &FMT_ROLE},
    {.name = "agency", .type = JX_STRING, .required = true, .max_chars = 32},
    {0},
};

static ts_code h_grant_add(http_req *r, ts_ctx *x)
{
    int64_t id = http_id(r, "id");
    account_view out;
    TS_TRY(accounts_grant_add(x, id, http_in_str(r, "role"), http_in_str(r, "agency"), &out));
    return http_reply_one(r, 201, write_view, &out);
}

static ts_code h_grant_remove(http_req *r, ts_ctx *x)
{
    int64_t id = http_id(r, "id");
    int64_t gid = http_id(r, "grant_id");
    TS_TRY(accounts_grant_remove(x, id, gid));
    return http_reply(r, 204, NULL, "", 0);
}

static const jx_field reset_body[] = {
    {.name = "password", .type = JX_STRING, .required = true, .max_chars = 1000},
    {0},
};

static ts_code h_password_reset(http_req *r, ts_ctx *x)
{
    int64_t id = http_id(r, "id");
    TS_TRY(accounts_reset_password(x, id, http_in_raw(r, "password")));
    return http_reply(r, 204, NULL, "", 0);
}

/* --- one's own sessions --- */

JX_WRITER(write_session, session_info, session_write_json)

static ts_code h_sessions(http_req *r, ts_ctx *x)
{
    session_info *ss;
    int n;
    TS_TRY(sessions_list(x, &r->cfg->ident, &ss, &n));
    return http_reply_page(r, ss, sizeof *ss, n, write_session, -1, 0, 0);
}

static ts_code h_session_end(http_req *r, ts_ctx *x)
{
    int64_t id = http_id(r, "id");
    TS_TRY(sessions_end(x, id));
    if (id == r->principal->session_id) http_set_session_cookie(r, "", 0);
    return http_reply(r, 204, NULL, "", 0);
}

static ts_code h_sessions_end_others(http_req *r, ts_ctx *x)
{
    int ended;
    TS_TRY(sessions_end_others(x, &ended));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kint(w, "ended", ended);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

/* A single-use link for the person to set their own password: shown once. */
static ts_code h_reset_link(http_req *r, ts_ctx *x)
{
    int64_t id = http_id(r, "id");
    int64_t expires;
    char token[44];
    TS_TRY(accounts_reset_link(x, id, r->cfg->ident.reset_link_s, token, &expires));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kstr(w, "token", token);
    jw_kstr(w, "path", arena_printf(r->a, "/#/password-reset?token=%s", token));
    jw_kint(w, "expires_at", expires);
    jw_obj_end(w);
    return http_reply_w(r, 201, w);
}

static const jx_field reset_use_body[] = {
    {.name = "token", .type = JX_STRING, .required = true, .max_chars = 64},
    {.name = "new_password", .type = JX_STRING, .required = true, .max_chars = 1000},
    {0},
};

static ts_code h_reset_use(http_req *r, ts_ctx *x)
{
    x->actor = "reset-link";
    TS_TRY(accounts_reset_with_link(x, http_in_raw(r, "token"), http_in_raw(r, "new_password")));
    return http_reply(r, 204, NULL, "", 0);
}

static ts_code h_mfa_reset(http_req *r, ts_ctx *x)
{
    int64_t id = http_id(r, "id");
    TS_TRY(mfa_reset(x, id));
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

static const jx_field audit_query_spec[] = {
    HTTP_PAGING(50, 1000),
    {.name = "from", .type = JX_STRING, .max_chars = 32},
    {.name = "to", .type = JX_STRING, .max_chars = 32},
    {.name = "object_type", .type = JX_STRING, .max_chars = 64},
    {.name = "object_id", .type = JX_STRING, .max_chars = 200},
    {.name = "actor", .type = JX_STRING, .max_chars = 100},
    {0},
};

static ts_code h_audit(http_req *r, ts_ctx *x)
{
    audit_query q = {.limit = http_qint(r, "limit"),
                     .offset = http_qint(r, "offset"),
                     .object_type = http_query(r, "object_type"),
                     .object_id = http_query(r, "object_id"),
                     .actor = http_query(r, "actor")};
    TS_TRY(query_time(r, "from", &q.from));
    TS_TRY(query_time(r, "to", &q.to));
    jsonw *w = http_json(r);
    TS_TRY(audit_list(x, &q, w));
    return http_reply_w(r, 200, w);
}

const http_route accounts_routes[] = {
    {"POST", "/api/v1/auth/login", h_login, PERM_PUBLIC, .body = login_body},
    {"POST", "/api/v1/auth/login/mfa", h_login_mfa, PERM_PUBLIC, .body = login_mfa_body},
    {"POST", "/api/v1/auth/logout", h_logout, PERM_SELF, .body = NULL},
    {"POST", "/api/v1/auth/register", h_register, PERM_PUBLIC, .body = register_body},
    {"POST", "/api/v1/auth/password-reset", h_reset_use, PERM_PUBLIC, .body = reset_use_body},
    {"GET", "/api/v1/me", h_me, PERM_SELF, .query = NULL},
    {"POST", "/api/v1/me/password", h_password, PERM_SELF, .body = password_body},
    {"POST", "/api/v1/me/contact/verify", h_contact_verify, PERM_AUTHENTICATED,
     .body = contact_verify_body},
    {"GET", "/api/v1/me/sessions", h_sessions, PERM_AUTHENTICATED, .query = NULL},
    {"DELETE", "/api/v1/me/sessions", h_sessions_end_others, PERM_AUTHENTICATED, .body = NULL},
    {"DELETE", "/api/v1/me/sessions/{id}", h_session_end, PERM_AUTHENTICATED,
     .ids = HTTP_IDS({"id", M_SESSION_NOT_FOUND, 1, 0})},
    {"POST", "/api/v1/accounts", h_account_create, PERM_AGENCY_ADMIN, .body = account_body},
    {"GET", "/api/v1/accounts", h_account_list, PERM_AGENCY_ADMIN, .query = account_list_query},
    {"GET", "/api/v1/accounts/{id}", h_account_get, PERM_AGENCY_ADMIN,
     .ids = HTTP_IDS({"id", M_ACCOUNT_NOT_FOUND, 1, 0})},
    {"PATCH", "/api/v1/accounts/{id}", h_account_patch, PERM_AGENCY_ADMIN, .body = patch_body,
     .ids = HTTP_IDS({"id", M_ACCOUNT_NOT_FOUND, 1, 0})},
    {"POST", "/api/v1/accounts/{id}/grants", h_grant_add, PERM_AGENCY_ADMIN, .body = grant_body,
     .ids = HTTP_IDS({"id", M_ACCOUNT_NOT_FOUND, 1, 0})},
    {"DELETE", "/api/v1/accounts/{id}/grants/{grant_id}", h_grant_remove, PERM_AGENCY_ADMIN,
     .ids = HTTP_IDS({"id", M_ACCOUNT_NOT_FOUND, 1, 0}, {"grant_id", M_GRANT_NOT_FOUND, 1, 0})},
    {"POST", "/api/v1/accounts/{id}/password", h_password_reset, PERM_AGENCY_ADMIN,
     .body = reset_body, .ids = HTTP_IDS({"id", M_ACCOUNT_NOT_FOUND, 1, 0})},
    {"POST", "/api/v1/accounts/{id}/password-reset", h_reset_link, PERM_AGENCY_ADMIN,
     .ids = HTTP_IDS({"id", M_ACCOUNT_NOT_FOUND, 1, 0})},
    {"DELETE", "/api/v1/accounts/{id}/mfa", h_mfa_reset, PERM_AGENCY_ADMIN,
     .ids = HTTP_IDS({"id", M_ACCOUNT_NOT_FOUND, 1, 0})},
    {"GET", "/api/v1/tokens", h_token_list, PERM_AGENCY_ADMIN, .query = NULL},
    {"POST", "/api/v1/tokens", h_token_create, PERM_AGENCY_ADMIN, .body = token_body},
    {"DELETE", "/api/v1/tokens/{id}", h_token_revoke, PERM_AGENCY_ADMIN,
     .ids = HTTP_IDS({"id", M_TOKEN_NOT_FOUND, 1, 0})},
    {"GET", "/api/v1/audit", h_audit, PERM_AGENCY_ADMIN, .query = audit_query_spec},
    {0},
};

const ts_domain accounts_domain = {"accounts", accounts_routes, accounts_messages, NULL};
