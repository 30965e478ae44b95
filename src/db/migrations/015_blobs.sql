-- The blob store (src/platform/blobs): files kept once by the SHA-256 of
-- their bytes, in the database itself so that every process of a
-- multi-process setup sees the same files and a file and the change that
-- refers to it commit together (docs/decisions.md §36). purpose says who
-- may read it: 'template' (a procedure's form: public); later dossiers'
-- attachments get their own purpose and their own access rules. The first
-- upload's file name and type stay with the bytes.
-- dialect: sqlite
CREATE TABLE blobs (
    sha256 TEXT NOT NULL PRIMARY KEY,
    purpose TEXT NOT NULL,
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
-- dialect: postgresql
CREATE TABLE blobs (
    sha256 TEXT NOT NULL PRIMARY KEY,
    purpose TEXT NOT NULL,
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    data BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
-- dialect: all
