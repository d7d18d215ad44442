//! The Rust consumer: the simulator plays the user going offline.
use olstate::{sim, Provider, Session, State};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Session::builder().provider(Provider::Simulator).profile("consumer-rust").open()?;
    let (_subscription, events) = session.events()?;
    sim::set_state(Some("consumer-rust"), State::Offline, true)?;
    for _ in 0..3 {
        println!("rust: {}", events.recv_timeout(Duration::from_secs(10))?);
    }
    Ok(())
}
