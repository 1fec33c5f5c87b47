#!/usr/bin/env python3
"""Derive liaison's name-part tables from public pair and name data.

    python3 tools/make_name_tables.py ../shared/data

writes data/name_equiv.tsv (variant -> canonical) and data/name_common.tsv
(token -> commonness score) and prints a report: table sizes, the largest
classes and the quality figures measured on the held-out Google ar2en test
split.  Python 3 standard library only; output is deterministic.

See data/README.md for the method.  The normalisation functions below are
the contract the C engine implements before lookup (DESIGN.md section 5).
"""

import collections
import csv
import glob
import hashlib
import json
import math
import os
import re
import sys
import unicodedata

# ---------------------------------------------------------------------------
# Normalisation (the C engine applies exactly the same before lookup)
# ---------------------------------------------------------------------------

_LATIN_MAP = {"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
              "æ": "ae", "œ": "oe", "ß": "ss"}
_NOT_AZ = re.compile(r"[^a-z]+")


def norm_latin(tok):
    """One Latin token: NFKD, drop marks, casefold, fold letters, keep a-z."""
    s = unicodedata.normalize("NFKD", tok)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.casefold()
    s = "".join(_LATIN_MAP.get(c, c) for c in s)
    return _NOT_AZ.sub("", s)


_AR_DROP = set(range(0x064B, 0x0660)) | {0x0670, 0x0640}
_AR_MAP = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي",
           "ک": "ك", "ؤ": "و", "ئ": "ي", "ة": "ه"}


def _is_arabic_letter(c):
    return (unicodedata.category(c) == "Lo"
            and unicodedata.name(c, "").startswith("ARABIC LETTER"))


def norm_arabic_raw(tok):
    """One Arabic-script token without article stripping."""
    s = unicodedata.normalize("NFKC", tok)  # presentation forms -> letters
    out = []
    for c in s:
        if ord(c) in _AR_DROP:
            continue
        c = _AR_MAP.get(c, c)
        if _is_arabic_letter(c):
            out.append(c)
    return "".join(out)


def strip_ar_article(s):
    if s.startswith("ال") and len(s) - 2 > 3:
        return s[2:]
    return s


def norm_arabic(tok):
    return strip_ar_article(norm_arabic_raw(tok))


def is_arabic(s):
    return any(_is_arabic_letter(c) for c in s)


# Phrase level: articles and compounds.  A name part written as several
# tokens ("Abd al-Latif", "Nur ad-Din", "Fath Allah", "عبد اللطيف") is joined.
_ABD = {"abd", "abdel", "abdul", "abdal", "abdoul", "abdu"}
_ART = re.compile(r"^[aeiou](?:l|[tdrszn]|sh|th|dh)$")   # al el ul ar ad as-..
_DIN = re.compile(r"^(?:[aeiou]?(?:l|d)?)(?:din|deen|dine|ddin|ddine|ddeen)$")
_ALLAH = {"allah", "ullah", "ollah", "illah", "alla", "ulla", "allahi"}
_SPLIT = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014_]+")


def norm_phrase(raw):
    """Normalise a name (one or more tokens) to the list of stored tokens."""
    if is_arabic(raw):
        return _norm_phrase_ar(raw)
    parts = [p for p in _SPLIT.split(raw.strip()) if p]
    toks = [norm_latin(p) for p in parts]
    toks = [t for t in toks if t]
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        # abd + optional article + name
        if t in _ABD and i + 1 < len(toks):
            j = i + 1
            if _ART.match(toks[j]) and j + 1 < len(toks):
                j += 1
            out.append("".join(toks[i:j + 1]))
            i = j + 1
            continue
        # leading article of a name part: stored without it
        if t in ("al", "el") and i + 1 < len(toks):
            nxt = toks[i + 1]
            # "al din", "el allah" belong to the compound rules below
            if not (_DIN.match(nxt) or nxt in _ALLAH):
                i += 1
                continue
        # name + [article] + din / allah
        if out and (_DIN.match(t) or t in _ALLAH):
            out[-1] += t
            i += 1
            continue
        if (out and _ART.match(t) and i + 1 < len(toks)
                and (_DIN.match(toks[i + 1]) or toks[i + 1] in _ALLAH)):
            out[-1] += t + toks[i + 1]
            i += 2
            continue
        out.append(t)
        i += 1
    return out


def _norm_phrase_ar(raw):
    parts = [norm_arabic_raw(p) for p in _SPLIT.split(raw.strip())]
    toks = [p for p in parts if p]
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "عبد" and i + 1 < len(toks):
            out.append(t + toks[i + 1])
            i += 2
            continue
        if out and t in ("الدين", "الله") and not out[-1].endswith("عبد"):
            out[-1] += t
            i += 1
            continue
        out.append(t)
        i += 1
    return [strip_ar_article(t) if not (t.startswith("عبد") or
                                        t.endswith("الدين") or
                                        t.endswith("الله")) else t
            for t in out]


def norm_token(raw):
    """A single token as it is stored (article stripped if hyphenated)."""
    toks = norm_phrase(raw)
    return "".join(toks)


# ---------------------------------------------------------------------------
# Skeleton compatibility of a Latin spelling with an Arabic form
# ---------------------------------------------------------------------------
# Latin short vowels are free (Arabic does not write them).  Each Arabic
# letter consumes one of its usual renderings (NAMES.md table); a rendering
# may be doubled (shadda), "" costs what is given.  A pair is kept when the
# Latin spelling can be read off the Arabic letters at a small cost.

_R = {
    "ا": [("", 0)], "ء": [("", 0)], "ع": [("", 0)],
    "و": [("", 0), ("w", 0), ("v", 0)],
    "ي": [("", 0), ("y", 0), ("j", 0)],
    "ب": [("b", 0), ("p", 0)],
    "ت": [("t", 0), ("d", 0.5), ("th", 0.5)],
    "ث": [("th", 0), ("s", 0), ("t", 0)],
    "ج": [("j", 0), ("dj", 0), ("g", 0), ("c", 0), ("dsch", 0), ("zh", 0.5)],
    "ح": [("h", 0), ("kh", 0.5), ("ch", 0.5), ("", 1)],
    "خ": [("kh", 0), ("h", 0), ("ch", 0), ("x", 0), ("k", 0)],
    "د": [("d", 0), ("t", 0), ("dh", 0)],
    "ذ": [("dh", 0), ("z", 0), ("d", 0), ("th", 0), ("dz", 0)],
    "ر": [("r", 0)],
    "ز": [("z", 0), ("s", 0)],
    "س": [("s", 0), ("c", 0), ("z", 0.5)],
    "ش": [("sh", 0), ("ch", 0), ("s", 0), ("sch", 0), ("x", 0)],
    "ص": [("s", 0), ("c", 0)],
    "ض": [("d", 0), ("dh", 0), ("z", 0)],
    "ط": [("t", 0), ("th", 0), ("d", 0)],
    "ظ": [("z", 0), ("dh", 0), ("th", 0), ("d", 0), ("zh", 0)],
    "غ": [("gh", 0), ("g", 0), ("r", 0), ("rh", 0), ("", 1)],
    "ف": [("f", 0), ("ph", 0), ("v", 0.5)],
    "ق": [("q", 0), ("k", 0), ("g", 0), ("c", 0), ("", 1)],
    "ك": [("k", 0), ("c", 0), ("ch", 0), ("g", 0.5), ("q", 0.5)],
    "ل": [("l", 0)],
    "م": [("m", 0)],
    "ن": [("n", 0), ("m", 0.5)],
    "ه": [("h", 0), ("", 0), ("t", 0)],
    "پ": [("p", 0), ("b", 0)], "چ": [("ch", 0), ("c", 0), ("tch", 0)],
    "ژ": [("zh", 0), ("j", 0), ("z", 0)], "گ": [("g", 0), ("k", 0)],
    "ڤ": [("v", 0)], "ڨ": [("g", 0), ("q", 0)], "ٹ": [("t", 0)],
    "ڈ": [("d", 0)], "ڑ": [("r", 0)], "ں": [("n", 0), ("", 0)],
    "ھ": [("h", 0), ("", 0)], "ہ": [("h", 0), ("", 0)], "ے": [("", 0), ("y", 0)],
}
# pairs of Arabic letters standing for one Latin sound (mostly in
# transliterated European names)
_R2 = {
    "كس": [("x", 0), ("cs", 0)],
    "تش": [("ch", 0), ("tch", 0), ("tsch", 0), ("cz", 0), ("cs", 0),
           ("c", 0), ("ci", 0), ("tsh", 0)],
    "تس": [("ts", 0), ("tz", 0), ("z", 0), ("c", 0)],
    "دج": [("j", 0), ("dj", 0), ("g", 0), ("dzh", 0)],
    "كو": [("qu", 0)],
}
for _a, _extra in (("ك", [("ck", 0)]), ("ش", [("sz", 0)]),
                   ("ف", [("w", 0.5)]), ("ج", [("dz", 0.5)]),
                   ("ق", [("gh", 0)]), ("خ", [("j", 0.5)])):
    _R[_a] = _R[_a] + _extra
_VOWELS = set("aeiou")
_MAXCOST = 1.5


def compat_cost(ar, lat, allow_article=False):
    """Minimal cost of reading Latin `lat` off Arabic `ar`, or None."""
    n, m = len(ar), len(lat)
    INF = 99.0
    # best[i][j]: min cost having consumed ar[:i] and lat[:j]
    best = [[INF] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    if allow_article:
        for p in ("al", "el", "ul", "il"):
            if lat.startswith(p):
                best[0][2] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            c = best[i][j]
            if c >= INF:
                continue
            # free Latin vowel
            if j < m and lat[j] in _VOWELS and c < best[i][j + 1]:
                best[i][j + 1] = c
            # a silent Latin 'h' (Sarah, Rhys), 'y' as a vowel or glide
            # (Sadygov, Huseyin)
            if j < m and c + 0.5 < best[i][j + 1] and (
                    lat[j] == "h" or lat[j] == "y"):
                best[i][j + 1] = c + 0.5
            if i == n:
                continue
            a = ar[i]
            rends = _R.get(a, [])
            extra = []
            # a letter written twice in Arabic may be written once in Latin;
            # lam after alef (the article inside a compound) may vanish or
            # assimilate to the next letter
            if i > 0 and ar[i - 1] == a:
                extra.append(("", 0))
            if a == "ل" and i > 0 and ar[i - 1] == "ا":
                extra.append(("", 0))
            # two Arabic letters written as one Latin sound (x = k+s,
            # Western tch/tz/dj spelt with two letters in Arabic)
            for r, rc in _R2.get(ar[i:i + 2], ()):
                if lat.startswith(r, j) and c + rc < best[i + 2][j + len(r)]:
                    best[i + 2][j + len(r)] = c + rc
            for r, rc in rends + extra:
                cc = c + rc
                if r == "":
                    if cc < best[i + 1][j]:
                        best[i + 1][j] = cc
                    continue
                if lat.startswith(r, j):
                    k = j + len(r)
                    if cc < best[i + 1][k]:
                        best[i + 1][k] = cc
                # doubled rendering (shadda): "ss", "mm", "cch", "tth"
                if j < m and lat[j] == r[0] and lat.startswith(r, j + 1):
                    k = j + 1 + len(r)
                    if cc < best[i + 1][k]:
                        best[i + 1][k] = cc
    c = best[n][m]
    return None if c > _MAXCOST else c


# ---------------------------------------------------------------------------
# Reading the sources
# ---------------------------------------------------------------------------

def _arabic_pair(ar_raw, lat_raw):
    """Normalise one (Arabic, Latin) pair of single name parts."""
    ar_toks = norm_phrase(ar_raw)
    lat_toks = norm_phrase(lat_raw)
    if len(ar_toks) != 1 or len(lat_toks) != 1:
        return None
    ar, lat = ar_toks[0], lat_toks[0]
    if not ar or not lat or not is_arabic(ar) or is_arabic(lat):
        return None
    if norm_token(ar) != ar or norm_token(lat) != lat:
        return None                     # a doubled article: الالدرين
    had_article = norm_arabic_raw(ar_raw.replace(" ", "")).startswith("ال") \
        and not ar.startswith("ال")
    return ar, lat, had_article


def read_pairs(data):
    """Yield (source, arabic, latin, had_article, count) from the pair data
    allowed for training (ar2en-test is held out)."""
    for split in ("ar2en-train.txt", "ar2en-eval.txt"):
        with open(os.path.join(data, "translit_google_ar2en", split),
                  encoding="utf-8") as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) == 2:
                    yield ("google", p[0], p[1], 1)
    with open(os.path.join(data, "translit_wikidata_ar_en",
                           "wd_arabic.normalized.aligned.tokens"),
              encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) == 3:
                yield ("wikidata", p[1].replace(" ", ""), p[0], int(p[2]))
    with open(os.path.join(data, "translit_anetac_en_ar",
                           "EN-AR_Named-entities.txt"), encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if len(p) == 3 and p[0] == "PERSON":
                yield ("anetac", p[2], p[1], 1)
    with open(os.path.join(data, "names_popular_by_country_cc0",
                           "common-forenames-by-country.csv"),
              encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            loc, rom = row["Localized Name"], row["Romanized Name"]
            if is_arabic(loc) and rom:
                yield ("popular", loc, rom, 1)


# ---------------------------------------------------------------------------
# Classes from Arabic <-> Latin pairs
# ---------------------------------------------------------------------------

def collect_counts(data, stats):
    """counts[arabic][latin] = weighted number of skeleton-compatible pairs."""
    counts = collections.defaultdict(collections.Counter)
    for src, a, l, n in read_pairs(data):
        p = _arabic_pair(a, l)
        if p is None:
            stats["pairs unusable (" + src + ")"] += 1
            continue
        ar, lat, art = p
        if compat_cost(ar, lat, art) is None:
            stats["pairs dropped by skeleton check (" + src + ")"] += 1
            continue
        stats["pairs kept (" + src + ")"] += 1
        rest = strip_latin_article(lat)
        if art and rest != lat and compat_cost(ar, rest) is not None:
            # "Alhammouchi" for الحموشي: the name is "hammouchi" (what the
            # engine stores for "al-Hammouchi"); the joined spelling is kept
            # as a variant with half weight
            counts[ar][rest] += n
            counts[ar][lat] += n / 2
        else:
            counts[ar][lat] += n
    return counts


_LAT_ART = re.compile(r"^(?:al|el|ul|il)(?=[^aeiouy])")


def strip_latin_article(lat):
    """'alhammouchi' -> 'hammouchi' (an article joined without hyphen)."""
    m = _LAT_ART.match(lat)
    if m and len(lat) - 2 >= 3:
        return lat[2:]
    return lat


def _argmax(counter, tiebreak=None):
    """Key with the highest count; ties: tiebreak(key) high, then string."""
    tb = tiebreak or (lambda k: 0)
    return min(counter, key=lambda k: (-counter[k], -tb(k), k))


def build_classes(counts):
    """Return (variant -> canonical, info) from Arabic-form -> Latin counts.

    Each Latin spelling joins its most frequent Arabic form.  An Arabic form
    whose most frequent Latin spelling joined the form itself is a root and
    names its class by that spelling; any other form (a rarer Arabic
    spelling of a name) joins the class of the root that owns its most
    frequent Latin spelling.  Star-shaped: no chains, no giant classes."""
    total = {a: sum(c.values()) for a, c in counts.items()}
    by_latin = collections.defaultdict(collections.Counter)
    for a, c in counts.items():
        for l, n in c.items():
            by_latin[l][a] += n
    form = {l: _argmax(c, lambda a: total[a]) for l, c in by_latin.items()}
    owned = collections.defaultdict(collections.Counter)
    for l, a in form.items():
        owned[a][l] = counts[a][l]
    canon = {}          # arabic form -> canonical latin
    for a in counts:
        top = _argmax(counts[a], lambda l: sum(by_latin[l].values()))
        if form[top] == a:
            canon[a] = top
    for a in counts:
        if a in canon:
            continue
        top = _argmax(counts[a], lambda l: sum(by_latin[l].values()))
        b = form[top]
        if b in canon:
            canon[a] = canon[b]
        elif owned[a]:
            canon[a] = _argmax(owned[a])      # 2-hop: keep it separate
        else:
            canon[a] = top                     # resolved below
    # latin variants follow their form; a form without a root of its own
    # whose top latin is owned by a non-root: follow one more hop at most
    equiv = {}
    for l, a in form.items():
        equiv[l] = canon[a]
    for a, c in canon.items():
        equiv[a] = c
    # make every canonical a fixed point
    for a in list(equiv):
        c = equiv[a]
        if equiv.get(c, c) != c:
            equiv[a] = equiv[c]
    for c in set(equiv.values()):
        equiv.setdefault(c, c)
    return equiv, {"form": form, "canon": canon, "total": total}


# ---------------------------------------------------------------------------
# Latin-side similarity (guards Latin variants, attaches Latin-only names)
# ---------------------------------------------------------------------------
# Arabic script loses vowels and the b/p, o/u/w, i/y/e distinctions, so a
# class built through Arabic forms alone would merge Paul with Ball.  A
# Latin spelling joins a class only if a cheap edit turns it into one of
# the class's main spellings, where the cheap edits are those of Arabic
# transliteration (NAMES.md): vowels, doubled letters, silent h, and the
# consonant alternations below.

_UNITS = sorted(["dsch", "sch", "tch", "dzh", "sh", "ch", "kh", "gh", "th",
                 "dh", "ph", "dj", "zh", "ck", "ts", "tz", "dz"],
                key=lambda u: -len(u))
_ALT_GROUPS = [
    ("j", "dj", "g", "c", "dz", "zh", "dsch", "dzh"),      # jim
    ("d", "t", "dh", "th"),                                # dal/ta, devoicing
    ("s", "c", "z", "th", "ts", "tz"),                     # sin/sad/tha/zay
    ("sh", "ch", "s", "sch", "x"),                         # shin
    ("k", "q", "g", "c", "ck", "gh", "kh"),                # kaf/qaf
    ("h", "kh", "ch", "x"),                                # ha/kha
    ("z", "dh", "d", "th", "dz"),                          # dhal/za/dad
    ("w", "v", "f", "ph"),                                 # waw, fa
    ("gh", "g", "r", "rh"),                                # ghain
    ("y", "j"),                                            # ya
    ("ch", "tch", "c", "ts"),                              # che
]
_WEAK_GROUPS = [("f", "v")]
_ALT = collections.defaultdict(set)
for _g in _ALT_GROUPS:
    for _u in _g:
        _ALT[_u].update(_g)
_WEAK = collections.defaultdict(set)
for _g in _WEAK_GROUPS:
    for _u in _g:
        _WEAK[_u].update(_g)


def latin_units(s):
    """Split into units: vowel runs ('V'+run) and consonant units;
    repeated consonant units are collapsed (shadda)."""
    out = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in _VOWELS or (c == "y" and not (i + 1 < n and s[i + 1] in _VOWELS)
                            and i > 0):
            j = i
            while j < n and (s[j] in _VOWELS or
                             (s[j] == "y" and not (j + 1 < n and s[j + 1] in _VOWELS)
                              and j > 0)):
                j += 1
            run = s[i:j]
            out.append("V" + run)
            i = j
            continue
        for u in _UNITS:
            if s.startswith(u, i):
                break
        else:
            u = c
        if not (out and out[-1] == u):
            out.append(u)
        i += len(u)
    return out


def _sub_cost(a, b):
    if a == b:
        return 0.0
    va, vb = a[0] == "V", b[0] == "V"
    if va and vb:
        return 0.25
    if va or vb:
        return 1.0
    if b in _ALT[a]:
        return 0.25
    if b in _WEAK[a]:
        return 0.5
    return 1.0


def _indel_cost(u):
    if u[0] == "V":
        return 0.25
    if u in ("y", "w"):
        return 0.25
    if u == "h":
        return 0.5
    return 1.0


def latin_dist(a, b, ua=None, ub=None, cap=9.0):
    """Weighted edit distance between two normalised Latin spellings."""
    ua = ua or latin_units(a)
    ub = ub or latin_units(b)
    n, m = len(ua), len(ub)
    prev = [0.0] * (m + 1)
    ca = [_indel_cost(u) for u in ua]
    cb = [_indel_cost(u) for u in ub]
    # a vowel added or dropped at either end changes the name more than one
    # inside it (Aybek/Bek, Ouassila/Sylla; but Ibrahim/Brahim stays close)
    for cs, us in ((ca, ua), (cb, ub)):
        for k in (0, len(us) - 1):
            if us and us[k][0] == "V":
                cs[k] = 0.5
    for j in range(1, m + 1):
        prev[j] = prev[j - 1] + cb[j - 1]
    for i in range(1, n + 1):
        cur = [prev[0] + ca[i - 1]] + [0.0] * m
        lo = cur[0]
        for j in range(1, m + 1):
            sc = _sub_cost(ua[i - 1], ub[j - 1])
            if i == n and j == m and sc == 1.0 and \
                    {ua[i - 1], ub[j - 1]} == {"b", "p"}:
                sc = 0.5                      # final devoicing: Habip, Recep
            v = min(prev[j] + ca[i - 1], cur[j - 1] + cb[j - 1],
                    prev[j - 1] + sc)
            cur[j] = v
            lo = min(lo, v)
        if lo > cap:
            return lo
        prev = cur
    return prev[m]


def _vclass(run, last=False):
    """Vowel class of a vowel run at the start (first letter) or at the end
    of a name (last letter); Turkish/Maghreb final -e counts as -a."""
    c = run[-1] if last else run[0]
    if c in "ae":
        return {"A", "I"} if (c == "e" and not last) else {"A"}
    if c in "iy":
        return {"I"}
    return {"U"}


def edges_ok(ua, ub):
    """Attached names must agree at both ends: a vowel there, its class,
    and a y-glide at the start (Hakima/Hakimi, Turkia/Turki, Uzzal/Zal,
    Ayna/Anna are different names)."""
    if not ua or not ub:
        return False
    va, vb = ua[0][0] == "V", ub[0][0] == "V"
    if va != vb:
        return False
    if va and (not (_vclass(ua[0][1:]) & _vclass(ub[0][1:])) or
               ("y" in ua[0]) != ("y" in ub[0])):
        return False
    va, vb = ua[-1][0] == "V", ub[-1][0] == "V"
    if va != vb:
        return False
    if va and not (_vclass(ua[-1][1:], True) & _vclass(ub[-1][1:], True)):
        return False
    return True


def _coarse_sets():
    groups = [set(g) for g in _ALT_GROUPS] + [{"b", "p"}] + \
        [set(g) for g in _WEAK_GROUPS]
    letters = {}
    for gi, g in enumerate(groups):
        for u in g:
            letters.setdefault(u, set()).add("G%d" % gi)
    return letters


_COARSE = _coarse_sets()


def coarse_keys(units, cap=64):
    """Blocking keys: consonant units (without h, y, w) mapped to their
    alternation groups.  Two spellings at latin_dist <= 0.5 share a key."""
    seq = []
    for u in units:
        if u[0] == "V" or u in ("h", "y", "w"):
            continue
        seq.append(sorted(_COARSE.get(u, {u})))
    keys = [()]
    for opts in seq:
        keys = [k + (o,) for k in keys for o in opts]
        if len(keys) > cap:
            return []
    return ["|".join(k) for k in keys]


def tr_premap(raw):
    """Turkish spelling -> English-style Latin used for comparison only."""
    s = unicodedata.normalize("NFC", raw).casefold()
    s = s.replace("i̇", "i")
    for a, b in (("ç", "ch"), ("ş", "sh"), ("ğ", "gh"), ("c", "j"),
                 ("ı", "i")):
        s = s.replace(a, b)
    s = norm_latin(s)
    if s.endswith("p"):
        s = s[:-1] + "b"
    elif s.endswith("t"):
        s = s[:-1] + "d"
    return s


def fr_premap(raw):
    """Maghreb French spelling -> English-style Latin (comparison only)."""
    s = norm_latin(raw)
    s = re.sub(r"ou", "u", s)
    s = re.sub(r"tch", "ch", s)
    s = re.sub(r"ch", "sh", s)
    s = re.sub(r"c(?=[eiy])", "s", s)
    s = re.sub(r"(?<=[^aeiou])e$", "", s)
    return s


# ---------------------------------------------------------------------------
# The table under construction
# ---------------------------------------------------------------------------

GUARD_MAX = 1.0      # Latin variant vs the class's main spellings
ATTACH_MAX = 0.5     # Latin-only name vs a class's spellings
CORE_N = 4           # main spellings of a class: canonical + top 3


class Table:
    def __init__(self, counts, stats):
        self.stats = stats
        self.counts = counts
        eq, info = build_classes(counts)
        self.support = collections.Counter()    # pair observations
        for a, c in counts.items():
            self.support[a] += sum(c.values())
            for l, n in c.items():
                self.support[l] += n
        self.equiv = {}
        self.how = {}
        self.root_ar = {}                       # canonical -> Arabic form
        for a, c in info["canon"].items():
            if info["form"].get(c) == a or c not in self.root_ar:
                if info["form"].get(c) == a:
                    self.root_ar[c] = a
        members = collections.defaultdict(list)
        for v, c in eq.items():
            members[c].append(v)
        for c, vs in members.items():
            uc = latin_units(c)
            for v in vs:
                if is_arabic(v) or v == c:
                    self._set(v, c, "pairs")
                    continue
                if min(latin_dist(v, c, None, uc, GUARD_MAX),
                       latin_dist(strip_latin_article(v), c, None, uc,
                                  GUARD_MAX)) <= GUARD_MAX:
                    self._set(v, c, "pairs")
                else:
                    self.stats["latin variants dropped by Latin guard"] += 1
        self._reindex()

    def _core(self, c, lat):
        rest = sorted((v for v in lat if v != c),
                      key=lambda v: (-self.support[v], v))
        return [c] + rest[:CORE_N - 1]

    def _set(self, v, c, how):
        self.equiv[v] = c
        self.how[v] = how

    def classes(self):
        m = collections.defaultdict(list)
        for v, c in self.equiv.items():
            m[c].append(v)
        return m

    def _reindex(self):
        """Blocking index over the main spellings of every class."""
        self.members = self.classes()
        self.core = {}
        self.index = collections.defaultdict(set)
        for c, vs in self.members.items():
            lat = [v for v in vs if not is_arabic(v)]
            if not lat:
                continue
            core = self._core(c, lat)
            self.core[c] = [(x, latin_units(x)) for x in core]
            for x, ux in self.core[c]:
                for k in coarse_keys(ux):
                    self.index[k].add(c)

    def nearest(self, spelling, exclude=None):
        """[(dist, canonical)] of classes within ATTACH_MAX, best first."""
        us = latin_units(spelling)
        cands = set()
        for k in coarse_keys(us):
            cands |= self.index.get(k, set())
        cands.discard(exclude)
        out = []
        for c in cands:
            d = min(latin_dist(spelling, x, us, ux, ATTACH_MAX)
                    for x, ux in self.core[c])
            if d <= ATTACH_MAX:
                out.append((d, c))
        out.sort()
        return out

    def attach(self, token, spelling, how, ar_check=True):
        """Attach a Latin-only token (compared as `spelling`) to the unique
        nearest class; returns the canonical or None."""
        near = self.nearest(spelling)
        if not near:
            return None
        d, c = near[0]
        if len(near) > 1 and near[1][0] <= d:
            self.stats["attach refused: ambiguous"] += 1
            return None
        if ar_check:
            a = self.root_ar.get(c)
            if a is None or (compat_cost(a, spelling) is None
                             and compat_cost(a, token) is None):
                self.stats["attach refused: Arabic skeleton"] += 1
                return None
        self._set(token, c, how)
        return c


# ---------------------------------------------------------------------------
# Name lists (Latin-only given/family names; Arabic-script lists)
# ---------------------------------------------------------------------------

# top-forename files and popular-names countries whose names are largely of
# Arabic origin, by spelling convention of their Latin form
_FR_TOP = ["morocco", "algeria", "tunisia", "mauritania", "senegal", "mali",
           "niger", "chad", "guinea"]
_GEN_TOP = ["egypt", "iraq", "jordan", "lebanon", "palestine", "oman",
            "qatar", "sudan", "somaliland", "iran", "afghanistan",
            "pakistan", "bangladesh", "indonesia", "malaysia", "brunei",
            "maldives"]
_FR_ISO = {"MA", "DZ", "TN", "MR", "SN", "ML", "NE", "TD", "GN"}
_GEN_ISO = {"EG", "IQ", "JO", "LB", "PS", "SA", "AE", "KW", "BH", "QA", "OM",
            "YE", "SY", "LY", "SD", "IR", "AF", "PK", "BD", "ID", "MY"}
_TR_ISO = {"TR", "AZ"}


def _read_text(path):
    """Some upstream files are UTF-8, others Windows-1252."""
    with open(path, "rb") as f:
        b = f.read()
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return b.decode("cp1252")
        except UnicodeDecodeError:
            return b.decode("latin-1")


class NameList:
    def __init__(self, lid, lang, kind, names):
        self.id, self.lang, self.kind = lid, lang, kind   # kind: fore/sur
        self.names = names                                # raw, rank order


def read_name_lists(data):
    lists = []
    d = os.path.join(data, "names_top_forenames_by_country")
    for path in sorted(glob.glob(os.path.join(d, "*.txt"))):
        country = os.path.basename(path)[:-4]
        names = [l.strip() for l in _read_text(path).splitlines()
                 if l.strip()]
        lang = ("fr" if country in _FR_TOP else
                "gen" if country in _GEN_TOP else None)
        lists.append(NameList("top:" + country, lang, "fore", names))
    d = os.path.join(data, "names_popular_by_country_cc0")
    for fn, kind in (("common-forenames-by-country.csv", "fore"),
                     ("common-surnames-by-country.csv", "sur")):
        per = collections.defaultdict(list)
        with open(os.path.join(d, fn), encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                key = row["Country"]
                if kind == "fore":
                    key += ":" + row["Gender"]
                name = row["Romanized Name"] or row["Localized Name"]
                per[key].append((int(row["Index"] if kind == "fore"
                                     else row["Rank"] or 0), name,
                                 row["Localized Name"]))
        for key in sorted(per):
            iso = key.split(":")[0]
            lang = ("tr" if iso in _TR_ISO else "fr" if iso in _FR_ISO else
                    "gen" if iso in _GEN_ISO else None)
            rows = sorted(per[key])
            lists.append(NameList("popular:%s:%s" % (kind, key), lang, kind,
                                  [r[1] for r in rows]))
            loc = [r[2] for r in rows if is_arabic(r[2])]
            if loc:
                lists.append(NameList("popular-ar:%s:%s" % (kind, key), "ar",
                                      kind, loc))
    with open(os.path.join(data, "names_turkish_given", "names.json"),
              encoding="utf-8") as f:
        tr = json.load(f)
    lists.append(NameList("tr-given", "tr", "fore", sorted(tr)))
    faker = collections.defaultdict(list)
    with open(os.path.join(data, "names_faker_locales",
                           "faker_person_names.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            faker[(row["locale"], "sur" if row["part"] == "last" else "fore")
                  ].append(row["name"])
    for (loc, kind) in sorted(faker):
        lang = {"tr": "tr", "az": "tr", "ar": "ar", "fa": "ar", "ur": "ar",
                "fr_SN": "fr"}.get(loc)
        lists.append(NameList("faker:%s:%s" % (loc, kind), lang, kind,
                              faker[(loc, kind)]))
    return lists


def premap(raw, lang):
    parts = [p for p in _SPLIT.split(raw.strip()) if p]
    if len(parts) > 1 and norm_latin(parts[0]) in ("al", "el"):
        parts = parts[1:]
    raw = "".join(parts)
    if lang == "tr":
        return tr_premap(raw)
    if lang == "fr":
        return fr_premap(raw)
    return norm_latin(raw)


# ---------------------------------------------------------------------------
# Compounds: Abd + [article] + X, P + [article] + din, P + allah
# ---------------------------------------------------------------------------

_ABD_V = ["a", "e", "u", "ou", "o", "i"]
_SUN = set("tdrzsnl")
_DIN_FORMS = ["din", "deen", "dine"]
_ALLAH_RE = re.compile(r"^(ou|[aeiou])(llah|lah|lla)$")
_ALLAH2_RE = re.compile(r"^(ou|[aeiou])llah$")     # not Daniella, Mirella
_DIN_RE = re.compile(r"^([aeiou]{1,2})(l|d|t)(din|deen|dine|tin)$")


def gen_abd(xs):
    out = set()
    for x in xs:
        out.add("abd" + x)
        for v in _ABD_V:
            out.add("abd" + v + "l" + x)
            out.add("abd" + v + x)
            if x[0] in _SUN:
                out.add("abd" + v + x[0] + x)
    return out


def gen_din(ps):
    out = set()
    for p in ps:
        for d in _DIN_FORMS:
            out.add(p + d)
        for v in ["a", "e", "u", "i", "ou"]:
            for d in _DIN_FORMS:
                out.add(p + v + "l" + d)
                out.add(p + v + "d" + d)
                out.add(p + v + d)
            out.add(p + v + "ttin")
    return out


def gen_allah(ps):
    out = set()
    for p in ps:
        for v in _ABD_V:
            for a in ("llah", "lah", "lla"):
                out.add(p + v + a)
    return out


def parse_compound(tok):
    """Latin compound readings: [(kind, component)]; kind abd/din/allah."""
    out = []
    m = re.match(r"^abd(ou|[aeiou]?)(.*)$", tok)
    if m and len(m.group(2)) >= 4:
        rest = m.group(2)
        if rest[0] == "l" and len(rest) > 4:
            out.append(("abd", rest[1:]))
        if rest[0] not in _VOWELS and len(rest) > 4 and rest[0] == rest[1]:
            out.append(("abd", rest[1:]))
        out.append(("abd", rest))
    for k in range(3, len(tok) - 2):
        if _DIN_RE.match(tok[k:]) and (tok[k:].endswith("tin") ==
                                       tok[k:].endswith("ttin")):
            out.append(("din", tok[:k]))
        if (_ALLAH_RE if tok[:k] == "abd" else _ALLAH2_RE).match(tok[k:]):
            out.append(("allah", tok[:k]))
    return out


# letters Arabic-script renderings of foreign names rarely use (not ث ذ غ,
# which stand for English th and g)
_AR_SPECIFIC = set("عحخقصضطظ")


_CORE_AW_LISTS = {"top:" + c for c in (
    "morocco", "algeria", "tunisia", "mauritania", "egypt", "iraq", "jordan",
    "lebanon", "palestine", "oman", "qatar", "sudan", "somaliland")}
_ARAB_ISO = {"MA", "DZ", "TN", "MR", "EG", "IQ", "JO", "LB", "PS", "SA", "AE",
             "KW", "BH", "QA", "OM", "YE", "SY", "LY", "SD"}


def arabic_world(T, lists):
    """Canonicals of classes that are names of the Arabic-script world: an
    Arabic root form with a letter foreign names rarely use, an Arabic
    spelling in an Arabic-script name list, or a Latin spelling in the top
    500 of two or more Arab-country lists.  Only these take attached and
    compound spellings (keeps Turkish names off Eric and Perry, which the
    lists of Oman or Guinea also contain)."""
    aw = set()
    for c, a in T.root_ar.items():
        if _AR_SPECIFIC & set(a):
            aw.add(c)
    nlists = collections.Counter()
    for nl in lists:
        core = nl.id in _CORE_AW_LISTS or (
            nl.id.startswith("popular:") and nl.id.split(":")[2] in _ARAB_ISO)
        if nl.lang != "ar" and not core:
            continue
        seen = set()
        for raw in nl.names[:500]:
            for t in norm_phrase(raw):
                c = T.equiv.get(t)
                if c is not None and c in T.root_ar:
                    if nl.lang == "ar":
                        aw.add(c)
                    elif c not in seen:
                        seen.add(c)
                        nlists[c] += 1
    aw.update(c for c, n in nlists.items() if n >= 2)
    return aw


class Builder:
    def __init__(self, data):
        self.data = data
        self.stats = collections.Counter()
        self.counts = collect_counts(data, self.stats)
        self.T = Table(self.counts, self.stats)
        self.lists = read_name_lists(data)
        self.aw = arabic_world(self.T, self.lists)

    # -- components --------------------------------------------------------
    def resolve(self, comp, lang, exact_only=False):
        """Canonical of an Arabic-world class for a Latin component."""
        T = self.T
        for cand in (comp, comp[:-1] if comp.endswith("e") else None):
            if cand and len(cand) >= 2:
                c = T.equiv.get(cand)
                if c is not None and c in self.aw and c in T.root_ar:
                    return c
        if exact_only:
            return None
        if len(comp) < 3:
            return None
        near = T.nearest(premap(comp, lang) if lang else comp)
        near = [(d, c) for d, c in near if c in self.aw and c in T.root_ar
                and d <= 0.25]
        if near and (len(near) == 1 or near[1][0] > near[0][0]):
            return near[0][1]
        return None

    def comp_variants(self, c, k=3):
        """Main spellings of a component: the canonical and the best
        supported pair spellings close to it."""
        T = self.T
        lat = [v for v in T.members.get(c, []) if not is_arabic(v) and v != c
               and T.how.get(v) == "pairs" and T.support[v] >= 2
               and latin_dist(v, c) <= 0.5]
        rest = sorted(lat, key=lambda v: (-T.support[v], v))
        return [c] + rest[:k - 1]

    # -- compounds ---------------------------------------------------------
    def compounds(self):
        T = self.T
        # Latin token -> weighted list occurrences (Turkish lists, which
        # repeat one another, weigh less)
        occ = collections.Counter()
        lang_of = {}
        for nl in self.lists:
            if nl.lang in ("fr", "gen", "tr"):
                w = {"gen": 1.0, "fr": 0.9, "tr": 0.5}[nl.lang]
                for raw in nl.names:
                    for t in norm_phrase(raw):
                        occ[t] += w
                        lang_of.setdefault(t, nl.lang)
        latin = set(occ) | {v for v in T.equiv if not is_arabic(v)}
        readings = {}
        votes = collections.Counter()
        exact = set()
        for t in sorted(latin):
            rs = []
            for kind, comp in parse_compound(t):
                if kind == "allah" and comp == "abd":
                    c = T.equiv.get("abd")
                else:
                    c = self.resolve(comp, lang_of.get(t))
                if c is not None and (kind, c) not in rs:
                    rs.append((kind, c))
                    if kind == "allah" or self.resolve(
                            comp, None, exact_only=True) == c:
                        exact.add((kind, c))
            if rs:
                readings[t] = rs
                if len(rs) == 1:
                    votes[rs[0]] += 1
        found = collections.defaultdict(collections.Counter)
        for t, rs in sorted(readings.items()):
            best = min(rs, key=lambda r: (-votes[r], rs.index(r)))
            found[best][t] += occ[t] + T.support[t]
        # compounds written in Arabic script
        ar_tokens = set(a for a in T.equiv if is_arabic(a))
        for nl in self.lists:
            if nl.lang == "ar":
                for raw in nl.names:
                    ar_tokens.update(norm_phrase(raw))
        for a in sorted(ar_tokens):
            for kind, comp in (("abd", a[5:] if a.startswith("عبدال") else ""),
                               ("din", a[:-5] if a.endswith("الدين") else ""),
                               ("allah", a[:-4] if a.endswith("الله") else "")):
                if len(comp) >= 3 or (kind != "abd" and len(comp) >= 2):
                    c = T.equiv.get(comp)
                    if c is not None and c in T.root_ar and \
                            T.root_ar[c] == comp and \
                            (c in self.aw or comp == "عبد"):
                        found[(kind, c)][a] += 0
        # a compound needs an Arabic-script attestation, two different
        # Latin spellings, or (abd/allah) an exactly known component: one
        # spelling could be a chance parse (Geraldine)
        order = sorted((k for k in found
                        if any(is_arabic(t) for t in found[k]) or
                        len(found[k]) >= 2 or
                        (k[0] != "din" and k in exact)),
                       key=lambda k: (-sum(found[k].values()), k))
        self.stats["compound candidates rejected (one spelling)"] = \
            len(found) - len(order)
        plans = []
        for kind, c in order:
            comp_ar = T.root_ar[c]
            if comp_ar.startswith("ال"):
                comp_ar = comp_ar[2:]
            ar = {"abd": "عبدال" + comp_ar, "din": comp_ar + "الدين",
                  "allah": comp_ar + "الله"}[kind]
            obs = collections.Counter({t: n for t, n in found[(kind, c)].items()
                                       if not is_arabic(t)})
            canon = T.equiv.get(ar)
            if canon is None or not parse_compound(canon):
                if obs:
                    canon = min(obs, key=lambda t: (-obs[t], len(t), t))
                else:
                    canon = {"abd": "abdul" + c, "din": c + "uddin",
                             "allah": c + "ullah"}[kind]
            vs = self.comp_variants(c)
            gen = {"abd": gen_abd, "din": gen_din, "allah": gen_allah}[kind](vs)
            plans.append((kind, c, ar, canon, obs, gen))
        n_obs = n_gen = n_conf = 0
        for kind, c, ar, canon, obs, gen in plans:       # observed first
            for t in [ar, canon] + sorted(obs):
                cur = T.equiv.get(t)
                if cur is None or T.how.get(t) != "pairs" or cur == canon:
                    if cur != canon:
                        n_obs += 1
                    T._set(t, canon, T.how.get(t, "compound"))
                elif cur != canon:
                    n_conf += 1
        for kind, c, ar, canon, obs, gen in plans:       # then generated
            for t in sorted(gen):
                if t not in T.equiv:
                    T._set(t, canon, "compound-generated")
                    n_gen += 1
        self.stats["compound classes"] = len(plans)
        self.stats["compound spellings observed (added)"] = n_obs
        self.stats["compound spellings generated"] = n_gen
        self.stats["compound spellings left in their pair class"] = n_conf
        T._reindex()
        return plans

    # -- Latin-only names from the lists ----------------------------------
    def attach_lists(self):
        T = self.T
        todo = collections.Counter()
        for nl in self.lists:
            if nl.lang not in ("fr", "gen", "tr"):
                continue
            for raw in nl.names:
                toks = norm_phrase(raw)
                if len(toks) != 1:
                    continue
                t = toks[0]
                if len(t) < 4 or t in T.equiv:
                    continue
                todo[(t, premap(raw, nl.lang), nl.lang)] += 1
        n = 0
        for (t, sp, lang), _ in sorted(todo.items(),
                                       key=lambda kv: (-kv[1], kv[0])):
            if t in T.equiv:
                continue
            near = T.nearest(sp)
            us = latin_units(sp)
            near = [(d, c) for d, c in near if c in self.aw and any(
                latin_dist(sp, x, us, ux) == d and edges_ok(us, ux)
                for x, ux in T.core[c])]
            # Turkish spelling is phonemic: closer matches only
            if lang == "tr" and len(
                    [u for u in latin_units(sp) if u[0] != "V"]) < 5:
                near = [(d, c) for d, c in near if d <= 0.25]
            # short names: the same consonants, only vowels may differ
            cons = [u for u in latin_units(sp) if u[0] != "V"]
            if len(cons) < 4:
                near = [(d, c) for d, c in near if any(
                    [u for u in ux if u[0] != "V"] == cons
                    for _, ux in T.core[c])]
            if not near:
                continue
            d, c = near[0]
            if len(near) > 1 and near[1][0] <= d:
                self.stats["attach refused: ambiguous"] += 1
                continue
            a = T.root_ar.get(c)
            if a is None or (compat_cost(a, sp) is None and
                             compat_cost(a, t) is None):
                self.stats["attach refused: Arabic skeleton"] += 1
                continue
            T._set(t, c, "attached-" + lang)
            n += 1
        self.stats["list names attached to a class"] = n

    # -- seeds -------------------------------------------------------------
    def apply_seed(self, path):
        """data/name_equiv_seed.tsv: variant<TAB>spelling of the class it
        joins<TAB>why.  A target not yet in the table starts a class."""
        T = self.T
        n = 0
        if not os.path.exists(path):
            return 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                p = line.split("\t")
                if len(p) < 2:
                    raise SystemExit("bad seed line: %r" % line)
                v, tgt = norm_token(p[0]), norm_token(p[1])
                if not v or not tgt:
                    raise SystemExit("bad seed line: %r" % line)
                c = T.equiv.get(tgt)
                if c is None:
                    c = tgt
                    T._set(tgt, c, "seed")
                T._set(v, c, "seed")
                n += 1
        self.stats["seed lines applied"] = n
        return n

    def finish(self):
        """Drop one-letter variants (initials are not names) and make every
        canonical a fixed point."""
        T = self.T
        for v in [v for v, c in T.equiv.items() if len(v) < 2 or len(c) < 2]:
            del T.equiv[v]
            self.stats["one-letter variants dropped"] += 1
        for _ in range(3):
            changed = False
            for v, c in list(T.equiv.items()):
                cc = T.equiv.get(c)
                if cc is None:
                    T._set(c, c, T.how.get(v, "pairs"))
                    changed = True
                elif cc != c:
                    T.equiv[v] = cc
                    changed = True
            if not changed:
                break
        T._reindex()


# ---------------------------------------------------------------------------
# Commonness
# ---------------------------------------------------------------------------

_PARTICLES = {"ben", "bin", "ibn", "bint", "bent", "ould", "ait", "ag",
              "abu", "abou", "bou", "umm", "al", "el", "da", "de", "di",
              "del", "der", "van", "von", "la", "le", "du", "dos", "das",
              "mc", "mac", "st"}
COMMON_EPS = 0.05
COMMON_MIN = 0.05


def build_common(lists, equiv):
    """token -> score in (0,1]: sum over lists of 1/sqrt(rank) (unranked
    lists: 1/sqrt(size) per name), log-scaled against the most common."""
    pop = collections.Counter()
    for nl in lists:
        ranked = nl.id.startswith(("top:", "popular"))
        seen = set()
        r = 0
        for raw in nl.names:
            keys = []
            for t in norm_phrase(raw):
                if len(t) < 2 or t in _PARTICLES:
                    continue
                keys.append(equiv.get(t, t))
            new = [k for k in keys if k not in seen]
            if not new:
                continue
            r += 1
            for k in new:
                seen.add(k)
                pop[k] += (1 / r ** 0.5) if ranked else \
                    1 / max(1, len(nl.names)) ** 0.5
    if not pop:
        return {}
    top = max(pop.values())
    den = math.log(1 + top / COMMON_EPS)
    out = {}
    for k, p in pop.items():
        s = math.log(1 + p / COMMON_EPS) / den
        if s >= COMMON_MIN:
            out[k] = min(1.0, s)
    return out


# ---------------------------------------------------------------------------
# Quality on the held-out split
# ---------------------------------------------------------------------------

def measure(data, equiv, aw=None):
    """Held-out ar2en-test pairs.  With `aw`, only pairs whose Arabic token
    lands in an Arabic-world class (names of Arabic origin and use)."""
    n = found = same = lat_in = 0
    with open(os.path.join(data, "translit_google_ar2en", "ar2en-test.txt"),
              encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != 2:
                continue
            q = _arabic_pair(p[0], p[1])
            if q is None:
                continue
            ar, lat, _ = q
            if aw is not None and equiv.get(ar) not in aw:
                continue
            n += 1
            if lat in equiv:
                lat_in += 1
            if ar in equiv:
                found += 1
                if equiv.get(lat, lat) == equiv[ar] or \
                        equiv.get(strip_latin_article(lat)) == equiv[ar]:
                    same += 1
    return {"pairs": n, "arabic_found": found, "same_class": same,
            "latin_found": lat_in}


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def _sha256(paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def source_lines(data):
    """Header lines naming every source file with origin and licence, taken
    from SOURCES.md."""
    with open(os.path.join(data, "SOURCES.md"), encoding="utf-8") as f:
        src = f.read().splitlines()

    def bullet(rel):
        for l in src:
            if l.startswith("- ") and ("`" + rel + "`") in l:
                fields = [x.strip() for x in l[2:].split("|")]
                # file | repo | path | commit date | bytes | licence
                if len(fields) >= 6:
                    return "%s | %s %s @ %s | licence: %s" % (
                        rel, fields[1], fields[2].strip("`"),
                        fields[3], fields[5])
        return None

    out = []
    singles = ["translit_google_ar2en/ar2en-train.txt",
               "translit_google_ar2en/ar2en-eval.txt",
               "translit_wikidata_ar_en/wd_arabic.normalized.aligned.tokens",
               "translit_anetac_en_ar/EN-AR_Named-entities.txt",
               "names_popular_by_country_cc0/common-forenames-by-country.csv",
               "names_popular_by_country_cc0/common-surnames-by-country.csv",
               "names_turkish_given/names.json"]
    for rel in singles:
        b = bullet(rel) or rel
        out.append("%s | sha256 %s" % (b, _sha256([os.path.join(data, rel)])[:16]))
    tops = sorted(glob.glob(os.path.join(data, "names_top_forenames_by_country",
                                         "*.txt")))
    for l in src:
        if l.startswith("- ") and "names_top_forenames_by_country/<country>.txt" in l:
            fields = [x.strip() for x in l[2:].split("|")]
            out.append("names_top_forenames_by_country/*.txt (%d files) | %s @ %s"
                       " | licence: %s | sha256 %s" % (
                           len(tops), fields[1], fields[3], fields[5],
                           _sha256(tops)[:16]))
    out.append("names_faker_locales/faker_person_names.tsv | DERIVED in "
               "SOURCES.md: dump of npm @faker-js/faker 10.6.0 person names "
               "(locales ar, tr, az, fa, ur, fr_SN used; others for "
               "commonness) | licence: MIT | sha256 %s" % _sha256(
                   [os.path.join(data, "names_faker_locales",
                                 "faker_person_names.tsv")])[:16])
    return out


def write_tsv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for h in header:
            f.write("# " + h + "\n" if h else "#\n")
        for a, b in rows:
            f.write("%s\t%s\n" % (a, b))


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = [a for a in argv[1:] if not a.startswith("--")]
    default = os.path.join(root, "..", "shared", "data")
    data = args[0] if args else default
    out_dir = os.path.join(root, "data")
    for a in argv[1:]:
        if a.startswith("--out="):
            out_dir = a[len("--out="):]
    shown = "../shared/data" if os.path.realpath(data) == \
        os.path.realpath(default) else data
    command = "python3 tools/make_name_tables.py " + shown

    b = Builder(data)
    pairs_only = dict(b.T.equiv)
    b.compounds()
    b.attach_lists()
    seed_path = os.path.join(root, "data", "name_equiv_seed.tsv")
    b.apply_seed(seed_path)
    b.finish()
    T = b.T
    equiv = T.equiv

    classes = T.classes()
    n_ar = sum(1 for v in equiv if is_arabic(v))
    n_lat = len(equiv) - n_ar
    multi = sum(1 for vs in classes.values() if len(vs) > 1)
    q = measure(data, equiv)
    q0 = measure(data, pairs_only)
    qa = measure(data, equiv, b.aw)
    how = collections.Counter(T.how[v] for v in equiv)

    srcs = source_lines(data)
    header = [
        "name_equiv.tsv - name-part variants of liaison: variant<TAB>canonical",
        "Each line maps a normalised name part (Latin a-z, or Arabic letters)",
        "to the canonical Latin spelling of its class (the most frequent Latin",
        "rendering). Normalisation, articles and compounds: data/README.md.",
        "Generated, deterministic - do not edit; edit data/name_equiv_seed.tsv",
        "and rerun:  " + command,
        "",
        "Sources (origin repository @ commit, licence as listed in SOURCES.md):",
    ] + ["  " + s for s in srcs] + [
        "  data/name_equiv_seed.tsv | hand-written in this repository from "
        "NAMES.md-type knowledge",
        "Held out for quality measurement only: "
        "translit_google_ar2en/ar2en-test.txt",
        "",
        "%d variants (%d Latin, %d Arabic script), %d classes (%d with more "
        "than one variant)" % (len(equiv), n_lat, n_ar, len(classes), multi),
        "held-out ar2en-test: %d pairs, Arabic token found %.1f%%, Latin "
        "spelling in the same class %.1f%% of those found" % (
            q["pairs"], 100.0 * q["arabic_found"] / max(1, q["pairs"]),
            100.0 * q["same_class"] / max(1, q["arabic_found"])),
    ]
    rows = sorted(equiv.items())
    write_tsv(os.path.join(out_dir, "name_equiv.tsv"), header, rows)

    common = build_common(b.lists, equiv)
    cheader = [
        "name_common.tsv - commonness of name parts in the general population",
        "token<TAB>score, score in (0,1]: 1 = extremely common (mohamed, ali,",
        "maria, john). Sum over every country list of 1/sqrt(rank) (lists",
        "without ranks: 1/sqrt(list size) per name), scaled as",
        "log(1 + p/%.2f) / log(1 + pmax/%.2f); scores below %.2f are omitted"
        " (treat absent tokens as rare)." % (COMMON_EPS, COMMON_EPS, COMMON_MIN),
        "Keys are canonical forms (name_equiv.tsv) where the token is there,",
        "else the normalised token.",
        "Generated, deterministic - do not edit; rerun:  " + command,
        "",
        "Sources (origin repository @ commit, licence as listed in SOURCES.md):",
    ] + ["  " + s for s in srcs if s.startswith("names_")] + [
        "  name_equiv.tsv (this repository) for the canonical keys",
        "",
        "%d tokens" % len(common),
    ]
    write_tsv(os.path.join(out_dir, "name_common.tsv"), cheader,
              [(k, "%.4f" % common[k]) for k in sorted(common)])

    # report
    print("command:", command)
    for k in sorted(b.stats):
        print("  %-50s %d" % (k, b.stats[k]))
    print("variants by origin:", dict(sorted(how.items())))
    print("name_equiv.tsv: %d variants (%d Latin, %d Arabic), %d classes, "
          "%d with more than one variant" % (len(equiv), n_lat, n_ar,
                                             len(classes), multi))
    print("name_common.tsv: %d tokens" % len(common))
    for label, qq in (("final table", q),
                      ("pairs only (before compounds, attach, seed)", q0),
                      ("only pairs whose Arabic token is in an Arabic-world "
                       "class", qa)):
        print("held-out ar2en-test, %s: %d pairs; Arabic found %d (%.1f%%); "
              "same class %d (%.1f%% of found, %.1f%% of all); Latin found "
              "%.1f%%" % (label, qq["pairs"], qq["arabic_found"],
                          100.0 * qq["arabic_found"] / max(1, qq["pairs"]),
                          qq["same_class"],
                          100.0 * qq["same_class"] / max(1, qq["arabic_found"]),
                          100.0 * qq["same_class"] / max(1, qq["pairs"]),
                          100.0 * qq["latin_found"] / max(1, qq["pairs"])))

    def size(vs, observed_only):
        return sum(1 for v in vs if not observed_only or
                   T.how.get(v) != "compound-generated")
    for label, obs in (("20 largest classes (all variants)", False),
                       ("20 largest classes (without generated compound "
                        "spellings)", True)):
        print(label + ":")
        big = sorted(classes.items(), key=lambda kv: (-size(kv[1], obs),
                                                      kv[0]))[:20]
        for c, vs in big:
            shown_vs = sorted(v for v in vs if not obs or
                              T.how.get(v) != "compound-generated")
            print("  %-16s %4d  %s" % (c, size(vs, obs),
                                        " ".join(shown_vs[:30]) +
                                        (" ..." if len(shown_vs) > 30 else "")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
