//! Drives olstate's simulator, to test how your own code reacts to Outlook
//! (feature `sim`).
//!
//! The simulator is the Outlook stand-in behind [`Provider::Simulator`]
//! (the default provider outside Windows). These functions act like the
//! user (File → Work Offline: [`set_state`]) or like a failing Outlook
//! ([`fail_next`]) on the same simulator the sessions of this process use.
//! `None` is the default profile. The simulator is one per process: call
//! [`reset`] between tests, and keep tests that use it from running at the
//! same time (a mutex, or `--test-threads=1`).
//!
//! ```toml
//! [dev-dependencies]
//! olstate = { version = "1", features = ["sim"] }
//! ```
//!
//! ```
//! use olstate::{sim, Provider, Session, State};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let session = Session::builder().provider(Provider::Simulator).profile("sim-doc").open()?;
//! sim::set_state(Some("sim-doc"), State::Offline, true)?;   // the user clicks Work Offline
//! assert_eq!(session.state()?, State::Offline);
//! sim::reset()?;
//! # Ok(()) }
//! ```
//!
//! [`Provider::Simulator`]: crate::Provider::Simulator

use std::ffi::CString;
use std::fmt;
use std::ptr;

use crate::{AccountType, Capabilities, ConnectionMode, State};
use olstate_sys::sim as ffi;

/// A call of the Offline State API that [`fail_next`] can make fail
/// (`#[non_exhaustive]` since 1.3, which added [`Call::PollConnection`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Call {
    /// `HrOpenOfflineObj`: opening a session.
    Open,
    /// `QueryInterface` for `IMAPIOfflineMgr`.
    QueryInterface,
    /// `GetCapabilities`.
    GetCapabilities,
    /// `GetCurrentState`: reading the state.
    GetState,
    /// `SetCurrentState`: switching the state.
    SetState,
    /// `Advise`: subscribing.
    Advise,
    /// `Unadvise`: unsubscribing.
    Unadvise,
    /// Reading the Exchange connection (a poll of Outlook's object model,
    /// ABI 1.3): [`Session::connection_mode`](crate::Session::connection_mode),
    /// [`Session::offline`](crate::Session::offline) and
    /// [`Session::accounts`](crate::Session::accounts) fail.
    PollConnection,
}

impl Call {
    fn raw(self) -> u32 {
        match self {
            Call::Open => ffi::OLSTATE_SIM_CALL_OPEN,
            Call::QueryInterface => ffi::OLSTATE_SIM_CALL_QUERY_INTERFACE,
            Call::GetCapabilities => ffi::OLSTATE_SIM_CALL_GET_CAPABILITIES,
            Call::GetState => ffi::OLSTATE_SIM_CALL_GET_STATE,
            Call::SetState => ffi::OLSTATE_SIM_CALL_SET_STATE,
            Call::Advise => ffi::OLSTATE_SIM_CALL_ADVISE,
            Call::Unadvise => ffi::OLSTATE_SIM_CALL_UNADVISE,
            Call::PollConnection => ffi::OLSTATE_SIM_CALL_POLL_CONNECTION,
        }
    }
}

/// A simulator call that failed: its name and HRESULT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    /// The `olstate_sim_*` function.
    pub function: &'static str,
    /// Its HRESULT (negative), or 0 for a profile or account name with a NUL byte.
    pub hresult: i32,
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hresult == 0 {
            write!(f, "{}: a name contains a NUL byte", self.function)
        } else {
            write!(f, "{} failed with HRESULT {:#010x}", self.function, self.hresult as u32)
        }
    }
}

impl std::error::Error for SimError {}

fn check(function: &'static str, hresult: i32) -> Result<(), SimError> {
    if hresult < 0 {
        Err(SimError { function, hresult })
    } else {
        Ok(())
    }
}

fn with_profile(
    function: &'static str,
    profile: Option<&str>,
    call: impl FnOnce(*const std::os::raw::c_char) -> i32,
) -> Result<(), SimError> {
    let owned = profile
        .map(CString::new)
        .transpose()
        .map_err(|_| SimError { function, hresult: 0 })?;
    check(function, call(owned.as_ref().map_or(ptr::null(), |p| p.as_ptr())))
}

/// Every profile back to online with both capabilities, no faults.
pub fn reset() -> Result<(), SimError> {
    check("olstate_sim_reset", unsafe { ffi::olstate_sim_reset() })
}

/// Changes the state as the user would: every subscriber gets
/// `ChangeStart`, `Change`, `ChangeDone`. With `wait`, returns once
/// `ChangeDone` reached olstate (with queued delivery your callback runs
/// shortly after, on olstate's thread).
pub fn set_state(profile: Option<&str>, state: State, wait: bool) -> Result<(), SimError> {
    with_profile("olstate_sim_set_state", profile, |p| unsafe {
        ffi::olstate_sim_set_state(p, state.raw(), i32::from(wait))
    })
}

/// The profile's state as the simulator holds it.
pub fn state(profile: Option<&str>) -> Result<State, SimError> {
    let mut raw = 0u32;
    with_profile("olstate_sim_get_state", profile, |p| unsafe { ffi::olstate_sim_get_state(p, &mut raw) })?;
    State::from_raw(raw).ok_or(SimError { function: "olstate_sim_get_state", hresult: -1 })
}

/// What the profile reports as its capabilities from now on.
pub fn set_capabilities(profile: Option<&str>, capabilities: Capabilities) -> Result<(), SimError> {
    with_profile("olstate_sim_set_capabilities", profile, |p| unsafe {
        ffi::olstate_sim_set_capabilities(p, capabilities.bits())
    })
}

/// Makes the next `count` calls of `call` (any profile) fail with `hresult`
/// (negative, e.g. `0x80040115_u32 as i32`, `MAPI_E_NETWORK_ERROR`); a count
/// of 0 clears the fault.
pub fn fail_next(call: Call, hresult: i32, count: u32) -> Result<(), SimError> {
    check("olstate_sim_fail_next", unsafe { ffi::olstate_sim_fail_next(call.raw(), hresult, count) })
}

/// With `known == false`, opening the profile fails as for a profile that
/// does not exist.
pub fn set_profile_known(profile: Option<&str>, known: bool) -> Result<(), SimError> {
    with_profile("olstate_sim_set_profile_known", profile, |p| unsafe {
        ffi::olstate_sim_set_profile_known(p, i32::from(known))
    })
}

/// Returns when every notification queued so far for the profile was delivered.
pub fn wait_idle(profile: Option<&str>) -> Result<(), SimError> {
    with_profile("olstate_sim_wait_idle", profile, |p| unsafe { ffi::olstate_sim_wait_idle(p) })
}

// ---- Exchange connection and accounts (ABI 1.3) ----
// Each change notifies every session of the profile
// (EventKind::ConnectionChanged / AccountChanged) through its delivery
// mode; a call that changes nothing notifies nothing. A profile starts in
// ConnectionMode::CachedConnectedFull with one Exchange account,
// "user@example.com".

fn name(function: &'static str, text: &str) -> Result<CString, SimError> {
    CString::new(text).map_err(|_| SimError { function, hresult: 0 })
}

/// The session's mode, as Outlook's `NameSpace.ExchangeConnectionMode`
/// would change (the network goes, Work Offline, ...).
pub fn set_connection_mode(profile: Option<&str>, mode: ConnectionMode) -> Result<(), SimError> {
    with_profile("olstate_sim_set_connection_mode", profile, |p| unsafe {
        ffi::olstate_sim_set_connection_mode(p, mode.raw())
    })
}

/// Adds an account at the end of the list (`display_name` is its key;
/// `smtp_address` `None` = unreadable).
pub fn add_account(
    profile: Option<&str>,
    display_name: &str,
    smtp_address: Option<&str>,
    account_type: AccountType,
    mode: ConnectionMode,
) -> Result<(), SimError> {
    const F: &str = "olstate_sim_add_account";
    let display = name(F, display_name)?;
    let smtp = smtp_address.map(|s| name(F, s)).transpose()?;
    with_profile(F, profile, |p| unsafe {
        ffi::olstate_sim_add_account(
            p,
            display.as_ptr(),
            smtp.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            account_type.raw(),
            mode.raw(),
        )
    })
}

/// Removes the account of that display name.
pub fn remove_account(profile: Option<&str>, display_name: &str) -> Result<(), SimError> {
    const F: &str = "olstate_sim_remove_account";
    let display = name(F, display_name)?;
    with_profile(F, profile, |p| unsafe { ffi::olstate_sim_remove_account(p, display.as_ptr()) })
}

/// Changes one account's mode (`Account.ExchangeConnectionMode`).
pub fn set_account_mode(profile: Option<&str>, display_name: &str, mode: ConnectionMode) -> Result<(), SimError> {
    const F: &str = "olstate_sim_set_account_mode";
    let display = name(F, display_name)?;
    with_profile(F, profile, |p| unsafe { ffi::olstate_sim_set_account_mode(p, display.as_ptr(), mode.raw()) })
}

/// With `reported == false`, sessions opened from then on lack
/// [`Capabilities::CONNECTION_MODE`] (Outlook's MAPI DLL alone, without
/// olstate's reader): their connection calls fail with
/// [`ErrorCode::NotSupported`](crate::ErrorCode::NotSupported).
pub fn set_connection_reported(profile: Option<&str>, reported: bool) -> Result<(), SimError> {
    with_profile("olstate_sim_set_connection_reported", profile, |p| unsafe {
        ffi::olstate_sim_set_connection_reported(p, i32::from(reported))
    })
}
