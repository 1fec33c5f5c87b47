#!/bin/sh
# demo.sh: the main job of liaison in a minute.  Creates a store, imports
# real list excerpts (OFAC SDN CSV and UN Security Council XML, public
# domain, see demo/README.md), screens sample travellers one by one and as
# a batch, screens a passport MRZ, and checks every traveller came out as
# expected (demo/expected.tsv).
# usage: tools/demo.sh [PATH/TO/liaison]
set -eu
L=${1:-build/liaison}
cd "$(dirname "$0")/.."
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
DB=$D/demo.db

echo "== a store for the Moroccan node, and two real lists"
"$L" init --db "$DB" --agency MA-DGSN
"$L" import --db "$DB" demo/ofac/sdn.csv demo/un_excerpt.xml
"$L" stats --db "$DB"

echo
echo "== travellers at the border, one by one"
bad=0
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  name=$(printf '%s' "$line" | sed 's/.*"name":"\([^"]*\)".*/\1/')
  dob=$(printf '%s' "$line" | sed -n 's/.*"dob":"\([^"]*\)".*/\1/p')
  nat=$(printf '%s' "$line" | sed -n 's/.*"nationality":"\([^"]*\)".*/\1/p')
  expect=$(awk -F'\t' -v id="$id" '$1 == id { print $2 }' demo/expected.tsv)
  echo
  echo "-- $id: $name${dob:+, born $dob}${nat:+, $nat} (expected: $expect)"
  set +e
  "$L" screen --db "$DB" --name "$name" ${dob:+--dob "$dob"} \
    ${nat:+--nationality "$nat"} --limit 3
  rc=$?
  set -e
  got=miss
  [ $rc -eq 1 ] && got=hit
  if [ $rc -gt 1 ] || [ "$got" != "$expect" ]; then
    echo "!! $id: expected $expect, got $got (exit $rc)"
    bad=$((bad + 1))
  fi
done < demo/travellers.jsonl

echo
echo "== a passport read at the gate (MRZ)"
set +e
"$L" screen --db "$DB" --mrz "$(cat demo/passport.mrz)" --limit 3
rc=$?
set -e
[ $rc -eq 1 ] || { echo "!! passport: expected a hit (exit $rc)"; bad=$((bad + 1)); }

echo
echo "== the same travellers as a batch (JSONL in, JSONL out)"
set +e
"$L" screen --db "$DB" --batch demo/travellers.jsonl --limit 1 > "$D/out.jsonl"
rc=$?
set -e
[ $rc -le 1 ] || { echo "!! batch failed (exit $rc)"; bad=$((bad + 1)); }
sed 's/"why":\[[^]]*\]/"why":[...]/g' "$D/out.jsonl" | cut -c1-160

echo
if [ $bad -eq 0 ]; then
  echo "demo: every traveller screened as expected"
else
  echo "demo: $bad unexpected results"
  exit 1
fi
