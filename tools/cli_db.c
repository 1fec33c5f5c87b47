/*
** cli_db.c: `liaison init`, `liaison import` and `liaison stats`.
**
** `init --agency` also makes the node's federation key pair (a file of
** its own, mode 0600: federation/identity.c).
**
** An import is one transaction per file: all of it or none of it.  Bad
** lines or entries are reported with their line numbers and skipped; the
** rest of the file is imported.  A crash or Ctrl-C at any point leaves the
** store as it was before the file.
*/
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "federation/fed.h"
#include "formats/formats.h"
#include "store/store.h"
#include "util/util.h"

/* ---------------------------------------------------------------- init */

static const char init_usage[] =
    "usage: liaison init [--db PATH] [--agency ID] [--key-file FILE]\n"
    "\n"
    "Create a new store (SQLite file, default ./" CLI_DEFAULT_DB ").\n"
    "  --db PATH      store file to create\n"
    "  --agency ID    this node's agency id (e.g. MA-DGSN); also makes the\n"
    "                 node's federation key pair (liaison key show)\n"
    "  --key-file F   where the secret key goes (mode 0600; default\n"
    "                 PATH.key; required for a PostgreSQL store)\n";

int cli_init(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"agency", required_argument, NULL, 'a'},
        {"key-file", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = CLI_DEFAULT_DB, *agency = NULL, *keyfile = NULL;
    char keypath[4096] = "", pk[FED_PK_B64_LEN + 1];
    struct liaison_err err;
    int c, rc;
    memset(&err, 0, sizeof(err));
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a': agency = optarg; break;
        case 'k': keyfile = optarg; break;
        case 'h': return cli_usage(stdout, init_usage, CLI_OK);
        default: return cli_usage(stderr, init_usage, CLI_ERROR);
        }
    }
    if (optind != argc)
        return cli_usage(stderr, init_usage, CLI_ERROR);
    if (agency && !fed_agency_ok(agency))
        return cli_fail("init", "--agency: 1 to 64 of A-Z a-z 0-9 . _ - @");
    /* The key first (O_EXCL): a key file left by another store is never
    ** overwritten, and a failed store leaves no key behind. */
    if (agency && keyfile)
        util_strlcpy(keypath, keyfile, sizeof(keypath));
    else if (agency && fed_key_default_path(db, keypath, sizeof(keypath)))
        keypath[0] = '\0';
    if (keypath[0] && (rc = fed_identity_create(keypath, pk, &err)))
        return cli_fail("init", "%s", err.msg);
    rc = store_create(db, agency, &err);
    if (rc) {
        if (keypath[0])
            unlink(keypath);
        return cli_fail("init", "%s: %s", db,
                        err.msg[0] ? err.msg : liaison_strerror(rc));
    }
    fprintf(stderr, "liaison: created %s%s%s\n", db, agency ? " for " : "",
            agency ? agency : "");
    if (keypath[0])
        fprintf(stderr, "liaison: federation key in %s; public key %s "
                "(liaison key show)\n", keypath, pk);
    else if (agency)
        fprintf(stderr, "liaison: no federation key made (a PostgreSQL "
                "store needs --key-file)\n");
    return CLI_OK;
}

/* ---------------------------------------------------------------- import */

static const char import_usage[] =
    "usage: liaison import [--db PATH] [--list NAME] [--format F] FILE...\n"
    "\n"
    "Import watchlist files into the store, one transaction per file.\n"
    "  --db PATH      store (default ./" CLI_DEFAULT_DB ")\n"
    "  --list NAME    put the records in this list (default: the file's own)\n"
    "  --format F     auto (default), jsonl, ofac-csv (sdn.csv with alt.csv\n"
    "                 and add.csv beside it), un-xml\n"
    "Bad lines are reported with their line numbers and skipped; the rest of\n"
    "the file is imported.  Exit status 2 when any line was bad.\n";

typedef struct import_ctx {
    store *s;
    const char *path;
    const char *agency;         /* this node's, for the audit trail */
    long ok, bad;
    int fatal;
    util_buf detail;            /* audit entry being written */
    struct liaison_err err;
} import_ctx;

static const char *sharing_name(liaison_sharing s)
{
    switch (s) {
    case LIAISON_SHARE_NONE: return "none";
    case LIAISON_SHARE_DETAILS: return "details";
    default: return "hit";
    }
}

/* Append the entry built in c->detail (rc: how building it went). */
static int append_detail(import_ctx *c, int rc, const char *action)
{
    if (!rc)
        rc = cli_audit_append(c->s, c->agency, action, NULL,
                              util_buf_str(&c->detail));
    if (rc)
        snprintf(c->err.msg, sizeof(c->err.msg), "writing the audit trail: "
                 "%s", store_last_error(c->s));
    return rc;
}

/* Each record written goes to the audit trail as the server's record
** uploads do ("record.put"), in the import's own transaction: a rolled
** back file leaves no entries either. */
static int audit_record(import_ctx *c, const fmt_record *r)
{
    unsigned char h[32];
    char hex[65];
    int rc;
    crypto_generichash(h, sizeof(h), (const unsigned char *)r->json,
                       r->json_len, NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    util_buf_reset(&c->detail);
    rc = util_buf_adds(&c->detail, "{\"id\":");
    if (!rc)
        rc = util_buf_add_json_str(&c->detail, r->rec.id, strlen(r->rec.id));
    if (!rc)
        rc = util_buf_adds(&c->detail, ",\"list\":");
    if (!rc)
        rc = util_buf_add_json_str(&c->detail, r->rec.list,
                                   strlen(r->rec.list));
    if (!rc && r->rec.owner) {
        rc = util_buf_adds(&c->detail, ",\"owner\":");
        if (!rc)
            rc = util_buf_add_json_str(&c->detail, r->rec.owner,
                                       strlen(r->rec.owner));
    }
    if (!rc)
        rc = util_buf_printf(&c->detail, ",\"kind\":\"%s\","
                             "\"content_blake2b\":\"%s\",\"via\":"
                             "\"cli-import\",\"file\":",
                             fmt_record_kind_name(r->rec.kind), hex);
    if (!rc)
        rc = util_buf_add_json_str(&c->detail, c->path, strlen(c->path));
    if (!rc)
        rc = util_buf_addc(&c->detail, '}');
    return append_detail(c, rc, "record.put");
}

static int on_record(void *ud, const fmt_record *r)
{
    import_ctx *c = ud;
    store_rec sr;
    int rc;
    memset(&sr, 0, sizeof(sr));
    sr.id = r->rec.id;
    sr.list = r->rec.list;
    sr.kind = fmt_record_kind_name(r->rec.kind);
    sr.owner = r->rec.owner;
    sr.sharing = sharing_name(r->rec.sharing);
    sr.n_names = (long)r->rec.n_names;
    sr.json = r->json;
    sr.json_len = r->json_len;
    rc = store_record_put(c->s, &sr, &c->err);
    if (!rc)
        rc = audit_record(c, r);
    if (rc) {
        c->fatal = 1;
        return rc;
    }
    c->ok++;
    return LIAISON_OK;
}

static int on_error(void *ud, const struct liaison_err *e)
{
    import_ctx *c = ud;
    c->bad++;
    fprintf(stderr, "liaison import: %s: %s\n", c->path, e->msg);
    return LIAISON_OK;
}

/* Detect the format of path from its name and first bytes. */
static fmt_kind detect(const char *path)
{
    char head[4096];
    size_t n = 0;
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
    if (f) {
        n = fread(head, 1, sizeof(head), f);
        fclose(f);
    }
    return fmt_detect(path, head, n);
}

/* The file as a whole: what it was, how much of it went in. */
static int audit_import(import_ctx *c, fmt_kind kind, const char *list)
{
    int rc;
    util_buf_reset(&c->detail);
    rc = util_buf_adds(&c->detail, "{\"file\":");
    if (!rc)
        rc = util_buf_add_json_str(&c->detail, c->path, strlen(c->path));
    if (!rc)
        rc = util_buf_printf(&c->detail, ",\"format\":\"%s\"",
                             fmt_kind_name(kind));
    if (!rc && list) {
        rc = util_buf_adds(&c->detail, ",\"list\":");
        if (!rc)
            rc = util_buf_add_json_str(&c->detail, list, strlen(list));
    }
    if (!rc)
        rc = util_buf_printf(&c->detail, ",\"imported\":%ld,\"skipped\":"
                             "%ld,\"via\":\"cli-import\"}", c->ok, c->bad);
    return append_detail(c, rc, "records.import");
}

static int import_file(store *s, const char *path, fmt_kind kind,
                       const char *list, long *bad_total)
{
    import_ctx c;
    int rc;
    memset(&c, 0, sizeof(c));
    c.s = s;
    c.path = path;
    if (kind == FMT_UNKNOWN) {
        kind = strcmp(path, "-") ? detect(path) : FMT_JSONL;
        if (kind == FMT_UNKNOWN)
            return cli_fail("import", "%s: cannot tell the format; give "
                            "--format jsonl|ofac-csv|un-xml", path);
    }
    rc = store_begin(s);
    if (rc)
        return cli_fail("import", "%s: cannot start a transaction: %s", path,
                        store_last_error(s));
    c.agency = store_agency(s);
    util_buf_init(&c.detail, 64 * 1024);
    rc = fmt_read_file(kind, path, list, on_record, on_error, &c, &c.err);
    if (!rc)
        rc = audit_import(&c, kind, list);
    util_buf_fini(&c.detail);
    if (rc) {
        store_rollback(s);
        return cli_fail("import", "%s: %s; nothing imported from this file",
                        path, c.err.msg[0] ? c.err.msg : liaison_strerror(rc));
    }
    rc = store_commit(s);
    if (rc)
        return cli_fail("import", "%s: commit failed (%s); nothing imported "
                        "from this file", path, store_last_error(s));
    fprintf(stderr, "liaison import: %s: %ld records imported (%s)", path,
            c.ok, fmt_kind_name(kind));
    if (c.bad)
        fprintf(stderr, ", %ld bad entries skipped", c.bad);
    fputc('\n', stderr);
    *bad_total += c.bad;
    return CLI_OK;
}

int cli_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"list", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = CLI_DEFAULT_DB, *list = NULL;
    fmt_kind kind = FMT_UNKNOWN;
    store *s = NULL;
    long bad = 0;
    int c, rc = CLI_OK, i;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': list = optarg; break;
        case 'f':
            if (fmt_kind_parse(optarg, &kind))
                return cli_fail("import", "--format: unknown format '%s' "
                                "(auto, jsonl, ofac-csv, un-xml)", optarg);
            break;
        case 'h': return cli_usage(stdout, import_usage, CLI_OK);
        default: return cli_usage(stderr, import_usage, CLI_ERROR);
        }
    }
    if (optind >= argc)
        return cli_usage(stderr, import_usage, CLI_ERROR);
    if (cli_open_store("import", db, &s))
        return CLI_ERROR;
    for (i = optind; i < argc && rc == CLI_OK; i++)
        rc = import_file(s, argv[i], kind, list, &bad);
    store_close(s);
    if (rc == CLI_OK && bad)
        rc = CLI_ERROR;
    return rc;
}

/* ---------------------------------------------------------------- stats */

static const char stats_usage[] =
    "usage: liaison stats [--db PATH] [--json]\n"
    "\n"
    "Count records, names and records per list.\n"
    "  --json   {\"records\":N,\"names\":M,\"lists\":{\"NAME\":N,...}}\n";

int cli_stats(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = CLI_DEFAULT_DB;
    int json = 0, c, rc;
    store *s = NULL;
    store_stats st;
    size_t i;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'j': json = 1; break;
        case 'h': return cli_usage(stdout, stats_usage, CLI_OK);
        default: return cli_usage(stderr, stats_usage, CLI_ERROR);
        }
    }
    if (optind != argc)
        return cli_usage(stderr, stats_usage, CLI_ERROR);
    if (cli_open_store("stats", db, &s))
        return CLI_ERROR;
    rc = store_get_stats(s, &st);
    if (rc) {
        cli_fail("stats", "%s: %s", db, store_last_error(s));
        store_close(s);
        return CLI_ERROR;
    }
    if (json) {
        util_buf b;
        util_buf_init(&b, 0);
        rc = util_buf_printf(&b, "{\"records\":%ld,\"names\":%ld,\"lists\":{",
                             st.records, st.names);
        for (i = 0; i < st.n_lists && !rc; i++) {
            if (i)
                rc = util_buf_addc(&b, ',');
            if (!rc)
                rc = util_buf_add_json_str(&b, st.lists[i].list,
                                           strlen(st.lists[i].list));
            if (!rc)
                rc = util_buf_printf(&b, ":%ld", st.lists[i].records);
        }
        if (!rc)
            rc = util_buf_adds(&b, "}}\n");
        if (!rc)
            fputs(util_buf_str(&b), stdout);
        util_buf_fini(&b);
    } else {
        printf("records  %ld\nnames    %ld\n", st.records, st.names);
        for (i = 0; i < st.n_lists; i++)
            printf("list     %-24s %ld\n", st.lists[i].list,
                   st.lists[i].records);
    }
    store_stats_fini(&st);
    store_close(s);
    return rc ? CLI_ERROR : CLI_OK;
}
