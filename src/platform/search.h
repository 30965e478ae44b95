/*
 * search — word-prefix, diacritic-insensitive search over a table's folded
 * search_key, through the backend's own full-text index (SQLite FTS5,
 * PostgreSQL tsvector + GIN; migration 007). One piece for every listing
 * with a `q=`: units, agencies, accounts now; procedures and feedback next.
 *
 * Semantics: the query is folded like the stored keys (text_fold: NFC,
 * lower case, diacritics dropped, đ→d) and split at spaces into words;
 * every word must be the prefix of a word of the key ("bac ni" finds Bắc
 * Ninh). Within a word, punctuation separates parts that must follow each
 * other in the key, the last one as a prefix ("000.00.11" finds the
 * agency code 000.00.11.H06, "h'leo" finds H'Leo). Query text never
 * reaches the index's query language as syntax: only letters and digits
 * pass, each part quoted, so `"`, `*`, `NEAR`, `-`, `:`, `&`, `|`, `!`
 * are plain separators or plain words.
 *
 * Giving another table a search (procedures, feedback): a folded
 * search_key column written by its domain, the line
 * `-- search-index: TABLE` in its migration (src/db/migrate.c writes each
 * backend's index), a search_index naming it, and a search_list in the
 * listing. See docs/decisions.md §19–20.
 */
#ifndef TS_SEARCH_H
#define TS_SEARCH_H

#include <stdbool.h>

#include "../db/db.h"
#include "../db/dbq.h"
#include "../lib/arena.h"
#include "../lib/err.h"

#define SEARCH_MAX_BYTES 200 /* folded query text */
#define SEARCH_MAX_WORDS 32  /* distinct words */

/* Where a table's index is, as a listing's SQL names things. */
typedef struct search_index {
    const char *fts; /* SQLite: the FTS5 table whose rowid is the row's id ("admin_units_fts") */
    const char *id;  /* the row's id column in the listing ("id", "a.id") */
    const char *tsv; /* PostgreSQL: the tsvector column ("search_tsv", "a.search_tsv") */
} search_index;

typedef enum search_kind {
    SEARCH_ANY = 0, /* no query, or only spaces: no filter */
    SEARCH_NOTHING, /* text without a letter or digit ("%", "'"): matches no row */
    SEARCH_WORDS,   /* words to match */
} search_kind;

typedef struct search_query {
    search_kind kind;
    int nwords;
    const char *match; /* the FTS5 MATCH / to_tsquery text (SEARCH_WORDS) */
} search_query;

/*
 * Parse q (NULL = no query) for dialect d. TS_EINVAL with field "q" when q
 * is not valid UTF-8, folds to more than SEARCH_MAX_BYTES bytes, or has
 * more than SEARCH_MAX_WORDS distinct words.
 */
ts_code search_parse(arena *a, const char *q, db_dialect d, search_query *out, ts_err *err);

/*
 * Add the predicate "this row matches sq" to w (nothing for SEARCH_ANY).
 * False for SEARCH_NOTHING: the caller answers an empty page, total 0.
 */
bool search_where(dbw *w, db_dialect d, const search_index *ix, const search_query *sq);

/*
 * One page of a searched listing: search_where on w, then dbw_page of pq
 * with the count carried by the page query when words are searched. A
 * search that can match nothing gives an empty page (*items never NULL).
 */
ts_code search_page(db_conn *c, dbw *w, const search_index *ix, const search_query *sq,
                    dbw_page_q pq, const db_rowspec *rs, void **items, int *n, int64_t *total,
                    ts_err *err);

/* A searched listing being built: its filters and its parsed query. */
typedef struct search_list {
    dbw w; /* add the listing's own filters here */
    search_query sq;
} search_list;

/* Start a listing of q (NULL = no query) on c: search_parse's errors. */
ts_code search_list_begin(search_list *l, db_conn *c, arena *a, const char *q, ts_err *err);
/* Its page: search_page over l's filters and query. */
ts_code search_list_page(db_conn *c, search_list *l, const search_index *ix, dbw_page_q pq,
                         const db_rowspec *rs, void **items, int *n, int64_t *total, ts_err *err);

/*
 * After a bulk load (units import): merge the index into one segment, so
 * searches read one b-tree instead of one per batch of writes (SQLite
 * FTS5 'optimize'; nothing to do on PostgreSQL, whose GIN indexes are made
 * without a pending list). Runs in its own transaction.
 */
ts_code search_optimize(db_conn *c, const search_index *ix, ts_err *err);

#endif
