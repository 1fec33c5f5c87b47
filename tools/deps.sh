#!/bin/sh
# deps.sh: install the Debian packages liaison needs, if any are missing.
# usage: tools/deps.sh [build|bench|web]   (default: build)
# Runs apt-get only when a package is missing; uses sudo when not root.
set -eu

build="gcc make pkg-config python3 libutf8proc-dev libicu-dev libsqlite3-dev
libpq-dev libjansson-dev libxml2-dev libmicrohttpd-dev libcurl4-openssl-dev
libsodium-dev clang openssl postgresql"
bench="postgresql-contrib python3-jellyfish wrk hyperfine valgrind"
web="chromium nodejs npm"

want=$build
for set in "$@"; do
  case $set in
    build) ;;
    bench) want="$want $bench" ;;
    web) want="$want $web" ;;
    *) echo "deps.sh: unknown set '$set' (build, bench, web)" >&2; exit 2 ;;
  esac
done

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
