/*
** cli_fed.c: `liaison key show|create` and `liaison peer add|list|remove`:
** this node's identity in the federation and the partner agencies it
** trusts (DESIGN section 6, README "Federation").
**
** `key show` prints the node's public key, alone on stdout, for the
** partners to register (KEY=$(liaison key show)).  The secret key never
** leaves its file: nothing here prints or copies it.  Peers are checked
** before they are stored (agency id, https URL, a 32-byte Ed25519 key, a
** readable PEM CA file kept by its absolute path) and every add and
** remove is audited in the same transaction, with the operating-system
** user as actor.
*/
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "federation/fed.h"
#include "store/store.h"
#include "util/util.h"

static const char key_usage[] =
    "usage: liaison key show [--db PATH] [--key-file FILE] [--json]\n"
    "       liaison key create [--db PATH] [--key-file FILE]\n"
    "\n"
    "This node's Ed25519 key pair, which signs everything it says to its\n"
    "partners.  `liaison init --agency ID` makes it; the secret key stays\n"
    "in its file (mode 0600, default PATH.key next to a SQLite store;\n"
    "--key-file is required with a PostgreSQL store).\n"
    "  show     print the public key (base64) for partners to register\n"
    "  create   make the key file of an existing store (none yet, or to\n"
    "           rotate: move the old file away first, then tell partners)\n";

static const char peer_usage[] =
    "usage: liaison peer add [--db PATH] --agency ID --url https://HOST[:PORT]\n"
    "                        --key PUBKEY [--ca FILE]\n"
    "       liaison peer list [--db PATH] [--json]\n"
    "       liaison peer remove [--db PATH] AGENCY\n"
    "\n"
    "The partner agencies this node screens against and answers.\n"
    "  add      trust a partner: its agency id, base URL, public key (from\n"
    "           `liaison key show` on its node) and, with --ca, the PEM CA\n"
    "           or self-signed certificate its HTTPS server must present\n"
    "           (pinned: then nothing else is trusted for it)\n"
    "  list     the partners\n"
    "  remove   stop trusting a partner (a running server refuses it within\n"
    "           its --auth-cache-ms)\n";

/* The key file: --key-file, or PATH.key beside a SQLite store. */
static int key_path(const char *cmd, const char *db, const char *given,
                    char *out, size_t n)
{
    if (given) {
        util_strlcpy(out, given, n);
        return CLI_OK;
    }
    if (fed_key_default_path(db, out, n))
        return cli_fail(cmd, "give --key-file: a PostgreSQL store has no "
                        "folder to keep the key in");
    return CLI_OK;
}

/* ---------------------------------------------------------------- key */

static int key_show(const char *db, const char *keyfile, int json)
{
    struct liaison_err err;
    fed_identity *id = NULL;
    char path[4096];
    store *s = NULL;
    int rc;
    memset(&err, 0, sizeof(err));
    if (key_path("key", db, keyfile, path, sizeof(path)) ||
        cli_open_store("key", db, &s))
        return CLI_ERROR;
    rc = fed_identity_load(path, store_agency(s), &id, &err);
    if (rc) {
        store_close(s);
        if (rc == LIAISON_ENOTFOUND)
            return cli_fail("key", "%s: no key file (liaison key create)",
                            path);
        return cli_fail("key", "%s", err.msg);
    }
    if (json)
        printf("{\"agency\":\"%s\",\"public_key\":\"%s\"}\n",
               fed_identity_agency(id), fed_identity_public_key(id));
    else
        printf("%s\n", fed_identity_public_key(id));
    fed_identity_free(id);
    store_close(s);
    return CLI_OK;
}

static int key_create(const char *db, const char *keyfile)
{
    struct liaison_err err;
    char path[4096], pk[FED_PK_B64_LEN + 1];
    store *s = NULL;
    int rc;
    memset(&err, 0, sizeof(err));
    if (key_path("key", db, keyfile, path, sizeof(path)) ||
        cli_open_store("key", db, &s))
        return CLI_ERROR;
    if (!fed_agency_ok(store_agency(s))) {
        store_close(s);
        return cli_fail("key", "%s has no agency id: federation needs one "
                        "(liaison init --agency ID)", db);
    }
    store_close(s);
    rc = fed_identity_create(path, pk, &err);
    if (rc)
        return cli_fail("key", "%s", err.msg);
    printf("%s\n", pk);
    fprintf(stderr, "liaison: key pair made in %s (secret: keep this file "
            "to this account); the public key above is for partners\n",
            path);
    return CLI_OK;
}

int cli_key(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"key-file", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = CLI_DEFAULT_DB, *keyfile = NULL, *sub;
    int c, json = 0;
    if (argc < 2 || cli_wants_help(argc, argv))
        return cli_usage(argc < 2 ? stderr : stdout, key_usage,
                         argc < 2 ? CLI_ERROR : CLI_OK);
    sub = argv[1];
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'k': keyfile = optarg; break;
        case 'j': json = 1; break;
        case 'h': return cli_usage(stdout, key_usage, CLI_OK);
        default: return cli_usage(stderr, key_usage, CLI_ERROR);
        }
    }
    if (optind != argc)
        return cli_usage(stderr, key_usage, CLI_ERROR);
    if (!strcmp(sub, "show"))
        return key_show(db, keyfile, json);
    if (!strcmp(sub, "create") && !json)
        return key_create(db, keyfile);
    return cli_usage(stderr, key_usage, CLI_ERROR);
}

/* ---------------------------------------------------------------- peers */

static int audit_peer(store *s, const char *action, const store_peer *p)
{
    util_buf d;
    int rc;
    util_buf_init(&d, 8192);
    rc = util_buf_adds(&d, "{\"peer\":");
    if (!rc)
        rc = util_buf_add_json_str(&d, p->agency, strlen(p->agency));
    if (!rc && p->url) {
        rc = util_buf_adds(&d, ",\"url\":");
        if (!rc)
            rc = util_buf_add_json_str(&d, p->url, strlen(p->url));
    }
    if (!rc && p->public_key) {
        rc = util_buf_adds(&d, ",\"public_key\":");
        if (!rc)
            rc = util_buf_add_json_str(&d, p->public_key,
                                       strlen(p->public_key));
    }
    if (!rc && p->ca_file) {
        rc = util_buf_adds(&d, ",\"ca_file\":");
        if (!rc)
            rc = util_buf_add_json_str(&d, p->ca_file, strlen(p->ca_file));
    }
    if (!rc)
        rc = util_buf_adds(&d, ",\"via\":\"cli\"}");
    if (!rc)
        rc = cli_audit_append(s, p->agency, action, NULL, util_buf_str(&d));
    util_buf_fini(&d);
    return rc;
}

/* A CA file: readable, PEM with a certificate; its absolute path. */
static int check_ca(const char *path, char *abs, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    struct liaison_err err;
    char real[PATH_MAX];
    memset(&err, 0, sizeof(err));
    if (util_read_file(path, 1 << 20, &text, &len, &err))
        return cli_fail("peer", "--ca: %s", err.msg);
    if (!strstr(text, "-----BEGIN CERTIFICATE-----")) {
        util_free(text);
        return cli_fail("peer", "--ca %s: not a PEM certificate", path);
    }
    util_free(text);
    if (!realpath(path, real) || strlen(real) >= n)
        return cli_fail("peer", "--ca %s: cannot resolve its path", path);
    util_strlcpy(abs, real, n);
    return CLI_OK;
}

static int peer_add(const char *db, const char *agency, const char *url,
                    const char *key, const char *ca)
{
    struct liaison_err err;
    unsigned char pk[32];
    char ca_abs[PATH_MAX];
    store_peer p;
    store *s = NULL;
    int rc;
    memset(&err, 0, sizeof(err));
    if (!agency || !url || !key)
        return cli_usage(stderr, peer_usage, CLI_ERROR);
    if (!fed_agency_ok(agency))
        return cli_fail("peer", "--agency: 1 to 64 of A-Z a-z 0-9 . _ - @");
    if (fed_peer_url_check(url, &err))
        return cli_fail("peer", "--url: %s", err.msg);
    if (fed_public_key_parse(key, pk, &err))
        return cli_fail("peer", "--key: %s", err.msg);
    if (ca && check_ca(ca, ca_abs, sizeof(ca_abs)))
        return CLI_ERROR;
    if (cli_open_store("peer", db, &s))
        return CLI_ERROR;
    if (store_agency(s) && !strcmp(store_agency(s), agency)) {
        store_close(s);
        return cli_fail("peer", "%s is this node's own agency", agency);
    }
    memset(&p, 0, sizeof(p));
    p.agency = agency;
    p.url = url;
    p.public_key = key;
    p.ca_file = ca ? ca_abs : NULL;
    rc = store_begin(s);
    if (!rc)
        rc = store_peer_add(s, &p, &err);
    if (!rc)
        rc = audit_peer(s, "peer.add", &p);
    if (!rc)
        rc = store_commit(s);
    else if (store_in_transaction(s))
        store_rollback(s);
    if (rc) {
        cli_fail("peer", "%s", rc == LIAISON_EEXIST
                                   ? "that agency is already a peer (remove "
                                     "it first to change it)"
                               : err.msg[0] ? err.msg : store_last_error(s));
        store_close(s);
        return CLI_ERROR;
    }
    store_close(s);
    fprintf(stderr, "liaison: peer %s added (%s%s%s)\n", agency, url,
            ca ? ", CA " : "", ca ? ca_abs : "");
    return CLI_OK;
}

static int on_peer(void *ud, const store_peer *p)
{
    int json = *(int *)ud;
    if (json) {
        util_buf b;
        util_buf_init(&b, 8192);
        util_buf_adds(&b, "{\"agency\":");
        util_buf_add_json_str(&b, p->agency, strlen(p->agency));
        util_buf_adds(&b, ",\"url\":");
        util_buf_add_json_str(&b, p->url, strlen(p->url));
        util_buf_adds(&b, ",\"public_key\":");
        util_buf_add_json_str(&b, p->public_key, strlen(p->public_key));
        util_buf_adds(&b, ",\"ca_file\":");
        if (p->ca_file)
            util_buf_add_json_str(&b, p->ca_file, strlen(p->ca_file));
        else
            util_buf_adds(&b, "null");
        util_buf_printf(&b, ",\"added\":%lld}", (long long)p->added);
        printf("%s\n", util_buf_str(&b));
        util_buf_fini(&b);
    } else {
        printf("%-16s %-40s %s%s%s\n", p->agency, p->url, p->public_key,
               p->ca_file ? "  ca=" : "", p->ca_file ? p->ca_file : "");
    }
    return 0;
}

static int peer_list(const char *db, int json)
{
    store *s = NULL;
    int rc;
    if (cli_open_store("peer", db, &s))
        return CLI_ERROR;
    rc = store_peer_each(s, on_peer, &json);
    if (rc)
        cli_fail("peer", "%s", store_last_error(s));
    store_close(s);
    return rc ? CLI_ERROR : CLI_OK;
}

static int peer_remove(const char *db, const char *agency)
{
    store_peer p;
    store *s = NULL;
    int rc;
    if (cli_open_store("peer", db, &s))
        return CLI_ERROR;
    memset(&p, 0, sizeof(p));
    p.agency = agency;
    rc = store_begin(s);
    if (!rc)
        rc = store_peer_remove(s, agency);
    if (!rc)
        rc = audit_peer(s, "peer.remove", &p);
    if (!rc)
        rc = store_commit(s);
    else if (store_in_transaction(s))
        store_rollback(s);
    if (rc) {
        cli_fail("peer", "%s", rc == LIAISON_ENOTFOUND
                                   ? "no peer by that agency id"
                                   : store_last_error(s));
        store_close(s);
        return CLI_ERROR;
    }
    store_close(s);
    fprintf(stderr, "liaison: peer %s removed\n", agency);
    return CLI_OK;
}

int cli_peer(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"agency", required_argument, NULL, 'a'},
        {"url", required_argument, NULL, 'u'},
        {"key", required_argument, NULL, 'k'},
        {"ca", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = CLI_DEFAULT_DB, *agency = NULL, *url = NULL,
               *key = NULL, *ca = NULL, *sub;
    int c, json = 0;
    if (argc < 2 || cli_wants_help(argc, argv))
        return cli_usage(argc < 2 ? stderr : stdout, peer_usage,
                         argc < 2 ? CLI_ERROR : CLI_OK);
    sub = argv[1];
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a': agency = optarg; break;
        case 'u': url = optarg; break;
        case 'k': key = optarg; break;
        case 'c': ca = optarg; break;
        case 'j': json = 1; break;
        case 'h': return cli_usage(stdout, peer_usage, CLI_OK);
        default: return cli_usage(stderr, peer_usage, CLI_ERROR);
        }
    }
    if (!strcmp(sub, "add") && optind == argc && !json)
        return peer_add(db, agency, url, key, ca);
    if (!strcmp(sub, "list") && optind == argc && !agency && !url && !key &&
        !ca)
        return peer_list(db, json);
    if (!strcmp(sub, "remove") && optind == argc - 1 && !agency && !url &&
        !key && !ca && !json)
        return peer_remove(db, argv[optind]);
    return cli_usage(stderr, peer_usage, CLI_ERROR);
}
