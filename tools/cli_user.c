/*
** cli_user.c: `liaison user add|revoke|list`, the accounts of the HTTP API.
**
** `user add` prints the new token once, alone on stdout, so that it can
** be captured (TOKEN=$(liaison user add ...)); only its BLAKE2b hash is
** stored (policy/token.c).  Every add and revoke is audited in the same
** transaction as the change, with the operating-system user as actor.
*/
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/util.h"

static const char user_usage[] =
    "usage: liaison user add [--db PATH] --agency A --role ROLE NAME\n"
    "       liaison user revoke [--db PATH] NAME\n"
    "       liaison user list [--db PATH] [--json]\n"
    "\n"
    "Manage the accounts of the HTTP API.\n"
    "  add      create an account; its token is printed once on stdout\n"
    "           ROLE: officer (screens), analyst (records, lists, screens),\n"
    "           auditor (audit trail), admin (accounts),\n"
    "           monitor (metrics only: for the monitoring system)\n"
    "  revoke   revoke an account's token (the server stops accepting it\n"
    "           within its --auth-cache-ms, 1 s by default)\n"
    "  list     accounts and their state (never tokens or hashes)\n";

static int audit_account(store *s, const char *action, const char *name,
                         const char *agency, const char *role)
{
    util_buf d;
    int rc;
    util_buf_init(&d, 4096);
    rc = util_buf_adds(&d, "{\"user\":");
    if (!rc)
        rc = util_buf_add_json_str(&d, name, strlen(name));
    if (!rc && agency) {
        rc = util_buf_adds(&d, ",\"user_agency\":");
        if (!rc)
            rc = util_buf_add_json_str(&d, agency, strlen(agency));
    }
    if (!rc && role)
        rc = util_buf_printf(&d, ",\"role\":\"%s\"", role);
    if (!rc)
        rc = util_buf_adds(&d, ",\"via\":\"cli\"}");
    if (!rc)
        rc = cli_audit_append(s, NULL, action, NULL, util_buf_str(&d));
    util_buf_fini(&d);
    return rc;
}

static int user_add(const char *db, const char *agency, const char *role,
                    const char *name)
{
    char token[POLICY_TOKEN_MAX], hash[POLICY_TOKEN_HASH_MAX];
    struct liaison_err err;
    policy_role r;
    store *s = NULL;
    int rc;
    memset(&err, 0, sizeof(err));
    if (!agency || !role)
        return cli_usage(stderr, user_usage, CLI_ERROR);
    if (policy_role_parse(role, &r))
        return cli_fail("user", "--role: officer, analyst, auditor, admin or "
                        "monitor, not '%s'", role);
    if (!policy_name_ok(name))
        return cli_fail("user", "name: 1 to 64 of A-Z a-z 0-9 . _ - @");
    if (!policy_name_ok(agency))
        return cli_fail("user", "--agency: 1 to 64 of A-Z a-z 0-9 . _ - @");
    if (policy_token_new(token) ||
        policy_token_hash(token, strlen(token), hash))
        return cli_fail("user", "cannot make a token (libsodium)");
    if (cli_open_store("user", db, &s))
        goto fail;
    rc = store_begin(s);
    if (!rc)
        rc = store_user_add(s, name, agency, role, hash, &err);
    if (!rc)
        rc = audit_account(s, "user.add", name, agency, role);
    if (rc) {
        if (store_in_transaction(s))
            store_rollback(s);
        cli_fail("user", "%s", rc == LIAISON_EEXIST
                                   ? "that user already exists"
                               : err.msg[0] ? err.msg : store_last_error(s));
        goto fail;
    }
    if (store_commit(s)) {
        cli_fail("user", "commit failed: %s", store_last_error(s));
        goto fail;
    }
    store_close(s);
    printf("%s\n", token);
    fflush(stdout);
    sodium_memzero(token, sizeof(token));
    fprintf(stderr, "liaison: user %s (%s, %s) added; the token above is "
            "shown only once\n", name, role, agency);
    return CLI_OK;
fail:
    sodium_memzero(token, sizeof(token));
    store_close(s);
    return CLI_ERROR;
}

static int user_revoke(const char *db, const char *name)
{
    store *s = NULL;
    int rc;
    if (cli_open_store("user", db, &s))
        return CLI_ERROR;
    rc = store_begin(s);
    if (!rc)
        rc = store_user_revoke(s, name);
    if (!rc)
        rc = audit_account(s, "user.revoke", name, NULL, NULL);
    if (!rc)
        rc = store_commit(s);
    else if (store_in_transaction(s))
        store_rollback(s);
    if (rc) {
        cli_fail("user", "%s", rc == LIAISON_ENOTFOUND
                                   ? "no active user by that name"
                                   : store_last_error(s));
        store_close(s);
        return CLI_ERROR;
    }
    store_close(s);
    fprintf(stderr, "liaison: user %s revoked\n", name);
    return CLI_OK;
}

static int on_user(void *ud, const store_user *u)
{
    int json = *(int *)ud;
    if (json) {
        util_buf b;
        util_buf_init(&b, 4096);
        util_buf_adds(&b, "{\"name\":");
        util_buf_add_json_str(&b, u->name, strlen(u->name));
        util_buf_adds(&b, ",\"agency\":");
        util_buf_add_json_str(&b, u->agency, strlen(u->agency));
        util_buf_printf(&b, ",\"role\":\"%s\",\"created\":%lld,"
                        "\"revoked_at\":", u->role, (long long)u->created);
        if (u->revoked_at)
            util_buf_printf(&b, "%lld}", (long long)u->revoked_at);
        else
            util_buf_adds(&b, "null}");
        printf("%s\n", util_buf_str(&b));
        util_buf_fini(&b);
    } else {
        printf("%-24s %-16s %-8s %s\n", u->name, u->agency, u->role,
               u->revoked_at ? "revoked" : "active");
    }
    return 0;
}

static int user_list(const char *db, int json)
{
    store *s = NULL;
    int rc;
    if (cli_open_store("user", db, &s))
        return CLI_ERROR;
    rc = store_user_list(s, on_user, &json);
    if (rc)
        cli_fail("user", "%s", store_last_error(s));
    store_close(s);
    return rc ? CLI_ERROR : CLI_OK;
}

int cli_user(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"agency", required_argument, NULL, 'a'},
        {"role", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = CLI_DEFAULT_DB, *agency = NULL, *role = NULL, *sub;
    int c, json = 0;
    if (argc < 2 || cli_wants_help(argc, argv))
        return cli_usage(argc < 2 ? stderr : stdout, user_usage,
                         argc < 2 ? CLI_ERROR : CLI_OK);
    sub = argv[1];
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a': agency = optarg; break;
        case 'r': role = optarg; break;
        case 'j': json = 1; break;
        case 'h': return cli_usage(stdout, user_usage, CLI_OK);
        default: return cli_usage(stderr, user_usage, CLI_ERROR);
        }
    }
    if (!strcmp(sub, "add") && optind == argc - 1)
        return user_add(db, agency, role, argv[optind]);
    if (!strcmp(sub, "revoke") && optind == argc - 1 && !agency && !role)
        return user_revoke(db, argv[optind]);
    if (!strcmp(sub, "list") && optind == argc && !agency && !role)
        return user_list(db, json);
    return cli_usage(stderr, user_usage, CLI_ERROR);
}
