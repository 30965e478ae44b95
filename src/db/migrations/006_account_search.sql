-- A folded search key for accounts (username and full name, lower case,
-- without diacritics, đ -> d), so searching people is a filter and a page in
-- SQL instead of reading every account of the scope into memory. Accounts
-- written before this migration get their key from tinhso right after it
-- migrates (accounts_fill_search_keys); the partial index finds them.
ALTER TABLE accounts ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
CREATE INDEX accounts_search_pending ON accounts (id) WHERE search_key = '';
