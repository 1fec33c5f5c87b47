/*
** docs.c: exact lookup of travel documents and vehicles.
**
** Document numbers, VINs and plates are keyed by their normalised form
** (separators and case removed, OCR-confusable characters folded), so a
** passport read from an MRZ with an O for a 0 still finds the record of
** a stolen document.  Several records may share a number (a stolen
** passport and the person who held it); they are chained.
*/
#include <string.h>

#include "index/index.h"
#include "match/docnum.h"

/* Normalised key of a number: the one definition in match/docnum.c
** (separators and case dropped, OCR confusions folded).  Returns the key
** length; 0 when nothing usable is left or the number is too long. */
size_t idx_docnum_key(const char *num, char *out, size_t cap)
{
    size_t n = 0;
    if (!num || cap == 0)
        return 0;
    if (docnum_normalise(num, strlen(num), DOCNUM_FOLD_OCR, out, cap, &n))
        return 0;
    return n;
}

static uint32_t put(liaison_engine *e, const char *s)
{
    size_t off = e->strs.len, len = s ? strlen(s) : 0;
    if (!len)
        return 0;
    if (util_buf_add(&e->strs, s, len + 1))
        return UINT32_MAX;
    return (uint32_t)off;
}

int idx_docs_add(liaison_engine *e, uint32_t rec, const liaison_document *d)
{
    char key[128];
    size_t klen = idx_docnum_key(d->number, key, sizeof(key));
    uint32_t list, *head, *next;
    idx_doc *doc;
    int found;
    if (klen < 3)
        return LIAISON_OK;      /* too short to identify anything */
    if (util_strmap_put(&e->doc_map, key, klen, (uint32_t)e->doc_head.n,
                        &found, &list))
        return LIAISON_ENOMEM;
    if (!found) {
        uint32_t *k;
        head = idx_vec_push(&e->doc_head);
        k = idx_vec_push(&e->doc_key);
        if (!head || !k)
            return LIAISON_ENOMEM;
        *head = UINT32_MAX;
        *k = (uint32_t)e->strs.len;
        if (util_buf_add(&e->strs, key, klen + 1))
            return LIAISON_ENOMEM;
    }
    doc = idx_vec_push(&e->docs);
    next = idx_vec_push(&e->doc_next);
    if (!doc || !next)
        return LIAISON_ENOMEM;
    doc->rec = rec;
    doc->number = put(e, d->number);
    doc->type = put(e, d->type);
    doc->country = put(e, d->country);
    doc->status = put(e, d->status);
    if (doc->number == UINT32_MAX || doc->type == UINT32_MAX ||
        doc->country == UINT32_MAX || doc->status == UINT32_MAX)
        return LIAISON_ENOMEM;
    head = &IDX_AT(e->doc_head, uint32_t, list);
    *next = *head;
    *head = (uint32_t)(e->docs.n - 1);
    return LIAISON_OK;
}

static uint32_t tag_of(uint64_t h)
{
    return (uint32_t)(h >> 32) | 1u;    /* never 0: 0 marks an empty slot */
}

/* Lay the numbers out in doc_tab and drop the build-time map. */
int idx_docs_build(liaison_engine *e)
{
    size_t n = e->doc_head.n, cap = 16, i;
    while (cap < 2 * n)
        cap *= 2;
    e->doc_tab = util_calloc_big(cap, sizeof(uint64_t));
    if (!e->doc_tab)
        return LIAISON_ENOMEM;
    e->doc_tab_mask = cap - 1;
    for (i = 0; i < n; i++) {
        const char *k = idx_str(e, IDX_AT(e->doc_key, uint32_t, i));
        uint64_t h = util_hash(k, strlen(k));
        size_t j = (size_t)h & e->doc_tab_mask;
        while (e->doc_tab[j])
            j = (j + 1) & e->doc_tab_mask;
        e->doc_tab[j] = (uint64_t)tag_of(h) << 32 | (uint32_t)i;
    }
    util_strmap_fini(&e->doc_map);
    util_strmap_init(&e->doc_map);
    return LIAISON_OK;
}

int64_t idx_docs_find(const liaison_engine *e, const char *key, size_t klen)
{
    uint64_t h = util_hash(key, klen);
    uint32_t tag = tag_of(h);
    size_t j = (size_t)h & e->doc_tab_mask;
    uint64_t v;
    if (!e->doc_tab)
        return -1;
    while ((v = e->doc_tab[j]) != 0) {
        if ((uint32_t)(v >> 32) == tag) {
            uint32_t list = (uint32_t)v;
            const char *k = idx_str(e, IDX_AT(e->doc_key, uint32_t, list));
            if (!memcmp(k, key, klen) && k[klen] == '\0')
                return list;
        }
        j = (j + 1) & e->doc_tab_mask;
    }
    return -1;
}

int liaison_doc_lookup(const liaison_engine *e, const char *number,
                       const char *country, uint32_t *recs, size_t cap,
                       size_t *n)
{
    char key[128];
    size_t klen;
    int64_t list;
    uint32_t d;
    *n = 0;
    if (!e || !e->built || !number)
        return LIAISON_EINVAL;
    klen = idx_docnum_key(number, key, sizeof(key));
    if (klen < 3 || (list = idx_docs_find(e, key, klen)) < 0)
        return LIAISON_OK;
    for (d = IDX_AT(e->doc_head, uint32_t, list); d != UINT32_MAX;
         d = IDX_AT(e->doc_next, uint32_t, d)) {
        const idx_doc *doc = &IDX_AT(e->docs, idx_doc, d);
        if (country && doc->country &&
            strcmp(country, idx_str(e, doc->country)) != 0)
            continue;
        if (*n < cap)
            recs[*n] = doc->rec;
        (*n)++;
    }
    return LIAISON_OK;
}

const char *liaison_record_id(const liaison_engine *e, uint32_t rec)
{
    if (!e || rec >= e->recs.n)
        return NULL;
    return idx_str(e, IDX_AT(e->recs, idx_rec, rec).id);
}

/* Batch lookup: numbers are normalised and hashed first and their slots
** prefetched in groups, so that the memory latency of one lookup overlaps
** the others' (a table of a million numbers is far larger than the CPU's
** caches; one lookup alone waits for main memory). */
#define DOC_BATCH 32

int liaison_doc_lookup_batch(const liaison_engine *e,
                             const char *const *numbers, size_t count,
                             uint32_t *first_rec)
{
    size_t base;
    if (!e || !e->built || (!numbers && count))
        return LIAISON_EINVAL;
    for (base = 0; base < count; base += DOC_BATCH) {
        char keys[DOC_BATCH][64];
        size_t klen[DOC_BATCH], slot[DOC_BATCH], m = count - base, i;
        uint32_t tag[DOC_BATCH];
        if (m > DOC_BATCH)
            m = DOC_BATCH;
        for (i = 0; i < m; i++) {
            uint64_t h;
            klen[i] = numbers[base + i]
                          ? idx_docnum_key(numbers[base + i], keys[i], 64) : 0;
            h = util_hash(keys[i], klen[i]);
            tag[i] = tag_of(h);
            slot[i] = (size_t)h & e->doc_tab_mask;
            __builtin_prefetch(&e->doc_tab[slot[i]]);
        }
        for (i = 0; i < m; i++) {
            uint32_t rec = UINT32_MAX;
            size_t j = slot[i];
            uint64_t v;
            while (klen[i] >= 3 && (v = e->doc_tab[j]) != 0) {
                if ((uint32_t)(v >> 32) == tag[i]) {
                    uint32_t list = (uint32_t)v;
                    const char *k = idx_str(e, IDX_AT(e->doc_key, uint32_t,
                                                      list));
                    if (!memcmp(k, keys[i], klen[i]) && k[klen[i]] == '\0') {
                        rec = IDX_AT(e->docs, idx_doc,
                                     IDX_AT(e->doc_head, uint32_t, list)).rec;
                        break;
                    }
                }
                j = (j + 1) & e->doc_tab_mask;
            }
            first_rec[base + i] = rec;
        }
    }
    return LIAISON_OK;
}
