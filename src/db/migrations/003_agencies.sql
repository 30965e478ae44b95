-- Agencies (cơ quan, đơn vị): their own tree, separate from the
-- administrative units. The provincial people's committee > departments
-- (sở) > divisions; commune people's committees; service centres.
-- code: the electronic identifier per QCVN 102:2016 (`000.00.12.H56`).
-- path: materialized path of ids ('/1/5/'), so "an agency and its subtree"
-- is `path LIKE '/1/5/%'` (permissions are scoped that way). level: depth
-- in the tree (1 = a root). unit_code: the administrative unit the agency
-- serves (admin_units.code, checked by the program because admin_units is
-- keyed by (code, valid_from)). search_key: folded name, short name and
-- code (see text_fold). Dates are YYYY-MM-DD, valid_to exclusive.
CREATE TABLE agencies (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    parent_id INTEGER REFERENCES agencies (id),
    path TEXT NOT NULL,
    level INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    short_name TEXT,
    unit_code TEXT,
    email TEXT,
    phone TEXT,
    address TEXT,
    website TEXT,
    search_key TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX agencies_parent ON agencies (parent_id);
CREATE INDEX agencies_path ON agencies (path);
CREATE INDEX agencies_unit ON agencies (unit_code);
