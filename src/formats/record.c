/*
** record.c: native records (DESIGN section 2): validation, normalisation,
** the liaison_record view and the canonical JSON.
**
** Every reader (JSONL, OFAC CSV, UN XML) ends here with a JSON object, so
** the rules live in one place:
**   1. id and list are required (list may come from the caller), kind is
**      person, entity, document or vehicle (default person);
**   2. a person or entity has a name, a document record a document number,
**      a vehicle a VIN or a plate;
**   3. dates are YYYY, YYYY-MM, YYYY-MM-DD or an interval A/B; countries
**      are ISO 3166-1 alpha-2 or alpha-3 (or ICAO) and are stored alpha-3;
**   4. unknown fields, also inside names and documents, are kept;
**   5. the canonical JSON has the known fields first in a fixed order,
**      then the unknown ones in input order, compact, on one line.
** The record owns everything through its arena; rec points into it.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "formats/fmt_int.h"
#include "match/docnum.h"

const char *fmt_record_kind_name(liaison_kind k)
{
    switch (k) {
    case LIAISON_KIND_PERSON: return "person";
    case LIAISON_KIND_ENTITY: return "entity";
    case LIAISON_KIND_DOCUMENT: return "document";
    case LIAISON_KIND_VEHICLE: return "vehicle";
    }
    return "person";
}

void fmt_record_init(fmt_record *r)
{
    memset(r, 0, sizeof(*r));
    util_arena_init(&r->arena, 8 * 1024);
}

void fmt_record_reset(fmt_record *r)
{
    util_arena_reset(&r->arena);
    memset(&r->rec, 0, sizeof(r->rec));
    r->json = NULL;
    r->json_len = 0;
}

void fmt_record_fini(fmt_record *r)
{
    util_arena_fini(&r->arena);
    memset(&r->rec, 0, sizeof(r->rec));
    r->json = NULL;
    r->json_len = 0;
}

/* What one parse works with. */
struct ctx {
    fmt_record *r;
    json_t *in;                 /* the given object (borrowed) */
    json_t *out;                /* the canonical object being built */
    struct liaison_err *err;
    int view;                   /* only the liaison_record view is wanted:
                                   the canonical JSON is not serialised */
};

static const char *const known_fields[] = {
    "id", "list", "kind", "names", "dob", "gender", "nationalities",
    "documents", "vin", "plate", "country", "category", "sharing",
    "expires", "owner"
};

static int bad(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bad(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    util_verr(c->err, LIAISON_EINVAL, 0, 0, fmt, ap);
    va_end(ap);
    return LIAISON_EINVAL;
}

static int oom(struct ctx *c)
{
    return util_err(c->err, LIAISON_ENOMEM, 0, 0, "out of memory");
}

/* A copy of s in the record's arena. */
static int keep(struct ctx *c, const char *s, const char **out)
{
    *out = util_arena_strdup(&c->r->arena, s);
    return *out ? LIAISON_OK : oom(c);
}

static int set(struct ctx *c, const char *key, json_t *v)
{
    return fmt_json_set(c->out, key, v) ? oom(c) : LIAISON_OK;
}

static int has_text(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 1;
    return 0;
}

/* An optional string field: *out stays NULL when absent or null. */
static int opt_string(struct ctx *c, const char *key, const char **out)
{
    json_t *v = json_object_get(c->in, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return LIAISON_OK;
    if (!json_is_string(v) || !has_text(json_string_value(v)))
        return bad(c, "\"%s\" must be a non-empty string", key);
    if (keep(c, json_string_value(v), out))
        return LIAISON_ENOMEM;
    return set(c, key, json_incref(v));
}

/* A country code to alpha-3, kept in the arena; what names the field. */
static int country(struct ctx *c, const char *what, const char *code,
                   const char **out)
{
    const char *a3 = util_country_alpha3(code);
    if (!a3)
        return bad(c, "%s: unknown country code \"%.16s\"", what, code);
    *out = a3;                  /* static */
    return LIAISON_OK;
}

static int do_id_list_kind(struct ctx *c, const char *default_list,
                           const char *list_override)
{
    liaison_record *rec = &c->r->rec;
    json_t *v = json_object_get(c->in, "id");
    const char *s, *list = list_override;
    size_t i;
    if (!v)
        return bad(c, "missing \"id\"");
    if (!json_is_string(v) || !*(s = json_string_value(v)))
        return bad(c, "\"id\" must be a non-empty string");
    for (i = 0; s[i]; i++)
        if ((unsigned char)s[i] < 0x20)
            return bad(c, "\"id\" contains a control character");
    if (keep(c, s, &rec->id) || set(c, "id", json_incref(v)))
        return LIAISON_ENOMEM;
    v = json_object_get(c->in, "list");
    if (v && !json_is_null(v) &&
        (!json_is_string(v) || !*json_string_value(v)))
        return bad(c, "\"list\" must be a non-empty string");
    if (!list)
        list = v && json_is_string(v) ? json_string_value(v) : default_list;
    if (!list || !*list)
        return bad(c, "missing \"list\"");
    if (keep(c, list, &rec->list) || set(c, "list", json_string(list)))
        return LIAISON_ENOMEM;
    v = json_object_get(c->in, "kind");
    rec->kind = LIAISON_KIND_PERSON;
    if (v && !json_is_null(v)) {
        static const char *const kinds[] = {"person", "entity", "document",
                                            "vehicle"};
        s = json_is_string(v) ? json_string_value(v) : "";
        for (i = 0; i < UTIL_ARRAY_LEN(kinds); i++)
            if (!strcmp(s, kinds[i]))
                break;
        if (i == UTIL_ARRAY_LEN(kinds))
            return bad(c, "\"kind\" must be person, entity, document or "
                          "vehicle");
        rec->kind = (liaison_kind)i;
    }
    return set(c, "kind", json_string(fmt_record_kind_name(rec->kind)));
}

static int do_names(struct ctx *c)
{
    liaison_record *rec = &c->r->rec;
    json_t *v = json_object_get(c->in, "names"), *arr, *e;
    liaison_name *names;
    size_t i;
    if (!v || json_is_null(v))
        return LIAISON_OK;
    if (!json_is_array(v))
        return bad(c, "\"names\" must be an array");
    if (json_array_size(v) == 0)
        return LIAISON_OK;
    names = util_arena_alloc(&c->r->arena,
                             json_array_size(v) * sizeof(*names));
    if (!names || set(c, "names", arr = json_array()))
        return oom(c);
    json_array_foreach(v, i, e) {
        json_t *full = e, *type = NULL, *o;
        if (json_is_object(e)) {
            full = json_object_get(e, "full");
            type = json_object_get(e, "type");
            if (type && json_is_null(type))
                type = NULL;
            if (type && (!json_is_string(type) || !*json_string_value(type)))
                return bad(c, "\"names\"[%zu].type must be a non-empty "
                              "string", i);
            o = json_copy(e);
        } else {
            o = json_object();
        }
        if (!o || fmt_json_append(arr, o))
            return oom(c);
        if (!full || !json_is_string(full) ||
            !has_text(json_string_value(full)))
            return bad(c, "\"names\"[%zu] needs a non-empty \"full\"", i);
        if (json_object_set(o, "full", full))
            return oom(c);
        names[i].type = NULL;
        if (keep(c, json_string_value(full), &names[i].full) ||
            (type && keep(c, json_string_value(type), &names[i].type)))
            return LIAISON_ENOMEM;
    }
    rec->names = names;
    rec->n_names = json_array_size(v);
    return LIAISON_OK;
}

/* "dob": a string or an array of strings; kept as one string when there
** is one date. */
static int do_dob(struct ctx *c)
{
    liaison_record *rec = &c->r->rec;
    json_t *v = json_object_get(c->in, "dob"), *e;
    const char **dobs;
    size_t i, n;
    if (!v || json_is_null(v))
        return LIAISON_OK;
    if (json_is_string(v)) {
        n = 1;
    } else if (json_is_array(v)) {
        n = json_array_size(v);
    } else {
        return bad(c, "\"dob\" must be a date string or an array of them");
    }
    if (n == 0)
        return LIAISON_OK;
    dobs = util_arena_alloc(&c->r->arena, n * sizeof(*dobs));
    if (!dobs)
        return oom(c);
    for (i = 0; i < n; i++) {
        e = json_is_string(v) ? v : json_array_get(v, i);
        if (!json_is_string(e) || fmt_dob_valid(json_string_value(e)))
            return bad(c, "\"dob\": invalid date \"%.24s\" (YYYY, YYYY-MM, "
                          "YYYY-MM-DD or FROM/TO)",
                       json_is_string(e) ? json_string_value(e) : "");
        if (keep(c, json_string_value(e), &dobs[i]))
            return LIAISON_ENOMEM;
    }
    rec->dobs = dobs;
    rec->n_dobs = n;
    return set(c, "dob", n == 1 ? json_string(dobs[0]) : json_incref(v));
}

static int do_gender(struct ctx *c)
{
    json_t *v = json_object_get(c->in, "gender");
    const char *s;
    if (!v || json_is_null(v))
        return LIAISON_OK;
    s = json_is_string(v) ? json_string_value(v) : "";
    if (util_streq_nocase(s, "M") || util_streq_nocase(s, "male"))
        c->r->rec.gender = "M";
    else if (util_streq_nocase(s, "F") || util_streq_nocase(s, "female"))
        c->r->rec.gender = "F";
    else if (util_streq_nocase(s, "X") || util_streq_nocase(s, "U") ||
             util_streq_nocase(s, "unknown"))
        return LIAISON_OK;      /* ICAO "unspecified": no gender */
    else
        return bad(c, "\"gender\" must be M or F");
    return set(c, "gender", json_string(c->r->rec.gender));
}

static int do_nationalities(struct ctx *c)
{
    liaison_record *rec = &c->r->rec;
    json_t *v = json_object_get(c->in, "nationalities"), *arr;
    const char **nats;
    size_t i, n;
    if (!v || json_is_null(v))
        return LIAISON_OK;
    if (!json_is_string(v) && !json_is_array(v))
        return bad(c, "\"nationalities\" must be an array of country codes");
    n = json_is_string(v) ? 1 : json_array_size(v);
    if (n == 0)
        return LIAISON_OK;
    nats = util_arena_alloc(&c->r->arena, n * sizeof(*nats));
    if (!nats || set(c, "nationalities", arr = json_array()))
        return oom(c);
    for (i = 0; i < n; i++) {
        json_t *e = json_is_string(v) ? v : json_array_get(v, i);
        char what[48];
        snprintf(what, sizeof(what), "\"nationalities\"[%zu]", i);
        if (!json_is_string(e))
            return bad(c, "%s must be a country code", what);
        if (country(c, what, json_string_value(e), &nats[i]))
            return LIAISON_EINVAL;
        if (fmt_json_append(arr, json_string(nats[i])))
            return oom(c);
    }
    rec->nationalities = nats;
    rec->n_nationalities = n;
    return LIAISON_OK;
}

/* One document object (or the top-level fields of a document record)
** into d and its canonical copy o. */
static int one_document(struct ctx *c, json_t *e, const char *what,
                        liaison_document *d, json_t *o)
{
    static const char *const keys[] = {"type", "number", "country",
                                       "status"};
    const char **dst[4];
    size_t k;
    dst[0] = &d->type;
    dst[1] = &d->number;
    dst[2] = &d->country;
    dst[3] = &d->status;
    memset(d, 0, sizeof(*d));
    for (k = 0; k < UTIL_ARRAY_LEN(keys); k++) {
        json_t *f = json_object_get(e, keys[k]);
        if (!f || json_is_null(f))
            continue;
        if (!json_is_string(f) || !has_text(json_string_value(f)))
            return bad(c, "%s.%s must be a non-empty string", what, keys[k]);
        if (k == 2) {
            if (country(c, what, json_string_value(f), dst[k]))
                return LIAISON_EINVAL;
            if (fmt_json_set(o, "country", json_string(*dst[k])))
                return oom(c);
        } else if (keep(c, json_string_value(f), dst[k])) {
            return LIAISON_ENOMEM;
        }
    }
    if (!d->number)
        return bad(c, "%s needs a \"number\"", what);
    return LIAISON_OK;
}

static int do_documents(struct ctx *c)
{
    liaison_record *rec = &c->r->rec;
    json_t *v = json_object_get(c->in, "documents"), *arr, *e;
    liaison_document *docs;
    size_t i, n;
    if (!v || json_is_null(v))
        return LIAISON_OK;
    if (!json_is_array(v))
        return bad(c, "\"documents\" must be an array");
    if ((n = json_array_size(v)) == 0)
        return LIAISON_OK;
    docs = util_arena_alloc(&c->r->arena, n * sizeof(*docs));
    if (!docs || set(c, "documents", arr = json_array()))
        return oom(c);
    json_array_foreach(v, i, e) {
        char what[48];
        json_t *o;
        snprintf(what, sizeof(what), "\"documents\"[%zu]", i);
        if (!json_is_object(e))
            return bad(c, "%s must be an object", what);
        if (!(o = json_copy(e)) || fmt_json_append(arr, o))
            return oom(c);
        int rc = one_document(c, e, what, &docs[i], o);
        if (rc)
            return rc;
    }
    rec->documents = docs;
    rec->n_documents = n;
    return LIAISON_OK;
}

/* A document record may carry its one document at the top level:
** {"kind":"document","number":..,"type":..,"country":..,"status":..}. */
static int do_top_document(struct ctx *c)
{
    liaison_record *rec = &c->r->rec;
    liaison_document *d;
    json_t *scratch;
    int rc;
    if (rec->n_documents || !json_object_get(c->in, "number"))
        return LIAISON_OK;
    d = util_arena_alloc(&c->r->arena, sizeof(*d));
    scratch = json_object();
    if (!d || !scratch) {
        json_decref(scratch);
        return oom(c);
    }
    rc = one_document(c, c->in, "document", d, scratch);
    json_decref(scratch);
    if (rc)
        return rc;
    rec->documents = d;
    rec->n_documents = 1;
    return LIAISON_OK;
}

static int do_vehicle_and_rest(struct ctx *c)
{
    liaison_record *rec = &c->r->rec;
    json_t *v;
    const char *s;
    int rc;
    if ((rc = opt_string(c, "vin", &rec->vin)) ||
        (rc = opt_string(c, "plate", &rec->plate)))
        return rc;
    if (rec->vin) {
        /* ISO 3779: 17 letters and digits; the check digit (position 9)
        ** is binding for North American VINs only. */
        docnum_vin vin;
        if (docnum_vin_parse(rec->vin, strlen(rec->vin), &vin))
            return bad(c, "\"vin\": '%s' is not a VIN (17 letters and digits, "
                       "no I, O or Q)", rec->vin);
        if (vin.check == DOCNUM_VIN_CHECK_INVALID)
            return bad(c, "\"vin\": check digit of '%s' is '%c', expected "
                       "'%c' (North American VIN)", rec->vin, vin.vin[8],
                       vin.expected);
    }
    v = json_object_get(c->in, "country");
    if (v && !json_is_null(v)) {
        const char *a3 = NULL;
        if (!json_is_string(v))
            return bad(c, "\"country\" must be a country code");
        if ((rc = country(c, "\"country\"", json_string_value(v), &a3)) ||
            (rc = set(c, "country", json_string(a3))))
            return rc;
        if (rec->kind == LIAISON_KIND_VEHICLE)
            rec->plate_country = a3;
    }
    if ((rc = opt_string(c, "category", &rec->category)))
        return rc;
    v = json_object_get(c->in, "sharing");
    rec->sharing = LIAISON_SHARE_HIT;
    if (v && !json_is_null(v)) {
        s = json_is_string(v) ? json_string_value(v) : "";
        if (!strcmp(s, "none"))
            rec->sharing = LIAISON_SHARE_NONE;
        else if (!strcmp(s, "details"))
            rec->sharing = LIAISON_SHARE_DETAILS;
        else if (strcmp(s, "hit"))
            return bad(c, "\"sharing\" must be none, hit or details");
    }
    s = rec->sharing == LIAISON_SHARE_NONE ? "none"
        : rec->sharing == LIAISON_SHARE_DETAILS ? "details" : "hit";
    if (set(c, "sharing", json_string(s)))
        return LIAISON_ENOMEM;
    v = json_object_get(c->in, "expires");
    if (v && !json_is_null(v) &&
        (!json_is_string(v) ||
         strlen(json_string_value(v)) != 10 ||
         !fmt_date_valid(json_string_value(v), 10)))
        return bad(c, "\"expires\" must be a date YYYY-MM-DD");
    if ((rc = opt_string(c, "expires", &rec->expires)))
        return rc;
    return opt_string(c, "owner", &rec->owner);
}

static int check_complete(struct ctx *c)
{
    const liaison_record *rec = &c->r->rec;
    switch (rec->kind) {
    case LIAISON_KIND_PERSON:
    case LIAISON_KIND_ENTITY:
        if (!rec->n_names)
            return bad(c, "a %s record needs at least one name",
                       fmt_record_kind_name(rec->kind));
        break;
    case LIAISON_KIND_DOCUMENT:
        if (!rec->n_documents)
            return bad(c, "a document record needs \"documents\" or a "
                          "\"number\"");
        break;
    case LIAISON_KIND_VEHICLE:
        if (!rec->vin && !rec->plate)
            return bad(c, "a vehicle record needs \"vin\" or \"plate\"");
        break;
    }
    return LIAISON_OK;
}

static int copy_unknown(struct ctx *c)
{
    const char *key;
    json_t *v;
    json_object_foreach(c->in, key, v) {
        size_t i;
        for (i = 0; i < UTIL_ARRAY_LEN(known_fields); i++)
            if (!strcmp(key, known_fields[i]))
                break;
        if (i == UTIL_ARRAY_LEN(known_fields) &&
            json_object_set(c->out, key, v))
            return oom(c);
    }
    return LIAISON_OK;
}

struct dump_state {
    util_buf b;
    int rc;
};

static int dump_cb(const char *buf, size_t size, void *data)
{
    struct dump_state *d = data;
    d->rc = util_buf_add(&d->b, buf, size);
    return d->rc ? -1 : 0;
}

/* Serialise c->out into the arena: one line, compact. */
static int dump(struct ctx *c)
{
    struct dump_state d;
    int rc = LIAISON_OK;
    util_buf_init(&d.b, FMT_JSON_OUT_MAX);
    d.rc = LIAISON_OK;
    if (json_dump_callback(c->out, dump_cb, &d,
                           JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
        rc = d.rc == LIAISON_ETOOBIG
                 ? util_err(c->err, LIAISON_ETOOBIG, 0, 0,
                            "record too large (over %zu bytes as JSON)",
                            FMT_JSON_OUT_MAX)
                 : oom(c);
    } else {
        c->r->json = util_arena_strndup(&c->r->arena, util_buf_str(&d.b),
                                        d.b.len);
        c->r->json_len = d.b.len;
        if (!c->r->json)
            rc = oom(c);
    }
    util_buf_fini(&d.b);
    return rc;
}

static int from_obj(fmt_record *r, json_t *obj, const char *default_list,
                    const char *list_override, int view,
                    struct liaison_err *err)
{
    struct ctx c;
    int rc;
    fmt_record_reset(r);
    if (!json_is_object(obj))
        return util_err(err, LIAISON_EFORMAT, 0, 0, "not a JSON object");
    c.r = r;
    c.in = obj;
    c.err = err;
    c.view = view;
    c.out = json_object();
    if (!c.out)
        return oom(&c);
    rc = do_id_list_kind(&c, default_list, list_override);
    if (!rc)
        rc = do_names(&c);
    if (!rc)
        rc = do_dob(&c);
    if (!rc)
        rc = do_gender(&c);
    if (!rc)
        rc = do_nationalities(&c);
    if (!rc)
        rc = do_documents(&c);
    if (!rc)
        rc = do_vehicle_and_rest(&c);
    if (!rc && r->rec.kind == LIAISON_KIND_DOCUMENT)
        rc = do_top_document(&c);
    if (!rc)
        rc = check_complete(&c);
    if (!rc && !view)
        rc = copy_unknown(&c);
    if (!rc && !view)
        rc = dump(&c);
    json_decref(c.out);
    if (rc)
        fmt_record_reset(r);
    return rc;
}

int fmt_record_from_obj(fmt_record *r, json_t *obj, const char *default_list,
                        const char *list_override, struct liaison_err *err)
{
    return from_obj(r, obj, default_list, list_override, 0, err);
}

static int parse(fmt_record *r, const char *s, size_t len,
                 const char *default_list, const char *list_override,
                 int view, struct liaison_err *err)
{
    json_error_t jerr;
    json_t *obj;
    int rc;
    fmt_record_reset(r);
    if (len > FMT_LINE_MAX)
        return util_err(err, LIAISON_ETOOBIG, 0, 0,
                        "record too large (%zu bytes, limit %zu)", len,
                        FMT_LINE_MAX);
    obj = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        enum json_error_code code = json_error_code(&jerr);
        if (code == json_error_invalid_utf8)
            return util_err(err, LIAISON_EUTF8, 0, jerr.position,
                            "invalid UTF-8 near byte %d", jerr.position);
        if (code == json_error_out_of_memory)
            return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
        return util_err(err, LIAISON_EFORMAT, 0, jerr.position,
                        "invalid JSON: %s (byte %d)", jerr.text,
                        jerr.position);
    }
    rc = from_obj(r, obj, default_list, list_override, view, err);
    json_decref(obj);
    return rc;
}

int fmt_record_parse(fmt_record *r, const char *s, size_t len,
                     const char *default_list, const char *list_override,
                     struct liaison_err *err)
{
    return parse(r, s, len, default_list, list_override, 0, err);
}

int fmt_record_from_json(fmt_record *r, const char *s, size_t len,
                         const char *default_list, struct liaison_err *err)
{
    return parse(r, s, len, default_list, NULL, 0, err);
}

int fmt_record_view(fmt_record *r, const char *s, size_t len,
                    struct liaison_err *err)
{
    return parse(r, s, len, NULL, NULL, 1, err);
}
