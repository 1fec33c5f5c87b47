"""jw: brute-force Jaro-Winkler (jellyfish) over every indexed name, on the
first queries of the stream until --jw-queries or --jw-budget seconds,
one process; the per-query time is what a full stream would cost.
"""
import os

import common as C
import jaro as J
import pgtrgm

NAME = "jw"
SCOPE = "size"
ORDER = 50
DESC = "brute-force Jaro-Winkler (jellyfish), subsample of the stream, per-query time"


def run(ctx, size):
    import time
    d = ctx.data(size)
    t = time.perf_counter()
    idx = J.Index(J.read_rows(d["names"]))
    build = time.perf_counter() - t
    qs, gold = pgtrgm.load_stream(d, ctx.opts.jw_queries)
    ctx.log("jaro-winkler: %d names, up to %d queries or %ds" % (
        len(idx.names), len(qs), ctx.opts.jw_budget))
    res = J.timed(idx, qs, budget_s=ctx.opts.jw_budget)
    r = {"build_s": round(build, 3), "names": len(idx.names),
         "queries": len(res), "jellyfish": getattr(J.jellyfish, "__version__", "?")}
    r.update(C.percentiles([lat for _, _, lat in res]))
    r["ns_per_name"] = round(r["mean_us"] * 1e3 / max(len(idx.names), 1), 1)
    r["stream_s_extrapolated"] = round(r["mean_us"] * ctx.opts.queries / 1e6, 1)
    out = os.path.join(ctx.tmp, "jw-%d.jsonl" % size)
    pgtrgm.write_results(out, [(q, h, lat) for q, h, lat in res])
    ctx.log("  %d queries: p50 %.0f ms, %.2f q/s (%.0f ns per name compared)" % (
        len(res), r["p50_us"] / 1e3, r["qps"], r["ns_per_name"]))
    return r
