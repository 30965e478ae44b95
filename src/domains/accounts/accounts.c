/*
 * accounts — accounts, grants, API tokens, audit listing, demo sign-ins;
 * see accounts.h.
 */
#include "../agencies/agencies.h"
#include "accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../db/dbrow.h"
#include "../../lib/fieldcheck.h"
#include "../../lib/jsonw.h"
#include "../../lib/strbuf.h"
#include "../../lib/jsonx.h"
#include "../../lib/text.h"
#include "../../lib/validate.h"
#include "../../lib/timeutil.h"
#include "../../platform/audit.h"
#include "../../platform/ctx.h"
#include "../../platform/identity.h"
#include "../../platform/password.h"
#include "../../platform/search.h"

ACCOUNTS_MESSAGES(TS_MSG_DEFINE)
const ts_msg accounts_messages[] = {ACCOUNTS_MESSAGES(TS_MSG_REF) NULL};

static const jw_field account_fields[] = {
    JWF(I64, account, id),
    JWF(STR, account, username),
    JWF(STR, account, kind),
    JWF(STR, account, full_name),
    JWF(STR, account, email),
    JWF(STR, account, phone),
    JWF(BOOL, account, disabled),
    JWF(STR, account, created_at),
    JWF(BOOL, account, email_verified),
    JWF(BOOL, account, phone_verified),
};

JX_SERIALIZER(account, account_write_json, account_to_json, account_fields)

ts_code accounts_agency_path(db_conn *c, arena *a, const char *code, int64_t *id, const char **path,
                             ts_err *err)
{
    agency g;
    ts_ctx y;
    ts_ctx_init(&y, c, a, NULL, NULL, err);
    TS_TRY(agencies_find(&y, code, &g));
    if (id) *id = g.id;
    if (path) *path = g.path;
    return TS_OK;
}

/* ------------------------------------------------------------------ */
/* create                                                                */

/* The folded search key of an account: "nguyenthimai nguyen thi mai". */
static const char *search_key(arena *a, const char *username, const char *full_name)
{
    const char *h = arena_printf(a, "%s %s", username, full_name ? full_name : "");
    const char *f = text_fold(a, h, strlen(h));
    return f ? f : h;
}

static ts_code may_grant(ts_ctx *tc, const char *role, const char *path);
static ts_code root_only(ts_err *err, const char *role, const char *path, const char *field);
static int64_t account_id_of(db_conn *c, const char *username, ts_err *err);

const char *const account_kinds[] = {"citizen", "officer", NULL};

typedef struct create_ctx {
    arena *a;
    const account_new *in;
    const char *username, *hash, *actor;
    account *out;
    bool seed; /* demo seed data: audited once for the whole demo run */
} create_ctx;

/* A password the actor sets for someone else is a one-time temporary secret
 * (decisions §29): every actor but the person (self-registration is
 * anonymous) and the operator at the console (`tinhso user add`). */
static bool admin_set(const ts_ctx *tc)
{
    return tc->who->kind != IDENT_NONE && tc->who != &ts_operator;
}

static ts_code insert_grant(db_conn *c, int64_t account_id, const char *role, int64_t agency_id,
                            const char *now, const char *actor, ts_err *err)
{
    return db_run(c, err,
                  "INSERT INTO grants (account_id, role, agency_id, created_at, "
                  "created_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                  DBV_I(account_id), DBV_T(role), DBV_I(agency_id), DBV_T(now), DBV_T(actor));
}

static ts_code create_tx(ts_ctx *tc, void *argp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    create_ctx *cc = argp;
    const account_new *in = cc->in;
    db_stmt *s;
    ts_code rc = db_prepare(c, "SELECT COUNT(*) FROM accounts WHERE username = ?", &s, err);
    if (rc != TS_OK) return rc;
    db_bind_text(s, 1, cc->username, -1);
    int64_t taken, id;
    rc = dbrow_int(s, 0, &taken, err);
    if (rc != TS_OK) return rc;
    if (taken) {
        ts_err_set(err, TS_ECONFLICT, M_USERNAME_TAKEN, cc->username);
        return ts_err_field(err, TS_ECONFLICT, "username", M_USERNAME_TAKEN, cc->username);
    }
    int64_t agency_id = 0;
    if (in->agency_code) {
        const char *path;
        rc = accounts_agency_path(c, cc->a, in->agency_code, &agency_id, &path, err);
        if (rc == TS_ENOTFOUND)
            return ts_err_field(err, TS_EVALIDATION, "agency_code", M_AGENCY_NOT_FOUND,
                                in->agency_code);
        if (rc != TS_OK) return rc;
        if (!cc->seed) TS_TRY(may_grant(tc, in->role, path));
        TS_TRY(root_only(err, in->role, path, "role"));
    }
    const char *now = ts_now(tc);
    rc = db_prepare(c,
                    "INSERT INTO accounts (username, kind, full_name, email, phone, "
                    "password_hash, disabled, created_at, updated_at, created_by, search_key, "
                    "must_change_password) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) "
                    "RETURNING id",
                    &s, err);
    if (rc != TS_OK) return rc;
    db_bind_list(s, DBV_T(cc->username), DBV_T(in->kind), DBV_T(in->full_name), DBV_T(in->email),
                 DBV_T(in->phone), DBV_T(cc->hash), DBV_T(now), DBV_T(now), DBV_T(cc->actor),
                 DBV_T(search_key(cc->a, cc->username, in->full_name)),
                 DBV_I(!cc->seed && admin_set(tc)));
    rc = dbrow_int(s, 0, &id, err);
    if (rc != TS_OK) return rc;
    if (in->role) {
        rc = insert_grant(c, id, in->role, agency_id, now, cc->actor, err);
        if (rc != TS_OK) return rc;
    }
    account *o = cc->out;
    memset(o, 0, sizeof *o);
    o->id = id;
    o->username = cc->username;
    o->kind = in->kind;
    o->full_name = in->full_name;
    o->email = in->email;
    o->phone = in->phone;
    o->created_at = now;
    if (cc->seed) return TS_OK;
    json_t *sum = account_to_json(o);
    json_object_del(sum, "created_at");
    if (in->role)
        json_object_set_new(sum, "grant",
                            json_pack("{s:s,s:s}", "role", in->role, "agency", in->agency_code));
    rc = ts_audit(tc, "account.create", "account", cc->username, in->agency_code, sum);
    json_decref(sum);
    return rc;
}

ts_code accounts_create(ts_ctx *tc, const account_new *in, account *out)
{
    arena *a = tc->a;
    ts_err *err = tc->err;
    const char *actor = tc->actor;
    const char *username = NULL;
    account_new n = *in;
    if (n.agency_code) { /* refused before the costly hash; checked again in the write */
        const char *path;
        ts_code rc = accounts_agency_path(tc->db, a, n.agency_code, NULL, &path, err);
        if (rc == TS_ENOTFOUND)
            return ts_err_field(err, TS_EVALIDATION, "agency_code", M_AGENCY_NOT_FOUND,
                                n.agency_code);
        if (rc != TS_OK) return rc;
        TS_TRY(may_grant(tc, n.role, path));
        root_only(err, n.role, path, "role");
    }
    if (!n.kind) n.kind = "citizen";
    if (strcmp(n.kind, "citizen") && strcmp(n.kind, "officer"))
        ts_err_field(err, TS_EVALIDATION, "kind", M_FIELD_FORMAT, "citizen | officer");
    if (n.email && !v_email(n.email))
        ts_err_field(err, TS_EVALIDATION, "email", M_EMAIL_FORMAT, NULL);
    if (n.phone && !v_phone(n.phone))
        ts_err_field(err, TS_EVALIDATION, "phone", M_PHONE_FORMAT, NULL);
    /* a chosen name: an e-mail or phone nobody has verified is never a sign-in name */
    if (n.username) {
        username = ident_username_norm(a, n.username);
        if (!username) ts_err_field(err, TS_EVALIDATION, "username", M_USERNAME_FORMAT, NULL);
    } else {
        ts_err_field(err, TS_EVALIDATION, "username", M_FIELD_REQUIRED, NULL);
    }
    fc_text_required("full_name", n.full_name, ACCOUNT_NAME_MAX, err);
    pw_person who = {username, n.full_name, n.email};
    ts_msg pm = pw_check_rules(a, n.password, &who);
    if (pm != M_NONE) ts_err_field(err, TS_EVALIDATION, "password", pm, NULL);
    if (n.role && !ident_role_valid(n.role))
        ts_err_field(err, TS_EVALIDATION, "role", M_ROLE_UNKNOWN, ROLE_LIST);
    if (n.role && !n.agency_code)
        ts_err_field(err, TS_EVALIDATION, "agency_code", M_FIELD_REQUIRED, NULL);
    if (!n.role && n.agency_code) ts_err_field(err, TS_EVALIDATION, "role", M_FIELD_REQUIRED, NULL);
    if (n.role && !strcmp(n.kind, "citizen"))
        ts_err_field(err, TS_EVALIDATION, "kind", M_FIELD_FORMAT, "officer");
    if (err->nfields) return err->code;
    char hash[PW_ENCODED_MAX];
    if (pw_hash(n.password, hash) != TS_OK) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
    create_ctx cc = {a, &n, username, hash, actor, out, false};
    return ts_write(tc, create_tx, &cc);
}

/* ------------------------------------------------------------------ */
/* password change                                                       */

/* Store a new password hash and revoke every session of the account but keep
 * (0: all of them), for a change by its owner and a reset by an admin;
 * temporary: it must be changed at the next sign-in. */
static ts_code set_password(db_conn *c, int64_t id, const char *hash, const char *now, int64_t keep,
                            bool temporary, ts_err *err)
{
    TS_TRY(db_run(c, err,
                  "UPDATE accounts SET password_hash = ?, updated_at = ?, "
                  "must_change_password = ? WHERE id = ?",
                  DBV_T(hash), DBV_T(now), DBV_I(temporary), DBV_I(id)));
    return ident_revoke_sessions(c, id, keep, err);
}

typedef struct pw_ctx {
    int64_t account_id, keep;
    const char *hash, *actor, *username, *now;
    const account_pw_client *cl;
} pw_ctx;

static ts_code pw_tx(ts_ctx *tc, void *argp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    pw_ctx *pc = argp;
    ts_code rc = set_password(c, pc->account_id, pc->hash, pc->now, pc->keep, false, err);
    if (rc == TS_OK) rc = ident_throttle_clear(c, pc->cl->st, pc->username, pc->cl->ip, err);
    if (rc != TS_OK) return rc;
    json_t *sum = json_pack("{s:b}", "other_sessions_revoked", 1);
    rc = ts_audit(tc, "account.password_change", "account", pc->username, NULL, sum);
    json_decref(sum);
    return rc;
}

/* A wrong old password: audited (the throttle already counted it). */
static ts_code pw_failed_tx(ts_ctx *tc, void *argp)
{
    const pw_ctx *pc = argp;
    json_t *sum = json_pack("{s:s,s:s?}", "reason", "wrong_password", "ip", pc->cl->ip);
    ts_code rc = ts_audit(tc, "auth.password_change_failed", "account", pc->username, NULL, sum);
    json_decref(sum);
    return rc;
}

ts_code accounts_change_password(ts_ctx *tc, int64_t account_id, const char *old_pw,
                                 const char *new_pw, int64_t keep_session_id, account_pw_client *cl)
{
    db_conn *c = tc->db;
    arena *a = tc->a;
    ts_err *err = tc->err;
    const char *actor = tc->actor;
    db_stmt *s;
    ts_code rc = db_prepare(
        c, "SELECT username, password_hash, full_name, email FROM accounts WHERE id = ?", &s, err);
    if (rc != TS_OK) return rc;
    db_bind_int(s, 1, account_id);
    int r = db_step(s, err);
    const char *username = NULL, *hash = NULL;
    pw_person who = {0};
    if (r == DB_ROW) {
        username = db_col_dup(a, s, 0);
        hash = db_col_dup(a, s, 1);
        who.full_name = db_col_dup(a, s, 2);
        who.email = db_col_dup(a, s, 3);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (!username) return ts_err_set(err, TS_ENOTFOUND, M_ACCOUNT_NOT_FOUND, "");
    who.username = username;
    ts_msg pm = pw_check_rules(a, new_pw, &who);
    if (pm != M_NONE) return ts_err_field(err, TS_EVALIDATION, "new_password", pm, NULL);
    /* the old password is a guess like a sign-in: throttled, counted before the hash */
    rc = ident_throttle_take(c, cl->st, "password change", username, cl->ip, &cl->retry_after, err);
    if (rc != TS_OK) return rc;
    pw_ctx pc = {account_id, keep_session_id, NULL, actor, username, NULL, cl};
    if (!pw_verify(hash, old_pw ? old_pw : "")) {
        TS_TRY(ts_write(tc, pw_failed_tx, &pc));
        return ts_err_field(err, TS_EVALIDATION, "old_password", M_PASSWORD_WRONG, NULL);
    }
    char nh[PW_ENCODED_MAX];
    if (pw_hash(new_pw, nh) != TS_OK) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
    pc.hash = nh;
    pc.now = ts_now(tc);
    return ts_write(tc, pw_tx, &pc);
}

/* ------------------------------------------------------------------ */
/* administration                                                        */

void account_view_write_json(jsonw *w, const account_view *v)
{
    account_write_json(w, &v->ac);
    jw_key(w, "grants");
    jw_arr_begin(w);
    for (int i = 0; i < v->ngrants; i++) {
        static const jw_field grant_fields[] = {
            JWF(I64, account_grant, id),
            JWF(STR, account_grant, role),
            JWF(STR, account_grant, agency_code),
            JWF(STR, account_grant, agency_name),
        };
        jw_obj_begin(w);
        jw_fields(w, &v->grants[i], grant_fields, JW_NFIELDS(grant_fields));
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

#define ACC_COLS                                                                                   \
    "a.id, a.username, a.kind, a.full_name, a.email, a.phone, a.disabled, a.created_at, "          \
    "a.email_verified, a.phone_verified"

static void read_account(arena *a, db_stmt *s, account *ac)
{
    ac->id = db_col_int(s, 0);
    ac->username = db_col_dup(a, s, 1);
    ac->kind = db_col_dup(a, s, 2);
    ac->full_name = db_col_dup(a, s, 3);
    ac->email = db_col_dup(a, s, 4);
    ac->phone = db_col_dup(a, s, 5);
    ac->disabled = (int)db_col_int(s, 6);
    ac->created_at = db_col_dup(a, s, 7);
    ac->email_verified = (int)db_col_int(s, 8);
    ac->phone_verified = (int)db_col_int(s, 9);
}

static const db_colmap account_grant_map[] = {
    DBC(I64, account_grant, id),           DBC(TEXT, account_grant, role),
    DBC(TEXT, account_grant, agency_code), DBC(TEXT, account_grant, agency_name),
    DBC(TEXT, account_grant, agency_path),
};

static ts_code load_grants(db_conn *c, arena *a, account_view *v, ts_err *err)
{
    static const db_rowspec rs = {
        .size = sizeof(account_grant), .map = account_grant_map, .ncols = 5};
    void *rows;
    ts_code rc = db_query_all(c, a,
                              "SELECT g.id, g.role, ag.code, ag.name, ag.path FROM grants g JOIN "
                              "agencies ag ON ag.id = g.agency_id WHERE g.account_id = ? "
                              "ORDER BY ag.path, g.role",
                              &DBV_I(v->ac.id), 1, &rs, 0, &rows, &v->ngrants, err);
    v->grants = rows;
    return rc;
}

/* TS_ENOTFOUND with msg naming the id (of an account, a grant, a token). */
static ts_code not_found(ts_err *err, ts_msg msg, int64_t id)
{
    char b[24];
    snprintf(b, sizeof b, "%lld", (long long)id);
    return ts_err_set(err, TS_ENOTFOUND, msg, b);
}

ts_code accounts_get(db_conn *c, arena *a, int64_t id, account_view *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    db_stmt *s;
    TS_TRY(db_prepare(c, "SELECT " ACC_COLS " FROM accounts a WHERE a.id = ?", &s, err));
    db_bind_int(s, 1, id);
    int r = db_step(s, err);
    if (r == DB_ROW) read_account(a, s, &out->ac);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (r != DB_ROW) return not_found(err, M_ACCOUNT_NOT_FOUND, id);
    return load_grants(c, a, out, err);
}

static const search_index accounts_search = {"accounts_fts", "a.id", "a.search_tsv"};

/* The columns of ACC_COLS into an account_view's account. */
static const db_colmap account_view_map[] = {
    DBC(I64, account_view, ac.id),
    DBC(TEXT, account_view, ac.username),
    DBC(TEXT, account_view, ac.kind),
    DBC(TEXT, account_view, ac.full_name),
    DBC(TEXT, account_view, ac.email),
    DBC(TEXT, account_view, ac.phone),
    DBC(INT, account_view, ac.disabled),
    DBC(TEXT, account_view, ac.created_at),
    DBC(INT, account_view, ac.email_verified), /* added by 011 */
    DBC(INT, account_view, ac.phone_verified),
};

/* Grants of a page's accounts, in one query per GRANT_IDS accounts. */
#define GRANT_IDS 50

typedef struct grant_row {
    int64_t account_id;
    account_grant g;
} grant_row;

static const db_colmap grant_row_map[] = {
    DBC(I64, grant_row, account_id),     DBC(I64, grant_row, g.id),
    DBC(TEXT, grant_row, g.role),        DBC(TEXT, grant_row, g.agency_code),
    DBC(TEXT, grant_row, g.agency_name), DBC(TEXT, grant_row, g.agency_path),
};

/*
 * Restrict a listing to the agencies under any of paths (an admin's
 * grants, as many as there are): the predicate is before, then the ORed
 * "col LIKE '/1/5/%'" tests, then after. No paths at all selects nothing.
 */
static void within_paths(dbw *w, const char *before, const char *col, const char *after,
                         const char *const *paths, int n)
{
    if (n <= 0) {
        dbw_add(w, "1 = 0", NULL, 0);
        return;
    }
    const char *ors = "";
    db_val *vals = arena_alloc(w->a, sizeof *vals * (size_t)n);
    for (int i = 0; i < n; i++) {
        ors = arena_printf(w->a, "%s%s%s LIKE ?", ors, i ? " OR " : "", col);
        vals[i] = DBV_T(arena_printf(w->a, "%s%%", paths[i]));
    }
    dbw_add(w, arena_printf(w->a, "%s%s%s", before, ors, after), vals, n);
}

/*
 * Every grant of vs[0..n) (ordered by id, as accounts_list pages them): one
 * statement with a fixed list of GRANT_IDS ids (the unused ones NULL, which
 * match nothing), so there is one statement text whatever the page size.
 * Rows come ordered by account, agency path and role, and are handed out
 * to the accounts in one merge.
 */
static ts_code load_page_grants(db_conn *c, arena *a, account_view *vs, int n, ts_err *err)
{
    char in[32 + GRANT_IDS * 3];
    size_t o = (size_t)snprintf(in, sizeof in, "g.account_id IN (?");
    for (int i = 1; i < GRANT_IDS; i++)
        o += (size_t)snprintf(in + o, sizeof in - o, ", ?");
    snprintf(in + o, sizeof in - o, ")");
    db_rowspec rs = {.size = sizeof(grant_row), .map = grant_row_map, .ncols = 6};
    for (int from = 0; from < n; from += GRANT_IDS) {
        db_val ids[GRANT_IDS];
        for (int i = 0; i < GRANT_IDS; i++)
            ids[i] = from + i < n ? DBV_I(vs[from + i].ac.id) : DBV_NULL_VAL;
        void *rows;
        int nrows;
        TS_TRY(db_query_all(
            c, a,
            arena_printf(a,
                         "SELECT g.account_id, g.id, g.role, ag.code, ag.name, ag.path FROM grants "
                         "g JOIN agencies ag ON ag.id = g.agency_id WHERE %s "
                         "ORDER BY g.account_id, ag.path, g.role",
                         in),
            ids, GRANT_IDS, &rs, 0, &rows, &nrows, err));
        const grant_row *gr = rows;
        int k = 0;
        for (int i = from; i < n && i < from + GRANT_IDS; i++) {
            account_view *v = &vs[i];
            int first = k;
            while (k < nrows && gr[k].account_id == v->ac.id)
                k++;
            v->ngrants = k - first;
            v->grants =
                arena_alloc(a, sizeof(account_grant) * (size_t)(v->ngrants ? v->ngrants : 1));
            for (int j = 0; j < v->ngrants; j++)
                v->grants[j] = gr[first + j].g;
        }
    }
    return TS_OK;
}

/* The agency paths the actor's listing is limited to: NULL for everything
 * (a system admin), else the agency filter's or the actor's admin grants. */
static ts_code list_scope(ts_ctx *x, const char *code, const char *const **paths, int *n)
{
    if (code) {
        const char *path;
        ts_code rc = accounts_agency_path(x->db, x->a, code, NULL, &path, x->err);
        if (rc == TS_ENOTFOUND)
            return ts_err_field(x->err, TS_ENOTFOUND, "agency", M_AGENCY_NOT_FOUND, code);
        if (rc != TS_OK) return rc;
        TS_TRY(ts_require(x, ROLE_AGENCY_ADMIN, path));
        const char **one = arena_alloc(x->a, sizeof *one);
        one[0] = path;
        *paths = one;
        *n = 1;
        return TS_OK;
    }
    *paths = ts_role_paths(x, ROLE_AGENCY_ADMIN, n);
    return *paths && !*n ? ts_forbidden(x) : TS_OK;
}

ts_code accounts_list(ts_ctx *x, const account_query *q, account_view **items, int *n,
                      int64_t *total)
{
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    const char *const *paths = NULL;
    int npaths = 0;
    ts_code rc0 = list_scope(x, q->agency, &paths, &npaths);
    if (rc0 != TS_OK) return rc0;
    *items = arena_calloc(a, sizeof **items);
    *n = 0;
    *total = 0;
    search_list l;
    ts_code rc = search_list_begin(&l, c, a, q->q, err);
    if (rc != TS_OK) return rc;
    dbw *w = &l.w;
    if (paths)
        within_paths(w,
                     "EXISTS (SELECT 1 FROM grants g JOIN agencies ag ON ag.id = g.agency_id "
                     "WHERE g.account_id = a.id AND (",
                     "ag.path", "))", paths, npaths);
    dbw_text(w, "a.kind = ?", q->kind);
    dbw_page_q pq = {.cols = ACC_COLS,
                     .from = "accounts a",
                     .order = "a.id",
                     .limit = q->limit,
                     .offset = q->offset};
    db_rowspec rs = {.size = sizeof(account_view), .map = account_view_map, .ncols = 10};
    void *rows;
    TS_TRY(search_list_page(c, &l, &accounts_search, pq, &rs, &rows, n, total, err));
    *items = rows;
    return load_page_grants(c, a, *items, *n, err);
}

/* ------------------------------------------------------------------ */
/* search keys of accounts written before migration 006                  */

#define FILL_BATCH 500

typedef struct fill_ctx {
    arena *a;
    int done;
} fill_ctx;

/* One batch: up to FILL_BATCH accounts without a key get theirs. */
static ts_code fill_tx(ts_ctx *tc, void *argp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    fill_ctx *fx = argp;
    fx->done = 0;
    db_stmt *s;
    ts_code rc = db_prepare(c,
                            "SELECT id, username, full_name FROM accounts WHERE search_key = '' "
                            "ORDER BY id LIMIT ?",
                            &s, err);
    if (rc != TS_OK) return rc;
    db_bind_int(s, 1, FILL_BATCH);
    int64_t ids[FILL_BATCH];
    const char *keys[FILL_BATCH];
    int n = 0, r = DB_DONE;
    while (n < FILL_BATCH && (r = db_step(s, err)) == DB_ROW) {
        ids[n] = db_col_int(s, 0);
        keys[n] = search_key(fx->a, db_col_text(s, 1), db_col_text(s, 2));
        n++;
    }
    if (n == FILL_BATCH) r = DB_DONE;
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    rc = db_prepare(c, "UPDATE accounts SET search_key = ? WHERE id = ?", &s, err);
    if (rc != TS_OK) return rc;
    for (int i = 0; i < n; i++) {
        db_bind_text(s, 1, keys[i], -1);
        db_bind_int(s, 2, ids[i]);
        TS_TRY(dbrow_run(s, err));
    }
    fx->done = n;
    return TS_OK;
}

ts_code accounts_fill_search_keys(db_conn *c, int *filled, ts_err *err)
{
    *filled = 0;
    fill_ctx fx = {.a = arena_new(1 << 16)};
    ts_ctx ctx, *tc = &ctx;
    ts_ctx_init(tc, c, fx.a, &ts_operator, "system", err);
    ts_code rc;
    do {
        arena_reset(fx.a);
        rc = ts_write(tc, fill_tx, &fx);
        if (rc == TS_OK) *filled += fx.done;
    } while (rc == TS_OK && fx.done == FILL_BATCH);
    arena_free(fx.a);
    return rc;
}

/* The agency code audited for an account: its first grant's (NULL for citizens). */
static const char *audit_agency(const account_view *v)
{
    return v->ngrants ? v->grants[0].agency_code : NULL;
}

/* ------------------------------------------------------------------ */
/* who may administer whom (docs/decisions.md §13)                       */

/* The actor may grant role on the agency at path: agency_admin there, and
 * system_admin itself for system_admin. */
static ts_code may_grant(ts_ctx *tc, const char *role, const char *path)
{
    TS_TRY(ts_require(tc, ROLE_AGENCY_ADMIN, path ? path : ""));
    if (role && !strcmp(role, ROLE_SYSTEM_ADMIN) && !ts_may(tc, ROLE_SYSTEM_ADMIN, path))
        return ts_err_set(tc->err, TS_EFORBIDDEN, M_ROLE_NOT_ALLOWED, role);
    return TS_OK;
}

/* system_admin means the province: only on a root agency (decisions §30).
 * field: the input naming the role ("role", "permissions"). */
static ts_code root_only(ts_err *err, const char *role, const char *path, const char *field)
{
    if (role && !strcmp(role, ROLE_SYSTEM_ADMIN) && !ident_path_is_root(path))
        return ts_err_field(err, TS_EVALIDATION, field, M_ROLE_ROOT_ONLY, NULL);
    return TS_OK;
}

/* Visible: a system admin, or agency_admin over one of the account's grants
 * (citizens and accounts without grants: system admins only). */
static ts_code may_see(ts_ctx *tc, const account_view *v)
{
    if (ts_may(tc, ROLE_SYSTEM_ADMIN, NULL)) return TS_OK;
    for (int i = 0; i < v->ngrants; i++)
        if (ts_may(tc, ROLE_AGENCY_ADMIN, v->grants[i].agency_path)) return TS_OK;
    return ts_forbidden(tc);
}

/* Changeable: agency_admin over every grant of the account, system_admin over
 * its system_admin grants; citizens and accounts without grants: system admins. */
static ts_code may_manage(ts_ctx *tc, const account_view *v)
{
    if (!v->ngrants) return ts_require(tc, ROLE_SYSTEM_ADMIN, NULL);
    for (int i = 0; i < v->ngrants; i++) {
        const account_grant *g = &v->grants[i];
        TS_TRY(ts_require(tc, ROLE_AGENCY_ADMIN, g->agency_path));
        if (!strcmp(g->role, ROLE_SYSTEM_ADMIN))
            TS_TRY(ts_require(tc, ROLE_SYSTEM_ADMIN, g->agency_path));
    }
    return TS_OK;
}

/* The account, when the actor may see it (manage: change it). */
static ts_code load_target(ts_ctx *tc, int64_t id, bool manage, account_view *v)
{
    TS_TRY(accounts_get(tc->db, tc->a, id, v, tc->err));
    return manage ? may_manage(tc, v) : may_see(tc, v);
}

ts_code accounts_view(ts_ctx *tc, int64_t id, account_view *out)
{
    return load_target(tc, id, false, out);
}

ts_code accounts_load_managed(ts_ctx *tc, int64_t id, account_view *out)
{
    return load_target(tc, id, true, out);
}

/* The arguments of an administration write. */
typedef struct adm_ctx adm_ctx;
/* One change to an account the actor may manage, v loaded and checked. */
typedef ts_code (*adm_step)(ts_ctx *tc, adm_ctx *x, account_view *v);
struct adm_ctx {
    adm_step step;
    int64_t id, grant_id;
    const account_patch *patch;
    const char *role, *agency_code, *hash;
    void *arg; /* what else a step needs */
    account_view *out;
};

/* The write of an administration step: load the account, check the actor
 * may manage it, inside the transaction, then the step. */
static ts_code managed_tx(ts_ctx *tc, void *argp)
{
    adm_ctx *x = argp;
    account_view v;
    ts_code rc = load_target(tc, x->id, true, &v);
    return rc != TS_OK ? rc : x->step(tc, x, &v);
}

/* The audit entry of a change to account v (takes sum). */
static ts_code audit_account(ts_ctx *tc, const account_view *v, const char *action,
                             const char *agency_code, json_t *sum)
{
    ts_code rc = ts_audit(tc, action, "account", v->ac.username, agency_code, sum);
    json_decref(sum);
    return rc;
}

static ts_code update_step(ts_ctx *tc, adm_ctx *x, account_view *vp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    const account_patch *p = x->patch;
    account_view v = *vp;
    ts_code rc;
    if (p->set_disabled && p->disabled && tc->who->kind == IDENT_SESSION &&
        tc->who->account_id == v.ac.id)
        return ts_err_field(err, TS_EVALIDATION, "disabled", M_ACCOUNT_SELF_DISABLE, NULL);
    json_t *changes = json_object();
    account *ac = &v.ac;
    if (p->set_full_name && strcmp(p->full_name, ac->full_name)) {
        json_object_set_new(changes, "full_name", json_string(p->full_name));
        ac->full_name = p->full_name;
    }
    if (p->set_email && !fc_same(p->email, ac->email)) {
        json_object_set_new(changes, "email", jx_str_or_null(p->email));
        ac->email = p->email;
        ac->email_verified = 0; /* a new contact is proven anew */
    }
    if (p->set_phone && !fc_same(p->phone, ac->phone)) {
        json_object_set_new(changes, "phone", jx_str_or_null(p->phone));
        ac->phone = p->phone;
        ac->phone_verified = 0;
    }
    bool disabling = false;
    if (p->set_disabled && (int)p->disabled != (ac->disabled != 0)) {
        json_object_set_new(changes, "disabled", json_boolean(p->disabled));
        ac->disabled = p->disabled;
        disabling = p->disabled;
    }
    db_stmt *s;
    rc = db_prepare(c,
                    "UPDATE accounts SET full_name = ?, email = ?, phone = ?, disabled = ?, "
                    "updated_at = ?, search_key = ?, email_verified = ?, phone_verified = ? "
                    "WHERE id = ?",
                    &s, err);
    if (rc != TS_OK) {
        json_decref(changes);
        return rc;
    }
    db_bind_list(s, DBV_T(ac->full_name), DBV_T(ac->email), DBV_T(ac->phone),
                 DBV_I(ac->disabled ? 1 : 0), DBV_T(ts_now(tc)),
                 DBV_T(search_key(tc->a, ac->username, ac->full_name)), DBV_I(ac->email_verified),
                 DBV_I(ac->phone_verified), DBV_I(x->id));
    int r = db_step(s, err);
    db_reset(s);
    if (r < 0) {
        json_decref(changes);
        return (ts_code)-r;
    }
    if (disabling) {
        rc = ident_revoke_sessions(c, x->id, 0, err);
        if (rc != TS_OK) {
            json_decref(changes);
            return rc;
        }
        json_object_set_new(changes, "sessions_revoked", json_true());
    }
    *x->out = v;
    return audit_account(tc, &v, "account.update", audit_agency(&v), changes);
}

ts_code accounts_update(ts_ctx *tc, int64_t id, const account_patch *p, account_view *out)
{
    ts_err *err = tc->err;
    account_patch n = *p;
    if (n.set_full_name) fc_text_required("full_name", n.full_name, ACCOUNT_NAME_MAX, err);
    if (n.set_email && n.email && !v_email(n.email))
        ts_err_field(err, TS_EVALIDATION, "email", M_EMAIL_FORMAT, NULL);
    if (n.set_phone && n.phone && !v_phone(n.phone))
        ts_err_field(err, TS_EVALIDATION, "phone", M_PHONE_FORMAT, NULL);
    if (err->nfields) return err->code;
    adm_ctx x = {.step = update_step, .id = id, .patch = &n, .out = out};
    return ts_write(tc, managed_tx, &x);
}

static ts_code grant_add_step(ts_ctx *tc, adm_ctx *x, account_view *vp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    account_view v = *vp;
    ts_code rc;
    int64_t agency_id;
    const char *path;
    rc = accounts_agency_path(c, tc->a, x->agency_code, &agency_id, &path, err);
    if (rc == TS_ENOTFOUND)
        return ts_err_field(err, TS_EVALIDATION, "agency", M_AGENCY_NOT_FOUND, x->agency_code);
    if (rc != TS_OK) return rc;
    TS_TRY(may_grant(tc, x->role, path));
    TS_TRY(root_only(err, x->role, path, "role"));
    if (strcmp(v.ac.kind, "officer"))
        return ts_err_field(err, TS_EVALIDATION, "role", M_GRANT_OFFICER_ONLY, NULL);
    for (int i = 0; i < v.ngrants; i++)
        if (!strcmp(v.grants[i].role, x->role) && !strcmp(v.grants[i].agency_code, x->agency_code))
            return ts_err_set(err, TS_ECONFLICT, M_GRANT_EXISTS, x->role);
    rc = insert_grant(c, x->id, x->role, agency_id, ts_now(tc), tc->actor, err);
    if (rc == TS_OK) rc = ident_revoke_sessions(c, x->id, 0, err);
    if (rc != TS_OK) return rc;
    TS_TRY(accounts_get(c, tc->a, x->id, x->out, err));
    json_t *sum = json_pack("{s:s,s:s,s:b}", "role", x->role, "agency", x->agency_code,
                            "sessions_revoked", 1);
    return audit_account(tc, x->out, "account.grant_add", x->agency_code, sum);
}

ts_code accounts_grant_add(ts_ctx *tc, int64_t id, const char *role, const char *agency_code,
                           account_view *out)
{
    ts_err *err = tc->err;
    if (!role)
        ts_err_field(err, TS_EVALIDATION, "role", M_FIELD_REQUIRED, NULL);
    else if (!ident_role_valid(role))
        ts_err_field(err, TS_EVALIDATION, "role", M_ROLE_UNKNOWN, ROLE_LIST);
    if (!agency_code) ts_err_field(err, TS_EVALIDATION, "agency", M_FIELD_REQUIRED, NULL);
    if (err->nfields) return err->code;
    adm_ctx x = {
        .step = grant_add_step, .id = id, .role = role, .agency_code = agency_code, .out = out};
    return ts_write(tc, managed_tx, &x);
}

static ts_code grant_remove_tx(ts_ctx *tc, void *argp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    adm_ctx *x = argp;
    account_view v;
    ts_code rc = accounts_get(c, tc->a, x->id, &v, err);
    if (rc != TS_OK) return rc;
    const account_grant *g = NULL;
    for (int i = 0; i < v.ngrants; i++)
        if (v.grants[i].id == x->grant_id) g = &v.grants[i];
    if (!g) { /* 403 rather than 404 when the account itself is out of sight */
        TS_TRY(may_see(tc, &v));
        return not_found(err, M_GRANT_NOT_FOUND, x->grant_id);
    }
    TS_TRY(may_grant(tc, g->role, g->agency_path));
    db_stmt *s;
    rc = db_prepare(c, "DELETE FROM grants WHERE id = ? AND account_id = ?", &s, err);
    if (rc != TS_OK) return rc;
    db_bind_int(s, 1, x->grant_id);
    db_bind_int(s, 2, x->id);
    int r = db_step(s, err);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    TS_TRY(ident_revoke_sessions(c, x->id, 0, err));
    json_t *sum = json_pack("{s:I,s:s,s:s,s:b}", "grant_id", (json_int_t)g->id, "role", g->role,
                            "agency", g->agency_code, "sessions_revoked", 1);
    return audit_account(tc, &v, "account.grant_remove", g->agency_code, sum);
}

ts_code accounts_grant_remove(ts_ctx *tc, int64_t id, int64_t grant_id)
{
    adm_ctx x = {.id = id, .grant_id = grant_id};
    return ts_write(tc, grant_remove_tx, &x);
}

static ts_code reset_step(ts_ctx *tc, adm_ctx *x, account_view *vp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    account_view v = *vp;
    bool temporary = admin_set(tc);
    TS_TRY(set_password(c, x->id, x->hash, ts_now(tc), 0, temporary, err));
    return audit_account(tc, &v, "account.password_reset", audit_agency(&v),
                         json_pack("{s:b,s:b}", "sessions_revoked", 1, "temporary", temporary));
}

ts_code accounts_reset_password(ts_ctx *tc, int64_t id, const char *password)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    account_view v; /* refused before the costly hash; checked again in the write */
    TS_TRY(load_target(tc, id, true, &v));
    (void)c;
    pw_person who = {v.ac.username, v.ac.full_name, v.ac.email};
    ts_msg pm = pw_check_rules(tc->a, password, &who);
    if (pm != M_NONE) return ts_err_field(err, TS_EVALIDATION, "password", pm, NULL);
    char hash[PW_ENCODED_MAX];
    if (pw_hash(password, hash) != TS_OK) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
    adm_ctx x = {.step = reset_step, .id = id, .hash = hash};
    return ts_write(tc, managed_tx, &x);
}

/* ------------------------------------------------------------------ */
/* single-use reset links                                                */

typedef struct link_ctx {
    const char *hash, *password_hash, *new_pw;
    int64_t ttl_s, expires_at, account_id;
    bool valid;
} link_ctx;

static ts_code link_step(ts_ctx *tc, adm_ctx *x, account_view *vp)
{
    link_ctx *l = x->arg;
    int64_t now = tc->now_us / 1000000;
    l->expires_at = now + l->ttl_s;
    /* one link at a time: a new one voids the earlier ones */
    ts_code rc = db_run(tc->db, tc->err,
                        "DELETE FROM password_resets WHERE account_id = ? OR expires_at <= ?",
                        DBV_I(x->id), DBV_I(now));
    if (rc != TS_OK) return rc;
    TS_TRY(db_run(tc->db, tc->err,
                  "INSERT INTO password_resets (token_hash, account_id, created_at, created_by, "
                  "expires_at) VALUES (?, ?, ?, ?, ?)",
                  DBV_T(l->hash), DBV_I(x->id), DBV_T(ts_now(tc)), DBV_T(tc->actor),
                  DBV_I(l->expires_at)));
    return audit_account(tc, vp, "account.password_reset_link", audit_agency(vp),
                         json_pack("{s:I}", "expires_at", (json_int_t)l->expires_at));
}

ts_code accounts_reset_link(ts_ctx *tc, int64_t id, int64_t ttl_s, char token[44],
                            int64_t *expires_at)
{
    char h[65];
    tok_random(token);
    tok_sha256_hex(token, h);
    link_ctx l = {.hash = h, .ttl_s = ttl_s};
    adm_ctx x = {.step = link_step, .id = id, .arg = &l};
    ts_code rc = ts_write(tc, managed_tx, &x);
    *expires_at = l.expires_at;
    if (rc != TS_OK) memset(token, 0, 44);
    return rc;
}

static int64_t account_id_of(db_conn *c, const char *username, ts_err *err);

ts_code accounts_reset_link_for(ts_ctx *x, const char *username, int64_t ttl_s, char token[44],
                                int64_t *expires_at)
{
    const char *u = ident_username_norm(x->a, username);
    int64_t id = u ? account_id_of(x->db, u, x->err) : 0;
    if (id < 0) return x->err->code;
    if (!id) return ts_err_set(x->err, TS_ENOTFOUND, M_ACCOUNT_NOT_FOUND, username);
    return accounts_reset_link(x, id, ttl_s, token, expires_at);
}

static ts_code link_use_tx(ts_ctx *tc, void *argp)
{
    link_ctx *l = argp;
    int64_t now = tc->now_us / 1000000;
    int64_t changed = 0;
    /* spent by the update itself: two uses at once cannot both succeed */
    ts_code rc =
        db_run_vals(tc->db,
                    "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND "
                    "account_id = ? AND used_at IS NULL AND expires_at > ?",
                    (const db_val[]){DBV_I(now), DBV_T(l->hash), DBV_I(l->account_id), DBV_I(now)},
                    4, &changed, tc->err);
    if (rc != TS_OK) return rc;
    if (changed != 1)
        return ts_err_field(tc->err, TS_EVALIDATION, "token", M_RESET_LINK_INVALID, NULL);
    rc = set_password(tc->db, l->account_id, l->password_hash, ts_now(tc), 0, false, tc->err);
    if (rc != TS_OK) return rc;
    account_view v;
    TS_TRY(accounts_get(tc->db, tc->a, l->account_id, &v, tc->err));
    return audit_account(tc, &v, "account.password_reset_used", audit_agency(&v),
                         json_pack("{s:b}", "sessions_revoked", 1));
}

ts_code accounts_reset_with_link(ts_ctx *tc, const char *token, const char *new_pw)
{
    ts_err *err = tc->err;
    char h[65];
    link_ctx l = {.hash = h};
    if (!token || strlen(token) != 43)
        return ts_err_field(err, TS_EVALIDATION, "token", M_RESET_LINK_INVALID, NULL);
    tok_sha256_hex(token, h);
    /* whose link (checked again, and spent, in the write) */
    db_stmt *s;
    TS_TRY(db_prepare(tc->db,
                      "SELECT a.id, a.username, a.full_name, a.email FROM password_resets r "
                      "JOIN accounts a ON "
                      "a.id = r.account_id WHERE r.token_hash = ? AND r.used_at IS NULL "
                      "AND r.expires_at > ? AND a.disabled = 0",
                      &s, err));
    db_bind_list(s, DBV_T(h), DBV_I(tc->now_us / 1000000));
    int r = db_step(s, err);
    const char *username = NULL;
    pw_person who = {0};
    if (r == DB_ROW) {
        l.account_id = db_col_int(s, 0);
        username = db_col_dup(tc->a, s, 1);
        who = (pw_person){username, db_col_dup(tc->a, s, 2), db_col_dup(tc->a, s, 3)};
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (!username) return ts_err_field(err, TS_EVALIDATION, "token", M_RESET_LINK_INVALID, NULL);
    ts_msg pm = pw_check_rules(tc->a, new_pw, &who);
    if (pm != M_NONE) return ts_err_field(err, TS_EVALIDATION, "new_password", pm, NULL);
    char nh[PW_ENCODED_MAX];
    if (pw_hash(new_pw, nh) != TS_OK) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
    l.password_hash = nh;
    return ts_write(tc, link_use_tx, &l);
}

/* ------------------------------------------------------------------ */
/* API tokens                                                            */

void token_write_json(jsonw *w, const api_token *t)
{
    jw_obj_begin(w);
    jw_kint(w, "id", t->id);
    jw_kstr(w, "name", t->name);
    jw_kstr(w, "purpose", t->purpose);
    jw_kstr(w, "agency_code", t->agency_code);
    jw_key(w, "permissions");
    jw_arr_begin(w);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", t->permissions ? t->permissions : "");
    char *save = NULL;
    for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
        jw_str(w, p);
    jw_arr_end(w);
    jw_kbool(w, "can_mint_tokens", t->mint);
    jw_key(w, "owner");
    if (t->owner_id) {
        jw_obj_begin(w);
        jw_kint(w, "id", t->owner_id);
        jw_kstr(w, "username", t->owner);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_kstr(w, "created_at", t->created_at);
    jw_kstr(w, "created_by", t->created_by);
    jw_kepoch(w, "expires_at", t->expires_at);
    jw_kbool(w, "expired", t->expired);
    jw_kepoch(w, "last_used_at", t->last_used_at);
    jw_kepoch(w, "revoked_at", t->revoked_at);
}

JX_WRITER(write_token, api_token, token_write_json)

#define TOK_COLS                                                                                   \
    "t.id, t.name, ag.code, ag.path, t.permissions, t.created_at, t.created_by, "                  \
    "t.last_used_at, t.revoked_at, t.purpose, t.owner_id, o.username, t.expires_at, t.mint "       \
    "FROM api_tokens t JOIN agencies ag ON ag.id = t.agency_id "                                   \
    "LEFT JOIN accounts o ON o.id = t.owner_id"

static int64_t col_epoch(db_stmt *s, int i)
{
    return db_col_is_null(s, i) ? 0 : db_col_int(s, i);
}

static void read_token(arena *a, db_stmt *s, api_token *t)
{
    t->id = db_col_int(s, 0);
    t->name = db_col_dup(a, s, 1);
    t->agency_code = db_col_dup(a, s, 2);
    t->agency_path = db_col_dup(a, s, 3);
    t->permissions = db_col_dup(a, s, 4);
    t->created_at = db_col_dup(a, s, 5);
    t->created_by = db_col_dup(a, s, 6);
    t->last_used_at = col_epoch(s, 7);
    t->revoked_at = col_epoch(s, 8);
    t->purpose = db_col_dup(a, s, 9);
    t->owner_id = col_epoch(s, 10);
    t->owner = db_col_dup(a, s, 11);
    t->expires_at = col_epoch(s, 12);
    t->mint = db_col_int(s, 13) != 0;
    t->expired = t->expires_at <= time_now_us() / 1000000;
}

ts_code tokens_get(db_conn *c, arena *a, int64_t id, api_token *out, ts_err *err)
{
    db_stmt *s;
    TS_TRY(db_prepare(c, "SELECT " TOK_COLS " WHERE t.id = ?", &s, err));
    db_bind_int(s, 1, id);
    int r = db_step(s, err);
    if (r == DB_ROW) read_token(a, s, out);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    return r == DB_ROW ? TS_OK : not_found(err, M_TOKEN_NOT_FOUND, id);
}

static void token_row(arena *a, db_stmt *s, void *item)
{
    read_token(a, s, item);
}

ts_code tokens_list(ts_ctx *x, api_token **out, int *n)
{
    int npaths;
    const char *const *paths = ts_role_paths(x, ROLE_AGENCY_ADMIN, &npaths);
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    dbw w;
    dbw_init(&w, a);
    if (paths) within_paths(&w, "(", "ag.path", ")", paths, npaths);
    const char *sql =
        arena_printf(a, "SELECT " TOK_COLS "%s ORDER BY t.id DESC LIMIT 1000", dbw_where(&w));
    static const db_rowspec rs = {.size = sizeof(api_token), .fn = token_row};
    return db_query_all(c, a, sql, w.vals, w.nvals, &rs, 1000, (void **)out, n, err);
}

typedef struct tok_ctx {
    const token_new *in;
    const char *perms, *hash;
    int64_t expires_at;
    api_token *out;
} tok_ctx;

/* The account a new token belongs to and the principal whose roles bound its
 * permissions: a signed-in account itself; a token made to mint, its owner
 * (bounded by the minting token's own grants); the console, the account
 * named in in->owner. The bootstrap token has no account: refused. */
static ts_code token_owner(ts_ctx *tc, const token_new *in, int64_t *owner,
                           const ident_principal **holder)
{
    const ident_principal *who = tc->who;
    ts_err *err = tc->err;
    *holder = who;
    switch (who->kind) {
    case IDENT_SESSION:
        *owner = who->account_id;
        return TS_OK;
    case IDENT_TOKEN:
        if (!who->token_mint || in->mint)
            return ts_err_set(err, TS_EFORBIDDEN, M_TOKEN_NO_MINT, NULL);
        *owner = who->owner_id;
        return TS_OK;
    default:
        break;
    }
    if (who != &ts_operator || !in->owner)
        return ts_err_set(err, TS_EFORBIDDEN, M_TOKEN_NO_OWNER, NULL);
    int64_t id = account_id_of(tc->db, in->owner, err);
    if (id < 0) return err->code ? err->code : TS_EDB;
    account_view v;
    ts_code rc = id ? accounts_get(tc->db, tc->a, id, &v, err) : TS_ENOTFOUND;
    if (rc == TS_ENOTFOUND || (rc == TS_OK && v.ac.disabled))
        return ts_err_field(err, TS_EVALIDATION, "owner", M_ACCOUNT_NOT_FOUND, in->owner);
    if (rc != TS_OK) return rc;
    ident_principal *p = arena_calloc(tc->a, sizeof *p);
    p->kind = IDENT_SESSION;
    p->account_id = id;
    rc = ident_load_grants(tc->db, tc->a, id, p, err);
    *owner = id;
    *holder = p;
    return rc;
}

static ts_code tok_create_tx(ts_ctx *tc, void *argp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    tok_ctx *tk = argp;
    const token_new *in = tk->in;
    int64_t agency_id, owner = 0;
    const char *path;
    const ident_principal *holder;
    ts_code rc = token_owner(tc, in, &owner, &holder);
    if (rc != TS_OK) return rc;
    rc = accounts_agency_path(c, tc->a, in->agency_code, &agency_id, &path, err);
    if (rc == TS_ENOTFOUND)
        return ts_err_field(err, TS_EVALIDATION, "agency_code", M_AGENCY_NOT_FOUND,
                            in->agency_code);
    if (rc != TS_OK) return rc;
    /* every permission of the token is a role the actor may grant there and
     * the owner holds there (a token never grants more than its owner) */
    char *perms = arena_strdup(tc->a, tk->perms), *save = NULL;
    for (char *p = strtok_r(perms, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        TS_TRY(may_grant(tc, p, path));
        TS_TRY(root_only(err, p, path, "permissions"));
        if (!ident_has_role(holder, p, path))
            return ts_err_field(err, TS_EVALIDATION, "permissions", M_TOKEN_ROLE_NOT_HELD, p);
    }
    /* a token made by a token does not outlive it (by default it ends with it) */
    if (tc->who->kind == IDENT_TOKEN && !in->expires_at &&
        tk->expires_at > tc->who->token_expires_at)
        tk->expires_at = tc->who->token_expires_at;
    if (tc->who->kind == IDENT_TOKEN && tk->expires_at > tc->who->token_expires_at) {
        char b[40];
        time_iso_us(tc->who->token_expires_at * 1000000, b, sizeof b);
        return ts_err_field(err, TS_EVALIDATION, "expires_at", M_TOKEN_EXPIRY,
                            arena_strdup(tc->a, b));
    }
    db_stmt *s;
    rc = db_prepare(c,
                    "INSERT INTO api_tokens (token_hash, name, agency_id, permissions, "
                    "created_at, created_by, owner_id, purpose, expires_at, mint) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    &s, err);
    if (rc != TS_OK) return rc;
    db_bind_list(s, DBV_T(tk->hash), DBV_T(in->name), DBV_I(agency_id), DBV_T(tk->perms),
                 DBV_T(ts_now(tc)), DBV_T(tc->actor), DBV_I(owner), DBV_T(in->purpose),
                 DBV_I(tk->expires_at), DBV_I(in->mint ? 1 : 0));
    int64_t id;
    rc = dbrow_int(s, 0, &id, err);
    if (rc != TS_OK) return rc;
    rc = tokens_get(c, tc->a, id, tk->out, err);
    if (rc != TS_OK) return rc;
    json_t *sum = jx_tree_of(write_token, tk->out);
    json_object_del(sum, "created_at");
    json_object_del(sum, "expired");
    rc = ts_audit(tc, "token.create", "api_token", arena_printf(tc->a, "%lld", (long long)id),
                  in->agency_code, sum);
    json_decref(sum);
    return rc;
}

/* in->expires_at as epoch seconds: default TOKEN_DEFAULT_DAYS from now, in
 * the future, at most TOKEN_MAX_DAYS away (422 naming expires_at). */
static int64_t token_expiry(ts_ctx *tc, const char *given)
{
    int64_t now = tc->now_us / 1000000, max = now + TOKEN_MAX_DAYS * 86400, at;
    if (!given) return now + TOKEN_DEFAULT_DAYS * 86400;
    if (time_parse_epoch(given, &at) && at > now && at <= max) return at;
    char b[40];
    time_iso_us(max * 1000000, b, sizeof b);
    if (!time_parse_epoch(given, &at))
        ts_err_field(tc->err, TS_EVALIDATION, "expires_at", M_FIELD_FORMAT,
                     "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
    else
        ts_err_field(tc->err, TS_EVALIDATION, "expires_at", M_TOKEN_EXPIRY, arena_strdup(tc->a, b));
    return 0;
}

ts_code tokens_create(ts_ctx *tc, const token_new *in, char *token_out, api_token *out)
{
    arena *a = tc->a;
    ts_err *err = tc->err;
    const char *permissions = in->permissions;
    fc_text_required("name", in->name, TOKEN_NAME_MAX, err);
    fc_text_required("purpose", in->purpose, TOKEN_PURPOSE_MAX, err);
    if (!in->agency_code) ts_err_field(err, TS_EVALIDATION, "agency_code", M_FIELD_REQUIRED, NULL);
    int64_t expires_at = token_expiry(tc, in->expires_at);
    /* permissions: known roles, no duplicates, normalised to "a,b" */
    char *norm = arena_strdup(a, "");
    int np = 0;
    if (!permissions || !*permissions) {
        ts_err_field(err, TS_EVALIDATION, "permissions", M_FIELD_REQUIRED, NULL);
    } else {
        char *dup = arena_strdup(a, permissions), *save = NULL;
        for (char *p = strtok_r(dup, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
            while (*p == ' ')
                p++;
            size_t l = strlen(p);
            while (l && p[l - 1] == ' ')
                p[--l] = '\0';
            if (!ident_role_valid(p)) {
                ts_err_field(err, TS_EVALIDATION, "permissions", M_ROLE_UNKNOWN, ROLE_LIST);
                break;
            }
            if (strstr(arena_printf(a, ",%s,", norm), arena_printf(a, ",%s,", p))) continue;
            norm = arena_printf(a, "%s%s%s", norm, np ? "," : "", p);
            np++;
        }
        if (!np && !err->nfields)
            ts_err_field(err, TS_EVALIDATION, "permissions", M_FIELD_REQUIRED, NULL);
    }
    if (err->nfields) return err->code;
    char raw[44];
    tok_random(raw);
    snprintf(token_out, 48, "%s%s", API_TOKEN_PREFIX, raw);
    char h[65];
    tok_sha256_hex(token_out, h);
    tok_ctx tk = {in, norm, h, expires_at, out};
    return ts_write(tc, tok_create_tx, &tk);
}

typedef struct revoke_ctx {
    arena *a;
    int64_t id;
    const char *actor;
} revoke_ctx;

static ts_code revoke_tx(ts_ctx *tc, void *argp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    revoke_ctx *rc_ = argp;
    api_token t;
    ts_code rc = tokens_get(c, rc_->a, rc_->id, &t, err);
    if (rc != TS_OK) return rc;
    TS_TRY(ts_require(tc, ROLE_AGENCY_ADMIN, t.agency_path));
    if (t.revoked_at) return TS_OK;
    db_stmt *s;
    rc = db_prepare(c, "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", &s, err);
    if (rc != TS_OK) return rc;
    db_bind_int(s, 1, tc->now_us / 1000000);
    db_bind_int(s, 2, rc_->id);
    int r = db_step(s, err);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    json_t *sum = json_pack("{s:s}", "name", t.name);
    rc = ts_audit(tc, "token.revoke", "api_token", arena_printf(rc_->a, "%lld", (long long)t.id),
                  t.agency_code, sum);
    json_decref(sum);
    return rc;
}

ts_code tokens_revoke(ts_ctx *tc, int64_t id)
{
    revoke_ctx rc_ = {tc->a, id, tc->actor};
    return ts_write(tc, revoke_tx, &rc_);
}

/* ------------------------------------------------------------------ */
/* audit listing                                                         */

/* The filters of an audit listing, only those given, within paths (NULL: all). */
static void audit_where(dbw *w, const audit_query *q, const char *const *paths, int npaths)
{
    dbw_text(w, "l.object_type = ?", q->object_type);
    dbw_text(w, "l.object_id = ?", q->object_id);
    dbw_text(w, "l.actor = ?", q->actor);
    dbw_text(w, "l.at >= ?", q->from);
    dbw_text(w, "l.at < ?", q->to);
    if (paths)
        within_paths(w, "l.agency IN (SELECT code FROM agencies WHERE ", "path", ")", paths,
                     npaths);
}

ts_code audit_list(ts_ctx *x, const audit_query *q, jsonw *w)
{
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    int npaths;
    const char *const *paths = ts_role_paths(x, ROLE_AGENCY_ADMIN, &npaths);
    dbw wh;
    dbw_init(&wh, a);
    audit_where(&wh, q, paths, npaths);
    const char *where = dbw_where(&wh);
    db_stmt *s;
    ts_code rc =
        db_prepare(c, arena_printf(a, "SELECT COUNT(*) FROM audit_log l%s", where), &s, err);
    if (rc != TS_OK) return rc;
    db_bind_vals(s, 1, wh.vals, wh.nvals);
    int64_t total;
    rc = dbrow_int(s, 0, &total, err);
    if (rc != TS_OK) return rc;
    TS_TRY(
        db_prepare(c,
                   arena_printf(a,
                                "SELECT l.seq, l.at, l.actor, l.agency, l.action, l.object_type, "
                                "l.object_id, l.summary FROM audit_log l%s"
                                " ORDER BY l.seq DESC LIMIT ? OFFSET ?",
                                where),
                   &s, err));
    int k = db_bind_vals(s, 1, wh.vals, wh.nvals);
    db_bind_int(s, k, q->limit);
    db_bind_int(s, k + 1, q->offset);
    jw_obj_begin(w);
    jw_key(w, "items");
    jw_arr_begin(w);
    static const char *const cols[] = {"at",     "actor",       "agency",
                                       "action", "object_type", "object_id"};
    int r;
    while ((r = db_step(s, err)) == DB_ROW) {
        jw_obj_begin(w);
        jw_kint(w, "seq", db_col_int(s, 0));
        for (int i = 0; i < 6; i++)
            jw_kstr(w, cols[i], db_col_text(s, i + 1));
        /* the summary is canonical JSON this program wrote: copied as it is,
         * once it still parses (a hand-edited row shows as null) */
        const char *sum = db_col_text(s, 7);
        json_t *sv = sum ? json_loads(sum, JSON_DECODE_ANY, NULL) : NULL;
        jw_key(w, "summary");
        if (sv)
            jw_raw(w, sum, strlen(sum));
        else
            jw_null(w);
        json_decref(sv);
        jw_obj_end(w);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    jw_arr_end(w);
    jw_kint(w, "total", total);
    jw_kint(w, "limit", q->limit);
    jw_kint(w, "offset", q->offset);
    jw_obj_end(w);
    return TS_OK;
}

/* ------------------------------------------------------------------ */
/* demo sign-ins                                                         */

#define DEMO_ROOT "000.00.00.H06"
#define DEMO_STP "000.00.03.H06"
#define DEMO_SYT "000.00.07.H06"
#define DEMO_CENTRE "000.20.01.H06"
#define DEMO_IOC "000.21.01.H06"
#define DEMO_SXD "000.00.04.H06"

static const struct demo_user {
    const char *username, *full_name, *kind, *role, *agency; /* agency "#1": first commune */
} demo_users[] = {
    {"quantri", "Nguyễn Văn An", "officer", ROLE_SYSTEM_ADMIN, DEMO_ROOT},
    {"stp.quantri", "Trần Thị Bình", "officer", ROLE_AGENCY_ADMIN, DEMO_STP},
    {"stp.canbo1", "Lê Văn Cường", "officer", ROLE_OFFICER, DEMO_STP},
    {"stp.canbo2", "Phạm Thị Dung", "officer", ROLE_OFFICER, DEMO_STP},
    {"stp.lanhdao", "Hoàng Văn Em", "officer", ROLE_LEADER, DEMO_STP},
    {"syt.quantri", "Vũ Thị Giang", "officer", ROLE_AGENCY_ADMIN, DEMO_SYT},
    {"syt.canbo1", "Đặng Văn Hải", "officer", ROLE_OFFICER, DEMO_SYT},
    {"syt.canbo2", "Bùi Thị Hoa", "officer", ROLE_OFFICER, DEMO_SYT},
    {"syt.lanhdao", "Đỗ Văn Khánh", "officer", ROLE_LEADER, DEMO_SYT},
    {"ttpvhcc.quantri", "Ngô Thị Lan", "officer", ROLE_AGENCY_ADMIN, DEMO_CENTRE},
    {"ttpvhcc.canbo1", "Dương Văn Minh", "officer", ROLE_OFFICER, DEMO_CENTRE},
    {"ttpvhcc.canbo2", "Lý Thị Ngọc", "officer", ROLE_OFFICER, DEMO_CENTRE},
    {"ttpvhcc.lanhdao", "Phan Văn Phúc", "officer", ROLE_LEADER, DEMO_CENTRE},
    {"ioc.canbo1", "Hà Thị Quỳnh", "officer", ROLE_OFFICER, DEMO_IOC},
    {"ioc.canbo2", "Kiều Văn Sơn", "officer", ROLE_OFFICER, DEMO_IOC},
    {"ioc.lanhdao", "Lại Thị Trang", "officer", ROLE_LEADER, DEMO_IOC},
    {"sxd.canbo1", "Mạc Văn Tuấn", "officer", ROLE_OFFICER, DEMO_SXD},
    {"sxd.lanhdao", "Nghiêm Thị Uyên", "officer", ROLE_LEADER, DEMO_SXD},
    {"xa1.canbo", "Trịnh Văn Quang", "officer", ROLE_OFFICER, "#1"},
    {"xa1.lanhdao", "Ông Văn Vinh", "officer", ROLE_LEADER, "#1"},
    {"xa2.canbo", "Mai Thị Sen", "officer", ROLE_OFFICER, "#2"},
    {"nguoidan1", "Nguyễn Thị Thu", "citizen", NULL, NULL},
    {"nguoidan2", "Trần Văn Tâm", "citizen", NULL, NULL},
};
#define NDEMO ((int)(sizeof demo_users / sizeof demo_users[0]))

/* The agency code of a demo user ("#n": the n-th commune committee by code). */
static ts_code demo_agency(db_conn *c, arena *a, const char *spec, const char **code, ts_err *err)
{
    *code = spec;
    if (!spec || spec[0] != '#') return TS_OK;
    agencies_query q = {.kind = "commune_committee", .limit = 1, .offset = atoi(spec + 1) - 1};
    agencies_list_result res;
    ts_ctx y;
    ts_ctx_init(&y, c, a, NULL, NULL, err);
    ts_code rc = agencies_list(&y, &q, &res);
    *code = rc == TS_OK && res.n ? res.items[0].code : NULL;
    return rc;
}

static int64_t account_id_of(db_conn *c, const char *username, ts_err *err)
{
    db_stmt *s;
    if (db_prepare(c, "SELECT id FROM accounts WHERE username = ?", &s, err) != TS_OK) return -1;
    db_bind_text(s, 1, username, -1);
    int64_t id;
    return dbrow_int(s, 0, &id, err) == TS_OK ? id : -1;
}

typedef struct demo_ctx {
    arena *a;
    const char *actor, *hash;
    accounts_demo_result *res;
    json_t *created; /* usernames inserted in this run */
} demo_ctx;

static ts_code demo_tx(ts_ctx *tc, void *argp)
{
    db_conn *c = tc->db;
    ts_err *err = tc->err;
    demo_ctx *dc = argp;
    memset(dc->res, 0, sizeof *dc->res);
    json_array_clear(dc->created); /* a retried transaction starts over */
    for (int i = 0; i < NDEMO; i++) {
        const struct demo_user *u = &demo_users[i];
        const char *code;
        ts_code rc = demo_agency(c, dc->a, u->agency, &code, err);
        if (rc != TS_OK) return rc;
        if (u->agency && !code) continue; /* no communes imported */
        int64_t id = account_id_of(c, u->username, err);
        if (id < 0) return err->code ? err->code : TS_EDB;
        if (id) {
            dc->res->unchanged++;
            continue;
        }
        account_new n = {.username = u->username,
                         .kind = u->kind,
                         .full_name = u->full_name,
                         .role = u->role,
                         .agency_code = code};
        account out;
        create_ctx cc = {dc->a, &n, u->username, dc->hash, dc->actor, &out, true};
        rc = create_tx(tc, &cc);
        if (rc != TS_OK) return rc;
        json_array_append_new(dc->created, json_string(u->username));
        dc->res->inserted++;
    }
    if (!dc->res->inserted) return TS_OK;
    /* the seeded accounts are one audited change (no passwords in it) */
    json_t *sum = json_pack("{s:i,s:O}", "inserted", dc->res->inserted, "usernames", dc->created);
    ts_code rc = ts_audit(tc, "accounts.demo", "account", "demo", NULL, sum);
    json_decref(sum);
    return rc;
}

ts_code accounts_demo(db_conn *c, const char *actor, accounts_demo_result *res, ts_err *err)
{
    memset(res, 0, sizeof *res);
    int missing = 0;
    for (int i = 0; i < NDEMO; i++) {
        int64_t id = account_id_of(c, demo_users[i].username, err);
        if (id < 0) return err->code ? err->code : TS_EDB;
        missing += id == 0;
    }
    if (!missing) {
        res->unchanged = NDEMO;
        return TS_OK;
    }
    /* one hash for every demo sign-in: they share the documented password */
    char hash[PW_ENCODED_MAX];
    if (pw_hash(DEMO_PASSWORD, hash) != TS_OK)
        return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
    demo_ctx dc = {arena_new(1 << 14), actor, hash, res, json_array()};
    ts_ctx ctx, *tc = &ctx;
    ts_ctx_init(tc, c, dc.a, &ts_operator, actor, err);
    ts_code rc = ts_write(tc, demo_tx, &dc);
    json_decref(dc.created);
    arena_free(dc.a);
    return rc;
}

void accounts_demo_print(db_conn *c, void *file)
{
    FILE *f = file;
    arena *a = arena_new(4096);
    ts_err e;
    ts_err_clear(&e);
    fprintf(f, "demo sign-ins (password for all: %s):\n", DEMO_PASSWORD);
    for (int i = 0; i < NDEMO; i++) {
        const struct demo_user *u = &demo_users[i];
        const char *code = NULL;
        if (demo_agency(c, a, u->agency, &code, &e) != TS_OK) break;
        if (u->agency && !code) continue;
        fprintf(f, "  %-16s %-13s %-14s %s\n", u->username, u->role ? u->role : "citizen",
                code ? code : "-", u->full_name);
    }
    arena_free(a);
}
