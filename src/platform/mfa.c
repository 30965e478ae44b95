/*
 * mfa — the stored second factor; see mfa.h.
 */
#include "mfa.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "../db/dbq.h"
#include "password.h"
#include "totp.h"

/* A recovery code as typed: lower case, without spaces and dashes; NULL
 * when it cannot be one. */
static bool recovery_norm(const char *in, char out[MFA_RECOVERY_LEN + 1])
{
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '-') continue;
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if (o == MFA_RECOVERY_LEN - 1) return false;
        out[o++] = ch;
    }
    if (o != MFA_RECOVERY_LEN - 1) return false;
    /* the stored form has the dash after five characters */
    memmove(out + 6, out + 5, 5);
    out[5] = '-';
    out[MFA_RECOVERY_LEN] = '\0';
    return true;
}

/* Spend an unused recovery code of the account; *ok when there was one. */
static ts_code recovery_spend(db_conn *c, int64_t account_id, const char *typed, int64_t now,
                              bool *ok, ts_err *err)
{
    *ok = false;
    char norm[MFA_RECOVERY_LEN + 1], h[65];
    if (!recovery_norm(typed, norm)) return TS_OK;
    tok_sha256_hex(norm, h);
    int64_t changed = 0;
    ts_code rc =
        db_run_vals(c,
                    "UPDATE mfa_recovery SET used_at = ? WHERE account_id = ? AND "
                    "code_hash = ? AND used_at IS NULL",
                    (const db_val[]){DBV_I(now), DBV_I(account_id), DBV_T(h)}, 3, &changed, err);
    *ok = rc == TS_OK && changed == 1;
    return rc;
}

ts_code mfa_check(db_conn *c, const ident_settings *st, int64_t account_id, bool confirmed,
                  const char *code, const char *recovery, int64_t now, mfa_result *res,
                  int *retry_after, ts_err *err)
{
    *res = MFA_WRONG;
    *retry_after = 0;
    db_stmt *s;
    ts_code rc = db_prepare(c,
                            "SELECT secret, last_step, failures, failures_since, "
                            "confirmed_at IS NOT NULL FROM mfa_totp WHERE account_id = ?",
                            &s, err);
    if (rc != TS_OK) return rc;
    db_bind_int(s, 1, account_id);
    int r = db_step(s, err);
    char sealed[256] = "";
    int64_t last = 0, failures = 0, since = 0, is_confirmed = 0;
    if (r == DB_ROW) {
        const char *t = db_col_text(s, 0);
        if (t && strlen(t) < sizeof sealed) memcpy(sealed, t, strlen(t) + 1);
        last = db_col_int(s, 1);
        failures = db_col_int(s, 2);
        since = db_col_int(s, 3);
        is_confirmed = db_col_int(s, 4);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (r != DB_ROW || (is_confirmed != 0) != confirmed) {
        *res = MFA_ABSENT;
        return TS_OK;
    }
    if (now - since >= MFA_WINDOW_S) failures = 0, since = now;
    if (failures >= MFA_MAX_FAILURES) {
        *res = MFA_LIMITED;
        *retry_after = (int)(since + MFA_WINDOW_S - now);
        if (*retry_after < 1) *retry_after = 1;
        return TS_OK;
    }
    unsigned char key[64];
    int klen = totp_open(st->mfa_key_set ? st->mfa_key : NULL, account_id, sealed, key, sizeof key);
    OPENSSL_cleanse(sealed, sizeof sealed);
    if (klen <= 0) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, "cannot open the TOTP secret");
    int64_t step = 0;
    bool ok = false;
    if (code) {
        ok = totp_match(key, (size_t)klen, code, now, last, &step);
        if (ok) *res = MFA_OK;
    } else if (recovery && confirmed) {
        TS_TRY(recovery_spend(c, account_id, recovery, now, &ok, err));
        if (ok) *res = MFA_RECOVERY;
    }
    OPENSSL_cleanse(key, sizeof key);
    if (ok)
        return db_run(c, err,
                      "UPDATE mfa_totp SET last_step = ?, failures = 0, failures_since = ? "
                      "WHERE account_id = ?",
                      DBV_I(step > last ? step : last), DBV_I(now), DBV_I(account_id));
    return db_run(c, err,
                  "UPDATE mfa_totp SET failures = ?, failures_since = ? WHERE account_id = ?",
                  DBV_I(failures + 1), DBV_I(since), DBV_I(account_id));
}

ts_code mfa_enrolled(db_conn *c, int64_t account_id, bool *yes, ts_err *err)
{
    int64_t n = 0;
    ts_code rc = db_int(c, err, &n, 0,
                        "SELECT COUNT(*) FROM mfa_totp WHERE account_id = ? AND confirmed_at IS "
                        "NOT NULL",
                        DBV_I(account_id));
    *yes = n > 0;
    return rc;
}

ts_code mfa_recovery_renew(db_conn *c, int64_t account_id,
                           char codes[MFA_RECOVERY_CODES][MFA_RECOVERY_LEN + 1], ts_err *err)
{
    static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789"; /* 32: no l, o, 0, 1 */
    ts_code rc = db_run(c, err, "DELETE FROM mfa_recovery WHERE account_id = ?", DBV_I(account_id));
    for (int i = 0; rc == TS_OK && i < MFA_RECOVERY_CODES; i++) {
        unsigned char rnd[10];
        if (RAND_bytes(rnd, sizeof rnd) != 1)
            return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, "RAND_bytes");
        for (int k = 0, o = 0; k < 10; k++) {
            if (k == 5) codes[i][o++] = '-';
            codes[i][o++] = alpha[rnd[k] & 31];
        }
        codes[i][MFA_RECOVERY_LEN] = '\0';
        char h[65];
        tok_sha256_hex(codes[i], h);
        rc = db_run(c, err, "INSERT INTO mfa_recovery (account_id, code_hash) VALUES (?, ?)",
                    DBV_I(account_id), DBV_T(h));
    }
    return rc;
}

ts_code mfa_delete(db_conn *c, int64_t account_id, bool *had, ts_err *err)
{
    int64_t n = 0;
    ts_code rc = db_run_vals(c, "DELETE FROM mfa_totp WHERE account_id = ?",
                             (const db_val[]){DBV_I(account_id)}, 1, &n, err);
    if (rc == TS_OK)
        rc = db_run(c, err, "DELETE FROM mfa_recovery WHERE account_id = ?", DBV_I(account_id));
    *had = n > 0;
    return rc;
}
