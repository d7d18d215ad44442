//! The safe crate's view of the loaded library: its ABI version is
//! accepted, and result names match the error codes.

#[test]
fn abi_version_is_accepted() {
    let v = unsafe { olstate::sys::olstate_abi_version() };
    olstate::check_abi_version(v).unwrap();
    assert_eq!(olstate::abi_version(), ((v >> 16) as u16, (v & 0xffff) as u16));
    assert!(!olstate::library_version().is_empty());
}

#[test]
fn result_names_match() {
    for raw in -11..=0 {
        let name = olstate::result_name(raw);
        if raw == 0 {
            assert_eq!(name, "OLSTATE_OK");
        } else {
            assert_eq!(name, olstate::ErrorCode::from_raw(raw).unwrap().name(), "{raw}");
        }
    }
    assert_eq!(olstate::result_name(-1000), "unknown");
}
