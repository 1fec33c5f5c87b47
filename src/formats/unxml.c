/*
** unxml.c: the UN Security Council consolidated list (XML, schema
** sc-sanctions.xsd) into native records.
**
**   <CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>..</INDIVIDUAL>..
**                      <ENTITIES><ENTITY>..</ENTITY>..
**
** Each INDIVIDUAL or ENTITY becomes one record "un-<REFERENCE_NUMBER>":
** FIRST_NAME..FOURTH_NAME joined as the primary name, NAME_ORIGINAL_SCRIPT
** as "original", aliases by QUALITY (Good/a.k.a. "alias", Low "low",
** f.k.a. "fka"), dates of birth (EXACT and APPROXIMATELY with DATE or YEAR,
** BETWEEN with FROM_YEAR/TO_YEAR as an interval), nationalities by name
** (unknown ones kept as "nationality_text"), documents with their issuing
** country.  Everything else useful is kept in the JSON.
**
** Safety: libxml2 parses from memory with XML_PARSE_NONET and without
** entity substitution or DTD loading; a document that has a DTD at all is
** refused, so neither external entities (XXE) nor entity expansion can
** reach us.  Parser messages are not printed; the last one is returned.
*/
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "formats/fmt_int.h"

static int is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE &&
           !strcmp((const char *)n->name, name);
}

/* The first element child called name, or NULL. */
static xmlNode *child(const xmlNode *n, const char *name)
{
    xmlNode *c;
    for (c = n ? n->children : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

/* The text of n, blanks collapsed; NULL when empty, or when memory ran
** out, which sets *oom (never clears it: entry_json() checks it once). */
static json_t *text_of(const xmlNode *n, int *oom)
{
    xmlChar *s;
    json_t *v;
    if (!n)
        return NULL;
    s = xmlNodeGetContent(n);
    if (!s)
        return NULL;
    v = fmt_json_text((const char *)s, strlen((const char *)s), oom);
    xmlFree(s);
    return v;
}

/* The text of the child called name as a C string in *buf (or NULL). */
static const char *child_str(const xmlNode *n, const char *name,
                             char *buf, size_t size, int *oom)
{
    json_t *v = text_of(child(n, name), oom);
    if (!v)
        return NULL;
    util_strlcpy(buf, json_string_value(v), size);
    json_decref(v);
    return buf;
}

/* obj[key] = text of the child called name, when it has text. */
static int copy_child(json_t *obj, const char *key, const xmlNode *n,
                      const char *name, int *oom)
{
    json_t *v = text_of(child(n, name), oom);
    if (!v)
        return *oom ? LIAISON_ENOMEM : LIAISON_OK;
    return fmt_json_set(obj, key, v);
}

/* Get (creating) the array obj[key]. */
static json_t *array_of(json_t *obj, const char *key)
{
    json_t *a = json_object_get(obj, key);
    if (a)
        return a;
    a = json_array();
    return fmt_json_set(obj, key, a) ? NULL : a;
}

/* Append the texts of all <VALUE> children of the child called name. */
static int values(json_t *obj, const char *key, const xmlNode *n,
                  const char *name, int *oom)
{
    const xmlNode *c, *list = child(n, name);
    int rc = LIAISON_OK;
    for (c = list ? list->children : NULL; c && !rc; c = c->next) {
        json_t *v, *arr;
        if (!is(c, "VALUE"))
            continue;
        if (!(v = text_of(c, oom))) {
            rc = *oom ? LIAISON_ENOMEM : LIAISON_OK;
            continue;
        }
        if (!(arr = array_of(obj, key))) {
            json_decref(v);
            return LIAISON_ENOMEM;
        }
        rc = fmt_json_append(arr, v);
    }
    return rc;
}

static int add_name(json_t *names, json_t *full, const char *type)
{
    json_t *n;
    size_t i;
    json_t *e;
    /* The same name twice (alias equal to the primary) adds nothing. */
    json_array_foreach(names, i, e) {
        if (json_equal(json_object_get(e, "full"), full)) {
            json_decref(full);
            return LIAISON_OK;
        }
    }
    n = json_object();
    if (fmt_json_set(n, "full", full) ||
        (type && fmt_json_set(n, "type", json_string(type)))) {
        json_decref(n);
        return LIAISON_ENOMEM;
    }
    return fmt_json_append(names, n);
}

/* Primary name (FIRST..FOURTH_NAME), original script, aliases. */
static int names_of(const xmlNode *n, const char *alias_el, json_t *names,
                    int *oom)
{
    static const char *const parts[] = {"FIRST_NAME", "SECOND_NAME",
                                        "THIRD_NAME", "FOURTH_NAME"};
    util_buf b;
    const xmlNode *c;
    json_t *v;
    size_t i;
    int rc = LIAISON_OK;
    util_buf_init(&b, FMT_JSON_OUT_MAX);
    for (i = 0; i < UTIL_ARRAY_LEN(parts) && !rc; i++) {
        if (!(v = text_of(child(n, parts[i]), oom))) {
            rc = *oom ? LIAISON_ENOMEM : LIAISON_OK;
            continue;
        }
        if (b.len)
            rc = util_buf_addc(&b, ' ');
        if (!rc)
            rc = util_buf_adds(&b, json_string_value(v));
        json_decref(v);
    }
    if (!rc && b.len)
        rc = add_name(names, json_stringn(b.p, b.len), NULL);
    util_buf_fini(&b);
    if (!rc && (v = text_of(child(n, "NAME_ORIGINAL_SCRIPT"), oom)))
        rc = add_name(names, v, "original");
    for (c = n->children; c && !rc; c = c->next) {
        char q[32];
        const char *type = "alias";
        if (!is(c, alias_el) || !(v = text_of(child(c, "ALIAS_NAME"), oom)))
            continue;
        if (child_str(c, "QUALITY", q, sizeof(q), oom)) {
            if (util_streq_nocase(q, "Low"))
                type = "low";
            else if (util_streq_nocase(q, "f.k.a."))
                type = "fka";
        }
        rc = add_name(names, v, type);
    }
    return rc;
}

/* Append the text of n's NOTE child to the array obj[key]. */
static int copy_note(json_t *obj, const char *key, const xmlNode *n,
                     int *oom)
{
    json_t *v = text_of(child(n, "NOTE"), oom), *arr;
    size_t i;
    json_t *e;
    if (!v)
        return *oom ? LIAISON_ENOMEM : LIAISON_OK;
    if (!(arr = array_of(obj, key))) {
        json_decref(v);
        return LIAISON_ENOMEM;
    }
    json_array_foreach(arr, i, e) {
        if (json_equal(e, v)) {
            json_decref(v);
            return LIAISON_OK;
        }
    }
    return fmt_json_append(arr, v);
}

/* One <INDIVIDUAL_DATE_OF_BIRTH> (or an alias's DATE_OF_BIRTH) into
** "dob"; what cannot be read goes to "dob_text". */
static int dob_of(json_t *obj, const xmlNode *d, int *oom)
{
    char date[64], from[16], to[16], iso[40];
    const char *s;
    json_t *arr;
    int rc;
    if (is(d, "DATE_OF_BIRTH"))
        s = child_str(d->parent, "DATE_OF_BIRTH", date, sizeof(date), oom);
    else if (!(s = child_str(d, "DATE", date, sizeof(date), oom)))
        s = child_str(d, "YEAR", date, sizeof(date), oom);
    iso[0] = '\0';
    if (s) {
        /* "1960-01-01T00:00:00" or with a zone: the date part counts. */
        size_t n = strlen(s) > 10 && s[10] == 'T' ? 10 : strlen(s);
        snprintf(iso, sizeof(iso), "%.*s", (int)n, s);
    } else if (child_str(d, "FROM_YEAR", from, sizeof(from), oom) &&
               child_str(d, "TO_YEAR", to, sizeof(to), oom)) {
        if (!strcmp(from, to))
            snprintf(iso, sizeof(iso), "%s", from);
        else
            snprintf(iso, sizeof(iso), "%s/%s", from, to);
        s = iso;
    }
    if (!s)
        return is(d, "DATE_OF_BIRTH") ? LIAISON_OK
                                      : copy_note(obj, "dob_text", d, oom);
    if (fmt_dob_valid(iso) != LIAISON_OK) {
        if (!(arr = array_of(obj, "dob_text")))
            return LIAISON_ENOMEM;
        return fmt_json_append_unique(arr, s);
    }
    if (!(arr = array_of(obj, "dob")))
        return LIAISON_ENOMEM;
    rc = fmt_json_append_unique(arr, iso);
    return rc;
}

/* NATIONALITY/VALUE country names to alpha-3; unknown ones kept as text. */
static int nationalities_of(json_t *obj, const xmlNode *n, int *oom)
{
    const xmlNode *c, *list = child(n, "NATIONALITY");
    int rc = LIAISON_OK;
    for (c = list ? list->children : NULL; c && !rc; c = c->next) {
        json_t *v, *arr;
        const char *a3;
        if (!is(c, "VALUE") || !(v = text_of(c, oom)))
            continue;
        a3 = util_country_from_name(json_string_value(v));
        arr = array_of(obj, a3 ? "nationalities" : "nationality_text");
        if (!arr)
            rc = LIAISON_ENOMEM;
        else
            rc = fmt_json_append_unique(arr, a3 ? a3 : json_string_value(v));
        json_decref(v);
    }
    return rc;
}

/* "Passport", "Numéro de passeport", "National Identification Number". */
static const char *doc_type(const char *t)
{
    static const struct {
        const char *word, *type;
    } map[] = {
        {"passport", "passport"}, {"passeport", "passport"},
        {"pasaporte", "passport"}, {"identification", "national-id"},
        {"identit", "national-id"}, {"identidad", "national-id"},
    };
    char low[128];
    size_t i;
    for (i = 0; t[i] && i + 1 < sizeof(low); i++)
        low[i] = (char)(t[i] >= 'A' && t[i] <= 'Z' ? t[i] + 32 : t[i]);
    low[i] = '\0';
    for (i = 0; i < UTIL_ARRAY_LEN(map); i++)
        if (strstr(low, map[i].word))
            return map[i].type;
    return NULL;
}

/* One INDIVIDUAL_DOCUMENT: with a NUMBER into "documents", otherwise (a
** note only) into "other_documents". */
static int document_of(json_t *obj, const xmlNode *d, int *oom)
{
    static const char *const extra[][2] = {
        {"type_detail", "TYPE_OF_DOCUMENT2"}, {"date_of_issue",
        "DATE_OF_ISSUE"}, {"city_of_issue", "CITY_OF_ISSUE"},
        {"note", "NOTE"},
    };
    json_t *doc, *arr, *v;
    const char *country;
    char buf[256];
    size_t i;
    int rc;
    if (!d->children)
        return LIAISON_OK;
    doc = json_object();
    rc = doc ? LIAISON_OK : LIAISON_ENOMEM;
    if (!rc && (v = text_of(child(d, "TYPE_OF_DOCUMENT"), oom))) {
        const char *t = doc_type(json_string_value(v));
        rc = fmt_json_set(doc, "type", t ? json_string(t) : json_incref(v));
        if (!rc && t)
            rc = fmt_json_set(doc, "type_text", json_incref(v));
        json_decref(v);
    }
    if (!rc)
        rc = copy_child(doc, "number", d, "NUMBER", oom);
    country = child_str(d, "ISSUING_COUNTRY", buf, sizeof(buf), oom);
    if (!country)
        country = child_str(d, "COUNTRY_OF_ISSUE", buf, sizeof(buf), oom);
    if (!rc && country) {
        const char *a3 = util_country_from_name(country);
        rc = a3 ? fmt_json_set(doc, "country", json_string(a3))
                : fmt_json_set(doc, "country_text", json_string(country));
    }
    for (i = 0; i < UTIL_ARRAY_LEN(extra) && !rc; i++)
        rc = copy_child(doc, extra[i][0], d, extra[i][1], oom);
    if (!rc && json_object_size(doc) == 0) {
        json_decref(doc);
        return LIAISON_OK;
    }
    arr = rc ? NULL
             : array_of(obj, json_object_get(doc, "number")
                                 ? "documents" : "other_documents");
    if (!arr) {
        json_decref(doc);
        return LIAISON_ENOMEM;
    }
    return fmt_json_append(arr, doc);
}

/* INDIVIDUAL_ADDRESS / ENTITY_ADDRESS / INDIVIDUAL_PLACE_OF_BIRTH. */
static int place_of(json_t *obj, const char *key, const xmlNode *a,
                    int *oom)
{
    static const char *const parts[][2] = {
        {"street", "STREET"}, {"city", "CITY"},
        {"state_province", "STATE_PROVINCE"}, {"zip_code", "ZIP_CODE"},
        {"country", "COUNTRY"}, {"note", "NOTE"},
    };
    json_t *o = json_object(), *arr;
    size_t i;
    int rc = o ? LIAISON_OK : LIAISON_ENOMEM;
    for (i = 0; i < UTIL_ARRAY_LEN(parts) && !rc; i++)
        rc = copy_child(o, parts[i][0], a, parts[i][1], oom);
    if (!rc && json_object_size(o) == 0) {
        json_decref(o);
        return LIAISON_OK;
    }
    if (rc || !(arr = array_of(obj, key))) {
        json_decref(o);
        return LIAISON_ENOMEM;
    }
    return fmt_json_append(arr, o);
}

/* The native JSON of one INDIVIDUAL or ENTITY; *why says what is wrong
** when the entry cannot be a record (no reference number). */
static int entry_json(const xmlNode *n, int person, json_t **out,
                      const char **why, int *oom)
{
    const char *pre = person ? "INDIVIDUAL" : "ENTITY";
    char ref[128], id[160], el[48];
    json_t *obj = json_object(), *names = json_array();
    const xmlNode *c;
    int rc;
    *out = NULL;
    *why = NULL;
    if (!child_str(n, "REFERENCE_NUMBER", ref, sizeof(ref), oom)) {
        *why = "no REFERENCE_NUMBER";
        if (*oom) {
            json_decref(obj);
            json_decref(names);
            return LIAISON_ENOMEM;
        }
        json_decref(obj);
        json_decref(names);
        return LIAISON_EINVAL;
    }
    snprintf(id, sizeof(id), "un-%s", ref);
    rc = fmt_json_set(obj, "id", json_string(id));
    if (!rc)
        rc = fmt_json_set(obj, "kind", json_string(person ? "person"
                                                          : "entity"));
    if (!rc)
        rc = fmt_json_set(obj, "names", json_incref(names));
    snprintf(el, sizeof(el), "%s_ALIAS", pre);
    if (!rc)
        rc = names_of(n, el, names, oom);
    if (!rc && person) {
        json_t *g = text_of(child(n, "GENDER"), oom);
        const char *s = g ? json_string_value(g) : "";
        if (util_streq_nocase(s, "Male") || util_streq_nocase(s, "Female"))
            rc = fmt_json_set(obj, "gender", json_string(s[0] == 'M' ||
                                                         s[0] == 'm'
                                                             ? "M" : "F"));
        json_decref(g);
    }
    if (!rc)
        rc = nationalities_of(obj, n, oom);
    for (c = n->children; c && !rc; c = c->next) {
        if (is(c, "INDIVIDUAL_DATE_OF_BIRTH"))
            rc = dob_of(obj, c, oom);
        else if (is(c, "INDIVIDUAL_ALIAS") && child(c, "DATE_OF_BIRTH"))
            rc = dob_of(obj, child(c, "DATE_OF_BIRTH"), oom);
        else if (is(c, "INDIVIDUAL_DOCUMENT"))
            rc = document_of(obj, c, oom);
        else if (is(c, "INDIVIDUAL_ADDRESS") || is(c, "ENTITY_ADDRESS"))
            rc = place_of(obj, "addresses", c, oom);
        else if (is(c, "INDIVIDUAL_PLACE_OF_BIRTH"))
            rc = place_of(obj, "places_of_birth", c, oom);
    }
    if (!rc)
        rc = fmt_json_set(obj, "category", json_string("sanctions"));
    if (!rc)
        rc = copy_child(obj, "un_list_type", n, "UN_LIST_TYPE", oom);
    if (!rc)
        rc = copy_child(obj, "un_dataid", n, "DATAID", oom);
    if (!rc)
        rc = copy_child(obj, "listed_on", n, "LISTED_ON", oom);
    if (!rc)
        rc = copy_child(obj, "comments", n, "COMMENTS1", oom);
    if (!rc)
        rc = values(obj, "title", n, "TITLE", oom);
    if (!rc)
        rc = values(obj, "designation", n, "DESIGNATION", oom);
    if (!rc)
        rc = values(obj, "last_updated", n, "LAST_DAY_UPDATED", oom);
    json_decref(names);
    /* A text lost for lack of memory must not go unnoticed. */
    if (!rc && *oom)
        rc = LIAISON_ENOMEM;
    if (rc) {
        json_decref(obj);
        return rc;
    }
    *out = obj;
    return LIAISON_OK;
}

struct un {
    fmt_record r;
    const char *list_name;
    fmt_record_fn on_record;
    fmt_error_fn on_error;
    void *ud;
};

/* Turn one entry into a record and deliver it; a bad entry is reported
** with its line.  Returns non-zero to stop. */
static int entry(struct un *u, const xmlNode *n, int person)
{
    const char *pre = person ? "INDIVIDUAL" : "ENTITY", *why;
    long line = xmlGetLineNo(n);
    struct liaison_err err;
    json_t *obj;
    int oom = 0, rc = entry_json(n, person, &obj, &why, &oom);
    if (rc == LIAISON_EINVAL)
        return fmt_report(u->on_error, u->ud, LIAISON_EFORMAT, line,
                          "line %ld: %s: %s", line, pre, why);
    if (rc)
        return rc;
    rc = fmt_record_from_obj(&u->r, obj, "un-sc", u->list_name, &err);
    if (rc && rc != LIAISON_ENOMEM)
        rc = fmt_report(u->on_error, u->ud, rc, line, "line %ld: %s %s: %s",
                        line, pre,
                        json_string_value(json_object_get(obj, "id")),
                        err.msg);
    else if (!rc && u->on_record)
        rc = u->on_record(u->ud, &u->r);
    json_decref(obj);
    return rc;
}

static int walk(struct un *u, const xmlNode *root)
{
    const xmlNode *group, *n;
    int rc = 0;
    for (group = root->children; group && !rc; group = group->next) {
        int person = is(group, "INDIVIDUALS");
        if (!person && !is(group, "ENTITIES"))
            continue;
        for (n = group->children; n && !rc; n = n->next)
            if (is(n, person ? "INDIVIDUAL" : "ENTITY"))
                rc = entry(u, n, person);
    }
    return rc;
}

/* libxml2 reports some errors (character encoding conversion) through its
** generic handler, which prints to stderr; the library never prints, so
** that handler is silenced while we parse (it is per thread in libxml2). */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* The parser's last message, without its final newline. */
static int xml_error(xmlParserCtxtPtr ctxt, struct liaison_err *err)
{
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    char msg[256];
    size_t n;
    util_strlcpy(msg, e && e->message ? e->message : "not well-formed",
                 sizeof(msg));
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    return util_err(err, LIAISON_EFORMAT, e ? e->line : 0, 0,
                    "malformed XML at line %d: %s", e ? e->line : 0, msg);
}

int fmt_unxml_read_mem(const char *data, size_t len, const char *list_name,
                       fmt_record_fn on_record, fmt_error_fn on_error,
                       void *ud, struct liaison_err *err)
{
    xmlGenericErrorFunc old_handler;
    xmlParserCtxtPtr ctxt;
    void *old_ctx;
    xmlDocPtr doc;
    xmlNode *root;
    struct un u;
    int rc;
    if (len > FMT_FILE_MAX || len > INT_MAX)
        return util_err(err, LIAISON_ETOOBIG, 0, 0, "XML file too large");
    xmlInitParser();
    if (!(ctxt = xmlNewParserCtxt()))
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    old_handler = xmlGenericError;
    old_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
    xmlSetGenericErrorFunc(old_ctx, old_handler);
    if (!doc || !ctxt->wellFormed) {
        rc = xml_error(ctxt, err);
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        rc = util_err(err, LIAISON_EFORMAT, 1, 0,
                      "XML with a DTD is not accepted");
        goto out;
    }
    root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "CONSOLIDATED_LIST")) {
        rc = util_err(err, LIAISON_EFORMAT, root ? xmlGetLineNo(root) : 0, 0,
                      "not a UN consolidated list (root element %.64s)",
                      root ? (const char *)root->name : "none");
        goto out;
    }
    memset(&u, 0, sizeof(u));
    fmt_record_init(&u.r);
    u.list_name = list_name;
    u.on_record = on_record;
    u.on_error = on_error;
    u.ud = ud;
    rc = walk(&u, root);
    fmt_record_fini(&u.r);
    if (rc == LIAISON_ENOMEM)
        util_err(err, rc, 0, 0, "out of memory");
out:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
