"""build: index build time and memory, without screening.

When the liaison part ran in this run its load already measured these; the
figures are taken from it rather than loading the list a second time.
"""
import liaison as L

NAME = "build"
SCOPE = "size"
ORDER = 15
DESC = "index build time from JSONL (add + build), bytes per name (engine stats, RSS)"
KEYS = ("records", "names", "tokens", "bad_records", "parse_s", "add_s",
        "finish_s", "build_s", "load_s", "engine_bytes", "bytes_per_name",
        "rss_before_kb", "rss_after_kb", "rss_bytes_per_name", "peak_rss_kb")


def run(ctx, size):
    cur = ctx.results["sizes"].get(str(size), {}).get("parts", {}).get("liaison")
    if cur and "build_s" in cur:
        r = {k: cur[k] for k in KEYS if k in cur}
        r["from"] = "liaison part (same process)"
        return r
    ctx.log("build: loading %d records" % size)
    r, _ = L.engine_bench(ctx, size, queries=False, tag="build")
    ctx.log("  build %.2fs, %.0f B/name (RSS %.0f B/name), peak RSS %.0f MiB" % (
        r["build_s"], r["bytes_per_name"], r["rss_bytes_per_name"],
        r["peak_rss_kb"] / 1024))
    return r
