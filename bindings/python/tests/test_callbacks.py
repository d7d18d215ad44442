"""Callbacks from olstate's threads: under load, exceptions contained."""
import threading

import olstate
from olstate import Delivery, simulator
from conftest import wait_until


def test_many_threads_inline_delivery_under_load(profile):
    simulator.set_delivery(simulator.DELIVERY_POOL, profile, 4)
    counts = {}
    lock = threading.Lock()

    def on_event(e):
        with lock:
            counts[threading.get_ident()] = counts.get(threading.get_ident(), 0) + 1

    with olstate.Session(profile, delivery=Delivery.INLINE) as s:
        with s.subscribe(on_event):
            simulator.storm(500, 4, profile)
            simulator.wait_idle(profile)
    assert sum(counts.values()) == 4 * 1500   # each storm thread sends 500 changes
    assert len(counts) > 1                     # from several olstate threads at once
    assert threading.get_ident() not in counts


def test_queued_delivery_under_load_keeps_order(session, profile):
    seqs = []
    with session.subscribe(lambda e: seqs.append(e.sequence)):
        simulator.storm(60, 1, profile)   # 180 events, under the queue's 256
        assert wait_until(lambda: len(seqs) == 180)
    assert seqs == sorted(seqs)


def test_exception_in_callback_is_contained_and_reported(session, profile, errors):
    calls = []

    def bad(e):
        calls.append(e)
        raise RuntimeError("boom from a callback")

    with session.subscribe(bad):
        simulator.set_state("offline", profile)
        assert wait_until(lambda: len(calls) == 3 and len(errors) == 3)
    err, event = errors[0]
    assert isinstance(err, RuntimeError) and "boom" in str(err)
    assert event is calls[0]
    # The session still works after the exceptions.
    session.set_state("online", block=True)
    assert session.state is olstate.State.ONLINE


def test_default_handler_output(profile):
    import subprocess, sys
    from conftest import child_env
    code = (
        "import olstate\nfrom olstate import simulator\n"
        f"s = olstate.Session('{profile}')\n"
        "s.subscribe(lambda e: 1/0)\n"
        f"simulator.set_state('offline', '{profile}')\n"
        f"simulator.wait_idle('{profile}')\n"
        "import time; time.sleep(0.3)\n"
        "s.close()\nprint('still alive')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), timeout=60)
    assert r.returncode == 0, r.stderr
    assert "still alive" in r.stdout
    assert r.stderr.count("ZeroDivisionError") == 3
    assert "olstate: exception in a callback" in r.stderr


def test_failing_error_handler_does_not_escape(session, profile):
    def handler(e, ev):
        raise KeyError("handler fails too")

    previous = olstate.set_callback_error_handler(handler)
    try:
        calls = []
        with session.subscribe(lambda e: (calls.append(e), 1 / 0)):
            simulator.set_state("offline", profile)
            assert wait_until(lambda: len(calls) == 3)
    finally:
        olstate.set_callback_error_handler(previous)
    assert session.state is olstate.State.OFFLINE


def test_callback_may_close_its_own_session(profile):
    s = olstate.Session(profile)
    done = threading.Event()

    def on_event(e):
        s.close()
        done.set()

    s.subscribe(on_event)
    simulator.set_state("offline", profile)
    assert done.wait(20)
    assert wait_until(lambda: s.closed)
