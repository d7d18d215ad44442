"""Session basics against the simulator: facts, state, errors per code."""
import math
import sys
from datetime import timedelta

import pytest

import olstate
from olstate import Capabilities, EventKind, Provider, State, simulator


def test_facts(session, profile):
    info = session.info
    assert info.provider == Provider.SIMULATOR
    assert info.profile == profile
    assert info.provider_path.endswith(("libolstate_sim.so", "olstate_sim.dll"))
    assert session.capabilities == Capabilities.OFFLINE | Capabilities.ONLINE | Capabilities.CONNECTION_MODE
    assert session.state is State.ONLINE


def test_set_state_blocking_and_by_name(session, profile):
    session.set_state("offline", block=True)
    assert session.state is State.OFFLINE
    assert simulator.get_state(profile) is State.OFFLINE
    session.set_state(State.ONLINE, block=True)
    assert session.state is State.ONLINE


def test_bad_state_is_value_error(session):
    with pytest.raises(ValueError):
        session.set_state("sideways")
    with pytest.raises(ValueError):
        session.set_state(7)


def test_invalid_argument_from_the_library(profile):
    with pytest.raises(olstate.InvalidArgumentError) as e:
        olstate.Session(profile, provider=olstate.Provider.LIBRARY, library="relative.so")  # full path only
    assert e.value.code == -1 and isinstance(e.value, ValueError)


def test_closed_session_raises_invalid_handle(profile):
    s = olstate.Session(profile, provider=Provider.SIMULATOR)
    s.close()
    s.close()  # idempotent
    assert s.closed
    with pytest.raises(olstate.InvalidHandleError):
        s.state


def test_unknown_profile_raises_profile_not_found(profile):
    simulator.set_profile_known(profile, False)
    try:
        with pytest.raises(olstate.ProfileNotFoundError) as e:
            olstate.Session(profile, provider=Provider.SIMULATOR)
        assert "OLSTATE_E_PROFILE_NOT_FOUND" in str(e.value)
    finally:
        simulator.set_profile_known(profile, True)


def test_provider_failure_carries_hresult(session):
    e_fail = -2147467259  # E_FAIL
    simulator.fail_next(simulator.CALL_GET_STATE, e_fail, 1)
    with pytest.raises(olstate.ProviderFailedError) as e:
        session.state
    assert e.value.hresult == e_fail
    assert "0x80004005" in str(e.value)
    assert session.state is State.ONLINE  # the fault was for one call


def test_outlook_provider_is_not_supported_here(profile):
    with pytest.raises(olstate.NotSupportedError):
        olstate.Session(profile, provider=Provider.OUTLOOK)
    with pytest.raises(olstate.NotSupportedError):
        olstate.Session(profile, provider=Provider.OBJECT_MODEL)


def test_argument_mismatch_is_refused_before_c():
    with pytest.raises(ValueError):
        olstate.Session(endpoint="/tmp/x.sock")  # endpoint without the bridge
    with pytest.raises(ValueError):
        olstate.Session("bad\0name")


def test_error_classes_cover_every_code():
    for code in range(-1, -12, -1):
        assert olstate.errors.BY_CODE[code].code == code
    unknown = olstate.errors.error_for(-77, "unknown", "later library", 0)
    assert type(unknown) is olstate.OlStateError and unknown.code == -77


def test_event_kinds_from_a_later_library_stay_ints():
    # olstate passes kinds it adds later through; the package must not fail on them.
    raw = olstate._abi.EventStruct(kind=0x177, old_state=2, new_state=1, sequence=5, flags=1)
    e = olstate.Event._from_native(raw, olstate._abi.EVENT_FLAG_DROPPED)
    assert e.kind == 0x177 and not isinstance(e.kind, EventKind)
    assert e.new_state is State.OFFLINE and e.dropped
    assert e.to_dict()["kind"] == "unknown"


# The 1.3 open options: the library checks both, so each refusal from C
# (its message names the field) proves the option reached it.
@pytest.mark.parametrize("kwargs, mention", [
    (dict(provider=Provider.SIMULATOR, no_fallback=True), "NO_FALLBACK"),
    (dict(provider=Provider.BRIDGE, no_fallback=True), "NO_FALLBACK"),
    # Out of range whatever the provider: under 0.1 s, over a day, beyond
    # uint32 milliseconds, half a millisecond (rounded up, not down to 0,
    # the default), infinity.
    (dict(connection_poll_interval=0.05), "connection_poll_ms"),
    (dict(connection_poll_interval=86400.001), "connection_poll_ms"),
    (dict(connection_poll_interval=timedelta(days=60)), "connection_poll_ms"),
    (dict(connection_poll_interval=timedelta(microseconds=500)), "connection_poll_ms"),
    (dict(connection_poll_interval=0.0005), "connection_poll_ms"),
    (dict(connection_poll_interval=math.inf), "connection_poll_ms"),
    # The simulator reads no object model: the library refuses an interval.
    (dict(provider=Provider.SIMULATOR, connection_poll_interval=0.25), "connection_poll_ms"),
    # Refused by the binding: no uint32 can carry them.
    (dict(connection_poll_interval=-1), "connection_poll_interval"),
    (dict(connection_poll_interval=timedelta(seconds=-1)), "connection_poll_interval"),
    (dict(connection_poll_interval=math.nan), "connection_poll_interval"),
])
def test_open_options_of_1_3_are_checked(profile, kwargs, mention):
    with pytest.raises(olstate.InvalidArgumentError, match=mention):
        olstate.Session(profile, **kwargs)


@pytest.mark.skipif(sys.platform == "win32", reason="AUTO is the simulator off Windows")
def test_open_options_of_1_3_accepted_off_windows(profile):
    # A valid interval passes the checks and meets the object-model
    # provider's own answer here.
    with pytest.raises(olstate.NotSupportedError):
        olstate.Session(profile, provider=Provider.OBJECT_MODEL, connection_poll_interval=0.25)
    # AUTO is the simulator, which has no fallback: both options are
    # accepted (at the bounds too) and the session opens.
    for ok in (0.1, 0.25, timedelta(milliseconds=250), timedelta(days=1), 86400):
        with olstate.Session(profile, no_fallback=True, connection_poll_interval=ok) as s:
            assert s.info.provider is Provider.SIMULATOR
