/*
 * embed — files compiled into the binary by tools/embed.c: migrations,
 * the web front end (with gzip copies) and bundled reference data.
 */
#ifndef TS_EMBED_H
#define TS_EMBED_H

#include <stddef.h>

typedef struct ts_embedded {
    const char *path;          /* relative to its root, '/'-separated; NULL ends the table */
    const unsigned char *data; /* contents (NUL-terminated, not counted in len) */
    size_t len;
    const unsigned char *gz; /* gzip copy, or NULL when it would not be smaller */
    size_t gz_len;
    const char *etag; /* strong validator, quoted */
} ts_embedded;

extern const ts_embedded ts_migrations[];
extern const ts_embedded ts_web_assets[];
extern const ts_embedded ts_data_files[];

/* Find path in a table (NULL-terminated); NULL when absent. */
const ts_embedded *ts_embedded_find(const ts_embedded *table, const char *path);

#endif
