"""variants.py: how a name is written, and how it drifts between the list
and the border.

A name is held as parts: (given, middle, family), three lists of strings.
render() writes it in one of the styles lists and officers use; the
variation functions return the name as a traveller's query would carry it:
another transliteration, swapped order, a typo, a dropped middle name, a
joined or split particle, Arabic script, or MRZ upper case.
"""
import unicodedata

import sources as S

# Latin transliteration drift seen between French-, English- and
# Turkish-style romanisations of the same Arabic or Turkish name
# (Youssef/Yusuf, Djamel/Jamal, Chérif/Sherif, Hussein/Husayn, Oualid/Walid).
RULES = [("ou", "u"), ("u", "ou"), ("oo", "u"), ("y", "i"), ("i", "y"),
         ("e", "a"), ("a", "e"), ("e", "i"), ("i", "e"), ("o", "u"), ("u", "o"),
         ("dj", "j"), ("j", "dj"), ("ch", "sh"), ("sh", "ch"), ("kh", "h"),
         ("q", "k"), ("k", "q"), ("gh", "g"), ("th", "t"), ("dh", "d"),
         ("ei", "ay"), ("ay", "ei"), ("ai", "ay"), ("ph", "f"), ("ss", "s"),
         ("mm", "m"), ("ll", "l"), ("dd", "d"), ("tt", "t"), ("ie", "i"),
         ("ia", "ya"), ("ya", "ia"), ("^w", "ou"), ("^ou", "w"), ("z", "s"),
         ("ah", "a"), ("ee", "i"), ("aa", "a")]
DOUBLE = "bdfklmnrst"
TURKISH = [("ş", ("s", "sh")), ("ç", ("c", "ch")), ("ğ", ("g",)),
           ("ı", ("i",)), ("ö", ("o", "oe")), ("ü", ("u", "ue")), ("â", ("a",)),
           ("Ş", ("S", "Sh")), ("Ç", ("C", "Ch")), ("İ", ("I",)), ("Ö", ("O",)),
           ("Ü", ("U",))]
ARABIC_PARTICLES = {"ben": "بن", "bin": "بن", "ibn": "ابن", "bou": "بو",
                    "abu": "أبو", "abou": "أبو", "ould": "ولد", "ait": "آيت",
                    "abd": "عبد", "abdel": "عبد ال", "abdul": "عبد ال",
                    "abdoul": "عبد ال", "al": "ال", "el": "ال"}
KEYS = "qwertyuiopasdfghjklzxcvbnm"


def cap(s):
    return s[:1].upper() + s[1:]


def upper(s, culture):
    if culture == "turkish":
        s = s.replace("i", "İ").replace("ı", "I")
    return s.upper()


def words(parts):
    g, m, f = parts
    return [w for p in g + m + f for w in p.split()]


# ---------------------------------------------------------------- render

def render(parts, style, culture="other"):
    """Styles: gF 'Given Middle FAMILY', gf 'Given Middle Family',
    F,g 'FAMILY, Given Middle' (OFAC), Fg 'FAMILY GIVEN MIDDLE',
    GF 'GIVEN MIDDLE FAMILY'."""
    g, m, f = parts
    given = " ".join(g + m)
    fam = " ".join(f)
    if style == "gF":
        return (given + " " + upper(fam, culture)).strip()
    if style == "gf":
        return (given + " " + fam).strip()
    if style == "F,g":
        return upper(fam, culture) + (", " + given if given else "")
    if style == "Fg":
        return upper((fam + " " + given).strip(), culture)
    return upper((given + " " + fam).strip(), culture)


def mrz(parts, raw=True):
    """ICAO 9303 style: ASCII upper case, FAMILY<<GIVEN<MIDDLE (raw) or the
    same with spaces, as a document reader front-end would pass it."""
    def a(s):
        s = S.ascii_fold(s).upper().replace("'", "")
        return "".join(c if "A" <= c <= "Z" else "<" for c in s)
    g, m, f = parts
    fam = "<".join(a(x) for x in f)
    giv = "<".join(a(x) for x in g + m)
    if raw:
        return (fam + "<<" + giv)[:39].rstrip("<")
    return (fam.replace("<", " ") + " " + giv.replace("<", " ")).strip()


def arabic(parts, dic):
    """The name in Arabic script, given names first, or None when a word
    has no known Arabic form."""
    out, article = [], False
    for w in words(parts):
        k = S.ascii_fold(w).lower().strip("'")
        if k[:3] in ("al-", "el-"):
            article, k = True, k[3:]
        if k in ("al", "el"):
            article = True
            continue
        if k in ("abdel", "abdul", "abdoul"):
            out.append("عبد")
            article = True
            continue
        ar = ARABIC_PARTICLES.get(k) or dic.get(k.replace("-", ""))
        if ar is None:
            for p, pa in (("ben", "بن "), ("bel", "بل"), ("bou", "بو"),
                          ("abdel", "عبد ال"), ("abdul", "عبد ال"),
                          ("el", "ال"), ("al", "ال")):
                if k.startswith(p) and dic.get(k[len(p):]):
                    ar = pa + dic[k[len(p):]]
                    break
        if ar is None:
            return None
        if article and not ar.startswith("ال"):
            ar = "ال" + ar
        article = False
        out.append(ar)
    return " ".join(out) if out else None


# ---------------------------------------------------------------- drift

def _map_tokens(parts, fn, rng, n):
    """Apply fn to n randomly chosen words (of length >= 3)."""
    g, m, f = [list(x) for x in parts]
    slots = [(i, j) for i, lst in enumerate((g, m, f)) for j in range(len(lst))
             if len(lst[j]) >= 3]
    lists = (g, m, f)
    for _ in range(n):
        if not slots:
            break
        i, j = slots[int(rng.random() * len(slots))]
        lists[i][j] = fn(lists[i][j], rng)
    return (g, m, f)


def _translit_word(w, rng):
    if w[:3].lower() in ("al-", "el-"):
        return w[:3] + _translit_word(w[3:], rng) if len(w) > 5 else w
    low = w.lower()
    if any(c in w for c, _ in TURKISH):
        for c, subs in TURKISH:
            w = w.replace(c, subs[int(rng.random() * len(subs))])
        return w
    fold = S.ascii_fold(w)
    if fold != w and rng.random() < 0.7:
        return fold
    opts = [(a, b) for a, b in RULES
            if (low.startswith(a[1:]) if a[0] == "^" else a in low[1:])]
    if rng.random() < 0.2:
        opts += [("dbl", c) for c in DOUBLE if c in low[1:-1]]
    if not opts:
        return w
    # Consonant and cluster rules (dj/j, ch/sh, ou/u, kh/h) are the usual
    # drift; single-vowel swaps (e/a, i/e) only a third as often.
    wts = [1 if len(a) == 1 and a in "aeiouy" else 3 for a, _ in opts]
    t = rng.random() * sum(wts)
    for (a, b), wt in zip(opts, wts):
        t -= wt
        if t < 0:
            break
    if a == "dbl":
        k = low.index(b, 1)
        if low[k:k + 2] == b + b:
            new = low[:k] + low[k + 1:]
        else:
            new = low[:k] + b + low[k:]
    elif a[0] == "^":
        new = b + low[len(a) - 1:]
    else:
        starts = [k for k in range(1, len(low)) if low.startswith(a, k)]
        k = starts[int(rng.random() * len(starts))]
        new = low[:k] + b + low[k + len(a):]
    if w.isupper():
        return new.upper()
    return cap(new) if w[:1].isupper() else new


def translit(parts, rng):
    return _map_tokens(parts, _translit_word, rng, 2 if rng.random() < 0.35 else 1)


def _typo_word(w, rng):
    if len(w) < 4:
        return w
    k = 1 + int(rng.random() * (len(w) - 1))
    r = rng.random()
    up = w.isupper()
    c = KEYS[int(rng.random() * len(KEYS))]
    c = c.upper() if up else c
    if r < 0.3:
        return w[:k] + w[k + 1:]
    if r < 0.55:
        return w[:k] + c + w[k:]
    if r < 0.8:
        return w[:k] + c + w[k + 1:]
    if k + 1 < len(w):
        return w[:k] + w[k + 1] + w[k] + w[k + 2:]
    return w[:k - 1] + w[k] + w[k - 1]


def typo(parts, rng):
    return _map_tokens(parts, _typo_word, rng, 1)


def drop_middle(parts, rng):
    """Drop middle names, or the second of two given names; None if none."""
    g, m, f = parts
    if m:
        return (g, m[:0] if rng.random() < 0.7 else m[:1], f)
    if len(g) > 1:
        return (g[:1], m, f)
    if len(f) > 2:
        return (g, m, f[-1:])
    return None


def particle(parts, rng):
    """Join or split name particles: Ben Ali/Benali, El Amrani/Elamrani,
    al-Tikriti/Al Tikriti/Tikriti, Abdel Kader/Abdelkader; None if none."""
    g, m, f = [list(x) for x in parts]
    for lst in (f, g, m):
        for j, w in enumerate(lst):
            low = w.lower()
            if j + 1 < len(lst) and low in ("ben", "el", "al", "bou", "abu",
                                              "abou", "ould", "ait", "abd",
                                              "abdel", "abdul"):
                nxt = lst[j + 1]
                lst[j:j + 2] = [w + nxt.lower()] if rng.random() < 0.6 else \
                    [w + "-" + nxt]
                return (g, m, f)
            for p in ("al-", "el-"):
                if low.startswith(p):
                    r = rng.random()
                    lst[j] = (w[:2] + " " + w[3:] if r < 0.4 else
                              w[3:] if r < 0.8 else w[:2] + w[3:].lower())
                    return (g, m, f)
            for p in ("ben", "bel", "bou", "abdel", "abdul", "abd", "el", "al"):
                if low.startswith(p) and len(low) > len(p) + 3 and \
                        low not in ("bella", "belle", "bouchra"):
                    lst[j] = cap(w[:len(p)].lower()) + " " + cap(w[len(p):].lower())
                    return (g, m, f)
    return None


def swap(parts, rng):
    """Family name first, given names last (as read from a document)."""
    g, m, f = parts
    return (f, [], g + m)
