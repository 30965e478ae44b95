/*
 * audit_http — the public side of the audit log (docs/decisions.md §28):
 * GET /api/v1/audit/sth (the latest signed tree head and the signer's public
 * key), GET /api/v1/audit/proof/{seq} (an entry's inclusion proof) and
 * GET /api/v1/audit/consistency (between two tree sizes). Public: they hold
 * hashes only, so anyone — a citizen checking their dossier's history, an
 * auditor holding the checkpoint file — can check the log; the entries
 * themselves stay behind GET /api/v1/audit (administrators, by scope).
 */
#include <stdlib.h>
#include <string.h>

#include "../../http/http.h"
#include "../../lib/jsonw.h"
#include "../../lib/jsonx.h"
#include "../../platform/audittree.h"
#include "../routes.h"

#define MAX_SIZE 9007199254740991LL /* 2^53 - 1: exact in JSON numbers */

static const jx_field proof_query[] = {
    {.name = "tree_size", .type = JX_INT, .min = 1, .max = MAX_SIZE, .def = 0},
    {0},
};
static const jx_field consistency_query[] = {
    {.name = "first", .type = JX_INT, .required = true, .min = 1, .max = MAX_SIZE},
    {.name = "second", .type = JX_INT, .min = 1, .max = MAX_SIZE, .def = 0},
    {0},
};

static void write_sth(jsonw *w, const audit_sth *h)
{
    jw_kint(w, "tree_size", h->size);
    jw_kstr(w, "root_hash", h->root);
    jw_kstr(w, "timestamp", h->at);
    jw_kstr(w, "key_id", h->key_id);
    jw_kstr(w, "signature", h->sig);
}

static void write_hashes(jsonw *w, const char *key, const uint8_t (*path)[MERKLE_HASH], int n)
{
    jw_key(w, key);
    jw_arr_begin(w);
    for (int i = 0; i < n; i++) {
        char hex[2 * MERKLE_HASH + 1];
        merkle_hex(path[i], hex);
        jw_str(w, hex);
    }
    jw_arr_end(w);
}

static void write_hash(jsonw *w, const char *key, const uint8_t h[MERKLE_HASH])
{
    char hex[2 * MERKLE_HASH + 1];
    merkle_hex(h, hex);
    jw_kstr(w, key, hex);
}

static ts_code h_sth(http_req *r, ts_ctx *x)
{
    db_conn *c = x->db;
    audit_sth h;
    TS_TRY(audittree_sth(c, 0, &h, &r->err));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    write_sth(w, &h);
    char pub[64], id[17];
    if (audit_signer_public_key(pub, id) && !strcmp(id, h.key_id)) jw_kstr(w, "public_key", pub);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

static ts_code h_proof(http_req *r, ts_ctx *x)
{
    int64_t seq = http_id(r, "seq");
    db_conn *c = x->db;
    audit_proof *p = malloc(sizeof *p);
    ts_code rc = audittree_inclusion(c, seq, http_qint(r, "tree_size"), p, &r->err);
    if (rc == TS_OK) {
        jsonw *w = http_json(r);
        jw_obj_begin(w);
        jw_kint(w, "seq", seq);
        jw_kint(w, "leaf_index", seq - 1);
        jw_kint(w, "tree_size", p->size);
        write_hash(w, "leaf_hash", p->leaf);
        write_hashes(w, "audit_path", (const uint8_t(*)[MERKLE_HASH])p->path, p->len);
        write_hash(w, "root_hash", p->root);
        audit_sth h;
        ts_err e2;
        ts_err_clear(&e2);
        if (audittree_sth(c, p->size, &h, &e2) == TS_OK) {
            jw_key(w, "sth");
            jw_obj_begin(w);
            write_sth(w, &h);
            jw_obj_end(w);
        }
        jw_obj_end(w);
        rc = http_reply_w(r, 200, w);
    }
    free(p);
    return rc;
}

static ts_code h_consistency(http_req *r, ts_ctx *x)
{
    db_conn *c = x->db;
    audit_proof *p = malloc(sizeof *p);
    int64_t first = http_qint(r, "first");
    ts_code rc = audittree_consistency(c, first, http_qint(r, "second"), p, &r->err);
    if (rc == TS_OK) {
        jsonw *w = http_json(r);
        jw_obj_begin(w);
        jw_kint(w, "first", first);
        jw_kint(w, "second", p->size);
        write_hash(w, "first_root_hash", p->first_root);
        write_hash(w, "second_root_hash", p->root);
        write_hashes(w, "proof", (const uint8_t(*)[MERKLE_HASH])p->path, p->len);
        jw_obj_end(w);
        rc = http_reply_w(r, 200, w);
    }
    free(p);
    return rc;
}

const http_route audit_routes[] = {
    {"GET", "/api/v1/audit/sth", h_sth, PERM_PUBLIC, .query = NULL},
    {"GET", "/api/v1/audit/proof/{seq}", h_proof, PERM_PUBLIC, .query = proof_query,
     .ids = HTTP_IDS({"seq", M_AUDIT_NOT_IN_TREE, 1, MAX_SIZE})},
    {"GET", "/api/v1/audit/consistency", h_consistency, PERM_PUBLIC, .query = consistency_query},
    {0},
};

const ts_domain audit_domain = {"audit", audit_routes, audittree_messages, NULL};
