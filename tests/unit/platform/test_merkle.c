/*
 * Unit tests for platform/merkle: the tree hash of RFC 6962's eight test
 * leaves for sizes 1..8, an inclusion and two consistency proofs, all
 * computed independently (a few lines of Python hashlib following RFC 6962
 * §2.1), and every inclusion and consistency proof of trees up to 33 leaves
 * accepted by the separate verifiers, while a changed node, index or size
 * is refused. The incremental frontier gives the same roots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"

#include <stdio.h>
#include <string.h>

#include "platform/merkle.h"

/* RFC 6962's test leaves (certificate-transparency's merkle test data) */
static const char *const leaves_hex[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

/* Python: mth(L[:n]).hex() for n = 1..8 */
static const char *const roots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

#define MAXN 33
static uint8_t leaf[MAXN][MERKLE_HASH];

/* The in-memory tree: a complete subtree's hash computed from the leaves. */
static bool mem_get(void *ctx, int level, int64_t idx, uint8_t out[MERKLE_HASH])
{
    int64_t n = *(int64_t *)ctx;
    int64_t a = idx << level, w = 1LL << level;
    if (a + w > n) return false;
    if (level == 0) {
        memcpy(out, leaf[a], MERKLE_HASH);
        return true;
    }
    uint8_t l[MERKLE_HASH], r[MERKLE_HASH];
    if (!mem_get(ctx, level - 1, 2 * idx, l) || !mem_get(ctx, level - 1, 2 * idx + 1, r))
        return false;
    merkle_node_hash(l, r, out);
    return true;
}

static void rfc_leaves(void)
{
    for (int i = 0; i < 8; i++) {
        uint8_t b[16];
        size_t n = strlen(leaves_hex[i]) / 2;
        for (size_t j = 0; j < n; j++)
            sscanf(leaves_hex[i] + 2 * j, "%2hhx", &b[j]);
        merkle_leaf_hash(b, n, leaf[i]);
    }
}

static void assert_hex(const uint8_t h[MERKLE_HASH], const char *want)
{
    char hex[2 * MERKLE_HASH + 1];
    merkle_hex(h, hex);
    assert_string_equal(hex, want);
}

static void test_rfc6962_roots(void **state)
{
    (void)state;
    rfc_leaves();
    merkle_frontier fr;
    merkle_frontier_init(&fr);
    for (int64_t n = 1; n <= 8; n++) {
        uint8_t root[MERKLE_HASH];
        assert_true(merkle_root(mem_get, &n, 0, n, root));
        assert_hex(root, roots[n - 1]);
        merkle_frontier_add(&fr, leaf[n - 1]);
        merkle_frontier_root(&fr, root);
        assert_hex(root, roots[n - 1]);
    }
    uint8_t empty[MERKLE_HASH];
    int64_t zero = 0;
    assert_true(merkle_root(mem_get, &zero, 0, 0, empty));
    assert_hex(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* Python: path(5, L), sub(3, L[:7], True), sub(4, L, True) (RFC 6962 §2.1.1, §2.1.2) */
static const char *const incl_5_of_8[] = {
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7", NULL};
static const char *const cons_3_7[] = {
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e", NULL};
static const char *const cons_4_8[] = {
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4", NULL};

static void assert_path(uint8_t path[][MERKLE_HASH], int len, const char *const *want)
{
    int n = 0;
    while (want[n])
        n++;
    assert_int_equal(len, n);
    for (int i = 0; i < n; i++)
        assert_hex(path[i], want[i]);
}

static void test_rfc6962_proofs(void **state)
{
    (void)state;
    rfc_leaves();
    uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH];
    int len;
    int64_t n = 8;
    assert_true(merkle_inclusion(mem_get, &n, 5, 8, path, &len));
    assert_path(path, len, incl_5_of_8);
    n = 7;
    assert_true(merkle_consistency(mem_get, &n, 3, 7, path, &len));
    assert_path(path, len, cons_3_7);
    n = 8;
    assert_true(merkle_consistency(mem_get, &n, 4, 8, path, &len));
    assert_path(path, len, cons_4_8);
}

static void test_all_proofs_verify(void **state)
{
    (void)state;
    for (int i = 0; i < MAXN; i++) {
        uint8_t b[2] = {(uint8_t)i, (uint8_t)(i * 7)};
        merkle_leaf_hash(b, sizeof b, leaf[i]);
    }
    uint8_t root[MAXN + 1][MERKLE_HASH];
    for (int64_t n = 1; n <= MAXN; n++)
        assert_true(merkle_root(mem_get, &n, 0, n, root[n]));
    uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH];
    int len;
    for (int64_t n = 1; n <= MAXN; n++) {
        for (int64_t m = 0; m < n; m++) {
            assert_true(merkle_inclusion(mem_get, &n, m, n, path, &len));
            assert_true(merkle_verify_inclusion(leaf[m], m, n, path, len, root[n]));
            /* another leaf, or another tree's root, is refused */
            if (n > 1) {
                assert_false(merkle_verify_inclusion(leaf[(m + 1) % n], m, n, path, len, root[n]));
                assert_false(merkle_verify_inclusion(leaf[m], m, n, path, len, root[n - 1]));
            }
            if (len) {
                path[len - 1][0] ^= 1;
                assert_false(merkle_verify_inclusion(leaf[m], m, n, path, len, root[n]));
            }
        }
        for (int64_t m = 1; m <= n; m++) {
            assert_true(merkle_consistency(mem_get, &n, m, n, path, &len));
            assert_true(merkle_verify_consistency(m, n, root[m], root[n], path, len));
            if (m < n) {
                /* a forked first tree (another root of size m) is refused */
                uint8_t other[MERKLE_HASH];
                memcpy(other, root[m], MERKLE_HASH);
                other[5] ^= 0x40;
                assert_false(merkle_verify_consistency(m, n, other, root[n], path, len));
                path[0][0] ^= 1;
                assert_false(merkle_verify_consistency(m, n, root[m], root[n], path, len));
            }
        }
    }
    int64_t n = 4;
    assert_false(merkle_inclusion(mem_get, &n, 4, 4, path, &len));
    assert_false(merkle_consistency(mem_get, &n, 0, 4, path, &len));
    assert_false(merkle_consistency(mem_get, &n, 5, 4, path, &len));
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_rfc6962_roots),
             cmocka_unit_test(test_rfc6962_proofs), cmocka_unit_test(test_all_proofs_verify))
