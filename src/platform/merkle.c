/* merkle — see merkle.h. */
#include "merkle.h"

#include <openssl/evp.h>
#include <string.h>

static void sha256_parts(const void *a, size_t na, const void *b, size_t nb, const void *c,
                         size_t nc, uint8_t out[MERKLE_HASH])
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    unsigned int len = 0;
    EVP_DigestInit_ex(x, EVP_sha256(), NULL);
    EVP_DigestUpdate(x, a, na);
    if (nb) EVP_DigestUpdate(x, b, nb);
    if (nc) EVP_DigestUpdate(x, c, nc);
    EVP_DigestFinal_ex(x, out, &len);
    EVP_MD_CTX_free(x);
}

void merkle_leaf_hash(const void *leaf, size_t n, uint8_t out[MERKLE_HASH])
{
    static const uint8_t zero = 0;
    sha256_parts(&zero, 1, leaf, n, NULL, 0, out);
}

void merkle_node_hash(const uint8_t l[MERKLE_HASH], const uint8_t r[MERKLE_HASH],
                      uint8_t out[MERKLE_HASH])
{
    static const uint8_t one = 1;
    sha256_parts(&one, 1, l, MERKLE_HASH, r, MERKLE_HASH, out);
}

/* the largest power of two strictly below n (n >= 2) */
static int64_t split(int64_t n)
{
    int64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

static int log2_exact(int64_t n)
{
    if (n <= 0 || (n & (n - 1))) return -1;
    int l = 0;
    while ((1LL << l) < n)
        l++;
    return l;
}

bool merkle_root(merkle_get_fn get, void *ctx, int64_t a, int64_t b, uint8_t out[MERKLE_HASH])
{
    int64_t n = b - a;
    if (n < 0) return false;
    if (n == 0) {
        sha256_parts("", 0, NULL, 0, NULL, 0, out);
        return true;
    }
    int l = log2_exact(n);
    if (l >= 0 && a % n == 0) return get(ctx, l, a >> l, out);
    int64_t k = split(n);
    uint8_t left[MERKLE_HASH], right[MERKLE_HASH];
    if (!merkle_root(get, ctx, a, a + k, left) || !merkle_root(get, ctx, a + k, b, right))
        return false;
    merkle_node_hash(left, right, out);
    return true;
}

static bool path_of(merkle_get_fn get, void *ctx, int64_t m, int64_t a, int64_t b,
                    uint8_t path[][MERKLE_HASH], int *len)
{
    int64_t n = b - a;
    if (n <= 1) return true;
    if (*len >= MERKLE_MAX_PATH) return false;
    int64_t k = split(n);
    if (m < k) {
        if (!path_of(get, ctx, m, a, a + k, path, len)) return false;
        return merkle_root(get, ctx, a + k, b, path[(*len)++]);
    }
    if (!path_of(get, ctx, m - k, a + k, b, path, len)) return false;
    return merkle_root(get, ctx, a, a + k, path[(*len)++]);
}

bool merkle_inclusion(merkle_get_fn get, void *ctx, int64_t m, int64_t n,
                      uint8_t path[][MERKLE_HASH], int *len)
{
    *len = 0;
    if (m < 0 || m >= n) return false;
    return path_of(get, ctx, m, 0, n, path, len);
}

static bool subproof(merkle_get_fn get, void *ctx, int64_t m, int64_t a, int64_t b, bool whole,
                     uint8_t path[][MERKLE_HASH], int *len)
{
    int64_t n = b - a;
    if (*len >= MERKLE_MAX_PATH) return false;
    if (m == n) {
        if (whole) return true;
        return merkle_root(get, ctx, a, b, path[(*len)++]);
    }
    int64_t k = split(n);
    if (m <= k) {
        if (!subproof(get, ctx, m, a, a + k, whole, path, len)) return false;
        return merkle_root(get, ctx, a + k, b, path[(*len)++]);
    }
    if (!subproof(get, ctx, m - k, a + k, b, false, path, len)) return false;
    return merkle_root(get, ctx, a, a + k, path[(*len)++]);
}

bool merkle_consistency(merkle_get_fn get, void *ctx, int64_t m, int64_t n,
                        uint8_t path[][MERKLE_HASH], int *len)
{
    *len = 0;
    if (m <= 0 || m > n) return false;
    return subproof(get, ctx, m, 0, n, true, path, len);
}

bool merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH], int64_t index, int64_t size,
                             const uint8_t path[][MERKLE_HASH], int len,
                             const uint8_t root[MERKLE_HASH])
{
    if (index < 0 || index >= size) return false;
    uint64_t fn = (uint64_t)index, sn = (uint64_t)size - 1;
    uint8_t r[MERKLE_HASH];
    memcpy(r, leaf_hash, MERKLE_HASH);
    for (int i = 0; i < len; i++) {
        if (sn == 0) return false;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(path[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && !memcmp(r, root, MERKLE_HASH);
}

bool merkle_verify_consistency(int64_t m, int64_t n, const uint8_t root_m[MERKLE_HASH],
                               const uint8_t root_n[MERKLE_HASH], const uint8_t path[][MERKLE_HASH],
                               int len)
{
    if (m <= 0 || m > n) return false;
    if (m == n) return len == 0 && !memcmp(root_m, root_n, MERKLE_HASH);
    if (len == 0) return false;
    /* when m is a power of two the first tree's root is the proof's first node */
    const uint8_t *first = path[0];
    int start = 1;
    if (log2_exact(m) >= 0) {
        first = root_m;
        start = 0;
    }
    uint64_t fn = (uint64_t)m - 1, sn = (uint64_t)n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[MERKLE_HASH], sr[MERKLE_HASH];
    memcpy(fr, first, MERKLE_HASH);
    memcpy(sr, first, MERKLE_HASH);
    for (int i = start; i < len; i++) {
        if (sn == 0) return false;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(path[i], fr, fr);
            merkle_node_hash(path[i], sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(sr, path[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && !memcmp(fr, root_m, MERKLE_HASH) && !memcmp(sr, root_n, MERKLE_HASH);
}

void merkle_frontier_init(merkle_frontier *f)
{
    memset(f, 0, sizeof *f);
}

void merkle_frontier_add(merkle_frontier *f, const uint8_t leaf_hash[MERKLE_HASH])
{
    memcpy(f->h[f->n], leaf_hash, MERKLE_HASH);
    f->level[f->n++] = 0;
    /* two equal-level subtrees side by side make one of the next level */
    while (f->n >= 2 && f->level[f->n - 1] == f->level[f->n - 2]) {
        merkle_node_hash(f->h[f->n - 2], f->h[f->n - 1], f->h[f->n - 2]);
        f->level[f->n - 2]++;
        f->n--;
    }
    f->size++;
}

void merkle_frontier_root(const merkle_frontier *f, uint8_t out[MERKLE_HASH])
{
    if (f->n == 0) {
        sha256_parts("", 0, NULL, 0, NULL, 0, out);
        return;
    }
    /* fold from the right: the smallest subtree is the deepest right child */
    memcpy(out, f->h[f->n - 1], MERKLE_HASH);
    for (int i = f->n - 2; i >= 0; i--)
        merkle_node_hash(f->h[i], out, out);
}

void merkle_hex(const uint8_t h[MERKLE_HASH], char out[2 * MERKLE_HASH + 1])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < MERKLE_HASH; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[2 * MERKLE_HASH] = '\0';
}

static int nib(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool merkle_unhex(const char *s, uint8_t out[MERKLE_HASH])
{
    if (!s || strlen(s) != 2 * MERKLE_HASH) return false;
    for (int i = 0; i < MERKLE_HASH; i++) {
        int a = nib(s[2 * i]), b = nib(s[2 * i + 1]);
        if (a < 0 || b < 0) return false;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return true;
}
