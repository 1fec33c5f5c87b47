#!/bin/sh
# run.sh: the federation benchmark (issue 6), self-contained.
# bench-desc: cross-node screening: local + 2 partners of 100k records each, HTTPS on loopback, wrk
#
#   bench/federation/run.sh [--records N] [--duration S] [--connections C]
#                           [--timeout-ms MS] [--seed S] [--out DIR] [--quick]
#
# 1. builds liaison (make B=$B, default build) and sigbench.c;
# 2. generates three watchlists of N records (default 100000) with
#    bench/gen/gen.py, seeds S, S+1 and S+2, one per agency (cached in
#    bench/cache/fed-sS-N/); the stream interleaves the three query sets,
#    so the asking node's list and each partner's have hits (10% each);
# 3. makes three nodes, MA-DGSN (asks), TR-EGM and FR-DGPN (partners):
#    store, key pair (liaison init --agency), self-signed TLS certificate
#    (openssl), import, peers both ways, `liaison serve` on 127.0.0.1:0
#    over HTTPS (partners' deadline --timeout-ms, default 2000);
# 4. times the cryptography alone (sigbench: Ed25519 sign and verify, and
#    the protocol's request and answer signing and verification);
# 5. runs wrk (keep-alive, HTTPS, C connections, default 16) on MA's
#    POST /v1/screen, first local only ("partners":false) as the baseline,
#    then "partners":true (local + TR + FR in parallel): requests/s, p50,
#    p99, non-200 answers and answers where a partner was not "ok";
# 6. stops the three nodes (SIGTERM) and verifies their audit chains.
#
# All three servers and wrk share this machine's cores.  Under bench/run
# (the "federation" part, bench/parts/federation.sh) it follows
# bench/lib/hooks.py: the program from $BENCH_LIAISON, figures to
# $BENCH_OUT as JSON; BENCH_QUICK=1 runs 10,000 records for 10 s.
# Needs wrk and openssl.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${B:-build}
records=100000
duration=30
conns=16
tmo=2000
seed=${BENCH_SEED:-20240601}
out=""
while [ $# -gt 0 ]; do
  case $1 in
    --records) records=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --timeout-ms) tmo=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --quick) records=10000; duration=10; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "federation: $*" >&2; }
hook=0
if [ -n "${BENCH_OUT:-}" ]; then
  hook=1
  if [ "${BENCH_QUICK:-0}" = 1 ]; then records=10000; duration=10; fi
  out=$BENCH_TMP
fi
for tool in wrk openssl curl python3; do
  command -v $tool >/dev/null 2>&1 || {
    echo "run.sh: $tool is missing (tools/deps.sh bench)" >&2; exit 2; }
done
[ -n "$out" ] || out=$(mktemp -d /tmp/liaison-bench-fed-XXXXXX)
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
  $(pkg-config --cflags $pkgs) "$here/sigbench.c" "$lib" \
  $(pkg-config --libs $pkgs) -lpthread -lm -o "$out/sigbench"

# 2. data
cache="$root/bench/cache/fed-s$seed-$records"
mkdir -p "$cache"
i=0
for ag in MA-DGSN TR-EGM FR-DGPN; do
  s=$((seed + i)); i=$((i + 1))
  d="$cache/$ag"
  if [ ! -s "$d/watchlist-$records.jsonl" ]; then
    log "generating $records records for $ag (seed $s)"
    mkdir -p "$d"
    python3 "$root/bench/gen/gen.py" --records "$records" --queries 2000 \
      --seed "$s" --out "$d" >&2
  fi
done
python3 - "$cache" "$records" "$out" <<'EOF'
import json, sys
cache, n, out = sys.argv[1], sys.argv[2], sys.argv[3]
sets = [[json.loads(l) for l in open("%s/%s/queries-%s-2000.jsonl" % (cache, ag, n),
                                     encoding="utf-8")]
        for ag in ("MA-DGSN", "TR-EGM", "FR-DGPN")]
bodies = []
for i in range(max(len(s) for s in sets)):
    for s in sets:
        if i < len(s):
            q = s[i]
            subj = {k: q[k] for k in ("name", "dob", "nationality", "gender")
                    if q.get(k)}
            if q.get("doc"):
                subj["documents"] = [{"number": q["doc"]}]
            bodies.append({"purpose": "border-check", "subject": subj,
                           "limit": 10})
for name, partners in (("local", False), ("partners", True)):
    with open("%s/bodies-%s.jsonl" % (out, name), "w", encoding="utf-8") as f:
        for b in bodies:
            b["partners"] = partners
            f.write(json.dumps(b, ensure_ascii=False) + "\n")
EOF

# 3. nodes
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM
for ag in MA-DGSN TR-EGM FR-DGPN; do
  d="$out/$ag"
  rm -rf "$d"; mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/tls.pem" -out "$d/cert.pem" -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
  "$L" init --db "$d/store.db" --agency "$ag" 2>/dev/null
  log "importing $records records into $ag"
  "$L" import --db "$d/store.db" "$cache/$ag/watchlist-$records.jsonl" >&2
  "$L" serve --db "$d/store.db" --listen 127.0.0.1:0 --tls-cert "$d/cert.pem" \
    --tls-key "$d/tls.pem" --contact "$ag liaison desk" \
    --partner-timeout-ms "$tmo" 2> "$d/serve.log" &
  pids="$pids $!"
  echo $! > "$d/pid"
done
port_of() {
  n=0
  until grep -q "listening on" "$out/$1/serve.log" 2>/dev/null; do
    n=$((n + 1)); [ $n -gt 1800 ] && { cat "$out/$1/serve.log" >&2; exit 1; }
    sleep 0.1
  done
  sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$out/$1/serve.log"
}
PMA=$(port_of MA-DGSN); PTR=$(port_of TR-EGM); PFR=$(port_of FR-DGPN)
log "nodes: MA-DGSN :$PMA, TR-EGM :$PTR, FR-DGPN :$PFR (https)"
key() { "$L" key show --db "$out/$1/store.db"; }
for p in "TR-EGM $PTR" "FR-DGPN $PFR"; do
  set -- $p
  "$L" peer add --db "$out/MA-DGSN/store.db" --agency "$1" \
    --url "https://127.0.0.1:$2" --key "$(key "$1")" --ca "$out/$1/cert.pem" 2>/dev/null
  "$L" peer add --db "$out/$1/store.db" --agency MA-DGSN \
    --url "https://127.0.0.1:$PMA" --key "$(key MA-DGSN)" \
    --ca "$out/MA-DGSN/cert.pem" 2>/dev/null
done
TOKEN=$("$L" user add --db "$out/MA-DGSN/store.db" --agency MA-DGSN \
        --role officer bench 2>/dev/null)
export TOKEN
# The servers read peers at most 1 s old: wait until both partners answer.
n=0
until curl -s --cacert "$out/MA-DGSN/cert.pem" -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/json' \
      -d '{"purpose":"border-check","subject":{"name":"x"},"partners":true}' \
      "https://127.0.0.1:$PMA/v1/screen" | grep -q '"FR-DGPN":{[^}]*"status":"ok".*"TR-EGM":{[^}]*"status":"ok"\|"TR-EGM":{[^}]*"status":"ok".*"FR-DGPN":{[^}]*"status":"ok"'; do
  n=$((n + 1)); [ $n -gt 100 ] && { log "partners never answered"; exit 1; }
  sleep 0.1
done

summary="$out/summary.txt"
json="$out/figures.txt"
: > "$summary"
: > "$json"
say() { echo "$*" | tee -a "$summary" >&2; }
put() { echo "$1=$2" >> "$json"; }
say "liaison federation benchmark: 3 nodes x $records records, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
say "wrk -t2 -c$conns -d${duration}s, keep-alive, HTTPS, POST /v1/screen on MA-DGSN; partners' deadline ${tmo} ms"
put records "$records"
put connections "$conns"
put duration_s "$duration"
put partner_timeout_ms "$tmo"

# 4. the cryptography alone
sig=$("$out/sigbench" --iterations 20000)
say "crypto (1 core): $sig"
python3 - "$sig" >> "$json" <<'EOF'
import json, sys
for k, v in json.loads(sys.argv[1]).items():
    print("%s=%s" % (k, json.dumps(v)))
EOF

# 5. wrk
for set in local partners; do
  BODIES="$out/bodies-$set.jsonl" wrk -t2 -c"$conns" -d5s \
    -s "$here/screen.lua" "https://127.0.0.1:$PMA" > /dev/null 2>&1 || true
  BODIES="$out/bodies-$set.jsonl" wrk -t2 -c"$conns" -d"${duration}s" \
    --latency -s "$here/screen.lua" "https://127.0.0.1:$PMA" \
    > "$out/wrk-$set.txt" 2>&1
  f="$out/wrk-$set.txt"
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$f")
  lat=$(grep '^latency p50' "$f" || true)
  bad=$(sed -n 's/^non-200 responses: \([0-9]*\)/\1/p' "$f")
  deg=$(sed -n 's/^partner not ok: \([0-9]*\)/\1/p' "$f")
  ph=$(sed -n 's/^answers with partner hits: \([0-9]*\)/\1/p' "$f")
  total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$f")
  put "${set}_rps" "${rps:-0}"
  put "${set}_p50_ms" "$(echo "$lat" | sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p')"
  put "${set}_p99_ms" "$(echo "$lat" | sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p')"
  put "${set}_requests" "${total:-0}"
  put "${set}_non200" "${bad:-0}"
  put "${set}_partner_not_ok" "${deg:-0}"
  put "${set}_answers_with_partner_hits" "${ph:-0}"
  say "[$set] $rps requests/s, $lat; $total requests, non-200 ${bad:-0}, partner not ok ${deg:-0}, with partner hits ${ph:-0}"
done
for ag in MA-DGSN TR-EGM FR-DGPN; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$(cat "$out/$ag/pid")/status")
  put "rss_kb_$ag" "$rss"
done

# 6. stop and verify
ok=true
for ag in MA-DGSN TR-EGM FR-DGPN; do
  p=$(cat "$out/$ag/pid")
  kill -TERM "$p"; wait "$p" || true
  v=$("$L" audit verify --db "$out/$ag/store.db" || true)
  say "audit $ag: $v"
  case $v in ok:*) ;; *) ok=false ;; esac
done
pids=""
trap - EXIT
put audit_ok "$ok"
python3 - "$json" "$out/figures.json" <<'EOF'
import json, sys
r = {}
for line in open(sys.argv[1]):
    k, _, v = line.rstrip("\n").partition("=")
    try:
        r[k] = json.loads(v) if v else None
    except ValueError:
        r[k] = v
json.dump(r, open(sys.argv[2], "w"), indent=1)
EOF
[ $hook = 1 ] && cp "$out/figures.json" "$BENCH_OUT"
log "results in $out (summary.txt, figures.json)"
