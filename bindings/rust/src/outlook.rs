//! Which Outlook the user has: classic or the new one (`olstate_detect_outlook`).

use std::ffi::CStr;

use crate::error::{check, Result};
use crate::sys;

/// Which Outlook the user works with ([`OutlookInfo::verdict`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutlookKind {
    /// Neither classic nor the new Outlook is installed or running (always outside Windows).
    None,
    /// Classic Outlook (OUTLOOK.EXE): olstate can serve it.
    Classic,
    /// The new Outlook (olk.exe): no add-ins, MAPI or object model, so olstate cannot serve it.
    New,
    /// Both run now; olstate serves the classic one only.
    Both,
}

impl OutlookKind {
    fn from_raw(v: u32) -> OutlookKind {
        match v {
            sys::OLSTATE_OUTLOOK_CLASSIC => OutlookKind::Classic,
            sys::OLSTATE_OUTLOOK_NEW => OutlookKind::New,
            sys::OLSTATE_OUTLOOK_BOTH => OutlookKind::Both,
            // A later library's new verdict reads as "none" only if it is
            // unknown here; 1.3 defines no other.
            _ => OutlookKind::None,
        }
    }
}

/// The facts [`detect_outlook`] read from the registry and the process list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlookInfo {
    /// The summary of the facts below.
    pub verdict: OutlookKind,
    /// Classic Outlook's registration was found.
    pub classic_installed: bool,
    /// 32 or 64; `None` when unknown or not installed.
    pub classic_bitness: Option<u32>,
    /// Installed by Click-to-Run (Microsoft 365) rather than MSI.
    pub classic_click_to_run: bool,
    /// The Office version key, e.g. `"16.0"`; empty when not installed.
    pub classic_version: String,
    /// An OUTLOOK.EXE runs in this Windows session.
    pub classic_running: bool,
    /// An olk.exe (the new Outlook) runs in this Windows session.
    pub new_running: bool,
    /// The user's "New Outlook" toggle is on.
    pub new_selected: bool,
}

/// Reads which Outlook this user has, without opening a session: registry
/// and process facts only (a few milliseconds). Outside Windows the answer is
/// always [`OutlookKind::None`].
///
/// ```
/// let info = olstate::detect_outlook().expect("detect");
/// if info.verdict == olstate::OutlookKind::New {
///     eprintln!("the new Outlook is not supported: switch back to classic Outlook");
/// }
/// ```
pub fn detect_outlook() -> Result<OutlookInfo> {
    // SAFETY: a plain-data struct of integers and bytes; zero is valid.
    let mut raw: sys::olstate_outlook_info = unsafe { std::mem::zeroed() };
    raw.struct_size = std::mem::size_of::<sys::olstate_outlook_info>() as u32;
    // SAFETY: a valid, writable struct whose struct_size is its size.
    check(unsafe { sys::olstate_detect_outlook(&mut raw) })?;
    // The library always NUL-terminates the field; read it up to the first NUL
    // and never past the array.
    let bytes: Vec<u8> = raw.classic_version.iter().map(|&c| c as u8).collect();
    let version = CStr::from_bytes_until_nul(&bytes)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(OutlookInfo {
        verdict: OutlookKind::from_raw(raw.verdict),
        classic_installed: raw.classic_installed != 0,
        classic_bitness: (raw.classic_bitness != 0).then_some(raw.classic_bitness),
        classic_click_to_run: raw.classic_click_to_run != 0,
        classic_version: version,
        classic_running: raw.classic_running != 0,
        new_running: raw.new_running != 0,
        new_selected: raw.new_selected != 0,
    })
}
