/*
 * identity — who is asking: accounts, role grants scoped to an agency
 * subtree, sessions (cookie), API tokens (bearer), sign-in with throttling.
 * The HTTP layer resolves a principal with these functions before a
 * handler runs; domains ask ident_has_role. Secrets are stored only as
 * Argon2id hashes (passwords) or SHA-256 (tokens); see password.h.
 */
#ifndef TS_IDENTITY_H
#define TS_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"
#include "../lib/arena.h"
#include "../lib/validate.h"

/* Messages (vi, en) of this module; see err.h. */
#define IDENT_MESSAGES(X)                                                                            \
    X(M_PASSWORD_TOO_SHORT, "Mật khẩu phải có ít nhất 10 ký tự.",                                    \
      "A password needs at least 10 characters.")                                                    \
    X(M_PASSWORD_TOO_LONG, "Mật khẩu quá dài (tối đa 256 byte).",                                    \
      "The password is too long (at most 256 bytes).")                                               \
    X(M_PASSWORD_HAS_USERNAME, "Mật khẩu không được chứa tên đăng nhập.",                            \
      "The password must not contain the username.")                                                 \
    X(M_PASSWORD_COMMON, "Mật khẩu quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.",               \
      "This password is too common and easy to guess; choose another.")                              \
    X(M_LOGIN_FAILED, "Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")      \
    X(M_LOGIN_LOCKED, "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau %s giây.",                  \
      "Too many failed sign-ins; try again in %s seconds.")                                          \
    X(M_REGISTER_LIMITED,                                                                            \
      "Đã có quá nhiều đăng ký tài khoản từ địa chỉ này; vui lòng thử lại " \
      "sau %s giây.",                                                                                \
      "Too many registrations from this address; try again in %s seconds.")                          \
    X(M_SESSION_INVALID, "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",    \
      "The session is invalid or has expired; please sign in again.")                                \
    X(M_TOKEN_INVALID, "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.",                   \
      "The access token is invalid, expired or revoked.")                                            \
    X(M_CSRF, "Thiếu hoặc sai mã chống giả mạo yêu cầu (X-CSRF-Token).",                             \
      "Missing or wrong anti-forgery token (X-CSRF-Token).")                                         \
    X(M_ROLE_UNKNOWN, "Vai trò không hợp lệ; dùng một trong: %s.", "Unknown role; use one of: %s.") \
    IDENT_MFA_MESSAGES(X)
/* Of the second step of sign-in and of restricted sessions (decisions §29). */
#define IDENT_MFA_MESSAGES(X)                                                                      \
    X(M_MFA_CHALLENGE_INVALID,                                                                     \
      "Phiên xác thực hai lớp không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",              \
      "The two-factor sign-in step is invalid or has expired; please sign in again.")             \
    X(M_MFA_CODE_WRONG, "Mã xác thực không đúng hoặc đã được dùng.",                               \
      "The verification code is wrong or was already used.")                                      \
    X(M_MFA_CODE_REQUIRED, "Nhập mã xác thực (6 chữ số) hoặc một mã khôi phục.",                   \
      "Enter the verification code (6 digits) or a recovery code.")                                \
    X(M_MFA_LIMITED, "Nhập sai mã xác thực quá nhiều lần; vui lòng thử lại sau %s giây.",          \
      "Too many wrong verification codes; try again in %s seconds.")                               \
    X(M_RESTRICTED_PASSWORD,                                                                       \
      "Mật khẩu này do quản trị viên đặt tạm thời: hãy đổi mật khẩu trước khi làm việc khác.",     \
      "This password was set by an administrator: change it before doing anything else.")        \
    X(M_RESTRICTED_MFA,                                                                            \
      "Vai trò của bạn bắt buộc xác thực hai lớp: hãy đăng ký ứng dụng xác thực trước khi làm "   \
      "việc khác.",                                                                                \
      "Your role requires two-factor authentication: enrol an authenticator app before doing "    \
      "anything else.")
IDENT_MESSAGES(TS_MSG_EXTERN)
/* NULL-terminated, for the message checks. */
extern const ts_msg ident_messages[];

#define ROLE_OFFICER "officer"
#define ROLE_AGENCY_ADMIN "agency_admin"
#define ROLE_LEADER "leader"
#define ROLE_SYSTEM_ADMIN "system_admin"
#define ROLE_LIST "officer, agency_admin, leader, system_admin"
#define API_TOKEN_PREFIX "tsk_"
#define SESSION_COOKIE "tinhso_session"

bool ident_role_valid(const char *role);
/* A role's bit in a set of roles (ident_settings.mfa_roles); 0 when unknown. */
unsigned ident_role_bit(const char *role);
/* A role name as a field format (M_ROLE_UNKNOWN naming ROLE_LIST). */
extern const ts_format FMT_ROLE;

typedef struct ident_grant {
    const char *role;
    int64_t agency_id;
    const char *agency_code, *agency_name, *agency_path; /* path '/1/5/'; "/" = everything */
} ident_grant;

typedef enum ident_kind {
    IDENT_NONE = 0,
    IDENT_SESSION,  /* a signed-in account (cookie) */
    IDENT_TOKEN,    /* an API token (bearer) */
    IDENT_BOOTSTRAP /* the operator's TINHSO_ADMIN_TOKEN: system_admin everywhere */
} ident_kind;

typedef struct ident_principal {
    ident_kind kind;
    int64_t account_id; /* sessions */
    const char *username, *full_name, *account_kind;
    int64_t session_id;
    const char *csrf;
    int64_t token_id; /* API tokens */
    const char *token_name;
    int ngrants;
    ident_grant *grants;
    const char *restricted; /* sessions: NULL, or what must be done before anything else:
                               IDENT_MUST_CHANGE_PASSWORD or IDENT_MUST_ENROL_MFA */
    bool mfa;               /* sessions: the account has a second factor */
} ident_principal;

#define IDENT_MUST_CHANGE_PASSWORD "password_change"
#define IDENT_MUST_ENROL_MFA "mfa_enrol"

typedef struct ident_settings {
    int64_t idle_s;            /* session idle timeout (default 30 min) */
    int64_t max_s;             /* session absolute lifetime (default 12 h) */
    int login_max_failures;    /* per username before a lock (default 5) */
    int login_ip_max_failures; /* per client address before a lock (default 50) */
    int lock_s;                /* first lock; doubles with each further failure (default 30) */
    int lock_max_s;            /* longest lock (default 15 min) */
    int window_s;              /* failures older than this are forgotten (default 15 min) */
    int register_ip_max;       /* registrations per client address per hour (default 100) */
    unsigned mfa_roles;        /* roles (ident_role_bit) that must have a second factor
                                  (default agency_admin, system_admin) */
    char mfa_key_file[256];    /* file of the key sealing TOTP secrets ("" = none) */
    unsigned char mfa_key[32]; /* its key, when mfa_key_set */
    bool mfa_key_set;
    int64_t reset_link_s;      /* a password-reset link's life (default 24 h) */
} ident_settings;

void ident_settings_defaults(ident_settings *s);

/* The bootstrap principal (system_admin on "/"). */
void ident_bootstrap(ident_principal *p);

/*
 * Resolve a session cookie value. TS_OK with p filled, TS_EUNAUTH
 * (M_SESSION_INVALID) when unknown, expired or the account is disabled.
 * Touches last_seen at most once a minute (less for short idle timeouts).
 */
ts_code ident_session_resolve(db_conn *c, arena *a, const ident_settings *st, const char *cookie,
                              ident_principal *p, ts_err *err);
/* Resolve an API token (with prefix). TS_EUNAUTH (M_TOKEN_INVALID) when unknown or revoked.
 * Records last_used_at at most once a minute. */
ts_code ident_token_resolve(db_conn *c, arena *a, const char *token, ident_principal *p,
                            ts_err *err);
/* Load an account's grants into p. */
ts_code ident_load_grants(db_conn *c, arena *a, int64_t account_id, ident_principal *p,
                          ts_err *err);

/* True when p holds role (system_admin counts for every role) on a grant whose
 * agency is agency_path or one of its ancestors; agency_path NULL = anywhere. */
bool ident_has_role(const ident_principal *p, const char *role, const char *agency_path);
/* "user:42", "token:7", "admin-token" — the audit actor. */
const char *ident_actor(arena *a, const ident_principal *p);

/* Normalise a sign-in name (trim, ASCII lower case); NULL when it has a bad shape. */
char *ident_username_norm(arena *a, const char *in);

typedef struct ident_login_result {
    char mfa_challenge[44]; /* non-empty: the password was right, a second factor is
                               awaited (ident_login_mfa); no session yet */
    char session_token[44]; /* cookie value */
    char csrf[44];
    int64_t account_id;
    int retry_after;           /* seconds, when TS_ERATELIMIT */
    ident_principal principal; /* the new session's, read in the sign-in transaction */
} ident_login_result;

/*
 * Sign in: checks the per-username and per-address locks (TS_ERATELIMIT
 * with retry_after, even for the right password), verifies the password
 * (a dummy verify for unknown usernames, so timing does not tell), counts
 * failures in the database and audits them (auth.login_failed), creates a
 * session on success (auth.login). Unknown user, wrong password and
 * disabled account give the same TS_EUNAUTH / M_LOGIN_FAILED.
 */
ts_code ident_login(db_conn *c, arena *a, const ident_settings *st, const char *username,
                    const char *password, const char *ip, ident_login_result *out, ts_err *err);

/*
 * The second step of a sign-in whose ident_login answered an mfa_challenge:
 * a TOTP code (never one already used) or an unused recovery code (then
 * spent). The challenge lives 5 minutes and allows 5 wrong codes; an
 * account allows 10 wrong codes per 15 minutes (TS_ERATELIMIT). TS_EUNAUTH
 * M_MFA_CHALLENGE_INVALID or M_MFA_CODE_WRONG; failures audited
 * (auth.mfa_failed), success as auth.login (and mfa.recovery_used).
 */
ts_code ident_login_mfa(db_conn *c, arena *a, const ident_settings *st, const char *challenge,
                        const char *code, const char *recovery_code, const char *ip,
                        ident_login_result *out, ts_err *err);

/* Delete a session (logout). */
ts_code ident_logout(db_conn *c, int64_t session_id, const char *actor, ts_err *err);

/* Delete an account's sessions except keep_session_id (0 = all); inside a transaction. */
ts_code ident_revoke_sessions(db_conn *c, int64_t account_id, int64_t keep_session_id, ts_err *err);

/*
 * Count one registration attempt from ip (each costs a password hash) and
 * refuse it with TS_ERATELIMIT (M_REGISTER_LIMITED, *retry_after seconds)
 * when the address already made st->register_ip_max this hour. Runs its
 * own write transaction; call before creating the account.
 */
ts_code ident_register_take(db_conn *c, const ident_settings *st, const char *ip, int *retry_after,
                            ts_err *err);

#endif
