"""subscribe with a callable, the iterator, the async stream, wait_state."""
import asyncio
import threading
import time

import pytest

import olstate
from olstate import EventKind, State, simulator
from conftest import wait_until


def test_subscribe_gets_start_change_done(session, profile):
    got = []
    with session.subscribe(got.append) as sub:
        assert sub.token > 0
        simulator.set_state("offline", profile)
        assert wait_until(lambda: len(got) == 3)
    assert [e.kind for e in got] == [EventKind.CHANGE_START, EventKind.CHANGE, EventKind.CHANGE_DONE]
    assert all(e.old_state is State.ONLINE and e.new_state is State.OFFLINE for e in got)
    assert [e.sequence for e in got] == [got[0].sequence + i for i in range(3)]
    assert got[0].to_dict()["kind"] == "change_start"


def test_after_unsubscribe_no_more_calls(session, profile):
    got = []
    sub = session.subscribe(got.append)
    sub.close()
    sub.close()  # idempotent
    simulator.set_state("offline", profile)
    simulator.wait_idle(profile)
    time.sleep(0.1)
    assert got == []


def test_release_frees_the_callable(profile):
    before = olstate._callbacks.live_handlers()
    with olstate.Session(profile) as s:
        for _ in range(5):
            s.subscribe(lambda e: None)
        assert olstate._callbacks.live_handlers() == before + 5
    assert olstate._callbacks.live_handlers() == before


def test_iterator_ends_when_session_closes(profile):
    s = olstate.Session(profile)
    it = s.events()
    s.set_state("offline", block=True)
    threading.Timer(0.2, s.close).start()
    got = list(it)  # blocks until the close ends the stream
    assert [e.kind for e in got] == [EventKind.CHANGE_START, EventKind.CHANGE, EventKind.CHANGE_DONE]


def test_iterator_get_times_out(session):
    with session.events() as it:
        t0 = time.monotonic()
        assert it.get(timeout=0.2) is None
        assert time.monotonic() - t0 < 5


def test_iterator_overflow_marks_dropped(session, profile):
    with session.events(maxsize=4) as it:
        simulator.storm(5, 1, profile)  # 15 events
        simulator.wait_idle(profile)
        assert wait_until(lambda: it._buffer._items and len(it._buffer._items) == 4)
        first = it.get(1)
        assert first is not None and first.dropped


def test_async_stream_delivers_on_the_loop_thread(session, profile):
    async def main():
        loop_thread = threading.get_ident()
        threads = set()
        async with session.stream() as stream:
            simulator.set_state("offline", profile, wait=False)
            got = []
            async for e in stream:
                threads.add(threading.get_ident())
                got.append(e)
                if len(got) == 3:
                    break
        return got, threads, loop_thread

    got, threads, loop_thread = asyncio.run(asyncio.wait_for(main(), 20))
    assert [e.kind for e in got] == [EventKind.CHANGE_START, EventKind.CHANGE, EventKind.CHANGE_DONE]
    assert threads == {loop_thread}


def test_async_stream_under_load_loses_nothing(profile):
    # INLINE delivery from a pool of provider threads: every event is handed
    # from one of several olstate threads to the loop (no native queue to drop).
    simulator.set_delivery(simulator.DELIVERY_POOL, profile, 4)
    session = olstate.Session(profile, delivery=olstate.Delivery.INLINE)

    async def main():
        stream = session.stream(maxsize=100000)
        await asyncio.get_running_loop().run_in_executor(None, simulator.storm, 200, 4, profile)
        got = []
        while len(got) < 600:
            e = await stream.get(timeout=10)
            assert e is not None, f"only {len(got)} events"
            got.append(e)
        stream.close()
        return got

    try:
        got = asyncio.run(main())
    finally:
        session.close()
    assert len(got) == 600 and not any(e.dropped for e in got)
    seqs = [e.sequence for e in got]
    assert len(set(seqs)) == 600


def test_async_stream_ends_on_close(profile):
    async def main():
        s = olstate.Session(profile)
        stream = s.stream()
        asyncio.get_running_loop().call_later(0.1, s.close)
        return [e async for e in stream]

    assert asyncio.run(asyncio.wait_for(main(), 20)) == []


def test_wait_state_returns_at_once_when_there(session):
    t0 = time.monotonic()
    session.wait_state("online", timeout=5)
    assert time.monotonic() - t0 < 5


def test_wait_state_sees_a_change_from_another_thread(session, profile):
    threading.Timer(0.1, simulator.set_state, args=("offline", profile)).start()
    session.wait_state(State.OFFLINE, timeout=20)
    assert session.state is State.OFFLINE


def test_wait_state_times_out(session):
    t0 = time.monotonic()
    with pytest.raises(olstate.StateTimeoutError) as e:
        session.wait_state("offline", timeout=0.2)
    assert isinstance(e.value, TimeoutError)
    assert 0.15 < time.monotonic() - t0 < 10


def test_wait_state_misses_no_change_racing_its_start(profile):
    # The change starts while wait_state subscribes: subscribe-then-read must see it.
    for i in range(20):
        with olstate.Session(f"{profile}-{i}") as s:
            threading.Thread(target=simulator.set_state, args=("offline", f"{profile}-{i}"),
                             kwargs={"wait": False}).start()
            s.wait_state("offline", timeout=20)
