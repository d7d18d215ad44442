#!/usr/bin/env bash
# The Windows stage of scripts/test.sh: the win64 build's suites under Wine
# (unit, abi, stress and the Outlook-provider scenarios), then the win32
# build, whose binaries are checked with objdump. The win32 suites run only
# where 32-bit Wine really runs a program (Debian's wine32:i386 usually does
# not install here); otherwise they are skipped with a message, never failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh core windows

export WINEPREFIX="$PWD/build-win64/wineprefix" WINEDEBUG=-all
setup() { # setup DIR ARGS...
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
  else meson setup "$dir" "$@" >/dev/null; fi
}

echo "--- win64: build, then every suite under Wine"
setup build-win64 --cross-file cross/win64.ini
ninja -C build-win64
wineboot -i >/dev/null 2>&1 || true   # a fresh prefix, made once before the tests
# With Wine's heap checks on: a complaint in any suite's output fails the
# stage, even when the suite itself passed (an invalid free corrupts the
# heap only sometimes; the complaint is printed every time).
WINEDEBUG=-all,warn+heap,err+heap meson test -C build-win64 --print-errorlogs --num-processes 1
if grep -a ':heap:' build-win64/meson-logs/testlog.txt | head -n 20 | grep -a . ; then
  echo "FAIL: Wine reported heap misuse during the win64 suites (above; the full log: build-win64/meson-logs/testlog.txt)"
  exit 1
fi

echo "--- win32: build and check the binaries"
setup build-win32 --cross-file cross/win32.ini
ninja -C build-win32
check_pe() { # check_pe TRIPLE FILE: only system DLLs imported
  local imports
  imports=$("$1-objdump" -p "$2" | awk '/DLL Name:/ {print $3}' | sort -u | tr '\n' ' ')
  echo "$2 imports: $imports"
  if echo "$imports" | grep -qiE "libgcc|libstdc|libwinpthread"; then echo "FAIL: MinGW runtime DLL imported"; return 1; fi
}
for f in build-win32/shim/olstate.dll build-win32/shim/olstate_sim.dll build-win32/tools/monitor/olstate-monitor.exe build-win32/addin/olstate_addin.dll; do
  check_pe i686-w64-mingw32 "$f"
done
for f in build-win64/shim/olstate.dll build-win64/shim/olstate_sim.dll build-win64/tools/monitor/olstate-monitor.exe build-win64/addin/olstate_addin.dll; do
  check_pe x86_64-w64-mingw32 "$f"
done
exports() { "$1-objdump" -p "$2" | sed -n '/Ordinal\/Name Pointer/,/^$/p'; }
sim32=$(exports i686-w64-mingw32 build-win32/shim/olstate_sim.dll)
sim64=$(exports x86_64-w64-mingw32 build-win64/shim/olstate_sim.dll)
grep -qE '\] HrOpenOfflineObj@20$' <<<"$sim32" || { echo "FAIL: the 32-bit simulator does not export HrOpenOfflineObj@20"; exit 1; }
grep -qE '\] HrOpenOfflineObj$' <<<"$sim64" || { echo "FAIL: the 64-bit simulator does not export HrOpenOfflineObj"; exit 1; }
for pair in "i686-w64-mingw32 build-win32/shim/olstate.dll" "x86_64-w64-mingw32 build-win64/shim/olstate.dll"; do
  # shellcheck disable=SC2086
  table=$(exports $pair)
  grep -qE '\] olstate_open_ex$' <<<"$table" || { echo "FAIL: olstate_open_ex not exported undecorated ($pair)"; exit 1; }
  if grep -E '\] olstate_' <<<"$table" | grep -q '@'; then echo "FAIL: decorated olstate_ exports ($pair)"; exit 1; fi
done
# The add-in: exactly the two COM entry points, undecorated on both (COM
# looks them up by plain name), and no olstate_* (olstate is linked in).
for pair in "i686-w64-mingw32 build-win32/addin/olstate_addin.dll" "x86_64-w64-mingw32 build-win64/addin/olstate_addin.dll"; do
  # shellcheck disable=SC2086
  names=$(exports $pair | awk '/\[ *[0-9]+\]/ {print $3}' | sort | tr '\n' ' ')
  [ "$names" = "DllCanUnloadNow DllGetClassObject " ] || { echo "FAIL: add-in exports '$names' ($pair)"; exit 1; }
done
echo "exports: HrOpenOfflineObj@20 (win32 simulator), undecorated olstate_* on both, add-in: DllCanUnloadNow DllGetClassObject"

# 32-bit Wine? Only trust it if a 32-bit program really prints.
if [ "$(wine build-win32/tools/monitor/olstate-monitor.exe --help 2>/dev/null | head -1)" = "usage: olstate-monitor [options]" ]; then
  echo "--- win32: 32-bit Wine runs programs: every suite"
  meson test -C build-win32 --print-errorlogs --num-processes 1 --wrapper wine
else
  echo "--- win32: SKIPPED the suites: 32-bit Wine does not run programs on this machine (install wine32:i386)"
fi
echo "windows: win64 suites passed, win32 built and checked"
