/*
** tables.c: the text module's data tables.
**
** Name-part knowledge is data, not code (DESIGN section 5).  Four files
** under data/ are linked into the library at build time (ld -r -b binary),
** so a deployed program needs no installed files; a data directory can
** replace them at run time (liaison_engine_opts.data_dir):
**
**   name_equiv.tsv      variant TAB canonical  (mohamed -> muhammad)
**   name_particles.tsv  part TAB role          (abdel -> abd, al -> article)
**   name_common.tsv     part TAB commonness    (ali -> 0.98)
**   translit_arabic.txt ICU transform rules, Arabic script to Latin
**
** Lines starting with '#' and blank lines are ignored.  A malformed line is
** an error naming the file and line: a silently half-loaded table would
** quietly weaken every match.
*/
#include <stdio.h>
#include <string.h>

#include "text/text.h"
#include "text/text_int.h"

/* Embedded copies (see the Makefile's DATA_SRC). */
#define BLOB(name)                                                        \
    extern const char _binary_data_##name##_start[];                      \
    extern const char _binary_data_##name##_end[];
BLOB(name_equiv_tsv)
BLOB(name_particles_tsv)
BLOB(name_common_tsv)
BLOB(translit_arabic_txt)

typedef struct blob {
    const char *file;
    const char *start, *end;
} blob;

static const blob blobs[] = {
    {"name_equiv.tsv", _binary_data_name_equiv_tsv_start,
     _binary_data_name_equiv_tsv_end},
    {"name_particles.tsv", _binary_data_name_particles_tsv_start,
     _binary_data_name_particles_tsv_end},
    {"name_common.tsv", _binary_data_name_common_tsv_start,
     _binary_data_name_common_tsv_end},
    {"translit_arabic.txt", _binary_data_translit_arabic_txt_start,
     _binary_data_translit_arabic_txt_end},
};

/* Get a table's bytes: from data_dir when given (owned copy in *owned),
** else the embedded blob.  A missing table is empty. */
static int table_bytes(const char *data_dir, const blob *b, const char **p,
                       size_t *len, char **owned, struct liaison_err *err)
{
    *owned = NULL;
    *p = "";
    *len = 0;
    if (data_dir) {
        char path[4096];
        int rc;
        snprintf(path, sizeof(path), "%s/%s", data_dir, b->file);
        rc = util_read_file(path, 64u << 20, owned, len, err);
        if (rc)
            return rc;
        *p = *owned;
        return LIAISON_OK;
    }
    if (b->start && b->end && b->end > b->start) {
        *p = b->start;
        *len = (size_t)(b->end - b->start);
    }
    return LIAISON_OK;
}

/* Split the next line of p[0..len) at *pos into up to two TAB-separated
** fields; skips comments and blank lines.  Returns 0 at the end. */
static int next_line(const char *p, size_t len, size_t *pos, long *lineno,
                     const char **f1, size_t *l1, const char **f2,
                     size_t *l2)
{
    while (*pos < len) {
        const char *s = p + *pos, *nl = memchr(s, '\n', len - *pos);
        size_t n = nl ? (size_t)(nl - s) : len - *pos;
        const char *tab;
        *pos += n + (nl ? 1 : 0);
        (*lineno)++;
        if (n && s[n - 1] == '\r')
            n--;
        if (n == 0 || s[0] == '#')
            continue;
        tab = memchr(s, '\t', n);
        *f1 = s;
        *l1 = tab ? (size_t)(tab - s) : n;
        *f2 = tab ? tab + 1 : NULL;
        *l2 = tab ? n - *l1 - 1 : 0;
        if (*f2) {
            const char *tab2 = memchr(*f2, '\t', *l2);
            if (tab2)
                *l2 = (size_t)(tab2 - *f2);
        }
        return 1;
    }
    return 0;
}

static int load_equiv(text_tables *t, const char *p, size_t len,
                      struct liaison_err *err)
{
    size_t pos = 0, l1, l2;
    long line = 0;
    const char *f1, *f2;
    int rc;
    while (next_line(p, len, &pos, &line, &f1, &l1, &f2, &l2)) {
        uint32_t cls;
        int found;
        if (!f2 || !l1 || !l2)
            return util_err(err, LIAISON_EFORMAT, line, 0,
                            "name_equiv.tsv line %ld: expected variant TAB "
                            "canonical", line);
        if (text_utf8_check(f1, l1, NULL) || text_utf8_check(f2, l2, NULL))
            return util_err(err, LIAISON_EUTF8, line, 0,
                            "name_equiv.tsv line %ld: invalid UTF-8", line);
        rc = util_strmap_put(&t->classes, f2, l2, (uint32_t)t->classes.count,
                             &found, &cls);
        if (rc)
            return rc;
        if (!found) {
            rc = util_strmap_put(&t->equiv, f2, l2, cls, NULL, NULL);
            if (rc)
                return rc;
        }
        rc = util_strmap_put(&t->equiv, f1, l1, cls, &found, NULL);
        if (rc)
            return rc;
    }
    return LIAISON_OK;
}

static const struct {
    const char *name;
    int role;
} roles[] = {
    {"article", TEXT_ROLE_ARTICLE}, {"abd", TEXT_ROLE_ABD},
    {"suffix", TEXT_ROLE_SUFFIX},   {"kin", TEXT_ROLE_KIN},
    {"kunya", TEXT_ROLE_KUNYA},     {"title", TEXT_ROLE_TITLE},
};

static int load_particles(text_tables *t, const char *p, size_t len,
                          struct liaison_err *err)
{
    size_t pos = 0, l1, l2, i;
    long line = 0;
    const char *f1, *f2;
    while (next_line(p, len, &pos, &line, &f1, &l1, &f2, &l2)) {
        int role = 0, rc;
        for (i = 0; f2 && i < UTIL_ARRAY_LEN(roles); i++)
            if (strlen(roles[i].name) == l2 && !memcmp(roles[i].name, f2, l2))
                role = roles[i].role;
        if (!role || !l1)
            return util_err(err, LIAISON_EFORMAT, line, 0,
                            "name_particles.tsv line %ld: expected part TAB "
                            "role (article, abd, suffix, kin, kunya, title)",
                            line);
        rc = util_strmap_put(&t->particles, f1, l1, (uint32_t)role, NULL,
                             NULL);
        if (rc)
            return rc;
    }
    return LIAISON_OK;
}

static int load_common(text_tables *t, const char *p, size_t len,
                       struct liaison_err *err)
{
    size_t pos = 0, l1, l2;
    long line = 0;
    const char *f1, *f2;
    while (next_line(p, len, &pos, &line, &f1, &l1, &f2, &l2)) {
        char num[32];
        double v;
        int rc;
        if (!f2 || !l1 || l2 == 0 || l2 >= sizeof(num))
            goto bad;
        memcpy(num, f2, l2);
        num[l2] = '\0';
        if (util_parse_double(num, &v) || v < 0 || v > 1)
            goto bad;
        rc = util_strmap_put(&t->common, f1, l1, (uint32_t)(v * 1e6 + 0.5),
                             NULL, NULL);
        if (rc)
            return rc;
        continue;
bad:
        return util_err(err, LIAISON_EFORMAT, line, 0,
                        "name_common.tsv line %ld: expected part TAB number "
                        "in [0,1]", line);
    }
    return LIAISON_OK;
}

int text_tables_new(const char *data_dir, text_tables **out,
                    struct liaison_err *err)
{
    text_tables *t;
    int rc = LIAISON_OK;
    size_t i;

    *out = NULL;
    t = util_calloc(1, sizeof(*t));
    if (!t)
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    util_strmap_init(&t->equiv);
    util_strmap_init(&t->classes);
    util_strmap_init(&t->particles);
    util_strmap_init(&t->common);
    for (i = 0; i < UTIL_ARRAY_LEN(blobs) && !rc; i++) {
        const char *p;
        size_t len;
        char *owned;
        rc = table_bytes(data_dir, &blobs[i], &p, &len, &owned, err);
        if (rc)
            break;
        switch (i) {
        case 0: rc = load_equiv(t, p, len, err); break;
        case 1: rc = load_particles(t, p, len, err); break;
        case 2: rc = load_common(t, p, len, err); break;
        default:
            t->translit_rules = util_strndup(p, len);
            if (!t->translit_rules)
                rc = LIAISON_ENOMEM;
        }
        util_free(owned);
    }
    if (!rc)
        rc = text_translit_init(t, err);
    if (!rc) {
        rc = text_class_names_init(t);
    }
    if (rc) {
        if (err && !err->msg[0])
            util_err(err, rc, 0, 0, "%s", liaison_strerror(rc));
        text_tables_free(t);
        return rc;
    }
    *out = t;
    return LIAISON_OK;
}

/* Index class id -> canonical name, for explanations. */
int text_class_names_init(text_tables *t)
{
    size_t i;
    t->class_names = util_calloc(t->classes.count + 1, sizeof(char *));
    if (!t->class_names)
        return LIAISON_ENOMEM;
    for (i = 0; i < t->classes.cap; i++) {
        const util_strmap_slot *sl = &t->classes.slots[i];
        if (sl->key)
            t->class_names[sl->val] = sl->key;
    }
    return LIAISON_OK;
}

void text_tables_free(text_tables *t)
{
    if (!t)
        return;
    text_translit_fini(t);
    util_strmap_fini(&t->equiv);
    util_strmap_fini(&t->classes);
    util_strmap_fini(&t->particles);
    util_strmap_fini(&t->common);
    util_free(t->class_names);
    util_free(t->translit_rules);
    util_free(t);
}

int32_t text_equiv_class(const text_tables *t, const char *s, size_t len)
{
    int64_t v = util_strmap_get(&t->equiv, s, len);
    return v < 0 ? -1 : (int32_t)v;
}

size_t text_tables_nclasses(const text_tables *t)
{
    return t->classes.count;
}

const char *text_class_name(const text_tables *t, int32_t cls)
{
    if (cls < 0 || (size_t)cls >= t->classes.count)
        return NULL;
    return t->class_names[cls];
}

double text_commonness(const text_tables *t, const char *s, size_t len)
{
    int64_t v = util_strmap_get(&t->common, s, len);
    return v < 0 ? 0.0 : (double)v / 1e6;
}

int text_particle_role(const text_tables *t, const char *s, size_t len)
{
    int64_t v = util_strmap_get(&t->particles, s, len);
    return v < 0 ? TEXT_ROLE_NONE : (int)v;
}
