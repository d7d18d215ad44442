//! Outlook's Exchange connection through the safe API (ABI 1.3): the mode,
//! Offline, the accounts, their events in both delivery modes, the wait
//! helper, a failing poll and a session that cannot report them, all driven
//! by the simulator (olstate::sim); the mode sequence also through a bridge.

use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

mod common;

use olstate::sim::{self, Call};
use olstate::{
    Account, AccountType, Bridge, BridgeOptions, Capabilities, ConnectionMode, Delivery, ErrorCode, Event,
    EventKind, Provider, Session,
};

const TIMEOUT: Duration = Duration::from_secs(10);
const E_FAIL: i32 = 0x8000_4005_u32 as i32;

/// The simulator is one per process: tests run one at a time, from a reset.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    sim::reset().unwrap();
    guard
}

fn open(profile: &str, delivery: Delivery) -> Session {
    Session::builder().provider(Provider::Simulator).profile(profile).delivery(delivery).open().unwrap()
}

/// The next event of `kind`, skipping others.
fn next_of(rx: &mpsc::Receiver<Event>, kind: EventKind) -> Event {
    loop {
        let e = rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| panic!("no {kind} event within {TIMEOUT:?}"));
        if e.kind == kind {
            return e;
        }
    }
}

/// Nothing of `kind` is left once the simulator has delivered everything.
fn assert_no_more(rx: &mpsc::Receiver<Event>, profile: &str, kind: EventKind) {
    sim::wait_idle(Some(profile)).unwrap();
    while let Ok(e) = rx.recv_timeout(Duration::from_millis(200)) {
        assert_ne!(e.kind, kind, "an extra event: {e}");
    }
}

/// Plays a mode sequence on the simulator's profile `p` (each step twice:
/// the second changes nothing) and checks that `s` gets one
/// ConnectionChanged per change, in order, and no other.
fn play_and_expect_the_sequence(p: &str, s: &Session) {
    use ConnectionMode::*;
    assert!(s.capabilities().unwrap().contains(Capabilities::CONNECTION_MODE));
    assert_eq!(s.connection_mode().unwrap(), CachedConnectedFull);
    let (_sub, rx) = s.events().unwrap();

    let steps = [CachedDisconnected, CachedOffline, CachedConnectedHeaders, CachedConnectedDrizzle,
                 CachedConnectedFull, Offline, Online, NoExchange, Disconnected];
    for mode in steps {
        sim::set_connection_mode(Some(p), mode).unwrap();
        sim::set_connection_mode(Some(p), mode).unwrap(); // the same mode again: no event
    }
    let mut old = CachedConnectedFull;
    let mut last_sequence = 0;
    for mode in steps {
        let e = next_of(&rx, EventKind::ConnectionChanged);
        assert_eq!((e.old_mode(), e.new_mode()), (Some(old), Some(mode)), "{e}");
        assert!(e.sequence > last_sequence, "{e} after #{last_sequence}");
        assert!(!e.dropped_before);
        assert_eq!((e.old_state, e.new_state), (None, None), "modes are not online/offline states");
        last_sequence = e.sequence;
        old = mode;
    }
    assert_no_more(&rx, p, EventKind::ConnectionChanged);
    assert_eq!(s.connection_mode().unwrap(), Disconnected);
}

fn sequence_arrives_in_order_once_per_change(delivery: Delivery) {
    let _g = serial();
    let p = &format!("rust-connection-sequence-{delivery:?}");
    play_and_expect_the_sequence(p, &open(p, delivery));
}

#[test]
fn a_mode_sequence_reaches_a_bridge_client_in_order_exactly_once_per_change() {
    let _g = serial();
    let p = "rust-connection-sequence-bridge";
    let host = open(p, Delivery::Queued);
    let dir = common::bridge::TempDir::new("connection");
    let _bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let client = common::bridge::client(&dir.endpoint(), false);
    play_and_expect_the_sequence(p, &client);
}

#[test]
fn a_mode_sequence_arrives_in_order_exactly_once_per_change_queued() {
    sequence_arrives_in_order_once_per_change(Delivery::Queued);
}

#[test]
fn a_mode_sequence_arrives_in_order_exactly_once_per_change_inline() {
    sequence_arrives_in_order_once_per_change(Delivery::Inline);
}

#[test]
fn offline_follows_the_mode() {
    let _g = serial();
    let p = "rust-connection-offline";
    let s = open(p, Delivery::Queued);
    assert!(!s.offline().unwrap());
    sim::set_connection_mode(Some(p), ConnectionMode::CachedDisconnected).unwrap();
    assert!(s.offline().unwrap());
    assert!(!s.connection_mode().unwrap().is_connected());
    sim::set_connection_mode(Some(p), ConnectionMode::Online).unwrap();
    assert!(!s.offline().unwrap());
}

#[test]
fn accounts_added_changed_and_removed_send_events_and_show_in_the_list() {
    let _g = serial();
    let p = "rust-connection-accounts";
    let s = open(p, Delivery::Queued);
    let default = s.accounts().unwrap();
    assert_eq!(default.len(), 1);
    assert_eq!(default[0].display_name, "user@example.com");
    assert_eq!(default[0].smtp_address.as_deref(), Some("user@example.com"));
    assert_eq!(default[0].account_type, AccountType::Exchange);
    assert_eq!(default[0].connection_mode, ConnectionMode::CachedConnectedFull);
    let (_sub, rx) = s.events().unwrap();

    sim::add_account(Some(p), "Home (IMAP)", Some("me@home.example"), AccountType::Imap, ConnectionMode::NoExchange)
        .unwrap();
    let e = next_of(&rx, EventKind::AccountChanged);
    assert_eq!((e.old_mode(), e.new_mode()), (None, Some(ConnectionMode::NoExchange)), "{e}");
    assert_eq!(e.to_string(), format!("#{} ACCOUNT_CHANGED none -> no_exchange", e.sequence));
    sim::add_account(Some(p), "Shared ☃", None, AccountType::Exchange, ConnectionMode::CachedDisconnected).unwrap();
    next_of(&rx, EventKind::AccountChanged);
    let accounts = s.accounts().unwrap();
    assert_eq!(accounts.len(), 3);
    assert_eq!(accounts[1].display_name, "Home (IMAP)");
    assert_eq!(accounts[1].account_type, AccountType::Imap);
    assert_eq!(accounts[1].to_string(), "Home (IMAP) (imap, me@home.example): no_exchange");
    assert_eq!(accounts[2].display_name, "Shared ☃");
    assert_eq!(accounts[2].smtp_address, None, "an unreadable address is None");

    sim::set_account_mode(Some(p), "user@example.com", ConnectionMode::CachedDisconnected).unwrap();
    let e = next_of(&rx, EventKind::AccountChanged);
    assert_eq!(
        (e.old_mode(), e.new_mode()),
        (Some(ConnectionMode::CachedConnectedFull), Some(ConnectionMode::CachedDisconnected))
    );
    assert_eq!(s.accounts().unwrap()[0].connection_mode, ConnectionMode::CachedDisconnected);

    sim::remove_account(Some(p), "Home (IMAP)").unwrap();
    let e = next_of(&rx, EventKind::AccountChanged);
    assert_eq!((e.old_mode(), e.new_mode()), (Some(ConnectionMode::NoExchange), None));
    let names: Vec<String> = s.accounts().unwrap().into_iter().map(|a: Account| a.display_name).collect();
    assert_eq!(names, ["user@example.com", "Shared ☃"]);
    assert_no_more(&rx, p, EventKind::AccountChanged);
    // Account changes are not session mode changes.
    assert_eq!(s.connection_mode().unwrap(), ConnectionMode::CachedConnectedFull);
}

#[test]
fn a_failing_poll_is_a_provider_failure_with_a_message() {
    let _g = serial();
    let p = "rust-connection-poll-fails";
    let s = open(p, Delivery::Queued);
    sim::fail_next(Call::PollConnection, E_FAIL, 3).unwrap();
    let errors = [s.connection_mode().unwrap_err(), s.offline().unwrap_err(), s.accounts().unwrap_err()];
    for e in errors {
        assert_eq!(e.code(), ErrorCode::ProviderFailed, "{e}");
        assert!(!e.message().is_empty(), "{e:?}");
    }
    assert_eq!(s.connection_mode().unwrap(), ConnectionMode::CachedConnectedFull, "the fault was used up");
}

#[test]
fn a_session_without_the_capability_says_not_supported() {
    let _g = serial();
    let p = "rust-connection-unsupported";
    sim::set_connection_reported(Some(p), false).unwrap();
    let s = open(p, Delivery::Queued);
    assert!(!s.capabilities().unwrap().contains(Capabilities::CONNECTION_MODE));
    let e = s.connection_mode().unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotSupported);
    assert!(!e.message().is_empty(), "{e:?}");
    assert_eq!(s.offline().unwrap_err().code(), ErrorCode::NotSupported);
    assert_eq!(s.accounts().unwrap_err().code(), ErrorCode::NotSupported);
    let e = s.wait_for_connection(ConnectionMode::is_connected, TIMEOUT).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotSupported, "at once, not after the timeout");
}

#[test]
fn wait_for_connection_returns_at_the_change_that_satisfies_it() {
    let _g = serial();
    let p = "rust-connection-wait";
    let s = open(p, Delivery::Queued);
    sim::set_connection_mode(Some(p), ConnectionMode::CachedDisconnected).unwrap();
    let network = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        sim::set_connection_mode(Some(p), ConnectionMode::CachedConnectedHeaders).unwrap();
    });
    let mode = s.wait_for_connection(ConnectionMode::is_connected, TIMEOUT).unwrap();
    assert_eq!(mode, ConnectionMode::CachedConnectedHeaders);
    network.join().unwrap();

    let e = s.wait_for_connection(|m| m == ConnectionMode::Offline, Duration::from_millis(100)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout);
    assert!(e.message().contains("cached_connected_headers"), "{e}");
}

#[test]
fn unknown_values_pass_through() {
    assert_eq!(ConnectionMode::from_raw(650), ConnectionMode::Other(650));
    assert_eq!(ConnectionMode::Other(650).raw(), 650);
    assert!(!ConnectionMode::Other(650).is_connected());
    assert_eq!(ConnectionMode::from_raw_known(u32::MAX), None);
    assert_eq!(AccountType::from_raw(77).raw(), 77);
    for raw in [0, 100, 200, 300, 400, 500, 600, 700, 800] {
        assert_eq!(ConnectionMode::from_raw(raw).raw(), raw);
        assert!(!matches!(ConnectionMode::from_raw(raw), ConnectionMode::Other(_)), "{raw}");
    }
}

#[test]
fn wait_for_connection_ends_when_the_bridge_host_goes_away() {
    let _g = serial();
    let p = "rust-connection-wait-lost";
    let host = open(p, Delivery::Queued);
    sim::set_connection_mode(Some(p), ConnectionMode::CachedDisconnected).unwrap();
    let dir = common::bridge::TempDir::new("connection-lost");
    let bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let client = common::bridge::client(&dir.endpoint(), false);
    assert_eq!(client.connection_mode().unwrap(), ConnectionMode::CachedDisconnected);
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        drop(bridge);
    });
    let e = client.wait_for_connection(ConnectionMode::is_connected, common::bridge::WAIT).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderNotFound, "{e}");
    stopper.join().unwrap();
}
