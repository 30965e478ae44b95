/*
 * events — the process's event bus: a topic and a JSON text, published by
 * a write after it commits, delivered to the subscribers of this process
 * and, on PostgreSQL, of every other tinhso process on the same database
 * (LISTEN/NOTIFY). At-most-once: a live view or a cache drop, never a
 * record of what happened (that is the audit chain). See docs/decisions.md
 * "Event bus" for the guarantees and limits.
 */
#ifndef TS_EVENTS_H
#define TS_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

#define EVENTS_TOPIC_MAX 64   /* bytes of a topic: [a-z0-9._-] */
#define EVENTS_QUEUE_MAX 4096 /* events waiting for the dispatcher; more are dropped */
#define EVENTS_CHANNEL "tinhso_events"
#define EVENTS_RESYNC "events.resync" /* topic: remote events may have been missed */

/* What a subscriber receives. json is NULL for EVENTS_RESYNC and for a
 * remote event whose payload did not fit a NOTIFY (over ~7900 bytes). */
typedef struct events_msg {
    const char *topic;
    const char *json;
    bool remote; /* published by another process */
} events_msg;

/* A subscriber; runs on the dispatcher thread. Non-zero means it failed
 * (counted and logged; the next subscriber and event go on). */
typedef int (*events_fn)(const events_msg *m, void *arg);

/*
 * Subscribe fn to topics matching pattern: the exact topic, "prefix.*"
 * (every topic starting with "prefix."), or "*". Call at start, before
 * events_start; at most 32 subscriptions. Returns 0, or -1 when full.
 */
int events_subscribe(const char *pattern, events_fn fn, void *arg);

/*
 * Start delivering: the dispatcher thread, and on PostgreSQL the listener
 * (its own connection, LISTEN tinhso_events). Until then (CLI commands)
 * nothing is delivered in this process, but events still reach the other
 * processes. An error from the listener leaves the in-process bus running.
 */
ts_code events_start(db *d, ts_err *err);
/* events_start for `tinhso serve`: a failure is logged, never fatal (the
 * reference-data cache then falls back to polling data_versions). */
void events_serve(db *d);
/* Deliver what is queued, stop both threads, forget the subscriptions. */
void events_stop(void);

/*
 * Publish topic with payload json (JSON text; NULL for none). Inside a
 * transaction on c the event is held until it commits and dropped if it
 * rolls back; on PostgreSQL the NOTIFY is sent inside the transaction
 * itself, so other processes hear of it exactly when it commits. Outside
 * a transaction (or with c NULL: this process only) it goes at once.
 * Fails only for a bad topic or when the NOTIFY fails (the write should
 * then fail too: it runs in the same transaction).
 */
ts_code events_publish(db_conn *c, const char *topic, const char *json, ts_err *err);

typedef struct events_stats {
    uint64_t published; /* events handed to the bus after commit, here */
    uint64_t remote;    /* events received from other processes */
    uint64_t delivered; /* subscriber calls */
    uint64_t failed;    /* subscriber calls that returned non-zero */
    uint64_t dropped;   /* events lost because the queue was full */
    uint64_t oversize;  /* NOTIFYs sent without their payload */
} events_stats;
void events_get_stats(events_stats *out);

/* For tests: wait until the queue is empty and no subscriber runs (true),
 * or timeout_ms passed (false). */
bool events_flush(int timeout_ms);
/* For tests: the listener's backend pid (0: none or disconnected) and how
 * many times it connected. */
int events_listener_pid(void);
int events_listener_connects(void);

#endif
