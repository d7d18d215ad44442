//! Pins the `olstate_outlook_info` mirror (since 1.3) to `olstate.h`: its
//! size and offsets by hand and as the loaded library reports them.

use std::mem::{offset_of, size_of};

use olstate_sys::{self as sys, olstate_outlook_info};

#[test]
fn outlook_info_layout_is_pinned() {
    assert_eq!(size_of::<olstate_outlook_info>(), 48);
    assert_eq!(offset_of!(olstate_outlook_info, verdict), 4);
    assert_eq!(offset_of!(olstate_outlook_info, classic_bitness), 12);
    assert_eq!(offset_of!(olstate_outlook_info, new_selected), 28);
    assert_eq!(offset_of!(olstate_outlook_info, classic_version), 32);
    // SAFETY: no pointers involved.
    let known = unsafe { sys::olstate_struct_size(sys::OLSTATE_STRUCT_OUTLOOK_INFO) };
    assert_eq!(known, size_of::<olstate_outlook_info>());
}

#[test]
fn verdict_constants_are_pinned() {
    assert_eq!(
        [sys::OLSTATE_OUTLOOK_NONE, sys::OLSTATE_OUTLOOK_CLASSIC, sys::OLSTATE_OUTLOOK_NEW, sys::OLSTATE_OUTLOOK_BOTH],
        [0, 1, 2, 3]
    );
}

#[test]
fn a_too_small_struct_size_is_refused() {
    // SAFETY: a zeroed plain-data struct; the library writes at most struct_size bytes.
    let mut info: olstate_outlook_info = unsafe { std::mem::zeroed() };
    info.struct_size = 4;
    assert_eq!(unsafe { sys::olstate_detect_outlook(&mut info) }, sys::OLSTATE_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { sys::olstate_detect_outlook(std::ptr::null_mut()) }, sys::OLSTATE_E_INVALID_ARGUMENT);
}
