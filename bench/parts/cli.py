"""cli: `liaison screen --batch FILE --json` end to end on the store the
import part made (JSONL in, JSONL out, all cores, engine load included).
"""
import os

import common as C

NAME = "cli"
SCOPE = "size"
ORDER = 30
DESC = "liaison CLI batch mode end to end (JSONL in and out): wall time, q/s"


def run(ctx, size):
    d = ctx.data(size)
    db = ctx.store(size)
    out = os.path.join(ctx.tmp, "cli-%d.jsonl" % size)
    ctx.log("cli: screen --batch %d queries" % ctx.opts.queries)
    _, dt = ctx.run([ctx.liaison, "screen", "--db", db, "--batch", d["queries"],
                     "--json", "--out", out], "liaison screen --batch", ok=(0, 1))
    imp = ctx.size_res(size)["parts"].get("import") or {}
    load = imp.get("store_load_s")
    n = ctx.opts.queries
    r = {"wall_s": round(dt, 3), "qps": round(n / dt, 1), "queries": n,
         "threads": os.cpu_count() or 1,
         "quality": C.stream_quality(out, d["gold"], d["meta"])}
    if load and dt > load:
        r["store_load_s"] = load
        r["screen_qps"] = round(n / (dt - load), 1)
    li = ctx.part_result(size, "liaison")
    lr, cr = (li or {}).get("quality", {}).get("recall"), r["quality"].get("recall")
    if lr is not None and cr is not None and abs(lr - cr) > 0.02:
        r["mismatch"] = "CLI recall %.3f, in-process %.3f" % (cr, lr)
        ctx.log("  WARNING: the CLI does not find what the engine finds in-process "
                "(%s): the store load path is broken?" % r["mismatch"])
    ctx.log("  %.2fs wall, %.0f q/s end to end%s" % (
        dt, n / dt, ", %.0f q/s after the engine load" % r["screen_qps"]
        if "screen_qps" in r else ""))
    return r
