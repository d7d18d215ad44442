//! Soak of the Rust binding through its own API: threads open sessions
//! (queued and inline, alternating), subscribe closures (the first one
//! starting with the current state), wait for a state briefly, unsubscribe
//! and close while the simulator toggles the state, until the time limit
//! (first argument, seconds; default 20). Fails (exit 1) when a closure runs
//! after `unsubscribe`/`close` returned, a closure is not dropped by then
//! (its release did not run), a current-state subscription's first event
//! is not `Current`, a wait fails otherwise than by timing out, the
//! simulator's counters do not return to zero, or the RSS keeps growing
//! after warm-up.
use olstate::{Delivery, ErrorCode, EventKind, Provider, Session, State, SubscribeOptions};
use std::ffi::CString;
use std::os::raw::c_char;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[link(name = "olstate_sim")]
extern "C" {
    fn olstate_sim_set_state(profile: *const c_char, state: u32, wait: i32) -> i32;
    fn olstate_sim_set_delivery(profile: *const c_char, mode: u32, threads: u32) -> i32;
    fn olstate_sim_wait_idle(profile: *const c_char) -> i32;
    fn olstate_sim_outstanding_refs() -> u32;
    fn olstate_sim_advised_sinks() -> u32;
    fn olstate_sim_held_sinks() -> u32;
}

static FAILURES: AtomicU64 = AtomicU64::new(0);
static EVENTS: AtomicU64 = AtomicU64::new(0);
static CYCLES: AtomicU64 = AtomicU64::new(0);

fn fail(what: &str) {
    FAILURES.fetch_add(1, Ordering::SeqCst);
    eprintln!("rust soak: FAIL: {what}");
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

const PROFILE: &str = "soak-rust";

fn cycle(n: u64) {
    let delivery = if n % 2 == 0 { Delivery::Queued } else { Delivery::Inline };
    let session = match Session::builder()
        .profile(PROFILE)
        .provider(Provider::Simulator)
        .delivery(delivery)
        .open()
    {
        Ok(s) => s,
        Err(e) => return fail(&format!("open: {e}")),
    };
    // Each closure owns a token (an Arc): it is dropped exactly when the
    // binding's release runs, so the strong count tells whether it ran.
    let mut subs = Vec::new();
    for i in 0..(1 + n % 3) {
        let dead = Arc::new(AtomicBool::new(false));
        let token = Arc::new(());
        let (d, t) = (dead.clone(), token.clone());
        let current = i == 0;
        let mut first = true;
        let options = SubscribeOptions::new().current_state(current);
        let sub = session.subscribe_with(options, move |e| {
            let _keep = &t;
            if d.load(Ordering::SeqCst) {
                fail("closure ran after unsubscribe/close returned");
            }
            if std::mem::take(&mut first) && current && e.kind != EventKind::Current {
                fail(&format!("a current-state subscription began with {e}"));
            }
            EVENTS.fetch_add(1, Ordering::Relaxed);
        });
        match sub {
            Ok(s) => subs.push((s, dead, token, i % 2 == 0)),
            Err(e) => fail(&format!("subscribe: {e}")),
        }
    }
    std::thread::sleep(Duration::from_micros(300 + (n % 7) * 200));
    let state = if n % 4 < 2 { State::Online } else { State::Offline };
    match session.wait_for(state, Duration::from_millis(1)) {
        Ok(()) => {}
        Err(e) if e.code() == ErrorCode::Timeout => {}
        Err(e) => fail(&format!("wait_for: {e}")),
    }
    let mut left = Vec::new();
    for (sub, dead, token, now) in subs {
        if now {
            if let Err(e) = sub.unsubscribe() {
                fail(&format!("unsubscribe: {e}"));
            }
            dead.store(true, Ordering::SeqCst);
            if Arc::strong_count(&token) != 1 {
                fail("unsubscribe returned before the closure was dropped");
            }
        } else {
            left.push((sub, dead, token));
        }
    }
    // close() ends the rest; the Subscription values outlive it.
    if let Err(e) = session.close() {
        fail(&format!("close: {e}"));
    }
    for (sub, dead, token) in left {
        dead.store(true, Ordering::SeqCst);
        if Arc::strong_count(&token) != 1 {
            fail("close returned before a closure was dropped");
        }
        drop(sub);
    }
    CYCLES.fetch_add(1, Ordering::Relaxed);
}

fn main() {
    let seconds: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(20.0);
    let profile = CString::new(PROFILE).unwrap();
    unsafe { olstate_sim_set_delivery(profile.as_ptr(), 2, 3) };
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let toggler = {
        let stop = stop.clone();
        let profile = profile.clone();
        std::thread::spawn(move || {
            let mut want = 1u32;
            while !stop.load(Ordering::SeqCst) {
                if unsafe { olstate_sim_set_state(profile.as_ptr(), want, 0) } == 0 {
                    want = 3 - want;
                }
                std::thread::sleep(Duration::from_micros(300));
            }
        })
    };
    let workers: Vec<_> = (0..4u64)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut n = w;
                while !stop.load(Ordering::SeqCst) {
                    cycle(n);
                    n += 1;
                }
            })
        })
        .collect();
    let mut samples = Vec::new();
    while start.elapsed().as_secs_f64() < seconds {
        std::thread::sleep(Duration::from_millis(100));
        samples.push(rss_kb());
        // 4 workers, a session each, 3 references a session (ABI 1.3)
        if unsafe { olstate_sim_outstanding_refs() } > 12 {
            fail("more references held than open sessions");
        }
    }
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    toggler.join().unwrap();
    unsafe { olstate_sim_wait_idle(profile.as_ptr()) };
    let deadline = Instant::now() + Duration::from_secs(10);
    let busy = || unsafe {
        olstate_sim_outstanding_refs() + olstate_sim_advised_sinks() + olstate_sim_held_sinks() != 0
    };
    while busy() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    if busy() {
        fail("simulator counters not back at zero");
    }
    let n = samples.len();
    let (mut base, mut last) = (0, 0);
    if n >= 8 {
        base = samples[n / 4..n / 2].iter().copied().max().unwrap_or(0);
        last = samples[n - n / 4..].iter().copied().max().unwrap_or(0);
        if last > base + 8 * 1024 {
            fail(&format!("RSS grew from {base} kB to {last} kB after warm-up"));
        }
    }
    println!(
        "rust soak: {:.1} s, cycles {}, events {}, RSS kB warm {base} last {last}, failures {}",
        start.elapsed().as_secs_f64(),
        CYCLES.load(Ordering::Relaxed),
        EVENTS.load(Ordering::Relaxed),
        FAILURES.load(Ordering::SeqCst)
    );
    std::process::exit(if FAILURES.load(Ordering::SeqCst) == 0 { 0 } else { 1 });
}
