/*
 * audit — hash chain over an append-only table.
 *
 * canonical(entry) is the compact JSON array
 *   [seq, at, actor, agency|null, action, object_type, object_id, summary]
 * where summary is the stored canonical JSON text (sorted keys, compact).
 * hash = hex(SHA-256(prev_hash_hex ‖ canonical)).
 *
 * Serialisation: the writer first updates the single audit_head row
 * (seq = seq + 1 ... RETURNING); that row lock queues concurrent writers in
 * PostgreSQL, and SQLite already serialises writers, so sequence numbers are
 * dense and each entry links to the one before it.
 */
#include "audit.h"
#include "../db/dbq.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "../lib/timeutil.h"

static char *canonical(int64_t seq, const char *at, const char *actor, const char *agency,
                       const char *action, const char *object_type, const char *object_id,
                       const char *summary)
{
    json_t *a = json_array();
    json_array_append_new(a, json_integer(seq));
    json_array_append_new(a, json_string(at));
    json_array_append_new(a, json_string(actor));
    json_array_append_new(a, agency ? json_string(agency) : json_null());
    json_array_append_new(a, json_string(action));
    json_array_append_new(a, json_string(object_type));
    json_array_append_new(a, json_string(object_id));
    json_array_append_new(a, json_string(summary));
    char *s = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(a);
    return s;
}

void audit_hash(const char *prev_hash, int64_t seq, const char *at, const char *actor,
                const char *agency, const char *action, const char *object_type,
                const char *object_id, const char *summary, char out[65])
{
    char *canon = canonical(seq, at ? at : "", actor ? actor : "", agency, action ? action : "",
                            object_type ? object_type : "", object_id ? object_id : "",
                            summary ? summary : "");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, prev_hash, strlen(prev_hash));
    if (canon) EVP_DigestUpdate(ctx, canon, strlen(canon));
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    free(canon);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

ts_code audit_append(db_conn *c, const audit_entry *e, int64_t *seq_out, ts_err *err)
{
    db_stmt *s;
    ts_code rc = db_prepare(
        c, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash", &s, err);
    if (rc != TS_OK) return rc;
    int r = db_step(s, err);
    if (r != DB_ROW) {
        db_reset(s);
        if (r == DB_DONE) {
            ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
            ts_err_debug(err, "audit_head row missing");
            return TS_EINTERNAL;
        }
        return (ts_code)-r;
    }
    int64_t seq = db_col_int(s, 0);
    char prev[65];
    snprintf(prev, sizeof prev, "%s", db_col_text(s, 1) ? db_col_text(s, 1) : "");
    /* drain so PostgreSQL/SQLite finish the statement */
    while ((r = db_step(s, err)) == DB_ROW) {
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;

    char at[40];
    time_iso_us(time_now_us(), at, sizeof at);
    char *summary = json_dumps(e->summary ? e->summary : json_object(),
                               JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!summary) summary = strdup("{}");
    char hash[65];
    audit_hash(prev, seq, at, e->actor, e->agency, e->action, e->object_type, e->object_id, summary,
               hash);

    rc = db_prepare(c,
                    "INSERT INTO audit_log (seq, at, actor, agency, action, object_type, "
                    "object_id, summary, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    &s, err);
    if (rc != TS_OK) goto out_free_summary;
    db_bind_list(s, DBV_I(seq), DBV_T(at), DBV_T(e->actor ? e->actor : ""), DBV_T(e->agency),
                 DBV_T(e->action ? e->action : ""), DBV_T(e->object_type ? e->object_type : ""),
                 DBV_T(e->object_id ? e->object_id : ""), DBV_T(summary), DBV_T(prev), DBV_T(hash));
    r = db_step(s, err);
    db_reset(s);
    if (r < 0) {
        rc = (ts_code)-r;
        goto out_free_summary;
    }
    rc = db_prepare(c, "UPDATE audit_head SET hash = ? WHERE id = 1", &s, err);
    if (rc != TS_OK) goto out_free_summary;
    db_bind_text(s, 1, hash, -1);
    r = db_step(s, err);
    db_reset(s);
    if (r < 0) rc = (ts_code)-r;
    if (rc == TS_OK && seq_out) *seq_out = seq;
out_free_summary:
    free(summary);
    return rc;
}

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

ts_code audit_verify(db_conn *c, audit_report *rep, ts_err *err)
{
    memset(rep, 0, sizeof *rep);
    /* The head first, then the entries up to it: a writer moves the head
     * and appends its entry in one transaction, so every entry up to a
     * committed head is there, whatever is appended while the chain is
     * read (a server writing beside `tinhso audit verify`; READ COMMITTED
     * on PostgreSQL gives each statement its own snapshot). */
    db_stmt *s;
    TS_TRY(db_prepare(c, "SELECT seq, hash FROM audit_head WHERE id = 1", &s, err));
    int r = db_step(s, err);
    int64_t hseq = r == DB_ROW ? db_col_int(s, 0) : 0;
    char hh[65] = "";
    if (r == DB_ROW && db_col_text(s, 1)) snprintf(hh, sizeof hh, "%s", db_col_text(s, 1));
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    bool have_head = r == DB_ROW;
    TS_TRY(db_prepare(c,
                      "SELECT seq, at, actor, agency, action, object_type, object_id, "
                      "summary, prev_hash, hash FROM audit_log WHERE seq <= ? ORDER BY seq",
                      &s, err));
    /* without a head, every entry (and the missing head is the finding) */
    db_bind_int(s, 1, have_head ? hseq : INT64_MAX);
    char prev[65];
    memcpy(prev, zero_hash, sizeof prev);
    int64_t expect = 1;
    while ((r = db_step(s, err)) == DB_ROW) {
        int64_t seq = db_col_int(s, 0);
        const char *stored_prev = db_col_text(s, 8);
        const char *stored = db_col_text(s, 9);
        if (seq > expect) {
            rep->bad_seq = expect;
            snprintf(rep->why, sizeof rep->why, "entry %lld is missing (next present is %lld)",
                     (long long)expect, (long long)seq);
            break;
        }
        if (seq < expect) {
            rep->bad_seq = seq; /* seq <= 0 or a duplicate */
            snprintf(rep->why, sizeof rep->why, "unexpected entry %lld (expected %lld)",
                     (long long)seq, (long long)expect);
            break;
        }
        if (!stored_prev || strcmp(stored_prev, prev)) {
            rep->bad_seq = seq;
            snprintf(rep->why, sizeof rep->why,
                     "entry %lld does not link to entry %lld (removed, inserted or reordered)",
                     (long long)seq, (long long)(seq - 1));
            break;
        }
        char h[65];
        audit_hash(prev, seq, db_col_text(s, 1), db_col_text(s, 2), db_col_text(s, 3),
                   db_col_text(s, 4), db_col_text(s, 5), db_col_text(s, 6), db_col_text(s, 7), h);
        if (!stored || strcmp(h, stored)) {
            rep->bad_seq = seq;
            snprintf(rep->why, sizeof rep->why, "entry %lld was edited (hash mismatch)",
                     (long long)seq);
            break;
        }
        memcpy(prev, h, sizeof prev);
        rep->checked++;
        const char *action = db_col_text(s, 4);
        if (action && !strncmp(action, "security.", 9)) rep->security++;
        expect++;
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (rep->bad_seq || r == DB_ROW) {
        rep->broken = true;
        return TS_OK;
    }
    /* the tip must match the head: catches removal of the newest entries */
    if (!have_head) {
        rep->broken = true;
        rep->bad_seq = 1;
        snprintf(rep->why, sizeof rep->why, "chain head is missing");
    } else if (hseq != expect - 1) {
        rep->broken = true;
        rep->bad_seq = expect;
        snprintf(rep->why, sizeof rep->why,
                 "chain ends at entry %lld but the head records %lld entries "
                 "(newest entries removed)",
                 (long long)(expect - 1), (long long)hseq);
    } else if (strcmp(hh, prev)) {
        rep->broken = true;
        rep->bad_seq = expect - 1;
        snprintf(rep->why, sizeof rep->why, "entry %lld does not match the chain head",
                 (long long)(expect - 1));
    } else {
        /* entries past the head were not written by a writer (it moves the
         * head with them): the newest entry, then the head again — a
         * writer's entry counted in the first is under the second */
        int64_t last, head2;
        TS_TRY(
            db_int_vals(c, "SELECT COALESCE(MAX(seq), 0) FROM audit_log", NULL, 0, 0, &last, err));
        TS_TRY(db_int_vals(c, "SELECT seq FROM audit_head WHERE id = 1", NULL, 0, 0, &head2, err));
        if (last > head2) {
            rep->broken = true;
            rep->bad_seq = head2 + 1;
            snprintf(rep->why, sizeof rep->why,
                     "entry %lld is past the chain head (%lld entries): inserted",
                     (long long)(head2 + 1), (long long)head2);
        }
    }
    return TS_OK;
}
