/*
 * totp — RFC 6238 codes, base32, sealed secrets and QR codes; see totp.h.
 */
#include "totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <errno.h>
#include <fcntl.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/strbuf.h"

uint32_t totp_code(const unsigned char *key, size_t klen, uint64_t step)
{
    unsigned char msg[8], md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    for (int i = 7; i >= 0; i--) {
        msg[i] = (unsigned char)(step & 0xff);
        step >>= 8;
    }
    if (!HMAC(EVP_sha1(), key, (int)klen, msg, sizeof msg, md, &n) || n < 20) return UINT32_MAX;
    /* dynamic truncation (RFC 4226 §5.3) */
    unsigned off = md[n - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(md[off] & 0x7f) << 24) | ((uint32_t)md[off + 1] << 16) |
                   ((uint32_t)md[off + 2] << 8) | md[off + 3];
    return bin % 1000000u;
}

bool totp_match(const unsigned char *key, size_t klen, const char *code, int64_t now,
                int64_t last_step, int64_t *step)
{
    *step = 0;
    if (!code || strlen(code) != TOTP_DIGITS) return false;
    uint32_t want = 0;
    for (const char *p = code; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        want = want * 10 + (uint32_t)(*p - '0');
    }
    int64_t cur = now / TOTP_STEP_S;
    bool ok = false;
    /* every step of the window is computed, so timing does not tell which matched */
    for (int64_t s = cur - 1; s <= cur + 1; s++) {
        if (s < 0) continue;
        bool m = totp_code(key, klen, (uint64_t)s) == want;
        if (m && s > last_step && !ok) {
            ok = true;
            *step = s;
        }
    }
    return ok;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

char *totp_base32(arena *a, const unsigned char *in, size_t n)
{
    char *out = arena_alloc(a, (n * 8 + 4) / 5 + 1);
    size_t o = 0;
    unsigned buf = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        buf = (buf << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = b32[(buf >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits) out[o++] = b32[(buf << (5 - bits)) & 31];
    out[o] = '\0';
    return out;
}

int totp_base32_decode(const char *in, unsigned char *out, size_t max)
{
    unsigned buf = 0;
    int bits = 0;
    size_t o = 0;
    for (const char *p = in; *p && *p != '='; p++) {
        const char *hit = strchr(b32, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
        if (!hit || !*p) return -1;
        buf = (buf << 5) | (unsigned)(hit - b32);
        bits += 5;
        if (bits >= 8) {
            if (o == max) return -1;
            out[o++] = (unsigned char)(buf >> (bits - 8));
            bits -= 8;
        }
    }
    return (int)o;
}

static void hex(strbuf *sb, const unsigned char *p, size_t n)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        sb_addc(sb, h[p[i] >> 4]);
        sb_addc(sb, h[p[i] & 15]);
    }
}

static int unhex(const char *s, unsigned char *out, size_t max)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > max) return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + (size_t)k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) return -1;
            v = v * 16 + d;
        }
        out[i] = (unsigned char)v;
    }
    return (int)(n / 2);
}

#define GCM_NONCE 12
#define GCM_TAG 16
#define SEAL_MAX 64

/* AES-256-GCM of in (n bytes) under key with the account as associated data;
 * enc 1 seals into out (n bytes) and tag, 0 opens checking tag. */
static bool gcm(int enc, const unsigned char *key, int64_t account_id, const unsigned char *nonce,
                const unsigned char *in, int n, unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    unsigned char aad[8];
    for (int i = 0; i < 8; i++)
        aad[i] = (unsigned char)((uint64_t)account_id >> (8 * i));
    int len = 0, fin = 0;
    bool ok = cx && EVP_CipherInit_ex(cx, EVP_aes_256_gcm(), NULL, key, nonce, enc) == 1 &&
              EVP_CipherUpdate(cx, NULL, &len, aad, sizeof aad) == 1 &&
              EVP_CipherUpdate(cx, out, &len, in, n) == 1;
    if (ok && !enc) ok = EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag) == 1;
    if (ok) ok = EVP_CipherFinal_ex(cx, out + len, &fin) == 1;
    if (ok && enc) ok = EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, GCM_TAG, tag) == 1;
    EVP_CIPHER_CTX_free(cx);
    return ok;
}

char *totp_seal(arena *a, const unsigned char *key, int64_t account_id, const unsigned char *secret,
                size_t n)
{
    if (n > SEAL_MAX) return NULL;
    strbuf sb;
    sb_init(&sb);
    if (!key) {
        sb_adds(&sb, "p1:");
        hex(&sb, secret, n);
    } else {
        unsigned char nonce[GCM_NONCE], ct[SEAL_MAX], tag[GCM_TAG];
        if (RAND_bytes(nonce, sizeof nonce) != 1 ||
            !gcm(1, key, account_id, nonce, secret, (int)n, ct, tag)) {
            sb_release(&sb);
            return NULL;
        }
        sb_adds(&sb, "g1:");
        hex(&sb, nonce, sizeof nonce);
        hex(&sb, ct, n);
        hex(&sb, tag, sizeof tag);
        OPENSSL_cleanse(ct, sizeof ct);
    }
    char *out = arena_strdup(a, sb.buf);
    OPENSSL_cleanse(sb.buf, sb.len);
    sb_release(&sb);
    return out;
}

int totp_open(const unsigned char *key, int64_t account_id, const char *sealed, unsigned char *out,
              size_t max)
{
    if (!sealed) return -1;
    if (!strncmp(sealed, "p1:", 3)) return unhex(sealed + 3, out, max);
    if (strncmp(sealed, "g1:", 3) || !key) return -1;
    unsigned char raw[GCM_NONCE + SEAL_MAX + GCM_TAG];
    int n = unhex(sealed + 3, raw, sizeof raw);
    int ct = n - GCM_NONCE - GCM_TAG;
    if (ct <= 0 || (size_t)ct > max) return -1;
    if (!gcm(0, key, account_id, raw, raw + GCM_NONCE, ct, out, raw + GCM_NONCE + ct)) {
        OPENSSL_cleanse(out, max);
        return -1;
    }
    return ct;
}

char *totp_qr_svg(arena *a, const char *text)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return NULL;
    int w = q->width, full = w + 8;
    strbuf sb;
    sb_init(&sb);
    sb_addf(&sb,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
            "shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"%d\" height=\"%d\" "
            "fill=\"#fff\"/><path fill=\"#000\" d=\"",
            full, full, full, full);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (q->data[y * w + x] & 1) sb_addf(&sb, "M%d %dh1v1h-1z", x + 4, y + 4);
    sb_adds(&sb, "\"/></svg>");
    QRcode_free(q);
    char *out = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return out;
}

int totp_key_load(const char *path, unsigned char key[TOTP_KEY_BYTES], char *why, size_t whylen)
{
    char text[2 * TOTP_KEY_BYTES + 2] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) { /* first start: make it, readable by us alone */
        unsigned char k[TOTP_KEY_BYTES];
        strbuf sb;
        sb_init(&sb);
        if (RAND_bytes(k, sizeof k) != 1) {
            snprintf(why, whylen, "no random bytes");
            sb_release(&sb);
            return -1;
        }
        hex(&sb, k, sizeof k);
        OPENSSL_cleanse(k, sizeof k);
        sb_addc(&sb, '\n');
        int w = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        bool ok = w >= 0 && write(w, sb.buf, sb.len) == (ssize_t)sb.len;
        if (w >= 0 && close(w) != 0) ok = false;
        OPENSSL_cleanse(sb.buf, sb.len);
        sb_release(&sb);
        if (!ok) {
            snprintf(why, whylen, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n >= 0) text[n] = '\0';
    char *nl = strchr(text, '\n');
    if (nl) *nl = '\0';
    int got = n > 0 ? unhex(text, key, TOTP_KEY_BYTES) : -1;
    OPENSSL_cleanse(text, sizeof text);
    if (got != TOTP_KEY_BYTES) {
        snprintf(why, whylen, "%s must hold %d hex digits", path, 2 * TOTP_KEY_BYTES);
        return -1;
    }
    return 0;
}
