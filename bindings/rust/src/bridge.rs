//! [`Bridge`] and [`BridgeOptions`]: publishing a session to other processes.

use std::ffi::CStr;
use std::fmt;
use std::mem::size_of;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::Arc;

use crate::error::{check, Error, ErrorCode, Result};
use crate::session::{path_cstring, Session, SessionHandle};
use crate::{check_abi, sys};

/// How a [`Bridge`] serves its clients (`olstate_bridge_options`).
///
/// The defaults are least privilege: clients may read the state and follow
/// its events but not change it, at most 16 clients, 64 events queued per
/// client, on the current user's endpoint.
///
/// ```
/// use olstate::BridgeOptions;
/// let options = BridgeOptions::new().allow_set_state(true).max_clients(4);
/// assert!(options.allows_set_state());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "options do nothing until passed to Bridge::start"]
pub struct BridgeOptions {
    allow_set_state: bool,
    max_clients: u32,
    queue_length: u32,
    endpoint: Option<PathBuf>,
}

impl BridgeOptions {
    /// The defaults (see the type's documentation).
    pub fn new() -> BridgeOptions {
        BridgeOptions::default()
    }

    /// Whether clients may change the state (`OLSTATE_BRIDGE_ALLOW_SET_STATE`;
    /// default false: their [`Session::set_state`] fails with
    /// [`ErrorCode::NotSupported`]).
    pub fn allow_set_state(mut self, allow: bool) -> BridgeOptions {
        self.allow_set_state = allow;
        self
    }

    /// Whether clients may change the state.
    pub fn allows_set_state(&self) -> bool {
        self.allow_set_state
    }

    /// Connected clients at most (1..=1024; more connections are refused
    /// with [`ErrorCode::Busy`]); 0 = the library's default (16).
    pub fn max_clients(mut self, clients: u32) -> BridgeOptions {
        self.max_clients = clients;
        self
    }

    /// Events held per client before the oldest is dropped (the next one is
    /// flagged [`Event::dropped_before`](crate::Event::dropped_before)); 0 =
    /// the library's default (64); at most 65536.
    pub fn queue_length(mut self, events: u32) -> BridgeOptions {
        self.queue_length = events;
        self
    }

    /// The endpoint to serve (a Unix socket path on POSIX, a pipe name on
    /// Windows); default: the current user's endpoint, which
    /// [`Provider::Bridge`](crate::Provider::Bridge) finds without one. It
    /// must be valid UTF-8. On POSIX an absolute socket path whose folder is
    /// owned by the user and closed to others (mode 0700; created when
    /// missing).
    pub fn endpoint(mut self, endpoint: impl Into<PathBuf>) -> BridgeOptions {
        self.endpoint = Some(endpoint.into());
        self
    }
}

/// A bridge handle that may be used from any thread.
struct RawBridge(*mut sys::olstate_bridge);

// SAFETY: every olstate function may be called from any thread,
// concurrently; the bridge handle is an opaque token the library validates.
unsafe impl Send for RawBridge {}
unsafe impl Sync for RawBridge {}

/// A running bridge: publishes a [`Session`] (in practice an Outlook-provider
/// session inside `OUTLOOK.EXE`) on a local endpoint only the current user
/// can reach, so that other processes follow and (if allowed) switch the
/// state through [`Provider::Bridge`](crate::Provider::Bridge).
///
/// The bridge owns a share of its session (no borrow): the session stays
/// open while the bridge runs, even if its [`Session`] is dropped first, so
/// both can live side by side in one struct (an add-in's state). Only
/// [`Session::close`] closes it earlier (clients then get
/// [`EventKind::ProviderLost`](crate::EventKind::ProviderLost)). A bridge
/// owned by a callback of its own session makes a cycle (the session owns
/// the callback): that session stays open until the callback lets the bridge
/// go, so keep bridges beside their sessions, not inside them. Dropping the
/// bridge stops it (`olstate_bridge_stop`): the endpoint closes and every
/// client gets
/// [`EventKind::ProviderLost`](crate::EventKind::ProviderLost). Never drop
/// or stop it from inside a callback of the bridged session (the library
/// refuses with [`ErrorCode::WouldDeadlock`] and the bridge keeps running
/// until stopped elsewhere).
///
/// ```
/// # fn main() -> Result<(), olstate::Error> {
/// use olstate::{Bridge, BridgeOptions, Provider, Session, State};
/// # let dir = std::env::temp_dir().join(format!("olstate-doc-bridge-{}", std::process::id()));
/// # #[cfg(unix)] std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
/// #     .recursive(true).create(&dir).unwrap();
/// # #[cfg(not(unix))] std::fs::create_dir_all(&dir).unwrap();
/// # let endpoint = dir.join("bridge.sock");
/// // The host (inside Outlook: the Outlook provider and the current profile).
/// let host = Session::builder().provider(Provider::Simulator).profile("doc-bridge").open()?;
/// let bridge = Bridge::start(&host, BridgeOptions::new().endpoint(&endpoint))?;
///
/// // A client, normally in another process.
/// let client = Session::builder().provider(Provider::Bridge).endpoint(bridge.endpoint()).open()?;
/// assert_eq!(client.state()?, host.state()?);
/// drop(client);
/// bridge.stop()?;
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(()) }
/// ```
#[must_use = "dropping a Bridge stops it at once: keep it while it should serve"]
pub struct Bridge {
    raw: RawBridge,
    endpoint: PathBuf,
    /// Keeps the session open until the bridge has stopped (fields drop
    /// after `Drop::drop`).
    _session: Arc<SessionHandle>,
}

impl Bridge {
    /// Publishes `session` as `options` say (`olstate_bridge_start`).
    ///
    /// Errors: [`ErrorCode::IncompatibleAbi`], [`ErrorCode::InvalidHandle`]
    /// (the session is closed), [`ErrorCode::InvalidArgument`] (an endpoint
    /// that is not UTF-8 or holds a NUL, a limit out of range),
    /// [`ErrorCode::Busy`] (another bridge already serves that endpoint),
    /// [`ErrorCode::ProviderFailed`] (the endpoint could not be created; the
    /// message says why), [`ErrorCode::OutOfMemory`].
    pub fn start(session: &Session, options: BridgeOptions) -> Result<Bridge> {
        check_abi()?;
        let endpoint = options.endpoint.as_deref().map(path_cstring).transpose()?;
        // Filled here, not by olstate_bridge_options_init (which writes the
        // library's sizeof): struct_size is this mirror's size.
        let raw_options = sys::olstate_bridge_options {
            struct_size: size_of::<sys::olstate_bridge_options>() as u32,
            flags: if options.allow_set_state { sys::OLSTATE_BRIDGE_ALLOW_SET_STATE } else { 0 },
            max_clients: options.max_clients,
            queue_length: options.queue_length,
            endpoint: endpoint.as_ref().map_or(ptr::null(), |e| e.as_ptr()),
        };
        let mut raw: *mut sys::olstate_bridge = ptr::null_mut();
        // SAFETY: the options and their string outlive the call; the session
        // handle is valid or detected as closed.
        check(unsafe { sys::olstate_bridge_start(session.as_raw(), &raw_options, &mut raw) })?;
        if raw.is_null() {
            return Err(Error::new(ErrorCode::Internal, "olstate_bridge_start returned OK and a NULL bridge"));
        }
        // From here `bridge` owns the handle: an early return stops it.
        let mut bridge = Bridge { raw: RawBridge(raw), endpoint: PathBuf::new(), _session: session.share() };
        let mut out: *const std::os::raw::c_char = ptr::null();
        // SAFETY: a live bridge handle and a valid out-pointer; the string is
        // the bridge's own, valid until stop, and copied at once.
        check(unsafe { sys::olstate_bridge_endpoint(bridge.raw.0, &mut out) })?;
        if out.is_null() {
            return Err(Error::new(ErrorCode::Internal, "olstate_bridge_endpoint returned OK and NULL"));
        }
        // SAFETY: a NUL-terminated string owned by the live bridge.
        let text = unsafe { CStr::from_ptr(out) }.to_string_lossy().into_owned();
        bridge.endpoint = PathBuf::from(text);
        Ok(bridge)
    }

    /// The endpoint the bridge serves: what a client passes to
    /// [`SessionBuilder::endpoint`](crate::SessionBuilder::endpoint).
    pub fn endpoint(&self) -> &Path {
        &self.endpoint
    }

    /// Stops the bridge (its clients get
    /// [`EventKind::ProviderLost`](crate::EventKind::ProviderLost)), reporting
    /// a failure that `drop` would ignore: [`ErrorCode::WouldDeadlock`] when
    /// called from inside a callback of the bridged session. The bridge is
    /// then not stopped and no longer reachable: it serves until its session
    /// closes. Stop bridges from your own threads.
    pub fn stop(mut self) -> Result<()> {
        let raw = std::mem::replace(&mut self.raw, RawBridge(ptr::null_mut()));
        // SAFETY: the handle came from olstate_bridge_start; stopped once.
        check(unsafe { sys::olstate_bridge_stop(raw.0) })
    }

    /// The raw handle, for calls through [`sys`](crate::sys). It stays owned
    /// by this `Bridge`: do not stop it.
    pub fn as_raw(&self) -> *mut sys::olstate_bridge {
        self.raw.0
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        // SAFETY: as in `stop`; olstate_bridge_stop(NULL) is a no-op.
        unsafe {
            sys::olstate_bridge_stop(self.raw.0);
        }
    }
}

impl fmt::Debug for Bridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bridge").field("handle", &self.raw.0).field("endpoint", &self.endpoint).finish()
    }
}
