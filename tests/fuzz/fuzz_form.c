/*
 * fuzz_form — form-urlencoded bodies (http_form_decode, Open311's POST):
 * whatever the bytes, the decoder either refuses them or gives pairs whose
 * names and values are NUL-free UTF-8, at most the allowed number.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "lib/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new(1024);
    http_form_pair *p;
    int n;
    if (http_form_decode(a, (const char *)data, size, HTTP_FORM_MAX_PAIRS, &p, &n)) {
        if (n < 0 || n > HTTP_FORM_MAX_PAIRS) abort();
        for (int i = 0; i < n; i++) {
            if (!text_utf8_valid(p[i].name, strlen(p[i].name))) abort();
            if (!text_utf8_valid(p[i].value, strlen(p[i].value))) abort();
            if (strlen(p[i].name) > size || strlen(p[i].value) > size) abort();
        }
    } else if (n != 0) {
        abort();
    }
    arena_free(a);
    return 0;
}
