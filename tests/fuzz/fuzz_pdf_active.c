/*
 * fuzz_pdf_active — files_pdf_active (the check that refuses PDFs that act:
 * JavaScript, launch actions, embedded files, also inside compressed object
 * streams) on arbitrary bytes: no crash, no leak, no read out of bounds, and
 * an input carrying a plain /JavaScript name (not the start of a longer
 * one) is always refused.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domains/files/files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *hit = files_pdf_active(data, size);
    const uint8_t *js = memmem(data, size, "/JavaScript", 11);
    if (js) {
        size_t after = (size_t)(js - data) + 11;
        /* the name ends unless a letter, a digit or a #xx escape follows */
        bool esc = after + 2 < size && data[after] == '#' && isxdigit(data[after + 1]) &&
                   isxdigit(data[after + 2]);
        bool ends = after >= size || (!isalnum(data[after]) && !esc);
        if (ends && !hit) abort();
    }
    return 0;
}
