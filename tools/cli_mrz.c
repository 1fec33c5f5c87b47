/*
** cli_mrz.c: `liaison mrz parse TEXT`: the fields and check digits of a
** passport, ID card or visa machine-readable zone, as JSON.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "formats/border.h"
#include "util/util.h"

static const char mrz_usage[] =
    "usage: liaison mrz parse TEXT\n"
    "\n"
    "Parse an ICAO 9303 machine-readable zone (TD1, TD2, TD3, MRV-A, MRV-B)\n"
    "and print its fields and check digits as JSON.  Lines are separated by\n"
    "newlines, a literal '\\n' or '|'; TEXT '-' reads standard input.\n"
    "A failed check digit is reported (\"valid\": false) and common OCR\n"
    "confusions (O/0, I/1, B/8, S/5) are tried and reported.\n";

int cli_mrz(int argc, char **argv)
{
    struct liaison_err err;
    fmt_mrz m;
    util_buf out, in;
    const char *text;
    size_t i, n;
    int rc, code;
    if (cli_wants_help(argc, argv))
        return cli_usage(stdout, mrz_usage, CLI_OK);
    if (argc != 3 || strcmp(argv[1], "parse"))
        return cli_usage(stderr, mrz_usage, CLI_ERROR);
    memset(&err, 0, sizeof(err));
    util_buf_init(&in, 1 << 16);
    util_buf_init(&out, 0);
    text = argv[2];
    if (!strcmp(text, "-")) {
        char tmp[4096];
        while ((n = fread(tmp, 1, sizeof(tmp), stdin)) > 0)
            if (util_buf_add(&in, tmp, n))
                break;
    } else {
        n = strlen(text);
        for (i = 0; i < n; i++) {
            if (text[i] == '\\' && i + 1 < n && text[i + 1] == 'n') {
                util_buf_addc(&in, '\n');
                i++;
            } else {
                util_buf_addc(&in, text[i]);
            }
        }
    }
    rc = fmt_mrz_parse(util_buf_str(&in), in.len, 0, &m, &err);
    if (rc) {
        code = cli_fail("mrz", "%s", err.msg[0] ? err.msg
                                                : liaison_strerror(rc));
    } else if (fmt_mrz_to_json(&m, &out)) {
        code = cli_fail("mrz", "out of memory");
    } else {
        printf("%s\n", util_buf_str(&out));
        code = CLI_OK;
    }
    util_buf_fini(&in);
    util_buf_fini(&out);
    return code;
}
