/*
** test_cli.c: the liaison program end to end, as officers and scripts use
** it: exit codes, --help everywhere, imports with bad lines (reported with
** their line numbers, the rest imported), foreign files refused, an import
** killed halfway (nothing of it stored), screening single, JSON, batch
** JSONL/CSV/PAXLST, MRZ, and every import and screening in the audit
** trail (results withheld when it cannot be written).  The program is the one built next to this test
** (B/liaison).
*/
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/sql.h"
#include "testlib.h"

static char prog[4096];
static char dir[64];
static char db[128];

typedef struct run_out {
    int code;
    char *out, *err;
    size_t out_len, err_len;
} run_out;

/* Read a whole fd into a malloc'd string. */
static char *slurp(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    ssize_t r;
    while (p && (r = read(fd, p + n, cap - n - 1)) > 0) {
        n += (size_t)r;
        if (cap - n < 2) {
            char *q = realloc(p, cap * 2);
            if (!q)
                break;
            p = q;
            cap *= 2;
        }
    }
    if (p)
        p[n] = '\0';
    *len = n;
    return p;
}

/* Run the program with args (NULL-terminated); stdin from in_path or
** /dev/null.  Output is collected in files to avoid pipe deadlocks. */
static void run(run_out *o, const char *in_path, const char *const *args)
{
    char outp[160], errp[160];
    const char *argv[40];
    pid_t pid;
    int st = 0, i, fo, fe;
    snprintf(outp, sizeof(outp), "%s/stdout", dir);
    snprintf(errp, sizeof(errp), "%s/stderr", dir);
    argv[0] = prog;
    for (i = 0; args[i] && i < 38; i++)
        argv[i + 1] = args[i];
    argv[i + 1] = NULL;
    pid = fork();
    if (pid == 0) {
        int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
        int out = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execv(prog, (char *const *)argv);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    o->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    fo = open(outp, O_RDONLY);
    fe = open(errp, O_RDONLY);
    o->out = slurp(fo, &o->out_len);
    o->err = slurp(fe, &o->err_len);
    close(fo);
    close(fe);
}

static void run_free(run_out *o)
{
    free(o->out);
    free(o->err);
}

static void write_file(const char *name, const char *text, char *path,
                       size_t cap)
{
    FILE *f;
    snprintf(path, cap, "%s/%s", dir, name);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Fresh store for a test. */
static void fresh_store(void)
{
    run_out o;
    const char *args[] = {"init", "--db", db, "--agency", "MA-DGSN", NULL};
    unlink(db);
    run(&o, NULL, args);
    CHECK_EQ(o.code, 0);
    run_free(&o);
}

static long records_in_store(void)
{
    run_out o;
    const char *args[] = {"stats", "--db", db, "--json", NULL};
    json_t *j;
    long n = -1;
    run(&o, NULL, args);
    CHECK_EQ(o.code, 0);
    j = json_loads(o.out, 0, NULL);
    CHECK(j != NULL);
    if (j) {
        n = (long)json_integer_value(json_object_get(j, "records"));
        json_decref(j);
    }
    run_free(&o);
    return n;
}

static void setup(void)
{
    ssize_t n = readlink("/proc/self/exe", prog, sizeof(prog) - 16);
    char *slash;
    CHECK(n > 0);
    prog[n > 0 ? n : 0] = '\0';
    slash = strrchr(prog, '/');
    if (slash) {
        *slash = '\0';
        slash = strrchr(prog, '/');     /* B/tests -> B */
        if (slash)
            *slash = '\0';
    }
    util_strlcpy(prog + strlen(prog), "/liaison", 16);
    strcpy(dir, "/tmp/liaison-cli-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof(db), "%s/t.db", dir);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
}

static const char good_records[] =
    "{\"id\":\"r1\",\"list\":\"wanted\",\"names\":[{\"full\":\"Youssef BENHADDOU\"},"
    "{\"full\":\"يوسف بنحدو\",\"type\":\"original\"}],\"dob\":\"1966\","
    "\"nationalities\":[\"MA\"]}\n"
    "{\"id\":\"r2\",\"list\":\"wanted\",\"names\":[{\"full\":\"KARALOĞLU, Münir\"}],"
    "\"dob\":\"1970-03-02\",\"documents\":[{\"type\":\"passport\","
    "\"number\":\"U12345678\",\"country\":\"TUR\",\"status\":\"stolen\"}]}\n"
    "{\"id\":\"r3\",\"list\":\"sltd\",\"kind\":\"document\",\"documents\":"
    "[{\"type\":\"passport\",\"number\":\"AB1234567\",\"country\":\"MAR\","
    "\"status\":\"stolen\"}]}\n";

TEST(help_on_every_command)
{
    static const char *cmds[] = {"init", "import", "screen", "stats", "mrz"};
    size_t i;
    run_out o;
    setup();
    for (i = 0; i < UTIL_ARRAY_LEN(cmds); i++) {
        const char *args[] = {cmds[i], "--help", NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 0);
        CHECK(strstr(o.out, "usage: liaison") != NULL);
        run_free(&o);
    }
    {
        const char *args[] = {"--help", NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 0);
        CHECK(strstr(o.out, "commands:") != NULL);
        run_free(&o);
    }
    {
        const char *args[] = {"frobnicate", NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 2);
        run_free(&o);
    }
    teardown();
}

TEST(init_refuses_an_existing_store)
{
    run_out o;
    const char *args[] = {"init", "--db", db, NULL};
    setup();
    fresh_store();
    run(&o, NULL, args);
    CHECK_EQ(o.code, 2);
    CHECK(strstr(o.err, "exists") != NULL || strstr(o.err, "already") != NULL);
    run_free(&o);
    teardown();
}

TEST(import_reports_bad_lines_and_keeps_the_rest)
{
    char path[256], text[2048];
    run_out o;
    setup();
    fresh_store();
    {
        const char *lines[] = {
            "{\"id\":\"a1\",\"list\":\"l\",\"names\":[{\"full\":\"Ali Tazi\"}]}\n",
            "{\"id\":\"bad\",\"names\":[{\"full\":}\n",
            "{\"id\":\"a2\",\"list\":\"l\",\"names\":[{\"full\":\"Omar \xff\"}]}\n",
            "{\"id\":\"a3\",\"list\":\"l\",\"names\":[{\"full\":\"Sami Idrissi\"}]}\n",
        };
        size_t i;
        text[0] = '\0';
        for (i = 0; i < UTIL_ARRAY_LEN(lines); i++)
            util_strlcpy(text + strlen(text), lines[i],
                         sizeof(text) - strlen(text));
    }
    write_file("mixed.jsonl", text, path, sizeof(path));
    {
        const char *args[] = {"import", "--db", db, path, NULL};
        run(&o, NULL, args);
    }
    CHECK_EQ(o.code, 2);
    CHECK(strstr(o.err, "line 2") != NULL);
    CHECK(strstr(o.err, "line 3") != NULL);     /* invalid UTF-8 */
    CHECK(strstr(o.err, "2 records imported") != NULL);
    run_free(&o);
    CHECK_EQ(records_in_store(), 2);
    teardown();
}

TEST(import_refuses_foreign_xml_and_keeps_the_store)
{
    char path[256], good[256];
    run_out o;
    setup();
    fresh_store();
    write_file("good.jsonl", good_records, good, sizeof(good));
    {
        const char *args[] = {"import", "--db", db, good, NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 0);
        run_free(&o);
    }
    write_file("other.xml", "<?xml version=\"1.0\"?>\n<catalog><book/></catalog>\n",
               path, sizeof(path));
    {
        const char *args[] = {"import", "--db", db, path, NULL};
        run(&o, NULL, args);
    }
    CHECK_EQ(o.code, 2);
    CHECK(strstr(o.err, "catalog") != NULL);
    CHECK(strstr(o.err, "nothing imported") != NULL);
    run_free(&o);
    CHECK_EQ(records_in_store(), 3);
    teardown();
}

TEST(import_killed_halfway_leaves_nothing)
{
    char fifo[160], good[256];
    run_out o;
    pid_t pid;
    int fd, st, i;
    char line[256];
    setup();
    fresh_store();
    write_file("good.jsonl", good_records, good, sizeof(good));
    {
        const char *args[] = {"import", "--db", db, good, NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 0);
        run_free(&o);
    }
    /* The import reads a FIFO: once 1 MiB of records has been written into
    ** it (the pipe holds 64 KiB), the importer has put thousands of them
    ** in its transaction.  Then it is killed. */
    snprintf(fifo, sizeof(fifo), "%s/feed.jsonl", dir);
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        dup2(nul, 2);
        execl(prog, prog, "import", "--db", db, "--format", "jsonl", fifo,
              (char *)NULL);
        _exit(127);
    }
    /* Open without blocking: if the program never starts reading (it
    ** failed to start), the test fails instead of waiting for ever. */
    fd = -1;
    for (i = 0; i < 10000 && fd < 0; i++) {
        fd = open(fifo, O_WRONLY | O_NONBLOCK);
        if (fd < 0 && waitpid(pid, &st, WNOHANG) == pid)
            break;
        if (fd < 0)
            usleep(1000);
    }
    CHECK(fd >= 0);
    if (fd >= 0)
        fcntl(fd, F_SETFL, 0);      /* blocking writes from here */
    for (i = 0; fd >= 0 && i < 12000; i++) {
        int n = snprintf(line, sizeof(line),
                         "{\"id\":\"k%d\",\"list\":\"l\",\"names\":[{\"full\":"
                         "\"Person Number%d Killed\"}]}\n", i, i);
        if (write(fd, line, (size_t)n) != n)
            break;
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    if (fd >= 0)
        close(fd);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(records_in_store(), 3);
    teardown();
}

TEST(stats_json_shape)
{
    char good[256];
    run_out o;
    json_t *j, *lists;
    setup();
    fresh_store();
    write_file("good.jsonl", good_records, good, sizeof(good));
    {
        const char *args[] = {"import", "--db", db, good, NULL};
        run(&o, NULL, args);
        run_free(&o);
    }
    {
        const char *args[] = {"stats", "--db", db, "--json", NULL};
        run(&o, NULL, args);
    }
    j = json_loads(o.out, 0, NULL);
    CHECK(j != NULL);
    if (j) {
        CHECK_EQ(json_integer_value(json_object_get(j, "records")), 3);
        CHECK_EQ(json_integer_value(json_object_get(j, "names")), 3);
        lists = json_object_get(j, "lists");
        CHECK_EQ(json_integer_value(json_object_get(lists, "wanted")), 2);
        CHECK_EQ(json_integer_value(json_object_get(lists, "sltd")), 1);
        CHECK_EQ(json_object_size(j), 3);
        json_decref(j);
    }
    run_free(&o);
    teardown();
}

static void import_good(void)
{
    char good[256];
    run_out o;
    const char *args[] = {"import", "--db", db, good, NULL};
    write_file("good.jsonl", good_records, good, sizeof(good));
    run(&o, NULL, args);
    CHECK_EQ(o.code, 0);
    run_free(&o);
}

TEST(screen_exit_codes_and_errors)
{
    static const struct {
        const char *a[8];
        int code;
        const char *err;
    } cases[] = {
        {{"--name", "Yusuf Ben Haddou"}, 1, NULL},
        {{"--name", "Münir Karaloglu", "--dob", "1970-03-02"}, 1, NULL},
        {{"--name", "Marie Dubois"}, 0, NULL},
        {{"--doc", "AB-1234567"}, 1, NULL},
        {{"--name", "Ali \xC3\x28"}, 2, "UTF-8"},
        {{"--name", "Ali", "--dob", "14/07/1966"}, 2, "--dob"},
        {{"--name", "Ali", "--nationality", "XQZ"}, 2, "--nationality"},
        {{"--name", "Ali", "--threshold", "1.5"}, 2, "--threshold"},
        {{"--name", "Ali", "--limit", "0"}, 2, "--limit"},
        {{"--name", "Ali", "--bogus"}, 2, NULL},
    };
    size_t i, j;
    setup();
    fresh_store();
    import_good();
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        const char *args[12] = {"screen", "--db", db};
        run_out o;
        for (j = 0; cases[i].a[j]; j++)
            args[3 + j] = cases[i].a[j];
        args[3 + j] = NULL;
        run(&o, NULL, args);
        if (o.code != cases[i].code)
            fprintf(stderr, "case %zu: exit %d, stderr %s\n", i, o.code, o.err);
        CHECK_EQ(o.code, cases[i].code);
        if (cases[i].err)
            CHECK(strstr(o.err, cases[i].err) != NULL);
        run_free(&o);
    }
    teardown();
}

TEST(screen_json_explains_hits)
{
    run_out o;
    json_t *j, *hit;
    const char *args[] = {"screen", "--db", db, "--name", "يوسف بنحدو",
                          "--json", NULL};
    setup();
    fresh_store();
    import_good();
    run(&o, NULL, args);
    CHECK_EQ(o.code, 1);
    j = json_loads(o.out, 0, NULL);
    CHECK(j != NULL);
    if (j) {
        hit = json_array_get(json_object_get(j, "hits"), 0);
        CHECK_STR(json_string_value(json_object_get(hit, "id")), "r1");
        CHECK(json_real_value(json_object_get(hit, "score")) > 0.55);
        CHECK(json_array_size(json_object_get(hit, "why")) >= 1);
        CHECK(json_object_get(j, "took_us") != NULL);
        CHECK(json_object_get(j, "query") != NULL);
        json_decref(j);
    }
    run_free(&o);
    teardown();
}

TEST(batch_jsonl_in_order_with_query_ids)
{
    char in[256];
    run_out o;
    const char *args[] = {"screen", "--db", db, "--batch", in, NULL};
    char *line, *save = NULL;
    int n = 0;
    setup();
    fresh_store();
    import_good();
    write_file("q.jsonl",
               "{\"id\":\"q1\",\"name\":\"Youssef Benhaddou\",\"dob\":\"1966-02-01\"}\n"
               "{\"id\":\"q2\",\"name\":\"Marie Dubois\"}\n"
               "{\"id\":\"q3\",\"nmae\":\"typo in a field\"}\n"
               "{\"id\":7,\"doc\":\"AB1234567\"}\n", in, sizeof(in));
    run(&o, NULL, args);
    CHECK_EQ(o.code, 2);                /* line 3 was bad */
    CHECK(strstr(o.err, "line 3") != NULL);
    CHECK(strstr(o.err, "nmae") != NULL);
    for (line = strtok_r(o.out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *want[] = {"q1", "q2", "7"};
        size_t hits = json_array_size(json_object_get(j, "hits"));
        CHECK(j != NULL);
        if (n < 3)
            CHECK_STR(json_string_value(json_object_get(j, "query_id")),
                      want[n]);
        if (n == 0)
            CHECK(hits >= 1);
        if (n == 1)
            CHECK_EQ(hits, 0);
        if (n == 2)
            CHECK(hits >= 1);
        json_decref(j);
        n++;
    }
    CHECK_EQ(n, 3);
    run_free(&o);
    teardown();
}

TEST(batch_csv_and_paxlst)
{
    char in[256];
    run_out o;
    setup();
    fresh_store();
    import_good();
    write_file("q.csv", "id,name,dob\nc1,\"BENHADDOU, Youssef\",1966\n"
               "c2,Jean Martin,1980-01-01\n", in, sizeof(in));
    {
        const char *args[] = {"screen", "--db", db, "--batch", in, "--format",
                              "csv", NULL};
        run(&o, NULL, args);
    }
    CHECK_EQ(o.code, 1);
    CHECK(strstr(o.out, "\"query_id\":\"c1\"") != NULL);
    CHECK(strstr(o.out, "\"query_id\":\"c2\"") != NULL);
    run_free(&o);
    {
        const char *args[] = {"screen", "--db", db, "--batch",
                              TESTLIB_SHARED "/data/paxlst_pnrgov_gtas/paxlst/"
                              "loader_Test3.txt",
                              "--format", "paxlst", NULL};
        size_t lines = 0;
        char *p;
        run(&o, NULL, args);
        CHECK(o.code == 0 || o.code == 1);
        for (p = o.out; (p = strchr(p, '\n')) != NULL; p++)
            lines++;
        CHECK_EQ(lines, 260);           /* one result per traveller */
        CHECK(strstr(o.out, "\"flight\":{") != NULL);
        run_free(&o);
    }
    teardown();
}

TEST(mrz_parse_and_screen)
{
    run_out o;
    json_t *j;
    const char *td1 = "I<UTOD231458907<<<<<<<<<<<<<<<|7408122F1204159UTO"
                      "<<<<<<<<<<<6|ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    setup();
    {
        const char *args[] = {"mrz", "parse", td1, NULL};
        run(&o, NULL, args);
    }
    CHECK_EQ(o.code, 0);
    j = json_loads(o.out, 0, NULL);
    CHECK(j != NULL);
    if (j) {
        CHECK_STR(json_string_value(json_object_get(j, "surname")), "ERIKSSON");
        CHECK(json_is_true(json_object_get(j, "valid")));
        json_decref(j);
    }
    run_free(&o);
    {
        const char *args[] = {"mrz", "parse", "NOT AN MRZ AT ALL", NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 2);
        run_free(&o);
    }
    fresh_store();
    import_good();
    {
        /* A Turkish passport in the name and number of record r2. */
        const char *args[] = {"screen", "--db", db, "--mrz",
            "P<TURKARALOGLU<<MUNIR<<<<<<<<<<<<<<<<<<<<<<<|"
            "U123456784TUR7003022M3001019<<<<<<<<<<<<<<08", "--json", NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 1);
        CHECK(strstr(o.out, "\"id\":\"r2\"") != NULL);
        CHECK(strstr(o.out, "\"mrz\":{") != NULL);
        run_free(&o);
    }
    teardown();
}

/* The audit trail's entries with this action, as JSON objects (an array
** the caller frees); the detail is parsed into "detail". */
static json_t *audit_entries(const char *action)
{
    run_out o;
    const char *args[] = {"audit", "list", "--db", db, "--json", NULL};
    json_t *all = json_array();
    char *line, *save = NULL;
    run(&o, NULL, args);
    CHECK_EQ(o.code, 0);
    for (line = strtok_r(o.out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *a = json_string_value(json_object_get(j, "action"));
        CHECK(j != NULL);
        if (j && a && !strcmp(a, action)) {
            json_t *d = json_loads(json_string_value(
                json_object_get(j, "detail_json")), 0, NULL);
            CHECK(d != NULL);
            json_object_set_new(j, "detail", d ? d : json_null());
            json_array_append(all, j);
        }
        json_decref(j);
    }
    run_free(&o);
    return all;
}

TEST(imports_and_screenings_are_audited)
{
    char in[256], more[256];
    run_out o;
    json_t *e, *d;
    size_t i;
    setup();
    fresh_store();
    import_good();
    /* The import: each record with its content hash, then the file. */
    e = audit_entries("record.put");
    CHECK_EQ(json_array_size(e), 3);
    for (i = 0; i < json_array_size(e); i++) {
        json_t *x = json_array_get(e, i);
        const char *id = json_string_value(json_object_get(
            json_object_get(x, "detail"), "id"));
        CHECK(!strncmp(json_string_value(json_object_get(x, "actor")),
                       "cli:", 4));
        CHECK_STR(json_string_value(json_object_get(x, "agency")), "MA-DGSN");
        CHECK(id && id[0] == 'r' && id[1] == (char)('1' + i));
        CHECK_EQ(strlen(json_string_value(json_object_get(
                     json_object_get(x, "detail"), "content_blake2b"))), 64);
    }
    json_decref(e);
    e = audit_entries("records.import");
    CHECK_EQ(json_array_size(e), 1);
    d = json_object_get(json_array_get(e, 0), "detail");
    CHECK_EQ(json_integer_value(json_object_get(d, "imported")), 3);
    CHECK_EQ(json_integer_value(json_object_get(d, "skipped")), 0);
    json_decref(e);

    /* A screening: its purpose, the question and the records it hit. */
    {
        const char *args[] = {"screen", "--db", db, "--name",
                              "Youssef Benhaddou", "--purpose",
                              "border-check", NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 1);
        run_free(&o);
    }
    {
        const char *args[] = {"screen", "--db", db, "--name", "Ali",
                              "--purpose", "Border Check", NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 2);
        CHECK(strstr(o.err, "--purpose") != NULL);
        run_free(&o);
    }
    write_file("q.jsonl",
               "{\"id\":\"q1\",\"name\":\"Marie Dubois\"}\n"
               "{\"id\":\"q2\",\"doc\":\"AB1234567\"}\n", in, sizeof(in));
    {
        const char *args[] = {"screen", "--db", db, "--batch", in, NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 1);
        run_free(&o);
    }
    e = audit_entries("screen");
    CHECK_EQ(json_array_size(e), 3);    /* the bad --purpose ran nothing */
    {
        json_t *x = json_array_get(e, 0);
        d = json_object_get(x, "detail");
        CHECK_STR(json_string_value(json_object_get(x, "purpose")),
                  "border-check");
        CHECK_STR(json_string_value(json_object_get(
                      json_object_get(d, "query"), "name")),
                  "Youssef Benhaddou");
        CHECK_STR(json_string_value(json_array_get(
                      json_object_get(d, "records"), 0)), "r1");
        x = json_array_get(e, 1);
        d = json_object_get(x, "detail");
        CHECK_STR(json_string_value(json_object_get(x, "purpose")),
                  "watchlist-maintenance");
        CHECK_STR(json_string_value(json_object_get(d, "query_id")), "q1");
        CHECK_EQ(json_integer_value(json_object_get(d, "hits")), 0);
        d = json_object_get(json_array_get(e, 2), "detail");
        CHECK_STR(json_string_value(json_object_get(d, "query_id")), "q2");
        CHECK_STR(json_string_value(json_array_get(
                      json_object_get(d, "records"), 0)), "r3");
    }
    json_decref(e);
    {
        const char *args[] = {"audit", "verify", "--db", db, NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 0);
        run_free(&o);
    }

    /* The trail cannot be written: no result leaves, nothing is imported. */
    CHECK_EQ(th_raw_sql(db, "CREATE TRIGGER full BEFORE INSERT ON audit "
                        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"),
             SQLITE_OK);
    {
        const char *args[] = {"screen", "--db", db, "--name",
                              "Youssef Benhaddou", "--json", NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 2);
        CHECK_EQ(o.out_len, 0);
        CHECK(strstr(o.err, "audit trail") != NULL);
        run_free(&o);
    }
    {
        const char *args[] = {"screen", "--db", db, "--batch", in, NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 2);
        CHECK_EQ(o.out_len, 0);
        CHECK(strstr(o.err, "audit trail") != NULL);
        run_free(&o);
    }
    write_file("more.jsonl",
               "{\"id\":\"r9\",\"list\":\"wanted\",\"names\":"
               "[{\"full\":\"Kemal Aydin\"}]}\n", more, sizeof(more));
    {
        const char *args[] = {"import", "--db", db, more, NULL};
        run(&o, NULL, args);
        CHECK_EQ(o.code, 2);
        CHECK(strstr(o.err, "audit trail") != NULL);
        run_free(&o);
    }
    CHECK_EQ(records_in_store(), 3);
    teardown();
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
