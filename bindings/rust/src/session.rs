//! [`Session`], [`SessionBuilder`] and [`Subscription`].

use std::any::Any;
use std::ffi::{c_void, CStr, CString};
use std::fmt;
use std::mem::size_of;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use crate::error::{check, Error, ErrorCode, Result};
use crate::types::{Capabilities, Delivery, Event, Provider, SessionInfo, State, SubscriptionId};
use crate::{check_abi, sys};

/// A session handle that may be used from any thread.
#[derive(Clone, Copy)]
struct RawSession(*mut sys::olstate_session);

// SAFETY: the contract makes every olstate function callable from any thread,
// concurrently, and a handle is not an address: a closed handle is detected
// through the library's registry of live sessions, never dereferenced. So
// the pointer value may travel and be shared freely.
unsafe impl Send for RawSession {}
unsafe impl Sync for RawSession {}

/// An open connection to Outlook's offline state for one profile.
///
/// A `Session` is `Send + Sync`: every method may be called from any thread,
/// concurrently (share it through an [`Arc`]). Dropping it closes it: every
/// subscription ends, callbacks running on other threads are waited for and
/// every subscription's closure is dropped before `drop` returns (unless the
/// session is dropped from inside one of its own callbacks: then the close
/// completes when that callback returns). [`Subscription`]s may outlive their
/// session; dropping them afterwards is a no-op.
///
/// ```
/// # fn main() -> Result<(), olstate::Error> {
/// use olstate::{Provider, Session, State};
///
/// let session = Session::builder().provider(Provider::Simulator).profile("doc-session").open()?;
/// println!("capabilities: {:?}", session.capabilities()?);
/// assert_eq!(session.state()?, State::Online); // the simulator starts online
/// session.set_state(State::Offline, true)?;
/// assert_eq!(session.state()?, State::Offline);
/// session.set_state(State::Online, true)?;
/// # Ok(()) }
/// ```
pub struct Session {
    raw: RawSession,
    delivery: Delivery,
}

impl Session {
    /// Opens `profile` (a MAPI profile name) through the default provider
    /// ([`Provider::Auto`]) with [`Delivery::Queued`].
    ///
    /// Fails with [`ErrorCode::IncompatibleAbi`] if the loaded library has an
    /// ABI this binding cannot use, [`ErrorCode::InvalidArgument`] if the
    /// name holds a NUL byte, and otherwise as `olstate_open`
    /// ([`ErrorCode::ProfileNotFound`], [`ErrorCode::ProviderNotFound`], ...).
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// // On Linux, the default provider is the simulator.
    /// # #[cfg(not(windows))] {
    /// let session = olstate::Session::open("Outlook")?;
    /// assert_eq!(session.info()?.profile, "Outlook");
    /// # }
    /// # Ok(()) }
    /// ```
    pub fn open(profile: &str) -> Result<Session> {
        check_abi()?;
        let profile = to_cstring(profile, "profile")?;
        Session::open_raw(|out| unsafe { sys::olstate_open(profile.as_ptr(), out) }, Delivery::Queued)
    }

    /// Opens the default MAPI profile through the default provider with
    /// [`Delivery::Queued`].
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// # #[cfg(not(windows))] {
    /// let session = olstate::Session::open_default()?;
    /// println!("default profile: {}", session.info()?.profile);
    /// # }
    /// # Ok(()) }
    /// ```
    pub fn open_default() -> Result<Session> {
        check_abi()?;
        Session::open_raw(|out| unsafe { sys::olstate_open(ptr::null(), out) }, Delivery::Queued)
    }

    /// A builder to choose the profile, provider, provider path and delivery
    /// mode.
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{Delivery, Provider, Session};
    /// let session = Session::builder()
    ///     .profile("doc-builder")
    ///     .provider(Provider::Simulator)
    ///     .delivery(Delivery::Inline)
    ///     .open()?;
    /// assert_eq!(session.delivery(), Delivery::Inline);
    /// # Ok(()) }
    /// ```
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    fn open_raw(
        open: impl FnOnce(*mut *mut sys::olstate_session) -> sys::olstate_result,
        delivery: Delivery,
    ) -> Result<Session> {
        let mut raw: *mut sys::olstate_session = ptr::null_mut();
        check(open(&mut raw))?;
        if raw.is_null() {
            return Err(Error::new(ErrorCode::Internal, "olstate_open returned OK and a NULL session"));
        }
        Ok(Session { raw: RawSession(raw), delivery })
    }

    /// The provider's capabilities, read once when the session was opened.
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// # let session = olstate::Session::builder().provider(olstate::Provider::Simulator).open()?;
    /// let caps = session.capabilities()?;
    /// if caps.can_go_offline() {
    ///     println!("this provider can work offline");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn capabilities(&self) -> Result<Capabilities> {
        let mut caps = 0u32;
        // SAFETY: valid out-pointer; the handle is valid or detected as closed.
        check(unsafe { sys::olstate_capabilities(self.raw.0, &mut caps) })?;
        Ok(Capabilities::from_bits(caps))
    }

    /// The current state.
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// # let session = olstate::Session::builder().provider(olstate::Provider::Simulator)
    /// #     .profile("doc-state").open()?;
    /// println!("Outlook is {}", session.state()?);
    /// # Ok(()) }
    /// ```
    pub fn state(&self) -> Result<State> {
        let mut state = 0u32;
        // SAFETY: as in `capabilities`.
        check(unsafe { sys::olstate_get_state(self.raw.0, &mut state) })?;
        State::from_raw(state).ok_or_else(|| {
            Error::new(ErrorCode::Internal, format!("olstate_get_state reported unknown state {state}"))
        })
    }

    /// Asks for a change to `state`. With `blocking == false` it returns once
    /// the change has started; with `blocking == true` once it is complete.
    /// Setting the state the session already has succeeds and sends no event.
    ///
    /// Errors: [`ErrorCode::Busy`] (a change is still in progress),
    /// [`ErrorCode::WouldDeadlock`] (a blocking change from a provider
    /// notification thread, e.g. inside a [`Delivery::Inline`] callback; an
    /// asynchronous change is fine there), [`ErrorCode::NotSupported`],
    /// [`ErrorCode::ProviderFailed`].
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{Provider, Session, State};
    /// let session = Session::builder().provider(Provider::Simulator).profile("doc-set").open()?;
    /// session.set_state(State::Offline, true)?;   // returns when complete
    /// assert_eq!(session.state()?, State::Offline);
    /// session.set_state(State::Offline, true)?;   // already offline: no event
    /// session.set_state(State::Online, true)?;
    /// # Ok(()) }
    /// ```
    pub fn set_state(&self, state: State, blocking: bool) -> Result<()> {
        let flags = if blocking { sys::OLSTATE_SET_BLOCK } else { sys::OLSTATE_SET_DEFAULT };
        // SAFETY: plain values; the handle is valid or detected as closed.
        check(unsafe { sys::olstate_set_state(self.raw.0, state.raw(), flags) })
    }

    /// Facts about the session: the resolved provider, the profile and the
    /// provider library actually loaded.
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{Provider, Session};
    /// let session = Session::builder().provider(Provider::Simulator).profile("doc-info").open()?;
    /// let info = session.info()?;
    /// assert_eq!(info.provider, Provider::Simulator);
    /// assert_eq!(info.profile, "doc-info");
    /// println!("provider library: {:?}", info.provider_path);
    /// # Ok(()) }
    /// ```
    pub fn info(&self) -> Result<SessionInfo> {
        let mut info = sys::olstate_session_info {
            struct_size: size_of::<sys::olstate_session_info>() as u32,
            provider: 0,
            profile: ptr::null(),
            provider_path: ptr::null(),
            threading: 0,
        };
        // SAFETY: struct_size tells the library how much it may write.
        check(unsafe { sys::olstate_get_session_info(self.raw.0, &mut info) })?;
        // SAFETY: the strings are owned by the session and valid until it is
        // closed, which cannot happen while `self` is borrowed.
        let text = |p: *const std::os::raw::c_char| {
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        };
        Ok(SessionInfo {
            provider: Provider::from_raw(info.provider),
            profile: text(info.profile).unwrap_or_default(),
            provider_path: text(info.provider_path).filter(|s| !s.is_empty()).map(PathBuf::from),
        })
    }

    /// The delivery mode the session was opened with.
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }

    /// Calls `callback` for every event of the session until the returned
    /// [`Subscription`] is dropped (or the session is closed).
    ///
    /// The callback runs on a thread olstate owns: the session's dispatcher
    /// thread in [`Delivery::Queued`] mode, a provider thread in
    /// [`Delivery::Inline`] mode. It may call any method of this crate,
    /// including dropping its own `Subscription` (no further call starts;
    /// the closure is dropped after the current call returns) or closing the
    /// session.
    ///
    /// **Serialisation.** Calls of one `FnMut` never overlap: in `Queued`
    /// mode olstate already runs them one at a time; in `Inline` mode a
    /// provider may notify from several threads at once, so this binding
    /// holds a per-subscription mutex around the closure (a second provider
    /// thread waits for the first call to return). That mutex is never held
    /// while olstate waits for anything, so dropping the subscription from
    /// inside the closure cannot deadlock. Use
    /// [`subscribe_concurrent`](Session::subscribe_concurrent) for a `Fn`
    /// that may run concurrently.
    ///
    /// **Panics** in the callback are caught before they reach C: Rust's
    /// panic hook reports them (to stderr by default) as for any thread, the
    /// subscription is disabled (no further calls; the closure is still
    /// dropped normally), other subscriptions are unaffected, and the first
    /// payload is kept for [`Subscription::take_panic`].
    ///
    /// Do not drop a `Subscription` or the `Session` while holding a lock
    /// that the callback also takes: they wait for a callback running on
    /// another thread, which would wait for your lock.
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{EventKind, Provider, Session, State};
    /// use std::sync::mpsc;
    ///
    /// let session = Session::builder().provider(Provider::Simulator).profile("doc-subscribe").open()?;
    /// let (tx, rx) = mpsc::channel();
    /// let mut seen = 0;
    /// let subscription = session.subscribe(move |event| {
    ///     seen += 1;
    ///     println!("event {seen}: {event}");
    ///     if event.kind == EventKind::ChangeDone {
    ///         tx.send(event.new_state).unwrap();
    ///     }
    /// })?;
    /// session.set_state(State::Offline, false)?;
    /// assert_eq!(rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap(), Some(State::Offline));
    /// drop(subscription); // unsubscribes: no call after this returns
    /// # session.set_state(State::Online, true)?;
    /// # Ok(()) }
    /// ```
    ///
    /// The closure must own what it uses (`'static`) and be `Send`:
    ///
    /// ```compile_fail
    /// # let session = olstate::Session::open_default().unwrap();
    /// let log = String::from("borrowed");
    /// let sub = session.subscribe(|_event| println!("{log}")); // borrows `log`: rejected
    /// ```
    ///
    /// ```compile_fail
    /// # let session = olstate::Session::open_default().unwrap();
    /// let counter = std::rc::Rc::new(std::cell::Cell::new(0));
    /// let sub = session.subscribe(move |_event| counter.set(counter.get() + 1)); // Rc is not Send
    /// ```
    pub fn subscribe<F>(&self, callback: F) -> Result<Subscription>
    where
        F: FnMut(&Event) + Send + 'static,
    {
        self.subscribe_handler(Handler::Serial(Mutex::new(Box::new(callback))))
    }

    /// Like [`subscribe`](Session::subscribe) for a callback that may run on
    /// several threads at once: no mutex is taken, so in
    /// [`Delivery::Inline`] mode with a provider that notifies from several
    /// threads, calls may overlap (and arrive in any order). In
    /// [`Delivery::Queued`] mode calls never overlap anyway.
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{Delivery, Provider, Session, State};
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let session = Session::builder().provider(Provider::Simulator)
    ///     .profile("doc-concurrent").delivery(Delivery::Inline).open()?;
    /// let count = Arc::new(AtomicUsize::new(0));
    /// let c = count.clone();
    /// let sub = session.subscribe_concurrent(move |_event| {
    ///     c.fetch_add(1, Ordering::SeqCst);
    /// })?;
    /// session.set_state(State::Offline, true)?;
    /// drop(sub);
    /// assert_eq!(count.load(Ordering::SeqCst), 3); // START, CHANGE, DONE
    /// # session.set_state(State::Online, true)?;
    /// # Ok(()) }
    /// ```
    ///
    /// A closure with unsynchronised state is rejected (use
    /// [`subscribe`](Session::subscribe), or atomics):
    ///
    /// ```compile_fail
    /// # let session = olstate::Session::open_default().unwrap();
    /// let count = std::cell::Cell::new(0);
    /// let sub = session.subscribe_concurrent(move |_event| count.set(count.get() + 1)); // Cell is not Sync
    /// ```
    pub fn subscribe_concurrent<F>(&self, callback: F) -> Result<Subscription>
    where
        F: Fn(&Event) + Send + Sync + 'static,
    {
        self.subscribe_handler(Handler::Concurrent(Box::new(callback)))
    }

    /// Subscribes and returns a [`std::sync::mpsc::Receiver`] of the events.
    ///
    /// Keep the `Subscription`: dropping it unsubscribes. Once it is dropped
    /// or the session is closed, the sending side is dropped too, so the
    /// receiver's iteration ends after the events already queued.
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{EventKind, Provider, Session, State};
    /// use std::time::Duration;
    ///
    /// let session = Session::builder().provider(Provider::Simulator).profile("doc-events").open()?;
    /// let (_subscription, events) = session.events()?;
    /// session.set_state(State::Offline, false)?;
    /// let kinds: Vec<EventKind> = (0..3)
    ///     .map(|_| events.recv_timeout(Duration::from_secs(10)).unwrap().kind)
    ///     .collect();
    /// assert_eq!(kinds, [EventKind::ChangeStart, EventKind::Change, EventKind::ChangeDone]);
    /// drop(session);
    /// assert!(events.recv().is_err()); // closed: the channel is disconnected
    /// # Ok(()) }
    /// ```
    pub fn events(&self) -> Result<(Subscription, mpsc::Receiver<Event>)> {
        let (tx, rx) = mpsc::channel();
        let sub = self.subscribe(move |event| {
            // The receiver may be gone; the subscription then idles until dropped.
            let _ = tx.send(*event);
        })?;
        Ok((sub, rx))
    }

    fn subscribe_handler(&self, handler: Handler) -> Result<Subscription> {
        let shared = Arc::new(SubShared::default());
        let context = Box::into_raw(Box::new(Context { shared: shared.clone(), handler }));
        let mut id: sys::olstate_subscription = 0;
        // SAFETY: from here on olstate owns `context`: it calls
        // `release_context` exactly once, after the last callback, or before
        // a failing olstate_subscribe returns. We never touch it again.
        let result = unsafe {
            sys::olstate_subscribe(
                self.raw.0,
                Some(call_context),
                context.cast::<c_void>(),
                Some(release_context),
                &mut id,
            )
        };
        check(result)?;
        Ok(Subscription { session: self.raw, id, shared, active: true })
    }

    /// Closes the session, reporting a failure that `drop` would ignore.
    /// Every subscription ends; every closure is dropped before this returns
    /// (when called from inside one of the session's own callbacks, the close
    /// completes when that callback returns).
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// let session = olstate::Session::builder().provider(olstate::Provider::Simulator).open()?;
    /// session.close()?;
    /// # Ok(()) }
    /// ```
    pub fn close(mut self) -> Result<()> {
        let raw = std::mem::replace(&mut self.raw, RawSession(ptr::null_mut()));
        // SAFETY: the handle came from olstate_open*; it is closed once.
        check(unsafe { sys::olstate_close(raw.0) })
    }

    /// The raw handle, for calls through [`sys`](crate::sys). It stays owned by
    /// this `Session`: do not close it.
    pub fn as_raw(&self) -> *mut sys::olstate_session {
        self.raw.0
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: as in `close`; olstate_close(NULL) is a no-op.
        unsafe {
            sys::olstate_close(self.raw.0);
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").field("handle", &self.raw.0).field("delivery", &self.delivery).finish()
    }
}

/// Options for [`Session::builder`]; [`open`](SessionBuilder::open) opens the session.
///
/// ```
/// # fn main() -> Result<(), olstate::Error> {
/// use olstate::{Delivery, Provider, SessionBuilder};
/// let builder = SessionBuilder::new().profile("doc-sb").provider(Provider::Simulator);
/// let a = builder.clone().delivery(Delivery::Queued).open()?;
/// let b = builder.delivery(Delivery::Inline).open()?; // same profile, second session
/// assert_eq!(a.state()?, b.state()?);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct SessionBuilder {
    profile: Option<String>,
    provider: Provider,
    provider_path: Option<PathBuf>,
    endpoint: Option<PathBuf>,
    delivery: Delivery,
    reconnect: bool,
}

impl SessionBuilder {
    /// Defaults: the default profile, [`Provider::Auto`], no provider path,
    /// no endpoint, [`Delivery::Queued`], no reconnect.
    pub fn new() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// The MAPI profile name (default: the default profile).
    pub fn profile(mut self, profile: impl Into<String>) -> SessionBuilder {
        self.profile = Some(profile.into());
        self
    }

    /// The provider (default [`Provider::Auto`]).
    pub fn provider(mut self, provider: Provider) -> SessionBuilder {
        self.provider = provider;
        self
    }

    /// The provider library's full path; required with [`Provider::Library`]
    /// and rejected ([`ErrorCode::InvalidArgument`]) with providers other
    /// than `Library` and `Bridge` (for the bridge it is the endpoint: prefer
    /// [`endpoint`](SessionBuilder::endpoint)). It must be valid UTF-8.
    pub fn provider_path(mut self, path: impl Into<PathBuf>) -> SessionBuilder {
        self.provider_path = Some(path.into());
        self
    }

    /// The bridge endpoint to connect to with [`Provider::Bridge`] (default:
    /// the current user's endpoint, where a host started with default
    /// [`BridgeOptions`](crate::BridgeOptions) listens): a Unix socket path
    /// on POSIX, a pipe name on Windows, as [`Bridge::endpoint`](crate::Bridge::endpoint)
    /// reports it. Passed to the library as `provider_path`, and only with
    /// [`Provider::Bridge`]: with any other provider, or together with
    /// [`provider_path`](SessionBuilder::provider_path), `open` fails with
    /// [`ErrorCode::InvalidArgument`]. It must be valid UTF-8.
    pub fn endpoint(mut self, endpoint: impl Into<PathBuf>) -> SessionBuilder {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// With [`Provider::Bridge`]: keep reconnecting, with backoff, whenever
    /// the bridge host is gone - also at open, which then succeeds before any
    /// host runs (`OLSTATE_OPEN_RECONNECT`). Subscribers see
    /// [`EventKind::ProviderLost`](crate::EventKind::ProviderLost) when the
    /// host goes away and [`EventKind::ProviderBack`](crate::EventKind::ProviderBack)
    /// (with the current state) when a host serves the endpoint again; in
    /// between, calls fail with [`ErrorCode::ProviderNotFound`]. Without it
    /// (the default) a lost host is final for the session. The library
    /// refuses it ([`ErrorCode::InvalidArgument`]) with providers other than
    /// the bridge.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{EventKind, Provider, Session};
    /// let session = Session::builder().provider(Provider::Bridge).reconnect(true).open()?;
    /// let (_sub, events) = session.events()?;
    /// for event in events {
    ///     match event.kind {
    ///         EventKind::ProviderLost => println!("Outlook is gone"),
    ///         EventKind::ProviderBack => println!("Outlook is back, {:?}", event.new_state),
    ///         _ => println!("{event}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn reconnect(mut self, reconnect: bool) -> SessionBuilder {
        self.reconnect = reconnect;
        self
    }

    /// Shorthand for `.provider(Provider::Library).provider_path(path)`.
    pub fn library(self, path: impl Into<PathBuf>) -> SessionBuilder {
        self.provider(Provider::Library).provider_path(path)
    }

    /// The delivery mode (default [`Delivery::Queued`]).
    pub fn delivery(mut self, delivery: Delivery) -> SessionBuilder {
        self.delivery = delivery;
        self
    }

    /// Opens the session (`olstate_open_ex`).
    ///
    /// Errors: [`ErrorCode::IncompatibleAbi`], [`ErrorCode::InvalidArgument`]
    /// (NUL in the profile, a path that is not UTF-8, a path with a provider
    /// other than `Library` or none with `Library`, an endpoint with a
    /// provider other than `Bridge`, reconnect with a provider other than
    /// `Bridge`),
    /// [`ErrorCode::ProviderNotFound`], [`ErrorCode::ProfileNotFound`],
    /// [`ErrorCode::NotSupported`], [`ErrorCode::NotInOutlook`],
    /// [`ErrorCode::ProviderFailed`], [`ErrorCode::OutOfMemory`].
    pub fn open(&self) -> Result<Session> {
        check_abi()?;
        let profile = self.profile.as_deref().map(|p| to_cstring(p, "profile")).transpose()?;
        let path = match (&self.provider_path, &self.endpoint) {
            (Some(_), Some(_)) => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    "give either a provider path or a bridge endpoint, not both",
                ))
            }
            (_, Some(e)) if self.provider != Provider::Bridge => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    format!(
                        "a bridge endpoint ({}) needs Provider::Bridge, not {:?}",
                        e.display(),
                        self.provider
                    ),
                ))
            }
            (Some(p), None) | (None, Some(p)) => Some(path_cstring(p)?),
            (None, None) => None,
        };
        // Filled here rather than by olstate_open_options_init: that function
        // writes the *library's* sizeof, which a newer library may have grown
        // beyond this mirror. struct_size is our size; the library reads no
        // further.
        let options = sys::olstate_open_options {
            struct_size: size_of::<sys::olstate_open_options>() as u32,
            profile: profile.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
            provider: self.provider.raw(),
            provider_path: path.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
            delivery: self.delivery.raw(),
            flags: if self.reconnect { sys::OLSTATE_OPEN_RECONNECT } else { 0 },
        };
        // SAFETY: `options` and its strings outlive the call.
        Session::open_raw(|out| unsafe { sys::olstate_open_ex(&options, out) }, self.delivery)
    }
}

/// A path (provider library or bridge endpoint) as a C string: UTF-8, no NUL.
pub(crate) fn path_cstring(p: &std::path::Path) -> Result<CString> {
    let s = p.to_str().ok_or_else(|| {
        Error::new(ErrorCode::InvalidArgument, format!("the path {} is not valid UTF-8", p.display()))
    })?;
    to_cstring(s, "path")
}

pub(crate) fn to_cstring(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| {
        Error::new(ErrorCode::InvalidArgument, format!("the {what} {s:?} contains a NUL byte"))
    })
}

// ---------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------

type SerialFn = Box<dyn FnMut(&Event) + Send>;
type ConcurrentFn = Box<dyn Fn(&Event) + Send + Sync>;

enum Handler {
    /// `FnMut`: calls serialised by the mutex.
    Serial(Mutex<SerialFn>),
    /// `Fn + Sync`: calls may overlap.
    Concurrent(ConcurrentFn),
}

/// State shared by a subscription's C context and its [`Subscription`]
/// guard. It holds no closure, so a closure that owns its own guard makes no
/// reference cycle.
#[derive(Default)]
struct SubShared {
    /// No further call of the closure starts (guard dropped, or it panicked).
    cancelled: AtomicBool,
    /// olstate has run the release: the closure is gone.
    released: AtomicBool,
    panicked: AtomicBool,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

impl SubShared {
    fn record_panic(&self, payload: Box<dyn Any + Send>) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.panicked.store(true, Ordering::SeqCst);
        let mut slot = self.panic.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(payload);
        } else {
            drop(slot);
            drop_payload(payload);
        }
    }
}

/// Drops a panic payload whose own `Drop` might panic, without unwinding.
fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

/// The `void*` context olstate holds: boxed, freed by `release_context`.
struct Context {
    shared: Arc<SubShared>,
    handler: Handler,
}

/// The callback trampoline. Never unwinds into C.
unsafe extern "C" fn call_context(event: *const sys::olstate_event, context: *mut c_void) {
    if event.is_null() || context.is_null() {
        return;
    }
    // SAFETY: `context` is the Box<Context> leaked in `subscribe_handler`;
    // olstate frees it (release_context) only after the subscription's last
    // callback has returned, so it is alive for this call. Only shared
    // access happens here; the mutex guards the FnMut.
    let context = unsafe { &*(context as *const Context) };
    let shared = &context.shared;
    if shared.cancelled.load(Ordering::SeqCst) {
        return;
    }
    // SAFETY: the event pointer is valid for the duration of the call; we copy it.
    let event = Event::from_raw(unsafe { &*event });
    let outcome = catch_unwind(AssertUnwindSafe(|| match &context.handler {
        Handler::Serial(mutex) => {
            // A poisoned mutex means an earlier call panicked: the
            // subscription is disabled, and the closure's state may be broken.
            let Ok(mut callback) = mutex.lock() else { return };
            // Re-check: the guard may have been dropped (or a call panicked)
            // while this thread waited for the mutex.
            if shared.cancelled.load(Ordering::SeqCst) {
                return;
            }
            callback(&event);
        }
        Handler::Concurrent(callback) => callback(&event),
    }));
    if let Err(payload) = outcome {
        shared.record_panic(payload);
    }
}

/// The release trampoline: drops the closure, exactly once. Never unwinds.
unsafe extern "C" fn release_context(context: *mut c_void) {
    if context.is_null() {
        return;
    }
    // SAFETY: olstate calls this exactly once per subscription, after the
    // last callback returned (or for a failed subscribe), so we own the box.
    let context = unsafe { Box::from_raw(context as *mut Context) };
    let shared = context.shared.clone();
    shared.cancelled.store(true, Ordering::SeqCst);
    // The closure's captures are dropped here, on whatever thread olstate
    // releases on; a panicking Drop is reported by the panic hook and
    // contained.
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(context))) {
        drop_payload(payload);
    }
    shared.released.store(true, Ordering::SeqCst);
}

/// A live subscription ([`Session::subscribe`]); dropping it unsubscribes.
///
/// When `drop` (or [`unsubscribe`](Subscription::unsubscribe)) returns on a
/// thread other than the callback's, the callback is not running, will never
/// be called again, and its closure has been dropped. Dropped from inside a
/// callback of the same session (its own included), it does not wait: no new
/// call starts, and the closure is dropped once the calls in progress return.
///
/// A `Subscription` may outlive its [`Session`]: closing the session ends
/// the subscription (and drops its closure); dropping the guard afterwards
/// does nothing. `Subscription` is `Send + Sync`, so a closure may own its
/// own guard and drop it to stop itself.
///
/// ```
/// # fn main() -> Result<(), olstate::Error> {
/// use olstate::{Provider, Session, State, Subscription};
/// use std::sync::{Arc, Mutex};
///
/// let session = Session::builder().provider(Provider::Simulator).profile("doc-once").open()?;
/// // A one-shot subscription: the callback drops its own guard.
/// let slot: Arc<Mutex<Option<Subscription>>> = Arc::default();
/// let s = slot.clone();
/// let sub = session.subscribe(move |event| {
///     println!("first event only: {event}");
///     drop(s.lock().unwrap().take());
/// })?;
/// *slot.lock().unwrap() = Some(sub);
/// session.set_state(State::Offline, true)?;
/// # session.set_state(State::Online, true)?;
/// # Ok(()) }
/// ```
pub struct Subscription {
    session: RawSession,
    id: SubscriptionId,
    shared: Arc<SubShared>,
    active: bool,
}

impl Subscription {
    /// The token (`Event::subscription` of the events delivered to it).
    pub fn id(&self) -> SubscriptionId {
        self.id
    }

    /// Whether the callback may still be called: false once the session was
    /// closed (the closure has then been dropped) or the callback panicked.
    pub fn is_active(&self) -> bool {
        !self.shared.cancelled.load(Ordering::SeqCst) && !self.shared.released.load(Ordering::SeqCst)
    }

    /// Whether the callback panicked (which disabled the subscription).
    pub fn has_panicked(&self) -> bool {
        self.shared.panicked.load(Ordering::SeqCst)
    }

    /// The payload of the callback's first panic, once; re-raise it with
    /// [`std::panic::resume_unwind`] to propagate it to this thread.
    pub fn take_panic(&self) -> Option<Box<dyn Any + Send>> {
        self.shared.panic.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Unsubscribes, reporting a failure that `drop` would ignore:
    /// [`ErrorCode::InvalidHandle`] when the session was closed already (the
    /// subscription ended then).
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// let session = olstate::Session::builder().provider(olstate::Provider::Simulator).open()?;
    /// let sub = session.subscribe(|_| {})?;
    /// sub.unsubscribe()?;
    /// # Ok(()) }
    /// ```
    pub fn unsubscribe(mut self) -> Result<()> {
        self.active = false;
        self.shared.cancelled.store(true, Ordering::SeqCst);
        // SAFETY: a token and a handle (possibly closed: detected, never
        // dereferenced).
        check(unsafe { sys::olstate_unsubscribe(self.session.0, self.id) })
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if self.active {
            self.shared.cancelled.store(true, Ordering::SeqCst);
            // SAFETY: as in `unsubscribe`. INVALID_HANDLE (session closed,
            // subscription already gone) is expected and ignored.
            unsafe {
                sys::olstate_unsubscribe(self.session.0, self.id);
            }
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("active", &self.is_active())
            .field("panicked", &self.has_panicked())
            .finish()
    }
}
