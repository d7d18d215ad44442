//! What a user of the crate writes: their own type that reacts to Outlook
//! going offline, tested with `olstate::sim` (feature `sim`). The README's
//! "Testing your own code" section shows this file.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use olstate::sim::{self, Call};
use olstate::{EventKind, Provider, Session, State, Subscription};

/// The user's code: pauses its work while Outlook is offline.
struct SyncService {
    paused: Arc<AtomicBool>,
    _subscription: Subscription,
    _session: Session,
}

impl SyncService {
    fn start(profile: &str) -> Result<SyncService, olstate::Error> {
        let session = Session::builder().provider(Provider::Simulator).profile(profile).open()?;
        let paused = Arc::new(AtomicBool::new(session.state()? == State::Offline));
        let flag = Arc::clone(&paused);
        let subscription = session.subscribe(move |event| {
            if event.kind == EventKind::ChangeDone {
                flag.store(event.new_state == Some(State::Offline), Ordering::SeqCst);
            }
        })?;
        Ok(SyncService { paused, _subscription: subscription, _session: session })
    }

    fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
}

/// One simulator per process: the tests take turns.
static SIMULATOR: Mutex<()> = Mutex::new(());

#[test]
fn sync_pauses_when_outlook_goes_offline() {
    let _turn = SIMULATOR.lock().unwrap_or_else(|e| e.into_inner());
    sim::reset().unwrap();
    let service = SyncService::start("testing-your-code").unwrap();
    assert!(!service.is_paused());

    sim::set_state(Some("testing-your-code"), State::Offline, true).unwrap(); // the user clicks Work Offline

    let deadline = Instant::now() + Duration::from_secs(10);
    while !service.is_paused() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(service.is_paused(), "the service did not pause within 10 s");
    assert_eq!(sim::state(Some("testing-your-code")).unwrap(), State::Offline);
    sim::reset().unwrap();
}

#[test]
fn starting_fails_when_outlook_fails() {
    let _turn = SIMULATOR.lock().unwrap_or_else(|e| e.into_inner());
    sim::reset().unwrap();
    sim::fail_next(Call::Open, 0x8004_0115_u32 as i32, 1).unwrap(); // MAPI_E_NETWORK_ERROR
    let error = SyncService::start("testing-your-code").err().expect("the open fails");
    assert_eq!(error.hresult(), 0x8004_0115_u32 as i32, "{error}");
    sim::reset().unwrap();
}
