//! The simulator's control API, mirroring `olstate_sim.h` (feature `sim`).
//!
//! The simulator (`libolstate_sim.so`, `olstate_sim.dll`) is the provider
//! olstate loads for `OLSTATE_PROVIDER_SIMULATOR`; linking the same file
//! gives the process one simulator, so these calls act on the sessions
//! olstate opened. Profiles are UTF-8; NULL or "" is the default profile.
//! Functions return an HRESULT (negative on failure) unless noted.

use std::os::raw::c_char;

/// `OLSTATE_SIM_CALL_*`: the calls `olstate_sim_fail_next` can make fail.
pub const OLSTATE_SIM_CALL_OPEN: u32 = 1;
/// QueryInterface for IMAPIOfflineMgr.
pub const OLSTATE_SIM_CALL_QUERY_INTERFACE: u32 = 2;
/// GetCapabilities.
pub const OLSTATE_SIM_CALL_GET_CAPABILITIES: u32 = 3;
/// GetCurrentState.
pub const OLSTATE_SIM_CALL_GET_STATE: u32 = 4;
/// SetCurrentState.
pub const OLSTATE_SIM_CALL_SET_STATE: u32 = 5;
/// Advise.
pub const OLSTATE_SIM_CALL_ADVISE: u32 = 6;
/// Unadvise.
pub const OLSTATE_SIM_CALL_UNADVISE: u32 = 7;
/// Reading the Exchange connection (a poll of Outlook's object model).
pub const OLSTATE_SIM_CALL_POLL_CONNECTION: u32 = 8;

extern "C" {
    /// Every profile back to ONLINE with both capabilities, no faults.
    pub fn olstate_sim_reset() -> i32;
    /// Changes the state as the user would; `wait != 0`: returns after DONE reached every sink.
    pub fn olstate_sim_set_state(profile: *const c_char, state: u32, wait: i32) -> i32;
    /// The profile's current state in `*out_state`.
    pub fn olstate_sim_get_state(profile: *const c_char, out_state: *mut u32) -> i32;
    /// What GetCapabilities reports for the profile from now on.
    pub fn olstate_sim_set_capabilities(profile: *const c_char, capabilities: u32) -> i32;
    /// The next `count` calls of `call` fail with `hresult`; count 0 clears.
    pub fn olstate_sim_fail_next(call: u32, hresult: i32, count: u32) -> i32;
    /// `known == 0`: opening the profile answers MAPI_E_NOT_FOUND.
    pub fn olstate_sim_set_profile_known(profile: *const c_char, known: i32) -> i32;
    /// Returns when every notification queued so far for the profile was delivered.
    pub fn olstate_sim_wait_idle(profile: *const c_char) -> i32;
    /// The session's Exchange connection mode (`OLSTATE_CONNECTION_*`).
    pub fn olstate_sim_set_connection_mode(profile: *const c_char, mode: u32) -> i32;
    /// Adds an account at the end of the list (`smtp_address` NULL = "").
    pub fn olstate_sim_add_account(
        profile: *const c_char,
        display_name: *const c_char,
        smtp_address: *const c_char,
        account_type: u32,
        mode: u32,
    ) -> i32;
    /// Removes the account of that display name.
    pub fn olstate_sim_remove_account(profile: *const c_char, display_name: *const c_char) -> i32;
    /// Changes one account's mode.
    pub fn olstate_sim_set_account_mode(profile: *const c_char, display_name: *const c_char, mode: u32) -> i32;
    /// `reported == 0`: sessions opened from then on lack the connection capability.
    pub fn olstate_sim_set_connection_reported(profile: *const c_char, reported: i32) -> i32;
}
