#!/usr/bin/env bash
# The Windows stage of scripts/test.sh: the win64 and the win32 builds, each
# built, its binaries checked with objdump, and every suite run under Wine
# the same way (run_suites: Wine's heap checks on, through
# scripts/wine-run.sh, which proves Wine really runs programs of that
# architecture, so a suite that never ran cannot pass). The stage fails when
# a suite fails, is skipped or did not run. One exception, said loudly: a
# kernel that refuses 32-bit code (IA-32 emulation off, some virtual
# machines) cannot run 32-bit Wine at all; there the win32 suites are
# reported NOT RUN and the win32 build is only compiled and checked.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh core windows

export WINEPREFIX="$PWD/build-win64/wineprefix" WINEDEBUG=-all
run_suites() { # run_suites DIR LABEL: every suite under Wine; fails on a failure, a skip or a heap complaint
  local dir=$1 label=$2
  # With Wine's heap checks on: a complaint in any suite's output fails the
  # stage, even when the suite itself passed (an invalid free corrupts the
  # heap only sometimes; the complaint is printed every time).
  WINEDEBUG=-all,warn+heap,err+heap meson test -C "$dir" --print-errorlogs --num-processes 1
  if grep -a ':heap:' "$dir/meson-logs/testlog.txt" | head -n 20 | grep -a . ; then
    echo "FAIL: Wine reported heap misuse during the $label suites (above; the full log: $dir/meson-logs/testlog.txt)"
    return 1
  fi
  # Every test listed must have run and passed: none skipped.
  python3 - "$dir/meson-logs/testlog.json" "$label" <<'PY'
import json, sys
results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
bad = [r["name"] + ": " + r["result"] for r in results if r["result"] != "OK"]
print(f"{sys.argv[2]}: {len(results) - len(bad)} of {len(results)} tests ran and passed")
if bad or not results:
    print("FAIL: " + ("; ".join(bad) or "no test ran"))
    sys.exit(1)
PY
}

echo "--- win64: build, then every suite under Wine"
scripts/windows-build-setup.sh build-win64 win64
ninja -C build-win64
wineboot -i >/dev/null 2>&1 || true   # a fresh prefix, made once before the tests
run_suites build-win64 win64

echo "--- win32: build and check the binaries"
win32_runs=0
if scripts/kernel-runs-i386.sh; then win32_runs=1; fi
scripts/windows-build-setup.sh build-win32 win32
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

if [ $win32_runs -eq 1 ]; then
  echo "--- win32: every suite under Wine"
  run_suites build-win32 win32
  echo "windows: win64 and win32 suites passed"
else
  echo "--- win32: suites NOT RUN: this kernel refuses 32-bit x86 programs (IA-32 emulation off;" \
       "scripts/kernel-runs-i386.sh), so no 32-bit Wine can run here. The win32 build was only compiled and checked."
  echo "windows: win64 suites passed; win32 built and checked, its suites NOT RUN on this machine"
fi
