/*
 * fuzz_query — query parameter values against their declarations
 * (jx_check_query: integers with ranges, text with lengths, formats and
 * enums) and the shared field formats on arbitrary text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/jsonx.h"
#include "lib/validate.h"

static const char *const kinds[] = {"citizen", "officer", NULL};
static const jx_field spec[] = {
    {.name = "limit", .type = JX_INT, .min = 1, .max = 1000, .def = 100},
    {.name = "q", .type = JX_STRING, .max_chars = 100},
    {.name = "date", .type = JX_STRING, .max_chars = 10, .format = &FMT_DATE},
    {.name = "kind", .type = JX_STRING, .enums = kinds, .enum_list = "citizen, officer"},
    {.name = "email", .type = JX_STRING, .format = &FMT_EMAIL},
    {0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = malloc(size + 1);
    if (!v) return 0;
    memcpy(v, data, size);
    v[size] = '\0';
    ts_err e;
    ts_err_clear(&e);
    for (const jx_field *f = spec; f->name; f++)
        jx_check_query(f, v, &e);
    (void)v_email(v);
    (void)v_phone(v);
    (void)v_url(v);
    (void)v_date(v);
    arena *a = arena_new(256);
    (void)v_phone_digits(a, v);
    arena_free(a);
    free(v);
    return 0;
}
