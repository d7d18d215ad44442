//! What happens around a bridge host's life, seen by clients through the
//! safe API: event channels that end after a final `ProviderLost`,
//! `wait_for` across a loss, the profile after `ProviderBack`, the current
//! state from a host-less session, and a `Bridge` kept beside its `Session`
//! in one struct. Host and client in this process, private endpoints.

mod common;

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use common::bridge::*;
use common::*;
use olstate::{Bridge, BridgeOptions, ErrorCode, EventKind, Session, State, SubscribeOptions};

#[test]
fn without_reconnect_the_event_channel_ends_after_provider_lost() {
    let _g = serial();
    let dir = TempDir::new("ends");
    let host = open("rust-life-ends", false);
    let bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let client = client(&dir.endpoint(), false);
    let (_subscription, events) = client.events().unwrap();
    // A second subscription shows when the first has the change too (one
    // dispatcher delivers each event to both, in order).
    let (_probe_subscription, probe) = client.events().unwrap();

    // A `for event in events` loop, run where a hang shows as a timeout.
    let (done_tx, done_rx) = mpsc::channel();
    let follower = thread::spawn(move || {
        let kinds: Vec<EventKind> = events.into_iter().map(|e| e.kind).collect();
        done_tx.send(kinds).unwrap();
    });
    host.set_state(State::Offline, true).unwrap();
    // Until the client has the change (a bridge stopping at once may not
    // forward events still in flight).
    next_of(&probe, EventKind::ChangeDone);
    drop(bridge);
    let kinds = done_rx.recv_timeout(WAIT).expect("the loop over the events ended");
    assert_eq!(
        kinds,
        [EventKind::ChangeStart, EventKind::Change, EventKind::ChangeDone, EventKind::ProviderLost]
    );
    follower.join().unwrap();
    // The session is still open (and the subscription still held): only the
    // channel ended.
    assert_eq!(client.state().unwrap_err().code(), ErrorCode::ProviderNotFound);
}

#[test]
fn with_reconnect_the_channel_goes_on_after_provider_lost() {
    let _g = serial();
    let dir = TempDir::new("goes-on");
    let host = open("rust-life-goes-on", false);
    let bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let client = client(&dir.endpoint(), true);
    let (_subscription, events) = client.events().unwrap();
    drop(bridge);
    assert_eq!(next_of(&events, EventKind::ProviderLost).kind, EventKind::ProviderLost);
    // Still connected: no disconnection right after the loss ...
    assert_eq!(events.recv_timeout(Duration::from_millis(200)).unwrap_err(), RecvTimeoutError::Timeout);
    // ... and the next host's BACK arrives on the same channel.
    let _bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    assert_eq!(next_of(&events, EventKind::ProviderBack).new_state, Some(State::Online));
}

/// What a bridge client's wait for `Offline` in another thread returns
/// (sent when it returns), the client's events, and its host's bridge.
struct WaitingClient {
    bridge: Bridge,
    events: mpsc::Receiver<olstate::Event>,
    result: mpsc::Receiver<Result<(), ErrorCode>>,
    _subscription: olstate::Subscription,
    _waiter: thread::JoinHandle<Session>,
}

fn waiting_client(host: &Session, dir: &TempDir, reconnect: bool) -> WaitingClient {
    let bridge = Bridge::start(host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let client = client(&dir.endpoint(), reconnect);
    let (_subscription, events) = client.events().unwrap();
    let (tx, result) = mpsc::channel();
    let _waiter = thread::spawn(move || {
        tx.send(client.wait_for(State::Offline, WAIT).map_err(|e| e.code())).unwrap();
        client // kept open until joined (dropped with the struct)
    });
    // Nobody takes it offline yet: still waiting.
    assert_eq!(result.recv_timeout(Duration::from_millis(200)).unwrap_err(), RecvTimeoutError::Timeout);
    WaitingClient { bridge, events, result, _subscription, _waiter }
}

#[test]
fn a_lost_host_ends_a_wait_with_provider_not_found() {
    let _g = serial();
    let dir = TempDir::new("wait-lost");
    let host = open("rust-life-wait-lost", false);
    let w = waiting_client(&host, &dir, false);
    drop(w.bridge); // the host goes away
    assert_eq!(w.result.recv_timeout(WAIT).expect("the wait ended"), Err(ErrorCode::ProviderNotFound));
    next_of(&w.events, EventKind::ProviderLost);
}

#[test]
fn with_reconnect_a_wait_goes_on_across_the_loss() {
    let _g = serial();
    let dir = TempDir::new("wait-across");
    let host = open("rust-life-wait-across", false);
    let w = waiting_client(&host, &dir, true);
    drop(w.bridge);
    next_of(&w.events, EventKind::ProviderLost);
    assert_eq!(w.result.recv_timeout(Duration::from_millis(200)).unwrap_err(), RecvTimeoutError::Timeout);
    // The next host serves it offline: that ends the wait.
    host.set_state(State::Offline, true).unwrap();
    let _bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    assert_eq!(w.result.recv_timeout(WAIT).expect("the wait ended"), Ok(()));
}

#[test]
fn the_profile_follows_the_host_after_provider_back() {
    let _g = serial();
    let dir = TempDir::new("profile");
    // Opened before any host runs, asking for no profile: none known yet.
    let client = client(&dir.endpoint(), true);
    let (_sub, events) = client.events().unwrap();
    assert_eq!(client.info().unwrap().profile, "");

    let first = open("rust-life-profile-a", false);
    let bridge = Bridge::start(&first, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    next_of(&events, EventKind::ProviderBack);
    assert_eq!(client.info().unwrap().profile, "rust-life-profile-a");

    // Another host, serving another profile, on the same endpoint.
    drop(bridge);
    next_of(&events, EventKind::ProviderLost);
    let second = open("rust-life-profile-b", false);
    let _bridge = Bridge::start(&second, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    next_of(&events, EventKind::ProviderBack);
    assert_eq!(client.info().unwrap().profile, "rust-life-profile-b");
}

#[test]
fn the_current_state_needs_a_host() {
    let _g = serial();
    let dir = TempDir::new("current");
    let client = client(&dir.endpoint(), true);
    let e = client.events_with(SubscribeOptions::new().current_state(true)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderNotFound, "{e}");

    let host = open("rust-life-current", false);
    host.set_state(State::Offline, true).unwrap();
    let _bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    client.wait_for(State::Offline, WAIT).unwrap();
    let (_sub, events) = client.events_with(SubscribeOptions::new().current_state(true)).unwrap();
    let first = events.recv_timeout(WAIT).expect("CURRENT");
    assert_eq!((first.kind, first.new_state), (EventKind::Current, Some(State::Offline)));
}

/// An add-in's state: the session and the bridge publishing it side by side
/// (with a borrowing bridge this struct could not be built and returned).
struct AddIn {
    session: Session,
    bridge: Bridge,
}

impl AddIn {
    fn load(profile: &str, dir: &TempDir) -> AddIn {
        let session = open(profile, false);
        let bridge = Bridge::start(&session, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
        AddIn { session, bridge }
    }
}

#[test]
fn a_bridge_lives_beside_its_session_in_one_struct() {
    let _g = serial();
    let p = "rust-life-addin";
    let dir = TempDir::new("addin");
    let addin = AddIn::load(p, &dir);
    let client = client(addin.bridge.endpoint(), false);
    let (_sub, events) = client.events().unwrap();
    addin.session.set_state(State::Offline, true).unwrap();
    assert_eq!(next_of(&events, EventKind::ChangeDone).new_state, Some(State::Offline));

    // Fields drop in declaration order: the session first. The bridge's
    // share keeps it open, so the bridge goes on serving ...
    let AddIn { session, bridge } = addin;
    drop(session);
    sim_set_state(p, State::Online, true);
    assert_eq!(next_of(&events, EventKind::ChangeDone).new_state, Some(State::Online));
    assert_eq!(client.state().unwrap(), State::Online);
    // ... until the bridge goes too.
    drop(bridge);
    next_of(&events, EventKind::ProviderLost);
    assert_eq!(events.recv_timeout(WAIT).unwrap_err(), RecvTimeoutError::Disconnected);
}

#[test]
fn closing_the_session_withdraws_a_running_bridge() {
    let _g = serial();
    let dir = TempDir::new("close");
    let addin = AddIn::load("rust-life-close", &dir);
    let client = client(addin.bridge.endpoint(), false);
    let (_sub, events) = client.events().unwrap();
    let AddIn { session, bridge } = addin;
    session.close().unwrap();
    next_of(&events, EventKind::ProviderLost);
    // The bridge still stops cleanly afterwards.
    bridge.stop().unwrap();
}
