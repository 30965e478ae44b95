/*
 * totp — the arithmetic of the second factor, without a database: RFC 6238
 * time-based one-time codes (HMAC-SHA1 from OpenSSL, 30 s steps, 6 digits),
 * base32 (RFC 4648) for authenticator apps, the sealing of a stored secret
 * (AES-256-GCM under the server's MFA key) and the QR code of an otpauth://
 * URI as SVG (libqrencode).
 */
#ifndef TS_TOTP_H
#define TS_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/arena.h"

#define TOTP_STEP_S 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_BYTES 20 /* 160 bits, as RFC 4226 recommends */
#define TOTP_KEY_BYTES 32    /* the sealing key (AES-256) */

/* The code of one time step (now / 30) for key: 0..999999. */
uint32_t totp_code(const unsigned char *key, size_t klen, uint64_t step);

/*
 * Does code (6 ASCII digits) match a step of now's window (one step either
 * side) later than last_step? *step gets the matching step, which the
 * caller records so that the code is never accepted again.
 */
bool totp_match(const unsigned char *key, size_t klen, const char *code, int64_t now,
                int64_t last_step, int64_t *step);

/* RFC 4648 base32 without padding, in a; and back (-1 on a bad character
 * or more than max bytes). */
char *totp_base32(arena *a, const unsigned char *in, size_t n);
int totp_base32_decode(const char *in, unsigned char *out, size_t max);

/*
 * Seal a secret for the database: "g1:" and hex nonce|ciphertext|tag under
 * key (AES-256-GCM, account_id as associated data, so a sealed secret
 * copied to another account does not open). key NULL: "p1:" and hex of the
 * secret itself (no key configured). NULL on failure.
 */
char *totp_seal(arena *a, const unsigned char *key, int64_t account_id, const unsigned char *secret,
                size_t n);
/* Open what totp_seal made; the length, or -1 (tampered, wrong key, or a
 * sealed secret with no key). */
int totp_open(const unsigned char *key, int64_t account_id, const char *sealed, unsigned char *out,
              size_t max);

/* The QR code (error correction M) of text as a standalone SVG document,
 * one unit per module with a four-module quiet zone; NULL on failure. */
char *totp_qr_svg(arena *a, const char *text);

/* Read the sealing key from path (64 hex digits), making the file (mode
 * 0600, a new random key) when it does not exist; -1 with why filled. */
int totp_key_load(const char *path, unsigned char key[TOTP_KEY_BYTES], char *why, size_t whylen);

#endif
