/*
** utf8.c: UTF-8 validation.
**
** Accepts exactly the well-formed sequences of Unicode 15 table 3-7: no
** overlong forms, no UTF-16 surrogates, nothing above U+10FFFF.  Invalid
** input is an error reported with its byte offset, never a crash.
*/
#include "text/text.h"

int text_utf8_check(const char *s, size_t len, size_t *off)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;      /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            goto bad;
        }
        if (len - i <= n)
            goto bad;
        if (p[i + 1] < lo || p[i + 1] > hi)
            goto bad;
        if (n >= 2 && (p[i + 2] < 0x80 || p[i + 2] > 0xBF))
            goto bad;
        if (n == 3 && (p[i + 3] < 0x80 || p[i + 3] > 0xBF))
            goto bad;
        i += n + 1;
    }
    if (off)
        *off = 0;
    return LIAISON_OK;
bad:
    if (off)
        *off = i;
    return LIAISON_EUTF8;
}

int liaison_utf8_check(const char *s, size_t len, size_t *bad_offset)
{
    return text_utf8_check(s, len, bad_offset);
}
