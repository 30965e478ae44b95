/*
 * notifications_http — GET /api/v1/me/notifications (one's list, with how
 * many are unread), POST /api/v1/me/notifications/seen (read up to an id),
 * and for system administrators GET /api/v1/outbox and
 * POST /api/v1/outbox/{id}/retry.
 */
#include <string.h>

#include "../../http/server.h"
#include "../../lib/jsonw.h"
#include "../routes.h"
#include "notifications.h"

typedef struct mine_q {
    int64_t limit, offset;
    bool unread;
} mine_q;
static const jx_field mine_query[] = {
    HTTP_PAGE_INTO(mine_q, 20, 100),
    {.name = "unread", .type = JX_BOOL, JX_INTO(mine_q, unread)},
    {0},
};

static void write_notification(jsonw *w, const notification *n)
{
    jw_obj_begin(w);
    jw_kint(w, "id", n->id);
    jw_kstr(w, "at", n->at);
    jw_kstr(w, "topic", n->topic);
    jw_kstr(w, "subject", n->subject);
    jw_kstr(w, "link", n->link);
    jw_kstr(w, "title", n->title_vi);
    jw_kstr(w, "title_en", n->title_en);
    jw_kstr(w, "body", n->body_vi);
    jw_kstr(w, "body_en", n->body_en);
    jw_kbool(w, "queue", n->account_id == 0);
    jw_kbool(w, "read", n->read);
    jw_obj_end(w);
}

static ts_code h_mine(http_req *r, ts_ctx *x)
{
    mine_q q = {0};
    http_query_read(r, &q);
    notification_page p;
    TS_TRY(notifications_mine(x, q.limit, q.offset, q.unread, &p));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "items");
    jw_arr_begin(w);
    for (int i = 0; i < p.n; i++)
        write_notification(w, &p.items[i]);
    jw_arr_end(w);
    jw_kint(w, "total", p.total);
    jw_kint(w, "limit", p.limit);
    jw_kint(w, "offset", p.offset);
    jw_kint(w, "unread", p.unread);
    jw_kint(w, "seen_id", p.seen_id);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

typedef struct seen_in {
    int64_t up_to;
} seen_in;
static const jx_field seen_body[] = {
    {.name = "up_to", .type = JX_INT, .min = 0, .max = INT64_MAX, JX_INTO(seen_in, up_to)},
    {0},
};

static ts_code h_seen(http_req *r, ts_ctx *x)
{
    seen_in in = {0};
    http_in_read(r, &in);
    int64_t unread;
    TS_TRY(notifications_seen(x, in.up_to, &unread));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kint(w, "unread", unread);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

static const char *const outbox_states[] = {"pending", "sent", "failed", NULL};
typedef struct outbox_q {
    int64_t limit, offset;
    const char *state;
} outbox_q;
static const jx_field outbox_query[] = {
    HTTP_PAGE_INTO(outbox_q, 50, 500),
    {.name = "state",
     .type = JX_STRING,
     .max_chars = 16,
     .enums = outbox_states,
     JX_INTO(outbox_q, state)},
    {0},
};

static void write_outbox_t(jsonw *w, const outbox_row *o)
{
    jw_obj_begin(w);
    jw_kint(w, "id", o->id);
    jw_kstr(w, "channel", o->channel);
    jw_kstr(w, "recipient", o->recipient);
    jw_kstr(w, "topic", o->topic);
    jw_kstr(w, "subject", o->subject);
    jw_kstr(w, "title", o->title);
    jw_kstr(w, "state", o->state);
    jw_kint(w, "attempts", o->attempts);
    jw_kstr(w, "created_at", o->created_at);
    jw_kstr(w, "sent_at", o->sent_at);
    jw_kepoch(w, "next_at", !strcmp(o->state, "pending") ? o->next_at : 0);
    jw_kstr(w, "last_error", o->last_error);
}
JX_WRITER(write_outbox, outbox_row, write_outbox_t)

static ts_code h_outbox(http_req *r, ts_ctx *x)
{
    outbox_q q = {0};
    http_query_read(r, &q);
    outbox_page p;
    TS_TRY(outbox_list(x, q.state, q.limit, q.offset, &p));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "items");
    jw_arr_begin(w);
    for (int i = 0; i < p.n; i++) {
        write_outbox_t(w, &p.items[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kint(w, "total", p.total);
    jw_kint(w, "limit", q.limit);
    jw_kint(w, "offset", q.offset);
    jw_key(w, "counts");
    jw_obj_begin(w);
    jw_kint(w, "pending", p.pending);
    jw_kint(w, "sent", p.sent);
    jw_kint(w, "failed", p.failed);
    jw_obj_end(w);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

static ts_code h_retry(http_req *r, ts_ctx *x)
{
    outbox_row o;
    TS_TRY(outbox_retry(x, http_id(r, "id"), &o));
    return http_reply_one(r, 200, write_outbox, &o);
}

const http_route notifications_routes[] = {
    {"GET", "/api/v1/me/notifications", h_mine, PERM_AUTHENTICATED, .query = mine_query},
    {"POST", "/api/v1/me/notifications/seen", h_seen, PERM_AUTHENTICATED, .body = seen_body},
    {"GET", "/api/v1/outbox", h_outbox, PERM_SYSTEM_ADMIN, .query = outbox_query},
    {"POST", "/api/v1/outbox/{id}/retry", h_retry, PERM_SYSTEM_ADMIN,
     .ids = HTTP_IDS({"id", M_OUTBOX_NOT_FOUND, 1, 0})},
    {0},
};

const ts_domain notifications_domain = {"notifications", notifications_routes,
                                        notifications_messages, NULL};
