#!/bin/sh
# bench-scope: once
# bench-desc: cross-node screening, local + 2 partners of 100k records each (issue 6)
#
# Hook for the federation engineer (issue 6: "a cross-node screening (local
# + 2 partners, 100k records each): p50 and p99 latency and requests/s on
# loopback, with the signing and verification cost shown separately").
# Replace the body: start three `$BENCH_LIAISON serve` nodes on loopback
# with stores made from the generated watchlists (bench/gen/gen.py), peer
# them, load them with wrk, and write {"p50_us": x, "p99_us": x,
# "rps": x, "sign_us": x, "verify_us": x} to $BENCH_OUT.  Stop every
# process you start (trap).  Contract: bench/lib/hooks.py, bench/README.md.
echo "federation: not written yet (issue 6)" >&2
exit 77
