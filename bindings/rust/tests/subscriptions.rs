//! Subscriptions against the simulator: event order and payload,
//! unsubscribe-on-drop, no event after drop, panicking callbacks, drop from
//! inside the callback, session dropped first, many threads, INLINE mode.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime};

use common::*;
use olstate::{sys, Event, EventKind, State, Subscription};

fn recv3(rx: &mpsc::Receiver<Event>) -> Vec<Event> {
    (0..3).map(|i| rx.recv_timeout(TIMEOUT).unwrap_or_else(|e| panic!("event {i}: {e}"))).collect()
}

fn assert_change(events: &[Event], from: State, to: State, first_seq: u64, sub: u64) {
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::ChangeStart, EventKind::Change, EventKind::ChangeDone]);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.old_state, Some(from), "{e}");
        assert_eq!(e.new_state, Some(to), "{e}");
        assert_eq!(e.sequence, first_seq + i as u64, "{e}");
        assert_eq!(e.subscription, sub);
        assert!(!e.dropped_before);
        assert_eq!(e.raw.flags, 0);
        assert_eq!(e.raw.reserved, 0);
        assert_eq!(e.raw.struct_size as usize, unsafe { sys::olstate_struct_size(sys::OLSTATE_STRUCT_EVENT) });
    }
}

#[test]
fn events_arrive_in_order_with_their_payload() {
    let _g = serial();
    let p = "rust-sub-order";
    let s = open(p, false);
    let (sub, rx) = s.events().unwrap();
    assert_ne!(sub.id(), 0);
    assert!(sub.is_active());

    let before = SystemTime::now();
    sim_set_state(p, State::Offline, true);
    let events = recv3(&rx);
    let after = SystemTime::now();
    assert_change(&events, State::Online, State::Offline, 1, sub.id());
    for e in &events {
        assert!(e.notify_time >= before - Duration::from_millis(5) && e.notify_time <= after, "{e:?}");
    }
    assert!(events.windows(2).all(|w| w[0].notify_time <= w[1].notify_time));
    assert_eq!(events[0].to_string(), "#1 CHANGE_START online -> offline");

    // Through the session, asynchronous and blocking.
    s.set_state(State::Online, false).unwrap();
    assert_change(&recv3(&rx), State::Offline, State::Online, 4, sub.id());
    s.set_state(State::Offline, true).unwrap();
    assert_change(&recv3(&rx), State::Online, State::Offline, 7, sub.id());
    // Same state: no event.
    s.set_state(State::Offline, true).unwrap();
    sim_wait_idle(p);
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
}

#[test]
fn every_subscription_sees_each_event_with_the_session_sequence() {
    let _g = serial();
    let p = "rust-sub-fanout";
    let s = open(p, false);
    let (a, ra) = s.events().unwrap();
    let (b, rb) = s.events().unwrap();
    assert_ne!(a.id(), b.id());
    sim_set_state(p, State::Offline, true);
    let ea = recv3(&ra);
    let eb = recv3(&rb);
    assert_change(&ea, State::Online, State::Offline, 1, a.id());
    assert_change(&eb, State::Online, State::Offline, 1, b.id());
}

#[test]
fn filtered_notifications_are_not_delivered() {
    let _g = serial();
    let p = "rust-sub-filter";
    let s = open(p, false);
    let (_sub, rx) = s.events().unwrap();
    // A notification about other bits (mask 0x4) and an unknown type.
    sim_send_raw(p, 1, 0x4, 0, 4, 1);
    sim_send_raw(p, 0x77, 0x3, 2, 1, 1);
    sim_wait_idle(p);
    sim_set_state(p, State::Offline, true);
    let events = recv3(&rx);
    assert_eq!(events[0].sequence, 1, "filtered notifications are not counted");
}

#[test]
fn unknown_event_kinds_pass_through() {
    // The library filters kinds it does not know in ABI 1.0; the binding's
    // mapping must still pass them through (the bridge adds 0x100/0x101).
    let raw = sys::olstate_event {
        struct_size: 48,
        kind: 0x100,
        old_state: 0,
        new_state: 9,
        subscription: 5,
        sequence: 1,
        flags: sys::OLSTATE_EVENT_FLAG_DROPPED | 0x80,
        reserved: 0,
        notify_time_us: 1_000_000,
    };
    let e = Event::from_raw(&raw);
    assert_eq!(e.kind, EventKind::ProviderLost);
    assert_eq!((e.old_state, e.new_state), (None, None));
    assert!(e.dropped_before);
    assert_eq!(e.notify_time, std::time::UNIX_EPOCH + Duration::from_secs(1));
    assert_eq!(e.to_string(), "#1 PROVIDER_LOST state 0 -> state 9 (events dropped before this one)");
    let e = Event::from_raw(&sys::olstate_event { kind: 0x4242, ..raw });
    assert_eq!(e.kind, EventKind::Other(0x4242));
    assert_eq!(EventKind::from_raw(0x101), EventKind::ProviderBack);
}

#[test]
fn drop_unsubscribes_and_drops_the_closure() {
    let _g = serial();
    let p = "rust-sub-drop";
    let s = open(p, false);
    let calls = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let (c, d) = (calls.clone(), DropCounter(drops.clone()));
    let sub = s
        .subscribe(move |_| {
            let _ = &d;
            c.fetch_add(1, SeqCst);
        })
        .unwrap();
    let (_witness, rx) = s.events().unwrap();
    sim_set_state(p, State::Offline, true);
    recv3(&rx);
    assert_eq!(calls.load(SeqCst), 3);

    drop(sub);
    assert_eq!(drops.load(SeqCst), 1, "the closure is dropped before drop returns");
    sim_set_state(p, State::Online, true);
    recv3(&rx); // the witness saw the change, so the dispatcher ran past it
    assert_eq!(calls.load(SeqCst), 3);

    // The channel form: dropping the subscription disconnects the receiver.
    let (sub, rx2) = s.events().unwrap();
    sub.unsubscribe().unwrap();
    assert!(matches!(rx2.recv_timeout(TIMEOUT), Err(mpsc::RecvTimeoutError::Disconnected)));
}

/// Drops the subscription while a storm is delivering; no call may start
/// after drop returned.
fn no_event_after_drop(inline: bool, concurrent: bool) {
    let p = if inline { "rust-sub-after-inline" } else { "rust-sub-after-queued" };
    if inline {
        sim_set_delivery(p, ffi::DELIVERY_POOL, 4);
    }
    let s = Arc::new(open(p, inline));
    for round in 0..20 {
        let dropped = Arc::new(AtomicBool::new(false));
        let late = Arc::new(AtomicUsize::new(0));
        let calls = Arc::new(AtomicUsize::new(0));
        let (d, l, c) = (dropped.clone(), late.clone(), calls.clone());
        let callback = move |_: &Event| {
            if d.load(SeqCst) {
                l.fetch_add(1, SeqCst);
            }
            c.fetch_add(1, SeqCst);
            thread::yield_now();
        };
        let sub = if concurrent { s.subscribe_concurrent(callback) } else { s.subscribe(callback) }.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let storm = {
            let stop = stop.clone();
            thread::spawn(move || {
                while !stop.load(SeqCst) {
                    sim_storm(p, 2, 20);
                }
            })
        };
        eventually("some calls", || calls.load(SeqCst) > 0);
        drop(sub);
        dropped.store(true, SeqCst);
        thread::sleep(Duration::from_millis(5));
        stop.store(true, SeqCst);
        storm.join().unwrap();
        sim_wait_idle(p);
        assert_eq!(late.load(SeqCst), 0, "round {round}: a call started after drop returned");
    }
}

#[test]
fn no_event_after_drop_queued() {
    let _g = serial();
    no_event_after_drop(false, false);
}

#[test]
fn no_event_after_drop_inline() {
    let _g = serial();
    no_event_after_drop(true, false);
    no_event_after_drop(true, true);
}

#[test]
fn panicking_callback_is_contained_and_disabled() {
    let _g = serial();
    let p = "rust-sub-panic";
    let s = open(p, false);
    let calls = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let (c, d) = (calls.clone(), DropCounter(drops.clone()));
    let bad = s
        .subscribe(move |e| {
            let _ = &d;
            c.fetch_add(1, SeqCst);
            panic!("boom at #{}", e.sequence);
        })
        .unwrap();
    let (_good, rx) = s.events().unwrap();
    assert!(!bad.has_panicked());

    sim_set_state(p, State::Offline, true);
    assert_change(&recv3(&rx), State::Online, State::Offline, 1, _good.id());
    assert_eq!(calls.load(SeqCst), 1, "disabled after the first panic");
    assert!(bad.has_panicked());
    assert!(!bad.is_active());
    let payload = bad.take_panic().expect("the payload");
    assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("boom at #1"));
    assert!(bad.take_panic().is_none(), "handed out once");

    sim_set_state(p, State::Online, true);
    recv3(&rx);
    assert_eq!(calls.load(SeqCst), 1);
    assert_eq!(drops.load(SeqCst), 0, "still subscribed until dropped");
    drop(bad);
    assert_eq!(drops.load(SeqCst), 1);

    // Inline mode too: the panic never reaches the provider's thread.
    let p = "rust-sub-panic-inline";
    let s = open(p, true);
    let sub = s.subscribe_concurrent(|_| panic!("inline boom")).unwrap();
    sim_set_state(p, State::Offline, true);
    assert!(sub.has_panicked());
    assert_eq!(sim_get_state(p), State::Offline);
}

#[test]
fn panicking_drop_of_the_closure_is_contained() {
    let _g = serial();
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("closure drop panics");
        }
    }
    let s = open("rust-sub-bomb", false);
    let bomb = Bomb;
    let sub = s.subscribe(move |_| { let _ = &bomb; }).unwrap();
    drop(sub); // release catches the panic
    let bomb2 = Bomb;
    let _sub2 = s.subscribe(move |_| { let _ = &bomb2; }).unwrap();
    drop(s); // released by close
}

#[test]
fn drop_from_inside_the_callback() {
    let _g = serial();
    for inline in [false, true] {
        let p = if inline { "rust-sub-self-inline" } else { "rust-sub-self" };
        let s = open(p, inline);
        let slot: Arc<Mutex<Option<Subscription>>> = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let drops = Arc::new(AtomicUsize::new(0));
        let (sl, c, d) = (slot.clone(), calls.clone(), DropCounter(drops.clone()));
        let sub = s
            .subscribe(move |_| {
                let _ = &d;
                c.fetch_add(1, SeqCst);
                let mine = sl.lock().unwrap().take();
                drop(mine); // never waits for itself
            })
            .unwrap();
        *slot.lock().unwrap() = Some(sub);
        let (_w, rx) = s.events().unwrap();
        sim_set_state(p, State::Offline, true);
        recv3(&rx);
        eventually("the closure to be released", || drops.load(SeqCst) == 1);
        sim_set_state(p, State::Online, true);
        recv3(&rx);
        assert_eq!(calls.load(SeqCst), 1, "inline={inline}");
    }
}

#[test]
fn close_from_inside_the_callback() {
    let _g = serial();
    let p = "rust-sub-close-inside";
    let s = open(p, false);
    let slot: Arc<Mutex<Option<olstate::Session>>> = Arc::new(Mutex::new(Some(s)));
    let (tx, rx) = mpsc::channel();
    let sl = slot.clone();
    let sub = slot
        .lock()
        .unwrap()
        .as_ref()
        .unwrap()
        .subscribe(move |_| {
            let session = sl.lock().unwrap().take();
            if let Some(session) = session {
                tx.send(session.close()).unwrap();
            }
        })
        .unwrap();
    sim_set_state(p, State::Offline, true);
    rx.recv_timeout(TIMEOUT).unwrap().unwrap();
    eventually("the subscription to end", || !sub.is_active());
    drop(sub);
}

#[test]
fn session_dropped_before_its_subscriptions() {
    let _g = serial();
    let p = "rust-sub-orphan";
    let s = open(p, false);
    let drops = Arc::new(AtomicUsize::new(0));
    let subs: Vec<Subscription> = (0..5)
        .map(|_| {
            let d = DropCounter(drops.clone());
            s.subscribe(move |_| { let _ = &d; }).unwrap()
        })
        .collect();
    let (chan, rx) = s.events().unwrap();
    assert!(subs.iter().all(Subscription::is_active));
    drop(s);
    assert_eq!(drops.load(SeqCst), 5, "close dropped every closure");
    assert!(subs.iter().all(|s| !s.is_active()));
    assert!(matches!(rx.recv_timeout(TIMEOUT), Err(mpsc::RecvTimeoutError::Disconnected)));
    // A new session on the same profile is unaffected by the stale guards.
    let s2 = open(p, false);
    let (_sub2, rx2) = s2.events().unwrap();
    drop(subs);
    drop(chan);
    sim_set_state(p, State::Offline, true);
    assert_eq!(recv3(&rx2).len(), 3);
}

#[test]
fn subscribing_from_many_threads_at_once() {
    let _g = serial();
    let p = "rust-sub-threads";
    let s = Arc::new(open(p, false));
    let created = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let storm = {
        let stop = stop.clone();
        thread::spawn(move || {
            while !stop.load(SeqCst) {
                sim_storm(p, 2, 10);
            }
        })
    };
    let barrier = Arc::new(std::sync::Barrier::new(16));
    let workers: Vec<_> = (0..16)
        .map(|t| {
            let (s, created, drops, barrier) = (s.clone(), created.clone(), drops.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                let mut kept = Vec::new();
                for i in 0..100 {
                    let d = DropCounter(drops.clone());
                    let sub = s.subscribe(move |_| { let _ = &d; }).unwrap();
                    created.fetch_add(1, SeqCst);
                    if (t + i) % 3 == 0 {
                        kept.push(sub);
                    }
                }
                kept // dropped by the main thread or left to the close
            })
        })
        .collect();
    let kept: Vec<Vec<Subscription>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    stop.store(true, SeqCst);
    storm.join().unwrap();
    assert_eq!(created.load(SeqCst), 1600);
    let kept_count: usize = kept.iter().map(Vec::len).sum();
    assert_eq!(drops.load(SeqCst), 1600 - kept_count);
    let mut kept = kept.into_iter().flatten();
    // Half of the rest dropped here, half by the close.
    for sub in kept.by_ref().take(kept_count / 2) {
        drop(sub);
    }
    drop(Arc::try_unwrap(s).expect("the only reference"));
    assert_eq!(drops.load(SeqCst), 1600);
    drop(kept.collect::<Vec<_>>());
}

#[test]
fn inline_fnmut_calls_never_overlap() {
    let _g = serial();
    let p = "rust-sub-inline-serial";
    sim_set_delivery(p, ffi::DELIVERY_POOL, 4);
    let s = open(p, true);
    let busy = Arc::new(AtomicBool::new(false));
    let overlaps = Arc::new(AtomicUsize::new(0));
    let (b, o) = (busy.clone(), overlaps.clone());
    let mut calls = 0usize; // FnMut state
    let total = Arc::new(AtomicUsize::new(0));
    let t = total.clone();
    let sub = s
        .subscribe(move |_| {
            if b.swap(true, SeqCst) {
                o.fetch_add(1, SeqCst);
            }
            calls += 1;
            t.store(calls, SeqCst);
            thread::sleep(Duration::from_micros(50));
            b.store(false, SeqCst);
        })
        .unwrap();
    // Fn + Sync: calls may overlap; count them all.
    let concurrent_total = Arc::new(AtomicUsize::new(0));
    let ct = concurrent_total.clone();
    let sub2 = s.subscribe_concurrent(move |_| { ct.fetch_add(1, SeqCst); }).unwrap();
    sim_storm(p, 4, 50);
    sim_wait_idle(p);
    assert_eq!(overlaps.load(SeqCst), 0);
    assert_eq!(total.load(SeqCst), 4 * 50 * 3, "INLINE: storm returns after delivery");
    assert_eq!(concurrent_total.load(SeqCst), 4 * 50 * 3);
    drop((sub, sub2));
}

#[test]
fn inline_callbacks_may_change_state_asynchronously() {
    let _g = serial();
    let p = "rust-sub-inline-async";
    let s = Arc::new(open(p, true));
    let weak = Arc::downgrade(&s);
    let (tx, rx) = mpsc::channel();
    let once = AtomicBool::new(false);
    let _sub = s
        .subscribe(move |e| {
            if e.kind == EventKind::ChangeDone && e.new_state == Some(State::Offline) && !once.swap(true, SeqCst) {
                if let Some(s) = weak.upgrade() {
                    tx.send(s.set_state(State::Online, false)).unwrap();
                }
            }
        })
        .unwrap();
    sim_set_state(p, State::Offline, true);
    rx.recv_timeout(TIMEOUT).unwrap().unwrap();
    eventually("back online", || sim_get_state(p) == State::Online);
}

#[test]
fn late_notifications_after_unadvise_are_not_delivered() {
    let _g = serial();
    let p = "rust-sub-late";
    sim_set_misbehaviour(ffi::MISBEHAVE_LATE_NOTIFY | ffi::MISBEHAVE_SLOW_UNADVISE);
    let s = open(p, false);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let sub = s.subscribe(move |_| { c.fetch_add(1, SeqCst); }).unwrap();
    drop(s);
    sim_wait_idle(p);
    sim_set_misbehaviour(0);
    assert_eq!(calls.load(SeqCst), 0);
    drop(sub);
}

#[test]
fn queue_overflow_is_flagged() {
    let _g = serial();
    let p = "rust-sub-overflow";
    let s = open(p, false);
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let gate_rx = Mutex::new(gate_rx);
    let (tx, rx) = mpsc::channel();
    let first = AtomicBool::new(true);
    let _sub = s
        .subscribe(move |e| {
            if first.swap(false, SeqCst) {
                let _ = gate_rx.lock().unwrap().recv_timeout(TIMEOUT); // hold the dispatcher
            }
            let _ = tx.send(*e);
        })
        .unwrap();
    sim_storm(p, 1, 5000); // 15000 notifications while the dispatcher is held
    gate_tx.send(()).unwrap();
    sim_wait_idle(p);
    let mut events = Vec::new();
    while let Ok(e) = rx.recv_timeout(Duration::from_millis(500)) {
        events.push(e);
    }
    assert!(!events.is_empty());
    let flagged: Vec<&Event> = events.iter().filter(|e| e.dropped_before).collect();
    if events.len() < 15000 {
        assert!(!flagged.is_empty(), "{} of 15000 delivered but none flagged", events.len());
        // A flagged event follows a gap in the sequence (the first one
        // delivered may be flagged too, if the queue overflowed before the
        // dispatcher took event #1).
        let mut prev = 0;
        for e in &events {
            if e.dropped_before {
                assert!(e.sequence > prev + 1, "#{} flagged after #{prev}", e.sequence);
            }
            prev = e.sequence;
        }
    }
    assert!(events.windows(2).all(|w| w[0].sequence < w[1].sequence), "in order");
}

