#!/usr/bin/env bash
# The C release archives, each unpacking into one folder named like itself:
#   olstate-<v>-linux-x64.tar.gz   include/, lib/ (libolstate.so*, libolstate_sim.so,
#                                  pkgconfig/olstate.pc), bin/olstate-monitor
#   olstate-<v>-win64.zip, -win32.zip
#                                  include/, bin/ (olstate.dll, olstate_sim.dll,
#                                  olstate-monitor.exe, olstate_addin.dll), lib/
#                                  (olstate.lib for MSVC, libolstate.dll.a for MinGW)
# each with README.md and LICENSE, and beside each a -debug archive of the
# separate debug symbols (<file>.debug).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${OLSTATE_NATIVES:?run scripts/package.sh}" "${OLSTATE_DIST:?}" "${OLSTATE_VERSION:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for rid in linux-x64 win-x64 win-x86; do
  case $rid in
    linux-x64) name=olstate-$OLSTATE_VERSION-linux-x64 ;;
    win-x64)   name=olstate-$OLSTATE_VERSION-win64 ;;
    win-x86)   name=olstate-$OLSTATE_VERSION-win32 ;;
  esac
  cp -a "$OLSTATE_NATIVES/$rid" "$tmp/$name"
  cp -a "$OLSTATE_NATIVES/$rid-debug" "$tmp/$name-debug"
  cp README.md LICENSE "$tmp/$name/"
  for n in "$name" "$name-debug"; do
    if [ "$rid" = linux-x64 ]; then
      tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner -czf "$OLSTATE_DIST/$n.tar.gz" "$n"
    else
      (cd "$tmp" && find "$n" | LC_ALL=C sort | zip -qX "$OLSTATE_DIST/$n.zip" -@)
    fi
  done
done
