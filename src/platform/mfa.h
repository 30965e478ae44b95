/*
 * mfa — the stored second factor of an account (decisions §29): its TOTP
 * secret (sealed, platform/totp.h), the last step used, the wrong-code
 * window, and its one-time recovery codes (hex SHA-256). Functions run
 * inside the caller's transaction; sign-in (identity.c) and the mfa domain
 * (enrolment, removal, reset) share them.
 */
#ifndef TS_MFA_H
#define TS_MFA_H

#include <stdbool.h>
#include <stdint.h>

#include "identity.h"

#define MFA_RECOVERY_CODES 10
#define MFA_RECOVERY_LEN 11 /* "abcde-fghij": 50 random bits */
#define MFA_MAX_FAILURES 10 /* wrong codes per account per window */
#define MFA_WINDOW_S (15 * 60)

typedef enum mfa_result {
    MFA_WRONG = 0, /* no such code, or already used */
    MFA_OK,        /* a TOTP code, now spent */
    MFA_RECOVERY,  /* a recovery code, now spent */
    MFA_LIMITED,   /* too many wrong codes: *retry_after seconds */
    MFA_ABSENT     /* the account has no confirmed factor */
} mfa_result;

/*
 * Check code (TOTP) or recovery (a recovery code) for the account's
 * confirmed factor at now; spends what matched, counts what did not.
 * confirmed false: check the pending enrolment's secret instead (its first
 * code). Returns the database's code; the verdict is in *res.
 */
ts_code mfa_check(db_conn *c, const ident_settings *st, int64_t account_id, bool confirmed,
                  const char *code, const char *recovery, int64_t now, mfa_result *res,
                  int *retry_after, ts_err *err);

/* Does the account have a confirmed factor? */
ts_code mfa_enrolled(db_conn *c, int64_t account_id, bool *yes, ts_err *err);

/* Replace the account's recovery codes with MFA_RECOVERY_CODES new ones,
 * written into codes (shown once; only their SHA-256 is stored). */
ts_code mfa_recovery_renew(db_conn *c, int64_t account_id,
                           char codes[MFA_RECOVERY_CODES][MFA_RECOVERY_LEN + 1], ts_err *err);

/* Forget the account's factor and recovery codes; *had: there was one. */
ts_code mfa_delete(db_conn *c, int64_t account_id, bool *had, ts_err *err);

#endif
