/*
** cli_serve.c: `liaison serve`, the HTTP API server (DESIGN section 4).
**
** Parses the options into a srv_config, starts the server, prints the
** bound address on stderr ("liaison: listening on 127.0.0.1:43123") and
** waits for SIGTERM or SIGINT, then stops gracefully: in-flight requests
** finish, the audit queue drains, the store is closed.  The signals are
** blocked in every thread and taken with sigwait() here, so no handler
** runs inside library code.
*/
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "federation/fed.h"
#include "server/server.h"
#include "util/util.h"

static const char serve_usage[] =
    "usage: liaison serve [--db PATH | --pg CONNINFO] [--listen ADDR:PORT]\n"
    "                     [--tls-cert FILE --tls-key FILE] [options]\n"
    "\n"
    "Serve the HTTP API (see README, \"HTTP API\").\n"
    "  --db PATH            SQLite store (default ./" CLI_DEFAULT_DB ")\n"
    "  --pg CONNINFO        PostgreSQL store instead\n"
    "  --listen ADDR:PORT   default 127.0.0.1:8080; port 0 picks a free one;\n"
    "                       the bound address is printed on stderr\n"
    "  --tls-cert FILE      PEM certificate (chain) for HTTPS\n"
    "  --tls-key FILE       PEM private key for HTTPS\n"
    "  --threads N          HTTP worker threads (default: one per core)\n"
    "  --max-body SIZE      largest single request body (default 1M)\n"
    "  --max-batch-body SIZE  largest batch or record upload (default 64M)\n"
    "  --max-connections N  open connections at most (default 1024)\n"
    "  --timeout SECONDS    close idle connections after (default 30)\n"
    "  --max-json-depth N   JSON nesting (default 32)\n"
    "  --max-json-string SIZE  longest JSON string (default 64K)\n"
    "  --purposes LIST      comma-separated purposes a screening may name\n"
    "                       (default border-check,visa-application,\n"
    "                       residence-permit,investigation,watchlist-maintenance)\n"
    "  --auth-cache-ms MS   trust a token check this long (default 1000;\n"
    "                       0: check every request against the store)\n"
    "  --sync full|normal   audit commits: full fsyncs every group commit;\n"
    "                       normal (default) fsyncs within 100 ms\n"
    "  --today YYYY-MM-DD   date for record expiry (default: today, UTC)\n"
    "Federation (README, Federation):\n"
    "  --key-file FILE      this node's key (default PATH.key beside a SQLite\n"
    "                       store, when there; none: federation off)\n"
    "  --contact TEXT       contact point partners see with a hit\n"
    "  --partner-timeout-ms MS  deadline of a screening with partners\n"
    "                       (default 2000)\n"
    "Sizes take K, M or G.  SIGTERM or SIGINT stops the server gracefully.\n";

/* "64M" -> bytes. */
static int parse_bytes(const char *opt, const char *s, size_t *out)
{
    char num[32];
    size_t n = strlen(s), mult = 1;
    long v;
    if (n == 0 || n >= sizeof(num))
        return cli_fail("serve", "%s: bad size '%s'", opt, s);
    memcpy(num, s, n + 1);
    switch (num[n - 1]) {
    case 'k': case 'K': mult = (size_t)1 << 10; num[n - 1] = 0; break;
    case 'm': case 'M': mult = (size_t)1 << 20; num[n - 1] = 0; break;
    case 'g': case 'G': mult = (size_t)1 << 30; num[n - 1] = 0; break;
    default: break;
    }
    if (util_parse_long(num, 1, 1L << 40, &v) ||
        (size_t)v > ((size_t)4 << 30) / mult)
        return cli_fail("serve", "%s: expected a size up to 4G, got '%s'",
                        opt, s);
    *out = (size_t)v * mult;
    return CLI_OK;
}

int cli_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"pg", required_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'l'},
        {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'k'},
        {"threads", required_argument, NULL, 't'},
        {"max-body", required_argument, NULL, 'b'},
        {"max-batch-body", required_argument, NULL, 'B'},
        {"max-connections", required_argument, NULL, 'C'},
        {"timeout", required_argument, NULL, 'T'},
        {"max-json-depth", required_argument, NULL, 'D'},
        {"max-json-string", required_argument, NULL, 'S'},
        {"purposes", required_argument, NULL, 'P'},
        {"auth-cache-ms", required_argument, NULL, 'a'},
        {"sync", required_argument, NULL, 'y'},
        {"today", required_argument, NULL, 'o'},
        {"key-file", required_argument, NULL, 'K'},
        {"contact", required_argument, NULL, 'n'},
        {"partner-timeout-ms", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    srv_config cfg;
    policy_purposes purposes;
    struct liaison_err err;
    sigset_t set;
    srv *s = NULL;
    char keypath[4096];
    long v;
    int c, sig = 0, rc, pg = 0;

    memset(&cfg, 0, sizeof(cfg));
    memset(&err, 0, sizeof(err));
    cfg.db = CLI_DEFAULT_DB;
    cfg.listen = "127.0.0.1:8080";
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': cfg.db = optarg; break;
        case 'p': cfg.db = optarg; pg = 1; break;
        case 'l': cfg.listen = optarg; break;
        case 'c': cfg.tls_cert = optarg; break;
        case 'k': cfg.tls_key = optarg; break;
        case 't':
            if (cli_parse_size("serve", "--threads", optarg, 1,
                               SRV_MAX_THREADS, &v))
                return CLI_ERROR;
            cfg.threads = (int)v;
            break;
        case 'b':
            if (parse_bytes("--max-body", optarg, &cfg.max_body))
                return CLI_ERROR;
            break;
        case 'B':
            if (parse_bytes("--max-batch-body", optarg, &cfg.max_batch_body))
                return CLI_ERROR;
            break;
        case 'C':
            if (cli_parse_size("serve", "--max-connections", optarg, 1,
                               100000, &v))
                return CLI_ERROR;
            cfg.max_connections = (unsigned)v;
            break;
        case 'T':
            if (cli_parse_size("serve", "--timeout", optarg, 1, 3600, &v))
                return CLI_ERROR;
            cfg.timeout_s = (unsigned)v;
            break;
        case 'D':
            if (cli_parse_size("serve", "--max-json-depth", optarg, 2, 1000,
                               &v))
                return CLI_ERROR;
            cfg.json_max_depth = (int)v;
            break;
        case 'S':
            if (parse_bytes("--max-json-string", optarg,
                            &cfg.json_max_string))
                return CLI_ERROR;
            break;
        case 'P':
            if (policy_purposes_parse(&purposes, optarg, &err))
                return cli_fail("serve", "--purposes: %s", err.msg);
            cfg.purposes = &purposes;
            break;
        case 'a':
            if (cli_parse_size("serve", "--auth-cache-ms", optarg, 0, 60000,
                               &v))
                return CLI_ERROR;
            cfg.auth_cache_ms = v ? (int)v : -1;
            break;
        case 'y':
            if (!strcmp(optarg, "full"))
                cfg.sync_full = 1;
            else if (strcmp(optarg, "normal"))
                return cli_fail("serve", "--sync: full or normal, not '%s'",
                                optarg);
            break;
        case 'o': cfg.today = optarg; break;
        case 'K': cfg.fed_key = optarg; break;
        case 'n': cfg.fed_contact = optarg; break;
        case 'm':
            if (cli_parse_size("serve", "--partner-timeout-ms", optarg, 50,
                               60000, &v))
                return CLI_ERROR;
            cfg.partner_timeout_ms = (int)v;
            break;
        case 'h': return cli_usage(stdout, serve_usage, CLI_OK);
        default: return cli_usage(stderr, serve_usage, CLI_ERROR);
        }
    }
    if (optind != argc)
        return cli_usage(stderr, serve_usage, CLI_ERROR);
    if (cfg.today && (strlen(cfg.today) != 10 || cfg.today[4] != '-' ||
                      cfg.today[7] != '-'))
        return cli_fail("serve", "--today: expected YYYY-MM-DD");
    if (!cfg.fed_key && !pg &&
        fed_key_default_path(cfg.db, keypath, sizeof(keypath)) == 0 &&
        access(keypath, F_OK) == 0)
        cfg.fed_key = keypath;

    /* Block the stop signals in every thread the server starts. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = srv_start(&cfg, &s, &err);
    if (rc == LIAISON_ENOTFOUND)
        return cli_fail("serve", "%s: no store here (create one with "
                        "'liaison init --db %s')", cfg.db, cfg.db);
    if (rc)
        return cli_fail("serve", "%s", err.msg[0] ? err.msg
                                                  : liaison_strerror(rc));
    fprintf(stderr, "liaison: listening on %s%s\n", srv_address(s),
            srv_tls(s) ? " (https)" : "");
    fflush(stderr);
    while (sigwait(&set, &sig) != 0)
        ;
    fprintf(stderr, "liaison: %s: stopping\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    srv_stop(s, 10000);
    fprintf(stderr, "liaison: stopped\n");
    return CLI_OK;
}
