"""Which Outlook the user has: classic or the new one (olstate_detect_outlook,
ABI 1.3), read from the registry and the process list without a session.

    info = olstate.detect_outlook()
    if info.verdict is olstate.OutlookKind.NEW:
        print("the new Outlook is not supported: switch back to classic Outlook")
"""
from __future__ import annotations

import ctypes
import enum
from ctypes import POINTER, Structure, c_char, c_int32, c_uint32
from dataclasses import dataclass

from . import _abi
from .errors import IncompatibleLibraryError

STRUCT_OUTLOOK_INFO = 7


class OutlookKind(enum.IntEnum):
    """The verdict: which Outlook the user works with."""
    NONE = 0     # neither is installed nor running (always outside Windows)
    CLASSIC = 1  # classic Outlook (OUTLOOK.EXE): olstate can serve it
    NEW = 2      # the new Outlook (olk.exe): no add-ins, MAPI or object model; not supported
    BOTH = 3     # both run now; olstate serves the classic one only

    def __str__(self) -> str:
        return self.name.lower()


class OutlookInfoStruct(Structure):
    """olstate_outlook_info (olstate.h, since 1.3)."""
    _fields_ = [("struct_size", c_uint32), ("verdict", c_uint32), ("classic_installed", c_uint32),
                ("classic_bitness", c_uint32), ("classic_click_to_run", c_uint32),
                ("classic_running", c_uint32), ("new_running", c_uint32), ("new_selected", c_uint32),
                ("classic_version", c_char * 16)]


@dataclass(frozen=True)
class OutlookInfo:
    verdict: OutlookKind
    classic_installed: bool
    classic_bitness: int          # 32 or 64; 0 unknown or not installed
    classic_click_to_run: bool    # Click-to-Run (Microsoft 365) rather than MSI
    classic_version: str          # the Office version key, e.g. "16.0"; "" when not installed
    classic_running: bool         # an OUTLOOK.EXE runs in this Windows session
    new_running: bool             # an olk.exe runs in this Windows session
    new_selected: bool            # the user's "New Outlook" toggle is on


def _prepared() -> ctypes.CDLL:
    lib = _abi.native()
    abi = lib.olstate_abi_version()
    if (abi & 0xFFFF) < 3:
        raise IncompatibleLibraryError(
            f"detect_outlook needs an olstate library of ABI 1.3 or a later 1.x; this one has "
            f"{abi >> 16}.{abi & 0xFFFF}")
    fn = lib.olstate_detect_outlook
    fn.restype, fn.argtypes = c_int32, [POINTER(OutlookInfoStruct)]
    if lib.olstate_struct_size(STRUCT_OUTLOOK_INFO) != ctypes.sizeof(OutlookInfoStruct):
        raise IncompatibleLibraryError("struct OutlookInfoStruct differs in size from the library's")
    return lib


def detect_outlook() -> OutlookInfo:
    """Which Outlook this user has (a few milliseconds; thread-safe)."""
    _prepared()
    raw = OutlookInfoStruct(struct_size=ctypes.sizeof(OutlookInfoStruct))
    _abi.call("olstate_detect_outlook", ctypes.byref(raw))
    return OutlookInfo(
        verdict=OutlookKind(raw.verdict), classic_installed=bool(raw.classic_installed),
        classic_bitness=raw.classic_bitness, classic_click_to_run=bool(raw.classic_click_to_run),
        classic_version=_abi.decode(raw.classic_version), classic_running=bool(raw.classic_running),
        new_running=bool(raw.new_running), new_selected=bool(raw.new_selected))
