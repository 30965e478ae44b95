-- Identity: accounts (citizens and businesses, officers), role grants
-- scoped to an agency subtree, sessions, API tokens and login throttling.
-- Secrets are never stored: passwords as Argon2id encoded hashes, session
-- and API tokens as the hex SHA-256 of the token. Times that are compared
-- (expiry, throttling) are epoch seconds; the rest ISO 8601 text.
-- username: the sign-in name, lower case (a chosen name, an e-mail address
-- or a phone number's digits). kind: citizen | officer. disabled: 0/1.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    full_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- role: officer | agency_admin | leader | system_admin, valid on the agency
-- and its whole subtree (agencies.path prefix).
CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL,
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (account_id, role, agency_id)
);
CREATE INDEX grants_agency ON grants (agency_id);

-- token_hash: hex SHA-256 of the cookie value. last_seen drives the idle
-- timeout (written at most about once a minute), expires_at the absolute one.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Bearer tokens for machine clients: scoped to one agency (and subtree) and
-- a comma-separated list of roles (permissions). revoked_at: epoch or NULL.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    permissions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_agency ON api_tokens (agency_id);

-- Failed sign-ins per key ('u:USERNAME', 'ip:ADDRESS'), shared by every
-- server process through the database.
CREATE TABLE login_throttle (
    key TEXT NOT NULL PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL
);

CREATE INDEX audit_log_agency ON audit_log (agency, seq);
