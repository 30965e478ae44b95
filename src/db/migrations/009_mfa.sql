-- The second factor and temporary secrets (decisions §29).
-- must_change_password: 1 when the password was set by an administrator
-- (a one-time temporary secret): the next session may only change it.
ALTER TABLE accounts ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- One TOTP factor per account. secret: sealed (platform/totp.h: AES-256-GCM
-- under the server's mfa_key_file, or 'p1:' hex when no key is configured).
-- confirmed_at NULL while enrolment waits for its first code. last_step: the
-- 30 s step of the last code accepted; a code of that step or an earlier one
-- is never accepted again. failures, failures_since: wrong codes in the
-- current window (whoever knows the password gets a new challenge at will:
-- this bounds the guesses per account).
CREATE TABLE mfa_totp (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    last_step INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    failures_since INTEGER NOT NULL DEFAULT 0
);

-- Ten one-time recovery codes per enrolment, as hex SHA-256 (they are
-- random, 50 bits and more: a slow hash adds nothing). used_at: epoch or NULL.
CREATE TABLE mfa_recovery (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    code_hash TEXT NOT NULL,
    used_at INTEGER
);
CREATE INDEX mfa_recovery_account ON mfa_recovery (account_id);

-- The second step of a sign-in: the password was right, a code is awaited.
-- token_hash: hex SHA-256 of the challenge handed to the client; expires_at
-- epoch seconds; attempts: wrong codes so far (the challenge dies at 5).
CREATE TABLE mfa_challenges (
    token_hash TEXT NOT NULL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    ip TEXT,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);

-- Single-use password-reset links made by an administrator. token_hash: hex
-- SHA-256 of the link's token; expires_at, used_at: epoch seconds.
CREATE TABLE password_resets (
    token_hash TEXT NOT NULL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX password_resets_account ON password_resets (account_id);
