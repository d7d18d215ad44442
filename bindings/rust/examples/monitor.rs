//! Prints a session's events through the safe API.
//!
//! ```text
//! cargo run --example monitor -- [--profile NAME] [--provider auto|simulator|outlook|bridge]
//!                                [--library PATH] [--inline] [--toggles N] [--follow]
//! ```
//!
//! By default it opens the simulator's default profile, prints the current
//! state as the first event (`CURRENT`), switches the state offline and back
//! (`--toggles 2`) and prints every event; `--follow` keeps printing until
//! interrupted, or until a bridge host goes away (with a real provider,
//! toggle Outlook's "Work Offline" button to see events).

use std::process::ExitCode;
use std::time::Duration;

use olstate::{Delivery, Provider, Session, SubscribeOptions};

struct Args {
    profile: Option<String>,
    provider: Provider,
    library: Option<String>,
    delivery: Delivery,
    toggles: u32,
    follow: bool,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        profile: None,
        provider: Provider::Simulator,
        library: None,
        delivery: Delivery::Queued,
        toggles: 2,
        follow: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--profile" => args.profile = Some(value("--profile")?),
            "--provider" => {
                args.provider = match value("--provider")?.as_str() {
                    "auto" => Provider::Auto,
                    "simulator" | "sim" => Provider::Simulator,
                    "outlook" => Provider::Outlook,
                    "bridge" => Provider::Bridge,
                    other => return Err(format!("unknown provider {other:?}")),
                }
            }
            "--library" => {
                args.provider = Provider::Library;
                args.library = Some(value("--library")?);
            }
            "--inline" => args.delivery = Delivery::Inline,
            "--toggles" => {
                args.toggles = value("--toggles")?.parse().map_err(|e| format!("--toggles: {e}"))?
            }
            "--follow" => args.follow = true,
            "-h" | "--help" => {
                return Err("usage: monitor [--profile NAME] [--provider auto|simulator|outlook|bridge] \
                            [--library PATH] [--inline] [--toggles N] [--follow]"
                    .to_string())
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(args)
}

fn run(args: Args) -> Result<(), olstate::Error> {
    let mut builder = Session::builder().provider(args.provider).delivery(args.delivery);
    if let Some(p) = &args.profile {
        builder = builder.profile(p);
    }
    if let Some(l) = &args.library {
        builder = builder.provider_path(l);
    }
    let session = builder.open()?;
    let info = session.info()?;
    println!(
        "olstate {} (ABI {}.{}), provider {:?}, profile {:?}, library {}",
        olstate::library_version(),
        olstate::abi_version().0,
        olstate::abi_version().1,
        info.provider,
        info.profile,
        info.provider_path.as_ref().map_or("-".into(), |p| p.display().to_string()),
    );
    let capabilities = session.capabilities()?;
    println!("capabilities {:?}, state {}", capabilities, session.state()?);
    if capabilities.contains(olstate::Capabilities::CONNECTION_MODE) {
        // Outlook's Exchange connection (ABI 1.3); its changes print as events below.
        println!("connection {}, offline {}", session.connection_mode()?, session.offline()?);
        for account in session.accounts()? {
            println!("account {account}");
        }
    }

    let (_subscription, events) = session.events_with(SubscribeOptions::new().current_state(true))?;
    let print = |event: olstate::Event| {
        let micros = event
            .notify_time
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0);
        println!("[{micros} us] {event}");
    };

    if let Ok(current) = events.recv_timeout(Duration::from_secs(5)) {
        print(current); // "#0 CURRENT online -> online": the state at subscribing
    }
    for _ in 0..args.toggles {
        let target = session.state()?.toggled();
        println!("-> setting {target}");
        session.set_state(target, true)?;
        // A blocking change returns once DONE reached olstate; with queued
        // delivery, print what the dispatcher has delivered by then.
        for _ in 0..3 {
            match events.recv_timeout(Duration::from_secs(5)) {
                Ok(event) => print(event),
                Err(_) => break,
            }
        }
    }
    if args.follow {
        println!("following events (Ctrl-C to stop)");
        // Ends after the final PROVIDER_LOST of a bridge session.
        for event in events.iter() {
            print(event);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("monitor: {e}");
            ExitCode::FAILURE
        }
    }
}
