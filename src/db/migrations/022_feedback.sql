-- Citizen feedback (phản ánh, kiến nghị — src/domains/feedback): reports of
-- a problem or a petition, checked and routed by the intake point, answered
-- by the responsible agency, rated by the reporter. DOMAIN.md §5; see
-- docs/decisions.md §42.
--
-- Instants a deadline is counted with (submitted, accepted, due, answered,
-- closed) are Vietnam local minutes since 1970-01-01 00:00, as in the
-- dossiers (platform/worktime.h); created_at/updated_at are ISO 8601 UTC
-- with microseconds (what Open311's updated_datetime shows).

-- The categories people choose from (Open311 "services"). route: 'commune'
-- (the committee of the commune the point is in) or an agency code (a
-- department); deadline_days: working days from submission to the answer;
-- priority 1 urgent, 2 high, 3 normal; location: 'required' | 'optional'
-- (petitions about procedures need none); attributes: the Open311
-- attributes (category-specific questions) as a JSON array.
CREATE TABLE feedback_categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    grp TEXT NOT NULL,
    grp_en TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT NOT NULL,
    route TEXT NOT NULL,
    deadline_days INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    location TEXT NOT NULL,
    attributes TEXT NOT NULL,
    active INTEGER NOT NULL,
    sort INTEGER NOT NULL
);

-- The daily sequence of tracking codes PA-yyMMdd-NNNNNN, taken in the
-- transaction that files the report (a failed filing gives its number back).
CREATE TABLE feedback_counters (
    day TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

-- status: 1 submitted, 2 accepted (routed to agency, in its queue),
-- 3 rejected, 4 assigned (to an officer), 5 in progress, 6 answered,
-- 7 closed, 8 merged into another report (merged_into). rev grows with
-- every change (of two officers acting at once one wins, the other 409).
-- The reporter's identity (reporter_*) is shown to staff, never to the
-- public; show_name: the reporter allowed their name to be shown.
-- public_title/public_description: what moderation publishes instead of
-- the text as sent (NULL: the text as sent); private: not published at all.
-- outside: the point is outside the province (routed to the intake point).
-- located: how the point was found: 'point' (sent), 'photo' (EXIF), NULL.
-- token: the Open311 token handed back to a client before the request id
-- is known (we know it at once, but clients may ask with it).
-- handled_wmin: the working minutes from submission to the answer, in the
-- handling agency's hours (the average handling time of the statistics).
-- escalated_for: the due_at the report was last escalated for (the job is
-- idempotent); escalations: how many levels up it has gone.
CREATE TABLE feedback_reports (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL UNIQUE,
    rev INTEGER NOT NULL,
    status INTEGER NOT NULL,
    category TEXT NOT NULL REFERENCES feedback_categories (code),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    address TEXT,
    unit_code TEXT,
    outside INTEGER NOT NULL,
    located TEXT,
    attrs TEXT,
    channel TEXT NOT NULL,
    client TEXT,
    reporter_id INTEGER REFERENCES accounts (id),
    reporter_name TEXT,
    reporter_phone TEXT,
    reporter_email TEXT,
    show_name INTEGER NOT NULL,
    agency TEXT NOT NULL,
    agency_path TEXT NOT NULL,
    assignee_id INTEGER REFERENCES accounts (id),
    priority INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL,
    intake_due INTEGER NOT NULL,
    accepted_at INTEGER,
    due_at INTEGER NOT NULL,
    answered_at INTEGER,
    handled_wmin INTEGER,
    closed_at INTEGER,
    answer TEXT,
    answer_agency TEXT,
    reason TEXT,
    rating INTEGER,
    fixed INTEGER,
    reopened INTEGER NOT NULL,
    private INTEGER NOT NULL,
    public_title TEXT,
    public_description TEXT,
    merged_into TEXT,
    followers INTEGER NOT NULL,
    photos INTEGER NOT NULL,
    escalations INTEGER NOT NULL,
    escalated_for INTEGER,
    idem_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    search_key TEXT NOT NULL,
    UNIQUE (reporter_id, idem_key)
);
-- the public map and Open311's date window (newest first)
CREATE INDEX feedback_reports_submitted ON feedback_reports (submitted_at, id);
CREATE INDEX feedback_reports_created ON feedback_reports (created_at, id);
-- an agency's inbox by time left
CREATE INDEX feedback_reports_queue ON feedback_reports (agency_path, status, due_at);
-- the jobs: what is overdue, what was answered long ago
CREATE INDEX feedback_reports_due ON feedback_reports (status, due_at);
CREATE INDEX feedback_reports_answered ON feedback_reports (status, answered_at);
CREATE INDEX feedback_reports_reporter ON feedback_reports (reporter_id, id);
-- nearby open reports of a category (duplicate suggestions): a box on lat
CREATE INDEX feedback_reports_near ON feedback_reports (category, status, lat, lon);
-- statistics read only this index
CREATE INDEX feedback_reports_stats ON feedback_reports (agency, category, submitted_at,
    status, answered_at, due_at, closed_at, rating, fixed, handled_wmin, unit_code);
-- and per commune (the choropleth)
CREATE INDEX feedback_reports_units ON feedback_reports (unit_code, submitted_at, status,
    answered_at, due_at, rating, fixed, handled_wmin);
-- search-index: feedback_reports

-- What happened, in order: the timeline. public: shown on the public page
-- (status changes and the answer; internal notes and moderation are not).
CREATE TABLE feedback_events (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES feedback_reports (id),
    at TEXT NOT NULL,
    at_min INTEGER NOT NULL,
    action TEXT NOT NULL,
    from_status INTEGER NOT NULL,
    to_status INTEGER NOT NULL,
    agency TEXT,
    actor TEXT NOT NULL,
    actor_name TEXT,
    note TEXT,
    public INTEGER NOT NULL
);
CREATE INDEX feedback_events_report ON feedback_events (report_id, id);

-- The photos of a report (bytes in blobs). original: as sent, never
-- published (the agency may see it); published/thumb: made by the
-- photo job with every metadata block removed and what moderation blurred
-- blurred; state 'pending' (not yet made), 'ready', 'hidden' (moderation
-- took it off the public page), 'failed' (could not be decoded).
CREATE TABLE feedback_photos (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES feedback_reports (id),
    n INTEGER NOT NULL,
    original TEXT NOT NULL,
    published TEXT,
    thumb TEXT,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    state TEXT NOT NULL,
    blur TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (report_id, n)
);
CREATE INDEX feedback_photos_state ON feedback_photos (state, id);

-- People following a report (a supporter instead of a duplicate): they
-- are told as it progresses.
CREATE TABLE feedback_followers (
    report_id INTEGER NOT NULL REFERENCES feedback_reports (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    since TEXT NOT NULL,
    PRIMARY KEY (report_id, account_id)
);
CREATE INDEX feedback_followers_account ON feedback_followers (account_id);

-- An agency's response templates (mẫu trả lời): agency NULL = every agency.
CREATE TABLE feedback_templates (
    id INTEGER PRIMARY KEY,
    agency TEXT,
    category TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX feedback_templates_agency ON feedback_templates (agency);

-- The province's choices (one row each; the domain knows the defaults):
-- intake_agency (the agency that checks and routes every report),
-- anonymous ('1': reports without signing in, confirmed by a one-time
-- code), intake_days (working days to accept or reject), reopen_days (the
-- reporter may reopen within this many days of the answer), close_days
-- (an answered report not rated closes itself after this many days).
CREATE TABLE feedback_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- One-time codes for reports sent without signing in (when the setting
-- anonymous is on): sent through the outbox to a phone or an e-mail
-- address, kept as the hex SHA-256 of target and code, valid for ten
-- minutes, five tries, used once. created_at, expires_at, used_at: epoch
-- seconds. target: "phone:0912345678" or "email:a@b.vn".
CREATE TABLE feedback_otps (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    used_at INTEGER,
    ip TEXT
);
CREATE INDEX feedback_otps_target ON feedback_otps (target, created_at);
