"""common.py: what every part of the benchmark shares.

Context holds the options, the folders (repository, build, cache, a private
temp folder removed at the end), the generated data for each size, the
private PostgreSQL server (started on first use, always stopped) and the
results of this run.  Parts receive it and a size.
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCH)
EVAL = os.path.normpath(os.path.join(ROOT, "..", "shared", "eval"))
DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
SCORE = os.path.join(EVAL, "score.py")
EVAL_SETS = ("ofac-alias", "un-alias", "un-arabic")


class PartSkipped(Exception):
    """A part that cannot run here (a missing hook script, a size it does
    not measure); the run goes on."""


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"nproc": os.cpu_count() or 1, "cpu": cpu,
            "ram_gib": round(mem / 2 ** 30, 1), "kernel": platform.release(),
            "load_avg": [round(x, 2) for x in os.getloadavg()]}


def git_commit():
    """HEAD of the tree (+dirty when src, include, data or tools differ);
    $BENCH_COMMIT overrides it (binaries built elsewhere)."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    try:
        c = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                                "--untracked-files=no", "src", "include", "data",
                                "tools"], capture_output=True, text=True).stdout
        return c + ("+dirty" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def read_json(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def percentiles(values_us):
    """p50/p90/p99/p99.9, mean, qps (1 / mean) of per-query microseconds."""
    v = sorted(values_us)
    n = len(v)
    if not n:
        return {"n": 0}

    def p(q):
        return round(v[min(n - 1, int((n - 1) * q + 0.5))], 2)
    mean = sum(v) / n
    return {"n": n, "p50_us": p(0.5), "p90_us": p(0.9), "p99_us": p(0.99),
            "p999_us": p(0.999), "max_us": round(v[-1], 2),
            "mean_us": round(mean, 2), "qps": round(1e6 / mean, 2) if mean else None}


def score(results, *golds):
    """eval/score.py, exactly as the shared protocol runs it."""
    out = subprocess.run([sys.executable, SCORE, results] + list(golds),
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError("score.py failed: " + out.stderr.strip())
    return json.loads(out.stdout)


def read_gold(path):
    g = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            q, e = line.rstrip("\n").split("\t")
            g[q] = e
    return g


def stream_quality(results, gold_path, meta_path=None, neg_rate=None):
    """Score a results JSONL on the generated stream: score.py's figures
    plus recall at the default threshold per variation (from the meta
    file) and, given neg_rate, nothing else is tuned here."""
    s = score(results, gold_path)
    out = {k: s.get(k) for k in ("positives", "negatives", "recall", "top1",
                                 "neg_hit_rate", "recall_at_fpr",
                                 "threshold_at_fpr", "missing_results")}
    if meta_path and os.path.exists(meta_path):
        gold = read_gold(gold_path)
        got = {}
        with open(results, encoding="utf-8") as f:
            for line in f:
                o = json.loads(line)
                got[str(o.get("query_id"))] = {h["id"] for h in o.get("hits", [])}
        by = {}
        with open(meta_path, encoding="utf-8") as f:
            for line in f:
                q, kind, var, culture = line.rstrip("\n").split("\t")
                if kind != "hit" or q not in got:
                    continue
                for key in ("var:" + var.split("+")[0], "culture:" + culture):
                    n, k = by.get(key, (0, 0))
                    by[key] = (n + 1, k + (gold[q] in got[q]))
        out["recall_by"] = {k: round(h / n, 4) for k, (n, h) in sorted(by.items())}
    return out


class Context:
    def __init__(self, opts):
        self.opts = opts
        self.root, self.bench = ROOT, BENCH
        self.build = os.path.abspath(os.path.join(ROOT, opts.build_dir))
        self.cache = os.path.abspath(opts.cache)
        self.tmp = tempfile.mkdtemp(prefix="liaison-bench-")
        self.state = os.environ.get("BENCH_STATE")       # read by bench/run's trap
        if self.state:
            with open(self.state, "a") as f:
                f.write(self.tmp + "\n")
        self.t0 = time.time()
        self.results = {"sizes": {}, "accuracy": {}}
        self.prev = {}
        self._pg = None
        self._data = {}
        self.liaison = os.path.join(self.build, "liaison")
        self.engine_bench = os.path.join(self.build, "bench", "engine_bench")
        self.py = sys.executable

    # ------------------------------------------------------------ logging

    def log(self, msg):
        t = time.time() - self.t0
        sys.stderr.write("[%6.1fs] %s\n" % (t, msg))
        sys.stderr.flush()

    def run(self, cmd, what=None, ok=(0,), **kw):
        """Run a command; raise with its stderr tail when the exit code is
        not in ok.  Returns (CompletedProcess, seconds)."""
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, **kw)
        dt = time.perf_counter() - t
        if p.returncode not in ok:
            tail = (p.stderr or p.stdout or "").strip()[-2000:]
            raise RuntimeError("%s failed (exit %d): %s" % (
                what or os.path.basename(cmd[0]), p.returncode, tail))
        return p, dt

    # ------------------------------------------------------------ data

    def gen_dir(self):
        """Cache folder keyed by the generator's source and the seed."""
        import hashlib
        h = hashlib.sha1()
        gdir = os.path.join(BENCH, "gen")
        for f in sorted(os.listdir(gdir)):
            if f.endswith(".py"):
                with open(os.path.join(gdir, f), "rb") as fh:
                    h.update(f.encode() + fh.read())
        return os.path.join(self.cache, "gen-%s-s%d" % (h.hexdigest()[:10],
                                                        self.opts.seed))

    def data(self, size):
        if size in self._data:
            return self._data[size]
        d = self.gen_dir()
        q = self.opts.queries
        base = os.path.join(d, "queries-%d-%d" % (size, q))
        paths = {"dir": d, "watchlist": os.path.join(d, "watchlist-%d.jsonl" % size),
                 "names": os.path.join(d, "names-%d.tsv" % size),
                 "queries": base + ".jsonl", "gold": base + ".gold.tsv",
                 "meta": base + ".meta.tsv",
                 "stream": "%s-n%d-q%d-h%g" % (os.path.basename(d)[4:], size, q,
                                               self.opts.hit_rate)}
        if not all(os.path.exists(paths[k]) for k in
                   ("watchlist", "names", "queries", "gold", "meta")):
            self.log("generating %d records and %d queries into %s" % (size, q, d))
            self.run([self.py, os.path.join(BENCH, "gen", "gen.py"),
                      "--records", str(size), "--queries", str(q),
                      "--hit-rate", str(self.opts.hit_rate),
                      "--seed", str(self.opts.seed), "--out", d], "gen.py",
                     env=dict(os.environ, PYTHONHASHSEED="0"))
        names = 0
        with open(paths["names"], "rb") as f:
            for _ in f:
                names += 1
        paths["n_names"] = names
        self._data[size] = paths
        return paths

    def sample(self, path, n):
        """The first n queries of a stream file, in a temp file (the stream
        is shuffled, so a prefix has the stream's mix of hits and no-hits)."""
        out = os.path.join(self.tmp, "%s.first%d.jsonl" % (
            os.path.basename(path).rsplit(".", 1)[0], n))
        if not os.path.exists(out):
            with open(path, encoding="utf-8") as fi, \
                    open(out, "w", encoding="utf-8") as fo:
                for i, line in enumerate(fi):
                    if i >= n:
                        break
                    fo.write(line)
        return out

    # ------------------------------------------------------------ results

    def size_res(self, size):
        return self.results["sizes"].setdefault(str(size), {"parts": {}})

    def part_result(self, size, name):
        """This run's result of a part for a size, else the saved one
        (latest.json) when it was measured on the same query stream."""
        cur = self.results["sizes"].get(str(size), {}).get("parts", {}).get(name)
        if cur:
            return cur
        old = self.prev.get("sizes", {}).get(str(size), {})
        if old.get("stream") == self.data(size)["stream"]:
            r = old.get("parts", {}).get(name)
            if r and "error" not in r and "skipped" not in r:
                return r
        return None

    # ------------------------------------------------------------ postgres

    def pg(self):
        if self._pg is None:
            import pgsql as PG
            self._pg = PG.Server(self)
            self._pg.start()
        return self._pg

    def store(self, size):
        """A SQLite store with the size's watchlist imported (made by the
        import part, or here on demand)."""
        db = os.path.join(self.tmp, "store-%d.db" % size)
        if not os.path.exists(db):
            d = self.data(size)
            self.log("importing %d records into %s" % (size, db))
            self.run([self.liaison, "init", "--db", db], "liaison init")
            _, dt = self.run([self.liaison, "import", "--db", db, d["watchlist"]],
                             "liaison import")
            self.size_res(size).setdefault("import_untimed_s", round(dt, 3))
        return db

    def cleanup(self):
        if self._pg is not None:
            self._pg.stop()
            self._pg = None
        if not self.opts.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            self.log("kept %s" % self.tmp)
        if self.state and os.path.exists(self.state):
            with open(self.state) as f:
                keep = [x for x in f if x.strip() != self.tmp]
            with open(self.state, "w") as f:
                f.write("".join(keep))
