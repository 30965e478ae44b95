/*
 * merkle — the RFC 6962 / RFC 9162 Merkle tree hash, inclusion and
 * consistency proofs, and their verifiers. Pure functions: the tree's
 * complete subtrees come from a callback, so the same code runs on the
 * audit log's stored nodes (platform/audittree) and on a list in memory
 * (tests). leaf hash = SHA-256(0x00 ‖ leaf), node = SHA-256(0x01 ‖ l ‖ r).
 */
#ifndef TS_MERKLE_H
#define TS_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH 32
#define MERKLE_MAX_PATH 64 /* proofs of trees up to 2^63 leaves */

void merkle_leaf_hash(const void *leaf, size_t n, uint8_t out[MERKLE_HASH]);
void merkle_node_hash(const uint8_t l[MERKLE_HASH], const uint8_t r[MERKLE_HASH],
                      uint8_t out[MERKLE_HASH]);

/* The hash of the complete subtree at level (2^level leaves) and index idx,
 * i.e. of the leaves [idx << level, (idx + 1) << level). false: not found. */
typedef bool (*merkle_get_fn)(void *ctx, int level, int64_t idx, uint8_t out[MERKLE_HASH]);

/* MTH of the leaves [a, b), where a is a multiple of the largest power of
 * two below b - a (every subtree RFC 6962 names is). */
bool merkle_root(merkle_get_fn get, void *ctx, int64_t a, int64_t b, uint8_t out[MERKLE_HASH]);

/* Inclusion proof of leaf m in the tree of size n (m < n), deepest first. */
bool merkle_inclusion(merkle_get_fn get, void *ctx, int64_t m, int64_t n,
                      uint8_t path[][MERKLE_HASH], int *len);

/* Consistency proof between the trees of sizes m and n (0 < m <= n). */
bool merkle_consistency(merkle_get_fn get, void *ctx, int64_t m, int64_t n,
                        uint8_t path[][MERKLE_HASH], int *len);

/* The verifiers of RFC 9162 §2.1.3.2 and §2.1.4.2 (written from the RFC's
 * algorithms, independently of the provers above). */
bool merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH], int64_t index, int64_t size,
                             const uint8_t path[][MERKLE_HASH], int len,
                             const uint8_t root[MERKLE_HASH]);
bool merkle_verify_consistency(int64_t m, int64_t n, const uint8_t root_m[MERKLE_HASH],
                               const uint8_t root_n[MERKLE_HASH], const uint8_t path[][MERKLE_HASH],
                               int len);

/* Incremental root of a growing list of leaf hashes (O(log n) memory): the
 * verifier folds the whole log once and reads the root at every checkpoint. */
typedef struct merkle_frontier {
    uint8_t h[MERKLE_MAX_PATH][MERKLE_HASH]; /* perfect subtrees, largest first */
    int level[MERKLE_MAX_PATH];
    int n;
    int64_t size;
} merkle_frontier;

void merkle_frontier_init(merkle_frontier *f);
void merkle_frontier_add(merkle_frontier *f, const uint8_t leaf_hash[MERKLE_HASH]);
void merkle_frontier_root(const merkle_frontier *f, uint8_t out[MERKLE_HASH]);

/* hex <-> bytes of one hash; merkle_unhex returns false on bad input. */
void merkle_hex(const uint8_t h[MERKLE_HASH], char out[2 * MERKLE_HASH + 1]);
bool merkle_unhex(const char *s, uint8_t out[MERKLE_HASH]);

#endif
