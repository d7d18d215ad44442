//! `SubscribeOptions::current_state` (`olstate_subscribe_ex` with
//! `OLSTATE_SUBSCRIBE_CURRENT_STATE`): the first event is
//! `EventKind::Current` with the state at subscribing, ordered before every
//! later change, in both delivery modes and through every subscribe flavour.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::*;
use olstate::{Event, EventKind, State, SubscribeOptions};

fn current() -> SubscribeOptions {
    SubscribeOptions::new().current_state(true)
}

fn next(rx: &mpsc::Receiver<Event>) -> Event {
    rx.recv_timeout(TIMEOUT).expect("an event")
}

#[test]
fn the_first_event_is_the_current_state_then_the_changes_follow() {
    let _g = serial();
    let p = "rust-current-queued";
    let s = open(p, false);
    sim_set_state(p, State::Offline, true); // three notifications: sequence 1..=3
    sim_wait_idle(p);

    let options = current();
    assert!(options.starts_with_current_state());
    let (sub, rx) = s.events_with(options).unwrap();
    let first = next(&rx);
    assert_eq!(first.kind, EventKind::Current, "{first}");
    assert_eq!((first.old_state, first.new_state), (Some(State::Offline), Some(State::Offline)));
    assert_eq!(first.subscription, sub.id());
    assert_eq!(first.sequence, 3, "the last notification the session had received");
    assert!(!first.dropped_before);
    assert_eq!(first.raw.kind, olstate::sys::OLSTATE_EVENT_CURRENT);
    assert_eq!(first.to_string(), "#3 CURRENT offline -> offline");

    s.set_state(State::Online, false).unwrap();
    let kinds: Vec<_> = (0..3).map(|_| next(&rx)).map(|e| (e.kind, e.sequence)).collect();
    assert_eq!(kinds, [(EventKind::ChangeStart, 4), (EventKind::Change, 5), (EventKind::ChangeDone, 6)]);
}

#[test]
fn without_the_option_no_current_event_comes() {
    let _g = serial();
    let p = "rust-current-none";
    let s = open(p, false);
    let (_sub, rx) = s.events_with(SubscribeOptions::new()).unwrap();
    assert!(!SubscribeOptions::default().starts_with_current_state());
    sim_set_state(p, State::Offline, true);
    assert_eq!(next(&rx).kind, EventKind::ChangeStart);
}

#[test]
fn inline_delivers_the_current_state_before_subscribe_returns() {
    let _g = serial();
    let p = "rust-current-inline";
    let s = open(p, true);
    let seen = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let flag = seen.clone();
    let sub = s
        .subscribe_with(current(), move |event| {
            if event.kind == EventKind::Current {
                flag.store(true, SeqCst);
            }
            let _ = tx.send(*event);
        })
        .unwrap();
    assert!(seen.load(SeqCst), "CURRENT ran on this thread, before subscribe_with returned");
    let first = next(&rx);
    assert_eq!((first.kind, first.new_state), (EventKind::Current, Some(State::Online)));
    assert_eq!(first.subscription, sub.id(), "the token it was about to return");
    sim_set_state(p, State::Offline, true);
    assert_eq!(next(&rx).kind, EventKind::ChangeStart);
}

#[test]
fn concurrent_callbacks_get_it_too() {
    let _g = serial();
    let p = "rust-current-concurrent";
    let s = open(p, false);
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let _sub = s
        .subscribe_concurrent_with(current(), move |event| {
            let _ = tx.lock().unwrap().send(*event);
        })
        .unwrap();
    assert_eq!(next(&rx).kind, EventKind::Current);
    // No other event is pending.
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
}

#[test]
fn a_change_under_way_still_follows_its_current_event() {
    // Subscribing while the user's change runs: CURRENT may already carry
    // the target, and that change's CHANGE_DONE still comes after it.
    let _g = serial();
    let p = "rust-current-racing";
    let s = open(p, false);
    for round in 0..20 {
        let target = if round % 2 == 0 { State::Offline } else { State::Online };
        sim_set_state(p, target, false);
        let (_sub, rx) = s.events_with(current()).unwrap();
        let first = next(&rx);
        assert_eq!(first.kind, EventKind::Current, "round {round}: {first}");
        if first.new_state != Some(target) || s.state().unwrap() != target {
            // The change had not reached the state yet: its end follows.
            loop {
                let e = next(&rx);
                assert!(e.sequence > first.sequence, "round {round}: {e} after {first}");
                if e.kind == EventKind::ChangeDone {
                    break;
                }
            }
        }
        s.wait_for(target, Duration::from_secs(60)).unwrap();
    }
}
