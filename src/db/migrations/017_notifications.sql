-- Notifications (src/platform/notify): what a change tells people, written
-- in the same transaction as the change, so a rolled-back change tells
-- nobody and a committed one is never forgotten (docs/decisions.md §39).
--
-- notifications: the in-app list. A row is for one account (account_id),
-- or for a queue: everyone holding queue_role at queue_path or at an
-- agency above it (an agency's officers see what lands in its queue).
-- notification_seen: how far each account has read (ids at or below
-- seen_id are read): one row per account, whatever the number of rows.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts (id),
    queue_path TEXT,
    queue_role TEXT,
    at TEXT NOT NULL,
    topic TEXT NOT NULL,
    subject TEXT NOT NULL,
    link TEXT NOT NULL,
    title_vi TEXT NOT NULL,
    title_en TEXT NOT NULL,
    body_vi TEXT NOT NULL,
    body_en TEXT NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE INDEX notifications_queue ON notifications (queue_role, queue_path, id);

CREATE TABLE notification_seen (
    account_id INTEGER NOT NULL PRIMARY KEY REFERENCES accounts (id),
    seen_id INTEGER NOT NULL
);

-- The outbox: one row per message to send outside (e-mail, SMS, Zalo),
-- drained by every serving process (a claim with a lease, so two never send
-- the same row at once), retried with a growing wait, given up after
-- outbox_max_attempts (state 'failed', listed for the administrators).
-- next_at, claimed_until: epoch seconds. skey: the message's key, handed to
-- the adapter as its idempotency key: an adapter that remembers keys never
-- sends a message twice, even when a process dies between sending it and
-- marking it sent (the log adapter does; docs/decisions.md §39).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    skey TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    topic TEXT NOT NULL,
    subject TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_at, id);
