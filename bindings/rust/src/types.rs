//! Plain value types: [`State`], [`Capabilities`], [`EventKind`], [`Event`],
//! [`Provider`], [`Delivery`] and [`SessionInfo`].

use std::fmt;
use std::ops::{BitAnd, BitOr};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::sys;

/// Outlook's connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Working offline (`OLSTATE_OFFLINE`).
    Offline,
    /// Connected (`OLSTATE_ONLINE`).
    Online,
}

impl State {
    /// The state for a C value; `None` for anything but `OLSTATE_OFFLINE` /
    /// `OLSTATE_ONLINE`.
    ///
    /// ```
    /// use olstate::State;
    /// assert_eq!(State::from_raw(2), Some(State::Online));
    /// assert_eq!(State::from_raw(0), None);
    /// ```
    pub fn from_raw(raw: u32) -> Option<State> {
        match raw {
            sys::OLSTATE_OFFLINE => Some(State::Offline),
            sys::OLSTATE_ONLINE => Some(State::Online),
            _ => None,
        }
    }

    /// The C value (`OLSTATE_OFFLINE` = 1, `OLSTATE_ONLINE` = 2).
    pub fn raw(self) -> u32 {
        match self {
            State::Offline => sys::OLSTATE_OFFLINE,
            State::Online => sys::OLSTATE_ONLINE,
        }
    }

    /// The other state.
    pub fn toggled(self) -> State {
        match self {
            State::Offline => State::Online,
            State::Online => State::Offline,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Offline => "offline",
            State::Online => "online",
        })
    }
}

/// What a provider can do: a bit mask of `OLSTATE_CAPABILITY_*`. Unknown bits
/// are kept.
///
/// ```
/// use olstate::Capabilities;
/// let both = Capabilities::OFFLINE | Capabilities::ONLINE;
/// assert!(both.contains(Capabilities::ONLINE));
/// assert!(both.can_go_offline() && both.can_go_online());
/// assert!(Capabilities::NONE.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u32);

impl Capabilities {
    /// Neither capability.
    pub const NONE: Capabilities = Capabilities(0);
    /// `OLSTATE_CAPABILITY_OFFLINE`.
    pub const OFFLINE: Capabilities = Capabilities(sys::OLSTATE_CAPABILITY_OFFLINE);
    /// `OLSTATE_CAPABILITY_ONLINE`.
    pub const ONLINE: Capabilities = Capabilities(sys::OLSTATE_CAPABILITY_ONLINE);
    /// `OLSTATE_CAPABILITY_CONNECTION_MODE` (ABI 1.3): the session reports
    /// Outlook's Exchange connection mode and accounts.
    pub const CONNECTION_MODE: Capabilities = Capabilities(sys::OLSTATE_CAPABILITY_CONNECTION_MODE);

    /// From the C bit mask, unknown bits included.
    pub const fn from_bits(bits: u32) -> Capabilities {
        Capabilities(bits)
    }
    /// The C bit mask.
    pub const fn bits(self) -> u32 {
        self.0
    }
    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Capabilities) -> bool {
        self.0 & other.0 == other.0
    }
    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Whether the provider can go (and report going) offline.
    pub const fn can_go_offline(self) -> bool {
        self.contains(Capabilities::OFFLINE)
    }
    /// Whether the provider can go (and report going) online.
    pub const fn can_go_online(self) -> bool {
        self.contains(Capabilities::ONLINE)
    }
}

impl BitOr for Capabilities {
    type Output = Capabilities;
    fn bitor(self, rhs: Capabilities) -> Capabilities {
        Capabilities(self.0 | rhs.0)
    }
}

impl BitAnd for Capabilities {
    type Output = Capabilities;
    fn bitand(self, rhs: Capabilities) -> Capabilities {
        Capabilities(self.0 & rhs.0)
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = Vec::new();
        if self.can_go_offline() {
            names.push("OFFLINE".to_string());
        }
        if self.can_go_online() {
            names.push("ONLINE".to_string());
        }
        if self.contains(Capabilities::CONNECTION_MODE) {
            names.push("CONNECTION_MODE".to_string());
        }
        let rest = self.0
            & !(sys::OLSTATE_CAPABILITY_OFFLINE
                | sys::OLSTATE_CAPABILITY_ONLINE
                | sys::OLSTATE_CAPABILITY_CONNECTION_MODE);
        if rest != 0 {
            names.push(format!("{rest:#x}"));
        }
        if names.is_empty() {
            names.push("NONE".to_string());
        }
        write!(f, "Capabilities({})", names.join(" | "))
    }
}

/// The kind of an [`Event`].
///
/// Unknown kinds never fail: they arrive as [`EventKind::Other`] (later
/// library versions add kinds; treat them as informational).
///
/// ```
/// use olstate::EventKind;
/// assert_eq!(EventKind::from_raw(1), EventKind::ChangeStart);
/// assert_eq!(EventKind::from_raw(0x100), EventKind::ProviderLost);
/// assert_eq!(EventKind::from_raw(0x200), EventKind::Current);
/// assert_eq!(EventKind::from_raw(0x300), EventKind::ConnectionChanged);
/// assert_eq!(EventKind::from_raw(0x301), EventKind::AccountChanged);
/// assert_eq!(EventKind::from_raw(42), EventKind::Other(42));
/// assert_eq!(EventKind::Other(42).raw(), 42);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A state change starts (`OLSTATE_EVENT_CHANGE_START`).
    ChangeStart,
    /// The state changes (`OLSTATE_EVENT_CHANGE`).
    Change,
    /// A state change is complete (`OLSTATE_EVENT_CHANGE_DONE`).
    ChangeDone,
    /// Bridge sessions only (`OLSTATE_EVENT_PROVIDER_LOST`, since ABI 1.1):
    /// the bridge host went away (Outlook exited, the add-in unloaded).
    /// `new_state` is the last state known; calls fail with
    /// [`ErrorCode::ProviderNotFound`](crate::ErrorCode::ProviderNotFound)
    /// until [`EventKind::ProviderBack`]. Never dropped on overflow.
    ProviderLost,
    /// Bridge sessions opened with
    /// [`SessionBuilder::reconnect`](crate::SessionBuilder::reconnect)
    /// (`OLSTATE_EVENT_PROVIDER_BACK`, since ABI 1.1): reconnected;
    /// `new_state` is the current state. Never dropped on overflow.
    ProviderBack,
    /// The first event of a subscription made with
    /// [`SubscribeOptions::current_state`](crate::SubscribeOptions::current_state)
    /// (`OLSTATE_EVENT_CURRENT`, since ABI 1.2): `old_state` and `new_state`
    /// are the session's state when it subscribed; every later change
    /// follows it, in order. Its `sequence` is that of the last notification
    /// the session had received (0 when none). Never dropped.
    Current,
    /// The session's Exchange connection mode changed
    /// (`OLSTATE_EVENT_CONNECTION_CHANGED`, since ABI 1.3; only from sessions
    /// with [`Capabilities::CONNECTION_MODE`]): [`Event::old_mode`] and
    /// [`Event::new_mode`] are the modes before and after.
    ConnectionChanged,
    /// An account was added, removed or changed its mode
    /// (`OLSTATE_EVENT_ACCOUNT_CHANGED`, since ABI 1.3): [`Event::old_mode`]
    /// and [`Event::new_mode`] are its mode before and after (`None` on the
    /// side where it did not exist); read
    /// [`Session::accounts`](crate::Session::accounts) for the list.
    AccountChanged,
    /// A kind this binding does not know, passed through untouched.
    Other(u32),
}

impl EventKind {
    /// The kind for a C value; never fails.
    pub fn from_raw(raw: u32) -> EventKind {
        match raw {
            sys::OLSTATE_EVENT_CHANGE_START => EventKind::ChangeStart,
            sys::OLSTATE_EVENT_CHANGE => EventKind::Change,
            sys::OLSTATE_EVENT_CHANGE_DONE => EventKind::ChangeDone,
            sys::OLSTATE_EVENT_PROVIDER_LOST => EventKind::ProviderLost,
            sys::OLSTATE_EVENT_PROVIDER_BACK => EventKind::ProviderBack,
            sys::OLSTATE_EVENT_CURRENT => EventKind::Current,
            sys::OLSTATE_EVENT_CONNECTION_CHANGED => EventKind::ConnectionChanged,
            sys::OLSTATE_EVENT_ACCOUNT_CHANGED => EventKind::AccountChanged,
            other => EventKind::Other(other),
        }
    }

    /// The C value.
    pub fn raw(self) -> u32 {
        match self {
            EventKind::ChangeStart => sys::OLSTATE_EVENT_CHANGE_START,
            EventKind::Change => sys::OLSTATE_EVENT_CHANGE,
            EventKind::ChangeDone => sys::OLSTATE_EVENT_CHANGE_DONE,
            EventKind::ProviderLost => sys::OLSTATE_EVENT_PROVIDER_LOST,
            EventKind::ProviderBack => sys::OLSTATE_EVENT_PROVIDER_BACK,
            EventKind::Current => sys::OLSTATE_EVENT_CURRENT,
            EventKind::ConnectionChanged => sys::OLSTATE_EVENT_CONNECTION_CHANGED,
            EventKind::AccountChanged => sys::OLSTATE_EVENT_ACCOUNT_CHANGED,
            EventKind::Other(v) => v,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::ChangeStart => f.write_str("CHANGE_START"),
            EventKind::Change => f.write_str("CHANGE"),
            EventKind::ChangeDone => f.write_str("CHANGE_DONE"),
            EventKind::ProviderLost => f.write_str("PROVIDER_LOST"),
            EventKind::ProviderBack => f.write_str("PROVIDER_BACK"),
            EventKind::Current => f.write_str("CURRENT"),
            EventKind::ConnectionChanged => f.write_str("CONNECTION_CHANGED"),
            EventKind::AccountChanged => f.write_str("ACCOUNT_CHANGED"),
            EventKind::Other(v) => write!(f, "kind {v:#x}"),
        }
    }
}

/// A subscription token (`olstate_subscription`): unique for the life of the
/// process, never 0.
pub type SubscriptionId = u64;

/// One notification, copied out of the library's `olstate_event` (so it can
/// be kept and sent to other threads, unlike the C struct, which is valid
/// only during the callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// The state before the change; `None` if the library sent a value that
    /// is neither online nor offline (see [`Event::raw`]).
    pub old_state: Option<State>,
    /// The state after the change; `None` as for `old_state`.
    pub new_state: Option<State>,
    /// The subscription this call is for ([`Subscription::id`](crate::Subscription::id)).
    pub subscription: SubscriptionId,
    /// Per session: 1 for the first notification the session received, +1
    /// for each one after; a gap means events were dropped.
    pub sequence: u64,
    /// Events were dropped before this one (`OLSTATE_EVENT_FLAG_DROPPED`:
    /// the session's queue overflowed).
    pub dropped_before: bool,
    /// When the provider's notification reached olstate.
    pub notify_time: SystemTime,
    /// The C struct as received (all fields, including unknown flags).
    pub raw: sys::olstate_event,
}

impl Event {
    /// Copies a C event.
    pub fn from_raw(raw: &sys::olstate_event) -> Event {
        Event {
            kind: EventKind::from_raw(raw.kind),
            old_state: State::from_raw(raw.old_state),
            new_state: State::from_raw(raw.new_state),
            subscription: raw.subscription,
            sequence: raw.sequence,
            dropped_before: raw.flags & sys::OLSTATE_EVENT_FLAG_DROPPED != 0,
            notify_time: UNIX_EPOCH
                .checked_add(Duration::from_micros(raw.notify_time_us))
                .unwrap_or(UNIX_EPOCH),
            raw: *raw,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn st(s: Option<State>, raw: u32) -> String {
            s.map(|s| s.to_string()).unwrap_or_else(|| format!("state {raw}"))
        }
        // Connection and account events carry modes, not states.
        fn mode(m: Option<crate::ConnectionMode>) -> String {
            m.map_or_else(|| "none".to_string(), |m| m.to_string())
        }
        let (old, new) = match self.kind {
            EventKind::ConnectionChanged | EventKind::AccountChanged => {
                (mode(self.old_mode()), mode(self.new_mode()))
            }
            _ => (st(self.old_state, self.raw.old_state), st(self.new_state, self.raw.new_state)),
        };
        write!(f, "#{} {} {} -> {}", self.sequence, self.kind, old, new)?;
        if self.dropped_before {
            f.write_str(" (events dropped before this one)")?;
        }
        Ok(())
    }
}

/// Which provider a session talks to (`OLSTATE_PROVIDER_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Provider {
    /// Windows: Outlook inside `OUTLOOK.EXE`, the bridge elsewhere; other
    /// platforms: the simulator. The default.
    #[default]
    Auto,
    /// Outlook's MAPI DLL; works only inside `OUTLOOK.EXE`.
    Outlook,
    /// `olstate_sim`, found next to the olstate library.
    Simulator,
    /// The library at the builder's
    /// [`provider_path`](crate::SessionBuilder::provider_path), which exports
    /// `HrOpenOfflineObj`.
    Library,
    /// The olstate bridge serving the profile inside Outlook, reached from
    /// another process (ABI 1.1): the current user's endpoint, or the one
    /// given with [`SessionBuilder::endpoint`](crate::SessionBuilder::endpoint).
    /// Opening fails with
    /// [`ErrorCode::ProviderNotFound`](crate::ErrorCode::ProviderNotFound)
    /// when no bridge runs there, unless
    /// [`SessionBuilder::reconnect`](crate::SessionBuilder::reconnect) is on.
    /// A host publishes a session with [`Bridge::start`](crate::Bridge::start).
    Bridge,
    /// Windows (ABI 1.3): a running Outlook read from outside through its
    /// object model, read-only, no add-in needed; elsewhere opening it fails
    /// with [`ErrorCode::NotSupported`](crate::ErrorCode::NotSupported).
    /// [`Provider::Auto`] outside `OUTLOOK.EXE` falls back to it when no
    /// bridge runs.
    ObjectModel,
    /// A provider value this binding does not know (reported by a newer
    /// library in [`SessionInfo::provider`]).
    Other(u32),
}

impl Provider {
    /// The provider for a C value; never fails.
    pub fn from_raw(raw: u32) -> Provider {
        match raw {
            sys::OLSTATE_PROVIDER_AUTO => Provider::Auto,
            sys::OLSTATE_PROVIDER_OUTLOOK => Provider::Outlook,
            sys::OLSTATE_PROVIDER_SIMULATOR => Provider::Simulator,
            sys::OLSTATE_PROVIDER_LIBRARY => Provider::Library,
            sys::OLSTATE_PROVIDER_BRIDGE => Provider::Bridge,
            sys::OLSTATE_PROVIDER_OBJECT_MODEL => Provider::ObjectModel,
            other => Provider::Other(other),
        }
    }

    /// The C value.
    pub fn raw(self) -> u32 {
        match self {
            Provider::Auto => sys::OLSTATE_PROVIDER_AUTO,
            Provider::Outlook => sys::OLSTATE_PROVIDER_OUTLOOK,
            Provider::Simulator => sys::OLSTATE_PROVIDER_SIMULATOR,
            Provider::Library => sys::OLSTATE_PROVIDER_LIBRARY,
            Provider::Bridge => sys::OLSTATE_PROVIDER_BRIDGE,
            Provider::ObjectModel => sys::OLSTATE_PROVIDER_OBJECT_MODEL,
            Provider::Other(v) => v,
        }
    }
}

/// How a session delivers events to its subscriptions (`OLSTATE_DELIVERY_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Delivery {
    /// The default: one dispatcher thread per session runs the callbacks, one
    /// at a time, in order; the provider's thread is never blocked by your
    /// code. A slow callback delays the session's other subscriptions.
    #[default]
    Queued,
    /// Callbacks run on the provider's notification thread: lowest latency,
    /// possibly concurrent (several provider threads), possibly inside
    /// [`Session::set_state`](crate::Session::set_state). Keep them short,
    /// and do not make blocking state changes from them
    /// ([`ErrorCode::WouldDeadlock`](crate::ErrorCode::WouldDeadlock)).
    Inline,
}

impl Delivery {
    /// The C value.
    pub fn raw(self) -> u32 {
        match self {
            Delivery::Queued => sys::OLSTATE_DELIVERY_QUEUED,
            Delivery::Inline => sys::OLSTATE_DELIVERY_INLINE,
        }
    }
}

/// Facts about an open session ([`Session::info`](crate::Session::info)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// The resolved provider (never [`Provider::Auto`]).
    pub provider: Provider,
    /// The profile name used (the provider's default profile's name when
    /// none was given, where the library knows it; for [`Provider::Bridge`]
    /// the profile the host it is connected to serves, or served last, which
    /// may change at [`EventKind::ProviderBack`]; before any host, the one
    /// asked for, or empty).
    pub profile: String,
    /// The provider library actually loaded; for [`Provider::Bridge`] the
    /// endpoint connected to. `None` if the library reported none.
    pub provider_path: Option<PathBuf>,
}
