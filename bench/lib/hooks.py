"""hooks.py: parts written as shell scripts (bench/parts/<name>.sh, and the
server engineer's bench/http/run.sh).

Contract (also in bench/README.md, "Adding a part"):
  - the script's header may say `# bench-scope: once` (default: size, run
    once per --sizes value) and `# bench-desc: one line`;
  - it gets its inputs as environment variables:
      BENCH_PART BENCH_SIZE BENCH_QUICK BENCH_SEED BENCH_THREADS BENCH_ROOT
      BENCH_BUILD BENCH_LIAISON BENCH_ENGINE_BENCH BENCH_WATCHLIST
      BENCH_NAMES BENCH_QUERIES BENCH_GOLD BENCH_META BENCH_DB (a SQLite
      store with the watchlist imported) BENCH_INPROC (JSON of the
      liaison part at this size, when there is one, with the summary under
      "engines": {"liaison": {"p50_us", "p99_us", "qps", "qps_all_cores"}},
      for side-by-side figures) BENCH_PG_HOST (socket folder of the private PostgreSQL, when
      started) BENCH_TMP (a scratch folder of its own) BENCH_OUT;
  - it writes its figures as one JSON object to $BENCH_OUT, exits 0 when
    done, 77 when it does not apply (skipped, with a reason on stderr), and
    anything else on failure (the run goes on and reports it).
"""
import json
import os
import subprocess
import tempfile

import common as C


def header(script):
    meta = {"scope": "size", "desc": ""}
    try:
        with open(script, encoding="utf-8") as f:
            for _, line in zip(range(30), f):
                for key in ("scope", "desc"):
                    tag = "# bench-%s:" % key
                    if line.startswith(tag):
                        meta[key] = line[len(tag):].strip()
    except OSError:
        pass
    return meta


def run(ctx, size, name, script):
    if not os.access(script, os.X_OK) and not script.endswith(".sh"):
        raise C.PartSkipped("%s is not executable" % script)
    tmp = tempfile.mkdtemp(prefix=name + "-", dir=ctx.tmp)
    out = os.path.join(tmp, "result.json")
    env = dict(os.environ, BENCH_PART=name, BENCH_QUICK="1" if ctx.opts.quick else "0",
               BENCH_SEED=str(ctx.opts.seed), BENCH_THREADS=str(ctx.opts.threads),
               BENCH_ROOT=ctx.root, BENCH_BUILD=ctx.build, BENCH_LIAISON=ctx.liaison,
               BENCH_ENGINE_BENCH=ctx.engine_bench, BENCH_TMP=tmp, BENCH_OUT=out)
    if size is not None:
        d = ctx.data(size)
        env.update(BENCH_SIZE=str(size), BENCH_WATCHLIST=d["watchlist"],
                   BENCH_NAMES=d["names"], BENCH_QUERIES=d["queries"],
                   BENCH_GOLD=d["gold"], BENCH_META=d["meta"], BENCH_DB=ctx.store(size))
        inproc = ctx.part_result(size, "liaison")
        if inproc:
            import report
            p = os.path.join(tmp, "inproc.json")
            s = report.summarize(size, {"parts": {"liaison": inproc}}, {})
            C.write_json(p, dict(inproc, engines=s["engines"]))
            env["BENCH_INPROC"] = p
    if ctx._pg is not None and ctx._pg.dir:
        env["BENCH_PG_HOST"] = ctx._pg.dir
    cmd = ([script] if os.access(script, os.X_OK) else ["sh", script])
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ctx.root)
    tail = (p.stderr or "").strip().splitlines()[-5:]
    if p.returncode == 77:
        raise C.PartSkipped(" ".join(tail) or "not applicable")
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (script, p.returncode, " | ".join(tail)))
    r = C.read_json(out, {}) if os.path.exists(out) else {}
    if not isinstance(r, dict):
        r = {"result": r}
    if not os.path.exists(out):
        r["stdout_tail"] = (p.stdout or "").strip().splitlines()[-10:]
    r["script"] = os.path.relpath(script, ctx.root)
    return r


def dump(obj):
    return json.dumps(obj)
