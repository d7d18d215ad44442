//! `detect_outlook`: the answer where there is no Outlook (the Windows facts
//! are tested in C under Wine, tests/win/detect_outlook.cpp).

use olstate::{detect_outlook, OutlookKind};

#[test]
#[cfg(not(windows))]
fn outside_windows_there_is_no_outlook() {
    let info = detect_outlook().expect("detect");
    assert_eq!(info.verdict, OutlookKind::None);
    assert!(!info.classic_installed);
    assert_eq!(info.classic_bitness, None);
    assert!(!info.classic_click_to_run);
    assert_eq!(info.classic_version, "");
    assert!(!info.classic_running && !info.new_running && !info.new_selected);
}

#[test]
fn threads_detect_at_once() {
    let threads: Vec<_> = (0..4).map(|_| std::thread::spawn(|| (0..20).all(|_| detect_outlook().is_ok()))).collect();
    for t in threads {
        assert!(t.join().unwrap());
    }
}
