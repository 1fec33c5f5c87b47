"""pg.py: a private PostgreSQL server and the pg_trgm peer.

Server: initdb and pg_ctl from /usr/lib/postgresql/<newest>/bin, data and
Unix socket in a mkdtemp folder, no TCP; as root the server programs run
as the `postgres` user through runuser (initdb refuses root), as
tests/test_store_pg.c does.  Its folder is listed in $BENCH_STATE so that
bench/run's trap can stop it even if this process is killed.

The peer is what a user would set up: one row per name (record id, name),
a stored column lower(unaccent(name)) through an IMMUTABLE wrapper
(unaccent() itself is only STABLE, so it cannot be indexed directly), a
GIN trigram index on it, and per query the `%` operator with
similarity() ORDER BY similarity DESC LIMIT 10, one row per record (its
best name), through one persistent connection and a prepared statement.
Parallel query is off so that one query uses one core, as liaison's
single-thread figure does; JIT is off (it only adds latency here).
"""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

SETUP_SQL = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
DROP TABLE IF EXISTS names;
CREATE TABLE names (
  rid  text NOT NULL,
  name text NOT NULL,
  norm text GENERATED ALWAYS AS (lower(f_unaccent(name))) STORED);
"""
INDEX_SQL = "CREATE INDEX names_norm_trgm ON names USING gin (norm gin_trgm_ops)"
QUERY_SQL = """
PREPARE screen(text) AS
  WITH q AS (SELECT lower(f_unaccent($1)) AS q)
  SELECT n.rid, max(similarity(n.norm, q.q)) AS s
  FROM names n, q
  WHERE n.norm % q.q
  GROUP BY n.rid ORDER BY s DESC LIMIT 10
"""


def pg_bin():
    env = os.environ.get("LIAISON_PG_BIN")
    if env:
        return env
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        raise RuntimeError("no PostgreSQL server programs "
                           "(/usr/lib/postgresql/*/bin/initdb): "
                           "sh tools/deps.sh bench")
    found.sort(key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1])


class Server:
    def __init__(self, ctx):
        self.ctx = ctx
        self.dir = None
        self.running = False
        self.as_postgres = os.geteuid() == 0

    def _cmd(self, argv):
        return (["runuser", "-u", "postgres", "--"] + argv) if self.as_postgres else argv

    def _state(self, add):
        st = self.ctx.state
        if not st:
            return
        lines = []
        if os.path.exists(st):
            with open(st) as f:
                lines = [x.strip() for x in f if x.strip() and x.strip() != self.dir]
        if add:
            lines.append(self.dir)
        with open(st, "w") as f:
            f.write("".join(x + "\n" for x in lines))

    def start(self):
        b = pg_bin()
        self.bin = b
        self.dir = tempfile.mkdtemp(prefix="liaison-bench-pg-")
        self._state(True)
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        data = os.path.join(self.dir, "data")
        t = time.perf_counter()
        self.ctx.run(self._cmd([os.path.join(b, "initdb"), "-D", data, "-A", "trust",
                                "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
                                "--no-sync"]), "initdb")
        opts = ("-k %s -c listen_addresses= -F -c shared_buffers=1GB "
                "-c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB "
                "-c checkpoint_timeout=30min -c autovacuum=off -c jit=off "
                "-c max_parallel_workers_per_gather=0" % self.dir)
        self.running = True
        self.ctx.run(self._cmd([os.path.join(b, "pg_ctl"), "-D", data, "-l",
                                os.path.join(self.dir, "server.log"), "-w", "-t", "120",
                                "-o", opts, "start"]), "pg_ctl start")
        self.ctx.log("PostgreSQL %s started on %s (%.1fs)" % (
            b.split("/")[4], self.dir, time.perf_counter() - t))

    def stop(self):
        if self.running:
            subprocess.run(self._cmd([os.path.join(self.bin, "pg_ctl"), "-D",
                                      os.path.join(self.dir, "data"), "-m", "fast",
                                      "-w", "-t", "60", "stop"]),
                           capture_output=True)
            self.running = False
            self.ctx.log("PostgreSQL stopped")
        if self.dir:
            if not self.ctx.opts.keep:
                shutil.rmtree(self.dir, ignore_errors=True)
            self._state(False)
            self.dir = None

    def connect(self, db="postgres"):
        import psycopg2
        c = psycopg2.connect(host=self.dir, user="postgres", dbname=db)
        c.autocommit = True
        return c

    def database(self, name):
        """Create database `name` (dropped first) and connect to it."""
        c = self.connect()
        with c.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS %s" % name)
            cur.execute("CREATE DATABASE %s" % name)
        c.close()
        return self.connect(name)


def load_names(conn, rows_file):
    """COPY rid TAB name rows, build the trigram index.  Returns timings
    and sizes."""
    out = {}
    with conn.cursor() as cur:
        cur.execute(SETUP_SQL)
        t = time.perf_counter()
        with open(rows_file, encoding="utf-8") as f:
            cur.copy_expert("COPY names (rid, name) FROM STDIN", f)
        out["copy_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        cur.execute(INDEX_SQL)
        out["index_s"] = round(time.perf_counter() - t, 3)
        cur.execute("ANALYZE names")
        cur.execute("SELECT count(*), pg_table_size('names'), "
                    "pg_relation_size('names_norm_trgm') FROM names")
        n, tb, ib = cur.fetchone()
        out.update({"names": n, "table_bytes": tb, "index_bytes": ib,
                    "bytes_per_name": round((tb + ib) / max(n, 1), 1),
                    "index_bytes_per_name": round(ib / max(n, 1), 1)})
        cur.execute(QUERY_SQL)
    return out


def set_threshold(conn, t):
    with conn.cursor() as cur:
        cur.execute("SET pg_trgm.similarity_threshold = %s", (float(t),))


def explain(conn, name):
    with conn.cursor() as cur:
        cur.execute("EXPLAIN EXECUTE screen(%s)", (name,))
        return "\n".join(r[0] for r in cur.fetchall())


def screen(conn, queries, budget_s=None, warmup=0):
    """Run (qid, name) queries; returns [(qid, [(rid, sim)], lat_us)],
    stopping after budget_s seconds (the warm-up is not counted)."""
    out = []
    with conn.cursor() as cur:
        for _, name in queries[:warmup]:
            cur.execute("EXECUTE screen(%s)", (name,))
            cur.fetchall()
        start = time.perf_counter()
        for qid, name in queries:
            t = time.perf_counter_ns()
            cur.execute("EXECUTE screen(%s)", (name,))
            rows = cur.fetchall()
            out.append((qid, rows, (time.perf_counter_ns() - t) / 1e3))
            if budget_s and time.perf_counter() - start > budget_s:
                break
    return out
