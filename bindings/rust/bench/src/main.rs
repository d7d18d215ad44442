//! Events per second delivered through the Rust binding's idiomatic
//! `Session::subscribe` (an `FnMut` closure behind a mutex) and
//! `subscribe_concurrent` (an `Fn` closure), versus the C API used directly
//! from the same process (`olstate_subscribe` with an `extern "C"` callback),
//! with the same configuration: simulator, SYNC provider delivery, one
//! session per path, interleaved repetitions, median reported.
//!
//!   OLSTATE_LIB_DIR=<build>/shim cargo run --release --offline \
//!       --manifest-path bindings/rust/bench/Cargo.toml --target-dir /tmp/olstate-rust-bench -- [--quick]
use std::ffi::{c_void, CString};
use std::os::raw::c_char;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use olstate::{sys, Delivery, Provider, Session};

#[link(name = "olstate_sim")]
extern "C" {
    fn olstate_sim_set_delivery(profile: *const c_char, mode: u32, threads: u32) -> i32;
    fn olstate_sim_send_raw(
        profile: *const c_char,
        notify_type: u32,
        mask: u32,
        old_state: u32,
        new_state: u32,
        ul_size: u32,
        count: u32,
    ) -> i32;
}
const SIM_DELIVERY_SYNC: u32 = 1;

fn send(profile: &CString, count: u32) {
    // CHANGE, offline mask, ONLINE -> OFFLINE, on this thread (SYNC).
    let hr = unsafe { olstate_sim_send_raw(profile.as_ptr(), 2, 3, 2, 1, 0, count) };
    assert_eq!(hr, 0, "olstate_sim_send_raw");
}

unsafe extern "C" fn c_count(_event: *const sys::olstate_event, context: *mut c_void) {
    (*(context as *const AtomicU64)).fetch_add(1, Ordering::Relaxed);
}

fn open(profile: &str, delivery: Delivery) -> Session {
    let c = CString::new(profile).unwrap();
    unsafe { olstate_sim_set_delivery(c.as_ptr(), SIM_DELIVERY_SYNC, 0) };
    Session::builder()
        .provider(Provider::Simulator)
        .profile(profile)
        .delivery(delivery)
        .open()
        .expect("open")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Events per second for one path: INLINE sends `n` and times them; QUEUED
/// sends bursts of 128 (under the queue's 256) and waits for each burst.
fn rate(profile: &CString, counter: &AtomicU64, delivery: Delivery, n: u32) -> f64 {
    let start = counter.load(Ordering::Relaxed);
    let t0 = Instant::now();
    match delivery {
        Delivery::Inline => send(profile, n),
        _ => {
            let mut sent = 0u64;
            while sent < n as u64 {
                send(profile, 128);
                sent += 128;
                while counter.load(Ordering::Relaxed) - start < sent {
                    std::thread::yield_now();
                }
            }
        }
    }
    let got = counter.load(Ordering::Relaxed) - start;
    got as f64 / t0.elapsed().as_secs_f64()
}

/// Medians over repetitions; ratios are taken within each repetition (the
/// three paths run back to back) and then the median, which keeps a noisy
/// shared machine's slow spells from landing on one path only.
struct Figures {
    c: f64,
    closure: f64,
    concurrent: f64,
    closure_ratio: f64,
    concurrent_ratio: f64,
}

fn measure(delivery: Delivery, n: u32, reps: usize) -> Figures {
    let tag = if delivery == Delivery::Inline {
        "inline"
    } else {
        "queued"
    };
    let names = [
        format!("rust-bench-c-{tag}"),
        format!("rust-bench-fnmut-{tag}"),
        format!("rust-bench-fn-{tag}"),
    ];
    let profiles: Vec<CString> = names
        .iter()
        .map(|n| CString::new(n.as_str()).unwrap())
        .collect();
    let sessions: Vec<Session> = names.iter().map(|n| open(n, delivery)).collect();

    // C API: the same function pointer + context a C program would pass.
    let c_counter = Box::new(AtomicU64::new(0));
    let mut token: sys::olstate_subscription = 0;
    let r = unsafe {
        sys::olstate_subscribe(
            sessions[0].as_raw(),
            Some(c_count),
            &*c_counter as *const AtomicU64 as *mut c_void,
            None,
            &mut token,
        )
    };
    assert_eq!(r, 0, "olstate_subscribe");

    let fnmut_counter = Arc::new(AtomicU64::new(0));
    let fc = fnmut_counter.clone();
    let _s1 = sessions[1]
        .subscribe(move |_e| {
            fc.fetch_add(1, Ordering::Relaxed);
        })
        .expect("subscribe");
    let fn_counter = Arc::new(AtomicU64::new(0));
    let gc = fn_counter.clone();
    let _s2 = sessions[2]
        .subscribe_concurrent(move |_e| {
            gc.fetch_add(1, Ordering::Relaxed);
        })
        .expect("subscribe_concurrent");

    let counters: [&AtomicU64; 3] = [&c_counter, &fnmut_counter, &fn_counter];
    let mut rates: [Vec<f64>; 3] = [vec![], vec![], vec![]];
    let (mut r1, mut r2) = (vec![], vec![]);
    for rep in 0..reps {
        let mut x = [0.0; 3];
        for k in 0..3 {
            let i = (rep + k) % 3; // rotate which path goes first
            x[i] = rate(&profiles[i], counters[i], delivery, n);
            rates[i].push(x[i]);
        }
        r1.push(x[1] / x[0]);
        r2.push(x[2] / x[0]);
    }
    unsafe { sys::olstate_unsubscribe(sessions[0].as_raw(), token) };
    let [a, b, c] = rates;
    Figures {
        c: median(a),
        closure: median(b),
        concurrent: median(c),
        closure_ratio: median(r1),
        concurrent_ratio: median(r2),
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (n, reps) = if quick { (20_000, 5) } else { (50_000, 31) };
    let inline = measure(Delivery::Inline, n, reps);
    let queued = measure(Delivery::Queued, n / 4, reps);
    println!("Rust binding, events/s (median of {reps} interleaved repetitions)");
    for (name, f) in [("INLINE", &inline), ("QUEUED", &queued)] {
        println!(
            "  {name}: C API {:.0}   subscribe (FnMut) {:.0} ({:.3} of C)   subscribe_concurrent (Fn) {:.0} ({:.3} of C)",
            f.c,
            f.closure,
            f.closure_ratio,
            f.concurrent,
            f.concurrent_ratio
        );
    }
    println!(
        "{{\"binding\":\"rust\",\"inline_c_events_per_s\":{:.0},\"inline_events_per_s\":{:.0},\"inline_ratio_to_c\":{:.3},\
\"inline_concurrent_events_per_s\":{:.0},\"inline_concurrent_ratio_to_c\":{:.3},\
\"queued_c_events_per_s\":{:.0},\"queued_events_per_s\":{:.0},\"queued_ratio_to_c\":{:.3}}}",
        inline.c,
        inline.closure,
        inline.closure_ratio,
        inline.concurrent,
        inline.concurrent_ratio,
        queued.c,
        queued.closure,
        queued.closure_ratio
    );
}
