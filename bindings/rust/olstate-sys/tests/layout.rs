//! Pins the `sys` mirror to `olstate.h`: struct sizes and field offsets
//! (hand-written values, the loaded library's `olstate_struct_size`, and -
//! when a C compiler is available - the header itself), and every constant.

use std::mem::{align_of, offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

use olstate_sys::{
    self as sys, olstate_bridge_options, olstate_event, olstate_open_options, olstate_session_info,
    olstate_account, olstate_subscribe_options,
};

const PTR: usize = size_of::<*const u8>();

#[test]
fn struct_sizes_and_offsets_are_pinned() {
    // olstate_open_options: u32, ptr, u32, ptr, u32, u32; since 1.3 ptr, u32
    if PTR == 8 {
        assert_eq!(size_of::<olstate_open_options>(), 56);
        assert_eq!(offset_of!(olstate_open_options, application), 40);
        assert_eq!(offset_of!(olstate_open_options, connection_poll_ms), 48);
        assert_eq!(offset_of!(olstate_open_options, profile), 8);
        assert_eq!(offset_of!(olstate_open_options, provider), 16);
        assert_eq!(offset_of!(olstate_open_options, provider_path), 24);
        assert_eq!(offset_of!(olstate_open_options, delivery), 32);
        assert_eq!(offset_of!(olstate_open_options, flags), 36);
    } else {
        assert_eq!(size_of::<olstate_open_options>(), 32);
        assert_eq!(offset_of!(olstate_open_options, application), 24);
        assert_eq!(offset_of!(olstate_open_options, connection_poll_ms), 28);
        assert_eq!(offset_of!(olstate_open_options, profile), 4);
        assert_eq!(offset_of!(olstate_open_options, provider), 8);
        assert_eq!(offset_of!(olstate_open_options, provider_path), 12);
        assert_eq!(offset_of!(olstate_open_options, delivery), 16);
        assert_eq!(offset_of!(olstate_open_options, flags), 20);
    }
    assert_eq!(offset_of!(olstate_open_options, struct_size), 0);

    // olstate_event: the same on every target.
    assert_eq!(size_of::<olstate_event>(), 48);
    assert_eq!(offset_of!(olstate_event, struct_size), 0);
    assert_eq!(offset_of!(olstate_event, kind), 4);
    assert_eq!(offset_of!(olstate_event, old_state), 8);
    assert_eq!(offset_of!(olstate_event, new_state), 12);
    assert_eq!(offset_of!(olstate_event, subscription), 16);
    assert_eq!(offset_of!(olstate_event, sequence), 24);
    assert_eq!(offset_of!(olstate_event, flags), 32);
    assert_eq!(offset_of!(olstate_event, reserved), 36);
    assert_eq!(offset_of!(olstate_event, notify_time_us), 40);

    // olstate_session_info: u32, u32, ptr, ptr, u32 (since 1.3)
    assert_eq!(size_of::<olstate_session_info>(), if PTR == 8 { 32 } else { 20 });
    assert_eq!(offset_of!(olstate_session_info, provider), 4);
    assert_eq!(offset_of!(olstate_session_info, profile), 8);
    assert_eq!(offset_of!(olstate_session_info, provider_path), 8 + PTR);
    assert_eq!(offset_of!(olstate_session_info, threading), 8 + 2 * PTR);

    // olstate_bridge_options: u32, u32, u32, u32, ptr
    assert_eq!(size_of::<olstate_bridge_options>(), if PTR == 8 { 24 } else { 20 });
    // olstate_subscribe_options: u32, u32, ptr, ptr, ptr
    assert_eq!(size_of::<olstate_subscribe_options>(), if PTR == 8 { 32 } else { 20 });
    assert_eq!(offset_of!(olstate_subscribe_options, callback), 8);
    assert_eq!(offset_of!(olstate_subscribe_options, release), 8 + 2 * PTR);
    assert_eq!(offset_of!(olstate_bridge_options, flags), 4);
    assert_eq!(offset_of!(olstate_bridge_options, max_clients), 8);
    assert_eq!(offset_of!(olstate_bridge_options, queue_length), 12);
    assert_eq!(offset_of!(olstate_bridge_options, endpoint), 16);

    assert_eq!(size_of::<sys::olstate_subscription>(), 8);
    assert_eq!(size_of::<sys::olstate_result>(), 4);
    assert_eq!(size_of::<sys::olstate_callback>(), PTR, "Option<fn> is a nullable pointer");
    assert_eq!(size_of::<sys::olstate_release>(), PTR);
    assert!(align_of::<olstate_event>() <= 8);

    // olstate_account (1.3): four u32, two 256-byte texts.
    assert_eq!(size_of::<olstate_account>(), 16 + 2 * 256);
    assert_eq!(offset_of!(olstate_account, display_name), 16);
    assert_eq!(offset_of!(olstate_account, smtp_address), 16 + 256);
}

#[test]
fn struct_sizes_match_the_loaded_library() {
    let size = |which| unsafe { sys::olstate_struct_size(which) };
    assert_eq!(size(sys::OLSTATE_STRUCT_OPEN_OPTIONS), size_of::<olstate_open_options>());
    assert_eq!(size(sys::OLSTATE_STRUCT_EVENT), size_of::<olstate_event>());
    assert_eq!(size(sys::OLSTATE_STRUCT_SESSION_INFO), size_of::<olstate_session_info>());
    assert_eq!(size(sys::OLSTATE_STRUCT_BRIDGE_OPTIONS), size_of::<olstate_bridge_options>());
    assert_eq!(size(sys::OLSTATE_STRUCT_SUBSCRIBE_OPTIONS), size_of::<olstate_subscribe_options>());
    assert_eq!(size(sys::OLSTATE_STRUCT_ACCOUNT), size_of::<olstate_account>());
    assert_eq!(size(0), 0);
    assert_eq!(size(999), 0);
}

#[test]
fn options_init_matches_the_mirror_defaults() {
    // Safe here because the library's struct is exactly ours (checked above);
    // the safe API never calls olstate_open_options_init for that reason.
    let mut o = olstate_open_options {
        struct_size: 0xdead,
        profile: 1 as *const _,
        provider: 77,
        provider_path: 1 as *const _,
        delivery: 77,
        flags: 77,
        application: 1 as *mut _,
        connection_poll_ms: 77,
    };
    unsafe { sys::olstate_open_options_init(&mut o) };
    // Only the 1.0 fields, whatever the library's version (the header).
    assert_eq!(o.struct_size as usize, offset_of!(olstate_open_options, application));
    assert_eq!((o.application as usize, o.connection_poll_ms), (1, 77));
    assert!(o.profile.is_null() && o.provider_path.is_null());
    assert_eq!((o.provider, o.delivery, o.flags), (sys::OLSTATE_PROVIDER_AUTO, sys::OLSTATE_DELIVERY_QUEUED, 0));
    unsafe { sys::olstate_open_options_init(std::ptr::null_mut()) }; // ignored

    let mut b = olstate_bridge_options {
        struct_size: 0xdead,
        flags: 77,
        max_clients: 77,
        queue_length: 77,
        endpoint: 1 as *const _,
    };
    unsafe { sys::olstate_bridge_options_init(&mut b) };
    assert_eq!(b.struct_size as usize, size_of::<olstate_bridge_options>());
    assert_eq!((b.flags, b.max_clients, b.queue_length), (0, 0, 0));
    assert!(b.endpoint.is_null());
    unsafe { sys::olstate_bridge_options_init(std::ptr::null_mut()) }; // ignored
}

#[test]
fn abi_major_matches_the_library() {
    let v = unsafe { sys::olstate_abi_version() };
    assert_eq!(v >> 16, sys::OLSTATE_ABI_VERSION >> 16);
    assert!(unsafe { !sys::olstate_version_string().is_null() });
}

/// Every constant and layout fact of the mirror, as `(C expression, value)`.
fn facts() -> Vec<(String, i128)> {
    let mut f: Vec<(String, i128)> = Vec::new();
    macro_rules! consts {
        ($($name:ident),* $(,)?) => { $( f.push((stringify!($name).to_string(), sys::$name as i128)); )* };
    }
    consts!(
        OLSTATE_OK, OLSTATE_E_INVALID_ARGUMENT, OLSTATE_E_INVALID_HANDLE, OLSTATE_E_PROVIDER_NOT_FOUND,
        OLSTATE_E_PROFILE_NOT_FOUND, OLSTATE_E_NOT_SUPPORTED, OLSTATE_E_BUSY, OLSTATE_E_PROVIDER_FAILED,
        OLSTATE_E_OUT_OF_MEMORY, OLSTATE_E_INTERNAL, OLSTATE_E_NOT_IN_OUTLOOK, OLSTATE_E_WOULD_DEADLOCK,
        OLSTATE_E_TIMEOUT, OLSTATE_STRUCT_SUBSCRIBE_OPTIONS, OLSTATE_EVENT_CURRENT, OLSTATE_WAIT_INFINITE,
        OLSTATE_SUBSCRIBE_CURRENT_STATE,
        OLSTATE_THREADING_DIRECT, OLSTATE_THREADING_OWNER_WINDOW, OLSTATE_THREADING_OWNER_LOOP,
        OLSTATE_OWNER_WAIT_MS,
        OLSTATE_ABI_VERSION, OLSTATE_STRUCT_OPEN_OPTIONS, OLSTATE_STRUCT_EVENT, OLSTATE_STRUCT_SESSION_INFO,
        OLSTATE_STRUCT_BRIDGE_OPTIONS, OLSTATE_EVENT_PROVIDER_LOST, OLSTATE_EVENT_PROVIDER_BACK,
        OLSTATE_OPEN_RECONNECT, OLSTATE_BRIDGE_ALLOW_SET_STATE,
        OLSTATE_OFFLINE, OLSTATE_ONLINE, OLSTATE_CAPABILITY_OFFLINE, OLSTATE_CAPABILITY_ONLINE,
        OLSTATE_EVENT_CHANGE_START, OLSTATE_EVENT_CHANGE, OLSTATE_EVENT_CHANGE_DONE,
        OLSTATE_EVENT_FLAG_DROPPED, OLSTATE_SET_DEFAULT, OLSTATE_SET_BLOCK,
        OLSTATE_PROVIDER_AUTO, OLSTATE_PROVIDER_OUTLOOK, OLSTATE_PROVIDER_SIMULATOR,
        OLSTATE_PROVIDER_LIBRARY, OLSTATE_PROVIDER_BRIDGE, OLSTATE_PROVIDER_OBJECT_MODEL, OLSTATE_OPEN_NO_FALLBACK,
        OLSTATE_STRUCT_OUTLOOK_INFO, OLSTATE_OUTLOOK_NONE, OLSTATE_OUTLOOK_CLASSIC, OLSTATE_OUTLOOK_NEW,
        OLSTATE_OUTLOOK_BOTH,
        OLSTATE_DELIVERY_QUEUED, OLSTATE_DELIVERY_INLINE,
        OLSTATE_STRUCT_BRIDGE_OPTIONS, OLSTATE_EVENT_PROVIDER_LOST, OLSTATE_EVENT_PROVIDER_BACK,
        OLSTATE_OPEN_RECONNECT, OLSTATE_BRIDGE_ALLOW_SET_STATE,
        OLSTATE_STRUCT_ACCOUNT, OLSTATE_CAPABILITY_CONNECTION_MODE, OLSTATE_EVENT_CONNECTION_CHANGED,
        OLSTATE_EVENT_ACCOUNT_CHANGED, OLSTATE_CONNECTION_NO_EXCHANGE, OLSTATE_CONNECTION_OFFLINE,
        OLSTATE_CONNECTION_CACHED_OFFLINE, OLSTATE_CONNECTION_DISCONNECTED, OLSTATE_CONNECTION_CACHED_DISCONNECTED,
        OLSTATE_CONNECTION_CACHED_CONNECTED_HEADERS, OLSTATE_CONNECTION_CACHED_CONNECTED_DRIZZLE,
        OLSTATE_CONNECTION_CACHED_CONNECTED_FULL, OLSTATE_CONNECTION_ONLINE, OLSTATE_CONNECTION_UNKNOWN,
        OLSTATE_ACCOUNT_EXCHANGE, OLSTATE_ACCOUNT_IMAP, OLSTATE_ACCOUNT_POP3, OLSTATE_ACCOUNT_HTTP,
        OLSTATE_ACCOUNT_EAS, OLSTATE_ACCOUNT_OTHER, OLSTATE_MAX_ACCOUNTS, OLSTATE_ACCOUNT_TEXT_SIZE,
        OLSTATE_CONNECTION_POLL_DEFAULT_MS, OLSTATE_CONNECTION_POLL_MIN_MS, OLSTATE_CONNECTION_POLL_MAX_MS,
    );
    macro_rules! layout {
        ($ty:ident: $($field:ident),*) => {
            f.push((format!("sizeof({})", stringify!($ty)), size_of::<$ty>() as i128));
            $( f.push((format!("offsetof({}, {})", stringify!($ty), stringify!($field)),
                       offset_of!($ty, $field) as i128)); )*
        };
    }
    layout!(olstate_open_options: struct_size, profile, provider, provider_path, delivery, flags);
    layout!(olstate_event: struct_size, kind, old_state, new_state, subscription, sequence, flags,
            reserved, notify_time_us);
    layout!(olstate_session_info: struct_size, provider, profile, provider_path, threading);
    layout!(olstate_bridge_options: struct_size, flags, max_clients, queue_length, endpoint);
    layout!(olstate_subscribe_options: struct_size, flags, callback, context, release);
    layout!(olstate_account: struct_size, account_type, connection_mode, reserved, display_name, smtp_address);
    f.push(("sizeof(olstate_subscription)".into(), 8));
    f.push(("sizeof(olstate_result)".into(), 4));
    f
}

/// Compiles a C program against `include/olstate.h` that prints every fact,
/// and compares. Skipped (with a note) when no C compiler runs.
#[test]
fn mirror_matches_the_c_header() {
    let include = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../include");
    if !include.join("olstate.h").exists() {
        eprintln!("skipped: include/olstate.h not found at {}", include.display());
        return;
    }
    let facts = facts();
    let mut src = String::from("#include <stdio.h>\n#include <stddef.h>\n#include \"olstate.h\"\nint main(void) {\n");
    for (expr, _) in &facts {
        src += &format!("    printf(\"%lld\\n\", (long long)({expr}));\n");
    }
    src += "    return 0;\n}\n";
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("header-parity");
    std::fs::create_dir_all(&dir).unwrap();
    let c_file = dir.join("parity.c");
    let exe = dir.join(if cfg!(windows) { "parity.exe" } else { "parity" });
    std::fs::write(&c_file, src).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let built = Command::new(&cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-I"])
        .arg(&include)
        .arg(&c_file)
        .arg("-o")
        .arg(&exe)
        .output();
    let built = match built {
        Ok(b) => b,
        Err(e) => {
            eprintln!("skipped: no C compiler ({cc}: {e})");
            return;
        }
    };
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success());
    let values: Vec<i128> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(values.len(), facts.len());
    for ((expr, rust), c) in facts.iter().zip(values) {
        assert_eq!(*rust, c, "{expr}: Rust mirror says {rust}, olstate.h says {c}");
    }
}

#[test]
fn every_header_constant_is_mirrored() {
    // Any `#define OLSTATE_...` value in the header must exist in `facts()`
    // (except the linkage macros), so a constant added to the header without
    // a mirror fails here.
    let header = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../include/olstate.h");
    let Ok(text) = std::fs::read_to_string(&header) else {
        eprintln!("skipped: {} not found", header.display());
        return;
    };
    let known: Vec<String> = facts().into_iter().map(|(n, _)| n).collect();
    let skip = ["OLSTATE_H", "OLSTATE_CALL", "OLSTATE_API"];
    // Initializer macros and the X-macro list are C syntax, not values.
    let is_syntax = |name: &str| name.contains('(') || name.ends_with("_INIT");
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("#define ") else { continue };
        let name = rest.split_whitespace().next().unwrap();
        if skip.contains(&name) || is_syntax(name) {
            continue;
        }
        assert!(known.iter().any(|k| k == name), "olstate.h defines {name}, which sys does not mirror");
    }
}
