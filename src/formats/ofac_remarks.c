/*
** ofac_remarks.c: the structured facts inside OFAC's free-text Remarks.
**
** The legacy SDN CSV keeps dates of birth, nationalities, passports and
** weak aliases in one semicolon-separated Remarks column:
**
**   DOB 19 Jun 1951; POB Giza, Egypt; Passport 1084010 (Egypt);
**   alt. Passport 19820215; nationality Iraq; Gender Male; a.k.a. 'BNC'.
**
** fmt_ofac_remarks() turns the items it knows into native record fields
** ("dob", "nationalities", "documents", "gender", names of type "low")
** and leaves the text itself to the caller, which keeps it as "remarks".
** Items it does not understand are ignored: the full text is kept.
*/
#include <string.h>

#include "formats/fmt_int.h"

/* Remark prefixes that introduce an identity document. */
static const struct {
    const char *prefix;
    const char *type;
} doc_prefixes[] = {
    {"Passport ", "passport"},
    {"Diplomatic Passport ", "diplomatic-passport"},
    {"National ID No. ", "national-id"},
    {"National Foreign ID Number ", "national-id"},
    {"Cedula No. ", "cedula"},
    {"D.N.I. ", "dni"},
    {"Identification Number ", "id-number"},
};

static int starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && !memcmp(s, prefix, k);
}

/* Find needle in s[0..n); NULL if absent. */
static const char *find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; i + k <= n; i++)
        if (!memcmp(s + i, needle, k))
            return s + i;
    return NULL;
}

static void trim(const char **s, size_t *n)
{
    while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* Get (creating) the array obj[key]. */
static json_t *array_of(json_t *obj, const char *key)
{
    json_t *a = json_object_get(obj, key);
    if (a)
        return a;
    a = json_array();
    if (fmt_json_set(obj, key, a))
        return NULL;
    return a;
}

/* A country name of up to 127 bytes, as a NUL-terminated copy. */
static const char *country_name(const char *s, size_t n, char *buf,
                                size_t size)
{
    if (n >= size)
        n = size - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return util_country_from_name(buf);
}

static int add_text(json_t *arr, const char *s, size_t n)
{
    int oom;
    json_t *v = fmt_json_text(s, n, &oom);
    size_t i;
    json_t *e;
    if (!v)
        return oom ? LIAISON_ENOMEM : LIAISON_OK;
    json_array_foreach(arr, i, e) {
        if (json_equal(e, v)) {
            json_decref(v);
            return LIAISON_OK;
        }
    }
    return fmt_json_append(arr, v);
}

/* "DOB 14 Jul 1966", "DOB circa 1960", "DOB 1960 to 1962". */
static int dob_item(json_t *obj, const char *s, size_t n)
{
    char iso[32];
    json_t *arr;
    if (fmt_dob_from_english(s, n, iso, sizeof(iso)) != LIAISON_OK)
        return LIAISON_OK;
    if (!(arr = array_of(obj, "dob")))
        return LIAISON_ENOMEM;
    return fmt_json_append_unique(arr, iso);
}

/* "nationality Iraq", "citizen Syria". */
static int nationality_item(json_t *obj, const char *s, size_t n)
{
    char buf[128];
    const char *a3 = country_name(s, n, buf, sizeof(buf));
    json_t *arr = array_of(obj, a3 ? "nationalities" : "nationality_text");
    if (!arr)
        return LIAISON_ENOMEM;
    return a3 ? fmt_json_append_unique(arr, a3) : add_text(arr, s, n);
}

/* "Passport A123456 (Iraq) issued 03 Jul 1999 expires 02 Jul 2004". */
static int document_item(json_t *obj, const char *type, const char *s,
                         size_t n)
{
    const char *end = s + n, *paren = find(s, n, " ("), *cut;
    const char *issued = find(s, n, " issued "), *expires;
    json_t *doc, *arr, *num;
    int oom, rc;
    expires = find(s, n, " expires ");
    cut = end;
    if (paren && paren < cut)
        cut = paren;
    if (issued && issued < cut)
        cut = issued;
    if (expires && expires < cut)
        cut = expires;
    num = fmt_json_text(s, (size_t)(cut - s), &oom);
    if (!num)
        return oom ? LIAISON_ENOMEM : LIAISON_OK;
    doc = json_object();
    rc = fmt_json_set(doc, "type", json_string(type));
    if (!rc)
        rc = fmt_json_set(doc, "number", num);
    else
        json_decref(num);
    if (!rc && paren) {
        const char *close = memchr(paren, ')', (size_t)(end - paren));
        if (close) {
            char buf[128];
            const char *c0 = paren + 2;
            size_t cn = (size_t)(close - c0);
            const char *a3 = country_name(c0, cn, buf, sizeof(buf));
            if (a3)
                rc = fmt_json_set(doc, "country", json_string(a3));
            else if (cn)
                rc = fmt_json_set(doc, "country_text",
                                  json_stringn(buf, strlen(buf)));
        }
    }
    if (!rc && issued) {
        const char *e = expires && expires > issued ? expires : end;
        json_t *v = fmt_json_text(issued + 8, (size_t)(e - issued - 8), &oom);
        if (v)
            rc = fmt_json_set(doc, "issued_text", v);
        else if (oom)
            rc = LIAISON_ENOMEM;
    }
    if (!rc && expires) {
        const char *e = expires + 9;
        json_t *v = fmt_json_text(e, (size_t)(end - e), &oom);
        if (v)
            rc = fmt_json_set(doc, "expires_text", v);
        else if (oom)
            rc = LIAISON_ENOMEM;
    }
    if (rc || !(arr = array_of(obj, "documents"))) {
        json_decref(doc);
        return LIAISON_ENOMEM;
    }
    return fmt_json_append(arr, doc);
}

/* "a.k.a. 'BNC'": a weak alias, a name of type "low". */
static int weak_alias_item(json_t *names, const char *s, size_t n)
{
    const char *open = memchr(s, '\'', n), *close = NULL;
    json_t *name, *full;
    int oom, rc;
    size_t i;
    if (!open)
        return LIAISON_OK;
    for (i = n; i > (size_t)(open - s) + 1; i--)
        if (s[i - 1] == '\'') {
            close = s + i - 1;
            break;
        }
    if (!close)
        return LIAISON_OK;
    full = fmt_json_text(open + 1, (size_t)(close - open - 1), &oom);
    if (!full)
        return oom ? LIAISON_ENOMEM : LIAISON_OK;
    name = json_object();
    rc = fmt_json_set(name, "full", full);
    if (!rc)
        rc = fmt_json_set(name, "type", json_string("low"));
    if (rc) {
        json_decref(name);
        return LIAISON_ENOMEM;
    }
    return fmt_json_append(names, name);
}

static int one_item(json_t *obj, json_t *names, const char *s, size_t n)
{
    size_t k;
    trim(&s, &n);
    if (starts(s, n, "alt. ")) {
        s += 5;
        n -= 5;
    }
    if (starts(s, n, "DOB "))
        return dob_item(obj, s + 4, n - 4);
    if (starts(s, n, "nationality "))
        return nationality_item(obj, s + 12, n - 12);
    if (starts(s, n, "citizen "))
        return nationality_item(obj, s + 8, n - 8);
    if (starts(s, n, "Gender ")) {
        const char *g = n == 11 && !memcmp(s + 7, "Male", 4) ? "M"
                        : n == 13 && !memcmp(s + 7, "Female", 6) ? "F"
                                                                 : NULL;
        return g ? fmt_json_set(obj, "gender", json_string(g)) : LIAISON_OK;
    }
    if (starts(s, n, "a.k.a. ") || starts(s, n, "f.k.a. ") ||
        starts(s, n, "n.k.a. "))
        return weak_alias_item(names, s + 7, n - 7);
    for (k = 0; k < UTIL_ARRAY_LEN(doc_prefixes); k++) {
        const char *p = doc_prefixes[k].prefix;
        if (starts(s, n, p))
            return document_item(obj, doc_prefixes[k].type, s + strlen(p),
                                 n - strlen(p));
    }
    return LIAISON_OK;
}

int fmt_ofac_remarks(json_t *obj, json_t *names, const char *remarks)
{
    const char *s = remarks;
    size_t n = strlen(remarks);
    int rc = LIAISON_OK;
    /* The last item ends the sentence: "...; Gender Male." */
    trim(&s, &n);
    if (n && s[n - 1] == '.')
        n--;
    while (n && !rc) {
        const char *semi = memchr(s, ';', n);
        size_t len = semi ? (size_t)(semi - s) : n;
        rc = one_item(obj, names, s, len);
        if (!semi)
            break;
        s = semi + 1;
        n -= len + 1;
    }
    return rc;
}
