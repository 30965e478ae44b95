-- Word-prefix search indexes over the folded search keys of administrative
-- units, agencies and accounts (see src/platform/search.h and
-- docs/decisions.md §20). The keys stay what the program writes; each
-- backend indexes them its own way, kept in step with every write by the
-- database itself, so no write path has to remember the index.
--
-- SQLite: an FTS5 table per key with external content (the row's own
-- search_key column, rowid = id), so the words are stored once in the
-- index and never copied; triggers follow inserts, deletes and changes of
-- the key, and 'rebuild' indexes the rows that exist already. unicode61
-- splits words the way search_parse does (letters and digits; everything
-- else separates). prefix='2 3' keeps short prefixes cheap.
--
-- PostgreSQL: a stored generated tsvector ('simple': no stemming, no stop
-- words) over the key with punctuation turned into spaces, so the parser
-- sees plain words (not e-mail addresses or dotted codes), and a GIN index
-- on it without a pending list (fastupdate off: these tables are read far
-- more than written, and a search then never scans unmerged entries);
-- queries are prefix tsqueries. Built into core PostgreSQL: no
-- CREATE EXTENSION, which a province's database user may not be allowed.

-- dialect: sqlite
CREATE VIRTUAL TABLE admin_units_fts USING fts5 (
    search_key, content = 'admin_units', content_rowid = 'id',
    tokenize = 'unicode61', prefix = '2 3'
);
CREATE TRIGGER admin_units_fts_insert AFTER INSERT ON admin_units BEGIN
    INSERT INTO admin_units_fts (rowid, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER admin_units_fts_delete AFTER DELETE ON admin_units BEGIN
    INSERT INTO admin_units_fts (admin_units_fts, rowid, search_key)
    VALUES ('delete', old.id, old.search_key);
END;
CREATE TRIGGER admin_units_fts_update AFTER UPDATE OF search_key ON admin_units BEGIN
    INSERT INTO admin_units_fts (admin_units_fts, rowid, search_key)
    VALUES ('delete', old.id, old.search_key);
    INSERT INTO admin_units_fts (rowid, search_key) VALUES (new.id, new.search_key);
END;
INSERT INTO admin_units_fts (admin_units_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE agencies_fts USING fts5 (
    search_key, content = 'agencies', content_rowid = 'id',
    tokenize = 'unicode61', prefix = '2 3'
);
CREATE TRIGGER agencies_fts_insert AFTER INSERT ON agencies BEGIN
    INSERT INTO agencies_fts (rowid, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER agencies_fts_delete AFTER DELETE ON agencies BEGIN
    INSERT INTO agencies_fts (agencies_fts, rowid, search_key)
    VALUES ('delete', old.id, old.search_key);
END;
CREATE TRIGGER agencies_fts_update AFTER UPDATE OF search_key ON agencies BEGIN
    INSERT INTO agencies_fts (agencies_fts, rowid, search_key)
    VALUES ('delete', old.id, old.search_key);
    INSERT INTO agencies_fts (rowid, search_key) VALUES (new.id, new.search_key);
END;
INSERT INTO agencies_fts (agencies_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE accounts_fts USING fts5 (
    search_key, content = 'accounts', content_rowid = 'id',
    tokenize = 'unicode61', prefix = '2 3'
);
CREATE TRIGGER accounts_fts_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO accounts_fts (rowid, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER accounts_fts_delete AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, search_key)
    VALUES ('delete', old.id, old.search_key);
END;
CREATE TRIGGER accounts_fts_update AFTER UPDATE OF search_key ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, search_key)
    VALUES ('delete', old.id, old.search_key);
    INSERT INTO accounts_fts (rowid, search_key) VALUES (new.id, new.search_key);
END;
INSERT INTO accounts_fts (accounts_fts) VALUES ('rebuild');

-- dialect: postgresql
ALTER TABLE admin_units ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS
    (to_tsvector('simple', regexp_replace(search_key, '[[:punct:]]+', ' ', 'g'))) STORED;
CREATE INDEX admin_units_search ON admin_units USING GIN (search_tsv) WITH (fastupdate = off);
ALTER TABLE agencies ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS
    (to_tsvector('simple', regexp_replace(search_key, '[[:punct:]]+', ' ', 'g'))) STORED;
CREATE INDEX agencies_search ON agencies USING GIN (search_tsv) WITH (fastupdate = off);
ALTER TABLE accounts ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS
    (to_tsvector('simple', regexp_replace(search_key, '[[:punct:]]+', ' ', 'g'))) STORED;
CREATE INDEX accounts_search ON accounts USING GIN (search_tsv) WITH (fastupdate = off);
