/*
 * mfa — enrolment, removal and reset of the second factor; see mfa.h.
 */
#include "mfa.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../lib/strbuf.h"
#include "../../platform/totp.h"
#include "../accounts/accounts.h"

MFA_MESSAGES(TS_MSG_DEFINE)
const ts_msg mfa_messages[] = {MFA_MESSAGES(TS_MSG_REF) NULL};

/* Only a signed-in person has a factor of their own. */
static ts_code self(ts_ctx *x, int64_t *id)
{
    *id = x->who->kind == IDENT_SESSION ? x->who->account_id : 0;
    return *id ? TS_OK : ts_err_set(x->err, TS_EFORBIDDEN, M_MFA_SESSION_ONLY, NULL);
}

/* The audit entry of a change to account id's factor (agency: its first grant's). */
static ts_code audit_mfa(ts_ctx *x, int64_t id, const char *action, json_t *sum)
{
    account_view v;
    ts_code rc = accounts_get(x->db, x->a, id, &v, x->err);
    if (rc == TS_OK)
        rc = ts_audit(x, action, "account", v.ac.username,
                      v.ngrants ? v.grants[0].agency_code : NULL, sum);
    json_decref(sum);
    return rc;
}

ts_code mfa_status_get(ts_ctx *x, const ident_settings *st, mfa_status *out)
{
    memset(out, 0, sizeof *out);
    int64_t id;
    TS_TRY(self(x, &id));
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      "SELECT confirmed_at, (SELECT COUNT(*) FROM mfa_recovery r WHERE "
                      "r.account_id = m.account_id AND r.used_at IS NULL) FROM mfa_totp m "
                      "WHERE m.account_id = ?",
                      &s, x->err));
    db_bind_int(s, 1, id);
    int r = db_step(s, x->err);
    if (r == DB_ROW) {
        out->enrolled = !db_col_is_null(s, 0);
        out->pending = !out->enrolled;
        out->confirmed_at = out->enrolled ? db_col_dup(x->a, s, 0) : NULL;
        out->recovery_left = out->enrolled ? (int)db_col_int(s, 1) : 0;
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    for (int i = 0; i < x->who->ngrants; i++)
        if (st->mfa_roles & ident_role_bit(x->who->grants[i].role)) out->required = true;
    return TS_OK;
}

/* otpauth://totp/ISSUER:USERNAME?secret=...&issuer=ISSUER, the name
 * percent-encoded (RFC 3986 unreserved characters kept). */
static const char *otpauth_uri(arena *a, const char *username, const char *secret)
{
    strbuf sb;
    sb_init(&sb);
    sb_adds(&sb, "otpauth://totp/" MFA_ISSUER ":");
    for (const unsigned char *p = (const unsigned char *)username; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            sb_addc(&sb, (char)*p);
        else
            sb_addf(&sb, "%%%02X", *p);
    }
    sb_addf(&sb, "?secret=%s&issuer=" MFA_ISSUER "&algorithm=SHA1&digits=%d&period=%d", secret,
            TOTP_DIGITS, TOTP_STEP_S);
    const char *out = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return out;
}

typedef struct begin_ctx {
    int64_t id;
    const char *sealed;
} begin_ctx;

static ts_code begin_tx(ts_ctx *x, void *argp)
{
    begin_ctx *b = argp;
    bool on = false;
    ts_code rc = mfa_enrolled(x->db, b->id, &on, x->err);
    if (rc != TS_OK) return rc;
    if (on) return ts_err_set(x->err, TS_ECONFLICT, M_MFA_ALREADY, NULL);
    rc = db_run(x->db, x->err, "DELETE FROM mfa_totp WHERE account_id = ?", DBV_I(b->id));
    if (rc != TS_OK) return rc;
    TS_TRY(db_run(x->db, x->err,
                  "INSERT INTO mfa_totp (account_id, secret, created_at) VALUES (?, ?, ?)",
                  DBV_I(b->id), DBV_T(b->sealed), DBV_T(ts_now(x))));
    return audit_mfa(x, b->id, "mfa.enrol_start", json_pack("{s:s}", "factor", "totp"));
}

ts_code mfa_enrol_begin(ts_ctx *x, const ident_settings *st, mfa_enrolment *out)
{
    memset(out, 0, sizeof *out);
    int64_t id;
    TS_TRY(self(x, &id));
    unsigned char secret[TOTP_SECRET_BYTES];
    if (RAND_bytes(secret, sizeof secret) != 1)
        return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "RAND_bytes");
    begin_ctx b = {
        id, totp_seal(x->a, st->mfa_key_set ? st->mfa_key : NULL, id, secret, sizeof secret)};
    out->secret = totp_base32(x->a, secret, sizeof secret);
    OPENSSL_cleanse(secret, sizeof secret);
    if (!b.sealed) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "cannot seal the secret");
    TS_TRY(ts_write(x, begin_tx, &b));
    out->uri = otpauth_uri(x->a, x->who->username, out->secret);
    out->qr_svg = totp_qr_svg(x->a, out->uri);
    if (!out->qr_svg) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "QRcode_encodeString");
    return TS_OK;
}

/* A code checked inside a write: the verdict is kept (and the write commits,
 * counting a wrong code) and mapped to the answer afterwards. */
typedef struct check_ctx {
    const ident_settings *st;
    int64_t id;
    const char *code, *recovery;
    mfa_result res;
    int retry_after;
    char (*codes)[MFA_RECOVERY_LEN + 1];
} check_ctx;

static ts_code check(ts_ctx *x, check_ctx *k, bool confirmed)
{
    return mfa_check(x->db, k->st, k->id, confirmed, k->code, k->recovery, x->now_us / 1000000,
                     &k->res, &k->retry_after, x->err);
}

/* The error of a verdict that is not a success. */
static ts_code verdict(ts_ctx *x, const check_ctx *k, ts_msg absent)
{
    if (k->res == MFA_ABSENT) return ts_err_set(x->err, TS_ECONFLICT, absent, NULL);
    if (k->res == MFA_LIMITED) {
        char sec[24];
        snprintf(sec, sizeof sec, "%d", k->retry_after);
        return ts_err_set(x->err, TS_ERATELIMIT, M_MFA_LIMITED, sec);
    }
    return ts_err_field(x->err, TS_EVALIDATION, k->code ? "code" : "recovery_code",
                        M_MFA_CODE_WRONG, NULL);
}

static ts_code confirm_tx(ts_ctx *x, void *argp)
{
    check_ctx *k = argp;
    ts_code rc = check(x, k, false);
    if (rc != TS_OK || k->res != MFA_OK) return rc;
    rc = db_run(x->db, x->err, "UPDATE mfa_totp SET confirmed_at = ? WHERE account_id = ?",
                DBV_T(ts_now(x)), DBV_I(k->id));
    if (rc != TS_OK) return rc;
    TS_TRY(mfa_recovery_renew(x->db, k->id, k->codes, x->err));
    return audit_mfa(
        x, k->id, "mfa.enrol",
        json_pack("{s:s,s:i}", "factor", "totp", "recovery_codes", MFA_RECOVERY_CODES));
}

ts_code mfa_enrol_confirm(ts_ctx *x, const ident_settings *st, const char *code,
                          char codes[MFA_RECOVERY_CODES][MFA_RECOVERY_LEN + 1])
{
    check_ctx k = {.st = st, .code = code ? code : "", .codes = codes};
    TS_TRY(self(x, &k.id));
    TS_TRY(ts_write(x, confirm_tx, &k));
    return k.res == MFA_OK ? TS_OK : verdict(x, &k, M_MFA_NOT_STARTED);
}

static ts_code remove_tx(ts_ctx *x, void *argp)
{
    check_ctx *k = argp;
    ts_code rc = check(x, k, true);
    if (rc != TS_OK || (k->res != MFA_OK && k->res != MFA_RECOVERY)) return rc;
    bool had;
    TS_TRY(mfa_delete(x->db, k->id, &had, x->err));
    return audit_mfa(x, k->id, "mfa.remove",
                     json_pack("{s:s}", "with", k->res == MFA_OK ? "totp" : "recovery_code"));
}

ts_code mfa_remove_own(ts_ctx *x, const ident_settings *st, const char *code,
                       const char *recovery_code, int *retry_after)
{
    check_ctx k = {.st = st, .code = code, .recovery = code ? NULL : recovery_code};
    *retry_after = 0;
    TS_TRY(self(x, &k.id));
    if (!code && !recovery_code)
        return ts_err_field(x->err, TS_EVALIDATION, "code", M_MFA_CODE_REQUIRED, NULL);
    TS_TRY(ts_write(x, remove_tx, &k));
    if (k.res == MFA_OK || k.res == MFA_RECOVERY) return TS_OK;
    *retry_after = k.retry_after;
    return verdict(x, &k, M_MFA_NOT_ENROLLED);
}

static ts_code reset_tx(ts_ctx *x, void *argp)
{
    int64_t id = *(const int64_t *)argp;
    account_view v;
    ts_code rc = accounts_load_managed(x, id, &v);
    if (rc != TS_OK) return rc;
    bool had = false;
    rc = mfa_delete(x->db, id, &had, x->err);
    if (rc != TS_OK) return rc;
    if (!had) return ts_err_set(x->err, TS_ENOTFOUND, M_MFA_NOT_ENROLLED, NULL);
    TS_TRY(ident_revoke_sessions(x->db, id, 0, x->err));
    return audit_mfa(x, id, "mfa.reset", json_pack("{s:b}", "sessions_revoked", 1));
}

ts_code mfa_reset(ts_ctx *x, int64_t id)
{
    return ts_write(x, reset_tx, &id);
}
