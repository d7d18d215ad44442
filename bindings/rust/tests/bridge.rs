//! The bridge through the safe API, host and client in this process: a
//! simulator session published with `Bridge::start`, a second session opened
//! with `Provider::Bridge` on the bridge's endpoint (a socket in a private
//! temporary folder). No timing assertions: every wait is for an event, with
//! a generous timeout.

mod common;

use std::sync::mpsc;

use common::bridge::*;
use common::*;
use olstate::{Bridge, BridgeOptions, ErrorCode, Event, EventKind, Provider, Session, State};

#[test]
fn client_follows_the_host_and_may_not_set_by_default() {
    let _g = serial();
    let p = "rust-bridge-follow";
    let dir = TempDir::new("follow");
    let host = open(p, false);
    let bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    assert_eq!(bridge.endpoint(), dir.endpoint());

    let client = client(bridge.endpoint(), false);
    let info = client.info().unwrap();
    assert_eq!(info.provider, Provider::Bridge);
    assert_eq!(info.profile, p, "the profile the bridge serves");
    assert_eq!(info.provider_path.as_deref(), Some(dir.endpoint().as_path()), "the endpoint");
    assert_eq!(client.state().unwrap(), State::Online);
    assert!(client.capabilities().unwrap().can_go_offline());

    let (_sub, rx) = client.events().unwrap();
    host.set_state(State::Offline, true).unwrap();
    let kinds: Vec<Event> = (0..3).map(|_| rx.recv_timeout(WAIT).expect("an event")).collect();
    assert_eq!(
        kinds.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [EventKind::ChangeStart, EventKind::Change, EventKind::ChangeDone]
    );
    for e in &kinds {
        assert_eq!((e.old_state, e.new_state), (Some(State::Online), Some(State::Offline)), "{e}");
    }
    assert_eq!(client.state().unwrap(), State::Offline);

    // Least privilege: the host did not allow set_state.
    let e = client.set_state(State::Online, true).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotSupported, "{e}");
    assert!(!e.message().is_empty());
    assert_eq!(host.state().unwrap(), State::Offline);

    drop(client);
    bridge.stop().unwrap();
    host.set_state(State::Online, true).unwrap();
}

#[test]
fn client_sets_the_state_when_allowed() {
    let _g = serial();
    let p = "rust-bridge-allowed";
    let dir = TempDir::new("allowed");
    let host = open(p, false);
    let options = BridgeOptions::new().endpoint(dir.endpoint()).allow_set_state(true).max_clients(4);
    let _bridge = Bridge::start(&host, options).unwrap();
    let (_host_sub, host_rx) = host.events().unwrap();

    let client = client(&dir.endpoint(), false);
    client.set_state(State::Offline, true).unwrap();
    let done = next_of(&host_rx, EventKind::ChangeDone);
    assert_eq!(done.new_state, Some(State::Offline));
    assert_eq!(host.state().unwrap(), State::Offline);
    client.set_state(State::Online, true).unwrap();
    assert_eq!(next_of(&host_rx, EventKind::ChangeDone).new_state, Some(State::Online));
}

#[test]
fn stopping_the_bridge_is_provider_lost_and_a_new_one_is_provider_back() {
    let _g = serial();
    let p = "rust-bridge-back";
    let dir = TempDir::new("back");
    let host = open(p, false);
    let bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let client = client(&dir.endpoint(), true);
    let (_sub, rx) = client.events().unwrap();

    bridge.stop().unwrap();
    let lost = next_of(&rx, EventKind::ProviderLost);
    assert_eq!(lost.new_state, Some(State::Online), "the last state known");
    assert_eq!(lost.to_string().split(' ').nth(1), Some("PROVIDER_LOST"));
    let e = client.state().unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderNotFound, "{e}");

    // The state changes while nobody serves it; the next host reports it.
    host.set_state(State::Offline, true).unwrap();
    let bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let back = next_of(&rx, EventKind::ProviderBack);
    assert_eq!(back.new_state, Some(State::Offline), "the current state");
    assert_eq!(client.state().unwrap(), State::Offline);

    // Events flow again after BACK.
    host.set_state(State::Online, true).unwrap();
    assert_eq!(next_of(&rx, EventKind::ChangeDone).new_state, Some(State::Online));
    drop(client);
    drop(bridge);
}

#[test]
fn without_reconnect_a_lost_host_is_final() {
    let _g = serial();
    let p = "rust-bridge-final";
    let dir = TempDir::new("final");
    let host = open(p, false);
    let bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let client = client(&dir.endpoint(), false);
    let (_sub, rx) = client.events().unwrap();
    drop(bridge); // Drop stops it
    next_of(&rx, EventKind::ProviderLost);
    assert_eq!(client.state().unwrap_err().code(), ErrorCode::ProviderNotFound);
}

#[test]
fn reconnect_opens_before_any_host_runs() {
    let _g = serial();
    let p = "rust-bridge-early";
    let dir = TempDir::new("early");
    let endpoint = dir.endpoint();

    // Without reconnect nobody there is an error.
    let e = Session::builder().provider(Provider::Bridge).endpoint(&endpoint).open().unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderNotFound, "{e}");

    let client = client(&endpoint, true);
    let (_sub, rx) = client.events().unwrap();
    let host = open(p, false);
    let _bridge = Bridge::start(&host, BridgeOptions::new().endpoint(&endpoint)).unwrap();
    let back = next_of(&rx, EventKind::ProviderBack);
    assert_eq!(back.new_state, Some(State::Online));
    assert_eq!(client.state().unwrap(), State::Online);
}

#[test]
fn bridge_errors_map_to_error_codes() {
    let _g = serial();
    let dir = TempDir::new("errors");
    let host = open("rust-bridge-errors", false);
    let _bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();

    // An endpoint is for the bridge provider only, and not with a provider path.
    let e = Session::builder().provider(Provider::Simulator).endpoint(dir.endpoint()).open().unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
    assert!(e.message().contains("Bridge"), "{e}");
    let e = Session::builder()
        .provider(Provider::Bridge)
        .endpoint(dir.endpoint())
        .provider_path("/x")
        .open()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");

    // The library refuses reconnect with another provider.
    let e = Session::builder().provider(Provider::Simulator).reconnect(true).open().unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
}

#[test]
fn stop_inside_a_callback_of_the_session_is_would_deadlock() {
    let _g = serial();
    let dir = TempDir::new("deadlock");
    let host = open("rust-bridge-deadlock", false);
    // The bridge owns its share of the session: it can move into a callback.
    let bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(bridge)));
    let (tx, rx) = mpsc::channel();
    let s = slot.clone();
    let _sub = host
        .subscribe(move |event| {
            if event.kind != EventKind::ChangeDone {
                return;
            }
            if let Some(bridge) = s.lock().unwrap().take() {
                let raw = bridge.as_raw() as usize;
                let _ = tx.send((bridge.stop().map_err(|e| e.code()), raw));
            }
        })
        .unwrap();
    host.set_state(State::Offline, false).unwrap();
    let (result, raw) = rx.recv_timeout(WAIT).expect("the callback ran");
    assert_eq!(result, Err(ErrorCode::WouldDeadlock));
    // Not stopped: still serving, and stoppable from this thread.
    let client = client(&dir.endpoint(), false);
    assert_eq!(client.state().unwrap(), State::Offline);
    drop(client);
    let r = unsafe { olstate::sys::olstate_bridge_stop(raw as *mut olstate::sys::olstate_bridge) };
    assert_eq!(r, olstate::sys::OLSTATE_OK);
    host.set_state(State::Online, true).unwrap();
}

#[test]
fn a_second_bridge_on_the_same_endpoint_is_busy() {
    let _g = serial();
    let dir = TempDir::new("busy");
    let host = open("rust-bridge-busy", false);
    let _bridge = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap();
    let e = Bridge::start(&host, BridgeOptions::new().endpoint(dir.endpoint())).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Busy, "{e}");
    // A limit out of range.
    let e = Bridge::start(&host, BridgeOptions::new().endpoint(dir.0.join("other.sock")).max_clients(5000))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
}

#[test]
fn bridge_and_options_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Bridge>();
    assert_send_sync::<BridgeOptions>();
}
