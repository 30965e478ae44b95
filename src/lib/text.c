/*
 * text — UTF-8 validity, NFC and Vietnamese folding, on libunistring.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uniconv.h>
#include <uninorm.h>
#include <unistr.h>

bool text_utf8_valid(const char *s, size_t len)
{
    if (memchr(s, '\0', len)) return false;
    return u8_check((const uint8_t *)s, len) == NULL;
}

size_t text_utf8_chars(const char *s, size_t len)
{
    return u8_mbsnlen((const uint8_t *)s, len);
}

size_t text_nfc_chars(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (unsigned char)s[i] < 0x80)
        i++;
    if (i == len) return len;
    size_t outlen = 0;
    uint8_t *out = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len, NULL, &outlen);
    if (!out) return u8_mbsnlen((const uint8_t *)s, len);
    size_t n = u8_mbsnlen(out, outlen);
    free(out);
    return n;
}

char *text_nfc(arena *a, const char *s, size_t len)
{
    if (!text_utf8_valid(s, len)) return NULL;
    /* fast path: pure ASCII is already NFC */
    size_t i = 0;
    while (i < len && (unsigned char)s[i] < 0x80)
        i++;
    if (i == len) return arena_strndup(a, s, len);
    size_t outlen = 0;
    uint8_t *out = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len, NULL, &outlen);
    if (!out) return NULL;
    char *r = arena_strndup(a, (const char *)out, outlen);
    free(out);
    return r;
}

static bool is_combining_mark(ucs4_t c)
{
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F);
}

static bool is_space(ucs4_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0xA0 ||
           c == 0x3000 || (c >= 0x2000 && c <= 0x200B);
}

char *text_fold(arena *a, const char *s, size_t len)
{
    if (!text_utf8_valid(s, len)) return NULL;
    size_t dlen = 0;
    uint8_t *d = u8_normalize(UNINORM_NFD, (const uint8_t *)s, len, NULL, &dlen);
    if (!d && len) return NULL;
    char *out = arena_alloc(a, dlen * 2 + 1);
    size_t o = 0;
    bool space = true; /* drop leading spaces */
    const uint8_t *p = d, *end = d + dlen;
    while (p < end) {
        ucs4_t c;
        int n = u8_mbtouc(&c, p, (size_t)(end - p));
        p += n;
        if (is_combining_mark(c)) continue;
        if (is_space(c)) {
            if (!space) out[o++] = ' ';
            space = true;
            continue;
        }
        space = false;
        if (c == 0x0110 || c == 0x0111) c = 'd';
        c = uc_tolower(c);
        int w = u8_uctomb((uint8_t *)out + o, c, 6);
        if (w > 0) o += (size_t)w;
    }
    if (o && out[o - 1] == ' ') o--;
    out[o] = '\0';
    free(d);
    return out;
}

const char *text_trim(const char *s, size_t *len)
{
    const uint8_t *b = (const uint8_t *)s, *e = b + *len;
    while (b < e) {
        ucs4_t c;
        int n = u8_mbtouc(&c, b, (size_t)(e - b));
        if (!is_space(c)) break;
        b += n;
    }
    while (e > b) {
        const uint8_t *q = e - 1;
        while (q > b && (*q & 0xC0) == 0x80)
            q--;
        ucs4_t c;
        u8_mbtouc(&c, q, (size_t)(e - q));
        if (!is_space(c)) break;
        e = q;
    }
    *len = (size_t)(e - b);
    return (const char *)b;
}
