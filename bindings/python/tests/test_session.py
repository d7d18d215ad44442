"""Session basics against the simulator: facts, state, errors per code."""
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
