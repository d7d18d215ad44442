#!/usr/bin/env python3
"""olstate-monitor across processes: --serve in one, --provider bridge in
another, as the README's two-terminal demo does."""
import json
import os
import signal
import socket
import subprocess
import time
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from monitor_checks import MONITOR, check, finish, run  # noqa: E402


class Proc:
    """A monitor in the background; its stdout lines are collected."""

    every = []  # every one started, for the strict simulator's check at the end

    def __init__(self, *args):
        self.p = subprocess.Popen([MONITOR, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.args = args
        Proc.every.append(self)
        self.lines = []
        self.cv = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def wait_line(self, pred, timeout=20):
        with self.cv:
            ok = self.cv.wait_for(lambda: any(pred(l) for l in self.lines) or self.p.poll() is not None, timeout)
            return ok and any(pred(l) for l in self.lines)

    def finish(self, timeout=20):
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None
        # The process has ended, but its last lines may still be in the pipe:
        # the checks that follow read self.lines.
        self.reader.join(timeout)
        return self.p.returncode

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        return self.finish()


tmp = tempfile.mkdtemp(prefix="olstate-monitor-bridge-")
os.chmod(tmp, 0o700)
ep = os.path.join(tmp, "a.sock")

# A host that allows set, a follower, a setter: the follower sees the same events as the host.
host = Proc("--provider", "simulator", "--profile", "mon-bridge", "--serve", "--allow-set", "--endpoint", ep)
check(host.wait_line(lambda l: l.startswith("serving:") and ep in l), f"--serve prints its endpoint {host.lines}")
follower = Proc("--provider", "bridge", "--endpoint", ep, "--count", "3", "--json")
check(follower.wait_line(lambda l: '"type":"session"' in l), "the follower connected")
r = run("--provider", "bridge", "--endpoint", ep, "--set", "offline", "--block")
check(r.returncode == 0 and "state: offline" in r.stdout, f"--set through the bridge ({r.returncode}, {r.stdout!r}, {r.stderr!r})")
check(follower.finish() == 0, "the follower exits 0 after --count 3")
objs = [json.loads(l) for l in follower.lines]
check(objs and objs[0]["provider"] == "bridge" and objs[0]["profile"] == "mon-bridge", f"bridge facts {objs[:1]}")
kinds = [o["kind"] for o in objs[1:]]
check(kinds == ["change_start", "change", "change_done"], f"follower kinds {kinds}")
check(host.wait_line(lambda l: "change_done" in l), "the host prints the same change")
host_events = [l.split()[2] for l in host.lines if " #" in l]
check(host_events == ["change_start", "change", "change_done"], f"host events {host_events}")
check(host.stop() == 0, "--serve exits 0 on SIGTERM")
check(not os.path.exists(ep), "the endpoint is removed when the host stops")

# A host that forbids set: a clear error and exit 1.
host = Proc("--provider", "simulator", "--profile", "mon-ro", "--serve", "--endpoint", ep)
check(host.wait_line(lambda l: l.startswith("serving:")), "read-only host started")
r = run("--provider", "bridge", "--endpoint", ep, "--set", "offline")
check(r.returncode == 1, f"--set refused exits 1 (got {r.returncode})")
check("does not let clients change the state" in r.stderr and "OLSTATE_E_NOT_SUPPORTED" in r.stderr,
      f"--set refused says why: {r.stderr!r}")

check(host.stop() == 0, "read-only host exits 0")

# The host killed: a plain follower reports provider_lost and exits 1; a
# reconnecting one reports provider_back when a new host comes.
host = Proc("--provider", "simulator", "--profile", "mon-ro", "--serve", "--allow-set", "--endpoint", ep)
check(host.wait_line(lambda l: l.startswith("serving:")), "host started")
plain = Proc("--provider", "bridge", "--endpoint", ep)
recon = Proc("--provider", "bridge", "--endpoint", ep, "--reconnect")
check(plain.wait_line(lambda l: l.startswith("state:")), "plain follower connected")
check(recon.wait_line(lambda l: l.startswith("state:")), "reconnecting follower connected")
# Both have subscribed once they print a change (the facts come first, the
# subscription right after: a loss in between would reach no subscriber).
r = run("--provider", "bridge", "--endpoint", ep, "--set", "offline", "--block")
check(r.returncode == 0, f"set through the second host ({r.stderr!r})")
check(plain.wait_line(lambda l: "change_done" in l), "plain follower follows")
check(recon.wait_line(lambda l: "change_done" in l), "reconnecting follower follows")
host.p.kill()
host.finish()
check(plain.finish() == 1, "a plain follower exits 1 when the host goes away")
check(any("provider_lost" in l for l in plain.lines), f"plain follower printed provider_lost {plain.lines}")
check(recon.wait_line(lambda l: "provider_lost" in l), "reconnecting follower printed provider_lost")
host = Proc("--provider", "simulator", "--profile", "mon-ro", "--serve", "--endpoint", ep)
check(recon.wait_line(lambda l: "provider_back" in l), f"reconnecting follower printed provider_back {recon.lines}")
check(recon.stop() == 0, "reconnecting follower exits 0 on SIGTERM")
check(host.stop() == 0, "second host exits 0")

# --wait for a state another process brings about: "wait for Outlook, then
# sync". The waiter starts before any host (--reconnect), so it also waits
# for the host; it exits 0 once the host is offline.
ep_wait = os.path.join(tmp, "wait.sock")
waiter = Proc("--provider", "bridge", "--endpoint", ep_wait, "--reconnect", "--wait", "offline", "--timeout", "60")
host = Proc("--provider", "simulator", "--profile", "mon-wait", "--serve", "--allow-set", "--endpoint", ep_wait)
check(host.wait_line(lambda l: l.startswith("serving:")), "host for --wait serves")
check(waiter.p.poll() is None, "--wait is still waiting while the host is online")
r = run("--provider", "bridge", "--endpoint", ep_wait, "--set", "offline", "--block")
check(r.returncode == 0, f"--set offline for the waiter ({r.stderr!r})")
check(waiter.finish() == 0 and "reached: offline" in waiter.lines, f"--wait offline reached {waiter.lines}")
check(host.stop() == 0, "--wait host exits 0")

# Usage errors.
check(run("--reconnect").returncode == 2, "--reconnect without --provider bridge is a usage error")
check(run("--allow-set").returncode == 2, "--allow-set without --serve is a usage error")
r = run("--provider", "bridge", "--endpoint", os.path.join(tmp, "nobody.sock"))
check(r.returncode == 1 and "OLSTATE_E_PROVIDER_NOT_FOUND" in r.stderr, f"no host: {r.stderr!r}")

# A serving monitor whose output pipe closes keeps serving (no SIGPIPE).
mute_ep = os.path.join(tmp, "mute.sock")
mute = subprocess.Popen([MONITOR, "--provider", "simulator", "--profile", "mon-mute", "--serve", "--allow-set",
                         "--endpoint", mute_ep], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
first = mute.stdout.readline()  # started
deadline = time.time() + 20
while not os.path.exists(mute_ep) and time.time() < deadline:
    time.sleep(0.05)
mute.stdout.close()  # the reader goes away; the next event written breaks the pipe
for state in ("offline", "online"):
    r = run("--provider", "bridge", "--endpoint", mute_ep, "--set", state, "--block")
    check(r.returncode == 0, f"the muted host still serves --set {state} ({r.returncode}, {r.stderr!r})")
check(mute.poll() is None, f"the serving monitor survived its closed output (exit {mute.poll()})")
mute.send_signal(signal.SIGTERM)
try:
    mute.wait(20)
except subprocess.TimeoutExpired:
    mute.kill()
    mute.wait()
check(mute.returncode == 0, f"the muted host exits 0 on SIGTERM (got {mute.returncode})")

# A host that hangs (stopped, its backlog full): Ctrl-C and SIGTERM end a
# monitor blocked on it at once, with exit 0 (before: ignored until the host resumed).
hung_ep = os.path.join(tmp, "hung.sock")
hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
hung.bind(hung_ep)
hung.listen(0)
fillers = []
for _ in range(40):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.setblocking(False)
    try:
        c.connect(hung_ep)
    except OSError:
        pass
    fillers.append(c)
for sig in (signal.SIGINT, signal.SIGTERM):
    p = subprocess.Popen([MONITOR, "--provider", "bridge", "--endpoint", hung_ep, "--count", "0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # inside the open's connect (its limit is 10 s)
    t0 = time.time()
    p.send_signal(sig)
    try:
        p.wait(timeout=5)
        check(p.returncode == 0 and time.time() - t0 < 5, f"{sig.name} ends a blocked monitor with 0 (got {p.returncode})")
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        check(False, f"{sig.name} did not end a monitor blocked on a hung host")
for c in fillers:
    c.close()
hung.close()

# With the strict simulator (OLSTATE_SIM_STRICT, meson option strict_simulator)
# a serving monitor broke no rule of Outlook's: each broken rule prints this line.
for proc in Proc.every:
    if proc.p.poll() is None:
        proc.stop()
    err = proc.p.stderr.read() if proc.p.stderr else ""
    bad = [l for l in err.splitlines() if "olstate_sim: strict violation" in l]
    check(not bad, f"no strict violation in monitor {' '.join(proc.args)}: {bad[:3]}")

os.system(f"rm -rf '{tmp}'")
finish("monitor-bridge")
