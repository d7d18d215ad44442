//! Raw declarations mirroring olstate's C header, `olstate.h`, exactly.
//!
//! This crate links the olstate C library (`links = "olstate"`; its build
//! script finds it through `OLSTATE_LIB_DIR` or `pkg-config olstate`) and
//! declares its functions; the `olstate` crate is the safe API on top.
//! With the `sim` feature, `sim` declares the simulator's control API
//! (`olstate_sim.h`) and links `olstate_sim` too.
//!
//! Every item here has the name, type and value it has in the C header; the
//! crate's tests pin the struct sizes, field offsets and constants both to
//! hand-written values and to what the loaded library reports through
//! [`olstate_struct_size`]. Prefer the safe API at the crate root; this module
//! exists for callers who need something the safe API does not offer.
//!
//! All functions are `unsafe` to call: they take raw pointers whose validity
//! the caller vouches for. The library itself validates every pointer it can
//! (NULL arguments and closed session handles are errors, never crashes).
//!
//! On Windows the header's `OLSTATE_CALL` is `__cdecl`; Rust's `extern "C"`
//! is cdecl on every Windows target, so the declarations match on 32-bit x86
//! too.
#![allow(non_camel_case_types)]

#[cfg(feature = "sim")]
pub mod sim;

mod outlook;
pub use outlook::*;

use std::os::raw::{c_char, c_void};

// ---------------------------------------------------------------------------
// Results and errors
// ---------------------------------------------------------------------------

/// `olstate_result`: `OLSTATE_OK` (0) or a negative `OLSTATE_E_*` code.
pub type olstate_result = i32;

/// Success.
pub const OLSTATE_OK: olstate_result = 0;
/// NULL where not allowed, bad flag or enum value, bad `struct_size`, invalid UTF-8.
pub const OLSTATE_E_INVALID_ARGUMENT: olstate_result = -1;
/// Session closed or never opened; unknown subscription token.
pub const OLSTATE_E_INVALID_HANDLE: olstate_result = -2;
/// No Outlook MAPI DLL (or simulator library) could be located or loaded, or
/// it lacks `HrOpenOfflineObj`; or no bridge is running.
pub const OLSTATE_E_PROVIDER_NOT_FOUND: olstate_result = -3;
/// The provider said the profile does not exist, or there is no default profile.
pub const OLSTATE_E_PROFILE_NOT_FOUND: olstate_result = -4;
/// Capability or operation not supported by this provider or platform.
pub const OLSTATE_E_NOT_SUPPORTED: olstate_result = -5;
/// A state change is still in progress (the provider answered `E_PENDING`).
pub const OLSTATE_E_BUSY: olstate_result = -6;
/// Any other failing HRESULT from the provider; the message names it.
pub const OLSTATE_E_PROVIDER_FAILED: olstate_result = -7;
/// An allocation failed.
pub const OLSTATE_E_OUT_OF_MEMORY: olstate_result = -8;
/// A bug in olstate; the message says where.
pub const OLSTATE_E_INTERNAL: olstate_result = -9;
/// The Outlook provider was asked for outside `OUTLOOK.EXE`.
pub const OLSTATE_E_NOT_IN_OUTLOOK: olstate_result = -10;
/// A blocking call was made on a provider notification thread.
pub const OLSTATE_E_WOULD_DEADLOCK: olstate_result = -11;
/// The time given to `olstate_wait_state` ran out (since 1.2).
pub const OLSTATE_E_TIMEOUT: olstate_result = -12;

// ---------------------------------------------------------------------------
// Versions and struct sizes
// ---------------------------------------------------------------------------

/// `(major << 16) | minor` of the ABI this module describes (1.2).
pub const OLSTATE_ABI_VERSION: u32 = (1 << 16) | 3;

/// `olstate_struct_size` selector for [`olstate_open_options`].
pub const OLSTATE_STRUCT_OPEN_OPTIONS: u32 = 1;
/// `olstate_struct_size` selector for [`olstate_event`].
pub const OLSTATE_STRUCT_EVENT: u32 = 2;
/// `olstate_struct_size` selector for [`olstate_session_info`].
pub const OLSTATE_STRUCT_SESSION_INFO: u32 = 3;
/// `olstate_struct_size` selector for [`olstate_bridge_options`] (since 1.1).
pub const OLSTATE_STRUCT_BRIDGE_OPTIONS: u32 = 4;
/// `olstate_struct_size` selector for [`olstate_subscribe_options`] (since 1.2).
pub const OLSTATE_STRUCT_SUBSCRIBE_OPTIONS: u32 = 5;

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

/// Connection state: offline.
pub const OLSTATE_OFFLINE: u32 = 1;
/// Connection state: online.
pub const OLSTATE_ONLINE: u32 = 2;

/// Capability bit: the provider can go (and report going) offline.
pub const OLSTATE_CAPABILITY_OFFLINE: u32 = 1;
/// Capability bit: the provider can go (and report going) online.
pub const OLSTATE_CAPABILITY_ONLINE: u32 = 2;

/// Event kind: a state change starts.
pub const OLSTATE_EVENT_CHANGE_START: u32 = 1;
/// Event kind: the state changes.
pub const OLSTATE_EVENT_CHANGE: u32 = 2;
/// Event kind: a state change is complete.
pub const OLSTATE_EVENT_CHANGE_DONE: u32 = 3;
/// Event kind (since 1.1, bridge sessions only, never dropped): the bridge
/// host went away; `new_state` is the last state known, and calls fail with
/// `OLSTATE_E_PROVIDER_NOT_FOUND` until `OLSTATE_EVENT_PROVIDER_BACK`.
pub const OLSTATE_EVENT_PROVIDER_LOST: u32 = 0x100;
/// Event kind (since 1.1, bridge sessions opened with
/// `OLSTATE_OPEN_RECONNECT`): reconnected; `new_state` is the current state.
pub const OLSTATE_EVENT_PROVIDER_BACK: u32 = 0x101;
/// Event kind (since 1.2): the first event of a subscription made with
/// `OLSTATE_SUBSCRIBE_CURRENT_STATE`, carrying the state at subscribing.
pub const OLSTATE_EVENT_CURRENT: u32 = 0x200;

// ABI 1.3: Outlook's Exchange connection (olstate.h, "Exchange connection and accounts").
pub const OLSTATE_STRUCT_ACCOUNT: u32 = 6;
pub const OLSTATE_CAPABILITY_CONNECTION_MODE: u32 = 0x10000;
pub const OLSTATE_EVENT_CONNECTION_CHANGED: u32 = 0x300;
pub const OLSTATE_EVENT_ACCOUNT_CHANGED: u32 = 0x301;
pub const OLSTATE_CONNECTION_NO_EXCHANGE: u32 = 0;
pub const OLSTATE_CONNECTION_OFFLINE: u32 = 100;
pub const OLSTATE_CONNECTION_CACHED_OFFLINE: u32 = 200;
pub const OLSTATE_CONNECTION_DISCONNECTED: u32 = 300;
pub const OLSTATE_CONNECTION_CACHED_DISCONNECTED: u32 = 400;
pub const OLSTATE_CONNECTION_CACHED_CONNECTED_HEADERS: u32 = 500;
pub const OLSTATE_CONNECTION_CACHED_CONNECTED_DRIZZLE: u32 = 600;
pub const OLSTATE_CONNECTION_CACHED_CONNECTED_FULL: u32 = 700;
pub const OLSTATE_CONNECTION_ONLINE: u32 = 800;
pub const OLSTATE_CONNECTION_UNKNOWN: u32 = 0xFFFF_FFFF;
pub const OLSTATE_ACCOUNT_EXCHANGE: u32 = 0;
pub const OLSTATE_ACCOUNT_IMAP: u32 = 1;
pub const OLSTATE_ACCOUNT_POP3: u32 = 2;
pub const OLSTATE_ACCOUNT_HTTP: u32 = 3;
pub const OLSTATE_ACCOUNT_EAS: u32 = 4;
pub const OLSTATE_ACCOUNT_OTHER: u32 = 5;
pub const OLSTATE_MAX_ACCOUNTS: u32 = 32;
pub const OLSTATE_ACCOUNT_TEXT_SIZE: u32 = 256;

/// `olstate_wait_state` timeout that never runs out (since 1.2).
pub const OLSTATE_WAIT_INFINITE: u32 = 0xFFFF_FFFF;

/// `olstate_session_info.threading` (since 1.3): every call runs on the caller's thread.
pub const OLSTATE_THREADING_DIRECT: u32 = 0;
/// Calls are carried to the opening thread through a message-only window (Windows).
pub const OLSTATE_THREADING_OWNER_WINDOW: u32 = 1;
/// Calls are carried to the opening thread through the strict simulator's owner loop.
pub const OLSTATE_THREADING_OWNER_LOOP: u32 = 2;
/// How long a call carried to the owner thread waits for it, in ms (since 1.3).
pub const OLSTATE_OWNER_WAIT_MS: u32 = 5000;

/// `olstate_subscribe_options.flags` (since 1.2): the first event is
/// `OLSTATE_EVENT_CURRENT`.
pub const OLSTATE_SUBSCRIBE_CURRENT_STATE: u32 = 1;

/// `olstate_event.flags`: events were dropped before this one.
pub const OLSTATE_EVENT_FLAG_DROPPED: u32 = 1;

/// `olstate_set_state` flag: asynchronous.
pub const OLSTATE_SET_DEFAULT: u32 = 0;
/// `olstate_set_state` flag: return when the change is complete.
pub const OLSTATE_SET_BLOCK: u32 = 1;

/// Provider: Outlook inside `OUTLOOK.EXE`, the bridge elsewhere on Windows;
/// the simulator on other platforms.
pub const OLSTATE_PROVIDER_AUTO: u32 = 0;
/// Provider: Outlook's MAPI DLL (only inside `OUTLOOK.EXE`).
pub const OLSTATE_PROVIDER_OUTLOOK: u32 = 1;
/// Provider: `olstate_sim`, found next to the olstate library.
pub const OLSTATE_PROVIDER_SIMULATOR: u32 = 2;
/// Provider: the library at `provider_path`.
pub const OLSTATE_PROVIDER_LIBRARY: u32 = 3;
/// Provider: the bridge serving the profile inside Outlook, reached from
/// another process (since 1.1); `provider_path`: NULL = the current user's
/// endpoint, or an endpoint of its own.
pub const OLSTATE_PROVIDER_BRIDGE: u32 = 4;
/// Provider (since 1.3, Windows): a running Outlook read from outside through
/// its object model (`GetActiveObject`), read-only; no add-in needed. AUTO
/// outside `OUTLOOK.EXE` falls back to it when no bridge runs.
pub const OLSTATE_PROVIDER_OBJECT_MODEL: u32 = 5;

/// `olstate_open_options.flags` (since 1.1): bridge only; keep reconnecting
/// with backoff when the host is gone (also at open); reports
/// `OLSTATE_EVENT_PROVIDER_LOST`/`_BACK`.
pub const OLSTATE_OPEN_RECONNECT: u32 = 1;
/// `olstate_open_options.flags` (since 1.3): AUTO only; the bridge alone,
/// without the object-model fallback.
pub const OLSTATE_OPEN_NO_FALLBACK: u32 = 2;

/// Delivery: one dispatcher thread per session, callbacks one at a time, in order.
pub const OLSTATE_DELIVERY_QUEUED: u32 = 0;
/// Delivery: callbacks on the provider's notification thread, possibly concurrent.
pub const OLSTATE_DELIVERY_INLINE: u32 = 1;

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/// Opaque session handle (`olstate_session`).
#[repr(C)]
pub struct olstate_session {
    _opaque: [u8; 0],
    // Neither Send, Sync nor Unpin by itself: the handle is only ever used
    // through a raw pointer.
    _marker: std::marker::PhantomData<(*mut u8, std::marker::PhantomPinned)>,
}

/// Since 1.3: `olstate_open_options.connection_poll_ms` when 0 (ms).
pub const OLSTATE_CONNECTION_POLL_DEFAULT_MS: u32 = 5000;
/// Since 1.3: the smallest `connection_poll_ms` (ms).
pub const OLSTATE_CONNECTION_POLL_MIN_MS: u32 = 100;
/// Since 1.3: the largest `connection_poll_ms` (ms): one day.
pub const OLSTATE_CONNECTION_POLL_MAX_MS: u32 = 86_400_000;

/// `olstate_open_options`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct olstate_open_options {
    /// `sizeof(olstate_open_options)`.
    pub struct_size: u32,
    /// UTF-8 MAPI profile name; NULL = the default profile.
    pub profile: *const c_char,
    /// `OLSTATE_PROVIDER_*`.
    pub provider: u32,
    /// UTF-8 full path; required with `OLSTATE_PROVIDER_LIBRARY`, NULL otherwise.
    pub provider_path: *const c_char,
    /// `OLSTATE_DELIVERY_*`.
    pub delivery: u32,
    /// `OLSTATE_OPEN_RECONNECT` or 0.
    pub flags: u32,
    /// Since 1.3, Windows: Outlook's `Application` as an `IDispatch*`; NULL: none.
    pub application: *mut c_void,
    /// Since 1.3: ms between two reads of the object model; 0 = the default.
    pub connection_poll_ms: u32,
}

/// `olstate_session_info`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct olstate_session_info {
    /// Set by the caller: `sizeof(olstate_session_info)`.
    pub struct_size: u32,
    /// The resolved provider (never AUTO).
    pub provider: u32,
    /// UTF-8 profile name used; owned by the session.
    pub profile: *const c_char,
    /// UTF-8 path of the provider library loaded; owned by the session.
    pub provider_path: *const c_char,
    /// `OLSTATE_THREADING_*`: which thread calls the provider's objects (since 1.3).
    pub threading: u32,
}

/// `olstate_subscription`: a token unique for the life of the process; 0 is never valid.
pub type olstate_subscription = u64;

/// `olstate_event`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct olstate_event {
    /// `sizeof(olstate_event)` as the library knows it.
    pub struct_size: u32,
    /// `OLSTATE_EVENT_*`.
    pub kind: u32,
    /// `OLSTATE_ONLINE` / `OLSTATE_OFFLINE`.
    pub old_state: u32,
    /// `OLSTATE_ONLINE` / `OLSTATE_OFFLINE`.
    pub new_state: u32,
    /// The subscription this call is for.
    pub subscription: olstate_subscription,
    /// Per session: 1 for the first notification, +1 for each one after.
    pub sequence: u64,
    /// `OLSTATE_EVENT_FLAG_DROPPED`.
    pub flags: u32,
    /// 0.
    pub reserved: u32,
    /// Microseconds since the Unix epoch (UTC) when the notification reached olstate.
    pub notify_time_us: u64,
}

/// Opaque bridge handle (`olstate_bridge`, since 1.1).
#[repr(C)]
pub struct olstate_bridge {
    _opaque: [u8; 0],
    _marker: std::marker::PhantomData<(*mut u8, std::marker::PhantomPinned)>,
}

/// `olstate_bridge_options.flags`: clients may change the state (off by default).
pub const OLSTATE_BRIDGE_ALLOW_SET_STATE: u32 = 1;

/// `olstate_bridge_options` (since 1.1).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct olstate_bridge_options {
    /// `sizeof(olstate_bridge_options)`.
    pub struct_size: u32,
    /// `OLSTATE_BRIDGE_*`; default 0: clients may only read and follow.
    pub flags: u32,
    /// Connected clients at most; 0 = the default (16).
    pub max_clients: u32,
    /// Events held per client before the oldest is dropped; 0 = the default (64).
    pub queue_length: u32,
    /// UTF-8; NULL = the current user's endpoint.
    pub endpoint: *const c_char,
}

/// `olstate_callback`: called for each event; must not unwind.
pub type olstate_callback =
    Option<unsafe extern "C" fn(event: *const olstate_event, context: *mut c_void)>;

/// `olstate_release`: frees a subscription's context; runs exactly once.
pub type olstate_release = Option<unsafe extern "C" fn(context: *mut c_void)>;

/// `olstate_account` (since 1.3): one account, read into the caller's array.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct olstate_account {
    /// Set by the caller on the first element: `sizeof(olstate_account)`.
    pub struct_size: u32,
    /// `OLSTATE_ACCOUNT_*`.
    pub account_type: u32,
    /// `OLSTATE_CONNECTION_*`.
    pub connection_mode: u32,
    /// Written 0.
    pub reserved: u32,
    /// UTF-8, NUL-terminated.
    pub display_name: [c_char; OLSTATE_ACCOUNT_TEXT_SIZE as usize],
    /// UTF-8, NUL-terminated; empty when unreadable without the guard prompting.
    pub smtp_address: [c_char; OLSTATE_ACCOUNT_TEXT_SIZE as usize],
}

/// `olstate_subscribe_options` (since 1.2).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct olstate_subscribe_options {
    /// `sizeof(olstate_subscribe_options)`.
    pub struct_size: u32,
    /// `OLSTATE_SUBSCRIBE_*`; default 0.
    pub flags: u32,
    /// Required.
    pub callback: olstate_callback,
    /// Passed back untouched.
    pub context: *mut c_void,
    /// Frees `context`, as for `olstate_subscribe`.
    pub release: olstate_release,
}

// ---------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------

extern "C" {
    /// The static name of a result, e.g. `"OLSTATE_E_BUSY"`; `"unknown"` for others. Never NULL.
    pub fn olstate_result_name(result: olstate_result) -> *const c_char;
    /// UTF-8 message of the last failure on the calling thread; never NULL, empty after a success. Valid until the next `olstate_` call on this thread.
    pub fn olstate_last_error_message() -> *const c_char;
    /// The HRESULT involved in the last failure on the calling thread, 0 when none was.
    pub fn olstate_last_error_hresult() -> i32;

    /// The ABI version of the loaded library, `(major << 16) | minor`.
    pub fn olstate_abi_version() -> u32;
    /// The library's version, e.g. `"1.0.0"`. Static; never NULL.
    pub fn olstate_version_string() -> *const c_char;
    /// `sizeof` the named struct (`OLSTATE_STRUCT_*`) as the library knows it; 0 for an unknown value.
    pub fn olstate_struct_size(which: u32) -> usize;

    /// Fills `options` with the defaults (struct_size set, AUTO, QUEUED, NULLs, zeros). NULL is ignored.
    pub fn olstate_open_options_init(options: *mut olstate_open_options);
    /// `olstate_open_ex` with default options and this profile (UTF-8; NULL = the default profile).
    pub fn olstate_open(
        profile: *const c_char,
        out_session: *mut *mut olstate_session,
    ) -> olstate_result;
    /// Opens the offline object of `options->profile` through `options->provider`.
    pub fn olstate_open_ex(
        options: *const olstate_open_options,
        out_session: *mut *mut olstate_session,
    ) -> olstate_result;
    /// Closes the session (see the header for the full contract). NULL is a no-op.
    pub fn olstate_close(session: *mut olstate_session) -> olstate_result;
    /// Facts about an open session; the caller sets `out_info->struct_size`.
    pub fn olstate_get_session_info(
        session: *mut olstate_session,
        out_info: *mut olstate_session_info,
    ) -> olstate_result;

    /// The capabilities read at open (`OLSTATE_CAPABILITY_*` bits).
    pub fn olstate_capabilities(
        session: *mut olstate_session,
        out_capabilities: *mut u32,
    ) -> olstate_result;
    /// The current state: `OLSTATE_ONLINE` or `OLSTATE_OFFLINE`.
    pub fn olstate_get_state(session: *mut olstate_session, out_state: *mut u32) -> olstate_result;
    /// Asks for a change to `state`, with `OLSTATE_SET_DEFAULT` or `OLSTATE_SET_BLOCK`.
    pub fn olstate_set_state(session: *mut olstate_session, state: u32, flags: u32)
        -> olstate_result;

    /// Subscribes `callback`; when `release` is not NULL, olstate owns `context` and calls `release(context)` exactly once.
    pub fn olstate_subscribe(
        session: *mut olstate_session,
        callback: olstate_callback,
        context: *mut c_void,
        release: olstate_release,
        out_subscription: *mut olstate_subscription,
    ) -> olstate_result;
    /// Ends a subscription; on `OLSTATE_OK` from outside a callback, the callback is quiescent and its release has run.
    pub fn olstate_unsubscribe(
        session: *mut olstate_session,
        subscription: olstate_subscription,
    ) -> olstate_result;

    /// Fills `options` with the defaults and sets `struct_size` (since 1.1). NULL is ignored.
    pub fn olstate_bridge_options_init(options: *mut olstate_bridge_options);
    /// Waits until the session's state is `state`, at most `timeout_ms` (since 1.2).
    pub fn olstate_wait_state(session: *mut olstate_session, state: u32, timeout_ms: u32)
        -> olstate_result;
    /// Fills `options` with the defaults and sets `struct_size` (since 1.2).
    pub fn olstate_subscribe_options_init(options: *mut olstate_subscribe_options);
    /// The session's Exchange connection mode (since 1.3).
    pub fn olstate_get_connection_mode(session: *mut olstate_session, out_mode: *mut u32) -> olstate_result;
    /// Outlook's `NameSpace.Offline`: 1 or 0 (since 1.3).
    pub fn olstate_get_offline(session: *mut olstate_session, out_offline: *mut u32) -> olstate_result;
    /// The accounts, into the caller's array (since 1.3).
    pub fn olstate_get_accounts(
        session: *mut olstate_session,
        accounts: *mut olstate_account,
        capacity: u32,
        out_count: *mut u32,
    ) -> olstate_result;
    /// `olstate_subscribe` with an options struct and flags (since 1.2).
    pub fn olstate_subscribe_ex(
        session: *mut olstate_session,
        options: *const olstate_subscribe_options,
        out_subscription: *mut olstate_subscription,
    ) -> olstate_result;
    /// Publishes `session` on its endpoint (`options` NULL = the defaults; since 1.1).
    pub fn olstate_bridge_start(
        session: *mut olstate_session,
        options: *const olstate_bridge_options,
        out_bridge: *mut *mut olstate_bridge,
    ) -> olstate_result;
    /// The endpoint the bridge serves; owned by the bridge, valid until `olstate_bridge_stop` (since 1.1).
    pub fn olstate_bridge_endpoint(
        bridge: *mut olstate_bridge,
        out_endpoint: *mut *const c_char,
    ) -> olstate_result;
    /// Stops the bridge, disconnects its clients and frees it; never from a callback of the bridged session. NULL is a no-op (since 1.1).
    pub fn olstate_bridge_stop(bridge: *mut olstate_bridge) -> olstate_result;
}
