#!/usr/bin/env bash
# Installs the Debian packages a part of olstate needs, only those missing
# (idempotent; apt-get update runs only when something must be installed).
# usage: scripts/deps.sh core|bindings|python|sanitize|windows|fuzz ...
set -euo pipefail

want=()
for group in "$@"; do
  case "$group" in
    core)     want+=(meson ninja-build g++ pkg-config doctest-dev libmsgsl-dev python3) ;;
    bindings) want+=(golang-go)
              command -v cargo >/dev/null || want+=(cargo)
              command -v dotnet >/dev/null || want+=(dotnet-sdk-8.0) ;;
    # The Python package's tests run on Debian's /usr/bin/python3: pytest,
    # venv (with its bundled pip) to install the built wheel as a user would,
    # and mypy to check the package's annotations.
    python)   want+=(python3 python3-pytest python3-venv mypy) ;;
    sanitize) want+=(clang libclang-rt-14-dev) ;;
    fuzz)     want+=(clang libclang-rt-14-dev) ;;
    coverage) want+=(gcovr) ;;
    # libc6:i386 first: it lets kernel-runs-i386.sh find out whether this
    # kernel runs 32-bit programs at all (wine32:i386 is added below).
    windows)  want+=(mingw-w64 g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix wine wine64 zip unzip libc6:i386) ;;
    *) echo "deps.sh: unknown group $group" >&2; exit 2 ;;
  esac
done

install_missing() { # install_missing PACKAGE...: those not installed yet
  missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  echo "deps.sh: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Another apt run (a parallel build, a second stage) may hold dpkg's lock:
  # wait for it instead of failing.
  lock=(-o DPkg::Lock::Timeout=900)
  # An :i386 package needs the architecture known to dpkg (and the next
  # apt-get update fetches its package lists).
  if printf '%s\n' "${missing[@]}" | grep -q ':i386$' && ! dpkg --print-foreign-architectures | grep -qx i386; then
    $sudo dpkg --add-architecture i386
  fi
  $sudo apt-get "${lock[@]}" update -q
  $sudo apt-get "${lock[@]}" install -y -q --no-install-recommends "${missing[@]}"
}

install_missing "${want[@]}"

# wine32:i386 runs the win32 suites (without it 64-bit Wine cannot start a
# 32-bit program), but only on a kernel that runs 32-bit code: elsewhere it
# would make /usr/bin/wine fail for 64-bit programs too.
if [[ " $* " == *" windows "* ]]; then
  if "$(dirname "$0")/kernel-runs-i386.sh"; then
    install_missing wine32:i386
  else
    echo "deps.sh: this kernel does not run 32-bit x86 programs (IA-32 emulation off): wine32:i386 not installed, the win32 suites cannot run here"
  fi
fi
