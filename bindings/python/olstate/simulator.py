"""The simulator's control API (shim/sim/olstate_sim.h) for tests and demos:
act like the user clicking Work Offline, inject faults, count objects.

It drives the same simulator file that olstate loads (libolstate_sim next to
libolstate), so sessions opened with Provider.SIMULATOR (or AUTO off Windows)
see every change. Profiles: None means the default profile "Outlook"."""
from __future__ import annotations

import ctypes
import os
import threading
from ctypes import c_char_p, c_int32, c_uint32
from typing import Optional

from . import _abi, _library
from .errors import SimulatorError
from .session import StateLike, to_state
from ._connection import AccountType, ConnectionMode
from .types import Capabilities, State

DEFAULT_PROFILE = "Outlook"

# Calls fail_next can make fail, and delivery modes.
CALL_OPEN, CALL_QUERY_INTERFACE, CALL_GET_CAPABILITIES, CALL_GET_STATE = 1, 2, 3, 4
CALL_SET_STATE, CALL_ADVISE, CALL_UNADVISE = 5, 6, 7
CALL_POLL_CONNECTION = 8  # reading the Exchange connection: connection_mode, offline, accounts fail
DEFAULT_ACCOUNT = "user@example.com"  # every profile starts with this Exchange account, in mode 700
DELIVERY_THREAD, DELIVERY_SYNC, DELIVERY_POOL = 0, 1, 2
MISBEHAVE_OPEN_NULL, MISBEHAVE_LATE_NOTIFY = 1, 2
MISBEHAVE_NOTIFY_IN_ADVISE, MISBEHAVE_SLOW_UNADVISE = 4, 8

_P = c_char_p
_PROTOTYPES = {
    "olstate_sim_reset": (c_int32, []),
    "olstate_sim_set_state": (c_int32, [_P, c_uint32, c_int32]),
    "olstate_sim_get_state": (c_int32, [_P, ctypes.POINTER(c_uint32)]),
    "olstate_sim_set_capabilities": (c_int32, [_P, c_uint32]),
    "olstate_sim_fail_next": (c_int32, [c_uint32, c_int32, c_uint32]),
    "olstate_sim_set_profile_known": (c_int32, [_P, c_int32]),
    "olstate_sim_set_delivery": (c_int32, [_P, c_uint32, c_uint32]),
    "olstate_sim_set_misbehaviour": (c_int32, [c_uint32]),
    "olstate_sim_send_raw": (c_int32, [_P, c_uint32, c_uint32, c_uint32, c_uint32, c_uint32, c_uint32]),
    "olstate_sim_storm": (c_int32, [_P, c_uint32, c_uint32]),
    "olstate_sim_unadvise_all": (c_int32, [_P]),
    "olstate_sim_wait_idle": (c_int32, [_P]),
    "olstate_sim_live_objects": (c_uint32, []),
    "olstate_sim_advised_sinks": (c_uint32, []),
    "olstate_sim_set_connection_mode": (c_int32, [_P, c_uint32]),
    "olstate_sim_add_account": (c_int32, [_P, _P, _P, c_uint32, c_uint32]),
    "olstate_sim_remove_account": (c_int32, [_P, _P]),
    "olstate_sim_set_account_mode": (c_int32, [_P, _P, c_uint32]),
    "olstate_sim_set_connection_reported": (c_int32, [_P, c_int32]),
}

_lock = threading.Lock()
_sim: Optional[ctypes.CDLL] = None


def _native() -> ctypes.CDLL:
    global _sim
    with _lock:
        if _sim is not None:
            return _sim
        _abi.native()
        where = _library.loaded_path() or ""
        tried = []
        names = _library.simulator_candidates(where) if os.path.isabs(where) else []
        names += [os.path.basename(n) for n in _library.simulator_candidates("/")]
        for name in names:
            try:
                lib = ctypes.CDLL(name)
                break
            except OSError as e:
                tried.append(f"{name}: {e}")
        else:
            raise SimulatorError("the simulator library could not be loaded; looked at:\n  " + "\n  ".join(tried))
        for fn, (restype, argtypes) in _PROTOTYPES.items():
            getattr(lib, fn).restype, getattr(lib, fn).argtypes = restype, argtypes
        _sim = lib
        return lib


def _check(what: str, hr: int) -> None:
    if hr < 0:
        raise SimulatorError(f"{what} failed", name="simulator", hresult=hr)


def reset() -> None:
    """Every profile ONLINE with both capabilities, no faults, default delivery."""
    _check("reset", _native().olstate_sim_reset())


def set_state(state: StateLike, profile: Optional[str] = None, *, wait: bool = True) -> None:
    """Changes the state as the user would (START, CHANGE, DONE to every
    session); wait=True returns once every session got DONE."""
    _check("set_state", _native().olstate_sim_set_state(_abi.encode(profile), to_state(state), int(wait)))


def get_state(profile: Optional[str] = None) -> State:
    out = c_uint32()
    _check("get_state", _native().olstate_sim_get_state(_abi.encode(profile), ctypes.byref(out)))
    return State(out.value)


def set_capabilities(capabilities: Capabilities, profile: Optional[str] = None) -> None:
    _check("set_capabilities", _native().olstate_sim_set_capabilities(_abi.encode(profile), int(capabilities)))


def fail_next(call: int, hresult: int, count: int = 1) -> None:
    """The next ``count`` calls of ``call`` (CALL_*) fail with ``hresult``
    (negative, e.g. -2147467259 for E_FAIL); count 0 clears it."""
    _check("fail_next", _native().olstate_sim_fail_next(call, hresult, count))


def set_profile_known(profile: str, known: bool) -> None:
    """known=False: opening that profile fails as an unknown profile does."""
    _check("set_profile_known", _native().olstate_sim_set_profile_known(_abi.encode(profile), int(known)))


def set_delivery(mode: int, profile: Optional[str] = None, threads: int = 1) -> None:
    """DELIVERY_THREAD (default), DELIVERY_SYNC or DELIVERY_POOL with ``threads``."""
    _check("set_delivery", _native().olstate_sim_set_delivery(_abi.encode(profile), mode, threads))


def set_misbehaviour(mask: int) -> None:
    _check("set_misbehaviour", _native().olstate_sim_set_misbehaviour(mask))


def send_raw(notify_type: int, old_state: int, new_state: int, profile: Optional[str] = None,
             *, mask: int = 1, size: int = 0, count: int = 1) -> None:
    """Raw notifications without changing the state (unknown kinds, storms)."""
    _check("send_raw", _native().olstate_sim_send_raw(_abi.encode(profile), notify_type, mask, old_state,
                                                      new_state, size, count))


def storm(count: int, threads: int = 1, profile: Optional[str] = None) -> None:
    """``count`` changes' worth of events from ``threads`` threads at once; returns when delivered."""
    _check("storm", _native().olstate_sim_storm(_abi.encode(profile), threads, count))


def unadvise_all(profile: Optional[str] = None) -> None:
    _check("unadvise_all", _native().olstate_sim_unadvise_all(_abi.encode(profile)))


def wait_idle(profile: Optional[str] = None) -> None:
    """Returns when every notification queued for the profile was delivered."""
    _check("wait_idle", _native().olstate_sim_wait_idle(_abi.encode(profile)))


def live_objects() -> int:
    return int(_native().olstate_sim_live_objects())


def advised_sinks() -> int:
    return int(_native().olstate_sim_advised_sinks())


# -- Outlook's Exchange connection (ABI 1.3) ------------------------------
# Each change notifies the profile's sessions (CONNECTION_CHANGED,
# ACCOUNT_CHANGED); one that changes nothing notifies nothing. Display names
# are the accounts' keys.

def set_connection_mode(mode: "ConnectionMode | int", profile: Optional[str] = None) -> None:
    """The session's mode, as NameSpace.ExchangeConnectionMode would change."""
    _check("set_connection_mode",
           _native().olstate_sim_set_connection_mode(_abi.encode(profile), int(mode)))


def add_account(display_name: str, smtp_address: Optional[str] = None,
                account_type: "AccountType | int" = AccountType.EXCHANGE,
                mode: "ConnectionMode | int" = ConnectionMode.CACHED_CONNECTED_FULL,
                profile: Optional[str] = None) -> None:
    """Adds an account at the end of the list (smtp_address None: unreadable)."""
    _check("add_account", _native().olstate_sim_add_account(
        _abi.encode(profile), _abi.encode(display_name), _abi.encode(smtp_address), int(account_type), int(mode)))


def remove_account(display_name: str, profile: Optional[str] = None) -> None:
    """Removes the account of that display name."""
    _check("remove_account",
           _native().olstate_sim_remove_account(_abi.encode(profile), _abi.encode(display_name)))


def set_account_mode(display_name: str, mode: "ConnectionMode | int", profile: Optional[str] = None) -> None:
    """Changes one account's mode (Account.ExchangeConnectionMode)."""
    _check("set_account_mode",
           _native().olstate_sim_set_account_mode(_abi.encode(profile), _abi.encode(display_name), int(mode)))


def set_connection_reported(reported: bool, profile: Optional[str] = None) -> None:
    """reported=False: sessions opened from then on lack Capabilities.CONNECTION_MODE
    (Outlook's MAPI DLL alone); their connection reads raise NotSupportedError."""
    _check("set_connection_reported",
           _native().olstate_sim_set_connection_reported(_abi.encode(profile), 1 if reported else 0))
