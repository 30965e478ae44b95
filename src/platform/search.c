/* search — query parsing and the index predicate; see search.h. */
#include "search.h"

#include <stdio.h>
#include <string.h>
#include <unictype.h>
#include <unistr.h>

#include "../lib/strbuf.h"
#include "../lib/text.h"

/* A character that belongs to a word: what SQLite's unicode61 tokenizer
 * keeps (letters, numbers, private use) and PostgreSQL's parser sees as a
 * word once punctuation is blanked. */
static bool word_char(ucs4_t c)
{
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    return uc_is_general_category(c, UC_CATEGORY_L) || uc_is_general_category(c, UC_CATEGORY_N) ||
           uc_is_general_category(c, UC_CATEGORY_Co);
}

/*
 * The words of folded text f: each a list of parts (maximal runs of word
 * characters) separated by NUL, ending with an empty part; e.g. "000.00 x"
 * -> {"000\0" "00\0\0", "x\0\0"}. Words without a part are dropped.
 */
static int split_words(arena *a, const char *f, const char **words, int max, bool *too_many)
{
    size_t len = strlen(f);
    char *buf = arena_alloc(a, len * 2 + 4);
    size_t o = 0;
    int n = 0;
    const uint8_t *p = (const uint8_t *)f, *end = p + len;
    *too_many = false;
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        if (p >= end) break;
        size_t start = o;
        bool in_part = false;
        while (p < end && *p != ' ') {
            ucs4_t c;
            int k = u8_mbtouc(&c, p, (size_t)(end - p));
            if (word_char(c)) {
                memcpy(buf + o, p, (size_t)k);
                o += (size_t)k;
                in_part = true;
            } else if (in_part) {
                buf[o++] = '\0';
                in_part = false;
            }
            p += k;
        }
        if (in_part) buf[o++] = '\0';
        if (o == start) continue; /* punctuation only */
        buf[o++] = '\0';
        /* distinct words only: "bac bac" costs one lookup */
        bool dup = false;
        for (int i = 0; i < n && !dup; i++)
            dup = !memcmp(words[i], buf + start, o - start);
        if (dup) {
            o = start;
            continue;
        }
        if (n == max) {
            *too_many = true;
            return n;
        }
        words[n++] = buf + start;
    }
    return n;
}

/* FTS5: "part part"* per word (a phrase whose last part is a prefix),
 * words side by side (AND). Parts hold letters and digits only. */
static void fts5_word(strbuf *sb, const char *w)
{
    sb_addc(sb, '"');
    for (bool first = true; *w; w += strlen(w) + 1, first = false) {
        if (!first) sb_addc(sb, ' ');
        sb_adds(sb, w);
    }
    sb_adds(sb, "\"*");
}

/* tsquery: 'part' <-> 'part':* per word, words joined by &. */
static void tsquery_word(strbuf *sb, const char *w)
{
    for (bool first = true; *w; first = false) {
        const char *next = w + strlen(w) + 1;
        if (!first) sb_adds(sb, " <-> ");
        sb_addc(sb, '\'');
        sb_adds(sb, w);
        sb_adds(sb, *next ? "'" : "':*");
        w = next;
    }
}

ts_code search_parse(arena *a, const char *q, db_dialect d, search_query *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    if (!q) return TS_OK;
    const char *f = text_fold(a, q, strlen(q));
    if (!f) return ts_err_field(err, TS_EINVAL, "q", M_FIELD_UTF8, NULL);
    if (!*f) return TS_OK;
    if (strlen(f) > SEARCH_MAX_BYTES) {
        char m[16];
        snprintf(m, sizeof m, "%d", SEARCH_MAX_BYTES);
        return ts_err_field(err, TS_EINVAL, "q", M_FIELD_TOO_LONG, m);
    }
    const char *words[SEARCH_MAX_WORDS];
    bool too_many;
    int n = split_words(a, f, words, SEARCH_MAX_WORDS, &too_many);
    if (too_many) {
        char m[24];
        snprintf(m, sizeof m, "<= %d", SEARCH_MAX_WORDS);
        return ts_err_field(err, TS_EINVAL, "q", M_FIELD_RANGE, m);
    }
    if (n == 0) {
        out->kind = SEARCH_NOTHING;
        return TS_OK;
    }
    strbuf sb;
    sb_init(&sb);
    for (int i = 0; i < n; i++) {
        if (i) sb_adds(&sb, d == DB_PG ? " & " : " ");
        if (d == DB_PG)
            tsquery_word(&sb, words[i]);
        else
            fts5_word(&sb, words[i]);
    }
    out->kind = SEARCH_WORDS;
    out->nwords = n;
    out->match = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return TS_OK;
}

bool search_where(dbw *w, db_dialect d, const search_index *ix, const search_query *sq)
{
    if (sq->kind == SEARCH_NOTHING) return false;
    if (sq->kind != SEARCH_WORDS) return true;
    if (d == DB_PG)
        dbw_add(w, arena_printf(w->a, "%s @@ to_tsquery('simple', CAST(? AS TEXT))", ix->tsv),
                &DBV_T(sq->match), 1);
    else
        dbw_add(w,
                arena_printf(w->a, "%s IN (SELECT rowid FROM %s WHERE %s MATCH ?)", ix->id, ix->fts,
                             ix->fts),
                &DBV_T(sq->match), 1);
    return true;
}

static ts_code optimize_tx(db_conn *c, void *arg, ts_err *err)
{
    return db_exec(c, arg, err);
}

ts_code search_optimize(db_conn *c, const search_index *ix, ts_err *err)
{
    if (db_conn_dialect(c) == DB_PG) return TS_OK;
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES ('optimize')", ix->fts, ix->fts);
    return db_transact(c, optimize_tx, sql, err);
}

ts_code search_page(db_conn *c, dbw *w, const search_index *ix, const search_query *sq,
                    dbw_page_q pq, const db_rowspec *rs, void **items, int *n, int64_t *total,
                    ts_err *err)
{
    *n = 0;
    *total = 0;
    if (!search_where(w, db_conn_dialect(c), ix, sq)) {
        *items = arena_calloc(w->a, rs->size);
        return TS_OK;
    }
    pq.count_over = sq->kind == SEARCH_WORDS;
    return dbw_page(c, w, &pq, rs, items, n, total, err);
}

ts_code search_list_begin(search_list *l, db_conn *c, arena *a, const char *q, ts_err *err)
{
    dbw_init(&l->w, a);
    return search_parse(a, q, db_conn_dialect(c), &l->sq, err);
}

ts_code search_list_page(db_conn *c, search_list *l, const search_index *ix, dbw_page_q pq,
                         const db_rowspec *rs, void **items, int *n, int64_t *total, ts_err *err)
{
    return search_page(c, &l->w, ix, &l->sq, pq, rs, items, n, total, err);
}
