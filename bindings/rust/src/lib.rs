//! Microsoft Outlook's online/offline state, through the olstate C library.
//!
//! Outlook's Offline State API (`HrOpenOfflineObj`, `IMAPIOfflineMgr`) is
//! COM; olstate exposes it as a flat C ABI (`olstate.h`), and this crate
//! wraps that ABI:
//!
//! - [`sys`] (the `olstate-sys` crate) mirrors `olstate.h` exactly (raw
//!   `extern "C"` declarations);
//! - `sim` (feature `sim`) drives the simulator, to test your own code
//!   against a "user" clicking Work Offline or a failing Outlook;
//! - the crate root is the safe API: a [`Session`] per profile
//!   ([`Session::open`] or [`Session::builder`] for provider, provider path
//!   and [`Delivery`] mode), its [`State`] and [`Capabilities`],
//!   [`Session::wait_for`] a state, and [`Session::subscribe`] with a Rust
//!   closure (or [`Session::events`], a channel), which returns a
//!   [`Subscription`] guard that unsubscribes when dropped;
//!   [`SubscribeOptions`] make the first event the current state
//!   ([`EventKind::Current`]);
//! - Outlook's Exchange connection (ABI 1.3): [`Session::connection_mode`]
//!   ([`ConnectionMode`]), [`Session::offline`], [`Session::accounts`]
//!   ([`Account`]), their events [`EventKind::ConnectionChanged`] and
//!   [`EventKind::AccountChanged`] ([`Event::old_mode`], [`Event::new_mode`])
//!   and [`Session::wait_for_connection`];
//! - a [`Bridge`] publishes a session to other processes of the same user,
//!   which open it with [`Provider::Bridge`] (and, with
//!   [`SessionBuilder::reconnect`], follow the host going away and coming
//!   back: [`EventKind::ProviderLost`], [`EventKind::ProviderBack`]). It
//!   keeps a share of its session, so both can be fields of one struct.
//!
//! The Offline State API works only inside `OUTLOOK.EXE` (add-ins, MAPI
//! providers). Other programs reach the same state through olstate's bridge
//! ([`Provider::Bridge`]), and every program can use the **simulator**
//! ([`Provider::Simulator`], the default on platforms other than Windows),
//! which behaves like Outlook without it.
//!
//! # Example
//!
//! ```
//! # fn main() -> Result<(), olstate::Error> {
//! use olstate::{Provider, Session, State};
//! use std::time::Duration;
//!
//! let session = Session::builder().provider(Provider::Simulator).profile("doc-crate").open()?;
//! let (_subscription, events) = session.events()?;
//!
//! session.set_state(State::Offline, false)?;
//! session.wait_for(State::Offline, Duration::from_secs(10))?; // the change is complete
//! drop(session); // closed: the channel ends after the events it holds
//! for event in events {
//!     println!("{event}"); // "#1 CHANGE_START online -> offline", ...
//! }
//! # Ok(()) }
//! ```
//!
//! # Threads
//!
//! [`Session`] is `Send + Sync`; every method may be called from any thread.
//! Callbacks run on threads olstate owns (see [`Delivery`]) and may call
//! back into the session, drop their own [`Subscription`] or close the
//! session. Never drop a `Subscription` or `Session` while holding a lock
//! that one of its callbacks takes: the drop waits for that callback.
//!
//! # Callbacks, `FnMut` and delivery modes
//!
//! [`Session::subscribe`] takes an `FnMut(&Event) + Send + 'static`. In the
//! default [`Delivery::Queued`] mode olstate runs one session's callbacks one
//! at a time, in order, on its dispatcher thread. In [`Delivery::Inline`]
//! mode a provider may call from several threads at once, so the binding
//! serialises each `FnMut` with its own mutex (never held while olstate
//! waits, so a closure may drop its own subscription). A callback that is
//! `Fn + Sync` can skip that with [`Session::subscribe_concurrent`].
//!
//! # Panics in callbacks
//!
//! A panic never unwinds into C: the trampoline catches it, the panic hook
//! reports it (stderr by default), and that subscription is disabled;
//! [`Subscription::take_panic`] hands the payload back for re-raising.
//! Aborting instead would take Outlook down with an add-in, and re-raising
//! on the "calling" thread is impossible since callbacks run on olstate's
//! threads.
//!
//! # Linking
//!
//! The build script links `libolstate` from `OLSTATE_LIB_DIR` (emitting an
//! rpath to it), else through `pkg-config olstate`. See the README.
#![warn(missing_docs, rust_2018_idioms, unsafe_op_in_unsafe_fn)]

mod bridge;
mod connection;
mod error;
mod outlook;
mod session;
mod subscription;
mod types;

#[cfg(doctest)]
mod must_use_checks;

/// The README's code blocks, run as doctests (with the `sim` feature, which
/// its "Testing your own code" block uses).
#[cfg(all(doctest, feature = "sim"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The raw declarations mirroring `olstate.h`: the `olstate-sys` crate.
pub use olstate_sys as sys;

#[cfg(feature = "sim")]
pub mod sim;

use std::ffi::CStr;
use std::sync::OnceLock;

pub use bridge::{Bridge, BridgeOptions};
pub use connection::{Account, AccountType, ConnectionMode};
pub use error::{Error, ErrorCode, Result};
pub use outlook::{detect_outlook, OutlookInfo, OutlookKind};
pub use session::{Session, SessionBuilder};
pub use subscription::{SubscribeOptions, Subscription};
pub use types::{
    Capabilities, Delivery, Event, EventKind, Provider, SessionInfo, State, SubscriptionId,
};

/// The ABI version this binding was written for, as `(major, minor)`.
pub const BINDING_ABI_VERSION: (u16, u16) =
    ((sys::OLSTATE_ABI_VERSION >> 16) as u16, (sys::OLSTATE_ABI_VERSION & 0xffff) as u16);

/// The loaded library's ABI version, as `(major, minor)`.
///
/// ```
/// let (major, minor) = olstate::abi_version();
/// assert_eq!(major, olstate::BINDING_ABI_VERSION.0);
/// println!("olstate ABI {major}.{minor}");
/// ```
pub fn abi_version() -> (u16, u16) {
    // SAFETY: no arguments; always safe.
    let v = unsafe { sys::olstate_abi_version() };
    ((v >> 16) as u16, (v & 0xffff) as u16)
}

/// The loaded library's version string, e.g. `"1.0.0"`.
///
/// ```
/// println!("olstate {}", olstate::library_version());
/// ```
pub fn library_version() -> String {
    // SAFETY: a static, NUL-terminated string, never NULL.
    unsafe {
        let p = sys::olstate_version_string();
        if p.is_null() {
            return String::new();
        }
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Checks an ABI version (`(major << 16) | minor`, as `olstate_abi_version`
/// returns) against the one this binding was written for: another major
/// version, or an older minor version, is refused with
/// [`ErrorCode::IncompatibleAbi`] and a message naming both.
///
/// [`Session`] constructors run this check on the loaded library (once per
/// process) before opening anything.
///
/// ```
/// use olstate::{check_abi_version, ErrorCode, BINDING_ABI_VERSION};
/// let abi = |major: u16, minor: u16| (u32::from(major) << 16) | u32::from(minor);
/// let (major, minor) = BINDING_ABI_VERSION;
/// assert!(check_abi_version(abi(major, minor)).is_ok());
/// assert!(check_abi_version(abi(major, minor + 5)).is_ok()); // newer minor: compatible
/// // An older minor lacks functions sys declares (1.1 had no olstate_wait_state).
/// let err = check_abi_version(abi(major, minor - 1)).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::IncompatibleAbi);
/// let err = check_abi_version(abi(major + 1, 0)).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::IncompatibleAbi);
/// ```
pub fn check_abi_version(library_abi: u32) -> Result<()> {
    let (major, minor) = (library_abi >> 16, library_abi & 0xffff);
    let (want_major, want_minor) = (sys::OLSTATE_ABI_VERSION >> 16, sys::OLSTATE_ABI_VERSION & 0xffff);
    let why = if major != want_major {
        "another major version"
    } else if minor < want_minor {
        "an older minor version; upgrade the olstate library"
    } else {
        return Ok(());
    };
    Err(Error::new(
        ErrorCode::IncompatibleAbi,
        format!(
            "the loaded olstate library has ABI {major}.{minor}, but this binding needs \
             ABI {want_major}.{want_minor} or a later {want_major}.x ({why})"
        ),
    ))
}

/// [`check_abi_version`] on the loaded library, evaluated once per process.
pub(crate) fn check_abi() -> Result<()> {
    static CHECKED: OnceLock<Result<()>> = OnceLock::new();
    // SAFETY: no arguments; always safe.
    CHECKED.get_or_init(|| check_abi_version(unsafe { sys::olstate_abi_version() })).clone()
}

/// The C name of a raw result as the library reports it
/// (`olstate_result_name`), e.g. `"OLSTATE_E_BUSY"`, `"unknown"` for values it
/// does not know.
///
/// ```
/// assert_eq!(olstate::result_name(olstate::sys::OLSTATE_E_BUSY), "OLSTATE_E_BUSY");
/// ```
pub fn result_name(result: sys::olstate_result) -> &'static str {
    // SAFETY: returns a static string, never NULL.
    unsafe {
        let p = sys::olstate_result_name(result);
        if p.is_null() {
            return "unknown";
        }
        CStr::from_ptr(p).to_str().unwrap_or("unknown")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_check_refuses_other_major_and_older_minor() {
        assert!(check_abi_version(sys::OLSTATE_ABI_VERSION).is_ok());
        assert!(check_abi_version(sys::OLSTATE_ABI_VERSION + 1).is_ok());
        for bad in [0u32, 1 << 16, 2 << 16, (2 << 16) | 3, 0xffff] {
            let e = check_abi_version(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::IncompatibleAbi, "{bad:#x}");
            assert!(e.message().contains("ABI"), "{e}");
            assert_eq!(e.hresult(), 0);
            assert_eq!(e.raw_code(), None);
        }
        // Messages name both versions (whatever version sys mirrors).
        let (major, minor) = BINDING_ABI_VERSION;
        let ours = format!("{major}.{minor}");
        let msg = check_abi_version(2 << 16).unwrap_err().to_string();
        assert!(msg.contains("2.0") && msg.contains(&ours) && msg.contains("major"), "{msg}");
        let msg = check_abi_version(1 << 16).unwrap_err().to_string();
        assert!(msg.contains("1.0") && msg.contains(&ours) && msg.contains("older minor"), "{msg}");
    }

    #[test]
    fn error_code_round_trip() {
        for raw in -12..=-1 {
            let code = ErrorCode::from_raw(raw).unwrap();
            assert!(!matches!(code, ErrorCode::Unknown(_)), "{raw}");
            assert_eq!(code.raw(), Some(raw));
        }
        assert_eq!(ErrorCode::from_raw(-13), Some(ErrorCode::Unknown(-13)));
        assert_eq!(ErrorCode::from_raw(0), None);
        assert_eq!(ErrorCode::from_raw(5), None);
    }
}
