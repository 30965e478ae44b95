/*
 * Unit tests for platform/totp: the RFC 6238 appendix B vectors (SHA-1,
 * shown there with 8 digits: ours are their last 6), the ±1 step window
 * and the replay rule, base32 round trips (RFC 4648 §10 vectors), sealed
 * secrets (tamper, wrong key, wrong account) and the QR code's SVG.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/totp.h"

static const unsigned char rfc_key[] = "12345678901234567890";

static const struct {
    int64_t t;
    uint32_t code8;
} vectors[] = {
    {59, 94287082},         {1111111109, 7081804},  {1111111111, 14050471},
    {1234567890, 89005924}, {2000000000, 69279037}, {20000000000, 65353130},
};

static void test_rfc6238_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        uint32_t got = totp_code(rfc_key, 20, (uint64_t)(vectors[i].t / TOTP_STEP_S));
        if (got != vectors[i].code8 % 1000000u)
            fail_msg("T=%lld: %06u, want %06u", (long long)vectors[i].t, got,
                     vectors[i].code8 % 1000000u);
    }
}

static void test_window_and_replay(void **state)
{
    (void)state;
    int64_t now = 1111111111, step; /* step 37037037 */
    char code[8];
    snprintf(code, sizeof code, "%06u", totp_code(rfc_key, 20, (uint64_t)now / 30));
    assert_true(totp_match(rfc_key, 20, code, now, 0, &step));
    assert_int_equal(step, now / 30);
    assert_false(totp_match(rfc_key, 20, code, now, step, &step)); /* used: never again */
    /* one step either side is accepted, two are not */
    snprintf(code, sizeof code, "%06u", totp_code(rfc_key, 20, (uint64_t)now / 30 - 1));
    assert_true(totp_match(rfc_key, 20, code, now, 0, &step));
    snprintf(code, sizeof code, "%06u", totp_code(rfc_key, 20, (uint64_t)now / 30 + 1));
    assert_true(totp_match(rfc_key, 20, code, now, 0, &step));
    snprintf(code, sizeof code, "%06u", totp_code(rfc_key, 20, (uint64_t)now / 30 + 2));
    assert_false(totp_match(rfc_key, 20, code, now, 0, &step));
    snprintf(code, sizeof code, "%06u", totp_code(rfc_key, 20, (uint64_t)now / 30 - 2));
    assert_false(totp_match(rfc_key, 20, code, now, 0, &step));
    static const char *const bad[] = {"", "12345", "1234567", "12a456", " 12345", NULL};
    for (int i = 0; bad[i]; i++)
        assert_false(totp_match(rfc_key, 20, bad[i], now, 0, &step));
    assert_false(totp_match(rfc_key, 20, NULL, now, 0, &step));
}

static void test_base32(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    static const struct {
        const char *in, *out;
    } cases[] = {{"", ""},
                 {"f", "MY"},
                 {"fo", "MZXQ"},
                 {"foo", "MZXW6"},
                 {"foob", "MZXW6YQ"},
                 {"fooba", "MZXW6YTB"},
                 {"foobar", "MZXW6YTBOI"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(totp_base32(a, (const unsigned char *)cases[i].in, strlen(cases[i].in)),
                            cases[i].out);
        unsigned char back[16];
        int n = totp_base32_decode(cases[i].out, back, sizeof back);
        assert_int_equal(n, (int)strlen(cases[i].in));
        assert_memory_equal(back, cases[i].in, (size_t)n);
    }
    unsigned char b[4];
    assert_int_equal(totp_base32_decode("MZ1W", b, sizeof b), -1);       /* 1 is not base32 */
    assert_int_equal(totp_base32_decode("MZXW6YTBOI", b, sizeof b), -1); /* too long for b */
    arena_free(a);
}

static void test_seal(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    unsigned char key[TOTP_KEY_BYTES], other[TOTP_KEY_BYTES], out[64];
    memset(key, 7, sizeof key);
    memset(other, 8, sizeof other);
    char *s = totp_seal(a, key, 42, rfc_key, 20);
    assert_non_null(s);
    assert_true(!strncmp(s, "g1:", 3));
    assert_null(strstr(s, "3132333435")); /* the secret's hex is not in it */
    assert_int_equal(totp_open(key, 42, s, out, sizeof out), 20);
    assert_memory_equal(out, rfc_key, 20);
    assert_int_equal(totp_open(other, 42, s, out, sizeof out), -1); /* wrong key */
    assert_int_equal(totp_open(key, 43, s, out, sizeof out), -1);   /* another account */
    assert_int_equal(totp_open(NULL, 42, s, out, sizeof out), -1);  /* no key */
    s[10] = s[10] == '0' ? '1' : '0';                               /* tampered */
    assert_int_equal(totp_open(key, 42, s, out, sizeof out), -1);
    char *p = totp_seal(a, NULL, 42, rfc_key, 20); /* no key configured */
    assert_true(!strncmp(p, "p1:", 3));
    assert_int_equal(totp_open(key, 42, p, out, sizeof out), 20);
    assert_int_equal(totp_open(key, 42, "x1:00", out, sizeof out), -1);
    arena_free(a);
}

static void test_qr_svg(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    char *svg = totp_qr_svg(a, "otpauth://totp/tinhso:stp.quantri?secret=GEZDGNBVGY3TQOJQ"
                               "GEZDGNBVGY3TQOJQ&issuer=tinhso");
    assert_non_null(svg);
    assert_true(!strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39));
    int w = 0, h = 0; /* a QR symbol is 17 + 4·version modules, plus 2×4 of quiet zone */
    assert_int_equal(sscanf(strstr(svg, "viewBox="), "viewBox=\"0 0 %d %d\"", &w, &h), 2);
    assert_int_equal(w, h);
    assert_true(w >= 29 && (w - 8 - 17) % 4 == 0);
    assert_non_null(strstr(svg, "</svg>"));
    arena_free(a);
}

/* The key file: made (0600) when missing, the same key read back; a file
 * that is not 64 hex digits is refused. */
static void test_key_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/tinhso-totp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], why[320];
    snprintf(path, sizeof path, "%s/mfa.key", dir);
    unsigned char k1[TOTP_KEY_BYTES], k2[TOTP_KEY_BYTES];
    assert_int_equal(totp_key_load(path, k1, why, sizeof why), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(totp_key_load(path, k2, why, sizeof why), 0);
    assert_memory_equal(k1, k2, sizeof k1);
    FILE *f = fopen(path, "w");
    fputs("not a key\n", f);
    fclose(f);
    assert_int_equal(totp_key_load(path, k2, why, sizeof why), -1);
    assert_non_null(strstr(why, "64 hex digits"));
    unlink(path);
    rmdir(dir);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_key_file), cmocka_unit_test(test_rfc6238_vectors),
             cmocka_unit_test(test_window_and_replay), cmocka_unit_test(test_base32),
             cmocka_unit_test(test_seal), cmocka_unit_test(test_qr_svg))
