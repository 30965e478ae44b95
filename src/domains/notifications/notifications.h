/*
 * notifications — one's in-app notifications (what platform/notify wrote:
 * for one's account and for the queues one works in), how far one has read
 * them, and the outbox as the administrators see it (what was sent, what is
 * waiting, what was given up and can be tried again).
 */
#ifndef TS_NOTIFICATIONS_H
#define TS_NOTIFICATIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "../../platform/ctx.h"

/* clang-format off */
#define NOTIFICATIONS_MESSAGES(X)                                                                  \
    X(M_OUTBOX_NOT_FOUND, "Không có tin nhắn %s trong hộp thư đi.",                                \
      "There is no message %s in the outbox.")                                                     \
    X(M_OUTBOX_NOT_FAILED, "Tin nhắn %s chưa bị dừng gửi: không cần gửi lại.",                       \
      "Message %s has not been given up: there is nothing to retry.")
/* clang-format on */
NOTIFICATIONS_MESSAGES(TS_MSG_EXTERN)
extern const ts_msg notifications_messages[];

typedef struct notification {
    int64_t id;
    const char *at, *topic, *subject, *link, *title_vi, *title_en, *body_vi, *body_en;
    int64_t account_id; /* 0: a queue's */
    bool read;
} notification;

typedef struct notification_page {
    notification *items;
    int n;
    int64_t total, unread, seen_id, limit, offset;
} notification_page;

/* x->who's notifications, newest first (unread_only: those after seen_id). */
ts_code notifications_mine(ts_ctx *x, int64_t limit, int64_t offset, bool unread_only,
                           notification_page *out);
/* Everything up to id up_to (0: the newest there is) counts as read. */
ts_code notifications_seen(ts_ctx *x, int64_t up_to, int64_t *unread);

typedef struct outbox_row {
    int64_t id;
    const char *channel, *recipient, *topic, *subject, *title, *state, *created_at, *sent_at,
        *last_error;
    int attempts;
    int64_t next_at;
} outbox_row;

typedef struct outbox_page {
    outbox_row *items;
    int n;
    int64_t total, pending, sent, failed;
} outbox_page;

/* The outbox, newest first, of one state or all (state NULL); system admins. */
ts_code outbox_list(ts_ctx *x, const char *state, int64_t limit, int64_t offset, outbox_page *out);
/* Offer a given-up message again (attempts start over). */
ts_code outbox_retry(ts_ctx *x, int64_t id, outbox_row *out);

#endif
