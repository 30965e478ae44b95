-- An agency's own working hours (PUT /api/v1/agencies/{code}/working-hours),
-- versioned by the day they take effect: a deadline counts with the hours in
-- force on the day its dossier was received, so a later change never moves
-- an earlier deadline. hours: JSON, seven arrays (Sunday first) of
-- "HH:MM-HH:MM", at most two periods a day; NULL = as the parent agency
-- again (the province's default at the root). Rows are never changed or
-- removed: a new version is a new row. See docs/decisions.md §33.
CREATE TABLE agency_hours (
    id INTEGER PRIMARY KEY,
    agency_code TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    hours TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (agency_code, effective_from)
);
