/*
 * mfa_http — the HTTP door to one's own second factor: its state,
 * enrolment (secret, otpauth:// URI, QR code), confirmation (recovery codes,
 * shown once) and removal. Declared PERM_SELF: a session restricted to
 * enrolling may use them (decisions §29). An administrator's reset of a
 * colleague's factor is DELETE /api/v1/accounts/{id}/mfa (accounts_http.c).
 */
#include <stdio.h>
#include <string.h>

#include "../../http/server.h"
#include "../../lib/jsonw.h"
#include "../routes.h"
#include "mfa.h"

static ts_code h_status(http_req *r, ts_ctx *x)
{
    mfa_status st;
    TS_TRY(mfa_status_get(x, &r->cfg->ident, &st));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kbool(w, "enrolled", st.enrolled);
    jw_kbool(w, "pending", st.pending);
    jw_kbool(w, "required", st.required);
    jw_kint(w, "recovery_codes_left", st.recovery_left);
    jw_key(w, "confirmed_at");
    jw_str(w, st.confirmed_at);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

static ts_code h_begin(http_req *r, ts_ctx *x)
{
    mfa_enrolment e;
    TS_TRY(mfa_enrol_begin(x, &r->cfg->ident, &e));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kstr(w, "secret", e.secret);
    jw_kstr(w, "otpauth_uri", e.uri);
    jw_kstr(w, "qr_svg", e.qr_svg);
    jw_obj_end(w);
    return http_reply_w(r, 201, w);
}

static const jx_field confirm_body[] = {
    {.name = "code", .type = JX_STRING, .required = true, .max_chars = 16},
    {0},
};

static ts_code h_confirm(http_req *r, ts_ctx *x)
{
    char codes[MFA_RECOVERY_CODES][MFA_RECOVERY_LEN + 1];
    TS_TRY(mfa_enrol_confirm(x, &r->cfg->ident, http_in_raw(r, "code"), codes));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kbool(w, "enrolled", true);
    jw_key(w, "recovery_codes"); /* shown this once: only their SHA-256 is kept */
    jw_arr_begin(w);
    for (int i = 0; i < MFA_RECOVERY_CODES; i++)
        jw_str(w, codes[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

static const jx_field remove_body[] = {
    {.name = "code", .type = JX_STRING, .max_chars = 16},
    {.name = "recovery_code", .type = JX_STRING, .max_chars = 32},
    {0},
};

static ts_code h_remove(http_req *r, ts_ctx *x)
{
    int retry = 0;
    ts_code rc = mfa_remove_own(x, &r->cfg->ident, http_in_raw(r, "code"),
                                http_in_raw(r, "recovery_code"), &retry);
    if (rc == TS_ERATELIMIT) http_add_header(r, "Retry-After", arena_printf(r->a, "%d", retry));
    if (rc != TS_OK) return rc;
    return http_reply(r, 204, NULL, "", 0);
}

const http_route mfa_routes[] = {
    {"GET", "/api/v1/me/mfa", h_status, PERM_SELF, .query = NULL},
    {"POST", "/api/v1/me/mfa/totp", h_begin, PERM_SELF, .body = NULL},
    {"POST", "/api/v1/me/mfa/totp/confirm", h_confirm, PERM_SELF, .body = confirm_body},
    {"POST", "/api/v1/me/mfa/remove", h_remove, PERM_SELF, .body = remove_body},
    {0},
};

const ts_domain mfa_domain = {"mfa", mfa_routes, mfa_messages, NULL};
