/*
 * password — Argon2id hashing, password rules, random tokens; see password.h.
 */
#include "password.h"

#include "identity.h"

#include <argon2.h>
#include <crack.h>
#include <ctype.h>
#include <unistd.h>
#include <uninorm.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/text.h"

/*
 * Common passwords refused at registration and password change. Written
 * for this product: the usual international lists plus Vietnamese habits
 * (mật khẩu, anh yêu em, dates, phone-like runs, names + 123). Only those
 * of 12+ characters matter (shorter ones fail the length rule anyway), but
 * the list keeps the short classics so the rule is self-explanatory. The
 * large list is cracklib's dictionary (see pw_check_rules).
 */
static const char *const common_pw[] = {
    "123456",         "123456789",     "12345678",       "1234567890",     "12345678910",
    "0123456789",     "1234567891",    "123123123",      "123123123123",   "111111",
    "1111111111",     "0000000000",    "00000000",       "000000",         "9999999999",
    "8888888888",     "6666666666",    "5555555555",     "1122334455",     "1234554321",
    "123456789a",     "123456789abc",  "abc123456789",   "a123456789",     "qwertyuiop",
    "qwerty123456",   "qwerty1234",    "1qaz2wsx3edc",   "1q2w3e4r5t",     "1q2w3e4r5t6y",
    "zaq12wsxcde3",   "asdfghjkl",     "asdfghjkl123",   "zxcvbnm123",     "zxcvbnmasd",
    "qazwsxedc",      "qazwsxedc123",  "password",       "password1",      "password12",
    "password123",    "password1234",  "passw0rd123",    "p@ssw0rd123",    "p@ssword123",
    "iloveyou",       "iloveyou123",   "iloveyou1234",   "princess123",    "sunshine123",
    "football123",    "baseball123",   "superman123",    "batman12345",    "starwars123",
    "dragon12345",    "monkey12345",   "letmein123",     "welcome123",     "welcome1234",
    "trustno1234",    "whatever123",   "changeme123",    "abcdef12345",    "abcdefghij",
    "abcdefghijk",    "administrator", "admin12345",     "admin123456",    "admin@123456",
    "administrator1", "root123456",    "master12345",    "secret12345",    "computer123",
    "internet123",    "samsung123",    "iphone12345",    "google12345",    "facebook123",
    "chocolate123",   "michael123",    "jennifer123",    "123qweasdzxc",   "qweasdzxc123",
    "1qazxsw23edc",   "987654321",     "9876543210",     "0987654321",     "987654321a",
    "147258369",      "1472583690",    "159357456",      "3216549870",     "7894561230",
    "741852963",      "matkhau",       "matkhau1",       "matkhau12",      "matkhau123",
    "matkhau1234",    "matkhau12345",  "matkhau123456",  "matkhaumoi",     "matkhaumoi123",
    "matkhau@123",    "mk123456789",   "doimatkhau",     "doimatkhau123",  "anhyeuem",
    "anhyeuem123",    "anhyeuem1234",  "anhyeuem12345",  "emyeuanh",       "emyeuanh123",
    "emyeuanh1234",   "yeuem123456",   "yeuanh123456",   "anhyeuemnhieu",  "emyeuanhnhieu",
    "tinhyeu123",     "tinhyeu1234",   "tinhyeumaimai",  "hanhphuc123",    "hanhphuc1234",
    "vietnam123",     "vietnam1234",   "vietnam12345",   "vietnamvodich",  "toilanguoivn",
    "vietnam2024",    "vietnam2025",   "hanoi123456",    "hanoi12345",     "saigon123456",
    "saigon12345",    "bacninh123",    "bacninh1234",    "bacninh2025",    "danang12345",
    "haiphong123",    "nguyenvan123",  "nguyen123456",   "nguyenvana",     "nguyenvana123",
    "tranthib123",    "lethic12345",   "phamvand123",    "hoangvane123",   "minhanh123",
    "ngoclan123",     "thuhuong123",   "thanhhuong123",  "quanghuy123",    "tuananh12345",
    "ducanh12345",    "hoangnam123",   "kimanh12345",    "baongoc1234",    "thienthan123",
    "thienthan1234",  "conmeo12345",   "concho12345",    "songoku1234",    "doremon1234",
    "doraemon123",    "doraemon1234",  "tinhso123",      "tinhso2025",     "tinhso@2025",
    "dichvucong",     "dichvucong123", "dichvucong2025", "motcua12345",    "hanhchinh123",
    "ubnd123456",     "ubndtinh123",   "canbo123456",    "congchuc123",    "quantri123",
    "quantri12345",   "quantrivien",   "quantrivien123", "admin@2025",     "admin@2024",
    "abc@123456",     "abc@12345678",  "Aa123456789",    "Aa@123456789",   "Abc@123456",
    "Abcd@123456",    "Abcd@1234567",  "P@ssw0rd",       "P@ssw0rd123",    "P@ssword123",
    "Password@123",   "Password@2025", "Matkhau@123",    "Matkhau@2025",   "Admin@123456",
    "Welcome@123",    "Qwerty@123456", "Vietnam@123",    "Vietnam@2025",   "1234567890a",
    "1234567890qwe",  "123456789qwe",  "qwe123456789",   "11223344556677", "1234512345",
    "1212121212",     "1231231234",    "0912345678",     "0987654321a",    "0123456789a",
    "2512199912",     "01011990",      "01012000",       "0101200001",     "1111122222",
    "abcabcabc123",   "aaaaaaaaaa",    "asdasdasd123",   "zxczxczxc123",
};

static bool in_list(const char *pw)
{
    for (size_t i = 0; i < sizeof common_pw / sizeof common_pw[0]; i++)
        if (!strcasecmp(pw, common_pw[i])) return true;
    return false;
}

/* cracklib's dictionary (the path without .pwd/.pwi/.hwm). FascistCheckUser
 * opens it on each call and exits the process when it cannot, so it is
 * looked for first; calls are serialised (cracklib keeps static state). */
static char dict_path[400];
static pthread_mutex_t dict_lock = PTHREAD_MUTEX_INITIALIZER;

static bool dict_readable(const char *path)
{
    static const char *const ext[] = {".pwd", ".pwi", ".hwm"};
    for (int i = 0; i < 3; i++) {
        char f[512];
        snprintf(f, sizeof f, "%s%s", path, ext[i]);
        if (access(f, R_OK) != 0) return false;
    }
    return true;
}

ts_code pw_dict_open(const char *path, ts_err *err)
{
    if (!path) path = GetDefaultCracklibDict();
    if (strlen(path) < sizeof dict_path && dict_readable(path)) {
        pthread_mutex_lock(&dict_lock);
        snprintf(dict_path, sizeof dict_path, "%s", path);
        pthread_mutex_unlock(&dict_lock);
        return TS_OK;
    }
    ts_err_set(err, TS_EINVAL, M_INTERNAL, NULL);
    ts_err_debug(err,
                 "cannot read the common-password dictionary %s.pwd (install Debian's "
                 "cracklib-runtime: scripts/deps.sh)",
                 path);
    return TS_EINVAL;
}

static pthread_once_t dict_once = PTHREAD_ONCE_INIT;
static void dict_default(void)
{
    ts_err e;
    ts_err_clear(&e);
    (void)pw_dict_open(NULL, &e);
}

/* pw without the digits, punctuation and spaces around it, ASCII lower case
 * and the usual look-alike digits and symbols inside read as letters
 * ("Password1234!" -> "password", "P@ssw0rd99" -> "password"), into out. */
static void core_word(const char *pw, char *out, size_t cap)
{
    const char *b = pw, *e = pw + strlen(pw);
    while (b < e && (isdigit((unsigned char)*b) || ispunct((unsigned char)*b) || *b == ' '))
        b++;
    while (e > b &&
           (isdigit((unsigned char)e[-1]) || ispunct((unsigned char)e[-1]) || e[-1] == ' '))
        e--;
    size_t n = (size_t)(e - b) < cap - 1 ? (size_t)(e - b) : cap - 1;
    static const char leet_from[] = "@4083$51!7", leet_to[] = "aaobesslit";
    for (size_t i = 0; i < n; i++) {
        const char *l = strchr(leet_from, b[i]);
        out[i] = l ? leet_to[l - leet_from] : (char)tolower((unsigned char)b[i]);
    }
    out[n] = '\0';
}

/* The shortest core cracklib judges (its own minimum length). */
#define CORE_MIN 6

static bool dict_says_common(const char *pw, const pw_person *who)
{
    pthread_once(&dict_once, dict_default);
    char core[64];
    core_word(pw, core, sizeof core);
    const char *user = who && who->username ? who->username : "";
    const char *gecos = who && who->full_name ? who->full_name : "";
    bool common = false;
    pthread_mutex_lock(&dict_lock);
    if (dict_path[0] && dict_readable(dict_path)) {
        /* cracklib's rules (dictionary words and their manglings, too few
         * different characters, keyboard runs), with this person's names */
        common = FascistCheckUser(pw, dict_path, user, gecos) != NULL;
        /* and a dictionary word wrapped in digits and symbols */
        if (!common && strlen(core) >= CORE_MIN && strcmp(core, pw))
            common = FascistCheckUser(core, dict_path, user, gecos) != NULL;
    }
    pthread_mutex_unlock(&dict_lock);
    return common;
}

bool pw_is_common(const char *pw)
{
    return in_list(pw) || dict_says_common(pw, NULL);
}

/* Case-insensitive (ASCII) substring search. */
static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!n) return false;
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n)) return true;
    return false;
}

/* The folded form (lower case, no diacritics) without spaces, in a. */
static const char *folded_compact(arena *a, const char *s)
{
    const char *f = text_fold(a, s, strlen(s));
    if (!f) return "";
    char *o = arena_strdup(a, f), *w = o;
    for (const char *r = f; *r; r++)
        if (*r != ' ') *w++ = *r;
    *w = '\0';
    return o;
}

/* True when pw holds the person's name or e-mail address (its local part). */
static bool has_person(arena *a, const char *pw, const pw_person *who)
{
    const char *fpw = folded_compact(a, pw);
    if (who->full_name) {
        const char *n = folded_compact(a, who->full_name);
        if (strlen(n) >= 4 && strstr(fpw, n)) return true;
    }
    if (who->email) {
        const char *at = strchr(who->email, '@');
        const char *local =
            at ? arena_strndup(a, who->email, (size_t)(at - who->email)) : who->email;
        if (strlen(local) >= 3 && contains_ci(pw, local)) return true;
    }
    return false;
}

ts_msg pw_check_rules(arena *a, const char *pw, const pw_person *who)
{
    if (!pw || !*pw) return M_FIELD_REQUIRED;
    size_t n = strlen(pw);
    if (!text_utf8_valid(pw, n)) return M_FIELD_UTF8;
    size_t chars = text_nfc_chars(pw, n);
    if (chars > PW_MAX_CHARS) return M_PASSWORD_TOO_LONG;
    if (chars < PW_MIN_CHARS) return M_PASSWORD_TOO_SHORT;
    const char *nfc = text_nfc(a, pw, n);
    if (!nfc) return M_FIELD_UTF8;
    if (who && who->username && strlen(who->username) >= 3 && contains_ci(nfc, who->username))
        return M_PASSWORD_HAS_USERNAME;
    if (who && has_person(a, nfc, who)) return M_PASSWORD_HAS_NAME;
    if (in_list(nfc) || dict_says_common(nfc, who)) return M_PASSWORD_COMMON;
    return M_NONE;
}

/* pw in NFC into a malloc'd copy (*len its length); NULL when out of memory.
 * Text that is not UTF-8 is hashed as it is. */
static char *nfc_dup(const char *pw, size_t *len)
{
    size_t n = strlen(pw), outlen = 0;
    uint8_t *out = text_utf8_valid(pw, n)
                       ? u8_normalize(UNINORM_NFC, (const uint8_t *)pw, n, NULL, &outlen)
                       : NULL;
    if (!out) {
        out = malloc(n + 1);
        if (!out) return NULL;
        memcpy(out, pw, n);
        outlen = n;
    }
    *len = outlen;
    return (char *)out;
}

static void nfc_free(char *p, size_t len)
{
    OPENSSL_cleanse(p, len);
    free(p);
}

ts_code pw_hash(const char *pw, char out[PW_ENCODED_MAX])
{
    unsigned char salt[16];
    if (RAND_bytes(salt, sizeof salt) != 1) return TS_EINTERNAL;
    size_t n;
    char *p = nfc_dup(pw, &n);
    if (!p) return TS_EINTERNAL;
    int rc = argon2id_hash_encoded(PW_T_COST, PW_M_COST_KIB, PW_PARALLELISM, p, n, salt,
                                   sizeof salt, 32, out, PW_ENCODED_MAX);
    nfc_free(p, n);
    return rc == ARGON2_OK ? TS_OK : TS_EINTERNAL;
}

bool pw_verify(const char *encoded, const char *pw)
{
    if (!encoded || !pw) return false;
    size_t n;
    char *p = nfc_dup(pw, &n);
    if (!p) return false;
    bool ok = argon2id_verify(encoded, p, n) == ARGON2_OK;
    nfc_free(p, n);
    return ok;
}

static char dummy_hash[PW_ENCODED_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    if (pw_hash("tinhso-dummy-password-for-timing", dummy_hash) != TS_OK) dummy_hash[0] = '\0';
}

bool pw_verify_dummy(const char *pw)
{
    pthread_once(&dummy_once, dummy_init);
    if (dummy_hash[0]) (void)pw_verify(dummy_hash, pw ? pw : "");
    return false;
}

void tok_random(char out[44])
{
    unsigned char b[32];
    if (RAND_bytes(b, sizeof b) != 1) abort(); /* no entropy: refuse to mint guessable tokens */
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < sizeof b; i++) {
        acc = (acc << 8) | b[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = al[(acc >> bits) & 63];
        }
    }
    if (bits) out[o++] = al[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    OPENSSL_cleanse(b, sizeof b);
}

void tok_sha256_hex(const char *s, char out[65])
{
    tok_sha256_hex_n(s, strlen(s), out);
}

void tok_sha256_hex_n(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

bool tok_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return false;
    return CRYPTO_memcmp(a, b, la) == 0;
}
