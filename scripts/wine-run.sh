#!/usr/bin/env bash
# The exe_wrapper of the Windows test builds (scripts/test-windows.sh names
# it in the machine file it layers over cross/win64.ini and cross/win32.ini):
# runs a Windows program under Wine, but only after proving that this Wine
# really runs programs of the program's architecture. Without that proof a
# 32-bit test could pass without ever running: with 64-bit Wine alone,
# `wine prog32.exe` may exit 0 having run nothing.
#
# The proof: Wine's own command interpreter of the same architecture
# (syswow64\cmd.exe for x86, system32\cmd.exe for x64) must echo a word back.
# Any other command (a Python runner, a script) is run as it is.
#
# usage: wine-run.sh PROGRAM [ARGS...]     env: OLSTATE_WINE (default wine)
set -uo pipefail
wine=${OLSTATE_WINE:-wine}
program=${1:?usage: wine-run.sh PROGRAM [ARGS...]}

# A PE file: "MZ", then at offset 0x3C the offset of "PE\0\0" and the machine.
pe_machine() {
  [ -f "$1" ] && [ "$(head -c 2 "$1" 2>/dev/null)" = "MZ" ] || return 1
  local pe
  pe=$(od -An -tu4 -j60 -N4 "$1" | tr -d ' ') || return 1
  od -An -tx2 -j$((pe + 4)) -N2 "$1" | tr -d ' '
}

machine=$(pe_machine "$program") || exec "$@"
case "$machine" in
  014c) arch=x86; interpreter='C:\windows\syswow64\cmd.exe' ;;
  8664) arch=x64; interpreter='C:\windows\system32\cmd.exe' ;;
  *) echo "wine-run.sh: $program: unknown PE machine 0x$machine; NOT run" >&2; exit 1 ;;
esac

answer=$(WINEDEBUG=-all "$wine" "$interpreter" /c echo olstate-wine-probe 2>&1)
if ! grep -q olstate-wine-probe <<<"$answer"; then
  hint=""
  [ $arch = x86 ] && hint=" (32-bit Wine: scripts/deps.sh windows installs wine32:i386 where the kernel runs 32-bit code; then wineboot -u on the prefix)"
  echo "wine-run.sh: this Wine does not run $arch programs (its $arch cmd.exe did not answer${answer:+: ${answer:0:300}});" \
       "$program was NOT run$hint" >&2
  exit 1
fi
# A crash must fail the test. Wine reports an unhandled exception on stderr
# and starts its debugger, and the program's exit status can still be 0: a
# test that crashed after its last check would pass. So stderr is copied
# aside and read.
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
{ "$wine" "$@" 2>&1 1>&3 3>&- | tee "$errors" >&2; } 3>&1
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ] && grep -aq 'Unhandled \(page fault\|exception\)' "$errors"; then
  echo "wine-run.sh: $program exited 0 after an unhandled exception (above): counted as a failure" >&2
  exit 1
fi
exit "$status"
