"""accuracy: every engine on ../shared/data/eval/, one protocol for all.

As ../shared/eval/engine-eval does for liaison: the OFAC and UN watchlists
are loaded, each query set and the negatives are screened with no
threshold and at most 10 hits, and ../shared/eval/score.py (run as is)
gives each set's recall at the lowest threshold where at most 1% of the
negatives hit.  Scores: liaison's own (CLI, --threshold 0 --limit 10);
pg_trgm's similarity() (the % operator at a floor threshold of 0.3: hits
below the floor cannot change the recall as long as the 1% threshold is
above it, which is checked, and the floor lowered if not); Jaro-Winkler's
best score over a record's names.

Subsampling is deterministic (every k-th line) and reported.  The peers do
not change with liaison's code, so --quick reuses their last full result
from bench/results/latest.json when there is one.
"""
import json
import os
import time

import common as C
import jaro as J
import pgsql as PG

NAME = "accuracy"
SCOPE = "once"
ORDER = 60
DESC = "recall at <=1% negative hits on data/eval for liaison, pg_trgm, Jaro-Winkler"
SETS = {"ofac-alias": "ofac-alias-queries", "un-alias": "un-alias-queries",
        "un-arabic": "un-arabic-queries"}
EVAL = os.path.join(C.DATA, "eval")


def subsample(ctx, pos_every, neg_every):
    """Query and gold files, every k-th line; returns {set: (jsonl, gold)}."""
    d = os.path.join(ctx.tmp, "eval-p%d-n%d" % (pos_every, neg_every))
    os.makedirs(d, exist_ok=True)
    out = {}
    for key, base in list(SETS.items()) + [("negatives", "negatives")]:
        every = neg_every if key == "negatives" else pos_every
        src_q, src_g = (os.path.join(EVAL, base + x) for x in (".jsonl", ".gold.tsv"))
        if every == 1:
            out[key] = (src_q, src_g)
            continue
        q, g = (os.path.join(d, base + x) for x in (".jsonl", ".gold.tsv"))
        for src, dst in ((src_q, q), (src_g, g)):
            with open(src, encoding="utf-8") as fi, open(dst, "w", encoding="utf-8") as fo:
                for i, line in enumerate(fi):
                    if i % every == 0:
                        fo.write(line)
        out[key] = (q, g)
    return out


def queries(path):
    with open(path, encoding="utf-8") as f:
        return [(o["id"], o["name"]) for o in map(json.loads, f)]


def rows():
    for f in ("ofac-watchlist.jsonl", "un-watchlist.jsonl"):
        with open(os.path.join(EVAL, f), encoding="utf-8") as fh:
            for line in fh:
                o = json.loads(line)
                for n in o.get("names", []):
                    yield o["id"], n["full"]


def scores(all_out, sets, default_t=None):
    """score.py per query set against the negatives, as engine-eval does."""
    r = {"recall": {}, "threshold_at_1pct": {}, "top1": {}}
    for key in SETS:
        s = C.score(all_out, sets[key][1], sets["negatives"][1])
        r["recall"][key] = s["recall_at_fpr"]
        r["threshold_at_1pct"][key] = s["threshold_at_fpr"]
        r["top1"][key] = s.get("top1")
        if s.get("missing_results"):
            r.setdefault("missing_results", {})[key] = s["missing_results"]
    if default_t is not None:
        neg = n = 0
        with open(all_out, encoding="utf-8") as f:
            gold = C.read_gold(sets["negatives"][1])
            for line in f:
                o = json.loads(line)
                if gold.get(str(o.get("query_id"))) == "-":
                    n += 1
                    neg += any(h["score"] >= default_t for h in o.get("hits", []))
        r["negative_hit_rate_at_default"] = round(neg / max(n, 1), 4)
    return r


def write(path, res):
    with open(path, "a", encoding="utf-8") as f:
        for qid, hits in res:
            f.write(json.dumps({"query_id": qid, "hits": [
                {"id": rid, "score": round(s, 4)} for rid, s in hits]}) + "\n")


def eval_liaison(ctx, sets):
    db = os.path.join(ctx.tmp, "eval.db")
    ctx.run([ctx.liaison, "init", "--db", db], "liaison init")
    ctx.run([ctx.liaison, "import", "--db", db, os.path.join(EVAL, "ofac-watchlist.jsonl"),
             os.path.join(EVAL, "un-watchlist.jsonl")], "liaison import")
    all_out = os.path.join(ctx.tmp, "acc-liaison.jsonl")
    with open(all_out, "w", encoding="utf-8") as fo:
        for key in list(SETS) + ["negatives"]:
            p, _ = ctx.run([ctx.liaison, "screen", "--db", db, "--batch", sets[key][0],
                            "--json", "--threshold", "0", "--limit", "10"],
                           "liaison screen --batch " + key, ok=(0, 1))
            fo.write(p.stdout)
    p, _ = ctx.run([ctx.engine_bench, "--default-threshold"], "engine_bench")
    return scores(all_out, sets, default_t=float(p.stdout))


def eval_pg(ctx, sets):
    srv = ctx.pg()
    conn = srv.database("evalsets")
    path = os.path.join(ctx.tmp, "eval-names.tsv")
    with open(path, "w", encoding="utf-8") as f:
        for rid, name in rows():
            f.write("%s\t%s\n" % (rid, name.replace("\\", "\\\\")))
    PG.load_names(conn, path)
    try:
        for floor in (0.3, 0.1, 0.0):
            all_out = os.path.join(ctx.tmp, "acc-pg.jsonl")
            open(all_out, "w").close()
            PG.set_threshold(conn, floor)
            for key in list(SETS) + ["negatives"]:
                res = PG.screen(conn, queries(sets[key][0]))
                write(all_out, [(q, rws) for q, rws, _ in res])
            r = scores(all_out, sets)
            r["floor"] = floor
            if min(r["threshold_at_1pct"].values()) >= floor:
                return r
            ctx.log("  pg_trgm: 1%% threshold below the floor %.1f; lowering it" % floor)
        return r
    finally:
        conn.close()


def eval_jw(ctx, sets):
    idx = J.Index(rows())
    all_out = os.path.join(ctx.tmp, "acc-jw.jsonl")
    open(all_out, "w").close()
    for key in list(SETS) + ["negatives"]:
        write(all_out, J.parallel(idx, queries(sets[key][0]), ctx.opts.threads))
    return scores(all_out, sets)


def run(ctx, size=None):
    o = ctx.opts
    engines = [e for e in o.accuracy_engines]
    prev = (ctx.prev.get("accuracy") or {})
    out = {}
    for eng in engines:
        jw = eng == "jaro_winkler"
        neg_every = o.jw_neg_every if jw else o.acc_neg_every
        pos_every = o.jw_pos_every if jw else o.acc_pos_every
        old = prev.get(eng)
        if eng != "liaison" and o.quick and old and not o.fresh_peers and \
                "recall" in old:
            r = dict(old)
            r["reused_from"] = old.get("date", "?")
            ctx.log("accuracy %s: reusing the result of %s" % (eng, r["reused_from"]))
            out[eng] = r
            continue
        sets = subsample(ctx, pos_every, neg_every)
        n = {k: sum(1 for _ in open(v[0], encoding="utf-8")) for k, v in sets.items()}
        ctx.log("accuracy %s: %s" % (eng, ", ".join("%s %d" % kv for kv in n.items())))
        t = time.perf_counter()
        r = {"liaison": eval_liaison, "pg_trgm": eval_pg,
             "jaro_winkler": eval_jw}[eng](ctx, sets)
        r.update({"time_s": round(time.perf_counter() - t, 1), "queries": n,
                  "pos_every": pos_every, "neg_every": neg_every,
                  "date": C.now_iso(), "commit": C.git_commit()})
        ctx.log("  %s: recall %s (%.0fs)" % (eng, json.dumps(r["recall"]), r["time_s"]))
        if not any(r["recall"].values()):
            r["warning"] = "no recall at all: the engine found nothing"
            ctx.log("  WARNING: %s found nothing on any set; is it broken?" % eng)
        out[eng] = r
    return out
