/*
** test_policy.c: roles and the role matrix, tokens and their hashes,
** purposes, record ownership and account names (src/policy).
*/
#include <string.h>

#include "policy/policy.h"
#include "testlib.h"

TEST(role_names_round_trip)
{
    const char *names[] = {"officer", "analyst", "auditor", "admin",
                           "monitor"};
    size_t i;
    for (i = 0; i < 5; i++) {
        policy_role r;
        CHECK_EQ(policy_role_parse(names[i], &r), LIAISON_OK);
        CHECK_STR(policy_role_name(r), names[i]);
    }
}

TEST(role_parse_refuses_others)
{
    const char *bad[] = {"", "Officer", "root", "admin ", "officer,admin",
                         "none"};
    size_t i;
    policy_role r = POLICY_ROLE_ADMIN;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ(policy_role_parse(bad[i], &r), LIAISON_EINVAL);
        CHECK_EQ(r, POLICY_ROLE_NONE);
    }
    CHECK_EQ(policy_role_parse(NULL, &r), LIAISON_EINVAL);
    CHECK_STR(policy_role_name(POLICY_ROLE_NONE), "none");
    CHECK_STR(policy_role_name(POLICY_ROLE_OFFICER | POLICY_ROLE_ADMIN),
              "none");
}

/* The matrix, spelled out once more: a change to roles.c must change
** this test too. */
TEST(role_matrix_exact)
{
    static const struct {
        policy_perm p;
        int officer, analyst, auditor, admin, monitor;
    } m[] = {
        {POLICY_PERM_SCREEN, 1, 1, 0, 0, 0},
        {POLICY_PERM_RECORDS_READ, 0, 1, 0, 0, 0},
        {POLICY_PERM_RECORDS_WRITE, 0, 1, 0, 0, 0},
        {POLICY_PERM_LISTS_READ, 0, 1, 0, 0, 0},
        {POLICY_PERM_DISCLOSURES, 0, 1, 0, 0, 0},
        {POLICY_PERM_AUDIT_READ, 0, 0, 1, 0, 0},
        {POLICY_PERM_AUDIT_VERIFY, 0, 0, 1, 1, 0},
        {POLICY_PERM_USERS_MANAGE, 0, 0, 0, 1, 0},
        {POLICY_PERM_METRICS_READ, 0, 0, 1, 1, 1},
        {POLICY_PERM_API_DESCRIBE, 1, 1, 1, 1, 1},
        {POLICY_PERM_DISCLOSURES_ASK, 1, 1, 0, 0, 0},
    };
    size_t i;
    CHECK_EQ(sizeof(m) / sizeof(m[0]), POLICY_PERM_COUNT);
    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        CHECK_EQ(policy_role_allows(POLICY_ROLE_OFFICER, m[i].p), m[i].officer);
        CHECK_EQ(policy_role_allows(POLICY_ROLE_ANALYST, m[i].p), m[i].analyst);
        CHECK_EQ(policy_role_allows(POLICY_ROLE_AUDITOR, m[i].p), m[i].auditor);
        CHECK_EQ(policy_role_allows(POLICY_ROLE_ADMIN, m[i].p), m[i].admin);
        CHECK_EQ(policy_role_allows(POLICY_ROLE_MONITOR, m[i].p), m[i].monitor);
        CHECK(strcmp(policy_perm_name(m[i].p), "?") != 0);
    }
}

TEST(role_matrix_least_privilege)
{
    int p;
    /* No role or a mixed mask holds anything; unknown permissions are
    ** held by no one. */
    for (p = 0; p < POLICY_PERM_COUNT; p++) {
        CHECK(!policy_role_allows(POLICY_ROLE_NONE, (policy_perm)p));
        CHECK(!policy_role_allows((policy_role)(POLICY_ROLE_OFFICER |
                                                POLICY_ROLE_ADMIN),
                                  (policy_perm)p));
        CHECK(!policy_role_allows((policy_role)0x100, (policy_perm)p));
    }
    CHECK(!policy_role_allows(POLICY_ROLE_ADMIN, POLICY_PERM_COUNT));
    CHECK_EQ(policy_perm_roles((policy_perm)99), 0);
    CHECK_STR(policy_perm_name((policy_perm)99), "?");
    /* Separation of duties: no role both screens and reads the audit,
    ** none both writes records and manages users. */
    CHECK(!(policy_perm_roles(POLICY_PERM_SCREEN) &
            policy_perm_roles(POLICY_PERM_AUDIT_READ)));
    CHECK(!(policy_perm_roles(POLICY_PERM_RECORDS_WRITE) &
            policy_perm_roles(POLICY_PERM_USERS_MANAGE)));
    CHECK(!(policy_perm_roles(POLICY_PERM_USERS_MANAGE) &
            policy_perm_roles(POLICY_PERM_AUDIT_READ)));
}

TEST(token_shape_and_uniqueness)
{
    char t[64][POLICY_TOKEN_MAX];
    int i, j;
    for (i = 0; i < 64; i++) {
        CHECK_EQ(policy_token_new(t[i]), LIAISON_OK);
        CHECK_EQ(strlen(t[i]), POLICY_TOKEN_LEN);
        CHECK(!strncmp(t[i], POLICY_TOKEN_PREFIX, 4));
        CHECK(policy_token_well_formed(t[i], strlen(t[i])));
        for (j = 0; j < i; j++)
            CHECK(strcmp(t[i], t[j]) != 0);
    }
}

TEST(token_well_formed_refusals)
{
    char t[POLICY_TOKEN_MAX], bad[POLICY_TOKEN_MAX + 8];
    CHECK_EQ(policy_token_new(t), LIAISON_OK);
    CHECK(!policy_token_well_formed(t, strlen(t) - 1));
    CHECK(!policy_token_well_formed("", 0));
    CHECK(!policy_token_well_formed(NULL, 47));
    memcpy(bad, t, sizeof(t));
    bad[0] = 'L';
    CHECK(!policy_token_well_formed(bad, strlen(bad)));
    memcpy(bad, t, sizeof(t));
    bad[20] = '+';              /* standard base64, not URL-safe */
    CHECK(!policy_token_well_formed(bad, strlen(bad)));
    memcpy(bad, t, sizeof(t));
    bad[20] = '\0';
    CHECK(!policy_token_well_formed(bad, POLICY_TOKEN_LEN));
    memcpy(bad, t, sizeof(t));
    memcpy(bad + POLICY_TOKEN_LEN, "AAAA", 5);
    CHECK(!policy_token_well_formed(bad, strlen(bad)));
}

TEST(token_hash)
{
    char t1[POLICY_TOKEN_MAX], t2[POLICY_TOKEN_MAX];
    char h1[POLICY_TOKEN_HASH_MAX], h1b[POLICY_TOKEN_HASH_MAX];
    char h2[POLICY_TOKEN_HASH_MAX];
    size_t i;
    CHECK_EQ(policy_token_new(t1), LIAISON_OK);
    CHECK_EQ(policy_token_new(t2), LIAISON_OK);
    CHECK_EQ(policy_token_hash(t1, strlen(t1), h1), LIAISON_OK);
    CHECK_EQ(policy_token_hash(t1, strlen(t1), h1b), LIAISON_OK);
    CHECK_EQ(policy_token_hash(t2, strlen(t2), h2), LIAISON_OK);
    CHECK_EQ(strlen(h1), POLICY_TOKEN_HASH_LEN);
    for (i = 0; i < strlen(h1); i++)
        CHECK((h1[i] >= '0' && h1[i] <= '9') || (h1[i] >= 'a' && h1[i] <= 'f'));
    CHECK_STR(h1, h1b);
    CHECK(strcmp(h1, h2) != 0);
    CHECK(strstr(h1, t1) == NULL);
    CHECK(policy_token_hash_equal(h1, h1b));
    CHECK(!policy_token_hash_equal(h1, h2));
    CHECK(!policy_token_hash_equal(h1, NULL));
    CHECK(!policy_token_hash_equal("", ""));
    CHECK(!policy_token_hash_equal("abc", "abcd"));
    /* Known answer (Python hashlib.blake2b, digest_size=32, of
    ** "liaison-token-v1lsn_x"), so that a
    ** change of the scheme (which would lock every user out) is noticed. */
    CHECK_EQ(policy_token_hash("lsn_x", 5, h1), LIAISON_OK);
    CHECK_STR(h1, "ef284622e6f29da0361a712f1daffa70ba1dd3a06926c726ab0e8b47f3b5c656");
    CHECK_EQ(policy_token_hash(t1, 2000, h1), LIAISON_EINVAL);
}

TEST(purposes_default)
{
    policy_purposes p;
    policy_purposes_default(&p);
    CHECK_EQ(p.n, 5);
    CHECK(policy_purpose_allowed(&p, "border-check", 12));
    CHECK(policy_purpose_allowed(&p, "visa-application", 16));
    CHECK(policy_purpose_allowed(&p, "residence-permit", 16));
    CHECK(policy_purpose_allowed(&p, "investigation", 13));
    CHECK(policy_purpose_allowed(&p, "watchlist-maintenance", 21));
    CHECK(!policy_purpose_allowed(&p, "border", 6));
    CHECK(!policy_purpose_allowed(&p, "border-check ", 13));
    CHECK(!policy_purpose_allowed(&p, "Border-Check", 12));
    CHECK(!policy_purpose_allowed(&p, "", 0));
    CHECK(!policy_purpose_allowed(&p, NULL, 3));
}

TEST(purposes_parse)
{
    policy_purposes p;
    struct liaison_err err;
    char many[2048];
    int i, n = 0;
    policy_purposes_default(&p);
    memset(&err, 0, sizeof(err));
    CHECK_EQ(policy_purposes_parse(&p, "border-check, asylum,customs-2",
                                   &err), LIAISON_OK);
    CHECK_EQ(p.n, 3);
    CHECK(policy_purpose_allowed(&p, "asylum", 6));
    CHECK(policy_purpose_allowed(&p, "customs-2", 9));
    CHECK(!policy_purpose_allowed(&p, "investigation", 13));
    /* Refusals leave the set as it was. */
    CHECK_EQ(policy_purposes_parse(&p, "", &err), LIAISON_EINVAL);
    CHECK_EQ(policy_purposes_parse(&p, "a,,b", &err), LIAISON_EINVAL);
    CHECK_EQ(policy_purposes_parse(&p, "Border", &err), LIAISON_EINVAL);
    CHECK_EQ(policy_purposes_parse(&p, "-x", &err), LIAISON_EINVAL);
    CHECK_EQ(policy_purposes_parse(&p, "x-", &err), LIAISON_EINVAL);
    CHECK_EQ(policy_purposes_parse(&p, "a--b", &err), LIAISON_EINVAL);
    CHECK_EQ(policy_purposes_parse(&p, "x y", &err), LIAISON_EINVAL);
    CHECK_EQ(policy_purposes_parse(&p, "dup,dup", &err), LIAISON_EINVAL);
    CHECK(strstr(err.msg, "twice") != NULL);
    CHECK_EQ(policy_purposes_parse(&p, "a234567890123456789012345678901234"
                                       "5678901234567890", &err),
             LIAISON_EINVAL);
    for (i = 0; i < POLICY_PURPOSES_MAX + 1; i++)
        n += snprintf(many + n, sizeof(many) - (size_t)n, "%sp%d",
                      i ? "," : "", i);
    CHECK_EQ(policy_purposes_parse(&p, many, &err), LIAISON_EINVAL);
    CHECK_EQ(p.n, 3);
    CHECK(policy_purpose_allowed(&p, "asylum", 6));
}

TEST(record_ownership)
{
    /* Own agency's records, absent owner on the own node. */
    CHECK(policy_may_write_record("MA-DGSN", "MA-DGSN", NULL));
    CHECK(policy_may_write_record("MA-DGSN", "MA-DGSN", "MA-DGSN"));
    CHECK(policy_may_write_record("MA-DGSN", "MA-DGSN", ""));
    /* Another agency's records, or this node's for a foreign user. */
    CHECK(!policy_may_write_record("MA-DGSN", "MA-DGSN", "TR-EGM"));
    CHECK(!policy_may_write_record("TR-EGM", "MA-DGSN", NULL));
    CHECK(policy_may_write_record("TR-EGM", "MA-DGSN", "TR-EGM"));
    CHECK(!policy_may_write_record(NULL, "MA-DGSN", NULL));
    /* A node without an agency: its users keep unowned records only. */
    CHECK(policy_may_write_record("X", NULL, NULL));
    CHECK(!policy_may_write_record("X", NULL, "Y"));
}

TEST(account_names)
{
    CHECK(policy_name_ok("alice"));
    CHECK(policy_name_ok("a.b_c-d@MA-DGSN"));
    CHECK(!policy_name_ok(""));
    CHECK(!policy_name_ok(NULL));
    CHECK(!policy_name_ok("a b"));
    CHECK(!policy_name_ok("a/b"));
    CHECK(!policy_name_ok("\xc3\xa9"));
    CHECK(!policy_name_ok("a234567890123456789012345678901234567890123456789"
                          "0123456789012345"));
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
