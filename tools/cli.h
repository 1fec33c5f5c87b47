/*
** cli.h: shared pieces of the liaison command-line program.
**
** Each subcommand lives in tools/cli_<cmd>.c and has the signature of
** cli_cmd_fn.  Exit codes (DESIGN section 3): 0 ok, 1 hits found (screen
** only, like grep), 2 usage or input error.
*/
#ifndef LIAISON_CLI_H
#define LIAISON_CLI_H

#include <stdio.h>

#include "liaison.h"
#include "store/store.h"

#define CLI_OK 0
#define CLI_HITS 1
#define CLI_ERROR 2

#define CLI_DEFAULT_DB "liaison.db"

typedef int (*cli_cmd_fn)(int argc, char **argv);

int cli_init(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_screen(int argc, char **argv);
int cli_stats(int argc, char **argv);
int cli_mrz(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_key(int argc, char **argv);
int cli_peer(int argc, char **argv);

/* Print "liaison CMD: message" to stderr; returns CLI_ERROR. */
int cli_fail(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print usage text to f; returns code. */
int cli_usage(FILE *f, const char *text, int code);

/* Whether argv has -h or --help anywhere before "--". */
int cli_wants_help(int argc, char **argv);

/* Parse a number option; on error print and return CLI_ERROR. */
int cli_parse_double(const char *cmd, const char *opt, const char *s,
                     double lo, double hi, double *out);
int cli_parse_size(const char *cmd, const char *opt, const char *s,
                   long lo, long hi, long *out);

/* Open the existing store at db for command cmd; when there is none or it
** cannot be opened, say so (with how to create one) and return
** CLI_ERROR. */
int cli_open_store(const char *cmd, const char *db, store **s);

/* Append one entry to s's audit trail as "cli:<login>" (the operating-
** system user running the command), joining the open transaction if there
** is one.  agency and purpose may be NULL. */
int cli_audit_append(store *s, const char *agency, const char *action,
                     const char *purpose, const char *detail_json);

#endif /* LIAISON_CLI_H */
