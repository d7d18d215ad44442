//! With no endpoint anywhere, host and client meet at the current user's
//! endpoint, `$XDG_RUNTIME_DIR/olstate/bridge.sock`. Its own test binary with
//! a single test: it sets `XDG_RUNTIME_DIR` (to a private temporary folder)
//! before any other thread of the process could read the environment.

mod common;

use olstate::{Bridge, BridgeOptions, Provider, Session, State};

#[test]
fn host_and_client_meet_at_the_default_endpoint() {
    let dir = std::env::temp_dir().join(format!("olstate-rust-xdg-{}", std::process::id()));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&dir).unwrap();
    std::env::set_var("XDG_RUNTIME_DIR", &dir);

    let host = common::open("rust-bridge-default", false);
    let bridge = Bridge::start(&host, BridgeOptions::new()).unwrap();
    assert_eq!(bridge.endpoint(), dir.join("olstate").join("bridge.sock"));
    let client = Session::builder().provider(Provider::Bridge).open().unwrap();
    assert_eq!(client.info().unwrap().provider_path.as_deref(), Some(bridge.endpoint()));
    assert_eq!(client.state().unwrap(), State::Online);
    drop(client);
    drop(bridge);
    drop(host);
    let _ = std::fs::remove_dir_all(&dir);
}
