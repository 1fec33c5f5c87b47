/*
** test_audit.c: the audit trail's hash chain (src/audit): the canonical
** encoding and its hash, appending, verification, and tamper detection by
** editing the SQLite file the way an attacker would (with the append-only
** triggers dropped, or by rewriting bytes of a page directly), plus the
** store's durability controls used by the server's audit writer.
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "helpers/http.h"
#include "store/store.h"
#include "helpers/sql.h"
#include "testlib.h"

typedef struct fx {
    char dir[64];
    char db[128];
    store *s;
} fx;

static int fx_open(fx *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/liaison-audit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof(f->db), "%s/a.db", f->dir);
    if (store_create(f->db, "MA-DGSN", NULL))
        return -1;
    return store_open(f->db, &f->s, NULL);
}

static void fx_close(fx *f)
{
    store_close(f->s);
    f->s = NULL;
    th_rmtree(f->dir);
}

/* Append n entries with a marker in each detail. */
static int append_n(store *s, int n)
{
    int i;
    for (i = 1; i <= n; i++) {
        store_audit_entry e;
        char detail[128];
        memset(&e, 0, sizeof(e));
        snprintf(detail, sizeof(detail),
                 "{\"query\":{\"name\":\"MARKER-%03d-ABCDEF\"},\"hits\":0}", i);
        e.actor = i % 2 ? "olivia" : "anas";
        e.agency = "MA-DGSN";
        e.action = "screen";
        e.purpose = "border-check";
        e.detail_json = detail;
        if (audit_append(s, &e, NULL))
            return -1;
    }
    return 0;
}

static const char drop_triggers[] =
    "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;";

TEST(hash_is_deterministic_and_covers_every_field)
{
    store_audit_entry e, x;
    char h[STORE_AUDIT_HASH_MAX], h2[STORE_AUDIT_HASH_MAX];
    memset(&e, 0, sizeof(e));
    e.seq = 7;
    e.at = 1700000000;
    e.actor = "olivia";
    e.agency = "MA-DGSN";
    e.action = "screen";
    e.purpose = "border-check";
    e.detail_json = "{\"hits\":0}";
    e.prev_hash = "abc";
    e.hash = "ignored";
    CHECK_EQ(audit_entry_hash(&e, h), LIAISON_OK);
    CHECK_EQ(strlen(h), AUDIT_HASH_LEN);
    CHECK_EQ(audit_entry_hash(&e, h2), LIAISON_OK);
    CHECK_STR(h, h2);
#define DIFFERS(field, value)                                             \
    do {                                                                  \
        x = e;                                                            \
        x.field = value;                                                  \
        CHECK_EQ(audit_entry_hash(&x, h2), LIAISON_OK);                   \
        CHECK(strcmp(h, h2) != 0);                                        \
    } while (0)
    DIFFERS(seq, 8);
    DIFFERS(at, 1700000001);
    DIFFERS(actor, "olivib");
    DIFFERS(agency, "TR-EGM");
    DIFFERS(agency, NULL);
    DIFFERS(action, "screeN");
    DIFFERS(purpose, "investigation");
    DIFFERS(detail_json, "{\"hits\":1}");
    DIFFERS(prev_hash, "abd");
    DIFFERS(prev_hash, "");
#undef DIFFERS
    /* The hash field itself is not hashed. */
    x = e;
    x.hash = NULL;
    CHECK_EQ(audit_entry_hash(&x, h2), LIAISON_OK);
    CHECK_STR(h, h2);
    x.actor = NULL;
    CHECK_EQ(audit_entry_hash(&x, h2), LIAISON_EINVAL);
}

TEST(hash_encoding_is_unambiguous)
{
    store_audit_entry a, b;
    char ha[STORE_AUDIT_HASH_MAX], hb[STORE_AUDIT_HASH_MAX];
    memset(&a, 0, sizeof(a));
    a.seq = 1;
    a.action = "screen";
    a.actor = "ab";
    a.agency = "c";
    b = a;
    b.actor = "a";
    b.agency = "bc";
    CHECK_EQ(audit_entry_hash(&a, ha), LIAISON_OK);
    CHECK_EQ(audit_entry_hash(&b, hb), LIAISON_OK);
    CHECK(strcmp(ha, hb) != 0);
    /* A value moved to the next field. */
    b = a;
    b.agency = NULL;
    b.action = "c";
    b.purpose = "screen";
    CHECK_EQ(audit_entry_hash(&b, hb), LIAISON_OK);
    CHECK(strcmp(ha, hb) != 0);
    /* NULL and "" are the same (a backend may store either). */
    b = a;
    a.purpose = NULL;
    b.purpose = "";
    CHECK_EQ(audit_entry_hash(&a, ha), LIAISON_OK);
    CHECK_EQ(audit_entry_hash(&b, hb), LIAISON_OK);
    CHECK_STR(ha, hb);
}

TEST(hash_known_answer)
{
    /* BLAKE2b-256 of the encoding in audit.c note 2, computed
    ** independently (Python hashlib) for: seq 1, at 1700000000, actor
    ** "a", agency absent, action "x", purpose absent, detail "{}",
    ** prev_hash absent. */
    store_audit_entry e;
    char h[STORE_AUDIT_HASH_MAX];
    memset(&e, 0, sizeof(e));
    e.seq = 1;
    e.at = 1700000000;
    e.actor = "a";
    e.action = "x";
    e.detail_json = "{}";
    e.prev_hash = "";
    CHECK_EQ(audit_entry_hash(&e, h), LIAISON_OK);
    CHECK_STR(h, "d350d241020827e91638f09f0657e04459273b1f92c7ee1eda5e82f240759f3f");
}

TEST(append_and_verify)
{
    fx f;
    audit_verify_report r;
    int64_t seq = 0;
    char head[STORE_AUDIT_HASH_MAX];
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(audit_verify(f.s, NULL, &r), LIAISON_OK);
    CHECK(r.ok);
    CHECK_EQ(r.count, 0);
    CHECK_STR(r.head, "");
    CHECK_EQ(append_n(f.s, 25), 0);
    CHECK_EQ(audit_verify(f.s, NULL, &r), LIAISON_OK);
    CHECK(r.ok);
    CHECK_EQ(r.count, 25);
    CHECK_EQ(r.last_seq, 25);
    CHECK_EQ(store_audit_last(f.s, &seq, head), LIAISON_OK);
    CHECK_EQ(seq, 25);
    CHECK_STR(r.head, head);
    CHECK_EQ(r.bad_seq, 0);
    fx_close(&f);
}

TEST(append_joins_the_callers_transaction)
{
    fx f;
    audit_verify_report r;
    store_audit_entry e;
    int64_t seq = 0;
    CHECK_EQ(fx_open(&f), 0);
    memset(&e, 0, sizeof(e));
    e.actor = "anas";
    e.action = "record.put";
    CHECK_EQ(store_begin(f.s), LIAISON_OK);
    CHECK_EQ(audit_append(f.s, &e, &seq), LIAISON_OK);
    CHECK_EQ(seq, 1);
    CHECK_EQ(store_rollback(f.s), LIAISON_OK);
    CHECK_EQ(audit_verify(f.s, NULL, &r), LIAISON_OK);
    CHECK_EQ(r.count, 0);
    CHECK_EQ(audit_append(f.s, &e, &seq), LIAISON_OK);
    CHECK_EQ(seq, 1);
    fx_close(&f);
}

TEST(triggers_refuse_edits)
{
    fx f;
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 3), 0);
    CHECK(th_raw_sql(f.db, "UPDATE audit SET actor = 'x' WHERE seq = 2") !=
          SQLITE_OK);
    CHECK(th_raw_sql(f.db, "DELETE FROM audit WHERE seq = 2") != SQLITE_OK);
    fx_close(&f);
}

/* The chain must break at entry bad, after `good` intact entries. */
static void expect_broken(fx *f, int64_t bad, int64_t good, const char *words)
{
    audit_verify_report r;
    CHECK_EQ(audit_verify(f->s, NULL, &r), LIAISON_OK);
    CHECK(!r.ok);
    CHECK_EQ(r.bad_seq, bad);
    CHECK_EQ(r.count, good);
    CHECK_EQ(r.last_seq, good);
    if (!strstr(r.problem, words))
        fprintf(stderr, "problem: %s (expected \"%s\")\n", r.problem, words);
    CHECK(strstr(r.problem, words) != NULL);
}

TEST(tamper_edit_detail)
{
    fx f;
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 10), 0);
    CHECK_EQ(th_raw_sql(f.db, drop_triggers), SQLITE_OK);
    CHECK_EQ(th_raw_sql(f.db, "UPDATE audit SET detail_json = "
                           "'{\"query\":{\"name\":\"someone else\"}}' "
                           "WHERE seq = 4"), SQLITE_OK);
    expect_broken(&f, 4, 3, "contents");
    fx_close(&f);
}

TEST(tamper_edit_each_field)
{
    const char *edits[] = {
        "UPDATE audit SET actor = 'mallory' WHERE seq = 6",
        "UPDATE audit SET agency = 'TR-EGM' WHERE seq = 6",
        "UPDATE audit SET agency = NULL WHERE seq = 6",
        "UPDATE audit SET action = 'login' WHERE seq = 6",
        "UPDATE audit SET purpose = 'investigation' WHERE seq = 6",
        "UPDATE audit SET at = at + 1 WHERE seq = 6",
        "UPDATE audit SET hash = (CASE WHEN substr(hash, 1, 1) = '0' "
        "THEN '1' ELSE '0' END) || substr(hash, 2) WHERE seq = 6",
    };
    size_t i;
    for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        fx f;
        CHECK_EQ(fx_open(&f), 0);
        CHECK_EQ(append_n(f.s, 8), 0);
        CHECK_EQ(th_raw_sql(f.db, drop_triggers), SQLITE_OK);
        CHECK_EQ(th_raw_sql(f.db, edits[i]), SQLITE_OK);
        {
            audit_verify_report r;
            CHECK_EQ(audit_verify(f.s, NULL, &r), LIAISON_OK);
            if (r.ok)
                fprintf(stderr, "not detected: %s\n", edits[i]);
            CHECK(!r.ok);
            /* Any changed field, the hash included, fails entry 6's own
            ** hash check. */
            CHECK_EQ(r.bad_seq, 6);
        }
        fx_close(&f);
    }
}

TEST(tamper_rehashed_edit_breaks_next_link)
{
    fx f;
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    store_audit_entry e;
    char hash[STORE_AUDIT_HASH_MAX], sql[512];
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 6), 0);
    CHECK_EQ(th_raw_sql(f.db, drop_triggers), SQLITE_OK);
    /* The attacker edits entry 3 and recomputes its hash correctly. */
    CHECK_EQ(sqlite3_open(f.db, &h), SQLITE_OK);
    CHECK_EQ(sqlite3_prepare_v2(h, "SELECT at, prev_hash FROM audit WHERE "
                                   "seq = 3", -1, &st, NULL), SQLITE_OK);
    CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
    memset(&e, 0, sizeof(e));
    e.seq = 3;
    e.at = sqlite3_column_int64(st, 0);
    e.prev_hash = (const char *)sqlite3_column_text(st, 1);
    e.actor = "olivia";
    e.agency = "MA-DGSN";
    e.action = "screen";
    e.purpose = "border-check";
    e.detail_json = "{\"hits\":0}";
    CHECK_EQ(audit_entry_hash(&e, hash), LIAISON_OK);
    sqlite3_finalize(st);
    sqlite3_close(h);
    snprintf(sql, sizeof(sql), "UPDATE audit SET detail_json = '{\"hits\":0}',"
             " hash = '%s' WHERE seq = 3", hash);
    CHECK_EQ(th_raw_sql(f.db, sql), SQLITE_OK);
    expect_broken(&f, 4, 3, "prev_hash");
    fx_close(&f);
}

TEST(tamper_delete_middle_entry)
{
    fx f;
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 9), 0);
    CHECK_EQ(th_raw_sql(f.db, drop_triggers), SQLITE_OK);
    CHECK_EQ(th_raw_sql(f.db, "DELETE FROM audit WHERE seq = 5"), SQLITE_OK);
    expect_broken(&f, 6, 4, "missing");
    fx_close(&f);
}

TEST(tamper_delete_first_entry)
{
    fx f;
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 4), 0);
    CHECK_EQ(th_raw_sql(f.db, drop_triggers), SQLITE_OK);
    CHECK_EQ(th_raw_sql(f.db, "DELETE FROM audit WHERE seq = 1"), SQLITE_OK);
    {
        audit_verify_report r;
        CHECK_EQ(audit_verify(f.s, NULL, &r), LIAISON_OK);
        CHECK(!r.ok);
        CHECK_EQ(r.bad_seq, 2);
        CHECK(strstr(r.problem, "starts at entry 2") != NULL);
    }
    fx_close(&f);
}

TEST(tamper_renumber_after_delete)
{
    /* Delete entry 5 and renumber the rest to hide the gap. */
    fx f;
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 8), 0);
    CHECK_EQ(th_raw_sql(f.db, drop_triggers), SQLITE_OK);
    CHECK_EQ(th_raw_sql(f.db, "DELETE FROM audit WHERE seq = 5;"
                           "UPDATE audit SET seq = -seq WHERE seq > 5;"
                           "UPDATE audit SET seq = -seq - 1 WHERE seq < 0;"),
             SQLITE_OK);
    expect_broken(&f, 5, 4, "prev_hash");
    fx_close(&f);
}

TEST(tamper_swap_two_entries)
{
    fx f;
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 6), 0);
    CHECK_EQ(th_raw_sql(f.db, drop_triggers), SQLITE_OK);
    CHECK_EQ(th_raw_sql(f.db, "UPDATE audit SET seq = 100 WHERE seq = 3;"
                           "UPDATE audit SET seq = 3 WHERE seq = 4;"
                           "UPDATE audit SET seq = 4 WHERE seq = 100;"),
             SQLITE_OK);
    expect_broken(&f, 3, 2, "");
    fx_close(&f);
}

TEST(tamper_insert_forged_entry)
{
    fx f;
    /* Make room at 3 (via negative numbers: the primary key) and put a
    ** made-up entry there that names entry 2's hash. */
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 5), 0);
    CHECK_EQ(th_raw_sql(f.db, drop_triggers), SQLITE_OK);
    CHECK_EQ(th_raw_sql(f.db, "UPDATE audit SET seq = -seq - 1 WHERE seq >= 3;"
                           "UPDATE audit SET seq = -seq WHERE seq < 0;"
                           "INSERT INTO audit(seq, at, actor, action,"
                           " prev_hash, hash) SELECT 3, at, 'mallory', "
                           "'screen', hash, hash FROM audit WHERE seq = 2;"),
             SQLITE_OK);
    expect_broken(&f, 3, 2, "contents");
    fx_close(&f);
}

TEST(tamper_cut_tail_needs_an_anchor)
{
    fx f;
    audit_verify_report r, before;
    audit_anchor a;
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 7), 0);
    CHECK_EQ(audit_verify(f.s, NULL, &before), LIAISON_OK);
    a.seq = before.last_seq;
    a.hash = before.head;
    CHECK_EQ(audit_verify(f.s, &a, &r), LIAISON_OK);
    CHECK(r.ok);
    CHECK_EQ(th_raw_sql(f.db, drop_triggers), SQLITE_OK);
    CHECK_EQ(th_raw_sql(f.db, "DELETE FROM audit WHERE seq >= 6"), SQLITE_OK);
    /* Without an anchor the shorter chain is consistent... */
    CHECK_EQ(audit_verify(f.s, NULL, &r), LIAISON_OK);
    CHECK(r.ok);
    CHECK_EQ(r.count, 5);
    /* ...with one, the cut is found. */
    CHECK_EQ(audit_verify(f.s, &a, &r), LIAISON_OK);
    CHECK(!r.ok);
    CHECK_EQ(r.bad_seq, 7);
    CHECK(strstr(r.problem, "cut short") != NULL);
    /* A wrong anchor hash is reported at its entry. */
    a.seq = 3;
    a.hash = before.head;
    CHECK_EQ(audit_verify(f.s, &a, &r), LIAISON_OK);
    CHECK(!r.ok);
    CHECK_EQ(r.bad_seq, 3);
    fx_close(&f);
}

/* An attacker who does not use SQLite at all: bytes of the file itself. */
TEST(tamper_raw_page_edit)
{
    fx f;
    FILE *fp;
    char *buf;
    long n, i, hit = -1;
    const char *marker = "MARKER-012-ABCDEF";
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(append_n(f.s, 20), 0);
    store_close(f.s);
    f.s = NULL;
    /* Move everything from the WAL into the database file. */
    CHECK_EQ(th_raw_sql(f.db, "PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
    fp = fopen(f.db, "r+b");
    CHECK(fp != NULL);
    if (!fp) {
        fx_close(&f);
        return;
    }
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    buf = malloc((size_t)n);
    CHECK(fread(buf, 1, (size_t)n, fp) == (size_t)n);
    for (i = 0; i + (long)strlen(marker) <= n; i++)
        if (!memcmp(buf + i, marker, strlen(marker))) {
            hit = i;
            break;
        }
    CHECK(hit >= 0);
    if (hit >= 0) {
        fseek(fp, hit + (long)strlen(marker) - 1, SEEK_SET);
        fputc('X', fp);         /* ...ABCDEF -> ...ABCDEX, same length */
    }
    fclose(fp);
    free(buf);
    CHECK_EQ(store_open(f.db, &f.s, NULL), LIAISON_OK);
    expect_broken(&f, 12, 11, "contents");
    fx_close(&f);
}

/* Appenders on separate handles (threads, or processes) never fork the
** chain. */
typedef struct app_arg {
    const char *db;
    int n, failed;
} app_arg;

static void *appender(void *p)
{
    app_arg *a = p;
    store *s = NULL;
    if (store_open(a->db, &s, NULL) || append_n(s, a->n))
        a->failed = 1;
    store_close(s);
    return NULL;
}

TEST(concurrent_appenders_keep_one_chain)
{
    fx f;
    pthread_t th[4];
    app_arg a[4];
    audit_verify_report r;
    int i;
    CHECK_EQ(fx_open(&f), 0);
    for (i = 0; i < 4; i++) {
        a[i].db = f.db;
        a[i].n = 30;
        a[i].failed = 0;
        pthread_create(&th[i], NULL, appender, &a[i]);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(!a[i].failed);
    }
    CHECK_EQ(audit_verify(f.s, NULL, &r), LIAISON_OK);
    CHECK(r.ok);
    CHECK_EQ(r.count, 120);
    fx_close(&f);
}

TEST(store_sync_modes)
{
    fx f;
    store *w = NULL;
    audit_verify_report r;
    CHECK_EQ(fx_open(&f), 0);
    CHECK_EQ(store_open(f.db, &w, NULL), LIAISON_OK);
    CHECK_EQ(store_set_sync(w, 0), LIAISON_OK);
    CHECK_EQ(append_n(w, 50), 0);
    /* Another handle syncs and checkpoints what w committed. */
    CHECK_EQ(store_sync(f.s), LIAISON_OK);
    CHECK_EQ(store_checkpoint(f.s, NULL), LIAISON_OK);
    CHECK_EQ(audit_verify(f.s, NULL, &r), LIAISON_OK);
    CHECK(r.ok);
    CHECK_EQ(r.count, 50);
    CHECK_EQ(store_set_sync(w, 1), LIAISON_OK);
    CHECK_EQ(store_begin(w), LIAISON_OK);
    CHECK_EQ(store_set_sync(w, 0), LIAISON_ESTATE);
    CHECK_EQ(store_sync(w), LIAISON_ESTATE);
    CHECK_EQ(store_checkpoint(w, NULL), LIAISON_ESTATE);
    CHECK_EQ(store_rollback(w), LIAISON_OK);
    store_close(w);
    fx_close(&f);
}

/* The audit writer's handle (store_set_sync(w, 0)) starts the WAL over
** after its own checkpoints; the log file then keeps the size it grew to.
** Cut back to 64 MiB and grown again each time, it stalled the server's
** requests for ~100 ms at every restart (sqlite.c, sq_set_sync). */
TEST(a_busy_writer_restarts_the_log_in_place)
{
    fx f;
    store *w = NULL;
    audit_verify_report r;
    struct stat st;
    char wal[160], *detail;
    off_t grown;
    long frames = -1;
    int i, n = 0;
    const size_t big = 64 * 1024;
    CHECK_EQ(fx_open(&f), 0);
    snprintf(wal, sizeof(wal), "%s-wal", f.db);
    CHECK_EQ(store_open(f.db, &w, NULL), LIAISON_OK);
    CHECK_EQ(store_set_sync(w, 0), LIAISON_OK);
    detail = malloc(big + 32);
    CHECK(detail != NULL);
    /* Entries of 64 KiB until the log is well past 64 MiB. */
    do {
        store_audit_entry e;
        memset(&e, 0, sizeof(e));
        i = snprintf(detail, big, "{\"blob\":\"%d-", n);
        memset(detail + i, 'x', big - (size_t)i);
        memcpy(detail + big, "\"}", 3);
        e.actor = "olivia";
        e.action = "screen";
        e.purpose = "border-check";
        e.detail_json = detail;
        CHECK_EQ(audit_append(w, &e, NULL), LIAISON_OK);
        n++;
        CHECK_EQ(stat(wal, &st), 0);
    } while (st.st_size < (off_t)80 << 20);
    grown = st.st_size;
    /* Between two commits, everything is copied back... */
    CHECK_EQ(store_checkpoint(w, &frames), LIAISON_OK);
    /* ...and the next commit starts the log over, in place. */
    CHECK_EQ(append_n(w, 3), 0);
    CHECK_EQ(store_checkpoint(w, &frames), LIAISON_OK);
    CHECK(frames > 0 && frames < 100);      /* it did start over */
    CHECK_EQ(stat(wal, &st), 0);
    CHECK(st.st_size >= grown);
    CHECK_EQ(audit_verify(f.s, NULL, &r), LIAISON_OK);
    CHECK(r.ok);
    CHECK_EQ(r.count, n + 3);
    free(detail);
    store_close(w);
    fx_close(&f);
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
