/*
** name.c: parsing a full name into comparable parts.
**
** NOTES ON THE DESIGN
**
** 1. Folding is one utf8proc pass (compatibility decomposition, case
**    folding, marks stripped, punctuation lumped) with a custom mapping
**    for letters that have no decomposition: Turkish dotless ı, ø, ł, đ,
**    ð, þ, ħ.  Turkish İ case-folds to i plus a combining dot, which the
**    mark stripping removes, so YILDIZ, Yıldız and Yildiz all give yildiz.
** 2. Parts are runs of letters of one script.  Hyphens, commas, '<' (MRZ)
**    and other punctuation separate parts; apostrophes and ayn/hamza
**    modifier letters do not (Sa'id = Said).  The first comma, or the
**    first "<<" of an MRZ name, separates the family name from the given
**    names.
** 3. Arabic-script parts are normalised the way the equivalence table is
**    (alef forms, ta marbuta as heh, Persian yeh and keheh), looked up as
**    written, then transliterated with our ICU rules.  Parts in other
**    non-Latin scripts go through ICU Any-Latin and are folded again.
** 4. Roles come from the particle table: articles are dropped before a
**    part.  Abd-compounds and -din/-allah compounds keep their parts (as
**    low-weight particles) and add the joined part, article included, as
**    the equivalence table writes it (abd al-latif -> abdallatif), as an
**    alternative covering both positions: "Abdul Majeed" is one given name
**    but "Majeed Abdul Chaudhry" is not Abdulchaudhry, and the alignment
**    picks whichever reading matches.  Kinship particles and kunyas work
**    the same way (Ben Haddou ~ Benhaddou), and a Latin part with its
**    article joined (Elsayed) also stands without it.
** 5. Nothing here allocates: the result is a fixed-size text_name, and
**    scratch space lives in the per-thread text_ctx.
*/
#include <string.h>

#include <utf8proc.h>

#include "text/text_int.h"

/* A part before roles are applied. */
typedef struct rawtok {
    char script;                /* 'L' Latin a-z, 'A' Arabic, 'O' other */
    uint8_t hyphen_after;       /* written with a hyphen after it */
    uint8_t group;              /* 0 before the family/given boundary, 1 after */
    uint8_t dropped;            /* an article before a part */
    uint8_t syllabic;           /* from a Han, Hangul or Kana run */
    uint16_t off, len;          /* bytes in the scratch buffer */
    uint16_t orig_off, orig_len; /* before the joined Arabic article was cut */
} rawtok;

#define MAX_RAW 48

typedef struct parse_state {
    text_ctx *c;
    text_name *out;
    rawtok raw[MAX_RAW];
    int nraw;
    size_t sused;               /* scratch bytes used */
    int has_boundary;
    struct {
        int8_t a, b;            /* raw parts a..b form a compound */
    } comps[MAX_RAW];
    int ncomps;
} parse_state;

/* Letters without a decomposition that still have an obvious base. */
static utf8proc_int32_t custom_map(utf8proc_int32_t cp, void *data)
{
    (void)data;
    switch (cp) {
    case 0x0131: case 0x0130: return 'i';           /* ı İ */
    case 0x00F8: case 0x00D8: return 'o';           /* ø Ø */
    case 0x0142: case 0x0141: return 'l';           /* ł Ł */
    case 0x0111: case 0x0110: return 'd';           /* đ Đ */
    case 0x00F0: case 0x00D0: return 'd';           /* ð Ð */
    case 0x0127: case 0x0126: return 'h';           /* ħ Ħ */
    case 0x02BF: case 0x02BE: case 0x2018: case 0x2019:
    case 0x02BC: case 0x0060: case 0x00B4:
        return '\'';                                /* ayn, hamza, quotes */
    default: return cp;
    }
}

long text_fold_cps_utf8proc(const char *s, size_t len, int32_t *cps,
                            size_t cap)
{
    utf8proc_ssize_t n = utf8proc_decompose_custom(
        (const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cps,
        (utf8proc_ssize_t)cap,
        UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
            UTF8PROC_STRIPMARK | UTF8PROC_LUMP | UTF8PROC_IGNORE,
        custom_map, NULL);
    return n < 0 ? LIAISON_EUTF8 : (long)n;
}

/* Most names come in ASCII, where the whole pass is: upper case to lower,
** a backquote to an apostrophe (custom_map), every other character as
** it is (parsing a name: ~2,500 cycles against ~3,600 through utf8proc's
** tables, in a loop; more when they have left the cache). */
long text_fold_cps(const char *s, size_t len, int32_t *cps, size_t cap)
{
    size_t i;
    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return text_fold_cps_utf8proc(s, len, cps, cap);
    for (i = 0; i < len && i < cap; i++) {
        int32_t ch = (unsigned char)s[i];
        cps[i] = ch >= 'A' && ch <= 'Z' ? ch + 32 : ch == '`' ? '\'' : ch;
    }
    return (long)len;
}

static int is_arabic_letter(int32_t cp)
{
    return (cp >= 0x0621 && cp <= 0x064A) || (cp >= 0x066E && cp <= 0x06D3) ||
           cp == 0x06D5 || (cp >= 0x06FA && cp <= 0x06FC) || cp == 0x06FF;
}

/* The normalisation the equivalence table applies to Arabic letters. */
static int32_t arabic_norm(int32_t cp)
{
    switch (cp) {
    case 0x0649: case 0x06CC: case 0x06D2: return 0x064A;   /* ى ی ے -> ي */
    case 0x06A9: return 0x0643;                             /* ک -> ك */
    case 0x0629: case 0x06C0: return 0x0647;                /* ة ۀ -> ه */
    case 0x0671: case 0x0622: case 0x0623: case 0x0625: return 0x0627;
    case 0x0624: return 0x0648;                             /* ؤ -> و */
    case 0x0626: return 0x064A;                             /* ئ -> ي */
    default: return cp;
    }
}

static size_t put_utf8(char *dst, int32_t cp)
{
    return (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)dst);
}

/* Scratch writer for the part being built. */
typedef struct cur {
    char script;
    size_t start;
} cur;

static void close_part(parse_state *ps, cur *cu, int group)
{
    size_t len = ps->sused - cu->start;
    if (cu->script && len > 0 && ps->nraw < MAX_RAW && len < 65535) {
        rawtok *r = &ps->raw[ps->nraw++];
        memset(r, 0, sizeof(*r));
        r->script = cu->script;
        r->off = (uint16_t)cu->start;
        r->len = (uint16_t)len;
        r->group = (uint8_t)group;
    } else {
        ps->sused = cu->start;
    }
    cu->script = 0;
    cu->start = ps->sused;
}

static int scratch_room(const parse_state *ps, size_t n)
{
    return ps->sused + n + 8 < sizeof(ps->c->scratch);
}

/* Split ASCII text (ICU output) into Latin parts; anything not a letter
** separates. */
static void add_ascii(parse_state *ps, const char *s, size_t len, int group)
{
    cur cu = {0, ps->sused};
    size_t i;
    for (i = 0; i < len; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch + 32);
        if (ch >= 'a' && ch <= 'z') {
            if (!scratch_room(ps, 1))
                break;
            cu.script = 'L';
            ps->c->scratch[ps->sused++] = ch;
        } else if (ch == '\'') {
            continue;
        } else {
            close_part(ps, &cu, group);
        }
    }
    close_part(ps, &cu, group);
}

/* Pass 1: fold and split into raw parts. */
static int split_parts(parse_state *ps, const char *s, size_t len)
{
    text_ctx *c = ps->c;
    long n, i;
    cur cu = {0, 0};
    int group = 0, mrz = 1;
    size_t k;

    /* MRZ form: only A-Z, 0-9 and '<', with at least one '<'. */
    for (k = 0; k < len; k++) {
        char ch = s[k];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '<'))
            mrz = 0;
    }
    if (mrz && !memchr(s, '<', len))
        mrz = 0;

    n = text_fold_cps(s, len, c->cps, UTIL_ARRAY_LEN(c->cps));
    if (n < 0)
        return (int)n;
    if ((size_t)n > UTIL_ARRAY_LEN(c->cps))
        n = (long)UTIL_ARRAY_LEN(c->cps);

    cu.start = ps->sused;
    for (i = 0; i < n; i++) {
        int32_t cp = c->cps[i];
        char script = 0;
        if (cp >= 'a' && cp <= 'z') {
            script = 'L';
        } else if (cp == 0xE6 || cp == 0x153) {     /* æ œ */
            script = 'L';
        } else if (is_arabic_letter(cp)) {
            script = 'A';
            cp = arabic_norm(cp);
        } else if (cp == 0x0640 || cp == '\'') {
            continue;                               /* tatweel, apostrophe */
        } else if (cp >= 0x80) {
            utf8proc_category_t cat = utf8proc_category(cp);
            if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO)
                script = 'O';
        }
        if (!script) {
            /* A separator; a hyphen right after a part is remembered
            ** (al-Tikriti: the article is dropped). */
            int open = cu.script && ps->sused > cu.start;
            int before = ps->nraw;
            close_part(ps, &cu, group);
            if (cp == '-' && open && ps->nraw > before)
                ps->raw[ps->nraw - 1].hyphen_after = 1;
            if (!ps->has_boundary && ps->nraw > 0) {
                if (cp == ',' && !mrz) {
                    group = 1;
                    ps->has_boundary = 1;
                } else if (mrz && cp == '<' && i + 1 < n &&
                           c->cps[i + 1] == '<') {
                    group = 1;
                    ps->has_boundary = 1;
                }
            }
            continue;
        }
        if (cu.script && cu.script != script)
            close_part(ps, &cu, group);
        if (!scratch_room(ps, 4))
            break;
        cu.script = script;
        if (cp == 0xE6 || cp == 0x153) {
            c->scratch[ps->sused++] = cp == 0xE6 ? 'a' : 'o';
            c->scratch[ps->sused++] = 'e';
        } else {
            ps->sused += put_utf8(c->scratch + ps->sused, cp);
        }
    }
    close_part(ps, &cu, group);
    return LIAISON_OK;
}

/* Chinese names put the family name first, of one character or (a few)
** two, then a given name of one or two, and pinyin writes the given
** name's syllables joined: 毛泽东 is Mao Zedong, 欧阳修 Ouyang Xiu, as
** passports and lists have them.  The two-character family names (in
** simplified and traditional characters) among the commonest. */
static const char *const han_double_family[] = {
    "欧阳", "歐陽", "司马", "司馬", "上官", "诸葛", "諸葛", "东方", "東方",
    "皇甫", "令狐", "夏侯", "慕容", "司徒", "公孙", "公孫", "尉迟", "尉遲",
    "长孙", "長孫", "宇文", "轩辕", "軒轅", "端木", "独孤", "獨孤", "南宫",
    "南宮", "西门", "西門", "钟离", "鍾離",
};

static int is_han(int32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF);
}

/* How many leading syllables of a name written as one run of Han
** characters s[0..len) make a Chinese family name: 1, 2 for a
** two-character one, 0 when the run is not shaped like a Chinese name (a
** family name and a given name of one or two characters; longer runs are
** foreign names written in Chinese, 穆罕默德 for Muhammad, and stay one
** part). */
static int han_family_syllables(const char *s, size_t len)
{
    size_t off = 0, chars = 0, i;
    while (off < len) {
        int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + off,
                                              (utf8proc_ssize_t)(len - off),
                                              &cp);
        if (k <= 0 || !is_han(cp))
            return 0;
        off += (size_t)k;
        chars++;
    }
    for (i = 0; i < sizeof(han_double_family) / sizeof(*han_double_family);
         i++) {
        size_t n = strlen(han_double_family[i]);
        if (len > n && !memcmp(s, han_double_family[i], n))
            return chars >= 3 && chars <= 4 ? 2 : 0;
    }
    return chars >= 2 && chars <= 3 ? 1 : 0;
}

/* Pass 2: parts in other scripts go through ICU Any-Latin and are split
** again into Latin parts, in place. */
static void latinise_others(parse_state *ps)
{
    rawtok keep[MAX_RAW];
    int nkeep = ps->nraw, i;
    char tmp[512];
    memcpy(keep, ps->raw, sizeof(rawtok) * (size_t)nkeep);
    ps->nraw = 0;
    for (i = 0; i < nkeep; i++) {
        long n;
        if (keep[i].script != 'O') {
            if (ps->nraw < MAX_RAW)
                ps->raw[ps->nraw++] = keep[i];
            continue;
        }
        n = text_translit_run(ps->c, ps->c->other,
                              ps->c->scratch + keep[i].off, keep[i].len, tmp,
                              sizeof(tmp));
        if (n > 0) {
            int before = ps->nraw, r, fam, syl = 0;
            long k, o = 0;
            int32_t cp = 0;
            int syllabic;
            utf8proc_iterate((const utf8proc_uint8_t *)ps->c->scratch +
                                 keep[i].off, keep[i].len, &cp);
            syllabic = is_han(cp) ||
                       (cp >= 0xAC00 && cp <= 0xD7AF) ||
                       (cp >= 0x1100 && cp <= 0x11FF) ||
                       (cp >= 0x3040 && cp <= 0x30FF);
            /* ICU writes a Han run syllable by syllable (mao ze dong);
            ** romanised names join a name's syllables.  A whole name
            ** written as one run shaped like a Chinese name is its family
            ** name and its given name (Mao Zedong); a run among others
            ** (桂荣 兰: the name already in parts) is one part. */
            fam = is_han(cp) && nkeep == 1
                      ? han_family_syllables(ps->c->scratch + keep[i].off,
                                             keep[i].len)
                      : 0;
            for (k = 0; k < n; k++) {
                if (tmp[k] != ' ')
                    tmp[o++] = tmp[k];
                else if (k > 0 && tmp[k - 1] != ' ' && ++syl == fam)
                    tmp[o++] = ' ';
            }
            n = o;
            add_ascii(ps, tmp, (size_t)n, keep[i].group);
            for (r = before; r < ps->nraw; r++)
                ps->raw[r].syllabic = (uint8_t)syllabic;
            if (ps->nraw > before)
                ps->raw[ps->nraw - 1].hyphen_after = keep[i].hyphen_after;
        }
    }
}

static int raw_eq(const parse_state *ps, const rawtok *r, const char *lit)
{
    size_t n = strlen(lit);
    return r->len == n && !memcmp(ps->c->scratch + r->off, lit, n);
}

static int raw_role(const parse_state *ps, const rawtok *r)
{
    int32_t cls;
    if (r->script == 'L')
        return text_particle_role(ps->c->t, ps->c->scratch + r->off, r->len);
    /* An Arabic-script title known to the table (حاجي, Haji). */
    cls = text_equiv_class(ps->c->t, ps->c->scratch + r->off, r->len);
    if (cls >= 0) {
        const char *canon = text_class_name(ps->c->t, cls);
        if (canon && text_particle_role(ps->c->t, canon, strlen(canon)) ==
                         TEXT_ROLE_TITLE)
            return TEXT_ROLE_TITLE;
    }
    /* Arabic particles, written as normalised above. */
    if (raw_eq(ps, r, "عبد"))
        return TEXT_ROLE_ABD;
    if (raw_eq(ps, r, "ال"))
        return TEXT_ROLE_ARTICLE;       /* also آل, "family of" */
    if (raw_eq(ps, r, "الله") || raw_eq(ps, r, "الدين"))
        return TEXT_ROLE_SUFFIX;
    if (raw_eq(ps, r, "بن") || raw_eq(ps, r, "ابن") || raw_eq(ps, r, "بنت") ||
        raw_eq(ps, r, "ولد") || raw_eq(ps, r, "ايت"))
        return TEXT_ROLE_KIN;
    if (raw_eq(ps, r, "ابو") || raw_eq(ps, r, "بو") || raw_eq(ps, r, "ام"))
        return TEXT_ROLE_KUNYA;
    return TEXT_ROLE_NONE;
}

/* Standalone (unhyphenated) articles that are dropped before a part.
** Only al and el: ul and il stand alone in other languages' names (the
** Korean Il), and are articles only when hyphenated (Abd ul-Haq). */
static int standalone_article(const parse_state *ps, const rawtok *r)
{
    return raw_eq(ps, r, "al") || raw_eq(ps, r, "el");
}

static void add_comp(parse_state *ps, int a, int b)
{
    if (ps->ncomps < MAX_RAW) {
        ps->comps[ps->ncomps].a = (int8_t)a;
        ps->comps[ps->ncomps].b = (int8_t)b;
        ps->ncomps++;
    }
}

/* Pass 3: roles.  Finds compounds (abd + [article] + name, name +
** [article] + din/allah), drops articles before parts, strips the joined
** Arabic article; roles[] gets each raw part's role. */
static void apply_roles(parse_state *ps, int *roles)
{
    int i, x, n = ps->nraw;
    for (i = 0; i < n; i++)
        roles[i] = raw_role(ps, &ps->raw[i]);
    for (i = 0; i < n; i++) {
        rawtok *r = &ps->raw[i];
        int j = i + 1, k;
        if (roles[i] == TEXT_ROLE_ABD && j < n &&
            ps->raw[j].script == r->script &&
            (roles[j] == TEXT_ROLE_NONE || roles[j] == TEXT_ROLE_ARTICLE ||
             roles[j] == TEXT_ROLE_SUFFIX)) {
            k = j;
            if (roles[k] == TEXT_ROLE_ARTICLE && k + 1 < n &&
                ps->raw[k + 1].script == r->script)
                k++;
            add_comp(ps, i, k);
        } else if (roles[i] == TEXT_ROLE_NONE && j < n &&
                   ps->raw[j].script == r->script) {
            k = j;
            if (roles[k] == TEXT_ROLE_ARTICLE && k + 1 < n &&
                roles[k + 1] == TEXT_ROLE_SUFFIX)
                k++;
            if (roles[k] == TEXT_ROLE_SUFFIX &&
                ps->raw[k].script == r->script)
                add_comp(ps, i, k);
        }
        if (roles[i] == TEXT_ROLE_ARTICLE && j < n &&
            (r->hyphen_after || r->script == 'A' ||
             standalone_article(ps, r)))
            r->dropped = 1;
    }
    /* Inside a compound an article never stands alone (abd ar rahman). */
    for (i = 0; i < ps->ncomps; i++)
        for (x = ps->comps[i].a + 1; x <= ps->comps[i].b; x++)
            if (roles[x] == TEXT_ROLE_ARTICLE)
                ps->raw[x].dropped = 1;
    /* Arabic article written joined: ال + at least three letters, unless
    ** the whole part is a known name (الياس, Ilyas). */
    for (i = 0; i < n; i++) {
        rawtok *r = &ps->raw[i];
        if (!r->dropped && r->script == 'A' && r->len >= 4 + 6 &&
            !memcmp(ps->c->scratch + r->off, "ال", 4) &&
            text_equiv_class(ps->c->t, ps->c->scratch + r->off, r->len) < 0) {
            r->off = (uint16_t)(r->off + 4);
            r->len = (uint16_t)(r->len - 4);
        }
    }
}

/* Append a string to the name buffer; returns its offset. */
static uint16_t name_put(text_name *nm, const char *s, size_t len)
{
    uint16_t off;
    if (nm->used + len + 1 > sizeof(nm->buf))
        len = nm->used + 1 < sizeof(nm->buf) ? sizeof(nm->buf) - nm->used - 1
                                             : 0;
    off = (uint16_t)nm->used;
    memcpy(nm->buf + nm->used, s, len);
    nm->buf[nm->used + len] = '\0';
    nm->used += len + 1;
    return off;
}

/* Fill the keys of a part from its Latin form (and Arabic raw form). */
static void make_tok(parse_state *ps, text_tok *t, const char *form,
                     size_t flen, const char *raw, size_t rlen, int abjad)
{
    const text_tables *tt = ps->c->t;
    text_name *nm = ps->out;
    char phon[128], skel[128];
    size_t pl, sl;
    int32_t cls = -1;

    if (flen > 120)
        flen = 120;
    if (raw)
        cls = text_equiv_class(tt, raw, rlen);
    if (cls < 0)
        cls = text_equiv_class(tt, form, flen);
    if (cls >= 0 && abjad) {
        /* A known name: compare it by its usual Latin spelling. */
        const char *canon = text_class_name(tt, cls);
        if (canon) {
            form = canon;
            flen = strlen(canon);
            abjad = 0;
        }
    }
    pl = text_phonetic(form, flen, phon, sizeof(phon));
    sl = text_skeleton(form, flen, skel, sizeof(skel));
    t->form = name_put(nm, form, flen);
    t->form_len = (uint8_t)flen;
    t->phon = name_put(nm, phon, pl);
    t->phon_len = (uint8_t)pl;
    t->skel = name_put(nm, skel, sl);
    t->skel_len = (uint8_t)sl;
    if (raw && rlen < 250) {
        t->raw = name_put(nm, raw, rlen);
        t->raw_len = (uint8_t)rlen;
    } else {
        t->raw = t->form;
        t->raw_len = t->form_len;
    }
    t->cls = cls;
    t->flags = abjad ? TEXT_TOK_ABJAD : 0;
    if (flen == 1)
        t->flags |= TEXT_TOK_INITIAL;
}

/* Latin form of a raw part: itself, or the Arabic transliteration. */
static size_t raw_latin(parse_state *ps, const rawtok *r, char *out,
                        size_t cap)
{
    const char *s = ps->c->scratch + r->off;
    size_t i, o = 0;
    long n;
    char in[600], tmp[600];
    if (r->script == 'L') {
        size_t len = r->len < cap - 1 ? r->len : cap - 1;
        memcpy(out, s, len);
        out[len] = '\0';
        return len;
    }
    if ((size_t)r->len + 2 > sizeof(in))
        return 0;
    memcpy(in, s, r->len);
    in[r->len] = '|';           /* end-of-part marker for the rules */
    n = text_translit_run(ps->c, ps->c->arabic, in, r->len + 1, tmp,
                          sizeof(tmp));
    for (i = 0; n > 0 && i < (size_t)n && o + 1 < cap; i++) {
        char ch = tmp[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch + 32);
        if (ch >= 'a' && ch <= 'z')
            out[o++] = ch;
    }
    out[o] = '\0';
    return o;
}

/* Add an alternative part (a compound or a variant) covering positions
** first..last, from raw text of one script. */
static void add_alt(parse_state *ps, const char *text, size_t len,
                    char script, int first, int last, uint8_t flags)
{
    text_name *out = ps->out;
    rawtok tmp;
    char form[256];
    size_t fl;
    text_tok *t;
    if (out->ntoks >= TEXT_MAX_TOKENS || first < 0 || last < first ||
        !scratch_room(ps, len) || len >= 65535)
        return;
    memset(&tmp, 0, sizeof(tmp));
    tmp.script = script;
    tmp.off = (uint16_t)ps->sused;
    tmp.len = (uint16_t)len;
    memcpy(ps->c->scratch + ps->sused, text, len);
    ps->sused += len;
    fl = raw_latin(ps, &tmp, form, sizeof(form));
    if (fl == 0)
        return;
    t = &out->toks[out->ntoks++];
    make_tok(ps, t, form, fl, script == 'A' ? text : NULL,
             script == 'A' ? len : 0, script == 'A');
    t->first = (uint8_t)first;
    t->last = (uint8_t)last;
    t->flags |= TEXT_TOK_COMPOUND | flags;
}

/* Compound alternatives: the raw text of parts a..b joined, articles
** included (abd al-latif -> abdallatif), as the equivalence table writes
** them; covers the positions of the parts kept. */
static void add_compounds(parse_state *ps, const int *posof)
{
    int c, x;
    for (c = 0; c < ps->ncomps; c++) {
        char buf[512];
        size_t bl = 0;
        int a = ps->comps[c].a, b = ps->comps[c].b, first = -1, last = -1;
        uint8_t fam = 0;
        for (x = a; x <= b; x++) {
            const rawtok *r = &ps->raw[x];
            if (bl + r->orig_len >= sizeof(buf))
                break;
            memcpy(buf + bl, ps->c->scratch + r->orig_off, r->orig_len);
            bl += r->orig_len;
            if (posof[x] >= 0) {
                if (first < 0)
                    first = posof[x];
                last = posof[x];
                fam = ps->out->toks[posof[x]].flags &
                      (TEXT_TOK_FAMILY | TEXT_TOK_GIVEN);
            }
        }
        if (x > b)
            add_alt(ps, buf, bl, ps->raw[a].script, first, last, fam);
    }
}

/* Joined alternatives: kinship particle or kunya + next part
** (Ben Haddou ~ Benhaddou, Abu Bakr ~ Abubakr). */
static void add_particle_joins(parse_state *ps, const int *roles,
                               const int *posof)
{
    text_name *out = ps->out;
    int i, j;
    for (i = 0; i < ps->nraw; i++) {
        char buf[512];
        const rawtok *ra, *rb;
        const text_tok *tb;
        if (posof[i] < 0 || !(roles[i] == TEXT_ROLE_KIN ||
                              roles[i] == TEXT_ROLE_KUNYA))
            continue;
        for (j = i + 1; j < ps->nraw && posof[j] < 0; j++)
            ;
        if (j >= ps->nraw)
            continue;
        ra = &ps->raw[i];
        rb = &ps->raw[j];
        tb = &out->toks[posof[j]];
        if (ra->script != rb->script ||
            (tb->flags & (TEXT_TOK_PARTICLE | TEXT_TOK_TITLE)) ||
            (size_t)ra->len + rb->len >= sizeof(buf))
            continue;
        memcpy(buf, ps->c->scratch + ra->off, ra->len);
        memcpy(buf + ra->len, ps->c->scratch + rb->off, rb->len);
        add_alt(ps, buf, (size_t)ra->len + rb->len, ra->script, posof[i],
                posof[j], tb->flags & (TEXT_TOK_FAMILY | TEXT_TOK_GIVEN));
    }
}

/* A Latin part written with its article joined (Elsayed, Alkawari): also
** the part without it. */
static void add_article_variants(parse_state *ps, int nbase)
{
    text_name *out = ps->out;
    int i;
    for (i = 0; i < nbase; i++) {
        const text_tok *t = &out->toks[i];
        const char *f = text_tok_form(out, t);
        char c2;
        if ((t->flags & TEXT_TOK_ABJAD) || t->form_len < 6)
            continue;
        if (!((f[0] == 'a' && f[1] == 'l') || (f[0] == 'e' && f[1] == 'l')))
            continue;
        c2 = f[2];
        if (c2 == 'a' || c2 == 'e' || c2 == 'i' || c2 == 'o' || c2 == 'u' ||
            c2 == 'y' || c2 == 'l')
            continue;
        add_alt(ps, f + 2, (size_t)t->form_len - 2, 'L', t->first, t->last,
                t->flags & (TEXT_TOK_FAMILY | TEXT_TOK_GIVEN));
    }
}

int text_name_parse(text_ctx *c, const char *s, size_t len, text_name *out)
{
    parse_state ps;
    int roles[MAX_RAW], i, rc, pos = 0, nbase;
    int posof[MAX_RAW], incomp[MAX_RAW];
    char form[256];

    out->ntoks = 0;
    out->npos = 0;
    out->used = 0;
    if (text_utf8_check(s, len, NULL))
        return LIAISON_EUTF8;
    if (len > TEXT_MAX_NAME) {
        /* Keep the first TEXT_MAX_NAME bytes, cut at a character start. */
        len = TEXT_MAX_NAME;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memset(&ps, 0, sizeof(ps.raw));
    ps.c = c;
    ps.out = out;
    ps.nraw = 0;
    ps.ncomps = 0;
    ps.sused = 0;
    ps.has_boundary = 0;
    rc = split_parts(&ps, s, len);
    if (rc)
        return rc;
    latinise_others(&ps);
    for (i = 0; i < ps.nraw; i++) {
        ps.raw[i].orig_off = ps.raw[i].off;
        ps.raw[i].orig_len = ps.raw[i].len;
    }
    apply_roles(&ps, roles);
    memset(incomp, 0, sizeof(incomp));
    for (i = 0; i < ps.ncomps; i++) {
        int x;
        for (x = ps.comps[i].a; x <= ps.comps[i].b; x++)
            incomp[x] = 1;
    }

    for (i = 0; i < ps.nraw; i++) {
        rawtok *r = &ps.raw[i];
        text_tok *t;
        size_t fl;
        posof[i] = -1;
        if (r->dropped || out->ntoks >= TEXT_MAX_TOKENS / 2)
            continue;
        fl = raw_latin(&ps, r, form, sizeof(form));
        if (fl == 0)
            continue;
        t = &out->toks[out->ntoks++];
        make_tok(&ps, t, form, fl, r->script == 'A' ? c->scratch + r->off : NULL,
                 r->script == 'A' ? r->len : 0, r->script == 'A');
        t->first = t->last = (uint8_t)pos;
        posof[i] = pos++;
        if (roles[i] == TEXT_ROLE_KIN || roles[i] == TEXT_ROLE_KUNYA ||
            (incomp[i] && (roles[i] == TEXT_ROLE_ABD ||
                           roles[i] == TEXT_ROLE_SUFFIX)))
            t->flags |= TEXT_TOK_PARTICLE;
        else if (roles[i] == TEXT_ROLE_TITLE)
            t->flags |= TEXT_TOK_TITLE;
        if (ps.has_boundary)
            t->flags |= r->group == 0 ? TEXT_TOK_FAMILY : TEXT_TOK_GIVEN;
        if (r->syllabic)
            t->flags |= TEXT_TOK_SYLLABIC;
    }
    out->npos = pos;
    nbase = out->ntoks;
    add_compounds(&ps, posof);
    add_particle_joins(&ps, roles, posof);
    add_article_variants(&ps, nbase);
    return LIAISON_OK;
}

int text_fold_string(text_ctx *c, const char *s, size_t len, util_buf *out)
{
    text_name *nm = util_malloc(sizeof(*nm));
    int rc, i;
    util_buf_reset(out);
    if (!nm)
        return LIAISON_ENOMEM;
    rc = text_name_parse(c, s, len, nm);
    for (i = 0; !rc && i < nm->ntoks; i++) {
        const text_tok *t = &nm->toks[i];
        if (t->flags & TEXT_TOK_COMPOUND)
            continue;
        if (out->len)
            rc = util_buf_addc(out, ' ');
        if (!rc)
            rc = util_buf_add(out, text_tok_form(nm, t), t->form_len);
    }
    if (!rc && !out->p)
        rc = util_buf_add(out, "", 0);
    util_free(nm);
    return rc;
}

/* The public convenience: loads the built-in tables on every call, so it
** suits tools and tests, not a hot path (use an engine there). */
int liaison_text_fold(const char *s, size_t len, char **out)
{
    text_tables *t = NULL;
    text_ctx *c = NULL;
    util_buf b;
    int rc;
    *out = NULL;
    util_buf_init(&b, 1 << 16);
    rc = text_tables_new(NULL, &t, NULL);
    if (!rc)
        rc = text_ctx_new(t, &c);
    if (!rc)
        rc = text_fold_string(c, s, len, &b);
    if (!rc)
        *out = util_buf_take(&b);
    util_buf_fini(&b);
    text_ctx_free(c);
    text_tables_free(t);
    return rc;
}
