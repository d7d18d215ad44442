//! Session API paths against the simulator: open variants, info,
//! capabilities, state, set_state, close.

mod common;

use common::*;
use olstate::{Capabilities, Delivery, ErrorCode, Provider, Session, State};

#[test]
fn open_with_profile_and_default() {
    let _g = serial();
    let s = Session::open("rust-open").unwrap();
    let info = s.info().unwrap();
    assert_eq!(info.profile, "rust-open");
    assert_eq!(info.provider, Provider::Simulator, "AUTO resolves to the simulator here");
    assert_eq!(s.delivery(), Delivery::Queued);
    assert!(!s.as_raw().is_null());
    s.close().unwrap();

    let d = Session::open_default().unwrap();
    assert_eq!(d.info().unwrap().profile, "Outlook", "the simulator's default profile");
}

#[test]
fn info_reports_the_loaded_simulator_file() {
    let _g = serial();
    let s = open("rust-info", false);
    let info = s.info().unwrap();
    assert_eq!(info.provider, Provider::Simulator);
    assert_eq!(info.profile, "rust-info");
    let path = info.provider_path.expect("a provider path");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.contains("olstate_sim"), "{}", path.display());
    // The very file the tests link: OLSTATE_LIB_DIR/<name>.
    if let Ok(dir) = std::env::var("OLSTATE_LIB_DIR") {
        let ours = std::path::Path::new(&dir).join(&name).canonicalize().unwrap();
        assert_eq!(path.canonicalize().unwrap(), ours);
    }
}

#[test]
fn explicit_library_provider() {
    let _g = serial();
    let sim = open("rust-lib-a", false).info().unwrap().provider_path.unwrap();
    let s = Session::builder().library(&sim).profile("rust-lib-b").open().unwrap();
    let info = s.info().unwrap();
    assert_eq!(info.provider, Provider::Library);
    assert_eq!(info.provider_path.unwrap().canonicalize().unwrap(), sim.canonicalize().unwrap());
    assert_eq!(s.state().unwrap(), State::Online);
}

#[test]
fn capabilities_follow_the_provider() {
    let _g = serial();
    let s = open("rust-caps-both", false);
    let caps = s.capabilities().unwrap();
    assert_eq!(caps, Capabilities::OFFLINE | Capabilities::ONLINE | Capabilities::CONNECTION_MODE);
    assert!(caps.can_go_offline() && caps.can_go_online());

    sim_set_capabilities("rust-caps-offline", 1);
    let s = open("rust-caps-offline", false);
    assert_eq!(s.capabilities().unwrap(), Capabilities::OFFLINE | Capabilities::CONNECTION_MODE);
    assert_eq!(format!("{:?}", s.capabilities().unwrap()), "Capabilities(OFFLINE | CONNECTION_MODE)");
}

#[test]
fn state_and_set_state() {
    let _g = serial();
    let p = "rust-state";
    let s = open(p, false);
    assert_eq!(s.state().unwrap(), State::Online);

    s.set_state(State::Offline, true).unwrap();
    assert_eq!(s.state().unwrap(), State::Offline);
    assert_eq!(sim_get_state(p), State::Offline);

    // Same state: OK, nothing to do.
    s.set_state(State::Offline, true).unwrap();
    s.set_state(State::Offline, false).unwrap();

    // Asynchronous: completes on its own.
    s.set_state(State::Online, false).unwrap();
    eventually("the async change to complete", || sim_get_state(p) == State::Online);
    assert_eq!(s.state().unwrap(), State::Online);
    // The state flips at CHANGE; the change stays in flight until DONE.
    sim_wait_idle(p);

    // A change made by "the user" is seen by the session.
    sim_set_state(p, State::Offline, true);
    assert_eq!(s.state().unwrap(), State::Offline);
}

#[test]
fn sessions_share_the_profile_object_and_work_across_threads() {
    let _g = serial();
    let p = "rust-shared";
    let a = std::sync::Arc::new(open(p, false));
    let b = open(p, true);
    let t = {
        let a = a.clone();
        std::thread::spawn(move || a.set_state(State::Offline, true))
    };
    t.join().unwrap().unwrap();
    assert_eq!(b.state().unwrap(), State::Offline);
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Session>();
    assert_send_sync::<olstate::Subscription>();
}

#[test]
fn close_reports_and_drop_closes() {
    let _g = serial();
    let before = sim_advised_sinks();
    let s = open("rust-close", false);
    assert_eq!(sim_advised_sinks(), before + 1, "one sink per session");
    drop(s);
    assert_eq!(sim_advised_sinks(), before, "drop unadvised");
    let s = open("rust-close", false);
    s.close().unwrap();
    assert_eq!(sim_advised_sinks(), before);
}

#[test]
fn process_exit_with_a_session_open_is_fine() {
    let _g = serial();
    // Leaked on purpose: the test binary exits with this session open.
    std::mem::forget(open("rust-leaked", false));
}

#[test]
fn invalid_utf8_paths_and_nul_bytes_are_rejected_by_the_binding() {
    let _g = serial();
    let e = Session::open("bad\0profile").unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert_eq!(e.hresult(), 0);
    assert!(e.message().contains("NUL"), "{e}");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let p = std::ffi::OsStr::from_bytes(b"/tmp/\xff.so");
        let e = Session::builder().library(p).open().unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert!(e.message().contains("UTF-8"), "{e}");
    }
}

#[test]
fn no_fallback_and_connection_poll_interval_reach_the_library() {
    use std::time::Duration;
    let _g = serial();
    // Each refusal comes from the library: it proves the option got there.
    let refused = |b: olstate::SessionBuilder| {
        let e = b.open().expect_err("refused");
        assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
        e.message().to_owned()
    };
    let sim = || Session::builder().provider(Provider::Simulator).profile("rust-1-3");
    let auto = || Session::builder().profile("rust-1-3");
    assert!(refused(sim().no_fallback(true)).contains("NO_FALLBACK"));
    assert!(refused(Session::builder().provider(Provider::Bridge).no_fallback(true)).contains("NO_FALLBACK"));
    // Out of range whatever the provider: under 100 ms, over a day, beyond
    // u32 milliseconds, half a millisecond (rounded up, not down to 0, the
    // default).
    for bad in [
        Duration::from_millis(50),
        Duration::from_millis(86_400_001),
        Duration::from_secs(60 * 86_400),
        Duration::from_micros(500),
    ] {
        assert!(refused(auto().connection_poll_interval(bad)).contains("connection_poll_ms"), "{bad:?}");
    }
    // The simulator reads no object model: the library refuses an interval.
    assert!(refused(sim().connection_poll_interval(Duration::from_millis(250))).contains("connection_poll_ms"));
    if cfg!(windows) {
        return;
    }
    // A valid interval passes the checks and meets the object-model
    // provider's own answer off Windows.
    let e = Session::builder()
        .provider(Provider::ObjectModel)
        .connection_poll_interval(Duration::from_millis(250))
        .open()
        .expect_err("no object model off Windows");
    assert_eq!(e.code(), ErrorCode::NotSupported, "{e}");
    // Off Windows Auto is the simulator, which has no fallback: both options
    // are accepted (at the bounds too) and the session opens.
    for ok in [Duration::from_millis(100), Duration::from_millis(250), Duration::from_secs(86_400)] {
        let s = auto().no_fallback(true).connection_poll_interval(ok).open().unwrap();
        assert_eq!(s.info().unwrap().provider, Provider::Simulator);
    }
}
