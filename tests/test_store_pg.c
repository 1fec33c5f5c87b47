/*
** test_store_pg.c: the store through store.h on the PostgreSQL backend.
**
** main() starts a private PostgreSQL server for the run: initdb and pg_ctl
** from /usr/lib/postgresql/<version>/bin (or $LIAISON_PG_BIN) in a mkdtemp
** folder, listening only on a Unix socket in that folder, and stops it and
** removes the folder at the end.  As root (CI), initdb refuses to run, so
** the server runs as the `postgres` user through runuser.  Each test gets
** a database of its own.  Nothing is skipped: without a PostgreSQL server
** to start, the run fails and says how to install one.
*/
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "testlib.h"

/* ---------------------------------------------------------------- the server */

static char pg_dir[64];         /* socket, data and logs */
static char pg_bin[256];        /* folder of initdb and pg_ctl */
static int pg_as_postgres;      /* run server programs through runuser */
static int pg_running;
static int pg_ndb;

/* Run argv (prefixed with runuser when needed), output to dir/cmd.log. */
static int run(const char *const *argv)
{
    const char *full[24];
    char log[128];
    int n = 0, i, status = 0;
    pid_t pid;
    if (pg_as_postgres) {
        full[n++] = "runuser";
        full[n++] = "-u";
        full[n++] = "postgres";
        full[n++] = "--";
    }
    for (i = 0; argv[i] && n < 23; i++)
        full[n++] = argv[i];
    full[n] = NULL;
    snprintf(log, sizeof(log), "%s/cmd.log", pg_dir);
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int nul = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (nul >= 0)
            dup2(nul, 0);
        execvp(full[0], (char *const *)full);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int find_bin(void)
{
    const char *env = getenv("LIAISON_PG_BIN");
    glob_t g;
    size_t i;
    if (env && *env) {
        util_strlcpy(pg_bin, env, sizeof(pg_bin));
        return 0;
    }
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) != 0)
        return -1;
    /* Highest version: compare numerically ("15" > "9.6"). */
    for (i = 0; i < g.gl_pathc; i++) {
        const char *v = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
        const char *best = pg_bin[0] ? pg_bin + strlen("/usr/lib/postgresql/")
                                     : "0";
        if (strtol(v, NULL, 10) >= strtol(best, NULL, 10)) {
            util_strlcpy(pg_bin, g.gl_pathv[i], sizeof(pg_bin));
            *strrchr(pg_bin, '/') = 0;
        }
    }
    globfree(&g);
    return pg_bin[0] ? 0 : -1;
}

static int rm_one(const char *p, const struct stat *sb, int type,
                  struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(p);
}

static int server_start(void)
{
    char initdb[300], pg_ctl[300], data[96], log[96], opts[160];
    if (find_bin() < 0) {
        fprintf(stderr, "test_store_pg: no PostgreSQL server programs "
                "(/usr/lib/postgresql/*/bin/initdb); install them with "
                "`apt-get install -y postgresql` or set LIAISON_PG_BIN\n");
        return -1;
    }
    snprintf(pg_dir, sizeof(pg_dir), "/tmp/liaison-pg-XXXXXX");
    if (!mkdtemp(pg_dir)) {
        fprintf(stderr, "test_store_pg: mkdtemp: %s\n", strerror(errno));
        return -1;
    }
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw || chown(pg_dir, pw->pw_uid, pw->pw_gid) < 0) {
            fprintf(stderr, "test_store_pg: running as root needs the "
                    "`postgres` user (from the postgresql package) to own "
                    "the server\n");
            return -1;
        }
        pg_as_postgres = 1;
    }
    snprintf(initdb, sizeof(initdb), "%s/initdb", pg_bin);
    snprintf(pg_ctl, sizeof(pg_ctl), "%s/pg_ctl", pg_bin);
    snprintf(data, sizeof(data), "%s/data", pg_dir);
    snprintf(log, sizeof(log), "%s/server.log", pg_dir);
    /* Socket only, in our folder; no fsync: the data is thrown away. */
    snprintf(opts, sizeof(opts), "-k %s -c listen_addresses= -F", pg_dir);
    {
        const char *a[] = {initdb, "-D", data, "-A", "trust", "-U",
                           "postgres", "-E", "UTF8", "--no-locale",
                           "--no-sync", NULL};
        if (run(a) != 0) {
            fprintf(stderr, "test_store_pg: initdb failed; see %s/cmd.log\n",
                    pg_dir);
            return -1;
        }
    }
    {
        const char *a[] = {pg_ctl, "-D", data, "-l", log, "-w", "-t", "60",
                           "-o", opts, "start", NULL};
        if (run(a) != 0) {
            fprintf(stderr, "test_store_pg: pg_ctl start failed; see "
                    "%s/server.log\n", pg_dir);
            return -1;
        }
    }
    pg_running = 1;
    return 0;
}

static void server_stop(int keep)
{
    if (pg_running) {
        char pg_ctl[300], data[96];
        snprintf(pg_ctl, sizeof(pg_ctl), "%s/pg_ctl", pg_bin);
        snprintf(data, sizeof(data), "%s/data", pg_dir);
        {
            const char *a[] = {pg_ctl, "-D", data, "-m", "immediate", "-w",
                               "stop", NULL};
            run(a);
        }
        pg_running = 0;
    }
    if (pg_dir[0] && !keep)
        nftw(pg_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---------------------------------------------------------------- helpers */

static int raw_pg(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r;
    int ok;
    if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        return -1;
    }
    r = PQexec(c, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
         PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

/* A new, empty database; its conninfo in ci. */
static int fresh_db(char *ci, size_t size)
{
    char admin[160], sql[64];
    pg_ndb++;
    snprintf(admin, sizeof(admin), "host=%s user=postgres dbname=postgres",
             pg_dir);
    snprintf(sql, sizeof(sql), "CREATE DATABASE t%d", pg_ndb);
    if (raw_pg(admin, sql) < 0)
        return -1;
    snprintf(ci, size, "host=%s user=postgres dbname=t%d", pg_dir, pg_ndb);
    return 0;
}

/* A new store in a new database, opened. */
static store *fresh_store(char *ci, size_t size, const char *agency)
{
    struct liaison_err err = {0};
    store *s = NULL;
    if (fresh_db(ci, size) < 0) {
        fprintf(stderr, "fresh_store: cannot create a database\n");
        return NULL;
    }
    if (store_create(ci, agency, &err) < 0 ||
        store_open(ci, &s, &err) < 0)
        fprintf(stderr, "fresh_store: %s\n", err.msg);
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

#define FRESH(s, ci, agency)                                              \
    char ci[160];                                                         \
    store *s = fresh_store(ci, sizeof(ci), agency);                       \
    CHECK(s != NULL);                                                     \
    if (!s)                                                               \
        return

/* ---------------------------------------------------------------- opening */

TEST(pg_create_open)
{
    struct liaison_err err = {0};
    FRESH(s, ci, "tr-egm");
    CHECK_STR(store_backend(s), "postgresql");
    CHECK_STR(store_agency(s), "tr-egm");
    store_close(s);
    CHECK_EQ(store_create(ci, "x", &err), LIAISON_EEXIST);
    CHECK(strstr(err.msg, "already holds a store") != NULL);
    s = NULL;
    CHECK_EQ(store_open(ci, &s, &err), LIAISON_OK);
    if (s)
        CHECK_STR(store_agency(s), "tr-egm");
    store_close(s);
}

TEST(pg_open_refusals)
{
    struct liaison_err err = {0};
    char ci[160], bad[200];
    store *s = NULL;
    CHECK_EQ(fresh_db(ci, sizeof(ci)), 0);
    CHECK_EQ(store_open(ci, &s, &err), LIAISON_ENOTFOUND);
    CHECK(strstr(err.msg, "no liaison store") != NULL);
    CHECK_EQ(raw_pg(ci, "CREATE TABLE meta(k int)"), 0);
    CHECK_EQ(store_open(ci, &s, &err), LIAISON_EFORMAT);
    CHECK(s == NULL);
    CHECK_EQ(raw_pg(ci, "DROP TABLE meta"), 0);
    CHECK_EQ(store_create(ci, "a", &err), LIAISON_OK);
    CHECK_EQ(raw_pg(ci, "UPDATE meta SET value = '99' WHERE key = "
                        "'schema_version'"), 0);
    CHECK_EQ(store_open(ci, &s, &err), LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "newer") != NULL);
    CHECK_EQ(raw_pg(ci, "UPDATE meta SET value = 'x' WHERE key = "
                        "'schema_version'"), 0);
    CHECK_EQ(store_open(ci, &s, &err), LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "unknown store schema version") != NULL);
    snprintf(bad, sizeof(bad), "host=%s/nowhere user=postgres dbname=x",
             pg_dir);
    CHECK_EQ(store_open(bad, &s, &err), LIAISON_EDB);
    CHECK(strstr(err.msg, "cannot connect") != NULL);
    CHECK(s == NULL);
}

/* Opening a version 1 store upgrades it (the monitor role in the users
** table's constraint), keeping its accounts. */
TEST(pg_open_upgrades_schema_version_1)
{
    struct liaison_err err = {0};
    store_user *u = NULL;
    FRESH(s, ci, "tr-egm");
    CHECK_EQ(store_user_add(s, "zeynep", "tr-egm", "analyst", "h1", NULL),
             LIAISON_OK);
    store_close(s);
    CHECK_EQ(raw_pg(ci, "ALTER TABLE users DROP CONSTRAINT users_role_check,"
                        " ADD CONSTRAINT users_role_check CHECK(role IN"
                        " ('officer','analyst','auditor','admin'));"
                        "UPDATE meta SET value = '1'"
                        " WHERE key = 'schema_version'"), 0);
    CHECK(raw_pg(ci, "INSERT INTO users(name, agency, role, token_hash,"
                     " created) VALUES ('m', 'a', 'monitor', 'h-m', 1)") != 0);
    s = NULL;
    CHECK_EQ(store_open(ci, &s, &err), LIAISON_OK);
    if (!s)
        return;
    CHECK_EQ(store_user_add(s, "mert", "tr-egm", "monitor", "h2", NULL),
             LIAISON_OK);
    CHECK_EQ(store_user_by_token_hash(s, "h1", &u), LIAISON_OK);
    if (u)
        CHECK_STR(u->role, "analyst");
    store_user_free(u);
    store_close(s);
    CHECK_EQ(raw_pg(ci, "DO $$BEGIN IF (SELECT value FROM meta WHERE key ="
                        " 'schema_version') <> '2' THEN RAISE EXCEPTION"
                        " 'not upgraded'; END IF; END$$"), 0);
    CHECK_EQ(store_open(ci, &s, &err), LIAISON_OK);
    store_close(s);
}

/* ---------------------------------------------------------------- records */

static int change_fn(void *ud, const store_change *c)
{
    return util_buf_printf(ud, "%lld:%s:%s ", (long long)c->seq, c->id,
                           c->op == STORE_OP_PUT ? "put" : "delete");
}

TEST(pg_records_and_change_feed)
{
    store_rec r = {0};
    char *json = NULL;
    size_t len = 0;
    int64_t seq = -1;
    util_buf b;
    FRESH(s, ci, "a");
    util_buf_init(&b, 1 << 16);
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK_EQ(seq, 0);
    r.id = "tr-1";
    r.list = "wanted";
    r.kind = "person";
    r.sharing = "details";
    r.n_names = 1;
    r.json = "{\"n\":\"Yusuf\"}TRAILING";
    r.json_len = 13;
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_OK);
    CHECK_EQ(store_record_get(s, "tr-1", &json, &len), LIAISON_OK);
    CHECK_STR(json, "{\"n\":\"Yusuf\"}");
    CHECK_EQ(len, 13);
    util_free(json);
    r.json = "{\"n\":\"Youssef\"}";
    r.json_len = strlen(r.json);
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_OK);   /* upsert */
    CHECK_EQ(store_record_get(s, "tr-1", &json, &len), LIAISON_OK);
    CHECK_STR(json, "{\"n\":\"Youssef\"}");
    util_free(json);
    CHECK_EQ(store_record_get(s, "nope", &json, &len), LIAISON_ENOTFOUND);
    CHECK(json == NULL);
    CHECK_EQ(store_record_delete(s, "tr-1"), LIAISON_OK);
    CHECK_EQ(store_record_delete(s, "tr-1"), LIAISON_ENOTFOUND);
    CHECK_EQ(store_changes_since(s, 0, change_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "1:tr-1:put 2:tr-1:put 3:tr-1:delete ");
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK_EQ(seq, 3);
    CHECK_EQ(count_records(s), 0);
    r.kind = "alien";
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_EINVAL);
    util_buf_fini(&b);
    store_close(s);
}

struct order_ud {
    char last[64];
    long n, bad;
    store *s;
};

static int order_fn(void *ud, const store_rec *r)
{
    struct order_ud *o = ud;
    char *json = NULL;
    size_t len;
    if (o->n && strcmp(o->last, r->id) >= 0)
        o->bad++;
    if (r->n_names != 2 || r->owner || r->json_len != strlen(r->json))
        o->bad++;
    /* The callback may use the handle (pages, not a cursor). */
    if (o->n % 1000 == 0 &&
        store_record_get(o->s, r->id, &json, &len) != LIAISON_OK)
        o->bad++;
    util_free(json);
    util_strlcpy(o->last, r->id, sizeof(o->last));
    o->n++;
    return o->n == 4000 ? 7 : 0;
}

TEST(pg_record_each_pages_in_id_order)
{
    struct order_ud o = {{0}, 0, 0, NULL};
    long i;
    FRESH(s, ci, "a");
    o.s = s;
    CHECK_EQ(store_begin(s), LIAISON_OK);
    for (i = 0; i < 4500; i++)
        CHECK_EQ(put_n(s, (i * 7919) % 4500, (i * 7919) % 4500 + 1, "l"),
                 LIAISON_OK);
    CHECK_EQ(store_commit(s), LIAISON_OK);
    CHECK_EQ(store_record_each(s, order_fn, &o), 7);
    CHECK_EQ(o.n, 4000);
    CHECK_EQ(o.bad, 0);
    CHECK_STR(o.last, "rec-003999");
    CHECK_EQ(count_records(s), 4500);
    store_close(s);
}

static int list_fn(void *ud, const store_list *l)
{
    return util_buf_printf(ud, "%s/%s/%ld ", l->name,
                           l->description ? l->description : "-",
                           l->records);
}

TEST(pg_stats_and_lists)
{
    store_stats st;
    util_buf b;
    FRESH(s, ci, "a");
    util_buf_init(&b, 1 << 16);
    CHECK_EQ(put_n(s, 0, 5, "wanted"), LIAISON_OK);
    CHECK_EQ(put_n(s, 5, 7, "Sanctions"), LIAISON_OK);
    CHECK_EQ(put_n(s, 7, 10, "stolen-docs"), LIAISON_OK);
    CHECK_EQ(store_get_stats(s, &st), LIAISON_OK);
    CHECK_EQ(st.records, 10);
    CHECK_EQ(st.names, 20);
    CHECK_EQ(st.n_lists, 3);
    if (st.n_lists == 3) {      /* byte order, as SQLite: 'S' < 's' */
        CHECK_STR(st.lists[0].list, "Sanctions");
        CHECK_STR(st.lists[1].list, "stolen-docs");
        CHECK_STR(st.lists[2].list, "wanted");
        CHECK_EQ(st.lists[2].records, 5);
    }
    store_stats_fini(&st);
    CHECK_EQ(store_list_put(s, "wanted", "Wanted persons", NULL),
             LIAISON_OK);
    CHECK_EQ(store_list_each(s, list_fn, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "Sanctions/-/2 stolen-docs/-/3 "
              "wanted/Wanted persons/5 ");
    util_buf_fini(&b);
    store_close(s);
}

/* ---------------------------------------------------------------- transactions */

TEST(pg_transactions)
{
    store *s2 = NULL;
    FRESH(s, ci, "a");
    CHECK_EQ(store_commit(s), LIAISON_ESTATE);
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(store_begin(s), LIAISON_ESTATE);
    CHECK_EQ(put_n(s, 0, 10, "l"), LIAISON_OK);
    CHECK_EQ(store_changes_wait(s, 0, 0), LIAISON_ESTATE);
    CHECK_EQ(store_rollback(s), LIAISON_OK);
    CHECK_EQ(count_records(s), 0);
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(put_n(s, 0, 300, "l"), LIAISON_OK);
    CHECK_EQ(store_commit(s), LIAISON_OK);
    store_close(s);
    CHECK_EQ(store_open(ci, &s2, NULL), LIAISON_OK);
    if (s2)
        CHECK_EQ(count_records(s2), 300);
    store_close(s2);
}

TEST(pg_failed_write_spoils_transaction)
{
    store_rec r;
    char id[32], json[256];
    int64_t seq = 0;
    FRESH(s, ci, "a");
    CHECK_EQ(put_n(s, 0, 3, "l"), LIAISON_OK);
    CHECK_EQ(raw_pg(ci, "CREATE FUNCTION boom() RETURNS trigger LANGUAGE "
                        "plpgsql AS $$BEGIN RAISE EXCEPTION 'disk on fire';"
                        " END$$; CREATE TRIGGER boom BEFORE INSERT ON records"
                        " FOR EACH ROW WHEN (NEW.id = 'rec-000100')"
                        " EXECUTE FUNCTION boom()"), 0);
    make_rec(&r, id, sizeof(id), json, sizeof(json), 100, "l");
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_EDB);
    CHECK(strstr(store_last_error(s), "disk on fire") != NULL);
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(put_n(s, 10, 20, "l"), LIAISON_OK);
    CHECK_EQ(store_record_put(s, &r, NULL), LIAISON_EDB);
    CHECK_EQ(put_n(s, 20, 21, "l"), LIAISON_ESTATE);
    CHECK_EQ(store_commit(s), LIAISON_EDB);
    CHECK_EQ(count_records(s), 3);
    CHECK_EQ(put_n(s, 3, 4, "l"), LIAISON_OK);
    CHECK_EQ(count_records(s), 4);
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK(seq > 3);
    store_close(s);
}

#define KILL_COMMITTED 200
#define KILL_HALF 3000

static void child_import(const char *ci, int wfd)
{
    store *s = NULL;
    long i = KILL_COMMITTED;
    char one = 'x';
    if (store_open(ci, &s, NULL) < 0 || store_begin(s) < 0)
        _exit(3);
    if (put_n(s, i, i + KILL_HALF, "import") < 0)
        _exit(4);
    if (write(wfd, &one, 1) != 1)
        _exit(5);
    for (i += KILL_HALF;; i++)
        if (put_n(s, i, i + 1, "import") < 0)
            _exit(6);
}

TEST(pg_kill_mid_import_leaves_nothing)
{
    store_stats st;
    int p[2], status = 0;
    char c;
    pid_t pid;
    FRESH(s, ci, "a");
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
        child_import(ci, p[1]);
    }
    close(p[1]);
    CHECK_EQ(read(p[0], &c, 1), 1);
    close(p[0]);
    CHECK_EQ(kill(pid, SIGKILL), 0);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(store_open(ci, &s, NULL), LIAISON_OK);
    if (!s)
        return;
    CHECK_EQ(count_records(s), KILL_COMMITTED);
    CHECK_EQ(store_get_stats(s, &st), LIAISON_OK);
    CHECK_EQ(st.n_lists, 1);
    store_stats_fini(&st);
    /* Waits for the dead session's write lock, then goes through. */
    CHECK_EQ(put_n(s, KILL_COMMITTED, KILL_COMMITTED + 1, "wanted"),
             LIAISON_OK);
    CHECK_EQ(count_records(s), KILL_COMMITTED + 1);
    store_close(s);
}

/* ---------------------------------------------------------------- users, audit */

TEST(pg_users)
{
    store_user *u = NULL;
    FRESH(s, ci, "tr-egm");
    CHECK_EQ(store_user_add(s, "zeynep", "tr-egm", "analyst", "h1", NULL),
             LIAISON_OK);
    CHECK_EQ(store_user_add(s, "zeynep", "tr-egm", "admin", "h2", NULL),
             LIAISON_EEXIST);
    CHECK_EQ(store_user_add(s, "emre", "tr-egm", "officer", "h1", NULL),
             LIAISON_EEXIST);
    CHECK_EQ(store_user_add(s, "emre", "tr-egm", "boss", "h3", NULL),
             LIAISON_EINVAL);
    CHECK_EQ(store_user_by_token_hash(s, "h1", &u), LIAISON_OK);
    if (u) {
        CHECK_STR(u->name, "zeynep");
        CHECK_STR(u->role, "analyst");
        CHECK_EQ(u->revoked_at, 0);
    }
    store_user_free(u);
    CHECK_EQ(store_user_revoke(s, "zeynep"), LIAISON_OK);
    CHECK_EQ(store_user_revoke(s, "zeynep"), LIAISON_ENOTFOUND);
    CHECK_EQ(store_user_by_token_hash(s, "h1", &u), LIAISON_ENOTFOUND);
    /* Refusals inside a transaction leave it usable. */
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(store_user_add(s, "zeynep", "tr-egm", "admin", "h9", NULL),
             LIAISON_EEXIST);
    CHECK_EQ(store_user_add(s, "emre", "tr-egm", "officer", "h4", NULL),
             LIAISON_OK);
    CHECK_EQ(store_commit(s), LIAISON_OK);
    CHECK_EQ(store_user_by_token_hash(s, "h4", &u), LIAISON_OK);
    store_user_free(u);
    store_close(s);
}

static int test_hash(void *ud, const store_audit_entry *e, char *hash)
{
    util_buf b;
    int rc;
    (void)ud;
    util_buf_init(&b, 1 << 16);
    rc = util_buf_printf(&b, "%s|%lld|%lld|%s|%s|%s", e->prev_hash,
                         (long long)e->seq, (long long)e->at, e->actor,
                         e->action, e->purpose ? e->purpose : "");
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

#define AUDIT_THREADS 4
#define AUDIT_PER_THREAD 30

struct appender {
    const char *ci;
    int failures;
};

static void *append_thread(void *arg)
{
    struct appender *a = arg;
    store_audit_entry e = {0};
    store *s = NULL;
    int i;
    if (store_open(a->ci, &s, NULL) < 0) {
        a->failures = AUDIT_PER_THREAD;
        return NULL;
    }
    e.actor = "worker";
    e.action = "screen";
    e.purpose = "border-check";
    for (i = 0; i < AUDIT_PER_THREAD; i++)
        if (store_audit_append_chained(s, &e, test_hash, NULL, NULL) < 0)
            a->failures++;
    store_close(s);
    return NULL;
}

TEST(pg_audit)
{
    store_audit_entry e = {0};
    struct appender a[AUDIT_THREADS];
    pthread_t t[AUDIT_THREADS];
    struct chain_ud c = {"h1", 2, 0, 0};
    char last[STORE_AUDIT_HASH_MAX];
    int64_t seq = 0;
    int i, failures = 0;
    FRESH(s, ci, "tr-egm");
    e.actor = "emre";
    e.action = "screen";
    e.prev_hash = "";
    e.hash = "h1";
    CHECK_EQ(store_audit_append(s, &e, &seq), LIAISON_OK);
    CHECK_EQ(seq, 1);
    CHECK_EQ(store_audit_append(s, &e, &seq), LIAISON_ESTATE);
    CHECK_EQ(store_audit_last(s, &seq, last), LIAISON_OK);
    CHECK_EQ(seq, 1);
    CHECK_STR(last, "h1");
    for (i = 0; i < AUDIT_THREADS; i++) {
        a[i].ci = ci;
        a[i].failures = 0;
        CHECK_EQ(pthread_create(&t[i], NULL, append_thread, &a[i]), 0);
    }
    for (i = 0; i < AUDIT_THREADS; i++) {
        pthread_join(t[i], NULL);
        failures += a[i].failures;
    }
    CHECK_EQ(failures, 0);
    CHECK_EQ(store_audit_each(s, 1, chain_fn, &c), LIAISON_OK);
    CHECK_EQ(c.n, AUDIT_THREADS * AUDIT_PER_THREAD);
    CHECK_EQ(c.bad, 0);
    CHECK(raw_pg(ci, "UPDATE audit SET actor = 'x'") < 0);
    CHECK(raw_pg(ci, "DELETE FROM audit") < 0);
    CHECK(raw_pg(ci, "TRUNCATE audit") < 0);
    CHECK_EQ(store_audit_last(s, &seq, NULL), LIAISON_OK);
    CHECK_EQ(seq, 1 + AUDIT_THREADS * AUDIT_PER_THREAD);
    store_close(s);
}

/* ---------------------------------------------------------------- peers, disclosures */

/* Durability controls (store_set_sync, store_sync, store_checkpoint), as
** the server's audit writer uses them, and the audit chain over them. */
TEST(pg_sync_modes)
{
    store *w = NULL;
    store_audit_entry e = {0};
    int64_t seq = 0;
    FRESH(s, ci, "tr-egm");
    CHECK_EQ(store_open(ci, &w, NULL), LIAISON_OK);
    if (!w) {
        store_close(s);
        return;
    }
    /* Commits made with sync off are there at once for every handle, and
    ** store_sync() from any handle makes them durable. */
    CHECK_EQ(store_set_sync(w, 0), LIAISON_OK);
    e.actor = "emre";
    e.action = "screen";
    e.prev_hash = "";
    e.hash = "x1";
    CHECK_EQ(store_audit_append(w, &e, &seq), LIAISON_OK);
    CHECK_EQ(store_audit_last(s, &seq, NULL), LIAISON_OK);
    CHECK_EQ(seq, 1);
    CHECK_EQ(store_sync(s), LIAISON_OK);
    CHECK_EQ(store_sync(w), LIAISON_OK);
    CHECK_EQ(store_checkpoint(s, NULL), LIAISON_OK);      /* a no-op here */
    CHECK_EQ(store_set_sync(w, 1), LIAISON_OK);
    CHECK_EQ(store_begin(w), LIAISON_OK);
    CHECK_EQ(store_set_sync(w, 0), LIAISON_ESTATE);
    CHECK_EQ(store_sync(w), LIAISON_ESTATE);
    CHECK_EQ(store_checkpoint(w, NULL), LIAISON_ESTATE);
    CHECK_EQ(store_rollback(w), LIAISON_OK);
    CHECK_EQ(store_sync(w), LIAISON_OK);
    store_close(w);
    store_close(s);
}

TEST(pg_peers_and_disclosures)
{
    store_peer p = {0}, *gp = NULL;
    store_disclosure d = {0}, *gd = NULL;
    FRESH(s, ci, "ma-dgsn");
    p.agency = "tr-egm";
    p.url = "https://egm.example";
    p.public_key = "ed25519:BBBB";
    CHECK_EQ(store_peer_add(s, &p, NULL), LIAISON_OK);
    CHECK_EQ(store_peer_add(s, &p, NULL), LIAISON_EEXIST);
    CHECK_EQ(store_peer_get(s, "tr-egm", &gp), LIAISON_OK);
    if (gp) {
        CHECK_STR(gp->url, "https://egm.example");
        CHECK(gp->ca_file == NULL);
    }
    util_free(gp);
    CHECK_EQ(store_peer_remove(s, "tr-egm"), LIAISON_OK);
    CHECK_EQ(store_peer_remove(s, "tr-egm"), LIAISON_ENOTFOUND);
    d.id = "tr-egm-0001";
    d.requester_agency = "tr-egm";
    d.owner_agency = "ma-dgsn";
    d.record_id = "ma-1";
    d.purpose = "border-check";
    CHECK_EQ(store_disclosure_add(s, &d, NULL), LIAISON_OK);
    CHECK_EQ(store_disclosure_add(s, &d, NULL), LIAISON_EEXIST);
    CHECK_EQ(store_disclosure_decide(s, "tr-egm-0001", "denied", "amina",
                                     "no lawful basis", NULL), LIAISON_OK);
    CHECK_EQ(store_disclosure_decide(s, "tr-egm-0001", "approved", "amina",
                                     NULL, NULL), LIAISON_ESTATE);
    CHECK_EQ(store_disclosure_decide(s, "nope", "approved", "amina", NULL,
                                     NULL), LIAISON_ENOTFOUND);
    CHECK_EQ(store_disclosure_get(s, "tr-egm-0001", &gd), LIAISON_OK);
    if (gd) {
        CHECK_STR(gd->status, "denied");
        CHECK_STR(gd->reason, "no lawful basis");
        CHECK(gd->requester_user == NULL);
        CHECK(gd->decided_at > 0);
    }
    util_free(gd);
    store_close(s);
}

/* ---------------------------------------------------------------- LISTEN/NOTIFY */

struct writer {
    const char *ci;
    int rc;
};

static void *write_thread(void *arg)
{
    struct writer *w = arg;
    store *s = NULL;
    w->rc = store_open(w->ci, &s, NULL);
    if (w->rc == LIAISON_OK)
        w->rc = put_n(s, 500, 501, "l");
    store_close(s);
    return NULL;
}

TEST(pg_changes_wait_notify)
{
    struct writer w;
    pthread_t t;
    int64_t seq = 0;
    uint64_t t0;
    FRESH(s, ci, "a");
    CHECK_EQ(put_n(s, 0, 1, "l"), LIAISON_OK);
    CHECK_EQ(store_last_seq(s, &seq), LIAISON_OK);
    CHECK_EQ(store_changes_wait(s, seq, 0), LIAISON_ETIMEOUT);  /* LISTENs */
    CHECK_EQ(store_changes_wait(s, seq - 1, 0), LIAISON_OK);
    w.ci = ci;
    w.rc = -1;
    t0 = util_now_us();
    CHECK_EQ(pthread_create(&t, NULL, write_thread, &w), 0);
    CHECK_EQ(store_changes_wait(s, seq, 60000), LIAISON_OK);
    CHECK(util_now_us() - t0 < 30 * 1000000ULL);
    pthread_join(t, NULL);
    CHECK_EQ(w.rc, LIAISON_OK);
    store_close(s);
}

/* ---------------------------------------------------------------- speed */

TEST(pg_put_and_iterate_rate)
{
    const char *env = getenv("LIAISON_STORE_BENCH");
    long n = 5000, got;
    uint64_t t0, t1, t2;
    FRESH(s, ci, "a");
    if (env && util_parse_long(env, 1, 100000000, &n) < 0)
        n = 5000;
    t0 = util_now_us();
    CHECK_EQ(store_begin(s), LIAISON_OK);
    CHECK_EQ(put_n(s, 0, n, "wanted"), LIAISON_OK);
    CHECK_EQ(store_commit(s), LIAISON_OK);
    t1 = util_now_us();
    got = count_records(s);
    t2 = util_now_us();
    CHECK_EQ(got, n);
    if (env)
        fprintf(stderr, "store (postgresql): %ld puts in one transaction: "
                "%.0f records/s; iterate: %.0f records/s\n", n,
                n / ((t1 - t0 + 1) / 1e6), n / ((t2 - t1 + 1) / 1e6));
    store_close(s);
}

int main(int argc, char **argv)
{
    int rc;
    signal(SIGPIPE, SIG_IGN);
    if (server_start() < 0) {
        server_stop(1);
        printf("test_store_pg: 0 passed, 1 failed\n");
        return 1;
    }
    rc = testlib_main(argc, argv);
    server_stop(0);
    return rc;
}
