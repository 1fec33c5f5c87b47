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
        head = idx_vec_push(&e->doc_head);
        if (!head)
            return LIAISON_ENOMEM;
        *head = UINT32_MAX;
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
