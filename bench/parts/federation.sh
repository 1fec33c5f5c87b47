#!/bin/sh
# bench-scope: once
# bench-desc: cross-node screening, local + 2 partners of 100k records each (issue 6)
#
# The federation benchmark is bench/federation/run.sh (three `liaison
# serve` nodes on loopback over HTTPS, peered, wrk on the asking node's
# POST /v1/screen with and without "partners", the signing and
# verification cost apart, the audit chains verified at the end).  It
# follows the hook contract (bench/lib/hooks.py): figures to $BENCH_OUT.
exec "$(dirname "$0")/../federation/run.sh"
