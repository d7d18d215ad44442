"""Outlook's Exchange connection (ABI 1.3): connection_mode, offline, accounts,
their events in both delivery modes, wait_connection, a failing poll and a
session that cannot report them, driven by the simulator; the mode sequence
also through a bridge in this process."""
import threading
import time

import pytest

import olstate
from olstate import (Account, AccountType, Capabilities, ConnectionMode, Delivery, EventKind,
                     NotSupportedError, ProviderFailedError, StateTimeoutError, simulator)

STEPS = [ConnectionMode.CACHED_DISCONNECTED, ConnectionMode.CACHED_OFFLINE,
         ConnectionMode.CACHED_CONNECTED_HEADERS, ConnectionMode.CACHED_CONNECTED_DRIZZLE,
         ConnectionMode.CACHED_CONNECTED_FULL, ConnectionMode.OFFLINE, ConnectionMode.ONLINE,
         ConnectionMode.NO_EXCHANGE, ConnectionMode.DISCONNECTED]


def next_of(events, kind, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        event = events.get(max(0.0, deadline - time.monotonic()))
        assert event is not None, f"no {kind} event within {timeout} s"
        if event.kind == kind:
            return event


def assert_no_more(events, profile, kind):
    simulator.wait_idle(profile)
    while True:
        event = events.get(0.2)
        if event is None:
            return
        assert event.kind != kind, f"an extra event: {event}"


def play_and_expect_the_sequence(profile, s):
    """Each step twice on the simulator (the second changes nothing): ``s``
    gets one CONNECTION_CHANGED per change, in order, and no other."""
    assert Capabilities.CONNECTION_MODE in s.capabilities
    assert s.connection_mode is ConnectionMode.CACHED_CONNECTED_FULL
    with s.events() as events:
        for mode in STEPS:
            simulator.set_connection_mode(mode, profile)
            simulator.set_connection_mode(mode, profile)  # no change: no event
        old, last = ConnectionMode.CACHED_CONNECTED_FULL, 0
        for mode in STEPS:
            e = next_of(events, EventKind.CONNECTION_CHANGED)
            assert (e.old_mode, e.new_mode) == (old, mode), str(e)
            assert e.sequence > last and not e.dropped
            old, last = mode, e.sequence
        assert_no_more(events, profile, EventKind.CONNECTION_CHANGED)
    assert s.connection_mode is ConnectionMode.DISCONNECTED


@pytest.mark.parametrize("delivery", [Delivery.QUEUED, Delivery.INLINE])
def test_a_mode_sequence_arrives_in_order_once_per_change(profile, delivery):
    with olstate.Session(profile, provider=olstate.Provider.SIMULATOR, delivery=delivery) as s:
        play_and_expect_the_sequence(profile, s)


def test_a_mode_sequence_reaches_a_bridge_client(session, profile, endpoint):
    with olstate.Bridge(session, endpoint=endpoint) as bridge, \
            olstate.Session(provider=olstate.Provider.BRIDGE, endpoint=bridge.endpoint) as client:
        play_and_expect_the_sequence(profile, client)


def test_event_text_and_dict_name_modes(session, profile):
    with session.events() as events:
        simulator.set_connection_mode(ConnectionMode.CACHED_DISCONNECTED, profile)
        e = next_of(events, EventKind.CONNECTION_CHANGED)
    assert str(e) == f"#{e.sequence} connection_changed cached_connected_full -> cached_disconnected"
    d = e.to_dict()  # as olstate-monitor --json prints it
    assert (d["kind"], d["old_state"], d["new_state"]) == ("connection", "cached_connected_full",
                                                          "cached_disconnected")
    assert e.old_mode is ConnectionMode.CACHED_CONNECTED_FULL


def test_offline_follows_the_mode(session, profile):
    assert session.offline is False
    simulator.set_connection_mode(ConnectionMode.CACHED_DISCONNECTED, profile)
    assert session.offline is True
    assert not session.connection_mode.connected
    simulator.set_connection_mode(ConnectionMode.ONLINE, profile)
    assert session.offline is False


def test_accounts_added_changed_removed(session, profile):
    assert session.accounts == [Account(simulator.DEFAULT_ACCOUNT, simulator.DEFAULT_ACCOUNT,
                                        AccountType.EXCHANGE, ConnectionMode.CACHED_CONNECTED_FULL)]
    with session.events() as events:
        simulator.add_account("Home (IMAP)", "me@home.example", AccountType.IMAP,
                              ConnectionMode.NO_EXCHANGE, profile)
        e = next_of(events, EventKind.ACCOUNT_CHANGED)
        assert (e.old_mode, e.new_mode) == (None, ConnectionMode.NO_EXCHANGE)
        assert str(e).endswith("account_changed none -> no_exchange")
        simulator.add_account("Shared ☃", None, AccountType.EAS, ConnectionMode.CACHED_DISCONNECTED, profile)
        next_of(events, EventKind.ACCOUNT_CHANGED)
        accounts = session.accounts
        assert [a.display_name for a in accounts] == [simulator.DEFAULT_ACCOUNT, "Home (IMAP)", "Shared ☃"]
        assert accounts[1] == Account("Home (IMAP)", "me@home.example", AccountType.IMAP, ConnectionMode.NO_EXCHANGE)
        assert str(accounts[1]) == "Home (IMAP) (imap, me@home.example): no_exchange"
        assert accounts[2].smtp_address is None

        simulator.set_account_mode(simulator.DEFAULT_ACCOUNT, ConnectionMode.CACHED_DISCONNECTED, profile)
        e = next_of(events, EventKind.ACCOUNT_CHANGED)
        assert (e.old_mode, e.new_mode) == (ConnectionMode.CACHED_CONNECTED_FULL, ConnectionMode.CACHED_DISCONNECTED)
        assert session.accounts[0].mode is ConnectionMode.CACHED_DISCONNECTED

        simulator.remove_account("Home (IMAP)", profile)
        e = next_of(events, EventKind.ACCOUNT_CHANGED)
        assert (e.old_mode, e.new_mode) == (ConnectionMode.NO_EXCHANGE, None)
        assert [a.display_name for a in session.accounts] == [simulator.DEFAULT_ACCOUNT, "Shared ☃"]
        assert_no_more(events, profile, EventKind.ACCOUNT_CHANGED)
    assert session.connection_mode is ConnectionMode.CACHED_CONNECTED_FULL


def test_a_failing_poll_raises_provider_failed_with_a_message(session):
    simulator.fail_next(simulator.CALL_POLL_CONNECTION, 0x80004005 - (1 << 32), 3)
    try:
        for read in (lambda: session.connection_mode, lambda: session.offline, lambda: session.accounts):
            with pytest.raises(ProviderFailedError) as info:
                read()
            assert info.value.message
    finally:
        simulator.fail_next(simulator.CALL_POLL_CONNECTION, 0, 0)
    assert session.connection_mode is ConnectionMode.CACHED_CONNECTED_FULL


def test_without_the_capability_reads_raise_not_supported(profile):
    simulator.set_connection_reported(False, profile)
    try:
        with olstate.Session(profile, provider=olstate.Provider.SIMULATOR) as s:
            assert Capabilities.CONNECTION_MODE not in s.capabilities
            for read in (lambda: s.connection_mode, lambda: s.offline, lambda: s.accounts,
                         lambda: s.wait_connection(timeout=30)):
                with pytest.raises(NotSupportedError) as info:
                    read()
                assert info.value.message
    finally:
        simulator.set_connection_reported(True, profile)


def test_wait_connection(session, profile):
    simulator.set_connection_mode(ConnectionMode.CACHED_DISCONNECTED, profile)
    network = threading.Timer(0.1, simulator.set_connection_mode,
                              (ConnectionMode.CACHED_CONNECTED_HEADERS, profile))
    network.start()
    assert session.wait_connection(timeout=10) is ConnectionMode.CACHED_CONNECTED_HEADERS
    network.join()
    assert session.wait_connection(timeout=0) is ConnectionMode.CACHED_CONNECTED_HEADERS  # already: at once
    with pytest.raises(StateTimeoutError, match="cached_connected_headers"):
        session.wait_connection(lambda m: m == ConnectionMode.OFFLINE, timeout=0.1)
    with pytest.raises(ValueError):
        session.wait_connection(timeout=-1)


def test_unknown_values_pass_through():
    from olstate._connection import mode_or_none
    assert mode_or_none(650) == 650 and not isinstance(mode_or_none(650), ConnectionMode)
    assert mode_or_none(0xFFFFFFFF) is None
    assert mode_or_none(0) is ConnectionMode.NO_EXCHANGE
    assert ConnectionMode.ONLINE.connected and not ConnectionMode.CACHED_DISCONNECTED.connected


def test_the_cli_names_connection_events_as_the_monitor_does(session, profile):
    from olstate.__main__ import _line
    with session.events() as events:
        simulator.set_connection_mode(ConnectionMode.CACHED_DISCONNECTED, profile)
        e = next_of(events, EventKind.CONNECTION_CHANGED)
    assert _line(e, False).endswith(f"#{e.sequence:<4} connection   cached_connected_full -> cached_disconnected")


def test_wait_connection_ends_when_the_bridge_host_goes_away(session, profile, endpoint):
    simulator.set_connection_mode(ConnectionMode.CACHED_DISCONNECTED, profile)
    bridge = olstate.Bridge(session, endpoint=endpoint)
    try:
        with olstate.Session(provider=olstate.Provider.BRIDGE, endpoint=bridge.endpoint) as client:
            stopper = threading.Timer(0.1, bridge.stop)
            stopper.start()
            with pytest.raises(olstate.ProviderNotFoundError):
                client.wait_connection(timeout=60)
            stopper.join()
    finally:
        bridge.stop()
