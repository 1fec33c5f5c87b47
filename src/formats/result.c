/*
** result.c: a screening result as one JSON line (DESIGN section 3):
**
**   {"query_id":"q1","query":{"name":"..","dob":".."},
**    "hits":[{"id":"..","list":"..","owner":"..","kind":"person",
**             "score":0.930,"matched":"..","why":["..",..]}],
**    "took_us":41}
**
** Field names and order are a contract with the CLI's and the server's
** clients.  "query_id" and "owner" are left out when unset; query fields
** appear only when set.  Scores have three decimals.
*/
#include <inttypes.h>
#include <string.h>

#include "formats/fmt_int.h"

static int key_str(util_buf *b, int *first, const char *key, const char *v)
{
    int rc;
    if (!v)
        return LIAISON_OK;
    if ((rc = util_buf_add_key(b, key, !*first)))
        return rc;
    *first = 0;
    return fmt_buf_add_json_str(b, v);
}

static int query_json(util_buf *b, const liaison_query *q)
{
    int first = 1, rc;
    if ((rc = util_buf_adds(b, "\"query\":{")))
        return rc;
    if (q) {
        const struct {
            const char *key, *val;
        } f[] = {
            {"name", q->name}, {"dob", q->dob},
            {"nationality", q->nationality}, {"gender", q->gender},
            {"doc", q->doc}, {"doc_country", q->doc_country},
            {"vin", q->vin}, {"plate", q->plate},
            {"plate_country", q->plate_country},
        };
        size_t i;
        for (i = 0; i < UTIL_ARRAY_LEN(f); i++)
            if ((rc = key_str(b, &first, f[i].key, f[i].val)))
                return rc;
    }
    return util_buf_addc(b, '}');
}

static int hit_json(util_buf *b, const liaison_hit *h)
{
    double score = h->score;
    int first = 1, rc;
    size_t i;
    if (!(score >= 0))          /* NaN too */
        score = 0;
    if (score > 1)
        score = 1;
    if ((rc = util_buf_addc(b, '{')) ||
        (rc = key_str(b, &first, "id", h->id ? h->id : "")) ||
        (rc = key_str(b, &first, "list", h->list ? h->list : "")) ||
        (rc = key_str(b, &first, "owner", h->owner)) ||
        (rc = key_str(b, &first, "kind", fmt_record_kind_name(h->kind))) ||
        (rc = util_buf_printf(b, ",\"score\":%.3f", score)) ||
        (rc = key_str(b, &first, "matched", h->matched ? h->matched : "")) ||
        (rc = util_buf_adds(b, ",\"why\":[")))
        return rc;
    for (i = 0; i < h->n_why; i++) {
        if ((i && (rc = util_buf_addc(b, ','))) ||
            (rc = fmt_buf_add_json_str(b, h->why[i] ? h->why[i] : "")))
            return rc;
    }
    return util_buf_adds(b, "]}");
}

int fmt_result_json(util_buf *out, const char *query_id,
                    const liaison_query *q, const liaison_result *res)
{
    size_t start = out->len, i;
    int rc = util_buf_addc(out, '{');
    if (!rc && query_id) {
        rc = util_buf_adds(out, "\"query_id\":");
        if (!rc)
            rc = fmt_buf_add_json_str(out, query_id);
        if (!rc)
            rc = util_buf_addc(out, ',');
    }
    if (!rc)
        rc = query_json(out, q);
    if (!rc)
        rc = util_buf_adds(out, ",\"hits\":[");
    for (i = 0; !rc && res && i < res->n_hits; i++) {
        if (i)
            rc = util_buf_addc(out, ',');
        if (!rc)
            rc = hit_json(out, &res->hits[i]);
    }
    if (!rc)
        rc = util_buf_printf(out, "],\"took_us\":%" PRIu64 "}",
                             res ? res->took_us : 0);
    if (rc) {
        /* Leave the buffer as it was. */
        out->len = start;
        if (out->p)
            out->p[start] = '\0';
    }
    return rc;
}

int fmt_result_audit_json(util_buf *out, const char *query_id,
                          const liaison_query *q, const liaison_result *res,
                          const char *via)
{
    size_t start = out->len, i, n = res ? res->n_hits : 0;
    int first = 1;
    int rc = util_buf_addc(out, '{');
    if (!rc && query_id) {
        rc = key_str(out, &first, "query_id", query_id);
        if (!rc)
            rc = util_buf_addc(out, ',');
    }
    if (!rc)
        rc = query_json(out, q);
    if (!rc)
        rc = util_buf_printf(out, ",\"hits\":%zu,\"records\":[", n);
    for (i = 0; !rc && i < n; i++) {
        if (i)
            rc = util_buf_addc(out, ',');
        if (!rc)
            rc = fmt_buf_add_json_str(out, res->hits[i].id ? res->hits[i].id
                                                           : "");
    }
    if (!rc)
        rc = util_buf_addc(out, ']');
    first = 0;
    if (!rc)
        rc = key_str(out, &first, "via", via);
    if (!rc)
        rc = util_buf_addc(out, '}');
    if (rc) {
        out->len = start;
        if (out->p)
            out->p[start] = '\0';
    }
    return rc;
}
