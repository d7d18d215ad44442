#!/usr/bin/env bash
# Prints olstate's version, read from meson.build: the one place it is kept.
# Every package (NuGet, crates, Go module, archives) takes it from here.
set -euo pipefail
cd "$(dirname "$0")/.."
v=$(sed -n "s/^ *version: *'\([0-9][^']*\)'.*/\1/p" meson.build | head -n 1)
[ -n "$v" ] || { echo "version.sh: no version: '...' in meson.build" >&2; exit 1; }
echo "$v"
