/*
** screen_req.c: parsing and checking a POST /v1/screen body (DESIGN
** section 4) into a screening query:
**
**   {"purpose":"border-check",
**    "subject":{"name":"..","dob":"..","nationality":"..","gender":"M",
**               "documents":[{"number":"..","country":"..","type":".."}],
**               "vehicle":{"vin":"..","plate":"..","country":".."}},
**    "mrz":"P<MAR...\n...","threshold":0.8,"limit":10,"partners":false}
**
** Strict on purpose: an unknown field, a wrong type, a bad date or
** country is refused with a message naming the field ("subject.dob"),
** because a typo must never silently screen on less than the officer
** typed.  Everything kept is copied into the caller's arena, so the
** parsed JSON is released before screening.  "partners" asks the partner
** agencies too (fed_screen.c): true for every peer, or a list of agency
** ids (at most SRV_MAX_PARTNERS, each named once).
*/
#include <math.h>
#include <string.h>

#include "server/srv_int.h"

/* Field size caps (bytes). */
#define NAME_MAX_LEN 512
#define DOC_MAX_LEN 64
#define SHORT_MAX_LEN 64
#define MRZ_MAX_LEN 400
#define LIMIT_MAX 100

typedef struct pctx {
    util_arena *a;
    srv_error *e;
    srv_screen_req *out;
} pctx;

static int nomem(pctx *c)
{
    srv_error_set(c->e, 500, "internal", "out of memory");
    return LIAISON_ENOMEM;
}

/* A string field: type, length, no control characters; blank is unset. */
static int get_str(pctx *c, json_t *v, const char *path, size_t max,
                   const char **out)
{
    const char *s;
    size_t n, i;
    *out = NULL;
    if (json_is_null(v))
        return LIAISON_OK;
    if (!json_is_string(v))
        return srv_error_set(c->e, 400, "bad_type", "%s must be a string",
                             path);
    s = json_string_value(v);
    n = json_string_length(v);
    if (n > max)
        return srv_error_set(c->e, 400, "bad_value",
                             "%s is longer than %zu bytes", path, max);
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 && !(ch == '\n' && !strcmp(path, "mrz")) &&
            !(ch == '\r' && !strcmp(path, "mrz")))
            return srv_error_set(c->e, 400, "bad_value",
                                 "%s contains a control character", path);
    }
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return LIAISON_OK;
    if (!(*out = util_arena_strndup(c->a, s, n)))
        return nomem(c);
    return LIAISON_OK;
}

static int get_country(pctx *c, json_t *v, const char *path,
                       const char **out)
{
    const char *s, *a3;
    int rc = get_str(c, v, path, SHORT_MAX_LEN, &s);
    *out = NULL;
    if (rc || !s)
        return rc;
    a3 = util_country_alpha3(s);
    if (!a3)
        a3 = util_country_from_name(s);
    if (!a3)
        return srv_error_set(c->e, 400, "bad_value",
                             "%s: unknown country \"%.40s\" (ISO 3166 "
                             "alpha-2 or alpha-3)", path, s);
    *out = a3;
    return LIAISON_OK;
}

static int get_gender(pctx *c, json_t *v, const char **out)
{
    const char *s;
    int rc = get_str(c, v, "subject.gender", SHORT_MAX_LEN, &s);
    *out = NULL;
    if (rc || !s)
        return rc;
    if (util_streq_nocase(s, "M") || util_streq_nocase(s, "male"))
        *out = "M";
    else if (util_streq_nocase(s, "F") || util_streq_nocase(s, "female"))
        *out = "F";
    else if (!util_streq_nocase(s, "X") && !util_streq_nocase(s, "U"))
        return srv_error_set(c->e, 400, "bad_value",
                             "subject.gender must be M, F or X");
    return LIAISON_OK;
}

static int unknown(pctx *c, const char *where, const char *key)
{
    return srv_error_set(c->e, 400, "unknown_field", "unknown field %s%s"
                         "\"%.40s\"", where, *where ? "." : "", key);
}

static int parse_doc(pctx *c, json_t *d, size_t i)
{
    char path[64];
    const char *key;
    json_t *v;
    int rc = LIAISON_OK;
    if (!json_is_object(d))
        return srv_error_set(c->e, 400, "bad_type",
                             "subject.documents[%zu] must be an object", i);
    json_object_foreach(d, key, v) {
        if (!strcmp(key, "number")) {
            snprintf(path, sizeof(path), "subject.documents[%zu].number", i);
            rc = get_str(c, v, path, DOC_MAX_LEN, &c->out->docs[i].number);
        } else if (!strcmp(key, "country")) {
            snprintf(path, sizeof(path), "subject.documents[%zu].country", i);
            rc = get_country(c, v, path, &c->out->docs[i].country);
        } else if (!strcmp(key, "type")) {
            snprintf(path, sizeof(path), "subject.documents[%zu].type", i);
            rc = get_str(c, v, path, SHORT_MAX_LEN, &c->out->docs[i].type);
        } else {
            snprintf(path, sizeof(path), "subject.documents[%zu]", i);
            rc = unknown(c, path, key);
        }
        if (rc)
            return rc;
    }
    if (!c->out->docs[i].number)
        return srv_error_set(c->e, 400, "missing_field",
                             "subject.documents[%zu].number is required", i);
    return LIAISON_OK;
}

static int parse_vehicle(pctx *c, json_t *o)
{
    const char *key;
    json_t *v;
    int rc = LIAISON_OK;
    liaison_query *q = &c->out->q;
    if (json_is_null(o))
        return LIAISON_OK;
    if (!json_is_object(o))
        return srv_error_set(c->e, 400, "bad_type",
                             "subject.vehicle must be an object");
    json_object_foreach(o, key, v) {
        if (!strcmp(key, "vin"))
            rc = get_str(c, v, "subject.vehicle.vin", DOC_MAX_LEN, &q->vin);
        else if (!strcmp(key, "plate"))
            rc = get_str(c, v, "subject.vehicle.plate", DOC_MAX_LEN,
                         &q->plate);
        else if (!strcmp(key, "country"))
            rc = get_country(c, v, "subject.vehicle.country",
                             &q->plate_country);
        else
            rc = unknown(c, "subject.vehicle", key);
        if (rc)
            return rc;
    }
    return LIAISON_OK;
}

static int parse_subject(pctx *c, json_t *o)
{
    const char *key;
    json_t *v;
    liaison_query *q = &c->out->q;
    int rc = LIAISON_OK;
    if (json_is_null(o))
        return LIAISON_OK;
    if (!json_is_object(o))
        return srv_error_set(c->e, 400, "bad_type",
                             "subject must be an object");
    json_object_foreach(o, key, v) {
        if (!strcmp(key, "name")) {
            rc = get_str(c, v, "subject.name", NAME_MAX_LEN, &q->name);
        } else if (!strcmp(key, "dob")) {
            rc = get_str(c, v, "subject.dob", SHORT_MAX_LEN, &q->dob);
            if (!rc && q->dob && fmt_dob_valid(q->dob))
                rc = srv_error_set(c->e, 400, "bad_value",
                                   "subject.dob: \"%.24s\" is not YYYY, "
                                   "YYYY-MM or YYYY-MM-DD", q->dob);
        } else if (!strcmp(key, "nationality")) {
            rc = get_country(c, v, "subject.nationality", &q->nationality);
        } else if (!strcmp(key, "gender")) {
            rc = get_gender(c, v, &q->gender);
        } else if (!strcmp(key, "documents")) {
            size_t i;
            if (json_is_null(v))
                continue;
            if (!json_is_array(v))
                return srv_error_set(c->e, 400, "bad_type",
                                     "subject.documents must be an array");
            if (json_array_size(v) > SRV_MAX_DOCS)
                return srv_error_set(c->e, 400, "bad_value",
                                     "subject.documents: at most %d "
                                     "documents", SRV_MAX_DOCS);
            for (i = 0; i < json_array_size(v) && !rc; i++)
                rc = parse_doc(c, json_array_get(v, i), i);
            c->out->n_docs = json_array_size(v);
        } else if (!strcmp(key, "vehicle")) {
            rc = parse_vehicle(c, v);
        } else {
            rc = unknown(c, "subject", key);
        }
        if (rc)
            return rc;
    }
    return LIAISON_OK;
}

static int parse_partners(pctx *c, json_t *v)
{
    srv_screen_req *o = c->out;
    size_t i, j;
    if (json_is_null(v) || json_is_boolean(v)) {
        o->partners = json_is_true(v);
        return LIAISON_OK;
    }
    if (!json_is_array(v))
        return srv_error_set(c->e, 400, "bad_type", "partners must be true, "
                             "false or a list of agency ids");
    if (json_array_size(v) == 0 || json_array_size(v) > SRV_MAX_PARTNERS)
        return srv_error_set(c->e, 400, "bad_value", "partners: from 1 to "
                             "%d agency ids", SRV_MAX_PARTNERS);
    for (i = 0; i < json_array_size(v); i++) {
        json_t *a = json_array_get(v, i);
        const char *id = json_string_value(a);
        if (!json_is_string(a) || !fed_agency_ok(id))
            return srv_error_set(c->e, 400, "bad_value", "partners[%zu] "
                                 "must be an agency id", i);
        for (j = 0; j < o->n_partner_ids; j++)
            if (!strcmp(o->partner_ids[j], id))
                return srv_error_set(c->e, 400, "bad_value", "partners: "
                                     "%.64s is named twice", id);
        if (!(o->partner_ids[o->n_partner_ids++] =
                  util_arena_strdup(c->a, id)))
            return nomem(c);
    }
    o->partners = 1;
    return LIAISON_OK;
}

static int parse_number(pctx *c, json_t *v, const char *key)
{
    srv_screen_req *o = c->out;
    if (json_is_null(v))
        return LIAISON_OK;
    if (!strcmp(key, "threshold")) {
        double t;
        if (!json_is_number(v))
            return srv_error_set(c->e, 400, "bad_type",
                                 "threshold must be a number");
        t = json_number_value(v);
        if (!(t >= 0.0 && t <= 1.0))
            return srv_error_set(c->e, 400, "bad_value",
                                 "threshold must be between 0 and 1");
        o->threshold = t;
        return LIAISON_OK;
    }
    if (!json_is_integer(v))
        return srv_error_set(c->e, 400, "bad_type",
                             "limit must be a whole number");
    if (json_integer_value(v) < 1 || json_integer_value(v) > LIMIT_MAX)
        return srv_error_set(c->e, 400, "bad_value",
                             "limit must be between 1 and %d", LIMIT_MAX);
    o->limit = (size_t)json_integer_value(v);
    return LIAISON_OK;
}

/* Fill what the subject left unset from the MRZ (the subject wins: an
** officer's correction beats a misread zone). */
static int merge_mrz(pctx *c, const char *text)
{
    srv_screen_req *o = c->out;
    struct liaison_err err;
    liaison_query mq;
    memset(&err, 0, sizeof(err));
    if (fmt_mrz_parse(text, strlen(text), 0, &o->mrz, &err))
        return srv_error_set(c->e, 400, "bad_value", "mrz: %s", err.msg);
    o->have_mrz = 1;
    fmt_mrz_query(&o->mrz, &mq);
    if (!o->q.name)
        o->q.name = mq.name;
    if (!o->q.dob)
        o->q.dob = mq.dob;
    if (!o->q.nationality)
        o->q.nationality = mq.nationality;
    if (!o->q.gender)
        o->q.gender = mq.gender;
    if (mq.doc && o->n_docs < SRV_MAX_DOCS) {
        size_t i;
        int seen = 0;
        for (i = 0; i < o->n_docs; i++)
            if (!strcmp(o->docs[i].number, mq.doc))
                seen = 1;
        if (!seen) {
            /* The MRZ's document goes first: it is the one presented. */
            memmove(&o->docs[1], &o->docs[0], o->n_docs * sizeof(o->docs[0]));
            o->docs[0].number = mq.doc;
            o->docs[0].country = mq.doc_country;
            o->docs[0].type = NULL;
            o->n_docs++;
        }
    }
    return LIAISON_OK;
}

int srv_screen_parse(const char *body, size_t len,
                     const policy_purposes *purposes,
                     const srv_json_limits *lim, util_arena *a,
                     srv_screen_req *out, srv_error *e)
{
    pctx c;
    json_t *root, *v;
    const char *key, *mrz = NULL;
    int rc = LIAISON_OK;
    memset(out, 0, sizeof(*out));
    out->threshold = -1;
    out->limit = 10;
    c.a = a;
    c.e = e;
    c.out = out;
    root = srv_json_object(body, len, lim, e);
    if (!root)
        return LIAISON_EINVAL;
    json_object_foreach(root, key, v) {
        if (!strcmp(key, "purpose")) {
            rc = get_str(&c, v, "purpose", POLICY_PURPOSE_LEN_MAX + 16,
                         &out->purpose);
        } else if (!strcmp(key, "subject")) {
            rc = parse_subject(&c, v);
        } else if (!strcmp(key, "mrz")) {
            rc = get_str(&c, v, "mrz", MRZ_MAX_LEN, &mrz);
        } else if (!strcmp(key, "threshold") || !strcmp(key, "limit")) {
            rc = parse_number(&c, v, key);
        } else if (!strcmp(key, "partners")) {
            rc = parse_partners(&c, v);
        } else {
            rc = unknown(&c, "", key);
        }
        if (rc)
            break;
    }
    json_decref(root);
    if (rc)
        return rc;
    if (!out->purpose)
        return srv_error_set(e, 400, "purpose_required",
                             "every screening names a purpose (one of the "
                             "configured purposes, e.g. border-check)");
    if (!policy_purpose_allowed(purposes, out->purpose,
                                strlen(out->purpose)))
        return srv_error_set(e, 400, "unknown_purpose",
                             "purpose \"%.48s\" is not one of the purposes "
                             "configured on this node", out->purpose);
    if (mrz && (rc = merge_mrz(&c, mrz)))
        return rc;
    if (out->n_docs) {
        out->q.doc = out->docs[0].number;
        out->q.doc_country = out->docs[0].country;
    }
    if (!out->q.name && !out->q.doc && !out->q.vin && !out->q.plate)
        return srv_error_set(e, 400, "empty_query",
                             "nothing to screen: give subject.name, a "
                             "document, a vehicle or an mrz");
    return LIAISON_OK;
}
