/*
** text.h: the text module's internal interface.
**
** A name goes through these steps (DESIGN section 5):
**   1. UTF-8 validation;
**   2. folding: NFKC, case folding (Turkish dotted and dotless i meet i),
**      diacritics stripped, punctuation folded (utf8proc);
**   3. script runs that are not Latin are transliterated with ICU; Arabic
**      script is first normalised (alef forms, ta marbuta, harakat) and
**      looked up in the equivalence table as written;
**   4. tokenising into name parts: articles (al-, el-) dropped, compounds
**      (abd + name, name + al-din / allah) joined, kinship particles (ben,
**      bin, ibn, ould, abu...) kept with a joined alternative, titles
**      (haji, sheikh, ...) marked;
**   5. per part: the folded Latin form, a phonetic form (vowel groups and
**      consonant classes), a consonant skeleton, and the equivalence class.
*/
#ifndef LIAISON_TEXT_H
#define LIAISON_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "liaison.h"
#include "util/util.h"

/* ---------------------------------------------------------------- UTF-8 */

/* LIAISON_OK if s[0..len) is well-formed UTF-8 (no overlongs, no
** surrogates, nothing above U+10FFFF), else LIAISON_EUTF8 and, if off is
** not NULL, the byte offset of the first bad sequence. */
int text_utf8_check(const char *s, size_t len, size_t *off /* OUT */);

/* ---------------------------------------------------------------- tables */

/* Tables loaded once per engine: name-part equivalences, particles and
** titles, population commonness, and the ICU transliteration rules.
** Immutable after loading; safe to share between threads. */
typedef struct text_tables text_tables;

int text_tables_new(const char *data_dir, text_tables **out /* OUT */,
                    struct liaison_err *err);
void text_tables_free(text_tables *t);

/* Equivalence class of a normalised name part, or -1.  Class ids are
** dense, 0..text_tables_nclasses()-1. */
int32_t text_equiv_class(const text_tables *t, const char *s, size_t len);
size_t text_tables_nclasses(const text_tables *t);
const char *text_class_name(const text_tables *t, int32_t cls);

/* Population commonness of a canonical or normalised part in [0,1]. */
double text_commonness(const text_tables *t, const char *s, size_t len);

/* Roles a particle table entry can have. */
enum text_role {
    TEXT_ROLE_NONE = 0,
    TEXT_ROLE_ARTICLE,          /* al, el, ul ... dropped before a part */
    TEXT_ROLE_ABD,              /* abd, abdel, abdul ... joined with the next part */
    TEXT_ROLE_SUFFIX,           /* din, deen, allah, ullah ... joined with the previous */
    TEXT_ROLE_KIN,              /* ben, bin, ibn, ould, ait ... kept, low weight */
    TEXT_ROLE_KUNYA,            /* abu, abou, bou, umm ... kept, joined alternative */
    TEXT_ROLE_TITLE             /* haji, sheikh, mullah, dr ... marked */
};

int text_particle_role(const text_tables *t, const char *s, size_t len);

/* ---------------------------------------------------------------- names */

#define TEXT_MAX_TOKENS 24      /* parts kept per name, alternatives included */
#define TEXT_MAX_NAME   1024    /* bytes of folded name kept */

/* Flags of a name part. */
#define TEXT_TOK_ABJAD     0x01 /* from Arabic script: short vowels unknown */
#define TEXT_TOK_PARTICLE  0x02 /* kinship particle or kunya (ben, abu) */
#define TEXT_TOK_TITLE     0x04 /* honorific or rank */
#define TEXT_TOK_COMPOUND  0x08 /* alternative joining parts first..last */
#define TEXT_TOK_FAMILY    0x10 /* known to be the family name (FAMILY, Given / MRZ) */
#define TEXT_TOK_GIVEN     0x20 /* known to be a given name */
#define TEXT_TOK_INITIAL   0x40 /* a single letter */
#define TEXT_TOK_SYLLABIC  0x80 /* romanised from Han, Hangul or Kana */

/* One name part.  Strings are offsets into the owning text_name's buffer;
** each is NUL-terminated there. */
typedef struct text_tok {
    uint16_t form;              /* folded Latin form (a-z) */
    uint16_t phon;              /* phonetic form */
    uint16_t skel;              /* consonant skeleton */
    uint16_t raw;               /* Arabic-script form as normalised, or form */
    uint8_t form_len, phon_len, skel_len, raw_len;
    uint8_t flags;
    uint8_t first, last;        /* positions covered (compounds: a range) */
    int32_t cls;                /* equivalence class or -1 */
} text_tok;

/* A parsed name: parts plus a string buffer.  Fixed size, no allocation:
** screening parses queries into a text_name held by the searcher. */
typedef struct text_name {
    text_tok toks[TEXT_MAX_TOKENS];
    int ntoks;                  /* parts, alternatives included */
    int npos;                   /* positions (base parts) */
    char buf[TEXT_MAX_NAME * 4];
    size_t used;
} text_name;

/* Per-thread scratch for parsing (ICU transliterator clones, buffers). */
typedef struct text_ctx text_ctx;

int text_ctx_new(const text_tables *t, text_ctx **out /* OUT */);
void text_ctx_free(text_ctx *c);

/* Parse a full name (any script, any order; "FAMILY, Given" and MRZ
** "FAMILY<<GIVEN" forms recognised).  Returns LIAISON_EUTF8 on invalid
** UTF-8, LIAISON_OK otherwise (a name with no letters gives ntoks 0). */
int text_name_parse(text_ctx *c, const char *s, size_t len, text_name *out);

static inline const char *text_tok_form(const text_name *n, const text_tok *t)
{
    return n->buf + t->form;
}
static inline const char *text_tok_phon(const text_name *n, const text_tok *t)
{
    return n->buf + t->phon;
}
static inline const char *text_tok_skel(const text_name *n, const text_tok *t)
{
    return n->buf + t->skel;
}
static inline const char *text_tok_raw(const text_name *n, const text_tok *t)
{
    return n->buf + t->raw;
}

/* Pass 1 of parsing: s[0..len) as code points, at most cap of them into
** cps, decomposed for compatibility, case-folded, marks stripped,
** punctuation lumped, and the letters without a decomposition mapped to
** their base (name.c, note 1).  Returns how many code points the whole
** string gives (which may exceed cap: the rest is cut), or LIAISON_EUTF8.
** text_fold_cps takes ASCII through a table, anything else through
** utf8proc (text_fold_cps_utf8proc, which test_text holds it to for
** every ASCII character). */
long text_fold_cps(const char *s, size_t len, int32_t *cps, size_t cap);
long text_fold_cps_utf8proc(const char *s, size_t len, int32_t *cps,
                            size_t cap);

/* Fold a whole string (liaison_text_fold): the parts' forms joined by
** single spaces, into out (reset first). */
int text_fold_string(text_ctx *c, const char *s, size_t len, util_buf *out);

/* ---------------------------------------------------------------- keys */

/* Phonetic form and skeleton of a folded Latin part (a-z only).  Write at
** most cap-1 bytes plus NUL; return the length. */
size_t text_phonetic(const char *s, size_t len, char *out, size_t cap);
size_t text_skeleton(const char *s, size_t len, char *out, size_t cap);

#endif /* LIAISON_TEXT_H */
