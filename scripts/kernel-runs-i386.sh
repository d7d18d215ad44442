#!/usr/bin/env bash
# Exits 0 when this machine's kernel runs 32-bit x86 programs, 1 when it
# refuses them (IA-32 emulation compiled out or switched off, as on some
# virtual machines: execve answers ENOEXEC), 2 when it cannot tell (no
# 32-bit program installed: scripts/deps.sh windows installs libc6:i386
# first). 32-bit Wine cannot work on a kernel that refuses them, and
# installing wine32:i386 there even breaks 64-bit Wine: Debian's
# /usr/bin/wine then starts every program through the 32-bit loader.
# The probe is the 32-bit dynamic loader itself (it prints its version).
loader=/lib/ld-linux.so.2
[ -e "$loader" ] || exit 2
"$loader" --version >/dev/null 2>&1 && exit 0
exit 1
