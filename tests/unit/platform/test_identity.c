/*
 * Unit tests for identity secrets (platform/password): the password rules
 * (a data-driven table), Argon2id hash + verify round trip (and the PHC
 * parameters documented in decisions.md), random tokens (shape, alphabet,
 * no repeats) and their SHA-256 fingerprints (known answers), and the
 * subtree rule of role grants that every permission check relies on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"
#include <stdio.h>
#include <string.h>

#include "platform/identity.h"
#include "platform/password.h"
#include "lib/text.h"

/* "A" + combining acute accent: 2 code points, 1 once in NFC ("Á"). */
#define A_ACUTE_NFD "A\xcc\x81"

static const struct {
    const char *pw, *username, *full_name, *email;
    ts_msg want;
} rule_cases[] = {
    {"hoa sen nở giữa hè", "mai", NULL, NULL, M_NONE},
    {"correct horse battery staple", "an", NULL, NULL, M_NONE},
    {"Xk9#mQ2!vL7p", NULL, NULL, NULL, M_NONE}, /* 12 */
    {"TinhSo@2025demo", "stp.quantri", NULL, NULL, M_NONE},
    {"Đồng Hới mưa", NULL, NULL, NULL, M_NONE}, /* 12 characters, 17 bytes */
    {"", "mai", NULL, NULL, M_FIELD_REQUIRED},
    {NULL, "mai", NULL, NULL, M_FIELD_REQUIRED},
    {"short", NULL, NULL, NULL, M_PASSWORD_TOO_SHORT},
    {"Xk9#mQ2!vL7", NULL, NULL, NULL, M_PASSWORD_TOO_SHORT}, /* 11 characters */
    {"mậtkhẩu", NULL, NULL, NULL, M_PASSWORD_TOO_SHORT},     /* 7 characters, 11 bytes */
    {"đường đi xa", NULL, NULL, NULL, M_PASSWORD_TOO_SHORT}, /* 11 characters, 17 bytes */
    /* 12 code points as typed, 11 once composed: too short */
    {A_ACUTE_NFD "nh sao xa9", NULL, NULL, NULL, M_PASSWORD_TOO_SHORT},
    {"matkhau123456", NULL, NULL, NULL, M_PASSWORD_COMMON},
    {"MATKHAU123456", NULL, NULL, NULL, M_PASSWORD_COMMON}, /* case-insensitive */
    {"123456789012", NULL, NULL, NULL, M_PASSWORD_COMMON},
    {"anhyeuem1234", NULL, NULL, NULL, M_PASSWORD_COMMON},
    {"qwertyuiop12", NULL, NULL, NULL, M_PASSWORD_COMMON},
    {"password1234", NULL, NULL, NULL, M_PASSWORD_COMMON}, /* a dictionary word + digits */
    {"Sunshine2025!", NULL, NULL, NULL, M_PASSWORD_COMMON},
    {"aaaaaaaaaaaa", NULL, NULL, NULL, M_PASSWORD_COMMON}, /* too few different characters */
    {"P@ssw0rd1234", NULL, NULL, NULL, M_PASSWORD_COMMON},
    {"nguyenvana-secret-2025", "nguyenvana", NULL, NULL, M_PASSWORD_HAS_USERNAME},
    {"my NGUYENVANA pass", "nguyenvana", NULL, NULL, M_PASSWORD_HAS_USERNAME},
    {"ab-long-enough-pw", "ab", NULL, NULL,
     M_NONE}, /* usernames under 3 characters are not checked */
    {"tôi là Trần Thị Mai 77", "mai.tran", "Trần Thị Mai", NULL, M_PASSWORD_HAS_NAME},
    {"TRANTHIMAI-quê-hương", "mai.tran", "Trần Thị Mai", NULL, M_PASSWORD_HAS_NAME},
    {"hoang.lan.99 bí mật", "hl99", NULL, "hoang.lan.99@example.vn", M_PASSWORD_HAS_NAME},
    {"\xff\xfe invalid utf8 bytes", NULL, NULL, NULL, M_FIELD_UTF8},
};

static void test_password_rules(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    for (size_t i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
        pw_person who = {rule_cases[i].username, rule_cases[i].full_name, rule_cases[i].email};
        ts_msg got = pw_check_rules(a, rule_cases[i].pw, &who);
        if (got != rule_cases[i].want) {
            arena_free(a);
            fail_msg("pw_check_rules(\"%s\", \"%s\") = %s, want %s",
                     rule_cases[i].pw ? rule_cases[i].pw : "(null)",
                     rule_cases[i].username ? rule_cases[i].username : "(null)",
                     got ? got->id : "M_NONE",
                     rule_cases[i].want ? rule_cases[i].want->id : "M_NONE");
        }
    }
    /* 128 characters pass, 129 do not; a 100-character passphrase with spaces passes */
    char big[4 * PW_MAX_CHARS + 8] = "";
    for (int i = 0; i < PW_MAX_CHARS; i++)
        strcat(big, i % 9 == 8 ? " " : (i % 3 ? "ệ" : "q"));
    assert_ptr_equal(pw_check_rules(a, big, NULL), M_NONE);
    strcat(big, "x");
    assert_ptr_equal(pw_check_rules(a, big, NULL), M_PASSWORD_TOO_LONG);
    const char *phrase = "mùa thu Hà Nội có hoa sữa thơm nồng trên những con phố nhỏ, "
                         "và tiếng rao đêm vọng mãi bên hồ Gươm xưa";
    assert_true(text_nfc_chars(phrase, strlen(phrase)) >= 100);
    assert_ptr_equal(pw_check_rules(a, phrase, NULL), M_NONE);
    arena_free(a);
}

/* NFC before the hash: the same text typed composed or decomposed matches. */
static void test_nfc_hash(void **state)
{
    (void)state;
    char h[PW_ENCODED_MAX];
    assert_int_equal(pw_hash("\xc3\x81nh sao xa 97", h), TS_OK); /* "Ánh", composed */
    assert_true(pw_verify(h, A_ACUTE_NFD "nh sao xa 97"));
    assert_false(pw_verify(h, "Anh sao xa 97"));
}

static void test_argon2_round_trip(void **state)
{
    (void)state;
    static const char *const pws[] = {"TinhSo@2025demo", "hoa sen nở giữa hè", " spaces kept "};
    for (size_t i = 0; i < sizeof pws / sizeof pws[0]; i++) {
        char h1[PW_ENCODED_MAX], h2[PW_ENCODED_MAX];
        assert_int_equal(pw_hash(pws[i], h1), TS_OK);
        assert_int_equal(pw_hash(pws[i], h2), TS_OK);
        assert_string_not_equal(h1, h2); /* random salt */
        assert_non_null(strstr(h1, "$argon2id$v=19$m=65536,t=3,p=1$"));
        assert_true(pw_verify(h1, pws[i]));
        assert_true(pw_verify(h2, pws[i]));
        assert_false(pw_verify(h1, "wrong password"));
        assert_false(pw_verify(h1, ""));
        assert_null(strstr(h1, pws[i])); /* never the password itself */
    }
    char h[PW_ENCODED_MAX];
    assert_int_equal(pw_hash(" spaces kept ", h), TS_OK);
    assert_false(pw_verify(h, "spaces kept")); /* not trimmed */
    assert_false(pw_verify("not-a-hash", "x"));
    assert_false(pw_verify(NULL, "x"));
    assert_false(pw_verify_dummy("anything"));
}

static const struct {
    const char *in, *sha256;
} sha_cases[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"tsk_test", NULL},
};

static void test_token_hashing(void **state)
{
    (void)state;
    char h[65];
    for (size_t i = 0; i < sizeof sha_cases / sizeof sha_cases[0]; i++) {
        tok_sha256_hex(sha_cases[i].in, h);
        assert_int_equal(strlen(h), 64);
        if (sha_cases[i].sha256) assert_string_equal(h, sha_cases[i].sha256);
    }
    char seen[32][44];
    for (int i = 0; i < 32; i++) {
        tok_random(seen[i]);
        assert_int_equal(strlen(seen[i]), 43); /* 256 bits, unpadded base64url */
        for (const char *p = seen[i]; *p; p++)
            assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                        (*p >= '0' && *p <= '9') || *p == '-' || *p == '_');
        for (int j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    assert_true(tok_equal("abc", "abc"));
    assert_false(tok_equal("abc", "abd"));
    assert_false(tok_equal("abc", "abcd"));
}

static void test_roles_and_usernames(void **state)
{
    (void)state;
    assert_true(ident_role_valid("officer"));
    assert_true(ident_role_valid("system_admin"));
    assert_false(ident_role_valid("root"));
    assert_false(ident_role_valid(NULL));
    arena *a = arena_new(1024);
    assert_string_equal(ident_username_norm(a, " STP.QuanTri "), "stp.quantri");
    assert_string_equal(ident_username_norm(a, "mai@example.vn"), "mai@example.vn");
    assert_null(ident_username_norm(a, "ab"));
    assert_null(ident_username_norm(a, "tên có dấu"));
    assert_null(ident_username_norm(a, "x' OR 1=1 --"));
    /* grants: system_admin counts for every role; scope is a path prefix */
    ident_grant g[] = {{"agency_admin", 3, "000.00.03.H06", "Sở Tư pháp", "/1/3/"}};
    ident_principal p = {.kind = IDENT_SESSION, .ngrants = 1, .grants = g};
    assert_true(ident_has_role(&p, "agency_admin", "/1/3/"));
    assert_true(ident_has_role(&p, "agency_admin", "/1/3/17/"));
    assert_false(ident_has_role(&p, "agency_admin", "/1/7/"));
    assert_false(ident_has_role(&p, "agency_admin", "/1/"));
    assert_false(ident_has_role(&p, "system_admin", NULL));
    assert_false(
        ident_has_role(&p, "agency_admin", "/1/30/")); /* a sibling whose id shares digits */
    assert_false(ident_has_role(&p, "agency_admin", "/1/31/3/"));
    assert_false(ident_has_role(NULL, "officer", NULL));
    /* account administration: an officer grant is not admin; system_admin on the root is */
    ident_grant g2[] = {{"officer", 7, "000.00.07.H06", "Sở Y tế", "/1/7/"},
                        {"system_admin", 1, "000.00.00.H06", "UBND tỉnh", "/1/"}};
    ident_principal o = {.kind = IDENT_SESSION, .ngrants = 1, .grants = g2};
    assert_true(ident_has_role(&o, "officer", "/1/7/2/"));
    assert_false(ident_has_role(&o, "agency_admin", "/1/7/"));
    assert_false(ident_has_role(&o, "leader", NULL));
    ident_principal s = {.kind = IDENT_SESSION, .ngrants = 2, .grants = g2};
    assert_true(ident_has_role(&s, "agency_admin", "/1/3/17/"));
    assert_true(ident_has_role(&s, "system_admin", NULL));
    assert_false(ident_has_role(&s, "system_admin", "/2/")); /* another root: not covered */
    ident_principal b;
    ident_bootstrap(&b);
    assert_true(ident_has_role(&b, "agency_admin", "/1/7/"));
    assert_string_equal(ident_actor(a, &b), "admin-token");
    arena_free(a);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_password_rules), cmocka_unit_test(test_nfc_hash),
             cmocka_unit_test(test_argon2_round_trip), cmocka_unit_test(test_token_hashing),
             cmocka_unit_test(test_roles_and_usernames))
