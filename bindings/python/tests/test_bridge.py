"""The bridge: a host in another process (olstate-monitor --serve), in this
process (olstate.Bridge), and reconnecting when the host comes back."""
import pytest

import olstate
from olstate import EventKind, Provider, State
from conftest import Host, wait_until


def test_follow_and_switch_through_a_host_process(endpoint, profile):
    host = Host(endpoint, profile)
    try:
        with olstate.Session(provider=Provider.BRIDGE, endpoint=endpoint) as s:
            assert s.info.provider == Provider.BRIDGE and s.info.profile == profile
            assert s.state is State.ONLINE
            with s.events() as it:
                s.set_state("offline")
                kinds = [it.get(20).kind for _ in range(3)]
            assert kinds == [EventKind.CHANGE_START, EventKind.CHANGE, EventKind.CHANGE_DONE]
            s.wait_state("offline", timeout=20)
            s.set_state("online")
            s.wait_state("online", timeout=20)
    finally:
        host.stop()


def test_host_that_refuses_set(endpoint, profile):
    host = Host(endpoint, profile, allow_set=False)
    try:
        with olstate.Session(provider=Provider.BRIDGE, endpoint=endpoint) as s:
            with pytest.raises(olstate.NotSupportedError):
                s.set_state("offline")
    finally:
        host.stop()


def test_no_host_is_provider_not_found(endpoint):
    with pytest.raises(olstate.ProviderNotFoundError):
        olstate.Session(provider=Provider.BRIDGE, endpoint=endpoint)


def test_reconnect_reports_lost_and_back(endpoint, profile):
    with olstate.Session(provider=Provider.BRIDGE, endpoint=endpoint, reconnect=True) as s:
        got = []
        s.subscribe(got.append)
        host = Host(endpoint, profile)
        assert wait_until(lambda: any(e.kind == EventKind.PROVIDER_BACK for e in got), 30)
        s.wait_state("online", timeout=20)
        host.stop()
        assert wait_until(lambda: any(e.kind == EventKind.PROVIDER_LOST for e in got), 30)
        with pytest.raises(olstate.ProviderNotFoundError):
            s.state
        host = Host(endpoint, profile)
        try:
            assert wait_until(lambda: sum(e.kind == EventKind.PROVIDER_BACK for e in got) == 2, 30)
            assert s.state is State.ONLINE
        finally:
            host.stop()


def test_wait_state_fails_when_the_host_goes(endpoint, profile):
    host = Host(endpoint, profile)
    with olstate.Session(provider=Provider.BRIDGE, endpoint=endpoint) as s:
        import threading
        threading.Timer(0.3, host.stop).start()
        with pytest.raises(olstate.ProviderNotFoundError):
            s.wait_state("offline", timeout=30)


def test_bridge_in_this_process(endpoint, profile):
    with olstate.Session(profile) as hosted, olstate.Bridge(hosted, allow_set_state=True, endpoint=endpoint) as b:
        assert b.endpoint == endpoint
        with olstate.Session(provider=Provider.BRIDGE, endpoint=b.endpoint) as client:
            client.set_state("offline")
            hosted.wait_state("offline", timeout=20)
            client.wait_state("offline", timeout=20)
        b.stop()
        b.stop()  # idempotent
