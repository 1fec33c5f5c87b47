#!/bin/sh
# check_prefetch.sh: the engine's prefetches survive optimisation (CI).
#
#   sh tools/check_prefetch.sh CC CFLAGS...
#
# GCC takes __builtin_prefetch for a statement without side effects: a
# function that does nothing else is found pure and every call to it is
# dropped, silently (scoring and the second ranking ran without their
# prefetches that way: p50 at a million records 16% higher).  Such helpers are PREFETCH_FN (inlined
# early).  This compiles each file of the engine that prefetches at -O2
# and counts the prefetch instructions: at least one per prefetch written
# in the file, and two per use of idx_prefetch_units (searcher.h).
# Exit status 1 when a file has fewer.
cc=$1; shift
status=0
for f in src/index/search.c src/index/rank.c src/index/expand.c \
         src/index/docs.c; do
  want=$(grep -v '^ *\*\*\|^/\*\|define' "$f" |
         grep -o 'PREFETCH(\|__builtin_prefetch(\|idx_prefetch_units(' |
         awk '/units/ { n += 2; next } { n++ } END { print n + 0 }')
  got=$("$cc" "$@" -O2 -S -o - "$f" | grep -c '^[[:space:]]*prefetch')
  if [ "$got" -lt "$want" ]; then
    echo "check_prefetch: $f: $got prefetch instructions at -O2," \
         "$want written: a prefetch-only helper was dropped (PREFETCH_FN)"
    status=1
  fi
done
[ $status -eq 0 ] && echo "check_prefetch: every prefetch compiled in"
exit $status
