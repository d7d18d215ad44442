#!/usr/bin/env python3
"""Runs the README's two whole C programs (built from README.md by
extract_c.py) and checks what they print.

  run_readme_programs.py first PROGRAM
      the first example against the simulator: the state, then six events.
  run_readme_programs.py bridge PROGRAM MONITOR
      "wait until Outlook is running and follow it": started before any host
      runs, then a host appears (olstate-monitor --serve), changes the state
      and goes away; Enter ends the program. All at the current user's
      endpoint, in a private XDG_RUNTIME_DIR.
"""
import os
import queue
import subprocess
import sys
import tempfile
import threading

WAIT = 60  # seconds for any one line: generous, the machine may be loaded


def lines_of(process):
    """A queue that receives each line the process prints (None at its end)."""
    q = queue.Queue()

    def pump():
        for line in process.stdout:
            q.put(line.rstrip("\n"))
        q.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return q


def expect(q, want):
    try:
        got = q.get(timeout=WAIT)
    except queue.Empty:
        got = f"(nothing within {WAIT} s)"
    if got != want:
        sys.exit(f"expected {want!r}, got {got!r}")
    print("ok:", want)


def first(program):
    p = subprocess.run([program], capture_output=True, text=True, timeout=WAIT)
    want = ["now online"] + [f"#{n} kind {kind}: {a} -> {b}" for n, (kind, a, b) in enumerate(
        [(1, "online", "offline"), (2, "online", "offline"), (3, "online", "offline"),
         (1, "offline", "online"), (2, "offline", "online"), (3, "offline", "online")], 1)]
    if p.returncode != 0 or p.stdout.splitlines() != want:
        sys.exit(f"exit {p.returncode}, printed:\n{p.stdout}{p.stderr}\nwanted:\n" + "\n".join(want))
    print(p.stdout, end="")


def bridge(program, monitor):
    with tempfile.TemporaryDirectory(prefix="olstate-readme-") as runtime:
        os.chmod(runtime, 0o700)
        env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
        client = subprocess.Popen([program], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env)
        host = None
        try:
            out = lines_of(client)
            expect(out, "Outlook is not running yet")
            host = subprocess.Popen([monitor, "--provider", "simulator", "--serve", "--allow-set"],
                                    stdout=subprocess.DEVNULL, env=env)
            expect(out, "Outlook is back, online")
            subprocess.run([monitor, "--provider", "bridge", "--set", "offline", "--block"],
                           check=True, stdout=subprocess.DEVNULL, env=env, timeout=WAIT)
            expect(out, "Outlook is now offline")
            host.terminate()
            host.wait(WAIT)
            expect(out, "Outlook went away (it was offline); waiting for it")
            client.stdin.write("\n")
            client.stdin.flush()
            if client.wait(WAIT) != 0:
                sys.exit(f"the program exited {client.returncode}: {client.stderr.read()}")
            print("ok: Enter ends it, exit 0")
        finally:
            for p in (client, host):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait()


if __name__ == "__main__":
    {"first": first, "bridge": bridge}[sys.argv[1]](*sys.argv[2:])
