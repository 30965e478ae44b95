-- The catalogue of administrative procedures (src/domains/procedures). One
-- row per version of a procedure; a version is never changed once written,
-- except that the next version closes it (effective_to) and takes over
-- current. doc is the version's canonical JSON document (the checked
-- document in one fixed member order); the other columns repeat what
-- listings filter, order and search on. search_key: name, field and code
-- folded (no diacritics, lower case). See docs/decisions.md §34.
CREATE TABLE procedures (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    current INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    field TEXT NOT NULL,
    level TEXT NOT NULL,
    service_level TEXT NOT NULL,
    agency TEXT,
    same_day INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT,
    search_key TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (code, version)
);
CREATE INDEX procedures_listing ON procedures (current, field, code);
CREATE INDEX procedures_agency ON procedures (agency, current);

-- search-index: procedures

INSERT INTO data_versions (name, version) VALUES ('procedures', 0);
