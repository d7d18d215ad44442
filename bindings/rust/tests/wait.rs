//! `Session::wait_for` (`olstate_wait_state`) against the simulator: at once
//! when the state is there, at the change's end otherwise (whoever made
//! it), the timeout, many waiters, and the deadlock refusal on a provider
//! thread. The bridge's cases (host lost, reconnect) are in tests/bridge.rs.
//! Only generous upper bounds on time.

mod common;

use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use olstate::{Delivery, ErrorCode, EventKind, Provider, Session, State, Subscription};

/// Long enough for any change on a loaded machine.
const LONG: Duration = Duration::from_secs(60);

#[test]
fn the_state_already_there_returns_at_once() {
    let _g = serial();
    let s = open("rust-wait-there", false);
    s.wait_for(State::Online, Duration::ZERO).unwrap();
    let started = Instant::now();
    s.wait_for(State::Online, LONG).unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn a_state_nobody_reaches_times_out() {
    let _g = serial();
    let s = open("rust-wait-timeout", false);
    let e = s.wait_for(State::Offline, Duration::ZERO).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout, "{e}");
    let started = Instant::now();
    let e = s.wait_for(State::Offline, Duration::from_millis(100)).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(100), "{:?}", started.elapsed());
    assert_eq!(e.code(), ErrorCode::Timeout, "{e}");
    assert_eq!(e.raw_code(), Some(olstate::sys::OLSTATE_E_TIMEOUT));
    assert_eq!(e.to_string().matches("OLSTATE_E_TIMEOUT").count(), 1, "{e}");
    assert_eq!(s.state().unwrap(), State::Online);
}

#[test]
fn back_to_back_asynchronous_changes_are_never_busy() {
    // Without the wait, the second change is refused with BUSY most of the
    // time (the first is still in progress).
    let _g = serial();
    let s = open("rust-wait-back-to-back", false);
    for round in 0..25 {
        s.set_state(State::Offline, false).unwrap_or_else(|e| panic!("round {round}, offline: {e}"));
        s.wait_for(State::Offline, LONG).unwrap();
        assert_eq!(s.state().unwrap(), State::Offline);
        s.set_state(State::Online, false).unwrap_or_else(|e| panic!("round {round}, online: {e}"));
        s.wait_for(State::Online, LONG).unwrap();
        assert_eq!(s.state().unwrap(), State::Online);
    }
}

#[test]
fn the_users_change_ends_the_wait_of_many_threads() {
    let _g = serial();
    let p = "rust-wait-user";
    let s = Arc::new(open(p, false));
    let (tx, rx) = mpsc::channel();
    let all_waiting = Arc::new(Barrier::new(9));
    let waiters: Vec<_> = (0..8)
        .map(|i| {
            let (s, tx, all_waiting) = (s.clone(), tx.clone(), all_waiting.clone());
            // Half of them without a limit (OLSTATE_WAIT_INFINITE).
            let timeout = if i % 2 == 0 { LONG } else { Duration::MAX };
            thread::spawn(move || {
                all_waiting.wait();
                tx.send(s.wait_for(State::Offline, timeout).map_err(|e| e.code())).unwrap();
            })
        })
        .collect();
    all_waiting.wait();
    // Nobody returns before the change (each would send a result).
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
    sim_set_state(p, State::Offline, false); // the user clicks Work Offline
    for _ in 0..8 {
        assert_eq!(rx.recv_timeout(LONG).expect("every waiter returns"), Ok(()));
    }
    for w in waiters {
        w.join().unwrap();
    }
}

/// Each `CHANGE_DONE` of `session` makes its callback wait for `waited`
/// to be `state`, and send what the wait returned.
fn wait_in_callbacks(
    session: &Session,
    waited: Arc<Session>,
    state: State,
) -> (Subscription, mpsc::Receiver<Result<(), ErrorCode>>) {
    let (tx, rx) = mpsc::channel();
    let sub = session
        .subscribe(move |event| {
            if event.kind == EventKind::ChangeDone {
                let _ = tx.send(waited.wait_for(state, LONG).map_err(|e| e.code()));
            }
        })
        .unwrap();
    (sub, rx)
}

#[test]
fn waiting_on_a_provider_notification_thread_is_would_deadlock() {
    // An INLINE callback runs on the provider's notification thread: the
    // change it would wait for is notified on that very thread.
    let _g = serial();
    let p = "rust-wait-inline";
    let inline = open(p, true);
    let (_sub, rx) = wait_in_callbacks(&inline, Arc::new(open(p, false)), State::Online);
    sim_set_state(p, State::Offline, true);
    assert_eq!(rx.recv_timeout(LONG).expect("the callback ran"), Err(ErrorCode::WouldDeadlock));
}

#[test]
fn a_queued_callback_may_wait_on_another_session() {
    let _g = serial();
    let sa = open("rust-wait-queued-a", false);
    let sb = Arc::new(open("rust-wait-queued-b", false));
    let (_sub, rx) = wait_in_callbacks(&sa, sb.clone(), State::Offline);
    sa.set_state(State::Offline, true).unwrap();
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "b is still online");
    sb.set_state(State::Offline, false).unwrap();
    assert_eq!(rx.recv_timeout(LONG).expect("the callback's wait ended"), Ok(()));
}

#[test]
fn inline_sessions_wait_too() {
    let _g = serial();
    let s = Session::builder()
        .provider(Provider::Simulator)
        .profile("rust-wait-inline-session")
        .delivery(Delivery::Inline)
        .open()
        .unwrap();
    s.set_state(State::Offline, false).unwrap();
    s.wait_for(State::Offline, LONG).unwrap();
    s.set_state(State::Online, false).unwrap();
    s.wait_for(State::Online, LONG).unwrap();
}
