#!/bin/sh
# run.sh: the HTTP benchmark of `liaison serve` (issue 5), self-contained.
# bench-desc: HTTP API under load: wrk on POST /v1/screen, keep-alive, next to the in-process figure
#
#   bench/http/run.sh [--records N] [--duration S] [--connections C]
#                     [--wrk-threads T] [--bodies mix|doc|both] [--sync normal|full]
#                     [--rate R] [--sweep C1,C2,..] [--soak SECONDS]
#                     [--out DIR] [--quick]
#
# 1. builds liaison (make B=$B, default build) and bench/http/inproc.c;
# 2. makes a deterministic watchlist of N records (default 100000) and a
#    query stream with the bench generator (bench/gen/gen.py: recombined
#    OFAC/UN/national names, 10% listed people with spelling variants), or
#    bench/http/gen.py when that is absent, and turns the queries into
#    POST /v1/screen bodies ("mix") plus document-number-only bodies ("doc":
#    exact lookups, where HTTP, authentication and audit dominate);
# 3. imports the list into a fresh store and adds an officer account;
# 4. measures the same bodies in-process: parsed by the server's parser and
#    screened with liaison_screen() in a loop on 2 threads (inproc.c);
# 5. starts `liaison serve` on 127.0.0.1:0 and runs wrk with keep-alive
#    against POST /v1/screen (bench/http/screen.lua) for each body set,
#    then bench/http/load.c offering a set load of R requests/s (default
#    20000) with latencies counted from when each request was due, so
#    that a server falling behind shows in them (wrk, closed-loop, leaves
#    out the requests it did not send while waiting);
# 5b. runs wrk on the "mix" bodies again with each connection count of
#    --sweep (default 16,32; at most 15 s each): past the count that
#    saturates the server, more connections only queue, and latency grows
#    with them (Little's law) while requests/s stays;
# 6. with --soak S, runs wrk S seconds more at full load on the "mix"
#    bodies, sampling the server's RSS every 10 s: errors and RSS
#    start/end/max;
# 7. stops the server with SIGTERM and verifies the audit chain.
#
# Under bench/run (the "http" part) it follows bench/lib/hooks.py: the
# store ($BENCH_DB, copied), the queries ($BENCH_QUERIES), the program
# ($BENCH_LIAISON) come from there, the figures go to $BENCH_OUT as JSON,
# and sizes other than 100000 are skipped (exit 77) unless BENCH_QUICK=1.
# Needs wrk (apt-get install -y wrk).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${B:-build}
records=100000
duration=30
conns=64
wthreads=2
bodies=both
sync=normal
soak=0
rate=20000
sweep=16,32
out=""
while [ $# -gt 0 ]; do
  case $1 in
    --records) records=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --wrk-threads) wthreads=$2; shift 2 ;;
    --bodies) bodies=$2; shift 2 ;;
    --sync) sync=$2; shift 2 ;;
    --soak) soak=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --sweep) sweep=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --quick) records=10000; duration=10; shift ;;
    -h|--help) sed -n '2,39p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "run.sh: $*" >&2; }
hook=0
if [ -n "${BENCH_OUT:-}" ]; then
  hook=1
  records=${BENCH_SIZE:-100000}
  if [ "${BENCH_QUICK:-0}" = 1 ]; then
    duration=10
  elif [ "$records" != 100000 ]; then
    echo "run.sh: the HTTP figures are measured on the 100k-record list" >&2
    exit 77
  fi
  out=$BENCH_TMP
fi
command -v wrk >/dev/null 2>&1 || {
  echo "run.sh: wrk is missing (apt-get install -y wrk, or tools/deps.sh bench)" >&2
  exit 2
}
[ -n "$out" ] || out=$(mktemp -d /tmp/liaison-bench-http-XXXXXX)
mkdir -p "$out"

# 1. build
if [ $hook = 1 ]; then
  L=$BENCH_LIAISON
  lib=$BENCH_BUILD/libliaison.a
else
  log "building ($B)"
  make -s -C "$root" B="$B" all >&2
  L="$root/$B/liaison"
  lib="$root/$B/libliaison.a"
fi
pkgs="libutf8proc icu-uc icu-i18n sqlite3 libpq jansson libxml-2.0 libmicrohttpd libcurl libsodium"
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -I"$root/include" -I"$root/src" \
  $(pkg-config --cflags $pkgs) "$here/inproc.c" "$lib" \
  $(pkg-config --libs $pkgs) -lpthread -lm -o "$out/inproc"
cc -std=c11 -O2 "$here/load.c" -lpthread -o "$out/load"

# 2. data and 3. store
db="$out/bench.db"
rm -f "$db" "$db-wal" "$db-shm"
if [ $hook = 1 ]; then
  queries=$BENCH_QUERIES
  watchlist=$BENCH_WATCHLIST
  cp "$BENCH_DB" "$db"
else
  if [ -f "$root/bench/gen/gen.py" ]; then
    log "generating $records records (bench/gen/gen.py)"
    python3 "$root/bench/gen/gen.py" --records "$records" --queries 2000 \
      --out "$out" >&2
    watchlist="$out/watchlist-$records.jsonl"
    queries="$out/queries-$records-2000.jsonl"
  else
    log "generating $records records (bench/http/gen.py)"
    python3 "$here/gen.py" --records "$records" --out "$out" \
      --data "$root/../shared/data" >&2
    watchlist="$out/list.jsonl"
    queries=""
  fi
  "$L" init --db "$db" --agency MA-DGSN 2>/dev/null
  log "importing"
  "$L" import --db "$db" "$watchlist" >&2
fi
python3 - "$out" "$queries" "$watchlist" <<'EOF'
import json, random, sys
out, queries, watchlist = sys.argv[1], sys.argv[2], sys.argv[3]
rng = random.Random(11)
purposes = ["border-check"] * 8 + ["visa-application", "investigation"]
if queries:
    with open(out + "/bodies.jsonl", "w") as f:
        for line in open(queries, encoding="utf-8"):
            q = json.loads(line)
            subj = {k: q[k] for k in ("name", "dob", "nationality", "gender")
                    if q.get(k)}
            if q.get("doc"):
                d = {"number": q["doc"]}
                if q.get("doc_country"):
                    d["country"] = q["doc_country"]
                subj["documents"] = [d]
            f.write(json.dumps({"purpose": rng.choice(purposes),
                                "subject": subj, "limit": 10},
                               ensure_ascii=False) + "\n")
docs = []
for line in open(watchlist, encoding="utf-8"):
    for d in json.loads(line).get("documents", []):
        if d.get("number"):
            docs.append(d)
with open(out + "/bodies_doc.jsonl", "w") as f:
    for i in range(2000):
        d = rng.choice(docs) if docs else {"number": "X", "country": "MAR"}
        num = d["number"] if rng.random() < 0.5 else "".join(
            rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) + "".join(
            rng.choice("0123456789") for _ in range(7))
        doc = {"number": num}
        if d.get("country"):
            doc["country"] = d["country"]
        f.write(json.dumps({"purpose": "border-check",
                            "subject": {"documents": [doc]}}) + "\n")
EOF
TOKEN=$("$L" user add --db "$db" --agency MA-DGSN --role officer bench 2>/dev/null)
export TOKEN

summary="$out/summary.txt"
json="$out/figures.txt"
: > "$summary"
: > "$json"
say() { echo "$*" | tee -a "$summary" >&2; }
put() { echo "$1=$2" >> "$json"; }
say "liaison HTTP benchmark: $records records, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
say "wrk -t$wthreads -c$conns -d${duration}s, keep-alive, POST /v1/screen; server --sync $sync"
put records "$records"
put connections "$conns"
put duration_s "$duration"
put sync "\"$sync\""

sets=""
case $bodies in
  mix) sets="mix" ;; doc) sets="doc" ;; both) sets="mix doc" ;;
  *) echo "run.sh: --bodies mix|doc|both" >&2; exit 2 ;;
esac

# 4. in-process
for set in $sets; do
  f="$out/bodies.jsonl"; [ "$set" = doc ] && f="$out/bodies_doc.jsonl"
  log "in-process ($set)"
  r=$("$out/inproc" --db "$db" --bodies "$f" --threads 2 \
      --seconds "$duration" 2>/dev/null)
  say "[$set] $(echo "$r" | head -1)"
  say "[$set] $(echo "$r" | tail -1)"
  put "inproc_${set}_qps" "$(echo "$r" | sed -n 's/.* \([0-9]*\) queries\/s.*/\1/p')"
  put "inproc_${set}_p50_ms" "$(echo "$r" | sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p')"
  put "inproc_${set}_p99_ms" "$(echo "$r" | sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p')"
done

# 5. the server
"$L" serve --db "$db" --listen 127.0.0.1:0 --sync "$sync" 2> "$out/serve.log" &
spid=$!
trap 'kill $spid 2>/dev/null || true' EXIT
i=0
until grep -q "listening on" "$out/serve.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 1200 ] && { cat "$out/serve.log" >&2; exit 1; }
  sleep 0.1
done
addr=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$out/serve.log")
log "server on $addr (pid $spid)"
wrk_figures() {         # $1 set name, $2 wrk output
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$2")
  lat=$(grep '^latency p50' "$2" || true)
  bad=$(sed -n 's/^non-200 responses: \([0-9]*\)/\1/p' "$2")
  sock=$(sed -n 's/^ *Socket errors: \(.*\)/\1/p' "$2")
  put "http_${1}_rps" "${rps:-0}"
  put "http_${1}_p50_ms" "$(echo "$lat" | sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p')"
  put "http_${1}_p99_ms" "$(echo "$lat" | sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p')"
  put "http_${1}_non200" "${bad:-0}"
  put "http_${1}_socket_errors" "\"${sock:-none}\""
}
for set in $sets; do
  f="$out/bodies.jsonl"; [ "$set" = doc ] && f="$out/bodies_doc.jsonl"
  BODIES=$f wrk -t"$wthreads" -c"$conns" -d5s -s "$here/screen.lua" \
    "http://$addr" > /dev/null 2>&1 || true     # warm-up
  BODIES=$f wrk -t"$wthreads" -c"$conns" -d"${duration}s" --latency \
    -s "$here/screen.lua" "http://$addr" > "$out/wrk-$set.txt" 2>&1
  wrk_figures "$set" "$out/wrk-$set.txt"
  say "[$set] HTTP: $rps requests/s, $lat; non-200: ${bad:-0}; socket errors: ${sock:-none}"
  r=$("$out/load" --addr "$addr" --bodies "$f" --connections "$conns" \
      --threads "$wthreads" --seconds "$duration" --rate "$rate" 2>&1 || true)
  say "[$set] set load of $rate requests/s: ${r#load: }"
  put "http_${set}_rate" "$rate"
  put "http_${set}_at_rate_rps" "$(echo "$r" | sed -n 's/.* \([0-9]*\) requests\/s.*/\1/p')"
  put "http_${set}_at_rate_p50_ms" "$(echo "$r" | sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p')"
  put "http_${set}_at_rate_p99_ms" "$(echo "$r" | sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p')"
  put "http_${set}_at_rate_p999_ms" "$(echo "$r" | sed -n 's/.*p99\.9 \([0-9.]*\) ms.*/\1/p')"
  put "http_${set}_at_rate_non200" "$(echo "$r" | sed -n 's/.*non-200: \([0-9]*\).*/\1/p')"
done

# 5b. connection sweep (mix)
case " $sets " in *" mix "*)
  sd=$duration; [ "$sd" -gt 15 ] && sd=15
  for c in $(echo "$sweep" | tr ',' ' '); do
    BODIES="$out/bodies.jsonl" wrk -t"$wthreads" -c"$c" -d"${sd}s" --latency \
      -s "$here/screen.lua" "http://$addr" > "$out/wrk-mix-c$c.txt" 2>&1
    wrk_figures "mix_c$c" "$out/wrk-mix-c$c.txt"
    say "[mix] $c connections, ${sd} s: $rps requests/s, $lat; non-200: ${bad:-0}"
  done ;;
esac

# 6. soak
if [ "$soak" -gt 0 ]; then
  f="$out/bodies.jsonl"; [ "$bodies" = doc ] && f="$out/bodies_doc.jsonl"
  log "soak: $soak s"
  rss() { awk '/^VmRSS/ {print $2}' "/proc/$spid/status"; }
  rss0=$(rss); max=$rss0
  BODIES=$f wrk -t"$wthreads" -c"$conns" -d"${soak}s" --latency \
    -s "$here/screen.lua" "http://$addr" > "$out/wrk-soak.txt" 2>&1 &
  wpid=$!
  : > "$out/rss.txt"
  while kill -0 $wpid 2>/dev/null; do
    r=$(rss); echo "$(date +%s) $r" >> "$out/rss.txt"
    [ "$r" -gt "$max" ] && max=$r
    sleep 10
  done
  wait $wpid || true
  rss1=$(rss)
  total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out/wrk-soak.txt")
  wrk_figures soak "$out/wrk-soak.txt"
  put soak_requests "${total:-0}"
  put soak_rss_start_kb "$rss0"
  put soak_rss_end_kb "$rss1"
  put soak_rss_max_kb "$max"
  say "[soak ${soak}s] $total requests, $rps requests/s, $lat"
  say "[soak ${soak}s] non-200: ${bad:-0}; socket errors: ${sock:-none}; RSS start ${rss0} kB, end ${rss1} kB, max ${max} kB ($out/rss.txt)"
fi

# 7. stop and verify
kill -TERM $spid
wait $spid || true
trap - EXIT
verify=$("$L" audit verify --db "$db" || true)
say "server: $(tail -1 "$out/serve.log")"
say "audit: $verify"
put audit_ok "$(case $verify in ok:*) echo true ;; *) echo false ;; esac)"
if [ $hook = 1 ]; then
  python3 - "$json" "$BENCH_OUT" "${BENCH_INPROC:-}" <<'EOF'
import json, sys
src, dst, inproc = sys.argv[1], sys.argv[2], sys.argv[3]
r = {}
for line in open(src):
    k, _, v = line.rstrip("\n").partition("=")
    try:
        r[k] = json.loads(v) if v else None
    except ValueError:
        r[k] = v
if inproc:
    try:
        e = json.load(open(inproc)).get("engines", {}).get("liaison", {})
        r["bench_inproc_qps_all_cores"] = e.get("qps_all_cores")
    except (OSError, ValueError, AttributeError):
        pass
json.dump(r, open(dst, "w"), indent=1)
EOF
fi
echo "run.sh: results in $out" >&2
