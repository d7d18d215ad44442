//! Outlook's Exchange connection (ABI 1.3): [`ConnectionMode`],
//! [`AccountType`], [`Account`], and the [`Session`] methods that read them
//! ([`Session::connection_mode`], [`Session::offline`], [`Session::accounts`])
//! or wait for them ([`Session::wait_for_connection`]).
//!
//! Only sessions with [`Capabilities::CONNECTION_MODE`](crate::Capabilities::CONNECTION_MODE)
//! report them; the others fail with [`ErrorCode::NotSupported`]. Changes
//! arrive as [`EventKind::ConnectionChanged`] and
//! [`EventKind::AccountChanged`], whose modes [`Event::old_mode`] and
//! [`Event::new_mode`] read.

use std::ffi::CStr;
use std::fmt;
use std::mem::{size_of, zeroed};
use std::os::raw::c_char;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{check, Error, ErrorCode, Result};
use crate::session::Session;
use crate::subscription::SubscribeOptions;
use crate::sys;
use crate::types::{Event, EventKind};

/// How Outlook is connected to Exchange: Outlook's `OlExchangeConnectionMode`
/// (`NameSpace.ExchangeConnectionMode` for the session,
/// `Account.ExchangeConnectionMode` per account), `OLSTATE_CONNECTION_*`.
///
/// A value a newer library adds arrives as [`ConnectionMode::Other`].
///
/// ```
/// use olstate::ConnectionMode;
/// assert_eq!(ConnectionMode::from_raw(700), ConnectionMode::CachedConnectedFull);
/// assert_eq!(ConnectionMode::CachedDisconnected.raw(), 400);
/// assert!(ConnectionMode::CachedConnectedFull.is_connected());
/// assert!(!ConnectionMode::CachedDisconnected.is_connected()); // the cache may be stale
/// assert_eq!(ConnectionMode::from_raw(900), ConnectionMode::Other(900));
/// assert_eq!(ConnectionMode::CachedConnectedFull.to_string(), "cached_connected_full");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectionMode {
    /// `olNoExchange` (0): no Exchange account.
    NoExchange,
    /// `olOffline` (100): classic offline, or Work Offline.
    Offline,
    /// `olCachedOffline` (200): cached mode, Work Offline.
    CachedOffline,
    /// `olDisconnected` (300): the connection to Exchange is down.
    Disconnected,
    /// `olCachedDisconnected` (400): cached mode with the connection down;
    /// the cache may be stale.
    CachedDisconnected,
    /// `olCachedConnectedHeaders` (500): cached, slow link, headers only.
    CachedConnectedHeaders,
    /// `olCachedConnectedDrizzle` (600): cached, headers first, then items.
    CachedConnectedDrizzle,
    /// `olCachedConnectedFull` (700): cached and connected.
    CachedConnectedFull,
    /// `olOnline` (800): classic online mode.
    Online,
    /// A value this binding does not know (a newer library).
    Other(u32),
}

impl ConnectionMode {
    /// The mode for a C value; `None` for `OLSTATE_CONNECTION_UNKNOWN` (an
    /// account that does not exist, in [`EventKind::AccountChanged`]).
    pub fn from_raw_known(raw: u32) -> Option<ConnectionMode> {
        (raw != sys::OLSTATE_CONNECTION_UNKNOWN).then(|| ConnectionMode::from_raw(raw))
    }

    /// The mode for a C value; never fails (unknown values are
    /// [`ConnectionMode::Other`]).
    pub fn from_raw(raw: u32) -> ConnectionMode {
        match raw {
            sys::OLSTATE_CONNECTION_NO_EXCHANGE => ConnectionMode::NoExchange,
            sys::OLSTATE_CONNECTION_OFFLINE => ConnectionMode::Offline,
            sys::OLSTATE_CONNECTION_CACHED_OFFLINE => ConnectionMode::CachedOffline,
            sys::OLSTATE_CONNECTION_DISCONNECTED => ConnectionMode::Disconnected,
            sys::OLSTATE_CONNECTION_CACHED_DISCONNECTED => ConnectionMode::CachedDisconnected,
            sys::OLSTATE_CONNECTION_CACHED_CONNECTED_HEADERS => ConnectionMode::CachedConnectedHeaders,
            sys::OLSTATE_CONNECTION_CACHED_CONNECTED_DRIZZLE => ConnectionMode::CachedConnectedDrizzle,
            sys::OLSTATE_CONNECTION_CACHED_CONNECTED_FULL => ConnectionMode::CachedConnectedFull,
            sys::OLSTATE_CONNECTION_ONLINE => ConnectionMode::Online,
            other => ConnectionMode::Other(other),
        }
    }

    /// The C value (`OLSTATE_CONNECTION_*`).
    pub fn raw(self) -> u32 {
        match self {
            ConnectionMode::NoExchange => sys::OLSTATE_CONNECTION_NO_EXCHANGE,
            ConnectionMode::Offline => sys::OLSTATE_CONNECTION_OFFLINE,
            ConnectionMode::CachedOffline => sys::OLSTATE_CONNECTION_CACHED_OFFLINE,
            ConnectionMode::Disconnected => sys::OLSTATE_CONNECTION_DISCONNECTED,
            ConnectionMode::CachedDisconnected => sys::OLSTATE_CONNECTION_CACHED_DISCONNECTED,
            ConnectionMode::CachedConnectedHeaders => sys::OLSTATE_CONNECTION_CACHED_CONNECTED_HEADERS,
            ConnectionMode::CachedConnectedDrizzle => sys::OLSTATE_CONNECTION_CACHED_CONNECTED_DRIZZLE,
            ConnectionMode::CachedConnectedFull => sys::OLSTATE_CONNECTION_CACHED_CONNECTED_FULL,
            ConnectionMode::Online => sys::OLSTATE_CONNECTION_ONLINE,
            ConnectionMode::Other(v) => v,
        }
    }

    /// Whether Exchange is reachable: the cached-connected modes (500, 600,
    /// 700) and [`ConnectionMode::Online`]. A value this binding does not
    /// know counts as not connected.
    pub fn is_connected(self) -> bool {
        matches!(
            self,
            ConnectionMode::CachedConnectedHeaders
                | ConnectionMode::CachedConnectedDrizzle
                | ConnectionMode::CachedConnectedFull
                | ConnectionMode::Online
        )
    }
}

impl fmt::Display for ConnectionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectionMode::NoExchange => "no_exchange",
            ConnectionMode::Offline => "offline",
            ConnectionMode::CachedOffline => "cached_offline",
            ConnectionMode::Disconnected => "disconnected",
            ConnectionMode::CachedDisconnected => "cached_disconnected",
            ConnectionMode::CachedConnectedHeaders => "cached_connected_headers",
            ConnectionMode::CachedConnectedDrizzle => "cached_connected_drizzle",
            ConnectionMode::CachedConnectedFull => "cached_connected_full",
            ConnectionMode::Online => "online",
            ConnectionMode::Other(v) => return write!(f, "mode {v}"),
        })
    }
}

/// An account's type: Outlook's `OlAccountType` (`OLSTATE_ACCOUNT_*`).
///
/// ```
/// use olstate::AccountType;
/// assert_eq!(AccountType::from_raw(0), AccountType::Exchange);
/// assert_eq!(AccountType::from_raw(5), AccountType::OtherAccount);
/// assert_eq!(AccountType::from_raw(9), AccountType::Other(9));
/// assert_eq!(AccountType::Imap.raw(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountType {
    /// `olExchange` (0).
    Exchange,
    /// `olImap` (1).
    Imap,
    /// `olPop3` (2).
    Pop3,
    /// `olHttp` (3).
    Http,
    /// `olEas` (4): Exchange ActiveSync.
    Eas,
    /// `olOtherAccount` (5): Outlook's "other or unknown".
    OtherAccount,
    /// A value this binding does not know (a newer library).
    Other(u32),
}

impl AccountType {
    /// The type for a C value; never fails.
    pub fn from_raw(raw: u32) -> AccountType {
        match raw {
            sys::OLSTATE_ACCOUNT_EXCHANGE => AccountType::Exchange,
            sys::OLSTATE_ACCOUNT_IMAP => AccountType::Imap,
            sys::OLSTATE_ACCOUNT_POP3 => AccountType::Pop3,
            sys::OLSTATE_ACCOUNT_HTTP => AccountType::Http,
            sys::OLSTATE_ACCOUNT_EAS => AccountType::Eas,
            sys::OLSTATE_ACCOUNT_OTHER => AccountType::OtherAccount,
            other => AccountType::Other(other),
        }
    }

    /// The C value (`OLSTATE_ACCOUNT_*`).
    pub fn raw(self) -> u32 {
        match self {
            AccountType::Exchange => sys::OLSTATE_ACCOUNT_EXCHANGE,
            AccountType::Imap => sys::OLSTATE_ACCOUNT_IMAP,
            AccountType::Pop3 => sys::OLSTATE_ACCOUNT_POP3,
            AccountType::Http => sys::OLSTATE_ACCOUNT_HTTP,
            AccountType::Eas => sys::OLSTATE_ACCOUNT_EAS,
            AccountType::OtherAccount => sys::OLSTATE_ACCOUNT_OTHER,
            AccountType::Other(v) => v,
        }
    }
}

impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccountType::Exchange => "exchange",
            AccountType::Imap => "imap",
            AccountType::Pop3 => "pop3",
            AccountType::Http => "http",
            AccountType::Eas => "eas",
            AccountType::OtherAccount => "other",
            AccountType::Other(v) => return write!(f, "type {v}"),
        })
    }
}

/// One account of the profile (`olstate_account`, copied out).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Account {
    /// `Account.DisplayName` (invalid UTF-8 replaced).
    pub display_name: String,
    /// `Account.SmtpAddress`; `None` when Outlook could not give it without
    /// its object-model guard prompting (the C struct's empty string).
    pub smtp_address: Option<String>,
    /// `Account.AccountType`.
    pub account_type: AccountType,
    /// `Account.ExchangeConnectionMode`; [`ConnectionMode::NoExchange`] for
    /// an account that is not Exchange.
    pub connection_mode: ConnectionMode,
}

impl Account {
    fn from_raw(raw: &sys::olstate_account) -> Account {
        let smtp = text(&raw.smtp_address);
        Account {
            display_name: text(&raw.display_name),
            smtp_address: (!smtp.is_empty()).then_some(smtp),
            account_type: AccountType::from_raw(raw.account_type),
            connection_mode: ConnectionMode::from_raw(raw.connection_mode),
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.display_name, self.account_type)?;
        if let Some(smtp) = &self.smtp_address {
            write!(f, ", {smtp}")?;
        }
        write!(f, "): {}", self.connection_mode)
    }
}

/// A NUL-terminated field of a fixed array (the library always terminates
/// it; a missing NUL reads the whole array rather than past it).
fn text(field: &[c_char]) -> String {
    // SAFETY: c_char and u8 have the same size and alignment.
    let bytes = unsafe { std::slice::from_raw_parts(field.as_ptr().cast::<u8>(), field.len()) };
    match CStr::from_bytes_until_nul(bytes) {
        Ok(s) => s.to_string_lossy().into_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

impl Event {
    /// For [`EventKind::ConnectionChanged`]: the session's mode before the
    /// change; for [`EventKind::AccountChanged`]: the account's mode before,
    /// `None` when it was just added. `None` for every other kind.
    pub fn old_mode(&self) -> Option<ConnectionMode> {
        self.is_connection_event().then(|| ConnectionMode::from_raw_known(self.raw.old_state)).flatten()
    }

    /// Like [`old_mode`](Event::old_mode), after the change (`None` for an
    /// account that was removed).
    pub fn new_mode(&self) -> Option<ConnectionMode> {
        self.is_connection_event().then(|| ConnectionMode::from_raw_known(self.raw.new_state)).flatten()
    }

    fn is_connection_event(&self) -> bool {
        matches!(self.kind, EventKind::ConnectionChanged | EventKind::AccountChanged)
    }
}

impl Session {
    /// The session's Exchange connection mode (`olstate_get_connection_mode`,
    /// Outlook's `NameSpace.ExchangeConnectionMode`), as the provider read it
    /// last.
    ///
    /// Errors: [`ErrorCode::NotSupported`] (the session lacks
    /// [`Capabilities::CONNECTION_MODE`](crate::Capabilities::CONNECTION_MODE)),
    /// [`ErrorCode::ProviderFailed`] (the provider could not read it: the
    /// message says why), [`ErrorCode::ProviderNotFound`] (a bridge session
    /// whose host is gone).
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{ConnectionMode, Provider, Session};
    /// let session = Session::builder().provider(Provider::Simulator).profile("doc-mode").open()?;
    /// assert_eq!(session.connection_mode()?, ConnectionMode::CachedConnectedFull); // the simulator's start
    /// assert!(!session.offline()?);
    /// # Ok(()) }
    /// ```
    pub fn connection_mode(&self) -> Result<ConnectionMode> {
        let mut mode = 0u32;
        // SAFETY: valid out-pointer; the handle is valid or detected as closed.
        check(unsafe { sys::olstate_get_connection_mode(self.as_raw(), &mut mode) })?;
        Ok(ConnectionMode::from_raw(mode))
    }

    /// Outlook's `NameSpace.Offline` (`olstate_get_offline`): `true` when
    /// Outlook is not connected to Exchange. Errors as for
    /// [`connection_mode`](Session::connection_mode).
    pub fn offline(&self) -> Result<bool> {
        let mut offline = 0u32;
        // SAFETY: as in `connection_mode`.
        check(unsafe { sys::olstate_get_offline(self.as_raw(), &mut offline) })?;
        Ok(offline != 0)
    }

    /// The profile's accounts in Outlook's order (`olstate_get_accounts`),
    /// one snapshot. Errors as for [`connection_mode`](Session::connection_mode).
    ///
    /// ```
    /// # fn main() -> Result<(), olstate::Error> {
    /// use olstate::{AccountType, Provider, Session};
    /// let session = Session::builder().provider(Provider::Simulator).profile("doc-accounts").open()?;
    /// for account in session.accounts()? {
    ///     println!("{account}"); // "user@example.com (exchange, user@example.com): cached_connected_full"
    ///     assert_eq!(account.account_type, AccountType::Exchange);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn accounts(&self) -> Result<Vec<Account>> {
        const MAX: usize = sys::OLSTATE_MAX_ACCOUNTS as usize;
        // SAFETY: olstate_account is plain data (integers and byte arrays):
        // all zeros is a valid value.
        let mut raw: [sys::olstate_account; MAX] = unsafe { zeroed() };
        raw[0].struct_size = size_of::<sys::olstate_account>() as u32;
        let mut count = 0u32;
        // SAFETY: the array holds `MAX` elements of the stride given in
        // struct_size; the library writes at most that many.
        check(unsafe { sys::olstate_get_accounts(self.as_raw(), raw.as_mut_ptr(), MAX as u32, &mut count) })?;
        Ok(raw.iter().take((count as usize).min(MAX)).map(Account::from_raw).collect())
    }

    /// Waits until the session's connection mode satisfies `wanted`, at most
    /// `timeout`, and returns that mode: at once when the current mode does,
    /// else at the [`EventKind::ConnectionChanged`] that brings one (a
    /// subscription is made before the mode is read, so no change is missed).
    /// For example, `session.wait_for_connection(ConnectionMode::is_connected,
    /// timeout)` waits until Exchange is reachable.
    ///
    /// Errors: [`ErrorCode::Timeout`] (the time ran out; the message names the
    /// last mode seen), those of [`connection_mode`](Session::connection_mode),
    /// and [`ErrorCode::ProviderNotFound`] when a bridge host goes away
    /// (without [`SessionBuilder::reconnect`](crate::SessionBuilder::reconnect);
    /// with it the wait goes on and reads the mode again at
    /// [`EventKind::ProviderBack`]).
    ///
    /// Do not call it from one of the session's own callbacks in
    /// [`Delivery::Queued`](crate::Delivery::Queued) mode: the change it
    /// waits for would be delivered on that very thread, after the callback
    /// returns, so it could only time out.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use olstate::{ConnectionMode, ErrorCode, Provider, Session};
    /// use std::time::Duration;
    /// let session = Session::builder().provider(Provider::Simulator).profile("doc-wait-mode").open()?;
    /// let mode = session.wait_for_connection(ConnectionMode::is_connected, Duration::from_secs(10))?;
    /// assert_eq!(mode, ConnectionMode::CachedConnectedFull); // already connected: at once
    /// let err = session
    ///     .wait_for_connection(|m| m == ConnectionMode::Offline, Duration::from_millis(50))
    ///     .unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::Timeout);
    /// # Ok(()) }
    /// ```
    pub fn wait_for_connection(
        &self,
        wanted: impl Fn(ConnectionMode) -> bool,
        timeout: Duration,
    ) -> Result<ConnectionMode> {
        let deadline = Instant::now().checked_add(timeout);
        let (_subscription, events) = self.events_with(SubscribeOptions::new())?;
        let mut mode = self.connection_mode()?;
        loop {
            if wanted(mode) {
                return Ok(mode);
            }
            let left = deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(Instant::now()));
            let event = match events.recv_timeout(left) {
                Ok(event) => event,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(Error::new(
                        ErrorCode::Timeout,
                        format!("the connection mode stayed {mode} for {timeout:?}"),
                    ))
                }
                // The channel ends only at a final PROVIDER_LOST or a close.
                Err(mpsc::RecvTimeoutError::Disconnected) => return self.connection_mode().and(Err(lost())),
            };
            match event.kind {
                EventKind::ConnectionChanged => mode = event.new_mode().unwrap_or(mode),
                EventKind::ProviderBack => mode = self.connection_mode()?,
                _ => {}
            }
        }
    }
}

fn lost() -> Error {
    Error::new(ErrorCode::ProviderNotFound, "the bridge host went away while waiting for a connection mode")
}
