//! Doctests only: each value below is `#[must_use]`, so a statement that
//! drops it at once is an error under `#![deny(unused_must_use)]` (the
//! `compile_fail` half), while the same statement keeping it compiles (the
//! `no_run` half; only compiling matters). Without the attribute the first
//! half would compile, and its doctest fail.

/// Both halves for one case: `setup` runs first, `unused` is the statement
/// whose value is dropped (then kept in `let _kept = ...`).
macro_rules! must_use_check {
    ($(#[$meta:meta])* $name:ident, $unused:literal) => {
        $(#[$meta])*
        #[doc = concat!(
            "```compile_fail\n#![deny(unused_must_use)]\n",
            "fn main() -> Result<(), olstate::Error> {\n",
            "    let session = olstate::Session::open(\"must-use\")?;\n",
            "    ", $unused, ";\n",
            "    # drop(session);\n    Ok(())\n}\n```\n\n",
            "```no_run\n#![deny(unused_must_use)]\n",
            "fn main() -> Result<(), olstate::Error> {\n",
            "    let session = olstate::Session::open(\"must-use\")?;\n",
            "    let _kept = ", $unused, ";\n",
            "    # drop(session);\n    Ok(())\n}\n```\n",
        )]
        pub struct $name;
    };
}

must_use_check!(
    /// Forgetting the guard would unsubscribe at once.
    Subscription,
    "session.subscribe(|_event| {})?"
);
must_use_check!(
    /// The guard inside the tuple `events` returns.
    EventsTuple,
    "session.events()?"
);
must_use_check!(
    /// A session opened and closed at once.
    Session,
    "olstate::Session::open(\"another\")?"
);
must_use_check!(
    /// A builder never opened.
    SessionBuilder,
    "olstate::Session::builder().profile(\"unopened\")"
);
must_use_check!(
    /// A bridge stopped at once.
    Bridge,
    "olstate::Bridge::start(&session, olstate::BridgeOptions::new())?"
);
must_use_check!(
    /// Bridge options never used.
    BridgeOptions,
    "olstate::BridgeOptions::new().max_clients(4)"
);
must_use_check!(
    /// Subscribe options never used.
    SubscribeOptions,
    "olstate::SubscribeOptions::new().current_state(true)"
);
