/*
 * fuzz_lossy — jw_kstr_lossy (the access log's writer of a client's bytes)
 * on arbitrary bytes: the output always parses as JSON, is valid UTF-8,
 * and gives back the input unchanged whenever the input was valid UTF-8.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include "lib/jsonw.h"
#include "lib/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = malloc(size + 1);
    if (!v) return 0;
    memcpy(v, data, size);
    v[size] = '\0';
    strbuf b;
    sb_init(&b);
    jsonw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr_lossy(&w, "path", v);
    jw_obj_end(&w);
    if (u8_check((const uint8_t *)b.buf, b.len)) abort();
    json_error_t e;
    json_t *j = json_loadb(b.buf, b.len, 0, &e);
    if (!j) abort();
    const char *back = json_string_value(json_object_get(j, "path"));
    if (!back) abort();
    size_t n = strlen(v);
    if (!u8_check((const uint8_t *)v, n) && strcmp(back, v)) abort();
    json_decref(j);
    sb_release(&b);
    free(v);
    return 0;
}
