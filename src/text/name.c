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
**    part; abd-compounds and -din/-allah compounds are joined into one
**    part including their article, as the equivalence table writes them;
**    kinship particles and kunyas stay as low-weight parts and also get a
**    joined alternative with the next part (Ben Haddou ~ Benhaddou).
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
    uint8_t dropped;            /* consumed by a join or an article */
    uint16_t off, len;          /* bytes in the scratch buffer */
} rawtok;

#define MAX_RAW 48

typedef struct parse_state {
    text_ctx *c;
    text_name *out;
    rawtok raw[MAX_RAW];
    int nraw;
    size_t sused;               /* scratch bytes used */
    int has_boundary;
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
    utf8proc_ssize_t n, i;
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

    n = utf8proc_decompose_custom(
        (const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, c->cps,
        (utf8proc_ssize_t)(sizeof(c->cps) / sizeof(c->cps[0])),
        UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
            UTF8PROC_STRIPMARK | UTF8PROC_LUMP | UTF8PROC_IGNORE,
        custom_map, NULL);
    if (n < 0)
        return LIAISON_EUTF8;
    if ((size_t)n > sizeof(c->cps) / sizeof(c->cps[0]))
        n = (utf8proc_ssize_t)(sizeof(c->cps) / sizeof(c->cps[0]));

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
            int before = ps->nraw;
            long k, o = 0;
            /* One run of a script is one name part: ICU writes a Han run
            ** syllable by syllable (Zedong -> ze dong), while romanised
            ** names write it joined. */
            for (k = 0; k < n; k++)
                if (tmp[k] != ' ')
                    tmp[o++] = tmp[k];
            n = o;
            add_ascii(ps, tmp, (size_t)n, keep[i].group);
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
    if (r->script == 'L')
        return text_particle_role(ps->c->t, ps->c->scratch + r->off, r->len);
    /* Arabic particles, written as normalised above. */
    if (raw_eq(ps, r, "عبد"))
        return TEXT_ROLE_ABD;
    if (raw_eq(ps, r, "الله") || raw_eq(ps, r, "الدين"))
        return TEXT_ROLE_SUFFIX;
    if (raw_eq(ps, r, "بن") || raw_eq(ps, r, "ابن") || raw_eq(ps, r, "بنت") ||
        raw_eq(ps, r, "ولد") || raw_eq(ps, r, "ايت"))
        return TEXT_ROLE_KIN;
    if (raw_eq(ps, r, "ابو") || raw_eq(ps, r, "بو") || raw_eq(ps, r, "ام"))
        return TEXT_ROLE_KUNYA;
    return TEXT_ROLE_NONE;
}

/* Join raw parts a..b (inclusive, same script, not dropped) into a new
** raw part at a; the others are marked dropped. */
static void join_parts(parse_state *ps, int a, int b)
{
    size_t start = ps->sused, total = 0;
    int i;
    for (i = a; i <= b; i++)
        if (!ps->raw[i].dropped || i == a)
            total += ps->raw[i].len;
    if (!scratch_room(ps, total) || total >= 65535)
        return;
    for (i = a; i <= b; i++) {
        rawtok *r = &ps->raw[i];
        memcpy(ps->c->scratch + ps->sused, ps->c->scratch + r->off, r->len);
        ps->sused += r->len;
        if (i > a)
            r->dropped = 1;
    }
    ps->raw[a].off = (uint16_t)start;
    ps->raw[a].len = (uint16_t)total;
    ps->raw[a].hyphen_after = ps->raw[b].hyphen_after;
}

/* Standalone (unhyphenated) articles that are dropped before a part. */
static int standalone_article(const parse_state *ps, const rawtok *r)
{
    return raw_eq(ps, r, "al") || raw_eq(ps, r, "el") ||
           raw_eq(ps, r, "ul") || raw_eq(ps, r, "il");
}

/* Pass 3: roles.  Joins compounds and drops articles; returns per part
** its role in roles[]. */
static void apply_roles(parse_state *ps, int *roles)
{
    int i, n = ps->nraw;
    for (i = 0; i < n; i++)
        roles[i] = raw_role(ps, &ps->raw[i]);
    for (i = 0; i < n; i++) {
        rawtok *r = &ps->raw[i];
        int j = i + 1, k;
        if (r->dropped)
            continue;
        /* abd [article] name */
        if (roles[i] == TEXT_ROLE_ABD && j < n &&
            ps->raw[j].script == r->script &&
            (roles[j] == TEXT_ROLE_NONE || roles[j] == TEXT_ROLE_ARTICLE ||
             roles[j] == TEXT_ROLE_SUFFIX)) {
            k = j;
            if (roles[k] == TEXT_ROLE_ARTICLE && k + 1 < n &&
                ps->raw[k + 1].script == r->script)
                k++;
            join_parts(ps, i, k);
            roles[i] = TEXT_ROLE_NONE;
            continue;
        }
        /* name [article] suffix */
        if (roles[i] == TEXT_ROLE_NONE && j < n &&
            ps->raw[j].script == r->script) {
            k = j;
            if (roles[k] == TEXT_ROLE_ARTICLE && k + 1 < n &&
                roles[k + 1] == TEXT_ROLE_SUFFIX)
                k++;
            if (roles[k] == TEXT_ROLE_SUFFIX &&
                ps->raw[k].script == r->script) {
                join_parts(ps, i, k);
                continue;
            }
        }
        /* article before a part: dropped */
        if (roles[i] == TEXT_ROLE_ARTICLE && j < n &&
            (r->hyphen_after || standalone_article(ps, r))) {
            r->dropped = 1;
            continue;
        }
        /* Arabic article written joined: ال + at least three letters,
        ** unless the whole part is a known name (الياس, Ilyas). */
        if (r->script == 'A' && r->len >= 4 + 6 &&
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

int text_name_parse(text_ctx *c, const char *s, size_t len, text_name *out)
{
    parse_state ps;
    int roles[MAX_RAW], i, rc, pos = 0;
    int posof[MAX_RAW];
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
    ps.sused = 0;
    ps.has_boundary = 0;
    rc = split_parts(&ps, s, len);
    if (rc)
        return rc;
    latinise_others(&ps);
    apply_roles(&ps, roles);

    for (i = 0; i < ps.nraw && out->ntoks < TEXT_MAX_TOKENS; i++) {
        rawtok *r = &ps.raw[i];
        text_tok *t;
        size_t fl;
        posof[i] = -1;
        if (r->dropped)
            continue;
        fl = raw_latin(&ps, r, form, sizeof(form));
        if (fl == 0)
            continue;
        t = &out->toks[out->ntoks++];
        make_tok(&ps, t, form, fl, r->script == 'A' ? c->scratch + r->off : NULL,
                 r->script == 'A' ? r->len : 0, r->script == 'A');
        t->first = t->last = (uint8_t)pos;
        posof[i] = pos++;
        if (roles[i] == TEXT_ROLE_KIN || roles[i] == TEXT_ROLE_KUNYA)
            t->flags |= TEXT_TOK_PARTICLE;
        else if (roles[i] == TEXT_ROLE_TITLE)
            t->flags |= TEXT_TOK_TITLE;
        if (ps.has_boundary)
            t->flags |= r->group == 0 ? TEXT_TOK_FAMILY : TEXT_TOK_GIVEN;
    }
    out->npos = pos;

    /* Joined alternatives: particle + next part (Ben Haddou ~ Benhaddou). */
    for (i = 0; i < ps.nraw; i++) {
        int j;
        char joined[256], rawj[256];
        size_t fl1, fl2, rl = 0;
        const text_tok *a, *b;
        text_tok *t;
        if (posof[i] < 0 || !(roles[i] == TEXT_ROLE_KIN ||
                              roles[i] == TEXT_ROLE_KUNYA))
            continue;
        for (j = i + 1; j < ps.nraw && posof[j] < 0; j++)
            ;
        if (j >= ps.nraw || out->ntoks >= TEXT_MAX_TOKENS)
            continue;
        a = &out->toks[posof[i]];
        b = &out->toks[posof[j]];
        if (b->flags & (TEXT_TOK_PARTICLE | TEXT_TOK_TITLE))
            continue;
        fl1 = a->form_len;
        fl2 = b->form_len;
        if (fl1 + fl2 >= sizeof(joined))
            continue;
        memcpy(joined, text_tok_form(out, a), fl1);
        memcpy(joined + fl1, text_tok_form(out, b), fl2);
        if (ps.raw[i].script == 'A' && ps.raw[j].script == 'A' &&
            (size_t)a->raw_len + b->raw_len < sizeof(rawj)) {
            memcpy(rawj, text_tok_raw(out, a), a->raw_len);
            memcpy(rawj + a->raw_len, text_tok_raw(out, b), b->raw_len);
            rl = (size_t)a->raw_len + b->raw_len;
        }
        t = &out->toks[out->ntoks++];
        make_tok(&ps, t, joined, fl1 + fl2, rl ? rawj : NULL, rl,
                 (a->flags & TEXT_TOK_ABJAD) || (b->flags & TEXT_TOK_ABJAD));
        t->first = a->first;
        t->last = b->last;
        t->flags |= TEXT_TOK_COMPOUND |
                    (b->flags & (TEXT_TOK_FAMILY | TEXT_TOK_GIVEN));
    }
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
