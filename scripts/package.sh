#!/usr/bin/env bash
# The release command: builds olstate's natives for linux-x64, win-x64 and
# win-x86 (optimised, stripped, debug symbols kept apart), then every
# package in dist/ from them, then dist/SHA256SUMS.
#
# usage: scripts/package.sh
# env:   OLSTATE_PACKAGE_BUILD  folder for the release builds and the staged
#                               natives (default build-package; reused, so a
#                               second run only rebuilds what changed)
#        OLSTATE_BUILD_WIN64, OLSTATE_BUILD_WIN32  take the Windows natives
#                               from these test build folders instead of
#                               release builds (the consumer stage does)
#
# How it is put together (docs/packaging.md says more):
#   scripts/package.d/natives.sh RID   builds and stages one native set
#   scripts/package.d/[0-9]*-*.sh      one packager each (archives, NuGet,
#                                      crates, Go module, ...), run in order
# A new package is one more numbered file in scripts/package.d/ that reads
# $OLSTATE_NATIVES/<rid>/ and writes into $OLSTATE_DIST.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh core windows bindings

export OLSTATE_VERSION OLSTATE_NATIVES OLSTATE_DIST OLSTATE_PACKAGE_BUILD
OLSTATE_VERSION=$(scripts/version.sh)
OLSTATE_PACKAGE_BUILD=$(realpath -m "${OLSTATE_PACKAGE_BUILD:-build-package}")
OLSTATE_NATIVES="$OLSTATE_PACKAGE_BUILD/natives"
OLSTATE_DIST="$PWD/dist"

rm -rf "$OLSTATE_DIST" "$OLSTATE_NATIVES"
mkdir -p "$OLSTATE_DIST" "$OLSTATE_NATIVES"
for rid in linux-x64 win-x64 win-x86; do
  echo "--- natives $rid"
  scripts/package.d/natives.sh "$rid"
done
for packager in scripts/package.d/[0-9]*-*.sh; do
  echo "--- $(basename "$packager" .sh)"
  "$packager"
done
(cd "$OLSTATE_DIST" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
echo "--- dist/ (olstate $OLSTATE_VERSION)"
(cd "$OLSTATE_DIST" && find . -maxdepth 1 -type f | sed 's|^\./||' | LC_ALL=C sort)
