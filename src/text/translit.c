/*
** translit.c: transliteration of non-Latin scripts with ICU transforms.
**
** Two transliterators per engine: our own rules for Arabic script
** (data/translit_arabic.txt, tuned so that unvowelled Arabic meets Latin
** spellings on consonant skeletons), and ICU's "Any-Latin; Latin-ASCII"
** for Cyrillic, Greek, Hebrew, Armenian, Georgian, CJK and the rest.
** ICU transliterators are not meant to be shared between threads while
** in use, so every text_ctx (one per thread) works on clones.
*/
#include <string.h>

#include <unicode/ustring.h>

#include "text/text_int.h"

int text_translit_init(text_tables *t, struct liaison_err *err)
{
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe;
    UChar id[] = {'l', 'i', 'a', 'i', 's', 'o', 'n', '-', 'a', 'r', 0};
    UChar other_id[64];
    UChar *rules = NULL;
    int32_t rlen = 0;
    int rc = LIAISON_OK;

    u_strFromUTF8(NULL, 0, &rlen, t->translit_rules, -1, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return util_err(err, LIAISON_EFORMAT, 0, 0,
                        "translit_arabic.txt: not UTF-8 (%s)", u_errorName(st));
    st = U_ZERO_ERROR;
    rules = util_calloc((size_t)rlen + 1, sizeof(UChar));
    if (!rules)
        return LIAISON_ENOMEM;
    u_strFromUTF8(rules, rlen + 1, NULL, t->translit_rules, -1, &st);
    if (U_SUCCESS(st))
        t->arabic = utrans_openU(id, -1, UTRANS_FORWARD, rules, rlen, &pe,
                                 &st);
    if (U_FAILURE(st)) {
        rc = util_err(err, LIAISON_EFORMAT, pe.line, pe.offset,
                      "translit_arabic.txt line %d: ICU rule error %s",
                      (int)pe.line, u_errorName(st));
        goto out;
    }
    u_uastrcpy(other_id, "Any-Latin; Latin-ASCII");
    t->other = utrans_openU(other_id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    if (U_FAILURE(st))
        rc = util_err(err, LIAISON_EFORMAT, 0, 0,
                      "ICU Any-Latin transform unavailable: %s",
                      u_errorName(st));
out:
    util_free(rules);
    return rc;
}

void text_translit_fini(text_tables *t)
{
    if (t->arabic)
        utrans_close(t->arabic);
    if (t->other)
        utrans_close(t->other);
    t->arabic = t->other = NULL;
}

int text_ctx_new(const text_tables *t, text_ctx **out)
{
    UErrorCode st = U_ZERO_ERROR;
    text_ctx *c = util_calloc(1, sizeof(*c));
    *out = NULL;
    if (!c)
        return LIAISON_ENOMEM;
    c->t = t;
    if (t->arabic)
        c->arabic = utrans_clone(t->arabic, &st);
    if (U_SUCCESS(st) && t->other)
        c->other = utrans_clone(t->other, &st);
    if (U_FAILURE(st)) {
        text_ctx_free(c);
        return LIAISON_ENOMEM;
    }
    *out = c;
    return LIAISON_OK;
}

void text_ctx_free(text_ctx *c)
{
    if (!c)
        return;
    if (c->arabic)
        utrans_close(c->arabic);
    if (c->other)
        utrans_close(c->other);
    util_free(c);
}

long text_translit_run(text_ctx *c, UTransliterator *tr, const char *s,
                       size_t len, char *out, size_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0, limit, olen = 0;
    if (!tr || cap == 0)
        return LIAISON_EINVAL;
    u_strFromUTF8(c->u16, TEXT_U16_MAX / 2, &n, s, (int32_t)len, &st);
    if (U_FAILURE(st))
        return LIAISON_ETOOBIG;
    limit = n;
    utrans_transUChars(tr, c->u16, &n, TEXT_U16_MAX, 0, &limit, &st);
    if (U_FAILURE(st))
        return LIAISON_ETOOBIG;
    u_strToUTF8(out, (int32_t)cap - 1, &olen, c->u16, n, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
        return LIAISON_ETOOBIG;
    out[olen] = '\0';
    return olen;
}
