/*
 * identity — principals, sessions, API tokens, sign-in; see identity.h.
 */
#include "identity.h"
#include "secev.h"
#include "../db/dbq.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../db/dbrow.h"
#include "../lib/log.h"
#include "../lib/timeutil.h"
#include "audit.h"
#include "mfa.h"
#include "password.h"

IDENT_MESSAGES(TS_MSG_DEFINE)
const ts_msg ident_messages[] = {IDENT_MESSAGES(TS_MSG_REF) NULL};

static const char *const roles[] = {ROLE_OFFICER, ROLE_AGENCY_ADMIN, ROLE_LEADER, ROLE_SYSTEM_ADMIN,
                                    NULL};

bool ident_role_valid(const char *role)
{
    if (!role) return false;
    for (int i = 0; roles[i]; i++)
        if (!strcmp(role, roles[i])) return true;
    return false;
}

unsigned ident_role_bit(const char *role)
{
    for (int i = 0; role && roles[i]; i++)
        if (!strcmp(role, roles[i])) return 1u << i;
    return 0;
}

static bool role_ok(const char *role)
{
    return ident_role_valid(role);
}
const ts_format FMT_ROLE = {role_ok, M_ROLE_UNKNOWN, ROLE_LIST};

void ident_settings_defaults(ident_settings *s)
{
    s->idle_s = 30 * 60;
    s->max_s = 12 * 3600;
    s->login_free_failures = 3;
    s->login_max_failures = 10;
    s->login_ip_max_failures = 20;
    s->lock_s = 5;
    s->lock_max_s = 15 * 60;
    s->window_s = 15 * 60;
    s->register_ip_max = 100;
    s->bearer_max_failures = 10;
    s->mfa_roles = ident_role_bit(ROLE_AGENCY_ADMIN) | ident_role_bit(ROLE_SYSTEM_ADMIN);
    s->reset_link_s = 24 * 3600;
}

/* What a session must do first (ident_principal.restricted): change an
 * administrator-set password, then enrol a second factor when a role it
 * holds requires one. */
static const char *restriction(const ident_settings *st, const ident_principal *p, bool must_change)
{
    if (must_change) return IDENT_MUST_CHANGE_PASSWORD;
    if (p->mfa) return NULL;
    for (int i = 0; i < p->ngrants; i++)
        if (st->mfa_roles & ident_role_bit(p->grants[i].role)) return IDENT_MUST_ENROL_MFA;
    return NULL;
}

static int64_t now_s(void)
{
    return time_now_us() / 1000000;
}

void ident_bootstrap(ident_principal *p)
{
    static ident_grant g = {ROLE_SYSTEM_ADMIN, 0, NULL, NULL, "/"};
    memset(p, 0, sizeof *p);
    p->kind = IDENT_BOOTSTRAP;
    p->username = "admin-token";
    p->ngrants = 1;
    p->grants = &g;
}

bool ident_path_is_root(const char *path)
{
    if (!path || path[0] != '/') return false;
    if (!path[1]) return true;
    const char *q = strchr(path + 1, '/');
    return q && !q[1];
}

/* The role a grant carries: system_admin held below a root agency (an old
 * grant, or a root moved under another agency) is only agency_admin there. */
const char *ident_grant_role(const ident_grant *g)
{
    if (!strcmp(g->role, ROLE_SYSTEM_ADMIN) && !ident_path_is_root(g->agency_path))
        return ROLE_AGENCY_ADMIN;
    return g->role;
}

bool ident_has_role(const ident_principal *p, const char *role, const char *agency_path)
{
    if (!p) return false;
    for (int i = 0; i < p->ngrants; i++) {
        const ident_grant *g = &p->grants[i];
        const char *held = ident_grant_role(g);
        if (strcmp(held, role) && strcmp(held, ROLE_SYSTEM_ADMIN)) continue;
        if (!agency_path || !strncmp(agency_path, g->agency_path, strlen(g->agency_path)))
            return true;
    }
    return false;
}

const char *ident_actor(arena *a, const ident_principal *p)
{
    if (!p) return "anonymous";
    switch (p->kind) {
    case IDENT_SESSION:
        return arena_printf(a, "user:%lld", (long long)p->account_id);
    case IDENT_TOKEN:
        return arena_printf(a, "token:%lld", (long long)p->token_id);
    case IDENT_BOOTSTRAP:
        return "admin-token";
    default:
        return "anonymous";
    }
}

char *ident_username_norm(arena *a, const char *in)
{
    if (!in) return NULL;
    while (*in == ' ')
        in++;
    size_t n = strlen(in);
    while (n && in[n - 1] == ' ')
        n--;
    if (n < 3 || n > 64) return NULL;
    char *o = arena_strndup(a, in, n);
    for (size_t i = 0; i < n; i++) {
        char ch = o[i];
        if (ch >= 'A' && ch <= 'Z')
            o[i] = (char)(ch - 'A' + 'a');
        else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr("._-@+", ch)))
            return NULL;
    }
    return o;
}

static const db_colmap grant_map[] = {
    DBC(TEXT, ident_grant, role),        DBC(I64, ident_grant, agency_id),
    DBC(TEXT, ident_grant, agency_code), DBC(TEXT, ident_grant, agency_name),
    DBC(TEXT, ident_grant, agency_path),
};

ts_code ident_load_grants(db_conn *c, arena *a, int64_t account_id, ident_principal *p, ts_err *err)
{
    static const db_rowspec rs = {.size = sizeof(ident_grant), .map = grant_map, .ncols = 5};
    void *rows;
    ts_code rc = db_query_all(c, a,
                              "SELECT g.role, g.agency_id, ag.code, ag.name, ag.path FROM grants g "
                              "JOIN agencies ag ON ag.id = g.agency_id WHERE g.account_id = ? "
                              "ORDER BY ag.path, g.role",
                              &DBV_I(account_id), 1, &rs, 0, &rows, &p->ngrants, err);
    p->grants = rows;
    return rc;
}

static const db_colmap holder_map[] = {
    DBC(I64, ident_holder, id),
    DBC(TEXT, ident_holder, username),
    DBC(TEXT, ident_holder, full_name),
};

ts_code ident_role_holders(db_conn *c, arena *a, const char *role, const char *agency_path,
                           ident_holder **out, int *n, ts_err *err)
{
    static const db_rowspec rs = {.size = sizeof(ident_holder), .map = holder_map, .ncols = 3};
    void *rows;
    ts_code rc = db_query_all(c, a,
                              "SELECT DISTINCT a.id, a.username, a.full_name FROM grants g "
                              "JOIN accounts a ON a.id = g.account_id JOIN agencies ag ON ag.id = "
                              "g.agency_id WHERE g.role = ? AND a.disabled = 0 AND "
                              "substr(?, 1, length(ag.path)) = ag.path ORDER BY a.full_name, a.id",
                              (const db_val[]){DBV_T(role), DBV_T(agency_path)}, 2, &rs,
                              IDENT_HOLDERS_MAX, &rows, n, err);
    *out = rows;
    return rc;
}

/* Best-effort single-statement write outside a request transaction. */
static void touch(db_conn *c, const char *sql, int64_t v, int64_t id)
{
    ts_err e;
    ts_err_clear(&e);
    db_stmt *s;
    if (db_prepare(c, sql, &s, &e) != TS_OK) return;
    db_bind_int(s, 1, v);
    db_bind_int(s, 2, id);
    int r = db_step(s, &e);
    db_reset(s);
    if (r < 0) log_error("identity: cannot record use: %s", e.debug);
}

/* One grant row of a resolve query: role, agency id, code, name, path from column i. */
static void read_grant(arena *a, db_stmt *s, int i, ident_grant *g)
{
    g->role = db_col_dup(a, s, i);
    g->agency_id = db_col_int(s, i + 1);
    g->agency_code = db_col_dup(a, s, i + 2);
    g->agency_name = db_col_dup(a, s, i + 3);
    g->agency_path = db_col_dup(a, s, i + 4);
}

/* Grow an arena array of grants by one (cap doubles). */
static ident_grant *grant_push(arena *a, ident_grant **gs, int *n, int *cap)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        ident_grant *ng = arena_alloc(a, sizeof *ng * (size_t)*cap);
        if (*n) memcpy(ng, *gs, sizeof *ng * (size_t)*n);
        *gs = ng;
    }
    return &(*gs)[(*n)++];
}

static int grant_cmp(const ident_grant *x, const ident_grant *y)
{
    int c = strcmp(x->agency_path, y->agency_path);
    return c ? c : strcmp(x->role, y->role);
}

/* SHA-256 hex of a session token, as tok_sha256_hex, with the digest fetched
 * once: OpenSSL 3's implicit fetch per call (a locked lookup) was ~5 % of
 * GET /api/v1/me. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static void sha256_init(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static void session_hash(const char *token, char out[65])
{
    pthread_once(&sha256_once, sha256_init);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!sha256_md || !EVP_Digest(token, strlen(token), md, &n, sha256_md, NULL) || n != 32) {
        tok_sha256_hex(token, out);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

/*
 * The hot path of every signed-in request: one SHA-256 of the cookie, one
 * indexed query (session by token hash, its account and its grants in the
 * same round trip), and a write at most once a minute.
 */
ts_code ident_session_resolve(db_conn *c, arena *a, const ident_settings *st, const char *cookie,
                              ident_principal *p, ts_err *err)
{
    memset(p, 0, sizeof *p);
    if (!cookie || strlen(cookie) != 43)
        return ts_err_set(err, TS_EUNAUTH, M_SESSION_INVALID, NULL);
    char h[65];
    session_hash(cookie, h);
    db_stmt *s;
    TS_TRY(db_prepare(c,
                      "SELECT s.id, s.account_id, s.csrf, s.last_seen, s.expires_at, "
                      "a.username, a.full_name, a.kind, a.disabled, g.role, g.agency_id, "
                      "ag.code, ag.name, ag.path, a.email, a.email_verified, a.phone, "
                      "a.phone_verified, a.must_change_password, "
                      "m.confirmed_at IS NOT NULL FROM sessions s "
                      "JOIN accounts a ON a.id = s.account_id "
                      "LEFT JOIN grants g ON g.account_id = s.account_id "
                      "LEFT JOIN agencies ag ON ag.id = g.agency_id "
                      "LEFT JOIN mfa_totp m ON m.account_id = s.account_id "
                      "WHERE s.token_hash = ?",
                      &s, err));
    db_bind_text(s, 1, h, 64);
    int r = db_step(s, err), cap = 0;
    int64_t last_seen = 0, expires = 0, disabled = 0, must_change = 0;
    bool found = r == DB_ROW;
    if (found) {
        p->kind = IDENT_SESSION;
        p->session_id = db_col_int(s, 0);
        p->account_id = db_col_int(s, 1);
        p->csrf = db_col_dup(a, s, 2);
        last_seen = db_col_int(s, 3);
        expires = db_col_int(s, 4);
        p->username = db_col_dup(a, s, 5);
        p->full_name = db_col_dup(a, s, 6);
        p->account_kind = db_col_dup(a, s, 7);
        disabled = db_col_int(s, 8);
        p->email = db_col_dup(a, s, 14);
        p->email_verified = db_col_int(s, 15) != 0;
        p->phone = db_col_dup(a, s, 16);
        p->phone_verified = db_col_int(s, 17) != 0;
        must_change = db_col_int(s, 18);
        p->mfa = db_col_int(s, 19) != 0;
    }
    for (; r == DB_ROW; r = db_step(s, err)) {
        if (db_col_is_null(s, 9) || db_col_is_null(s, 13)) continue; /* no grants */
        read_grant(a, s, 9, grant_push(a, &p->grants, &p->ngrants, &cap));
    }
    db_reset(s);
    if (r < 0) {
        memset(p, 0, sizeof *p);
        return (ts_code)-r;
    }
    /* ordered by agency path, then role, as ident_load_grants: sorted here
     * (a handful of rows) so SQLite needs no sorter on the hot path */
    for (int i = 1; i < p->ngrants; i++) {
        ident_grant g = p->grants[i];
        int j = i;
        for (; j > 0 && grant_cmp(&p->grants[j - 1], &g) > 0; j--)
            p->grants[j] = p->grants[j - 1];
        p->grants[j] = g;
    }
    int64_t now = now_s();
    if (!found || disabled || now >= expires || now - last_seen > st->idle_s) {
        memset(p, 0, sizeof *p);
        return ts_err_set(err, TS_EUNAUTH, M_SESSION_INVALID, NULL);
    }
    p->restricted = restriction(st, p, must_change != 0);
    int64_t every = st->idle_s / 4 < 60 ? st->idle_s / 4 : 60;
    if (now - last_seen >= every)
        touch(c, "UPDATE sessions SET last_seen = ? WHERE id = ?", now, p->session_id);
    return TS_OK;
}

/*
 * One indexed query: the token, its agency, its owner and the owner's
 * grants (one row per grant). The token's grants are its permissions on
 * its agency that the owner holds there now (ident_has_role on the owner's
 * grants): the intersection, decided on every use.
 */
bool ident_purpose_is(const char *purpose, const char *word)
{
    if (!purpose || !word) return false;
    while (*purpose == ' ' || *purpose == '\t')
        purpose++;
    size_t n = strlen(purpose), wl = strlen(word);
    while (n && (purpose[n - 1] == ' ' || purpose[n - 1] == '\t'))
        n--;
    return n == wl && !strncasecmp(purpose, word, wl);
}

ts_code ident_token_resolve(db_conn *c, arena *a, const char *token, ident_principal *p,
                            ts_err *err)
{
    memset(p, 0, sizeof *p);
    char h[65];
    tok_sha256_hex(token, h);
    db_stmt *s;
    TS_TRY(db_prepare(c,
                      "SELECT t.id, t.name, t.permissions, t.agency_id, ag.code, ag.name, "
                      "ag.path, t.last_used_at, t.expires_at, t.mint, t.owner_id, "
                      "o.disabled, og.role, oag.path, t.purpose FROM api_tokens t "
                      "JOIN agencies ag ON ag.id = t.agency_id "
                      "LEFT JOIN accounts o ON o.id = t.owner_id "
                      "LEFT JOIN grants og ON og.account_id = o.id "
                      "LEFT JOIN agencies oag ON oag.id = og.agency_id "
                      "WHERE t.token_hash = ? AND t.revoked_at IS NULL",
                      &s, err));
    db_bind_text(s, 1, h, 64);
    int r = db_step(s, err), cap = 0;
    const char *perms = NULL, *code = NULL, *name = NULL, *path = NULL;
    int64_t agency_id = 0, last_used = 0, expires = 0, disabled = 1;
    bool found = r == DB_ROW;
    ident_principal owner = {.kind = IDENT_SESSION};
    if (found) {
        p->kind = IDENT_TOKEN;
        p->token_id = db_col_int(s, 0);
        p->token_name = db_col_dup(a, s, 1);
        perms = db_col_dup(a, s, 2);
        agency_id = db_col_int(s, 3);
        code = db_col_dup(a, s, 4);
        name = db_col_dup(a, s, 5);
        path = db_col_dup(a, s, 6);
        last_used = db_col_is_null(s, 7) ? 0 : db_col_int(s, 7);
        expires = db_col_is_null(s, 8) ? 0 : db_col_int(s, 8);
        p->token_expires_at = expires;
        p->token_mint = db_col_int(s, 9) != 0;
        p->owner_id = db_col_is_null(s, 10) ? 0 : db_col_int(s, 10);
        disabled = db_col_is_null(s, 11) ? 1 : db_col_int(s, 11);
        p->token_purpose = db_col_dup(a, s, 14);
    }
    for (; r == DB_ROW; r = db_step(s, err)) {
        if (db_col_is_null(s, 12) || db_col_is_null(s, 13)) continue; /* no grants */
        ident_grant *g = grant_push(a, &owner.grants, &owner.ngrants, &cap);
        g->role = db_col_dup(a, s, 12);
        g->agency_path = db_col_dup(a, s, 13);
    }
    db_reset(s);
    if (r < 0) {
        memset(p, 0, sizeof *p);
        return (ts_code)-r;
    }
    int64_t now = now_s();
    if (!found || now >= expires) {
        memset(p, 0, sizeof *p);
        return ts_err_set(err, TS_EUNAUTH, M_TOKEN_INVALID, NULL);
    }
    p->username = arena_printf(a, "token:%s", p->token_name);
    p->full_name = p->token_name;
    p->account_kind = "token";
    /* one grant per permission (a role) on the token's agency that the
     * owner still holds there */
    int n = 1;
    for (const char *q = perms; *q; q++)
        n += *q == ',';
    p->grants = arena_alloc(a, sizeof(ident_grant) * (size_t)n);
    char *dup = arena_strdup(a, perms), *save = NULL;
    for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!ident_role_valid(t) || disabled || !ident_has_role(&owner, t, path)) continue;
        ident_grant *g = &p->grants[p->ngrants++];
        g->role = t;
        g->agency_id = agency_id;
        g->agency_code = code;
        g->agency_name = name;
        g->agency_path = path;
    }
    if (!p->ngrants) {
        memset(p, 0, sizeof *p);
        return ts_err_set(err, TS_EUNAUTH, M_TOKEN_OWNER, NULL);
    }
    if (now - last_used >= 60)
        touch(c, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, p->token_id);
    return TS_OK;
}

#define USER_AGENT_MAX 256

const char *ident_user_agent(arena *a, const char *ua)
{
    if (!ua || !*ua) return NULL;
    size_t n = strlen(ua);
    if (n > USER_AGENT_MAX) {
        n = USER_AGENT_MAX;
        while (n && ((unsigned char)ua[n] & 0xC0) == 0x80) /* not inside a UTF-8 character */
            n--;
    }
    return arena_strndup(a, ua, n);
}

/* ------------------------------------------------------------------ */
/* sign-in                                                               */

typedef struct throttle_row {
    int64_t failures, window_start, locked_until;
    bool found;
} throttle_row;

static ts_code throttle_get(db_conn *c, const char *key, throttle_row *t, ts_err *err)
{
    memset(t, 0, sizeof *t);
    db_stmt *s;
    TS_TRY(db_prepare(
        c, "SELECT failures, window_start, locked_until FROM login_throttle WHERE key = ?", &s,
        err));
    db_bind_text(s, 1, key, -1);
    int r = db_step(s, err);
    if (r == DB_ROW) {
        t->found = true;
        t->failures = db_col_int(s, 0);
        t->window_start = db_col_int(s, 1);
        t->locked_until = db_col_int(s, 2);
    }
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

/* Store a throttle row (insert or replace). */
static ts_code throttle_put(db_conn *c, const char *key, const throttle_row *t, ts_err *err)
{
    db_stmt *s;
    ts_code rc =
        db_prepare(c,
                   "INSERT INTO login_throttle (key, failures, window_start, locked_until) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = "
                   "excluded.failures, window_start = excluded.window_start, "
                   "locked_until = excluded.locked_until",
                   &s, err);
    if (rc != TS_OK) return rc;
    db_bind_list(s, DBV_T(key), DBV_I(t->failures), DBV_I(t->window_start), DBV_I(t->locked_until));
    return dbrow_run(s, err);
}

/*
 * Throttling (docs/decisions.md §31): nothing ever locks an account. A try
 * waits (429 + Retry-After) when one of three rules says so, each a delay
 * of lock_s doubling per step up to lock_max_s from the last failure:
 *   pair      this (username, address) failed login_free_failures times;
 *   username  the username failed login_max_failures times from anywhere,
 *             and this address is one of those that failed it (a correct
 *             password from an address with no failures still goes in);
 *   address   login_ip_max_failures distinct usernames failed from here
 *             (a spray; one person mistyping behind an office NAT is one).
 */
typedef struct throttle_state {
    int64_t pair, pair_last; /* failures of this (username, address), the last one's time */
    int64_t user, user_last; /* of the username, every address */
    int64_t names, ip_last;  /* distinct usernames failed from this address */
} throttle_state;

static ts_code throttle_read(db_conn *c, const char *username, const char *ip, int64_t since,
                             throttle_state *t, ts_err *err)
{
    memset(t, 0, sizeof *t);
    db_stmt *s;
    TS_TRY(db_prepare(
        c,
        "SELECT (SELECT COALESCE(MAX(failures), 0) FROM login_failures WHERE username = ? AND "
        "ip = ? AND last_at > ?), (SELECT COALESCE(MAX(last_at), 0) FROM login_failures WHERE "
        "username = ? AND ip = ? AND last_at > ?), (SELECT COALESCE(SUM(failures), 0) FROM "
        "login_failures WHERE username = ? AND last_at > ?), (SELECT COALESCE(MAX(last_at), 0) "
        "FROM login_failures WHERE username = ? AND last_at > ?), (SELECT COUNT(*) FROM "
        "login_failures WHERE ip = ? AND last_at > ?), (SELECT COALESCE(MAX(last_at), 0) FROM "
        "login_failures WHERE ip = ? AND last_at > ?)",
        &s, err));
    db_bind_list(s, DBV_T(username), DBV_T(ip), DBV_I(since), DBV_T(username), DBV_T(ip),
                 DBV_I(since), DBV_T(username), DBV_I(since), DBV_T(username), DBV_I(since),
                 DBV_T(ip), DBV_I(since), DBV_T(ip), DBV_I(since));
    int r = db_step(s, err);
    if (r == DB_ROW) {
        int64_t *v[] = {&t->pair, &t->pair_last, &t->user, &t->user_last, &t->names, &t->ip_last};
        for (int i = 0; i < 6; i++)
            *v[i] = db_col_int(s, i);
    }
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

/* The end of the wait a rule imposes: lock_s doubled per failure beyond its
 * threshold (at most lock_max_s) after the last failure; 0 below it. */
static int64_t rule_until(const ident_settings *st, int64_t count, int64_t threshold, int64_t last)
{
    if (count < threshold) return 0;
    int64_t d = st->lock_s;
    for (int64_t over = count - threshold; over > 0 && d < st->lock_max_s; over--)
        d *= 2;
    return last + (d < st->lock_max_s ? d : st->lock_max_s);
}

/* Seconds this try must wait (0: go on) and the rule that says so. */
static int64_t throttle_wait(const ident_settings *st, const throttle_state *t, int64_t now,
                             const char **rule)
{
    int64_t until = rule_until(st, t->pair, st->login_free_failures, t->pair_last), u;
    *rule = "pair";
    if (t->pair > 0 &&
        (u = rule_until(st, t->user, st->login_max_failures, t->user_last)) > until) {
        until = u;
        *rule = "username";
    }
    if ((u = rule_until(st, t->names, st->login_ip_max_failures, t->ip_last)) > until) {
        until = u;
        *rule = "address";
    }
    return until > now ? until - now : 0;
}

typedef struct throttle_ctx {
    const ident_settings *st;
    const char *username, *ip, *rule;
    int64_t now, wait;
} throttle_ctx;

/* Check, and count the try as a failure, in one write transaction: tries in
 * parallel queue on the write lock, so each sees those before it. */
static ts_code throttle_take_tx(db_conn *c, void *argp, ts_err *err)
{
    throttle_ctx *tc = argp;
    int64_t since = tc->now - tc->st->window_s;
    throttle_state t;
    TS_TRY(throttle_read(c, tc->username, tc->ip, since, &t, err));
    tc->wait = throttle_wait(tc->st, &t, tc->now, &tc->rule);
    if (tc->wait > 0) return TS_OK; /* refused: nothing counted, nothing to commit */
    return db_run(
        c, err,
        "INSERT INTO login_failures (username, ip, failures, last_at) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (username, ip) DO UPDATE SET failures = CASE WHEN "
        "login_failures.last_at > ? THEN login_failures.failures + 1 ELSE 1 END, "
        "last_at = excluded.last_at",
        DBV_T(tc->username), DBV_T(tc->ip), DBV_I(tc->now), DBV_I(since));
}

void ident_throttle_event(const char *what, const char *username, const char *ip, const char *rule,
                          int retry_after)
{
    /* a security event, counted per address and minute (platform/secev) */
    secev_note(SECEV_THROTTLED, ip, what);
    log_info("throttle: %s refused for %d s (rule %s, username %s, address %s)", what, retry_after,
             rule, username, ip);
}

ts_code ident_throttle_take(db_conn *c, const ident_settings *st, const char *what,
                            const char *username, const char *ip, int *retry_after, ts_err *err)
{
    throttle_ctx tc = {.st = st, .username = username, .ip = ip ? ip : "?", .now = now_s()};
    *retry_after = 0;
    ts_code rc = db_transact(c, throttle_take_tx, &tc, err);
    if (rc != TS_OK || !tc.wait) return rc;
    *retry_after = (int)tc.wait;
    ident_throttle_event(what, username, tc.ip, tc.rule, *retry_after);
    char sec[24];
    snprintf(sec, sizeof sec, "%d", *retry_after);
    return ts_err_set(err, TS_ERATELIMIT, M_LOGIN_LOCKED, sec);
}

ts_code ident_throttle_clear(db_conn *c, const ident_settings *st, const char *username,
                             const char *ip, ts_err *err)
{
    TS_TRY(db_run(c, err, "DELETE FROM login_failures WHERE username = ? AND ip = ?",
                  DBV_T(username), DBV_T(ip ? ip : "?")));
    /* and forget every failure the window no longer counts */
    return db_run(c, err, "DELETE FROM login_failures WHERE last_at <= ?",
                  DBV_I(now_s() - st->window_s));
}

/* Registrations: a fixed one-hour window per client address. */
#define REGISTER_WINDOW_S 3600

typedef struct register_ctx {
    const ident_settings *st;
    const char *key;
    int64_t now;
    int retry_after;
} register_ctx;

static ts_code register_take_tx(db_conn *c, void *argp, ts_err *err)
{
    register_ctx *rg = argp;
    throttle_row t;
    TS_TRY(throttle_get(c, rg->key, &t, err));
    if (!t.found || rg->now - t.window_start >= REGISTER_WINDOW_S) {
        t.failures = 0;
        t.window_start = rg->now;
    }
    t.locked_until = 0; /* a registration window never locks: it refuses while full */
    if (t.failures >= rg->st->register_ip_max) {
        rg->retry_after = (int)(t.window_start + REGISTER_WINDOW_S - rg->now);
        if (rg->retry_after < 1) rg->retry_after = 1;
        char sec[24];
        snprintf(sec, sizeof sec, "%d", rg->retry_after);
        return ts_err_set(err, TS_ERATELIMIT, M_REGISTER_LIMITED, sec);
    }
    t.failures++;
    return throttle_put(c, rg->key, &t, err);
}

ts_code ident_register_take(db_conn *c, const ident_settings *st, const char *ip, int *retry_after,
                            ts_err *err)
{
    char key[96];
    snprintf(key, sizeof key, "reg:%s", ip ? ip : "?");
    register_ctx rg = {.st = st, .key = key, .now = now_s()};
    ts_code rc = db_transact(c, register_take_tx, &rg, err);
    *retry_after = rg.retry_after;
    return rc;
}

typedef struct login_ctx {
    arena *a;
    const ident_settings *st;
    const char *username, *ip, *reason, *agency;
    const char *user_agent; /* of the browser signing in (cut, NULL: none) */
    int64_t account_id, now;
    bool ok;
    ident_login_result *out;
} login_ctx;

/* Audit a sign-in event on the account named in lc (takes sum). */
static ts_code audit_login(db_conn *c, const login_ctx *lc, const char *actor, const char *action,
                           json_t *sum, ts_err *err)
{
    audit_entry e = {.actor = actor,
                     .agency = lc->agency,
                     .action = action,
                     .object_type = "account",
                     .object_id = lc->username,
                     .summary = sum};
    ts_code rc = audit_append(c, &e, NULL, err);
    json_decref(sum);
    return rc;
}

static ts_code login_fail_tx(db_conn *c, void *argp, ts_err *err)
{
    login_ctx *lc = argp; /* the failure was counted before the hash (ident_throttle_take) */
    json_t *sum =
        json_pack("{s:s,s:s,s:s?}", "reason", lc->reason, "username", lc->username, "ip", lc->ip);
    return audit_login(c, lc, "anonymous", "auth.login_failed", sum, err);
}

static ts_code login_ok_tx(db_conn *c, void *argp, ts_err *err)
{
    login_ctx *lc = argp;
    db_stmt *s;
    int r;
    ts_code rc = ident_throttle_clear(c, lc->st, lc->username, lc->ip, err);
    if (rc != TS_OK) return rc;
    /* forget sessions that can no longer be used */
    rc = db_prepare(c, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen <= ?", &s, err);
    if (rc != TS_OK) return rc;
    db_bind_int(s, 1, lc->now);
    db_bind_int(s, 2, lc->now - lc->st->idle_s);
    r = db_step(s, err);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    tok_random(lc->out->session_token);
    tok_random(lc->out->csrf);
    char h[65];
    tok_sha256_hex(lc->out->session_token, h);
    rc = db_prepare(c,
                    "INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen, "
                    "expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    &s, err);
    if (rc != TS_OK) return rc;
    db_bind_text(s, 1, h, 64);
    db_bind_int(s, 2, lc->account_id);
    db_bind_text(s, 3, lc->out->csrf, -1);
    db_bind_int(s, 4, lc->now);
    db_bind_int(s, 5, lc->now);
    db_bind_int(s, 6, lc->now + lc->st->max_s);
    db_bind_text(s, 7, lc->ip, -1);
    if (lc->user_agent)
        db_bind_text(s, 8, lc->user_agent, -1);
    else
        db_bind_null(s, 8);
    r = db_step(s, err);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    rc = audit_login(c, lc, arena_printf(lc->a, "user:%lld", (long long)lc->account_id),
                     "auth.login", json_pack("{s:s?}", "ip", lc->ip), err);
    /* who signed in, for the answer: read here, so that a failed read fails
     * the sign-in instead of leaving a session nobody was told about */
    if (rc == TS_OK)
        rc = ident_session_resolve(c, lc->a, lc->st, lc->out->session_token, &lc->out->principal,
                                   err);
    return rc;
}

#define MFA_CHALLENGE_S 300   /* the second step's time */
#define MFA_CHALLENGE_TRIES 5 /* wrong codes a challenge allows */

/* The password was right and the account has a second factor: a challenge
 * for the second step instead of a session. The right password uncounts
 * its try here, as a plain sign-in does (the second step has limits of its
 * own), so sign-ins with a second factor never add up to a throttle. */
static ts_code challenge_tx(db_conn *c, void *argp, ts_err *err)
{
    login_ctx *lc = argp;
    ts_code rc = ident_throttle_clear(c, lc->st, lc->username, lc->ip, err);
    if (rc != TS_OK) return rc;
    TS_TRY(db_run(c, err, "DELETE FROM mfa_challenges WHERE expires_at <= ?", DBV_I(lc->now)));
    tok_random(lc->out->mfa_challenge);
    char h[65];
    tok_sha256_hex(lc->out->mfa_challenge, h);
    return db_run(c, err,
                  "INSERT INTO mfa_challenges (token_hash, account_id, ip, expires_at) VALUES "
                  "(?, ?, ?, ?)",
                  DBV_T(h), DBV_I(lc->account_id), DBV_T(lc->ip), DBV_I(lc->now + MFA_CHALLENGE_S));
}

ts_code ident_login(db_conn *c, arena *a, const ident_settings *st, const char *username,
                    const char *password, const char *ip, const char *user_agent,
                    ident_login_result *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    const char *uname = ident_username_norm(a, username);
    login_ctx lc = {.a = a, .st = st, .ip = ip, .out = out, .now = now_s()};
    lc.user_agent = ident_user_agent(a, user_agent);
    lc.username = uname ? uname : "";
    /* throttled? else this try is counted as a failure before the hash */
    ts_code rc = ident_throttle_take(c, st, "sign-in", lc.username, ip, &out->retry_after, err);
    if (rc != TS_OK) return rc;
    const char *hash = NULL;
    int64_t disabled = 0;
    if (uname) {
        db_stmt *s;
        rc = db_prepare(c,
                        "SELECT a.id, a.password_hash, a.disabled, (SELECT ag.code FROM grants g "
                        "JOIN agencies ag ON ag.id = g.agency_id WHERE g.account_id = a.id "
                        "ORDER BY g.id LIMIT 1) FROM accounts a WHERE a.username = ?",
                        &s, err);
        if (rc != TS_OK) return rc;
        db_bind_text(s, 1, uname, -1);
        int r = db_step(s, err);
        if (r == DB_ROW) {
            lc.account_id = db_col_int(s, 0);
            hash = db_col_dup(a, s, 1);
            disabled = db_col_int(s, 2);
            lc.agency = db_col_dup(a, s, 3);
        }
        db_reset(s);
        if (r < 0) return (ts_code)-r;
    }
    bool ok;
    if (hash) {
        ok = pw_verify(hash, password ? password : "");
        lc.reason = !ok ? "wrong_password" : disabled ? "disabled" : NULL;
        if (disabled) ok = false;
    } else {
        ok = pw_verify_dummy(password);
        lc.reason = "unknown_user";
    }
    if (!ok) {
        rc = db_transact(c, login_fail_tx, &lc, err);
        if (rc != TS_OK) return rc;
        return ts_err_set(err, TS_EUNAUTH, M_LOGIN_FAILED, NULL);
    }
    out->account_id = lc.account_id;
    /* the session starts now, not before the ~200 ms of Argon2: with a short
     * idle timeout the stale time could expire it before its first use */
    lc.now = now_s();
    bool mfa = false;
    TS_TRY(mfa_enrolled(c, lc.account_id, &mfa, err));
    if (mfa) return db_transact(c, challenge_tx, &lc, err);
    return db_transact(c, login_ok_tx, &lc, err);
}

typedef struct mfa_login_ctx {
    login_ctx lc;
    const char *hash, *code, *recovery;
    bool valid;
    mfa_result res;
    int retry_after;
} mfa_login_ctx;

static ts_code mfa_login_tx(db_conn *c, void *argp, ts_err *err)
{
    mfa_login_ctx *m = argp;
    login_ctx *lc = &m->lc;
    db_stmt *s;
    ts_code rc = db_prepare(c,
                            "SELECT ch.account_id, ch.expires_at, ch.attempts, a.username, "
                            "a.disabled, (SELECT ag.code FROM grants g JOIN agencies ag ON "
                            "ag.id = g.agency_id WHERE g.account_id = a.id ORDER BY g.id LIMIT 1) "
                            "FROM mfa_challenges ch JOIN accounts a ON a.id = ch.account_id "
                            "WHERE ch.token_hash = ?",
                            &s, err);
    if (rc != TS_OK) return rc;
    db_bind_text(s, 1, m->hash, -1);
    int r = db_step(s, err);
    int64_t expires = 0, attempts = 0, disabled = 0;
    if (r == DB_ROW) {
        lc->account_id = db_col_int(s, 0);
        expires = db_col_int(s, 1);
        attempts = db_col_int(s, 2);
        lc->username = db_col_dup(lc->a, s, 3);
        disabled = db_col_int(s, 4);
        lc->agency = db_col_dup(lc->a, s, 5);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    m->valid = r == DB_ROW && expires > lc->now && !disabled;
    if (!m->valid)
        return r == DB_ROW ? db_run(c, err, "DELETE FROM mfa_challenges WHERE token_hash = ?",
                                    DBV_T(m->hash))
                           : TS_OK;
    rc = mfa_check(c, lc->st, lc->account_id, true, m->code, m->recovery, lc->now, &m->res,
                   &m->retry_after, err);
    if (rc != TS_OK || m->res == MFA_LIMITED) return rc;
    if (m->res == MFA_OK || m->res == MFA_RECOVERY) {
        rc = db_run(c, err, "DELETE FROM mfa_challenges WHERE token_hash = ?", DBV_T(m->hash));
        if (rc == TS_OK && m->res == MFA_RECOVERY)
            rc = audit_login(c, lc, arena_printf(lc->a, "user:%lld", (long long)lc->account_id),
                             "mfa.recovery_used", json_pack("{s:s?}", "ip", lc->ip), err);
        return rc == TS_OK ? login_ok_tx(c, lc, err) : rc;
    }
    m->valid = m->res != MFA_ABSENT;
    rc = attempts + 1 >= MFA_CHALLENGE_TRIES || !m->valid
             ? db_run(c, err, "DELETE FROM mfa_challenges WHERE token_hash = ?", DBV_T(m->hash))
             : db_run(c, err, "UPDATE mfa_challenges SET attempts = ? WHERE token_hash = ?",
                      DBV_I(attempts + 1), DBV_T(m->hash));
    return rc; /* the failure is a security event (ident_login_mfa), not an entry each */
}

ts_code ident_login_mfa(db_conn *c, arena *a, const ident_settings *st, const char *challenge,
                        const char *code, const char *recovery_code, const char *ip,
                        ident_login_result *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    if ((!code || !*code) == (!recovery_code || !*recovery_code))
        return ts_err_field(err, TS_EVALIDATION, "code", M_MFA_CODE_REQUIRED, NULL);
    if (!challenge || strlen(challenge) != 43)
        return ts_err_set(err, TS_EUNAUTH, M_MFA_CHALLENGE_INVALID, NULL);
    char h[65];
    tok_sha256_hex(challenge, h);
    mfa_login_ctx m = {.lc = {.a = a, .st = st, .ip = ip, .out = out, .now = now_s()},
                       .hash = h,
                       .code = code && *code ? code : NULL,
                       .recovery = code && *code ? NULL : recovery_code};
    TS_TRY(db_transact(c, mfa_login_tx, &m, err));
    if (!m.valid) return ts_err_set(err, TS_EUNAUTH, M_MFA_CHALLENGE_INVALID, NULL);
    if (m.res == MFA_LIMITED) {
        ident_throttle_event("second factor", m.lc.username, ip, "account", m.retry_after);
        out->retry_after = m.retry_after;
        char sec[24];
        snprintf(sec, sizeof sec, "%d", m.retry_after);
        return ts_err_set(err, TS_ERATELIMIT, M_MFA_LIMITED, sec);
    }
    if (m.res != MFA_OK && m.res != MFA_RECOVERY) {
        /* counted per address and minute, the first username kept (secev) */
        secev_note(SECEV_MFA_FAILED, ip, m.lc.username);
        memset(out, 0, sizeof *out);
        return ts_err_field(err, TS_EUNAUTH, m.code ? "code" : "recovery_code", M_MFA_CODE_WRONG,
                            NULL);
    }
    out->account_id = m.lc.account_id;
    return TS_OK;
}

ts_code ident_revoke_sessions(db_conn *c, int64_t account_id, int64_t keep_session_id, ts_err *err)
{
    db_stmt *s;
    TS_TRY(db_prepare(c, "DELETE FROM sessions WHERE account_id = ? AND id <> ?", &s, err));
    db_bind_int(s, 1, account_id);
    db_bind_int(s, 2, keep_session_id);
    int r = db_step(s, err);
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

#define ACCOUNT_NAME_BYTES 128

typedef struct logout_ctx {
    int64_t session_id;
    const char *actor;
} logout_ctx;

static ts_code logout_tx(db_conn *c, void *argp, ts_err *err)
{
    logout_ctx *lc = argp;
    /* the account's username and first agency, for the audit entry */
    db_stmt *s;
    ts_code rc =
        db_prepare(c,
                   "SELECT a.username, (SELECT ag.code FROM grants g JOIN agencies ag ON "
                   "ag.id = g.agency_id WHERE g.account_id = a.id ORDER BY g.id LIMIT 1) "
                   "FROM sessions se JOIN accounts a ON a.id = se.account_id WHERE se.id = ?",
                   &s, err);
    if (rc != TS_OK) return rc;
    db_bind_int(s, 1, lc->session_id);
    char username[ACCOUNT_NAME_BYTES] = "", agency[64] = "";
    int r = db_step(s, err);
    if (r == DB_ROW) {
        snprintf(username, sizeof username, "%s", db_col_text(s, 0) ? db_col_text(s, 0) : "");
        snprintf(agency, sizeof agency, "%s", db_col_text(s, 1) ? db_col_text(s, 1) : "");
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (r != DB_ROW) return TS_OK; /* already gone: nothing to undo, nothing to record */
    rc = db_run(c, err, "DELETE FROM sessions WHERE id = ?", DBV_I(lc->session_id));
    if (rc != TS_OK) return rc;
    /* signing out changes state (a session ends): audited like signing in */
    json_t *sum = json_pack("{s:I}", "session_id", (json_int_t)lc->session_id);
    audit_entry e = {.actor = lc->actor,
                     .agency = agency[0] ? agency : NULL,
                     .action = "auth.logout",
                     .object_type = "account",
                     .object_id = username,
                     .summary = sum};
    rc = audit_append(c, &e, NULL, err);
    json_decref(sum);
    return rc;
}

ts_code ident_logout(db_conn *c, int64_t session_id, const char *actor, ts_err *err)
{
    logout_ctx lc = {session_id, actor};
    return db_transact(c, logout_tx, &lc, err);
}
