/* utf8.h - UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef LOUPE_UTF8_H
#define LOUPE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 when p[0..n) is valid UTF-8, else 0. */
int utf8_valid(const uint8_t *p, size_t n);

#endif
