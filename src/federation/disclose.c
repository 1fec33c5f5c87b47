/*
** disclose.c: what leaves the node about a record, and on which terms.
**
**   - The "details" view a partner gets for a record shared at that level:
**     the record's known fields (DESIGN section 2: names, dates of birth,
**     nationalities, documents, vehicle, category, expiry) without its
**     sharing level, its owner (stated apart) and any unknown field (those
**     may carry an agency's internal notes: they leave only through a
**     disclosure an analyst approved, field by field).
**   - A disclosure's release: exactly the fields an analyst approved that
**     the record has, plus id, list and kind, which the requester already
**     knows from its hit.  The sharing level never leaves.
**   - Handling codes: the fixed vocabulary of conditions an owner attaches
**     to what it releases, shown with the data wherever it is shown.
**   - Disclosure ids and field names, checked before they reach a URL, a
**     store or an audit entry.
*/
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "federation/fed.h"

static const fed_handling_code codes[] = {
    {"no-onward-transmission",
     "No onward transmission to any other agency or third country without "
     "the owner's prior consent."},
    {"not-for-evidence",
     "Not for use as evidence in judicial proceedings without a formal "
     "request for mutual legal assistance."},
    {"no-action-without-contact",
     "No operational action (arrest, refusal of entry, seizure) without "
     "first contacting the owner."},
    {"police-use-only",
     "For the requesting police service only, for the stated purpose."},
    {"delete-after-use",
     "Delete once the stated purpose is fulfilled."},
};

const fed_handling_code *fed_handling_codes(size_t *n)
{
    *n = UTIL_ARRAY_LEN(codes);
    return codes;
}

const fed_handling_code *fed_handling_find(const char *code)
{
    size_t i;
    if (!code)
        return NULL;
    for (i = 0; i < UTIL_ARRAY_LEN(codes); i++)
        if (!strcmp(codes[i].code, code))
            return &codes[i];
    return NULL;
}

int fed_disclosure_id_new(char *out)
{
    unsigned char raw[16];
    if (sodium_init() < 0)
        return LIAISON_ECRYPTO;
    randombytes_buf(raw, sizeof(raw));
    memcpy(out, "dsc-", 4);
    sodium_bin2hex(out + 4, 33, raw, sizeof(raw));
    return LIAISON_OK;
}

int fed_disclosure_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, i;
    if (n < 8 || n > 64)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

int fed_field_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, i;
    if (n == 0 || n > 40)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* The known fields of a record as the details view shows them, in the
** canonical order (formats/record.c); "sharing" and "owner" are not. */
static const char *const details_fields[] = {
    "id", "list", "kind", "names", "dob", "gender", "nationalities",
    "documents", "vin", "plate", "country", "category", "expires"
};

typedef struct dump_ctx {
    util_buf *b;
    int rc;
} dump_ctx;

static int dump_cb(const char *buf, size_t size, void *data)
{
    dump_ctx *c = data;
    c->rc = util_buf_add(c->b, buf, size);
    return c->rc ? -1 : 0;
}

int fed_json_dump(const json_t *j, util_buf *out)
{
    dump_ctx c;
    size_t start = out->len;
    c.b = out;
    c.rc = LIAISON_OK;
    if (json_dump_callback(j, dump_cb, &c, JSON_COMPACT)) {
        out->len = start;
        if (out->p)
            out->p[start] = '\0';
        return c.rc ? c.rc : LIAISON_ENOMEM;
    }
    return LIAISON_OK;
}

static const char *const always[] = {"id", "list", "kind"};

static int listed(const char *const *set, size_t n, const char *key)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (set[i] && !strcmp(set[i], key))
            return 1;
    return 0;
}

int fed_record_view(const char *json, size_t len, const char *const *fields,
                    size_t n_fields, util_buf *out)
{
    json_error_t err;
    json_t *rec = json_loadb(json, len, 0, &err), *view, *v;
    const char *key;
    int rc;
    if (!json_is_object(rec)) {
        json_decref(rec);
        /* jansson leaves no message when it could not even start (and
        ** reports some later failed allocations as syntax errors). */
        return !rec && (!err.text[0] ||
                        json_error_code(&err) == json_error_out_of_memory)
                   ? LIAISON_ENOMEM : LIAISON_EFORMAT;
    }
    view = json_object();
    if (!view) {
        json_decref(rec);
        return LIAISON_ENOMEM;
    }
    json_object_foreach(rec, key, v) {
        int keep;
        if (!strcmp(key, "sharing"))
            keep = 0;
        else if (!fields)
            keep = listed(details_fields, UTIL_ARRAY_LEN(details_fields),
                          key);
        else
            keep = listed(always, UTIL_ARRAY_LEN(always), key) ||
                   listed(fields, n_fields, key);
        if (keep && json_object_set(view, key, v)) {
            json_decref(view);
            json_decref(rec);
            return LIAISON_ENOMEM;
        }
    }
    rc = fed_json_dump(view, out);
    json_decref(view);
    json_decref(rec);
    return rc;
}
