/* hex.h - hexadecimal digits, for the parsers that read escapes, percent
 * encoding and ids. */
#ifndef LOUPE_HEX_H
#define LOUPE_HEX_H

#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
static inline int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
