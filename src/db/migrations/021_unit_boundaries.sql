-- The boundaries of administrative units (src/domains/units/boundaries.c,
-- docs/decisions.md §42): one row per unit code, the geometry as GeoJSON
-- text — a MultiPolygon with every ring, rewritten by platform/geo with 6
-- decimals — and the simplified copy the web map draws (Douglas–Peucker,
-- 20 m, 5 decimals). The bounding box is kept in integer micro-degrees
-- (the coordinates have 6 decimals, so it is exact, and both backends
-- store it alike). level and parent_code copy the unit's, so the communes
-- of a province are one index range. Written only by units_boundaries_import
-- (`tinhso demo`, `tinhso units boundaries`), which moves the 'boundaries'
-- row of data_versions in the same transaction: each server rebuilds its
-- point-in-polygon index when it sees the version move.
CREATE TABLE unit_boundaries (
    code TEXT NOT NULL PRIMARY KEY,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    parent_code TEXT,
    geometry TEXT NOT NULL,
    display TEXT NOT NULL,
    vertices INTEGER NOT NULL,
    display_vertices INTEGER NOT NULL,
    min_lon_e6 INTEGER NOT NULL,
    min_lat_e6 INTEGER NOT NULL,
    max_lon_e6 INTEGER NOT NULL,
    max_lat_e6 INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX unit_boundaries_parent ON unit_boundaries (parent_code, level, code);
INSERT INTO data_versions (name, version) VALUES ('boundaries', 0);
