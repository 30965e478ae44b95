/*
 * mfa — a person's second factor (decisions §29): enrolment (a TOTP secret
 * shown as an otpauth:// URI and a QR code, confirmed by a first code, then
 * ten recovery codes shown once), its removal by its owner (with a current
 * code) and its reset by an administrator who may manage the account
 * (accounts_load_managed, decisions §13). Each change is audited.
 */
#ifndef TS_MFA_DOMAIN_H
#define TS_MFA_DOMAIN_H

#include "../../platform/ctx.h"
#include "../../platform/mfa.h"

#define MFA_MESSAGES(X)                                                                            \
    X(M_MFA_ALREADY, "Tài khoản đã có xác thực hai lớp; hãy gỡ nó trước khi đăng ký lại.",         \
      "The account already has two-factor authentication; remove it before enrolling again.")      \
    X(M_MFA_NOT_ENROLLED, "Tài khoản chưa đăng ký xác thực hai lớp.",                              \
      "The account has no two-factor authentication.")                                             \
    X(M_MFA_NOT_STARTED, "Hãy bắt đầu đăng ký (tạo mã bí mật) trước khi xác nhận.",                \
      "Start the enrolment (make a secret) before confirming it.")                                 \
    X(M_MFA_SESSION_ONLY, "Xác thực hai lớp chỉ dành cho tài khoản đã đăng nhập.",                 \
      "Two-factor authentication is for signed-in accounts only.")
MFA_MESSAGES(TS_MSG_EXTERN)
extern const ts_msg mfa_messages[];

#define MFA_ISSUER "tinhso"

typedef struct mfa_status {
    bool enrolled, pending, required; /* required: a role of the account needs it */
    int recovery_left;                /* unused recovery codes */
    const char *confirmed_at;
} mfa_status;

/* The factor of the signed-in person x->who. */
ts_code mfa_status_get(ts_ctx *x, const ident_settings *st, mfa_status *out);

typedef struct mfa_enrolment {
    const char *secret; /* base32, for typing into an app */
    const char *uri;    /* otpauth://totp/... */
    const char *qr_svg; /* the URI as a QR code */
} mfa_enrolment;

/* Make a new secret for x->who (replacing an unconfirmed one); 409
 * M_MFA_ALREADY when a factor is confirmed. */
ts_code mfa_enrol_begin(ts_ctx *x, const ident_settings *st, mfa_enrolment *out);

/* Confirm the pending secret with its first code (422 naming "code" when
 * wrong): the factor is on, codes gets the recovery codes (shown once).
 * Audited as mfa.enrol. */
ts_code mfa_enrol_confirm(ts_ctx *x, const ident_settings *st, const char *code,
                          char codes[MFA_RECOVERY_CODES][MFA_RECOVERY_LEN + 1]);

/* Remove x->who's own factor with a current code or a recovery code (422
 * naming the field when wrong, 429 after too many). Audited as mfa.remove. */
ts_code mfa_remove_own(ts_ctx *x, const ident_settings *st, const char *code,
                       const char *recovery_code, int *retry_after);

/* An administrator who may manage account id removes its factor and ends
 * its sessions: it enrols again at its next sign-in. 404 when it has none.
 * Audited as mfa.reset. */
ts_code mfa_reset(ts_ctx *x, int64_t id);

#endif
