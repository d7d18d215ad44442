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
}
