-- Dossiers (hồ sơ thủ tục hành chính, src/domains/dossiers): what citizens
-- and businesses file, and what the one-stop shop does with them.
--
-- Instants a deadline is counted with (submitted, received, due, finished,
-- returned...) are Vietnam local minutes since 1970-01-01 00:00
-- (platform/worktime.h), integers that statistics over a year of dossiers
-- compare and subtract without parsing; the API writes them as
-- "YYYY-MM-DDTHH:MM+07:00". Who did what and when to the microsecond is
-- in dossier_events and the audit chain.
--
-- status: 0 a draft (no code yet; never shown to anyone but its owner),
-- then 1..10 as DOMAIN.md §3 numbers them. rev grows with every change: a
-- transition names the rev it was decided on, so of two officers acting at
-- once one wins and the other gets 409. step: the index of the current
-- step of the procedure's internal process (the version filed under);
-- handler/handler_path/handler_role: whose queue the dossier is in now
-- (the agency and the role that can act), assignee_id the person when one
-- is assigned. channel: 1 counter, 2 online, 3 post (the national portal's
-- numbers). due_at is NULL while a supplement request has stopped the clock.
-- in_at: when it was taken in (received_at, or submitted_at for one refused
-- before it was received); end_at: when it ended (finished_at, or closed_at
-- for a refusal, withdrawal or stop): the two instants every statistic
-- starts from, kept as columns so that they are read from an index.
-- digitised / reused: how many of its papers are files (uploaded or scanned)
-- and how many of those were taken from the owner's store (the Decision 766
-- digitisation indicators), kept by the file writes. flags: what the Decision
-- 766 indicators ask of a dossier, one bit each (dossiers.h, DF_*), so that
-- the scorecard reads them from the index.
-- See docs/decisions.md §38.

-- The daily sequence of each receiving agency: the counter is taken in the
-- transaction that files the dossier, so a failed filing gives its number
-- back and no number is ever used twice or skipped.
CREATE TABLE dossier_counters (
    agency TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (agency, day)
);

CREATE TABLE dossiers (
    id INTEGER PRIMARY KEY,
    code TEXT UNIQUE,
    status INTEGER NOT NULL,
    rev INTEGER NOT NULL,
    procedure_code TEXT NOT NULL,
    procedure_version INTEGER NOT NULL,
    case_index INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    owner_id INTEGER,
    applicant_kind TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    applicant_id_number TEXT,
    applicant_phone TEXT,
    applicant_email TEXT,
    applicant_address TEXT,
    unit_code TEXT,
    receiving TEXT NOT NULL,
    implementing TEXT NOT NULL,
    handler TEXT,
    handler_path TEXT,
    handler_role TEXT,
    assignee_id INTEGER,
    step INTEGER NOT NULL,
    step_started INTEGER,
    step_due INTEGER,
    form TEXT NOT NULL,
    idem_key TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    submitted_at INTEGER,
    received_at INTEGER,
    counted_from INTEGER,
    total_minutes INTEGER,
    due_at INTEGER,
    original_due INTEGER,
    extended INTEGER NOT NULL,
    supplements INTEGER NOT NULL,
    fee_vnd INTEGER NOT NULL,
    paid_at INTEGER,
    payment_way TEXT,
    finished_at INTEGER,
    returned_at INTEGER,
    closed_at INTEGER,
    result_number TEXT,
    result_signer TEXT,
    return_way TEXT,
    reason TEXT,
    rating INTEGER,
    in_at INTEGER,
    end_at INTEGER,
    digitised INTEGER NOT NULL DEFAULT 0,
    reused INTEGER NOT NULL DEFAULT 0,
    flags INTEGER NOT NULL DEFAULT 0,
    UNIQUE (created_by, idem_key)
);
CREATE INDEX dossiers_owner ON dossiers (owner_id, id);
CREATE INDEX dossiers_queue ON dossiers (handler_path, status, due_at);
CREATE INDEX dossiers_received ON dossiers (receiving, received_at);
-- the statistics read only this index (every column they use is in it, so
-- a year over a million dossiers never touches the rows themselves)
CREATE INDEX dossiers_stats ON dossiers (implementing, procedure_code, in_at, end_at,
    finished_at, due_at, status, channel, rating, received_at, closed_at, flags, paid_at,
    returned_at, receiving);

-- Every status change and every step, in order: the history a lookup
-- shows. at: ISO 8601 UTC with microseconds; at_min: local minutes.
CREATE TABLE dossier_events (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id),
    at TEXT NOT NULL,
    at_min INTEGER NOT NULL,
    action TEXT NOT NULL,
    from_status INTEGER NOT NULL,
    to_status INTEGER NOT NULL,
    step INTEGER NOT NULL,
    agency TEXT,
    actor TEXT NOT NULL,
    actor_name TEXT,
    step_due INTEGER,
    reason TEXT
);
CREATE INDEX dossier_events_dossier ON dossier_events (dossier_id, id);

-- The clock stops of supplement requests: [from_at, to_at) in local
-- minutes; to_at NULL while the applicant has not supplemented.
-- implementing, receiving: the dossier's (they never change once it is
-- filed), so that the statistics count requests per agency from the index.
CREATE TABLE dossier_pauses (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id),
    from_at INTEGER NOT NULL,
    to_at INTEGER,
    reason TEXT NOT NULL,
    implementing TEXT NOT NULL,
    receiving TEXT NOT NULL
);
CREATE INDEX dossier_pauses_dossier ON dossier_pauses (dossier_id, from_at);
CREATE INDEX dossier_pauses_stats ON dossier_pauses (from_at, implementing, receiving);

-- The files of a dossier (bytes in blobs): kind 'component' (component:
-- the index of the procedure's component it answers; -1 for another
-- paper), 'result' (what the agency issued), 'scan' (a counter or postal
-- intake's scan). reused_from: the dossier code it was taken from (the
-- once-only principle), NULL when uploaded. removed_at: a draft's file
-- the owner took out (the row stays for the record).
CREATE TABLE dossier_files (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id),
    kind TEXT NOT NULL,
    component INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    reused_from TEXT,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    removed_at TEXT
);
CREATE INDEX dossier_files_dossier ON dossier_files (dossier_id, id);
CREATE INDEX dossier_files_sha ON dossier_files (sha256);

-- The same bytes may be kept for two purposes (a template an agency also
-- received as an attachment): each purpose has its own readers.
CREATE TABLE blobs_by_purpose (
    sha256 TEXT NOT NULL,
    purpose TEXT NOT NULL,
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (sha256, purpose)
);
INSERT INTO blobs_by_purpose
    SELECT sha256, purpose, media_type, filename, size, data, created_at, created_by FROM blobs;
DROP TABLE blobs;
ALTER TABLE blobs_by_purpose RENAME TO blobs;
