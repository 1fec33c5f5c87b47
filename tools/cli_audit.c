/*
** cli_audit.c: `liaison audit verify` and `liaison audit list`.
**
** verify walks the whole hash chain (audit/audit.c) and reports either
** "ok" with the number of entries and the head (record the head
** elsewhere and pass it back as --anchor to detect a log cut short), or
** the first broken entry and what is wrong with it.  Exit status: 0 the
** chain holds, 1 it is broken, 2 usage or store error.
*/
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "cli.h"
#include "store/store.h"
#include "util/util.h"

static const char audit_usage[] =
    "usage: liaison audit verify [--db PATH] [--anchor SEQ:HASH] [--json]\n"
    "       liaison audit list [--db PATH] [--after SEQ] [--limit N] [--json]\n"
    "\n"
    "  verify   check the audit trail's hash chain; prints ok, the number of\n"
    "           entries and the head (SEQ:HASH: keep it elsewhere and pass it\n"
    "           as --anchor later to detect entries cut off the end), or the\n"
    "           first broken entry.  Exit status 1 when the chain is broken.\n"
    "  list     entries after SEQ (default 0), oldest first\n";

static int verify(const char *db, const char *anchor_s, int json)
{
    audit_verify_report rep;
    audit_anchor anchor, *ap = NULL;
    char hash[STORE_AUDIT_HASH_MAX];
    store *s = NULL;
    int rc;
    if (anchor_s) {
        const char *colon = strchr(anchor_s, ':');
        char num[32];
        long seq;
        size_t n = colon ? (size_t)(colon - anchor_s) : 0;
        if (!colon || n == 0 || n >= sizeof(num) ||
            strlen(colon + 1) != AUDIT_HASH_LEN)
            return cli_fail("audit", "--anchor: expected SEQ:HASH (as "
                            "printed by a previous verify)");
        memcpy(num, anchor_s, n);
        num[n] = 0;
        if (util_parse_long(num, 1, 1L << 62, &seq))
            return cli_fail("audit", "--anchor: bad sequence number");
        util_strlcpy(hash, colon + 1, sizeof(hash));
        anchor.seq = seq;
        anchor.hash = hash;
        ap = &anchor;
    }
    if (cli_open_store("audit", db, &s))
        return CLI_ERROR;
    rc = audit_verify(s, ap, &rep);
    if (rc) {
        cli_fail("audit", "reading the audit trail: %s", store_last_error(s));
        store_close(s);
        return CLI_ERROR;
    }
    store_close(s);
    if (json) {
        util_buf b;
        util_buf_init(&b, 4096);
        util_buf_printf(&b, "{\"ok\":%s,\"entries\":%lld,\"last_seq\":%lld,"
                        "\"head\":\"%s\"", rep.ok ? "true" : "false",
                        (long long)rep.count, (long long)rep.last_seq,
                        rep.head);
        if (!rep.ok) {
            util_buf_printf(&b, ",\"bad_seq\":%lld,\"problem\":",
                            (long long)rep.bad_seq);
            util_buf_add_json_str(&b, rep.problem, strlen(rep.problem));
        }
        util_buf_addc(&b, '}');
        printf("%s\n", util_buf_str(&b));
        util_buf_fini(&b);
    } else if (rep.ok) {
        printf("ok: %lld entries, head %lld:%s\n", (long long)rep.count,
               (long long)rep.last_seq, rep.head);
    } else {
        printf("BROKEN at entry %lld: %s\n(%lld entries before it are "
               "intact)\n", (long long)rep.bad_seq, rep.problem,
               (long long)rep.count);
    }
    return rep.ok ? CLI_OK : 1;
}

typedef struct list_ctx {
    int json;
    long limit, n;
} list_ctx;

static int on_entry(void *ud, const store_audit_entry *e)
{
    list_ctx *c = ud;
    if (c->limit && c->n >= c->limit)
        return 1;
    c->n++;
    if (c->json) {
        util_buf b;
        util_buf_init(&b, (size_t)16 << 20);
        util_buf_printf(&b, "{\"seq\":%lld,\"at\":%lld,\"actor\":",
                        (long long)e->seq, (long long)e->at);
        util_buf_add_json_str(&b, e->actor, strlen(e->actor));
        util_buf_adds(&b, ",\"agency\":");
        if (e->agency)
            util_buf_add_json_str(&b, e->agency, strlen(e->agency));
        else
            util_buf_adds(&b, "null");
        util_buf_adds(&b, ",\"action\":");
        util_buf_add_json_str(&b, e->action, strlen(e->action));
        util_buf_adds(&b, ",\"purpose\":");
        if (e->purpose)
            util_buf_add_json_str(&b, e->purpose, strlen(e->purpose));
        else
            util_buf_adds(&b, "null");
        util_buf_adds(&b, ",\"detail_json\":");
        if (e->detail_json)
            util_buf_add_json_str(&b, e->detail_json, strlen(e->detail_json));
        else
            util_buf_adds(&b, "null");
        util_buf_printf(&b, ",\"prev_hash\":\"%s\",\"hash\":\"%s\"}",
                        e->prev_hash ? e->prev_hash : "",
                        e->hash ? e->hash : "");
        printf("%s\n", util_buf_str(&b));
        util_buf_fini(&b);
    } else {
        printf("%lld  %lld  %-16s %-10s %-14s %-22s %s\n", (long long)e->seq,
               (long long)e->at, e->actor, e->agency ? e->agency : "-",
               e->action, e->purpose ? e->purpose : "-",
               e->detail_json ? e->detail_json : "");
    }
    return 0;
}

static int list(const char *db, long after, long limit, int json)
{
    list_ctx c;
    store *s = NULL;
    int rc;
    if (cli_open_store("audit", db, &s))
        return CLI_ERROR;
    memset(&c, 0, sizeof(c));
    c.json = json;
    c.limit = limit;
    rc = store_audit_each(s, after, on_entry, &c);
    if (rc < 0)
        cli_fail("audit", "%s", store_last_error(s));
    store_close(s);
    return rc < 0 ? CLI_ERROR : CLI_OK;
}

int cli_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"anchor", required_argument, NULL, 'a'},
        {"after", required_argument, NULL, 'A'},
        {"limit", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = CLI_DEFAULT_DB, *anchor = NULL, *sub;
    long after = 0, limit = 0;
    int c, json = 0;
    if (argc < 2 || cli_wants_help(argc, argv))
        return cli_usage(argc < 2 ? stderr : stdout, audit_usage,
                         argc < 2 ? CLI_ERROR : CLI_OK);
    sub = argv[1];
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a': anchor = optarg; break;
        case 'A':
            if (cli_parse_size("audit", "--after", optarg, 0, 1L << 62,
                               &after))
                return CLI_ERROR;
            break;
        case 'l':
            if (cli_parse_size("audit", "--limit", optarg, 1, 1L << 40,
                               &limit))
                return CLI_ERROR;
            break;
        case 'j': json = 1; break;
        case 'h': return cli_usage(stdout, audit_usage, CLI_OK);
        default: return cli_usage(stderr, audit_usage, CLI_ERROR);
        }
    }
    if (optind != argc)
        return cli_usage(stderr, audit_usage, CLI_ERROR);
    if (!strcmp(sub, "verify"))
        return verify(db, anchor, json);
    if (!strcmp(sub, "list") && !anchor)
        return list(db, after, limit, json);
    return cli_usage(stderr, audit_usage, CLI_ERROR);
}
