/*
** text_int.h: structures shared by the text module's own files only
** (tables.c, translit.c, name.c).  Nothing outside src/text includes it.
*/
#ifndef LIAISON_TEXT_INT_H
#define LIAISON_TEXT_INT_H

#include <unicode/utrans.h>

#include "text/text.h"

struct text_tables {
    util_strmap equiv;          /* variant -> class id */
    util_strmap classes;        /* canonical -> class id */
    const char **class_names;   /* class id -> canonical (keys of classes) */
    util_strmap particles;      /* part -> enum text_role */
    util_strmap common;         /* part -> commonness * 1e6 */
    char *translit_rules;       /* ICU rules, Arabic script -> Latin */
    UTransliterator *arabic;    /* compiled rules; cloned per text_ctx */
    UTransliterator *other;     /* Any-Latin; Latin-ASCII */
};

#define TEXT_U16_MAX 2048       /* UTF-16 units per transliterated part */

struct text_ctx {
    const text_tables *t;
    UTransliterator *arabic;    /* this thread's clones */
    UTransliterator *other;
    UChar u16[TEXT_U16_MAX];
    int32_t cps[TEXT_MAX_NAME * 2];     /* decomposed code points */
    char scratch[TEXT_MAX_NAME * 4];
};

int text_translit_init(text_tables *t, struct liaison_err *err);
void text_translit_fini(text_tables *t);
int text_class_names_init(text_tables *t);

/* Transliterate UTF-8 s[0..len) with tr into out (UTF-8, NUL-terminated,
** at most cap-1 bytes).  Returns the length, or a negative error. */
long text_translit_run(text_ctx *c, UTransliterator *tr, const char *s,
                       size_t len, char *out, size_t cap);

#endif /* LIAISON_TEXT_INT_H */
