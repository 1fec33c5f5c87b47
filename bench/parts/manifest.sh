#!/bin/sh
# bench-scope: size
# bench-desc: PAXLST manifests: as many travellers as records, against the list on all cores; document lookups/s (issue 4)
#
# Issue 4: "1M synthetic travellers screened against the 1M-record
# watchlist on 2 cores in <= 60 s, and 10M document lookups per second on
# one core".  Travellers are a query stream of the generator (as many as
# the list has records, at most a million; mostly no-hit, as at a real
# border) turned into one PAXLST file per flight of 250 passengers
# (bench/gen/paxlst.py).  bench/manifest_bench.c parses them as
# `liaison screen --format paxlst` does and screens every traveller on
# $BENCH_THREADS threads; then times document lookups on one thread over a
# million distinct numbers against a million reported documents.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
N=$BENCH_SIZE
[ "$N" -gt 1000000 ] && N=1000000
CACHE=$(dirname "$BENCH_WATCHLIST")
python3 "$HERE/gen/gen.py" --records "$BENCH_SIZE" --queries "$N" \
  --seed "$BENCH_SEED" --out "$CACHE" >&2
MAN="$BENCH_TMP/manifests"
python3 "$HERE/gen/paxlst.py" "$CACHE/queries-$BENCH_SIZE-$N.jsonl" \
  --out "$MAN" --per-flight 250 >&2
exec "$BENCH_BUILD/bench/manifest_bench" --watchlist "$BENCH_WATCHLIST" \
  --manifests "$MAN" --threads "$BENCH_THREADS" --docs 1000000 \
  --lookups 10000000 --out "$BENCH_OUT"
