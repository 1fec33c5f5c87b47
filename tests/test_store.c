/*
** test_store.c: the store through store.h, on the SQLite backend: opening
** and refusing files, records and the change feed, lists and stats,
** transactions (including a child killed mid-import), users, the audit
** log (with concurrent chained appends), peers and disclosures, and
** allocation failures.
**
** LIAISON_STORE_BENCH=N runs the put/iterate measurement with N records
** and prints the rates on stderr (default: 20000 records, no output).
*/
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "helpers/sql.h"
#include "testlib.h"

/* ---------------------------------------------------------------- fixture */

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int fx_init(fixture *fx)
{
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/liaison-store-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/store.db", fx->dir);
    return 0;
}

static int rm_one(const char *p, const struct stat *sb, int type,
                  struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(p);
}

static void fx_fini(fixture *fx)
{
    nftw(fx->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* A new store at fx->path, opened. */
static store *fx_store(fixture *fx, const char *agency)
{
    store *s = NULL;
    struct liaison_err err = {0};
    if (fx_init(fx) < 0)
        return NULL;
    if (store_create(fx->path, agency, &err) < 0 ||
        store_open(fx->path, &s, &err) < 0) {
        fprintf(stderr, "fx_store: %s\n", err.msg);
        return NULL;
    }
    return s;
}

static void make_rec(store_rec *r, char *id, size_t idsz, char *json,
                     size_t jsz, long i, const char *list)
{
    snprintf(id, idsz, "rec-%06ld", i);
    snprintf(json, jsz, "{\"id\":\"%s\",\"list\":\"%s\",\"kind\":\"person\","
             "\"names\":[{\"full\":\"Person %ld\"},{\"full\":\"Alias %ld\","
             "\"type\":\"alias\"}],\"sharing\":\"hit\"}", id, list, i, i);
    memset(r, 0, sizeof(*r));
    r->id = id;
    r->list = list;
    r->kind = "person";
    r->sharing = "hit";
    r->n_names = 2;
    r->json = json;
    r->json_len = strlen(json);
}

static int put_n(store *s, long from, long to, const char *list)
{
    char id[32], json[256];
    store_rec r;
    long i;
    int rc;
    for (i = from; i < to; i++) {
        make_rec(&r, id, sizeof(id), json, sizeof(json), i, list);
        rc = store_record_put(s, &r, NULL);
        if (rc < 0)
            return rc;
    }
    return LIAISON_OK;
}

static int count_fn(void *ud, const store_rec *r)
{
    (void)r;
    (*(long *)ud)++;
    return 0;
}

static long count_records(store *s)
{
    long n = 0;
    if (store_record_each(s, count_fn, &n) < 0)
        return -1;
    return n;
}

/* The first column of the first row sql gives on the file, in buf ("" if
** none). */
static const char *first_text(const char *path, const char *sql, char *buf,
                              size_t size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    buf[0] = 0;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

static int integrity_ok(const char *path)
{
    char buf[64];
    return !strcmp(first_text(path, "PRAGMA integrity_check", buf,
                              sizeof(buf)), "ok");
}

/* ---------------------------------------------------------------- opening */

TEST(create_open)
{
    fixture fx;
    struct liaison_err err = {0};
    store *s = fx_store(&fx, "ma-dgsn");
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_STR(store_agency(s), "ma-dgsn");
    CHECK_STR(store_backend(s), "sqlite");
    CHECK_EQ(store_in_transaction(s), 0);
    store_close(s);
    CHECK_EQ(store_create(fx.path, "x", &err), LIAISON_EEXIST);
    CHECK(strstr(err.msg, "already exists") != NULL);
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_OK);
    CHECK_STR(store_agency(s), "ma-dgsn");
    store_close(s);
    store_close(NULL);
    fx_fini(&fx);
}

TEST(create_without_agency)
{
    fixture fx;
    store *s = fx_store(&fx, NULL);
    CHECK(s != NULL);
    if (s)
        CHECK(store_agency(s) == NULL);
    store_close(s);
    fx_fini(&fx);
}

TEST(file_is_private_and_wal)
{
    fixture fx;
    struct stat sb;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    store *s = fx_store(&fx, "a");
    CHECK(s != NULL);
    CHECK_EQ(stat(fx.path, &sb), 0);
    CHECK_EQ(sb.st_mode & 077, 0);
    CHECK_EQ(sqlite3_open(fx.path, &db), SQLITE_OK);
    CHECK_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL),
             SQLITE_OK);
    CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
    store_close(s);
    fx_fini(&fx);
}

TEST(open_missing)
{
    fixture fx;
    struct liaison_err err = {0};
    store *s = (store *)&fx;
    CHECK_EQ(fx_init(&fx), 0);
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_ENOTFOUND);
    CHECK(s == NULL);
    CHECK(strstr(err.msg, "no store") != NULL);
    CHECK_EQ(store_open(fx.dir, &s, &err), LIAISON_EFORMAT);
    CHECK_EQ(store_open("", &s, &err), LIAISON_EINVAL);
    fx_fini(&fx);
}

TEST(open_refuses_non_sqlite)
{
    fixture fx;
    struct liaison_err err = {0};
    store *s = NULL;
    FILE *f;
    CHECK_EQ(fx_init(&fx), 0);
    f = fopen(fx.path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("{\"id\":\"ma-1\",\"list\":\"wanted\"} this is a JSONL file, "
          "not a database, and it is long enough to have a header\n", f);
    fclose(f);
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_EFORMAT);
    CHECK(s == NULL);
    CHECK(strstr(err.msg, "not a SQLite database") != NULL);
    fx_fini(&fx);
}

TEST(open_refuses_foreign_sqlite)
{
    fixture fx;
    struct liaison_err err = {0};
    store *s = NULL;
    CHECK_EQ(fx_init(&fx), 0);
    CHECK_EQ(th_raw_sql(fx.path, "CREATE TABLE t(x); INSERT INTO t VALUES(1)"),
             SQLITE_OK);
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "not a liaison store") != NULL);
    CHECK(s == NULL);
    fx_fini(&fx);
}

TEST(open_refuses_newer_or_unknown_schema)
{
    fixture fx;
    struct liaison_err err = {0};
    store *s = fx_store(&fx, "a");
    store_close(s);
    CHECK_EQ(th_raw_sql(fx.path, "UPDATE meta SET value = '99' WHERE key = "
                              "'schema_version'"), SQLITE_OK);
    s = NULL;
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "newer") != NULL);
    CHECK(s == NULL);
    CHECK_EQ(th_raw_sql(fx.path, "UPDATE meta SET value = 'v2-beta' WHERE key "
                              "= 'schema_version'"), SQLITE_OK);
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "unknown store schema version") != NULL);
    CHECK_EQ(th_raw_sql(fx.path, "DELETE FROM meta"), SQLITE_OK);
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_EFORMAT);
    CHECK(s == NULL);
    fx_fini(&fx);
}

/* ---------------------------------------------------------------- records */

TEST(record_put_get_upsert)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    store_rec r = {0};
    char *json = NULL;
    size_t len = 0;
    int64_t seq = -1;
    if (!s)
        return;
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK_EQ(seq, 0);
    r.id = "ma-1";
    r.list = "wanted";
    r.kind = "person";
    r.sharing = "hit";
    r.n_names = 1;
    r.json = "{\"v\":1}";
    r.json_len = 7;
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_OK);
    CHECK_EQ(store_record_get(s, "ma-1", &json, &len), LIAISON_OK);
    CHECK_STR(json, "{\"v\":1}");
    CHECK_EQ(len, 7);
    util_free(json);
    r.json = "{\"v\":2,\"longer\":true}";
    r.json_len = strlen(r.json);
    r.owner = "tr-egm";
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_OK);
    CHECK_EQ(store_record_get(s, "ma-1", &json, &len), LIAISON_OK);
    CHECK_STR(json, "{\"v\":2,\"longer\":true}");
    util_free(json);
    CHECK_EQ(count_records(s), 1);
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK_EQ(seq, 2);
    json = (char *)&fx;
    CHECK_EQ(store_record_get(s, "nope", &json, &len), LIAISON_ENOTFOUND);
    CHECK(json == NULL);
    CHECK_EQ(len, 0);
    store_close(s);
    fx_fini(&fx);
}

TEST(record_json_with_length)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    store_rec r = {0};
    char *json = NULL;
    size_t len = 0;
    if (!s)
        return;
    r.id = "x";
    r.list = "l";
    r.kind = "vehicle";
    r.sharing = "none";
    r.json = "{\"a\":1}GARBAGE";
    r.json_len = 7;
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_OK);
    CHECK_EQ(store_record_get(s, "x", &json, &len), LIAISON_OK);
    CHECK_STR(json, "{\"a\":1}");
    util_free(json);
    store_close(s);
    fx_fini(&fx);
}

TEST(record_put_refuses_bad_values)
{
    fixture fx;
    struct liaison_err err = {0};
    store *s = fx_store(&fx, "a");
    store_rec r = {0};
    if (!s)
        return;
    r.id = "x";
    r.list = "l";
    r.kind = "alien";
    r.sharing = "hit";
    r.json = "{}";
    r.json_len = 2;
    CHECK_EQ(store_record_put(s, &r, &err), LIAISON_EINVAL);
    CHECK(strstr(err.msg, "kind") != NULL);
    r.kind = "person";
    r.sharing = "everyone";
    CHECK_EQ(store_record_put(s, &r, &err), LIAISON_EINVAL);
    CHECK(strstr(err.msg, "sharing") != NULL);
    r.sharing = "hit";
    r.list = "";
    CHECK_EQ(store_record_put(s, &r, &err), LIAISON_EINVAL);
    r.list = "l";
    r.id = NULL;
    CHECK_EQ(store_record_put(s, &r, &err), LIAISON_EINVAL);
    r.id = "x";
    r.n_names = -1;
    CHECK_EQ(store_record_put(s, &r, &err), LIAISON_EINVAL);
    /* A refused put inside a transaction does not spoil it. */
    r.n_names = 0;
    CHECK_EQ(store_begin(s), LIAISON_OK);
    r.kind = "alien";
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_EINVAL);
    r.kind = "person";
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_OK);
    CHECK_EQ(store_record_delete(s, "missing"), LIAISON_ENOTFOUND);
    CHECK_EQ(store_commit(s), LIAISON_OK);
    CHECK_EQ(count_records(s), 1);
    store_close(s);
    fx_fini(&fx);
}

static int change_fn(void *ud, const store_change *c)
{
    util_buf *b = ud;
    return util_buf_printf(b, "%lld:%s:%s ", (long long)c->seq, c->id,
                           c->op == STORE_OP_PUT ? "put" : "delete");
}

TEST(record_delete_and_change_feed)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    util_buf b;
    int64_t seq = 0;
    if (!s)
        return;
    util_buf_init(&b, 1 << 20);
    CHECK_EQ(put_n(s, 0, 3, "wanted"), LIAISON_OK);
    CHECK_EQ(store_record_delete(s, "rec-000001"), LIAISON_OK);
    CHECK_EQ(store_record_delete(s, "rec-000001"), LIAISON_ENOTFOUND);
    CHECK(strstr(store_last_error(s), "rec-000001") != NULL);
    CHECK_EQ(put_n(s, 1, 2, "wanted"), LIAISON_OK);
    CHECK_EQ(store_changes_since(s, 0, change_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "1:rec-000000:put 2:rec-000001:put "
              "3:rec-000002:put 4:rec-000001:delete 5:rec-000001:put ");
    util_buf_reset(&b);
    CHECK_EQ(store_changes_since(s, 3, change_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "4:rec-000001:delete 5:rec-000001:put ");
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK_EQ(seq, 5);
    CHECK_EQ(store_changes_wait(s, 4, 0), LIAISON_OK);
    CHECK_EQ(store_changes_wait(s, 5, 0), LIAISON_ETIMEOUT);
    CHECK_EQ(count_records(s), 3);
    util_buf_fini(&b);
    store_close(s);
    fx_fini(&fx);
}

struct order_ud {
    char last[64];
    long n, bad;
    int64_t max_seq;
};

static int order_fn(void *ud, const store_rec *r)
{
    struct order_ud *o = ud;
    if (o->n && strcmp(o->last, r->id) >= 0)
        o->bad++;
    if (strcmp(r->list, "wanted") || strcmp(r->kind, "person") ||
        r->n_names != 2 || r->owner != NULL || r->json_len != strlen(r->json))
        o->bad++;
    if (r->seq > o->max_seq)
        o->max_seq = r->seq;
    util_strlcpy(o->last, r->id, sizeof(o->last));
    o->n++;
    return o->n == 1000 ? 42 : 0;
}

TEST(record_each_in_id_order)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    struct order_ud o = {{0}, 0, 0, 0};
    long i;
    if (!s)
        return;
    CHECK_EQ(store_begin(s), LIAISON_OK);
    for (i = 0; i < 1200; i++)      /* scattered ids */
        CHECK_EQ(put_n(s, (i * 7919) % 1200, (i * 7919) % 1200 + 1,
                       "wanted"), LIAISON_OK);
    CHECK_EQ(store_commit(s), LIAISON_OK);
    CHECK_EQ(store_record_each(s, order_fn, &o), 42);    /* stopped early */
    CHECK_EQ(o.n, 1000);
    CHECK_EQ(o.bad, 0);
    CHECK_STR(o.last, "rec-000999");
    CHECK_EQ(count_records(s), 1200);
    store_close(s);
    fx_fini(&fx);
}

static int nested_fn(void *ud, const store_rec *r)
{
    store *s = ud;
    char *json = NULL;
    size_t len;
    long n = 0;
    int rc = store_record_get(s, r->id, &json, &len);   /* allowed */
    util_free(json);
    if (rc < 0)
        return rc;
    return store_record_each(s, count_fn, &n);          /* refused */
}

TEST(record_each_refuses_reentry)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    if (!s)
        return;
    CHECK_EQ(put_n(s, 0, 2, "l"), LIAISON_OK);
    CHECK_EQ(store_record_each(s, nested_fn, s), LIAISON_ESTATE);
    CHECK_EQ(count_records(s), 2);       /* the statement was reset */
    store_close(s);
    fx_fini(&fx);
}

/* ---------------------------------------------------------------- lists */

static int list_fn(void *ud, const store_list *l)
{
    return util_buf_printf(ud, "%s/%s/%s/%ld ", l->name,
                           l->description ? l->description : "-",
                           l->owner ? l->owner : "-", l->records);
}

TEST(stats_and_lists)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    store_stats st;
    util_buf b;
    if (!s)
        return;
    util_buf_init(&b, 1 << 16);
    CHECK_EQ(store_get_stats(s, &st), LIAISON_OK);
    CHECK_EQ(st.records, 0);
    CHECK_EQ(st.n_lists, 0);
    store_stats_fini(&st);
    CHECK_EQ(put_n(s, 0, 5, "wanted"), LIAISON_OK);
    CHECK_EQ(put_n(s, 5, 7, "sanctions"), LIAISON_OK);
    CHECK_EQ(put_n(s, 7, 10, "stolen-docs"), LIAISON_OK);
    CHECK_EQ(put_n(s, 4, 5, "sanctions"), LIAISON_OK);   /* moves a record */
    CHECK_EQ(store_get_stats(s, &st), LIAISON_OK);
    CHECK_EQ(st.records, 10);
    CHECK_EQ(st.names, 20);
    CHECK_EQ(st.n_lists, 3);
    if (st.n_lists == 3) {
        CHECK_STR(st.lists[0].list, "sanctions");
        CHECK_EQ(st.lists[0].records, 3);
        CHECK_STR(st.lists[1].list, "stolen-docs");
        CHECK_EQ(st.lists[1].records, 3);
        CHECK_STR(st.lists[2].list, "wanted");
        CHECK_EQ(st.lists[2].records, 4);
    }
    store_stats_fini(&st);
    CHECK_EQ(st.n_lists, 0);
    CHECK_EQ(store_list_put(s, "wanted", "Wanted persons", NULL),
             LIAISON_OK);
    CHECK_EQ(store_list_put(s, "empty", NULL, "tr-egm"), LIAISON_OK);
    CHECK_EQ(store_list_each(s, list_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "empty/-/tr-egm/0 sanctions/-/-/3 "
              "stolen-docs/-/-/3 wanted/Wanted persons/-/4 ");
    CHECK_EQ(store_list_put(s, "", "x", NULL), LIAISON_EINVAL);
    util_buf_fini(&b);
    store_close(s);
    fx_fini(&fx);
}

/* ---------------------------------------------------------------- transactions */

TEST(transaction_states)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    if (!s)
        return;
    CHECK_EQ(store_commit(s), LIAISON_ESTATE);
    CHECK_EQ(store_rollback(s), LIAISON_ESTATE);
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(store_in_transaction(s), 1);
    CHECK_EQ(store_begin(s), LIAISON_ESTATE);
    CHECK(strstr(store_last_error(s), "already open") != NULL);
    CHECK_EQ(put_n(s, 0, 10, "l"), LIAISON_OK);
    CHECK_EQ(count_records(s), 10);          /* own writes are visible */
    CHECK_EQ(store_rollback(s), LIAISON_OK);
    CHECK_EQ(store_in_transaction(s), 0);
    CHECK_EQ(count_records(s), 0);
    store_close(s);
    fx_fini(&fx);
}

TEST(commit_reopen_sees_everything)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    store_stats st;
    int64_t seq = 0;
    if (!s)
        return;
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(put_n(s, 0, 500, "wanted"), LIAISON_OK);
    CHECK_EQ(store_commit(s), LIAISON_OK);
    store_close(s);
    s = NULL;
    CHECK_EQ(store_open(fx.path, &s, NULL), LIAISON_OK);
    if (!s)
        return;
    CHECK_EQ(count_records(s), 500);
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK_EQ(seq, 500);
    CHECK_EQ(store_get_stats(s, &st), LIAISON_OK);
    CHECK_EQ(st.names, 1000);
    store_stats_fini(&st);
    store_close(s);
    CHECK(integrity_ok(fx.path));
    fx_fini(&fx);
}

TEST(close_rolls_back)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    if (!s)
        return;
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(put_n(s, 0, 5, "l"), LIAISON_OK);
    store_close(s);
    CHECK_EQ(store_open(fx.path, &s, NULL), LIAISON_OK);
    CHECK_EQ(count_records(s), 0);
    store_close(s);
    fx_fini(&fx);
}

/* A trigger that fails one insert stands in for a disk that fails. */
TEST(failed_write_spoils_transaction)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    store_rec r;
    char id[32], json[256];
    int64_t seq = 0;
    if (!s)
        return;
    CHECK_EQ(put_n(s, 0, 3, "l"), LIAISON_OK);
    CHECK_EQ(th_raw_sql(fx.path, "CREATE TRIGGER boom BEFORE INSERT ON records"
                     " WHEN NEW.id = 'rec-000100'"
                     " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"),
             SQLITE_OK);
    /* Outside a transaction: the put fails whole, change row included. */
    make_rec(&r, id, sizeof(id), json, sizeof(json), 100, "l");
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_EDB);
    CHECK(strstr(store_last_error(s), "disk on fire") != NULL);
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK_EQ(seq, 3);
    /* Inside one: the transaction is spoiled and commit rolls back. */
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(put_n(s, 10, 20, "l"), LIAISON_OK);
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_EDB);
    CHECK_EQ(put_n(s, 20, 21, "l"), LIAISON_ESTATE);
    CHECK_EQ(store_begin(s), LIAISON_ESTATE);
    CHECK_EQ(store_commit(s), LIAISON_EDB);
    CHECK(strstr(store_last_error(s), "rolled back") != NULL);
    CHECK_EQ(store_in_transaction(s), 0);
    CHECK_EQ(count_records(s), 3);
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK_EQ(seq, 3);
    /* The handle works on. */
    CHECK_EQ(put_n(s, 3, 4, "l"), LIAISON_OK);
    CHECK_EQ(count_records(s), 4);
    store_close(s);
    fx_fini(&fx);
}

/* The child imports in one transaction and tells the parent through a pipe
** once it has written half; the parent kills it with SIGKILL.  Nothing of
** the child's import may show, the file must be sound, and what was
** committed before must all be there. */
#define KILL_COMMITTED 300
#define KILL_HALF 12000

/* Records of about 2 KiB, so that the import outgrows the page cache and
** SQLite spills uncommitted pages into the WAL. */
static int put_big(store *s, long i)
{
    static char json[2300];
    char id[32];
    store_rec r;
    make_rec(&r, id, sizeof(id), json, 256, i, "import");
    memset(json + r.json_len, ' ', 2048);
    r.json_len += 2048;
    return store_record_put(s, &r, NULL);
}

static void child_import(const char *path, int wfd)
{
    store *s = NULL;
    long i;
    char one = 'x';
    if (store_open(path, &s, NULL) < 0 || store_begin(s) < 0)
        _exit(3);
    for (i = KILL_COMMITTED; i < KILL_COMMITTED + KILL_HALF; i++)
        if (put_big(s, i) < 0)
            _exit(4);
    if (write(wfd, &one, 1) != 1)
        _exit(5);
    for (;; i++)                    /* "the other half", until killed */
        if (put_big(s, i) < 0)
            _exit(6);
}

TEST(kill_mid_import_leaves_nothing)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    struct stat sb;
    char wal[160], c;
    int p[2], status = 0;
    store_stats st;
    pid_t pid;
    if (!s)
        return;
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(put_n(s, 0, KILL_COMMITTED, "wanted"), LIAISON_OK);
    CHECK_EQ(store_commit(s), LIAISON_OK);
    store_close(s);
    s = NULL;
    CHECK_EQ(pipe(p), 0);
    fflush(NULL);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        child_import(fx.path, p[1]);
    }
    close(p[1]);
    CHECK_EQ(read(p[0], &c, 1), 1);
    close(p[0]);
    /* The import has spilled uncommitted pages into the WAL by now. */
    snprintf(wal, sizeof(wal), "%s-wal", fx.path);
    CHECK_EQ(stat(wal, &sb), 0);
    CHECK(sb.st_size > 4 * 1024 * 1024);
    CHECK_EQ(kill(pid, SIGKILL), 0);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(integrity_ok(fx.path));

    CHECK_EQ(store_open(fx.path, &s, NULL), LIAISON_OK);
    if (!s)
        goto out;
    CHECK_EQ(count_records(s), KILL_COMMITTED);
    {
        char *json = NULL;
        size_t len;
        int64_t seq = 0;
        CHECK_EQ(store_record_get(s, "rec-000000", &json, &len), LIAISON_OK);
        util_free(json);
        CHECK_EQ(store_record_get(s, "rec-000299", &json, &len), LIAISON_OK);
        util_free(json);
        CHECK_EQ(store_record_get(s, "rec-000300", &json, &len),
                 LIAISON_ENOTFOUND);
        CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
        CHECK_EQ(seq, KILL_COMMITTED);
    }
    CHECK_EQ(store_get_stats(s, &st), LIAISON_OK);
    CHECK_EQ(st.n_lists, 1);
    if (st.n_lists)
        CHECK_STR(st.lists[0].list, "wanted");
    store_stats_fini(&st);
    /* The store takes writes again: the dead writer's lock is gone. */
    CHECK_EQ(put_n(s, KILL_COMMITTED, KILL_COMMITTED + 1, "wanted"),
             LIAISON_OK);
    store_close(s);
    CHECK(integrity_ok(fx.path));
out:
    fx_fini(&fx);
}

/* ---------------------------------------------------------------- users */

static int user_fn(void *ud, const store_user *u)
{
    return util_buf_printf(ud, "%s/%s/%s/%s ", u->name, u->agency, u->role,
                           u->revoked_at ? "revoked" : "active");
}

/* amina (analyst) and omar (officer) of ma-dgsn. */
static int add_two_users(store *s, struct liaison_err *err)
{
    int rc = store_user_add(s, "amina", "ma-dgsn", "analyst", "h-amina", err);
    return rc ? rc : store_user_add(s, "omar", "ma-dgsn", "officer", "h-omar",
                                    err);
}

TEST(users)
{
    fixture fx;
    struct liaison_err err = {0};
    store *s = fx_store(&fx, "ma-dgsn");
    store_user *u = NULL;
    util_buf b;
    if (!s)
        return;
    util_buf_init(&b, 1 << 16);
    CHECK_EQ(add_two_users(s, &err), LIAISON_OK);
    CHECK_EQ(store_user_add(s, "amina", "ma-dgsn", "admin", "h-other",
                            &err), LIAISON_EEXIST);
    CHECK_EQ(store_user_add(s, "zeynep", "tr-egm", "admin", "h-omar", &err),
             LIAISON_EEXIST);
    CHECK_EQ(store_user_add(s, "x", "a", "root", "h-x", &err),
             LIAISON_EINVAL);
    CHECK(strstr(err.msg, "role") != NULL);
    CHECK_EQ(store_user_add(s, "x", "a", "officer", "", &err),
             LIAISON_EINVAL);
    CHECK_EQ(store_user_by_token_hash(s, "h-amina", &u), LIAISON_OK);
    if (u) {
        CHECK_STR(u->name, "amina");
        CHECK_STR(u->agency, "ma-dgsn");
        CHECK_STR(u->role, "analyst");
        CHECK(u->created > 0);
        CHECK_EQ(u->revoked_at, 0);
    }
    store_user_free(u);
    CHECK_EQ(store_user_by_token_hash(s, "h-nobody", &u), LIAISON_ENOTFOUND);
    CHECK(u == NULL);
    CHECK_EQ(store_user_revoke(s, "amina"), LIAISON_OK);
    CHECK_EQ(store_user_revoke(s, "amina"), LIAISON_ENOTFOUND);
    CHECK_EQ(store_user_revoke(s, "nobody"), LIAISON_ENOTFOUND);
    CHECK_EQ(store_user_by_token_hash(s, "h-amina", &u), LIAISON_ENOTFOUND);
    CHECK_EQ(store_user_list(s, user_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "amina/ma-dgsn/analyst/revoked "
              "omar/ma-dgsn/officer/active ");
    util_buf_fini(&b);
    store_close(s);
    fx_fini(&fx);
}

/* A store as version 1 made it: the users table's CHECK knew four roles.
** Made from a current store, as SQLite's documented way to rebuild a
** table does, so that the test does not depend on an old binary. */
static int make_v1(const char *path)
{
    return th_raw_sql(path,
        "BEGIN;"
        "CREATE TABLE users_v1(id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE, agency TEXT NOT NULL, role TEXT NOT NULL"
        "  CHECK(role IN ('officer','analyst','auditor','admin')),"
        " token_hash TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,"
        " revoked_at INTEGER);"
        "INSERT INTO users_v1 SELECT * FROM users;"
        "DROP TABLE users;"
        "ALTER TABLE users_v1 RENAME TO users;"
        "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
        "PRAGMA user_version = 1;"
        "COMMIT");
}

/* Opening a version 1 store upgrades it (the monitor role), keeping its
** accounts: ids, token hashes, revocations. */
TEST(open_upgrades_schema_version_1)
{
    fixture fx;
    struct liaison_err err = {0};
    store *s = fx_store(&fx, "ma-dgsn");
    store_user *u = NULL;
    util_buf b;
    char ver[16];
    if (!s)
        return;
    util_buf_init(&b, 1 << 16);
    CHECK_EQ(add_two_users(s, &err), LIAISON_OK);
    CHECK_EQ(store_user_revoke(s, "omar"), LIAISON_OK);
    store_close(s);
    CHECK_EQ(make_v1(fx.path), SQLITE_OK);
    /* The old constraint is really there. */
    CHECK(th_raw_sql(fx.path, "INSERT INTO users(name, agency, role,"
                              " token_hash, created) VALUES ('m', 'a',"
                              " 'monitor', 'h-m', 1)") != SQLITE_OK);
    s = NULL;
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_OK);
    if (!s) {
        fx_fini(&fx);
        return;
    }
    CHECK_EQ(store_user_add(s, "mona", "ma-dgsn", "monitor", "h-mona", &err),
             LIAISON_OK);
    CHECK_EQ(store_user_by_token_hash(s, "h-amina", &u), LIAISON_OK);
    if (u)
        CHECK_STR(u->role, "analyst");
    store_user_free(u);
    CHECK_EQ(store_user_by_token_hash(s, "h-omar", &u), LIAISON_ENOTFOUND);
    CHECK_EQ(store_user_list(s, user_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "amina/ma-dgsn/analyst/active "
              "mona/ma-dgsn/monitor/active omar/ma-dgsn/officer/revoked ");
    store_close(s);
    /* Upgraded once: the file now says version 2, and opens again. */
    CHECK_STR(first_text(fx.path, "SELECT value FROM meta WHERE key ="
                         " 'schema_version'", ver, sizeof(ver)), "2");
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_OK);
    store_close(s);
    CHECK(integrity_ok(fx.path));
    util_buf_fini(&b);
    fx_fini(&fx);
}

/* Processes (here threads, each with its own handle) that open a version
** 1 store at once all succeed: one upgrades it, the others find it done
** inside their own transaction, and none fails on a lock another holds
** for a moment (reading the header once did, "database is locked"). */
#define OPENERS 6

struct opener {
    const char *path;
    int rc;
};

static void *open_thread(void *arg)
{
    struct opener *o = arg;
    struct liaison_err err = {0};
    store *s = NULL;
    o->rc = store_open(o->path, &s, &err);
    if (o->rc)
        fprintf(stderr, "open: %s\n", err.msg);
    store_close(s);
    return NULL;
}

TEST(concurrent_opens_upgrade_once)
{
    fixture fx;
    struct liaison_err err = {0};
    struct opener o[OPENERS];
    pthread_t t[OPENERS];
    store *s = fx_store(&fx, "ma-dgsn");
    store_user *u = NULL;
    char ver[16];
    int i, round;
    if (!s)
        return;
    CHECK_EQ(add_two_users(s, &err), LIAISON_OK);
    store_close(s);
    for (round = 0; round < 5; round++) {
        CHECK_EQ(make_v1(fx.path), SQLITE_OK);
        for (i = 0; i < OPENERS; i++) {
            o[i].path = fx.path;
            o[i].rc = -1;
            CHECK_EQ(pthread_create(&t[i], NULL, open_thread, &o[i]), 0);
        }
        for (i = 0; i < OPENERS; i++) {
            pthread_join(t[i], NULL);
            CHECK_EQ(o[i].rc, LIAISON_OK);
        }
    }
    CHECK_STR(first_text(fx.path, "SELECT value FROM meta WHERE key ="
                         " 'schema_version'", ver, sizeof(ver)), "2");
    s = NULL;
    CHECK_EQ(store_open(fx.path, &s, &err), LIAISON_OK);
    if (s) {
        CHECK_EQ(store_user_by_token_hash(s, "h-omar", &u), LIAISON_OK);
        store_user_free(u);
        CHECK_EQ(store_user_add(s, "mona", "ma-dgsn", "monitor", "h-mona",
                                &err), LIAISON_OK);
        store_close(s);
    }
    CHECK(integrity_ok(fx.path));
    fx_fini(&fx);
}

/* ---------------------------------------------------------------- audit */

/* A stand-in for the audit module's chain: hex of a hash over prev_hash
** and the fields. */
static int test_hash(void *ud, const store_audit_entry *e, char *hash)
{
    util_buf b;
    int rc;
    (void)ud;
    util_buf_init(&b, 1 << 16);
    rc = util_buf_printf(&b, "%s|%lld|%lld|%s|%s|%s|%s|%s", e->prev_hash,
                         (long long)e->seq, (long long)e->at, e->actor,
                         e->agency ? e->agency : "", e->action,
                         e->purpose ? e->purpose : "",
                         e->detail_json ? e->detail_json : "");
    if (rc == LIAISON_OK)
        snprintf(hash, STORE_AUDIT_HASH_MAX, "%016llx",
                 (unsigned long long)util_hash(b.p, b.len));
    util_buf_fini(&b);
    return rc;
}

struct chain_ud {
    char prev[STORE_AUDIT_HASH_MAX];
    int64_t next;
    long n, bad;
};

static int chain_fn(void *ud, const store_audit_entry *e)
{
    struct chain_ud *c = ud;
    char h[STORE_AUDIT_HASH_MAX];
    if (e->seq != c->next || strcmp(e->prev_hash, c->prev))
        c->bad++;
    if (test_hash(NULL, e, h) < 0 || strcmp(h, e->hash))
        c->bad++;
    util_strlcpy(c->prev, e->hash, sizeof(c->prev));
    c->next++;
    c->n++;
    return 0;
}

static int fail_hash(void *ud, const store_audit_entry *e, char *hash)
{
    (void)ud;
    (void)e;
    (void)hash;
    return LIAISON_ECRYPTO;
}

TEST(audit_append_and_chain)
{
    fixture fx;
    store *s = fx_store(&fx, "ma-dgsn");
    store_audit_entry e = {0};
    struct chain_ud c = {"", 1, 0, 0};
    char last[STORE_AUDIT_HASH_MAX];
    int64_t seq = 0;
    if (!s)
        return;
    CHECK_EQ(store_audit_last(s, &seq, last), LIAISON_OK);
    CHECK_EQ(seq, 0);
    CHECK_STR(last, "");
    e.actor = "omar";
    e.agency = "ma-dgsn";
    e.action = "screen";
    e.purpose = "border-check";
    e.detail_json = "{\"hits\":0}";
    e.prev_hash = "";
    e.hash = "h1";
    CHECK_EQ(store_audit_append(s, &e, &seq), LIAISON_OK);
    CHECK_EQ(seq, 1);
    /* A writer that did not see entry 1 cannot fork the chain. */
    e.hash = "h1-fork";
    CHECK_EQ(store_audit_append(s, &e, &seq), LIAISON_ESTATE);
    CHECK_EQ(seq, 0);
    CHECK_EQ(store_audit_last(s, &seq, last), LIAISON_OK);
    CHECK_EQ(seq, 1);
    CHECK_STR(last, "h1");
    CHECK_EQ(store_audit_append_chained(s, &e, fail_hash, NULL, &seq),
             LIAISON_ECRYPTO);
    e.actor = "";
    CHECK_EQ(store_audit_append_chained(s, &e, test_hash, NULL, &seq),
             LIAISON_EINVAL);
    CHECK_EQ(store_audit_last(s, &seq, NULL), LIAISON_OK);
    CHECK_EQ(seq, 1);
    /* Check the chain from entry 2 on, with our own hash. */
    util_strlcpy(c.prev, "h1", sizeof(c.prev));
    c.next = 2;
    e.actor = "amina";
    e.purpose = NULL;
    e.detail_json = NULL;
    CHECK_EQ(store_audit_append_chained(s, &e, test_hash, NULL, &seq),
             LIAISON_OK);
    CHECK_EQ(seq, 2);
    e.action = "disclose";
    e.at = 1700000000;
    CHECK_EQ(store_audit_append_chained(s, &e, test_hash, NULL, &seq),
             LIAISON_OK);
    CHECK_EQ(seq, 3);
    CHECK_EQ(store_audit_each(s, 1, chain_fn, &c), LIAISON_OK);
    CHECK_EQ(c.n, 2);
    CHECK_EQ(c.bad, 0);
    /* The table itself refuses rewriting history. */
    CHECK(th_raw_sql(fx.path, "UPDATE audit SET actor = 'x'") != SQLITE_OK);
    CHECK(th_raw_sql(fx.path, "DELETE FROM audit") != SQLITE_OK);
    CHECK_EQ(store_audit_last(s, &seq, NULL), LIAISON_OK);
    CHECK_EQ(seq, 3);
    store_close(s);
    fx_fini(&fx);
}

/* Chained appends inside an explicit transaction join it. */
TEST(audit_in_transaction)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    store_audit_entry e = {0};
    int64_t seq = 0;
    if (!s)
        return;
    e.actor = "amina";
    e.action = "import";
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(put_n(s, 0, 3, "l"), LIAISON_OK);
    CHECK_EQ(store_audit_append_chained(s, &e, test_hash, NULL, &seq),
             LIAISON_OK);
    CHECK_EQ(store_audit_append_chained(s, &e, fail_hash, NULL, &seq),
             LIAISON_ECRYPTO);   /* wrote nothing: does not spoil */
    CHECK_EQ(store_commit(s), LIAISON_OK);
    CHECK_EQ(store_audit_last(s, &seq, NULL), LIAISON_OK);
    CHECK_EQ(seq, 1);
    CHECK_EQ(count_records(s), 3);
    store_close(s);
    fx_fini(&fx);
}

#define AUDIT_THREADS 4
#define AUDIT_PER_THREAD 40

struct appender {
    const char *path;
    int id;
    int failures;
};

static void *append_thread(void *arg)
{
    struct appender *a = arg;
    store_audit_entry e = {0};
    char actor[32];
    store *s = NULL;
    int i;
    snprintf(actor, sizeof(actor), "worker-%d", a->id);
    if (store_open(a->path, &s, NULL) < 0) {
        a->failures = AUDIT_PER_THREAD;
        return NULL;
    }
    e.actor = actor;
    e.action = "screen";
    e.purpose = "border-check";
    for (i = 0; i < AUDIT_PER_THREAD; i++)
        if (store_audit_append_chained(s, &e, test_hash, NULL, NULL) < 0)
            a->failures++;
    store_close(s);
    return NULL;
}

TEST(audit_concurrent_appends_keep_one_chain)
{
    fixture fx;
    store *s = fx_store(&fx, "a");
    struct appender a[AUDIT_THREADS];
    pthread_t t[AUDIT_THREADS];
    struct chain_ud c = {"", 1, 0, 0};
    int i, failures = 0;
    if (!s)
        return;
    for (i = 0; i < AUDIT_THREADS; i++) {
        a[i].path = fx.path;
        a[i].id = i;
        a[i].failures = 0;
        CHECK_EQ(pthread_create(&t[i], NULL, append_thread, &a[i]), 0);
    }
    for (i = 0; i < AUDIT_THREADS; i++) {
        pthread_join(t[i], NULL);
        failures += a[i].failures;
    }
    CHECK_EQ(failures, 0);
    CHECK_EQ(store_audit_each(s, 0, chain_fn, &c), LIAISON_OK);
    CHECK_EQ(c.n, AUDIT_THREADS * AUDIT_PER_THREAD);
    CHECK_EQ(c.bad, 0);
    store_close(s);
    fx_fini(&fx);
}

/* ---------------------------------------------------------------- peers */

static int peer_fn(void *ud, const store_peer *p)
{
    return util_buf_printf(ud, "%s=%s ", p->agency, p->url);
}

TEST(peers)
{
    fixture fx;
    store *s = fx_store(&fx, "ma-dgsn");
    store_peer p = {0}, *got = NULL;
    util_buf b;
    if (!s)
        return;
    util_buf_init(&b, 1 << 16);
    p.agency = "tr-egm";
    p.url = "https://liaison.egm.example:8443";
    p.public_key = "ed25519:AAAA";
    CHECK_EQ(store_peer_add(s, &p, NULL), LIAISON_OK);
    CHECK_EQ(store_peer_add(s, &p, NULL), LIAISON_EEXIST);
    p.agency = "es-pn";
    p.url = "https://es.example";
    p.ca_file = "/etc/liaison/es-ca.pem";
    CHECK_EQ(store_peer_add(s, &p, NULL), LIAISON_OK);
    p.url = NULL;
    CHECK_EQ(store_peer_add(s, &p, NULL), LIAISON_EINVAL);
    CHECK_EQ(store_peer_get(s, "es-pn", &got), LIAISON_OK);
    if (got) {
        CHECK_STR(got->url, "https://es.example");
        CHECK_STR(got->public_key, "ed25519:AAAA");
        CHECK_STR(got->ca_file, "/etc/liaison/es-ca.pem");
        CHECK(got->added > 0);
    }
    util_free(got);
    CHECK_EQ(store_peer_get(s, "tr-egm", &got), LIAISON_OK);
    if (got)
        CHECK(got->ca_file == NULL);
    util_free(got);
    CHECK_EQ(store_peer_each(s, peer_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "es-pn=https://es.example "
              "tr-egm=https://liaison.egm.example:8443 ");
    CHECK_EQ(store_peer_remove(s, "es-pn"), LIAISON_OK);
    CHECK_EQ(store_peer_remove(s, "es-pn"), LIAISON_ENOTFOUND);
    CHECK_EQ(store_peer_get(s, "es-pn", &got), LIAISON_ENOTFOUND);
    CHECK(got == NULL);
    util_buf_fini(&b);
    store_close(s);
    fx_fini(&fx);
}

/* ---------------------------------------------------------------- disclosures */

static int disc_fn(void *ud, const store_disclosure *d)
{
    return util_buf_printf(ud, "%s:%s ", d->id, d->status);
}

TEST(disclosures)
{
    fixture fx;
    store *s = fx_store(&fx, "ma-dgsn");
    store_disclosure d = {0}, *got = NULL;
    util_buf b;
    if (!s)
        return;
    util_buf_init(&b, 1 << 16);
    d.id = "tr-egm-0001";
    d.requester_agency = "tr-egm";
    d.requester_user = "zeynep";
    d.owner_agency = "ma-dgsn";
    d.record_id = "ma-dgsn-2024-000123";
    d.purpose = "border-check";
    d.justification = "traveller at IST matched 0.93";
    d.fields = "[\"dob\",\"documents\"]";
    d.created = 100;
    CHECK_EQ(store_disclosure_add(s, &d, NULL), LIAISON_OK);
    CHECK_EQ(store_disclosure_add(s, &d, NULL), LIAISON_EEXIST);
    d.id = "tr-egm-0002";
    d.created = 200;
    CHECK_EQ(store_disclosure_add(s, &d, NULL), LIAISON_OK);
    d.purpose = NULL;
    CHECK_EQ(store_disclosure_add(s, &d, NULL), LIAISON_EINVAL);
    CHECK_EQ(store_disclosure_get(s, "tr-egm-0001", &got), LIAISON_OK);
    if (got) {
        CHECK_STR(got->status, "pending");
        CHECK_STR(got->requester_user, "zeynep");
        CHECK_STR(got->fields, "[\"dob\",\"documents\"]");
        CHECK(got->reason == NULL);
        CHECK_EQ(got->created, 100);
        CHECK_EQ(got->decided_at, 0);
    }
    util_free(got);
    CHECK_EQ(store_disclosure_decide(s, "tr-egm-0001", "approved", "amina",
                                     "lawful basis: art. 7", "H2"),
             LIAISON_OK);
    CHECK_EQ(store_disclosure_decide(s, "tr-egm-0001", "denied", "amina",
                                     NULL, NULL), LIAISON_ESTATE);
    CHECK_EQ(store_disclosure_decide(s, "nope", "denied", "amina", NULL,
                                     NULL), LIAISON_ENOTFOUND);
    CHECK_EQ(store_disclosure_decide(s, "tr-egm-0002", "maybe", "amina",
                                     NULL, NULL), LIAISON_EINVAL);
    CHECK_EQ(store_disclosure_get(s, "tr-egm-0001", &got), LIAISON_OK);
    if (got) {
        CHECK_STR(got->status, "approved");
        CHECK_STR(got->decided_by, "amina");
        CHECK_STR(got->reason, "lawful basis: art. 7");
        CHECK_STR(got->handling, "H2");
        CHECK(got->decided_at > 0);
    }
    util_free(got);
    CHECK_EQ(store_disclosure_each(s, "pending", disc_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "tr-egm-0002:pending ");
    util_buf_reset(&b);
    CHECK_EQ(store_disclosure_each(s, NULL, disc_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "tr-egm-0001:approved tr-egm-0002:pending ");
    util_buf_fini(&b);
    store_close(s);
    fx_fini(&fx);
}

/* ---------------------------------------------------------------- failures */

/* Fail each of our allocations in turn: every call either works or says
** ENOMEM, and nothing leaks (the harness counts). */
TEST(allocation_failures)
{
    fixture fx;
    store *s = fx_store(&fx, "ma-dgsn");
    long n;
    int seen_ok = 0;
    if (!s)
        return;
    CHECK_EQ(put_n(s, 0, 20, "a"), LIAISON_OK);
    CHECK_EQ(put_n(s, 20, 30, "b"), LIAISON_OK);
    CHECK_EQ(store_user_add(s, "u", "ma-dgsn", "admin", "h", NULL),
             LIAISON_OK);
    store_close(s);
    for (n = 1; n < 40 && !seen_ok; n++) {
        store_stats st;
        store_user *u = NULL;
        char *json = NULL;
        size_t len;
        int rc;
        s = NULL;
        util_alloc_fail_at(n);
        rc = store_open(fx.path, &s, NULL);
        if (rc == LIAISON_OK)
            rc = store_get_stats(s, &st);
        if (rc == LIAISON_OK) {
            CHECK_EQ(st.n_lists, 2);
            store_stats_fini(&st);
            rc = store_record_get(s, "rec-000003", &json, &len);
        }
        if (rc == LIAISON_OK) {
            util_free(json);
            rc = store_user_by_token_hash(s, "h", &u);
        }
        if (rc == LIAISON_OK) {
            store_user_free(u);
            seen_ok = 1;
        }
        CHECK(rc == LIAISON_OK || rc == LIAISON_ENOMEM);
        util_alloc_fail_at(0);
        store_close(s);
    }
    CHECK(seen_ok);
    fx_fini(&fx);
}

/* ---------------------------------------------------------------- speed */

TEST(put_and_iterate_rate)
{
    const char *env = getenv("LIAISON_STORE_BENCH");
    fixture fx;
    store *s = fx_store(&fx, "a");
    long n = 20000, got;
    uint64_t t0, t1, t2;
    if (!s)
        return;
    if (env && util_parse_long(env, 1, 100000000, &n) < 0)
        n = 20000;
    t0 = util_now_us();
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(put_n(s, 0, n, "wanted"), LIAISON_OK);
    CHECK_EQ(store_commit(s), LIAISON_OK);
    t1 = util_now_us();
    got = count_records(s);
    t2 = util_now_us();
    CHECK_EQ(got, n);
    if (env)
        fprintf(stderr, "store: %ld puts in one transaction: %.0f records/s;"
                " iterate: %.0f records/s\n", n,
                n / ((t1 - t0 + 1) / 1e6), n / ((t2 - t1 + 1) / 1e6));
    store_close(s);
    fx_fini(&fx);
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
