/*
** liaison.c: the command-line program's entry point: dispatches to the
** subcommands in tools/cli_*.c (DESIGN section 3).
*/
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "cli.h"
#include "util/util.h"

static const char usage[] =
    "usage: liaison COMMAND [OPTIONS]\n"
    "\n"
    "Screen people, travel documents and vehicles against watchlists.\n"
    "\n"
    "commands:\n"
    "  init      create a store                 liaison init [--db PATH] [--agency ID]\n"
    "  import    import watchlist files         liaison import [--db PATH] [--list NAME] FILE...\n"
    "  screen    screen a traveller or a batch  liaison screen --name N [--dob D] ...\n"
    "  stats     counts of records and lists    liaison stats [--json]\n"
    "  mrz       parse a passport MRZ           liaison mrz parse TEXT\n"
    "  serve     run the HTTP API               liaison serve [--db PATH] [--listen ADDR:PORT]\n"
    "  user      accounts of the HTTP API       liaison user add|revoke|list ...\n"
    "  audit     check or list the audit trail  liaison audit verify|list [--db PATH]\n"
    "  key       this node's federation key     liaison key show|create [--db PATH]\n"
    "  peer      partner agencies               liaison peer add|list|remove ...\n"
    "\n"
    "Run 'liaison COMMAND --help' for a command's options.\n"
    "Exit codes: 0 ok, 1 hits found (screen), 2 usage or input error.\n";

static const struct {
    const char *name;
    cli_cmd_fn fn;
} commands[] = {
    {"init", cli_init},     {"import", cli_import}, {"screen", cli_screen},
    {"stats", cli_stats},   {"mrz", cli_mrz},
    {"serve", cli_serve},   {"user", cli_user},     {"audit", cli_audit},
    {"key", cli_key},       {"peer", cli_peer},
};

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "liaison %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_ERROR;
}

int cli_open_store(const char *cmd, const char *db, store **s)
{
    struct liaison_err err;
    int rc;
    memset(&err, 0, sizeof(err));
    rc = store_open(db, s, &err);
    if (rc == LIAISON_ENOTFOUND)
        return cli_fail(cmd, "%s: no store here (create one with 'liaison "
                        "init --db %s')", db, db);
    if (rc)
        return cli_fail(cmd, "%s: %s", db,
                        err.msg[0] ? err.msg : liaison_strerror(rc));
    return CLI_OK;
}

int cli_audit_append(store *s, const char *agency, const char *action,
                     const char *purpose, const char *detail_json)
{
    struct passwd *pw = getpwuid(geteuid());
    store_audit_entry e;
    char who[96];
    snprintf(who, sizeof(who), "cli:%s",
             pw && pw->pw_name ? pw->pw_name : "unknown");
    memset(&e, 0, sizeof(e));
    e.actor = who;
    e.agency = agency;
    e.action = action;
    e.purpose = purpose;
    e.detail_json = detail_json;
    return audit_append(s, &e, NULL);
}

int cli_usage(FILE *f, const char *text, int code)
{
    fputs(text, f);
    return code;
}

int cli_wants_help(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    }
    return 0;
}

int cli_parse_double(const char *cmd, const char *opt, const char *s,
                     double lo, double hi, double *out)
{
    if (util_parse_double(s, out) || *out < lo || *out > hi)
        return cli_fail(cmd, "%s: expected a number from %g to %g, got '%s'",
                        opt, lo, hi, s);
    return CLI_OK;
}

int cli_parse_size(const char *cmd, const char *opt, const char *s, long lo,
                   long hi, long *out)
{
    if (util_parse_long(s, lo, hi, out))
        return cli_fail(cmd, "%s: expected a whole number from %ld to %ld, "
                        "got '%s'", opt, lo, hi, s);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    size_t i;
    if (argc < 2)
        return cli_usage(stderr, usage, CLI_ERROR);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help"))
        return cli_usage(stdout, usage, CLI_OK);
    for (i = 0; i < UTIL_ARRAY_LEN(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "liaison: unknown command '%s'\n\n", argv[1]);
    return cli_usage(stderr, usage, CLI_ERROR);
}
