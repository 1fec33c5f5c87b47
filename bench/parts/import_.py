"""import: `liaison init` + `liaison import` of the watchlist into a fresh
SQLite store (records per second), then the time `liaison screen` takes
to load the engine from that store and answer one query (process start,
store read, index build: what a restart costs).
"""
import os
import time

NAME = "import"
SCOPE = "size"
ORDER = 20
DESC = "CLI import throughput into SQLite (records/s) and engine load time from the store"


def run(ctx, size):
    d = ctx.data(size)
    db = os.path.join(ctx.tmp, "store-%d.db" % size)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    ctx.log("import: %d records into SQLite" % size)
    ctx.run([ctx.liaison, "init", "--db", db], "liaison init")
    _, dt = ctx.run([ctx.liaison, "import", "--db", db, d["watchlist"]],
                    "liaison import")
    size_b = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    t = time.perf_counter()
    ctx.run([ctx.liaison, "screen", "--db", db, "--name", "Zzyzx Qwertyuiop"],
            "liaison screen (store load)", ok=(0, 1))
    load = time.perf_counter() - t
    r = {"import_s": round(dt, 3), "records_per_s": round(size / dt, 1),
         "store_bytes": size_b, "store_load_s": round(load, 3)}
    ctx.log("  import %.1fs (%.0f records/s), engine load from store %.2fs" % (
        dt, size / dt, load))
    return r
