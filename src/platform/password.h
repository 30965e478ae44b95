/*
 * password — secrets: Argon2id password hashes, the password rules, random
 * tokens and their SHA-256 fingerprints. Nothing here touches the database.
 *
 * Argon2id parameters: t = 3 passes, m = 64 MiB, p = 1 lane, 16-byte
 * random salt, 32-byte tag, stored in the PHC encoded form
 * ($argon2id$v=19$m=65536,t=3,p=1$salt$tag) so they can be raised later
 * without breaking old hashes (verify reads them from the string).
 */
#ifndef TS_PASSWORD_H
#define TS_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/arena.h"
#include "../lib/err.h"

#define PW_T_COST 3
#define PW_M_COST_KIB (64 * 1024)
#define PW_PARALLELISM 1
#define PW_ENCODED_MAX 128
#define PW_MIN_CHARS 12  /* characters (code points) after NFC */
#define PW_MAX_CHARS 128 /* the same; ASVS asks for at least 64 */

/* Hash pw (NFC-normalised first, so the same text typed on any keyboard
 * matches) into out (PHC string). TS_EINTERNAL on failure (out of memory). */
ts_code pw_hash(const char *pw, char out[PW_ENCODED_MAX]);
/* True when pw (NFC-normalised) matches the encoded hash. */
bool pw_verify(const char *encoded, const char *pw);
/* Burn the time of one verify (for unknown users), always false. */
bool pw_verify_dummy(const char *pw);

/* Whose password it is, for the rules (any field may be NULL). */
typedef struct pw_person {
    const char *username, *full_name, *email;
} pw_person;

/*
 * The password rules (ASVS 4.0 L2, docs/decisions.md §31): valid UTF-8, at
 * least PW_MIN_CHARS and at most PW_MAX_CHARS characters counted after NFC
 * normalisation (spaces and every Unicode character allowed; no rules on
 * which kinds of characters), not containing the person's username, name
 * or e-mail address, and not a common password: cracklib's check against
 * its dictionary (Debian's cracklib-runtime), the dictionary word inside
 * digits and symbols ("Password1234!"), and the product's own list of
 * Vietnamese habits. M_NONE when acceptable, else the message.
 */
ts_msg pw_check_rules(arena *a, const char *pw, const pw_person *who);
/* True when pw is a common password (the lists above). */
bool pw_is_common(const char *pw);
/* Use cracklib's dictionary at path (NULL: its default) for pw_is_common;
 * TS_EINVAL with a message in err (debug) when it cannot be read. Called at
 * start; the rules use the default themselves when nobody did. */
ts_code pw_dict_open(const char *path, ts_err *err);

/* 32 random bytes as unpadded base64url (43 characters) into out. */
void tok_random(char out[44]);
/* Hex SHA-256 of s into out. */
void tok_sha256_hex(const char *s, char out[65]);
/* The same of len bytes at data. */
void tok_sha256_hex_n(const void *data, size_t len, char out[65]);
/* Constant-time string equality. */
bool tok_equal(const char *a, const char *b);

#endif
