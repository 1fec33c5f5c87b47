"""sources.py: read the public name data in ../shared/data into name pools.

Everything the generator draws from comes from here; nothing is invented
except the particle forms of Maghreb family names (Ben-, Bou-, El-, Ait,
Ould), which are built from the real given-name lists.  The files under
data/eval/ are never read: they are the accuracy benchmark.

Pools are lists (never sets: set order changes with PYTHONHASHSEED), in a
fixed order, so that the same seed gives the same output on any run.
"""
import csv
import json
import os
import re
import unicodedata
import xml.etree.ElementTree as ET

DATA = os.environ.get("LIAISON_DATA",
                      os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                   "..", "..", "..", "shared", "data"))
DATA = os.path.normpath(DATA)


def path(*p):
    return os.path.join(DATA, *p)


def uniq(seq):
    """Order-preserving de-duplication (case-sensitive)."""
    seen, out = {}, []
    for s in seq:
        if s and s not in seen:
            seen[s] = 1
            out.append(s)
    return out


def ascii_fold(s):
    """Strip diacritics (and the Turkish dotless i) for ASCII keys."""
    s = s.replace("ı", "i").replace("İ", "I")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c))


def latin_ok(s):
    """A name token in the Latin script: letters, hyphen, apostrophe."""
    return bool(s) and all(c.isalpha() or c in "-' " for c in s) and \
        all(ord(c) < 0x250 for c in s)


# ------------------------------------------------------------ given names

def top_forenames(country):
    """names_top_forenames_by_country/<country>.txt, most popular first."""
    p = path("names_top_forenames_by_country", country + ".txt")
    if not os.path.exists(p):
        return []
    raw = open(p, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    out = []
    for line in text.splitlines():
        n = line.strip()
        if latin_ok(n) and len(n) > 1:
            out.append(n[0].upper() + n[1:])
    return uniq(out)


def cc0_forenames(iso2):
    """(romanized, localized, gender) from the CC0 popular names dataset."""
    out = []
    with open(path("names_popular_by_country_cc0",
                   "common-forenames-by-country.csv"),
              encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["Country"] == iso2:
                out.append((row["Romanized Name"], row["Localized Name"],
                            row["Gender"]))
    return out


def cc0_surnames(iso2):
    out = []
    with open(path("names_popular_by_country_cc0",
                   "common-surnames-by-country.csv"),
              encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["Country"] == iso2 and latin_ok(row["Romanized Name"]):
                out.append(row["Romanized Name"])
    return uniq(out)


def cc0_all_countries():
    with open(path("names_popular_by_country_cc0",
                   "common-forenames-by-country.csv"),
              encoding="utf-8-sig") as f:
        return sorted({row["Country"] for row in csv.DictReader(f)})


def cc0_countries():
    """ISO2 codes that have at least 10 surnames in the CC0 dataset."""
    n = {}
    with open(path("names_popular_by_country_cc0",
                   "common-surnames-by-country.csv"),
              encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if latin_ok(row["Romanized Name"]):
                n[row["Country"]] = n.get(row["Country"], 0) + 1
    return sorted(c for c, k in n.items() if k >= 10)


def turkish_given():
    """names_turkish_given: {name: E|K|U} -> (male, female) lists."""
    with open(path("names_turkish_given", "names.json"), encoding="utf-8") as f:
        d = json.load(f)
    male = [n for n, g in d.items() if g in ("E", "U") and latin_ok(n)]
    female = [n for n, g in d.items() if g in ("K", "U") and latin_ok(n)]
    return male, female


def faker(locale, part, gender=None):
    out = []
    with open(path("names_faker_locales", "faker_person_names.tsv"),
              encoding="utf-8") as f:
        next(f)
        for line in f:
            loc, p, g, name = line.rstrip("\n").split("\t")
            if loc == locale and p == part and (gender is None or
                                                g in (gender, "generic")):
                out.append(name)
    return uniq(out)


_CYR = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l",
                 "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch",
                 "sh", "shch", "", "y", "", "e", "yu", "ya"]))


def cyrillic_to_latin(s):
    """Russian romanisation (close to the passport system of 2013, with
    kh/ts/shch spelt out), case kept on the first letter."""
    out = "".join(_CYR.get(c.lower(), c) for c in s)
    return out[:1].upper() + out[1:] if s[:1].isupper() else out


# ------------------------------------------------------------ real lists

ARAB = ["Morocco", "Algeria", "Tunisia", "Libya", "Mauritania", "Egypt",
        "Iraq", "Syria", "Jordan", "Lebanon", "Saudi Arabia", "Yemen",
        "Kuwait", "Qatar", "Bahrain", "Oman", "United Arab Emirates", "Sudan",
        "Palestin", "West Bank", "Gaza", "Somalia"]
MAGHREB = ARAB[:5]
PERSIAN = ["Iran", "Afghanistan", "Pakistan"]
_ARAB_RE = re.compile(r"(?:nationality|POB)[^;]*?(%s)" % "|".join(ARAB + PERSIAN))
_DOB_RE = re.compile(r"DOB (?:circa )?(\d{2} [A-Z][a-z]{2} \d{4}|[A-Z][a-z]{2} \d{4}|\d{4})")
_MONTHS = {m: i + 1 for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def _ofac_dob(remarks):
    m = _DOB_RE.search(remarks)
    if not m:
        return None
    p = m.group(1).split()
    if len(p) == 3:
        return "%s-%02d-%s" % (p[2], _MONTHS.get(p[1], 1), p[0])
    if len(p) == 2:
        return "%s-%02d" % (p[1], _MONTHS.get(p[0], 1))
    return p[0]


def ofac_people(year):
    """OFAC SDN individuals: [{name, aliases, dob, region}] in file order.
    region: 'maghreb', 'arab', 'persian' or None, from POB/nationality."""
    base = path("ofac_sdn_%d" % year)
    aliases = {}
    with open(os.path.join(base, "alt.csv"), encoding="latin-1") as f:
        for row in csv.reader(f):
            if len(row) >= 4 and row[2] in ("aka", "fka", "nka"):
                aliases.setdefault(row[0], []).append(row[3].strip())
    out = []
    with open(os.path.join(base, "sdn.csv"), encoding="latin-1") as f:
        for row in csv.reader(f):
            if len(row) < 12 or row[2] != "individual":
                continue
            rem = row[11]
            m = _ARAB_RE.search(rem)
            region = None
            if m:
                c = m.group(1)
                region = ("maghreb" if c in MAGHREB else
                          "persian" if c in PERSIAN else "arab")
            out.append({"id": row[0], "name": row[1].strip(),
                        "aliases": aliases.get(row[0], []),
                        "dob": _ofac_dob(rem), "region": region})
    return out


def un_people():
    """UN consolidated list individuals: [{parts, original, aliases, dob,
    nationality}] in file order."""
    root = ET.parse(path("un_sc_consolidated",
                         "consolidated_2026-02-27.xml")).getroot()
    out = []
    for ind in root.find("INDIVIDUALS"):
        parts = [(ind.findtext(t) or "").strip() for t in
                 ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
        parts = [p for p in parts if p]
        orig = (ind.findtext("NAME_ORIGINAL_SCRIPT") or "").strip()
        al = [(a.findtext("ALIAS_NAME") or "").strip()
              for a in ind.findall("INDIVIDUAL_ALIAS")
              if (a.findtext("QUALITY") or "") == "Good"]
        dob = None
        for d in ind.findall("INDIVIDUAL_DATE_OF_BIRTH"):
            dob = (d.findtext("DATE") or d.findtext("YEAR") or "").strip()[:10]
            if dob:
                break
        nat = (ind.findtext("NATIONALITY/VALUE") or "").strip()
        out.append({"id": ind.findtext("REFERENCE_NUMBER") or "",
                    "parts": parts, "original": orig,
                    "aliases": [a for a in al if a], "dob": dob or None,
                    "nationality": nat})
    return out


def surname_of(ofac_name):
    """'AL-TIKRITI, Saddam Hussein' -> 'AL-TIKRITI' (None when no comma)."""
    if "," not in ofac_name:
        return None
    s = ofac_name.split(",")[0].strip()
    return s if latin_ok(s) and len(s) > 2 else None


def given_of(ofac_name):
    if "," not in ofac_name:
        return []
    g = ofac_name.split(",", 1)[1].strip()
    return [t for t in g.split() if latin_ok(t) and len(t) > 2
            and not t.endswith(".")]


# ------------------------------------------------------------ Arabic script

def arabic_dictionary(un):
    """Latin name token (ASCII lower case) -> Arabic script.

    From, in order of trust: UN list names aligned with their original
    script (same number of parts), the CC0 localized forenames of Arab
    countries, the Wikidata-mined token pairs (most frequent Arabic form)
    and Google's ar2en word pairs."""
    d = {}

    def put(lat, ar, force=False):
        k = ascii_fold(lat).lower().strip()
        if not k or not ar or not k.replace("-", "").replace("'", "").isalpha():
            return
        if force or k not in d:
            d[k] = ar
    for p in un:
        o = p["original"].split()
        if o and len(o) == len(p["parts"]) and \
                all("\u0600" <= c <= "\u06ff" for t in o for c in t):
            for lat, ar in zip(p["parts"], o):
                if " " not in lat:
                    put(lat, ar)
    for iso2 in ("MA", "DZ", "TN", "LY", "EG", "IQ", "JO", "LB", "SA", "SY"):
        for rom, loc, _ in cc0_forenames(iso2):
            if loc and all("\u0600" <= c <= "\u06ff" for c in loc.replace(" ", "")):
                put(rom, loc)
    best = {}
    with open(path("translit_wikidata_ar_en",
                   "wd_arabic.normalized.aligned.tokens"), encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != 3:
                continue
            lat, ar, n = p[0], p[1].replace(" ", ""), int(p[2] or 0)
            if lat not in best or n > best[lat][1]:
                best[lat] = (ar, n)
    for lat in best:
        put(lat, best[lat][0])
    with open(path("translit_google_ar2en", "ar2en.txt"), encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) == 2:
                put(p[1], p[0])
    return d
