/*
 * notify — what a change tells people (decisions §39): an in-app
 * notification for an account or for a queue (everyone holding a role at an
 * agency), and messages to send outside (e-mail, SMS, Zalo) through a
 * durable outbox. Both are rows written by notify_send inside the caller's
 * transaction: a rolled-back change tells nobody, a committed one is never
 * lost. The outbox is drained by a thread of every serving process: rows
 * are claimed with a lease (two processes never send one row at once), each
 * handed to its channel's adapter with the row's key as idempotency key,
 * marked sent, or retried with a doubling wait and given up after
 * max_attempts (state "failed"). A process that dies between an adapter's
 * send and the mark leaves the claim to expire; the row is offered again
 * with the same key, and an adapter that remembers keys (the log adapter
 * does, in its file) does not send it twice.
 */
#ifndef TS_NOTIFY_H
#define TS_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

/* What to say; every text in Vietnamese and English. link: the web path
 * ("/ho-so/CODE"); messages sent outside carry public_url + "/#" + link. */
typedef struct notify_msg {
    const char *topic;   /* "dossier.received": [a-z0-9._] */
    const char *subject; /* what it is about ("000.20.01.H06-261202-0007") */
    const char *link;
    const char *public_link; /* outside, instead of link (NULL: link): one that needs no sign-in */
    const char *title_vi, *title_en;
    const char *body_vi, *body_en;
} notify_msg;

/* To whom. account_id: in-app for that account; or queue_path/queue_role:
 * in-app for the queue; email, phone: the outbox (e-mail; SMS and Zalo to
 * the phone, for the channels configured). Any of them may be absent. */
typedef struct notify_to {
    int64_t account_id;
    const char *queue_path, *queue_role;
    const char *email, *phone;
} notify_to;

/* Write the notifications of m for to, in the write in progress on x (the
 * drainer is woken when it commits). */
ts_code notify_send(ts_ctx *x, const notify_msg *m, const notify_to *to);

/* ---- the outbox ------------------------------------------------------------- */

#define NOTIFY_CHANNELS(X) X(NOTIFY_EMAIL, "email") X(NOTIFY_SMS, "sms") X(NOTIFY_ZALO, "zalo")
#define NOTIFY_ENUM(name, word) name,
typedef enum notify_channel { NOTIFY_CHANNELS(NOTIFY_ENUM) NOTIFY_NCHANNELS } notify_channel;
#undef NOTIFY_ENUM

/* One message as an adapter gets it. */
typedef struct notify_out {
    int64_t id;
    const char *key; /* unique per message, the same on every attempt */
    const char *channel, *recipient, *topic, *subject, *title, *body;
    int attempt; /* 1 on the first try */
} notify_out;

/*
 * An adapter sends the messages of one channel: send returns 0 when the
 * provider took the message, else non-zero with a short reason in err
 * (the row is tried again later). It runs on the drainer thread, one
 * message at a time; it should pass m->key to a provider that accepts an
 * idempotency key. See docs/decisions.md §39 for plugging in a provider.
 */
typedef struct notify_adapter {
    const char *name;
    int (*send)(void *self, const notify_out *m, char *err, size_t errlen);
    void *self;
} notify_adapter;

typedef struct notify_cfg {
    const char *public_url; /* links in messages sent outside */
    const char *log_file;   /* the log adapter's file (NULL or "": the server log) */
    unsigned channels;      /* bit per notify_channel that gets outbox rows */
    bool drain;             /* run the drainer (each second, and at once after a commit) */
    int max_attempts;       /* then "failed" */
    int backoff_s;          /* wait after the first failure; doubles, at most 6 hours */
    int lease_s;            /* a claim lasts this long */
} notify_cfg;
void notify_cfg_defaults(notify_cfg *c);

/* Set the configuration; every channel gets the log adapter until another
 * is set. Call before notify_start (and before notify_send is used). */
void notify_configure(const notify_cfg *c);
void notify_set_adapter(notify_channel ch, const notify_adapter *a);

/* The drainer of `tinhso serve` (nothing when drain is false). */
ts_code notify_start(db *d, ts_err *err);
void notify_stop(void);

/* Claim and send at most max due messages now; the number handled (sent or
 * failed) or -1 when the database failed. For the thread and tests. */
int notify_drain(db *d, int max);

typedef struct notify_stats {
    uint64_t sent, retried, failed, claimed;
} notify_stats;
void notify_get_stats(notify_stats *out);

#endif
