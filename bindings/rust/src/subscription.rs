//! [`Subscription`] (the guard), [`SubscribeOptions`] and the trampolines
//! that carry olstate's callbacks to Rust closures.

use std::any::Any;
use std::ffi::c_void;
use std::fmt;
use std::mem::size_of;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{check, Result};
use crate::session::RawSession;
use crate::sys;
use crate::types::{Event, SubscriptionId};


/// How [`Session::subscribe_with`](crate::Session::subscribe_with) (and
/// its `_concurrent` and `events` siblings) subscribes
/// (`olstate_subscribe_options`).
///
/// ```
/// # fn main() -> Result<(), olstate::Error> {
/// use olstate::{EventKind, Provider, Session, State, SubscribeOptions};
/// use std::time::Duration;
///
/// let session = Session::builder().provider(Provider::Simulator).profile("doc-options").open()?;
/// // "Read the state, then follow it", without a race between the two.
/// let (_sub, events) = session.events_with(SubscribeOptions::new().current_state(true))?;
/// let first = events.recv_timeout(Duration::from_secs(10)).expect("CURRENT");
/// assert_eq!(first.kind, EventKind::Current);
/// assert_eq!(first.new_state, Some(State::Online));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use = "options do nothing until passed to a subscribe_with/events_with call"]
pub struct SubscribeOptions {
    current_state: bool,
}

impl SubscribeOptions {
    /// The defaults: events from now on, nothing else.
    pub fn new() -> SubscribeOptions {
        SubscribeOptions::default()
    }

    /// Whether the first event is [`EventKind::Current`](crate::EventKind::Current),
    /// carrying the session's state at the moment of subscribing, ordered
    /// before every later change (`OLSTATE_SUBSCRIBE_CURRENT_STATE`; default
    /// false). With [`Delivery::Queued`](crate::Delivery::Queued) it arrives
    /// on the dispatcher thread after the subscribe call returned; with
    /// [`Delivery::Inline`](crate::Delivery::Inline) on the calling thread
    /// before it returns. Subscribing then also fails where reading the
    /// state would (e.g. [`ErrorCode::ProviderNotFound`](crate::ErrorCode::ProviderNotFound)
    /// for a bridge session with no host).
    pub fn current_state(mut self, current: bool) -> SubscribeOptions {
        self.current_state = current;
        self
    }

    /// Whether the first event will be the current state.
    pub fn starts_with_current_state(&self) -> bool {
        self.current_state
    }
}

type SerialFn = Box<dyn FnMut(&Event) + Send>;
type ConcurrentFn = Box<dyn Fn(&Event) + Send + Sync>;

/// A subscriber's closure, as the trampoline calls it.
pub(crate) enum Handler {
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
    // SAFETY: `context` is the Box<Context> leaked in `subscribe`;
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

/// Subscribes `handler` to `session` (`olstate_subscribe_ex`).
pub(crate) fn subscribe(session: RawSession, options: SubscribeOptions, handler: Handler) -> Result<Subscription> {
    let shared = Arc::new(SubShared::default());
    let context = Box::into_raw(Box::new(Context { shared: shared.clone(), handler }));
    let raw_options = sys::olstate_subscribe_options {
        // Our mirror's size, not the library's (see SessionBuilder::open).
        struct_size: size_of::<sys::olstate_subscribe_options>() as u32,
        flags: if options.current_state { sys::OLSTATE_SUBSCRIBE_CURRENT_STATE } else { 0 },
        callback: Some(call_context),
        context: context.cast::<c_void>(),
        release: Some(release_context),
    };
    let mut id: sys::olstate_subscription = 0;
    // SAFETY: from here on olstate owns `context`: it calls `release_context`
    // exactly once, after the last callback, or before a failing
    // olstate_subscribe_ex returns. We never touch it again. With INLINE
    // delivery and CURRENT_STATE the first callback runs during this call,
    // on this thread: the context is complete by then.
    check(unsafe { sys::olstate_subscribe_ex(session.0, &raw_options, &mut id) })?;
    Ok(Subscription { session, id, shared, active: true })
}

/// A live subscription ([`Session::subscribe`](crate::Session::subscribe));
/// dropping it unsubscribes.
///
/// When `drop` (or [`unsubscribe`](Subscription::unsubscribe)) returns on a
/// thread other than the callback's, the callback is not running, will never
/// be called again, and its closure has been dropped. Dropped from inside a
/// callback of the same session (its own included), it does not wait: no new
/// call starts, and the closure is dropped once the calls in progress return.
///
/// A `Subscription` may outlive its [`Session`](crate::Session): closing the session ends
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
#[must_use = "dropping a Subscription unsubscribes at once: keep it (e.g. `let _subscription = ...`)"]
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
    /// [`ErrorCode::InvalidHandle`](crate::ErrorCode::InvalidHandle) when the session was closed already (the
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
