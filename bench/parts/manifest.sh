#!/bin/sh
# bench-scope: size
# bench-desc: PAXLST manifests: 1M travellers against the 1M list on all cores; document lookups/s (issue 4)
#
# Hook for the border-formats engineer (issue 4: "1M synthetic travellers
# screened against the 1M-record watchlist on 2 cores in <= 60 s, and 10M
# document lookups per second on one core").  Replace the body: build the
# manifest from $BENCH_WATCHLIST / $BENCH_QUERIES (or generate travellers),
# run `$BENCH_LIAISON screen --db $BENCH_DB --batch FILE --format paxlst`,
# time it, and write {"travellers": N, "wall_s": x, "travellers_per_s": x,
# "doc_lookups_per_s": x} to $BENCH_OUT.  Exit 77 for sizes it does not
# measure.  Contract: bench/lib/hooks.py and bench/README.md.
echo "manifest: not written yet (issue 4)" >&2
exit 77
