//! Which Outlook: classic or new (`olstate_detect_outlook`, since 1.3).

use std::os::raw::c_char;

use crate::olstate_result;

/// `OLSTATE_STRUCT_OUTLOOK_INFO` (since 1.3).
pub const OLSTATE_STRUCT_OUTLOOK_INFO: u32 = 7;

/// `OLSTATE_OUTLOOK_NONE`: neither is installed nor running (always, outside Windows).
pub const OLSTATE_OUTLOOK_NONE: u32 = 0;
/// `OLSTATE_OUTLOOK_CLASSIC`: classic Outlook, which olstate can serve.
pub const OLSTATE_OUTLOOK_CLASSIC: u32 = 1;
/// `OLSTATE_OUTLOOK_NEW`: the new Outlook (olk.exe), which olstate cannot serve.
pub const OLSTATE_OUTLOOK_NEW: u32 = 2;
/// `OLSTATE_OUTLOOK_BOTH`: both run now; olstate serves the classic one only.
pub const OLSTATE_OUTLOOK_BOTH: u32 = 3;

/// `olstate_outlook_info` (since 1.3): the facts `olstate_detect_outlook` reads.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct olstate_outlook_info {
    /// Set by the caller: `sizeof(olstate_outlook_info)`.
    pub struct_size: u32,
    /// `OLSTATE_OUTLOOK_*`.
    pub verdict: u32,
    /// 1: classic Outlook's registration was found.
    pub classic_installed: u32,
    /// 32 or 64; 0 unknown or not installed.
    pub classic_bitness: u32,
    /// 1: installed by Click-to-Run.
    pub classic_click_to_run: u32,
    /// 1: an OUTLOOK.EXE runs in the caller's Windows session.
    pub classic_running: u32,
    /// 1: an olk.exe runs in the caller's Windows session.
    pub new_running: u32,
    /// 1: the user's "New Outlook" toggle is on.
    pub new_selected: u32,
    /// The Office version key, e.g. "16.0", NUL-terminated; empty when not installed.
    pub classic_version: [c_char; 16],
}

extern "C" {
    /// Fills `*out_info` (its `struct_size` set by the caller) with which Outlook this user has.
    pub fn olstate_detect_outlook(out_info: *mut olstate_outlook_info) -> olstate_result;
}
