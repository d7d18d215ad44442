"""olstate.detect_outlook: the mirrored struct and enum, and the answer where
there is no Outlook (the Windows facts are tested in C under Wine,
tests/win/detect_outlook.cpp)."""
import ctypes
import sys
import threading

import olstate
from olstate import _abi
from olstate.outlook import STRUCT_OUTLOOK_INFO, OutlookInfoStruct


def test_struct_mirrors_the_library():
    lib = _abi.native()
    assert lib.olstate_struct_size(STRUCT_OUTLOOK_INFO) == ctypes.sizeof(OutlookInfoStruct) == 48
    assert OutlookInfoStruct.classic_version.offset == 32
    assert [int(k) for k in olstate.OutlookKind] == [0, 1, 2, 3]


def test_outside_windows_there_is_no_outlook():
    if sys.platform == "win32":
        return  # the Wine suite covers Windows
    info = olstate.detect_outlook()
    assert info == olstate.OutlookInfo(
        verdict=olstate.OutlookKind.NONE, classic_installed=False, classic_bitness=0,
        classic_click_to_run=False, classic_version="", classic_running=False, new_running=False,
        new_selected=False)
    assert str(info.verdict) == "none"


def test_a_too_small_struct_is_an_invalid_argument():
    olstate.detect_outlook()  # prepares the prototype
    raw = OutlookInfoStruct(struct_size=8)
    try:
        _abi.call("olstate_detect_outlook", ctypes.byref(raw))
    except olstate.InvalidArgumentError as e:
        assert "set it to sizeof" in str(e)
    else:
        raise AssertionError("struct_size 8 was accepted")


def test_threads_detect_at_once():
    failures = []

    def work():
        for _ in range(20):
            try:
                olstate.detect_outlook()
            except Exception as e:  # noqa: BLE001 - collected for the assertion
                failures.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
