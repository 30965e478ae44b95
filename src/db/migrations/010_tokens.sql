-- Accountable credentials (issue 8, docs/decisions.md §30).
--
-- 1. system_admin means the province: it may only be held on a root
--    agency (no parent). A system_admin grant on any other agency becomes
--    agency_admin on the same agency (its subtree), which is what such an
--    administrator could rightly do; their sessions end, so the next
--    request reads the new grants.
DELETE FROM sessions WHERE account_id IN (
    SELECT g.account_id FROM grants g JOIN agencies ag ON ag.id = g.agency_id
    WHERE g.role = 'system_admin' AND ag.parent_id IS NOT NULL);
INSERT INTO grants (account_id, role, agency_id, created_at, created_by)
    SELECT g.account_id, 'agency_admin', g.agency_id, g.created_at, 'migration:010'
    FROM grants g JOIN agencies ag ON ag.id = g.agency_id
    WHERE g.role = 'system_admin' AND ag.parent_id IS NOT NULL
    ON CONFLICT DO NOTHING;
DELETE FROM grants WHERE role = 'system_admin'
    AND agency_id IN (SELECT id FROM agencies WHERE parent_id IS NOT NULL);

-- 2. API tokens belong to an owner account and a purpose, expire, and mint
--    other tokens only when made for it. owner_id: the account whose
--    grants bound the token's on every use. expires_at: epoch seconds.
--    mint: 1 = may create tokens (for its owner, within its own grants).
ALTER TABLE api_tokens ADD COLUMN owner_id INTEGER REFERENCES accounts (id);
ALTER TABLE api_tokens ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN mint INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_tokens_owner ON api_tokens (owner_id);
-- tokens made by a signed-in account belong to it; the others (made by
-- the bootstrap token, the console or another token) have no owner to
-- answer for them and are revoked; every token left expires in 90 days
UPDATE api_tokens SET owner_id = CAST(SUBSTR(created_by, 6) AS INTEGER)
    WHERE created_by LIKE 'user:%';
UPDATE api_tokens SET purpose = name WHERE purpose = '';
-- dialect: sqlite
UPDATE api_tokens SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER)
    WHERE owner_id IS NULL AND revoked_at IS NULL;
UPDATE api_tokens SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) + 7776000;
-- dialect: postgresql
UPDATE api_tokens SET revoked_at = CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS INTEGER)
    WHERE owner_id IS NULL AND revoked_at IS NULL;
UPDATE api_tokens SET expires_at = CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS INTEGER) + 7776000;
-- dialect: all

-- 3. A user sees their own sessions: the browser that opened each.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
