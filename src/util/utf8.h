/* utf8.h - UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef LOUPE_UTF8_H
#define LOUPE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 when p[0..n) is valid UTF-8, else 0. */
int utf8_valid(const uint8_t *p, size_t n);

/* Decodes the code point at p[0..n) (n >= 1): returns its length in bytes
 * and sets *cp, or returns 1 with *cp = -1 for an invalid byte. */
size_t utf8_decode(const uint8_t *p, size_t n, int32_t *cp);

#endif
