"""Interpreter shutdown with live sessions: no crash, no hang, callbacks stop."""
import subprocess
import sys

from conftest import child_env

SCRIPT = """
import threading, olstate
from olstate import simulator, Delivery
sessions = []
for i in range(4):
    s = olstate.Session("{profile}", delivery=Delivery.INLINE if i % 2 else Delivery.QUEUED)
    s.subscribe(lambda e: sum(range(200)))   # busy Python callbacks
    sessions.append(s)
stream = sessions[0].events()
simulator.set_delivery(simulator.DELIVERY_POOL, "{profile}", 3)
# A storm still running on other threads while the interpreter exits.
threading.Thread(target=simulator.storm, args=(100000, 3, "{profile}"), daemon=True).start()
import time; time.sleep(0.3)
print("exiting", flush=True)
{ending}
"""


def run(profile, ending):
    code = SCRIPT.format(profile=profile, ending=ending)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=child_env(), timeout=120)


def test_exit_with_live_sessions_and_a_storm(profile):
    r = run(profile, "")
    assert r.returncode == 0, r.stderr
    assert "exiting" in r.stdout
    assert "Fatal Python error" not in r.stderr and "Traceback" not in r.stderr


def test_sys_exit_from_main_with_live_sessions(profile):
    r = run(profile, "raise SystemExit(3)")
    assert r.returncode == 3, r.stderr
    assert "Fatal Python error" not in r.stderr


def test_session_dropped_without_close_is_closed(profile):
    code = (
        "import gc, olstate\nfrom olstate import simulator\n"
        f"s = olstate.Session('{profile}')\n"
        "s.subscribe(lambda e: None)\n"
        "assert simulator.advised_sinks() >= 1\n"
        "before = simulator.advised_sinks()\n"
        "del s; gc.collect()\n"
        "assert simulator.advised_sinks() == before - 1, simulator.advised_sinks()\n"
        "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), timeout=60)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
