/*
** detect.c: watchlist format names and format detection.
**
** The content decides when it is clear (a JSON object, an XML document,
** an OFAC row: a number and a quoted name); the file name's extension
** decides otherwise (an empty .jsonl file is still JSONL).
*/
#include <string.h>

#include "formats/fmt_int.h"

static const struct {
    const char *name;
    fmt_kind kind;
} kind_names[] = {
    {"auto", FMT_UNKNOWN},  {"jsonl", FMT_JSONL},   {"json", FMT_JSONL},
    {"ndjson", FMT_JSONL},  {"ofac-csv", FMT_OFAC_CSV},
    {"ofac", FMT_OFAC_CSV}, {"csv", FMT_OFAC_CSV},  {"un-xml", FMT_UN_XML},
    {"un", FMT_UN_XML},     {"xml", FMT_UN_XML},
};

int fmt_kind_parse(const char *name, fmt_kind *out)
{
    size_t i;
    *out = FMT_UNKNOWN;
    for (i = 0; name && i < UTIL_ARRAY_LEN(kind_names); i++) {
        if (util_streq_nocase(name, kind_names[i].name)) {
            *out = kind_names[i].kind;
            return LIAISON_OK;
        }
    }
    return LIAISON_EINVAL;
}

fmt_kind fmt_kind_from_name(const char *name)
{
    fmt_kind k;
    return fmt_kind_parse(name, &k) == LIAISON_OK ? k : FMT_UNKNOWN;
}

const char *fmt_kind_name(fmt_kind k)
{
    switch (k) {
    case FMT_JSONL: return "jsonl";
    case FMT_OFAC_CSV: return "ofac-csv";
    case FMT_UN_XML: return "un-xml";
    case FMT_UNKNOWN: break;
    }
    return "auto";
}

/* Does the path end in ext (ASCII case ignored)? */
static int has_ext(const char *path, const char *ext)
{
    size_t n = path ? strlen(path) : 0, k = strlen(ext);
    return n > k && util_streq_nocase(path + n - k, ext);
}

/* An OFAC row starts: digits, a comma, a quote. */
static int looks_ofac(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && i < 10 && s[i] >= '0' && s[i] <= '9')
        i++;
    return i > 0 && i + 1 < n && s[i] == ',' && s[i + 1] == '"';
}

fmt_kind fmt_detect(const char *path, const char *head, size_t len)
{
    size_t i = 0;
    if (head && len >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3))
        i = 3;
    while (head && i < len && (head[i] == ' ' || head[i] == '\t' ||
                               head[i] == '\r' || head[i] == '\n'))
        i++;
    if (head && i < len) {
        if (head[i] == '{')
            return FMT_JSONL;
        if (head[i] == '<')
            return FMT_UN_XML;
        if (looks_ofac(head + i, len - i))
            return FMT_OFAC_CSV;
        if (!has_ext(path, ".jsonl") && !has_ext(path, ".json") &&
            !has_ext(path, ".ndjson") && !has_ext(path, ".xml"))
            return FMT_UNKNOWN;
    }
    if (has_ext(path, ".jsonl") || has_ext(path, ".json") ||
        has_ext(path, ".ndjson"))
        return FMT_JSONL;
    if (has_ext(path, ".xml"))
        return FMT_UN_XML;
    if (has_ext(path, ".csv") && (!head || i >= len))
        return FMT_OFAC_CSV;
    return FMT_UNKNOWN;
}
