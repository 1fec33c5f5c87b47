/*
** load.c: building a screening engine from the store for one view.
**
** Every stored record is parsed back from its canonical JSON (the one
** source of truth: what was imported is what is screened), filtered by
** the view's sharing rules and expiry, and added to a fresh engine, which
** is then built.  The caller swaps the new engine in when it is ready, so
** readers never see a half-loaded index.
*/
#include <string.h>
#include <time.h>

#include "formats/formats.h"
#include "policy/policy.h"
#include "util/util.h"

typedef struct load_ctx {
    liaison_engine *e;
    policy_view view;
    const char *node_agency;    /* the store's agency; may be NULL */
    char today[11];
    fmt_record rec;
    policy_load_stats st;
    struct liaison_err *err;
} load_ctx;

int policy_view_allows(policy_view view, liaison_sharing sharing)
{
    if (view == POLICY_VIEW_OWN)
        return 1;
    return sharing == LIAISON_SHARE_HIT || sharing == LIAISON_SHARE_DETAILS;
}

static int on_rec(void *ud, const store_rec *r)
{
    load_ctx *c = ud;
    struct liaison_err perr;
    int rc;
    memset(&perr, 0, sizeof(perr));
    rc = fmt_record_view(&c->rec, r->json, r->json_len, &perr);
    if (rc) {
        c->st.bad++;
        return LIAISON_OK;
    }
    if (!policy_view_allows(c->view, c->rec.rec.sharing)) {
        c->st.skipped_sharing++;
        return LIAISON_OK;
    }
    /* A node shares only its own records: one held for another agency
    ** (its owner says so) is that agency's to share, not this node's. */
    if (c->view == POLICY_VIEW_PARTNER && c->rec.rec.owner &&
        *c->rec.rec.owner &&
        (!c->node_agency || strcmp(c->rec.rec.owner, c->node_agency))) {
        c->st.skipped_sharing++;
        return LIAISON_OK;
    }
    if (c->rec.rec.expires && strlen(c->rec.rec.expires) >= 10 &&
        strncmp(c->rec.rec.expires, c->today, 10) < 0) {
        c->st.skipped_expired++;
        return LIAISON_OK;
    }
    rc = liaison_engine_add(c->e, &c->rec.rec);
    if (rc == LIAISON_EUTF8 || rc == LIAISON_EINVAL) {
        c->st.bad++;
        return LIAISON_OK;
    }
    if (rc)
        return util_err(c->err, rc, 0, 0, "indexing record %s: %s", r->id,
                        liaison_strerror(rc));
    c->st.loaded++;
    return LIAISON_OK;
}

int policy_engine_load(store *s, policy_view view, const char *today,
                       const liaison_engine_opts *opts,
                       liaison_engine **out, policy_load_stats *stats,
                       struct liaison_err *err)
{
    load_ctx c;
    int rc;
    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.view = view;
    c.node_agency = store_agency(s);
    c.err = err;
    if (today) {
        util_strlcpy(c.today, today, sizeof(c.today));
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(c.today, sizeof(c.today), "%Y-%m-%d", &tm);
    }
    rc = liaison_engine_new(opts, &c.e, err);
    if (rc)
        return rc;
    fmt_record_init(&c.rec);
    rc = store_record_each(s, on_rec, &c);
    fmt_record_fini(&c.rec);
    if (rc && err && !err->msg[0])
        util_err(err, rc, 0, 0, "reading the store: %s", liaison_strerror(rc));
    if (!rc) {
        rc = liaison_engine_build(c.e);
        if (rc)
            util_err(err, rc, 0, 0, "building the index: %s",
                     liaison_strerror(rc));
    }
    if (rc) {
        liaison_engine_free(c.e);
        return rc;
    }
    if (stats)
        *stats = c.st;
    *out = c.e;
    return LIAISON_OK;
}
