-- The audit chain's RFC 6962 Merkle tree and its signed tree heads (see
-- src/platform/audittree.h, docs/decisions.md §28). The leaf of entry seq is
-- its chain hash (audit_log.hash, 32 bytes), at index seq - 1.
--
-- audit_tree: one row; size = leaves in audit_node (the last signed head's
-- size). A signer locks it (UPDATE ... RETURNING) so that with several
-- processes only one extends the tree and signs each head.
CREATE TABLE audit_tree (
    id INTEGER NOT NULL PRIMARY KEY,
    size BIGINT NOT NULL,
    signed_us BIGINT NOT NULL
);
INSERT INTO audit_tree (id, size, signed_us) VALUES (1, 0, 0);

-- Every complete (perfect) subtree: level k, index i covers the leaves
-- [i * 2^k, (i + 1) * 2^k); level 0 holds the leaf hashes. Hex.
CREATE TABLE audit_node (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (level, idx)
);

-- The signed tree heads, as also appended to the checkpoint file.
CREATE TABLE audit_sth (
    tree_size BIGINT NOT NULL PRIMARY KEY,
    root_hash TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
