#!/usr/bin/env python3
"""olstate-monitor, run as a user would: its output, options and exit codes."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from monitor_checks import MONITOR, check, finish, run  # noqa: E402



# --demo 3: the facts, then nine events (three changes x START/CHANGE/DONE), exit 0.
r = run("--provider", "simulator", "--profile", "mon-demo", "--demo", "3")
check(r.returncode == 0, f"--demo exits 0 (got {r.returncode}, {r.stderr})")
lines = r.stdout.splitlines()
check(any(l.startswith("capabilities: offline,online,connection_mode") for l in lines), "--demo prints capabilities")
check(any(l.startswith("state:        online") for l in lines), "--demo prints the state")
check(any(l.startswith("connection:   cached_connected_full") for l in lines), "--demo prints the connection mode")
check(any(l.startswith("account:      user@example.com") for l in lines), "--demo prints the accounts")
check(any(l.startswith("profile:      mon-demo") for l in lines), "--demo prints the profile")
events = [l for l in lines if " #" in l]
check(len(events) == 9, f"--demo 3 prints nine events (got {len(events)})")
kinds = [l.split()[2] for l in events]
check(kinds == ["change_start", "change", "change_done"] * 3, f"event order {kinds}")

# --json: one object per line; the facts first, then events with the required keys.
r = run("--provider", "simulator", "--profile", "mon-json", "--demo", "1", "--json")
objs = [json.loads(l) for l in r.stdout.splitlines()]
check(r.returncode == 0 and len(objs) == 5, f"--json prints 5 objects (got {len(objs)})")
# Then the Exchange connection (ABI 1.3): the simulator's default mode and account.
conn = objs.pop(1) if len(objs) > 1 else {}
check(conn.get("type") == "connection" and conn.get("mode") == "cached_connected_full"
      and conn.get("offline") is False and len(conn.get("accounts", [])) == 1
      and conn["accounts"][0].get("smtp_address") == "user@example.com", f"--json connection {conn}")
check(objs[0]["type"] == "session" and objs[0]["profile"] == "mon-json"
      and objs[0]["capabilities"] == ["offline", "online", "connection_mode"] and objs[0]["state"] == "online",
      f"--json facts {objs[0] if objs else None}")
for i, o in enumerate(objs[1:], start=1):
    for key in ("time", "kind", "old_state", "new_state", "sequence", "subscription"):
        check(key in o, f"--json event has {key}")
    check(o["sequence"] == i, "--json sequence")
    check(o["time"].endswith("Z") and "T" in o["time"], f"--json time is ISO 8601: {o['time']}")
check([o.get("kind") for o in objs[1:]] == ["change_start", "change", "change_done"], "--json kinds")

# --set changes the state and exits 0; --block reports the new state.
r = run("--provider", "simulator", "--profile", "mon-set", "--set", "offline", "--block")
check(r.returncode == 0 and "state: offline" in r.stdout, f"--set offline --block ({r.stdout!r})")

# --count N exits after N events (driven by --set ... --follow).
r = run("--provider", "simulator", "--profile", "mon-count", "--set", "offline", "--follow", "--count", "3")
check(r.returncode == 0 and len([l for l in r.stdout.splitlines() if " #" in l]) == 3,
      f"--count 3 with --follow ({r.returncode}, {r.stdout!r})")

# --wait: exit 0 when the state is reached (at once: the simulator starts
# online), 1 when --timeout runs out; --json prints one object either way.
r = run("--provider", "simulator", "--profile", "mon-wait", "--wait", "online", "--timeout", "5")
check(r.returncode == 0 and "reached: online" in r.stdout, f"--wait online ({r.returncode}, {r.stdout!r})")
started = time.monotonic()
r = run("--provider", "simulator", "--profile", "mon-wait", "--wait", "offline", "--timeout", "0.3")
check(r.returncode == 1 and "timeout: not offline" in r.stdout, f"--wait offline times out ({r.returncode}, {r.stdout!r})")
check(time.monotonic() - started >= 0.25, "--timeout 0.3 waits about that long")
r = run("--provider", "simulator", "--profile", "mon-wait", "--wait", "offline", "--timeout", "0", "--json")
objs = [json.loads(l) for l in r.stdout.splitlines()]
check(r.returncode == 1 and objs == [{"type": "wait", "state": "offline", "result": "timeout"}],
      f"--wait --json timeout ({r.returncode}, {r.stdout!r})")
r = run("--provider", "simulator", "--profile", "mon-wait", "--wait", "online", "--json")
objs = [json.loads(l) for l in r.stdout.splitlines()]
check(r.returncode == 0 and objs == [{"type": "wait", "state": "online", "result": "reached"}],
      f"--wait --json reached ({r.returncode}, {r.stdout!r})")
for bad in (["--wait", "sideways"], ["--timeout", "3"], ["--wait", "online", "--timeout", "-1"],
            ["--wait", "online", "--timeout", "soon"], ["--wait", "online", "--set", "offline"]):
    r = run("--provider", "simulator", *bad)
    check(r.returncode == 2 and "usage" in r.stderr, f"usage error for {bad} ({r.returncode}, {r.stderr!r})")

# Errors: non-zero exit and the library's message.
r = run("--provider", "/nonexistent/provider.so")
check(r.returncode == 1 and "OLSTATE_E_PROVIDER_NOT_FOUND" in r.stderr, f"bad provider path ({r.stderr!r})")
r = run("--provider", "outlook")
check(r.returncode == 1 and "OLSTATE_E_NOT_SUPPORTED" in r.stderr, "outlook provider on Linux")
r = run("--provider", "bridge")
check(r.returncode == 1 and "OLSTATE_E_PROVIDER_NOT_FOUND" in r.stderr, "bridge provider")
r = run("--provider", "object-model", "--reconnect")
check(r.returncode == 1 and "OLSTATE_E_NOT_SUPPORTED" in r.stderr and "only on Windows" in r.stderr,
      f"object-model provider on Linux ({r.returncode}, {r.stderr!r})")
# The 1.3 open options: --poll-interval reaches the library (its range check
# answers, naming the option), --no-fallback goes with auto only (off Windows
# auto is the simulator, so it opens; the fallback itself is Windows-only:
# tests/win/object_model_fallback.cpp covers OLSTATE_OPEN_NO_FALLBACK).
r = run("--poll-interval", "50", "--count", "0")
check(r.returncode == 1 and "OLSTATE_E_INVALID_ARGUMENT" in r.stderr and "connection_poll_ms" in r.stderr,
      f"--poll-interval 50 is refused by the library ({r.returncode}, {r.stderr!r})")
r = run("--provider", "object-model", "--poll-interval", "250")
check(r.returncode == 1 and "OLSTATE_E_NOT_SUPPORTED" in r.stderr,
      f"--poll-interval 250 with object-model on Linux ({r.returncode}, {r.stderr!r})")
r = run("--no-fallback", "--poll-interval", "250", "--profile", "mon-fallback", "--count", "0")
check(r.returncode == 0 and "state:        online" in r.stdout,
      f"--no-fallback --poll-interval 250 with auto opens ({r.returncode}, {r.stderr!r})")
for bad in (["--provider", "simulator", "--no-fallback"], ["--provider", "simulator", "--poll-interval", "250"],
            ["--provider", "bridge", "--poll-interval", "250"], ["--poll-interval", "0"],
            ["--poll-interval", "soon"], ["--poll-interval", "-5"]):
    r = run(*bad)
    check(r.returncode == 2 and "usage" in r.stderr, f"usage error for {bad} ({r.returncode}, {r.stderr!r})")
r = run("--bogus")
check(r.returncode == 2 and "usage" in r.stderr, "unknown option is a usage error")
r = run("--help")
check(r.returncode == 0 and "--demo" in r.stdout and "--json" in r.stdout, "--help documents the options")

# The Outlook add-in's registration is Windows only: a clear error elsewhere.
for opt in ("--install-addin", "--uninstall-addin"):
    r = run(opt)
    check(r.returncode == 2 and "Windows only" in r.stderr, f"{opt} outside Windows ({r.returncode}, {r.stderr!r})")

# SIGTERM / SIGINT while following: a clean exit 0.
for sig in (signal.SIGTERM, signal.SIGINT):
    p = subprocess.Popen([MONITOR, "--provider", "simulator", "--profile", "mon-sig"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=10)
        check(p.returncode == 0 and "state:" in out, f"exit on {sig.name} ({p.returncode}, {err!r})")
    except subprocess.TimeoutExpired:
        p.kill()
        check(False, f"monitor did not exit on {sig.name}")

# Numbers out of range are usage errors, never overflowed or silently clamped
# (--demo N once overflowed at N * 3; --count clamped to LONG_MAX).
for opt, value in (("--demo", "1000001"), ("--demo", "4611686018427387904"),
                   ("--count", "99999999999999999999999"), ("--count", "-1")):
    r = run("--provider", "simulator", "--profile", "mon-range", opt, value)
    check(r.returncode == 2 and "needs a number from 0 to" in r.stderr,
          f"{opt} {value} is a usage error ({r.returncode}, {r.stderr[:80]!r})")

# --detect: which Outlook, without a session. Outside Windows there is none;
# the Windows facts are checked under Wine (tests/win/detect_outlook.cpp).
if sys.platform != "win32":
    r = run("--detect")
    check(r.returncode == 0 and r.stdout.startswith("outlook:           none (no Outlook found for this user)")
          and "classic installed: no" in r.stdout and "new selected:      no" in r.stdout,
          f"--detect text ({r.returncode}, {r.stdout!r}, {r.stderr!r})")
    r = run("--detect", "--json")
    obj = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}
    check(obj == {"type": "outlook", "verdict": "none", "classic_installed": False, "classic_version": "",
                  "classic_bitness": 0, "classic_click_to_run": False, "classic_running": False,
                  "new_running": False, "new_selected": False}, f"--detect --json {r.stdout!r}")
    r = run("--detect", "--provider", "simulator")
    check(r.returncode == 2 and "--detect takes only --json" in r.stderr, f"--detect with another option ({r.returncode})")

finish("monitor")
