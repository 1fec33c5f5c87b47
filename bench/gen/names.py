"""names.py: the name model of the benchmark generator.

A Person has a culture, given names, middle names (patronymics, second
given names) and family-name tokens, drawn from the pools built in
sources.py.  Cultures and how their names are built:

  maghreb  MAR/DZA/TUN/MRT.  Given names from the national top-forename
           lists (Zipf by rank; compound given names "Mohamed Amine").
           Family: a real surname of a Maghreb/Arab person on the OFAC or
           UN list, or a particle form built on a real given name:
           Ben/Bel/Bou + name (Benali, Ben Ali, Belkacem, Boubaker),
           El + nisba (El Idrissi, Elamrani), Ait + name, Ould + name.
  arab     EGY/IRQ/SYR/JOR/LBN/PSE/SAU/YEM/SDN/OMN.  Given + father's name
           (+ grandfather's), then often an al- family name or nisba from
           the real lists; Abd- compounds come from the given-name lists.
  turkish  TUR.  Turkish given names (CC0 ranks, faker tr, the Turkish
           given-name list), Turkish letters kept; faker tr surnames.
  persian  IRN/AFG/PAK.  National top lists and faker fa/ur; surnames from
           faker fa/ur and OFAC persons born in those countries.
  french   FRA/BEL/CHE.  National top list and faker fr/fr_BE/fr_CH,
           hyphenated compounds (Jean-Pierre), surnames with particles.
  other    faker de/en/es/it/nl/ru/he/az with the country's top list when
           there is one; Russian patronymics as middle names.
"""
import bisect
import itertools

import sources as S

PARTICLES = ("al", "el", "ben", "bin", "ibn", "abu", "abou", "bou", "ould",
             "ait", "de", "du", "la", "le", "van", "der", "von", "da", "di")


class Zipf:
    """Draw from a list ranked by popularity: P(rank r) ~ 1 / (r + k)^s."""

    def __init__(self, items, s=1.0, k=2.0):
        self.items = list(items)
        self.cum = list(itertools.accumulate(
            1.0 / ((r + k) ** s) for r in range(len(self.items))))

    def __call__(self, rng):
        return self.items[bisect.bisect_left(self.cum, rng.random() * self.cum[-1])]


class Uniform:
    def __init__(self, items):
        self.items = list(items)

    def __call__(self, rng):
        return self.items[int(rng.random() * len(self.items))]


class Mix:
    """Pick one of several samplers with fixed weights."""

    def __init__(self, parts):
        self.parts = [p for p in parts if p[1].items]
        self.cum = list(itertools.accumulate(w for w, _ in self.parts))

    def __call__(self, rng):
        i = bisect.bisect_left(self.cum, rng.random() * self.cum[-1])
        return self.parts[i][1](rng)


def pick(rng, weighted):
    """weighted: [(weight, value)] -> value."""
    t = rng.random() * sum(w for w, _ in weighted)
    for w, v in weighted:
        t -= w
        if t < 0:
            return v
    return weighted[-1][1]


def single(names):
    """Keep one-word names (stems for Ben-/Bou- forms, fathers' names)."""
    return [n for n in names if " " not in n and "-" not in n and len(n) > 2]


def latin(names):
    return [n for n in names if S.latin_ok(n)]


def nisba(stem):
    s = stem.lower()
    if s.endswith(("i", "y")):
        return stem
    if s.endswith(("a", "e", "o")):
        return stem[:-1] + "i"
    return stem + "i"


class Person:
    __slots__ = ("culture", "nat", "gender", "given", "middle", "family",
                 "dob", "orig")

    def __init__(self, culture, nat, gender, given, middle, family):
        self.culture, self.nat, self.gender = culture, nat, gender
        self.given, self.middle, self.family = given, middle, family
        self.dob = None
        self.orig = None        # the name in its original script, if known

    def tokens(self):
        return self.given + self.middle + self.family


class Model:
    """All pools, loaded once.  build() draws a Person of a culture."""

    def __init__(self):
        ofac = S.ofac_people(2021)
        seen = {p["id"] for p in ofac}
        ofac += [p for p in S.ofac_people(2019) if p["id"] not in seen]
        self.ofac, self.un = ofac, S.un_people()
        self.arabic = S.arabic_dictionary(self.un)
        fem = set()
        for loc in ("ar", "tr", "fr", "fa", "de", "en", "es", "it", "nl", "ru",
                    "he", "az", "ur", "fr_BE", "fr_CH"):
            fem.update(S.faker(loc, "first", "female"))
        male_only = set()
        for loc in ("tr", "fr", "fa", "de", "en", "es", "it", "nl", "ru", "he"):
            male_only.update(S.faker(loc, "first", "male"))
        tr_m, tr_f = S.turkish_given()
        fem.update(tr_f)
        male_only.update(tr_m)
        for iso2 in S.cc0_all_countries():
            for rom, _, g in S.cc0_forenames(iso2):
                (fem if g == "F" else male_only).add(rom)
        self.female = fem - male_only

        def arab_surnames(regions):
            out = [S.surname_of(p["name"]) for p in ofac if p["region"] in regions]
            nats = (S.PERSIAN if "persian" in regions else
                    S.MAGHREB if regions == ("maghreb",) else S.ARAB)
            out += [p["parts"][-1] for p in self.un
                    if len(p["parts"]) > 1 and " " not in p["parts"][-1] and
                    any(c in p["nationality"] for c in nats)]
            return S.uniq(n.title() if n.isupper() else n for n in out if n)

        # ---- maghreb
        mg = {c: Zipf(S.top_forenames(c)) for c in
              ("morocco", "algeria", "tunisia", "mauritania")}
        self.mg_given = {"MAR": mg["morocco"], "DZA": mg["algeria"],
                         "TUN": mg["tunisia"], "MRT": mg["mauritania"]}
        stems = single(S.top_forenames("morocco")[:300] +
                       S.top_forenames("algeria")[:300] +
                       S.top_forenames("tunisia")[:300])
        self.mg_stem = Zipf(S.uniq(s for s in stems if s not in self.female), k=5)
        self.mg_sur = Uniform(arab_surnames(("maghreb",)) +
                              arab_surnames(("arab",))[:400])
        # ---- arab (Middle East)
        self.ar_given = {}
        for nat, c in (("EGY", "egypt"), ("IRQ", "iraq"), ("JOR", "jordan"),
                       ("LBN", "lebanon"), ("PSE", "palestine"), ("OMN", "oman"),
                       ("SDN", "sudan"), ("SAU", "oman"), ("YEM", "oman"),
                       ("SYR", "lebanon")):
            self.ar_given[nat] = Zipf(S.top_forenames(c))
        self.ar_father = Zipf(S.uniq(n for n in single(
            S.top_forenames("egypt")[:200] + S.top_forenames("iraq")[:200] +
            S.top_forenames("jordan")[:200]) if n not in self.female), k=4)
        self.ar_sur = Uniform(arab_surnames(("arab",)))
        # ---- turkish
        self.tr_given = Mix([
            (35, Zipf([r for r, _, g in S.cc0_forenames("TR")])),
            (40, Uniform(S.faker("tr", "first"))),
            (25, Uniform(tr_m + tr_f))])
        # Many Turkish surnames are given names or words, some with -oğlu.
        tr_words = S.uniq(latin(tr_m + tr_f + S.faker("tr", "first")))
        self.tr_sur = Mix([(55, Uniform(S.faker("tr", "last"))),
                           (10, Zipf(S.cc0_surnames("TR"))),
                           (25, Uniform(tr_words)),
                           (10, Uniform([w + "oğlu" for w in tr_m if " " not in w]))])
        # ---- persian
        self.fa_given = {"IRN": Zipf(S.top_forenames("iran")),
                         "AFG": Zipf(S.top_forenames("afghanistan")),
                         "PAK": Zipf(S.top_forenames("pakistan"))}
        self.fa_sur = Uniform(arab_surnames(("persian",)))
        # ---- french
        fr_first = S.faker("fr", "first") + S.faker("fr_BE", "first") + \
            S.faker("fr_CH", "first")
        self.fr_given = Mix([(60, Zipf(S.top_forenames("france"))),
                             (40, Uniform(S.uniq(fr_first)))])
        self.fr_male = Zipf(single(n for n in S.top_forenames("france")
                                   if n not in self.female))
        # French surnames, with a tail of Italian, Spanish and German ones
        # (common in France and Belgium).
        self.fr_sur = Mix([(40, Uniform(S.faker("fr", "last"))),
                           (20, Uniform(S.faker("fr_BE", "last"))),
                           (12, Uniform(S.faker("fr_CH", "last"))),
                           (10, Zipf(S.cc0_surnames("FR"))),
                           (18, Uniform(S.uniq(latin(S.faker("it", "last") +
                                                     S.faker("es", "last") +
                                                     S.faker("de", "last")))))])
        # ---- other: faker locales with Latin names, then countries with
        # romanized CC0 surnames (and their top forenames when listed)
        self.other = []
        for loc, nat, top in (("de", "DEU", "germany"), ("en", "GBR", "england"),
                              ("en", "USA", "united-states"), ("es", "ESP", "spain"),
                              ("it", "ITA", "italy"), ("nl", "NLD", "netherlands"),
                              ("az", "AZE", None)):
            given = Mix([(50, Zipf(latin(S.top_forenames(top) if top else []))),
                         (50, Uniform(latin(S.faker(loc, "first"))))])
            mid = latin(S.faker(loc, "middle"))
            self.other.append((2 if loc == "az" else 10, nat, given,
                               Uniform(latin(S.faker(loc, "last"))),
                               Uniform(mid) if mid else None))
        for iso2, nat, top in (("UA", "UKR", "ukraine"),
                               ("IL", "ISR", "israel"), ("AL", "ALB", "albania"),
                               ("GE", "GEO", "georgia"), ("RO", "ROU", None),
                               ("PL", "POL", None), ("RS", "SRB", None),
                               ("XK", "XKX", None), ("MX", "MEX", "mexico"),
                               ("BR", "BRA", "brazil"), ("PH", "PHL", "philippines"),
                               ("VN", "VNM", "vietnam"), ("CN", "CHN", None)):
            top_l = latin(S.top_forenames(top)) if top else []
            cc0 = latin(S.uniq(r for r, _, _ in S.cc0_forenames(iso2)))
            sur = latin(S.cc0_surnames(iso2))
            if sur and (top_l or cc0):
                self.other.append((2, nat, Zipf(top_l or cc0), Zipf(sur, k=3), None))
        self.other_w = Mix([(w, Uniform([i])) for i, (w, *_x) in enumerate(self.other)])
        # Russian: faker ru (Cyrillic), romanised; the Cyrillic is kept as
        # the "original" name.
        self.ru = {g: (Uniform(S.faker("ru", "first", g)), Uniform(S.faker("ru", "middle", g)),
                       Uniform(S.faker("ru", "last", g))) for g in ("male", "female")}
        # ---- native-script names for no-hit traffic (Arabic, Persian)
        self.script = {"arab": (Uniform(S.faker("ar", "first")),
                                Uniform(S.faker("ar", "last"))),
                       "persian": (Uniform(S.faker("fa", "first")),
                                   Uniform(S.faker("fa", "last")))}

    # ---------------------------------------------------------------- draw

    def _given(self, rng, sampler, gender, n=1):
        out = []
        for _ in range(n):
            for _try in range(8):
                g = sampler(rng)
                if (g in self.female) == (gender == "F") or _try == 7:
                    break
            if g not in out:
                out.append(g)
        return out

    def maghreb(self, rng, gender, nat=None):
        nat = nat or pick(rng, [(45, "MAR"), (35, "DZA"), (15, "TUN"), (5, "MRT")])
        given = self._given(rng, self.mg_given[nat], gender,
                            2 if rng.random() < 0.25 else 1)
        stem = self.mg_stem(rng)
        r = rng.random()
        if nat == "MRT" and r < 0.6:
            fam = ["Ould", stem]
        elif r < 0.35:
            fam = self.mg_sur(rng).split()
        elif r < 0.55:
            p = pick(rng, [(60, "Ben"), (25, "Bel"), (15, "Bou")])
            fam = [p + stem.lower()] if p != "Ben" or rng.random() < 0.6 \
                else ["Ben", stem]
        elif r < 0.80:
            n = nisba(stem)
            fam = pick(rng, [(50, ["El", n]), (20, ["El-" + n]),
                             (30, ["El" + n.lower()])])
        elif r < 0.92 and nat != "TUN":
            fam = ["Ait", stem]
        else:
            fam = [nisba(self.mg_stem(rng))]
        return Person("maghreb", nat, gender, given, [], fam)

    def arab(self, rng, gender, nat=None):
        nat = nat or pick(rng, [(20, "EGY"), (15, "IRQ"), (15, "SYR"), (8, "JOR"),
                                (8, "LBN"), (8, "PSE"), (10, "SAU"), (8, "YEM"),
                                (5, "SDN"), (3, "OMN")])
        given = self._given(rng, self.ar_given[nat], gender)
        middle = [self.ar_father(rng)]
        if rng.random() < 0.3:
            middle.append(self.ar_father(rng))
        r = rng.random()
        if r < 0.45:
            fam = self.ar_sur(rng).split()
        elif r < 0.70:
            n = nisba(self.ar_father(rng))
            fam = pick(rng, [(60, ["al-" + n]), (25, ["Al", n]), (15, ["El-" + n])])
        else:
            fam = [middle.pop()] if len(middle) > 1 else [self.ar_father(rng)]
        return Person("arab", nat, gender, given, middle, fam)

    def turkish(self, rng, gender, nat="TUR"):
        given = self._given(rng, self.tr_given, gender,
                            2 if rng.random() < 0.25 else 1)
        return Person("turkish", nat, gender, given, [], [self.tr_sur(rng)])

    def persian(self, rng, gender, nat=None):
        nat = nat or pick(rng, [(50, "IRN"), (25, "AFG"), (25, "PAK")])
        given = self._given(rng, self.fa_given[nat], gender,
                            2 if rng.random() < 0.2 else 1)
        return Person("persian", nat, gender, given, [], self.fa_sur(rng).split())

    def french(self, rng, gender, nat=None):
        nat = nat or pick(rng, [(80, "FRA"), (12, "BEL"), (8, "CHE")])
        if gender == "M" and rng.random() < 0.12:
            a, b = self.fr_male(rng), self.fr_male(rng)
            given = [a + "-" + b] if a != b else [a]
        else:
            given = self._given(rng, self.fr_given, gender,
                                2 if rng.random() < 0.15 else 1)
        fam = self.fr_sur(rng).split()
        if rng.random() < 0.05:
            fam = [fam[-1] + "-" + self.fr_sur(rng).split()[-1]]
        return Person("french", nat, gender, given, [], fam)

    def russian(self, rng, gender):
        first, mid, last = self.ru["female" if gender == "F" else "male"]
        cyr = [first(rng)] + ([mid(rng)] if rng.random() < 0.7 else []) + [last(rng)]
        lat = [S.cyrillic_to_latin(w) for w in cyr]
        p = Person("other", "RUS", gender, lat[:1], lat[1:-1], lat[-1:])
        p.orig = " ".join(cyr)
        return p

    def other_(self, rng, gender, nat=None):
        if rng.random() < 0.12:
            return self.russian(rng, gender)
        _w, nat, given_s, sur, mid = self.other[self.other_w(rng)]
        given = self._given(rng, given_s, gender)
        middle = [mid(rng)] if mid and rng.random() < 0.5 else []
        return Person("other", nat, gender, given, middle, sur(rng).split())

    def person(self, rng, mix, gender):
        """mix: [(weight, culture name)]."""
        c = pick(rng, mix)
        return getattr(self, "other_" if c == "other" else c)(rng, gender)
