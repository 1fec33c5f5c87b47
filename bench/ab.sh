#!/bin/sh
# bench/ab.sh: two builds of the engine side by side, for changes of a few
# per cent that the machine's noise would hide from two separate runs.
#
#   bench/ab.sh [--size N] [--rounds R] [--loops L] A_ENGINE_BENCH B_ENGINE_BENCH
#
# Runs both engine_bench binaries at the same time, each on its own core,
# on the same watchlist and query stream (bench/cache, made by bench/run),
# then again with the cores swapped, R rounds in all (default 2): both
# see the same load from the rest of the machine, and the core each got
# counts for both.  Prints each round's p50 and mean and B/A, and checks
# that both gave the same hits (a speed change must not change answers:
# say so with --answers-may-differ when that is the point).
#
# Example:
#   git stash; make -j2 B=/tmp/ba build/...; git stash pop
#   make -j2 B=/tmp/ba /tmp/ba/bench/engine_bench && make build/bench/engine_bench
#   bench/ab.sh /tmp/ba/bench/engine_bench build/bench/engine_bench
set -eu

size=1000000
rounds=2
loops=4
same=1
while [ $# -gt 2 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --loops) loops=$2; shift 2 ;;
    --answers-may-differ) same=0; shift ;;
    *) echo "ab.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 2 ] || { sed -n '4,5p' "$0" >&2; exit 2; }
a=$1
b=$2
here=$(cd "$(dirname "$0")" && pwd)
# The newest generated data with this size's watchlist and its stream of
# 10,000 queries (bench/run's default).
gen=$(ls -dt "$here"/cache/gen-*/ 2>/dev/null |
      while read -r d; do
        [ -f "$d/watchlist-$size.jsonl" ] &&
          [ -f "$d/queries-$size-10000.jsonl" ] && { echo "$d"; break; }
      done)
[ -n "$gen" ] || { echo "ab.sh: no generated $size-record data in" \
  "bench/cache (run: bench/run --sizes $size --parts liaison)" >&2; exit 1; }
wl="$gen/watchlist-$size.jsonl"
q="$gen/queries-$size-10000.jsonl"
ncpu=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "ab.sh: $(basename "$wl"), $(basename "$q"), $loops loops, $rounds rounds"
r=1
while [ $r -le "$rounds" ]; do
  ca=$(( (r - 1) % 2 % ncpu ))
  cb=$(( r % 2 % ncpu ))
  taskset -c $ca "$a" --watchlist "$wl" --queries "$q" --threads 1 \
    --loops "$loops" --hits "$tmp/a.jsonl" --out "$tmp/a.json" >/dev/null &
  pa=$!
  taskset -c $cb "$b" --watchlist "$wl" --queries "$q" --threads 1 \
    --loops "$loops" --hits "$tmp/b.jsonl" --out "$tmp/b.json" >/dev/null &
  pb=$!
  wait $pa
  wait $pb
  python3 - "$tmp" "$r" "$same" <<'EOF'
import json, sys
tmp, rnd, same = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
a = json.load(open(tmp + "/a.json"))["single"]["all"]
b = json.load(open(tmp + "/b.json"))["single"]["all"]
print("round %s: A p50 %.1f us mean %.1f | B p50 %.1f us mean %.1f | "
      "B/A p50 %.3f mean %.3f" % (rnd, a["p50_us"], a["mean_us"], b["p50_us"],
                                  b["mean_us"], b["p50_us"] / a["p50_us"],
                                  b["mean_us"] / a["mean_us"]))
def hits(path):
    return [[(h["id"], round(h["score"], 6)) for h in json.loads(l)["hits"]]
            for l in open(path)]
ha, hb = hits(tmp + "/a.jsonl"), hits(tmp + "/b.jsonl")
diff = sum(1 for x, y in zip(ha, hb) if x != y) + abs(len(ha) - len(hb))
if diff:
    print("  answers differ for %d of %d queries" % (diff, len(ha)))
    if same:
        sys.exit(1)
EOF
  r=$((r + 1))
done
