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
#define ACCOUNTS_MESSAGES(X)                                                                       \
    X(M_PASSWORD_WRONG, "Mật khẩu hiện tại không đúng.", "The current password is wrong.")         \
    X(M_USERNAME_FORMAT,                                                                           \
      "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, chữ số, dấu . _ - @ +.",                \
      "A username has 3–64 characters: lower-case letters, digits, . _ - @ +.")                    \
    X(M_USERNAME_TAKEN, "Tên đăng nhập %s đã được sử dụng.", "The username %s is already taken.")  \
    X(M_ROLE_NOT_ALLOWED, "Bạn không thể cấp vai trò %s.", "You cannot grant the role %s.")        \
    X(M_ACCOUNT_NOT_FOUND, "Không tìm thấy tài khoản %s.", "Account %s not found.")                \
    X(M_TOKEN_NOT_FOUND, "Không tìm thấy mã truy cập %s.", "Access token %s not found.")           \
    X(M_SESSION_ONLY, "Thao tác này cần đăng nhập bằng tài khoản.",                                \
      "This needs a signed-in account.")                                                           \
    X(M_GRANT_EXISTS, "Tài khoản đã có vai trò %s tại cơ quan này.",                               \
      "The account already holds the role %s on this agency.")                                     \
    X(M_GRANT_NOT_FOUND, "Không tìm thấy quyền %s của tài khoản.",                                 \
      "Grant %s of this account not found.")                                                       \
    X(M_ACCOUNT_SELF_DISABLE, "Bạn không thể tự khoá tài khoản của mình.",                         \
      "You cannot disable your own account.")                                                      \
    X(M_GRANT_OFFICER_ONLY, "Chỉ tài khoản cán bộ mới được cấp vai trò.",                          \
      "Roles can only be granted to officer accounts.")                                            \
    X(M_RESET_LINK_INVALID,                                                                        \
      "Liên kết đặt lại mật khẩu không hợp lệ, đã được dùng hoặc đã hết hạn.",                     \
      "The password-reset link is invalid, already used or expired.")
ACCOUNTS_MESSAGES(TS_MSG_EXTERN)
/* NULL-terminated, for the message checks. */
extern const ts_msg accounts_messages[];

#define ACCOUNT_NAME_MAX 200
#define ACCOUNT_USERNAME_MAX 64
#define TOKEN_NAME_MAX 100

/* The kinds of account, NULL-terminated: citizen (and businesses), officer. */
extern const char *const account_kinds[];

typedef struct account {
    int64_t id;
    const char *username, *kind, *full_name, *email, *phone;
    int disabled;
    const char *created_at;
} account;

typedef struct account_new {
    const char *username; /* or NULL: the e-mail, else the phone digits */
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

/*
 * Change a password after checking the old one (422 naming old_password
 * when wrong); revokes every other session of the account. Audited as
 * account.password_change.
 */
ts_code accounts_change_password(ts_ctx *x, int64_t account_id, const char *old_pw,
                                 const char *new_pw, int64_t keep_session_id);

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
/* Set the password of the link's account (rules checked, 422 naming
 * new_password) and spend the link (422 naming "token" when unknown, used,
 * expired or the account disabled); revokes every session. Audited as
 * account.password_reset_used. */
ts_code accounts_reset_with_link(ts_ctx *x, const char *token, const char *new_pw);

/* --- API tokens --- */

typedef struct api_token {
    int64_t id;
    const char *name, *agency_code, *agency_path, *permissions; /* comma-separated roles */
    const char *created_at, *created_by;
    int64_t last_used_at; /* epoch seconds, 0 = never */
    int64_t revoked_at;   /* epoch seconds, 0 = active */
} api_token;

/*
 * Create a token scoped to agency_code with permissions (comma-separated
 * roles). token_out (>= 48 bytes) gets the secret, shown once: only its
 * SHA-256 is stored. Audited as token.create.
 */
ts_code tokens_create(ts_ctx *x, const char *name, const char *agency_code, const char *permissions,
                      char *token_out, api_token *out);
ts_code tokens_get(db_conn *c, arena *a, int64_t id, api_token *out, ts_err *err);
/* Revoke (idempotent); audited as token.revoke. */
ts_code tokens_revoke(ts_ctx *x, int64_t id);
/* The tokens the actor administers (a system admin: all; an agency admin:
 * those on agencies under theirs), newest first, at most 1000. */
ts_code tokens_list(ts_ctx *x, api_token **out, int *n);
/* The one serializer of a token (never its secret), without the closing brace. */
void token_write_json(struct jsonw *w, const api_token *t);

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

#endif
