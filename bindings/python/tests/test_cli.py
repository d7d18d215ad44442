"""python -m olstate mirrors olstate-monitor's basic use."""
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

import olstate
from olstate import simulator
from conftest import Host, child_env


def olstate_cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "olstate", *args], capture_output=True, text=True,
                          env=child_env(), timeout=timeout)


def test_facts_and_events_json(profile):
    # --set in another process would need a bridge: the simulator is per process,
    # so this child drives itself through --count with a state change made via --set first.
    r = olstate_cli("--profile", profile, "--set", "offline", "--block", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"type": "state", "state": "offline"}


def follow(endpoint, *args):
    """python -m olstate following a bridge host of another process; a change
    is made through the host once the CLI printed its facts (it subscribes
    before printing them)."""
    p = subprocess.Popen([sys.executable, "-m", "olstate", "--provider", "bridge", "--endpoint", endpoint,
                          "--count", "3", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=child_env())
    first = p.stdout.readline()
    with olstate.Session(provider=olstate.Provider.BRIDGE, endpoint=endpoint) as s:
        s.set_state("offline")
    # Not communicate(): it would skip what readline() already buffered.
    killer = threading.Timer(60, p.kill)
    killer.start()
    out, err = p.stdout.read(), p.stderr.read()
    killer.cancel()
    return p.wait(), (first + out).splitlines(), err


def test_text_facts_like_the_monitor(endpoint, profile):
    host = Host(endpoint, profile)
    try:
        code, lines, err = follow(endpoint)
    finally:
        host.stop()
    assert code == 0, err
    assert lines[0] == f"provider:     bridge ({endpoint})"
    assert lines[1] == f"profile:      {profile}"
    assert lines[2] == "capabilities: offline,online,connection_mode"
    assert lines[3] == "state:        online"
    assert lines[4] == "connection:   cached_connected_full"  # the host's, through the bridge
    assert lines[5] == "account:      user@example.com <user@example.com> exchange, cached_connected_full"
    assert "change_start online -> offline" in lines[6]
    assert "change_done  online -> offline" in lines[8]


def test_json_events(endpoint, profile):
    host = Host(endpoint, profile)
    try:
        code, lines, err = follow(endpoint, "--json")
    finally:
        host.stop()
    assert code == 0, err
    objs = [json.loads(line) for line in lines]
    assert objs[0]["type"] == "session" and objs[0]["capabilities"] == ["offline", "online", "connection_mode"]
    assert objs[1]["type"] == "connection" and objs[1]["mode"] == "cached_connected_full"
    assert [o["kind"] for o in objs[2:]] == ["change_start", "change", "change_done"]


def test_wait_times_out_with_exit_1(profile):
    r = olstate_cli("--profile", profile, "--wait", "offline", "--timeout", "0.2")
    assert r.returncode == 1
    assert "did not become offline" in r.stderr


def test_wait_already_there(profile):
    r = olstate_cli("--profile", profile, "--wait", "online", "--timeout", "5")
    assert r.returncode == 0 and r.stdout.strip() == "state: online", r.stderr


def test_count_zero_prints_the_facts_and_exits(profile):
    r = olstate_cli("--profile", profile, "--count", "0", "--json")
    assert r.returncode == 0, r.stderr
    facts, connection = (json.loads(line) for line in r.stdout.splitlines())
    assert facts["type"] == "session" and facts["profile"] == profile and facts["state"] == "online"
    assert connection["type"] == "connection"


def test_ctrl_c_ends_following_with_exit_0(profile):
    p = subprocess.Popen([sys.executable, "-m", "olstate", "--profile", profile], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=child_env())
    facts = [p.stdout.readline() for _ in range(4)]
    assert facts[3].startswith("state:"), facts
    p.send_signal(signal.SIGINT)
    try:
        assert p.wait(20) == 0
    finally:
        p.kill()
        p.communicate()


def test_usage_errors_exit_2():
    assert olstate_cli("--block").returncode == 2
    assert olstate_cli("--set", "sideways").returncode == 2
    assert olstate_cli("--endpoint", "/x").returncode == 2
    assert olstate_cli("--count", "-1").returncode == 2


def test_bridge_without_host_exits_1(tmp_path):
    r = olstate_cli("--provider", "bridge", "--endpoint", str(tmp_path / "none.sock"))
    assert r.returncode == 1 and "OLSTATE_E_PROVIDER_NOT_FOUND" in r.stderr


simulator  # imported so a broken simulator binding fails this module early


def monitor(*args, timeout=60):
    return subprocess.run([os.environ["OLSTATE_MONITOR"], *args], capture_output=True, text=True, timeout=timeout)


def test_opening_facts_are_the_monitors_word_for_word(profile):
    # Each process has a simulator of its own with the same defaults: the
    # facts after the provider line (whose library path may be spelled
    # differently) must match, connection and account lines included.
    args = ("--provider", "simulator", "--profile", profile, "--count", "0")
    py, c = olstate_cli(*args), monitor(*args)
    assert py.returncode == 0 and c.returncode == 0, py.stderr + c.stderr
    assert py.stdout.splitlines()[1:] == c.stdout.splitlines()[1:]
    assert any(line.startswith("connection:   ") for line in py.stdout.splitlines())
    pj, cj = olstate_cli(*args, "--json"), monitor(*args, "--json")
    py_objs = [json.loads(line) for line in pj.stdout.splitlines()]
    c_objs = [json.loads(line) for line in cj.stdout.splitlines()]
    assert [o["type"] for o in py_objs] == ["session", "connection"]
    for o in py_objs + c_objs:
        o.pop("provider_path", None)
    assert py_objs == c_objs


def test_opening_facts_name_modes_accounts_and_offline(session, profile):
    from olstate.__main__ import _facts
    simulator.set_connection_mode(olstate.ConnectionMode.CACHED_DISCONNECTED, profile)
    simulator.add_account("Home", None, olstate.AccountType.IMAP, olstate.ConnectionMode.NO_EXCHANGE, profile)
    simulator.add_account("Lab", "lab@example.com", olstate.AccountType.EXCHANGE, olstate.ConnectionMode.ONLINE, profile)
    session.set_state("offline", block=True)
    lines = _facts(session, False).splitlines()
    assert lines[3:] == ["state:        offline",
                         "connection:   cached_disconnected (Outlook is offline)",
                         "account:      user@example.com <user@example.com> exchange, cached_connected_full",
                         "account:      Home <> imap, no_exchange",
                         "account:      Lab <lab@example.com> exchange, online"]
    connection = json.loads(_facts(session, True).splitlines()[1])
    assert connection == {"type": "connection", "mode": "cached_disconnected", "offline": True, "accounts": [
        {"display_name": "user@example.com", "smtp_address": "user@example.com", "type": "exchange",
         "mode": "cached_connected_full"},
        {"display_name": "Home", "smtp_address": "", "type": "imap", "mode": "no_exchange"},
        {"display_name": "Lab", "smtp_address": "lab@example.com", "type": "exchange", "mode": "online"}]}


def test_no_connection_facts_without_the_capability(profile):
    simulator.set_connection_reported(False, profile)
    try:
        with olstate.Session(profile, provider=olstate.Provider.SIMULATOR) as s:
            from olstate.__main__ import _facts
            assert len(_facts(s, False).splitlines()) == 4
            assert len(_facts(s, True).splitlines()) == 1
    finally:
        simulator.set_connection_reported(True, profile)


def test_the_13_open_options_reach_the_library_like_the_monitors(profile):
    # --poll-interval is checked by the library (its message names the field);
    # with auto (the simulator off Windows) a valid one and --no-fallback open.
    r = olstate_cli("--poll-interval", "50", "--count", "0")
    assert r.returncode == 1 and "OLSTATE_E_INVALID_ARGUMENT" in r.stderr and "connection_poll_ms" in r.stderr, r.stderr
    r = olstate_cli("--provider", "object-model", "--poll-interval", "250", "--count", "0")
    assert r.returncode == 1 and "OLSTATE_E_NOT_SUPPORTED" in r.stderr, r.stderr
    r = olstate_cli("--no-fallback", "--poll-interval", "250", "--profile", profile, "--count", "0")
    assert r.returncode == 0 and "state:        online" in r.stdout, r.stderr


@pytest.mark.parametrize("bad, says", [
    (["--provider", "simulator", "--no-fallback"], "--no-fallback goes with --provider auto"),
    (["--provider", "simulator", "--poll-interval", "250"], "--poll-interval goes with --provider auto or object-model"),
    (["--provider", "bridge", "--poll-interval", "250"], "--poll-interval goes with --provider auto or object-model"),
    (["--poll-interval", "0"], "--poll-interval needs a number of milliseconds > 0"),
    (["--poll-interval", "soon"], "--poll-interval: invalid int value")])
def test_the_13_open_options_usage_errors(bad, says):
    r = olstate_cli(*bad)
    assert r.returncode == 2 and says in r.stderr, (r.returncode, r.stderr)
