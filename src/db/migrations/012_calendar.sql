-- The official yearly schedules of days off that administrators enter
-- (PUT /api/v1/calendar/{year}/schedule), on top of the ones shipped in the
-- binary (platform/worktime.c). Each PUT is a new version of that year's
-- schedule, complete for the year: its rows share year and version.
-- entered (YYYY-MM-DD, local) is the day the version became known: a
-- deadline computed as of an earlier day does not see it unless the
-- version is retroactive (an official change). kind: holiday |
-- compensatory | swap_off | swap_work. See docs/decisions.md §32.
CREATE TABLE calendar_days (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    version INTEGER NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    ref TEXT NOT NULL,
    entered TEXT NOT NULL,
    retroactive INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (year, version, day)
);

INSERT INTO data_versions (name, version) VALUES ('calendar', 0);
