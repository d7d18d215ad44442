//! Test helpers: the simulator's control API (`olstate_sim.h`), linked from
//! the same `OLSTATE_LIB_DIR` that olstate loads it from, so the process
//! holds one simulator instance.
#![allow(dead_code)]

pub mod bridge;

use std::ffi::CString;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use olstate::State;

pub mod ffi {
    use std::os::raw::c_char;

    pub const CALL_OPEN: u32 = 1;
    pub const CALL_QUERY_INTERFACE: u32 = 2;
    pub const CALL_GET_CAPABILITIES: u32 = 3;
    pub const CALL_GET_STATE: u32 = 4;
    pub const CALL_SET_STATE: u32 = 5;
    pub const CALL_ADVISE: u32 = 6;
    pub const CALL_UNADVISE: u32 = 7;

    pub const DELIVERY_THREAD: u32 = 0;
    pub const DELIVERY_SYNC: u32 = 1;
    pub const DELIVERY_POOL: u32 = 2;

    pub const MISBEHAVE_OPEN_NULL: u32 = 1;
    pub const MISBEHAVE_LATE_NOTIFY: u32 = 2;
    pub const MISBEHAVE_NOTIFY_IN_ADVISE: u32 = 4;
    pub const MISBEHAVE_SLOW_UNADVISE: u32 = 8;

    #[link(name = "olstate_sim")]
    extern "C" {
        pub fn olstate_sim_reset() -> i32;
        pub fn olstate_sim_set_state(profile: *const c_char, state: u32, wait: i32) -> i32;
        pub fn olstate_sim_get_state(profile: *const c_char, out_state: *mut u32) -> i32;
        pub fn olstate_sim_set_capabilities(profile: *const c_char, capabilities: u32) -> i32;
        pub fn olstate_sim_fail_next(call: u32, hresult: i32, count: u32) -> i32;
        pub fn olstate_sim_set_profile_known(profile: *const c_char, known: i32) -> i32;
        pub fn olstate_sim_set_delivery(profile: *const c_char, mode: u32, threads: u32) -> i32;
        pub fn olstate_sim_set_misbehaviour(mask: u32) -> i32;
        pub fn olstate_sim_send_raw(
            profile: *const c_char,
            notify_type: u32,
            mask: u32,
            old_state: u32,
            new_state: u32,
            ul_size: u32,
            count: u32,
        ) -> i32;
        pub fn olstate_sim_send_null(profile: *const c_char) -> i32;
        pub fn olstate_sim_storm(profile: *const c_char, threads: u32, count: u32) -> i32;
        pub fn olstate_sim_wait_idle(profile: *const c_char) -> i32;
        pub fn olstate_sim_live_objects() -> u32;
        pub fn olstate_sim_outstanding_refs() -> u32;
        pub fn olstate_sim_advised_sinks() -> u32;
        pub fn olstate_sim_held_sinks() -> u32;
    }
}

pub const E_FAIL: i32 = 0x8000_4005_u32 as i32;
pub const E_NOTIMPL: i32 = 0x8000_4001_u32 as i32;
pub const E_PENDING: i32 = 0x8000_000A_u32 as i32;
pub const E_OUTOFMEMORY: i32 = 0x8007_000E_u32 as i32;
pub const MAPI_E_NOT_FOUND: i32 = 0x8004_010F_u32 as i32;

/// Tests of one binary share the process-wide simulator (faults apply to any
/// profile), so they run one at a time. Poisoning (a failed test) is ignored.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    sim_reset();
    guard
}

fn c(profile: &str) -> CString {
    CString::new(profile).unwrap()
}

fn ok(hr: i32, what: &str) {
    assert!(hr >= 0, "{what} failed: {:#010x}", hr as u32);
}

pub fn sim_reset() {
    ok(unsafe { ffi::olstate_sim_reset() }, "olstate_sim_reset");
}

pub fn sim_set_state(profile: &str, state: State, wait: bool) {
    let p = c(profile);
    ok(unsafe { ffi::olstate_sim_set_state(p.as_ptr(), state.raw(), wait as i32) }, "sim_set_state");
}

pub fn sim_get_state(profile: &str) -> State {
    let p = c(profile);
    let mut s = 0;
    ok(unsafe { ffi::olstate_sim_get_state(p.as_ptr(), &mut s) }, "sim_get_state");
    State::from_raw(s).expect("a valid state")
}

pub fn sim_set_capabilities(profile: &str, caps: u32) {
    let p = c(profile);
    ok(unsafe { ffi::olstate_sim_set_capabilities(p.as_ptr(), caps) }, "sim_set_capabilities");
}

pub fn sim_fail_next(call: u32, hresult: i32, count: u32) {
    ok(unsafe { ffi::olstate_sim_fail_next(call, hresult, count) }, "sim_fail_next");
}

pub fn sim_set_profile_known(profile: &str, known: bool) {
    let p = c(profile);
    ok(unsafe { ffi::olstate_sim_set_profile_known(p.as_ptr(), known as i32) }, "sim_set_profile_known");
}

pub fn sim_set_delivery(profile: &str, mode: u32, threads: u32) {
    let p = c(profile);
    ok(unsafe { ffi::olstate_sim_set_delivery(p.as_ptr(), mode, threads) }, "sim_set_delivery");
}

pub fn sim_set_misbehaviour(mask: u32) {
    ok(unsafe { ffi::olstate_sim_set_misbehaviour(mask) }, "sim_set_misbehaviour");
}

pub fn sim_storm(profile: &str, threads: u32, count: u32) {
    let p = c(profile);
    ok(unsafe { ffi::olstate_sim_storm(p.as_ptr(), threads, count) }, "sim_storm");
}

pub fn sim_send_raw(profile: &str, notify_type: u32, mask: u32, old: u32, new: u32, count: u32) {
    let p = c(profile);
    ok(
        unsafe { ffi::olstate_sim_send_raw(p.as_ptr(), notify_type, mask, old, new, 0, count) },
        "sim_send_raw",
    );
}

pub fn sim_wait_idle(profile: &str) {
    let p = c(profile);
    ok(unsafe { ffi::olstate_sim_wait_idle(p.as_ptr()) }, "sim_wait_idle");
}

pub fn sim_advised_sinks() -> u32 {
    unsafe { ffi::olstate_sim_advised_sinks() }
}

pub fn sim_live_objects() -> u32 {
    unsafe { ffi::olstate_sim_live_objects() }
}

/// A simulator session on `profile` (QUEUED unless `inline`).
pub fn open(profile: &str, inline: bool) -> olstate::Session {
    olstate::Session::builder()
        .provider(olstate::Provider::Simulator)
        .profile(profile)
        .delivery(if inline { olstate::Delivery::Inline } else { olstate::Delivery::Queued })
        .open()
        .unwrap_or_else(|e| panic!("open {profile}: {e}"))
}

/// Polls `cond` until it holds or 10 s pass.
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Counts drops of the value it is captured in (to see a closure released).
pub struct DropCounter(pub std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

pub const TIMEOUT: Duration = Duration::from_secs(10);

