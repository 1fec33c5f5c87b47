#!/usr/bin/env python3
# gen.py: a deterministic, realistic watchlist and query set for the HTTP
# benchmark, built only from ../shared/data (no network, fixed seed).
#
#   gen.py --records 100000 --out DIR [--data ../shared/data] [--seed 5]
#
# Writes DIR/list.jsonl (native records, DESIGN section 2) and
# DIR/bodies.jsonl (one POST /v1/screen body a line).  The list mixes the
# real OFAC SDN 2021 and UN consolidated individuals with synthetic people
# whose given names and surnames are recombined from the national
# forename lists (Morocco, Algeria, Tunisia, Egypt, France, ...), the
# CC0 surname lists, the OFAC surnames and the Turkish/French/Arabic/
# German faker tables; a share has aliases (order swaps, dropped middle
# names, Arabic script originals), partial dates of birth, nationalities
# and passports; a share are stolen-document and stolen-vehicle records.
# Queries: 70% people on no list (the yente negatives), 20% listed people
# with a spelling perturbed, 10% document numbers (half listed).
import argparse
import csv
import json
import os
import random
import string
import sys

COUNTRIES = ["MAR", "TUR", "DZA", "TUN", "EGY", "FRA", "DEU", "ESP", "ITA",
             "NLD", "BEL", "SYR", "IRQ", "LBY", "SEN", "GBR", "USA", "RUS",
             "IRN", "AFG", "PAK", "SAU", "JOR", "LBN", "YEM", "SDN", "MLI"]
FORENAME_FILES = ["morocco", "algeria", "tunisia", "egypt", "france",
                  "belgium", "germany", "spain", "italy", "netherlands",
                  "syria", "iraq", "lebanon", "jordan", "senegal", "mali",
                  "pakistan", "afghanistan", "iran", "russia",
                  "united-kingdom", "united-states"]
LISTS = [("wanted", 0.55), ("organised-crime", 0.2), ("terrorism", 0.1),
         ("interpol-notices", 0.15)]
CATEGORIES = {"wanted": "wanted", "organised-crime": "organised-crime",
              "terrorism": "terrorism", "interpol-notices": "wanted"}


def read_lines(path):
    out = []
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "\ufffd" not in line:
                    out.append(line)
    except OSError:
        pass
    return out


def load_names(data):
    given, family, arabic_given, arabic_family = [], [], [], []
    for c in FORENAME_FILES:
        given += read_lines(os.path.join(data, "names_top_forenames_by_country",
                                         c + ".txt"))[:400]
    with open(os.path.join(data, "names_popular_by_country_cc0",
                           "common-surnames-by-country.csv"),
              encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            r = (row.get("Romanized Name") or "").strip()
            if r and all(ch.isalpha() or ch in " -'" for ch in r):
                family.append(r)
    with open(os.path.join(data, "names_faker_locales",
                           "faker_person_names.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            loc, part, name = row["locale"], row["part"], row["name"].strip()
            if not name:
                continue
            if loc == "ar":
                (arabic_given if part == "first" else arabic_family).append(name)
            elif loc in ("tr", "fr", "de", "es", "it", "nl", "en", "fr_BE"):
                (given if part == "first" else family).append(name)
    for line in read_lines(os.path.join(data, "eval", "ofac-watchlist.jsonl")):
        full = json.loads(line)["names"][0]["full"]
        if "," in full:
            family.append(full.split(",")[0].strip().title())
    given = sorted(set(g for g in given if len(g) > 1))
    family = sorted(set(f for f in family if len(f) > 1))
    return given, family, sorted(set(arabic_given)), sorted(set(arabic_family))


def real_records(data):
    out = []
    for name in ("ofac-watchlist.jsonl", "un-watchlist.jsonl"):
        for line in read_lines(os.path.join(data, "eval", name)):
            out.append(json.loads(line))
    return out


def docnum(rng):
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(2)) + \
        "".join(rng.choice(string.digits) for _ in range(7))


def dob(rng):
    y = rng.randint(1940, 2004)
    r = rng.random()
    if r < 0.15:
        return "%04d" % y
    if r < 0.2:
        return "%04d-%02d" % (y, rng.randint(1, 12))
    return "%04d-%02d-%02d" % (y, rng.randint(1, 12), rng.randint(1, 28))


def perturb(rng, name):
    parts = name.split()
    r = rng.random()
    if r < 0.3 and len(parts) > 1:
        parts = parts[1:] + parts[:1]           # family name first
    elif r < 0.6:
        i = rng.randrange(len(parts))
        p = parts[i]
        if len(p) > 3:
            j = rng.randrange(1, len(p) - 1)
            p = p[:j] + p[j + 1:]               # a dropped letter
        parts[i] = p
    elif r < 0.8:
        parts = [p.upper() for p in parts]
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
        "shared", "data"))
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    given, family, ar_given, ar_family = load_names(a.data)
    os.makedirs(a.out, exist_ok=True)
    records, people = [], []
    for r in real_records(a.data):
        if len(records) >= a.records // 10:
            break
        records.append(r)
        people.append(r)
    n = len(records)
    while n < a.records:
        n += 1
        k = rng.random()
        rid = "bench-%06d" % n
        lst = rng.choices([l for l, _ in LISTS], [w for _, w in LISTS])[0]
        if k < 0.05:
            records.append({"id": rid, "list": "stolen-documents",
                            "kind": "document",
                            "documents": [{"type": "passport",
                                           "number": docnum(rng),
                                           "country": rng.choice(COUNTRIES),
                                           "status": "stolen"}],
                            "sharing": "hit"})
            continue
        if k < 0.07:
            records.append({"id": rid, "list": "stolen-vehicles",
                            "kind": "vehicle",
                            "plate": "%d-%s-%d" % (rng.randint(1, 99999),
                                                   rng.choice("ABDHWE"),
                                                   rng.randint(1, 90)),
                            "country": rng.choice(COUNTRIES),
                            "sharing": "hit"})
            continue
        g = rng.choice(given)
        if rng.random() < 0.3:
            g += " " + rng.choice(given)
        f = rng.choice(family)
        if rng.random() < 0.15:
            f = rng.choice(["El", "Ben", "Abu", "Al", "Ould"]) + " " + f
        full = g + " " + f
        names = [{"full": full}]
        if rng.random() < 0.3:
            names.append({"full": f.upper() + " " + g, "type": "alias"})
        if rng.random() < 0.05 and ar_given and ar_family:
            names.append({"full": rng.choice(ar_given) + " " +
                          rng.choice(ar_family), "type": "original"})
        rec = {"id": rid, "list": lst, "kind": "person", "names": names,
               "category": CATEGORIES[lst],
               "sharing": rng.choice(["hit", "hit", "details", "none"])}
        if rng.random() < 0.8:
            rec["dob"] = dob(rng)
        if rng.random() < 0.5:
            rec["gender"] = rng.choice("MF")
        if rng.random() < 0.7:
            rec["nationalities"] = [rng.choice(COUNTRIES)]
        if rng.random() < 0.4:
            rec["documents"] = [{"type": "passport", "number": docnum(rng),
                                 "country": rng.choice(COUNTRIES)}]
        records.append(rec)
        people.append(rec)
    with open(os.path.join(a.out, "list.jsonl"), "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")

    negatives = [json.loads(l) for l in read_lines(
        os.path.join(a.data, "eval", "negatives.jsonl"))]
    purposes = ["border-check"] * 8 + ["visa-application", "investigation"]
    with open(os.path.join(a.out, "bodies.jsonl"), "w",
              encoding="utf-8") as f:
        for i in range(a.queries):
            r = rng.random()
            subj = {}
            if r < 0.7 and negatives:
                q = rng.choice(negatives)
                subj["name"] = q["name"]
                if q.get("dob"):
                    subj["dob"] = q["dob"]
            elif r < 0.9:
                p = rng.choice(people)
                subj["name"] = perturb(rng, p["names"][0]["full"].replace(",", ""))
                if p.get("dob") and "/" not in p["dob"]:
                    subj["dob"] = p["dob"]
                if p.get("nationalities"):
                    subj["nationality"] = p["nationalities"][0]
            else:
                docs = [x for x in records[-2000:] if x.get("documents")]
                if rng.random() < 0.5 and docs:
                    d = rng.choice(docs)["documents"][0]
                    subj["documents"] = [{"number": d["number"],
                                          "country": d["country"]}]
                else:
                    subj["documents"] = [{"number": docnum(rng),
                                          "country": rng.choice(COUNTRIES)}]
                subj["name"] = rng.choice(given) + " " + rng.choice(family)
            body = {"purpose": rng.choice(purposes), "subject": subj,
                    "limit": 10}
            f.write(json.dumps(body, ensure_ascii=False,
                               separators=(",", ":")))
            f.write("\n")
    print("gen.py: %d records, %d query bodies in %s" %
          (len(records), a.queries, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
