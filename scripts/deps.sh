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
    windows)  want+=(mingw-w64 g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix wine wine64 zip) ;;
    *) echo "deps.sh: unknown group $group" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a parallel build, a second stage) may hold dpkg's lock:
# wait for it instead of failing.
lock=(-o DPkg::Lock::Timeout=900)
$sudo apt-get "${lock[@]}" update -q
$sudo apt-get "${lock[@]}" install -y -q --no-install-recommends "${missing[@]}"
