"""ABI 1.2 in Python: wait_state over olstate_wait_state, subscriptions that
start with the current state, the timeout error, and streams that end after
a final PROVIDER_LOST."""
import asyncio
import threading
import time

import pytest

import olstate
from olstate import EventKind, Provider, State, _callbacks
from conftest import wait_until


def test_back_to_back_async_changes_with_wait_state_are_never_busy(session):
    # wait_state returns at the CHANGE_DONE, so the next change finds none in flight.
    for _ in range(50):
        session.set_state("offline")
        session.wait_state("offline", timeout=20)
        session.set_state("online")
        session.wait_state("online", timeout=20)


def test_wait_state_is_the_library_wait_not_a_subscription(session, profile):
    # The 1.1 fallback subscribed for the wait; olstate_wait_state needs no callback.
    before = _callbacks.live_handlers()
    seen = []

    def look_then_change():  # the wait is under way until this changes the state
        time.sleep(0.3)
        seen.append(_callbacks.live_handlers())
        olstate.simulator.set_state("offline", profile)

    threading.Thread(target=look_then_change).start()
    session.wait_state("offline", timeout=20)
    assert seen == [before]


def test_timeout_is_the_library_code(session):
    with pytest.raises(olstate.StateTimeoutError) as e:
        session.wait_state("offline", timeout=0)
    assert e.value.code == -12 and e.value.name == "OLSTATE_E_TIMEOUT"
    assert olstate.errors.BY_CODE[-12] is olstate.StateTimeoutError
    with pytest.raises(ValueError):
        session.wait_state("offline", timeout=-1)


def test_close_on_another_thread_ends_a_wait(profile):
    s = olstate.Session(profile, provider=Provider.SIMULATOR)
    result = []

    def wait():
        try:
            s.wait_state("offline")  # no timeout: only the close can end it
        except olstate.OlStateError as error:
            result.append(error)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    s.close()
    waiter.join(20)
    assert not waiter.is_alive()
    assert len(result) == 1 and isinstance(result[0], olstate.InvalidHandleError)


def test_subscribe_current_state_first(session):
    session.set_state("offline", block=True)
    got = []
    with session.subscribe(got.append, current_state=True):
        assert wait_until(lambda: got, 20)
        session.set_state("online", block=True)
        assert wait_until(lambda: len(got) >= 4, 20)
    assert got[0].kind == EventKind.CURRENT
    assert got[0].old_state == got[0].new_state == State.OFFLINE
    assert [e.kind for e in got[1:4]] == [EventKind.CHANGE_START, EventKind.CHANGE, EventKind.CHANGE_DONE]
    with session.events(current_state=True) as events:
        first = events.get(20)
    assert first is not None and first.kind == EventKind.CURRENT and first.new_state == State.ONLINE
    with session.events() as events:  # without the option: no CURRENT
        assert events.get(0.2) is None


def _host_and_client(profile, endpoint):
    host = olstate.Session(profile, provider=Provider.SIMULATOR)
    bridge = olstate.Bridge(host, endpoint=endpoint)
    client = olstate.Session(provider=Provider.BRIDGE, endpoint=endpoint)
    return host, bridge, client


def test_events_end_after_a_final_provider_lost(profile, endpoint):
    host, bridge, client = _host_and_client(profile, endpoint)
    try:
        got = []
        events = client.events()
        reader = threading.Thread(target=lambda: got.extend(events))  # a plain for loop
        reader.start()
        bridge.stop()
        reader.join(30)
        assert not reader.is_alive(), "the iterator did not end after the final PROVIDER_LOST"
        assert got and got[-1].kind == EventKind.PROVIDER_LOST
        with pytest.raises(olstate.ProviderNotFoundError):
            client.wait_state("offline", timeout=5)
    finally:
        client.close()
        host.close()


def test_async_stream_ends_after_a_final_provider_lost(profile, endpoint):
    host, bridge, client = _host_and_client(profile, endpoint)

    async def follow():
        kinds = []
        async with client.stream(current_state=True) as events:
            bridge.stop()
            async for event in events:
                kinds.append(event.kind)
        return kinds

    try:
        kinds = asyncio.run(asyncio.wait_for(follow(), 30))
        assert kinds == [EventKind.CURRENT, EventKind.PROVIDER_LOST]
    finally:
        client.close()
        host.close()


def test_events_go_on_after_a_loss_with_reconnect(profile, endpoint):
    host = olstate.Session(profile, provider=Provider.SIMULATOR)
    bridge = olstate.Bridge(host, endpoint=endpoint)
    client = olstate.Session(provider=Provider.BRIDGE, endpoint=endpoint, reconnect=True)
    try:
        with client.events() as events:
            bridge.stop()
            assert events.get(30).kind == EventKind.PROVIDER_LOST
            bridge = olstate.Bridge(host, endpoint=endpoint)
            assert events.get(60).kind == EventKind.PROVIDER_BACK
        bridge.stop()
    finally:
        client.close()
        host.close()
