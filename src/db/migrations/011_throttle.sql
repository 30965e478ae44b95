-- Sign-in throttling without lockout-as-a-weapon (docs/decisions.md §31),
-- and contacts that are not trusted until verified.
--
-- login_failures: one row per (username, client address) with the failures
-- counted in the current window (a row is forgotten once last_at is older
-- than the window). The per-pair delay reads one row, the per-username
-- ceiling sums a username's rows, the per-address limit counts the distinct
-- usernames of an address's rows. A try is counted here before the password
-- hash runs, in the transaction that checks the limits (so parallel tries
-- cannot overshoot them) and uncounted when it turns out to be right.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (username, ip)
);
CREATE INDEX login_failures_ip ON login_failures (ip, last_at);
CREATE INDEX login_failures_last ON login_failures (last_at);

-- The hard locks of 004 are gone: only registration windows stay there.
DELETE FROM login_throttle WHERE key NOT LIKE 'reg:%';

-- E-mail and phone are what the person typed until they prove they receive
-- it: 0 until verified with a one-time code (contact_codes), back to 0 when
-- the contact changes. Nothing trusts an unverified contact.
ALTER TABLE accounts ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN phone_verified INTEGER NOT NULL DEFAULT 0;

-- One pending code per account and channel ('email' | 'phone'): the hex
-- SHA-256 of the code, the contact it was made for, its expiry (epoch) and
-- the wrong tries so far (the code dies after a few).
CREATE TABLE contact_codes (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    channel TEXT NOT NULL,
    contact TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, channel)
);
