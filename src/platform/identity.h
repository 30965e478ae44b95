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
#define IDENT_MESSAGES(X)                                                                                                           \
    X(M_PASSWORD_TOO_SHORT,                                                                                                         \
      "Mật khẩu phải có ít nhất 12 ký tự (có thể dùng dấu cách và chữ có dấu).",                                                    \
      "A password needs at least 12 characters (spaces and accented letters are fine).")                                            \
    X(M_PASSWORD_TOO_LONG, "Mật khẩu quá dài (tối đa 128 ký tự).",                                                                  \
      "The password is too long (at most 128 characters).")                                                                         \
    X(M_PASSWORD_HAS_USERNAME, "Mật khẩu không được chứa tên đăng nhập.",                                                           \
      "The password must not contain the username.")                                                                                \
    X(M_PASSWORD_HAS_NAME, "Mật khẩu không được chứa họ tên hoặc địa chỉ thư điện tử của bạn.",                                     \
      "The password must not contain your name or e-mail address.")                                                                 \
    X(M_PASSWORD_COMMON,                                                                                                            \
      "Mật khẩu quá phổ biến hoặc quá đơn giản (một từ trong từ điển, ký tự lặp lại, dãy phím), " \
      "dễ bị đoán; hãy chọn mật khẩu khác.",                                                                                        \
      "This password is too common or too simple (a dictionary word, repeated characters, a "                                       \
      "keyboard run) and easy to guess; choose another.")                                                                           \
    X(M_LOGIN_FAILED, "Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")                                     \
    X(M_LOGIN_LOCKED, "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau %s giây.",                                                 \
      "Too many failed sign-ins; try again in %s seconds.")                                                                         \
    X(M_REGISTER_LIMITED,                                                                                                           \
      "Đã có quá nhiều đăng ký tài khoản từ địa chỉ này; vui lòng thử lại "                                \
      "sau %s giây.",                                                                                                               \
      "Too many registrations from this address; try again in %s seconds.")                                                         \
    X(M_SESSION_INVALID, "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",                                   \
      "The session is invalid or has expired; please sign in again.")                                                               \
    X(M_TOKEN_INVALID, "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.",                                                  \
      "The access token is invalid, expired or revoked.")                                                                           \
    X(M_CSRF, "Thiếu hoặc sai mã chống giả mạo yêu cầu (X-CSRF-Token).",                                                            \
      "Missing or wrong anti-forgery token (X-CSRF-Token).")                                                                        \
    X(M_ROLE_UNKNOWN, "Vai trò không hợp lệ; dùng một trong: %s.",                                                                  \
      "Unknown role; use one of: %s.")                                                                                              \
    X(M_TOKEN_OWNER,                                                                                                                \
      "Mã truy cập không còn hiệu lực: tài khoản sở hữu đã bị khoá hoặc không còn giữ vai trò "         \
      "của mã.",                                                                                                                    \
      "The access token no longer works: its owner account is disabled or no longer holds its "                                     \
      "roles.")                                                                                                                     \
    X(M_TOKEN_PURPOSE, "Mã truy cập này không được cấp cho mục đích %s.",                                                           \
      "This access token was not made for %s.")                                                                                     \
    X(M_TOKEN_OPEN311_ONLY, "Mã truy cập này chỉ dùng làm api_key của Open311 (/open311/v2/).",                                     \
      "This access token works only as Open311's api_key (/open311/v2/).")                                                          \
    X(M_BEARER_THROTTLED,                                                                                                           \
      "Có quá nhiều mã truy cập sai từ địa chỉ này; vui lòng thử lại sau %s giây.",                                                 \
      "Too many wrong access tokens from this address; try again in %s seconds.")                                                   \
    X(M_BOOTSTRAP_RETIRED,                                                                                                          \
      "Mã quản trị khởi tạo đã ngừng hiệu lực vì đã có tài khoản quản trị hệ thống; hãy đăng "   \
      "nhập "                                                                                                                     \
      "bằng tài khoản đó (hoặc đặt admin_token_after_setup).",                                                                      \
      "The bootstrap admin token is retired now that a system administrator account exists; sign "                                  \
      "in with that account (or set admin_token_after_setup).")                                                                     \
    IDENT_MFA_MESSAGES(X)
/* Of the second step of sign-in and of restricted sessions (decisions §29). */
#define IDENT_MFA_MESSAGES(X)                                                                                                \
    X(M_MFA_CHALLENGE_INVALID,                                                                                               \
      "Phiên xác thực hai lớp không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",                                        \
      "The two-factor sign-in step is invalid or has expired; please sign in again.")                                        \
    X(M_MFA_CODE_WRONG, "Mã xác thực không đúng hoặc đã được dùng.",                                                         \
      "The verification code is wrong or was already used.")                                                                 \
    X(M_MFA_CODE_REQUIRED, "Nhập mã xác thực (6 chữ số) hoặc một mã khôi phục.",                                             \
      "Enter the verification code (6 digits) or a recovery code.")                                                          \
    X(M_MFA_LIMITED, "Nhập sai mã xác thực quá nhiều lần; vui lòng thử lại sau %s giây.",                                    \
      "Too many wrong verification codes; try again in %s seconds.")                                                         \
    X(M_RESTRICTED_PASSWORD,                                                                                                 \
      "Mật khẩu này do quản trị viên đặt tạm thời: hãy đổi mật khẩu trước khi làm việc khác.",                               \
      "This password was set by an administrator: change it before doing anything else.")                                    \
    X(M_RESTRICTED_MFA,                                                                                                      \
      "Vai trò của bạn bắt buộc xác thực hai lớp: hãy đăng ký ứng dụng xác thực trước khi làm " \
      "việc khác.",                                                                                                          \
      "Your role requires two-factor authentication: enrol an authenticator app before doing "                               \
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
#define SESSION_COOKIE_SECURE "__Host-tinhso_session" /* over TLS */

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
    int64_t owner_id;          /* API tokens: the account the token belongs to */
    int64_t token_expires_at;  /* API tokens: epoch seconds */
    bool token_mint;           /* API tokens: may create tokens (for the same owner) */
    const char *token_purpose; /* API tokens: what it was made for (ident_purpose_is) */
    int ngrants;
    ident_grant *grants;
    const char *email, *phone;           /* sessions: the contacts as typed (NULL: none) */
    bool email_verified, phone_verified; /* proven with a code; else trusted for nothing */
    const char *restricted; /* sessions: NULL, or what must be done before anything else:
                               IDENT_MUST_CHANGE_PASSWORD or IDENT_MUST_ENROL_MFA */
    bool mfa;               /* sessions: the account has a second factor */
} ident_principal;

#define IDENT_MUST_CHANGE_PASSWORD "password_change"
#define IDENT_MUST_ENROL_MFA "mfa_enrol"

typedef struct ident_settings {
    int64_t idle_s;            /* session idle timeout (default 30 min) */
    int64_t max_s;             /* session absolute lifetime (default 12 h) */
    int login_free_failures;   /* per (username, address) before delays begin (default 3) */
    int login_max_failures;    /* per username, every address: then its failing addresses
                                  are slowed (default 10) */
    int login_ip_max_failures; /* distinct usernames failed from one address: then that
                                  address is slowed (default 20) */
    int lock_s;                /* first delay; doubles per further failure (default 5 s) */
    int lock_max_s;            /* longest delay (default 15 min) */
    int window_s;              /* failures older than this are forgotten (default 15 min) */
    int register_ip_max;       /* registrations per client address per hour (default 100) */
    int bearer_max_failures;   /* wrong bearer tokens per address before a lock (default 10) */
    unsigned mfa_roles;        /* roles (ident_role_bit) that must have a second factor
                                  (default agency_admin, system_admin) */
    char mfa_key_file[256];    /* file of the key sealing TOTP secrets ("" = none) */
    unsigned char mfa_key[32]; /* its key, when mfa_key_set */
    bool mfa_key_set;
    int64_t reset_link_s; /* a password-reset link's life (default 24 h) */
} ident_settings;

void ident_settings_defaults(ident_settings *s);

/* A root agency's path ("/7/", or "/" for everything): where system_admin
 * may be held. A system_admin grant anywhere else counts as agency_admin. */
bool ident_path_is_root(const char *path);

/* The bootstrap principal (system_admin on "/"). */
void ident_bootstrap(ident_principal *p);

/*
 * Resolve a session cookie value. TS_OK with p filled, TS_EUNAUTH
 * (M_SESSION_INVALID) when unknown, expired or the account is disabled.
 * Touches last_seen at most once a minute (less for short idle timeouts).
 */
ts_code ident_session_resolve(db_conn *c, arena *a, const ident_settings *st, const char *cookie,
                              ident_principal *p, ts_err *err);
/*
 * Resolve an API token (with prefix). TS_EUNAUTH: M_TOKEN_INVALID when
 * unknown, revoked or expired; M_TOKEN_OWNER when its owner account is
 * disabled or holds none of the token's roles any more. The grants are
 * the token's permissions (roles on its agency) that its owner holds there
 * now: a token never grants more than its owner at the time of use.
 * Records last_used_at at most once a minute.
 */
ts_code ident_token_resolve(db_conn *c, arena *a, const char *token, ident_principal *p,
                            ts_err *err);
/* A token's purpose says what it was made for, in free text ("Đồng bộ
 * tài khoản"); a few doors take only tokens made for them, named by one
 * word: the purpose, trimmed and in ASCII case folded, is that word
 * ("open311", "Open311"; not "open311 test"). */
#define IDENT_PURPOSE_OPEN311 "open311"
bool ident_purpose_is(const char *purpose, const char *word);
/* Load an account's grants into p. */
ts_code ident_load_grants(db_conn *c, arena *a, int64_t account_id, ident_principal *p,
                          ts_err *err);

/* The enabled accounts that hold role itself (a system_admin is not
 * listed) on the agency at agency_path or one of its ancestors, by name, at
 * most IDENT_HOLDERS_MAX: whom a piece of work may be given to. */
typedef struct ident_holder {
    int64_t id;
    const char *username, *full_name;
} ident_holder;
#define IDENT_HOLDERS_MAX 500
ts_code ident_role_holders(db_conn *c, arena *a, const char *role, const char *agency_path,
                           ident_holder **out, int *n, ts_err *err);

/* The role grant g carries (system_admin below a root agency: agency_admin). */
const char *ident_grant_role(const ident_grant *g);
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
 * Sign in: ident_throttle_take first (TS_ERATELIMIT with retry_after, even
 * for the right password, when this username and address must wait; the
 * try is counted before the hash), then verifies the password (a dummy
 * verify for unknown usernames, so timing does not tell), audits a failure
 * (auth.login_failed) or, on success, uncounts the try and creates a
 * session (auth.login). Unknown user, wrong password and disabled account
 * give the same TS_EUNAUTH / M_LOGIN_FAILED. The session
 * records ip and user_agent (the owner's list of sessions shows them).
 */
ts_code ident_login(db_conn *c, arena *a, const ident_settings *st, const char *username,
                    const char *password, const char *ip, const char *user_agent,
                    ident_login_result *out, ts_err *err);
/* A User-Agent as a session records it: at most 256 bytes, cut between
 * UTF-8 characters, in a (NULL for none). */
const char *ident_user_agent(arena *a, const char *ua);

/* Does an enabled account hold system_admin on a root agency? (The bootstrap
 * token retires then.) */
ts_code ident_system_admin_exists(db_conn *c, bool *exists, ts_err *err);

/*
 * Wrong bearer tokens, per client address, in login_throttle ("bearer:ADDR",
 * shared by every process; platform/bearer.c). ident_bearer_locked: the
 * seconds left of the address's lock (0: none). ident_bearer_fail: count one
 * failure and log it; from the st->bearer_max_failures-th within
 * st->window_s the address is locked for st->lock_s, doubling with each
 * further failure up to st->lock_max_s (*retry_after: the lock, 0: none).
 */
ts_code ident_bearer_locked(db_conn *c, const char *ip, int *retry_after, ts_err *err);
ts_code ident_bearer_fail(db_conn *c, const ident_settings *st, const char *ip, int *retry_after,
                          ts_err *err);

/*
 * The password throttle (sign-in and the old password of a change; see
 * docs/decisions.md §31). Checks the delays of (username, ip) and, when
 * none applies, counts this try as a failure, in one write transaction of
 * its own, before the caller spends a password hash: parallel tries cannot
 * overshoot the limits. TS_ERATELIMIT (M_LOGIN_LOCKED, *retry_after
 * seconds) when the try must wait; nothing is counted then. what names the
 * door ("sign-in", "password change") for ident_throttle_event.
 */
ts_code ident_throttle_take(db_conn *c, const ident_settings *st, const char *what,
                            const char *username, const char *ip, int *retry_after, ts_err *err);
/* Uncount the tries of (username, ip) once a password was right, and forget
 * failures older than the window; inside the write that acts on it. */
ts_code ident_throttle_clear(db_conn *c, const ident_settings *st, const char *username,
                             const char *ip, ts_err *err);
/* A throttle decision: a try of what refused for retry_after seconds by rule
 * ("pair", "username", "address"). The one call site of the security-event
 * log (issue 8 item 12); a warning in the server log today. */
void ident_throttle_event(const char *what, const char *username, const char *ip, const char *rule,
                          int retry_after);

/*
 * The second step of a sign-in whose ident_login answered an mfa_challenge:
 * a TOTP code (never one already used) or an unused recovery code (then
 * spent). The challenge lives 5 minutes and allows 5 wrong codes; an
 * account allows 10 wrong codes per 15 minutes (TS_ERATELIMIT). TS_EUNAUTH
 * M_MFA_CHALLENGE_INVALID or M_MFA_CODE_WRONG. A wrong code is a security
 * event (security.mfa_failed, aggregated per address and minute), the
 * account's limit a throttling one; success is auth.login (and
 * mfa.recovery_used).
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
