//! Bridge test helpers: a private endpoint folder, a client session, and
//! waiting for an event of one kind.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use olstate::{Event, EventKind, Provider, Session};

/// Long enough for the client's reconnect backoff (capped at 2 s) many times over.
pub const WAIT: Duration = Duration::from_secs(60);

/// A private (0700) folder for one test's endpoint, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "olstate-rust-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        TempDir(dir)
    }

    pub fn endpoint(&self) -> PathBuf {
        self.0.join("bridge.sock")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn client(endpoint: &std::path::Path, reconnect: bool) -> Session {
    Session::builder()
        .provider(Provider::Bridge)
        .endpoint(endpoint)
        .reconnect(reconnect)
        .open()
        .unwrap_or_else(|e| panic!("open the bridge at {}: {e}", endpoint.display()))
}

/// The next event of `kind`, skipping others; panics after `WAIT`.
pub fn next_of(rx: &mpsc::Receiver<Event>, kind: EventKind) -> Event {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(e) if e.kind == kind => return e,
            Ok(_) => continue,
            Err(e) => panic!("no {kind} event: {e}"),
        }
    }
}

