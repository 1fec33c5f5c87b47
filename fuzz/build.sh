#!/bin/sh
# build.sh: build every fuzz/fuzz_<target>.c as a libFuzzer binary with clang
# into build/fuzz/fuzz_<target>.  Run one with:
#   build/fuzz/fuzz_mrz fuzz/corpus/mrz -max_total_time=60
set -eu
cd "$(dirname "$0")/.."
# The library is instrumented for coverage too (fuzzer-no-link), so that
# libFuzzer is guided by the parsers, not only by the target files.
make -s B=build/fuzzlib CC=clang SANITIZE=fuzzer-no-link,address,undefined build/fuzzlib/libliaison.a
mkdir -p build/fuzz
for f in fuzz/fuzz_*.c; do
  t=$(basename "$f" .c)
  clang -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Isrc \
    $(pkg-config --cflags libutf8proc icu-uc jansson libxml-2.0) \
    -fsanitize=fuzzer,address,undefined "$f" build/fuzzlib/libliaison.a \
    $(pkg-config --libs libutf8proc icu-uc icu-i18n sqlite3 libpq jansson libxml-2.0 libmicrohttpd libcurl libsodium) \
    -lpthread -lm -o "build/fuzz/$t"
  echo "built build/fuzz/$t"
done
