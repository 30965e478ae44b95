/*
 * accounts — people who sign in (citizens and businesses, officers), their
 * role grants on agencies, API tokens for machine clients, the audit-log
 * listing, and the demo sign-ins. Sign-in and sessions themselves live in
 * platform/identity.h (the HTTP layer needs them before any domain runs).
 *
 * Every writing function takes the context of the call (platform/ctx.h):
 * it checks inside its own transaction that the actor may do it (who may
 * administer whom, docs/decisions.md §13), and records the actor in the
 * audit chain (never a password or a token). The CLI acts as ts_operator.
 */
#ifndef TS_ACCOUNTS_H
#define TS_ACCOUNTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../db/db.h"
#include "../../lib/arena.h"
#include "../../platform/ctx.h"

/* Messages (vi, en) of this module; see err.h. */
#define ACCOUNTS_MESSAGES(X)                                                                                                    \
    X(M_PASSWORD_WRONG, "Mật khẩu hiện tại không đúng.", "The current password is wrong.")                                      \
    X(M_USERNAME_FORMAT,                                                                                                        \
      "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, chữ số, dấu . _ - @ +.",                                             \
      "A username has 3–64 characters: lower-case letters, digits, . _ - @ +.")                                                 \
    X(M_USERNAME_TAKEN, "Tên đăng nhập %s đã được sử dụng.", "The username %s is already taken.")                               \
    X(M_ROLE_NOT_ALLOWED, "Bạn không thể cấp vai trò %s.", "You cannot grant the role %s.")                                     \
    X(M_ACCOUNT_NOT_FOUND, "Không tìm thấy tài khoản %s.", "Account %s not found.")                                             \
    X(M_TOKEN_NOT_FOUND, "Không tìm thấy mã truy cập %s.", "Access token %s not found.")                                        \
    X(M_SESSION_ONLY, "Thao tác này cần đăng nhập bằng tài khoản.",                                                             \
      "This needs a signed-in account.")                                                                                        \
    X(M_GRANT_EXISTS, "Tài khoản đã có vai trò %s tại cơ quan này.",                                                            \
      "The account already holds the role %s on this agency.")                                                                  \
    X(M_GRANT_NOT_FOUND, "Không tìm thấy quyền %s của tài khoản.",                                                              \
      "Grant %s of this account not found.")                                                                                    \
    X(M_ACCOUNT_SELF_DISABLE, "Bạn không thể tự khoá tài khoản của mình.",                                                      \
      "You cannot disable your own account.")                                                                                   \
    X(M_GRANT_OFFICER_ONLY, "Chỉ tài khoản cán bộ mới được cấp vai trò.",                                                       \
      "Roles can only be granted to officer accounts.")                                                                         \
    X(M_CONTACT_NONE, "Tài khoản chưa có %s để xác minh.", "The account has no %s to verify.")                                  \
    X(M_CONTACT_CODE_INVALID,                                                                                                   \
      "Mã xác minh không đúng, đã hết hạn hoặc đã thử sai quá nhiều lần; hãy xin mã mới.",                                      \
      "The verification code is wrong, expired or tried too often; ask for a new one.")                                         \
    X(M_SESSION_NOT_FOUND, "Không tìm thấy phiên đăng nhập %s của bạn.",                                                        \
      "You have no session %s.")                                                                                                \
    X(M_ROLE_ROOT_ONLY,                                                                                                         \
      "Vai trò system_admin chỉ được cấp tại cơ quan gốc (cấp tỉnh); tại cơ quan khác hãy cấp "        \
      "agency_admin.",                                                                                                          \
      "The role system_admin can only be granted on the root agency (the province); grant "                                     \
      "agency_admin on other agencies.")                                                                                        \
    X(M_TOKEN_NO_OWNER,                                                                                                         \
      "Mã quản trị khởi tạo không tạo được mã truy cập: mã phải thuộc một tài khoản; hãy đăng " \
      "nhập bằng tài khoản quản trị.",                                                                                          \
      "The bootstrap token cannot make API tokens: a token belongs to an account; sign in as an "                               \
      "administrator.")                                                                                                         \
    X(M_TOKEN_ROLE_NOT_HELD,                                                                                                    \
      "Chủ mã không giữ vai trò %s tại cơ quan này nên mã không thể mang vai trò đó.",                                          \
      "The token's owner does not hold the role %s on this agency, so the token cannot carry it.")                              \
    X(M_TOKEN_NO_MINT, "Mã truy cập này không được tạo để cấp mã truy cập khác.",                                               \
      "This access token was not made to create other tokens.")                                                                 \
    X(M_TOKEN_EXPIRY, "Thời hạn của mã phải sau thời điểm hiện tại và không quá %s.",                                           \
      "The expiry must be in the future and at most %s.")                                                                       \
    X(M_RESET_LINK_INVALID,                                                                                                     \
      "Liên kết đặt lại mật khẩu không hợp lệ, đã được dùng hoặc đã hết hạn.",                                                  \
      "The password-reset link is invalid, already used or expired.")
ACCOUNTS_MESSAGES(TS_MSG_EXTERN)
/* NULL-terminated, for the message checks. */
extern const ts_msg accounts_messages[];

#define ACCOUNT_NAME_MAX 200
#define ACCOUNT_USERNAME_MAX 64
#define TOKEN_NAME_MAX 100
#define TOKEN_PURPOSE_MAX 500
#define TOKEN_DEFAULT_DAYS 90 /* a token's life when none is asked for */
#define TOKEN_MAX_DAYS 366    /* the longest: one year (a leap year's too) */

/* The kinds of account, NULL-terminated: citizen (and businesses), officer. */
extern const char *const account_kinds[];

typedef struct account {
    int64_t id;
    const char *username, *kind, *full_name, *email, *phone;
    int disabled;
    const char *created_at;
    int email_verified, phone_verified; /* 0 until proven with a code: trusted for nothing */
} account;

typedef struct account_new {
    const char *username; /* required: an unverified e-mail or phone is never a sign-in name */
    const char *kind;     /* citizen | officer */
    const char *full_name, *email, *phone;
    const char *password; /* checked against the rules, then hashed */
    const char *role;     /* optional grant: role on agency_code */
    const char *agency_code;
} account_new;

/*
 * Create an account (and its grant). Field errors are TS_EVALIDATION naming
 * the field (password rules included); a taken username is TS_ECONFLICT
 * naming "username". Audited as account.create (agency = the grant's).
 */
ts_code accounts_create(ts_ctx *x, const account_new *in, account *out);

/* Agency path of a code (for permission checks); TS_ENOTFOUND when absent. */
ts_code accounts_agency_path(db_conn *c, arena *a, const char *code, int64_t *id, const char **path,
                             ts_err *err);

/* The client of a password change, for the password throttle. */
typedef struct account_pw_client {
    const ident_settings *st; /* the throttle's limits */
    const char *ip;           /* the client address */
    int retry_after;          /* out: seconds, when TS_ERATELIMIT */
} account_pw_client;

/*
 * Change a password after checking the old one. A new password that breaks
 * the rules is refused first (422 naming new_password; the old one is not
 * tried). The old one goes through the sign-in throttle on (username,
 * cl->ip), counted before its hash (TS_ERATELIMIT, cl->retry_after); a
 * wrong one is audited (auth.password_change_failed) and answered 422
 * naming old_password. Revokes every other session of the account.
 * Audited as account.password_change.
 */
ts_code accounts_change_password(ts_ctx *x, int64_t account_id, const char *old_pw,
                                 const char *new_pw, int64_t keep_session_id,
                                 account_pw_client *cl);

/* The one serializer of an account, into a stream without its closing
 * brace; and the same object as a tree (audit summaries). */
struct jsonw;
void account_write_json(struct jsonw *w, const account *ac);
json_t *account_to_json(const account *ac);

/* --- administration (agency admins and system admins) --- */

typedef struct account_grant {
    int64_t id;
    const char *role, *agency_code, *agency_name, *agency_path;
} account_grant;

typedef struct account_view {
    account ac;
    int ngrants;
    account_grant *grants; /* ordered by agency path, role */
} account_view;

/* account_write_json plus "grants":[{id, role, agency_code, agency_name}]
 * (without the closing brace). */
void account_view_write_json(struct jsonw *w, const account_view *v);

/* One account with its grants, when the actor may see it (a system admin,
 * or agency_admin over one of its grants): else TS_EFORBIDDEN. */
ts_code accounts_view(ts_ctx *x, int64_t id, account_view *out);
/* One account with its grants; TS_ENOTFOUND (M_ACCOUNT_NOT_FOUND) when absent. */
ts_code accounts_get(db_conn *c, arena *a, int64_t id, account_view *out, ts_err *err);
/* One account with its grants, when the actor may manage (change) it: else
 * TS_EFORBIDDEN; for the rules of other domains (mfa reset). */
ts_code accounts_load_managed(ts_ctx *x, int64_t id, account_view *out);

typedef struct account_query {
    const char *q;      /* diacritics-insensitive, on username and full name */
    const char *kind;   /* citizen | officer, or NULL */
    const char *agency; /* only accounts with a grant in this agency's subtree, or NULL */
    int64_t limit, offset;
} account_query;

/* A page of the accounts the actor may see (ordered by id) with their
 * grants, and the total count: a system admin sees everyone (citizens
 * too), an agency admin the people with a grant under theirs; an agency
 * filter out of the actor's reach is TS_EFORBIDDEN, an unknown one
 * TS_ENOTFOUND naming "agency". q matches the folded username and full
 * name (the search index). */
ts_code accounts_list(ts_ctx *x, const account_query *q, account_view **items, int *n,
                      int64_t *total);
/* Give accounts written before migration 006 their search key (batches of
 * 500, each its own transaction); *filled = how many. Idempotent, cheap
 * when there is nothing to do (a partial index finds the rows). */
ts_code accounts_fill_search_keys(db_conn *c, int *filled, ts_err *err);

typedef struct account_patch {
    bool set_full_name, set_email, set_phone, set_disabled;
    const char *full_name, *email, *phone; /* email/phone NULL = clear */
    bool disabled;
} account_patch;

/*
 * Change profile fields and the disabled flag; disabling deletes every
 * session of the account. Audited as account.update (the changed fields).
 */
ts_code accounts_update(ts_ctx *x, int64_t id, const account_patch *p, account_view *out);

/* Add a role grant (409 when it exists, officer accounts only); revokes the
 * account's sessions. Audited as account.grant_add. */
ts_code accounts_grant_add(ts_ctx *x, int64_t id, const char *role, const char *agency_code,
                           account_view *out);
/* Remove a grant of the account (404 when it has no such grant); revokes its
 * sessions. Audited as account.grant_remove. */
ts_code accounts_grant_remove(ts_ctx *x, int64_t id, int64_t grant_id);
/* Set a new password (rules checked, 422 naming "password"); revokes every
 * session. Set by an administrator it is temporary: the next session may
 * only change it (decisions §29). Audited as account.password_reset (never
 * the password). */
ts_code accounts_reset_password(ts_ctx *x, int64_t id, const char *password);

/*
 * A single-use link for the person to set their own password: token (44
 * bytes) gets its secret, shown once (only its SHA-256 is stored), valid
 * ttl_s seconds (*expires_at, epoch); it voids the account's earlier links.
 * Needs the right to manage the account. Audited as
 * account.password_reset_link (never the token).
 */
ts_code accounts_reset_link(ts_ctx *x, int64_t id, int64_t ttl_s, char token[44],
                            int64_t *expires_at);
/* The same for the account signing in as username (the console's way;
 * 404 M_ACCOUNT_NOT_FOUND naming it when there is none). */
ts_code accounts_reset_link_for(ts_ctx *x, const char *username, int64_t ttl_s, char token[44],
                                int64_t *expires_at);
/* Set the password of the link's account (rules checked, 422 naming
 * new_password) and spend the link (422 naming "token" when unknown, used,
 * expired or the account disabled); revokes every session. Audited as
 * account.password_reset_used. */
ts_code accounts_reset_with_link(ts_ctx *x, const char *token, const char *new_pw);

/* --- API tokens --- */

typedef struct api_token {
    int64_t id;
    const char *name, *purpose;
    const char *agency_code, *agency_path, *permissions; /* comma-separated roles */
    const char *created_at, *created_by;
    int64_t owner_id;     /* the account it belongs to (0: none, a revoked old token) */
    const char *owner;    /* its username */
    bool mint;            /* may create tokens */
    int64_t expires_at;   /* epoch seconds */
    bool expired;         /* expires_at has passed */
    int64_t last_used_at; /* epoch seconds, 0 = never */
    int64_t revoked_at;   /* epoch seconds, 0 = active */
} api_token;

typedef struct token_new {
    const char *name, *purpose, *agency_code;
    const char *permissions; /* comma-separated roles */
    const char *expires_at;  /* "YYYY-MM-DD" or an ISO date-time; NULL: in 90 days */
    bool mint;               /* may create tokens itself */
    const char *owner;       /* the console (ts_operator) only: the owner's username */
} token_new;

/*
 * Create a token scoped to in->agency_code with in->permissions. It belongs
 * to the caller's account (a token made to mint: that token's owner; the
 * console: in->owner); the bootstrap token has no account and gets 403
 * (M_TOKEN_NO_OWNER), a token not made to mint 403 (M_TOKEN_NO_MINT). Each
 * permission must be a role the actor may grant there and the owner holds
 * there (422 naming permissions); system_admin only on a root agency. The
 * expiry defaults to 90 days, at most 366 (422 naming expires_at); a token
 * made by a token does not outlive it (by default it ends with it). token_out (>= 48 bytes) gets
 * the secret, shown once: only its SHA-256 is stored. Audited as token.create.
 */
ts_code tokens_create(ts_ctx *x, const token_new *in, char *token_out, api_token *out);
ts_code tokens_get(db_conn *c, arena *a, int64_t id, api_token *out, ts_err *err);
/* Revoke (idempotent); audited as token.revoke. */
ts_code tokens_revoke(ts_ctx *x, int64_t id);
/* The tokens the actor administers (a system admin: all; an agency admin:
 * those on agencies under theirs), newest first, at most 1000. */
ts_code tokens_list(ts_ctx *x, api_token **out, int *n);
/* The one serializer of a token (never its secret), without the closing brace. */
void token_write_json(struct jsonw *w, const api_token *t);

/* --- a person's own sessions (ASVS 3.3.4; sessions.c) --- */

typedef struct session_info {
    int64_t id;
    int64_t created_at, last_seen, expires_at; /* epoch seconds */
    const char *ip, *user_agent;               /* as recorded at sign-in (NULL: unknown) */
    const char *browser, *os;                  /* read from user_agent ("" when unknown) */
    int current;                               /* 1: the session making the request */
} session_info;

/* The signed-in account's live sessions, the newest first (403 M_SESSION_ONLY
 * for a token or the bootstrap token). */
ts_code sessions_list(ts_ctx *x, const ident_settings *st, session_info **out, int *n);
/* End one of the caller's own sessions (404 M_SESSION_NOT_FOUND for anyone
 * else's); audited as auth.session_end. */
ts_code sessions_end(ts_ctx *x, int64_t id);
/* End every other session of the caller; *ended = how many. Audited as
 * auth.sessions_end_others. */
ts_code sessions_end_others(ts_ctx *x, int *ended);
/* The one serializer of a session, without the closing brace. */
void session_write_json(struct jsonw *w, const session_info *s);

/* --- audit log listing --- */

typedef struct audit_query {
    const char *object_type, *object_id, *actor, *from, *to;
    int64_t limit, offset;
} audit_query;

/* The audit entries the actor may read (a system admin: all; an agency
 * admin: those of agencies under theirs), newest first, written into w:
 * {items:[{seq, at, actor, agency, action, object_type, object_id, summary}], total} */
ts_code audit_list(ts_ctx *x, const audit_query *q, struct jsonw *w);

/* --- demo --- */

#define DEMO_PASSWORD "TinhSo@2025demo"

typedef struct accounts_demo_result {
    int inserted, unchanged;
} accounts_demo_result;

/* The demo sign-ins (idempotent: existing accounts keep their password). */
ts_code accounts_demo(db_conn *c, const char *actor, accounts_demo_result *res, ts_err *err);
/* Print the demo sign-ins (username, name, role, agency) to f. */
void accounts_demo_print(db_conn *c, void *file);

/* ---- contacts: e-mail and phone proven with a one-time code (contacts.c) ---- */

#define ACCOUNT_CODE_DIGITS 8

/* "email" or "phone". */
bool accounts_channel_valid(const char *channel);
/*
 * A new one-time code (ACCOUNT_CODE_DIGITS digits, 24 hours, 5 tries) for
 * the contact username has on channel, replacing any earlier one; only its
 * SHA-256 is stored. Audited (account.contact_code, without the code).
 * For the operator's CLI today; the notification outbox will send it.
 */
ts_code accounts_contact_code(ts_ctx *x, const char *username, const char *channel,
                              char code[ACCOUNT_CODE_DIGITS + 1]);
/*
 * Mark username's contact on channel verified when code is its current
 * code, made for the contact the account still has (422 naming code
 * otherwise; a wrong try is counted). Audited (account.contact_verified).
 * Changing the contact makes it unverified again (accounts_update).
 */
ts_code accounts_contact_verify(ts_ctx *x, const char *username, const char *channel,
                                const char *code);

#endif
