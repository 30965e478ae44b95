-- Administrative units: a tree with levels and validity dates so both the
-- three-level shape (province > district > commune, before 1 July 2025) and
-- the two-level shape (province > commune) fit, and re-mergers keep history.
-- level: 1 province, 2 district, 3 commune (xã / phường / đặc khu).
CREATE TABLE admin_units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    parent_id INTEGER REFERENCES admin_units (id),
    parent_code TEXT,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    full_name TEXT NOT NULL,
    full_name_en TEXT,
    code_name TEXT,
    unit_type TEXT,
    unit_type_en TEXT,
    search_key TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (code, valid_from)
);
CREATE INDEX admin_units_parent ON admin_units (parent_code, code);
CREATE INDEX admin_units_level ON admin_units (level, code);
