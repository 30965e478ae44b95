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

#include "../lib/err.h"

#define PW_T_COST 3
#define PW_M_COST_KIB (64 * 1024)
#define PW_PARALLELISM 1
#define PW_ENCODED_MAX 128
#define PW_MIN_CHARS 10
#define PW_MAX_BYTES 256

/* Hash pw into out (PHC string). TS_EINTERNAL on failure (out of memory). */
ts_code pw_hash(const char *pw, char out[PW_ENCODED_MAX]);
/* True when pw matches the encoded hash. */
bool pw_verify(const char *encoded, const char *pw);
/* Burn the time of one verify (for unknown users), always false. */
bool pw_verify_dummy(const char *pw);

/*
 * The password rules: at least PW_MIN_CHARS characters, at most PW_MAX_BYTES
 * bytes, valid UTF-8, not containing the username (case-insensitive, when
 * the username has 3+ characters) and not one of the common passwords
 * shipped with the product. M_NONE when acceptable, else the message.
 */
ts_msg pw_check_rules(const char *pw, const char *username);
/* True when pw (ASCII case-insensitive) is in the common list. */
bool pw_is_common(const char *pw);

/* 32 random bytes as unpadded base64url (43 characters) into out. */
void tok_random(char out[44]);
/* Hex SHA-256 of s into out. */
void tok_sha256_hex(const char *s, char out[65]);
/* Constant-time string equality. */
bool tok_equal(const char *a, const char *b);

#endif
