//! [`Session`] (sharing its C handle with bridges) and [`SessionBuilder`].

use std::ffi::{CStr, CString};
use std::fmt;
use std::mem::size_of;
use std::path::PathBuf;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{check, Error, ErrorCode, Result};
use crate::subscription::{self, Handler, SubscribeOptions, Subscription};
use crate::types::{Capabilities, Delivery, Event, EventKind, Provider, SessionInfo, State};
use crate::{check_abi, sys};

/// A session handle that may be used from any thread.
#[derive(Clone, Copy)]
pub(crate) struct RawSession(pub(crate) *mut sys::olstate_session);

// SAFETY: the contract makes every olstate function callable from any thread,
// concurrently, and a handle is not an address: a closed handle is detected
// through the library's registry of live sessions, never dereferenced. So
// the pointer value may travel and be shared freely.
unsafe impl Send for RawSession {}
unsafe impl Sync for RawSession {}

/// The open C session, shared by its [`Session`] and every
/// [`Bridge`](crate::Bridge) publishing it: closed by the last one dropped,
/// or earlier by [`Session::close`].
pub(crate) struct SessionHandle(AtomicPtr<sys::olstate_session>);

impl SessionHandle {
    fn raw(&self) -> RawSession {
        RawSession(self.0.load(Ordering::Acquire))
    }

    /// Closes the C session once; later calls (and the drop) find NULL,
    /// which `olstate_close` ignores.
    fn close(&self) -> sys::olstate_result {
        let raw = self.0.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: the handle came from olstate_open*; the swap makes this
        // the only close.
        unsafe { sys::olstate_close(raw) }
    }
}

impl Drop for SessionHandle {
    fn drop(&mut self) {
        // INVALID_HANDLE cannot happen (closed once); nothing to report to.
        self.close();
    }
}

/// An open connection to Outlook's offline state for one profile.
///
/// A `Session` is `Send + Sync`: every method may be called from any thread,
/// concurrently (share it through an [`Arc`]). Dropping it closes it: every
/// subscription ends, callbacks running on other threads are waited for and
/// every subscription's closure is dropped before `drop` returns (unless the
/// session is dropped from inside one of its own callbacks: then the close
/// completes when that callback returns). A [`Bridge`](crate::Bridge)
/// publishing the session shares it: the session then closes when the last
/// of the two is dropped (or at [`close`](Session::close)).
/// [`Subscription`]s may outlive their session; dropping them afterwards is
/// a no-op.
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
#[must_use = "dropping a Session closes it at once"]
pub struct Session {
    handle: Arc<SessionHandle>,
    delivery: Delivery,
    /// Opened with OLSTATE_OPEN_RECONNECT: a PROVIDER_LOST is not final.
    reconnect: bool,
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
        Session::open_raw(|out| unsafe { sys::olstate_open(profile.as_ptr(), out) }, Delivery::Queued, false)
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
        Session::open_raw(|out| unsafe { sys::olstate_open(ptr::null(), out) }, Delivery::Queued, false)
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
        reconnect: bool,
    ) -> Result<Session> {
        let mut raw: *mut sys::olstate_session = ptr::null_mut();
        check(open(&mut raw))?;
        if raw.is_null() {
            return Err(Error::new(ErrorCode::Internal, "olstate_open returned OK and a NULL session"));
        }
        Ok(Session { handle: Arc::new(SessionHandle(AtomicPtr::new(raw))), delivery, reconnect })
    }

    fn raw(&self) -> RawSession {
        self.handle.raw()
    }

    /// A share of the C session, for a [`Bridge`](crate::Bridge) that keeps
    /// it open while it runs.
    pub(crate) fn share(&self) -> Arc<SessionHandle> {
        Arc::clone(&self.handle)
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
        check(unsafe { sys::olstate_capabilities(self.raw().0, &mut caps) })?;
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
        check(unsafe { sys::olstate_get_state(self.raw().0, &mut state) })?;
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
        check(unsafe { sys::olstate_set_state(self.raw().0, state.raw(), flags) })
    }

    /// Waits until the session's state is `state`, at most `timeout`
    /// (`olstate_wait_state`): at once when it already is (and no change is
    /// under way), else at the [`EventKind::ChangeDone`] (or
    /// [`EventKind::ProviderBack`]) that reaches it, whoever asked for the
    /// change. `Duration::ZERO` looks once; `Duration::MAX` (or any timeout of
    /// 2³² − 1 ms, about 49 days, or more) never runs out; other timeouts are
    /// rounded up to whole milliseconds.
    ///
    /// After an asynchronous [`set_state`](Session::set_state) it returns
    /// once that change is complete, so the next change is not refused with
    /// [`ErrorCode::Busy`]. It needs no subscription, and any number of
    /// threads may wait at once.
    ///
    /// Errors: [`ErrorCode::Timeout`] (the time ran out),
    /// [`ErrorCode::ProviderNotFound`] (a bridge session whose host went
    /// away, without [`SessionBuilder::reconnect`]; with it the wait goes on
    /// across the loss), [`ErrorCode::WouldDeadlock`] (on a provider
    /// notification thread, e.g. inside a [`Delivery::Inline`] callback),
    /// [`ErrorCode::ProviderFailed`], [`ErrorCode::NotSupported`].
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{ErrorCode, Provider, Session, State};
    /// use std::time::Duration;
    ///
    /// let session = Session::builder().provider(Provider::Simulator).profile("doc-wait").open()?;
    /// session.set_state(State::Offline, false)?;                 // starts the change
    /// session.wait_for(State::Offline, Duration::from_secs(10))?; // ... until it is done
    /// session.set_state(State::Online, false)?;                  // so this one is not BUSY
    /// session.wait_for(State::Online, Duration::from_secs(10))?;
    ///
    /// // Nobody takes this simulator offline now: the time runs out.
    /// let err = session.wait_for(State::Offline, Duration::from_millis(50)).unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::Timeout);
    /// # Ok(()) }
    /// ```
    pub fn wait_for(&self, state: State, timeout: Duration) -> Result<()> {
        // SAFETY: plain values; the handle is valid or detected as closed.
        check(unsafe { sys::olstate_wait_state(self.raw().0, state.raw(), wait_millis(timeout)) })
    }

    /// Facts about the session: the resolved provider, the profile and the
    /// provider library actually loaded, read from the library at each call.
    /// A bridge session's profile is the one its host serves: read it again
    /// after [`EventKind::ProviderBack`], it may have reached another host
    /// (before any host it is the profile asked for, or empty).
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
        check(unsafe { sys::olstate_get_session_info(self.raw().0, &mut info) })?;
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
        self.subscribe_with(SubscribeOptions::new(), callback)
    }

    /// [`subscribe`](Session::subscribe) with [`SubscribeOptions`], e.g. to
    /// receive the current state first ([`EventKind::Current`]).
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{EventKind, Provider, Session, SubscribeOptions};
    /// use std::sync::mpsc;
    ///
    /// let session = Session::builder().provider(Provider::Simulator).profile("doc-sub-with").open()?;
    /// let (tx, rx) = mpsc::channel();
    /// let _subscription = session.subscribe_with(SubscribeOptions::new().current_state(true), move |event| {
    ///     if event.kind == EventKind::Current {
    ///         tx.send(event.new_state).unwrap(); // the state when it subscribed
    ///     }
    /// })?;
    /// assert_eq!(rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap(), Some(session.state()?));
    /// # Ok(()) }
    /// ```
    pub fn subscribe_with<F>(&self, options: SubscribeOptions, callback: F) -> Result<Subscription>
    where
        F: FnMut(&Event) + Send + 'static,
    {
        subscription::subscribe(self.raw(), options, Handler::Serial(Mutex::new(Box::new(callback))))
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
        self.subscribe_concurrent_with(SubscribeOptions::new(), callback)
    }

    /// [`subscribe_concurrent`](Session::subscribe_concurrent) with
    /// [`SubscribeOptions`].
    pub fn subscribe_concurrent_with<F>(&self, options: SubscribeOptions, callback: F) -> Result<Subscription>
    where
        F: Fn(&Event) + Send + Sync + 'static,
    {
        subscription::subscribe(self.raw(), options, Handler::Concurrent(Box::new(callback)))
    }

    /// Subscribes and returns a [`std::sync::mpsc::Receiver`] of the events.
    ///
    /// Keep the `Subscription`: dropping it unsubscribes. The receiver's
    /// iteration ends, after the events already queued, once the sending side
    /// is gone: when the `Subscription` is dropped, when the session is
    /// closed, and after a final [`EventKind::ProviderLost`] (a bridge
    /// session opened without [`SessionBuilder::reconnect`] never gets
    /// another event). With `reconnect` a loss is not final: the events go on
    /// with [`EventKind::ProviderBack`].
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
        self.events_with(SubscribeOptions::new())
    }

    /// [`events`](Session::events) with [`SubscribeOptions`]: with
    /// [`current_state`](SubscribeOptions::current_state) the first event
    /// received is [`EventKind::Current`].
    pub fn events_with(&self, options: SubscribeOptions) -> Result<(Subscription, mpsc::Receiver<Event>)> {
        let (tx, rx) = mpsc::channel();
        let lost_is_final = !self.reconnect;
        let mut tx = Some(tx);
        let sub = self.subscribe_with(options, move |event| {
            if let Some(sender) = &tx {
                // The receiver may be gone; the subscription then idles until dropped.
                let _ = sender.send(*event);
            }
            if event.kind == EventKind::ProviderLost && lost_is_final {
                tx = None; // nothing follows: let the receiver's iteration end
            }
        })?;
        Ok((sub, rx))
    }

    /// Closes the session, reporting a failure that `drop` would ignore.
    /// Every subscription ends; every closure is dropped before this returns
    /// (when called from inside one of the session's own callbacks, the close
    /// completes when that callback returns). A [`Bridge`](crate::Bridge)
    /// publishing the session does not keep it open past this call: its
    /// clients get [`EventKind::ProviderLost`] (the bridge still stops when
    /// dropped).
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// let session = olstate::Session::builder().provider(olstate::Provider::Simulator).open()?;
    /// session.close()?;
    /// # Ok(()) }
    /// ```
    pub fn close(self) -> Result<()> {
        check(self.handle.close())
    }

    /// The raw handle, for calls through [`sys`](crate::sys). It stays owned by
    /// this `Session`: do not close it.
    pub fn as_raw(&self) -> *mut sys::olstate_session {
        self.raw().0
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("handle", &self.raw().0)
            .field("delivery", &self.delivery)
            .field("reconnect", &self.reconnect)
            .finish()
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
#[must_use = "a builder does nothing until `open` is called"]
pub struct SessionBuilder {
    profile: Option<String>,
    provider: Provider,
    provider_path: Option<PathBuf>,
    endpoint: Option<PathBuf>,
    delivery: Delivery,
    reconnect: bool,
    no_fallback: bool,
    connection_poll_interval: Duration,
}

impl SessionBuilder {
    /// Defaults: the default profile, [`Provider::Auto`], no provider path,
    /// no endpoint, [`Delivery::Queued`], no reconnect, Auto's fallback on,
    /// the library's connection poll interval.
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
    /// the bridge, [`Provider::ObjectModel`] and [`Provider::Auto`] (where
    /// Auto is the bridge or the object model: Windows outside Outlook).
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

    /// With [`Provider::Auto`] only (`OLSTATE_OPEN_NO_FALLBACK`): on Windows
    /// outside Outlook, the bridge alone, without Auto's fallback to
    /// [`Provider::ObjectModel`] when no bridge host answers. Inside Outlook
    /// and off Windows Auto has no fallback and the flag changes nothing.
    /// With another provider `open` fails with [`ErrorCode::InvalidArgument`].
    pub fn no_fallback(mut self, no_fallback: bool) -> SessionBuilder {
        self.no_fallback = no_fallback;
        self
    }

    /// How often Outlook's object model is read (`connection_poll_ms`):
    /// by [`Provider::ObjectModel`] and by [`Provider::Auto`] when it falls
    /// back to it. 100 ms to one day; [`Duration::ZERO`] (the default) for
    /// the library's 5 s; a fraction of a millisecond counts as a whole one.
    /// Out of range, or with a provider that reads no object model, `open`
    /// fails with [`ErrorCode::InvalidArgument`].
    pub fn connection_poll_interval(mut self, interval: Duration) -> SessionBuilder {
        self.connection_poll_interval = interval;
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
    /// `Bridge`, `ObjectModel` or `Auto`, `no_fallback` with one other than
    /// `Auto`, a connection poll interval out of range or with a provider
    /// other than `ObjectModel` or `Auto`),
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
            flags: if self.reconnect { sys::OLSTATE_OPEN_RECONNECT } else { 0 }
                | if self.no_fallback { sys::OLSTATE_OPEN_NO_FALLBACK } else { 0 },
            application: ptr::null_mut(),
            connection_poll_ms: poll_ms(self.connection_poll_interval),
        };
        // SAFETY: `options` and its strings outlive the call.
        Session::open_raw(|out| unsafe { sys::olstate_open_ex(&options, out) }, self.delivery, self.reconnect)
    }
}

/// An interval as `connection_poll_ms`: a fraction of a millisecond rounds
/// up (half a millisecond must not become 0, the library's default), and
/// anything beyond `u32` saturates, which the library refuses as out of
/// range like any interval over a day.
fn poll_ms(interval: Duration) -> u32 {
    let ms = interval.as_nanos().div_ceil(1_000_000);
    u32::try_from(ms).unwrap_or(u32::MAX)
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

/// `timeout` as `olstate_wait_state`'s milliseconds: rounded up (a positive
/// timeout never becomes 0, "look once"); 2³² − 1 ms and more is
/// `OLSTATE_WAIT_INFINITE`.
fn wait_millis(timeout: Duration) -> u32 {
    let ms = timeout.as_nanos().div_ceil(1_000_000);
    u32::try_from(ms).unwrap_or(sys::OLSTATE_WAIT_INFINITE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_millis_rounds_up_and_saturates_to_infinite() {
        assert_eq!(wait_millis(Duration::ZERO), 0);
        assert_eq!(wait_millis(Duration::from_nanos(1)), 1);
        assert_eq!(wait_millis(Duration::from_micros(1500)), 2);
        assert_eq!(wait_millis(Duration::from_secs(5)), 5000);
        assert_eq!(wait_millis(Duration::from_millis(u64::from(u32::MAX) - 1)), u32::MAX - 1);
        assert_eq!(wait_millis(Duration::from_millis(u64::from(u32::MAX))), sys::OLSTATE_WAIT_INFINITE);
        assert_eq!(wait_millis(Duration::MAX), sys::OLSTATE_WAIT_INFINITE);
    }
}
