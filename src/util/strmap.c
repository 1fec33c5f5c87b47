/*
** strmap.c: a map from byte strings to uint32 values.
**
** Open addressing with linear probing over a power-of-two table kept at
** most 70% full; each slot caches the 64-bit hash so probes rarely touch
** the key bytes.  Keys live in an arena owned by the map.  There is no
** deletion: the engine's vocabularies only grow until they are rebuilt.
*/
#include <string.h>

#include "util.h"

void util_strmap_init(util_strmap *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->count = 0;
    util_arena_init(&m->keys, 64 * 1024);
}

void util_strmap_fini(util_strmap *m)
{
    util_free(m->slots);
    util_arena_fini(&m->keys);
    m->slots = NULL;
    m->cap = m->count = 0;
}

static const util_strmap_slot *find(const util_strmap *m, uint64_t h,
                                    const char *key, size_t len)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    for (;;) {
        const util_strmap_slot *sl = &m->slots[i];
        if (!sl->key)
            return sl;
        if (sl->hash == h && sl->len == len && !memcmp(sl->key, key, len))
            return sl;
        i = (i + 1) & mask;
    }
}

int64_t util_strmap_get(const util_strmap *m, const char *key, size_t len)
{
    const util_strmap_slot *sl;
    if (!m->cap)
        return -1;
    sl = find(m, util_hash(key, len), key, len);
    return sl->key ? (int64_t)sl->val : -1;
}

static int grow(util_strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64, i;
    util_strmap_slot *ns = util_calloc(ncap, sizeof(*ns));
    if (!ns)
        return LIAISON_ENOMEM;
    for (i = 0; i < m->cap; i++) {
        util_strmap_slot *sl = &m->slots[i];
        size_t j;
        if (!sl->key)
            continue;
        j = (size_t)sl->hash & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = *sl;
    }
    util_free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return LIAISON_OK;
}

int util_strmap_put(util_strmap *m, const char *key, size_t len, uint32_t val,
                    int *found, uint32_t *val_out)
{
    uint64_t h = util_hash(key, len);
    util_strmap_slot *sl;
    char *copy;
    if (found)
        *found = 0;
    if (len > UINT32_MAX)
        return LIAISON_ETOOBIG;
    if ((m->count + 1) * 10 > m->cap * 7) {
        int rc = grow(m);
        if (rc)
            return rc;
    }
    sl = (util_strmap_slot *)find(m, h, key, len);
    if (sl->key) {
        if (found)
            *found = 1;
        if (val_out)
            *val_out = sl->val;
        return LIAISON_OK;
    }
    copy = util_arena_strndup(&m->keys, key, len);
    if (!copy)
        return LIAISON_ENOMEM;
    sl->hash = h;
    sl->key = copy;
    sl->len = (uint32_t)len;
    sl->val = val;
    m->count++;
    if (val_out)
        *val_out = val;
    return LIAISON_OK;
}

size_t util_strmap_bytes(const util_strmap *m)
{
    return m->cap * sizeof(util_strmap_slot) + m->keys.total;
}
