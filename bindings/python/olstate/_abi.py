"""The C ABI (include/olstate.h, ABI 1.3) mirrored in ctypes: structs,
prototypes, and ``call`` which turns a failing result into an exception.
Nothing else in the package touches the native library directly."""
from __future__ import annotations

import ctypes
import sys
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int32, c_size_t, c_uint32,
                    c_uint64, c_void_p)
from typing import Any, Optional

from . import _library
from .errors import IncompatibleLibraryError, error_for

ABI_MAJOR, ABI_MINOR = 1, 3  # 1.3: the Exchange connection (_connection.py), session_info.threading

STRUCT_OPEN_OPTIONS, STRUCT_EVENT, STRUCT_SESSION_INFO, STRUCT_BRIDGE_OPTIONS = 1, 2, 3, 4
OPEN_RECONNECT = 1
OPEN_NO_FALLBACK = 2  # since 1.3
SET_DEFAULT, SET_BLOCK = 0, 1
BRIDGE_ALLOW_SET_STATE = 1
EVENT_FLAG_DROPPED = 1
SUBSCRIBE_CURRENT_STATE = 1


class OpenOptions(Structure):
    _fields_ = [("struct_size", c_uint32), ("profile", c_char_p), ("provider", c_uint32),
                ("provider_path", c_char_p), ("delivery", c_uint32), ("flags", c_uint32),
                ("application", c_void_p), ("connection_poll_ms", c_uint32)]  # since 1.3


class EventStruct(Structure):
    _fields_ = [("struct_size", c_uint32), ("kind", c_uint32), ("old_state", c_uint32),
                ("new_state", c_uint32), ("subscription", c_uint64), ("sequence", c_uint64),
                ("flags", c_uint32), ("reserved", c_uint32), ("notify_time_us", c_uint64)]


class SessionInfoStruct(Structure):
    _fields_ = [("struct_size", c_uint32), ("provider", c_uint32), ("profile", c_char_p),
                ("provider_path", c_char_p), ("threading", c_uint32)]  # threading: since 1.3


class BridgeOptions(Structure):
    _fields_ = [("struct_size", c_uint32), ("flags", c_uint32), ("max_clients", c_uint32),
                ("queue_length", c_uint32), ("endpoint", c_char_p)]


# OLSTATE_CALL is __cdecl on Windows too, so CFUNCTYPE everywhere.
CALLBACK = CFUNCTYPE(None, POINTER(EventStruct), c_void_p)
RELEASE = CFUNCTYPE(None, c_void_p)


class SubscribeOptions(Structure):
    _fields_ = [("struct_size", c_uint32), ("flags", c_uint32), ("callback", CALLBACK),
                ("context", c_void_p), ("release", RELEASE)]

_PROTOTYPES = {
    "olstate_result_name": (c_char_p, [c_int32]),
    "olstate_last_error_message": (c_char_p, []),
    "olstate_last_error_hresult": (c_int32, []),
    "olstate_abi_version": (c_uint32, []),
    "olstate_version_string": (c_char_p, []),
    "olstate_struct_size": (c_size_t, [c_uint32]),
    "olstate_open_ex": (c_int32, [POINTER(OpenOptions), POINTER(c_void_p)]),
    "olstate_close": (c_int32, [c_void_p]),
    "olstate_get_session_info": (c_int32, [c_void_p, POINTER(SessionInfoStruct)]),
    "olstate_capabilities": (c_int32, [c_void_p, POINTER(c_uint32)]),
    "olstate_get_state": (c_int32, [c_void_p, POINTER(c_uint32)]),
    "olstate_set_state": (c_int32, [c_void_p, c_uint32, c_uint32]),
    "olstate_subscribe_ex": (c_int32, [c_void_p, POINTER(SubscribeOptions), POINTER(c_uint64)]),
    "olstate_wait_state": (c_int32, [c_void_p, c_uint32, c_uint32]),
    "olstate_unsubscribe": (c_int32, [c_void_p, c_uint64]),
    "olstate_bridge_options_init": (None, [POINTER(BridgeOptions)]),
    "olstate_bridge_start": (c_int32, [c_void_p, POINTER(BridgeOptions), POINTER(c_void_p)]),
    "olstate_bridge_endpoint": (c_int32, [c_void_p, POINTER(c_char_p)]),
    "olstate_bridge_stop": (c_int32, [c_void_p]),
}

_native: Optional[ctypes.CDLL] = None


def native() -> ctypes.CDLL:
    """The library with prototypes set and its ABI and struct layouts checked."""
    global _native
    if _native is not None:
        return _native
    lib = _library.load()
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    abi = lib.olstate_abi_version()
    if abi >> 16 != ABI_MAJOR or (abi & 0xFFFF) < ABI_MINOR:
        raise IncompatibleLibraryError(
            f"{_library.loaded_path()} has ABI {abi >> 16}.{abi & 0xFFFF}; this package needs "
            f"{ABI_MAJOR}.{ABI_MINOR} or a later {ABI_MAJOR}.x")
    for which, struct in ((STRUCT_OPEN_OPTIONS, OpenOptions), (STRUCT_SESSION_INFO, SessionInfoStruct),
                          (STRUCT_BRIDGE_OPTIONS, BridgeOptions)):
        if lib.olstate_struct_size(which) != ctypes.sizeof(struct):
            raise IncompatibleLibraryError(f"struct {struct.__name__} differs in size from the library's")
    # The event is written by the library: a newer one may be larger, never smaller.
    if lib.olstate_struct_size(STRUCT_EVENT) < ctypes.sizeof(EventStruct):
        raise IncompatibleLibraryError("the library's olstate_event is smaller than this package's")
    _native = lib
    return lib


def decode(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def encode(text: Optional[str]) -> Optional[bytes]:
    if text is None:
        return None
    if "\0" in text:
        raise ValueError("olstate strings cannot contain NUL characters")
    return text.encode("utf-8")


def call(function: str, *args: Any) -> None:
    """Calls an olstate function and raises the exception of its result code."""
    lib = native()
    result = getattr(lib, function)(*args)
    if result != 0:
        raise error_for(result, decode(lib.olstate_result_name(result)),
                        decode(lib.olstate_last_error_message()), lib.olstate_last_error_hresult())


def version() -> str:
    """The native library's version, e.g. "1.3.0"."""
    return decode(native().olstate_version_string())


def is_finalizing() -> bool:
    return sys.is_finalizing()


