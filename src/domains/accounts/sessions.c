/*
 * sessions — a person's own sign-ins: which browsers hold a session of
 * theirs (read from the User-Agent recorded at sign-in), from where, since
 * when and last used when; and ending one or all the others (ASVS 3.3.4).
 * Only the account itself sees or ends them; see accounts.h.
 */
#include "accounts.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../lib/jsonw.h"

/* A name for the browser and the system of a User-Agent: the first marker
 * found, in an order that puts browsers before the ones they imitate. */
static const char *ua_find(const char *ua, const char *const (*table)[2])
{
    for (int i = 0; table[i][0]; i++)
        if (strstr(ua, table[i][0])) return table[i][1];
    return "";
}

static const char *const browsers[][2] = {
    {"Edg/", "Edge"},        {"OPR/", "Opera"},     {"coc_coc", "Cốc Cốc"}, {"Zalo", "Zalo"},
    {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"}, {"CriOS/", "Chrome"},   {"Chrome/", "Chrome"},
    {"Safari/", "Safari"},   {"curl/", "curl"},     {"node", "Node.js"},    {NULL, NULL},
};
static const char *const systems[][2] = {
    {"Android", "Android"}, {"iPhone", "iOS"},     {"iPad", "iPadOS"}, {"Windows", "Windows"},
    {"CrOS", "ChromeOS"},   {"Mac OS X", "macOS"}, {"Linux", "Linux"}, {NULL, NULL},
};

/* The caller's account and session, or 403 for anything that is not a session. */
static ts_code own(ts_ctx *x)
{
    if (x->who->kind != IDENT_SESSION)
        return ts_err_set(x->err, TS_EFORBIDDEN, M_SESSION_ONLY, NULL);
    return TS_OK;
}

static void session_row(arena *a, db_stmt *s, void *item)
{
    session_info *si = item;
    si->id = db_col_int(s, 0);
    si->created_at = db_col_int(s, 1);
    si->last_seen = db_col_int(s, 2);
    si->expires_at = db_col_int(s, 3);
    si->ip = db_col_dup(a, s, 4);
    si->user_agent = db_col_dup(a, s, 5);
    si->browser = si->user_agent ? ua_find(si->user_agent, browsers) : "";
    si->os = si->user_agent ? ua_find(si->user_agent, systems) : "";
}

ts_code sessions_list(ts_ctx *x, const ident_settings *st, session_info **out, int *n)
{
    TS_TRY(own(x));
    int64_t now = x->now_us / 1000000;
    static const db_rowspec rs = {.size = sizeof(session_info), .fn = session_row};
    const db_val v[] = {DBV_I(x->who->account_id), DBV_I(now), DBV_I(now - st->idle_s)};
    ts_code rc = db_query_all(x->db, x->a,
                              "SELECT id, created_at, last_seen, expires_at, ip, user_agent "
                              "FROM sessions WHERE account_id = ? AND expires_at > ? AND "
                              "last_seen > ? ORDER BY last_seen DESC, id DESC LIMIT 100",
                              v, 3, &rs, 100, (void **)out, n, x->err);
    for (int i = 0; rc == TS_OK && i < *n; i++)
        (*out)[i].current = (*out)[i].id == x->who->session_id;
    return rc;
}

static const jw_field session_fields[] = {
    JWF(I64, session_info, id), JWF(BOOL, session_info, current),   JWF(STR, session_info, browser),
    JWF(STR, session_info, os), JWF(STR, session_info, user_agent), JWF(STR, session_info, ip),
};

void session_write_json(jsonw *w, const session_info *s)
{
    jw_obj_begin(w);
    jw_fields(w, s, session_fields, JW_NFIELDS(session_fields));
    jw_kepoch(w, "created_at", s->created_at);
    jw_kepoch(w, "last_seen_at", s->last_seen);
    jw_kepoch(w, "expires_at", s->expires_at);
}

/* The agency of the caller's audit entries: their first grant's. */
static const char *own_agency(const ts_ctx *x)
{
    return x->who->ngrants ? x->who->grants[0].agency_code : NULL;
}

typedef struct end_ctx {
    int64_t id; /* 0: every other session */
    int ended;
} end_ctx;

static ts_code end_tx(ts_ctx *x, void *argp)
{
    end_ctx *ec = argp;
    int64_t changes = 0;
    ts_code rc;
    json_t *sum;
    if (ec->id) {
        rc = db_run_vals(x->db, "DELETE FROM sessions WHERE id = ? AND account_id = ?",
                         (const db_val[]){DBV_I(ec->id), DBV_I(x->who->account_id)}, 2, &changes,
                         x->err);
        if (rc != TS_OK) return rc;
        if (!changes) {
            char b[24];
            snprintf(b, sizeof b, "%lld", (long long)ec->id);
            return ts_err_set(x->err, TS_ENOTFOUND, M_SESSION_NOT_FOUND, b);
        }
        sum = json_pack("{s:I,s:b}", "session_id", (json_int_t)ec->id, "current",
                        ec->id == x->who->session_id);
    } else {
        rc = db_run_vals(x->db, "DELETE FROM sessions WHERE account_id = ? AND id <> ?",
                         (const db_val[]){DBV_I(x->who->account_id), DBV_I(x->who->session_id)}, 2,
                         &changes, x->err);
        if (rc != TS_OK) return rc;
        sum = json_pack("{s:I}", "ended", (json_int_t)changes);
    }
    ec->ended = (int)changes;
    rc = ts_audit(x, ec->id ? "auth.session_end" : "auth.sessions_end_others", "account",
                  x->who->username, own_agency(x), sum);
    json_decref(sum);
    return rc;
}

ts_code sessions_end(ts_ctx *x, int64_t id)
{
    TS_TRY(own(x));
    end_ctx ec = {.id = id};
    return ts_write(x, end_tx, &ec);
}

ts_code sessions_end_others(ts_ctx *x, int *ended)
{
    *ended = 0;
    TS_TRY(own(x));
    end_ctx ec = {0};
    ts_code rc = ts_write(x, end_tx, &ec);
    *ended = ec.ended;
    return rc;
}
