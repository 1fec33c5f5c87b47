"""jw.py: the brute-force Jaro-Winkler peer.

Every query is compared with every indexed name by
jellyfish.jaro_winkler_similarity (Debian python3-jellyfish, C-backed); a
record scores the best of its names; the 10 best records are returned.
Both sides are normalised alike: lower case, diacritics stripped,
punctuation and MRZ fillers ('<') to single spaces.  No index, no
candidate generation: the cost is linear in the number of names.

Debian's jellyfish 0.8.9 parses its arguments with the 'u' format, which
Python 3.11 flags with a DeprecationWarning on every call; the warning is
filtered out, but its check still costs about half of each call.  That is
the peer as packaged; the report says so.
"""
import heapq
import multiprocessing
import signal
import time
import unicodedata
import warnings
from itertools import repeat

warnings.simplefilter("ignore", DeprecationWarning)
import jellyfish  # noqa: E402

JW = jellyfish.jaro_winkler_similarity
_STATE = {}


def norm(s):
    s = unicodedata.normalize("NFKD", s.lower())
    s = "".join(c if c.isalnum() else " " for c in s
                if not unicodedata.combining(c))
    return " ".join(s.split())


class Index:
    def __init__(self, rows):
        """rows: iterable of (record id, name)."""
        self.names, self.rec, self.rids = [], [], []
        pos = {}
        for rid, name in rows:
            if rid not in pos:
                pos[rid] = len(self.rids)
                self.rids.append(rid)
            self.names.append(norm(name))
            self.rec.append(pos[rid])

    def search(self, name, limit=10):
        q = norm(name)
        n = len(self.names)
        s = list(map(JW, repeat(q, n), self.names))
        k = 4 * limit
        while True:
            top = heapq.nlargest(k, range(n), key=s.__getitem__)
            out, seen = [], set()
            for i in top:
                r = self.rec[i]
                if r not in seen:
                    seen.add(r)
                    out.append((self.rids[r], s[i]))
                    if len(out) == limit:
                        return out
            if k >= n:
                return out
            k *= 4


def read_rows(path):
    """names-N.tsv: record id TAB name (COPY text escaping of '\\')."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            rid, name = line.rstrip("\n").split("\t", 1)
            yield rid, name.replace("\\\\", "\\")


def timed(index, queries, budget_s=None):
    """[(qid, name)] -> [(qid, hits, lat_us)] on this process, stopping
    after budget_s seconds."""
    out, start = [], time.perf_counter()
    for qid, name in queries:
        t = time.perf_counter_ns()
        hits = index.search(name)
        out.append((qid, hits, (time.perf_counter_ns() - t) / 1e3))
        if budget_s and time.perf_counter() - start > budget_s:
            break
    return out


def _init():
    # Workers leave signals to the parent, which closes the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _work(chunk):
    idx = _STATE["index"]
    return [(qid, idx.search(name)) for qid, name in chunk]


def parallel(index, queries, procs):
    """All queries on procs processes (fork: the index is shared
    copy-on-write).  Returns [(qid, hits)] in input order."""
    _STATE["index"] = index
    chunks = [queries[i:i + 64] for i in range(0, len(queries), 64)]
    ctx = multiprocessing.get_context("fork")
    pool = ctx.Pool(procs, initializer=_init)
    try:
        out = []
        for part in pool.imap(_work, chunks):
            out.extend(part)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        _STATE.clear()
    return out
