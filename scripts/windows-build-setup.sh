#!/usr/bin/env bash
# Configures a Windows cross build folder the one way the Windows stage
# (scripts/test-windows.sh) and the consumer stage (scripts/package.d/natives.sh,
# which takes its Windows natives from the same folders to save a cross
# build) both use, so neither makes the other start again from scratch.
#
# win64 always gets scripts/wine-run.sh as its exe_wrapper; win32 only where
# this kernel runs 32-bit programs (scripts/kernel-runs-i386.sh): elsewhere
# its suites cannot run and meson must not pretend they did. Meson 1.0
# resolves no relative path in a machine file, so the wrapper's machine file
# is written with this checkout's absolute path and layered over
# cross/winXX.ini. A folder configured with other machine files is made
# again from scratch (machine files cannot change on a reconfigure).
#
# usage: scripts/windows-build-setup.sh DIR win64|win32
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1 arch=$2
case $arch in win64|win32) ;; *) echo "windows-build-setup.sh: win64 or win32, not $arch" >&2; exit 2 ;; esac

mkdir -p build-cross
wrapper_ini="$PWD/build-cross/wine-run.ini"
printf "[binaries]\nexe_wrapper = ['%s']\n" "$PWD/scripts/wine-run.sh" >"$wrapper_ini"
args=(--cross-file "cross/$arch.ini")
if [ "$arch" = win64 ] || scripts/kernel-runs-i386.sh >/dev/null 2>&1; then
  args+=(--cross-file "$wrapper_ini")
fi

wants_wrapper=$(grep -o 'wine-run.ini' <<<"${args[*]}" | grep -c . || true)
if [ -f "$dir/build.ninja" ] &&
   [ "$(grep -c 'wine-run.ini' "$dir/meson-private/cmd_line.txt" 2>/dev/null || true)" != "$wants_wrapper" ]; then
  rm -rf "$dir"
fi
if [ -f "$dir/build.ninja" ]; then meson setup --reconfigure "$dir" "${args[@]}" >/dev/null
else meson setup "$dir" "${args[@]}" >/dev/null; fi
