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

/* Normalised key: A-Z and 0-9 only, letters upper-cased, and the
** characters OCR confuses folded to one (O->0, I->1, Z->2, S->5, G->6,
** B->8).  Returns the key length (0: no usable characters). */
size_t idx_docnum_key(const char *num, char *out, size_t cap)
{
    size_t o = 0;
    const char *p;
    if (!num || cap == 0)
        return 0;
    for (p = num; *p && o + 1 < cap; p++) {
        char c = *p;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            continue;
        switch (c) {
        case 'O': c = '0'; break;
        case 'I': c = '1'; break;
        case 'Z': c = '2'; break;
        case 'S': c = '5'; break;
        case 'G': c = '6'; break;
        case 'B': c = '8'; break;
        default: break;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return o;
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
