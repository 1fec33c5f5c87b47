"""http: the HTTP API under load (wrk), owned by the server engineer.

This part only calls bench/http/run.sh when it exists, with the hook
contract of bench/lib/hooks.py (BENCH_DB, BENCH_INPROC for the side-by-side
in-process figure, BENCH_OUT for its JSON).  Issue 5 asks for it on the
100k-record list; the script decides which sizes it measures (exit 77 to
skip one).
"""
import os

import common as C
import hooks

NAME = "http"
SCOPE = "size"
ORDER = 70
DESC = "HTTP API with wrk (bench/http/run.sh, when present)"


def run(ctx, size):
    script = os.path.join(ctx.bench, "http", "run.sh")
    if not os.path.exists(script):
        raise C.PartSkipped("bench/http/run.sh is not there yet")
    ctx.log("http: bench/http/run.sh at %d records" % size)
    return hooks.run(ctx, size, NAME, script)
