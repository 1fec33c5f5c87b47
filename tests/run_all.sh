#!/bin/sh
# run_all.sh: run every test binary, then replay every fuzz corpus, and
# print the grand total as "total: N passed, N failed".
# usage: tests/run_all.sh TEST_BIN... -- FUZZ_REPLAY...
passed=0; failed=0; bad=""
mode=tests
for t in "$@"; do
  if [ "$t" = "--" ]; then mode=fuzz; continue; fi
  if [ $mode = tests ]; then
    out=$("$t" 2>&1); rc=$?
  else
    name=${t##*/replay_}
    out=$("$t" fuzz/corpus/"$name" 2>&1); rc=$?
  fi
  last=$(printf '%s\n' "$out" | tail -n 1)
  p=$(printf '%s\n' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
  f=$(printf '%s\n' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
  if [ -z "$p" ]; then
    printf '%s\n' "$out" | tail -n 30
    echo "${t##*/}: crashed or printed no summary (exit $rc)"
    p=0; f=1
  elif [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
    printf '%s\n' "$out" | grep -v '^ok ' | tail -n 60
    [ "$f" -eq 0 ] && f=1
  else
    printf '%s\n' "$last"
  fi
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -ne 0 ] && bad="$bad ${t##*/}"
done
[ -n "$bad" ] && echo "failing:$bad"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
