/* strlit.c - Go-style string literal unquoting for PromQL. */
#include "query/strlit.h"
#include "util/hex.h"

static int put_utf8(buf *out, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | cp >> 18);
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return buf_append(out, b, n);
}

int strlit_scan(slice s, size_t *ip, buf *out, err_ctx *e)
{
    size_t i = *ip;
    uint8_t q = s.p[i++];
    size_t start = *ip;
    if (q == '`') {
        while (i < s.n && s.p[i] != '`')
            i++;
        if (i >= s.n)
            return err_set(e, LOUPE_EINVAL, "unterminated raw string at position %zu", start);
        if (buf_append(out, s.p + *ip + 1, i - *ip - 1))
            return LOUPE_ENOMEM;
        *ip = i + 1;
        return 0;
    }
    while (i < s.n && s.p[i] != q) {
        uint8_t c = s.p[i];
        if (c == '\n')
            return err_set(e, LOUPE_EINVAL, "unterminated quoted string at position %zu", start);
        if (c != '\\') {
            if (buf_putc(out, c))
                return LOUPE_ENOMEM;
            i++;
            continue;
        }
        if (++i >= s.n)
            break;
        c = s.p[i++];
        int rc = 0;
        switch (c) {
        case 'a': rc = buf_putc(out, 7); break;
        case 'b': rc = buf_putc(out, 8); break;
        case 'f': rc = buf_putc(out, 12); break;
        case 'n': rc = buf_putc(out, 10); break;
        case 'r': rc = buf_putc(out, 13); break;
        case 't': rc = buf_putc(out, 9); break;
        case 'v': rc = buf_putc(out, 11); break;
        case '\\': rc = buf_putc(out, '\\'); break;
        case '\'':
        case '"':
            if (c != q)
                return err_set(e, LOUPE_EINVAL, "unknown escape sequence \\%c at position %zu", c, i - 2);
            rc = buf_putc(out, c);
            break;
        case 'x': {
            int h1 = i < s.n ? hex_digit(s.p[i]) : -1, h2 = i + 1 < s.n ? hex_digit(s.p[i + 1]) : -1;
            if (h1 < 0 || h2 < 0)
                return err_set(e, LOUPE_EINVAL, "invalid \\x escape at position %zu", i - 2);
            rc = buf_putc(out, (uint8_t)(h1 << 4 | h2));
            i += 2;
            break;
        }
        case 'u':
        case 'U': {
            int nd = c == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int k = 0; k < nd; k++) {
                int h = i < s.n ? hex_digit(s.p[i]) : -1;
                if (h < 0)
                    return err_set(e, LOUPE_EINVAL, "invalid \\%c escape at position %zu", c, i);
                cp = cp << 4 | (uint32_t)h;
                i++;
            }
            if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return err_set(e, LOUPE_EINVAL, "invalid Unicode code point in escape");
            rc = put_utf8(out, cp);
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0';
                for (int k = 0; k < 2; k++) {
                    if (i >= s.n || s.p[i] < '0' || s.p[i] > '7')
                        return err_set(e, LOUPE_EINVAL, "invalid octal escape");
                    v = v * 8 + (s.p[i++] - '0');
                }
                if (v > 255)
                    return err_set(e, LOUPE_EINVAL, "octal escape value > 255");
                rc = buf_putc(out, (uint8_t)v);
            } else {
                return err_set(e, LOUPE_EINVAL, "unknown escape sequence \\%c", c);
            }
        }
        if (rc)
            return LOUPE_ENOMEM;
    }
    if (i >= s.n)
        return err_set(e, LOUPE_EINVAL, "unterminated quoted string at position %zu", start);
    *ip = i + 1;
    return 0;
}
