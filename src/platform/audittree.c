/*
 * audittree — see audittree.h and docs/decisions.md §28.
 *
 * Storage: audit_node holds every complete subtree (level, index); a proof
 * or root of any size up to the signed one needs O(log² n) point lookups,
 * never a scan of the log. The signer adds the new leaves and the subtrees
 * they complete (about two rows per entry) in the transaction that signs.
 */
#include "audittree.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../db/dbq.h"
#include "../lib/log.h"
#include "../lib/ticker.h"
#include "../lib/timeutil.h"

AUDITTREE_MESSAGES(TS_MSG_DEFINE)
const ts_msg audittree_messages[] = {AUDITTREE_MESSAGES(TS_MSG_REF) NULL};

static ts_code internal(ts_err *err, const char *what)
{
    ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
    ts_err_debug(err, "%s", what);
    return TS_EINTERNAL;
}

/* ---- keys ---- */

ts_code audit_key_generate(const char *path, ts_err *err)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!k) return internal(err, "Ed25519 key generation failed");
    char pub[4096];
    snprintf(pub, sizeof pub, "%s.pub", path);
    ts_code rc = TS_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        rc = internal(err, "cannot create the key file");
        ts_err_debug(err, "%s: %s", path, strerror(errno));
        goto out;
    }
    bool ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
    ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    fclose(f);
    FILE *p = ok ? fopen(pub, "w") : NULL;
    if (!p || PEM_write_PUBKEY(p, k) != 1) ok = false;
    if (p && fclose(p)) ok = false;
    if (!ok) {
        rc = internal(err, "cannot write the key");
        ts_err_debug(err, "%s: %s", path, strerror(errno));
    }
out:
    EVP_PKEY_free(k);
    return rc;
}

EVP_PKEY *audit_key_load(const char *path, bool private_key, ts_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        internal(err, "cannot open the key file");
        ts_err_debug(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *k = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                              : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (k && EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    if (!k) {
        internal(err, "not an Ed25519 key");
        ts_err_debug(err, "%s is not an Ed25519 %s key in PEM", path,
                     private_key ? "private" : "public");
    }
    return k;
}

void audit_key_public(EVP_PKEY *k, char b64[64], char key_id[17])
{
    unsigned char raw[32];
    size_t n = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1) n = 0;
    EVP_EncodeBlock((unsigned char *)b64, raw, (int)n);
    uint8_t h[32];
    unsigned int hl = 0;
    EVP_Digest(raw, n, h, &hl, EVP_sha256(), NULL);
    char hex[65];
    merkle_hex(h, hex);
    memcpy(key_id, hex, 16);
    key_id[16] = '\0';
}

static int sth_message(const audit_sth *h, char *out, size_t cap)
{
    return snprintf(out, cap, "tinhso-audit-sth-v1\n%lld\n%s\n%s\n", (long long)h->size, h->root,
                    h->at);
}

static bool sth_sign(EVP_PKEY *k, audit_sth *h)
{
    char msg[256];
    int n = sth_message(h, msg, sizeof msg);
    unsigned char sig[64];
    size_t sl = sizeof sig;
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    bool ok = x && EVP_DigestSignInit(x, NULL, NULL, NULL, k) == 1 &&
              EVP_DigestSign(x, sig, &sl, (unsigned char *)msg, (size_t)n) == 1;
    EVP_MD_CTX_free(x);
    if (ok) EVP_EncodeBlock((unsigned char *)h->sig, sig, (int)sl);
    char b64[64];
    audit_key_public(k, b64, h->key_id);
    return ok;
}

bool audit_sth_verify(EVP_PKEY *pub, const audit_sth *h)
{
    unsigned char sig[72];
    size_t sl = strlen(h->sig);
    if (sl != 88) return false; /* base64 of 64 bytes */
    if (EVP_DecodeBlock(sig, (const unsigned char *)h->sig, (int)sl) != 66) return false;
    char msg[256];
    int n = sth_message(h, msg, sizeof msg);
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    bool ok = x && EVP_DigestVerifyInit(x, NULL, NULL, NULL, pub) == 1 &&
              EVP_DigestVerify(x, sig, 64, (unsigned char *)msg, (size_t)n) == 1;
    EVP_MD_CTX_free(x);
    return ok;
}

void audit_checkpoint_line(const audit_sth *h, char *out, size_t cap)
{
    snprintf(out, cap, "tinhso-sth v1 size=%lld root=%s at=%s key=%s sig=%s", (long long)h->size,
             h->root, h->at, h->key_id, h->sig);
}

bool audit_checkpoint_parse(const char *line, audit_sth *h)
{
    memset(h, 0, sizeof *h);
    long long size;
    int end = 0;
    if (sscanf(line,
               "tinhso-sth v1 size=%lld root=%64[0-9a-f] at=%39[0-9TZ:.-] key=%16[0-9a-f] "
               "sig=%95[A-Za-z0-9+/=]%n",
               &size, h->root, h->at, h->key_id, h->sig, &end) != 5)
        return false;
    while (line[end] == '\r' || line[end] == '\n')
        end++;
    uint8_t tmp[MERKLE_HASH];
    h->size = size;
    return line[end] == '\0' && size > 0 && merkle_unhex(h->root, tmp);
}

/* ---- the stored tree ---- */

typedef struct node_ctx {
    db_conn *c;
    ts_err *err;
    bool failed;
} node_ctx;

static bool node_get(void *ctx, int level, int64_t idx, uint8_t out[MERKLE_HASH])
{
    node_ctx *x = ctx;
    db_stmt *s;
    if (db_prepare(x->c, "SELECT hash FROM audit_node WHERE level = ? AND idx = ?", &s, x->err) !=
        TS_OK) {
        x->failed = true;
        return false;
    }
    db_bind_list(s, DBV_I(level), DBV_I(idx));
    int r = db_step(s, x->err);
    bool ok = r == DB_ROW && merkle_unhex(db_col_text(s, 0), out);
    db_reset(s);
    if (r < 0) x->failed = true;
    return ok;
}

static ts_code node_put(db_conn *c, int level, int64_t idx, const uint8_t h[MERKLE_HASH],
                        ts_err *err)
{
    char hex[2 * MERKLE_HASH + 1];
    merkle_hex(h, hex);
    return db_run(c, err, "INSERT INTO audit_node (level, idx, hash) VALUES (?, ?, ?)",
                  DBV_I(level), DBV_I(idx), DBV_T(hex));
}

/* Add leaves [from, to) from the chain, with every subtree they complete. */
static ts_code extend(db_conn *c, int64_t from, int64_t to, ts_err *err)
{
    db_stmt *s;
    ts_code rc = db_prepare(c,
                            "SELECT seq, hash FROM audit_log WHERE seq > ? AND seq <= ? "
                            "ORDER BY seq",
                            &s, err);
    if (rc != TS_OK) return rc;
    db_bind_list(s, DBV_I(from), DBV_I(to));
    /* read first (a statement stays open only while it is read) */
    size_t n = (size_t)(to - from);
    uint8_t(*leaf)[MERKLE_HASH] = malloc(n ? n * MERKLE_HASH : 1);
    size_t got = 0;
    int r;
    while ((r = db_step(s, err)) == DB_ROW) {
        uint8_t chain[MERKLE_HASH];
        if (got >= n || db_col_int(s, 0) != from + 1 + (int64_t)got ||
            !merkle_unhex(db_col_text(s, 1), chain)) {
            r = -TS_EINTERNAL;
            break;
        }
        merkle_leaf_hash(chain, MERKLE_HASH, leaf[got++]);
    }
    db_reset(s);
    if (r < 0 || got != n) {
        free(leaf);
        if (r == -TS_EINTERNAL || got != n) {
            ts_code e = internal(err, "the audit chain has a gap or a bad hash");
            ts_err_debug(err,
                         "audit tree: entries %lld..%lld are not a dense chain; run tinhso "
                         "audit verify",
                         (long long)from + 1, (long long)to);
            return e;
        }
        return (ts_code)-r;
    }
    node_ctx x = {c, err, false};
    for (size_t i = 0; i < n && rc == TS_OK; i++) {
        int64_t idx = from + (int64_t)i;
        uint8_t cur[MERKLE_HASH];
        memcpy(cur, leaf[i], MERKLE_HASH);
        rc = node_put(c, 0, idx, cur, err);
        for (int level = 0; rc == TS_OK && (idx & 1); level++) {
            uint8_t sib[MERKLE_HASH];
            if (!node_get(&x, level, idx - 1, sib)) {
                rc = x.failed ? err->code : internal(err, "audit tree: a subtree is missing");
                break;
            }
            merkle_node_hash(sib, cur, cur);
            idx >>= 1;
            rc = node_put(c, level + 1, idx, cur, err);
        }
    }
    free(leaf);
    return rc;
}

static ts_code root_of(db_conn *c, int64_t n, uint8_t out[MERKLE_HASH], ts_err *err)
{
    node_ctx x = {c, err, false};
    if (merkle_root(node_get, &x, 0, n, out)) return TS_OK;
    return x.failed ? err->code : internal(err, "audit tree: a subtree is missing");
}

typedef struct sign_arg {
    EVP_PKEY *key;
    int64_t every, seconds;
    audit_sth *out;
    bool *made;
} sign_arg;

static ts_code sign_tx(db_conn *c, void *arg, ts_err *err)
{
    sign_arg *a = arg;
    /* the lock: a second signer waits here, then sees the new size */
    db_stmt *s;
    ts_code rc = db_prepare(c,
                            "UPDATE audit_tree SET size = size WHERE id = 1 "
                            "RETURNING size, signed_us",
                            &s, err);
    if (rc != TS_OK) return rc;
    int r = db_step(s, err);
    int64_t size = r == DB_ROW ? db_col_int(s, 0) : -1, signed_us = db_col_int(s, 1);
    while (r == DB_ROW)
        r = db_step(s, err);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (size < 0) return internal(err, "audit_tree row missing");
    int64_t head = db_query_int(c, "SELECT seq FROM audit_head WHERE id = 1", -1, err);
    if (head < 0) return err->code ? err->code : internal(err, "audit_head row missing");
    int64_t now = time_now_us();
    if (head <= size ||
        (head - size < a->every && now - signed_us < a->seconds * 1000000 && signed_us))
        return TS_OK;
    if ((rc = extend(c, size, head, err)) != TS_OK) return rc;
    uint8_t root[MERKLE_HASH];
    if ((rc = root_of(c, head, root, err)) != TS_OK) return rc;
    audit_sth h = {.size = head};
    merkle_hex(root, h.root);
    time_iso_us(now, h.at, sizeof h.at);
    if (!sth_sign(a->key, &h)) return internal(err, "Ed25519 signing failed");
    rc = db_run(c, err,
                "INSERT INTO audit_sth (tree_size, root_hash, signed_at, key_id, signature) "
                "VALUES (?, ?, ?, ?, ?)",
                DBV_I(h.size), DBV_T(h.root), DBV_T(h.at), DBV_T(h.key_id), DBV_T(h.sig));
    if (rc != TS_OK) return rc;
    TS_TRY(db_run(c, err, "UPDATE audit_tree SET size = ?, signed_us = ? WHERE id = 1", DBV_I(head),
                  DBV_I(now)));
    *a->out = h;
    *a->made = true;
    return TS_OK;
}

ts_code audittree_sign(db_conn *c, EVP_PKEY *key, int64_t every, int64_t seconds, audit_sth *out,
                       bool *made, ts_err *err)
{
    *made = false;
    sign_arg a = {key, every < 1 ? 1 : every, seconds, out, made};
    ts_code rc = db_transact(c, sign_tx, &a, err);
    if (rc != TS_OK) *made = false;
    return rc;
}

ts_code audittree_sth(db_conn *c, int64_t size, audit_sth *out, ts_err *err)
{
    db_stmt *s;
    TS_TRY(db_prepare(c,
                      size > 0 ? "SELECT tree_size, root_hash, signed_at, key_id, "
                                 "signature FROM audit_sth WHERE tree_size = ?"
                               : "SELECT tree_size, root_hash, signed_at, key_id, "
                                 "signature FROM audit_sth ORDER BY tree_size DESC "
                                 "LIMIT 1",
                      &s, err));
    if (size > 0) db_bind_int(s, 1, size);
    int r = db_step(s, err);
    if (r == DB_ROW) {
        memset(out, 0, sizeof *out);
        out->size = db_col_int(s, 0);
        snprintf(out->root, sizeof out->root, "%s", db_col_text(s, 1));
        snprintf(out->at, sizeof out->at, "%s", db_col_text(s, 2));
        snprintf(out->key_id, sizeof out->key_id, "%s", db_col_text(s, 3));
        snprintf(out->sig, sizeof out->sig, "%s", db_col_text(s, 4));
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (r != DB_ROW) return ts_err_set(err, TS_ENOTFOUND, M_AUDIT_NO_STH, NULL);
    return TS_OK;
}

/* The tree size n a proof may use: 1..the latest signed size (0: that). */
static ts_code proof_size(db_conn *c, int64_t *n, const char *field, ts_err *err)
{
    audit_sth h;
    TS_TRY(audittree_sth(c, 0, &h, err));
    if (*n == 0) *n = h.size;
    if (*n < 1 || *n > h.size) {
        char max[24];
        snprintf(max, sizeof max, "%lld", (long long)h.size);
        ts_err_set(err, TS_EVALIDATION, M_VALIDATION, NULL);
        return ts_err_field(err, TS_EVALIDATION, field, M_AUDIT_TREE_SIZE, max);
    }
    return TS_OK;
}

ts_code audittree_inclusion(db_conn *c, int64_t seq, int64_t n, audit_proof *p, ts_err *err)
{
    memset(p, 0, sizeof *p);
    TS_TRY(proof_size(c, &n, "tree_size", err));
    if (seq < 1 || seq > n) {
        char s[24];
        snprintf(s, sizeof s, "%lld", (long long)seq);
        return ts_err_set(err, TS_ENOTFOUND, M_AUDIT_NOT_IN_TREE, s);
    }
    node_ctx x = {c, err, false};
    p->size = n;
    if (!node_get(&x, 0, seq - 1, p->leaf) ||
        !merkle_inclusion(node_get, &x, seq - 1, n, p->path, &p->len))
        return x.failed ? err->code : internal(err, "audit tree: a subtree is missing");
    return root_of(c, n, p->root, err);
}

ts_code audittree_consistency(db_conn *c, int64_t m, int64_t n, audit_proof *p, ts_err *err)
{
    memset(p, 0, sizeof *p);
    ts_code rc = proof_size(c, &n, "second", err);
    if (rc != TS_OK) return rc;
    if (m < 1 || m > n) {
        ts_err_set(err, TS_EVALIDATION, M_VALIDATION, NULL);
        return ts_err_field(err, TS_EVALIDATION, "first",
                            m < 1 ? M_AUDIT_TREE_SIZE : M_AUDIT_SIZES_ORDER, m < 1 ? "1" : NULL);
    }
    node_ctx x = {c, err, false};
    p->size = n;
    if (!merkle_consistency(node_get, &x, m, n, p->path, &p->len))
        return x.failed ? err->code : internal(err, "audit tree: a subtree is missing");
    if ((rc = root_of(c, m, p->first_root, err)) != TS_OK) return rc;
    return root_of(c, n, p->root, err);
}

/* ---- the verifier ---- */

typedef struct cp_list {
    audit_sth *h;
    int *line;
    int n, cap;
} cp_list;

static void cp_fail(audit_cp_report *rep, audit_cp_result res, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void cp_fail(audit_cp_report *rep, audit_cp_result res, int line, const char *fmt, ...)
{
    rep->result = res;
    rep->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->why, sizeof rep->why, fmt, ap);
    va_end(ap);
}

/* Read and check the file's lines: format, signature, order. */
static bool cp_read(FILE *cp, EVP_PKEY *pub, cp_list *l, audit_cp_report *rep)
{
    char buf[1024];
    int lineno = 0;
    while (fgets(buf, sizeof buf, cp)) {
        lineno++;
        if (buf[0] == '\n' || buf[0] == '#') continue;
        audit_sth h;
        if (!audit_checkpoint_parse(buf, &h)) {
            cp_fail(rep, AUDIT_CP_BAD_LINE, lineno, "line %d is not a signed tree head", lineno);
            return false;
        }
        if (pub && !audit_sth_verify(pub, &h)) {
            cp_fail(rep, AUDIT_CP_BAD_SIGNATURE, lineno,
                    "line %d (tree size %lld): the signature does not verify with the public key",
                    lineno, (long long)h.size);
            return false;
        }
        if (l->n && h.size < l->h[l->n - 1].size) {
            cp_fail(rep, AUDIT_CP_FORKED, lineno,
                    "FORK: line %d signs a tree of %lld entries after line %d signed %lld: the "
                    "log was rolled back and re-grown",
                    lineno, (long long)h.size, l->line[l->n - 1], (long long)l->h[l->n - 1].size);
            return false;
        }
        if (l->n && h.size == l->h[l->n - 1].size) {
            if (strcmp(h.root, l->h[l->n - 1].root)) {
                cp_fail(rep, AUDIT_CP_FORKED, lineno,
                        "FORK: lines %d and %d sign two different trees of %lld entries",
                        l->line[l->n - 1], lineno, (long long)h.size);
                return false;
            }
            continue;
        }
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 64;
            l->h = realloc(l->h, (size_t)l->cap * sizeof *l->h);
            l->line = realloc(l->line, (size_t)l->cap * sizeof *l->line);
        }
        l->line[l->n] = lineno;
        l->h[l->n++] = h;
    }
    return true;
}

/* Fold the chain's leaves once; compare the root at every head's size. */
static ts_code cp_match(db_conn *c, const cp_list *l, audit_cp_report *rep, ts_err *err)
{
    db_stmt *s;
    ts_code rc = db_prepare(c, "SELECT seq, hash FROM audit_log ORDER BY seq", &s, err);
    if (rc != TS_OK) return rc;
    merkle_frontier *f = malloc(sizeof *f);
    merkle_frontier_init(f);
    int k = 0, matched = -1;
    int r = DB_DONE;
    while (k < l->n && (r = db_step(s, err)) == DB_ROW) {
        uint8_t chain[MERKLE_HASH], lh[MERKLE_HASH];
        if (db_col_int(s, 0) != f->size + 1 || !merkle_unhex(db_col_text(s, 1), chain)) {
            cp_fail(rep, AUDIT_CP_REWRITTEN, 0,
                    "entry %lld: the chain is not dense or has a bad hash (run audit verify)",
                    (long long)f->size + 1);
            break;
        }
        merkle_leaf_hash(chain, MERKLE_HASH, lh);
        merkle_frontier_add(f, lh);
        while (k < l->n && l->h[k].size == f->size) {
            uint8_t root[MERKLE_HASH];
            char hex[2 * MERKLE_HASH + 1];
            merkle_frontier_root(f, root);
            merkle_hex(root, hex);
            if (strcmp(hex, l->h[k].root)) {
                if (matched < 0)
                    cp_fail(rep, AUDIT_CP_REWRITTEN, l->line[k],
                            "REWRITTEN: the database's first %lld entries do not match the "
                            "signed head of line %d (tree root %.16s…, the database gives "
                            "%.16s…): entries were edited, removed or renumbered and re-hashed",
                            (long long)l->h[k].size, l->line[k], l->h[k].root, hex);
                else
                    cp_fail(rep, AUDIT_CP_FORKED, l->line[k],
                            "FORK: the database agrees with the signed head of line %d (%lld "
                            "entries) but not with line %d (%lld entries): its history after "
                            "entry %lld differs from the one that was signed",
                            l->line[matched], (long long)l->h[matched].size, l->line[k],
                            (long long)l->h[k].size, (long long)l->h[matched].size);
                k = l->n;
                break;
            }
            rep->heads++;
            matched = k++;
        }
    }
    db_reset(s);
    if (r < 0) rc = (ts_code)-r;
    if (rc == TS_OK && rep->result == AUDIT_CP_OK) {
        rep->entries = db_query_int(c, "SELECT count(*) FROM audit_log", 0, err);
        if (k < l->n)
            cp_fail(rep, AUDIT_CP_TRUNCATED, l->line[k],
                    "TRUNCATED: line %d signed a tree of %lld entries but the database holds "
                    "only %lld: the newest entries were removed",
                    l->line[k], (long long)l->h[k].size, (long long)f->size);
    }
    free(f);
    return rc;
}

ts_code audit_verify_checkpoints(db_conn *c, FILE *cp, EVP_PKEY *pub, audit_cp_report *rep,
                                 ts_err *err)
{
    memset(rep, 0, sizeof *rep);
    cp_list l = {0};
    ts_code rc = TS_OK;
    if (cp_read(cp, pub, &l, rep)) rc = cp_match(c, &l, rep, err);
    free(l.h);
    free(l.line);
    return rc;
}

/* ---- the signer thread ---- */

static struct {
    ticker t;
    db *d;
    EVP_PKEY *key;
    char checkpoint[1024];
    int64_t every, seconds;
} S;

bool audit_checkpoint_append(const char *path, const audit_sth *h)
{
    char line[512];
    audit_checkpoint_line(h, line, sizeof line);
    size_t n = strlen(line);
    line[n++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write(fd, line, n) == (ssize_t)n && fsync(fd) == 0;
    if (fd >= 0) close(fd);
    if (!ok)
        log_error("audit: cannot append the signed head of size %lld to %s: %s", (long long)h->size,
                  path, strerror(errno));
    return ok;
}

/* once a second; on the way out, sign whatever is pending */
static void sign_tick(void *arg, bool stopping)
{
    (void)arg;
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = db_conn_get(S.d, &e);
    if (!c) return;
    audit_sth h;
    bool made = false;
    if (audittree_sign(c, S.key, stopping ? 1 : S.every, stopping ? 0 : S.seconds, &h, &made, &e) !=
        TS_OK)
        log_error("audit: signing the tree head failed: %s", e.debug);
    else if (made && S.checkpoint[0])
        audit_checkpoint_append(S.checkpoint, &h);
}

ts_code audit_signer_start(db *d, const audit_signer_cfg *cfg, ts_err *err)
{
    EVP_PKEY *k = audit_key_load(cfg->key_file, true, err);
    if (!k) return err->code;
    S.d = d;
    S.key = k;
    snprintf(S.checkpoint, sizeof S.checkpoint, "%s",
             cfg->checkpoint_file ? cfg->checkpoint_file : "");
    S.every = cfg->every;
    S.seconds = cfg->seconds;
    if (!ticker_start(&S.t, sign_tick, NULL)) {
        EVP_PKEY_free(k);
        S.key = NULL;
        return internal(err, "cannot start the audit signer thread");
    }
    return TS_OK;
}

void audit_signer_stop(void)
{
    if (!S.t.running) return;
    ticker_stop(&S.t);
    EVP_PKEY_free(S.key);
    S.key = NULL;
}

bool audit_signer_public_key(char b64[64], char key_id[17])
{
    if (!S.t.running || !S.key) return false;
    audit_key_public(S.key, b64, key_id);
    return true;
}
