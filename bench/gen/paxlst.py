#!/usr/bin/env python3
"""paxlst.py: turn a query stream into UN/EDIFACT PAXLST passenger manifests.

usage: paxlst.py QUERIES.jsonl --out DIR [--per-flight N] [--per-file M]
                 [--docs-hit-every K] [--seed S]

Each flight is one PAXLST message (UNH..UNT) of N passengers (NAD+FL with
surname and given names, ATT sex, DTM+329 date of birth, NAT, DOC+P passport
number, DTM+36 expiry, LOC+91 issuing country); M flights make one
interchange file (UNB..UNZ, D:05B).  Passport numbers are P + 8 digits;
every K-th traveller carries the number of a reported document (the
manifest benchmark files D0000000.. as stolen passports), the others a
number on no list.  Deterministic for a given seed.
"""
import argparse
import json
import os
import random


def esc(s):
    """Release the service characters of the default set (UNA:+.? ')."""
    out = []
    for ch in s:
        if ch in "?+:'":
            out.append("?")
        out.append(ch)
    return "".join(out)


def split_name(name):
    """Surname and given names from a query name (MRZ, "FAMILY, Given",
    or Given FAMILY with the family name in capitals)."""
    if "<<" in name:
        fam, _, giv = name.partition("<<")
        return fam.replace("<", " ").strip(), giv.replace("<", " ").strip()
    if "," in name:
        fam, _, giv = name.partition(",")
        return fam.strip(), giv.strip()
    parts = name.split()
    if len(parts) < 2:
        return name, ""
    caps = [p for p in parts if p.isupper() and len(p) > 1]
    if caps and len(caps) < len(parts):
        fam = " ".join(caps)
        giv = " ".join(p for p in parts if p not in caps)
        return fam, giv
    return parts[-1], " ".join(parts[:-1])


def yymmdd(d):
    return d[2:4] + d[5:7] + d[8:10]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("queries")
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-flight", type=int, default=250)
    ap.add_argument("--per-file", type=int, default=1)
    ap.add_argument("--docs-hit-every", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    travellers = [json.loads(line) for line in open(a.queries, encoding="utf-8")]
    flights = [travellers[i:i + a.per_flight]
               for i in range(0, len(travellers), a.per_flight)]
    nfile = 0
    for f0 in range(0, len(flights), a.per_file):
        group = flights[f0:f0 + a.per_file]
        ref = "IC%08d" % nfile
        segs_all = ["UNA:+.? '",
                    "UNB+UNOA:4+AIRLINE:ZZ+MA-DGSN:ZZ+261129:0200+%s++APIS'" % ref,
                    "UNG+PAXLST+AIRLINE:ZZ+MA-DGSN:ZZ+261129:0200+%s+UN+D:05B'" % ref]
        for k, flight in enumerate(group):
            fno = "AT%04d" % (f0 + k)
            segs = ["UNH+M%d+PAXLST:D:05B:UN:IATA" % k,
                    "BGM+745",
                    "TDT+20+%s+++AT" % fno,
                    "LOC+125+CMN",
                    "DTM+189:2611290900:201",
                    "LOC+87+IST",
                    "DTM+232:2611291400:201"]
            for t in flight:
                fam, giv = split_name(t["name"])
                comp = esc(fam) + (":" + ":".join(esc(g) for g in giv.split()) if giv else "")
                segs.append("NAD+FL+++%s" % comp)
                segs.append("ATT+2++%s" % rng.choice("MF"))
                if t.get("dob"):
                    segs.append("DTM+329:%s" % yymmdd(t["dob"]))
                if t.get("nationality"):
                    segs.append("NAT+2+%s" % t["nationality"])
                if rng.randrange(a.docs_hit_every) == 0:
                    num = "D%07d" % rng.randrange(1000000)
                else:
                    num = "P%08d" % rng.randrange(100000000)
                segs.append("DOC+P:110:111+%s" % num)
                segs.append("DTM+36:%s" % "301231")
                segs.append("LOC+91+%s" % (t.get("nationality") or "MAR"))
            segs.append("CNT+42:%d" % len(flight))
            segs.append("UNT+%d+M%d" % (len(segs) + 1, k))
            segs_all.extend(segs)
        segs_all.append("UNE+%d+%s" % (len(group), ref))
        segs_all.append("UNZ+1+%s" % ref)
        with open(os.path.join(a.out, "manifest-%05d.edi" % nfile), "w",
                  encoding="utf-8") as f:
            f.write("'".join(s.rstrip("'") for s in segs_all) + "'\n")
        nfile += 1
    print("%d travellers, %d flights, %d files" % (len(travellers), len(flights), nfile))


if __name__ == "__main__":
    main()
