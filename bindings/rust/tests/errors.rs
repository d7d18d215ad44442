//! Error mapping for every result code the simulator can provoke: code,
//! message and HRESULT, through the safe API.

mod common;

use std::sync::{mpsc, Arc, Weak};

use common::*;
use olstate::{Delivery, Error, ErrorCode, Provider, Session, State};

fn assert_error(e: &Error, code: ErrorCode, hresult: i32) {
    assert_eq!(e.code(), code, "{e}");
    assert_eq!(e.hresult(), hresult, "{e}");
    assert_eq!(e.raw_code(), code.raw());
    assert!(!e.message().is_empty());
    let shown = e.to_string();
    assert!(shown.starts_with(code.name()), "{shown}");
    // The code is named once: the library's "OLSTATE_E_...: " prefix is not
    // repeated by the message.
    assert!(!e.message().starts_with(code.name()), "{shown}");
    assert_eq!(shown.matches(code.name()).count(), 1, "{shown}");
    // std::error::Error + Display
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e.clone());
    assert_eq!(boxed.to_string(), shown);
}

#[test]
fn invalid_argument_from_the_library() {
    let _g = serial();
    // LIBRARY without a path, a path with another provider.
    let e = Session::builder().provider(Provider::Library).open().unwrap_err();
    assert_error(&e, ErrorCode::InvalidArgument, 0);
    let e = Session::builder().provider(Provider::Simulator).provider_path("/x.so").open().unwrap_err();
    assert_error(&e, ErrorCode::InvalidArgument, 0);
    let e = Session::builder().provider(Provider::Other(99)).open().unwrap_err();
    assert_error(&e, ErrorCode::InvalidArgument, 0);
}

#[test]
fn invalid_handle_after_close() {
    let _g = serial();
    let s = open("rust-err-handle", false);
    let sub = s.subscribe(|_| {}).unwrap();
    drop(s);
    assert!(!sub.is_active());
    let e = sub.unsubscribe().unwrap_err();
    assert_error(&e, ErrorCode::InvalidHandle, 0);
}

#[test]
fn provider_not_found() {
    let _g = serial();
    let e = Session::builder().library("/nonexistent/libnothing.so").open().unwrap_err();
    assert_error(&e, ErrorCode::ProviderNotFound, 0);
    assert!(e.message().contains("libnothing"), "{e}");
    // The bridge does not exist in ABI 1.0 (or none runs).
    let e = Session::builder().provider(Provider::Bridge).open().unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderNotFound, "{e}");
}

#[test]
fn profile_not_found() {
    let _g = serial();
    sim_set_profile_known("rust-err-unknown", false);
    let e = Session::builder().provider(Provider::Simulator).profile("rust-err-unknown").open().unwrap_err();
    assert_error(&e, ErrorCode::ProfileNotFound, MAPI_E_NOT_FOUND);
    assert!(e.message().contains("rust-err-unknown"), "{e}");
    sim_set_profile_known("rust-err-unknown", true);
    let _known_again = open("rust-err-unknown", false);
}

#[test]
fn not_supported() {
    let _g = serial();
    // The Outlook provider does not exist off Windows.
    #[cfg(not(windows))]
    {
        let e = Session::builder().provider(Provider::Outlook).open().unwrap_err();
        assert_error(&e, ErrorCode::NotSupported, 0);
        // Nor the object-model fallback (a running Outlook read from outside).
        let e = Session::builder().provider(Provider::ObjectModel).open().unwrap_err();
        assert_error(&e, ErrorCode::NotSupported, 0);
        assert_eq!(Provider::from_raw(Provider::ObjectModel.raw()), Provider::ObjectModel);
    }
    // A provider with neither capability: no subscriptions.
    sim_set_capabilities("rust-err-nocaps", 0);
    let s = open("rust-err-nocaps", false);
    // Neither ONLINE nor OFFLINE; the simulator still reports the Exchange
    // connection (ABI 1.3), which needs no notification of the state.
    assert_eq!(s.capabilities().unwrap(), olstate::Capabilities::CONNECTION_MODE);
    let dropped = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = DropCounter(dropped.clone());
    let e = s.subscribe(move |_| { let _ = &counter; }).unwrap_err();
    assert_error(&e, ErrorCode::NotSupported, 0);
    assert_eq!(dropped.load(std::sync::atomic::Ordering::SeqCst), 1, "a failed subscribe drops the closure once");
    // E_NOTIMPL from the provider.
    let s = open("rust-err-notimpl", false);
    sim_fail_next(ffi::CALL_GET_STATE, E_NOTIMPL, 1);
    assert_error(&s.state().unwrap_err(), ErrorCode::NotSupported, E_NOTIMPL);
}

#[test]
fn busy() {
    let _g = serial();
    let s = open("rust-err-busy", false);
    sim_fail_next(ffi::CALL_SET_STATE, E_PENDING, 1);
    let e = s.set_state(State::Offline, false).unwrap_err();
    assert_error(&e, ErrorCode::Busy, E_PENDING);
    s.set_state(State::Offline, true).unwrap();
}

#[test]
fn provider_failed() {
    let _g = serial();
    let s = open("rust-err-failed", false);
    sim_fail_next(ffi::CALL_GET_STATE, E_FAIL, 1);
    let e = s.state().unwrap_err();
    assert_error(&e, ErrorCode::ProviderFailed, E_FAIL);
    assert!(e.to_string().to_ascii_lowercase().contains("0x80004005"), "{e}");
    assert_eq!(s.state().unwrap(), State::Online, "only the next call failed");

    sim_fail_next(ffi::CALL_SET_STATE, E_FAIL, 1);
    assert_error(&s.set_state(State::Offline, true).unwrap_err(), ErrorCode::ProviderFailed, E_FAIL);

    sim_fail_next(ffi::CALL_OPEN, E_FAIL, 1);
    let e = Session::builder().provider(Provider::Simulator).profile("rust-err-failed").open().unwrap_err();
    assert_error(&e, ErrorCode::ProviderFailed, E_FAIL);

    sim_set_misbehaviour(ffi::MISBEHAVE_OPEN_NULL);
    let e = Session::builder().provider(Provider::Simulator).profile("rust-err-null").open().unwrap_err();
    sim_set_misbehaviour(0);
    assert_eq!(e.code(), ErrorCode::ProviderFailed, "{e}");
}

#[test]
fn out_of_memory() {
    let _g = serial();
    let s = open("rust-err-oom", false);
    sim_fail_next(ffi::CALL_GET_STATE, E_OUTOFMEMORY, 1);
    assert_error(&s.state().unwrap_err(), ErrorCode::OutOfMemory, E_OUTOFMEMORY);
}

#[test]
fn would_deadlock_inside_an_inline_callback() {
    let _g = serial();
    let p = "rust-err-deadlock";
    let s = Arc::new(open(p, true));
    let weak: Weak<Session> = Arc::downgrade(&s);
    let (tx, rx) = mpsc::channel();
    let sub = s
        .subscribe(move |event| {
            if event.kind != olstate::EventKind::ChangeDone {
                return;
            }
            if let Some(s) = weak.upgrade() {
                let blocking = s.set_state(State::Online, true);
                tx.send(blocking).unwrap();
            }
        })
        .unwrap();
    sim_set_state(p, State::Offline, true);
    let e = rx.recv_timeout(TIMEOUT).unwrap().unwrap_err();
    assert_error(&e, ErrorCode::WouldDeadlock, 0);
    drop(sub);
    assert_eq!(s.delivery(), Delivery::Inline);
}

#[test]
fn errors_are_per_thread() {
    let _g = serial();
    let s = Arc::new(open("rust-err-threads", false));
    // Each thread's error carries its own message, whatever others do.
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let s = s.clone();
            std::thread::spawn(move || {
                for _ in 0..50 {
                    if i % 2 == 0 {
                        let e = Session::builder().library(format!("/nonexistent/t{i}.so")).open().unwrap_err();
                        assert_eq!(e.code(), ErrorCode::ProviderNotFound);
                        assert!(e.message().contains(&format!("t{i}.so")), "{e}");
                    } else {
                        s.state().unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
