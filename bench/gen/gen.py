#!/usr/bin/env python3
"""gen.py: deterministic watchlists and query streams for the benchmark.

usage: gen.py --records N [--queries Q] [--hit-rate R] [--seed S] --out DIR

Writes into DIR (files that already exist are kept, so a cache works):
  watchlist-N.jsonl        N person records, native JSONL (DESIGN section 2)
  names-N.tsv              record id TAB name, one row per name (for COPY)
  queries-N-Q.jsonl        Q queries {"id","name","dob","nationality"}
  queries-N-Q.gold.tsv     query id TAB expected record id ('-': no hit)
  queries-N-Q.meta.tsv     query id TAB hit|nohit TAB variation TAB culture

The same seed gives byte-identical files.  The watchlist of N records is a
prefix of the one of any larger N (its random stream does not depend on N
or Q); the queries of (N, Q) have a stream of their own.  See
bench/README.md ("The generated data") for the model.
"""
import argparse
import calendar
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import names as NM      # noqa: E402
import sources as S     # noqa: E402
import variants as V    # noqa: E402

WATCH_MIX = [(30, "maghreb"), (20, "turkish"), (20, "arab"), (5, "persian"),
             (10, "french"), (15, "other")]
TRAFFIC_MIX = [(30, "maghreb"), (20, "turkish"), (20, "french"), (10, "arab"),
               (5, "persian"), (15, "other")]
REAL_EVERY = 20         # one record in 20 is a real OFAC/UN person (while any remain)
LISTS = [(55, "wanted"), (15, "terrorism"), (15, "sanctions"), (10, "interpol-red"),
         (5, "missing")]
CATEGORY = {"wanted": [(50, "organised-crime"), (30, "drug-trafficking"), (20, "fraud")],
            "terrorism": [(100, "terrorism")], "sanctions": [(100, "sanctions")],
            "interpol-red": [(60, "organised-crime"), (40, "terrorism")],
            "missing": [(100, "missing-person")]}
SHARING = [(70, "hit"), (20, "details"), (10, "none")]
STYLES = [(40, "gF"), (25, "gf"), (15, "F,g"), (10, "Fg"), (10, "GF")]


def full_date(rng, y, m=None):
    m = m or 1 + int(rng.random() * 12)
    d = 1 + int(rng.random() * calendar.monthrange(y, m)[1])
    return "%04d-%02d-%02d" % (y, m, d)


def birth_year(rng, lo=1945, hi=2006):
    return int(rng.triangular(lo, hi, 1985))


def record_dob(rng):
    if rng.random() < 0.15:
        return None
    y = birth_year(rng)
    r = rng.random()
    if r < 0.60:
        return full_date(rng, y)
    if r < 0.85:
        return "%04d" % y
    if r < 0.98:
        return "%04d-%02d" % (y, 1 + int(rng.random() * 12))
    return "%04d/%04d" % (y - 1, y + 1)


# ---------------------------------------------------------------- records

class Entry:
    """A generated record plus what the query stream needs to vary it:
    names as parts ((given, middle, family) lists) with their types."""
    __slots__ = ("rid", "culture", "nat", "dob", "names", "arabic")

    def __init__(self, rid, culture, nat, dob):
        self.rid, self.culture, self.nat, self.dob = rid, culture, nat, dob
        self.names = []         # (parts, full, type)
        self.arabic = None


def aliases(m, rng, p, style):
    """0-4 aliases of a synthetic person: other spellings, a kunya (Abu X),
    another family name (fka), the short form, a nickname given name."""
    parts = (p.given, p.middle, p.family)
    n = NM.pick(rng, [(50, 0), (25, 1), (13, 2), (8, 3), (4, 4)])
    out = []
    arabic_world = p.culture in ("maghreb", "arab", "persian")
    for _ in range(n):
        k = NM.pick(rng, [(35, "spelling"), (20 if arabic_world else 0, "kunya"),
                          (15, "family"), (10, "short"), (10, "nick")])
        typ = "alias"
        if k == "spelling":
            a = V.translit(parts, rng)
        elif k == "kunya":
            a = (["Abu", m.ar_father(rng)], [],
                 ["al-" + NM.nisba(m.ar_father(rng))] if rng.random() < 0.5 else [])
            if not a[2]:
                typ = "low"
        elif k == "family":
            other = m.person(rng, [(1, p.culture)], p.gender)
            a = (p.given, p.middle, other.family)
            typ = "fka" if p.gender == "F" else "alias"
        elif k == "short":
            a = V.drop_middle(parts, rng) or V.translit(parts, rng)
        else:
            other = m.person(rng, [(1, p.culture)], p.gender)
            a = (other.given[:1], [], p.family)
        out.append((a, V.render(a, style, p.culture), typ))
    return out


def synthetic(m, rng, rid):
    gender = "M" if rng.random() < 0.85 else "F"
    p = m.person(rng, WATCH_MIX, gender)
    e = Entry(rid, p.culture, p.nat, record_dob(rng))
    style = NM.pick(rng, STYLES)
    parts = (p.given, p.middle, p.family)
    e.names.append((parts, V.render(parts, style, p.culture), None))
    e.names += aliases(m, rng, p, style)
    if p.orig and rng.random() < 0.4:
        e.names.append((None, p.orig, "original"))
    elif p.culture in ("maghreb", "arab") and rng.random() < 0.3:
        e.arabic = V.arabic(parts, m.arabic)
        if e.arabic:
            e.names.append((None, e.arabic, "original"))
    nats = [p.nat]
    if rng.random() < 0.05:
        nats.append("FRA" if p.nat != "FRA" else "MAR")
    return e, gender, nats


def split_ofac(name):
    """'FAMILY, Given Middle' -> parts; a name without comma: last word is
    the family name."""
    if "," in name:
        fam, giv = name.split(",", 1)
        g = giv.split()
        return (g[:1], g[1:], fam.split())
    w = name.split()
    return (w[:1], w[1:-1], w[-1:]) if len(w) > 1 else ([], [], w)


def clean(s):
    """One line, single spaces (list files carry line breaks inside names)."""
    return " ".join(s.split())


def real(p, rid):
    """A real OFAC or UN person, names as listed (whitespace folded)."""
    if "parts" in p:                                    # UN
        ps = [clean(x) for x in p["parts"]]
        parts = (ps[:1], ps[1:-1], ps[-1:]) if len(ps) > 1 else ([], [], ps)
        e = Entry(rid, "real-un", None, p["dob"])
        e.names.append((parts, clean(" ".join(ps)), None))
        for a in p["aliases"][:8]:
            e.names.append((split_ofac(clean(a)), clean(a), "alias"))
        if clean(p["original"]):
            e.names.append((None, clean(p["original"]), "original"))
    else:                                               # OFAC
        e = Entry(rid, "real-ofac", None, p["dob"])
        e.names.append((split_ofac(clean(p["name"])), clean(p["name"]), None))
        for a in p["aliases"][:8]:
            e.names.append((split_ofac(clean(a)), clean(a), "alias"))
    return e


def records(m, seed):
    """Endless stream of (Entry, json line).  Depends on the seed only."""
    rng = random.Random(seed)
    real_pool = m.un + m.ofac
    i = 0
    while True:
        rid = "w%07d" % i
        if i % REAL_EVERY == REAL_EVERY // 2 and i // REAL_EVERY < len(real_pool):
            e = real(real_pool[i // REAL_EVERY], rid)
            gender, nats = None, []
        else:
            e, gender, nats = synthetic(m, rng, rid)
        lst = NM.pick(rng, LISTS)
        rec = {"id": rid, "list": lst, "kind": "person",
               "names": [{"full": f} if t is None else {"full": f, "type": t}
                         for _, f, t in e.names]}
        if e.dob:
            rec["dob"] = e.dob
        if gender:
            rec["gender"] = gender
        if nats:
            rec["nationalities"] = nats
        rec["category"] = NM.pick(rng, CATEGORY[lst])
        rec["sharing"] = NM.pick(rng, SHARING)
        yield e, json.dumps(rec, ensure_ascii=False)
        i += 1


# ---------------------------------------------------------------- queries

ARABIC_WORLD = ("maghreb", "arab", "persian", "real-un", "real-ofac")
VARIATIONS = [(10, "exact"), (22, "translit"), (13, "swap"), (15, "typo"),
              (10, "drop-middle"), (8, "particle"), (10, "arabic"), (12, "mrz")]


def hit_query(m, rng, e):
    """A traveller who is e, with the name as it reaches the border."""
    latin = [n for n in e.names if n[0] is not None]
    if not latin:
        return e.names[0][1], "original", "exact"
    parts, full, _ = latin[0] if rng.random() < 0.7 or len(latin) == 1 else \
        latin[1 + int(rng.random() * (len(latin) - 1))]
    var = NM.pick(rng, VARIATIONS)
    name, used = None, var
    if var == "arabic":
        name = V.arabic(parts, m.arabic) if e.culture in ARABIC_WORLD else None
        if name is None:
            used = var = "translit"
    elif var in ("drop-middle", "particle"):
        p2 = (V.drop_middle if var == "drop-middle" else V.particle)(parts, rng)
        if p2 is None:
            used = var = "translit"
        else:
            parts = p2
    if var == "translit":
        parts = V.translit(parts, rng)
    elif var == "typo":
        parts = V.typo(parts, rng)
    if name is None and var != "exact" and rng.random() < 0.25:
        second = NM.pick(rng, [(40, "translit"), (30, "typo"), (30, "swap")])
        if second != var:
            parts = V.translit(parts, rng) if second == "translit" else \
                V.typo(parts, rng) if second == "typo" else parts
            if second == "swap":
                var = "swap"
            used += "+" + second
    if name is None:
        if var == "mrz":
            name = V.mrz(parts, raw=rng.random() < 0.5)
        elif var == "swap":
            name = V.render(V.swap(parts, rng), "gf" if rng.random() < 0.5 else "GF",
                            e.culture)
        elif var == "exact" and rng.random() < 0.5:
            name = full
        else:
            name = V.render(parts, NM.pick(rng, [(50, "gf"), (30, "GF"), (20, "gF")]),
                            e.culture)
    return name, used, e.culture


def hit_dob(rng, dob):
    if rng.random() < 0.1:
        return None
    if not dob:
        return full_date(rng, birth_year(rng))
    d = dob.split("/")[0]
    if len(d) == 10:
        y, mo, da = int(d[:4]), int(d[5:7]), int(d[8:])
        if da <= 12 and da != mo and rng.random() < 0.06:
            return "%04d-%02d-%02d" % (y, da, mo)
        return d
    if "/" in dob:
        lo, hi = int(dob[:4]), int(dob.split("/")[1][:4])
        return full_date(rng, lo + int(rng.random() * (hi - lo + 1)))
    if len(d) == 7:
        return full_date(rng, int(d[:4]), int(d[5:7]))
    return full_date(rng, int(d[:4]))


def nohit_query(m, rng):
    gender = "M" if rng.random() < 0.55 else "F"
    p = m.person(rng, TRAFFIC_MIX, gender)
    parts = (p.given, p.middle, p.family)
    r = rng.random()
    name = None
    if r < 0.05 and p.culture in ("arab", "persian"):
        first, last = m.script[p.culture]
        name = first(rng) + " " + last(rng)
    elif r < 0.05 and p.culture == "maghreb":
        name = V.arabic(parts, m.arabic)
    if name is None:
        if r < 0.30:
            name = V.mrz(parts, raw=r < 0.12)
        else:
            name = V.render(parts, NM.pick(rng, [(50, "gf"), (30, "GF"), (20, "gF")]),
                            p.culture)
    dob = full_date(rng, birth_year(rng, 1940, 2015)) if rng.random() < 0.95 else None
    nat = p.nat if rng.random() < 0.9 else None
    return name, dob, nat, p.culture


def generate(args):
    os.makedirs(args.out, exist_ok=True)
    n, q = args.records, args.queries
    wl = os.path.join(args.out, "watchlist-%d.jsonl" % n)
    nm = os.path.join(args.out, "names-%d.tsv" % n)
    qbase = os.path.join(args.out, "queries-%d-%d" % (n, q))
    need_wl = not (os.path.exists(wl) and os.path.exists(nm))
    need_q = q > 0 and not all(os.path.exists(qbase + x) for x in
                               (".jsonl", ".gold.tsv", ".meta.tsv"))
    if not need_wl and not need_q:
        return
    m = NM.Model()
    qrng = random.Random(args.seed * 1000003 + n * 7 + q)
    n_hit = int(round(q * args.hit_rate))
    targets = sorted(qrng.sample(range(n), min(n_hit, n))) if q else []
    tset = {t: None for t in targets}
    fw = fn = None
    if need_wl:
        fw = open(wl + ".tmp", "w", encoding="utf-8")
        fn = open(nm + ".tmp", "w", encoding="utf-8")
    stream = records(m, args.seed)
    for i in range(n if need_wl else (targets[-1] + 1 if targets else 0)):
        e, line = next(stream)
        if i in tset:
            tset[i] = e
        if fw:
            fw.write(line + "\n")
            for _, full, _t in e.names:
                full = clean(full).replace("\\", "\\\\")
                fn.write(e.rid + "\t" + full + "\n")
    if fw:
        fw.close()
        fn.close()
        os.replace(wl + ".tmp", wl)
        os.replace(nm + ".tmp", nm)
    if not need_q:
        return
    kinds = [True] * len(targets) + [False] * (q - len(targets))
    qrng.shuffle(kinds)
    order = list(targets)
    qrng.shuffle(order)
    with open(qbase + ".jsonl.tmp", "w", encoding="utf-8") as fq, \
            open(qbase + ".gold.tsv.tmp", "w", encoding="utf-8") as fg, \
            open(qbase + ".meta.tsv.tmp", "w", encoding="utf-8") as fm:
        hi = 0
        for k, is_hit in enumerate(kinds):
            qid = "q%07d" % k
            if is_hit:
                e = tset[order[hi]]
                hi += 1
                name, var, culture = hit_query(m, qrng, e)
                dob = hit_dob(qrng, e.dob)
                nat = e.nat if e.nat and qrng.random() < 0.8 else None
                gold, kind = e.rid, "hit"
            else:
                name, dob, nat, culture = nohit_query(m, qrng)
                gold, kind, var = "-", "nohit", "-"
            o = {"id": qid, "name": name}
            if dob:
                o["dob"] = dob
            if nat:
                o["nationality"] = nat
            fq.write(json.dumps(o, ensure_ascii=False) + "\n")
            fg.write("%s\t%s\n" % (qid, gold))
            fm.write("%s\t%s\t%s\t%s\n" % (qid, kind, var, culture))
    for x in (".jsonl", ".gold.tsv", ".meta.tsv"):
        os.replace(qbase + x + ".tmp", qbase + x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--queries", type=int, default=0)
    ap.add_argument("--hit-rate", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.records < 1 or args.queries < 0 or not 0 <= args.hit_rate <= 1:
        ap.error("bad --records, --queries or --hit-rate")
    generate(args)


if __name__ == "__main__":
    main()
