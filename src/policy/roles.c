/*
** roles.c: who may do what.  The role matrix is one static table from
** permission to the set of roles holding it; routes and commands name a
** permission and ask policy_role_allows(), so least privilege is decided
** here and nowhere else.
**
** The matrix (README "HTTP API" documents it for operators):
**
**   permission       officer analyst auditor admin monitor
**   screen              x       x
**   records.read                x
**   records.write               x
**   lists.read                  x
**   disclosures.ask     x       x
**   disclosures.decide          x
**   audit.read                          x
**   audit.verify                        x       x
**   users.manage                                x
**   metrics.read                        x       x      x
**   api.describe        x       x       x       x      x
**
** Why: officers screen and may ask a partner for the details behind a
** hit; analysts keep the lists, screen to check them and decide what
** their agency discloses to partners; the auditor reads the trail (it holds query texts, personal data)
** and must not be able to change what it audits; the admin manages
** accounts but reads no records and no audit contents (separation of
** duties: an admin's own actions are audited and the auditor reads them).
** Verifying the chain reveals nothing but its integrity, so the admin may
** run it too, as may monitoring through the metrics.  The monitor role is
** for the monitoring system's scraper: its token, kept on another host,
** reads the aggregate counters and nothing else (an auditor's or admin's
** token there would open the trail or the accounts).
*/
#include <string.h>

#include "policy/policy.h"

static const struct {
    const char *name;
    unsigned roles;
} perms[POLICY_PERM_COUNT] = {
    [POLICY_PERM_SCREEN] = {"screen", POLICY_ROLE_OFFICER | POLICY_ROLE_ANALYST},
    [POLICY_PERM_RECORDS_READ] = {"records.read", POLICY_ROLE_ANALYST},
    [POLICY_PERM_RECORDS_WRITE] = {"records.write", POLICY_ROLE_ANALYST},
    [POLICY_PERM_LISTS_READ] = {"lists.read", POLICY_ROLE_ANALYST},
    [POLICY_PERM_DISCLOSURES] = {"disclosures.decide", POLICY_ROLE_ANALYST},
    [POLICY_PERM_AUDIT_READ] = {"audit.read", POLICY_ROLE_AUDITOR},
    [POLICY_PERM_AUDIT_VERIFY] = {"audit.verify",
                                  POLICY_ROLE_AUDITOR | POLICY_ROLE_ADMIN},
    [POLICY_PERM_USERS_MANAGE] = {"users.manage", POLICY_ROLE_ADMIN},
    [POLICY_PERM_METRICS_READ] = {"metrics.read", POLICY_ROLE_AUDITOR |
                                  POLICY_ROLE_ADMIN | POLICY_ROLE_MONITOR},
    [POLICY_PERM_API_DESCRIBE] = {"api.describe", POLICY_ROLES_ALL},
    [POLICY_PERM_DISCLOSURES_ASK] = {"disclosures.ask",
                                     POLICY_ROLE_OFFICER | POLICY_ROLE_ANALYST},
};

static const struct {
    const char *name;
    policy_role role;
} roles[] = {
    {"officer", POLICY_ROLE_OFFICER},
    {"analyst", POLICY_ROLE_ANALYST},
    {"auditor", POLICY_ROLE_AUDITOR},
    {"admin", POLICY_ROLE_ADMIN},
    {"monitor", POLICY_ROLE_MONITOR},
};

int policy_role_parse(const char *name, policy_role *out)
{
    size_t i;
    *out = POLICY_ROLE_NONE;
    if (!name)
        return LIAISON_EINVAL;
    for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (!strcmp(name, roles[i].name)) {
            *out = roles[i].role;
            return LIAISON_OK;
        }
    return LIAISON_EINVAL;
}

const char *policy_role_name(policy_role r)
{
    size_t i;
    for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (roles[i].role == r)
            return roles[i].name;
    return "none";
}

unsigned policy_perm_roles(policy_perm p)
{
    if ((unsigned)p >= POLICY_PERM_COUNT)
        return 0;
    return perms[p].roles;
}

/* A role that is not exactly one known role holds nothing, so a corrupted
** or combined value can never widen access. */
int policy_role_allows(policy_role role, policy_perm p)
{
    if (!strcmp(policy_role_name(role), "none"))
        return 0;
    return (policy_perm_roles(p) & (unsigned)role) != 0;
}

const char *policy_perm_name(policy_perm p)
{
    if ((unsigned)p >= POLICY_PERM_COUNT)
        return "?";
    return perms[p].name;
}

/* The record's owner is its own "owner" or, when absent, this node.  A
** node without an agency id is a single-agency node: its users keep every
** record that names no other owner. */
int policy_may_write_record(const char *user_agency, const char *node_agency,
                            const char *record_owner)
{
    const char *owner = record_owner && *record_owner ? record_owner
                                                      : node_agency;
    if (!owner || !*owner)
        return 1;
    return user_agency && !strcmp(user_agency, owner);
}

int policy_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, i;
    if (n == 0 || n > 64)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
              c == '@'))
            return 0;
    }
    return 1;
}
