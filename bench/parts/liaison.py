"""liaison: the engine in-process (bench/engine_bench.c).

Loads the watchlist through the public API, then screens the whole query
stream at the default threshold, limit 10: one thread, then all cores
(one searcher per thread).  Also scores the hits on the stream's gold.
"""
import os

import common as C

NAME = "liaison"
SCOPE = "size"
ORDER = 10
DESC = "liaison in-process: build, memory, latency p50/p99/p99.9, q/s (1 thread, all cores)"


def engine_bench(ctx, size, queries=True, threads=None, tag="eb"):
    d = ctx.data(size)
    out = os.path.join(ctx.tmp, "%s-%d.json" % (tag, size))
    cmd = [ctx.engine_bench, "--watchlist", d["watchlist"], "--out", out]
    hits = None
    if queries:
        hits = os.path.join(ctx.tmp, "%s-%d.hits.jsonl" % (tag, size))
        cmd += ["--queries", d["queries"], "--hits", hits,
                "--threads", str(threads or ctx.opts.threads)]
    ctx.run(cmd, "engine_bench")
    return C.read_json(out), hits


def run(ctx, size):
    d = ctx.data(size)
    ctx.log("liaison in-process: %d records, %d queries" % (size, ctx.opts.queries))
    r, hits = engine_bench(ctx, size)
    r["quality"] = C.stream_quality(hits, d["gold"], d["meta"])
    r["hits_file"] = hits
    s, m = r["single"], r.get("multi", {})
    ctx.log("  build %.2fs, %.0f B/name (RSS %.0f), p50 %.1f us, p99 %.1f us, "
            "%.0f q/s (1 thread), %.0f q/s (%s threads)" % (
                r["build_s"], r["bytes_per_name"], r["rss_bytes_per_name"],
                s["all"]["p50_us"], s["all"]["p99_us"], s["qps"],
                m.get("qps", 0), m.get("threads", 1)))
    return r
