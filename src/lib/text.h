/*
 * text — UTF-8 rules for everything people type: validity, Unicode NFC
 * (what we store), and the folded search key (lower case, diacritics
 * removed, đ→d, spaces collapsed) so "bac ninh" finds "Bắc Ninh".
 */
#ifndef TS_TEXT_H
#define TS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* True when s[0..len) is well-formed UTF-8 with no NUL bytes. */
bool text_utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8. */
size_t text_utf8_chars(const char *s, size_t len);
/* Number of characters (code points) s has once normalised to NFC. */
size_t text_nfc_chars(const char *s, size_t len);
/* NFC copy in the arena (NULL if s is not valid UTF-8). */
char *text_nfc(arena *a, const char *s, size_t len);
/* Folded search key in the arena (NULL if s is not valid UTF-8). */
char *text_fold(arena *a, const char *s, size_t len);
/* Trim ASCII/Unicode spaces at both ends; returns a pointer into s and sets *len. */
const char *text_trim(const char *s, size_t *len);

#endif
