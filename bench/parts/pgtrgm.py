"""pgtrgm: PostgreSQL pg_trgm on the same names and the same queries.

The similarity threshold is calibrated first, as the issue asks: it is set
to the value at which the stream's no-hit queries hit as often as they
hit liaison at liaison's default threshold.  Then the first --pg-queries
queries of the stream run through one connection (per-query latency from
the client: round trip included, as an application would see it).
"""
import json
import os

import common as C
import liaison as L
import pgsql as PG

NAME = "pgtrgm"
SCOPE = "size"
ORDER = 40
DESC = "PostgreSQL pg_trgm (GIN trigram index, % and similarity(), top 10), one connection"
FLOORS = (0.5, 0.3, 0.2, 0.1)


def liaison_negative_rate(ctx, size):
    """Share of no-hit queries with a hit at liaison's default threshold,
    from the liaison (or cli) part, else measured here."""
    for part in ("liaison", "cli"):
        r = ctx.part_result(size, part)
        if r and r.get("quality", {}).get("neg_hit_rate") is not None:
            return r["quality"]["neg_hit_rate"], part
    r, hits = L.engine_bench(ctx, size, threads=1, tag="calib")
    d = ctx.data(size)
    return C.stream_quality(hits, d["gold"])["neg_hit_rate"], "engine_bench"


def load_stream(d, n):
    qs, gold = [], C.read_gold(d["gold"])
    with open(d["queries"], encoding="utf-8") as f:
        for line in f:
            if len(qs) >= n:
                break
            o = json.loads(line)
            qs.append((o["id"], o["name"]))
    return qs, gold


def calibrate(ctx, conn, negs, rate):
    """Lowest similarity threshold at which at most rate * len(negs) of the
    no-hit queries hit (score.py's rule)."""
    for floor in FLOORS:
        PG.set_threshold(conn, floor)
        res = PG.screen(conn, negs)
        best = sorted((rows[0][1] for _, rows, _ in res if rows), reverse=True)
        k = int(rate * len(negs))
        if k < len(best) or floor == FLOORS[-1]:
            # Similarity cannot exceed 1: when more than k no-hit queries
            # carry a listed name exactly, no threshold reaches the rate.
            t = min(best[k] + 1e-6, 1.0) if k < len(best) else floor
            got = sum(1 for b in best if b >= t) / max(len(negs), 1)
            return round(t, 6), floor, len(best) / max(len(negs), 1), round(got, 4)
    raise AssertionError


def write_results(path, res):
    with open(path, "w", encoding="utf-8") as f:
        for qid, rows, lat in res:
            f.write(json.dumps({"query_id": qid, "hits": [
                {"id": rid, "score": round(s, 4)} for rid, s in rows],
                "lat_us": round(lat, 1)}) + "\n")


def run(ctx, size):
    d = ctx.data(size)
    srv = ctx.pg()
    ctx.log("pg_trgm: loading %d names" % d["n_names"])
    conn = srv.database("bench_%d" % size)
    try:
        r = PG.load_names(conn, d["names"])
        r["build_s"] = round(r["copy_s"] + r["index_s"], 3)
        ctx.log("  COPY %.1fs, GIN index %.1fs, %.0f B/name (table + index)" % (
            r["copy_s"], r["index_s"], r["bytes_per_name"]))
        qs, gold = load_stream(d, ctx.opts.pg_queries)
        rate, src = liaison_negative_rate(ctx, size)
        negs = [q for q in qs if gold[q[0]] == "-"][:ctx.opts.pg_calib]
        t, floor, floor_rate, got = calibrate(ctx, conn, negs, rate)
        r.update({"threshold": t, "calibration": {
            "liaison_neg_hit_rate": rate, "from": src, "negatives": len(negs),
            "floor": floor, "neg_hit_rate_at_floor": round(floor_rate, 4),
            "neg_hit_rate_at_threshold": got, "reached": got <= rate + 1e-9}})
        ctx.log("  threshold %.4f: no-hit rate %.4f on %d no-hit queries (liaison %.4f)%s"
                % (t, got, len(negs), rate, "" if got <= rate + 1e-9 else
                   " -- liaison's rate is out of reach: namesakes score 1.0"))
        PG.set_threshold(conn, t)
        r["plan"] = PG.explain(conn, qs[0][1])
        res = PG.screen(conn, qs, budget_s=ctx.opts.pg_budget, warmup=20)
        r.update(C.percentiles([lat for _, _, lat in res]))
        r["queries"] = len(res)
        out = os.path.join(ctx.tmp, "pg-%d.jsonl" % size)
        write_results(out, res)
        sub = os.path.join(ctx.tmp, "pg-%d.gold.tsv" % size)
        with open(sub, "w", encoding="utf-8") as f:
            for qid, _, _ in res:
                f.write("%s\t%s\n" % (qid, gold[qid]))
        r["quality"] = C.stream_quality(out, sub, d["meta"])
        lr = ctx.part_result(size, "liaison")
        if lr and lr.get("hits_file") and os.path.exists(lr["hits_file"]):
            r["liaison_same_queries"] = C.stream_quality(lr["hits_file"], sub)
        ctx.log("  %d queries: p50 %.0f us, p99 %.0f us, %.1f q/s" % (
            len(res), r["p50_us"], r["p99_us"], r["qps"]))
    finally:
        conn.close()
        c = srv.connect()
        with c.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS bench_%d" % size)
        c.close()
    return r
