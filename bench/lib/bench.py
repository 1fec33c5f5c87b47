"""bench.py: `bench/run`, the side-by-side benchmark of issue 3.

Runs the selected parts for each size, then the size-independent ones,
merges the figures into bench/results/latest.json (a part's figures
replace only that part's, so one part can be re-run alone and still be
compared with the others), prints the table and the targets, and rewrites
the results section of bench/README.md.

Parts are Python modules bench/parts/<name>.py (NAME, SCOPE, ORDER, DESC,
run(ctx, size)) or shell scripts bench/parts/<name>.sh (bench/lib/hooks.py).
"""
import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C   # noqa: E402
import hooks         # noqa: E402
import report as R   # noqa: E402

PARTS_DIR = os.path.join(C.BENCH, "parts")
sys.path.insert(0, PARTS_DIR)
DEFAULT_SIZES = [10000, 100000, 1000000]
CORE = ("liaison", "build", "import", "cli", "pgtrgm", "jw", "accuracy")
RESULTS = os.path.join(C.BENCH, "results", "latest.json")
README = os.path.join(C.BENCH, "README.md")


class ShellPart:
    def __init__(self, name, script):
        meta = hooks.header(script)
        self.NAME, self.script = name, script
        self.SCOPE = "once" if meta["scope"] == "once" else "size"
        self.ORDER, self.DESC = 80, meta["desc"] or "shell hook " + os.path.basename(script)

    def run(self, ctx, size):
        return hooks.run(ctx, size if self.SCOPE == "size" else None, self.NAME, self.script)


def discover():
    parts = {}
    for f in sorted(os.listdir(PARTS_DIR)):
        path = os.path.join(PARTS_DIR, f)
        if f.endswith(".py") and not f.startswith("_"):
            spec = importlib.util.spec_from_file_location(f[:-3], path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[f[:-3]] = mod
            spec.loader.exec_module(mod)
            parts[mod.NAME] = mod
        elif f.endswith(".sh"):
            name = f[:-3]
            if name not in parts:
                parts[name] = ShellPart(name, path)
    return parts


def options(parts):
    ap = argparse.ArgumentParser(
        prog="bench/run", description="liaison side by side with pg_trgm and "
        "brute-force Jaro-Winkler: speed, memory, accuracy (issue 3).",
        epilog="parts: " + "; ".join("%s (%s)" % (p.NAME, p.DESC) for p in
                                     sorted(parts.values(), key=lambda p: p.ORDER)))
    a = ap.add_argument
    a("--quick", action="store_true", help="10k records, short peer runs, < 60 s")
    a("--sizes", help="comma-separated watchlist sizes (default 10000,100000,1000000)")
    a("--parts", help="comma-separated parts to run (default: all; with --quick the "
      "core parts %s, hooks only when named)" % ",".join(CORE))
    a("--queries", type=int, help="queries in the stream (default 10000; quick 2000)")
    a("--seed", type=int, default=20240601, help="generator seed (default 20240601)")
    a("--hit-rate", type=float, default=0.10, help="share of listed people in the stream")
    a("--threads", type=int, default=os.cpu_count() or 1, help="threads for 'all cores'")
    a("--pg-queries", type=int, help="stream queries for pg_trgm (default 2000; quick 500)")
    a("--pg-budget", type=float, help="seconds for the timed pg_trgm run (default 180)")
    a("--pg-calib", type=int, help="no-hit queries to calibrate pg_trgm's threshold")
    a("--jw-queries", type=int, help="stream queries for Jaro-Winkler (default 200)")
    a("--jw-budget", type=float, help="seconds for Jaro-Winkler (default 60)")
    a("--accuracy-engines", default="liaison,pg_trgm,jaro_winkler")
    a("--acc-pos-every", type=int, help="accuracy: every k-th positive query (default 1)")
    a("--acc-neg-every", type=int, help="accuracy: every k-th negative (default 1; quick 5)")
    a("--jw-pos-every", type=int, help="accuracy, Jaro-Winkler: every k-th positive (default 1)")
    a("--jw-neg-every", type=int, help="accuracy, Jaro-Winkler: every k-th negative (default 5)")
    a("--fresh-peers", action="store_true", help="quick: recompute the peers' accuracy")
    a("--build-dir", default=os.environ.get("BENCH_BUILD") or os.environ.get("B") or "build",
      help="make build folder (default $BENCH_BUILD, else make's B, else build)")
    a("--cache", default=os.path.join(C.BENCH, "cache"), help="generated data folder")
    a("--no-build", action="store_true", help="do not run make first")
    a("--no-save", action="store_true", help="leave latest.json and README.md alone")
    a("--keep", action="store_true", help="keep the temp folder (and PostgreSQL's)")
    a("--list", action="store_true", help="list the parts and exit")
    o = ap.parse_args()
    q = o.quick
    o.sizes = [int(x) for x in o.sizes.split(",")] if o.sizes else \
        ([10000] if q else DEFAULT_SIZES)
    o.queries = o.queries or (2000 if q else 10000)
    o.pg_queries = o.pg_queries or (500 if q else 2000)
    o.pg_budget = o.pg_budget or (5 if q else 180)
    o.pg_calib = o.pg_calib or (200 if q else 500)
    o.jw_queries = o.jw_queries or (30 if q else 200)
    o.jw_budget = o.jw_budget or (5 if q else 60)
    o.acc_pos_every = o.acc_pos_every or 1
    o.acc_neg_every = o.acc_neg_every or (5 if q else 1)
    o.jw_pos_every = o.jw_pos_every or (10 if q else 1)
    o.jw_neg_every = o.jw_neg_every or (50 if q else 5)
    o.accuracy_engines = [x for x in o.accuracy_engines.split(",") if x]
    names = [p.NAME for p in sorted(parts.values(), key=lambda p: p.ORDER)]
    o.parts = [x for x in o.parts.split(",") if x] if o.parts else \
        [n for n in names if n in CORE or not q]
    bad = [x for x in o.parts if x not in parts]
    if bad:
        ap.error("unknown part(s) %s; parts: %s" % (",".join(bad), ",".join(names)))
    if any(n < 1 for n in o.sizes) or o.queries < 1 or o.threads < 1:
        ap.error("sizes, --queries and --threads must be positive")
    return o


def build(ctx):
    cmd = ["make", "-s", "-C", ctx.root, "B=" + ctx.opts.build_dir,
           os.path.join(ctx.opts.build_dir, "liaison"),
           os.path.join(ctx.opts.build_dir, "bench", "engine_bench"),
           os.path.join(ctx.opts.build_dir, "bench", "manifest_bench")]
    for attempt in range(4):
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode == 0:
            return
        ctx.log("make failed (a file may be mid-edit); retrying in 20 s:\n" +
                p.stderr.strip()[-1500:])
        time.sleep(20)
    raise SystemExit("bench: make failed")


def run_part(ctx, part, size):
    t = time.perf_counter()
    try:
        r = part.run(ctx, size)
    except C.PartSkipped as e:
        ctx.log("%s: skipped: %s" % (part.NAME, e))
        r = {"skipped": str(e)}
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:          # one part failing must not stop the others
        ctx.log("%s: FAILED: %s" % (part.NAME, e))
        r = {"error": str(e)}
    r["date"], r["commit"] = C.now_iso(), C.git_commit()
    r["part_s"] = round(time.perf_counter() - t, 1)
    return r


def merge(prev, ctx):
    """latest.json = the previous one with this run's parts replacing
    theirs; a size measured on another query stream is replaced whole."""
    latest = dict(prev) if isinstance(prev, dict) else {}
    sizes = dict(latest.get("sizes", {}))
    for k, cur in ctx.results["sizes"].items():
        old = sizes.get(k, {})
        if old.get("stream") != cur.get("stream"):
            old = {}
        parts = dict(old.get("parts", {}))
        for name, r in cur["parts"].items():
            if "skipped" in r and name in parts and "skipped" not in parts[name]:
                continue
            parts[name] = r
        sizes[k] = {"stream": cur["stream"], "n_names": cur.get("n_names"),
                    "date": C.now_iso(), "commit": C.git_commit(), "parts": parts}
    acc = dict(latest.get("accuracy", {}))
    acc.update(ctx.results.get("accuracy", {}))
    for k in sizes:
        meta = {x: sizes[k].get(x) for x in ("stream", "n_names", "date", "commit",
                                             "parts")}
        sizes[k] = dict(R.summarize(int(k), sizes[k], acc), **meta)
    latest.update(sizes=sizes, accuracy=acc, date=C.now_iso(), machine=C.machine(),
                  commit=C.git_commit())
    if ctx.results.get("hooks"):
        h = dict(latest.get("hooks", {}))
        h.update(ctx.results["hooks"])
        latest["hooks"] = h
    if sizes:
        top = max(sizes, key=int)
        latest.update({k: v for k, v in sizes[top].items()
                       if k not in ("parts", "n_names", "commit", "date")})
        latest["largest_size"] = int(top)
    latest["checks"] = R.checks(latest)
    return latest


def main():
    parts = discover()
    o = options(parts)
    if o.list:
        for p in sorted(parts.values(), key=lambda p: p.ORDER):
            print("%-10s %-5s %s" % (p.NAME, p.SCOPE, p.DESC))
        return 0
    ctx = C.Context(o)
    ctx.prev = C.read_json(RESULTS, {}) or {}

    def on_signal(sig, _frame):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    sel = sorted((parts[n] for n in o.parts), key=lambda p: p.ORDER)
    t0 = time.time()
    try:
        if not o.no_build:
            build(ctx)
        ctx.log("sizes %s, parts %s, %d queries, seed %d, build %s" % (
            ",".join(map(str, o.sizes)), ",".join(p.NAME for p in sel), o.queries,
            o.seed, ctx.build))
        for size in (o.sizes if any(p.SCOPE == "size" for p in sel) else []):
            d = ctx.data(size)
            sr = ctx.size_res(size)
            sr.update(stream=d["stream"], n_names=d["n_names"])
            for p in (p for p in sel if p.SCOPE == "size"):
                sr["parts"][p.NAME] = run_part(ctx, p, size)
        for p in (p for p in sel if p.SCOPE == "once"):
            r = run_part(ctx, p, None)
            if p.NAME == "accuracy":
                ctx.results["accuracy"] = {k: v for k, v in r.items()
                                           if isinstance(v, dict)}
                if "error" in r:
                    ctx.log("accuracy failed: %s" % r["error"])
            else:
                ctx.results.setdefault("hooks", {})[p.NAME] = r
    except KeyboardInterrupt:
        ctx.log("interrupted; stopping")
        ctx.cleanup()
        return 130
    finally:
        ctx.cleanup()
    total = time.time() - t0
    latest = merge(ctx.prev, ctx)
    if o.quick and set(CORE) <= set(o.parts) and o.sizes == [10000]:
        latest["quick"] = {"total_s": round(total, 1), "date": C.now_iso()}
        latest["checks"] = R.checks(latest)
    print(R.full_text(latest, set(o.sizes)))
    print("\ntotal %.1f s" % total)
    if not o.no_save:
        os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
        C.write_json(RESULTS, latest)
        cmd = "bench/run " + " ".join(sys.argv[1:])
        if R.update_readme(README, latest, cmd.strip()):
            ctx.log("wrote %s and the results section of %s" % (
                os.path.relpath(RESULTS, C.ROOT), os.path.relpath(README, C.ROOT)))
        else:
            ctx.log("wrote %s (README.md has no results markers)" %
                    os.path.relpath(RESULTS, C.ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
