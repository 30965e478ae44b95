-- One version number per reference data set. A domain function that changes
-- the set moves its version in the same transaction; servers read this table
-- (at most once a second) to drop their cached copies when another process
-- changed the data. See src/platform/refcache.h and docs/decisions.md §14.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO data_versions (name, version) VALUES ('units', 0);
