#!/usr/bin/env python3
"""Runs olstate-win-thread-exit with Wine's heap checks (WINEDEBUG=warn+heap)
and fails on any heap complaint Wine prints, as well as on the program's own
failure. usage: run_thread_exit_test.py WINE EXE (WINE empty on Windows)."""
import os
import subprocess
import sys

wine, exe = sys.argv[1], sys.argv[2]
env = dict(os.environ, WINEDEBUG="-all,warn+heap,err+heap")
cmd = [wine, exe] if wine else [exe]
r = subprocess.run(cmd, env=env, capture_output=True, text=True, errors="replace", timeout=150)
print(r.stdout, end="")
complaints = [l for l in r.stderr.splitlines() if ":heap:" in l]
for line in complaints[:10]:
    print("wine:", line)
print(f"exit code {r.returncode}; Wine heap complaints: {len(complaints)}")
# The program's own summary line proves it ran: a Wine that cannot run the
# program's architecture may exit 0 without running anything.
ran = "threads: " in r.stdout
if not ran:
    print("the program printed no summary line: it did not run")
ok = r.returncode == 0 and not complaints and ran
print("thread-exit:", "passed" if ok else "FAILED")
sys.exit(0 if ok else 1)
