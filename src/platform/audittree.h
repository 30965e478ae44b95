/*
 * audittree — the audit chain anchored outside the database (docs/decisions.md
 * §28): an RFC 6962 Merkle tree over the entries (leaf = the entry's 32-byte
 * chain hash, index seq - 1), signed tree heads (Ed25519 through OpenSSL,
 * the private key in a file outside the database), a checkpoint file of one
 * line per head that an operator ships off-host, inclusion and consistency
 * proofs read from the stored complete subtrees, and the verifier that
 * holds a database against the checkpoints.
 */
#ifndef TS_AUDITTREE_H
#define TS_AUDITTREE_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../db/db.h"
#include "merkle.h"

#define AUDITTREE_MESSAGES(X)                                                                      \
    X(M_AUDIT_NO_STH, "Chưa có bản ghi gốc cây nhật ký nào được ký.",                              \
      "No signed tree head has been published yet.")                                               \
    X(M_AUDIT_NOT_IN_TREE, "Mục nhật ký %s chưa nằm trong cây đã ký (kích thước cây không đủ).",   \
      "Audit entry %s is not in the signed tree (the tree is smaller).")                           \
    X(M_AUDIT_TREE_SIZE,                                                                           \
      "Kích thước cây không hợp lệ: phải từ 1 đến kích thước đã ký mới nhất %s.",                  \
      "Invalid tree size: it must be between 1 and the latest signed size %s.")                    \
    X(M_AUDIT_SIZES_ORDER, "Kích thước thứ nhất không được lớn hơn kích thước thứ hai.",           \
      "The first size must not be larger than the second.")
AUDITTREE_MESSAGES(TS_MSG_EXTERN)
extern const ts_msg audittree_messages[];

/* A signed tree head. */
typedef struct audit_sth {
    int64_t size;
    char root[2 * MERKLE_HASH + 1]; /* hex */
    char at[40];                    /* ISO 8601 UTC, when signed */
    char key_id[17];                /* hex of the first 8 bytes of SHA-256(public key) */
    char sig[96];                   /* base64 of the 64-byte Ed25519 signature */
} audit_sth;

/* `tinhso audit keygen`: a new Ed25519 key in path (PKCS#8 PEM, mode 0600,
 * never overwriting) and its public key in path.pub (PEM). */
ts_code audit_key_generate(const char *path, ts_err *err);
/* Load a private key (PEM) or, for verification, a public key; NULL + err. */
EVP_PKEY *audit_key_load(const char *path, bool private_key, ts_err *err);
/* The public key as base64 of its 32 raw bytes, and its id. */
void audit_key_public(EVP_PKEY *k, char b64[64], char key_id[17]);

/* The signed message: "tinhso-audit-sth-v1\n<size>\n<root>\n<at>\n". */
bool audit_sth_verify(EVP_PKEY *pub, const audit_sth *h);
/* The checkpoint line (no newline), and its parser. */
void audit_checkpoint_line(const audit_sth *h, char *out, size_t cap);
bool audit_checkpoint_parse(const char *line, audit_sth *h);
/* Append h's line to the file (O_APPEND, fsync); false (logged) on error. */
bool audit_checkpoint_append(const char *path, const audit_sth *h);

/* Extend the tree to the chain's head and sign a new head when at least
 * `every` entries are unsigned or the last head is `seconds` old (and the
 * tree grew). With several processes the audit_tree row lock lets exactly
 * one extend and sign; the others see the new size and do nothing.
 * *out is filled and *made true when this call signed a head. */
ts_code audittree_sign(db_conn *c, EVP_PKEY *key, int64_t every, int64_t seconds, audit_sth *out,
                       bool *made, ts_err *err);

/* The head of that size (size 0: the latest); TS_ENOTFOUND when none. */
ts_code audittree_sth(db_conn *c, int64_t size, audit_sth *out, ts_err *err);

/* Inclusion proof of entry seq in the tree of size n (0: the latest head). */
typedef struct audit_proof {
    int64_t size;              /* tree size the proof is for */
    uint8_t leaf[MERKLE_HASH]; /* leaf hash (inclusion only) */
    uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH];
    int len;
    uint8_t root[MERKLE_HASH];       /* root of that size (second size) */
    uint8_t first_root[MERKLE_HASH]; /* consistency: root of the first size */
} audit_proof;
ts_code audittree_inclusion(db_conn *c, int64_t seq, int64_t n, audit_proof *p, ts_err *err);
ts_code audittree_consistency(db_conn *c, int64_t m, int64_t n, audit_proof *p, ts_err *err);

/* `tinhso audit verify --checkpoints`: each line's signature (with pub; when
 * pub is NULL the key is not checked), then the database's entries against
 * every head: a head larger than the log is a truncation, a root that
 * differs a rewrite (no head matches) or a fork (an earlier head matches),
 * two heads of the file that cannot both be true a fork of the signer. */
typedef enum audit_cp_result {
    AUDIT_CP_OK,
    AUDIT_CP_BAD_LINE,
    AUDIT_CP_BAD_SIGNATURE,
    AUDIT_CP_TRUNCATED,
    AUDIT_CP_REWRITTEN,
    AUDIT_CP_FORKED,
} audit_cp_result;
typedef struct audit_cp_report {
    audit_cp_result result;
    int64_t heads;   /* checkpoint lines checked */
    int64_t entries; /* entries in the database */
    int line;        /* the offending line */
    char why[320];
} audit_cp_report;
ts_code audit_verify_checkpoints(db_conn *c, FILE *cp, EVP_PKEY *pub, audit_cp_report *rep,
                                 ts_err *err);

/* The server's signer: a thread that calls audittree_sign once a second
 * and appends each head it signs to checkpoint_file (when set). */
typedef struct audit_signer_cfg {
    const char *key_file;
    const char *checkpoint_file;
    int64_t every, seconds;
} audit_signer_cfg;
ts_code audit_signer_start(db *d, const audit_signer_cfg *cfg, ts_err *err);
void audit_signer_stop(void); /* signs what is pending, then stops */
/* The running signer's public key (base64 of 32 bytes); false when none. */
bool audit_signer_public_key(char b64[64], char key_id[17]);

#endif
