/*
** purpose.c: the purposes a screening may be run for.  Every screening
** names one (DESIGN section 4); the set is configurable (`liaison serve
** --purposes`), the default covers the front line and list upkeep:
**
**   border-check           a traveller at a border crossing or airport
**   visa-application       examining a visa application
**   residence-permit       examining a residence or work permit
**   investigation          a criminal investigation (case reference in the
**                          audit trail through the caller's records)
**   watchlist-maintenance  analysts checking their own lists (duplicates,
**                          quality) before and after imports
*/
#include <string.h>

#include "policy/policy.h"
#include "util/util.h"

static const char *const defaults[] = {
    "border-check", "visa-application", "residence-permit", "investigation",
    "watchlist-maintenance",
};

void policy_purposes_default(policy_purposes *p)
{
    size_t i;
    memset(p, 0, sizeof(*p));
    for (i = 0; i < UTIL_ARRAY_LEN(defaults); i++)
        util_strlcpy(p->names[p->n++], defaults[i], sizeof(p->names[0]));
}

/* a-z, 0-9 and single inner '-'. */
static int name_ok(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || n > POLICY_PURPOSE_LEN_MAX || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-' && i + 1 < n && s[i + 1] == '-')
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return 1;
}

int policy_purposes_parse(policy_purposes *p, const char *list,
                          struct liaison_err *err)
{
    policy_purposes np;
    const char *s = list;
    memset(&np, 0, sizeof(np));
    if (!list || !*list)
        return util_err(err, LIAISON_EINVAL, 0, 0, "no purposes given");
    for (;;) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        while (n && *s == ' ')
            s++, n--;
        while (n && s[n - 1] == ' ')
            n--;
        if (!name_ok(s, n))
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "bad purpose '%.*s' (lower-case letters, digits "
                            "and '-', at most %d characters)",
                            (int)UTIL_MIN(n, 64), s, POLICY_PURPOSE_LEN_MAX);
        if (policy_purpose_allowed(&np, s, n))
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "purpose '%.*s' given twice", (int)n, s);
        if (np.n == POLICY_PURPOSES_MAX)
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "more than %d purposes", POLICY_PURPOSES_MAX);
        memcpy(np.names[np.n], s, n);
        np.names[np.n][n] = '\0';
        np.n++;
        if (!end)
            break;
        s = end + 1;
    }
    *p = np;
    return LIAISON_OK;
}

int policy_purpose_allowed(const policy_purposes *p, const char *s,
                           size_t len)
{
    size_t i;
    if (!s || len == 0 || len > POLICY_PURPOSE_LEN_MAX)
        return 0;
    for (i = 0; i < p->n; i++)
        if (strlen(p->names[i]) == len && !memcmp(p->names[i], s, len))
            return 1;
    return 0;
}
